//! `diaoyan serve` in a real browser: Debian's Chromium driven through chromedriver
//! (WebDriver, the fantoccini client), the way a person uses the page — from an empty
//! project folder, the roster and the example's returns dropped in through the page's
//! file pickers, the questionnaire inferred, edited and saved, the report run, a figure
//! read off the page and checked against the results.csv that run wrote, the workbook and
//! the templates downloaded and read back, 回收情况 seen. A screenshot of every tab is
//! written to target/tmp/serve-shots (and to `$DIAOYAN_SHOTS` when set: the README's).
//!
//! `scripts/test-deps.sh` (first step of the README's test command and of `.ci/run`)
//! installs chromium and chromium-driver when they are missing; without them this test
//! fails unless that script could not install them (target/no-browser.txt) or
//! `DIAOYAN_NO_BROWSER=1` says to leave it out.

use crate::serve::start;
use crate::workdir::{root, Workdir};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// chromedriver, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n))).find(|p| p.is_file())
}

/// Starts chromedriver on a free port; its address.
fn driver(bin: &Path) -> (Driver, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(bin).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t.elapsed() < Duration::from_secs(60), "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (Driver(child), format!("http://127.0.0.1:{port}"))
}

#[test]
fn from_exports_to_a_downloaded_report_in_a_real_browser() {
    let (Some(chrome), Some(cd)) = (which(&["chromium", "chromium-browser", "google-chrome"]), which(&["chromedriver"])) else {
        // Left out only when asked, or when the set-up script could not install them (it says why).
        let why = std::fs::read_to_string(root().join("target/no-browser.txt")).ok();
        if std::env::var_os("DIAOYAN_NO_BROWSER").is_some() || why.is_some() {
            eprintln!("没有运行浏览器测试：{}", why.unwrap_or_else(|| "DIAOYAN_NO_BROWSER".into()));
            return;
        }
        panic!("浏览器测试需要 chromium 和 chromedriver（bash scripts/test-deps.sh 会安装），或设置 DIAOYAN_NO_BROWSER=1 跳过");
    };
    let w = Workdir::new();
    let proj = w.path("示例项目");
    std::fs::create_dir_all(&proj).unwrap();
    let downloads = w.path("下载");
    std::fs::create_dir_all(&downloads).unwrap();
    let server = start(&proj, &[]);
    let url = format!("http://127.0.0.1:{}/?token={}", server.port, server.token);
    let (_driver, address) = driver(&cd);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let c = connect(&address, &chrome, &w.path("profile"), &downloads).await;
        let done = workflow(&c, &url, &proj, &downloads).await;
        let _ = c.close().await;
        done
    });
}

async fn connect(address: &str, chrome: &Path, profile: &Path, downloads: &Path) -> Client {
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--window-size=1200,860",
        "--lang=zh-CN",
    ];
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chrome,
            "args": args,
            "prefs": { "download.default_directory": downloads, "download.prompt_for_download": false },
        }
    });
    let Value::Object(caps) = caps else { unreachable!() };
    let conn = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(conn).capabilities(caps).connect(address).await.expect("a Chromium session through chromedriver")
}

/// Runs `script` (a function body) in the page; its value.
async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// Waits until `script` returns something true; panics with `what` after `secs`.
async fn until(c: &Client, script: &str, secs: u64, what: &str) {
    let t = Instant::now();
    loop {
        let v = js(c, script).await;
        if v.as_bool() == Some(true) {
            return;
        }
        if t.elapsed() > Duration::from_secs(secs) {
            let page = js(c, "return document.querySelector('main .tab.on').innerText").await;
            panic!("{what}: still {v} after {secs} s; the page says:\n{}", page.as_str().unwrap_or(""));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).text().await.unwrap()
}

async fn tab(c: &Client, name: &str) {
    c.find(Locator::Css(&format!("nav button[data-tab='{name}']"))).await.unwrap().click().await.unwrap();
}

/// A screenshot of the tab shown now, into target/tmp/serve-shots (and `$DIAOYAN_SHOTS`).
async fn shot(c: &Client, name: &str) {
    shot_at(c, name, None).await
}

/// The screenshot with the page scrolled to `css` (else to its top).
async fn shot_at(c: &Client, name: &str, css: Option<&str>) {
    let scroll = match css {
        Some(css) => format!("document.querySelector('{css}').scrollIntoView(); window.scrollBy(0, -70); return true"),
        None => "window.scrollTo(0, 0); return true".into(),
    };
    js(c, &scroll).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let mut dirs = vec![PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("serve-shots")];
    dirs.extend(std::env::var_os("DIAOYAN_SHOTS").map(PathBuf::from));
    for d in dirs {
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(format!("serve-{name}.png")), &png).unwrap();
    }
}

/// Picks files in the `<input type=file>` `css`, as a person choosing them does.
async fn pick(c: &Client, css: &str, files: &[PathBuf]) {
    let paths: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    c.find(Locator::Css(css)).await.unwrap().send_keys(&paths.join("\n")).await.unwrap();
}

/// Waits for a finished download named by `ends` in `dir`.
async fn downloaded(dir: &Path, ends: &str) -> PathBuf {
    let t = Instant::now();
    loop {
        let found = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).find(|p| p.to_string_lossy().ends_with(ends));
        if let Some(p) = found {
            return p;
        }
        assert!(t.elapsed() < Duration::from_secs(180), "no {ends} downloaded into {}", dir.display());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn workflow(c: &Client, url: &str, proj: &Path, downloads: &Path) {
    c.goto(url).await.unwrap();
    until(c, "return document.querySelector('#folder').textContent === '示例项目'", 180, "the page opens on the project").await;
    let example = root().join("surveys/example");

    // 收集: the roster uploaded through the page (it is read, checked and saved as units.csv).
    tab(c, "collect").await;
    pick(c, "#units-pick", &[example.join("units.csv")]).await;
    until(c, "return document.querySelector('#units-said').textContent.startsWith('已保存')", 180, "the roster saved").await;
    let units = std::fs::read_to_string(proj.join("units.csv")).unwrap();
    assert_eq!(units.lines().count(), 12, "{units}");
    until(c, "return document.querySelectorAll('#units tbody tr').length === 11", 180, "the roster's eleven units in the table").await;

    // 数据: the returns of three years, each year's files picked at once into its folder.
    tab(c, "data").await;
    let mut sent = 0;
    for year in ["2024", "2025", "2026"] {
        let files: Vec<PathBuf> = std::fs::read_dir(example.join(year)).unwrap().flatten().map(|e| e.path()).collect();
        let name = c.find(Locator::Css("#folder-name")).await.unwrap();
        name.clear().await.unwrap();
        name.send_keys(year).await.unwrap();
        pick(c, "#pick", &files).await;
        sent += files.len();
        let done = format!("return [...document.querySelectorAll('#upload-log li')].filter(li => li.textContent.includes('已保存到 {year}/')).length === {}", files.len());
        until(c, &done, 180, "the uploads saved").await;
    }
    assert_eq!(sent, 12);
    until(c, "return document.querySelectorAll('#files tbody tr').length === 12", 180, "twelve returned files listed").await;

    // 问卷: inferred from the files, edited and saved.
    tab(c, "questionnaire").await;
    c.find(Locator::Css("#init")).await.unwrap().click().await.unwrap();
    until(c, "return document.querySelectorAll('#questions tbody tr').length > 5", 180, "the inferred questionnaire").await;
    let title = c.find(Locator::Css("#survey-title")).await.unwrap();
    title.clear().await.unwrap();
    title.send_keys("区直机关形式主义问题调查（网页测试）").await.unwrap();
    c.find(Locator::Css("#save-survey")).await.unwrap().click().await.unwrap();
    until(c, "return document.querySelector('#save-note').textContent.startsWith('已保存')", 180, "the questionnaire saved").await;
    let toml = std::fs::read_to_string(proj.join("survey.toml")).unwrap();
    assert!(toml.contains("title = \"区直机关形式主义问题调查（网页测试）\""), "{toml}");
    shot(c, "questionnaire").await;

    // 数据: the import's accounting and ledger, now that there is a questionnaire.
    tab(c, "data").await;
    until(
        c,
        "return document.querySelector('#accounting').textContent.includes('读取答卷 1134 行 = 保留 1128 行 + 剔除 6 行')",
        60,
        "the import's accounting",
    )
    .await;
    until(c, "return document.querySelectorAll('#issues tbody tr').length > 0", 180, "the ledger").await;
    shot(c, "data").await;

    // 结果: the report run from the page; a figure read off the page equals results.csv's.
    tab(c, "results").await;
    c.find(Locator::Css("#run")).await.unwrap().click().await.unwrap();
    until(c, "return document.querySelector('#run-state').textContent.startsWith('统计完成')", 600, "the report run").await;
    until(c, "return document.querySelectorAll('#figures tbody tr').length > 0", 180, "the figures").await;
    // Every question and year of results.csv to choose from, the newest year first shown.
    // Q10 is an open question: its answers are in the report, not in results.csv.
    assert_eq!(js(c, "return document.querySelectorAll('#q option').length").await, 9);
    assert_eq!(js(c, "return [...document.querySelectorAll('#wave option')].map(o => o.value).join()").await, "2024,2025,2026");
    assert_eq!(js(c, "return document.querySelector('#wave').value").await, "2026");
    a_figure_is_results_csvs(c, proj).await;
    chart_shown(c, "charts/2026_Q1.svg").await;
    // A crosstab: the unit (Q2) by identity (Q1), with the column letters of results.csv.
    c.find(Locator::Css("#q")).await.unwrap().select_by_value("Q2").await.unwrap();
    c.find(Locator::Css("#banner")).await.unwrap().select_by_value("Q1").await.unwrap();
    until(c, "return document.querySelectorAll('#figures td.fig').length > 0 && document.querySelector('#figures tbody td').textContent === 'Q2'", 180, "the crosstab").await;
    until(c, "return document.querySelector('#test-note').textContent.includes('卡方检验')", 180, "the test of the crosstab").await;
    a_crosstab_cell_is_results_csvs(c, proj, "Q1").await;
    chart_shown(c, "charts/2026_Q2_by_Q1.svg").await;
    shot_at(c, "results", Some("#report-pick")).await;

    // 报告: the workbook downloaded and read back.
    tab(c, "report").await;
    let xlsx = c.find(Locator::XPath("//ul[@id='downloads']//a[contains(., '.xlsx')]")).await.unwrap();
    let name = xlsx.text().await.unwrap();
    xlsx.click().await.unwrap();
    let file = downloaded(downloads, &name).await;
    let mut wb = calamine::open_workbook_auto(&file).unwrap();
    let sheets = calamine::Reader::sheet_names(&wb);
    assert!(sheets.len() >= 3, "{sheets:?}");
    let first = calamine::Reader::worksheet_range(&mut wb, &sheets[0]).unwrap();
    assert!(
        first.cells().any(|(_, _, v)| v.to_string().contains("区直机关形式主义问题调查（网页测试）")),
        "the saved title in the workbook"
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    shot(c, "report").await;

    // 收集: templates for every unit, and 回收情况 from the returns just dropped in.
    tab(c, "collect").await;
    c.find(Locator::Css("#templates")).await.unwrap().click().await.unwrap();
    let zip = downloaded(downloads, "填报表.zip").await;
    let archive = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    assert_eq!(archive.len(), 11, "one workbook per unit of the roster");
    assert!(archive.file_names().all(|n| n.is_ok_and(|n| n.ends_with(".xlsx"))));
    until(c, "return document.querySelectorAll('#returns h3').length === 3", 180, "回收情况 per year").await;
    let returns = text(c, "#returns").await;
    assert!(returns.contains("应交") && returns.contains("回收率") && returns.contains("区审计局"), "{returns}");
    shot(c, "collect").await;
}

/// The chart `report` drew for the table shown, drawn in the page.
async fn chart_shown(c: &Client, file: &str) {
    let script = format!(
        "const i = document.querySelector('#chart-img'); return !document.querySelector('#chart').hidden && i.complete && i.naturalWidth > 0 && decodeURIComponent(i.src).endsWith('{file}')"
    );
    until(c, &script, 180, &format!("the chart {file}")).await;
}

/// The report folder the page's run wrote, and its results.csv.
fn results_csv(proj: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let reports: Vec<PathBuf> =
        std::fs::read_dir(proj.join("reports")).unwrap().flatten().map(|e| e.path()).filter(|p| p.join("清单.csv").is_file()).collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    crate::workdir::read_csv(&reports[0].join("results.csv"))
}

/// The figure the page shows, as results.csv has it (one decimal for a percentage).
fn same_figure(shown: &str, csv: &str) -> bool {
    let value: f64 = csv.parse().unwrap();
    let digits = if shown.ends_with('%') { 1 } else { 2 };
    shown.trim_end_matches('%') == format!("{value:.digits$}")
}

/// The first row of the page's whole-sample table against the results.csv row it shows.
async fn a_figure_is_results_csvs(c: &Client, proj: &Path) {
    let wave = js(c, "return document.querySelector('#wave').value").await;
    let row: Vec<String> =
        serde_json::from_value(js(c, "return [...document.querySelector('#figures tbody tr').cells].map(td => td.textContent)").await)
            .unwrap();
    let hover = js(c, "return document.querySelector('#figures tbody tr').title").await;
    let names: Vec<String> =
        serde_json::from_value(js(c, "return [...document.querySelectorAll('#figures thead th')].map(th => th.textContent)").await)
            .unwrap();
    let shown = |name: &str| row[names.iter().position(|n| n == name).unwrap_or_else(|| panic!("no {name} column: {names:?}"))].clone();
    let (head, rows) = results_csv(proj);
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let want = rows
        .iter()
        .find(|r| {
            r[col("question")] == shown("题目")
                && r[col("option")] == shown("选项")
                && r[col("wave")] == wave.as_str().unwrap()
                && r[col("banner")] == "总体"
                && same_figure(&shown("数值"), &r[col("value")])
        })
        .unwrap_or_else(|| panic!("results.csv has the figure the page shows: {row:?}"));
    assert_eq!(shown("样本量"), want[col("base")], "base");
    assert!(hover.as_str().unwrap().starts_with(&format!("样本量 n={}，95% 置信区间", want[col("base")])), "the base on hover: {hover}");
}

/// A crosstab cell with column letters against results.csv: its figure, letters and base.
async fn a_crosstab_cell_is_results_csvs(c: &Client, proj: &Path, banner: &str) {
    let script = "const td = [...document.querySelectorAll('#figures td.fig')].find(td => td.querySelector('sup.sig'));
        if (!td) return null;
        const tr = td.parentNode;
        const th = document.querySelectorAll('#figures thead th')[td.cellIndex].textContent;
        return [tr.cells[0].textContent, tr.cells[1].textContent, th, td.firstChild.textContent, td.querySelector('sup').textContent.trim(), td.title];";
    let cell: Vec<String> = serde_json::from_value(js(c, script).await).expect("a figure with column letters in the crosstab");
    let group = cell[2].rsplit_once('（').map(|(g, _)| g).unwrap();
    let wave = js(c, "return document.querySelector('#wave').value").await;
    let (head, rows) = results_csv(proj);
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let want = rows
        .iter()
        .find(|r| {
            r[col("question")] == cell[0]
                && r[col("option")] == cell[1]
                && r[col("group")] == group
                && r[col("wave")] == wave.as_str().unwrap()
                && r[col("banner")] == banner
                && same_figure(&cell[3], &r[col("value")])
        })
        .unwrap_or_else(|| panic!("results.csv has the crosstab figure the page shows: {cell:?}"));
    assert_eq!(cell[4], want[col("sig")], "column letters");
    assert!(cell[5].starts_with(&format!("样本量 n={}", want[col("base")])), "base on hover: {}", cell[5]);
}
