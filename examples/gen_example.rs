//! Generates the bundled example in `surveys/example/` (synthetic, reproducible):
//!
//! - `2024/问卷星导出_2024年.xlsx`: the 2024 round, a 问卷星 text export of the
//!   questionnaire as it was then: no question 9 (so 10 and 11 were numbered 9 and 10),
//!   question 5 worded differently, the option 说不清 of question 3 called 说不好, and no
//!   option 政务APP和工作群过多 in question 4; 区统计局 did not take part;
//! - `2025/问卷星导出_按选项文本.xlsx`: a 问卷星 text export (metadata columns, `N、`
//!   headers with type suffixes, `┋` multi-select, `〖…〗` other texts, a matrix whose later
//!   headers are bare row labels, `→` ranking, `(跳过)` skip logic, `(空)`, and two
//!   duplicate submissions);
//! - `2026/<单位>.xlsx|.csv`: one hand-filled workbook per unit with the mess units send
//!   (merged title row, option letters, full-width characters, trailing spaces, blank
//!   rows, a totals row, an out-of-range score, text in a number column, a repeated
//!   序号, a GBK-encoded CSV).
//!
//! The answers follow a simple model with real structure: identity, unit and year shift
//! the probabilities, so crosstabs and year-over-year comparisons show plausible
//! differences; each unit has its own trend (`IMPROVE`), so some units improve from year
//! to year and some do not. Run: `cargo run --example gen_example` (writes into surveys/example).

use rust_xlsxwriter::Format;
use std::path::Path;

#[path = "support/common.rs"]
mod common;
use common::{workbook, Rng};

const UNITS: [&str; 10] = [
    "区发展改革委",
    "区财政局",
    "区教育局",
    "区卫生健康委",
    "区住房城乡建设局",
    "区农业农村局",
    "区市场监管局",
    "区人力社保局",
    "区司法局",
    "区统计局",
];
const IDENT: [&str; 4] = ["党政干部", "事业单位人员", "国有企业人员", "其他"];
const WHERE: [&str; 4] = ["机关", "基层单位", "两者都有", "说不清"];
const Q4: [&str; 7] = [
    "文山会海、会议过多",
    "督查检查考核过多过频",
    "痕迹管理、过度留痕",
    "填表报数、材料繁多",
    "调研走过场",
    "政务APP和工作群过多",
    "其他（请注明）",
];
const Q5: [&str; 7] = ["领导检查", "汇报总结", "会议活动", "文件起草", "调查研究", "考核评比", "其他（请注明）"];
const ROWS: [&str; 5] = ["三会一课", "主题党日", "组织生活会", "民主评议党员", "谈心谈话"];
const Q7: [&str; 5] = ["精简会议文件", "规范督查检查考核", "减少填表报数", "整治政务APP", "改进调查研究"];
const YESNO: [&str; 3] = ["是", "否", "不清楚"];
const Q9: [&str; 5] = ["明显加重", "有所加重", "没有变化", "有所减轻", "明显减轻"];
const OTHER4: [&str; 3] = ["微信工作群打卡", "重复报送材料", "过度拍照留痕"];
const OTHER5: [&str; 2] = ["评优评先", "专项工作验收"];
const SUGGEST: [&str; 8] = [
    "建议合并同类会议，能开短会的不开长会",
    "督查检查要统筹，避免多头重复检查",
    "减少各类报表，推动数据共享",
    "工作群不要要求随时回复、拍照打卡",
    "调研要到一线去，多听基层的真实声音",
    "考核要看实绩，不以留痕多少论英雄",
    "希望整治常态化，不要一阵风",
    "精简文件，提高文件质量",
];

/// How much each unit improves per year (0: like the district as a whole; negative: worse).
const IMPROVE: [f64; 10] = [0.8, -0.5, 0.6, -0.3, 0.5, 0.0, 1.0, -0.6, 0.4, 0.2];

/// One synthetic respondent.
struct Resp {
    ident: usize,
    unit: usize,
    where_: usize,
    q4: Vec<bool>,
    q4_other: Option<&'static str>,
    q5: Vec<bool>,
    q5_other: Option<&'static str>,
    q6: [u32; 5],
    q7: Vec<usize>,
    q8: usize,
    q9: Option<usize>,
    q10: u32,
    q11: Option<&'static str>,
}

fn respondent(rng: &mut Rng, unit: usize, year: u32) -> Resp {
    let later = year >= 2026;
    // Years from 2025 (−1 for 2024), and this unit's own trend over them.
    let t = year as f64 - 2025.0;
    let trend = t * IMPROVE[unit];
    // 教育局、卫健委 are mostly 事业单位 staff; the others mostly 机关 cadres.
    let ident_w: [f64; 4] = match unit {
        2 | 3 => [0.30, 0.62, 0.03, 0.05],
        4 | 5 => [0.55, 0.30, 0.10, 0.05],
        _ => [0.78, 0.15, 0.03, 0.04],
    };
    let ident = rng.pick(&ident_w);
    let where_w: [f64; 4] = match ident {
        0 => [0.62, 0.12, 0.22, 0.04],
        1 => [0.57, 0.18, 0.20, 0.05],
        _ => [0.45, 0.20, 0.25, 0.10],
    };
    let where_ = rng.pick(&where_w);
    // Formalism eased a little in 2026, most where the campaign focused (meetings, apps).
    let ease: Vec<f64> =
        [0.10, 0.06, 0.04, 0.05, 0.02, 0.12, 0.0].iter().map(|e| e * t + if *e > 0.0 { 0.14 * trend } else { 0.0 }).collect();
    let unit_heat = [0.04, 0.08, 0.02, 0.0, 0.06, -0.04, 0.03, -0.02, 0.0, -0.06][unit];
    let base4 = [0.58, 0.63, 0.49, 0.60, 0.31, 0.45, 0.025];
    let mut q4: Vec<bool> = (0..7)
        .map(|i| {
            let mut p = base4[i] - ease[i] + if i < 6 { unit_heat } else { 0.0 };
            if ident == 1 && (i == 1 || i == 2) {
                p += 0.08;
            }
            if ident == 0 && (i == 0 || i == 3) {
                p += 0.05;
            }
            rng.f() < p
        })
        .collect();
    if !q4.iter().any(|b| *b) {
        q4[rng.pick(&[3.0, 3.0, 2.0, 3.0, 1.0, 1.0, 0.0])] = true;
    }
    let q4_other = q4[6].then(|| OTHER4[rng.range(0, 2) as usize]);
    let base5 = [0.677, 0.562, 0.47, 0.33, 0.26, 0.51, 0.02];
    let mut q5: Vec<bool> = (0..7)
        .map(|i| rng.f() < base5[i] - if i < 2 { 0.05 * t + 0.04 * trend } else { 0.0 } + if i < 6 { unit_heat } else { 0.0 })
        .collect();
    if !q5.iter().any(|b| *b) {
        q5[0] = true;
    }
    let q5_other = q5[6].then(|| OTHER5[rng.range(0, 1) as usize]);
    let mut q6 = [0u32; 5];
    let unit_pb = [0.3, 0.2, -0.1, -0.2, 0.0, -0.3, 0.1, 0.2, 0.3, 0.0][unit];
    for (k, row_mean) in [4.2, 4.0, 3.8, 3.7, 3.5].iter().enumerate() {
        let m: f64 = row_mean + unit_pb + 0.15 * t + 0.25 * trend;
        let x = m + (rng.f() + rng.f() + rng.f() - 1.5) * 1.4;
        q6[k] = x.round().clamp(1.0, 5.0) as u32;
    }
    // Ranking: weights favour fewer meetings and inspections; most rank all five.
    let mut left: Vec<usize> = (0..5).collect();
    let mut w = vec![3.0, 3.4, 2.6, if later { 1.2 } else { 2.0 }, 1.1];
    let depth = if rng.f() < 0.8 { 5 } else { 3 };
    let mut q7 = Vec::new();
    for _ in 0..depth {
        let ws: Vec<f64> = left.iter().map(|i| w[*i]).collect();
        let k = rng.pick(&ws);
        q7.push(left.remove(k));
    }
    w.clear();
    let q8 = if year == 2025 {
        rng.pick(&[0.55, 0.25, 0.20])
    } else {
        let yes = (0.55 + 0.22 * t + 0.2 * trend).clamp(0.15, 0.95);
        rng.pick(&[yes, (1.0 - yes) * 0.55, (1.0 - yes) * 0.45])
    };
    let q9 = (q8 == 0).then(|| rng.pick(if later { &[0.02, 0.06, 0.27, 0.45, 0.20] } else { &[0.04, 0.10, 0.36, 0.38, 0.12] }));
    let q10 = (rng.range(3, 10) as f64 + 2.0 - 2.0 * t - 1.5 * trend + if ident == 0 { 2.0 } else { 0.0 }).round().max(0.0) as u32;
    let q11 = (rng.f() < 0.35).then(|| SUGGEST[rng.range(0, 7) as usize]);
    Resp { ident, unit, where_, q4, q4_other, q5, q5_other, q6, q7, q8, q9, q10, q11 }
}

fn wjx_multi(sel: &[bool], opts: &[&str], other: Option<&str>) -> String {
    sel.iter()
        .enumerate()
        .filter(|(_, s)| **s)
        .map(|(i, _)| if i == opts.len() - 1 { format!("{}〖{}〗", opts[i], other.unwrap_or("")) } else { opts[i].to_string() })
        .collect::<Vec<_>>()
        .join("┋")
}

/// A 问卷星 text export of one round. 2025 has today's questionnaire and two double
/// submissions; 2024 has the questionnaire before its revision (see the module docs).
fn write_wjx(path: &Path, rng: &mut Rng, year: u32) {
    let old = year == 2024;
    let mut wb = workbook();
    let ws = wb.add_worksheet();
    ws.set_name("Sheet1").unwrap();
    for (c, h) in wjx_headers(old).iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    let mut row = 1u32;
    let mut seq = 1;
    let mut repeat: Option<Vec<String>> = None;
    // 区统计局 (the last unit) joined the survey in 2025.
    let units = if old { UNITS.len() - 1 } else { UNITS.len() };
    for u in 0..units {
        let n = if old { rng.range(32, 44) } else { rng.range(34, 48) };
        for k in 0..n {
            let cells = wjx_row(rng, u, year, seq);
            // Two submissions of 2025 arrive twice (a double click on 提交): same time, same answers.
            if !old && u == 3 && (k == 5 || k == 9) {
                repeat = Some(cells.clone());
            }
            for (c, v) in cells.iter().enumerate() {
                ws.write_string(row, c as u16, v).unwrap();
            }
            row += 1;
            seq += 1;
            if let Some(mut again) = repeat.take() {
                again[0] = seq.to_string();
                for (c, v) in again.iter().enumerate() {
                    ws.write_string(row, c as u16, v).unwrap();
                }
                row += 1;
                seq += 1;
            }
        }
    }
    wb.save(path).unwrap();
}

/// The export's headers: 问卷星's metadata columns, then the questions as that year's
/// questionnaire numbered and worded them.
fn wjx_headers(old: bool) -> Vec<String> {
    let mut headers: Vec<String> =
        ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"].iter().map(|s| s.to_string()).collect();
    headers.push("1、您的身份(单选题 *必答)".into());
    headers.push("2、您所在的单位(单选题 *必答)".into());
    headers.push(
        if old {
            "3、您认为形式主义问题主要存在于(单选题 *必答)"
        } else {
            "3、您认为形式主义问题主要存在于 "
        }
        .into(),
    );
    headers.push("4、您认为当前形式主义主要表现在哪些方面(多选题 *必答)".into());
    headers.push(
        if old {
            "5、您认为形式主义主要集中在哪些环节(多选题 *必答)"
        } else {
            "5、您认为形式主义问题主要集中在哪些环节(多选题 *必答)"
        }
        .into(),
    );
    headers.push(format!("6、您所在党支部落实以下制度的情况—{}", ROWS[0]));
    headers.extend(ROWS[1..].iter().map(|s| s.to_string()));
    headers.push("7、请对以下减负措施的迫切程度排序(排序题 *必答)".into());
    headers.push("8、您所在单位是否开展过形式主义专项整治".into());
    // Question 9 was added in 2025; the two after it moved up one number.
    let n0 = if old { 9 } else { 10 };
    if !old {
        headers.push("9、专项整治后，您感受到的工作负担变化".into());
    }
    headers.push(format!("{n0}、近一个月您参加的各类会议次数"));
    headers.push(format!("{}、您对整治形式主义、为基层减负的意见和建议", n0 + 1));
    headers
}

/// The cells of response `seq`, a respondent of unit `u` drawn from `rng`, as that year's
/// export writes them (2024 called 说不清 说不好, and had no option 政务APP和工作群过多).
fn wjx_row(rng: &mut Rng, u: usize, year: u32, seq: usize) -> Vec<String> {
    let old = year == 2024;
    let where_names = if old { ["机关", "基层单位", "两者都有", "说不好"] } else { WHERE };
    let q4_opts: Vec<&str> = Q4.iter().enumerate().filter(|(i, _)| !old || *i != 5).map(|(_, s)| *s).collect();
    let ips = ["183.192.16.69(上海-上海)", "116.228.88.12(北京-北京)", "221.6.33.101(江苏-南京)"];
    let mut r = respondent(rng, u, year);
    if old {
        r.q4[5] = false;
        if !r.q4.iter().any(|b| *b) {
            r.q4[0] = true;
        }
    }
    let q4_sel: Vec<bool> = r.q4.iter().enumerate().filter(|(i, _)| !old || *i != 5).map(|(_, b)| *b).collect();
    let day = 10 + (seq % 12);
    let mut cells: Vec<String> = vec![
        seq.to_string(),
        format!("{year}/6/{day} {:02}:{:02}:{:02}", 8 + seq % 10, seq * 7 % 60, seq * 13 % 60),
        format!("{}秒", rng.range(95, 600)),
        "微信".into(),
        "N/A".into(),
        ips[seq % 3].into(),
        IDENT[r.ident].into(),
        UNITS[r.unit].into(),
        where_names[r.where_].into(),
        wjx_multi(&q4_sel, &q4_opts, r.q4_other),
        wjx_multi(&r.q5, &Q5, r.q5_other),
    ];
    cells.extend(r.q6.iter().map(|v| format!("{v}分")));
    cells.push(r.q7.iter().map(|i| Q7[*i]).collect::<Vec<_>>().join("→"));
    cells.push(YESNO[r.q8].into());
    if !old {
        cells.push(r.q9.map(|i| Q9[i].to_string()).unwrap_or_else(|| "(跳过)".into()));
    }
    cells.push(r.q10.to_string());
    cells.push(r.q11.map(|s| s.to_string()).unwrap_or_else(|| "(空)".into()));
    cells
}

const LETTERS: &[u8] = b"ABCDEFG";

fn letters(sel: &[bool], sep: &str) -> String {
    sel.iter().enumerate().filter(|(_, s)| **s).map(|(i, _)| (LETTERS[i] as char).to_string()).collect::<Vec<_>>().join(sep)
}

fn fullwidth(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c }).collect()
}

/// One unit's hand-filled return for 2026, in one of several styles.
fn unit_rows(rng: &mut Rng, unit: usize) -> (Vec<String>, Vec<Vec<String>>) {
    let style = unit % 3;
    let mut headers: Vec<String> = vec!["序号".into()];
    let q = |n: u32, t: &str| if style == 0 { format!("{n}、{t}") } else { t.to_string() };
    headers.push(q(1, "您的身份"));
    headers.push(q(3, "您认为形式主义问题主要存在于"));
    headers.push(q(4, "您认为当前形式主义主要表现在哪些方面"));
    headers.push(q(5, "您认为形式主义问题主要集中在哪些环节"));
    headers.push(q(6, &format!("您所在党支部落实以下制度的情况—{}", ROWS[0])));
    headers.extend(ROWS[1..].iter().map(|s| s.to_string()));
    headers.push(q(7, "请对以下减负措施的迫切程度排序"));
    headers.push(q(8, "您所在单位是否开展过形式主义专项整治"));
    headers.push(q(9, "专项整治后，您感受到的工作负担变化"));
    headers.push(q(10, "近一个月您参加的各类会议次数"));
    headers.push(q(11, "您对整治形式主义、为基层减负的意见和建议"));
    let n = rng.range(30, 46);
    let mut rows = Vec::new();
    for k in 0..n {
        let r = respondent(rng, unit, 2026);
        let mut cells = vec![(k + 1).to_string()];
        match style {
            // Texts as typed: trailing spaces, full-width digits, "、" between choices.
            0 => {
                cells.push(format!("{} ", IDENT[r.ident]));
                cells.push(WHERE[r.where_].into());
                let mut t: Vec<String> = r.q4.iter().enumerate().filter(|(i, s)| **s && *i < 6).map(|(i, _)| Q4[i].to_string()).collect();
                if let Some(o) = r.q4_other {
                    t.push(o.to_string());
                }
                cells.push(t.join("，"));
                let mut t: Vec<String> = r.q5.iter().enumerate().filter(|(i, s)| **s && *i < 6).map(|(i, _)| Q5[i].to_string()).collect();
                if let Some(o) = r.q5_other {
                    t.push(o.to_string());
                }
                cells.push(t.join("、"));
                cells.extend(r.q6.iter().map(|v| if k % 4 == 0 { fullwidth(&v.to_string()) } else { v.to_string() }));
                cells.push(r.q7.iter().map(|i| Q7[*i]).collect::<Vec<_>>().join("→"));
            }
            // Option letters everywhere: `A`, `ACD`, `A、C`, `a,c`.
            _ => {
                cells.push((LETTERS[r.ident] as char).to_string());
                cells.push((LETTERS[r.where_] as char).to_string());
                cells.push(match k % 3 {
                    0 => letters(&r.q4, ""),
                    1 => letters(&r.q4, "、"),
                    _ => letters(&r.q4, ",").to_lowercase(),
                });
                cells.push(letters(&r.q5, ""));
                cells.extend(r.q6.iter().map(|v| format!("{v}分")));
                cells.push(r.q7.iter().map(|i| (LETTERS[*i] as char).to_string()).collect::<Vec<_>>().join(""));
            }
        }
        cells.push(if style == 0 { YESNO[r.q8].to_string() } else { (LETTERS[r.q8] as char).to_string() });
        cells.push(r.q9.map(|i| if style == 0 { Q9[i].to_string() } else { (LETTERS[i] as char).to_string() }).unwrap_or_default());
        cells.push(r.q10.to_string());
        cells.push(r.q11.unwrap_or("").to_string());
        rows.push(cells);
    }
    // Typical mistakes, one or two per unit, at fixed places so the ledger is stable.
    match unit {
        0 => rows[3][5] = "6".into(),         // score outside 1–5
        1 => rows[7][2] = "不好说".into(),    // not an option of Q3
        2 => rows[2][13] = "十次左右".into(), // text in a number question
        4 => {
            let dup = rows[10].clone();
            rows.insert(11, dup);
        } // 序号 entered twice
        5 => rows[4][1] = String::new(),      // required answer left blank
        7 => {
            rows[6][11] = "B".into();
            rows[6][12] = "E".into();
        } // Q9 answered although Q8 = 否
        _ => {}
    }
    (headers, rows)
}

fn write_unit_xlsx(path: &Path, unit: usize, headers: &[String], rows: &[Vec<String>]) {
    let mut wb = workbook();
    let ws = wb.add_worksheet();
    ws.set_name("填报表").unwrap();
    let title = Format::new().set_bold().set_align(rust_xlsxwriter::FormatAlign::Center);
    ws.merge_range(0, 0, 0, headers.len() as u16 - 1, &format!("{}形式主义问题和党建工作情况调查汇总表（2026年）", UNITS[unit]), &title)
        .unwrap();
    ws.write_string(1, 0, "填报人：办公室").unwrap();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(2, c as u16, h).unwrap();
    }
    let mut r = 3u32;
    for (k, row) in rows.iter().enumerate() {
        if k == rows.len() / 2 && unit.is_multiple_of(2) {
            r += 1; // a blank row in the middle
        }
        for (c, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            // Numbers typed into Excel become numbers.
            match v.parse::<f64>() {
                Ok(x) if c == 0 || c == headers.len() - 2 => ws.write_number(r, c as u16, x).unwrap(),
                _ => ws.write_string(r, c as u16, v).unwrap(),
            };
        }
        r += 1;
    }
    if unit % 3 == 1 {
        ws.write_string(r + 1, 0, "合计").unwrap();
        ws.write_number(r + 1, 1, rows.len() as f64).unwrap();
    }
    wb.save(path).unwrap();
}

fn write_unit_csv_gbk(path: &Path, headers: &[String], rows: &[Vec<String>]) {
    let mut text = String::new();
    let quote = |s: &str| if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() };
    text.push_str(&headers.iter().map(|h| quote(h)).collect::<Vec<_>>().join(","));
    text.push_str("\r\n");
    for r in rows {
        text.push_str(&r.iter().map(|h| quote(h)).collect::<Vec<_>>().join(","));
        text.push_str("\r\n");
    }
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    std::fs::write(path, bytes).unwrap();
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys/example");
    for y in ["2024", "2025", "2026"] {
        let d = root.join(y);
        if d.exists() {
            std::fs::remove_dir_all(&d).unwrap();
        }
        std::fs::create_dir_all(&d).unwrap();
    }
    let mut rng = Rng(20251123);
    write_wjx(&root.join("2025/问卷星导出_按选项文本.xlsx"), &mut rng, 2025);
    for (u, name) in UNITS.iter().enumerate() {
        let (h, rows) = unit_rows(&mut rng, u);
        if u == 8 {
            write_unit_csv_gbk(&root.join(format!("2026/{name}.csv")), &h, &rows);
        } else {
            write_unit_xlsx(&root.join(format!("2026/{name}.xlsx")), u, &h, &rows);
        }
    }
    // The 2024 round last, with its own seed, so that the later rounds do not depend on it.
    write_wjx(&root.join("2024/问卷星导出_2024年.xlsx"), &mut Rng(20241123), 2024);
    println!("已生成示例数据：{}", root.display());
}
