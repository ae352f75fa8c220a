//! Issue 8: nothing between a returned file and a figure goes wrong silently. Each test
//! builds (or copies) an input of one shape and checks where every answer went.

use crate::workdir::{fixture, wjx, Workdir};
use diaoyan::clean::ledger::{Action, Problem};
use diaoyan::clean::{import, Import, ImportOptions};
use diaoyan::survey::Survey;
use polars::prelude::*;
use std::path::{Path, PathBuf};

fn survey() -> Survey {
    Survey::load(&fixture("survey.toml")).unwrap()
}

/// Imports, with single choices as their option texts (the table holds option indices).
fn run(s: &Survey, files: &[PathBuf]) -> Import {
    let mut imp = import(s, files, &ImportOptions::default(), &|_| {});
    imp.frame = diaoyan::clean::readable(s, &imp.frame);
    imp
}

/// `diaoyan import -s <fixture survey> FILE -o OUT`.
fn import_with_fixture_survey(w: &Workdir, file: &Path, out: &str) -> crate::workdir::Run {
    w.run(["import", "-s", fixture("survey.toml").to_str().unwrap(), file.to_str().unwrap(), "-o", out])
}

/// Writes a one-sheet workbook: a header row, then rows of text cells.
pub fn xlsx(path: &Path, header: &[&str], rows: &[Vec<&str>]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
    }
    wb.save(path).unwrap();
}

fn strings(df: &DataFrame, name: &str) -> Vec<String> {
    let c = df.column(name).unwrap_or_else(|_| panic!("no column {name}"));
    (0..df.height())
        .map(|i| match c.get(i).unwrap() {
            AnyValue::Null => String::new(),
            v => v.to_string().trim_matches('"').to_string(),
        })
        .collect()
}

#[test]
fn matrix_rows_are_matched_by_label_in_every_numbered_shape() {
    let w = Workdir::new();
    let s = survey();
    let rows = vec![vec!["1", "甲局", "党政干部", "4分", "2分"], vec!["2", "甲局", "事业单位人员", "5分", "1分"]];
    for (i, (a, b)) in [
        ("3.三会一课", "3.主题党日"),
        ("3、三会一课", "3、主题党日"),
        ("3.三会一课  ", "3.主题党日   "),
        ("第3题 三会一课", "第3题 主题党日"),
        // Rows in the other order: each column goes to its own row, whatever its position.
        ("3.主题党日", "3.三会一课"),
    ]
    .into_iter()
    .enumerate()
    {
        let p = w.path(&format!("shape{i}.xlsx"));
        xlsx(&p, &["序号", "单位", "1、您的身份", a, b], &rows);
        let imp = run(&s, &[p]);
        let (first, second) = if a.contains("三会一课") { ("4.0", "2.0") } else { ("2.0", "4.0") };
        assert_eq!(strings(&imp.frame, "Q3/三会一课")[0], first, "{a} | {b}");
        assert_eq!(strings(&imp.frame, "Q3/主题党日")[0], second, "{a} | {b}");
        assert!(!imp.issues.iter().any(|i| matches!(i.problem, Problem::UnknownColumn | Problem::ColumnConflict)), "{a}: {:?}", imp.issues);
        let map = imp.column_map();
        let d = map.iter().find(|c| c.column == "D").unwrap();
        assert_eq!((d.question.as_str(), d.imported), ("Q3", true));
        assert!(d.part == "三会一课" || d.part == "主题党日");
    }
}

#[test]
fn a_matrix_header_without_a_row_label_is_not_guessed() {
    let w = Workdir::new();
    let p = w.path("bare.xlsx");
    // The matrix's own text with no row: which row it holds is unknown.
    xlsx(&p, &["序号", "单位", "1、您的身份", "3、制度落实情况"], &[vec!["1", "甲局", "党政干部", "4分"]]);
    let imp = run(&survey(), &[p]);
    assert!(strings(&imp.frame, "Q3/三会一课")[0].is_empty());
    let i = imp.issues.iter().find(|i| i.problem == Problem::UnknownColumn).expect("ledger entry for the column");
    assert_eq!(i.column_letter(), "D");
    let m = imp.column_map().into_iter().find(|c| c.column == "D").unwrap();
    assert!(!m.imported && m.note.contains("矩阵题 Q3"), "{m:?}");
}

#[test]
fn two_columns_for_one_target_are_both_left_out_and_reported() {
    let w = Workdir::new();
    let p = w.path("dup.xlsx");
    xlsx(
        &p,
        &["序号", "单位", "1、您的身份", "您的身份", "3.三会一课", "第3题 三会一课", "5、是否开展专项整治"],
        &[vec!["1", "甲局", "党政干部", "事业单位人员", "4分", "2分", "是"]],
    );
    let imp = run(&survey(), std::slice::from_ref(&p));
    assert_eq!(imp.rows_kept, 1);
    assert!(strings(&imp.frame, "Q1")[0].is_empty(), "neither duplicate column is used");
    assert!(strings(&imp.frame, "Q3/三会一课")[0].is_empty());
    assert_eq!(strings(&imp.frame, "Q5")[0], "是", "other columns import");
    let conflicts: Vec<_> = imp.issues.iter().filter(|i| i.problem == Problem::ColumnConflict).collect();
    assert_eq!(conflicts.len(), 4, "{conflicts:?}");
    assert!(conflicts.iter().all(|i| i.action == Action::ColumnIgnored));
    assert!(conflicts.iter().any(|i| i.column_letter() == "C" && i.value.contains("D列")));
    assert_eq!(imp.conflicts(), 4);
    // The command says so, and writes the column map.
    let r = import_with_fixture_survey(&w, &p, "out/clean.csv");
    r.expect_code(0);
    assert!(r.stdout().contains("有 4 列与同一文件中的另一列对应同一题目"), "{}", r.stdout());
    let (h, rows) = w.csv("out/columns.csv");
    assert_eq!(h, ["文件", "工作表", "列", "表头", "题目", "行/选项", "导入", "说明"]);
    assert_eq!(rows.len(), 7, "one row per column");
    let row = |c: &str| rows.iter().find(|r| r[2] == c).unwrap().clone();
    assert_eq!(row("C")[6], "未导入");
    assert!(row("C")[7].contains("D列"));
    assert_eq!((row("G")[4].as_str(), row("G")[6].as_str()), ("Q5", "是"));
    assert_eq!(row("A")[5], "答卷编号");
}

#[test]
fn data_under_an_empty_header_is_reported() {
    let w = Workdir::new();
    let p = w.path("noheader_col.xlsx");
    xlsx(&p, &["序号", "单位", "1、您的身份", ""], &[vec!["1", "甲局", "党政干部", "多写的一列"]]);
    let imp = run(&survey(), &[p]);
    let i = imp.issues.iter().find(|i| i.problem == Problem::UnheadedColumn).expect("ledger entry");
    assert_eq!((i.column_letter().as_str(), i.value.as_str(), i.row), ("D", "多写的一列", Some(2)));
    assert!(imp.column_map().iter().any(|c| c.column == "D" && !c.imported));
}

#[test]
fn both_exports_of_one_survey_count_once() {
    let w = Workdir::new();
    let (t, c) = (wjx("text-export-800.xls"), wjx("code-export-800.xls"));
    w.run(["init", t.to_str().unwrap(), c.to_str().unwrap(), "-o", "s.toml"]).expect_code(0);
    let r = w.run(["import", "-s", "s.toml", t.to_str().unwrap(), c.to_str().unwrap(), "-o", "both/clean.csv"]);
    r.expect_code(0);
    assert!(r.stdout().contains("读取答卷 1600 行 = 保留 800 行 + 剔除 800 行"), "{}", r.stdout());
    assert!(r.stdout().contains("有 800 份答卷在另一个文件中已经导入"), "{}", r.stdout());
    let (_, issues) = w.csv("both/issues.csv");
    let dup: Vec<_> = issues.iter().filter(|i| i[6] == Problem::DuplicateRespondent.label()).collect();
    assert_eq!(dup.len(), 800);
    // Each entry names both places: the rejected row and the row kept.
    assert!(dup[0][0].ends_with("code-export-800.xls") && dup[0][5].contains("text-export-800.xls 第 2 行"), "{:?}", dup[0]);
    // The figures have the base of one export.
    let r = w.run(["report", "-s", "s.toml", t.to_str().unwrap(), c.to_str().unwrap(), "-o", "rep", "--charts", "none"]);
    r.expect_code(0);
    let (h, rows) = w.csv("rep/results.csv");
    let base = h.iter().position(|x| x == "base").unwrap();
    let q1: Vec<_> = rows.iter().filter(|r| r[1] == "Q1" && r[7] == "percent" && r[4] == "总体").collect();
    assert!(!q1.is_empty());
    assert!(q1.iter().all(|r| r[base] == "800"), "{:?}", q1[0]);
}

#[test]
fn the_same_file_twice_is_read_once() {
    let w = Workdir::new();
    for d in ["a", "b"] {
        std::fs::create_dir_all(w.path(d)).unwrap();
    }
    w.copy(fixture("unit_messy.xlsx"), "a/区财政局.xlsx");
    w.copy(fixture("unit_messy.xlsx"), "b/区财政局副本.xlsx");
    #[cfg(unix)]
    std::os::unix::fs::symlink(w.path("a/区财政局.xlsx"), w.path("b/link.xlsx")).unwrap();
    let s = survey();
    let files = vec![w.path("a/区财政局.xlsx"), w.path("b/区财政局副本.xlsx"), w.path("b/link.xlsx"), w.path("a/区财政局.xlsx")];
    let once = run(&s, &files[..1]);
    let imp = run(&s, &files);
    assert_eq!(imp.rows_kept, once.rows_kept);
    assert_eq!(imp.rows_read, once.rows_read);
    assert_eq!(imp.duplicate_files(), 3);
    let dup: Vec<_> = imp.issues.iter().filter(|i| i.problem == Problem::DuplicateFile).collect();
    assert_eq!(dup.len(), 3);
    assert!(dup.iter().all(|i| i.action == Action::FileSkipped && i.value.contains("区财政局.xlsx")));
    assert_eq!(imp.failed_files(), 0, "a duplicate is not an unreadable file");
}

#[test]
fn a_row_with_every_question_empty_is_rejected() {
    let w = Workdir::new();
    let p = w.path("empty_rows.xlsx");
    xlsx(
        &p,
        &["序号", "单位", "1、您的身份", "5、是否开展专项整治"],
        &[vec!["1", "甲局", "党政干部", "是"], vec!["2", "甲局", "(空)", "(跳过)"]],
    );
    let imp = run(&survey(), &[p]);
    assert_eq!((imp.rows_read, imp.rows_kept, imp.rows_rejected), (2, 1, 1));
    let e: Vec<_> = imp.issues.iter().filter(|i| i.row == Some(3)).collect();
    assert_eq!(e.len(), 1, "one entry for the row, not one per required question: {e:?}");
    assert_eq!((e[0].problem, e[0].action), (Problem::EmptyResponse, Action::RowRejected));
}

/// A 问卷星 text and code export of one survey with a 0–10 scale and a 0–4 matrix.
fn zero_based_exports(w: &Workdir) -> (PathBuf, PathBuf) {
    let header = [
        "序号",
        "提交答卷时间",
        "1、您的身份(单选题 *必答)",
        "2、总体满意度打分(量表题 *必答)",
        "3、各项制度落实—三会一课(矩阵单选题)",
        "主题党日",
    ];
    let t = w.path("调查_0.xlsx");
    let c = w.path("调查_2.xlsx");
    let who = ["党政干部", "事业单位人员", "党政干部", "事业单位人员"];
    let score = ["3分", "0分", "10分", "3分"];
    let m1 = ["0分", "4分", "2分", "3分"];
    let m2 = ["1分", "4分", "0分", "2分"];
    let mut trows = Vec::new();
    let mut crows: Vec<Vec<String>> = Vec::new();
    for i in 0..4 {
        let id = (i + 1).to_string();
        let time = format!("2025/3/{} 10:00:00", i + 1);
        trows.push(vec![id.clone(), time.clone(), who[i].to_string(), score[i].to_string(), m1[i].to_string(), m2[i].to_string()]);
        let code = |s: &str| (s.trim_end_matches('分').parse::<i32>().unwrap() + 1).to_string();
        let wc = if who[i] == "党政干部" { "1" } else { "2" };
        crows.push(vec![id, time, wc.into(), code(score[i]), code(m1[i]), code(m2[i])]);
    }
    fn as_ref(rows: &[Vec<String>]) -> Vec<Vec<&str>> {
        rows.iter().map(|r| r.iter().map(|s| s.as_str()).collect()).collect()
    }
    xlsx(&t, &header, &as_ref(&trows));
    xlsx(&c, &header, &as_ref(&crows));
    (t, c)
}

/// Those exports and the definition `init` infers from both (written to `s.toml`).
fn zero_based_survey(w: &Workdir) -> (PathBuf, PathBuf, Survey) {
    let (t, c) = zero_based_exports(w);
    w.cmd("init").input(&t).input(&c).out("s.toml").run().expect_code(0);
    let s = Survey::load(&w.path("s.toml")).unwrap();
    (t, c, s)
}

#[test]
fn a_scale_scores_the_number_in_its_labels() {
    let w = Workdir::new();
    let (t, c, s) = zero_based_survey(&w);
    let q2 = s.question("Q2").unwrap();
    let labels: Vec<&str> = q2.options.iter().map(|o| o.text()).collect();
    let want: Vec<String> = (0..=10).map(|k| format!("{k}分")).collect();
    assert_eq!(labels, want, "0–10 stays 0–10, in order, no placeholders");
    let q3 = s.question("Q3").unwrap();
    assert_eq!(q3.options.first().map(|o| o.text()), Some("0分"));
    assert_eq!(q3.kind, diaoyan::survey::Kind::Matrix);
    assert_eq!(q3.text, "各项制度落实", "the matrix type suffix is not part of the text");
    assert_eq!(s.question("Q2").unwrap().text, "总体满意度打分");
    // Text export, code export, and both together give the same scores.
    for (name, files) in [("text", vec![t.clone()]), ("code", vec![c.clone()]), ("both", vec![t.clone(), c.clone()])] {
        let imp = run(&s, &files);
        assert_eq!(imp.rows_kept, 4, "{name}");
        assert_eq!(strings(&imp.frame, "Q2"), ["3.0", "0.0", "10.0", "3.0"], "{name}");
        assert_eq!(strings(&imp.frame, "Q3/三会一课"), ["0.0", "4.0", "2.0", "3.0"], "{name}");
        assert_eq!(strings(&imp.frame, "Q3/主题党日"), ["1.0", "4.0", "0.0", "2.0"], "{name}");
        assert!(!imp.issues.iter().any(|i| i.problem == Problem::OutOfRange), "{name}: {:?}", imp.issues);
    }
    // The figures: mean 4, top-2-box (9分 and 10分) 25%.
    let r = w.run(["report", "-s", "s.toml", c.to_str().unwrap(), "-o", "rep", "--charts", "none"]);
    r.expect_code(0);
    let (h, rows) = w.csv("rep/results.csv");
    let value = h.iter().position(|x| x == "value").unwrap();
    let get = |m: &str| {
        rows.iter().find(|r| r[1] == "Q2" && r[7] == m && r[4] == "总体").unwrap_or_else(|| panic!("{m}"))[value].parse::<f64>().unwrap()
    };
    assert!((get("mean") - 4.0).abs() < 1e-9);
    assert!((get("top2") - 25.0).abs() < 1e-9);
    assert!((get("bottom2") - 25.0).abs() < 1e-9, "0分 and 1分");
}

#[test]
fn a_hand_typed_number_on_a_zero_based_scale_is_the_score() {
    // A unit workbook (text answers elsewhere) typing bare scores: 3 is 3分, not code 3.
    let w = Workdir::new();
    let (_, _, s) = zero_based_survey(&w);
    let p = w.path("单位.xlsx");
    xlsx(&p, &["序号", "1、您的身份", "2、总体满意度打分", "3.三会一课", "3.主题党日"], &[vec!["1", "党政干部", "3", "0", "4"]]);
    let imp = run(&s, &[p]);
    assert_eq!(strings(&imp.frame, "Q2"), ["3.0"]);
    assert_eq!(strings(&imp.frame, "Q3/三会一课"), ["0.0"]);
    assert_eq!(strings(&imp.frame, "Q3/主题党日"), ["4.0"]);
}

#[test]
fn a_stray_quote_in_a_csv_swallows_no_rows() {
    let w = Workdir::new();
    let p = w.path("单位.csv");
    let mut text = String::from("序号,单位,1、您的身份,5、是否开展专项整治,7、意见建议\n");
    text += "1,甲局,党政干部,是,\"少开会\n";
    for i in 2..=17 {
        text += &format!("{i},甲局,事业单位人员,否,无\n");
    }
    text += "18,甲局,党政干部,是,\"第一条\n第二条\"\n";
    std::fs::write(&p, text).unwrap();
    let r = import_with_fixture_survey(&w, &p, "out/clean.csv");
    r.expect_code(0);
    assert!(r.stdout().contains("读取答卷 18 行 = 保留 18 行 + 剔除 0 行"), "{}", r.stdout());
    let (_, issues) = w.csv("out/issues.csv");
    let bad: Vec<_> = issues.iter().filter(|i| i[6] == Problem::MalformedRecord.label()).collect();
    assert_eq!(bad.len(), 1, "{issues:?}");
    assert_eq!(bad[0][2], "2", "the record with the stray quote");
    let (h, rows) = w.csv("out/clean.csv");
    let q7 = h.iter().position(|x| x == "Q7").unwrap();
    assert_eq!(rows[1][q7], "无");
    assert_eq!(rows[17][q7], "第一条\n第二条", "a real multi-line answer stays whole");
}

#[test]
fn other_platforms_metadata_and_letter_prefixes() {
    let w = Workdir::new();
    let f = fixture("wenjuanwang.csv");
    let r = w.cmd("init").input(&f).out("s.toml").run();
    r.expect_code(0);
    let s = Survey::load(&w.path("s.toml")).unwrap();
    let ids: Vec<&str> = s.questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, ["Q1", "Q2", "Q3", "Q4", "Q5"], "platform columns are never questions");
    let opts = |id: &str| s.question(id).unwrap().options.iter().map(|o| o.text().to_string()).collect::<Vec<_>>();
    assert_eq!(opts("Q1"), ["党政干部", "事业单位人员", "国有企业人员"]);
    assert_eq!(opts("Q2"), ["3000元以下", "3001-5000元", "5001-8000元", "8001元以上"], "in the letters' order");
    assert_eq!(opts("Q3"), ["会议多", "检查多", "材料多", "其他"]);
    assert_eq!(opts("Q4"), ["非常满意", "比较满意", "一般", "不满意"]);
    assert_eq!(s.question("Q5").unwrap().kind, diaoyan::survey::Kind::Text, "(填空题) decides over few distinct answers");
    assert!(r.stdout().contains("以下 12 列是平台记录的信息"), "{}", r.stdout());
    // Import with that definition: nothing missing, nothing unknown, letters matched.
    let imp = run(&s, &[f]);
    assert_eq!(imp.rows_kept, 5);
    assert!(
        !imp.issues.iter().any(|i| matches!(i.problem, Problem::MissingColumn | Problem::UnknownColumn | Problem::UnknownOption)),
        "{:?}",
        imp.issues
    );
    assert_eq!(strings(&imp.frame, "Q2"), ["5001-8000元", "3000元以下", "8001元以上", "3001-5000元", "3001-5000元"]);
    assert_eq!(strings(&imp.frame, "Q3/材料多"), ["true", "false", "true", "false", "true"]);
    assert_eq!(strings(&imp.frame, "Q3/其他/注明")[3], "报表多");
    assert_eq!(strings(&imp.frame, "respondent"), ["1", "2", "3", "4", "5"], "编号 is the respondent id");
    assert_eq!(strings(&imp.frame, "submitted")[0], "2025-03-01 09:05:00", "结束答题时间 is the submit time");
}

#[test]
fn inference_orders_options_and_follows_type_hints() {
    let w = Workdir::new();
    let p = w.path("问卷星_按选项文本.xlsx");
    xlsx(
        &p,
        &[
            "序号",
            "1、您的年龄(单选题 *必答)",
            "2、收入(单选题)",
            "3、满意度(单选题)",
            "4、主要问题(多选题)",
            "5、电话(填空题 *必答)",
            "6、您的建议(填空题)",
        ],
        &[
            vec!["1", "36-45岁", "5001-8000元", "一般", "会议多", "13800000000", "无"],
            vec!["2", "25岁以下", "3000元以下", "非常满意", "其他〖太多〗", "13800000001", "少开会"],
            vec!["3", "46岁以上", "8001元以上", "不满意", "检查多", "13800000002", "无"],
            vec!["4", "25-35岁", "3001-5000元", "比较满意", "会议多", "13800000003", "无"],
            vec!["5", "36-45岁", "3000元以下", "非常不满意", "材料多", "13800000004", "少开会"],
            vec!["6", "25-35岁", "3001-5000元", "一般", "检查多", "13800000005", "无"],
        ],
    );
    let r = w.cmd("init").input(&p).out("s.toml").run();
    r.expect_code(0);
    let s = Survey::load(&w.path("s.toml")).unwrap();
    let opts = |id: &str| s.question(id).unwrap().options.iter().map(|o| o.text().to_string()).collect::<Vec<_>>();
    assert_eq!(opts("Q1"), ["25岁以下", "25-35岁", "36-45岁", "46岁以上"]);
    assert_eq!(opts("Q2"), ["3000元以下", "3001-5000元", "5001-8000元", "8001元以上"]);
    assert_eq!(opts("Q3"), ["非常满意", "比较满意", "一般", "不满意", "非常不满意"]);
    let q4 = s.question("Q4").unwrap();
    assert_eq!(q4.kind, diaoyan::survey::Kind::Multi, "(多选题) even when nobody picked two");
    assert_eq!(q4.options.last().unwrap().text(), "其他", "其他 last");
    assert_eq!(s.question("Q5").unwrap().kind, diaoyan::survey::Kind::Number, "a numeric fill-in stays a number");
    assert_eq!(s.question("Q6").unwrap().kind, diaoyan::survey::Kind::Text);
    assert!(r.stdout().contains("小结：共 6 道题"), "{}", r.stdout());
    assert!(r.stdout().contains("没有需要补全的选项"), "{}", r.stdout());
}

#[test]
fn the_real_text_export_alone_gives_price_bands_in_order() {
    let w = Workdir::new();
    let t = wjx("text-export-800.xls");
    let c = wjx("code-export-800.xls");
    w.cmd("init").input(&t).out("t.toml").run().expect_code(0);
    w.cmd("init").input(&t).input(&c).out("tc.toml").run().expect_code(0);
    let (a, b) = (Survey::load(&w.path("t.toml")).unwrap(), Survey::load(&w.path("tc.toml")).unwrap());
    // Q1 (手机部数) and Q2 (手机价格): the text export alone gives the questionnaire's own
    // order, which the code export's numbers prove.
    for id in ["Q1", "Q2"] {
        let o = |s: &Survey| s.question(id).unwrap().options.iter().map(|o| o.text().to_string()).collect::<Vec<_>>();
        assert_eq!(o(&a), o(&b), "{id}");
    }
}

#[test]
fn a_matrix_type_suffix_before_the_row_label_is_removed() {
    let w = Workdir::new();
    let p = w.path("m.xlsx");
    xlsx(&p, &["序号", "1、各项工作落实情况(矩阵单选题 *必答)—会议", "文件"], &[vec!["1", "4分", "3分"], vec!["2", "5分", "2分"]]);
    w.cmd("init").input(&p).out("s.toml").run().expect_code(0);
    let s = Survey::load(&w.path("s.toml")).unwrap();
    let q = s.question("Q1").unwrap();
    assert_eq!((q.text.as_str(), q.kind, q.required), ("各项工作落实情况", diaoyan::survey::Kind::Matrix, true));
    assert_eq!(q.rows, ["会议", "文件"]);
    let imp = run(&s, &[p]);
    assert_eq!(strings(&imp.frame, "Q1/文件"), ["3.0", "2.0"]);
}

#[test]
fn null_ids_are_no_ids() {
    // Some 问卷星 exports hold the literal NULL in empty metadata cells: not one id shared by all.
    let w = Workdir::new();
    let p = w.path("null.xlsx");
    let rows: Vec<Vec<&str>> =
        (0..3).map(|i| vec!["NULL", ["2025/3/1 9:00", "2025/3/1 9:05", "2025/3/1 9:09"][i], "甲局", "党政干部"]).collect();
    xlsx(&p, &["序号", "提交答卷时间", "单位", "1、您的身份"], &rows);
    let imp = run(&survey(), &[p.clone(), p]);
    assert_eq!((imp.rows_read, imp.rows_kept), (3, 3), "{:?}", imp.issues);
    assert!(!imp.issues.iter().any(|i| i.problem == Problem::DuplicateId));
}

#[test]
fn a_column_matched_by_number_alone_says_so() {
    let w = Workdir::new();
    let p = w.path("renamed.xlsx");
    xlsx(&p, &["序号", "单位", "1、您的身份", "5、贵单位开展专项整治了吗"], &[vec!["1", "甲局", "党政干部", "是"]]);
    let imp = run(&survey(), &[p]);
    assert_eq!(strings(&imp.frame, "Q5"), ["是"]);
    let m = imp.column_map();
    let d = m.iter().find(|c| c.column == "D").unwrap();
    assert!(d.imported && d.question == "Q5" && d.note.contains("按题号对应"), "{d:?}");
    assert!(m.iter().find(|c| c.column == "C").unwrap().note.is_empty());
}

#[test]
fn inference_while_reading_gives_the_same_definition() {
    use diaoyan::infer::{infer, infer_scanned, read_for_inference};
    let w = Workdir::new();
    let (t, c) = zero_based_exports(&w);
    let example = crate::workdir::root().join("surveys/example/2025/问卷星导出_按选项文本.xlsx");
    for files in [
        vec![fixture("wjx_text.xlsx")],
        vec![fixture("wjx_text.xlsx"), fixture("wjx_code.xlsx")],
        vec![t, c],
        vec![example],
        vec![fixture("unit_messy.xlsx")],
    ] {
        let plain: Vec<_> = files.iter().map(|f| diaoyan::ingest::read_file(f).unwrap()).collect();
        let (books, scans): (Vec<_>, Vec<_>) = files.iter().map(|f| read_for_inference(f).unwrap()).unzip();
        for (a, b) in plain.iter().zip(&books) {
            assert_eq!(a.sheets.len(), b.sheets.len());
            for (x, y) in a.sheets.iter().zip(&b.sheets) {
                assert_eq!(x.cells, y.cells, "{} {}", a.path.display(), x.name);
            }
        }
        let want = infer(&plain).unwrap().to_toml();
        let got = infer_scanned(&books, scans).unwrap().0.to_toml();
        assert_eq!(got, want, "{files:?}");
    }
}

#[test]
fn the_same_submission_matches_whatever_the_time_format() {
    let w = Workdir::new();
    let (a, b) = (w.path("导出_文本.xlsx"), w.path("导出_序号.xlsx"));
    xlsx(
        &a,
        &["序号", "提交答卷时间", "1、您的身份"],
        &[vec!["1", "2025/3/1 9:05", "党政干部"], vec!["2", "2025/3/1 10:00", "事业单位人员"]],
    );
    xlsx(&b, &["序号", "提交答卷时间", "1、您的身份"], &[vec!["1", "2025-03-01 09:05:00", "1"], vec!["2", "2025-03-01 10:00:00", "2"]]);
    let imp = run(&survey(), &[a, b]);
    assert_eq!((imp.rows_read, imp.rows_kept), (4, 2), "{:?}", imp.issues);
    assert_eq!(imp.duplicate_respondents(), 2);
    assert_eq!(strings(&imp.frame, "submitted"), ["2025-03-01 09:05:00", "2025-03-01 10:00:00"]);
}

/// The plain path: infer from the whole file, then import it.
fn infer_then_import(p: &Path) -> (Survey, Import) {
    let wb = diaoyan::ingest::read_file(p).unwrap();
    let s = diaoyan::infer::infer(&[wb]).unwrap();
    let imp = run(&s, &[p.to_path_buf()]);
    (s, imp)
}

fn big_export(path: &Path, rows: usize, late: Option<(usize, &str)>) {
    let header = ["序号", "提交答卷时间", "1、您的身份", "2、主要表现(多选题)", "3、满意度", "4、建议"];
    let who = ["党政干部", "事业单位人员", "国有企业人员"];
    let multi = ["会议多┋检查多", "材料多", "检查多┋材料多┋会议多"];
    let sat = ["4分", "5分", "3分", "2分"];
    let tips: Vec<String> = (0..rows).map(|i| format!("建议{}", i % 97)).collect();
    let times: Vec<String> = (0..rows).map(|i| format!("2025/3/{} {}:{:02}:00", 1 + i % 28, i % 24, i % 60)).collect();
    let ids: Vec<String> = (0..rows).map(|i| (i + 1).to_string()).collect();
    let data: Vec<Vec<&str>> = (0..rows)
        .map(|i| {
            let q1 = match late {
                Some((at, v)) if i == at => v,
                _ => who[i % 3],
            };
            vec![ids[i].as_str(), times[i].as_str(), q1, multi[i % 3], sat[i % 4], tips[i].as_str()]
        })
        .collect();
    xlsx(path, &header, &data);
}

#[test]
fn one_pass_import_without_a_definition_equals_inferring_first() {
    let w = Workdir::new();
    let big = w.path("big.xlsx");
    big_export(&big, 5000, None);
    for p in [fixture("wjx_text.xlsx"), big.clone()] {
        let (s, mut imp) = diaoyan::clean::import_inferring(&p, &ImportOptions::default()).unwrap_or_else(|| panic!("{}", p.display()));
        imp.frame = diaoyan::clean::readable(&s, &imp.frame);
        let (s0, imp0) = infer_then_import(&p);
        assert_eq!(s.to_toml(), s0.to_toml(), "{}", p.display());
        assert!(imp.frame.equals_missing(&imp0.frame), "{}", p.display());
        assert_eq!(imp.issues, imp0.issues);
        assert_eq!((imp.rows_read, imp.rows_kept, imp.rows_rejected), (imp0.rows_read, imp0.rows_kept, imp0.rows_rejected));
    }
    // An option first seen after the first rows: the definition of the first rows does
    // not stand, and the one-pass import says so (the caller then infers from the whole file).
    let late = w.path("late.xlsx");
    big_export(&late, 5000, Some((4500, "离退休人员")));
    assert!(diaoyan::clean::import_inferring(&late, &ImportOptions::default()).is_none());
    let (s0, _) = infer_then_import(&late);
    assert!(s0.question("Q1").unwrap().find_option("离退休人员").is_some());
    // The command gives the same figures either way.
    let r = w.cmd("import").input(&late).out("late/clean.csv").run();
    r.expect_code(0);
    let (h, rows) = w.csv("late/clean.csv");
    let q1 = h.iter().position(|x| x == "Q1").unwrap();
    assert_eq!(rows[4500][q1], "离退休人员");
}
