//! `diaoyan report`: import, compute every figure, write the workbook and tidy files.

use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use polars::prelude::DataFrame;
use std::path::{Path, PathBuf};

use diaoyan::clean::Import;
use diaoyan::collect::{roster, status};
use diaoyan::render::{charts, outputs, words, OutputOptions, Report, Written};
use diaoyan::stats::adjust::Adjust;
use diaoyan::stats::inference::TestKind;
use diaoyan::stats::{changes, Banner, StatsOptions};
use diaoyan::survey::schema::part_column;
use diaoyan::survey::{Kind, Survey};

#[derive(ClapArgs)]
#[command(help_template = super::HELP, next_help_heading = "选项", override_usage = "diaoyan report [选项] <文件或文件夹>...")]
pub struct Args {
    #[command(flatten)]
    input: super::InputArgs,
    /// 分组变量（可多次给出）：题目编号（单选题/量表题）、unit（单位）、wave（年份）或 [[fields]] 中的列（如 省份）；不给则用 survey.toml 中的 banners
    #[arg(long = "banner", value_name = "分组")]
    banners: Vec<String>,
    /// 只统计部分答卷，如 --where unit=区财政局 或 --where Q1=党政干部（多个值用 | 分隔）
    #[arg(long = "where", value_name = "列=值")]
    filter: Option<String>,
    /// 权重：survey.toml 中一道数值题的编号，按它加权
    #[arg(long, value_name = "题号")]
    weight: Option<String>,
    /// 显著性水平（默认 0.05）
    #[arg(long, default_value_t = 0.05, value_name = "α", hide_default_value = true)]
    alpha: f64,
    /// 多重检验校正：none（不校正）、bonferroni、holm、bh（Benjamini–Hochberg）。默认：显著性字母按 Bonferroni（同 SPSS），年度变化和单位排名按 Holm
    #[arg(long, value_name = "方法")]
    adjust: Option<String>,
    /// 同 --adjust bonferroni
    #[arg(long)]
    bonferroni: bool,
    /// 比较哪两年，如 --compare 2025:2026（默认：相邻两年逐一比较，三年及以上时再加首尾两年）
    #[arg(long, value_name = "年份:年份")]
    compare: Option<String>,
    /// 样本量低于此数的分组不参与两两比较（显著性字母），但仍计入卡方检验（默认 30）
    #[arg(long, default_value_t = 30.0, value_name = "人数", allow_negative_numbers = true, hide_default_value = true)]
    min_base: f64,
    /// 样本量低于此数的分组标“谨慎解读”（默认 100）
    #[arg(long, default_value_t = 100.0, value_name = "人数", allow_negative_numbers = true, hide_default_value = true)]
    caution_base: f64,
    /// 图表格式：png、svg，或 none（不画图），可用逗号组合（默认 png,svg）
    #[arg(long, default_value = "png,svg", value_name = "格式", hide_default_value = true)]
    charts: String,
    /// 调研报告初稿：docx（Word，公文格式）、html（网页）、pptx（汇报提纲），或 none（不写），可用逗号组合（默认 docx,html,pptx）
    #[arg(long, default_value = "docx,html,pptx", value_name = "格式", hide_default_value = true)]
    doc: String,
    /// 分单位反馈：为每个单位另写一份 Word（本单位的各题结果与全区、与本单位上年对比，各指标排名，本单位的意见建议），放在 分单位反馈/ 文件夹
    #[arg(long)]
    per_unit: bool,
    /// 图片分辨率（每英寸点数）；图宽 16 厘米，适合直接贴进 Word（默认 200）
    #[arg(long, default_value_t = 200, value_name = "dpi", hide_default_value = true)]
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

/// The flags, checked and converted: everything a run needs before it reads a file.
struct Config {
    input: super::InputArgs,
    /// Banners as given; resolved against the survey once it is loaded.
    banners: Vec<String>,
    filter: Option<Filter>,
    weight: Option<String>,
    compare: Option<(String, String)>,
    stats: StatsOptions,
    outputs: OutputOptions,
    roster: Option<Vec<roster::Unit>>,
    output: Option<PathBuf>,
}

/// `--where 列=值|值`.
struct Filter {
    text: String,
    column: String,
    values: Vec<String>,
}

impl Config {
    fn from(a: Args) -> Result<Config> {
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
        let adjust = adjust_of(&a)?;
        let (filter, compare) = (filter_of(&a)?, compare_of(&a)?);
        let (mut docx, mut html, mut pptx) = (false, false, false);
        for f in a.doc.split(',').map(|f| f.trim().to_ascii_lowercase()) {
            match f.as_str() {
                "docx" | "word" => docx = true,
                "html" => html = true,
                "pptx" | "ppt" => pptx = true,
                "none" | "" => {}
                other => anyhow::bail!("--doc 只能是 docx、html、pptx、none 的组合，不认识“{other}”"),
            }
        }
        // The font first, so that a bad --font stops before any work (the written report
        // draws its charts with it too).
        let drawing = chart_opts.png || chart_opts.svg || docx || html || pptx || a.per_unit;
        let font = if drawing { Some(charts::ChartFont::load(a.font.as_deref())?) } else { None };
        let charts = match font {
            Some(font) if chart_opts.png || chart_opts.svg => Some(charts::Charts { font, options: chart_opts }),
            _ => None,
        };
        let roster = a.units.as_deref().map(roster::load).transpose()?;
        Ok(Config {
            input: a.input,
            banners: a.banners,
            filter,
            weight: a.weight,
            compare,
            stats: StatsOptions {
                alpha: a.alpha,
                letters_adjust: adjust.unwrap_or(Adjust::Bonferroni),
                changes_adjust: adjust.unwrap_or(Adjust::Holm),
                min_base: a.min_base,
                caution_base: a.caution_base,
                keywords: if docx || html || pptx { 10 } else { 0 },
                unit_order: roster.iter().flatten().map(|u| u.name.clone()).collect(),
                unit_expected: roster.clone().unwrap_or_default(),
                ..StatsOptions::default()
            },
            outputs: OutputOptions { charts, docx, html, pptx, per_unit: a.per_unit },
            roster,
            output: a.output,
        })
    }
}

pub fn run(a: Args) -> Result<i32> {
    let cfg = Config::from(a)?;
    let computed = match super::batched_input(&cfg.input)? {
        super::Batching::Batched(survey, files, batch_rows) => batched(&cfg, *survey, &files, batch_rows)?,
        super::Batching::Whole(files) => whole(&cfg, files)?,
    };
    let Some(Computed { survey, imp, data, banners, results }) = computed else {
        super::say!("没有一个文件能导入，未写出结果。请按上面的提示处理后再试。");
        return Ok(1);
    };
    diaoyan::profile::mark("figures computed");
    let changes = changes::changes(&results, &survey, &pairs(cfg.compare, &results.waves)?);
    let status = cfg.roster.as_ref().map(|r| status::all(r, &imp)).unwrap_or_default();
    let columns = imp.column_map();
    let report = Report {
        survey,
        import: imp,
        data,
        results,
        changes,
        banners,
        filter: cfg.filter.map(|f| f.text),
        status,
        columns,
        document: Default::default(),
    };
    let dir = cfg.output.unwrap_or_else(|| PathBuf::from("reports").join(diaoyan::text::safe_file_stem(&report.survey.id)));
    std::fs::create_dir_all(&dir).with_context(|| format!("无法创建输出文件夹 {}", dir.display()))?;
    diaoyan::output::start_run(&dir)?;
    let mut written = Vec::new();
    // One output that cannot be written (a limit of Excel, a full disk) is named and the
    // others are still written; the run then ends with status 1.
    let mut failed: Vec<String> = Vec::new();
    // Written side by side: each output is a file (or folder) of its own.
    let outs = outputs(cfg.outputs);
    let results: Vec<_> = {
        use rayon::prelude::*;
        outs.par_iter().with_max_len(1).map(|out| out.write(&report, &dir)).collect()
    };
    for (out, r) in outs.iter().zip(results) {
        match r {
            Ok(w) => written.push(w),
            Err(e) => failed.push(format!("未能写出{}：{}", out.name(), e)),
        }
    }
    diaoyan::profile::mark("output written");
    diaoyan::output::finish_run(&dir, &written.iter().flat_map(|w| w.files.clone()).collect::<Vec<_>>())?;
    summary(&report, &dir, &written);
    for f in &failed {
        eprintln!("错误：{f}");
    }
    let code = if report.import.failed_files() > 0 || !failed.is_empty() { 1 } else { 0 };
    // The process ends here: its memory goes back whole, without freeing the table and
    // the figures piece by piece (tens of milliseconds on a large run).
    std::mem::forget(report);
    Ok(code)
}

/// What the figures were computed from, and the figures.
struct Computed {
    survey: Survey,
    imp: Import,
    /// The responses the figures cover (`None` when they were taken a batch at a time).
    data: Option<DataFrame>,
    banners: Vec<Banner>,
    results: diaoyan::stats::Results,
}

/// The banners asked for (else survey.toml's); 分单位反馈 needs the unit crosstabs, so
/// `--per-unit` adds the unit.
fn banners_of(cfg: &Config, survey: &Survey) -> Vec<Banner> {
    let mut banners = Banner::parse_all(if cfg.banners.is_empty() { &survey.banners } else { &cfg.banners }, survey);
    if cfg.outputs.per_unit && !banners.contains(&Banner::Unit) {
        banners.push(Banner::Unit);
    }
    banners
}

/// The ordinary report: every response in one table. `None` when no file could be imported.
fn whole(cfg: &Config, files: Vec<PathBuf>) -> Result<Option<Computed>> {
    let (survey, imp) = super::load_and_import_files(&cfg.input, files)?;
    if imp.nothing_imported() {
        return Ok(None);
    }
    let banners = banners_of(cfg, &survey);
    let data = match &cfg.filter {
        Some(f) => {
            where_allowed(&survey, f)?;
            diaoyan::stats::subset(&survey, &imp.frame, &f.column, &f.values)?
        }
        None => imp.frame.clone(),
    };
    let results = diaoyan::stats::compute_subset(&survey, &imp.frame, &data, &banners, cfg.weight.as_deref(), &cfg.stats)?;
    Ok(Some(Computed { survey, imp, data: Some(data), banners, results }))
}

/// The report over data larger than memory comfortably holds: each batch of responses is
/// tallied as it is imported and let go; the figures are made once at the end (the same
/// figures as from one table; [`diaoyan::pipeline::report_in_batches`]).
fn batched(cfg: &Config, survey: Survey, files: &[PathBuf], batch_rows: usize) -> Result<Option<Computed>> {
    let banners = banners_of(cfg, &survey);
    if let Some(f) = &cfg.filter {
        where_allowed(&survey, f)?;
    }
    let ask = diaoyan::pipeline::Ask {
        banners: &banners,
        weight: cfg.weight.as_deref(),
        stats: &cfg.stats,
        filter: cfg.filter.as_ref().map(|f| (f.column.as_str(), f.values.as_slice())),
    };
    let done = super::progress_bar(files, |progress| {
        diaoyan::pipeline::report_in_batches(&survey, files, cfg.input.wave.clone(), batch_rows, &ask, progress)
    })?;
    let Some((imp, results)) = done else { return Ok(None) };
    super::report_files(&imp);
    Ok(Some(Computed { survey, imp, data: None, banners, results }))
}

/// The pairs of waves compared: the one asked for (both must be in the data), or the default.
fn pairs(asked: Option<(String, String)>, waves: &[String]) -> Result<Vec<(String, String)>> {
    let Some((a, b)) = asked else { return Ok(changes::default_pairs(waves)) };
    if let Some(w) = [&a, &b].into_iter().find(|w| !waves.contains(w)) {
        let have: Vec<&str> = waves.iter().filter(|w| !w.is_empty()).map(|s| s.as_str()).collect();
        anyhow::bail!(
            "--compare 中的年份 {w} 在数据中没有（数据中的年份：{}）",
            if have.is_empty() { "无，答卷没有按年份区分".to_string() } else { have.join("、") }
        );
    }
    Ok(vec![(a, b)])
}

/// `--where` on a question whose options are columns of their own is refused with how to write it.
fn where_allowed(survey: &Survey, f: &Filter) -> Result<()> {
    if let Some(q) = survey.question(&f.column).filter(|q| matches!(q.kind, Kind::Multi | Kind::Rank | Kind::Matrix)) {
        let first = q.rows.first().map(|r| r.as_str()).or_else(|| q.options.first().map(|o| o.text())).unwrap_or("选项");
        anyhow::bail!(
            "--where 的 {} 是{}，每个选项（或每一行）是单独的一列：请写成 --where \"{}=1\" 这样的形式",
            q.id,
            q.kind.label(),
            part_column(&q.id, first)
        );
    }
    Ok(())
}

/// What the run did, for the terminal.
fn summary(report: &Report, dir: &Path, written: &[Written]) {
    for w in written {
        for n in &w.notes {
            eprintln!("{n}");
        }
    }
    let results = &report.results;
    super::print_import_summary(&report.import);
    for s in &report.status {
        super::say!("回收情况：{}", s.sentence());
    }
    if let Some(f) = &report.filter {
        super::say!("筛选：{f}，参与统计的答卷 {} 份", report.responses());
    }
    let n_tables = results.tables.iter().filter(|t| t.breakdown.is_overall()).count();
    let n_cross = results.tables.len() - n_tables;
    let names: Vec<String> = report.banners.iter().map(|b| words::banner_label(&report.survey, b)).collect();
    super::say!(
        "统计完成：{} 个题目表，{} 个交叉表（分组：{}）",
        n_tables,
        n_cross,
        if names.is_empty() { "无".into() } else { names.join("、") }
    );
    say_families(results);
    let not_run: Vec<String> = results.tables.iter().filter_map(words::untested).collect();
    if !not_run.is_empty() {
        super::say!(
            "  {} 个交叉表未做检验（原因见 tests.csv）：{}{}",
            not_run.len(),
            not_run.iter().take(3).cloned().collect::<Vec<_>>().join("；"),
            if not_run.len() > 3 { "……" } else { "" }
        );
    }
    let unreliable =
        results.tables.iter().filter(|t| t.test.as_ref().is_some_and(|x| x.unreliable() && x.test == TestKind::ChiSquare)).count();
    if unreliable > 0 {
        super::say!("  {unreliable} 个卡方检验中期望频数小于 5 的格子超过 20%，结果不可靠，tests.csv 和汇总表中另给出了精确检验 p 值");
    }
    for (from, to) in &report.changes.pairs {
        let n = report.changes.count(from, to);
        super::say!(
            "年度对比 {from}→{to}：{} 个数字中 {} 个做了检验（{}），显著上升 {} 个、显著下降 {} 个（见 changes.csv）",
            n.figures,
            n.tested,
            adjust_said(results.options.changes_adjust, n.tested),
            n.up,
            n.down
        );
        if n.composition > 0 {
            super::say!(
                "  其中 {} 个总体变化主要来自参加单位及其人数构成的变化（同口径单位或各单位等权时不成立，见 changes.csv 的 composition 列）",
                n.composition
            );
        }
        let nc: Vec<String> = report
            .changes
            .not_comparable
            .iter()
            .filter(|n| n.from == *from && n.to == *to)
            .map(|n| format!("{}{}：{}", n.question, if n.what.is_empty() { String::new() } else { format!("“{}”", n.what) }, n.reason))
            .collect();
        if !nc.is_empty() {
            super::say!(
                "  不可比 {} 项：{}{}",
                nc.len(),
                nc.iter().take(4).cloned().collect::<Vec<_>>().join("；"),
                if nc.len() > 4 { "……（全部见 Excel 汇总表“年度对比”页）" } else { "" }
            );
        }
    }
    super::say!("已写出（{}）：", dir.display());
    for line in written.iter().filter_map(|w| w.line.as_ref()) {
        super::say!("  {line}");
    }
    super::say!("  清单.csv     本次运行写出的全部文件（最后写出；没有它说明这次运行没有完成）");
}

/// `--where 列=值|值`, parsed.
fn filter_of(a: &Args) -> Result<Option<Filter>> {
    Ok(match &a.filter {
        Some(f) => {
            let Some((col, vals)) = f.split_once('=') else {
                anyhow::bail!("--where 的写法应为 列=值，例如 --where unit=区财政局");
            };
            Some(Filter {
                text: f.clone(),
                column: col.trim().to_string(),
                values: vals.split('|').map(|v| v.trim().to_string()).collect(),
            })
        }
        None => None,
    })
}

/// `--compare 早:晚`, parsed.
fn compare_of(a: &Args) -> Result<Option<(String, String)>> {
    Ok(match &a.compare {
        Some(c) => match c.split_once([':', '：']) {
            Some((x, y)) if !x.trim().is_empty() && !y.trim().is_empty() && x.trim() != y.trim() => {
                Some((x.trim().to_string(), y.trim().to_string()))
            }
            _ => anyhow::bail!("--compare 的写法应为 早的年份:晚的年份，例如 --compare 2025:2026（收到的是“{c}”）"),
        },
        None => None,
    })
}

/// `--adjust` (or `--bonferroni`): `None` when neither is given (each family's default).
fn adjust_of(a: &Args) -> Result<Option<Adjust>> {
    Ok(match (&a.adjust, a.bonferroni) {
        (Some(m), _) => Some(Adjust::parse(m).with_context(|| format!("--adjust 只能是 none、bonferroni、holm、bh 之一，不认识“{m}”"))?),
        (None, true) => Some(Adjust::Bonferroni),
        (None, false) => None,
    })
}

/// The weights or design the figures rest on; how many pairwise comparisons the letters
/// and the league tables rest on, and how they were adjusted.
fn say_families(results: &diaoyan::stats::Results) {
    match (&results.design_note, &results.weight_note) {
        (Some(d), w) => super::say!("  {}{d}（results.csv 的 se、deff 列）", w.as_ref().map(|w| format!("{w}；")).unwrap_or_default()),
        (None, Some(w)) => super::say!("  {w}：区间和检验用有效样本量"),
        _ => {}
    }
    let o = &results.options;
    let (rows, pairs) = results.letter_tests();
    if pairs > 0 {
        super::say!("  显著性字母：{rows} 行共 {pairs} 对两两比较，{}", diaoyan::stats::adjust::note(o.letters_adjust, "每一行"));
    }
    let league = results.league_tests();
    if league > 0 {
        super::say!(
            "  单位排名：{league} 个单位的年度变化做了检验，{}",
            diaoyan::stats::adjust::note(o.changes_adjust, "每个指标每对年份")
        );
    }
}

/// How the tests of a family were adjusted, as the terminal says it.
fn adjust_said(a: Adjust, tests: usize) -> String {
    match a {
        Adjust::None => "未做多重检验校正".into(),
        a => format!("{tests} 个检验作为一族做了 {}", a.label()),
    }
}
