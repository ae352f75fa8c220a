//! List sheets: the data-issues ledger, the column map, and the cleaned data.

use polars::prelude::*;
use rust_xlsxwriter::{Worksheet, XlsxError};

use super::style::{Put, Styles, Widths};
use super::MAX_DATA_ROWS;

/// A plain list sheet (the ledger, the column map): a header row and text rows.
pub(super) fn ledger<const N: usize>(ws: &mut Worksheet, st: &Styles, headers: &[&str; N], rows: impl Iterator<Item = [String; N]>, empty: &str) -> Result<(), XlsxError> {
    let mut widths = Widths::default();
    for (c, h) in headers.iter().enumerate() {
        ws.put_fmt(0, c as u16, *h, &st.head)?;
        widths.see(c as u16, h, 60.0);
    }
    let mut n = 0u32;
    for (i, fields) in rows.enumerate() {
        for (c, v) in fields.iter().enumerate() {
            ws.put(i as u32 + 1, c as u16, v)?;
            widths.see(c as u16, v, 60.0);
        }
        n += 1;
    }
    if n == 0 {
        ws.put_fmt(1, 0, empty, &st.note)?;
    }
    widths.apply(ws)?;
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, n.max(1), N as u16 - 1)?;
    Ok(())
}

/// `df`: the `n` responses, or (when they were too many to hold) a table of their columns only.
pub(super) fn cleaned(ws: &mut Worksheet, st: &Styles, survey: &crate::survey::Survey, df: &DataFrame, n: usize) -> Result<(), XlsxError> {
    let mut widths = Widths::default();
    for (c, name) in df.get_column_names().iter().enumerate() {
        ws.put_fmt(0, c as u16, name.as_str(), &st.head)?;
        widths.see(c as u16, name.as_str(), 30.0);
    }
    if n > MAX_DATA_ROWS || df.height() != n {
        ws.put_fmt(1, 0, format!("共 {n} 行，超过 {MAX_DATA_ROWS} 行不写入工作簿；完整数据请用 diaoyan import … -o 清洗数据.csv 导出"), &st.note)?;
        return widths.apply(ws);
    }
    let df = &crate::clean::readable(survey, df);
    for (c, col) in df.columns().iter().enumerate() {
        let c = c as u16;
        let s = col.as_materialized_series();
        match s.dtype() {
            DataType::Float64 => {
                for (i, v) in s.f64().unwrap().iter().enumerate() {
                    if let Some(v) = v {
                        ws.write_number(i as u32 + 1, c, v)?;
                    }
                }
            }
            DataType::Int32 => {
                for (i, v) in s.i32().unwrap().iter().enumerate() {
                    if let Some(v) = v {
                        ws.write_number(i as u32 + 1, c, v as f64)?;
                    }
                }
            }
            DataType::Boolean => {
                for (i, v) in s.bool().unwrap().iter().enumerate() {
                    if let Some(v) = v {
                        ws.write_number(i as u32 + 1, c, if v { 1.0 } else { 0.0 })?;
                    }
                }
            }
            _ => {
                let s = s.cast(&DataType::String).map_err(|e| XlsxError::ParameterError(e.to_string()))?;
                for (i, v) in s.str().unwrap().iter().enumerate() {
                    if let Some(v) = v {
                        ws.put(i as u32 + 1, c, v)?;
                        if i < 200 {
                            widths.see(c, v, 30.0);
                        }
                    }
                }
            }
        }
    }
    widths.apply(ws)?;
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}
