//! The columns of a file as drafts of questions: which sheet and rows hold the answers,
//! what each header says (question number, matrix row, split option, fill-in part, panel
//! code, type hint), and how columns group into questions.
//!
//! Headers are first read one by one ([`ColHead`]), then grouped: consecutive columns
//! with one question number (or one panel code stem, or one `stem:` / `stem—` text) are
//! one question whose shape the group says — matrix rows (`22、题干—行1`, then bare row
//! labels or `22、行2`), split options (`第5题(选项)`, `3、(行)`, `21.题干:选项`,
//! `Q4_1`), fill-in parts (`3.你来自于：_填空1`), a cascade (one header repeated over
//! several columns) — or, when the texts differ, separate questions. Every draft gets a
//! distinct id later ([`super::ids`]).

use calamine::{Data, Range};

use super::sheets::{self, Codebook};
use crate::ingest::cells::blank;
use crate::ingest::header_rows::{self, Second};
use crate::ingest::platform::{self, other_fill_in, parse_numbered_header, parse_split_header, parse_sub_code, strip_type_suffix};
use crate::ingest::{cell_text, Workbook};
use crate::survey::Kind;
use crate::text::{norm, tidy};

/// Which option a written-text column belongs to.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum OtherOf {
    /// The k-th option (0-based).
    Index(usize),
    /// The option with this text.
    Label(String),
}

/// What one file says about one question.
#[derive(Debug, Clone, Default)]
pub(super) struct Draft {
    /// Order key: the question number, 10,000 + k for unnumbered columns.
    pub(super) number: u32,
    /// The id the file suggests (a panel code `Q4`, a part `Q3_1`); `None`: `Q<number>`.
    pub(super) id: Option<String>,
    pub(super) text: String,
    pub(super) required: bool,
    /// The kind the header's type suffix names (`(多选题)`, `(填空题 *必答)`, …).
    pub(super) hint: Option<Kind>,
    /// Whole-cell answers (one column), with the column index.
    pub(super) whole: Option<u32>,
    /// Further columns of a cascade under the same header (one combined answer).
    pub(super) extra: Vec<u32>,
    /// Matrix rows: (label, column).
    pub(super) rows: Vec<(String, u32)>,
    /// Split columns (`第N题(option)`, `N、(label)`, `N.题干:option`, `Q4_1`): (label, column).
    pub(super) split: Vec<(String, u32)>,
    /// Header texts the importer must recognise besides `N、text` and the id.
    pub(super) aliases: Vec<String>,
    /// The header a codebook or panel code names it by (`Q1`, `1`).
    pub(super) key: String,
    /// Columns of the text written beside an option: `Q3|A5|open` (option 5) or
    /// `3.题干:其他_填空` (the option named 其他).
    pub(super) others: Vec<(OtherOf, u32)>,
    /// The split columns are 问卷星's code-export form (`第N题(…)`, `N、(…)`).
    pub(super) paren: bool,
}

pub(super) struct FileDrafts<'a> {
    pub(super) cells: &'a Range<Data>,
    /// The (last) header row.
    pub(super) header_row: u32,
    /// The rows holding respondents.
    pub(super) rows: Vec<u32>,
    pub(super) drafts: Vec<Draft>,
    /// Whether question numbers came from the headers (问卷星) or column order.
    pub(super) numbered: bool,
    pub(super) seq_col: Option<u32>,
    /// A column naming the respondent's unit (单位, 所在单位, 部门).
    pub(super) unit_col: Option<String>,
    /// Platform metadata columns (编号, 答题时长, IP, …), not questions.
    pub(super) meta: Vec<String>,
    /// Metadata worth grouping by: (header, what it is: 省份, 城市, 来源渠道).
    pub(super) place: Vec<(String, &'static str)>,
    /// The sheet read.
    pub(super) sheet: String,
    /// A title written above the header.
    pub(super) title: Option<String>,
    pub(super) codebook: Option<Codebook>,
    /// What was left out or read specially, for the summary.
    pub(super) notes: Vec<String>,
    /// One header row, every row after it a respondent, the first sheet: scans made
    /// while reading apply.
    pub(super) plain: bool,
    /// A survey panel's export: a row of variable codes under (or over) the texts.
    pub(super) panel: bool,
}

/// The header row among the first 30: the row with the most distinct texts (a merged
/// title row has one).
pub(super) fn header_row(cells: &Range<Data>) -> Option<u32> {
    let (s, e) = (cells.start()?, cells.end()?);
    let mut best = (0usize, s.0);
    for r in s.0..=e.0.min(s.0 + 30) {
        let distinct: std::collections::HashSet<String> = (s.1..=e.1)
            .filter_map(|c| match cells.get_value((r, c)) {
                Some(Data::String(t)) if !t.trim().is_empty() && t.trim().parse::<f64>().is_err() => Some(norm(t)),
                _ => None,
            })
            .collect();
        // Questions headed by their numbers only (`序号 | 1 | 2 | 3 …`, paper entry): the run
        // of 1, 2, 3 … counts as that many headers.
        let score = distinct.len().max(numbered_run(cells, r));
        if score > best.0 {
            best = (score, r);
        }
    }
    (best.0 > 0).then_some(best.1)
}

/// The longest run of adjacent cells holding 1, 2, 3 … (three at least), else 0.
fn numbered_run(cells: &Range<Data>, r: u32) -> usize {
    let (Some(s), Some(e)) = (cells.start(), cells.end()) else { return 0 };
    let (mut best, mut run) = (0usize, 0usize);
    for c in s.1..=e.1 {
        let k = cells.get_value((r, c)).and_then(crate::ingest::cells::int_of);
        run = match k {
            Some(k) if k == run as i64 + 1 => run + 1,
            Some(1) => 1,
            _ => 0,
        };
        best = best.max(run);
    }
    if best >= 3 {
        best
    } else {
        0
    }
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

/// One header cell, read on its own.
#[derive(Debug, Clone)]
struct ColHead {
    col: u32,
    raw: String,
    /// The question number (`N、`, `第N题(…)`, `N、(…)`).
    number: Option<u32>,
    /// Text after the number (type suffix removed), or the whole header.
    text: String,
    required: bool,
    hint: Option<Kind>,
    /// A label in brackets (`第5题(选项)`, `3、(行)`).
    paren: Option<String>,
    /// A panel code (`Q4_1`, `Q1`) from a code header row.
    code: Option<String>,
}

fn read_head(col: u32, raw: &str, code: Option<String>) -> ColHead {
    let raw = tidy(raw);
    // A header that is itself a code (`Q1`, `Q3|A1`: 问卷网's English headers).
    let code = code.or_else(|| platform::is_code(&raw).then(|| raw.clone()));
    if let Some((n, label)) = parse_split_header(&raw) {
        return ColHead { col, number: Some(n), text: String::new(), required: false, hint: None, paren: Some(label), code, raw };
    }
    if let Some(h) = parse_numbered_header(&raw) {
        let hint = h.kind_hint.as_deref().and_then(hint_kind);
        return ColHead { col, number: Some(h.number), text: h.text, required: h.required, hint, paren: None, code, raw };
    }
    // A bare number (`1`, `2`: questions headed by their numbers only).
    if !raw.is_empty() && raw.len() <= 3 && raw.bytes().all(|b| b.is_ascii_digit()) {
        return ColHead { col, number: raw.parse().ok(), text: String::new(), required: false, hint: None, paren: None, code, raw };
    }
    let (text, required, hint) = strip_type_suffix(&raw);
    ColHead { col, number: None, text, required, hint: hint.as_deref().and_then(hint_kind), paren: None, code, raw }
}

/// `stem—label` or `stem:label` / `stem：label`: the stem and the label.
fn stem_label(t: &str) -> Option<(String, String)> {
    let (p, sep) = match t.rfind('—') {
        Some(p) => (p, '—'.len_utf8()),
        None => {
            let p = t.rfind([':', '：'])?;
            (p, t[p..].chars().next()?.len_utf8())
        }
    };
    let (l, r) = (t[..p].trim_end_matches('—').trim(), t[p + sep..].trim());
    // The type suffix may stand after the question part: `6、题干(矩阵单选题)—行`.
    let l = strip_type_suffix(l).0;
    (!l.is_empty() && !r.is_empty()).then(|| (l, r.to_string()))
}

/// `题干_填空2` (腾讯问卷 fill-in blanks of one question): the stem and the blank's number.
fn fill_in(t: &str) -> Option<(String, u32)> {
    let p = t.rfind("_填空")?;
    let k = t[p + "_填空".len()..].trim();
    let k: u32 = if k.is_empty() { 1 } else { k.parse().ok()? };
    Some((t[..p].trim().to_string(), k))
}

/// Header cells as `(column, text)`.
type Texts = Vec<(u32, String)>;

/// The headers of the answer sheet and the panel codes, with the last header row and the
/// kind of the second header row.
fn headers_of(cells: &Range<Data>, hr: u32) -> (Texts, Texts, u32, Option<Second>) {
    let (Some(s), Some(e)) = (cells.start(), cells.end()) else { return (vec![], vec![], hr, None) };
    // The row found may be the lower row of two (its merged cells repeat the upper one's).
    let pair = header_rows::second_row(cells, hr)
        .map(|k| (hr, k))
        .or_else(|| (hr > s.0).then(|| header_rows::second_row(cells, hr - 1).map(|k| (hr - 1, k))).flatten());
    match pair {
        Some((top, second)) => (header_rows::combined(cells, top, second), header_rows::codes(cells, top), top + 1, Some(second)),
        None => {
            let heads = (s.1..=e.1).map(|c| (c, tidy(&cells.get_value((hr, c)).map(cell_text).unwrap_or_default()))).collect();
            (heads, vec![], hr, None)
        }
    }
}

pub(super) fn drafts_of(wb: &Workbook) -> Option<FileDrafts<'_>> {
    let (si, codebook) = sheets::pick(wb)?;
    let sheet = &wb.sheets[si];
    let cells = &sheet.cells;
    let hr = header_row(cells)?;
    let (headers, codes, last_header, second) = headers_of(cells, hr);
    let (rows, mut notes) = sheets::data_rows(cells, last_header, &headers);
    let end = cells.end().map(|e| e.0).unwrap_or(0);
    let plain = si == 0 && second.is_none() && rows.len() as u32 == end.saturating_sub(last_header);
    match second {
        Some(Second::Codes) => notes.push(format!("第 {} 行是题目编码（两行表头），不是答卷", last_header + 1)),
        Some(Second::SubLabels) => notes.push(format!("第 {}–{} 行是两行表头（合并单元格下的选项或小题）", last_header, last_header + 1)),
        None => {}
    }
    if let Some(b) = &codebook {
        notes.push(format!("工作表“{}”是编码表：选项文字从中读取，它的各行不是答卷", b.sheet));
    }
    for (i, other) in wb.sheets.iter().enumerate() {
        if i != si && !other.cells.is_empty() && codebook.as_ref().is_none_or(|b| b.sheet != other.name) {
            notes.push(format!("工作表“{}”不是答卷表（答卷在“{}”），未用于推断", other.name, sheet.name));
        }
    }
    let code_of = |c: u32| codes.iter().find(|(k, _)| *k == c).map(|(_, t)| t.clone());
    let heads: Vec<ColHead> = headers.iter().map(|(c, h)| read_head(*c, h, code_of(*c))).collect();
    let numbered = heads.iter().any(|h| h.number.is_some());
    let mut f = FileDrafts {
        cells,
        header_row: last_header,
        rows,
        drafts: Vec::new(),
        numbered,
        seq_col: None,
        unit_col: None,
        meta: Vec::new(),
        place: Vec::new(),
        sheet: sheet.name.clone(),
        title: sheets::title_row(cells, hr.min(last_header.saturating_sub(u32::from(second.is_some())))),
        codebook,
        notes,
        plain,
        panel: second == Some(Second::Codes) || header_rows::is_code_row(&headers.iter().map(|(_, h)| h.clone()).collect::<Vec<_>>()),
    };
    let questions: Vec<ColHead> = heads.into_iter().filter(|h| !take_meta(&mut f, h)).collect();
    let raw: std::collections::HashMap<u32, String> = questions.iter().map(|h| (h.col, h.raw.clone())).collect();
    group(&mut f, questions);
    separate_open_parts(&mut f, &raw);
    (!f.drafts.is_empty()).then_some(f)
}

/// A matrix or split group whose cells are multi-selects (`┋`, 问卷星's 矩阵多选题), free
/// text (矩阵填空题, 多项填空题) or amounts (矩阵滑动条, 比重题: numbers past a rating's range)
/// is one question per column (`Q7_1`, `Q7_2`, …), each found by its header.
fn separate_open_parts(f: &mut FileDrafts, raw: &std::collections::HashMap<u32, String>) {
    let mut out = Vec::with_capacity(f.drafts.len());
    for d in std::mem::take(&mut f.drafts) {
        let parts: &[(String, u32)] = if d.rows.is_empty() { &d.split } else { &d.rows };
        if parts.len() < 2
            || d.paren && parts.iter().all(|(_, c)| column_values(f, *c).iter().all(|(_, v)| crate::ingest::cells::int_of(v).is_some()))
        {
            out.push(d);
            continue;
        }
        let values: Vec<&Data> = parts.iter().flat_map(|(_, c)| column_values(f, *c)).map(|(_, v)| v).collect();
        let texts: Vec<String> = values.iter().map(|v| cell_text(v)).collect();
        let multi = texts.iter().any(|t| t.contains('┋'));
        let distinct: std::collections::HashSet<&str> = texts.iter().map(|t| t.as_str()).collect();
        let numeric =
            values.iter().all(|v| crate::ingest::cells::number(v).is_some() || crate::text::parse_points(&cell_text(v)).is_some());
        let open = !numeric && (distinct.len() > 15 || texts.iter().filter(|t| t.chars().count() > 16).count() * 10 > texts.len().max(1));
        // Sliders and constant sums (0–100 per row) are numbers, not a rating scale.
        let amounts = numeric && values.iter().filter_map(|v| crate::ingest::cells::number(v)).any(|x| x > 15.0 || x.fract() != 0.0);
        if !(multi || open || amounts) {
            out.push(d);
            continue;
        }
        for (k, (label, col)) in parts.iter().enumerate() {
            let id = (d.number < 10_000).then(|| format!("Q{}_{}", d.number, k + 1));
            let mut p = Draft {
                number: d.number,
                id,
                text: format!("{}—{label}", d.text),
                required: d.required,
                whole: Some(*col),
                ..Default::default()
            };
            p.aliases.push(label.clone());
            if let Some(h) = raw.get(col) {
                p.aliases.push(h.clone());
            }
            out.push(p);
        }
    }
    f.drafts = out;
}

/// Records a metadata column (or the unit column); true when the column is one.
fn take_meta(f: &mut FileDrafts, h: &ColHead) -> bool {
    if h.raw.is_empty() {
        return true;
    }
    let m = platform::meta(&h.raw).or_else(|| h.code.as_deref().and_then(platform::meta));
    if let Some(m) = m {
        if m == platform::Meta::Seq && f.seq_col.is_none() {
            f.seq_col = Some(h.col);
        }
        if let Some(kind) = platform::banner_meta(&h.raw) {
            f.place.push((h.raw.clone(), kind));
        }
        f.meta.push(h.raw.clone());
        return true;
    }
    if f.unit_col.is_none() && ["单位", "所在单位", "单位名称", "部门", "所在部门"].contains(&norm(&h.raw).as_str()) {
        f.unit_col = Some(h.raw.clone());
        return true;
    }
    false
}

/// The key grouping consecutive columns into one question: the question number, else the
/// panel code's stem, else the stem of a `stem—label` / `stem:label` text.
fn group_key(h: &ColHead) -> Option<String> {
    if let Some(n) = h.number {
        return Some(format!("#{n}"));
    }
    if let Some((stem, _, _)) = h.code.as_deref().and_then(parse_sub_code) {
        return Some(format!("@{stem}"));
    }
    if let Some(c) = &h.code {
        return Some(format!("@{}", norm(c)));
    }
    stem_label(&h.text).map(|(s, _)| format!("~{}", norm(&s)))
}

/// Groups the question columns and makes the drafts.
fn group(f: &mut FileDrafts, heads: Vec<ColHead>) {
    let mut plain_n = 0u32;
    let mut i = 0;
    while i < heads.len() {
        let key = group_key(&heads[i]);
        let mut j = i + 1;
        while j < heads.len() && (key.is_some() && group_key(&heads[j]) == key || continues_matrix(&heads[i..j], &heads[j])) {
            j += 1;
        }
        let g = &heads[i..j];
        let number = match g[0].number {
            Some(n) => n,
            None => {
                plain_n += 1;
                if f.numbered {
                    10_000 + plain_n
                } else {
                    plain_n
                }
            }
        };
        for d in drafts_of_group(g, number) {
            f.drafts.push(d);
        }
        i = j;
    }
}

/// A bare header after a matrix's first column (`22、题干—行1`, then `行2`): its next row;
/// rows numbered in their headers (`…—1.三会一课`, `2.主题党日`) continue by number.
fn continues_matrix(group: &[ColHead], next: &ColHead) -> bool {
    let first = &group[0];
    let matrix = first.number.is_some() && first.paren.is_none() && first.text.contains('—') && fill_in(&first.text).is_none();
    let numbered_rows = stem_label(&first.text).is_some_and(|(_, l)| platform::strip_row_number(&l).is_some_and(|(k, _)| k == 1));
    if matrix && numbered_rows && next.code.is_none() {
        return platform::strip_row_number(&next.raw).is_some_and(|(k, _)| k as usize == group.len() + 1);
    }
    // A bare label (no number of its own, or a lower number than the matrix's: row labels
    // may be numbered `1.按时召开`), not metadata, no code of another question.
    matrix
        && next.code.is_none()
        && match next.number {
            None => stem_label(&next.text).is_none(),
            Some(n) => next.paren.is_none() && first.number.is_some_and(|m| n < m) && stem_label(&next.text).is_none(),
        }
}

fn draft(number: u32, h: &ColHead) -> Draft {
    // `6、题干(矩阵单选题 *必答)—行`: the suffix before the row label counts too.
    let (required, hint) = match h.text.rfind('—') {
        Some(p) => {
            let (_, req, hint) = strip_type_suffix(&h.text[..p]);
            (h.required || req, h.hint.or(hint.as_deref().and_then(hint_kind)))
        }
        None => (h.required, h.hint),
    };
    let mut d = Draft { number, text: h.text.clone(), required, hint, key: h.code.clone().unwrap_or_default(), ..Default::default() };
    // A header that is only the question's number is found by that text.
    if h.text.is_empty() && h.paren.is_none() && !h.raw.is_empty() && h.raw.bytes().all(|b| b.is_ascii_digit()) {
        d.key = h.raw.clone();
        d.aliases.push(h.raw.clone());
    }
    d
}

/// The drafts one group of columns makes (usually one): the first shape that fits.
fn drafts_of_group(g: &[ColHead], number: u32) -> Vec<Draft> {
    let d = draft(number, &g[0]);
    let is_sub = |h: &ColHead| h.paren.is_some() || h.code.as_deref().and_then(parse_sub_code).is_some();
    if g.len() == 1 && !is_sub(&g[0]) {
        return vec![one_column(d, &g[0])];
    }
    if g.iter().all(is_sub) {
        return vec![split_group(d, g)];
    }
    if g.iter().all(|h| fill_in(&h.text).is_some()) {
        return fill_in_parts(g, number);
    }
    // One header over several columns: a cascade, one combined answer.
    if g.iter().all(|h| norm(&h.text) == norm(&g[0].text)) {
        let mut d = d;
        d.whole = Some(g[0].col);
        d.extra = g[1..].iter().map(|h| h.col).collect();
        return vec![d];
    }
    let mut d = d;
    if stem_group(&mut d, g) {
        return vec![d];
    }
    if let Some(d) = whole_with_other_text(d, g) {
        return vec![d];
    }
    // Different texts under one number: separate questions.
    g.iter()
        .enumerate()
        .map(|(k, h)| {
            let mut p = draft(number, h);
            if k > 0 {
                p.id = Some(format!("Q{number}_{}", k + 1));
                p.aliases.push(h.text.clone());
            }
            p.whole = Some(h.col);
            p
        })
        .collect()
}

/// One column: a whole question, or a matrix with one row (`5、题干—行`).
fn one_column(mut d: Draft, first: &ColHead) -> Draft {
    match stem_label(&first.text).filter(|_| first.text.contains('—')) {
        Some((stem, label)) if first.number.is_some() && fill_in(&first.text).is_none() && label.chars().count() <= 30 => {
            d.text = stem;
            d.rows.push((label, first.col));
        }
        _ => d.whole = Some(first.col),
    }
    if first.number.is_none() && first.code.is_none() {
        d.id = None;
    }
    d
}

/// Split columns: `第5题(选项)`, `3、(行)`, panel codes `Q4_1` (`Q3|A5|open`: the text
/// written beside option 5).
fn split_group(mut d: Draft, g: &[ColHead]) -> Draft {
    let first = &g[0];
    let stem_text = common_stem(g);
    d.paren = g.iter().all(|h| h.paren.is_some());
    d.text = if stem_text.is_empty() { first.text.clone() } else { stem_text.clone() };
    if let Some((stem, _, _)) = first.code.as_deref().and_then(parse_sub_code) {
        d.key = stem.to_uppercase();
    }
    for h in g {
        if let Some((_, k, true)) = h.code.as_deref().and_then(parse_sub_code) {
            d.others.push((OtherOf::Index(k - 1), h.col));
            continue;
        }
        let label = match &h.paren {
            Some(l) => l.clone(),
            None => sub_label(&h.text, &stem_text).unwrap_or_else(|| h.code.clone().unwrap_or_default()),
        };
        d.split.push((label, h.col));
    }
    d
}

/// Fill-in parts of one question (`3.你来自于：_填空1`, `_填空2`): one question each.
fn fill_in_parts(g: &[ColHead], number: u32) -> Vec<Draft> {
    g.iter()
        .map(|h| {
            let (stem, k) = fill_in(&h.text).unwrap_or_default();
            let mut p = draft(number, h);
            p.id = Some(format!("Q{number}_{k}"));
            p.text = format!("{}（填空{k}）", stem.trim_end_matches(['：', ':']));
            p.aliases.push(h.text.clone());
            p.whole = Some(h.col);
            p
        })
        .collect()
}

/// Matrix rows or split options under one stem: `22、题干—行1` then `行2` or `22、行2`;
/// `21.题干:选项` (腾讯问卷's multi-select, with `题干:其他_填空` beside 其他); `题干—行`
/// without a number. False (and `d` untouched) when the group is not of that shape.
fn stem_group(d: &mut Draft, g: &[ColHead]) -> bool {
    let first = &g[0];
    let Some(stem) = stem_label(&first.text).map(|(s, _)| s) else { return false };
    let Some(mut parts) = stem_labels(g, &stem) else { return false };
    let labels: Vec<String> = parts.iter().map(|(l, _)| norm(l)).collect();
    parts.retain(|(l, c)| match other_fill_in(l) {
        Some(o) if labels.contains(&norm(o)) => {
            d.others.push((OtherOf::Label(o.to_string()), *c));
            false
        }
        _ => true,
    });
    d.text = stem;
    let colon = first.text.rfind('—').is_none();
    // Rows numbered in their headers (`…—1.三会一课`, `2.主题党日`): labels without numbers.
    if !colon && parts.first().and_then(|(l, _)| platform::strip_row_number(l)).is_some_and(|(k, _)| k == 1) {
        for (l, _) in parts.iter_mut() {
            if let Some((_, r)) = platform::strip_row_number(l) {
                *l = r.to_string();
            }
        }
    }
    d.hint = g.iter().find_map(|h| h.hint).or(d.hint);
    if colon {
        d.split = parts;
    } else {
        d.rows = parts;
    }
    true
}

/// Each column's label under `stem` (its own `stem—label`, a bracketed label, or the text
/// after the stem); `None` when the first column has none.
fn stem_labels(g: &[ColHead], stem: &str) -> Option<Vec<(String, u32)>> {
    g.iter()
        .enumerate()
        .map(|(k, h)| {
            let l = match stem_label(&h.text) {
                Some((hs, l)) if norm(&hs) == norm(stem) => l,
                _ if k > 0 && h.paren.is_some() => h.paren.clone().unwrap_or_default(),
                _ if k > 0 => h
                    .text
                    .strip_prefix(stem)
                    .map(|x| tidy(x.trim_start_matches(['—', ':', '：'])))
                    .filter(|x| !x.is_empty())
                    .unwrap_or_else(|| h.text.clone()),
                _ => return None,
            };
            Some((l, h.col))
        })
        .collect()
}

/// A whole question and the text written beside one of its options (`5.您的职业`,
/// `5.您的职业:其他_填空`).
fn whole_with_other_text(mut d: Draft, g: &[ColHead]) -> Option<Draft> {
    let first = &g[0];
    let other_text = |h: &ColHead| stem_label(&h.text).is_some_and(|(s, l)| norm(&s) == norm(&first.text) && other_fill_in(&l).is_some());
    if first.paren.is_some() || !g[1..].iter().all(other_text) {
        return None;
    }
    d.whole = Some(first.col);
    for h in &g[1..] {
        if let Some((_, l)) = stem_label(&h.text) {
            d.others.push((OtherOf::Label(other_fill_in(&l).unwrap_or_default().to_string()), h.col));
        }
    }
    Some(d)
}

/// The longest common beginning of a group's texts, cut back to a whole word-ish
/// boundary (a separator), without trailing separators.
fn common_stem(g: &[ColHead]) -> String {
    let texts: Vec<&str> = g.iter().map(|h| h.text.as_str()).filter(|t| !t.is_empty()).collect();
    let Some(first) = texts.first() else { return String::new() };
    let mut n = first.len();
    for t in &texts[1..] {
        n = first
            .char_indices()
            .zip(t.char_indices())
            .take_while(|((_, a), (_, b))| a == b)
            .map(|((i, a), _)| i + a.len_utf8())
            .last()
            .unwrap_or(0)
            .min(n);
    }
    if texts.len() == 1 {
        return stem_label(first).map(|(s, _)| s).unwrap_or_else(|| first.to_string());
    }
    let stem = &first[..n];
    let cut = stem.rfind(['—', ':', '：', '-', '_', '(', '（', '|']).map(|p| &stem[..p]).unwrap_or(stem);
    tidy(cut.trim_end_matches(['—', ':', '：', '-', '_', '(', '（', '|']))
}

/// A column's own label after the group's stem (`题干—会议` → 会议), or its whole text.
fn sub_label(text: &str, stem: &str) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    let rest = text.strip_prefix(stem).unwrap_or(text);
    let rest = tidy(rest.trim_start_matches(['—', ':', '：', '-', '_', '(', '（', '|']).trim_end_matches([')', '）']));
    Some(if rest.is_empty() { text.to_string() } else { rest })
}

/// Every non-blank answer of column `c`, on the respondent rows.
pub(super) fn column_values<'a>(f: &FileDrafts<'a>, c: u32) -> Vec<(u32, &'a Data)> {
    let cells = f.cells;
    f.rows.iter().filter_map(|&r| cells.get_value((r, c)).map(|d| (r, d))).filter(|(_, d)| blank(d).is_none()).collect()
}

/// A cascade's answers: its columns' parts joined with `/`, per respondent.
pub(super) fn joined_values(f: &FileDrafts, cols: &[u32]) -> Vec<Data> {
    f.rows
        .iter()
        .filter_map(|&r| {
            let parts: Vec<String> = cols
                .iter()
                .filter_map(|&c| f.cells.get_value((r, c)))
                .filter(|d| blank(d).is_none())
                .map(cell_text)
                .map(|t| tidy(&t))
                .collect();
            (!parts.is_empty()).then(|| Data::String(parts.join("/")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heads(hs: &[&str]) -> Vec<ColHead> {
        hs.iter().enumerate().map(|(i, h)| read_head(i as u32, h, None)).collect()
    }

    fn drafts(hs: &[&str]) -> Vec<Draft> {
        let cells = Range::from_sparse(vec![]);
        let mut f = FileDrafts {
            cells: &cells,
            header_row: 0,
            rows: vec![],
            drafts: vec![],
            numbered: true,
            seq_col: None,
            unit_col: None,
            meta: vec![],
            place: vec![],
            sheet: String::new(),
            title: None,
            codebook: None,
            notes: vec![],
            plain: true,
            panel: false,
        };
        group(&mut f, heads(hs));
        f.drafts
    }

    #[test]
    fn matrix_forms() {
        // Stem on the first column only, then bare row labels.
        let d = drafts(&["21、您的身份", "22、题干—行1", "行2", "行3", "行4", "23、下一题"]);
        assert_eq!(d.len(), 3);
        assert_eq!(d[1].rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["行1", "行2", "行3", "行4"]);
        // The number repeated on each row column.
        let d = drafts(&["7、题干—行1", "7、行2", "7、行3"]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].rows.len(), 3);
        assert_eq!(d[0].rows[2].0, "行3");
        // Code export: `3、(行)` under one number.
        let d = drafts(&["3、(三会一课)", "3、(主题党日)", "4、(价格)", "4、(外观)"]);
        assert_eq!((d.len(), d[0].split.len(), d[1].split[1].0.as_str()), (2, 2, "外观"));
    }

    #[test]
    fn platform_forms() {
        // 腾讯问卷: multi-select options after a colon; fill-in blanks; a cascade.
        let d = drafts(&[
            "21.您参加过哪些活动？:会议",
            "21.您参加过哪些活动？:学习",
            "3.你来自于：_填空1",
            "3.你来自于：_填空2",
            "5.所在地区",
            "5.所在地区",
        ]);
        assert_eq!(d[0].split.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(), ["会议", "学习"]);
        assert_eq!(d[0].text, "您参加过哪些活动？");
        assert_eq!((d[1].id.as_deref(), d[2].id.as_deref()), (Some("Q3_1"), Some("Q3_2")));
        assert_eq!(d[3].extra.len(), 1);
        // Same text under different numbers stays two questions; different texts under
        // one number get distinct ids.
        let d = drafts(&["10.附件", "11.附件", "12.甲", "12.乙"]);
        assert_eq!(d.len(), 4);
        assert_eq!(d[3].id.as_deref(), Some("Q12_2"));
    }
}
