//! Cell styles, column widths, sheet names, cell text within Excel's limits, number
//! cells and native bar charts: what every sheet of the workbook uses.

use rust_xlsxwriter::{Chart, ChartDataLabel, ChartFont, ChartType, Color, Format, FormatAlign, FormatBorder, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

pub struct Styles {
    pub title: Format,
    pub heading: Format,
    pub head: Format,
    pub text: Format,
    pub int: Format,
    pub pct: Format,
    pub dec: Format,
    pub note: Format,
    pub warn: Format,
    pub sig: Format,
}

impl Styles {
    pub fn new() -> Styles {
        let border = |f: Format| f.set_border(FormatBorder::Thin).set_border_color(Color::RGB(0xBFBFBF));
        Styles {
            title: Format::new().set_bold().set_font_size(14),
            heading: Format::new().set_bold().set_font_size(11),
            head: border(
                Format::new().set_bold().set_background_color(Color::RGB(0xDDEBF7)).set_align(FormatAlign::Center).set_text_wrap(),
            ),
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
pub struct Widths(Vec<f64>);

impl Widths {
    pub fn see(&mut self, col: u16, s: &str, cap: f64) {
        let w = (UnicodeWidthStr::width(s) as f64 + 2.0).min(cap);
        let c = col as usize;
        if self.0.len() <= c {
            self.0.resize(c + 1, 8.0);
        }
        self.0[c] = self.0[c].max(w);
    }
    pub fn apply(&self, ws: &mut Worksheet) -> Result<(), XlsxError> {
        for (c, w) in self.0.iter().enumerate() {
            ws.set_column_width(c as u16, *w)?;
        }
        Ok(())
    }
}

/// A sheet name Excel accepts: no []:*?/\, at most 31 characters, unique.
pub fn sheet_name(want: &str, taken: &mut Vec<String>) -> String {
    let clean: String = crate::text::printable(want).chars().map(|c| if "[]:*?/\\\t\n\r".contains(c) { '_' } else { c }).collect();
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
pub trait Put {
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

/// A native Excel bar chart over a table's cells: categories in column 0 of rows
/// `rows`, one series per (name cell, value column); editing a number moves its bar.
pub fn bar_chart(sheet: &str, title: &str, rows: (u32, u32), series: &[((u32, u16), u16)], height_rows: u32) -> Chart {
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
    category_labels(ch.y_axis());
    // 17 px a row: Excel rows are 20 px, LibreOffice and WPS rows about 17; it fits both.
    ch.set_width(520).set_height(chart_rows(height_rows, rows.1 - rows.0 + 1, series.len() as u32) * 17);
    ch
}

/// The category axis of a native chart: 9 pt labels. Every label is shown: Excel skips
/// labels it finds crowded unless the axis says otherwise, and rust_xlsxwriter writes no
/// `tickLblSkip` for an interval of 1, so [`every_label`] adds it to the saved file.
pub fn category_labels(axis: &mut rust_xlsxwriter::ChartAxis) {
    axis.set_font(ChartFont::new().set_size(9));
}

/// Rows (of 17 px) a chart over a table block of `height_rows` rows occupies: at least
/// 22 px per category (10 per bar where a category has several), plus the title and axis.
pub fn chart_rows(height_rows: u32, categories: u32, bars: u32) -> u32 {
    let per = (bars * 10 + 6).max(22);
    height_rows.max(11).max((categories * per + 100).div_ceil(17))
}

/// The saved workbook with `<c:tickLblSkip val="1"/>` on every category axis that has no
/// interval: Excel and WPS then draw every category's label (see [`category_labels`]).
pub fn every_label(xlsx: Vec<u8>) -> Result<Vec<u8>, std::io::Error> {
    use std::io::{Cursor, Read, Write};
    let mut zip = zip::ZipArchive::new(Cursor::new(&xlsx)).map_err(std::io::Error::other)?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(xlsx.len())));
    for i in 0..zip.len() {
        let name = zip.by_index(i).map_err(std::io::Error::other)?.name().map_err(std::io::Error::other)?.to_string();
        if !(name.starts_with("xl/charts/chart") && name.ends_with(".xml")) {
            let raw = zip.by_index_raw(i).map_err(std::io::Error::other)?;
            out.raw_copy_file(raw).map_err(std::io::Error::other)?;
            continue;
        }
        let mut xml = String::new();
        zip.by_index(i).map_err(std::io::Error::other)?.read_to_string(&mut xml)?;
        // rust_xlsxwriter ends a category axis so when it has no interval.
        let xml = xml.replace("<c:lblOffset val=\"100\"/></c:catAx>", "<c:lblOffset val=\"100\"/><c:tickLblSkip val=\"1\"/></c:catAx>");
        out.start_file(name, zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated))
            .map_err(std::io::Error::other)?;
        out.write_all(xml.as_bytes())?;
    }
    Ok(out.finish().map_err(std::io::Error::other)?.into_inner())
}

/// The 问卷星 base line under a frequency table; returns the next row.
pub fn write_base(ws: &mut Worksheet, row: u32, base: usize, st: &Styles) -> Result<u32, XlsxError> {
    ws.put_fmt(row, 0, "本题有效填写人次", &st.head)?;
    ws.write_number_with_format(row, 1, base as f64, &st.int)?;
    Ok(row + 1)
}

pub fn write_pct(ws: &mut Worksheet, row: u32, col: u16, v: Option<f64>, st: &Styles) -> Result<(), XlsxError> {
    match v {
        Some(x) if x.is_finite() => ws.write_number_with_format(row, col, x / 100.0, &st.pct).map(|_| ()),
        _ => ws.put_fmt(row, col, "—", &st.text).map(|_| ()),
    }
}

pub fn write_dec(ws: &mut Worksheet, row: u32, col: u16, v: Option<f64>, st: &Styles) -> Result<(), XlsxError> {
    match v {
        Some(x) if x.is_finite() => ws.write_number_with_format(row, col, x, &st.dec).map(|_| ()),
        _ => ws.put_fmt(row, col, "—", &st.text).map(|_| ()),
    }
}
