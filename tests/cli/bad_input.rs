//! Bad input: a one-line Chinese message naming the file, the right exit status, and
//! never a panic.

use crate::workdir::{fixture, Workdir};

fn import_one(name: &str) -> (i32, String, String) {
    let w = Workdir::new();
    let f = fixture(name);
    let r = w.cmd("import").survey(fixture("survey.toml")).input(&f).out("o/clean.csv").run();
    r.expect_no_defect();
    (r.code(), r.stdout(), r.stderr())
}

#[test]
fn unreadable_files_name_the_file_and_what_to_do() {
    for (name, words) in [
        ("garbage.xlsx", "另存为"),
        ("password.xlsx", "密码"),
        ("empty.xlsx", "没有任何数据"),
        ("no_header.xlsx", "表头"),
        ("does_not_exist.xlsx", "不存在"),
    ] {
        let (code, _out, err) = import_one(name);
        assert_eq!(code, 1, "{name}: {err}");
        let line = err.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{name} not named: {err}"));
        assert!(line.contains(words), "{name}: {line}");
    }
}

#[test]
fn one_bad_file_does_not_stop_the_others() {
    let w = Workdir::new();
    let r = w.run([
        "import",
        "-s",
        fixture("survey.toml").to_str().unwrap(),
        fixture("wjx_text.xlsx").to_str().unwrap(),
        fixture("garbage.xlsx").to_str().unwrap(),
        "-o",
        "o/clean.csv",
    ]);
    r.expect_code(1);
    assert!(r.stdout().contains("有效答卷共 6 份"), "{}", r.stdout());
    assert!(w.path("o/clean.csv").exists());
}

#[test]
fn usage_errors_exit_2_in_chinese() {
    let w = Workdir::new();
    let r = w.cmd("import").args(["-s", "nosuch.toml"]).input(fixture("wjx_text.xlsx")).run();
    r.expect_code(2);
    assert!(r.stderr().contains("找不到问卷定义文件"), "{}", r.stderr());
    assert_eq!(r.stderr().lines().count(), 1);
    let r = w.cmd("import").survey(fixture("garbage.xlsx")).input(fixture("wjx_text.xlsx")).run();
    r.expect_code(2);
    let bad = w.path("bad.toml");
    std::fs::write(&bad, std::fs::read_to_string(fixture("survey.toml")).unwrap().replace("kind = \"rank\"", "kind = \"ranking\""))
        .unwrap();
    let r = w.cmd("import").args(["-s", "bad.toml"]).input(fixture("wjx_text.xlsx")).run();
    r.expect_code(2);
    assert!(r.stderr().contains("ranking"), "{}", r.stderr());
    w.cmd("frobnicate").run().expect_code(2);
    let r = w.cmd("import").survey(fixture("survey.toml")).out("x.txt").input(fixture("wjx_text.xlsx")).run();
    r.expect_code(2);
    assert!(r.stderr().contains(".csv"), "{}", r.stderr());
}

#[test]
fn hostile_cells_do_not_panic() {
    let w = Workdir::new();
    let long = "长".repeat(100_000);
    let csv = format!("序号,1、您的身份,2、形式主义表现,4、减负措施排序,8、会议次数\n1,{long},┋┋┋,→→→,1e400\n2,\"\",〖〗,〖,-0\n3,=1+1,其他【请注明】〖,→精简会议→精简会议,NaN\n");
    std::fs::write(w.path("evil.csv"), csv).unwrap();
    let r = w.cmd("import").survey(fixture("survey.toml")).arg("evil.csv").out("o/clean.csv").run();
    r.expect_code(0);
    assert!(r.stdout().contains("读取答卷 3 行 = 保留 3 行 + 剔除 0 行"), "{}", r.stdout());
}

#[test]
fn without_a_definition_unreadable_inputs_are_named() {
    let w = Workdir::new();
    let r = w.cmd("report").input(fixture("password.xlsx")).out("o").args(["--charts", "none"]).run();
    r.expect_code(1);
    assert!(r.stderr().contains("password.xlsx") && r.stderr().contains("密码"), "{}", r.stderr());
}

#[test]
fn system_errors_are_said_in_chinese_with_their_cause() {
    let w = Workdir::new();
    w.write("blocker", "a file where a folder is wanted");
    let s = fixture("survey.toml");
    let input = fixture("wjx_text.xlsx");
    for (extra, words) in [
        (vec!["-o", "blocker/out", "--charts", "none"], "挡住"),
        (vec!["--font", "."], "这是一个文件夹"),
        (vec!["--font", "nofont.ttf"], "文件不存在"),
    ] {
        let r = w.cmd("report").survey(&s).input(&input).args(&extra).run();
        r.expect_code(2).expect_no_defect();
        let err = r.stderr();
        assert!(err.contains(words), "{extra:?}: {err}");
        assert!(!err.contains("os error") && !err.is_ascii(), "{extra:?}: the system's English is not shown: {err}");
    }
}

/// Every command's help is Chinese throughout (usage, defaults), `-h` comes last, and
/// the option texts start in one column whatever the width of the Chinese before them.
#[test]
fn help_is_chinese_and_aligned() {
    let w = Workdir::new();
    for cmd in [
        vec!["--help"],
        vec!["init", "--help"],
        vec!["import", "--help"],
        vec!["report", "--help"],
        vec!["template", "--help"],
        vec!["status", "--help"],
        vec!["serve", "--help"],
    ] {
        let r = w.run(&cmd);
        r.expect_code(0);
        let out = r.stdout();
        for english in ["[OPTIONS]", "<COMMAND>", "[default:", "Usage", "Options:", "Arguments:"] {
            assert!(!out.contains(english), "{cmd:?}: {english}\n{out}");
        }
        assert!(out.contains("用法："), "{cmd:?}\n{out}");
        let options: Vec<&str> = out.lines().skip_while(|l| !l.starts_with("选项")).skip(1).take_while(|l| !l.is_empty()).collect();
        assert!(options.last().is_some_and(|l| l.contains("--version") || l.contains("--help")), "{cmd:?}: -h last\n{out}");
        // The description column: where the text after the option's name starts, in
        // display width, is the same on every line.
        let columns: std::collections::HashSet<usize> = options
            .iter()
            .map(|l| {
                let name_end = l.trim_start().find("  ").map(|p| p + (l.len() - l.trim_start().len())).unwrap_or(0);
                let desc = name_end + l[name_end..].len() - l[name_end..].trim_start().len();
                unicode_width::UnicodeWidthStr::width(&l[..desc])
            })
            .collect();
        assert_eq!(columns.len(), 1, "{cmd:?}: misaligned\n{out}");
    }
}
