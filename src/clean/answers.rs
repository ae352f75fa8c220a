//! One answer cell read against its question: option text, codes, letters, "other"
//! texts, skip markers, flags, ranks and numbers, with a ledger entry for every problem.

use calamine::Data;

use super::cells::{self, Choice};
use super::frame::Val;
use super::layout::Role;
use super::ledger::{Action, Issue, Problem};
use super::rows::{QState, RowBuf, SheetCtx};
use crate::ingest::cells::{Blank, Flag};
use crate::ingest::{self, cell_text};
use crate::survey::Kind;

/// Distinct multi-select or ranking answers remembered per question and part.
const PICKS_CACHE: usize = 4096;

impl SheetCtx<'_> {
    /// Reads the cell at (row, column) of a question's column into the row's buffer.
    pub(super) fn read_cell(&self, (r, col): (u32, u32), role: Role, d: &Data, row: &mut RowBuf, issues: &mut Vec<Issue>) {
        let RowBuf { vals, state, rank_seen, picks } = row;
        let (vals, state, rank_seen): (&mut [Val], &mut [QState], &mut [Vec<i32>]) = (vals, state, rank_seen);
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
                (Role::Whole(_), Kind::Number) => {
                    matches!(d, Data::Float(_) | Data::Int(_))
                        || matches!(d, Data::String(s) if s.trim().parse::<f64>().is_ok_and(|v| v.is_finite()))
                }
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
                Choice::Bad(n) => {
                    note(issues, cell_text(d), n.problem, n.action);
                    invalid(state)
                }
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
                // The same combination of options comes back again and again: read once.
                let cache = &mut picks[qi];
                let fresh;
                let p = match cache.get(text) {
                    Some(p) => p,
                    None => {
                        fresh = cells::picks(opts, text, rank);
                        if cache.len() < PICKS_CACHE {
                            cache.insert(text.to_string(), fresh.clone());
                        }
                        &fresh
                    }
                };
                for pn in &p.notes {
                    note(issues, pn.value.clone(), pn.note.problem, pn.note.action);
                }
                if p.picks.is_empty() {
                    invalid(state);
                }
                for (pos, (oi, other)) in p.picks.iter().enumerate() {
                    vals[qc.first + oi] = if rank { Val::I32(pos as i32 + 1) } else { Val::Bool(true) };
                    set_other(vals, *oi, other.clone());
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
                    // A cascade's levels (several columns under one header) join into one
                    // answer: 广东省/深圳市/南山区.
                    vals[qc.first] = match std::mem::replace(&mut vals[qc.first], Val::Null) {
                        Val::Str(prev) if state[qi] == QState::Answered => Val::Str(format!("{prev}/{t}")),
                        _ => Val::Str(t),
                    };
                    state[qi] = QState::Answered;
                }
            },
            (Role::Whole(_), Kind::Number) => match ingest::cells::blank(d) {
                Some(b) => mark(state, b),
                None => match ingest::cells::number(d) {
                    Some(v) => {
                        vals[qc.first] = Val::F64(v);
                        state[qi] = QState::Answered;
                    }
                    None => {
                        note(issues, cell_text(d), Problem::NotANumber, Action::SetMissing);
                        invalid(state)
                    }
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
                Choice::Bad(n) => {
                    note(issues, cell_text(d), n.problem, n.action);
                    invalid(state)
                }
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
                // 腾讯问卷 and 问卷网 write the chosen option's own text in its column.
                Flag::Bad if matches!(d, Data::String(s) if opts.by_text(s) == Some(oi)) => {
                    vals[qc.first + oi] = Val::Bool(true);
                    state[qi] = QState::Answered;
                }
                Flag::Bad => {
                    note(issues, cell_text(d), Problem::BadFlag, Action::SetMissing);
                    invalid(state)
                }
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
                Err(None) => {
                    note(issues, cell_text(d), Problem::BadRank, Action::SetMissing);
                    invalid(state)
                }
            },
            _ => note(issues, cell_text(d), Problem::UnknownColumn, Action::SetMissing),
        }
    }
}
