//! The questionnaire definition (`survey.toml`): what each question is, its options in
//! questionnaire order, and which columns group respondents.
//!
//! The definition is the contract every later stage works against: readers map columns
//! to questions through it, cleaning validates cells against it, statistics iterate it.
//! It is validated once on load so that every later stage can trust it.

pub mod indicators;
pub mod report;
pub mod schema;
pub mod template;
pub mod waves;

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

use crate::text::{norm, tidy};

/// Errors found in a survey definition; messages are shown to users as they are.
#[derive(Debug, thiserror::Error)]
pub enum SurveyError {
    #[error("找不到问卷定义文件，请检查路径，或先用 diaoyan init 从导出文件生成")]
    NotFound,
    #[error("读取问卷定义失败：{}", crate::error::reading(.0))]
    Io(#[source] std::io::Error),
    /// `why` in Chinese (where, and what to change); the parser's own error is the source.
    #[error("问卷定义格式有误：{why}")]
    Toml { why: String, source: Box<dyn std::error::Error + Send + Sync> },
    #[error("问卷定义有误：{0}")]
    Invalid(String),
}

/// The kind of a question (docs/DESIGN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Single,
    Multi,
    Scale,
    Matrix,
    Rank,
    Text,
    Number,
}

impl Kind {
    /// The name in survey.toml and in the CSV outputs.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multi => "multi",
            Kind::Scale => "scale",
            Kind::Matrix => "matrix",
            Kind::Rank => "rank",
            Kind::Text => "text",
            Kind::Number => "number",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Single => "单选题",
            Kind::Multi => "多选题",
            Kind::Scale => "量表题",
            Kind::Matrix => "矩阵量表题",
            Kind::Rank => "排序题",
            Kind::Text => "填空题",
            Kind::Number => "数值题",
        }
    }
    pub fn has_options(self) -> bool {
        matches!(self, Kind::Single | Kind::Multi | Kind::Scale | Kind::Matrix | Kind::Rank)
    }
}

/// One answer option. Written in TOML as a plain string, or as a table when it has
/// aliases, a score, or takes an "other, please specify" text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum OptionDef {
    Plain(String),
    Full {
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        aliases: Vec<String>,
        /// "Other, please specify": the respondent's own words are kept as text.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        other: bool,
        /// Numeric score for scale options; defaults to the 1-based position.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        score: Option<f64>,
    },
}

impl OptionDef {
    pub fn new(text: impl Into<String>, other: bool) -> Self {
        let text = text.into();
        if other {
            OptionDef::Full { text, aliases: vec![], other: true, score: None }
        } else {
            OptionDef::Plain(text)
        }
    }
    pub fn text(&self) -> &str {
        match self {
            OptionDef::Plain(t) => t,
            OptionDef::Full { text, .. } => text,
        }
    }
    pub fn aliases(&self) -> &[String] {
        match self {
            OptionDef::Plain(_) => &[],
            OptionDef::Full { aliases, .. } => aliases,
        }
    }
    pub fn is_other(&self) -> bool {
        matches!(self, OptionDef::Full { other: true, .. })
    }
    pub fn score(&self) -> Option<f64> {
        match self {
            OptionDef::Plain(_) => None,
            OptionDef::Full { score, .. } => *score,
        }
    }
}

/// One question of the questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// `Q<N>` by convention; used as the column name in the response table.
    pub id: String,
    pub text: String,
    pub kind: Kind,
    /// Answer options in questionnaire order (single, multi, scale, matrix, rank).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionDef>,
    /// Row labels of a matrix question.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<String>,
    /// A blank answer is a data issue (问卷星 `*必答`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// Other headers this question may appear under in returned files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Skip logic: the question is shown only to respondents who chose one of these
    /// options of an earlier single-choice question; others are outside its base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<ShowIf>,
    /// The number headers give the question (`5、…`), when it is not the number in its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    /// The waves (years) the question was asked in; empty: every wave.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waves: Vec<String>,
    /// How the question looked in an earlier wave (`[questions.history.2024]`): its number,
    /// its wording, options renamed since, options not offered then.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub history: std::collections::BTreeMap<String, waves::History>,
    /// The written report's finding sentence for this question, replacing the generated
    /// one: placeholders {1} {2} {3} (options by share, highest first), {1%} {2%} {3%}
    /// (their shares), {n} (the base), {mean} (scales, numbers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
    /// A short name for tables, chart titles and sentences where the question groups
    /// respondents (`身份` for “您的身份是：”; default: the text, shortened when it reads
    /// as “您的……”), and the heading of the question's part of the written report (its
    /// topic, `形式主义的主要表现`; default: the text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What a number question counts, for sentences: `unit = "次"` gives “平均7.4次”,
    /// “下降2.3次”.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// `show_if = { question = "Q8", any_of = ["是"] }`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowIf {
    pub question: String,
    pub any_of: Vec<String>,
}

impl Question {
    /// A question with nothing but its id, text and kind.
    pub fn new(id: impl Into<String>, text: impl Into<String>, kind: Kind) -> Question {
        Question {
            id: id.into(),
            text: text.into(),
            kind,
            options: vec![],
            rows: vec![],
            required: false,
            aliases: vec![],
            show_if: None,
            number: None,
            waves: vec![],
            history: Default::default(),
            finding: None,
            label: None,
            unit: None,
        }
    }
    /// How tables and sentences name the question as a grouping: its `label`, else its
    /// text as a short noun (`您所在的单位` → 单位).
    pub fn name(&self) -> String {
        match &self.label {
            Some(l) if !l.trim().is_empty() => l.trim().to_string(),
            _ => noun(&self.text),
        }
    }
    /// Score of option `i` (0-based) of a scale/matrix question: its `score` when given;
    /// else, when every option is numbered (`0分` … `10分`, `1` … `7`), the number in its
    /// label, whatever its position or code; else its 1-based position.
    pub fn score(&self, i: usize) -> f64 {
        if let Some(s) = self.options[i].score() {
            return s;
        }
        let numbered = self.options.iter().all(|o| o.score().is_some() || label_number(o.text()).is_some());
        if numbered {
            if let Some(n) = label_number(self.options[i].text()) {
                return n;
            }
        }
        (i + 1) as f64
    }
    /// Index of the option matching `value` exactly after normalisation (text or alias).
    pub fn find_option(&self, value: &str) -> Option<usize> {
        let v = norm(value);
        self.options.iter().position(|o| norm(o.text()) == v || o.aliases().iter().any(|a| norm(a) == v))
    }
}

/// A question's text as a short noun for tables and sentences: `您的身份是：` → 身份,
/// `您所在的单位` → 单位, `请问您的年龄段？(单选)` → 年龄段. Texts that do not shorten
/// to a noun of at most eight characters are kept as they are.
pub fn noun(text: &str) -> String {
    let mut t = tidy(text);
    for suffix in ["(单选)", "（单选）", "(单选题)", "（单选题）", "？", "?", "：", ":", "。", "是什么", "是", "为", "情况", "属于"]
    {
        if let Some(x) = t.strip_suffix(suffix) {
            t = tidy(x);
        }
    }
    for prefix in [
        "请问",
        "请选择",
        "请填写",
        "您目前所在的",
        "您目前的",
        "您现在的",
        "您所在的",
        "您所在",
        "您所属的",
        "您所属",
        "您的",
        "你的",
        "您",
        "你",
        "目前的",
        "所在的",
    ] {
        if let Some(x) = t.strip_prefix(prefix) {
            t = tidy(x);
        }
    }
    if t.is_empty() || t.chars().count() > 8 {
        tidy(text)
    } else {
        t
    }
}

/// The number a scale option's label states: `3分`, `3 分`, `３分`, `3`; `None` for
/// anything else (`非常满意`, `3分以上`).
pub fn label_number(label: &str) -> Option<f64> {
    let t = norm(label);
    let t = t.strip_suffix('分').unwrap_or(&t);
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-') {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The whole questionnaire definition. Every table refuses keys it does not know (a
/// misspelt `show_iff` would otherwise switch skip logic off without a word).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Survey {
    /// Short name used for output folders and in returned templates.
    pub id: String,
    pub title: String,
    #[serde(default = "one")]
    pub version: u32,
    /// The question id or column header that names the respondent's unit; when absent
    /// the unit is taken from the file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Question ids (or `unit` / `wave`) used as grouping variables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub banners: Vec<String>,
    /// Cell weighting (post-stratification) to known population shares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighting: Option<Weighting>,
    /// The sampling design (`[design]`): weight, strata, clusters; design-based standard
    /// errors and tests when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<Design>,
    #[serde(rename = "questions")]
    pub questions: Vec<Question>,
    /// Named indicators for unit league tables (`[[indicators]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<indicators::Indicator>,
    /// Composite indices over indicators, scaled 0–100 (`[[indices]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indices: Vec<indicators::Index>,
    /// What the written report says about the survey (`[report]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<report::ReportInfo>,
    /// Platform columns kept in the response table (province, city, source channel), which
    /// banners may name (`[[fields]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
}

/// `[[fields]]`: a column the platform records (not a question) kept in the response
/// table under `name`, usable as a banner: `name = "省份"`, `headers = ["地理位置省"]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    /// The headers it may have in returned files.
    pub headers: Vec<String>,
}

/// `[weighting]`: each respondent is weighted by (target share of their cell) ÷ (share of
/// their cell in the sample of their wave). Shares may be given as fractions or counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weighting {
    /// A single-choice question (or `unit`) defining the cells.
    pub question: String,
    /// Target share (or population count) per option.
    pub targets: std::collections::BTreeMap<String, f64>,
}

/// `[design]`: how the respondents were sampled, in the terms of R `survey`'s `svydesign`
/// (`weights`, `strata`, `ids`). Every key is optional; a design with none of them is an
/// unweighted simple random sample with Taylor-linearised standard errors.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Design {
    /// A number question (or column) holding each respondent's weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<String>,
    /// A single-choice question, `unit` or a `[[fields]]` column whose groups are strata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strata: Option<String>,
    /// The primary sampling units (clusters): `unit`, a single-choice question or a column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// `"roster"`: finite population correction from the units roster (`--units`): with
    /// `strata = "unit"` each unit's expected questionnaires are its population; with
    /// `cluster = "unit"` (no strata) the roster's units are the population of clusters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fpc: Option<String>,
}

fn one() -> u32 {
    1
}

impl Survey {
    pub fn load(path: &Path) -> Result<Survey, SurveyError> {
        // A questionnaire of hundreds of questions is a few hundred kilobytes.
        let text = crate::inputs::read_limited(path, 16 << 20).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SurveyError::NotFound,
            _ => SurveyError::Io(e),
        })?;
        let text = String::from_utf8(text).map_err(|e| SurveyError::Toml {
            why: "不是 UTF-8 编码的文本文件（是否把表格文件当成了 survey.toml？）".into(),
            source: Box::new(e),
        })?;
        Survey::from_toml(&text)
    }

    pub fn from_toml(text: &str) -> Result<Survey, SurveyError> {
        let s: Survey = toml::from_str(text).map_err(|e| SurveyError::Toml { why: explain_toml(&e, text), source: Box::new(e) })?;
        s.validate()?;
        Ok(s)
    }

    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).expect("survey serialises");
        format!(
            "# 问卷定义（diaoyan）。可直接编辑：改题目文字、补全选项、给选项加别名 aliases、\n\
             # 标出分组变量 banners 和单位所在的题目 unit。\n\
             # kind 可选：single 单选、multi 多选、scale 量表、matrix 矩阵量表、rank 排序、text 填空、number 数值\n\n{body}"
        )
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// Checks the definition; the first problem found is reported in Chinese.
    pub fn validate(&self) -> Result<(), SurveyError> {
        if self.questions.is_empty() {
            return Err(SurveyError::Invalid("没有任何题目（questions 为空）".into()));
        }
        self.validate_ids().map_err(SurveyError::Invalid)?;
        for q in &self.questions {
            q.validate().map_err(SurveyError::Invalid)?;
        }
        self.validate_show_if().map_err(SurveyError::Invalid)?;
        self.validate_weighting().map_err(SurveyError::Invalid)?;
        self.validate_design().map_err(SurveyError::Invalid)?;
        self.validate_waves().map_err(SurveyError::Invalid)?;
        self.validate_indicators().map_err(SurveyError::Invalid)?;
        self.validate_groups().map_err(SurveyError::Invalid)
    }

    /// Every question has an id of its own (both places named when two share one), never a
    /// response-table column's name.
    fn validate_ids(&self) -> Result<(), String> {
        let mut ids: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (i, q) in self.questions.iter().enumerate() {
            if q.id.trim().is_empty() {
                return Err(format!("第 {} 道题（“{}”）没有编号 id", i + 1, q.text));
            }
            if q.id.contains('/') {
                return Err(format!("题目编号 {} 不能含有“/”", q.id));
            }
            if schema::TRACE.iter().any(|t| t.eq_ignore_ascii_case(q.id.trim())) {
                return Err(format!("题目编号“{}”是答卷表中已有的列名（{}），请换一个编号，如 Q{}", q.id, schema::TRACE.join("、"), i + 1));
            }
            if let Some(&j) = ids.get(&norm(&q.id)) {
                let first = &self.questions[j];
                return Err(format!(
                    "题目编号 {} 重复出现：第 {} 道题（“{}”）和第 {} 道题（“{}”）都用了它，请把其中一个改成别的编号",
                    q.id,
                    j + 1,
                    first.text,
                    i + 1,
                    q.text
                ));
            }
            ids.insert(norm(&q.id), i);
        }
        Ok(())
    }

    /// Skip logic refers to an earlier single-choice question and its options.
    fn validate_show_if(&self) -> Result<(), String> {
        for (i, q) in self.questions.iter().enumerate() {
            let Some(c) = &q.show_if else { continue };
            let Some(j) = self.questions.iter().position(|p| p.id == c.question) else {
                return Err(format!("题目 {} 的跳题条件 show_if 引用了不存在的题目 {}", q.id, c.question));
            };
            let p = &self.questions[j];
            if j >= i || p.kind != Kind::Single {
                return Err(format!("题目 {} 的跳题条件只能引用它前面的单选题（{} 不是）", q.id, c.question));
            }
            if let Some(o) = c.any_of.iter().find(|o| p.find_option(o).is_none()) {
                return Err(format!("题目 {} 的跳题条件中的“{o}”不是 {} 的选项", q.id, c.question));
            }
        }
        Ok(())
    }

    /// `[weighting]` cells are the options of a single-choice question (or units), targets positive.
    fn validate_weighting(&self) -> Result<(), String> {
        let Some(w) = &self.weighting else { return Ok(()) };
        if w.question != "unit" {
            let Some(q) = self.question(&w.question) else {
                return Err(format!("加权设置 [weighting] 中的 question = \"{}\" 不是问卷中的题目", w.question));
            };
            if q.kind != Kind::Single {
                return Err(format!("加权设置只能按单选题分格，{} 是{}", w.question, q.kind.label()));
            }
            if let Some(o) = w.targets.keys().find(|o| q.find_option(o).is_none()) {
                return Err(format!("加权设置中的“{o}”不是 {} 的选项", w.question));
            }
        }
        if w.targets.values().any(|v| !v.is_finite() || *v <= 0.0) {
            return Err("加权设置中的目标比例必须是大于 0 的数字".into());
        }
        Ok(())
    }

    /// `[design]` names a weight (a number question or column), and strata and clusters that
    /// group respondents (a single-choice question, `unit`, or a column); not with `[weighting]`.
    fn validate_design(&self) -> Result<(), String> {
        let Some(d) = &self.design else { return Ok(()) };
        if self.weighting.is_some() && d.weight.is_some() {
            return Err("[design] 的 weight 和 [weighting] 分格加权只能用一种权重，请删去其中一个".into());
        }
        if let Some(q) = d.weight.as_ref().and_then(|w| self.question(w)) {
            if q.kind != Kind::Number {
                return Err(format!("[design] 中的 weight = \"{}\" 是{}，权重必须是数值题", q.id, q.kind.label()));
            }
        }
        if let Some(f) = &d.fpc {
            let by_units = (d.strata.as_deref() == Some("unit") && d.cluster.is_none())
                || (d.cluster.as_deref() == Some("unit") && d.strata.is_none());
            if f != "roster" {
                return Err(format!("[design] 中的 fpc = \"{f}\" 无法识别，只能是 \"roster\"（按单位名单的应收份数做有限总体校正）"));
            }
            if !by_units {
                return Err(
                    "[design] 的 fpc = \"roster\" 只能和 strata = \"unit\"（各单位为一层）或 cluster = \"unit\"（各单位为一群）之一同用"
                        .into(),
                );
            }
        }
        for (key, name) in [("strata", &d.strata), ("cluster", &d.cluster)] {
            let Some(name) = name else { continue };
            if name == schema::WAVE {
                return Err(format!("[design] 中的 {key} 不能是 wave：每一年的答卷本来就分开计算"));
            }
            if let Some(q) = self.question(name) {
                if !matches!(q.kind, Kind::Single | Kind::Scale | Kind::Text) {
                    return Err(format!(
                        "[design] 中的 {key} = \"{name}\" 是{}，只能是单选题、填空题、unit 或答卷表中的列",
                        q.kind.label()
                    ));
                }
            }
        }
        Ok(())
    }

    /// The unit, `[[fields]]` and banners name what can group respondents.
    fn validate_groups(&self) -> Result<(), String> {
        if let Some(q) = self.unit.as_ref().and_then(|u| self.question(u)) {
            if matches!(q.kind, Kind::Multi | Kind::Rank | Kind::Matrix) {
                return Err(format!("单位 unit = \"{}\" 是{}，单位只能取单选题或填空题的答案", q.id, q.kind.label()));
            }
        }
        let mut names: HashSet<String> = self.questions.iter().map(|q| norm(&q.id)).chain(schema::TRACE.iter().map(|t| norm(t))).collect();
        for f in &self.fields {
            if f.name.trim().is_empty() || f.name.contains('/') || !names.insert(norm(&f.name)) {
                return Err(format!("[[fields]] 的名称“{}”为空、含“/”，或与题目编号、其他列重名", f.name));
            }
            if f.headers.iter().all(|h| h.trim().is_empty()) {
                return Err(format!("[[fields]] “{}” 没有列出表头 headers", f.name));
            }
        }
        for b in &self.banners {
            if b != "unit" && b != "wave" && self.question(b).is_none() && !self.fields.iter().any(|f| &f.name == b) {
                return Err(format!("分组变量 banners 中的“{b}”不是问卷中的题目编号，也不是 [[fields]] 中的列"));
            }
            if let Some(q) = self.question(b) {
                if !matches!(q.kind, Kind::Single | Kind::Scale) {
                    return Err(format!("分组变量 {b} 是{}，只能用单选题或量表题分组", q.kind.label()));
                }
            }
        }
        Ok(())
    }
}

impl Question {
    /// Options where the kind has them, none twice (aliases included); rows for matrices only.
    fn validate(&self) -> Result<(), String> {
        let q = self;
        if q.kind.has_options() && q.options.is_empty() {
            return Err(format!("题目 {}（{}）没有列出选项 options", q.id, q.kind.label()));
        }
        if !q.kind.has_options() && !q.options.is_empty() {
            return Err(format!("题目 {} 是{}，不应有选项 options", q.id, q.kind.label()));
        }
        let mut seen = HashSet::new();
        for o in &q.options {
            for t in std::iter::once(o.text()).chain(o.aliases().iter().map(|s| s.as_str())) {
                let n = norm(t);
                if n.is_empty() {
                    return Err(format!("题目 {} 有空白选项", q.id));
                }
                if !seen.insert(n) {
                    return Err(format!("题目 {} 的选项“{}”出现了两次", q.id, t));
                }
            }
        }
        if let Some(o) = q.options.iter().find(|o| o.score().is_some_and(|v| !v.is_finite())) {
            return Err(format!("题目 {} 的选项“{}”的分值 score 不是有限的数字（nan、inf 不能作分值）", q.id, o.text()));
        }
        if q.kind == Kind::Matrix && q.rows.is_empty() {
            return Err(format!("矩阵题 {} 没有列出行 rows", q.id));
        }
        if q.kind != Kind::Matrix && !q.rows.is_empty() {
            return Err(format!("题目 {} 不是矩阵题，不应有 rows", q.id));
        }
        let mut rows = HashSet::new();
        for r in &q.rows {
            if !rows.insert(norm(r)) {
                return Err(format!("矩阵题 {} 的行“{}”出现了两次", q.id, r));
            }
        }
        Ok(())
    }
}

fn explain_toml(e: &toml::de::Error, text: &str) -> String {
    let msg = e.message().to_string();
    let quoted = |rest: &str| rest.split('`').next().unwrap_or("").to_string();
    let msg = if let Some(rest) = msg.strip_prefix("unknown variant `") {
        format!("题型 kind = \"{}\" 不认识，应为 single、multi、scale、matrix、rank、text、number 之一", quoted(rest))
    } else if let Some(rest) = msg.strip_prefix("missing field `") {
        format!("缺少必填项 {}", quoted(rest))
    } else if let Some(rest) = msg.strip_prefix("unknown field `") {
        unknown_key(&quoted(rest), rest)
    } else if msg.contains("did not match any variant of untagged enum OptionDef") {
        "选项的写法有误：选项写成文字（\"党政干部\"），或写成 { text = \"…\", aliases = [\"…\"], other = true, score = 数值 }，不能有其他设置项".into()
    } else {
        msg
    };
    match e.span() {
        Some(span) => format!("第 {} 行：{msg}", text[..span.start.min(text.len())].matches('\n').count() + 1),
        None => msg,
    }
}

/// The message for a key no table of survey.toml has (`rest`: serde's "…, expected one
/// of `a`, `b`"), naming the nearest valid key.
fn unknown_key(key: &str, rest: &str) -> String {
    let valid: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
    let nearest = valid
        .iter()
        .map(|v| (strsim::damerau_levenshtein(&key.to_lowercase(), v), *v))
        .filter(|&(d, v)| d <= 2.max(v.len() / 3))
        .min()
        .map(|(_, v)| format!("，是不是“{v}”？"))
        .unwrap_or_default();
    let list = if valid.is_empty() { String::new() } else { format!("（这里可以写的有：{}）", valid.join("、")) };
    format!("不认识的设置项“{key}”{nearest}{list}。请改正拼写或删去这一项：写错名字的设置不会生效")
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
id = "t"
title = "测试"
banners = ["Q1"]
[[questions]]
id = "Q1"
text = "身份"
kind = "single"
options = ["党政干部", { text = "其他", other = true, aliases = ["其它"] }]
[[questions]]
id = "Q2"
text = "评价"
kind = "matrix"
options = ["1分", "2分", "3分"]
rows = ["三会一课", "主题党日"]
[[questions]]
id = "Q3"
text = "分数"
kind = "scale"
options = ["低", "高"]
show_if = { question = "Q1", any_of = ["党政干部"] }
"#;

    #[test]
    fn loads_and_roundtrips() {
        let s = Survey::from_toml(OK).unwrap();
        assert_eq!(s.questions.len(), 3);
        assert!(s.questions[0].options[1].is_other());
        assert_eq!(s.questions[0].find_option(" 其它 "), Some(1));
        let again = Survey::from_toml(&s.to_toml()).unwrap();
        assert_eq!(again, s);
    }

    fn err(src: &str) -> String {
        Survey::from_toml(src).unwrap_err().to_string()
    }

    #[test]
    fn rejects_bad_definitions() {
        assert!(err(&OK.replace("kind = \"single\"", "kind = \"singel\"")).contains("singel"));
        assert!(err(&OK.replace("id = \"Q2\"", "id = \"Q1\"")).contains("重复"));
        assert!(err(&OK.replace("\"2分\"", "\"1分\"")).contains("两次"));
        assert!(err(&OK.replace("banners = [\"Q1\"]", "banners = [\"Q9\"]")).contains("Q9"));
        assert!(err(&OK.replace("banners = [\"Q1\"]", "banners = [\"Q2\"]")).contains("分组"));
        assert!(err(&OK.replace("rows = [\"三会一课\", \"主题党日\"]", "")).contains("rows"));
        assert!(err("title = 1").contains("格式"));
        assert!(err(&OK.replace("any_of = [\"党政干部\"]", "any_of = [\"群众\"]")).contains("群众"));
        assert!(err(&OK.replace("question = \"Q1\", any_of", "question = \"Q2\", any_of")).contains("单选题"));
    }

    #[test]
    fn history_and_indicators_are_checked() {
        let with = |extra: &str| format!("{OK}{extra}");
        // A survey edited between years loads, with its round trip.
        let good = with("[questions.history.2024]\nnumber = 4\nrenamed = { \"高\" = \"较高\" }\nmissing = [\"低\"]\n");
        let s = Survey::from_toml(&good).unwrap();
        assert_eq!(s.questions[2].number_in("2024"), Some(4));
        assert_eq!(s.questions[2].number_in("2025"), Some(3));
        assert_eq!(s.questions[2].renamed_in("2024"), vec![(1, "较高")]);
        assert_eq!(Survey::from_toml(&s.to_toml()).unwrap(), s);
        assert!(err(&with("[questions.history.2024]\nrenamed = { \"中\" = \"一般\" }\n")).contains("不是它现在的选项"));
        assert!(err(&with("[questions.history.2024]\nmissing = [\"中\"]\n")).contains("missing"));
        assert!(err(&with("[questions.history.2024]\nnumber = 1\n")).contains("题号都是 1"));
        assert!(err(&with("[questions.history.2024]\nnumbr = 4\n")).contains("numbr"));
        let ind = |body: &str| with(&format!("[[indicators]]\nid = \"a\"\n{body}\n"));
        assert!(Survey::from_toml(&ind("question = \"Q1\"\noptions = [\"党政干部\"]")).is_ok());
        assert!(Survey::from_toml(&ind("question = \"Q2/三会一课\"\nmeasure = \"top2\"")).is_ok());
        assert!(err(&ind("question = \"Q2\"\nmeasure = \"top2\"")).contains("哪一行"));
        assert!(err(&ind("question = \"Q1\"\nmeasure = \"mean\"")).contains("mean"));
        assert!(err(&ind("question = \"Q1\"\noptions = [\"群众\"]")).contains("群众"));
        assert!(err(&ind("question = \"Q9\"\noptions = [\"x\"]")).contains("Q9"));
        assert!(err(&ind("question = \"Q1\"")).contains("options"));
        assert!(err(&with("[[indices]]\nid = \"i\"\nparts = [{ indicator = \"无\" }]\n")).contains("没有在"));
        let number = format!("{OK}[[questions]]\nid = \"Q4\"\ntext = \"次数\"\nkind = \"number\"\n[[indicators]]\nid = \"n\"\nquestion = \"Q4\"\nmeasure = \"mean\"\n[[indices]]\nid = \"i\"\nparts = [{{ indicator = \"n\" }}]\n");
        assert!(err(&number).contains("不能换算"), "{}", err(&number));
    }
}
