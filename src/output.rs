//! Writing files: the response table as CSV (UTF-8 with BOM so Excel opens it with the
//! right encoding) or Parquet, small CSVs, and the run manifest. Every file goes through
//! [`write_atomic`]: written to a temporary name in the same folder and renamed, so a
//! crash never leaves a half-written file behind. This module sits at the bottom: it
//! knows files, not questionnaires.

use polars::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The system's error is kept as the source and worded from its kind.
    #[error("无法写入 {}：{}", path.display(), crate::error::writing(source))]
    Io { path: PathBuf, source: std::io::Error },
    #[error("无法写入 {}：这个位置已有的不是普通文件（文件夹、设备或管道），不能写在这里", .0.display())]
    NotAFile(PathBuf),
    #[error("输出文件名 {} 的扩展名应为 .csv 或 .parquet", .0.display())]
    BadExtension(PathBuf),
    #[error("无法写入 {}：表格超出了 Excel 的行数或列数上限（某道题的选项或某个分组变量的组太多），请减少分组或选项后再试；results.csv 中有全部数字", .0.display())]
    ExcelLimit(PathBuf),
}

fn io_err(path: &Path, e: std::io::Error) -> WriteError {
    WriteError::Io { path: path.to_path_buf(), source: e }
}

/// A library's error while it writes into our file, as an I/O error: the system's own
/// error when the library carries one (so that the message is worded from its kind),
/// otherwise the library's error as the cause.
pub fn other(e: impl std::error::Error + Send + Sync + 'static) -> std::io::Error {
    let b: Box<dyn std::error::Error + Send + Sync> = Box::new(e);
    let b = match b.downcast::<std::io::Error>() {
        Ok(io) => return *io,
        Err(b) => b,
    };
    let b = match b.downcast::<csv::Error>() {
        Ok(c) => match c.into_kind() {
            csv::ErrorKind::Io(io) => return io,
            kind => return std::io::Error::other(format!("{kind:?}")),
        },
        Err(b) => b,
    };
    let b = match b.downcast::<PolarsError>() {
        Ok(p) => match *p {
            PolarsError::IO { error, .. } => {
                return std::sync::Arc::try_unwrap(error).unwrap_or_else(|a| std::io::Error::new(a.kind(), a.to_string()))
            }
            p => Box::new(p) as Box<dyn std::error::Error + Send + Sync>,
        },
        Err(b) => b,
    };
    // A cause further down that is the system's: its kind words the message.
    let mut cur = b.source();
    while let Some(c) = cur {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return std::io::Error::new(io.kind(), b.to_string());
        }
        cur = c.source();
    }
    std::io::Error::other(b)
}

/// Writes through a temporary file that is renamed onto `path` when complete.
pub fn write_atomic(path: &Path, f: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>) -> Result<(), WriteError> {
    write_atomic_path(path, |tmp| {
        let mut w = std::io::BufWriter::new(std::fs::File::create(tmp)?);
        f(&mut w)?;
        w.flush()
    })
}

/// The one way every output file is written: `f` writes a temporary file in the same
/// folder (its name ends in the same extension, for libraries that choose the format by
/// it), which is renamed onto `path` when `f` succeeds and removed whatever happens.
/// The temporary name is unique per process, as several reports may write into one
/// folder at once.
pub fn write_atomic_path(path: &Path, f: impl FnOnce(&Path) -> std::io::Result<()>) -> Result<(), WriteError> {
    // Renaming onto a device, a pipe or a folder would replace it: never.
    if let Ok(m) = std::fs::symlink_metadata(path) {
        if !m.is_file() {
            return Err(WriteError::NotAFile(path.to_path_buf()));
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_err(path, e))?;
    }
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let ext = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    let tmp: PathBuf = path.with_file_name(format!(".{name}.tmp{}{ext}", std::process::id()));
    if let Err(e) = f(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(path, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_err(path, e)
    })
}

/// A text cell made safe for spreadsheets (OWASP, CSV injection): a cell starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula by Excel or
/// WPS, so it gets a leading `'`. Numbers (`-2`, `+3.5`) stay numbers. Control characters
/// are made spaces first ([`crate::text::printable`]).
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    let s = crate::text::printable(s);
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !s.trim().parse::<f64>().is_ok_and(|v| v.is_finite()) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        s
    }
}

/// One column, downcast once, so that rows can be formatted without per-cell dispatch.
enum Typed<'a> {
    Str(&'a StringChunked),
    Bool(&'a BooleanChunked),
    F64(&'a Float64Chunked),
    I32(&'a Int32Chunked),
    Other(&'a Column),
}

impl Typed<'_> {
    fn write(&self, i: usize, out: &mut String) {
        use std::fmt::Write as _;
        match self {
            Typed::Str(c) => out.push_str(&neutralise(c.get(i).unwrap_or(""))),
            Typed::Bool(c) => out.push_str(match c.get(i) {
                Some(true) => "1",
                Some(false) => "0",
                None => "",
            }),
            Typed::F64(c) => {
                if let Some(f) = c.get(i) {
                    out.push_str(&crate::text::fmt_num(f));
                }
            }
            Typed::I32(c) => {
                if let Some(v) = c.get(i) {
                    let _ = write!(out, "{v}");
                }
            }
            Typed::Other(c) => match c.get(i) {
                Ok(AnyValue::Null) | Err(_) => {}
                Ok(v) => {
                    let _ = write!(out, "{v}");
                }
            },
        }
    }
}

/// How a table is turned into what a file shows, one slice of rows at a time (the
/// import's single choices are option indices; their texts are written).
pub type Prepare<'a> = &'a (dyn Fn(DataFrame) -> DataFrame + Sync);

/// Rows per slice when a table is written: a slice's texts are made, written and dropped.
const WRITE_ROWS: usize = 100_000;

fn slices(df: &DataFrame) -> impl Iterator<Item = DataFrame> + '_ {
    let n = df.height();
    (0..n.div_ceil(WRITE_ROWS).max(1)).map(move |k| df.slice((k * WRITE_ROWS) as i64, WRITE_ROWS))
}

/// The rows of `df` (no header), a slice at a time through `prepare`.
fn csv_rows<W: Write>(cw: &mut csv::Writer<W>, df: &DataFrame, prepare: Prepare) -> std::io::Result<()> {
    let mut fields: Vec<String> = vec![String::new(); df.width()];
    for slice in slices(df) {
        let mut part = prepare(slice);
        part.rechunk_mut_par();
        fields.resize(part.width(), String::new());
        let typed: Vec<Typed> = part
            .columns()
            .iter()
            .map(|c| match c.dtype() {
                DataType::String => Typed::Str(c.str().unwrap()),
                DataType::Boolean => Typed::Bool(c.bool().unwrap()),
                DataType::Float64 => Typed::F64(c.f64().unwrap()),
                DataType::Int32 => Typed::I32(c.i32().unwrap()),
                _ => Typed::Other(c),
            })
            .collect();
        for i in 0..part.height() {
            for (f, t) in fields.iter_mut().zip(&typed) {
                f.clear();
                t.write(i, f);
            }
            cw.write_record(&fields).map_err(other)?;
        }
    }
    Ok(())
}

/// Hands `produce` a sink for tables and writes each one as it comes to `path` (CSV or
/// Parquet by the extension; one file, written atomically), so that a table larger than
/// memory is never held whole: the import's batches go straight to the file. Returns
/// what `produce` returned; the first write error stops the writing (later tables are
/// dropped) and is returned once `produce` is done.
pub fn write_frames<T>(path: &Path, prepare: Prepare, produce: impl FnOnce(&mut dyn FnMut(DataFrame)) -> T) -> Result<T, WriteError> {
    let csv = match path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref() {
        Some("csv") => true,
        Some("parquet") => false,
        _ => return Err(WriteError::BadExtension(path.to_path_buf())),
    };
    let mut out = None;
    write_atomic(path, |w| {
        if csv {
            w.write_all(b"\xEF\xBB\xBF")?;
            let mut cw = csv::Writer::from_writer(w);
            let mut first = true;
            let mut failed: Option<std::io::Error> = None;
            out = Some(produce(&mut |df: DataFrame| {
                if failed.is_none() {
                    failed = csv_batch(&mut cw, &df, std::mem::take(&mut first), prepare).err();
                }
            }));
            failed.map_or_else(|| cw.flush(), Err)
        } else {
            let mut pw = None;
            let mut file = Some(w);
            let mut failed: Option<std::io::Error> = None;
            out = Some(produce(&mut |df: DataFrame| {
                if failed.is_none() {
                    failed = parquet_batch(&mut pw, &mut file, &df, prepare).err();
                }
            }));
            match (failed, pw) {
                (Some(e), _) => Err(e),
                (None, Some(pw)) => pw.finish().map(|_| ()).map_err(other),
                (None, None) => Ok(()),
            }
        }
    })?;
    Ok(out.expect("produce ran"))
}

/// One table into a CSV being written: the header before the first.
fn csv_batch<W: Write>(cw: &mut csv::Writer<W>, df: &DataFrame, first: bool, prepare: Prepare) -> std::io::Result<()> {
    if first {
        cw.write_record(df.get_column_names().iter().map(|s| neutralise(s.as_str()).into_owned())).map_err(other)?;
    }
    csv_rows(cw, df, prepare)
}

/// One table into a Parquet file being written (the writer made from the first table's
/// schema; one row group per slice).
fn parquet_batch<'w>(
    pw: &mut Option<polars::io::parquet::write::BatchedWriter<&'w mut std::io::BufWriter<std::fs::File>>>,
    file: &mut Option<&'w mut std::io::BufWriter<std::fs::File>>,
    df: &DataFrame,
    prepare: Prepare,
) -> std::io::Result<()> {
    for slice in slices(df) {
        let part = prepare(slice);
        if pw.is_none() {
            let w = file.take().expect("the file, before the first table");
            *pw = Some(ParquetWriter::new(w).batched(part.schema()).map_err(other)?);
        }
        if part.height() > 0 || df.height() == 0 {
            pw.as_mut().expect("made above").write_batch(&part).map_err(other)?;
        }
    }
    Ok(())
}

/// A value as a hive partition folder name (`unit=区财政局`): characters that paths or the
/// `key=value` convention cannot hold are percent-encoded (`/` → `%2F`), as Hive, Spark
/// and DuckDB expect; an empty value is `__HIVE_DEFAULT_PARTITION__`.
pub fn hive_value(v: &str) -> String {
    if v.is_empty() {
        return "__HIVE_DEFAULT_PARTITION__".into();
    }
    let mut out = String::new();
    for c in v.chars() {
        if c.is_control() || "/\\:*?\"<>|=%#".contains(c) || (c == '.' && out.is_empty()) {
            let mut b = [0u8; 4];
            for byte in c.encode_utf8(&mut b).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Writes the table as a Parquet dataset partitioned hive-style by two string columns
/// (`dir/wave=2025/unit=区财政局/part-0.parquet`), the partition columns in the paths only,
/// as DuckDB, Spark and DataFusion read it. Returns the files written, in order.
pub fn write_dataset(df: &DataFrame, dir: &Path, keys: [&str; 2], prepare: Prepare) -> Result<Vec<PathBuf>, WriteError> {
    write_dataset_part(df, dir, keys, prepare, 0)
}

/// Removes the part files a previous export left in a dataset folder
/// (`dir/<key0>=…/<key1>=…/part-N.parquet`, and folders left empty), so that a new export
/// with fewer batches or partitions leaves none of the old rows for a reader to find.
/// Nothing else is touched. Returns how many files were removed.
pub fn clear_dataset(dir: &Path, keys: [&str; 2]) -> Result<usize, WriteError> {
    let mut removed = 0;
    let subdirs = |d: &Path, key: &str| -> Vec<PathBuf> {
        let prefix = format!("{key}=");
        std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && e.file_name().to_string_lossy().starts_with(&prefix))
            .map(|e| e.path())
            .collect()
    };
    for outer in subdirs(dir, keys[0]) {
        for inner in subdirs(&outer, keys[1]) {
            for e in std::fs::read_dir(&inner).map_err(|e| io_err(&inner, e))?.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let digits = name.strip_prefix("part-").and_then(|n| n.strip_suffix(".parquet"));
                if digits.is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())) && e.path().is_file() {
                    std::fs::remove_file(e.path()).map_err(|err| io_err(&e.path(), err))?;
                    removed += 1;
                }
            }
            let _ = std::fs::remove_dir(&inner);
        }
        let _ = std::fs::remove_dir(&outer);
    }
    Ok(removed)
}

/// [`write_dataset`] a table at a time as `produce` hands them over: table `k` becomes
/// `part-k.parquet` in each partition it has rows of. Returns the files written and what
/// `produce` returned; the first error stops the writing.
pub fn write_dataset_frames<T>(
    dir: &Path,
    keys: [&str; 2],
    prepare: Prepare,
    produce: impl FnOnce(&mut dyn FnMut(DataFrame)) -> T,
) -> Result<(Vec<PathBuf>, T), WriteError> {
    let mut files = Vec::new();
    let mut failed = None;
    let mut k = 0;
    let out = produce(&mut |df: DataFrame| {
        if failed.is_none() && df.height() > 0 {
            match write_dataset_part(&df, dir, keys, prepare, k) {
                Ok(f) => files.extend(f),
                Err(e) => failed = Some(e),
            }
            k += 1;
        }
    });
    match failed {
        Some(e) => Err(e),
        None => Ok((files, out)),
    }
}

fn write_dataset_part(df: &DataFrame, dir: &Path, keys: [&str; 2], prepare: Prepare, k: usize) -> Result<Vec<PathBuf>, WriteError> {
    let col = |k: &str| -> Vec<Option<String>> {
        df.column(k)
            .ok()
            .and_then(|c| c.str().ok().map(|s| s.iter().map(|v| v.map(str::to_string)).collect()))
            .unwrap_or_else(|| vec![None; df.height()])
    };
    let (a, b) = (col(keys[0]), col(keys[1]));
    let mut groups: std::collections::BTreeMap<(String, String), Vec<IdxSize>> = std::collections::BTreeMap::new();
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        groups.entry((x.clone().unwrap_or_default(), y.clone().unwrap_or_default())).or_default().push(i as IdxSize);
    }
    let err = |p: &Path, e: PolarsError| WriteError::Io { path: p.to_path_buf(), source: other(e) };
    let mut files = Vec::new();
    for ((x, y), idx) in groups {
        let path = dir
            .join(format!("{}={}", keys[0], hive_value(&x)))
            .join(format!("{}={}", keys[1], hive_value(&y)))
            .join(format!("part-{k}.parquet"));
        let part = df.take(&IdxCa::from_vec("idx".into(), idx)).map_err(|e| err(&path, e))?;
        // Prepared with its partition columns (what it says may depend on the wave), which
        // are then left to the paths.
        write_frames(&path, &|d: DataFrame| prepare(d).drop_many(keys), |sink| sink(part))?;
        files.push(path);
    }
    Ok(files)
}

/// Writes the table as CSV or Parquet by the extension of `path`.
pub fn write_frame(df: &DataFrame, path: &Path, prepare: Prepare) -> Result<(), WriteError> {
    write_frames(path, prepare, |sink| sink(df.clone()))
}

/// A small CSV (UTF-8 with BOM): a header and rows of fields, written atomically, every
/// field [`neutralise`]d.
pub fn write_csv_rows<R, F>(path: &Path, header: &[&str], rows: impl IntoIterator<Item = R>) -> Result<(), WriteError>
where
    R: IntoIterator<Item = F>,
    F: AsRef<[u8]>,
{
    write_atomic(path, |w| {
        w.write_all(b"\xEF\xBB\xBF")?;
        let mut cw = csv::Writer::from_writer(w);
        cw.write_record(header).map_err(other)?;
        let mut fields: Vec<String> = Vec::new();
        for r in rows {
            fields.clear();
            for f in r {
                fields.push(neutralise(&String::from_utf8_lossy(f.as_ref())).into_owned());
            }
            cw.write_record(&fields).map_err(other)?;
        }
        cw.flush()
    })
}

/// The file in an output folder that lists what one run wrote there.
pub const MANIFEST: &str = "清单.csv";
/// Its columns.
pub const MANIFEST_HEADER: [&str; 3] = ["文件", "字节数", "运行编号"];

/// A run starts: the previous run's manifest goes first, so that a folder left half
/// rewritten by a failed or killed run has no manifest vouching for it.
pub fn start_run(dir: &Path) -> Result<(), WriteError> {
    let m = dir.join(MANIFEST);
    match std::fs::remove_file(&m) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(&m, e)),
        _ => Ok(()),
    }
}

/// A run ends: the manifest, written last, lists every file it wrote (paths relative to
/// `dir`), their sizes and the run's id. Files in the folder not listed, or of another
/// size, are not this run's.
pub fn finish_run(dir: &Path, files: &[PathBuf]) -> Result<(), WriteError> {
    let run = format!(
        "{}-{}",
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        std::process::id()
    );
    let rows: Vec<[String; 3]> = files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(dir).unwrap_or(f).display().to_string();
            let size = std::fs::metadata(f).map(|m| m.len().to_string()).unwrap_or_default();
            [rel, size, run.clone()]
        })
        .collect();
    write_csv_rows(&dir.join(MANIFEST), &MANIFEST_HEADER, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_written_slice_by_slice_without_losing_a_row() {
        // Two and a half slices: codes made texts by `prepare` in each slice.
        let n = 2 * WRITE_ROWS + WRITE_ROWS / 2 + 1;
        let codes: UInt32Chunked = (0..n as u32).map(|i| (i % 7 != 3).then_some(i)).collect();
        let df =
            DataFrame::new(n, vec![codes.with_name("Q1".into()).into_column(), Column::new("n".into(), (0..n as i32).collect::<Vec<_>>())])
                .unwrap();
        let prepare = |d: DataFrame| {
            let texts: StringChunked = d.column("Q1").unwrap().u32().unwrap().iter().map(|v| v.map(|i| format!("选项{i}"))).collect();
            let mut d = d.clone();
            d.replace("Q1", texts.with_name("Q1".into()).into_column()).unwrap();
            d
        };
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("t.csv");
        write_frame(&df, &csv, &prepare).unwrap();
        let text = std::fs::read_to_string(&csv).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), n + 1);
        for i in [0, WRITE_ROWS - 1, WRITE_ROWS, 2 * WRITE_ROWS, n - 1] {
            let want = if i % 7 == 3 { format!(",{i}") } else { format!("选项{i},{i}") };
            assert_eq!(lines[i + 1], want, "row {i}");
        }
        let pq = dir.path().join("t.parquet");
        write_frame(&df, &pq, &prepare).unwrap();
        let back = ParquetReader::new(std::fs::File::open(&pq).unwrap()).finish().unwrap();
        assert_eq!(back.height(), n);
        let q1 = back.column("Q1").unwrap().str().unwrap().clone();
        let nums = back.column("n").unwrap().i32().unwrap().clone();
        for i in [0, WRITE_ROWS, n - 1] {
            assert_eq!(nums.get(i), Some(i as i32));
            assert_eq!(q1.get(i).map(str::to_string), (i % 7 != 3).then(|| format!("选项{i}")));
        }
    }

    #[test]
    fn library_errors_keep_the_systems_kind() {
        let full = || std::io::Error::from_raw_os_error(28);
        assert_eq!(other(full()).kind(), std::io::ErrorKind::StorageFull);
        let polars = PolarsError::IO { error: std::sync::Arc::new(full()), msg: None };
        assert_eq!(other(polars).kind(), std::io::ErrorKind::StorageFull);
        let e = WriteError::Io { path: "a.csv".into(), source: other(full()) };
        assert!(e.to_string().contains("磁盘空间不足"), "{e}");
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=1+2"), "'=1+2");
        assert_eq!(neutralise("-2"), "-2");
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_over_something_that_is_not_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.csv");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let err = write_csv_rows(&fifo, &["a"], vec![vec!["1"]]).unwrap_err().to_string();
        assert!(err.contains("不是普通文件"), "{err}");
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO is still there");
    }
}
