//! Keywords of open answers: each answer is segmented into words (jieba), stop words
//! (assets/stopwords.txt) and one-character words are dropped, and a word counts once per
//! answer that uses it. The most frequent words come with a few representative answers.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Answers beyond this many are not segmented (the count says how many were read).
pub const MAX_ANSWERS: usize = 50_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Keyword {
    pub word: String,
    /// Number of answers using it.
    pub answers: usize,
    /// Up to three answers using it, shortest first (each at most 80 characters).
    pub examples: Vec<String>,
}

static STOP: &str = include_str!("../../assets/stopwords.txt");

fn jieba() -> &'static jieba_rs::Jieba {
    static J: OnceLock<jieba_rs::Jieba> = OnceLock::new();
    J.get_or_init(jieba_rs::Jieba::new)
}

fn stop_words() -> &'static std::collections::HashSet<&'static str> {
    static S: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| STOP.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect())
}

/// A word's count of answers, first position and the answers holding it.
type WordCount = (usize, usize, Vec<usize>);

/// The `top` most used words of `answers` (ties: the word first seen wins).
pub fn keywords(answers: &[String], top: usize) -> Vec<Keyword> {
    let stop = stop_words();
    let mut count: HashMap<String, WordCount> = HashMap::new();
    for (i, a) in answers.iter().take(MAX_ANSWERS).enumerate() {
        let mut seen = std::collections::HashSet::new();
        for w in jieba().cut(a.trim(), false) {
            let w = w.word.trim();
            if w.chars().count() < 2 || stop.contains(w) || !w.chars().any(|c| c.is_alphabetic()) || !seen.insert(w.to_string()) {
                continue;
            }
            let n = count.len();
            let e = count.entry(w.to_string()).or_insert((0, n, Vec::new()));
            e.0 += 1;
            e.2.push(i);
        }
    }
    let mut words: Vec<(String, WordCount)> = count.into_iter().collect();
    words.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.1 .1.cmp(&b.1 .1)));
    words
        .into_iter()
        .take(top)
        .map(|(word, (n, _, idx))| {
            let mut ex: Vec<&str> = idx.iter().map(|&i| answers[i].trim()).collect();
            ex.sort_by_key(|s| (s.chars().count(), *s));
            ex.dedup();
            let examples = ex
                .into_iter()
                .take(3)
                .map(|s| if s.chars().count() > 80 { s.chars().take(79).collect::<String>() + "…" } else { s.to_string() })
                .collect();
            Keyword { word, answers: n, examples }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_once_per_answer_without_stop_words() {
        let a: Vec<String> =
            ["建议合并同类会议，少开会", "会议太多，会议太长", "减少报表和会议", "希望减少报表"].iter().map(|s| s.to_string()).collect();
        let k = keywords(&a, 3);
        assert_eq!(k[0].word, "会议");
        assert_eq!(k[0].answers, 3, "counted once per answer");
        assert_eq!(k[1].word, "减少");
        assert!(!k.iter().any(|x| x.word == "建议" || x.word == "希望"));
        assert_eq!(k[0].examples, ["减少报表和会议", "会议太多，会议太长", "建议合并同类会议，少开会"], "shortest first");
    }
}
