//! Text normalisation shared by every stage: the same answer typed with full-width
//! characters, stray spaces or different case must match the same option, and a
//! 问卷星 header must yield the same question number and text in every export form.

/// Excel's limit for the text of one cell, in characters.
pub const EXCEL_CELL_CHARS: usize = 32_767;

/// Normalised key for matching: full-width ASCII folded to half-width, all whitespace
/// removed, ASCII lower-cased. Never used for display.
/// [`norm`] without a copy when the text is already in that form (the usual case).
pub fn norm_cow(s: &str) -> std::borrow::Cow<'_, str> {
    let unchanged = s.chars().all(|c| !c.is_whitespace() && fold_width(c) == c && !c.is_ascii_uppercase());
    if unchanged {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(norm(s))
    }
}

pub fn norm(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = fold_width(c);
        if c.is_whitespace() {
            continue;
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Full-width forms (U+FF01–U+FF5E) and the ideographic space to their ASCII twins.
pub fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Text every writer can write: control characters (from pasted text: U+000B, U+0001…),
/// which XML (SVG, workbooks, Word) forbids and CSV readers trip on, become spaces; tabs
/// and line breaks stay. The one function every writer uses.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r') || matches!(c, '\u{FFFE}' | '\u{FFFF}');
    if s.chars().any(bad) {
        std::borrow::Cow::Owned(s.chars().map(|c| if bad(c) { ' ' } else { c }).collect())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A file or folder name as text, and whether it was decoded as GBK: a zip made on
/// Chinese Windows and unpacked elsewhere leaves names in GBK bytes, which are decoded
/// (when they are valid GBK) rather than shown as `��`.
pub fn os_text(s: &std::ffi::OsStr) -> (String, bool) {
    if let Some(t) = s.to_str() {
        return (t.to_string(), false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let (t, _, bad) = encoding_rs::GBK.decode(s.as_bytes());
        if !bad {
            return (t.into_owned(), true);
        }
    }
    (s.to_string_lossy().into_owned(), false)
}

/// A path as text, each part decoded as [`os_text`] does; and whether any part was GBK.
pub fn path_text(p: &std::path::Path) -> (String, bool) {
    if let Some(t) = p.to_str() {
        return (t.to_string(), false);
    }
    let mut gbk = false;
    let parts: Vec<String> = p
        .components()
        .map(|c| {
            let (t, g) = os_text(c.as_os_str());
            gbk |= g;
            t
        })
        .collect();
    let joined = parts.join(std::path::MAIN_SEPARATOR_STR);
    // The root's separator is a part of its own: no doubled separator after it.
    (joined.replacen(&format!("{0}{0}", std::path::MAIN_SEPARATOR), std::path::MAIN_SEPARATOR_STR, 1), gbk)
}

/// A path as messages show it ([`path_text`]: GBK names decoded).
pub fn shown(p: &std::path::Path) -> String {
    path_text(p).0
}

/// A display string: trimmed, full-width spaces included, inner runs kept.
pub fn tidy(s: &str) -> String {
    tidy_str(s).to_string()
}

/// Whether a text holds nothing but ASCII digits, punctuation and spaces (a number, a
/// date, a time, an IP address): no word, label or option name.
pub fn only_ascii_digits_and_marks(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_punctuation() || b == b' ')
}

/// [`tidy`] without a copy.
pub fn tidy_str(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
}

/// Whether a text is already a date-time in the one form [`canonical_time`] gives
/// (`YYYY-MM-DD HH:MM:SS`): then it is kept as it is, without being read again.
pub fn is_canonical_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// A date-time in one form, `YYYY-MM-DD HH:MM:SS`, from the ways exports write it:
/// `2025/3/1 9:05`, `2025-03-01 09:05:00`, `2025年3月1日 9时5分`, `2025-03-01T09:05:00`.
/// `None` when the text is not such a date-time (it is then kept as written).
pub fn canonical_time(s: &str) -> Option<String> {
    let mut out = [0u8; 19];
    canonical_time_in(s, &mut out).map(str::to_string)
}

/// [`canonical_time`] written into `out` (read once per row of every export: no
/// allocation; an all-ASCII text is read byte by byte).
pub fn canonical_time_in<'o>(s: &str, out: &'o mut [u8; 19]) -> Option<&'o str> {
    let mut nums = [0u32; 6];
    let mut len = 0usize;
    let mut cur: Option<u32> = None;
    // Fractions of a second (`09:05:00.000`, as Parquet timestamps print) are dropped.
    let s = match s.trim().rsplit_once('.') {
        Some((head, frac))
            if (1..=9).contains(&frac.len()) && frac.bytes().all(|b| b.is_ascii_digit()) && head.matches(':').count() == 2 =>
        {
            head
        }
        _ => s.trim(),
    };
    let mut each = |c: char| -> Option<()> {
        if let Some(d) = c.to_digit(10) {
            cur = Some(cur.unwrap_or(0).checked_mul(10)?.checked_add(d)?);
        } else if matches!(c, '/' | '-' | ':' | '年' | '月' | '日' | '时' | '分' | '秒' | ' ' | 'T' | '.') {
            if let Some(v) = cur.take() {
                *nums.get_mut(len)? = v;
                len += 1;
            }
        } else {
            return None;
        }
        Some(())
    };
    match s.is_ascii() {
        true => s.bytes().try_for_each(|b| each(char::from(b)))?,
        false => s.chars().try_for_each(|c| each(fold_width(c)))?,
    }
    if let Some(v) = cur {
        *nums.get_mut(len)? = v;
        len += 1;
    }
    if len < 3 {
        return None;
    }
    let [y, mo, d, h, mi, sec] = nums;
    if !(1900..=2200).contains(&y) || !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut at = 0;
    for (v, width, sep) in [(y, 4, b'-'), (mo, 2, b'-'), (d, 2, b' '), (h, 2, b':'), (mi, 2, b':'), (sec, 2, 0)] {
        let digits = [v / 1000 % 10, v / 100 % 10, v / 10 % 10, v % 10];
        for dg in &digits[4 - width..] {
            out[at] = b'0' + *dg as u8;
            at += 1;
        }
        if sep != 0 {
            out[at] = sep;
            at += 1;
        }
    }
    std::str::from_utf8(&out[..]).ok()
}

/// `4分` → 4; also accepts a bare number.
pub fn parse_points(s: &str) -> Option<f64> {
    let t = norm(s);
    let t = t.strip_suffix('分').unwrap_or(&t);
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A file name (without extension) that stays inside its folder on every system: no path
/// separators or characters Windows forbids, no `..`, no reserved device names (CON,
/// NUL, COM1, …), not empty, at most 60 characters.
pub fn safe_file_stem(name: &str) -> String {
    let mut s: String = name
        .chars()
        // Direction overrides and zero-width characters make a name look like another.
        .filter(|c| !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'))
        .map(|c| if "\\/:*?\"<>|".contains(c) || c.is_control() { '_' } else { c })
        .collect();
    s = s.trim().trim_matches('.').trim().to_string();
    while s.contains("..") {
        s = s.replace("..", "_");
    }
    if s.chars().count() > 60 {
        s = s.chars().take(60).collect();
    }
    let upper = s.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = ["CON", "PRN", "AUX", "NUL"].contains(&upper.as_str())
        || ((upper.starts_with("COM") || upper.starts_with("LPT")) && upper.len() == 4 && upper.as_bytes()[3].is_ascii_digit());
    if reserved {
        s = format!("_{s}");
    }
    if s.is_empty() {
        s = "_".into();
    }
    s
}

/// A number as a cell shows it: integers without a decimal point.
pub fn fmt_num(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Excel column letters for a 0-based column index.
pub fn col_letter(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_cow_is_norm() {
        for s in ["第1题选项4", "方面1之2┋方面1之5", "A、C", "ａｂ", "党政 干部", "其它　", "Q1", "abc", "", "　"] {
            assert_eq!(norm_cow(s), norm(s), "{s:?}");
        }
        assert!(matches!(norm_cow("第1题选项4"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn times() {
        for t in ["2025/3/1 9:05", "2025-03-01 09:05:00", "2025年3月1日 9时5分", "2025-03-01T09:05:00", "２０２５/3/1 9:05:00"] {
            assert_eq!(canonical_time(t).as_deref(), Some("2025-03-01 09:05:00"), "{t}");
        }
        assert_eq!(canonical_time("2025/3/1").as_deref(), Some("2025-03-01 00:00:00"));
        for t in ["136秒", "NULL", "3", "2025/13/1 9:00", "abc"] {
            assert_eq!(canonical_time(t), None, "{t}");
        }
    }

    #[test]
    fn normalises() {
        assert_eq!(norm(" ＡＢ　c "), "abc");
        assert_eq!(norm("３０～３４岁"), "30~34岁");
        assert_eq!(parse_points("４分"), Some(4.0));
    }

    #[test]
    fn unit_names_never_escape_the_folder() {
        for name in ["../../etc/passwd", "..\\..\\win.ini", "a/b\\c", "C:\\x", "<>:\"|?*", "\u{0}\u{7}x", "..", "/"] {
            let s = safe_file_stem(name);
            assert!(!s.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|']) && !s.contains("..") && !s.is_empty(), "{name} -> {s}");
            assert!(!s.chars().any(|c| c.is_control()));
        }
        for (name, want) in [
            ("区财政局", "区财政局"),
            ("a/b\\c", "a_b_c"),
            ("CON", "_CON"),
            ("nul.txt", "_nul.txt"),
            ("com1", "_com1"),
            ("COMMITTEE", "COMMITTEE"),
            ("  .. ", "_"),
            ("..", "_"),
            ("x..y", "x_y"),
        ] {
            assert_eq!(safe_file_stem(name), want, "{name}");
        }
        let long = "很".repeat(300);
        assert_eq!(safe_file_stem(&long).chars().count(), 60);
    }
}
