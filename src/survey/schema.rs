//! The response table's columns, derived from the survey once: fixed tracing columns
//! first, then per question (docs/DESIGN.md): single → option text; scale → score;
//! multi → one boolean per option; rank → one rank per option; matrix → one score per
//! row; text → string; number → float; plus `Qn/<option>/注明` for "other" texts.
//! Import writes this table and the statistics read it: both take its names from here.

use super::{Kind, Survey};

/// The wave (year) column, also the banner `wave`.
pub const WAVE: &str = "wave";
/// The unit column, also the banner `unit`.
pub const UNIT: &str = "unit";

/// The file each response was read from.
pub const SOURCE_FILE: &str = "source_file";

/// The column of one option of a multi or rank question, or of one matrix row: `Q6/三会一课`.
pub fn part_column(question: &str, part: &str) -> String {
    format!("{question}/{part}")
}

/// The column of the text written beside an "other, please specify" option.
pub fn other_column(question: &str, option: &str) -> String {
    format!("{question}/{option}/注明")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Str,
    /// A single-choice answer held as the option's index; written out as its text.
    Opt,
    F64,
    Bool,
    I32,
}

#[derive(Debug, Clone)]
pub struct OutCol {
    pub name: String,
    pub ty: ColType,
    /// Option texts of a single-choice column.
    pub levels: Vec<String>,
}

/// Where each question's values go in a row buffer.
#[derive(Debug, Clone)]
pub struct QCols {
    /// First column of the question's block.
    pub first: usize,
    /// Number of value columns (1, one per option, or one per matrix row).
    pub width: usize,
    /// (option index, column) of "other, please specify" texts.
    pub other: Vec<(usize, usize)>,
}

#[derive(Debug, Clone)]
pub struct Schema {
    pub cols: Vec<OutCol>,
    pub questions: Vec<QCols>,
    /// Per column: an "other, please specify" text (not carried by every export form,
    /// so left out of the answers' fingerprint), or a platform field.
    pub is_other: Vec<bool>,
    /// The column of each `[[fields]]` entry.
    pub fields: Vec<usize>,
    /// Columns a row buffer holds a value for: all but the multi-selects' yes/no columns,
    /// which a row keeps as bits (see `multi`), and the fields, kept as texts.
    pub plain: Vec<usize>,
    /// The plain columns that make the answers' fingerprint (no other-texts, no fields).
    pub fingerprint: Vec<usize>,
    /// The multi-select questions (their columns are `first..first + width`, all yes/no).
    pub multi: Vec<usize>,
}

/// The tracing columns every response carries, in this order.
pub const TRACE: [&str; 7] = [WAVE, UNIT, "respondent", "submitted", SOURCE_FILE, "source_sheet", "source_row"];

impl Schema {
    pub fn new(s: &Survey) -> Schema {
        let mut cols = Vec::new();
        let mut questions = Vec::new();
        let push = |cols: &mut Vec<OutCol>, name: String, ty| {
            cols.push(OutCol { name, ty, levels: Vec::new() });
            cols.len() - 1
        };
        for q in &s.questions {
            let first = cols.len();
            match q.kind {
                Kind::Single => {
                    let c = push(&mut cols, q.id.clone(), ColType::Opt);
                    cols[c].levels = q.options.iter().map(|o| o.text().to_string()).collect();
                }
                Kind::Scale => {
                    push(&mut cols, q.id.clone(), ColType::F64);
                }
                Kind::Text => {
                    push(&mut cols, q.id.clone(), ColType::Str);
                }
                Kind::Number => {
                    push(&mut cols, q.id.clone(), ColType::F64);
                }
                Kind::Multi => {
                    for o in &q.options {
                        push(&mut cols, part_column(&q.id, o.text()), ColType::Bool);
                    }
                }
                Kind::Rank => {
                    for o in &q.options {
                        push(&mut cols, part_column(&q.id, o.text()), ColType::I32);
                    }
                }
                Kind::Matrix => {
                    for r in &q.rows {
                        push(&mut cols, part_column(&q.id, r), ColType::F64);
                    }
                }
            }
            let width = cols.len() - first;
            let mut other = Vec::new();
            if matches!(q.kind, Kind::Single | Kind::Multi) {
                for (oi, o) in q.options.iter().enumerate() {
                    if o.is_other() {
                        let c = push(&mut cols, other_column(&q.id, o.text()), ColType::Str);
                        other.push((oi, c));
                    }
                }
            }
            questions.push(QCols { first, width, other });
        }
        // Platform columns kept (`[[fields]]`), after the answers.
        let fields: Vec<usize> = s.fields.iter().map(|f| push(&mut cols, f.name.clone(), ColType::Str)).collect();
        let mut is_other = vec![false; cols.len()];
        // They are no answers: outside the answers' fingerprint, like other-texts.
        for &c in &fields {
            is_other[c] = true;
        }
        for q in &questions {
            for (_, c) in &q.other {
                is_other[*c] = true;
            }
        }
        let plain: Vec<usize> = (0..cols.len()).filter(|&c| cols[c].ty != ColType::Bool && !fields.contains(&c)).collect();
        let fingerprint = plain.iter().copied().filter(|&c| !is_other[c]).collect();
        let multi = (0..s.questions.len()).filter(|&qi| s.questions[qi].kind == Kind::Multi).collect();
        Schema { cols, questions, is_other, fields, plain, fingerprint, multi }
    }
}
