//! The summary workbook (docs/DESIGN.md): overview, frequency tables in the layout users
//! know from 问卷星's report, one crosstab sheet per banner, the data-issues ledger and
//! the cleaned data. Percent cells are numbers with a percent format; column widths are
//! computed from the display width of Chinese text (rust_xlsxwriter's autofit counts a
//! CJK character as half its width).

use polars::prelude::*;
use rust_xlsxwriter::{Chart, ChartDataLabel, ChartFont, ChartType, Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use std::path::Path;
use unicode_width::UnicodeWidthStr;

use crate::clean::ledger::{ColumnMap, Issue, COLUMN_HEADERS, HEADERS};
use crate::output::{write_atomic, WriteError};
use crate::stats::{Measure, Results, Table};
use crate::survey::{Kind, Survey};

/// What the overview sheet says besides the tables.
pub struct Overview {
    pub files: usize,
    pub files_failed: usize,
    pub rows_read: usize,
    pub rows_kept: usize,
    pub rows_rejected: usize,
    pub weight: Option<String>,
    pub banners: Vec<String>,
    /// The subset the figures cover (`--where`), if any.
    pub filter: Option<String>,
    /// Returns per unit against the roster (`--units`), one per wave, if given.
    pub status: Vec<crate::collect::status::Status>,
    /// Where every input column went (the 列对应 sheet).
    pub columns: Vec<ColumnMap>,
}

/// The cleaned data is written to the workbook up to this many rows (beyond, Excel
/// becomes slow; the .csv/.parquet beside the workbook has everything).
pub const MAX_DATA_ROWS: usize = 50_000;

pub struct Styles {
    title: Format,
    heading: Format,
    head: Format,
    text: Format,
    int: Format,
    pct: Format,
    dec: Format,
    note: Format,
    warn: Format,
    sig: Format,
}

impl Styles {
    fn new() -> Styles {
        let border = |f: Format| f.set_border(FormatBorder::Thin).set_border_color(Color::RGB(0xBFBFBF));
        Styles {
            title: Format::new().set_bold().set_font_size(14),
            heading: Format::new().set_bold().set_font_size(11),
            head: border(Format::new().set_bold().set_background_color(Color::RGB(0xDDEBF7)).set_align(FormatAlign::Center).set_text_wrap()),
            text: border(Format::new().set_text_wrap()),
            int: border(Format::new().set_num_format("0")),
            pct: border(Format::new().set_num_format("0.0%")),
            dec: border(Format::new().set_num_format("0.00")),
            note: Format::new().set_font_color(Color::RGB(0x595959)).set_italic(),
            warn: border(Format::new().set_font_color(Color::RGB(0xC00000))),
            sig: border(Format::new().set_font_color(Color::RGB(0x1F4E79)).set_bold().set_align(FormatAlign::Center)),
        }
    }
}

/// Column widths from the widest content seen, in Excel character units.
#[derive(Default)]
struct Widths(Vec<f64>);

impl Widths {
    fn see(&mut self, col: u16, s: &str, cap: f64) {
        let w = (UnicodeWidthStr::width(s) as f64 + 2.0).min(cap);
        let c = col as usize;
        if self.0.len() <= c {
            self.0.resize(c + 1, 8.0);
        }
        self.0[c] = self.0[c].max(w);
    }
    fn apply(&self, ws: &mut Worksheet) -> Result<(), XlsxError> {
        for (c, w) in self.0.iter().enumerate() {
            ws.set_column_width(c as u16, *w)?;
        }
        Ok(())
    }
}

/// A sheet name Excel accepts: no []:*?/\, at most 31 characters, unique.
pub fn sheet_name(want: &str, taken: &mut Vec<String>) -> String {
    let clean: String = want.chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).collect();
    let clean = clean.trim_matches('\'').to_string();
    let mut base: String = clean.chars().take(31).collect();
    if base.is_empty() {
        base = "Sheet".into();
    }
    let mut name = base.clone();
    let mut k = 2;
    while taken.iter().any(|t| t.to_lowercase() == name.to_lowercase()) {
        let suffix = format!("({k})");
        name = format!("{}{}", base.chars().take(31 - suffix.chars().count()).collect::<String>(), suffix);
        k += 1;
    }
    taken.push(name.clone());
    name
}

fn fmt_p(p: f64) -> String {
    if p < 0.001 {
        "p<0.001".into()
    } else {
        format!("p={p:.3}")
    }
}

/// The line under a crosstab: the test and its caveats.
pub fn test_line(t: &Table, _min_base: f64) -> String {
    match &t.test {
        Some(x) => {
            let mut s = if x.test == "fisher" {
                format!("Fisher 精确检验：{}（χ²={:.2}，Cramér's V={:.3}）", fmt_p(x.p_value), x.statistic, x.cramers_v)
            } else {
                format!("卡方检验（全部分组）：χ²={:.2}，自由度={}，{}，Cramér's V={:.3}", x.statistic, x.df, fmt_p(x.p_value), x.cramers_v)
            };
            if x.unreliable() {
                s += &format!("。注意：{:.0}% 的期望频数小于 5，卡方检验不可靠", x.low_expected_share * 100.0);
                match &x.exact {
                    Some(e) => s += &format!("；{}：{}", e.method.label(), fmt_p(e.p_value)),
                    None if x.test != "fisher" => s += "（加权数据或样本超过 20 万时不做精确检验，结果仅供参考）",
                    None => {}
                }
            }
            s
        }
        None => t.test_note.as_ref().map(|n| format!("未做检验：{n}")).unwrap_or_default(),
    }
}

/// How a banner is named to users: `Q1 您的身份`, 单位, 年份.
pub fn banner_label(survey: &Survey, name: &str) -> String {
    match (survey.question(name), name) {
        (Some(q), _) => format!("{} {}", name, q.text),
        (None, "unit") => "单位".into(),
        (None, "wave") => "年份".into(),
        (None, other) => other.into(),
    }
}

fn kind_suffix(t: &Table) -> &'static str {
    t.kind.label()
}

use crate::text::EXCEL_CELL_CHARS as CELL_LIMIT;
const CUT_MARK: &str = "……（超过 Excel 单元格上限，已截断；全文见 CSV 文件）";

/// Text for one cell, cut to Excel's limit with a mark saying so.
pub fn fit_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().count() <= CELL_LIMIT {
        return std::borrow::Cow::Borrowed(s);
    }
    let keep = CELL_LIMIT - CUT_MARK.chars().count();
    std::borrow::Cow::Owned(s.chars().take(keep).collect::<String>() + CUT_MARK)
}

/// Writing text that may come from the input: never over Excel's cell limit.
trait Put {
    fn put(&mut self, row: u32, col: u16, s: impl AsRef<str>) -> Result<&mut Worksheet, XlsxError>;
    fn put_fmt(&mut self, row: u32, col: u16, s: impl AsRef<str>, f: &Format) -> Result<&mut Worksheet, XlsxError>;
}

impl Put for Worksheet {
    fn put(&mut self, row: u32, col: u16, s: impl AsRef<str>) -> Result<&mut Worksheet, XlsxError> {
        self.write_string(row, col, fit_cell(s.as_ref()).as_ref())
    }
    fn put_fmt(&mut self, row: u32, col: u16, s: impl AsRef<str>, f: &Format) -> Result<&mut Worksheet, XlsxError> {
        self.write_string_with_format(row, col, fit_cell(s.as_ref()).as_ref(), f)
    }
}

/// Writes the workbook atomically.
pub fn write(path: &Path, survey: &Survey, ov: &Overview, r: &Results, issues: &[Issue], data: &DataFrame) -> Result<(), WriteError> {
    let mut wb = build(survey, ov, r, issues, data).map_err(|e| WriteError::Io { path: path.display().to_string(), msg: e.to_string() })?;
    let buf = wb.save_to_buffer().map_err(|e| WriteError::Io { path: path.display().to_string(), msg: e.to_string() })?;
    write_atomic(path, |w| std::io::Write::write_all(w, &buf).map_err(|e| e.to_string()))
}

pub fn build(survey: &Survey, ov: &Overview, r: &Results, issues: &[Issue], data: &DataFrame) -> Result<Workbook, XlsxError> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    let mut taken = Vec::new();
    let ws = wb.add_worksheet();
    overview(ws, &mut taken, &st, survey, ov, r, issues.len())?;
    if !ov.status.is_empty() {
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
    }
    for wave in &r.waves {
        let name = if r.waves.len() > 1 { format!("频数表-{wave}") } else { "频数表".into() };
        let ws = wb.add_worksheet();
        let sheet = sheet_name(&name, &mut taken);
        ws.set_name(&sheet)?;
        frequencies(ws, &sheet, &st, r, wave)?;
        ws.set_print_fit_to_pages(1, 0);
    }
    for b in &ov.banners {
        let label = banner_label(survey, b);
        let ws = wb.add_worksheet();
        let sheet = sheet_name(&format!("交叉表-{label}"), &mut taken);
        ws.set_name(&sheet)?;
        let groups = crosstabs(ws, &sheet, &st, r, b, &label)?;
        ws.set_landscape();
        // Up to seven groups print one page wide; wider tables keep a readable size.
        if groups <= 7 {
            ws.set_print_fit_to_pages(1, 0);
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("数据问题", &mut taken))?;
    ledger(ws, &st, &HEADERS, issues.iter().map(|i| i.fields()), "没有发现数据问题")?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("列对应", &mut taken))?;
    ledger(ws, &st, &COLUMN_HEADERS, ov.columns.iter().map(|c| c.fields()), "没有读取任何列")?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("清洗后数据", &mut taken))?;
    cleaned(ws, &st, data)?;
    Ok(wb)
}

fn overview(ws: &mut Worksheet, taken: &mut Vec<String>, st: &Styles, s: &Survey, ov: &Overview, r: &Results, n_issues: usize) -> Result<(), XlsxError> {
    ws.set_name(sheet_name("概览", taken))?;
    ws.put_fmt(0, 0, &s.title, &st.title)?;
    let waves = r.waves.iter().map(|w| if w.is_empty() { "（未分年份）".to_string() } else { w.clone() }).collect::<Vec<_>>().join("、");
    let mut rows: Vec<(&str, String)> = vec![
        ("年份/批次", waves),
        ("有效答卷（份）", ov.rows_kept.to_string()),
        ("读取答卷（行）", ov.rows_read.to_string()),
        ("剔除答卷（行）", format!("{}（重复提交、重复编号、合计行等，见“数据问题”）", ov.rows_rejected)),
        ("读取 = 保留 + 剔除", format!("{} = {} + {}", ov.rows_read, ov.rows_kept, ov.rows_rejected)),
        ("导入文件（个）", if ov.files_failed > 0 { format!("{}（其中 {} 个无法读取）", ov.files, ov.files_failed) } else { ov.files.to_string() }),
        ("数据问题（条）", n_issues.to_string()),
        ("分组变量", if ov.banners.is_empty() { "无".into() } else { ov.banners.join("、") }),
        ("权重", ov.weight.clone().unwrap_or_else(|| "未加权".into())),
        ("显著性检验", format!("α={}{}；样本量 <{} 的分组不参与两两比较（仍计入卡方检验），<{} 谨慎解读", r.options.alpha, if r.options.bonferroni { "（Bonferroni 校正）" } else { "" }, r.options.min_base, r.options.caution_base)),
    ];
    rows.push(("置信区间", format!("Wilson {:.0}%", r.options.conf * 100.0)));
    if let Some(f) = &ov.filter {
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
    for status in &ov.status {
        ws.put_fmt(row, 0, "回收情况", &st.heading)?;
        ws.merge_range(row, 1, row, 7, &status.sentence(), &st.text)?;
        row = status_table(ws, st, status, row + 2)? + 2;
    }
    Ok(())
}

/// A native Excel bar chart over a table's cells: categories in column 0 of rows
/// `rows`, one series per (name cell, value column); editing a number moves its bar.
fn bar_chart(sheet: &str, title: &str, rows: (u32, u32), series: &[((u32, u16), u16)], height_rows: u32) -> Chart {
    let mut ch = Chart::new(ChartType::Bar);
    for ((name_row, name_col), col) in series {
        let s = ch.add_series();
        s.set_categories((sheet, rows.0, 0, rows.1, 0))
            .set_values((sheet, rows.0, *col, rows.1, *col))
            .set_name((sheet, *name_row, *name_col));
        if series.len() == 1 {
            s.set_data_label(ChartDataLabel::new().show_value().set_num_format("0.0%"));
        }
    }
    ch.title().set_name(title).set_font(ChartFont::new().set_size(10).set_bold());
    // In a bar chart the value axis is horizontal (x) and the categories run down (y).
    ch.x_axis().set_num_format("0%");
    ch.y_axis().set_reverse();
    if series.len() == 1 {
        ch.legend().set_hidden();
    }
    // 17 px a row: Excel rows are 20 px, LibreOffice and WPS rows about 17; it fits both.
    ch.set_width(520).set_height(chart_rows(height_rows) * 17);
    ch
}

/// Rows (of 20 px) a chart over a table block of `height_rows` rows occupies.
fn chart_rows(height_rows: u32) -> u32 {
    height_rows.max(11)
}

fn frequencies(ws: &mut Worksheet, sheet: &str, st: &Styles, r: &Results, wave: &str) -> Result<(), XlsxError> {
    let mut widths = Widths::default();
    widths.see(0, "选项选项选项选项选项选项", 50.0);
    let mut row = 0u32;
    let title = if wave.is_empty() { "各题频数统计".to_string() } else { format!("各题频数统计（{wave}）") };
    ws.put_fmt(row, 0, &title, &st.title)?;
    row += 2;
    for t in r.tables.iter().filter(|t| t.banner.is_none() && t.wave == wave) {
        // The next table starts below this one's chart too.
        let mut chart_end = 0u32;
        let head = format!("{}：{} [{}]", t.question.split('/').next().unwrap_or(""), t.text, kind_suffix(t));
        ws.put_fmt(row, 0, &head, &st.heading)?;
        row += 1;
        let base = t.bases[0];
        match t.kind {
            Kind::Single | Kind::Scale | Kind::Matrix | Kind::Multi => {
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
                if base > 0 && !pct.is_empty() {
                    let first = row;
                    let last = row + pct.len() as u32 - 1;
                    let extra = t.rows.len() - pct.len() - resp.len();
                    let h = pct.len() as u32 + extra as u32 + 3;
                    let chart = bar_chart(sheet, &head, (first, last), &[((first - 1, 2), 2)], h);
                    ws.insert_chart(first - 2, 5, &chart)?;
                    chart_end = first - 2 + chart_rows(h);
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
            }
            Kind::Rank => {
                for (c, h) in ["选项", "综合得分", "排第一位的比例", "平均名次"].iter().enumerate() {
                    ws.put_fmt(row, c as u16, *h, &st.head)?;
                }
                row += 1;
                let by = |m: Measure| t.rows.iter().filter(move |x| x.measure == m);
                let mut lines: Vec<(&str, Option<f64>, Option<f64>, Option<f64>)> = by(Measure::RankScore)
                    .zip(by(Measure::FirstShare))
                    .zip(by(Measure::AvgRank))
                    .map(|((s, f), a)| (s.option.as_str(), s.cells[0].value, f.cells[0].value, a.cells[0].value))
                    .collect();
                // Ranked by composite score, as 问卷星 shows it.
                lines.sort_by(|a, b| b.1.unwrap_or(0.0).total_cmp(&a.1.unwrap_or(0.0)));
                for (o, s, f, a) in lines {
                    ws.put_fmt(row, 0, o, &st.text)?;
                    widths.see(0, o, 50.0);
                    write_dec(ws, row, 1, s, st)?;
                    write_pct(ws, row, 2, f, st)?;
                    write_dec(ws, row, 3, a, st)?;
                    row += 1;
                }
                row = write_base(ws, row, base, st)?;
            }
            Kind::Number => {
                ws.put_fmt(row, 0, "统计量", &st.head)?;
                ws.put_fmt(row, 1, "数值", &st.head)?;
                row += 1;
                for x in &t.rows {
                    ws.put_fmt(row, 0, x.measure.label(), &st.text)?;
                    write_dec(ws, row, 1, x.cells[0].value, st)?;
                    row += 1;
                }
                row = write_base(ws, row, base, st)?;
            }
            Kind::Text => {
                ws.put_fmt(row, 0, "填写内容", &st.head)?;
                row += 1;
                const SHOWN: usize = 500;
                for a in t.answers.iter().take(SHOWN) {
                    ws.put_fmt(row, 0, a, &st.text)?;
                    row += 1;
                }
                if t.answers.len() > SHOWN {
                    ws.put_fmt(row, 0, format!("……共 {} 条，完整内容见“清洗后数据”", t.answers.len()), &st.note)?;
                    row += 1;
                }
                row = write_base(ws, row, base, st)?;
            }
        }
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

/// The 问卷星 base line under a frequency table; returns the next row.
fn write_base(ws: &mut Worksheet, row: u32, base: usize, st: &Styles) -> Result<u32, XlsxError> {
    ws.put_fmt(row, 0, "本题有效填写人次", &st.head)?;
    ws.write_number_with_format(row, 1, base as f64, &st.int)?;
    Ok(row + 1)
}

fn write_pct(ws: &mut Worksheet, row: u32, col: u16, v: Option<f64>, st: &Styles) -> Result<(), XlsxError> {
    match v {
        Some(x) if x.is_finite() => ws.write_number_with_format(row, col, x / 100.0, &st.pct).map(|_| ()),
        _ => ws.put_fmt(row, col, "—", &st.text).map(|_| ()),
    }
}

fn write_dec(ws: &mut Worksheet, row: u32, col: u16, v: Option<f64>, st: &Styles) -> Result<(), XlsxError> {
    match v {
        Some(x) if x.is_finite() => ws.write_number_with_format(row, col, x, &st.dec).map(|_| ()),
        _ => ws.put_fmt(row, col, "—", &st.text).map(|_| ()),
    }
}

/// Crosstabs of one banner: per question, counts and column percentages for the total
/// and each group, significance letters beside the percentages, the base, and the test.
/// Returns the number of banner groups (for the print layout).
fn crosstabs(ws: &mut Worksheet, sheet: &str, st: &Styles, r: &Results, banner: &str, label: &str) -> Result<usize, XlsxError> {
    let mut widths = Widths::default();
    widths.see(0, "选项选项选项选项选项选项", 50.0);
    let mut row = 0u32;
    ws.put_fmt(row, 0, format!("交叉分析（按{label}分组）：列百分比；“显著”列的字母表示该组比例显著高于字母所代表的组（α={}）", r.options.alpha), &st.title)?;
    let mut groups = 0;
    row += 2;
    for t in r.tables.iter().filter(|t| t.banner.as_deref() == Some(banner)) {
        groups = groups.max(t.columns.len() - 1);
        let pct_rows: Vec<_> = t.rows.iter().filter(|x| x.measure != Measure::PercentOfResponses).filter(|x| x.measure.is_percent() || matches!(x.measure, Measure::Mean | Measure::Sd | Measure::RankScore | Measure::AvgRank | Measure::Median | Measure::Min | Measure::Max)).collect();
        if pct_rows.is_empty() {
            continue;
        }
        let head = format!("{}{}：{} [{}]", if t.wave.is_empty() { String::new() } else { format!("{} ", t.wave) }, t.question.split('/').next().unwrap_or(""), t.text, t.kind.label());
        ws.put_fmt(row, 0, &head, &st.heading)?;
        row += 1;
        // Header: 选项 | 总计 (人数, 比例) | group (人数, 比例, 显著) …
        ws.put_fmt(row, 0, "选项", &st.head)?;
        ws.put_fmt(row + 1, 0, "", &st.head)?;
        let mut col = 1u16;
        let mut starts = Vec::new();
        for (c, label) in t.columns.iter().enumerate() {
            let span = if c == 0 { 2 } else { 3 };
            let label = if c == 0 { label.clone() } else { format!("{} ({})", label, crate::stats::inference::letter(c - 1)) };
            ws.merge_range(row, col, row, col + span - 1, &label, &st.head)?;
            let subs: &[&str] = if c == 0 { &["人数", "比例"] } else { &["人数", "比例", "显著"] };
            for (k, s) in subs.iter().enumerate() {
                ws.put_fmt(row + 1, col + k as u16, *s, &st.head)?;
            }
            widths.see(col + 1, &label, 14.0);
            starts.push(col);
            col += span;
        }
        row += 2;
        let n_pct = pct_rows.iter().take_while(|x| x.measure == Measure::Percent).count() as u32;
        let mut chart_end = 0u32;
        // Up to six groups: beyond that a clustered bar chart is unreadable (the PNG is there).
        if n_pct > 0 && t.columns.len() <= 7 && t.bases.iter().skip(1).any(|b| *b > 0) {
            let series: Vec<((u32, u16), u16)> = starts.iter().skip(1).map(|s| ((row - 2, *s), *s + 1)).collect();
            // Grouped bars need room: a row per bar.
            let h = (pct_rows.len() as u32 + 5).max(n_pct * series.len() as u32 / 2 + 4);
            let chart = bar_chart(sheet, &head, (row, row + n_pct - 1), &series, h);
            ws.insert_chart(row - 3, col + 1, &chart)?;
            chart_end = row - 3 + chart_rows(h);
        }
        for x in &pct_rows {
            let label = if x.option.is_empty() { x.measure.label().to_string() } else if x.measure == Measure::Percent { x.option.clone() } else { format!("{}（{}）", x.option, x.measure.label()) };
            ws.put_fmt(row, 0, &label, &st.text)?;
            widths.see(0, &label, 50.0);
            for (c, cell) in x.cells.iter().enumerate() {
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
            row += 1;
        }
        ws.put_fmt(row, 0, "有效样本（人）", &st.head)?;
        for (c, b) in t.bases.iter().enumerate() {
            let s = starts[c];
            ws.write_number_with_format(row, s, *b as f64, &st.int)?;
            let mark = t.flags[c].label();
            ws.put_fmt(row, s + 1, mark, &st.warn)?;
            if c > 0 {
                ws.put_fmt(row, s + 2, "", &st.text)?;
            }
        }
        row += 1;
        let line = test_line(t, r.options.min_base);
        if !line.is_empty() {
            ws.put_fmt(row, 0, &line, &st.note)?;
            row += 1;
        }
        row = (row + 1).max(chart_end + 1);
    }
    widths.apply(ws)?;
    ws.set_freeze_panes(0, 1)?;
    Ok(groups)
}

/// A plain list sheet (the ledger, the column map): a header row and text rows.
fn ledger<const N: usize>(ws: &mut Worksheet, st: &Styles, headers: &[&str; N], rows: impl Iterator<Item = [String; N]>, empty: &str) -> Result<(), XlsxError> {
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

fn cleaned(ws: &mut Worksheet, st: &Styles, df: &DataFrame) -> Result<(), XlsxError> {
    let mut widths = Widths::default();
    for (c, name) in df.get_column_names().iter().enumerate() {
        ws.put_fmt(0, c as u16, name.as_str(), &st.head)?;
        widths.see(c as u16, name.as_str(), 30.0);
    }
    if df.height() > MAX_DATA_ROWS {
        ws.put_fmt(1, 0, format!("共 {} 行，超过 {} 行不写入工作簿；完整数据请用 diaoyan import … -o 清洗数据.csv 导出", df.height(), MAX_DATA_ROWS), &st.note)?;
        return widths.apply(ws);
    }
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

/// The returns table (used by the overview sheet and status.xlsx); returns the next row.
pub fn status_table(ws: &mut Worksheet, st_: &Styles, s: &crate::collect::status::Status, row0: u32) -> Result<u32, XlsxError> {
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
        ws.put_fmt(row, 7, &r.files.join("；"), &st_.text)?;
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

/// status.xlsx: the returns tables on their own, one sheet per wave.
pub fn write_status(path: &Path, title: &str, all: &[crate::collect::status::Status]) -> Result<(), WriteError> {
    let err = |e: XlsxError| WriteError::Io { path: path.display().to_string(), msg: e.to_string() };
    let st = Styles::new();
    let mut wb = Workbook::new();
    let mut taken = Vec::new();
    for s in all {
        let ws = wb.add_worksheet();
        let name = if s.wave.is_empty() { "回收情况".to_string() } else { format!("回收情况-{}", s.wave) };
        ws.set_name(sheet_name(&name, &mut taken)).map_err(err)?;
        ws.put_fmt(0, 0, &format!("{title}：回收情况"), &st.title).map_err(err)?;
        ws.put(1, 0, &s.sentence()).map_err(err)?;
        status_table(ws, &st, s, 3).map_err(err)?;
        let mut widths = Widths::default();
        for r in s.rows.iter().chain(&s.unlisted) {
            widths.see(0, &r.unit, 40.0);
            widths.see(7, &r.files.join("；"), 80.0);
        }
        widths.see(6, "超过应交份数", 20.0);
        widths.apply(ws).map_err(err)?;
        ws.set_freeze_panes(4, 1).map_err(err)?;
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
    }
    let buf = wb.save_to_buffer().map_err(err)?;
    write_atomic(path, |w| std::io::Write::write_all(w, &buf).map_err(|e| e.to_string()))
}
