//! The 汇报 deck (.pptx) from the same document model as the Word report: a title slide,
//! 调查基本情况 as points, one slide per figure (the finding's topic as the title, its
//! first sentence as the one-line conclusion, the chart), the year-over-year and unit
//! ranking figures among them, and the main suggestions. 16:9, 微软雅黑/黑体.
//!
//! Written as PresentationML by hand (one master, one blank layout, a theme, the slides
//! and their PNGs): the Rust crates for .pptx were young (a first release each) when this
//! was written, and the few parts needed are plain XML that PowerPoint, WPS and
//! LibreOffice Impress all open.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use super::{html::esc, stem, Block, Document};
use crate::output::{other, write_atomic, WriteError};
use crate::render::charts::{png_bytes, Spec};
use crate::render::{Output, RenderError, Report, Written};

/// `<survey id>.pptx`.
pub struct DeckReport;

impl Output for DeckReport {
    fn name(&self) -> &'static str {
        "汇报提纲（PowerPoint）"
    }
    fn write(&self, report: &Report, dir: &Path) -> Result<Written, RenderError> {
        let doc = report.document();
        let name = format!("{}.pptx", stem(report));
        let path = dir.join(&name);
        let slides = slides(doc);
        let bytes = package(&doc.title, &slides).map_err(|e| match e {
            Packed::Chart(c) => RenderError::from(c),
            Packed::Zip(e) => WriteError::Io { path: path.clone(), source: e }.into(),
        })?;
        write_atomic(&path, |w| w.write_all(&bytes))?;
        Ok(Written::file(path, format!("{name}  汇报提纲（PowerPoint，{} 页）", slides.len())))
    }
}

/// One slide: a title, a line under it, points, and at most one chart.
#[derive(Debug, Clone, Default)]
pub struct Slide {
    pub title: String,
    pub lead: Option<String>,
    pub points: Vec<String>,
    pub figure: Option<Spec>,
}

/// The slides of a document.
pub fn slides(doc: &Document) -> Vec<Slide> {
    let mut out = vec![Slide { title: doc.title.clone(), lead: doc.byline.clone(), ..Default::default() }];
    let (mut h1, mut h2) = (String::new(), String::new());
    // The last paragraph seen in the current second-level section.
    let mut last_p: Option<&str> = None;
    let mut points: Vec<String> = Vec::new();
    let flush = |out: &mut Vec<Slide>, h1: &str, points: &mut Vec<String>| {
        if !points.is_empty() {
            out.push(Slide { title: topic(h1), points: std::mem::take(points), ..Default::default() });
        }
    };
    for b in &doc.blocks {
        match b {
            Block::H1(s) => {
                flush(&mut out, &h1, &mut points);
                (h1, h2, last_p) = (s.clone(), String::new(), None);
            }
            Block::H2(s) => (h2, last_p) = (s.clone(), None),
            Block::P(s) => {
                last_p = Some(s);
                // Sections without figures (调查基本情况, 意见建议) become points.
                if points.len() < 6 && (h1.contains("基本情况") || h1.contains("意见建议")) {
                    points.push(first_sentence(s));
                }
            }
            Block::Figure { caption, spec } => {
                // In 比较分析 several figures share a heading: each is named by its caption.
                let (title, under) = match (h1.contains("比较"), h2.is_empty()) {
                    (true, _) => (caption_text(caption), topic(&h2)),
                    (false, false) => (topic(&h2), caption_text(caption)),
                    (false, true) => (topic(&h1), caption_text(caption)),
                };
                let lead = last_p.map(conclusion).unwrap_or_else(|| caption_text(caption));
                out.push(Slide { title, lead: Some(lead), points: vec![under], figure: Some(spec.untitled()) });
            }
            Block::Note(_) if h1.contains('附') => {}
            _ => {}
        }
        if h1.starts_with("附") {
            break;
        }
    }
    flush(&mut out, &h1, &mut points);
    out
}

/// A heading without its number: “（一）形式主义问题的主要所在” → “形式主义问题的主要所在”.
fn topic(h: &str) -> String {
    let s = h.trim();
    let s = match s.find('、') {
        Some(i) if s[..i].chars().all(|c| "一二三四五六七八九十".contains(c)) => &s[i + '、'.len_utf8()..],
        _ => s,
    };
    let s = match (s.starts_with('（'), s.find('）')) {
        (true, Some(i)) => &s[i + '）'.len_utf8()..],
        _ => s,
    };
    s.trim().to_string()
}

/// A figure's caption without “图N ”.
fn caption_text(c: &str) -> String {
    c.split_once(' ').map_or(c, |(_, t)| t).to_string()
}

/// A one-line conclusion from a finding: its first sentence, or that sentence's first
/// clause (to its first ；) when the sentence is long.
fn conclusion(p: &str) -> String {
    let s = first_sentence(p);
    if s.chars().count() <= 80 {
        return s;
    }
    match s.find('；') {
        Some(i) => format!("{}。", &s[..i]),
        None => s,
    }
}

/// The first sentence of a paragraph (to its first 。), or the whole paragraph if short.
fn first_sentence(p: &str) -> String {
    match p.find('。') {
        Some(i) => p[..i + '。'.len_utf8()].to_string(),
        None => p.to_string(),
    }
}

enum Packed {
    Chart(crate::render::charts::ChartError),
    Zip(std::io::Error),
}

/// Slide size: 16:9, 33.867 × 19.05 cm in EMU.
const W: i64 = 12_192_000;
const H: i64 = 6_858_000;
const CM: i64 = 360_000;

/// The .pptx file: the fixed parts, then each slide and its picture.
fn package(title: &str, slides: &[Slide]) -> Result<Vec<u8>, Packed> {
    use rayon::prelude::*;
    let pictures: Vec<Option<crate::render::charts::Png>> = slides
        .par_iter()
        .map(|s| s.figure.as_ref().map(|f| png_bytes(f, 200)).transpose())
        .collect::<Result<_, _>>()
        .map_err(Packed::Chart)?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut put = |name: &str, bytes: &[u8]| -> Result<(), Packed> {
        zip.start_file(name, opts).map_err(|e| Packed::Zip(other(e)))?;
        zip.write_all(bytes).map_err(Packed::Zip)
    };
    put("[Content_Types].xml", content_types(slides.len()).as_bytes())?;
    put("_rels/.rels", ROOT_RELS.as_bytes())?;
    put("docProps/core.xml", core(title).as_bytes())?;
    put("ppt/presentation.xml", presentation(slides.len()).as_bytes())?;
    put("ppt/_rels/presentation.xml.rels", presentation_rels(slides.len()).as_bytes())?;
    put("ppt/slideMasters/slideMaster1.xml", MASTER.as_bytes())?;
    put("ppt/slideMasters/_rels/slideMaster1.xml.rels", MASTER_RELS.as_bytes())?;
    put("ppt/slideLayouts/slideLayout1.xml", LAYOUT.as_bytes())?;
    put("ppt/slideLayouts/_rels/slideLayout1.xml.rels", LAYOUT_RELS.as_bytes())?;
    put("ppt/theme/theme1.xml", THEME.as_bytes())?;
    for (i, (s, pic)) in slides.iter().zip(&pictures).enumerate() {
        let n = i + 1;
        let size = pic.as_ref().map(|p| p.1);
        put(&format!("ppt/slides/slide{n}.xml"), slide_xml(s, n, size, i == 0).as_bytes())?;
        put(&format!("ppt/slides/_rels/slide{n}.xml.rels"), slide_rels(n, pic.is_some()).as_bytes())?;
        if let Some((png, _)) = pic {
            put(&format!("ppt/media/image{n}.png"), png)?;
        }
    }
    let out = zip.finish().map_err(|e| Packed::Zip(other(e)))?;
    Ok(out.into_inner())
}

/// A text box at (x, y) of (w, h) EMU: paragraphs of one size, bold or not, in 黑体/雅黑.
fn text_box(id: usize, (x, y, w, h): (i64, i64, i64, i64), paras: &[String], size: u32, bold: bool, center: bool) -> String {
    let mut t = String::new();
    let b = if bold { " b=\"1\"" } else { "" };
    let algn = if center { " algn=\"ctr\"" } else { "" };
    for p in paras {
        let _ = write!(
            t,
            "<a:p><a:pPr{algn}/><a:r><a:rPr lang=\"zh-CN\" sz=\"{}\"{b}><a:solidFill><a:srgbClr val=\"262626\"/></a:solidFill><a:latin typeface=\"Microsoft YaHei\"/><a:ea typeface=\"微软雅黑\"/></a:rPr><a:t>{}</a:t></a:r></a:p>",
            size * 100,
            esc(p)
        );
    }
    format!(
        "<p:sp><p:nvSpPr><p:cNvPr id=\"{id}\" name=\"文本 {id}\"/><p:cNvSpPr txBox=\"1\"/><p:nvPr/></p:nvSpPr><p:spPr><a:xfrm><a:off x=\"{x}\" y=\"{y}\"/><a:ext cx=\"{w}\" cy=\"{h}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom><a:noFill/></p:spPr><p:txBody><a:bodyPr wrap=\"square\" lIns=\"0\" rIns=\"0\"><a:normAutofit/></a:bodyPr><a:lstStyle/>{t}</p:txBody></p:sp>"
    )
}

/// A slide: the title slide centred; others a title, a bar under it, the conclusion, then
/// the chart (scaled to the space left, centred) or the points.
fn slide_xml(s: &Slide, n: usize, picture: Option<(u32, u32)>, first: bool) -> String {
    let mut shapes = String::new();
    if first {
        shapes += &text_box(2, (2 * CM, 6 * CM, W - 4 * CM, 4 * CM), std::slice::from_ref(&s.title), 36, true, true);
        shapes += &text_box(3, (2 * CM, 11 * CM, W - 4 * CM, 2 * CM), &s.lead.iter().cloned().collect::<Vec<_>>(), 20, false, true);
    } else {
        shapes += &text_box(2, (CM * 3 / 2, CM * 3 / 4, W - 3 * CM, 2 * CM), std::slice::from_ref(&s.title), 28, true, false);
        shapes += &format!("<p:sp><p:nvSpPr><p:cNvPr id=\"3\" name=\"线\"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr><a:xfrm><a:off x=\"{}\" y=\"{}\"/><a:ext cx=\"{}\" cy=\"{}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom><a:solidFill><a:srgbClr val=\"C00000\"/></a:solidFill><a:ln><a:noFill/></a:ln></p:spPr></p:sp>", CM * 3 / 2, CM * 11 / 4, W - 3 * CM, CM / 10);
        let mut top = 3 * CM;
        if let Some(l) = &s.lead {
            shapes += &text_box(4, (CM * 3 / 2, top, W - 3 * CM, CM * 2), std::slice::from_ref(l), 18, false, false);
            top += CM * 2 + CM / 4;
        }
        match picture {
            Some((pw, ph)) => shapes += &picture_xml(5, top, (pw, ph), &s.points),
            None => {
                let pts: Vec<String> = s.points.iter().map(|p| format!("■ {p}")).collect();
                shapes += &text_box(5, (CM * 3 / 2, top, W - 3 * CM, H - top - CM), &pts, 18, false, false);
            }
        }
        shapes += &text_box(9, (W - 3 * CM, H - CM, 2 * CM, CM * 3 / 4), &[n.to_string()], 12, false, true);
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<p:sld {NS}><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>{shapes}</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>"
    )
}

/// The chart in the space below `top`, as large as fits (never wider than 24 cm: its
/// text, 9.3 pt at 16 cm, is then about 14 pt), centred; its caption under it.
fn picture_xml(id: usize, top: i64, (pw, ph): (u32, u32), caption: &[String]) -> String {
    let (max_w, max_h) = ((24 * CM).min(W - 3 * CM), H - top - CM * 2);
    let aspect = ph as f64 / pw as f64;
    let (mut w, mut h) = (max_w, (max_w as f64 * aspect) as i64);
    if h > max_h {
        (w, h) = ((max_h as f64 / aspect) as i64, max_h);
    }
    let x = (W - w) / 2;
    let pic = format!(
        "<p:pic><p:nvPicPr><p:cNvPr id=\"{id}\" name=\"图表\"/><p:cNvPicPr><a:picLocks noChangeAspect=\"1\"/></p:cNvPicPr><p:nvPr/></p:nvPicPr><p:blipFill><a:blip r:embed=\"rId2\"/><a:stretch><a:fillRect/></a:stretch></p:blipFill><p:spPr><a:xfrm><a:off x=\"{x}\" y=\"{top}\"/><a:ext cx=\"{w}\" cy=\"{h}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></p:spPr></p:pic>"
    );
    pic + &text_box(id + 1, (CM * 3 / 2, top + h + CM / 8, W - 3 * CM, CM * 3 / 4), caption, 12, false, true)
}

const NS: &str = "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PML: &str = "application/vnd.openxmlformats-officedocument.presentationml";

fn content_types(n: usize) -> String {
    let mut s = format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Default Extension=\"png\" ContentType=\"image/png\"/><Override PartName=\"/ppt/presentation.xml\" ContentType=\"{PML}.presentation.main+xml\"/><Override PartName=\"/ppt/slideMasters/slideMaster1.xml\" ContentType=\"{PML}.slideMaster+xml\"/><Override PartName=\"/ppt/slideLayouts/slideLayout1.xml\" ContentType=\"{PML}.slideLayout+xml\"/><Override PartName=\"/ppt/theme/theme1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.theme+xml\"/><Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>");
    for i in 1..=n {
        let _ = write!(s, "<Override PartName=\"/ppt/slides/slide{i}.xml\" ContentType=\"{PML}.slide+xml\"/>");
    }
    s + "</Types>"
}

const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"ppt/presentation.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/></Relationships>";

fn core(title: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title><dc:creator>diaoyan</dc:creator></cp:coreProperties>", esc(title))
}

fn presentation(n: usize) -> String {
    let ids: String = (1..=n).map(|i| format!("<p:sldId id=\"{}\" r:id=\"rId{}\"/>", 255 + i, i + 2)).collect();
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<p:presentation {NS} saveSubsetFonts=\"1\"><p:sldMasterIdLst><p:sldMasterId id=\"2147483648\" r:id=\"rId1\"/></p:sldMasterIdLst><p:sldIdLst>{ids}</p:sldIdLst><p:sldSz cx=\"{W}\" cy=\"{H}\"/><p:notesSz cx=\"6858000\" cy=\"9144000\"/></p:presentation>")
}

fn presentation_rels(n: usize) -> String {
    let mut s = format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{REL}/slideMaster\" Target=\"slideMasters/slideMaster1.xml\"/><Relationship Id=\"rId2\" Type=\"{REL}/theme\" Target=\"theme/theme1.xml\"/>");
    for i in 1..=n {
        let _ = write!(s, "<Relationship Id=\"rId{}\" Type=\"{REL}/slide\" Target=\"slides/slide{i}.xml\"/>", i + 2);
    }
    s + "</Relationships>"
}

fn slide_rels(n: usize, picture: bool) -> String {
    let pic =
        if picture { format!("<Relationship Id=\"rId2\" Type=\"{REL}/image\" Target=\"../media/image{n}.png\"/>") } else { String::new() };
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{REL}/slideLayout\" Target=\"../slideLayouts/slideLayout1.xml\"/>{pic}</Relationships>")
}

#[cfg(test)]
const EMPTY_TREE: &str =
    "<p:spTree><p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/></p:spTree>";

const MASTER: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<p:sldMaster xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"><p:cSld><p:bg><p:bgPr><a:solidFill><a:srgbClr val=\"FFFFFF\"/></a:solidFill><a:effectLst/></p:bgPr></p:bg>",
    "<p:spTree><p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/></p:spTree>",
    "</p:cSld><p:clrMap bg1=\"lt1\" tx1=\"dk1\" bg2=\"lt2\" tx2=\"dk2\" accent1=\"accent1\" accent2=\"accent2\" accent3=\"accent3\" accent4=\"accent4\" accent5=\"accent5\" accent6=\"accent6\" hlink=\"hlink\" folHlink=\"folHlink\"/><p:sldLayoutIdLst><p:sldLayoutId id=\"2147483649\" r:id=\"rId1\"/></p:sldLayoutIdLst></p:sldMaster>"
);

const MASTER_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/slideLayout\" Target=\"../slideLayouts/slideLayout1.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme\" Target=\"../theme/theme1.xml\"/></Relationships>";

const LAYOUT: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<p:sldLayout xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" type=\"blank\" preserve=\"1\"><p:cSld name=\"空白\">",
    "<p:spTree><p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/></p:spTree>",
    "</p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>"
);

const LAYOUT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/slideMaster\" Target=\"../slideMasters/slideMaster1.xml\"/></Relationships>";

/// A minimal complete theme (colours, fonts, the three required style lists).
const THEME: &str = include_str!("theme.xml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_lose_their_numbers() {
        assert_eq!(topic("（一）形式主义问题的主要所在"), "形式主义问题的主要所在");
        assert_eq!(topic("一、调查基本情况"), "调查基本情况");
        assert_eq!(topic("附：说明"), "附：说明");
        assert_eq!(first_sentence("甲乙。丙丁。"), "甲乙。");
        assert_eq!(caption_text("图3 各单位比较"), "各单位比较");
        let long = format!("{}；其余各项基本持平。第二句。", "甲".repeat(90));
        assert_eq!(conclusion(&long), format!("{}。", "甲".repeat(90)));
        assert_eq!(conclusion("短句；其余。后句。"), "短句；其余。");
    }

    #[test]
    fn the_empty_tree_is_the_masters() {
        assert!(MASTER.contains(EMPTY_TREE) && LAYOUT.contains(EMPTY_TREE));
    }
}
