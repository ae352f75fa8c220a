//! The written report (调研报告): one document model, built once from the [`Report`] in
//! the structure of a Chinese survey report, and rendered as Word (`docx.rs`) and as a
//! self-contained web page (`html.rs`). Sentences come from `findings.rs`; every figure
//! is one of the computed results.
//!
//! 一、调查基本情况 — purpose, sample, who answered; 二、主要调查结果 — per question a
//! finding, its chart and its table; 三、比较分析 — group differences, changes between
//! years, units; 四、意见建议 — open answers, keywords and representative answers;
//! 附：说明 — bases, intervals, tests, α, data issues.

mod docx;
pub mod findings;
mod html;
mod paging;
pub mod per_unit;
mod pptx;
mod sections;

pub use docx::WordReport;
pub use html::HtmlReport;
pub use per_unit::PerUnit;
pub use pptx::DeckReport;

use super::charts::Spec;
use super::Report;

/// One block of the document, in reading order.
#[derive(Debug, Clone)]
pub enum Block {
    /// A first-level heading: 一、调查基本情况.
    H1(String),
    /// A second-level heading: （一）……
    H2(String),
    /// A body paragraph.
    P(String),
    /// A numbered table: 表N caption, header, rows.
    Table { caption: String, head: Vec<String>, rows: Vec<Vec<String>> },
    /// A numbered figure: 图N caption and the chart.
    Figure { caption: String, spec: Spec },
    /// A quoted answer (open questions).
    Quote(String),
    /// A note in smaller type (附：说明).
    Note(String),
}

/// The whole document.
#[derive(Debug, Clone)]
pub struct Document {
    pub title: String,
    /// Organiser and period under the title, when survey.toml's `[report]` gives them.
    pub byline: Option<String>,
    pub blocks: Vec<Block>,
}

impl Document {
    /// Every sentence of the text (paragraphs, quotes, notes, captions), for checks.
    pub fn text(&self) -> String {
        let mut out = vec![self.title.clone()];
        for b in &self.blocks {
            match b {
                Block::H1(s) | Block::H2(s) | Block::P(s) | Block::Quote(s) | Block::Note(s) => out.push(s.clone()),
                Block::Table { caption, .. } | Block::Figure { caption, .. } => out.push(caption.clone()),
            }
        }
        out.join("\n")
    }
}

/// Builds the document of a report.
pub fn build(report: &Report) -> Document {
    sections::build(report)
}

/// Chinese numerals for headings: 一 … 九十九.
pub fn numeral(n: usize) -> String {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => D[n].into(),
        10 => "十".into(),
        11..=19 => format!("十{}", D[n - 10]),
        20..=99 => format!("{}十{}", D[n / 10], D[n % 10]),
        _ => n.to_string(),
    }
}

/// Text as documents may carry it: control characters (which XML forbids and answers
/// pasted from other programs sometimes hold) become spaces.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let s = crate::text::printable(s);
    if s.contains(['\t', '\n', '\r']) {
        std::borrow::Cow::Owned(s.replace(['\t', '\n', '\r'], " "))
    } else {
        s
    }
}

/// The file stem of the written report (as the workbook's).
pub fn stem(report: &Report) -> String {
    crate::text::safe_file_stem(&report.survey.id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn numerals() {
        let got: Vec<String> = [1, 9, 10, 11, 20, 23].iter().map(|n| super::numeral(*n)).collect();
        assert_eq!(got, ["一", "九", "十", "十一", "二十", "二十三"]);
    }
}
