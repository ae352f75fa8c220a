//! `diaoyan serve`: the real binary started on a project folder, spoken to over raw HTTP
//! (so that any Host, Origin or malformed request can be sent): every refusal of the
//! guard, uploads that stay inside the project, and a report run from the page that
//! gives the command line's own figures.

use crate::workdir::{root, Workdir};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server; stopped when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) port: u16,
    pub(crate) token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `diaoyan serve <project> --no-browser [extra]` and reads the address from its
/// first line.
pub(crate) fn start(project: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .arg("serve")
        .arg(project)
        .arg("--no-browser")
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim();
    assert!(url.starts_with("http://127.0.0.1:"), "listens on loopback: {url}");
    let port: u16 = url["http://127.0.0.1:".len()..url.find("/?").unwrap()].parse().unwrap();
    let token = url.split("token=").nth(1).unwrap().to_string();
    assert_eq!(token.len(), 32, "a 128-bit token");
    Server { child, port, token }
}

/// An answer: status, headers (lower-case names), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Server {
    fn cookie(&self) -> String {
        format!("Cookie: diaoyan_{}={}", self.port, self.token)
    }
    fn token_header(&self) -> String {
        format!("X-Diaoyan-Token: {}", self.token)
    }
    /// One request over a new connection; `headers` as `Name: value` lines (a `Host:`
    /// among them replaces the default one).
    fn send(&self, method: &str, path: &str, headers: &[String], body: &[u8]) -> Answer {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
        if !headers.iter().any(|h| h.to_ascii_lowercase().starts_with("host:")) {
            req += &format!("Host: 127.0.0.1:{}\r\n", self.port);
        }
        for h in headers {
            req += &format!("{h}\r\n");
        }
        req += "\r\n";
        s.write_all(req.as_bytes()).unwrap();
        // A refused upload may be answered before its body is read: the rest of the
        // body then does not go through, and that is fine.
        let _ = s.write_all(body);
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        parse(&raw)
    }
    fn get(&self, path: &str) -> Answer {
        self.send("GET", path, &[self.cookie()], b"")
    }
    fn post_json(&self, path: &str, body: &serde_json::Value) -> Answer {
        let h = [
            self.cookie(),
            self.token_header(),
            format!("Origin: http://127.0.0.1:{}", self.port),
            "Content-Type: application/json".into(),
        ];
        self.send("POST", path, &h, body.to_string().as_bytes())
    }
    fn post(&self, path: &str, body: &[u8]) -> Answer {
        self.send("POST", path, &[self.cookie(), self.token_header(), format!("Origin: http://127.0.0.1:{}", self.port)], body)
    }
}

fn parse(raw: &[u8]) -> Answer {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP answer");
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
    let mut body = raw[end + 4..].to_vec();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
        body = unchunk(&body);
    }
    Answer { status, headers, body }
}

fn unchunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = b.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..i]).trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[i + 2..i + 2 + n]);
        b = &b[i + 2 + n + 2..];
    }
    out
}

/// The example project (survey.toml, units.csv, the three years' returns) in `w`.
fn example_project(w: &Workdir) -> PathBuf {
    let from = root().join("surveys/example");
    for e in walk(&from) {
        let rel = e.strip_prefix(&from).unwrap().to_string_lossy().into_owned();
        w.copy(&e, &format!("proj/{rel}"));
    }
    w.path("proj")
}

fn walk(d: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn the_page_needs_the_token_and_this_computers_name() {
    let w = Workdir::new();
    let s = start(&example_project(&w), &[]);
    assert_eq!(s.send("GET", "/", &[], b"").status, 403, "no token");
    assert_eq!(s.send("GET", "/?token=0123456789abcdef0123456789abcdef", &[], b"").status, 403, "wrong token");
    assert_eq!(s.send("GET", "/api/project", &[format!("Cookie: diaoyan_{}=nope", s.port)], b"").status, 403, "wrong cookie");
    let open = s.send("GET", &format!("/?token={}", s.token), &[], b"");
    assert_eq!(open.status, 303);
    let cookie = open.header("set-cookie").unwrap();
    assert!(cookie.contains(&s.token) && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let page = s.get("/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("<script src=\"/app.js\""), "the page");
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(!page.text().contains(" onclick=") && !page.text().contains("<script>"), "no inline script or handlers");
    // DNS rebinding: a foreign name for this address, even with the cookie.
    for host in ["evil.example:80", &format!("evil.example:{}", s.port), "127.0.0.1:1"] {
        assert_eq!(s.send("GET", "/api/project", &[s.cookie(), format!("Host: {host}")], b"").status, 403, "Host {host}");
    }
    assert_eq!(s.send("GET", "/api/project", &[s.cookie(), format!("Host: localhost:{}", s.port)], b"").status, 200);
    let project = s.get("/api/project");
    assert_eq!(project.status, 200);
    assert!(project.text().contains("\"id\":\"形式主义调查\""), "{}", project.text());
}

#[test]
fn the_returns_the_ledger_and_the_templates_come_from_the_command_lines_library() {
    let w = Workdir::new();
    let proj = example_project(&w);
    let s = start(&proj, &[]);
    let c = s.get("/api/check");
    assert_eq!(c.status, 200, "{}", c.text());
    let v: serde_json::Value = serde_json::from_slice(&c.body).unwrap();
    // The same accounting as the command line's import of the example (README).
    assert_eq!((v["rows_read"].as_u64(), v["rows_kept"].as_u64(), v["rows_rejected"].as_u64()), (Some(1134), Some(1128), Some(6)));
    assert_eq!(v["issue_count"].as_u64(), Some(72));
    assert_eq!(v["issues"].as_array().unwrap().len(), 72);
    assert!(v["issues"][0][0].as_str().unwrap().starts_with("20"), "files named inside the project: {}", v["issues"][0][0]);
    let waves = v["returns"].as_array().unwrap();
    assert_eq!(waves.len(), 3);
    let w2024 = waves.iter().find(|x| x["wave"] == "2024").unwrap();
    assert_eq!((w2024["expected"].as_u64(), w2024["valid"].as_u64()), (Some(405), Some(323)));
    assert_eq!(w2024["missing"], serde_json::json!(["区审计局"]));
    assert!(!w2024["rows"].as_array().unwrap().iter().any(|r| r[0] == "区统计局"), "not surveyed in 2024, not listed");
    // Every roster unit's fill-in workbook, as one zip.
    let z = s.get("/api/templates.zip");
    assert_eq!(z.status, 200, "{}", z.text());
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(z.body)).unwrap();
    let units = std::fs::read_to_string(proj.join("units.csv")).unwrap().lines().skip(1).filter(|l| !l.trim().is_empty()).count();
    assert_eq!(zip.len(), units);
    let mut first = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_index(0).unwrap(), &mut first).unwrap();
    assert!(first.starts_with(b"PK"), "an .xlsx");
}

#[test]
fn changes_come_only_from_the_page_and_uploads_stay_inside_the_project() {
    let w = Workdir::new();
    let proj = example_project(&w);
    let s = start(&proj, &["--max-upload", "1"]);
    let csv = std::fs::read(root().join("surveys/example/2026/区司法局.csv")).unwrap();
    let path = "/api/upload?name=%E5%8C%BA%E5%8F%B8%E6%B3%95%E5%B1%80.csv&folder=2027";
    // The cookie alone (a form on another site would send it) is not enough.
    assert_eq!(s.send("POST", path, &[s.cookie()], &csv).status, 403);
    // The token header from another origin, or marked cross-site by the browser.
    assert_eq!(s.send("POST", path, &[s.cookie(), s.token_header(), "Origin: http://evil.example".into()], &csv).status, 403);
    assert_eq!(s.send("POST", path, &[s.cookie(), s.token_header(), "Sec-Fetch-Site: cross-site".into()], &csv).status, 403);
    assert!(!proj.join("2027").exists(), "nothing saved by a refused request");
    let ok = s.post(path, &csv);
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(std::fs::read(proj.join("2027/区司法局.csv")).unwrap(), csv, "saved whole");
    // Names and folders that would leave the project, or files of other kinds.
    for (name, folder) in [
        ("..%2F..%2Fevil.csv", "2027"),
        ("a%2Fb.csv", "2027"),
        ("..%5Cevil.csv", "2027"),
        ("x.exe", "2027"),
        ("ok.csv", "reports"),
        ("ok.csv", ".."),
    ] {
        let a = s.post(&format!("/api/upload?name={name}&folder={folder}"), b"a,b\n1,2\n");
        assert_eq!(a.status, 400, "{name} in {folder}: {}", a.text());
    }
    assert!(!w.path("evil.csv").exists() && !proj.join("evil.csv").exists() && !proj.join("reports").exists());
    // Over --max-upload (1 MB): refused, nothing left behind.
    let big = vec![b'x'; 1_500_000];
    let a = s.post("/api/upload?name=big.csv&folder=2027", &big);
    assert_eq!(a.status, 413);
    let left: Vec<_> = std::fs::read_dir(proj.join("2027")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "only the good upload: {left:?}");
    // Downloads come from reports/ only.
    for p in ["/files/../survey.toml", "/files/%2e%2e/survey.toml", "/files/x/..%2F..%2Fsurvey.toml", "/files/units.csv"] {
        assert_eq!(s.get(p).status, 404, "{p}");
    }
}

/// The command line's report on the example into `cli/` (the same inputs as the project).
fn cli_report(w: &Workdir, extra: &[&str]) {
    let dir = root().join("surveys/example");
    let mut c = w.cmd("report").survey(dir.join("survey.toml")).args(extra).args(["--units"]).input(dir.join("units.csv"));
    for y in ["2024", "2025", "2026"] {
        c = c.input(dir.join(y));
    }
    c.out("cli").run().expect_ok();
}

/// Waits for the run to end; its state as JSON text.
fn wait_run(s: &Server) -> String {
    let t = Instant::now();
    loop {
        let v = s.get("/api/run").text();
        if !v.contains("\"phase\":\"running\"") {
            return v;
        }
        assert!(t.elapsed() < Duration::from_secs(600), "run did not end: {v}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn a_run_from_the_page_gives_the_command_lines_figures() {
    let w = Workdir::new();
    let proj = example_project(&w);
    let s = start(&proj, &[]);
    let a = s.post("/api/run", b"");
    assert_eq!(a.status, 202, "{}", a.text());
    assert_eq!(s.post("/api/run", b"").status, 409, "a second run while one runs");
    let end = wait_run(&s);
    assert!(end.contains("\"phase\":\"done\"") && end.contains("读取答卷 1134 行 = 保留 1128 行 + 剔除 6 行"), "{end}");
    // Progress as the files are read: a line per file, and the count in the run's state.
    assert!(end.contains("已读取 1/12 个文件：") && end.contains("已读取 12/12 个文件：") && end.contains("\"files\":[12,12]"), "{end}");
    // The command line on the same project gives the same results.csv, byte for byte.
    cli_report(&w, &["--per-unit"]);
    let served = proj.join("reports/形式主义调查");
    for f in ["results.csv", "tests.csv", "changes.csv", "league.csv"] {
        assert!(std::fs::read(served.join(f)).unwrap() == std::fs::read(w.path("cli").join(f)).unwrap(), "{f} differs");
    }
    // The page's figures are results.csv's rows.
    let q =
        s.get("/api/results?report=%E5%BD%A2%E5%BC%8F%E4%B8%BB%E4%B9%89%E8%B0%83%E6%9F%A5&question=Q3&wave=2026&banner=%E6%80%BB%E4%BD%93");
    assert_eq!(q.status, 200);
    let (head, rows) = crate::workdir::read_csv(&served.join("results.csv"));
    let c = |n: &str| head.iter().position(|h| h == n).unwrap();
    let want: Vec<&Vec<String>> =
        rows.iter().filter(|r| r[c("question")] == "Q3" && r[c("wave")] == "2026" && r[c("banner")] == "总体").collect();
    assert!(!want.is_empty());
    for r in want {
        assert!(q.text().contains(&format!("\"{}\"", r[c("value")])), "value {} of {} missing", r[c("value")], r[c("option")]);
    }
    // What the page offers to choose: every question, wave and banner of the whole results.csv
    // (read to its end, not only the rows the page is sent at once).
    let index: serde_json::Value =
        serde_json::from_slice(&s.get("/api/results/index?report=%E5%BD%A2%E5%BC%8F%E4%B8%BB%E4%B9%89%E8%B0%83%E6%9F%A5").body).unwrap();
    // In the questionnaire's order, each once (Q9 was not asked in 2024: it comes first in a
    // later wave, after Q10, in results.csv).
    let survey = diaoyan::survey::Survey::load(&proj.join("survey.toml")).unwrap();
    let in_results: std::collections::HashSet<&str> = rows.iter().map(|r| r[c("question")].split('/').next().unwrap()).collect();
    let want: Vec<&str> = survey.questions.iter().map(|q| q.id.as_str()).filter(|q| in_results.contains(q)).collect();
    let listed: Vec<&str> = index["questions"].as_array().unwrap().iter().map(|q| q[0].as_str().unwrap()).collect();
    assert_eq!(listed, want, "questions in the questionnaire's order");
    let mut waves: Vec<&str> = rows.iter().map(|r| r[c("wave")].as_str()).collect();
    waves.sort();
    waves.dedup();
    let mut got: Vec<&str> = index["waves"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    got.sort();
    assert_eq!(got, waves);
    assert!(rows.len() > 5000, "the example's results.csv is longer than one answer of rows: {}", rows.len());
    // The year and unit tables of the page are changes.csv's and league.csv's rows.
    let id = "%E5%BD%A2%E5%BC%8F%E4%B8%BB%E4%B9%89%E8%B0%83%E6%9F%A5";
    let (lh, lr) = crate::workdir::read_csv(&served.join("league.csv"));
    let ind = &lr[0][lh.iter().position(|h| h == "indicator").unwrap()];
    let enc: String = ind.bytes().map(|b| format!("%{b:02X}")).collect();
    let page: serde_json::Value =
        serde_json::from_slice(&s.get(&format!("/api/csv?report={id}&file=league.csv&indicator={enc}")).body).unwrap();
    assert_eq!(page["rows"].as_array().unwrap().len(), lr.iter().filter(|r| &r[0] == ind).count());
    assert_eq!(page["head"].as_array().unwrap().last().unwrap(), "value_kind");
    let ch: serde_json::Value = serde_json::from_slice(&s.get(&format!("/api/csv?report={id}&file=changes.csv&question=Q6")).body).unwrap();
    assert!(ch["rows"].as_array().unwrap().iter().all(|r| r[0].as_str().unwrap().starts_with("Q6/")), "matrix rows of Q6");
    assert!(!ch["rows"].as_array().unwrap().is_empty());
    for bad in ["../survey.toml", "issues.csv", "results.csv%2F..%2F..%2Fsurvey.toml"] {
        assert_eq!(s.get(&format!("/api/csv?report={id}&file={bad}")).status, 400, "{bad}");
    }
    let xlsx = s.get(&format!("/files/{id}/{id}.xlsx"));
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.body.starts_with(b"PK") && xlsx.header("content-disposition").is_some_and(|d| d.contains("attachment")));
    let html =
        s.get("/files/%E5%BD%A2%E5%BC%8F%E4%B8%BB%E4%B9%89%E8%B0%83%E6%9F%A5/%E5%BD%A2%E5%BC%8F%E4%B8%BB%E4%B9%89%E8%B0%83%E6%9F%A5.html");
    let csp = html.header("content-security-policy").unwrap_or("");
    assert!(html.status == 200 && csp.starts_with("default-src 'none'") && !csp.contains("script"), "report page without script: {csp}");
}

#[test]
fn a_run_can_be_cancelled() {
    let w = Workdir::new();
    let proj = example_project(&w);
    let s = start(&proj, &[]);
    assert_eq!(s.post("/api/run/cancel", b"").status, 409, "nothing to cancel");
    assert_eq!(s.post("/api/run", b"").status, 202);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(s.post("/api/run/cancel", b"").status, 200);
    let end = wait_run(&s);
    assert!(end.contains("\"phase\":\"cancelled\""), "{end}");
    assert!(!proj.join("reports/形式主义调查/清单.csv").exists(), "a cancelled run leaves no finished report");
}

/// The whole way without a terminal, through the page's own requests: an empty project,
/// a 问卷星 export uploaded, the questionnaire inferred (the command line's `init`), the
/// report run, a figure read, the workbook downloaded.
#[test]
fn from_an_export_to_a_report_through_the_page() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("empty")).unwrap();
    let s = start(&w.path("empty"), &[]);
    assert!(s.post("/api/init", b"").text().contains("还没有回收的文件"), "nothing to infer from yet");
    let export = std::fs::read(root().join("surveys/example/2025/问卷星导出_按选项文本.xlsx")).unwrap();
    let up = s.post("/api/upload?name=%E9%97%AE%E5%8D%B7%E6%98%9F.xlsx&folder=2025", &export);
    assert_eq!(up.status, 200, "{}", up.text());
    let init = s.post("/api/init", b"");
    assert_eq!(init.status, 200, "{}", init.text());
    assert!(w.path("empty/survey.toml").is_file());
    assert_eq!(s.post("/api/init", b"").status, 409, "an existing survey.toml is not overwritten");
    let project: serde_json::Value = serde_json::from_slice(&s.get("/api/project").body).unwrap();
    assert_eq!(project["survey"]["questions"].as_array().map(|q| q.len()), Some(11), "{project}");
    // The page labels a mean 平均分, and 平均值 for a number question (as the workbook does).
    assert_eq!(project["measures"]["mean"], serde_json::json!(["平均分", "平均值", false]), "{project}");
    assert_eq!(project["measures"]["percent"][2], true, "{project}");
    assert_eq!(s.post("/api/run", b"").status, 202);
    let end: serde_json::Value = serde_json::from_str(&wait_run(&s)).unwrap();
    assert_eq!(end["phase"], "done", "{end}");
    let report = end["report"].as_str().unwrap().to_string();
    let enc = |x: &str| x.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    let r: serde_json::Value =
        serde_json::from_slice(&s.get(&format!("/api/results?report={}&question=Q1&banner=%E6%80%BB%E4%BD%93", enc(&report))).body)
            .unwrap();
    let (head, rows) = crate::workdir::read_csv(&w.path("empty/reports").join(&report).join("results.csv"));
    let v = head.iter().position(|h| h == "value").unwrap();
    let q = head.iter().position(|h| h == "question").unwrap();
    let first = rows.iter().find(|x| x[q] == "Q1").unwrap();
    assert_eq!(r["rows"][0][v].as_str(), Some(first[v].as_str()), "the page's first Q1 figure is results.csv's");
    let xlsx = s.get(&format!("/files/{}/{}", enc(&report), enc(&format!("{report}.xlsx"))));
    assert!(xlsx.status == 200 && xlsx.body.starts_with(b"PK"));
}

/// The questionnaire edited in the page: only the lines of what changed differ in
/// survey.toml (comments and layout kept); a change the command line would refuse is
/// refused with its message and leaves the file as it was.
#[test]
fn the_questionnaire_is_edited_without_rewriting_the_rest() {
    let w = Workdir::new();
    let proj = example_project(&w);
    let s = start(&proj, &[]);
    let before = std::fs::read_to_string(proj.join("survey.toml")).unwrap();
    let json = |v: serde_json::Value| v.to_string().into_bytes();
    let post =
        |body: Vec<u8>| s.send("POST", "/api/survey", &[s.cookie(), s.token_header(), "Content-Type: application/json".into()], &body);
    let edit = serde_json::json!({
        "title": "区直机关作风建设调查",
        "questions": [{ "id": "Q3", "label": "问题所在", "options": [
            { "from": "两者都有", "text": "两者都有" }, { "from": "机关", "text": "机关" },
            { "from": "基层单位", "text": "基层单位" }, { "from": "说不清", "text": "说不清" } ] }]
    });
    let a = post(json(edit));
    assert_eq!(a.status, 200, "{}", a.text());
    assert!(a.text().contains("问卷标题") && a.text().contains("Q3 的选项"), "{}", a.text());
    let after = std::fs::read_to_string(proj.join("survey.toml")).unwrap();
    let removed: Vec<&str> = before.lines().filter(|l| !after.lines().any(|m| m == *l)).collect();
    let added: Vec<&str> = after.lines().filter(|l| !before.lines().any(|m| m == *l)).collect();
    assert_eq!(removed.len(), 3, "only the title, Q3's label and options lines change: {removed:?}");
    assert_eq!(added.len(), 3, "{added:?}");
    assert_eq!(after.lines().count(), before.lines().count(), "no line added or lost");
    assert!(after.contains("# 示例问卷") && after.contains("[questions.history.2024]"), "comments and history kept");
    let survey = diaoyan::survey::Survey::load(&proj.join("survey.toml")).unwrap();
    let q3 = survey.questions.iter().find(|q| q.id == "Q3").unwrap();
    assert_eq!(q3.options.iter().map(|o| o.text()).collect::<Vec<_>>(), ["两者都有", "机关", "基层单位", "说不清"]);
    assert_eq!(q3.label.as_deref(), Some("问题所在"));
    // Refused as the command line refuses it; nothing written.
    for bad in [
        serde_json::json!({ "banners": ["Q99"] }),
        serde_json::json!({ "questions": [{ "id": "Q3", "kind": "nosuch" }] }),
        serde_json::json!({ "questions": [{ "id": "Q3", "options": [{ "from": "机关", "text": "机关" }] }] }),
    ] {
        let r = post(json(bad.clone()));
        assert_eq!(r.status, 422, "{bad}: {}", r.text());
        assert_eq!(std::fs::read_to_string(proj.join("survey.toml")).unwrap(), after, "{bad} changed the file");
    }
    // Without the page's token header: refused before anything is read.
    assert_eq!(
        s.send("POST", "/api/survey", &[s.cookie(), "Content-Type: application/json".into()], &json(serde_json::json!({"title": "x"})))
            .status,
        403
    );
}

/// A run with banners and a filter chosen in the page is the command line's `--banner`
/// and `--where` (same results.csv), written beside the full report; a filter the
/// command line refuses ends the run as failed with its message.
#[test]
fn banners_and_a_filter_chosen_in_the_page() {
    let w = Workdir::new();
    let proj = example_project(&w);
    let s = start(&proj, &[]);
    let bad = s.post("/api/run", br#"{"filter": "Q99=x"}"#);
    assert_eq!(bad.status, 202);
    let end = wait_run(&s);
    assert!(end.contains("\"phase\":\"failed\"") && end.contains("Q99"), "{end}");
    assert_eq!(s.post("/api/run", b"{not json").status, 400);
    assert_eq!(s.post("/api/run", r#"{"banners": ["Q1"], "filter": "unit=区财政局"}"#.as_bytes()).status, 202);
    let end: serde_json::Value = serde_json::from_str(&wait_run(&s)).unwrap();
    assert_eq!(end["phase"], "done", "{end}");
    let name = end["report"].as_str().unwrap();
    assert!(name.contains("区财政局"), "{name}");
    cli_report(&w, &["--per-unit", "--banner", "Q1", "--where", "unit=区财政局"]);
    let served = std::fs::read(proj.join("reports").join(name).join("results.csv")).unwrap();
    assert!(served == std::fs::read(w.path("cli/results.csv")).unwrap(), "results.csv differs from the command line's");
}

/// The roster edited and uploaded in the page: saved only when the command line's roster
/// reader accepts it (its message otherwise, the file unchanged); the report's files as
/// one zip.
#[test]
fn the_roster_is_edited_in_the_page_and_the_report_comes_as_one_zip() {
    let w = Workdir::new();
    let proj = example_project(&w);
    let s = start(&proj, &[]);
    let before = std::fs::read(proj.join("units.csv")).unwrap();
    let bad = serde_json::json!({ "rows": [["单位", "应收份数"], ["区财政局", "四十五"]] });
    let a = s.post_json("/api/units", &bad);
    assert_eq!(a.status, 422);
    assert!(a.text().contains("不是非负整数"), "{}", a.text());
    assert_eq!(std::fs::read(proj.join("units.csv")).unwrap(), before, "a refused roster changes nothing");
    let no_token = s.send("POST", "/api/units", &[s.cookie(), format!("Origin: http://127.0.0.1:{}", s.port)], bad.to_string().as_bytes());
    assert_eq!(no_token.status, 403);
    let good = serde_json::json!({ "rows": [["单位", "应收份数"], ["区财政局", "45"], ["区教育局", "40"], ["区新单位", "12"]] });
    let a = s.post_json("/api/units", &good);
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(std::fs::read_to_string(proj.join("units.csv")).unwrap(), "单位,应收份数\n区财政局,45\n区教育局,40\n区新单位,12\n");
    let project: serde_json::Value = serde_json::from_slice(&s.get("/api/project").body).unwrap();
    assert_eq!(project["roster"]["units"].as_array().unwrap().len(), 3);
    let check: serde_json::Value = serde_json::from_slice(&s.get("/api/check").body).unwrap();
    assert!(check.to_string().contains("区新单位"), "回收情况 follows the new roster");
    // An uploaded roster in another format (the example's as .xlsx) replaces it.
    let xlsx = w.path("名单.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in String::from_utf8(before.clone()).unwrap().lines().enumerate() {
        for (c, v) in line.split(',').enumerate() {
            sheet.write_string(r as u32, c as u16, v).unwrap();
        }
    }
    book.save(&xlsx).unwrap();
    let a = s.post("/api/units/upload?name=%E5%90%8D%E5%8D%95.xlsx", &std::fs::read(&xlsx).unwrap());
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(std::fs::read_to_string(proj.join("units.csv")).unwrap().trim_end(), String::from_utf8(before).unwrap().trim_end());
    assert_eq!(s.post("/api/units/upload?name=..%2Funits.csv", b"a,b").status, 400);
    assert!(!proj.join("..").join("units.csv").exists());
    // Everything the run wrote, as one zip.
    assert_eq!(s.get("/api/report.zip?report=nosuch").status, 404);
    assert_eq!(s.get("/api/report.zip?report=..").status, 404);
    assert_eq!(s.post("/api/run", b"").status, 202);
    assert!(wait_run(&s).contains("\"phase\":\"done\""));
    let z = s.get("/api/report.zip?report=%E5%BD%A2%E5%BC%8F%E4%B8%BB%E4%B9%89%E8%B0%83%E6%9F%A5");
    assert_eq!(z.status, 200);
    let zip = zip::ZipArchive::new(std::io::Cursor::new(z.body)).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    let on_disk = walk(&proj.join("reports/形式主义调查")).len();
    assert_eq!(names.len(), on_disk, "every file of the report folder");
    for want in ["results.csv", "形式主义调查.xlsx", "形式主义调查.docx", "清单.csv"] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    assert!(names.iter().any(|n| n.starts_with("charts/") && n.ends_with(".png")) && names.iter().any(|n| n.starts_with("分单位反馈/")));
    // A question's chart, by the name `report` gave it.
    let id = "%E5%BD%A2%E5%BC%8F%E4%B8%BB%E4%B9%89%E8%B0%83%E6%9F%A5";
    let c = s.get(&format!("/api/chart?report={id}&question=Q3&wave=2026&banner=Q1"));
    assert_eq!(c.status, 200, "{}", c.text());
    assert!(c.text().contains("形式主义调查/charts/2026_Q3_by_Q1.svg"), "{}", c.text());
    assert!(names.iter().any(|n| n == "charts/2026_Q3_by_Q1.svg"));
    assert_eq!(s.get(&format!("/api/chart?report={id}&question=Q3&wave=2026&banner=..%2F..")).status, 404);
}

/// Options moved and merged in the page keep their answers, on a real 问卷星 code export
/// (answers as option numbers, multi-select as one 0/1 column per option): a merged
/// option counts the answers of both, a moved one keeps its own, and the text export of
/// the same 800 respondents, read with the edited questionnaire, gives the same counts.
#[test]
fn moved_and_merged_options_keep_their_answers_on_a_code_export() {
    let w = Workdir::new();
    // The questionnaire as `init` infers it from both exports (option names from the text
    // one); the project's data is the code export.
    let (text, code) = (crate::workdir::wjx("text-export-800.xls"), crate::workdir::wjx("code-export-800.xls"));
    w.cmd("init").input(&text).input(&code).out("proj/survey.toml").run().expect_ok();
    w.copy(&code, "proj/data/code.xls");
    let s = start(&w.path("proj"), &[]);
    let survey = diaoyan::survey::Survey::load(&w.path("proj/survey.toml")).unwrap();
    let with_options = |kind: diaoyan::survey::Kind| {
        survey
            .questions
            .iter()
            .find(|q| q.kind == kind && q.options.len() >= 3 && !q.options[..2].iter().any(|o| o.is_other()))
            .unwrap()
            .clone()
    };
    let (single, multi) = (with_options(diaoyan::survey::Kind::Single), with_options(diaoyan::survey::Kind::Multi));
    let counts = |dir: &Path, q: &str| -> std::collections::BTreeMap<String, String> {
        let (head, rows) = crate::workdir::read_csv(&dir.join("results.csv"));
        let c = |n: &str| head.iter().position(|h| h == n).unwrap();
        rows.iter()
            .filter(|r| r[c("question")] == q && r[c("banner")] == "总体" && r[c("measure")] == "percent")
            .map(|r| (r[c("option")].clone(), r[c("count")].clone()))
            .collect()
    };
    let run = || {
        assert_eq!(s.post("/api/run", b"").status, 202);
        let end: serde_json::Value = serde_json::from_str(&wait_run(&s)).unwrap();
        assert_eq!(end["phase"], "done", "{end}");
        w.path("proj/reports").join(end["report"].as_str().unwrap())
    };
    let dir = run();
    let (before_single, before_multi) = (counts(&dir, &single.id), counts(&dir, &multi.id));
    // Single: reversed, and the (old) second option merged into the first. Multi: reversed.
    let texts = |q: &diaoyan::survey::Question| q.options.iter().map(|o| o.text().to_string()).collect::<Vec<_>>();
    let (s_opts, m_opts) = (texts(&single), texts(&multi));
    let mut s_edit: Vec<serde_json::Value> = s_opts.iter().rev().map(|t| serde_json::json!({ "from": t, "text": t })).collect();
    let n = s_edit.len();
    s_edit[n - 2]["text"] = serde_json::json!(s_opts[0]);
    let m_edit: Vec<serde_json::Value> = m_opts.iter().rev().map(|t| serde_json::json!({ "from": t, "text": t })).collect();
    let edit = serde_json::json!({ "questions": [{ "id": single.id, "options": s_edit }, { "id": multi.id, "options": m_edit }] });
    let a = s.post_json("/api/survey", &edit);
    assert_eq!(a.status, 200, "{}", a.text());
    assert!(a.text().contains("有选项合并"), "{}", a.text());
    let dir = run();
    let (after_single, after_multi) = (counts(&dir, &single.id), counts(&dir, &multi.id));
    assert_eq!(after_multi, before_multi, "a moved option keeps its answers");
    let num = |m: &std::collections::BTreeMap<String, String>, k: &str| m[k].parse::<f64>().unwrap();
    assert_eq!(num(&after_single, &s_opts[0]), num(&before_single, &s_opts[0]) + num(&before_single, &s_opts[1]), "merged");
    assert!(!after_single.contains_key(&s_opts[1]));
    for t in &s_opts[2..] {
        assert_eq!(after_single[t], before_single[t], "{t} moved, same answers");
    }
    // The text export of the same respondents, with the edited questionnaire.
    let cli = w.cmd("report").survey(w.path("proj/survey.toml")).input(&text);
    cli.args(["--charts", "none", "--doc", "none"]).out("text").run().expect_ok();
    assert_eq!(counts(&w.path("text"), &single.id), after_single);
    assert_eq!(counts(&w.path("text"), &multi.id), after_multi);
}
