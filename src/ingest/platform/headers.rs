//! Question headers as the platforms write them: `12、text(多选题 *必答)` (also `12.`,
//! `第12题`, `Q12.`), the type suffix, and the code export's split columns
//! `第N题(option)`. Read by inference and by the importer alike.

use crate::text::{fold_width, norm, tidy};

/// The parts of a 问卷星 question header `12、text(多选题 *必答)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub number: u32,
    pub text: String,
    pub required: bool,
    /// Kind hint from the type suffix (`单选题`, `多选题`, `排序题`, …).
    pub kind_hint: Option<String>,
}

/// Parses `N、text` (also `N.text`, `N．text`, `N：text`, `N text`, `第N题 text`,
/// `第N题：text`); `None` when the header does not start with a question number. A
/// code-export split column `第N题(option)` is not a numbered header (see
/// [`parse_split_header`]).
pub fn parse_numbered_header(raw: &str) -> Option<Header> {
    if parse_split_header(raw).is_some() {
        return None;
    }
    let s = fold_leading_digits(&tidy(raw));
    // `Q3.text` / `Q3：text` (腾讯问卷 and hand-made tables) as well as `3、text`.
    let s = match s.strip_prefix(['Q', 'q']) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest.to_string(),
        _ => s,
    };
    let (body, di) = match s.strip_prefix('第') {
        Some(rest) => (rest, true),
        None => (s.as_str(), false),
    };
    let digits: String = body.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    let mut rest = &body[digits.len()..];
    if di {
        rest = rest.strip_prefix('题')?;
        if rest.starts_with(['(', '（']) {
            return None;
        }
    }
    let after = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    let spaced = after.len() < rest.len();
    let text = after
        .strip_prefix('、')
        .or_else(|| after.strip_prefix('.'))
        .or_else(|| after.strip_prefix('．'))
        .or_else(|| after.strip_prefix(':'))
        .or_else(|| after.strip_prefix('：'));
    let text = match text {
        Some(t) => t,
        // `6 主题党日` and `第6题主题党日`: a space (or 第…题) is separator enough, but
        // `6个月` or `2025年度` is not a numbered header.
        None if (spaced || di) && !after.is_empty() => after,
        None => return None,
    };
    let number: u32 = digits.parse().ok()?;
    let (text, required, kind_hint) = strip_type_suffix(text);
    if text.is_empty() {
        return None;
    }
    Some(Header { number, text, required, kind_hint })
}

/// Full-width digits at the start (after an optional 第) folded to ASCII: `６．` → `6．`.
fn fold_leading_digits(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    if let Some((_, '第')) = chars.peek() {
        out.push('第');
        chars.next();
    }
    while let Some(&(i, c)) = chars.peek() {
        let f = fold_width(c);
        if !f.is_ascii_digit() {
            out.push_str(&s[i..]);
            return out;
        }
        out.push(f);
        chars.next();
    }
    out
}

/// Removes a trailing `(多选题 *必答)` / `（单选题）` / `[排序题]` suffix.
pub fn strip_type_suffix(s: &str) -> (String, bool, Option<String>) {
    let t = tidy(s);
    let open = ['(', '（', '['];
    let close = [')', '）', ']'];
    if let Some(last) = t.chars().last() {
        if close.contains(&last) {
            if let Some(pos) = t.rfind(|c| open.contains(&c)) {
                let inner = &t[pos..];
                let inner = inner.trim_start_matches(|c| open.contains(&c)).trim_end_matches(|c| close.contains(&c));
                let known = ["单选", "多选", "排序", "量表", "填空", "矩阵", "必答", "选填", "下拉"];
                if known.iter().any(|k| inner.contains(k)) {
                    let required = inner.contains("必答");
                    // 矩阵单选题 is a matrix, not a 单选题: the matrix first. `(多选)` as well
                    // as `(多选题)`.
                    let kind =
                        ["矩阵", "多选", "排序", "量表", "填空", "单选", "下拉"].iter().find(|k| inner.contains(*k)).map(|k| k.to_string());
                    return (tidy(&t[..pos]), required, kind);
                }
            }
        }
    }
    (t, false, None)
}

/// Parses a 问卷星 code-export split column: `第N题(option)` (multi-select or ranking
/// options), or `N、(label)` / `N.(label)` / `N(label)` (the rows of a matrix, the options
/// of a ranking): (N, label).
pub fn parse_split_header(raw: &str) -> Option<(u32, String)> {
    let s = fold_leading_digits(&tidy(raw));
    let (rest, di) = match s.strip_prefix('第') {
        Some(r) => (r, true),
        None => (s.as_str(), false),
    };
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    let mut rest = &rest[digits.len()..];
    if di {
        rest = rest.strip_prefix('题')?;
    } else {
        rest = rest.trim_start();
        rest = rest.strip_prefix(['、', '.', '．', ':', '：']).unwrap_or(rest).trim_start();
    }
    let inner = rest.strip_prefix(['(', '（'])?;
    let inner = inner.strip_suffix([')', '）'])?;
    let inner = tidy(inner);
    // `3、(单选题)` is a type hint, not a label.
    if inner.is_empty() || (!di && strip_type_suffix(&format!("x({inner})")).2.is_some()) {
        return None;
    }
    Some((digits.parse().ok()?, inner))
}

/// A sub-column code as survey panels and 问卷网's English headers write them: `Q4_1`,
/// `Q4.1`, `Q4-1`, `Q4|A1` (option or row 1 of `Q4`), `Q2|A3|open`, `Q4_5_TEXT` (the
/// text written beside option 3 or 5): (stem, k ≥ 1, is the written text).
pub fn parse_sub_code(raw: &str) -> Option<(String, usize, bool)> {
    let s = norm(raw);
    let bytes = s.as_bytes();
    let letters = bytes.iter().take_while(|b| b.is_ascii_lowercase()).count();
    if letters == 0 || letters > 4 {
        return None;
    }
    let digits = bytes[letters..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let stem = &s[..letters + digits];
    let mut parts = s[letters + digits..].split(['_', '.', '-', '|']);
    if parts.next() != Some("") {
        return None;
    }
    let part = parts.next()?;
    let k: usize = part.trim_start_matches(|c: char| c.is_ascii_lowercase()).parse().ok()?;
    if k == 0 || part.len() - part.trim_start_matches(|c: char| c.is_ascii_lowercase()).len() > 1 {
        return None;
    }
    let open = match parts.next() {
        None => false,
        Some(t) if ["open", "text", "other", "oth", "txt", "注明", "其他"].contains(&t) => true,
        Some(_) => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((stem.to_string(), k, open))
}

/// Whether a header cell looks like a variable code (`Q1`, `Q4_1`, `S2`, `A3_2_TEXT`,
/// `Q2|A1|open`) rather than words: the second header row of survey-panel exports.
pub fn is_code(raw: &str) -> bool {
    let s = norm(raw);
    let b = s.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_lowercase()).count();
    if !(1..=4).contains(&letters) || !b.get(letters).is_some_and(|c| c.is_ascii_digit()) {
        return false;
    }
    s.len() <= 24 && b.iter().all(|c| c.is_ascii_alphanumeric() || b"_.-|".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let h = parse_numbered_header("6、兴趣爱好(多选题 *必答) ").unwrap();
        assert_eq!((h.number, h.text.as_str(), h.required), (6, "兴趣爱好", true));
        assert_eq!(h.kind_hint.as_deref(), Some("多选"));
        let h = parse_numbered_header("3、性别 ").unwrap();
        assert_eq!((h.number, h.text.as_str(), h.required), (3, "性别", false));
        assert_eq!(parse_numbered_header("序号"), None);
        assert_eq!(parse_numbered_header("2025年度"), None);
        assert_eq!(parse_numbered_header("6个月以上"), None);
        for h in ["6.主题党日", "6、主题党日", "6.主题党日   ", "第6题 主题党日", "第6题：主题党日", "6 主题党日", "６．主题党日"]
        {
            let p = parse_numbered_header(h).unwrap_or_else(|| panic!("{h}"));
            assert_eq!((p.number, p.text.as_str()), (6, "主题党日"), "{h}");
        }
        assert_eq!(parse_numbered_header("第8题(ACG文化)"), None);
        let h = parse_numbered_header("Q3.您的身份（单选）").unwrap();
        assert_eq!((h.number, h.text.as_str(), h.kind_hint.as_deref()), (3, "您的身份", Some("单选")));
        assert_eq!(parse_numbered_header("Q10"), None);
        assert_eq!(parse_numbered_header("Q4/会议多"), None);
        assert_eq!(parse_numbered_header("6、x(矩阵单选题)").unwrap().kind_hint.as_deref(), Some("矩阵"));
        assert_eq!(parse_split_header("第8题(ACG文化(动漫、游戏等))"), Some((8, "ACG文化(动漫、游戏等)".into())));
        assert_eq!(parse_split_header("3、(三会一课)"), Some((3, "三会一课".into())));
        assert_eq!(parse_split_header("4(价格)"), Some((4, "价格".into())));
        assert_eq!(parse_split_header("12、收入(税后)"), None);
        assert_eq!(parse_split_header("3、(单选题)"), None);
        assert_eq!(parse_sub_code("Q4_1"), Some(("q4".into(), 1, false)));
        assert_eq!(parse_sub_code("Q2|A3|open"), Some(("q2".into(), 3, true)));
        assert_eq!(parse_sub_code("Q4_5_TEXT"), Some(("q4".into(), 5, true)));
        assert_eq!(parse_sub_code("Q4"), None);
        assert_eq!(parse_sub_code("2025_1"), None);
        assert!(is_code("Q4_1") && is_code("SC0") && is_code("Q2|A1|open"));
        assert!(!is_code("您的性别") && !is_code("1") && !is_code("A") && !is_code("Q"));
        // Parentheses that are part of the text stay.
        assert_eq!(strip_type_suffix("收入(税后)").0, "收入(税后)");
    }
}
