//! `diaoyan template`: one fill-in workbook per unit on the roster.

use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use std::path::PathBuf;

use diaoyan::collect::{roster, template};
use diaoyan::survey::Survey;

#[derive(ClapArgs)]
#[command(help_template = super::HELP, next_help_heading = "选项", override_usage = "diaoyan template [选项] --survey <survey.toml> --units <units.csv>")]
pub struct Args {
    /// 问卷定义 survey.toml
    #[arg(short, long, value_name = "survey.toml")]
    survey: PathBuf,
    /// 单位名单（.csv 或 .xlsx），表头为 单位、应收份数（或 unit、expected）
    #[arg(long, value_name = "units.csv")]
    units: PathBuf,
    /// 输出文件夹（默认 templates）
    #[arg(short, long, default_value = "templates", value_name = "文件夹", hide_default_value = true)]
    output: PathBuf,
}

pub fn run(a: Args) -> Result<i32> {
    let survey = Survey::load(&a.survey).with_context(|| format!("问卷定义 {}", a.survey.display()))?;
    let units = roster::load(&a.units)?;
    std::fs::create_dir_all(&a.output).with_context(|| format!("无法创建输出文件夹 {}", a.output.display()))?;
    let written = template::write_all(&survey, &units, &a.output)?;
    super::say!("已为 {} 个单位生成填报表，放在 {}：", units.len(), a.output.display());
    for (u, path) in units.iter().zip(&written) {
        super::say!("  {}  （{}，应交 {} 份）", path.file_name().unwrap_or_default().to_string_lossy(), u.name, u.expected);
    }
    super::say!("请把各单位的表发给对应单位；收回后放进 surveys/<年份>/ 文件夹，用 diaoyan status 查看回收情况。");
    Ok(0)
}
