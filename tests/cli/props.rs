//! Property tests: whatever the cells hold, the import never panics and every row read
//! is either kept or rejected.

use crate::workdir::fixture;
use diaoyan::clean::{import, ImportOptions};
use diaoyan::survey::Survey;
use proptest::prelude::*;

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("(跳过)".to_string()),
        Just("(空)".to_string()),
        Just("合计".to_string()),
        Just("党政干部".to_string()),
        Just("会议多┋其他【请注明】〖x〗".to_string()),
        Just("精简会议→减少报表".to_string()),
        Just("4分".to_string()),
        "[A-Ea-e、,]{0,4}",
        "-?[0-9]{1,3}",
        "\\PC{0,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn rows_read_equal_kept_plus_rejected(rows in prop::collection::vec(prop::collection::vec(cell(), 9), 0..25), dup_ids in any::<bool>()) {
        let s = Survey::load(&fixture("survey.toml")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut csv = String::from("序号,1、您的身份,2、形式主义表现,3、制度落实情况—三会一课,主题党日,4、减负措施排序,5、是否开展专项整治,6、整治效果,8、会议次数,单位\n");
        for (i, r) in rows.iter().enumerate() {
            let id = if dup_ids { i / 2 } else { i };
            let quoted: Vec<String> = r.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
            csv += &format!("{id},{},甲局\n", quoted.join(","));
        }
        let path = dir.path().join("p.csv");
        std::fs::write(&path, csv).unwrap();
        let imp = import(&s, &[path], &ImportOptions::default(), &|_| {});
        prop_assert_eq!(imp.rows_read, imp.rows_kept + imp.rows_rejected);
        prop_assert_eq!(imp.frame.height(), imp.rows_kept);
        prop_assert_eq!(imp.rows_read + imp.blank_rows, rows.len());
        // Single-choice answers are options of the question, or missing.
        let table = diaoyan::clean::readable(&s, &imp.frame);
        let q1 = table.column("Q1").unwrap().str().unwrap().clone();
        for v in q1.iter().flatten() {
            prop_assert!(s.questions[0].find_option(v).is_some(), "{}", v);
        }
    }
}

/// Damaged workbooks (bytes flipped at fixed, seeded places): every file is either read
/// or reported, the row count identity holds, and no reader panics (a panic of calamine,
/// caught in ingest, shows as "读取时出错"; one of ours would fail the test outright).
#[test]
fn damaged_workbooks_never_panic() {
    let s = Survey::load(&fixture("survey.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut seed: u64 = 7;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (k, name) in ["wjx_text.xls", "wjx_text.xlsx", "unit_messy.ods", "wjx_code.xls"].iter().cycle().take(48).enumerate() {
        let mut bytes = std::fs::read(fixture(name)).unwrap();
        let flips = [1, 4, 32][k % 3];
        for _ in 0..flips {
            let i = (next() % bytes.len() as u64) as usize;
            bytes[i] = next() as u8;
        }
        let path = dir.path().join(format!("m{k}-{name}"));
        std::fs::write(&path, bytes).unwrap();
        let imp = import(&s, &[path], &ImportOptions::default(), &|_| {});
        assert_eq!(imp.rows_read, imp.rows_kept + imp.rows_rejected, "{name} #{k}");
        assert!(imp.files[0].error.as_deref().is_none_or(|e| !e.contains("读取时出错")), "{name} #{k}: a reader panicked");
    }
}
