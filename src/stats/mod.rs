//! The figures survey reports quote (docs/DESIGN.md), computed from the response table:
//! per-question summaries over the whole sample, crosstabs by banner with intervals,
//! tests of independence and column-proportion letters, with optional weights.
//!
//! Shape: every question is first turned into compact codes ([`QData`]) once; each table
//! is then one pass over the rows in scope, accumulating per banner group. Tables are
//! the single source for every output (results.csv, tests.csv, the workbook), so no
//! renderer computes anything.

pub mod exact;
pub mod inference;

use polars::prelude::*;
use rustc_hash::FxHashMap;

use crate::survey::{Kind, Question, Survey};
use inference::{column_letters, independence, wilson, Independence};

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
}

impl Default for StatsOptions {
    fn default() -> Self {
        StatsOptions { conf: 0.95, alpha: 0.05, bonferroni: false, min_base: 30.0, caution_base: 100.0 }
    }
}

/// What a figure measures (the `measure` column of results.csv).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    Percent,
    PercentOfResponses,
    Mean,
    Sd,
    Median,
    Min,
    Max,
    Top2,
    Bottom2,
    RankScore,
    FirstShare,
    AvgRank,
    /// Number of non-empty answers (text questions; workbook only).
    Answers,
}

impl Measure {
    pub fn name(self) -> &'static str {
        match self {
            Measure::Percent => "percent",
            Measure::PercentOfResponses => "percent_of_responses",
            Measure::Mean => "mean",
            Measure::Sd => "sd",
            Measure::Median => "median",
            Measure::Min => "min",
            Measure::Max => "max",
            Measure::Top2 => "top2",
            Measure::Bottom2 => "bottom2",
            Measure::RankScore => "rank_score",
            Measure::FirstShare => "first_share",
            Measure::AvgRank => "avg_rank",
            Measure::Answers => "answers",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Measure::Percent => "比例",
            Measure::PercentOfResponses => "响应率",
            Measure::Mean => "平均分",
            Measure::Sd => "标准差",
            Measure::Median => "中位数",
            Measure::Min => "最小值",
            Measure::Max => "最大值",
            Measure::Top2 => "前两项合计",
            Measure::Bottom2 => "后两项合计",
            Measure::RankScore => "综合得分",
            Measure::FirstShare => "排第一位的比例",
            Measure::AvgRank => "平均名次",
            Measure::Answers => "填写人数",
        }
    }
    /// Percent-type measures: value in 0–100, with a Wilson interval.
    pub fn is_percent(self) -> bool {
        matches!(self, Measure::Percent | Measure::PercentOfResponses | Measure::Top2 | Measure::Bottom2 | Measure::FirstShare)
    }
}

/// One figure in one column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The figure; percent-type measures in 0–100. `None` when the base is empty.
    pub value: Option<f64>,
    /// Weighted count behind a percent (None for means etc.).
    pub count: Option<f64>,
    /// Unweighted base.
    pub base: usize,
    pub ci: Option<(f64, f64)>,
    /// Column letters this cell is significantly higher than.
    pub sig: String,
}

/// How far a column's base can be trusted (docs/DESIGN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseFlag {
    Ok,
    /// Below the caution base: read with care.
    Caution,
    /// Below the minimum base: shown, but in no pairwise comparison.
    Small,
    /// Nobody in the column.
    Empty,
}

impl BaseFlag {
    pub fn of(n: usize, opts: &StatsOptions) -> BaseFlag {
        let x = n as f64;
        if n == 0 {
            BaseFlag::Empty
        } else if x < opts.min_base {
            BaseFlag::Small
        } else if x < opts.caution_base {
            BaseFlag::Caution
        } else {
            BaseFlag::Ok
        }
    }
    /// The mark users see beside such a base.
    pub fn label(self) -> &'static str {
        match self {
            BaseFlag::Ok => "",
            BaseFlag::Caution => "谨慎解读",
            BaseFlag::Small | BaseFlag::Empty => "样本过少",
        }
    }
}

/// A row of a table: one option (or the whole question) and one measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Option text; empty for whole-question measures (mean, sd, …).
    pub option: String,
    pub measure: Measure,
    pub cells: Vec<Cell>,
}

/// A question (or one matrix row) summarised in one or more columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub wave: String,
    /// `Q3`, or `Q6/三会一课` for a matrix row.
    pub question: String,
    pub text: String,
    pub kind: Kind,
    /// `None` for the whole sample; the banner's name otherwise.
    pub banner: Option<String>,
    /// Column labels: `总体` alone, or `总计` then the banner's groups.
    pub columns: Vec<String>,
    /// Unweighted base per column.
    pub bases: Vec<usize>,
    /// Weighted base per column (equals `bases` without weights).
    pub weighted_bases: Vec<f64>,
    /// Small-base flag per column.
    pub flags: Vec<BaseFlag>,
    pub rows: Vec<Row>,
    pub test: Option<Independence>,
    /// Why a crosstab of a choice question has no test (`test` is `None`).
    pub test_note: Option<String>,
    /// Non-empty answers of a text question (whole sample only).
    pub answers: Vec<String>,
    /// Number questions (whole sample): (low, high, weighted count) per bin; a bin holds
    /// low ≤ x < high, the last one also x = high.
    pub histogram: Vec<(f64, f64, f64)>,
}

/// Everything a report shows.
pub struct Results {
    pub tables: Vec<Table>,
    pub waves: Vec<String>,
    pub weighted: bool,
    /// How the figures are weighted, for users (None: unweighted).
    pub weight_note: Option<String>,
    pub options: StatsOptions,
}

/// The label of the whole-sample column and of the crosstab total column.
pub const OVERALL: &str = "总体";
pub const TOTAL: &str = "总计";

/// A question as compact per-row codes.
enum QData {
    /// Option index per row (single, scale, one matrix row).
    Choice(Vec<Option<u32>>),
    /// Selected flag per option per row.
    Multi(Vec<Vec<Option<bool>>>),
    /// Rank per option per row.
    Rank(Vec<Vec<Option<i32>>>),
    Text(Vec<Option<String>>),
    Number(Vec<Option<f64>>),
}

/// A grouping of respondents: group index per row.
struct Banner {
    name: String,
    groups: Vec<String>,
    codes: Vec<Option<u32>>,
}

fn str_col(df: &DataFrame, name: &str) -> Option<Vec<Option<String>>> {
    let c = df.column(name).ok()?;
    let s = c.cast(&DataType::String).ok()?;
    let ca = s.str().ok()?.clone();
    Some(ca.iter().map(|v| v.map(|s| s.to_string())).collect())
}

fn f64_col(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name)
        .ok()
        .and_then(|c| c.cast(&DataType::Float64).ok())
        .and_then(|c| c.f64().ok().map(|ca| ca.iter().collect()))
        .unwrap_or_else(|| vec![None; df.height()])
}

fn choice_codes(q: &Question, df: &DataFrame, col: &str) -> Vec<Option<u32>> {
    match q.kind {
        Kind::Single => {
            let idx: FxHashMap<&str, u32> = q.options.iter().enumerate().map(|(i, o)| (o.text(), i as u32)).collect();
            match df.column(col).ok().and_then(|c| c.str().ok().cloned()) {
                Some(ca) => ca.iter().map(|v| v.and_then(|s| idx.get(s).copied())).collect(),
                None => vec![None; df.height()],
            }
        }
        _ => {
            let scores: Vec<f64> = (0..q.options.len()).map(|i| q.score(i)).collect();
            f64_col(df, col)
                .into_iter()
                .map(|v| v.and_then(|x| scores.iter().position(|s| (s - x).abs() < 1e-9).map(|i| i as u32)))
                .collect()
        }
    }
}

/// The per-option columns `Qn/<option>` of a multi or rank question (missing when absent).
fn option_cols<T: Clone>(df: &DataFrame, q: &Question, get: impl Fn(&Column) -> Option<Vec<Option<T>>>) -> Vec<Vec<Option<T>>> {
    q.options
        .iter()
        .map(|o| df.column(&format!("{}/{}", q.id, o.text())).ok().and_then(&get).unwrap_or_else(|| vec![None; df.height()]))
        .collect()
}

/// The parts of a question that get a table each: the question, or each matrix row.
fn parts(q: &Question, df: &DataFrame) -> Vec<(String, String, QData)> {
    let n = df.height();
    match q.kind {
        Kind::Single | Kind::Scale => vec![(q.id.clone(), q.text.clone(), QData::Choice(choice_codes(q, df, &q.id)))],
        Kind::Matrix => q
            .rows
            .iter()
            .map(|r| {
                let col = format!("{}/{}", q.id, r);
                (col.clone(), format!("{}—{}", q.text, r), QData::Choice(choice_codes(q, df, &col)))
            })
            .collect(),
        Kind::Multi => vec![(q.id.clone(), q.text.clone(), QData::Multi(option_cols(df, q, |c| c.bool().ok().map(|ca| ca.iter().collect()))))],
        Kind::Rank => vec![(q.id.clone(), q.text.clone(), QData::Rank(option_cols(df, q, |c| c.i32().ok().map(|ca| ca.iter().collect()))))],
        Kind::Text => vec![(q.id.clone(), q.text.clone(), QData::Text(str_col(df, &q.id).unwrap_or_else(|| vec![None; n])))],
        Kind::Number => vec![(q.id.clone(), q.text.clone(), QData::Number(f64_col(df, &q.id)))],
    }
}

fn banner(survey: &Survey, df: &DataFrame, name: &str) -> Result<Banner, StatsError> {
    if let Some(q) = survey.question(name) {
        if !matches!(q.kind, Kind::Single | Kind::Scale) {
            return Err(StatsError::BadBanner(name.to_string(), q.kind.label()));
        }
        let codes = choice_codes(q, df, &q.id);
        let groups = q.options.iter().map(|o| o.text().to_string()).collect();
        return Ok(Banner { name: name.to_string(), groups, codes });
    }
    // A column of the table (unit, wave, or any string column): groups in sorted order.
    let vals = str_col(df, name).ok_or_else(|| StatsError::UnknownBanner(name.to_string()))?;
    let mut groups: Vec<String> = vals.iter().flatten().cloned().collect();
    groups.sort();
    groups.dedup();
    let idx: FxHashMap<&str, u32> = groups.iter().enumerate().map(|(i, g)| (g.as_str(), i as u32)).collect();
    let codes = vals.iter().map(|v| v.as_deref().and_then(|s| idx.get(s).copied())).collect();
    Ok(Banner { name: name.to_string(), groups, codes })
}

/// Reads and checks a weight column: numbers ≥ 0, none missing, not all zero.
pub fn weights(df: &DataFrame, col: &str) -> Result<Vec<f64>, StatsError> {
    // Only an answer column can weigh: not the year, the unit or a file name.
    if crate::clean::schema::TRACE.contains(&col) {
        return Err(StatsError::UnknownWeight(col.to_string()));
    }
    let c = df.column(col).map_err(|_| StatsError::UnknownWeight(col.to_string()))?;
    let s = c.cast(&DataType::String).map_err(|_| StatsError::UnknownWeight(col.to_string()))?;
    let ca = s.str().map_err(|_| StatsError::UnknownWeight(col.to_string()))?;
    let files = str_col(df, "source_file");
    let rows = str_col(df, "source_row");
    let mut out = Vec::with_capacity(df.height());
    for (i, v) in ca.iter().enumerate() {
        // Where the bad weight is: the file and the row as Excel shows it.
        let place = || match (files.as_ref().and_then(|f| f[i].clone()), rows.as_ref().and_then(|r| r[i].clone())) {
            (Some(f), Some(r)) => format!("{f} 第 {r} 行"),
            _ => format!("第 {} 份答卷", i + 1),
        };
        let bad = |value: &str, why| StatsError::BadWeight { col: col.to_string(), place: place(), value: value.to_string(), why };
        let Some(v) = v else { return Err(bad("", "为空")) };
        let w: f64 = v.trim().parse().map_err(|_| bad(v, "不是数字"))?;
        if !w.is_finite() {
            return Err(bad(v, "不是有限的数字"));
        }
        if w < 0.0 {
            return Err(bad(v, "是负数"));
        }
        // Weights so large that their sums overflow would blank every figure.
        if w > 1e6 {
            return Err(bad(v, "太大"));
        }
        out.push(w);
    }
    if !out.is_empty() && out.iter().all(|w| *w == 0.0) {
        return Err(StatsError::ZeroWeights(col.to_string()));
    }
    Ok(out)
}

/// Keeps the respondents whose column `col` (a question id or a table column such as
/// `unit` or `wave`) equals one of `values`, for figures over a subset of the sample.
pub fn subset(df: &DataFrame, col: &str, values: &[String]) -> Result<DataFrame, StatsError> {
    let vals = str_col(df, col).ok_or_else(|| StatsError::UnknownFilter(col.to_string()))?;
    // `5` and `5.0` are the same number: numeric columns compare as numbers.
    // A selected option (true) is also `1` or `是`.
    let same = |cell: &str, want: &str| {
        cell == want
            || matches!((cell.trim().parse::<f64>(), want.trim().parse::<f64>()), (Ok(a), Ok(b)) if a == b)
            || (cell == "true" && ["1", "是", "选中"].contains(&want.trim()))
            || (cell == "false" && ["0", "否", "未选"].contains(&want.trim()))
    };
    let mask: BooleanChunked = vals.iter().map(|v| Some(v.as_deref().is_some_and(|s| values.iter().any(|x| same(s, x))))).collect();
    let out = df.filter(&mask).map_err(|_| StatsError::UnknownFilter(col.to_string()))?;
    if out.height() == 0 {
        return Err(StatsError::EmptySubset(format!("{col}={}", values.join("|"))));
    }
    Ok(out)
}

/// Cell weights (post-stratification), within each wave: a respondent in cell c gets
/// target(c) ÷ sample share(c), targets normalised over the cells present in the wave.
/// Respondents outside every target cell keep weight 1.
pub fn cell_weights(survey: &Survey, df: &DataFrame, cw: &crate::survey::Weighting) -> Vec<f64> {
    let n = df.height();
    let cells: Vec<Option<String>> = match survey.question(&cw.question) {
        Some(q) => {
            let codes = choice_codes(q, df, &q.id);
            codes.iter().map(|c| c.map(|i| q.options[i as usize].text().to_string())).collect()
        }
        None => str_col(df, &cw.question).unwrap_or_else(|| vec![None; n]),
    };
    // Targets by option text as the data spells it.
    let target = |cell: &str| -> Option<f64> {
        cw.targets.iter().find(|(k, _)| match survey.question(&cw.question) {
            Some(q) => q.find_option(k).map(|i| q.options[i].text()) == Some(cell),
            None => k.as_str() == cell,
        }).map(|(_, v)| *v)
    };
    let waves = str_col(df, "wave").unwrap_or_else(|| vec![None; n]);
    let mut w = vec![1.0; n];
    let mut groups: FxHashMap<Option<&str>, Vec<usize>> = FxHashMap::default();
    for (i, wv) in waves.iter().enumerate() {
        groups.entry(wv.as_deref()).or_default().push(i);
    }
    for rows in groups.values() {
        let mut count: FxHashMap<&str, f64> = FxHashMap::default();
        for &i in rows {
            if let Some(c) = cells[i].as_deref().filter(|c| target(c).is_some()) {
                *count.entry(c).or_default() += 1.0;
            }
        }
        let valid: f64 = count.values().sum();
        let total_target: f64 = count.keys().filter_map(|c| target(c)).sum();
        if valid == 0.0 || total_target <= 0.0 {
            continue;
        }
        for &i in rows {
            if let Some(c) = cells[i].as_deref() {
                if let (Some(t), Some(k)) = (target(c), count.get(c)) {
                    w[i] = (t / total_target) / (k / valid);
                }
            }
        }
    }
    w
}

/// The effective base of a set of weights, (Σw)² / Σw² (Kish).
pub fn effective_base(w: &[f64]) -> f64 {
    let (s, s2) = w.iter().fold((0.0, 0.0), |(s, s2), x| (s + x, s2 + x * x));
    if s2 > 0.0 {
        s * s / s2
    } else {
        0.0
    }
}

/// Per-group accumulator of weights: Σw and Σw² give the base and effective base.
#[derive(Clone, Copy, Default)]
struct Base {
    n: usize,
    w: f64,
    w2: f64,
}

impl Base {
    fn add(&mut self, w: f64) {
        self.n += 1;
        self.w += w;
        self.w2 += w * w;
    }
    fn n_eff(&self) -> f64 {
        if self.w2 > 0.0 {
            self.w * self.w / self.w2
        } else {
            0.0
        }
    }
}

/// Computes every table: the whole sample per wave, and each banner's crosstabs.
pub fn compute(survey: &Survey, df: &DataFrame, banners: &[String], weight: Option<&str>, opts: &StatsOptions) -> Result<Results, StatsError> {
    let n = df.height();
    let (w, weight_note): (Vec<f64>, Option<String>) = match (weight, &survey.weighting) {
        (Some(c), _) => (weights(df, c)?, Some(format!("按 {c} 加权"))),
        (None, Some(cw)) => (cell_weights(survey, df, cw), Some(format!("按 {} 分格加权到目标比例", cw.question))),
        (None, None) => (vec![1.0; n], None),
    };
    let bans: Vec<Banner> = banners.iter().map(|b| banner(survey, df, b)).collect::<Result<_, _>>()?;
    let wave_col = str_col(df, "wave").unwrap_or_else(|| vec![None; n]);
    let waves: Vec<String> = wave_col.iter().map(|v| v.clone().unwrap_or_default()).collect();
    let mut wave_list = waves.clone();
    wave_list.sort();
    wave_list.dedup();
    if wave_list.is_empty() {
        wave_list.push(String::new());
    }
    let parts: Vec<(String, String, Kind, QData, &Question)> = survey
        .questions
        .iter()
        .flat_map(|q| parts(q, df).into_iter().map(move |(id, text, d)| (id, text, q.kind, d, q)))
        .collect();
    // Every table is one job: (wave, scope, part, banner); jobs run in parallel and
    // keep their order.
    let scopes: Vec<(String, Vec<usize>)> = wave_list.iter().map(|wv| (wv.clone(), (0..n).filter(|&i| &waves[i] == wv).collect())).collect();
    let all_rows: Vec<usize> = (0..n).collect();
    let overall = vec![Some(0u32); n];
    let shifted: Vec<Vec<Option<u32>>> = bans.iter().map(|b| b.codes.iter().map(|c| c.map(|g| g + 1)).collect()).collect();
    let columns: Vec<Vec<String>> = bans.iter().map(|b| std::iter::once(TOTAL.to_string()).chain(b.groups.iter().cloned()).collect()).collect();
    let overall_cols = vec![OVERALL.to_string()];
    let mut jobs: Vec<(&str, &[usize], usize, Option<usize>)> = Vec::new();
    for (wv, scope) in &scopes {
        for p in 0..parts.len() {
            jobs.push((wv, scope, p, None));
            let q = parts[p].4;
            for (bi, b) in bans.iter().enumerate() {
                // A banner against itself (or the unit banner against the unit question) says nothing.
                if b.name == "wave" || b.name == q.id || (b.name == "unit" && survey.unit.as_deref() == Some(q.id.as_str())) {
                    continue;
                }
                jobs.push((wv, scope, p, Some(bi)));
            }
        }
    }
    // Across waves: all rows, wave label 全部.
    if let Some(bi) = bans.iter().position(|b| b.name == "wave") {
        for p in 0..parts.len() {
            jobs.push(("全部", &all_rows, p, Some(bi)));
        }
    }
    use rayon::prelude::*;
    let tables: Vec<Table> = jobs
        .par_iter()
        .map(|(wv, scope, p, b)| {
            let (id, text, kind, data, q) = &parts[*p];
            match b {
                None => table(wv, id, text, *kind, q, data, scope, &overall, &overall_cols, None, &w, opts),
                Some(bi) => table(wv, id, text, *kind, q, data, scope, &shifted[*bi], &columns[*bi], Some(&bans[*bi].name), &w, opts),
            }
        })
        .collect();
    Ok(Results { tables, waves: wave_list, weighted: weight_note.is_some(), weight_note, options: opts.clone() })
}

/// One table: `codes[i]` is the column of row i (column 0 of a crosstab is the total,
/// filled from every row that has a group).
#[allow(clippy::too_many_arguments)]
fn table(
    wave: &str,
    id: &str,
    text: &str,
    kind: Kind,
    q: &Question,
    data: &QData,
    scope: &[usize],
    codes: &[Option<u32>],
    columns: &[String],
    banner: Option<&str>,
    w: &[f64],
    opts: &StatsOptions,
) -> Table {
    let k = columns.len();
    let crosstab = banner.is_some();
    let mut rows: Vec<Row> = Vec::new();
    let mut bases = vec![Base::default(); k];
    let mut test = None;
    let mut test_note = None;
    let mut answers = Vec::new();
    let mut histogram = Vec::new();
    let pct_row = |option: String, measure: Measure, counts: &[f64], bases: &[Base], denom: Option<&[f64]>| -> Row {
        let cells = (0..k)
            .map(|c| {
                let b = &bases[c];
                let d = denom.map(|d| d[c]).unwrap_or(b.w);
                if b.n == 0 || !(d > 0.0) {
                    return Cell { value: None, count: Some(counts[c]), base: b.n, ci: None, sig: String::new() };
                }
                let p = counts[c] / d;
                let ci = if measure == Measure::PercentOfResponses { None } else { wilson(p, b.n_eff(), opts.conf) };
                Cell { value: Some(p * 100.0), count: Some(counts[c]), base: b.n, ci: ci.map(|(l, h)| (l * 100.0, h * 100.0)), sig: String::new() }
            })
            .collect();
        Row { option, measure, cells }
    };
    match data {
        QData::Choice(v) => {
            let no = q.options.len();
            let mut counts = vec![vec![0.0; k]; no];
            let mut sum = vec![0.0; k];
            let mut sum2 = vec![0.0; k];
            each_answer(scope, codes, crosstab, w, &mut bases, |i| v[i].is_some(), |i, c, wi| {
                let o = v[i].unwrap_or(0) as usize;
                let s = q.score(o);
                counts[o][c] += wi;
                sum[c] += wi * s;
                sum2[c] += wi * s * s;
            });
            for (o, opt) in q.options.iter().enumerate() {
                rows.push(pct_row(opt.text().to_string(), Measure::Percent, &counts[o], &bases, None));
            }
            if matches!(kind, Kind::Scale | Kind::Matrix) {
                let mut order: Vec<usize> = (0..no).collect();
                order.sort_by(|a, b| q.score(*a).total_cmp(&q.score(*b)));
                let top: Vec<f64> = (0..k).map(|c| order.iter().rev().take(2).map(|o| counts[*o][c]).sum()).collect();
                let bottom: Vec<f64> = (0..k).map(|c| order.iter().take(2).map(|o| counts[*o][c]).sum()).collect();
                let mean: Vec<Cell> = (0..k).map(|c| stat_cell(&bases[c], (bases[c].w > 0.0).then(|| sum[c] / bases[c].w))).collect();
                let sd: Vec<Cell> = (0..k)
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
                rows.push(Row { option: String::new(), measure: Measure::Mean, cells: mean });
                rows.push(Row { option: String::new(), measure: Measure::Sd, cells: sd });
                rows.push(pct_row(String::new(), Measure::Top2, &top, &bases, None));
                rows.push(pct_row(String::new(), Measure::Bottom2, &bottom, &bases, None));
            }
            if crosstab {
                // The test of independence uses the whole table: every group with a
                // non-zero base, however small (as SPSS does). Small groups are left out
                // of the pairwise letters only.
                let groups: Vec<usize> = (1..k).filter(|&c| bases[c].n > 0).collect();
                let tab: Vec<Vec<f64>> = counts.iter().map(|r| groups.iter().map(|&c| r[c]).collect()).collect();
                let n_eff = if w.iter().any(|x| *x != 1.0) { Some(groups.iter().map(|&c| bases[c].n_eff()).sum()) } else { None };
                test = independence(&tab, n_eff);
                if test.is_none() {
                    let answered = counts.iter().filter(|r| groups.iter().any(|&c| r[c] > 0.0)).count();
                    test_note = Some(if groups.len() < 2 {
                        format!("只有 {} 个分组有人作答，无法比较", groups.len())
                    } else if answered < 2 {
                        "所有作答都集中在同一个选项，无法检验".to_string()
                    } else {
                        "表格退化，无法检验".to_string()
                    });
                }
            }
        }
        QData::Multi(cols) => {
            let no = cols.len();
            let mut counts = vec![vec![0.0; k]; no];
            let mut responses = vec![0.0; k];
            // Unweighted number of selections: the base of percent of responses.
            let mut selections = vec![0usize; k];
            each_answer(scope, codes, crosstab, w, &mut bases, |i| cols.iter().any(|c| c[i].is_some()), |i, c, wi| {
                for (o, col) in cols.iter().enumerate() {
                    if col[i] == Some(true) {
                        counts[o][c] += wi;
                        responses[c] += wi;
                        selections[c] += 1;
                    }
                }
            });
            for (o, opt) in q.options.iter().enumerate() {
                rows.push(pct_row(opt.text().to_string(), Measure::Percent, &counts[o], &bases, None));
            }
            for (o, opt) in q.options.iter().enumerate() {
                let mut row = pct_row(opt.text().to_string(), Measure::PercentOfResponses, &counts[o], &bases, Some(&responses));
                for (cell, n) in row.cells.iter_mut().zip(&selections) {
                    cell.base = *n;
                }
                rows.push(row);
            }
        }
        QData::Rank(cols) => {
            let no = cols.len();
            // at[o][pos][c]: weighted count of option o ranked at position pos+1.
            let mut at = vec![vec![vec![0.0; k]; no]; no];
            let mut rank_sum = vec![vec![0.0; k]; no];
            let mut ranked = vec![vec![0.0; k]; no];
            // Unweighted number who ranked each option: the base of its average rank.
            let mut ranked_n = vec![vec![0usize; k]; no];
            each_answer(scope, codes, crosstab, w, &mut bases, |i| cols.iter().any(|c| c[i].is_some()), |i, c, wi| {
                for (o, col) in cols.iter().enumerate() {
                    if let Some(r) = col[i] {
                        let pos = (r as usize).clamp(1, no) - 1;
                        at[o][pos][c] += wi;
                        rank_sum[o][c] += wi * r as f64;
                        ranked[o][c] += wi;
                        ranked_n[o][c] += 1;
                    }
                }
            });
            for (o, opt) in q.options.iter().enumerate() {
                let score: Vec<Cell> = (0..k)
                    .map(|c| {
                        let v = (bases[c].w > 0.0).then(|| (0..no).map(|p| at[o][p][c] * (no - p) as f64).sum::<f64>() / bases[c].w);
                        stat_cell(&bases[c], v)
                    })
                    .collect();
                rows.push(Row { option: opt.text().to_string(), measure: Measure::RankScore, cells: score });
            }
            for (o, opt) in q.options.iter().enumerate() {
                let first: Vec<f64> = (0..k).map(|c| at[o][0][c]).collect();
                rows.push(pct_row(opt.text().to_string(), Measure::FirstShare, &first, &bases, None));
            }
            for (o, opt) in q.options.iter().enumerate() {
                let avg: Vec<Cell> = (0..k)
                    .map(|c| {
                        let mut cell = stat_cell(&bases[c], (ranked[o][c] > 0.0).then(|| rank_sum[o][c] / ranked[o][c]));
                        cell.base = ranked_n[o][c];
                        cell
                    })
                    .collect();
                rows.push(Row { option: opt.text().to_string(), measure: Measure::AvgRank, cells: avg });
            }
        }
        QData::Text(v) => {
            let mut counts = vec![0.0; k];
            let given = |i: usize| v[i].as_deref().is_some_and(|s| !s.trim().is_empty());
            each_answer(scope, codes, crosstab, w, &mut bases, given, |i, c, wi| {
                counts[c] += wi;
                if !crosstab {
                    answers.push(v[i].clone().unwrap_or_default());
                }
            });
            let cells = (0..k).map(|c| Cell { value: Some(counts[c]), count: Some(counts[c]), base: bases[c].n, ci: None, sig: String::new() }).collect();
            rows.push(Row { option: String::new(), measure: Measure::Answers, cells });
        }
        QData::Number(v) => {
            let mut vals: Vec<Vec<(f64, f64)>> = vec![Vec::new(); k];
            each_answer(scope, codes, crosstab, w, &mut bases, |i| v[i].is_some(), |i, c, wi| {
                vals[c].push((v[i].unwrap_or(0.0), wi));
            });
            let mut by: Vec<[Option<f64>; 5]> = Vec::with_capacity(k);
            for (c, vs) in vals.iter_mut().enumerate() {
                let b = &bases[c];
                if vs.is_empty() || !(b.w > 0.0) {
                    by.push([None; 5]);
                    continue;
                }
                vs.sort_by(|a, b| a.0.total_cmp(&b.0));
                let mean = vs.iter().map(|(x, w)| x * w).sum::<f64>() / b.w;
                let sd = (b.n > 1).then(|| {
                    let var = vs.iter().map(|(x, w)| w * (x - mean) * (x - mean)).sum::<f64>() / b.w * b.n as f64 / (b.n as f64 - 1.0);
                    var.sqrt()
                });
                by.push([Some(mean), sd, Some(median(vs)), Some(vs[0].0), Some(vs[vs.len() - 1].0)]);
            }
            if !crosstab {
                histogram = bins(&vals[0]);
            }
            for (j, m) in [Measure::Mean, Measure::Sd, Measure::Median, Measure::Min, Measure::Max].into_iter().enumerate() {
                let cells = (0..k).map(|c| stat_cell(&bases[c], by[c][j])).collect();
                rows.push(Row { option: String::new(), measure: m, cells });
            }
        }
    }
    // Column letters on every percent row, between banner groups with a large enough base.
    if crosstab {
        let weighted = w.iter().any(|x| *x != 1.0);
        for row in rows.iter_mut().filter(|r| r.measure.is_percent() && r.measure != Measure::PercentOfResponses) {
            let props: Vec<f64> = row.cells[1..].iter().map(|c| c.value.unwrap_or(0.0) / 100.0).collect();
            let eff: Vec<f64> = bases[1..].iter().map(|b| if weighted { b.n_eff() } else { b.n as f64 }).collect();
            let elig: Vec<bool> = bases[1..].iter().map(|b| b.n as f64 >= opts.min_base).collect();
            let letters = column_letters(&props, &eff, &elig, opts.alpha, opts.bonferroni);
            for (cell, l) in row.cells[1..].iter_mut().zip(letters) {
                cell.sig = l;
            }
        }
    }
    Table {
        wave: wave.to_string(),
        question: id.to_string(),
        text: text.to_string(),
        kind,
        banner: banner.map(|b| b.to_string()),
        columns: columns.to_vec(),
        bases: bases.iter().map(|b| b.n).collect(),
        flags: bases.iter().map(|b| BaseFlag::of(b.n, opts)).collect(),
        weighted_bases: bases.iter().map(|b| b.w).collect(),
        rows,
        test,
        test_note,
        answers,
        histogram,
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

/// Visits every row of `scope` that `answered`, once per column it counts in (its
/// group's column; in a crosstab also the total column 0, for rows with a group), after
/// adding its weight to that column's base. `f(row, column, weight)` accumulates.
fn each_answer(
    scope: &[usize],
    codes: &[Option<u32>],
    crosstab: bool,
    w: &[f64],
    bases: &mut [Base],
    answered: impl Fn(usize) -> bool,
    mut f: impl FnMut(usize, usize, f64),
) {
    for &i in scope {
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

fn stat_cell(b: &Base, v: Option<f64>) -> Cell {
    Cell { value: v.filter(|x| x.is_finite()), count: None, base: b.n, ci: None, sig: String::new() }
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

    fn frame(vals: &[Option<&str>]) -> DataFrame {
        let c = Column::new("w".into(), vals.iter().map(|v| v.map(|s| s.to_string())).collect::<Vec<_>>());
        DataFrame::new(vals.len(), vec![c]).unwrap()
    }

    #[test]
    fn weights_are_checked() {
        assert_eq!(weights(&frame(&[Some("1"), Some("2.5")]), "w").unwrap(), vec![1.0, 2.5]);
        let err = |v: &[Option<&str>]| weights(&frame(v), "w").unwrap_err().to_string();
        assert!(err(&[Some("1"), Some("-2")]).contains("负数"));
        assert!(err(&[Some("1"), None]).contains("为空"));
        assert!(err(&[Some("abc")]).contains("不是数字"));
        assert!(err(&[Some("inf")]).contains("有限"));
        assert!(err(&[Some("0"), Some("0")]).contains("全为 0"));
        assert!(err(&[Some("1e308")]).contains("太大"));
        assert!(weights(&frame(&[Some("1")]), "x").unwrap_err().to_string().contains("不是问卷中的数值题"));
    }

    #[test]
    fn median_and_effective_base() {
        assert_eq!(median(&[(1.0, 1.0), (2.0, 1.0), (3.0, 1.0), (4.0, 1.0)]), 2.5);
        assert_eq!(median(&[(1.0, 1.0), (2.0, 1.0), (9.0, 1.0)]), 2.0);
        assert_eq!(effective_base(&[1.0, 1.0, 1.0]), 3.0);
        assert!((effective_base(&[1.0, 3.0]) - 1.6).abs() < 1e-12);
    }
}
