//! The faster .xlsx reader (`ingest::xlsx_fast`) against calamine on a fixed, seeded corpus
//! of mutants of every .xlsx fixture: the same cells or the file left to calamine, never a
//! difference. Bounded (a fixed number of mutants, at most about a minute); the fuzzer
//! (`cargo run --release --example fuzz -- xlsx SECONDS`) runs the same check for longer.

#[path = "../../examples/support/common.rs"]
#[allow(dead_code)]
mod common;
#[path = "../../examples/support/mutate.rs"]
mod mutate;

use crate::workdir::{root, Workdir};

fn xlsx_fixtures() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for dir in ["tests/fixtures", "tests/fixtures/shapes"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "xlsx") && e.path().metadata().is_ok_and(|m| m.len() < 200_000) {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_faster_xlsx_reader_agrees_with_calamine_on_seeded_mutants() {
    let seeds: Vec<Vec<u8>> = xlsx_fixtures().iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(seeds.len() >= 10, "{} seeds", seeds.len());
    let w = Workdir::new();
    let path = w.path("mutant.xlsx");
    let mut rng = common::Rng(20_261_206);
    let start = std::time::Instant::now();
    let (mut checked, mut read_fast) = (0usize, 0usize);
    while checked < 3000 && start.elapsed().as_secs() < 60 {
        let seed = &seeds[rng.below(seeds.len() as u64) as usize];
        let m = mutate::mutant(&mut rng, "xlsx", seed);
        std::fs::write(&path, &m).unwrap();
        match diaoyan::ingest::fast_xlsx_agrees(&path) {
            // calamine refuses a file the faster reader reads: only its styles differ there.
            Some(Err(e)) if !e.starts_with("Ok(\"read\") / calamine Err") => {
                let keep = root().join(format!("target/disagreement-{checked}.xlsx"));
                let _ = std::fs::write(&keep, &m);
                panic!("mutant {checked} (kept as {}): {e}", keep.display());
            }
            Some(_) => read_fast += 1,
            None => {}
        }
        checked += 1;
    }
    assert!(checked >= 100, "only {checked} mutants in a minute");
    assert!(read_fast * 4 >= checked, "the faster reader read {read_fast} of {checked}: the check would prove little");
}

/// `DIAOYAN_XLSX=calamine` turns the faster reader off: calamine alone reads the file and
/// gives the same figures and column map.
#[test]
fn with_the_faster_reader_off_calamine_gives_the_same_figures() {
    let w = Workdir::new();
    let file = root().join("tests/fixtures/shapes/91234567_0_区直机关作风建设调查_80_80.xlsx");
    for (dir, env) in [("fast", ""), ("calamine", "calamine")] {
        w.cmd("report").input(&file).out(dir).args(["--charts", "none", "--doc", "none"]).env("DIAOYAN_XLSX", env).run().expect_code(0);
    }
    assert_eq!(w.csv("fast/results.csv"), w.csv("calamine/results.csv"));
    assert_eq!(w.csv("fast/columns.csv"), w.csv("calamine/columns.csv"));
}
