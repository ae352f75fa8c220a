//! `init`: inferring survey.toml from exports and plain tables.

use crate::workdir::{fixture, wjx, Workdir};
use diaoyan::survey::{Kind, Survey};

#[test]
fn infers_every_kind_from_a_text_and_code_pair() {
    let w = Workdir::new();
    let r = w.cmd("init").input(fixture("wjx_text.xlsx")).input(fixture("wjx_code.xlsx")).out("s.toml").run();
    r.expect_code(0);
    let s = Survey::load(&w.path("s.toml")).unwrap();
    let kinds: Vec<(&str, Kind)> = s.questions.iter().map(|q| (q.id.as_str(), q.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("Q1", Kind::Single),
            ("Q2", Kind::Multi),
            ("Q3", Kind::Matrix),
            ("Q4", Kind::Rank),
            ("Q5", Kind::Single),
            ("Q6", Kind::Single),
            ("Q7", Kind::Text),
            ("Q8", Kind::Number)
        ]
    );
    let q1 = &s.questions[0];
    assert_eq!(q1.text, "您的身份", "number prefix and type suffix removed");
    assert!(q1.required, "*必答 recognised");
    let opts: Vec<&str> = q1.options.iter().map(|o| o.text()).collect();
    assert_eq!(opts, ["党政干部", "事业单位人员", "其他【请注明】"], "order from the codes");
    assert!(q1.options[2].is_other());
    let q2: Vec<&str> = s.questions[1].options.iter().map(|o| o.text()).collect();
    assert_eq!(q2, ["会议多", "检查多", "材料多", "其他【请注明】"], "order from the split columns");
    assert_eq!(s.questions[2].rows, ["三会一课", "主题党日"]);
    assert_eq!(s.questions[2].text, "制度落实情况");
    assert_eq!(s.questions[2].options.len(), 5);
    let q4: Vec<&str> = s.questions[3].options.iter().map(|o| o.text()).collect();
    assert_eq!(q4, ["精简会议", "规范检查", "减少报表"]);
    assert_eq!(s.questions[5].text, "整治效果", "trailing spaces removed");
    // Refuses to overwrite without --force.
    let again = w.cmd("init").input(fixture("wjx_text.xlsx")).out("s.toml").run();
    again.expect_code(2);
    assert!(again.stderr().contains("--force"));
}

#[test]
fn text_export_alone_and_plain_table() {
    let w = Workdir::new();
    w.cmd("init").input(fixture("wjx_text_gbk.csv")).out("s.toml").run().expect_code(0);
    let s = Survey::load(&w.path("s.toml")).unwrap();
    assert_eq!(s.questions.len(), 8);
    assert_eq!(s.unit.as_deref(), Some("单位"), "the 单位 column names the unit");
    assert_eq!(s.questions[1].kind, Kind::Multi);
    assert_eq!(s.questions[3].kind, Kind::Rank);
    // A plain table: one header row of questions.
    std::fs::write(w.path("plain.csv"), "姓名,您的身份,会议次数\n张三,党政干部,3\n李四,事业单位人员,5\n王五,党政干部,4\n赵六,党政干部,2\n")
        .unwrap();
    w.cmd("init").arg("plain.csv").out("p.toml").run().expect_code(0);
    let p = Survey::load(&w.path("p.toml")).unwrap();
    let kinds: Vec<Kind> = p.questions.iter().map(|q| q.kind).collect();
    assert_eq!(kinds, [Kind::Text, Kind::Single, Kind::Number]);
    assert_eq!(p.questions[1].id, "Q2");
    assert_eq!(p.banners, ["Q2"], "identity is a natural banner");
}

#[test]
fn real_export_pair_fills_option_order_and_flags_gaps() {
    let w = Workdir::new();
    let r = w.cmd("init").input(wjx("text-export-800.xls")).input(wjx("code-export-800.xls")).out("s.toml").run();
    r.expect_code(0);
    assert!(r.stdout().contains("请补全"), "a code that never occurs is flagged: {}", r.stdout());
    let s = Survey::load(&w.path("s.toml")).unwrap();
    assert_eq!(s.questions.len(), 8);
    let q4: Vec<&str> = s.questions[3].options.iter().map(|o| o.text()).collect();
    assert!(q4[0].contains("请补全"));
    assert_eq!(q4[1], "16~19岁");
    assert_eq!(s.questions[5].kind, Kind::Multi);
    assert_eq!(s.questions[5].options.len(), 14);
    assert!(s.questions[5].options[13].is_other());
}
