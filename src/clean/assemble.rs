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
    // Duplicates, in input order: the first occurrence is kept. Each row's keys are
    // hashed first (in parallel); the tables hold (part, row) and compare the keys
    // themselves on a hash match.
    /// (part, row, problem, the (part, row) of the copy kept when it is in another file).
    type Rejected = (usize, usize, Problem, Option<(usize, usize)>);
    let mut rejected: Vec<Rejected> = Vec::new();
    // Only rows of different files can be the same respondent exported twice.
    let one_file = parts.windows(2).all(|w| w[0].file == w[1].file);
    let hashes: Vec<RowHashes> = {
        use rayon::prelude::*;
        parts.par_iter().map(|p| RowHashes::of(p, !one_file)).collect()
    };
    // The keys: the same respondent in two files (the text and the code export of one
    // survey) has the same 序号 and submit time, or the same 序号 and the same answers when
    // a submit time is missing; within the data, the same 序号 in one unit and wave, or the
    // same submit time and answers in one unit and wave.
    let timed = |pi: usize, i: usize| (parts[pi].respondent.get(i).unwrap_or_default(), parts[pi].submitted.get(i));
    let answers = |pi: usize, i: usize| (parts[pi].wave.as_deref(), parts[pi].respondent.get(i).unwrap_or_default(), parts[pi].sig[i]);
    let ids = |pi: usize, i: usize| (parts[pi].wave.as_deref(), parts[pi].unit.get(i).unwrap_or_default(), parts[pi].respondent.get(i).unwrap_or_default());
    let subs = |pi: usize, i: usize| (parts[pi].wave.as_deref(), parts[pi].unit.get(i).unwrap_or_default(), parts[pi].submitted.get(i), parts[pi].sig[i]);
    if !one_file {
        let mut by_time = First::default();
        let mut by_answers = First::default();
        for (pi, p) in parts.iter().enumerate() {
            if !p.has_id {
                continue;
            }
            let h = &hashes[pi];
            for i in (0..p.len()).filter(|&i| p.id_given[i]) {
                let other_file = |&(qi, _): &(usize, usize)| parts[qi].file != p.file;
                let hit = match p.submitted.get(i) {
                    Some(_) => by_time.get(h.timed[i], |qi, k| timed(qi, k) == timed(pi, i)).filter(other_file),
                    None => None,
                }
                .or_else(|| {
                    by_answers.get(h.answers[i], |qi, k| answers(qi, k) == answers(pi, i)).filter(other_file).filter(|&(qi, k)| {
                        p.submitted.get(i).is_none() || parts[qi].submitted.get(k).is_none()
                    })
                });
                match hit {
                    Some(first) => rejected.push((pi, i, Problem::DuplicateRespondent, Some(first))),
                    None => {
                        if p.submitted.get(i).is_some() {
                            by_time.insert(h.timed[i], (pi, i), |qi, k| timed(qi, k) == timed(pi, i), |qi, k| hashes[qi].timed[k]);
                        }
                        by_answers.insert(h.answers[i], (pi, i), |qi, k| answers(qi, k) == answers(pi, i), |qi, k| hashes[qi].answers[k]);
                    }
                }
            }
        }
    }
    let cross: rustc_hash::FxHashSet<(usize, usize)> = rejected.iter().map(|r| (r.0, r.1)).collect();
    {
        let mut by_id = First::default();
        let mut by_sub = First::default();
        for (pi, p) in parts.iter().enumerate() {
            let h = &hashes[pi];
            for i in 0..p.len() {
                if !cross.is_empty() && cross.contains(&(pi, i)) {
                    continue;
                }
                let dup_id = p.has_id && p.id_given[i] && !by_id.insert(h.ids[i], (pi, i), |qi, k| ids(qi, k) == ids(pi, i), |qi, k| hashes[qi].ids[k]);
                let dup_sub = p.submitted.get(i).is_some() && !by_sub.insert(h.subs[i], (pi, i), |qi, k| subs(qi, k) == subs(pi, i), |qi, k| hashes[qi].subs[k]);
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
    // The ledger in row order within each file, whatever the parts a file was read in
    // (duplicates are found after parsing).
    for p in parts.iter_mut() {
        p.issues.sort_by_key(|i| i.row);
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


/// The hashes of one part's duplicate keys, row by row.
struct RowHashes {
    timed: Vec<u64>,
    answers: Vec<u64>,
    ids: Vec<u64>,
    subs: Vec<u64>,
}

impl RowHashes {
    /// `across`: also the keys that match rows of two files (not needed for one file).
    fn of(p: &Part, across: bool) -> RowHashes {
        use std::hash::{Hash, Hasher};
        fn fx(k: impl Hash) -> u64 {
            let mut h = rustc_hash::FxHasher::default();
            k.hash(&mut h);
            h.finish()
        }
        let n = p.len();
        let wave = p.wave.as_deref();
        let (mut timed, mut answers, mut ids, mut subs) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 0..n {
            let (id, unit, t) = (p.respondent.get(i).unwrap_or_default(), p.unit.get(i).unwrap_or_default(), p.submitted.get(i));
            if across {
                timed.push(fx((id, t)));
                answers.push(fx((wave, id, p.sig[i])));
            }
            ids.push(fx((wave, unit, id)));
            subs.push(fx((wave, unit, t, p.sig[i])));
        }
        RowHashes { timed, answers, ids, subs }
    }
}

/// The first (part, row) seen with each key; keys are compared through the rows.
#[derive(Default)]
struct First(hashbrown::HashTable<(u32, u32)>);

impl First {
    fn get(&self, hash: u64, same: impl Fn(usize, usize) -> bool) -> Option<(usize, usize)> {
        self.0.find(hash, |&(qi, k)| same(qi as usize, k as usize)).map(|&(qi, k)| (qi as usize, k as usize))
    }
    /// Records `at` unless its key was seen; returns whether it was new.
    fn insert(&mut self, hash: u64, at: (usize, usize), same: impl Fn(usize, usize) -> bool, rehash: impl Fn(usize, usize) -> u64) -> bool {
        if self.get(hash, same).is_some() {
            return false;
        }
        self.0.insert_unique(hash, (at.0 as u32, at.1 as u32), |&(qi, k)| rehash(qi as usize, k as usize));
        true
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn first_finds_what_was_inserted() {
        let keys = ["a", "b", "a"];
        let h = |s: &str| { use std::hash::{Hash, Hasher}; let mut x = rustc_hash::FxHasher::default(); s.hash(&mut x); x.finish() };
        let mut f = super::First::default();
        let mut new = vec![];
        for (i, k) in keys.iter().enumerate() {
            new.push(f.insert(h(k), (0, i), |_, j| keys[j] == *k, |_, j| h(keys[j])));
        }
        assert_eq!(new, [true, true, false]);
    }
}
