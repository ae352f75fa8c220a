//! Finding sentences of the written report, from the computed figures only, in the
//! register of Chinese survey reports. Honesty is a rule: a difference or a change is
//! called 明显/显著 only when its test says so (p < α; for an unreliable chi-square only
//! through its exact p-value), otherwise 差别不大 / 基本持平; a group below the minimum
//! base is marked （样本较少，仅供参考）; every percentage is a results.csv value rounded
//! to one decimal.

use crate::stats::changes::{Change, Direction};
use crate::stats::{BaseFlag, Measure, Results, Table};
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
            format!(
                "在“{}”一题中（多选，比例按填写人数计算），选择最多的是{}。",
                q.text,
                list(&r.iter().take(3).copied().collect::<Vec<_>>(), pct)
            )
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
            format!("“{}”平均为{m:.1}，中位数为{md}，最少{lo}，最多{hi}（{n}人填写）。", q.text)
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

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p<0.001".into()
    } else {
        format!("p={p:.3}")
    }
}

/// The sentence of one crosstab (question × banner) of a choice question: the leading
/// option's share in each group, and whether the groups differ.
pub fn crosstab(t: &Table, banner_label: &str, alpha: f64) -> Option<String> {
    let overall = ranked(t, Measure::Percent);
    let (opt, _) = *overall.first()?;
    let row = t.row(opt, Measure::Percent)?;
    let groups: Vec<String> = (1..t.columns.len())
        .filter(|&c| t.bases[c] > 0)
        .filter_map(|c| {
            let v = row.cells[c].value?;
            let small = if matches!(t.flags[c], BaseFlag::Small) { "（样本较少，仅供参考）" } else { "" };
            Some(format!("{}{}{}", t.columns[c], pct(v), small))
        })
        .collect();
    if groups.len() < 2 {
        return None;
    }
    let head = format!("分{}看，选择“{}”的比例：{}", banner_label, opt, groups.join("，"));
    Some(match crosstab_p(t) {
        Some(p) if p < alpha => format!("{head}。不同{banner_label}之间差异明显（{}）。", p_text(p)),
        Some(p) => format!("{head}。不同{banner_label}之间的差异未达到统计显著（{}）。", p_text(p)),
        None => format!("{head}。由于部分分组人数太少，无法可靠检验差异，仅供参考。"),
    })
}

/// The change of one figure from the previous wave, as a clause: `比2025年下降5.2个百分点`
/// when significant, `与2025年基本持平（2025年为X%）` otherwise.
pub fn change(c: &Change) -> Option<String> {
    let (from, to, d) = (c.value_from?, c.value_to?, c.change?);
    let share = c.measure.is_percent();
    let unit = if share { "个百分点" } else { "分" };
    let show = |v: f64| if share { pct(v) } else { format!("{v:.2}分") };
    Some(match c.sig {
        Some(dir) => {
            let word = if dir == Direction::Up { "上升" } else { "下降" };
            let mut s = format!("为{}，比{}年{word}{:.1}{unit}（变化显著）", show(to), c.from, d.abs());
            if let Some(l) = c.like.as_ref().filter(|l| l.composition) {
                s += &format!(
                    "，但这一变化主要来自参加单位及其人数构成的变化：两年都参加的{}个单位合计变化{:+.1}{unit}，各单位等权平均变化{:+.1}{unit}",
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
