//! Design-based statistics for a survey with a `[design]` (docs/DESIGN.md §4): weights,
//! strata and clusters (primary sampling units) as R `survey`'s `svydesign(ids, strata,
//! weights)` with its default with-replacement (ultimate cluster) variance.
//!
//! Every figure is a ratio R = Y / X of two weighted totals (a share: the weight choosing
//! an option over the weight answering; a mean: Σw·x over Σw). Its Taylor-linearised
//! variance (Woodruff 1971; `svyrecvar`) is
//!   V(R) = Σ_h n_h/(n_h − 1) · Σ_c (z_hc − z̄_h)²,   z_hc = (Y_hc − R·X_hc) / X,
//! over the strata h and the n_h primary sampling units c of each (every respondent is one
//! when there are no clusters); a unit without respondents in the table has z = 0 but counts
//! in n_h (domain estimation); a stratum with one unit adds nothing (`lonely.psu =
//! "certainty"`). Covariances are the same sums of products.
//!
//! Sums are kept per part of the design so that tables stay mergeable over batches:
//! clustered, one tally per (stratum, cluster), whose products are taken at the end;
//! otherwise per stratum the tally with weights w and the tally with weights w² — every
//! product a respondent-level variance needs is a total of the w² tally, because one
//! respondent falls in one option of a single choice.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use statrs::distribution::{ContinuousCDF, FisherSnedecor, StudentsT};

use super::model::{CellDesign, Measure, Row};
use super::table::{Acc, Shape, Sums, TableJob, Tally};

/// Each row's place in the design: its stratum, and its cluster when the design has
/// clusters (otherwise every respondent is its own unit), and its weight squared.
pub(crate) struct RowDesign {
    pub stratum: Vec<u32>,
    pub psu: Option<Vec<u32>>,
    pub w2: Vec<f64>,
}

/// One table's sums per part of the design: clustered, key (stratum, cluster); otherwise
/// (stratum, 0) with weights w and (stratum, 1) with weights w².
#[derive(Clone)]
pub(crate) struct DesignSums {
    pub clustered: bool,
    pub parts: BTreeMap<(u32, u32), Tally>,
}

/// The design over the whole data: clusters per stratum (respondents when unclustered),
/// counted over every respondent of the wave, whatever a table's question or filter.
pub(crate) struct DesignInfo {
    pub n_h: FxHashMap<u32, f64>,
    /// With `fpc = "roster"`: the population of units of a stratum (the roster's expected
    /// questionnaires of a unit that is a stratum, or the roster's units when units are
    /// the clusters); the stratum's variance is multiplied by 1 − nₕ/Nₕ.
    pub pop: FxHashMap<u32, f64>,
}

impl RowDesign {
    /// The design sums of one table's rows (choice, multi and number tables only).
    pub fn tally(&self, job: &TableJob) -> DesignSums {
        let mut groups: BTreeMap<(u32, u32), Vec<usize>> = BTreeMap::new();
        for &i in job.rows {
            let key = match &self.psu {
                Some(p) => (self.stratum[i], p[i]),
                None => (self.stratum[i], 0),
            };
            groups.entry(key).or_default().push(i);
        }
        let mut parts = BTreeMap::new();
        for (key, rows) in groups {
            let tally = |w: &[f64]| {
                let mut t = TableJob { rows: &rows, w, unit: job.unit && std::ptr::eq(w, job.w), design: None, ..*job }.tally();
                t.keep_nonempty();
                t
            };
            parts.insert(key, tally(job.w));
            if self.psu.is_none() {
                parts.insert((key.0, 1), tally(&self.w2));
            }
        }
        DesignSums { clustered: self.psu.is_some(), parts }
    }
}

impl DesignSums {
    pub fn merge(&mut self, o: DesignSums) {
        for (k, t) in o.parts {
            match self.parts.entry(k) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(t);
                }
                std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().merge(t),
            }
        }
    }
    /// Every part's columns made `labels` (the table's, once all rows are in).
    pub fn align(&mut self, labels: &[String]) {
        self.parts.values_mut().for_each(|t| t.align(labels));
    }
}

/// What a total is made of, in one column.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum What {
    /// The weight choosing option o.
    Count(usize),
    /// The weight answering.
    Base,
    /// Σ w·score (choice) or Σ w·value (number).
    Score,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Slot {
    pub what: What,
    pub col: usize,
}

/// One estimate: (Σ of the `y` slots) / `x`, with its value and its denominator's total.
#[derive(Clone, Debug)]
pub(crate) struct Est {
    pub y: Vec<Slot>,
    pub x: Slot,
    pub r: f64,
    pub xt: f64,
}

/// A slot's total in a tally (NaN for a slot the tally's kind does not have).
fn value(t: &Tally, s: Slot) -> f64 {
    match (s.what, &t.sums) {
        (What::Base, _) => t.bases[s.col].w,
        (What::Count(o), Sums::Choice { counts, .. }) | (What::Count(o), Sums::Multi { counts, .. }) => counts[o][s.col],
        (What::Score, Sums::Choice { sum, .. }) => sum[s.col],
        (What::Score, Sums::Number { vals }) => vals[s.col].iter().map(|(v, w)| v * w).sum(),
        _ => f64::NAN,
    }
}

/// Σ over respondents of the product of two slots' per-respondent values, read from the
/// tally with weights w² (`t2`): a respondent is in column 0 of a crosstab and in its
/// group's column, in one option of a single choice.
fn product(t2: &Tally, a: Slot, b: Slot, scores: &[f64], crosstab: bool) -> f64 {
    let col = if a.col == b.col {
        a.col
    } else if crosstab && a.col == 0 {
        b.col
    } else if crosstab && b.col == 0 {
        a.col
    } else {
        return 0.0;
    };
    let choice = matches!(t2.sums, Sums::Choice { .. });
    let at = |what| value(t2, Slot { what, col });
    match (a.what, b.what) {
        (What::Base, What::Base) => at(What::Base),
        (What::Count(o), What::Base) | (What::Base, What::Count(o)) => at(What::Count(o)),
        (What::Count(o), What::Count(p)) if o == p => at(What::Count(o)),
        (What::Count(_), What::Count(_)) if choice => 0.0,
        (What::Score, What::Base) | (What::Base, What::Score) => at(What::Score),
        (What::Score, What::Score) => match &t2.sums {
            Sums::Choice { sum2, .. } => sum2[col],
            Sums::Number { vals } => vals[col].iter().map(|(v, w)| v * v * w).sum(),
            _ => f64::NAN,
        },
        (What::Count(o), What::Score) | (What::Score, What::Count(o)) if choice => scores[o] * at(What::Count(o)),
        _ => f64::NAN,
    }
}

impl Est {
    /// The estimate `y / x` over the whole table `t`.
    pub fn new(t: &Tally, y: Vec<Slot>, x: Slot) -> Est {
        let xt = value(t, x);
        let yt: f64 = y.iter().map(|s| value(t, *s)).sum();
        Est { y, x, r: yt / xt, xt }
    }
    /// z of one part of the design: (Y − R·X) / X.
    fn z(&self, part: &Tally) -> f64 {
        let y: f64 = self.y.iter().map(|s| value(part, *s)).sum();
        (y - self.r * value(part, self.x)) / self.xt
    }
    /// Σ over respondents of z_e·z_f within a stratum whose w² tally is `t2`.
    fn zz(&self, f: &Est, t2: &Tally, scores: &[f64], crosstab: bool) -> f64 {
        let p = |a: &[Slot], b: &[Slot]| -> f64 {
            a.iter().flat_map(|sa| b.iter().map(move |sb| (*sa, *sb))).map(|(sa, sb)| product(t2, sa, sb, scores, crosstab)).sum()
        };
        let (ye, xe, yf, xf) = (&self.y[..], std::slice::from_ref(&self.x), &f.y[..], std::slice::from_ref(&f.x));
        (p(ye, yf) - f.r * p(ye, xf) - self.r * p(xe, yf) + self.r * f.r * p(xe, xf)) / (self.xt * f.xt)
    }
}

/// The estimates a part of the design touches: those whose denominator's column has
/// respondents there (every other estimate's z is 0 in it).
fn active(t: &Tally, ests: &[Est]) -> Vec<usize> {
    (0..ests.len()).filter(|&e| t.bases.get(ests[e].x.col).is_some_and(|b| b.n > 0)).collect()
}

/// The design covariance matrix of the estimates (docs/DESIGN.md §4). Strata are taken one
/// at a time (the parts are ordered by stratum), and within one only the estimates its parts
/// touch, so that a design of many strata or clusters costs what its data hold.
pub(crate) fn covariance(ds: &DesignSums, info: &DesignInfo, ests: &[Est], scores: &[f64], crosstab: bool) -> Vec<Vec<f64>> {
    let k = ests.len();
    let mut v = vec![vec![0.0; k]; k];
    let parts: Vec<(&(u32, u32), &Tally)> = ds.parts.iter().collect();
    let simple = parts.first().is_some_and(|(_, t)| cells(t, ests));
    for stratum in parts.chunk_by(|a, b| a.0 .0 == b.0 .0) {
        let h = stratum[0].0 .0;
        let n = info.n_h.get(&h).copied().unwrap_or(0.0);
        if n < 2.0 {
            continue;
        }
        let f = info.pop.get(&h).map_or(0.0, |&big| (n / big).min(1.0));
        let g = n / (n - 1.0) * (1.0 - f);
        let (u, sz, szz) = stratum_sums((ds.clustered, simple), stratum, ests, scores, crosstab);
        let m = u.len();
        for a in 0..m {
            for b in 0..m {
                v[u[a]][u[b]] += g * (szz[a * m + b] - sz[a] * sz[b] / n);
            }
        }
    }
    v
}

/// Whether the estimates are distinct cells of a single-choice table over one common total
/// (each y one option in one column, one x).
fn cells(t: &Tally, ests: &[Est]) -> bool {
    let distinct = {
        let mut ys: Vec<(usize, usize)> = ests
            .iter()
            .filter_map(|e| match e.y[..] {
                [Slot { what: What::Count(o), col }] => Some((o, col)),
                _ => None,
            })
            .collect();
        let n = ys.len();
        ys.sort_unstable();
        ys.dedup();
        n == ests.len() && ys.len() == n
    };
    matches!(t.sums, Sums::Choice { .. }) && !ests.is_empty() && ests.iter().all(|e| e.x == ests[0].x) && distinct
}

/// One stratum's Σ z and Σ z zᵀ over its units, on the estimates its parts touch (`u`;
/// `szz` row-major over them).
fn stratum_sums(
    (clustered, simple): (bool, bool),
    stratum: &[(&(u32, u32), &Tally)],
    ests: &[Est],
    scores: &[f64],
    crosstab: bool,
) -> (Vec<usize>, Vec<f64>, Vec<f64>) {
    let mut u: Vec<usize> = stratum.iter().flat_map(|(_, t)| active(t, ests)).collect();
    u.sort_unstable();
    u.dedup();
    let m = u.len();
    let mut at = vec![usize::MAX; ests.len()];
    u.iter().enumerate().for_each(|(i, &e)| at[e] = i);
    let (mut sz, mut szz) = (vec![0.0; m], vec![0.0; m * m]);
    for (&(_, part), t) in stratum {
        let act = active(t, ests);
        if clustered || part == 0 {
            let z: Vec<f64> = act.iter().map(|&e| ests[e].z(t)).collect();
            for (x, &e) in act.iter().enumerate() {
                sz[at[e]] += z[x];
                if clustered {
                    for (y, &f) in act.iter().enumerate() {
                        szz[at[e] * m + at[f]] += z[x] * z[y];
                    }
                }
            }
        } else if simple {
            // Distinct cells of a single choice over one total (Rao–Scott): Σ wᵢ² products
            // are qₐ on the diagonal and against the total, Q for the total with itself.
            let q: Vec<f64> = act.iter().map(|&e| value(t, ests[e].y[0])).collect();
            let (big, xt) = (value(t, ests[0].x), ests[0].xt);
            for (i, &e) in act.iter().enumerate() {
                for (j, &f) in act.iter().enumerate() {
                    let (re, rf) = (ests[e].r, ests[f].r);
                    let same = if i == j { q[i] } else { 0.0 };
                    szz[at[e] * m + at[f]] += (same - rf * q[i] - re * q[j] + re * rf * big) / (xt * xt);
                }
            }
        } else {
            for &e in &act {
                for &f in &act {
                    szz[at[e] * m + at[f]] += ests[e].zz(&ests[f], t, scores, crosstab);
                }
            }
        }
    }
    (u, sz, szz)
}

/// Clusters and strata with respondents in column `c` (respondents when unclustered).
fn units_in(ds: &DesignSums, c: usize) -> (f64, f64) {
    let mut strata = std::collections::BTreeSet::new();
    let mut units = 0.0;
    for (&(h, part), t) in &ds.parts {
        let n = t.bases.get(c).map_or(0, |b| b.n);
        if n == 0 || (!ds.clustered && part == 1) {
            continue;
        }
        strata.insert(h);
        units += if ds.clustered { 1.0 } else { n as f64 };
    }
    (units, strata.len() as f64)
}

/// Whether every group with respondents lies in one cluster (a banner by the clusters).
pub(crate) fn groups_are_clusters(ds: &DesignSums, t: &Tally) -> bool {
    ds.clustered && (1..t.labels.len()).filter(|&c| t.bases[c].n > 0).all(|c| units_in(ds, c).0 == 1.0)
}

/// The estimates of a row of a table, one per column, if the design covers its measure.
fn row_ests(sh: &Shape, t: &Tally, row: &Row) -> Option<Vec<Est>> {
    let q = sh.q;
    let opt = |text: &str| q.options.iter().position(|o| o.text() == text);
    let boxes = |top: bool| {
        let mut order: Vec<usize> = (0..q.options.len()).collect();
        order.sort_by(|a, b| q.score(*a).total_cmp(&q.score(*b)));
        if top {
            order.reverse();
        }
        order.into_iter().take(2).map(What::Count).collect::<Vec<_>>()
    };
    let ys: Vec<What> = match (row.measure, &t.sums) {
        (Measure::Percent, Sums::Choice { .. } | Sums::Multi { .. }) => vec![What::Count(opt(&row.option)?)],
        (Measure::Top2, Sums::Choice { .. }) => boxes(true),
        (Measure::Bottom2, Sums::Choice { .. }) => boxes(false),
        (Measure::Mean, Sums::Choice { .. } | Sums::Number { .. }) => vec![What::Score],
        _ => return None,
    };
    let ests = (0..t.labels.len())
        .map(|col| Est::new(t, ys.iter().map(|&what| Slot { what, col }).collect(), Slot { what: What::Base, col }))
        .collect();
    Some(ests)
}

/// The SRS variance of a figure with n respondents (R's `deff = "replace"`): p(1 − p)/(n − 1)
/// for a share, s²/n for a mean (s² with the n/(n − 1) factor), from the table's sums.
fn srs_variance(t: &Tally, e: &Est, mean: bool) -> f64 {
    let b = &t.bases[e.x.col];
    let n = b.n as f64;
    if mean {
        let s2 = match &t.sums {
            Sums::Choice { sum2, .. } => sum2[e.x.col] / b.w,
            Sums::Number { vals } => vals[e.x.col].iter().map(|(v, w)| v * v * w).sum::<f64>() / b.w,
            _ => f64::NAN,
        };
        (s2 - e.r * e.r).max(0.0) * n / (n - 1.0) / n
    } else {
        e.r * (1.0 - e.r) / (n - 1.0)
    }
}

/// Design-based precision of every share and mean of a finished table: standard errors,
/// design effects and intervals in place of the Kish-base ones, and in a crosstab the column
/// letters from design-based Wald tests. Returns whether it applied (choice, multi, number).
pub(crate) fn apply(sh: &Shape, info: &DesignInfo, ds: &DesignSums, t: &Tally, acc: &mut Acc) -> bool {
    if !matches!(t.sums, Sums::Choice { .. } | Sums::Multi { .. } | Sums::Number { .. }) {
        return false;
    }
    let scores: Vec<f64> = (0..sh.q.options.len()).map(|o| sh.q.score(o)).collect();
    let k = t.labels.len();
    let units: Vec<(f64, f64)> = (0..k).map(|c| units_in(ds, c)).collect();
    let within: Vec<bool> = units.iter().map(|u| ds.clustered && u.0 == 1.0).collect();
    let dfs: Vec<f64> = units.iter().map(|(u, h)| u - h).collect();
    for row in acc.rows.iter_mut() {
        let Some(ests) = row_ests(sh, t, row) else { continue };
        let mean = row.measure == Measure::Mean;
        let mut v = covariance(ds, info, &ests, &scores, sh.crosstab());
        for c in 0..k {
            if within[c] {
                // One cluster: no variation between clusters to measure; the within-cluster
                // (Kish) variance stands in, uncorrelated with the other columns.
                let n_eff = t.bases[c].n_eff();
                let var = srs_variance(t, &ests[c], mean) * t.bases[c].n as f64 / n_eff;
                (0..k).for_each(|j| (v[c][j], v[j][c]) = (0.0, 0.0));
                v[c][c] = var;
            }
        }
        for (c, cell) in row.cells.iter_mut().enumerate() {
            let e = &ests[c];
            if cell.value.is_none() || !e.r.is_finite() || t.bases[c].n == 0 {
                continue;
            }
            let df = if within[c] { t.bases[c].n as f64 - 1.0 } else { dfs[c] };
            let var = v[c][c].max(0.0);
            let scale = if mean { 1.0 } else { 100.0 };
            let deff = var / srs_variance(t, e, mean);
            cell.design = Some(CellDesign { se: var.sqrt() * scale, deff, df, within: within[c] });
            cell.ci =
                if mean { mean_interval(e.r, var, df, sh.opts.conf) } else { share_interval(e.r, var, df, t.bases[c].n, sh.opts.conf) }
                    .map(|(l, h)| (l * scale, h * scale));
        }
        if sh.crosstab() {
            letters(sh, t, row, &ests, &v);
        }
    }
    true
}

/// Column letters from design-based Wald tests: z = (R_a − R_b)/√(V_a + V_b − 2C_ab),
/// two-sided normal p (as R's `svycontrast`), adjusted per row as the other letters.
fn letters(sh: &Shape, t: &Tally, row: &mut Row, ests: &[Est], v: &[Vec<f64>]) {
    if row.measure == Measure::PercentOfResponses {
        return;
    }
    let opts = sh.opts;
    let k = ests.len();
    let elig: Vec<bool> = (1..k).map(|c| t.bases[c].n_eff() >= opts.min_base && row.cells[c].value.is_some()).collect();
    let cols: Vec<usize> = (0..k - 1).filter(|&j| elig[j]).collect();
    let test = |i: usize, j: usize| {
        let (a, b) = (i + 1, j + 1);
        let var = v[a][a] + v[b][b] - 2.0 * v[a][b];
        let d = ests[a].r - ests[b].r;
        super::inference::positive(var).then(|| (d, wald_p(d / var.sqrt())))
    };
    let letters = super::inference::letters_of(k - 1, &cols, opts.alpha, opts.letters_adjust, test);
    for (cell, l) in row.cells[1..].iter_mut().zip(letters) {
        cell.sig = l;
    }
}

/// Two-sided normal p of a Wald statistic.
pub(crate) fn wald_p(z: f64) -> f64 {
    let n = statrs::distribution::Normal::new(0.0, 1.0).expect("standard normal");
    2.0 * n.sf(z.abs())
}

/// The t quantile for a two-sided interval at `conf` with `df` degrees of freedom (normal
/// beyond 1e7, and for df below 1, where t is undefined).
fn t_quantile(conf: f64, df: f64) -> f64 {
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) if (1.0..1e7).contains(&df) => t.inverse_cdf(1.0 - (1.0 - conf) / 2.0),
        _ => super::inference::z_for(conf),
    }
}

/// The logit interval of a share (R `svyciprop(method = "logit")`): logit(p) ± t·se/(p(1 − p)),
/// back-transformed. At 0 or 1 the logit is undefined and the design variance is 0: the
/// Clopper–Pearson interval on the unweighted base n, [0, 1 − (α/2)^(1/n)] (or its mirror).
pub(crate) fn share_interval(p: f64, var: f64, df: f64, n: usize, conf: f64) -> Option<(f64, f64)> {
    let a = (1.0 - conf) / 2.0;
    if n == 0 {
        return None;
    }
    if p <= 0.0 {
        return Some((0.0, 1.0 - a.powf(1.0 / n as f64)));
    }
    if p >= 1.0 {
        return Some((a.powf(1.0 / n as f64), 1.0));
    }
    let l = (p / (1.0 - p)).ln();
    let h = t_quantile(conf, df) * var.sqrt() / (p * (1.0 - p));
    let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
    Some((expit(l - h), expit(l + h)))
}

/// The interval of a mean: m ± t·se.
fn mean_interval(m: f64, var: f64, df: f64, conf: f64) -> Option<(f64, f64)> {
    let h = t_quantile(conf, df) * var.sqrt();
    h.is_finite().then_some((m - h, m + h))
}

/// The largest (r − 1)(c − 1) a Rao–Scott test is computed for (Δ is that square).
pub(crate) const RAO_SCOTT_MAX: usize = 300;

/// The Rao–Scott second-order corrected test of a crosstab's independence (R
/// `svychisq(statistic = "F")`; Rao & Scott 1984): on the table of the groups with
/// respondents and the options chosen, p the cell shares, V their design covariance,
/// N the respondents, C a basis of the interaction contrasts (the interaction columns of
/// the saturated model less their projection on the main effects),
///   Δ = (Cᵀ D⁻¹ C / N)⁻¹ (Cᵀ D⁻¹ V D⁻¹ C),  D = diag(p),
///   F = X² / tr Δ,  d₀ = (tr Δ)² / tr Δ²,  F ~ F(d₀, d₀·ν),
/// X² the Pearson statistic of the weighted table scaled to N, ν clusters − strata.
pub(crate) fn rao_scott(
    sh: &Shape,
    info: &DesignInfo,
    ds: &DesignSums,
    t: &Tally,
    counts: &[Vec<f64>],
) -> Result<super::inference::Independence, String> {
    let groups: Vec<usize> = (1..t.labels.len()).filter(|&c| t.bases[c].n > 0).collect();
    let rows: Vec<usize> = (0..counts.len()).filter(|&o| groups.iter().any(|&c| counts[o][c] > 0.0)).collect();
    let (r, c) = (rows.len(), groups.len());
    if r < 2 || c < 2 {
        return Err("按抽样设计的检验无法计算（表格退化）".to_string());
    }
    // Δ is a square matrix of (r − 1)(c − 1): its cost grows with the cube of that.
    if (r - 1) * (c - 1) > RAO_SCOTT_MAX {
        return Err(format!(
            "表格有 {r} 个选项 × {c} 个分组，超过按抽样设计检验的上限（(选项数−1)×(分组数−1) ≤ {RAO_SCOTT_MAX}），未做检验；可合并分组或选项后再检验"
        ));
    }
    // Cells with rows varying fastest (R's expand.grid), over the total of these groups.
    let cells: Vec<(usize, usize)> = groups.iter().flat_map(|&g| rows.iter().map(move |&o| (o, g))).collect();
    let total: f64 = cells.iter().map(|&(o, g)| counts[o][g]).sum();
    let x = Slot { what: What::Base, col: 0 };
    let mut ests: Vec<Est> = cells.iter().map(|&(o, g)| Est::new(t, vec![Slot { what: What::Count(o), col: g }], x)).collect();
    // The groups' total is the table's when every group with respondents is kept.
    ests.iter_mut().for_each(|e| (e.r, e.xt) = (e.r * e.xt / total, total));
    let scores: Vec<f64> = (0..sh.q.options.len()).map(|o| sh.q.score(o)).collect();
    let v = covariance(ds, info, &ests, &scores, true);
    let p: Vec<f64> = ests.iter().map(|e| e.r).collect();
    let n = t.bases[0].n as f64;
    let (x2, low) = pearson(&p, r, c, n);
    let cm = contrasts(r, c);
    let m = cm[0].len();
    let inv_p: Vec<f64> = p.iter().map(|&x| if x > 0.0 { 1.0 / x } else { 0.0 }).collect();
    // A = Cᵀ D⁻¹ C / N; B = (D⁻¹C)ᵀ V (D⁻¹C).
    let dc: Vec<Vec<f64>> = (0..p.len()).map(|i| cm[i].iter().map(|x| x * inv_p[i]).collect()).collect();
    let a: Vec<Vec<f64>> = (0..m).map(|j| (0..m).map(|l| (0..p.len()).map(|i| cm[i][j] * dc[i][l]).sum::<f64>() / n).collect()).collect();
    let vdc: Vec<Vec<f64>> = (0..p.len()).map(|i| (0..m).map(|l| (0..p.len()).map(|s| v[i][s] * dc[s][l]).sum()).collect()).collect();
    let b: Vec<Vec<f64>> = (0..m).map(|j| (0..m).map(|l| (0..p.len()).map(|i| dc[i][j] * vdc[i][l]).sum()).collect()).collect();
    let delta = solve(a, b).ok_or("按抽样设计的检验无法计算（设计矩阵奇异）")?;
    let tr: f64 = (0..m).map(|i| delta[i][i]).sum();
    let tr2: f64 = (0..m).map(|i| (0..m).map(|j| delta[i][j] * delta[j][i]).sum::<f64>()).sum();
    if !(tr > 0.0 && tr2 > 0.0) {
        return Err("按抽样设计的检验无法计算（设计方差为 0）".to_string());
    }
    let d0 = tr * tr / tr2;
    let (units, strata) = units_in(ds, 0);
    let ddf = d0 * (units - strata);
    let f = x2 / tr;
    let p_value = FisherSnedecor::new(d0, ddf).map(|d| d.sf(f)).unwrap_or(f64::NAN);
    let k = (r.min(c) - 1) as f64;
    Ok(super::inference::Independence {
        test: super::inference::TestKind::RaoScott,
        statistic: f,
        df: (r - 1) * (c - 1),
        p_value,
        cramers_v: (x2 / (n * k)).sqrt(),
        low_expected_share: low,
        exact: None,
        weighted: true,
        n,
        design: Some((d0, ddf)),
    })
}

/// The Pearson X² of cell shares `p` (rows fastest) scaled to `n`, and the share of
/// expected counts below 5.
fn pearson(p: &[f64], r: usize, c: usize, n: f64) -> (f64, f64) {
    let rs: Vec<f64> = (0..r).map(|i| (0..c).map(|j| p[j * r + i]).sum()).collect();
    let cs: Vec<f64> = (0..c).map(|j| (0..r).map(|i| p[j * r + i]).sum()).collect();
    let (mut x2, mut low) = (0.0, 0usize);
    for j in 0..c {
        for i in 0..r {
            let e = rs[i] * cs[j] * n;
            let o = p[j * r + i] * n;
            x2 += (o - e) * (o - e) / e;
            low += usize::from(e < 5.0);
        }
    }
    (x2, low as f64 / (r * c) as f64)
}

/// A basis of the interaction contrasts of an r×c table (cells rows fastest): the
/// interaction indicator columns less their least-squares projection on the main effects
/// (intercept, rows 2..r, columns 2..c), by Gram–Schmidt. Rows of the result are cells.
fn contrasts(r: usize, c: usize) -> Vec<Vec<f64>> {
    let cells = r * c;
    let col = |f: &dyn Fn(usize, usize) -> bool| -> Vec<f64> { (0..cells).map(|k| f(k % r, k / r) as u8 as f64).collect() };
    let mut main: Vec<Vec<f64>> = vec![vec![1.0; cells]];
    main.extend((1..r).map(|i| col(&|a, _| a == i)));
    main.extend((1..c).map(|j| col(&|_, b| b == j)));
    let mut basis: Vec<Vec<f64>> = Vec::new();
    for v in main {
        let mut u = v;
        for q in &basis {
            let d: f64 = u.iter().zip(q).map(|(a, b)| a * b).sum();
            u.iter_mut().zip(q).for_each(|(a, b)| *a -= d * b);
        }
        let norm = u.iter().map(|x| x * x).sum::<f64>().sqrt();
        u.iter_mut().for_each(|x| *x /= norm);
        basis.push(u);
    }
    let mut out: Vec<Vec<f64>> = Vec::new();
    for i in 1..r {
        for j in 1..c {
            let mut u = col(&|a, b| a == i && b == j);
            for q in &basis {
                let d: f64 = u.iter().zip(q).map(|(a, b)| a * b).sum();
                u.iter_mut().zip(q).for_each(|(a, b)| *a -= d * b);
            }
            out.push(u);
        }
    }
    (0..cells).map(|k| out.iter().map(|u| u[k]).collect()).collect()
}

/// A⁻¹B by Gauss–Jordan elimination with partial pivoting; `None` when A is singular.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let m = a.len();
    let scale = a.iter().flatten().fold(0.0f64, |s, x| s.max(x.abs()));
    for i in 0..m {
        let p = (i..m).max_by(|&x, &y| a[x][i].abs().total_cmp(&a[y][i].abs()))?;
        if a[p][i].abs() <= scale * 1e-12 {
            return None;
        }
        a.swap(i, p);
        b.swap(i, p);
        let d = a[i][i];
        a[i].iter_mut().for_each(|x| *x /= d);
        b[i].iter_mut().for_each(|x| *x /= d);
        for r in 0..m {
            if r != i && a[r][i] != 0.0 {
                let f = a[r][i];
                let (ai, bi) = (a[i].clone(), b[i].clone());
                a[r].iter_mut().zip(&ai).for_each(|(x, y)| *x -= f * y);
                b[r].iter_mut().zip(&bi).for_each(|(x, y)| *x -= f * y);
            }
        }
    }
    Some(b)
}

/// The design's keys over every batch: strata and clusters as numbers for (wave, value) —
/// each wave is a sample of its own, its clusters nested in its strata — and the units
/// per stratum.
/// Every row's stratum key, and cluster key when the design has clusters.
pub(crate) type Keys = (Vec<u32>, Option<Vec<u32>>);

pub(crate) struct DesignState<'a> {
    spec: &'a crate::survey::Design,
    keys: FxHashMap<String, u32>,
    n_h: FxHashMap<u32, f64>,
    seen: rustc_hash::FxHashSet<u32>,
}

impl<'a> DesignState<'a> {
    pub fn new(spec: &'a crate::survey::Design) -> DesignState<'a> {
        DesignState { spec, keys: Default::default(), n_h: Default::default(), seen: Default::default() }
    }

    /// Each row's group of `name` (empty when the design has none, or the row none).
    fn labels(
        survey: &crate::survey::Survey,
        df: &polars::prelude::DataFrame,
        (key, name): (&'static str, Option<&str>),
    ) -> Result<Vec<String>, super::StatsError> {
        let Some(name) = name else { return Ok(vec![String::new(); df.height()]) };
        let g = super::codes::grouping(survey, df, &super::Banner::parse(name, survey)).map_err(|e| match e {
            super::StatsError::UnknownBanner(n) => super::StatsError::UnknownDesign(key, n),
            e => e,
        })?;
        Ok(g.codes.iter().map(|c| c.map(|c| g.groups[c as usize].clone()).unwrap_or_default()).collect())
    }

    fn key(&mut self, k: String) -> u32 {
        let next = self.keys.len() as u32;
        *self.keys.entry(k).or_insert(next)
    }

    /// Every row's stratum and cluster keys.
    fn keys_of(&mut self, survey: &crate::survey::Survey, df: &polars::prelude::DataFrame) -> Result<Keys, super::StatsError> {
        let (waves, list) = super::codes::wave_codes(df);
        let strata = Self::labels(survey, df, ("strata", self.spec.strata.as_deref()))?;
        let clusters = self.spec.cluster.as_deref().map(|c| Self::labels(survey, df, ("cluster", Some(c)))).transpose()?;
        let mut h = Vec::with_capacity(df.height());
        let mut psu = clusters.as_ref().map(|_| Vec::with_capacity(df.height()));
        for (i, s) in strata.iter().enumerate() {
            let wave = &list[waves[i] as usize];
            h.push(self.key(format!("s\u{1f}{wave}\u{1f}{s}")));
            if let (Some(p), Some(c)) = (psu.as_mut(), clusters.as_ref()) {
                p.push(self.key(format!("c\u{1f}{wave}\u{1f}{s}\u{1f}{}", c[i])));
            }
        }
        Ok((h, psu))
    }

    /// Counts the units of every stratum in `df` (every respondent, before any filter);
    /// returns the rows' keys, for [`DesignState::rows`] when no filter follows.
    pub fn count(&mut self, survey: &crate::survey::Survey, df: &polars::prelude::DataFrame) -> Result<Keys, super::StatsError> {
        let (h, psu) = self.keys_of(survey, df)?;
        for (i, &s) in h.iter().enumerate() {
            let new = match &psu {
                Some(p) => self.seen.insert(p[i]),
                None => true,
            };
            if new {
                *self.n_h.entry(s).or_default() += 1.0;
            }
        }
        Ok((h, psu))
    }

    /// The design of the rows `df` (after any filter) with weights `w`; `keys` are theirs
    /// when [`DesignState::count`] already read them.
    pub fn rows(
        &mut self,
        survey: &crate::survey::Survey,
        (df, keys): (&polars::prelude::DataFrame, Option<Keys>),
        w: &[f64],
    ) -> Result<RowDesign, super::StatsError> {
        let (stratum, psu) = match keys {
            Some(k) => k,
            None => self.keys_of(survey, df)?,
        };
        Ok(RowDesign { stratum, psu, w2: w.iter().map(|x| x * x).collect() })
    }

    pub fn info(&self, opts: &super::StatsOptions) -> Result<DesignInfo, super::StatsError> {
        let mut pop = FxHashMap::default();
        if self.spec.fpc.is_some() {
            if opts.unit_expected.is_empty() {
                return Err(super::StatsError::FpcWithoutRoster);
            }
            for (k, &id) in &self.keys {
                let Some((wave, label)) = k.strip_prefix("s\u{1f}").and_then(|r| r.split_once('\u{1f}')) else { continue };
                // Strata are units: a unit's expected questionnaires that wave (none off the
                // roster); clusters are units: the roster's units surveyed that wave.
                let big = if self.spec.strata.is_some() {
                    opts.unit_expected.iter().find(|u| u.name == label).and_then(|u| u.expected_in(wave)).map(f64::from)
                } else {
                    Some(opts.unit_expected.iter().filter(|u| u.expected_in(wave).is_some()).count() as f64)
                };
                if let Some(big) = big.filter(|b| *b > 0.0) {
                    pop.insert(id, big);
                }
            }
        }
        Ok(DesignInfo { n_h: self.n_h.clone(), pop })
    }

    /// The design as users read it: "分层：单位；整群：unit；Taylor 线性化标准误".
    pub fn note(&self) -> String {
        // The weight is said by the results' weight note.
        let mut parts = Vec::new();
        if let Some(s) = &self.spec.strata {
            parts.push(format!("分层 {s}"));
        }
        if let Some(c) = &self.spec.cluster {
            parts.push(format!("整群 {c}"));
        }
        if self.spec.fpc.is_some() {
            parts.push("按单位名单做有限总体校正".to_string());
        }
        parts.push("标准误按 Taylor 线性化计算".to_string());
        format!("抽样设计：{}", parts.join("，"))
    }
}

/// The design variance of a ratio Σw·y/Σw over a domain given as its rows with their y
/// (a unit's respondents in a league table): the same Taylor linearisation as
/// [`covariance`], from the rows themselves; a domain in one cluster gets the within-cluster
/// variance [Σw(y − R)²/Σw · n/(n − 1)]/n · n/n_eff.
pub(crate) fn domain_variance(rows: &[(usize, f64)], w: &[f64], rd: &RowDesign, info: &DesignInfo) -> Option<f64> {
    let x: f64 = rows.iter().map(|&(i, _)| w[i]).sum();
    if !super::inference::positive(x) {
        return None;
    }
    let r = rows.iter().map(|&(i, y)| w[i] * y).sum::<f64>() / x;
    let mut per: BTreeMap<(u32, u64), f64> = BTreeMap::new();
    for &(i, y) in rows {
        let unit = rd.psu.as_ref().map_or(i as u64 + (1 << 40), |p| p[i] as u64);
        *per.entry((rd.stratum[i], unit)).or_default() += w[i] * (y - r) / x;
    }
    if rd.psu.is_some() && per.len() == 1 {
        let n = rows.len() as f64;
        let w2: f64 = rows.iter().map(|&(i, _)| w[i] * w[i]).sum();
        let s2 = rows.iter().map(|&(i, y)| w[i] * (y - r) * (y - r)).sum::<f64>() / x * n / (n - 1.0);
        return Some(s2 / n * n / (x * x / w2));
    }
    let mut strata: BTreeMap<u32, (f64, f64)> = BTreeMap::new();
    for ((h, _), z) in per {
        let e = strata.entry(h).or_default();
        e.0 += z;
        e.1 += z * z;
    }
    let mut v = 0.0;
    for (h, (sz, szz)) in strata {
        let n = info.n_h.get(&h).copied().unwrap_or(0.0);
        if n < 2.0 {
            continue;
        }
        let f = info.pop.get(&h).map_or(0.0, |&big| (n / big).min(1.0));
        v += n / (n - 1.0) * (1.0 - f) * (szz - sz * sz / n);
    }
    Some(v)
}
