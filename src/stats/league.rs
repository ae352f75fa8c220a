//! Indicators and unit league tables: for every named indicator (survey.toml
//! `[[indicators]]`) and composite index (`[[indices]]`), each unit's value in each wave,
//! its base, its rank among the units, and the change from the previous wave in points
//! and in rank, with a test of the change (z for shares, Welch for means; none for an
//! index, none below the minimum base). Units whose effective base is below the minimum
//! are listed but not ranked; every rank has a 95% interval from a seeded simulation of
//! the units' sampling distributions; rank changes are among the units in both waves.

use polars::prelude::*;

use crate::survey::indicators::{Better, Index, Indicator, IndicatorMeasure, Standardise};
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
    /// 1 = best; ties share a rank. None below `--min-base` (listed, not ranked).
    pub rank: Option<usize>,
    /// The 95% interval of the rank ([`rank_intervals`]).
    pub rank_interval: Option<(usize, usize)>,
    /// With a `[design]`: the design standard error (points for a share).
    pub se: Option<f64>,
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
    /// An index's parts' real influence per wave: each part's share of the variance of the
    /// index across units (Σ = 1; docs/DESIGN.md §4). Empty for an indicator.
    pub influence: Vec<(String, Vec<(String, f64)>)>,
}

impl League {
    /// Units present in some waves but not others: (unit, the waves it is missing from), in
    /// the roster's `order` (units outside it after, by name).
    pub fn absent(&self, order: &[String]) -> Vec<(String, Vec<String>)> {
        let mut all: Vec<&str> = self.waves.iter().flat_map(|w| w.units.iter().map(|u| u.unit.as_str())).collect();
        all.sort();
        all.dedup();
        all.sort_by_key(|u| order.iter().position(|x| x == u).unwrap_or(usize::MAX));
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
    fn add(&mut self, w: f64, hit: bool, x: f64) {
        self.n += 1;
        self.w += w;
        self.w2 += w * w;
        self.hit += if hit { w } else { 0.0 };
        self.x += w * x;
        self.x2 += w * x * x;
    }

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
        UnitValue {
            unit: unit.to_string(),
            value,
            base: self.n,
            n_eff,
            sd,
            flag: BaseFlag::of(self.n, opts),
            rank: None,
            rank_interval: None,
            se: None,
        }
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
    /// The survey's `[design]`, when it has one: units' standard errors and tests from it.
    pub design: Option<(&'a super::design::RowDesign, &'a super::design::DesignInfo)>,
}

/// Every league of the survey, over the waves of `df`.
pub(crate) fn leagues(cx: &LeagueCtx) -> Vec<League> {
    let out: Vec<League> = cx.survey.indicators.iter().filter_map(|ind| indicator(cx, ind)).collect();
    with_indices(cx.survey, out, cx.opts)
}

/// The indicators' leagues followed by the composite indices made of them.
fn with_indices(survey: &Survey, mut out: Vec<League>, opts: &StatsOptions) -> Vec<League> {
    for ix in &survey.indices {
        let parts: Vec<(&League, &Indicator, f64)> = ix
            .parts
            .iter()
            .filter_map(|p| {
                Some((out.iter().find(|l| l.id == p.indicator)?, survey.indicators.iter().find(|i| i.id == p.indicator)?, p.weight))
            })
            .collect();
        let l = index(survey, ix, &parts, opts);
        out.push(l);
    }
    out
}

fn indicator(cx: &LeagueCtx, ind: &Indicator) -> Option<League> {
    let LeagueCtx { survey, df, w, waves, row_waves, units, opts: _, design } = *cx;
    let q = survey.question(ind.question_id())?;
    let part = parts(q, df).into_iter().find(|p| p.id == ind.question)?;
    let mean = ind.measure() == IndicatorMeasure::Mean;
    let set = counted(q, ind);
    let mut league_waves = Vec::new();
    for wave in waves.iter().filter(|wv| q.asked_in(wv)) {
        let mut sums = vec![Sums::default(); units.groups.len()];
        let mut all = Sums::default();
        // Each unit's rows and their y, for the design's standard errors.
        let mut unit_rows: Vec<UnitRows> = vec![Vec::new(); if design.is_some() { units.groups.len() } else { 0 }];
        for i in (0..df.height()).filter(|&i| row_waves[i] == *wave) {
            let Some((hit, x)) = read(q, &part.data, &set, i) else { continue };
            if let (Some(g), Some(_)) = (units.codes[i], design) {
                unit_rows[g as usize].push((i, if mean { x } else { f64::from(u8::from(hit)) }));
            }
            for s in std::iter::once(&mut all).chain(units.codes[i].map(|g| &mut sums[g as usize])) {
                s.add(w[i], hit, x);
            }
        }
        let vals = unit_values(cx, (&sums, &unit_rows), mean, ind.better);
        league_waves.push(LeagueWave { wave: wave.clone(), overall: all.value(super::OVERALL, mean, cx.opts), units: vals });
    }
    Some(league_of(ind, q, &part.text, league_waves, cx.opts))
}

/// The options an indicator counts, by index (none for a mean).
fn counted(q: &crate::survey::Question, ind: &Indicator) -> Vec<usize> {
    let m = ind.measure();
    match m {
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
    }
}

/// Row `i` as an indicator reads it: answered at all, and then (counted, score or value).
fn read(q: &crate::survey::Question, data: &QData, set: &[usize], i: usize) -> Option<(bool, f64)> {
    match data {
        QData::Choice(v) => v[i].map(|o| (set.contains(&(o as usize)), q.score(o as usize))),
        QData::Multi(sel) => sel.answered[i].then(|| (set.iter().any(|&o| sel.selected(i, o)), 0.0)),
        QData::Number(v) => v[i].map(|x| (false, x)),
        _ => None,
    }
}

/// An indicator's league from its waves: its name and definition in words, its changes.
fn league_of(ind: &Indicator, q: &crate::survey::Question, asked: &str, waves: Vec<LeagueWave>, opts: &StatsOptions) -> League {
    let m = ind.measure();
    let mean = m == IndicatorMeasure::Mean;
    // Named by the question as respondents read it, not its id.
    let definition = match m {
        IndicatorMeasure::Share => format!("“{asked}”中选择“{}”的比例", ind.options.join("”或“")),
        IndicatorMeasure::Top2 => format!("“{asked}”前两项合计（最高两档）的比例"),
        IndicatorMeasure::Bottom2 => format!("“{asked}”后两项合计（最低两档）的比例"),
        IndicatorMeasure::Mean => format!("“{asked}”的平均{}", if q.kind == Kind::Number { "值" } else { "分" }),
    };
    let mut l = League {
        id: ind.id.clone(),
        name: ind.label().to_string(),
        percent: !mean,
        is_index: false,
        better: ind.better,
        definition,
        waves,
        changes: vec![],
        influence: vec![],
    };
    l.changes = unit_changes(&l, opts);
    l
}

/// One wave's sums of an indicator: the whole sample, and each unit by name.
type WaveSums = (Sums, std::collections::BTreeMap<String, Sums>);

/// Every indicator's sums per wave and unit, added a batch of rows at a time, and the
/// leagues made from them at the end: the same figures as from one table (without a
/// `[design]`, whose standard errors need each unit's rows).
pub(crate) struct LeagueSums {
    /// Per indicator (in the survey's order), per wave: the whole sample and each unit.
    by: Vec<std::collections::BTreeMap<String, WaveSums>>,
    /// The indicator's question part as respondents read it (once its columns were seen).
    asked: Vec<Option<String>>,
}

impl LeagueSums {
    pub fn new(survey: &Survey) -> LeagueSums {
        LeagueSums { by: vec![Default::default(); survey.indicators.len()], asked: vec![None; survey.indicators.len()] }
    }

    /// Adds rows: `w` their weights, `row_waves` their waves, `units` their units.
    pub fn add(&mut self, survey: &Survey, df: &DataFrame, w: &[f64], row_waves: &[&str], units: &Grouping) {
        for ((ind, by), asked) in survey.indicators.iter().zip(self.by.iter_mut()).zip(self.asked.iter_mut()) {
            let Some(q) = survey.question(ind.question_id()) else { continue };
            let Some(part) = parts(q, df).into_iter().find(|p| p.id == ind.question) else { continue };
            asked.get_or_insert_with(|| part.text.clone());
            let set = counted(q, ind);
            for i in (0..df.height()).filter(|&i| q.asked_in(row_waves[i])) {
                let Some((hit, x)) = read(q, &part.data, &set, i) else { continue };
                let (all, per_unit) = by.entry(row_waves[i].to_string()).or_default();
                all.add(w[i], hit, x);
                if let Some(g) = units.codes[i] {
                    per_unit.entry(units.groups[g as usize].clone()).or_default().add(w[i], hit, x);
                }
            }
        }
    }

    /// The leagues of the survey over `waves` (in order), indices included.
    pub fn finish(self, survey: &Survey, waves: &[String], opts: &StatsOptions) -> Vec<League> {
        let mut out = Vec::new();
        for ((ind, mut by), asked) in survey.indicators.iter().zip(self.by).zip(self.asked) {
            let (Some(q), Some(asked)) = (survey.question(ind.question_id()), asked) else { continue };
            let mean = ind.measure() == IndicatorMeasure::Mean;
            let league_waves = waves
                .iter()
                .filter(|wv| q.asked_in(wv))
                .map(|wave| {
                    let (all, units) = by.remove(wave).unwrap_or_default();
                    let vals = units.iter().filter(|(_, s)| s.n > 0).map(|(u, s)| s.value(u, mean, opts)).collect();
                    LeagueWave {
                        wave: wave.clone(),
                        overall: all.value(super::OVERALL, mean, opts),
                        units: rank_units(vals, mean, ind.better, opts),
                    }
                })
                .collect();
            out.push(league_of(ind, q, &asked, league_waves, opts));
        }
        with_indices(survey, out, opts)
    }
}

/// A unit's rows in one wave and their y (a share's 0/1, a mean's value).
type UnitRows = Vec<(usize, f64)>;

/// The units' values of one wave, ranked, with their design standard errors (a `[design]`)
/// and rank intervals, from each unit's sums and (with a design) rows.
fn unit_values(cx: &LeagueCtx, (sums, unit_rows): (&[Sums], &[UnitRows]), mean: bool, better: Better) -> Vec<UnitValue> {
    let (units, opts) = (cx.units, cx.opts);
    let scale = if mean { 1.0 } else { 100.0 };
    let vals: Vec<UnitValue> = (0..units.groups.len())
        .filter(|&g| sums[g].n > 0)
        .map(|g| UnitValue {
            se: cx
                .design
                .and_then(|(rd, info)| super::design::domain_variance(&unit_rows[g], cx.w, rd, info))
                .map(|v| v.max(0.0).sqrt() * scale),
            ..sums[g].value(&units.groups[g], mean, opts)
        })
        .collect();
    rank_units(vals, mean, better, opts)
}

/// Units' values ranked, with their rank intervals (from the design's standard errors
/// where they have them, else from their bases).
fn rank_units(vals: Vec<UnitValue>, mean: bool, better: Better, opts: &StatsOptions) -> Vec<UnitValue> {
    let mut vals = ranked(vals, better, opts);
    let sim: Vec<(usize, f64, f64)> = vals
        .iter()
        .enumerate()
        .filter(|(_, u)| u.rank.is_some())
        .map(|(i, u)| (i, u.value.unwrap_or(0.0), u.se.unwrap_or_else(|| sim_se(u, mean))))
        .collect();
    let iv = rank_intervals(sim.len(), better, |rng| sim.iter().map(|&(_, v, se)| v + se * rng.normal()).collect());
    for (&(i, _, _), r) in sim.iter().zip(iv) {
        vals[i].rank_interval = Some(r);
    }
    vals
}

/// Draws of the rank simulation, and its seed (any fixed value: reproducible intervals).
const DRAWS: usize = 2000;
const SEED: u64 = 0x5eed_2026;

/// A unit value's sampling standard error for the rank simulation: a share's on the
/// effective base with the Agresti–Coull adjustment (p̃ = (x + 2)/(n + 4), so that 0% and
/// 100% vary too), a mean's sd/√n_eff.
fn sim_se(u: &UnitValue, mean: bool) -> f64 {
    let n = u.n_eff;
    if mean {
        return u.sd.unwrap_or(0.0) / n.sqrt();
    }
    let p = (u.value.unwrap_or(0.0) / 100.0 * n + 2.0) / (n + 4.0);
    (p * (1.0 - p) / (n + 4.0)).sqrt() * 100.0
}

/// 95% intervals of the ranks of `n` units: `draw` gives one simulated value per unit;
/// each draw is ranked (1 = best; a unit's rank is 1 + the units strictly better) and
/// every unit's 2.5% and 97.5% points of its ranks are kept (of [`DRAWS`], seeded).
pub(crate) fn rank_intervals(n: usize, better: Better, mut draw: impl FnMut(&mut super::exact::Rng) -> Vec<f64>) -> Vec<(usize, usize)> {
    let mut rng = super::exact::Rng(SEED);
    let mut ranks: Vec<Vec<usize>> = vec![Vec::with_capacity(DRAWS); n];
    for _ in 0..DRAWS {
        let v = draw(&mut rng);
        for (a, r) in ranks.iter_mut().enumerate() {
            let ahead = v.iter().filter(|&&x| if better == Better::Higher { x > v[a] } else { x < v[a] }).count();
            r.push(1 + ahead);
        }
    }
    ranks
        .into_iter()
        .map(|mut r| {
            r.sort_unstable();
            let lo = (0.025 * DRAWS as f64).floor() as usize;
            let hi = ((0.975 * DRAWS as f64).ceil() as usize).saturating_sub(1);
            (r[lo], r[hi])
        })
        .collect()
}

/// The parts of an index in one wave: per part, its unit values (in the order of `names`)
/// and the overall value, each as the part's raw [`UnitValue`].
struct IndexWave<'a> {
    names: Vec<String>,
    units: Vec<Vec<Option<&'a UnitValue>>>,
    overall: Vec<Option<&'a UnitValue>>,
}

/// A composite index: Σ wᵢ·xᵢ ÷ Σ wᵢ with each indicator on 0–100, standardised across the
/// units when the index asks (docs in survey::indicators); rank intervals from draws of
/// every part; each part's real influence.
fn index<'a>(survey: &Survey, ix: &Index, parts: &[(&'a League, &Indicator, f64)], opts: &StatsOptions) -> League {
    let mut waves: Vec<String> = parts.iter().flat_map(|(l, _, _)| l.waves.iter().map(|w| w.wave.clone())).collect();
    waves.sort();
    waves.dedup();
    let scale = |k: usize, v: f64| -> Option<f64> {
        let ind = parts[k].1;
        let x = if ind.measure() == IndicatorMeasure::Mean {
            let (lo, hi) = mean_range(survey, ind)?;
            (v - lo) / (hi - lo) * 100.0
        } else {
            v
        };
        Some(if ind.better == Better::Lower { 100.0 - x } else { x })
    };
    let weights: Vec<f64> = parts.iter().map(|p| p.2).collect();
    let (mut out, mut influence) = (Vec::new(), Vec::new());
    for wave in &waves {
        let of_wave = |l: &'a League| wave_of(l, wave);
        let mut names: Vec<String> =
            parts.iter().flat_map(|(l, _, _)| of_wave(l).into_iter().flat_map(|w| w.units.iter().map(|u| u.unit.clone()))).collect();
        names.sort();
        names.dedup();
        let iw = IndexWave {
            units: parts
                .iter()
                .map(|(l, _, _)| names.iter().map(|u| of_wave(l).and_then(|w| w.units.iter().find(|x| x.unit == *u))).collect())
                .collect(),
            overall: parts.iter().map(|(l, _, _)| of_wave(l).map(|w| &w.overall)).collect(),
            names,
        };
        let raw = |f: &dyn Fn(&UnitValue) -> Option<f64>| -> (Vec<Vec<Option<f64>>>, Vec<Option<f64>>) {
            let units =
                iw.units.iter().enumerate().map(|(k, us)| us.iter().map(|u| u.and_then(f).and_then(|v| scale(k, v))).collect()).collect();
            let overall = iw.overall.iter().enumerate().map(|(k, u)| u.and_then(f).and_then(|v| scale(k, v))).collect();
            (units, overall)
        };
        let (xs, xo) = raw(&|u| u.value);
        let (idx, overall, contrib) = combine(&xs, &xo, &weights, ix.standardise);
        let base = |us: Vec<Option<&UnitValue>>| us.iter().map(|u| u.map_or(0, |u| u.base)).min().unwrap_or(0);
        let unit_value = |name: &str, value: Option<f64>, b: usize| UnitValue {
            unit: name.to_string(),
            value,
            base: b,
            n_eff: b as f64,
            sd: None,
            flag: BaseFlag::of(b, opts),
            rank: None,
            rank_interval: None,
            se: None,
        };
        let units: Vec<UnitValue> =
            iw.names.iter().enumerate().map(|(u, name)| unit_value(name, idx[u], base(iw.units.iter().map(|p| p[u]).collect()))).collect();
        let units = index_intervals(ranked(units, Better::Higher, opts), &iw, parts, &scale, &weights, ix.standardise);
        out.push(LeagueWave { wave: wave.clone(), overall: unit_value(super::OVERALL, overall, base(iw.overall.clone())), units });
        influence.push((wave.clone(), parts.iter().map(|p| p.0.name.clone()).zip(contrib).collect::<Vec<(String, f64)>>()));
    }
    let how = match ix.standardise {
        Standardise::None => "各指标先换算为 0–100 分（比例直接用百分数；平均分按（平均分-最低分）÷（最高分-最低分）×100；越低越好的指标用 100 减去），再加权平均",
        Standardise::Z => "各指标先换算为 0–100 分（越低越好的用 100 减去），再在各单位间标准化为标准分（减去各单位的平均数、除以标准差），再加权平均；指数为标准分，0 为各单位平均水平",
        Standardise::Minmax => "各指标先换算为 0–100 分（越低越好的用 100 减去），再按各单位中的最低、最高值缩放到 0–100，再加权平均",
    };
    let mut definition = format!("{}，{how}", parts.iter().map(|(l, _, wt)| format!("{}×{}", l.name, wt)).collect::<Vec<_>>().join(" + "));
    if let Some((wave, inf)) = influence.last().filter(|(_, inf)| inf.iter().all(|x| x.1.is_finite())) {
        let said: Vec<String> = inf.iter().map(|(n, x)| format!("{n} {:.0}%", x * 100.0)).collect();
        definition += &format!("。各指标对单位间差异的实际影响（{wave}年，占指数方差的比例）：{}", said.join("，"));
    }
    let mut l = League {
        id: ix.id.clone(),
        name: ix.label().to_string(),
        percent: ix.standardise != Standardise::Z,
        is_index: true,
        better: Better::Higher,
        definition,
        waves: out,
        changes: vec![],
        influence,
    };
    l.changes = unit_changes(&l, opts);
    l
}

fn wave_of<'a>(l: &'a League, wave: &str) -> Option<&'a LeagueWave> {
    l.waves.iter().find(|w| w.wave == wave)
}

/// The index of every unit and of all units from the parts' values on 0–100 (`xs[part][unit]`,
/// `xo[part]`): standardised across the units with a value in every part when asked, then
/// Σ wᵢ·xᵢ ÷ Σ wᵢ (none for a unit missing a part). Also each part's influence: the share of
/// the index's variance across units that its weighted part carries, cov(wᵢxᵢ/Σw, I)/var(I).
fn combine(xs: &[Vec<Option<f64>>], xo: &[Option<f64>], w: &[f64], how: Standardise) -> (Vec<Option<f64>>, Option<f64>, Vec<f64>) {
    let n = xs.first().map_or(0, |p| p.len());
    let complete: Vec<usize> = (0..n).filter(|&u| xs.iter().all(|p| p[u].is_some())).collect();
    let ws: f64 = w.iter().sum();
    // Each part's transform across the complete units: x ↦ (x − a)·b.
    let tf: Vec<(f64, f64)> = xs
        .iter()
        .map(|p| {
            let v: Vec<f64> = complete.iter().filter_map(|&u| p[u]).collect();
            let k = v.len() as f64;
            match how {
                Standardise::None => (0.0, 1.0),
                Standardise::Z => {
                    let m = v.iter().sum::<f64>() / k;
                    let sd = (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (k - 1.0)).sqrt();
                    (m, if sd > 0.0 { 1.0 / sd } else { 0.0 })
                }
                Standardise::Minmax => {
                    let (lo, hi) = v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(*x), b.max(*x)));
                    (lo, if hi > lo { 100.0 / (hi - lo) } else { 0.0 })
                }
            }
        })
        .collect();
    let part = |k: usize, x: f64| w[k] * (x - tf[k].0) * tf[k].1 / ws;
    let of = |get: &dyn Fn(usize) -> Option<f64>| -> Option<f64> { (0..xs.len()).map(|k| get(k).map(|x| part(k, x))).sum() };
    let idx: Vec<Option<f64>> = (0..n).map(|u| of(&|k| xs[k][u])).collect();
    let overall = of(&|k| xo[k]);
    let ivals: Vec<f64> = complete.iter().filter_map(|&u| idx[u]).collect();
    let k = ivals.len() as f64;
    let im = ivals.iter().sum::<f64>() / k;
    let var = ivals.iter().map(|x| (x - im) * (x - im)).sum::<f64>();
    let influence = (0..xs.len())
        .map(|p| {
            let c: Vec<f64> = complete.iter().filter_map(|&u| xs[p][u].map(|x| part(p, x))).collect();
            let cm = c.iter().sum::<f64>() / k;
            c.iter().zip(&ivals).map(|(a, b)| (a - cm) * (b - im)).sum::<f64>() / var
        })
        .collect();
    (idx, overall, influence)
}

/// An index's rank intervals: each draw draws every part's unit values from their sampling
/// distributions ([`sim_se`]) and recombines them (standardising within the draw).
fn index_intervals(
    mut units: Vec<UnitValue>,
    iw: &IndexWave,
    parts: &[(&League, &Indicator, f64)],
    scale: &dyn Fn(usize, f64) -> Option<f64>,
    w: &[f64],
    how: Standardise,
) -> Vec<UnitValue> {
    let pos: Vec<(usize, usize)> = units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.rank.is_some())
        .filter_map(|(i, u)| Some((i, iw.names.iter().position(|n| *n == u.unit)?)))
        .collect();
    let xo: Vec<Option<f64>> = vec![None; parts.len()];
    let iv = rank_intervals(pos.len(), Better::Higher, |rng| {
        let xs: Vec<Vec<Option<f64>>> = iw
            .units
            .iter()
            .enumerate()
            .map(|(k, us)| {
                let mean = !parts[k].0.percent;
                pos.iter()
                    .map(|&(_, u)| us[u].and_then(|x| scale(k, x.value? + x.se.unwrap_or_else(|| sim_se(x, mean)) * rng.normal())))
                    .collect()
            })
            .collect();
        combine(&xs, &xo, w, how).0.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect()
    });
    for (&(i, _), r) in pos.iter().zip(iv) {
        units[i].rank_interval = Some(r);
    }
    units
}

/// The score range of a mean indicator: its options' lowest and highest scores.
fn mean_range(survey: &Survey, ind: &Indicator) -> Option<(f64, f64)> {
    let q = survey.question(ind.question_id())?;
    let scores: Vec<f64> = (0..q.options.len()).map(|i| q.score(i)).collect();
    let lo = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (hi > lo).then_some((lo, hi))
}

/// Units in rank order (1 = best; equal values share a rank); then the units whose
/// effective base is below `--min-base` (listed, not ranked) and those without a value, in
/// the roster's order.
fn ranked(mut units: Vec<UnitValue>, better: Better, opts: &StatsOptions) -> Vec<UnitValue> {
    let rankable = |u: &UnitValue| u.value.is_some() && u.n_eff >= opts.min_base;
    let roster = |u: &UnitValue| opts.unit_order.iter().position(|x| *x == u.unit).unwrap_or(usize::MAX);
    let key = |u: &UnitValue| u.value.map(|v| if better == Better::Higher { -v } else { v });
    units.sort_by(|a, b| match (rankable(a), rankable(b)) {
        (true, true) => key(a)
            .unwrap_or(0.0)
            .total_cmp(&key(b).unwrap_or(0.0))
            .then_with(|| roster(a).cmp(&roster(b)))
            .then_with(|| a.unit.cmp(&b.unit)),
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        (false, false) => roster(a).cmp(&roster(b)).then_with(|| a.unit.cmp(&b.unit)),
    });
    let values: Vec<Option<f64>> = units.iter().map(|u| u.value.filter(|_| rankable(u))).collect();
    for (u, r) in units.iter_mut().zip(ranks(&values, better)) {
        u.rank = r;
    }
    units
}

/// The ranks of `values` (1 = best; equal values share the better rank; None for none).
fn ranks(values: &[Option<f64>], better: Better) -> Vec<Option<usize>> {
    values
        .iter()
        .map(|v| {
            let v = (*v)?;
            let ahead = values.iter().flatten().filter(|&&x| {
                let tie = (x - v).abs() <= 1e-9 * v.abs().max(1.0);
                !tie && if better == Better::Higher { x > v } else { x < v }
            });
            Some(1 + ahead.count())
        })
        .collect()
}

/// The rank of `unit` in wave `w` among the units ranked in both `w` and `other`.
fn like_rank(w: &LeagueWave, other: &LeagueWave, unit: &str, better: Better) -> Option<usize> {
    let both: Vec<&UnitValue> =
        w.units.iter().filter(|u| u.rank.is_some() && other.units.iter().any(|o| o.unit == u.unit && o.rank.is_some())).collect();
    let at = both.iter().position(|u| u.unit == unit)?;
    ranks(&both.iter().map(|u| u.value).collect::<Vec<_>>(), better)[at]
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
            let point = |u: &UnitValue| Point { value: u.value, n_eff: u.n_eff, sd: u.sd, se: u.se };
            let (test, sig) = test_change(!l.percent, &point(ua), &point(ub), small, opts.alpha);
            // Ranks among the units ranked in both waves, so that a unit joining or leaving
            // moves nobody.
            let rank_change = match (like_rank(a, b, &ua.unit, l.better), like_rank(b, a, &ua.unit, l.better)) {
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
        UnitValue {
            unit: name.into(),
            value: v,
            base: 50,
            n_eff: 50.0,
            sd: None,
            flag: BaseFlag::Ok,
            rank: None,
            rank_interval: None,
            se: None,
        }
    }

    #[test]
    fn ranks_share_ties_and_put_missing_last() {
        let opts = StatsOptions::default();
        let r = ranked(vec![u("甲", Some(50.0)), u("乙", None), u("丙", Some(70.0)), u("丁", Some(50.0))], Better::Higher, &opts);
        let got: Vec<(&str, Option<usize>)> = r.iter().map(|x| (x.unit.as_str(), x.rank)).collect();
        assert_eq!(got, [("丙", Some(1)), ("丁", Some(2)), ("甲", Some(2)), ("乙", None)]);
        let r = ranked(vec![u("甲", Some(50.0)), u("丙", Some(70.0))], Better::Lower, &opts);
        assert_eq!(r[0].unit, "甲");
    }

    /// The simulated rank interval of two units follows the normal distribution of their
    /// difference: a gap of 1 standard error leaves the order open (P(swap) = 15.9%), a gap
    /// of 2.5 settles it (P(swap) = 0.6% < 2.5%).
    #[test]
    fn rank_intervals_follow_the_sampling_distribution() {
        let two = |gap: f64| rank_intervals(2, Better::Higher, |rng| vec![gap + rng.normal(), rng.normal()]);
        assert_eq!(two(1.0 * 2f64.sqrt()), vec![(1, 2), (1, 2)]);
        assert_eq!(two(2.5 * 2f64.sqrt()), vec![(1, 1), (2, 2)]);
        // Lower is better: the same gap reverses the order.
        let low = rank_intervals(2, Better::Lower, |rng| vec![10.0 + 0.1 * rng.normal(), 0.1 * rng.normal()]);
        assert_eq!(low, vec![(2, 2), (1, 1)]);
    }

    /// A unit joining moves nobody's rank change: ranks are compared among units ranked in
    /// both waves (甲 improves and stays first among the two; 丙 joins at the top).
    #[test]
    fn rank_changes_ignore_units_that_joined() {
        let opts = StatsOptions::default();
        let wave = |w: &str, units: Vec<UnitValue>| LeagueWave {
            wave: w.into(),
            overall: u("总体", Some(50.0)),
            units: ranked(units, Better::Higher, &opts),
        };
        let a = wave("2025", vec![u("甲", Some(60.0)), u("乙", Some(50.0))]);
        let b = wave("2026", vec![u("甲", Some(65.6)), u("乙", Some(52.0)), u("丙", Some(80.0))]);
        assert_eq!(b.units.iter().find(|x| x.unit == "甲").unwrap().rank, Some(2));
        let l = League {
            id: "x".into(),
            name: "x".into(),
            percent: true,
            is_index: false,
            better: Better::Higher,
            definition: String::new(),
            waves: vec![a, b],
            changes: vec![],
            influence: vec![],
        };
        let ch = unit_changes(&l, &opts);
        let of = |n: &str| ch.iter().find(|c| c.unit == n).and_then(|c| c.rank_change);
        assert_eq!((of("甲"), of("乙"), of("丙")), (Some(0), Some(0), None));
    }

    /// Units below --min-base are listed after the ranked ones, in the roster's order.
    #[test]
    fn small_units_are_listed_not_ranked() {
        let opts = StatsOptions { unit_order: vec!["乙".into(), "甲".into(), "丙".into()], ..Default::default() };
        let small = |n: &str, v: f64| UnitValue { base: 12, n_eff: 12.0, ..u(n, Some(v)) };
        let r = ranked(vec![small("甲", 90.0), u("丙", Some(40.0)), small("乙", 95.0)], Better::Higher, &opts);
        let got: Vec<(&str, Option<usize>)> = r.iter().map(|x| (x.unit.as_str(), x.rank)).collect();
        assert_eq!(got, [("丙", Some(1)), ("乙", None), ("甲", None)]);
    }

    /// Standardised index parts, checked by hand: parts (10, 20, 30) and (50, 50, 80) with
    /// weights 1 and 1. z: part 1 → (−1, 0, 1); part 2 → mean 60, sd √300 → (−0.577, −0.577,
    /// 1.155); min–max: (0, 50, 100) and (0, 0, 100). Influences sum to 1.
    #[test]
    fn index_parts_standardised_and_their_influence() {
        let xs = vec![vec![Some(10.0), Some(20.0), Some(30.0)], vec![Some(50.0), Some(50.0), Some(80.0)]];
        let xo = vec![Some(20.0), Some(60.0)];
        let (z, zo, inf) = combine(&xs, &xo, &[1.0, 1.0], Standardise::Z);
        let s = 300f64.sqrt();
        let want = [(-1.0 - 10.0 / s) / 2.0, (0.0 - 10.0 / s) / 2.0, (1.0 + 20.0 / s) / 2.0];
        for (g, w) in z.iter().zip(want) {
            assert!((g.unwrap() - w).abs() < 1e-12, "{g:?} {w}");
        }
        assert!(zo.unwrap().abs() < 1e-12);
        assert!((inf.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let (m, _, _) = combine(&xs, &xo, &[1.0, 1.0], Standardise::Minmax);
        assert_eq!(m, vec![Some(0.0), Some(25.0), Some(100.0)]);
        // Unstandardised, the wider part dominates: part 2 (spread 30) against part 1 (20).
        let (_, _, raw) = combine(&xs, &xo, &[1.0, 1.0], Standardise::None);
        assert!(raw[1] > raw[0] && (raw.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{raw:?}");
    }
}
