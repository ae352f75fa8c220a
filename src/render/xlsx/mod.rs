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
    let buf = wb.and_then(|mut wb| wb.save_to_buffer()).map_err(err)?;
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

/// The sheets of figures, in order, and the sheet names they took.
fn figures(rep: &Report, st: &style::Styles) -> Result<(Workbook, Vec<String>), XlsxError> {
    let r = &rep.results;
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(1);
    let mut taken = Vec::new();
    let ws = wb.add_worksheet();
    overview::overview(ws, &mut taken, st, rep)?;
    if !rep.status.is_empty() {
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
    }
    for wave in &r.waves {
        let name = if r.waves.len() > 1 { format!("频数表-{wave}") } else { "频数表".into() };
        let ws = wb.add_worksheet();
        let sheet = sheet_name(&name, &mut taken);
        ws.set_name(&sheet)?;
        frequencies::frequencies(ws, &sheet, st, r, wave)?;
        ws.set_print_fit_to_pages(1, 0);
    }
    for b in &rep.banners {
        let label = banner_label(&rep.survey, b);
        let ws = wb.add_worksheet();
        let sheet = sheet_name(&format!("交叉表-{label}"), &mut taken);
        ws.set_name(&sheet)?;
        let groups = crosstabs::crosstabs(ws, &sheet, st, r, b, &label)?;
        ws.set_landscape();
        // Seven groups a page across (a readable size), the labels' column repeated.
        ws.set_print_fit_to_pages(groups.div_ceil(7).max(1) as u16, 0);
    }
    if !rep.changes.pairs.is_empty() {
        let ws = wb.add_worksheet();
        let sheet = sheet_name("年度对比", &mut taken);
        ws.set_name(&sheet)?;
        changes::year_over_year(ws, &sheet, st, rep)?;
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
    }
    if league::any(r) {
        let ws = wb.add_worksheet();
        let sheet = sheet_name("单位对比", &mut taken);
        ws.set_name(&sheet)?;
        league::leagues(ws, &sheet, st, r)?;
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
    }
    if rep.survey.questions.iter().any(|q| q.kind == crate::survey::Kind::Text) {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name("意见建议", &mut taken))?;
        lists::open_answers(ws, st, r, &rep.survey)?;
        ws.set_print_fit_to_pages(1, 0);
    }
    Ok((wb, taken))
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
