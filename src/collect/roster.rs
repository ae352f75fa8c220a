//! The roster: which units should return questionnaires, and how many each.

use std::path::Path;

use crate::ingest::{cell_text, read_file};
use crate::text::{norm, tidy};

#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub name: String,
    pub expected: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("无法读取单位名单：{}：{source}", path.display())]
    Read { path: std::path::PathBuf, source: crate::ingest::ReadError },
    #[error("单位名单中找不到“单位”列（表头应为 单位 或 unit）")]
    NoUnitColumn,
    #[error("单位名单中找不到“应收份数”列（表头应为 应收份数 或 expected）")]
    NoExpectedColumn,
    #[error("单位名单第 {0} 行的应收份数“{1}”不是非负整数")]
    BadExpected(usize, String),
    #[error("单位“{0}”在名单中出现了两次")]
    Duplicate(String),
    #[error("单位名单中没有任何单位")]
    Empty,
}

const UNIT: &[&str] = &["单位", "单位名称", "单位全称", "unit", "units", "name"];
const EXPECTED: &[&str] = &["应收份数", "应收", "应交份数", "计划份数", "发放份数", "应收问卷", "expected", "n"];

/// Reads units.csv (or .xlsx): a header row naming the unit and expected-count columns.
pub fn load(path: &Path) -> Result<Vec<Unit>, RosterError> {
    let wb = read_file(path).map_err(|e| RosterError::Read { path: path.to_path_buf(), source: e })?;
    let sheet = wb.sheets.iter().find(|s| !s.cells.is_empty()).ok_or(RosterError::Empty)?;
    let rows: Vec<Vec<String>> = sheet.cells.rows().map(|r| r.iter().map(|c| tidy(&cell_text(c))).collect()).collect();
    let header = rows.first().ok_or(RosterError::Empty)?;
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&norm(h).as_str()));
    let uc = find(UNIT).ok_or(RosterError::NoUnitColumn)?;
    let ec = find(EXPECTED).ok_or(RosterError::NoExpectedColumn)?;
    let mut out: Vec<Unit> = Vec::new();
    for (i, r) in rows.iter().enumerate().skip(1) {
        let name = r.get(uc).cloned().unwrap_or_default();
        if name.is_empty() {
            continue;
        }
        let e = r.get(ec).cloned().unwrap_or_default();
        let expected =
            e.parse::<f64>().ok().filter(|v| *v >= 0.0 && v.fract() == 0.0 && *v < 1e7).ok_or(RosterError::BadExpected(i + 1, e.clone()))?
                as u32;
        if out.iter().any(|u| u.name == name) {
            return Err(RosterError::Duplicate(name));
        }
        out.push(Unit { name, expected });
    }
    if out.is_empty() {
        return Err(RosterError::Empty);
    }
    Ok(out)
}
