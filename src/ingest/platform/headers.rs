//! Question headers as the platforms write them: `12、text(多选题 *必答)` (also `12.`,
//! `第12题`, `Q12.`), the type suffix, and the code export's split columns
//! `第N题(option)`. Read by inference and by the importer alike.

use crate::text::{fold_width, tidy};

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
                let inner = inner
                    .trim_start_matches(|c| open.contains(&c))
                    .trim_end_matches(|c| close.contains(&c));
                let known = ["单选", "多选", "排序", "量表", "填空", "矩阵", "必答", "选填", "下拉"];
                if known.iter().any(|k| inner.contains(k)) {
                    let required = inner.contains("必答");
                    // 矩阵单选题 is a matrix, not a 单选题: the matrix first. `(多选)` as well
                    // as `(多选题)`.
                    let kind = ["矩阵", "多选", "排序", "量表", "填空", "单选", "下拉"]
                        .iter()
                        .find(|k| inner.contains(*k))
                        .map(|k| k.to_string());
                    return (tidy(&t[..pos]), required, kind);
                }
            }
        }
    }
    (t, false, None)
}

/// Parses a 问卷星 code-export split column `第N题(option)`: (N, option).
pub fn parse_split_header(raw: &str) -> Option<(u32, String)> {
    let s = tidy(raw);
    let rest = s.strip_prefix('第')?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let rest = rest[digits.len()..].strip_prefix('题')?;
    let inner = rest
        .strip_prefix('(')
        .or_else(|| rest.strip_prefix('（'))?;
    let inner = inner
        .strip_suffix(')')
        .or_else(|| inner.strip_suffix('）'))?;
    Some((digits.parse().ok()?, tidy(inner)))
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
        for h in ["6.主题党日", "6、主题党日", "6.主题党日   ", "第6题 主题党日", "第6题：主题党日", "6 主题党日", "６．主题党日"] {
            let p = parse_numbered_header(h).unwrap_or_else(|| panic!("{h}"));
            assert_eq!((p.number, p.text.as_str()), (6, "主题党日"), "{h}");
        }
        assert_eq!(parse_numbered_header("第8题(ACG文化)"), None);
        let h = parse_numbered_header("Q3.您的身份（单选）").unwrap();
        assert_eq!((h.number, h.text.as_str(), h.kind_hint.as_deref()), (3, "您的身份", Some("单选")));
        assert_eq!(parse_numbered_header("Q10"), None);
        assert_eq!(parse_numbered_header("Q4/会议多"), None);
        assert_eq!(parse_numbered_header("6、x(矩阵单选题)").unwrap().kind_hint.as_deref(), Some("矩阵"));
        assert_eq!(
            parse_split_header("第8题(ACG文化(动漫、游戏等))"),
            Some((8, "ACG文化(动漫、游戏等)".into()))
        );
        // Parentheses that are part of the text stay.
        assert_eq!(strip_type_suffix("收入(税后)").0, "收入(税后)");
    }

}
