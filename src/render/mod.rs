//! Outputs of a report. The report command builds one [`Report`] (the survey, the
//! import, the figures and the options), and each output — the workbook, the charts,
//! the tidy CSVs — turns it into files through the [`Output`] interface. Outputs compute
//! no figure: they only place, word and draw what `stats` computed. Wording shared by
//! several outputs (test lines, banner names, p-values, base marks) is in [`words`].
//!
//! A new output is one new file implementing [`Output`] plus one line in [`outputs`].

pub mod changes_csv;
pub mod charts;
pub mod document;
pub mod league_csv;
pub mod ledger_csv;
pub mod results_csv;
pub mod words;
pub mod xlsx;

use polars::prelude::DataFrame;
use std::path::{Path, PathBuf};

use crate::clean::ledger::ColumnMap;
use crate::clean::Import;
use crate::collect::status::Status;
use crate::output::WriteError;
use crate::stats::changes::Changes;
use crate::stats::{Banner, Results};
use crate::survey::Survey;

/// Everything a report shows, built once.
pub struct Report {
    pub survey: Survey,
    pub import: Import,
    /// The responses the figures cover: the import's, or the `--where` subset (`None` when
    /// there were too many to hold, and the figures were made a batch at a time).
    pub data: Option<DataFrame>,
    pub results: Results,
    /// Changes between waves (empty without two waves).
    pub changes: Changes,
    pub banners: Vec<Banner>,
    /// The subset the figures cover (`--where`), as the user wrote it.
    pub filter: Option<String>,
    /// Returns per unit against the roster (`--units`), one per wave, if given.
    pub status: Vec<Status>,
    /// Where every input column went.
    pub columns: Vec<ColumnMap>,
    /// The written report, built once for every output that renders it.
    pub document: std::sync::OnceLock<document::Document>,
}

impl Report {
    /// How many responses the figures cover.
    pub fn responses(&self) -> usize {
        self.results.respondents.iter().map(|(_, n)| n).sum()
    }
    /// The written report (built on first use).
    pub fn document(&self) -> &document::Document {
        self.document.get_or_init(|| document::build(self))
    }
}

/// What an output wrote.
#[derive(Debug, Default)]
pub struct Written {
    pub files: Vec<PathBuf>,
    /// The line of the run summary that names it (none when nothing was written).
    pub line: Option<String>,
    /// Notices for the user (printed on stderr), e.g. characters a font lacks.
    pub notes: Vec<String>,
}

impl Written {
    /// One file, named in the summary by `line`.
    pub fn file(path: PathBuf, line: impl Into<String>) -> Written {
        Written { files: vec![path], line: Some(line.into()), notes: vec![] }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
}

/// One output format of a report.
pub trait Output: Sync {
    /// What users call it (`Excel 汇总表`, `results.csv`), for messages.
    fn name(&self) -> &'static str;
    /// Writes the output into `dir`.
    fn write(&self, report: &Report, dir: &Path) -> Result<Written, RenderError>;
}

/// How the outputs are asked for.
pub struct OutputOptions {
    /// Chart images: `None` for none.
    pub charts: Option<charts::Charts>,
    /// The written report as Word.
    pub docx: bool,
    /// The written report as a web page.
    pub html: bool,
    /// The 汇报 deck.
    pub pptx: bool,
    /// 分单位反馈: a Word document per unit.
    pub per_unit: bool,
}

/// The outputs of `report`, in the order they are written and listed.
pub fn outputs(opts: OutputOptions) -> Vec<Box<dyn Output>> {
    let mut out: Vec<Box<dyn Output>> = vec![
        Box::new(xlsx::SummaryWorkbook),
        Box::new(results_csv::ResultsCsv),
        Box::new(results_csv::TestsCsv),
        Box::new(changes_csv::ChangesCsv),
        Box::new(league_csv::LeagueCsv),
    ];
    if let Some(c) = opts.charts {
        out.push(Box::new(c));
    }
    if opts.docx {
        out.push(Box::new(document::WordReport));
    }
    if opts.html {
        out.push(Box::new(document::HtmlReport));
    }
    if opts.pptx {
        out.push(Box::new(document::DeckReport));
    }
    if opts.per_unit {
        out.push(Box::new(document::PerUnit));
    }
    out.push(Box::new(ledger_csv::IssuesCsv));
    out.push(Box::new(ledger_csv::ColumnsCsv));
    out
}
