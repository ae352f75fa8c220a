//! What the survey platforms put in their exports besides the answers: the column names
//! of 问卷星 (Wenjuanxin), 问卷网 and 腾讯问卷 (Tencent Survey) metadata, and the letter
//! prefixes some of them put before option texts, their marks for skipped and empty
//! answers, and the brackets around "other" texts. One list, read by both `init`
//! (inference) and the importer, so that a column is metadata to both or to neither.

mod headers;

pub use headers::{parse_numbered_header, parse_split_header, strip_type_suffix, Header};
use crate::text::norm;

/// Text a platform writes for a question not shown by skip logic.
pub const SKIPPED: &[&str] = &["(跳过)", "（跳过）", "-3"];
/// Its code in a code export.
pub const SKIPPED_CODE: i64 = -3;
/// Text a platform writes for a question shown but not answered.
pub const EMPTY: &[&str] = &["(空)", "（空）"];
/// The code of an option not chosen (split multi-select and ranking columns).
pub const NOT_CHOSEN_CODE: i64 = -2;
/// The brackets 问卷星 puts around the text written beside an "other" option.
pub const OTHER_OPEN: char = '〖';
pub const OTHER_CLOSE: char = '〗';

/// Splits a 问卷星 "other" answer `其他【请注明】〖宠物〗` into the option and the text.
pub fn split_other(s: &str) -> (&str, Option<&str>) {
    if let Some(open) = s.find(OTHER_OPEN) {
        let text = &s[open + OTHER_OPEN.len_utf8()..];
        let text = text.strip_suffix(OTHER_CLOSE).unwrap_or(text);
        return (s[..open].trim(), Some(text));
    }
    (s, None)
}

/// What a metadata column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meta {
    /// Respondent id (序号, 编号, 答卷编号).
    Seq,
    /// When the answers were submitted (提交答卷时间, 结束答题时间).
    Submitted,
    /// Anything else the platform records (time taken, source, IP, browser, …): never a question.
    Other,
}

const SEQ: &[&str] = &["序号", "编号", "答卷编号", "答卷序号", "答题序号", "id", "respondent", "respondentid"];
const SUBMITTED: &[&str] = &["提交答卷时间", "提交时间", "答题时间", "填写时间", "结束答题时间", "结束时间", "完成时间", "submitted"];
const OTHER: &[&str] = &[
    // 问卷星
    "所用时间", "来源", "来源详情", "来自ip", "总分", "用户id", "微信昵称", "填写设备", "操作系统", "浏览器",
    // 问卷网 and 腾讯问卷
    "开始答题时间", "开始时间", "答题时长", "填写时长", "用时", "语言", "ua", "useragent", "referrer", "referer", "ip", "ip地址",
    "地理位置", "所在地区", "国家", "省份", "城市", "自定义字段", "渠道", "来源渠道", "投放渠道", "用户标识", "openid", "昵称",
    "设备", "设备类型", "得分", "答题状态", "状态", "审核状态", "回收方式",
    // diaoyan's own cleaned-data columns, when a cleaned file is read back
    "wave", "unit", "source_file", "source_sheet", "source_row", "备注",
];

/// The metadata a header names, if any. Matched on the whole header, after removing a
/// parenthesised qualifier and a trailing number (`地理位置(省)`, `自定义字段2`), never on
/// a prefix, so a question that merely starts with such a word stays a question.
pub fn meta(header: &str) -> Option<Meta> {
    let h = norm(header);
    let mut base = h.as_str();
    if let Some(p) = base.find(['(', '（', '[']) {
        if p > 0 && base.ends_with([')', '）', ']']) {
            base = &base[..p];
        }
    }
    let base = base.trim_end_matches(|c: char| c.is_ascii_digit());
    let base = if base.is_empty() { h.as_str() } else { base };
    if SEQ.contains(&base) {
        Some(Meta::Seq)
    } else if SUBMITTED.contains(&base) {
        Some(Meta::Submitted)
    } else if OTHER.contains(&base) {
        Some(Meta::Other)
    } else {
        None
    }
}

/// An option text without a letter prefix: `A.非常满意`, `B、比较满意`, `c）说不清`,
/// `Ａ．满意` → the text and the letter's position (0 for A). `None` when there is no
/// such prefix or nothing after it.
pub fn strip_letter(s: &str) -> Option<(usize, &str)> {
    let t = s.trim_start();
    let mut chars = t.char_indices();
    let (_, c) = chars.next()?;
    let c = crate::text::fold_width(c);
    if !c.is_ascii_alphabetic() {
        return None;
    }
    let (i, sep) = chars.next()?;
    if !['.', '、', '．', ':', '：', ')', '）', '。'].contains(&sep) {
        return None;
    }
    let rest = t[i + sep.len_utf8()..].trim_start();
    if rest.is_empty() {
        return None;
    }
    Some(((c.to_ascii_lowercase() as u8 - b'a') as usize, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_texts_are_split() {
        assert_eq!(split_other("其他【请注明】〖宠物〗"), ("其他【请注明】", Some("宠物")));
    }

    #[test]
    fn platform_columns() {
        for h in ["编号", "开始答题时间", "答题时长", "语言", "UA", "Referrer", "IP", "地理位置(省)", "地理位置（市）", "自定义字段", "自定义字段2", "渠道", "用户标识", "所用时间", "来自IP"] {
            assert!(meta(h).is_some(), "{h}");
        }
        assert_eq!(meta("结束答题时间"), Some(Meta::Submitted));
        assert_eq!(meta("编号"), Some(Meta::Seq));
        for q in ["渠道建设情况", "1、语言表达", "您的IP意识", "地理位置偏远吗"] {
            assert_eq!(meta(q), None, "{q}");
        }
    }

    #[test]
    fn letter_prefixes() {
        assert_eq!(strip_letter("A.非常满意"), Some((0, "非常满意")));
        assert_eq!(strip_letter("B、比较满意"), Some((1, "比较满意")));
        assert_eq!(strip_letter("ｃ）说不清"), Some((2, "说不清")));
        assert_eq!(strip_letter("AB"), None);
        assert_eq!(strip_letter("A."), None);
        assert_eq!(strip_letter("党政干部"), None);
    }
}
