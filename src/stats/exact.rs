//! Exact and simulated p-values for r×c tables whose expected counts are too small for
//! the chi-square approximation (more than 20% below 5): the Fisher–Freeman–Halton test
//! by full enumeration of the tables with the observed margins, or, when there are too
//! many of those, a seeded Monte-Carlo estimate of the same p-value (as R's
//! `fisher.test(simulate.p.value = TRUE)`), reported with its number of simulations.
//!
//! The statistic is the table's probability under independence with fixed margins
//! (multivariate hypergeometric); the p-value sums the probabilities of all tables no
//! more likely than the observed one (relative tolerance 1e-7, as R and scipy).

/// How an exact p-value was obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExactMethod {
    /// Fisher–Freeman–Halton, every table with the observed margins enumerated.
    FreemanHalton,
    /// Monte-Carlo estimate from this many random tables with the observed margins
    /// (fixed seed, so the same data give the same p-value).
    MonteCarlo { simulations: usize },
}

impl ExactMethod {
    pub fn name(self) -> String {
        match self {
            ExactMethod::FreemanHalton => "freeman_halton".into(),
            ExactMethod::MonteCarlo { simulations } => format!("monte_carlo_{simulations}"),
        }
    }
    pub fn label(self) -> String {
        match self {
            ExactMethod::FreemanHalton => "Fisher–Freeman–Halton 精确检验".into(),
            ExactMethod::MonteCarlo { simulations } => format!("蒙特卡罗模拟精确检验（{simulations} 次模拟）"),
        }
    }
}

/// An exact (or simulated) p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exact {
    pub p_value: f64,
    pub method: ExactMethod,
}

/// Tables enumerated at most before switching to simulation.
pub const ENUMERATION_LIMIT: u64 = 200_000;
/// Tables of more cells than this are simulated, not enumerated.
const MAX_ENUMERATED_CELLS: usize = 600;
/// Tables of more respondents than this are not simulated.
pub const SIMULATION_MAX_N: u64 = 200_000;
/// The seed of the simulation (any fixed value: results are reproducible).
const SEED: u64 = 0x5eed_d1a0_7a11;

fn ln_fact_table(n: usize) -> Vec<f64> {
    let mut t = vec![0.0; n + 1];
    for i in 1..=n {
        t[i] = t[i - 1] + (i as f64).ln();
    }
    t
}

/// The exact p-value of an r×c table of counts (rows and columns with a zero total are
/// ignored): enumeration when at most `limit` tables share its margins, else simulation
/// (up to [`SIMULATION_MAX_N`] respondents). `None` for fewer than two non-empty rows or
/// columns, or a table too large to simulate.
pub fn exact_p(table: &[Vec<u64>], limit: u64) -> Option<Exact> {
    let rows: Vec<&Vec<u64>> = table.iter().filter(|r| r.iter().sum::<u64>() > 0).collect();
    let ncol = rows.first()?.len();
    let cols: Vec<usize> = (0..ncol).filter(|&c| rows.iter().map(|r| r[c]).sum::<u64>() > 0).collect();
    if rows.len() < 2 || cols.len() < 2 {
        return None;
    }
    let t: Vec<Vec<u64>> = rows.iter().map(|r| cols.iter().map(|&c| r[c]).collect()).collect();
    let rs: Vec<u64> = t.iter().map(|r| r.iter().sum()).collect();
    let cs: Vec<u64> = (0..cols.len()).map(|c| t.iter().map(|r| r[c]).sum()).collect();
    let n: u64 = rs.iter().sum();
    let lf = ln_fact_table(n as usize);
    // ln P(table) = const − Σ ln n_ij!; compare only the varying part.
    let cell_part = |t: &[Vec<u64>]| -> f64 { -t.iter().flatten().map(|&x| lf[x as usize]).sum::<f64>() };
    let constant = rs.iter().chain(&cs).map(|&x| lf[x as usize]).sum::<f64>() - lf[n as usize];
    let observed = cell_part(&t);
    let threshold = observed + (1e-7f64).ln_1p();
    let mut e = Enum { rs: rs.clone(), cs: cs.clone(), lf: &lf, threshold, constant, sum: 0.0, count: 0, limit };
    // The enumeration recurses once per cell: a table of many cells (a banner of thousands
    // of groups) has far too many tables to enumerate anyway, and would exhaust the stack.
    if t.len() * cols.len() <= MAX_ENUMERATED_CELLS && e.run() {
        return Some(Exact { p_value: e.sum.min(1.0), method: ExactMethod::FreemanHalton });
    }
    // Simulation costs n per random table: beyond this the chi-square stands alone, and
    // its caveat says so.
    if n > SIMULATION_MAX_N {
        return None;
    }
    Some(simulate(&rs, &cs, &lf, threshold, n))
}

struct Enum<'a> {
    rs: Vec<u64>,
    cs: Vec<u64>,
    lf: &'a [f64],
    threshold: f64,
    constant: f64,
    sum: f64,
    count: u64,
    limit: u64,
}

impl Enum<'_> {
    /// Enumerates column by column; `false` when the limit was reached.
    fn run(&mut self) -> bool {
        let mut rem = self.rs.clone();
        self.column(0, &mut rem, 0.0)
    }

    fn column(&mut self, j: usize, rem: &mut [u64], acc: f64) -> bool {
        if j == self.cs.len() - 1 {
            // The last column is what is left of every row.
            let part = acc - rem.iter().map(|&x| self.lf[x as usize]).sum::<f64>();
            self.count += 1;
            if self.count > self.limit {
                return false;
            }
            if part <= self.threshold {
                self.sum += (self.constant + part).exp();
            }
            return true;
        }
        let total_left: u64 = rem.iter().sum();
        let cj = self.cs[j];
        self.fill(j, 0, cj, total_left, rem, acc)
    }

    /// Distributes `left` of column j over rows i.. (each at most what the row has left).
    fn fill(&mut self, j: usize, i: usize, left: u64, rows_left: u64, rem: &mut [u64], acc: f64) -> bool {
        if i == rem.len() - 1 {
            if left > rem[i] {
                return true;
            }
            rem[i] -= left;
            let ok = self.column(j + 1, rem, acc - self.lf[left as usize]);
            rem[i] += left;
            return ok;
        }
        let after = rows_left - rem[i];
        let lo = left.saturating_sub(after);
        let hi = left.min(rem[i]);
        for x in lo..=hi {
            rem[i] -= x;
            let ok = self.fill(j, i + 1, left - x, after, rem, acc - self.lf[x as usize]);
            rem[i] += x;
            if !ok {
                return false;
            }
        }
        true
    }
}

/// SplitMix64: a small, well-mixed generator; enough for shuffling and simulation.
pub(crate) struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (n > 0), without modulo bias worth noticing for n ≪ 2^64.
    fn below(&mut self, n: usize) -> usize {
        ((self.next() as u128 * n as u128) >> 64) as usize
    }
    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Random tables with the observed margins: each respondent's column label shuffled
/// against the fixed row labels. The p-value is (1 + hits) / (1 + simulations), so it is
/// never zero. Simulations: 10,000, fewer for very large n (at least 2,000).
fn simulate(rs: &[u64], cs: &[u64], lf: &[f64], threshold: f64, n: u64) -> Exact {
    let sims = (100_000_000 / n.max(1)).clamp(2_000, 10_000) as usize;
    let mut labels: Vec<u32> = cs.iter().enumerate().flat_map(|(j, &c)| std::iter::repeat_n(j as u32, c as usize)).collect();
    let mut rng = Rng(SEED);
    let mut hits = 0usize;
    let mut counts = vec![0u64; cs.len()];
    for _ in 0..sims {
        for i in (1..labels.len()).rev() {
            let k = rng.below(i + 1);
            labels.swap(i, k);
        }
        let mut part = 0.0;
        let mut start = 0usize;
        for &r in rs {
            counts.iter_mut().for_each(|c| *c = 0);
            for &l in &labels[start..start + r as usize] {
                counts[l as usize] += 1;
            }
            part -= counts.iter().map(|&x| lf[x as usize]).sum::<f64>();
            start += r as usize;
        }
        if part <= threshold {
            hits += 1;
        }
    }
    Exact { p_value: (1 + hits) as f64 / (1 + sims) as f64, method: ExactMethod::MonteCarlo { simulations: sims } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_by_two_equals_fisher() {
        // scipy.stats.fisher_exact([[8, 2], [1, 5]]) -> 0.034965034965034975
        let e = exact_p(&[vec![8, 2], vec![1, 5]], ENUMERATION_LIMIT).unwrap();
        assert_eq!(e.method, ExactMethod::FreemanHalton);
        assert!((e.p_value - 0.034965034965034975).abs() < 1e-12, "{}", e.p_value);
    }

    #[test]
    fn simulation_agrees_with_the_published_exact_value() {
        // R's fisher.test help page, job satisfaction by income (Agresti 2002, p. 57):
        // exact p-value 0.7827. Forced to simulate by a tiny enumeration limit.
        let job = vec![vec![1, 2, 1, 0], vec![3, 3, 6, 1], vec![10, 10, 14, 9], vec![6, 7, 12, 11]];
        let e = exact_p(&job, 10).unwrap();
        assert_eq!(e.method, ExactMethod::MonteCarlo { simulations: 10_000 });
        assert!((e.p_value - 0.7827).abs() < 0.02, "{}", e.p_value);
        // Reproducible.
        assert_eq!(exact_p(&job, 10).unwrap().p_value, e.p_value);
    }

    #[test]
    fn empty_rows_and_columns_are_ignored() {
        let a = exact_p(&[vec![3, 0, 1], vec![0, 0, 0], vec![1, 0, 4]], ENUMERATION_LIMIT).unwrap();
        let b = exact_p(&[vec![3, 1], vec![1, 4]], ENUMERATION_LIMIT).unwrap();
        assert_eq!(a, b);
        assert_eq!(exact_p(&[vec![3, 4]], ENUMERATION_LIMIT), None);
    }
}
