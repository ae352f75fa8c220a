//! `diaoyan init`: infer survey.toml from returned files.

use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;
use std::path::PathBuf;

use diaoyan::ingest::read_file;
use diaoyan::survey::infer::infer;

#[derive(ClapArgs)]
#[command(help_template = super::HELP, next_help_heading = "选项")]
pub struct Args {
    /// 问卷星导出文件（可同时给“按选项文本”和“按序号”两份），或一张表头为题目的表格
    #[arg(required = true, help_heading = "参数", value_name = "文件或文件夹")]
    files: Vec<PathBuf>,
    /// 写出的问卷定义文件
    #[arg(short, long, default_value = "survey.toml", value_name = "输出文件")]
    output: PathBuf,
    /// 已存在时覆盖
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args) -> Result<i32> {
    if a.output.exists() && !a.force {
        bail!("{} 已存在；如需覆盖，请加 --force", a.output.display());
    }
    let mut books = Vec::new();
    for f in super::collect_inputs(&a.files) {
        let wb = read_file(&f).with_context(|| format!("无法读取 {}", f.display()))?;
        books.push(wb);
    }
    let survey = infer(&books)?;
    diaoyan::output::write_atomic(&a.output, |w| {
        use std::io::Write;
        w.write_all(survey.to_toml().as_bytes()).map_err(|e| e.to_string())
    })?;
    println!("已推断出 {} 道题，写入 {}：", survey.questions.len(), a.output.display());
    for q in &survey.questions {
        let extra = match q.kind {
            k if k.has_options() && q.kind == diaoyan::survey::Kind::Matrix => format!("{} 行 × {} 级", q.rows.len(), q.options.len()),
            k if k.has_options() => format!("{} 个选项", q.options.len()),
            _ => String::new(),
        };
        println!("  {:<4} {}  {}  {}", q.id, q.kind.label(), q.text, extra);
    }
    if survey.questions.iter().any(|q| q.options.iter().any(|o| o.text().contains("请补全"))) {
        println!("注意：有些选项在数据中没有出现，已用“选项N（…请补全）”占位，请打开 {} 补上原文。", a.output.display());
    }
    println!("请检查题型和选项顺序；分组变量 banners、单位 unit 可按需修改。");
    Ok(0)
}
