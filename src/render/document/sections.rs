//! The sections of the written report, in order, from the report's figures.

use std::collections::HashMap;

use super::findings::{self, pct};
use super::{numeral, Block, Document};
use crate::render::charts::{self, Spec};
use crate::render::words::{banner_label, wave_name};
use crate::render::Report;
use crate::stats::keywords::Keyword;
use crate::stats::{Banner, Measure, Table};
use crate::survey::indicators::Better;
use crate::survey::{Kind, Question};

/// Collects blocks and numbers tables and figures.
#[derive(Default)]
struct Builder {
    blocks: Vec<Block>,
    tables: usize,
    figures: usize,
    h1: usize,
}

impl Builder {
    fn h1(&mut self, title: &str) {
        self.h1 += 1;
        self.blocks.push(Block::H1(format!("{}、{title}", numeral(self.h1))));
    }
    fn p(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::P(s.into()));
    }
    fn table(&mut self, caption: &str, head: Vec<String>, rows: Vec<Vec<String>>) {
        self.tables += 1;
        self.blocks.push(Block::Table { caption: format!("表{} {caption}", self.tables), head, rows });
    }
    fn figure(&mut self, caption: &str, spec: Option<&Spec>) {
        if let Some(spec) = spec {
            self.figures += 1;
            self.blocks.push(Block::Figure { caption: format!("图{} {caption}", self.figures), spec: spec.clone() });
        }
    }
}

pub(super) fn build(rep: &Report) -> Document {
    let (r, s) = (&rep.results, &rep.survey);
    let info = s.report.clone().unwrap_or_default();
    let title = info.title.clone().unwrap_or_else(|| {
        if s.title.ends_with("调查") {
            format!("{}报告", s.title)
        } else {
            format!("{}调研报告", s.title)
        }
    });
    let byline = match (&info.organizer, &info.period) {
        (Some(o), Some(p)) => Some(format!("{o}　{p}")),
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (None, None) => None,
    };
    let mut specs: HashMap<String, Spec> = charts::specs(r, s).into_iter().collect();
    specs.extend(charts::comparison_specs(r, &rep.changes, s));
    let mut b = Builder::default();
    basics(&mut b, rep, &info);
    results(&mut b, rep, &specs);
    comparisons(&mut b, rep, &specs);
    open_answers(&mut b, rep);
    notes(&mut b, rep);
    answers_appendix(&mut b, rep);
    Document { title, byline, blocks: b.blocks }
}

/// The name charts::specs gives the whole-sample chart of a question in a wave.
fn spec_name(rep: &Report, qid: &str) -> String {
    let r = &rep.results;
    if r.waves.len() > 1 {
        format!("{}_{qid}", r.latest())
    } else {
        qid.to_string()
    }
}

/// The whole-sample tables of a question (its matrix rows, or itself) in the report's wave.
fn tables_of<'a>(rep: &'a Report, q: &Question) -> Vec<&'a Table> {
    let w = rep.results.latest();
    rep.results.tables.iter().filter(|t| t.question_id() == q.id && t.breakdown.is_overall() && t.scope.is_wave(w)).collect()
}

/// `（2026年）`, or nothing for an unnamed wave.
fn paren(w: &str) -> String {
    if w.is_empty() {
        String::new()
    } else {
        format!("（{}）", wave_name(w))
    }
}

/// Questions that are banners (identity, …): described in section 一, compared by, not compared.
fn is_banner(rep: &Report, q: &Question) -> bool {
    rep.banners.iter().any(|b| *b == Banner::Question(q.id.clone()))
}

fn basics(b: &mut Builder, rep: &Report, info: &crate::survey::report::ReportInfo) {
    let (r, s) = (&rep.results, &rep.survey);
    b.h1("调查基本情况");
    let mut opening = match &info.purpose {
        Some(p) => p.clone(),
        None => format!("本次调查围绕“{}”开展", s.title),
    };
    if info.purpose.is_none() {
        if let Some(who) = &info.respondents {
            opening += &format!("，调查对象为{who}");
        }
        if let Some(p) = &info.period {
            opening += &format!("，调查时间为{p}");
        }
        opening += "。";
    }
    b.p(opening);
    let wave = r.latest();
    let n = r.respondents.iter().find(|(w, _)| w == wave).map(|x| x.1).unwrap_or(0);
    let mut sample = match rep.status.iter().find(|x| x.wave == wave) {
        Some(st) => {
            let rate = st.valid_return_rate().map(|v| pct(v * 100.0)).unwrap_or_else(|| "—".into());
            let mut s = format!(
                "本次{}调查共发放问卷{}份，回收{}份，有效问卷{}份，有效回收率{rate}。",
                paren(wave),
                st.expected(),
                st.returned(),
                st.valid()
            );
            // In the roster's order, as the returns table lists them.
            if !st.missing().is_empty() {
                s += &format!("未交回问卷的单位：{}。", st.missing().join("、"));
            }
            if !st.over().is_empty() {
                s += &format!("{}交回的份数超过应收份数，请核对单位名单。", st.over().join("、"));
            }
            s
        }
        None => format!("本次{}调查共收到有效问卷{n}份。", paren(wave)),
    };
    if r.respondents.len() > 1 {
        let earlier: Vec<String> = r.respondents.iter().filter(|(w, _)| w != wave).map(|(w, k)| format!("{}{k}份", wave_name(w))).collect();
        sample += &format!("往年调查的有效问卷：{}。", earlier.join("，"));
    }
    b.p(sample);
    // Who answered: by each question used as a banner, and how many units.
    for banner in &rep.banners {
        let Banner::Question(id) = banner else { continue };
        let Some(q) = s.question(id) else { continue };
        let Some(t) = r.overall_of(id, wave) else { continue };
        let parts: Vec<String> = t
            .rows
            .iter()
            .filter(|x| x.measure == Measure::Percent)
            .filter_map(|x| Some(format!("{}占{}", x.option, pct(x.cells[0].value?))))
            .collect();
        if !parts.is_empty() {
            b.p(format!("从{}看，{}。", q.text.trim_start_matches("您的"), parts.join("，")));
        }
    }
    if let Some(t) = s.unit.as_deref().and_then(|u| r.overall_of(u, wave)) {
        let units: Vec<String> = t
            .rows
            .iter()
            .filter(|x| x.measure == Measure::Percent && x.cells[0].count.unwrap_or(0.0) > 0.0)
            .map(|x| format!("{}{}份", x.option, count(x.cells[0].count)))
            .collect();
        if !units.is_empty() {
            b.p(format!("参与调查的单位共{}个，各单位有效问卷：{}。", units.len(), units.join("，")));
        }
    }
}

fn count(v: Option<f64>) -> String {
    match v {
        Some(x) if x.fract() == 0.0 => format!("{x}"),
        Some(x) => format!("{x:.1}"),
        None => "—".into(),
    }
}

/// The caution on units' bases, said once before the league tables: how many units of
/// the newest wave have fewer respondents than `--caution-base`, with the range of bases.
fn small_units(rep: &Report) -> Option<String> {
    // The first indicator's bases (every indicator has the same units; bases differ a little).
    let lw = rep.results.leagues.iter().find_map(|l| l.waves.last())?;
    let bases: Vec<usize> = lw.units.iter().map(|u| u.base).filter(|b| *b > 0).collect();
    let caution = rep.results.options.caution_base;
    let few = lw.units.iter().filter(|u| u.base > 0 && u.n_eff < caution).count();
    let (lo, hi) = (*bases.iter().min()?, *bases.iter().max()?);
    match few {
        0 => None,
        n if n == bases.len() => Some(format!(
            "各单位{}的有效问卷在{lo}至{hi}份之间，都少于{caution}份，单位之间的差距和名次受抽样误差影响较大，以下排名应结合排名区间（Excel 汇总表“单位对比”页）解读。",
            paren(&lw.wave)
        )),
        n => Some(format!("{}有{n}个单位的有效问卷少于{caution}份，这些单位的数字和名次仅供参考（Excel 汇总表“单位对比”页标“谨慎解读”）。", wave_name(&lw.wave))),
    }
}

/// A question's heading: its topic (`label`) when survey.toml names one, else its text
/// without the address to the respondent (请问、您认为、您觉得…) or a closing question mark.
pub(super) fn topic(q: &Question) -> String {
    topic_of(&q.text, q.label.as_deref())
}

fn topic_of(text: &str, label: Option<&str>) -> String {
    if let Some(l) = label {
        return l.to_string();
    }
    let mut t = text.trim();
    for p in ["请问", "您认为", "您觉得", "您感觉", "您"] {
        if let Some(rest) = t.strip_prefix(p) {
            if rest.chars().count() >= 4 {
                t = rest;
            }
            break;
        }
    }
    t.trim_end_matches(['？', '?', '：', ':', '。']).to_string()
}

/// 主要调查结果: per question (not the banners, the unit or open answers) a heading — its
/// topic (`label`) when survey.toml names one, else its text —, the finding, the chart and
/// the table.
fn results(b: &mut Builder, rep: &Report, specs: &HashMap<String, Spec>) {
    let s = &rep.survey;
    b.h1("主要调查结果");
    let mut k = 0;
    for q in s.questions.iter().filter(|q| q.kind != Kind::Text && s.unit.as_deref() != Some(q.id.as_str()) && !is_banner(rep, q)) {
        let tables = tables_of(rep, q);
        let Some(sentence) = findings::question(q, &tables) else { continue };
        k += 1;
        b.blocks.push(Block::H2(format!("（{}）{}", numeral(k), topic(q))));
        b.p(sentence);
        b.figure(&q.text, specs.get(&spec_name(rep, &q.id)));
        if let Some((head, rows)) = result_table(q, &tables) {
            b.table(&q.text, head.into_iter().map(String::from).collect(), rows);
        }
    }
}

/// The table under a question's finding: options with counts and shares (and a scale's
/// mean and top two), a matrix's rows, a ranking's scores, a number's statistics.
fn result_table(q: &Question, tables: &[&Table]) -> Option<(Vec<&'static str>, Vec<Vec<String>>)> {
    let t = tables[0];
    let (head, rows): (Vec<&str>, Vec<Vec<String>>) = match q.kind {
        Kind::Single | Kind::Scale | Kind::Multi => {
            let mut rows: Vec<Vec<String>> = t
                .rows
                .iter()
                .filter(|x| x.measure == Measure::Percent)
                .map(|x| vec![x.option.clone(), count(x.cells[0].count), x.cells[0].value.map(pct).unwrap_or_else(|| "—".into())])
                .collect();
            for m in [Measure::Mean, Measure::Top2] {
                if let Some(x) = t.row("", m) {
                    let v = x.cells[0].value;
                    rows.push(vec![
                        m.label().to_string(),
                        String::new(),
                        if m.is_percent() { v.map(pct).unwrap_or_default() } else { v.map(|v| format!("{v:.2}")).unwrap_or_default() },
                    ]);
                }
            }
            rows.push(vec!["本题有效填写人次".into(), t.bases[0].to_string(), String::new()]);
            (vec!["选项", "人数", "比例"], rows)
        }
        Kind::Matrix => {
            let rows = tables
                .iter()
                .map(|t| {
                    let v = |m: Measure| t.row("", m).and_then(|x| x.cells[0].value);
                    vec![
                        t.question.split_once('/').map(|x| x.1).unwrap_or("").to_string(),
                        v(Measure::Mean).map(|x| format!("{x:.2}")).unwrap_or_default(),
                        v(Measure::Top2).map(pct).unwrap_or_default(),
                        t.bases[0].to_string(),
                    ]
                })
                .collect();
            (vec!["项目", "平均分", "前两项合计", "有效填写"], rows)
        }
        Kind::Rank => {
            let mut rows: Vec<Vec<String>> = t
                .rows
                .iter()
                .filter(|x| x.measure == Measure::RankScore)
                .map(|x| {
                    let first = t.row(&x.option, Measure::FirstShare).and_then(|r| r.cells[0].value);
                    vec![
                        x.option.clone(),
                        x.cells[0].value.map(|v| format!("{v:.2}")).unwrap_or_default(),
                        first.map(pct).unwrap_or_default(),
                    ]
                })
                .collect();
            rows.sort_by(|a, b| b[1].parse::<f64>().unwrap_or(0.0).total_cmp(&a[1].parse::<f64>().unwrap_or(0.0)));
            (vec!["选项", "综合得分", "排第一位的比例"], rows)
        }
        Kind::Number => {
            let unit = findings::unit_of(q);
            let rows = [Measure::Mean, Measure::Median, Measure::Min, Measure::Max]
                .iter()
                .filter_map(|m| {
                    let v = (t.row("", *m)?.cells[0].value? * 100.0).round() / 100.0;
                    Some(vec![m.label_in(Kind::Number).to_string(), format!("{v}{unit}")])
                })
                .chain(std::iter::once(vec!["填写人数".to_string(), t.bases[0].to_string()]))
                .collect();
            (vec!["统计量", "数值"], rows)
        }
        Kind::Text => return None,
    };
    Some((head, rows))
}

fn comparisons(b: &mut Builder, rep: &Report, specs: &HashMap<String, Spec>) {
    let r = &rep.results;
    let groups: Vec<&Banner> = rep.banners.iter().filter(|x| **x != Banner::Wave).collect();
    // The previous wave against the report's wave.
    let named: Vec<&String> = r.waves.iter().filter(|w| !w.is_empty()).collect();
    let previous = named.len().checked_sub(2).map(|k| named[k].clone());
    let pair = rep.changes.pairs.iter().find(|(from, to)| to == r.latest() && Some(from) == previous.as_ref()).cloned();
    if groups.is_empty() && pair.is_none() && r.leagues.is_empty() {
        return;
    }
    b.h1("比较分析");
    let mut k = 0;
    if !groups.is_empty() {
        k += 1;
        b.blocks.push(Block::H2(format!("（{}）不同群体的差异", numeral(k))));
        for banner in groups {
            group_differences(b, rep, banner);
        }
    }
    if let Some((from, to)) = pair {
        k += 1;
        b.blocks.push(Block::H2(format!("（{}）与{}相比", numeral(k), wave_name(&from))));
        year_over_year(b, rep, specs, &from, &to);
    }
    if !r.leagues.is_empty() {
        k += 1;
        b.blocks.push(Block::H2(format!("（{}）各单位比较", numeral(k))));
        if let Some(s) = small_units(rep) {
            b.p(s);
        }
        for l in &r.leagues {
            if let Some((sentence, lw)) = league_sentence(l, &rep.results.options.unit_order) {
                b.p(sentence + "。");
                b.figure(&format!("{}（{}）", l.name, wave_name(&lw.wave)), specs.get(&format!("单位排名_{}", l.id)));
            }
        }
    }
}

/// The questions whose answers differ significantly between the groups of `banner`, one
/// sentence each naming where (multi-select questions also in the style of survey
/// reports, 党政干部占61.6%…); the others named together as not significant.
fn group_differences(b: &mut Builder, rep: &Report, banner: &Banner) {
    let (r, s) = (&rep.results, &rep.survey);
    let wave = r.latest();
    let label = banner_label(s, banner);
    let alpha = r.options.alpha;
    let mut quiet = Vec::new();
    // A matrix's stem is said once; its other rows by their own names.
    let mut stems: Vec<String> = Vec::new();
    let mut named = |t: &Table| -> String {
        match t.text.split_once('—').filter(|_| t.question.contains('/')) {
            Some((stem, row)) if stems.iter().any(|s| s == stem) => format!("“{row}”"),
            Some((stem, _)) => {
                stems.push(stem.to_string());
                format!("“{}”", t.text)
            }
            None => format!("“{}”", t.text),
        }
    };
    for t in r.by(banner).filter(|t| t.scope.is_wave(wave) && (t.test.is_some() || t.kind == Kind::Multi)) {
        if s.question(t.question_id()).is_some_and(|q| is_banner(rep, q) || s.unit.as_deref() == Some(q.id.as_str())) {
            continue;
        }
        if !findings::differs(t, alpha) {
            quiet.push(named(t));
            continue;
        }
        let Some(mut sentence) = findings::crosstab(t, &label, alpha) else { continue };
        if t.kind == Kind::Multi {
            let top = t
                .rows
                .iter()
                .filter(|x| x.measure == Measure::Percent)
                .max_by(|x, y| x.cells[0].value.unwrap_or(0.0).total_cmp(&y.cells[0].value.unwrap_or(0.0)));
            if let Some(shares) = top.and_then(|x| findings::shares_by_group(t, &x.option).map(|sh| (x.option.clone(), sh))) {
                sentence += &format!("选择最多的“{}”，{}。", shares.0, shares.1);
            }
        }
        b.p(format!("{}：{sentence}", named(t)));
    }
    if !quiet.is_empty() {
        b.p(format!(
            "在{}等{}道题上，不同{label}之间的差异未达到统计显著。",
            quiet.iter().take(4).cloned().collect::<Vec<_>>().join("、"),
            quiet.len()
        ));
    }
}

/// What a change is of, as a sentence names it: `选择“是”的比例`, `“三会一课”平均分`,
/// `“三会一课”选择最高两档的比例`, `平均值`.
fn change_subject(c: &crate::stats::changes::Change) -> String {
    let row = c.question.split_once('/').map(|(_, r)| format!("“{r}”")).unwrap_or_default();
    match c.measure {
        Measure::Percent => format!("{row}选择“{}”的比例", c.option),
        Measure::Top2 => format!("{row}选择最高两档的比例"),
        Measure::Mean if c.kind == Kind::Number => "平均值".to_string(),
        Measure::Mean => format!("{row}平均分"),
        m => format!("{row}{}", m.label()),
    }
}

/// The changes from wave `from` to `to`, every question in its turn: each significant one
/// stated (shares of options; scales and matrix rows by mean and top-two share; number
/// questions by their mean in their unit), the rest of a question in one sentence; then
/// what could not be compared.
fn year_over_year(b: &mut Builder, rep: &Report, specs: &HashMap<String, Spec>, from: &String, to: &String) {
    let s = &rep.survey;
    for q in s.questions.iter().filter(|q| matches!(q.kind, Kind::Single | Kind::Multi | Kind::Scale | Kind::Matrix | Kind::Number)) {
        if is_banner(rep, q) || s.unit.as_deref() == Some(q.id.as_str()) {
            continue;
        }
        let scored = matches!(q.kind, Kind::Scale | Kind::Matrix);
        let rows: Vec<_> = rep
            .changes
            .rows
            .iter()
            .filter(|c| c.question.split('/').next() == Some(q.id.as_str()) && c.breakdown.is_overall() && c.from == *from && c.to == *to)
            .filter(|c| {
                if scored {
                    matches!(c.measure, Measure::Mean | Measure::Top2)
                } else {
                    matches!(c.measure, Measure::Percent | Measure::Mean)
                }
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let sig: Vec<String> = rows
            .iter()
            .filter(|c| c.sig.is_some())
            .filter_map(|c| Some(format!("{}{}", change_subject(c), findings::change(c, findings::unit_of(q))?)))
            .collect();
        let tested = rows.iter().filter(|c| c.test.is_some()).count();
        let rest = rows.len() - sig.len();
        let level = match (sig.is_empty(), tested) {
            (_, 0) => "样本较少，未做检验".to_string(),
            (true, _) => format!("各项与{}基本持平（变化均未达到统计显著）", wave_name(from)),
            (false, _) if rest > 0 => format!("；其余{rest}项与{}基本持平", wave_name(from)),
            (false, _) => String::new(),
        };
        if sig.is_empty() {
            b.p(format!("“{}”{level}。", q.text));
            continue;
        }
        b.p(format!("“{}”中，{}{level}。", q.text, sig.join("；")));
        b.figure(&format!("{}（各年比较）", q.text), specs.get(&format!("年度对比_{}", q.id)));
    }
    let nc: Vec<String> = rep
        .changes
        .not_comparable
        .iter()
        .filter(|n| n.from == *from && n.to == *to)
        .map(|n| format!("{}{}（{}）", n.question, if n.what.is_empty() { String::new() } else { format!("“{}”", n.what) }, n.reason))
        .collect();
    if !nc.is_empty() {
        b.p(format!("以下题目或选项两年不可比，未作比较：{}。", nc.join("；")));
    }
}

/// One indicator's league in words (without the closing "。"): the top three, the last,
/// who rose most, and whose change from the year before is significant; with its wave.
fn league_sentence<'a>(l: &'a crate::stats::league::League, order: &[String]) -> Option<(String, &'a crate::stats::league::LeagueWave)> {
    let lw = l.waves.last()?;
    let show = |v: f64| {
        if l.is_index {
            format!("{v:.1}分")
        } else if l.percent {
            pct(v)
        } else {
            format!("{v:.2}")
        }
    };
    let ranked: Vec<String> =
        lw.units.iter().filter(|u| u.rank.is_some()).filter_map(|u| Some(format!("{}（{}）", u.unit, show(u.value?)))).collect();
    if ranked.is_empty() {
        return None;
    }
    let dir = if l.better == Better::Higher { "越高越好" } else { "越低越好" };
    let mut sentence = format!(
        "{}（{dir}）：{}排名前三的是{}",
        l.name,
        wave_name(&lw.wave),
        ranked.iter().take(3).cloned().collect::<Vec<_>>().join("、")
    );
    // Whether the top three's places are settled: their rank intervals must not overlap.
    let top: Vec<(usize, usize)> = lw.units.iter().filter(|u| u.rank.is_some()).take(3).filter_map(|u| u.rank_interval).collect();
    if top.len() >= 2 && top.windows(2).any(|p| p[0].1 >= p[1].0) {
        sentence += "（前几名的排名区间相互重叠，名次先后在抽样误差范围内）";
    }
    if ranked.len() > 5 {
        sentence += &format!("，排名最后的是{}", ranked.last()?);
    }
    let small: Vec<&str> = lw.units.iter().filter(|u| u.rank.is_none() && u.value.is_some()).map(|u| u.unit.as_str()).collect();
    if !small.is_empty() {
        sentence += &format!("；{}样本过少，未参加排名", small.join("、"));
    }
    let ups: Vec<&crate::stats::league::UnitChange> =
        l.changes.iter().filter(|c| c.to == lw.wave && c.rank_change.unwrap_or(0) > 0).collect();
    if let Some(best) = ups.iter().max_by_key(|c| c.rank_change) {
        sentence += &format!("；与上一年相比，排名上升最多的是{}（上升{}位）", best.unit, best.rank_change.unwrap_or(0));
    }
    // Units in the roster's order (this list is not a ranking).
    let mut changed: Vec<&crate::stats::league::UnitChange> = l.changes.iter().filter(|c| c.to == lw.wave && c.sig.is_some()).collect();
    changed.sort_by_key(|c| order.iter().position(|u| *u == c.unit).unwrap_or(usize::MAX));
    let sig: Vec<String> = changed
        .into_iter()
        .filter_map(|c| {
            Some(format!(
                "{}（{}{:.1}{}）",
                c.unit,
                if c.change? > 0.0 { "上升" } else { "下降" },
                c.change?.abs(),
                if l.percent { "个百分点" } else { "" }
            ))
        })
        .collect();
    if !l.is_index && !l.changes.iter().all(|c| c.to != lw.wave) {
        sentence += &if sig.is_empty() {
            "；各单位与上一年相比变化均不显著".to_string()
        } else {
            format!("；变化显著的有{}", sig.join("、"))
        };
    }
    Some((sentence, lw))
}

/// The text questions of the report's wave, with their whole-sample tables.
fn text_tables(rep: &Report) -> Vec<(&Question, &Table)> {
    let (r, s) = (&rep.results, &rep.survey);
    s.questions.iter().filter(|q| q.kind == Kind::Text).filter_map(|q| Some((q, r.overall_of(&q.id, r.latest())?))).collect()
}

/// Open answers as an analyst reads them: the themes (near-identical answers together) with
/// their counts and one wording each, the largest first; keywords only as a supplement.
fn open_answers(b: &mut Builder, rep: &Report) {
    let texts = text_tables(rep);
    if texts.is_empty() {
        return;
    }
    b.h1("意见建议");
    for (q, t) in texts {
        let distinct: usize = t.themes.iter().map(|x| x.answers.len()).sum();
        b.p(format!(
            "共有{}人填写了“{}”，归并相同或相近的表述后共{}类意见（{}种不同表述，全部列在文末附录和 Excel 汇总表“意见建议”页）。",
            t.answer_count,
            q.text,
            t.themes.len(),
            distinct
        ));
        let top: Vec<&crate::stats::themes::Theme> = t.themes.iter().filter(|x| x.count >= 2).take(8).collect();
        if !top.is_empty() {
            let said: Vec<String> = top.iter().take(3).map(|x| format!("“{}”（{}人）", x.example, x.count)).collect();
            b.p(format!("提出较多的意见是{}，见下表。", said.join("、")));
            // The count of wordings only when some theme gathers more than one.
            let forms = top.iter().any(|x| x.answers.len() > 1);
            let mut head = vec!["意见（有代表性的表述）".to_string(), "人数".to_string()];
            if forms {
                head.push("相近表述".into());
            }
            let rows = top
                .iter()
                .map(|x| {
                    let mut r = vec![x.example.clone(), x.count.to_string()];
                    if forms {
                        r.push(format!("{}种", x.answers.len()));
                    }
                    r
                })
                .collect();
            b.blocks.push(Block::Table { caption: format!("“{}”中提出较多的意见", q.text), head, rows });
        }
        let words: &[Keyword] = &t.keywords;
        if !words.is_empty() {
            b.p(format!(
                "从用词看，提及较多的词语有{}。",
                words.iter().take(6).map(|w| format!("“{}”（{}人）", w.word, w.answers)).collect::<Vec<_>>().join("、")
            ));
        }
    }
}

/// The appendix of every distinct open answer with its count, by theme.
fn answers_appendix(b: &mut Builder, rep: &Report) {
    let texts = text_tables(rep);
    if texts.iter().all(|(_, t)| t.themes.is_empty()) {
        return;
    }
    b.blocks.push(Block::H1("附：意见建议原文".into()));
    for (q, t) in texts {
        b.p(format!("“{}”（共{}人填写，按意见归类，括号内为人数）：", q.text, t.answer_count));
        for (k, x) in t.themes.iter().enumerate() {
            let said: Vec<String> = x.answers.iter().map(|(a, n)| format!("{a}（{n}）")).collect();
            b.blocks.push(Block::Note(format!("{}. {}", k + 1, said.join("；"))));
        }
        if t.answer_count > t.answers.len() {
            b.blocks.push(Block::Note(format!("（只归类了前{}份回答）", t.answers.len())));
        }
    }
}

fn notes(b: &mut Builder, rep: &Report) {
    let r = &rep.results;
    let o = &r.options;
    b.blocks.push(Block::H1("附：说明".into()));
    let imp = &rep.import;
    let mut lines = vec![
        "比例的分母是该题的有效填写人次，按跳题逻辑不需回答的不计入；多选题的比例按人数计算，各项合计可超过百分之百。".to_string(),
        format!(
            "比例的置信区间为{}（置信水平 {:.0}%），见 Excel 汇总表和 results.csv。",
            if r.design_note.is_some() { "按抽样设计计算的 logit 区间" } else { " Wilson 区间" },
            o.conf * 100.0
        ),
        format!("不同群体的差异用卡方检验（2×2 表用 Fisher 精确检验，期望频数不足时用精确检验），年度变化用两比例 z 检验（比例）和 Welch t 检验（平均分），显著性水平 α={}；分组两两比较：{}；年度变化：{}；文中只有检验显著的差异和变化才称为“明显”“显著”，其余称“差异未达到统计显著”“基本持平”；不同群体的差异指明是哪些选项、哪些群体之间（按两两比较的显著性字母）；各项检验的统计量和 p 值见 Excel 汇总表各交叉表页和 tests.csv。年度变化引用各年全部答卷的总体数字；两年都参加的单位的同口径变化和各单位等权的变化列在 changes.csv，主要由参加单位构成造成的显著变化在文中注明。", o.alpha, crate::stats::adjust::note(o.letters_adjust, "每一行"), crate::stats::adjust::note(o.changes_adjust, "每对年份")),
        format!("人数少于{}的分组不做两两比较，文中标“样本较少”，其数字仅供参考；少于{}的分组宜谨慎解读。", o.min_base, o.caution_base),
        format!("共读取答卷{}行，保留{}行，剔除{}行（重复提交、合计行等）；发现数据问题{}条，详见 Excel 汇总表“数据问题”页和 issues.csv。", imp.rows_read, imp.rows_kept, imp.rows_rejected, imp.issues.len()),
    ];
    let (rows, pairs) = r.letter_tests();
    if pairs > 0 {
        lines.push(format!("分组两两比较共做了{pairs}次（{rows}行，每行为一族，{}）。", o.letters_adjust.label()));
    }
    let league = r.league_tests();
    if league > 0 {
        lines.push(format!("单位排名中各单位的年度变化共做了{league}个检验（每个指标每对年份为一族，{}）；排名的区间按抽样误差模拟，区间重叠的单位不能确定先后。", o.changes_adjust.label()));
    }
    for (from, to) in &rep.changes.pairs {
        let n = rep.changes.count(from, to);
        let (tested, sig) = (n.tested, n.up + n.down);
        lines.push(format!(
            "{from}年到{to}年的变化共做了{tested}个检验（{}），其中{sig}个显著，全部列在 changes.csv。",
            o.changes_adjust.label()
        ));
    }
    match (&r.weight_note, &r.design_note) {
        (w, Some(d)) => lines.push(format!(
            "{}{d}。区间和检验按抽样设计计算（Taylor 线性化标准误，交叉表为 Rao–Scott 校正检验）。",
            w.as_ref().map(|w| format!("数字经过加权：{w}；")).unwrap_or_default()
        )),
        (Some(w), None) => lines.push(format!("数字经过加权：{w}；检验和区间用有效样本量。")),
        (None, None) => {}
    }
    if let Some(f) = &rep.filter {
        lines.push(format!("统计范围：仅 {f} 的答卷。"));
    }
    for l in lines {
        b.blocks.push(Block::Note(l));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn headings_are_topics() {
        assert_eq!(super::topic_of("您认为形式主义问题主要存在于？", None), "形式主义问题主要存在于");
        assert_eq!(super::topic_of("请问您所在单位是否开展过专项整治？", None), "您所在单位是否开展过专项整治");
        assert_eq!(super::topic_of("您的身份", None), "您的身份");
        assert_eq!(super::topic_of("您认为……", Some("形式主义的主要表现")), "形式主义的主要表现");
    }
}
