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
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir { dir: tempfile::tempdir().unwrap() }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
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
