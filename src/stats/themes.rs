//! Themes of open answers: near-identical answers counted together, as an analyst reads a
//! column of suggestions. An answer is first normalised (full-width forms to half-width,
//! letters to lower case, everything but letters, digits and CJK characters dropped), so
//! that "减少各类报表，推动数据共享。" and "减少各类报表 推动数据共享" are one answer; distinct
//! normalised answers are then taken most frequent first, and each joins the first theme
//! whose representative it resembles — a Dice coefficient of character bigrams of at least
//! [`SIMILAR`] — or starts a theme of its own. A theme counts its answers and is shown by
//! its most frequent original wording.

use std::collections::HashMap;

/// Bigram Dice coefficient from which two answers are one theme.
pub const SIMILAR: f64 = 0.6;
/// An answer is compared with at most this many earlier themes (the most frequent), so that
/// fifty thousand distinct answers cost a fraction of a second; a rarer near-duplicate then
/// starts a theme of its own.
const COMPARED: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The most frequent original wording of its most frequent answer.
    pub example: String,
    /// Answers in the theme.
    pub count: usize,
    /// Its distinct answers (original wording as first seen) and their counts, most first.
    pub answers: Vec<(String, usize)>,
}

/// An answer as themes compare it: half-width, lower case, letters, digits and CJK only.
pub fn normalise(s: &str) -> String {
    s.chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn bigrams(s: &str) -> Vec<(char, char)> {
    let c: Vec<char> = s.chars().collect();
    let mut v: Vec<(char, char)> = if c.len() == 1 { vec![(c[0], c[0])] } else { c.windows(2).map(|w| (w[0], w[1])).collect() };
    v.sort_unstable();
    v
}

/// Dice coefficient of two sorted bigram lists (multiset intersection).
fn dice(a: &[(char, char)], b: &[(char, char)]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// A distinct normalised answer: its count, first position, and original wordings with counts.
type Distinct = (usize, usize, Vec<(String, usize)>);

/// The themes of `answers` (blank ones ignored), most frequent first (ties: first seen).
pub fn themes(answers: &[String]) -> Vec<Theme> {
    // Identical answers first (most repeat): each distinct text is normalised once. Taken
    // in the order first seen, they give every count, first position and wording below as
    // answer by answer would.
    let mut same: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut seen: Vec<&str> = Vec::new();
    for (i, a) in answers.iter().enumerate() {
        let e = same.entry(a.as_str()).or_insert_with(|| {
            seen.push(a);
            (0, i)
        });
        e.0 += 1;
    }
    // Distinct normalised answers: count, first position, original wordings with counts.
    let mut distinct: HashMap<String, Distinct> = HashMap::new();
    for a in seen {
        let (n, i) = same[a];
        let key = normalise(a);
        if key.is_empty() {
            continue;
        }
        let e = distinct.entry(key).or_insert((0, i, Vec::new()));
        e.0 += n;
        let text = a.trim();
        match e.2.iter_mut().find(|x| x.0 == text) {
            Some(x) => x.1 += n,
            None => e.2.push((text.to_string(), n)),
        }
    }
    let mut order: Vec<(String, Distinct)> = distinct.into_iter().collect();
    order.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.1 .1.cmp(&b.1 .1)));
    let mut out: Vec<(Vec<(char, char)>, Theme)> = Vec::new();
    for (key, (count, _, mut forms)) in order {
        forms.sort_by_key(|f| std::cmp::Reverse(f.1));
        let grams = bigrams(&key);
        let shown = forms[0].0.clone();
        match out.iter_mut().take(COMPARED).find(|(g, _)| dice(g, &grams) >= SIMILAR) {
            Some((_, t)) => {
                t.count += count;
                t.answers.push((shown, count));
            }
            None => out.push((grams, Theme { example: shown.clone(), count, answers: vec![(shown, count)] })),
        }
    }
    let mut themes: Vec<Theme> = out.into_iter().map(|x| x.1).collect();
    themes.sort_by_key(|t| std::cmp::Reverse(t.count));
    themes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[(&str, usize)]) -> Vec<String> {
        items.iter().flat_map(|(s, n)| std::iter::repeat_n(s.to_string(), *n)).collect()
    }

    /// Punctuation, spaces, full-width letters and small wording changes make one theme;
    /// different suggestions stay apart; counts add up; ties keep the order first seen.
    #[test]
    fn near_identical_answers_are_one_theme() {
        let answers = v(&[
            ("减少各类报表，推动数据共享", 10),
            ("减少各类报表 推动数据共享。", 5),
            ("减少各类报表，推进数据共享", 3),
            ("合并同类会议，压缩会议时间", 7),
            ("合并同类会议、压缩会议时间！", 2),
            ("取消工作群打卡", 4),
            ("ＡＰＰ太多", 1),
            ("app太多", 1),
            ("", 3),
            ("无", 2),
        ]);
        let t = themes(&answers);
        let got: Vec<(&str, usize)> = t.iter().map(|x| (x.example.as_str(), x.count)).collect();
        assert_eq!(
            got,
            [("减少各类报表，推动数据共享", 18), ("合并同类会议，压缩会议时间", 9), ("取消工作群打卡", 4), ("ＡＰＰ太多", 2), ("无", 2)]
        );
        assert_eq!(t[0].answers.len(), 2, "the two wordings that differ after normalising");
        assert_eq!(t.iter().map(|x| x.count).sum::<usize>(), answers.iter().filter(|a| !a.trim().is_empty()).count());
    }

    #[test]
    fn dice_of_bigrams() {
        assert_eq!(dice(&bigrams("abcd"), &bigrams("abcd")), 1.0);
        assert_eq!(dice(&bigrams("ab"), &bigrams("cd")), 0.0);
        assert!((dice(&bigrams("abcd"), &bigrams("abce")) - 2.0 / 3.0).abs() < 1e-12);
    }
}
