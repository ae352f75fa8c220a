//! `diaoyan import`: many files → one response table + the issue ledger.

use anyhow::Result;
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
    let (survey, imp) = super::load_and_import(&a.input)?;
    let output =
        a.output.clone().unwrap_or_else(|| PathBuf::from("reports").join(diaoyan::text::safe_file_stem(&survey.id)).join("clean.csv"));
    let issues_path = output.with_file_name("issues.csv");
    if imp.nothing_imported() {
        super::say!("没有一个文件能导入，未写出结果。请按上面的提示处理后再试。");
        return Ok(1);
    }
    // A folder (`-o 数据集/`, or one that exists): a hive-partitioned Parquet dataset.
    let dataset =
        a.output.as_ref().is_some_and(|o| o.as_os_str().to_string_lossy().ends_with(['/', std::path::MAIN_SEPARATOR]) || o.is_dir());
    let (dir, issues_path) = if dataset {
        (output.clone(), output.join("issues.csv"))
    } else {
        (output.parent().filter(|d| !d.as_os_str().is_empty()).map(|d| d.to_path_buf()).unwrap_or_else(|| PathBuf::from(".")), issues_path)
    };
    let columns_path = issues_path.with_file_name("columns.csv");
    std::fs::create_dir_all(&dir).ok();
    diaoyan::output::start_run(&dir)?;
    // Single choices are written as their texts, a slice of rows at a time.
    let texts = |d: polars::prelude::DataFrame| diaoyan::clean::readable(&survey, &d);
    let mut written = if dataset {
        diaoyan::output::write_dataset(&imp.frame, &dir, [diaoyan::survey::schema::WAVE, diaoyan::survey::schema::UNIT], &texts)?
    } else {
        diaoyan::output::write_frame(&imp.frame, &output, &texts)?;
        vec![output.clone()]
    };
    diaoyan::clean::ledger::write_issues(&imp.issues, &issues_path)?;
    diaoyan::clean::ledger::write_columns(&imp.column_map(), &columns_path)?;
    let parts = written.len();
    written.extend([issues_path.clone(), columns_path.clone()]);
    diaoyan::output::finish_run(&dir, &written)?;
    super::print_import_summary(&imp);
    if dataset {
        super::say!(
            "  已写出 Parquet 数据集：{}（按年份、单位分区，共 {parts} 个文件），{}，{}（每一列导入到了哪道题）",
            dir.display(),
            issues_path.display(),
            columns_path.display()
        );
    } else {
        super::say!("  已写出：{}，{}，{}（每一列导入到了哪道题）", output.display(), issues_path.display(), columns_path.display());
    }
    Ok(if imp.failed_files() > 0 { 1 } else { 0 })
}
