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

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[path = "support/common.rs"]
mod common;
use common::Rng;

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

/// Byte-level mutations: flips, inserted or deleted runs, copies, truncation, and the
/// characters parsers care about.
fn mutate_bytes(rng: &mut Rng, data: &mut Vec<u8>) {
    let interesting: &[&[u8]] = &[b"\"", b"<", b">", b"\xff", b"\x00", b",", b"\n", b"999999999999", b"-1", b"&#0;", b"\xe2\x94\x8b"];
    for _ in 0..rng.range(1, 8) {
        if data.is_empty() {
            data.push(b'a');
        }
        let i = rng.below(data.len() as u64) as usize;
        match rng.below(7) {
            0 => data[i] ^= 1 << rng.below(8),
            1 => data[i] = rng.next() as u8,
            2 => {
                let n = rng.range(1, 16.min(data.len() as u64)) as usize;
                data.drain(i..(i + n).min(data.len()));
            }
            3 => {
                let s = interesting[rng.below(interesting.len() as u64) as usize];
                data.splice(i..i, s.iter().copied());
            }
            4 => {
                let j = rng.below(data.len() as u64) as usize;
                let n = rng.range(1, 64).min((data.len() - j) as u64) as usize;
                let chunk: Vec<u8> = data[j..j + n].to_vec();
                data.splice(i..i, chunk);
            }
            5 => data.truncate(i.max(1)),
            _ => data[i] = b"0123456789"[rng.below(10) as usize],
        }
    }
}

/// For zip containers: mutate one part's bytes (mostly XML) and re-zip; sometimes drop or
/// duplicate a part, or mutate the zip bytes themselves.
fn mutate_zip(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    if rng.below(5) == 0 {
        let mut d = data.to_vec();
        mutate_bytes(rng, &mut d);
        return d;
    }
    let Ok(mut zin) = zip::ZipArchive::new(std::io::Cursor::new(data)) else { return data.to_vec() };
    let target = rng.below(zin.len().max(1) as u64) as usize;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zin.len() {
        let Ok(mut f) = zin.by_index(i) else { continue };
        let name = f.name().map(|n| n.to_string()).unwrap_or_default();
        let mut bytes = Vec::new();
        if f.read_to_end(&mut bytes).is_err() {
            continue;
        }
        if i == target {
            match rng.below(6) {
                0 => continue, // a part missing
                1 => {
                    // Numbers in attributes made huge (counts, dimensions, indices).
                    let s = String::from_utf8_lossy(&bytes).replace("=\"1", "=\"99999999999").replace(":P7", ":XFD1048576");
                    bytes = s.into_bytes();
                }
                _ => mutate_bytes(rng, &mut bytes),
            }
        }
        if out.start_file(name, zip::write::SimpleFileOptions::default()).is_err() || out.write_all(&bytes).is_err() {
            return data.to_vec();
        }
    }
    out.finish().map(|c| c.into_inner()).unwrap_or_else(|_| data.to_vec())
}

fn mutant(rng: &mut Rng, ext: &str, seed: &[u8]) -> Vec<u8> {
    match ext {
        "xlsx" | "ods" => mutate_zip(rng, seed),
        _ => {
            let mut d = seed.to_vec();
            mutate_bytes(rng, &mut d);
            d
        }
    }
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
