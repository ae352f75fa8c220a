//! The project folder as the page sees it: the questionnaire (survey.toml), the roster
//! (units.csv), the returned files by wave folder, the reports written; uploads saved
//! into it; report files read from it. Nothing outside the folder is listed or read.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// Where a run's outputs go, inside the project.
pub const REPORTS: &str = "reports";
/// The folder uploads go to when no wave is named.
pub const DEFAULT_FOLDER: &str = "上传";

#[derive(Serialize)]
pub struct Overview {
    pub folder: String,
    pub survey: Option<SurveyView>,
    /// Why survey.toml could not be read (shown instead of the questionnaire).
    pub survey_error: Option<String>,
    /// units.csv, as its cells and as `report` reads it.
    pub roster: super::units::RosterView,
    pub files: Vec<FileView>,
    pub reports: Vec<String>,
    /// results.csv's measure names → (label as the workbook says it, its label for a
    /// number question — a mean is 平均值 there —, whether a percentage).
    pub measures: std::collections::BTreeMap<&'static str, (&'static str, &'static str, bool)>,
}

#[derive(Serialize)]
pub struct SurveyView {
    pub id: String,
    pub title: String,
    pub unit: Option<String>,
    pub banners: Vec<String>,
    pub questions: Vec<QuestionView>,
}

#[derive(Serialize)]
pub struct QuestionView {
    pub id: String,
    pub text: String,
    pub label: Option<String>,
    /// survey.toml's name (`single`), and as users read it (单选题).
    pub kind: String,
    pub kind_label: String,
    pub options: Vec<String>,
    /// A matrix's rows.
    pub rows: Vec<String>,
}

#[derive(Serialize)]
pub struct FileView {
    /// Path relative to the project, with `/`.
    pub path: String,
    pub folder: String,
    pub bytes: u64,
}

/// The project as the page shows it.
pub fn overview(root: &Path) -> Overview {
    let (survey, survey_error) = match load_survey(root) {
        Some(Ok(s)) => (Some(s), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    Overview {
        folder: root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        survey,
        survey_error,
        roster: super::units::view(root),
        files: data_files(root),
        reports: reports(root),
        measures: crate::stats::Measure::ALL
            .iter()
            .map(|m| (m.name(), (m.label(), m.label_in(crate::survey::Kind::Number), m.is_percent())))
            .collect(),
    }
}

fn load_survey(root: &Path) -> Option<Result<SurveyView, String>> {
    let p = root.join("survey.toml");
    if !p.is_file() {
        return None;
    }
    Some(crate::survey::Survey::load(&p).map_err(|e| crate::error::explain(&e)).map(|s| {
        SurveyView {
            id: s.id.clone(),
            title: s.title.clone(),
            unit: s.unit.clone(),
            banners: s.banners.clone(),
            questions: s
                .questions
                .iter()
                .map(|q| QuestionView {
                    id: q.id.clone(),
                    text: q.text.clone(),
                    label: q.label.clone(),
                    kind: q.kind.name().to_string(),
                    kind_label: q.kind.label().to_string(),
                    options: q.options.iter().map(|o| o.text().to_string()).collect(),
                    rows: q.rows.clone(),
                })
                .collect(),
        }
    }))
}

/// The returned files of the project, as `report` finds them (`inputs::collect`: every
/// folder searched, rosters, lock files and the tool's own outputs left out), except in
/// reports/, survey.toml and the roster beside them.
pub fn data_files(root: &Path) -> Vec<FileView> {
    let Ok(entries) = std::fs::read_dir(root) else { return Vec::new() };
    let top: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            let file = accepted(&n) && !crate::inputs::is_roster(&n);
            !n.starts_with('.') && n != REPORTS && n != "survey.toml" && (e.path().is_dir() || file)
        })
        .map(|e| e.path())
        .collect();
    let mut out: Vec<FileView> = crate::inputs::collect(&top)
        .files
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(root).ok()?;
            let path = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/");
            let folder = rel.parent().map(|f| f.to_string_lossy().replace('\\', "/")).unwrap_or_default();
            let bytes = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            Some(FileView { path, folder, bytes })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn accepted(name: &str) -> bool {
    !name.starts_with('.')
        && name.rsplit_once('.').is_some_and(|(_, ext)| crate::ingest::EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// The report folders written (reports/<name>/ with a 清单.csv: a finished run).
fn reports(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join(REPORTS)) else { return Vec::new() };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join("清单.csv").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// Why an upload's name or folder is refused.
#[derive(Debug, PartialEq)]
pub struct BadName(pub String);

/// A file name as the page may save it: one plain name (no folder, no `..`, no control
/// characters, not hidden), of a type `report` reads.
pub fn upload_name(name: &str) -> Result<String, BadName> {
    let n = name.trim();
    if n.is_empty() || n.len() > 200 {
        return Err(BadName("文件名为空或太长".into()));
    }
    if n.contains(['/', '\\', ':']) || n.contains("..") || n.starts_with('.') || n.chars().any(|c| c.is_control()) {
        return Err(BadName(format!("文件名“{}”不能含有路径、“..”或特殊字符", crate::text::printable(n))));
    }
    if !accepted(n) {
        return Err(BadName(format!("只能上传 {} 文件", crate::ingest::EXTENSIONS.join("、"))));
    }
    Ok(n.to_string())
}

/// The folder an upload goes to: a wave (year) or a plain name, never reports/.
pub fn upload_folder(folder: Option<&str>) -> Result<String, BadName> {
    let f = folder.map(str::trim).filter(|f| !f.is_empty()).unwrap_or(DEFAULT_FOLDER);
    let ok = f.chars().count() <= 40
        && f != REPORTS
        && !f.starts_with('.')
        && f.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-' || ('\u{4e00}'..='\u{9fff}').contains(&c));
    if ok {
        Ok(f.to_string())
    } else {
        Err(BadName(format!("文件夹名“{}”不合适（可用年份如 2026，或不含符号的名字）", crate::text::printable(f))))
    }
}

/// Saves an upload atomically: written to a hidden temporary file in the folder, then
/// renamed; nothing is left behind when it fails.
pub fn save_upload(root: &Path, folder: &str, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let dir = root.join(folder);
    std::fs::create_dir_all(&dir)?;
    let target = dir.join(name);
    crate::output::write_atomic_path(&target, |tmp| std::fs::write(tmp, bytes)).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(target)
}

/// A report file the page may download: `reports/<rel>`, resolved inside reports/ (no
/// `..`, no link leading out).
pub fn report_file(root: &Path, rel: &str) -> Option<PathBuf> {
    if rel.split('/').any(|p| p.is_empty() || p == "." || p == ".." || p.contains('\\')) {
        return None;
    }
    let base = root.join(REPORTS).canonicalize().ok()?;
    let p = base.join(rel).canonicalize().ok()?;
    (p.starts_with(&base) && p.is_file()).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_are_plain_file_names() {
        assert_eq!(upload_name("区财政局.xlsx").unwrap(), "区财政局.xlsx");
        for bad in ["../x.xlsx", "a/b.csv", "a\\b.csv", ".hidden.csv", "x.exe", "", "c:evil.csv", "a\u{0}.csv"] {
            assert!(upload_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(upload_folder(Some("2026")).unwrap(), "2026");
        assert_eq!(upload_folder(None).unwrap(), DEFAULT_FOLDER);
        for bad in ["reports", "..", "a/b", ".git"] {
            assert!(upload_folder(Some(bad)).is_err(), "{bad:?}");
        }
    }
}
