//! Writes the small test fixtures in tests/fixtures/ (run by tests/fixtures/make.sh,
//! which then converts some of them to .xls and .ods with LibreOffice).
//!
//! The same six answers appear in every 问卷星 form (text export, code export; xlsx,
//! csv in three encodings), so the tests can check that every reader yields the same
//! response table. `unit_messy.xlsx` carries the mess of hand-filled unit workbooks.

use rust_xlsxwriter::Format;
use std::path::Path;

#[path = "support/common.rs"]
mod common;
use common::workbook;

/// Text-export rows: 序号, 提交答卷时间, 单位, Q1, Q2, Q3 rows ×2, Q4, Q5, Q6, Q7, Q8.
const TEXT: [[&str; 12]; 6] = [
    [
        "1",
        "2025/6/1 10:00:00",
        "甲局",
        "党政干部",
        "会议多┋检查多",
        "4分",
        "5分",
        "精简会议→规范检查→减少报表",
        "是",
        "较好",
        "少开会",
        "8",
    ],
    [
        "2",
        "2025/6/1 10:05:00",
        "甲局",
        "事业单位人员",
        "材料多┋其他【请注明】〖打卡〗",
        "3分",
        "3分",
        "规范检查→精简会议",
        "否",
        "(跳过)",
        "(空)",
        "12",
    ],
    ["3", "2025/6/1 10:09:00", "乙局", "其他【请注明】〖退休返聘〗", "检查多", "5分", "4分", "减少报表", "是", "很好", "(空)", "3"],
    [
        "4",
        "2025/6/2 09:00:00",
        "乙局",
        "党政干部",
        "会议多┋检查多┋材料多",
        "2分",
        "2分",
        "精简会议→减少报表→规范检查",
        "是",
        "一般",
        "多调研",
        "0",
    ],
    ["5", "2025/6/2 09:30:00", "乙局", "事业单位人员", "(空)", "1分", "(空)", "(跳过)", "否", "(跳过)", "(空)", "5"],
    ["6", "2025/6/2 11:00:00", "甲局", "党政干部", "会议多", "4分", "4分", "规范检查→减少报表→精简会议", "是", "较差", "(空)", "20"],
];

const META: [&str; 6] = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"];

fn text_headers() -> Vec<String> {
    let mut h: Vec<String> = META.iter().map(|s| s.to_string()).collect();
    h.push("单位".into());
    h.push("1、您的身份(单选题 *必答)".into());
    h.push("2、形式主义表现(多选题 *必答)".into());
    h.push("3、制度落实情况—三会一课".into());
    h.push("主题党日".into());
    h.push("4、减负措施排序(排序题)".into());
    h.push("5、是否开展专项整治".into());
    h.push("6、整治效果 ".into());
    h.push("7、意见建议".into());
    h.push("8、会议次数".into());
    h
}

fn text_rows() -> Vec<Vec<String>> {
    TEXT.iter()
        .map(|r| {
            let mut v = vec![
                r[0].to_string(),
                r[1].to_string(),
                "120秒".into(),
                "手机提交".into(),
                "直接访问".into(),
                "183.192.16.69(上海-上海)".into(),
            ];
            v.extend(r[2..].iter().map(|s| s.to_string()));
            v
        })
        .collect()
}

fn code_headers() -> Vec<String> {
    let mut h: Vec<String> = META.iter().map(|s| s.to_string()).collect();
    h.push("单位".into());
    h.push("1、您的身份".into());
    for o in ["会议多", "检查多", "材料多", "其他【请注明】"] {
        h.push(format!("第2题({o})"));
    }
    h.push("3、制度落实情况—三会一课".into());
    h.push("主题党日".into());
    for o in ["精简会议", "规范检查", "减少报表"] {
        h.push(format!("第4题({o})"));
    }
    h.push("5、是否开展专项整治".into());
    h.push("6、整治效果".into());
    h.push("7、意见建议".into());
    h.push("8、会议次数".into());
    h
}

/// The same answers as TEXT, as 问卷星 writes them in the code export (numbers).
fn code_rows() -> Vec<Vec<f64>> {
    // Q1, Q2×4, Q3×2, Q4×3, Q5, Q6, Q8 (Q7 is text, written separately).
    vec![
        vec![1., 1., 1., 0., 0., 4., 5., 1., 2., 3., 1., 4., 8.],
        vec![2., 0., 0., 1., 1., 3., 3., 2., 1., -2., 2., -3., 12.],
        vec![3., 0., 1., 0., 0., 5., 4., -2., -2., 1., 1., 5., 3.],
        vec![1., 1., 1., 1., 0., 2., 2., 1., 3., 2., 1., 3., 0.],
        vec![2., 0., 0., 0., 0., 1., f64::NAN, -3., -3., -3., 2., -3., 5.],
        vec![1., 1., 0., 0., 0., 4., 4., 3., 1., 2., 1., 2., 20.],
    ]
}

fn write_xlsx(path: &Path, headers: &[String], rows: &[Vec<String>]) {
    let mut wb = workbook();
    let ws = wb.add_worksheet();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if c == 0 {
                ws.write_number(r as u32 + 1, 0, v.parse::<f64>().unwrap()).unwrap();
            } else {
                ws.write_string(r as u32 + 1, c as u16, v).unwrap();
            }
        }
    }
    wb.save(path).unwrap();
}

fn csv_text(headers: &[String], rows: &[Vec<String>]) -> String {
    let q = |s: &String| if s.contains([',', '"']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.clone() };
    let mut t = headers.iter().map(q).collect::<Vec<_>>().join(",") + "\r\n";
    for r in rows {
        t += &(r.iter().map(q).collect::<Vec<_>>().join(",") + "\r\n");
    }
    t
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let (th, tr) = (text_headers(), text_rows());
    write_xlsx(&dir.join("wjx_text.xlsx"), &th, &tr);
    let csv = csv_text(&th, &tr);
    std::fs::write(dir.join("wjx_text_utf8.csv"), &csv).unwrap();
    std::fs::write(dir.join("wjx_text_bom.csv"), [b"\xEF\xBB\xBF".as_slice(), csv.as_bytes()].concat()).unwrap();
    std::fs::write(dir.join("wjx_text_gbk.csv"), encoding_rs::GB18030.encode(&csv).0).unwrap();
    code_export(&dir.join("wjx_code.xlsx"), &tr);
    unit_messy(&dir.join("unit_messy.xlsx"));
    // A workbook whose header matches no question, and an empty one.
    let mut wb = workbook();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "姓名").unwrap();
    ws.write_string(0, 1, "电话").unwrap();
    ws.write_string(1, 0, "张三").unwrap();
    wb.save(dir.join("no_header.xlsx")).unwrap();
    let mut wb = workbook();
    wb.add_worksheet();
    wb.save(dir.join("empty.xlsx")).unwrap();
    std::fs::write(dir.join("garbage.xlsx"), b"this is not a spreadsheet at all\x00\x01\x02").unwrap();
    println!("fixtures written to {}", dir.display());
}

/// The code export of the same answers (`tr`: the text export's rows, for the metadata).
fn code_export(path: &Path, tr: &[Vec<String>]) {
    let ch = code_headers();
    let mut wb = workbook();
    let ws = wb.add_worksheet();
    for (c, h) in ch.iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (r, (nums, t)) in code_rows().iter().zip(TEXT.iter()).enumerate() {
        let r = r as u32 + 1;
        let meta = &tr[r as usize - 1];
        ws.write_number(r, 0, meta[0].parse::<f64>().unwrap()).unwrap();
        for c in 1..6 {
            ws.write_string(r, c, &meta[c as usize]).unwrap();
        }
        ws.write_string(r, 6, t[2]).unwrap();
        let mut c = 7u16;
        for (k, v) in nums.iter().enumerate() {
            if k == 12 {
                // Q7 text sits before Q8.
                let q7 = if t[10] == "(空)" { "(空)" } else { t[10] };
                ws.write_string(r, c, q7).unwrap();
                c += 1;
            }
            if !v.is_nan() {
                ws.write_number(r, c, *v).unwrap();
            }
            c += 1;
        }
    }
    wb.save(path).unwrap();
}

/// A hand-filled unit workbook: merged title row, a note row, option letters, full-width
/// letters and digits, trailing spaces, a merged cell over two answers, a blank row, a
/// totals row, an unknown option, a scale out of range, text in a number column, a
/// repeated 序号, an unknown column.
fn unit_messy(path: &Path) {
    let mut wb = workbook();
    let ws = wb.add_worksheet();
    ws.set_name("调查表").unwrap();
    let bold = Format::new().set_bold();
    let headers = [
        "序号",
        "单位",
        "您的身份",
        "形式主义表现",
        "制度落实情况—三会一课",
        "主题党日",
        "减负措施排序",
        "是否开展专项整治",
        "整治效果",
        "意见建议",
        "会议次数",
        "填表人电话",
    ];
    ws.merge_range(0, 0, 0, headers.len() as u16 - 1, "丙局形式主义问卷汇总（2026年）", &bold).unwrap();
    ws.write_string(1, 0, "说明：选择题可填字母").unwrap();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    let rows: [[&str; 12]; 7] = [
        ["1", "丙局", "A", "AB", "4", "5", "ABC", "是", "较好", "", "6", "123"],
        ["2", "丙局", "Ｂ ", "A、C", "３分", "4分", "B→A", "是", "很好", "无", "七次", ""],
        ["3", "丙局", "党政干部 ", "a,b,c", "6", "3", "C", "否", "", "", "10", ""],
        ["4", "丙局", "", "会议多，打卡多", "5", "5", "", "是", "一般", "", "2", ""],
        ["", "", "", "", "", "", "", "", "", "", "", ""],
        ["5", "丙局", "事业单位人员", "检查多", "2", "2", "A", "B", "", "", "4", ""],
        ["5", "丙局", "事业单位人员", "检查多", "2", "2", "A", "B", "", "", "4", ""],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 3, c as u16, *v).unwrap();
            }
        }
    }
    // Row 4 (index 3) shares 您的身份 with row 3 through a vertical merge.
    ws.merge_range(5, 2, 6, 2, "党政干部 ", &Format::new()).unwrap();
    ws.write_string(10, 0, "合计").unwrap();
    ws.write_string(10, 2, "6人").unwrap();
    wb.save(path).unwrap();
}
