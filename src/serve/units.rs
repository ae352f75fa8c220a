//! The roster (units.csv) edited in the page: shown as its grid of cells (every column,
//! the per-wave expected counts included), saved back as CSV, or replaced by an uploaded
//! roster in any format `report` reads. Whatever is saved is first read back by
//! `collect::roster::load`, the reader `report`, `status` and `template` use, inside the
//! atomic write: a roster those commands would refuse never replaces the file, and its
//! message (the same words) goes back to the page.

use std::path::Path;

use serde::Serialize;

pub const FILE: &str = "units.csv";

/// units.csv as the page shows it.
#[derive(Debug, Default, Serialize)]
pub struct RosterView {
    /// The header row and the rows below it, as written (trimmed).
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Units and their expected counts as `report` reads them.
    pub units: Vec<(String, u32)>,
    /// Why the roster cannot be used (shown instead of the counts).
    pub error: Option<String>,
}

/// The project's roster, or an empty view with no error when there is none.
pub fn view(root: &Path) -> RosterView {
    let path = root.join(FILE);
    if !path.is_file() {
        return RosterView::default();
    }
    let mut v = match grid(&path) {
        Ok(mut g) if !g.is_empty() => {
            let head = g.remove(0);
            RosterView { head, rows: g, ..Default::default() }
        }
        Ok(_) => RosterView::default(),
        Err(e) => return RosterView { error: Some(e), ..Default::default() },
    };
    match crate::collect::roster::load(&path) {
        Ok(units) => v.units = units.into_iter().map(|u| (u.name, u.expected)).collect(),
        Err(e) => v.error = Some(e.to_string()),
    }
    v
}

/// The roster file's rows with anything in them (`collect::roster::cells`).
fn grid(path: &Path) -> Result<Vec<Vec<String>>, String> {
    match crate::collect::roster::cells(path) {
        Ok(rows) => Ok(rows.into_iter().filter(|r| r.iter().any(|c| !c.is_empty())).collect()),
        Err(crate::collect::roster::RosterError::Empty) => Ok(Vec::new()),
        Err(e) => Err(e.to_string()),
    }
}

/// Saves `rows` (the header first) as units.csv when the roster reader accepts them;
/// returns the number of units, or the reader's message (nothing written).
pub fn save(root: &Path, rows: &[Vec<String>]) -> Result<usize, String> {
    if rows.iter().flatten().any(|c| c.chars().any(|ch| ch.is_control() && ch != '\t')) {
        return Err("单位名单中不能有换行或控制字符".into());
    }
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut count = 0;
    let mut refused = None;
    let written = crate::output::write_atomic_path(&root.join(FILE), |tmp| {
        let mut w = csv::Writer::from_path(tmp)?;
        for r in rows.iter().filter(|r| r.iter().any(|c| !c.trim().is_empty())) {
            let mut r: Vec<&str> = r.iter().map(|c| c.trim()).collect();
            r.resize(width, "");
            w.write_record(&r)?;
        }
        w.flush()?;
        drop(w);
        match crate::collect::roster::load(tmp) {
            Ok(units) => {
                count = units.len();
                Ok(())
            }
            Err(e) => {
                refused = Some(e.to_string());
                Err(std::io::Error::other("roster refused"))
            }
        }
    });
    match (written, refused) {
        (_, Some(why)) => Err(format!("单位名单没有保存：{why}")),
        (Err(e), None) => Err(format!("无法写入 units.csv：{e}")),
        (Ok(()), None) => Ok(count),
    }
}

/// Replaces the roster by an uploaded one (units.csv, .xlsx, .xls, .ods …): its first sheet
/// is read as `report` reads rosters and saved as units.csv.
pub fn upload(root: &Path, name: &str, bytes: &[u8]) -> Result<usize, String> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let tmp = root.join(format!(".名单上传中.{ext}"));
    std::fs::write(&tmp, bytes).map_err(|e| format!("无法保存上传的名单：{e}"))?;
    let rows = grid(&tmp);
    let _ = std::fs::remove_file(&tmp);
    save(root, &rows?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    }

    #[test]
    fn a_roster_the_reader_refuses_is_not_saved() {
        let dir = tempfile::tempdir().unwrap();
        let good = rows(&[&["单位", "应收份数", "2026"], &["区财政局", "45", "40"], &["区教育局", "40", ""]]);
        assert_eq!(save(dir.path(), &good).unwrap(), 2);
        let before = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert_eq!(before, "单位,应收份数,2026\n区财政局,45,40\n区教育局,40,\n");
        let v = view(dir.path());
        assert_eq!(v.head, ["单位", "应收份数", "2026"]);
        assert_eq!(v.units, [("区财政局".to_string(), 45), ("区教育局".to_string(), 40)]);
        for bad in [
            rows(&[&["单位", "应收份数"], &["区财政局", "四十"]]),
            rows(&[&["单位", "应收份数"], &["区财政局", "4"], &["区财政局", "5"]]),
            rows(&[&["名称"], &["区财政局"]]),
            rows(&[&["单位", "应收份数"], &["区财政\n局", "4"]]),
        ] {
            assert!(save(dir.path(), &bad).is_err(), "{bad:?}");
            assert_eq!(std::fs::read_to_string(dir.path().join(FILE)).unwrap(), before);
        }
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, [std::ffi::OsString::from(FILE)], "no temporary file left");
    }
}
