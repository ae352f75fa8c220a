//! Every figure of `report` against the independent reference computed by
//! tests/reference/reference.py (pandas, scipy, statsmodels), to 1e-9.

use crate::workdir::{read_csv, root, Workdir};
use std::collections::HashMap;

fn reference(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let path = root().join("tests/reference").join(name);
    let mut r = csv::Reader::from_path(&path).unwrap();
    let h = r.headers().unwrap().iter().map(|s| s.to_string()).collect();
    (h, r.records().map(|x| x.unwrap().iter().map(|s| s.to_string()).collect()).collect())
}

fn report(w: &Workdir, extra: &[&str]) -> (HashMap<String, HashMap<String, String>>, Vec<HashMap<String, String>>) {
    let fx = root().join("tests/fixtures/stats");
    let mut args = vec!["report".to_string(), "-s".into(), fx.join("survey.toml").display().to_string(), fx.join("data.csv").display().to_string(), "-o".into(), "out".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    w.run(&args).expect_code(0);
    let (h, rows) = read_csv(&w.path("out/results.csv"));
    let mut by = HashMap::new();
    for r in rows {
        let m: HashMap<String, String> = h.iter().cloned().zip(r).collect();
        let key = format!("{}|{}|{}|{}|{}", m["question"], m["banner"], m["group"], m["option"], m["measure"]);
        assert!(by.insert(key.clone(), m).is_none(), "duplicate figure {key}");
    }
    let (h, rows) = read_csv(&w.path("out/tests.csv"));
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
    }
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
    let base = ["report".to_string(), "-s".into(), fx.join("survey.toml").display().to_string(), fx.join("data.csv").display().to_string(), "-o".into(), "o".into()];
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
        assert!(!r.stderr().contains("panicked"));
    }
}
