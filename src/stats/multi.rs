//! Multi-select tables: the share of respondents choosing each option (cases, the
//! base is the number answering) and its share of all selections (responses).

use super::codes::Selections;
use super::model::Measure;
use super::table::{Acc, Shape, Sums, TableJob};
use super::weights::Base;

pub(crate) fn tally(job: &TableJob, sel: &Selections, bases: &mut [Base]) -> Sums {
    let k = job.k();
    let no = job.part.q.options.len();
    let mut counts = vec![vec![0.0; k]; no];
    let mut responses = vec![0.0; k];
    // Unweighted number of selections: the base of percent of responses.
    let mut selections = vec![0usize; k];
    if job.unit {
        let (n, rows) = job.unit_counts(no, |i, slots| {
            if sel.answered[i] {
                sel.each(i, |o| slots[o] += 1);
            }
            sel.answered[i]
        });
        for c in 0..k {
            bases[c].add_units(rows[c]);
            for o in 0..no {
                let x = n[c * no + o];
                counts[o][c] = x as f64;
                responses[c] += x as f64;
                selections[c] += x as usize;
            }
        }
        return Sums::Multi { counts, responses, selections };
    }
    job.each_answer(
        bases,
        |i| sel.answered[i],
        |i, c, wi| {
            sel.each(i, |o| {
                counts[o][c] += wi;
                responses[c] += wi;
                selections[c] += 1;
            });
        },
    );
    Sums::Multi { counts, responses, selections }
}

pub(crate) fn figures(sh: &Shape, bases: &[Base], counts: &[Vec<f64>], responses: &[f64], selections: &[usize], acc: &mut Acc) {
    let options = &sh.q.options;
    for (o, opt) in options.iter().enumerate() {
        acc.rows.push(sh.pct_row(opt.text().to_string(), Measure::Percent, &counts[o], bases, None));
    }
    for (o, opt) in options.iter().enumerate() {
        let mut row = sh.pct_row(opt.text().to_string(), Measure::PercentOfResponses, &counts[o], bases, Some(responses));
        for (cell, n) in row.cells.iter_mut().zip(selections) {
            cell.base = *n;
        }
        acc.rows.push(row);
    }
}
