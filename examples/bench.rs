//! Benchmark (release build): in one run, times
//!   (a) bare calamine: open the workbook and touch every cell of every sheet;
//!   (b) `diaoyan import` of the same file to Parquet (the real binary);
//!   (c) `diaoyan report --banner Q1` (import, statistics, workbook, csv files, charts,
//!       the written report as .docx and .html), and (c0) the same with `--charts none
//!       --doc none`, for the cost of the charts and the written report;
//!   (f) `diaoyan report --charts none --doc none` without a survey.toml (inferred from the file,
//!       which is read once), and (g) `diaoyan init` on the file;
//!   (d) the same crosstabs in pandas reading with python-calamine, and (e) openpyxl
//!       (bench/pandas_report.py; skipped when pandas is not installed, (e) also when
//!       BENCH_SKIP_OPENPYXL is set);
//! each as a separate process, and reports medians, ratios and peak memory (VmHWM,
//! sampled from /proc while the process runs).
//!
//! Run: `cargo run --release --example gen_bench && cargo build --release &&
//!       cargo run --release --example bench` (`BENCH_RUNS=N`: runs per part, default 3;
//!       `BENCH_LARGE_ONLY=1`: only the large-data parts below)
//!
//! Large data (each part runs when its input exists; `gen_bench -- csv 1000000`,
//! `gen_bench -- parquet 1000000`, `gen_bench -- parquet 10000000`, `gen_bench -- units 300`
//! write them):
//!   (h) `report --banner Q1 --charts none --doc none` on the 1M-row CSV, and (h2) on the
//!       same rows as Parquet, against the same figures from polars (Python,
//!       bench/polars_report.py) and pandas (bench/pandas_report.py, skipped with
//!       BENCH_SKIP_PANDAS), and on the CSV against the minimal polars baseline
//!       (bench/polars_minimal.py: read, one group_by().len() per question), alternating in
//!       one run; each with `import -s` of the same rows to Parquet (peak memory);
//!   (h3) `report` on the 1M rows as a GBK CSV with every field quoted (`gen_bench -- csv
//!       1000000 gbk`; no baseline: polars reads only UTF-8);
//!   (j) `report` on 10M rows as Parquet (taken in batches of 500,000 rows, as every input
//!       over one batch is), and `import -s` of them to a partitioned dataset;
//!   (i) `report` on the 300 unit workbooks against bare calamine reading all of them in
//!       one process on every core.
//! By hand: `bench --read-all DIR` reads every .xlsx of DIR with diaoyan's own reader (no
//! cleaning) on every core, `bench --calamine-all DIR` with bare calamine.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn calamine_pass(path: &Path) {
    use calamine::{open_workbook_auto, Data, Reader};
    let mut wb = open_workbook_auto(path).expect("open");
    let mut cells = 0usize;
    let mut bytes = 0usize;
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).expect("sheet");
        for row in range.rows() {
            for c in row {
                cells += 1;
                if let Data::String(s) = c {
                    bytes += s.len();
                }
            }
        }
    }
    println!("{cells} cells, {bytes} bytes of text");
}

/// Runs a command to completion; returns wall time and peak resident memory (kB).
fn measure(cmd: &mut Command) -> (Duration, u64) {
    let start = Instant::now();
    let mut child = cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::inherit()).spawn().expect("spawn");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_path) {
            if let Some(kb) =
                s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok())
            {
                peak = peak.max(kb);
            }
        }
        if let Some(st) = child.try_wait().unwrap() {
            assert!(st.success(), "benchmark command failed: {cmd:?}");
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (start.elapsed(), peak)
}

fn median(mut v: Vec<(Duration, u64)>) -> (Duration, u64) {
    v.sort();
    let peak = v.iter().map(|x| x.1).max().unwrap();
    (v[v.len() / 2].0, peak)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 3 && helper(&args[1], Path::new(&args[2])) {
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let b = Bench {
        survey: root.join("bench/data/survey.toml"),
        bin: root.join("target/release/diaoyan"),
        me: std::env::current_exe().unwrap(),
        tmp: std::env::temp_dir().join("diaoyan-bench"),
        runs: std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3),
        root,
    };
    assert!(b.bin.exists(), "run `cargo build --release` first");
    // BENCH_LARGE_ONLY: only the large-data parts.
    if std::env::var_os("BENCH_LARGE_ONLY").is_none() {
        b.workbook_100k();
    }
    b.one_million("(h) ", "csv");
    b.one_million("(h2)", "parquet");
    b.diaoyan_alone();
    b.units();
}

/// The child processes the bench measures as baselines: `--calamine FILE` (bare calamine,
/// every cell), `--calamine-all DIR` (every workbook of a folder, one process, every core),
/// `--read-all DIR` (diaoyan's own reading of them, no cleaning). `false`: not one of them.
fn helper(mode: &str, path: &Path) -> bool {
    use rayon::prelude::*;
    let workbooks = |dir: &Path| -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "xlsx")).collect();
        files.sort();
        files
    };
    match mode {
        "--calamine" => calamine_pass(path),
        "--calamine-all" => workbooks(path).par_iter().for_each(|f| calamine_pass(f)),
        "--read-all" => {
            let cells: usize = workbooks(path)
                .par_iter()
                .map(|f| diaoyan::ingest::read_file(f).unwrap().sheets.iter().map(|s| s.cells.used_cells().count()).sum::<usize>())
                .sum();
            println!("{cells} cells");
        }
        _ => return false,
    }
    true
}

/// Where the bench finds its inputs and programs, and how many runs each measure takes.
struct Bench {
    root: PathBuf,
    survey: PathBuf,
    bin: PathBuf,
    me: PathBuf,
    tmp: PathBuf,
    runs: usize,
}

fn mb_(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn python(modules: &str) -> bool {
    Command::new("python3").args(["-c", &format!("import {modules}, scipy")]).status().map(|s| s.success()).unwrap_or(false)
}

impl Bench {
    /// `diaoyan report --banner Q1 --charts none --doc none -s SURVEY INPUT -o TMP/OUT`.
    fn report(&self, input: &Path, out: &str) -> Command {
        let mut c = Command::new(&self.bin);
        c.args(["report", "--banner", "Q1", "--charts", "none", "--doc", "none", "-s"])
            .arg(&self.survey)
            .arg(input)
            .arg("-o")
            .arg(self.tmp.join(out));
        c
    }

    /// (a)–(g): the 100,000-response .xlsx, against bare calamine and pandas.
    fn workbook_100k(&self) {
        let (bin, survey, tmp) = (&self.bin, &self.survey, &self.tmp);
        let data = self.root.join("bench/data/wjx_100k.xlsx");
        assert!(data.exists(), "run `cargo run --release --example gen_bench` first");
        let out = tmp.join("clean.parquet");
        let size = std::fs::metadata(&data).unwrap().len() as f64 / 1e6;
        println!("input: {} ({size:.1} MB), {} runs each, medians:", data.display(), self.runs);
        let (mut a, mut b, mut c, mut c0) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut f, mut g) = (Vec::new(), Vec::new());
        for _ in 0..self.runs {
            // Interleaved, so that all see the same machine state.
            a.push(measure(Command::new(&self.me).arg("--calamine").arg(&data)));
            b.push(measure(Command::new(bin).arg("import").arg("-s").arg(survey).arg(&data).arg("-o").arg(&out)));
            c.push(measure(
                Command::new(bin).args(["report", "--banner", "Q1", "-s"]).arg(survey).arg(&data).arg("-o").arg(tmp.join("report")),
            ));
            c0.push(measure(&mut self.report(&data, "report0")));
            f.push(measure(
                Command::new(bin)
                    .args(["report", "--charts", "none", "--doc", "none"])
                    .arg(&data)
                    .arg("-o")
                    .arg(tmp.join("report_inferred")),
            ));
            g.push(measure(Command::new(bin).args(["init", "--force"]).arg(&data).arg("-o").arg(tmp.join("inferred.toml"))));
        }
        let (ta, ma) = median(a);
        let (tb, mb) = median(b);
        let (tc, mc) = median(c);
        let (tc0, _) = median(c0);
        let (tf, mf) = median(f);
        let (tg, mg) = median(g);
        let ratio = |t: Duration| t.as_secs_f64() / ta.as_secs_f64();
        println!("(a) bare calamine, every cell      : {:>7.3} s   peak {:>6.0} MB", ta.as_secs_f64(), mb_(ma));
        println!(
            "(b) diaoyan import -> parquet      : {:>7.3} s   peak {:>6.0} MB   b/a = {:.2} (target <= 1.30)",
            tb.as_secs_f64(),
            mb_(mb),
            ratio(tb)
        );
        println!(
            "(c) diaoyan report --banner Q1     : {:>7.3} s   peak {:>6.0} MB   c/a = {:.2} (target <= 1.30)",
            tc.as_secs_f64(),
            mb_(mc),
            ratio(tc)
        );
        println!(
            "(c0) --charts none --doc none      : {:>7.3} s                 c0/a = {:.2}; charts and documents add {:.0}%",
            tc0.as_secs_f64(),
            ratio(tc0),
            (tc.as_secs_f64() / tc0.as_secs_f64() - 1.0) * 100.0
        );
        println!(
            "(f) report, no survey.toml (inferred): {:>7.3} s   peak {:>6.0} MB   f/a = {:.2} (target <= 1.30)",
            tf.as_secs_f64(),
            mb_(mf),
            ratio(tf)
        );
        println!(
            "(g) diaoyan init                    : {:>7.3} s   peak {:>6.0} MB   g/a = {:.2} (target <= 1.20)",
            tg.as_secs_f64(),
            mb_(mg),
            ratio(tg)
        );
        self.pandas(&data, tc);
        println!("peak memory of (b) {} 1 GB", if mb < 1024 * 1024 { "<=" } else { ">" });
    }

    /// (d), (e): the same figures by pandas reading the workbook with python-calamine and
    /// with openpyxl, against diaoyan's report time `tc`.
    fn pandas(&self, data: &Path, tc: Duration) {
        let script = self.root.join("bench/pandas_report.py");
        for (label, engine, module) in
            [("(d) pandas + python-calamine", "calamine", "python_calamine"), ("(e) pandas + openpyxl", "openpyxl", "openpyxl")]
        {
            if !python(&format!("pandas, {module}")) || (engine == "openpyxl" && std::env::var_os("BENCH_SKIP_OPENPYXL").is_some()) {
                println!("{label:<35}: skipped (pip install pandas scipy {module})");
                continue;
            }
            let out = self.tmp.join(format!("pandas_{engine}.csv"));
            let (t, m) = measure(Command::new("python3").arg(&script).arg(data).arg(engine).arg(out));
            println!(
                "{label:<35}: {:>7.3} s   peak {:>6.0} MB   / c = {:.1}x (target >= 3.5x for python-calamine)",
                t.as_secs_f64(),
                mb_(m),
                t.as_secs_f64() / tc.as_secs_f64()
            );
        }
    }

    /// (h) the 1M-row export as CSV, (h2) as Parquet: diaoyan and the baselines (polars
    /// and pandas in Python, the same figures) alternately.
    fn one_million(&self, part: &str, ext: &str) {
        let input = self.root.join(format!("bench/data/wjx_1000000.{ext}"));
        if !input.exists() {
            println!("{part} skipped: run `cargo run --release --example gen_bench -- {ext} 1000000`");
            return;
        }
        let (mut d, mut p, mut q) = (Vec::new(), Vec::new(), Vec::new());
        let (mut minimal, mut import) = (Vec::new(), Vec::new());
        let with_polars = python("polars");
        // pandas reads Parquet through pyarrow.
        let with_pandas =
            python(if ext == "parquet" { "pandas, pyarrow" } else { "pandas" }) && std::env::var_os("BENCH_SKIP_PANDAS").is_none();
        for _ in 0..self.runs {
            d.push(measure(&mut self.report(&input, "report_1m")));
            // The minimal baseline of issue 26: read, then one count per banner group and answer.
            if with_polars && ext == "csv" {
                minimal.push(measure(Command::new("python3").arg(self.root.join("bench/polars_minimal.py")).arg(&input)));
            }
            import.push(measure(
                Command::new(&self.bin)
                    .arg("import")
                    .arg("-s")
                    .arg(&self.survey)
                    .arg(&input)
                    .arg("-o")
                    .arg(self.tmp.join("import_1m.parquet")),
            ));
            if with_polars {
                p.push(measure(
                    Command::new("python3").arg(self.root.join("bench/polars_report.py")).arg(&input).arg(self.tmp.join("polars_1m.csv")),
                ));
            }
            if with_pandas {
                let script = self.root.join("bench/pandas_report.py");
                q.push(measure(Command::new("python3").arg(script).arg(&input).arg(ext).arg(self.tmp.join("pandas_1m.csv"))));
            }
        }
        let (td, md) = median(d);
        println!(
            "{part} report, 1M rows, {ext:<8}: {:>7.3} s   peak {:>6.0} MB   (targets: <= polars time, <= 1024 MB)",
            td.as_secs_f64(),
            mb_(md)
        );
        let (ti, mi) = median(import);
        println!("{part} import -s -> parquet, 1M rows : {:>7.3} s   peak {:>6.0} MB   (target <= 400 MB)", ti.as_secs_f64(), mb_(mi));
        if !minimal.is_empty() {
            let (t, m) = median(minimal);
            println!(
                "{part} polars read_csv + group_by.len : {:>7.3} s   peak {:>6.0} MB   diaoyan / this = {:.2} (target <= 0.70)",
                t.as_secs_f64(),
                mb_(m),
                td.as_secs_f64() / t.as_secs_f64()
            );
        }
        for (label, v) in [("polars (Python), same figures", p), ("pandas, same figures", q)] {
            if v.is_empty() {
                println!("{part} {label:<30}: skipped (pip install polars pandas pyarrow scipy)");
                continue;
            }
            let (t, m) = median(v);
            println!(
                "{part} {label:<30}: {:>7.3} s   peak {:>6.0} MB   diaoyan / this = {:.2}",
                t.as_secs_f64(),
                mb_(m),
                td.as_secs_f64() / t.as_secs_f64()
            );
        }
    }

    /// (h3) the 1M rows as a GBK CSV with every field quoted (polars reads only UTF-8), and
    /// (j) ten million rows as Parquet (targets: under a minute, at most 2 GB): diaoyan alone.
    fn diaoyan_alone(&self) {
        for (part, file, label, targets, make) in [
            ("(h3)", "wjx_1000000_gbk.csv", "1M rows, GBK quoted CSV", "target <= 1024 MB", "csv 1000000 gbk"),
            ("(j) ", "wjx_10000000.parquet", "10M rows, parquet", "targets: < 60 s, <= 2048 MB", "parquet 10000000"),
        ] {
            let input = self.root.join("bench/data").join(file);
            if !input.exists() {
                println!("{part} skipped: run `cargo run --release --example gen_bench -- {make}`");
                continue;
            }
            let (t, m) = median((0..self.runs).map(|_| measure(&mut self.report(&input, "report_large"))).collect());
            println!("{part} report, {label}: {:>7.3} s   peak {:>6.0} MB   ({targets})", t.as_secs_f64(), mb_(m));
            if file.ends_with(".parquet") {
                let out = self.tmp.join("dataset_10m");
                let _ = std::fs::remove_dir_all(&out);
                let mut c = Command::new(&self.bin);
                c.arg("import").arg("-s").arg(&self.survey).arg(&input).arg("-o").arg(format!("{}/", out.display()));
                let (t, m) = measure(&mut c);
                println!(
                    "{part} import -s -> dataset, {label}: {:>7.3} s   peak {:>6.0} MB   (target <= 2048 MB)",
                    t.as_secs_f64(),
                    mb_(m)
                );
            }
        }
    }

    /// (i) 300 unit workbooks: bare calamine reading every file in one process on every
    /// core, against the report on them.
    fn units(&self) {
        let units = self.root.join("bench/data/units");
        if !units.is_dir() {
            println!("(i) skipped: run `cargo run --release --example gen_bench -- units 300`");
            return;
        }
        let n = std::fs::read_dir(&units).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|e| e == "xlsx")).count();
        let (mut c, mut d) = (Vec::new(), Vec::new());
        for _ in 0..self.runs {
            c.push(measure(Command::new(&self.me).arg("--calamine-all").arg(&units)));
            d.push(measure(&mut self.report(&units, "report_units")));
        }
        let (tc, _) = median(c);
        let (td, md) = median(d);
        println!("(i) bare calamine, {n} workbooks (one process, every core): {:>7.3} s", tc.as_secs_f64());
        println!(
            "(i) report on them                 : {:>7.3} s   peak {:>6.0} MB   i/calamine = {:.2} (target <= 1.00)",
            td.as_secs_f64(),
            mb_(md),
            td.as_secs_f64() / tc.as_secs_f64()
        );
    }
}
