//! Ranking tables: 问卷星's composite score, the share ranking each option first, and
//! the average rank among those who ranked it.

use super::model::{Measure, Row};
use super::table::{stat_cell, Acc, Shape, Sums, TableJob};
use super::weights::Base;

pub(crate) fn tally(job: &TableJob, cols: &[Vec<Option<i32>>], bases: &mut [Base]) -> Sums {
    let k = job.k();
    let no = cols.len();
    // at[o][pos][c]: weighted count of option o ranked at position pos+1.
    let mut at = vec![vec![vec![0.0; k]; no]; no];
    let mut rank_sum = vec![vec![0.0; k]; no];
    let mut ranked = vec![vec![0.0; k]; no];
    // Unweighted number who ranked each option: the base of its average rank.
    let mut ranked_n = vec![vec![0usize; k]; no];
    job.each_answer(
        bases,
        |i| cols.iter().any(|c| c[i].is_some()),
        |i, c, wi| {
            for (o, col) in cols.iter().enumerate() {
                if let Some(r) = col[i] {
                    let pos = (r as usize).clamp(1, no) - 1;
                    at[o][pos][c] += wi;
                    rank_sum[o][c] += wi * r as f64;
                    ranked[o][c] += wi;
                    ranked_n[o][c] += 1;
                }
            }
        },
    );
    Sums::Rank { at, rank_sum, ranked, ranked_n }
}

pub(crate) fn figures(
    sh: &Shape,
    bases: &[Base],
    at: &[Vec<Vec<f64>>],
    rank_sum: &[Vec<f64>],
    ranked: &[Vec<f64>],
    ranked_n: &[Vec<usize>],
    acc: &mut Acc,
) {
    let k = bases.len();
    let options = &sh.q.options;
    let no = at.len();
    for (o, opt) in options.iter().enumerate() {
        let score = (0..k)
            .map(|c| {
                let v = (bases[c].w > 0.0).then(|| (0..no).map(|p| at[o][p][c] * (no - p) as f64).sum::<f64>() / bases[c].w);
                stat_cell(&bases[c], v)
            })
            .collect();
        acc.rows.push(Row { option: opt.text().to_string(), measure: Measure::RankScore, cells: score });
    }
    for (o, opt) in options.iter().enumerate() {
        let first: Vec<f64> = (0..k).map(|c| at[o][0][c]).collect();
        acc.rows.push(sh.pct_row(opt.text().to_string(), Measure::FirstShare, &first, bases, None));
    }
    for (o, opt) in options.iter().enumerate() {
        let avg = (0..k)
            .map(|c| {
                let mut cell = stat_cell(&bases[c], (ranked[o][c] > 0.0).then(|| rank_sum[o][c] / ranked[o][c]));
                cell.base = ranked_n[o][c];
                cell
            })
            .collect();
        acc.rows.push(Row { option: opt.text().to_string(), measure: Measure::AvgRank, cells: avg });
    }
}
