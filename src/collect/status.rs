//! Who has returned what: for every unit on the roster, expected, returned and valid
//! questionnaires, 回收率 and 有效率; units that returned nothing or more than expected;
//! units in the returns that are not on the roster.

use std::collections::{BTreeMap, BTreeSet};

use super::roster::Unit;
use crate::clean::Import;

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub unit: String,
    pub expected: u32,
    pub returned: usize,
    pub valid: usize,
    pub files: Vec<String>,
}

impl Row {
    /// 回收率: returned ÷ expected (None without an expected number).
    pub fn return_rate(&self) -> Option<f64> {
        (self.expected > 0).then(|| self.returned as f64 / self.expected as f64)
    }
    /// 有效率: valid ÷ returned.
    pub fn valid_rate(&self) -> Option<f64> {
        (self.returned > 0).then(|| self.valid as f64 / self.returned as f64)
    }
    pub fn note(&self) -> &'static str {
        if self.files.is_empty() {
            "未交"
        } else if self.returned == 0 {
            "交回空表"
        } else if self.returned > self.expected as usize {
            "超过应交份数"
        } else if self.returned < self.expected as usize {
            "未交齐"
        } else {
            ""
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// The wave (year) these returns belong to; empty when the files name none.
    pub wave: String,
    /// Roster units, in roster order.
    pub rows: Vec<Row>,
    /// Units found in the returns but not on the roster.
    pub unlisted: Vec<Row>,
}

impl Status {
    pub fn expected(&self) -> u64 {
        self.rows.iter().map(|r| r.expected as u64).sum()
    }
    pub fn returned(&self) -> usize {
        self.rows.iter().chain(&self.unlisted).map(|r| r.returned).sum()
    }
    pub fn valid(&self) -> usize {
        self.rows.iter().chain(&self.unlisted).map(|r| r.valid).sum()
    }
    /// Overall 回收率 (returned ÷ expected) and 有效率 (valid ÷ returned).
    pub fn return_rate(&self) -> Option<f64> {
        (self.expected() > 0).then(|| self.returned() as f64 / self.expected() as f64)
    }
    pub fn valid_rate(&self) -> Option<f64> {
        (self.returned() > 0).then(|| self.valid() as f64 / self.returned() as f64)
    }
    /// 有效回收率: valid ÷ expected.
    pub fn valid_return_rate(&self) -> Option<f64> {
        (self.expected() > 0).then(|| self.valid() as f64 / self.expected() as f64)
    }
    pub fn missing(&self) -> Vec<&str> {
        self.rows.iter().filter(|r| r.files.is_empty()).map(|r| r.unit.as_str()).collect()
    }
    pub fn over(&self) -> Vec<&str> {
        self.rows.iter().filter(|r| r.returned > r.expected as usize).map(|r| r.unit.as_str()).collect()
    }
    /// The sentence reports quote: 共发放X份，回收Y份，有效问卷Z份，有效回收率W%.
    pub fn sentence(&self) -> String {
        let e = self.expected();
        let rate = self.valid_return_rate().map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_else(|| "—".into());
        let when = if self.wave.is_empty() { String::new() } else { format!("{}：", self.wave) };
        format!("{when}共发放{}份，回收{}份，有效问卷{}份，有效回收率{}", e, self.returned(), self.valid(), rate)
    }
}

/// What one unit sent: the files its answers came from, the questionnaires in them
/// (rows read, less totals and empty rows) and how many were kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitCount {
    pub files: BTreeSet<String>,
    pub returned: usize,
    pub valid: usize,
}

/// Returns per (wave, unit), in order (the wave is empty when files name none): the
/// responses kept are valid, those dropped as duplicates were still returned, and a
/// template returned empty still counts as returned, with no questionnaires.
pub fn returns(imp: &Import) -> BTreeMap<(String, String), UnitCount> {
    let mut units: BTreeMap<(String, String), UnitCount> = BTreeMap::new();
    for ((w, u), kept) in &imp.kept_by_unit {
        let c = units.entry((w.clone(), u.clone())).or_default();
        c.files.extend(kept.files.iter().cloned());
        c.returned += kept.rows;
        c.valid += kept.rows;
    }
    for d in &imp.duplicates {
        let c = units.entry((d.wave.clone().unwrap_or_default(), d.unit.clone())).or_default();
        c.files.insert(d.file.clone());
        c.returned += 1;
    }
    for f in imp.files.iter().filter(|f| f.error.is_none()) {
        if let Some(u) = &f.template_unit {
            units.entry((f.wave.clone().unwrap_or_default(), u.clone())).or_default().files.insert(f.path.display().to_string());
        }
    }
    units
}

/// The returns of every wave of an import against the roster, one per wave (at least one).
pub fn all(roster: &[Unit], imp: &Import) -> Vec<Status> {
    let units = returns(imp);
    let mut waves: Vec<String> = units.keys().map(|(w, _)| w.clone()).collect();
    waves.dedup();
    if waves.is_empty() {
        waves.push(String::new());
    }
    waves.iter().map(|w| status(roster, &units, w)).collect()
}

/// Returns of one wave against the roster (a roster describes one round of collection).
fn status(roster: &[Unit], units: &BTreeMap<(String, String), UnitCount>, wave: &str) -> Status {
    // A unit the roster says was not surveyed this wave is not on its list (its returns, if
    // any, are listed as from outside the roster).
    let surveyed = |u: &Unit| u.expected_in(wave).is_some();
    let rows = roster
        .iter()
        .filter(|u| surveyed(u))
        .map(|u| {
            let c = units.get(&(wave.to_string(), u.name.clone())).cloned().unwrap_or_default();
            let expected = u.expected_in(wave).unwrap_or(0);
            Row { unit: u.name.clone(), expected, returned: c.returned, valid: c.valid, files: c.files.into_iter().collect() }
        })
        .collect();
    let unlisted = units
        .iter()
        .filter(|((w, name), _)| w == wave && !roster.iter().any(|u| &u.name == name && surveyed(u)))
        .map(|((_, name), c)| Row {
            unit: name.clone(),
            expected: 0,
            returned: c.returned,
            valid: c.valid,
            files: c.files.iter().cloned().collect(),
        })
        .collect();
    Status { wave: wave.to_string(), rows, unlisted }
}
