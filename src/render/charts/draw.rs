//! Drawing a chart spec with plotters. Layout is computed here in pixels (text is
//! measured with the chart font, labels and titles wrap), so nothing overlaps at any size.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::RGBColor;

use super::spec::Spec;
use super::FAMILY;

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
    /// Font sizes in points at the chart's own width; the smallest stays at or above
    /// 9 pt when a report prints it at 15.6 cm (the text width of an office page).
    pub const TITLE_PT: f64 = 11.0;
    pub const LABEL_PT: f64 = 9.3;
    pub const VALUE_PT: f64 = 9.3;
    pub const CAPTION_PT: f64 = 9.3;

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

/// Pixel sizes for one dpi.
pub(super) struct Metrics {
    pub(super) w: i32,
    pub(super) margin: i32,
    pub(super) title: f64,
    pub(super) label: f64,
    pub(super) value: f64,
    pub(super) caption: f64,
}

impl Metrics {
    pub(super) fn new(dpi: u32) -> Metrics {
        // Points of the em, in plotters' sizes (the font's height).
        let ratio = super::em_ratio();
        let px = |pt: f64| pt * dpi as f64 / 72.0 * ratio;
        Metrics {
            w: (style::WIDTH_CM / 2.54 * dpi as f64).round() as i32,
            margin: (0.3 / 2.54 * dpi as f64).round() as i32,
            title: px(style::TITLE_PT),
            label: px(style::LABEL_PT),
            value: px(style::VALUE_PT),
            caption: px(style::CAPTION_PT),
        }
    }
    pub(super) fn line(&self, size: f64) -> i32 {
        (size * 1.05).ceil() as i32
    }
}

fn font(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&style::TEXT)
}

/// Full-width opening punctuation whose glyph leaves the right part of its em empty: the
/// text after it is drawn closer (标点挤压), as typesetters do.
const SQUEEZED: [char; 2] = ['（', '“'];
/// Full-width closing punctuation: its blank half goes when another punctuation mark
/// follows (“）；”, “。”“”), as in typeset Chinese.
const CLOSING: [char; 9] = ['）', '”', '，', '。', '；', '：', '、', '！', '？'];
/// Fraction of an em taken out (the blank half of the mark).
const SQUEEZE: f64 = 0.5;

thread_local! {
    /// Whether this thread's drawing squeezes punctuation: yes for PNG (drawn with the
    /// embedded font, whose marks are known), no for SVG (a viewer draws it with its own
    /// font, whose marks may sit elsewhere in their em).
    static SQUEEZING: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Runs `f` with punctuation squeezing off on this thread (for SVG).
pub(super) fn unsqueezed<T>(f: impl FnOnce() -> T) -> T {
    let was = SQUEEZING.with(|s| s.replace(false));
    let out = f();
    SQUEEZING.with(|s| s.set(was));
    out
}

/// Byte offsets just after each character of `text` that the next is drawn closer to.
fn squeeze_points(text: &str) -> impl Iterator<Item = usize> + '_ {
    let on = SQUEEZING.with(|s| s.get());
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        if !on {
            return None;
        }
        while let Some((i, c)) = chars.next() {
            let next = chars.peek().map(|p| p.1);
            if SQUEEZED.contains(&c) || CLOSING.contains(&c) && next.is_some_and(|n| SQUEEZED.contains(&n) || CLOSING.contains(&n)) {
                return Some(i + c.len_utf8());
            }
        }
        None
    })
}

/// Pixels one squeeze takes out at plotters' `size` (the font's height, not its em).
fn squeeze_px(size: f64) -> i32 {
    (size / super::em_ratio() * SQUEEZE).round() as i32
}

/// Text width in pixels with the chart font (after squeezing).
pub(super) fn width<DB: DrawingBackend<ErrorType: 'static>>(area: &DrawingArea<DB, Shift>, text: &str, size: f64) -> i32 {
    plain_width(area, text, size) - squeezed(text, size)
}

/// Text width in pixels as the font sets it.
fn plain_width<DB: DrawingBackend<ErrorType: 'static>>(area: &DrawingArea<DB, Shift>, text: &str, size: f64) -> i32 {
    area.estimate_text_size(text, &font(size)).map(|(w, _)| w as i32).unwrap_or((text.chars().count() as f64 * size) as i32)
}

/// The pixels squeezing takes out of `text`.
fn squeezed(text: &str, size: f64) -> i32 {
    squeeze_points(text).count() as i32 * squeeze_px(size)
}

/// Greedy line breaking to `max` pixels (CJK breaks anywhere; ASCII words stay whole).
fn wrap<DB: DrawingBackend<ErrorType: 'static>>(area: &DrawingArea<DB, Shift>, text: &str, size: f64, max: i32) -> Vec<String> {
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

pub(super) fn fmt_value(v: f64, percent: bool) -> String {
    if percent {
        format!("{v:.1}%")
    } else {
        format!("{v:.2}")
    }
}

pub(super) type DrawResult = Result<(), DrawError>;

/// Why a chart could not be drawn: the system's error while its image was written, or
/// what the drawing library said.
#[derive(Debug, thiserror::Error)]
pub enum DrawError {
    #[error("{}", crate::error::writing(.0))]
    Io(#[source] std::io::Error),
    #[error("绘图出错（{0}）")]
    Library(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A drawing error of plotters as a [`DrawError`]: the system's error is taken out of the
/// backend's (PNG: the bitmap backend or the image encoder; SVG: an I/O error), so that
/// its kind words the message.
pub(super) fn e<E: std::error::Error + Send + Sync + 'static>(x: DrawingAreaErrorKind<E>) -> DrawError {
    use plotters_bitmap::BitMapBackendError as Bm;
    let DrawingAreaErrorKind::BackendError(plotters_backend::DrawingErrorKind::DrawingError(be)) = x else {
        return DrawError::Library(Box::new(x));
    };
    let b: Box<dyn std::error::Error + Send + Sync> = Box::new(be);
    let b = match b.downcast::<Bm>() {
        Ok(bm) => match *bm {
            Bm::IOError(io) | Bm::ImageError(image::ImageError::IoError(io)) => return DrawError::Io(io),
            other => Box::new(other),
        },
        Err(b) => b,
    };
    match b.downcast::<std::io::Error>() {
        Ok(io) => DrawError::Io(*io),
        Err(b) => DrawError::Library(b),
    }
}

/// Draws text with its line box's top at `at.1`. plotters' ab_glyph backend places the
/// glyphs about 0.15 em high of that box; the offset puts them where the layout expects.
pub(super) fn text<DB: DrawingBackend<ErrorType: 'static>>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    size: f64,
    color: &RGBColor,
    at: (i32, i32),
) -> DrawResult {
    let dy = (size * 0.15).round() as i32;
    // Pieces ending at a squeezed punctuation mark, each drawn closer to the one before.
    let mut x = at.0;
    let mut start = 0;
    for end in squeeze_points(s) {
        let piece = &s[start..end];
        area.draw_text(piece, &font(size).color(color), (x, at.1 + dy)).map_err(e)?;
        x += plain_width(area, piece, size) - squeeze_px(size);
        start = end;
    }
    if start == s.len() {
        return Ok(());
    }
    area.draw_text(&s[start..], &font(size).color(color), (x, at.1 + dy)).map_err(e)
}

/// The height a spec needs at this width (a dry run of the layout).
pub(super) fn layout_height(spec: &Spec, m: &Metrics) -> i32 {
    // Measuring needs a backend; an in-memory bitmap of one row is enough.
    let mut buf = vec![0u8; (m.w as usize) * 3];
    let area = BitMapBackend::with_buffer(&mut buf, (m.w as u32, 1)).into_drawing_area();
    draw(&area, spec, m, false).unwrap_or(800)
}

/// Draws (or, with `paint` false, only measures) a chart; returns the height used.
pub(super) fn draw<DB: DrawingBackend<ErrorType: 'static>>(
    area: &DrawingArea<DB, Shift>,
    spec: &Spec,
    m: &Metrics,
    paint: bool,
) -> Result<i32, DrawError> {
    let pen = Pen { area, m, paint };
    let (title, caption) = match spec {
        Spec::Bars { title, caption, .. }
        | Spec::Grouped { title, caption, .. }
        | Spec::Stacked { title, caption, .. }
        | Spec::Histogram { title, caption, .. }
        | Spec::Lines { title, caption, .. } => (title, caption),
    };
    // A document's figure has its title in its caption (图N …), not in the drawing.
    let mut y = m.margin;
    if !title.is_empty() {
        y = pen.paragraph(title, m.title, &style::TEXT, y)? + m.line(m.label) / 2;
    }
    y = pen.legend(spec, y)?;
    y = match spec {
        Spec::Bars { items, percent, .. } => pen.bars(items, *percent, y)?,
        Spec::Grouped { series, categories, percent, .. } => pen.grouped(series.len(), categories, *percent, y)?,
        Spec::Stacked { levels, bars, .. } => pen.stacked(levels.len(), bars, y)?,
        Spec::Histogram { bins, .. } => pen.histogram(bins, y)?,
        Spec::Lines { x, series, percent, .. } => super::lines::draw_lines(area, x, series, *percent, m, y, paint)?,
    };
    y += m.line(m.caption) / 2;
    let y = pen.paragraph(caption, m.caption, &style::MUTED, y)?;
    Ok(y + m.margin)
}

/// What draws a chart's parts: the area, the sizes, and whether to paint or only measure.
/// Each part starts at a height `y` and returns the height below it.
struct Pen<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    m: &'a Metrics,
    paint: bool,
}

impl<DB: DrawingBackend<ErrorType: 'static>> Pen<'_, DB> {
    /// Text wrapped to the chart's width (the title, the caption).
    fn paragraph(&self, s: &str, size: f64, color: &RGBColor, mut y: i32) -> Result<i32, DrawError> {
        let m = self.m;
        for l in wrap(self.area, s, size, m.w - 2 * m.margin) {
            if self.paint {
                text(self.area, &l, size, color, (m.margin, y))?;
            }
            y += m.line(size);
        }
        Ok(y)
    }

    /// The legend of a multi-series chart (none for the others).
    fn legend(&self, spec: &Spec, mut y: i32) -> Result<i32, DrawError> {
        let (area, m) = (self.area, self.m);
        let legend: Option<(Vec<String>, Vec<RGBColor>)> = match spec {
            Spec::Grouped { series, .. } => {
                Some((series.clone(), series.iter().enumerate().map(|(i, _)| style::SERIES[i % style::SERIES.len()]).collect()))
            }
            Spec::Lines { series, .. } => Some((
                series.iter().map(|s| s.0.clone()).collect(),
                series.iter().enumerate().map(|(i, _)| style::SERIES[i % style::SERIES.len()]).collect(),
            )),
            Spec::Stacked { levels, .. } => Some((levels.clone(), style::ramp(levels.len()))),
            _ => None,
        };
        let Some((names, colors)) = &legend else { return Ok(y) };
        let sw = (m.label * 0.8) as i32;
        let mut x = m.margin;
        for (nm, c) in names.iter().zip(colors) {
            let wdt = sw + 8 + width(area, nm, m.label) + (m.label as i32);
            if x + wdt > m.w - m.margin && x > m.margin {
                x = m.margin;
                y += m.line(m.label);
            }
            if self.paint {
                area.draw(&Rectangle::new([(x, y + 3), (x + sw, y + 3 + sw)], c.filled())).map_err(e)?;
                text(area, nm, m.label, &style::TEXT, (x + sw + 8, y))?;
            }
            x += wdt;
        }
        Ok(y + m.line(m.label) + m.line(m.label) / 2)
    }

    /// A category label wrapped into the space left of the bars, right-aligned at `x0`,
    /// its lines starting at `top`.
    fn label_lines(&self, lines: &[String], x0: i32, top: i32) -> DrawResult {
        let (area, m) = (self.area, self.m);
        for (k, l) in lines.iter().enumerate() {
            let lw = width(area, l, m.label);
            text(area, l, m.label, &style::TEXT, (x0 - 12 - lw, top + k as i32 * m.line(m.label)))?;
        }
        Ok(())
    }

    /// One bar per item, its value at its end.
    fn bars(&self, items: &[(String, f64)], percent: bool, mut y: i32) -> Result<i32, DrawError> {
        let (area, m) = (self.area, self.m);
        let inner = m.w - 2 * m.margin;
        // Counts (keywords) as whole numbers; other values as they are.
        let counts = !percent && items.iter().all(|i| i.1.fract() == 0.0);
        let fmt_value = |v: f64, percent: bool| if counts { format!("{v}") } else { fmt_value(v, percent) };
        let label_w = items.iter().map(|i| width(area, &i.0, m.label)).max().unwrap_or(0).min((inner as f64 * 0.38) as i32);
        let value_w = width(area, &fmt_value(items.iter().map(|i| i.1).fold(0.0, f64::max), percent), m.value) + 12;
        let x0 = m.margin + label_w + 12;
        let x1 = m.w - m.margin - value_w;
        let max = items.iter().map(|i| i.1).fold(0.0f64, f64::max).max(if percent { 1.0 } else { 1e-9 });
        let bar_h = (m.label * 0.8) as i32;
        let axis_top = y;
        for (label, v) in items {
            let lines = wrap(area, label, m.label, label_w);
            let row_h = (lines.len() as i32 * m.line(m.label)).max(bar_h) + m.line(m.label) / 3;
            if self.paint {
                let by = y + (row_h - bar_h) / 2;
                self.label_lines(&lines, x0, by + bar_h / 2 - lines.len() as i32 * m.line(m.label) / 2)?;
                let bx = x0 + ((v / max) * (x1 - x0) as f64).round() as i32;
                area.draw(&Rectangle::new([(x0, by), (bx.max(x0 + 1), by + bar_h)], style::BAR.filled())).map_err(e)?;
                text(area, &fmt_value(*v, percent), m.value, &style::TEXT, (bx + 8, by + (bar_h - m.line(m.value)) / 2))?;
            }
            y += row_h;
        }
        if self.paint {
            area.draw(&PathElement::new(vec![(x0, axis_top), (x0, y)], style::GRID.stroke_width(2))).map_err(e)?;
        }
        Ok(y)
    }

    /// A block of bars per category, one per series (a missing value: no bar).
    fn grouped(&self, n_series: usize, categories: &[(String, Vec<Option<f64>>)], percent: bool, mut y: i32) -> Result<i32, DrawError> {
        let (area, m) = (self.area, self.m);
        let inner = m.w - 2 * m.margin;
        let label_w = categories.iter().map(|c| width(area, &c.0, m.label)).max().unwrap_or(0).min((inner as f64 * 0.30) as i32);
        let value_w = width(area, &fmt_value(100.0, percent), m.value) + 12;
        let x0 = m.margin + label_w + 12;
        let x1 = m.w - m.margin - value_w;
        let max = categories.iter().flat_map(|c| c.1.iter().flatten()).fold(0.0f64, |a, b| a.max(*b)).max(1e-9);
        let bar_h = (m.value * 0.8) as i32;
        let axis_top = y;
        for (label, vals) in categories {
            let lines = wrap(area, label, m.label, label_w);
            let block = (n_series as i32 * (bar_h + 2)).max(lines.len() as i32 * m.line(m.label));
            if self.paint {
                self.label_lines(&lines, x0, y + (block - lines.len() as i32 * m.line(m.label)) / 2)?;
                for (s, v) in vals.iter().enumerate() {
                    let by = y + s as i32 * (bar_h + 2);
                    let Some(v) = v else { continue };
                    let bx = x0 + ((v / max) * (x1 - x0) as f64).round() as i32;
                    let c = style::SERIES[s % style::SERIES.len()];
                    area.draw(&Rectangle::new([(x0, by), (bx.max(x0 + 1), by + bar_h)], c.filled())).map_err(e)?;
                    let at = (bx + 6, by + (bar_h - m.line(m.value)) / 2);
                    text(area, &fmt_value(*v, percent), m.value, &style::MUTED, at)?;
                }
            }
            y += block + m.line(m.label) / 2 + 4;
        }
        if self.paint {
            area.draw(&PathElement::new(vec![(x0, axis_top), (x0, y)], style::GRID.stroke_width(2))).map_err(e)?;
        }
        Ok(y)
    }

    /// One 100% bar per row, a segment per level, its share written inside when it fits.
    fn stacked(&self, n_levels: usize, bars: &[(String, Vec<f64>)], mut y: i32) -> Result<i32, DrawError> {
        let (area, m) = (self.area, self.m);
        let inner = m.w - 2 * m.margin;
        let label_w = bars.iter().map(|b| width(area, &b.0, m.label)).max().unwrap_or(0).min((inner as f64 * 0.25) as i32);
        let x0 = m.margin + label_w + 12;
        let x1 = m.w - m.margin;
        let colors = style::ramp(n_levels);
        let bar_h = (m.label * 1.2) as i32;
        for (label, shares) in bars {
            let lines = wrap(area, label, m.label, label_w);
            let row_h = (lines.len() as i32 * m.line(m.label)).max(bar_h) + m.line(m.label) / 2;
            if self.paint {
                self.label_lines(&lines, x0, y + row_h / 2 - lines.len() as i32 * m.line(m.label) / 2)?;
                let total: f64 = shares.iter().sum::<f64>().max(1e-9);
                let by = y + (row_h - bar_h) / 2;
                let mut acc = 0.0;
                for (i, s) in shares.iter().enumerate() {
                    let a = x0 + (acc / total * (x1 - x0) as f64).round() as i32;
                    acc += s;
                    let b = x0 + (acc / total * (x1 - x0) as f64).round() as i32;
                    if b <= a {
                        continue;
                    }
                    area.draw(&Rectangle::new([(a, by), (b, by + bar_h)], colors[i].filled())).map_err(e)?;
                    let lbl = format!("{s:.0}%");
                    let lw = width(area, &lbl, m.value);
                    if lw + 6 < b - a {
                        let dark = i + 1 == n_levels || i == 0;
                        let col = if dark { RGBColor(255, 255, 255) } else { style::TEXT };
                        text(area, &lbl, m.value, &col, ((a + b - lw) / 2, by + (bar_h - m.line(m.value)) / 2))?;
                    }
                }
            }
            y += row_h;
        }
        Ok(y)
    }

    /// Upright bars over bins, counts above, labels below (every other one when crowded).
    fn histogram(&self, bins: &[(String, f64)], y: i32) -> Result<i32, DrawError> {
        let (area, m) = (self.area, self.m);
        let h = (m.w as f64 * 0.45) as i32;
        let x0 = m.margin + width(area, "0000", m.value);
        let x1 = m.w - m.margin;
        let max = bins.iter().map(|b| b.1).fold(0.0f64, f64::max).max(1.0);
        let n = bins.len().max(1) as i32;
        let slot = (x1 - x0) / n;
        let top = y + m.line(m.value);
        let bottom = top + h;
        if self.paint {
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
        Ok(bottom + m.line(m.value) + 6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text after a full-width opening bracket or quote, or after a closing mark followed by
    /// another, is drawn half an em closer, and widths
    /// (for centring and wrapping) shrink by as much: measured on a bitmap with the chart font.
    #[test]
    fn opening_punctuation_is_squeezed() {
        crate::render::charts::ChartFont::load(None).unwrap();
        let mut buf = vec![0u8; 400 * 3];
        let area = BitMapBackend::with_buffer(&mut buf, (400, 1)).into_drawing_area();
        let plain = |s: &str| area.estimate_text_size(s, &font(20.0)).unwrap().0 as i32;
        // 20 px of plotters' size is 20 / 1.448 px of em: half an em is 7 px.
        let px = squeeze_px(20.0);
        assert_eq!(px, 7);
        assert_eq!(width(&area, "其他（请注明）", 20.0), plain("其他（请注明）") - px);
        assert_eq!(width(&area, "“是”", 20.0), plain("“是”") - px);
        assert_eq!(width(&area, "其他请注明", 20.0), plain("其他请注明"));
        // Two marks in a row: the first closes up (“）；” and “。“”), a lone one does not.
        assert_eq!(width(&area, "好）；下", 20.0), plain("好）；下") - px);
        assert_eq!(width(&area, "参考。“您", 20.0), plain("参考。“您") - 2 * px);
        assert_eq!(width(&area, "好，下", 20.0), plain("好，下"));
    }
}
