//! What the statistics produce: tables of cells, the scope and breakdown of each table,
//! and what the figures measure. Every output reads these and computes nothing.

use crate::survey::schema::{UNIT, WAVE};
use crate::survey::{Kind, Survey};

use super::inference::Independence;
use super::StatsOptions;

/// The respondents a table covers: one wave (its label; empty when the data has none),
/// or every wave together (the crosstab by year).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Wave(String),
    AllWaves,
}

impl Scope {
    /// The label in results.csv and tests.csv (`全部` for all waves together).
    pub fn label(&self) -> &str {
        match self {
            Scope::Wave(w) => w,
            Scope::AllWaves => "全部",
        }
    }
    /// One named wave among several, or all of them: outputs say which.
    pub fn is_wave(&self, w: &str) -> bool {
        matches!(self, Scope::Wave(x) if x == w)
    }
}

/// A grouping of respondents for crosstabs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Banner {
    /// A single-choice or scale question, by id.
    Question(String),
    /// The unit (单位) of each response.
    Unit,
    /// The wave (year) of each response.
    Wave,
    /// Any other column of the response table.
    Column(String),
}

impl Banner {
    /// How users name it on the command line and in survey.toml: `Q1`, `unit`, `wave`.
    pub fn parse(name: &str, survey: &Survey) -> Banner {
        if survey.question(name).is_some() {
            Banner::Question(name.to_string())
        } else if name == UNIT {
            Banner::Unit
        } else if name == WAVE {
            Banner::Wave
        } else {
            Banner::Column(name.to_string())
        }
    }
    /// Several names, in order.
    pub fn parse_all(names: &[String], survey: &Survey) -> Vec<Banner> {
        names.iter().map(|b| Banner::parse(b, survey)).collect()
    }
    /// The name as given (and as written in results.csv's `banner` column).
    pub fn name(&self) -> &str {
        match self {
            Banner::Question(s) | Banner::Column(s) => s,
            Banner::Unit => UNIT,
            Banner::Wave => WAVE,
        }
    }
}

/// The columns of a table: the whole sample, or a banner's groups after a total.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Breakdown {
    Overall,
    By(Banner),
}

impl Breakdown {
    pub fn banner(&self) -> Option<&Banner> {
        match self {
            Breakdown::Overall => None,
            Breakdown::By(b) => Some(b),
        }
    }
    pub fn is_overall(&self) -> bool {
        matches!(self, Breakdown::Overall)
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
    /// The label for a question of `kind`: a number question's mean is 平均值 (a count or
    /// an amount, not a score).
    pub fn label_in(self, kind: Kind) -> &'static str {
        match (self, kind) {
            (Measure::Mean, Kind::Number) => "平均值",
            _ => self.label(),
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
    /// Every measure, for those who read results.csv's `measure` names (the web page).
    pub const ALL: [Measure; 13] = [
        Measure::Percent,
        Measure::PercentOfResponses,
        Measure::Mean,
        Measure::Sd,
        Measure::Median,
        Measure::Min,
        Measure::Max,
        Measure::Top2,
        Measure::Bottom2,
        Measure::RankScore,
        Measure::FirstShare,
        Measure::AvgRank,
        Measure::Answers,
    ];
    pub fn is_percent(self) -> bool {
        matches!(self, Measure::Percent | Measure::PercentOfResponses | Measure::Top2 | Measure::Bottom2 | Measure::FirstShare)
    }
}

/// One figure in one column of a table.
#[derive(Debug, Clone, PartialEq, Default)]
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
    /// With a `[design]`: the Taylor-linearised standard error (percentage points for a
    /// share), the design effect and the design's degrees of freedom for this figure.
    pub design: Option<CellDesign>,
}

/// A figure's design-based precision (docs/DESIGN.md §4, `[design]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellDesign {
    pub se: f64,
    /// Variance over the variance of a simple random sample of the same size (NaN when
    /// that is 0).
    pub deff: f64,
    /// Degrees of freedom of the interval: clusters − strata in the column.
    pub df: f64,
    /// The column lies in one cluster: the variance is the within-cluster one (Kish).
    pub within: bool,
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
    pub scope: Scope,
    /// `Q3`, or `Q6/三会一课` for a matrix row.
    pub question: String,
    pub text: String,
    pub kind: Kind,
    pub breakdown: Breakdown,
    /// Column labels: `总体` alone, or `总计` then the banner's groups.
    pub columns: Vec<String>,
    /// Unweighted base per column.
    pub bases: Vec<usize>,
    /// Weighted base per column (equals `bases` without weights).
    pub weighted_bases: Vec<f64>,
    /// Effective base per column, (Σw)²/Σw² (equals `bases` without weights): the base
    /// of every test on weighted figures.
    pub effective_bases: Vec<f64>,
    /// Small-base flag per column.
    pub flags: Vec<BaseFlag>,
    pub rows: Vec<Row>,
    pub test: Option<Independence>,
    /// Why a crosstab of a choice question has no test (`test` is `None`).
    pub test_note: Option<String>,
    /// The first [`super::keywords::MAX_ANSWERS`] non-empty answers of a text question
    /// (whole sample only; in the order read).
    pub answers: Vec<String>,
    /// How many non-empty answers there are (whole sample only).
    pub answer_count: usize,
    /// Number questions (whole sample): (low, high, weighted count) per bin; a bin holds
    /// low ≤ x < high, the last one also x = high.
    pub histogram: Vec<(f64, f64, f64)>,
    /// Text questions (whole sample, when asked for): the most used words of the answers.
    pub keywords: Vec<super::keywords::Keyword>,
    /// Text questions (whole sample): near-identical answers counted together, most first.
    pub themes: Vec<super::themes::Theme>,
}

impl Table {
    /// The question's own id: `Q6` for the matrix row `Q6/三会一课`.
    pub fn question_id(&self) -> &str {
        self.question.split('/').next().unwrap_or("")
    }
    pub fn banner(&self) -> Option<&Banner> {
        self.breakdown.banner()
    }
    /// The row of `measure` for `option` (empty option: a whole-question measure).
    pub fn row(&self, option: &str, measure: Measure) -> Option<&Row> {
        self.rows.iter().find(|r| r.measure == measure && r.option == option)
    }
}

/// Everything a report shows.
pub struct Results {
    pub tables: Vec<Table>,
    pub waves: Vec<String>,
    pub weighted: bool,
    /// How the figures are weighted, for users (None: unweighted).
    pub weight_note: Option<String>,
    /// The sampling design, for users (None: no `[design]`).
    pub design_note: Option<String>,
    pub options: StatsOptions,
    /// Unit league tables of the survey's indicators and indices.
    pub leagues: Vec<super::league::League>,
    /// Respondents per wave, in wave order.
    pub respondents: Vec<(String, usize)>,
}

impl Results {
    /// The pairwise tests behind the column letters: (rows with at least one pair — one
    /// family each —, pairs), over the columns with an effective base of `--min-base`.
    pub fn letter_tests(&self) -> (usize, usize) {
        let (mut rows, mut pairs) = (0, 0);
        for t in self.tables.iter().filter(|t| !t.breakdown.is_overall()) {
            for row in
                t.rows.iter().filter(|r| (r.measure.is_percent() && r.measure != Measure::PercentOfResponses) || r.measure == Measure::Mean)
            {
                let k =
                    (1..t.columns.len()).filter(|&c| t.effective_bases[c] >= self.options.min_base && row.cells[c].value.is_some()).count();
                if k >= 2 {
                    rows += 1;
                    pairs += k * (k - 1) / 2;
                }
            }
        }
        (rows, pairs)
    }
    /// The tests of units' changes in the league tables (one family per indicator and pair
    /// of waves).
    pub fn league_tests(&self) -> usize {
        self.leagues.iter().map(|l| l.changes.iter().filter(|c| c.test.is_some()).count()).sum()
    }
    /// The newest wave (the one a written report is about; empty when waves are unnamed).
    pub fn latest(&self) -> &str {
        self.waves.last().map(|s| s.as_str()).unwrap_or("")
    }
    /// The whole-sample table of a question part in one wave.
    pub fn overall_of(&self, question: &str, wave: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.question == question && t.breakdown.is_overall() && t.scope.is_wave(wave))
    }
}

impl Results {
    /// The whole-sample tables of one wave, in questionnaire order.
    pub fn overall(&self, wave: &str) -> impl Iterator<Item = &Table> {
        let wave = wave.to_string();
        self.tables.iter().filter(move |t| t.breakdown.is_overall() && t.scope.is_wave(&wave))
    }
    /// The crosstabs of one banner, every scope, in order.
    pub fn by<'a>(&'a self, banner: &'a Banner) -> impl Iterator<Item = &'a Table> {
        self.tables.iter().filter(move |t| t.banner() == Some(banner))
    }
}

/// The label of the whole-sample column and of the crosstab total column.
pub const OVERALL: &str = "总体";
pub const TOTAL: &str = "总计";

#[cfg(test)]
mod tests {
    use super::Measure;

    /// `Measure::ALL` holds every measure once: the match below stops compiling when a
    /// measure is added, and the count then has to grow with it.
    #[test]
    fn all_measures_are_listed() {
        let variants = |m: Measure| match m {
            Measure::Percent
            | Measure::PercentOfResponses
            | Measure::Mean
            | Measure::Sd
            | Measure::Median
            | Measure::Min
            | Measure::Max
            | Measure::Top2
            | Measure::Bottom2
            | Measure::RankScore
            | Measure::FirstShare
            | Measure::AvgRank
            | Measure::Answers => 13,
        };
        let names: std::collections::BTreeSet<&str> = Measure::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(names.len(), variants(Measure::Mean));
    }
}
