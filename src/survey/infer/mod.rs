//! `init`: infers an editable survey definition from returned files: a 问卷星 text
//! export, a code export, both together (the pair gives option order and codes), or a
//! plain table with one header row of questions.
//!
//! Kinds come from the data: `┋` → multi, `→` → rank, `N分` rows under a `—` header →
//! matrix, `N分` alone → scale, `第N题(…)` columns → multi (0/1) or rank, few distinct
//! answers → single, numbers → number, anything else → text.
//!
//! Files: [`drafts`] (headers and columns), [`scan`] (what a column's values say),
//! [`options`] (options, their order and codes); this file puts them together.

mod drafts;
mod options;
mod scan;

use calamine::Data;
use std::collections::HashMap;

use crate::ingest::cells::{blank, int_of};
use crate::ingest::{cell_text, Workbook};
use crate::survey::{Kind, OptionDef, Question, Survey};
use crate::text::{parse_points, tidy};
use drafts::*;
use options::*;
pub use scan::{read_for_inference, still_text, ColumnScan, ColumnScans};
use scan::{classify, classify_scanned};

#[derive(Debug, thiserror::Error)]
pub enum InferError {
    #[error("{0}：找不到表头或数据，无法推断题目")]
    NoData(String),
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
}

/// [`infer`], with notes on the columns it did not take as questions.
pub fn infer_with_notes(files: &[Workbook]) -> Result<(Survey, InferNotes), InferError> {
    infer_scanned(files, Vec::new())
}

/// [`infer_with_notes`], with the column scans made while the files were read
/// (`scans[i]` for `files[i]`; missing or empty ones are scanned here).
pub fn infer_scanned(files: &[Workbook], mut scans: Vec<ColumnScans>) -> Result<(Survey, InferNotes), InferError> {
    scans.resize_with(files.len(), ColumnScans::default);
    let mut all: Vec<(String, FileDrafts)> = Vec::new();
    for wb in files {
        let name = wb.path.display().to_string();
        match drafts_of(wb) {
            Some(d) => all.push((name, d)),
            None => return Err(InferError::NoData(name)),
        }
    }
    let Some((first_name, _)) = all.first() else { return Err(InferError::NoData("（没有文件）".into())) };
    // A code export is the file with split columns or with numbers in every single column.
    let is_code = |f: &FileDrafts| {
        f.drafts.iter().any(|d| !d.split.is_empty())
            || f.drafts.iter().filter_map(|d| d.whole).all(|c| {
                let v = column_values(f, c);
                !v.is_empty() && v.iter().all(|(_, d)| int_of(d).is_some())
            })
    };
    let code_idx = all.iter().position(|(_, f)| f.numbered && is_code(f));
    let text_idx = all.iter().position(|(_, f)| !(f.numbered && is_code(f)));
    let text = text_idx.map(|i| &all[i].1);
    let code = code_idx.map(|i| &all[i].1);
    let base = text.or(code).unwrap();

    let mut questions = Vec::new();
    let mut numbers: Vec<u32> = base.drafts.iter().map(|d| d.number).collect();
    if let (Some(c), Some(_)) = (code, text) {
        for d in &c.drafts {
            if !numbers.contains(&d.number) {
                numbers.push(d.number);
            }
        }
    }
    numbers.sort();
    // Unnumbered extra columns of a 问卷星 export come after the last question.
    let last = numbers.iter().copied().filter(|n| *n < 10_000).max().unwrap_or(0);
    // The costly part, reading every answer of every whole-cell column, runs in parallel
    // over the columns; the questions are then assembled in order.
    let mut classified: HashMap<u32, (Kind, Vec<OptionDef>)> = {
        use rayon::prelude::*;
        // (question number, file, column, coded) of every whole-cell column to classify.
        #[allow(clippy::type_complexity)]
        let jobs: Vec<(u32, &FileDrafts, u32, bool, std::sync::Mutex<Option<ColumnScan>>)> = numbers
            .iter()
            .filter_map(|&num| {
                let td = text.and_then(|f| f.drafts.iter().find(|d| d.number == num));
                let cd = code.and_then(|f| f.drafts.iter().find(|d| d.number == num));
                let d = td.or(cd)?;
                if !d.rows.is_empty() || cd.is_some_and(|d| !d.split.is_empty()) {
                    return None;
                }
                let f = if td.is_some() { text? } else { code? };
                let c = d.whole?;
                let k = if td.is_some() { text_idx? } else { code_idx? };
                let scan = scans[k].take(&f.sheet, f.header_row, c);
                Some((num, f, c, td.is_none(), std::sync::Mutex::new(scan)))
            })
            .collect();
        // The answers of all those columns, gathered row by row (the cells lie in memory
        // row after row, so this reads them in order), per file.
        let mut values: Vec<Vec<(u32, &Data)>> = vec![Vec::new(); jobs.len()];
        for f in [text, code].into_iter().flatten() {
            let mine: Vec<usize> = (0..jobs.len()).filter(|&j| std::ptr::eq(jobs[j].1, f)).collect();
            let end = f.cells.end().map(|e| e.0).unwrap_or(0);
            // Columns already scanned while reading need their answers only for a
            // multi-select or ranking.
            let mine: Vec<usize> = mine
                .into_iter()
                .filter(|&j| jobs[j].4.lock().ok().and_then(|s| s.as_ref().map(|s| s.needs_values())).unwrap_or(true))
                .collect();
            for r in f.header_row + 1..=end {
                for &j in &mine {
                    if let Some(d) = f.cells.get_value((r, jobs[j].2)) {
                        if blank(d).is_none() {
                            values[j].push((r, d));
                        }
                    }
                }
            }
        }
        jobs.par_iter()
            .zip(values.par_iter())
            .map(|((num, _, _, coded, scan), v)| {
                let scan = scan.lock().ok().and_then(|mut s| s.take());
                (*num, match scan {
                    Some(scan) => classify_scanned(v, *coded, scan),
                    None => classify(v, *coded),
                })
            })
            .collect()
    };
    for num in numbers {
        let td = text.and_then(|f| f.drafts.iter().find(|d| d.number == num));
        let cd = code.and_then(|f| f.drafts.iter().find(|d| d.number == num));
        let d = td.or(cd).unwrap();
        let id = if num > 10_000 { format!("Q{}", last + num - 10_000) } else { format!("Q{num}") };
        let text_s = d.text.clone();
        let required = td.is_some_and(|d| d.required) || cd.is_some_and(|d| d.required);
        let mut q = Question { id, text: text_s, kind: Kind::Text, options: vec![], rows: vec![], required, aliases: vec![], show_if: None, number: None, waves: vec![], history: Default::default(), finding: None };
        if !d.rows.is_empty() {
            q.kind = Kind::Matrix;
            q.rows = d.rows.iter().map(|(l, _)| l.clone()).collect();
            let f = if td.is_some() { text.unwrap() } else { code.unwrap() };
            let points: Vec<f64> = d
                .rows
                .iter()
                .flat_map(|(_, c)| column_values(f, *c))
                .filter_map(|(_, v)| match &v { Data::String(s) => parse_points(s), _ => int_of(v).map(|i| i as f64) })
                .collect();
            // Both exports: the first row's pairs say where the codes start.
            let pair = match (text, code, td, cd) {
                (Some(tf), Some(cf), Some(t), Some(c)) if !t.rows.is_empty() && !c.rows.is_empty() => score_offset(tf, t.rows[0].1, cf, c.rows[0].1),
                _ => None,
            };
            q.options = scale_options(points.into_iter(), pair).unwrap_or_else(|| (1..=5).map(|k| OptionDef::Plain(format!("{k}分"))).collect());
        } else if let Some(cd) = cd.filter(|d| !d.split.is_empty()) {
            // Split columns: option order from the code export; 0/1 → multi, ranks → rank.
            let f = code.unwrap();
            let is_rank = cd.split.iter().any(|(_, c)| column_values(f, *c).iter().any(|(_, v)| matches!(int_of(v), Some(k) if k > 1 || k == -2)));
            let text_kind = td.and_then(|t| t.whole).map(|c| classify(&column_values(text.unwrap(), c), false).0);
            q.kind = match text_kind {
                Some(Kind::Rank) => Kind::Rank,
                Some(Kind::Multi) => Kind::Multi,
                _ if is_rank => Kind::Rank,
                _ => Kind::Multi,
            };
            q.options = cd.split.iter().map(|(o, _)| OptionDef::new(o.clone(), is_other_text(o))).collect();
            if td.is_none() {
                q.text = cd.text.clone();
            }
        } else if let Some(c) = d.whole {
            let f = if td.is_some() { text.unwrap() } else { code.unwrap() };
            // Read again only where needed (the classification above has read them once).
            let vals = || column_values(f, c);
            let (mut kind, opts) = classified.remove(&num).unwrap_or_else(|| classify(&vals(), td.is_none()));
            q.options = opts;
            // The pair: a column coded with integers in the code export is a choice question.
            if let (Some(cf), Some(cc)) = (code, cd.and_then(|d| d.whole)) {
                let coded = column_values(cf, cc);
                let all_ints = coded.iter().all(|(_, v)| int_of(v).is_some());
                if td.is_some() && kind == Kind::Text && !coded.is_empty() && all_ints {
                    kind = Kind::Single;
                }
                // Text answers stay text in the code export: not a choice question.
                if td.is_some() && kind == Kind::Single && !all_ints {
                    kind = Kind::Text;
                    q.options.clear();
                }
            }
            // The header's type suffix says the kind; the data only guess it.
            if let Some(h) = td.and_then(|d| d.hint).or(cd.and_then(|d| d.hint)) {
                let texts = || vals().into_iter().map(|(_, d)| cell_text(d));
                match h {
                    _ if h == kind => {}
                    Kind::Text if kind != Kind::Number => {
                        kind = Kind::Text;
                        q.options.clear();
                    }
                    Kind::Single | Kind::Scale if !q.options.is_empty() => kind = h,
                    Kind::Single | Kind::Scale if td.is_some() => {
                        kind = h;
                        q.options = collect_options(texts(), None);
                    }
                    Kind::Multi if td.is_some() => {
                        kind = h;
                        q.options = collect_options(texts(), Some('┋'));
                    }
                    Kind::Rank if td.is_some() => {
                        kind = h;
                        q.options = collect_options(texts(), Some('→'));
                    }
                    _ => {}
                }
            }
            // Options seen only as texts come in first-appearance order: put them in a
            // sensible one (numbers ascending, ladders in their order, 其他 last). The
            // code export's numbers, when there, are the questionnaire's own order.
            let paired = code.is_some() && cd.is_some_and(|d| d.whole.is_some()) && td.is_some();
            if td.is_some() && !paired && matches!(kind, Kind::Single | Kind::Multi | Kind::Rank) {
                q.options = sensible_order(std::mem::take(&mut q.options));
            }
            q.kind = kind;
            // The pair: code → text mapping orders single-choice options by their codes.
            if let (Some(tf), Some(cf), Some(cd)) = (text, code, cd) {
                match (kind, cd.whole) {
                    (Kind::Single, Some(cc)) => q.options = pair_options(tf, c, cf, cc, &q.options),
                    // A numbered scale: scores are in the labels; the codes only say where
                    // the scale starts and how far it reaches.
                    (Kind::Scale, Some(cc)) => {
                        let points = vals().into_iter().filter_map(|(_, d)| parse_points(&cell_text(d)));
                        if let Some(o) = scale_options(points, score_offset(tf, c, cf, cc)) {
                            q.options = o;
                        }
                    }
                    _ => {}
                }
            }
        }
        questions.push(q);
    }
    let title = std::path::Path::new(first_name)
        .file_stem()
        .and_then(|s| s.to_str())
        .map(tidy)
        .unwrap_or_else(|| "问卷".into());
    let unit = all.iter().find_map(|(_, f)| f.unit_col.clone()).or_else(|| {
        questions
            .iter()
            .find(|q| q.kind == Kind::Single && (q.text.contains("单位") || q.text.contains("部门")))
            .map(|q| q.id.clone())
    });
    let banners = questions
        .iter()
        .filter(|q| q.kind == Kind::Single)
        .filter(|q| ["身份", "性别", "年龄", "职务", "职级", "单位", "类别", "类型"].iter().any(|k| q.text.contains(k)))
        .map(|q| q.id.clone())
        .collect();
    let id: String = title.chars().filter(|c| !"\\/:*?\"<>|".contains(*c) && !c.is_whitespace()).collect();
    let s = Survey { id, title, version: 1, unit, banners, weighting: None, questions, indicators: vec![], indices: vec![], report: None };
    let mut meta_columns: Vec<String> = Vec::new();
    for (_, f) in &all {
        for m in &f.meta {
            if !meta_columns.contains(m) {
                meta_columns.push(m.clone());
            }
        }
    }
    Ok((s, InferNotes { meta_columns }))
}

