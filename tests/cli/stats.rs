//! Every figure of `report` against the independent reference computed by
//! tests/reference/reference.py (pandas, scipy, statsmodels), to 1e-9.

use crate::workdir::{fixture, read_csv, root, Workdir};
use std::collections::HashMap;

fn reference(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let path = root().join("tests/reference").join(name);
    let mut r = csv::Reader::from_path(&path).unwrap();
    let h = r.headers().unwrap().iter().map(|s| s.to_string()).collect();
    (h, r.records().map(|x| x.unwrap().iter().map(|s| s.to_string()).collect()).collect())
}

/// A CSV row by column name.
type Row = HashMap<String, String>;

fn report(w: &Workdir, extra: &[&str]) -> (HashMap<String, Row>, Vec<Row>) {
    let fx = root().join("tests/fixtures/stats");
    let mut args = vec![
        "report".to_string(),
        "-s".into(),
        fx.join("survey.toml").display().to_string(),
        fx.join("data.csv").display().to_string(),
        "-o".into(),
        "out".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    w.run(&args).expect_code(0);
    let (h, rows) = w.csv("out/results.csv");
    let mut by = HashMap::new();
    for r in rows {
        let m: HashMap<String, String> = h.iter().cloned().zip(r).collect();
        let key = format!("{}|{}|{}|{}|{}", m["question"], m["banner"], m["group"], m["option"], m["measure"]);
        assert!(by.insert(key.clone(), m).is_none(), "duplicate figure {key}");
    }
    let (h, rows) = w.csv("out/tests.csv");
    let tests = rows.into_iter().map(|r| h.iter().cloned().zip(r).collect()).collect();
    (by, tests)
}

fn close(what: &str, got: &str, want: &str) {
    if want.is_empty() {
        assert!(got.is_empty(), "{what}: expected nothing, got {got}");
        return;
    }
    let (g, w): (f64, f64) = (got.parse().unwrap_or_else(|_| panic!("{what}: not a number: {got:?}")), want.parse().unwrap());
    assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0), "{what}: got {g}, reference {w}");
}

fn compare(expected: &str, got: &HashMap<String, HashMap<String, String>>) -> usize {
    let (h, rows) = reference(expected);
    for r in &rows {
        let m: HashMap<&str, &str> = h.iter().map(|s| s.as_str()).zip(r.iter().map(|s| s.as_str())).collect();
        let key = format!("{}|{}|{}|{}|{}", m["question"], m["banner"], m["group"], m["option"], m["measure"]);
        let g = got.get(&key).unwrap_or_else(|| panic!("figure {key} missing from results.csv"));
        assert_eq!(g["wave"], "");
        for f in ["value", "count", "base", "ci_low", "ci_high"] {
            close(&format!("{key} {f}"), &g[f], m[f]);
        }
        assert_eq!(g["sig"], m["sig"], "{key} letters");
    }
    rows.len()
}

#[test]
fn figures_match_the_reference() {
    let w = Workdir::new();
    let (got, tests) = report(&w, &["--banner", "Q1", "--banner", "Q7"]);
    let n = compare("expected_results.csv", &got);
    assert!(n > 60, "{n} figures checked");
    // Letters were exercised: at least one group is significantly higher than another.
    assert!(got.values().any(|m| !m["sig"].is_empty()), "no significance letter at all");
    // Small bases: 国有企业人员 (n = 26) gets figures but takes part in no comparison.
    assert!(got.values().filter(|m| m["group"] == "国有企业人员").all(|m| m["sig"].is_empty()));
    let (h, rows) = reference("expected_tests.csv");
    for r in &rows {
        let m: HashMap<&str, &str> = h.iter().map(|s| s.as_str()).zip(r.iter().map(|s| s.as_str())).collect();
        let g = tests
            .iter()
            .find(|t| t["question"] == m["question"] && t["banner"] == m["banner"])
            .unwrap_or_else(|| panic!("no test for {} by {}", m["question"], m["banner"]));
        assert_eq!(g["test"], m["test"], "{} by {}", m["question"], m["banner"]);
        assert_eq!(g["df"], m["df"]);
        for f in ["statistic", "p_value", "cramers_v", "low_expected_share"] {
            close(&format!("{} by {} {f}", m["question"], m["banner"]), &g[f], m[f]);
        }
        // An unreliable chi-square carries an exact (or simulated) p-value, checked against
        // scipy's simulated r×c Fisher test (200,000 resamples).
        if m["exact_p_approx"].is_empty() {
            assert!(g["exact_p"].is_empty(), "{} by {}: no exact test expected", m["question"], m["banner"]);
        } else {
            let (got, want): (f64, f64) = (g["exact_p"].parse().unwrap(), m["exact_p_approx"].parse().unwrap());
            assert!((got - want).abs() < 0.02, "{} by {} exact p: {got} vs scipy {want}", m["question"], m["banner"]);
            assert!(!g["exact_method"].is_empty() && g["note"].contains("期望频数小于 5"), "{g:?}");
        }
    }
    // The small group (国有企业人员, n = 26 < --min-base) is part of the chi-square.
    let q2 = tests.iter().find(|t| t["question"] == "Q2" && t["banner"] == "Q1").unwrap();
    assert_eq!(q2["df"], "6", "4 options × 3 groups");
}

#[test]
fn exact_tests_match_the_reference() {
    let (h, rows) = reference("expected_exact.csv");
    assert_eq!(h, ["name", "table", "p_value"]);
    assert!(rows.len() >= 5);
    for r in rows {
        let table: Vec<Vec<u64>> = r[1].split(';').map(|row| row.split(',').map(|x| x.parse().unwrap()).collect()).collect();
        let e = diaoyan::stats::exact::exact_p(&table, diaoyan::stats::exact::ENUMERATION_LIMIT).unwrap();
        assert_eq!(e.method, diaoyan::stats::exact::ExactMethod::FreemanHalton, "{}", r[0]);
        close(&r[0], &e.p_value.to_string(), &r[2]);
    }
}

#[test]
fn a_crosstab_without_a_test_says_why() {
    // Everyone in one group: no test, and tests.csv says so.
    let w = Workdir::new();
    let fx = root().join("tests/fixtures/stats");
    w.run([
        "report",
        "-s",
        fx.join("survey.toml").to_str().unwrap(),
        fx.join("data.csv").to_str().unwrap(),
        "-o",
        "out",
        "--charts",
        "none",
        "--banner",
        "Q1",
        "--where",
        "Q1=国有企业人员",
    ])
    .expect_code(0);
    let (h, rows) = w.csv("out/tests.csv");
    let note = h.iter().position(|x| x == "note").unwrap();
    let test = h.iter().position(|x| x == "test").unwrap();
    let q2 = rows.iter().find(|r| r[1] == "Q2" && r[2] == "Q1").expect("a row for Q2 by Q1");
    assert_eq!(q2[test], "");
    assert!(q2[note].contains("未做检验") && q2[note].contains("只有一个分组有人作答"), "{q2:?}");
}

#[test]
fn weighted_figures_match_the_reference() {
    let w = Workdir::new();
    let (got, _) = report(&w, &["--banner", "Q1", "--weight", "Q9"]);
    assert!(compare("expected_weighted.csv", &got) >= 15);
    let want: f64 = std::fs::read_to_string(root().join("tests/reference/expected_effective_base.txt")).unwrap().trim().parse().unwrap();
    let weights: Vec<f64> = {
        let (h, rows) = read_csv(&root().join("tests/fixtures/stats/data.csv"));
        let c = h.iter().position(|x| x == "9、权重").unwrap();
        rows.iter().map(|r| r[c].parse().unwrap()).collect()
    };
    assert!((diaoyan::stats::effective_base(&weights) - want).abs() < 1e-9);
}

#[test]
fn bad_banners_and_weights_are_explained() {
    let w = Workdir::new();
    let fx = root().join("tests/fixtures/stats");
    let base = [
        "report".to_string(),
        "-s".into(),
        fx.join("survey.toml").display().to_string(),
        fx.join("data.csv").display().to_string(),
        "-o".into(),
        "o".into(),
    ];
    for (extra, words) in [
        (vec!["--banner", "Q99"], "Q99"),
        (vec!["--banner", "Q3"], "多选题"),
        (vec!["--weight", "Q98"], "Q98"),
        (vec!["--weight", "Q1"], "不是数字"),
        (vec!["--weight", "Q6"], "为空"),
    ] {
        let mut args: Vec<String> = base.to_vec();
        args.extend(extra.iter().map(|s| s.to_string()));
        let r = w.run(&args);
        r.expect_code(2);
        assert!(r.stderr().contains(words), "{extra:?}: {}", r.stderr());
    }
}

#[test]
fn empty_groups_and_unanswered_questions_give_no_nan() {
    let w = Workdir::new();
    // A group nobody belongs to, and questions nobody answered (no column at all).
    let survey = std::fs::read_to_string(root().join("tests/fixtures/survey.toml"))
        .unwrap()
        .replace("options = [\"党政干部\", \"事业单位人员\",", "options = [\"党政干部\", \"事业单位人员\", \"退休人员\",")
        + "\n[[questions]]\nid = \"Q9\"\ntext = \"无人回答的单选\"\nkind = \"single\"\noptions = [\"甲\", \"乙\"]\n\n[[questions]]\nid = \"Q10\"\ntext = \"无人回答的数值\"\nkind = \"number\"\n";
    std::fs::write(w.path("s.toml"), survey).unwrap();
    let data = root().join("tests/fixtures/wjx_text.xlsx");
    let r = w.cmd("report").args(["-s", "s.toml"]).input(&data).args(["--banner", "Q1", "--banner", "Q5"]).out("out").run();
    r.expect_code(0);
    for f in ["results.csv", "tests.csv", "issues.csv"] {
        let text = std::fs::read_to_string(w.path("out").join(f)).unwrap().to_lowercase();
        assert!(!text.contains("nan") && !text.contains("inf"), "{f} has NaN/inf");
    }
    let (h, rows) = w.csv("out/results.csv");
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    // Every group is small (n < 30): figures but no letters. The tests of independence
    // still use the whole table; where none can be run, tests.csv says why.
    assert!(rows.iter().all(|r| r[col("sig")].is_empty()));
    let (th, tests) = w.csv("out/tests.csv");
    let tcol = |n: &str| th.iter().position(|x| x == n).unwrap();
    assert!(tests.iter().any(|t| !t[tcol("test")].is_empty()), "small groups are tested");
    for t in &tests {
        assert!(!t[tcol("test")].is_empty() || t[tcol("note")].starts_with("未做检验："), "{t:?}");
    }
    let q9 = tests.iter().find(|t| t[1] == "Q9" && t[2] == "Q1").expect("Q9 by Q1 listed");
    assert!(q9[tcol("test")].is_empty() && q9[tcol("note")].contains("分组"), "{q9:?}");
    // The empty group has base 0 and no value; the unanswered question too.
    let empty: Vec<&Vec<String>> = rows.iter().filter(|r| r[col("group")] == "退休人员").collect();
    assert!(!empty.is_empty());
    assert!(empty.iter().all(|r| r[col("base")] == "0" && r[col("value")].is_empty()));
    let q9: Vec<&Vec<String>> = rows.iter().filter(|r| r[col("question")] == "Q9" && r[col("banner")] == "总体").collect();
    assert_eq!(q9.len(), 2);
    assert!(q9.iter().all(|r| r[col("base")] == "0" && r[col("value")].is_empty()));
    // The workbook reads back: percent cells are numbers, sheet names are valid.
    use calamine::{open_workbook_auto, Data, Reader};
    let mut wb = open_workbook_auto(w.path("out/fixture.xlsx")).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names[0], "概览");
    assert!(names.iter().any(|n| n == "频数表"));
    assert!(names.iter().any(|n| n == "交叉表-身份"), "banners named as nouns: {names:?}");
    assert!(names.iter().any(|n| n == "数据问题"));
    let freq = wb.worksheet_range("频数表").unwrap();
    let rows: Vec<Vec<Data>> = freq.rows().map(|r| r.to_vec()).collect();
    let at = rows.iter().position(|r| r[0] == Data::String("党政干部".into())).expect("Q1 table");
    assert_eq!(rows[at][1], Data::Float(3.0), "count of 党政干部");
    assert_eq!(rows[at][2], Data::Float(0.5), "share stored as a number (3 of 6)");
    let base = rows[at..].iter().find(|r| r[0] == Data::String("本题有效填写人次".into())).unwrap();
    assert_eq!(base[1], Data::Float(6.0));
}

#[test]
fn cell_weighting_targets_match_the_reference() {
    let w = Workdir::new();
    let fx = root().join("tests/fixtures/stats");
    let survey = std::fs::read_to_string(fx.join("survey.toml")).unwrap().replace(
        "banners = [\"Q1\"]",
        "banners = [\"Q1\"]\n\n[weighting]\nquestion = \"Q1\"\ntargets = { \"党政干部\" = 50, \"事业单位人员\" = 40, \"国有企业人员\" = 10 }",
    );
    std::fs::write(w.path("s.toml"), survey).unwrap();
    let r = w.cmd("report").args(["-s", "s.toml"]).input(fx.join("data.csv")).args(["--banner", "Q1"]).out("out").run();
    r.expect_code(0);
    let (h, rows) = w.csv("out/results.csv");
    let mut by = HashMap::new();
    for r in rows {
        let m: HashMap<String, String> = h.iter().cloned().zip(r).collect();
        by.insert(format!("{}|{}|{}|{}|{}", m["question"], m["banner"], m["group"], m["option"], m["measure"]), m);
    }
    assert!(compare("expected_cellweighted.csv", &by) >= 15);
    // A target that is not an option is refused when the survey is loaded.
    let bad = std::fs::read_to_string(w.path("s.toml")).unwrap().replace("\"国有企业人员\" = 10", "\"退休\" = 10");
    std::fs::write(w.path("bad.toml"), bad).unwrap();
    let r = w.cmd("report").args(["-s", "bad.toml"]).input(fx.join("data.csv")).out("out2").run();
    r.expect_code(2);
    assert!(r.stderr().contains("退休"), "{}", r.stderr());
}

#[test]
fn figures_over_a_subset() {
    let w = Workdir::new();
    let fx = root().join("tests/fixtures/stats");
    let r = w.cmd("report").survey(fx.join("survey.toml")).input(fx.join("data.csv")).args(["--where", "Q7=男"]).out("out").run();
    r.expect_code(0);
    let (h, rows) = w.csv("out/results.csv");
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let q7: Vec<&Vec<String>> = rows.iter().filter(|r| r[col("question")] == "Q7" && r[col("banner")] == "总体").collect();
    assert_eq!(q7[0][col("option")], "男");
    assert_eq!(q7[0][col("value")], "100");
    assert_eq!(q7[1][col("value")], "0");
    let r = w.cmd("report").survey(fx.join("survey.toml")).input(fx.join("data.csv")).args(["--where", "Q7"]).out("out").run();
    r.expect_code(2);
    assert!(r.stderr().contains("列=值"));
}

/// Two waves of the statistics fixture in `2025/` and `2026/` folders, reported.
fn two_waves(w: &Workdir) -> (Vec<String>, Vec<Vec<String>>) {
    two_waves_with(w, &["--adjust", "none"])
}

/// changes.csv of the two-wave test data, with `extra` arguments.
fn two_waves_with(w: &Workdir, extra: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let fx = root().join("tests/fixtures/stats");
    w.copy(fx.join("data.csv"), "in/2025/data.csv");
    w.copy(fx.join("data_2026.csv"), "in/2026/data.csv");
    w.cmd("report")
        .survey(fx.join("survey.toml"))
        .input(w.path("in"))
        .args(["--banner", "Q1", "--charts", "none", "--doc", "none"])
        .args(extra)
        .out("out")
        .run()
        .expect_ok();
    w.csv("out/changes.csv")
}

#[test]
fn adjustments_match_statsmodels() {
    use diaoyan::stats::adjust::{adjust, Adjust};
    let (h, rows) = reference("expected_adjust.csv");
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let mut families: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    for r in rows {
        match families.last_mut() {
            Some((f, v)) if *f == r[0] => v.push(r),
            _ => families.push((r[0].clone(), vec![r])),
        }
    }
    assert_eq!(families.len(), 6);
    for (name, rows) in &families {
        let p: Vec<f64> = rows.iter().map(|r| r[col("p")].parse().unwrap()).collect();
        for (method, column) in [(Adjust::Bonferroni, "p_bonferroni"), (Adjust::Holm, "p_holm"), (Adjust::Bh, "p_bh")] {
            let got = adjust(&p, method);
            for (k, r) in rows.iter().enumerate() {
                let want: f64 = r[col(column)].parse().unwrap();
                assert!((got[k] - want).abs() <= 1e-12 * want.abs().max(1e-300), "{name} {column} #{k}: {} vs {want}", got[k]);
            }
        }
    }
}

#[test]
fn changes_are_adjusted_per_pair_of_waves() {
    use diaoyan::stats::adjust::{adjust, Adjust};
    for (args, method) in [(vec![], Adjust::Holm), (vec!["--adjust", "bh"], Adjust::Bh), (vec!["--bonferroni"], Adjust::Bonferroni)] {
        let w = Workdir::new();
        let (h, rows) = two_waves_with(&w, &args);
        let col = |n: &str| h.iter().position(|x| x == n).unwrap();
        let tested: Vec<&Vec<String>> = rows.iter().filter(|r| !r[col("p_value")].is_empty()).collect();
        let p: Vec<f64> = tested.iter().map(|r| r[col("p_value")].parse().unwrap()).collect();
        let want = adjust(&p, method);
        let mut sig = 0;
        for (r, q) in tested.iter().zip(&want) {
            let got: f64 = r[col("p_adjusted")].parse().unwrap();
            assert!((got - q).abs() < 1e-12, "{method:?}: {got} vs {q}");
            let change: f64 = r[col("change")].parse().unwrap();
            let arrow = if *q < 0.05 && change != 0.0 {
                if change > 0.0 {
                    "↑"
                } else {
                    "↓"
                }
            } else {
                ""
            };
            assert_eq!(r[col("sig")], arrow, "{method:?}: sig follows the adjusted p");
            sig += usize::from(!arrow.is_empty());
        }
        let raw = p.iter().filter(|p| **p < 0.05).count();
        assert!(tested.len() >= 80 && sig < raw, "{method:?}: {sig} significant after, {raw} before");
        assert!(rows.iter().filter(|r| r[col("p_value")].is_empty()).all(|r| r[col("p_adjusted")].is_empty()));
    }
    // The written report says how many tests were made and how they were adjusted.
    let w = Workdir::new();
    let (h, rows) = two_waves(&w);
    let tested = rows.iter().filter(|r| !r[h.iter().position(|x| x == "p_value").unwrap()].is_empty()).count();
    let fx = root().join("tests/fixtures/stats");
    w.cmd("report")
        .survey(fx.join("survey.toml"))
        .input(w.path("in"))
        .args(["--banner", "Q1", "--charts", "none", "--doc", "html"])
        .out("doc")
        .run()
        .expect_ok();
    let html = std::fs::read_to_string(walk_html(&w.path("doc"))).unwrap();
    assert!(html.contains(&format!("2025年到2026年的变化共做了{tested}个检验（Holm 校正）")), "{tested}");
    // And so does the workbook's 年度对比 sheet.
    let book = crate::workdir::walk(&w.path("doc")).into_iter().find(|p| p.extension().is_some_and(|e| e == "xlsx")).unwrap();
    let mut wb = calamine::open_workbook_auto(&book).unwrap();
    use calamine::Reader;
    let sheet = wb.worksheet_range("年度对比").unwrap();
    let note = sheet.get_value((1, 0)).map(|v| v.to_string()).unwrap_or_default();
    assert!(note.contains(&format!("2025→2026 共 {tested} 个检验")), "{note}");
    let r = w.cmd("report").survey(fixture("survey.toml")).input(fixture("wjx_text.xlsx")).out("o").args(["--adjust", "sidak"]).run();
    r.expect_code(2);
    assert!(r.stderr().contains("--adjust 只能是"), "{}", r.stderr());
}

#[test]
fn changes_between_waves_match_the_reference() {
    let w = Workdir::new();
    let (h, rows) = two_waves(&w);
    assert_eq!(
        h,
        [
            "question",
            "question_text",
            "kind",
            "banner",
            "group",
            "option",
            "measure",
            "wave_from",
            "wave_to",
            "value_from",
            "value_to",
            "change",
            "base_from",
            "base_to",
            "test",
            "statistic",
            "p_value",
            "p_adjusted",
            "sig",
            "units_both",
            "change_same_units",
            "change_equal_units",
            "composition"
        ]
    );
    let got: HashMap<String, HashMap<String, String>> = rows
        .into_iter()
        .map(|r| {
            let m: HashMap<String, String> = h.iter().cloned().zip(r).collect();
            (format!("{}|{}|{}|{}|{}", m["question"], m["banner"], m["group"], m["option"], m["measure"]), m)
        })
        .collect();
    let (eh, expected) = reference("expected_changes.csv");
    let (mut tested, mut sig) = (0, 0);
    for r in &expected {
        let m: HashMap<&str, &str> = eh.iter().map(|s| s.as_str()).zip(r.iter().map(|s| s.as_str())).collect();
        let key = format!("{}|{}|{}|{}|{}", m["question"], m["banner"], m["group"], m["option"], m["measure"]);
        let g = got.get(&key).unwrap_or_else(|| panic!("{key} missing from changes.csv"));
        assert_eq!((g["wave_from"].as_str(), g["wave_to"].as_str()), ("2025", "2026"), "{key}");
        for f in ["value_from", "value_to", "change", "base_from", "base_to", "statistic", "p_value"] {
            close(&format!("{key} {f}"), &g[f], m[f]);
        }
        assert_eq!(g["test"], m["test"], "{key} test");
        assert_eq!(g["sig"], m["sig"], "{key} sig");
        tested += !m["test"].is_empty() as usize;
        sig += !m["sig"].is_empty() as usize;
    }
    // Both tests, small groups untested, and changes both ways are exercised.
    assert!(
        expected.len() >= 80 && tested >= 50 && tested < expected.len() && sig >= 5,
        "{} rows, {tested} tested, {sig} significant",
        expected.len()
    );
    assert!(got.values().any(|g| g["test"] == "welch") && got.values().any(|g| g["sig"] == "↑") && got.values().any(|g| g["sig"] == "↓"));
    // Percent of responses is not compared (its base is selections, not people).
    assert!(!got.values().any(|g| g["measure"] == "percent_of_responses"));
}

#[test]
fn column_means_get_welch_letters() {
    let w = Workdir::new();
    two_waves(&w);
    let (h, rows) = w.csv("out/results.csv");
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (eh, expected) = reference("expected_mean_letters.csv");
    for r in &expected {
        let m: HashMap<&str, &str> = eh.iter().map(|s| s.as_str()).zip(r.iter().map(|s| s.as_str())).collect();
        let got = rows
            .iter()
            .find(|x| {
                x[col("wave")] == "2025"
                    && x[col("question")] == m["question"]
                    && x[col("banner")] == "Q1"
                    && x[col("group")] == m["group"]
                    && x[col("measure")] == "mean"
            })
            .unwrap_or_else(|| panic!("{m:?} missing"));
        close(&format!("{m:?} mean"), &got[col("value")], m["mean"]);
        assert_eq!(got[col("sig")], m["sig"], "{m:?}");
    }
    assert!(expected.iter().any(|r| !r[4].is_empty()), "the reference has letters to check");
}

/// League tables by unit against the reference: the statistics fixture with Q1 as the
/// unit, two indicators (a share, a mean), two waves. Values, bases and the tests of
/// their change are the reference's figures by Q1 group; ranks follow the values.
#[test]
fn league_tables_match_the_reference() {
    let w = Workdir::new();
    let fx = root().join("tests/fixtures/stats");
    let toml = std::fs::read_to_string(fx.join("survey.toml")).unwrap().replacen("banners = [\"Q1\"]", "banners = [\"Q1\"]\nunit = \"Q1\"", 1)
        + "\n[[indicators]]\nid = \"整治\"\nquestion = \"Q8\"\noptions = [\"是\"]\n\n[[indicators]]\nid = \"满意\"\nquestion = \"Q4\"\nmeasure = \"mean\"\n";
    w.write("survey.toml", toml);
    w.copy(fx.join("data.csv"), "in/2025/data.csv");
    w.copy(fx.join("data_2026.csv"), "in/2026/data.csv");
    w.cmd("report")
        .survey(w.path("survey.toml"))
        .input(w.path("in"))
        .args(["--charts", "none", "--doc", "none"])
        .out("out")
        .run()
        .expect_ok();
    let (h, rows) = w.csv("out/league.csv");
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (eh, expected) = reference("expected_changes.csv");
    let e = |n: &str| eh.iter().position(|x| x == n).unwrap();
    for (indicator, question, option, measure) in [("整治", "Q8", "是", "percent"), ("满意", "Q4", "", "mean")] {
        let refs: Vec<&Vec<String>> = expected
            .iter()
            .filter(|r| r[e("question")] == question && r[e("banner")] == "Q1" && r[e("option")] == option && r[e("measure")] == measure)
            .collect();
        assert_eq!(refs.len(), 3, "{indicator}");
        // Ranks from the reference values, higher is better, among the units with a base of
        // at least 30 (unweighted: the effective base); the others are listed, not ranked.
        let big = |r: &&&Vec<String>| r[e("base_to")].parse::<f64>().unwrap() >= 30.0;
        let mut order: Vec<(f64, &str)> =
            refs.iter().filter(big).map(|r| (r[e("value_to")].parse().unwrap(), r[e("group")].as_str())).collect();
        order.sort_by(|a, b| b.0.total_cmp(&a.0));
        for r in &refs {
            let g = &r[e("group")];
            let got = rows
                .iter()
                .find(|x| x[col("indicator")] == indicator && x[col("wave")] == "2026" && x[col("unit")] == *g)
                .unwrap_or_else(|| panic!("{indicator} {g}"));
            let key = format!("{indicator} {g}");
            close(&format!("{key} value"), &got[col("value")], &r[e("value_to")]);
            close(&format!("{key} base"), &got[col("base")], &r[e("base_to")]);
            close(&format!("{key} change"), &got[col("change")], &r[e("change")]);
            close(&format!("{key} statistic"), &got[col("statistic")], &r[e("statistic")]);
            close(&format!("{key} p"), &got[col("p_value")], &r[e("p_value")]);
            assert_eq!(got[col("sig")], r[e("sig")], "{key}");
            let rank = order.iter().position(|(_, u)| u == g).map(|k| (k + 1).to_string()).unwrap_or_default();
            assert_eq!(got[col("rank")], rank, "{key}");
            // Below the minimum base: listed, marked, neither ranked nor tested.
            if got[col("base")].parse::<f64>().unwrap() < 30.0 {
                assert_eq!(
                    (got[col("test")].as_str(), got[col("base_note")].as_str(), got[col("rank")].as_str()),
                    ("", "样本过少", ""),
                    "{key}"
                );
            } else {
                let (lo, hi): (usize, usize) = (got[col("rank_low")].parse().unwrap(), got[col("rank_high")].parse().unwrap());
                assert!(lo <= rank.parse().unwrap() && rank.parse::<usize>().unwrap() <= hi && hi <= order.len(), "{key} {lo}–{hi}");
            }
        }
    }
}

#[test]
fn compare_chooses_the_pair_and_explains_a_bad_one() {
    let w = Workdir::new();
    let fx = root().join("tests/fixtures/stats");
    w.copy(fx.join("data.csv"), "in/2025/data.csv");
    w.copy(fx.join("data_2026.csv"), "in/2026/data.csv");
    let run = |extra: &[&str]| {
        w.cmd("report")
            .survey(fx.join("survey.toml"))
            .input(w.path("in"))
            .args(["--charts", "none", "--doc", "none"])
            .args(extra)
            .out("out")
            .run()
    };
    for (arg, words) in [("2023:2026", "数据中没有"), ("2026", "早的年份:晚的年份"), ("2025:2025", "早的年份:晚的年份")]
    {
        let r = run(&["--compare", arg]);
        r.expect_code(2).expect_no_defect();
        assert!(r.stderr().contains(words), "{arg}: {}", r.stderr());
    }
    // Later to earlier is allowed: the change is then earlier minus later.
    run(&["--compare", "2026:2025"]).expect_ok();
    let (h, rows) = w.csv("out/changes.csv");
    let (f, t) = (h.iter().position(|x| x == "wave_from").unwrap(), h.iter().position(|x| x == "wave_to").unwrap());
    assert!(!rows.is_empty() && rows.iter().all(|r| r[f] == "2026" && r[t] == "2025"));
}

/// Weighted changes: shares on the weighted base, z-tests on the effective bases.
#[test]
fn weighted_changes_match_the_reference() {
    let w = Workdir::new();
    let fx = root().join("tests/fixtures/stats");
    w.copy(fx.join("data.csv"), "in/2025/data.csv");
    w.copy(fx.join("data_2026.csv"), "in/2026/data.csv");
    w.cmd("report")
        .survey(fx.join("survey.toml"))
        .input(w.path("in"))
        .args(["--weight", "Q9", "--charts", "none", "--doc", "none"])
        .out("out")
        .run()
        .expect_ok();
    let (h, rows) = w.csv("out/changes.csv");
    let c = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (eh, expected) = reference("expected_weighted_changes.csv");
    let e = |n: &str| eh.iter().position(|x| x == n).unwrap();
    for r in &expected {
        let got = rows
            .iter()
            .find(|x| {
                x[c("question")] == r[e("question")]
                    && x[c("banner")] == "总体"
                    && x[c("option")] == r[e("option")]
                    && x[c("measure")] == "percent"
            })
            .unwrap_or_else(|| panic!("{r:?}"));
        for f in ["value_from", "value_to", "base_from", "base_to", "statistic", "p_value"] {
            close(&format!("{} {} {f}", r[e("question")], r[e("option")]), &got[c(f)], &r[e(f)]);
        }
    }
}

#[test]
fn unit_columns_follow_the_roster() {
    let order = |w: &Workdir| unit_columns(w, "o/results.csv");
    let w = Workdir::new();
    w.cmd("report")
        .survey(fixture("survey.toml"))
        .input(fixture("wjx_text.xlsx"))
        .out("o")
        .args(["--banner", "unit", "--charts", "none", "--doc", "none"])
        .run()
        .expect_code(0);
    assert_eq!(order(&w), ["乙局", "甲局"], "without a roster: sorted");
    let units = w.write("units.csv", "单位,应收份数\n甲局,5\n丙局,5\n乙局,5\n");
    w.cmd("report")
        .survey(fixture("survey.toml"))
        .input(fixture("wjx_text.xlsx"))
        .out("o")
        .arg("--units")
        .arg(&units)
        .args(["--banner", "unit", "--charts", "none", "--doc", "none"])
        .run()
        .expect_code(0);
    assert_eq!(order(&w), ["甲局", "乙局"], "the roster's order");
}

#[test]
fn min_base_applies_to_the_effective_base() {
    let w = Workdir::new();
    // 40 党政干部 all 是, 40 事业单位人员 all 否; one 事业单位人员 weighs 100, so that group's
    // effective base is about 2 although 40 answered.
    let mut text = String::from("序号,单位,1、您的身份,5、是否开展专项整治,8、会议次数\n");
    for i in 1..=80 {
        let (who, yes) = if i <= 40 { ("党政干部", "是") } else { ("事业单位人员", "否") };
        text += &format!("{i},甲局,{who},{yes},{}\n", if i == 41 { 100 } else { 1 });
    }
    let p = w.write("d.csv", text);
    let letters = |w: &Workdir, extra: &[&str]| -> Vec<String> {
        w.cmd("report")
            .survey(fixture("survey.toml"))
            .input(&p)
            .out("o")
            .args(["--banner", "Q1", "--charts", "none", "--doc", "none"])
            .args(extra)
            .run()
            .expect_code(0);
        let (h, rows) = w.csv("o/results.csv");
        let col = |n: &str| h.iter().position(|x| x == n).unwrap();
        rows.iter()
            .filter(|r| r[col("question")] == "Q5" && r[col("banner")] == "Q1")
            .map(|r| r[col("sig")].clone())
            .filter(|s| !s.is_empty())
            .collect()
    };
    assert!(!letters(&w, &[]).is_empty(), "unweighted, the groups differ");
    assert!(letters(&w, &["--weight", "Q8"]).is_empty(), "weighted, one group's effective base is under --min-base");
}

/// The one .html file in `dir`.
fn walk_html(dir: &std::path::Path) -> std::path::PathBuf {
    crate::workdir::walk(dir).into_iter().find(|p| p.extension().is_some_and(|e| e == "html")).expect("an .html report")
}

/// The designs of tests/reference/design.py, by name, as survey.toml writes them.
const DESIGNS: [(&str, &str); 5] = [
    ("cluster", "weight = \"Q9\"\ncluster = \"unit\""),
    ("strata", "weight = \"Q9\"\nstrata = \"Q1\""),
    ("both", "strata = \"Q7\"\ncluster = \"unit\""),
    ("fpc_strata", "weight = \"Q9\"\nstrata = \"unit\"\nfpc = \"roster\""),
    ("fpc_cluster", "cluster = \"unit\"\nfpc = \"roster\""),
];

/// `report` of the design fixture with `survey` and the roster into `out/`, with `extra`
/// arguments (no charts, no documents).
fn design_report(w: &Workdir, survey: &std::path::Path, extra: &[&str]) {
    let roster = root().join("tests/fixtures/design-roster/units.csv").display().to_string();
    w.cmd("report")
        .survey(survey)
        .input(root().join("tests/fixtures/design"))
        .args(["--charts", "none", "--doc", "none", "--units", &roster])
        .args(extra)
        .out("out")
        .run()
        .expect_ok();
}

/// The survey of the statistics fixture with a `[design]` section.
fn design_survey(w: &Workdir, design: &str) -> std::path::PathBuf {
    let base = std::fs::read_to_string(root().join("tests/fixtures/stats/survey.toml")).unwrap();
    w.write("survey.toml", format!("{base}\n[design]\n{design}\n"))
}

/// Rows of a reference CSV for one design, keyed by `key` columns.
fn reference_rows(name: &str, design: &str, key: &[&str]) -> Vec<(String, HashMap<String, String>)> {
    let (h, rows) = reference(name);
    rows.into_iter()
        .map(|r| h.iter().cloned().zip(r).collect::<HashMap<String, String>>())
        .filter(|m| m["design"] == design)
        .map(|m| (key.iter().map(|k| m[*k].as_str()).collect::<Vec<_>>().join("|"), m))
        .collect()
}

/// A CSV written by the report, keyed by `key` columns (an empty banner read as 总体).
fn keyed(w: &Workdir, file: &str, key: &[&str]) -> HashMap<String, HashMap<String, String>> {
    let (h, rows) = w.csv(file);
    let mut out = HashMap::new();
    for r in rows {
        let mut m: HashMap<String, String> = h.iter().cloned().zip(r).collect();
        if m.get("banner").is_some_and(|b| b.is_empty()) {
            m.insert("banner".into(), "总体".into());
        }
        if let Some(wave) = m.get("wave_from").cloned() {
            m.insert("wave".into(), wave);
        }
        let k = key.iter().map(|k| m[*k].as_str()).collect::<Vec<_>>().join("|");
        out.insert(k, m);
    }
    out
}

/// Weighted, clustered and stratified designs against tests/reference/design.py (numpy and
/// scipy from the raw answers; itself checked against the `svy` package): every share's and
/// mean's value, standard error, design effect, logit interval and letters, every Rao–Scott
/// test and every design-based test of a change, to 1e-9.
#[test]
fn design_based_figures_match_the_reference() {
    let designs = DESIGNS;
    let fig_key = ["wave", "question", "banner", "group", "option", "measure"];
    let (mut figures, mut tests, mut changes) = (0, 0, 0);
    for (name, design) in designs {
        let w = Workdir::new();
        let survey = design_survey(&w, design);
        design_report(&w, &survey, &["--banner", "Q1", "--banner", "unit"]);
        let got = keyed(&w, "out/results.csv", &fig_key);
        for (k, want) in reference_rows("expected_design.csv", name, &fig_key) {
            let g = got.get(&k).unwrap_or_else(|| panic!("{name}: figure {k} missing"));
            for f in ["value", "se", "deff", "ci_low", "ci_high"] {
                close(&format!("{name} {k} {f}"), &g[f], &want[f]);
            }
            assert_eq!(g["sig"], want["sig"], "{name} {k} letters");
            figures += 1;
        }
        let got = keyed(&w, "out/tests.csv", &["wave", "question", "banner"]);
        for (k, want) in reference_rows("expected_design_tests.csv", name, &["wave", "question", "banner"]) {
            let g = &got[&k];
            assert_eq!(g["test"], "rao-scott-f", "{name} {k}");
            for f in ["statistic", "ndf", "ddf", "p_value"] {
                close(&format!("{name} {k} {f}"), &g[f], &want[f]);
            }
            tests += 1;
        }
        let ch_key = ["question", "banner", "group", "option", "measure"];
        let got = keyed(&w, "out/changes.csv", &ch_key);
        for (k, want) in reference_rows("expected_design_changes.csv", name, &ch_key) {
            let g = &got[&k];
            assert_eq!(g["test"], "design-z", "{name} {k}");
            for f in ["change", "statistic", "p_value"] {
                close(&format!("{name} {k} {f}"), &g[f], &want[f]);
            }
            changes += 1;
        }
    }
    assert!(figures >= 2000 && tests >= 28 && changes > 700, "{figures} figures, {tests} tests, {changes} changes");
}

/// `--where` under each of the five designs is a domain of the whole design (every cluster of
/// the wave counts, as R's subset() of a design), whole or in batches of 37 rows: the
/// figures of expected_design.csv's "<design>/where" rows; and batches change no figure.
#[test]
fn design_subsets_are_domains_whole_or_in_batches() {
    let key = ["wave", "question", "banner", "group", "option", "measure"];
    let roster = root().join("tests/fixtures/design-roster/units.csv").display().to_string();
    for (name, design) in DESIGNS {
        let w = Workdir::new();
        let survey = design_survey(&w, design);
        let want = reference_rows("expected_design.csv", &format!("{name}/where"), &key);
        assert!(want.len() >= 24);
        for (out, batch) in [("whole", None), ("batched", Some("37"))] {
            let mut cmd = w.cmd("report").survey(&survey).input(root().join("tests/fixtures/design"));
            cmd = cmd.args(["--where", "Q7=男", "--charts", "none", "--doc", "none", "--units", &roster]).out(out);
            if let Some(n) = batch {
                cmd = cmd.env("DIAOYAN_BATCH_ROWS", n);
            }
            let run = cmd.run();
            run.expect_ok();
            if name == "cluster" {
                assert!(run.stdout().contains("按 Q9 加权；抽样设计：整群 unit，标准误按 Taylor 线性化计算"), "{}", run.stdout());
            }
            let got = keyed(&w, &format!("{out}/results.csv"), &key);
            for (k, m) in &want {
                let g = got.get(k).unwrap_or_else(|| panic!("{name} {out}: {k} missing"));
                for f in ["value", "se", "deff", "ci_low", "ci_high"] {
                    close(&format!("{name} {out} {k} {f}"), &g[f], &m[f]);
                }
            }
        }
        let a = std::fs::read(w.path("whole/results.csv")).unwrap();
        let b = std::fs::read(w.path("batched/results.csv")).unwrap();
        assert!(a == b, "{name}: batches changed a design-based figure");
    }
}

/// Overall changes like for like (同口径) against tests/reference/design.py: over the
/// units in both waves together and with each unit weighted equally (a unit left after
/// 2025 and another joined in 2026).
#[test]
fn like_for_like_changes_match_the_reference() {
    let w = Workdir::new();
    w.cmd("report")
        .survey(root().join("tests/fixtures/stats/survey.toml"))
        .input(root().join("tests/fixtures/design"))
        .args(["--weight", "Q9", "--banner", "unit", "--charts", "none", "--doc", "none"])
        .out("out")
        .run()
        .expect_ok();
    let got = keyed(&w, "out/changes.csv", &["question", "banner", "option", "measure"]);
    let (h, rows) = reference("expected_like.csv");
    assert!(rows.len() >= 14);
    for r in rows {
        let m: HashMap<String, String> = h.iter().cloned().zip(r).collect();
        let k = format!("{}|总体|{}|{}", m["question"], m["option"], m["measure"]);
        let g = got.get(&k).unwrap_or_else(|| panic!("{k} missing"));
        assert_eq!(g["units_both"], m["units_both"], "{k}");
        for f in ["change_same_units", "change_equal_units"] {
            close(&format!("{k} {f}"), &g[f], &m[f]);
        }
    }
}

/// A significant overall change that only the mix of units made (each unit's share the same
/// in both waves, their sizes swapped) is flagged 构成变化; the same units' change is 0.
#[test]
fn a_change_made_by_who_took_part_is_flagged() {
    let w = Workdir::new();
    let survey = w.write(
        "survey.toml",
        "id = \"c\"\ntitle = \"c\"\n[[questions]]\nid = \"Q1\"\ntext = \"是否满意\"\nkind = \"single\"\noptions = [\"是\", \"否\"]\n",
    );
    let file = |yes: usize, no: usize| {
        let mut s = String::from("序号,1、是否满意\n");
        for i in 0..yes + no {
            s += &format!("{},{}\n", i + 1, if i < yes { "是" } else { "否" });
        }
        s
    };
    w.write("in/2025/甲单位.csv", file(80, 20));
    w.write("in/2025/乙单位.csv", file(4, 16));
    w.write("in/2026/甲单位.csv", file(16, 4));
    w.write("in/2026/乙单位.csv", file(20, 80));
    w.cmd("report")
        .survey(&survey)
        .input(w.path("in"))
        .args(["--banner", "unit", "--charts", "none", "--doc", "none"])
        .out("out")
        .run()
        .expect_ok();
    let got = keyed(&w, "out/changes.csv", &["question", "banner", "group", "option", "measure"]);
    let c = &got["Q1|总体|总体|是|percent"];
    close("overall change", &c["change"], &(30.0 - 70.0).to_string());
    assert_eq!(c["sig"], "↓");
    // Both units took part both times: the same units' change is the overall one; weighted
    // equally, nothing changed.
    close("same units", &c["change_same_units"], "-40");
    close("equal units", &c["change_equal_units"], "0");
    assert_eq!(c["composition"], "构成变化");
    // The units themselves did not change: no unit's change is flagged or significant.
    assert!(got.values().filter(|r| r["banner"] == "unit").all(|r| r["composition"].is_empty() && r["sig"].is_empty()));
}

/// The terminal says how many pairwise comparisons the letters rest on and how they were
/// adjusted: the count equals the pairs of groups with a base of 30 or more on every row
/// of results.csv that gets letters (unweighted data: the effective base is the base).
#[test]
fn the_number_of_pairwise_comparisons_is_said() {
    let w = Workdir::new();
    let fx = root().join("tests/fixtures/stats");
    let run = w
        .cmd("report")
        .survey(fx.join("survey.toml"))
        .input(fx.join("data.csv"))
        .args(["--charts", "none", "--doc", "none"])
        .out("out")
        .run();
    run.expect_ok();
    let (h, rows) = w.csv("out/results.csv");
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let mut by_row: HashMap<String, usize> = HashMap::new();
    for r in rows.iter().filter(|r| r[col("banner")] != "总体") {
        let m = r[col("measure")].as_str();
        if !["percent", "top2", "bottom2", "first_share", "mean"].contains(&m) || r[col("value")].is_empty() {
            continue;
        }
        if r[col("base")].parse::<f64>().unwrap() >= 30.0 {
            *by_row.entry(format!("{}|{}|{}|{}", r[col("question")], r[col("banner")], r[col("option")], m)).or_default() += 1;
        }
    }
    let pairs: usize = by_row.values().filter(|&&k| k >= 2).map(|k| k * (k - 1) / 2).sum();
    let lines = by_row.values().filter(|&&k| k >= 2).count();
    assert!(pairs > 20);
    let said = format!("显著性字母：{lines} 行共 {pairs} 对两两比较，每一行的全部检验作为一族做了 Bonferroni 校正");
    assert!(run.stdout().contains(&said), "{said}\n{}", run.stdout());
}

/// A `[design]` that cannot be used is refused with a message that says what to write.
#[test]
fn bad_designs_are_explained() {
    let w = Workdir::new();
    let fx = root().join("tests/fixtures/design");
    let said = |design: &str| {
        let survey = design_survey(&w, design);
        let r = w.cmd("report").survey(&survey).input(&fx).args(["--charts", "none", "--doc", "none"]).out("out").run();
        assert_ne!(r.code(), 0, "{design}");
        r.stderr()
    };
    assert!(said("cluster = \"unit\"\nfpc = \"roster\"").contains("请用 --units 给出单位名单"));
    assert!(said("cluster = \"unit\"\nfpc = \"yes\"").contains("只能是 \"roster\""));
    assert!(said("strata = \"Q1\"\nfpc = \"roster\"").contains("strata = \"unit\""));
    assert!(said("strata = \"wave\"").contains("不能是 wave"));
    assert!(said("strata = \"Q3\"").contains("多选"));
    assert!(said("weight = \"Q1\"").contains("权重必须是数值题"));
    assert!(said("clustr = \"unit\"").contains("cluster"));
    assert!(said("cluster = \"没有这一列\"").contains("[design] 中的 cluster = \"没有这一列\" 既不是问卷中的题目"));
}

/// The unit banner's groups in the order results.csv lists them.
fn unit_columns(w: &Workdir, file: &str) -> Vec<String> {
    let (h, rows) = w.csv(file);
    let (b, g) = (h.iter().position(|x| x == "banner").unwrap(), h.iter().position(|x| x == "group").unwrap());
    let mut seen: Vec<String> = Vec::new();
    for r in rows.iter().filter(|r| r[b] == "unit" && r[g] != "总体") {
        if !seen.contains(&r[g]) {
            seen.push(r[g].clone());
        }
    }
    seen
}

/// Without a roster, unit columns follow the unit question's options (the questionnaire's
/// order), not the code points of the names.
#[test]
fn unit_columns_follow_the_questionnaire_without_a_roster() {
    let w = Workdir::new();
    let ex = root().join("surveys/example");
    w.cmd("report")
        .survey(ex.join("survey.toml"))
        .input(&ex)
        .args(["--banner", "unit", "--charts", "none", "--doc", "none"])
        .out("o")
        .run()
        .expect_ok();
    let survey = diaoyan::survey::Survey::load(&ex.join("survey.toml")).unwrap();
    let q = survey.question(survey.unit.as_deref().unwrap()).unwrap();
    let options: Vec<String> = q.options.iter().map(|o| o.text().to_string()).collect();
    let seen = unit_columns(&w, "o/results.csv");
    let want: Vec<String> = options.iter().filter(|o| seen.contains(o)).cloned().collect();
    assert!(seen.len() >= 10);
    assert_eq!(seen, want);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_ne!(seen, sorted, "the example's units are not in code-point order");
}

/// With a `[design]`, a unit's change in a league table is the design-based test of
/// changes.csv's unit groups: against tests/reference/design.py's figures for the units'
/// share choosing 是 (Q8) and mean satisfaction (Q4), five designs.
#[test]
fn league_changes_under_a_design_match_the_reference() {
    let designs = DESIGNS;
    let indicators = "[[indicators]]\nid = \"整治\"\nquestion = \"Q8\"\noptions = [\"是\"]\n\n[[indicators]]\nid = \"满意\"\nquestion = \"Q4\"\nmeasure = \"mean\"\n";
    let mut checked = 0;
    for (name, design) in designs {
        let w = Workdir::new();
        let base = std::fs::read_to_string(root().join("tests/fixtures/stats/survey.toml")).unwrap();
        let survey = w.write("survey.toml", format!("{base}\n{indicators}\n[design]\n{design}\n"));
        design_report(&w, &survey, &[]);
        let got = keyed(&w, "out/league.csv", &["indicator", "wave", "unit"]);
        for (k, want) in reference_rows("expected_design_changes.csv", name, &["question", "banner", "group", "option", "measure"]) {
            let indicator = match (want["question"].as_str(), want["banner"].as_str(), want["option"].as_str(), want["measure"].as_str()) {
                ("Q8", "unit", "是", "percent") => "整治",
                ("Q4", "unit", "", "mean") => "满意",
                _ => continue,
            };
            let g = got.get(&format!("{indicator}|2026|{}", want["group"])).unwrap_or_else(|| panic!("{name} {k}"));
            assert_eq!(g["test"], "design-z", "{name} {k}");
            for f in ["change", "statistic", "p_value"] {
                close(&format!("{name} {k} {f}"), &g[f], &want[f]);
            }
            checked += 1;
        }
    }
    assert!(checked >= 34, "{checked}");
}

/// The Rao–Scott test does not depend on which variable is the banner: Q2 × Q8 and Q8 × Q2
/// give the same F, degrees of freedom and p, in every wave and design.
#[test]
fn the_design_based_test_is_symmetric() {
    for (name, design) in DESIGNS {
        let w = Workdir::new();
        let survey = design_survey(&w, design);
        design_report(&w, &survey, &["--banner", "Q2", "--banner", "Q8"]);
        let got = keyed(&w, "out/tests.csv", &["wave", "question", "banner"]);
        for wave in ["2025", "2026"] {
            let (a, b) = (&got[&format!("{wave}|Q2|Q8")], &got[&format!("{wave}|Q8|Q2")]);
            assert_eq!(a["test"], "rao-scott-f", "{name}");
            for f in ["statistic", "ndf", "ddf", "p_value"] {
                close(&format!("{name} {wave} {f}"), &a[f], &b[f]);
            }
        }
    }
}
