//! Questionnaires change between years: a question is renumbered, reworded, gains or
//! loses options, or is asked in some years only. survey.toml says so per question, and
//! the import of each wave maps that wave's files onto the same question, so that a
//! comparison survives the edit; what one wave lacks is never compared.
//!
//! ```toml
//! [[questions]]
//! id = "Q6"
//! text = "整治效果"
//! kind = "single"
//! options = ["好", "较好", "一般", "差"]
//! waves = ["2025", "2026"]          # asked in these years only (default: every year)
//!
//! [questions.history.2024]          # how it looked in 2024
//! number = 5                        # it was question 5 then
//! text = "专项整治的效果"            # worded so
//! renamed = { "较好" = "比较好" }     # option now called 较好 was called 比较好
//! missing = ["差"]                   # not offered in 2024
//! ```

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::{Question, Survey};
use crate::text::norm;

/// A question as it was in one earlier wave.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// Its number in that wave's headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    /// Its wording then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Options renamed since: current text → text in that wave.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub renamed: BTreeMap<String, String>,
    /// Current options not offered in that wave.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

impl Question {
    /// Whether the question was asked in `wave` (files naming no wave: always).
    pub fn asked_in(&self, wave: &str) -> bool {
        wave.is_empty() || self.waves.is_empty() || self.waves.iter().any(|w| w == wave)
    }
    pub fn history_in(&self, wave: &str) -> Option<&History> {
        self.history.get(wave)
    }
    /// Current options not offered in `wave`.
    pub fn missing_in(&self, wave: &str) -> Vec<&str> {
        self.history_in(wave).map(|h| h.missing.iter().map(|s| s.as_str()).collect()).unwrap_or_default()
    }
    /// The number its headers carry in `wave`: from the history, else `number`, else the
    /// digits of its id (`Q12` → 12).
    pub fn number_in(&self, wave: &str) -> Option<u32> {
        self.history_in(wave).and_then(|h| h.number).or(self.number).or_else(|| {
            let digits: String = self.id.chars().skip_while(|c| !c.is_ascii_digit()).take_while(|c| c.is_ascii_digit()).collect();
            let prefix = self.id.trim_end_matches(|c: char| c.is_ascii_digit());
            (prefix.eq_ignore_ascii_case("q") && !digits.is_empty()).then(|| digits.parse().ok()).flatten()
        })
    }
    /// Texts the question's headers may carry in `wave` besides its text and aliases.
    pub fn texts_in(&self, wave: &str) -> Vec<&str> {
        self.history_in(wave).and_then(|h| h.text.as_deref()).into_iter().collect()
    }
    /// Old option texts in `wave`: (option index, text then).
    pub fn renamed_in(&self, wave: &str) -> Vec<(usize, &str)> {
        let Some(h) = self.history_in(wave) else { return vec![] };
        h.renamed.iter().filter_map(|(now, then)| self.find_option(now).map(|i| (i, then.as_str()))).collect()
    }
}

impl Survey {
    /// Whether any question was different in `wave` (then its files are read with that
    /// wave's numbers, wordings and option names).
    pub fn differs_in(&self, wave: &str) -> bool {
        !wave.is_empty() && self.questions.iter().any(|q| q.history.contains_key(wave) || !q.asked_in(wave))
    }

    pub(super) fn validate_waves(&self) -> Result<(), String> {
        for q in &self.questions {
            if q.waves.iter().any(|w| w.trim().is_empty()) {
                return Err(format!("题目 {} 的 waves 中有空白的年份", q.id));
            }
            for (w, h) in &q.history {
                if w.trim().is_empty() {
                    return Err(format!("题目 {} 的 history 中有空白的年份", q.id));
                }
                for now in h.renamed.keys() {
                    if q.find_option(now).is_none() {
                        return Err(format!(
                            "题目 {} 的 history.{w}.renamed 中的“{now}”不是它现在的选项（等号左边写现在的选项，右边写 {w} 年的叫法）",
                            q.id
                        ));
                    }
                }
                let mut old = std::collections::HashSet::new();
                for then in h.renamed.values() {
                    if !old.insert(norm(then)) {
                        return Err(format!("题目 {} 的 history.{w}.renamed 中“{then}”对应了两个选项", q.id));
                    }
                }
                if let Some(m) = h.missing.iter().find(|m| q.find_option(m).is_none()) {
                    return Err(format!("题目 {} 的 history.{w}.missing 中的“{m}”不是它现在的选项", q.id));
                }
                if h.number == Some(0) {
                    return Err(format!("题目 {} 的 history.{w}.number 应为正整数", q.id));
                }
            }
        }
        // Two questions with the same number in one wave would take each other's columns.
        let mut waves: Vec<&str> = self.questions.iter().flat_map(|q| q.history.keys().map(|s| s.as_str())).collect();
        waves.sort();
        waves.dedup();
        for w in waves {
            let mut seen: BTreeMap<u32, &str> = BTreeMap::new();
            for q in self.questions.iter().filter(|q| q.asked_in(w)) {
                if let Some(n) = q.number_in(w) {
                    if let Some(other) = seen.insert(n, &q.id) {
                        return Err(format!("{w} 年有两道题的题号都是 {n}（{other} 和 {}）：请在 history.{w} 中写明各自当年的题号", q.id));
                    }
                }
            }
        }
        Ok(())
    }
}
