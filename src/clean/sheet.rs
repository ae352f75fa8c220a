//! Preparing a sheet: finding its header, mapping every column (or leaving it out with
//! the reason), studying the first rows (code export, letters, template strictness), and
//! parsing the whole sheet in parallel row chunks.

use calamine::{Data, Range};
use rayon::prelude::*;
use rustc_hash::FxHashSet as HashSet;

use super::cells::Options;
use super::layout::{self, Matcher, Role};
use super::ledger::{self, Action, Issue, Problem};
use super::rows::{Part, SheetCtx};
use crate::ingest::{self, cell_text, col_letter, SheetData};
use crate::survey::schema::Schema;
use crate::survey::template::TemplateMeta;
use crate::survey::{Kind, Survey};

pub(super) const CHUNK: u32 = 4096;

/// What every sheet of one file is read with.
pub(super) struct FileCtx<'a> {
    pub(super) survey: &'a Survey,
    pub(super) schema: &'a Schema,
    pub(super) options: &'a [Options],
    pub(super) matcher: &'a Matcher<'a>,
    /// The file as the ledger names it.
    pub(super) file: std::sync::Arc<str>,
    /// The unit of rows that name none: the file's name, or a returned template's unit.
    pub(super) stem: String,
    pub(super) wave: Option<String>,
}

impl<'a> FileCtx<'a> {
    pub(super) fn new(
        survey: &'a Survey,
        schema: &'a Schema,
        options: &'a [Options],
        matcher: &'a Matcher<'a>,
        path: &std::path::Path,
        wave: Option<String>,
    ) -> FileCtx<'a> {
        let stem = path.file_stem().map(|s| crate::text::tidy(&crate::text::os_text(s).0)).unwrap_or_default();
        let file = crate::text::path_text(path).0;
        FileCtx { survey, schema, options, matcher, file: file.into(), stem, wave }
    }
}

/// Parses one sheet; `None` when it has no recognisable header.
/// A sheet ready to be parsed: its context, the ledger entries about its header, and
/// the headers that matched no question.
pub(super) struct Prepared<'a> {
    pub(super) ctx: SheetCtx<'a>,
    pub(super) header_issues: Vec<Issue>,
    pub(super) info: SheetInfo,
}

/// What a sheet's header said: the headers that matched nothing and where every column went.
#[derive(Default)]
pub(crate) struct SheetInfo {
    pub(super) unknown: Vec<String>,
    pub(super) columns: Vec<ledger::ColumnMap>,
    pub(super) conflicts: usize,
    /// Distinct questions the header matched.
    pub(super) matched: usize,
}

/// Finds the header and studies the first rows of a sheet (`cells` holds at least the
/// first rows); `None` when there is no recognisable header.
pub(super) fn prepare_sheet<'a>(
    fc: &FileCtx<'a>,
    cells: &Range<Data>,
    sheet_name: &str,
    tmpl: Option<&TemplateMeta>,
) -> Option<Prepared<'a>> {
    let mut layout = layout::detect(fc.matcher, cells)?;
    let changed = match tmpl {
        Some(m) => template_headers(m, cells, &mut layout),
        None => Vec::new(),
    };
    let ctx = sheet_ctx(fc, cells, sheet_name, tmpl, layout)?;
    let unknown: Vec<String> = ctx.layout.columns.iter().filter(|c| c.role == Role::Unknown).map(|c| c.header.clone()).collect();
    let conflicts = ctx.layout.columns.iter().filter(|c| c.role == Role::Conflict).count();
    let mut header_issues = column_issues(&ctx);
    // A column holding answers under an empty header cell is not silently passed over.
    let mut columns = column_maps(&ctx);
    unheaded_columns(&ctx, cells, &mut header_issues, &mut columns);
    header_issues.extend(late_column_issues(&ctx, &changed));
    header_issues.extend(missing_questions(&ctx));
    let matched = ctx.present.iter().filter(|p| **p).count();
    Some(Prepared { ctx, header_issues, info: SheetInfo { unknown, columns, conflicts, matched } })
}

/// A returned template: every header must be exactly as issued; a changed one is
/// reported and its column is not read. Returns the changed headers (column, text).
fn template_headers(m: &TemplateMeta, cells: &Range<Data>, layout: &mut layout::Layout) -> Vec<(u32, String)> {
    let mut changed = Vec::new();
    // Templates start in column A.
    for (i, want) in m.headers.iter().enumerate() {
        let col = i as u32;
        let got = cells.get_value((layout.header_row, col)).map(cell_text).unwrap_or_default();
        if crate::text::tidy(&got) != *want {
            changed.push((col, got));
            if let Some(c) = layout.columns.iter_mut().find(|c| c.col == col) {
                c.role = Role::Ignore;
                c.reason = Some(format!("表头被改动（下发时为“{want}”）"));
            }
        }
    }
    changed
}

/// Everything a sheet's rows are read with: the layout, which questions have a column,
/// the id/time/unit columns, how each column is answered, skip logic.
fn sheet_ctx<'a>(
    fc: &FileCtx<'a>,
    cells: &Range<Data>,
    sheet_name: &str,
    tmpl: Option<&TemplateMeta>,
    layout: layout::Layout,
) -> Option<SheetCtx<'a>> {
    let survey = fc.survey;
    cells.end()?;
    let mut present = vec![false; survey.questions.len()];
    let (mut seq_col, mut time_col, mut unit_col) = (None, None, None);
    for c in &layout.columns {
        match c.role {
            Role::Seq => seq_col = seq_col.or(Some(c.col)),
            Role::Submitted => time_col = time_col.or(Some(c.col)),
            Role::Unit => unit_col = unit_col.or(Some(c.col)),
            _ => {}
        }
        if let Some(q) = c.role.question() {
            present[q] = true;
        }
    }
    let (mut coded, mut lettered) = study_columns(survey, fc.options, cells, &layout);
    if tmpl.is_some() {
        unit_col = None;
        lettered.clear();
        coded.clear();
    }
    Some(SheetCtx {
        strict: tmpl.is_some(),
        lettered,
        show_if: show_if_lookup(survey),
        survey,
        schema: fc.schema,
        options: fc.options,
        coded,
        present,
        seq_col,
        time_col,
        unit_col,
        unit_q: survey.unit.as_ref().and_then(|u| survey.questions.iter().position(|q| &q.id == u)),
        file: fc.file.clone(),
        sheet: sheet_name.into(),
        file_stem: fc.stem.clone(),
        wave: fc.wave.clone(),
        tally_from: tally_start(cells, &layout),
        headers: layout.columns.iter().filter(|c| c.role.question().is_some()).map(|c| (c.col, c.header.clone())).collect(),
        layout,
    })
}

/// Per question: the single-choice question that gates it and the option indices shown.
fn show_if_lookup(survey: &Survey) -> Vec<Option<(usize, Vec<u32>)>> {
    survey
        .questions
        .iter()
        .map(|q| {
            let c = q.show_if.as_ref()?;
            let qi = survey.questions.iter().position(|p| p.id == c.question)?;
            let p = &survey.questions[qi];
            let idx = c.any_of.iter().filter_map(|o| p.find_option(o)).map(|i| i as u32).collect();
            Some((qi, idx))
        })
        .collect()
}

/// What a cell is: an option's text, an integer, option letters, or something else.
#[derive(Clone, Copy)]
pub(super) enum Look {
    Option,
    Int,
    Letters,
    Other,
}

fn look(options: &Options, d: &Data) -> Look {
    if matches!(d, Data::String(s) if options.by_text(s).is_some()) {
        Look::Option
    } else if ingest::cells::int_of(d).is_some() {
        Look::Int
    } else if let Data::String(s) = d {
        let t = crate::text::norm_cow(s);
        if !t.is_empty() && t.chars().all(|ch| ch.is_ascii_lowercase() || matches!(ch, '、' | ',' | '，' | ';' | '；' | '/')) {
            Look::Letters
        } else {
            Look::Other
        }
    } else {
        Look::Other
    }
}

/// Of the first 2,000 answers of a column: how many, how many integers, how many option
/// letters (each distinct text looked at once: answers repeat; the question's cache of
/// texts seen is handed from one sheet to the next, as many units' files repeat them).
fn look_counts(options: &Options, cells: &Range<Data>, layout: &layout::Layout, col: u32) -> (usize, usize, usize) {
    let end = cells.end().map_or(0, |e| e.0);
    let (mut total, mut ints, mut letters) = (0usize, 0usize, 0usize);
    let mut seen = options.look_memos.take();
    let class_of = |d: &Data| ingest::cells::blank(d).is_none().then(|| look(options, d));
    for r in layout.header_row + 1..=end.min(layout.header_row + 2000) {
        let Some(d) = cells.get_value((r, col)) else { continue };
        // `None`: a blank answer (looked at once per text too).
        let class = match d {
            Data::String(s) => match seen.get(s) {
                Some(c) => *c,
                None => {
                    let c = class_of(d);
                    seen.insert(s, c);
                    c
                }
            },
            _ => class_of(d),
        };
        let Some(class) = class else { continue };
        total += 1;
        match class {
            Look::Int => ints += 1,
            Look::Letters => letters += 1,
            Look::Option | Look::Other => {}
        }
    }
    options.look_memos.give(seen);
    (total, ints, letters)
}

/// One look at the first rows of each whole-question column decides how it is read: a
/// code export (nearly all answers bare integers that are no option text), or option
/// letters (`A`, `ACD`, `a,c`) in most rows. Scale and matrix columns of integers are codes
/// in a code export (every single-choice column coded, or `第N题(…)` columns), scores
/// anywhere else. Returns the coded and the lettered columns.
fn study_columns(survey: &Survey, options: &[Options], cells: &Range<Data>, layout: &layout::Layout) -> (HashSet<u32>, HashSet<u32>) {
    let (mut coded, mut lettered) = (HashSet::default(), HashSet::default());
    let mut numeric_scales: Vec<u32> = Vec::new();
    let (mut coded_single, mut texty_single) = (0, 0);
    for c in &layout.columns {
        let qi = match c.role {
            Role::Whole(qi) | Role::MatrixRow(qi, _) => qi,
            _ => continue,
        };
        let kind = survey.questions[qi].kind;
        if !kind.has_options() {
            continue;
        }
        let (total, ints, letters) = look_counts(&options[qi], cells, layout, c.col);
        let mostly_ints = total > 0 && ints * 10 >= total * 9;
        match kind {
            Kind::Single if mostly_ints => {
                coded.insert(c.col);
                coded_single += 1;
            }
            Kind::Single if total > 0 => texty_single += 1,
            Kind::Scale | Kind::Matrix if mostly_ints => numeric_scales.push(c.col),
            _ => {}
        }
        if total > 0 && letters * 2 >= total {
            lettered.insert(c.col);
        }
    }
    let split_headers = layout.columns.iter().any(|c| crate::ingest::platform::parse_split_header(&c.header).is_some());
    if (coded_single > 0 || split_headers) && texty_single == 0 {
        coded.extend(numeric_scales);
    }
    (coded, lettered)
}

/// The header's first ledger entries: columns matching nothing, conflicting columns.
fn column_issues(ctx: &SheetCtx) -> Vec<Issue> {
    let hr = Some(ctx.layout.header_row);
    let mut out = Vec::new();
    for c in ctx.layout.columns.iter().filter(|c| c.role == Role::Unknown) {
        out.push(ctx.issue(hr, Some(c.col), None, c.header.clone(), Problem::UnknownColumn, Action::ColumnIgnored));
    }
    for c in ctx.layout.columns.iter().filter(|c| c.role == Role::Conflict) {
        let value = format!("{}（{}）", c.header, c.reason.clone().unwrap_or_default());
        out.push(ctx.issue(hr, Some(c.col), None, value, Problem::ColumnConflict, Action::ColumnIgnored));
    }
    out
}

/// Columns with answers under an empty header cell: a ledger entry and a line in the
/// column map each.
fn unheaded_columns(ctx: &SheetCtx, cells: &Range<Data>, issues: &mut Vec<Issue>, columns: &mut Vec<ledger::ColumnMap>) {
    if let (Some(start), Some(end)) = (cells.start(), cells.end()) {
        let headed: HashSet<u32> = ctx.layout.columns.iter().map(|c| c.col).collect();
        for col in (start.1..=end.1).filter(|c| !headed.contains(c)) {
            let first = (ctx.layout.header_row + 1..=end.0.min(ctx.layout.header_row + 2000))
                .find_map(|r| cells.get_value((r, col)).filter(|d| ingest::cells::blank(d).is_none()).map(|d| (r, cell_text(d))));
            if let Some((r, v)) = first {
                issues.push(ctx.issue(Some(r), Some(col), None, v, Problem::UnheadedColumn, Action::ColumnIgnored));
                columns.push(ledger::ColumnMap {
                    file: ctx.file.to_string(),
                    sheet: ctx.sheet.to_string(),
                    column: col_letter(col),
                    header: String::new(),
                    question: String::new(),
                    part: String::new(),
                    imported: false,
                    note: "表头为空，但列中有数据".into(),
                });
            }
        }
        columns.sort_by_key(|m| (m.column.len(), m.column.clone()));
    }
}

/// Entries for changed template headers and columns answered in letters, after the
/// unheaded columns (kept in this order: the ledger is compared byte for byte).
fn late_column_issues(ctx: &SheetCtx, changed: &[(u32, String)]) -> Vec<Issue> {
    let hr = Some(ctx.layout.header_row);
    let mut out = Vec::new();
    for (col, got) in changed {
        out.push(ctx.issue(hr, Some(*col), None, got.clone(), Problem::HeaderChanged, Action::ColumnIgnored));
    }
    for c in ctx.layout.columns.iter().filter(|c| ctx.lettered.contains(&c.col)) {
        let value = "整列用字母作答（A=第1个选项，B=第2个……）".into();
        out.push(ctx.issue(hr, Some(c.col), c.role.question(), value, Problem::LetterAnswer, Action::Converted));
    }
    out
}

/// Questions of the survey with no column here (a template leaves the unit question out on
/// purpose: its metadata names the unit; a question not asked in this wave has no column
/// to miss).
fn missing_questions(ctx: &SheetCtx) -> Vec<Issue> {
    let mut out = Vec::new();
    for (qi, p) in ctx.present.iter().enumerate() {
        let asked = ctx.survey.questions[qi].asked_in(ctx.wave.as_deref().unwrap_or(""));
        if !p && asked && !(ctx.strict && ctx.unit_q == Some(qi)) {
            let action = if ctx.unit_q == Some(qi) { Action::UnitFromFile } else { Action::SetMissing };
            out.push(ctx.issue(Some(ctx.layout.header_row), None, Some(qi), String::new(), Problem::MissingColumn, action));
        }
    }
    out
}

impl Prepared<'_> {
    /// Puts the header's ledger entries first; a sheet without data rows still yields one
    /// (empty) part to carry them.
    pub(super) fn finish(self, mut parts: Vec<Part>) -> (Vec<Part>, SheetInfo) {
        let ctx = &self.ctx;
        if parts.is_empty() {
            let mut p = Part::new(ctx.schema, 0, ctx.wave.clone(), &ctx.file, &ctx.sheet, ctx.seq_col.is_some());
            p.header_row = ctx.layout.header_row;
            parts.push(p);
        }
        let mut prep = self;
        lead(&mut prep.header_issues, &mut parts[0]);
        (parts, prep.info)
    }
}

/// Puts a sheet's entries so far (`issues`: header, malformed records) before the entries
/// of `first`, the first part of the rows handed on (all of them, or a batch).
pub(super) fn lead(issues: &mut Vec<Issue>, first: &mut Part) {
    let mut all = std::mem::take(issues);
    all.append(&mut first.issues);
    first.issues = all;
}

/// Where each headed column of a sheet went.
fn column_maps(ctx: &SheetCtx) -> Vec<ledger::ColumnMap> {
    let survey = ctx.survey;
    ctx.layout
        .columns
        .iter()
        .map(|c| {
            let q = c.role.question().map(|q| &survey.questions[q]);
            let (part, note) = match c.role {
                Role::Seq => ("答卷编号".into(), String::new()),
                Role::Submitted => ("提交时间".into(), String::new()),
                Role::Unit => ("单位".into(), String::new()),
                Role::Field(k) => (survey.fields[k].name.clone(), "平台记录的信息，保留在答卷表中，可作分组变量".into()),
                Role::Ignore => (String::new(), c.reason.clone().unwrap_or_else(|| "平台记录的信息（用时、来源、IP 等），不是题目".into())),
                Role::Whole(_) => {
                    let q = q.unwrap();
                    // Matched by its number alone: say so, so the user can check the text.
                    let by_number = crate::ingest::platform::parse_numbered_header(&c.header).is_some_and(|hd| {
                        let t = crate::text::norm(&hd.text);
                        let wave = ctx.wave.as_deref().unwrap_or("");
                        t != crate::text::norm(&q.text)
                            && !q.aliases.iter().map(|a| a.as_str()).chain(q.texts_in(wave)).any(|a| crate::text::norm(a) == t)
                    });
                    let note = if by_number {
                        format!("按题号对应：表头文字与问卷中的“{}”不同，请核对", q.text)
                    } else {
                        String::new()
                    };
                    match q.kind {
                        Kind::Multi | Kind::Rank => ("全部选项".into(), note),
                        _ => (String::new(), note),
                    }
                }
                Role::MatrixRow(_, r) => (q.unwrap().rows[r].clone(), String::new()),
                Role::Split(_, o) => (q.unwrap().options[o].text().to_string(), String::new()),
                Role::OtherText(_, o) => (format!("{}（注明的文字）", q.unwrap().options[o].text()), String::new()),
                Role::Unknown | Role::Conflict => (String::new(), c.reason.clone().unwrap_or_default()),
            };
            let imported = c.role.question().is_some() || matches!(c.role, Role::Seq | Role::Submitted | Role::Unit | Role::Field(_));
            ledger::ColumnMap {
                file: ctx.file.to_string(),
                sheet: ctx.sheet.to_string(),
                column: col_letter(c.col),
                header: c.header.clone(),
                question: q.map(|q| q.id.clone()).unwrap_or_default(),
                part,
                imported,
                note,
            }
        })
        .collect()
}

/// The first row of a tally or notes block under the data in the rows at hand: after a
/// blank row, a row labelled 统计, 合计, 选项, 说明 … or repeating the header; every row
/// from it on is no respondent (a streamed file sees its first chunk here).
fn tally_start(cells: &Range<Data>, layout: &layout::Layout) -> Option<u32> {
    let end = cells.end()?.0;
    let first_col = layout.columns.iter().map(|c| c.col).min()?;
    let headers: std::collections::HashMap<u32, &str> = layout.columns.iter().map(|c| (c.col, c.header.as_str())).collect();
    let mut after_blank = false;
    let mut seen_data = false;
    let filled = |d: &Data| ingest::cells::blank(d).is_none() && !matches!(d, Data::String(s) if s.trim().is_empty());
    for r in layout.header_row + 1..=end {
        if !layout.columns.iter().any(|c| cells.get_value((r, c.col)).is_some_and(filled)) {
            after_blank = seen_data;
            continue;
        }
        if after_blank {
            let texts: Vec<(u32, String)> = layout
                .columns
                .iter()
                .filter_map(|c| cells.get_value((r, c.col)).filter(|d| filled(d)).map(|d| (c.col, cell_text(d))))
                .collect();
            let label = texts.first().filter(|(c, _)| *c == first_col || texts.len() <= 2).map(|(_, t)| t.as_str()).unwrap_or("");
            let repeats = texts.iter().filter(|(c, t)| headers.get(c).is_some_and(|h| h.trim() == t.trim())).count();
            if ingest::platform::is_tally_label(label) || (texts.len() >= 2 && repeats * 2 >= texts.len()) {
                return Some(r);
            }
        }
        after_blank = false;
        seen_data = true;
    }
    None
}

/// Parses one whole sheet, in parallel row chunks.
pub(super) fn parse_sheet(fc: &FileCtx, sheet: &SheetData, tmpl: Option<&TemplateMeta>) -> Option<(Vec<Part>, SheetInfo)> {
    let cells = &sheet.cells;
    let end = cells.end()?.0;
    let mut prep = prepare_sheet(fc, cells, &sheet.name, tmpl)?;
    for m in &sheet.malformed {
        let i = prep.ctx.malformed(m);
        prep.header_issues.push(i);
    }
    for n in &sheet.notes {
        let i = prep.ctx.read_note(n);
        prep.header_issues.push(i);
    }
    let first = prep.ctx.layout.header_row + 1;
    let chunks: Vec<std::ops::Range<u32>> = (first..=end).step_by(CHUNK as usize).map(|s| s..(s + CHUNK).min(end + 1)).collect();
    let parts: Vec<Part> = chunks.into_par_iter().with_max_len(1).map(|rows| prep.ctx.parse_rows(cells, rows)).collect();
    Some(prep.finish(parts))
}
