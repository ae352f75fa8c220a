//! The written report (Word and web page) of the bundled example (run once, in
//! example.rs): its numbers are the computed ones, it claims a difference only where a
//! test found one, the Word file is well-formed OOXML in the office format, and the web
//! page needs nothing outside itself.

use crate::workdir::Workdir;
use std::collections::{HashMap, HashSet};

/// The body paragraphs of the web page (not notes), as text.
fn paragraphs(html: &str) -> Vec<String> {
    html.split("<p>")
        .skip(1)
        .map(|p| p.split("</p>").next().unwrap().replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
        .collect()
}

/// Every `12.3%` of a text.
fn percentages(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == '%' && i >= 3 && chars[i - 2] == '.' && chars[i - 1].is_ascii_digit() {
            let start = (0..i - 2).rev().take_while(|k| chars[*k].is_ascii_digit()).last();
            if let Some(s) = start {
                out.push(chars[s..i].iter().collect());
            }
        }
    }
    out
}

/// The four checks, on a work dir where the example was reported into `out/`.
pub fn the_written_report(w: &Workdir) {
    every_question_in_the_year_over_year_section(w);
    open_answers_are_counted_as_themes(w);
    quotes_only_computed_figures(w);
    calls_differences_significant_only_when_tested_so(w);
    word_file_is_well_formed_and_in_office_format(w);
    web_page_stands_alone(w);
}

/// The year-over-year section names every compared question (choice, scale, matrix,
/// number; not the banners or the unit question), significant or not, and states the
/// organisational-life matrix's significant mean changes.
fn every_question_in_the_year_over_year_section(w: &Workdir) {
    let html = std::fs::read_to_string(w.path("out/形式主义调查.html")).unwrap();
    let start = html.find("与2025年相比").expect("a year-over-year section");
    let end = start + html[start..].find("各单位比较").expect("then the units");
    let section = &html[start..end];
    let survey = diaoyan::survey::Survey::load(&crate::workdir::root().join("surveys/example/survey.toml")).unwrap();
    use diaoyan::survey::Kind;
    let mut named = 0;
    for q in &survey.questions {
        let compared = matches!(q.kind, Kind::Single | Kind::Multi | Kind::Scale | Kind::Matrix | Kind::Number);
        if !compared || survey.banners.contains(&q.id) || survey.unit.as_deref() == Some(q.id.as_str()) {
            continue;
        }
        assert!(section.contains(&format!("“{}”", q.text)), "{} missing from the year-over-year section", q.id);
        named += 1;
    }
    assert!(named >= 6, "{named}");
    // Results headings are the questions' topics (`label`) where survey.toml gives one.
    let labelled: Vec<&str> = survey
        .questions
        .iter()
        .filter(|q| q.kind != Kind::Text && !survey.banners.contains(&q.id))
        .filter_map(|q| q.label.as_deref())
        .collect();
    assert!(labelled.len() >= 6);
    for l in labelled {
        assert!(html.contains(&format!("）{l}</h3>")), "no heading {l}");
    }
    assert!(section.contains("“谈心谈话”平均分由3.52分上升到3.79分"), "matrix rows' significant means are stated");
    assert!(section.contains("次，下降") && !section.contains("平均分为7.4"), "a number question's mean is in its unit");
}

/// The open answers of the newest wave, counted here from the workbook's cleaned data
/// (trimmed text; the example's answers repeat word for word): every distinct answer is
/// on the 意见建议 sheet with its count, and in the report's appendix with it.
fn open_answers_are_counted_as_themes(w: &Workdir) {
    use calamine::{open_workbook_auto, Data, Reader};
    let mut book = open_workbook_auto(w.path("out/形式主义调查.xlsx")).unwrap();
    let clean = book.worksheet_range("清洗后数据").unwrap();
    let head: Vec<String> = clean.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let (wave, q11) = (head.iter().position(|h| h == "wave").unwrap(), head.iter().position(|h| h == "Q11").unwrap());
    let mut want: HashMap<String, usize> = HashMap::new();
    for r in clean.rows().skip(1).filter(|r| r[wave] == "2026") {
        let a = r[q11].to_string();
        if !a.trim().is_empty() {
            *want.entry(a.trim().to_string()).or_default() += 1;
        }
    }
    let sheet = book.worksheet_range("意见建议").unwrap();
    let mut got: HashMap<String, usize> = HashMap::new();
    for r in sheet.rows().skip(1) {
        let n = match r[4] {
            Data::Float(x) => x as usize,
            ref x => panic!("a count that is no number: {x:?}"),
        };
        got.insert(r[3].to_string(), n);
    }
    assert!(want.len() >= 8, "{want:?}");
    assert_eq!(got, want);
    let html = std::fs::read_to_string(w.path("out/形式主义调查.html")).unwrap();
    let appendix = &html[html.find("附：意见建议原文").expect("an appendix of the answers")..];
    for (a, n) in &want {
        assert!(appendix.contains(&format!("{a}（{n}）")), "{a} ({n}) missing from the appendix");
    }
}

fn quotes_only_computed_figures(w: &Workdir) {
    let html = std::fs::read_to_string(w.path("out/形式主义调查.html")).unwrap();
    // Every value of results.csv and league.csv, rounded as sentences round them.
    let mut known: HashSet<String> = HashSet::new();
    for (file, col) in [("out/results.csv", "value"), ("out/league.csv", "value")] {
        let (h, rows) = w.csv(file);
        let c = h.iter().position(|x| x == col).unwrap();
        known.extend(rows.iter().filter_map(|r| r[c].parse::<f64>().ok()).map(|v| format!("{v:.1}")));
    }
    let (h, changes) = w.csv("out/changes.csv");
    let k = |n: &str| h.iter().position(|x| x == n).unwrap();
    let mut checked = 0;
    for p in paragraphs(&html) {
        for v in percentages(&p) {
            // The 有效回收率 comes from the roster, not from the answers.
            if p.contains("有效回收率") && p.contains(&format!("有效回收率{v}%")) {
                continue;
            }
            assert!(known.contains(&v), "{v}% is no computed figure: {p}");
            checked += 1;
        }
        // 由 a% 上升/下降到 b%，上升/下降 N 个百分点 only for changes.csv's significant changes.
        for part in p.split(['；', '。']) {
            if let Some(i) = part.find("个百分点（变化显著）") {
                let head = &part[..i];
                let num: String =
                    head.chars().rev().take_while(|c| c.is_ascii_digit() || *c == '.').collect::<Vec<_>>().into_iter().rev().collect();
                let values: Vec<String> = percentages(head);
                assert!(
                    changes.iter().any(|r| !r[k("sig")].is_empty()
                        && r[k("change")].parse::<f64>().map(|d| format!("{:.1}", d.abs()) == num).unwrap_or(false)
                        && values.iter().all(|v| [k("value_from"), k("value_to")]
                            .iter()
                            .any(|&c| r[c].parse::<f64>().is_ok_and(|x| format!("{x:.1}") == *v)))),
                    "no significant change of {num} between {values:?}: {part}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 80, "{checked} figures checked");
}

/// (question id, its text) of the 2026 tables whose groups differ: a test with p < 0.05 (its
/// exact p when the chi-square is unreliable), or a multi-select question with letters.
fn significant_questions(w: &Workdir) -> Vec<(String, String)> {
    let (h, tests) = w.csv("out/tests.csv");
    let k = |n: &str| h.iter().position(|x| x == n).unwrap();
    let mut out: Vec<String> = tests
        .iter()
        .filter(|r| r[k("wave")] == "2026")
        .filter(|r| {
            let p = if r[k("exact_p")].is_empty() { &r[k("p_value")] } else { &r[k("exact_p")] };
            p.parse::<f64>().is_ok_and(|p| p < 0.05)
        })
        .map(|r| r[k("question")].clone())
        .collect();
    let (rh, results) = w.csv("out/results.csv");
    let c = |n: &str| rh.iter().position(|x| x == n).unwrap();
    out.extend(
        results
            .iter()
            .filter(|r| r[c("wave")] == "2026" && r[c("kind")] == "multi" && !r[c("sig")].is_empty())
            .map(|r| r[c("question")].clone()),
    );
    let survey = diaoyan::survey::Survey::load(&crate::workdir::root().join("surveys/example/survey.toml")).unwrap();
    out.into_iter()
        .map(|id| {
            let text = survey.question(id.split('/').next().unwrap()).map(|q| q.text.clone()).unwrap_or_default();
            let full = match id.split_once('/') {
                Some((_, row)) => format!("{text}—{row}"),
                None => text,
            };
            (id, full)
        })
        .collect()
}

fn calls_differences_significant_only_when_tested_so(w: &Workdir) {
    let html = std::fs::read_to_string(w.path("out/形式主义调查.html")).unwrap();
    let significant = significant_questions(w);
    let mut claims = 0;
    for p in paragraphs(&html) {
        // Every “question”：…差异明显 is a question with a significant test (tests.csv) or, for
        // a multi-select question, significant letters (results.csv), in the report's wave.
        if p.contains("差异明显") {
            let named = p.strip_prefix('“').and_then(|x| x.split_once('”')).map(|x| x.0).unwrap_or("");
            assert!(
                significant.iter().any(|(id, text)| text == named || id.ends_with(&format!("/{named}"))),
                "a difference called 明显 without a test: {p}"
            );
            claims += 1;
        }
        assert!(!p.contains("p=") && !p.contains("p<"), "p-values belong to the notes, not the body: {p}");
        // 明显/显著 appear only in these checked forms (or negated), outside quoted option texts.
        let unquoted: String =
            p.split('“').enumerate().map(|(i, x)| if i == 0 { x } else { x.split_once('”').map(|y| y.1).unwrap_or("") }).collect();
        // “A（x）明显高于B（y）”: the pairwise letters' claims, higher really higher.
        for (i, _) in p.match_indices("明显高于") {
            let before: String = p[..i].chars().rev().skip(1).take_while(|c| *c != '（').collect::<Vec<_>>().into_iter().rev().collect();
            let after: String = p[i..].split('（').nth(1).unwrap_or("").chars().take_while(|c| *c != '）').collect();
            let num = |x: &str| x.trim_end_matches(['%', '分']).split('，').next().unwrap_or("").parse::<f64>().ok();
            if let (Some(hi), Some(lo)) = (num(&before), num(&after)) {
                assert!(hi > lo, "{before} 明显高于 {after}: {p}");
                claims += 1;
            }
        }
        let cleaned = unquoted
            .replace("明显高于", "")
            .replace("差异明显", "")
            .replace("变化显著", "")
            .replace("差异不显著", "")
            .replace("差异未达到统计显著", "")
            .replace("均未达到统计显著", "")
            .replace("变化不显著", "")
            .replace("均不显著", "");
        assert!(!cleaned.contains("明显") && !cleaned.contains("显著"), "an unchecked claim: {p}");
        assert!(!p.contains("差别不大"), "not significant is not “no difference”: {p}");
    }
    assert!(claims > 0, "the example has significant differences to state");
    assert!(html.contains("差异未达到统计显著") && html.contains("基本持平"), "and differences that are not");
    assert!(html.contains("（样本较少）") || html.contains("，样本较少）"), "small groups are marked");
}

fn word_file_is_well_formed_and_in_office_format(w: &Workdir) {
    let bytes = std::fs::read(w.path("out/形式主义调查.docx")).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut names = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        if name.ends_with(".xml") || name.ends_with(".rels") {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut f, &mut s).unwrap();
            let mut r = quick_xml::Reader::from_str(&s);
            loop {
                match r.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => panic!("{name}: {e}"),
                }
            }
        }
        names.push(name);
    }
    for part in ["[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/_rels/document.xml.rels", "word/footer1.xml"] {
        assert!(names.iter().any(|n| n == part), "{part} missing: {names:?}");
    }
    assert!(names.iter().any(|n| n.starts_with("word/media/") && n.ends_with(".png")), "charts embedded as PNG");
    let mut doc = String::new();
    std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut doc).unwrap();
    // A4, margins 37/35/28/26 mm, the fonts of official documents, fixed 28-point lines.
    assert!(doc.contains("w:w=\"11905\"") || doc.contains("w:w=\"11906\""), "A4 width");
    assert!(doc.contains("w:top=\"2097\"") || doc.contains("w:top=\"2098\""), "top margin 37 mm");
    for font in ["方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"] {
        assert!(doc.contains(font), "{font}");
    }
    assert!(doc.contains("w:line=\"560\"") && doc.contains("w:lineRule=\"exact\""), "fixed 28 pt lines");
    for heading in ["一、调查基本情况", "二、主要调查结果", "三、比较分析", "四、意见建议", "附：说明", "表1 ", "图1 "]
    {
        assert!(doc.contains(heading), "{heading}");
    }
    let mut footer = String::new();
    std::io::Read::read_to_string(&mut z.by_name("word/footer1.xml").unwrap(), &mut footer).unwrap();
    assert!(footer.contains("— ") && footer.contains("PAGE"), "page numbers — 1 —");
}

fn web_page_stands_alone(w: &Workdir) {
    let html = std::fs::read_to_string(w.path("out/形式主义调查.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg") && html.contains("<style>"));
    for outside in ["<script", "<link", " src=", "href=", "@import", "url("] {
        assert!(!html.contains(outside), "{outside}: the page must open offline with nothing beside it");
    }
    // The same sections as the Word document.
    for heading in ["一、调查基本情况", "二、主要调查结果", "三、比较分析", "四、意见建议", "附：说明"] {
        assert!(html.contains(heading), "{heading}");
    }
}

/// Answers pasted from other programs carry control characters and markup: the Word
/// file stays well-formed XML and the web page shows them as text.
#[test]
fn hostile_answers_do_not_break_the_documents() {
    let w = Workdir::new();
    let head = std::fs::read_to_string(crate::workdir::fixture("wjx_text_utf8.csv")).unwrap().lines().next().unwrap().to_string();
    let mut csv = head + "\n";
    for (i, text) in
        ["少开会\u{0B}多调研\u{01}", "<script>alert(1)</script> & 会议", "]]><w:p>破坏</w:p>", "会议太多，报表太多"].iter().enumerate()
    {
        csv += &format!(
            "{},2025/6/1 10:0{i}:00,120秒,手机提交,直接访问,1.1.1.1,甲局,党政干部,会议多,4分,5分,精简会议,是,较好,\"{text}\",8\n",
            i + 1
        );
    }
    w.write("in.csv", csv);
    w.cmd("report")
        .survey(crate::workdir::fixture("survey.toml"))
        .input(w.path("in.csv"))
        .args(["--charts", "none"])
        .out("out")
        .run()
        .expect_ok();
    let bytes = std::fs::read(w.path("out/fixture.docx")).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut doc = String::new();
    std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut doc).unwrap();
    let mut r = quick_xml::Reader::from_str(&doc);
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("document.xml: {e}"),
        }
    }
    assert!(!doc.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t'), "no control characters in the XML");
    let html = std::fs::read_to_string(w.path("out/fixture.html")).unwrap();
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"), "markup shown as text");
}
