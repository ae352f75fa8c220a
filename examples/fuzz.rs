//! A stable-toolchain fuzzer for the readers and the survey definition (cargo-fuzz needs a
//! nightly toolchain, which this project does not have). It mutates the committed
//! fixtures — bytes flipped, inserted, deleted, truncated; for .xlsx/.ods the XML parts
//! inside the zip mutated and re-zipped — and feeds every mutant to the real readers and
//! importer in this process, catching panics. Before each input it writes the input to
//! `fuzz/current.*`, so that an abort (which no panic handler sees) leaves the culprit
//! behind for `scripts/fuzz.sh` to keep.
//!
//! Run: `cargo run --release --example fuzz -- TARGET SECONDS [SEED]`, TARGET one of
//! xlsx, xls, ods, csv, toml, lines (the CSV reader's line handling: line endings, quotes
//! and long lines mutated, and the whole-file read must equal the streamed read in chunks
//! of any size), template (filled unit workbooks, their XML mutated); or
//! `scripts/fuzz.sh MINUTES` for all of them.
//! `-- corpus DIR N` writes N small mutants of every kind into DIR (the committed
//! malformed corpus was made so).

use std::path::{Path, PathBuf};

#[path = "support/common.rs"]
mod common;
#[path = "support/mutate.rs"]
mod mutate;
use common::Rng;
use mutate::mutant;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A filled unit workbook (`diaoyan template` for the test questionnaire, five rows
/// answered), the seed of the `template` target.
fn filled_template(survey: &diaoyan::survey::Survey, dir: &Path) -> Vec<u8> {
    use std::io::{Read, Write};
    let path = dir.join("template-seed.xlsx");
    let unit = diaoyan::collect::roster::Unit { name: "甲局".into(), expected: 5, by_wave: vec![] };
    diaoyan::collect::template::write(survey, &unit, &path).unwrap();
    let data = std::fs::read(&path).unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(&data)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if name == "xl/worksheets/sheet2.xml" {
            let mut x = String::from_utf8(bytes).unwrap();
            for r in 2..=6 {
                let cells = format!(
                    "<c r=\"B{r}\" t=\"inlineStr\"><is><t>党政干部</t></is></c><c r=\"D{r}\" t=\"inlineStr\"><is><t>是</t></is></c><c r=\"N{r}\" t=\"inlineStr\"><is><t>是</t></is></c><c r=\"Q{r}\"><v>{r}</v></c></row>"
                );
                let at = x.find(&format!("<row r=\"{r}\"")).unwrap();
                let end = at + x[at..].find("</row>").unwrap();
                x.replace_range(end..end + 6, &cells);
            }
            bytes = x.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Line-ending mutations of a text table: LF made CR or CRLF, stray CRs and quotes,
/// line breaks inside quoted cells, lines repeated, a very long line.
fn mutate_lines(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut d = seed.to_vec();
    for _ in 0..rng.range(1, 6) {
        let i = rng.below(d.len().max(1) as u64) as usize;
        match rng.below(8) {
            0 => d = d.iter().flat_map(|&b| if b == b'\n' { vec![b'\r'] } else { vec![b] }).collect(),
            1 => d = d.iter().flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] }).collect(),
            2 => d.insert(i.min(d.len()), b'\r'),
            3 => d.insert(i.min(d.len()), b'"'),
            4 => d.splice(i.min(d.len())..i.min(d.len()), b"\"\xe7\xac\xac\n\r\n\"".iter().copied()).for_each(drop),
            5 => {
                let line: Vec<u8> = d.split(|b| *b == b'\n').nth(rng.below(8) as usize).unwrap_or_default().to_vec();
                d.splice(i.min(d.len())..i.min(d.len()), line.into_iter().chain([b'\n'])).for_each(drop);
            }
            6 => d.splice(i.min(d.len())..i.min(d.len()), std::iter::repeat_n(b'x', rng.range(1, 9_000_000) as usize)).for_each(drop),
            _ => mutate::mutate_bytes(rng, &mut d),
        }
    }
    d
}

/// The line-handling property: the whole-file read and the streamed read (chunks of
/// `rows`) give the same cells and the same malformed records.
fn same_reads(path: &Path, data: &[u8], rows: u32) -> Result<(), String> {
    let (whole, bad) = diaoyan::ingest::csv_reader::parse_checked(data);
    let whole: Vec<(u32, u32, String)> = whole.used_cells().map(|(r, c, v)| (r as u32, c as u32, v.to_string())).collect();
    let (mut got, mut got_bad) = (Vec::new(), Vec::new());
    diaoyan::ingest::csv_reader::stream_csv(path, rows, |mut c| {
        c.ready();
        let (r0, c0) = c.cells.start().unwrap_or((0, 0));
        got.extend(c.cells.used_cells().map(|(r, k, v)| (r as u32 + r0, k as u32 + c0, v.to_string())));
        got_bad.extend(c.malformed);
    })
    .map_err(|e| e.to_string())?;
    if got != whole {
        return Err(format!("streamed in chunks of {rows} differs from the whole-file read"));
    }
    if got_bad != bad {
        return Err(format!("malformed records differ: {got_bad:?} / {bad:?}"));
    }
    Ok(())
}

fn seeds(ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    if ext == "toml" {
        v.push(root().join("surveys/example/survey.toml"));
        v.push(root().join("tests/fixtures/stats/survey.toml"));
    }
    v.sort();
    v
}

/// Runs one input through the code under test; `Err` when it panicked.
fn exec(ext: &str, data: &[u8], path: &Path, survey: &diaoyan::survey::Survey) -> Result<(), String> {
    std::fs::write(path, data).unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if ext == "toml" {
            let _ = diaoyan::survey::Survey::from_toml(&String::from_utf8_lossy(data));
            return;
        }
        if ext == "lines" {
            let rows = 1 + data.len() as u32 % 5;
            if let Err(e) = same_reads(path, data, rows) {
                panic!("{e}");
            }
        }
        let _ = diaoyan::ingest::read_file(path);
        // The faster .xlsx reader gives calamine's cells or leaves the file to calamine. (It
        // may read a file whose styles calamine refuses: not a difference in any cell.)
        if ext == "xlsx" {
            if let Some(Err(e)) = diaoyan::ingest::fast_xlsx_agrees(path) {
                if !e.starts_with("Ok(\"read\") / calamine Err") {
                    panic!("the faster .xlsx reader differs from calamine: {e}");
                }
            }
        }
        let imp = diaoyan::clean::import(survey, &[path.to_path_buf()], &Default::default(), &|_| {});
        let _ = diaoyan::stats::compute(
            survey,
            &imp.frame,
            &diaoyan::stats::Banner::parse_all(&survey.banners, survey),
            None,
            &Default::default(),
        );
    }));
    r.map_err(|e| e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    std::panic::set_hook(Box::new(|_| {})); // panics are counted, not printed
    let survey = diaoyan::survey::Survey::load(&root().join("tests/fixtures/survey.toml")).unwrap();
    let dir = root().join("fuzz");
    std::fs::create_dir_all(dir.join("crashes")).unwrap();
    if args.get(1).map(|s| s.as_str()) == Some("corpus") {
        let out = PathBuf::from(&args[2]);
        let n: usize = args[3].parse().unwrap();
        std::fs::create_dir_all(&out).unwrap();
        let mut rng = Rng(7);
        for ext in ["xlsx", "xls", "ods", "csv"] {
            let seeds = seeds(ext);
            for k in 0..n {
                let seed = std::fs::read(&seeds[k % seeds.len()]).unwrap();
                let m = mutant(&mut rng, ext, &seed);
                std::fs::write(out.join(format!("bad_{ext}_{k:02}.{ext}")), m).unwrap();
            }
        }
        return;
    }
    if args.get(1).map(|s| s.as_str()) == Some("agree") {
        // `-- agree FILE.xlsx ...`: the faster .xlsx reader against calamine, file by file.
        for f in &args[2..] {
            println!("{f}: {:?}", diaoyan::ingest::fast_xlsx_agrees(Path::new(f)));
        }
        return;
    }
    let target = args.get(1).cloned().unwrap_or_else(|| "xlsx".into());
    let secs: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or_else(|| std::process::id() as u64);
    let seeds: Vec<Vec<u8>> = match target.as_str() {
        "lines" => seeds("csv").iter().map(|p| std::fs::read(p).unwrap()).collect(),
        "template" => vec![filled_template(&survey, &dir)],
        _ => seeds(&target).iter().map(|p| std::fs::read(p).unwrap()).collect(),
    };
    assert!(!seeds.is_empty(), "no seed files for {target}");
    // The file a mutant is written to: its extension is what the readers see.
    let ext = match target.as_str() {
        "lines" => "csv",
        "template" => "xlsx",
        t => t,
    };
    let current = dir.join(format!("current.{ext}"));
    let mut rng = Rng(seed);
    let start = std::time::Instant::now();
    let (mut execs, mut crashes) = (0u64, 0u64);
    while start.elapsed().as_secs() < secs {
        let s = &seeds[rng.below(seeds.len() as u64) as usize];
        let m = match target.as_str() {
            "lines" => mutate_lines(&mut rng, s),
            _ => mutant(&mut rng, ext, s),
        };
        let kind = if target == "lines" { "lines" } else { ext };
        if let Err(msg) = exec(kind, &m, &current, &survey) {
            crashes += 1;
            let keep = dir.join("crashes").join(format!("{target}_{seed}_{execs}.{ext}"));
            std::fs::write(&keep, &m).unwrap();
            eprintln!("panic: {msg} -> {}", keep.display());
        }
        execs += 1;
    }
    let _ = std::fs::remove_file(&current);
    println!("fuzz {target}: {execs} executions in {secs} s, {crashes} panics (seed {seed})");
}
