//! Finds the header row of a sheet and says what each column holds, for every header
//! shape seen in practice: 问卷星 `N、text` (text or code export), `第N题(option)` split
//! columns, matrix rows whose later headers are bare row labels, plain headers equal to
//! the question text or id, and `Qn/label` sub-columns. Title rows above the header are
//! skipped because the header is the row that matches the most questions.

use calamine::{Data, Range};
use std::collections::HashMap;

use crate::ingest::cell_text;
use crate::ingest::header_rows::{self, Second};
use crate::ingest::platform::{self, Meta};
use crate::ingest::platform::{parse_numbered_header, parse_split_header};
use crate::survey::{Kind, Survey};
use crate::text::{norm, tidy};

/// What one column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Respondent id (序号 / 编号).
    Seq,
    /// Submission time (提交答卷时间).
    Submitted,
    /// The unit, when the survey names a column (not a question) for it.
    Unit,
    /// Known metadata that is not imported (所用时间, 来源, 来自IP, …).
    Ignore,
    /// A platform column kept in the response table (`[[fields]]`, by index).
    Field(usize),
    /// A whole question in one cell.
    Whole(usize),
    /// One row of a matrix question.
    MatrixRow(usize, usize),
    /// One option of a multi or rank question split into its own column.
    Split(usize, usize),
    /// The "please specify" text of an option (`Q4/其他/注明`).
    OtherText(usize, usize),
    /// Matches nothing.
    Unknown,
    /// Would fill the same target as another column: left out (see `resolve_conflicts`).
    Conflict,
}

impl Role {
    pub fn question(self) -> Option<usize> {
        match self {
            Role::Whole(q) | Role::MatrixRow(q, _) | Role::Split(q, _) | Role::OtherText(q, _) => Some(q),
            _ => None,
        }
    }
}

pub struct Column {
    /// Absolute 0-based column index.
    pub col: u32,
    pub header: String,
    pub role: Role,
    /// Why a column is not imported (shown in columns.csv and the ledger).
    pub reason: Option<String>,
}

pub struct Layout {
    /// Absolute 0-based row index of the header.
    pub header_row: u32,
    pub columns: Vec<Column>,
}

type RoleMap = rustc_hash::FxHashMap<String, rustc_hash::FxHashMap<String, Vec<(Role, Role)>>>;

/// The roles of header texts (per wave, text, and the role of the column before) worked
/// out so far in one import, shared by its files and threads.
#[derive(Default)]
pub struct RoleCache(std::sync::Mutex<RoleMap>);

/// Lookup tables built once per survey and wave.
pub struct Matcher<'a> {
    survey: &'a Survey,
    wave: String,
    /// Roles already worked out by other files of the same import.
    roles: Option<&'a RoleCache>,
    by_text: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
    /// Question number in the headers of this wave (`5、…`, `第5题(…)`).
    by_number: HashMap<u32, usize>,
    unit_column: Option<String>,
}

impl<'a> Matcher<'a> {
    /// The lookups for files of `wave` (empty: no wave named): a question not asked in that
    /// wave matches no column; one renumbered or reworded since is found by its number and
    /// wording of that wave (survey.toml `history`).
    pub fn new(survey: &'a Survey, wave: &str) -> Self {
        let mut by_text = HashMap::new();
        let mut by_id = HashMap::new();
        let mut by_number = HashMap::new();
        let asked = || survey.questions.iter().enumerate().filter(|(_, q)| q.asked_in(wave));
        // That wave's own wordings and numbers first: they win over today's.
        for (i, q) in asked() {
            for t in q.texts_in(wave) {
                by_text.insert(norm(t), i);
            }
            if let Some(n) = q.history_in(wave).and_then(|h| h.number) {
                by_number.insert(n, i);
            }
        }
        for (i, q) in asked() {
            by_text.entry(norm(&q.text)).or_insert(i);
            for a in &q.aliases {
                by_text.entry(norm(a)).or_insert(i);
            }
            by_id.insert(norm(&q.id), i);
            if let Some(n) = q.number_in(wave) {
                by_number.entry(n).or_insert(i);
            }
        }
        let unit_column = survey.unit.as_ref().filter(|u| survey.question(u).is_none()).map(|u| norm(u));
        Matcher { survey, wave: wave.to_string(), roles: None, by_text, by_id, by_number, unit_column }
    }

    /// Shares the roles it works out with the other files of an import.
    pub fn with_roles(mut self, roles: &'a RoleCache) -> Self {
        self.roles = Some(roles);
        self
    }

    /// [`Matcher::role`], looked up first among those other files of the import worked out
    /// (a role depends only on the survey, the wave, the text and `prev`).
    fn known_role(&self, header: &str, prev: Role) -> Role {
        let Some(cache) = self.roles else { return self.role(header, prev) };
        let lookup =
            |c: &RoleMap| c.get(&self.wave).and_then(|m| m.get(header)).and_then(|v| v.iter().find(|(p, _)| *p == prev)).map(|(_, r)| *r);
        if let Some(r) = lookup(&cache.0.lock().unwrap_or_else(|e| e.into_inner())) {
            return r;
        }
        let r = self.role(header, prev);
        let mut c = cache.0.lock().unwrap_or_else(|e| e.into_inner());
        c.entry(self.wave.clone()).or_default().entry(header.to_string()).or_default().push((prev, r));
        r
    }

    fn sub_label(&self, qi: usize, label: &str) -> Role {
        let q = &self.survey.questions[qi];
        // `其他_填空`: the text written beside the option 其他.
        if let Some(o) = crate::ingest::platform::other_fill_in(label) {
            return match q.find_option(o) {
                Some(oi) if q.options[oi].is_other() && matches!(q.kind, Kind::Single | Kind::Multi) => Role::OtherText(qi, oi),
                _ => Role::Unknown,
            };
        }
        let l = norm(label);
        match q.kind {
            Kind::Matrix => match q.rows.iter().position(|r| norm(r) == l) {
                Some(r) => Role::MatrixRow(qi, r),
                // Rows numbered in their headers (`1.三会一课`) are found without the number.
                None => match crate::ingest::platform::strip_row_number(label) {
                    Some((_, rest)) => q.rows.iter().position(|r| norm(r) == norm(rest)).map_or(Role::Unknown, |r| Role::MatrixRow(qi, r)),
                    None => Role::Unknown,
                },
            },
            Kind::Multi | Kind::Rank => match q.find_option(label) {
                Some(o) => Role::Split(qi, o),
                None => Role::Unknown,
            },
            _ => Role::Unknown,
        }
    }

    /// The role of one header cell; `prev` is the role of the column to its left.
    pub fn role(&self, header: &str, prev: Role) -> Role {
        let h = norm(header);
        if h.is_empty() {
            return Role::Unknown;
        }
        if self.unit_column.as_deref() == Some(h.as_str()) {
            return Role::Unit;
        }
        if let Some(k) = self.survey.fields.iter().position(|f| f.headers.iter().any(|x| norm(x) == h)) {
            return Role::Field(k);
        }
        match platform::meta(header) {
            Some(Meta::Seq) => return Role::Seq,
            Some(Meta::Submitted) => return Role::Submitted,
            Some(Meta::Other) => return Role::Ignore,
            None => {}
        }
        // `2.主题党日` after `…—1.三会一课`: the next numbered row of that matrix, not
        // question 2.
        if let Role::MatrixRow(qi, _) = prev {
            if crate::ingest::platform::strip_row_number(header).is_some() {
                let r = self.sub_label(qi, header);
                if r != Role::Unknown {
                    return r;
                }
            }
        }
        if let Some((n, label)) = parse_split_header(header) {
            if let Some(&qi) = self.by_number.get(&n) {
                return self.sub_label(qi, &label);
            }
            // A part made a question of its own (`5、(1)` of a 多项填空题) is found by its header.
            return match self.by_text.get(&h) {
                Some(&qi) => self.whole(qi),
                None => Role::Unknown,
            };
        }
        if let Some(hd) = parse_numbered_header(header) {
            return self.numbered(&hd);
        }
        self.unnumbered(header, &h, prev)
    }

    /// The role of a numbered header `N、text` (`N、stem—row`, `N、row` under a matrix).
    fn numbered(&self, hd: &platform::Header) -> Role {
        let by_number = self.by_number.get(&hd.number).copied();
        if let Some(&qi) = self.by_text.get(&norm(&hd.text)) {
            // The text never outranks the number when both name a question: two
            // questions worded alike (`10.附件`, `11.附件`) are told apart by number.
            // A text matching another question than the number does wins only when
            // the number's own question is worded otherwise (numbers shifted).
            let same_words = |q: usize| norm(&self.survey.questions[q].text) == norm(&hd.text);
            return match by_number {
                Some(n) if n != qi && same_words(n) => self.whole(n),
                _ => self.whole(qi),
            };
        }
        if let Some((left, right)) = split_dash(&hd.text) {
            if let Some(qi) = self.by_text.get(&norm(left)).copied().or(by_number) {
                return self.sub_label(qi, right);
            }
        }
        let Some(qi) = by_number else { return Role::Unknown };
        // `6.主题党日` under a matrix (or an option of a split multi/rank): the text after
        // the number is the row label or option.
        if matches!(self.survey.questions[qi].kind, Kind::Matrix | Kind::Multi | Kind::Rank) {
            let r = self.sub_label(qi, &hd.text);
            if r != Role::Unknown {
                return r;
            }
        }
        self.whole(qi)
    }

    /// The role of a header without a question number: a question's text or id, a
    /// sub-column code (`Q4_1`), the template's `Q1 您的身份`, `Q4/其他/注明`, `Q6/三会一课`
    /// or `题干—行`, or a bare label after a matrix row or split column.
    fn unnumbered(&self, header: &str, h: &str, prev: Role) -> Role {
        if let Some(&qi) = self.by_text.get(h).or_else(|| self.by_id.get(h)) {
            return self.whole(qi);
        }
        // `Q4_1`, `Q4|A1`: option or row 1 of the question coded `Q4`; `Q2|A3|open`: the
        // text written beside its option 3.
        if let Some((stem, k, open)) = crate::ingest::platform::parse_sub_code(header) {
            if let Some(&qi) = self.by_id.get(&stem).or_else(|| self.by_text.get(&stem)) {
                return self.sub_code(qi, k - 1, open);
            }
        }
        let t = tidy(header);
        // `Q1 您的身份` (the template's header): the id, then the question's text.
        if let Some((id, rest)) = t.split_once(char::is_whitespace) {
            if let Some(&qi) = self.by_id.get(&norm(id)) {
                if norm(rest) == norm(&self.survey.questions[qi].text) {
                    return self.whole(qi);
                }
            }
        }
        // `Q4/其他（请注明）/注明`: an option's "please specify" text.
        if let Some((id, opt)) = t.strip_suffix("/注明").and_then(|head| head.split_once('/')) {
            if let Some(&qi) = self.by_id.get(&norm(id)) {
                if let Some(oi) = self.survey.questions[qi].find_option(opt) {
                    return Role::OtherText(qi, oi);
                }
            }
        }
        // `Q6/三会一课` or `question text—row label`.
        if let Some((left, right)) = t.split_once('/').or_else(|| split_dash(&t)) {
            let l = norm(left);
            if let Some(&qi) = self.by_id.get(&l).or_else(|| self.by_text.get(&l)) {
                let r = self.sub_label(qi, right);
                if r != Role::Unknown {
                    return r;
                }
            }
        }
        // A bare label right after a matrix (问卷星 text export) or split column.
        if let Role::MatrixRow(qi, _) | Role::Split(qi, _) = prev {
            return self.sub_label(qi, header);
        }
        Role::Unknown
    }

    /// Part `k` (0-based) of question `qi` named by a sub-column code.
    fn sub_code(&self, qi: usize, k: usize, open: bool) -> Role {
        let q = &self.survey.questions[qi];
        match q.kind {
            _ if open => match q.options.get(k) {
                Some(o) if o.is_other() && matches!(q.kind, Kind::Single | Kind::Multi) => Role::OtherText(qi, k),
                _ => Role::Unknown,
            },
            Kind::Matrix if k < q.rows.len() => Role::MatrixRow(qi, k),
            // A code an option names (a numeric alias: a codebook's `9`, or the number an
            // option kept when it was moved) wins over the position.
            Kind::Multi | Kind::Rank => match coded_option(q, k + 1) {
                Some(i) => Role::Split(qi, i),
                None if k < q.options.len() => Role::Split(qi, k),
                None => Role::Unknown,
            },
            _ => Role::Unknown,
        }
    }

    fn whole(&self, qi: usize) -> Role {
        let q = &self.survey.questions[qi];
        match q.kind {
            // A matrix header without a row label is that row only when there is one row;
            // otherwise which row it holds is unknown, and the column is not guessed at.
            Kind::Matrix if q.rows.len() == 1 => Role::MatrixRow(qi, 0),
            Kind::Matrix => Role::Unknown,
            _ => Role::Whole(qi),
        }
    }

    /// Why a header matched nothing, in words a user can act on.
    pub fn why_unknown(&self, header: &str) -> String {
        let number = parse_numbered_header(header).map(|h| h.number).or_else(|| parse_split_header(header).map(|h| h.0));
        let by_number = number.and_then(|n| self.by_number.get(&n).copied());
        let by_text = self.by_text.get(&norm(header)).copied();
        match by_number.or(by_text).map(|qi| &self.survey.questions[qi]) {
            Some(q) if q.kind == Kind::Matrix => {
                format!("看起来是矩阵题 {}，但表头中的行标签对不上它的任何一行（{}）", q.id, q.rows.join("、"))
            }
            Some(q) if matches!(q.kind, Kind::Multi | Kind::Rank) => {
                format!("看起来是 {}，但表头中的选项对不上它的任何选项", q.id)
            }
            _ => "表头与问卷中的题目对不上".to_string(),
        }
    }
}

/// `stem—label` (问卷星's matrix rows), or `stem:label` / `stem：label` (腾讯问卷's
/// multi-select options): the stem and the label, both non-empty.
fn split_dash(s: &str) -> Option<(&str, &str)> {
    let ok = |(l, r): (&str, &str)| !l.trim().is_empty() && !r.trim().is_empty();
    if let Some(p) = s.rfind('—') {
        let (l, r) = (&s[..p], &s[p + '—'.len_utf8()..]);
        if ok((l, r)) {
            return Some((l.trim_end_matches('—'), r));
        }
    }
    let p = s.rfind([':', '：'])?;
    let sep = s[p..].chars().next()?.len_utf8();
    Some((&s[..p], &s[p + sep..])).filter(|x| ok(*x))
}

/// Maps the columns of one header row.
pub fn map_row(m: &Matcher, cells: &Range<Data>, row: u32) -> Vec<Column> {
    let mut cols = roles_of_row(m, cells, row, &mut Default::default());
    explain(m, &mut cols);
    cols
}

/// The roles of a row's cells, remembered by (text, role of the cell before) in `seen`:
/// the rows searched for a header are mostly answers that repeat.
fn roles_of_row(m: &Matcher, cells: &Range<Data>, row: u32, seen: &mut rustc_hash::FxHashMap<String, Vec<(Role, Role)>>) -> Vec<Column> {
    let (Some(start), Some(end)) = (cells.start(), cells.end()) else { return vec![] };
    let texts = (start.1..=end.1).map(|c| (c, cells.get_value((row, c)).map(cell_text).unwrap_or_default()));
    roles_of_texts(m, texts, seen)
}

/// The roles of header texts `(column, text)` in column order.
fn roles_of_texts(
    m: &Matcher,
    texts: impl Iterator<Item = (u32, String)>,
    seen: &mut rustc_hash::FxHashMap<String, Vec<(Role, Role)>>,
) -> Vec<Column> {
    let mut prev = Role::Unknown;
    let mut out = Vec::new();
    for (c, header) in texts {
        // The role of a text after the role `prev` (a header's role may depend on the
        // column before it), worked out once per sheet.
        let known = seen.get(header.as_str()).and_then(|v| v.iter().find(|(p, _)| *p == prev)).map(|(_, r)| *r);
        let role = match known {
            Some(r) => r,
            None => {
                let r = m.known_role(&header, prev);
                seen.entry(header.clone()).or_default().push((prev, r));
                r
            }
        };
        if !header.trim().is_empty() {
            out.push(Column { col: c, header: tidy(&header), role, reason: None });
        }
        prev = role;
    }
    out
}

/// Why each column that matched no question did not.
fn explain(m: &Matcher, cols: &mut [Column]) {
    for c in cols.iter_mut().filter(|c| c.role == Role::Unknown) {
        c.reason = Some(m.why_unknown(&c.header));
    }
}

/// What a column fills: (question, which part), where `None` is the whole question.
fn targets(survey: &Survey, role: Role) -> Vec<(usize, Option<usize>, bool)> {
    match role {
        Role::Whole(q) => match survey.questions[q].kind {
            // A whole multi/rank cell fills every option's column.
            Kind::Multi | Kind::Rank => (0..survey.questions[q].options.len()).map(|o| (q, Some(o), false)).collect(),
            _ => vec![(q, None, false)],
        },
        Role::MatrixRow(q, r) => vec![(q, Some(r), false)],
        Role::Split(q, o) => vec![(q, Some(o), false)],
        Role::OtherText(q, o) => vec![(q, Some(o), true)],
        _ => vec![],
    }
}

/// Two columns that would fill the same target (a question, a matrix row, an option, or
/// the respondent id / submit time / unit) are both left out, with the reason naming the
/// other column: neither silently overwrites the other. Returns the conflicting pairs
/// (column, the column it clashes with).
pub fn resolve_conflicts(survey: &Survey, columns: &mut [Column]) -> Vec<(u32, u32)> {
    use std::collections::HashMap;
    let mut first: HashMap<(usize, Option<usize>, bool), u32> = HashMap::new();
    // A cascade: adjacent columns under one header filling one open question are its
    // levels (one combined answer), not a conflict.
    let headers: HashMap<u32, &str> = columns.iter().map(|c| (c.col, c.header.as_str())).collect();
    let cascade = |c: &Column, o: u32| {
        matches!(c.role, Role::Whole(q) if survey.questions[q].kind == Kind::Text)
            && headers.get(&o) == Some(&c.header.as_str())
            && c.col > o
            && (o..c.col).all(|k| headers.get(&k) == Some(&c.header.as_str()))
    };
    let mut meta: HashMap<u8, u32> = HashMap::new();
    let mut clash: Vec<(u32, u32)> = Vec::new();
    for c in columns.iter() {
        let key = match c.role {
            Role::Seq => Some(0u8),
            Role::Submitted => Some(1),
            Role::Unit => Some(2),
            Role::Field(k) => Some(3 + k.min(200) as u8),
            _ => None,
        };
        if let Some(k) = key {
            match meta.get(&k) {
                Some(&o) => clash.push((c.col, o)),
                None => {
                    meta.insert(k, c.col);
                }
            }
            continue;
        }
        let mut other = None;
        for t in targets(survey, c.role) {
            match first.get(&t) {
                Some(&o) if cascade(c, o) => {}
                Some(&o) => other = other.or(Some(o)),
                None => {
                    first.insert(t, c.col);
                }
            }
        }
        if let Some(o) = other {
            clash.push((c.col, o));
        }
    }
    let bad: std::collections::HashSet<u32> = clash.iter().flat_map(|(a, b)| [*a, *b]).collect();
    for c in columns.iter_mut().filter(|c| bad.contains(&c.col)) {
        let others: Vec<String> = clash
            .iter()
            .filter_map(|&(a, b)| {
                if a == c.col {
                    Some(b)
                } else if b == c.col {
                    Some(a)
                } else {
                    None
                }
            })
            .map(|o| format!("{}列", crate::ingest::col_letter(o)))
            .collect();
        let target = match c.role.question() {
            Some(q) => match c.role {
                Role::MatrixRow(_, r) => crate::survey::schema::part_column(&survey.questions[q].id, &survey.questions[q].rows[r]),
                Role::Split(_, o) => crate::survey::schema::part_column(&survey.questions[q].id, survey.questions[q].options[o].text()),
                _ => survey.questions[q].id.clone(),
            },
            None => match c.role {
                Role::Seq => "答卷编号".into(),
                Role::Submitted => "提交时间".into(),
                _ => "单位".into(),
            },
        };
        c.reason = Some(format!("与{}对应同一目标（{}），无法确定用哪一列，两列都未导入", others.join("、"), target));
        c.role = Role::Conflict;
    }
    clash
}

/// Finds the header among the first rows: the row matching the most questions. A header
/// on two rows (a code row under the texts, labels under merged cells) is read as one:
/// each column's role from the texts, the code, or the two rows joined
/// ([`crate::ingest::header_rows`]), and the data start after both rows.
pub fn detect(m: &Matcher, cells: &Range<Data>) -> Option<Layout> {
    let (start, end) = (cells.start()?, cells.end()?);
    let last = end.0.min(start.0 + 30);
    let mut best: Option<(usize, u32, Vec<Column>)> = None;
    let mut seen = Default::default();
    // A row naming every question cannot be outscored: the rows under it are answers.
    let all = m.survey.questions.len();
    for r in start.0..=last {
        if best.as_ref().is_some_and(|b| b.0 >= all) {
            break;
        }
        let cols = roles_of_row(m, cells, r, &mut seen);
        // Distinct questions, not columns: a row of answer codes (`1, 2, 1, 3`) under headers
        // that are the questions' numbers matches as many questions as the header at most,
        // and the header comes first.
        let score = cols.iter().filter_map(|c| c.role.question()).collect::<std::collections::HashSet<usize>>().len();
        if score > 0 && best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, r, cols));
        }
    }
    best.map(|(_, mut header_row, mut columns)| {
        let pair = header_rows::second_row(cells, header_row).map(|k| (header_row, k)).or_else(|| {
            (header_row > start.0)
                .then(|| header_rows::second_row(cells, header_row - 1).filter(|k| *k == Second::SubLabels).map(|k| (header_row - 1, k)))
                .flatten()
        });
        if let Some((top, second)) = pair {
            columns = two_row_roles(m, cells, top, second, &mut seen);
            header_row = top + 1;
        }
        explain(m, &mut columns);
        resolve_conflicts(m.survey, &mut columns);
        Layout { header_row, columns }
    })
}

/// The columns of a two-row header: joined texts; with a code row, each column's role
/// from its text or, when that matches nothing (or only metadata the code says more
/// about), from its code.
fn two_row_roles(
    m: &Matcher,
    cells: &Range<Data>,
    top: u32,
    second: Second,
    seen: &mut rustc_hash::FxHashMap<String, Vec<(Role, Role)>>,
) -> Vec<Column> {
    let texts = header_rows::combined(cells, top, second);
    let mut cols = roles_of_texts(m, texts.into_iter(), seen);
    if second == Second::Codes {
        let codes = header_rows::codes(cells, top);
        let by_code = roles_of_texts(m, codes.into_iter(), seen);
        let meta = |r: Role| matches!(r, Role::Ignore | Role::Seq | Role::Submitted | Role::Unit | Role::Field(_));
        for c in cols.iter_mut() {
            let Some(k) = by_code.iter().find(|k| k.col == c.col) else { continue };
            // Metadata by either row stays metadata (a timing column `作答时长` over
            // `Q1_time`); else the code, which names its question exactly, wins.
            c.role = match (c.role, k.role) {
                (t, _) if meta(t) => t,
                (_, k) if meta(k) || k.question().is_some() => k,
                (t, _) => t,
            };
        }
    }
    cols
}

/// The option of `q` that names `code` among its numeric aliases.
fn coded_option(q: &crate::survey::Question, code: usize) -> Option<usize> {
    q.options.iter().position(|o| o.aliases().iter().any(|a| crate::ingest::cells::int_text(a) == Some(code as i64)))
}
