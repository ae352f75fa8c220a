//! The written report as one self-contained web page: inline CSS and inline SVG charts,
//! no external resources, readable on screen and printable (A4, the same structure as
//! the Word document).

use std::fmt::Write as _;
use std::path::Path;

use super::{printable, stem, Block, Document};
use crate::output::write_atomic;
use crate::render::charts::{svg_string, ChartError, DrawError};
use crate::render::{Output, RenderError, Report, Written};

/// `<survey id>.html`.
pub struct HtmlReport;

impl Output for HtmlReport {
    fn name(&self) -> &'static str {
        "调研报告初稿（网页）"
    }
    fn write(&self, report: &Report, dir: &Path) -> Result<Written, RenderError> {
        let doc = report.document();
        let name = format!("{}.html", stem(report));
        let path = dir.join(&name);
        let page = page(doc).map_err(|source| ChartError::Draw { path: path.clone(), source })?;
        write_atomic(&path, |w| std::io::Write::write_all(w, page.as_bytes()))?;
        Ok(Written::file(path, format!("{name}  调研报告初稿（网页，可离线打开、打印）")))
    }
}

const STYLE: &str = r#"
body { margin: 0; background: #f3f3f3; color: #222; }
main { max-width: 820px; margin: 24px auto; background: #fff; padding: 56px 72px; box-shadow: 0 1px 4px rgba(0,0,0,.12);
  font-family: "FangSong", "仿宋_GB2312", "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC", serif; font-size: 17px; line-height: 1.85; }
h1 { font-family: "方正小标宋简体", "STSong", "SimSun", "Noto Serif CJK SC", serif; font-weight: normal; font-size: 28px; text-align: center; margin: 0 0 8px; line-height: 1.4; }
.byline { text-align: center; font-family: "KaiTi", "楷体_GB2312", "STKaiti", serif; margin-bottom: 28px; }
h2 { font-family: "SimHei", "黑体", "Noto Sans CJK SC", sans-serif; font-weight: normal; font-size: 18px; margin: 24px 0 8px; text-indent: 2em; }
h3 { font-family: "KaiTi", "楷体_GB2312", "STKaiti", serif; font-weight: bold; font-size: 17px; margin: 16px 0 6px; text-indent: 2em; }
p { text-indent: 2em; margin: 0 0 6px; text-align: justify; }
blockquote { font-family: "KaiTi", "楷体_GB2312", "STKaiti", serif; margin: 0 0 4px 4em; }
.note { font-size: 14px; line-height: 1.7; color: #444; }
figure { margin: 14px 0 18px; text-align: center; page-break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
figcaption, .caption { font-family: "SimHei", "黑体", sans-serif; font-size: 14px; text-align: center; margin: 4px 0; }
table { border-collapse: collapse; margin: 4px auto 18px; font-size: 14px; line-height: 1.5; min-width: 60%; page-break-inside: avoid; }
thead th { border-top: 2px solid #000; border-bottom: 1px solid #000; padding: 4px 12px; font-family: "SimHei", "黑体", sans-serif; font-weight: normal; }
tbody tr:last-child td { border-bottom: 2px solid #000; }
td { padding: 3px 12px; text-align: center; } td:first-child, th:first-child { text-align: left; }
@media print { body { background: #fff; } main { box-shadow: none; margin: 0; padding: 0; max-width: none; } @page { size: A4; margin: 37mm 26mm 35mm 28mm; } }
"#;

pub(super) fn esc(s: &str) -> String {
    printable(s).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The page; `Err` carries a chart that could not be drawn.
pub fn page(doc: &Document) -> Result<String, DrawError> {
    let mut h = String::new();
    let _ = write!(h, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n", esc(&doc.title));
    let _ = writeln!(h, "<h1>{}</h1>", esc(&doc.title));
    if let Some(b) = &doc.byline {
        let _ = writeln!(h, "<div class=\"byline\">{}</div>", esc(b));
    }
    for b in &doc.blocks {
        match b {
            Block::H1(s) => {
                let _ = writeln!(h, "<h2>{}</h2>", esc(s));
            }
            Block::H2(s) => {
                let _ = writeln!(h, "<h3>{}</h3>", esc(s));
            }
            Block::P(s) => {
                let _ = writeln!(h, "<p>{}</p>", esc(s));
            }
            Block::Quote(s) => {
                let _ = writeln!(h, "<blockquote>“{}”</blockquote>", esc(s));
            }
            Block::Note(s) => {
                let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(s));
            }
            Block::Table { caption, head, rows } => {
                let _ = write!(h, "<div class=\"caption\">{}</div>\n<table>\n<thead><tr>", esc(caption));
                for c in head {
                    let _ = write!(h, "<th>{}</th>", esc(c));
                }
                h.push_str("</tr></thead>\n<tbody>\n");
                for r in rows {
                    h.push_str("<tr>");
                    for c in r {
                        let _ = write!(h, "<td>{}</td>", esc(c));
                    }
                    h.push_str("</tr>\n");
                }
                h.push_str("</tbody>\n</table>\n");
            }
            Block::Figure { caption, spec } => {
                let svg = svg_string(&spec.untitled())?;
                // The drawing as it is, minus the XML declaration (not allowed inside HTML).
                let svg = svg.trim_start().strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>").unwrap_or(&svg).to_string();
                let _ = writeln!(h, "<figure>{svg}<figcaption>{}</figcaption></figure>", esc(caption));
            }
        }
    }
    h.push_str("</main>\n</body>\n</html>\n");
    Ok(h)
}
