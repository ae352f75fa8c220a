//! `diaoyan import`: many files → one response table + the issue ledger.

use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

use diaoyan::clean::{import, ledger::count_by_problem, ImportOptions};
use diaoyan::survey::Survey;

#[derive(ClapArgs)]
#[command(help_template = super::HELP, next_help_heading = "选项")]
pub struct Args {
    /// 回收的问卷文件或文件夹（文件夹会包含其中所有 .xlsx/.xls/.ods/.csv）
    #[arg(required = true, help_heading = "参数", value_name = "文件或文件夹")]
    inputs: Vec<PathBuf>,
    /// 问卷定义 survey.toml（不给则按 init 的方式从输入推断）
    #[arg(short, long, value_name = "survey.toml")]
    survey: Option<PathBuf>,
    /// 答卷所属年份/批次（不给则取文件夹名中的年份，如 surveys/2025/…）
    #[arg(long, value_name = "年份")]
    wave: Option<String>,
    /// 输出的答卷表：.csv（Excel 可直接打开）或 .parquet；问题清单 issues.csv 写在同一文件夹
    #[arg(short, long, value_name = "输出文件")]
    output: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<i32> {
    let files = super::collect_inputs(&a.inputs);
    if files.is_empty() {
        anyhow::bail!("在给出的文件夹中没有找到 .xlsx/.xls/.ods/.csv 文件");
    }
    let survey = match &a.survey {
        Some(p) => Survey::load(p).with_context(|| format!("问卷定义 {}", p.display()))?,
        None => {
            let books: Vec<_> = files.iter().filter_map(|f| diaoyan::ingest::read_file(f).ok()).collect();
            diaoyan::survey::infer::infer(&books).context("没有给出 --survey，且无法从输入推断问卷定义")?
        }
    };
    let output = a.output.clone().unwrap_or_else(|| PathBuf::from("reports").join(&survey.id).join("clean.csv"));
    let total_bytes: u64 = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    let bar = if files.len() > 10 || total_bytes > 5_000_000 {
        let b = ProgressBar::new(files.len() as u64);
        b.set_style(ProgressStyle::with_template("{spinner} 正在读取 [{bar:30}] {pos}/{len} 个文件 {msg}").unwrap().progress_chars("=> "));
        b.enable_steady_tick(std::time::Duration::from_millis(200));
        Some(b)
    } else {
        None
    };
    let opts = ImportOptions { wave: a.wave.clone(), ..ImportOptions::default() };
    let progress = |_: &std::path::Path| {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let mut imp = import(&survey, &files, &opts, &progress);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    for f in &imp.files {
        if let Some(e) = &f.error {
            eprintln!("无法读取 {}：{}", f.path.display(), e);
        } else if !f.unknown_columns.is_empty() {
            let shown: Vec<&str> = f.unknown_columns.iter().take(3).map(|s| s.as_str()).collect();
            eprintln!(
                "提示：{} 中有 {} 列与问卷题目对不上（{}{}），这些列未导入，已记入问题清单",
                f.path.display(),
                f.unknown_columns.len(),
                shown.join("、"),
                if f.unknown_columns.len() > 3 { "……" } else { "" }
            );
        }
    }
    let issues_path = output.with_file_name("issues.csv");
    let failed = imp.failed_files();
    if failed == imp.files.len() {
        println!("没有一个文件能导入，未写出结果。请按上面的提示处理后再试。");
        return Ok(1);
    }
    diaoyan::output::write_frame(&mut imp.frame, &output)?;
    diaoyan::output::write_issues(&imp.issues, &issues_path)?;

    println!("导入完成：{} 个文件{}", imp.files.len(), if failed > 0 { format!("（{failed} 个无法读取）") } else { String::new() });
    println!(
        "  读取答卷 {} 行 = 保留 {} 行 + 剔除 {} 行{}",
        imp.rows_read,
        imp.rows_kept,
        imp.rows_rejected,
        if imp.blank_rows > 0 { format!("（另跳过空行 {} 行）", imp.blank_rows) } else { String::new() }
    );
    println!("  有效答卷共 {} 份", imp.rows_kept);
    if imp.issues.is_empty() {
        println!("  没有发现数据问题");
    } else {
        let by: Vec<String> = count_by_problem(&imp.issues).into_iter().map(|(p, n)| format!("{} {} 条", p.label(), n)).collect();
        println!("  数据问题 {} 条：{}", imp.issues.len(), by.join("，"));
    }
    println!("  已写出：{}，{}", output.display(), issues_path.display());
    Ok(if failed > 0 { 1 } else { 0 })
}
