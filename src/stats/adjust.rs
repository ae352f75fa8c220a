//! Adjusting p-values for many tests: one family at a time (all pairs of one row for
//! column letters, all tests of one wave pair for changes, all units of one indicator
//! and wave pair for league tables), as statsmodels' `multipletests` does.
//!
//! - Bonferroni: p·m (capped at 1).
//! - Holm (1979): step-down; the k-th smallest p times (m − k + 1), made non-decreasing.
//! - Benjamini–Hochberg (1995): step-up; the k-th smallest p times m / k, made
//!   non-increasing from the largest, capped at 1 (false discovery rate).

/// How p-values of one family are adjusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Adjust {
    /// No adjustment.
    #[default]
    None,
    Bonferroni,
    Holm,
    /// Benjamini–Hochberg.
    Bh,
}

impl Adjust {
    /// From the command line's name (`none`, `bonferroni`, `holm`, `bh`).
    pub fn parse(s: &str) -> Option<Adjust> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Some(Adjust::None),
            "bonferroni" => Some(Adjust::Bonferroni),
            "holm" => Some(Adjust::Holm),
            "bh" | "fdr" | "fdr_bh" => Some(Adjust::Bh),
            _ => None,
        }
    }

    /// The method as the reader of a report is told it.
    pub fn label(self) -> &'static str {
        match self {
            Adjust::None => "未校正",
            Adjust::Bonferroni => "Bonferroni 校正",
            Adjust::Holm => "Holm 校正",
            Adjust::Bh => "Benjamini–Hochberg 校正（控制错误发现率）",
        }
    }
}

/// How a family's tests were adjusted, for notes (`每对年份的 N 个检验…`): empty for none.
pub fn note(method: Adjust, family: &str) -> String {
    match method {
        Adjust::None => "未做多重检验校正".into(),
        m => format!("{family}的全部检验作为一族做了 {}，按校正后的 p 判断显著", m.label()),
    }
}

/// The adjusted p-values of one family, in the order given. Values that are not finite
/// (no test) are left as they are and are not counted in the family.
pub fn adjust(p: &[f64], method: Adjust) -> Vec<f64> {
    let mut out = p.to_vec();
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_finite()).collect();
    let m = idx.len();
    if m == 0 || method == Adjust::None {
        return out;
    }
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    match method {
        Adjust::None => {}
        Adjust::Bonferroni => idx.iter().for_each(|&i| out[i] = (p[i] * m as f64).min(1.0)),
        Adjust::Holm => {
            let mut run = 0.0f64;
            for (k, &i) in idx.iter().enumerate() {
                run = run.max((p[i] * (m - k) as f64).min(1.0));
                out[i] = run;
            }
        }
        Adjust::Bh => {
            let mut run = 1.0f64;
            for (k, &i) in idx.iter().enumerate().rev() {
                run = run.min(p[i] * m as f64 / (k + 1) as f64);
                out[i] = run.min(1.0);
            }
        }
    }
    out
}

/// Adjusted p-values of `n` items family by family: `test(i)` gives item i's family and
/// p-value (`None`: not tested, `None` out).
pub fn by_family<K: Ord>(n: usize, test: impl Fn(usize) -> Option<(K, f64)>, method: Adjust) -> Vec<Option<f64>> {
    let mut families: std::collections::BTreeMap<K, Vec<(usize, f64)>> = Default::default();
    for i in 0..n {
        if let Some((k, p)) = test(i) {
            families.entry(k).or_default().push((i, p));
        }
    }
    let mut out = vec![None; n];
    for members in families.values() {
        let ps: Vec<f64> = members.iter().map(|m| m.1).collect();
        for (&(i, _), q) in members.iter().zip(adjust(&ps, method)) {
            out[i] = Some(q);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_families_by_hand() {
        let p = [0.01, 0.04, 0.03, f64::NAN, 0.20];
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x.is_nan() && y.is_nan()) || (x - y).abs() < 1e-12);
        assert!(close(&adjust(&p, Adjust::Bonferroni), &[0.04, 0.16, 0.12, f64::NAN, 0.8]));
        // Holm: sorted 0.01, 0.03, 0.04, 0.20 times 4, 3, 2, 1 → 0.04, 0.09, 0.08→0.09, 0.20.
        assert!(close(&adjust(&p, Adjust::Holm), &[0.04, 0.09, 0.09, f64::NAN, 0.20]));
        // BH: times 4/1, 4/2, 4/3, 4/4 → 0.04, 0.06, 0.0533, 0.20; from the top, running minimum.
        assert!(close(&adjust(&p, Adjust::Bh), &[0.04, 0.04 * 4.0 / 3.0, 0.04 * 4.0 / 3.0, f64::NAN, 0.20]));
        assert!(close(&adjust(&p, Adjust::None), &p));
    }
}
