//! `diaoyan report`: import, compute every figure, write the workbook and tidy files.

use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use std::path::PathBuf;

use diaoyan::render::{charts, results_csv, xlsx};
use diaoyan::stats::{compute, StatsOptions};

#[derive(ClapArgs)]
#[command(help_template = super::HELP, next_help_heading = "选项")]
pub struct Args {
    #[command(flatten)]
    input: super::InputArgs,
    /// 分组变量（可多次给出）：题目编号（单选题/量表题）、unit（单位）或 wave（年份）；不给则用 survey.toml 中的 banners
    #[arg(long = "banner", value_name = "分组")]
    banners: Vec<String>,
    /// 只统计部分答卷，如 --where unit=区财政局 或 --where Q1=党政干部（多个值用 | 分隔）
    #[arg(long = "where", value_name = "列=值")]
    filter: Option<String>,
    /// 权重：survey.toml 中一道数值题的编号，按它加权
    #[arg(long, value_name = "题号")]
    weight: Option<String>,
    /// 显著性水平
    #[arg(long, default_value_t = 0.05, value_name = "α")]
    alpha: f64,
    /// 两两比较时做 Bonferroni 校正
    #[arg(long)]
    bonferroni: bool,
    /// 样本量低于此数的分组不参与两两比较（显著性字母），但仍计入卡方检验
    #[arg(long, default_value_t = 30.0, value_name = "人数", allow_negative_numbers = true)]
    min_base: f64,
    /// 样本量低于此数的分组标“谨慎解读”
    #[arg(long, default_value_t = 100.0, value_name = "人数", allow_negative_numbers = true)]
    caution_base: f64,
    /// 图表格式：png、svg，或 none（不画图），可用逗号组合
    #[arg(long, default_value = "png,svg", value_name = "格式")]
    charts: String,
    /// 图片分辨率（每英寸点数）；图宽 16 厘米，适合直接贴进 Word
    #[arg(long, default_value_t = 200, value_name = "dpi")]
    dpi: u32,
    /// 画图用的字体文件（.ttf/.otf），默认用内置的思源黑体（Noto Sans SC）子集
    #[arg(long, value_name = "字体文件")]
    font: Option<PathBuf>,
    /// 单位名单（.csv 或 .xlsx，表头 单位、应收份数）：概览页加上各单位回收情况
    #[arg(long, value_name = "units.csv")]
    units: Option<PathBuf>,
    /// 输出文件夹（默认 reports/<问卷 id>/）
    #[arg(short, long, value_name = "文件夹")]
    output: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<i32> {
    if !(a.alpha > 0.0 && a.alpha < 1.0) {
        anyhow::bail!("--alpha 应在 0 和 1 之间，例如 0.05");
    }
    for (flag, v) in [("--min-base", a.min_base), ("--caution-base", a.caution_base)] {
        if !(v.is_finite() && (0.0..=1e9).contains(&v)) {
            anyhow::bail!("{flag} 应为 0 或正的人数，例如 30（收到的是 {v}）");
        }
    }
    let mut chart_opts = charts::ChartOptions { png: false, svg: false, dpi: a.dpi };
    for f in a.charts.split(',').map(|f| f.trim().to_ascii_lowercase()) {
        match f.as_str() {
            "png" => chart_opts.png = true,
            "svg" => chart_opts.svg = true,
            "none" | "" => {}
            other => anyhow::bail!("--charts 只能是 png、svg、none 的组合，不认识“{other}”"),
        }
    }
    if !(50..=1200).contains(&a.dpi) {
        anyhow::bail!("--dpi 应在 50 到 1200 之间（默认 200）");
    }
    // Load the font first, so that a bad --font stops before any work.
    let font = if chart_opts.png || chart_opts.svg { Some(charts::ChartFont::load(a.font.as_deref())?) } else { None };
    let roster = match &a.units {
        Some(p) => Some(diaoyan::collect::roster::load(p)?),
        None => None,
    };
    let (survey, imp) = super::load_and_import(&a.input)?;
    let status: Vec<diaoyan::collect::status::Status> = match &roster {
        Some(r) => diaoyan::collect::status::waves(&imp).iter().map(|w| diaoyan::collect::status::status(r, &imp, w)).collect(),
        None => Vec::new(),
    };
    if imp.failed_files() == imp.files.len() {
        super::say!("没有一个文件能导入，未写出结果。请按上面的提示处理后再试。");
        return Ok(1);
    }
    let banners = if a.banners.is_empty() { survey.banners.clone() } else { a.banners.clone() };
    let opts = StatsOptions { alpha: a.alpha, bonferroni: a.bonferroni, min_base: a.min_base, caution_base: a.caution_base, ..StatsOptions::default() };
    let dir = a.output.clone().unwrap_or_else(|| PathBuf::from("reports").join(diaoyan::text::safe_file_stem(&survey.id)));
    std::fs::create_dir_all(&dir).with_context(|| format!("无法创建输出文件夹 {}", dir.display()))?;
    diaoyan::output::start_run(&dir)?;
    let frame = match &a.filter {
        Some(f) => {
            let Some((col, vals)) = f.split_once('=') else {
                anyhow::bail!("--where 的写法应为 列=值，例如 --where unit=区财政局");
            };
            let vals: Vec<String> = vals.split('|').map(|v| v.trim().to_string()).collect();
            if let Some(q) = survey.question(col.trim()).filter(|q| matches!(q.kind, diaoyan::survey::Kind::Multi | diaoyan::survey::Kind::Rank | diaoyan::survey::Kind::Matrix)) {
                let first = q.rows.first().map(|r| r.as_str()).or_else(|| q.options.first().map(|o| o.text())).unwrap_or("选项");
                anyhow::bail!(
                    "--where 的 {} 是{}，每个选项（或每一行）是单独的一列：请写成 --where \"{}/{}=1\" 这样的形式",
                    q.id,
                    q.kind.label(),
                    q.id,
                    first
                );
            }
            diaoyan::stats::subset(&imp.frame, col.trim(), &vals)?
        }
        None => imp.frame.clone(),
    };
    let results = compute(&survey, &frame, &banners, a.weight.as_deref(), &opts)?;
    let column_map = imp.column_map();
    let book = dir.join(format!("{}.xlsx", diaoyan::text::safe_file_stem(&survey.id)));
    let ov = xlsx::Overview {
        files: imp.files.len(),
        files_failed: imp.failed_files(),
        rows_read: imp.rows_read,
        rows_kept: imp.rows_kept,
        rows_rejected: imp.rows_rejected,
        weight: results.weight_note.clone(),
        banners: banners.clone(),
        filter: a.filter.clone(),
        status: status.clone(),
        columns: column_map,
    };
    xlsx::write(&book, &survey, &ov, &results, &imp.issues, &frame)?;
    let mut n_charts = 0;
    let mut chart_files = Vec::new();
    if let Some(font) = &font {
        let specs = charts::specs(&results, &survey);
        let missing = font.missing(specs.iter().flat_map(|(_, s)| s.texts()));
        if !missing.is_empty() {
            let list: String = missing.iter().take(30).collect::<Vec<_>>().iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" ");
            eprintln!("提示：图表字体中没有这些字符，图中会显示为空白：{list}{}。可以用 --font 指定包含它们的字体。", if missing.len() > 30 { " ……" } else { "" });
        }
        chart_files = charts::write_all(&specs, &dir.join("charts"), &chart_opts)?;
        n_charts = chart_files.len();
    }
    results_csv::write_results(&results, &dir.join("results.csv"))?;
    results_csv::write_tests(&results, &dir.join("tests.csv"))?;
    diaoyan::output::write_issues(&imp.issues, &dir.join("issues.csv"))?;
    diaoyan::output::write_columns(&ov.columns, &dir.join("columns.csv"))?;
    let mut written = vec![book.clone(), dir.join("results.csv"), dir.join("tests.csv"), dir.join("issues.csv"), dir.join("columns.csv")];
    written.extend(chart_files);
    diaoyan::output::finish_run(&dir, &written)?;
    super::print_import_summary(&imp);
    for s in &status {
        super::say!("回收情况：{}", s.sentence());
    }
    if let Some(f) = &a.filter {
        super::say!("筛选：{f}，参与统计的答卷 {} 份", frame.height());
    }
    let n_tables = results.tables.iter().filter(|t| t.banner.is_none()).count();
    let n_cross = results.tables.len() - n_tables;
    super::say!("统计完成：{} 个题目表，{} 个交叉表（分组：{}）", n_tables, n_cross, if banners.is_empty() { "无".into() } else { banners.join("、") });
    let not_run: Vec<String> = results
        .tables
        .iter()
        .filter_map(|t| t.test_note.as_ref().map(|n| format!("{} × {}{}：{n}", t.question, t.banner.as_deref().unwrap_or(""), if t.wave.is_empty() { String::new() } else { format!("（{}）", t.wave) })))
        .collect();
    if !not_run.is_empty() {
        super::say!("  {} 个交叉表未做检验（原因见 tests.csv）：{}{}", not_run.len(), not_run.iter().take(3).cloned().collect::<Vec<_>>().join("；"), if not_run.len() > 3 { "……" } else { "" });
    }
    let unreliable = results.tables.iter().filter(|t| t.test.as_ref().is_some_and(|x| x.unreliable() && x.test != "fisher")).count();
    if unreliable > 0 {
        super::say!("  {unreliable} 个卡方检验中期望频数小于 5 的格子超过 20%，结果不可靠，tests.csv 和汇总表中另给出了精确检验 p 值");
    }
    super::say!("已写出（{}）：", dir.display());
    super::say!("  {}  Excel 汇总表", book.file_name().unwrap().to_string_lossy());
    super::say!("  results.csv  全部统计数字（每行一个数）");
    super::say!("  tests.csv    显著性检验");
    if n_charts > 0 {
        super::say!("  charts/      图表 {n_charts} 个（PNG 可直接插入 Word，SVG 可无损缩放）");
    }
    super::say!("  issues.csv   数据问题清单（清洗后的答卷表在 Excel 汇总表的“清洗后数据”页）");
    super::say!("  columns.csv  每个文件的每一列导入到了哪道题（也在 Excel 汇总表的“列对应”页）");
    super::say!("  清单.csv     本次运行写出的全部文件（最后写出；没有它说明这次运行没有完成）");
    Ok(if imp.failed_files() > 0 { 1 } else { 0 })
}
