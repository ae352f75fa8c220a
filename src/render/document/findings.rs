//! Finding sentences of the written report, from the computed figures only, in the
//! register of Chinese survey reports. Honesty is a rule: a difference or a change is
//! called 明显/显著 only when its test says so (p < α; for an unreliable chi-square only
//! through its exact p-value), otherwise 差异未达到统计显著 / 基本持平; a group below the minimum
//! base is marked （样本较少，仅供参考）; every percentage is a results.csv value rounded
//! to one decimal.

use crate::stats::changes::{Change, Direction};
use crate::stats::{BaseFlag, Measure, Results, Row, Table};
use crate::survey::{Kind, Question};

/// A share as sentences show it: one decimal and `%`.
pub fn pct(v: f64) -> String {
    format!("{v:.1}%")
}

/// The options of a table's percent rows, highest share first: (option, share).
fn ranked(t: &Table, measure: Measure) -> Vec<(&str, f64)> {
    let mut v: Vec<(&str, f64)> = t
        .rows
        .iter()
        .filter(|r| r.measure == measure && !r.option.is_empty())
        .filter_map(|r| Some((r.option.as_str(), r.cells[0].value?)))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v
}

fn value(t: &Table, option: &str, m: Measure) -> Option<f64> {
    t.row(option, m).and_then(|r| r.cells[0].value)
}

/// `“A”（61.6%）、“B”（56.2%）和“C”（54.6%）`.
fn list(items: &[(&str, f64)], fmt: impl Fn(f64) -> String) -> String {
    let parts: Vec<String> = items.iter().map(|(o, v)| format!("“{o}”（{}）", fmt(*v))).collect();
    match parts.len() {
        0 => String::new(),
        1 => parts[0].clone(),
        n => format!("{}和{}", parts[..n - 1].join("、"), parts[n - 1]),
    }
}

/// The finding of one question (its whole-sample table of the report's wave); matrix
/// questions take all their row tables. `None` when nobody answered.
pub fn question(q: &Question, tables: &[&Table]) -> Option<String> {
    let t = *tables.first()?;
    if t.bases[0] == 0 {
        return None;
    }
    if let Some(tpl) = &q.finding {
        return Some(template(tpl, t));
    }
    let n = t.bases[0];
    Some(match q.kind {
        Kind::Single | Kind::Scale => {
            let r = ranked(t, Measure::Percent);
            let (first, rest) = r.split_first()?;
            let mut s = format!("在“{}”一题中，选择“{}”的占{}", q.text, first.0, pct(first.1));
            let next: Vec<(&str, f64)> = rest.iter().take(2).copied().collect();
            if !next.is_empty() {
                s += &format!("，其次是{}", list(&next, pct));
            }
            s += "。";
            if q.kind == Kind::Scale {
                if let (Some(m), Some(top)) = (value(t, "", Measure::Mean), value(t, "", Measure::Top2)) {
                    let hi = (0..q.options.len()).map(|i| q.score(i)).fold(f64::NEG_INFINITY, f64::max);
                    s += &format!("平均{m:.2}分（最高{hi}分），选择最高两档的合计占{}。", pct(top));
                }
            }
            s
        }
        Kind::Multi => {
            let r = ranked(t, Measure::Percent);
            format!("在“{}”一题中，选择最多的是{}。", q.text, list(&r.iter().take(3).copied().collect::<Vec<_>>(), pct))
        }
        Kind::Matrix => {
            let mut means: Vec<(&str, f64)> =
                tables.iter().filter_map(|t| Some((t.question.split_once('/')?.1, value(t, "", Measure::Mean)?))).collect();
            means.sort_by(|a, b| b.1.total_cmp(&a.1));
            let (hi, lo) = (means.first()?, means.last()?);
            format!("“{}”各项中，平均分最高的是“{}”（{:.2}分），最低的是“{}”（{:.2}分）。", q.text, hi.0, hi.1, lo.0, lo.1)
        }
        Kind::Rank => {
            let r = ranked(t, Measure::RankScore);
            let top: Vec<(&str, f64)> = r.iter().take(3).copied().collect();
            format!("在“{}”中，按综合得分排在前三位的依次是{}。", q.text, list(&top, |v| format!("综合得分{v:.2}")))
        }
        Kind::Number => {
            let (m, md, lo, hi) =
                (value(t, "", Measure::Mean)?, value(t, "", Measure::Median)?, value(t, "", Measure::Min)?, value(t, "", Measure::Max)?);
            let u = unit_of(q);
            format!("“{}”平均为{m:.1}{u}，中位数为{md}{u}，最少{lo}{u}，最多{hi}{u}（{n}人填写）。", q.text)
        }
        Kind::Text => format!("共有{n}人填写了“{}”。", q.text),
    })
}

/// A question's own sentence from survey.toml: {1} {2} {3}, {1%} {2%} {3%}, {n}, {mean}.
fn template(tpl: &str, t: &Table) -> String {
    let r = ranked(t, if t.kind == Kind::Rank { Measure::RankScore } else { Measure::Percent });
    let mut s = tpl.replace("{n}", &t.bases[0].to_string());
    for (k, (o, v)) in r.iter().enumerate().take(9) {
        s = s.replace(&format!("{{{}%}}", k + 1), &pct(*v)).replace(&format!("{{{}}}", k + 1), o);
    }
    if let Some(m) = value(t, "", Measure::Mean) {
        s = s.replace("{mean}", &format!("{m:.2}"));
    }
    s
}

/// The p-value a crosstab's finding may rest on (decided in stats).
pub fn crosstab_p(t: &Table) -> Option<f64> {
    t.test.as_ref()?.p_for_claims()
}

/// A group as sentences name it, marked when its base is below the minimum.
fn group_name(t: &Table, c: usize) -> String {
    let small = if matches!(t.flags[c], BaseFlag::Small) { "（样本较少）" } else { "" };
    format!("{}{small}", t.columns[c])
}

/// A group's figure with its name in brackets: `50.0%（国有企业人员，样本较少）`.
fn figure_of(t: &Table, c: usize, v: &str) -> String {
    let small = if matches!(t.flags[c], BaseFlag::Small) { "，样本较少" } else { "" };
    format!("{v}（{}{small}）", t.columns[c])
}

/// A compared row: how sentences name it, the row, how its figures are shown.
type Compared<'a> = (String, &'a Row, fn(f64) -> String);
/// Where a row's groups differ: its option, widest gap, (higher, lower) pairs, its index
/// among the compared rows.
type Lettered = (String, f64, Vec<(usize, usize)>, usize);

/// The rows a crosstab's group differences are read from, with how sentences name them and
/// show their figures: a scale or matrix row by its mean and top-two share, any other
/// question by each option's share.
fn compared_rows(t: &Table) -> Vec<Compared<'_>> {
    let scored = matches!(t.kind, Kind::Scale | Kind::Matrix);
    let score = |v: f64| format!("{v:.2}分");
    t.rows
        .iter()
        .filter_map(|r| match r.measure {
            Measure::Percent if !scored && !r.option.is_empty() => Some((format!("选择“{}”的比例", r.option), r, pct as fn(f64) -> String)),
            Measure::Mean if scored => Some(("平均分".to_string(), r, score as fn(f64) -> String)),
            Measure::Top2 if scored => Some(("选择最高两档的比例".to_string(), r, pct as fn(f64) -> String)),
            _ => None,
        })
        .collect()
}

/// Where a crosstab's groups differ by the column letters: per compared row, its widest
/// significant gap and the (higher, lower) column pairs; widest first.
fn lettered(t: &Table, groups: &[usize]) -> Vec<Lettered> {
    let mut out = Vec::new();
    for (k, (_, row, _)) in compared_rows(t).into_iter().enumerate() {
        let mut pairs = Vec::new();
        for &c in groups {
            for ch in row.cells[c].sig.chars().filter(|ch| ch.is_ascii_uppercase()) {
                let lo = (ch as u8 - b'A') as usize + 1;
                if lo < t.columns.len() {
                    pairs.push((c, lo));
                }
            }
        }
        let gap = pairs.iter().filter_map(|&(h, l)| Some(row.cells[h].value? - row.cells[l].value?)).fold(f64::NAN, f64::max);
        if !pairs.is_empty() {
            out.push((row.option.clone(), gap, pairs, k));
        }
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// `选择“机关”的比例，党政干部（61.6%）明显高于国有企业人员（50.0%）和其他（41.2%）`: per higher group
/// (at most three, the widest gaps first), the groups it is significantly higher than.
fn higher_than(t: &Table, k: usize, pairs: &[(usize, usize)]) -> Option<String> {
    let rows = compared_rows(t);
    let (label, row, show) = rows.get(k)?;
    let v = |c: usize| row.cells[c].value.map(show).unwrap_or_default();
    let mut his: Vec<usize> = pairs.iter().map(|p| p.0).collect();
    his.dedup();
    let cut = |n: usize| if n > 3 { "等" } else { "" };
    let parts: Vec<String> = his
        .iter()
        .take(3)
        .map(|&h| {
            let los: Vec<usize> = pairs.iter().filter(|p| p.0 == h).map(|p| p.1).collect();
            let said: Vec<String> = los.iter().take(3).map(|&l| format!("{}（{}）", group_name(t, l), v(l))).collect();
            format!("{}（{}）明显高于{}{}", group_name(t, h), v(h), said.join("、"), cut(los.len()))
        })
        .collect();
    Some(format!("{label}，{}{}", parts.join("，"), cut(his.len())))
}

/// The compared row whose figures spread most across the groups:
/// `选择“两者都有”的比例在各身份之间为0.0%（国有企业人员，样本较少）至47.4%（其他，样本较少）`.
fn spread(t: &Table, groups: &[usize], banner_label: &str) -> Option<String> {
    let mut best: Option<(usize, usize, usize, f64)> = None;
    let rows = compared_rows(t);
    for (k, (_, row, _)) in rows.iter().enumerate() {
        let vals: Vec<(usize, f64)> = groups.iter().filter_map(|&c| Some((c, row.cells[c].value?))).collect();
        let lo = vals.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1))?;
        let hi = vals.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1))?;
        if best.is_none_or(|b| hi.1 - lo.1 > b.3) {
            best = Some((k, lo.0, hi.0, hi.1 - lo.1));
        }
    }
    let (k, lo, hi, _) = best?;
    let (label, row, show) = &rows[k];
    let v = |c: usize| row.cells[c].value.map(show).unwrap_or_default();
    Some(format!("{label}在各{banner_label}之间为{}至{}", figure_of(t, lo, &v(lo)), figure_of(t, hi, &v(hi))))
}

/// The sentence of one crosstab (question × banner) of a choice or multi-select question:
/// where the groups differ — the options and the pairs of groups the column letters
/// (pairwise tests, adjusted per row) find, with their shares — and whether the groups
/// differ as a whole (the test of independence; multi-select questions have the letters
/// only). A spread that no test bears out is said to be 未达到统计显著 with its range.
pub fn crosstab(t: &Table, banner_label: &str, alpha: f64) -> Option<String> {
    let groups: Vec<usize> = (1..t.columns.len()).filter(|&c| t.bases[c] > 0).collect();
    if groups.len() < 2 {
        return None;
    }
    let found = lettered(t, &groups);
    let named: Vec<String> = found.iter().take(2).filter_map(|(_, _, pairs, k)| higher_than(t, *k, pairs)).collect();
    let whole = if t.kind == Kind::Multi { Some(if found.is_empty() { 1.0 } else { 0.0 }) } else { crosstab_p(t) };
    // The p-values are in the tables the notes point to (tests.csv, the workbook), not in
    // the sentence.
    Some(match whole {
        Some(p) if p < alpha && !named.is_empty() => format!("不同{banner_label}之间差异明显：{}。", named.join("；")),
        Some(p) if p < alpha => {
            format!("不同{banner_label}之间差异明显，但各组两两比较均未达到统计显著；{}。", spread(t, &groups, banner_label)?)
        }
        Some(_) => format!("{}，差异未达到统计显著。", spread(t, &groups, banner_label)?),
        None => format!("{}；由于部分分组人数太少，无法可靠检验差异，仅供参考。", spread(t, &groups, banner_label)?),
    })
}

/// Whether a crosstab's groups differ: its test of independence (p < α), or for a
/// multi-select question (no such test) any pair of groups the column letters separate.
pub fn differs(t: &Table, alpha: f64) -> bool {
    if t.kind == Kind::Multi {
        let groups: Vec<usize> = (1..t.columns.len()).filter(|&c| t.bases[c] > 0).collect();
        return !lettered(t, &groups).is_empty();
    }
    crosstab_p(t).is_some_and(|p| p < alpha)
}

/// A multi-select option by group in the style of survey reports: `党政干部占61.6%，事业单位人员占57.2%`.
pub fn shares_by_group(t: &Table, option: &str) -> Option<String> {
    let row = t.row(option, Measure::Percent)?;
    let parts: Vec<String> = (1..t.columns.len())
        .filter(|&c| t.bases[c] > 0)
        .filter_map(|c| Some(format!("{}占{}", group_name(t, c), pct(row.cells[c].value?))))
        .collect();
    (parts.len() >= 2).then(|| parts.join("，"))
}

/// The unit a question's means are said in: 分 for scales and matrices, a number
/// question's own `unit` (次, 人, 元), nothing otherwise.
pub fn unit_of(q: &Question) -> &str {
    match q.kind {
        Kind::Scale | Kind::Matrix => "分",
        Kind::Number => q.unit.as_deref().unwrap_or(""),
        _ => "",
    }
}

/// The change of one figure from the previous wave, as a clause: `为54.5%，比2025年下降13.9个百分点`
/// when significant, `与2025年基本持平（2025年为X%）` otherwise; means in the question's `unit`.
pub fn change(c: &Change, unit: &str) -> Option<String> {
    let (from, to, d) = (c.value_from?, c.value_to?, c.change?);
    let share = c.measure.is_percent();
    let digits = if unit == "分" { 2 } else { 1 };
    let show = |v: f64| if share { pct(v) } else { format!("{v:.digits$}{unit}") };
    let by = if share { format!("{:.1}个百分点", d.abs()) } else { format!("{:.digits$}{unit}", d.abs()) };
    Some(match c.sig {
        Some(dir) => {
            let word = if dir == Direction::Up { "上升" } else { "下降" };
            let mut s = format!("由{}{word}到{}，{word}{by}（变化显著）", show(from), show(to));
            if let Some(l) = c.like.as_ref().filter(|l| l.composition) {
                let u = if share { "个百分点" } else { unit };
                s += &format!(
                    "，但这一变化主要来自参加单位及其人数构成的变化：两年都参加的{}个单位合计变化{:+.1}{u}，各单位等权平均变化{:+.1}{u}",
                    l.units, l.same_units, l.equal_units
                );
            }
            s
        }
        None if c.test.is_some() => format!("为{}，与{}年（{}）基本持平（变化不显著）", show(to), c.from, show(from)),
        None => format!("为{}，{}年为{}（样本较少，未做检验，仅供参考）", show(to), c.from, show(from)),
    })
}

/// Whether the report has anything for section 三 (group differences, changes, units).
pub fn has_comparisons(r: &Results, banners: usize, changes: usize) -> bool {
    banners > 0 || changes > 0 || !r.leagues.is_empty()
}
