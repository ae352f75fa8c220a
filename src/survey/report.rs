//! What the written report says about the survey itself (`[report]` in survey.toml):
//!
//! ```toml
//! [report]
//! title = "关于区直机关形式主义问题和党建工作情况的调研报告"
//! organizer = "区直机关工委"
//! period = "2026年6月"
//! purpose = "为深入了解……，区直机关工委组织开展了本次问卷调查。"
//! respondents = "区直机关各单位党员干部"
//! ```

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportInfo {
    /// The report's title (default: the survey's title + 调研报告).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Who carried the survey out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizer: Option<String>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Why: the opening paragraph of 一、调查基本情况.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Who was surveyed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respondents: Option<String>,
}
