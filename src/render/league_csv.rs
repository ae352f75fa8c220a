//! league.csv: the unit league tables, one row per indicator (or index), wave and unit
//! (UTF-8 with BOM). Written when survey.toml names indicators. The columns are fixed;
//! `value_kind` says whether `value` is a percentage (shares, indices on 0–100) or a mean.

use std::path::Path;

use super::results_csv::num;
use super::words::base_mark;
use super::{Output, RenderError, Report, Written};
use crate::output::write_csv_rows;

pub const LEAGUE_HEADER: [&str; 19] = [
    "indicator",
    "indicator_name",
    "wave",
    "unit",
    "value",
    "base",
    "rank",
    "previous_wave",
    "change",
    "rank_change",
    "test",
    "statistic",
    "p_value",
    "p_adjusted",
    "sig",
    "base_note",
    "rank_low",
    "rank_high",
    "value_kind",
];

/// league.csv.
pub struct LeagueCsv;

impl Output for LeagueCsv {
    fn name(&self) -> &'static str {
        "league.csv"
    }
    fn write(&self, report: &Report, dir: &Path) -> Result<Written, RenderError> {
        let leagues = &report.results.leagues;
        if leagues.is_empty() {
            return Ok(Written::default());
        }
        let mut rows: Vec<[String; 19]> = Vec::new();
        for l in leagues {
            for (k, lw) in l.waves.iter().enumerate() {
                let prev = k.checked_sub(1).map(|p| l.waves[p].wave.clone()).unwrap_or_default();
                for u in &lw.units {
                    let c = l.changes.iter().find(|c| c.unit == u.unit && c.to == lw.wave);
                    rows.push([
                        l.id.clone(),
                        l.name.clone(),
                        lw.wave.clone(),
                        u.unit.clone(),
                        num(u.value),
                        u.base.to_string(),
                        u.rank.map(|r| r.to_string()).unwrap_or_default(),
                        if c.is_some() { prev.clone() } else { String::new() },
                        num(c.and_then(|c| c.change)),
                        c.and_then(|c| c.rank_change).map(|r| r.to_string()).unwrap_or_default(),
                        c.and_then(|c| c.test).map(|t| t.0.name().to_string()).unwrap_or_default(),
                        num(c.and_then(|c| c.test).map(|t| t.1)),
                        num(c.and_then(|c| c.test).map(|t| t.2)),
                        num(c.and_then(|c| c.p_adjusted)),
                        c.and_then(|c| c.sig).map(|d| d.arrow().to_string()).unwrap_or_default(),
                        base_mark(u.flag).to_string(),
                        u.rank_interval.map(|r| r.0.to_string()).unwrap_or_default(),
                        u.rank_interval.map(|r| r.1.to_string()).unwrap_or_default(),
                        if l.percent { "percent" } else { "mean" }.to_string(),
                    ]);
                }
            }
        }
        let path = dir.join("league.csv");
        write_csv_rows(&path, &LEAGUE_HEADER, rows)?;
        Ok(Written::file(path, "league.csv   各单位在各项指标上的数值、排名和变化"))
    }
}
