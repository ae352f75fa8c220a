//! Named indicators and composite indices for unit league tables (`[[indicators]]`,
//! `[[indices]]` in survey.toml).
//!
//! ```toml
//! [[indicators]]
//! id = "整治见效"
//! name = "认为整治效果好或较好的比例"
//! question = "Q6"                  # a question, or one matrix row: "Q3/三会一课"
//! options = ["好", "较好"]          # the share choosing one of these …
//! # measure = "top2"               # … or top2 / bottom2 (scales) or mean
//! better = "higher"                # or "lower"
//!
//! [[indices]]
//! id = "减负指数"
//! name = "基层减负综合指数"
//! parts = [{ indicator = "整治见效", weight = 2 }, { indicator = "会议负担", weight = 1 }]
//! ```
//!
//! An index is Σ wᵢ·xᵢ ÷ Σ wᵢ over its indicators, each xᵢ on 0–100: a share as it is; a
//! mean as (mean − lowest score) ÷ (highest score − lowest score) × 100; and 100 − x for an
//! indicator where lower is better, so that a higher index is always better. With
//! `standardise = "z"` each part is first made a standard score across the units of the
//! wave ((x − mean) ÷ sd), with `"minmax"` rescaled to 0–100 between the lowest and the
//! highest unit, so that nominal weights are the parts' real weights.

use serde::{Deserialize, Serialize};

use super::{Kind, Question, Survey};

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    #[default]
    Higher,
    Lower,
}

/// What an indicator measures of its question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndicatorMeasure {
    /// The share choosing one of `options` (the default when options are given).
    Share,
    Top2,
    Bottom2,
    Mean,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// A question id, or `Q3/三会一课` for one row of a matrix.
    pub question: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<IndicatorMeasure>,
    #[serde(default)]
    pub better: Better,
}

impl Indicator {
    pub fn measure(&self) -> IndicatorMeasure {
        self.measure.unwrap_or(IndicatorMeasure::Share)
    }
    /// How users see it named.
    pub fn label(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
    /// The question id (without a matrix row).
    pub fn question_id(&self) -> &str {
        self.question.split('/').next().unwrap_or("")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexPart {
    pub indicator: String,
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub parts: Vec<IndexPart>,
    /// How the parts are put on one scale before weighting.
    #[serde(default, skip_serializing_if = "Standardise::is_none")]
    pub standardise: Standardise,
}

/// How an index's parts are put on one scale across the units of a wave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Standardise {
    /// Each part on 0–100 as it is (a share; a mean rescaled by its score range).
    #[default]
    None,
    /// Standard scores across the units: (x − mean) ÷ sd.
    Z,
    /// 0–100 between the lowest and the highest unit.
    Minmax,
}

impl Standardise {
    pub fn is_none(&self) -> bool {
        *self == Standardise::None
    }
}

impl Index {
    pub fn label(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
}

impl Survey {
    pub(super) fn validate_indicators(&self) -> Result<(), String> {
        let mut ids = std::collections::HashSet::new();
        for ind in &self.indicators {
            if ind.id.trim().is_empty() || !ids.insert(ind.id.as_str()) {
                return Err(format!("指标 id“{}”为空或重复", ind.id));
            }
            let Some(q) = self.question(ind.question_id()) else {
                return Err(format!("指标 {} 的 question = \"{}\" 不是问卷中的题目", ind.id, ind.question));
            };
            check_indicator(ind, q)?;
        }
        for ix in &self.indices {
            if ix.id.trim().is_empty() || !ids.insert(ix.id.as_str()) {
                return Err(format!("指数 id“{}”为空，或与其他指标、指数重复", ix.id));
            }
            if ix.parts.is_empty() {
                return Err(format!("指数 {} 没有列出组成它的指标 parts", ix.id));
            }
            for p in &ix.parts {
                let Some(ind) = self.indicators.iter().find(|i| i.id == p.indicator) else {
                    return Err(format!("指数 {} 中的指标“{}”没有在 [[indicators]] 中定义", ix.id, p.indicator));
                };
                // A mean needs a score range to become 0–100: scales have one, numbers do not.
                if ind.measure() == IndicatorMeasure::Mean && self.question(ind.question_id()).is_some_and(|q| q.kind == Kind::Number) {
                    return Err(format!(
                        "指数 {} 中的指标“{}”是数值题的平均值，没有分值范围，不能换算成 0–100 分放进指数",
                        ix.id, p.indicator
                    ));
                }
                if !(p.weight.is_finite() && p.weight > 0.0) {
                    return Err(format!("指数 {} 中指标“{}”的权重应为正数", ix.id, p.indicator));
                }
            }
        }
        Ok(())
    }
}

fn check_indicator(ind: &Indicator, q: &Question) -> Result<(), String> {
    let row = ind.question.split_once('/').map(|(_, r)| r);
    match (q.kind, row) {
        (Kind::Matrix, None) => {
            return Err(format!(
                "指标 {} 的 {} 是矩阵题：请写明是哪一行，如 question = \"{}/{}\"",
                ind.id,
                q.id,
                q.id,
                q.rows.first().map(|s| s.as_str()).unwrap_or("行")
            ))
        }
        (Kind::Matrix, Some(r)) if !q.rows.iter().any(|x| x == r) => {
            return Err(format!("指标 {} 中的“{r}”不是矩阵题 {} 的一行", ind.id, q.id))
        }
        (Kind::Matrix, Some(_)) => {}
        (_, Some(_)) => return Err(format!("指标 {} 的 question 只有矩阵题才写“题号/行”", ind.id)),
        (Kind::Text | Kind::Rank, _) => return Err(format!("指标 {} 的 {} 是{}，不能作指标", ind.id, q.id, q.kind.label())),
        _ => {}
    }
    let scale = matches!(q.kind, Kind::Scale | Kind::Matrix);
    match ind.measure() {
        IndicatorMeasure::Share => {
            if q.kind == Kind::Number {
                return Err(format!("指标 {} 的 {} 是数值题，只能用 measure = \"mean\"", ind.id, q.id));
            }
            if ind.options.is_empty() {
                return Err(format!("指标 {} 要写明计算哪些选项的比例（options = [...]），或给出 measure", ind.id));
            }
            if let Some(o) = ind.options.iter().find(|o| q.find_option(o).is_none()) {
                return Err(format!("指标 {} 中的“{o}”不是 {} 的选项", ind.id, q.id));
            }
        }
        IndicatorMeasure::Top2 | IndicatorMeasure::Bottom2 if !scale => {
            return Err(format!("指标 {} 的 top2/bottom2 只适用于量表题和矩阵题", ind.id))
        }
        IndicatorMeasure::Mean if !(scale || q.kind == Kind::Number) => {
            return Err(format!("指标 {} 的 mean 只适用于量表题、矩阵题和数值题", ind.id))
        }
        _ if !ind.options.is_empty() => return Err(format!("指标 {} 给了 measure 就不要再写 options", ind.id)),
        _ => {}
    }
    Ok(())
}
