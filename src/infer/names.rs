//! Names for people: the survey's title (from a title row, or the 问卷星 file name
//! `<id>_<0|2>_<标题>_<n>_<n>`, never the platform's words), the export kind a 问卷星 file
//! name states, distinct question ids, and short nouns for grouping questions (身份, not
//! “您的身份是：”).

use std::path::Path;

use crate::survey::{noun, Question};
use crate::text::{norm, tidy};

/// What a 问卷星 file name says the export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// `_0_`: options as text (按选项文本).
    Text,
    /// `_2_`: options as numbers (按序号).
    Code,
}

/// The parts of a 问卷星 export's file name: `234274756_2_家庭教养方式测试_245_245[_0]`.
fn wjx_parts(path: &Path) -> Option<(ExportKind, String)> {
    let stem = path.file_stem()?.to_str()?;
    let parts: Vec<&str> = stem.split('_').collect();
    if parts.len() < 4 || parts[0].len() < 5 || !parts[0].chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let kind = match parts[1] {
        "0" => ExportKind::Text,
        "2" | "1" => ExportKind::Code,
        _ => return None,
    };
    // The counts at the end: `_245_245` or `_357_357_0`.
    let mut end = parts.len();
    while end > 3 && parts[end - 1].chars().all(|c| c.is_ascii_digit()) {
        end -= 1;
    }
    let title = tidy(&parts[2..end].join("_"));
    Some((kind, title))
}

/// The export kind a 问卷星 file name states.
pub fn wjx_export_kind(path: &Path) -> Option<ExportKind> {
    wjx_parts(path).map(|(k, _)| k)
}

/// Words of a file name that name the platform or the export, not the survey.
const PLATFORM_WORDS: &[&str] = &[
    "问卷星导出",
    "问卷星",
    "问卷网",
    "腾讯问卷",
    "金数据",
    "见数",
    "credamo",
    "按选项文本",
    "按选项序号",
    "按序号",
    "按分数",
    "按文本",
    "选项文本",
    "原始数据",
    "导出数据",
    "数据导出",
    "答卷数据",
    "导出",
    "数据",
    "答卷",
    "结果",
    "下载",
    "export",
    "data",
    "raw",
];

/// The survey's title and where it came from: a title row above the header, else the
/// 问卷星 file name's title part, else the file name without the platform's words (and
/// without a year), else 问卷调查.
pub fn title(title_row: Option<&str>, path: &Path) -> (String, String) {
    if let Some(t) = title_row.map(tidy).filter(|t| !t.is_empty()) {
        return (t, "表头上方的标题行".into());
    }
    if let Some((_, t)) = wjx_parts(path).filter(|(_, t)| !t.is_empty()) {
        return (t, "问卷星文件名中的问卷标题".into());
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let mut t = stem.to_string();
    for w in PLATFORM_WORDS {
        t = replace_ci(&t, w);
    }
    // What the removed words leave: empty brackets, doubled separators.
    for empty in ["[]", "【】", "()", "（）", "〔〕"] {
        t = t.replace(empty, "");
    }
    while t.contains("--") || t.contains("__") {
        t = t.replace("--", "-").replace("__", "_");
    }
    let t: String =
        t.trim_matches(|c: char| c == '_' || c == '-' || c == ' ' || c == '（' || c == '）' || c == '(' || c == ')').to_string();
    let meaningful = t.chars().filter(|c| !c.is_ascii_digit() && !"_- 年（）()".contains(*c)).count() >= 2;
    if meaningful {
        (tidy(&t.replace("__", "_")), "文件名".into())
    } else {
        ("问卷调查".into(), "（文件名中没有问卷标题，请在 survey.toml 中改 title）".into())
    }
}

fn replace_ci(s: &str, word: &str) -> String {
    let lower = s.to_lowercase();
    match lower.find(&word.to_lowercase()) {
        Some(p) if lower.len() == s.len() => format!("{}{}", &s[..p], replace_ci(&s[p + word.len()..], word)),
        _ => s.to_string(),
    }
}

/// A short id for output folders from the title.
pub fn survey_id(title: &str) -> String {
    let id: String = title.chars().filter(|c| !"\\/:*?\"<>|".contains(*c) && !c.is_whitespace()).take(40).collect();
    if id.is_empty() {
        "survey".into()
    } else {
        id
    }
}

/// Makes every question id distinct and non-empty: unnumbered columns get the next free
/// `Q<n>`, a repeated id gets `_2`, `_3`, …; ids never equal a response-table column
/// (`unit`, `wave`, …) or contain `/`.
pub fn distinct_ids(qs: &mut [Question]) {
    let mut taken: std::collections::HashSet<String> = crate::survey::schema::TRACE.iter().map(|t| norm(t)).collect();
    let mut next = qs.iter().filter_map(|q| q.id.strip_prefix('Q').and_then(|n| n.parse::<u32>().ok())).max().unwrap_or(0) + 1;
    for q in qs.iter_mut() {
        let mut id = q.id.replace('/', "_");
        if id.is_empty() {
            id = format!("Q{next}");
            next += 1;
        }
        if taken.contains(&norm(&id)) {
            let base = id.clone();
            let mut k = 2;
            while taken.contains(&norm(&format!("{base}_{k}"))) {
                k += 1;
            }
            id = format!("{base}_{k}");
        }
        // An id no longer its header's number: the header is found by its text instead.
        if id != q.id && !q.id.is_empty() && !q.aliases.contains(&q.text) {
            q.aliases.push(q.text.clone());
        }
        taken.insert(norm(&id));
        q.id = id;
    }
}

/// A question naming the respondent's unit (单位, 部门).
pub fn is_unit_question(text: &str) -> bool {
    let n = noun(text);
    let t = text.trim().trim_end_matches(['？', '?', '：', ':', '是', ' ']);
    ["单位", "部门", "所在单位", "工作单位", "单位名称", "所在部门"].contains(&n.as_str())
        || t.ends_with("所在的单位")
        || t.ends_with("所在单位")
        || t.ends_with("所在部门")
}

/// A question worth grouping by: who the respondent is (身份, 性别, 年龄, 职务, 单位, …).
pub fn is_group_question(text: &str) -> bool {
    let n = noun(text);
    n.chars().count() <= 8
        && ["身份", "性别", "年龄", "职务", "职级", "单位", "类别", "类型", "学历", "政治面貌", "党龄", "工龄", "岗位", "部门", "层级"]
            .iter()
            .any(|k| n.contains(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_from_file_names() {
        let (t, _) = title(None, Path::new("234274756_2_家庭教养方式测试（父母版）_245_245.xlsx"));
        assert_eq!(t, "家庭教养方式测试（父母版）");
        assert_eq!(wjx_export_kind(Path::new("234274756_2_标题_245_245.xlsx")), Some(ExportKind::Code));
        assert_eq!(wjx_export_kind(Path::new("12345678_0_标题_357_357_0.xls")), Some(ExportKind::Text));
        assert_eq!(title(None, Path::new("问卷星导出_按选项文本.xlsx")).0, "问卷调查");
        assert_eq!(title(None, Path::new("区直机关作风调查_问卷星导出.xlsx")).0, "区直机关作风调查");
        assert_eq!(title(None, Path::new("[问卷星数据]800_800_0.xls")).0, "问卷调查");
        assert_eq!(title(None, Path::new("text-export-800.xls")).0, "text-800");
        assert_eq!(title(Some("关于作风建设的调查"), Path::new("x.xlsx")).0, "关于作风建设的调查");
    }

    #[test]
    fn nouns() {
        assert_eq!(noun("您的身份是："), "身份");
        assert_eq!(noun("您所在的单位"), "单位");
        assert_eq!(noun("请问您的年龄段？"), "年龄段");
        assert_eq!(noun("您认为形式主义问题主要存在于哪些方面"), "您认为形式主义问题主要存在于哪些方面");
    }
}
