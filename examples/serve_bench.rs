//! Benchmark (release build): is the page of `diaoyan serve` responsive while a report
//! runs on the 100,000-response benchmark file? In one run:
//!   (a) every request the page makes (the page, its script, the project, the run's state
//!       it polls, the results index and one question's figures), 30 times each with the
//!       server idle — the baseline;
//!   (b) the same requests in turn, without pause, for as long as a report started with
//!       `POST /api/run` (the 开始统计 button) runs;
//! and prints per request the median, 95th percentile and maximum of both, the ratio of
//! the medians, and the report's own time.
//!
//! Run: `cargo run --release --example gen_bench && cargo build --release &&
//!       cargo run --release --example serve_bench`

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(exe: &Path, project: &Path) -> Server {
        let mut child =
            Command::new(exe).arg("serve").arg(project).arg("--no-browser").stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim();
        let port = url["http://127.0.0.1:".len()..url.find("/?").unwrap()].parse().unwrap();
        Server { child, port, token: url.split("token=").nth(1).unwrap().to_string() }
    }

    /// One request; its status, body and time.
    fn send(&self, method: &str, path: &str) -> (u16, String, Duration) {
        let t = Instant::now();
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nCookie: diaoyan_{p}={t}\r\nX-Diaoyan-Token: {t}\r\nOrigin: http://127.0.0.1:{p}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            p = self.port,
            t = self.token
        );
        s.write_all(req.as_bytes()).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let took = t.elapsed();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        (status, body, took)
    }

    fn running(&self) -> bool {
        self.send("GET", "/api/run").1.contains("\"phase\":\"running\"")
    }
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

fn stats(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(v[v.len() / 2]), ms(v[(v.len() * 95 / 100).min(v.len() - 1)]), ms(v[v.len() - 1]))
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("bench/data");
    // `SERVE_BENCH_FILE=bench/data/wjx_1000000.csv` measures on another input of gen_bench's.
    let file = std::env::var_os("SERVE_BENCH_FILE").map(PathBuf::from).unwrap_or_else(|| data.join("wjx_100k.xlsx"));
    let survey = data.join("survey.toml");
    assert!(file.is_file() && survey.is_file(), "先运行 cargo run --release --example gen_bench");
    let exe: PathBuf = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("diaoyan");
    assert!(exe.is_file(), "先运行 cargo build --release（需要 {}）", exe.display());
    let dir = std::env::temp_dir().join(format!("diaoyan-serve-bench-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("2026")).unwrap();
    std::fs::copy(&survey, dir.join("survey.toml")).unwrap();
    std::fs::copy(&file, dir.join("2026").join(file.file_name().unwrap())).unwrap();
    let s = Server::start(&exe, &dir);

    // A first run, so that there are figures to ask for.
    let t = Instant::now();
    assert_eq!(s.send("POST", "/api/run").0, 202);
    while s.running() {
        std::thread::sleep(Duration::from_millis(100));
    }
    let first = t.elapsed();
    let state = s.send("GET", "/api/run").1;
    let report = state.split("\"report\":\"").nth(1).and_then(|r| r.split('"').next()).expect("the run wrote a report").to_string();
    let r = enc(&report);
    let routes = [
        ("网页", "/".to_string()),
        ("脚本", "/app.js".to_string()),
        ("项目概况", "/api/project".to_string()),
        ("统计进度", "/api/run".to_string()),
        ("结果目录", format!("/api/results/index?report={r}")),
        ("一道题的数字", format!("/api/results?report={r}&question=Q1&wave=2026&banner={}", enc("总体"))),
    ];
    for (name, path) in &routes {
        assert_eq!(s.send("GET", path).0, 200, "{name} {path}");
    }

    let idle: Vec<Vec<Duration>> = routes.iter().map(|(_, p)| (0..30).map(|_| s.send("GET", p).2).collect()).collect();
    let mut busy: Vec<Vec<Duration>> = vec![Vec::new(); routes.len()];
    let t = Instant::now();
    assert_eq!(s.send("POST", "/api/run").0, 202);
    'run: loop {
        for (i, (_, p)) in routes.iter().enumerate() {
            let (_, body, took) = s.send("GET", p);
            busy[i].push(took);
            if i == 3 && !body.contains("\"phase\":\"running\"") {
                break 'run;
            }
        }
    }
    let second = t.elapsed();
    let name = file.file_name().unwrap().to_string_lossy();
    println!("报告（{name}，含图表、报告和分单位反馈）：第一次 {:.1} 秒，测量时 {:.1} 秒", first.as_secs_f64(), second.as_secs_f64());
    println!("{}空闲：中位/95%/最大 ms    统计运行中：中位/95%/最大 ms（次数）  中位比", pad("请求", 14));
    for (i, (name, _)) in routes.iter().enumerate() {
        let (a, b) = (stats(idle[i].clone()), stats(busy[i].clone()));
        println!(
            "{}{:>10.2}{:>8.2}{:>8.2}{:>12.2}{:>8.2}{:>8.2} ({:>4}){:>10.2}",
            pad(name, 12),
            a.0,
            a.1,
            a.2,
            b.0,
            b.1,
            b.2,
            busy[i].len(),
            b.0 / a.0
        );
    }
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `s` padded to `width` columns (a Chinese character takes two).
fn pad(s: &str, width: usize) -> String {
    let w: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}
