//! Reading one cell against one question: the rules for option text, codes, letters,
//! "other" texts, skip markers, scores, flags and ranks. Pure functions, no I/O.

use calamine::Data;
use rustc_hash::FxHashMap as HashMap;

use super::ledger::{Action, Problem};
use crate::ingest::cells::{blank, int_of, Blank};
use crate::ingest::platform::split_other;
use crate::survey::{Kind, Question};
use crate::text::{norm, norm_cow, parse_points, tidy};

/// A cell's problem: what was wrong and what was done.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub problem: Problem,
    pub action: Action,
}

fn note(problem: Problem, action: Action) -> Option<Note> {
    Some(Note { problem, action })
}

/// Per-question option lookup, built once.
pub struct Options {
    exact: HashMap<String, usize>,
    normed: HashMap<String, usize>,
    pub scores: Vec<f64>,
    other: Option<usize>,
    n: usize,
    /// Options whose text contains a separator, tried as whole substrings first.
    with_sep: Vec<(String, usize)>,
    /// Codes given as numeric aliases (a codebook's `9 = 不知道`): code → option.
    codes: HashMap<i64, usize>,
    /// Caches of multi-select and ranking cells already read ([`picks`] depends on the
    /// options and the text alone), handed from one file or chunk to the next.
    pub(super) picks_memos: super::memo::Pool<Picks>,
    /// Caches of what the first-rows study saw in a cell of this question (blank, or its
    /// look), handed on the same way.
    pub(super) look_memos: super::memo::Pool<Option<super::sheet::Look>>,
}

const SEPS: &[char] = &['┋', '、', ',', '，', ';', '；', '|', '/', ' ', '　', '\n'];

impl Options {
    pub fn new(q: &Question) -> Options {
        Options::in_wave(q, "")
    }

    /// The lookup for files of `wave`: an option renamed since is also found by its name
    /// in that wave (survey.toml `history`).
    pub fn in_wave(q: &Question, wave: &str) -> Options {
        let mut exact = HashMap::default();
        let mut normed = HashMap::default();
        let mut with_sep = Vec::new();
        let renamed = q.renamed_in(wave);
        for (i, o) in q.options.iter().enumerate() {
            let old = renamed.iter().filter(|(k, _)| *k == i).map(|(_, t)| *t);
            for t in std::iter::once(o.text()).chain(o.aliases().iter().map(|s| s.as_str())).chain(old) {
                exact.insert(t.to_string(), i);
                normed.insert(norm(t), i);
                if t.contains(SEPS) {
                    with_sep.push((norm(t), i));
                }
            }
        }
        with_sep.sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));
        let codes = q
            .options
            .iter()
            .enumerate()
            .flat_map(|(i, o)| o.aliases().iter().filter_map(move |a| crate::ingest::cells::int_text(a).map(|k| (k, i))))
            .collect();
        Options {
            exact,
            normed,
            scores: (0..q.options.len()).map(|i| q.score(i)).collect(),
            other: q.options.iter().position(|o| o.is_other()),
            n: q.options.len(),
            with_sep,
            codes,
            picks_memos: Default::default(),
            look_memos: Default::default(),
        }
    }

    /// The option a text names: exactly, after normalisation, or without a letter prefix
    /// (`A.非常满意`, as 问卷网 and 腾讯问卷 export options).
    pub fn by_text(&self, s: &str) -> Option<usize> {
        self.exact
            .get(s)
            .or_else(|| self.normed.get(norm_cow(s).as_ref()))
            .copied()
            .or_else(|| crate::ingest::platform::strip_letter(s).and_then(|(_, rest)| self.normed.get(norm_cow(rest).as_ref()).copied()))
    }

    fn by_score(&self, v: f64) -> Option<usize> {
        self.scores.iter().position(|s| (*s - v).abs() < 1e-9)
    }

    fn by_letter(&self, s: &str) -> Option<usize> {
        let n = norm(s);
        let mut ch = n.chars();
        match (ch.next(), ch.next()) {
            (Some(c), None) if c.is_ascii_lowercase() => {
                let i = (c as u8 - b'a') as usize;
                (i < self.n).then_some(i)
            }
            _ => None,
        }
    }
}

/// A single-choice or scale answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    Blank(Blank),
    /// Option index, other-text, and a note when the cell was fixed.
    Option(usize, Option<String>, Option<Note>),
    /// Nothing usable: set missing with this note.
    Bad(Note),
}

/// Reads a single-choice or scale cell. `coded`: the column is a code export, so bare
/// integers are option numbers without comment.
pub fn choice(q: &Question, opts: &Options, d: &Data, coded: bool) -> Choice {
    if let Some(b) = blank(d) {
        return Choice::Blank(b);
    }
    let scale = q.kind == Kind::Scale || q.kind == Kind::Matrix;
    // A code the definition names (an option's numeric alias) wins over positions.
    if let Some(i) = (!opts.codes.is_empty()).then(|| int_of(d)).flatten().and_then(|k| opts.codes.get(&k)) {
        return Choice::Option(*i, None, None);
    }
    // 0 in a column of option numbers: not answered (paper questionnaires entered by hand
    // write 0 for a blank or spoilt answer).
    if coded && int_of(d) == Some(0) {
        return Choice::Bad(Note { problem: Problem::ZeroCode, action: Action::SetMissing });
    }
    // A true/false column (Parquet, a checkbox) answers a 是/否 question.
    if let Data::Bool(b) = d {
        if let Some(i) = opts.by_text(if *b { "是" } else { "否" }) {
            return Choice::Option(i, None, None);
        }
    }
    if let Data::String(s) = d {
        if let Some(i) = opts.by_text(s) {
            return Choice::Option(i, None, None);
        }
        let (head, other) = split_other(s);
        if let Some(t) = other {
            if let Some(i) = opts.by_text(head) {
                return Choice::Option(i, Some(t.to_string()), None);
            }
        }
    }
    if scale {
        // A code export numbers the options 1, 2, … whatever their scores (code 1 is `0分`
        // on a 0–10 scale); anywhere else a bare number is the score itself.
        if coded {
            if let Some(k) = int_of(d) {
                return if k >= 1 && (k as usize) <= opts.n {
                    Choice::Option(k as usize - 1, None, None)
                } else {
                    Choice::Bad(Note { problem: Problem::OutOfRange, action: Action::SetMissing })
                };
            }
        }
        if let Some(v) = match d {
            Data::String(s) => parse_points(s),
            Data::Float(f) => Some(*f),
            Data::Int(i) => Some(*i as f64),
            _ => None,
        } {
            return match opts.by_score(v) {
                Some(i) => Choice::Option(i, None, None),
                None => Choice::Bad(Note { problem: Problem::OutOfRange, action: Action::SetMissing }),
            };
        }
    } else if let Some(k) = int_of(d) {
        if k >= 1 && (k as usize) <= opts.n {
            let n = if coded { None } else { note(Problem::CodeAnswer, Action::Converted) };
            return Choice::Option(k as usize - 1, None, n);
        }
        return Choice::Bad(Note { problem: Problem::UnknownOption, action: Action::SetMissing });
    }
    let s = crate::ingest::cell_text(d);
    if let Some(i) = opts.by_letter(&s) {
        return Choice::Option(i, None, note(Problem::LetterAnswer, Action::Converted));
    }
    if let (Some(o), false) = (opts.other, scale) {
        return Choice::Option(o, Some(tidy(&s)), note(Problem::OtherAsText, Action::AsOther));
    }
    Choice::Bad(Note { problem: Problem::UnknownOption, action: Action::SetMissing })
}

/// One part of a multi-select or ranking cell that could not be used as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct PartNote {
    pub value: String,
    pub note: Note,
}

/// A multi-select or ranking answer written in one cell (text export or hand-typed).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Picks {
    /// Options in the order written, with their other-texts.
    pub picks: Vec<(usize, Option<String>)>,
    pub notes: Vec<PartNote>,
    /// An option was named twice.
    pub repeated: bool,
}

/// Reads `运动┋影视`, `价格→外观`, `A、C`, `AB`, `a,c`, `运动，影视` and hand-typed "other" parts.
pub fn picks(opts: &Options, s: &str, rank: bool) -> Picks {
    let mut out = picks_of(opts, s, rank);
    // A ranking that names an option twice (`甲→甲→乙`) has no order to read: not guessed.
    if rank && out.repeated {
        out.picks.clear();
        out.notes.push(PartNote { value: s.trim().to_string(), note: Note { problem: Problem::BadRank, action: Action::SetMissing } });
    }
    out
}

fn picks_of(opts: &Options, s: &str, rank: bool) -> Picks {
    let mut out = Picks::default();
    let mut push = |out: &mut Picks, i: usize, t: Option<String>| {
        if !out.picks.iter().any(|(j, _)| *j == i) {
            out.picks.push((i, t));
        } else {
            out.repeated = true;
        }
    };
    let s = s.trim();
    let sep = if s.contains('┋') {
        '┋'
    } else if s.contains('→') {
        '→'
    } else if let Some(i) = opts.by_text(s) {
        push(&mut out, i, None);
        return out;
    } else {
        // Letters only: `AB`, `A、C`, `a,c`.
        let n = norm(s);
        let letters: String = n.chars().filter(|c| !SEPS.contains(c)).collect();
        if !letters.is_empty()
            && letters.chars().all(|c| c.is_ascii_lowercase())
            && letters.chars().all(|c| ((c as u8 - b'a') as usize) < opts.n)
        {
            for c in letters.chars() {
                push(&mut out, (c as u8 - b'a') as usize, None);
            }
            out.notes.push(PartNote { value: s.to_string(), note: Note { problem: Problem::LetterAnswer, action: Action::Converted } });
            return out;
        }
        // Options containing separators are taken out whole first.
        let mut rest = norm(s);
        for (t, i) in &opts.with_sep {
            if let Some(p) = rest.find(t.as_str()) {
                push(&mut out, *i, None);
                rest.replace_range(p..p + t.len(), "┋");
            }
        }
        let owned: Vec<String> = rest.split(SEPS).map(|x| x.to_string()).collect();
        for p in owned.iter().filter(|p| !p.is_empty()) {
            part(opts, p, &mut out, &mut push, rank);
        }
        return out;
    };
    for p in s.split(sep).map(str::trim).filter(|p| !p.is_empty()) {
        part(opts, p, &mut out, &mut push, rank);
    }
    out
}

fn part(opts: &Options, p: &str, out: &mut Picks, push: &mut impl FnMut(&mut Picks, usize, Option<String>), rank: bool) {
    if let Some(i) = opts.by_text(p) {
        push(out, i, None);
        return;
    }
    let (head, other) = split_other(p);
    if let (Some(t), Some(i)) = (other, opts.by_text(head)) {
        push(out, i, Some(t.to_string()));
        return;
    }
    if let Some(i) = opts.by_letter(p) {
        push(out, i, None);
        out.notes.push(PartNote { value: p.to_string(), note: Note { problem: Problem::LetterAnswer, action: Action::Converted } });
        return;
    }
    match (opts.other, rank) {
        (Some(o), false) => {
            push(out, o, Some(p.to_string()));
            out.notes.push(PartNote { value: p.to_string(), note: Note { problem: Problem::OtherAsText, action: Action::AsOther } });
        }
        _ => out.notes.push(PartNote { value: p.to_string(), note: Note { problem: Problem::UnknownOption, action: Action::SetMissing } }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::OptionDef;

    fn q(kind: Kind, opts: &[&str]) -> Question {
        let mut q = Question::new("Q1", "t", kind);
        q.options = opts.iter().map(|o| OptionDef::new(*o, o.starts_with("其他"))).collect();
        q
    }

    fn s(x: &str) -> Data {
        Data::String(x.into())
    }

    #[test]
    fn single_choice_rules() {
        let q = q(Kind::Single, &["党政干部", "事业单位人员", "其他【请注明】"]);
        let o = Options::new(&q);
        assert_eq!(choice(&q, &o, &s(" 党政干部 "), false), Choice::Option(0, None, None));
        assert_eq!(choice(&q, &o, &s("事业单位人员　"), false), Choice::Option(1, None, None));
        assert_eq!(choice(&q, &o, &Data::Float(2.0), true), Choice::Option(1, None, None));
        assert!(matches!(choice(&q, &o, &Data::Float(2.0), false), Choice::Option(1, None, Some(_))));
        assert!(matches!(choice(&q, &o, &s("Ｂ"), false), Choice::Option(1, None, Some(_))));
        assert_eq!(choice(&q, &o, &s("其他【请注明】〖宠物〗"), false), Choice::Option(2, Some("宠物".into()), None));
        assert!(matches!(choice(&q, &o, &s("退休"), false), Choice::Option(2, Some(_), Some(_))));
        assert_eq!(choice(&q, &o, &s("(跳过)"), false), Choice::Blank(Blank::Skipped));
        assert_eq!(choice(&q, &o, &Data::Float(-3.0), true), Choice::Blank(Blank::Skipped));
        assert_eq!(choice(&q, &o, &s("(空)"), false), Choice::Blank(Blank::Empty));
        assert!(matches!(choice(&q, &o, &Data::Float(7.0), true), Choice::Bad(_)));
    }

    #[test]
    fn scale_rules() {
        let q = q(Kind::Scale, &["1分", "2分", "3分", "4分", "5分"]);
        let o = Options::new(&q);
        assert_eq!(choice(&q, &o, &s("4分"), false), Choice::Option(3, None, None));
        assert_eq!(choice(&q, &o, &Data::Float(5.0), false), Choice::Option(4, None, None));
        assert_eq!(choice(&q, &o, &s("５"), false), Choice::Option(4, None, None));
        assert!(matches!(choice(&q, &o, &s("6分"), false), Choice::Bad(Note { problem: Problem::OutOfRange, .. })));
    }

    #[test]
    fn multi_rules() {
        let q = q(Kind::Multi, &["运动", "ACG文化(动漫、游戏等)", "影视", "其他【请注明】"]);
        let o = Options::new(&q);
        let ids = |p: Picks| p.picks.into_iter().map(|x| x.0).collect::<Vec<_>>();
        assert_eq!(ids(picks(&o, "运动┋影视", false)), vec![0, 2]);
        assert_eq!(ids(picks(&o, "AC", false)), vec![0, 2]);
        assert_eq!(ids(picks(&o, "a, c", false)), vec![0, 2]);
        assert_eq!(ids(picks(&o, "A、C", false)), vec![0, 2]);
        assert_eq!(ids(picks(&o, "运动、ACG文化(动漫、游戏等)", false)), vec![1, 0]);
        let p = picks(&o, "运动┋其他【请注明】〖宠物〗", false);
        assert_eq!(p.picks, vec![(0, None), (3, Some("宠物".into()))]);
        let p = picks(&o, "运动，钓鱼", false);
        assert_eq!(p.picks[1], (3, Some("钓鱼".into())));
        assert_eq!(p.notes[0].note.problem, Problem::OtherAsText);
        let p = picks(&o, "A、C、领导调研", false);
        assert_eq!(ids(p), vec![0, 2, 3]);
    }
}
