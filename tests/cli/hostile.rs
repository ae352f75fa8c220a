//! Issue 9: hostile files and careless folders. Each test feeds one kind of hostile input.

use crate::workdir::{fixture, read_csv, Workdir};

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
    let r = w.run(["import", "-s", fixture("survey.toml").to_str().unwrap(), p.to_str().unwrap(), "-o", "out/clean.csv"]);
    r.expect_code(0);
    let r = w.run(["report", "-s", fixture("survey.toml").to_str().unwrap(), p.to_str().unwrap(), "-o", "rep", "--charts", "none"]);
    r.expect_code(0);
    let dangerous = |s: &str| s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.trim().parse::<f64>().is_err();
    for f in ["out/clean.csv", "out/issues.csv", "out/columns.csv", "rep/results.csv", "rep/tests.csv", "rep/issues.csv", "rep/columns.csv"] {
        let (h, rows) = read_csv(&w.path(f));
        for cell in h.iter().chain(rows.iter().flatten()) {
            assert!(!dangerous(cell), "{f}: {cell:?}");
        }
    }
    let (h, rows) = read_csv(&w.path("out/clean.csv"));
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
