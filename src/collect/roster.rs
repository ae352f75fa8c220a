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
    #[error("无法读取单位名单：{0}")]
    Read(String),
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
    let wb = read_file(path).map_err(|e| RosterError::Read(format!("{}：{e}", path.display())))?;
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
        let expected = e.parse::<f64>().ok().filter(|v| *v >= 0.0 && v.fract() == 0.0 && *v < 1e7).ok_or(RosterError::BadExpected(i + 1, e.clone()))? as u32;
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

/// A file name for a unit that stays inside its folder on every system: no path
/// separators or characters Windows forbids, no `..`, no reserved device names (CON,
/// NUL, COM1, …), not empty, at most 60 characters.
pub fn file_stem(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| if "\\/:*?\"<>|".contains(c) || c.is_control() { '_' } else { c })
        .collect();
    s = s.trim().trim_matches('.').trim().to_string();
    while s.contains("..") {
        s = s.replace("..", "_");
    }
    if s.chars().count() > 60 {
        s = s.chars().take(60).collect();
    }
    let upper = s.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = ["CON", "PRN", "AUX", "NUL"].contains(&upper.as_str())
        || ((upper.starts_with("COM") || upper.starts_with("LPT")) && upper.len() == 4 && upper.as_bytes()[3].is_ascii_digit());
    if reserved {
        s = format!("_{s}");
    }
    if s.is_empty() {
        s = "单位".into();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_never_escape_the_folder() {
        for name in ["../../etc/passwd", "..\\..\\win.ini", "a/b\\c", "C:\\x", "<>:\"|?*", "\u{0}\u{7}x", "..", "/"] {
            let s = file_stem(name);
            assert!(!s.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|']) && !s.contains("..") && !s.is_empty(), "{name} -> {s}");
            assert!(!s.chars().any(|c| c.is_control()));
        }
        for (name, want) in [
            ("区财政局", "区财政局"),
            ("a/b\\c", "a_b_c"),
            ("CON", "_CON"),
            ("nul.txt", "_nul.txt"),
            ("com1", "_com1"),
            ("COMMITTEE", "COMMITTEE"),
            ("  .. ", "单位"),
            ("..", "单位"),
            ("x..y", "x_y"),
        ] {
            assert_eq!(file_stem(name), want, "{name}");
        }
        let long = "很".repeat(300);
        assert_eq!(file_stem(&long).chars().count(), 60);
    }
}
