//! Headers written on two rows, read the same way by inference (`init`) and the importer:
//!
//! - **codes**: survey panels (Credamo 见数 and the like) write the question text on one
//!   row and a variable code (`Q1`, `Q4_1`, `SC0`) on the other; the code row is a header,
//!   never a respondent.
//! - **sub-labels**: a hand-made sheet merges `4、存在哪些问题` over three columns and
//!   heads each with its option (会议多, 文件多, 检查多) on the row below; a whole question
//!   spans both rows (a vertical merge, or the second row left empty).
//!
//! [`second_row`] says whether the row after a header is such a row, and [`combined`]
//! gives each column's header as one text (`4、存在哪些问题—会议多`), which the header
//! parsers already understand.

use calamine::{Data, Range};

use super::cell_text;
use super::platform::{is_code, meta};
use crate::text::{norm, tidy};

/// What the row after a header row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Second {
    /// Variable codes under (or over) the question texts.
    Codes,
    /// Labels under a header cell merged over several columns.
    SubLabels,
}

fn text_at(cells: &Range<Data>, r: u32, c: u32) -> String {
    cells.get_value((r, c)).map(cell_text).map(|t| tidy(&t)).unwrap_or_default()
}

fn numeric(t: &str) -> bool {
    let n = norm(t);
    !n.is_empty() && n.parse::<f64>().is_ok()
}

/// Whether a row is mostly variable codes: at least three non-empty cells, three in five
/// of them codes (`Q1`, `Q4_1`) or metadata names, none repeated.
pub fn is_code_row(texts: &[String]) -> bool {
    let filled: Vec<&String> = texts.iter().filter(|t| !t.is_empty()).collect();
    if filled.len() < 3 {
        return false;
    }
    let codes = filled.iter().filter(|t| is_code(t)).count();
    let coded = filled.iter().filter(|t| is_code(t) || meta(t).is_some()).count();
    let distinct: std::collections::HashSet<String> = filled.iter().map(|t| norm(t)).collect();
    codes >= 3 && coded * 5 >= filled.len() * 3 && distinct.len() == filled.len()
}

/// Whether a row reads as question texts rather than answers: mostly distinct words, few
/// numbers, and at least one cell worded as a question.
fn is_text_row(texts: &[String]) -> bool {
    let filled: Vec<&String> = texts.iter().filter(|t| !t.is_empty()).collect();
    if filled.len() < 3 {
        return false;
    }
    let numbers = filled.iter().filter(|t| numeric(t)).count();
    let distinct: std::collections::HashSet<String> = filled.iter().map(|t| norm(t)).collect();
    let asks = filled.iter().any(|t| {
        t.chars().count() >= 4
            && ["您", "你", "是否", "哪", "什么", "如何", "请", "？", "?", "认为", "情况", "对于", "程度"].iter().any(|w| t.contains(w))
    });
    numbers * 10 <= filled.len() && distinct.len() * 5 >= filled.len() * 3 && asks
}

/// Whether row `r + 1` is the second row of a two-row header whose first row is `r`.
pub fn second_row(cells: &Range<Data>, r: u32) -> Option<Second> {
    let (start, end) = (cells.start()?, cells.end()?);
    if r + 1 > end.0 {
        return None;
    }
    let cols: Vec<u32> = (start.1..=end.1).collect();
    let top: Vec<String> = cols.iter().map(|&c| text_at(cells, r, c)).collect();
    let sub: Vec<String> = cols.iter().map(|&c| text_at(cells, r + 1, c)).collect();
    if (is_code_row(&sub) && is_text_row(&top)) || (is_code_row(&top) && is_text_row(&sub)) {
        return Some(Second::Codes);
    }
    sub_labels(&top, &sub).then_some(Second::SubLabels)
}

/// Labels under merged header cells: two or more non-numeric texts on the lower row, at
/// least one group of adjacent columns sharing one upper text (or continuing it with an
/// empty cell) whose lower cells differ; under a column headed alone, the lower cell is
/// empty or repeats the upper one (a vertical merge) — an answer there means a data row.
fn sub_labels(top: &[String], sub: &[String]) -> bool {
    let filled: Vec<&String> = sub.iter().filter(|t| !t.is_empty()).collect();
    if filled.len() < 2 || filled.iter().any(|t| numeric(t)) {
        return false;
    }
    // A title row (one text, merged over the columns or alone) is no upper header row.
    let upper: std::collections::HashSet<String> = top.iter().filter(|t| !t.is_empty()).map(|t| norm(t)).collect();
    if upper.len() < 2 {
        return false;
    }
    let group = grouped_tops(top);
    let mut labelled_group = false;
    for (i, s) in sub.iter().enumerate() {
        let in_group = group[i].1;
        if in_group {
            labelled_group |= !s.is_empty() && norm(s) != norm(&group[i].0);
        } else if !s.is_empty() && norm(s) != norm(&top[i]) {
            return false;
        }
    }
    labelled_group
}

/// Each column's upper text, carried over empty cells after it, and whether the column
/// belongs to a group of two or more adjacent columns with that text.
fn grouped_tops(top: &[String]) -> Vec<(String, bool)> {
    let mut carried: Vec<String> = Vec::with_capacity(top.len());
    let mut last = String::new();
    for t in top {
        if !t.is_empty() {
            last = t.clone();
        }
        carried.push(last.clone());
    }
    (0..carried.len())
        .map(|i| {
            let same = |j: usize| carried.get(j).is_some_and(|t| !t.is_empty() && norm(t) == norm(&carried[i]));
            let grouped = !carried[i].is_empty() && ((i > 0 && same(i - 1)) || same(i + 1));
            (carried[i].clone(), grouped)
        })
        .collect()
}

/// The header of each column (`(column, text)`, absolute indices) of a two-row header at
/// rows `r`, `r + 1`: codes rows give the text row's text (the code where it is empty);
/// sub-label rows give `upper—lower` where the lower cell adds a label.
pub fn combined(cells: &Range<Data>, r: u32, second: Second) -> Vec<(u32, String)> {
    let (Some(start), Some(end)) = (cells.start(), cells.end()) else { return vec![] };
    let cols: Vec<u32> = (start.1..=end.1).collect();
    let top: Vec<String> = cols.iter().map(|&c| text_at(cells, r, c)).collect();
    let sub: Vec<String> = cols.iter().map(|&c| text_at(cells, r + 1, c)).collect();
    match second {
        Second::Codes => {
            let (texts, codes) = if is_code_row(&sub) { (&top, &sub) } else { (&sub, &top) };
            cols.iter().enumerate().map(|(i, &c)| (c, if texts[i].is_empty() { codes[i].clone() } else { texts[i].clone() })).collect()
        }
        Second::SubLabels => {
            let group = grouped_tops(&top);
            cols.iter()
                .enumerate()
                .map(|(i, &c)| {
                    let (upper, lower) = (&group[i].0, &sub[i]);
                    let t = if lower.is_empty() || norm(lower) == norm(upper) {
                        upper.clone()
                    } else if upper.is_empty() {
                        lower.clone()
                    } else {
                        format!("{upper}—{lower}")
                    };
                    (c, t)
                })
                .collect()
        }
    }
}

/// The codes of a two-row header with a code row (`(column, code)`), else nothing.
pub fn codes(cells: &Range<Data>, r: u32) -> Vec<(u32, String)> {
    let (Some(start), Some(end)) = (cells.start(), cells.end()) else { return vec![] };
    let cols: Vec<u32> = (start.1..=end.1).collect();
    let top: Vec<String> = cols.iter().map(|&c| text_at(cells, r, c)).collect();
    let sub: Vec<String> = cols.iter().map(|&c| text_at(cells, r + 1, c)).collect();
    let codes = if is_code_row(&sub) {
        sub
    } else if is_code_row(&top) {
        top
    } else {
        return vec![];
    };
    cols.into_iter().zip(codes).filter(|(_, t)| !t.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[&str]]) -> Range<Data> {
        let mut cells = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            for (c, t) in row.iter().enumerate() {
                if !t.is_empty() {
                    cells.push(calamine::Cell::new((r as u32, c as u32), Data::String(t.to_string())));
                }
            }
        }
        Range::from_sparse(cells)
    }

    #[test]
    fn code_rows_and_sub_labels() {
        let g = grid(&[&["序号", "您的性别", "参加过的活动", "参加过的活动"], &["id", "Q1", "Q2_1", "Q2_2"], &["1", "1", "1", "0"]]);
        assert_eq!(second_row(&g, 0), Some(Second::Codes));
        assert_eq!(combined(&g, 0, Second::Codes)[1].1, "您的性别");
        assert_eq!(codes(&g, 0)[2].1, "Q2_1");
        // Merged (filled) upper cells over labels; a whole question repeats its text.
        let g = grid(&[
            &["1、身份", "4、存在哪些问题", "4、存在哪些问题", "4、存在哪些问题"],
            &["1、身份", "会议多", "文件多", "检查多"],
            &["党政干部", "1", "", "1"],
        ]);
        assert_eq!(second_row(&g, 0), Some(Second::SubLabels));
        let c = combined(&g, 0, Second::SubLabels);
        assert_eq!(c[0].1, "1、身份");
        assert_eq!(c[2].1, "4、存在哪些问题—文件多");
        // A CSV leaves the merged cells empty.
        let g = grid(&[&["1、身份", "4、存在哪些问题", "", ""], &["", "会议多", "文件多", "检查多"]]);
        assert_eq!(second_row(&g, 0), Some(Second::SubLabels));
        // A title row above the header is no upper header row.
        let g = grid(&[&["区财政局调查汇总表", "", ""], &["序号", "您的身份", "您的看法"], &["1", "A", "B"]]);
        assert_eq!(second_row(&g, 0), None);
        // A data row of text answers is not a header row.
        let g = grid(&[&["1、身份", "2、单位", "3、看法"], &["党政干部", "区财政局", "机关"]]);
        assert_eq!(second_row(&g, 0), None);
    }
}
