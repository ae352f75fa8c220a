//! The 交叉表 sheets (one per banner): per question, counts and column percentages for
//! the total and each group, significance letters, the base with its small-base mark,
//! the test line, and a native grouped bar chart.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::style::{bar_chart, chart_rows, write_dec, write_pct, Put, Styles, Widths};
use crate::render::words::{base_mark, table_heading, test_line};
use crate::stats::inference::letter;
use crate::stats::{Banner, Measure, Results, Row, Table};
use crate::survey::Kind;

/// Groups shown side by side at most: three columns each, far below Excel's 16,384
/// columns; a banner with more groups (a unit per respondent, say) lists the first ones and
/// says where all are (results.csv).
const MAX_GROUPS: usize = 250;

/// Crosstabs of one banner: per question, counts and column percentages for the total
/// and each group, significance letters beside the percentages, the base, and the test.
/// Returns the number of banner groups (for the print layout).
pub(super) fn crosstabs(
    ws: &mut Worksheet,
    sheet: &str,
    st: &Styles,
    r: &Results,
    banner: &Banner,
    label: &str,
) -> Result<usize, XlsxError> {
    let mut widths = Widths::default();
    widths.see(0, "选项选项选项选项选项选项", 50.0);
    let mut row = 0u32;
    ws.put_fmt(row, 0, format!("交叉分析（按{label}分组）：列百分比；“显著”列的字母表示该组比例（或平均分）显著高于字母所代表的组（α={}；比例用 z 检验，平均分用 Welch t 检验）", r.options.alpha), &st.title)?;
    let mut groups = 0;
    row += 2;
    for t in r.by(banner) {
        groups = groups.max(t.columns.len() - 1);
        row = table(ws, sheet, st, &mut widths, t, row)?;
    }
    widths.apply(ws)?;
    ws.set_freeze_panes(0, 1)?;
    // Printed: the labels' column on every page.
    ws.set_repeat_columns(0, 0)?;
    Ok(groups)
}

/// One question's crosstab from `row` (nothing when it has no figure to show side by
/// side); returns the next free row, below its chart too.
fn table(ws: &mut Worksheet, sheet: &str, st: &Styles, widths: &mut Widths, t: &Table, mut row: u32) -> Result<u32, XlsxError> {
    let pct_rows: Vec<&Row> = t
        .rows
        .iter()
        .filter(|x| x.measure != Measure::PercentOfResponses)
        .filter(|x| {
            x.measure.is_percent()
                || matches!(
                    x.measure,
                    Measure::Mean | Measure::Sd | Measure::RankScore | Measure::AvgRank | Measure::Median | Measure::Min | Measure::Max
                )
        })
        .collect();
    if pct_rows.is_empty() {
        return Ok(row);
    }
    let head = table_heading(t, true);
    ws.put_fmt(row, 0, &head, &st.heading)?;
    row += 1;
    let shown = t.columns.len().min(MAX_GROUPS + 1);
    if shown < t.columns.len() {
        let msg = format!(
            "共 {} 个分组，超出 Excel 能并排列出的范围，这里只列出前 {MAX_GROUPS} 个；全部分组的数字见 results.csv",
            t.columns.len() - 1
        );
        ws.put_fmt(row, 0, msg, &st.warn)?;
        row += 1;
    }
    let (starts, col) = header(ws, st, widths, t, shown, row)?;
    row += 2;
    let n_pct = pct_rows.iter().take_while(|x| x.measure == Measure::Percent).count() as u32;
    let mut chart_end = 0u32;
    // Up to six groups: beyond that a clustered bar chart is unreadable (the PNG is there).
    if n_pct > 0 && t.columns.len() <= 7 && t.bases.iter().skip(1).any(|b| *b > 0) {
        let series: Vec<((u32, u16), u16)> = starts.iter().skip(1).map(|s| ((row - 2, *s), *s + 1)).collect();
        // Grouped bars need room: a row per bar.
        let h = (pct_rows.len() as u32 + 5).max(n_pct * series.len() as u32 / 2 + 4);
        let chart = bar_chart(sheet, &crate::render::words::chart_heading(t), (row, row + n_pct - 1), &series, h);
        ws.insert_chart(row - 3, col + 1, &chart)?;
        chart_end = row - 3 + chart_rows(h, n_pct, series.len() as u32);
    }
    for x in &pct_rows {
        figures(ws, st, widths, (x, t.kind), &starts, row)?;
        row += 1;
    }
    ws.put_fmt(row, 0, "有效样本（人）", &st.head)?;
    for (c, b) in t.bases.iter().enumerate().take(shown) {
        let s = starts[c];
        ws.write_number_with_format(row, s, *b as f64, &st.int)?;
        let mark = base_mark(t.flags[c]);
        ws.put_fmt(row, s + 1, mark, &st.warn)?;
        if c > 0 {
            ws.put_fmt(row, s + 2, "", &st.text)?;
        }
    }
    row += 1;
    let line = test_line(t);
    if !line.is_empty() {
        ws.put_fmt(row, 0, &line, &st.note)?;
        row += 1;
    }
    Ok((row + 1).max(chart_end + 1))
}

/// The two header rows: 选项 | 总计 (人数, 比例) | group (人数, 比例, 显著) …; returns the
/// first column of each group shown and the column after the last.
fn header(ws: &mut Worksheet, st: &Styles, widths: &mut Widths, t: &Table, shown: usize, row: u32) -> Result<(Vec<u16>, u16), XlsxError> {
    ws.put_fmt(row, 0, "选项", &st.head)?;
    ws.put_fmt(row + 1, 0, "", &st.head)?;
    let mut col = 1u16;
    let mut starts = Vec::new();
    for (c, label) in t.columns.iter().enumerate().take(shown) {
        let span = if c == 0 { 2 } else { 3 };
        let label = if c == 0 { label.clone() } else { format!("{} ({})", label, letter(c - 1)) };
        ws.merge_range(row, col, row, col + span - 1, &label, &st.head)?;
        let subs: &[&str] = if c == 0 { &["人数", "比例"] } else { &["人数", "比例", "显著"] };
        for (k, s) in subs.iter().enumerate() {
            ws.put_fmt(row + 1, col + k as u16, *s, &st.head)?;
        }
        widths.see(col + 1, &label, 14.0);
        starts.push(col);
        col += span;
    }
    Ok((starts, col))
}

/// One line of figures: per group shown (from `starts`), the count and share (or the
/// mean and such) with the group's significance letters.
fn figures(
    ws: &mut Worksheet,
    st: &Styles,
    widths: &mut Widths,
    (x, kind): (&Row, Kind),
    starts: &[u16],
    row: u32,
) -> Result<(), XlsxError> {
    let label = crate::render::words::row_label(&x.option, x.measure, kind);
    ws.put_fmt(row, 0, &label, &st.text)?;
    widths.see(0, &label, 50.0);
    for (c, cell) in x.cells.iter().enumerate().take(starts.len()) {
        let s = starts[c];
        if x.measure.is_percent() {
            ws.write_number_with_format(row, s, cell.count.unwrap_or(0.0), &st.int)?;
            write_pct(ws, row, s + 1, cell.value, st)?;
        } else {
            ws.put_fmt(row, s, "", &st.text)?;
            write_dec(ws, row, s + 1, cell.value, st)?;
        }
        if c > 0 {
            ws.put_fmt(row, s + 2, &cell.sig, &st.sig)?;
        }
    }
    Ok(())
}
