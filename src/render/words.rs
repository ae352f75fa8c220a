//! Wording shared by every output: how a test, a p-value, a banner, a wave and a small
//! base are said to users. One place, so the workbook, the CSVs, the terminal summary
//! (and later the written report) say the same thing.

use crate::stats::inference::{Independence, TestKind};
use crate::stats::{Banner, BaseFlag, Scope, Table};
use crate::survey::Survey;

/// `p<0.001` or `p=0.042`.
pub fn fmt_p(p: f64) -> String {
    if p < 0.001 {
        "p<0.001".into()
    } else {
        format!("p={p:.3}")
    }
}

/// Why an unreliable chi-square has no exact p-value beside it.
fn no_exact(x: &Independence) -> &'static str {
    if x.design.is_some() {
        "按抽样设计计算的检验没有精确检验"
    } else if x.weighted {
        "加权数据不做精确检验"
    } else if x.n > crate::stats::exact::SIMULATION_MAX_N as f64 {
        "样本超过 20 万时不做精确检验"
    } else {
        "表格过大，未能算出精确检验"
    }
}

/// The line under a crosstab: the test and its caveats, or why there is none.
pub fn test_line(t: &Table) -> String {
    match &t.test {
        Some(x) => {
            let mut s = match x.test {
                TestKind::Fisher => {
                    format!("Fisher 精确检验：{}（χ²={:.2}，Cramér's V={:.3}）", fmt_p(x.p_value), x.statistic, x.cramers_v)
                }
                TestKind::ChiSquare => format!(
                    "卡方检验（全部分组）：χ²={:.2}，自由度={}，{}，Cramér's V={:.3}",
                    x.statistic,
                    x.df,
                    fmt_p(x.p_value),
                    x.cramers_v
                ),
                TestKind::RaoScott => {
                    let (ndf, ddf) = x.design.unwrap_or((f64::NAN, f64::NAN));
                    format!("Rao–Scott 校正卡方检验（按抽样设计）：F={:.2}，自由度=({ndf:.2}, {ddf:.1})，{}", x.statistic, fmt_p(x.p_value))
                }
            };
            if x.unreliable() && x.test != TestKind::Fisher {
                s += &format!("。注意：{}", low_expected(x));
                match &x.exact {
                    Some(e) => s += &format!("；{}：{}", e.method.label(), fmt_p(e.p_value)),
                    None if x.test != TestKind::Fisher => s += &format!("（{}，结果仅供参考）", no_exact(x)),
                    None => {}
                }
            }
            s
        }
        None => t.test_note.as_ref().map(|n| format!("未做检验：{n}")).unwrap_or_default(),
    }
}

/// "40% 的期望频数小于 5，卡方检验不可靠".
fn low_expected(x: &Independence) -> String {
    format!("{:.0}% 的期望频数小于 5，卡方检验不可靠", x.low_expected_share * 100.0)
}

/// The `note` column of tests.csv: the caveat of an unreliable test, or why none was run.
pub fn test_note(t: &Table) -> String {
    match (&t.test, &t.test_note) {
        (Some(x), _) => caveat(x),
        (None, Some(why)) => format!("未做检验：{why}"),
        (None, None) => String::new(),
    }
}

/// The caveat of a test: none for Fisher's exact test (small expected counts are why it
/// was chosen) or a reliable chi-square; for an unreliable chi-square, where the exact
/// p-value is, or why there is none (weights, size).
fn caveat(x: &Independence) -> String {
    match x.test {
        TestKind::Fisher => String::new(),
        _ if !x.unreliable() => String::new(),
        _ if x.exact.is_some() => format!("{}，请看精确检验 p 值", low_expected(x)),
        _ => format!("{}（{}）", low_expected(x), no_exact(x)),
    }
}

/// The label of one line of a table: the option for a share, the measure alone for a
/// figure of the whole question (a number question's mean is 平均值, not 平均分), else
/// `option（measure）`.
pub fn row_label(option: &str, measure: crate::stats::Measure, kind: crate::survey::Kind) -> String {
    if option.is_empty() {
        measure.label_in(kind).to_string()
    } else if measure == crate::stats::Measure::Percent {
        option.to_string()
    } else {
        format!("{option}（{}）", measure.label_in(kind))
    }
}

/// How a banner is named to users: a noun (身份 for “您的身份是：”, or the question's
/// `label`), 单位, 年份.
pub fn banner_label(survey: &Survey, b: &Banner) -> String {
    match b {
        Banner::Question(id) => match survey.question(id) {
            Some(q) => q.name(),
            None => id.clone(),
        },
        Banner::Unit => "单位".into(),
        Banner::Wave => "年份".into(),
        Banner::Column(c) => c.clone(),
    }
}

/// A wave as sentences name it: `2025年` for a year, the label as it is otherwise.
pub fn wave_name(w: &str) -> String {
    if !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()) {
        format!("{w}年")
    } else {
        w.to_string()
    }
}

/// The wave before a chart's base: `2025年 `, `各年份合计 `, or nothing.
pub fn scope_prefix(s: &Scope) -> String {
    match s {
        Scope::AllWaves => "各年份合计 ".to_string(),
        Scope::Wave(w) if w.is_empty() => String::new(),
        Scope::Wave(w) => format!("{} ", wave_name(w)),
    }
}

/// A table's heading: `Q3：题目 [单选题]`, with the wave first when asked.
pub fn table_heading(t: &Table, with_wave: bool) -> String {
    let wave = match &t.scope {
        Scope::Wave(w) if with_wave && !w.is_empty() => format!("{w} "),
        Scope::AllWaves if with_wave => "全部 ".to_string(),
        _ => String::new(),
    };
    format!("{wave}{}：{} [{}]", t.question_id(), t.text, t.kind.label())
}

/// A native chart's title: the question as asked (its id and kind are in the table's
/// heading beside it, not in a chart that may be copied into a document).
pub fn chart_heading(t: &Table) -> String {
    t.text.clone()
}

/// The terminal's line for a crosstab with no test: `Q3 × Q1（2025）：reason`.
pub fn untested(t: &Table) -> Option<String> {
    let why = t.test_note.as_ref()?;
    let banner = t.banner().map(|b| b.name()).unwrap_or("");
    let wave = match t.scope.label() {
        "" => String::new(),
        w => format!("（{w}）"),
    };
    Some(format!("{} × {banner}{wave}：{why}", t.question))
}

/// The mark users see beside a base: read with care, or too small to compare.
pub fn base_mark(flag: BaseFlag) -> &'static str {
    match flag {
        BaseFlag::Ok => "",
        BaseFlag::Caution => "谨慎解读",
        BaseFlag::Small | BaseFlag::Empty => "样本过少",
    }
}

/// The significance cell of a change: the arrow when significant, else why not.
pub fn change_mark(c: &crate::stats::changes::Change) -> &'static str {
    significance(c.sig, c.test.is_some(), c.change.is_some(), false)
}

/// The significance cell of any change (figures, units, indices): the arrow, 无显著变化,
/// or why there is no test.
pub fn significance(sig: Option<crate::stats::changes::Direction>, tested: bool, has_change: bool, index: bool) -> &'static str {
    match (sig, tested) {
        (Some(d), _) => d.arrow(),
        (None, true) => "无显著变化",
        (None, false) if index => "指数不做检验",
        (None, false) if has_change => "未检验（样本量不足）",
        (None, false) => "",
    }
}

/// A rank change as users read it: `↑3`, `↓2`, `持平`.
pub fn rank_move(k: Option<i64>) -> String {
    match k {
        Some(k) if k > 0 => format!("↑{k}"),
        Some(k) if k < 0 => format!("↓{}", -k),
        Some(_) => "持平".into(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test(kind: TestKind, weighted: bool, n: f64) -> Independence {
        Independence {
            test: kind,
            statistic: 3.0,
            df: 1,
            p_value: 0.08,
            cramers_v: 0.2,
            low_expected_share: 0.5,
            exact: None,
            weighted,
            n,
            design: None,
        }
    }

    #[test]
    fn caveats_say_only_what_applies() {
        // A 2×2 table gets Fisher's exact test: no word on the chi-square or on weights.
        assert_eq!(caveat(&test(TestKind::Fisher, false, 40.0)), "");
        let weighted = caveat(&test(TestKind::ChiSquare, true, 40.0));
        assert!(
            weighted.contains("卡方检验不可靠") && weighted.contains("加权数据不做精确检验") && !weighted.contains("20 万"),
            "{weighted}"
        );
        let large = caveat(&test(TestKind::ChiSquare, false, 300_000.0));
        assert!(large.contains("样本超过 20 万") && !large.contains("加权"), "{large}");
    }
}
