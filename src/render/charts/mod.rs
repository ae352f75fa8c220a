//! Chart images (PNG and SVG) with plotters: horizontal bars sorted by share for single
//! and multi-select questions, grouped bars for crosstabs, 100% stacked bars for scales
//! and matrix rows, composite-score bars for rankings, histograms for numbers.
//!
//! Layout is computed here in pixels (text is measured with the chart font, labels and
//! titles wrap), so nothing overlaps at any size; the figures come from the stats tables.
//! One embedded font (a Noto Sans SC subset, SIL OFL) draws every label, so Chinese
//! renders on machines without Chinese fonts; SVG text names a family list viewers have.

mod draw;
mod lines;
mod spec;

use ab_glyph::{Font, FontRef};
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::output::write_atomic_path;
pub use draw::style;
pub use draw::DrawError;
use draw::{draw, e, layout_height, Metrics};
pub use spec::{chart_stem, comparison_specs, specs, Spec, MAX_BARS, MAX_SERIES};

/// The embedded chart font (see assets/fonts/OFL.txt and make_subset.py).
pub static DEFAULT_FONT: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-diaoyan.otf");

/// The family the font is registered under; the SVG backend writes it into
/// `font-family`, so SVG viewers use the first of these they have.
pub const FAMILY: &str = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif";

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("无法读取字体文件 {}：{}", .0.display(), crate::error::reading(.1))]
    FontFile(PathBuf, #[source] std::io::Error),
    #[error("{0} 不是可用的字体文件（需要 .ttf 或 .otf）")]
    BadFont(String),
    #[error("无法画出图表 {}：{source}", path.display())]
    Draw { path: PathBuf, source: DrawError },
    #[error(transparent)]
    Write(#[from] crate::output::WriteError),
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
                // A full CJK font is 10–30 MB.
                let b = crate::inputs::read_limited(p, 64 << 20).map_err(|e| ChartError::FontFile(p.to_path_buf(), e))?;
                Box::leak(b.into_boxed_slice())
            }
        };
        let name = path.map(|p| p.display().to_string()).unwrap_or_default();
        let font = FontRef::try_from_slice(bytes).map_err(|_| ChartError::BadFont(name.clone()))?;
        register_font(FAMILY, FontStyle::Normal, bytes).map_err(|_| ChartError::BadFont(name.clone()))?;
        register_font(FAMILY, FontStyle::Bold, bytes).map_err(|_| ChartError::BadFont(name))?;
        EM_RATIO.store(height_per_em(&font).to_bits(), std::sync::atomic::Ordering::Relaxed);
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

/// plotters sizes text by the font's height (ascent − descent), not by its em; the ratio
/// of the two for the registered font turns a size in points into plotters' size
/// (1.448 for the embedded Noto Sans SC). Zero until a font is loaded: then the
/// embedded font's.
static EM_RATIO: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn height_per_em(font: &FontRef<'_>) -> f64 {
    let upm = font.units_per_em().unwrap_or(1000.0) as f64;
    let h = font.height_unscaled() as f64 / upm;
    if h.is_finite() && h > 0.5 {
        h
    } else {
        1.0
    }
}

/// The registered font's height per em (see [`EM_RATIO`]).
pub(crate) fn em_ratio() -> f64 {
    match EM_RATIO.load(std::sync::atomic::Ordering::Relaxed) {
        0 => FontRef::try_from_slice(DEFAULT_FONT).map(|f| height_per_em(&f)).unwrap_or(1.0),
        bits => f64::from_bits(bits),
    }
}

/// plotters' SVG backend writes `font-size` as its size / 1.24 (a fixed guess of the
/// height per em); rewritten here with the registered font's real ratio, so a browser
/// draws the text at the size it was laid out for.
fn svg_font_sizes(svg: &str) -> String {
    let ratio = 1.24 / em_ratio();
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(i) = rest.find("font-size=\"") {
        let (head, tail) = rest.split_at(i + 11);
        out.push_str(head);
        let end = tail.find('"').unwrap_or(0);
        match tail[..end].parse::<f64>() {
            Ok(v) => out.push_str(&format!("{:.2}", v * ratio)),
            Err(_) => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Writes one chart as PNG and/or SVG (`stem` without extension).
pub fn write(spec: &Spec, stem: &Path, opts: &ChartOptions) -> Result<Vec<PathBuf>, ChartError> {
    let m = Metrics::new(opts.dpi);
    let h = layout_height(spec, &m).max(50);
    let mut out = Vec::new();
    let fail = |p: &Path, source: DrawError| ChartError::Draw { path: p.to_path_buf(), source };
    if opts.png {
        let p = with_ext(stem, "png");
        // Drawn into the temporary file of the one atomic writer; a drawing error is
        // carried out through it as the cause.
        let mut failed = None;
        let written = write_atomic_path(&p, |tmp| {
            let drawn = (|| {
                let area = BitMapBackend::new(tmp, (m.w as u32, h as u32)).into_drawing_area();
                area.fill(&WHITE).map_err(e)?;
                draw(&area, spec, &m, true)?;
                area.present().map_err(e)
            })();
            drawn.map_err(|x| {
                failed = Some(x);
                std::io::Error::other("the chart could not be drawn")
            })
        });
        match (written, failed) {
            (Err(_), Some(x)) => return Err(fail(&p, x)),
            (Err(w), None) => return Err(w.into()),
            _ => {}
        }
        out.push(p);
    }
    if opts.svg {
        let p = with_ext(stem, "svg");
        let svg = svg_string(spec).map_err(|x| fail(&p, x))?;
        crate::output::write_atomic(&p, |w| std::io::Write::write_all(w, svg.as_bytes()))?;
        out.push(p);
    }
    Ok(out)
}

/// One chart as SVG text (sizes in user units, 96 per inch as browsers and Word assume).
pub fn svg_string(spec: &Spec) -> Result<String, DrawError> {
    draw::unsqueezed(|| svg_unsqueezed(spec))
}

fn svg_unsqueezed(spec: &Spec) -> Result<String, DrawError> {
    let ms = Metrics::new(96);
    let hs = layout_height(spec, &ms).max(50);
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (ms.w as u32, hs as u32)).into_drawing_area();
        area.fill(&WHITE).map_err(e)?;
        draw(&area, spec, &ms, true)?;
        area.present().map_err(e)?;
    }
    Ok(svg_font_sizes(&crate::text::printable(&svg)))
}

/// A chart drawn as PNG: its bytes and its size in pixels.
pub type Png = (Vec<u8>, (u32, u32));

/// One chart as PNG bytes at `dpi`, with its size in pixels (for documents that embed it).
pub fn png_bytes(spec: &Spec, dpi: u32) -> Result<Png, ChartError> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let k = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = std::env::temp_dir().join(format!("diaoyan-{}-{k}.png", std::process::id()));
    let m = Metrics::new(dpi);
    let h = layout_height(spec, &m).max(50);
    let drawn = (|| {
        let area = BitMapBackend::new(&tmp, (m.w as u32, h as u32)).into_drawing_area();
        area.fill(&WHITE).map_err(e)?;
        draw(&area, spec, &m, true)?;
        area.present().map_err(e)
    })();
    let bytes = drawn.and_then(|_| std::fs::read(&tmp).map_err(DrawError::Io));
    let _ = std::fs::remove_file(&tmp);
    bytes.map(|b| (b, (m.w as u32, h as u32))).map_err(|source| ChartError::Draw { path: tmp, source })
}

/// Writes every chart of a results set into `dir`, in parallel; returns the files.
pub fn write_all(specs: &[(String, Spec)], dir: &Path, opts: &ChartOptions) -> Result<Vec<PathBuf>, ChartError> {
    use rayon::prelude::*;
    std::fs::create_dir_all(dir).map_err(|x| crate::output::WriteError::Io { path: dir.to_path_buf(), source: x })?;
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
        .with_max_len(1)
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

/// Chart images as an output of a report: the font is loaded before any work, so that a
/// bad `--font` stops the run at once.
pub struct Charts {
    pub font: ChartFont,
    pub options: ChartOptions,
}

impl crate::render::Output for Charts {
    fn name(&self) -> &'static str {
        "图表"
    }
    fn write(&self, report: &crate::render::Report, dir: &Path) -> Result<crate::render::Written, crate::render::RenderError> {
        let mut specs = specs(&report.results, &report.survey);
        specs.extend(comparison_specs(&report.results, &report.changes, &report.survey));
        let missing = self.font.missing(specs.iter().flat_map(|(_, s)| s.texts()));
        let mut notes = Vec::new();
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().take(30).map(|c| c.to_string()).collect();
            notes.push(format!(
                "提示：图表字体中没有这些字符，图中会显示为空白：{}{}。可以用 --font 指定包含它们的字体。",
                list.join(" "),
                if missing.len() > 30 { " ……" } else { "" }
            ));
        }
        let files = write_all(&specs, &dir.join("charts"), &self.options)?;
        let line = (!files.is_empty()).then(|| format!("charts/      图表 {} 个（PNG 可直接插入 Word，SVG 可无损缩放）", files.len()));
        Ok(crate::render::Written { files, line, notes })
    }
}
