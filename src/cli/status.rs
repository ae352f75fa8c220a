//! `diaoyan status`: returns per unit against the roster.

use anyhow::Result;
use clap::Args as ClapArgs;
use std::path::PathBuf;
use unicode_width::UnicodeWidthStr;

use diaoyan::collect::{roster, status};

#[derive(ClapArgs)]
#[command(help_template = super::HELP, next_help_heading = "选项", override_usage = "diaoyan status [选项] --units <units.csv> <文件或文件夹>...")]
pub struct Args {
    #[command(flatten)]
    input: super::InputArgs,
    /// 单位名单（.csv 或 .xlsx），表头为 单位、应收份数（或 unit、expected）
    #[arg(long, value_name = "units.csv")]
    units: PathBuf,
    /// 输出的回收情况表（默认 reports/<问卷 id>/status.xlsx）
    #[arg(short, long, value_name = "status.xlsx")]
    output: Option<PathBuf>,
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(UnicodeWidthStr::width(s))))
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "—".into())
}

pub fn run(a: Args) -> Result<i32> {
    let units = roster::load(&a.units)?;
    let (survey, imp) = super::load_and_import(&a.input)?;
    let all: Vec<status::Status> = status::all(&units, &imp);
    for st in &all {
        print_one(st);
    }
    let out =
        a.output.clone().unwrap_or_else(|| PathBuf::from("reports").join(diaoyan::text::safe_file_stem(&survey.id)).join("status.xlsx"));
    diaoyan::render::xlsx::write_status(&out, &survey.title, &all)?;
    super::say!("已写出：{}", out.display());
    Ok(if imp.failed_files() > 0 { 1 } else { 0 })
}

fn print_one(st: &status::Status) {
    if !st.wave.is_empty() {
        super::say!("【{}】", st.wave);
    }
    let w = st.rows.iter().chain(&st.unlisted).map(|r| UnicodeWidthStr::width(r.unit.as_str())).max().unwrap_or(4).max(4) + 2;
    super::say!("{}应交  已交  有效  回收率   有效率   说明", pad("单位", w));
    for r in &st.rows {
        super::say!(
            "{}{:>4}  {:>4}  {:>4}  {:>7}  {:>7}  {}",
            pad(&r.unit, w),
            r.expected,
            r.returned,
            r.valid,
            pct(r.return_rate()),
            pct(r.valid_rate()),
            r.note()
        );
    }
    for r in &st.unlisted {
        super::say!(
            "{}{:>4}  {:>4}  {:>4}  {:>7}  {:>7}  不在名单中：{}",
            pad(&r.unit, w),
            "—",
            r.returned,
            r.valid,
            "—",
            pct(r.valid_rate()),
            r.files.join("、")
        );
    }
    super::say!("{}", st.sentence());
    let missing = st.missing();
    if !missing.is_empty() {
        super::say!("未交的单位（{} 个）：{}", missing.len(), missing.join("、"));
    }
    let over = st.over();
    if !over.is_empty() {
        super::say!("超过应交份数的单位：{}", over.join("、"));
    }
    if !st.unlisted.is_empty() {
        super::say!("有 {} 个单位不在名单中，请核对单位名称或名单", st.unlisted.len());
    }
}
