//! The 概览 sheet: what was surveyed and imported, the settings of the tests, and the
//! returns per unit against the roster; and the returns table status.xlsx shares.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::style::{Put, Styles, Widths};
use crate::collect::status::Status;
use crate::render::Report;

/// The 抽样设计 line: the design and what it changes, or that there is none.
fn design_said(r: &crate::stats::Results) -> String {
    match &r.design_note {
        Some(d) => {
            format!("{d}；区间为 logit 区间，各列两两比较与年度变化用按设计计算的标准误（Wald 检验），交叉表用 Rao–Scott 校正卡方检验")
        }
        None => "未设定（按简单随机抽样计算）".into(),
    }
}

pub(super) fn overview(ws: &mut Worksheet, st: &Styles, rep: &Report) -> Result<(), XlsxError> {
    let (s, r, imp) = (&rep.survey, &rep.results, &rep.import);
    let n_issues = imp.issues.len();
    let files_failed = imp.failed_files();
    ws.put_fmt(0, 0, &s.title, &st.title)?;
    let waves = r.waves.iter().map(|w| if w.is_empty() { "（未分年份）".to_string() } else { w.clone() }).collect::<Vec<_>>().join("、");
    let mut rows: Vec<(&str, String)> = vec![
        ("年份/批次", waves),
        ("有效答卷（份）", imp.rows_kept.to_string()),
        ("读取答卷（行）", imp.rows_read.to_string()),
        ("剔除答卷（行）", format!("{}（重复提交、重复编号、合计行等，见“数据问题”）", imp.rows_rejected)),
        ("读取 = 保留 + 剔除", format!("{} = {} + {}", imp.rows_read, imp.rows_kept, imp.rows_rejected)),
        (
            "导入文件（个）",
            if files_failed > 0 {
                format!("{}（其中 {} 个无法读取）", imp.files.len(), files_failed)
            } else {
                imp.files.len().to_string()
            },
        ),
        ("数据问题（条）", n_issues.to_string()),
        (
            "分组变量",
            if rep.banners.is_empty() { "无".into() } else { rep.banners.iter().map(|b| b.name()).collect::<Vec<_>>().join("、") },
        ),
        ("权重", r.weight_note.clone().unwrap_or_else(|| "未加权".into())),
        ("抽样设计", design_said(r)),
        (
            "显著性检验",
            format!(
                "α={}{}；样本量 <{} 的分组不参与两两比较（仍计入卡方检验），<{} 谨慎解读",
                r.options.alpha,
                match r.options.letters_adjust {
                    crate::stats::adjust::Adjust::None => String::new(),
                    a => format!("（各行两两比较经 {}）", a.label()),
                },
                r.options.min_base,
                r.options.caution_base
            ),
        ),
    ];
    let ci = if r.design_note.is_some() { "logit（按抽样设计）" } else { "Wilson" };
    rows.push(("置信区间", format!("{ci} {:.0}%", r.options.conf * 100.0)));
    let (lines, pairs) = r.letter_tests();
    rows.push(("两两比较", format!("{lines} 行共 {pairs} 对（每行为一族，{}）", r.options.letters_adjust.label())));
    if r.league_tests() > 0 {
        rows.push(("单位变化检验", format!("{} 个（每个指标每对年份为一族，{}）", r.league_tests(), r.options.changes_adjust.label())));
    }
    if let Some(f) = &rep.filter {
        rows.push(("统计范围", format!("仅 {f} 的答卷")));
    }
    let mut widths = Widths::default();
    for (i, (k, v)) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        ws.put_fmt(row, 0, *k, &st.head)?;
        // Values span B:H, so that the returns table below can use narrow columns.
        ws.merge_range(row, 1, row, 7, v, &st.text)?;
        widths.see(0, k, 30.0);
    }
    rows.push(("说明", "比例 = 选择该项的人数 ÷ 本题有效填写人次；多选题的比例按人数计算，合计可超过 100%".into()));
    let row = rows.len() as u32 + 1;
    ws.put_fmt(row, 0, "说明", &st.head)?;
    ws.merge_range(row, 1, row, 7, &rows.last().unwrap().1, &st.text)?;
    widths.see(0, "单位单位单位单位单位单位", 30.0);
    widths.apply(ws)?;
    for (c, w) in [(1u16, 11.0), (2, 11.0), (3, 11.0), (4, 9.0), (5, 9.0), (6, 14.0), (7, 36.0)] {
        ws.set_column_width(c, w)?;
    }
    let mut row = row + 2;
    for status in &rep.status {
        ws.put_fmt(row, 0, "回收情况", &st.heading)?;
        ws.merge_range(row, 1, row, 7, &status.sentence(), &st.text)?;
        row = status_table(ws, st, status, row + 2)? + 2;
    }
    Ok(())
}

/// The returns table (used by the overview sheet and status.xlsx); returns the next row.
pub fn status_table(ws: &mut Worksheet, st_: &Styles, s: &Status, row0: u32) -> Result<u32, XlsxError> {
    let heads = ["单位", "应交（份）", "已交（份）", "有效（份）", "回收率", "有效率", "说明", "文件"];
    // The overview sheet's first two columns are wide already; status columns follow them.
    for (c, h) in heads.iter().enumerate() {
        ws.put_fmt(row0, c as u16, *h, &st_.head)?;
    }
    let mut row = row0 + 1;
    let rate = |ws: &mut Worksheet, row: u32, col: u16, v: Option<f64>| -> Result<(), XlsxError> {
        match v {
            Some(x) => ws.write_number_with_format(row, col, x, &st_.pct).map(|_| ()),
            None => ws.put_fmt(row, col, "—", &st_.text).map(|_| ()),
        }
    };
    for (r, unlisted) in s.rows.iter().map(|r| (r, false)).chain(s.unlisted.iter().map(|r| (r, true))) {
        ws.put_fmt(row, 0, &r.unit, &st_.text)?;
        if unlisted {
            ws.put_fmt(row, 1, "不在名单中", &st_.warn)?;
        } else {
            ws.write_number_with_format(row, 1, r.expected as f64, &st_.int)?;
        }
        ws.write_number_with_format(row, 2, r.returned as f64, &st_.int)?;
        ws.write_number_with_format(row, 3, r.valid as f64, &st_.int)?;
        rate(ws, row, 4, if unlisted { None } else { r.return_rate() })?;
        rate(ws, row, 5, r.valid_rate())?;
        let note = if unlisted { "单位不在名单中" } else { r.note() };
        ws.put_fmt(row, 6, note, if note.is_empty() { &st_.text } else { &st_.warn })?;
        ws.put_fmt(row, 7, r.files.join("；"), &st_.text)?;
        row += 1;
    }
    ws.put_fmt(row, 0, "合计", &st_.head)?;
    ws.write_number_with_format(row, 1, s.expected() as f64, &st_.int)?;
    ws.write_number_with_format(row, 2, s.returned() as f64, &st_.int)?;
    ws.write_number_with_format(row, 3, s.valid() as f64, &st_.int)?;
    rate(ws, row, 4, s.return_rate())?;
    rate(ws, row, 5, s.valid_rate())?;
    Ok(row + 1)
}
