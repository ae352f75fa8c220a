//! The response table turned into compact codes, once per report: each question (or
//! matrix row) as per-row option indices, flags, ranks, numbers or texts, and each
//! banner as a group index per row.

use polars::prelude::*;
use rustc_hash::FxHashMap;

use crate::survey::schema::part_column;
use crate::survey::{Kind, Question, Survey};

use super::model::Banner;
use super::StatsError;

/// A question as compact per-row codes.
pub(crate) enum QData<'a> {
    /// Option index per row (single, scale, one matrix row).
    Choice(Vec<Option<u32>>),
    /// The options selected in each row.
    Multi(Selections),
    /// Rank per option per row.
    Rank(Vec<Vec<Option<i32>>>),
    Text(Vec<Option<&'a str>>),
    Number(Vec<Option<f64>>),
}

/// The options selected in each row of a multi-select question, as bits (one pass over a
/// row's selections instead of a look at every option's column).
pub(crate) struct Selections {
    /// 64-bit words per row.
    words: usize,
    bits: Vec<u64>,
    /// Whether the row answered the question (any option's cell filled, selected or not).
    pub answered: Vec<bool>,
}

impl Selections {
    /// The selections of multi-select question `q`, from its options' true/false columns
    /// (a column missing or of another type: nobody's answer).
    fn of(df: &DataFrame, q: &Question) -> Selections {
        let n = df.height();
        let words = q.options.len().div_ceil(64).max(1);
        let mut bits = vec![0u64; n * words];
        let mut answered = vec![false; n];
        for (o, opt) in q.options.iter().enumerate() {
            let Some(ca) = df.column(&part_column(&q.id, opt.text())).ok().and_then(|c| c.bool().ok()) else { continue };
            let (word, shift) = (o / 64, o % 64);
            // Read from the arrow bitmaps (values and validity) a chunk at a time; a row
            // missing the option has no value there (`false` under an unset validity bit).
            let mut at = 0;
            for arr in ca.downcast_iter() {
                let values = arr.values();
                let rows = bits[at * words..(at + values.len()) * words].chunks_exact_mut(words);
                match arr.validity() {
                    None => {
                        answered[at..at + values.len()].fill(true);
                        rows.zip(values.iter()).for_each(|(w, sel)| w[word] |= u64::from(sel) << shift);
                    }
                    Some(valid) => {
                        for ((w, a), (sel, ok)) in rows.zip(&mut answered[at..]).zip(values.iter().zip(valid.iter())) {
                            w[word] |= u64::from(sel && ok) << shift;
                            *a |= ok;
                        }
                    }
                }
                at += values.len();
            }
        }
        Selections { words, bits, answered }
    }
    pub fn selected(&self, i: usize, o: usize) -> bool {
        self.bits[i * self.words + o / 64] & (1 << (o % 64)) != 0
    }
    /// The options row `i` selected, in order.
    pub fn each(&self, i: usize, mut f: impl FnMut(usize)) {
        for w in 0..self.words {
            let mut b = self.bits[i * self.words + w];
            while b != 0 {
                f(w * 64 + b.trailing_zeros() as usize);
                b &= b - 1;
            }
        }
    }
}

/// What gets a table: a question, or one row of a matrix question.
pub(crate) struct Part<'a> {
    /// `Q3`, or `Q6/三会一课` for a matrix row.
    pub id: String,
    pub text: String,
    pub q: &'a Question,
    pub data: QData<'a>,
}

/// A banner's groups and the group index of every row.
pub(crate) struct Grouping {
    pub banner: Banner,
    pub groups: Vec<String>,
    pub codes: Vec<Option<u32>>,
}

pub(crate) fn str_col(df: &DataFrame, name: &str) -> Option<Vec<Option<String>>> {
    let c = df.column(name).ok()?;
    let s = c.cast(&DataType::String).ok()?;
    let ca = s.str().ok()?.clone();
    Some(ca.iter().map(|v| v.map(|s| s.to_string())).collect())
}

fn f64_col(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name)
        .ok()
        .and_then(|c| c.cast(&DataType::Float64).ok())
        .and_then(|c| c.f64().ok().map(|ca| ca.iter().collect()))
        .unwrap_or_else(|| vec![None; df.height()])
}

pub(crate) fn choice_codes(q: &Question, df: &DataFrame, col: &str) -> Vec<Option<u32>> {
    match q.kind {
        Kind::Single => {
            let Ok(c) = df.column(col) else { return vec![None; df.height()] };
            // The import keeps a single choice as the option's index.
            if let Ok(ca) = c.u32() {
                let k = q.options.len() as u32;
                // From the arrow arrays (values and validity) a chunk at a time.
                let mut out = Vec::with_capacity(df.height());
                for arr in ca.downcast_iter() {
                    let values = arr.values().iter();
                    match arr.validity() {
                        None => out.extend(values.map(|&v| (v < k).then_some(v))),
                        Some(valid) => out.extend(values.zip(valid.iter()).map(|(&v, ok)| (ok && v < k).then_some(v))),
                    }
                }
                return out;
            }
            let idx: FxHashMap<&str, u32> = q.options.iter().enumerate().map(|(i, o)| (o.text(), i as u32)).collect();
            match c.str() {
                Ok(ca) => ca.iter().map(|v| v.and_then(|s| idx.get(s).copied())).collect(),
                Err(_) => vec![None; df.height()],
            }
        }
        _ => {
            let scores: Vec<f64> = (0..q.options.len()).map(|i| q.score(i)).collect();
            f64_col(df, col)
                .into_iter()
                .map(|v| v.and_then(|x| scores.iter().position(|s| (s - x).abs() < 1e-9).map(|i| i as u32)))
                .collect()
        }
    }
}

/// The wave of every row as an index into the distinct waves (in order; a row with
/// none is in the unnamed wave "").
pub(crate) fn wave_codes(df: &DataFrame) -> (Vec<u32>, Vec<String>) {
    let n = df.height();
    let mut list: Vec<String> = Vec::new();
    let mut codes: Vec<u32> = Vec::with_capacity(n);
    let mut code_of = |v: &str| -> u32 {
        // Waves are few: the last one found is nearly always the one.
        (match list.iter().rposition(|x| x == v) {
            Some(i) => i,
            None => {
                list.push(v.to_string());
                list.len() - 1
            }
        }) as u32
    };
    match df.column(crate::survey::schema::WAVE).ok().and_then(|c| c.str().ok()) {
        // Rows come in runs of one wave (a file's, a batch's): a row whose value is stored
        // as the row before's (the same 16-byte view) has its wave, no text compared.
        Some(ca) => {
            use polars_arrow::array::Array;
            for arr in ca.downcast_iter() {
                if arr.null_count() == arr.len() {
                    let c = code_of("");
                    codes.extend(std::iter::repeat_n(c, arr.len()));
                    continue;
                }
                let mut last: Option<(Option<u128>, u32)> = None;
                for (i, view) in arr.views().iter().enumerate() {
                    let key = arr.is_valid(i).then(|| view.as_u128());
                    let c = match last {
                        Some((k, c)) if k == key => c,
                        _ => code_of(key.map_or("", |_| arr.value(i))),
                    };
                    last = Some((key, c));
                    codes.push(c);
                }
            }
        }
        None => {
            let c = code_of("");
            codes.extend(std::iter::repeat_n(c, n));
        }
    }
    // In order: the codes follow the sorted list.
    let mut order: Vec<usize> = (0..list.len()).collect();
    order.sort_by(|a, b| list[*a].cmp(&list[*b]));
    let mut new_code = vec![0u32; list.len()];
    for (new, &old) in order.iter().enumerate() {
        new_code[old] = new as u32;
    }
    let sorted = order.iter().map(|&o| list[o].clone()).collect();
    (codes.into_iter().map(|c| new_code[c as usize]).collect(), sorted)
}

/// A column as people read it: a single choice as its option text, anything else as text.
pub(crate) fn texts(survey: &Survey, df: &DataFrame, name: &str) -> Option<Vec<Option<String>>> {
    match survey.question(name).filter(|q| q.kind == Kind::Single && df.column(name).is_ok_and(|c| c.dtype() == &DataType::UInt32)) {
        Some(q) => Some(choice_codes(q, df, name).into_iter().map(|c| c.map(|i| q.options[i as usize].text().to_string())).collect()),
        None => str_col(df, name),
    }
}

/// The per-option columns `Qn/<option>` of a multi or rank question (missing when absent).
fn option_cols<T: Clone>(df: &DataFrame, q: &Question, get: impl Fn(&Column) -> Option<Vec<Option<T>>>) -> Vec<Vec<Option<T>>> {
    q.options
        .iter()
        .map(|o| df.column(&part_column(&q.id, o.text())).ok().and_then(&get).unwrap_or_else(|| vec![None; df.height()]))
        .collect()
}

/// The parts of a question that get a table each: the question, or each matrix row.
pub(crate) fn parts<'a>(q: &'a Question, df: &'a DataFrame) -> Vec<Part<'a>> {
    let n = df.height();
    let whole = |data| vec![Part { id: q.id.clone(), text: q.text.clone(), q, data }];
    match q.kind {
        Kind::Single | Kind::Scale => whole(QData::Choice(choice_codes(q, df, &q.id))),
        Kind::Matrix => q
            .rows
            .iter()
            .map(|r| {
                let col = part_column(&q.id, r);
                Part { text: format!("{}—{}", q.text, r), q, data: QData::Choice(choice_codes(q, df, &col)), id: col }
            })
            .collect(),
        Kind::Multi => whole(QData::Multi(Selections::of(df, q))),
        Kind::Rank => whole(QData::Rank(option_cols(df, q, |c| c.i32().ok().map(|ca| ca.iter().collect())))),
        Kind::Text => whole(QData::Text(match df.column(&q.id).ok().and_then(|c| c.str().ok()) {
            Some(ca) => ca.iter().collect(),
            None => vec![None; n],
        })),
        Kind::Number => whole(QData::Number(f64_col(df, &q.id))),
    }
}

/// The groups of a banner: a question's options in order, or the sorted values of a
/// column of the table (unit, wave, …).
pub(crate) fn grouping(survey: &Survey, df: &DataFrame, banner: &Banner) -> Result<Grouping, StatsError> {
    let name = banner.name();
    if let Some(q) = survey.question(name) {
        if !matches!(q.kind, Kind::Single | Kind::Scale) {
            return Err(StatsError::BadBanner(name.to_string(), q.kind.label()));
        }
        let codes = choice_codes(q, df, &q.id);
        let groups = q.options.iter().map(|o| o.text().to_string()).collect();
        return Ok(Grouping { banner: banner.clone(), groups, codes });
    }
    let vals = texts(survey, df, name).ok_or_else(|| StatsError::UnknownBanner(name.to_string()))?;
    let mut groups: Vec<String> = vals.iter().flatten().cloned().collect();
    groups.sort();
    groups.dedup();
    let idx: FxHashMap<&str, u32> = groups.iter().enumerate().map(|(i, g)| (g.as_str(), i as u32)).collect();
    let codes = vals.iter().map(|v| v.as_deref().and_then(|s| idx.get(s).copied())).collect();
    Ok(Grouping { banner: banner.clone(), groups, codes })
}

/// Keeps the respondents whose column `col` (a question id or a table column such as
/// `unit` or `wave`) equals one of `values`, for figures over a subset of the sample.
pub fn subset(survey: &Survey, df: &DataFrame, col: &str, values: &[String]) -> Result<DataFrame, StatsError> {
    let out = filter(survey, df, col, values)?;
    if out.height() == 0 {
        return Err(StatsError::EmptySubset(format!("{col}={}", values.join("|"))));
    }
    Ok(out)
}

/// [`subset`], which may be empty (a batch of rows may hold none of the subset).
pub(crate) fn filter(survey: &Survey, df: &DataFrame, col: &str, values: &[String]) -> Result<DataFrame, StatsError> {
    let vals = texts(survey, df, col).ok_or_else(|| StatsError::UnknownFilter(col.to_string()))?;
    // `5` and `5.0` are the same number: numeric columns compare as numbers.
    // A selected option (true) is also `1` or `是`.
    let same = |cell: &str, want: &str| {
        cell == want
            || matches!((cell.trim().parse::<f64>(), want.trim().parse::<f64>()), (Ok(a), Ok(b)) if a == b)
            || (cell == "true" && ["1", "是", "选中"].contains(&want.trim()))
            || (cell == "false" && ["0", "否", "未选"].contains(&want.trim()))
    };
    let mask: BooleanChunked = vals.iter().map(|v| Some(v.as_deref().is_some_and(|s| values.iter().any(|x| same(s, x))))).collect();
    df.filter(&mask).map_err(|_| StatsError::UnknownFilter(col.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs of one wave (short texts held inline, long ones in a buffer), blanks (the
    /// unnamed wave) between them, and a wave coming back after another: every row's
    /// code is its wave's place in the sorted list.
    #[test]
    fn wave_codes_follow_the_sorted_waves() {
        let long = "2024年第一批次调查（区直机关）";
        let rows = [Some(long), Some(long), None, Some("2023"), Some(long), None, Some("2023"), Some("2023")];
        let df = DataFrame::new(rows.len(), vec![Column::new(crate::survey::schema::WAVE.into(), rows)]).unwrap();
        let (codes, list) = wave_codes(&df);
        assert_eq!(list, ["", "2023", long]);
        assert_eq!(codes, [2, 2, 0, 1, 2, 0, 1, 1]);
        let none = DataFrame::new(3, vec![Column::new(crate::survey::schema::WAVE.into(), [None::<&str>; 3])]).unwrap();
        assert_eq!(wave_codes(&none), (vec![0, 0, 0], vec![String::new()]));
    }

    #[test]
    fn selections_as_bits_past_64_options() {
        // 70 options, three rows: options 0, 63, 64 and 69 selected; nothing selected but
        // answered; not answered. Option 5's column is missing (nobody's answer).
        let options: Vec<String> = (0..70).map(|o| format!("\"选项{o}\"")).collect();
        let toml = format!(
            "id = \"t\"\ntitle = \"t\"\n[[questions]]\nid = \"Q1\"\ntext = \"多选\"\nkind = \"multi\"\noptions = [{}]\n",
            options.join(", ")
        );
        let survey = crate::survey::Survey::from_toml(&toml).unwrap();
        let q = &survey.questions[0];
        let columns: Vec<Column> = (0..70)
            .filter(|o| *o != 5)
            .map(|o| {
                let first = Some([0, 63, 64, 69].contains(&o));
                Column::new(part_column("Q1", &format!("选项{o}")).into(), [first, Some(false), None])
            })
            .collect();
        let df = DataFrame::new(3, columns).unwrap();
        let s = Selections::of(&df, q);
        let mut got = Vec::new();
        s.each(0, |o| got.push(o));
        assert_eq!(got, [0, 63, 64, 69]);
        assert!(s.selected(0, 64) && !s.selected(0, 65) && !s.selected(1, 0));
        assert_eq!(s.answered, [true, true, false]);
        s.each(1, |_| panic!("nothing selected"));
    }
}
