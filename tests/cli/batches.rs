//! A report over more rows than memory holds is computed a batch of rows at a time
//! (`DIAOYAN_BATCH_ROWS=N` forces batches of N rows on any data): every figure, test,
//! ledger entry and return per unit must be the same as from the whole table — with
//! duplicates whose first copy is in an earlier batch, streamed files split between
//! batches, `--where`, weights and banners by unit and wave.

use crate::workdir::{fixture, root, Workdir};

/// The bundled example's definition without its unit indicators (league tables need
/// every row at once, so a report with them is never batched).
fn example_without_indicators(w: &Workdir) -> std::path::PathBuf {
    let text = std::fs::read_to_string(root().join("surveys/example/survey.toml")).unwrap();
    let mut out = String::new();
    let mut skip = false;
    for line in text.lines() {
        if line.starts_with("[[") {
            skip = matches!(line.trim(), "[[indicators]]" | "[[indices]]");
        } else if line.starts_with('[') {
            skip = false;
        }
        if !skip {
            out += line;
            out += "\n";
        }
    }
    assert!(!out.contains("[[indicators]]") && out.contains("[[questions]]"));
    w.write("survey.toml", out)
}

const COMPARED: [&str; 4] = ["results.csv", "tests.csv", "issues.csv", "columns.csv"];

/// Runs `report` whole (`o_whole`) and in batches of each size; every CSV must be equal,
/// and the terminal summary too (but for the output folder).
fn same_in_batches(w: &Workdir, args: &[&str], sizes: &[usize]) {
    let whole = w.cmd("report").args(args).args(["--charts", "none", "--doc", "none", "-o", "o_whole"]).run();
    whole.expect_ok();
    assert!(!whole.stdout().contains("全部答卷同时"), "{}", whole.stdout());
    for n in sizes {
        let out = format!("o_{n}");
        let r = w
            .cmd("report")
            .args(args)
            .args(["--charts", "none", "--doc", "none", "-o", &out])
            .env("DIAOYAN_BATCH_ROWS", &n.to_string())
            .run();
        r.expect_ok();
        for f in COMPARED {
            let (a, b) = (std::fs::read(w.path(&format!("o_whole/{f}"))).unwrap(), std::fs::read(w.path(&format!("{out}/{f}"))).unwrap());
            assert!(a == b, "{f} differs with batches of {n} rows:\n{}", String::from_utf8_lossy(&b));
        }
        assert_eq!(whole.stdout().replace("o_whole", ""), r.stdout().replace(&out, ""), "summary with batches of {n}");
    }
}

#[test]
fn the_example_in_batches_gives_the_same_figures() {
    let w = Workdir::new();
    let s = example_without_indicators(&w);
    let (s, ex, units) = (s.to_str().unwrap().to_string(), root().join("surveys/example"), root().join("surveys/example/units.csv"));
    let (ex, units) = (ex.to_str().unwrap(), units.to_str().unwrap());
    // Banners by question, unit and wave (the survey's), returns per unit against the roster.
    same_in_batches(&w, &["-s", &s, "--units", units, ex], &[1, 100]);
    // A subset.
    same_in_batches(&w, &["-s", &s, "--where", "Q1=党政干部|事业单位人员", ex], &[5]);
    // A subset found in no batch is refused as with the whole table.
    let r = w.cmd("report").args(["-s", &s, "--where", "Q1=没有这个选项", ex, "-o", "o_none"]).env("DIAOYAN_BATCH_ROWS", "10").run();
    assert_ne!(r.code(), 0);
    assert!(r.stderr().contains("没有任何答卷"), "{}", r.stderr());
}

#[test]
fn duplicates_of_rows_in_earlier_batches_are_found() {
    let w = Workdir::new();
    let s = fixture("survey.toml");
    // The text and the code export of one survey (the same respondents), and a GBK copy of
    // the text export: rows of later files repeat rows of earlier batches.
    let files = ["wjx_text.xlsx", "wjx_code.xlsx", "wjx_text_gbk.csv"].map(|f| fixture(f).to_str().unwrap().to_string());
    let mut args = vec!["-s", s.to_str().unwrap(), "--banner", "Q1"];
    args.extend(files.iter().map(|f| f.as_str()));
    same_in_batches(&w, &args, &[1, 2, 5]);
    let (_, issues) = w.csv("o_1/issues.csv");
    let same = issues.iter().filter(|r| r.iter().any(|c| c.contains("是同一份答卷"))).count();
    assert!(same >= 6, "the repeated respondents are in the ledger: {issues:?}");
}

/// A CSV large enough to be streamed, split between batches in the middle of the file,
/// with a repeated 序号 far from its first copy (another batch) and a repeated submission.
#[test]
fn a_streamed_file_split_between_batches_gives_the_same_figures() {
    let w = Workdir::new();
    big_csv(&w);
    let s = fixture("survey.toml");
    same_in_batches(&w, &["-s", s.to_str().unwrap(), "--banner", "Q1", "big.csv"], &[4_000]);
    // Weighted (the number of meetings as a weight: one respondent in six weighs 0).
    same_in_batches(&w, &["-s", s.to_str().unwrap(), "--weight", "Q8", "--banner", "unit", "big.csv"], &[7_000]);
    let (_, issues) = w.csv("o_4000/issues.csv");
    assert!(
        issues.iter().any(|r| r.iter().any(|c| c == "30002") && r.iter().any(|c| c.contains("重复"))),
        "the repeat is rejected at its row: {issues:?}"
    );
}

/// A CSV large enough to be streamed (30,001 rows of the 问卷星 text export), whose last
/// row repeats 序号 17 of 27,000 rows before: `big.csv` in `w`.
fn big_csv(w: &Workdir) {
    let text = std::fs::read_to_string(fixture("wjx_text_utf8.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let mut csv = format!("{header}\n");
    for k in 0..30_000 {
        let row = rows[k % rows.len()];
        let rest = &row[row.find(',').unwrap()..];
        // Distinct submit times, so that only the planted rows repeat one another.
        let rest = rest.replacen("2025/6/", &format!("2025/{}/", 1 + k % 12), 1).replacen(":", &format!(":{:02}", k % 60), 1);
        csv += &format!("{}{}\n", k + 1, rest);
    }
    // Row 28,000 repeats 序号 17 (its first copy is 27,000 rows, several batches, earlier).
    let seventeen = csv.lines().nth(17).unwrap().to_string();
    csv += &format!("{seventeen}\n");
    std::fs::write(w.path("big.csv"), &csv).unwrap();
    assert!(csv.len() > 2_000_000, "streamed: {} bytes", csv.len());
}

/// A Parquet file damaged in the middle, read in batches: the rows before the damage
/// were handed on and cannot be taken back, so they are reported (and said to be), the
/// file is named as broken off, and the run ends with an error status.
#[test]
fn a_file_breaking_off_after_some_batches_is_reported_with_what_was_read() {
    use polars::prelude::*;
    let w = Workdir::new();
    let text = std::fs::read_to_string(fixture("wjx_text_utf8.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let n = 60_000;
    let cols: Vec<Column> = header
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let vals: Vec<String> =
                (0..n).map(|k| if c == 0 { (k + 1).to_string() } else { rows[k % rows.len()][c].to_string() }).collect();
            Column::new((*name).into(), vals)
        })
        .collect();
    let mut df = DataFrame::new(n, cols).unwrap();
    let p = w.path("big.parquet");
    ParquetWriter::new(std::fs::File::create(&p).unwrap()).with_row_group_size(Some(4_000)).finish(&mut df).unwrap();
    // Noise over a stretch in the middle of the file (its pages are compressed: they fail to
    // decompress rather than give other values).
    let mut bytes = std::fs::read(&p).unwrap();
    let mid = bytes.len() / 2;
    for (i, b) in bytes[mid..mid + 3_000].iter_mut().enumerate() {
        *b = (i as u32).wrapping_mul(2654435761).rotate_right(13) as u8;
    }
    std::fs::write(&p, bytes).unwrap();
    let s = fixture("survey.toml");
    let r = w
        .cmd("report")
        .args(["-s", s.to_str().unwrap(), "--charts", "none", "--doc", "none", "big.parquet", "-o", "o"])
        .env("DIAOYAN_BATCH_ROWS", "5000")
        .run();
    r.expect_no_defect();
    assert_eq!(r.code(), 1, "{}\n{}", r.stdout(), r.stderr());
    assert!(r.stderr().contains("读到中途出错"), "{}", r.stderr());
    let out = r.stdout();
    let read: usize =
        out.split("读取答卷 ").nth(1).and_then(|t| t.split(' ').next()).and_then(|t| t.parse().ok()).unwrap_or_else(|| panic!("{out}"));
    assert!(read > 0 && read < n, "{out}");
    // Rows read = kept + rejected (the repeated rows of this file are rejected as repeats).
    let line = out.lines().find(|l| l.contains("读取答卷")).unwrap();
    let nums: Vec<usize> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|t| t.parse().ok()).collect();
    assert_eq!(nums.len(), 3, "{line}");
    assert_eq!(nums[0], nums[1] + nums[2], "{line}");
    let (_, issues) = w.csv("o/issues.csv");
    assert!(issues.iter().any(|i| i.iter().any(|c| c == "此前的答卷已导入，其后的未能读取")), "{issues:?}");
    let (_, results) = w.csv("o/results.csv");
    assert!(!results.is_empty());
}

/// `import` with a survey.toml writes its table a batch at a time: the CSV, the Parquet
/// file and the partitioned dataset hold the very table the whole-table import gives (the
/// library's `clean::import`, written by the same writers), and the ledger and column map
/// are the same bytes — on the example (three waves, exports and unit workbooks) plus the
/// text and code export of one survey (respondents repeated in later batches).
#[test]
fn import_streams_the_whole_tables_rows_and_ledger() {
    let w = Workdir::new();
    let example = root().join("surveys/example");
    let years: Vec<std::path::PathBuf> = ["2024", "2025", "2026"].iter().map(|y| example.join(y)).collect();
    let line = "读取答卷 1134 行 = 保留 1128 行 + 剔除 6 行";
    streams_like_whole(&w, "ex", &example.join("survey.toml"), &years, &["7", "500", "1000000"], line);
    // A dataset written again into the same folder with fewer batches keeps none of the old parts.
    let mut again = w.cmd("import").survey(example.join("survey.toml")).out("ex/7/ds/");
    for y in &years {
        again = again.input(y);
    }
    let r = again.run();
    r.expect_ok();
    assert!(r.stderr().contains("上一次导出的"), "{}", r.stderr());
    let parts = walk_parquet(&w.path("ex/7/ds"));
    use polars::prelude::SerReader;
    let want = polars::prelude::ParquetReader::new(std::fs::File::open(w.path("ex/whole/clean.parquet")).unwrap()).finish().unwrap();
    dataset_is(&w.path("ex/7/ds"), &want, "ex/7/ds written again");
    assert_eq!(parts.iter().filter(|p| p.ends_with("part-0.parquet")).count(), parts.len(), "one part per partition: {parts:?}");
    // An option 2024 did not offer (history.2024.missing) is empty in 2024's rows, not "not chosen".
    let (head, rows) = w.csv("ex/7/csv/clean.csv");
    let (col, wave) = (head.iter().position(|h| h == "Q4/政务APP和工作群过多").unwrap(), head.iter().position(|h| h == "wave").unwrap());
    assert!(rows.iter().filter(|r| r[wave] == "2024").all(|r| r[col].is_empty()));
    assert!(rows.iter().filter(|r| r[wave] == "2025").any(|r| !r[col].is_empty()));
    // Respondents of later files repeating those of earlier batches.
    let dups: Vec<std::path::PathBuf> = ["wjx_text.xlsx", "wjx_code.xlsx", "wjx_text_gbk.csv"].iter().map(|f| fixture(f)).collect();
    streams_like_whole(&w, "dup", &fixture("survey.toml"), &dups, &["1", "2", "5"], "剔除");
    // One file split between batches, a repeat 27,000 rows (several batches) after its first copy.
    big_csv(&w);
    streams_like_whole(&w, "big", &fixture("survey.toml"), &[w.path("big.csv")], &["4000"], "剔除");
}

/// `import -s survey inputs` in batches of each size, to CSV, Parquet and a dataset,
/// against the whole-table import written by the same writers.
fn streams_like_whole(w: &Workdir, name: &str, survey_path: &std::path::Path, inputs: &[std::path::PathBuf], sizes: &[&str], line: &str) {
    use polars::prelude::*;
    let survey = diaoyan::survey::Survey::load(survey_path).unwrap();
    let files = diaoyan::inputs::collect(inputs).files;
    let whole = diaoyan::clean::import(&survey, &files, &diaoyan::clean::ImportOptions::default(), &|_| {});
    let texts = |d: DataFrame| diaoyan::clean::readable(&survey, &d);
    let at = |p: &str| w.path(&format!("{name}/{p}"));
    diaoyan::output::write_frame(&whole.frame, &at("whole/clean.csv"), &texts).unwrap();
    diaoyan::output::write_frame(&whole.frame, &at("whole/clean.parquet"), &texts).unwrap();
    diaoyan::clean::ledger::write_issues(&whole.issues, &at("whole/issues.csv")).unwrap();
    diaoyan::clean::ledger::write_columns(&whole.column_map(), &at("whole/columns.csv")).unwrap();
    let read = |p: &std::path::Path| ParquetReader::new(std::fs::File::open(p).unwrap()).finish().unwrap();
    let want = read(&at("whole/clean.parquet"));
    assert!(whole.rows_rejected > 0 || name == "ex", "{name}: the inputs repeat respondents");
    for rows in sizes {
        for out in ["csv/clean.csv", "pq/clean.parquet", "ds/"] {
            let o = format!("{name}/{rows}/{out}");
            let mut c = w.cmd("import").survey(survey_path).env("DIAOYAN_BATCH_ROWS", rows);
            for i in inputs {
                c = c.input(i);
            }
            let r = c.out(&o).run();
            r.expect_ok();
            assert!(r.stdout().contains(line), "{}", r.stdout());
            let dir = w.path(&o);
            let dir = if out.ends_with('/') { dir } else { dir.parent().unwrap().to_path_buf() };
            for f in ["issues.csv", "columns.csv"] {
                assert_eq!(std::fs::read(dir.join(f)).unwrap(), std::fs::read(at("whole").join(f)).unwrap(), "{o}: {f}");
            }
            match out {
                "csv/clean.csv" => {
                    let same = std::fs::read(w.path(&o)).unwrap() == std::fs::read(at("whole/clean.csv")).unwrap();
                    assert!(same, "{o}: the CSV differs from the whole table's");
                }
                "pq/clean.parquet" => assert!(read(&w.path(&o)).equals_missing(&want), "{o}: the Parquet table differs"),
                _ => dataset_is(&w.path(&o), &want, &o),
            }
        }
    }
}

/// The partitioned dataset's files, read back with their partition values, hold the rows
/// of `want` (in the same order within each partition).
fn dataset_is(dir: &std::path::Path, want: &polars::prelude::DataFrame, what: &str) {
    use polars::prelude::*;
    let mut got: Vec<(String, String, usize, DataFrame)> = Vec::new();
    for wave in std::fs::read_dir(dir).unwrap().flatten().filter(|e| e.path().is_dir()) {
        for unit in std::fs::read_dir(wave.path()).unwrap().flatten() {
            for part in std::fs::read_dir(unit.path()).unwrap().flatten() {
                let name = part.file_name().to_string_lossy().into_owned();
                let k: usize = name.trim_start_matches("part-").trim_end_matches(".parquet").parse().unwrap();
                let df = ParquetReader::new(std::fs::File::open(part.path()).unwrap()).finish().unwrap();
                let key = |e: &std::fs::DirEntry| e.file_name().to_string_lossy().split_once('=').unwrap().1.to_string();
                got.push((key(&wave), key(&unit), k, df));
            }
        }
    }
    got.sort_by(|a, b| (&a.0, &a.1, a.2).cmp(&(&b.0, &b.1, b.2)));
    let total: usize = got.iter().map(|g| g.3.height()).sum();
    assert_eq!(total, want.height(), "{what}: rows in all parts");
    let wave = want.column("wave").unwrap().str().unwrap().clone();
    let unit = want.column("unit").unwrap().str().unwrap().clone();
    let mut parts: std::collections::BTreeMap<(String, String), Vec<DataFrame>> = Default::default();
    for (w, u, _, df) in got {
        parts.entry((w, u)).or_default().push(df);
    }
    for ((w, u), dfs) in parts {
        let idx: Vec<IdxSize> = (0..want.height())
            .filter(|&i| {
                diaoyan::output::hive_value(wave.get(i).unwrap_or("")) == w && diaoyan::output::hive_value(unit.get(i).unwrap_or("")) == u
            })
            .map(|i| i as IdxSize)
            .collect();
        let expect = want.take(&IdxCa::from_vec("i".into(), idx)).unwrap().drop_many(["wave", "unit"]);
        let mut joined = dfs[0].clone();
        for d in &dfs[1..] {
            joined.vstack_mut(d).unwrap();
        }
        assert!(joined.equals_missing(&expect), "{what}: partition {w}/{u}");
    }
}

/// Unit league tables (the example's `[[indicators]]` and `[[indices]]`, with their
/// year-over-year changes) are summed a batch at a time: league.csv and changes.csv, and
/// every other CSV, are byte for byte the whole table's.
#[test]
fn leagues_in_batches_give_the_same_tables() {
    let w = Workdir::new();
    let ex = root().join("surveys/example");
    let (s, units) = (ex.join("survey.toml"), ex.join("units.csv"));
    let (s, units, ex) = (s.to_str().unwrap(), units.to_str().unwrap(), ex.to_str().unwrap());
    same_in_batches(&w, &["-s", s, "--units", units, ex], &[1, 100]);
    for f in ["league.csv", "changes.csv"] {
        let (a, b) = (std::fs::read(w.path(&format!("o_whole/{f}"))).unwrap(), std::fs::read(w.path(&format!("o_1/{f}"))).unwrap());
        assert!(a == b && a.len() > 1000, "{f} differs with batches of one row");
    }
}

/// Cell weights (`[weighting]`) over data taken in batches: a first pass counts every
/// cell over all the data, so each batch is weighted as the whole table is. The weights
/// are not whole numbers, so sums taken batch by batch may differ from the whole table's
/// in the last bits: every figure agrees to 1e-9 (relative), the rest byte for byte.
#[test]
fn cell_weights_in_batches_give_the_same_figures() {
    let w = Workdir::new();
    let ex = root().join("surveys/example");
    let mut toml = std::fs::read_to_string(ex.join("survey.toml")).unwrap();
    toml +=
        "\n[weighting]\nquestion = \"Q1\"\ntargets = { \"党政干部\" = 50, \"事业单位人员\" = 30, \"国有企业人员\" = 10, \"其他\" = 10 }\n";
    let s = w.write("weighted.toml", toml);
    let args = ["-s", s.to_str().unwrap(), ex.to_str().unwrap(), "--charts", "none", "--doc", "none"];
    w.cmd("report").args(args).args(["-o", "whole"]).run().expect_ok();
    let r = w.cmd("report").args(args).args(["-o", "b7"]).env("DIAOYAN_BATCH_ROWS", "7").run();
    r.expect_ok();
    assert!(!r.stdout().contains("全部答卷同时"), "{}", r.stdout());
    for f in ["results.csv", "tests.csv", "changes.csv", "league.csv"] {
        let (a, b) = (w.csv(&format!("whole/{f}")), w.csv(&format!("b7/{f}")));
        assert_eq!(a.0, b.0, "{f}: columns");
        assert_eq!(a.1.len(), b.1.len(), "{f}: rows");
        for (x, y) in a.1.iter().zip(&b.1) {
            for (u, v) in x.iter().zip(y) {
                let close = match (u.parse::<f64>(), v.parse::<f64>()) {
                    (Ok(p), Ok(q)) => (p - q).abs() <= 1e-9 * p.abs().max(q.abs()).max(1.0),
                    _ => u == v,
                };
                assert!(close, "{f}: {u} vs {v} in {x:?}");
            }
        }
    }
    for f in ["issues.csv", "columns.csv"] {
        assert_eq!(std::fs::read(w.path(&format!("whole/{f}"))).unwrap(), std::fs::read(w.path(&format!("b7/{f}"))).unwrap(), "{f}");
    }
    // Weighted to the targets: 党政干部 is half of every wave.
    let (head, rows) = w.csv("b7/results.csv");
    let c = |n: &str| head.iter().position(|h| h == n).unwrap();
    let q1 = |r: &&Vec<String>| r[c("question")] == "Q1" && r[c("option")] == "党政干部" && r[c("banner")] == "总体";
    let shares: Vec<f64> = rows.iter().filter(q1).map(|r| r[c("value")].parse().unwrap()).collect();
    assert!(!shares.is_empty() && shares.iter().all(|v| (v - 50.0).abs() < 1e-6), "Q1 weighted to 50% in every wave: {shares:?}");
}

fn walk_parquet(d: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk_parquet(&e.path()));
        } else if e.path().extension().is_some_and(|x| x == "parquet") {
            out.push(e.path().display().to_string());
        }
    }
    out
}
