//! Open questions: text answers (how many answered, and the answers themselves for the
//! whole sample) and numbers (mean, sd, median, range, and a histogram).

use super::model::{Cell, Measure, Row};
use super::table::{stat_cell, Acc, Shape, Sums, TableJob};
use super::weights::Base;

pub(crate) fn text_tally(job: &TableJob, v: &[Option<&str>], bases: &mut [Base]) -> Sums {
    let crosstab = job.crosstab();
    let mut counts = vec![0.0; job.k()];
    let (mut answers, mut total) = (Vec::new(), 0);
    let given = |i: usize| v[i].is_some_and(|s| !s.trim().is_empty());
    job.each_answer(bases, given, |i, c, wi| {
        counts[c] += wi;
        if !crosstab {
            total += 1;
            if answers.len() < super::keywords::MAX_ANSWERS {
                answers.push(v[i].unwrap_or_default().to_string());
            }
        }
    });
    Sums::Text { counts, total, answers }
}

pub(crate) fn text_figures(sh: &Shape, bases: &[Base], counts: &[f64], total: usize, answers: Vec<String>, acc: &mut Acc) {
    if !sh.crosstab() && sh.opts.keywords > 0 {
        acc.keywords = super::keywords::keywords(&answers, sh.opts.keywords);
    }
    if !sh.crosstab() {
        acc.themes = super::themes::themes(&answers);
    }
    acc.answers = answers;
    acc.answer_count = total;
    let cells =
        (0..bases.len()).map(|c| Cell { value: Some(counts[c]), count: Some(counts[c]), base: bases[c].n, ..Default::default() }).collect();
    acc.rows.push(Row { option: String::new(), measure: Measure::Answers, cells });
}

pub(crate) fn number_tally(job: &TableJob, v: &[Option<f64>], bases: &mut [Base]) -> Sums {
    let mut vals: Vec<Vec<(f64, f64)>> = vec![Vec::new(); job.k()];
    job.each_answer(
        bases,
        |i| v[i].is_some(),
        |i, c, wi| {
            vals[c].push((v[i].unwrap_or(0.0), wi));
        },
    );
    vals.iter_mut().for_each(super::table::compact);
    Sums::Number { vals }
}

pub(crate) fn number_figures(sh: &Shape, bases: &[Base], vals: &mut [Vec<(f64, f64)>], acc: &mut Acc) {
    let k = bases.len();
    let mut by: Vec<[Option<f64>; 5]> = Vec::with_capacity(k);
    for (c, vs) in vals.iter_mut().enumerate() {
        let b = &bases[c];
        if vs.is_empty() || !super::inference::positive(b.w) {
            by.push([None; 5]);
            continue;
        }
        // Sorted, each value once with its total weight.
        let mean = vs.iter().map(|(x, w)| x * w).sum::<f64>() / b.w;
        let sd = (b.n > 1).then(|| {
            let var = vs.iter().map(|(x, w)| w * (x - mean) * (x - mean)).sum::<f64>() / b.w * b.n as f64 / (b.n as f64 - 1.0);
            var.sqrt()
        });
        by.push([Some(mean), sd, Some(median(vs)), Some(vs[0].0), Some(vs[vs.len() - 1].0)]);
    }
    if !sh.crosstab() {
        acc.histogram = bins(&vals[0]);
    }
    for (j, m) in [Measure::Mean, Measure::Sd, Measure::Median, Measure::Min, Measure::Max].into_iter().enumerate() {
        let cells = (0..k).map(|c| stat_cell(&bases[c], by[c][j])).collect();
        acc.rows.push(Row { option: String::new(), measure: m, cells });
    }
}

/// Histogram bins of sorted (value, weight) pairs: one bin per integer when the values
/// are integers spanning at most 20; otherwise about ten equal bins on rounded edges.
fn bins(vs: &[(f64, f64)]) -> Vec<(f64, f64, f64)> {
    let (Some(first), Some(last)) = (vs.first(), vs.last()) else { return Vec::new() };
    let (lo, hi) = (first.0, last.0);
    let integers = vs.iter().all(|(x, _)| x.fract() == 0.0);
    let (start, width, n) = if integers && hi - lo <= 20.0 {
        (lo, 1.0, (hi - lo) as usize + 1)
    } else {
        let raw = ((hi - lo) / 10.0).max(f64::MIN_POSITIVE);
        let mag = 10f64.powf(raw.log10().floor());
        let width = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|k| k * mag).find(|w| *w >= raw).unwrap_or(10.0 * mag);
        let start = (lo / width).floor() * width;
        (start, width, (((hi - start) / width).floor() as usize + 1).max(1))
    };
    let mut out: Vec<(f64, f64, f64)> = (0..n).map(|i| (start + i as f64 * width, start + (i + 1) as f64 * width, 0.0)).collect();
    for (x, w) in vs {
        let i = (((x - start) / width).floor() as usize).min(n - 1);
        out[i].2 += w;
    }
    out
}

/// Weighted median of sorted (value, weight) pairs; the usual median when all weights
/// are equal (the mean of the two middle values for an even count).
fn median(vs: &[(f64, f64)]) -> f64 {
    let total: f64 = vs.iter().map(|(_, w)| w).sum();
    let half = total / 2.0;
    let mut acc = 0.0;
    for (i, (x, w)) in vs.iter().enumerate() {
        acc += w;
        if (acc - half).abs() < 1e-9 * total.max(1.0) {
            return match vs.get(i + 1) {
                Some((y, _)) => (x + y) / 2.0,
                None => *x,
            };
        }
        if acc > half {
            return *x;
        }
    }
    vs[vs.len() - 1].0
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn weighted_median() {
        assert_eq!(median(&[(1.0, 1.0), (2.0, 1.0), (3.0, 1.0), (4.0, 1.0)]), 2.5);
        assert_eq!(median(&[(1.0, 1.0), (2.0, 1.0), (9.0, 1.0)]), 2.0);
    }
}
