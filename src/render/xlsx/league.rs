//! The 单位对比 sheet: per indicator and index, the league table of units in every wave
//! (newest first): rank, value, base with its small-base mark, the previous wave's value,
//! the change and its significance, the move in rank; units missing from a wave; and a
//! native bar chart of the newest wave in rank order.

use rust_xlsxwriter::{Chart, ChartDataLabel, ChartFont, ChartType, Worksheet, XlsxError};

use super::style::{chart_rows, write_dec, write_pct, Put, Styles, Widths};
use crate::render::words::{base_mark, rank_move, significance};
use crate::stats::league::{League, LeagueWave, UnitValue};
use crate::stats::Results;
use crate::survey::indicators::Better;

pub(super) fn leagues(ws: &mut Worksheet, sheet: &str, st: &Styles, r: &Results) -> Result<(), XlsxError> {
    let mut widths = Widths::default();
    ws.put_fmt(0, 0, format!("单位对比：各指标的单位排名（第 1 名最好）；“变化”为与上一年相比的百分点（平均值为差值），↑↓ 表示变化显著（α={}；{}），有效样本量低于 {} 的单位列出但不排名、不做检验；“排名区间”为按抽样误差模拟的 95% 区间，区间重叠的单位名次不能确定先后；“排名变化”只在两年都排名的单位之间比较", r.options.alpha, crate::stats::adjust::note(r.options.changes_adjust, "每个指标每对年份"), r.options.min_base), &st.title)?;
    let mut row = 2u32;
    for l in &r.leagues {
        let dir = match l.better {
            Better::Higher => "越高越好",
            Better::Lower => "越低越好",
        };
        ws.put_fmt(row, 0, format!("{}（{}{}）", l.name, dir, if l.is_index { "，0–100 分" } else { "" }), &st.heading)?;
        row += 1;
        ws.put_fmt(row, 0, &l.definition, &st.note)?;
        row += 1;
        for k in (0..l.waves.len()).rev() {
            row = wave_table(ws, sheet, st, &mut widths, (l, &r.options.unit_order), k, row)?;
        }
        row += 1;
    }
    for (c, w) in [(0u16, 6.0), (2, 10.0), (3, 8.0), (4, 10.0), (5, 10.0), (6, 9.0), (7, 20.0), (8, 9.0), (9, 9.0)] {
        widths.see(c, &" ".repeat(w as usize), w);
    }
    widths.apply(ws)?;
    Ok(())
}

/// The league of wave `k` from `row`: a line per unit (ranked first, all units last), with
/// the previous wave's value, the change and the move in rank when there is one; units
/// absent; the chart of the newest wave. Returns the next free row.
fn wave_table(
    ws: &mut Worksheet,
    sheet: &str,
    st: &Styles,
    widths: &mut Widths,
    (l, order): (&League, &[String]),
    k: usize,
    mut row: u32,
) -> Result<u32, XlsxError> {
    let lw = &l.waves[k];
    let prev = k.checked_sub(1).map(|p| &l.waves[p]);
    ws.put_fmt(row, 0, format!("{}年", lw.wave), &st.heading)?;
    row += 1;
    let mut heads = vec!["排名".to_string(), "单位".to_string(), "数值".into(), "样本量".into(), "样本提示".into()];
    match prev {
        Some(p) => heads.extend([format!("{}年", p.wave), "变化".into(), "显著性".into(), "排名变化".into()]),
        None => heads.extend(["".into(), "".into(), "".into(), "".into()]),
    }
    heads.push("排名区间".into());
    for (c, h) in heads.iter().enumerate() {
        ws.put_fmt(row, c as u16, h, &st.head)?;
    }
    let head_row = row;
    row += 1;
    let first = row;
    for u in lw.units.iter().chain(std::iter::once(&lw.overall)) {
        unit_line(ws, st, widths, l, (lw, prev), u, row)?;
        row += 1;
    }
    let ranked = lw.units.iter().filter(|u| u.rank.is_some()).count() as u32;
    let absent: Vec<String> = l.absent(order).into_iter().filter(|(_, ws_)| ws_.contains(&lw.wave)).map(|(u, _)| u).collect();
    if !absent.is_empty() {
        ws.put_fmt(row, 0, format!("本年未参加：{}", absent.join("、")), &st.note)?;
        row += 1;
    }
    let mut chart_end = 0;
    if k + 1 == l.waves.len() && ranked > 0 {
        let h = (ranked + 4).max(12);
        ws.insert_chart(head_row, 11, &rank_chart(sheet, l, lw, (head_row, first, ranked), h))?;
        chart_end = head_row + chart_rows(h, ranked, 1);
    }
    Ok((row + 1).max(chart_end + 1))
}

/// One unit's line (or the line of all units, `lw.overall`).
fn unit_line(
    ws: &mut Worksheet,
    st: &Styles,
    widths: &mut Widths,
    l: &League,
    (lw, prev): (&LeagueWave, Option<&LeagueWave>),
    u: &UnitValue,
    row: u32,
) -> Result<(), XlsxError> {
    let percent = l.percent && !l.is_index;
    let total = u.unit == lw.overall.unit && std::ptr::eq(u, &lw.overall);
    match u.rank {
        Some(k) if !total => ws.write_number_with_format(row, 0, k as f64, &st.int)?,
        _ => ws.put_fmt(row, 0, "", &st.text)?,
    };
    ws.put_fmt(row, 1, if total { "全部单位" } else { u.unit.as_str() }, if total { &st.head } else { &st.text })?;
    widths.see(1, &u.unit, 30.0);
    value(ws, row, 2, u.value, percent, st)?;
    ws.write_number_with_format(row, 3, u.base as f64, &st.int)?;
    ws.put_fmt(row, 4, base_mark(u.flag), &st.warn)?;
    if let Some((lo, hi)) = u.rank_interval.filter(|_| !total) {
        ws.put_fmt(row, 9, if lo == hi { lo.to_string() } else { format!("{lo}–{hi}") }, &st.text)?;
    }
    let Some(p) = prev else { return Ok(()) };
    let before = if total { Some(&p.overall) } else { p.units.iter().find(|x| x.unit == u.unit) };
    match before {
        Some(b) => value(ws, row, 5, b.value, percent, st)?,
        None => ws.put_fmt(row, 5, "未参加", &st.warn).map(|_| ())?,
    }
    match l.changes.iter().find(|c| c.unit == u.unit && c.from == p.wave && c.to == lw.wave) {
        Some(c) => {
            write_dec(ws, row, 6, c.change, st)?;
            let mark = significance(c.sig, c.test.is_some(), c.change.is_some(), l.is_index);
            ws.put_fmt(row, 7, mark, if c.sig.is_some() { &st.sig } else { &st.text })?;
            ws.put_fmt(row, 8, rank_move(c.rank_change), &st.text)?;
        }
        None => {
            for c in 6..9 {
                ws.put_fmt(row, c, "", &st.text)?;
            }
        }
    }
    Ok(())
}

/// The ranked units of the newest wave as bars, in rank order (`rows`: the header row, the
/// first unit's row, how many are ranked), `h` rows high.
fn rank_chart(sheet: &str, l: &League, lw: &LeagueWave, (head_row, first, ranked): (u32, u32, u32), h: u32) -> Chart {
    let percent = l.percent && !l.is_index;
    let mut ch = Chart::new(ChartType::Bar);
    let s = ch.add_series();
    s.set_categories((sheet, first, 1, first + ranked - 1, 1))
        .set_values((sheet, first, 2, first + ranked - 1, 2))
        .set_name((sheet, head_row, 2));
    s.set_data_label(ChartDataLabel::new().show_value().set_num_format(if percent { "0.0%" } else { "0.0" }));
    ch.title().set_name(&format!("{}（{}年）", l.name, lw.wave)).set_font(ChartFont::new().set_size(10).set_bold());
    ch.y_axis().set_reverse();
    if percent {
        ch.x_axis().set_num_format("0%");
    }
    ch.legend().set_hidden();
    super::style::category_labels(ch.y_axis());
    ch.set_width(480).set_height(chart_rows(h, ranked, 1) * 17);
    ch
}

fn value(ws: &mut Worksheet, row: u32, col: u16, v: Option<f64>, percent: bool, st: &Styles) -> Result<(), XlsxError> {
    if percent {
        write_pct(ws, row, col, v, st)
    } else {
        write_dec(ws, row, col, v, st)
    }
}

/// Whether the report has league tables.
pub(super) fn any(r: &Results) -> bool {
    r.leagues.iter().any(|l: &League| !l.waves.is_empty())
}
