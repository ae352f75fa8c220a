//! The 年度对比 sheet: per question (whole sample), each figure in every wave, the
//! change for each pair of waves compared (percentage points for shares, points for
//! means) with its significance, the bases, what cannot be compared and why, and a
//! native chart (bars by wave for two waves, lines for three or more).

use rust_xlsxwriter::{Chart, ChartFont, ChartMarker, ChartType, Worksheet, XlsxError};

use super::style::{chart_rows, write_dec, write_pct, Put, Styles, Widths};
use crate::render::words::{change_mark, table_heading};
use crate::render::Report;
use crate::stats::changes::Change;
use crate::stats::{Breakdown, Measure, Scope, Table};

pub(super) fn year_over_year(ws: &mut Worksheet, sheet: &str, st: &Styles, rep: &Report) -> Result<(), XlsxError> {
    let r = &rep.results;
    let cx = Cx { sheet, st, rep, waves: r.waves.iter().filter(|w| !w.is_empty()).collect() };
    let mut widths = Widths::default();
    widths.see(0, "选项选项选项选项选项选项", 50.0);
    ws.put_fmt(0, 0, format!("年度对比（总体）：各年的比例和平均分；“变化”为百分点（平均分为分）；↑↓ 表示变化显著（α={}，比例用 z 检验，平均分用 Welch t 检验；{}），样本量低于 {} 的不做检验", r.options.alpha, crate::stats::adjust::note(r.options.changes_adjust, "每对年份"), r.options.min_base), &st.title)?;
    // How many tests each pair of waves made, and how many stand after the adjustment.
    let counts: Vec<String> = rep
        .changes
        .pairs
        .iter()
        .map(|(from, to)| {
            let n = rep.changes.count(from, to);
            format!("{from}→{to} 共 {} 个检验，{} 个显著", n.tested, n.up + n.down)
        })
        .collect();
    if !counts.is_empty() {
        ws.put_fmt(1, 0, format!("检验次数（全部数字见 changes.csv）：{}", counts.join("；")), &st.note)?;
    }
    let mut row = 2u32;
    for q in &rep.survey.questions {
        // The overall table of each wave (the question's parts in order).
        let mut parts: Vec<&str> = Vec::new();
        for t in r.tables.iter().filter(|t| t.question_id() == q.id && t.breakdown.is_overall() && matches!(t.scope, Scope::Wave(_))) {
            if !parts.contains(&t.question.as_str()) {
                parts.push(&t.question);
            }
        }
        for part in parts {
            row = part_block(ws, &cx, &mut widths, &q.id, part, row)?;
        }
    }
    for (k, w) in cx.waves.iter().enumerate() {
        widths.see(1 + k as u16, w, 12.0);
    }
    widths.apply(ws)?;
    ws.set_freeze_panes(0, 1)?;
    // Printed: the labels' column on every page.
    ws.set_repeat_columns(0, 0)?;
    Ok(())
}

/// What every block of the sheet is written with.
struct Cx<'a> {
    sheet: &'a str,
    st: &'a Styles,
    rep: &'a Report,
    /// The named waves, in order.
    waves: Vec<&'a String>,
}

/// Columns of a block: the waves' figures from `wave`, each pair's change and mark from
/// `pair`, the notes at `note`.
struct Cols {
    wave: u16,
    pair: u16,
    note: u16,
}

/// One part of a question (the question, or one matrix row) from `row`: its heading, a
/// line per figure with its value in each wave and its change per pair of waves, the
/// bases, and a chart of the shares; returns the next free row.
fn part_block(ws: &mut Worksheet, cx: &Cx, widths: &mut Widths, qid: &str, part: &str, mut row: u32) -> Result<u32, XlsxError> {
    let (r, st) = (&cx.rep.results, cx.st);
    let by_wave: Vec<Option<&Table>> =
        cx.waves.iter().map(|w| r.tables.iter().find(|t| t.question == *part && t.breakdown.is_overall() && t.scope.is_wave(w))).collect();
    let Some(first) = by_wave.iter().flatten().next() else { return Ok(row) };
    let lines: Vec<(String, Measure)> = first
        .rows
        .iter()
        .filter(|x| matches!(x.measure, Measure::Percent | Measure::Top2 | Measure::Bottom2 | Measure::FirstShare | Measure::Mean))
        .map(|x| (x.option.clone(), x.measure))
        .collect();
    if lines.is_empty() {
        return Ok(row);
    }
    ws.put_fmt(row, 0, table_heading(first, false), &st.heading)?;
    row += 1;
    let head_row = row;
    let cols = header(ws, cx, widths, row)?;
    row += 1;
    let first_line = row;
    for (option, measure) in &lines {
        let label = crate::render::words::row_label(option, *measure, first.kind);
        ws.put_fmt(row, 0, &label, &st.text)?;
        widths.see(0, &label, 50.0);
        for (k, t) in by_wave.iter().enumerate() {
            let v = t.and_then(|t| t.row(option, *measure)).and_then(|x| x.cells[0].value);
            let c = cols.wave + k as u16;
            match v {
                // A figure a wave does not have stays empty (the note says why): a chart
                // leaves a gap there, where a “—” would be plotted as 0%.
                None => ws.write_blank(row, c, &st.text).map(|_| ())?,
                Some(_) if measure.is_percent() => write_pct(ws, row, c, v, st)?,
                Some(_) => write_dec(ws, row, c, v, st)?,
            }
        }
        let notes = changes(ws, cx, (qid, part), (option, *measure), row, cols.pair)?;
        ws.put_fmt(row, cols.note, notes.join("；"), &st.text)?;
        widths.see(cols.note, &notes.join("；"), 40.0);
        row += 1;
    }
    let n_pct = lines.iter().take_while(|(_, m)| *m == Measure::Percent).count() as u32;
    ws.put_fmt(row, 0, "有效样本（人）", &st.head)?;
    for (k, t) in by_wave.iter().enumerate() {
        match t {
            Some(t) => ws.write_number_with_format(row, cols.wave + k as u16, t.bases[0] as f64, &st.int)?,
            None => ws.put_fmt(row, cols.wave + k as u16, "未调查", &st.warn)?,
        };
    }
    row += 1;
    let mut chart_end = 0;
    if n_pct > 0 {
        let title = crate::render::words::chart_heading(first);
        let chart = wave_chart(cx.sheet, &title, (first_line, first_line + n_pct - 1), head_row, cols.wave, cx.waves.len() as u16);
        ws.insert_chart(head_row - 1, cols.note + 1, &chart)?;
        chart_end = head_row - 1 + chart_rows((n_pct + 4).max(12), n_pct, wave_bars(cx.waves.len() as u16));
    }
    Ok((row + 1).max(chart_end + 1))
}

/// The header row: 选项 | waves… | per pair: 变化, 显著性 | 说明.
fn header(ws: &mut Worksheet, cx: &Cx, widths: &mut Widths, row: u32) -> Result<Cols, XlsxError> {
    let st = cx.st;
    let mut col = 0u16;
    ws.put_fmt(row, col, "选项", &st.head)?;
    col += 1;
    let wave = col;
    for w in &cx.waves {
        ws.put_fmt(row, col, w.as_str(), &st.head)?;
        col += 1;
    }
    let pair = col;
    for (a, b) in &cx.rep.changes.pairs {
        ws.put_fmt(row, col, format!("{a}→{b} 变化"), &st.head)?;
        ws.put_fmt(row, col + 1, "显著性", &st.head)?;
        widths.see(col, "2024→2025 变化", 20.0);
        widths.see(col + 1, "未检验（样本量不足）", 22.0);
        col += 2;
    }
    ws.put_fmt(row, col, "说明", &st.head)?;
    Ok(Cols { wave, pair, note: col })
}

/// One figure's change for each pair of waves (from `col`), with its mark; a pair that
/// cannot be compared says so, and the reasons are returned for the notes.
fn changes(
    ws: &mut Worksheet,
    cx: &Cx,
    (qid, part): (&str, &str),
    (option, measure): (&str, Measure),
    row: u32,
    col: u16,
) -> Result<Vec<String>, XlsxError> {
    let (ch, st) = (&cx.rep.changes, cx.st);
    let mut notes = Vec::new();
    for (k, (a, b)) in ch.pairs.iter().enumerate() {
        let c = col + 2 * k as u16;
        let found: Option<&Change> = ch.rows.iter().find(|x| {
            x.question == part
                && x.breakdown == Breakdown::Overall
                && x.option == option
                && x.measure == measure
                && x.from == *a
                && x.to == *b
        });
        match found {
            Some(x) => {
                write_dec(ws, row, c, x.change, st)?;
                let mark = change_mark(x);
                ws.put_fmt(row, c + 1, mark, if x.sig.is_some() { &st.sig } else { &st.text })?;
            }
            None => {
                ws.put_fmt(row, c, "—", &st.text)?;
                ws.put_fmt(row, c + 1, "不可比", &st.warn)?;
                let why = ch
                    .not_comparable
                    .iter()
                    .find(|n| n.question == qid && n.from == *a && n.to == *b && (n.what.is_empty() || n.what == option));
                if let Some(n) = why {
                    if !notes.contains(&n.reason) {
                        notes.push(n.reason.clone());
                    }
                }
            }
        }
    }
    Ok(notes)
}

/// Bars per category of [`wave_chart`]: one per wave of two; a line chart (three or more
/// waves) has the waves as categories and no bars.
fn wave_bars(n_waves: u16) -> u32 {
    if n_waves <= 2 {
        n_waves as u32
    } else {
        0
    }
}

/// Two waves: bars of each option per wave; three or more: a line per option across waves.
fn wave_chart(sheet: &str, title: &str, rows: (u32, u32), head_row: u32, first_col: u16, n_waves: u16) -> Chart {
    let mut ch;
    if n_waves <= 2 {
        ch = Chart::new(ChartType::Bar);
        for k in 0..n_waves {
            let c = first_col + k;
            ch.add_series()
                .set_categories((sheet, rows.0, 0, rows.1, 0))
                .set_values((sheet, rows.0, c, rows.1, c))
                .set_name((sheet, head_row, c));
        }
        ch.x_axis().set_num_format("0%");
        ch.y_axis().set_reverse();
        super::style::category_labels(ch.y_axis());
    } else {
        ch = Chart::new(ChartType::Line);
        for r in rows.0..=rows.1 {
            ch.add_series()
                .set_marker(ChartMarker::new().set_automatic())
                .set_categories((sheet, head_row, first_col, head_row, first_col + n_waves - 1))
                .set_values((sheet, r, first_col, r, first_col + n_waves - 1))
                .set_name((sheet, r, 0));
        }
        ch.y_axis().set_num_format("0%");
    }
    ch.title().set_name(title).set_font(ChartFont::new().set_size(10).set_bold());
    let n = (rows.1 - rows.0 + 1).max(1);
    ch.set_width(520).set_height(chart_rows((n + 4).max(12), n, wave_bars(n_waves)) * 17);
    ch
}
