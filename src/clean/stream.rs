//! Large .xlsx files parsed while they are read (row chunks handed from the reading
//! thread), and the one-pass import of a file with no survey.toml: the definition is
//! inferred from the first chunk and confirmed by the whole file.

use std::path::Path;

use super::cells::Options;
use super::frame::ColData;
use super::layout::Matcher;
use super::ledger::Problem;
use super::rows::Part;
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
    type Current<'a> = Option<(String, Option<Prepared<'a>>, Vec<Part>)>;
    let mut done: SheetResults = Vec::new();
    let mut cur: Current = None;
    // Chunks of the current sheet waiting to be parsed together, in parallel (a few per
    // core, so that memory stays bounded while every core works).
    let batch_size = 2 * rayon::current_num_threads().max(1);
    let mut batch: Vec<ingest::Chunk> = Vec::new();
    fn flush(cur: &mut Current, batch: &mut Vec<ingest::Chunk>, emit: &mut Option<Emit>) {
        use rayon::prelude::*;
        let Some((_, Some(p), parts)) = cur.as_mut() else {
            batch.clear();
            return;
        };
        for chunk in batch.iter() {
            for m in &chunk.malformed {
                let i = p.ctx.malformed(m);
                p.header_issues.push(i);
            }
        }
        let header = p.ctx.layout.header_row;
        let ctx = &p.ctx;
        let parsed: Vec<Option<Part>> = batch
            .par_iter_mut()
            .with_max_len(1)
            .map(|chunk| {
                let first = chunk.first_row.max(header + 1);
                let rows = first..chunk.last_row + 1;
                (first <= chunk.last_row).then(|| match chunk.pending.take() {
                    // Rows not yet cells: parsed one at a time, no grid built.
                    Some(p) => ctx.parse_each(rows, |f| p.each_row(chunk.first_row, f)),
                    None => ctx.parse_rows(&chunk.cells, rows),
                })
            })
            .collect();
        parts.extend(parsed.into_iter().flatten());
        batch.clear();
        if let Some((limit, emit)) = emit.as_mut() {
            if parts.iter().map(|p| p.len()).sum::<usize>() >= *limit {
                let mut out = std::mem::take(parts);
                p.lead(&mut out[0]);
                emit(out);
            }
        }
    }
    let close = |cur: Current, done: &mut SheetResults| {
        if let Some((name, prep, parts)) = cur {
            done.push((name, prep.map(|p| p.finish(parts))));
        }
    };
    for mut chunk in chunks {
        if cur.as_ref().map(|c| &c.0) != Some(&chunk.sheet) {
            chunk.ready();
            flush(&mut cur, &mut batch, &mut emit);
            close(cur.take(), &mut done);
            let prep = prepare_sheet(fc, &chunk.cells, &chunk.sheet, None);
            cur = Some((chunk.sheet.clone(), prep, Vec::new()));
        }
        batch.push(chunk);
        if batch.len() >= batch_size {
            flush(&mut cur, &mut batch, &mut emit);
        }
    }
    flush(&mut cur, &mut batch, &mut emit);
    close(cur, &mut done);
    done
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
