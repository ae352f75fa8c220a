//! The figures survey reports quote (docs/DESIGN.md), computed from the response table:
//! per-question summaries over the whole sample, crosstabs by banner with intervals,
//! tests of independence and column-proportion letters, with optional weights.
//!
//! Shape: every question is first turned into compact codes ([`codes`]) once; each table
//! is then one pass over the rows in scope, accumulating per banner group ([`table`],
//! with one file per question kind). Tables ([`model`]) are the single source for every
//! output (results.csv, tests.csv, the workbook, charts), so no renderer computes anything.

pub mod adjust;
pub mod changes;
mod choice;
mod codes;
mod design;
pub mod exact;
pub mod inference;
pub mod keywords;
pub mod league;
pub mod model;
mod multi;
mod open;
mod rank;
mod table;
pub mod themes;
pub mod weights;

use polars::prelude::*;

use crate::survey::{Kind, Survey};
pub use codes::subset;
pub use model::{Banner, BaseFlag, Breakdown, Cell, Measure, Results, Row, Scope, Table, OVERALL, TOTAL};
use table::{Columns, TableJob};
pub use weights::{cell_weights, cell_weights_with, effective_base, weights, CellTotals};

/// Errors that stop a report; messages are for users.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error("分组变量“{0}”既不是问卷中的题目，也不是答卷表中的列（可用：题目编号、unit、wave）")]
    UnknownBanner(String),
    #[error("分组变量“{0}”是{1}，只能用单选题、量表题、unit 或 wave 分组")]
    BadBanner(String, &'static str),
    #[error("权重“{0}”不是问卷中的数值题（--weight 应给一道数值题的编号，如 Q12）")]
    UnknownWeight(String),
    #[error("权重“{col}”在 {place} 的值“{value}”{why}；权重必须是 0 到 1000000 之间的数字")]
    BadWeight { col: String, place: String, value: String, why: &'static str },
    #[error("筛选条件 --where 中的“{0}”既不是问卷中的题目，也不是答卷表中的列（可用：题目编号、unit、wave）")]
    UnknownFilter(String),
    #[error("权重列“{0}”的权重全为 0")]
    ZeroWeights(String),
    #[error("筛选条件 {0} 下没有任何答卷，请检查题号和选项文字")]
    EmptySubset(String),
    #[error("survey.toml 的 [design] 写了 fpc = \"roster\"（按单位名单的应收份数做有限总体校正），请用 --units 给出单位名单")]
    FpcWithoutRoster,
    #[error(
        "survey.toml 的 [design] 中的 {0} = \"{1}\" 既不是问卷中的题目，也不是答卷表中的列（可用：题目编号、unit、[[fields]] 中的列）"
    )]
    UnknownDesign(&'static str, String),
}

/// Test settings (docs/DESIGN.md).
#[derive(Debug, Clone)]
pub struct StatsOptions {
    pub conf: f64,
    pub alpha: f64,
    /// Adjustment of the pairwise tests behind column letters (one family per row of a
    /// table); Bonferroni by default, as SPSS Custom Tables does.
    pub letters_adjust: adjust::Adjust,
    /// Adjustment of the tests of changes (one family per pair of waves) and of league
    /// tables (one per indicator and pair of waves); Holm by default.
    pub changes_adjust: adjust::Adjust,
    /// Below this base: figure marked, and the group takes no part in the pairwise column
    /// letters (it stays in the test of independence).
    pub min_base: f64,
    /// Below this base: figure marked "caution".
    pub caution_base: f64,
    /// Keywords of open answers to find per text question (whole sample; 0: none, as
    /// segmenting costs time and only the written report shows them).
    pub keywords: usize,
    /// The units in the roster's order: the unit banner's columns (and so their letters)
    /// follow it, units not in the roster after them; empty: the units' own order.
    pub unit_order: Vec<String>,
    /// The roster's expected questionnaires per unit (`--units`): the population sizes of
    /// a `[design]` with `fpc = "roster"`.
    pub unit_expected: Vec<crate::collect::roster::Unit>,
}

impl Default for StatsOptions {
    fn default() -> Self {
        StatsOptions {
            conf: 0.95,
            alpha: 0.05,
            letters_adjust: adjust::Adjust::Bonferroni,
            changes_adjust: adjust::Adjust::Holm,
            min_base: 30.0,
            caution_base: 100.0,
            keywords: 0,
            unit_order: Vec::new(),
            unit_expected: Vec::new(),
        }
    }
}

/// Computes every table: the whole sample per wave, and each banner's crosstabs (the
/// crosstab by wave over all waves together).
pub fn compute(
    survey: &Survey,
    df: &DataFrame,
    banners: &[Banner],
    weight: Option<&str>,
    opts: &StatsOptions,
) -> Result<Results, StatsError> {
    compute_subset(survey, df, df, banners, weight, opts)
}

/// [`compute`] over `df`, a subset (`--where`) of `full`: a `[design]`'s clusters are
/// counted over `full`, as a domain of the whole design (R's `subset()` of a design).
pub fn compute_subset(
    survey: &Survey,
    full: &DataFrame,
    df: &DataFrame,
    banners: &[Banner],
    weight: Option<&str>,
    opts: &StatsOptions,
) -> Result<Results, StatsError> {
    let mut tallies = Tallies::new(survey, banners, weight, opts);
    if let Some(d) = tallies.design.as_mut() {
        d.count(survey, full)?;
        tallies.counted = true;
    }
    let (w, wave_codes) = tallies.add(df)?;
    // League tables of units, when the survey names indicators: from the tallies' sums,
    // or, with a `[design]` (units' standard errors need their rows), from the table.
    let leagues = if survey.indicators.is_empty() || tallies.leagues.is_some() {
        Vec::new()
    } else {
        let units = codes::grouping(survey, df, &Banner::Unit)?;
        let wave_list = tallies.wave_list();
        // With one table the waves seen are the table's, in the same order.
        let waves: Vec<String> = wave_codes.iter().map(|&c| wave_list[c as usize].clone()).collect();
        let design = tallies.design_of(df, &w)?;
        let design = design.as_ref().map(|(rd, info)| (rd, info));
        league::leagues(&league::LeagueCtx { survey, df, w: &w, waves: &wave_list, row_waves: &waves, units: &units, opts, design })
    };
    tallies.finish(leagues)
}

/// Why a report cannot be computed a batch of rows at a time (figures that need every
/// row at once), if it cannot.
pub fn needs_whole_table(survey: &Survey) -> Option<&'static str> {
    if !survey.indicators.is_empty() && survey.design.is_some() {
        Some("survey.toml 同时定义了抽样设计（[design]）和单位排名指标（[[indicators]]），各单位的设计标准误要用全部答卷算出")
    } else {
        None
    }
}

/// Table key: (0 and the wave, or 1 for all waves together; question; part; 0 for the
/// whole sample or 1 + the banner's index). Its order is the order of the output: per
/// wave, question by question (whole sample, then each banner), then the crosstabs by
/// wave over all waves.
type Key = ((u8, String), usize, usize, usize);

/// The tables of a report as mergeable sums: rows are added a table (or a batch of a
/// larger one) at a time, and the figures are made once at the end, so that a report
/// over more rows than memory holds gives the same figures as one over a whole table.
pub struct Tallies<'a> {
    survey: &'a Survey,
    banners: &'a [Banner],
    weight: Option<&'a str>,
    opts: &'a StatsOptions,
    tables: std::collections::BTreeMap<Key, (String, String, table::Tally)>,
    /// Respondents per wave.
    waves: std::collections::BTreeMap<String, usize>,
    /// The groups found in the data per banner (empty for a question's options).
    groups: Vec<std::collections::BTreeSet<String>>,
    weighted: bool,
    weight_sum: f64,
    rows: usize,
    /// `--where`: only rows whose column equals one of the values are added.
    filter: Option<(&'a str, &'a [String])>,
    /// The survey's `[design]`: its strata and clusters over every batch.
    design: Option<design::DesignState<'a>>,
    /// The design's clusters were counted over the whole data before the rows were added.
    counted: bool,
    /// The indicators' sums per wave and unit (without a `[design]`: with one, the leagues
    /// need every row, [`compute_subset`]).
    leagues: Option<league::LeagueSums>,
    /// `[weighting]`: the cells' counts over the whole data, from a first pass
    /// ([`Tallies::count_cells`]); without them each table added weighs its own rows.
    cells: Option<weights::CellTotals>,
}

/// One batch of rows as every question is tallied on it: the rows of each wave, the
/// columns of every breakdown, the weights.
struct Batch<'d> {
    df: &'d DataFrame,
    scopes: Vec<(String, Vec<usize>)>,
    all_rows: Vec<usize>,
    overall: Columns,
    by: Vec<Columns>,
    w: Vec<f64>,
    /// Every row's weight is 1.
    unit: bool,
    design: Option<design::RowDesign>,
}

impl Batch<'_> {
    /// The tallies of question `qi`: per wave it was asked in and per part, overall and by
    /// each banner (not by itself); and across waves by wave.
    fn tallies(&self, survey: &Survey, qi: usize, q: &crate::survey::Question) -> Vec<(Key, String, String, table::Tally)> {
        let parts = codes::parts(q, self.df);
        let mut out = Vec::new();
        for (wave, rows) in &self.scopes {
            // A question not asked in a wave has no table there (not a table of nobody).
            for (pi, part) in parts.iter().enumerate().filter(|(_, p)| p.q.asked_in(wave)) {
                let mut push = |bi: usize, columns: &Columns| {
                    let t = TableJob { rows, part, columns, w: &self.w, unit: self.unit, design: self.design.as_ref() }.tally();
                    out.push((((0u8, wave.clone()), qi, pi, bi), part.id.clone(), part.text.clone(), t));
                };
                push(0, &self.overall);
                for (bi, cols) in self.by.iter().enumerate() {
                    let b = cols.breakdown.banner().expect("a banner");
                    // A banner against itself (or the unit banner against the unit question) says nothing.
                    let itself = match b {
                        Banner::Wave => true,
                        Banner::Question(id) => *id == part.q.id,
                        Banner::Unit => survey.unit.as_deref() == Some(part.q.id.as_str()),
                        Banner::Column(_) => false,
                    };
                    if !itself {
                        push(bi + 1, cols);
                    }
                }
            }
        }
        // Across waves: all rows together, by wave.
        if let Some(bi) = self.by.iter().position(|c| c.breakdown == Breakdown::By(Banner::Wave)) {
            for (pi, part) in parts.iter().enumerate() {
                let t = TableJob {
                    rows: &self.all_rows,
                    part,
                    columns: &self.by[bi],
                    w: &self.w,
                    unit: self.unit,
                    design: self.design.as_ref(),
                }
                .tally();
                out.push((((1u8, String::new()), qi, pi, bi + 1), part.id.clone(), part.text.clone(), t));
            }
        }
        out
    }
}

impl<'a> Tallies<'a> {
    pub fn new(survey: &'a Survey, banners: &'a [Banner], weight: Option<&'a str>, opts: &'a StatsOptions) -> Tallies<'a> {
        // The design's weight is the report's weight unless --weight names one.
        let weight = weight.or_else(|| survey.design.as_ref().and_then(|d| d.weight.as_deref()));
        Tallies {
            survey,
            banners,
            weight,
            opts,
            tables: Default::default(),
            waves: Default::default(),
            groups: vec![Default::default(); banners.len()],
            weighted: false,
            weight_sum: 0.0,
            rows: 0,
            filter: None,
            design: survey.design.as_ref().map(design::DesignState::new),
            counted: false,
            leagues: (!survey.indicators.is_empty() && survey.design.is_none()).then(|| league::LeagueSums::new(survey)),
            cells: None,
        }
    }

    /// A first pass over the data for `[weighting]`: counts the rows of each cell (of the
    /// filtered rows, when there is a filter), so that the weights of every batch added
    /// later are those of the whole data. Nothing to do without `[weighting]`.
    pub fn count_cells(&mut self, df: &DataFrame) -> Result<(), StatsError> {
        let Some(cw) = &self.survey.weighting else { return Ok(()) };
        let subset;
        let df = match self.filter {
            Some((col, values)) => {
                subset = codes::filter(self.survey, df, col, values)?;
                &subset
            }
            None => df,
        };
        self.cells.get_or_insert_with(Default::default).add(self.survey, df, cw);
        Ok(())
    }

    /// Adds only the rows whose column `col` equals one of `values` (`--where` over data
    /// that comes a batch at a time; a subset found in no batch is refused at the end).
    pub fn with_filter(mut self, col: &'a str, values: &'a [String]) -> Tallies<'a> {
        self.filter = Some((col, values));
        self
    }

    /// The design of the rows of `df` (already added) and of the whole data, if the survey
    /// has a `[design]`.
    fn design_of(&mut self, df: &DataFrame, w: &[f64]) -> Result<Option<(design::RowDesign, design::DesignInfo)>, StatsError> {
        let (survey, opts) = (self.survey, self.opts);
        let Some(d) = self.design.as_mut() else { return Ok(None) };
        Ok(Some((d.rows(survey, (df, None), w)?, d.info(opts)?)))
    }

    /// The waves seen, in order (one unnamed wave when there is none).
    pub fn wave_list(&self) -> Vec<String> {
        let mut v: Vec<String> = self.waves.keys().cloned().collect();
        if v.is_empty() {
            v.push(String::new());
        }
        v
    }

    /// Adds the rows of `df` to every table. Returns the weight of every row, and its
    /// wave as an index into the waves of `df` (in order).
    pub fn add(&mut self, df: &DataFrame) -> Result<(Vec<f64>, Vec<u32>), StatsError> {
        let survey = self.survey;
        // The design's units are counted over every respondent, before any filter (a
        // subset is a domain of the design, as R's subset() of a survey design).
        let mut keys = match self.design.as_mut().filter(|_| !self.counted) {
            Some(d) => Some(d.count(survey, df)?),
            None => None,
        };
        let subset;
        let df = match self.filter {
            Some((col, values)) => {
                subset = codes::filter(survey, df, col, values)?;
                // A batch with none of the subset adds nothing.
                if subset.height() == 0 {
                    return Ok(Default::default());
                }
                &subset
            }
            None => df,
        };
        if self.filter.is_some() {
            // The subset's rows have other keys than the whole batch's.
            keys = None;
        }
        let w = self.row_weights(df)?;
        let groupings: Vec<codes::Grouping> = self.banners.iter().map(|b| codes::grouping(survey, df, b)).collect::<Result<_, _>>()?;
        for (g, seen) in groupings.iter().zip(self.groups.iter_mut()) {
            if survey.question(g.banner.name()).is_none() {
                seen.extend(g.groups.iter().cloned());
            }
        }
        let (waves, scopes) = self.scopes(df);
        if let Some(ls) = self.leagues.as_mut() {
            let units = codes::grouping(survey, df, &Banner::Unit)?;
            let row_waves: Vec<&str> = waves.iter().map(|&c| scopes[c as usize].0.as_str()).collect();
            ls.add(survey, df, &w, &row_waves, &units);
        }
        crate::profile::mark("weights, groups and waves");
        let n = df.height();
        let overall = Columns { breakdown: Breakdown::Overall, labels: vec![OVERALL.to_string()], codes: vec![Some(0); n] };
        let by: Vec<Columns> = groupings
            .iter()
            .map(|g| Columns {
                breakdown: Breakdown::By(g.banner.clone()),
                labels: std::iter::once(TOTAL.to_string()).chain(g.groups.iter().cloned()).collect(),
                codes: g.codes.iter().map(|c| c.map(|g| g + 1)).collect(),
            })
            .collect();
        let design = match self.design.as_mut() {
            Some(d) => Some(d.rows(survey, (df, keys), &w)?),
            None => None,
        };
        let unit = w.iter().all(|x| *x == 1.0);
        let batch = Batch { df, scopes, all_rows: (0..n).collect(), overall, by, w, unit, design };
        // Questions are read as codes and tallied a few at a time (one per core), so that
        // only their codes are held.
        use rayon::prelude::*;
        // Open questions (their answers' themes: the longest to tally) are started first,
        // so that no core is left with one of them at the end; the tables are keyed, so the
        // order they are tallied in does not matter.
        let mut order: Vec<usize> = (0..survey.questions.len()).collect();
        order.sort_by_key(|&qi| survey.questions[qi].kind != Kind::Text);
        let tallies: Vec<(Key, String, String, table::Tally)> =
            order.par_iter().with_max_len(1).flat_map_iter(|&qi| batch.tallies(survey, qi, &survey.questions[qi])).collect();
        for (key, id, text, t) in tallies {
            match self.tables.entry(key) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert((id, text, t));
                }
                std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().2.merge(t),
            }
        }
        crate::profile::mark("tables tallied");
        Ok((batch.w, waves))
    }

    /// Every row's weight (the weight question's value, the cell weights of the design, or
    /// 1), counted into the totals.
    fn row_weights(&mut self, df: &DataFrame) -> Result<Vec<f64>, StatsError> {
        let w: Vec<f64> = match (self.weight, &self.survey.weighting) {
            (Some(c), _) => weights::values(self.survey, df, c)?,
            (None, Some(cw)) => match &self.cells {
                Some(totals) => weights::cell_weights_with(self.survey, df, cw, totals),
                None => cell_weights(self.survey, df, cw),
            },
            (None, None) => vec![1.0; df.height()],
        };
        self.rows += df.height();
        self.weight_sum += w.iter().sum::<f64>();
        self.weighted |= w.iter().any(|x| *x != 1.0);
        Ok(w)
    }

    /// Each row's wave (an index into the waves of `df`), and the rows of each wave (one
    /// unnamed wave when there are no rows), counted into the waves seen.
    fn scopes(&mut self, df: &DataFrame) -> (Vec<u32>, Vec<(String, Vec<usize>)>) {
        let (waves, mut wave_list) = codes::wave_codes(df);
        if wave_list.is_empty() {
            // No rows: the tables of nobody, in the unnamed wave.
            wave_list.push(String::new());
        }
        let mut scope_rows: Vec<Vec<usize>> = vec![Vec::new(); wave_list.len()];
        for (i, &c) in waves.iter().enumerate() {
            scope_rows[c as usize].push(i);
        }
        for (wv, rows) in wave_list.iter().zip(&scope_rows) {
            *self.waves.entry(wv.clone()).or_default() += rows.len();
        }
        (waves, wave_list.into_iter().zip(scope_rows).collect())
    }

    /// The figures of every table, in the order of the output.
    pub fn finish(mut self, leagues: Vec<league::League>) -> Result<Results, StatsError> {
        let leagues = match self.leagues.take() {
            Some(sums) => sums.finish(self.survey, &self.wave_list(), self.opts),
            None => leagues,
        };
        if let (Some((col, values)), 0) = (self.filter, self.rows) {
            return Err(StatsError::EmptySubset(format!("{col}={}", values.join("|"))));
        }
        if let Some(c) = self.weight {
            if self.rows > 0 && self.weight_sum == 0.0 {
                return Err(StatsError::ZeroWeights(c.to_string()));
            }
        }
        let weight_note = match (self.weight, &self.survey.weighting) {
            (Some(c), _) => Some(format!("按 {c} 加权")),
            (None, Some(cw)) => Some(format!("按 {} 分格加权到目标比例", cw.question)),
            (None, None) => None,
        };
        let waves = self.wave_list();
        let groups: Vec<Vec<String>> =
            self.groups.into_iter().zip(self.banners).map(|(g, b)| in_order(g.into_iter().collect(), b, self.survey, self.opts)).collect();
        let (survey, banners, opts, weighted) = (self.survey, self.banners, self.opts, self.weighted);
        let design_info = self.design.as_ref().map(|d| d.info(opts)).transpose()?;
        let design_note = self.design.as_ref().map(|d| d.note());
        let design = design_info.as_ref();
        use rayon::prelude::*;
        let entries: Vec<(Key, (String, String, table::Tally))> = self.tables.into_iter().collect();
        let tables: Vec<Table> = entries
            .into_par_iter()
            .with_max_len(1)
            .map(|(((all, wave), qi, _, bi), (id, text, mut t))| {
                let breakdown = if bi == 0 { Breakdown::Overall } else { Breakdown::By(banners[bi - 1].clone()) };
                // The groups of a banner found in the data: every one a column, in order.
                if bi > 0 && survey.question(banners[bi - 1].name()).is_none() {
                    t.regroup(&groups[bi - 1]);
                }
                let scope = if all == 1 { Scope::AllWaves } else { Scope::Wave(wave) };
                table::Shape { scope, id, text, q: &survey.questions[qi], breakdown, weighted, opts, design }.finish(t)
            })
            .collect();
        crate::profile::mark("tables");
        let respondents = waves.iter().map(|wv| (wv.clone(), self.waves.get(wv).copied().unwrap_or(0))).collect();
        Ok(Results {
            tables,
            waves,
            weighted: weight_note.is_some(),
            weight_note,
            design_note,
            options: opts.clone(),
            leagues,
            respondents,
        })
    }
}

/// A banner's groups in the order tables show them: units in the roster's order, else in
/// the order of the unit question's options (the rest after, in their own order); anything
/// else as found (sorted).
fn in_order(mut groups: Vec<String>, banner: &Banner, survey: &Survey, opts: &StatsOptions) -> Vec<String> {
    if *banner != Banner::Unit {
        return groups;
    }
    let options: Vec<String> = match survey.unit.as_deref().and_then(|u| survey.question(u)) {
        Some(q) => q.options.iter().map(|o| o.text().to_string()).collect(),
        None => Vec::new(),
    };
    let order = if opts.unit_order.is_empty() { &options } else { &opts.unit_order };
    groups.sort_by_cached_key(|g| order.iter().position(|u| u == g).unwrap_or(usize::MAX));
    groups
}
