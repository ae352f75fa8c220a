//! The layout of a unit fill-in workbook (see `collect::template`, which writes one):
//! its sheet names, its 是/否 markers, its columns, and the metadata a returned one
//! carries. A description both sides read: `collect` writes templates by it, and
//! `clean` recognises and reads returned ones by it.

use super::schema::{other_column, part_column};
use super::{Kind, Survey};
use crate::ingest::{cell_text, Workbook as InputBook};

/// The metadata sheet's name and its first cell.
pub const META_SHEET: &str = "_diaoyan";
pub const MARK: &str = "diaoyan-template";
pub const RESPONSE_SHEET: &str = "答卷";
/// The sheet of a template telling how to fill it in.
pub const INSTRUCTIONS_SHEET: &str = "填写说明";
/// The hidden sheet of a template holding its dropdowns' option lists.
pub const OPTIONS_SHEET: &str = "选项";
pub const YES: &str = "是";
pub const NO: &str = "否";

/// What a returned template says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateMeta {
    pub survey_id: String,
    pub version: u32,
    pub unit: String,
    pub headers: Vec<String>,
}

/// What one template column holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Col {
    Seq,
    /// Single, scale, text or number question: header `Q1 您的身份`.
    Whole(usize),
    /// One option of a multi-select (是/否) or ranking (rank number), or a matrix row.
    Sub(usize, usize),
    /// The "please specify" text of an option.
    Other(usize, usize),
}

/// The template's columns and headers, in order. The unit question (if the survey has
/// one) is left out: the template's metadata gives the unit.
pub fn columns(s: &Survey) -> Vec<(String, Col)> {
    let mut out = vec![("序号".to_string(), Col::Seq)];
    for (qi, q) in s.questions.iter().enumerate() {
        if s.unit.as_deref() == Some(q.id.as_str()) {
            continue;
        }
        match q.kind {
            Kind::Single | Kind::Scale | Kind::Text | Kind::Number => out.push((format!("{} {}", q.id, q.text), Col::Whole(qi))),
            Kind::Multi | Kind::Rank => {
                for (oi, o) in q.options.iter().enumerate() {
                    out.push((part_column(&q.id, o.text()), Col::Sub(qi, oi)));
                }
            }
            Kind::Matrix => {
                for (ri, r) in q.rows.iter().enumerate() {
                    out.push((part_column(&q.id, r), Col::Sub(qi, ri)));
                }
            }
        }
        if q.kind == Kind::Single || q.kind == Kind::Multi {
            for (oi, o) in q.options.iter().enumerate().filter(|(_, o)| o.is_other()) {
                out.push((other_column(&q.id, o.text()), Col::Other(qi, oi)));
            }
        }
    }
    out
}

/// Reads the metadata of a returned template; `None` for any other workbook.
pub fn meta(wb: &InputBook) -> Option<TemplateMeta> {
    let sheet = wb.sheets.iter().find(|s| s.name == META_SHEET)?;
    let rows: Vec<Vec<String>> = sheet.cells.rows().map(|r| r.iter().map(cell_text).collect()).collect();
    if rows.first()?.first()? != MARK {
        return None;
    }
    let get = |key: &str| rows.iter().find(|r| r.first().map(|k| k == key).unwrap_or(false)).and_then(|r| r.get(1).cloned());
    let headers = rows.iter().filter(|r| r.first().map(|k| k == "column").unwrap_or(false)).filter_map(|r| r.get(1).cloned()).collect();
    Some(TemplateMeta { survey_id: get("survey_id")?, version: get("survey_version")?.parse().ok()?, unit: get("unit")?, headers })
}
