//! The written report as Word (.docx), in the format offices use (GB/T 9704-2012): A4,
//! margins 37/35/28/26 mm (top, bottom, left, right), title 方正小标宋简体 2号, body
//! 仿宋_GB2312 3号 with a fixed 28-point line and a two-character first-line indent,
//! first-level headings 黑体, second-level 楷体_GB2312, page numbers "— 1 —" in 宋体 4号;
//! three-line tables with "表N" captions above, charts as PNG at text width with "图N"
//! captions below. Word substitutes a font it lacks (方正小标宋简体 → 宋体 in practice).

use docx_rs::{
    AlignmentType, BorderType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum, Paragraph, Pic, Run, RunFonts,
    SpecialIndentType, Table, TableCell, TableCellBorder, TableCellBorderPosition, TableCellBorders, TableRow, WidthType,
};
use std::path::Path;

use super::{paging, printable, stem, Block, Document};
use crate::output::{other, write_atomic, WriteError};
use crate::render::charts::png_bytes;
use crate::render::{Output, RenderError, Report, Written};

/// `<survey id>.docx`.
pub struct WordReport;

impl Output for WordReport {
    fn name(&self) -> &'static str {
        "调研报告初稿（Word）"
    }
    fn write(&self, report: &Report, dir: &Path) -> Result<Written, RenderError> {
        let doc = report.document();
        let name = format!("{}.docx", stem(report));
        let path = dir.join(&name);
        write_doc(doc, &path)?;
        Ok(Written::file(path, format!("{name}  调研报告初稿（Word，公文格式）")))
    }
}

/// Writes `doc` as a Word file at `path` (atomically).
pub(super) fn write_doc(doc: &Document, path: &Path) -> Result<(), RenderError> {
    let docx = word(doc)?;
    let mut buf = std::io::Cursor::new(Vec::new());
    docx.build().pack(&mut buf).map_err(|e| WriteError::Io { path: path.to_path_buf(), source: other(e) })?;
    write_atomic(path, |w| std::io::Write::write_all(w, buf.get_ref()))?;
    Ok(())
}

const MM: f64 = 56.692_913; // twips per millimetre
/// Text width: 210 − 28 − 26 mm.
const TEXT_MM: f64 = 156.0;
/// Font sizes in half-points: 2号 22pt, 3号 16pt, 4号 14pt, 小四 12pt.
const SIZE_2: usize = 44;
const SIZE_3: usize = 32;
const SIZE_4: usize = 28;
const SIZE_S4: usize = 24;

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new().east_asia(east_asia).ascii("Times New Roman").hi_ansi("Times New Roman")
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(printable(text)).fonts(fonts(font)).size(size)
}

/// Fixed line spacing of `pt` points.
fn exactly(pt: f64) -> LineSpacing {
    LineSpacing::new().line_rule(LineSpacingType::Exact).line((pt * 20.0) as i32)
}

fn body(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, "仿宋_GB2312", SIZE_3))
        .line_spacing(exactly(28.0))
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .align(AlignmentType::Both)
}

fn word(doc: &Document) -> Result<Docx, RenderError> {
    let mut d = page();
    d = d.add_paragraph(Paragraph::new().align(AlignmentType::Center).line_spacing(exactly(40.0)).add_run(run(
        &doc.title,
        "方正小标宋简体",
        SIZE_2,
    )));
    if let Some(by) = &doc.byline {
        d = d.add_paragraph(Paragraph::new().align(AlignmentType::Center).line_spacing(exactly(28.0)).add_run(run(
            by,
            "楷体_GB2312",
            SIZE_3,
        )));
    }
    d = d.add_paragraph(Paragraph::new().line_spacing(exactly(28.0)));
    // Every figure drawn first (in parallel): its height decides where it goes.
    use rayon::prelude::*;
    let images: Vec<Option<crate::render::charts::Png>> = doc
        .blocks
        .par_iter()
        .map(|b| match b {
            Block::Figure { spec, .. } => png_bytes(&spec.untitled(), 200).map(Some),
            _ => Ok(None),
        })
        .collect::<Result<_, _>>()?;
    let printed: Vec<f64> = images.iter().map(|i| i.as_ref().map_or(0.0, |(_, (w, h))| paging::TEXT_PT * *h as f64 / *w as f64)).collect();
    let used = 40.0 * paging::lines(&doc.title, 22.0, paging::TEXT_PT, 0.0) + 28.0 * (1 + doc.byline.is_some() as usize) as f64;
    let mut images = images;
    for i in paging::order(&doc.blocks, &printed, used) {
        d = block(d, &doc.blocks[i], images[i].take())?;
    }
    Ok(d)
}

/// An A4 page as offices set it (margins 37/35/28/26 mm), 仿宋 三号 text, the page number
/// centred in the footer as “— 1 —”.
fn page() -> Docx {
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(run("— ", "宋体", SIZE_4))
            .add_page_num(PageNum::new())
            .add_run(run(" —", "宋体", SIZE_4)),
    );
    Docx::new()
        .page_size((210.0 * MM) as u32, (297.0 * MM) as u32)
        .page_margin(
            PageMargin::new()
                .top((37.0 * MM) as i32)
                .bottom((35.0 * MM) as i32)
                .left((28.0 * MM) as i32)
                .right((26.0 * MM) as i32)
                .footer((25.0 * MM) as i32),
        )
        .default_fonts(fonts("仿宋_GB2312"))
        .default_size(SIZE_3)
        .footer(footer)
}

/// One block of the report in the offices' styles: headings in 黑体 and bold 楷体,
/// paragraphs indented two characters, quotes in 楷体, three-line tables, figures as PNG
/// (`image`, drawn beforehand).
fn block(d: Docx, b: &Block, image: Option<crate::render::charts::Png>) -> Result<Docx, RenderError> {
    Ok(match b {
        Block::H1(s) => d.add_paragraph(
            Paragraph::new()
                .line_spacing(exactly(28.0))
                .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
                .keep_next(true)
                .add_run(run(s, "黑体", SIZE_3)),
        ),
        Block::H2(s) => d.add_paragraph(
            Paragraph::new()
                .line_spacing(exactly(28.0))
                .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
                .keep_next(true)
                .add_run(run(s, "楷体_GB2312", SIZE_3).bold()),
        ),
        Block::P(s) => d.add_paragraph(body(s)),
        Block::Quote(s) => d.add_paragraph(Paragraph::new().line_spacing(exactly(28.0)).indent(Some(640), None, None, None).add_run(run(
            &format!("“{s}”"),
            "楷体_GB2312",
            SIZE_3,
        ))),
        Block::Note(s) => d.add_paragraph(
            Paragraph::new().line_spacing(exactly(22.0)).indent(None, Some(SpecialIndentType::FirstLine(480)), None, None).add_run(run(
                s,
                "仿宋_GB2312",
                SIZE_S4,
            )),
        ),
        Block::Table { caption, head, rows } => {
            let cap = Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(exactly(24.0))
                .keep_next(true)
                .add_run(run(caption, "黑体", SIZE_S4));
            d.add_paragraph(cap).add_table(three_line(head, rows)).add_paragraph(Paragraph::new().line_spacing(exactly(12.0)))
        }
        Block::Figure { caption, spec } => {
            let (png, (w, h)) = match image {
                Some(i) => i,
                None => png_bytes(&spec.untitled(), 200)?,
            };
            let width_emu = (TEXT_MM * 36_000.0) as u32;
            let height_emu = (width_emu as f64 * h as f64 / w as f64) as u32;
            let pic = Pic::new_with_dimensions(png, w, h).size(width_emu, height_emu);
            d.add_paragraph(Paragraph::new().align(AlignmentType::Center).keep_next(true).add_run(Run::new().add_image(pic))).add_paragraph(
                Paragraph::new().align(AlignmentType::Center).line_spacing(exactly(24.0)).add_run(run(caption, "黑体", SIZE_S4)),
            )
        }
    })
}

/// A three-line table: a thick rule above the header, a thin one below it, a thick one
/// under the last row, no vertical rules; 小四 text, first column left, others centred.
fn three_line(head: &[String], rows: &[Vec<String>]) -> Table {
    let n = head.len().max(1);
    // The label column takes 45% of the width beside up to three figures, 30% beside more.
    let share = if n <= 4 { 0.45 } else { 0.30 };
    let first_w = if n > 1 { (TEXT_MM * MM * share) as usize } else { (TEXT_MM * MM) as usize };
    let other_w = if n > 1 { ((TEXT_MM * MM) as usize - first_w) / (n - 1) } else { 0 };
    let rule = |pos, size| TableCellBorder::new(pos).border_type(BorderType::Single).size(size).color("000000");
    // A short table stays on one page with its caption (each row kept with the next).
    let keep = rows.len() <= 15;
    let cell = |text: &str, c: usize, top: Option<usize>, bottom: Option<usize>, bold: bool| {
        let mut borders = TableCellBorders::with_empty();
        if let Some(sz) = top {
            borders = borders.set(rule(TableCellBorderPosition::Top, sz));
        }
        if let Some(sz) = bottom {
            borders = borders.set(rule(TableCellBorderPosition::Bottom, sz));
        }
        let mut r = run(text, if bold { "黑体" } else { "仿宋_GB2312" }, SIZE_S4);
        if bold {
            r = r.bold();
        }
        let p = Paragraph::new()
            .line_spacing(exactly(20.0))
            .align(if c == 0 { AlignmentType::Left } else { AlignmentType::Center })
            .keep_next(keep && bottom != Some(12))
            .add_run(r);
        TableCell::new().add_paragraph(p).set_borders(borders).width(if c == 0 { first_w } else { other_w }, WidthType::Dxa)
    };
    let mut table_rows = vec![TableRow::new(head.iter().enumerate().map(|(c, h)| cell(h, c, Some(12), Some(6), true)).collect())];
    for (i, r) in rows.iter().enumerate() {
        let last = i + 1 == rows.len();
        table_rows.push(TableRow::new(r.iter().enumerate().map(|(c, v)| cell(v, c, None, last.then_some(12), false)).collect()));
    }
    let mut grid = vec![first_w];
    grid.extend(std::iter::repeat_n(other_w, n - 1));
    Table::without_borders(table_rows).set_grid(grid).align(docx_rs::TableAlignmentType::Center)
}
