//! The bundled example imports as the README says, with the mess the generator put in.

use crate::workdir::{root, Workdir};
use diaoyan::clean::ledger::Problem;
use diaoyan::clean::{import, ImportOptions};
use diaoyan::survey::Survey;
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn example_imports_two_waves_from_ten_units() {
    let dir = root().join("surveys/example");
    let s = Survey::load(&dir.join("survey.toml")).unwrap();
    let w = Workdir::new();
    let r = w.cmd("import").survey(dir.join("survey.toml")).input(&dir).out("clean.csv").run();
    r.expect_code(0);
    let files = vec![dir.join("2025/问卷星导出_按选项文本.xlsx"), dir.join("2026")];
    let files: Vec<_> = files.into_iter().flat_map(|p| if p.is_dir() { std::fs::read_dir(p).unwrap().map(|e| e.unwrap().path()).collect() } else { vec![p] }).collect();
    let imp = import(&s, &files, &ImportOptions::default(), &|_| {});
    assert_eq!(imp.failed_files(), 0);
    assert_eq!(imp.rows_read, imp.rows_kept + imp.rows_rejected);
    assert!(r.stdout().contains(&format!("有效答卷共 {} 份", imp.rows_kept)), "{}", r.stdout());
    let df = &imp.frame;
    let waves = df.column("wave").unwrap().str().unwrap().clone();
    let units = df.column("unit").unwrap().str().unwrap().clone();
    let mut per: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (w, u) in waves.iter().zip(units.iter()) {
        per.entry(w.unwrap()).or_default().insert(u.unwrap());
    }
    assert_eq!(per.keys().copied().collect::<Vec<_>>(), ["2025", "2026"]);
    for (w, u) in &per {
        assert_eq!(u.len(), 10, "{w}: {u:?}");
    }
    // Every kind of mess the generator planted is in the ledger.
    let kinds: BTreeSet<Problem> = imp.issues.iter().map(|i| i.problem).collect();
    for p in [
        Problem::DuplicateSubmission, Problem::DuplicateId, Problem::TotalsRow, Problem::OutOfRange,
        Problem::UnknownOption, Problem::NotANumber, Problem::RequiredMissing, Problem::LetterAnswer,
        Problem::OtherAsText, Problem::SkipViolation,
    ] {
        assert!(kinds.contains(&p), "{p:?} missing from the ledger");
    }
}
