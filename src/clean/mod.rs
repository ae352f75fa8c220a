//! Validation and normalisation: turns the sheets of every input file into one response
//! table plus the issue ledger.
//!
//! Shape: each file is read and parsed on its own (in parallel, and a large sheet in
//! parallel row chunks) into a [`Part`] of column builders aligned to the [`Schema`];
//! duplicates are then found across all parts in input order, and the parts are
//! concatenated into a polars DataFrame. Every data row read is either kept or rejected
//! with a ledger entry: `rows_read == rows_kept + rows_rejected` always holds.

pub mod cells;
pub mod layout;
pub mod ledger;


use calamine::{Data, Range};
use polars::prelude::*;
use rayon::prelude::*;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use crate::ingest::{self, cell_text, col_letter, read_file, SheetData};
use crate::survey::template::TemplateMeta;
use crate::survey::{Kind, Survey};
use cells::{Choice, Options};
use ingest::cells::{Blank, Flag};
use layout::{Layout, Matcher, Role};
use ledger::{Action, Issue, Problem};
use crate::survey::schema::{ColType, Schema, TRACE};

/// How the import is run.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Wave for every file; otherwise taken from the folder names.
    pub wave: Option<String>,
    /// .xlsx files at least this large are parsed while being read (same result).
    pub stream_bytes: u64,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { wave: None, stream_bytes: STREAM_BYTES }
    }
}

/// What happened to one input file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    /// `None` when read; the user-facing reason otherwise.
    pub error: Option<String>,
    pub rows_read: usize,
    pub sheets_used: Vec<String>,
    /// Headers that matched no question.
    pub unknown_columns: Vec<String>,
    /// The unit named by a returned template's metadata.
    pub template_unit: Option<String>,
    /// Where every column of the used sheets went.
    pub columns: Vec<ledger::ColumnMap>,
    /// Columns left out because another column fills the same target.
    pub conflicts: usize,
    /// An earlier input with the same content: this one was not read.
    pub duplicate_of: Option<PathBuf>,
}

/// What one unit sent: the files its answers came from, the questionnaires in them
/// (rows read, less totals rows) and how many were kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitCount {
    pub files: std::collections::BTreeSet<String>,
    pub returned: usize,
    pub valid: usize,
}

/// The result of importing many files.
pub struct Import {
    /// Per (wave, unit), in order; the wave is empty when files name none.
    pub units: std::collections::BTreeMap<(String, String), UnitCount>,
    pub frame: DataFrame,
    pub issues: Vec<Issue>,
    pub files: Vec<FileReport>,
    pub rows_read: usize,
    pub rows_kept: usize,
    pub rows_rejected: usize,
    /// Blank rows between or after answers (not responses, not counted as read).
    pub blank_rows: usize,
}

impl FileReport {
    /// A file not read yet: no error, nothing found.
    fn new(path: &Path) -> FileReport {
        FileReport {
            path: path.to_path_buf(),
            error: None,
            rows_read: 0,
            sheets_used: vec![],
            unknown_columns: vec![],
            template_unit: None,
            columns: vec![],
            conflicts: 0,
            duplicate_of: None,
        }
    }
}

impl Import {
    pub fn failed_files(&self) -> usize {
        self.files.iter().filter(|f| f.error.is_some()).count()
    }
    /// Where every column of every file went, in input order.
    pub fn column_map(&self) -> Vec<ledger::ColumnMap> {
        self.files.iter().flat_map(|f| f.columns.iter().cloned()).collect()
    }
    /// Columns left out because two columns would fill the same target.
    pub fn conflicts(&self) -> usize {
        self.files.iter().map(|f| f.conflicts).sum()
    }
    /// Inputs not read because an earlier input has the same content.
    pub fn duplicate_files(&self) -> usize {
        self.files.iter().filter(|f| f.duplicate_of.is_some()).count()
    }
    /// Rows rejected because the same respondent was already imported from another file.
    pub fn duplicate_respondents(&self) -> usize {
        self.issues.iter().filter(|i| i.problem == Problem::DuplicateRespondent).count()
    }
}

/// A typed value of one response-table cell.
#[derive(Debug, Clone, PartialEq, Default)]
enum Val {
    #[default]
    Null,
    Str(String),
    F64(f64),
    Bool(bool),
    I32(i32),
    Opt(u32),
}

impl Hash for Val {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match self {
            Val::Null => 0u8.hash(h),
            Val::Str(s) => s.hash(h),
            Val::F64(f) => f.to_bits().hash(h),
            Val::Bool(b) => b.hash(h),
            Val::I32(i) => i.hash(h),
            Val::Opt(i) => i.hash(h),
        }
    }
}

enum ColData {
    Str(Vec<Option<String>>),
    Opt(Vec<Option<u32>>),
    F64(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    I32(Vec<Option<i32>>),
}

impl ColData {
    fn new(ty: ColType, cap: usize) -> Self {
        match ty {
            ColType::Str => ColData::Str(Vec::with_capacity(cap)),
            ColType::Opt => ColData::Opt(Vec::with_capacity(cap)),
            ColType::F64 => ColData::F64(Vec::with_capacity(cap)),
            ColType::Bool => ColData::Bool(Vec::with_capacity(cap)),
            ColType::I32 => ColData::I32(Vec::with_capacity(cap)),
        }
    }
    fn push(&mut self, v: Val) {
        match (self, v) {
            (ColData::Str(c), Val::Str(s)) => c.push(Some(s)),
            (ColData::Opt(c), Val::Opt(i)) => c.push(Some(i)),
            (ColData::Opt(c), _) => c.push(None),
            (ColData::F64(c), Val::F64(f)) => c.push(Some(f)),
            (ColData::Bool(c), Val::Bool(b)) => c.push(Some(b)),
            (ColData::I32(c), Val::I32(i)) => c.push(Some(i)),
            (ColData::Str(c), _) => c.push(None),
            (ColData::F64(c), _) => c.push(None),
            (ColData::Bool(c), _) => c.push(None),
            (ColData::I32(c), _) => c.push(None),
        }
    }
    /// Whether any row holds a value.
    fn any_value(&self) -> bool {
        match self {
            ColData::Str(v) => v.iter().any(|x| x.is_some()),
            ColData::Opt(v) => v.iter().any(|x| x.is_some()),
            ColData::F64(v) => v.iter().any(|x| x.is_some()),
            ColData::Bool(v) => v.iter().any(|x| x.is_some()),
            ColData::I32(v) => v.iter().any(|x| x.is_some()),
        }
    }
    fn extend_masked(&mut self, other: ColData, keep: &[bool]) {
        fn ext<T>(a: &mut Vec<Option<T>>, b: Vec<Option<T>>, keep: &[bool]) {
            a.extend(b.into_iter().zip(keep).filter(|(_, k)| **k).map(|(v, _)| v));
        }
        match (self, other) {
            (ColData::Str(a), ColData::Str(b)) => ext(a, b, keep),
            (ColData::Opt(a), ColData::Opt(b)) => ext(a, b, keep),
            (ColData::F64(a), ColData::F64(b)) => ext(a, b, keep),
            (ColData::Bool(a), ColData::Bool(b)) => ext(a, b, keep),
            (ColData::I32(a), ColData::I32(b)) => ext(a, b, keep),
            _ => unreachable!("column types are fixed by the schema"),
        }
    }
    /// `levels`: the option texts of a single-choice column.
    fn into_column(self, name: &str, levels: &[String]) -> Column {
        let name: PlSmallStr = name.into();
        match self {
            ColData::Str(v) => Column::new(name, v),
            ColData::Opt(v) => {
                let ca: StringChunked = v.iter().map(|o| o.map(|i| levels[i as usize].as_str())).collect();
                ca.with_name(name).into_column()
            }
            ColData::F64(v) => Column::new(name, v),
            ColData::Bool(v) => Column::new(name, v),
            ColData::I32(v) => Column::new(name, v),
        }
    }
}

/// Parsed rows of one sheet (or one chunk of it).
struct Part {
    wave: Option<String>,
    unit: Vec<String>,
    respondent: Vec<String>,
    /// Whether the respondent id came from the file (and so can be duplicated).
    has_id: bool,
    /// Per row: the id came from the file (not made up from the file name and row).
    id_given: Vec<bool>,
    submitted: Vec<Option<String>>,
    file: String,
    sheet: String,
    row: Vec<u32>,
    sig: Vec<u64>,
    cols: Vec<ColData>,
    issues: Vec<Issue>,
    rows_read: usize,
    rows_rejected: usize,
    blank_rows: usize,
    /// Absolute row index of the sheet's header.
    header_row: u32,
}

impl Part {
    fn new(schema: &Schema, cap: usize, wave: Option<String>, file: &str, sheet: &str, has_id: bool) -> Part {
        Part {
            wave,
            unit: Vec::with_capacity(cap),
            respondent: Vec::with_capacity(cap),
            has_id,
            id_given: Vec::with_capacity(cap),
            submitted: Vec::with_capacity(cap),
            file: file.to_string(),
            sheet: sheet.to_string(),
            row: Vec::with_capacity(cap),
            sig: Vec::with_capacity(cap),
            cols: schema.cols.iter().map(|c| ColData::new(c.ty, cap)).collect(),
            issues: Vec::new(),
            rows_read: 0,
            rows_rejected: 0,
            blank_rows: 0,
            header_row: 0,
        }
    }
    fn len(&self) -> usize {
        self.row.len()
    }
}

/// Per-question state while a row is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QState {
    Absent,
    Empty,
    Skipped,
    Answered,
    /// Answered with something unusable (already in the ledger).
    Invalid,
}

/// Everything fixed for one sheet: the survey, its schema and lookups, the layout.
struct SheetCtx<'a> {
    survey: &'a Survey,
    schema: &'a Schema,
    options: &'a [Options],
    layout: Layout,
    /// Single/scale columns read as code exports (bare numbers are option numbers).
    coded: HashSet<u32>,
    /// Columns answered with option letters throughout.
    lettered: HashSet<u32>,
    /// A returned template: only the exact dropdown values are accepted.
    strict: bool,
    /// Questions with at least one column in this sheet.
    present: Vec<bool>,
    seq_col: Option<u32>,
    time_col: Option<u32>,
    unit_col: Option<u32>,
    unit_q: Option<usize>,
    /// Per question: the single-choice question that gates it and the option texts shown.
    show_if: Vec<Option<(usize, Vec<u32>)>>,
    file: String,
    sheet: String,
    file_stem: String,
    wave: Option<String>,
}

const TOTALS: &[&str] = &["合计", "总计", "小计", "总数", "合计：", "total"];

impl<'a> SheetCtx<'a> {
    fn issue(&self, row: Option<u32>, col: Option<u32>, q: Option<usize>, value: String, problem: Problem, action: Action) -> Issue {
        Issue {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row: row.map(|r| r + 1),
            column: col.map(col_letter).unwrap_or_default(),
            question: q.map(|q| self.survey.questions[q].id.clone()).unwrap_or_default(),
            value,
            problem,
            action,
        }
    }

    /// Reads rows `rows` (absolute indices) into a part.
    fn parse_rows(&self, cells: &Range<Data>, rows: std::ops::Range<u32>) -> Part {
        let mut part = Part::new(self.schema, rows.len(), self.wave.clone(), &self.file, &self.sheet, self.seq_col.is_some());
        part.header_row = self.layout.header_row;
        let ncols = self.schema.cols.len();
        let nq = self.survey.questions.len();
        let mut vals: Vec<Val> = vec![Val::Null; ncols];
        let mut state: Vec<QState> = vec![QState::Absent; nq];
        let mut rank_seen: Vec<Vec<i32>> = vec![Vec::new(); nq];
        let empty = Data::Empty;
        for r in rows {
            let get = |c: u32| cells.get_value((r, c)).unwrap_or(&empty);
            // Blank rows are not responses.
            let blank = |d: &Data| match d {
                Data::Empty => true,
                Data::String(s) => s.trim().is_empty(),
                _ => false,
            };
            // A row is an answer when a question column holds something (a pre-filled 序号
            // alone, as in a template, is not one).
            if self.layout.columns.iter().filter(|c| c.role.question().is_some()).all(|c| blank(get(c.col))) {
                part.blank_rows += 1;
                continue;
            }
            part.rows_read += 1;
            if let Some(c) = self.layout.columns.iter().take(4).find(|c| {
                matches!(get(c.col), Data::String(s) if s.len() <= 24 && TOTALS.contains(&crate::text::norm(s).trim_end_matches(':')))
            }) {
                let v = cell_text(get(c.col));
                part.issues.push(self.issue(Some(r), Some(c.col), None, v, Problem::TotalsRow, Action::RowRejected));
                part.rows_rejected += 1;
                continue;
            }
            vals.iter_mut().for_each(|v| *v = Val::Null);
            for (qi, s) in state.iter_mut().enumerate() {
                *s = if self.present[qi] { QState::Empty } else { QState::Absent };
            }
            for column in &self.layout.columns {
                let d = get(column.col);
                self.read_cell(r, column.col, column.role, d, &mut vals, &mut state, &mut rank_seen, &mut part.issues);
            }
            // Finish questions spread over several columns, then apply skip logic.
            let row_issues = part.issues.len();
            for (qi, q) in self.survey.questions.iter().enumerate() {
                let qc = &self.schema.questions[qi];
                if let Some((cond, allowed)) = &self.show_if[qi] {
                    let shown = matches!(&vals[self.schema.questions[*cond].first], Val::Opt(i) if allowed.contains(i));
                    if !shown {
                        if state[qi] == QState::Answered {
                            part.issues.push(self.issue(Some(r), None, Some(qi), String::new(), Problem::SkipViolation, Action::SetMissing));
                        }
                        for k in 0..qc.width {
                            vals[qc.first + k] = Val::Null;
                        }
                        for (_, c) in &qc.other {
                            vals[*c] = Val::Null;
                        }
                        if state[qi] != QState::Absent {
                            state[qi] = QState::Skipped;
                        }
                        continue;
                    }
                }
                match (q.kind, state[qi]) {
                    (Kind::Multi, QState::Answered) => {
                        let any = (0..qc.width).any(|k| vals[qc.first + k] == Val::Bool(true));
                        if any {
                            for k in 0..qc.width {
                                if vals[qc.first + k] == Val::Null {
                                    vals[qc.first + k] = Val::Bool(false);
                                }
                            }
                        } else {
                            // All "not selected": the same as a blank cell in the text export.
                            for k in 0..qc.width {
                                vals[qc.first + k] = Val::Null;
                            }
                            state[qi] = QState::Empty;
                        }
                    }
                    (Kind::Rank, QState::Answered) => {
                        if !(0..qc.width).any(|k| matches!(vals[qc.first + k], Val::I32(_))) {
                            state[qi] = QState::Empty;
                        }
                        rank_seen[qi].clear();
                    }
                    _ => {}
                }
                if state[qi] == QState::Empty && q.required {
                    part.issues.push(self.issue(Some(r), None, Some(qi), String::new(), Problem::RequiredMissing, Action::SetMissing));
                }
            }
            // A row whose every question is empty, skipped or absent ("(空)" throughout, a
            // pre-numbered template row with only markers) is no response.
            if !state.iter().any(|s| matches!(s, QState::Answered | QState::Invalid)) {
                // One entry for the row, not one per required question.
                let row: Vec<Issue> = part.issues.split_off(row_issues);
                part.issues.extend(row.into_iter().filter(|i| i.problem != Problem::RequiredMissing));
                part.issues.push(self.issue(Some(r), None, None, String::new(), Problem::EmptyResponse, Action::RowRejected));
                part.rows_rejected += 1;
                continue;
            }
            // Row-level fields.
            let unit = if let Some(qi) = self.unit_q {
                match &vals[self.schema.questions[qi].first] {
                    Val::Opt(i) => Some(self.survey.questions[qi].options[*i as usize].text().to_string()),
                    Val::F64(f) => Some(crate::ingest::fmt_num(*f)),
                    _ => None,
                }
            } else {
                self.unit_col.map(|c| crate::text::tidy(&cell_text(get(c)))).filter(|s| !s.is_empty())
            };
            let unit = match unit {
                Some(u) => u,
                None => {
                    if self.unit_q.is_some_and(|q| self.present[q]) || self.unit_col.is_some() {
                        part.issues.push(self.issue(Some(r), self.unit_col, self.unit_q, String::new(), Problem::MissingUnit, Action::UnitFromFile));
                    }
                    self.file_stem.clone()
                }
            };
            // The unit question's column is absent (a unit's own workbook): its answer is the
            // unit the file belongs to, when that is one of the options.
            if let Some(qi) = self.unit_q.filter(|q| !self.present[*q]) {
                if let Some(oi) = self.options[qi].by_text(&unit) {
                    vals[self.schema.questions[qi].first] = Val::Opt(oi as u32);
                }
            }
            // Some 问卷星 exports hold the literal `NULL` in empty metadata cells: no id.
            let id = self.seq_col.map(|c| crate::text::tidy(&cell_text(get(c)))).filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("null"));
            // One form for every way a time is written (`2025/3/1 9:00`, `2025-03-01 09:00:00`,
            // an Excel date), so that the same submission matches across exports.
            let submitted = self
                .time_col
                .map(|c| crate::text::tidy(&cell_text(get(c))))
                .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("null"))
                .map(|s| crate::text::canonical_time(&s).unwrap_or(s));
            // The answers' fingerprint, for duplicate submissions and the same respondent
            // in two files (other-texts left out: the code export has none).
            part.sig.push({
                let mut h = rustc_hash::FxHasher::default();
                for (v, other) in vals.iter().zip(&self.schema.is_other) {
                    if !other {
                        v.hash(&mut h);
                    }
                }
                h.finish()
            });
            part.unit.push(unit);
            part.id_given.push(id.is_some());
            part.respondent.push(id.unwrap_or_else(|| format!("{}-{}", self.file_stem, r + 1)));
            part.submitted.push(submitted);
            part.row.push(r + 1);
            for (c, v) in part.cols.iter_mut().zip(vals.iter_mut()) {
                c.push(std::mem::take(v));
            }
        }
        part
    }

    #[allow(clippy::too_many_arguments)]
    fn read_cell(
        &self,
        r: u32,
        col: u32,
        role: Role,
        d: &Data,
        vals: &mut [Val],
        state: &mut [QState],
        rank_seen: &mut [Vec<i32>],
        issues: &mut Vec<Issue>,
    ) {
        let Some(qi) = role.question() else { return };
        let q = &self.survey.questions[qi];
        let qc = &self.schema.questions[qi];
        let opts = &self.options[qi];
        let lettered = self.lettered.contains(&col);
        let note = |issues: &mut Vec<Issue>, value: String, p: Problem, a: Action| {
            // A column answered in letters throughout has one ledger entry, not one per cell.
            if !(lettered && p == Problem::LetterAnswer) {
                issues.push(self.issue(Some(r), Some(col), Some(qi), value, p, a));
            }
        };
        let invalid = |state: &mut [QState]| {
            if state[qi] == QState::Empty {
                state[qi] = QState::Invalid;
            }
        };
        let mark = |state: &mut [QState], b: Blank| {
            if b == Blank::Skipped && state[qi] != QState::Answered {
                state[qi] = QState::Skipped;
            }
        };
        let set_other = |vals: &mut [Val], oi: usize, t: Option<String>| {
            if let Some(t) = t {
                if let Some((_, c)) = qc.other.iter().find(|(o, _)| *o == oi) {
                    vals[*c] = Val::Str(t);
                }
            }
        };
        // A returned template accepts exactly the dropdown's values; anything else is
        // reported and set missing, never converted.
        if self.strict && ingest::cells::blank(d).is_none() {
            let exact = |t: &str| match d {
                Data::String(s) => s.trim() == t,
                _ => false,
            };
            let ok = match (role, q.kind) {
                (Role::Whole(_), Kind::Single | Kind::Scale) | (Role::MatrixRow(..), _) => q.options.iter().any(|o| exact(o.text())),
                (Role::Split(..), Kind::Multi) => exact(crate::survey::template::YES) || exact(crate::survey::template::NO),
                (Role::Whole(_), Kind::Number) => matches!(d, Data::Float(_) | Data::Int(_)) || matches!(d, Data::String(s) if s.trim().parse::<f64>().is_ok_and(|v| v.is_finite())),
                _ => true,
            };
            if !ok {
                let problem = match (role, q.kind) {
                    (Role::Split(..), _) => Problem::BadFlag,
                    (_, Kind::Number) => Problem::NotANumber,
                    _ => Problem::UnknownOption,
                };
                note(issues, cell_text(d), problem, Action::SetMissing);
                invalid(state);
                return;
            }
        }
        match (role, q.kind) {
            (Role::OtherText(_, oi), _) => {
                if ingest::cells::blank(d).is_none() {
                    if let Some((_, c)) = qc.other.iter().find(|(o, _)| *o == oi) {
                        vals[*c] = Val::Str(crate::text::tidy(&cell_text(d)));
                    }
                }
            }
            (Role::Whole(_), Kind::Single | Kind::Scale) => match cells::choice(q, opts, d, self.coded.contains(&col)) {
                Choice::Blank(b) => mark(state, b),
                Choice::Option(oi, other, n) => {
                    if let Some(n) = n {
                        note(issues, cell_text(d), n.problem, n.action);
                    }
                    vals[qc.first] = if q.kind == Kind::Scale { Val::F64(opts.scores[oi]) } else { Val::Opt(oi as u32) };
                    set_other(vals, oi, other);
                    state[qi] = QState::Answered;
                }
                Choice::Bad(n) => { note(issues, cell_text(d), n.problem, n.action); invalid(state) }
            },
            (Role::Whole(_), Kind::Multi | Kind::Rank) => {
                if let Some(b) = ingest::cells::blank(d) {
                    return mark(state, b);
                }
                let rank = q.kind == Kind::Rank;
                let owned;
                let text: &str = match d {
                    Data::String(s) => s,
                    other => {
                        owned = cell_text(other);
                        &owned
                    }
                };
                let p = cells::picks(opts, text, rank);
                for pn in &p.notes {
                    note(issues, pn.value.clone(), pn.note.problem, pn.note.action);
                }
                if p.picks.is_empty() {
                    invalid(state);
                }
                for (pos, (oi, other)) in p.picks.into_iter().enumerate() {
                    vals[qc.first + oi] = if rank { Val::I32(pos as i32 + 1) } else { Val::Bool(true) };
                    set_other(vals, oi, other);
                    state[qi] = QState::Answered;
                }
            }
            (Role::Whole(_), Kind::Text) => match ingest::cells::blank(d) {
                Some(b) => mark(state, b),
                None => {
                    let t = crate::text::tidy(&cell_text(d));
                    if t.len() > crate::text::EXCEL_CELL_CHARS && t.chars().count() > crate::text::EXCEL_CELL_CHARS {
                        let head: String = t.chars().take(50).collect();
                        note(issues, format!("{head}……（共 {} 字）", t.chars().count()), Problem::LongText, Action::CutInWorkbook);
                    }
                    vals[qc.first] = Val::Str(t);
                    state[qi] = QState::Answered;
                }
            },
            (Role::Whole(_), Kind::Number) => match ingest::cells::blank(d) {
                Some(b) => mark(state, b),
                None => match ingest::cells::number(d) {
                    Ok(v) => {
                        vals[qc.first] = Val::F64(v);
                        state[qi] = QState::Answered;
                    }
                    Err(()) => { note(issues, cell_text(d), Problem::NotANumber, Action::SetMissing); invalid(state) }
                },
            },
            (Role::MatrixRow(_, ri), _) => match cells::choice(q, opts, d, self.coded.contains(&col)) {
                Choice::Blank(b) => mark(state, b),
                Choice::Option(oi, _, n) => {
                    if let Some(n) = n {
                        note(issues, cell_text(d), n.problem, n.action);
                    }
                    vals[qc.first + ri] = Val::F64(opts.scores[oi]);
                    state[qi] = QState::Answered;
                }
                Choice::Bad(n) => { note(issues, cell_text(d), n.problem, n.action); invalid(state) }
            },
            (Role::Split(_, oi), Kind::Multi) => match ingest::cells::flag(d) {
                Flag::Yes => {
                    vals[qc.first + oi] = Val::Bool(true);
                    state[qi] = QState::Answered;
                }
                Flag::No => {
                    vals[qc.first + oi] = Val::Bool(false);
                    if state[qi] != QState::Skipped {
                        state[qi] = QState::Answered;
                    }
                }
                Flag::Blank(b) => mark(state, b),
                Flag::Bad => { note(issues, cell_text(d), Problem::BadFlag, Action::SetMissing); invalid(state) }
            },
            (Role::Split(_, oi), Kind::Rank) => match ingest::cells::rank_cell(d, q.options.len()) {
                Ok(Some(k)) => {
                    if rank_seen[qi].contains(&k) {
                        note(issues, cell_text(d), Problem::BadRank, Action::SetMissing);
                    } else {
                        rank_seen[qi].push(k);
                        vals[qc.first + oi] = Val::I32(k);
                        state[qi] = QState::Answered;
                    }
                }
                Ok(None) => {
                    if state[qi] != QState::Skipped {
                        state[qi] = QState::Answered;
                    }
                }
                Err(Some(b)) => mark(state, b),
                Err(None) => { note(issues, cell_text(d), Problem::BadRank, Action::SetMissing); invalid(state) }
            },
            _ => note(issues, cell_text(d), Problem::UnknownColumn, Action::SetMissing),
        }
    }
}

/// Wave from the folder names: the nearest folder named like a year (`2025`, `2025年`).
pub fn wave_from_path(path: &Path) -> Option<String> {
    path.ancestors().skip(1).filter_map(|a| a.file_name()?.to_str()).find_map(|name| {
        let digits: String = name.chars().filter(|c| c.is_ascii_digit()).collect();
        (digits.len() == 4 && (digits.starts_with("19") || digits.starts_with("20"))
            && name.chars().filter(|c| !c.is_ascii_digit()).count() <= 3)
            .then_some(digits)
    })
}

const CHUNK: u32 = 4096;

/// Parses one sheet; `None` when it has no recognisable header.
/// A sheet ready to be parsed: its context, the ledger entries about its header, and
/// the headers that matched no question.
struct Prepared<'a> {
    ctx: SheetCtx<'a>,
    header_issues: Vec<Issue>,
    info: SheetInfo,
}

/// What a sheet's header said: the headers that matched nothing and where every column went.
#[derive(Default)]
pub(crate) struct SheetInfo {
    unknown: Vec<String>,
    columns: Vec<ledger::ColumnMap>,
    conflicts: usize,
}

/// Finds the header and studies the first rows of a sheet (`cells` holds at least the
/// first rows); `None` when there is no recognisable header.
#[allow(clippy::too_many_arguments)]
fn prepare_sheet<'a>(
    survey: &'a Survey,
    schema: &'a Schema,
    options: &'a [Options],
    matcher: &Matcher,
    cells: &Range<Data>,
    sheet_name: &str,
    file: &str,
    file_stem: &str,
    wave: Option<String>,
    tmpl: Option<&TemplateMeta>,
) -> Option<Prepared<'a>> {
    let mut layout = layout::detect(matcher, cells)?;
    // A returned template: every header must be exactly as issued; a changed one is
    // reported and its column is not read.
    let mut changed: Vec<(u32, String)> = Vec::new();
    if let Some(m) = tmpl {
        let c0 = 0u32; // templates start in column A
        for (i, want) in m.headers.iter().enumerate() {
            let col = c0 + i as u32;
            let got = cells.get_value((layout.header_row, col)).map(cell_text).unwrap_or_default();
            if crate::text::tidy(&got) != *want {
                changed.push((col, got));
                if let Some(c) = layout.columns.iter_mut().find(|c| c.col == col) {
                    c.role = Role::Ignore;
                    c.reason = Some(format!("表头被改动（下发时为“{want}”）"));
                }
            }
        }
    }
    let end = cells.end()?.0;
    let mut present = vec![false; survey.questions.len()];
    let mut seq_col = None;
    let mut time_col = None;
    let mut unit_col = None;
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
    // One look at the first rows of each whole-question column decides how it is read:
    // a code export (nearly all answers bare integers that are no option text), or
    // option letters (`A`, `ACD`, `a,c`) in most rows.
    let mut coded = HashSet::new();
    let mut lettered = HashSet::new();
    // Scale and matrix columns of integers: codes in a code export (every single-choice
    // column coded), scores anywhere else. Decided after the single-choice columns.
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
        let (mut total, mut ints, mut letters) = (0usize, 0usize, 0usize);
        for r in layout.header_row + 1..=end.min(layout.header_row + 2000) {
            let Some(d) = cells.get_value((r, c.col)) else { continue };
            if ingest::cells::blank(d).is_some() {
                continue;
            }
            total += 1;
            let is_option = matches!(d, Data::String(s) if options[qi].by_text(s).is_some());
            if is_option {
                continue;
            }
            if ingest::cells::int_of(d).is_some() {
                ints += 1;
            } else if let Data::String(s) = d {
                let t = crate::text::norm(s);
                if !t.is_empty() && t.chars().all(|ch| ch.is_ascii_lowercase() || "、,，;；/".contains(ch)) {
                    letters += 1;
                }
            }
        }
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
    // `第N题(option)` split columns exist only in 问卷星's code export.
    let split_headers = layout.columns.iter().any(|c| crate::text::parse_split_header(&c.header).is_some());
    if (coded_single > 0 || split_headers) && texty_single == 0 {
        coded.extend(numeric_scales);
    }
    let unit_q = survey.unit.as_ref().and_then(|u| survey.questions.iter().position(|q| &q.id == u));
    let unknown: Vec<String> = layout.columns.iter().filter(|c| c.role == Role::Unknown).map(|c| c.header.clone()).collect();
    let show_if = survey
        .questions
        .iter()
        .map(|q| {
            let c = q.show_if.as_ref()?;
            let qi = survey.questions.iter().position(|p| p.id == c.question)?;
            let p = &survey.questions[qi];
            let idx = c.any_of.iter().filter_map(|o| p.find_option(o)).map(|i| i as u32).collect();
            Some((qi, idx))
        })
        .collect();
    if tmpl.is_some() {
        unit_col = None;
        lettered.clear();
        coded.clear();
    }
    let ctx = SheetCtx {
        strict: tmpl.is_some(),
        lettered,
        show_if,
        survey,
        schema,
        options,
        coded,
        present,
        seq_col,
        time_col,
        unit_col,
        unit_q,
        file: file.to_string(),
        sheet: sheet_name.to_string(),
        file_stem: file_stem.to_string(),
        wave: wave.clone(),
        layout,
    };
    let mut header_issues = Vec::new();
    for c in ctx.layout.columns.iter().filter(|c| c.role == Role::Unknown) {
        header_issues.push(ctx.issue(Some(ctx.layout.header_row), Some(c.col), None, c.header.clone(), Problem::UnknownColumn, Action::ColumnIgnored));
    }
    for c in ctx.layout.columns.iter().filter(|c| c.role == Role::Conflict) {
        let value = format!("{}（{}）", c.header, c.reason.clone().unwrap_or_default());
        header_issues.push(ctx.issue(Some(ctx.layout.header_row), Some(c.col), None, value, Problem::ColumnConflict, Action::ColumnIgnored));
    }
    let conflicts = ctx.layout.columns.iter().filter(|c| c.role == Role::Conflict).count();
    // A column holding answers under an empty header cell is not silently passed over.
    let mut columns = column_maps(&ctx);
    if let (Some(start), Some(end)) = (cells.start(), cells.end()) {
        let headed: HashSet<u32> = ctx.layout.columns.iter().map(|c| c.col).collect();
        for col in (start.1..=end.1).filter(|c| !headed.contains(c)) {
            let first = (ctx.layout.header_row + 1..=end.0.min(ctx.layout.header_row + 2000))
                .find_map(|r| cells.get_value((r, col)).filter(|d| ingest::cells::blank(d).is_none()).map(|d| (r, cell_text(d))));
            if let Some((r, v)) = first {
                header_issues.push(ctx.issue(Some(r), Some(col), None, v, Problem::UnheadedColumn, Action::ColumnIgnored));
                columns.push(ledger::ColumnMap {
                    file: ctx.file.clone(),
                    sheet: ctx.sheet.clone(),
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
    for (col, got) in &changed {
        header_issues.push(ctx.issue(Some(ctx.layout.header_row), Some(*col), None, got.clone(), Problem::HeaderChanged, Action::ColumnIgnored));
    }
    for c in ctx.layout.columns.iter().filter(|c| ctx.lettered.contains(&c.col)) {
        let qi = c.role.question();
        header_issues.push(ctx.issue(Some(ctx.layout.header_row), Some(c.col), qi, "整列用字母作答（A=第1个选项，B=第2个……）".into(), Problem::LetterAnswer, Action::Converted));
    }
    for (qi, p) in ctx.present.iter().enumerate() {
        // A template leaves the unit question out on purpose: its metadata names the unit.
        if !p && !(ctx.strict && ctx.unit_q == Some(qi)) {
            let action = if ctx.unit_q == Some(qi) { Action::UnitFromFile } else { Action::SetMissing };
            header_issues.push(ctx.issue(Some(ctx.layout.header_row), None, Some(qi), String::new(), Problem::MissingColumn, action));
        }
    }
    Some(Prepared { ctx, header_issues, info: SheetInfo { unknown, columns, conflicts } })
}

impl Prepared<'_> {
    /// Puts the header's ledger entries first; a sheet without data rows still yields one
    /// (empty) part to carry them.
    fn finish(self, mut parts: Vec<Part>) -> (Vec<Part>, SheetInfo) {
        let ctx = &self.ctx;
        if parts.is_empty() {
            let mut p = Part::new(ctx.schema, 0, ctx.wave.clone(), &ctx.file, &ctx.sheet, ctx.seq_col.is_some());
            p.header_row = ctx.layout.header_row;
            parts.push(p);
        }
        let mut issues = self.header_issues;
        issues.append(&mut parts[0].issues);
        parts[0].issues = issues;
        (parts, self.info)
    }
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
                Role::Ignore => (String::new(), c.reason.clone().unwrap_or_else(|| "平台记录的信息（用时、来源、IP 等），不是题目".into())),
                Role::Whole(_) => {
                    let q = q.unwrap();
                    // Matched by its number alone: say so, so the user can check the text.
                    let by_number = crate::text::parse_numbered_header(&c.header).is_some_and(|hd| {
                        let t = crate::text::norm(&hd.text);
                        t != crate::text::norm(&q.text) && !q.aliases.iter().any(|a| crate::text::norm(a) == t)
                    });
                    let note = if by_number { format!("按题号对应：表头文字与问卷中的“{}”不同，请核对", q.text) } else { String::new() };
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
            let imported = c.role.question().is_some() || matches!(c.role, Role::Seq | Role::Submitted | Role::Unit);
            ledger::ColumnMap {
                file: ctx.file.clone(),
                sheet: ctx.sheet.clone(),
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

/// Parses one whole sheet, in parallel row chunks.
#[allow(clippy::too_many_arguments)]
fn parse_sheet(
    survey: &Survey,
    schema: &Schema,
    options: &[Options],
    matcher: &Matcher,
    sheet: &SheetData,
    file: &str,
    file_stem: &str,
    wave: Option<String>,
    tmpl: Option<&TemplateMeta>,
) -> Option<(Vec<Part>, SheetInfo)> {
    let cells = &sheet.cells;
    let end = cells.end()?.0;
    let mut prep = prepare_sheet(survey, schema, options, matcher, cells, &sheet.name, file, file_stem, wave, tmpl)?;
    for m in &sheet.malformed {
        let i = prep.ctx.issue(Some(m.row), None, None, m.text.clone(), Problem::MalformedRecord, Action::ReadLiterally);
        prep.header_issues.push(i);
    }
    let first = prep.ctx.layout.header_row + 1;
    let chunks: Vec<std::ops::Range<u32>> = (first..=end).step_by(CHUNK as usize).map(|s| s..(s + CHUNK).min(end + 1)).collect();
    let parts: Vec<Part> = chunks.into_par_iter().map(|rows| prep.ctx.parse_rows(cells, rows)).collect();
    Some(prep.finish(parts))
}

/// Files at least this large (.xlsx) are parsed while they are being read.
const STREAM_BYTES: u64 = 2_000_000;

/// Parsed sheets of one file: (sheet name, its parts and unknown headers, or `None`
/// when it had no recognisable header).
type SheetResults = Vec<(String, Option<(Vec<Part>, SheetInfo)>)>;

/// The large-.xlsx path: one thread reads cells and hands over row chunks, this one
/// parses them as they come. `None` when the file must be read the ordinary way
/// (unreadable here, or merged cells below a header, which need filling first).
#[allow(clippy::too_many_arguments)]
fn import_streaming(
    survey: &Survey,
    schema: &Schema,
    options: &[Options],
    matcher: &Matcher,
    path: &Path,
    file: &str,
    stem: &str,
    wave: &Option<String>,
) -> Option<SheetResults> {
    let (merges, results) = stream_file(path, |rx| parse_chunks(survey, schema, options, matcher, file, stem, wave, rx.into_iter()))?;
    streamed_ok(&results, &merges).then_some(results)
}

/// Reads an .xlsx in row chunks on this thread while `work` takes them on another.
fn stream_file<T: Send>(path: &Path, work: impl FnOnce(std::sync::mpsc::Receiver<ingest::Chunk>) -> T + Send) -> Option<(ingest::Merges, T)> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<ingest::Chunk>(4);
    let (merges, out) = std::thread::scope(|scope| {
        let worker = scope.spawn(move || work(rx));
        let merges = ingest::stream_xlsx(path, CHUNK, |c| {
            let _ = tx.send(c);
        });
        drop(tx);
        (merges, worker.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    Some((merges.ok()?, out))
}

/// Parses streamed chunks sheet by sheet: each sheet's header from its first chunk.
#[allow(clippy::too_many_arguments)]
fn parse_chunks(
    survey: &Survey,
    schema: &Schema,
    options: &[Options],
    matcher: &Matcher,
    file: &str,
    stem: &str,
    wave: &Option<String>,
    chunks: impl Iterator<Item = ingest::Chunk>,
) -> SheetResults {
    let mut done: SheetResults = Vec::new();
    let mut cur: Option<(String, Option<Prepared>, Vec<Part>)> = None;
    let close = |cur: Option<(String, Option<Prepared>, Vec<Part>)>, done: &mut SheetResults| {
        if let Some((name, prep, parts)) = cur {
            done.push((name, prep.map(|p| p.finish(parts))));
        }
    };
    for chunk in chunks {
        if cur.as_ref().map(|c| &c.0) != Some(&chunk.sheet) {
            close(cur.take(), &mut done);
            let prep = prepare_sheet(survey, schema, options, matcher, &chunk.cells, &chunk.sheet, file, stem, wave.clone(), None);
            cur = Some((chunk.sheet.clone(), prep, Vec::new()));
        }
        let (_, prep, parts) = cur.as_mut().unwrap();
        if let Some(p) = prep {
            let first = chunk.first_row.max(p.ctx.layout.header_row + 1);
            if first <= chunk.last_row {
                parts.push(p.ctx.parse_rows(&chunk.cells, first..chunk.last_row + 1));
            }
        }
    }
    close(cur, &mut done);
    done
}

/// Whether a streamed read stands: not a returned template (read strictly), and no
/// merged cells at or below a header (they change what the rows say).
fn streamed_ok(results: &SheetResults, merges: &ingest::Merges) -> bool {
    if results.iter().any(|(name, _)| name == crate::survey::template::META_SHEET) {
        return false;
    }
    for (name, r) in results {
        if let (Some((parts, _)), Some(m)) = (r, merges.get(name)) {
            let header = parts.first().map(|p| p.header_row).unwrap_or(0);
            if m.iter().any(|(_, end)| end.0 >= header) {
                return false;
            }
        }
    }
    true
}

/// Problems that mean a cell does not fit the definition: after inference from the whole
/// file none can occur in it, so one seen here means the definition inferred from the
/// first rows is not the one the whole file gives.
const MISFITS: &[Problem] = &[
    Problem::UnknownOption,
    Problem::OtherAsText,
    Problem::OutOfRange,
    Problem::NotANumber,
    Problem::BadRank,
    Problem::BadFlag,
    Problem::LetterAnswer,
    Problem::CodeAnswer,
];

/// Imports one .xlsx without a survey.toml in one read: the definition is inferred from
/// the first rows while the rest is still being read and parsed with it. The result
/// stands only when the whole file confirms that definition: no cell misfits it, every
/// question answered later was answered in the first rows, and no open-answer column
/// turns out to be a choice. `None` otherwise (or for another format): then infer from
/// the whole file and import it ([`crate::survey::infer`], [`import_preloaded`]).
pub fn import_inferring(path: &Path, opts: &ImportOptions) -> Option<(Survey, Import)> {
    if !matches!(path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref(), Some("xlsx" | "xlsm")) {
        return None;
    }
    let file = path.display().to_string();
    let stem = path.file_stem().and_then(|s| s.to_str()).map(crate::text::tidy).unwrap_or_default();
    let wave = opts.wave.clone().or_else(|| wave_from_path(path));
    let (merges, out) = stream_file(path, |rx| -> Option<(Survey, SheetResults)> {
        let mut rx = rx.into_iter();
        let first = rx.next()?;
        let sheet = ingest::SheetData { name: first.sheet.clone(), cells: first.cells.clone(), malformed: Vec::new() };
        let survey = crate::survey::infer::infer(&[ingest::Workbook { path: path.to_path_buf(), sheets: vec![sheet] }]).ok()?;
        let results = {
            let schema = Schema::new(&survey);
            let options: Vec<Options> = survey.questions.iter().map(Options::new).collect();
            let matcher = Matcher::new(&survey);
            let results = parse_chunks(&survey, &schema, &options, &matcher, &file, &stem, &wave, std::iter::once(first).chain(rx.by_ref()));
            // Drain what is left, so that the reader never waits on a full channel.
            rx.for_each(drop);
            results
        };
        Some((survey, results))
    })?;
    let (survey, results) = out?;
    if !streamed_ok(&results, &merges) || results.iter().filter(|(_, r)| r.is_some()).count() != 1 {
        return None;
    }
    let schema = Schema::new(&survey);
    let parts: Vec<&Part> = results.iter().filter_map(|(_, r)| r.as_ref()).flat_map(|(ps, _)| ps.iter()).collect();
    if parts.iter().any(|p| p.issues.iter().any(|i| MISFITS.contains(&i.problem))) {
        return None;
    }
    for (qi, q) in survey.questions.iter().enumerate() {
        let qc = &schema.questions[qi];
        let answered = |p: &Part| (qc.first..qc.first + qc.width).any(|c| p.cols[c].any_value());
        // Unanswered in the first rows: the whole file might give it another kind.
        if parts.first().is_some_and(|p| !answered(p)) && parts.iter().skip(1).any(|p| answered(p)) {
            return None;
        }
        // An open answer of the first rows must still be one over the whole file.
        if q.kind == Kind::Text {
            let answers = parts.iter().filter_map(|p| match &p.cols[qc.first] {
                ColData::Str(v) => Some(v.iter().flatten().map(|t| t.as_str())),
                _ => None,
            });
            if !crate::survey::infer::still_text(answers.flatten()) {
                return None;
            }
        }
    }
    drop(parts);
    let mut report = FileReport::new(path);
    let (parts, issues) = file_parts(results, &mut report);
    let imp = assemble(&schema, vec![(parts, report, issues)], opts);
    Some((survey, imp))
}

/// Reads one file into parts (one per usable sheet). `pre`: the file, already read (by
/// inference), so that it is not read twice.
fn import_file(survey: &Survey, schema: &Schema, options: &[Options], path: &Path, opts: &ImportOptions, pre: Option<ingest::Workbook>) -> (Vec<Part>, FileReport, Vec<Issue>) {
    let file = path.display().to_string();
    let stem = path.file_stem().and_then(|s| s.to_str()).map(crate::text::tidy).unwrap_or_default();
    let wave = opts.wave.clone().or_else(|| wave_from_path(path));
    let matcher = Matcher::new(survey);
    let big_xlsx = matches!(path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref(), Some("xlsx" | "xlsm"))
        && std::fs::metadata(path).map(|m| m.len() >= opts.stream_bytes).unwrap_or(false);
    let streamed = if big_xlsx && pre.is_none() { import_streaming(survey, schema, options, &matcher, path, &file, &stem, &wave) } else { None };
    let mut report = FileReport::new(path);
    let fail = |msg: String, problem: Problem| Issue::for_file(file.clone(), msg, problem, Action::FileSkipped);
    let results: SheetResults = match streamed {
        Some(r) => r,
        None => {
            let read = match pre {
                Some(wb) => Ok(wb),
                None => read_file(path),
            };
            let wb = match read {
                Ok(wb) => wb,
                Err(e) => {
                    report.error = Some(e.to_string());
                    let i = fail(e.to_string(), Problem::UnreadableFile);
                    return (vec![], report, vec![i]);
                }
            };
            let tmpl = crate::survey::template::meta(&wb);
            if let Some(m) = &tmpl {
                if m.survey_id != survey.id || m.version != survey.version {
                    let msg = format!(
                        "这是问卷“{}”第 {} 版的填报表，与本问卷（“{}”第 {} 版）不符，未导入；请用对应的问卷定义，或重新发放本问卷的填报表",
                        m.survey_id, m.version, survey.id, survey.version
                    );
                    report.error = Some(msg.clone());
                    return (vec![], report, vec![fail(msg, Problem::OtherSurvey)]);
                }
                report.template_unit = Some(m.unit.clone());
            }
            let stem = tmpl.as_ref().map(|m| m.unit.clone()).unwrap_or(stem.clone());
            let r = wb
                .sheets
                .iter()
                .filter(|sheet| !sheet.cells.is_empty())
                // Of a template only the response sheet holds answers.
                .filter(|sheet| tmpl.is_none() || sheet.name == crate::survey::template::RESPONSE_SHEET)
                .map(|sheet| (sheet.name.clone(), parse_sheet(survey, schema, options, &matcher, sheet, &file, &stem, wave.clone(), tmpl.as_ref())))
                .collect();
            // Freeing millions of cells takes a while; nothing waits for it.
            std::thread::spawn(move || drop(wb));
            r
        }
    };
    let (parts, issues) = file_parts(results, &mut report);
    (parts, report, issues)
}

/// The parts of one file's parsed sheets, with the report filled in and the ledger
/// entries about sheets without a header (or the whole file, when no sheet has one).
fn file_parts(results: SheetResults, report: &mut FileReport) -> (Vec<Part>, Vec<Issue>) {
    let file = report.path.display().to_string();
    let fail = |msg: String, problem: Problem| Issue::for_file(file.clone(), msg, problem, Action::FileSkipped);
    let mut parts = Vec::new();
    let mut issues = Vec::new();
    for (name, r) in results {
        match r {
            Some((ps, info)) => {
                report.rows_read += ps.iter().map(|p| p.rows_read).sum::<usize>();
                report.sheets_used.push(name);
                report.unknown_columns.extend(info.unknown);
                report.conflicts += info.conflicts;
                report.columns.extend(info.columns);
                parts.extend(ps);
            }
            None => {
                // Another sheet (instructions, lists) is fine; the file as a whole must have one.
                let mut i = fail("没有与问卷题目对得上的表头".into(), Problem::NoHeader);
                i.sheet = name;
                i.action = Action::SheetSkipped;
                issues.push(i);
            }
        }
    }
    if parts.is_empty() {
        let msg = "找不到与问卷题目对得上的表头：请确认表头行是题目文字（如“1、您的身份”），并且用的是这份问卷的定义 survey.toml".to_string();
        report.error = Some(msg.clone());
        issues.clear();
        issues.push(fail(msg, Problem::NoHeader));
    }
    (parts, issues)
}

/// For each input, the index of an earlier input with the same content (same size, then
/// same bytes), if any. Only files whose sizes collide are read for this.
fn identical_files(paths: &[PathBuf]) -> Vec<Option<usize>> {
    use std::collections::HashMap;
    let sizes: Vec<Option<u64>> = paths.iter().map(|p| std::fs::metadata(p).ok().filter(|m| m.is_file()).map(|m| m.len())).collect();
    let mut by_size: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, s) in sizes.iter().enumerate() {
        if let Some(s) = s {
            by_size.entry(*s).or_default().push(i);
        }
    }
    let mut out = vec![None; paths.len()];
    for group in by_size.values().filter(|g| g.len() > 1) {
        let digests: Vec<Option<(u64, u64)>> = group.par_iter().map(|&i| digest(&paths[i])).collect();
        for (a, &i) in group.iter().enumerate() {
            if digests[a].is_none() {
                continue;
            }
            if let Some(b) = (0..a).find(|&b| digests[b] == digests[a] && out[group[b]].is_none()) {
                out[i] = Some(group[b]);
            }
        }
    }
    out
}

/// Two independent 64-bit hashes of a file's bytes (read in blocks).
fn digest(path: &Path) -> Option<(u64, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let mut a = rustc_hash::FxHasher::default();
    let mut b = std::collections::hash_map::DefaultHasher::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        buf[..n].hash(&mut a);
        buf[..n].hash(&mut b);
    }
    Some((a.finish(), b.finish()))
}

/// Imports every file into one response table and the ledger. Files are parsed in
/// parallel; results keep the input order. `progress` is called once per file done.
pub fn import(survey: &Survey, paths: &[PathBuf], opts: &ImportOptions, progress: &(dyn Fn(&Path) + Sync)) -> Import {
    import_preloaded(survey, paths, Vec::new(), opts, progress)
}

/// [`import`], with some of the files already read (by inference): those are parsed
/// from memory instead of being read again.
pub fn import_preloaded(survey: &Survey, paths: &[PathBuf], preloaded: Vec<ingest::Workbook>, opts: &ImportOptions, progress: &(dyn Fn(&Path) + Sync)) -> Import {
    let preloaded: std::sync::Mutex<Vec<ingest::Workbook>> = std::sync::Mutex::new(preloaded);
    let take = |p: &Path| -> Option<ingest::Workbook> {
        let mut v = preloaded.lock().ok()?;
        let i = v.iter().position(|wb| wb.path == p)?;
        Some(v.swap_remove(i))
    };
    let schema = Schema::new(survey);
    let options: Vec<Options> = survey.questions.iter().map(Options::new).collect();
    let same = identical_files(paths);
    let results: Vec<(Vec<Part>, FileReport, Vec<Issue>)> = paths
        .par_iter()
        .enumerate()
        .map(|(k, p)| {
            // The same file twice (a copy, a link, a folder given twice) is read once.
            if let Some(first) = same[k] {
                let msg = format!("与 {} 内容完全相同（同一个文件或它的副本），未重复导入", paths[first].display());
                let report = FileReport { duplicate_of: Some(paths[first].clone()), ..FileReport::new(p) };
                progress(p);
                return (vec![], report, vec![Issue::for_file(p.display().to_string(), msg, Problem::DuplicateFile, Action::FileSkipped)]);
            }
            // A reader that panics on a malformed file is caught where it is called
            // (ingest); a panic here is our own defect and stops the run.
            let r = import_file(survey, &schema, &options, p, opts, take(p));
            progress(p);
            r
        })
        .collect();
    assemble(&schema, results, opts)
}

/// One response table from the files' parts: duplicates across and within files, rows
/// read = kept + rejected, returns per unit.
fn assemble(schema: &Schema, results: Vec<(Vec<Part>, FileReport, Vec<Issue>)>, opts: &ImportOptions) -> Import {
    let mut parts = Vec::new();
    let mut files = Vec::new();
    let mut issues = Vec::new();
    for (ps, report, file_issues) in results {
        issues.extend(file_issues);
        parts.extend(ps);
        files.push(report);
    }
    // Duplicates, in input order: the first occurrence is kept. Found on borrowed keys
    // first, then applied.
    /// (part, row, problem, the (part, row) of the copy kept when it is in another file).
    type Rejected = (usize, usize, Problem, Option<(usize, usize)>);
    let mut rejected: Vec<Rejected> = Vec::new();
    {
        // The same respondent in two files (the text and the code export of one survey):
        // the same 序号 and submit time, or the same 序号 and the same answers when a
        // submit time is missing.
        type Map<'a, K> = rustc_hash::FxHashMap<K, (usize, usize)>;
        let mut timed: Map<(&str, &str)> = Map::default();
        let mut answers: Map<(Option<&str>, &str, u64)> = Map::default();
        for (pi, p) in parts.iter().enumerate() {
            if !p.has_id {
                continue;
            }
            for i in (0..p.len()).filter(|&i| p.id_given[i]) {
                let id = p.respondent[i].as_str();
                let other_file = |&(qi, _): &(usize, usize)| parts[qi].file != p.file;
                let hit = match &p.submitted[i] {
                    Some(t) => timed.get(&(id, t.as_str())).copied().filter(other_file),
                    None => None,
                }
                .or_else(|| answers.get(&(p.wave.as_deref(), id, p.sig[i])).copied().filter(other_file).filter(|&(qi, k)| {
                    p.submitted[i].is_none() || parts[qi].submitted[k].is_none()
                }));
                match hit {
                    Some(first) => rejected.push((pi, i, Problem::DuplicateRespondent, Some(first))),
                    None => {
                        if let Some(t) = &p.submitted[i] {
                            timed.entry((id, t.as_str())).or_insert((pi, i));
                        }
                        answers.entry((p.wave.as_deref(), id, p.sig[i])).or_insert((pi, i));
                    }
                }
            }
        }
    }
    let cross: rustc_hash::FxHashSet<(usize, usize)> = rejected.iter().map(|r| (r.0, r.1)).collect();
    {
        type Set<'a, K> = rustc_hash::FxHashSet<K>;
        let mut ids: Set<(Option<&str>, &str, &str)> = Set::default();
        let mut subs: Set<(Option<&str>, &str, &str, u64)> = Set::default();
        for (pi, p) in parts.iter().enumerate() {
            let wave = p.wave.as_deref();
            for i in 0..p.len() {
                if cross.contains(&(pi, i)) {
                    continue;
                }
                let unit = p.unit[i].as_str();
                let dup_id = p.has_id && p.id_given[i] && !ids.insert((wave, unit, p.respondent[i].as_str()));
                let dup_sub = match &p.submitted[i] {
                    Some(t) => !subs.insert((wave, unit, t.as_str(), p.sig[i])),
                    None => false,
                };
                if dup_id {
                    rejected.push((pi, i, Problem::DuplicateId, None));
                } else if dup_sub {
                    rejected.push((pi, i, Problem::DuplicateSubmission, None));
                }
            }
        }
    }
    let mut keeps: Vec<Vec<bool>> = parts.iter().map(|p| vec![true; p.len()]).collect();
    for (pi, i, problem, first) in rejected {
        let first = first.map(|(qi, k)| format!("{} 第 {} 行", parts[qi].file, parts[qi].row[k]));
        let p = &mut parts[pi];
        keeps[pi][i] = false;
        p.rows_rejected += 1;
        let value = match (problem, first) {
            (_, Some(place)) => format!(
                "序号 {}{}，与 {place} 是同一份答卷",
                p.respondent[i],
                p.submitted[i].as_ref().map(|t| format!("、提交时间 {t}")).unwrap_or_default()
            ),
            (Problem::DuplicateId, _) => p.respondent[i].clone(),
            _ => p.submitted[i].clone().unwrap_or_default(),
        };
        p.issues.push(Issue {
            file: p.file.clone(),
            sheet: p.sheet.clone(),
            row: Some(p.row[i]),
            column: String::new(),
            question: String::new(),
            value,
            problem,
            action: Action::RowRejected,
        });
    }
    let (mut rows_read, mut rows_rejected, mut blank_rows) = (0, 0, 0);
    for p in &parts {
        rows_read += p.rows_read;
        rows_rejected += p.rows_rejected;
        blank_rows += p.blank_rows;
    }
    let mut units: std::collections::BTreeMap<(String, String), UnitCount> = Default::default();
    for (p, keep) in parts.iter().zip(&keeps) {
        for i in 0..p.len() {
            let u = units.entry((p.wave.clone().unwrap_or_default(), p.unit[i].clone())).or_default();
            u.files.insert(p.file.clone());
            u.returned += 1;
            u.valid += keep[i] as usize;
        }
    }
    // A template returned empty still counts as returned, with no questionnaires.
    for f in files.iter().filter(|f| f.error.is_none()) {
        if let Some(u) = &f.template_unit {
            let wave = opts.wave.clone().or_else(|| wave_from_path(&f.path)).unwrap_or_default();
            units.entry((wave, u.clone())).or_default().files.insert(f.path.display().to_string());
        }
    }
    let frame = build_frame(schema, parts, &keeps, &mut issues);

    let rows_kept = frame.height();
    Import { units, frame, issues, files, rows_read, rows_kept, rows_rejected, blank_rows }
}

fn build_frame(schema: &Schema, parts: Vec<Part>, keeps: &[Vec<bool>], issues: &mut Vec<Issue>) -> DataFrame {
    let total: usize = keeps.iter().map(|k| k.iter().filter(|x| **x).count()).sum();
    let mut trace: [ColData; 7] = [
        ColData::new(ColType::Str, total),
        ColData::new(ColType::Str, total),
        ColData::new(ColType::Str, total),
        ColData::new(ColType::Str, total),
        ColData::new(ColType::Str, total),
        ColData::new(ColType::Str, total),
        ColData::new(ColType::I32, total),
    ];
    let mut cols: Vec<ColData> = schema.cols.iter().map(|c| ColData::new(c.ty, total)).collect();
    for (p, keep) in parts.into_iter().zip(keeps) {
        let n = p.len();
        let s = |v: Option<String>| v.map(Val::Str).unwrap_or(Val::Null);
        for i in (0..n).filter(|i| keep[*i]) {
            trace[0].push(s(p.wave.clone()));
            trace[1].push(Val::Str(p.unit[i].clone()));
            trace[2].push(Val::Str(p.respondent[i].clone()));
            trace[3].push(s(p.submitted[i].clone()));
            trace[4].push(Val::Str(p.file.clone()));
            trace[5].push(Val::Str(p.sheet.clone()));
            trace[6].push(Val::I32(p.row[i] as i32));
        }
        for (a, b) in cols.iter_mut().zip(p.cols) {
            a.extend_masked(b, keep);
        }
        issues.extend(p.issues);
    }
    let mut columns: Vec<Column> = Vec::with_capacity(7 + cols.len());
    for (c, name) in trace.into_iter().zip(TRACE) {
        columns.push(c.into_column(name, &[]));
    }
    for (c, def) in cols.into_iter().zip(&schema.cols) {
        columns.push(c.into_column(&def.name, &def.levels));
    }
    DataFrame::new(total, columns).expect("columns have equal length")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn waves_from_folders() {
        assert_eq!(wave_from_path(Path::new("surveys/2025/a.xlsx")).as_deref(), Some("2025"));
        assert_eq!(wave_from_path(Path::new("x/2026年/单位/a.xlsx")).as_deref(), Some("2026"));
        assert_eq!(wave_from_path(Path::new("data/wjx/a.xls")), None);
    }
}
