//! Significance tests and intervals (docs/DESIGN.md), as pure functions over counts.
//! Distributions come from statrs; nothing here reads a DataFrame.

use statrs::distribution::{ChiSquared, ContinuousCDF, Discrete, Hypergeometric, Normal, StudentsT};

/// Whether `x` is a positive number (false for NaN as for zero and below): the guard
/// before dividing by a base or a standard error.
pub fn positive(x: f64) -> bool {
    x > 0.0
}

/// Wilson score interval for a proportion `p` on base `n` (may be an effective base),
/// at confidence `conf`; bounds in [0, 1]. `None` for an empty base.
pub fn wilson(p: f64, n: f64, conf: f64) -> Option<(f64, f64)> {
    if !positive(n) || !p.is_finite() {
        return None;
    }
    let z = z_for(conf);
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * ((p * (1.0 - p) / n + z2 / (4.0 * n * n)).max(0.0)).sqrt() / denom;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// Two-sided normal critical value for confidence `conf`.
pub fn z_for(conf: f64) -> f64 {
    let n = Normal::new(0.0, 1.0).expect("standard normal");
    n.inverse_cdf(1.0 - (1.0 - conf) / 2.0)
}

/// Which test of independence was run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKind {
    /// Pearson chi-square.
    ChiSquare,
    /// Fisher's exact test (2×2 tables).
    Fisher,
    /// Rao–Scott second-order corrected chi-square, as an F statistic (with a `[design]`).
    RaoScott,
}

impl TestKind {
    /// The name in tests.csv.
    pub fn name(self) -> &'static str {
        match self {
            TestKind::ChiSquare => "chi2",
            TestKind::Fisher => "fisher",
            TestKind::RaoScott => "rao-scott-f",
        }
    }
}

/// Result of a test of independence on a contingency table.
#[derive(Debug, Clone, PartialEq)]
pub struct Independence {
    pub test: TestKind,
    /// Chi-square statistic (for Fisher: the chi-square of the same table).
    pub statistic: f64,
    pub df: usize,
    pub p_value: f64,
    pub cramers_v: f64,
    /// Share of cells with an expected count below 5.
    pub low_expected_share: f64,
    /// For an unreliable chi-square (see [`Independence::unreliable`]) of an unweighted
    /// table larger than 2×2: the exact or simulated p-value.
    pub exact: Option<super::exact::Exact>,
    /// The table holds weighted counts (then no exact p-value is computed).
    pub weighted: bool,
    /// Respondents in the table.
    pub n: f64,
    /// The Rao–Scott F test's degrees of freedom (numerator, denominator; `test` is
    /// [`TestKind::RaoScott`], `statistic` is F).
    pub design: Option<(f64, f64)>,
}

impl Independence {
    /// The chi-square approximation is unreliable when more than 20% of the expected
    /// counts are below 5 (the rule of SPSS and of Cochran). Every output states it.
    pub fn unreliable(&self) -> bool {
        self.low_expected_share > 0.2
    }
    /// The p-value a finding may rest on: the test's own when it is reliable (Fisher's is
    /// exact), the exact or simulated one when the chi-square is not, none when there is
    /// no reliable p-value (weighted or very large tables): then no difference is claimed.
    pub fn p_for_claims(&self) -> Option<f64> {
        match (self.unreliable() && self.test == TestKind::ChiSquare, &self.exact) {
            (false, _) => Some(self.p_value),
            (true, Some(e)) => Some(e.p_value),
            (true, None) => None,
        }
    }
}

/// Pearson chi-square test of independence (no continuity correction, as
/// scipy's `chi2_contingency(correction=False)`), with Cramér's V; for a 2×2 table the
/// p-value is Fisher's exact test. Empty rows and columns are dropped first. `n_eff`
/// rescales a weighted table to its effective base. `None` when fewer than 2×2 remain.
pub fn independence(table: &[Vec<f64>], n_eff: Option<f64>) -> Option<Independence> {
    let rows: Vec<&Vec<f64>> = table.iter().filter(|r| r.iter().sum::<f64>() > 0.0).collect();
    if rows.is_empty() {
        return None;
    }
    let ncol = rows[0].len();
    let keep: Vec<usize> = (0..ncol).filter(|&c| rows.iter().map(|r| r[c]).sum::<f64>() > 0.0).collect();
    if rows.len() < 2 || keep.len() < 2 {
        return None;
    }
    let total: f64 = rows.iter().map(|r| keep.iter().map(|&c| r[c]).sum::<f64>()).sum();
    let scale = n_eff.map(|n| n / total).unwrap_or(1.0);
    let t: Vec<Vec<f64>> = rows.iter().map(|r| keep.iter().map(|&c| r[c] * scale).collect()).collect();
    let n: f64 = total * scale;
    let rs: Vec<f64> = t.iter().map(|r| r.iter().sum()).collect();
    let cs: Vec<f64> = (0..keep.len()).map(|c| t.iter().map(|r| r[c]).sum()).collect();
    let (mut chi2, mut low, mut cells) = (0.0, 0usize, 0usize);
    for (i, r) in t.iter().enumerate() {
        for (j, o) in r.iter().enumerate() {
            let e = rs[i] * cs[j] / n;
            chi2 += (o - e) * (o - e) / e;
            low += (e < 5.0) as usize;
            cells += 1;
        }
    }
    let df = (t.len() - 1) * (keep.len() - 1);
    let k = (t.len().min(keep.len()) - 1) as f64;
    let cramers_v = (chi2 / (n * k)).sqrt();
    let low_expected_share = low as f64 / cells as f64;
    if t.len() == 2 && keep.len() == 2 && n_eff.is_none() {
        let c = |x: f64| x.round() as u64;
        let p = fisher_2x2(c(t[0][0]), c(t[0][1]), c(t[1][0]), c(t[1][1]));
        return Some(Independence {
            test: TestKind::Fisher,
            statistic: chi2,
            df,
            p_value: p,
            cramers_v,
            low_expected_share,
            exact: None,
            weighted: false,
            n,
            design: None,
        });
    }
    let p_value = ChiSquared::new(df as f64).map(|d| d.sf(chi2)).unwrap_or(f64::NAN);
    let mut x = Independence {
        test: TestKind::ChiSquare,
        statistic: chi2,
        df,
        p_value,
        cramers_v,
        low_expected_share,
        exact: None,
        weighted: n_eff.is_some(),
        n,
        design: None,
    };
    if x.unreliable() && n_eff.is_none() {
        let counts: Vec<Vec<u64>> = t.iter().map(|r| r.iter().map(|v| v.round() as u64).collect()).collect();
        x.exact = super::exact::exact_p(&counts, super::exact::ENUMERATION_LIMIT);
    }
    Some(x)
}

/// Two-sided Fisher exact test for [[a, b], [c, d]], as scipy: the sum of the
/// probabilities of all tables with the same margins that are no more likely than the
/// observed one (with scipy's relative tolerance 1e-7).
pub fn fisher_2x2(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let n = a + b + c + d;
    let row1 = a + b;
    let col1 = a + c;
    let Ok(h) = Hypergeometric::new(n, col1, row1) else { return 1.0 };
    let lo = row1.saturating_sub(n - col1);
    let hi = row1.min(col1);
    let observed = h.pmf(a);
    let mut p = 0.0;
    for k in lo..=hi {
        let pk = h.pmf(k);
        if pk <= observed * (1.0 + 1e-7) {
            p += pk;
        }
    }
    p.min(1.0)
}

/// Pooled two-proportion z-test (no continuity correction): the two-sided p-value.
pub fn two_proportion_p(p1: f64, n1: f64, p2: f64, n2: f64) -> Option<f64> {
    two_proportion_z(p1, n1, p2, n2).map(|t| t.1)
}

/// Pooled two-proportion z-test of p1 − p2 (as statsmodels' `proportions_ztest`):
/// (z, two-sided p). `None` when a base is empty or both shares are 0 or 1.
pub fn two_proportion_z(p1: f64, n1: f64, p2: f64, n2: f64) -> Option<(f64, f64)> {
    if !(n1 > 0.0 && n2 > 0.0) {
        return None;
    }
    let pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if !positive(se) {
        return None;
    }
    let z = (p1 - p2) / se;
    let n = Normal::new(0.0, 1.0).expect("standard normal");
    Some((z, 2.0 * n.sf(z.abs())))
}

/// Welch's t-test of m1 − m2 from summaries (mean, sd with n − 1, base; the base may be
/// an effective base), as scipy's `ttest_ind_from_stats(equal_var=False)`: (t, df,
/// two-sided p). `None` when a base is below 2 or both variances are 0.
pub fn welch(m1: f64, s1: f64, n1: f64, m2: f64, s2: f64, n2: f64) -> Option<(f64, f64, f64)> {
    if !(n1 >= 2.0 && n2 >= 2.0 && s1.is_finite() && s2.is_finite() && m1.is_finite() && m2.is_finite()) {
        return None;
    }
    let (v1, v2) = (s1 * s1 / n1, s2 * s2 / n2);
    let se2 = v1 + v2;
    if !positive(se2) {
        return None;
    }
    let t = (m1 - m2) / se2.sqrt();
    let df = se2 * se2 / (v1 * v1 / (n1 - 1.0) + v2 * v2 / (n2 - 1.0));
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    Some((t, df, 2.0 * dist.sf(t.abs())))
}

/// SPSS-style letters for means: for each column, the letters of the columns whose mean
/// it is significantly higher than (pairwise Welch t-tests at `alpha`, the pairs' p-values
/// adjusted as one family). `eligible[j]` false leaves column j out (small base).
pub fn mean_letters(
    means: &[Option<f64>],
    sds: &[Option<f64>],
    bases: &[f64],
    eligible: &[bool],
    alpha: f64,
    adjust: super::adjust::Adjust,
) -> Vec<String> {
    let cols: Vec<usize> = (0..means.len()).filter(|&j| eligible[j] && means[j].is_some() && sds[j].is_some()).collect();
    let test = |i: usize, j: usize| {
        let (mi, mj) = (means[i]?, means[j]?);
        welch(mi, sds[i].unwrap_or(0.0), bases[i], mj, sds[j].unwrap_or(0.0), bases[j]).map(|(_, _, p)| (mi - mj, p))
    };
    letters_of(means.len(), &cols, alpha, adjust, test)
}

/// SPSS-style column letters: for each column, the letters of the columns it is
/// significantly higher than (pooled z-test at `alpha`, the pairs' p-values adjusted as
/// one family). `eligible[j]` false leaves column j out of every comparison (small base).
/// `props` in [0, 1], `bases` the (effective) bases.
pub fn column_letters(props: &[f64], bases: &[f64], eligible: &[bool], alpha: f64, adjust: super::adjust::Adjust) -> Vec<String> {
    let cols: Vec<usize> = (0..props.len()).filter(|&j| eligible[j]).collect();
    let test = |i: usize, j: usize| two_proportion_p(props[i], bases[i], props[j], bases[j]).map(|p| (props[i] - props[j], p));
    letters_of(props.len(), &cols, alpha, adjust, test)
}

/// The letters of `k` columns from the pairwise tests of `cols` (`test(i, j)`: the
/// difference i − j and its p-value). The family is every pair of the row, tested or not
/// (as SPSS counts them for Bonferroni); a column gets the letter of each column it is
/// higher than with an adjusted p below `alpha`.
pub(crate) fn letters_of(
    k: usize,
    cols: &[usize],
    alpha: f64,
    adjust: super::adjust::Adjust,
    test: impl Fn(usize, usize) -> Option<(f64, f64)>,
) -> Vec<String> {
    let mut pairs: Vec<(usize, usize, f64, f64)> = Vec::new();
    for (a, &i) in cols.iter().enumerate() {
        for &j in &cols[a + 1..] {
            // A pair no test can be made for (one share 0 or 100% in both) stays in the
            // family, as SPSS counts it, with p = 1.
            let (d, p) = test(i, j).unwrap_or((0.0, 1.0));
            pairs.push((i, j, d, p));
        }
    }
    let ps: Vec<f64> = pairs.iter().map(|x| x.3).collect();
    let adjusted = super::adjust::adjust(&ps, adjust);
    let mut higher: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (&(i, j, d, _), q) in pairs.iter().zip(adjusted) {
        if q < alpha && d != 0.0 {
            let (hi, lo) = if d > 0.0 { (i, j) } else { (j, i) };
            higher[hi].push(lo);
        }
    }
    higher
        .into_iter()
        .map(|mut lows| {
            lows.sort_unstable();
            lows.into_iter().map(letter).collect()
        })
        .collect()
}

/// The letter of banner column `j`: A, B, …, Z, then AA, AB, … (as Excel columns).
pub fn letter(j: usize) -> char {
    (b'A' + (j % 26) as u8) as char
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_known_values() {
        // statsmodels proportion_confint(30, 100, method="wilson")
        let (lo, hi) = wilson(0.3, 100.0, 0.95).unwrap();
        assert!((lo - 0.21894885294932756).abs() < 1e-12 && (hi - 0.39584854633346667).abs() < 1e-12, "{lo} {hi}");
        assert_eq!(wilson(0.0, 0.0, 0.95), None);
    }

    #[test]
    fn fisher_known_value() {
        // scipy.stats.fisher_exact([[8, 2], [1, 5]]) -> p = 0.034965...
        assert!((fisher_2x2(8, 2, 1, 5) - 0.03496503496503495).abs() < 1e-12);
    }

    #[test]
    fn welch_known_value() {
        // scipy.stats.ttest_ind_from_stats(4.1, 0.9, 40, 3.6, 1.2, 35, equal_var=False)
        // -> t = 2.0159427..., p = 0.0479497...; df by Welch–Satterthwaite 62.7...
        let (t, df, p) = welch(4.1, 0.9, 40.0, 3.6, 1.2, 35.0).unwrap();
        let want_t = 0.5 / (0.81f64 / 40.0 + 1.44 / 35.0).sqrt();
        assert!((t - want_t).abs() < 1e-12, "{t}");
        let v1 = 0.81f64 / 40.0;
        let v2 = 1.44f64 / 35.0;
        assert!((df - (v1 + v2).powi(2) / (v1 * v1 / 39.0 + v2 * v2 / 34.0)).abs() < 1e-9, "{df}");
        assert!(p > 0.04 && p < 0.06, "{p}");
        assert_eq!(welch(1.0, 0.0, 10.0, 1.0, 0.0, 10.0), None);
    }

    #[test]
    fn degenerate_tables_give_no_test() {
        assert_eq!(independence(&[vec![3.0, 4.0]], None), None);
        assert_eq!(independence(&[vec![3.0, 0.0], vec![5.0, 0.0]], None), None);
        assert_eq!(independence(&[], None), None);
    }
}
