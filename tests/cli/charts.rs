//! Charts: every kind renders, Chinese is covered by the embedded font for every label
//! of the bundled example and the real exports, SVG text is what the tables say.

use crate::workdir::{fixture, root, wjx, Workdir};
use diaoyan::clean::{import, ImportOptions};
use diaoyan::render::charts::{self, ChartFont, ChartOptions, Spec};
use diaoyan::stats::{compute, StatsOptions};
use diaoyan::survey::Survey;

fn png_size(path: &std::path::Path) -> (u32, u32) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "{} is not a PNG", path.display());
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (be(16), be(20))
}

#[test]
fn every_chart_kind_renders() {
    let w = Workdir::new();
    let r = w.cmd("report").survey(fixture("survey.toml")).input(fixture("wjx_text.xlsx")).args(["--banner", "Q1"]).out("out").run();
    r.expect_code(0);
    assert!(r.stdout().contains("charts/"), "{}", r.stdout());
    let dir = w.path("out/charts");
    // single, multi, matrix, rank, scale, number; crosstabs; none for the text question.
    for name in ["Q1", "Q2", "Q3", "Q4", "Q6", "Q8", "Q2_by_Q1", "Q3_by_Q1", "Q4_by_Q1", "Q5_by_Q1", "Q8_by_Q1"] {
        let (wd, h) = png_size(&dir.join(format!("{name}.png")));
        assert_eq!(wd, 1260, "{name}: 16 cm at 200 dpi");
        assert!(h > 150 && h < 4000, "{name}: height {h}");
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        assert!(svg.contains("Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif"), "{name}: font list");
    }
    assert!(!dir.join("Q7.png").exists(), "no chart for an open question");
    // --dpi changes the pixel size; --charts none draws nothing.
    w.cmd("report")
        .survey(fixture("survey.toml"))
        .input(fixture("wjx_text.xlsx"))
        .args(["--dpi", "100", "--charts", "png", "--doc", "none"])
        .out("o2")
        .run()
        .expect_code(0);
    assert_eq!(png_size(&w.path("o2/charts/Q1.png")).0, 630);
    assert!(!w.path("o2/charts/Q1.svg").exists());
    w.cmd("report")
        .survey(fixture("survey.toml"))
        .input(fixture("wjx_text.xlsx"))
        .args(["--charts", "none", "--doc", "none"])
        .out("o3")
        .run()
        .expect_code(0);
    assert!(!w.path("o3/charts").exists());
}

fn all_texts(survey: &Survey, files: &[std::path::PathBuf], banners: &[String]) -> Vec<String> {
    let imp = import(survey, files, &ImportOptions::default(), &|_| {});
    let banners = diaoyan::stats::Banner::parse_all(banners, survey);
    let r = compute(survey, &imp.frame, &banners, None, &StatsOptions::default()).unwrap();
    let specs = charts::specs(&r, survey);
    assert!(!specs.is_empty());
    specs.iter().flat_map(|(_, s)| s.texts().into_iter().map(|t| t.to_string())).collect()
}

#[test]
fn embedded_font_covers_every_label() {
    let font = ChartFont::load(None).unwrap();
    // The bundled example, with its banners.
    let ex = root().join("surveys/example");
    let s = Survey::load(&ex.join("survey.toml")).unwrap();
    let files = vec![ex.join("2025/问卷星导出_按选项文本.xlsx"), ex.join("2026")];
    let files: Vec<_> = files
        .into_iter()
        .flat_map(|p| if p.is_dir() { std::fs::read_dir(p).unwrap().map(|e| e.unwrap().path()).collect() } else { vec![p] })
        .collect();
    let texts = all_texts(&s, &files, &s.banners.clone());
    assert!(texts.iter().any(|t| t.contains("形式主义")));
    assert_eq!(font.missing(texts.iter().map(|t| t.as_str())), Default::default());
    // The real 问卷星 exports, with the definition init infers.
    let w = Workdir::new();
    w.cmd("init").input(wjx("text-export-800.xls")).input(wjx("code-export-800.xls")).out("s.toml").run().expect_code(0);
    let s = Survey::load(&w.path("s.toml")).unwrap();
    let texts = all_texts(&s, &[wjx("text-export-800.xls")], &s.banners.clone());
    assert!(texts.iter().any(|t| t.contains("ACG文化")));
    assert_eq!(font.missing(texts.iter().map(|t| t.as_str())), Default::default());
    // The check can fail: a snowman is not in the subset.
    assert_eq!(font.missing(["雪人☃"]).into_iter().collect::<String>(), "☃");
}

#[test]
fn svg_text_is_the_tables_text() {
    ChartFont::load(None).unwrap();
    let spec = Spec::Bars {
        title: "Q5. 您认为形式主义问题主要集中在哪些环节".into(),
        caption: "样本量 n=423".into(),
        items: vec![("领导检查".into(), 67.7), ("汇报总结".into(), 56.2)],
        percent: true,
    };
    let w = Workdir::new();
    let files = charts::write(&spec, &w.path("c"), &ChartOptions { png: false, svg: true, dpi: 200 }).unwrap();
    let svg = std::fs::read_to_string(&files[0]).unwrap();
    let texts: Vec<&str> =
        svg.split("<text").skip(1).filter_map(|t| t.split('>').nth(1)).map(|t| t.trim_end_matches("</text").trim()).collect();
    assert_eq!(texts, ["Q5. 您认为形式主义问题主要集中在哪些环节", "领导检查", "67.7%", "汇报总结", "56.2%", "样本量 n=423"]);
}

#[test]
fn chart_options_and_missing_glyphs_are_explained() {
    let w = Workdir::new();
    let args = |extra: &[&str]| {
        let mut v = vec![
            "report".to_string(),
            "-s".into(),
            fixture("survey.toml").display().to_string(),
            fixture("wjx_text.xlsx").display().to_string(),
            "-o".into(),
            "o".into(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let r = w.run(args(&["--charts", "jpg"]));
    r.expect_code(2);
    assert!(r.stderr().contains("jpg"));
    let r = w.run(args(&["--font", "nosuch.ttf"]));
    r.expect_code(2);
    assert!(r.stderr().contains("nosuch.ttf"));
    std::fs::write(w.path("bad.ttf"), b"not a font").unwrap();
    let r = w.run(args(&["--font", "bad.ttf"]));
    r.expect_code(2);
    assert!(r.stderr().contains("字体"));
    // A label with a character the font lacks is reported once, not drawn silently.
    let csv = "序号,1、您的身份\n1,党政干部\n2,事业单位人员\n3,党政干部\n";
    std::fs::write(w.path("d.csv"), csv).unwrap();
    let survey = "id = \"x\"\ntitle = \"t\"\n[[questions]]\nid = \"Q1\"\ntext = \"您的身份☃\"\nkind = \"single\"\noptions = [\"党政干部\", \"事业单位人员\"]\n";
    std::fs::write(w.path("s.toml"), survey).unwrap();
    let r = w.cmd("report").args(["-s", "s.toml", "d.csv"]).out("o4").run();
    r.expect_code(0);
    assert_eq!(r.stderr().matches('☃').count(), 1, "{}", r.stderr());
}
