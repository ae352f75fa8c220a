//! Validation and normalisation: turns the sheets of every input file into one response
//! table plus the issue ledger.
//!
//! Shape: each file is read and parsed on its own (in parallel, and a large sheet in
//! parallel row chunks) into a [`Part`] of column builders aligned to the [`Schema`];
//! duplicates are then found across all parts in input order, and the parts are
//! concatenated into a polars DataFrame. Every data row read is either kept or rejected
//! with a ledger entry: `rows_read == rows_kept + rows_rejected` always holds.

mod answers;
mod assemble;
pub mod cells;
mod files;
mod frame;
pub mod layout;
pub mod ledger;
mod memo;
mod rows;
mod sheet;
mod stream;

use polars::prelude::DataFrame;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

use crate::ingest;
use crate::survey::schema::Schema;
use crate::survey::Survey;
use cells::Options;
use ledger::{Action, Issue, Problem};
use rows::Part;
pub use stream::import_inferring;
use stream::STREAM_BYTES;

/// How the import is run.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Wave for every file; otherwise taken from the folder names.
    pub wave: Option<String>,
    /// .xlsx files at least this large are parsed while being read (same result).
    pub stream_bytes: u64,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { wave: None, stream_bytes: STREAM_BYTES }
    }
}

/// What happened to one input file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    /// `None` when read; the user-facing reason otherwise.
    pub error: Option<String>,
    pub rows_read: usize,
    pub sheets_used: Vec<String>,
    /// Headers that matched no question.
    pub unknown_columns: Vec<String>,
    /// The unit named by a returned template's metadata.
    pub template_unit: Option<String>,
    /// The wave its answers belong to (given, or from the folder names).
    pub wave: Option<String>,
    /// Where every column of the used sheets went.
    pub columns: Vec<ledger::ColumnMap>,
    /// Columns left out because another column fills the same target.
    pub conflicts: usize,
    /// An earlier input with the same content: this one was not read.
    pub duplicate_of: Option<PathBuf>,
}

/// Where a response came from: its wave, its unit and its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    pub wave: Option<String>,
    pub unit: String,
    pub file: String,
}

/// The responses one unit sent that were kept: how many, and from which files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitRows {
    pub rows: usize,
    pub files: Vec<String>,
}

/// The result of importing many files.
pub struct Import {
    /// The responses kept; each carries its wave, unit and file (the trace columns).
    pub frame: DataFrame,
    /// Responses read but not kept because they duplicate another (still returned by
    /// their unit, so `collect::status` counts them as returned, not as valid).
    pub duplicates: Vec<Provenance>,
    /// The responses kept per (wave, unit) (the wave is empty when files name none).
    pub kept_by_unit: std::collections::BTreeMap<(String, String), UnitRows>,
    pub issues: Vec<Issue>,
    pub files: Vec<FileReport>,
    pub rows_read: usize,
    pub rows_kept: usize,
    pub rows_rejected: usize,
    /// Blank rows between or after answers (not responses, not counted as read).
    pub blank_rows: usize,
}

impl FileReport {
    /// A file not read yet: no error, nothing found.
    fn new(path: &Path) -> FileReport {
        FileReport {
            path: path.to_path_buf(),
            error: None,
            rows_read: 0,
            sheets_used: vec![],
            unknown_columns: vec![],
            template_unit: None,
            wave: None,
            columns: vec![],
            conflicts: 0,
            duplicate_of: None,
        }
    }
}

impl Import {
    pub fn failed_files(&self) -> usize {
        self.files.iter().filter(|f| f.error.is_some()).count()
    }
    /// Whether nothing at all was imported: every file failed and no row was read (a file
    /// that broke off after some batches still gave those rows).
    pub fn nothing_imported(&self) -> bool {
        self.failed_files() == self.files.len() && self.rows_read == 0
    }
    /// Where every column of every file went, in input order.
    pub fn column_map(&self) -> Vec<ledger::ColumnMap> {
        self.files.iter().flat_map(|f| f.columns.iter().cloned()).collect()
    }
    /// Columns left out because two columns would fill the same target.
    pub fn conflicts(&self) -> usize {
        self.files.iter().map(|f| f.conflicts).sum()
    }
    /// Inputs not read because an earlier input has the same content.
    pub fn duplicate_files(&self) -> usize {
        self.files.iter().filter(|f| f.duplicate_of.is_some()).count()
    }
    /// Rows rejected because the same respondent was already imported from another file.
    pub fn duplicate_respondents(&self) -> usize {
        self.issues.iter().filter(|i| i.problem == Problem::DuplicateRespondent).count()
    }
}

/// The response table as people read it: each single-choice column (held as option
/// indices) becomes its option texts. For files written out; the figures use the codes.
pub fn readable(survey: &Survey, df: &DataFrame) -> DataFrame {
    use polars::prelude::*;
    let mut out = df.clone();
    for q in survey.questions.iter().filter(|q| q.kind == crate::survey::Kind::Single) {
        let Ok(ca) = df.column(&q.id).and_then(|c| c.u32().cloned()) else { continue };
        let texts: StringChunked = ca.iter().map(|v| v.and_then(|i| q.options.get(i as usize)).map(|o| o.text())).collect();
        out.replace(&q.id, texts.with_name(q.id.as_str().into()).into_column()).expect("same column, same length");
    }
    not_offered(survey, df, &mut out);
    out
}

/// A multi-select or ranking option a wave did not offer (survey.toml `history.<wave>.missing`)
/// is empty in that wave's rows, not "not chosen": another engine reading the file then
/// finds no share for it there, as the report gives none.
fn not_offered(survey: &Survey, df: &DataFrame, out: &mut DataFrame) {
    use polars::prelude::*;
    let Some(waves) = df.column(crate::survey::schema::WAVE).ok().and_then(|c| c.str().ok().cloned()) else { return };
    for q in survey.questions.iter().filter(|q| matches!(q.kind, crate::survey::Kind::Multi | crate::survey::Kind::Rank)) {
        for (wave, h) in &q.history {
            for m in &h.missing {
                let name = crate::survey::schema::part_column(&q.id, m);
                let Ok(col) = out.column(&name).map(|c| c.as_materialized_series().clone()) else { continue };
                let keep: BooleanChunked = waves.iter().map(|v| Some(v != Some(wave.as_str()))).collect();
                let none = Series::full_null(col.name().clone(), col.len(), col.dtype());
                if let Ok(masked) = col.zip_with(&keep, &none) {
                    let _ = out.replace(&name, masked.into_column());
                }
            }
        }
    }
}

/// Wave from the folder names: the nearest folder named like a year (`2025`, `2025年`).
pub fn wave_from_path(path: &Path) -> Option<String> {
    path.ancestors().skip(1).filter_map(|a| a.file_name()?.to_str()).find_map(|name| {
        let digits: String = name.chars().filter(|c| c.is_ascii_digit()).collect();
        (digits.len() == 4
            && (digits.starts_with("19") || digits.starts_with("20"))
            && name.chars().filter(|c| !c.is_ascii_digit()).count() <= 3)
            .then_some(digits)
    })
}

/// Imports every file into one response table and the ledger. Files are parsed in
/// parallel; results keep the input order. `progress` is called once per file done.
pub fn import(survey: &Survey, paths: &[PathBuf], opts: &ImportOptions, progress: &(dyn Fn(&Path) + Sync)) -> Import {
    import_preloaded(survey, paths, Vec::new(), opts, progress)
}

/// [`import`], with some of the files already read (by inference): those are parsed
/// from memory instead of being read again.
pub fn import_preloaded(
    survey: &Survey,
    paths: &[PathBuf],
    preloaded: Vec<ingest::Workbook>,
    opts: &ImportOptions,
    progress: &(dyn Fn(&Path) + Sync),
) -> Import {
    let preloaded: std::sync::Mutex<Vec<ingest::Workbook>> = std::sync::Mutex::new(preloaded);
    let take = |p: &Path| -> Option<ingest::Workbook> {
        let mut v = preloaded.lock().ok()?;
        let i = v.iter().position(|wb| wb.path == p)?;
        Some(v.swap_remove(i))
    };
    let schema = Schema::new(survey);
    let options: Vec<Options> = survey.questions.iter().map(Options::new).collect();
    let roles = layout::RoleCache::default();
    let same = files::identical_files(paths);
    let results: Vec<(Vec<Part>, FileReport, Vec<Issue>)> = paths
        .par_iter()
        // One file at a time: rayon otherwise hands a core long runs of files, and the
        // last run keeps one core busy while the other waits.
        .with_max_len(1)
        .enumerate()
        .map(|(k, p)| {
            // The same file twice (a copy, a link, a folder given twice) is read once.
            if let Some(first) = same[k] {
                let msg = format!("与 {} 内容完全相同（同一个文件或它的副本），未重复导入", crate::text::shown(&paths[first]));
                let report = FileReport { duplicate_of: Some(paths[first].clone()), ..FileReport::new(p) };
                progress(p);
                return (vec![], report, vec![Issue::for_file(p.display().to_string(), msg, Problem::DuplicateFile, Action::FileSkipped)]);
            }
            // A reader that panics on a malformed file is caught where it is called
            // (ingest); a panic here is our own defect and stops the run.
            let r = files::import_file(&files::Defs { survey, schema: &schema, options: &options, roles: &roles }, p, opts, take(p), None);
            progress(p);
            r
        })
        .collect();
    assemble::assemble(&schema, results)
}

/// Imports every file a batch of rows at a time, for data larger than memory holds:
/// `sink` gets the response table of each batch of about `batch_rows` rows (duplicates of
/// any earlier row already removed), in input order, and at least one (empty) table; the
/// import returned holds no table of its own (`frame` is empty), everything else as
/// [`import`]. Large CSV and Parquet files are read while batches are handed on; other
/// files are parsed whole (in parallel, a run of them at a time).
pub fn import_in_batches(
    survey: &Survey,
    paths: &[PathBuf],
    opts: &ImportOptions,
    batch_rows: usize,
    progress: &(dyn Fn(&Path) + Sync),
    sink: &mut dyn FnMut(DataFrame),
) -> Import {
    let schema = Schema::new(survey);
    let same = files::identical_files(paths);
    let batch_rows = batch_rows.max(1);
    let mut asm = assemble::Assembler::new(same.iter().filter(|s| s.is_none()).count() > 1);
    let mut pending: Vec<Part> = Vec::new();
    let mut batches = 0usize;
    // Parts waiting to make a batch; a full batch goes to the sink.
    let mut push = |asm: &mut assemble::Assembler, parts: Vec<Part>, last: bool| {
        pending.extend(parts);
        let rows: usize = pending.iter().map(|p| p.len()).sum();
        if rows >= batch_rows || (last && (rows > 0 || batches == 0)) {
            let frame = asm.batch(&schema, std::mem::take(&mut pending));
            batches += 1;
            sink(frame);
        }
    };
    // The files are read and parsed on a thread of their own while batches are assembled
    // (duplicates found, the table built) and handed to the sink on this one, in order; the
    // parsing may be up to two batches ahead (with one, the cores waited for each other).
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Parsed>(2);
        let schema = &schema;
        let same = &same;
        let reader = scope.spawn(move || parse_in_batches(survey, schema, paths, same, opts, batch_rows, progress, &tx));
        for msg in rx {
            match msg {
                Parsed::Parts(parts) => push(&mut asm, parts, false),
                Parsed::File(report, issues) => asm.file(*report, issues),
            }
        }
        reader.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
    });
    push(&mut asm, Vec::new(), true);
    let empty = asm.batch(&schema, Vec::new());
    asm.finish(empty)
}

/// What the parsing thread of [`import_in_batches`] hands on, in input order.
enum Parsed {
    Parts(Vec<Part>),
    /// A file done with (after its parts).
    File(Box<FileReport>, Vec<Issue>),
}

/// Reads and parses every file for [`import_in_batches`], sending parts as they pile up
/// (large CSV and Parquet files while they are read; a run of other files in parallel).
#[allow(clippy::too_many_arguments)]
fn parse_in_batches(
    survey: &Survey,
    schema: &Schema,
    paths: &[PathBuf],
    same: &[Option<usize>],
    opts: &ImportOptions,
    batch_rows: usize,
    progress: &(dyn Fn(&Path) + Sync),
    tx: &std::sync::mpsc::SyncSender<Parsed>,
) {
    let options: Vec<Options> = survey.questions.iter().map(Options::new).collect();
    let roles = layout::RoleCache::default();
    let defs = files::Defs { survey, schema, options: &options, roles: &roles };
    // A send fails only when the assembling thread has stopped (by a defect, resumed there).
    let send = |m: Parsed| {
        let _ = tx.send(m);
    };
    // Decided once per file (each is opened to tell its format).
    let batched: Vec<bool> = paths.par_iter().map(|p| files::in_batches(p, opts)).collect();
    let mut k = 0;
    while k < paths.len() {
        let p = &paths[k];
        if let Some(first) = same[k] {
            let msg = format!("与 {} 内容完全相同（同一个文件或它的副本），未重复导入", crate::text::shown(&paths[first]));
            send(Parsed::File(
                Box::new(FileReport { duplicate_of: Some(paths[first].clone()), ..FileReport::new(p) }),
                vec![Issue::for_file(p.display().to_string(), msg, Problem::DuplicateFile, Action::FileSkipped)],
            ));
            progress(p);
            k += 1;
        } else if batched[k] {
            let mut emit = |parts: Vec<Part>| send(Parsed::Parts(parts));
            let (parts, report, issues) = files::import_file(&defs, p, opts, None, Some((batch_rows, &mut emit)));
            send(Parsed::Parts(parts));
            send(Parsed::File(Box::new(report), issues));
            progress(p);
            k += 1;
        } else {
            // A run of other files, parsed in parallel (each is at most a sheet's worth).
            let end = (k..paths.len()).find(|&j| same[j].is_some() || batched[j]).unwrap_or(paths.len());
            let results: Vec<(Vec<Part>, FileReport, Vec<Issue>)> = paths[k..end]
                .par_iter()
                .with_max_len(1)
                .map(|p| {
                    let r = files::import_file(&defs, p, opts, None, None);
                    progress(p);
                    r
                })
                .collect();
            for (parts, report, issues) in results {
                send(Parsed::Parts(parts));
                send(Parsed::File(Box::new(report), issues));
            }
            k = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn waves_from_folders() {
        assert_eq!(wave_from_path(Path::new("surveys/2025/a.xlsx")).as_deref(), Some("2025"));
        assert_eq!(wave_from_path(Path::new("x/2026年/单位/a.xlsx")).as_deref(), Some("2026"));
        assert_eq!(wave_from_path(Path::new("data/wjx/a.xls")), None);
    }
}
