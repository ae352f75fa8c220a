//! status.xlsx (the `status` command): the returns tables on their own, one sheet per wave.

use rust_xlsxwriter::{Workbook, XlsxError};
use std::path::Path;

use super::overview::status_table;
use super::sheet_name;
use super::style::{Put, Styles, Widths};
use crate::collect::status::Status;
use crate::output::WriteError;

/// status.xlsx: the returns tables on their own, one sheet per wave.
pub fn write_status(path: &Path, title: &str, all: &[Status]) -> Result<(), WriteError> {
    super::save(build(title, all), path)
}

fn build(title: &str, all: &[Status]) -> Result<Workbook, XlsxError> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    let mut taken = Vec::new();
    for s in all {
        let ws = wb.add_worksheet();
        let name = if s.wave.is_empty() { "回收情况".to_string() } else { format!("回收情况-{}", s.wave) };
        ws.set_name(sheet_name(&name, &mut taken))?;
        ws.put_fmt(0, 0, format!("{title}：回收情况"), &st.title)?;
        ws.put(1, 0, s.sentence())?;
        status_table(ws, &st, s, 3)?;
        let mut widths = Widths::default();
        for r in s.rows.iter().chain(&s.unlisted) {
            widths.see(0, &r.unit, 40.0);
            widths.see(7, &r.files.join("；"), 80.0);
        }
        widths.see(6, "超过应交份数", 20.0);
        widths.apply(ws)?;
        ws.set_freeze_panes(4, 1)?;
        ws.set_repeat_rows(0, 3)?.set_repeat_columns(0, 0)?;
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
    }
    Ok(wb)
}
