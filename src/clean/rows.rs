//! Reading a sheet's data rows into a [`Part`]: one row at a time, every answer cell
//! through [`super::answers`], then the row as a whole (skip logic, required questions,
//! empty and totals rows, unit, respondent id, submit time, the answers' fingerprint).

use calamine::{Data, Range};
use rustc_hash::FxHashSet as HashSet;
use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use super::cells::Options;
use super::frame::{ColData, Texts, Val};
use super::layout::Layout;
use super::ledger::{Action, Issue, Problem};
use crate::ingest::cell_text;
use crate::survey::schema::Schema;
use crate::survey::{Kind, Survey};

/// Parsed rows of one sheet (or one chunk of it).
pub(super) struct Part {
    pub(super) wave: Option<String>,
    pub(super) unit: Texts,
    pub(super) respondent: Texts,
    /// Whether the respondent id came from the file (and so can be duplicated).
    pub(super) has_id: bool,
    /// Per row: the id came from the file (not made up from the file name and row).
    pub(super) id_given: Vec<bool>,
    pub(super) submitted: Texts,
    pub(super) file: std::sync::Arc<str>,
    pub(super) sheet: std::sync::Arc<str>,
    pub(super) row: Vec<u32>,
    pub(super) sig: Vec<u64>,
    pub(super) cols: Vec<ColData>,
    pub(super) issues: Vec<Issue>,
    pub(super) rows_read: usize,
    pub(super) rows_rejected: usize,
    pub(super) blank_rows: usize,
    /// Absolute row index of the sheet's header.
    pub(super) header_row: u32,
}

impl Part {
    pub(super) fn new(
        schema: &Schema,
        cap: usize,
        wave: Option<String>,
        file: &std::sync::Arc<str>,
        sheet: &std::sync::Arc<str>,
        has_id: bool,
    ) -> Part {
        Part {
            wave,
            unit: Texts::with_capacity(cap),
            respondent: Texts::with_capacity(cap),
            has_id,
            id_given: Vec::with_capacity(cap),
            submitted: Texts::with_capacity(cap),
            file: file.clone(),
            sheet: sheet.clone(),
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
    pub(super) fn len(&self) -> usize {
        self.row.len()
    }
}

/// Per-question state while a row is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum QState {
    Absent,
    Empty,
    Skipped,
    Answered,
    /// Answered with something unusable (already in the ledger).
    Invalid,
}

/// One row being read: its values in schema order, each question's state, and the
/// ranks already given per ranking question.
pub(super) struct RowBuf {
    pub(super) vals: Vec<Val>,
    pub(super) state: Vec<QState>,
    pub(super) rank_seen: Vec<Vec<i32>>,
    /// Per question: multi-select and ranking cells already read (text → what it says).
    pub(super) picks: Vec<super::memo::TextMemo<super::cells::Picks>>,
    /// Per sheet column: single-choice, scale and matrix cells already read (text → what
    /// it says; the same few texts fill a column).
    pub(super) choices: Vec<super::memo::TextMemo<super::cells::Choice>>,
    /// Every value is `Null`: the last row was handed over whole (its values taken).
    pub(super) cleared: bool,
    /// The options chosen in the row's multi-selects (their yes/no columns hold no value).
    pub(super) chosen: Flags,
    /// The row's `[[fields]]` texts, one after another in `field_text` (their columns hold
    /// no value: a text each row would otherwise be a `String` made and freed).
    field_text: String,
    field_at: Vec<Option<(usize, usize)>>,
}

impl RowBuf {
    fn set_field(&mut self, k: usize, t: &str) {
        let start = self.field_text.len();
        self.field_text.push_str(t);
        self.field_at[k] = Some((start, self.field_text.len()));
    }
    fn field(&self, k: usize) -> Option<&str> {
        self.field_at[k].map(|(a, b)| &self.field_text[a..b])
    }
}

/// One bit per column of the schema: the chosen options of a row's multi-selects, kept
/// as bits rather than a value per option (a row has dozens of such columns, and the
/// options not chosen are settled once per question, not once per column).
pub(super) struct Flags(Vec<u64>);

impl Flags {
    fn new(ncols: usize) -> Flags {
        Flags(vec![0; ncols.div_ceil(64)])
    }
    #[inline]
    pub(super) fn set(&mut self, c: usize) {
        self.0[c / 64] |= 1 << (c % 64);
    }
    #[inline]
    fn get(&self, c: usize) -> bool {
        (self.0[c / 64] >> (c % 64)) & 1 == 1
    }
    /// Whether any column of `cols` is set, a word at a time.
    fn any(&self, cols: std::ops::Range<usize>) -> bool {
        let mut c = cols.start;
        while c < cols.end {
            let (w, lo) = (c / 64, c % 64);
            let hi = (cols.end - w * 64).min(64);
            let mask = (u64::MAX >> (64 - hi)) & (u64::MAX << lo);
            if self.0[w] & mask != 0 {
                return true;
            }
            c = (w + 1) * 64;
        }
        false
    }
    fn clear(&mut self, cols: std::ops::Range<usize>) {
        for c in cols {
            self.0[c / 64] &= !(1 << (c % 64));
        }
    }
}

/// Everything fixed for one sheet: the survey, its schema and lookups, the layout.
pub(super) struct SheetCtx<'a> {
    pub(super) survey: &'a Survey,
    pub(super) schema: &'a Schema,
    pub(super) options: &'a [Options],
    pub(super) layout: Layout,
    /// Single/scale columns read as code exports (bare numbers are option numbers).
    pub(super) coded: HashSet<u32>,
    /// Columns answered with option letters throughout.
    pub(super) lettered: HashSet<u32>,
    /// A returned template: only the exact dropdown values are accepted.
    pub(super) strict: bool,
    /// Questions with at least one column in this sheet.
    pub(super) present: Vec<bool>,
    pub(super) seq_col: Option<u32>,
    pub(super) time_col: Option<u32>,
    pub(super) unit_col: Option<u32>,
    pub(super) unit_q: Option<usize>,
    /// Per question: the single-choice question that gates it and the option texts shown.
    pub(super) show_if: Vec<Option<(usize, Vec<u32>)>>,
    pub(super) file: std::sync::Arc<str>,
    pub(super) sheet: std::sync::Arc<str>,
    pub(super) file_stem: String,
    pub(super) wave: Option<String>,
    /// The first row of a tally or notes block under the data: it and every row after it
    /// are not respondents.
    pub(super) tally_from: Option<u32>,
    /// (column, header) of the question columns, for telling header rows from answers.
    pub(super) headers: Vec<(u32, String)>,
}

/// Whether a cell of a question column reads as a header: its column's header (or one
/// half of a two-row header), or a variable code (`Q1`, `Q4_1`: short, a letter first, a
/// digit in it — checked on bytes before the full test).
fn header_text(t: &str, header: &str) -> bool {
    // A bare number is an answer code, whatever the header (`1` under the header `1`).
    if t.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') {
        return false;
    }
    t == header
        || (header.len() > t.len() && header.contains('—') && header.split('—').any(|h| h == t))
        // The header's text without its number, or its last words (`会议次数` under
        // `8、近一个月参加会议次数`), as a second header row repeats them.
        || (t.chars().count() >= 4 && header.len() > t.len() && header.ends_with(t))
        || (t.len() <= 24
            && t.as_bytes()[0].is_ascii_alphabetic()
            && t.bytes().any(|b| b.is_ascii_digit())
            && crate::ingest::platform::is_code(t))
}

/// Whether a cell holds something (not a platform's empty or skip mark).
fn ingest_blank(d: &Data) -> bool {
    crate::ingest::cells::blank(d).is_none()
}

/// A note written under the answers (`注：本表由办公室汇总`, `说明：…`, `※…`).
fn is_note(s: &str) -> bool {
    if crate::text::only_ascii_digits_and_marks(s) {
        return false;
    }
    let n = crate::text::norm_cow(s);
    ["注:", "注：", "备注:", "备注：", "说明:", "说明：", "填表说明", "填写说明", "填表人", "※"].iter().any(|p| n.starts_with(p))
}

/// A totals or tally label (合计, 平均值, 选A人数): short texts only, normalised once.
fn is_totals(s: &str) -> bool {
    s.len() <= 36 && crate::ingest::platform::may_be_tally_label(s) && !crate::text::only_ascii_digits_and_marks(s) && {
        let n = crate::text::norm_cow(s);
        TOTALS.contains(&n.trim_end_matches(':')) || crate::ingest::platform::is_tally_label(&n)
    }
}

const TOTALS: &[&str] =
    &["合计", "总计", "小计", "总数", "合计：", "total", "平均", "平均值", "平均分", "均值", "统计", "汇总", "sum", "mean", "average"];

impl<'a> SheetCtx<'a> {
    /// A row repeating the header (most of its filled question cells equal their column's
    /// header, or one half of a two-row header) or a row of variable codes (`Q1`, `Q4_1`):
    /// a header row, never a respondent.
    fn header_like<'d>(&self, get: &impl Fn(u32) -> &'d Data) -> bool {
        // A header row has a header text or a code in its first filled question cells; an
        // answer row is settled there, without a look at the rest (this runs on every row).
        let mut seen = 0;
        for (col, header) in &self.headers {
            let t = match get(*col) {
                Data::String(s) => s.trim(),
                Data::Empty => continue,
                _ => return false,
            };
            if t.is_empty() {
                continue;
            }
            if header_text(t, header) {
                break;
            }
            seen += 1;
            if seen == 2 {
                return false;
            }
        }
        let (mut filled, mut same) = (0usize, 0usize);
        for (col, header) in &self.headers {
            let t = match get(*col) {
                Data::String(s) => s.trim(),
                Data::Empty => continue,
                _ => {
                    filled += 1;
                    continue;
                }
            };
            if t.is_empty() {
                continue;
            }
            filled += 1;
            same += usize::from(header_text(t, header));
        }
        filled >= 2 && same * 2 >= filled
    }

    /// The ledger entry for a record the CSV reader could not read as written.
    pub(super) fn malformed(&self, m: &crate::ingest::csv_reader::Malformed) -> Issue {
        use crate::ingest::csv_reader::MalformedKind as K;
        match m.kind {
            K::Quotes => self.issue(Some(m.row), None, None, m.text.clone(), Problem::MalformedRecord, Action::ReadLiterally),
            K::TooLong(n) => {
                self.issue(Some(m.row), None, None, format!("{}…（共 {n} 字节）", m.text), Problem::LineTooLong, Action::LineLeftOut)
            }
            K::Encoding => self.issue(Some(m.row), None, None, m.text.clone(), Problem::MixedEncoding, Action::ReadAsGbk),
        }
    }

    /// The ledger entry for what the reader saw in the sheet.
    pub(super) fn read_note(&self, n: &crate::ingest::ReadNote) -> Issue {
        use crate::ingest::ReadNote as N;
        match n {
            N::HiddenSheet => self.issue(None, None, None, self.sheet.to_string(), Problem::HiddenSheet, Action::Kept),
            N::HiddenRows(rows) => {
                let listed: Vec<String> = rows.iter().take(20).map(|r| (r + 1).to_string()).collect();
                let more = if rows.len() > 20 { "…" } else { "" };
                let value = format!("第 {}{more} 行（共 {} 行）", listed.join("、"), rows.len());
                self.issue(None, None, None, value, Problem::HiddenRows, Action::Kept)
            }
            N::Uncached { row, col, formula } => {
                self.issue(Some(*row), Some(*col), None, formula.clone(), Problem::UncachedFormula, Action::SetMissing)
            }
        }
    }

    pub(super) fn issue(
        &self,
        row: Option<u32>,
        col: Option<u32>,
        q: Option<usize>,
        value: String,
        problem: Problem,
        action: Action,
    ) -> Issue {
        Issue {
            file: self.file.clone(),
            sheet: Some(self.sheet.clone()),
            row: row.map(|r| r + 1),
            column: col,
            question: q.map(|q| self.survey.questions[q].id.clone()),
            value,
            problem,
            action,
        }
    }

    /// Reads rows `rows` (absolute indices) of a grid into a part.
    pub(super) fn parse_rows(&self, cells: &Range<Data>, rows: std::ops::Range<u32>) -> Part {
        let mut part = self.part(rows.len());
        let mut buf = self.row_buf();
        let empty = Data::Empty;
        for r in rows {
            self.parse_row(r, |c: u32| cells.get_value((r, c)).unwrap_or(&empty), &mut part, &mut buf);
        }
        self.give_back(buf);
        part
    }

    /// The row buffer's caches of multi-select and ranking cells, for the next file or
    /// chunk.
    fn give_back(&self, buf: RowBuf) {
        for (o, m) in self.options.iter().zip(buf.picks) {
            o.picks_memos.give(m);
        }
    }

    /// Reads rows handed over one at a time (`each(f)` calls `f(row, cells)` per row,
    /// `cells[c]` being column c) into a part, keeping the rows in `rows`.
    pub(super) fn parse_each(&self, rows: std::ops::Range<u32>, each: impl FnOnce(&mut dyn FnMut(u32, &[Data]))) -> Part {
        let mut part = self.part(rows.len());
        let mut buf = self.row_buf();
        let empty = Data::Empty;
        each(&mut |r, cells| {
            if rows.contains(&r) {
                self.parse_row(r, |c: u32| cells.get(c as usize).unwrap_or(&empty), &mut part, &mut buf);
            }
        });
        self.give_back(buf);
        part
    }

    fn part(&self, cap: usize) -> Part {
        let mut part = Part::new(self.schema, cap, self.wave.clone(), &self.file, &self.sheet, self.seq_col.is_some());
        part.header_row = self.layout.header_row;
        part
    }

    fn row_buf(&self) -> RowBuf {
        let (ncols, nq) = (self.schema.cols.len(), self.survey.questions.len());
        RowBuf {
            vals: vec![Val::Null; ncols],
            state: vec![QState::Absent; nq],
            rank_seen: vec![Vec::new(); nq],
            picks: self.options.iter().map(|o| o.picks_memos.take()).collect(),
            choices: Vec::new(),
            cleared: true,
            chosen: Flags::new(ncols),
            field_text: String::new(),
            field_at: vec![None; self.schema.fields.len()],
        }
    }

    /// Reads row `r` (absolute index) into `part`; `get(c)` is its cell in column `c`.
    fn parse_row<'d>(&self, r: u32, get: impl Fn(u32) -> &'d Data, part: &mut Part, buf: &mut RowBuf) {
        if self.not_a_response(r, &get, part) {
            return;
        }
        if !std::mem::take(&mut buf.cleared) {
            buf.vals.iter_mut().for_each(|v| *v = Val::Null);
        }
        buf.chosen.0.fill(0);
        buf.field_at.fill(None);
        buf.field_text.clear();
        for (qi, s) in buf.state.iter_mut().enumerate() {
            *s = if self.present[qi] { QState::Empty } else { QState::Absent };
        }
        let cell_issues = part.issues.len();
        for column in &self.layout.columns {
            let d = get(column.col);
            if let super::layout::Role::Field(k) = column.role {
                let t = crate::ingest::cell_tidy(d);
                if !t.is_empty() && ingest_blank(d) {
                    // 问卷星's 来自IP gives its province: `183.192.16.69(上海-上海)` → 上海.
                    buf.set_field(k, crate::ingest::platform::province_of_ip(&t).unwrap_or(&t));
                }
                continue;
            }
            self.read_cell((r, column.col), column.role, d, buf, &mut part.issues);
        }
        let row_issues = part.issues.len();
        self.finish_questions(r, buf, &mut part.issues);
        // A row whose every question is empty, skipped or absent ("(空)" throughout, a
        // pre-numbered template row with only markers) is no response.
        if !buf.state.iter().any(|s| matches!(s, QState::Answered | QState::Invalid)) {
            // One entry for the row, not one per required question.
            let row: Vec<Issue> = part.issues.split_off(row_issues);
            part.issues.extend(row.into_iter().filter(|i| i.problem != Problem::RequiredMissing));
            part.issues.push(self.issue(Some(r), None, None, String::new(), Problem::EmptyResponse, Action::RowRejected));
            part.rows_rejected += 1;
            return;
        }
        // A row with no answer that can be read, only texts that fit no question (an
        // instruction line, a second header row, a label row): no respondent. One entry
        // names what it holds instead of one per cell.
        if !buf.state.iter().any(|s| matches!(s, QState::Answered)) {
            let texts: Vec<String> = part.issues.drain(cell_issues..).filter(|i| !i.value.is_empty()).map(|i| i.value).take(4).collect();
            part.issues.push(self.issue(Some(r), None, None, texts.join(" | "), Problem::NoValidAnswer, Action::RowRejected));
            part.rows_rejected += 1;
            return;
        }
        let unit = self.row_unit(r, &get, &mut buf.vals, &mut part.issues);
        self.push_row(r, &get, unit, buf, part);
        // push_row takes every value, leaving `Null` behind.
        buf.cleared = true;
    }

    /// Blank rows (not read), and rows read but no respondent: totals rows, rows of a tally
    /// block, header and code rows. True when the row is done with.
    fn not_a_response<'d>(&self, r: u32, get: &impl Fn(u32) -> &'d Data, part: &mut Part) -> bool {
        let blank = |d: &Data| match d {
            Data::Empty => true,
            Data::String(s) => s.trim().is_empty(),
            _ => false,
        };
        // A row is an answer when a question column holds something (a pre-filled 序号
        // alone, as in a template, is not one).
        if self.layout.columns.iter().filter(|c| c.role.question().is_some()).all(|c| blank(get(c.col))) {
            part.blank_rows += 1;
            return true;
        }
        part.rows_read += 1;
        // A note under the answers, in its first filled cell.
        let first = self.layout.columns.iter().map(|c| get(c.col)).find(|d| !blank(d));
        if let Some(Data::String(s)) = first.filter(|d| matches!(d, Data::String(s) if is_note(s))) {
            part.issues.push(self.issue(Some(r), None, None, s.clone(), Problem::NoValidAnswer, Action::RowRejected));
            part.rows_rejected += 1;
            return true;
        }
        let totals = self.layout.columns.iter().take(4).find(|c| matches!(get(c.col), Data::String(s) if is_totals(s)));
        if totals.is_none() && (self.tally_from.is_some_and(|t| r >= t) || self.header_like(get)) {
            let value = self.layout.columns.iter().map(|c| get(c.col)).find(|d| !blank(d)).map(cell_text).unwrap_or_default();
            let p = if self.tally_from.is_some_and(|t| r >= t) { Problem::TallyBlock } else { Problem::HeaderRow };
            part.issues.push(self.issue(Some(r), None, None, value, p, Action::RowRejected));
            part.rows_rejected += 1;
            return true;
        }
        if let Some(c) = totals {
            let v = cell_text(get(c.col));
            part.issues.push(self.issue(Some(r), Some(c.col), None, v, Problem::TotalsRow, Action::RowRejected));
            part.rows_rejected += 1;
            return true;
        }
        false
    }

    /// Finishes questions spread over several columns (a multi-select with nothing chosen
    /// is unanswered, as a blank cell in the text export) and applies skip logic; notes
    /// required questions left empty.
    fn finish_questions(&self, r: u32, buf: &mut RowBuf, issues: &mut Vec<Issue>) {
        let RowBuf { vals, state, rank_seen, chosen, .. } = buf;
        for (qi, q) in self.survey.questions.iter().enumerate() {
            let qc = &self.schema.questions[qi];
            if let Some((cond, allowed)) = &self.show_if[qi] {
                let shown = matches!(&vals[self.schema.questions[*cond].first], Val::Opt(i) if allowed.contains(i));
                if !shown {
                    if state[qi] == QState::Answered {
                        issues.push(self.issue(Some(r), None, Some(qi), String::new(), Problem::SkipViolation, Action::SetMissing));
                    }
                    vals[qc.first..qc.first + qc.width].iter_mut().for_each(|v| *v = Val::Null);
                    chosen.clear(qc.first..qc.first + qc.width);
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
                // Answered with no option chosen (every option's column 0): unanswered.
                // Otherwise the options not chosen are `false` (see `push_row`).
                (Kind::Multi, QState::Answered) if !chosen.any(qc.first..qc.first + qc.width) => state[qi] = QState::Empty,
                (Kind::Rank, QState::Answered) => {
                    if !vals[qc.first..qc.first + qc.width].iter().any(|v| matches!(v, Val::I32(_))) {
                        state[qi] = QState::Empty;
                    }
                    rank_seen[qi].clear();
                }
                _ => {}
            }
            if state[qi] == QState::Empty && q.required {
                issues.push(self.issue(Some(r), None, Some(qi), String::new(), Problem::RequiredMissing, Action::SetMissing));
            }
        }
    }

    /// The row's unit: the unit question's answer, the unit column, or the file's name
    /// (noted when the row should have named one); the unit question is filled in from the
    /// file where a unit's own workbook leaves it out.
    fn row_unit<'s, 'd: 's>(&'s self, r: u32, get: &impl Fn(u32) -> &'d Data, vals: &mut [Val], issues: &mut Vec<Issue>) -> Cow<'s, str> {
        let unit: Option<Cow<'s, str>> = if let Some(qi) = self.unit_q {
            match &vals[self.schema.questions[qi].first] {
                Val::Opt(i) => Some(Cow::Borrowed(self.survey.questions[qi].options[*i as usize].text())),
                Val::F64(f) => Some(Cow::Owned(crate::ingest::fmt_num(*f))),
                Val::Str(s) if !s.trim().is_empty() => Some(Cow::Owned(s.trim().to_string())),
                _ => None,
            }
        } else {
            self.unit_col.map(|c| crate::ingest::cell_tidy(get(c))).filter(|s| !s.is_empty())
        };
        let unit = unit.unwrap_or_else(|| {
            if self.unit_q.is_some_and(|q| self.present[q]) || self.unit_col.is_some() {
                issues.push(self.issue(Some(r), self.unit_col, self.unit_q, String::new(), Problem::MissingUnit, Action::UnitFromFile));
            }
            Cow::Borrowed(&self.file_stem)
        });
        if let Some(qi) = self.unit_q.filter(|q| !self.present[*q]) {
            if let Some(oi) = self.options[qi].by_text(&unit) {
                vals[self.schema.questions[qi].first] = Val::Opt(oi as u32);
            }
        }
        unit
    }

    /// Adds the row to the part: unit, id, submit time (one form whatever the export
    /// wrote), the answers' fingerprint and the answers.
    fn push_row<'d>(&self, r: u32, get: &impl Fn(u32) -> &'d Data, unit: Cow<'_, str>, buf: &mut RowBuf, part: &mut Part) {
        for (k, &c) in self.schema.fields.iter().enumerate() {
            part.cols[c].push_text(buf.field(k));
        }
        let RowBuf { vals, state, chosen, .. } = buf;
        // Some 问卷星 exports hold the literal `NULL` in empty metadata cells: no id.
        let given = |c: u32| Some(crate::ingest::cell_tidy(get(c))).filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("null"));
        let id = self.seq_col.and_then(given);
        let mut time = [0u8; 19];
        let submitted = self.time_col.and_then(given).map(|s| match crate::text::is_canonical_time(&s) {
            true => s,
            false => match crate::text::canonical_time_in(&s, &mut time) {
                Some(t) => Cow::Borrowed(t),
                None => s,
            },
        });
        // The answers' fingerprint, for duplicate submissions and the same respondent
        // in two files (other-texts left out: the code export has none).
        part.sig.push({
            let mut h = rustc_hash::FxHasher::default();
            for &c in &self.schema.fingerprint {
                vals[c].hash(&mut h);
            }
            chosen.0.hash(&mut h);
            h.finish()
        });
        part.unit.push(Some(&unit));
        part.id_given.push(id.is_some());
        match id {
            Some(id) => part.respondent.push(Some(&id)),
            None => part.respondent.push(Some(&format!("{}-{}", self.file_stem, r + 1))),
        }
        part.submitted.push(submitted.as_deref());
        part.row.push(r + 1);
        for &c in &self.schema.plain {
            part.cols[c].push(std::mem::take(&mut vals[c]));
        }
        // A multi-select answered: every option chosen or not; else every option missing.
        for &qi in &self.schema.multi {
            let (qc, answered) = (&self.schema.questions[qi], state[qi] == QState::Answered);
            for c in qc.first..qc.first + qc.width {
                part.cols[c].push_flag(answered.then(|| chosen.get(c)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Flags;

    /// Ranges inside a word, ending on a word's edge and spanning words: `any` sees
    /// exactly the bits set in the range, `clear` removes only those.
    #[test]
    fn flags_answer_for_their_range_only() {
        let mut f = Flags::new(200);
        for c in [3, 63, 64, 130] {
            f.set(c);
        }
        for (range, want) in [(0..3, false), (0..4, true), (4..63, false), (4..64, true), (65..130, false), (65..131, true)] {
            assert_eq!(f.any(range.clone()), want, "{range:?}");
        }
        assert!(f.any(60..140) && !f.any(131..200) && !f.any(5..5));
        f.clear(60..100);
        assert!(!f.any(4..130) && f.get(3) && f.get(130) && !f.get(63) && !f.get(64));
    }
}
