//! What one cell holds, before any question is known: blank or skipped, an integer, a
//! number, a 是/否 flag, a rank. Pure functions over calamine cells.

use calamine::Data;

use super::platform::{EMPTY, NOT_CHOSEN_CODE, SKIPPED, SKIPPED_CODE};
use crate::text::norm;

/// How a cell stands before its content is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blank {
    /// Not shown by skip logic (`(跳过)`, `-3`).
    Skipped,
    /// Shown but not answered (empty, `(空)`).
    Empty,
}

/// A cell that holds no answer: empty, or a platform's mark for "not answered" or
/// "not shown" ([`super::platform`]).
pub fn blank(d: &Data) -> Option<Blank> {
    match d {
        Data::Empty => Some(Blank::Empty),
        Data::Float(f) if *f == SKIPPED_CODE as f64 => Some(Blank::Skipped),
        Data::Int(SKIPPED_CODE) => Some(Blank::Skipped),
        Data::String(s) => {
            let t = s.trim();
            if t.is_empty() || EMPTY.contains(&t) {
                Some(Blank::Empty)
            } else if SKIPPED.contains(&t) {
                Some(Blank::Skipped)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// An integer held by a cell, as number or digit string.
pub fn int_of(d: &Data) -> Option<i64> {
    match d {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e9 => Some(*f as i64),
        Data::Int(i) => Some(*i),
        Data::String(s) => int_text(s),
        _ => None,
    }
}

/// An integer written as text, the way exports and people write codes: `2`, `2.0`,
/// `０２`, ` -3 `. `None` for anything else (`2.5`, `2分`, `A`).
pub fn int_text(s: &str) -> Option<i64> {
    let t = s.trim();
    if t.is_empty() || t.len() > 24 {
        return None;
    }
    if t.is_ascii() {
        let t = match t.find('.') {
            Some(p) if t[p + 1..].bytes().all(|b| b == b'0') => &t[..p],
            Some(_) => return None,
            None => t,
        };
        let digits = t.strip_prefix('-').unwrap_or(t);
        if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        return t.parse().ok();
    }
    // Full-width digits (０２) folded first; any other text is no integer (checked on the
    // first character before anything is copied: this runs on every answer).
    if !t.chars().next().is_some_and(|c| matches!(c, '０'..='９' | '－')) {
        return None;
    }
    let folded: String = t.chars().map(crate::text::fold_width).collect();
    if folded.is_ascii() {
        int_text(&folded)
    } else {
        None
    }
}

/// A split multi-select column cell: selected, not selected, skipped, or unreadable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Flag {
    Yes,
    No,
    Blank(Blank),
    Bad,
}

pub fn flag(d: &Data) -> Flag {
    if let Some(b) = blank(d) {
        return Flag::Blank(b);
    }
    match d {
        Data::Bool(b) => {
            if *b {
                Flag::Yes
            } else {
                Flag::No
            }
        }
        _ => match int_of(d) {
            Some(1) => Flag::Yes,
            Some(0) | Some(NOT_CHOSEN_CODE) => Flag::No,
            Some(_) => Flag::Bad,
            None => {
                let s = norm(&super::cell_text(d));
                match s.as_str() {
                    "是" | "√" | "✓" | "✔" | "y" | "yes" | "true" | "选" | "选中" | "有" => Flag::Yes,
                    "否" | "×" | "n" | "no" | "false" | "不选" | "未选" | "无" => Flag::No,
                    _ => Flag::Bad,
                }
            }
        },
    }
}

/// A split ranking column cell: rank k ≥ 1, not ranked (`-2`, 0), skipped, or bad.
pub fn rank_cell(d: &Data, n: usize) -> Result<Option<i32>, Option<Blank>> {
    if let Some(b) = blank(d) {
        return Err(Some(b));
    }
    match int_of(d) {
        Some(NOT_CHOSEN_CODE) | Some(0) => Ok(None),
        Some(k) if k >= 1 && (k as usize) <= n => Ok(Some(k as i32)),
        _ => Err(None),
    }
}

/// A number question's cell (`38`, `3.5`, `３５岁`); `None` when it holds no number.
pub fn number(d: &Data) -> Option<f64> {
    match d {
        Data::Float(f) if f.is_finite() => Some(*f),
        Data::Int(i) => Some(*i as f64),
        Data::String(s) => {
            let t = norm(s);
            let head = t.trim_end_matches(|c: char| !c.is_ascii_digit() && c != '.');
            // A unit after the number (`5次`, `3 小时`) is dropped; a longer text (a header
            // such as `5、近一个月参加会议次数`) is no number.
            let tail = t[head.len()..].trim();
            if tail.chars().count() > 3 || tail.starts_with(['、', ',', '，', ':', '：', ';', '；']) {
                return None;
            }
            head.parse::<f64>().ok().filter(|v| v.is_finite())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Data {
        Data::String(v.into())
    }

    #[test]
    fn numbers_with_their_unit_but_not_headers() {
        assert_eq!(number(&s("5次")), Some(5.0));
        assert_eq!(number(&s(" 3.5 小时")), Some(3.5));
        assert_eq!(number(&s("１２人")), Some(12.0));
        assert_eq!(number(&s("5、近一个月参加会议次数")), None);
        assert_eq!(number(&s("5，近一个月")), None);
        assert_eq!(number(&s("很多")), None);
    }

    #[test]
    fn flags_and_ranks() {
        assert_eq!(flag(&Data::Float(1.0)), Flag::Yes);
        assert_eq!(flag(&s("否")), Flag::No);
        assert_eq!(flag(&s("√")), Flag::Yes);
        assert_eq!(flag(&Data::Float(-3.0)), Flag::Blank(Blank::Skipped));
        assert_eq!(flag(&s("也许")), Flag::Bad);
        assert_eq!(rank_cell(&Data::Float(2.0), 3), Ok(Some(2)));
        assert_eq!(rank_cell(&Data::Float(-2.0), 3), Ok(None));
        assert_eq!(rank_cell(&Data::Float(-3.0), 3), Err(Some(Blank::Skipped)));
        assert_eq!(rank_cell(&Data::Float(9.0), 3), Err(None));
        assert_eq!(number(&s("３５岁")), Some(35.0));
        assert_eq!(int_of(&s("2.0")), Some(2));
        assert_eq!(int_of(&s("０２")), Some(2));
        assert_eq!(int_of(&s(" -3 ")), Some(-3));
        assert_eq!(int_of(&s("2.5")), None);
        assert_eq!(int_of(&s("2分")), None);
        assert_eq!(int_of(&s("-")), None);
        assert!(number(&s("不知道")).is_none());
    }
}
