//! Column scans: what a column's values say about its kind (choice, multi, rank, scale,
//! number, text), gathered while the file is being read so inference overlaps reading.

use calamine::{Data, Range};
use std::collections::HashMap;

use super::drafts::drafts_of;
use super::options::*;
use crate::ingest::cells::{blank, int_of};
use crate::ingest::platform::split_other;
use crate::ingest::Workbook;
use crate::survey::{Kind, OptionDef};
use crate::text::{norm, parse_points};

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
    /// Every answer an integer: the smallest (codes such as -3 aside).
    min_int: Option<i64>,
    /// Answers that read like sentences (long, or with sentence punctuation).
    sentences: usize,
    /// Answers that read as a number (`38`, `38岁`, `3.5`).
    numeric: usize,
    /// Answers that are a number as written (`38`, `3.5`).
    plain: usize,
    /// Answers with a letter prefix (`A.党政干部`).
    lettered: usize,
}

impl Default for ColumnScan {
    fn default() -> Self {
        ColumnScan {
            multi: false,
            rank: false,
            single: Collector::new(30),
            n: 0,
            points: None,
            all_points: true,
            max_int: None,
            all_int: true,
            all_number: true,
            min_int: None,
            sentences: 0,
            numeric: 0,
            plain: 0,
            lettered: 0,
        }
    }
}

/// An answer that reads like a sentence: long, or with sentence punctuation.
fn sentence_like(t: &str) -> bool {
    let t = t.trim();
    let t = t.find(crate::ingest::platform::OTHER_OPEN).map_or(t, |p| &t[..p]);
    t.chars().count() > 16 || t.contains(['，', '。', '！', '？', '；', ',', '!', '?', ';'])
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
        if sentence_like(&t) {
            self.sentences += 1;
        }
        if crate::ingest::platform::strip_letter(&t).is_some() {
            self.lettered += 1;
        }
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
                Some(k) => {
                    self.max_int = Some(self.max_int.map_or(k, |m| m.max(k)));
                    if k > -2 {
                        self.min_int = Some(self.min_int.map_or(k, |m| m.min(k)));
                    }
                }
                None => self.all_int = false,
            }
        }
        // Only a text starting with a digit can read as a number (`38岁`): checked first, as
        // reading one allocates and this runs on every answer.
        let digit_first = match d {
            Data::String(s) => {
                s.trim_start().chars().next().is_some_and(|c| crate::text::fold_width(c).is_ascii_digit() || c == '-' || c == '.')
            }
            _ => true,
        };
        let number = digit_first && crate::ingest::cells::number(d).is_some();
        if number {
            self.numeric += 1;
        }
        let plain = number && !matches!(d, Data::String(s) if !s.is_ascii());
        self.plain += usize::from(plain);
        self.all_number &= plain;
    }

    /// Whether the answers themselves are still needed (to collect a multi-select's or a
    /// ranking's options); the other kinds are decided from the scan alone.
    pub(super) fn needs_values(&self) -> bool {
        self.multi || self.rank
    }
}

/// What inference knows of a column besides its answers.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Ctx<'a> {
    /// The question's text (wording such as 意见/建议 says open answers).
    pub(super) text: &'a str,
    /// The answers are option numbers (a code export).
    pub(super) coded: bool,
}

/// Kind, options and, when the answers left the kind in doubt, a note for the summary.
pub(super) type Classified = (Kind, Vec<OptionDef>, Option<String>);

/// Kind and options of a whole-cell column from its values alone.
pub(super) fn classify(values: &[(u32, &Data)], ctx: Ctx) -> Classified {
    let mut scan = ColumnScan::default();
    for (_, d) in values {
        scan.add(d);
    }
    classify_scanned(values, ctx, scan)
}

/// Words of an open question (suggestions, reasons, examples, descriptions).
const OPEN_WORDS: &[&str] = &[
    "意见",
    "建议",
    "原因",
    "请说明",
    "请举例",
    "举例",
    "请注明",
    "请具体",
    "具体说明",
    "描述",
    "为什么",
    "看法",
    "想法",
    "补充",
    "留言",
    "备注",
    "请填写",
    "请简述",
    "简述",
    "其他需要",
];
/// Words of a question answered with a number (counts, ages, amounts, durations).
const NUMBER_WORDS: &[&str] = &[
    "年龄",
    "岁",
    "多少",
    "次数",
    "人数",
    "金额",
    "（元）",
    "(元)",
    "时长",
    "小时数",
    "分钟数",
    "天数",
    "年限",
    "工龄",
    "身高",
    "体重",
    "几次",
    "几个",
    "几天",
    "几年",
    "几人",
    "党龄",
];
/// Words of a rating question (scales).
const SCALE_WORDS: &[&str] = &["满意", "同意", "符合", "认同", "评价", "程度", "重要", "打分", "评分", "分值", "频繁"];

pub(super) fn has_word(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

/// [`classify`] with the pass over the answers already done; `values` are needed only
/// when the scan found a multi or rank separator. Open answers stay open: a separator in
/// some answer, a few repeated values or a number here and there do not make a choice
/// question; when in doubt, the question is open and the note says why.
pub(super) fn classify_scanned(values: &[(u32, &Data)], ctx: Ctx, scan: ColumnScan) -> Classified {
    let texts = || values.iter().map(|(_, d)| text_of(d));
    if scan.n == 0 {
        return (Kind::Text, vec![], Some("没有人作答，暂按填空题处理".into()));
    }
    if scan.multi || scan.rank {
        if let Some(c) = separated(texts(), ctx, scan.multi, scan.n) {
            return c;
        }
        return (
            Kind::Text,
            vec![],
            Some(format!("答案中有{}，但不像选项组合（选项过多或过长），按填空题处理", if scan.multi { "“┋”" } else { "“→”" })),
        );
    }
    if let (true, Some((lo, hi, false))) = (scan.all_points, scan.points) {
        if let Some(opts) = scale_options([lo, hi].into_iter(), None, ctx.text) {
            return (Kind::Scale, opts, None);
        }
    }
    if scan.all_int {
        return integers(&scan, ctx);
    }
    if scan.all_number {
        return (Kind::Number, vec![], None);
    }
    // Numbers with a few written otherwise (`38岁`, `44 岁`): a number question when its
    // wording asks for one or the answers vary too much to be options.
    if scan.numeric * 10 >= scan.n * 9 && (has_word(ctx.text, NUMBER_WORDS) || scan.single.over()) {
        let unread = scan.n - scan.numeric;
        let with_units = scan.numeric - scan.plain.min(scan.numeric);
        return (
            Kind::Number,
            vec![],
            Some(format!(
                "数值题：{with_units} 个答案带单位（如“38岁”），导入时取其中的数字；{unread} 个取不出数字，导入时记入数据问题清单"
            )),
        );
    }
    let sentences = scan.sentences;
    let n = scan.n;
    let open_words = has_word(ctx.text, OPEN_WORDS);
    let singles = scan.single.singletons();
    // More than 30 distinct answers is a text question.
    let Some(opts) = scan.single.finish() else { return (Kind::Text, vec![], None) };
    let distinct = opts.len();
    let short = sentences * 10 <= n;
    // A question asking for views or reasons is a choice only when a few short answers
    // each come back again and again.
    // “无”, “没有”, “暂无”: what people write in an open question they skip.
    let nothing = |o: &OptionDef| {
        ["无", "没有", "暂无", "无意见", "没有意见", "无建议", "没有建议", "暂无建议", "/", "-", "—", "没", "否", "无。"]
            .contains(&norm(o.text()).as_str())
    };
    // Options written with letters (`A.【正在执行】我目前……`, 问卷网/腾讯问卷) are options however long.
    let lettered = scan.lettered * 10 >= n * 9;
    let repeated = distinct <= 3 || (distinct * 2 <= n && singles * 4 <= distinct.max(4));
    let choice = if open_words {
        lettered && distinct <= 30
            || ((2..=6).contains(&distinct) && singles == 0 && sentences == 0 && distinct * 2 <= n && !opts.iter().any(nothing))
    } else {
        distinct <= 30 && repeated && (short || lettered || singles == 0)
    };
    if choice {
        return (Kind::Single, opts, None);
    }
    let why = if open_words {
        "题目是征求意见、原因或说明"
    } else if !short {
        "答案多为句子"
    } else {
        "答案很少重复"
    };
    (Kind::Text, vec![], (distinct <= 15).then(|| format!("只有 {distinct} 种不同答案，但{why}，按填空题处理；如是选择题请改 kind")))
}

/// Integers only: option codes (a code export's small code sets), a rating, or numbers.
fn integers(scan: &ColumnScan, ctx: Ctx) -> Classified {
    let max = scan.max_int.unwrap_or(0);
    let min = scan.min_int.unwrap_or(1);
    let distinct = scan.single.order.len();
    let numbery = has_word(ctx.text, NUMBER_WORDS);
    // Codes run from 1; a count (0 meetings, 0 times) or many values asked as a number
    // stay numbers even among codes; an age band (codes 1–9) is a choice.
    let counted = numbery && (min == 0 || distinct > 10);
    if ctx.coded && !counted && min >= 0 && (1..=15).contains(&max) && distinct <= 16 {
        let from = if min == 0 { 0 } else { 1 };
        let kind = if has_word(ctx.text, SCALE_WORDS) && max >= 4 { Kind::Scale } else { Kind::Single };
        let opts = (from..=max).map(|k| OptionDef::Plain(format!("选项{k}（请补全）"))).collect();
        return (kind, opts, None);
    }
    if !ctx.coded && !numbery && has_word(ctx.text, SCALE_WORDS) && min >= 0 && max <= 10 && distinct >= 3 {
        if let Some(opts) = scale_options([min as f64, max as f64].into_iter(), None, ctx.text) {
            return (Kind::Scale, opts, None);
        }
    }
    (Kind::Number, vec![], None)
}

/// A multi-select (`┋`) or ranking (`→`) when the parts make a small set of short options:
/// every ranking ranks distinct options of one small set, most answers hold the separator.
fn separated<'a>(texts: impl Iterator<Item = std::borrow::Cow<'a, str>>, ctx: Ctx, multi: bool, n: usize) -> Option<Classified> {
    let sep = if multi { '┋' } else { '→' };
    let mut c = Collector::new(40);
    let mut with_sep = 0usize;
    for t in texts {
        if t.contains(sep) {
            with_sep += 1;
            if !multi {
                let parts: Vec<String> = t.split(sep).map(|p| norm(split_other(p.trim()).0)).collect();
                let distinct: std::collections::HashSet<&String> = parts.iter().collect();
                if distinct.len() != parts.len() || parts.iter().any(|p| p.is_empty()) {
                    return None;
                }
            }
        }
        c.add(&t, Some(sep));
        if c.over() {
            return None;
        }
    }
    let long = c.order.iter().any(|o| o.chars().count() > 40);
    let enough = if multi { with_sep * 20 >= n || with_sep >= 3 } else { with_sep * 2 >= n };
    if long || !enough || has_word(ctx.text, OPEN_WORDS) && c.order.iter().any(|o| sentence_like(o)) {
        return None;
    }
    let opts = c.finish()?;
    (opts.len() <= 40 && (opts.len() * 2 <= n.max(4) * 3)).then_some((if multi { Kind::Multi } else { Kind::Rank }, opts, None))
}

/// Whether answers already read as an open question would still be inferred as one over
/// all of them ([`classify`]'s own rule).
pub fn still_text<'a>(text: &str, answers: impl Iterator<Item = &'a str>) -> bool {
    let owned: Vec<Data> = answers.map(|a| Data::String(a.to_owned())).collect();
    let values: Vec<(u32, &Data)> = owned.iter().map(|d| (0, d)).collect();
    classify(&values, Ctx { text, coded: false }).0 == Kind::Text
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
    let wb = crate::ingest::Source::sniff(path)?.read_observed(Some(&mut |sheet, cells| scans.observe(sheet, cells)))?;
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
            let wb = Workbook {
                path: std::path::PathBuf::new(),
                sheets: vec![crate::ingest::SheetData { name: sheet.to_string(), cells: range, malformed: vec![], notes: vec![] }],
            };
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

    pub(super) fn take(&mut self, sheet: &str, header_row: u32, col: u32) -> Option<ColumnScan> {
        match self.target.as_mut() {
            Some((name, hr, cols)) if name == sheet && *hr == header_row => cols.remove(&col),
            _ => None,
        }
    }
}
