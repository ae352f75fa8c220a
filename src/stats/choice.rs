//! Single-choice, scale and matrix-row tables: a share per option; for scales and
//! matrices also the mean, sd and top/bottom-two boxes; in a crosstab the test of
//! independence over the whole table.

use super::inference::independence;
use super::model::{Measure, Row};
use super::table::{stat_cell, Acc, Shape, Sums, TableJob};
use super::weights::Base;

pub(crate) fn tally(job: &TableJob, v: &[Option<u32>], bases: &mut [Base]) -> Sums {
    let q = job.part.q;
    let k = job.k();
    let no = q.options.len();
    let mut counts = vec![vec![0.0; k]; no];
    let mut sum = vec![0.0; k];
    let mut sum2 = vec![0.0; k];
    let scores: Vec<f64> = (0..no).map(|o| q.score(o)).collect();
    if job.unit {
        let (n, rows) = job.unit_counts(no, |i, slots| match v[i] {
            Some(o) => {
                slots[o as usize] += 1;
                true
            }
            None => false,
        });
        for c in 0..k {
            bases[c].add_units(rows[c]);
            for o in 0..no {
                let x = n[c * no + o] as f64;
                counts[o][c] = x;
                sum[c] += x * scores[o];
                sum2[c] += x * scores[o] * scores[o];
            }
        }
        return Sums::Choice { counts, sum, sum2 };
    }
    job.each_answer(
        bases,
        |i| v[i].is_some(),
        |i, c, wi| {
            let o = v[i].unwrap_or(0) as usize;
            let s = scores[o];
            counts[o][c] += wi;
            sum[c] += wi * s;
            sum2[c] += wi * s * s;
        },
    );
    Sums::Choice { counts, sum, sum2 }
}

pub(crate) fn figures(sh: &Shape, bases: &[Base], counts: &[Vec<f64>], sum: &[f64], sum2: &[f64], acc: &mut Acc) {
    let q = sh.q;
    let k = bases.len();
    let no = q.options.len();
    for (o, opt) in q.options.iter().enumerate() {
        acc.rows.push(sh.pct_row(opt.text().to_string(), Measure::Percent, &counts[o], bases, None));
    }
    if sh.scored() {
        let mut order: Vec<usize> = (0..no).collect();
        order.sort_by(|a, b| q.score(*a).total_cmp(&q.score(*b)));
        let top: Vec<f64> = (0..k).map(|c| order.iter().rev().take(2).map(|o| counts[*o][c]).sum()).collect();
        let bottom: Vec<f64> = (0..k).map(|c| order.iter().take(2).map(|o| counts[*o][c]).sum()).collect();
        let mean = (0..k).map(|c| stat_cell(&bases[c], (bases[c].w > 0.0).then(|| sum[c] / bases[c].w))).collect();
        let sd = (0..k)
            .map(|c| {
                let b = &bases[c];
                let v = (b.n > 1).then(|| {
                    let m = sum[c] / b.w;
                    let var = (sum2[c] / b.w - m * m).max(0.0) * b.n as f64 / (b.n as f64 - 1.0);
                    var.sqrt()
                });
                stat_cell(b, v)
            })
            .collect();
        acc.rows.push(Row { option: String::new(), measure: Measure::Mean, cells: mean });
        acc.rows.push(Row { option: String::new(), measure: Measure::Sd, cells: sd });
        acc.rows.push(sh.pct_row(String::new(), Measure::Top2, &top, bases, None));
        acc.rows.push(sh.pct_row(String::new(), Measure::Bottom2, &bottom, bases, None));
    }
    if sh.crosstab() {
        test(sh, bases, counts, acc);
    }
}

/// The test of independence uses the whole table: every group with a non-zero base,
/// however small (as SPSS does). Small groups are left out of the pairwise letters only.
fn test(sh: &Shape, bases: &[Base], counts: &[Vec<f64>], acc: &mut Acc) {
    let groups: Vec<usize> = (1..bases.len()).filter(|&c| bases[c].n > 0).collect();
    let tab: Vec<Vec<f64>> = counts.iter().map(|r| groups.iter().map(|&c| r[c]).collect()).collect();
    let n_eff = if sh.weighted { Some(groups.iter().map(|&c| bases[c].n_eff()).sum()) } else { None };
    acc.test = independence(&tab, n_eff);
    if acc.test.is_none() {
        let answered = counts.iter().filter(|r| groups.iter().any(|&c| r[c] > 0.0)).count();
        acc.test_note = Some(if groups.is_empty() {
            "没有人作答这道题，无法比较各分组".to_string()
        } else if groups.len() < 2 {
            "只有一个分组有人作答，没有可比较的其他分组".to_string()
        } else if answered < 2 {
            "所有作答都集中在同一个选项，无法检验".to_string()
        } else {
            "表格退化，无法检验".to_string()
        });
    }
}
