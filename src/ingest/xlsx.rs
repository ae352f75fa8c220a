//! Reading an .xlsx cell by cell: while the file is parsed, another stage sees the cells
//! (inference observes them; a large file is parsed in row chunks as they arrive).

use calamine::{Data, Range, Reader, Sheets};
use std::path::Path;

use super::checks::grid_too_big;
use super::merges::{fill_merged, xlsx_merges};
use super::{classify, ext_of, next_cell, open_any, read_file, read_spreadsheet, shielded, sparse_range, ReadError, SheetData, Workbook};
use std::collections::HashMap;

/// Sees the cells of each sheet (name, cells in row order) while a file is read.
pub type Observe<'a> = &'a mut dyn FnMut(&str, &[calamine::Cell<Data>]);

/// Reads a whole file like [`read_file`]; for an .xlsx, `observe` sees the cells as they
/// are parsed (sheet name, then a run of rows' non-empty cells in row order), on this
/// thread while another parses the rest, so that work on the cells (inference) overlaps
/// the reading. Other formats are read as usual and not observed.
pub fn read_file_observed(path: &Path, observe: Option<Observe<'_>>) -> Result<Workbook, ReadError> {
    if !matches!(ext_of(path).as_deref(), Some("xlsx" | "xlsm" | "xls" | "ods")) {
        return read_file(path);
    }
    if !path.exists() {
        return Err(ReadError::NotFound);
    }
    // Nobody watches: the plain .xlsx most files are is read by the faster reader, which
    // gives the same cells as calamine or leaves the file to it.
    if observe.is_none() && matches!(ext_of(path).as_deref(), Some("xlsx" | "xlsm")) {
        if let Some(wb) = read_fast(path) {
            return wb;
        }
    }
    let mut wb = match open_any(path)? {
        Sheets::Xlsx(x) => x,
        // .xls and .ods: calamine reads them whole.
        _ => {
            let sheets = read_spreadsheet(path)?;
            if sheets.iter().all(|s| s.cells.is_empty()) {
                return Err(ReadError::Empty);
            }
            return Ok(Workbook { path: path.to_path_buf(), sheets });
        }
    };
    let names = wb.sheet_names();
    const ROWS: u32 = 4096;
    // The non-empty cells of sheet `si`, handed over a run of rows at a time.
    fn read_cells(
        wb: &mut calamine::Xlsx<std::io::BufReader<std::fs::File>>,
        names: &[String],
        give: &mut dyn FnMut(usize, Vec<calamine::Cell<Data>>) -> bool,
    ) -> Result<(), ReadError> {
        for (si, name) in names.iter().enumerate() {
            let mut reader = shielded(|| wb.worksheet_cells_reader(name))?.map_err(|e| classify(e.into()))?;
            let mut buf: Vec<calamine::Cell<Data>> = Vec::new();
            let mut last = ROWS - 1;
            while let Some(cell) = next_cell(&mut reader)? {
                let (r, _) = cell.get_position();
                if r > last && !buf.is_empty() {
                    if !give(si, std::mem::take(&mut buf)) {
                        return Ok(());
                    }
                    last = r + ROWS - 1;
                }
                let v: Data = cell.get_value().clone().into();
                if !matches!(v, Data::Empty) {
                    buf.push(calamine::Cell::new(cell.get_position(), v));
                }
            }
            if !buf.is_empty() && !give(si, buf) {
                return Ok(());
            }
        }
        Ok(())
    }
    let names_ref = &names;
    let mut per_sheet: Vec<Vec<calamine::Cell<Data>>> = (0..names.len()).map(|_| Vec::new()).collect();
    let (read, merges) = match observe {
        // Nobody watches: everything on this thread (files are read many at a time).
        None => {
            let read = read_cells(&mut wb, names_ref, &mut |si, cells| {
                per_sheet[si].extend(cells);
                true
            });
            let merges = if read.is_ok() { xlsx_merges(path, names_ref) } else { Default::default() };
            (read, merges)
        }
        Some(observe) => {
            let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Vec<calamine::Cell<Data>>)>(8);
            std::thread::scope(|scope| {
                let merges = scope.spawn(|| xlsx_merges(path, names_ref));
                let reader = scope.spawn(move || read_cells(&mut wb, names_ref, &mut |si, cells| tx.send((si, cells)).is_ok()));
                for (si, cells) in rx {
                    observe(&names_ref[si], &cells);
                    per_sheet[si].extend(cells);
                }
                let read = reader.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                (read, merges.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            })
        }
    };
    read?;
    sheets_of(path, names, per_sheet, &merges)
}

/// Whether the faster reader is turned off (`DIAOYAN_XLSX=calamine`): every .xlsx is then
/// read by calamine alone.
fn calamine_only() -> bool {
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OFF.get_or_init(|| std::env::var("DIAOYAN_XLSX").is_ok_and(|v| v.trim().eq_ignore_ascii_case("calamine")))
}

/// The workbook as the faster reader ([`super::xlsx_fast`]) reads it; `None` when it
/// leaves the file to calamine (or is turned off by `DIAOYAN_XLSX=calamine`).
pub(super) fn read_fast(path: &Path) -> Option<Result<Workbook, ReadError>> {
    if calamine_only() {
        return None;
    }
    let sheets = super::xlsx_fast::read(path)?;
    let mut names = Vec::with_capacity(sheets.len());
    let mut per_sheet = Vec::with_capacity(sheets.len());
    let mut merges = Merges::new();
    for sheet in sheets {
        if !sheet.merges.is_empty() {
            merges.insert(sheet.name.clone(), sheet.merges);
        }
        names.push(sheet.name);
        per_sheet.push(sheet.cells);
    }
    Some(sheets_of(path, names, per_sheet, &merges))
}

/// The workbook of the cells read from each sheet, merged areas filled; a sheet whose cells
/// are spread absurdly far apart is refused.
fn sheets_of(
    path: &Path,
    names: Vec<String>,
    mut per_sheet: Vec<Vec<calamine::Cell<Data>>>,
    merges: &Merges,
) -> Result<Workbook, ReadError> {
    for (name, cells) in names.iter().zip(&per_sheet) {
        let (mut r0, mut r1, mut c0, mut c1) = (u32::MAX, 0u32, u32::MAX, 0u32);
        for c in cells {
            let (r, col) = c.get_position();
            (r0, r1, c0, c1) = (r0.min(r), r1.max(r), c0.min(col), c1.max(col));
        }
        if !cells.is_empty() && grid_too_big(u64::from(r1 - r0) + 1, u64::from(c1 - c0) + 1, cells.len() as u64) {
            return Err(ReadError::Oversized(format!(
                "工作表“{name}”的 {} 个单元格分散在 {} 行 × {} 列的范围内",
                cells.len(),
                u64::from(r1 - r0) + 1,
                u64::from(c1 - c0) + 1
            )));
        }
    }
    let mut sheets = Vec::with_capacity(names.len());
    for (name, cells) in names.into_iter().zip(per_sheet.iter_mut()) {
        let mut cells = if cells.is_empty() { Range::empty() } else { Range::from_sparse(std::mem::take(cells)) };
        for (start, end) in merges.get(&name).into_iter().flatten() {
            fill_merged(&mut cells, *start, *end);
        }
        sheets.push(SheetData { name, cells, malformed: Vec::new() });
    }
    if sheets.iter().all(|s| s.cells.is_empty()) {
        return Err(ReadError::Empty);
    }
    Ok(Workbook { path: path.to_path_buf(), sheets })
}

/// Rows `first_row..=last_row` (absolute, 0-based) of one sheet, streamed from a large
/// .xlsx; `cells` holds the non-empty cells of those rows at their absolute positions.
pub struct Chunk {
    pub sheet: String,
    pub first_row: u32,
    pub last_row: u32,
    /// Empty until [`Chunk::ready`] when `pending` holds records not yet split.
    pub cells: Range<Data>,
    pub pending: Option<Pending>,
    /// Records of a CSV read literally (a stray quote), among these rows.
    pub malformed: Vec<super::csv_reader::Malformed>,
}

/// Rows read but not yet made cells: that is done by the thread that parses the chunk,
/// so that the reading thread only reads.
pub enum Pending {
    /// CSV records, not yet split into fields.
    Csv(super::csv_reader::Lines),
    Parquet(super::parquet::Slice),
}

impl Pending {
    /// Hands the rows over one at a time, without building the chunk's grid: `f(row,
    /// cells)` with the absolute row (the chunk starting at `first_row`) and its cells by
    /// column. The cells are reused from row to row (no allocation per cell).
    pub fn each_row(self, first_row: u32, f: &mut dyn FnMut(u32, &[Data])) {
        match self {
            Pending::Csv(lines) => lines.each_row(first_row, f),
            Pending::Parquet(slice) => slice.each_row(first_row, f),
        }
    }
}

impl Pending {
    /// The rows as a grid whose first row is `first_row` (a sheet's first chunk, which the
    /// header search reads as a grid), made by [`Pending::each_row`].
    fn grid(self, first_row: u32) -> Range<Data> {
        let mut rows: Vec<Vec<Data>> = Vec::new();
        self.each_row(first_row, &mut |_, cells| rows.push(cells.to_vec()));
        let width = rows.first().map_or(0, |r| r.len());
        if rows.is_empty() || width == 0 {
            return Range::empty();
        }
        let mut range = Range::new((first_row, 0), (first_row + rows.len() as u32 - 1, width as u32 - 1));
        for (r, row) in rows.into_iter().enumerate() {
            for (c, d) in row.into_iter().enumerate().filter(|(_, d)| !matches!(d, Data::Empty)) {
                range.set_value((first_row + r as u32, c as u32), d);
            }
        }
        range
    }
}

/// One row's cells, reused from row to row: a text cell keeps its buffer.
pub(super) struct RowCells {
    pub(super) cells: Vec<Data>,
    pool: Vec<String>,
}

impl RowCells {
    pub(super) fn new(width: usize) -> RowCells {
        RowCells { cells: vec![Data::Empty; width], pool: Vec::new() }
    }
    pub(super) fn clear(&mut self, c: usize) {
        if let Data::String(mut s) = std::mem::replace(&mut self.cells[c], Data::Empty) {
            s.clear();
            self.pool.push(s);
        }
    }
    pub(super) fn clear_from(&mut self, c: usize) {
        for k in c..self.cells.len() {
            self.clear(k);
        }
    }
    /// Sets a text cell (empty text: an empty cell).
    pub(super) fn text(&mut self, c: usize, v: &str) {
        if v.is_empty() {
            return self.clear(c);
        }
        match &mut self.cells[c] {
            Data::String(s) => {
                s.clear();
                s.push_str(v);
            }
            other => {
                let mut s = self.pool.pop().unwrap_or_default();
                s.push_str(v);
                *other = Data::String(s);
            }
        }
    }
    pub(super) fn set(&mut self, c: usize, d: Data) {
        self.clear(c);
        self.cells[c] = d;
    }
}

impl Chunk {
    /// Makes the pending rows cells.
    pub fn ready(&mut self) {
        if let Some(p) = self.pending.take() {
            self.cells = p.grid(self.first_row);
        }
    }
}

/// Merged areas per sheet: ((row, col), (row, col)) inclusive, 0-based.
pub type Merges = HashMap<String, Vec<((u32, u32), (u32, u32))>>;

/// Streams the sheets of an .xlsx file in chunks of about `chunk_rows` rows, so that a
/// consumer can parse rows while later ones are still being read. Returns the merged
/// areas (found on another thread meanwhile): a consumer that finds merges below the
/// header must fall back to [`read_file`], which fills them.
pub fn stream_xlsx(path: &Path, chunk_rows: u32, mut sink: impl FnMut(Chunk)) -> Result<Merges, ReadError> {
    let mut wb = match open_any(path)? {
        Sheets::Xlsx(x) => x,
        _ => return Err(ReadError::Unsupported("xlsx".into())),
    };
    let names = wb.sheet_names();
    std::thread::scope(|scope| {
        let merges = scope.spawn(|| xlsx_merges(path, &names));
        for name in &names {
            let mut reader = shielded(|| wb.worksheet_cells_reader(name))?.map_err(|e| classify(e.into()))?;
            let mut first = 0u32;
            let mut last = chunk_rows.max(1) - 1;
            let mut buf: Vec<calamine::Cell<Data>> = Vec::new();
            let mut max_row: Option<u32> = None;
            while let Some(cell) = next_cell(&mut reader)? {
                let (r, _) = cell.get_position();
                if r > last {
                    let cells = sparse_range(std::mem::take(&mut buf), name)?;
                    sink(Chunk { sheet: name.clone(), first_row: first, last_row: last, cells, pending: None, malformed: Vec::new() });
                    first = last + 1;
                    last = (first + chunk_rows - 1).max(r);
                }
                let v: Data = cell.get_value().clone().into();
                if !matches!(v, Data::Empty) {
                    max_row = Some(max_row.map_or(r, |m| m.max(r)));
                    buf.push(calamine::Cell::new(cell.get_position(), v));
                }
            }
            if let Some(m) = max_row.filter(|m| *m >= first) {
                let cells = sparse_range(buf, name)?;
                sink(Chunk { sheet: name.clone(), first_row: first, last_row: m, cells, pending: None, malformed: Vec::new() });
            }
        }
        Ok(merges.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })
}
