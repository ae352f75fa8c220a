//! The figures survey reports quote (docs/DESIGN.md), computed from the response table:
//! per-question summaries over the whole sample, crosstabs by banner with intervals,
//! tests of independence and column-proportion letters, with optional weights.
//!
//! Shape: every question is first turned into compact codes ([`codes`]) once; each table
//! is then one pass over the rows in scope, accumulating per banner group ([`table`],
//! with one file per question kind). Tables ([`model`]) are the single source for every
//! output (results.csv, tests.csv, the workbook, charts), so no renderer computes anything.

pub mod changes;
mod choice;
mod codes;
pub mod exact;
pub mod league;
pub mod inference;
pub mod keywords;
pub mod model;
mod multi;
mod open;
mod rank;
mod table;
pub mod weights;

use polars::prelude::*;

use crate::survey::schema::WAVE;
use crate::survey::Survey;
pub use codes::subset;
pub use model::{BaseFlag, Banner, Breakdown, Cell, Measure, Results, Row, Scope, Table, OVERALL, TOTAL};
use table::{Columns, TableJob};
pub use weights::{cell_weights, effective_base, weights};


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
}

/// Test settings (docs/DESIGN.md).
#[derive(Debug, Clone)]
pub struct StatsOptions {
    pub conf: f64,
    pub alpha: f64,
    pub bonferroni: bool,
    /// Below this base: figure marked, and the group takes no part in the pairwise column
    /// letters (it stays in the test of independence).
    pub min_base: f64,
    /// Below this base: figure marked "caution".
    pub caution_base: f64,
    /// Keywords of open answers to find per text question (whole sample; 0: none, as
    /// segmenting costs time and only the written report shows them).
    pub keywords: usize,
}

impl Default for StatsOptions {
    fn default() -> Self {
        StatsOptions { conf: 0.95, alpha: 0.05, bonferroni: false, min_base: 30.0, caution_base: 100.0, keywords: 0 }
    }
}


/// Computes every table: the whole sample per wave, and each banner's crosstabs (the
/// crosstab by wave over all waves together).
pub fn compute(survey: &Survey, df: &DataFrame, banners: &[Banner], weight: Option<&str>, opts: &StatsOptions) -> Result<Results, StatsError> {
    let n = df.height();
    let (w, weight_note): (Vec<f64>, Option<String>) = match (weight, &survey.weighting) {
        (Some(c), _) => (weights(survey, df, c)?, Some(format!("按 {c} 加权"))),
        (None, Some(cw)) => (cell_weights(survey, df, cw), Some(format!("按 {} 分格加权到目标比例", cw.question))),
        (None, None) => (vec![1.0; n], None),
    };
    let groupings: Vec<codes::Grouping> = banners.iter().map(|b| codes::grouping(survey, df, b)).collect::<Result<_, _>>()?;
    let waves: Vec<String> = codes::str_col(df, WAVE).unwrap_or_else(|| vec![None; n]).into_iter().map(|v| v.unwrap_or_default()).collect();
    // The distinct waves, in order (not by sorting every row's).
    let mut wave_list: Vec<String> = waves.iter().map(|w| w.as_str()).collect::<std::collections::BTreeSet<&str>>().into_iter().map(str::to_string).collect();
    if wave_list.is_empty() {
        wave_list.push(String::new());
    }
    crate::profile::mark("weights, groups and waves");
    let scopes: Vec<(Scope, Vec<usize>)> = wave_list.iter().map(|wv| (Scope::Wave(wv.clone()), (0..n).filter(|&i| &waves[i] == wv).collect())).collect();
    let all_rows: Vec<usize> = (0..n).collect();
    let overall = Columns { breakdown: Breakdown::Overall, labels: vec![OVERALL.to_string()], codes: vec![Some(0); n] };
    let by: Vec<Columns> = groupings
        .iter()
        .map(|g| Columns {
            breakdown: Breakdown::By(g.banner.clone()),
            labels: std::iter::once(TOTAL.to_string()).chain(g.groups.iter().cloned()).collect(),
            codes: g.codes.iter().map(|c| c.map(|g| g + 1)).collect(),
        })
        .collect();
    let by_wave = by.iter().find(|c| c.breakdown == Breakdown::By(Banner::Wave));
    // Questions are read as codes and tabulated a few at a time (one per core), so that
    // only their codes are held; the tables are then put in the order of the output:
    // per wave, question by question (whole sample, then each banner), then the
    // crosstabs by wave over all waves.
    use rayon::prelude::*;
    let mut keyed: Vec<((usize, usize, usize), Table)> = survey
        .questions
        .par_iter()
        .enumerate()
        .flat_map_iter(|(qi, q)| {
            let parts = codes::parts(q, df);
            let mut out = Vec::new();
            for (si, (scope, rows)) in scopes.iter().enumerate() {
                // A question not asked in a wave has no table there (not a table of nobody).
                for (pi, part) in parts.iter().enumerate().filter(|(_, p)| p.q.asked_in(scope.label())) {
                    let job = |columns| TableJob { scope: scope.clone(), rows, part, columns, w: &w, opts };
                    out.push(((si, qi, pi), job(&overall).run()));
                    for cols in &by {
                        let b = cols.breakdown.banner().expect("a banner");
                        // A banner against itself (or the unit banner against the unit question) says nothing.
                        let itself = match b {
                            Banner::Wave => true,
                            Banner::Question(id) => *id == part.q.id,
                            Banner::Unit => survey.unit.as_deref() == Some(part.q.id.as_str()),
                            Banner::Column(_) => false,
                        };
                        if !itself {
                            out.push(((si, qi, pi), job(cols).run()));
                        }
                    }
                }
            }
            // Across waves: all rows together, by wave.
            if let Some(cols) = by_wave {
                for (pi, part) in parts.iter().enumerate() {
                    out.push(((scopes.len(), qi, pi), TableJob { scope: Scope::AllWaves, rows: &all_rows, part, columns: cols, w: &w, opts }.run()));
                }
            }
            out
        })
        .collect();
    // A stable sort: tables of one part keep their order (whole sample, then banners).
    keyed.sort_by_key(|(k, _)| *k);
    let tables: Vec<Table> = keyed.into_iter().map(|(_, t)| t).collect();
    crate::profile::mark("tables");
    // League tables of units, when the survey names indicators.
    let leagues = if survey.indicators.is_empty() {
        Vec::new()
    } else {
        let units = codes::grouping(survey, df, &Banner::Unit)?;
        league::leagues(&league::LeagueCtx { survey, df, w: &w, waves: &wave_list, row_waves: &waves, units: &units, opts })
    };
    let respondents = wave_list.iter().map(|wv| (wv.clone(), waves.iter().filter(|x| *x == wv).count())).collect();
    Ok(Results { tables, waves: wave_list, weighted: weight_note.is_some(), weight_note, options: opts.clone(), leagues, respondents })
}
