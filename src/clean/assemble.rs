//! One response table from every file's parts: duplicates within and across files
//! (same id and time, same id and answers), rows read = kept + rejected, the frame.

use super::frame::build_frame;
use super::ledger::{Action, Issue, Problem};
use super::rows::Part;
use super::{FileReport, Import, Provenance};
use crate::survey::schema::Schema;

/// One response table from the files' parts: duplicates across and within files, rows
/// read = kept + rejected.
pub(super) fn assemble(schema: &Schema, results: Vec<(Vec<Part>, FileReport, Vec<Issue>)>) -> Import {
    let mut parts = Vec::new();
    let mut files = Vec::new();
    let mut issues = Vec::new();
    for (ps, report, file_issues) in results {
        issues.extend(file_issues);
        parts.extend(ps);
        files.push(report);
    }
    crate::profile::mark("files parsed");
    // Duplicates, in input order: the first occurrence is kept. Found on borrowed keys
    // first, then applied.
    /// (part, row, problem, the (part, row) of the copy kept when it is in another file).
    type Rejected = (usize, usize, Problem, Option<(usize, usize)>);
    let mut rejected: Vec<Rejected> = Vec::new();
    {
        // The same respondent in two files (the text and the code export of one survey):
        // the same 序号 and submit time, or the same 序号 and the same answers when a
        // submit time is missing.
        type Map<'a, K> = rustc_hash::FxHashMap<K, (usize, usize)>;
        let mut timed: Map<(&str, &str)> = Map::default();
        let mut answers: Map<(Option<&str>, &str, u64)> = Map::default();
        for (pi, p) in parts.iter().enumerate() {
            if !p.has_id {
                continue;
            }
            for i in (0..p.len()).filter(|&i| p.id_given[i]) {
                let id = p.respondent.get(i).unwrap_or_default();
                let other_file = |&(qi, _): &(usize, usize)| parts[qi].file != p.file;
                let hit = match p.submitted.get(i) {
                    Some(t) => timed.get(&(id, t)).copied().filter(other_file),
                    None => None,
                }
                .or_else(|| answers.get(&(p.wave.as_deref(), id, p.sig[i])).copied().filter(other_file).filter(|&(qi, k)| {
                    p.submitted.get(i).is_none() || parts[qi].submitted.get(k).is_none()
                }));
                match hit {
                    Some(first) => rejected.push((pi, i, Problem::DuplicateRespondent, Some(first))),
                    None => {
                        if let Some(t) = p.submitted.get(i) {
                            timed.entry((id, t)).or_insert((pi, i));
                        }
                        answers.entry((p.wave.as_deref(), id, p.sig[i])).or_insert((pi, i));
                    }
                }
            }
        }
    }
    let cross: rustc_hash::FxHashSet<(usize, usize)> = rejected.iter().map(|r| (r.0, r.1)).collect();
    {
        type Set<'a, K> = rustc_hash::FxHashSet<K>;
        let mut ids: Set<(Option<&str>, &str, &str)> = Set::default();
        let mut subs: Set<(Option<&str>, &str, &str, u64)> = Set::default();
        for (pi, p) in parts.iter().enumerate() {
            let wave = p.wave.as_deref();
            for i in 0..p.len() {
                if cross.contains(&(pi, i)) {
                    continue;
                }
                let unit = p.unit.get(i).unwrap_or_default();
                let dup_id = p.has_id && p.id_given[i] && !ids.insert((wave, unit, p.respondent.get(i).unwrap_or_default()));
                let dup_sub = match p.submitted.get(i) {
                    Some(t) => !subs.insert((wave, unit, t, p.sig[i])),
                    None => false,
                };
                if dup_id {
                    rejected.push((pi, i, Problem::DuplicateId, None));
                } else if dup_sub {
                    rejected.push((pi, i, Problem::DuplicateSubmission, None));
                }
            }
        }
    }
    let mut keeps: Vec<Vec<bool>> = parts.iter().map(|p| vec![true; p.len()]).collect();
    for (pi, i, problem, first) in rejected {
        let first = first.map(|(qi, k)| format!("{} 第 {} 行", parts[qi].file, parts[qi].row[k]));
        let p = &mut parts[pi];
        keeps[pi][i] = false;
        p.rows_rejected += 1;
        let value = match (problem, first) {
            (_, Some(place)) => format!(
                "序号 {}{}，与 {place} 是同一份答卷",
                p.respondent.get(i).unwrap_or_default(),
                p.submitted.get(i).map(|t| format!("、提交时间 {t}")).unwrap_or_default()
            ),
            (Problem::DuplicateId, _) => p.respondent.get(i).unwrap_or_default().to_string(),
            _ => p.submitted.get(i).unwrap_or_default().to_string(),
        };
        p.issues.push(Issue {
            file: p.file.clone(),
            sheet: p.sheet.clone(),
            row: Some(p.row[i]),
            column: String::new(),
            question: String::new(),
            value,
            problem,
            action: Action::RowRejected,
        });
    }
    let (mut rows_read, mut rows_rejected, mut blank_rows) = (0, 0, 0);
    for p in &parts {
        rows_read += p.rows_read;
        rows_rejected += p.rows_rejected;
        blank_rows += p.blank_rows;
    }
    // Rows returned but not kept as duplicates: who sent them (for the returns per unit).
    let duplicates: Vec<Provenance> = parts
        .iter()
        .zip(&keeps)
        .flat_map(|(p, keep)| (0..p.len()).filter(|&i| !keep[i]).map(move |i| Provenance { wave: p.wave.clone(), unit: p.unit.get(i).unwrap_or_default().to_string(), file: p.file.clone() }))
        .collect();
    crate::profile::mark("duplicates found");
    let frame = build_frame(schema, parts, &keeps, &mut issues);
    crate::profile::mark("response table built");

    let rows_kept = frame.height();
    Import { frame, duplicates, issues, files, rows_read, rows_kept, rows_rejected, blank_rows }
}

