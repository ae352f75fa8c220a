//! Issue 9: hostile files and careless folders. Each test feeds one kind of hostile input.

use crate::workdir::{fixture, read_csv, walk, Workdir, DEFECT};

#[test]
fn no_formula_reaches_a_csv() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("in")).unwrap();
    let p = w.path("in/=1+1.csv");
    let answers = ["=HYPERLINK(\"http://x\",\"点我\")", "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\t=1+2", "正常的建议"];
    let mut text = String::from("序号,单位,1、您的身份,7、意见建议,8、会议次数\n");
    for (i, a) in answers.iter().enumerate() {
        text += &format!("{},甲局,党政干部,\"{}\",-{}\n", i + 1, a.replace('"', "\"\""), i + 1);
    }
    std::fs::write(&p, text).unwrap();
    let r = w.cmd("import").survey(fixture("survey.toml")).input(&p).out("out/clean.csv").run();
    r.expect_code(0);
    let r = w.cmd("report").survey(fixture("survey.toml")).input(&p).out("rep").args(["--charts", "none"]).run();
    r.expect_code(0);
    let dangerous = |s: &str| s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.trim().parse::<f64>().is_err();
    for f in ["out/clean.csv", "out/issues.csv", "out/columns.csv", "rep/results.csv", "rep/tests.csv", "rep/issues.csv", "rep/columns.csv"]
    {
        let (h, rows) = read_csv(&w.path(f));
        for cell in h.iter().chain(rows.iter().flatten()) {
            assert!(!dangerous(cell), "{f}: {cell:?}");
        }
    }
    let (h, rows) = w.csv("out/clean.csv");
    let q7 = h.iter().position(|x| x == "Q7").unwrap();
    let q8 = h.iter().position(|x| x == "Q8").unwrap();
    let file = h.iter().position(|x| x == "source_file").unwrap();
    assert_eq!(rows[0][q7], "'=HYPERLINK(\"http://x\",\"点我\")", "the text is kept, behind a quote");
    assert_eq!(rows[3][q7], "'-2+3");
    assert_eq!(rows[4][q7], "'=1+2");
    assert_eq!(rows[5][q7], "正常的建议");
    assert_eq!(rows[0][q8], "-1", "numbers stay numbers");
    assert!(rows[0][file].ends_with("=1+1.csv") && !dangerous(&rows[0][file]));
}

#[test]
fn names_from_the_input_never_leave_the_output_folder() {
    let w = Workdir::new();
    let survey = std::fs::read_to_string(fixture("survey.toml")).unwrap();
    for (k, id) in ["../../逃逸", "", "a/b", "\u{202E}gpj.exe", "CON"].iter().enumerate() {
        let s = survey.replacen("id = \"fixture\"", &format!("id = \"{}\"", id.replace('\\', "\\\\")), 1);
        let dir = w.path(&format!("case{k}"));
        std::fs::create_dir_all(dir.join("deep/er")).unwrap();
        std::fs::write(dir.join("s.toml"), &s).unwrap();
        let r = w
            .cmd("report")
            .survey(dir.join("s.toml"))
            .input(fixture("wjx_text.xlsx"))
            .arg("-o")
            .input(dir.join("deep/er/out"))
            .args(["--charts", "none"])
            .run();
        if r.code() == 2 {
            // An empty or invalid id may be refused by the definition check: then nothing is written.
            assert!(r.stderr().contains("问卷定义"), "{}", r.stderr());
            continue;
        }
        r.expect_code(0);
        let books: Vec<_> = walk(&dir).into_iter().filter(|p| p.extension().is_some_and(|e| e == "xlsx")).collect();
        assert_eq!(books.len(), 1, "{id:?}: {books:?}");
        let b = &books[0];
        assert!(b.starts_with(dir.join("deep/er/out")), "{id:?} wrote {}", b.display());
        let name = b.file_name().unwrap().to_string_lossy().to_string();
        assert!(!name.starts_with('.') && !name.contains('\u{202E}'), "{name:?}");
    }
}

#[test]
fn an_input_is_never_overwritten() {
    let w = Workdir::new();
    w.copy(fixture("wjx_text_utf8.csv"), "in.csv");
    let before = std::fs::read(w.path("in.csv")).unwrap();
    let r = w.cmd("import").survey(fixture("survey.toml")).arg("in.csv").out("in.csv").run();
    r.expect_code(2);
    assert!(r.stderr().contains("会覆盖输入文件"), "{}", r.stderr());
    assert_eq!(std::fs::read(w.path("in.csv")).unwrap(), before);
}

#[test]
fn the_tools_own_outputs_are_never_read_back() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("surveys/2025")).unwrap();
    w.copy(fixture("wjx_text.xlsx"), "surveys/2025/问卷星导出.xlsx");
    let s = fixture("survey.toml");
    let mut counts = Vec::new();
    // Reports written into the input folder, three times over.
    for _ in 0..3 {
        let r = w.cmd("report").survey(&s).arg("surveys").out("surveys/2025/报告").args(["--charts", "none"]).run();
        r.expect_code(0);
        let line = r.stdout().lines().find(|l| l.contains("有效答卷共")).unwrap().to_string();
        counts.push(line);
        let r = w.cmd("import").survey(&s).arg("surveys").out("surveys/2025/clean.csv").run();
        r.expect_code(0);
    }
    assert!(counts.iter().all(|c| c.contains("有效答卷共 6 份")), "{counts:?}");
    let r = w.cmd("report").survey(&s).arg("surveys").out("surveys/2025/报告").args(["--charts", "none"]).run();
    assert!(r.stderr().contains("这是 diaoyan 写出的"), "{}", r.stderr());
    // Each skipped file is named once (the folder was once looked through twice).
    let line = r.stderr().lines().find(|l| l.contains("results.csv")).unwrap().to_string();
    assert_eq!(r.stderr().lines().filter(|l| *l == line).count(), 1, "{}", r.stderr());
}

#[test]
fn charts_of_questions_q3_1_and_q3_2_do_not_collide() {
    let w = Workdir::new();
    let fx = crate::workdir::root().join("tests/fixtures/stats");
    let survey = std::fs::read_to_string(fx.join("survey.toml"))
        .unwrap()
        .replace("id = \"Q2\"", "id = \"Q3.1\"")
        .replace("id = \"Q7\"", "id = \"Q3.2\"");
    std::fs::write(w.path("s.toml"), survey).unwrap();
    let s = diaoyan::survey::Survey::load(&w.path("s.toml")).unwrap();
    let r = w.cmd("report").args(["-s", "s.toml"]).input(fx.join("data.csv")).out("out").args(["--charts", "svg"]).run();
    r.expect_code(0);
    assert!(s.question("Q3.1").is_some());
    assert!(w.path("out/charts/Q3.1.svg").exists() && w.path("out/charts/Q3.2.svg").exists());
}

/// Runs the binary with a time limit: a hang is a failure, not a stuck test run.
fn run_limited(w: &Workdir, args: &[&str], secs: u64) -> std::process::Output {
    run_measured(w, args, secs).0
}

#[cfg(unix)]
#[test]
fn only_regular_files_are_read_and_links_only_once() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("in/sub")).unwrap();
    w.copy(fixture("wjx_text.xlsx"), "in/答卷.xlsx");
    assert!(std::process::Command::new("mkfifo").arg(w.path("in/管道.csv")).status().unwrap().success());
    std::os::unix::fs::symlink("/dev/zero", w.path("in/zero.csv")).unwrap();
    std::os::unix::fs::symlink(w.path("in"), w.path("in/sub/loop")).unwrap();
    std::os::unix::fs::symlink(w.path("in/nowhere.xlsx"), w.path("in/dangling.xlsx")).unwrap();
    let s = fixture("survey.toml");
    let out = run_limited(&w, &["import", "-s", s.to_str().unwrap(), "in", "-o", "out/clean.csv"], 60);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("导入完成：1 个文件") && stdout.contains("保留 6 行"), "{stdout}");
    assert!(stderr.contains("管道.csv") && stderr.contains("不是普通文件"), "{stderr}");
    assert!(stderr.contains("zero.csv"), "{stderr}");
    assert!(stderr.contains("dangling.xlsx"), "{stderr}");
    // Given by name, a FIFO is skipped too.
    let out = run_limited(&w, &["import", "-s", s.to_str().unwrap(), "in/管道.csv", "in/答卷.xlsx", "-o", "out2/clean.csv"], 60);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_closed_stdout_does_not_stop_the_files() {
    let w = Workdir::new();
    let ex = crate::workdir::root().join("surveys/example");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .current_dir(w.dir.path())
        .args([
            "status",
            "-s",
            ex.join("survey.toml").to_str().unwrap(),
            "--units",
            ex.join("units.csv").to_str().unwrap(),
            ex.join("2026").to_str().unwrap(),
            "-o",
            "status.xlsx",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // as `| head -0` would
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(DEFECT), "{stderr}");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{:?} {stderr}", out.status);
    assert!(w.path("status.xlsx").exists());
}

#[test]
fn a_huge_answer_is_cut_in_the_workbook_and_kept_in_the_csv() {
    let w = Workdir::new();
    let long = "很长的建议".repeat(50_000); // 250,000 characters
    let mut text = String::from("序号,单位,1、您的身份,7、意见建议\n");
    text += &format!("1,甲局,党政干部,{long}\n2,甲局,事业单位人员,无\n");
    std::fs::write(w.path("长.csv"), text).unwrap();
    let s = fixture("survey.toml");
    let r = w.cmd("report").survey(&s).arg("长.csv").out("rep").args(["--charts", "none"]).run();
    r.expect_code(0);
    let (_, issues) = w.csv("rep/issues.csv");
    assert!(issues.iter().any(|i| i[6].contains("超过 Excel 单元格上限") && i[7].contains("截断")), "{issues:?}");
    // The workbook opens and holds the cut text with its mark.
    use calamine::{open_workbook_auto, Data, Reader};
    let mut wb = open_workbook_auto(w.path("rep/fixture.xlsx")).unwrap();
    let mut found = false;
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        for c in range.used_cells() {
            if let Data::String(t) = c.2 {
                assert!(t.chars().count() <= 32_767);
                found |= t.starts_with("很长的建议") && t.ends_with("全文见 CSV 文件）");
            }
        }
    }
    assert!(found);
    // The CSV keeps it whole.
    let r = w.cmd("import").survey(&s).arg("长.csv").out("out/clean.csv").run();
    r.expect_code(0);
    let (h, rows) = w.csv("out/clean.csv");
    let q7 = h.iter().position(|x| x == "Q7").unwrap();
    assert_eq!(rows[0][q7], long);
}

#[test]
fn flags_are_checked_in_chinese() {
    let w = Workdir::new();
    let s = fixture("survey.toml");
    let data = fixture("wjx_text.xlsx");
    let base = ["report", "-s", s.to_str().unwrap(), data.to_str().unwrap(), "-o", "o", "--charts", "none"];
    for (extra, want) in [
        (vec!["--min-base", "nan"], "--min-base"),
        (vec!["--caution-base", "inf"], "--caution-base"),
        (vec!["--min-base", "-5"], "--min-base"),
        (vec!["--weight", "wave"], "不是问卷中的数值题"),
        (vec!["--where", "Q2=会议多"], "Q2/会议多=1"),
        (vec!["--bogus"], "不认识的参数"),
        (vec!["--dpi", "abc"], "无效"),
    ] {
        let mut args: Vec<&str> = base.to_vec();
        args.extend(extra.iter());
        let r = w.run(&args);
        r.expect_code(2);
        assert!(r.stderr().contains(want), "{extra:?}: {}", r.stderr());
        assert!(!r.stderr().contains("error:") && !r.stderr().contains("Usage"), "{extra:?}: English: {}", r.stderr());
    }
    // `5` finds what `5.0` finds; a multi-select option is filtered with =1.
    for f in ["Q8=5", "Q8=5.0", "Q2/会议多=1"] {
        let r = w.run(base.iter().copied().chain(["--where", f]));
        r.expect_code(0);
        assert!(r.stdout().contains("参与统计的答卷"), "{f}: {}", r.stdout());
    }
}

#[test]
fn a_real_xlsx_renamed_xls_is_read() {
    let w = Workdir::new();
    w.copy(fixture("wjx_text.xlsx"), "改了扩展名.xls");
    let r = w.cmd("import").survey(fixture("survey.toml")).arg("改了扩展名.xls").out("o/clean.csv").run();
    r.expect_code(0);
    assert!(r.stdout().contains("保留 6 行"), "{}", r.stdout());
}

#[test]
fn a_bad_weight_names_its_file_and_row() {
    let w = Workdir::new();
    std::fs::write(w.path("w.csv"), "序号,单位,1、您的身份,8、会议次数\n1,甲局,党政干部,2\n2,甲局,事业单位人员,1e308\n").unwrap();
    let r = w.cmd("report").survey(fixture("survey.toml")).arg("w.csv").out("o").args(["--charts", "none", "--weight", "Q8"]).run();
    r.expect_code(2);
    assert!(r.stderr().contains("w.csv 第 3 行") && r.stderr().contains("太大"), "{}", r.stderr());
}

#[test]
fn a_question_with_thousands_of_long_options_charts_without_panic() {
    let w = Workdir::new();
    let n = 3000;
    let opts: Vec<String> =
        (0..n).map(|i| format!("第{i}个非常非常长的选项，说明文字一直写下去一直写下去一直写下去一直写下去一直写下去")).collect();
    let toml = format!(
        "id = \"many\"\ntitle = \"很多选项\"\n\n[[questions]]\nid = \"Q1\"\ntext = \"{}\"\nkind = \"single\"\noptions = [{}]\n",
        "一个很长的题目".repeat(100),
        opts.iter().map(|o| format!("\"{o}\"")).collect::<Vec<_>>().join(", ")
    );
    std::fs::write(w.path("s.toml"), toml).unwrap();
    let mut csv = format!("序号,1、{}\n", "一个很长的题目".repeat(100));
    for (i, o) in opts.iter().enumerate() {
        csv += &format!("{},{}\n", i + 1, o);
    }
    std::fs::write(w.path("d.csv"), csv).unwrap();
    let r = w.cmd("report").args(["-s", "s.toml", "d.csv"]).out("o").args(["--charts", "png,svg", "--dpi", "100"]).run();
    r.expect_code(0);
    let png = w.path("o/charts/Q1.png");
    let bytes = std::fs::read(&png).unwrap();
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert!(h < 3000, "PNG height {h}");
    let svg = std::fs::read_to_string(w.path("o/charts/Q1.svg")).unwrap();
    assert!(svg.contains(&format!("另有 {} 个选项未画出", n - 30)), "caption says what is left out");
}

/// A copy of an .xlsx with one part's XML changed.
fn doctored(src: &std::path::Path, dst: &std::path::Path, part: &str, change: impl Fn(&str) -> String) {
    use std::io::{Read, Write};
    let mut zin = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut zout = zip::ZipWriter::new(std::fs::File::create(dst).unwrap());
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if name == part {
            bytes = change(&String::from_utf8(bytes).unwrap()).into_bytes();
        }
        zout.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        zout.write_all(&bytes).unwrap();
    }
    zout.finish().unwrap();
}

/// Runs the binary (failing after `secs`) and returns its output and peak resident memory
/// in MB, sampled from /proc.
fn run_measured(w: &Workdir, args: &[&str], secs: u64) -> (std::process::Output, u64) {
    run_measured_with(w, args, secs, &[])
}

/// [`run_measured`] with environment variables set for the run.
fn run_measured_with(w: &Workdir, args: &[&str], secs: u64, env: &[(&str, &str)]) -> (std::process::Output, u64) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .envs(env.iter().copied())
        .current_dir(w.dir.path())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if let Ok(s) = std::fs::read_to_string(&status) {
            if let Some(kb) =
                s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<u64>().ok())
            {
                peak = peak.max(kb / 1024);
            }
        }
        if start.elapsed().as_secs() > secs {
            let _ = child.kill();
            panic!("diaoyan {args:?} still running after {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    (child.wait_with_output().unwrap(), peak)
}

#[test]
fn files_that_claim_too_much_are_refused_and_the_others_import() {
    let w = Workdir::new();
    let src = fixture("wjx_text.xlsx");
    std::fs::create_dir_all(w.path("in")).unwrap();
    doctored(&src, &w.path("in/strings.xlsx"), "xl/sharedStrings.xml", |x| {
        x.replacen("uniqueCount=\"62\"", "uniqueCount=\"100000000000\"", 1)
    });
    doctored(&src, &w.path("in/far.xlsx"), "xl/worksheets/sheet1.xml", |x| {
        x.replacen("<dimension ref=\"A1:P7\"/>", "<dimension ref=\"A1:XFD1048576\"/>", 1).replacen(
            "</sheetData>",
            "<row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row></sheetData>",
            1,
        )
    });
    // A few thousand cells scattered over 3,000 rows × 30,000 columns: a small file whose
    // dense grid would take gigabytes.
    doctored(&src, &w.path("in/wide.xlsx"), "xl/worksheets/sheet1.xml", |x| {
        let rows: String =
            (0..3000).map(|i| format!("<row r=\"{r}\"><c r=\"{c}{r}\"><v>1</v></c></row>", r = 10 + i, c = col_name(i * 10))).collect();
        x.replacen("</sheetData>", &format!("{rows}</sheetData>"), 1)
    });
    std::fs::copy(&src, w.path("in/good.xlsx")).unwrap();
    let s = fixture("survey.toml");
    for bad in ["strings.xlsx", "far.xlsx", "wide.xlsx"] {
        let (out, peak) =
            run_measured(&w, &["import", "-s", s.to_str().unwrap(), &format!("in/{bad}"), "in/good.xlsx", "-o", "out/clean.csv"], 120);
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(1), "{bad}: {:?}\n{stdout}\n{stderr}", out.status);
        assert!(peak < 1024, "{bad}: peak {peak} MB");
        assert!(stderr.contains(bad) && stderr.contains("异常"), "{bad}: {stderr}");
        assert!(stdout.contains("保留 6 行"), "{bad}: the good file imports: {stdout}");
    }
}

fn col_name(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push((b'A' + (c % 26) as u8) as char);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.iter().rev().collect()
}

#[test]
fn a_roster_too_large_for_a_template_writes_none() {
    let w = Workdir::new();
    std::fs::write(w.path("units.csv"), "单位,应收份数\n区财政局,40\n区教育局,2000000\n").unwrap();
    let r = w.cmd("template").survey(fixture("survey.toml")).args(["--units", "units.csv"]).out("t").run();
    r.expect_code(2);
    assert!(r.stderr().contains("区教育局") && r.stderr().contains("没有生成任何填报表"), "{}", r.stderr());
    assert!(!w.path("t").exists() || std::fs::read_dir(w.path("t")).unwrap().next().is_none());
}

#[test]
fn every_malformed_file_gets_a_message_not_a_crash() {
    let dir = crate::workdir::root().join("tests/fixtures/malformed");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    assert!(files.len() >= 50, "{} files", files.len());
    let w = Workdir::new();
    let s = fixture("survey.toml");
    let mut failed = 0;
    for (k, f) in files.iter().enumerate() {
        let out = format!("o{k}/clean.csv");
        let r = run_limited(&w, &["import", "-s", s.to_str().unwrap(), f.to_str().unwrap(), "-o", &out], 60);
        let code = r.status.code();
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert!(matches!(code, Some(0..=2)), "{}: exit {:?}\n{stderr}", f.display(), r.status);
        // Exit 1 is also what a panic gives: only the message tells a defect from a damaged file.
        assert!(!stderr.contains(DEFECT), "{}: {stderr}", f.display());
        if code != Some(0) {
            failed += 1;
            let name = f.file_name().unwrap().to_string_lossy();
            assert!(stderr.contains(name.as_ref()), "{}: the message names the file: {stderr}", f.display());
            assert!(stderr.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)), "{}: in Chinese: {stderr}", f.display());
        }
    }
    assert!(failed > 0, "some of the corpus is unreadable");
}

#[test]
fn outputs_belong_to_one_run() {
    let w = Workdir::new();
    let s = fixture("survey.toml");
    let data = fixture("wjx_text.xlsx");
    // Four reports into one folder at once: none trips over another's temporary files.
    let kids: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_diaoyan"))
                .current_dir(w.dir.path())
                .args(["report", "-s", s.to_str().unwrap(), data.to_str().unwrap(), "-o", "same", "--charts", "png"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for k in kids {
        let out = k.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let leftovers: Vec<_> =
        walk(&w.path("same")).into_iter().filter(|p| p.file_name().unwrap().to_string_lossy().contains(".tmp")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The manifest lists what the run wrote, with sizes that match.
    let (h, rows) = w.csv("same/清单.csv");
    assert_eq!(h, ["文件", "字节数", "运行编号"]);
    assert!(rows.iter().any(|r| r[0] == "fixture.xlsx") && rows.iter().any(|r| r[0].starts_with("charts")));
    for r in &rows {
        assert_eq!(std::fs::metadata(w.path("same").join(&r[0])).unwrap().len().to_string(), r[1], "{}", r[0]);
    }
    // An output that cannot be written is named, the others are written, and the run
    // ends with status 1; the manifest lists only what this run wrote (never the old charts).
    std::fs::remove_dir_all(w.path("same/charts")).unwrap();
    std::fs::write(w.path("same/charts"), "a file where the charts folder should go").unwrap();
    let r = w.cmd("report").survey(&s).input(&data).out("same").args(["--charts", "png"]).run();
    assert_eq!(r.code(), 1);
    assert!(r.stderr().contains("未能写出图表") && r.stderr().contains("charts") && !r.stderr().contains("Os {"), "{}", r.stderr());
    let (_, rows) = w.csv("same/清单.csv");
    assert!(rows.iter().any(|r| r[0] == "fixture.xlsx") && !rows.iter().any(|r| r[0].starts_with("charts")), "{rows:?}");
}

/// Several large files read at once on a small thread pool: each file is read on its own
/// thread and parsed on the pool, which must never wait on itself (it once hung for good
/// when two large files were streamed at once on two threads).
#[test]
fn several_large_files_at_once_do_not_hang() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("in")).unwrap();
    let text = std::fs::read_to_string(fixture("wjx_text_utf8.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    // Three files of 40,000 rows (3 MB each: streamed, ten chunks each), ids unique.
    for f in 0..3 {
        let mut csv = format!("{header}\n");
        for k in 0..40_000 {
            let row = rows[k % rows.len()];
            let rest = &row[row.find(',').unwrap()..];
            csv += &format!("{}{}\n", f * 100_000 + k + 1, rest.replacen("2025/6/", &format!("2025/{}/", 1 + k % 12), 1));
        }
        std::fs::write(w.path(&format!("in/part{f}.csv")), csv).unwrap();
    }
    let s = fixture("survey.toml");
    let (out, _) =
        run_measured_with(&w, &["import", "-s", s.to_str().unwrap(), "in", "-o", "out/clean.csv"], 120, &[("RAYON_NUM_THREADS", "2")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("读取答卷 120000 行"), "{stdout}");
}
