//! `init`: infers an editable survey definition from returned files: a 问卷星 text
//! export, a code export, both together (the pair gives option order and codes), or a
//! plain table with one header row of questions.
//!
//! Kinds come from the data: `┋` → multi, `→` → rank, `N分` rows under a `—` header →
//! matrix, `N分` alone → scale, `第N题(…)` columns → multi (0/1) or rank, few distinct
//! answers → single, numbers → number, anything else → text.

use calamine::{Data, Range};
use std::collections::HashMap;

use super::{Kind, OptionDef, Question, Survey};
use crate::ingest::cells::{blank, int_of};
use crate::ingest::platform::strip_letter;
use crate::ingest::{cell_text, Workbook};
use crate::text::{norm, parse_numbered_header, parse_points, parse_split_header, tidy};
use crate::ingest::platform::split_other;

#[derive(Debug, thiserror::Error)]
pub enum InferError {
    #[error("{0}：找不到表头或数据，无法推断题目")]
    NoData(String),
}

/// What one file says about one question.
#[derive(Debug, Clone)]
struct Draft {
    number: u32,
    text: String,
    required: bool,
    /// The kind the header's type suffix names (`(多选题)`, `(填空题 *必答)`, …).
    hint: Option<Kind>,
    /// Whole-cell answers (one column), with the column index.
    whole: Option<u32>,
    /// Matrix rows: (label, column).
    rows: Vec<(String, u32)>,
    /// Split columns `第N题(option)`: (option, column).
    split: Vec<(String, u32)>,
}

struct FileDrafts<'a> {
    cells: &'a Range<Data>,
    header_row: u32,
    drafts: Vec<Draft>,
    /// Whether question numbers came from the headers (问卷星) or column order.
    numbered: bool,
    seq_col: Option<u32>,
    /// A column naming the respondent's unit (单位, 所在单位, 部门).
    unit_col: Option<String>,
    /// Platform metadata columns (编号, 答题时长, IP, …), not questions.
    meta: Vec<String>,
    /// The sheet read (the first with cells).
    sheet: String,
}

fn header_row(cells: &Range<Data>) -> Option<u32> {
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
fn hint_kind(h: &str) -> Option<Kind> {
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

fn drafts_of(wb: &Workbook) -> Option<FileDrafts<'_>> {
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
                    let (q, req2, hint2) = crate::text::strip_type_suffix(hd.text[..p].trim_end_matches('—'));
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
        let (text, required, hint) = crate::text::strip_type_suffix(&h);
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

fn column_values<'a>(f: &FileDrafts<'a>, c: u32) -> Vec<(u32, &'a Data)> {
    let end = f.cells.end().map(|e| e.0).unwrap_or(0);
    let cells = f.cells;
    (f.header_row + 1..=end)
        .filter_map(|r| cells.get_value((r, c)).map(|d| (r, d)))
        .filter(|(_, d)| blank(d).is_none())
        .collect()
}

/// Options in order of first appearance, with "other" flagged when a 〖…〗 text follows.
fn collect_options<S: AsRef<str>>(values: impl Iterator<Item = S>, sep: Option<char>) -> Vec<OptionDef> {
    let mut c = Collector::new(usize::MAX);
    for v in values {
        c.add(v.as_ref(), sep);
    }
    c.finish().unwrap_or_default()
}

/// Options in order of first appearance, with "other" flagged when a 〖…〗 text follows;
/// gives up (`finish` → `None`) once more than `cap` distinct options are seen, so that a
/// column of open answers is not collected to the end.
struct Collector {
    order: Vec<String>,
    seen: rustc_hash::FxHashSet<String>,
    seen_norm: rustc_hash::FxHashSet<String>,
    other: HashMap<String, bool>,
    open: memchr::memmem::Finder<'static>,
    cap: usize,
}

impl Collector {
    fn new(cap: usize) -> Collector {
        Collector { order: Vec::new(), seen: Default::default(), seen_norm: Default::default(), other: HashMap::new(), open: memchr::memmem::Finder::new(crate::ingest::platform::OTHER_OPEN.encode_utf8(&mut [0; 4]).as_bytes()).into_owned(), cap }
    }

    fn over(&self) -> bool {
        self.order.len() > self.cap
    }

    fn add(&mut self, v: &str, sep: Option<char>) {
        if self.over() {
            return;
        }
        match sep {
            Some(s) => v.split(s).for_each(|p| self.one(p)),
            None => self.one(v),
        }
    }

    fn one(&mut self, p: &str) {
        let p = p.trim();
        // split_other, with the `〖` found by SIMD (this runs once per answer).
        let (head, o) = if self.open.find(p.as_bytes()).is_some() { split_other(p) } else { (p, None) };
        let head = head.trim();
        if head.is_empty() {
            return;
        }
        // Allocate only for texts not seen yet; the same option written differently
        // (full-width letters, inner spaces, case) is one option, as the import reads it.
        if !self.seen.contains(head) {
            self.seen.insert(head.to_string());
            if self.seen_norm.insert(norm(head)) {
                self.order.push(head.to_string());
            }
        }
        if o.is_some() && !self.other.contains_key(head) {
            self.other.insert(head.to_string(), true);
        }
    }

    fn finish(self) -> Option<Vec<OptionDef>> {
        if self.over() {
            return None;
        }
        let Collector { order, other, .. } = self;
        // 问卷网/腾讯问卷 put letters before options (`A.非常满意`): when every option has one,
        // the options are the texts without it, in the letters' order.
        let lettered: Option<Vec<(usize, String)>> = order.iter().map(|t| strip_letter(t).map(|(k, rest)| (k, tidy(rest)))).collect();
        if let Some(mut l) = lettered {
            let other: HashMap<String, bool> = other.into_iter().map(|(t, v)| (strip_letter(&t).map(|(_, r)| tidy(r)).unwrap_or(t), v)).collect();
            l.sort_by_key(|(k, _)| *k);
            l.dedup_by(|a, b| a.1 == b.1);
            return Some(l.into_iter().map(|(_, t)| { let o = other.contains_key(&t); OptionDef::new(t, o) }).collect());
        }
        Some(order.into_iter().map(|t| { let o = other.contains_key(&t); OptionDef::new(t, o) }).collect())
    }
}

/// Agreement, satisfaction, frequency and degree ladders, each from one end to the other
/// as questionnaires list them. Options that all sit on one ladder are put in its order.
const LADDERS: &[&[&str]] = &[
    &["非常满意", "很满意", "比较满意", "满意", "基本满意", "一般", "说不清", "不太满意", "不满意", "很不满意", "非常不满意"],
    &["非常同意", "完全同意", "比较同意", "同意", "基本同意", "一般", "说不清", "不太同意", "不同意", "很不同意", "非常不同意", "完全不同意"],
    &["非常好", "很好", "比较好", "较好", "好", "一般", "比较差", "较差", "差", "很差", "非常差"],
    &["非常严重", "很严重", "比较严重", "严重", "一般", "不太严重", "不严重", "不存在", "没有"],
    &["总是", "经常", "有时", "偶尔", "很少", "从不", "从来没有"],
    &["非常重要", "很重要", "比较重要", "重要", "一般", "不太重要", "不重要", "很不重要"],
    &["非常了解", "很了解", "比较了解", "了解", "一般", "不太了解", "不了解", "完全不了解"],
    &["明显改善", "有所改善", "没有变化", "有所加重", "明显加重"],
    &["明显减少", "有所减少", "没有变化", "有所增加", "明显增加"],
];

/// The first number in an option (`3001-5000元` → 3001), nudged down for "below"
/// words and up for "above" words so that `25岁以下` < `25-35岁` < `35岁以上`.
fn number_key(t: &str) -> Option<f64> {
    let n = norm(t);
    let start = n.find(|c: char| c.is_ascii_digit())?;
    let digits: String = n[start..].chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let v: f64 = digits.trim_end_matches('.').parse().ok()?;
    let ranged = n[start + digits.len()..].starts_with(['-', '~', '—', '至', '到']);
    let adj = if ["以下", "以内", "不足", "不到", "少于", "低于", "及以下"].iter().any(|w| n.contains(w)) {
        -0.5
    } else if !ranged && ["以上", "超过", "多于", "高于", "及以上"].iter().any(|w| n.contains(w)) {
        0.5
    } else {
        0.0
    };
    Some(v + adj)
}

/// Options in a sensible order: numbers and ranges ascending when at least two thirds of
/// the options hold a number (the others after them), a known ladder's order when every
/// option is on it, else as first seen; 其他 last in every case.
fn sensible_order(opts: Vec<OptionDef>) -> Vec<OptionDef> {
    let (mut main, others): (Vec<OptionDef>, Vec<OptionDef>) = opts.into_iter().partition(|o| !is_other_text(o.text()));
    let numbered = main.iter().filter(|o| number_key(o.text()).is_some()).count();
    if main.len() >= 2 {
        if numbered >= 2 && numbered * 3 >= main.len() * 2 {
            // Mostly numbers (`0-799元` … `3500元及以上`, `免费赠送的`): the numbered ones
            // ascending, then the others as first seen.
            let (mut nums, rest): (Vec<OptionDef>, Vec<OptionDef>) = main.into_iter().partition(|o| number_key(o.text()).is_some());
            nums.sort_by(|a, b| number_key(a.text()).unwrap().total_cmp(&number_key(b.text()).unwrap()));
            nums.extend(rest);
            main = nums;
        } else if let Some(l) = LADDERS.iter().find(|l| main.iter().all(|o| l.contains(&norm(o.text()).as_str()))) {
            main.sort_by_key(|o| l.iter().position(|x| *x == norm(o.text())).unwrap());
        }
    }
    main.extend(others);
    main
}

fn is_other_text(t: &str) -> bool {
    t.starts_with("其他") || t.starts_with("其它")
}

/// Kind and options of a whole-cell column from its values alone.
/// A cell's text, borrowed where it is text (nearly always).
fn text_of(d: &Data) -> std::borrow::Cow<'_, str> {
    match d {
        Data::String(s) => std::borrow::Cow::Borrowed(s.as_str()),
        other => std::borrow::Cow::Owned(cell_text(other)),
    }
}

/// What one pass over a column's answers finds: the multi and rank separators, and the
/// options of a single choice (up to 30). This is the costly part of classifying a
/// column (each answer is a string somewhere in memory: a cache miss per answer), so it
/// is done once, and can be done while the file is still being read
/// ([`ColumnScans`]).
pub struct ColumnScan {
    multi: bool,
    rank: bool,
    single: Collector,
    /// Non-blank answers.
    n: usize,
    /// Every answer `N分`: the lowest and highest N, and whether one was fractional.
    points: Option<(f64, f64, bool)>,
    all_points: bool,
    /// Every answer a whole number: the largest.
    max_int: Option<i64>,
    all_int: bool,
    /// Every answer a number (ASCII).
    all_number: bool,
}

impl Default for ColumnScan {
    fn default() -> Self {
        ColumnScan { multi: false, rank: false, single: Collector::new(30), n: 0, points: None, all_points: true, max_int: None, all_int: true, all_number: true }
    }
}

impl ColumnScan {
    /// Adds one non-blank answer.
    pub fn add(&mut self, d: &Data) {
        let t = text_of(d);
        // `┋` (E2 94 8B) and `→` (E2 86 92) both start with the byte E2, which Chinese
        // text (E4–E9) rarely holds, so a SIMD search for it settles nearly every answer.
        let b = t.as_bytes();
        let mut from = 0;
        while let Some(i) = memchr::memchr(0xE2, &b[from..]) {
            match b.get(from + i + 1..from + i + 3) {
                Some([0x94, 0x8B]) => self.multi = true,
                Some([0x86, 0x92]) => self.rank = true,
                _ => {}
            }
            from += i + 1;
        }
        self.single.add(&t, None);
        self.n += 1;
        if self.all_points {
            match Some(t.trim()).filter(|x| x.ends_with('分')).and_then(parse_points) {
                Some(p) => {
                    let (lo, hi, frac) = self.points.unwrap_or((p, p, false));
                    self.points = Some((lo.min(p), hi.max(p), frac || p.fract() != 0.0));
                }
                None => self.all_points = false,
            }
        }
        if self.all_int {
            match int_of(d) {
                Some(k) => self.max_int = Some(self.max_int.map_or(k, |m| m.max(k))),
                None => self.all_int = false,
            }
        }
        if self.all_number {
            self.all_number = crate::ingest::cells::number(d).is_ok() && !matches!(d, Data::String(s) if !s.is_ascii());
        }
    }

    /// Whether the answers themselves are still needed (to collect a multi-select's or a
    /// ranking's options); the other kinds are decided from the scan alone.
    fn needs_values(&self) -> bool {
        self.multi || self.rank
    }
}

/// Kind and options of a whole-cell column from its values alone.
fn classify(values: &[(u32, &Data)], coded: bool) -> (Kind, Vec<OptionDef>) {
    let mut scan = ColumnScan::default();
    for (_, d) in values {
        scan.add(d);
    }
    classify_scanned(values, coded, scan)
}

/// [`classify`] with the pass over the answers already done; `values` are needed only
/// when the scan found a multi or rank separator.
fn classify_scanned(values: &[(u32, &Data)], coded: bool, scan: ColumnScan) -> (Kind, Vec<OptionDef>) {
    let texts = || values.iter().map(|(_, d)| text_of(d));
    if scan.multi {
        return (Kind::Multi, collect_options(texts(), Some('┋')));
    }
    if scan.rank {
        return (Kind::Rank, collect_options(texts(), Some('→')));
    }
    if scan.n == 0 {
        return (Kind::Text, vec![]);
    }
    if let (true, Some((lo, hi, false))) = (scan.all_points, scan.points) {
        if let Some(opts) = scale_options([lo, hi].into_iter(), None) {
            return (Kind::Scale, opts);
        }
    }
    if scan.all_int {
        let max = scan.max_int.unwrap_or(0);
        if coded && (1..=60).contains(&max) {
            return (Kind::Single, (1..=max).map(|k| OptionDef::Plain(format!("选项{k}"))).collect());
        }
        return (Kind::Number, vec![]);
    }
    if scan.all_number {
        return (Kind::Number, vec![]);
    }
    // More than 30 distinct answers is a text question.
    let Some(opts) = scan.single.finish() else { return (Kind::Text, vec![]) };
    let distinct = opts.len();
    if distinct <= 30 && (distinct * 2 <= scan.n || distinct <= 3) {
        return (Kind::Single, opts);
    }
    (Kind::Text, vec![])
}

/// Whether answers already read as an open question would still be inferred as one over
/// all of them ([`classify`]'s own rule: no separator, not numbers, more than a few
/// distinct answers for their number).
pub fn still_text<'a>(answers: impl Iterator<Item = &'a str>) -> bool {
    let mut scan = ColumnScan::default();
    for a in answers {
        scan.add(&Data::String(a.to_owned()));
    }
    classify_scanned(&[], false, scan).0 == Kind::Text
}

/// Column scans made while a file is read ([`crate::ingest::read_xlsx_observed`]): the
/// header is found in the first rows, then every answer of every whole-cell column is
/// scanned as it arrives, on another thread than the one parsing the file.
#[derive(Default)]
pub struct ColumnScans {
    /// The sheet scanned (the first with cells), its header row and whole-cell columns.
    target: Option<(String, u32, HashMap<u32, ColumnScan>)>,
}

/// Reads a file for inference, scanning its answers while it is being read.
pub fn read_for_inference(path: &std::path::Path) -> Result<(Workbook, ColumnScans), crate::ingest::ReadError> {
    let mut scans = ColumnScans::default();
    let wb = crate::ingest::read_file_observed(path, &mut |sheet, cells| scans.observe(sheet, cells))?;
    Ok((wb, scans))
}

impl ColumnScans {
    /// Takes the next cells (row-major, absolute positions) of sheet `sheet`.
    pub fn observe(&mut self, sheet: &str, cells: &[calamine::Cell<Data>]) {
        if cells.is_empty() {
            return;
        }
        if self.target.is_none() {
            // The first cells seen hold the header (it is among the first rows).
            let range = Range::from_sparse(cells.to_vec());
            let wb = Workbook { path: std::path::PathBuf::new(), sheets: vec![crate::ingest::SheetData { name: sheet.to_string(), cells: range, malformed: vec![] }] };
            let Some(f) = drafts_of(&wb) else { return };
            let cols: HashMap<u32, ColumnScan> = f.drafts.iter().filter_map(|d| d.whole).map(|c| (c, ColumnScan::default())).collect();
            let hr = f.header_row;
            self.target = Some((sheet.to_string(), hr, cols));
        }
        let Some((name, hr, cols)) = self.target.as_mut() else { return };
        if name != sheet {
            return;
        }
        for c in cells {
            let (r, col) = c.get_position();
            if r <= *hr {
                continue;
            }
            if let Some(scan) = cols.get_mut(&col) {
                let d = c.get_value();
                if blank(d).is_none() {
                    scan.add(d);
                }
            }
        }
    }

    fn take(&mut self, sheet: &str, header_row: u32, col: u32) -> Option<ColumnScan> {
        match self.target.as_mut() {
            Some((name, hr, cols)) if name == sheet && *hr == header_row => cols.remove(&col),
            _ => None,
        }
    }
}

/// The options of a numbered scale (`0分` … `10分`), from the scores the data shows
/// widened to the usual ranges: from 1 (or 0 when 0 appears) to at least 5, and to 10 when
/// 0 and scores above 5 appear (a 0–10 scale). `pair`: (score − code, highest code) from
/// the code export, which fixes where the codes start. `None` when the scores are not
/// whole numbers in a range of at most 100.
fn scale_options(points: impl Iterator<Item = f64>, pair: Option<(i64, i64)>) -> Option<Vec<OptionDef>> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in points {
        if p.fract() != 0.0 {
            return None;
        }
        lo = lo.min(p);
        hi = hi.max(p);
    }
    if let Some((offset, max_code)) = pair {
        lo = lo.min((1 + offset) as f64);
        hi = hi.max((max_code + offset) as f64);
    }
    if !lo.is_finite() {
        return None;
    }
    let lo = lo.min(1.0);
    let mut hi = hi.max(5.0);
    if lo == 0.0 && hi > 5.0 && hi < 10.0 {
        hi = 10.0;
    }
    if hi - lo > 100.0 || lo < -100.0 {
        return None;
    }
    Some((lo as i64..=hi as i64).map(|k| OptionDef::Plain(format!("{k}分"))).collect())
}

/// For a numbered scale exported both ways: the one offset between the score in the text
/// export's labels and the code in the code export (`0分` ↔ 1 gives −1), and the highest
/// code seen. `None` when the respondents disagree or no label is numbered.
fn score_offset(tf: &FileDrafts, tc: u32, cf: &FileDrafts, cc: u32) -> Option<(i64, i64)> {
    let mut offset = None;
    let mut max_code = i64::MIN;
    for (code, text) in code_texts(tf, tc, cf, cc) {
        let p = super::label_number(&text)?;
        let d = p as i64 - code;
        if offset.is_some_and(|o| o != d) {
            return None;
        }
        offset = Some(d);
        max_code = max_code.max(code);
    }
    offset.map(|o| (o, max_code))
}

/// Infers a definition from one or more files (a 问卷星 text/code pair, or a table).
pub fn infer(files: &[Workbook]) -> Result<Survey, InferError> {
    infer_with_notes(files).map(|(s, _)| s)
}

/// What inference did besides the questions, for the summary `init` prints.
#[derive(Debug, Clone, Default)]
pub struct InferNotes {
    /// Columns taken as platform metadata (编号, 答题时长, IP, …), not questions.
    pub meta_columns: Vec<String>,
}

/// [`infer`], with notes on the columns it did not take as questions.
pub fn infer_with_notes(files: &[Workbook]) -> Result<(Survey, InferNotes), InferError> {
    infer_scanned(files, Vec::new())
}

/// [`infer_with_notes`], with the column scans made while the files were read
/// (`scans[i]` for `files[i]`; missing or empty ones are scanned here).
pub fn infer_scanned(files: &[Workbook], mut scans: Vec<ColumnScans>) -> Result<(Survey, InferNotes), InferError> {
    scans.resize_with(files.len(), ColumnScans::default);
    let mut all: Vec<(String, FileDrafts)> = Vec::new();
    for wb in files {
        let name = wb.path.display().to_string();
        match drafts_of(wb) {
            Some(d) => all.push((name, d)),
            None => return Err(InferError::NoData(name)),
        }
    }
    let Some((first_name, _)) = all.first() else { return Err(InferError::NoData("（没有文件）".into())) };
    // A code export is the file with split columns or with numbers in every single column.
    let is_code = |f: &FileDrafts| {
        f.drafts.iter().any(|d| !d.split.is_empty())
            || f.drafts.iter().filter_map(|d| d.whole).all(|c| {
                let v = column_values(f, c);
                !v.is_empty() && v.iter().all(|(_, d)| int_of(d).is_some())
            })
    };
    let code_idx = all.iter().position(|(_, f)| f.numbered && is_code(f));
    let text_idx = all.iter().position(|(_, f)| !(f.numbered && is_code(f)));
    let text = text_idx.map(|i| &all[i].1);
    let code = code_idx.map(|i| &all[i].1);
    let base = text.or(code).unwrap();

    let mut questions = Vec::new();
    let mut numbers: Vec<u32> = base.drafts.iter().map(|d| d.number).collect();
    if let (Some(c), Some(_)) = (code, text) {
        for d in &c.drafts {
            if !numbers.contains(&d.number) {
                numbers.push(d.number);
            }
        }
    }
    numbers.sort();
    // Unnumbered extra columns of a 问卷星 export come after the last question.
    let last = numbers.iter().copied().filter(|n| *n < 10_000).max().unwrap_or(0);
    // The costly part, reading every answer of every whole-cell column, runs in parallel
    // over the columns; the questions are then assembled in order.
    let mut classified: HashMap<u32, (Kind, Vec<OptionDef>)> = {
        use rayon::prelude::*;
        // (question number, file, column, coded) of every whole-cell column to classify.
        #[allow(clippy::type_complexity)]
        let jobs: Vec<(u32, &FileDrafts, u32, bool, std::sync::Mutex<Option<ColumnScan>>)> = numbers
            .iter()
            .filter_map(|&num| {
                let td = text.and_then(|f| f.drafts.iter().find(|d| d.number == num));
                let cd = code.and_then(|f| f.drafts.iter().find(|d| d.number == num));
                let d = td.or(cd)?;
                if !d.rows.is_empty() || cd.is_some_and(|d| !d.split.is_empty()) {
                    return None;
                }
                let f = if td.is_some() { text? } else { code? };
                let c = d.whole?;
                let k = if td.is_some() { text_idx? } else { code_idx? };
                let scan = scans[k].take(&f.sheet, f.header_row, c);
                Some((num, f, c, td.is_none(), std::sync::Mutex::new(scan)))
            })
            .collect();
        // The answers of all those columns, gathered row by row (the cells lie in memory
        // row after row, so this reads them in order), per file.
        let mut values: Vec<Vec<(u32, &Data)>> = vec![Vec::new(); jobs.len()];
        for f in [text, code].into_iter().flatten() {
            let mine: Vec<usize> = (0..jobs.len()).filter(|&j| std::ptr::eq(jobs[j].1, f)).collect();
            let end = f.cells.end().map(|e| e.0).unwrap_or(0);
            // Columns already scanned while reading need their answers only for a
            // multi-select or ranking.
            let mine: Vec<usize> = mine
                .into_iter()
                .filter(|&j| jobs[j].4.lock().ok().and_then(|s| s.as_ref().map(|s| s.needs_values())).unwrap_or(true))
                .collect();
            for r in f.header_row + 1..=end {
                for &j in &mine {
                    if let Some(d) = f.cells.get_value((r, jobs[j].2)) {
                        if blank(d).is_none() {
                            values[j].push((r, d));
                        }
                    }
                }
            }
        }
        jobs.par_iter()
            .zip(values.par_iter())
            .map(|((num, _, _, coded, scan), v)| {
                let scan = scan.lock().ok().and_then(|mut s| s.take());
                (*num, match scan {
                    Some(scan) => classify_scanned(v, *coded, scan),
                    None => classify(v, *coded),
                })
            })
            .collect()
    };
    for num in numbers {
        let td = text.and_then(|f| f.drafts.iter().find(|d| d.number == num));
        let cd = code.and_then(|f| f.drafts.iter().find(|d| d.number == num));
        let d = td.or(cd).unwrap();
        let id = if num > 10_000 { format!("Q{}", last + num - 10_000) } else { format!("Q{num}") };
        let text_s = d.text.clone();
        let required = td.is_some_and(|d| d.required) || cd.is_some_and(|d| d.required);
        let mut q = Question { id, text: text_s, kind: Kind::Text, options: vec![], rows: vec![], required, aliases: vec![], show_if: None };
        if !d.rows.is_empty() {
            q.kind = Kind::Matrix;
            q.rows = d.rows.iter().map(|(l, _)| l.clone()).collect();
            let f = if td.is_some() { text.unwrap() } else { code.unwrap() };
            let points: Vec<f64> = d
                .rows
                .iter()
                .flat_map(|(_, c)| column_values(f, *c))
                .filter_map(|(_, v)| match &v { Data::String(s) => parse_points(s), _ => int_of(v).map(|i| i as f64) })
                .collect();
            // Both exports: the first row's pairs say where the codes start.
            let pair = match (text, code, td, cd) {
                (Some(tf), Some(cf), Some(t), Some(c)) if !t.rows.is_empty() && !c.rows.is_empty() => score_offset(tf, t.rows[0].1, cf, c.rows[0].1),
                _ => None,
            };
            q.options = scale_options(points.into_iter(), pair).unwrap_or_else(|| (1..=5).map(|k| OptionDef::Plain(format!("{k}分"))).collect());
        } else if let Some(cd) = cd.filter(|d| !d.split.is_empty()) {
            // Split columns: option order from the code export; 0/1 → multi, ranks → rank.
            let f = code.unwrap();
            let is_rank = cd.split.iter().any(|(_, c)| column_values(f, *c).iter().any(|(_, v)| matches!(int_of(v), Some(k) if k > 1 || k == -2)));
            let text_kind = td.and_then(|t| t.whole).map(|c| classify(&column_values(text.unwrap(), c), false).0);
            q.kind = match text_kind {
                Some(Kind::Rank) => Kind::Rank,
                Some(Kind::Multi) => Kind::Multi,
                _ if is_rank => Kind::Rank,
                _ => Kind::Multi,
            };
            q.options = cd.split.iter().map(|(o, _)| OptionDef::new(o.clone(), is_other_text(o))).collect();
            if td.is_none() {
                q.text = cd.text.clone();
            }
        } else if let Some(c) = d.whole {
            let f = if td.is_some() { text.unwrap() } else { code.unwrap() };
            // Read again only where needed (the classification above has read them once).
            let vals = || column_values(f, c);
            let (mut kind, opts) = classified.remove(&num).unwrap_or_else(|| classify(&vals(), td.is_none()));
            q.options = opts;
            // The pair: a column coded with integers in the code export is a choice question.
            if let (Some(cf), Some(cc)) = (code, cd.and_then(|d| d.whole)) {
                let coded = column_values(cf, cc);
                let all_ints = coded.iter().all(|(_, v)| int_of(v).is_some());
                if td.is_some() && kind == Kind::Text && !coded.is_empty() && all_ints {
                    kind = Kind::Single;
                }
                // Text answers stay text in the code export: not a choice question.
                if td.is_some() && kind == Kind::Single && !all_ints {
                    kind = Kind::Text;
                    q.options.clear();
                }
            }
            // The header's type suffix says the kind; the data only guess it.
            if let Some(h) = td.and_then(|d| d.hint).or(cd.and_then(|d| d.hint)) {
                let texts = || vals().into_iter().map(|(_, d)| cell_text(d));
                match h {
                    _ if h == kind => {}
                    Kind::Text if kind != Kind::Number => {
                        kind = Kind::Text;
                        q.options.clear();
                    }
                    Kind::Single | Kind::Scale if !q.options.is_empty() => kind = h,
                    Kind::Single | Kind::Scale if td.is_some() => {
                        kind = h;
                        q.options = collect_options(texts(), None);
                    }
                    Kind::Multi if td.is_some() => {
                        kind = h;
                        q.options = collect_options(texts(), Some('┋'));
                    }
                    Kind::Rank if td.is_some() => {
                        kind = h;
                        q.options = collect_options(texts(), Some('→'));
                    }
                    _ => {}
                }
            }
            // Options seen only as texts come in first-appearance order: put them in a
            // sensible one (numbers ascending, ladders in their order, 其他 last). The
            // code export's numbers, when there, are the questionnaire's own order.
            let paired = code.is_some() && cd.is_some_and(|d| d.whole.is_some()) && td.is_some();
            if td.is_some() && !paired && matches!(kind, Kind::Single | Kind::Multi | Kind::Rank) {
                q.options = sensible_order(std::mem::take(&mut q.options));
            }
            q.kind = kind;
            // The pair: code → text mapping orders single-choice options by their codes.
            if let (Some(tf), Some(cf), Some(cd)) = (text, code, cd) {
                match (kind, cd.whole) {
                    (Kind::Single, Some(cc)) => q.options = pair_options(tf, c, cf, cc, &q.options),
                    // A numbered scale: scores are in the labels; the codes only say where
                    // the scale starts and how far it reaches.
                    (Kind::Scale, Some(cc)) => {
                        let points = vals().into_iter().filter_map(|(_, d)| parse_points(&cell_text(d)));
                        if let Some(o) = scale_options(points, score_offset(tf, c, cf, cc)) {
                            q.options = o;
                        }
                    }
                    _ => {}
                }
            }
        }
        questions.push(q);
    }
    let title = std::path::Path::new(first_name)
        .file_stem()
        .and_then(|s| s.to_str())
        .map(tidy)
        .unwrap_or_else(|| "问卷".into());
    let unit = all.iter().find_map(|(_, f)| f.unit_col.clone()).or_else(|| {
        questions
            .iter()
            .find(|q| q.kind == Kind::Single && (q.text.contains("单位") || q.text.contains("部门")))
            .map(|q| q.id.clone())
    });
    let banners = questions
        .iter()
        .filter(|q| q.kind == Kind::Single)
        .filter(|q| ["身份", "性别", "年龄", "职务", "职级", "单位", "类别", "类型"].iter().any(|k| q.text.contains(k)))
        .map(|q| q.id.clone())
        .collect();
    let id: String = title.chars().filter(|c| !"\\/:*?\"<>|".contains(*c) && !c.is_whitespace()).collect();
    let s = Survey { id, title, version: 1, unit, banners, weighting: None, questions };
    let mut meta_columns: Vec<String> = Vec::new();
    for (_, f) in &all {
        for m in &f.meta {
            if !meta_columns.contains(m) {
                meta_columns.push(m.clone());
            }
        }
    }
    Ok((s, InferNotes { meta_columns }))
}

/// (code, text) for every respondent found in both exports, matched by 序号 when both
/// files have it, else by row.
fn code_texts(tf: &FileDrafts, tc: u32, cf: &FileDrafts, cc: u32) -> Vec<(i64, String)> {
    let key = |f: &FileDrafts, r: u32| -> String {
        match f.seq_col {
            Some(c) => f.cells.get_value((r, c)).map(cell_text).unwrap_or_default(),
            None => (r - f.header_row).to_string(),
        }
    };
    let texts: HashMap<String, String> = column_values(tf, tc).into_iter().map(|(r, d)| (key(tf, r), cell_text(d))).collect();
    column_values(cf, cc)
        .into_iter()
        .filter_map(|(r, d)| Some((int_of(d)?, texts.get(&key(cf, r))?.clone())))
        .collect()
}

/// Orders the options of a single-choice question by the code export's numbers, matching
/// respondents by 序号 when both files have it, else by row.
fn pair_options(tf: &FileDrafts, tc: u32, cf: &FileDrafts, cc: u32, fallback: &[OptionDef]) -> Vec<OptionDef> {
    let mut by_code: HashMap<i64, (String, bool)> = HashMap::new();
    for (k, t) in code_texts(tf, tc, cf, cc) {
        let (head, other) = split_other(&t);
        let e = by_code.entry(k).or_insert((tidy(head), false));
        e.1 |= other.is_some();
    }
    let Some(&max) = by_code.keys().max() else { return fallback.to_vec() };
    if !(1..=200).contains(&max) {
        return fallback.to_vec();
    }
    (1..=max)
        .map(|k| match by_code.get(&k) {
            Some((t, other)) => OptionDef::new(t.clone(), *other || is_other_text(t)),
            None => OptionDef::Plain(format!("选项{k}（数据中未出现，请补全）")),
        })
        .collect()
}
