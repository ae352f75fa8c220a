//! results.csv (every figure, tidy) and tests.csv (every test), UTF-8 with BOM.
//! The columns are fixed: downstream tools rely on them.

use std::path::Path;

use crate::output::{write_csv_rows, WriteError};
use crate::stats::{Measure, Results, OVERALL};

pub const RESULTS_HEADER: [&str; 14] =
    ["wave", "question", "question_text", "kind", "banner", "group", "option", "measure", "value", "count", "base", "ci_low", "ci_high", "sig"];
pub const TESTS_HEADER: [&str; 12] =
    ["wave", "question", "banner", "test", "statistic", "df", "p_value", "cramers_v", "low_expected_share", "exact_p", "exact_method", "note"];

/// Full precision, and nothing at all for a missing figure (never NaN or inf).
fn num(v: Option<f64>) -> String {
    match v {
        // Shortest round-trip form; exponent notation for tiny values such as p-values.
        Some(x) if x.is_finite() && x != 0.0 && x.abs() < 1e-5 => format!("{x:e}"),
        Some(x) if x.is_finite() => format!("{x}"),
        _ => String::new(),
    }
}

fn kind_name(k: crate::survey::Kind) -> &'static str {
    use crate::survey::Kind::*;
    match k {
        Single => "single",
        Multi => "multi",
        Scale => "scale",
        Matrix => "matrix",
        Rank => "rank",
        Text => "text",
        Number => "number",
    }
}

/// One row per figure. The whole sample has banner and group `总体`; a crosstab's groups
/// follow (its total column repeats the whole-sample figures and is left out).
pub fn results_rows(r: &Results) -> Vec<[String; 14]> {
    let mut out = Vec::new();
    for t in &r.tables {
        let (banner, first) = match &t.banner {
            None => (OVERALL.to_string(), 0),
            Some(b) => (b.clone(), 1),
        };
        for row in &t.rows {
            if row.measure == Measure::Answers {
                continue;
            }
            for (c, cell) in row.cells.iter().enumerate().skip(first) {
                let group = if t.banner.is_none() { OVERALL.to_string() } else { t.columns[c].clone() };
                out.push([
                    t.wave.clone(),
                    t.question.clone(),
                    t.text.clone(),
                    kind_name(t.kind).to_string(),
                    banner.clone(),
                    group,
                    row.option.clone(),
                    row.measure.name().to_string(),
                    num(cell.value),
                    num(cell.count),
                    cell.base.to_string(),
                    num(cell.ci.map(|c| c.0)),
                    num(cell.ci.map(|c| c.1)),
                    cell.sig.clone(),
                ]);
            }
        }
    }
    out
}

/// One row per crosstab of a choice question: the test, or (test empty) why none was run.
pub fn tests_rows(r: &Results) -> Vec<[String; 12]> {
    r.tables
        .iter()
        .filter_map(|t| match (&t.test, &t.test_note) {
            (Some(x), _) => {
                let note = if x.unreliable() {
                    format!("{:.0}% 的期望频数小于 5，卡方检验不可靠{}", x.low_expected_share * 100.0, if x.exact.is_some() { "，请看精确检验 p 值" } else { "（加权数据或样本超过 20 万时不做精确检验）" })
                } else {
                    String::new()
                };
                Some([
                    t.wave.clone(),
                    t.question.clone(),
                    t.banner.clone().unwrap_or_default(),
                    x.test.to_string(),
                    num(Some(x.statistic)),
                    x.df.to_string(),
                    num(Some(x.p_value)),
                    num(Some(x.cramers_v)),
                    num(Some(x.low_expected_share)),
                    num(x.exact.map(|e| e.p_value)),
                    x.exact.map(|e| e.method.name()).unwrap_or_default(),
                    note,
                ])
            }
            (None, Some(why)) => Some([
                t.wave.clone(),
                t.question.clone(),
                t.banner.clone().unwrap_or_default(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                format!("未做检验：{why}"),
            ]),
            _ => None,
        })
        .collect()
}

pub fn write_results(r: &Results, path: &Path) -> Result<(), WriteError> {
    write_csv_rows(path, &RESULTS_HEADER, results_rows(r))
}

pub fn write_tests(r: &Results, path: &Path) -> Result<(), WriteError> {
    write_csv_rows(path, &TESTS_HEADER, tests_rows(r))
}
