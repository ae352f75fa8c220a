//! Options of an inferred question: collected in order of first appearance, put in a
//! sensible order (ladders such as 非常满意…非常不满意, numbers), scale points, and the
//! pairing of a text export's options with a code export's codes.

use calamine::Data;
use std::collections::HashMap;

use super::drafts::{column_values, FileDrafts};
use crate::ingest::cell_text;
use crate::ingest::cells::int_of;
use crate::ingest::platform::{split_other, strip_letter};
use crate::survey::OptionDef;
use crate::text::{norm, tidy};

/// Options in order of first appearance, with "other" flagged when a 〖…〗 text follows.
pub(super) fn collect_options<S: AsRef<str>>(values: impl Iterator<Item = S>, sep: Option<char>) -> Vec<OptionDef> {
    let mut c = Collector::new(usize::MAX);
    for v in values {
        c.add(v.as_ref(), sep);
    }
    c.finish().unwrap_or_default()
}

/// Options in order of first appearance, with "other" flagged when a 〖…〗 text follows;
/// gives up (`finish` → `None`) once more than `cap` distinct options are seen, so that a
/// column of open answers is not collected to the end. Counts how often each is given.
pub(super) struct Collector {
    pub(super) order: Vec<String>,
    /// Raw text → index into `order` (the same option written differently shares one).
    pub(super) seen: rustc_hash::FxHashMap<String, usize>,
    pub(super) seen_norm: rustc_hash::FxHashMap<String, usize>,
    pub(super) counts: Vec<usize>,
    pub(super) other: HashMap<String, bool>,
    pub(super) open: memchr::memmem::Finder<'static>,
    pub(super) cap: usize,
}

impl Collector {
    pub(super) fn new(cap: usize) -> Collector {
        Collector {
            order: Vec::new(),
            seen: Default::default(),
            seen_norm: Default::default(),
            counts: Vec::new(),
            other: HashMap::new(),
            open: memchr::memmem::Finder::new(crate::ingest::platform::OTHER_OPEN.encode_utf8(&mut [0; 4]).as_bytes()).into_owned(),
            cap,
        }
    }

    pub(super) fn over(&self) -> bool {
        self.order.len() > self.cap
    }

    pub(super) fn add(&mut self, v: &str, sep: Option<char>) {
        if self.over() {
            return;
        }
        match sep {
            Some(s) => v.split(s).for_each(|p| self.one(p)),
            None => self.one(v),
        }
    }

    pub(super) fn one(&mut self, p: &str) {
        let p = p.trim();
        // split_other, with the `〖` found by SIMD (this runs once per answer).
        let (head, o) = if self.open.find(p.as_bytes()).is_some() { split_other(p) } else { (p, None) };
        let head = head.trim();
        if head.is_empty() {
            return;
        }
        // Allocate only for texts not seen yet; the same option written differently
        // (full-width letters, inner spaces, case) is one option, as the import reads it.
        let idx = match self.seen.get(head) {
            Some(&i) => i,
            None => {
                let n = norm(head);
                let i = match self.seen_norm.get(&n) {
                    Some(&i) => i,
                    None => {
                        self.order.push(head.to_string());
                        self.counts.push(0);
                        self.seen_norm.insert(n, self.order.len() - 1);
                        self.order.len() - 1
                    }
                };
                self.seen.insert(head.to_string(), i);
                i
            }
        };
        self.counts[idx] += 1;
        if o.is_some() && !self.other.contains_key(head) {
            self.other.insert(head.to_string(), true);
        }
    }

    /// Distinct answers given only once.
    pub(super) fn singletons(&self) -> usize {
        self.counts.iter().filter(|c| **c == 1).count()
    }

    pub(super) fn finish(self) -> Option<Vec<OptionDef>> {
        if self.over() {
            return None;
        }
        let Collector { order, other, .. } = self;
        // 问卷网/腾讯问卷 put letters before options (`A.非常满意`): when every option has one,
        // the options are the texts without it, in the letters' order.
        let lettered: Option<Vec<(usize, String)>> = order.iter().map(|t| strip_letter(t).map(|(k, rest)| (k, tidy(rest)))).collect();
        if let Some(mut l) = lettered {
            let other: HashMap<String, bool> =
                other.into_iter().map(|(t, v)| (strip_letter(&t).map(|(_, r)| tidy(r)).unwrap_or(t), v)).collect();
            l.sort_by_key(|(k, _)| *k);
            l.dedup_by(|a, b| a.1 == b.1);
            return Some(
                l.into_iter()
                    .map(|(_, t)| {
                        let o = other.contains_key(&t) || is_other_text(&t);
                        OptionDef::new(t, o)
                    })
                    .collect(),
            );
        }
        Some(
            order
                .into_iter()
                .map(|t| {
                    let o = other.contains_key(&t);
                    OptionDef::new(t, o)
                })
                .collect(),
        )
    }
}

/// Agreement, satisfaction, frequency and degree ladders, each from one end to the other
/// as questionnaires list them. Options that all sit on one ladder are put in its order.
pub(super) const LADDERS: &[&[&str]] = &[
    &["非常满意", "很满意", "比较满意", "满意", "基本满意", "一般", "说不清", "不太满意", "不满意", "比较不满意", "很不满意", "非常不满意"],
    &[
        "非常同意",
        "完全同意",
        "比较同意",
        "同意",
        "基本同意",
        "一般",
        "说不清",
        "不确定",
        "不太同意",
        "不同意",
        "比较不同意",
        "很不同意",
        "非常不同意",
        "完全不同意",
    ],
    &[
        "完全符合",
        "非常符合",
        "比较符合",
        "符合",
        "基本符合",
        "一般",
        "说不清",
        "不太符合",
        "不符合",
        "比较不符合",
        "很不符合",
        "非常不符合",
        "完全不符合",
    ],
    &["非常认同", "很认同", "比较认同", "认同", "基本认同", "一般", "说不清", "不太认同", "不认同", "很不认同", "非常不认同", "完全不认同"],
    &["非常好", "很好", "比较好", "较好", "好", "一般", "比较差", "较差", "差", "很差", "非常差"],
    &["非常严重", "很严重", "比较严重", "严重", "一般", "不太严重", "不严重", "不存在", "没有"],
    &["总是", "经常", "有时", "偶尔", "很少", "从不", "从来没有"],
    &["每天", "每周", "每月", "每季度", "每年", "偶尔", "从不"],
    &["非常重要", "很重要", "比较重要", "重要", "一般", "不太重要", "不重要", "很不重要"],
    &["非常了解", "很了解", "比较了解", "了解", "一般", "不太了解", "不了解", "完全不了解"],
    &["非常必要", "很有必要", "有必要", "比较必要", "一般", "不太必要", "没有必要", "不必要"],
    &["非常有效", "很有效", "比较有效", "有效", "一般", "效果不明显", "效果不大", "不太有效", "无效", "没有效果"],
    &["很大", "非常大", "较大", "比较大", "一般", "较小", "比较小", "很小", "没有", "没有影响"],
    &["很多", "非常多", "较多", "比较多", "一般", "较少", "比较少", "很少", "没有"],
    &["明显改善", "有所改善", "略有改善", "没有变化", "基本不变", "有所加重", "明显加重"],
    &["明显加重", "有所加重", "略有加重", "没有变化", "基本不变", "有所减轻", "明显减轻"],
    &["明显增加", "有所增加", "略有增加", "没有变化", "基本不变", "有所减少", "明显减少"],
    &["明显减少", "有所减少", "没有变化", "基本不变", "有所增加", "明显增加"],
    &["明显提高", "有所提高", "没有变化", "基本不变", "有所下降", "明显下降"],
    &["是", "否", "不清楚", "不确定", "不知道", "说不清"],
    &["有", "没有", "不清楚", "不确定", "不知道", "说不清"],
    &["会", "不会", "不确定", "不知道", "说不清"],
    &["愿意", "不愿意", "不确定", "说不清"],
];

/// The first number in an option (`3001-5000元` → 3001), nudged down for "below"
/// words and up for "above" words so that `25岁以下` < `25-35岁` < `35岁以上`.
pub(super) fn number_key(t: &str) -> Option<f64> {
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
pub(super) fn sensible_order(opts: Vec<OptionDef>) -> Vec<OptionDef> {
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

pub(super) fn is_other_text(t: &str) -> bool {
    t.starts_with("其他") || t.starts_with("其它")
}

/// Kind and options of a whole-cell column from its values alone.
/// A cell's text, borrowed where it is text (nearly always).
pub(super) fn text_of(d: &Data) -> std::borrow::Cow<'_, str> {
    match d {
        Data::String(s) => std::borrow::Cow::Borrowed(s.as_str()),
        other => std::borrow::Cow::Owned(cell_text(other)),
    }
}

/// The range a question's wording gives its scale: `0-10分`, `（1～5）`, `0到10`.
pub(super) fn stated_range(text: &str) -> Option<(i64, i64)> {
    let t = norm(text);
    let b: Vec<char> = t.chars().collect();
    for i in 0..b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_digit()) {
            continue;
        }
        let lo: String = b[i..].iter().take_while(|c| c.is_ascii_digit()).collect();
        let j = i + lo.len();
        let Some(sep) = b.get(j) else { continue };
        if !['-', '~', '～', '—', '到', '至', '–'].contains(sep) {
            continue;
        }
        let hi: String = b[j + 1..].iter().take_while(|c| c.is_ascii_digit()).collect();
        let (Ok(lo), Ok(hi)) = (lo.parse::<i64>(), hi.parse::<i64>()) else { continue };
        if (0..=1).contains(&lo) && (3..=10).contains(&hi) {
            return Some((lo, hi));
        }
    }
    None
}

/// The options of a numbered scale (`0分` … `10分`), from the scores the data shows
/// widened to the usual ranges: from 1 (or 0 when 0 appears) to at least 5, and to 10 when
/// 0 and scores above 5 appear (a 0–10 scale); the range the question's wording states
/// (`0-10分`) wins. `pair`: (score − code, highest code) from the code export, which fixes
/// where the codes start. `None` when the scores are not whole numbers in a range of at
/// most 100.
pub(super) fn scale_options(points: impl Iterator<Item = f64>, pair: Option<(i64, i64)>, text: &str) -> Option<Vec<OptionDef>> {
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
    let (mut lo, mut hi) = (lo.min(1.0), hi.max(5.0));
    if lo == 0.0 && hi > 5.0 && hi < 10.0 {
        hi = 10.0;
    }
    if let Some((a, b)) = stated_range(text) {
        if a as f64 <= lo.max(0.0) && b as f64 >= hi.min(b as f64) {
            lo = a as f64;
            hi = hi.max(b as f64);
        }
    }
    if hi - lo > 100.0 || lo < -100.0 {
        return None;
    }
    Some((lo as i64..=hi as i64).map(|k| OptionDef::Plain(format!("{k}分"))).collect())
}

/// For a numbered scale exported both ways: the one offset between the score in the text
/// export's labels and the code in the code export (`0分` ↔ 1 gives −1), and the highest
/// code seen. `None` when the respondents disagree or no label is numbered.
pub(super) fn score_offset(tf: &FileDrafts, tc: u32, cf: &FileDrafts, cc: u32) -> Option<(i64, i64)> {
    let mut offset = None;
    let mut max_code = i64::MIN;
    for (code, text) in code_texts(tf, tc, cf, cc) {
        let p = crate::survey::label_number(&text)?;
        let d = p as i64 - code;
        if offset.is_some_and(|o| o != d) {
            return None;
        }
        offset = Some(d);
        max_code = max_code.max(code);
    }
    offset.map(|o| (o, max_code))
}

/// (code, text) for every respondent found in both exports, matched by 序号 when both
/// files have it, else by row.
pub(super) fn code_texts(tf: &FileDrafts, tc: u32, cf: &FileDrafts, cc: u32) -> Vec<(i64, String)> {
    let key = |f: &FileDrafts, r: u32| -> String {
        match f.seq_col {
            Some(c) => f.cells.get_value((r, c)).map(cell_text).unwrap_or_default(),
            None => (r - f.header_row).to_string(),
        }
    };
    let texts: HashMap<String, String> = column_values(tf, tc).into_iter().map(|(r, d)| (key(tf, r), cell_text(d))).collect();
    column_values(cf, cc).into_iter().filter_map(|(r, d)| Some((int_of(d)?, texts.get(&key(cf, r))?.clone()))).collect()
}

/// Orders the options of a single-choice question by the code export's numbers, matching
/// respondents by 序号 when both files have it, else by row.
pub(super) fn pair_options(tf: &FileDrafts, tc: u32, cf: &FileDrafts, cc: u32, fallback: &[OptionDef]) -> Vec<OptionDef> {
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
