//! Whole pipelines the command line and the web page both run: a report's figures over
//! data taken a batch of rows at a time (import → tallies → figures, in bounded memory).

use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;

use crate::clean::{import_in_batches, Import, ImportOptions};
use crate::stats::{Banner, Results, StatsError, StatsOptions, Tallies};
use crate::survey::Survey;

/// What a report's figures are asked for.
pub struct Ask<'a> {
    pub banners: &'a [Banner],
    /// A number question to weight by.
    pub weight: Option<&'a str>,
    pub stats: &'a StatsOptions,
    /// Only the responses whose column holds one of these values (`--where`).
    pub filter: Option<(&'a str, &'a [String])>,
}

/// The figures over files taken `batch_rows` rows at a time: each batch of responses is
/// tallied on a thread of its own while the next is read and parsed (one batch waits at
/// most) and let go; the figures are made once at the end, the same as from one table.
/// `None` when no file could be imported. `progress` is told of each file read.
pub fn report_in_batches(
    survey: &Survey,
    files: &[PathBuf],
    wave: Option<String>,
    batch_rows: usize,
    ask: &Ask,
    progress: &(dyn Fn(&Path) + Sync),
) -> Result<Option<(Import, Results)>, StatsError> {
    let opts = ImportOptions { wave, ..ImportOptions::default() };
    let mut tallies = Tallies::new(survey, ask.banners, ask.weight, ask.stats);
    if let Some((column, values)) = ask.filter {
        tallies = tallies.with_filter(column, values);
    }
    // `[weighting]`: a first pass counts each cell over all the data, so that every batch
    // is weighted as the whole table is (the second pass reads the files again).
    if survey.weighting.is_some() && ask.weight.is_none() {
        let mut failed = None;
        import_in_batches(survey, files, &opts, batch_rows, &|_| {}, &mut |df| {
            if failed.is_none() {
                failed = tallies.count_cells(&df).err();
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
    }
    let (imp, failed, tallies) = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<DataFrame>(1);
        let tallier = scope.spawn(move || {
            let mut tallies = tallies;
            // The first error stops the tallying; later batches are only taken off the channel.
            let mut failed: Option<StatsError> = None;
            for df in rx {
                if failed.is_none() {
                    failed = tallies.add(&df).err();
                }
            }
            (failed, tallies)
        });
        let imp = import_in_batches(survey, files, &opts, batch_rows, progress, &mut |df| {
            // The tallying thread stops taking batches only when it has ended (by a defect).
            let _ = tx.send(df);
        });
        drop(tx);
        let (failed, tallies) = tallier.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (imp, failed, tallies)
    });
    if imp.nothing_imported() {
        return Ok(None);
    }
    if let Some(e) = failed {
        return Err(e);
    }
    let results = tallies.finish(Vec::new())?;
    Ok(Some((imp, results)))
}
