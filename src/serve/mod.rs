//! `diaoyan serve`: the survey in a browser, for people who never open a terminal. A
//! local web server (axum on tokio) on loopback only, guarded by a random token
//! (`guard.rs`); the page (HTML, CSS and script embedded in the binary, nothing from the
//! network) works on one project folder (`project.rs`): its questionnaire, roster and
//! returned files, uploads into it, report runs (`runs.rs`, the command line's own
//! `report`), and the figures and files those runs wrote. No statistics here: the page
//! shows results.csv and the files `report` wrote.

mod checked;
mod edit;
mod guard;
pub mod project;
mod runs;
mod units;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

pub use guard::{cookie_name, TOKEN_HEADER};

/// How the server is started.
#[derive(Debug, Clone)]
pub struct Config {
    /// The project folder.
    pub root: PathBuf,
    /// 0: any free port.
    pub port: u16,
    /// An address other than loopback (only with the explicit flag).
    pub host: Option<IpAddr>,
    /// Largest upload accepted, in bytes.
    pub max_upload: usize,
    /// This program, run for reports.
    pub exe: PathBuf,
}

/// What every handler shares.
#[derive(Clone)]
pub struct App {
    root: Arc<PathBuf>,
    token: Arc<String>,
    port: u16,
    extra_host: Option<String>,
    max_upload: usize,
    exe: Arc<PathBuf>,
    runs: Arc<runs::Runs>,
}

/// A bound server, before it serves: its address and token (for the opening URL).
pub struct Bound {
    pub url: String,
    listener: tokio::net::TcpListener,
    app: App,
}

/// Binds the port (loopback unless `host` is given) and makes the token.
pub async fn bind(cfg: Config) -> std::io::Result<Bound> {
    let ip = cfg.host.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(ip, cfg.port)).await?;
    let port = listener.local_addr()?.port();
    let token = guard::new_token()?;
    let extra_host = cfg.host.filter(|h| !h.is_loopback()).map(|h| match h {
        IpAddr::V6(v6) => format!("[{v6}]"),
        v4 => v4.to_string(),
    });
    let shown = extra_host.clone().unwrap_or_else(|| "127.0.0.1".into());
    let url = format!("http://{shown}:{port}/?token={token}");
    let root = cfg.root.canonicalize()?;
    let app = App {
        root: Arc::new(root),
        token: Arc::new(token),
        port,
        extra_host,
        max_upload: cfg.max_upload,
        exe: Arc::new(cfg.exe),
        runs: Arc::new(runs::Runs::default()),
    };
    Ok(Bound { url, listener, app })
}

impl Bound {
    /// Serves until the process ends.
    pub async fn serve(self) -> std::io::Result<()> {
        let app = self.app.clone();
        let router = Router::new()
            .route("/", get(page))
            .route("/app.js", get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }))
            .route("/app.css", get(|| async { asset("text/css; charset=utf-8", APP_CSS) }))
            .route("/api/project", get(project_view))
            .route("/api/upload", post(upload))
            .route("/api/run", get(run_view).post(run_start))
            .route("/api/run/cancel", post(run_cancel))
            .route("/api/results", get(results))
            .route("/api/csv", get(csv_rows))
            .route("/api/results/index", get(results_index))
            .route("/api/chart", get(chart))
            .route("/api/check", get(check))
            .route("/api/init", post(init))
            .route("/api/survey", post(save_survey))
            .route("/api/units", post(save_units))
            .route("/api/units/upload", post(upload_units))
            .route("/api/templates.zip", get(templates))
            .route("/api/report.zip", get(report_zip))
            .route("/files/{*path}", get(file))
            .layer(tower_http::limit::RequestBodyLimitLayer::new(app.max_upload))
            .layer(axum::middleware::from_fn_with_state(app.clone(), guard::guard))
            .with_state(app);
        axum::serve(self.listener, router).await
    }
}

const PAGE: &str = include_str!("page.html");
const APP_JS: &str = include_str!("app.js");
const APP_CSS: &str = include_str!("app.css");

fn asset(kind: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

/// The page, with the token for its requests (readable only by the page itself).
async fn page(State(app): State<App>) -> Response {
    let html = PAGE.replace("{{TOKEN}}", &app.token);
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

fn message(status: StatusCode, text: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": text.into() }))).into_response()
}

async fn project_view(State(app): State<App>) -> Response {
    let root = Arc::clone(&app.root);
    match tokio::task::spawn_blocking(move || project::overview(&root)).await {
        Ok(o) => Json(o).into_response(),
        Err(_) => message(StatusCode::INTERNAL_SERVER_ERROR, "读取项目文件夹时出错"),
    }
}

#[derive(serde::Deserialize)]
struct UploadQuery {
    name: String,
    folder: Option<String>,
}

/// One file, its bytes as the body; saved whole or not at all.
async fn upload(State(app): State<App>, Query(q): Query<UploadQuery>, body: Body) -> Response {
    let (name, folder) = match (project::upload_name(&q.name), project::upload_folder(q.folder.as_deref())) {
        (Ok(n), Ok(f)) => (n, f),
        (Err(e), _) | (_, Err(e)) => return message(StatusCode::BAD_REQUEST, e.0),
    };
    let bytes = match axum::body::to_bytes(body, app.max_upload).await {
        Ok(b) => b,
        Err(_) => {
            let mb = app.max_upload / (1 << 20);
            return message(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("文件太大或没有传完整（上限 {mb} MB，可用 --max-upload 调整），没有保存"),
            );
        }
    };
    let root = Arc::clone(&app.root);
    let saved =
        tokio::task::spawn_blocking(move || project::save_upload(&root, &folder, &name, &bytes).map(|_| format!("{folder}/{name}"))).await;
    match saved {
        Ok(Ok(path)) => Json(serde_json::json!({ "saved": path })).into_response(),
        _ => message(StatusCode::INTERNAL_SERVER_ERROR, "无法保存文件"),
    }
}

/// 回收情况, the accounting, the ledger and the column map, read now.
async fn check(State(app): State<App>) -> Response {
    let root = Arc::clone(&app.root);
    match tokio::task::spawn_blocking(move || checked::check(&root)).await {
        Ok(Ok(c)) => Json(c).into_response(),
        Ok(Err(e)) => message(StatusCode::CONFLICT, e),
        Err(_) => message(StatusCode::INTERNAL_SERVER_ERROR, "读取回收的文件时出错"),
    }
}

/// Every unit's fill-in workbook, as one zip.
async fn templates(State(app): State<App>) -> Response {
    let root = Arc::clone(&app.root);
    match tokio::task::spawn_blocking(move || checked::templates_zip(&root)).await {
        Ok(Ok(bytes)) => {
            let disp = "attachment; filename*=UTF-8''%E5%A1%AB%E6%8A%A5%E8%A1%A8.zip";
            ([(header::CONTENT_TYPE, "application/zip"), (header::CONTENT_DISPOSITION, disp)], bytes).into_response()
        }
        Ok(Err(e)) => message(StatusCode::CONFLICT, e),
        Err(_) => message(StatusCode::INTERNAL_SERVER_ERROR, "生成填报表时出错"),
    }
}

/// Everything a report run wrote, as one zip.
async fn report_zip(State(app): State<App>, Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let root = Arc::clone(&app.root);
    let report = q.get("report").cloned().unwrap_or_default();
    let name = format!("{report}.zip");
    match tokio::task::spawn_blocking(move || checked::report_zip(&root, &report)).await {
        Ok(Ok(bytes)) => {
            let mut r = ([(header::CONTENT_TYPE, "application/zip")], bytes).into_response();
            if let Ok(v) = HeaderValue::from_str(&attachment(&name)) {
                r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            r
        }
        Ok(Err(e)) => message(StatusCode::NOT_FOUND, e),
        Err(_) => message(StatusCode::INTERNAL_SERVER_ERROR, "打包时出错"),
    }
}

/// `Content-Disposition` for a download under its own (Chinese) name.
fn attachment(name: &str) -> String {
    let enc: String = name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"._-".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("attachment; filename*=UTF-8''{enc}")
}

/// survey.toml inferred from the returned files (the command line's `init`), when the
/// project has none; refused while a report runs.
async fn init(State(app): State<App>) -> Response {
    let target = app.root.join("survey.toml");
    if target.exists() {
        return message(StatusCode::CONFLICT, "项目文件夹中已有 survey.toml，不会覆盖");
    }
    if app.runs.view().phase == runs::Phase::Running {
        return message(StatusCode::CONFLICT, "统计正在运行，请等它结束");
    }
    let files: Vec<PathBuf> = project::data_files(&app.root).into_iter().map(|f| app.root.join(f.path)).collect();
    if files.is_empty() {
        return message(StatusCode::CONFLICT, "还没有回收的文件：先在“数据”页上传问卷星导出文件");
    }
    let out = tokio::process::Command::new(app.exe.as_ref())
        .arg("init")
        .args(&files)
        .arg("-o")
        .arg(&target)
        .current_dir(app.root.as_ref())
        .output()
        .await;
    match out {
        Ok(o) => {
            let lines: Vec<String> =
                String::from_utf8_lossy(&o.stdout).lines().chain(String::from_utf8_lossy(&o.stderr).lines()).map(String::from).collect();
            if o.status.success() && target.is_file() {
                Json(serde_json::json!({ "lines": lines })).into_response()
            } else {
                message(StatusCode::UNPROCESSABLE_ENTITY, lines.join("\n"))
            }
        }
        Err(e) => message(StatusCode::INTERNAL_SERVER_ERROR, format!("无法推断问卷：{e}")),
    }
}

/// The questionnaire's changes from the page, written into survey.toml (see `edit.rs`).
async fn save_survey(State(app): State<App>, Json(e): Json<edit::Edit>) -> Response {
    if app.runs.view().phase == runs::Phase::Running {
        return message(StatusCode::CONFLICT, "统计正在运行，请等它结束再改问卷");
    }
    let root = Arc::clone(&app.root);
    match tokio::task::spawn_blocking(move || edit::apply(&root, &e)).await {
        Ok(Ok(said)) => Json(serde_json::json!({ "changes": said })).into_response(),
        Ok(Err(why)) => message(StatusCode::UNPROCESSABLE_ENTITY, why),
        Err(_) => message(StatusCode::INTERNAL_SERVER_ERROR, "保存问卷时出错"),
    }
}

#[derive(serde::Deserialize)]
struct UnitRows {
    rows: Vec<Vec<String>>,
}

/// The roster edited in the page (its grid, header first), saved as units.csv.
async fn save_units(State(app): State<App>, Json(u): Json<UnitRows>) -> Response {
    let root = Arc::clone(&app.root);
    roster_saved(tokio::task::spawn_blocking(move || units::save(&root, &u.rows)).await)
}

/// An uploaded roster (any format `report` reads), saved as units.csv.
async fn upload_units(State(app): State<App>, Query(q): Query<UploadQuery>, body: axum::body::Bytes) -> Response {
    let name = match project::upload_name(&q.name) {
        Ok(n) => n,
        Err(e) => return message(StatusCode::BAD_REQUEST, e.0),
    };
    let root = Arc::clone(&app.root);
    roster_saved(tokio::task::spawn_blocking(move || units::upload(&root, &name, &body)).await)
}

fn roster_saved(r: Result<Result<usize, String>, tokio::task::JoinError>) -> Response {
    match r {
        Ok(Ok(n)) => Json(serde_json::json!({ "units": n })).into_response(),
        Ok(Err(why)) => message(StatusCode::UNPROCESSABLE_ENTITY, why),
        Err(_) => message(StatusCode::INTERNAL_SERVER_ERROR, "保存单位名单时出错"),
    }
}

async fn run_view(State(app): State<App>) -> Response {
    Json(app.runs.view()).into_response()
}

/// Starts a report; the body (optional JSON) names banners and a filter.
async fn run_start(State(app): State<App>, body: axum::body::Bytes) -> Response {
    let ask: runs::Ask = if body.is_empty() {
        runs::Ask::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(a) => a,
            Err(_) => return message(StatusCode::BAD_REQUEST, "统计选项的格式不对"),
        }
    };
    match app.runs.start(&app.exe, &app.root, &ask) {
        Ok(()) => (StatusCode::ACCEPTED, Json(app.runs.view())).into_response(),
        Err(runs::StartError::Busy) => message(StatusCode::CONFLICT, "已有一次统计正在运行，请等它结束或先取消"),
        Err(runs::StartError::Spawn(e)) => message(StatusCode::INTERNAL_SERVER_ERROR, format!("无法开始统计：{e}")),
    }
}

async fn run_cancel(State(app): State<App>) -> Response {
    if app.runs.cancel() {
        Json(serde_json::json!({ "cancelled": true })).into_response()
    } else {
        message(StatusCode::CONFLICT, "现在没有正在运行的统计")
    }
}

/// The CSVs of a report the page reads, and the columns it may filter them by.
const TABLES: [&str; 4] = ["results.csv", "tests.csv", "changes.csv", "league.csv"];
const FILTERS: [&str; 7] = ["question", "wave", "banner", "indicator", "wave_from", "wave_to", "measure"];

/// Rows of a report's results.csv (as written), filtered: the page's tables; with one
/// more column, `base_mark`, the workbook's words for a base read with care or too small
/// (`stats::BaseFlag` at the thresholds the run used, the command line's defaults).
async fn results(State(app): State<App>, Query(mut q): Query<std::collections::HashMap<String, String>>) -> Response {
    q.insert("file".into(), "results.csv".into());
    match csv_value(&app, q).await {
        Ok(mut v) => {
            with_base_marks(&mut v);
            Json(v).into_response()
        }
        Err(r) => r,
    }
}

fn with_base_marks(v: &mut serde_json::Value) {
    let opts = crate::stats::StatsOptions::default();
    let Some(col) = v["head"].as_array().and_then(|h| h.iter().position(|x| x == "base")) else { return };
    if let Some(h) = v["head"].as_array_mut() {
        h.push("base_mark".into());
    }
    for row in v["rows"].as_array_mut().into_iter().flatten() {
        let base = row[col].as_str().and_then(|b| b.parse::<f64>().ok());
        let mark = base.map_or("", |b| crate::render::words::base_mark(crate::stats::BaseFlag::of(b.round() as usize, &opts)));
        if let Some(r) = row.as_array_mut() {
            r.push(mark.into());
        }
    }
}

/// Rows of one of a report's CSVs (`file`), filtered by the `FILTERS` columns given; a
/// `question` also matches its matrix rows (`Q6` → `Q6/三会一课`).
async fn csv_rows(State(app): State<App>, Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    match csv_value(&app, q).await {
        Ok(v) => Json(v).into_response(),
        Err(r) => r,
    }
}

/// [`csv_rows`]' rows as JSON (`head`, `rows`, `truncated`), or the answer refusing them.
async fn csv_value(app: &App, q: std::collections::HashMap<String, String>) -> Result<serde_json::Value, Response> {
    let file = q.get("file").map(String::as_str).unwrap_or("");
    if !TABLES.contains(&file) {
        return Err(message(StatusCode::BAD_REQUEST, "只能读取 results.csv、tests.csv、changes.csv、league.csv"));
    }
    let report = q.get("report").cloned().unwrap_or_default();
    let Some(path) = project::report_file(&app.root, &format!("{report}/{file}")) else {
        return Err(message(StatusCode::NOT_FOUND, "还没有统计结果，请先运行统计"));
    };
    match tokio::task::spawn_blocking(move || read_rows(&path, &q)).await {
        Ok(Ok(v)) => Ok(v),
        _ => Err(message(StatusCode::INTERNAL_SERVER_ERROR, "无法读取统计结果")),
    }
}

/// What a report's results.csv covers, read through to the end: its questions (id and
/// text, in order), waves and banners — the page's choices.
async fn results_index(State(app): State<App>, Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let report = q.get("report").cloned().unwrap_or_default();
    let Some(path) = project::report_file(&app.root, &format!("{report}/results.csv")) else {
        return message(StatusCode::NOT_FOUND, "还没有统计结果，请先运行统计");
    };
    let survey = app.root.join("survey.toml");
    match tokio::task::spawn_blocking(move || {
        // In the questionnaire's order (a question missing from the first wave would
        // otherwise come after the later ones).
        let order: Vec<String> =
            crate::survey::Survey::load(&survey).map(|s| s.questions.into_iter().map(|q| q.id).collect()).unwrap_or_default();
        index_of(&path, &order)
    })
    .await
    {
        Ok(Ok(v)) => Json(v).into_response(),
        _ => message(StatusCode::INTERNAL_SERVER_ERROR, "无法读取统计结果"),
    }
}

/// The chart `report` drew for a question, wave and banner (`总体`: the whole sample), as
/// a path under reports/ for `/files/`; its name as `render::charts::chart_stem` makes it.
async fn chart(State(app): State<App>, Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let (report, question, wave) = (get("report"), get("question"), get("wave"));
    let banner = Some(get("banner")).filter(|b| !b.is_empty() && *b != crate::stats::OVERALL);
    let with_wave = format!("{wave}_");
    for prefix in [with_wave.as_str(), ""] {
        let rel = format!("{report}/charts/{}.svg", crate::render::charts::chart_stem(prefix, question, banner));
        if project::report_file(&app.root, &rel).is_some() {
            return Json(serde_json::json!({ "svg": rel })).into_response();
        }
    }
    message(StatusCode::NOT_FOUND, "这道题没有图表")
}

fn index_of(path: &Path, order: &[String]) -> Result<serde_json::Value, csv::Error> {
    let mut r = csv::Reader::from_path(path)?;
    let head: Vec<String> = r.headers()?.iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect();
    let col = |n: &str| head.iter().position(|h| h == n).unwrap_or(usize::MAX);
    let (qc, tc, wc, bc) = (col("question"), col("question_text"), col("wave"), col("banner"));
    let mut questions: Vec<(String, String)> = Vec::new();
    let (mut waves, mut banners): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    let add = |list: &mut Vec<String>, v: &str| {
        if !list.iter().any(|x| x == v) {
            list.push(v.to_string());
        }
    };
    for rec in r.records() {
        let rec = rec?;
        let id = rec.get(qc).unwrap_or("").split('/').next().unwrap_or("");
        if !questions.iter().any(|(q, _)| q == id) {
            questions.push((id.to_string(), rec.get(tc).unwrap_or("").to_string()));
        }
        add(&mut waves, rec.get(wc).unwrap_or(""));
        add(&mut banners, rec.get(bc).unwrap_or(""));
    }
    questions.sort_by_key(|(id, _)| order.iter().position(|o| o == id).unwrap_or(usize::MAX));
    Ok(serde_json::json!({ "questions": questions, "waves": waves, "banners": banners }))
}

/// Rows the page is sent at most (it asks per question, wave and banner: far fewer).
const ROWS_SHOWN: usize = 5000;

fn read_rows(path: &Path, q: &std::collections::HashMap<String, String>) -> Result<serde_json::Value, csv::Error> {
    let mut r = csv::Reader::from_path(path)?;
    let head: Vec<String> = r.headers()?.iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect();
    let wanted: Vec<(usize, &str, bool)> =
        FILTERS.iter().filter_map(|f| Some((head.iter().position(|h| h == f)?, q.get(*f)?.as_str(), *f == "question"))).collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec?;
        let keep = wanted.iter().all(|(c, v, prefix)| {
            let x = rec.get(*c).unwrap_or("");
            x == *v || (*prefix && x.strip_prefix(*v).is_some_and(|rest| rest.starts_with('/')))
        });
        if keep {
            rows.push(rec.iter().map(String::from).collect::<Vec<_>>());
        }
        if rows.len() >= ROWS_SHOWN {
            return Ok(serde_json::json!({ "head": head, "rows": rows, "truncated": true }));
        }
    }
    Ok(serde_json::json!({ "head": head, "rows": rows, "truncated": false }))
}

/// A file of reports/ (the workbook, the documents, the CSVs, the charts).
async fn file(State(app): State<App>, axum::extract::Path(rel): axum::extract::Path<String>) -> Response {
    let Some(path) = project::report_file(&app.root, &rel) else {
        return message(StatusCode::NOT_FOUND, "没有这个文件");
    };
    let Ok(bytes) = tokio::fs::read(&path).await else { return message(StatusCode::NOT_FOUND, "无法读取这个文件") };
    let kind = match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    };
    let mut r = ([(header::CONTENT_TYPE, kind)], bytes).into_response();
    if kind != "text/html; charset=utf-8" && !kind.starts_with("image/") {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if let Ok(v) = HeaderValue::from_str(&attachment(&name)) {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    r
}
