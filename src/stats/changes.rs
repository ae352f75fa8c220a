//! Changes between waves (years): for every share and every mean, overall and per banner
//! group, the value in each wave, the change (percentage points for shares, points for
//! means) and a test of it — the pooled two-proportion z-test for shares (as the column
//! letters), Welch's t-test for means — on effective bases when weighted, and no test
//! when either base is below the minimum. Pairs: consecutive waves, and first → last when
//! there are three or more (or the pair asked for). Questions, options and groups that
//! one of the two waves lacks are listed as not comparable, with the reason, and never
//! compared.

use crate::survey::{Kind, Survey};

use super::inference::{two_proportion_z, welch};
use super::model::{Breakdown, Measure, Results, Scope, Table};

/// Which test a change got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeTest {
    /// Pooled two-proportion z-test (shares).
    Z,
    /// Welch's t-test (means).
    Welch,
    /// With a `[design]`: the Wald z of the change on the two waves' design standard
    /// errors, (b − a)/√(se_a² + se_b²) (the waves are independent samples).
    DesignZ,
}

impl ChangeTest {
    pub fn name(self) -> &'static str {
        match self {
            ChangeTest::Z => "z",
            ChangeTest::Welch => "welch",
            ChangeTest::DesignZ => "design-z",
        }
    }
}

/// The direction of a significant change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::Up => "↑",
            Direction::Down => "↓",
        }
    }
}

/// One figure in two waves.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub question: String,
    pub text: String,
    pub kind: Kind,
    pub breakdown: Breakdown,
    /// The group (banner column), or `总体`.
    pub group: String,
    pub option: String,
    pub measure: Measure,
    pub from: String,
    pub to: String,
    pub value_from: Option<f64>,
    pub value_to: Option<f64>,
    /// `value_to − value_from` (percentage points for shares).
    pub change: Option<f64>,
    pub base_from: usize,
    pub base_to: usize,
    /// The test run, its statistic (z or t of to − from) and two-sided p.
    pub test: Option<(ChangeTest, f64, f64)>,
    /// p adjusted over the tests of the pair of waves (`StatsOptions::changes_adjust`).
    pub p_adjusted: Option<f64>,
    /// Set when the adjusted p < α.
    pub sig: Option<Direction>,
    /// Overall figures with a unit banner: the change like for like (同口径), see [`LikeForLike`].
    pub like: Option<LikeForLike>,
}

/// An overall change over the units present in both waves (同口径): the figure of those
/// units' respondents together (Σ value·Σw ÷ Σw over the units, the overall figure without
/// the units that joined or left), and with each of them weighted equally (the plain mean of
/// the units' figures, which unit sizes do not move).
#[derive(Debug, Clone, PartialEq)]
pub struct LikeForLike {
    /// Units in both waves (with a figure in both).
    pub units: usize,
    /// Units with a figure in only one of the two waves.
    pub others: usize,
    pub same_units: f64,
    pub equal_units: f64,
    /// A significant overall change that a like-for-like change does not bear out (over the
    /// same units, or with them weighted equally, it goes the other way or less than half as
    /// far): who took part, or how many of each unit, made most of it.
    pub composition: bool,
}

/// A question, option or group that cannot be compared between two waves.
#[derive(Debug, Clone, PartialEq)]
pub struct NotComparable {
    pub question: String,
    /// The option (or group) concerned; empty for the whole question.
    pub what: String,
    pub from: String,
    pub to: String,
    pub reason: String,
}

/// Every change of a report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    pub pairs: Vec<(String, String)>,
    pub rows: Vec<Change>,
    pub not_comparable: Vec<NotComparable>,
}

/// What one pair of waves' comparison amounts to: figures compared, tests made (one
/// family for the adjustment), significant rises and falls after it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PairCount {
    pub figures: usize,
    pub tested: usize,
    pub up: usize,
    pub down: usize,
    /// Significant overall changes flagged as made by who took part ([`LikeForLike`]).
    pub composition: usize,
}

impl Changes {
    /// The counts of the pair `from` → `to`, as the terminal, workbook and report say them.
    pub fn count(&self, from: &str, to: &str) -> PairCount {
        let mut n = PairCount::default();
        for c in self.rows.iter().filter(|c| c.from == from && c.to == to) {
            n.figures += 1;
            n.tested += usize::from(c.test.is_some());
            n.up += usize::from(c.sig == Some(Direction::Up));
            n.down += usize::from(c.sig == Some(Direction::Down));
            n.composition += usize::from(c.like.as_ref().is_some_and(|l| l.composition));
        }
        n
    }
}

/// The pairs of waves to compare: consecutive ones, and first → last when there are
/// three or more. Waves are in order; unnamed waves (empty) take no part.
pub fn default_pairs(waves: &[String]) -> Vec<(String, String)> {
    let w: Vec<&String> = waves.iter().filter(|w| !w.is_empty()).collect();
    let mut out: Vec<(String, String)> = w.windows(2).map(|p| (p[0].clone(), p[1].clone())).collect();
    if w.len() >= 3 {
        out.push((w[0].clone(), w[w.len() - 1].clone()));
    }
    out
}

/// Measures compared: shares of people (not of selections, whose base is not a number of
/// people) and means.
fn compared(m: Measure) -> bool {
    matches!(m, Measure::Percent | Measure::Top2 | Measure::Bottom2 | Measure::FirstShare | Measure::Mean)
}

/// One figure in one wave, as a test of its change needs it.
pub(crate) struct Point {
    /// A share in 0–100, or a mean.
    pub value: Option<f64>,
    pub n_eff: f64,
    /// The sd of a mean (None for a share).
    pub sd: Option<f64>,
    /// The design standard error (with a `[design]`).
    pub se: Option<f64>,
}

/// The test of the change `from` → `to` (z for shares, Welch for means; none when
/// `small`) and its direction when p < α.
pub(crate) fn test_change(
    mean: bool,
    from: &Point,
    to: &Point,
    small: bool,
    alpha: f64,
) -> (Option<(ChangeTest, f64, f64)>, Option<Direction>) {
    let (Some(va), Some(vb)) = (from.value, to.value) else { return (None, None) };
    if small {
        return (None, None);
    }
    let test = if let (Some(sa), Some(sb)) = (from.se, to.se) {
        let var = sa * sa + sb * sb;
        super::inference::positive(var).then(|| {
            let z = (vb - va) / var.sqrt();
            (ChangeTest::DesignZ, z, super::design::wald_p(z))
        })
    } else if mean {
        match (from.sd, to.sd) {
            (Some(sa), Some(sb)) => welch(vb, sb, to.n_eff, va, sa, from.n_eff).map(|(t, _, p)| (ChangeTest::Welch, t, p)),
            _ => None,
        }
    } else {
        two_proportion_z(vb / 100.0, to.n_eff, va / 100.0, from.n_eff).map(|(z, p)| (ChangeTest::Z, z, p))
    };
    let d = vb - va;
    let sig = match test {
        Some((_, _, p)) if p < alpha && d != 0.0 => Some(if d > 0.0 { Direction::Up } else { Direction::Down }),
        _ => None,
    };
    (test, sig)
}

/// Changes for every pair, over the tables of `r` (which must hold each wave's tables).
pub fn changes(r: &Results, survey: &Survey, pairs: &[(String, String)]) -> Changes {
    let mut out = Changes { pairs: pairs.to_vec(), ..Changes::default() };
    for (from, to) in pairs {
        for q in &survey.questions {
            // Asked in both waves?
            if let Some(w) = [from, to].into_iter().find(|w| !q.asked_in(w)) {
                out.not_comparable.push(NotComparable {
                    question: q.id.clone(),
                    what: String::new(),
                    from: from.clone(),
                    to: to.clone(),
                    reason: format!("{w}年没有调查这道题"),
                });
                continue;
            }
            let missing: Vec<(&str, &String)> =
                [from, to].into_iter().flat_map(|w| q.missing_in(w).into_iter().map(move |o| (o, w))).collect();
            for (o, w) in &missing {
                out.not_comparable.push(NotComparable {
                    question: q.id.clone(),
                    what: o.to_string(),
                    from: from.clone(),
                    to: to.clone(),
                    reason: format!("{w}年的问卷中没有这个选项"),
                });
            }
            let of = |wave: &String| -> Vec<&Table> {
                r.tables.iter().filter(|t| t.question_id() == q.id && t.scope == Scope::Wave(wave.clone())).collect()
            };
            let (a, b) = (of(from), of(to));
            for ta in &a {
                let Some(tb) = b.iter().find(|t| t.question == ta.question && t.breakdown == ta.breakdown) else { continue };
                pair(ta, tb, from, to, &missing, r, &mut out);
            }
        }
    }
    let adjusted = super::adjust::by_family(
        out.rows.len(),
        |i| out.rows[i].test.map(|t| ((out.rows[i].from.clone(), out.rows[i].to.clone()), t.2)),
        r.options.changes_adjust,
    );
    for (c, q) in out.rows.iter_mut().zip(adjusted) {
        c.p_adjusted = q;
        c.sig = direction(c.change, q, r.options.alpha);
    }
    for c in out.rows.iter_mut().filter(|c| c.breakdown.is_overall()) {
        c.like = like_for_like(r, c);
    }
    out
}

/// The like-for-like change of an overall change, from the unit tables of both waves (none
/// without a unit banner, or for measures whose base is not the column's: rank shares).
fn like_for_like(r: &Results, c: &Change) -> Option<LikeForLike> {
    if !matches!(c.measure, Measure::Percent | Measure::Top2 | Measure::Bottom2 | Measure::Mean) {
        return None;
    }
    let unit_table = |wave: &str| {
        r.tables.iter().find(|t| {
            t.question == c.question && t.scope == Scope::Wave(wave.to_string()) && t.breakdown == Breakdown::By(super::Banner::Unit)
        })
    };
    let (a, b) = (unit_table(&c.from)?, unit_table(&c.to)?);
    let (ra, rb) = (a.row(&c.option, c.measure)?, b.row(&c.option, c.measure)?);
    // (value, Σw) of each unit with a figure, by name.
    let units = |t: &Table, row: &super::model::Row| -> Vec<(String, f64, f64)> {
        (1..t.columns.len()).filter_map(|k| Some((t.columns[k].clone(), row.cells[k].value?, t.weighted_bases[k]))).collect()
    };
    let (ua, ub) = (units(a, ra), units(b, rb));
    // (value, Σw) in the first wave and in the second, of every unit in both.
    let both: Vec<[f64; 4]> = ua.iter().filter_map(|x| ub.iter().find(|y| y.0 == x.0).map(|y| [x.1, x.2, y.1, y.2])).collect();
    if both.is_empty() {
        return None;
    }
    let pooled = |v: usize, w: usize| {
        let (s, t) = both.iter().fold((0.0, 0.0), |(s, t), u| (s + u[v] * u[w], t + u[w]));
        s / t
    };
    let mean = |v: usize| both.iter().map(|u| u[v]).sum::<f64>() / both.len() as f64;
    let same_units = pooled(2, 3) - pooled(0, 1);
    let equal_units = mean(2) - mean(0);
    let overall = c.change?;
    // Borne out: the same direction, at least half as far.
    let borne = |d: f64| d.signum() == overall.signum() && d.abs() >= overall.abs() / 2.0;
    let composition = c.sig.is_some() && !(borne(same_units) && borne(equal_units));
    Some(LikeForLike { units: both.len(), others: ua.len() + ub.len() - 2 * both.len(), same_units, equal_units, composition })
}

/// The direction of a change whose (adjusted) p is below α.
pub(crate) fn direction(change: Option<f64>, p: Option<f64>, alpha: f64) -> Option<Direction> {
    match (change, p) {
        (Some(d), Some(p)) if p < alpha && d != 0.0 => Some(if d > 0.0 { Direction::Up } else { Direction::Down }),
        _ => None,
    }
}

/// The changes between the same table in two waves.
fn pair(a: &Table, b: &Table, from: &str, to: &str, missing: &[(&str, &String)], r: &Results, out: &mut Changes) {
    let opts = &r.options;
    let overall = a.breakdown.is_overall();
    // Columns by group label: the whole sample, or each banner group (not the total).
    let groups: Vec<(usize, Option<usize>)> = if overall {
        vec![(0, Some(0))]
    } else {
        (1..a.columns.len()).map(|c| (c, b.columns.iter().skip(1).position(|g| *g == a.columns[c]).map(|k| k + 1))).collect()
    };
    if !overall {
        for (c, other) in &groups {
            if other.is_none() && a.bases[*c] > 0 {
                out.not_comparable.push(NotComparable {
                    question: a.question.clone(),
                    what: a.columns[*c].clone(),
                    from: from.into(),
                    to: to.into(),
                    reason: format!("{to}年没有“{}”这个分组", a.columns[*c]),
                });
            }
        }
        for (k, g) in b.columns.iter().enumerate().skip(1) {
            if !a.columns.iter().skip(1).any(|x| x == g) && b.bases[k] > 0 {
                out.not_comparable.push(NotComparable {
                    question: a.question.clone(),
                    what: g.clone(),
                    from: from.into(),
                    to: to.into(),
                    reason: format!("{from}年没有“{g}”这个分组"),
                });
            }
        }
    }
    for ra in a.rows.iter().filter(|x| compared(x.measure)) {
        if missing.iter().any(|(o, _)| *o == ra.option) {
            continue;
        }
        let Some(rb) = b.row(&ra.option, ra.measure) else { continue };
        for &(ca, cb) in &groups {
            let Some(cb) = cb else { continue };
            let (x, y) = (&ra.cells[ca], &rb.cells[cb]);
            let (na, nb) = (a.effective_bases[ca], b.effective_bases[cb]);
            // Effective bases (the bases when unweighted) decide whether a change is tested.
            let small = na < opts.min_base || nb < opts.min_base;
            let sd = |t: &Table, c: usize| t.row("", Measure::Sd).and_then(|s| s.cells[c].value);
            let mean = ra.measure == Measure::Mean;
            let se = |c: &super::model::Cell| c.design.map(|d| d.se);
            let pa = Point { value: x.value, n_eff: na, sd: if mean { sd(a, ca) } else { None }, se: se(x) };
            let pb = Point { value: y.value, n_eff: nb, sd: if mean { sd(b, cb) } else { None }, se: se(y) };
            let (test, sig) = test_change(mean, &pa, &pb, small, opts.alpha);
            let change = match (x.value, y.value) {
                (Some(va), Some(vb)) => Some(vb - va),
                _ => None,
            };
            out.rows.push(Change {
                question: a.question.clone(),
                text: a.text.clone(),
                kind: a.kind,
                breakdown: a.breakdown.clone(),
                group: a.columns[ca].clone(),
                option: ra.option.clone(),
                measure: ra.measure,
                from: from.into(),
                to: to.into(),
                value_from: x.value,
                value_to: y.value,
                change,
                base_from: a.bases[ca],
                base_to: b.bases[cb],
                test,
                p_adjusted: None,
                sig,
                like: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_consecutive_then_first_to_last() {
        let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(default_pairs(&w(&["2025"])), vec![]);
        assert_eq!(default_pairs(&w(&["2025", "2026"])), vec![("2025".into(), "2026".into())]);
        assert_eq!(
            default_pairs(&w(&["2024", "2025", "2026"])),
            vec![("2024".into(), "2025".into()), ("2025".into(), "2026".into()), ("2024".into(), "2026".into())]
        );
        assert_eq!(default_pairs(&w(&["", "2025"])), vec![]);
    }
}
