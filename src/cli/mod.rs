//! Subcommands: one module each, with one `run` entry point. This file holds the
//! argument definitions and the input-file builder every command shares.

/// `println!` that never stops the run: a closed stdout (`diaoyan status | head -1`)
/// must not keep the files from being written, and Rust's `println!` panics on it.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}
pub(crate) use say;

mod import;
mod init;
mod report;
mod serve;
mod status;
mod template;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use clap::{Parser, Subcommand};
use diaoyan::clean::{import_preloaded, ledger::count_by_problem, Import, ImportOptions};
use diaoyan::survey::Survey;
use std::path::{Path, PathBuf};

/// Help layout with Chinese headings (clap's own are English).
pub(crate) const HELP: &str = "{about}\n\n用法：{usage}\n\n{all-args}{after-help}";

#[derive(Parser)]
#[command(
    name = "diaoyan",
    version,
    about = "调研：把回收的问卷（问卷星导出、各单位填报表）整理成干净、可追溯的数据和统计结果",
    help_template = HELP,
    override_usage = "diaoyan <命令> [选项]",
    subcommand_help_heading = "命令",
    next_help_heading = "选项",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    after_help = "每个命令的详细用法：diaoyan <命令> --help"
)]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Cmd,
    /// 显示帮助
    #[arg(short, long, action = clap::ArgAction::Help, global = true, display_order = 1000)]
    help: Option<bool>,
    /// 显示版本
    #[arg(short = 'V', long, action = clap::ArgAction::Version, display_order = 1001)]
    version: Option<bool>,
}

#[derive(Subcommand)]
#[command(help_template = HELP, next_help_heading = "选项")]
pub enum Cmd {
    /// 从问卷星导出文件（按选项文本、按序号，或两者一起）或普通表格推断问卷定义 survey.toml
    Init(init::Args),
    /// 导入回收的问卷（可一次给多个文件或文件夹），生成清洗后的答卷表和问题清单 issues.csv
    Import(import::Args),
    /// 导入回收的问卷并统计：各题频数、交叉表、显著性检验、年度对比、单位排名，写出 Excel 汇总表、图表、调研报告初稿（Word、网页）、results.csv、tests.csv、changes.csv、league.csv、issues.csv、columns.csv
    Report(Box<report::Args>),
    /// 为名单中的每个单位生成一份填报表（带下拉选项、填写说明），发给各单位填写
    Template(template::Args),
    /// 查看各单位的回收情况：应交、已交、有效份数，回收率、有效率，并写出 status.xlsx
    Status(status::Args),
    /// 在浏览器中使用：启动本机网页（只有本机能访问），拖入回收的文件、查看问卷、统计、下载报告
    Serve(serve::Args),
}

/// The command line for a run without arguments (the program double-clicked): the page
/// on the current folder.
pub fn double_clicked() -> Cli {
    Cli { cmd: Cmd::Serve(serve::Args::here()), help: None, version: None }
}

pub fn run(cli: Cli) -> Result<i32> {
    match cli.cmd {
        Cmd::Init(a) => init::run(a),
        Cmd::Import(a) => import::run(a),
        Cmd::Report(a) => report::run(*a),
        Cmd::Template(a) => template::run(a),
        Cmd::Status(a) => status::run(a),
        Cmd::Serve(a) => serve::run(a),
    }
}

/// No input file could be read: exit status 1 (a file problem), not 2 (a usage error).
#[derive(Debug)]
pub struct AllUnreadable(pub String);

impl std::fmt::Display for AllUnreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AllUnreadable {}

/// The inputs every importing command takes.
#[derive(clap::Args)]
pub struct InputArgs {
    /// 回收的问卷文件或文件夹（文件夹会包含其中所有 .xlsx/.xls/.ods/.csv/.parquet）
    #[arg(required = true, help_heading = "参数", value_name = "文件或文件夹")]
    pub inputs: Vec<PathBuf>,
    /// 问卷定义 survey.toml（不给则按 init 的方式从输入推断）
    #[arg(short, long, value_name = "survey.toml")]
    pub survey: Option<PathBuf>,
    /// 答卷所属年份/批次（不给则取文件夹名中的年份，如 surveys/2025/…）
    #[arg(long, value_name = "年份")]
    pub wave: Option<String>,
}

/// Expands the given files and folders into input files ([`diaoyan::inputs::collect`])
/// and says on stderr what was skipped and why.
pub fn collect_inputs(paths: &[PathBuf]) -> Vec<PathBuf> {
    inputs(paths, true)
}

/// [`collect_inputs`]; `announce`: say what is skipped.
pub fn inputs(paths: &[PathBuf], announce: bool) -> Vec<PathBuf> {
    let found = diaoyan::inputs::collect(paths);
    if announce {
        for (p, why) in &found.skipped {
            eprintln!("提示：{}", why.message(p));
        }
    }
    found.files
}

/// Whether two paths name the same file (the second need not exist yet).
pub fn same_file(a: &Path, b: &Path) -> bool {
    diaoyan::inputs::same_file(a, b)
}

/// The import every command shares: expand inputs, load (or infer) the survey, read all
/// files with a progress bar when the input is large, and report unreadable files and
/// unknown columns on stderr.
pub fn load_and_import(input: &InputArgs) -> Result<(Survey, Import)> {
    load_and_import_files(input, collect_inputs(&input.inputs))
}

/// [`load_and_import`] of the input files already found.
pub fn load_and_import_files(input: &InputArgs, files: Vec<PathBuf>) -> Result<(Survey, Import)> {
    let (survey, wave) = (input.survey.as_deref(), input.wave.clone());
    if files.is_empty() {
        anyhow::bail!("在给出的文件夹中没有找到 .xlsx/.xls/.ods/.csv/.parquet 文件");
    }
    // One .xlsx and no definition: infer it from the first rows while the file is read and
    // parsed, in one pass; when the whole file does not confirm it, infer from the whole
    // file below.
    if survey.is_none() && files.len() == 1 {
        let opts = ImportOptions { wave: wave.clone(), ..ImportOptions::default() };
        let one_pass = diaoyan::clean::import_inferring(&files[0], &opts);
        if let Some((s, imp)) = one_pass {
            say!(
                "没有给出 --survey：已从 {} 推断问卷定义（{} 道题）；建议先用 diaoyan init 生成 survey.toml 并检查",
                diaoyan::text::shown(&files[0]),
                s.questions.len()
            );
            report_files(&imp);
            return Ok((s, imp));
        }
    }
    let (survey, preloaded) = match survey {
        Some(p) => (Survey::load(p).with_context(|| format!("问卷定义 {}", p.display()))?, Vec::new()),
        None => {
            // Inference looks at one text and one code export at most: read two files, not
            // all, and hand them to the import, which then does not read them again.
            let mut errors = Vec::new();
            let (books, scans): (Vec<_>, Vec<_>) = files
                .iter()
                .filter_map(|f| {
                    diaoyan::infer::read_for_inference(f).map_err(|e| errors.push(format!("{}：{e}", diaoyan::text::shown(f)))).ok()
                })
                .take(2)
                .unzip();
            if books.is_empty() {
                return Err(
                    AllUnreadable(format!("没有给出 --survey，且输入文件都无法读取，无法推断问卷定义：{}", errors.join("；"))).into()
                );
            }
            let s = diaoyan::infer::infer_scanned(&books, scans).map(|(s, _)| s).context("没有给出 --survey，且无法从输入推断问卷定义")?;
            say!(
                "没有给出 --survey：已从 {} 推断问卷定义（{} 道题）；建议先用 diaoyan init 生成 survey.toml 并检查",
                books.iter().map(|b| diaoyan::text::shown(&b.path)).collect::<Vec<_>>().join("、"),
                s.questions.len()
            );
            (s, books)
        }
    };
    let opts = ImportOptions { wave, ..ImportOptions::default() };
    let imp = with_progress(&files, |progress| import_preloaded(&survey, &files, preloaded, &opts, progress));
    Ok((survey, imp))
}

/// Runs an import with a progress bar over the files (when there are many or they are
/// large), then says which files could not be read.
fn with_progress(files: &[PathBuf], import: impl FnOnce(&(dyn Fn(&Path) + Sync)) -> Import) -> Import {
    let imp = progress_bar(files, import);
    report_files(&imp);
    imp
}

/// Runs `work` with a progress bar over the files when there are many or they are large.
pub fn progress_bar<T>(files: &[PathBuf], work: impl FnOnce(&(dyn Fn(&Path) + Sync)) -> T) -> T {
    let total_bytes: u64 = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    let bar = (files.len() > 10 || total_bytes > 5_000_000).then_some(()).filter(|_| !lines_progress()).map(|_| {
        let b = ProgressBar::new(files.len() as u64);
        b.set_style(ProgressStyle::with_template("{spinner} 正在读取 [{bar:30}] {pos}/{len} 个文件").unwrap().progress_chars("=> "));
        b.enable_steady_tick(std::time::Duration::from_millis(200));
        b
    });
    let lines = lines_progress();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let progress = |p: &Path| {
        if let Some(b) = &bar {
            b.inc(1);
        }
        if lines {
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            eprintln!("已读取 {n}/{} 个文件：{}", files.len(), diaoyan::text::printable(&name));
        }
    };
    // In lines mode a file that takes long is not silence: a line every few seconds.
    let (stop, ticker) = std::sync::mpsc::channel::<()>();
    let start = std::time::Instant::now();
    let heartbeat = lines.then(|| {
        std::thread::spawn(move || {
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = ticker.recv_timeout(std::time::Duration::from_secs(3)) {
                eprintln!("正在读取和统计……（已用 {} 秒）", start.elapsed().as_secs());
            }
        })
    });
    let out = work(&progress);
    drop(stop);
    if let Some(h) = heartbeat {
        let _ = h.join();
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    out
}

/// Progress as plain lines on stderr (`DIAOYAN_PROGRESS=lines`, as `diaoyan serve` runs
/// reports: its page shows the lines as they come), instead of a bar on a terminal.
fn lines_progress() -> bool {
    std::env::var("DIAOYAN_PROGRESS").is_ok_and(|v| v == "lines")
}

/// Rows per batch of a report taken a batch at a time: batches are assembled and
/// tallied while the next is parsed, so smaller batches leave less to do after the last
/// row is read (1,000,000 rows × 30 questions: 2.76 s with 100,000-row batches, 2.88 s
/// with 500,000) and hold less.
const BATCH_ROWS: usize = 100_000;
/// Inputs estimated to hold more rows than this are reported on a batch at a time: it
/// holds less and is no slower.
const BATCHED_ABOVE: usize = 500_000;

/// A report's inputs when they are to be taken a batch at a time: the survey, the files
/// and the rows per batch. `None` for the ordinary import (the definition is to be
/// inferred, the data is not that large, or its figures need every row at once).
/// `DIAOYAN_BATCH_ROWS=N` (for tests) takes any data in batches of N rows.
pub fn batched_input(input: &InputArgs) -> Result<Batching> {
    use rayon::prelude::*;
    let files = collect_inputs(&input.inputs);
    let Some(path) = input.survey.as_deref() else { return Ok(Batching::Whole(files)) };
    let forced = forced_batch_rows();
    let rows: usize = if forced.is_some() {
        0
    } else {
        files.par_iter().with_max_len(1).map(|f| diaoyan::ingest::Source::sniff(f).map_or(0, |s| s.estimated_rows())).sum()
    };
    if forced.is_none() && rows <= BATCHED_ABOVE {
        return Ok(Batching::Whole(files));
    }
    let survey = Survey::load(path).with_context(|| format!("问卷定义 {}", path.display()))?;
    if let Some(why) = diaoyan::stats::needs_whole_table(&survey) {
        let size = if forced.is_some() { String::new() } else { format!("数据约 {rows} 行，") };
        say!("{size}{why}：需要把全部答卷同时放在内存中计算，内存占用随答卷数增长");
        return Ok(Batching::Whole(files));
    }
    if forced.is_none() {
        say!("答卷约 {rows} 份：按每批 {BATCH_ROWS} 份分批统计（数字与一次算完相同，内存不随份数增长）");
    }
    Ok(Batching::Batched(Box::new(survey), files, forced.unwrap_or(BATCH_ROWS)))
}

/// How a report takes its input files ([`batched_input`]).
pub enum Batching {
    /// A batch of rows at a time: the survey, the files and the rows per batch.
    Batched(Box<Survey>, Vec<PathBuf>, usize),
    /// Every response in one table.
    Whole(Vec<PathBuf>),
}

/// `DIAOYAN_BATCH_ROWS=N` (for tests): batches of N rows.
fn forced_batch_rows() -> Option<usize> {
    std::env::var("DIAOYAN_BATCH_ROWS").ok().and_then(|v| v.trim().parse().ok()).filter(|n| *n > 0)
}

/// Rows per batch of a streamed import (`import` with a survey.toml): smaller than a
/// report's, as writing gains nothing from large batches (measured on 1,000,000 rows × 30
/// questions: peak 478 MB with 500,000-row batches, 244 MB with 100,000, the same time).
const IMPORT_BATCH_ROWS: usize = 100_000;

pub fn import_batch_rows() -> usize {
    forced_batch_rows().unwrap_or(IMPORT_BATCH_ROWS)
}

/// Unreadable files, duplicates and unknown columns, on stderr.
pub fn report_files(imp: &Import) {
    for f in &imp.files {
        if let Some(first) = &f.duplicate_of {
            eprintln!("提示：{} 与 {} 内容完全相同，未重复导入", diaoyan::text::shown(&f.path), diaoyan::text::shown(first));
        } else if let Some(e) = &f.error {
            eprintln!("无法读取 {}：{}", diaoyan::text::shown(&f.path), e);
        } else if !f.unknown_columns.is_empty() {
            let shown: Vec<&str> = f.unknown_columns.iter().take(3).map(|s| s.as_str()).collect();
            eprintln!(
                "提示：{} 中有 {} 列与问卷题目对不上（{}{}），这些列未导入，已记入问题清单",
                diaoyan::text::shown(&f.path),
                f.unknown_columns.len(),
                shown.join("、"),
                if f.unknown_columns.len() > 3 { "……" } else { "" }
            );
        }
    }
}

/// The import summary every command prints.
pub fn print_import_summary(imp: &Import) {
    let failed = imp.failed_files();
    say!("导入完成：{} 个文件{}", imp.files.len(), if failed > 0 { format!("（{failed} 个无法读取）") } else { String::new() });
    say!(
        "  读取答卷 {} 行 = 保留 {} 行 + 剔除 {} 行{}",
        imp.rows_read,
        imp.rows_kept,
        imp.rows_rejected,
        if imp.blank_rows > 0 { format!("（另跳过空行 {} 行）", imp.blank_rows) } else { String::new() }
    );
    say!("  有效答卷共 {} 份", imp.rows_kept);
    if imp.duplicate_files() > 0 {
        say!("  有 {} 个文件与另一个输入文件内容完全相同（同一文件、副本或链接），未重复导入", imp.duplicate_files());
    }
    if imp.duplicate_respondents() > 0 {
        say!(
            "  有 {} 份答卷在另一个文件中已经导入（序号和提交时间相同，或序号和全部答案相同，如同一问卷的“按选项文本”和“按序号”两份导出），已剔除，未重复计算",
            imp.duplicate_respondents()
        );
    }
    if imp.conflicts() > 0 {
        say!(
            "  注意：有 {} 列与同一文件中的另一列对应同一题目（或同一行、同一选项），这些列都未导入，详见 columns.csv 和问题清单",
            imp.conflicts()
        );
    }
    if imp.issues.is_empty() {
        say!("  没有发现数据问题");
    } else {
        let by: Vec<String> = count_by_problem(&imp.issues).into_iter().map(|(p, n)| format!("{} {} 条", p.label(), n)).collect();
        say!("  数据问题 {} 条：{}", imp.issues.len(), by.join("，"));
    }
}
