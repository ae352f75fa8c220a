//! Issue 22: careless files, second pass. Each test is one class of input that was lost,
//! miscounted or crashed; fixtures are built here or by tests/fixtures/careless/make.py.

use crate::workdir::{fixture, walk, Workdir, DEFECT};
use diaoyan::clean::ledger::Problem;

fn careless(name: &str) -> std::path::PathBuf {
    fixture(&format!("careless/{name}"))
}

/// The ledger's entries of one problem: (row, question, value).
fn entries(w: &Workdir, dir: &str, p: Problem) -> Vec<(String, String, String)> {
    let (_, rows) = w.csv(&format!("{dir}/issues.csv"));
    rows.into_iter().filter(|r| r[6] == p.label()).map(|r| (r[2].clone(), r[4].clone(), r[5].clone())).collect()
}

fn column(h: &[String], rows: &[Vec<String>], name: &str) -> Vec<String> {
    let i = h.iter().position(|x| x == name).unwrap_or_else(|| panic!("no column {name} in {h:?}"));
    rows.iter().map(|r| r[i].clone()).collect()
}

#[test]
fn every_parquet_type_is_read_or_left_out_by_name() {
    let w = Workdir::new();
    let good = w.copy(fixture("wjx_text_utf8.csv"), "in/good.csv");
    let r = w.cmd("import").survey(fixture("survey.toml")).input(careless("types.parquet")).input(&good).out("out/clean.csv").run();
    r.expect_code(0).expect_no_defect();
    let (h, rows) = w.csv("out/clean.csv");
    let files = column(&h, &rows, "source_file");
    let from_parquet: Vec<usize> = (0..rows.len()).filter(|&i| files[i].ends_with("types.parquet")).collect();
    assert_eq!(from_parquet.len(), 4, "{}", r.stdout());
    assert_eq!(rows.len(), 4 + 6, "the CSV beside it is imported too");
    let pick = |name: &str| from_parquet.iter().map(|&i| column(&h, &rows, name)[i].clone()).collect::<Vec<_>>();
    assert_eq!(pick("respondent"), ["1", "2", "3", "4"], "a 16-bit 序号");
    assert_eq!(pick("submitted")[1], "2025-03-01 09:00:01", "a timestamp");
    assert_eq!(pick("Q8"), ["3.5", "2", "", "10"], "a decimal");
    assert_eq!(pick("Q5"), ["是", "否", "是", "是"], "a dictionary-encoded text");
    let r = w.cmd("import").survey(fixture("survey.toml")).input(careless("bool_answers.parquet")).out("b/clean.csv").run();
    r.expect_code(0);
    let (hb, rb) = w.csv("b/clean.csv");
    assert_eq!(column(&hb, &rb, "Q5"), ["是", "否"], "true/false answers a 是/否 question");
    let left = entries(&w, "out", Problem::UnreadableColumn);
    let named: Vec<&str> = left.iter().map(|e| e.2.as_str()).collect();
    assert_eq!(named, ["标签（列表类型）", "附加（嵌套结构类型）"], "{left:?}");
}

#[test]
fn every_line_ending_keeps_every_respondent() {
    let w = Workdir::new();
    let rows: Vec<String> = std::iter::once("序号,单位,1、您的身份,5、是否开展专项整治,7、意见建议".to_string())
        .chain((1..=12).map(|i| format!("{i},甲局,{},是,建议{i}", if i % 2 == 0 { "党政干部" } else { "事业单位人员" })))
        .collect();
    let stray: String = rows.iter().enumerate().map(|(i, r)| format!("{r}{}", if i % 3 == 2 { "\r" } else { "\r\n" })).collect();
    // A header cell broken by Alt+Enter, as Excel saves it to CSV.
    let broken =
        format!("序号,单位,\"1、您的身份\r\n（单选）\",5、是否开展专项整治,\"7、意见建议\n（选填）\"\r\n{}\r\n", rows[1..].join("\r\n"));
    for (name, text) in [("cr", rows.join("\r") + "\r"), ("stray", stray), ("broken", broken)] {
        let p = w.write(&format!("{name}.csv"), text);
        let r = w.cmd("import").survey(fixture("survey.toml")).input(&p).out(&format!("{name}/clean.csv")).run();
        r.expect_code(0);
        assert!(r.stdout().contains("读取答卷 12 行 = 保留 12 行"), "{name}: {}", r.stdout());
        let (h, got) = w.csv(&format!("{name}/clean.csv"));
        let want: Vec<String> = (1..=12).map(|i| format!("建议{i}")).collect();
        assert_eq!(column(&h, &got, "Q7"), want, "{name}");
        assert!(entries(&w, name, Problem::MalformedRecord).is_empty(), "{name}");
    }
    // init takes the broken header as the header.
    let r = w.run(["init", w.path("broken.csv").to_str().unwrap(), "-o", "s.toml"]);
    r.expect_code(0);
    let s = std::fs::read_to_string(w.path("s.toml")).unwrap();
    assert!(s.contains("您的身份") && s.contains("意见建议") && !s.contains("建议1\""), "{s}");
}

#[test]
fn summary_and_label_rows_are_not_respondents() {
    let w = Workdir::new();
    let r = w.cmd("import").survey(fixture("survey.toml")).input(careless("summary_rows.xlsx")).out("out/clean.csv").run();
    r.expect_code(0);
    assert!(r.stdout().contains("读取答卷 14 行 = 保留 8 行 + 剔除 6 行"), "{}", r.stdout());
    let totals: Vec<String> = entries(&w, "out", Problem::TotalsRow).into_iter().map(|e| e.2).collect();
    assert_eq!(totals, ["平均值", "中位数", "标准差", "最大值", "有效填写人次"]);
    let note = entries(&w, "out", Problem::NoValidAnswer);
    assert_eq!(note.len(), 1, "{note:?}");
    assert!(note[0].2.contains("注：本表由办公室汇总"), "{note:?}");
}

#[test]
fn a_repeated_header_row_is_never_an_answer() {
    let w = Workdir::new();
    let header = "序号,单位,1、您的身份,8、近一个月参加会议次数";
    let mut text = format!("{header}\n");
    for i in 1..=30 {
        if i % 10 == 1 && i > 1 {
            text += &format!("{header}\n");
        }
        text += &format!("{i},甲局,党政干部,{}\n", i % 7);
    }
    // A second header row of only the questions' own texts, under the first.
    text = text.replacen('\n', "\n,,您的身份,会议次数\n", 1);
    let survey = std::fs::read_to_string(fixture("survey.toml")).unwrap().replace("text = \"会议次数\"", "text = \"近一个月参加会议次数\"");
    let s = w.write("s.toml", survey);
    let p = w.write("in.csv", text);
    let r = w.cmd("import").survey(&s).input(&p).out("out/clean.csv").run();
    r.expect_code(0);
    assert!(r.stdout().contains("保留 30 行"), "{}", r.stdout());
    let (h, rows) = w.csv("out/clean.csv");
    assert_eq!(column(&h, &rows, "respondent"), (1..=30).map(|i| i.to_string()).collect::<Vec<_>>());
    assert!(!column(&h, &rows, "Q8").contains(&"8".to_string()), "no 8 read from the header “8、近一个月…”");
}

#[test]
fn respondents_numbered_from_one_in_each_place_are_all_kept() {
    let w = Workdir::new();
    // One sheet per department.
    let r = w.cmd("import").survey(fixture("survey.toml")).input(careless("甲局_departments.xlsx")).out("a/clean.csv").run();
    r.expect_code(0);
    assert!(r.stdout().contains("读取答卷 30 行 = 保留 30 行 + 剔除 0 行"), "{}", r.stdout());
    // Batch files of one unit, and units' files, numbered from 1 with no submit time, some
    // rows answered alike.
    let row =
        |i: usize, k: usize| format!("{i},{},{}", ["党政干部", "事业单位人员"][(i / 3 + usize::from(i == k + 2)) % 2], ["是", "否"][i % 2]);
    for (dir, names) in [("batches", ["乙局第一批", "乙局第二批", "乙局第三批"]), ("units", ["甲局", "乙局", "丙局"])]
    {
        for (k, n) in names.iter().enumerate() {
            let body: Vec<String> = (1..=10).map(|i| row(i, k + 1)).collect();
            w.write(&format!("{dir}/{n}.csv"), format!("序号,1、您的身份,5、是否开展专项整治\n{}\n", body.join("\n")));
        }
        let r = w.cmd("import").survey(fixture("survey.toml")).input(w.path(dir)).out(&format!("{dir}-out/clean.csv")).run();
        r.expect_code(0);
        assert!(r.stdout().contains("读取答卷 30 行 = 保留 30 行 + 剔除 0 行"), "{dir}: {}", r.stdout());
    }
    // A unit's file sent again under another name: its rows are one unit's copies.
    let again: Vec<String> = (1..=10).map(|i| row(i, 1)).collect();
    w.write("again/甲局.csv", format!("序号,1、您的身份,5、是否开展专项整治\n{}\n", again.join("\n")));
    w.write(
        "again/甲局（补交）.csv",
        format!(
            "序号,单位,1、您的身份,5、是否开展专项整治\n{}\n",
            again.iter().map(|r| r.replacen(',', ",甲局,", 1)).collect::<Vec<_>>().join("\n")
        ),
    );
    let r = w.cmd("import").survey(fixture("survey.toml")).input(w.path("again")).out("again-out/clean.csv").run();
    r.expect_code(0);
    assert!(r.stdout().contains("读取答卷 20 行 = 保留 10 行 + 剔除 10 行"), "{}", r.stdout());
    let dups = entries(&w, "again-out", Problem::DuplicateRespondent);
    assert_eq!(dups.len(), 10);
    assert!(dups[0].2.contains("甲局.csv 第 2 行"), "each rejection names the row kept: {:?}", dups[0]);
}

#[test]
fn misspelt_or_unknown_settings_are_refused_with_the_nearest_key() {
    let w = Workdir::new();
    let survey = std::fs::read_to_string(fixture("survey.toml")).unwrap();
    let cases = [
        (survey.replace("show_if =", "show_iff ="), "“show_iff”，是不是“show_if”"),
        (survey.replace("required = true", "requried = true"), "“requried”，是不是“required”"),
        (survey.replacen("banners =", "baners =", 1), "“baners”，是不是“banners”"),
        (survey.replacen("[[questions]]", "[desgin]\nweight = \"Q8\"\n\n[[questions]]", 1), "“desgin”"),
        (survey.replacen("other = true }", "othr = true }", 1), "选项的写法有误"),
        (survey.replacen("\"很差\"", "{ text = \"很差\", score = nan }", 1), "不是有限的数字"),
        (survey.replacen("\"很差\"", "{ text = \"很差\", score = inf }", 1), "不是有限的数字"),
    ];
    for (k, (text, want)) in cases.iter().enumerate() {
        let s = w.write(&format!("s{k}.toml"), text);
        for (cmd, out) in [("report", format!("o{k}")), ("import", format!("i{k}/c.csv"))] {
            let r = w.cmd(cmd).survey(&s).input(fixture("wjx_text.xlsx")).out(&out).run();
            r.expect_code(2).expect_no_defect();
            assert!(r.stderr().contains(want), "case {k} {cmd}: {}", r.stderr());
            assert!(!r.stderr().contains("TOML parse error"), "only our words: {}", r.stderr());
        }
    }
    // The line is named.
    let s = w.write("line.toml", survey.replace("show_if =", "show_iff ="));
    let line = survey.lines().position(|l| l.starts_with("show_if")).unwrap() + 1;
    let r = w.cmd("report").survey(&s).input(fixture("wjx_text.xlsx")).out("o").run();
    assert!(r.stderr().contains(&format!("第 {line} 行")), "{}", r.stderr());
}

#[test]
fn tiny_weights_are_refused_with_a_message() {
    let w = Workdir::new();
    let mut text = String::from("序号,单位,1、您的身份,8、会议次数\n");
    for i in 1..=6 {
        text += &format!("{i},甲局,党政干部,{}\n", if i == 3 { "1e-200".to_string() } else { "1".to_string() });
    }
    let p = w.write("w.csv", text);
    let r = w.cmd("report").survey(fixture("survey.toml")).input(&p).out("o").args(["--weight", "Q8", "--charts", "none"]).run();
    r.expect_code(2).expect_no_defect();
    assert!(r.stderr().contains("太小") && r.stderr().contains("第 4 行"), "{}", r.stderr());
}

#[test]
fn control_characters_never_reach_a_written_file() {
    let w = Workdir::new();
    let survey = std::fs::read_to_string(fixture("survey.toml"))
        .unwrap()
        .replace("\"党政干部\", \"事业单位人员\"", "\"党政\\u000B干部\", \"事业单位\\u0001人员\"")
        .replace("text = \"您的身份\"", "text = \"您的\\u0007身份\"");
    let s = w.write("s.toml", survey);
    let csv = std::fs::read_to_string(fixture("wjx_text_utf8.csv"))
        .unwrap()
        .replace("党政干部", "党政\u{b}干部")
        .replace("事业单位人员", "事业单位\u{1}人员");
    let p = w.write("in.csv", csv);
    w.cmd("report").survey(&s).input(&p).out("rep").args(["--charts", "png,svg"]).run().expect_code(0);
    w.cmd("import").survey(&s).input(&p).out("imp/clean.csv").run().expect_code(0);
    let bad = |t: &str| t.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
    let mut checked = 0;
    for f in walk(&w.path("rep")).into_iter().chain(walk(&w.path("imp"))) {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or_default().to_string();
        let texts: Vec<String> = match ext.as_str() {
            "svg" | "csv" | "html" => vec![std::fs::read_to_string(&f).unwrap()],
            "xlsx" | "docx" => {
                let mut z = zip::ZipArchive::new(std::fs::File::open(&f).unwrap()).unwrap();
                (0..z.len())
                    .filter_map(|i| {
                        let mut part = z.by_index(i).unwrap();
                        part.name().unwrap().ends_with(".xml").then(|| std::io::read_to_string(&mut part).unwrap())
                    })
                    .collect()
            }
            _ => continue,
        };
        for t in texts {
            assert!(!bad(&t), "{} holds a control character", f.display());
            checked += 1;
        }
    }
    assert!(checked > 20, "{checked}");
    let (h, rows) = w.csv("imp/clean.csv");
    assert_eq!(column(&h, &rows, "Q1")[0], "党政 干部", "replaced by a space, not dropped");
}

#[test]
fn own_outputs_of_any_format_are_never_inputs() {
    let w = Workdir::new();
    w.copy(fixture("wjx_text.xlsx"), "in/wjx_text.xlsx");
    w.cmd("import").survey(fixture("survey.toml")).input(w.path("in/wjx_text.xlsx")).out("in/clean.parquet").run().expect_code(0);
    w.cmd("import").survey(fixture("survey.toml")).input(w.path("in/wjx_text.xlsx")).out("in/dataset/").run().expect_code(0);
    std::fs::copy(w.path("in/clean.parquet"), w.path("in/改了名字.xls")).unwrap();
    let r = w.cmd("import").survey(fixture("survey.toml")).input(w.path("in")).out("out/clean.csv").run();
    r.expect_code(0);
    assert!(r.stdout().contains("读取答卷 6 行 = 保留 6 行 + 剔除 0 行"), "{}", r.stdout());
    let said = r.stderr() + &r.stdout();
    for name in ["clean.parquet", "改了名字.xls", "part-0.parquet"] {
        assert!(said.contains(name) && said.contains("清洗后的答卷表（Parquet）"), "{name}: {said}");
    }
}

#[test]
fn files_that_would_fill_memory_are_refused_quickly() {
    let w = Workdir::new();
    for (flag, path, want) in [
        ("-s", "/dev/zero", "不是普通文件"),
        ("--font", "/dev/zero", "不是普通文件"),
        ("--font", "/dev/urandom", "不是普通文件"),
        ("--units", "/dev/zero", "不是普通文件"),
    ] {
        let mut c = w.cmd("report").input(fixture("wjx_text.xlsx")).out("o").args(["--charts", "png"]);
        if flag != "-s" {
            c = c.survey(fixture("survey.toml"));
        }
        let r = c.args([flag, path]).run();
        r.expect_code(2).expect_no_defect();
        assert!(r.stderr().contains(want), "{flag} {path}: {}", r.stderr());
    }
    let big = w.write("big.toml", vec![b' '; 17 << 20]);
    let r = w.cmd("report").survey(&big).input(fixture("wjx_text.xlsx")).out("o").run();
    assert!(r.stderr().contains("文件太大"), "{}", r.stderr());
    // A sheet padded with 48 MiB of spaces (55 KB on disk): refused, the other file read.
    let r = w
        .cmd("import")
        .survey(fixture("survey.toml"))
        .input(careless("padded_sheet.xlsx"))
        .input(fixture("wjx_text_utf8.csv"))
        .out("p/clean.csv")
        .run();
    r.expect_code(1);
    assert!(r.stderr().contains("padded_sheet.xlsx") && r.stderr().contains("空白或填充内容"), "{}", r.stderr());
    assert!(r.stdout().contains("保留 6 行"), "{}", r.stdout());
    // A line that never ends: left out with an entry, the rest read.
    let mut text = String::from("序号,单位,1、您的身份\n1,甲局,党政干部\n2,甲局,\"");
    text.push_str(&"很长".repeat(3 << 20));
    text.push_str("\n3,甲局,事业单位人员\n");
    let p = w.write("long.csv", text);
    let r = w.cmd("import").survey(fixture("survey.toml")).input(&p).out("l/clean.csv").run();
    r.expect_code(0);
    assert!(r.stdout().contains("保留 2 行"), "{}", r.stdout());
    assert_eq!(entries(&w, "l", Problem::LineTooLong).len(), 1);
}

#[test]
fn encodings_are_named_and_good_lines_kept() {
    let w = Workdir::new();
    let text = std::fs::read_to_string(fixture("wjx_text_utf8.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // UTF-8 with two lines in GBK (pasted from another file).
    let mut mixed = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let line = format!("{l}\n");
        if i == 3 || i == 4 {
            mixed.extend_from_slice(&encoding_rs::GBK.encode(&line).0);
        } else {
            mixed.extend_from_slice(line.as_bytes());
        }
    }
    let p = w.write("mixed.csv", mixed);
    let r = w.cmd("import").survey(fixture("survey.toml")).input(&p).out("m/clean.csv").run();
    r.expect_code(0);
    assert!(r.stdout().contains("保留 6 行"), "{}", r.stdout());
    let rows: Vec<String> = entries(&w, "m", Problem::MixedEncoding).into_iter().map(|e| e.0).collect();
    assert_eq!(rows, ["4", "5"]);
    w.cmd("import").survey(fixture("survey.toml")).input(fixture("wjx_text_utf8.csv")).out("orig/clean.csv").run().expect_code(0);
    let (h, got) = w.csv("m/clean.csv");
    let (h0, want) = w.csv("orig/clean.csv");
    assert_eq!(column(&h, &got, "Q1"), column(&h0, &want, "Q1"));
    assert!(column(&h, &got, "Q1").iter().all(|v| !v.contains('\u{FFFD}')), "the GBK lines read right");
    // UTF-16 without its byte order mark.
    let utf16: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let p = w.write("u16.csv", utf16);
    let r = w.cmd("import").survey(fixture("survey.toml")).input(&p).out("u/clean.csv").run();
    r.expect_code(0);
    assert!(r.stdout().contains("保留 6 行"), "{}", r.stdout());
    // A real .xlsx named .csv: read as what it is.
    let p = w.copy(fixture("wjx_text.xlsx"), "real.csv");
    let r = w.cmd("import").survey(fixture("survey.toml")).input(&p).out("x/clean.csv").run();
    r.expect_code(0);
    assert!(r.stdout().contains("保留 6 行"), "{}", r.stdout());
    assert_eq!(entries(&w, "x", Problem::RenamedFile).len(), 1);
    // -o onto an existing file: said in Chinese.
    let f = w.write("exists", "x");
    let r = w.cmd("report").survey(fixture("survey.toml")).input(fixture("wjx_text.xlsx")).arg("-o").arg(&f).run();
    assert!(r.stderr().contains("同名的文件") && !r.stderr().contains("os error"), "{}", r.stderr());
    assert!(!r.stderr().contains(DEFECT));
}

#[test]
fn a_ranking_naming_an_option_twice_is_not_guessed() {
    let w = Workdir::new();
    let text = std::fs::read_to_string(fixture("wjx_text_utf8.csv")).unwrap();
    let first = text.lines().nth(1).unwrap().to_string();
    let rank = first.split(',').find(|c| c.contains('→')).unwrap().to_string();
    let parts: Vec<&str> = rank.split('→').collect();
    let twice = format!("{}→{}→{}", parts[0], parts[0], parts[1]);
    let p = w.write("r.csv", text.replacen(&rank, &twice, 1));
    let r = w.cmd("import").survey(fixture("survey.toml")).input(&p).out("o/clean.csv").run();
    r.expect_code(0);
    let bad = entries(&w, "o", Problem::BadRank);
    assert_eq!(bad, [("2".to_string(), "Q4".to_string(), twice)]);
    let (h, rows) = w.csv("o/clean.csv");
    assert!(h.iter().filter(|c| c.starts_with("Q4/")).all(|c| column(&h, &rows, c)[0].is_empty()), "no order read");
}

#[test]
fn hidden_parts_and_formulas_without_results_are_named() {
    let w = Workdir::new();
    let r = w.cmd("import").survey(fixture("survey.toml")).input(careless("hidden_and_formulas.xlsx")).out("o/clean.csv").run();
    r.expect_code(0);
    assert!(r.stdout().contains("读取答卷 8 行 = 保留 8 行"), "hidden rows and the hidden sheet's rows are imported: {}", r.stdout());
    assert_eq!(entries(&w, "o", Problem::HiddenRows), [(String::new(), String::new(), "第 3、5 行（共 2 行）".to_string())]);
    assert_eq!(entries(&w, "o", Problem::HiddenSheet).len(), 1);
    let f = entries(&w, "o", Problem::UncachedFormula);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!((f[0].0.as_str(), f[0].2.as_str()), ("2", "'=1+2"));
    // The same without a definition (the workbook read while the questionnaire is inferred).
    w.cmd("report").input(careless("hidden_and_formulas.xlsx")).out("r").args(["--charts", "none", "--doc", "none"]).run().expect_code(0);
    assert_eq!(entries(&w, "r", Problem::HiddenRows).len(), 1);
    assert_eq!(entries(&w, "r", Problem::UncachedFormula).len(), 1);
    // A returned template's own hidden sheets are not worth an entry.
    let units = w.write("units.csv", "单位,应收份数\n甲局,5\n");
    w.cmd("template").survey(fixture("survey.toml")).arg("--units").arg(&units).out("t").run().expect_code(0);
    let r = w.cmd("import").survey(fixture("survey.toml")).input(w.path("t/甲局.xlsx")).out("t2/clean.csv").run();
    assert!(entries(&w, "t2", Problem::HiddenSheet).is_empty(), "{}", r.stdout());
}

#[test]
fn a_row_or_part_written_twice_is_refused_with_the_reason() {
    let w = Workdir::new();
    for (name, want) in [("row_twice.xlsx", "第 2 行在文件中出现了不止一次"), ("part_twice.xlsx", "两个同名的部件")] {
        for engine in ["", "calamine"] {
            let r =
                w.cmd("import").survey(fixture("survey.toml")).input(careless(name)).out("o/clean.csv").env("DIAOYAN_XLSX", engine).run();
            r.expect_code(1).expect_no_defect();
            assert!(r.stderr().contains(want) && r.stderr().contains("无法确定哪一份是对的"), "{name} {engine}: {}", r.stderr());
        }
    }
}

#[cfg(unix)]
#[test]
fn gbk_file_names_are_decoded_and_noted() {
    use std::os::unix::ffi::OsStrExt;
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("in")).unwrap();
    let text = std::fs::read_to_string(fixture("wjx_text_utf8.csv")).unwrap();
    // Without the 单位 column: the unit comes from the file name.
    let unit = text.lines().next().unwrap().split(',').position(|c| c == "单位").unwrap();
    let lines: Vec<String> =
        text.lines().map(|l| l.split(',').enumerate().filter(|(i, _)| *i != unit).map(|(_, c)| c).collect::<Vec<_>>().join(",")).collect();
    assert!(lines[0].contains("序号") && !lines[0].contains("单位"), "{}", lines[0]);
    let name = encoding_rs::GBK.encode("丙局.csv").0.into_owned();
    let path = w.path("in").join(std::ffi::OsStr::from_bytes(&name));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let r = w.cmd("import").survey(fixture("survey.toml")).input(&path).out("o/clean.csv").run();
    r.expect_code(0);
    let (h, rows) = w.csv("o/clean.csv");
    assert!(column(&h, &rows, "unit").iter().all(|u| u == "丙局"), "{:?}", column(&h, &rows, "unit"));
    assert_eq!(entries(&w, "o", Problem::GbkFileName).len(), 1);
}

#[test]
fn a_template_saved_without_its_hidden_sheets_counts_only_its_answers() {
    let w = Workdir::new();
    w.copy(careless("template_without_hidden_sheets.xlsx"), "returns/甲局.xlsx");
    let units = w.write("units.csv", "单位,应收份数\n甲局,5\n乙局,5\n");
    let r = w.cmd("status").survey(fixture("survey.toml")).arg("--units").arg(&units).input(w.path("returns")).out("st").run();
    r.expect_code(0);
    let line = r.stdout().lines().find(|l| l.starts_with("甲局")).unwrap_or_default().to_string();
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cols[..4], ["甲局", "5", "5", "5"], "应交 已交 有效: {}", r.stdout());
    let r = w.cmd("import").survey(fixture("survey.toml")).input(w.path("returns")).out("o/clean.csv").run();
    assert!(r.stdout().contains("读取答卷 5 行 = 保留 5 行"), "{}", r.stdout());
    let skipped: Vec<String> = entries(&w, "o", Problem::NotAnswerSheet).into_iter().map(|e| e.2).collect();
    assert_eq!(skipped, ["填报表的填写说明，不是答卷"]);
}
