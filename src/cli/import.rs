//! `diaoyan import`: many files → one response table + the issue ledger.

use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs)]
#[command(help_template = super::HELP, next_help_heading = "选项", override_usage = "diaoyan import [选项] <文件或文件夹>...")]
pub struct Args {
    #[command(flatten)]
    input: super::InputArgs,
    /// 输出的答卷表：.csv（Excel 可直接打开）或 .parquet；问题清单 issues.csv 写在同一文件夹。
    /// 给一个文件夹（以 / 结尾，如 -o 数据集/）则写成按年份、单位分区的 Parquet 数据集（wave=2025/unit=区财政局/part-0.parquet），
    /// DuckDB、Spark 等可直接读取
    #[arg(short, long, value_name = "输出文件或文件夹/")]
    output: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<i32> {
    // Never write over an input.
    if let Some(o) = &a.output {
        for i in super::inputs(&a.input.inputs, false) {
            if super::same_file(o, &i)
                || super::same_file(&o.with_file_name("issues.csv"), &i)
                || super::same_file(&o.with_file_name("columns.csv"), &i)
            {
                anyhow::bail!("输出文件 {} 会覆盖输入文件 {}，请用 -o 指定另一个文件名或文件夹", o.display(), i.display());
            }
        }
    }
    if let Some(path) = a.input.survey.as_deref() {
        let survey = diaoyan::survey::Survey::load(path).with_context(|| format!("问卷定义 {}", path.display()))?;
        return streamed(&a, survey);
    }
    let (survey, imp) = super::load_and_import(&a.input)?;
    if imp.nothing_imported() {
        super::say!("没有一个文件能导入，未写出结果。请按上面的提示处理后再试。");
        return Ok(1);
    }
    let out = outputs(&a, &survey);
    std::fs::create_dir_all(&out.dir).ok();
    diaoyan::output::start_run(&out.dir)?;
    clear_dataset(&out)?;
    // Single choices are written as their texts, a slice of rows at a time.
    let texts = |d: polars::prelude::DataFrame| diaoyan::clean::readable(&survey, &d);
    let written = if out.dataset {
        diaoyan::output::write_dataset(&imp.frame, &out.dir, [diaoyan::survey::schema::WAVE, diaoyan::survey::schema::UNIT], &texts)?
    } else {
        diaoyan::output::write_frame(&imp.frame, &out.table, &texts)?;
        vec![out.table.clone()]
    };
    finish(&out, written, &imp)
}

/// A dataset folder written before: its old part files go first (said), so that none of
/// their rows is read with the new ones.
fn clear_dataset(out: &Outputs) -> Result<()> {
    if out.dataset {
        let n = diaoyan::output::clear_dataset(&out.dir, [diaoyan::survey::schema::WAVE, diaoyan::survey::schema::UNIT])?;
        if n > 0 {
            eprintln!("提示：已删除 {} 中上一次导出的 {n} 个分区文件（part-N.parquet），再写出这一次的", out.dir.display());
        }
    }
    Ok(())
}

/// Where an import writes: the table (a file, or a folder for a dataset), the folder of
/// its run, and the ledger files.
struct Outputs {
    table: PathBuf,
    dataset: bool,
    dir: PathBuf,
    issues: PathBuf,
    columns: PathBuf,
}

fn outputs(a: &Args, survey: &diaoyan::survey::Survey) -> Outputs {
    let table =
        a.output.clone().unwrap_or_else(|| PathBuf::from("reports").join(diaoyan::text::safe_file_stem(&survey.id)).join("clean.csv"));
    // A folder (`-o 数据集/`, or one that exists): a hive-partitioned Parquet dataset.
    let dataset =
        a.output.as_ref().is_some_and(|o| o.as_os_str().to_string_lossy().ends_with(['/', std::path::MAIN_SEPARATOR]) || o.is_dir());
    let dir = if dataset {
        table.clone()
    } else {
        table.parent().filter(|d| !d.as_os_str().is_empty()).map(|d| d.to_path_buf()).unwrap_or_else(|| PathBuf::from("."))
    };
    Outputs { issues: dir.join("issues.csv"), columns: dir.join("columns.csv"), table, dataset, dir }
}

/// The import with a survey.toml: read a batch at a time, each batch written to the output
/// as it comes (CSV, Parquet or the partitioned dataset), so the whole table is never held;
/// duplicates across batches are still found (the import's assembler keeps their keys)
/// and the ledger is the same as the whole-table import's.
fn streamed(a: &Args, survey: diaoyan::survey::Survey) -> Result<i32> {
    let files = super::collect_inputs(&a.input.inputs);
    if files.is_empty() {
        anyhow::bail!("在给出的文件夹中没有找到 .xlsx/.xls/.ods/.csv/.parquet 文件");
    }
    let out = outputs(a, &survey);
    std::fs::create_dir_all(&out.dir).ok();
    diaoyan::output::start_run(&out.dir)?;
    clear_dataset(&out)?;
    let opts = diaoyan::clean::ImportOptions { wave: a.input.wave.clone(), ..Default::default() };
    let rows = super::import_batch_rows();
    let texts = |d: polars::prelude::DataFrame| diaoyan::clean::readable(&survey, &d);
    let keys = [diaoyan::survey::schema::WAVE, diaoyan::survey::schema::UNIT];
    let (written, imp) = super::progress_bar(&files, |progress| -> Result<_> {
        let import = |sink: &mut dyn FnMut(polars::prelude::DataFrame)| {
            diaoyan::clean::import_in_batches(&survey, &files, &opts, rows, progress, sink)
        };
        Ok(if out.dataset {
            diaoyan::output::write_dataset_frames(&out.table, keys, &texts, import)?
        } else {
            (vec![out.table.clone()], diaoyan::output::write_frames(&out.table, &texts, import)?)
        })
    })?;
    super::report_files(&imp);
    if imp.nothing_imported() {
        for f in &written {
            let _ = std::fs::remove_file(f);
        }
        super::say!("没有一个文件能导入，未写出结果。请按上面的提示处理后再试。");
        return Ok(1);
    }
    finish(&out, written, &imp)
}

/// The ledger, the column map and the run's manifest beside the table; the summary.
fn finish(out: &Outputs, mut written: Vec<PathBuf>, imp: &diaoyan::clean::Import) -> Result<i32> {
    diaoyan::clean::ledger::write_issues(&imp.issues, &out.issues)?;
    diaoyan::clean::ledger::write_columns(&imp.column_map(), &out.columns)?;
    let parts = written.len();
    written.extend([out.issues.clone(), out.columns.clone()]);
    diaoyan::output::finish_run(&out.dir, &written)?;
    super::print_import_summary(imp);
    if out.dataset {
        super::say!(
            "  已写出 Parquet 数据集：{}（按年份、单位分区，共 {parts} 个文件），{}，{}（每一列导入到了哪道题）",
            out.dir.display(),
            out.issues.display(),
            out.columns.display()
        );
    } else {
        super::say!("  已写出：{}，{}，{}（每一列导入到了哪道题）", out.table.display(), out.issues.display(), out.columns.display());
    }
    Ok(if imp.failed_files() > 0 { 1 } else { 0 })
}
