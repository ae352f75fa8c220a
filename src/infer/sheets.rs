//! Which sheet of a workbook holds the answers, which of its rows are respondents, and
//! what a codebook sheet says.
//!
//! Hand-entered paper questionnaires (纸质问卷录入) come as a workbook with a codebook
//! sheet (question, option number, option text) and a data sheet of option numbers, often
//! with tally blocks (统计, 合计, counts per option) under the data or on other sheets.
//! The data sheet is the one with the most answer-like cells; the codebook gives the
//! options their labels; tally blocks, repeated header rows and code rows are never
//! respondents.

use calamine::{Data, Range};

use crate::ingest::{cell_text, Workbook};
use crate::text::{norm, tidy};

/// One question of a codebook sheet: how the data sheet may name it, and its options.
#[derive(Debug, Clone, Default)]
pub(crate) struct CodeQuestion {
    /// `Q1`, `A3`, `1`: as written in the codebook's first cell.
    pub key: String,
    pub number: Option<u32>,
    pub text: String,
    /// (code, label) in the codebook's order.
    pub options: Vec<(i64, String)>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Codebook {
    pub sheet: String,
    pub questions: Vec<CodeQuestion>,
}

impl Codebook {
    /// The codebook entry for a data column headed `header` (`Q1`, `1`, `1、性别`, `性别`).
    pub(crate) fn find(&self, header: &str, number: Option<u32>, text: &str) -> Option<&CodeQuestion> {
        let h = norm(header);
        let t = norm(text);
        self.questions
            .iter()
            .find(|q| !q.key.is_empty() && norm(&q.key) == h)
            .or_else(|| self.questions.iter().find(|q| !t.is_empty() && norm(&q.text) == t))
            .or_else(|| self.questions.iter().find(|q| !q.text.is_empty() && norm(&q.text) == h))
            .or_else(|| number.and_then(|n| self.questions.iter().find(|q| q.number == Some(n))))
    }
}

fn row_texts(cells: &Range<Data>, r: u32) -> Vec<(u32, String)> {
    let (Some(s), Some(e)) = (cells.start(), cells.end()) else { return vec![] };
    (s.1..=e.1).filter_map(|c| cells.get_value((r, c)).map(cell_text).map(|t| tidy(&t)).filter(|t| !t.is_empty()).map(|t| (c, t))).collect()
}

/// A code and its label in one cell: `1=男`, `1.男`, `1、男`, `(1)男`, `①男`; or several
/// of them (`1=男；2=女`, `1.男 2.女`).
fn pairs_in_text(t: &str) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    let circled = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳";
    let t = t.replace(['；', ';', '，', ',', '\n', '\r'], " ");
    let mut tokens: Vec<String> = Vec::new();
    // Split before every code that starts a pair.
    let chars: Vec<char> = t.chars().collect();
    let mut cur = String::new();
    for (i, &ch) in chars.iter().enumerate() {
        let starts_code = (ch.is_ascii_digit()
            && (i == 0 || !chars[i - 1].is_ascii_digit())
            && (i == 0 || chars[i - 1] == ' ' || chars[i - 1] == '(' || chars[i - 1] == '（'))
            || circled.contains(ch)
            || ((ch == '(' || ch == '（') && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()));
        if starts_code && !cur.trim().is_empty() {
            tokens.push(std::mem::take(&mut cur));
        }
        cur.push(ch);
    }
    if !cur.trim().is_empty() {
        tokens.push(cur);
    }
    for tok in tokens {
        let tok = tok.trim();
        if let Some(pos) = circled.chars().position(|c| tok.starts_with(c)) {
            let label = tidy(&tok[tok.chars().next().map_or(0, |c| c.len_utf8())..]);
            if !label.is_empty() {
                out.push((pos as i64 + 1, label));
            }
            continue;
        }
        let body = tok.trim_start_matches(['(', '（']);
        let digits: String = body.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() || digits.len() > 3 {
            continue;
        }
        let rest = body[digits.len()..].trim_start_matches([')', '）']).trim_start();
        let Some(rest) = rest
            .strip_prefix(['=', '.', '、', '．', ':', '：', '-', '—'])
            .or((body.len() > digits.len() && body[digits.len()..].starts_with([')', '）'])).then_some(rest))
        else {
            continue;
        };
        let label = tidy(rest);
        if !label.is_empty() && !label.chars().all(|c| c.is_ascii_digit()) {
            out.push((digits.parse().unwrap_or(0), label));
        }
    }
    out
}

/// The question a codebook cell names: `Q1`, `A3`, `1`, `1、`, `第1题` (key, number).
fn question_key(t: &str) -> Option<(String, Option<u32>)> {
    let n = norm(t);
    let n = n.trim_end_matches(['、', '.', ':', '：']);
    if crate::ingest::platform::is_code(n) && !n.contains(['_', '|']) {
        let digits: String = n.chars().skip_while(|c| !c.is_ascii_digit()).collect();
        return Some((tidy(t).trim_end_matches(['、', '.', ':', '：']).to_string(), digits.parse().ok()));
    }
    let inner = n.strip_prefix('第').and_then(|x| x.strip_suffix('题')).unwrap_or(n);
    (!inner.is_empty() && inner.len() <= 3 && inner.chars().all(|c| c.is_ascii_digit())).then(|| (tidy(t).to_string(), inner.parse().ok()))
}

/// Reads a codebook sheet: rows naming a question (key and text), and code-label pairs on
/// that row or the rows after it (`1 | 男`, `1=男；2=女`).
pub(crate) fn read_codebook(name: &str, cells: &Range<Data>) -> Option<Codebook> {
    let (s, e) = (cells.start()?, cells.end()?);
    let mut book = Codebook { sheet: name.to_string(), questions: Vec::new() };
    for r in s.0..=e.0 {
        let row = row_texts(cells, r);
        if row.is_empty() {
            continue;
        }
        let mut i = 0;
        // A question: its key, then its text, or a numbered header `1、性别`.
        let mut started = false;
        // A question's key stands in the sheet's first column; rows whose first cell is
        // further right continue the question above with more options.
        let first_col = row[0].0 == s.1;
        // `1 | 男` under a question is its option, not question 1: a code that continues
        // the current question's codes, followed by a short label.
        let continues = book.questions.last().is_some_and(|q| {
            let next = q.options.last().map_or(1, |(k, _)| k + 1);
            row.len() == 2
                && row[0].1.trim().parse::<i64>().is_ok_and(|k| k == next || (q.options.is_empty() && k == 0))
                && row[1].1.chars().count() <= 20
        });
        if let Some((key, number)) = question_key(&row[0].1).filter(|_| first_col && !continues) {
            let text = row
                .get(1)
                .map(|x| x.1.clone())
                .filter(|t| question_key(t).is_none() && t.parse::<f64>().is_err() && pairs_in_text(t).is_empty())
                .unwrap_or_default();
            if !text.is_empty() || row.len() == 1 {
                i = if text.is_empty() { 1 } else { 2 };
                book.questions.push(CodeQuestion { key, number, text, options: vec![] });
                started = true;
            }
        } else if let Some(h) = crate::ingest::platform::parse_numbered_header(&row[0].1).filter(|_| first_col && !continues) {
            if pairs_in_text(&row[0].1).len() < 2 {
                book.questions.push(CodeQuestion { key: String::new(), number: Some(h.number), text: h.text, options: vec![] });
                i = 1;
                started = true;
            }
        }
        let _ = started;
        let Some(q) = book.questions.last_mut() else { continue };
        // Code-label pairs: an integer cell followed by a text cell, or pairs in one text.
        let rest = &row[i..];
        let mut j = 0;
        while j < rest.len() {
            let t = &rest[j].1;
            let is_int = t.trim().parse::<i64>().is_ok();
            if is_int && j + 1 < rest.len() && rest[j + 1].0 == rest[j].0 + 1 && rest[j + 1].1.parse::<f64>().is_err() {
                q.options.push((t.trim().parse().unwrap_or(0), rest[j + 1].1.clone()));
                j += 2;
                continue;
            }
            q.options.extend(pairs_in_text(t));
            j += 1;
        }
    }
    book.questions.retain(|q| !q.options.is_empty() || !q.text.is_empty());
    let with_options = book.questions.iter().filter(|q| q.options.len() >= 2).count();
    (with_options >= 1 && with_options * 2 >= book.questions.len().min(with_options * 2)).then_some(book)
}

/// How much a sheet looks like a codebook: few columns, most rows a code-label pair or a
/// question with its options; or a name saying so.
pub fn codebook_like(name: &str, cells: &Range<Data>) -> bool {
    let n = norm(name);
    let named =
        ["编码", "代码", "codebook", "赋值", "值标签", "变量说明", "变量", "选项说明", "题目说明", "说明"].iter().any(|w| n.contains(w));
    let (Some(s), Some(e)) = (cells.start(), cells.end()) else { return false };
    if e.1 - s.1 > 7 && !named {
        return false;
    }
    let rows: Vec<Vec<(u32, String)>> = (s.0..=e.0.min(s.0 + 400)).map(|r| row_texts(cells, r)).filter(|r| !r.is_empty()).collect();
    // A row pairing a code with its label (`1 | 党政干部`), or listing pairs in a cell.
    let code = |r: &[(u32, String)]| {
        r.windows(2)
            .find(|w| w[0].1.trim().parse::<i64>().is_ok() && w[1].0 == w[0].0 + 1 && w[1].1.parse::<f64>().is_err())
            .and_then(|w| w[0].1.trim().parse::<i64>().ok())
    };
    let listed = |r: &[(u32, String)]| r.iter().any(|(_, t)| pairs_in_text(t).len() >= 2);
    let codes: Vec<i64> = rows.iter().filter_map(|r| code(r)).collect();
    let paired = rows.iter().filter(|r| code(r).is_some() || listed(r)).count();
    // Codes start again for each question (1, 2, 1, 2, 3); a narrow answer sheet's
    // 序号 beside its first answer (1, 2, 3, …) never repeats.
    let repeats = codes.len() > codes.iter().collect::<std::collections::HashSet<_>>().len();
    let listing = rows.iter().filter(|r| listed(r)).count() > 0;
    named && paired > 0 || (rows.len() >= 3 && paired * 2 >= rows.len() && (repeats || listing))
}

/// The sheet holding the answers (index into `wb.sheets`) and a codebook sheet, if any.
/// The answer sheet is the one with the most filled cells among those that are neither
/// a codebook nor a tally sheet.
pub(crate) fn pick(wb: &Workbook) -> Option<(usize, Option<Codebook>)> {
    let filled: Vec<usize> = wb.sheets.iter().map(|s| s.cells.used_cells().count()).collect();
    let mut codebook = None;
    let mut best: Option<(usize, usize)> = None;
    for (i, sh) in wb.sheets.iter().enumerate() {
        if filled[i] == 0 {
            continue;
        }
        if wb.sheets.len() > 1 && codebook_like(&sh.name, &sh.cells) {
            if codebook.is_none() {
                codebook = read_codebook(&sh.name, &sh.cells);
            }
            continue;
        }
        if wb.sheets.len() > 1
            && crate::ingest::platform::is_tally_label(&sh.name)
            && filled.iter().enumerate().any(|(j, f)| j != i && *f > filled[i])
        {
            continue;
        }
        if best.is_none_or(|(_, f)| filled[i] > f) {
            best = Some((i, filled[i]));
        }
    }
    let (i, _) = best.or_else(|| filled.iter().position(|f| *f > 0).map(|i| (i, 0)))?;
    Some((i, codebook))
}

/// The respondent rows under a header ending at row `last_header`: repeated header rows
/// and code rows are left out, and so is everything from a tally or notes block on (a
/// blank row, then a row labelled 合计, 统计, 选项, … or repeating the header). Returns
/// the rows and what was left out, for the summary.
pub(crate) fn data_rows(cells: &Range<Data>, last_header: u32, headers: &[(u32, String)]) -> (Vec<u32>, Vec<String>) {
    let Some(end) = cells.end() else { return (vec![], vec![]) };
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut after_blank = false;
    let mut repeated = 0;
    for r in last_header + 1..=end.0 {
        // One pass over the row's cells without copying them (this runs on every row).
        let (mut filled, mut same, mut codes) = (0usize, 0usize, 0usize);
        let mut first: Option<&Data> = None;
        for (c, h) in headers {
            let Some(d) = cells.get_value((r, *c)) else { continue };
            let text = match d {
                Data::Empty => continue,
                Data::String(s) if s.trim().is_empty() => continue,
                Data::String(s) => Some(s.trim()),
                _ => None,
            };
            filled += 1;
            first = first.or(Some(d));
            if let Some(t) = text {
                same += usize::from(t == h.trim() && !t.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-'));
                codes += usize::from(
                    t.len() <= 24
                        && t.as_bytes()[0].is_ascii_alphabetic()
                        && t.bytes().any(|b| b.is_ascii_digit())
                        && crate::ingest::platform::is_code(t),
                );
            }
        }
        let Some(first) = first else {
            after_blank = !rows.is_empty();
            continue;
        };
        let header_like = filled >= 2 && (same * 2 >= filled || (codes >= 3 && codes * 5 >= filled * 3));
        let label = match first {
            Data::String(s) => s.trim(),
            _ => "",
        };
        let tally = crate::ingest::platform::is_tally_label(label)
            || (after_blank && (header_like || (filled <= 2 && !label.is_empty() && label.parse::<f64>().is_err())));
        if tally {
            notes.push(format!("第 {} 行起是统计或说明区（“{}”），不是答卷", r + 1, label.chars().take(20).collect::<String>()));
            break;
        }
        if header_like {
            repeated += 1;
            continue;
        }
        after_blank = false;
        rows.push(r);
    }
    if repeated > 0 {
        notes.push(format!("{repeated} 行是重复的表头或题目编码行，不是答卷"));
    }
    (rows, notes)
}

/// A survey title written above the header: a row with one text (often merged across
/// the columns) among the rows before it.
pub(crate) fn title_row(cells: &Range<Data>, header_row: u32) -> Option<String> {
    let s = cells.start()?;
    (s.0..header_row).find_map(|r| {
        let row = row_texts(cells, r);
        let distinct: std::collections::HashSet<&str> = row.iter().map(|(_, t)| t.as_str()).collect();
        let t = row.first()?.1.clone();
        (distinct.len() == 1
            && t.chars().count() >= 4
            && t.chars().count() <= 60
            && !crate::ingest::platform::is_tally_label(&t)
            && !t.starts_with("填写说明"))
        .then_some(t)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_label_pairs() {
        assert_eq!(pairs_in_text("1=男；2=女"), vec![(1, "男".to_string()), (2, "女".to_string())]);
        assert_eq!(pairs_in_text("1.党政干部 2.事业单位人员"), vec![(1, "党政干部".to_string()), (2, "事业单位人员".to_string())]);
        assert_eq!(pairs_in_text("①满意②一般"), vec![(1, "满意".to_string()), (2, "一般".to_string())]);
        assert_eq!(pairs_in_text("(1)是 (2)否"), vec![(1, "是".to_string()), (2, "否".to_string())]);
        assert!(pairs_in_text("您的身份").is_empty());
        assert!(pairs_in_text("2025年").is_empty());
    }

    #[test]
    fn tally_labels() {
        // Led by a digit: per-option labels only (settled by their last character first).
        for t in ["合计", "统计：", "选A人数", "平均值", "百分比", "Total", "统计结果", "合计（人）", "1人数", "２比例：", " 3 人 数 "]
        {
            assert!(crate::ingest::platform::is_tally_label(t), "{t}");
        }
        for t in [
            "党政干部",
            "区财政局",
            "1",
            "您认为形式主义问题主要存在于",
            "统计局",
            "合计划",
            "党员人数",
            "73秒",
            "2025/6/2 9:05",
            "12345人数",
        ] {
            assert!(!crate::ingest::platform::is_tally_label(t), "{t}");
        }
    }
}
