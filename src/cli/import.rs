//! `diaoyan import`: many files → one response table + the issue ledger.

use anyhow::Result;
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs)]
#[command(help_template = super::HELP, next_help_heading = "选项")]
pub struct Args {
    #[command(flatten)]
    input: super::InputArgs,
    /// 输出的答卷表：.csv（Excel 可直接打开）或 .parquet；问题清单 issues.csv 写在同一文件夹
    #[arg(short, long, value_name = "输出文件")]
    output: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<i32> {
    // Never write over an input.
    if let Some(o) = &a.output {
        for i in super::inputs(&a.input.inputs, false) {
            if super::same_file(o, &i) || super::same_file(&o.with_file_name("issues.csv"), &i) || super::same_file(&o.with_file_name("columns.csv"), &i) {
                anyhow::bail!("输出文件 {} 会覆盖输入文件 {}，请用 -o 指定另一个文件名或文件夹", o.display(), i.display());
            }
        }
    }
    let (survey, mut imp) = super::load_and_import(&a.input)?;
    let output = a.output.clone().unwrap_or_else(|| PathBuf::from("reports").join(diaoyan::text::safe_file_stem(&survey.id)).join("clean.csv"));
    let issues_path = output.with_file_name("issues.csv");
    if imp.failed_files() == imp.files.len() {
        super::say!("没有一个文件能导入，未写出结果。请按上面的提示处理后再试。");
        return Ok(1);
    }
    let dir = output.parent().filter(|d| !d.as_os_str().is_empty()).map(|d| d.to_path_buf()).unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir).ok();
    diaoyan::output::start_run(&dir)?;
    diaoyan::output::write_frame(&mut imp.frame, &output)?;
    diaoyan::clean::ledger::write_issues(&imp.issues, &issues_path)?;
    let columns_path = output.with_file_name("columns.csv");
    diaoyan::clean::ledger::write_columns(&imp.column_map(), &columns_path)?;
    diaoyan::output::finish_run(&dir, &[output.clone(), issues_path.clone(), columns_path.clone()])?;
    super::print_import_summary(&imp);
    super::say!("  已写出：{}，{}，{}（每一列导入到了哪道题）", output.display(), issues_path.display(), columns_path.display());
    Ok(if imp.failed_files() > 0 { 1 } else { 0 })
}
