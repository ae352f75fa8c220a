//! The roster: which units should return questionnaires, and how many each.

use std::path::Path;

use crate::ingest::{cell_text, read_file};
use crate::text::{norm, tidy};

#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub name: String,
    pub expected: u32,
    /// Columns named after a wave (`2024`, `2024年`, `2024年应收份数`): that wave's expected
    /// count, `None` where the cell is empty or 0 — the unit was not surveyed that year.
    pub by_wave: Vec<(String, Option<u32>)>,
}

impl Unit {
    /// The questionnaires expected from the unit in `wave` (None: not surveyed then).
    pub fn expected_in(&self, wave: &str) -> Option<u32> {
        match self.by_wave.iter().find(|(w, _)| w == wave) {
            Some((_, e)) => *e,
            None => Some(self.expected),
        }
    }
}

/// A header naming a wave's expected count: four digits, then optionally 年 and 应收份数 / 应收.
fn wave_column(h: &str) -> Option<String> {
    let h = norm(h);
    let digits: String = h.chars().take_while(|c| c.is_ascii_digit()).collect();
    let rest = &h[digits.len()..];
    let rest = rest.strip_prefix('年').unwrap_or(rest);
    (digits.len() == 4 && ["", "应收", "应收份数", "应交份数", "发放份数"].contains(&rest)).then_some(digits)
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

/// A roster file's cells as text, tidied: its first sheet with anything in it, row by row
/// (what [`load`] reads, and what the page shows and edits).
pub fn cells(path: &Path) -> Result<Vec<Vec<String>>, RosterError> {
    let wb = read_file(path).map_err(|e| RosterError::Read { path: path.to_path_buf(), source: e })?;
    let sheet = wb.sheets.iter().find(|s| !s.cells.is_empty()).ok_or(RosterError::Empty)?;
    Ok(sheet.cells.rows().map(|r| r.iter().map(|c| tidy(&cell_text(c))).collect()).collect())
}

/// Reads units.csv (or .xlsx): a header row naming the unit and expected-count columns.
pub fn load(path: &Path) -> Result<Vec<Unit>, RosterError> {
    let rows = cells(path)?;
    let header = rows.first().ok_or(RosterError::Empty)?;
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&norm(h).as_str()));
    let uc = find(UNIT).ok_or(RosterError::NoUnitColumn)?;
    let waves: Vec<(usize, String)> = header.iter().enumerate().filter_map(|(i, h)| Some((i, wave_column(h)?))).collect();
    // The expected column may be left out when every wave has its own.
    let ec = find(EXPECTED);
    if ec.is_none() && waves.is_empty() {
        return Err(RosterError::NoExpectedColumn);
    }
    let count = |i: usize, e: &str| -> Result<u32, RosterError> {
        e.parse::<f64>()
            .ok()
            .filter(|v| *v >= 0.0 && v.fract() == 0.0 && *v < 1e7)
            .map(|v| v as u32)
            .ok_or(RosterError::BadExpected(i + 1, e.to_string()))
    };
    let mut out: Vec<Unit> = Vec::new();
    for (i, r) in rows.iter().enumerate().skip(1) {
        let name = r.get(uc).cloned().unwrap_or_default();
        if name.is_empty() {
            continue;
        }
        let expected = match ec {
            Some(ec) => count(i, r.get(ec).map(String::as_str).unwrap_or_default())?,
            None => 0,
        };
        let mut by_wave = Vec::new();
        for (c, w) in &waves {
            let cell = r.get(*c).map(String::as_str).unwrap_or_default();
            let e = if ["", "-", "—", "／", "/"].contains(&cell) { 0 } else { count(i, cell)? };
            by_wave.push((w.clone(), (e > 0).then_some(e)));
        }
        if out.iter().any(|u| u.name == name) {
            return Err(RosterError::Duplicate(name));
        }
        out.push(Unit { name, expected, by_wave });
    }
    if out.is_empty() {
        return Err(RosterError::Empty);
    }
    Ok(out)
}
