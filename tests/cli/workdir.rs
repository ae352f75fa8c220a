//! A temporary directory to run the binary in, with helpers that show stdout/stderr
//! when an expectation fails (after xsv's tests/workdir.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Workdir {
    pub dir: tempfile::TempDir,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// The real 问卷星 exports (copied into tests/fixtures/wjx_real with their source note).
pub fn wjx(name: &str) -> PathBuf {
    root().join("tests/fixtures/wjx_real").join(name)
}

pub struct Run {
    pub out: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).to_string()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).to_string()
    }
    pub fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code(), code, "unexpected exit status\n--- stdout\n{}\n--- stderr\n{}", self.stdout(), self.stderr());
        self
    }
    /// Exit 0.
    pub fn expect_ok(&self) -> &Self {
        self.expect_code(0)
    }
    /// Not stopped by a defect of ours: main.rs turns any panic into this message and
    /// exit 1, which a damaged file also gives, so the status alone cannot tell.
    pub fn expect_no_defect(&self) -> &Self {
        assert!(!self.stderr().contains(DEFECT), "a panic in diaoyan\n--- stderr\n{}", self.stderr());
        self
    }
}

/// What main.rs prints when the program panics.
pub const DEFECT: &str = "程序内部出错";

/// A command being put together: `w.cmd("report").survey(..).input(..).out("o").run()`.
pub struct Cmd<'a> {
    w: &'a Workdir,
    args: Vec<std::ffi::OsString>,
    envs: Vec<(String, String)>,
}

impl Cmd<'_> {
    pub fn arg(mut self, a: impl AsRef<std::ffi::OsStr>) -> Self {
        self.args.push(a.as_ref().to_owned());
        self
    }
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }
    /// `-s <survey.toml>`.
    pub fn survey(self, p: impl AsRef<Path>) -> Self {
        self.arg("-s").arg(p.as_ref())
    }
    /// An input file or folder.
    pub fn input(self, p: impl AsRef<Path>) -> Self {
        self.arg(p.as_ref())
    }
    /// `-o <name>` inside the work directory.
    pub fn out(self, name: &str) -> Self {
        self.arg("-o").arg(name)
    }
    /// An environment variable for this run.
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.envs.push((k.into(), v.into()));
        self
    }
    pub fn run(self) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_diaoyan"))
            .current_dir(self.w.dir.path())
            .args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        Run { out }
    }
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir { dir: tempfile::tempdir().unwrap() }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    /// Starts a command line: `w.cmd("import")`.
    pub fn cmd(&self, sub: &str) -> Cmd<'_> {
        Cmd { w: self, args: vec![sub.into()], envs: Vec::new() }
    }
    /// Writes a file into the work directory (creating folders), returning its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, contents).unwrap();
        p
    }
    /// Copies a file into the work directory under `name`, returning its path.
    pub fn copy(&self, from: impl AsRef<Path>, name: &str) -> PathBuf {
        let bytes = std::fs::read(from.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", from.as_ref().display()));
        self.write(name, bytes)
    }
    /// A CSV the tool wrote into the work directory: header and rows.
    pub fn csv(&self, name: &str) -> (Vec<String>, Vec<Vec<String>>) {
        read_csv(&self.path(name))
    }
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let out = Command::new(env!("CARGO_BIN_EXE_diaoyan")).current_dir(self.dir.path()).args(args).output().unwrap();
        Run { out }
    }
}

/// Reads a CSV written by the tool (UTF-8 with BOM) into header + rows.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{} has no UTF-8 BOM", path.display());
    let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(&bytes[3..]);
    let header = r.headers().unwrap().iter().map(|s| s.to_string()).collect();
    let rows = r.records().map(|x| x.unwrap().iter().map(|s| s.to_string()).collect()).collect();
    (header, rows)
}

/// Every file under `dir`, folders searched recursively.
pub fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
