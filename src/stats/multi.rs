//! Multi-select tables: the share of respondents choosing each option (cases, the
//! base is the number answering) and its share of all selections (responses).

use super::model::Measure;
use super::table::{Acc, TableJob};

pub(crate) fn accumulate(job: &TableJob, cols: &[Vec<Option<bool>>], acc: &mut Acc) {
    let k = job.k();
    let no = cols.len();
    let mut counts = vec![vec![0.0; k]; no];
    let mut responses = vec![0.0; k];
    // Unweighted number of selections: the base of percent of responses.
    let mut selections = vec![0usize; k];
    job.each_answer(&mut acc.bases, |i| cols.iter().any(|c| c[i].is_some()), |i, c, wi| {
        for (o, col) in cols.iter().enumerate() {
            if col[i] == Some(true) {
                counts[o][c] += wi;
                responses[c] += wi;
                selections[c] += 1;
            }
        }
    });
    let options = &job.part.q.options;
    for (o, opt) in options.iter().enumerate() {
        acc.rows.push(job.pct_row(opt.text().to_string(), Measure::Percent, &counts[o], &acc.bases, None));
    }
    for (o, opt) in options.iter().enumerate() {
        let mut row = job.pct_row(opt.text().to_string(), Measure::PercentOfResponses, &counts[o], &acc.bases, Some(&responses));
        for (cell, n) in row.cells.iter_mut().zip(&selections) {
            cell.base = *n;
        }
        acc.rows.push(row);
    }
}
