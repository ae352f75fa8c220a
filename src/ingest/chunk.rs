//! The streaming chunk model every reader hands rows over in: a [`Chunk`] of rows of one
//! sheet, either as cells (.xlsx) or [`Pending`] records not yet split (CSV, Parquet),
//! which the thread that parses the chunk turns into cells; [`RowCells`], one row's cells
//! reused from row to row; and the merged areas ([`Merges`]) found beside them.

use calamine::{Data, Range};
use std::collections::HashMap;

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
pub type Merges = HashMap<String, Vec<Area>>;

/// A merged area: its top-left and bottom-right cells, (row, col), inclusive, 0-based.
pub type Area = ((u32, u32), (u32, u32));
