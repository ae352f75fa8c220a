//! One table: a part of a question over the rows in scope, one column per group. A table
//! is first a [`Tally`] — sums per column, built in one pass over the rows and mergeable
//! with the tally of other rows (a report over data too large to hold is tallied a batch
//! of rows at a time) — and then finished once into figures, intervals, tests and column
//! letters. The per-kind sums and figures are in the sibling files (`choice`, `multi`,
//! `rank`, `open`).

use crate::survey::{Kind, Question};

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

/// Everything one table's tally is computed from.
pub(crate) struct TableJob<'a> {
    /// The rows in scope.
    pub rows: &'a [usize],
    pub part: &'a Part<'a>,
    pub columns: &'a Columns,
    pub w: &'a [f64],
    /// Every weight in `w` is 1: counts are kept as whole numbers (the same figures, found
    /// faster).
    pub unit: bool,
    /// The sampling design, when the survey has one: the table also keeps its sums per
    /// part of the design.
    pub design: Option<&'a super::design::RowDesign>,
}

/// The sums of one table, per column (the same column order as `labels`).
#[derive(Clone)]
pub(crate) struct Tally {
    pub labels: Vec<String>,
    pub bases: Vec<Base>,
    pub sums: Sums,
    /// The same sums per part of the design (`[design]`; choice, multi, number tables).
    pub design: Option<Box<super::design::DesignSums>>,
}

/// The per-kind sums of a tally; every `Vec` indexed by column is a column's own.
#[derive(Clone)]
pub(crate) enum Sums {
    /// counts[option][column], Σw·score and Σw·score² per column.
    Choice { counts: Vec<Vec<f64>>, sum: Vec<f64>, sum2: Vec<f64> },
    /// counts[option][column], weighted selections and unweighted selections per column.
    Multi { counts: Vec<Vec<f64>>, responses: Vec<f64>, selections: Vec<usize> },
    /// at[option][position][column]; rank sums, weighted and unweighted numbers ranking it.
    Rank { at: Vec<Vec<Vec<f64>>>, rank_sum: Vec<Vec<f64>>, ranked: Vec<Vec<f64>>, ranked_n: Vec<Vec<usize>> },
    /// Weighted answers per column; the number of answers and the first
    /// [`super::keywords::MAX_ANSWERS`] of them (whole sample only).
    Text { counts: Vec<f64>, total: usize, answers: Vec<String> },
    /// (value, weight) pairs per column (the median needs them all), each value once with
    /// its total weight after [`compact`] (survey numbers repeat: ages, counts).
    Number { vals: Vec<Vec<(f64, f64)>> },
}

/// (value, weight) pairs sorted by value, each value once with its total weight.
pub(crate) fn compact(v: &mut Vec<(f64, f64)>) {
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    v.dedup_by(|b, a| {
        let same = a.0 == b.0;
        if same {
            a.1 += b.1;
        }
        same
    });
}

/// Two compact lists of (value, weight) pairs made one (in one pass).
fn merge_sorted(a: &mut Vec<(f64, f64)>, b: &[(f64, f64)]) {
    if b.is_empty() {
        return;
    }
    let old = std::mem::take(a);
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(old.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < b.len() {
        let from_a = j >= b.len() || (i < old.len() && old[i].0.total_cmp(&b[j].0).is_le());
        let x = if from_a { old[i] } else { b[j] };
        if from_a {
            i += 1;
        } else {
            j += 1;
        }
        match out.last_mut() {
            Some(l) if l.0 == x.0 => l.1 += x.1,
            _ => out.push(x),
        }
    }
    *a = out;
}

/// Column `from` of `src` added into column `to` of `dst`.
fn add_col<T: Clone + std::ops::AddAssign>(dst: &mut [T], to: usize, src: &[T], from: usize) {
    dst[to] += src[from].clone();
}

/// `v` reordered: new column j is old column `order[j]`, or empty.
fn reorder<T: Clone + Default>(v: &mut Vec<T>, order: &[Option<usize>]) {
    let old = std::mem::take(v);
    *v = order.iter().map(|o| o.map(|i| old[i].clone()).unwrap_or_default()).collect();
}

impl Sums {
    fn reorder(&mut self, order: &[Option<usize>]) {
        match self {
            Sums::Choice { counts, sum, sum2 } => {
                counts.iter_mut().for_each(|c| reorder(c, order));
                reorder(sum, order);
                reorder(sum2, order);
            }
            Sums::Multi { counts, responses, selections } => {
                counts.iter_mut().for_each(|c| reorder(c, order));
                reorder(responses, order);
                reorder(selections, order);
            }
            Sums::Rank { at, rank_sum, ranked, ranked_n } => {
                at.iter_mut().flatten().for_each(|c| reorder(c, order));
                rank_sum.iter_mut().for_each(|c| reorder(c, order));
                ranked.iter_mut().for_each(|c| reorder(c, order));
                ranked_n.iter_mut().for_each(|c| reorder(c, order));
            }
            Sums::Text { counts, .. } => reorder(counts, order),
            Sums::Number { vals } => reorder(vals, order),
        }
    }
    /// Adds column `from` of `o` (the same kind, from other rows) into column `to`.
    fn add(&mut self, to: usize, o: &Sums, from: usize) {
        match (self, o) {
            (Sums::Choice { counts, sum, sum2 }, Sums::Choice { counts: c2, sum: s2, sum2: q2 }) => {
                counts.iter_mut().zip(c2).for_each(|(a, b)| add_col(a, to, b, from));
                add_col(sum, to, s2, from);
                add_col(sum2, to, q2, from);
            }
            (Sums::Multi { counts, responses, selections }, Sums::Multi { counts: c2, responses: r2, selections: s2 }) => {
                counts.iter_mut().zip(c2).for_each(|(a, b)| add_col(a, to, b, from));
                add_col(responses, to, r2, from);
                add_col(selections, to, s2, from);
            }
            (Sums::Rank { at, rank_sum, ranked, ranked_n }, Sums::Rank { at: a2, rank_sum: r2, ranked: k2, ranked_n: n2 }) => {
                at.iter_mut().flatten().zip(a2.iter().flatten()).for_each(|(a, b)| add_col(a, to, b, from));
                rank_sum.iter_mut().zip(r2).for_each(|(a, b)| add_col(a, to, b, from));
                ranked.iter_mut().zip(k2).for_each(|(a, b)| add_col(a, to, b, from));
                ranked_n.iter_mut().zip(n2).for_each(|(a, b)| add_col(a, to, b, from));
            }
            (Sums::Text { counts, total, answers }, Sums::Text { counts: c2, total: t2, answers: a2 }) => {
                add_col(counts, to, c2, from);
                // Answers are kept for the whole sample only (a table of one column).
                if from == 0 {
                    *total += t2;
                    let room = super::keywords::MAX_ANSWERS.saturating_sub(answers.len());
                    answers.extend(a2.iter().take(room).cloned());
                }
            }
            (Sums::Number { vals }, Sums::Number { vals: v2 }) => merge_sorted(&mut vals[to], &v2[from]),
            _ => unreachable!("tallies of one table have one kind"),
        }
    }
}

impl std::ops::AddAssign for Base {
    fn add_assign(&mut self, o: Base) {
        self.merge(&o);
    }
}

impl Tally {
    /// Reorders the columns: new column j is old column `order[j]` (an empty column for `None`).
    fn reorder(&mut self, order: &[Option<usize>]) {
        reorder(&mut self.bases, order);
        self.sums.reorder(order);
    }
    /// Adds the tally of other rows: columns are matched by label; labels new here are
    /// appended as columns.
    pub fn merge(&mut self, o: Tally) {
        let mut at = Vec::with_capacity(o.labels.len());
        let mut grown = self.labels.clone();
        for l in &o.labels {
            match self.labels.iter().position(|x| x == l) {
                Some(i) => at.push(i),
                None => {
                    at.push(grown.len());
                    grown.push(l.clone());
                }
            }
        }
        if grown.len() > self.labels.len() {
            let order: Vec<Option<usize>> = (0..grown.len()).map(|j| (j < self.labels.len()).then_some(j)).collect();
            self.reorder(&order);
            self.labels = grown;
        }
        for (from, &to) in at.iter().enumerate() {
            self.bases[to].merge(&o.bases[from]);
            self.sums.add(to, &o.sums, from);
        }
        match (&mut self.design, o.design) {
            (Some(d), Some(e)) => d.merge(*e),
            (d @ None, Some(e)) => *d = Some(e),
            _ => {}
        }
    }
    /// Only the columns with respondents (a part of a design touches few of a table's groups;
    /// [`Tally::align`] restores the others when the table is finished).
    pub fn keep_nonempty(&mut self) {
        let keep: Vec<usize> = (0..self.labels.len()).filter(|&c| self.bases[c].n > 0).collect();
        if keep.len() == self.labels.len() {
            return;
        }
        let order: Vec<Option<usize>> = keep.iter().map(|&c| Some(c)).collect();
        self.reorder(&order);
        self.labels = keep.iter().map(|&c| self.labels[c].clone()).collect();
    }
    /// The columns made `labels` (matched by label; a label not here becomes an empty column).
    pub fn align(&mut self, labels: &[String]) {
        if self.labels == labels {
            return;
        }
        let order: Vec<Option<usize>> = labels.iter().map(|l| self.labels.iter().position(|x| x == l)).collect();
        self.reorder(&order);
        self.labels = labels.to_vec();
    }
    /// The columns after the first in the order of `groups` (missing groups become empty
    /// columns), for groups found in the data: every tally of a banner then has the same
    /// columns, whatever rows it saw.
    pub fn regroup(&mut self, groups: &[String]) {
        let mut order = vec![Some(0)];
        order.extend(groups.iter().map(|g| self.labels.iter().skip(1).position(|x| x == g).map(|i| i + 1)));
        self.reorder(&order);
        self.labels = std::iter::once(self.labels[0].clone()).chain(groups.iter().cloned()).collect();
    }
}

/// What a tally is turned into figures with.
pub(crate) struct Shape<'a> {
    pub scope: Scope,
    /// `Q3`, or `Q6/三会一课` for a matrix row.
    pub id: String,
    pub text: String,
    pub q: &'a Question,
    pub breakdown: Breakdown,
    /// Whether any respondent's weight differs from 1 (over the whole data).
    pub weighted: bool,
    pub opts: &'a StatsOptions,
    /// The sampling design, when the survey has one.
    pub design: Option<&'a super::design::DesignInfo>,
}

/// What a table's figures are while they are made.
pub(crate) struct Acc {
    pub rows: Vec<Row>,
    pub test: Option<Independence>,
    pub test_note: Option<String>,
    pub answers: Vec<String>,
    pub answer_count: usize,
    pub histogram: Vec<(f64, f64, f64)>,
    pub keywords: Vec<super::keywords::Keyword>,
    pub themes: Vec<super::themes::Theme>,
}

impl TableJob<'_> {
    /// Number of columns.
    pub fn k(&self) -> usize {
        self.columns.labels.len()
    }
    pub fn crosstab(&self) -> bool {
        !self.columns.breakdown.is_overall()
    }

    /// The sums of this table over its rows.
    pub fn tally(&self) -> Tally {
        let mut t = self.plain_tally();
        if let Some(d) = self.design {
            if matches!(self.part.data, QData::Choice(_) | QData::Multi(_) | QData::Number(_)) {
                t.design = Some(Box::new(d.tally(self)));
            }
        }
        t
    }

    /// The sums of this table over its rows, without the design's parts.
    fn plain_tally(&self) -> Tally {
        let mut bases = vec![Base::default(); self.k()];
        let sums = match &self.part.data {
            QData::Choice(v) => super::choice::tally(self, v, &mut bases),
            QData::Multi(cols) => super::multi::tally(self, cols, &mut bases),
            QData::Rank(cols) => super::rank::tally(self, cols, &mut bases),
            QData::Text(v) => super::open::text_tally(self, v, &mut bases),
            QData::Number(v) => super::open::number_tally(self, v, &mut bases),
        };
        Tally { labels: self.columns.labels.clone(), bases, sums, design: None }
    }

    /// Counts per group column and code, for unit weights: `each(row, slots)` adds 1 to
    /// `slots[code]` for each code the row counts in and says whether it answered. Returns
    /// `n[column * codes + code]` and the rows per column (the bases); in a crosstab
    /// column 0 (all rows with a group) is the sum of the groups' columns.
    pub fn unit_counts(&self, codes: usize, each: impl Fn(usize, &mut [u64]) -> bool) -> (Vec<u64>, Vec<u64>) {
        let k = self.k();
        let (mut n, mut rows) = (vec![0u64; k * codes], vec![0u64; k]);
        let groups = &self.columns.codes;
        let mut add = |i: usize, g: u32| {
            let g = g as usize;
            rows[g] += u64::from(each(i, &mut n[g * codes..(g + 1) * codes]));
        };
        // Scope rows ascend without repeats, so as many as the table's rows are all of them,
        // in order: no row list to follow then, and in the overall table (every row in its
        // one column) no group to look up.
        match (self.rows.len() == groups.len(), self.crosstab()) {
            (true, false) => {
                debug_assert!(groups.iter().all(|g| *g == Some(0)));
                (0..groups.len()).for_each(|i| add(i, 0));
            }
            (true, true) => groups.iter().enumerate().for_each(|(i, g)| g.map_or((), |g| add(i, g))),
            (false, _) => self.rows.iter().for_each(|&i| groups[i].map_or((), |g| add(i, g))),
        }
        if self.crosstab() {
            for g in 1..k {
                rows[0] += rows[g];
                for o in 0..codes {
                    n[o] += n[g * codes + o];
                }
            }
        }
        (n, rows)
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
}

impl Shape<'_> {
    pub fn crosstab(&self) -> bool {
        !self.breakdown.is_overall()
    }

    /// The figures of a tally.
    pub fn finish(&self, t: Tally) -> Table {
        let mut acc = Acc {
            rows: Vec::new(),
            test: None,
            test_note: None,
            answers: Vec::new(),
            answer_count: 0,
            histogram: Vec::new(),
            keywords: Vec::new(),
            themes: Vec::new(),
        };
        // With a design, the whole table's sums are kept for the design's figures.
        let mut t = t;
        let parts = t.design.take().filter(|_| self.design.is_some());
        let whole = parts.as_ref().map(|_| t.clone());
        let Tally { labels, bases, sums, .. } = t;
        match sums {
            Sums::Choice { counts, sum, sum2 } => super::choice::figures(self, &bases, &counts, &sum, &sum2, &mut acc),
            Sums::Multi { counts, responses, selections } => {
                super::multi::figures(self, &bases, &counts, &responses, &selections, &mut acc)
            }
            Sums::Rank { at, rank_sum, ranked, ranked_n } => {
                super::rank::figures(self, &bases, &at, &rank_sum, &ranked, &ranked_n, &mut acc)
            }
            Sums::Text { counts, total, answers } => super::open::text_figures(self, &bases, &counts, total, answers, &mut acc),
            Sums::Number { mut vals } => super::open::number_figures(self, &bases, &mut vals, &mut acc),
        }
        // Options not offered in this wave have no figure (not 0%).
        let missing = self.q.missing_in(self.scope.label());
        for row in acc.rows.iter_mut().filter(|r| missing.contains(&r.option.as_str())) {
            for c in &mut row.cells {
                (c.value, c.count, c.ci) = (None, None, None);
            }
        }
        let designed = match (self.design, parts, &whole) {
            (Some(info), Some(mut ds), Some(whole)) => {
                ds.align(&labels);
                self.design_figures(info, &ds, whole, &mut acc)
            }
            _ => false,
        };
        if self.crosstab() && !designed {
            self.letters(&bases, &mut acc);
        }
        let Acc { rows, test, test_note, answers, answer_count, histogram, keywords, themes } = acc;
        Table {
            scope: self.scope.clone(),
            question: self.id.clone(),
            text: self.text.clone(),
            kind: self.q.kind,
            breakdown: self.breakdown.clone(),
            columns: labels,
            bases: bases.iter().map(|b| b.n).collect(),
            flags: bases.iter().map(|b| BaseFlag::of(b.n, self.opts)).collect(),
            weighted_bases: bases.iter().map(|b| b.w).collect(),
            effective_bases: bases.iter().map(|b| if self.weighted { b.n_eff() } else { b.n as f64 }).collect(),
            rows,
            test,
            test_note,
            answers,
            answer_count,
            histogram,
            keywords,
            themes,
        }
    }

    /// The design's standard errors, intervals and letters (and the Rao–Scott test of a
    /// choice crosstab) in place of the Kish-base ones. Whether they applied.
    fn design_figures(&self, info: &super::design::DesignInfo, ds: &super::design::DesignSums, whole: &Tally, acc: &mut Acc) -> bool {
        let applied = super::design::apply(self, info, ds, whole, acc);
        if let (true, Sums::Choice { counts, .. }) = (applied && self.crosstab(), &whole.sums) {
            // Groups that are the clusters themselves have no between-cluster test: the
            // Kish-base chi-square stays.
            if acc.test.is_some() && !super::design::groups_are_clusters(ds, whole) {
                match super::design::rao_scott(self, info, ds, whole, counts) {
                    Ok(x) => acc.test = Some(x),
                    Err(why) => (acc.test, acc.test_note) = (None, Some(why)),
                }
            }
        }
        applied
    }

    /// Column letters between banner groups with a large enough base: on every percent
    /// row (pooled z-tests), and on every mean (Welch t-tests with the row's sd).
    fn letters(&self, bases: &[Base], acc: &mut Acc) {
        let weighted = self.weighted;
        let opts = self.opts;
        let eff: Vec<f64> = bases[1..].iter().map(|b| if weighted { b.n_eff() } else { b.n as f64 }).collect();
        // A group takes part when its effective base reaches --min-base (the base itself
        // when unweighted): weights that shrink a group's information shrink its say.
        let elig: Vec<bool> = eff.iter().map(|n| *n >= opts.min_base).collect();
        for row in acc.rows.iter_mut().filter(|r| r.measure.is_percent() && r.measure != Measure::PercentOfResponses) {
            let props: Vec<f64> = row.cells[1..].iter().map(|c| c.value.unwrap_or(0.0) / 100.0).collect();
            let letters = column_letters(&props, &eff, &elig, opts.alpha, opts.letters_adjust);
            for (cell, l) in row.cells[1..].iter_mut().zip(letters) {
                cell.sig = l;
            }
        }
        let sds: Option<Vec<Option<f64>>> =
            acc.rows.iter().find(|r| r.measure == Measure::Sd).map(|r| r.cells[1..].iter().map(|c| c.value).collect());
        if let (Some(sds), Some(row)) = (sds, acc.rows.iter_mut().find(|r| r.measure == Measure::Mean)) {
            let means: Vec<Option<f64>> = row.cells[1..].iter().map(|c| c.value).collect();
            let letters = mean_letters(&means, &sds, &eff, &elig, opts.alpha, opts.letters_adjust);
            for (cell, l) in row.cells[1..].iter_mut().zip(letters) {
                cell.sig = l;
            }
        }
    }

    /// A row of percentages: `counts` over the column's weighted base, or over `denom`
    /// (percent of responses), with a Wilson interval on the (effective) base.
    pub fn pct_row(&self, option: String, measure: Measure, counts: &[f64], bases: &[Base], denom: Option<&[f64]>) -> Row {
        let cells = (0..bases.len())
            .map(|c| {
                let b = &bases[c];
                let d = denom.map(|d| d[c]).unwrap_or(b.w);
                if b.n == 0 || !super::inference::positive(d) {
                    return Cell { value: None, count: Some(counts[c]), base: b.n, ..Default::default() };
                }
                let p = counts[c] / d;
                let ci = if measure == Measure::PercentOfResponses { None } else { wilson(p, b.n_eff(), self.opts.conf) };
                Cell {
                    value: Some(p * 100.0),
                    count: Some(counts[c]),
                    base: b.n,
                    ci: ci.map(|(l, h)| (l * 100.0, h * 100.0)),
                    ..Default::default()
                }
            })
            .collect();
        Row { option, measure, cells }
    }

    /// Whether this part's question is a scale or matrix (means and top/bottom boxes).
    pub fn scored(&self) -> bool {
        matches!(self.q.kind, Kind::Scale | Kind::Matrix)
    }
}

/// A figure that is not a percent (mean, sd, …) on a column's base.
pub(crate) fn stat_cell(b: &Base, v: Option<f64>) -> Cell {
    Cell { value: v.filter(|x| x.is_finite()), count: None, base: b.n, ..Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{Column, DataFrame};

    /// Sums of a tally with unit weights counted as whole numbers ([`TableJob::unit_counts`])
    /// equal the sums over the rows' weights, overall and in a crosstab (column 0 = the
    /// groups together; rows without a group, outside the scope or unanswered left out; a
    /// multi-select answered with nothing chosen in the base).
    #[test]
    fn unit_weights_give_the_same_sums() {
        let toml = "id = \"t\"\ntitle = \"t\"\n[[questions]]\nid = \"Q1\"\ntext = \"单选\"\nkind = \"single\"\noptions = [\"甲\", \"乙\", \"丙\"]\n[[questions]]\nid = \"Q2\"\ntext = \"多选\"\nkind = \"multi\"\noptions = [\"一\", \"二\", \"三\"]\n";
        let survey = crate::survey::Survey::from_toml(toml).unwrap();
        let n = 500;
        let single: Vec<Option<u32>> = (0..n).map(|i| (i % 7 != 0).then_some(((i * 5) % 3) as u32)).collect();
        let flags: Vec<Column> = (0..3)
            .map(|o| {
                let v: Vec<Option<bool>> = (0..n).map(|i| (i % 9 != 0).then_some((i >> o) & 1 == 1)).collect();
                Column::new(crate::survey::schema::part_column("Q2", ["一", "二", "三"][o]).into(), v)
            })
            .collect();
        let df = DataFrame::new(n, flags).unwrap();
        let multi = super::super::codes::parts(&survey.questions[1], &df).remove(0);
        let choice = Part { id: "Q1".into(), text: "单选".into(), q: &survey.questions[0], data: QData::Choice(single) };
        let rows: Vec<usize> = (0..n).filter(|i| i % 13 != 0).collect();
        let overall = Columns { breakdown: Breakdown::Overall, labels: vec!["全部".into()], codes: vec![Some(0); n] };
        let by = Columns {
            breakdown: Breakdown::By(super::super::Banner::Question("Q9".into())),
            labels: (0..5).map(|g| g.to_string()).collect(),
            codes: (0..n).map(|i| (i % 11 != 0).then_some(1 + ((i * 3) % 4) as u32)).collect(),
        };
        let w = vec![1.0; n];
        for part in [&choice, &multi] {
            for columns in [&overall, &by] {
                let job = |unit| TableJob { rows: &rows, part, columns, w: &w, unit, design: None }.tally();
                let (fast, slow) = (job(true), job(false));
                for (a, b) in fast.bases.iter().zip(&slow.bases) {
                    assert_eq!((a.n, a.w, a.n_eff()), (b.n, b.w, b.n_eff()));
                }
                assert!(fast.bases[0].n > 300, "{}", fast.bases[0].n);
                match (&fast.sums, &slow.sums) {
                    (Sums::Choice { counts, sum, sum2 }, Sums::Choice { counts: c2, sum: s2, sum2: q2 }) => {
                        assert_eq!((counts, sum, sum2), (c2, s2, q2));
                    }
                    (Sums::Multi { counts, responses, selections }, Sums::Multi { counts: c2, responses: r2, selections: s2 }) => {
                        assert_eq!((counts, responses, selections), (c2, r2, s2));
                    }
                    _ => panic!("kinds differ"),
                }
            }
        }
    }

    /// Number answers kept as distinct values with their total weight: merging the lists
    /// of two batches gives the list of all the answers.
    #[test]
    fn number_lists_merge_as_one() {
        let all: Vec<(f64, f64)> = (0..1000).map(|i| (((i * 37) % 23) as f64 / 2.0, 1.0 + (i % 3) as f64)).collect();
        let (mut a, mut b, mut whole) = (all[..400].to_vec(), all[400..].to_vec(), all.clone());
        compact(&mut a);
        compact(&mut b);
        compact(&mut whole);
        merge_sorted(&mut a, &b);
        assert_eq!(a, whole);
        assert_eq!(whole.len(), 23);
        assert!(whole.windows(2).all(|w| w[0].0 < w[1].0));
        let total: f64 = all.iter().map(|x| x.1).sum();
        assert_eq!(whole.iter().map(|x| x.1).sum::<f64>(), total);
    }
}
