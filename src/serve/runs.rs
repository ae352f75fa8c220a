//! The report run started from the page: the same `diaoyan report` the command line runs
//! (this program, as a child process), so the figures, files and messages are the
//! command line's; the page shows its lines as they come, can cancel it (the child is
//! stopped; the outputs of a run that did not finish carry no 清单.csv), and a second
//! start while one runs is refused.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::oneshot;

use super::project::REPORTS;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Idle,
    Running,
    Done,
    Failed,
    Cancelled,
}

/// What the page shows of the current (or last) run.
#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub phase: Phase,
    /// The program's lines (stdout and stderr), in order.
    pub lines: Vec<String>,
    /// The report folder, relative to reports/ (when the run wrote one).
    pub report: Option<String>,
    pub seconds: f64,
    /// Files read so far and in all (from the report's `已读取 i/N 个文件` lines).
    pub files: Option<(usize, usize)>,
}

pub struct Runs {
    view: Mutex<RunView>,
    cancel: Mutex<Option<oneshot::Sender<()>>>,
    started: Mutex<Option<std::time::Instant>>,
}

impl Default for Runs {
    fn default() -> Self {
        Runs {
            view: Mutex::new(RunView { phase: Phase::Idle, lines: Vec::new(), report: None, seconds: 0.0, files: None }),
            cancel: Mutex::new(None),
            started: Mutex::new(None),
        }
    }
}

/// What the page asks of a run: banners (else survey.toml's) and a `--where` filter.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Ask {
    #[serde(default)]
    pub banners: Vec<String>,
    #[serde(default)]
    pub filter: Option<String>,
}

/// Why a run could not start.
#[derive(Debug)]
pub enum StartError {
    Busy,
    Spawn(std::io::Error),
}

impl Runs {
    pub fn view(&self) -> RunView {
        let mut v = self.view.lock().map(|v| v.clone()).unwrap_or_else(|e| e.into_inner().clone());
        if v.phase == Phase::Running {
            if let Ok(Some(t)) = self.started.lock().map(|s| *s) {
                v.seconds = t.elapsed().as_secs_f64();
            }
        }
        v
    }

    fn set(&self, f: impl FnOnce(&mut RunView)) {
        let mut v = self.view.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut v);
    }

    /// Asks the running report to stop; false when none runs.
    pub fn cancel(&self) -> bool {
        match self.cancel.lock().ok().and_then(|mut c| c.take()) {
            Some(tx) => tx.send(()).is_ok(),
            None => false,
        }
    }

    /// Starts `diaoyan report` on the project; refused while a run is going on.
    pub fn start(self: &Arc<Self>, exe: &Path, root: &Path, ask: &Ask) -> Result<(), StartError> {
        {
            let mut v = self.view.lock().unwrap_or_else(|e| e.into_inner());
            if v.phase == Phase::Running {
                return Err(StartError::Busy);
            }
            *v = RunView { phase: Phase::Running, lines: Vec::new(), report: None, seconds: 0.0, files: None };
        }
        let (name, args) = report_args(root, ask);
        let child = tokio::process::Command::new(exe)
            .args(&args)
            .current_dir(root)
            .env("DIAOYAN_PROGRESS", "lines")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => {
                self.set(|v| v.phase = Phase::Failed);
                return Err(StartError::Spawn(e));
            }
        };
        let (tx, rx) = oneshot::channel();
        *self.cancel.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
        *self.started.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::time::Instant::now());
        for out in [
            child.stdout.take().map(|o| Box::new(o) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
            child.stderr.take().map(|o| Box::new(o) as _),
        ]
        .into_iter()
        .flatten()
        {
            let me = Arc::clone(self);
            tokio::spawn(async move {
                let mut lines = BufReader::new(out).lines();
                while let Ok(Some(l)) = lines.next_line().await {
                    me.set(|v| {
                        if let Some(p) = files_read(&l) {
                            v.files = Some(p);
                        }
                        v.lines.push(l);
                    });
                }
            });
        }
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let end = tokio::select! {
                status = child.wait() => match status {
                    Ok(s) if s.success() => Phase::Done,
                    _ => Phase::Failed,
                },
                _ = rx => {
                    let _ = child.kill().await;
                    Phase::Cancelled
                }
            };
            let seconds = me.started.lock().ok().and_then(|s| *s).map_or(0.0, |t| t.elapsed().as_secs_f64());
            // The last lines reach the page before it learns that the run ended.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            me.set(|v| {
                v.report = (end == Phase::Done).then(|| name.clone());
                v.phase = end;
                v.seconds = seconds;
            });
            let _ = me.cancel.lock().map(|mut c| c.take());
        });
        Ok(())
    }
}

/// `已读取 3/12 个文件：…` → (3, 12).
fn files_read(line: &str) -> Option<(usize, usize)> {
    let (done, rest) = line.strip_prefix("已读取 ")?.split_once('/')?;
    let total = rest.split_once(' ')?.0;
    Some((done.parse().ok()?, total.parse().ok()?))
}

/// The command line of a run: the project's survey.toml and units.csv when there, its data
/// files (every folder but reports/, every data file at its top), the banners and filter
/// asked for (each one argument: no shell), the outputs into reports/<survey id>/ (with
/// the filter in the name when there is one); returns that folder's name too.
fn report_args(root: &Path, ask: &Ask) -> (String, Vec<PathBuf>) {
    let survey = root.join("survey.toml");
    let id = crate::survey::Survey::load(&survey).map(|s| s.id).unwrap_or_else(|_| "报告".to_string());
    let filter = ask.filter.as_deref().map(str::trim).filter(|f| !f.is_empty());
    let name = crate::text::safe_file_stem(&match filter {
        Some(f) => format!("{id}（{f}）"),
        None => id,
    });
    let mut args: Vec<PathBuf> = vec!["report".into()];
    for b in ask.banners.iter().map(|b| b.trim()).filter(|b| !b.is_empty()) {
        args.extend(["--banner".into(), b.into()]);
    }
    if let Some(f) = filter {
        args.extend(["--where".into(), f.into()]);
    }
    if survey.is_file() {
        args.extend(["-s".into(), survey]);
    }
    let units = root.join("units.csv");
    if units.is_file() {
        args.extend(["--units".into(), units]);
    }
    args.extend(["--per-unit".into(), "-o".into(), root.join(REPORTS).join(&name)]);
    let mut inputs: Vec<PathBuf> = super::project::data_files(root).into_iter().map(|f| root.join(f.path)).collect();
    inputs.sort();
    args.extend(inputs);
    (name, args)
}
