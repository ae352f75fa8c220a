//! Chart specifications: what each chart shows (bars, grouped bars, 100% stacked bars,
//! histograms), built from the stats tables only, bounded in size, and testable
//! without drawing anything.

use crate::render::words::scope_prefix;
use crate::stats::changes::Changes;
use crate::stats::{BaseFlag, Breakdown, Measure, Results, Scope, Table};
use crate::survey::{Kind, Survey};

/// What a chart shows; built from stats tables only.
#[derive(Debug, Clone, PartialEq)]
pub enum Spec {
    /// Horizontal bars, one per item, in the order given.
    Bars { title: String, caption: String, items: Vec<(String, f64)>, percent: bool },
    /// Grouped horizontal bars: per category, one bar per series.
    Grouped { title: String, caption: String, series: Vec<String>, categories: Vec<(String, Vec<Option<f64>>)>, percent: bool },
    /// 100% stacked bars: per bar, the share of each level (ordered).
    Stacked { title: String, caption: String, levels: Vec<String>, bars: Vec<(String, Vec<f64>)> },
    /// Vertical histogram: (label, count) per bin.
    Histogram { title: String, caption: String, bins: Vec<(String, f64)> },
    /// Lines across points of `x` (waves), one per series.
    Lines { title: String, caption: String, x: Vec<String>, series: Vec<(String, Vec<Option<f64>>)>, percent: bool },
}

impl Spec {
    /// The same chart without its title (a document gives it in the figure's caption).
    pub fn untitled(&self) -> Spec {
        let mut s = self.clone();
        match &mut s {
            Spec::Bars { title, .. }
            | Spec::Grouped { title, .. }
            | Spec::Stacked { title, .. }
            | Spec::Histogram { title, .. }
            | Spec::Lines { title, .. } => title.clear(),
        }
        s
    }

    /// Every text the chart draws (for the font coverage check).
    pub fn texts(&self) -> Vec<&str> {
        let mut v = Vec::new();
        match self {
            Spec::Bars { title, caption, items, .. } => {
                v.extend([title.as_str(), caption.as_str()]);
                v.extend(items.iter().map(|i| i.0.as_str()));
            }
            Spec::Grouped { title, caption, series, categories, .. } => {
                v.extend([title.as_str(), caption.as_str()]);
                v.extend(series.iter().map(|s| s.as_str()));
                v.extend(categories.iter().map(|c| c.0.as_str()));
            }
            Spec::Stacked { title, caption, levels, bars } => {
                v.extend([title.as_str(), caption.as_str()]);
                v.extend(levels.iter().map(|s| s.as_str()));
                v.extend(bars.iter().map(|b| b.0.as_str()));
            }
            Spec::Histogram { title, caption, bins } => {
                v.extend([title.as_str(), caption.as_str()]);
                v.extend(bins.iter().map(|b| b.0.as_str()));
            }
            Spec::Lines { title, caption, x, series, .. } => {
                v.extend([title.as_str(), caption.as_str()]);
                v.extend(x.iter().map(|s| s.as_str()));
                v.extend(series.iter().map(|s| s.0.as_str()));
            }
        }
        v
    }
}

fn values<'a>(t: &'a Table, m: Measure) -> impl Iterator<Item = (&'a str, Option<f64>)> + 'a {
    t.rows.iter().filter(move |r| r.measure == m).map(|r| (r.option.as_str(), r.cells[0].value))
}

/// A chart's title: the question as respondents read it (no internal id such as `Q3.`).
fn qtitle(text: &str) -> String {
    text.to_string()
}

/// Chart specs for every table of a results set: (file stem, spec). Whole-sample charts
/// are named after the question, crosstabs `<question>_by_<banner>`; with several waves
/// each name is prefixed with the wave.
pub fn specs(r: &Results, survey: &Survey) -> Vec<(String, Spec)> {
    let mut out = Vec::new();
    let many = r.waves.len() > 1;
    let prefix = |s: &Scope| if many || *s == Scope::AllWaves { format!("{}_", s.label()) } else { String::new() };
    let scopes: Vec<Scope> = r.waves.iter().map(|w| Scope::Wave(w.clone())).chain(std::iter::once(Scope::AllWaves)).collect();
    for q in &survey.questions {
        for scope in &scopes {
            let tables: Vec<&Table> = r.tables.iter().filter(|t| t.scope == *scope && t.question_id() == q.id).collect();
            if tables.is_empty() {
                continue;
            }
            let mut breakdowns: Vec<&Breakdown> = Vec::new();
            for t in &tables {
                if !breakdowns.contains(&&t.breakdown) {
                    breakdowns.push(&t.breakdown);
                }
            }
            for b in breakdowns {
                let ts: Vec<&Table> = tables.iter().copied().filter(|t| t.breakdown == *b).collect();
                let banner = match b {
                    Breakdown::Overall => None,
                    Breakdown::By(b) => Some(b.name()),
                };
                let name = chart_stem(&prefix(scope), &q.id, banner);
                if let Some(spec) = spec_for(q.kind, &ts, !b.is_overall()) {
                    out.push((name, bounded(spec)));
                }
            }
        }
    }
    out
}

/// A chart's file name without extension: `<prefix><question>` for the whole sample,
/// `<prefix><question>_by_<banner>` for a crosstab; the prefix is `<wave>_` when the
/// results hold several waves (and for the all-waves tables), else empty.
pub fn chart_stem(prefix: &str, question: &str, banner: Option<&str>) -> String {
    match banner {
        None => format!("{prefix}{question}"),
        Some(b) => format!("{prefix}{question}_by_{b}"),
    }
}

fn spec_for(kind: Kind, ts: &[&Table], crosstab: bool) -> Option<Spec> {
    let t = ts[0];
    let title = qtitle(&t.text);
    let wave = scope_prefix(&t.scope);
    let n = t.bases[0];
    if n == 0 {
        return None;
    }
    let base_caption = |extra: &str| format!("{wave}样本量 n={n}{extra}");
    match (kind, crosstab) {
        (Kind::Text, _) => None,
        (Kind::Single | Kind::Multi, false) => {
            let mut items: Vec<(String, f64)> = values(t, Measure::Percent).map(|(o, v)| (o.to_string(), v.unwrap_or(0.0))).collect();
            items.sort_by(|a, b| b.1.total_cmp(&a.1));
            let extra = if kind == Kind::Multi { "（多选题，比例按人数计算，合计可超过100%）" } else { "" };
            Some(Spec::Bars { title, caption: base_caption(extra), items, percent: true })
        }
        (Kind::Rank, false) => {
            let mut items: Vec<(String, f64)> = values(t, Measure::RankScore).map(|(o, v)| (o.to_string(), v.unwrap_or(0.0))).collect();
            items.sort_by(|a, b| b.1.total_cmp(&a.1));
            Some(Spec::Bars { title, caption: base_caption("（综合得分，越高越靠前）"), items, percent: false })
        }
        (Kind::Scale | Kind::Matrix, false) => {
            let levels: Vec<String> = values(t, Measure::Percent).map(|(o, _)| o.to_string()).collect();
            let bars = ts
                .iter()
                .map(|t| {
                    let label =
                        if kind == Kind::Matrix { t.question.split('/').nth(1).unwrap_or("").to_string() } else { "总体".to_string() };
                    (label, values(t, Measure::Percent).map(|(_, v)| v.unwrap_or(0.0)).collect())
                })
                .collect();
            let title = if kind == Kind::Matrix { qtitle(t.text.split('—').next().unwrap_or(&t.text)) } else { title };
            Some(Spec::Stacked { title, caption: base_caption(""), levels, bars })
        }
        (Kind::Number, false) => {
            let bins = t.histogram.iter().map(|(lo, hi, c)| (bin_label(*lo, *hi), *c)).collect();
            Some(Spec::Histogram { title, caption: base_caption(""), bins })
        }
        (Kind::Scale, true) => {
            // One 100% bar per group, in the scale's colours.
            let levels: Vec<String> = values(t, Measure::Percent).map(|(o, _)| o.to_string()).collect();
            let pct: Vec<&crate::stats::Row> = t.rows.iter().filter(|r| r.measure == Measure::Percent).collect();
            let bars = (1..t.columns.len())
                .filter(|&c| t.bases[c] > 0)
                .map(|c| {
                    let mark = if small(t, c) { "*" } else { "" };
                    (format!("{} (n={}){mark}", t.columns[c], t.bases[c]), pct.iter().map(|r| r.cells[c].value.unwrap_or(0.0)).collect())
                })
                .collect::<Vec<_>>();
            let note = if (1..t.columns.len()).any(|c| small(t, c)) { SMALL_NOTE.to_string() } else { String::new() };
            Some(Spec::Stacked { title, caption: format!("{}{note}", base_caption("")), levels, bars })
        }
        (_, true) => Some(grouped(kind, ts, title, &base_caption)),
    }
}

/// A crosstab as grouped bars: a series per group (groups nobody is in left out, small
/// ones marked), a category per option (per row of a matrix); shares, or means and
/// scores for scales, numbers and rankings.
fn grouped(kind: Kind, ts: &[&Table], title: String, base_caption: &dyn Fn(&str) -> String) -> Spec {
    let t = ts[0];
    let keep: Vec<usize> = (1..t.columns.len()).filter(|&c| t.bases[c] > 0).collect();
    let any_small = keep.iter().any(|&c| small(t, c));
    let series: Vec<String> =
        keep.iter().map(|&c| format!("{} (n={}){}", t.columns[c], t.bases[c], if small(t, c) { "*" } else { "" })).collect();
    let pick = |cells: &[crate::stats::Cell]| -> Vec<Option<f64>> { keep.iter().map(|&c| cells[c].value).collect() };
    let (measure, percent) = match kind {
        Kind::Rank => (Measure::RankScore, false),
        Kind::Scale | Kind::Matrix | Kind::Number => (Measure::Mean, false),
        _ => (Measure::Percent, true),
    };
    let categories: Vec<(String, Vec<Option<f64>>)> = if kind == Kind::Matrix {
        ts.iter()
            .filter_map(|t| {
                let row = t.rows.iter().find(|r| r.measure == measure)?;
                Some((t.question.split('/').nth(1).unwrap_or("").to_string(), pick(&row.cells)))
            })
            .collect()
    } else {
        t.rows
            .iter()
            .filter(|r| r.measure == measure)
            .map(|r| (if r.option.is_empty() { measure.label_in(kind).to_string() } else { r.option.clone() }, pick(&r.cells)))
            .collect()
    };
    let title = if kind == Kind::Matrix { qtitle(t.text.split('—').next().unwrap_or(&t.text)) } else { title };
    let what = if percent {
        ""
    } else if measure == Measure::Mean {
        "（平均值）"
    } else {
        "（综合得分）"
    };
    let note = if any_small { SMALL_NOTE.to_string() } else { String::new() };
    Spec::Grouped { title, caption: format!("{}{note}", base_caption(what)), series, categories, percent }
}

/// At most this many bars (options, rows, groups) in one chart; the rest are named in
/// the caption, and the figures are all in the workbook.
pub const MAX_BARS: usize = 30;
/// At most this many groups (series) in one grouped chart.
pub const MAX_SERIES: usize = 20;
/// Labels longer than this many characters end in an ellipsis.
const MAX_LABEL: usize = 40;

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max - 1).collect::<String>() + "…"
    }
}

/// A chart that stays readable and small whatever the question: at most [`MAX_BARS`]
/// bars and [`MAX_SERIES`] groups (a caption says how many were left out), labels,
/// title and caption cut with an ellipsis, so that the image height is bounded.
pub(super) fn bounded(spec: Spec) -> Spec {
    let left_out = |n: usize, what: &str| {
        if n > 0 {
            format!("；另有 {n} 个{what}未画出（全部数字见 Excel 汇总表）")
        } else {
            String::new()
        }
    };
    let label = |s: String| cut(&s, MAX_LABEL);
    match spec {
        Spec::Bars { title, caption, mut items, percent } => {
            let n = items.len().saturating_sub(MAX_BARS);
            items.truncate(MAX_BARS);
            let items = items.into_iter().map(|(l, v)| (label(l), v)).collect();
            Spec::Bars { title: cut(&title, 200), caption: cut(&(caption + &left_out(n, "选项")), 300), items, percent }
        }
        Spec::Grouped { title, caption, mut series, mut categories, percent } => {
            let ns = series.len().saturating_sub(MAX_SERIES);
            series.truncate(MAX_SERIES);
            let nc = categories.len().saturating_sub(MAX_BARS);
            categories.truncate(MAX_BARS);
            let categories = categories
                .into_iter()
                .map(|(l, mut v)| {
                    v.truncate(MAX_SERIES);
                    (label(l), v)
                })
                .collect();
            let series = series.into_iter().map(label).collect();
            let caption = caption + &left_out(nc, "选项") + &left_out(ns, "分组");
            Spec::Grouped { title: cut(&title, 200), caption: cut(&caption, 300), series, categories, percent }
        }
        Spec::Stacked { title, caption, levels, mut bars } => {
            let n = bars.len().saturating_sub(MAX_BARS);
            bars.truncate(MAX_BARS);
            let bars = bars.into_iter().map(|(l, v)| (label(l), v)).collect();
            let levels = levels.into_iter().map(label).collect();
            Spec::Stacked { title: cut(&title, 200), caption: cut(&(caption + &left_out(n, "条")), 300), levels, bars }
        }
        Spec::Histogram { title, caption, bins } => Spec::Histogram { title: cut(&title, 200), caption: cut(&caption, 300), bins },
        Spec::Lines { title, caption, x, mut series, percent } => {
            let n = series.len().saturating_sub(MAX_SERIES);
            series.truncate(MAX_SERIES);
            let series = series.into_iter().map(|(l, v)| (label(l), v)).collect();
            Spec::Lines { title: cut(&title, 200), caption: cut(&(caption + &left_out(n, "选项")), 300), x, series, percent }
        }
    }
}

/// Groups below the minimum base (stats' flag) are marked in legends, as in the workbook.
fn small(t: &Table, c: usize) -> bool {
    t.flags[c] == BaseFlag::Small
}

const SMALL_NOTE: &str = "；* 样本量过少，仅供参考";

fn bin_label(lo: f64, hi: f64) -> String {
    let f = |x: f64| if x.fract() == 0.0 { format!("{}", x as i64) } else { format!("{x:.1}") };
    if hi - lo <= 1.0 && lo.fract() == 0.0 {
        f(lo)
    } else {
        format!("{}–{}", f(lo), f(hi))
    }
}

/// Charts of the comparison: per question (whole sample), its shares across waves —
/// bars by wave for two waves, a line per option for three or more — with the options
/// whose change is significant marked ↑/↓ (the others did not change significantly);
/// and per indicator, the units of the newest wave in rank order with their move.
pub fn comparison_specs(r: &Results, ch: &Changes, survey: &Survey) -> Vec<(String, Spec)> {
    let mut out = Vec::new();
    let waves: Vec<&String> = r.waves.iter().filter(|w| !w.is_empty()).collect();
    if waves.len() >= 2 {
        for q in survey.questions.iter().filter(|q| matches!(q.kind, Kind::Single | Kind::Multi | Kind::Scale)) {
            if let Some(spec) = across_waves(r, ch, q, &waves) {
                out.push((format!("年度对比_{}", q.id), bounded(spec)));
            }
        }
    }
    for l in &r.leagues {
        if let Some(spec) = league_bars(l) {
            out.push((format!("单位排名_{}", l.id), bounded(spec)));
        }
    }
    out
}

/// One question's shares across `waves` (two: bars by wave; more: a line per option), the
/// options whose change in the last pair of waves is significant marked ↑/↓.
fn across_waves(r: &Results, ch: &Changes, q: &crate::survey::Question, waves: &[&String]) -> Option<Spec> {
    let last_pair = ch.pairs.iter().find(|(a, b)| waves.len() == 2 || (a == waves[waves.len() - 2] && b == waves[waves.len() - 1]));
    let by_wave: Vec<Option<&Table>> =
        waves.iter().map(|w| r.tables.iter().find(|t| t.question == q.id && t.breakdown.is_overall() && t.scope.is_wave(w))).collect();
    let first = by_wave.iter().flatten().next()?;
    let options: Vec<&str> = first.rows.iter().filter(|x| x.measure == Measure::Percent).map(|x| x.option.as_str()).collect();
    let mark = |o: &str| -> &'static str {
        let Some((a, b)) = last_pair else { return "" };
        ch.rows
            .iter()
            .find(|c| {
                c.question == q.id
                    && c.breakdown.is_overall()
                    && c.option == o
                    && c.measure == Measure::Percent
                    && c.from == *a
                    && c.to == *b
            })
            .and_then(|c| c.sig)
            .map(|d| d.arrow())
            .unwrap_or("")
    };
    let value = |t: &Option<&Table>, o: &str| t.and_then(|t| t.row(o, Measure::Percent)).and_then(|x| x.cells[0].value);
    let title = format!("{}（{}）", q.text, waves.iter().map(|w| w.as_str()).collect::<Vec<_>>().join("、"));
    let pair_text = last_pair.map(|(a, b)| format!("{a}→{b}")).unwrap_or_default();
    let caption = format!(
        "↑↓：{pair_text} 变化显著（α={}{}）；未标注的为无显著变化。各年样本量 {}",
        r.options.alpha,
        match r.options.changes_adjust {
            crate::stats::adjust::Adjust::None => String::new(),
            a => format!("，{}", a.label()),
        },
        by_wave.iter().zip(waves).map(|(t, w)| format!("{w}年 n={}", t.map(|t| t.bases[0]).unwrap_or(0))).collect::<Vec<_>>().join("，")
    );
    let lines: Vec<(String, Vec<Option<f64>>)> =
        options.iter().map(|o| (format!("{o}{}", mark(o)), by_wave.iter().map(|t| value(t, o)).collect())).collect();
    Some(if waves.len() == 2 {
        Spec::Grouped { title, caption, series: waves.iter().map(|w| format!("{w}年")).collect(), categories: lines, percent: true }
    } else {
        Spec::Lines { title, caption, x: waves.iter().map(|w| w.to_string()).collect(), series: lines, percent: true }
    })
}

/// An indicator's units in the newest wave, in rank order, with their move in rank.
fn league_bars(l: &crate::stats::league::League) -> Option<Spec> {
    let lw = l.waves.last()?;
    let moves = |u: &str| {
        l.changes
            .iter()
            .find(|c| c.unit == u && c.to == lw.wave)
            .and_then(|c| c.rank_change)
            .map(|k| {
                if k > 0 {
                    format!(" ↑{k}")
                } else if k < 0 {
                    format!(" ↓{}", -k)
                } else {
                    String::new()
                }
            })
            .unwrap_or_default()
    };
    let items: Vec<(String, f64)> = lw
        .units
        .iter()
        .filter_map(|u| {
            Some((format!("{}. {}{}{}", u.rank?, u.unit, moves(&u.unit), if u.flag == BaseFlag::Small { "*" } else { "" }), u.value?))
        })
        .collect();
    if items.is_empty() {
        return None;
    }
    let dir = if l.better == crate::survey::indicators::Better::Higher { "越高越好" } else { "越低越好" };
    let caption = format!("{}年，按排名排列（{dir}）；↑↓为与上一年相比排名的升降；* 样本量过少，仅供参考。{}", lw.wave, l.definition);
    Some(Spec::Bars { title: format!("{}（{}年）", l.name, lw.wave), caption, items, percent: l.percent && !l.is_index })
}
