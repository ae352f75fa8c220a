//! Indicators and unit league tables: for every named indicator (survey.toml
//! `[[indicators]]`) and composite index (`[[indices]]`), each unit's value in each wave,
//! its base, its rank among the units, and the change from the previous wave in points
//! and in rank, with a test of the change (z for shares, Welch for means; none for an
//! index, none below the minimum base). Units with a small base are ranked but marked.

use polars::prelude::*;

use crate::survey::indicators::{Better, Indicator, IndicatorMeasure};
use crate::survey::{Kind, Survey};

use super::changes::{test_change, ChangeTest, Direction, Point};
use super::codes::{parts, Grouping, QData};
use super::model::BaseFlag;
use super::StatsOptions;

/// One unit (or the whole sample) in one wave.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitValue {
    pub unit: String,
    /// A share in 0–100, a mean, or an index in 0–100.
    pub value: Option<f64>,
    /// Unweighted base.
    pub base: usize,
    /// Effective base (= base without weights).
    pub n_eff: f64,
    /// Standard deviation (means only).
    pub sd: Option<f64>,
    pub flag: BaseFlag,
    /// 1 = best; ties share a rank.
    pub rank: Option<usize>,
}

/// A unit from one wave to the next.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitChange {
    pub unit: String,
    pub from: String,
    pub to: String,
    pub change: Option<f64>,
    /// Places moved up (positive) or down (negative).
    pub rank_change: Option<i64>,
    pub test: Option<(ChangeTest, f64, f64)>,
    /// p adjusted over the units of the indicator and pair of waves.
    pub p_adjusted: Option<f64>,
    pub sig: Option<Direction>,
}

/// One wave of a league table: units in rank order (units without a value last).
#[derive(Debug, Clone, PartialEq)]
pub struct LeagueWave {
    pub wave: String,
    pub overall: UnitValue,
    pub units: Vec<UnitValue>,
}

/// An indicator or index across units and waves.
#[derive(Debug, Clone, PartialEq)]
pub struct League {
    pub id: String,
    pub name: String,
    /// Values are percentages (shares and indices) rather than means.
    pub percent: bool,
    pub is_index: bool,
    pub better: Better,
    /// What it measures, for users.
    pub definition: String,
    pub waves: Vec<LeagueWave>,
    /// Consecutive waves, per unit present in both.
    pub changes: Vec<UnitChange>,
}

impl League {
    /// Units present in some waves but not others: (unit, the waves it is missing from).
    pub fn absent(&self) -> Vec<(String, Vec<String>)> {
        let mut all: Vec<&str> = self.waves.iter().flat_map(|w| w.units.iter().map(|u| u.unit.as_str())).collect();
        all.sort();
        all.dedup();
        all.into_iter()
            .filter_map(|u| {
                let missing: Vec<String> =
                    self.waves.iter().filter(|w| !w.units.iter().any(|x| x.unit == u && x.base > 0)).map(|w| w.wave.clone()).collect();
                (!missing.is_empty()).then(|| (u.to_string(), missing))
            })
            .collect()
    }
}

/// Σ per group: count, Σw, Σw², Σw·hit, Σw·x, Σw·x².
#[derive(Clone, Copy, Default)]
struct Sums {
    n: usize,
    w: f64,
    w2: f64,
    hit: f64,
    x: f64,
    x2: f64,
}

impl Sums {
    fn value(&self, unit: &str, mean: bool, opts: &StatsOptions) -> UnitValue {
        let n_eff = if self.w2 > 0.0 { self.w * self.w / self.w2 } else { 0.0 };
        let (value, sd) = if !super::inference::positive(self.w) {
            (None, None)
        } else if mean {
            let m = self.x / self.w;
            let sd = (self.n > 1).then(|| ((self.x2 / self.w - m * m).max(0.0) * self.n as f64 / (self.n as f64 - 1.0)).sqrt());
            (Some(m), sd)
        } else {
            (Some(self.hit / self.w * 100.0), None)
        };
        UnitValue { unit: unit.to_string(), value, base: self.n, n_eff, sd, flag: BaseFlag::of(self.n, opts), rank: None }
    }
}

/// What every league is computed from.
pub(crate) struct LeagueCtx<'a> {
    pub survey: &'a Survey,
    pub df: &'a DataFrame,
    pub w: &'a [f64],
    /// The waves, in order.
    pub waves: &'a [String],
    /// The wave of every row.
    pub row_waves: &'a [String],
    pub units: &'a Grouping,
    pub opts: &'a StatsOptions,
}

/// Every league of the survey, over the waves of `df`.
pub(crate) fn leagues(cx: &LeagueCtx) -> Vec<League> {
    let (survey, opts) = (cx.survey, cx.opts);
    let mut out: Vec<League> = survey.indicators.iter().filter_map(|ind| indicator(cx, ind)).collect();
    for ix in &survey.indices {
        let parts: Vec<(&League, &Indicator, f64)> = ix
            .parts
            .iter()
            .filter_map(|p| {
                Some((out.iter().find(|l| l.id == p.indicator)?, survey.indicators.iter().find(|i| i.id == p.indicator)?, p.weight))
            })
            .collect();
        out.push(index(survey, &ix.id, ix.label(), &parts, opts));
    }
    out
}

fn indicator(cx: &LeagueCtx, ind: &Indicator) -> Option<League> {
    let LeagueCtx { survey, df, w, waves, row_waves, units, opts } = *cx;
    let q = survey.question(ind.question_id())?;
    let part = parts(q, df).into_iter().find(|p| p.id == ind.question)?;
    let m = ind.measure();
    let mean = m == IndicatorMeasure::Mean;
    // The options counted, by index.
    let set: Vec<usize> = match m {
        IndicatorMeasure::Share => ind.options.iter().filter_map(|o| q.find_option(o)).collect(),
        IndicatorMeasure::Top2 | IndicatorMeasure::Bottom2 => {
            let mut order: Vec<usize> = (0..q.options.len()).collect();
            order.sort_by(|a, b| q.score(*a).total_cmp(&q.score(*b)));
            if m == IndicatorMeasure::Top2 {
                order.iter().rev().take(2).copied().collect()
            } else {
                order.iter().take(2).copied().collect()
            }
        }
        IndicatorMeasure::Mean => vec![],
    };
    // (answered, hit, x) of row i.
    let read = |i: usize| -> Option<(bool, f64)> {
        match &part.data {
            QData::Choice(v) => v[i].map(|o| (set.contains(&(o as usize)), q.score(o as usize))),
            QData::Multi(sel) => sel.answered[i].then(|| (set.iter().any(|&o| sel.selected(i, o)), 0.0)),
            QData::Number(v) => v[i].map(|x| (false, x)),
            _ => None,
        }
    };
    let mut league_waves = Vec::new();
    for wave in waves.iter().filter(|wv| q.asked_in(wv)) {
        let mut sums = vec![Sums::default(); units.groups.len()];
        let mut all = Sums::default();
        for i in (0..df.height()).filter(|&i| row_waves[i] == *wave) {
            let Some((hit, x)) = read(i) else { continue };
            let wi = w[i];
            for s in std::iter::once(&mut all).chain(units.codes[i].map(|g| &mut sums[g as usize])) {
                s.n += 1;
                s.w += wi;
                s.w2 += wi * wi;
                s.hit += if hit { wi } else { 0.0 };
                s.x += wi * x;
                s.x2 += wi * x * x;
            }
        }
        let vals: Vec<UnitValue> = units.groups.iter().zip(&sums).filter(|(_, s)| s.n > 0).map(|(u, s)| s.value(u, mean, opts)).collect();
        league_waves.push(LeagueWave {
            wave: wave.clone(),
            overall: all.value(super::OVERALL, mean, opts),
            units: ranked(vals, ind.better),
        });
    }
    let definition = match m {
        IndicatorMeasure::Share => format!("{} 中选择“{}”的比例", ind.question, ind.options.join("”或“")),
        IndicatorMeasure::Top2 => format!("{} 前两项合计（最高两档）的比例", ind.question),
        IndicatorMeasure::Bottom2 => format!("{} 后两项合计（最低两档）的比例", ind.question),
        IndicatorMeasure::Mean => format!("{} 的平均{}", ind.question, if q.kind == Kind::Number { "值" } else { "分" }),
    };
    let mut l = League {
        id: ind.id.clone(),
        name: ind.label().to_string(),
        percent: !mean,
        is_index: false,
        better: ind.better,
        definition,
        waves: league_waves,
        changes: vec![],
    };
    l.changes = unit_changes(&l, opts);
    Some(l)
}

/// A composite index: Σ wᵢ·xᵢ ÷ Σ wᵢ with each indicator on 0–100 (docs in survey::indicators).
fn index(survey: &Survey, id: &str, name: &str, parts: &[(&League, &Indicator, f64)], opts: &StatsOptions) -> League {
    let scale = |ind: &Indicator, v: f64| -> Option<f64> {
        let x = if ind.measure() == IndicatorMeasure::Mean {
            let (lo, hi) = mean_range(survey, ind)?;
            (v - lo) / (hi - lo) * 100.0
        } else {
            v
        };
        Some(if ind.better == Better::Lower { 100.0 - x } else { x })
    };
    let mut waves: Vec<String> = parts.iter().flat_map(|(l, _, _)| l.waves.iter().map(|w| w.wave.clone())).collect();
    waves.sort();
    waves.dedup();
    let combine = |get: &dyn Fn(&League) -> Option<UnitValue>, unit: &str| -> UnitValue {
        let mut sum = 0.0;
        let mut wsum = 0.0;
        let mut base = usize::MAX;
        let mut complete = true;
        for (l, ind, wt) in parts {
            match get(l).and_then(|u| Some((u.value.and_then(|v| scale(ind, v))?, u.base))) {
                Some((x, b)) => {
                    sum += wt * x;
                    wsum += wt;
                    base = base.min(b);
                }
                None => complete = false,
            }
        }
        let base = if base == usize::MAX { 0 } else { base };
        UnitValue {
            unit: unit.to_string(),
            value: (complete && wsum > 0.0).then(|| sum / wsum),
            base,
            n_eff: base as f64,
            sd: None,
            flag: BaseFlag::of(base, opts),
            rank: None,
        }
    };
    let mut out = Vec::new();
    for wave in &waves {
        let of_wave = |l: &League| l.waves.iter().find(|w| w.wave == *wave).cloned();
        let mut names: Vec<String> =
            parts.iter().flat_map(|(l, _, _)| of_wave(l).into_iter().flat_map(|w| w.units.into_iter().map(|u| u.unit))).collect();
        names.sort();
        names.dedup();
        let units: Vec<UnitValue> =
            names.iter().map(|u| combine(&|l: &League| of_wave(l)?.units.into_iter().find(|x| x.unit == *u), u)).collect();
        let overall = combine(&|l: &League| of_wave(l).map(|w| w.overall), super::OVERALL);
        out.push(LeagueWave { wave: wave.clone(), overall, units: ranked(units, Better::Higher) });
    }
    let definition = format!(
        "{}，各指标先换算为 0–100 分（比例直接用百分数；平均分按（平均分-最低分）÷（最高分-最低分）×100；越低越好的指标用 100 减去），再加权平均",
        parts.iter().map(|(l, _, wt)| format!("{}×{}", l.name, wt)).collect::<Vec<_>>().join(" + ")
    );
    let mut l = League {
        id: id.to_string(),
        name: name.to_string(),
        percent: true,
        is_index: true,
        better: Better::Higher,
        definition,
        waves: out,
        changes: vec![],
    };
    l.changes = unit_changes(&l, opts);
    l
}

/// The score range of a mean indicator: its options' lowest and highest scores.
fn mean_range(survey: &Survey, ind: &Indicator) -> Option<(f64, f64)> {
    let q = survey.question(ind.question_id())?;
    let scores: Vec<f64> = (0..q.options.len()).map(|i| q.score(i)).collect();
    let lo = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (hi > lo).then_some((lo, hi))
}

/// Units in rank order (1 = best; equal values share a rank); units without a value last.
fn ranked(mut units: Vec<UnitValue>, better: Better) -> Vec<UnitValue> {
    let key = |u: &UnitValue| u.value.map(|v| if better == Better::Higher { -v } else { v });
    units.sort_by(|a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.unit.cmp(&b.unit)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.unit.cmp(&b.unit),
    });
    let mut prev: Option<(f64, usize)> = None;
    for (k, u) in units.iter_mut().enumerate() {
        let Some(v) = u.value else { continue };
        let rank = match prev {
            Some((pv, r)) if (pv - v).abs() <= 1e-9 * v.abs().max(1.0) => r,
            _ => k + 1,
        };
        u.rank = Some(rank);
        prev = Some((v, rank));
    }
    units
}

/// Each unit's change between consecutive waves it took part in.
fn unit_changes(l: &League, opts: &StatsOptions) -> Vec<UnitChange> {
    let mut out = Vec::new();
    for pair in l.waves.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        for ub in &b.units {
            let Some(ua) = a.units.iter().find(|u| u.unit == ub.unit) else { continue };
            let change = match (ua.value, ub.value) {
                (Some(x), Some(y)) => Some(y - x),
                _ => None,
            };
            let small = l.is_index || ua.n_eff < opts.min_base || ub.n_eff < opts.min_base;
            let point = |u: &UnitValue| Point { value: u.value, n_eff: u.n_eff, sd: u.sd, se: None };
            let (test, sig) = test_change(!l.percent, &point(ua), &point(ub), small, opts.alpha);
            let rank_change = match (ua.rank, ub.rank) {
                (Some(x), Some(y)) => Some(x as i64 - y as i64),
                _ => None,
            };
            let p_adjusted = None;
            out.push(UnitChange {
                unit: ub.unit.clone(),
                from: a.wave.clone(),
                to: b.wave.clone(),
                change,
                rank_change,
                test,
                p_adjusted,
                sig,
            });
        }
    }
    // One family per pair of waves (this indicator's units).
    let adjusted =
        super::adjust::by_family(out.len(), |i| out[i].test.map(|t| ((out[i].from.clone(), out[i].to.clone()), t.2)), opts.changes_adjust);
    for (c, q) in out.iter_mut().zip(adjusted) {
        c.p_adjusted = q;
        c.sig = super::changes::direction(c.change, q, opts.alpha);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(name: &str, v: Option<f64>) -> UnitValue {
        UnitValue { unit: name.into(), value: v, base: 50, n_eff: 50.0, sd: None, flag: BaseFlag::Ok, rank: None }
    }

    #[test]
    fn ranks_share_ties_and_put_missing_last() {
        let r = ranked(vec![u("甲", Some(50.0)), u("乙", None), u("丙", Some(70.0)), u("丁", Some(50.0))], Better::Higher);
        let got: Vec<(&str, Option<usize>)> = r.iter().map(|x| (x.unit.as_str(), x.rank)).collect();
        assert_eq!(got, [("丙", Some(1)), ("丁", Some(2)), ("甲", Some(2)), ("乙", None)]);
        let r = ranked(vec![u("甲", Some(50.0)), u("丙", Some(70.0))], Better::Lower);
        assert_eq!(r[0].unit, "甲");
    }
}
