//! The response table being built: typed column builders aligned to the schema, and
//! the polars DataFrame they become (trace columns first, then the answers).

use polars::prelude::*;
use polars_arrow::array::{BooleanArray, PrimitiveArray};
use polars_arrow::bitmap::{Bitmap, MutableBitmap};
use polars_arrow::datatypes::ArrowDataType;
use std::hash::{Hash, Hasher};

use super::ledger::Issue;
use super::rows::Part;
use crate::survey::schema::{ColType, Schema, TRACE};

/// A typed value of one response-table cell.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) enum Val {
    #[default]
    Null,
    Str(String),
    F64(f64),
    I32(i32),
    Opt(u32),
}

impl Hash for Val {
    #[inline]
    fn hash<H: Hasher>(&self, h: &mut H) {
        match self {
            Val::Null => 0u8.hash(h),
            Val::Str(s) => s.hash(h),
            Val::F64(f) => f.to_bits().hash(h),
            Val::I32(i) => i.hash(h),
            Val::Opt(i) => i.hash(h),
        }
    }
}

/// The strings of one column in one buffer (a `String` per cell costs an allocation and
/// 24 bytes before its text; a million rows hold several such columns).
#[derive(Debug, Default, Clone)]
pub(super) struct Texts {
    buf: String,
    /// End of each value in `buf` (a missing value ends where the one before it ends).
    ends: Vec<usize>,
    present: Vec<bool>,
}

impl Texts {
    pub(super) fn with_capacity(n: usize) -> Texts {
        Texts { buf: String::new(), ends: Vec::with_capacity(n), present: Vec::with_capacity(n) }
    }
    pub(super) fn push(&mut self, v: Option<&str>) {
        self.buf.push_str(v.unwrap_or(""));
        self.ends.push(self.buf.len());
        self.present.push(v.is_some());
    }
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }
    pub(super) fn get(&self, i: usize) -> Option<&str> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.present[i].then(|| &self.buf[start..self.ends[i]])
    }
    pub(super) fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// Option index of a single-choice cell with no answer.
pub(super) const NO_OPTION: u32 = u32::MAX;

pub(super) enum ColData {
    Str(Texts),
    /// Option index per row, [`NO_OPTION`] when unanswered.
    Opt(Vec<u32>),
    F64(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    I32(Vec<Option<i32>>),
}

impl ColData {
    pub(super) fn new(ty: ColType, cap: usize) -> Self {
        match ty {
            ColType::Str => ColData::Str(Texts::with_capacity(cap)),
            ColType::Opt => ColData::Opt(Vec::with_capacity(cap)),
            ColType::F64 => ColData::F64(Vec::with_capacity(cap)),
            ColType::Bool => ColData::Bool(Vec::with_capacity(cap)),
            ColType::I32 => ColData::I32(Vec::with_capacity(cap)),
        }
    }
    #[inline]
    pub(super) fn push(&mut self, v: Val) {
        match (self, v) {
            (ColData::Str(c), Val::Str(s)) => c.push(Some(&s)),
            (ColData::Opt(c), Val::Opt(i)) => c.push(i),
            (ColData::Opt(c), _) => c.push(NO_OPTION),
            (ColData::F64(c), Val::F64(f)) => c.push(Some(f)),
            (ColData::I32(c), Val::I32(i)) => c.push(Some(i)),
            (ColData::Str(c), _) => c.push(None),
            (ColData::F64(c), _) => c.push(None),
            (ColData::Bool(c), _) => c.push(None),
            (ColData::I32(c), _) => c.push(None),
        }
    }
    /// A text column's value.
    pub(super) fn push_text(&mut self, t: Option<&str>) {
        if let ColData::Str(c) = self {
            c.push(t);
        }
    }
    /// A multi-select option's yes/no (`None`: the question is unanswered).
    #[inline]
    pub(super) fn push_flag(&mut self, f: Option<bool>) {
        if let ColData::Bool(c) = self {
            c.push(f);
        }
    }
    /// Whether any row holds a value.
    pub(super) fn any_value(&self) -> bool {
        match self {
            ColData::Str(v) => v.iter().any(|x| x.is_some()),
            ColData::Opt(v) => v.iter().any(|x| *x != NO_OPTION),
            ColData::F64(v) => v.iter().any(|x| x.is_some()),
            ColData::Bool(v) => v.iter().any(|x| x.is_some()),
            ColData::I32(v) => v.iter().any(|x| x.is_some()),
        }
    }
    fn take(&mut self) -> ColData {
        let empty = match self {
            ColData::Str(_) => ColData::Str(Texts::default()),
            ColData::Opt(_) => ColData::Opt(Vec::new()),
            ColData::F64(_) => ColData::F64(Vec::new()),
            ColData::Bool(_) => ColData::Bool(Vec::new()),
            ColData::I32(_) => ColData::I32(Vec::new()),
        };
        std::mem::replace(self, empty)
    }
}

/// The values of one column of every part, rows kept only, in one vector (a part whose
/// rows are all kept is copied whole).
fn kept<'a, T: Copy + 'a>(data: &'a [ColData], keeps: &[Vec<bool>], get: impl Fn(&'a ColData) -> &'a [T]) -> Vec<T> {
    let n = keeps.iter().map(|k| k.iter().filter(|x| **x).count()).sum();
    let mut out = Vec::with_capacity(n);
    for (d, k) in data.iter().zip(keeps) {
        let v = get(d);
        if k.iter().all(|x| *x) {
            out.extend_from_slice(v);
        } else {
            out.extend(v.iter().zip(k).filter(|(_, k)| **k).map(|(v, _)| *v));
        }
    }
    out
}

/// The validity bitmap of `n` values of which `valid` tells which are present; none when
/// every one is (polars then skips the null checks).
fn validity(n: usize, valid: impl Iterator<Item = bool>) -> Option<Bitmap> {
    let bits: MutableBitmap = valid.collect();
    (bits.unset_bits() > 0).then(|| {
        debug_assert_eq!(bits.len(), n);
        bits.into()
    })
}

/// One column of the response table from the same column of every part, rows kept only.
/// A single-choice column holds option indices (UInt32); [`crate::clean::readable`] turns
/// them into option texts for files people read. Option and yes/no columns (nearly every
/// column) are built as arrow arrays directly: collecting them one `Option` at a time took
/// a tenth of a large report's time.
fn column(name: &str, data: Vec<ColData>, keeps: &[Vec<bool>]) -> Column {
    let name: PlSmallStr = name.into();
    let Some(first) = data.first() else { return Column::new_empty(name, &DataType::String) };
    let fixed = || unreachable!("column types are fixed by the schema");
    match first {
        ColData::Str(_) => {
            let ca: StringChunked = data
                .iter()
                .zip(keeps)
                .flat_map(|(d, k)| {
                    let ColData::Str(t) = d else { fixed() };
                    t.iter().zip(k).filter(|(_, k)| **k).map(|(v, _)| v)
                })
                .collect();
            ca.with_name(name).into_column()
        }
        ColData::Opt(_) => {
            let v = kept(&data, keeps, |d| if let ColData::Opt(v) = d { v.as_slice() } else { fixed() });
            let valid = validity(v.len(), v.iter().map(|i| *i != NO_OPTION));
            let arr = PrimitiveArray::new(ArrowDataType::UInt32, v.into(), valid);
            UInt32Chunked::with_chunk(name, arr).into_column()
        }
        ColData::F64(_) => {
            let v = kept(&data, keeps, |d| if let ColData::F64(v) = d { v.as_slice() } else { fixed() });
            Float64Chunked::from_iter_options(name, v.into_iter()).into_column()
        }
        ColData::Bool(_) => {
            let v = kept(&data, keeps, |d| if let ColData::Bool(v) = d { v.as_slice() } else { fixed() });
            let values: MutableBitmap = v.iter().map(|b| *b == Some(true)).collect();
            let arr = BooleanArray::new(ArrowDataType::Boolean, values.into(), validity(v.len(), v.iter().map(Option::is_some)));
            BooleanChunked::with_chunk(name, arr).into_column()
        }
        ColData::I32(_) => {
            let v = kept(&data, keeps, |d| if let ColData::I32(v) = d { v.as_slice() } else { fixed() });
            Int32Chunked::from_iter_options(name, v.into_iter()).into_column()
        }
    }
}

/// The response table from the parts, column by column: the answer columns' data is
/// moved out of the parts first (not copied), so the parts and the table are not held
/// twice; a part's trace texts are held until the table is built.
pub(super) fn build_frame(schema: &Schema, mut parts: Vec<Part>, keeps: &[Vec<bool>], issues: &mut Vec<Issue>) -> DataFrame {
    let total: usize = keeps.iter().map(|k| k.iter().filter(|x| **x).count()).sum();
    // The answer columns are taken out of the parts; they and the trace columns are then
    // built in parallel, one column at a time.
    let mut data: Vec<Vec<ColData>> = (0..schema.cols.len()).map(|_| Vec::with_capacity(parts.len())).collect();
    for p in parts.iter_mut() {
        issues.append(&mut p.issues);
        for (j, c) in p.cols.iter_mut().enumerate() {
            data[j].push(c.take());
        }
    }
    use rayon::prelude::*;
    let parts = &parts;
    let (mut columns, answers): (Vec<Column>, Vec<Column>) = rayon::join(
        || (0..TRACE.len()).into_par_iter().with_max_len(1).map(|c| trace_column(parts, keeps, c)).collect(),
        || data.into_par_iter().zip(schema.cols.par_iter()).with_max_len(1).map(|(d, def)| column(&def.name, d, keeps)).collect(),
    );
    columns.extend(answers);
    DataFrame::new(total, columns).expect("columns have equal length")
}

/// Trace column `c` (wave, unit, respondent, submitted, file, sheet, row) of the rows kept.
fn trace_column(parts: &[Part], keeps: &[Vec<bool>], c: usize) -> Column {
    let rows = || parts.iter().zip(keeps).flat_map(|(p, k)| (0..p.len()).filter(move |&i| k[i]).map(move |i| (p, i)));
    let text = |f: &dyn Fn(&Part, usize) -> Option<&str>| -> Column {
        let ca: StringChunked = rows().map(|(p, i)| f(p, i)).collect();
        ca.with_name(TRACE[c].into()).into_column()
    };
    // A part's wave, file and sheet are the same on each of its rows: the text is stored
    // once per part, every row pointing at it (a file's path is copied once, not per row).
    let constant = |f: &dyn Fn(&Part) -> Option<&str>| -> Column {
        let mut arr = polars_arrow::array::MutableBinaryViewArray::<str>::with_capacity(keeps.iter().map(Vec::len).sum());
        for (p, k) in parts.iter().zip(keeps) {
            let n = k.iter().filter(|x| **x).count();
            // (`extend_constant` adds no views for a missing value: nulls are added apart.)
            match f(p) {
                Some(v) if n > 0 => arr.extend_constant(n, Some(v)),
                _ => arr.extend_null(n),
            }
        }
        StringChunked::with_chunk(TRACE[c].into(), arr.freeze()).into_column()
    };
    match c {
        0 => constant(&|p| p.wave.as_deref()),
        1 => text(&|p, i| p.unit.get(i)),
        2 => text(&|p, i| p.respondent.get(i)),
        3 => text(&|p, i| p.submitted.get(i)),
        4 => constant(&|p| Some(&*p.file)),
        5 => constant(&|p| Some(&*p.sheet)),
        _ => {
            let ca: Int32Chunked = rows().map(|(p, i)| Some(p.row[i] as i32)).collect();
            ca.with_name(TRACE[6].into()).into_column()
        }
    }
}
