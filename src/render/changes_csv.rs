//! changes.csv: every share and mean in two waves, the change and its test (UTF-8 with
//! BOM). Written when the figures hold two or more waves. The columns are fixed.

use std::path::Path;

use super::results_csv::num;
use super::{Output, RenderError, Report, Written};
use crate::output::write_csv_rows;
use crate::stats::changes::Change;
use crate::stats::{Breakdown, OVERALL};

pub const CHANGES_HEADER: [&str; 23] = [
    "question",
    "question_text",
    "kind",
    "banner",
    "group",
    "option",
    "measure",
    "wave_from",
    "wave_to",
    "value_from",
    "value_to",
    "change",
    "base_from",
    "base_to",
    "test",
    "statistic",
    "p_value",
    "p_adjusted",
    "sig",
    "units_both",
    "change_same_units",
    "change_equal_units",
    "composition",
];

/// changes.csv.
pub struct ChangesCsv;

impl Output for ChangesCsv {
    fn name(&self) -> &'static str {
        "changes.csv"
    }
    fn write(&self, report: &Report, dir: &Path) -> Result<Written, RenderError> {
        if report.changes.pairs.is_empty() {
            return Ok(Written::default());
        }
        let path = dir.join("changes.csv");
        write_csv_rows(&path, &CHANGES_HEADER, report.changes.rows.iter().map(row))?;
        Ok(Written::file(path, "changes.csv  年度变化（百分点、分）及其显著性检验"))
    }
}

pub fn row(c: &Change) -> [String; 23] {
    let banner = match &c.breakdown {
        Breakdown::Overall => OVERALL.to_string(),
        Breakdown::By(b) => b.name().to_string(),
    };
    [
        c.question.clone(),
        c.text.clone(),
        c.kind.name().to_string(),
        banner,
        c.group.clone(),
        c.option.clone(),
        c.measure.name().to_string(),
        c.from.clone(),
        c.to.clone(),
        num(c.value_from),
        num(c.value_to),
        num(c.change),
        c.base_from.to_string(),
        c.base_to.to_string(),
        c.test.map(|t| t.0.name().to_string()).unwrap_or_default(),
        num(c.test.map(|t| t.1)),
        num(c.test.map(|t| t.2)),
        num(c.p_adjusted),
        c.sig.map(|d| d.arrow().to_string()).unwrap_or_default(),
        c.like.as_ref().map(|l| l.units.to_string()).unwrap_or_default(),
        num(c.like.as_ref().map(|l| l.same_units)),
        num(c.like.as_ref().map(|l| l.equal_units)),
        c.like.as_ref().map(|l| if l.composition { "构成变化" } else { "" }.to_string()).unwrap_or_default(),
    ]
}
