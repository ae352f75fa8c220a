//! Reading an .xlsx cell by cell: while the file is parsed, another stage sees the cells
//! (inference observes them; a large file is parsed in row chunks as they arrive).

use calamine::{Data, Range, Reader};
use std::path::Path;

use super::checks::{check_xlsx, grid_too_big};
use super::chunk::{Chunk, Merges};
use super::merges::{fill_merged, xlsx_merges};
use super::source::Source;
use super::{classify, next_cell, shielded, sparse_range, ReadError, SheetData, Workbook};

/// Sees the cells of each sheet (name, cells in row order) while a file is read.
pub type Observe<'a> = &'a mut dyn FnMut(&str, &[calamine::Cell<Data>]);

type XlsxFile = calamine::Xlsx<std::io::BufReader<std::fs::File>>;

/// Opens an .xlsx for calamine, its declared sizes checked first ([`check_xlsx`]).
pub(super) fn open_xlsx(path: &Path) -> Result<XlsxFile, ReadError> {
    check_xlsx(path)?;
    match shielded(|| calamine::open_workbook::<calamine::Xlsx<_>, _>(path))? {
        Ok(x) => Ok(x),
        Err(e) => Err(classify(e.into())),
    }
}

/// Reads a whole .xlsx. Nobody watching, the faster reader reads it (it gives the same
/// cells as calamine or leaves the file to calamine). With `observe`, calamine reads the
/// cells on another thread and `observe` sees them on this one as they are parsed (sheet
/// name, then a run of rows' non-empty cells in row order), so that work on the cells
/// (inference) overlaps the reading.
pub(super) fn read(src: &Source, mut observe: Option<Observe<'_>>) -> Result<Workbook, ReadError> {
    let path = src.path.as_path();
    // The faster reader when nobody watches, or for a file small enough that there is
    // nothing to overlap (a watcher then sees each sheet's cells at once): it also tells
    // hidden rows and formulas without a saved result.
    if observe.is_none() || src.bytes <= FAST_WATCHED_BYTES {
        if let Some(wb) = read_fast(path, observe.as_mut().map(|o| &mut **o as Observe<'_>)) {
            return wb;
        }
    }
    let mut wb = open_xlsx(path)?;
    let names = wb.sheet_names();
    let notes: Vec<Vec<super::ReadNote>> = hidden_notes(&wb, &names);
    const ROWS: u32 = 4096;
    let names_ref = &names;
    let mut per_sheet: Vec<Vec<calamine::Cell<Data>>> = (0..names.len()).map(|_| Vec::new()).collect();
    let (read, merges) = match observe {
        // Nobody watches: everything on this thread (files are read many at a time).
        None => {
            let read = cell_runs(&mut wb, names_ref, ROWS, &mut |si, _, cells| {
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
                let reader = scope.spawn(move || cell_runs(&mut wb, names_ref, ROWS, &mut |si, _, cells| tx.send((si, cells)).is_ok()));
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
    sheets_of(path, names, per_sheet, &merges, notes)
}

/// A `HiddenSheet` note for each sheet calamine's workbook says is hidden.
fn hidden_notes(wb: &XlsxFile, names: &[String]) -> Vec<Vec<super::ReadNote>> {
    let meta = wb.sheets_metadata();
    names
        .iter()
        .map(|n| {
            let hidden = meta.iter().any(|m| m.name == *n && m.visible != calamine::SheetVisible::Visible);
            if hidden {
                vec![super::ReadNote::HiddenSheet]
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// Hands over the non-empty cells of every sheet a run of about `rows` rows at a time:
/// `give(sheet index, (first row, last row) of the run, cells)`, which returns whether to
/// go on. A run's rows are contiguous and cover every row read (empty rows too), so that
/// runs can be parsed as chunks.
fn cell_runs(
    wb: &mut XlsxFile,
    names: &[String],
    rows: u32,
    give: &mut dyn FnMut(usize, (u32, u32), Vec<calamine::Cell<Data>>) -> bool,
) -> Result<(), ReadError> {
    for (si, name) in names.iter().enumerate() {
        let mut reader = shielded(|| wb.worksheet_cells_reader(name))?.map_err(|e| classify(e.into()))?;
        let (mut first, mut last) = (0u32, rows.max(1) - 1);
        let mut buf: Vec<calamine::Cell<Data>> = Vec::new();
        let mut max_row: Option<u32> = None;
        let mut prev: Option<(u32, u32)> = None;
        while let Some(cell) = next_cell(&mut reader)? {
            let (r, c) = cell.get_position();
            // Cells come in order; one at or before the last (a row written twice) would
            // silently replace the first.
            if prev.is_some_and(|p| (r, c) <= p) {
                return Err(ReadError::Repeated(format!("工作表“{name}”的第 {} 行在文件中出现了不止一次（或顺序错乱）", r + 1)));
            }
            prev = Some((r, c));
            if r > last {
                if !give(si, (first, last), std::mem::take(&mut buf)) {
                    return Ok(());
                }
                first = last + 1;
                last = (first + rows - 1).max(r);
            }
            let v: Data = cell.get_value().clone().into();
            if !matches!(v, Data::Empty) {
                max_row = Some(max_row.map_or(r, |m| m.max(r)));
                buf.push(calamine::Cell::new(cell.get_position(), v));
            }
        }
        if let Some(m) = max_row.filter(|m| *m >= first) {
            if !give(si, (first, m), buf) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Files up to this size are read by the faster reader even while inference watches the
/// cells (as large as a file read whole, [`crate::clean`]'s streaming threshold).
const FAST_WATCHED_BYTES: u64 = 2_000_000;

/// Whether the faster reader is turned off (`DIAOYAN_XLSX=calamine`): every .xlsx is then
/// read by calamine alone.
fn calamine_only() -> bool {
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OFF.get_or_init(|| std::env::var("DIAOYAN_XLSX").is_ok_and(|v| v.trim().eq_ignore_ascii_case("calamine")))
}

/// The workbook as the faster reader ([`super::xlsx_fast`]) reads it; `None` when it
/// leaves the file to calamine (or is turned off by `DIAOYAN_XLSX=calamine`).
pub(super) fn read_fast(path: &Path, observe: Option<Observe<'_>>) -> Option<Result<Workbook, ReadError>> {
    if calamine_only() {
        return None;
    }
    let sheets = super::xlsx_fast::read(path)?;
    let mut names = Vec::with_capacity(sheets.len());
    let mut per_sheet = Vec::with_capacity(sheets.len());
    let mut notes = Vec::with_capacity(sheets.len());
    let mut merges = Merges::new();
    let mut observe = observe;
    for sheet in sheets {
        if let Some(o) = observe.as_mut() {
            o(&sheet.name, &sheet.cells);
        }
        if !sheet.merges.is_empty() {
            merges.insert(sheet.name.clone(), sheet.merges);
        }
        names.push(sheet.name);
        per_sheet.push(sheet.cells);
        notes.push(sheet.notes);
    }
    Some(sheets_of(path, names, per_sheet, &merges, notes))
}

/// The workbook of the cells read from each sheet, merged areas filled; a sheet whose cells
/// are spread absurdly far apart is refused.
fn sheets_of(
    path: &Path,
    names: Vec<String>,
    mut per_sheet: Vec<Vec<calamine::Cell<Data>>>,
    merges: &Merges,
    mut notes: Vec<Vec<super::ReadNote>>,
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
    notes.resize_with(names.len(), Vec::new);
    for ((name, cells), notes) in names.into_iter().zip(per_sheet.iter_mut()).zip(notes) {
        let mut cells = if cells.is_empty() { Range::empty() } else { Range::from_sparse(std::mem::take(cells)) };
        for (start, end) in merges.get(&name).into_iter().flatten() {
            fill_merged(&mut cells, *start, *end);
        }
        sheets.push(SheetData { name, cells, malformed: Vec::new(), notes });
    }
    if sheets.iter().all(|s| s.cells.is_empty()) {
        return Err(ReadError::Empty);
    }
    Ok(Workbook { path: path.to_path_buf(), sheets })
}

/// Streams the sheets of an .xlsx file in chunks of about `chunk_rows` rows, so that a
/// consumer can parse rows while later ones are still being read. Returns the merged
/// areas (found on another thread meanwhile): a consumer that finds merges below the
/// header must fall back to reading the file whole, which fills them.
pub(super) fn stream(src: &Source, chunk_rows: u32, mut sink: impl FnMut(Chunk)) -> Result<Merges, ReadError> {
    let path = src.path.as_path();
    let mut wb = open_xlsx(path)?;
    let names = wb.sheet_names();
    std::thread::scope(|scope| {
        let merges = scope.spawn(|| xlsx_merges(path, &names));
        let mut failed = None;
        cell_runs(&mut wb, &names, chunk_rows, &mut |si, (first_row, last_row), cells| match sparse_range(cells, &names[si]) {
            Ok(cells) => {
                sink(Chunk { sheet: names[si].clone(), first_row, last_row, cells, pending: None, malformed: Vec::new() });
                true
            }
            Err(e) => {
                failed = Some(e);
                false
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        Ok(merges.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })
}
