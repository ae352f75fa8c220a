//! Readers: one per input format, all yielding the same thing, a [`Workbook`] of sheets
//! whose cells are calamine [`Data`] with their absolute positions kept, so that every
//! later stage can name the exact source cell.
//!
//! Spreadsheets (.xlsx/.xlsm/.xls/.ods) go through calamine; merged cells are filled
//! from their top-left cell here, once, so later stages never see the holes. CSV is
//! decoded (UTF-8, UTF-8 with BOM, GBK/GB18030) and loaded into the same cell grid.

pub mod cells;
mod checks;
pub mod csv_reader;
pub mod header_rows;
mod merges;
mod ods_merge;
pub mod parquet;
pub mod platform;
mod xlsx;
mod xlsx_fast;

use calamine::{open_workbook_auto, Data, Range, Reader, Sheets};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use checks::{check_cfb, check_xlsx, grid_too_big};
pub use csv_reader::decode_text;
use merges::{fill_merged, xlsx_merges};
pub use xlsx::{read_file_observed, stream_xlsx, Chunk, Merges, Pending};

/// One sheet of an input file.
pub struct SheetData {
    pub name: String,
    pub cells: Range<Data>,
    /// Records the reader could not read as written (CSV only), each read line by line.
    pub malformed: Vec<csv_reader::Malformed>,
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
    #[error("无法打开：{}", crate::output::person_reading(.0))]
    Io(#[source] std::io::Error),
    #[error("不支持的文件类型“{0}”，请另存为 .xlsx、.xls、.ods、.csv 或 .parquet")]
    Unsupported(String),
    #[error("文件有密码保护，请在 Excel/WPS 中取消密码后另存再导入")]
    Password,
    #[error("文件已损坏或不是真正的表格文件，请在 Excel/WPS 中打开后另存为 .xlsx 再导入")]
    Corrupt(String),
    #[error("文件中没有任何数据，请确认是否发错了文件")]
    Empty,
    #[error("Parquet 文件已损坏或不完整，无法读取，请重新导出")]
    BadParquet(String),
    #[error("文件声明的大小异常（{0}），可能已损坏或被改动过，未导入；请在 Excel/WPS 中打开后另存为 .xlsx 再导入")]
    Oversized(String),
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

/// The extensions this tool reads.
pub const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "ods", "csv", "txt", "parquet"];

/// About how many rows a file holds, without reading it: a Parquet file's own count, a
/// CSV's size over the length of its first lines; 0 for workbooks (a sheet holds at most
/// 1,048,576 rows, and they are read whole).
pub fn estimated_rows(path: &Path) -> usize {
    match ext_of(path).as_deref() {
        Some("parquet") => parquet::count_rows(path).unwrap_or(0),
        Some("csv" | "txt") => {
            use std::io::Read;
            let Ok(f) = std::fs::File::open(path) else { return 0 };
            let size = f.metadata().map(|m| m.len()).unwrap_or(0);
            let mut head = Vec::new();
            if f.take(1 << 20).read_to_end(&mut head).is_err() || head.is_empty() {
                return 0;
            }
            let lines = head.iter().filter(|b| **b == b'\n').count().max(1);
            (size as f64 * lines as f64 / head.len() as f64) as usize
        }
        _ => 0,
    }
}

pub fn is_supported(path: &Path) -> bool {
    ext_of(path).map(|e| EXTENSIONS.contains(&e.as_str())).unwrap_or(false)
}

/// A file's extension, lower case.
pub fn ext_of(path: &Path) -> Option<String> {
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
            let bytes = std::fs::read(path).map_err(ReadError::Io)?;
            let (cells, malformed) = csv_reader::parse_checked(&bytes);
            vec![SheetData { name: "csv".into(), cells, malformed }]
        }
        "parquet" => vec![SheetData { name: parquet::SHEET.into(), cells: parquet::read_parquet(path)?, malformed: Vec::new() }],
        // Spreadsheets are read cell by cell into a sparse list first, so that a sheet whose
        // cells are spread absurdly far apart is refused instead of allocated.
        "xlsx" | "xlsm" | "xls" | "ods" => return read_file_observed(path, None),
        other => return Err(ReadError::Unsupported(other.to_string())),
    };
    if sheets.iter().all(|s| s.cells.is_empty()) {
        return Err(ReadError::Empty);
    }
    Ok(Workbook { path: path.to_path_buf(), sheets })
}

/// For tests and the fuzzer: `None` when the faster .xlsx reader leaves `path` to calamine;
/// otherwise whether what it reads is exactly what calamine reads (`Err` says how not).
#[doc(hidden)]
pub fn fast_xlsx_agrees(path: &Path) -> Option<Result<(), String>> {
    let fast = xlsx::read_fast(path)?;
    // Watched, the file is read by calamine.
    let slow = read_file_observed(path, Some(&mut |_, _| {}));
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

fn read_spreadsheet(path: &Path) -> Result<Vec<SheetData>, ReadError> {
    let mut wb = open_any(path)?;
    let names = wb.sheet_names();
    // Merged areas: calamine finds those of an .xlsx by scanning the whole sheet XML a
    // second time, so that scan runs on another thread while the cells are parsed here.
    let xlsx = matches!(wb, Sheets::Xlsx(_));
    let (ranges, mut merges) = std::thread::scope(|scope| {
        let merges = scope.spawn(|| -> Merges {
            if xlsx {
                xlsx_merges(path, &names)
            } else if matches!(ext_of(path).as_deref(), Some("ods")) {
                ods_merge::read(path)
            } else {
                HashMap::new()
            }
        });
        let mut ranges = Vec::with_capacity(names.len());
        for name in &names {
            match shielded(|| wb.worksheet_range(name)) {
                Ok(Ok(r)) => ranges.push((name.clone(), r)),
                Ok(Err(e)) => return (Err(classify(e)), HashMap::new()),
                Err(e) => return (Err(e), HashMap::new()),
            }
        }
        (Ok(ranges), merges.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    let ranges = ranges?;
    if let Sheets::Xls(x) = &wb {
        for name in &names {
            let dims = shielded(|| x.merge_cells_by_sheet_name(name)).ok().and_then(|r| r.ok()).unwrap_or_default();
            merges.insert(name.clone(), dims.into_iter().map(|d| (d.start, d.end)).collect());
        }
    }
    let mut out = Vec::with_capacity(ranges.len());
    for (name, mut cells) in ranges {
        for (start, end) in merges.get(&name).into_iter().flatten() {
            fill_merged(&mut cells, *start, *end);
        }
        out.push(SheetData { name, cells, malformed: Vec::new() });
    }
    Ok(out)
}

/// Opens a spreadsheet by what its bytes are, not its name: an .xlsx renamed .xls (or the
/// reverse), as mail systems and users do, is read as what it is.
fn open_any(path: &Path) -> Result<Sheets<std::io::BufReader<std::fs::File>>, ReadError> {
    use std::io::Read;
    let mut magic = [0u8; 4];
    let n = std::fs::File::open(path).and_then(|mut f| f.read(&mut magic)).unwrap_or(0);
    let ext = ext_of(path).unwrap_or_default();
    if n == 4 && magic == *b"PK\x03\x04" && ext != "ods" {
        check_xlsx(path)?;
    }
    if n == 4 && magic == *b"PK\x03\x04" && !matches!(ext.as_str(), "xlsx" | "xlsm" | "ods") {
        if let Ok(Ok(x)) = shielded(|| calamine::open_workbook::<calamine::Xlsx<_>, _>(path)) {
            return Ok(Sheets::Xlsx(x));
        }
        if let Ok(Ok(o)) = shielded(|| calamine::open_workbook::<calamine::Ods<_>, _>(path)) {
            return Ok(Sheets::Ods(o));
        }
    }
    if n == 4 && magic == [0xD0, 0xCF, 0x11, 0xE0] {
        check_cfb(path)?;
    }
    if n == 4 && magic == [0xD0, 0xCF, 0x11, 0xE0] && ext != "xls" {
        if let Ok(Ok(x)) = shielded(|| calamine::open_workbook::<calamine::Xls<_>, _>(path)) {
            return Ok(Sheets::Xls(x));
        }
    }
    shielded(|| open_workbook_auto(path))?.map_err(classify)
}

/// Runs one call into the spreadsheet parser (calamine). It asserts on some malformed
/// files: such a panic becomes a read error like any other damaged file. Only the
/// third-party parsing is wrapped, so that a panic in our own code stays what it is,
/// a defect of ours, and is reported as such (see main.rs), not blamed on the file.
fn shielded<T>(f: impl FnOnce() -> T) -> Result<T, ReadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| ReadError::Corrupt("读取时出错".into()))
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

    #[test]
    fn rows_are_estimated_without_reading_the_file() {
        let dir = tempfile::tempdir().unwrap();
        // 300,000 rows (a few MB): the estimate comes from the first megabyte.
        let p = dir.path().join("a.csv");
        let mut csv = String::from("序号,单位,1、您的身份\n");
        for i in 0..300_000 {
            csv += &format!("{i},区财政局,{}\n", ["党政干部", "事业单位人员"][i % 2]);
        }
        std::fs::write(&p, csv).unwrap();
        let n = estimated_rows(&p) as f64;
        assert!((n - 300_000.0).abs() < 15_000.0, "{n}");
        assert_eq!(estimated_rows(&dir.path().join("none.csv")), 0);
        assert_eq!(estimated_rows(Path::new("x.xlsx")), 0);
    }
}
