//! Readers: one per input format, all yielding the same thing, a [`Workbook`] of sheets
//! whose cells are calamine [`Data`] with their absolute positions kept, so that every
//! later stage can name the exact source cell.
//!
//! Spreadsheets (.xlsx/.xlsm/.xls/.ods) go through calamine; merged cells are filled
//! from their top-left cell here, once, so later stages never see the holes. CSV is
//! decoded (UTF-8, UTF-8 with BOM, GBK/GB18030) and loaded into the same cell grid.

pub mod cells;
mod checks;
mod chunk;
pub mod csv_reader;
pub mod header_rows;
mod merges;
mod ods_merge;
pub mod parquet;
pub mod platform;
mod source;
mod xlsx;
mod xlsx_fast;

use calamine::{open_workbook_auto, Data, Range, Reader, Sheets};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use checks::{check_cfb, check_ods, grid_too_big};
pub use chunk::{Chunk, Merges, Pending};
pub use csv_reader::decode_text;
use merges::{fill_merged, xlsx_merges};
pub use source::{read_file, Format, Source, EXTENSIONS};
pub use xlsx::Observe;

/// One sheet of an input file.
pub struct SheetData {
    pub name: String,
    pub cells: Range<Data>,
    /// Records the reader could not read as written (CSV only), each read line by line.
    pub malformed: Vec<csv_reader::Malformed>,
    /// What the reader saw that the ledger should say (.xlsx read whole).
    pub notes: Vec<ReadNote>,
}

/// Something about a sheet's cells the reader saw and the ledger should say.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadNote {
    /// The sheet is hidden: read as any other.
    HiddenSheet,
    /// Rows hidden in the sheet (0-based): imported as any other.
    HiddenRows(Vec<u32>),
    /// A formula saved without its result (a file written by a program and never opened
    /// in Excel): the cell reads as blank.
    Uncached { row: u32, col: u32, formula: String },
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
    #[error("这不是普通文件（是设备、管道或文件夹），不能读取")]
    NotAFile,
    #[error("无法打开：{}", crate::error::reading(.0))]
    Io(#[source] std::io::Error),
    #[error("不支持的文件类型“{0}”，请另存为 .xlsx、.xls、.ods、.csv 或 .parquet")]
    Unsupported(String),
    #[error("文件有密码保护，请在 Excel/WPS 中取消密码后另存再导入")]
    Password,
    #[error("文件已损坏或不是真正的表格文件，请在 Excel/WPS 中打开后另存为 .xlsx 再导入")]
    /// The reader's own error (English, for developers) is the source.
    Corrupt(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("这个文件其实是网页（HTML/XML）格式，只是用了表格文件的名字；请在 Excel/WPS 中打开后另存为 .xlsx 再导入")]
    WebPage,
    #[error("文件中没有任何数据，请确认是否发错了文件")]
    Empty,
    #[error("Parquet 文件已损坏或不完整，无法读取，请重新导出")]
    BadParquet(#[source] polars::prelude::PolarsError),
    #[error("文件声明的大小异常（{0}），可能已损坏或被改动过，未导入；请在 Excel/WPS 中打开后另存为 .xlsx 再导入")]
    Oversized(String),
    /// Something written twice that a spreadsheet holds once (a row, a part of the
    /// package): which copy is right cannot be told, so the file is not guessed at.
    #[error("{0}，无法确定哪一份是对的（文件多半被其他程序改写过），未导入；请在 Excel/WPS 中打开后另存为 .xlsx 再导入")]
    Repeated(String),
}

/// A dense range of streamed cells, refused when they are spread absurdly far apart.
fn sparse_range(cells: Vec<calamine::Cell<Data>>, sheet: &str) -> Result<Range<Data>, ReadError> {
    if let (Some(first), Some(last)) = (cells.first(), cells.last()) {
        let (c0, c1) = cells.iter().fold((u32::MAX, 0), |(a, b), c| (a.min(c.get_position().1), b.max(c.get_position().1)));
        let rows = u64::from(last.get_position().0 - first.get_position().0) + 1;
        if grid_too_big(rows, u64::from(c1 - c0) + 1, cells.len() as u64) {
            return Err(ReadError::Oversized(format!("工作表“{sheet}”的单元格分散在 {rows} 行 × {} 列的范围内", c1 - c0 + 1)));
        }
    }
    Ok(Range::from_sparse(cells))
}

/// For tests and the fuzzer: `None` when the faster .xlsx reader leaves `path` to calamine;
/// otherwise whether what it reads is exactly what calamine reads (`Err` says how not).
#[doc(hidden)]
pub fn fast_xlsx_agrees(path: &Path) -> Option<Result<(), String>> {
    let fast = xlsx::read_fast(path, None)?;
    // Watched, the file is read by calamine.
    let slow = Source::sniff(path).and_then(|s| s.read_observed(Some(&mut |_, _| {})));
    Some(match (fast, slow) {
        (Ok(a), Ok(b)) => {
            let names = |w: &Workbook| w.sheets.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
            if names(&a) != names(&b) {
                Err(format!("sheets {:?} / calamine {:?}", names(&a), names(&b)))
            } else if let Some((x, y)) = a.sheets.iter().zip(&b.sheets).find(|(x, y)| x.cells != y.cells) {
                let cells = |r: &Range<Data>| {
                    r.cells().filter(|c| !matches!(c.2, Data::Empty)).map(|(r, c, d)| format!("{r},{c}={d:?}")).take(8).collect::<Vec<_>>()
                };
                Err(format!(
                    "sheet {}: {:?} {:?}\n/ calamine {:?} {:?}",
                    x.name,
                    x.cells.start(),
                    cells(&x.cells),
                    y.cells.start(),
                    cells(&y.cells)
                ))
            } else {
                Ok(())
            }
        }
        (Err(a), Err(b)) if a.to_string() == b.to_string() => Ok(()),
        (a, b) => Err(format!("{:?} / calamine {:?}", a.map(|_| "read"), b.map(|_| "read"))),
    })
}

/// Reads a whole .xls or .ods through calamine, merged areas filled.
fn read_spreadsheet(src: &Source) -> Result<Vec<SheetData>, ReadError> {
    let path = src.path.as_path();
    let mut wb = open(src)?;
    let names = wb.sheet_names();
    let mut ranges = Vec::with_capacity(names.len());
    for name in &names {
        ranges.push((name.clone(), shielded(|| wb.worksheet_range(name))?.map_err(classify)?));
    }
    let merges: Merges = match &wb {
        Sheets::Ods(_) => ods_merge::read(path),
        Sheets::Xlsx(_) => xlsx_merges(path, &names),
        Sheets::Xls(x) => names
            .iter()
            .map(|name| {
                let dims = shielded(|| x.merge_cells_by_sheet_name(name)).ok().and_then(|r| r.ok()).unwrap_or_default();
                (name.clone(), dims.into_iter().map(|d| (d.start, d.end)).collect())
            })
            .collect(),
        _ => HashMap::new(),
    };
    let mut out = Vec::with_capacity(ranges.len());
    for (name, mut cells) in ranges {
        for (start, end) in merges.get(&name).into_iter().flatten() {
            fill_merged(&mut cells, *start, *end);
        }
        out.push(SheetData { name, cells, malformed: Vec::new(), notes: Vec::new() });
    }
    Ok(out)
}

/// Opens an .xls or .ods for calamine as its content says ([`Source`]); when that fails,
/// as its name says, whose failure words the problem best (a password-protected .xlsx
/// is a compound file, like an .xls).
fn open(src: &Source) -> Result<Sheets<std::io::BufReader<std::fs::File>>, ReadError> {
    let path = src.path.as_path();
    match src.format {
        Format::Xls => {
            check_cfb(path)?;
            if let Ok(Ok(x)) = shielded(|| calamine::open_workbook::<calamine::Xls<_>, _>(path)) {
                return Ok(Sheets::Xls(x));
            }
        }
        Format::Ods => {
            check_ods(path)?;
            if let Ok(Ok(o)) = shielded(|| calamine::open_workbook::<calamine::Ods<_>, _>(path)) {
                return Ok(Sheets::Ods(o));
            }
        }
        _ => {}
    }
    shielded(|| open_workbook_auto(path))?.map_err(classify)
}

/// Runs one call into the spreadsheet parser (calamine). It asserts on some malformed
/// files: such a panic becomes a read error like any other damaged file. Only the
/// third-party parsing is wrapped, so that a panic in our own code stays what it is,
/// a defect of ours, and is reported as such (see main.rs), not blamed on the file.
fn shielded<T>(f: impl FnOnce() -> T) -> Result<T, ReadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| ReadError::Corrupt("the spreadsheet reader panicked".into()))
}

/// The next cell of a sheet being read, through [`shielded`].
fn next_cell<'a, RS: std::io::Read + std::io::Seek>(
    reader: &mut calamine::XlsxCellReader<'a, RS>,
) -> Result<Option<calamine::Cell<calamine::DataRef<'a>>>, ReadError> {
    shielded(|| reader.next_cell())?.map_err(|e| classify(e.into()))
}

fn classify(e: calamine::Error) -> ReadError {
    use calamine::{Error as E, XlsError, XlsxError};
    match e {
        E::Io(io) => ReadError::Io(io),
        E::Xls(XlsError::Password) | E::Xlsx(XlsxError::Password) => ReadError::Password,
        E::Xlsx(XlsxError::Io(io)) | E::Xls(XlsError::Io(io)) => ReadError::Io(io),
        other => ReadError::Corrupt(Box::new(other)),
    }
}

/// [`cell_text`], trimmed ([`crate::text::tidy`]), without a copy for a text cell.
pub fn cell_tidy(d: &Data) -> std::borrow::Cow<'_, str> {
    match d {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => std::borrow::Cow::Borrowed(crate::text::tidy_str(s)),
        other => std::borrow::Cow::Owned(crate::text::tidy(&cell_text(other))),
    }
}

/// A cell as text for messages and text answers: numbers without a spurious `.0`.
pub fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) => fmt_num(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => {
            if *b {
                "是".into()
            } else {
                "否".into()
            }
        }
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::Error(e) => format!("#{e:?}"),
    }
}

pub use crate::text::{col_letter, fmt_num};

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
