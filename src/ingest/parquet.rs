//! Parquet input: an export kept as Parquet (the same columns as the platform's export,
//! one row per response). Read in slices of rows, so that a file of any length is never
//! held whole; each slice becomes cells on the thread that parses it.

use calamine::{Data, Range};
use polars::prelude::*;
use std::path::Path;

use super::{Chunk, ReadError};

/// Rows per streamed chunk, as many as the other readers' chunks. A Parquet page holds
/// more rows, so a page is decompressed for each slice it spans: 16,384-row slices were
/// ~8 % faster on the 1M-row benchmark file but held 524 MB at the peak of an import
/// against 317–349 MB (a slice of strings decoded is several times its text).
pub const CHUNK_ROWS: usize = 4_096;

/// The sheet name Parquet cells are reported under.
pub const SHEET: &str = "parquet";

fn corrupt(e: PolarsError) -> ReadError {
    ReadError::BadParquet(e)
}

/// Rows of a Parquet file not yet turned into cells: the header (column names) goes
/// with the first slice.
pub struct Slice {
    frame: DataFrame,
    header: Option<Vec<String>>,
}

/// A column of a slice, typed once.
enum View {
    Int(Int64Chunked),
    Float(Float64Chunked),
    Bool(BooleanChunked),
    Text(StringChunked),
    Other(Column),
}

impl View {
    fn of(col: &Column) -> View {
        let dt = col.dtype();
        let cast = |t: &DataType| col.cast(t).ok().map(|c| c.as_materialized_series().rechunk());
        if dt.is_integer() {
            if let Some(c) = cast(&DataType::Int64) {
                return View::Int(c.i64().expect("cast to Int64").clone());
            }
        }
        if dt.is_float() {
            if let Some(c) = cast(&DataType::Float64) {
                return View::Float(c.f64().expect("cast to Float64").clone());
            }
        }
        if let Ok(b) = col.bool() {
            return View::Bool(b.rechunk().into_owned());
        }
        match cast(&DataType::String) {
            Some(c) => View::Text(c.str().expect("cast to String").clone()),
            None => View::Other(col.clone()),
        }
    }
}

impl Slice {
    /// Hands the rows over one at a time (see [`super::Pending::each_row`]); the header,
    /// when the slice has it, first.
    pub(super) fn each_row(self, first_row: u32, f: &mut dyn FnMut(u32, &[Data])) {
        let width = self.frame.width();
        let mut row = super::chunk::RowCells::new(width);
        let mut r = first_row;
        if let Some(h) = &self.header {
            for (c, name) in h.iter().enumerate() {
                row.text(c, name);
            }
            f(r, &row.cells);
            r += 1;
        }
        let views: Vec<View> = self.frame.columns().iter().map(View::of).collect();
        for i in 0..self.frame.height() {
            for (c, v) in views.iter().enumerate() {
                match v {
                    View::Int(ca) => match ca.get(i) {
                        Some(x) => row.set(c, Data::Int(x)),
                        None => row.clear(c),
                    },
                    View::Float(ca) => match ca.get(i) {
                        Some(x) => row.set(c, Data::Float(x)),
                        None => row.clear(c),
                    },
                    View::Bool(ca) => match ca.get(i) {
                        Some(x) => row.set(c, Data::Bool(x)),
                        None => row.clear(c),
                    },
                    View::Text(ca) => row.text(c, ca.get(i).unwrap_or("")),
                    View::Other(col) => match col.get(i) {
                        Ok(AnyValue::Null) | Err(_) => row.clear(c),
                        Ok(x) => row.text(c, &x.to_string()),
                    },
                }
            }
            f(r + i as u32, &row.cells);
        }
    }
}

fn reader(path: &Path) -> Result<ParquetReader<std::fs::File>, ReadError> {
    let f = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound,
        _ => ReadError::Io(e),
    })?;
    Ok(ParquetReader::new(f))
}

/// Whether a column of this type is read (as a number, a boolean or text); any other
/// (nested lists and structs, binary data, half floats, 256-bit decimals) is left out by
/// name while the rest of the file imports.
fn readable(dt: &ArrowDataType) -> bool {
    use ArrowDataType as A;
    match dt {
        A::Null | A::Boolean | A::Int8 | A::Int16 | A::Int32 | A::Int64 | A::UInt8 | A::UInt16 | A::UInt32 | A::UInt64 => true,
        A::Float32 | A::Float64 | A::Utf8 | A::LargeUtf8 | A::Utf8View => true,
        A::Timestamp(..) | A::Date32 | A::Date64 | A::Time32(_) | A::Time64(_) | A::Duration(_) => true,
        A::Decimal(p, _) | A::Decimal32(p, _) | A::Decimal64(p, _) => *p <= 38,
        A::Dictionary(_, values, _) => matches!(**values, A::Utf8 | A::LargeUtf8 | A::Utf8View),
        _ => false,
    }
}

/// A column type that is not read, as the ledger names it.
fn type_name(dt: &ArrowDataType) -> &'static str {
    use ArrowDataType as A;
    match dt {
        A::List(_) | A::LargeList(_) | A::FixedSizeList(..) => "列表类型",
        A::Struct(_) | A::Map(..) | A::Union(_) => "嵌套结构类型",
        A::Binary | A::LargeBinary | A::BinaryView | A::FixedSizeBinary(_) => "二进制类型",
        A::Float16 => "半精度小数类型",
        A::Decimal(..) | A::Decimal32(..) | A::Decimal64(..) | A::Decimal256(..) => "超过 38 位的高精度小数类型",
        A::Int128 | A::UInt128 => "128 位整数类型",
        _ => "不支持的数据类型",
    }
}

/// The columns of a Parquet file that are read, and those left out (`名称（类型）`).
pub fn columns(path: &Path) -> Result<(Vec<String>, Vec<String>), ReadError> {
    columns_of(&mut reader(path)?)
}

/// [`columns`] of an open reader (its footer is read once and kept).
fn columns_of(r: &mut ParquetReader<std::fs::File>) -> Result<(Vec<String>, Vec<String>), ReadError> {
    let schema = r.schema().map_err(corrupt)?;
    let (mut keep, mut out) = (Vec::new(), Vec::new());
    for (name, field) in schema.iter() {
        if readable(field.dtype()) {
            keep.push(name.to_string());
        } else {
            out.push(format!("{name}（{}）", type_name(field.dtype())));
        }
    }
    Ok((keep, out))
}

/// Streams a Parquet file in chunks of `chunk_rows` rows: grid row 0 is the header (the
/// column names), grid row r the file's row r − 1, as a CSV export would have them.
pub fn stream_parquet(path: &Path, chunk_rows: usize, mut sink: impl FnMut(Chunk)) -> Result<(), ReadError> {
    let mut first = reader(path)?;
    let (keep, left_out) = columns_of(&mut first)?;
    let n = first.num_rows().map_err(corrupt)?;
    let meta = first.get_metadata().map_err(corrupt)?.clone();
    let projection = (!left_out.is_empty()).then(|| keep.clone());
    let mut header = Some(keep);
    if header.as_ref().is_some_and(|h| h.is_empty()) {
        return Err(ReadError::Empty);
    }
    let mut start = 0usize;
    loop {
        let len = chunk_rows.max(1).min(n - start);
        let mut r = reader(path)?;
        r.set_metadata(meta.clone());
        let frame = r.with_columns(projection.clone()).with_slice(Some((start, len))).finish().map_err(corrupt)?;
        // Grid rows: the header is row 0, file row k is grid row k + 1.
        let first_row = if header.is_some() { 0 } else { start as u32 + 1 };
        let last_row = (start + len) as u32;
        let slice = Slice { frame, header: header.take() };
        sink(Chunk {
            sheet: SHEET.into(),
            first_row,
            last_row,
            cells: Range::empty(),
            pending: Some(super::Pending::Parquet(slice)),
            malformed: Vec::new(),
        });
        start += len;
        if start >= n {
            return Ok(());
        }
    }
}

/// The number of rows a Parquet file says it holds (from its footer; nothing is read).
pub fn count_rows(path: &Path) -> Option<usize> {
    reader(path).ok()?.num_rows().ok()
}

/// Reads a whole Parquet file as one sheet.
pub fn read_parquet(path: &Path) -> Result<Range<Data>, ReadError> {
    let mut chunks = Vec::new();
    stream_parquet(path, usize::MAX, |c| chunks.push(c))?;
    let mut c = chunks.pop().ok_or(ReadError::Empty)?;
    c.ready();
    Ok(c.cells)
}
