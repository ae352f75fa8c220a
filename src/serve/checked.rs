//! What the 收集 and 数据 tabs show: the project's returns read with the library the
//! command line uses (the same import as `report` and `status`): the 回收情况 per wave
//! against the roster, the accounting (read = kept + rejected), the issue ledger and
//! where every column went.

use std::path::Path;

use serde::Serialize;

use crate::clean::ledger::{COLUMN_HEADERS, HEADERS};
use crate::clean::{import, ImportOptions};
use crate::collect::{roster, status};
use crate::survey::Survey;

/// The ledger and column rows sent at most (the files hold them all).
const MAX_ROWS: usize = 5000;

#[derive(Serialize)]
pub struct Checked {
    pub files: usize,
    pub failed_files: Vec<String>,
    pub rows_read: usize,
    pub rows_kept: usize,
    pub rows_rejected: usize,
    pub returns: Vec<WaveReturns>,
    /// Why there is no 回收情况 (no units.csv, or it could not be read).
    pub returns_note: Option<String>,
    pub issue_head: Vec<&'static str>,
    pub issues: Vec<[String; 8]>,
    pub issue_count: usize,
    pub column_head: Vec<&'static str>,
    pub columns: Vec<[String; 8]>,
}

/// One unit's line: unit, expected, returned, valid, 回收率, 有效率 (0–100), note (sent as
/// an array, as the page's table takes it).
pub type UnitReturns = (String, u32, usize, usize, Option<f64>, Option<f64>, String);

#[derive(Serialize)]
pub struct WaveReturns {
    pub wave: String,
    pub expected: u64,
    pub returned: usize,
    pub valid: usize,
    /// 回收率, 有效率 in 0–100.
    pub return_rate: Option<f64>,
    pub valid_rate: Option<f64>,
    pub rows: Vec<UnitReturns>,
    /// Units that returned nothing although surveyed this wave.
    pub missing: Vec<String>,
}

/// Reads the project's returns (needs survey.toml; `Err` says why in Chinese).
pub fn check(root: &Path) -> Result<Checked, String> {
    let p = root.join("survey.toml");
    if !p.is_file() {
        return Err("项目文件夹中还没有 survey.toml（问卷定义）：先在“问卷”页点“从回收的文件生成问卷定义”".into());
    }
    let survey = Survey::load(&p).map_err(|e| crate::error::explain(&e))?;
    let files: Vec<_> = super::project::data_files(root).into_iter().map(|f| root.join(f.path)).collect();
    let imp = import(&survey, &files, &ImportOptions::default(), &|_| {});
    let (returns, returns_note) = match roster::load(&root.join("units.csv")) {
        Ok(units) => (status::all(&units, &imp).iter().map(wave_returns).collect(), None),
        Err(e) if root.join("units.csv").is_file() => (Vec::new(), Some(format!("units.csv 读取出错：{}", crate::error::explain(&e)))),
        Err(_) => (Vec::new(), Some("项目文件夹中没有 units.csv（单位名单），无法计算回收率".into())),
    };
    Ok(Checked {
        files: imp.files.len(),
        failed_files: imp.files.iter().filter(|f| f.error.is_some()).map(|f| crate::text::shown(&f.path)).collect(),
        rows_read: imp.rows_read,
        rows_kept: imp.rows_kept,
        rows_rejected: imp.rows_rejected,
        returns,
        returns_note,
        issue_head: HEADERS.to_vec(),
        issues: imp.issues.iter().take(MAX_ROWS).map(|i| relative(root, i.fields())).collect(),
        issue_count: imp.issues.len(),
        column_head: COLUMN_HEADERS.to_vec(),
        columns: imp.column_map().iter().take(MAX_ROWS).map(|c| relative(root, c.fields())).collect(),
    })
}

/// A ledger row with its file named inside the project (`2026/区财政局.xlsx`).
fn relative(root: &Path, mut f: [String; 8]) -> [String; 8] {
    let prefix = format!("{}{}", root.display(), std::path::MAIN_SEPARATOR);
    if let Some(rest) = f[0].strip_prefix(&prefix) {
        f[0] = rest.replace('\\', "/");
    }
    f
}

fn wave_returns(s: &status::Status) -> WaveReturns {
    let pct = |v: Option<f64>| v.map(|x| x * 100.0);
    WaveReturns {
        wave: s.wave.clone(),
        expected: s.expected(),
        returned: s.returned(),
        valid: s.valid(),
        return_rate: pct(s.return_rate()),
        valid_rate: pct(s.valid_rate()),
        rows: s
            .rows
            .iter()
            .chain(&s.unlisted)
            .map(|r| (r.unit.clone(), r.expected, r.returned, r.valid, pct(r.return_rate()), pct(r.valid_rate()), r.note().to_string()))
            .collect(),
        missing: s.rows.iter().filter(|r| r.expected > 0 && r.returned == 0).map(|r| r.unit.clone()).collect(),
    }
}

/// The fill-in workbooks of every roster unit (the command line's `template`), written to
/// reports/填报表/ and handed back as one zip.
pub fn templates_zip(root: &Path) -> Result<Vec<u8>, String> {
    let survey = Survey::load(&root.join("survey.toml")).map_err(|e| format!("survey.toml：{}", crate::error::explain(&e)))?;
    let units = roster::load(&root.join("units.csv")).map_err(|e| format!("units.csv：{}", crate::error::explain(&e)))?;
    let dir = root.join(super::project::REPORTS).join("填报表");
    std::fs::create_dir_all(&dir).map_err(|e| format!("无法创建 {}：{e}", dir.display()))?;
    let files = crate::collect::template::write_all(&survey, &units, &dir).map_err(|e| crate::error::explain(&e))?;
    let named = files.into_iter().map(|p| (p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), p));
    zip_of(named.collect())
}

/// Every file a finished report run wrote (reports/<report>/, its charts and per-unit
/// files included), as one zip named by their paths inside the folder.
pub fn report_zip(root: &Path, report: &str) -> Result<Vec<u8>, String> {
    let dir = super::project::report_file(root, &format!("{report}/清单.csv"))
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .ok_or("没有这次统计的结果")?;
    let mut files = Vec::new();
    let mut todo = vec![dir.clone()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| format!("无法读取 {}：{e}", d.display()))?.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                todo.push(e.path());
            } else if kind.is_file() {
                let rel = e.path().strip_prefix(&dir).map(|r| r.to_string_lossy().replace('\\', "/")).unwrap_or_default();
                files.push((rel, e.path()));
            }
        }
    }
    files.sort();
    zip_of(files)
}

fn zip_of(files: Vec<(String, std::path::PathBuf)>) -> Result<Vec<u8>, String> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, path) in files {
        let bytes = std::fs::read(&path).map_err(|e| format!("无法读取 {}：{e}", path.display()))?;
        zip.start_file(name, opts).map_err(|e| e.to_string())?;
        zip.write_all(&bytes).map_err(|e| e.to_string())?;
    }
    zip.finish().map(|c| c.into_inner()).map_err(|e| e.to_string())
}
