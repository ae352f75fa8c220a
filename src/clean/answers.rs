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

/// One cell being read: where it is and which question it belongs to.
struct At<'c, 'a> {
    ctx: &'c SheetCtx<'a>,
    r: u32,
    col: u32,
    qi: usize,
}

impl At<'_, '_> {
    fn note(&self, issues: &mut Vec<Issue>, value: String, p: Problem, a: Action) {
        // A column answered in letters throughout has one ledger entry, not one per cell.
        if !(p == Problem::LetterAnswer && self.ctx.lettered.contains(&self.col)) {
            issues.push(self.ctx.issue(Some(self.r), Some(self.col), Some(self.qi), value, p, a));
        }
    }
}

/// Something unusable was written: the question counts as answered wrongly (already in the ledger).
fn invalid(state: &mut [QState], qi: usize) {
    if state[qi] == QState::Empty {
        state[qi] = QState::Invalid;
    }
}

/// A blank cell: skipped by logic (outside the base) or unanswered.
fn mark(state: &mut [QState], qi: usize, b: Blank) {
    if b == Blank::Skipped && state[qi] != QState::Answered {
        state[qi] = QState::Skipped;
    }
}

impl SheetCtx<'_> {
    /// Reads the cell at (row, column) of a question's column into the row's buffer.
    pub(super) fn read_cell(&self, (r, col): (u32, u32), role: Role, d: &Data, row: &mut RowBuf, issues: &mut Vec<Issue>) {
        let Some(qi) = role.question() else { return };
        let at = At { ctx: self, r, col, qi };
        // A returned template accepts exactly the dropdown's values; anything else is
        // reported and set missing, never converted.
        if self.strict && ingest::cells::blank(d).is_none() {
            if let Some(problem) = self.not_in_template(role, d) {
                at.note(issues, cell_text(d), problem, Action::SetMissing);
                invalid(&mut row.state, qi);
                return;
            }
        }
        let kind = self.survey.questions[qi].kind;
        match (role, kind) {
            (Role::OtherText(_, oi), _) => {
                if ingest::cells::blank(d).is_none() {
                    if let Some((_, c)) = self.schema.questions[qi].other.iter().find(|(o, _)| *o == oi) {
                        row.vals[*c] = Val::Str(crate::text::tidy(&cell_text(d)));
                    }
                }
            }
            (Role::Whole(_), Kind::Single | Kind::Scale) => self.read_choice(&at, d, None, row, issues),
            (Role::MatrixRow(_, ri), _) => self.read_choice(&at, d, Some(ri), row, issues),
            (Role::Whole(_), Kind::Multi | Kind::Rank) => self.read_picks(&at, d, row, issues),
            (Role::Whole(_), Kind::Text) => self.read_text(&at, d, row, issues),
            (Role::Whole(_), Kind::Number) => match ingest::cells::blank(d) {
                Some(b) => mark(&mut row.state, qi, b),
                None => match ingest::cells::number(d) {
                    Some(v) => {
                        row.vals[self.schema.questions[qi].first] = Val::F64(v);
                        row.state[qi] = QState::Answered;
                    }
                    None => {
                        at.note(issues, cell_text(d), Problem::NotANumber, Action::SetMissing);
                        invalid(&mut row.state, qi)
                    }
                },
            },
            (Role::Split(_, oi), Kind::Multi) => self.read_flag(&at, d, oi, row, issues),
            (Role::Split(_, oi), Kind::Rank) => self.read_rank(&at, d, oi, row, issues),
            _ => at.note(issues, cell_text(d), Problem::UnknownColumn, Action::SetMissing),
        }
    }

    /// Why a template's cell is not one of the dropdown's values, if it is not.
    fn not_in_template(&self, role: Role, d: &Data) -> Option<Problem> {
        let q = &self.survey.questions[role.question()?];
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
        (!ok).then_some(match (role, q.kind) {
            (Role::Split(..), _) => Problem::BadFlag,
            (_, Kind::Number) => Problem::NotANumber,
            _ => Problem::UnknownOption,
        })
    }

    /// A single-choice or scale answer, or a matrix row's (`row_of`: which row).
    fn read_choice(&self, at: &At, d: &Data, row_of: Option<usize>, row: &mut RowBuf, issues: &mut Vec<Issue>) {
        let qi = at.qi;
        let (q, qc, opts) = (&self.survey.questions[qi], &self.schema.questions[qi], &self.options[qi]);
        match self.choice(at, d, &mut row.choices) {
            Choice::Blank(b) => mark(&mut row.state, qi, b),
            Choice::Option(oi, other, n) => {
                if let Some(n) = n {
                    at.note(issues, cell_text(d), n.problem, n.action);
                }
                match row_of {
                    Some(ri) => row.vals[qc.first + ri] = Val::F64(opts.scores[oi]),
                    None => {
                        row.vals[qc.first] = if q.kind == Kind::Scale { Val::F64(opts.scores[oi]) } else { Val::Opt(oi as u32) };
                        self.set_other(qi, &mut row.vals, oi, other);
                    }
                }
                row.state[qi] = QState::Answered;
            }
            Choice::Bad(n) => {
                at.note(issues, cell_text(d), n.problem, n.action);
                invalid(&mut row.state, qi)
            }
        }
    }

    /// What a single-choice, scale or matrix cell says ([`cells::choice`]), a text read
    /// once per chunk and column.
    fn choice(&self, at: &At, d: &Data, memo: &mut Vec<super::memo::TextMemo<Choice>>) -> Choice {
        let (q, opts) = (&self.survey.questions[at.qi], &self.options[at.qi]);
        let coded = || self.coded.contains(&at.col);
        let Data::String(s) = d else { return cells::choice(q, opts, d, coded()) };
        let col = at.col as usize;
        if memo.len() <= col {
            memo.resize_with(col + 1, Default::default);
        }
        if let Some(c) = memo[col].get(s.as_str()) {
            return c.clone();
        }
        let c = cells::choice(q, opts, d, coded());
        memo[col].insert(s, c.clone());
        c
    }

    /// The text written beside an "other" option, into its column.
    #[inline]
    fn set_other(&self, qi: usize, vals: &mut [Val], oi: usize, t: Option<String>) {
        if let Some(t) = t {
            if let Some((_, c)) = self.schema.questions[qi].other.iter().find(|(o, _)| *o == oi) {
                vals[*c] = Val::Str(t);
            }
        }
    }

    /// A multi-select (`┋`) or ranking (`→`) written in one cell.
    fn read_picks(&self, at: &At, d: &Data, row: &mut RowBuf, issues: &mut Vec<Issue>) {
        let qi = at.qi;
        let RowBuf { vals, state, picks, chosen, .. } = row;
        if let Some(b) = ingest::cells::blank(d) {
            return mark(state, qi, b);
        }
        let (q, qc, opts) = (&self.survey.questions[qi], &self.schema.questions[qi], &self.options[qi]);
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
        let full;
        let p = match cache.get(text) {
            Some(p) => p,
            None => match picks[qi].keep(text, cells::picks(opts, text, rank)) {
                Ok(p) => p,
                Err(p) => {
                    full = p;
                    &full
                }
            },
        };
        for pn in &p.notes {
            at.note(issues, pn.value.clone(), pn.note.problem, pn.note.action);
        }
        if p.picks.is_empty() {
            invalid(state, qi);
        }
        for (pos, (oi, other)) in p.picks.iter().enumerate() {
            match rank {
                true => vals[qc.first + oi] = Val::I32(pos as i32 + 1),
                false => chosen.set(qc.first + oi),
            }
            self.set_other(qi, vals, *oi, other.clone());
            state[qi] = QState::Answered;
        }
    }

    /// An open answer (a cascade's levels, several columns under one header, join into one
    /// answer: 广东省/深圳市/南山区).
    fn read_text(&self, at: &At, d: &Data, row: &mut RowBuf, issues: &mut Vec<Issue>) {
        let qi = at.qi;
        if let Some(b) = ingest::cells::blank(d) {
            return mark(&mut row.state, qi, b);
        }
        let t = crate::text::tidy(&cell_text(d));
        if t.len() > crate::text::EXCEL_CELL_CHARS && t.chars().count() > crate::text::EXCEL_CELL_CHARS {
            let head: String = t.chars().take(50).collect();
            at.note(issues, format!("{head}……（共 {} 字）", t.chars().count()), Problem::LongText, Action::CutInWorkbook);
        }
        let first = self.schema.questions[qi].first;
        row.vals[first] = match std::mem::replace(&mut row.vals[first], Val::Null) {
            Val::Str(prev) if row.state[qi] == QState::Answered => Val::Str(format!("{prev}/{t}")),
            _ => Val::Str(t),
        };
        row.state[qi] = QState::Answered;
    }

    /// One option's column of a split multi-select: 1/0, a mark, or the option's own text
    /// (腾讯问卷 and 问卷网 write the chosen option's text in its column).
    fn read_flag(&self, at: &At, d: &Data, oi: usize, row: &mut RowBuf, issues: &mut Vec<Issue>) {
        let qi = at.qi;
        let first = self.schema.questions[qi].first;
        match ingest::cells::flag(d) {
            Flag::Yes => {
                row.chosen.set(first + oi);
                row.state[qi] = QState::Answered;
            }
            // Not chosen: the question is answered; its options not chosen are `false`.
            Flag::No => {
                if row.state[qi] != QState::Skipped {
                    row.state[qi] = QState::Answered;
                }
            }
            Flag::Blank(b) => mark(&mut row.state, qi, b),
            Flag::Bad if matches!(d, Data::String(s) if self.options[qi].by_text(s) == Some(oi)) => {
                row.chosen.set(first + oi);
                row.state[qi] = QState::Answered;
            }
            Flag::Bad => {
                at.note(issues, cell_text(d), Problem::BadFlag, Action::SetMissing);
                invalid(&mut row.state, qi)
            }
        }
    }

    /// One option's column of a split ranking: its rank, not ranked, or unreadable.
    fn read_rank(&self, at: &At, d: &Data, oi: usize, row: &mut RowBuf, issues: &mut Vec<Issue>) {
        let qi = at.qi;
        let n = self.survey.questions[qi].options.len();
        match ingest::cells::rank_cell(d, n) {
            Ok(Some(k)) => {
                if row.rank_seen[qi].contains(&k) {
                    at.note(issues, cell_text(d), Problem::BadRank, Action::SetMissing);
                } else {
                    row.rank_seen[qi].push(k);
                    row.vals[self.schema.questions[qi].first + oi] = Val::I32(k);
                    row.state[qi] = QState::Answered;
                }
            }
            Ok(None) => {
                if row.state[qi] != QState::Skipped {
                    row.state[qi] = QState::Answered;
                }
            }
            Err(Some(b)) => mark(&mut row.state, qi, b),
            Err(None) => {
                at.note(issues, cell_text(d), Problem::BadRank, Action::SetMissing);
                invalid(&mut row.state, qi)
            }
        }
    }
}
