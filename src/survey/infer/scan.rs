//! Column scans: what a column's values say about its kind (choice, multi, rank, scale,
//! number, text), gathered while the file is being read so inference overlaps reading.

use calamine::{Data, Range};
use std::collections::HashMap;

use crate::ingest::cells::{blank, int_of};
use crate::ingest::Workbook;
use crate::survey::{Kind, OptionDef};
use crate::text::parse_points;
use super::drafts::drafts_of;
use super::options::*;

/// What one pass over a column's answers finds: the multi and rank separators, and the
/// options of a single choice (up to 30). This is the costly part of classifying a
/// column (each answer is a string somewhere in memory: a cache miss per answer), so it
/// is done once, and can be done while the file is still being read
/// ([`ColumnScans`]).
pub struct ColumnScan {
    multi: bool,
    rank: bool,
    single: Collector,
    /// Non-blank answers.
    n: usize,
    /// Every answer `N分`: the lowest and highest N, and whether one was fractional.
    points: Option<(f64, f64, bool)>,
    all_points: bool,
    /// Every answer a whole number: the largest.
    max_int: Option<i64>,
    all_int: bool,
    /// Every answer a number (ASCII).
    all_number: bool,
}

impl Default for ColumnScan {
    fn default() -> Self {
        ColumnScan { multi: false, rank: false, single: Collector::new(30), n: 0, points: None, all_points: true, max_int: None, all_int: true, all_number: true }
    }
}

impl ColumnScan {
    /// Adds one non-blank answer.
    pub fn add(&mut self, d: &Data) {
        let t = text_of(d);
        // `┋` (E2 94 8B) and `→` (E2 86 92) both start with the byte E2, which Chinese
        // text (E4–E9) rarely holds, so a SIMD search for it settles nearly every answer.
        let b = t.as_bytes();
        let mut from = 0;
        while let Some(i) = memchr::memchr(0xE2, &b[from..]) {
            match b.get(from + i + 1..from + i + 3) {
                Some([0x94, 0x8B]) => self.multi = true,
                Some([0x86, 0x92]) => self.rank = true,
                _ => {}
            }
            from += i + 1;
        }
        self.single.add(&t, None);
        self.n += 1;
        if self.all_points {
            match Some(t.trim()).filter(|x| x.ends_with('分')).and_then(parse_points) {
                Some(p) => {
                    let (lo, hi, frac) = self.points.unwrap_or((p, p, false));
                    self.points = Some((lo.min(p), hi.max(p), frac || p.fract() != 0.0));
                }
                None => self.all_points = false,
            }
        }
        if self.all_int {
            match int_of(d) {
                Some(k) => self.max_int = Some(self.max_int.map_or(k, |m| m.max(k))),
                None => self.all_int = false,
            }
        }
        if self.all_number {
            self.all_number = crate::ingest::cells::number(d).is_ok() && !matches!(d, Data::String(s) if !s.is_ascii());
        }
    }

    /// Whether the answers themselves are still needed (to collect a multi-select's or a
    /// ranking's options); the other kinds are decided from the scan alone.
    pub(super) fn needs_values(&self) -> bool {
        self.multi || self.rank
    }
}

/// Kind and options of a whole-cell column from its values alone.
pub(super) fn classify(values: &[(u32, &Data)], coded: bool) -> (Kind, Vec<OptionDef>) {
    let mut scan = ColumnScan::default();
    for (_, d) in values {
        scan.add(d);
    }
    classify_scanned(values, coded, scan)
}

/// [`classify`] with the pass over the answers already done; `values` are needed only
/// when the scan found a multi or rank separator.
pub(super) fn classify_scanned(values: &[(u32, &Data)], coded: bool, scan: ColumnScan) -> (Kind, Vec<OptionDef>) {
    let texts = || values.iter().map(|(_, d)| text_of(d));
    if scan.multi {
        return (Kind::Multi, collect_options(texts(), Some('┋')));
    }
    if scan.rank {
        return (Kind::Rank, collect_options(texts(), Some('→')));
    }
    if scan.n == 0 {
        return (Kind::Text, vec![]);
    }
    if let (true, Some((lo, hi, false))) = (scan.all_points, scan.points) {
        if let Some(opts) = scale_options([lo, hi].into_iter(), None) {
            return (Kind::Scale, opts);
        }
    }
    if scan.all_int {
        let max = scan.max_int.unwrap_or(0);
        if coded && (1..=60).contains(&max) {
            return (Kind::Single, (1..=max).map(|k| OptionDef::Plain(format!("选项{k}"))).collect());
        }
        return (Kind::Number, vec![]);
    }
    if scan.all_number {
        return (Kind::Number, vec![]);
    }
    // More than 30 distinct answers is a text question.
    let Some(opts) = scan.single.finish() else { return (Kind::Text, vec![]) };
    let distinct = opts.len();
    if distinct <= 30 && (distinct * 2 <= scan.n || distinct <= 3) {
        return (Kind::Single, opts);
    }
    (Kind::Text, vec![])
}

/// Whether answers already read as an open question would still be inferred as one over
/// all of them ([`classify`]'s own rule: no separator, not numbers, more than a few
/// distinct answers for their number).
pub fn still_text<'a>(answers: impl Iterator<Item = &'a str>) -> bool {
    let mut scan = ColumnScan::default();
    for a in answers {
        scan.add(&Data::String(a.to_owned()));
    }
    classify_scanned(&[], false, scan).0 == Kind::Text
}

/// Column scans made while a file is read ([`crate::ingest::read_xlsx_observed`]): the
/// header is found in the first rows, then every answer of every whole-cell column is
/// scanned as it arrives, on another thread than the one parsing the file.
#[derive(Default)]
pub struct ColumnScans {
    /// The sheet scanned (the first with cells), its header row and whole-cell columns.
    target: Option<(String, u32, HashMap<u32, ColumnScan>)>,
}

/// Reads a file for inference, scanning its answers while it is being read.
pub fn read_for_inference(path: &std::path::Path) -> Result<(Workbook, ColumnScans), crate::ingest::ReadError> {
    let mut scans = ColumnScans::default();
    let wb = crate::ingest::read_file_observed(path, Some(&mut |sheet, cells| scans.observe(sheet, cells)))?;
    Ok((wb, scans))
}

impl ColumnScans {
    /// Takes the next cells (row-major, absolute positions) of sheet `sheet`.
    pub fn observe(&mut self, sheet: &str, cells: &[calamine::Cell<Data>]) {
        if cells.is_empty() {
            return;
        }
        if self.target.is_none() {
            // The first cells seen hold the header (it is among the first rows).
            let range = Range::from_sparse(cells.to_vec());
            let wb = Workbook { path: std::path::PathBuf::new(), sheets: vec![crate::ingest::SheetData { name: sheet.to_string(), cells: range, malformed: vec![] }] };
            let Some(f) = drafts_of(&wb) else { return };
            let cols: HashMap<u32, ColumnScan> = f.drafts.iter().filter_map(|d| d.whole).map(|c| (c, ColumnScan::default())).collect();
            let hr = f.header_row;
            self.target = Some((sheet.to_string(), hr, cols));
        }
        let Some((name, hr, cols)) = self.target.as_mut() else { return };
        if name != sheet {
            return;
        }
        for c in cells {
            let (r, col) = c.get_position();
            if r <= *hr {
                continue;
            }
            if let Some(scan) = cols.get_mut(&col) {
                let d = c.get_value();
                if blank(d).is_none() {
                    scan.add(d);
                }
            }
        }
    }

    pub(super) fn take(&mut self, sheet: &str, header_row: u32, col: u32) -> Option<ColumnScan> {
        match self.target.as_mut() {
            Some((name, hr, cols)) if name == sheet && *hr == header_row => cols.remove(&col),
            _ => None,
        }
    }
}

