//! `diaoyan init`: infer survey.toml from returned files.

use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;
use std::path::PathBuf;

use diaoyan::infer::{infer_scanned, read_for_inference};
use diaoyan::survey::Kind;

#[derive(ClapArgs)]
#[command(help_template = super::HELP, next_help_heading = "选项", override_usage = "diaoyan init [选项] <文件或文件夹>...")]
pub struct Args {
    /// 问卷星导出文件（可同时给“按选项文本”和“按序号”两份），或一张表头为题目的表格
    #[arg(required = true, help_heading = "参数", value_name = "文件或文件夹")]
    files: Vec<PathBuf>,
    /// 写出的问卷定义文件（默认 survey.toml）
    #[arg(short, long, default_value = "survey.toml", value_name = "输出文件", hide_default_value = true)]
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
    let mut scans = Vec::new();
    for f in super::collect_inputs(&a.files) {
        // Answers are scanned while the file is read (on another thread).
        let (wb, s) = read_for_inference(&f).with_context(|| format!("无法读取 {}", diaoyan::text::shown(&f)))?;
        books.push(wb);
        scans.push(s);
    }
    let (survey, notes) = infer_scanned(&books, scans)?;
    diaoyan::output::write_atomic(&a.output, |w| {
        use std::io::Write;
        w.write_all(survey.to_toml().as_bytes())
    })?;
    super::say!("已推断出 {} 道题，写入 {}：", survey.questions.len(), a.output.display());
    for q in &survey.questions {
        let extra = match q.kind {
            k if k.has_options() && q.kind == diaoyan::survey::Kind::Matrix => format!("{} 行 × {} 级", q.rows.len(), q.options.len()),
            k if k.has_options() => format!("{} 个选项", q.options.len()),
            _ => String::new(),
        };
        super::say!("  {:<4} {}  {}  {}", q.id, q.kind.label(), q.text, extra);
    }
    // The summary: questions by kind, what to complete, what was not taken as a question.
    let kinds = [Kind::Single, Kind::Multi, Kind::Scale, Kind::Matrix, Kind::Rank, Kind::Text, Kind::Number];
    let by_kind: Vec<String> = kinds
        .iter()
        .filter_map(|k| {
            let n = survey.questions.iter().filter(|q| q.kind == *k).count();
            (n > 0).then(|| format!("{} {n} 道", k.label()))
        })
        .collect();
    super::say!("小结：共 {} 道题（{}）。", survey.questions.len(), by_kind.join("，"));
    let placeholders: Vec<(&str, usize)> = survey
        .questions
        .iter()
        .map(|q| (q.id.as_str(), q.options.iter().filter(|o| o.text().contains("请补全")).count() + usize::from(q.text.contains("请补全"))))
        .filter(|(_, n)| *n > 0)
        .collect();
    if placeholders.is_empty() {
        super::say!("  没有需要补全的选项。");
    } else {
        let total: usize = placeholders.iter().map(|(_, n)| n).sum();
        let shown: Vec<String> = placeholders.iter().take(12).map(|(id, n)| format!("{id} {n} 个")).collect();
        let more = if placeholders.len() > 12 { format!(" 等 {} 道题", placeholders.len()) } else { String::new() };
        super::say!(
            "  需要补全的占位文字 {total} 处（{}{more}）：文件里只有选项编号、或该选项没有人选，已写成“选项N（请补全）”或“第N题（请补全题目）”，请打开 {} 按问卷原文补上。",
            shown.join("、"),
            a.output.display()
        );
    }
    if !survey.fields.is_empty() {
        let names: Vec<&str> = survey.fields.iter().map(|f| f.name.as_str()).collect();
        super::say!(
            "  {} 不是题目，保留在答卷表中（survey.toml 的 [[fields]]），可用作分组变量，如 --banner {}",
            names.join("、"),
            names[0]
        );
    }
    for (id, why) in &notes.doubts {
        super::say!("  {id}：{why}");
    }
    super::say!("  问卷标题“{}”取自{}。", survey.title, notes.title_from);
    for n in &notes.sheets {
        super::say!("  {n}");
    }
    if !notes.meta_columns.is_empty() {
        let shown: Vec<&str> = notes.meta_columns.iter().take(20).map(|s| s.as_str()).collect();
        let more = if notes.meta_columns.len() > 20 { "等".to_string() } else { String::new() };
        super::say!("  以下 {} 列是平台记录的信息，不是题目，未作为题目：{}{more}", notes.meta_columns.len(), shown.join("、"));
    }
    super::say!("请检查题型和选项顺序；分组变量 banners、单位 unit 可按需修改。");
    Ok(0)
}
