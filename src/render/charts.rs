//! Chart images (PNG and SVG) with plotters: horizontal bars sorted by share for single
//! and multi-select questions, grouped bars for crosstabs, 100% stacked bars for scales
//! and matrix rows, composite-score bars for rankings, histograms for numbers.
//!
//! Layout is computed here in pixels (text is measured with the chart font, labels and
//! titles wrap), so nothing overlaps at any size; the figures come from the stats tables.
//! One embedded font (a Noto Sans SC subset, SIL OFL) draws every label, so Chinese
//! renders on machines without Chinese fonts; SVG text names a family list viewers have.

use ab_glyph::{Font, FontRef};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle, RGBColor};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::stats::{Measure, Results, Table};
use crate::survey::{Kind, Survey};

/// The embedded chart font (see assets/fonts/OFL.txt and make_subset.py).
pub static DEFAULT_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-diaoyan.otf");

/// The family the font is registered under; the SVG backend writes it into
/// `font-family`, so SVG viewers use the first of these they have.
pub const FAMILY: &str = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif";

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("无法读取字体文件 {0}：{1}")]
    FontFile(String, String),
    #[error("{0} 不是可用的字体文件（需要 .ttf 或 .otf）")]
    BadFont(String),
    #[error("无法写出图表 {0}：{1}")]
    Draw(String, String),
}

/// Which images to write, and how large.
#[derive(Debug, Clone)]
pub struct ChartOptions {
    pub png: bool,
    pub svg: bool,
    pub dpi: u32,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions { png: true, svg: true, dpi: 200 }
    }
}

/// The font in use, kept for coverage checks.
pub struct ChartFont {
    font: FontRef<'static>,
}

impl ChartFont {
    /// Registers the embedded font, or the one at `path`, for every chart.
    pub fn load(path: Option<&Path>) -> Result<ChartFont, ChartError> {
        let bytes: &'static [u8] = match path {
            None => DEFAULT_FONT,
            Some(p) => {
                let b = std::fs::read(p).map_err(|e| ChartError::FontFile(p.display().to_string(), e.to_string()))?;
                Box::leak(b.into_boxed_slice())
            }
        };
        let name = path.map(|p| p.display().to_string()).unwrap_or_default();
        let font = FontRef::try_from_slice(bytes).map_err(|_| ChartError::BadFont(name.clone()))?;
        register_font(FAMILY, FontStyle::Normal, bytes).map_err(|_| ChartError::BadFont(name.clone()))?;
        register_font(FAMILY, FontStyle::Bold, bytes).map_err(|_| ChartError::BadFont(name))?;
        Ok(ChartFont { font })
    }

    /// Characters of `texts` the font cannot draw.
    pub fn missing<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> BTreeSet<char> {
        texts
            .into_iter()
            .flat_map(|t| t.chars())
            .filter(|c| !c.is_control() && !c.is_whitespace() && self.font.glyph_id(*c).0 == 0)
            .collect()
    }
}

/// One restrained style: palette, sizes and spacing, all in one place.
pub mod style {
    use plotters::style::RGBColor;
    /// Single-series bars.
    pub const BAR: RGBColor = RGBColor(0x2F, 0x55, 0x97);
    /// Series colours for groups (crosstabs), in order.
    pub const SERIES: [RGBColor; 12] = [
        RGBColor(0x2F, 0x55, 0x97),
        RGBColor(0xC5, 0x5A, 0x11),
        RGBColor(0x54, 0x82, 0x35),
        RGBColor(0x7F, 0x60, 0x00),
        RGBColor(0x70, 0x30, 0xA0),
        RGBColor(0x1F, 0x7A, 0x8C),
        RGBColor(0x80, 0x80, 0x80),
        RGBColor(0xBF, 0x90, 0x00),
        RGBColor(0x9D, 0xC3, 0xE6),
        RGBColor(0xF4, 0xB1, 0x83),
        RGBColor(0xA9, 0xD1, 0x8E),
        RGBColor(0xD5, 0x9B, 0xC9),
    ];
    pub const TEXT: RGBColor = RGBColor(0x26, 0x26, 0x26);
    pub const MUTED: RGBColor = RGBColor(0x59, 0x59, 0x59);
    pub const GRID: RGBColor = RGBColor(0xE7, 0xE6, 0xE6);
    /// Page width of a chart: 16 cm (Word page width).
    pub const WIDTH_CM: f64 = 16.0;
    /// Font sizes in points.
    pub const TITLE_PT: f64 = 11.0;
    pub const LABEL_PT: f64 = 9.0;
    pub const VALUE_PT: f64 = 8.0;
    pub const CAPTION_PT: f64 = 8.0;

    /// An ordered ramp for scales: red (low) through grey to blue (high).
    pub fn ramp(n: usize) -> Vec<RGBColor> {
        let stops = [(0xC0, 0x39, 0x2B), (0xF4, 0xB1, 0x83), (0xD9, 0xD9, 0xD9), (0x9D, 0xC3, 0xE6), (0x2F, 0x55, 0x97)];
        (0..n)
            .map(|i| {
                let t = if n <= 1 { 1.0 } else { i as f64 / (n - 1) as f64 } * (stops.len() - 1) as f64;
                let k = (t.floor() as usize).min(stops.len() - 2);
                let f = t - k as f64;
                let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
                let (a, b) = (stops[k], stops[k + 1]);
                RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
            })
            .collect()
    }
}

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
}

impl Spec {
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
        }
        v
    }
}

fn values<'a>(t: &'a Table, m: Measure) -> impl Iterator<Item = (&'a str, Option<f64>)> + 'a {
    t.rows.iter().filter(move |r| r.measure == m).map(|r| (r.option.as_str(), r.cells[0].value))
}

fn qtitle(id: &str, text: &str) -> String {
    format!("{}. {}", id.split('/').next().unwrap_or(id), text)
}

/// Chart specs for every table of a results set: (file stem, spec). Whole-sample charts
/// are named after the question, crosstabs `<question>_by_<banner>`; with several waves
/// each name is prefixed with the wave.
pub fn specs(r: &Results, survey: &Survey) -> Vec<(String, Spec)> {
    let mut out = Vec::new();
    let many = r.waves.len() > 1;
    let prefix = |w: &str| if many || w == "全部" { format!("{w}_") } else { String::new() };
    for q in &survey.questions {
        for wave in r.waves.iter().map(|s| s.as_str()).chain(std::iter::once("全部")) {
            let tables: Vec<&Table> = r.tables.iter().filter(|t| t.wave == wave && t.question.split('/').next() == Some(q.id.as_str())).collect();
            if tables.is_empty() {
                continue;
            }
            let mut banners: Vec<Option<&str>> = Vec::new();
            for t in &tables {
                if !banners.contains(&t.banner.as_deref()) {
                    banners.push(t.banner.as_deref());
                }
            }
            for b in banners {
                let ts: Vec<&Table> = tables.iter().copied().filter(|t| t.banner.as_deref() == b).collect();
                let name = match b {
                    None => format!("{}{}", prefix(wave), q.id),
                    Some(b) => format!("{}{}_by_{}", prefix(wave), q.id, b),
                };
                if let Some(spec) = spec_for(q.kind, &ts, b.is_some()) {
                    out.push((name, bounded(spec)));
                }
            }
        }
    }
    out
}

fn spec_for(kind: Kind, ts: &[&Table], crosstab: bool) -> Option<Spec> {
    let t = ts[0];
    let title = qtitle(&t.question, &t.text);
    let wave = match t.wave.as_str() {
        "" => String::new(),
        "全部" => "各年份合计 ".to_string(),
        w if w.len() == 4 && w.chars().all(|c| c.is_ascii_digit()) => format!("{w}年 "),
        w => format!("{w} "),
    };
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
                    let label = if kind == Kind::Matrix { t.question.split('/').nth(1).unwrap_or("").to_string() } else { "总体".to_string() };
                    (label, values(t, Measure::Percent).map(|(_, v)| v.unwrap_or(0.0)).collect())
                })
                .collect();
            let title = if kind == Kind::Matrix { qtitle(&t.question, t.text.split('—').next().unwrap_or(&t.text)) } else { title };
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
        (_, true) => {
            // Groups nobody is in are left out; small ones are marked.
            let keep: Vec<usize> = (1..t.columns.len()).filter(|&c| t.bases[c] > 0).collect();
            let any_small = keep.iter().any(|&c| small(t, c));
            let series: Vec<String> = keep
                .iter()
                .map(|&c| format!("{} (n={}){}", t.columns[c], t.bases[c], if small(t, c) { "*" } else { "" }))
                .collect();
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
                    .map(|r| (if r.option.is_empty() { measure.label().to_string() } else { r.option.clone() }, pick(&r.cells)))
                    .collect()
            };
            let title = if kind == Kind::Matrix { qtitle(&t.question, t.text.split('—').next().unwrap_or(&t.text)) } else { title };
            let what = if percent { "" } else if measure == Measure::Mean { "（平均值）" } else { "（综合得分）" };
            let note = if any_small { SMALL_NOTE.to_string() } else { String::new() };
            Some(Spec::Grouped { title, caption: format!("{}{note}", base_caption(what)), series, categories, percent })
        }
    }
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
fn bounded(spec: Spec) -> Spec {
    let left_out = |n: usize, what: &str| if n > 0 { format!("；另有 {n} 个{what}未画出（全部数字见 Excel 汇总表）") } else { String::new() };
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
    }
}

/// Groups below the minimum base (stats' flag) are marked in legends, as in the workbook.
fn small(t: &Table, c: usize) -> bool {
    t.flags[c] == crate::stats::BaseFlag::Small
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

/// Pixel sizes for one dpi.
struct Metrics {
    w: i32,
    margin: i32,
    title: f64,
    label: f64,
    value: f64,
    caption: f64,
}

impl Metrics {
    fn new(dpi: u32) -> Metrics {
        let px = |pt: f64| pt * dpi as f64 / 72.0;
        Metrics {
            w: (style::WIDTH_CM / 2.54 * dpi as f64).round() as i32,
            margin: (0.3 / 2.54 * dpi as f64).round() as i32,
            title: px(style::TITLE_PT),
            label: px(style::LABEL_PT),
            value: px(style::VALUE_PT),
            caption: px(style::CAPTION_PT),
        }
    }
    fn line(&self, size: f64) -> i32 {
        (size * 1.35).ceil() as i32
    }
}

fn font(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&style::TEXT)
}

/// Text width in pixels with the chart font.
fn width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str, size: f64) -> i32 {
    area.estimate_text_size(text, &font(size)).map(|(w, _)| w as i32).unwrap_or((text.chars().count() as f64 * size) as i32)
}

/// Greedy line breaking to `max` pixels (CJK breaks anywhere; ASCII words stay whole).
fn wrap<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str, size: f64, max: i32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut tokens: Vec<String> = Vec::new();
    for c in text.chars() {
        match tokens.last_mut() {
            Some(t) if c.is_ascii_alphanumeric() && t.chars().last().is_some_and(|p| p.is_ascii_alphanumeric()) => t.push(c),
            _ => tokens.push(c.to_string()),
        }
    }
    for t in tokens {
        let next = format!("{cur}{t}");
        if !cur.is_empty() && width(area, &next, size) > max {
            lines.push(std::mem::take(&mut cur));
            cur = t.trim_start().to_string();
        } else {
            cur = next;
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

fn fmt_value(v: f64, percent: bool) -> String {
    if percent {
        format!("{v:.1}%")
    } else {
        format!("{v:.2}")
    }
}

type DrawResult = Result<(), String>;

fn e<E: std::fmt::Debug>(x: E) -> String {
    crate::output::person(&format!("{x:?}"))
}

/// Draws text with its line box's top at `at.1`. plotters' ab_glyph backend places the
/// glyphs about 0.15 em high of that box; the offset puts them where the layout expects.
fn text<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, s: &str, size: f64, color: &RGBColor, at: (i32, i32)) -> DrawResult {
    let dy = (size * 0.15).round() as i32;
    area.draw_text(s, &font(size).color(color), (at.0, at.1 + dy)).map_err(e)
}

/// The height a spec needs at this width (a dry run of the layout).
fn layout_height(spec: &Spec, m: &Metrics) -> i32 {
    // Measuring needs a backend; an in-memory bitmap of one row is enough.
    let mut buf = vec![0u8; (m.w as usize) * 3];
    let area = BitMapBackend::with_buffer(&mut buf, (m.w as u32, 1)).into_drawing_area();
    draw(&area, spec, m, false).unwrap_or(800)
}

/// Draws (or, with `paint` false, only measures) a chart; returns the height used.
fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, spec: &Spec, m: &Metrics, paint: bool) -> Result<i32, String> {
    let inner = m.w - 2 * m.margin;
    let mut y = m.margin;
    let (title, caption) = match spec {
        Spec::Bars { title, caption, .. } | Spec::Grouped { title, caption, .. } | Spec::Stacked { title, caption, .. } | Spec::Histogram { title, caption, .. } => (title, caption),
    };
    for l in wrap(area, title, m.title, inner) {
        if paint {
            text(area, &l, m.title, &style::TEXT, (m.margin, y))?;
        }
        y += m.line(m.title);
    }
    y += m.line(m.label) / 2;
    // Legend for multi-series charts.
    let legend: Option<(Vec<String>, Vec<RGBColor>)> = match spec {
        Spec::Grouped { series, .. } => Some((series.clone(), series.iter().enumerate().map(|(i, _)| style::SERIES[i % style::SERIES.len()]).collect())),
        Spec::Stacked { levels, .. } => Some((levels.clone(), style::ramp(levels.len()))),
        _ => None,
    };
    if let Some((names, colors)) = &legend {
        let sw = (m.label * 0.8) as i32;
        let mut x = m.margin;
        for (nm, c) in names.iter().zip(colors) {
            let wdt = sw + 8 + width(area, nm, m.label) + (m.label as i32);
            if x + wdt > m.w - m.margin && x > m.margin {
                x = m.margin;
                y += m.line(m.label);
            }
            if paint {
                area.draw(&Rectangle::new([(x, y + 3), (x + sw, y + 3 + sw)], c.filled())).map_err(e)?;
                text(area, nm, m.label, &style::TEXT, (x + sw + 8, y))?;
            }
            x += wdt;
        }
        y += m.line(m.label) + m.line(m.label) / 2;
    }
    match spec {
        Spec::Bars { items, percent, .. } => {
            let labels: Vec<&str> = items.iter().map(|i| i.0.as_str()).collect();
            let label_w = labels.iter().map(|l| width(area, l, m.label)).max().unwrap_or(0).min((inner as f64 * 0.38) as i32);
            let value_w = width(area, &fmt_value(items.iter().map(|i| i.1).fold(0.0, f64::max), *percent), m.value) + 12;
            let x0 = m.margin + label_w + 12;
            let x1 = m.w - m.margin - value_w;
            let max = items.iter().map(|i| i.1).fold(0.0f64, f64::max).max(if *percent { 1.0 } else { 1e-9 });
            let bar_h = (m.label * 1.1) as i32;
            let axis_top = y;
            for (label, v) in items {
                let lines = wrap(area, label, m.label, label_w);
                let row_h = (lines.len() as i32 * m.line(m.label)).max(bar_h) + m.line(m.label) / 2;
                if paint {
                    let by = y + (row_h - bar_h) / 2;
                    let ly = by + bar_h / 2 - lines.len() as i32 * m.line(m.label) / 2;
                    for (k, l) in lines.iter().enumerate() {
                        let lw = width(area, l, m.label);
                        text(area, l, m.label, &style::TEXT, (x0 - 12 - lw, ly + k as i32 * m.line(m.label)))?;
                    }
                    let bx = x0 + ((v / max) * (x1 - x0) as f64).round() as i32;
                    area.draw(&Rectangle::new([(x0, by), (bx.max(x0 + 1), by + bar_h)], style::BAR.filled())).map_err(e)?;
                    text(area, &fmt_value(*v, *percent), m.value, &style::TEXT, (bx + 8, by + (bar_h - m.line(m.value)) / 2))?;
                }
                y += row_h;
            }
            if paint {
                area.draw(&PathElement::new(vec![(x0, axis_top), (x0, y)], style::GRID.stroke_width(2))).map_err(e)?;
            }
        }
        Spec::Grouped { series, categories, percent, .. } => {
            let label_w = categories.iter().map(|c| width(area, &c.0, m.label)).max().unwrap_or(0).min((inner as f64 * 0.30) as i32);
            let value_w = width(area, &fmt_value(100.0, *percent), m.value) + 12;
            let x0 = m.margin + label_w + 12;
            let x1 = m.w - m.margin - value_w;
            let max = categories.iter().flat_map(|c| c.1.iter().flatten()).fold(0.0f64, |a, b| a.max(*b)).max(1e-9);
            let bar_h = (m.value * 0.95) as i32;
            let axis_top = y;
            for (label, vals) in categories {
                let lines = wrap(area, label, m.label, label_w);
                let block = (series.len() as i32 * (bar_h + 2)).max(lines.len() as i32 * m.line(m.label));
                if paint {
                    for (k, l) in lines.iter().enumerate() {
                        let lw = width(area, l, m.label);
                        text(area, l, m.label, &style::TEXT, (x0 - 12 - lw, y + (block - lines.len() as i32 * m.line(m.label)) / 2 + k as i32 * m.line(m.label)))?;
                    }
                    for (s, v) in vals.iter().enumerate() {
                        let by = y + s as i32 * (bar_h + 2);
                        let Some(v) = v else { continue };
                        let bx = x0 + ((v / max) * (x1 - x0) as f64).round() as i32;
                        let c = style::SERIES[s % style::SERIES.len()];
                        area.draw(&Rectangle::new([(x0, by), (bx.max(x0 + 1), by + bar_h)], c.filled())).map_err(e)?;
                        text(area, &fmt_value(*v, *percent), m.value * 0.9, &style::MUTED, (bx + 6, by + (bar_h - m.line(m.value * 0.9)) / 2))?;
                    }
                }
                y += block + m.line(m.label) / 2 + 4;
            }
            if paint {
                area.draw(&PathElement::new(vec![(x0, axis_top), (x0, y)], style::GRID.stroke_width(2))).map_err(e)?;
            }
        }
        Spec::Stacked { levels, bars, .. } => {
            let label_w = bars.iter().map(|b| width(area, &b.0, m.label)).max().unwrap_or(0).min((inner as f64 * 0.25) as i32);
            let x0 = m.margin + label_w + 12;
            let x1 = m.w - m.margin;
            let colors = style::ramp(levels.len());
            let bar_h = (m.label * 1.6) as i32;
            for (label, shares) in bars {
                let lines = wrap(area, label, m.label, label_w);
                let row_h = (lines.len() as i32 * m.line(m.label)).max(bar_h) + m.line(m.label) / 2;
                if paint {
                    let ly = y + row_h / 2 - lines.len() as i32 * m.line(m.label) / 2;
                    for (k, l) in lines.iter().enumerate() {
                        let lw = width(area, l, m.label);
                        text(area, l, m.label, &style::TEXT, (x0 - 12 - lw, ly + k as i32 * m.line(m.label)))?;
                    }
                    let total: f64 = shares.iter().sum::<f64>().max(1e-9);
                    let by = y + (row_h - bar_h) / 2;
                    let mut acc = 0.0;
                    for (i, s) in shares.iter().enumerate() {
                        let a = x0 + (acc / total * (x1 - x0) as f64).round() as i32;
                        acc += s;
                        let b = x0 + (acc / total * (x1 - x0) as f64).round() as i32;
                        if b > a {
                            area.draw(&Rectangle::new([(a, by), (b, by + bar_h)], colors[i].filled())).map_err(e)?;
                            let lbl = format!("{s:.0}%");
                            let lw = width(area, &lbl, m.value);
                            if lw + 6 < b - a {
                                let dark = i + 1 == levels.len() || i == 0;
                                let col = if dark { RGBColor(255, 255, 255) } else { style::TEXT };
                                text(area, &lbl, m.value, &col, ((a + b - lw) / 2, by + (bar_h - m.line(m.value)) / 2))?;
                            }
                        }
                    }
                }
                y += row_h;
            }
        }
        Spec::Histogram { bins, .. } => {
            let h = (m.w as f64 * 0.45) as i32;
            let x0 = m.margin + width(area, "0000", m.value);
            let x1 = m.w - m.margin;
            let max = bins.iter().map(|b| b.1).fold(0.0f64, f64::max).max(1.0);
            let n = bins.len().max(1) as i32;
            let slot = (x1 - x0) / n;
            let top = y + m.line(m.value);
            let bottom = top + h;
            if paint {
                area.draw(&PathElement::new(vec![(x0, bottom), (x1, bottom)], style::GRID.stroke_width(2))).map_err(e)?;
                for (i, (label, c)) in bins.iter().enumerate() {
                    let a = x0 + i as i32 * slot + slot / 8;
                    let b = x0 + (i as i32 + 1) * slot - slot / 8;
                    let t = bottom - (c / max * h as f64).round() as i32;
                    area.draw(&Rectangle::new([(a, t), (b, bottom)], style::BAR.filled())).map_err(e)?;
                    let v = format!("{}", *c as i64);
                    let vw = width(area, &v, m.value);
                    text(area, &v, m.value, &style::TEXT, ((a + b - vw) / 2, t - m.line(m.value)))?;
                    let lw = width(area, label, m.value);
                    if lw < slot || i % 2 == 0 {
                        text(area, label, m.value, &style::MUTED, ((a + b - lw) / 2, bottom + 6))?;
                    }
                }
            }
            y = bottom + m.line(m.value) + 6;
        }
    }
    y += m.line(m.caption) / 2;
    for l in wrap(area, caption, m.caption, inner) {
        if paint {
            text(area, &l, m.caption, &style::MUTED, (m.margin, y))?;
        }
        y += m.line(m.caption);
    }
    Ok(y + m.margin)
}

/// Writes one chart as PNG and/or SVG (`stem` without extension).
pub fn write(spec: &Spec, stem: &Path, opts: &ChartOptions) -> Result<Vec<PathBuf>, ChartError> {
    let m = Metrics::new(opts.dpi);
    let h = layout_height(spec, &m).max(50);
    let mut out = Vec::new();
    let fail = |p: &Path, err: String| ChartError::Draw(p.display().to_string(), err);
    if opts.png {
        let p = with_ext(stem, "png");
        // Unique per process (several reports may write into one folder at once), and
        // removed whatever happens.
        let tmp = with_ext(stem, &format!("png.tmp{}.png", std::process::id()));
        let drawn = (|| {
            let area = BitMapBackend::new(&tmp, (m.w as u32, h as u32)).into_drawing_area();
            area.fill(&WHITE).map_err(|x| fail(&p, e(x)))?;
            draw(&area, spec, &m, true).map_err(|x| fail(&p, x))?;
            area.present().map_err(|x| fail(&p, e(x)))
        })();
        if let Err(x) = drawn {
            let _ = std::fs::remove_file(&tmp);
            return Err(x);
        }
        std::fs::rename(&tmp, &p).map_err(|x| {
            let _ = std::fs::remove_file(&tmp);
            fail(&p, crate::output::person(&x.to_string()))
        })?;
        out.push(p);
    }
    if opts.svg {
        let p = with_ext(stem, "svg");
        let mut svg = String::new();
        {
            // SVG sizes are in user units; 96 per inch as browsers and Word assume.
            let ms = Metrics::new(96);
            let hs = layout_height(spec, &ms).max(50);
            let area = SVGBackend::with_string(&mut svg, (ms.w as u32, hs as u32)).into_drawing_area();
            area.fill(&WHITE).map_err(|x| fail(&p, e(x)))?;
            draw(&area, spec, &ms, true).map_err(|x| fail(&p, x))?;
            area.present().map_err(|x| fail(&p, e(x)))?;
        }
        crate::output::write_atomic(&p, |w| std::io::Write::write_all(w, svg.as_bytes()).map_err(|x| x.to_string())).map_err(|x| fail(&p, x.to_string()))?;
        out.push(p);
    }
    Ok(out)
}

/// Writes every chart of a results set into `dir`, in parallel; returns the files.
pub fn write_all(specs: &[(String, Spec)], dir: &Path, opts: &ChartOptions) -> Result<Vec<PathBuf>, ChartError> {
    use rayon::prelude::*;
    std::fs::create_dir_all(dir).map_err(|x| ChartError::Draw(dir.display().to_string(), crate::output::person(&x.to_string())))?;
    // Two names that become the same file name (`a/b` and `a_b`, or differing in case
    // only) get distinct files: `…_2`.
    let mut taken = std::collections::HashSet::new();
    let stems: Vec<String> = specs
        .iter()
        .map(|(name, _)| {
            let base = safe_name(name);
            let mut stem = base.clone();
            let mut k = 2;
            while !taken.insert(stem.to_lowercase()) {
                stem = format!("{base}_{k}");
                k += 1;
            }
            stem
        })
        .collect();
    let files: Vec<Vec<PathBuf>> = specs
        .par_iter()
        .zip(stems.par_iter())
        .map(|((_, spec), stem)| write(spec, &dir.join(stem), opts))
        .collect::<Result<_, _>>()?;
    Ok(files.into_iter().flatten().collect())
}

/// `stem` + `.ext`, keeping any dot already in the stem (`Q3.1` → `Q3.1.png`, where
/// `Path::with_extension` would give `Q3.png`).
fn with_ext(stem: &Path, ext: &str) -> PathBuf {
    let mut s = stem.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// A file name that is valid everywhere (banner names may hold any text).
pub fn safe_name(s: &str) -> String {
    crate::text::safe_file_stem(s)
}
