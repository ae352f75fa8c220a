//! One response table from every file's parts: duplicates within and across files
//! (same id and time, same id and answers), rows read = kept + rejected, the frame.
//! The parts come all at once (an ordinary import), or a batch at a time (a report over
//! more rows than memory holds): an [`Assembler`] remembers the keys of every row kept so
//! far, so that a batch's duplicates of earlier rows are found all the same.

use polars::prelude::DataFrame;
use std::collections::BTreeMap;

use super::frame::build_frame;
use super::ledger::{Action, Issue, Problem};
use super::rows::Part;
use super::{FileReport, Import, Provenance, UnitRows};
use crate::survey::schema::Schema;

/// One response table from the files' parts: duplicates across and within files, rows
/// read = kept + rejected.
pub(super) fn assemble(schema: &Schema, results: Vec<(Vec<Part>, FileReport, Vec<Issue>)>) -> Import {
    // Only rows of different files or sheets can be the same respondent exported twice.
    let places: std::collections::HashSet<(&str, &str)> =
        results.iter().flat_map(|(ps, _, _)| ps.iter().filter(|p| p.len() > 0).map(|p| (&*p.file, &*p.sheet))).collect();
    let mut a = Assembler::new(places.len() > 1);
    let mut parts = Vec::new();
    for (ps, report, file_issues) in results {
        a.file(report, file_issues);
        parts.extend(ps);
    }
    crate::profile::mark("files parsed");
    let frame = a.batch(schema, parts);
    crate::profile::mark("response table built");
    a.finish(frame)
}

/// What a part leaves behind once its batch is gone: enough to name a row kept earlier
/// as the copy a later duplicate repeats.
struct PartMeta {
    file: std::sync::Arc<str>,
    sheet: std::sync::Arc<str>,
    /// Excel row, whether a submit time was given and the unit's hash, per row (only
    /// when files are matched with each other).
    rows: Vec<(u32, bool, u64)>,
}

/// A row rejected: (part, row, problem, the (global part, row) of the copy kept when it
/// is in another file).
type Rejected = (usize, usize, Problem, Option<(usize, usize)>);

/// `same!(local, key, pi, i)(global part, row)`: the row kept there has the key of row `i`
/// of part `pi` (a row of an earlier batch, gone, matches on the hash alone).
macro_rules! same {
    ($local:ident, $key:ident, $pi:expr, $i:expr) => {
        |g: usize, k: usize| $local(g).is_none_or(|q| $key(q, k) == $key($pi, $i))
    };
}

/// Parts made one response table, a batch at a time.
pub(super) struct Assembler {
    /// Whether rows of different files are matched (the same respondent exported twice).
    across: bool,
    metas: Vec<PartMeta>,
    by_time: First,
    by_answers: First,
    by_id: First,
    by_sub: First,
    files: Vec<FileReport>,
    file_issues: Vec<Issue>,
    row_issues: Vec<Issue>,
    duplicates: Vec<Provenance>,
    units: BTreeMap<(String, String), UnitRows>,
    rows_read: usize,
    rows_kept: usize,
    rows_rejected: usize,
    blank_rows: usize,
}

impl Assembler {
    pub(super) fn new(across: bool) -> Assembler {
        Assembler {
            across,
            metas: Vec::new(),
            by_time: First::with_places(),
            by_answers: First::with_places(),
            by_id: First::default(),
            by_sub: First::default(),
            files: Vec::new(),
            file_issues: Vec::new(),
            row_issues: Vec::new(),
            duplicates: Vec::new(),
            units: BTreeMap::new(),
            rows_read: 0,
            rows_kept: 0,
            rows_rejected: 0,
            blank_rows: 0,
        }
    }

    /// A file's report and the ledger entries about the file as a whole.
    pub(super) fn file(&mut self, report: FileReport, issues: Vec<Issue>) {
        self.files.push(report);
        self.file_issues.extend(issues);
    }

    /// The rows of `parts` that repeat no row kept before (in this batch or an earlier
    /// one), as a response table; the others are rejected with a ledger entry.
    pub(super) fn batch(&mut self, schema: &Schema, mut parts: Vec<Part>) -> DataFrame {
        let base = self.metas.len();
        // Each row's keys are hashed first (in parallel); the tables hold (hash, part, row)
        // and compare the keys themselves on a hash match within this batch. Rows of earlier
        // batches are gone: for them a 64-bit hash match is the match.
        let hashes: Vec<RowHashes> = {
            use rayon::prelude::*;
            parts.par_iter().with_max_len(1).map(|p| RowHashes::of(p, self.across)).collect()
        };
        // The rows of the batch before are kept by hash from now on (sealed here rather
        // than at the end of their batch: an import of one batch never needs it).
        for t in [&mut self.by_time, &mut self.by_answers, &mut self.by_id, &mut self.by_sub] {
            t.seal();
        }
        let rows: usize = parts.iter().map(|p| p.len()).sum();
        let tables = if self.across {
            vec![&mut self.by_id, &mut self.by_sub, &mut self.by_time, &mut self.by_answers]
        } else {
            vec![&mut self.by_id, &mut self.by_sub]
        };
        for t in tables {
            t.cur.reserve(rows, |e| e.0);
        }
        let mut rejected = if self.across { self.copies_across_files(&parts, &hashes, base) } else { Vec::new() };
        self.repeated_rows(&parts, &hashes, base, &mut rejected);
        // What later batches need of these parts.
        for p in &parts {
            let rows = if self.across {
                (0..p.len()).map(|i| (p.row[i], p.submitted.get(i).is_some(), unit_hash(p.unit.get(i).unwrap_or_default()))).collect()
            } else {
                Vec::new()
            };
            self.metas.push(PartMeta { file: p.file.clone(), sheet: p.sheet.clone(), rows });
        }
        let keeps = self.reject(&mut parts, rejected, base);
        self.count(&parts, &keeps);
        crate::profile::mark("duplicates found");
        let frame = build_frame(schema, parts, &keeps, &mut self.row_issues);
        self.rows_kept += frame.height();
        frame
    }

    /// The rows that are the same respondent as a row of another file or sheet (the text
    /// and the code export of one survey, a file sent twice): the same 序号 and submit
    /// time; or, where a submit time is missing, the same 序号 and answers — and then only
    /// for a place (file, sheet) of which at least half of the part's numbered rows are
    /// such copies in the same unit, or every one of them in any unit (a second export):
    /// short forms numbered from 1 in each unit, batch or department repeat a row's
    /// answers by chance.
    fn copies_across_files(&mut self, parts: &[Part], hashes: &[RowHashes], base: usize) -> Vec<Rejected> {
        let mut rejected = Vec::new();
        let local = |g: usize| g.checked_sub(base);
        let timed = |pi: usize, i: usize| (parts[pi].respondent.get(i).unwrap_or_default(), parts[pi].submitted.get(i));
        let answers = |pi: usize, i: usize| (parts[pi].wave.as_deref(), parts[pi].respondent.get(i).unwrap_or_default(), parts[pi].sig[i]);
        // A row's place (file, sheet), whether its submit time was given and its unit,
        // wherever (whichever batch) it is.
        let metas = &self.metas;
        let place_of = |g: usize| -> (&str, &str) {
            local(g).map(|q| (&*parts[q].file, &*parts[q].sheet)).unwrap_or_else(|| (&metas[g].file, &metas[g].sheet))
        };
        let timed_at =
            |g: usize, k: usize| -> bool { local(g).map(|q| parts[q].submitted.get(k).is_some()).unwrap_or_else(|| metas[g].rows[k].1) };
        let unit_at = |g: usize, k: usize| -> u64 {
            local(g).map(|q| unit_hash(parts[q].unit.get(k).unwrap_or_default())).unwrap_or_else(|| metas[g].rows[k].2)
        };
        for (pi, p) in parts.iter().enumerate().filter(|(_, p)| p.has_id) {
            let (h, g) = (&hashes[pi], base + pi);
            let other_place = |&(qg, _): &(usize, usize)| place_of(qg) != (&*p.file, &*p.sheet);
            let numbered: Vec<usize> = (0..p.len()).filter(|&i| p.id_given[i]).collect();
            // First every row's match, then the rule, then the rows kept are remembered.
            let hits: Vec<Option<Repeat>> = numbered
                .iter()
                .map(|&i| {
                    let by_time = match p.submitted.get(i) {
                        Some(_) => self.by_time.get(h.timed[i], same!(local, timed, pi, i)).filter(other_place),
                        None => None,
                    };
                    by_time.map(|f| Repeat { first: f, kind: RepeatKind::Timed }).or_else(|| {
                        let f = self.by_answers.get(h.answers[i], same!(local, answers, pi, i)).filter(other_place);
                        let f = f.filter(|&(qg, k)| p.submitted.get(i).is_none() || !timed_at(qg, k))?;
                        let same_unit = unit_at(f.0, f.1) == unit_hash(p.unit.get(i).unwrap_or_default());
                        Some(Repeat { first: f, kind: if same_unit { RepeatKind::SameUnit } else { RepeatKind::OtherUnit } })
                    })
                })
                .collect();
            let copies_of = copied_places(&hits, place_of);
            for (&i, hit) in numbered.iter().zip(hits) {
                match hit.filter(|c| c.kind == RepeatKind::Timed || copies_of.contains(&place_of(c.first.0))) {
                    Some(c) => rejected.push((pi, i, Problem::DuplicateRespondent, Some(c.first))),
                    None => {
                        if p.submitted.get(i).is_some() {
                            self.by_time.insert(h.timed[i], (g, i), same!(local, timed, pi, i));
                        }
                        self.by_answers.insert(h.answers[i], (g, i), same!(local, answers, pi, i));
                    }
                }
            }
        }
        rejected
    }

    /// Within the data (rows not already copies of another file's): the same 序号 in one
    /// sheet of one file, unit and wave (departments' sheets and batch files are each
    /// numbered from 1), or the same submit time and answers in one unit and wave.
    fn repeated_rows(&mut self, parts: &[Part], hashes: &[RowHashes], base: usize, rejected: &mut Vec<Rejected>) {
        let local = |g: usize| g.checked_sub(base);
        let ids = |pi: usize, i: usize| {
            let p = &parts[pi];
            (p.wave.as_deref(), &*p.file, &*p.sheet, p.unit.get(i).unwrap_or_default(), p.respondent.get(i).unwrap_or_default())
        };
        let subs = |pi: usize, i: usize| {
            (parts[pi].wave.as_deref(), parts[pi].unit.get(i).unwrap_or_default(), parts[pi].submitted.get(i), parts[pi].sig[i])
        };
        let cross: rustc_hash::FxHashSet<(usize, usize)> = rejected.iter().map(|r| (r.0, r.1)).collect();
        let skip = |pi: usize, i: usize| !cross.is_empty() && cross.contains(&(pi, i));
        // The two tables are independent: each is filled on a core of its own, in row order.
        let (by_id, by_sub) = (&mut self.by_id, &mut self.by_sub);
        let (dup_ids, dup_subs): (Vec<Vec<bool>>, Vec<Vec<bool>>) = rayon::join(
            || {
                let mut v = Vec::with_capacity(parts.len());
                for (pi, p) in parts.iter().enumerate() {
                    let h = &hashes[pi].ids;
                    let mut dup = |i: usize| p.has_id && p.id_given[i] && !by_id.insert(h[i], (base + pi, i), same!(local, ids, pi, i));
                    v.push((0..p.len()).map(|i| !skip(pi, i) && dup(i)).collect());
                }
                v
            },
            || {
                let mut v = Vec::with_capacity(parts.len());
                for (pi, p) in parts.iter().enumerate() {
                    let h = &hashes[pi].subs;
                    let mut dup =
                        |i: usize| p.submitted.get(i).is_some() && !by_sub.insert(h[i], (base + pi, i), same!(local, subs, pi, i));
                    v.push((0..p.len()).map(|i| !skip(pi, i) && dup(i)).collect());
                }
                v
            },
        );
        for (pi, (ids, subs)) in dup_ids.iter().zip(&dup_subs).enumerate() {
            for (i, (&dup_id, &dup_sub)) in ids.iter().zip(subs).enumerate() {
                if dup_id {
                    rejected.push((pi, i, Problem::DuplicateId, None));
                } else if dup_sub {
                    rejected.push((pi, i, Problem::DuplicateSubmission, None));
                }
            }
        }
    }

    /// Marks the rejected rows not kept, each with its ledger entry (naming the copy kept
    /// when it is in another file); the ledger of each part in row order after.
    fn reject(&self, parts: &mut [Part], rejected: Vec<Rejected>, base: usize) -> Vec<Vec<bool>> {
        let mut keeps: Vec<Vec<bool>> = parts.iter().map(|p| vec![true; p.len()]).collect();
        for (pi, i, problem, first) in rejected {
            let first = first.map(|(qg, k)| match qg.checked_sub(base) {
                Some(q) => format!("{} 第 {} 行", parts[q].file, parts[q].row[k]),
                None => format!("{} 第 {} 行", self.metas[qg].file, self.metas[qg].rows[k].0),
            });
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
                sheet: Some(p.sheet.clone()),
                row: Some(p.row[i]),
                column: None,
                question: None,
                value,
                problem,
                action: Action::RowRejected,
            });
        }
        // The ledger in row order within each part (duplicates are found after parsing).
        for p in parts.iter_mut() {
            p.issues.sort_by_key(|i| i.row);
        }
        keeps
    }

    /// The totals, and who sent the rows kept (for the returns per unit) and those not
    /// kept as duplicates (still returned).
    fn count(&mut self, parts: &[Part], keeps: &[Vec<bool>]) {
        for (p, keep) in parts.iter().zip(keeps) {
            self.rows_read += p.rows_read;
            self.rows_rejected += p.rows_rejected;
            self.blank_rows += p.blank_rows;
            let mut kept: rustc_hash::FxHashMap<&str, usize> = Default::default();
            for (i, &kept_row) in keep.iter().enumerate().take(p.len()) {
                let unit = p.unit.get(i).unwrap_or_default();
                if kept_row {
                    *kept.entry(unit).or_default() += 1;
                } else {
                    self.duplicates.push(Provenance { wave: p.wave.clone(), unit: unit.to_string(), file: p.file.to_string() });
                }
            }
            for (unit, n) in kept {
                let u = self.units.entry((p.wave.clone().unwrap_or_default(), unit.to_string())).or_default();
                u.rows += n;
                if !u.files.iter().any(|f| **f == *p.file) {
                    u.files.push(p.file.to_string());
                }
            }
        }
    }

    /// The import: `frame` is the response table (empty when the batches went elsewhere).
    pub(super) fn finish(self, frame: DataFrame) -> Import {
        let mut issues = self.file_issues;
        issues.extend(self.row_issues);
        Import {
            frame,
            duplicates: self.duplicates,
            kept_by_unit: self.units,
            issues,
            files: self.files,
            rows_read: self.rows_read,
            rows_kept: self.rows_kept,
            rows_rejected: self.rows_rejected,
            blank_rows: self.blank_rows,
        }
    }
}

/// How a row was found to repeat one kept before (`first`: its global part and row).
#[derive(Clone, Copy)]
struct Repeat {
    first: (usize, usize),
    kind: RepeatKind,
}

#[derive(Clone, Copy, PartialEq)]
enum RepeatKind {
    /// The same 序号 and submit time.
    Timed,
    /// The same 序号 and answers, in the same unit.
    SameUnit,
    /// The same 序号 and answers, in another unit.
    OtherUnit,
}

/// The places (file, sheet) a part copies by 序号 and answers (`hits`: each numbered
/// row's copy): at least half of its rows in the same unit, or every one in any unit.
fn copied_places<'a>(hits: &[Option<Repeat>], place_of: impl Fn(usize) -> (&'a str, &'a str)) -> Vec<(&'a str, &'a str)> {
    let mut n: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
    for c in hits.iter().flatten().filter(|c| c.kind != RepeatKind::Timed) {
        let e = n.entry(place_of(c.first.0)).or_default();
        e.0 += usize::from(c.kind == RepeatKind::SameUnit);
        e.1 += 1;
    }
    n.into_iter().filter(|&(_, (same, all))| same * 2 >= hits.len() || all == hits.len()).map(|(place, _)| place).collect()
}

fn unit_hash(unit: &str) -> u64 {
    fx(unit)
}

/// The hash every duplicate key is kept by.
fn fx(k: impl std::hash::Hash) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    k.hash(&mut h);
    h.finish()
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
        let n = p.len();
        let wave = p.wave.as_deref();
        let (mut timed, mut answers, mut ids, mut subs) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 0..n {
            let (id, unit, t) = (p.respondent.get(i).unwrap_or_default(), p.unit.get(i).unwrap_or_default(), p.submitted.get(i));
            if across {
                timed.push(fx((id, t)));
                answers.push(fx((wave, id, p.sig[i])));
            }
            ids.push(fx((wave, &*p.file, &*p.sheet, unit, id)));
            subs.push(fx((wave, unit, t, p.sig[i])));
        }
        RowHashes { timed, answers, ids, subs }
    }
}

/// The first (part, row) seen with each key. Rows of the batch at hand are held with
/// their key's hash and compared through `same` (exact); rows of earlier batches are gone,
/// so only their hash is kept (with their place, when a later copy must name it).
#[derive(Default)]
struct First {
    cur: hashbrown::HashTable<(u64, u32, u32)>,
    old_places: hashbrown::HashTable<(u64, u32, u32)>,
    old: hashbrown::HashTable<u64>,
    /// Whether rows of earlier batches keep their place.
    places: bool,
}

impl First {
    fn with_places() -> First {
        First { places: true, ..First::default() }
    }
    /// The row seen first with the key of `hash` (for a row of an earlier batch kept without
    /// its place: part and row `u32::MAX`).
    fn get(&self, hash: u64, same: impl Fn(usize, usize) -> bool) -> Option<(usize, usize)> {
        let at = |&(_, qi, k): &(u64, u32, u32)| (qi as usize, k as usize);
        self.cur
            .find(hash, |&(h, qi, k)| h == hash && same(qi as usize, k as usize))
            .map(at)
            .or_else(|| self.old_places.find(hash, |e| e.0 == hash).map(at))
            .or_else(|| self.old.find(hash, |h| *h == hash).map(|_| (u32::MAX as usize, u32::MAX as usize)))
    }
    /// Records `at` unless its key was seen; returns whether it was new.
    fn insert(&mut self, hash: u64, at: (usize, usize), same: impl Fn(usize, usize) -> bool) -> bool {
        if self.get(hash, same).is_some() {
            return false;
        }
        self.cur.insert_unique(hash, (hash, at.0 as u32, at.1 as u32), |&(h, _, _)| h);
        true
    }
    /// The batch at hand is done: its rows are kept by hash (and place) only.
    fn seal(&mut self) {
        if self.places {
            self.old_places.reserve(self.cur.len(), |x| x.0);
        } else {
            self.old.reserve(self.cur.len(), |h| *h);
        }
        for e in std::mem::take(&mut self.cur) {
            if self.places {
                self.old_places.insert_unique(e.0, e, |x| x.0);
            } else {
                self.old.insert_unique(e.0, e.0, |h| *h);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn first_finds_what_was_inserted() {
        let keys = ["a", "b", "a"];
        let h = |s: &str| {
            use std::hash::{Hash, Hasher};
            let mut x = rustc_hash::FxHasher::default();
            s.hash(&mut x);
            x.finish()
        };
        let mut f = super::First::default();
        let mut new = vec![];
        for (i, k) in keys.iter().enumerate() {
            new.push(f.insert(h(k), (0, i), |_, j| keys[j] == *k));
        }
        assert_eq!(new, [true, true, false]);
    }
}
