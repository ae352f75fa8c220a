//! Readers: one per input format, all yielding the same thing, a [`Workbook`] of sheets
//! whose cells are calamine [`Data`] with their absolute positions kept, so that every
//! later stage can name the exact source cell.
//!
//! Spreadsheets (.xlsx/.xlsm/.xls/.ods) go through calamine; merged cells are filled
//! from their top-left cell here, once, so later stages never see the holes. CSV is
//! decoded (UTF-8, UTF-8 with BOM, GBK/GB18030) and loaded into the same cell grid.

mod csv_reader;
mod ods_merge;

use calamine::{open_workbook_auto, Data, Range, Reader, Sheets};
use std::path::{Path, PathBuf};

pub use csv_reader::decode_text;

/// One sheet of an input file.
pub struct SheetData {
    pub name: String,
    pub cells: Range<Data>,
}

/// A whole input file, read into memory.
pub struct Workbook {
    pub path: PathBuf,
    pub sheets: Vec<SheetData>,
}

/// Why a file could not be read; the message is for users and names what to do.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("文件不存在，请检查路径")]
    NotFound,
    #[error("无法打开：{0}")]
    Io(String),
    #[error("不支持的文件类型“{0}”，请另存为 .xlsx、.xls、.ods 或 .csv")]
    Unsupported(String),
    #[error("文件有密码保护，请在 Excel/WPS 中取消密码后另存再导入")]
    Password,
    #[error("文件已损坏或不是真正的表格文件，请在 Excel/WPS 中打开后另存为 .xlsx 再导入")]
    Corrupt(String),
    #[error("文件中没有任何数据，请确认是否发错了文件")]
    Empty,
}

/// The extensions this tool reads.
pub const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "ods", "csv", "txt"];

pub fn is_supported(path: &Path) -> bool {
    ext_of(path).map(|e| EXTENSIONS.contains(&e.as_str())).unwrap_or(false)
}

fn ext_of(path: &Path) -> Option<String> {
    path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase())
}

/// Reads every sheet of `path`.
pub fn read_file(path: &Path) -> Result<Workbook, ReadError> {
    if !path.exists() {
        return Err(ReadError::NotFound);
    }
    let ext = ext_of(path).unwrap_or_default();
    let sheets = match ext.as_str() {
        "csv" | "txt" => {
            let bytes = std::fs::read(path).map_err(|e| ReadError::Io(e.to_string()))?;
            vec![SheetData { name: "csv".into(), cells: csv_reader::parse(&bytes) }]
        }
        "xlsx" | "xlsm" | "xls" | "ods" => read_spreadsheet(path)?,
        other => return Err(ReadError::Unsupported(other.to_string())),
    };
    if sheets.iter().all(|s| s.cells.is_empty()) {
        return Err(ReadError::Empty);
    }
    Ok(Workbook { path: path.to_path_buf(), sheets })
}

fn read_spreadsheet(path: &Path) -> Result<Vec<SheetData>, ReadError> {
    let mut wb = open_workbook_auto(path).map_err(classify)?;
    let names = wb.sheet_names();
    let ods_merges = match &wb {
        Sheets::Ods(_) => ods_merge::read(path),
        _ => Default::default(),
    };
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let mut cells = wb.worksheet_range(&name).map_err(classify)?;
        let merged = match &mut wb {
            Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            _ => Vec::new(),
        };
        for m in merged {
            fill_merged(&mut cells, m.start, m.end);
        }
        for (start, end) in ods_merges.get(&name).into_iter().flatten() {
            fill_merged(&mut cells, *start, *end);
        }
        out.push(SheetData { name, cells });
    }
    Ok(out)
}

/// Copies the top-left value of a merged area into its other cells.
fn fill_merged(cells: &mut Range<Data>, start: (u32, u32), end: (u32, u32)) {
    let Some(v) = cells.get_value(start).cloned() else { return };
    if matches!(v, Data::Empty) {
        return;
    }
    // Merges far outside the data (whole-row formatting) are clipped to the used range.
    let (Some(rs), Some(re)) = (cells.start(), cells.end()) else { return };
    let (r0, r1) = (start.0.max(rs.0), end.0.min(re.0));
    let (c0, c1) = (start.1.max(rs.1), end.1.min(re.1));
    for r in r0..=r1 {
        for c in c0..=c1 {
            if (r, c) != start {
                cells.set_value((r, c), v.clone());
            }
        }
    }
}

fn classify(e: calamine::Error) -> ReadError {
    use calamine::{Error as E, XlsError, XlsxError};
    match e {
        E::Io(io) => ReadError::Io(io.to_string()),
        E::Xls(XlsError::Password) | E::Xlsx(XlsxError::Password) => ReadError::Password,
        E::Xlsx(XlsxError::Io(io)) | E::Xls(XlsError::Io(io)) => ReadError::Io(io.to_string()),
        other => ReadError::Corrupt(short(&other.to_string())),
    }
}

fn short(s: &str) -> String {
    s.chars().take(80).collect()
}

/// A cell as text for messages and text answers: numbers without a spurious `.0`.
pub fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) => fmt_num(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "是".into() } else { "否".into() },
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::Error(e) => format!("#{e:?}"),
    }
}

pub fn fmt_num(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Excel column letters for a 0-based column index.
pub fn col_letter(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn letters() {
        assert_eq!(col_letter(0), "A");
        assert_eq!(col_letter(25), "Z");
        assert_eq!(col_letter(26), "AA");
        assert_eq!(col_letter(701), "ZZ");
        assert_eq!(col_letter(702), "AAA");
    }
}
