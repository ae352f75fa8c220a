//! A stable-toolchain fuzzer for the readers and the survey definition (cargo-fuzz needs a
//! nightly toolchain, which this project does not have). It mutates the committed
//! fixtures — bytes flipped, inserted, deleted, truncated; for .xlsx/.ods the XML parts
//! inside the zip mutated and re-zipped — and feeds every mutant to the real readers and
//! importer in this process, catching panics. Before each input it writes the input to
//! `fuzz/current.*`, so that an abort (which no panic handler sees) leaves the culprit
//! behind for `scripts/fuzz.sh` to keep.
//!
//! Run: `cargo run --release --example fuzz -- TARGET SECONDS [SEED]`, TARGET one of
//! xlsx, xls, ods, csv, toml; or `scripts/fuzz.sh MINUTES` for all of them.
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
    let seeds: Vec<Vec<u8>> = seeds(&target).iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "no seed files for {target}");
    let current = dir.join(format!("current.{target}"));
    let mut rng = Rng(seed);
    let start = std::time::Instant::now();
    let (mut execs, mut crashes) = (0u64, 0u64);
    while start.elapsed().as_secs() < secs {
        let s = &seeds[rng.below(seeds.len() as u64) as usize];
        let m = mutant(&mut rng, &target, s);
        if let Err(msg) = exec(&target, &m, &current, &survey) {
            crashes += 1;
            let keep = dir.join("crashes").join(format!("{target}_{seed}_{execs}.{target}"));
            std::fs::write(&keep, &m).unwrap();
            eprintln!("panic: {msg} -> {}", keep.display());
        }
        execs += 1;
    }
    let _ = std::fs::remove_file(&current);
    println!("fuzz {target}: {execs} executions in {secs} s, {crashes} panics (seed {seed})");
}
