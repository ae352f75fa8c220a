//! The 频数表 sheets (one per wave): per question, counts and shares in the layout of
//! 问卷星's report, the base line 本题有效填写人次, a native bar chart beside.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::style::{bar_chart, chart_rows, write_base, write_dec, write_pct, Put, Styles, Widths};
use crate::render::words::table_heading;
use crate::stats::{Measure, Results, Table};
use crate::survey::Kind;

/// A ranking's option: its text, composite score, share ranked first and average rank.
type RankLine<'a> = (&'a str, Option<f64>, Option<f64>, Option<f64>);

pub(super) fn frequencies(ws: &mut Worksheet, sheet: &str, st: &Styles, r: &Results, wave: &str) -> Result<(), XlsxError> {
    let mut widths = Widths::default();
    widths.see(0, "选项选项选项选项选项选项", 50.0);
    let mut row = 0u32;
    let title = if wave.is_empty() { "各题频数统计".to_string() } else { format!("各题频数统计（{wave}）") };
    ws.put_fmt(row, 0, &title, &st.title)?;
    row += 2;
    for t in r.overall(wave) {
        let head = table_heading(t, false);
        ws.put_fmt(row, 0, &head, &st.heading)?;
        row += 1;
        let base = t.bases[0];
        // The next table starts below this one's chart too.
        let (end, chart_end) = match t.kind {
            Kind::Single | Kind::Scale | Kind::Matrix | Kind::Multi => choices(ws, sheet, st, &mut widths, t, row)?,
            Kind::Rank => (ranking(ws, st, &mut widths, t, row)?, 0),
            Kind::Number => (numbers(ws, st, t, row)?, 0),
            Kind::Text => (texts(ws, st, t, row)?, 0),
        };
        row = end;
        if base == 0 {
            ws.put_fmt(row, 0, "本题无人作答", &st.warn)?;
            row += 1;
        }
        row = (row + 1).max(chart_end + 1);
    }
    widths.see(1, "小计小计", 12.0);
    widths.see(2, "比例比例比", 14.0);
    widths.see(3, "响应率响应率", 14.0);
    widths.apply(ws)
}

/// A choice question from `row`: per option its count and share (and share of responses
/// for a multi-select), the base, the other figures, and a bar chart beside; returns the
/// next row and the row the chart ends at.
fn choices(ws: &mut Worksheet, sheet: &str, st: &Styles, widths: &mut Widths, t: &Table, mut row: u32) -> Result<(u32, u32), XlsxError> {
    let base = t.bases[0];
    let multi = t.kind == Kind::Multi;
    let mut heads = vec!["选项", "小计", "比例"];
    if multi {
        heads.push("响应率");
    }
    for (c, h) in heads.iter().enumerate() {
        ws.put_fmt(row, c as u16, *h, &st.head)?;
    }
    row += 1;
    let pct: Vec<_> = t.rows.iter().filter(|x| x.measure == Measure::Percent).collect();
    let resp: Vec<_> = t.rows.iter().filter(|x| x.measure == Measure::PercentOfResponses).collect();
    let mut chart_end = 0;
    // A bar per option: past 60 the native chart is unreadable (and slow).
    if base > 0 && !pct.is_empty() && pct.len() <= 60 {
        let first = row;
        let last = row + pct.len() as u32 - 1;
        let extra = t.rows.len() - pct.len() - resp.len();
        let h = pct.len() as u32 + extra as u32 + 3;
        let chart = bar_chart(sheet, &crate::render::words::chart_heading(t), (first, last), &[((first - 1, 2), 2)], h);
        ws.insert_chart(first - 2, 5, &chart)?;
        chart_end = first - 2 + chart_rows(h, pct.len() as u32, 1);
    }
    for (i, x) in pct.iter().enumerate() {
        let c = &x.cells[0];
        ws.put_fmt(row, 0, &x.option, &st.text)?;
        widths.see(0, &x.option, 50.0);
        ws.write_number_with_format(row, 1, c.count.unwrap_or(0.0), &st.int)?;
        write_pct(ws, row, 2, c.value, st)?;
        if multi {
            write_pct(ws, row, 3, resp.get(i).and_then(|r| r.cells[0].value), st)?;
        }
        row += 1;
    }
    row = write_base(ws, row, base, st)?;
    for x in t.rows.iter().filter(|x| !matches!(x.measure, Measure::Percent | Measure::PercentOfResponses)) {
        ws.put_fmt(row, 0, x.measure.label(), &st.text)?;
        if x.measure.is_percent() {
            write_pct(ws, row, 2, x.cells[0].value, st)?;
        } else {
            write_dec(ws, row, 2, x.cells[0].value, st)?;
        }
        row += 1;
    }
    Ok((row, chart_end))
}

/// A ranking from `row`: per option its composite score, share ranked first and average
/// rank, ranked by the score as 问卷星 shows it; then the base.
fn ranking(ws: &mut Worksheet, st: &Styles, widths: &mut Widths, t: &Table, mut row: u32) -> Result<u32, XlsxError> {
    for (c, h) in ["选项", "综合得分", "排第一位的比例", "平均名次"].iter().enumerate() {
        ws.put_fmt(row, c as u16, *h, &st.head)?;
    }
    row += 1;
    let by = |m: Measure| t.rows.iter().filter(move |x| x.measure == m);
    let mut lines: Vec<RankLine> = by(Measure::RankScore)
        .zip(by(Measure::FirstShare))
        .zip(by(Measure::AvgRank))
        .map(|((s, f), a)| (s.option.as_str(), s.cells[0].value, f.cells[0].value, a.cells[0].value))
        .collect();
    lines.sort_by(|a, b| b.1.unwrap_or(0.0).total_cmp(&a.1.unwrap_or(0.0)));
    for (o, s, f, a) in lines {
        ws.put_fmt(row, 0, o, &st.text)?;
        widths.see(0, o, 50.0);
        write_dec(ws, row, 1, s, st)?;
        write_pct(ws, row, 2, f, st)?;
        write_dec(ws, row, 3, a, st)?;
        row += 1;
    }
    write_base(ws, row, t.bases[0], st)
}

/// A numeric question from `row`: its statistics, then the base.
fn numbers(ws: &mut Worksheet, st: &Styles, t: &Table, mut row: u32) -> Result<u32, XlsxError> {
    ws.put_fmt(row, 0, "统计量", &st.head)?;
    ws.put_fmt(row, 1, "数值", &st.head)?;
    row += 1;
    for x in &t.rows {
        ws.put_fmt(row, 0, x.measure.label_in(t.kind), &st.text)?;
        write_dec(ws, row, 1, x.cells[0].value, st)?;
        row += 1;
    }
    write_base(ws, row, t.bases[0], st)
}

/// An open question from `row`: its first answers (the rest counted), then the base.
fn texts(ws: &mut Worksheet, st: &Styles, t: &Table, mut row: u32) -> Result<u32, XlsxError> {
    ws.put_fmt(row, 0, "填写内容", &st.head)?;
    row += 1;
    const SHOWN: usize = 500;
    for a in t.answers.iter().take(SHOWN) {
        ws.put_fmt(row, 0, a, &st.text)?;
        row += 1;
    }
    if t.answer_count > SHOWN {
        ws.put_fmt(
            row,
            0,
            format!(
                "……共 {} 条，完整内容见“清洗后数据”页（答卷超过 {} 份时该页不写，用 diaoyan import … -o 导出）",
                t.answer_count,
                super::MAX_DATA_ROWS
            ),
            &st.note,
        )?;
        row += 1;
    }
    write_base(ws, row, t.bases[0], st)
}
