//! results.csv (every figure, tidy) and tests.csv (every test), UTF-8 with BOM.
//! The columns are fixed: downstream tools rely on them.

use std::path::Path;

use super::{Output, RenderError, Report, Written};
use crate::output::{write_csv_rows, WriteError};
use crate::stats::{Breakdown, Measure, Results, OVERALL};

/// results.csv.
pub struct ResultsCsv;
/// tests.csv.
pub struct TestsCsv;

impl Output for ResultsCsv {
    fn name(&self) -> &'static str {
        "results.csv"
    }
    fn write(&self, report: &Report, dir: &Path) -> Result<Written, RenderError> {
        let path = dir.join("results.csv");
        write_results(&report.results, &path)?;
        Ok(Written::file(path, "results.csv  全部统计数字（每行一个数）"))
    }
}

impl Output for TestsCsv {
    fn name(&self) -> &'static str {
        "tests.csv"
    }
    fn write(&self, report: &Report, dir: &Path) -> Result<Written, RenderError> {
        let path = dir.join("tests.csv");
        write_tests(&report.results, &path)?;
        Ok(Written::file(path, "tests.csv    显著性检验"))
    }
}

pub const RESULTS_HEADER: [&str; 16] = [
    "wave",
    "question",
    "question_text",
    "kind",
    "banner",
    "group",
    "option",
    "measure",
    "value",
    "count",
    "base",
    "ci_low",
    "ci_high",
    "sig",
    "se",
    "deff",
];
pub const TESTS_HEADER: [&str; 15] = [
    "wave",
    "question",
    "banner",
    "test",
    "statistic",
    "df",
    "p_value",
    "cramers_v",
    "low_expected_share",
    "exact_p",
    "exact_method",
    "note",
    "ndf",
    "ddf",
    "line",
];

/// Full precision, and nothing at all for a missing figure (never NaN or inf).
pub(super) fn num(v: Option<f64>) -> String {
    match v {
        // Shortest round-trip form; exponent notation for tiny values such as p-values.
        Some(x) if x.is_finite() && x != 0.0 && x.abs() < 1e-5 => format!("{x:e}"),
        Some(x) if x.is_finite() => format!("{x}"),
        _ => String::new(),
    }
}

/// One row per figure. The whole sample has banner and group `总体`; a crosstab's groups
/// follow (its total column repeats the whole-sample figures and is left out).
pub fn results_rows(r: &Results) -> Vec<[String; 16]> {
    let mut out = Vec::new();
    for t in &r.tables {
        let (banner, first) = match &t.breakdown {
            Breakdown::Overall => (OVERALL, 0),
            Breakdown::By(b) => (b.name(), 1),
        };
        for row in &t.rows {
            if row.measure == Measure::Answers {
                continue;
            }
            for (c, cell) in row.cells.iter().enumerate().skip(first) {
                let group = if first == 0 { OVERALL.to_string() } else { t.columns[c].clone() };
                out.push([
                    t.scope.label().to_string(),
                    t.question.clone(),
                    t.text.clone(),
                    t.kind.name().to_string(),
                    banner.to_string(),
                    group,
                    row.option.clone(),
                    row.measure.name().to_string(),
                    num(cell.value),
                    num(cell.count),
                    cell.base.to_string(),
                    num(cell.ci.map(|c| c.0)),
                    num(cell.ci.map(|c| c.1)),
                    cell.sig.clone(),
                    num(cell.design.map(|d| d.se)),
                    num(cell.design.map(|d| d.deff)),
                ]);
            }
        }
    }
    out
}

/// One row per crosstab of a choice question: the test, or (test empty) why none was run.
pub fn tests_rows(r: &Results) -> Vec<[String; 15]> {
    r.tables
        .iter()
        .filter(|t| t.test.is_some() || t.test_note.is_some())
        .map(|t| {
            let x = t.test.as_ref();
            let n = |f: fn(&crate::stats::inference::Independence) -> f64| num(x.map(f));
            [
                t.scope.label().to_string(),
                t.question.clone(),
                t.banner().map(|b| b.name().to_string()).unwrap_or_default(),
                x.map(|x| x.test.name().to_string()).unwrap_or_default(),
                n(|x| x.statistic),
                x.map(|x| x.df.to_string()).unwrap_or_default(),
                n(|x| x.p_value),
                n(|x| x.cramers_v),
                n(|x| x.low_expected_share),
                num(x.and_then(|x| x.exact.map(|e| e.p_value))),
                x.and_then(|x| x.exact.map(|e| e.method.name())).unwrap_or_default().to_string(),
                super::words::test_note(t),
                num(x.and_then(|x| x.design.map(|d| d.0))),
                num(x.and_then(|x| x.design.map(|d| d.1))),
                // The line the workbook prints under the crosstab (the page shows it too).
                super::words::test_line(t),
            ]
        })
        .collect()
}

pub fn write_results(r: &Results, path: &Path) -> Result<(), WriteError> {
    write_csv_rows(path, &RESULTS_HEADER, results_rows(r))
}

pub fn write_tests(r: &Results, path: &Path) -> Result<(), WriteError> {
    write_csv_rows(path, &TESTS_HEADER, tests_rows(r))
}
