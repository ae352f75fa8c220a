//! 分单位反馈 (`report --per-unit`): one short Word document per unit of the newest wave,
//! which the committee sends back to that unit — its returns, its standing on each
//! indicator (value, rank with its interval, last year), each question's figures beside
//! the whole survey's and its own last year's, and its own open answers. Built as a
//! [`Document`] and rendered by the same Word writer as the report; every figure is one
//! of the computed ones (the unit's column of the unit crosstabs, the league tables).

use std::path::Path;

use super::findings::pct;
use super::{Block, Document};
use crate::render::words::wave_name;
use crate::render::{Output, RenderError, Report, Written};
use crate::stats::{Banner, Measure, Table};
use crate::survey::{Kind, Question};

/// `分单位反馈/<unit>.docx`, one per unit.
pub struct PerUnit;

impl Output for PerUnit {
    fn name(&self) -> &'static str {
        "分单位反馈（Word）"
    }
    fn write(&self, report: &Report, dir: &Path) -> Result<Written, RenderError> {
        let sub = dir.join("分单位反馈");
        std::fs::create_dir_all(&sub).map_err(|e| crate::output::WriteError::Io { path: sub.clone(), source: e })?;
        let mut files = Vec::new();
        let answers = answers_by_unit(report, report.results.latest());
        for unit in units(report) {
            let doc = build(report, &unit, &answers);
            let path = sub.join(format!("{}.docx", crate::text::safe_file_stem(&unit)));
            super::docx::write_doc(&doc, &path)?;
            files.push(path);
        }
        let line = (!files.is_empty()).then(|| format!("分单位反馈/  各单位的反馈材料 {} 份（Word）", files.len()));
        let mut notes = Vec::new();
        if files.is_empty() {
            notes.push("提示：答卷中没有单位，未写出分单位反馈。".to_string());
        } else if report.data.is_none() && report.survey.questions.iter().any(|q| q.kind == Kind::Text) {
            notes.push("提示：答卷较多、按批统计，分单位反馈中没有列出各单位的意见建议原文（见 Excel 汇总表“意见建议”页）。".to_string());
        }
        Ok(Written { files, line, notes })
    }
}

/// The units of the newest wave, in the report's order (the roster's).
pub fn units(rep: &Report) -> Vec<String> {
    let w = rep.results.latest();
    let Some(t) = unit_tables(rep, w).next() else { return Vec::new() };
    t.columns.iter().zip(&t.bases).skip(1).filter(|(_, b)| **b > 0).map(|(c, _)| c.clone()).collect()
}

/// The unit crosstabs of wave `w`.
fn unit_tables<'a>(rep: &'a Report, w: &'a str) -> impl Iterator<Item = &'a Table> + 'a {
    rep.results.tables.iter().filter(move |t| t.breakdown.banner() == Some(&Banner::Unit) && t.scope.is_wave(w))
}

/// The previous wave, if any.
fn previous(rep: &Report) -> Option<String> {
    let waves = &rep.results.waves;
    let i = waves.iter().position(|w| w == rep.results.latest())?;
    i.checked_sub(1).map(|k| waves[k].clone())
}

/// The feedback document of one unit.
pub fn build(rep: &Report, unit: &str, answers: &Answers) -> Document {
    let w = rep.results.latest().to_string();
    let prev = previous(rep);
    let mut blocks = Vec::new();
    blocks.push(Block::H1("一、参与情况".into()));
    blocks.push(Block::P(returns(rep, unit, &w, prev.as_deref())));
    let standing = standing(rep, unit);
    if !standing.is_empty() {
        blocks.push(Block::H1("二、主要指标".into()));
        blocks.extend(standing);
    }
    let mut k = 0;
    let mut questions = Vec::new();
    for q in rep.survey.questions.iter().filter(|q| counted(rep, q)) {
        if let Some((sentence, table)) = question(rep, q, unit, &w, prev.as_deref()) {
            k += 1;
            questions.push(Block::H2(format!("（{}）{}", super::numeral(k), super::sections::topic(q))));
            questions.push(Block::P(sentence));
            questions.push(table);
        }
    }
    if !questions.is_empty() {
        blocks.push(Block::H1(format!("{}、各题结果", super::numeral(heading_no(&blocks)))));
        blocks.extend(questions);
    }
    let answers = open_answers(rep, unit, answers);
    if !answers.is_empty() {
        blocks.push(Block::H1(format!("{}、本单位的意见建议", super::numeral(heading_no(&blocks)))));
        blocks.extend(answers);
    }
    blocks.push(Block::H1("附：说明".into()));
    blocks.push(Block::Note(format!(
        "“全区”为{}全部有效问卷的结果；“本单位上年”为本单位{}的结果（该年未调查或没有答卷时为“—”）。本单位与全区的差别未做显著性检验；本单位某题作答人数少于 {} 人时标“（样本较少）”，数字仅供参考。排名区间为 95% 区间：按抽样误差，本单位的名次有 95% 的把握落在其中。",
        wave_name(&w),
        prev.as_deref().map(wave_name).unwrap_or_else(|| "上一年".into()),
        rep.results.options.caution_base
    )));
    // Tables numbered in order: 表1 …
    let mut n = 0;
    for b in &mut blocks {
        if let Block::Table { caption, .. } = b {
            n += 1;
            *caption = format!("表{n} {caption}");
        }
    }
    Document { title: format!("{unit}调查结果反馈"), byline: Some(format!("{}　{}", rep.survey.title, wave_name(&w))), blocks }
}

/// The unit's respondents in wave `w`: the largest base of its column in the unit crosstabs.
fn unit_base(rep: &Report, unit: &str, w: &str) -> usize {
    unit_tables(rep, w).filter_map(|t| t.columns.iter().position(|c| c == unit).map(|i| t.bases[i])).max().unwrap_or(0)
}

/// The number the next first-level heading takes (一 is the returns).
fn heading_no(blocks: &[Block]) -> usize {
    blocks.iter().filter(|b| matches!(b, Block::H1(_))).count() + 1
}

/// Questions reported per unit: not the unit question, the banners or open answers.
fn counted(rep: &Report, q: &Question) -> bool {
    q.kind != Kind::Text && rep.survey.unit.as_deref() != Some(q.id.as_str()) && !rep.banners.contains(&Banner::Question(q.id.clone()))
}

/// 参与情况: this wave's valid questionnaires (and the roster's expected count), last year's.
fn returns(rep: &Report, unit: &str, w: &str, prev: Option<&str>) -> String {
    let row =
        |wave: &str| rep.status.iter().find(|s| s.wave == wave).and_then(|s| s.rows.iter().chain(&s.unlisted).find(|r| r.unit == unit));
    let n = |wave: &str| unit_tables(rep, wave).next().and_then(|t| t.columns.iter().position(|c| c == unit).map(|i| t.bases[i]));
    let mut s = match row(w) {
        Some(r) if r.expected > 0 => format!(
            "本次（{}）调查，本单位应交问卷 {} 份，收回 {} 份，有效 {} 份，有效回收率 {}",
            wave_name(w),
            r.expected,
            r.returned,
            r.valid,
            pct(100.0 * r.valid as f64 / r.expected as f64)
        ),
        Some(r) => format!("本次（{}）调查，本单位收回问卷 {} 份，有效 {} 份", wave_name(w), r.returned, r.valid),
        None => format!("本次（{}）调查，本单位有效问卷 {} 份", wave_name(w), n(w).unwrap_or(0)),
    };
    let caution = rep.results.options.caution_base;
    if (unit_base(rep, unit, w) as f64) < caution {
        s += &format!("（少于 {caution} 份，下面各题的数字抽样误差较大，仅供参考）");
    }
    if let Some(p) = prev {
        match row(p).map(|r| r.valid).or_else(|| n(p)) {
            Some(v) if v > 0 => s += &format!("；{}有效问卷 {v} 份", wave_name(p)),
            _ => s += &format!("；{}本单位没有参加调查", wave_name(p)),
        }
    }
    s + "。"
}

/// A figure as tables show it: a share with `%`, a mean with two decimals and its unit.
fn figure(v: Option<f64>, percent: bool, unit: &str) -> String {
    match v {
        Some(x) if percent => pct(x),
        Some(x) => format!("{x:.2}{unit}"),
        None => "—".into(),
    }
}

/// 主要指标: the unit's value, the whole survey's, its rank (of how many, with the rank's
/// interval) and last year's value and rank, per indicator; a sentence per indicator.
fn standing(rep: &Report, unit: &str) -> Vec<Block> {
    let mut rows = Vec::new();
    let mut said = Vec::new();
    for l in &rep.results.leagues {
        let Some(lw) = l.waves.last() else { continue };
        let Some(u) = lw.units.iter().find(|u| u.unit == unit && u.base > 0) else { continue };
        let ranked = lw.units.iter().filter(|x| x.rank.is_some()).count();
        let before = l.waves.len().checked_sub(2).and_then(|k| l.waves[k].units.iter().find(|x| x.unit == unit && x.base > 0));
        let value = |x: Option<f64>| figure(x, l.percent, "");
        rows.push(vec![
            l.name.clone(),
            value(u.value),
            value(lw.overall.value),
            match (u.rank, u.rank_interval) {
                (Some(r), Some((a, b))) if a != b => format!("{r}（{a}–{b}）"),
                (Some(r), _) => r.to_string(),
                _ => "未排名".into(),
            },
            before.map_or("—".into(), |b| value(b.value)),
            before.map_or("—".into(), |b| b.rank.map_or("未排名".into(), |r| r.to_string())),
        ]);
        said.push(match (u.rank, u.rank_interval) {
            (Some(r), Some((a, b))) if a != b => {
                format!("“{}”{}，在{ranked}个单位中排第{r}名（按抽样误差可能在第{a}至{b}名之间）", l.name, value(u.value))
            }
            (Some(r), _) => format!("“{}”{}，在{ranked}个单位中排第{r}名", l.name, value(u.value)),
            _ => format!("“{}”{}（本单位样本较少，未参加排名）", l.name, value(u.value)),
        });
    }
    if rows.is_empty() {
        return Vec::new();
    }
    let n = rep.results.leagues.iter().filter_map(|l| l.waves.last()).map(|lw| lw.units.len()).max().unwrap_or(0);
    let head = ["指标", "本单位", "全区", "排名（区间）", "上年", "上年排名"].map(String::from).to_vec();
    let note = format!("（共 {n} 个单位；排名括号内为 95% 排名区间）");
    vec![Block::P(format!("{}。", said.join("；"))), Block::Note(note), Block::Table { caption: "本单位主要指标".into(), head, rows }]
}

/// A figure of table `t`: the row of `option` (any option when empty) and `m`, column `col`.
fn cell(t: &Table, option: &str, m: Measure, col: usize) -> Option<f64> {
    t.rows.iter().find(|r| r.measure == m && (option.is_empty() || r.option == option)).and_then(|r| r.cells.get(col)?.value)
}

/// The unit's column of a table, if the unit answered it.
fn column(t: &Table, unit: &str) -> Option<usize> {
    let c = t.columns.iter().position(|c| c == unit)?;
    (t.bases[c] > 0).then_some(c)
}

/// One line of a question's table: label, the unit's figure, the whole survey's, the
/// unit's last year.
struct Line {
    label: String,
    percent: bool,
    unit: Option<f64>,
    all: Option<f64>,
    before: Option<f64>,
}

/// A question's figures for the unit: a sentence and a table (本单位, 全区, 本单位上年).
fn question(rep: &Report, q: &Question, unit: &str, w: &str, prev: Option<&str>) -> Option<(String, Block)> {
    let now: Vec<&Table> = unit_tables(rep, w).filter(|t| t.question_id() == q.id).collect();
    let then: Vec<&Table> = prev.map(|p| unit_tables(rep, p).filter(|t| t.question_id() == q.id).collect()).unwrap_or_default();
    let before = |t: &Table, option: &str, m: Measure| {
        let old = then.iter().find(|o| o.question == t.question)?;
        cell(old, option, m, column(old, unit)?)
    };
    // A question answered by few of the unit's respondents is marked; when the unit as a
    // whole is small, the returns paragraph says so once.
    let caution = rep.results.options.caution_base;
    let caution = if (unit_base(rep, unit, w) as f64) < caution { 0.0 } else { caution };
    let mut lines = Vec::new();
    let mut small = false;
    for t in &now {
        let Some(c) = column(t, unit) else { continue };
        small |= (t.bases[c] as f64) < caution;
        let row_name = t.question.split_once('/').map(|x| x.1.to_string());
        let line = |label: String, option: &str, m: Measure| Line {
            label,
            percent: matches!(m, Measure::Percent | Measure::Top2),
            unit: cell(t, option, m, c),
            all: cell(t, option, m, 0),
            before: before(t, option, m),
        };
        let per_option = match q.kind {
            Kind::Single | Kind::Multi => Some(Measure::Percent),
            Kind::Rank => Some(Measure::RankScore),
            _ => None,
        };
        match per_option {
            Some(m) => lines.extend(t.rows.iter().filter(|r| r.measure == m).map(|r| line(r.option.clone(), &r.option, m))),
            None => {
                lines.push(line(row_name.unwrap_or_else(|| "平均".into()), "", Measure::Mean));
                if q.kind == Kind::Scale {
                    lines.push(line("前两项合计".into(), "", Measure::Top2));
                }
            }
        }
    }
    if lines.is_empty() {
        return None;
    }
    Some((question_sentence(q, &lines, small), question_table(q, &lines)))
}

/// The sentence on a question: the option chosen most (choice questions) or the means.
fn question_sentence(q: &Question, lines: &[Line], small: bool) -> String {
    let unit = super::findings::unit_of(q);
    let mark = if small { "（样本较少）" } else { "" };
    let body = match q.kind {
        Kind::Single | Kind::Multi | Kind::Rank => {
            let top =
                lines.iter().filter(|l| l.unit.is_some()).max_by(|a, b| a.unit.partial_cmp(&b.unit).unwrap_or(std::cmp::Ordering::Equal));
            match top {
                Some(l) if q.kind == Kind::Rank => {
                    format!("本单位综合得分最高的是“{}”（{:.2}，全区{}）", l.label, l.unit.unwrap_or(0.0), figure(l.all, false, ""))
                }
                Some(l) => format!("本单位选择最多的是“{}”（{}，全区{}）", l.label, figure(l.unit, true, ""), figure(l.all, true, "")),
                None => return String::new(),
            }
        }
        _ => {
            let parts: Vec<String> = lines
                .iter()
                .map(|l| {
                    let name = match (lines.len(), l.percent) {
                        (1, _) => String::new(),
                        (_, true) => format!("，{}", l.label),
                        _ if q.kind == Kind::Scale => String::new(),
                        _ => format!("“{}”", l.label),
                    };
                    let u = if l.percent { "" } else { unit };
                    format!("{name}{}（全区{}）", figure(l.unit, l.percent, u), figure(l.all, l.percent, u))
                })
                .collect();
            format!("本单位平均{}", parts.join("，"))
        }
    };
    format!("在“{}”一题中，{body}{mark}。", q.text)
}

fn question_table(q: &Question, lines: &[Line]) -> Block {
    let percent = matches!(q.kind, Kind::Single | Kind::Multi);
    let unit = super::findings::unit_of(q);
    let unit_of = |l: &Line| if l.percent { "" } else { unit };
    let rows = lines
        .iter()
        .map(|l| {
            vec![
                l.label.clone(),
                figure(l.unit, l.percent, unit_of(l)),
                figure(l.all, l.percent, unit_of(l)),
                figure(l.before, l.percent, unit_of(l)),
            ]
        })
        .collect();
    let first = if matches!(q.kind, Kind::Matrix) {
        "项目"
    } else if percent || q.kind == Kind::Rank {
        "选项"
    } else {
        ""
    };
    Block::Table {
        caption: q.label.clone().unwrap_or_else(|| q.text.clone()),
        head: [first, "本单位", "全区", "本单位上年"].map(String::from).to_vec(),
        rows,
    }
}

/// Open answers of wave `w` by (unit, question), read from the responses in one pass.
pub type Answers = std::collections::HashMap<(String, String), Vec<String>>;

/// The open answers of every unit in wave `w` (none when the responses were not kept).
fn answers_by_unit(rep: &Report, w: &str) -> Answers {
    use crate::survey::schema::{UNIT, WAVE};
    let mut out = Answers::new();
    let Some(df) = rep.data.as_ref() else { return out };
    let strs = |name: &str| df.column(name).ok().and_then(|c| c.str().ok()).cloned();
    let (Some(units), Some(waves)) = (strs(UNIT), strs(WAVE)) else { return out };
    for q in rep.survey.questions.iter().filter(|q| q.kind == Kind::Text) {
        let Some(answers) = strs(&q.id) else { continue };
        for ((u, wv), a) in units.iter().zip(waves.iter()).zip(answers.iter()) {
            if let (Some(u), Some(a)) = (u, a.map(str::trim).filter(|a| !a.is_empty())) {
                if wv == Some(w) {
                    out.entry((u.to_string(), q.id.clone())).or_default().push(a.to_string());
                }
            }
        }
    }
    out
}

/// The unit's own open answers: every distinct wording with its count, grouped by theme
/// as the report groups them (`stats::themes`).
fn open_answers(rep: &Report, unit: &str, answers: &Answers) -> Vec<Block> {
    let mut out = Vec::new();
    for q in rep.survey.questions.iter().filter(|q| q.kind == Kind::Text) {
        let Some(own) = answers.get(&(unit.to_string(), q.id.clone())) else { continue };
        let themes = crate::stats::themes::themes(own);
        let distinct: usize = themes.iter().map(|t| t.answers.len()).sum();
        out.push(Block::P(format!("“{}”一题，本单位有 {} 人填写，{distinct} 种不同的表述如下（括号内为人数）：", q.text, own.len())));
        for (a, n) in themes.iter().flat_map(|t| &t.answers).take(50) {
            out.push(Block::Quote(if *n > 1 { format!("{a}（{n}人）") } else { a.clone() }));
        }
    }
    out
}
