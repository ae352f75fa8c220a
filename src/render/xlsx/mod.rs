//! The summary workbook (docs/DESIGN.md): overview, frequency tables in the layout users
//! know from 问卷星's report, one crosstab sheet per banner, the data-issues ledger, the
//! column map and the cleaned data — one file per sheet. Percent cells are numbers with
//! a percent format; column widths are computed from the display width of Chinese text
//! (rust_xlsxwriter's autofit counts a CJK character as half its width).

mod changes;
mod crosstabs;
mod frequencies;
mod league;
mod lists;
mod overview;
mod status;
mod style;

use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};
use std::path::Path;

use super::words::banner_label;
use super::{Output, RenderError, Report, Written};
use crate::clean::ledger::{COLUMN_HEADERS, HEADERS};
use crate::output::{other, write_atomic, WriteError};
pub use status::write_status;
pub use style::{fit_cell, sheet_name};

/// The cleaned data is written to the workbook up to this many rows (beyond, Excel
/// becomes slow; the .csv/.parquet beside the workbook has everything).
pub const MAX_DATA_ROWS: usize = 50_000;

/// `<survey id>.xlsx`.
pub struct SummaryWorkbook;

impl Output for SummaryWorkbook {
    fn name(&self) -> &'static str {
        "Excel 汇总表"
    }
    fn write(&self, report: &Report, dir: &Path) -> Result<Written, RenderError> {
        let name = format!("{}.xlsx", crate::text::safe_file_stem(&report.survey.id));
        let path = dir.join(&name);
        save(build(report), &path)?;
        Ok(Written::file(path, format!("{name}  Excel 汇总表")))
    }
}

/// Writes a built workbook atomically; a build error is kept as the cause.
fn save(wb: Result<Workbook, XlsxError>, path: &Path) -> Result<(), WriteError> {
    let err = |e: XlsxError| match e {
        XlsxError::IoError(io) => WriteError::Io { path: path.to_path_buf(), source: io },
        XlsxError::RowColumnLimitError => WriteError::ExcelLimit(path.to_path_buf()),
        e => WriteError::Io { path: path.to_path_buf(), source: other(e) },
    };
    crate::profile::mark("workbook laid out");
    let buf = wb
        .and_then(|mut wb| {
            let buf = wb.save_to_buffer();
            // Freeing the laid-out sheets (every cell a small allocation) is left to
            // another core: the file does not wait for it.
            rayon::spawn(move || drop(wb));
            buf
        })
        .map_err(err)?;
    crate::profile::mark("workbook zipped");
    let buf = style::every_label(buf).map_err(|e| WriteError::Io { path: path.to_path_buf(), source: e })?;
    write_atomic(path, |w| std::io::Write::write_all(w, &buf))
}

pub fn build(rep: &Report) -> Result<Workbook, XlsxError> {
    let st = style::Styles::new();
    // The two ledgers (thousands of rows when many files are read) are laid out beside
    // the other sheets, on another core.
    let (front, ledgers) = rayon::join(|| figures(rep, &st), || ledger_sheets(rep, &st));
    let (mut wb, mut taken) = front?;
    let (issues, columns) = ledgers?;
    for (mut ws, name) in [(issues, "数据问题"), (columns, "列对应")] {
        ws.set_name(sheet_name(name, &mut taken))?;
        wb.push_worksheet(ws);
    }
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("清洗后数据", &mut taken))?;
    lists::cleaned(ws, &st, &rep.survey, rep.data.as_ref().unwrap_or(&rep.import.frame), rep.responses())?;
    // A4 (paper size 9), as offices print, not the default Letter.
    for ws in wb.worksheets_mut() {
        ws.set_paper_size(9);
    }
    Ok(wb)
}

/// One sheet of figures.
enum Figures<'a> {
    Overview,
    Frequencies(&'a str),
    Crosstabs(&'a crate::stats::Banner, String),
    Changes,
    Leagues,
    OpenAnswers,
}

/// The sheets of figures, in order, and the sheet names they took. The names are given
/// in order first; the sheets are then laid out in parallel (each one stands alone).
fn figures(rep: &Report, st: &style::Styles) -> Result<(Workbook, Vec<String>), XlsxError> {
    let r = &rep.results;
    let mut taken = Vec::new();
    let mut plan: Vec<(Figures, String)> = vec![(Figures::Overview, sheet_name("概览", &mut taken))];
    for wave in &r.waves {
        let name = if r.waves.len() > 1 { format!("频数表-{wave}") } else { "频数表".into() };
        plan.push((Figures::Frequencies(wave), sheet_name(&name, &mut taken)));
    }
    for b in &rep.banners {
        let label = banner_label(&rep.survey, b);
        let name = sheet_name(&format!("交叉表-{label}"), &mut taken);
        plan.push((Figures::Crosstabs(b, label), name));
    }
    if !rep.changes.pairs.is_empty() {
        plan.push((Figures::Changes, sheet_name("年度对比", &mut taken)));
    }
    if league::any(r) {
        plan.push((Figures::Leagues, sheet_name("单位对比", &mut taken)));
    }
    if rep.survey.questions.iter().any(|q| q.kind == crate::survey::Kind::Text) {
        plan.push((Figures::OpenAnswers, sheet_name("意见建议", &mut taken)));
    }
    use rayon::prelude::*;
    let sheets: Vec<Result<Worksheet, XlsxError>> =
        plan.par_iter().with_max_len(1).map(|(what, name)| figure_sheet(rep, st, what, name)).collect();
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(1);
    for ws in sheets {
        wb.push_worksheet(ws?);
    }
    Ok((wb, taken))
}

/// One sheet of figures, named `sheet`.
fn figure_sheet(rep: &Report, st: &style::Styles, what: &Figures, sheet: &str) -> Result<Worksheet, XlsxError> {
    let r = &rep.results;
    let mut ws = Worksheet::new();
    ws.set_name(sheet)?;
    match what {
        Figures::Overview => {
            overview::overview(&mut ws, st, rep)?;
            if !rep.status.is_empty() {
                ws.set_landscape();
                ws.set_print_fit_to_pages(1, 0);
            }
        }
        Figures::Frequencies(wave) => {
            frequencies::frequencies(&mut ws, sheet, st, r, wave)?;
            ws.set_print_fit_to_pages(1, 0);
        }
        Figures::Crosstabs(b, label) => {
            let groups = crosstabs::crosstabs(&mut ws, sheet, st, r, b, label)?;
            ws.set_landscape();
            // Seven groups a page across (a readable size), the labels' column repeated.
            ws.set_print_fit_to_pages(groups.div_ceil(7).max(1) as u16, 0);
        }
        Figures::Changes => {
            changes::year_over_year(&mut ws, sheet, st, rep)?;
            ws.set_landscape();
            ws.set_print_fit_to_pages(1, 0);
        }
        Figures::Leagues => {
            league::leagues(&mut ws, sheet, st, r)?;
            ws.set_landscape();
            ws.set_print_fit_to_pages(1, 0);
        }
        Figures::OpenAnswers => {
            lists::open_answers(&mut ws, st, r, &rep.survey)?;
            ws.set_print_fit_to_pages(1, 0);
        }
    }
    Ok(ws)
}

/// The sheets 数据问题 and 列对应 (unnamed yet).
fn ledger_sheets(rep: &Report, st: &style::Styles) -> Result<(Worksheet, Worksheet), XlsxError> {
    let mut issues = Worksheet::new();
    lists::ledger(&mut issues, st, &HEADERS, rep.import.issues.iter().map(|i| i.fields()), "没有发现数据问题", "issues.csv")?;
    let mut columns = Worksheet::new();
    lists::ledger(&mut columns, st, &COLUMN_HEADERS, rep.columns.iter().map(|c| c.fields()), "没有读取任何列", "columns.csv")?;
    for ws in [&mut issues, &mut columns] {
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
    }
    Ok((issues, columns))
}
