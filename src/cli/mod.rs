//! Subcommands: one module each, with one `run` entry point. This file holds the
//! argument definitions and the input-file builder every command shares.

mod import;
mod init;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

/// Help layout with Chinese headings (clap's own are English).
pub(crate) const HELP: &str = "{about}\n\n用法：{usage}\n\n{all-args}{after-help}";

#[derive(Parser)]
#[command(
    name = "diaoyan",
    version,
    about = "调研：把回收的问卷（问卷星导出、各单位填报表）整理成干净、可追溯的数据和统计结果",
    help_template = HELP,
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
    #[arg(short, long, action = clap::ArgAction::Help, global = true)]
    help: Option<bool>,
    /// 显示版本
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: Option<bool>,
}

#[derive(Subcommand)]
#[command(help_template = HELP, next_help_heading = "选项")]
pub enum Cmd {
    /// 从问卷星导出文件（按选项文本、按序号，或两者一起）或普通表格推断问卷定义 survey.toml
    Init(init::Args),
    /// 导入回收的问卷（可一次给多个文件或文件夹），生成清洗后的答卷表和问题清单 issues.csv
    Import(import::Args),
}

pub fn run(cli: Cli) -> Result<i32> {
    match cli.cmd {
        Cmd::Init(a) => init::run(a),
        Cmd::Import(a) => import::run(a),
    }
}

/// Expands the given files and folders into input files, in a stable order. Folders are
/// searched recursively for .xlsx/.xls/.ods/.csv; Office lock files (`~$…`) and hidden
/// files are skipped. Paths that do not exist are kept, so that the reader reports them.
pub fn collect_inputs(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found);
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        if p.is_dir() {
            walk(&p, out);
        } else if diaoyan::ingest::is_supported(&p) && name != "survey.toml" {
            out.push(p);
        }
    }
}
