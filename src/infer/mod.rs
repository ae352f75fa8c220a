//! `init`: infers an editable survey definition from returned files: a 问卷星 text
//! export, a code export, both together (the pair gives option order and codes), a
//! platform export (问卷网, 腾讯问卷, survey panels with a code row), a plain table, or a
//! workbook of hand-entered paper questionnaires with a codebook sheet.
//!
//! Kinds come from the headers and from all the answers of a column, never one answer:
//! `┋` → multi and `→` → rank only when the parts make a small set of short options;
//! `N分` → scale; split columns of 0/1 → multi, of ranks → rank, of ratings → matrix;
//! repeated short values → single; codes of a code export → single or scale with
//! numbered placeholders; counts and ages → number; anything else (and anything in doubt)
//! → text, with a note.
//!
//! Files: [`sheets`] (which sheet and rows, codebooks), [`drafts`] (headers grouped into
//! questions), [`scan`] (what a column's values say), [`options`] (options, their order
//! and codes), [`build`] (one question from its drafts), [`names`] (title, ids, banner
//! names); this file puts them together.

mod build;
mod drafts;
pub mod names;
mod options;
mod scan;
mod sheets;

use crate::ingest::cells::int_of;
use crate::ingest::Workbook;
use crate::survey::{Kind, Question, Survey};
use drafts::*;
pub use scan::{read_for_inference, still_text, ColumnScan, ColumnScans};
pub use sheets::codebook_like;

#[derive(Debug, thiserror::Error)]
pub enum InferError {
    #[error("{}：找不到表头或数据，无法推断题目", .0.display())]
    NoData(std::path::PathBuf),
    #[error("没有给出任何文件，无法推断题目")]
    NoFiles,
}

/// Infers a definition from one or more files (a 问卷星 text/code pair, or a table).
pub fn infer(files: &[Workbook]) -> Result<Survey, InferError> {
    infer_with_notes(files).map(|(s, _)| s)
}

/// What inference did besides the questions, for the summary `init` prints.
#[derive(Debug, Clone, Default)]
pub struct InferNotes {
    /// Columns taken as platform metadata (编号, 答题时长, IP, …), not questions.
    pub meta_columns: Vec<String>,
    /// What was read specially or left out (code rows, codebook and tally sheets, …).
    pub sheets: Vec<String>,
    /// Per question id: why its kind was a close call (an open question with few
    /// distinct answers, …).
    pub doubts: Vec<(String, String)>,
    /// Where the title came from.
    pub title_from: String,
}

/// [`infer`], with notes on the columns it did not take as questions.
pub fn infer_with_notes(files: &[Workbook]) -> Result<(Survey, InferNotes), InferError> {
    infer_scanned(files, Vec::new())
}

/// The files of an inference: the text-like file and the code export, when given.
pub(super) struct Pair<'a> {
    text: Option<&'a FileDrafts<'a>>,
    code: Option<&'a FileDrafts<'a>>,
    /// Indices into the files (for their scans).
    text_idx: Option<usize>,
    code_idx: Option<usize>,
    /// Whether the code export stands alone (no text export beside it).
    code_only: bool,
}

/// Whether a file is a code export: split columns, or numbers in every whole column of a
/// numbered file, or a 问卷星 file name saying so (`…_2_标题_…`).
fn is_code_export(f: &FileDrafts, path: &std::path::Path) -> bool {
    if names::wjx_export_kind(path) == Some(names::ExportKind::Code) {
        return true;
    }
    if names::wjx_export_kind(path) == Some(names::ExportKind::Text) || !f.numbered || f.codebook.is_some() {
        return false;
    }
    let wholes: Vec<u32> = f.drafts.iter().filter_map(|d| d.whole).collect();
    let split = f.drafts.iter().any(|d| d.paren);
    let all_ints = !wholes.is_empty()
        && wholes.iter().all(|&c| {
            let v = column_values(f, c);
            !v.is_empty() && v.iter().all(|(_, d)| int_of(d).is_some())
        });
    split || all_ints
}

/// [`infer_with_notes`], with the column scans made while the files were read
/// (`scans[i]` for `files[i]`; missing or empty ones are scanned here).
pub fn infer_scanned(files: &[Workbook], mut scans: Vec<ColumnScans>) -> Result<(Survey, InferNotes), InferError> {
    scans.resize_with(files.len(), ColumnScans::default);
    let mut all: Vec<FileDrafts> = Vec::new();
    for wb in files {
        match drafts_of(wb) {
            Some(d) => all.push(d),
            None => return Err(InferError::NoData(wb.path.clone())),
        }
    }
    if all.is_empty() {
        return Err(InferError::NoFiles);
    }
    let code_idx = (0..all.len()).find(|&i| is_code_export(&all[i], &files[i].path));
    let text_idx = (0..all.len()).find(|&i| Some(i) != code_idx);
    let pair = Pair { text: text_idx.map(|i| &all[i]), code: code_idx.map(|i| &all[i]), text_idx, code_idx, code_only: text_idx.is_none() };
    let mut notes = InferNotes::default();
    let questions = build::questions(&pair, &mut scans, &mut notes);
    let base = pair.text.or(pair.code).ok_or_else(|| InferError::NoData(files[0].path.clone()))?;
    let base_path = &files[text_idx.or(code_idx).unwrap_or(0)].path;
    let (title, from) = names::title(base.title.as_deref(), base_path);
    notes.title_from = from;
    for f in &all {
        for m in &f.meta {
            if !notes.meta_columns.contains(m) {
                notes.meta_columns.push(m.clone());
            }
        }
        for n in &f.notes {
            if !notes.sheets.contains(n) {
                notes.sheets.push(n.clone());
            }
        }
    }
    let survey = assemble(questions, title, &all);
    Ok((survey, notes))
}

/// The survey from its questions: ids made distinct, the unit question, banners.
fn assemble(mut questions: Vec<Question>, title: String, all: &[FileDrafts]) -> Survey {
    names::distinct_ids(&mut questions);
    let unit = all
        .iter()
        .find_map(|f| f.unit_col.clone())
        .or_else(|| questions.iter().find(|q| q.kind == Kind::Single && names::is_unit_question(&q.text)).map(|q| q.id.clone()));
    let mut banners: Vec<String> = questions
        .iter()
        .filter(|q| q.kind == Kind::Single && q.options.len() <= 12 && names::is_group_question(&q.text))
        .map(|q| q.id.clone())
        .collect();
    if unit.is_some() && !banners.iter().any(|b| Some(b) == unit.as_ref()) {
        banners.push("unit".into());
    }
    for q in questions.iter_mut().filter(|q| banners.contains(&q.id)) {
        let name = crate::survey::noun(&q.text);
        if name != q.text {
            q.label = Some(name);
        }
    }
    let id = names::survey_id(&title);
    // Location and channel columns are kept (not as questions) for grouping.
    let mut fields: Vec<crate::survey::Field> = Vec::new();
    for f in all {
        for (header, name) in &f.place {
            match fields.iter_mut().find(|x| x.name == *name) {
                Some(x) if !x.headers.contains(header) => x.headers.push(header.clone()),
                Some(_) => {}
                None if !questions.iter().any(|q| q.id == *name) => {
                    fields.push(crate::survey::Field { name: name.to_string(), headers: vec![header.clone()] })
                }
                None => {}
            }
        }
    }
    Survey {
        id,
        title,
        version: 1,
        unit,
        banners,
        weighting: None,
        design: None,
        questions,
        indicators: vec![],
        indices: vec![],
        report: None,
        fields,
    }
}
