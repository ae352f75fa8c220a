//! The input files of a run: the given files and folders expanded (folders walked once
//! each, links followed once, only regular files of the formats read), rosters and the
//! tool's own outputs left out. Nothing is printed here: what was skipped comes back with
//! its reason, for the command line (or the web page) to say.

use std::path::{Path, PathBuf};

/// Why a path given or found was not taken as an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    /// A device, a pipe, a socket.
    NotAFile,
    /// A link to nothing, or no permission.
    Unreachable,
    /// A folder that could not be opened or listed (the reason in a person's words).
    Folder(&'static str),
    /// A file diaoyan wrote (what it is).
    OwnOutput(&'static str),
}

impl Skipped {
    /// The message users read, naming the path.
    pub fn message(&self, p: &Path) -> String {
        match self {
            Skipped::NotAFile => format!("{} 不是普通文件（设备、管道等），已跳过", crate::text::shown(p)),
            Skipped::Unreachable => format!("{} 无法访问（链接指向的文件不存在，或没有权限），已跳过", crate::text::shown(p)),
            Skipped::Folder("") => format!("文件夹 {} 无法访问，已跳过", crate::text::shown(p)),
            Skipped::Folder(why) => format!("文件夹 {} 无法读取（{why}），其中的文件未导入", crate::text::shown(p)),
            Skipped::OwnOutput(what) => format!("跳过 {}：这是 diaoyan 写出的{what}，不是回收的问卷", crate::text::shown(p)),
        }
    }
}

/// The files found, in a stable order, and what was skipped.
#[derive(Debug, Default)]
pub struct Inputs {
    pub files: Vec<PathBuf>,
    pub skipped: Vec<(PathBuf, Skipped)>,
}

/// Expands the given files and folders into input files, in a stable order. Folders are
/// searched recursively for .xlsx/.xls/.ods/.csv/.parquet; Office lock files (`~$…`),
/// hidden files and rosters (units.csv, …名单…) are left out. Paths that do not exist are
/// kept, so that the reader reports them.
pub fn collect(paths: &[PathBuf]) -> Inputs {
    let mut found = Inputs::default();
    for p in paths {
        if p.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files, &mut found.skipped);
            files.sort();
            found.files.extend(files);
        } else if std::fs::metadata(p).is_ok_and(|m| !m.is_file()) {
            found.skipped.push((p.clone(), Skipped::NotAFile));
        } else {
            found.files.push(p.clone());
        }
    }
    // The tool's own outputs (a report written into an input folder, say) are never answers.
    // Looked at on every core: each look opens the file (and a workbook's zip).
    use rayon::prelude::*;
    let looks: Vec<Option<&'static str>> = found.files.par_iter().with_max_len(1).map(|p| own_output(p)).collect();
    let (mut files, mut skipped) = (Vec::new(), Vec::new());
    for (p, look) in std::mem::take(&mut found.files).into_iter().zip(looks) {
        match look {
            Some(what) => skipped.push((p, Skipped::OwnOutput(what))),
            None => files.push(p),
        }
    }
    found.files = files;
    found.skipped.extend(skipped);
    found
}

/// The response table's own columns: a file holding them all is diaoyan's output.
const TRACE_COLUMNS: [&str; 4] = ["respondent", "source_file", "source_sheet", "source_row"];

/// What a file is, when diaoyan wrote it: found from its content (header row, column
/// names, sheet names), not from its name or extension, so a renamed copy is recognised
/// too.
fn own_output(path: &Path) -> Option<&'static str> {
    use crate::ingest::Format;
    use std::io::Read;
    let format = crate::ingest::Source::sniff(path).ok()?.format;
    let mut head = vec![0u8; 16 * 1024];
    let mut f = std::fs::File::open(path).ok()?;
    let n = f.read(&mut head).ok()?;
    head.truncate(n);
    match format {
        Format::Text => {
            let text = crate::ingest::decode_text(&head);
            let first = text.lines().next()?.trim_end_matches('\r');
            let fields: Vec<&str> = first.split(',').collect();
            // Also the shorter header of an earlier version (columns are only ever added at the end).
            let is = |h: &[&str]| fields == h || (fields.len() >= 8 && h.starts_with(&fields));
            if is(&crate::clean::ledger::HEADERS) {
                Some("数据问题清单（issues.csv）")
            } else if is(&crate::clean::ledger::COLUMN_HEADERS) {
                Some("列对应表（columns.csv）")
            } else if is(&crate::render::results_csv::RESULTS_HEADER) {
                Some("统计结果（results.csv）")
            } else if is(&crate::render::results_csv::TESTS_HEADER) {
                Some("检验结果（tests.csv）")
            } else if is(&crate::render::changes_csv::CHANGES_HEADER) {
                Some("年度变化（changes.csv）")
            } else if is(&crate::output::MANIFEST_HEADER) {
                Some("输出清单")
            } else if TRACE_COLUMNS.iter().all(|c| fields.contains(c)) {
                Some("清洗后的答卷表")
            } else {
                None
            }
        }
        Format::Xlsx => {
            let file = std::fs::File::open(path).ok()?;
            let mut zip = zip::ZipArchive::new(file).ok()?;
            let mut xml = String::new();
            zip.by_name("xl/workbook.xml").ok()?.take(1 << 20).read_to_string(&mut xml).ok()?;
            if xml.contains("name=\"数据问题\"") && xml.contains("name=\"列对应\"") {
                Some("Excel 汇总表")
            } else if xml.contains("name=\"回收情况") {
                Some("回收情况表（status.xlsx）")
            } else {
                // The response table saved as a workbook: its header's strings come first
                // (looked for in the first 64 KB, read 8 KB at a time).
                let mut part = zip.by_name("xl/sharedStrings.xml").ok()?;
                let needles: Vec<Vec<u8>> = TRACE_COLUMNS.iter().map(|c| format!(">{c}<").into_bytes()).collect();
                let (mut sst, mut buf) = (Vec::new(), [0u8; 8192]);
                while sst.len() < 64 * 1024 {
                    let n = part.read(&mut buf).ok()?;
                    if n == 0 {
                        break;
                    }
                    sst.extend_from_slice(&buf[..n.min(64 * 1024 - sst.len())]);
                    if needles.iter().all(|k| memchr::memmem::find(&sst, k).is_some()) {
                        return Some("清洗后的答卷表");
                    }
                }
                None
            }
        }
        Format::Parquet => {
            // The response table as Parquet, alone or in a partitioned dataset's folders.
            let (names, _) = crate::ingest::parquet::columns(path).ok()?;
            TRACE_COLUMNS.iter().all(|c| names.iter().any(|n| n == c)).then_some("清洗后的答卷表（Parquet）")
        }
        _ => None,
    }
}

/// Reads a small file given as a setting (survey.toml, a font): only a regular file
/// (a device such as /dev/zero, a pipe or a folder is refused before anything is read),
/// and at most `max` bytes (checked before reading, and while reading in case it grows).
pub fn read_limited(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "这是一个文件夹，不是文件"
        } else {
            "这不是普通文件（是设备或管道），不能读取"
        };
        return Err(Error::new(ErrorKind::InvalidInput, what));
    }
    let too_big = || Error::new(ErrorKind::InvalidInput, format!("文件太大（超过 {} MB），不像是这个设置该用的文件", max >> 20));
    if meta.len() > max {
        return Err(too_big());
    }
    let mut out = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)?.take(max + 1).read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(too_big());
    }
    Ok(out)
}

/// Whether two paths name the same file (the second need not exist yet).
pub fn same_file(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| -> Option<PathBuf> {
        p.canonicalize().ok().or_else(|| {
            let parent = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            Some(parent.canonicalize().ok()?.join(p.file_name()?))
        })
    };
    matches!((canon(a), canon(b)), (Some(x), Some(y)) if x == y)
}

/// A roster kept beside the returns (units.csv, 单位名单.xlsx) is not a return.
pub fn is_roster(name: &str) -> bool {
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name).to_lowercase();
    stem == "units" || stem.contains("名单")
}

/// Finds the input files below `dir`. Links are followed, but never into a folder already
/// visited (a link loop) and never to anything but a regular file (a FIFO would hang the
/// run, `/dev/zero` would never end); what is skipped, and folders that cannot be read,
/// come back in `skipped`.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, skipped: &mut Vec<(PathBuf, Skipped)>) {
    let mut seen = std::collections::HashSet::new();
    walk_in(dir, out, &mut seen, skipped);
}

fn walk_in(dir: &Path, out: &mut Vec<PathBuf>, seen: &mut std::collections::HashSet<PathBuf>, skipped: &mut Vec<(PathBuf, Skipped)>) {
    let Ok(real) = dir.canonicalize() else {
        skipped.push((dir.to_path_buf(), Skipped::Folder("")));
        return;
    };
    if !seen.insert(real) {
        return;
    }
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            skipped.push((dir.to_path_buf(), Skipped::Folder(io_reason(&e))));
            return;
        }
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        // Follows a link once: what it points to decides.
        let Ok(meta) = std::fs::metadata(&p) else {
            skipped.push((p, Skipped::Unreachable));
            continue;
        };
        if meta.is_dir() {
            walk_in(&p, out, seen, skipped);
        } else if crate::ingest::Format::by_name(&p).is_none() || is_roster(&name) {
            continue;
        } else if meta.is_file() {
            out.push(p);
        } else {
            skipped.push((p, Skipped::NotAFile));
        }
    }
}

/// A person's words for why a folder could not be read.
fn io_reason(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "没有权限",
        std::io::ErrorKind::NotFound => "不存在",
        _ => "读取出错",
    }
}
