//! List sheets: the data-issues ledger, the column map, and the cleaned data.

use polars::prelude::*;
use rust_xlsxwriter::{Worksheet, XlsxError};

use super::style::{Put, Styles, Widths};
use super::MAX_DATA_ROWS;

/// A plain list sheet (the ledger, the column map): a header row and a text row per entry;
/// beyond [`MAX_DATA_ROWS`] entries the rest are only counted (a sheet holds at most
/// 1,048,576 rows), and `full` names the file listing them all.
pub(super) fn ledger<const N: usize>(
    ws: &mut Worksheet,
    st: &Styles,
    headers: &[&str; N],
    rows: impl ExactSizeIterator<Item = [String; N]>,
    empty: &str,
    full: &str,
) -> Result<(), XlsxError> {
    let mut widths = Widths::default();
    for (c, h) in headers.iter().enumerate() {
        ws.put_fmt(0, c as u16, *h, &st.head)?;
        widths.see(c as u16, h, 60.0);
    }
    let total = rows.len();
    let mut n = 0u32;
    for (i, fields) in rows.take(MAX_DATA_ROWS).enumerate() {
        for (c, v) in fields.iter().enumerate() {
            ws.put(i as u32 + 1, c as u16, v)?;
            widths.see(c as u16, v, 60.0);
        }
        n += 1;
    }
    if n == 0 {
        ws.put_fmt(1, 0, empty, &st.note)?;
    }
    if total > MAX_DATA_ROWS {
        ws.put_fmt(n + 1, 0, format!("……共 {total} 条，工作簿中只列出前 {MAX_DATA_ROWS} 条；全部见 {full}"), &st.note)?;
    }
    widths.apply(ws)?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_repeat_rows(0, 0)?;
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
        let why = if n > MAX_DATA_ROWS { format!("超过 {MAX_DATA_ROWS} 行") } else { "分批统计".to_string() };
        ws.put_fmt(1, 0, format!("共 {n} 行，{why}不写入工作簿；完整数据请用 diaoyan import … -o 清洗数据.csv 导出"), &st.note)?;
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
    ws.set_repeat_rows(0, 0)?;
    Ok(())
}

/// The 意见建议 sheet: every distinct open answer of the report's wave with its count, by
/// theme (near-identical answers together; `stats::themes`), one row each, numbers as
/// numbers: 题目 | 类别 | 该类人数 | 表述 | 人数.
pub(super) fn open_answers(
    ws: &mut Worksheet,
    st: &Styles,
    r: &crate::stats::Results,
    survey: &crate::survey::Survey,
) -> Result<(), XlsxError> {
    let mut widths = Widths::default();
    let heads = ["题目", "类别", "该类人数", "表述", "人数"];
    for (c, h) in heads.iter().enumerate() {
        ws.put_fmt(0, c as u16, *h, &st.head)?;
        widths.see(c as u16, h, 60.0);
    }
    let mut row = 1u32;
    for q in survey.questions.iter().filter(|q| q.kind == crate::survey::Kind::Text) {
        let Some(t) = r.overall_of(&q.id, r.latest()) else { continue };
        for (k, theme) in t.themes.iter().enumerate() {
            for (text, n) in &theme.answers {
                if row as usize > MAX_DATA_ROWS {
                    break;
                }
                ws.put(row, 0, &q.text)?;
                ws.write_number_with_format(row, 1, (k + 1) as f64, &st.int)?;
                ws.write_number_with_format(row, 2, theme.count as f64, &st.int)?;
                ws.put(row, 3, text)?;
                ws.write_number_with_format(row, 4, *n as f64, &st.int)?;
                widths.see(0, &q.text, 30.0);
                widths.see(3, text, 60.0);
                row += 1;
            }
        }
    }
    if row == 1 {
        ws.put_fmt(1, 0, "没有填空题的回答", &st.note)?;
    }
    widths.apply(ws)?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_repeat_rows(0, 0)?;
    ws.autofilter(0, 0, row.max(2) - 1, 4)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ledger longer than a sheet should hold lists the first entries and counts the rest.
    #[test]
    fn a_long_ledger_is_cut_with_a_count() {
        use calamine::{Reader, Xlsx};
        let mut wb = rust_xlsxwriter::Workbook::new();
        let st = Styles::new();
        let ws = wb.add_worksheet();
        let total = MAX_DATA_ROWS + 7;
        let rows: Vec<[String; 2]> = (0..total).map(|i| [format!("f{i}"), "x".to_string()]).collect();
        ledger(ws, &st, &["文件", "问题"], rows.into_iter(), "没有", "issues.csv").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.xlsx");
        wb.save(&p).unwrap();
        let mut x: Xlsx<_> = calamine::open_workbook(&p).unwrap();
        let r = x.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(r.height(), MAX_DATA_ROWS + 2);
        let last = r.get_value((MAX_DATA_ROWS as u32 + 1, 0)).unwrap().to_string();
        assert!(last.contains(&format!("共 {total} 条")) && last.contains("issues.csv"), "{last}");
        assert_eq!(r.get_value((MAX_DATA_ROWS as u32, 0)).unwrap().to_string(), format!("f{}", MAX_DATA_ROWS - 1));
    }
}
