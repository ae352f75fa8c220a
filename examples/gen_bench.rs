//! Writes the import benchmark's input: a 问卷星 text export of 100,000 responses × 30
//! questions (20 single, 8 multi joined by `┋`, 1 ranking joined by `→`, 1 open
//! question), plus its survey.toml, into bench/data/ (git-ignored).
//!
//! Run: `cargo run --release --example gen_bench [-- ROWS]`; with `-- csv ROWS` the same
//! answers as a UTF-8 CSV (`bench/data/wjx_<ROWS>.csv`, written as a stream, so a
//! million rows need no memory), for the large-file benchmarks; with `-- units FILES` that
//! many unit workbooks of 100–500 rows each in `bench/data/units/`; with `-- csv ROWS gbk` the
//! CSV in the other shape Excel writes (GBK, every field quoted, CRLF: `wjx_<ROWS>_gbk.csv`);
//! with `-- parquet ROWS`
//! the same answers as Parquet (`bench/data/wjx_<ROWS>.parquet`, every column text, as a
//! database or a platform's own Parquet export would hold them, written in batches).

use std::fmt::Write as _;
use std::path::Path;

#[path = "support/common.rs"]
mod common;
use common::{workbook, Rng};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).filter(|a| ["csv", "units", "parquet"].contains(a));
    let rows: u32 = args.get(if mode.is_some() { 1 } else { 0 }).and_then(|a| a.parse().ok()).unwrap_or(if mode == Some("units") {
        300
    } else {
        100_000
    });
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/data");
    std::fs::create_dir_all(&dir).unwrap();
    let q = Questions::new();
    let headers = q.write_survey(&dir);
    let mut rng = Rng(42);
    let mut row = |r: u32| q.answers(r, &mut rng);
    let path = match mode {
        Some("units") => return write_units(&dir, rows, &headers, &mut row),
        Some("parquet") => write_parquet(&dir, rows, &headers, &mut row),
        Some(_) => write_csv(&dir, rows, args.get(2).is_some_and(|a| a == "gbk"), &headers, &mut row),
        None => {
            let path = dir.join("wjx_100k.xlsx");
            write_book(&path, &headers, 1..rows + 1, &mut row);
            path
        }
    };
    let size = std::fs::metadata(&path).unwrap().len();
    println!("wrote {} ({:.1} MB, {rows} rows) and bench/data/survey.toml", path.display(), size as f64 / 1e6);
}

/// The questionnaire: 20 single choices, 8 multi-selects, a ranking and an open question;
/// options named after the question so every file is self-describing.
struct Questions {
    singles: Vec<Vec<String>>,
    multis: Vec<Vec<String>>,
    rank: Vec<String>,
}

impl Questions {
    fn new() -> Questions {
        Questions {
            singles: (0..20).map(|q| (0..4 + q % 5).map(|o| format!("第{}题选项{}", q + 1, o + 1)).collect()).collect(),
            multis: (0..8).map(|q| (0..6 + q % 5).map(|o| format!("方面{}之{}", q + 1, o + 1)).collect()).collect(),
            rank: (0..5).map(|o| format!("措施{}", o + 1)).collect(),
        }
    }

    /// Writes `survey.toml` into `dir`; returns the export's headers (问卷星's metadata
    /// columns, then the questions).
    fn write_survey(&self, dir: &Path) -> Vec<String> {
        let mut toml = String::from("id = \"bench\"\ntitle = \"导入基准问卷\"\n\n");
        let mut headers: Vec<String> =
            ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"].iter().map(|s| s.to_string()).collect();
        let quote = |v: &[String]| v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ");
        for (q, opts) in self.singles.iter().enumerate() {
            let n = q + 1;
            headers.push(format!("{n}、单选题{n}(单选题 *必答)"));
            let _ = write!(
                toml,
                "[[questions]]\nid = \"Q{n}\"\ntext = \"单选题{n}\"\nkind = \"single\"\nrequired = true\noptions = [{}]\n\n",
                quote(opts)
            );
        }
        for (q, opts) in self.multis.iter().enumerate() {
            let n = 21 + q;
            headers.push(format!("{n}、多选题{n}(多选题 *必答)"));
            let _ = write!(
                toml,
                "[[questions]]\nid = \"Q{n}\"\ntext = \"多选题{n}\"\nkind = \"multi\"\nrequired = true\noptions = [{}]\n\n",
                quote(opts)
            );
        }
        headers.push("29、排序题(排序题)".into());
        let _ = write!(toml, "[[questions]]\nid = \"Q29\"\ntext = \"排序题\"\nkind = \"rank\"\noptions = [{}]\n\n", quote(&self.rank));
        headers.push("30、意见建议".into());
        toml.push_str("[[questions]]\nid = \"Q30\"\ntext = \"意见建议\"\nkind = \"text\"\n");
        std::fs::write(dir.join("survey.toml"), toml).unwrap();
        headers
    }

    /// Response `r`'s cells, in header order.
    fn answers(&self, r: u32, rng: &mut Rng) -> Vec<String> {
        let notes = ["建议精简会议", "减少填表", "无", "希望多调研", "(空)"];
        let mut cells = vec![
            r.to_string(),
            format!("2025/6/{} {:02}:{:02}:{:02}", 1 + r % 28, r % 24, r % 60, (r * 7) % 60),
            format!("{}秒", 60 + rng.below(600)),
            "微信".into(),
            "N/A".into(),
            "183.192.16.69(上海-上海)".into(),
        ];
        for opts in &self.singles {
            cells.push(opts[rng.below(opts.len() as u64) as usize].clone());
        }
        for opts in &self.multis {
            let mut picked: Vec<&str> = opts.iter().filter(|_| rng.below(100) < 35).map(|s| s.as_str()).collect();
            if picked.is_empty() {
                picked.push(&opts[0]);
            }
            cells.push(picked.join("┋"));
        }
        let mut order: Vec<&str> = self.rank.iter().map(|s| s.as_str()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        cells.push(order[..3].join("→"));
        cells.push(notes[rng.below(5) as usize].to_string());
        cells
    }
}

/// `files` unit workbooks of 100–500 responses each, in `dir/units/`.
fn write_units(dir: &Path, files: u32, headers: &[String], row: &mut dyn FnMut(u32) -> Vec<String>) {
    let udir = dir.join("units");
    let _ = std::fs::remove_dir_all(&udir);
    std::fs::create_dir_all(&udir).unwrap();
    let mut total = 0u32;
    let mut seq = 1u32;
    for u in 0..files {
        let n = 100 + (u * 7919) % 401;
        write_book(&udir.join(format!("单位{:03}.xlsx", u + 1)), headers, seq..seq + n, row);
        seq += n;
        total += n;
    }
    println!("wrote {files} unit workbooks ({total} rows) into {} and bench/data/survey.toml", udir.display());
}

/// The answers as Parquet (every column text), written in batches.
fn write_parquet(dir: &Path, rows: u32, headers: &[String], row: &mut dyn FnMut(u32) -> Vec<String>) -> std::path::PathBuf {
    use polars::prelude::*;
    let path = dir.join(format!("wjx_{rows}.parquet"));
    let schema = Schema::from_iter(headers.iter().map(|h| Field::new(h.as_str().into(), DataType::String)));
    let mut w = ParquetWriter::new(std::fs::File::create(&path).unwrap()).batched(&schema).unwrap();
    const BATCH: u32 = 200_000;
    let mut start = 1;
    while start <= rows {
        let end = (start + BATCH - 1).min(rows);
        let mut cols: Vec<Vec<String>> = vec![Vec::with_capacity((end - start + 1) as usize); headers.len()];
        for r in start..=end {
            for (c, v) in row(r).into_iter().enumerate() {
                cols[c].push(v);
            }
        }
        let columns: Vec<Column> = headers.iter().zip(cols).map(|(h, v)| Column::new(h.as_str().into(), v)).collect();
        w.write_batch(&DataFrame::new((end - start + 1) as usize, columns).unwrap()).unwrap();
        start = end + 1;
    }
    w.finish().unwrap();
    path
}

/// The answers as CSV, streamed: UTF-8 with a BOM, or (`gbk`) the other shape Excel and
/// 问卷星 write on Chinese Windows: GBK, every field quoted, CRLF line ends.
fn write_csv(dir: &Path, rows: u32, gbk: bool, headers: &[String], row: &mut dyn FnMut(u32) -> Vec<String>) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join(if gbk { format!("wjx_{rows}_gbk.csv") } else { format!("wjx_{rows}.csv") });
    let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    if gbk {
        let line = |cells: &[String]| {
            let quoted: Vec<String> = cells.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
            encoding_rs::GB18030.encode(&format!("{}\r\n", quoted.join(","))).0.into_owned()
        };
        w.write_all(&line(headers)).unwrap();
        for r in 1..=rows {
            w.write_all(&line(&row(r))).unwrap();
        }
    } else {
        w.write_all(b"\xEF\xBB\xBF").unwrap();
        writeln!(w, "{}", headers.join(",")).unwrap();
        for r in 1..=rows {
            writeln!(w, "{}", row(r).join(",")).unwrap();
        }
    }
    w.flush().unwrap();
    path
}

/// One workbook: the header, then responses `seqs` (their 序号 as numbers), one per row.
fn write_book(path: &Path, headers: &[String], seqs: std::ops::Range<u32>, row: &mut dyn FnMut(u32) -> Vec<String>) {
    let mut wb = workbook();
    let ws = wb.add_worksheet();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (r, seq) in seqs.enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row(seq).iter().enumerate() {
            match c {
                0 => ws.write_number(r, 0, seq as f64).unwrap(),
                _ => ws.write_string(r, c as u16, v).unwrap(),
            };
        }
    }
    wb.save(path).unwrap();
}
