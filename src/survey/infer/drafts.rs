//! The columns of a file as drafts of questions: the header row, what each header says
//! (numbered question, matrix row, split option, type hint), and each column's values.

use calamine::{Data, Range};

use crate::ingest::cells::blank;
use crate::ingest::{cell_text, Workbook};
use crate::survey::Kind;
use crate::ingest::platform::{parse_numbered_header, parse_split_header};
use crate::text::{norm, tidy};

/// What one file says about one question.
#[derive(Debug, Clone)]
pub(super) struct Draft {
    pub(super) number: u32,
    pub(super) text: String,
    pub(super) required: bool,
    /// The kind the header's type suffix names (`(多选题)`, `(填空题 *必答)`, …).
    pub(super) hint: Option<Kind>,
    /// Whole-cell answers (one column), with the column index.
    pub(super) whole: Option<u32>,
    /// Matrix rows: (label, column).
    pub(super) rows: Vec<(String, u32)>,
    /// Split columns `第N题(option)`: (option, column).
    pub(super) split: Vec<(String, u32)>,
}

pub(super) struct FileDrafts<'a> {
    pub(super) cells: &'a Range<Data>,
    pub(super) header_row: u32,
    pub(super) drafts: Vec<Draft>,
    /// Whether question numbers came from the headers (问卷星) or column order.
    pub(super) numbered: bool,
    pub(super) seq_col: Option<u32>,
    /// A column naming the respondent's unit (单位, 所在单位, 部门).
    pub(super) unit_col: Option<String>,
    /// Platform metadata columns (编号, 答题时长, IP, …), not questions.
    pub(super) meta: Vec<String>,
    /// The sheet read (the first with cells).
    pub(super) sheet: String,
}

pub(super) fn header_row(cells: &Range<Data>) -> Option<u32> {
    let (s, e) = (cells.start()?, cells.end()?);
    let mut best = (0usize, s.0);
    for r in s.0..=e.0.min(s.0 + 10) {
        let n = (s.1..=e.1)
            .filter(|c| matches!(cells.get_value((r, *c)), Some(Data::String(t)) if !t.trim().is_empty()))
            .count();
        // The header has more distinct labels than a merged title row.
        let distinct: std::collections::HashSet<String> = (s.1..=e.1)
            .filter_map(|c| cells.get_value((r, c)).map(cell_text))
            .filter(|t| !t.trim().is_empty())
            .collect();
        let n = n.min(distinct.len());
        if n > best.0 {
            best = (n, r);
        }
    }
    (best.0 > 0).then_some(best.1)
}

/// The kind a 问卷星 type suffix names.
pub(super) fn hint_kind(h: &str) -> Option<Kind> {
    Some(match h {
        "矩阵" => Kind::Matrix,
        "多选" => Kind::Multi,
        "排序" => Kind::Rank,
        "量表" => Kind::Scale,
        "填空" => Kind::Text,
        "单选" | "下拉" => Kind::Single,
        _ => return None,
    })
}

pub(super) fn drafts_of(wb: &Workbook) -> Option<FileDrafts<'_>> {
    let sheet = wb.sheets.iter().find(|s| !s.cells.is_empty())?;
    let cells = &sheet.cells;
    let hr = header_row(cells)?;
    let (s, e) = (cells.start()?, cells.end()?);
    let headers: Vec<(u32, String)> = (s.1..=e.1)
        .map(|c| (c, tidy(&cells.get_value((hr, c)).map(cell_text).unwrap_or_default())))
        .collect();
    let numbered = headers.iter().any(|(_, h)| parse_numbered_header(h).is_some() || parse_split_header(h).is_some());
    let mut drafts: Vec<Draft> = Vec::new();
    let mut seq_col = None;
    let mut unit_col = None;
    let mut in_matrix = false;
    let mut plain_n = 0;
    let mut meta_cols: Vec<String> = Vec::new();
    for (c, h) in headers {
        if h.is_empty() {
            in_matrix = false;
            continue;
        }
        let n = norm(&h);
        if let Some(m) = crate::ingest::platform::meta(&h) {
            if m == crate::ingest::platform::Meta::Seq && seq_col.is_none() {
                seq_col = Some(c);
            }
            meta_cols.push(h.clone());
            in_matrix = false;
            continue;
        }
        let new = |number, text: String, required| Draft { number, text, required, hint: None, whole: None, rows: vec![], split: vec![] };
        if let Some((num, opt)) = parse_split_header(&h) {
            in_matrix = false;
            match drafts.iter_mut().find(|d| d.number == num) {
                Some(d) => d.split.push((opt, c)),
                None => {
                    let mut d = new(num, format!("第{num}题"), false);
                    d.split.push((opt, c));
                    drafts.push(d);
                }
            }
            continue;
        }
        if numbered {
            if let Some(hd) = parse_numbered_header(&h) {
                let hint = hd.kind_hint.as_deref().and_then(hint_kind);
                if let Some(p) = hd.text.rfind('—') {
                    // The type suffix may stand after the question part too: `6、text(矩阵单选题)—row`.
                    let (q, req2, hint2) = crate::ingest::platform::strip_type_suffix(hd.text[..p].trim_end_matches('—'));
                    let row = tidy(&hd.text[p + '—'.len_utf8()..]);
                    let mut d = new(hd.number, q, hd.required || req2);
                    d.hint = hint.or(hint2.as_deref().and_then(hint_kind));
                    d.rows.push((row, c));
                    drafts.push(d);
                    in_matrix = true;
                } else {
                    let mut d = new(hd.number, hd.text, hd.required);
                    d.hint = hint;
                    d.whole = Some(c);
                    drafts.push(d);
                    in_matrix = false;
                }
                continue;
            }
            if in_matrix {
                drafts.last_mut().unwrap().rows.push((h, c));
                continue;
            }
        }
        if unit_col.is_none() && ["单位", "所在单位", "单位名称", "部门", "所在部门"].contains(&n.as_str()) {
            unit_col = Some(h.clone());
            in_matrix = false;
            continue;
        }
        plain_n += 1;
        let number = if numbered { 10_000 + plain_n } else { plain_n };
        let (text, required, hint) = crate::ingest::platform::strip_type_suffix(&h);
        let mut d = new(number, text, required);
        d.hint = hint.as_deref().and_then(hint_kind);
        d.whole = Some(c);
        drafts.push(d);
    }
    if drafts.is_empty() {
        return None;
    }
    Some(FileDrafts { cells, header_row: hr, drafts, numbered, seq_col, unit_col, meta: meta_cols, sheet: sheet.name.clone() })
}

pub(super) fn column_values<'a>(f: &FileDrafts<'a>, c: u32) -> Vec<(u32, &'a Data)> {
    let end = f.cells.end().map(|e| e.0).unwrap_or(0);
    let cells = f.cells;
    (f.header_row + 1..=end)
        .filter_map(|r| cells.get_value((r, c)).map(|d| (r, d)))
        .filter(|(_, d)| blank(d).is_none())
        .collect()
}

