//! Merged cells: where they are (.xlsx, found without a second full parse when the file
//! has none), and their value copied into every cell of the area, once, so that later
//! stages never see the holes. (.ods merges: [`super::ods_merge`].)

use calamine::{Data, Range};
use std::path::Path;

use super::{shielded, Merges};

/// The merged areas of every sheet of an .xlsx. calamine finds them by parsing each
/// sheet's XML a second time, which costs about half as much as reading the cells; most
/// files have none, which a plain byte search of the inflated XML shows far faster.
pub(super) fn xlsx_merges(path: &Path, names: &[String]) -> Merges {
    if xlsx_mentions_merges(path) == Some(false) {
        return Merges::new();
    }
    let Ok(Ok(mut x)) = shielded(|| calamine::open_workbook::<calamine::Xlsx<_>, _>(path)) else { return Merges::new() };
    names
        .iter()
        .map(|n| {
            let dims = shielded(|| x.merge_cells_by_sheet_name(n)).ok().and_then(|r| r.ok()).unwrap_or_default();
            (n.clone(), dims.into_iter().map(|d| (d.start, d.end)).collect())
        })
        .collect()
}

/// Whether any worksheet XML of the .xlsx contains `<mergeCell`; `None` if unreadable.
fn xlsx_mentions_merges(path: &Path) -> Option<bool> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).ok()?).ok()?;
    let needle = b"<mergeCell";
    let finder = memchr::memmem::Finder::new(needle);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).ok()?;
        let name = entry.name().ok()?.to_string();
        if !(name.starts_with("xl/worksheets/") && name.ends_with(".xml")) {
            continue;
        }
        // Read in blocks, keeping the tail of the previous block for matches across them.
        let mut buf = vec![0u8; 1 << 16];
        let keep = needle.len() - 1;
        let mut filled = 0usize;
        loop {
            let n = entry.read(&mut buf[filled..]).ok()?;
            if n == 0 {
                break;
            }
            let end = filled + n;
            if finder.find(&buf[..end]).is_some() {
                return Some(true);
            }
            let tail = end.min(keep);
            buf.copy_within(end - tail..end, 0);
            filled = tail;
        }
    }
    Some(false)
}

/// Copies the top-left value of a merged area into its other cells.
pub(super) fn fill_merged(cells: &mut Range<Data>, start: (u32, u32), end: (u32, u32)) {
    let Some(v) = cells.get_value(start).cloned() else { return };
    if matches!(v, Data::Empty) {
        return;
    }
    // Merges far outside the data (whole-row formatting) are clipped to the used range.
    let (Some(rs), Some(re)) = (cells.start(), cells.end()) else { return };
    let (r0, r1) = (start.0.max(rs.0), end.0.min(re.0));
    let (c0, c1) = (start.1.max(rs.1), end.1.min(re.1));
    for r in r0..=r1 {
        for c in c0..=c1 {
            if (r, c) != start {
                cells.set_value((r, c), v.clone());
            }
        }
    }
}
