//! Large .xlsx files parsed while they are read (row chunks handed from the reading
//! thread), and the one-pass import of a file with no survey.toml: the definition is
//! inferred from the first chunk and confirmed by the whole file.

use std::path::Path;

use super::cells::Options;
use super::frame::ColData;
use super::layout::Matcher;
use super::ledger::Problem;
use super::rows::Part;
use super::rows::SheetCtx;
use super::sheet::{prepare_sheet, FileCtx, Prepared, SheetInfo, CHUNK};
use super::{assemble::assemble, files::file_parts, wave_from_path, FileReport, Import, ImportOptions};
use crate::ingest;
use crate::survey::schema::Schema;
use crate::survey::{Kind, Survey};

/// Files at least this large (.xlsx) are parsed while they are being read.
pub(super) const STREAM_BYTES: u64 = 2_000_000;

/// Parsed sheets of one file: (sheet name, its parts and unknown headers, or `None`
/// when it had no recognisable header).
pub(super) type SheetResults = Vec<(String, Option<(Vec<Part>, SheetInfo)>)>;

/// The large-.xlsx path: one thread reads cells and hands over row chunks, this one
/// parses them as they come. `None` when the file must be read the ordinary way
/// (unreadable here, or merged cells below a header, which need filling first).
pub(super) fn import_streaming(fc: &FileCtx, src: &ingest::Source) -> Option<SheetResults> {
    let (merges, results) = stream_file(src, |rx| parse_chunks(fc, rx.into_iter(), None)).ok()?;
    streamed_ok(&results, &merges).then_some(results)
}

/// Hands over a sheet's parsed rows once at least `.0` of them are waiting (a report over
/// more rows than memory holds takes them a batch at a time).
pub(super) type Emit<'e> = (usize, &'e mut dyn FnMut(Vec<Part>));

/// Reads a file in row chunks on another thread while `work` takes them on this one.
/// The parsing stays on the calling thread (a rayon worker when files are imported in
/// parallel), so that its parallel batches can always run: were the reading done here and
/// the parsing on a thread outside the pool, two large files read at once would block
/// both pool threads on full channels while their parsers waited for the pool.
pub(super) fn stream_file<T>(
    src: &ingest::Source,
    work: impl FnOnce(std::sync::mpsc::Receiver<ingest::Chunk>) -> T,
) -> Result<(ingest::Merges, T), ingest::ReadError> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<ingest::Chunk>(4);
    let (merges, out) = std::thread::scope(|scope| {
        // A send fails only when `work` has stopped taking chunks.
        let reader = scope.spawn(move || {
            src.stream(CHUNK, |c| {
                let _ = tx.send(c);
            })
        });
        let out = work(rx);
        (reader.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), out)
    });
    Ok((merges?, out))
}

/// Parses streamed chunks sheet by sheet: each sheet's header from its first chunk.
/// With `emit`, parsed rows are handed over as they pile up instead of all returned.
pub(super) fn parse_chunks(fc: &FileCtx, chunks: impl Iterator<Item = ingest::Chunk>, mut emit: Option<Emit>) -> SheetResults {
    let mut done: SheetResults = Vec::new();
    let mut chunks = chunks.peekable();
    while let Some(mut first) = chunks.next() {
        first.ready();
        let name = first.sheet.clone();
        let rest = std::iter::from_fn(|| chunks.next_if(|c| c.sheet == name));
        match prepare_sheet(fc, &first.cells, &first.sheet, None) {
            Some(mut prep) => {
                let parts = parse_sheet(&mut prep, std::iter::once(first).chain(rest), &mut emit);
                done.push((name, Some(prep.finish(parts))));
            }
            // No header: the sheet's rows are not read.
            None => {
                rest.for_each(drop);
                done.push((name, None));
            }
        }
    }
    done
}

/// Parses the chunks of one sheet as they come, each on the pool as soon as it arrives
/// (a few per core at a time, so that memory stays bounded while every core works, and no
/// core waits for the slowest chunk of a group), taking the parsed rows back in order.
/// Parsed rows are handed on (`emit`) when a group of chunks is in and enough are waiting,
/// and a chunk's malformed records are noted as its rows are taken: the same batches and
/// ledger as parsing a group at a time.
fn parse_sheet(prep: &mut Prepared, chunks: impl Iterator<Item = ingest::Chunk>, emit: &mut Option<Emit>) -> Vec<Part> {
    type Waiting = std::collections::VecDeque<(Vec<ingest::csv_reader::Malformed>, std::sync::mpsc::Receiver<Option<Part>>)>;
    // Chunks in flight, and the group after which rows are handed on: two per core.
    let group = 2 * rayon::current_num_threads().max(1);
    let Prepared { ctx, header_issues, .. } = prep;
    let ctx: &SheetCtx = ctx;
    let mut parts: Vec<Part> = Vec::new();
    let mut taken = 0usize;
    // Takes the oldest chunk's rows; after every group of chunks, hands rows on if enough wait.
    let mut take = |waiting: &mut Waiting, last: bool| {
        if let Some((malformed, rx)) = waiting.pop_front() {
            header_issues.extend(malformed.iter().map(|m| ctx.malformed(m)));
            parts.extend(wait_for(&rx));
            taken += 1;
        }
        if let Some((limit, emit)) = emit.as_mut().filter(|_| last || taken.is_multiple_of(group)) {
            if parts.iter().map(|p| p.len()).sum::<usize>() >= *limit {
                let mut out = std::mem::take(&mut parts);
                super::sheet::lead(header_issues, &mut out[0]);
                emit(out);
            }
        }
    };
    let header = ctx.layout.header_row;
    rayon::in_place_scope(|scope| {
        let mut waiting: Waiting = Default::default();
        for mut chunk in chunks {
            if waiting.len() >= group {
                take(&mut waiting, false);
            }
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            waiting.push_back((std::mem::take(&mut chunk.malformed), rx));
            scope.spawn(move |_| {
                let first = chunk.first_row.max(header + 1);
                let rows = first..chunk.last_row + 1;
                let part = (first <= chunk.last_row).then(|| match chunk.pending.take() {
                    // Rows not yet cells: parsed one at a time, no grid built.
                    Some(p) => ctx.parse_each(rows, |f| p.each_row(chunk.first_row, f)),
                    None => ctx.parse_rows(&chunk.cells, rows),
                });
                let _ = tx.send(part);
            });
        }
        while !waiting.is_empty() {
            take(&mut waiting, false);
        }
        take(&mut waiting, true);
    });
    parts
}

/// A chunk's parsed rows. A thread of the pool (files imported in parallel) runs other
/// work while it waits, so that two files waiting on each other's chunks cannot stop
/// both pool threads; another thread blocks.
fn wait_for<T>(rx: &std::sync::mpsc::Receiver<T>) -> T {
    if rayon::current_thread_index().is_none() {
        return rx.recv().expect("a spawned parse always answers");
    }
    loop {
        match rx.try_recv() {
            Ok(v) => return v,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => panic!("a spawned parse always answers"),
            Err(std::sync::mpsc::TryRecvError::Empty) => {
                if rayon::yield_now() != Some(rayon::Yield::Executed) {
                    std::thread::yield_now();
                }
            }
        }
    }
}

/// Whether a streamed read stands: not a returned template (read strictly), and no
/// merged cells at or below a header (they change what the rows say).
pub(super) fn streamed_ok(results: &SheetResults, merges: &ingest::Merges) -> bool {
    if results.iter().any(|(name, _)| name == crate::survey::template::META_SHEET) {
        return false;
    }
    for (name, r) in results {
        if let (Some((parts, _)), Some(m)) = (r, merges.get(name)) {
            let header = parts.first().map(|p| p.header_row).unwrap_or(0);
            if m.iter().any(|(_, end)| end.0 >= header) {
                return false;
            }
        }
    }
    true
}

/// Problems that mean a cell does not fit the definition: after inference from the whole
/// file none can occur in it, so one seen here means the definition inferred from the
/// first rows is not the one the whole file gives.
const MISFITS: &[Problem] = &[
    Problem::UnknownOption,
    Problem::OtherAsText,
    Problem::OutOfRange,
    Problem::NotANumber,
    Problem::BadRank,
    Problem::BadFlag,
    Problem::LetterAnswer,
    Problem::CodeAnswer,
];

/// Imports one .xlsx without a survey.toml in one read: the definition is inferred from
/// the first rows while the rest is still being read and parsed with it. The result
/// stands only when the whole file confirms that definition: no cell misfits it, every
/// question answered later was answered in the first rows, and no open-answer column
/// turns out to be a choice. `None` otherwise (or for another format): then infer from
/// the whole file and import it ([`crate::infer`], [`import_preloaded`]).
pub fn import_inferring(path: &Path, opts: &ImportOptions) -> Option<(Survey, Import)> {
    let src = ingest::Source::sniff(path).ok().filter(|s| s.format == ingest::Format::Xlsx)?;
    let wave = opts.wave.clone().or_else(|| wave_from_path(path));
    let (merges, out) = stream_file(&src, |rx| -> Option<(Survey, SheetResults)> {
        let mut rx = rx.into_iter();
        let mut first = rx.next()?;
        first.ready();
        let sheet = ingest::SheetData { name: first.sheet.clone(), cells: first.cells.clone(), malformed: Vec::new(), notes: Vec::new() };
        let survey = crate::infer::infer(&[ingest::Workbook { path: path.to_path_buf(), sheets: vec![sheet] }]).ok()?;
        let results = {
            let schema = Schema::new(&survey);
            let options: Vec<Options> = survey.questions.iter().map(Options::new).collect();
            let matcher = Matcher::new(&survey, wave.as_deref().unwrap_or(""));
            let fc = FileCtx::new(&survey, &schema, &options, &matcher, path, wave);
            let results = parse_chunks(&fc, std::iter::once(first).chain(rx.by_ref()), None);
            // Drain what is left, so that the reader never waits on a full channel.
            rx.for_each(drop);
            results
        };
        Some((survey, results))
    })
    .ok()?;
    let (survey, results) = out?;
    // One sheet only: a workbook with a codebook or tally sheet is inferred whole.
    if !streamed_ok(&results, &merges) || results.len() != 1 || results.iter().filter(|(_, r)| r.is_some()).count() != 1 {
        return None;
    }
    let schema = Schema::new(&survey);
    let parts: Vec<&Part> = results.iter().filter_map(|(_, r)| r.as_ref()).flat_map(|(ps, _)| ps.iter()).collect();
    if parts.iter().any(|p| p.issues.iter().any(|i| MISFITS.contains(&i.problem))) {
        return None;
    }
    for (qi, q) in survey.questions.iter().enumerate() {
        let qc = &schema.questions[qi];
        let answered = |p: &Part| (qc.first..qc.first + qc.width).any(|c| p.cols[c].any_value());
        // Unanswered in the first rows: the whole file might give it another kind.
        if parts.first().is_some_and(|p| !answered(p)) && parts.iter().skip(1).any(|p| answered(p)) {
            return None;
        }
        // An open answer of the first rows must still be one over the whole file.
        if q.kind == Kind::Text {
            let answers = parts.iter().filter_map(|p| match &p.cols[qc.first] {
                ColData::Str(v) => Some(v.iter().flatten()),
                _ => None,
            });
            if !crate::infer::still_text(&q.text, answers.flatten()) {
                return None;
            }
        }
    }
    drop(parts);
    let mut report = FileReport::new(path);
    report.wave = opts.wave.clone().or_else(|| wave_from_path(path));
    let (parts, issues) = file_parts(results, &mut report);
    let imp = assemble(&schema, vec![(parts, report, issues)]);
    Some((survey, imp))
}
