//! One question from its drafts: the text export's draft and the code export's draft of
//! the same question (either may be missing), with the kind and options their columns'
//! answers give, a codebook's labels, and the pair's option order and codes.

use calamine::Data;
use std::collections::HashMap;

use super::drafts::{column_values, joined_values, Draft, FileDrafts, OtherOf};
use super::options::*;
use super::scan::{classify, classify_scanned, Classified, ColumnScan, ColumnScans, Ctx};
use super::{InferNotes, Pair};
use crate::ingest::cell_text;
use crate::ingest::cells::{flag, int_of, Flag};
use crate::survey::{Kind, OptionDef, Question};
use crate::text::{norm, parse_points};

/// Every question, in questionnaire order: the text export's drafts, then questions only
/// the code export has, by number.
pub(super) fn questions(pair: &Pair, scans: &mut [ColumnScans], notes: &mut InferNotes) -> Vec<Question> {
    let base = pair.text.or(pair.code).map(|f| f.drafts.as_slice()).unwrap_or(&[]);
    let mut order: Vec<(Option<&Draft>, Option<&Draft>)> = Vec::new();
    let code_of = |d: &Draft| {
        pair.code
            .filter(|_| pair.text.is_some())
            .and_then(|c| c.drafts.iter().find(|x| x.number == d.number && x.number < 10_000 && x.id == d.id))
    };
    for d in base {
        match pair.text {
            Some(_) => order.push((Some(d), code_of(d))),
            None => order.push((None, Some(d))),
        }
    }
    if let (Some(_), Some(c)) = (pair.text, pair.code) {
        for d in &c.drafts {
            if d.number < 10_000 && !base.iter().any(|t| t.number == d.number && t.id == d.id) {
                order.push((None, Some(d)));
            }
        }
        order.sort_by_key(|(t, c)| t.or(*c).map(|d| d.number).unwrap_or(0));
    }
    let scanned = prescanned(pair, &order, scans);
    // Reading every answer of every column is the costly part: the questions are made in
    // parallel, then kept in questionnaire order.
    use rayon::prelude::*;
    let made: Vec<(Question, Option<String>)> = order
        .par_iter()
        .enumerate()
        .map(|(i, (td, cd))| {
            let scan = scanned.get(&i).and_then(|s| s.lock().ok().and_then(|mut s| s.take()));
            question(pair, *td, *cd, scan)
        })
        .collect();
    let mut out: Vec<Question> = Vec::with_capacity(made.len());
    for (q, doubt) in made {
        if let Some(why) = doubt {
            notes.doubts.push((q.id.clone(), why));
        }
        out.push(q);
    }
    batteries(&mut out, pair.code_only);
    out
}

/// The scans made while reading, for whole columns of a plain sheet.
fn prescanned(
    pair: &Pair,
    order: &[(Option<&Draft>, Option<&Draft>)],
    scans: &mut [ColumnScans],
) -> HashMap<usize, std::sync::Mutex<Option<ColumnScan>>> {
    let mut out = HashMap::new();
    for (i, (td, cd)) in order.iter().enumerate() {
        let (f, k, d) = match (td, cd) {
            (Some(d), _) => (pair.text, pair.text_idx, d),
            (None, Some(d)) => (pair.code, pair.code_idx, d),
            _ => continue,
        };
        let (Some(f), Some(k), Some(c)) = (f, k, d.whole) else { continue };
        if f.plain && d.extra.is_empty() && d.rows.is_empty() && d.split.is_empty() {
            if let Some(s) = scans.get_mut(k).and_then(|s| s.take(&f.sheet, f.header_row, c)) {
                out.insert(i, std::sync::Mutex::new(Some(s)));
            }
        }
    }
    out
}

/// Whether a code can be a question's id as it is (`Q1`, `A3`; not `Q3|A1`).
fn id_like(code: &str) -> bool {
    crate::ingest::platform::is_code(code) && code.chars().all(|c| c.is_ascii_alphanumeric())
}

fn blank_question(d: &Draft) -> Question {
    let id = d.id.clone().or_else(|| id_like(&d.key).then(|| d.key.clone())).unwrap_or_else(|| {
        if d.number < 10_000 {
            format!("Q{}", d.number)
        } else {
            String::new()
        }
    });
    let mut aliases = d.aliases.clone();
    if !d.key.is_empty() && norm(&d.key) != norm(&id) && !aliases.contains(&d.key) {
        aliases.push(d.key.clone());
    }
    let mut q = Question::new(id, d.text.clone(), Kind::Text);
    q.required = d.required;
    q.aliases = aliases;
    q
}

/// One question from its drafts, with a note when its kind was a close call.
fn question(pair: &Pair, td: Option<&Draft>, cd: Option<&Draft>, scan: Option<ColumnScan>) -> (Question, Option<String>) {
    let Some(d) = td.or(cd) else { unreachable!("a question has a draft") };
    let f = if td.is_some() { pair.text } else { pair.code };
    let Some(f) = f else { unreachable!("a draft has its file") };
    let mut q = blank_question(d);
    if q.text.is_empty() {
        q.text =
            if d.number < 10_000 { format!("第{}题（请补全题目）", d.number) } else { format!("{}（请补全题目）", q.id) };
    }
    if td.is_none() && q.text.starts_with('第') && !cd.is_some_and(|c| c.text.is_empty()) {
        q.text = d.text.clone();
    }
    q.required = td.is_some_and(|d| d.required) || cd.is_some_and(|d| d.required);
    let coded = (td.is_none() && pair.code_only) || f.panel || f.codebook.is_some();
    let mut doubt = None;
    if !d.rows.is_empty() {
        let offset = match (pair.text, pair.code, td, cd) {
            (Some(tf), Some(cf), Some(t), Some(c)) if !t.rows.is_empty() => {
                let cc = c.rows.first().map(|r| r.1).or(c.split.first().map(|s| s.1));
                cc.and_then(|cc| score_offset(tf, t.rows[0].1, cf, cc))
            }
            _ => None,
        };
        rows_question(&mut q, f, &d.rows, offset, coded || td.is_none() && pair.code.is_some());
    } else if let Some(cd) = cd.filter(|d| !d.split.is_empty()) {
        split_question(&mut q, pair, td, cd);
    } else if !d.split.is_empty() {
        split_alone(&mut q, f, d, coded || f.panel);
    } else if let Some(c) = d.whole {
        if !d.extra.is_empty() {
            // A cascade: its levels are one combined answer (`广东省/深圳市`).
            let cols: Vec<u32> = std::iter::once(c).chain(d.extra.iter().copied()).collect();
            let joined = joined_values(f, &cols);
            q.kind = Kind::Text;
            doubt = Some(format!("级联题：{} 列合为一个答案（用“/”连接）", cols.len()));
            let _ = joined;
        } else {
            doubt = whole_question(&mut q, pair, td, cd, c, scan, coded);
        }
    }
    (q, doubt)
}

/// Matrix rows: a rating per row (points `N分`, integers, ladder texts), or flags per row
/// (a multi-select written as `题干—选项` columns).
fn rows_question(q: &mut Question, f: &FileDrafts, rows: &[(String, u32)], offset: Option<(i64, i64)>, coded: bool) {
    let values: Vec<&Data> = rows.iter().flat_map(|(_, c)| column_values(f, *c)).map(|(_, d)| d).collect();
    let labels: Vec<String> = rows.iter().map(|(l, _)| l.clone()).collect();
    if !values.is_empty()
        && values.iter().all(|d| matches!(flag(d), Flag::Yes | Flag::No | Flag::Blank(_)))
        && values.iter().any(|d| flag(d) == Flag::Yes)
    {
        q.kind = Kind::Multi;
        q.options = labels.into_iter().map(|l| OptionDef::new(l.clone(), is_other_text(&l))).collect();
        return;
    }
    q.kind = Kind::Matrix;
    q.rows = labels;
    let points: Vec<f64> = values
        .iter()
        .filter_map(|v| match v {
            Data::String(s) => parse_points(s),
            _ => int_of(v).map(|i| i as f64),
        })
        .collect();
    if points.len() == values.len() {
        let max = points.iter().cloned().fold(0.0, f64::max) as i64;
        if coded && offset.is_none() && values.iter().all(|v| int_of(v).is_some()) && (1..=15).contains(&max) {
            q.options = (1..=max.max(2)).map(|k| OptionDef::Plain(format!("选项{k}（请补全）"))).collect();
            return;
        }
        if let Some(o) = scale_options(points.into_iter(), offset, &q.text) {
            q.options = o;
            return;
        }
    }
    let texts = values.iter().map(|d| cell_text(d));
    let opts = sensible_order(collect_options(texts, None));
    q.options = if opts.is_empty() || opts.len() > 15 { (1..=5).map(|k| OptionDef::Plain(format!("{k}分"))).collect() } else { opts };
}

/// Split columns of a code export, paired with the text export's whole column or rows.
fn split_question(q: &mut Question, pair: &Pair, td: Option<&Draft>, cd: &Draft) {
    let Some(cf) = pair.code else { return };
    let is_rank = cd.split.iter().any(|(_, c)| column_values(cf, *c).iter().any(|(_, v)| matches!(int_of(v), Some(k) if k > 1 || k == -2)));
    let text_kind = match (pair.text, td.and_then(|t| t.whole)) {
        (Some(tf), Some(c)) => Some(classify(&column_values(tf, c), Ctx { text: &q.text, coded: false }).0),
        _ => None,
    };
    q.kind = match text_kind {
        Some(Kind::Rank) => Kind::Rank,
        Some(Kind::Multi) => Kind::Multi,
        _ if is_rank => rank_or_matrix(cf, &cd.split),
        _ => Kind::Multi,
    };
    apply_split(q, cf, &cd.split);
    if td.is_none() && !cd.text.is_empty() {
        q.text = cd.text.clone();
    }
}

/// Split columns with no text export beside them: flags → multi, distinct ranks →
/// ranking, ratings → matrix.
fn split_alone(q: &mut Question, f: &FileDrafts, d: &Draft, coded: bool) {
    let split = &d.split;
    let values: Vec<&Data> = split.iter().flat_map(|(_, c)| column_values(f, *c)).map(|(_, d)| d).collect();
    let labelled = split.iter().all(|(l, c)| {
        column_values(f, *c).iter().all(|(_, d)| norm(&cell_text(d)) == norm(l) || matches!(flag(d), Flag::Yes | Flag::No | Flag::Blank(_)))
    });
    q.kind = if labelled && (values.is_empty() || values.iter().any(|d| flag(d) != Flag::No)) {
        Kind::Multi
    } else if values.iter().all(|d| int_of(d).is_some()) {
        rank_or_matrix(f, split)
    } else {
        Kind::Matrix
    };
    apply_split(q, f, split);
    mark_others(q, d);
    if q.kind == Kind::Matrix && !coded {
        let texts = values.iter().map(|d| cell_text(d));
        let opts = sensible_order(collect_options(texts, None));
        if !opts.is_empty() && opts.len() <= 15 && values.iter().any(|d| int_of(d).is_none()) {
            q.options = opts;
        }
    }
}

/// Options with a written-text column beside them (`Q3|A5|open`, `其他_填空`) are
/// "other, please specify" options.
fn mark_others(q: &mut Question, d: &Draft) {
    if !matches!(q.kind, Kind::Multi | Kind::Single) {
        return;
    }
    for (of, _) in &d.others {
        let k = match of {
            OtherOf::Index(k) => Some(*k),
            OtherOf::Label(l) => q.options.iter().position(|o| norm(o.text()) == norm(l)),
        };
        if let Some(o) = k.and_then(|k| q.options.get_mut(k)) {
            *o = OptionDef::new(o.text().to_string(), true);
        }
    }
}

/// Options (or rows) of split columns, with a matrix's placeholder options.
fn apply_split(q: &mut Question, f: &FileDrafts, split: &[(String, u32)]) {
    let mut labels: Vec<String> = split.iter().map(|(l, _)| l.clone()).collect();
    let distinct: std::collections::HashSet<String> = labels.iter().map(|l| norm(l)).collect();
    if distinct.len() != labels.len() || labels.iter().any(|l| l.is_empty() || crate::ingest::platform::is_code(l)) {
        labels = (1..=split.len()).map(|k| format!("选项{k}（请补全）")).collect();
    }
    if q.kind == Kind::Matrix {
        let max = split.iter().flat_map(|(_, c)| column_values(f, *c)).filter_map(|(_, d)| int_of(d)).max().unwrap_or(5).clamp(2, 15);
        q.rows = labels;
        q.options = (1..=max).map(|k| OptionDef::Plain(format!("选项{k}（请补全）"))).collect();
    } else {
        q.options = labels.into_iter().map(|o| OptionDef::new(o.clone(), is_other_text(&o))).collect();
    }
}

/// Ranks (each respondent's numbers distinct, at most the number of options, or `-2` for
/// not ranked) or ratings (a matrix).
fn rank_or_matrix(f: &FileDrafts, split: &[(String, u32)]) -> Kind {
    let n = split.len() as i64;
    let mut not_ranked = false;
    for &r in &f.rows {
        let mut seen = Vec::new();
        for (_, c) in split {
            match f.cells.get_value((r, *c)).and_then(int_of) {
                Some(-2) => not_ranked = true,
                Some(k) if k >= 1 => {
                    if k > n || seen.contains(&k) {
                        return Kind::Matrix;
                    }
                    seen.push(k);
                }
                _ => {}
            }
        }
    }
    let _ = not_ranked;
    Kind::Rank
}

/// A whole-cell question: its kind from all its answers (the scan made while reading
/// when there is one), the codebook's labels, the header's type hint, the pair's codes.
fn whole_question(
    q: &mut Question,
    pair: &Pair,
    td: Option<&Draft>,
    cd: Option<&Draft>,
    c: u32,
    scan: Option<ColumnScan>,
    coded: bool,
) -> Option<String> {
    let f = if td.is_some() { pair.text? } else { pair.code? };
    let d = td.or(cd)?;
    let vals = || column_values(f, c);
    if let Some(cq) = f.codebook.as_ref().and_then(|b| b.find(&d.key_or_text(), Some(d.number).filter(|n| *n < 10_000), &d.text)) {
        if cq.options.len() >= 2 {
            codebook_question(q, cq);
            return None;
        }
    }
    let ctx = Ctx { text: &q.text, coded };
    // Columns scanned while reading need their answers again only for a multi-select or
    // a ranking (to collect the parts).
    let (mut kind, opts, mut doubt): Classified = match scan {
        Some(s) if !s.needs_values() => classify_scanned(&[], ctx, s),
        Some(s) => classify_scanned(&vals(), ctx, s),
        None => classify(&vals(), ctx),
    };
    q.options = opts;
    // The pair: a column coded with integers in the code export is a choice question.
    if let (Some(cf), Some(cc)) = (pair.code, cd.and_then(|d| d.whole)) {
        let coded_vals = column_values(cf, cc);
        let all_ints = coded_vals.iter().all(|(_, v)| int_of(v).is_some());
        if td.is_some() && kind == Kind::Text && !coded_vals.is_empty() && all_ints {
            kind = Kind::Single;
            doubt = None;
        }
        if td.is_some() && kind == Kind::Single && !all_ints {
            kind = Kind::Text;
            q.options.clear();
        }
    }
    kind = apply_hint(q, kind, td.and_then(|d| d.hint).or(cd.and_then(|d| d.hint)), td.is_some(), &vals, &mut doubt);
    // Options seen only as texts come in first-appearance order: put them in a sensible
    // one (numbers ascending, ladders in their order, 其他 last). The code export's
    // numbers, when there, are the questionnaire's own order.
    let paired = pair.code.is_some() && cd.is_some_and(|d| d.whole.is_some()) && td.is_some();
    if td.is_some() && !paired && matches!(kind, Kind::Single | Kind::Multi | Kind::Rank) {
        q.options = sensible_order(std::mem::take(&mut q.options));
    }
    q.kind = kind;
    if let (Some(tf), Some(cf), Some(cd)) = (pair.text, pair.code, cd) {
        pair_codes(q, tf, c, cf, cd);
    }
    mark_others(q, d);
    doubt
}

/// The header's type suffix says the kind; the data only guess it.
fn apply_hint<'a>(
    q: &mut Question,
    kind: Kind,
    hint: Option<Kind>,
    text_file: bool,
    vals: &dyn Fn() -> Vec<(u32, &'a Data)>,
    doubt: &mut Option<String>,
) -> Kind {
    let Some(h) = hint else { return kind };
    if h == Kind::Text {
        *doubt = None;
    }
    let texts = || vals().into_iter().map(|(_, d)| cell_text(d)).collect::<Vec<_>>();
    match h {
        _ if h == kind => kind,
        Kind::Text if kind != Kind::Number => {
            q.options.clear();
            *doubt = None;
            Kind::Text
        }
        Kind::Single | Kind::Scale if !q.options.is_empty() => h,
        Kind::Single | Kind::Scale if text_file && kind == Kind::Text => {
            let opts = collect_options(texts().iter(), None);
            if opts.len() <= 30 {
                q.options = opts;
                *doubt = None;
                h
            } else {
                kind
            }
        }
        Kind::Multi if text_file => {
            q.options = collect_options(texts().iter(), Some('┋'));
            *doubt = None;
            h
        }
        Kind::Rank if text_file => {
            q.options = collect_options(texts().iter(), Some('→'));
            *doubt = None;
            h
        }
        _ => kind,
    }
}

/// The pair: the code → text mapping orders single-choice options by their codes; a
/// numbered scale's codes say where it starts and how far it reaches.
fn pair_codes(q: &mut Question, tf: &FileDrafts, c: u32, cf: &FileDrafts, cd: &Draft) {
    let Some(cc) = cd.whole else { return };
    match q.kind {
        Kind::Single => q.options = pair_options(tf, c, cf, cc, &q.options),
        Kind::Scale => {
            let points = column_values(tf, c).into_iter().filter_map(|(_, d)| parse_points(&cell_text(d)));
            if let Some(o) = scale_options(points, score_offset(tf, c, cf, cc), &q.text) {
                q.options = o;
            }
        }
        _ => {}
    }
}

/// A question the codebook describes: its text (when the data sheet names it by code
/// only) and its options, in code order; codes other than 1, 2, … are kept as aliases.
fn codebook_question(q: &mut Question, cq: &super::sheets::CodeQuestion) {
    if !cq.text.is_empty()
        && (q.text.is_empty()
            || q.text.contains("请补全题目")
            || crate::ingest::platform::is_code(&q.text)
            || q.text.chars().all(|c| c.is_ascii_digit()))
    {
        if !q.aliases.contains(&q.text) && !q.text.is_empty() && norm(&q.text) != norm(&q.id) && !q.text.contains("请补全题目") {
            q.aliases.push(q.text.clone());
        }
        q.text = cq.text.clone();
    }
    let mut opts = cq.options.clone();
    opts.sort_by_key(|(k, _)| *k);
    opts.dedup_by_key(|(k, _)| *k);
    let positional = opts.iter().enumerate().all(|(i, (k, _))| *k == i as i64 + 1);
    q.kind = Kind::Single;
    q.options = opts
        .iter()
        .map(|(k, t)| match positional {
            true => OptionDef::new(t.clone(), is_other_text(t)),
            false => OptionDef::Full { text: t.clone(), aliases: vec![k.to_string()], other: is_other_text(t), score: None },
        })
        .collect();
    let texts: Vec<String> = q.options.iter().map(|o| norm(o.text())).collect();
    if texts.len() >= 4 && LADDERS.iter().any(|l| texts.iter().all(|t| l.contains(&t.as_str()))) {
        q.kind = Kind::Scale;
    }
}

/// A code export with no text export: runs of three or more coded questions with the same
/// codes (a battery of statements, 1–5 each) are scales.
fn batteries(qs: &mut [Question], code_only: bool) {
    if !code_only {
        return;
    }
    let placeholder =
        |q: &Question| matches!(q.kind, Kind::Single | Kind::Scale) && q.options.iter().all(|o| o.text().ends_with("（请补全）"));
    let mut i = 0;
    while i < qs.len() {
        let mut j = i;
        while j < qs.len() && placeholder(&qs[j]) && qs[j].options.len() == qs[i].options.len() {
            j += 1;
        }
        if j - i >= 3 && qs[i].options.len() >= 4 {
            for q in &mut qs[i..j] {
                q.kind = Kind::Scale;
            }
        }
        i = j.max(i + 1);
    }
}

impl Draft {
    /// How a codebook may name the column: its code, else its text.
    fn key_or_text(&self) -> String {
        if self.key.is_empty() {
            self.text.clone()
        } else {
            self.key.clone()
        }
    }
}
