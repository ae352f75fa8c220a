//! `diaoyan serve`: the local web page (see `diaoyan::serve`). Prints the address with its
//! token as its first line, opens the browser, serves until the window is closed or
//! Ctrl+C.

use anyhow::{Context, Result};
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(help_template = super::HELP, next_help_heading = "选项", override_usage = "diaoyan serve [选项] [项目文件夹]")]
pub struct Args {
    /// 项目文件夹（放 survey.toml、units.csv 和各年份回收的文件；默认当前文件夹）
    #[arg(value_name = "项目文件夹")]
    folder: Option<PathBuf>,
    /// 端口（默认自动选一个空闲端口）
    #[arg(long, default_value_t = 0, value_name = "端口", hide_default_value = true)]
    port: u16,
    /// 不自动打开浏览器
    #[arg(long)]
    no_browser: bool,
    /// 在本机以外的地址上监听（如 0.0.0.0）：局域网里的其他电脑也能访问，只在确有需要时使用
    #[arg(long, value_name = "地址")]
    host: Option<IpAddr>,
    /// 上传文件的大小上限（MB，默认 200）
    #[arg(long, default_value_t = 200, value_name = "MB", hide_default_value = true)]
    max_upload: usize,
}

impl Args {
    /// The page on the current folder (what double-clicking the program does).
    pub fn here() -> Args {
        Args { folder: None, port: 0, no_browser: false, host: None, max_upload: 200 }
    }
}

pub fn run(a: Args) -> Result<i32> {
    let root = a.folder.clone().unwrap_or_else(|| PathBuf::from("."));
    if !root.is_dir() {
        anyhow::bail!("项目文件夹 {} 不存在或不是文件夹", root.display());
    }
    if !(1..=100_000).contains(&a.max_upload) {
        anyhow::bail!("--max-upload 应在 1 到 100000（MB）之间");
    }
    let cfg = diaoyan::serve::Config {
        root: root.clone(),
        port: a.port,
        host: a.host,
        max_upload: a.max_upload << 20,
        exe: std::env::current_exe().context("找不到 diaoyan 程序本身的位置")?,
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().context("无法启动网页服务")?;
    rt.block_on(async move {
        let bound = diaoyan::serve::bind(cfg).await.with_context(|| format!("无法在端口 {} 上启动网页服务（端口可能已被占用）", a.port))?;
        // The first line is the address: scripts and tests read it.
        super::say!("{}", bound.url);
        if a.host.is_some_and(|h| !h.is_loopback()) {
            eprintln!(
                "警告：网页服务在 {} 上监听，局域网中的其他电脑也能连上（仍需要令牌）。只在确有需要时这样做。",
                a.host.unwrap_or(IpAddr::from([0, 0, 0, 0]))
            );
        }
        super::say!("调研网页已启动：项目文件夹 {}。在浏览器中打开上面的地址；关闭这个窗口（或按 Ctrl+C）即停止。", root.display());
        if !a.no_browser && !open_browser(&bound.url) {
            super::say!("没能自动打开浏览器，请把上面的地址复制到浏览器的地址栏。");
        }
        bound.serve().await.context("网页服务出错")?;
        Ok(0)
    })
}

/// Opens the default browser on `url`; false when no opener could be started.
fn open_browser(url: &str) -> bool {
    let (cmd, args): (&str, Vec<&str>) = if cfg!(target_os = "windows") {
        ("cmd", vec!["/C", "start", "", url])
    } else if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else {
        ("xdg-open", vec![url])
    };
    std::process::Command::new(cmd)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}
