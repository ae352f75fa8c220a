//! Readers and cleaning on fixtures of every input shape, and on the real exports.

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

/// The table as strings by column name, for the columns `keep` accepts.
fn table(df: &DataFrame, keep: impl Fn(&str) -> bool) -> Vec<(String, Vec<String>)> {
    df.columns()
        .iter()
        .filter(|c| keep(c.name().as_str()))
        .map(|c| {
            let vals = (0..df.height())
                .map(|i| match c.get(i).unwrap() {
                    AnyValue::Null => String::new(),
                    v => v.to_string().trim_matches('"').to_string(),
                })
                .collect();
            (c.name().to_string(), vals)
        })
        .collect()
}

fn answers(c: &str) -> bool {
    c.starts_with('Q')
}

fn col<'a>(t: &'a [(String, Vec<String>)], name: &str) -> &'a [String] {
    &t.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no column {name}")).1
}

#[test]
fn every_text_export_format_gives_the_same_table() {
    let s = survey();
    let base = run(&s, &[fixture("wjx_text.xlsx")]);
    assert_eq!((base.rows_read, base.rows_kept, base.rows_rejected), (6, 6, 0));
    let want = table(&base.frame, |c| c != "source_file" && c != "source_sheet");
    for f in ["wjx_text.xls", "wjx_text.ods", "wjx_text_utf8.csv", "wjx_text_bom.csv", "wjx_text_gbk.csv"] {
        let got = run(&s, &[fixture(f)]);
        assert_eq!(got.failed_files(), 0, "{f}");
        assert_eq!(table(&got.frame, |c| c != "source_file" && c != "source_sheet"), want, "{f}");
    }
}

#[test]
fn text_export_values_are_read_exactly() {
    let t = table(&run(&survey(), &[fixture("wjx_text.xlsx")]).frame, |_| true);
    assert_eq!(col(&t, "unit"), ["甲局", "甲局", "乙局", "乙局", "乙局", "甲局"]);
    assert_eq!(col(&t, "respondent"), ["1", "2", "3", "4", "5", "6"]);
    assert_eq!(col(&t, "source_row"), ["2", "3", "4", "5", "6", "7"]);
    assert_eq!(col(&t, "Q1"), ["党政干部", "事业单位人员", "其他【请注明】", "党政干部", "事业单位人员", "党政干部"]);
    assert_eq!(col(&t, "Q1/其他【请注明】/注明")[2], "退休返聘");
    // Multi: one boolean per option; a blank answer is missing for every option.
    assert_eq!(col(&t, "Q2/会议多"), ["true", "false", "false", "true", "", "true"]);
    assert_eq!(col(&t, "Q2/其他【请注明】"), ["false", "true", "false", "false", "", "false"]);
    assert_eq!(col(&t, "Q2/其他【请注明】/注明")[1], "打卡");
    // Matrix rows hold scores; `(空)` is missing.
    assert_eq!(col(&t, "Q3/三会一课"), ["4.0", "3.0", "5.0", "2.0", "1.0", "4.0"]);
    assert_eq!(col(&t, "Q3/主题党日")[4], "");
    // Rank: position in the `→` list; unranked options are missing.
    assert_eq!(col(&t, "Q4/精简会议"), ["1", "2", "", "1", "", "3"]);
    assert_eq!(col(&t, "Q4/减少报表"), ["3", "", "1", "2", "", "2"]);
    // Scale behind skip logic: `(跳过)` is outside the base.
    assert_eq!(col(&t, "Q6"), ["4.0", "", "5.0", "3.0", "", "2.0"]);
    assert_eq!(col(&t, "Q7"), ["少开会", "", "", "多调研", "", ""]);
    assert_eq!(col(&t, "Q8"), ["8.0", "12.0", "3.0", "0.0", "5.0", "20.0"]);
}

#[test]
fn code_export_matches_text_export() {
    let s = survey();
    let text = run(&s, &[fixture("wjx_text.xlsx")]);
    let keep = |c: &str| answers(c) && !c.ends_with("/注明");
    let want = table(&text.frame, keep);
    for f in ["wjx_code.xlsx", "wjx_code.xls"] {
        let got = run(&s, &[fixture(f)]);
        assert_eq!(table(&got.frame, keep), want, "{f}");
        // The code export marks a skipped question -3: no ledger entry for it.
        assert!(got.issues.iter().all(|i| i.problem == Problem::RequiredMissing), "{:?}", got.issues);
    }
}

#[test]
fn real_wjx_exports_give_identical_tables() {
    let w = Workdir::new();
    w.cmd("init").input(wjx("text-export-800.xls")).input(wjx("code-export-800.xls")).out("s.toml").run().expect_code(0);
    for (f, out) in [("text-export-800.xls", "t/clean.csv"), ("code-export-800.xls", "c/clean.csv")] {
        let r = w.run(["import", "-s", "s.toml", wjx(f).to_str().unwrap(), "-o", out]);
        r.expect_code(0);
        assert!(r.stdout().contains("读取答卷 800 行 = 保留 800 行 + 剔除 0 行"), "{}", r.stdout());
    }
    let (ht, rt) = w.csv("t/clean.csv");
    let (hc, rc) = w.csv("c/clean.csv");
    assert_eq!(ht, hc);
    assert_eq!(rt.len(), 800);
    let cols: Vec<usize> = ht.iter().enumerate().filter(|(_, h)| h.starts_with('Q') && !h.ends_with("/注明")).map(|(i, _)| i).collect();
    assert_eq!(cols.len(), 30, "8 questions: 6 single + 2 multi of 14 and 10 options");
    let mut answered = 0;
    for (a, b) in rt.iter().zip(&rc) {
        for &c in &cols {
            assert_eq!(a[c], b[c], "respondent {} column {}", a[2], ht[c]);
            answered += !a[c].is_empty() as usize;
        }
    }
    assert_eq!(answered, 800 * 30, "every respondent answered every question");
    // Spot checks against the source cells (row 2 of both files).
    let q = |name: &str| ht.iter().position(|h| h == name).unwrap();
    assert_eq!(rt[0][q("Q2")], "3000-3499元");
    assert_eq!(rt[0][q("Q6/运动")], "1");
    assert_eq!(rt[0][q("Q6/阅读")], "0");
    // The other-texts exist only in the text export.
    let other = q("Q2/其他【请注明】/注明");
    let texts: Vec<&str> = rt.iter().map(|r| r[other].as_str()).filter(|s| !s.is_empty()).collect();
    assert_eq!(texts, ["我妈买的。", "亲友赠送的"]);
}

#[test]
fn messy_unit_workbooks_in_every_format() {
    let s = survey();
    let mut first: Option<Vec<(String, Vec<String>)>> = None;
    for f in ["unit_messy.xlsx", "unit_messy.xls", "unit_messy.ods"] {
        let imp = run(&s, &[fixture(f)]);
        assert_eq!((imp.rows_read, imp.rows_kept, imp.rows_rejected, imp.blank_rows), (7, 5, 2, 1), "{f}");
        let t = table(&imp.frame, |c| c != "source_file" && c != "source_sheet");
        assert_eq!(col(&t, "unit"), ["丙局"; 5], "{f}: unit from the 单位 column");
        // Letters, full-width letters, trailing spaces, a vertical merge.
        assert_eq!(col(&t, "Q1"), ["党政干部", "事业单位人员", "党政干部", "党政干部", "事业单位人员"], "{f}");
        assert_eq!(col(&t, "Q2/会议多"), ["true", "true", "true", "true", "false"], "{f}");
        assert_eq!(col(&t, "Q2/材料多"), ["false", "true", "true", "false", "false"], "{f}");
        assert_eq!(col(&t, "Q2/其他【请注明】/注明")[3], "打卡多", "{f}");
        assert_eq!(col(&t, "Q3/三会一课"), ["4.0", "3.0", "", "5.0", "2.0"], "{f}: ３分 read, 6 rejected");
        assert_eq!(col(&t, "Q4/规范检查"), ["2", "1", "", "", ""], "{f}: letters in rank order");
        assert_eq!(col(&t, "Q5"), ["是", "是", "否", "是", "否"], "{f}");
        assert_eq!(col(&t, "Q8"), ["6.0", "", "10.0", "2.0", "4.0"], "{f}");
        let mut ledger: Vec<(Option<u32>, String, Problem, Action)> =
            imp.issues.iter().map(|i| (i.row, i.column_letter(), i.problem, i.action)).collect();
        ledger.sort_by_key(|x| (x.0, x.1.clone()));
        let want = vec![
            (Some(3), "D".into(), Problem::LetterAnswer, Action::Converted),
            (Some(3), "G".into(), Problem::LetterAnswer, Action::Converted),
            (Some(3), "L".into(), Problem::UnknownColumn, Action::ColumnIgnored),
            (Some(4), "C".into(), Problem::LetterAnswer, Action::Converted),
            (Some(5), "C".into(), Problem::LetterAnswer, Action::Converted),
            (Some(5), "K".into(), Problem::NotANumber, Action::SetMissing),
            (Some(6), "E".into(), Problem::OutOfRange, Action::SetMissing),
            (Some(7), "D".into(), Problem::OtherAsText, Action::AsOther),
            (Some(9), "H".into(), Problem::LetterAnswer, Action::Converted),
            (Some(10), "".into(), Problem::DuplicateId, Action::RowRejected),
            (Some(10), "H".into(), Problem::LetterAnswer, Action::Converted),
            (Some(11), "A".into(), Problem::TotalsRow, Action::RowRejected),
        ];
        assert_eq!(ledger, want, "{f}");
        match &first {
            Some(t0) => assert_eq!(&t, t0, "{f} differs from xlsx"),
            None => first = Some(t),
        }
    }
}

#[test]
fn many_files_at_once_keep_order_and_count_rows() {
    let s = survey();
    let files: Vec<PathBuf> = ["wjx_text.xlsx", "unit_messy.xlsx", "garbage.xlsx", "wjx_text_gbk.csv"].iter().map(|f| fixture(f)).collect();
    let imp = run(&s, &files);
    assert_eq!(imp.failed_files(), 1);
    // wjx_text_gbk.csv is the same export as wjx_text.xlsx (same 序号 and submit times):
    // its rows are the same respondents, rejected as such.
    assert_eq!(imp.rows_read, 6 + 7 + 6);
    assert_eq!(imp.rows_read, imp.rows_kept + imp.rows_rejected);
    assert_eq!(imp.frame.height(), imp.rows_kept);
    let dups = imp.issues.iter().filter(|i| i.problem == Problem::DuplicateId).count();
    assert_eq!(dups, 1);
    let same: Vec<_> = imp.issues.iter().filter(|i| i.problem == Problem::DuplicateRespondent).collect();
    assert_eq!(same.len(), 6);
    assert!(same.iter().all(|i| i.file.ends_with("wjx_text_gbk.csv") && i.value.contains("wjx_text.xlsx 第")), "{same:?}");
    assert_eq!(imp.duplicate_respondents(), 6);
    let t = table(&imp.frame, |c| c == "source_file");
    assert!(t[0].1[0].ends_with("wjx_text.xlsx"));
    assert!(t[0].1.last().unwrap().ends_with("unit_messy.xlsx"));
}

#[test]
fn wave_from_option_or_folder() {
    let s = survey();
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("2024年")).unwrap();
    w.copy(fixture("wjx_text.xlsx"), "2024年/a.xlsx");
    let imp = run(&s, &[w.path("2024年/a.xlsx")]);
    assert_eq!(table(&imp.frame, |c| c == "wave")[0].1[0], "2024");
    let imp = import(&s, &[w.path("2024年/a.xlsx")], &ImportOptions { wave: Some("二期".into()), ..ImportOptions::default() }, &|_| {});
    assert_eq!(table(&imp.frame, |c| c == "wave")[0].1[0], "二期");
}

#[test]
fn writes_csv_with_bom_parquet_and_ledger() {
    let w = Workdir::new();
    let sv = fixture("survey.toml");
    let r = w.cmd("import").survey(&sv).input(fixture("unit_messy.xlsx")).out("out/clean.parquet").run();
    r.expect_code(0);
    assert!(r.stdout().contains("读取答卷 7 行 = 保留 5 行 + 剔除 2 行"), "{}", r.stdout());
    assert!(r.stdout().contains("有效答卷共 5 份"));
    assert!(r.stderr().contains("填表人电话"), "unknown column reported: {}", r.stderr());
    let f = std::fs::File::open(w.path("out/clean.parquet")).unwrap();
    let df = ParquetReader::new(f).finish().unwrap();
    assert_eq!(df.height(), 5);
    assert_eq!(df.column("Q2/会议多").unwrap().dtype(), &DataType::Boolean);
    assert_eq!(df.column("Q4/精简会议").unwrap().dtype(), &DataType::Int32);
    let (h, rows) = w.csv("out/issues.csv");
    assert_eq!(h, ["文件", "工作表", "行", "列", "题目", "原始值", "问题", "处理"]);
    assert_eq!(rows.len(), 12);
    assert!(rows.iter().any(|r| r[6] == "合计、统计或平均值等汇总行，不是答卷" && r[7] == "整行剔除" && r[2] == "11"));
    // No temporary files are left behind.
    let names: Vec<String> =
        std::fs::read_dir(w.path("out")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    assert_eq!(names.len(), 4, "clean, issues, columns and the manifest only: {names:?}");
}

/// A 问卷星 text export of `n` answers made from the fixture's rows, with problems
/// placed on both sides of the 4,096-row chunk boundaries: a totals row, an unknown
/// option, a blank row and a repeated submission.
fn long_export(path: &std::path::Path, n: u32) -> Vec<u32> {
    use calamine::Reader;
    let mut src = calamine::open_workbook_auto(fixture("wjx_text.xlsx")).unwrap();
    let sheet = src.worksheet_range("Sheet1").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let (header, answers) = (&rows[0], &rows[1..]);
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    // Excel rows (1-based) of the planted problems.
    let (totals, bad, blank, repeat) = (4097u32, 4098u32, 8193u32, 8194u32);
    let mut r = 1u32;
    for i in 0..n {
        let excel_row = r + 1;
        if excel_row == blank {
            r += 1;
        }
        let excel_row = r + 1;
        let mut row = answers[i as usize % answers.len()].clone();
        row[0] = (i + 1).to_string();
        row[1] = format!("2025/6/1 {:02}:{:02}:{:02}", (i / 3600) % 24, (i / 60) % 60, i % 60);
        if excel_row == totals {
            // Counts under the answers, as a hand-made total would have.
            row = vec!["合计".to_string()];
            row.extend((1..header.len()).map(|c| if c >= 7 { "4096".to_string() } else { String::new() }));
        } else if excel_row == bad {
            row[12] = "也许".into(); // 5、是否开展专项整治: 是 or 否
        } else if excel_row == repeat {
            // The answers and the id of the row before the blank one.
            row = answers[(i as usize - 1) % answers.len()].clone();
            row[0] = i.to_string();
            row[1] = format!("2025/6/1 {:02}:{:02}:{:02}", ((i - 1) / 3600) % 24, ((i - 1) / 60) % 60, (i - 1) % 60);
        }
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r, c as u16, v).unwrap();
            }
        }
        r += 1;
    }
    book.save(path).unwrap();
    vec![totals, bad, blank, repeat]
}

#[test]
fn streamed_reading_gives_the_same_table_and_ledger() {
    // Large .xlsx files are parsed while being read; force that path on the fixtures.
    let s = survey();
    let stream = ImportOptions { stream_bytes: 0, ..ImportOptions::default() };
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("long.xlsx");
    let planted = long_export(&long, 9_000);
    let mut last = None;
    // CSVs are streamed too (a GBK one falls back to the whole-file read), including the
    // damaged ones with stray quotes.
    let mut csvs: Vec<PathBuf> =
        ["wjx_text_utf8.csv", "wjx_text_bom.csv", "wjx_text_gbk.csv", "wenjuanwang.csv"].iter().map(|f| fixture(f)).collect();
    csvs.extend((0..13).map(|k| fixture(&format!("malformed/bad_csv_{k:02}.csv"))));
    for f in csvs.into_iter().chain([
        fixture("wjx_text.xlsx"),
        fixture("wjx_code.xlsx"),
        fixture("unit_messy.xlsx"),
        fixture("no_header.xlsx"),
        fixture("garbage.xlsx"),
        fixture("password.xlsx"),
        long,
    ]) {
        let a = run(&s, std::slice::from_ref(&f));
        let mut b = import(&s, std::slice::from_ref(&f), &stream, &|_| {});
        b.frame = diaoyan::clean::readable(&s, &b.frame);
        let f = f.display();
        assert_eq!(table(&a.frame, |_| true), table(&b.frame, |_| true), "{f}");
        assert_eq!(a.issues, b.issues, "{f}");
        assert_eq!((a.rows_read, a.rows_kept, a.blank_rows), (b.rows_read, b.rows_kept, b.blank_rows), "{f}");
        assert_eq!(a.files[0].error, b.files[0].error, "{f}");
        last = Some(a);
    }
    // The long file crosses two chunk boundaries: every row is accounted for, and each
    // planted problem is reported at its own Excel row, whichever chunk parsed it.
    let imp = last.unwrap();
    assert_eq!(imp.rows_read, 9_000);
    assert_eq!(imp.blank_rows, 1);
    assert_eq!((imp.rows_kept, imp.rows_rejected), (8_998, 2), "the totals row and the repeated submission");
    let at = |row: u32| -> Vec<Problem> { imp.issues.iter().filter(|i| i.row == Some(row)).map(|i| i.problem).collect() };
    assert_eq!(at(planted[0]), [Problem::TotalsRow]);
    assert!(at(planted[1]).contains(&Problem::UnknownOption), "{:?}", at(planted[1]));
    assert_eq!(at(planted[2]), [], "a blank row is skipped, not a problem");
    assert!(at(planted[3]).iter().any(|p| matches!(p, Problem::DuplicateId | Problem::DuplicateSubmission)), "{:?}", at(planted[3]));
}

/// `-o DIR/`: a Parquet dataset partitioned hive-style by wave and unit; every response is
/// in exactly one part, the partition columns are in the paths, odd unit names escaped.
#[test]
fn import_to_a_partitioned_dataset() {
    let w = Workdir::new();
    let head = std::fs::read_to_string(fixture("wjx_text_utf8.csv")).unwrap();
    // A unit whose name holds a path separator.
    w.write("2025/a.csv", head.replace(",甲局,", ",甲/乙局,"));
    w.copy(fixture("wjx_text_utf8.csv"), "2026/b.csv");
    let r = w.cmd("import").survey(fixture("survey.toml")).input(w.path("2025")).input(w.path("2026")).out("ds/").run();
    r.expect_ok();
    let mut files = Vec::new();
    let mut stack = vec![w.path("ds")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                files.push(p);
            }
        }
    }
    files.sort();
    let rel: Vec<String> = files.iter().map(|p| p.strip_prefix(w.path("ds")).unwrap().display().to_string()).collect();
    assert!(rel.iter().any(|p| p.starts_with("wave=2025/unit=甲%2F乙局/")), "{rel:?}");
    assert!(rel.iter().all(|p| p.starts_with("wave=20") && p.contains("/unit=") && p.ends_with("/part-0.parquet")), "{rel:?}");
    let mut total = 0;
    for f in &files {
        let df = ParquetReader::new(std::fs::File::open(f).unwrap()).finish().unwrap();
        assert!(df.column("wave").is_err() && df.column("unit").is_err(), "partition columns live in the paths");
        assert!(df.column("Q1").is_ok());
        total += df.height();
    }
    let kept: usize = r.stdout().split("有效答卷共 ").nth(1).and_then(|x| x.split(' ').next()).unwrap().parse().unwrap();
    assert_eq!(total, kept);
    assert!(w.path("ds/issues.csv").exists() && w.path("ds/columns.csv").exists() && w.path("ds/清单.csv").exists());
}

/// Writes a sheet's grid as Parquet: one column per header cell, every value as text,
/// or (`typed`) the 序号 column as integers when they all are, as a database export would hold it.
fn grid_to_parquet(grid: &calamine::Range<calamine::Data>, path: &Path, typed: bool) {
    use polars::prelude::*;
    let rows: Vec<Vec<String>> = grid.rows().map(|r| r.iter().map(diaoyan::ingest::cell_text).collect()).collect();
    let cols: Vec<Column> = rows[0]
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let vals: Vec<Option<String>> = rows[1..].iter().map(|r| r.get(c).filter(|v| !v.is_empty()).cloned()).collect();
            let ints: Option<Vec<Option<i64>>> = vals
                .iter()
                .map(|v| match v {
                    None => Some(None),
                    Some(s) => s.parse().ok().map(Some),
                })
                .collect();
            if let (true, "序号", Some(ints)) = (typed, name.as_str(), ints) {
                Column::new(name.as_str().into(), ints)
            } else {
                Column::new(name.as_str().into(), vals)
            }
        })
        .collect();
    let mut df = DataFrame::new(rows.len() - 1, cols).unwrap();
    ParquetWriter::new(std::fs::File::create(path).unwrap()).finish(&mut df).unwrap();
}

#[test]
fn a_parquet_export_gives_the_same_table() {
    let s = survey();
    let base = run(&s, &[fixture("wjx_text.xlsx")]);
    let want = table(&base.frame, |c| c != "source_file" && c != "source_sheet");
    let dir = tempfile::tempdir().unwrap();
    let wb = diaoyan::ingest::read_file(&fixture("wjx_text.xlsx")).unwrap();
    for typed in [false, true] {
        let p = dir.path().join(format!("export_{typed}.parquet"));
        grid_to_parquet(&wb.sheets[0].cells, &p, typed);
        let got = run(&s, std::slice::from_ref(&p));
        assert_eq!(got.failed_files(), 0);
        assert_eq!(table(&got.frame, |c| c != "source_file" && c != "source_sheet"), want, "typed: {typed}");
        assert_eq!(
            got.issues.iter().map(|i| (i.row, i.problem)).collect::<Vec<_>>(),
            base.issues.iter().map(|i| (i.row, i.problem)).collect::<Vec<_>>()
        );
        assert_eq!(col(&table(&got.frame, |_| true), "source_sheet"), ["parquet"; 6]);
    }
    // Longer than one slice: every row read once, rows numbered as a CSV would be.
    let long = dir.path().join("long.xlsx");
    let planted = long_export(&long, 20_000);
    let from_xlsx = run(&s, std::slice::from_ref(&long));
    let wb = diaoyan::ingest::read_file(&long).unwrap();
    let p = dir.path().join("long.parquet");
    grid_to_parquet(&wb.sheets[0].cells, &p, false);
    let got = run(&s, &[p]);
    assert_eq!(
        (got.rows_read, got.rows_kept, got.rows_rejected, got.blank_rows),
        (from_xlsx.rows_read, from_xlsx.rows_kept, from_xlsx.rows_rejected, from_xlsx.blank_rows)
    );
    assert_eq!(
        table(&got.frame, |c| c != "source_file" && c != "source_sheet"),
        table(&from_xlsx.frame, |c| c != "source_file" && c != "source_sheet")
    );
    let rows = |imp: &diaoyan::clean::Import| imp.issues.iter().map(|i| (i.row, i.problem)).collect::<Vec<_>>();
    let (a, b) = (rows(&got), rows(&from_xlsx));
    let first_diff = a.iter().zip(&b).position(|(x, y)| x != y);
    assert!(
        a.len() == b.len() && first_diff.is_none(),
        "{} vs {} issues, first difference at {first_diff:?}: {:?} vs {:?}",
        a.len(),
        b.len(),
        first_diff.map(|k| &a[k]),
        first_diff.map(|k| &b[k])
    );
    let at = |row: u32| -> Vec<Problem> { got.issues.iter().filter(|i| i.row == Some(row)).map(|i| i.problem).collect() };
    assert_eq!(at(planted[0]), [Problem::TotalsRow]);
    assert!(at(planted[1]).contains(&Problem::UnknownOption));
    assert_eq!((got.rows_read, got.blank_rows), (20_000, 1));
}

#[test]
fn a_damaged_parquet_is_refused_and_the_others_import() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("in")).unwrap();
    let wb = diaoyan::ingest::read_file(&fixture("wjx_text.xlsx")).unwrap();
    let good = w.path("in/good.parquet");
    grid_to_parquet(&wb.sheets[0].cells, &good, true);
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(w.path("in/cut.parquet"), &bytes[..bytes.len() / 2]).unwrap();
    std::fs::write(w.path("in/noise.parquet"), (0..5000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect::<Vec<u8>>())
        .unwrap();
    let s = fixture("survey.toml");
    for bad in ["cut.parquet", "noise.parquet"] {
        let r = w.run(["import", "-s", s.to_str().unwrap(), &format!("in/{bad}"), "in/good.parquet", "-o", "out/clean.csv"]);
        r.expect_code(1).expect_no_defect();
        assert!(r.stderr().contains(bad) && r.stderr().contains("Parquet 文件已损坏"), "{bad}: {}", r.stderr());
        assert!(r.stdout().contains("保留 6 行"), "{bad}: the good file imports: {}", r.stdout());
    }
}

/// Files whose name does not say what they are (an .xlsx renamed .xls, a CSV saved as
/// .xls, Excel's "Unicode text" as .txt, a workbook named .csv) are read as what their
/// bytes are, whole or streamed, with a ledger entry saying so; a web page saved with a
/// spreadsheet's name is refused with its own reason.
#[test]
fn content_decides_how_a_file_is_read() {
    let s = survey();
    let want = table(&run(&s, &[fixture("wjx_text.xlsx")]).frame, answers);
    let dir = tempfile::tempdir().unwrap();
    let csv = std::fs::read_to_string(fixture("wjx_text_utf8.csv")).unwrap();
    // UTF-16LE with its byte order mark, tab-separated, lines ending in CR LF.
    let tsv: String = diaoyan::ingest::read_file(&fixture("wjx_text_utf8.csv")).unwrap().sheets[0]
        .cells
        .rows()
        .map(|r| r.iter().map(diaoyan::ingest::cell_text).collect::<Vec<_>>().join("\t") + "\r\n")
        .collect();
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(tsv.encode_utf16().flat_map(|u| u.to_le_bytes())).collect();
    let files: Vec<(&str, Vec<u8>, bool)> = vec![
        ("renamed.xls", std::fs::read(fixture("wjx_text.xlsx")).unwrap(), true),
        ("book.csv", std::fs::read(fixture("wjx_text.xlsx")).unwrap(), true),
        ("text.xls", csv.clone().into_bytes(), true),
        ("unicode.txt", utf16.clone(), false),
        ("unicode.xls", utf16, true),
        ("plain.csv", csv.into_bytes(), false),
    ];
    let stream = ImportOptions { stream_bytes: 0, ..ImportOptions::default() };
    for (name, bytes, renamed) in files {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        for opts in [ImportOptions::default(), stream.clone()] {
            let mut imp = import(&s, std::slice::from_ref(&p), &opts, &|_| {});
            imp.frame = diaoyan::clean::readable(&s, &imp.frame);
            assert_eq!(imp.failed_files(), 0, "{name}");
            assert_eq!(table(&imp.frame, answers), want, "{name}");
            let said: Vec<_> = imp.issues.iter().filter(|i| i.problem == Problem::RenamedFile).collect();
            assert_eq!(said.len(), usize::from(renamed), "{name}: {:?}", imp.issues);
            assert!(said.iter().all(|i| i.action == Action::ReadAsContent && i.value.contains(name)), "{said:?}");
        }
    }
    let page = dir.path().join("网页.xls");
    std::fs::write(&page, "<html><body><table><tr><td>序号</td></tr></table></body></html>").unwrap();
    let imp = run(&s, &[page]);
    assert_eq!(imp.failed_files(), 1);
    assert!(imp.files[0].error.as_deref().unwrap().contains("网页"), "{:?}", imp.files[0].error);
}

/// Split columns of a multi-select named by option numbers (`Q3_1`) go to the option that
/// names that number among its aliases — a codebook's code, or the number an option kept
/// when it was moved in the page — not to whatever option now stands at that position.
#[test]
fn split_columns_follow_option_codes_not_positions() {
    let w = Workdir::new();
    let s = w.write(
        "s.toml",
        "id = \"t\"\ntitle = \"t\"\n[[questions]]\nid = \"Q1\"\ntext = \"身份\"\nkind = \"single\"\noptions = [\"党员\", \"群众\"]\n\
         [[questions]]\nid = \"Q3\"\ntext = \"问题\"\nkind = \"multi\"\n\
         options = [{ text = \"丙\", aliases = [\"3\"] }, { text = \"甲\", aliases = [\"1\"] }, { text = \"乙\", aliases = [\"2\"] }]\n",
    );
    w.write("d.csv", "序号,Q1,Q3_1,Q3_2,Q3_3\n1,1,1,0,0\n2,2,1,1,0\n3,1,0,0,1\n");
    w.cmd("report").survey(&s).input(w.path("d.csv")).args(["--charts", "none", "--doc", "none"]).out("out").run().expect_ok();
    let (_, cols) = w.csv("out/columns.csv");
    let to: Vec<(&str, &str)> = cols.iter().filter(|r| r[3].starts_with("Q3_")).map(|r| (r[3].as_str(), r[5].as_str())).collect();
    assert_eq!(to, [("Q3_1", "甲"), ("Q3_2", "乙"), ("Q3_3", "丙")]);
    let (head, rows) = w.csv("out/results.csv");
    let c = |n: &str| head.iter().position(|h| h == n).unwrap();
    let count = |o: &str| {
        rows.iter().find(|r| r[c("question")] == "Q3" && r[c("option")] == o && r[c("measure")] == "percent").unwrap()[c("count")].clone()
    };
    assert_eq!((count("甲"), count("乙"), count("丙")), ("2".into(), "1".into(), "1".into()));
}
