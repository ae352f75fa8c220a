//! One table: a part of a question over the rows in scope, one column per group, built
//! in one pass over the rows. The per-kind accumulation is in the sibling files
//! (`choice`, `multi`, `rank`, `open`); the column letters are added here.

use crate::survey::Kind;

use super::codes::{Part, QData};
use super::inference::{column_letters, mean_letters, wilson, Independence};
use super::model::{BaseFlag, Breakdown, Cell, Measure, Row, Scope, Table};
use super::weights::Base;
use super::StatsOptions;

/// The columns of a table: their labels, and the column of every row (column 0 of a
/// crosstab is the total, filled from every row that has a group).
pub(crate) struct Columns {
    pub breakdown: Breakdown,
    pub labels: Vec<String>,
    pub codes: Vec<Option<u32>>,
}

/// Everything one table is computed from.
pub(crate) struct TableJob<'a> {
    pub scope: Scope,
    /// The rows in scope.
    pub rows: &'a [usize],
    pub part: &'a Part<'a>,
    pub columns: &'a Columns,
    pub w: &'a [f64],
    pub opts: &'a StatsOptions,
}

/// What a table accumulates while its rows are read.
pub(crate) struct Acc {
    pub bases: Vec<Base>,
    pub rows: Vec<Row>,
    pub test: Option<Independence>,
    pub test_note: Option<String>,
    pub answers: Vec<String>,
    pub histogram: Vec<(f64, f64, f64)>,
    pub keywords: Vec<super::keywords::Keyword>,
}

impl TableJob<'_> {
    /// Number of columns.
    pub fn k(&self) -> usize {
        self.columns.labels.len()
    }
    pub fn crosstab(&self) -> bool {
        !self.columns.breakdown.is_overall()
    }
    pub fn weighted(&self) -> bool {
        self.w.iter().any(|x| *x != 1.0)
    }

    pub fn run(&self) -> Table {
        let mut acc = Acc { bases: vec![Base::default(); self.k()], rows: Vec::new(), test: None, test_note: None, answers: Vec::new(), histogram: Vec::new(), keywords: Vec::new() };
        match &self.part.data {
            QData::Choice(v) => super::choice::accumulate(self, v, &mut acc),
            QData::Multi(cols) => super::multi::accumulate(self, cols, &mut acc),
            QData::Rank(cols) => super::rank::accumulate(self, cols, &mut acc),
            QData::Text(v) => super::open::text(self, v, &mut acc),
            QData::Number(v) => super::open::number(self, v, &mut acc),
        }
        // Options not offered in this wave have no figure (not 0%).
        let missing = self.part.q.missing_in(self.scope.label());
        for row in acc.rows.iter_mut().filter(|r| missing.contains(&r.option.as_str())) {
            for c in &mut row.cells {
                (c.value, c.count, c.ci) = (None, None, None);
            }
        }
        if self.crosstab() {
            self.letters(&mut acc);
        }
        let Acc { bases, rows, test, test_note, answers, histogram, keywords } = acc;
        Table {
            scope: self.scope.clone(),
            question: self.part.id.clone(),
            text: self.part.text.clone(),
            kind: self.part.q.kind,
            breakdown: self.columns.breakdown.clone(),
            columns: self.columns.labels.clone(),
            bases: bases.iter().map(|b| b.n).collect(),
            flags: bases.iter().map(|b| BaseFlag::of(b.n, self.opts)).collect(),
            weighted_bases: bases.iter().map(|b| b.w).collect(),
            effective_bases: bases.iter().map(|b| if self.weighted() { b.n_eff() } else { b.n as f64 }).collect(),
            rows,
            test,
            test_note,
            answers,
            histogram,
            keywords,
        }
    }

    /// Column letters between banner groups with a large enough base: on every percent
    /// row (pooled z-tests), and on every mean (Welch t-tests with the row's sd).
    fn letters(&self, acc: &mut Acc) {
        let weighted = self.weighted();
        let opts = self.opts;
        let eff: Vec<f64> = acc.bases[1..].iter().map(|b| if weighted { b.n_eff() } else { b.n as f64 }).collect();
        let elig: Vec<bool> = acc.bases[1..].iter().map(|b| b.n as f64 >= opts.min_base).collect();
        for row in acc.rows.iter_mut().filter(|r| r.measure.is_percent() && r.measure != Measure::PercentOfResponses) {
            let props: Vec<f64> = row.cells[1..].iter().map(|c| c.value.unwrap_or(0.0) / 100.0).collect();
            let letters = column_letters(&props, &eff, &elig, opts.alpha, opts.bonferroni);
            for (cell, l) in row.cells[1..].iter_mut().zip(letters) {
                cell.sig = l;
            }
        }
        let sds: Option<Vec<Option<f64>>> = acc.rows.iter().find(|r| r.measure == Measure::Sd).map(|r| r.cells[1..].iter().map(|c| c.value).collect());
        if let (Some(sds), Some(row)) = (sds, acc.rows.iter_mut().find(|r| r.measure == Measure::Mean)) {
            let means: Vec<Option<f64>> = row.cells[1..].iter().map(|c| c.value).collect();
            let letters = mean_letters(&means, &sds, &eff, &elig, opts.alpha, opts.bonferroni);
            for (cell, l) in row.cells[1..].iter_mut().zip(letters) {
                cell.sig = l;
            }
        }
    }

    /// Visits every row in scope that `answered`, once per column it counts in (its
    /// group's column; in a crosstab also the total column 0, for rows with a group), after
    /// adding its weight to that column's base. `f(row, column, weight)` accumulates.
    pub fn each_answer(&self, bases: &mut [Base], answered: impl Fn(usize) -> bool, mut f: impl FnMut(usize, usize, f64)) {
        let crosstab = self.crosstab();
        let (codes, w) = (&self.columns.codes, self.w);
        for &i in self.rows {
            let (cols, m) = match codes[i] {
                Some(g) if crosstab => ([0, g as usize], 2),
                Some(g) => ([g as usize, 0], 1),
                None => continue,
            };
            if !answered(i) {
                continue;
            }
            for &c in &cols[..m] {
                bases[c].add(w[i]);
                f(i, c, w[i]);
            }
        }
    }

    /// A row of percentages: `counts` over the column's weighted base, or over `denom`
    /// (percent of responses), with a Wilson interval on the (effective) base.
    pub fn pct_row(&self, option: String, measure: Measure, counts: &[f64], bases: &[Base], denom: Option<&[f64]>) -> Row {
        let cells = (0..self.k())
            .map(|c| {
                let b = &bases[c];
                let d = denom.map(|d| d[c]).unwrap_or(b.w);
                if b.n == 0 || !(d > 0.0) {
                    return Cell { value: None, count: Some(counts[c]), base: b.n, ci: None, sig: String::new() };
                }
                let p = counts[c] / d;
                let ci = if measure == Measure::PercentOfResponses { None } else { wilson(p, b.n_eff(), self.opts.conf) };
                Cell { value: Some(p * 100.0), count: Some(counts[c]), base: b.n, ci: ci.map(|(l, h)| (l * 100.0, h * 100.0)), sig: String::new() }
            })
            .collect();
        Row { option, measure, cells }
    }

    /// Whether this part's question is a scale or matrix (means and top/bottom boxes).
    pub fn scored(&self) -> bool {
        matches!(self.part.q.kind, Kind::Scale | Kind::Matrix)
    }
}

/// A figure that is not a percent (mean, sd, …) on a column's base.
pub(crate) fn stat_cell(b: &Base, v: Option<f64>) -> Cell {
    Cell { value: v.filter(|x| x.is_finite()), count: None, base: b.n, ci: None, sig: String::new() }
}
