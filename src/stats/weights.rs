//! Weights: a weight column checked row by row, or cell weights to target shares
//! (post-stratification within each wave), and the bases they give.

use polars::prelude::*;
use rustc_hash::FxHashMap;

use crate::survey::schema::{TRACE, WAVE};
use crate::survey::Survey;

use super::codes::{choice_codes, str_col, texts};
use super::StatsError;

/// Reads and checks a weight column: numbers ≥ 0, none missing, not all zero.
pub fn weights(survey: &Survey, df: &DataFrame, col: &str) -> Result<Vec<f64>, StatsError> {
    let out = values(survey, df, col)?;
    if !out.is_empty() && out.iter().all(|w| *w == 0.0) {
        return Err(StatsError::ZeroWeights(col.to_string()));
    }
    Ok(out)
}

/// Reads and checks a weight column's values: numbers ≥ 0, none missing (all zero is
/// checked over the whole data, which may come in batches).
pub(crate) fn values(survey: &Survey, df: &DataFrame, col: &str) -> Result<Vec<f64>, StatsError> {
    // Only an answer column can weigh: not the year, the unit or a file name.
    if TRACE.contains(&col) {
        return Err(StatsError::UnknownWeight(col.to_string()));
    }
    // A single choice is read as its option text (not its index), so it is no weight.
    let vals = texts(survey, df, col).ok_or_else(|| StatsError::UnknownWeight(col.to_string()))?;
    let files = str_col(df, "source_file");
    let rows = str_col(df, "source_row");
    let mut out = Vec::with_capacity(df.height());
    for (i, v) in vals.iter().map(|v| v.as_deref()).enumerate() {
        // Where the bad weight is: the file and the row as Excel shows it.
        let place = || match (files.as_ref().and_then(|f| f[i].clone()), rows.as_ref().and_then(|r| r[i].clone())) {
            (Some(f), Some(r)) => format!("{f} 第 {r} 行"),
            _ => format!("第 {} 份答卷", i + 1),
        };
        let bad = |value: &str, why| StatsError::BadWeight { col: col.to_string(), place: place(), value: value.to_string(), why };
        let Some(v) = v else { return Err(bad("", "为空")) };
        let w: f64 = v.trim().parse().map_err(|_| bad(v, "不是数字"))?;
        if !w.is_finite() {
            return Err(bad(v, "不是有限的数字"));
        }
        if w < 0.0 {
            return Err(bad(v, "是负数"));
        }
        // Weights so large that their sums overflow would blank every figure.
        if w > 1e6 {
            return Err(bad(v, "太大"));
        }
        // Weights so small that their squares underflow would blank every interval.
        if w > 0.0 && w < 1e-6 {
            return Err(bad(v, "太小（小于百万分之一），请换算到常用的量级，如平均权重为 1"));
        }
        out.push(w);
    }
    Ok(out)
}

/// Cell weights (post-stratification), within each wave: a respondent in cell c gets
/// target(c) ÷ sample share(c), targets normalised over the cells present in the wave.
/// Respondents outside every target cell keep weight 1.
pub fn cell_weights(survey: &Survey, df: &DataFrame, cw: &crate::survey::Weighting) -> Vec<f64> {
    let mut totals = CellTotals::default();
    totals.add(survey, df, cw);
    cell_weights_with(survey, df, cw, &totals)
}

/// The rows of each target cell per wave, counted over all the data (which may come in
/// batches): what the cell weights of any part of it are made from.
#[derive(Debug, Default, Clone)]
pub struct CellTotals {
    by_wave: std::collections::BTreeMap<Option<String>, std::collections::BTreeMap<String, f64>>,
}

impl CellTotals {
    /// Counts the rows of `df` into their wave's cells.
    pub fn add(&mut self, survey: &Survey, df: &DataFrame, cw: &crate::survey::Weighting) {
        let cells = cells_of(survey, df, cw);
        let waves = str_col(df, WAVE).unwrap_or_else(|| vec![None; df.height()]);
        for (c, wv) in cells.iter().zip(waves) {
            if let Some(c) = c.as_deref().filter(|c| target(survey, cw, c).is_some()) {
                *self.by_wave.entry(wv).or_default().entry(c.to_string()).or_default() += 1.0;
            }
        }
    }
}

/// Each row's cell: its option text of the weighting question, or its value of the column.
fn cells_of(survey: &Survey, df: &DataFrame, cw: &crate::survey::Weighting) -> Vec<Option<String>> {
    match survey.question(&cw.question) {
        Some(q) => choice_codes(q, df, &q.id).iter().map(|c| c.map(|i| q.options[i as usize].text().to_string())).collect(),
        None => str_col(df, &cw.question).unwrap_or_else(|| vec![None; df.height()]),
    }
}

/// A cell's target, by option text as the data spells it.
fn target(survey: &Survey, cw: &crate::survey::Weighting, cell: &str) -> Option<f64> {
    cw.targets
        .iter()
        .find(|(k, _)| match survey.question(&cw.question) {
            Some(q) => q.find_option(k).map(|i| q.options[i].text()) == Some(cell),
            None => k.as_str() == cell,
        })
        .map(|(_, v)| *v)
}

/// The cell weights of the rows of `df` from the counts of the whole data.
pub fn cell_weights_with(survey: &Survey, df: &DataFrame, cw: &crate::survey::Weighting, totals: &CellTotals) -> Vec<f64> {
    let cells = cells_of(survey, df, cw);
    let waves = str_col(df, WAVE).unwrap_or_else(|| vec![None; df.height()]);
    // Per wave: the cells' weights (cells in a fixed order, so that sums are too).
    let mut per_wave: FxHashMap<Option<&str>, FxHashMap<&str, f64>> = FxHashMap::default();
    for (wave, count) in &totals.by_wave {
        let valid: f64 = count.values().sum();
        let total_target: f64 = count.keys().filter_map(|c| target(survey, cw, c)).sum();
        if valid == 0.0 || total_target <= 0.0 {
            continue;
        }
        let w = count.iter().filter_map(|(c, k)| Some((c.as_str(), (target(survey, cw, c)? / total_target) / (k / valid)))).collect();
        per_wave.insert(wave.as_deref(), w);
    }
    cells
        .iter()
        .zip(&waves)
        .map(|(c, wv)| c.as_deref().and_then(|c| per_wave.get(&wv.as_deref())?.get(c).copied()).unwrap_or(1.0))
        .collect()
}

/// The effective base of a set of weights, (Σw)² / Σw² (Kish).
pub fn effective_base(w: &[f64]) -> f64 {
    let (s, s2) = w.iter().fold((0.0, 0.0), |(s, s2), x| (s + x, s2 + x * x));
    if s2 > 0.0 {
        s * s / s2
    } else {
        0.0
    }
}

/// Per-group accumulator of weights: Σw and Σw² give the base and effective base.
#[derive(Clone, Copy, Default)]
pub(crate) struct Base {
    pub n: usize,
    pub w: f64,
    w2: f64,
}

impl Base {
    pub fn add(&mut self, w: f64) {
        self.n += 1;
        self.w += w;
        self.w2 += w * w;
    }
    /// Adds `n` rows of weight 1.
    pub fn add_units(&mut self, n: u64) {
        self.n += n as usize;
        self.w += n as f64;
        self.w2 += n as f64;
    }
    /// Adds the sums of other rows.
    pub fn merge(&mut self, o: &Base) {
        self.n += o.n;
        self.w += o.w;
        self.w2 += o.w2;
    }
    pub fn n_eff(&self) -> f64 {
        if self.w2 > 0.0 {
            self.w * self.w / self.w2
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    fn frame(vals: &[Option<&str>]) -> DataFrame {
        let c = Column::new("w".into(), vals.iter().map(|v| v.map(|s| s.to_string())).collect::<Vec<_>>());
        DataFrame::new(vals.len(), vec![c]).unwrap()
    }

    fn survey() -> Survey {
        Survey::from_toml(
            "id = \"t\"\ntitle = \"t\"\n[[questions]]\nid = \"Q1\"\ntext = \"身份\"\nkind = \"single\"\noptions = [\"1\", \"2\"]\n",
        )
        .unwrap()
    }

    #[test]
    fn weights_are_checked() {
        let s = survey();
        assert_eq!(weights(&s, &frame(&[Some("1"), Some("2.5")]), "w").unwrap(), vec![1.0, 2.5]);
        let err = |v: &[Option<&str>]| weights(&s, &frame(v), "w").unwrap_err().to_string();
        assert!(err(&[Some("1"), Some("-2")]).contains("负数"));
        assert!(err(&[Some("1"), None]).contains("为空"));
        assert!(err(&[Some("abc")]).contains("不是数字"));
        assert!(err(&[Some("inf")]).contains("有限"));
        assert!(err(&[Some("0"), Some("0")]).contains("全为 0"));
        assert!(err(&[Some("1e308")]).contains("太大"));
        assert!(weights(&s, &frame(&[Some("1")]), "x").unwrap_err().to_string().contains("不是问卷中的数值题"));
        // A single choice is held as option indices (0, 1): its texts are what weigh.
        let coded = DataFrame::new(2, vec![Column::new("Q1".into(), [Some(0u32), Some(1)])]).unwrap();
        assert_eq!(weights(&s, &coded, "Q1").unwrap(), vec![1.0, 2.0]);
    }

    #[test]
    fn effective_base_is_kish() {
        assert_eq!(effective_base(&[1.0, 1.0, 1.0]), 3.0);
        assert!((effective_base(&[1.0, 3.0]) - 1.6).abs() < 1e-12);
    }
}
