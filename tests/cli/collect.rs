//! The collection round trip: templates are generated, filled programmatically with
//! known answers and the mistakes people make, imported strictly, and counted.

use crate::workdir::{fixture, Workdir};
use calamine::{open_workbook_auto, Reader};
use diaoyan::clean::ledger::{Action, Problem};
use diaoyan::clean::{import, ImportOptions};
use diaoyan::survey::Survey;

use rust_xlsxwriter::Workbook;
use std::path::{Path, PathBuf};

/// Fills a generated template the way a unit would: same sheets and metadata, answers
/// typed into the response sheet. `header_edit` changes one header (a mistake).
fn fill(template: &Path, out: &Path, rows: &[Vec<&str>], header_edit: Option<(&str, &str)>, meta_edit: Option<(&str, &str)>) {
    let mut wb = open_workbook_auto(template).unwrap();
    let resp = wb.worksheet_range("答卷").unwrap();
    let meta = wb.worksheet_range("_diaoyan").unwrap();
    let mut headers: Vec<String> = resp.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    if let Some((from, to)) = header_edit {
        let h = headers.iter_mut().find(|h| *h == from).unwrap();
        *h = to.to_string();
    }
    let mut book = Workbook::new();
    book.add_worksheet().set_name("填写说明").unwrap();
    let ws = book.add_worksheet();
    ws.set_name("答卷").unwrap();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        ws.write_number(r as u32 + 1, 0, (r + 1) as f64).unwrap();
        for (c, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            match v.parse::<f64>() {
                Ok(x) => ws.write_number(r as u32 + 1, c as u16 + 1, x).unwrap(),
                Err(_) => ws.write_string(r as u32 + 1, c as u16 + 1, *v).unwrap(),
            };
        }
    }
    let ws = book.add_worksheet();
    ws.set_name("_diaoyan").unwrap();
    for (r, row) in meta.rows().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let mut v = v.to_string();
            if let Some((key, val)) = meta_edit {
                if c == 1 && row[0] == key {
                    v = val.to_string();
                }
            }
            ws.write_string(r as u32, c as u16, &v).unwrap();
        }
    }
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    book.save(out).unwrap();
}

/// The roster every template test uses: three units, and two names that must not
/// escape the output folder.
const ROSTER: &str = "单位,应收份数\n甲局,3\n乙局,2\n丙局,1\n../etc,1\nCON,1\n";

/// Templates generated for [`ROSTER`] in `w/tpl`, and returned in `w/back`: 甲局 with two
/// good answers, one row of mistakes and a changed header; 乙局 empty; 丙局 a template of
/// another version. Returns the survey and the returned files.
fn returned_templates(w: &Workdir) -> (PathBuf, Vec<PathBuf>) {
    w.write("units.csv", ROSTER);
    let sv = fixture("survey.toml");
    w.cmd("template").survey(&sv).args(["--units", "units.csv"]).out("tpl").run().expect_ok();
    let mut wb = open_workbook_auto(w.path("tpl/甲局.xlsx")).unwrap();
    let headers: Vec<String> = wb.worksheet_range("答卷").unwrap().rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let cols = &headers[1..];
    let row = |pairs: &[(&str, &'static str)]| -> Vec<&'static str> {
        cols.iter().map(|h| pairs.iter().find(|(k, _)| k == h).map(|(_, v)| *v).unwrap_or("")).collect()
    };
    let rows = vec![
        row(&[
            ("Q1 您的身份", "党政干部"),
            ("Q2/会议多", "是"),
            ("Q2/检查多", "是"),
            ("Q2/材料多", "否"),
            ("Q3/三会一课", "4分"),
            ("Q3/主题党日", "5分"),
            ("Q4/精简会议", "1"),
            ("Q4/规范检查", "2"),
            ("Q4/减少报表", "3"),
            ("Q5 是否开展专项整治", "是"),
            ("Q6 整治效果", "较好"),
            ("Q7 意见建议", "少开会"),
            ("Q8 会议次数", "8"),
        ]),
        row(&[
            ("Q1 您的身份", "其他【请注明】"),
            ("Q1/其他【请注明】/注明", "退休返聘"),
            ("Q2/材料多", "是"),
            ("Q2/其他【请注明】", "是"),
            ("Q2/其他【请注明】/注明", "打卡"),
            ("Q3/三会一课", "3分"),
            ("Q4/规范检查", "1"),
            ("Q5 是否开展专项整治", "否"),
            ("Q8 会议次数", "12"),
        ]),
        row(&[
            ("Q1 您的身份", "A"),
            ("Q2/会议多", "对"),
            ("Q3/三会一课", "６分"),
            ("Q5 是否开展专项整治", "是"),
            ("Q6 整治效果", "非常好"),
            ("Q8 会议次数", "七次"),
        ]),
    ];
    fill(&w.path("tpl/甲局.xlsx"), &w.path("back/甲局.xlsx"), &rows, Some(("Q7 意见建议", "建议")), None);
    fill(&w.path("tpl/乙局.xlsx"), &w.path("back/乙局.xlsx"), &[], None, None);
    fill(&w.path("tpl/丙局.xlsx"), &w.path("back/丙局.xlsx"), &[row(&[("Q1 您的身份", "党政干部")])], None, Some(("survey_version", "2")));
    (sv, vec![w.path("back/甲局.xlsx"), w.path("back/乙局.xlsx"), w.path("back/丙局.xlsx")])
}

#[test]
fn templates_have_dropdowns_locked_headers_and_hidden_metadata() {
    let w = Workdir::new();
    w.write("units.csv", ROSTER);
    w.cmd("template").survey(fixture("survey.toml")).args(["--units", "units.csv"]).out("tpl").run().expect_ok();
    let mut names: Vec<String> =
        std::fs::read_dir(w.path("tpl")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    names.sort();
    assert_eq!(names, ["_CON.xlsx", "_etc.xlsx", "丙局.xlsx", "乙局.xlsx", "甲局.xlsx"], "unit names stay inside the folder");
    let mut wb = open_workbook_auto(w.path("tpl/甲局.xlsx")).unwrap();
    assert_eq!(wb.sheet_names(), ["填写说明", "答卷", "选项", "_diaoyan"]);
    let headers: Vec<String> = wb.worksheet_range("答卷").unwrap().rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(headers[..4], ["序号", "Q1 您的身份", "Q1/其他【请注明】/注明", "Q2/会议多"]);
    let bytes = std::fs::read(w.path("tpl/甲局.xlsx")).unwrap();
    let mut z = ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut sheet2 = String::new();
    std::io::Read::read_to_string(&mut z.by_name("xl/worksheets/sheet2.xml").unwrap(), &mut sheet2).unwrap();
    assert!(sheet2.contains("<dataValidation") && sheet2.contains("选项!$A$1"), "dropdowns point at the list sheet");
    assert!(sheet2.contains("<sheetProtection"), "header locked");
    let mut book = String::new();
    std::io::Read::read_to_string(&mut z.by_name("xl/workbook.xml").unwrap(), &mut book).unwrap();
    assert!(book.contains("veryHidden"), "metadata sheet hidden");
}

#[test]
fn returned_templates_are_read_strictly() {
    let w = Workdir::new();
    let (sv, files) = returned_templates(&w);
    let s = Survey::load(&sv).unwrap();
    let imp = import(&s, &files, &ImportOptions::default(), &|_| {});
    assert_eq!(imp.failed_files(), 1);
    assert!(imp.files[2].error.as_ref().unwrap().contains("第 2 版"), "{:?}", imp.files[2].error);
    assert_eq!((imp.rows_read, imp.rows_kept), (3, 3));
    let df = &diaoyan::clean::readable(&s, &imp.frame);
    let col = |n: &str| -> Vec<String> {
        df.column(n)
            .unwrap()
            .as_materialized_series()
            .iter()
            .map(|v| if v.is_null() { String::new() } else { v.to_string().trim_matches('"').to_string() })
            .collect()
    };
    assert_eq!(col("unit"), ["甲局"; 3], "unit from the template's metadata");
    assert_eq!(col("Q1"), ["党政干部", "其他【请注明】", ""]);
    assert_eq!(col("Q1/其他【请注明】/注明"), ["", "退休返聘", ""]);
    assert_eq!(col("Q2/会议多"), ["true", "false", ""]);
    assert_eq!(col("Q2/其他【请注明】/注明"), ["", "打卡", ""]);
    assert_eq!(col("Q3/三会一课"), ["4.0", "3.0", ""], "full-width ６分 is not in the list: not converted");
    assert_eq!(col("Q4/规范检查"), ["2", "1", ""]);
    assert_eq!(col("Q6"), ["4.0", "", ""]);
    assert_eq!(col("Q7"), ["", "", ""], "the changed column is not read");
    assert_eq!(col("Q8"), ["8.0", "12.0", ""]);
    let mut ledger: Vec<(String, Option<u32>, String, Problem, Action)> = imp
        .issues
        .iter()
        .filter(|i| i.file.ends_with("甲局.xlsx"))
        .map(|i| (i.question.clone().unwrap_or_default(), i.row, i.column_letter(), i.problem, i.action))
        .collect();
    ledger.sort_by_key(|x| (x.1, x.2.clone()));
    ledger.sort_by_key(|x| x.1);
    let want: Vec<(String, Option<u32>, String, Problem, Action)> = vec![
        // The changed header, and so a question with no column.
        ("Q7".into(), Some(1), "".into(), Problem::MissingColumn, Action::SetMissing),
        ("".into(), Some(1), "P".into(), Problem::HeaderChanged, Action::ColumnIgnored),
        ("Q1".into(), Some(4), "B".into(), Problem::UnknownOption, Action::SetMissing),
        ("Q2".into(), Some(4), "D".into(), Problem::BadFlag, Action::SetMissing),
        ("Q3".into(), Some(4), "I".into(), Problem::UnknownOption, Action::SetMissing),
        ("Q6".into(), Some(4), "O".into(), Problem::UnknownOption, Action::SetMissing),
        ("Q8".into(), Some(4), "Q".into(), Problem::NotANumber, Action::SetMissing),
    ];
    assert_eq!(ledger, want);
}

#[test]
fn returns_are_counted_per_unit_by_status_and_report() {
    let w = Workdir::new();
    let (sv, _) = returned_templates(&w);
    // status: per unit against the roster; the empty template counts as returned.
    let r = w.cmd("status").survey(&sv).args(["--units", "units.csv", "back"]).out("status.xlsx").run();
    r.expect_code(1);
    let out = r.stdout();
    assert!(out.contains("共发放8份，回收3份，有效问卷3份，有效回收率37.5%"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("乙局") && l.contains("交回空表")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("丙局") && l.contains("未交")), "{out}");
    let mut st = open_workbook_auto(w.path("status.xlsx")).unwrap();
    let t = st.worksheet_range("回收情况").unwrap();
    let jia = t.rows().find(|r| r[0] == "甲局").unwrap().to_vec();
    assert_eq!((jia[1].to_string(), jia[2].to_string(), jia[3].to_string()), ("3".into(), "3".into(), "3".into()));
    assert_eq!(jia[4], calamine::Data::Float(1.0));
    // report --units puts the same table and sentence on the overview.
    let r = w.cmd("report").survey(&sv).args(["--units", "units.csv", "back", "--charts", "none", "--doc", "none"]).out("rep").run();
    r.expect_code(1);
    assert!(r.stdout().contains("有效回收率37.5%"));
    let mut rb = open_workbook_auto(w.path("rep/fixture.xlsx")).unwrap();
    let ov = rb.worksheet_range("概览").unwrap();
    assert!(ov.rows().any(|r| r.iter().any(|c| c.to_string().contains("共发放8份"))));
    let (_, issues) = w.csv("rep/issues.csv");
    assert!(issues.iter().any(|r| r[6] == "不是本问卷的填报表"));
}

/// A roster with a column per year: a unit left blank in a year was not surveyed then (not
/// 未交), each year's expected count is that year's; the example's 2024 has no 区统计局,
/// and the written report names the unit that returned nothing.
#[test]
fn a_roster_per_year_counts_each_year_against_its_own_list() {
    let w = Workdir::new();
    let ex = crate::workdir::root().join("surveys/example");
    let r = w.cmd("status").survey(ex.join("survey.toml")).arg("--units").arg(ex.join("units.csv")).input(&ex).out("status.xlsx").run();
    let out = r.stdout();
    // Expected per year from units.csv's 2024/2025/2026 columns (区统计局 blank in 2024).
    let roster = std::fs::read_to_string(ex.join("units.csv")).unwrap();
    let lines: Vec<Vec<&str>> = roster.lines().skip(1).map(|l| l.split(',').collect()).collect();
    for (k, wave) in ["2024", "2025", "2026"].iter().enumerate() {
        let expected: u32 = lines.iter().filter_map(|l| l[2 + k].parse::<u32>().ok()).sum();
        assert!(out.contains(&format!("{wave}：共发放{expected}份")), "{wave} {expected}\n{out}");
    }
    let mut st = open_workbook_auto(w.path("status.xlsx")).unwrap();
    let names = st.sheet_names();
    let sheet_2024 = names.iter().find(|n| n.contains("2024")).expect("a 2024 sheet").clone();
    let t = st.worksheet_range(&sheet_2024).unwrap();
    assert!(!t.rows().any(|r| r[0] == "区统计局"), "not surveyed in 2024: not on its list");
    assert!(t.rows().any(|r| r[0] == "区审计局"), "surveyed, returned nothing");
    let rep = w
        .cmd("report")
        .survey(ex.join("survey.toml"))
        .arg("--units")
        .arg(ex.join("units.csv"))
        .input(&ex)
        .args(["--charts", "none", "--doc", "html"])
        .out("rep")
        .run();
    rep.expect_ok();
    let html = std::fs::read_to_string(w.path("rep/形式主义调查.html")).unwrap();
    assert!(html.contains("未交回问卷的单位：区审计局"), "the report names the unit that returned nothing");
}
