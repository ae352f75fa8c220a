//! A new user's first export, of every shape (tests/fixtures/shapes, made by make.py
//! there): `init` writes a definition with the right kinds, ids and option orders;
//! `report` with and without that definition writes every output and maps every column;
//! the figures of three shapes equal an independent pandas computation
//! (tests/reference/shapes.py → expected_shapes.csv).

use std::collections::HashMap;
use std::path::PathBuf;

use crate::workdir::{read_csv, root, Workdir};
use diaoyan::survey::{Kind, Survey};

fn shape(name: &str) -> PathBuf {
    root().join("tests/fixtures/shapes").join(name)
}

const ALL: &[&str] = &[
    "91234567_0_区直机关作风建设调查_80_80.xlsx",
    "98765432_2_区直机关党建工作调查_60_60.xlsx",
    "wenjuanwang.csv",
    "wenjuanwang_english.csv",
    "tencent.csv",
    "panel_export.xlsx",
    "paper_entry.xlsx",
    "merged_two_rows.xlsx",
    "codes_first.csv",
    "numbered_rows.xlsx",
    "hand_tally.xlsx",
    "tencent_other.csv",
    "matrix_open.xlsx",
    "numbered_headers.xlsx",
    "slider.xlsx",
];

/// `init` on one file, the definition loaded back (validated on load).
fn init(w: &Workdir, file: &str) -> (Survey, String) {
    let out = format!("{}.toml", file.replace('.', "_"));
    let r = w.cmd("init").input(shape(file)).out(&out).run();
    r.expect_code(0);
    (Survey::load(&w.path(&out)).unwrap_or_else(|e| panic!("{file}: {e}")), r.stdout())
}

fn kinds(s: &Survey) -> Vec<(&str, Kind)> {
    s.questions.iter().map(|q| (q.id.as_str(), q.kind)).collect()
}

fn options(s: &Survey, id: &str) -> Vec<String> {
    s.question(id).unwrap_or_else(|| panic!("{id}")).options.iter().map(|o| o.text().to_string()).collect()
}

#[test]
fn a_text_export_keeps_matrices_rankings_ladders_and_open_answers() {
    let w = Workdir::new();
    let (s, out) = init(&w, ALL[0]);
    use Kind::*;
    assert_eq!(
        kinds(&s),
        [
            ("Q1", Single),
            ("Q2", Single),
            ("Q3", Matrix),
            ("Q4", Matrix),
            ("Q5", Rank),
            ("Q6", Multi),
            ("Q7", Single),
            ("Q8", Single),
            ("Q9", Scale),
            ("Q10", Number),
            ("Q11", Text),
            ("Q12", Text)
        ]
    );
    assert_eq!(s.title, "区直机关作风建设调查", "the title from the 问卷星 file name");
    // The stem only on the first column: every row keeps its own label.
    assert_eq!(s.question("Q3").unwrap().rows, ["三会一课", "主题党日", "组织生活会", "谈心谈话"]);
    // The number repeated on each row column, answers on a ladder.
    assert_eq!(s.question("Q4").unwrap().rows, ["会议精简", "文件精简", "督查统筹"]);
    assert_eq!(options(&s, "Q4"), ["非常满意", "比较满意", "一般", "不太满意", "非常不满意"]);
    assert_eq!(options(&s, "Q7"), ["明显加重", "有所加重", "没有变化", "有所减轻", "明显减轻"]);
    assert_eq!(options(&s, "Q8"), ["是", "否", "不清楚"]);
    // A 0–10 rating the header states: all eleven labels.
    assert_eq!(options(&s, "Q9").len(), 11);
    assert_eq!(options(&s, "Q9")[0], "0分");
    assert!(s.question("Q6").unwrap().options.last().unwrap().is_other());
    // An answer holding `→` does not make the suggestions a ranking; few distinct answers
    // do not make an open question a choice; the summary says so.
    assert!(out.contains("Q11") && out.contains("按填空题处理"), "{out}");
    assert_eq!(s.question("Q1").unwrap().name(), "身份", "banner names are nouns");
    assert_eq!(s.unit.as_deref(), Some("Q2"));
}

#[test]
fn a_code_only_export_gets_choice_questions_with_placeholders() {
    let w = Workdir::new();
    let (s, out) = init(&w, ALL[1]);
    use Kind::*;
    assert_eq!(
        kinds(&s),
        [
            ("Q1", Single),
            ("Q2", Single),
            ("Q3", Matrix),
            ("Q4", Rank),
            ("Q5", Multi),
            ("Q6", Scale),
            ("Q7", Scale),
            ("Q8", Scale),
            ("Q9", Scale),
            ("Q10", Scale),
            ("Q11", Number),
            ("Q12", Number)
        ]
    );
    assert_eq!(s.title, "区直机关党建工作调查");
    assert_eq!(options(&s, "Q1"), ["选项1（请补全）", "选项2（请补全）"], "codes, never a number question");
    assert_eq!(s.question("Q3").unwrap().rows, ["三会一课", "主题党日", "组织生活会", "谈心谈话"], "`3、(行)` columns are one matrix");
    assert_eq!(options(&s, "Q4"), ["精简会议", "精简文件", "统筹督查", "减少留痕"], "`4、(选项)` ranks are one ranking");
    assert!(s.question("Q3").unwrap().text.contains("请补全题目"));
    assert!(out.contains("需要补全的占位文字"), "{out}");
}

#[test]
fn platform_exports_in_chinese_and_english() {
    let w = Workdir::new();
    // 问卷网 (Chinese headers): platform columns never questions, location kept as fields.
    let (s, out) = init(&w, "wenjuanwang.csv");
    let ids: Vec<&str> = s.questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, ["Q1", "Q2", "Q3", "Q4_1", "Q4_2", "Q5", "Q6", "Q7", "Q8"]);
    assert_eq!(options(&s, "Q1"), ["党政干部", "事业单位人员", "国有企业人员", "其他"]);
    assert_eq!(s.question("Q3").unwrap().kind, Kind::Multi);
    assert_eq!(options(&s, "Q3"), ["文山会海", "督查检查过多", "过度留痕", "填表报数", "调研走过场"]);
    assert_eq!(
        (s.question("Q5").unwrap().text.as_str(), s.question("Q6").unwrap().text.as_str()),
        ("附件", "附件"),
        "same text, two numbers, two questions"
    );
    assert_eq!(s.question("Q7").unwrap().kind, Kind::Text, "a cascade is one combined answer");
    assert!(out.contains("以下 16 列是平台记录的信息"), "{out}");
    let fields: Vec<&str> = s.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(fields, ["省份", "城市"]);
    // English headers, codes written `2.0`, a multi-select as `Q3|A1` with its other-text.
    let (s, out) = init(&w, "wenjuanwang_english.csv");
    assert_eq!(kinds(&s), [("Q1", Kind::Single), ("Q2", Kind::Single), ("Q3", Kind::Multi), ("Q4", Kind::Text)]);
    assert_eq!(options(&s, "Q1").len(), 4);
    assert!(s.question("Q3").unwrap().options[4].is_other(), "`Q3|A5|open` makes option 5 an other option");
    assert!(out.contains("seq、source、start、finish、time_used、ip_province、ip_city、ip、browser、os"), "{out}");
    // 腾讯问卷: 用户类型 and location are metadata, the cascade one question.
    let (s, _) = init(&w, "tencent.csv");
    assert_eq!(kinds(&s), [("Q1", Kind::Single), ("Q2", Kind::Text), ("Q3", Kind::Single)]);
}

#[test]
fn panels_paper_entry_and_merged_headers() {
    let w = Workdir::new();
    let (s, out) = init(&w, "panel_export.xlsx");
    assert_eq!(kinds(&s), [("Q1", Kind::Single), ("Q2", Kind::Number), ("Q3", Kind::Multi), ("Q4", Kind::Matrix), ("Q5", Kind::Text)]);
    assert_eq!(options(&s, "Q3"), ["理论学习", "志愿服务", "主题党日", "读书班"], "0/1 dummies are one multi-select");
    assert!(out.contains("第 2 行是题目编码"), "{out}");
    assert!(out.contains("作答时长") && out.contains("随机元素"), "timing and randomisation are metadata: {out}");
    let (s, out) = init(&w, "paper_entry.xlsx");
    assert_eq!(kinds(&s), [("Q1", Kind::Single), ("Q2", Kind::Single), ("Q3", Kind::Scale), ("Q4", Kind::Single), ("Q5", Kind::Number)]);
    assert_eq!(s.question("Q1").unwrap().text, "您的身份", "texts from the codebook");
    assert_eq!(options(&s, "Q3"), ["明显加重", "有所加重", "没有变化", "有所减轻", "明显减轻"], "labels from the codebook, in code order");
    assert!(out.contains("编码表") && out.contains("统计或说明区"), "{out}");
    assert_eq!(s.unit, None, "a question that merely mentions 所在单位 names no unit");
    let (s, _) = init(&w, "merged_two_rows.xlsx");
    assert_eq!(kinds(&s), [("Q1", Kind::Single), ("Q2", Kind::Multi), ("Q3", Kind::Single)]);
    assert_eq!(options(&s, "Q2"), ["会议多", "文件多", "检查多"]);
}

#[test]
fn variants_of_the_shapes() {
    let w = Workdir::new();
    // Codes on the first row, texts on the second.
    let (s, out) = init(&w, "codes_first.csv");
    assert_eq!(kinds(&s), [("Q1", Kind::Single), ("Q2", Kind::Multi), ("Q3", Kind::Text)]);
    assert_eq!(options(&s, "Q2"), ["学习强国", "共产党员网", "其他"]);
    assert!(out.contains("题目编码"), "{out}");
    // A title row; matrix rows numbered in their headers; suggestions mostly 无.
    let (s, _) = init(&w, "numbered_rows.xlsx");
    assert_eq!(kinds(&s), [("Q1", Kind::Single), ("Q2", Kind::Matrix), ("Q3", Kind::Text)]);
    assert_eq!(s.question("Q2").unwrap().rows, ["三会一课", "主题党日", "组织生活会"]);
    assert_eq!(options(&s, "Q2"), ["满意", "基本满意", "不满意"]);
    assert_eq!(s.title, "2025年度党支部工作测评", "the title row above the header");
    // 平均值 and 选A人数 rows under the data are no respondents; a stated 1–5 range is a scale.
    let (s, _) = init(&w, "hand_tally.xlsx");
    assert_eq!(kinds(&s), [("Q1", Kind::Single), ("Q2", Kind::Number), ("Q3", Kind::Scale)]);
    let r = w.cmd("report").input(shape("hand_tally.xlsx")).out("tally").args(["--charts", "none", "--doc", "none"]).run();
    assert!(r.stdout().contains("读取答卷 22 行 = 保留 20 行 + 剔除 2 行"), "{}", r.stdout());
    // `题干:其他_填空` is the text written beside 其他, imported with it.
    let (s, _) = init(&w, "tencent_other.csv");
    assert_eq!(options(&s, "Q3"), ["学习", "志愿", "其他"]);
    assert!(s.question("Q3").unwrap().options[2].is_other());
    w.cmd("import").input(shape("tencent_other.csv")).out("other.csv").run().expect_code(0);
    let (h, rows) = w.csv("other.csv");
    let c = h.iter().position(|x| x == "Q3/其他/注明").expect("the other-text column");
    assert!(rows.iter().any(|r| r[c] == "读书"));
    // Questions headed by their numbers only, the codebook in `1=男；2=女` cells.
    let (s, _) = init(&w, "numbered_headers.xlsx");
    assert_eq!(kinds(&s), [("Q1", Kind::Single), ("Q2", Kind::Single), ("Q3", Kind::Single)]);
    assert_eq!(s.question("Q2").unwrap().text, "您的政治面貌");
    assert_eq!(options(&s, "Q2"), ["中共党员", "共青团员", "群众"]);
    let r = w.cmd("report").input(shape("numbered_headers.xlsx")).out("numbered").args(["--charts", "none", "--doc", "none"]).run();
    assert!(r.stdout().contains("读取答卷 40 行 = 保留 40 行 + 剔除 0 行"), "{}", r.stdout());
    // A matrix of multi-selects and a question of several blanks: one question per column.
    let (s, _) = init(&w, "matrix_open.xlsx");
    assert_eq!(
        kinds(&s),
        [
            ("Q1", Kind::Single),
            ("Q2_1", Kind::Multi),
            ("Q2_2", Kind::Multi),
            ("Q2_3", Kind::Multi),
            ("Q3_1", Kind::Text),
            ("Q3_2", Kind::Text)
        ]
    );
    let mut o = options(&s, "Q2_1");
    o.sort();
    assert_eq!(o, ["QQ", "微信", "钉钉"]);
    // A slider per row (0–100): numbers, not a 101-point rating.
    let (s, _) = init(&w, "slider.xlsx");
    assert_eq!(kinds(&s), [("Q1", Kind::Single), ("Q2_1", Kind::Number), ("Q2_2", Kind::Number), ("Q2_3", Kind::Number)]);
}

/// Issues that mean a column or row went astray.
fn astray(w: &Workdir, dir: &str) -> Vec<Vec<String>> {
    let (h, rows) = w.csv(&format!("{dir}/issues.csv"));
    let p = h.iter().position(|x| x == "问题").unwrap();
    rows.into_iter()
        .filter(|r| {
            ["列标题与问卷中的题目对不上", "两列对应同一题目（或同一行、同一选项）", "没有表头的列中有数据"].contains(&r[p].as_str())
        })
        .collect()
}

#[test]
fn every_shape_reports_with_and_without_a_definition() {
    let w = Workdir::new();
    for file in ALL {
        let (s, _) = init(&w, file);
        let toml = format!("{}.toml", file.replace('.', "_"));
        let (with, without) = (format!("with_{}", s.questions.len()), format!("without_{file}"));
        let with = format!("{with}_{}", file.replace('.', "_"));
        for (dir, def) in [(&with, Some(&toml)), (&without, None)] {
            let mut c = w.cmd("report").input(shape(file)).out(dir);
            if let Some(t) = def {
                c = c.survey(w.path(t));
            }
            let r = c.run();
            r.expect_code(0);
            r.expect_no_defect();
            let stem = diaoyan::text::safe_file_stem(&s.id);
            for out in [
                format!("{stem}.xlsx"),
                format!("{stem}.docx"),
                format!("{stem}.html"),
                "results.csv".into(),
                "tests.csv".into(),
                "清单.csv".into(),
            ] {
                assert!(w.path(dir).join(&out).is_file(), "{file}: {out} missing\n{}", r.stdout());
            }
            assert!(std::fs::read_dir(w.path(dir).join("charts")).unwrap().count() > 0, "{file}: no charts");
            assert_eq!(astray(&w, dir), Vec::<Vec<String>>::new(), "{file}: every column maps");
        }
        let sorted = |d: &str| {
            let mut rows = w.csv(&format!("{d}/results.csv")).1;
            rows.sort();
            rows
        };
        assert_eq!(sorted(&with), sorted(&without), "{file}: the same figures with and without survey.toml");
    }
}

#[test]
fn header_code_and_tally_rows_are_never_respondents() {
    let w = Workdir::new();
    // The panel's code row: 70 respondents, not 71.
    let r = w.cmd("report").input(shape("panel_export.xlsx")).out("panel").args(["--charts", "none", "--doc", "none"]).run();
    r.expect_code(0);
    assert!(r.stdout().contains("读取答卷 70 行 = 保留 70 行 + 剔除 0 行"), "{}", r.stdout());
    // Paper entry: 45 respondents; the codebook sheet and the tally block are not; 0 is unanswered.
    let r = w.cmd("report").input(shape("paper_entry.xlsx")).out("paper").args(["--charts", "none", "--doc", "none"]).run();
    r.expect_code(0);
    assert!(r.stdout().contains("保留 45 行"), "{}", r.stdout());
    let (h, rows) = w.csv("paper/issues.csv");
    let p = h.iter().position(|x| x == "问题").unwrap();
    let count = |what: &str| rows.iter().filter(|r| r[p] == what).count();
    assert_eq!(count("数据下方的统计或说明区，不是答卷"), 5, "the tally block's counts between 统计 and 合计");
    assert_eq!(count("合计、统计或平均值等汇总行，不是答卷"), 2, "统计 and 合计");
    assert!(count("选项编号为 0（按未答处理）") > 0);
    assert_eq!(count("不是答卷表（编码表、统计表等）"), 2, "the codebook sheet and the tally sheet");
    // A header repeated in the data is not a respondent either.
    let text = std::fs::read_to_string(shape("tencent.csv")).unwrap();
    let header = text.lines().next().unwrap().trim_start_matches('\u{feff}').to_string();
    let mut repeated = String::new();
    for (i, line) in text.lines().enumerate() {
        repeated += line;
        repeated += "\r\n";
        if i > 0 && i % 10 == 0 {
            repeated += &header;
            repeated += "\r\n";
        }
    }
    let f = w.write("repeated.csv", repeated);
    let r = w.cmd("report").input(&f).out("rep").args(["--charts", "none", "--doc", "none"]).run();
    r.expect_code(0);
    assert!(r.stdout().contains("读取答卷 39 行 = 保留 36 行 + 剔除 3 行"), "{}", r.stdout());
}

#[test]
fn figures_of_three_shapes_equal_an_independent_reference() {
    let (h, expected) = read_csv(&root().join("tests/reference/expected_shapes.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let w = Workdir::new();
    let mut results: HashMap<String, (Vec<String>, Vec<Vec<String>>)> = HashMap::new();
    let mut checked = 0;
    for e in &expected {
        let file = &e[col("file")];
        let (rh, rows) = results.entry(file.clone()).or_insert_with(|| {
            let dir = format!("ref_{}", file.replace('.', "_"));
            w.cmd("report").input(shape(file)).out(&dir).args(["--charts", "none", "--doc", "none"]).run().expect_code(0);
            w.csv(&format!("{dir}/results.csv"))
        });
        let rc = |n: &str| rh.iter().position(|x| x == n).unwrap();
        let got = rows
            .iter()
            .find(|r| {
                r[rc("banner")] == "总体"
                    && r[rc("question")] == e[col("question")]
                    && r[rc("option")] == e[col("option")]
                    && r[rc("measure")] == e[col("measure")]
            })
            .unwrap_or_else(|| panic!("{file}: no figure for {e:?}"));
        let (want, have): (f64, f64) = (e[col("value")].parse().unwrap(), got[rc("value")].parse().unwrap());
        assert!((want - have).abs() < 1e-9, "{file} {e:?}: {have}");
        assert_eq!(got[rc("base")], e[col("base")], "{file} {e:?}");
        checked += 1;
    }
    assert!(checked >= 50, "{checked}");
}

/// Two questions with one id, or a definition that contradicts itself: every command
/// that reads a definition refuses it with a message naming both places, never a panic.
#[test]
fn bad_definitions_are_refused_by_every_command() {
    let w = Workdir::new();
    let good = std::fs::read_to_string(root().join("tests/fixtures/survey.toml")).unwrap();
    let dup = good.replacen("id = \"Q2\"", "id = \"Q1\"", 1);
    assert_ne!(dup, good);
    let reserved = good.replacen("id = \"Q2\"", "id = \"unit\"", 1);
    let bad_unit = good.replacen("unit = \"单位\"", "unit = \"Q2\"", 1);
    assert_ne!(bad_unit, good);
    let data = root().join("tests/fixtures/wjx_text.xlsx");
    let units = w.write("units.csv", "单位,应收份数\n甲局,3\n");
    for (name, text, says) in [
        ("dup.toml", &dup, "重复出现：第 1 道题"),
        ("reserved.toml", &reserved, "答卷表中已有的列名"),
        ("unit.toml", &bad_unit, "单位只能取"),
    ] {
        let s = w.write(name, text);
        let runs = [
            w.cmd("report").survey(&s).input(&data).out("r").run(),
            w.cmd("import").survey(&s).input(&data).out("i.csv").run(),
            w.cmd("template").survey(&s).args(["--units"]).arg(&units).out("t").run(),
            w.cmd("status").survey(&s).args(["--units"]).arg(&units).input(&data).run(),
        ];
        for r in runs {
            r.expect_no_defect();
            assert_eq!(r.code(), 2, "{name}: {}", r.stderr());
            assert!(r.stderr().contains(says), "{name}: {}", r.stderr());
        }
    }
}

/// A banner of thousands of groups (a unit per respondent) is more than Excel can put side
/// by side: the workbook lists the first groups and says where all are, every other output
/// is written, the run succeeds.
#[test]
fn more_groups_than_excel_has_columns() {
    let w = Workdir::new();
    let mut csv = String::from("序号,单位,1、您的身份\n");
    for i in 0..6000 {
        csv += &format!("{},单位{i},{}\n", i + 1, ["党政干部", "事业单位人员", "其他"][i % 3]);
    }
    let f = w.write("many.csv", csv);
    let r = w.cmd("report").input(&f).out("out").args(["--banner", "unit", "--charts", "none", "--doc", "none"]).run();
    r.expect_code(0);
    use calamine::{open_workbook_auto, Reader};
    let mut wb = open_workbook_auto(w.path("out/many.xlsx")).unwrap();
    let sheet = wb.worksheet_range("交叉表-单位").unwrap();
    assert!(sheet.width() < 16_384);
    let note = sheet.rows().flatten().map(|c| c.to_string()).find(|t| t.contains("共 6000 个分组")).expect("the note on the cut");
    assert!(note.contains("results.csv"), "{note}");
    let (h, rows) = w.csv("out/results.csv");
    let g = h.iter().position(|x| x == "group").unwrap();
    assert!(rows.iter().any(|r| r[g] == "单位5999"), "results.csv holds every group");
}
