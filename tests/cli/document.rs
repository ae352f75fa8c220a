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
    charts_print_legibly(w);
    rankings_say_their_uncertainty(w);
    the_deck_is_a_presentation_of_the_findings(w);
    each_unit_gets_its_own_figures(w);
}

/// The units section says, in the text, that every unit of the example is under the
/// caution base (with the range of bases, counted here from league.csv) and where the
/// top places' rank intervals overlap.
fn rankings_say_their_uncertainty(w: &Workdir) {
    let html = std::fs::read_to_string(w.path("out/形式主义调查.html")).unwrap();
    let start = html.find("各单位比较</h3>").expect("a units section");
    let section = &html[start..];
    let (h, rows) = w.csv("out/league.csv");
    let c = |n: &str| h.iter().position(|x| x == n).unwrap();
    let first = &rows.iter().find(|r| r[c("wave")] == "2026").unwrap()[c("indicator")];
    let bases: Vec<usize> =
        rows.iter().filter(|r| r[c("wave")] == "2026" && &r[c("indicator")] == first).map(|r| r[c("base")].parse().unwrap()).collect();
    let (lo, hi) = (bases.iter().min().unwrap(), bases.iter().max().unwrap());
    assert!(*hi < 100, "the example's units are all under 100");
    assert!(section.contains(&format!("有效问卷在{lo}至{hi}份之间，都少于100份")), "no caution on the units' bases");
    assert!(section.contains("名次先后在抽样误差范围内"), "overlapping intervals not said");
}

/// Every part of an OOXML package (a zip): name → text (XML) or bytes, each XML part
/// checked to be well-formed.
fn package(path: &std::path::Path) -> HashMap<String, Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut parts = HashMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut b).unwrap();
        if name.ends_with(".xml") || name.ends_with(".rels") {
            let s = String::from_utf8(b.clone()).unwrap();
            let mut r = quick_xml::Reader::from_str(&s);
            loop {
                match r.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => panic!("{}: {name}: {e}", path.display()),
                }
            }
        }
        parts.insert(name, b);
    }
    parts
}

/// The text runs (`<a:t>` or `<w:t>`) of an XML part, joined.
fn runs(xml: &[u8], tag: &str) -> String {
    let s = String::from_utf8_lossy(xml);
    let open = format!("<{tag}>");
    let open_sp = format!("<{tag} ");
    let close = format!("</{tag}>");
    let mut out = String::new();
    for piece in s.split(&close) {
        let at = piece
            .rfind(&open)
            .map(|i| i + open.len())
            .or_else(|| piece.rfind(&open_sp).and_then(|i| piece[i..].find('>').map(|k| i + k + 1)));
        if let Some(i) = at {
            out.push_str(&piece[i..]);
        }
    }
    out.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The 汇报 deck: a valid package whose slides are the presentation's, in order; a title
/// slide, 调查基本情况, one slide per figure of the report (its picture present, a
/// conclusion above it), the year-over-year and unit slides among them, text ≥ 12 pt.
fn the_deck_is_a_presentation_of_the_findings(w: &Workdir) {
    let parts = package(&w.path("out/形式主义调查.pptx"));
    let text = |name: &str| String::from_utf8(parts[name].clone()).unwrap();
    let pres = text("ppt/presentation.xml");
    let n = pres.matches("<p:sldId ").count();
    assert!(n >= 10, "{n} slides");
    let types = text("[Content_Types].xml");
    let html = std::fs::read_to_string(w.path("out/形式主义调查.html")).unwrap();
    let figures = html.matches("<figcaption>").count();
    let mut pictures = 0;
    for k in 1..=n {
        let slide = text(&format!("ppt/slides/slide{k}.xml"));
        assert!(types.contains(&format!("/ppt/slides/slide{k}.xml")), "slide {k} not in [Content_Types]");
        let rels = text(&format!("ppt/slides/_rels/slide{k}.xml.rels"));
        if slide.contains("r:embed=\"rId2\"") {
            assert!(parts.contains_key(&format!("ppt/media/image{k}.png")) && rels.contains(&format!("../media/image{k}.png")));
            // The picture has a conclusion (title, lead, caption).
            assert!(slide.matches("<a:t>").count() >= 4, "slide {k}: {}", runs(&parts[&format!("ppt/slides/slide{k}.xml")], "a:t"));
            pictures += 1;
        }
        for sz in slide.split(" sz=\"").skip(1) {
            let v: u32 = sz[..sz.find('"').unwrap()].parse().unwrap();
            assert!(v >= 1200, "slide {k}: text of {} pt", v / 100);
        }
    }
    assert_eq!(pictures, figures, "one slide per figure of the report");
    let all: String = (1..=n).map(|k| runs(&parts[&format!("ppt/slides/slide{k}.xml")], "a:t") + "\n").collect();
    assert!(runs(&parts["ppt/slides/slide1.xml"], "a:t").contains("调研报告"), "title slide");
    for must in ["调查基本情况", "与2025年相比", "各单位比较", "意见建议"] {
        assert!(all.contains(must), "no slide on {must}");
    }
}

/// 分单位反馈: one Word file per unit that answered in 2026; the 区财政局 file quotes its
/// own column of the unit crosstabs (results.csv), the whole survey beside it, its 2025
/// figure, its rank from league.csv, and its own open answers with their count.
fn each_unit_gets_its_own_figures(w: &Workdir) {
    let (head, rows) = w.csv("out/results.csv");
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let (wave, q, banner, group, option, measure, value, base) =
        (col("wave"), col("question"), col("banner"), col("group"), col("option"), col("measure"), col("value"), col("base"));
    let units: HashSet<&str> =
        rows.iter().filter(|r| r[wave] == "2026" && r[banner] == "unit" && r[base] != "0").map(|r| r[group].as_str()).collect();
    let files: Vec<_> =
        std::fs::read_dir(w.path("out/分单位反馈")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(files.len(), units.len(), "{files:?}");
    for u in &units {
        assert!(files.contains(&format!("{u}.docx")), "{u}");
    }
    let parts = package(&w.path("out/分单位反馈/区财政局.docx"));
    let doc = runs(&parts["word/document.xml"], "w:t");
    let fig = |wv: &str, b: &str, g: &str| {
        let r = rows
            .iter()
            .find(|r| r[wave] == wv && r[q] == "Q3" && r[banner] == b && r[group] == g && r[option] == "机关" && r[measure] == "percent")
            .unwrap();
        format!("{:.1}%", r[value].parse::<f64>().unwrap())
    };
    let (own, all, before) = (fig("2026", "unit", "区财政局"), fig("2026", "总体", "总体"), fig("2025", "unit", "区财政局"));
    assert!(doc.contains(&format!("机关{own}{all}{before}")), "Q3 机关 row {own} {all} {before} in {doc}");
    // Its rank on the first indicator, from league.csv.
    let (lh, lr) = w.csv("out/league.csv");
    let lc = |n: &str| lh.iter().position(|h| h == n).unwrap();
    let r = lr.iter().find(|r| r[lc("wave")] == "2026" && r[lc("unit")] == "区财政局").unwrap();
    let said = format!("“{}”", r[lc("indicator_name")]);
    let rank = &r[lc("rank")];
    let expect = if rank.is_empty() { "未参加排名".to_string() } else { format!("排第{rank}名") };
    assert!(doc.contains(&said) && doc.contains(&expect), "{expect} of {said}");
    assert!(doc.contains("本单位的意见建议") && doc.contains("本单位有"), "open answers");
    assert!(!doc.contains("区教育局"), "another unit's name in 区财政局's feedback");
}

/// Every chart, printed at the text width of an office page (15.6 cm), sets its smallest
/// text at 9 pt or more, and no chart text carries a question's internal id (“Q3.”,
/// “Q6/…”). Read from the SVG files: `font-size` in user units of 1/96 inch, the chart
/// `width` in the same units.
fn charts_print_legibly(w: &Workdir) {
    let survey = diaoyan::survey::Survey::load(&crate::workdir::root().join("surveys/example/survey.toml")).unwrap();
    let attr = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!(" {name}=\"")).unwrap_or_else(|| panic!("no {name} in {tag}")) + name.len() + 3;
        tag[at..at + tag[at..].find('"').unwrap()].parse().unwrap()
    };
    let mut charts = 0;
    for e in std::fs::read_dir(w.path("out/charts")).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "svg") {
            continue;
        }
        let svg = std::fs::read_to_string(&path).unwrap();
        let width = attr(&svg[..svg.find('>').unwrap()], "width");
        let scale = (15.6 / 2.54) / (width / 96.0);
        let mut texts = 0;
        for piece in svg.split("<text").skip(1) {
            let tag = &piece[..piece.find('>').unwrap()];
            let pt = attr(tag, "font-size") * 72.0 / 96.0 * scale;
            assert!(pt >= 9.0, "{}: text of {pt:.2} pt in print", path.display());
            let body = piece[piece.find('>').unwrap() + 1..piece.find("</text>").unwrap()].trim();
            for q in &survey.questions {
                for id in [format!("{}.", q.id), format!("{}/", q.id), format!("{} ", q.id)] {
                    assert!(!body.starts_with(&id) && !body.contains(&format!("（{id}")), "{}: internal id in {body:?}", path.display());
                }
            }
            texts += 1;
        }
        assert!(texts > 3, "{}", path.display());
        charts += 1;
    }
    assert!(charts >= 100, "{charts} charts");
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
    // Every significant overall change 2025→2026 of changes.csv is stated: shares of choice
    // questions, means and top-two shares of any question (scales and matrix rows are
    // described by these, not by single levels).
    let (h, changes) = w.csv("out/changes.csv");
    let k = |n: &str| h.iter().position(|x| x == n).unwrap();
    let mut stated = 0;
    for r in changes
        .iter()
        .filter(|r| r[k("wave_from")] == "2025" && r[k("wave_to")] == "2026" && r[k("banner")] == "总体" && !r[k("sig")].is_empty())
    {
        let (m, kind) = (&r[k("measure")], &r[k("kind")]);
        let choice = matches!(kind.as_str(), "single" | "multi");
        if !(m == "mean" || m == "top2" || (m == "percent" && choice)) {
            continue;
        }
        let v = |c: &str| r[k(c)].parse::<f64>().unwrap();
        let (a, b) = (v("value_from"), v("value_to"));
        let said = if m == "mean" {
            [format!("由{a:.2}"), format!("由{a:.1}")].iter().any(|x| section.contains(x.as_str()))
                && [format!("到{b:.2}"), format!("到{b:.1}")].iter().any(|x| section.contains(x.as_str()))
        } else {
            section.contains(&format!("由{a:.1}%")) && section.contains(&format!("到{b:.1}%"))
        };
        assert!(said, "significant change of {} {} {m} ({a} → {b}) not stated", r[k("question")], r[k("option")]);
        stated += 1;
    }
    assert!(stated >= 8, "{stated} significant changes checked");
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
