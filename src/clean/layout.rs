//! Finds the header row of a sheet and says what each column holds, for every header
//! shape seen in practice: 问卷星 `N、text` (text or code export), `第N题(option)` split
//! columns, matrix rows whose later headers are bare row labels, plain headers equal to
//! the question text or id, and `Qn/label` sub-columns. Title rows above the header are
//! skipped because the header is the row that matches the most questions.

use calamine::{Data, Range};
use std::collections::HashMap;

use crate::ingest::cell_text;
use crate::ingest::platform::{self, Meta};
use crate::survey::{Kind, Survey};
use crate::ingest::platform::{parse_numbered_header, parse_split_header};
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
        let unit_column = survey
            .unit
            .as_ref()
            .filter(|u| survey.question(u).is_none())
            .map(|u| norm(u));
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
        let lookup = |c: &RoleMap| c.get(&self.wave).and_then(|m| m.get(header)).and_then(|v| v.iter().find(|(p, _)| *p == prev)).map(|(_, r)| *r);
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
        let l = norm(label);
        match q.kind {
            Kind::Matrix => match q.rows.iter().position(|r| norm(r) == l) {
                Some(r) => Role::MatrixRow(qi, r),
                None => Role::Unknown,
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
        match platform::meta(header) {
            Some(Meta::Seq) => return Role::Seq,
            Some(Meta::Submitted) => return Role::Submitted,
            Some(Meta::Other) => return Role::Ignore,
            None => {}
        }
        if let Some((n, label)) = parse_split_header(header) {
            if let Some(&qi) = self.by_number.get(&n) {
                return self.sub_label(qi, &label);
            }
            return Role::Unknown;
        }
        if let Some(hd) = parse_numbered_header(header) {
            if let Some(&qi) = self.by_text.get(&norm(&hd.text)) {
                return self.whole(qi);
            }
            if let Some((left, right)) = split_dash(&hd.text) {
                let qi = self.by_text.get(&norm(left)).copied()
                    .or_else(|| self.by_number.get(&hd.number).copied());
                if let Some(qi) = qi {
                    return self.sub_label(qi, right);
                }
            }
            if let Some(&qi) = self.by_number.get(&hd.number) {
                // `6.主题党日` under a matrix (or an option of a split multi/rank): the text
                // after the number is the row label or option.
                if matches!(self.survey.questions[qi].kind, Kind::Matrix | Kind::Multi | Kind::Rank) {
                    let r = self.sub_label(qi, &hd.text);
                    if r != Role::Unknown {
                        return r;
                    }
                }
                return self.whole(qi);
            }
            return Role::Unknown;
        }
        if let Some(&qi) = self.by_text.get(&h).or_else(|| self.by_id.get(&h)) {
            return self.whole(qi);
        }
        // `Q1 您的身份` (the template's header): the id, then the question's text.
        let t = tidy(header);
        if let Some((id, rest)) = t.split_once(char::is_whitespace) {
            if let Some(&qi) = self.by_id.get(&norm(id)) {
                if norm(rest) == norm(&self.survey.questions[qi].text) {
                    return self.whole(qi);
                }
            }
        }
        // `Q4/其他（请注明）/注明`: an option's "please specify" text.
        if let Some(head) = t.strip_suffix("/注明") {
            if let Some((id, opt)) = head.split_once('/') {
                if let Some(&qi) = self.by_id.get(&norm(id)) {
                    if let Some(oi) = self.survey.questions[qi].find_option(opt) {
                        return Role::OtherText(qi, oi);
                    }
                }
            }
        }
        // `Q6/三会一课` or `question text—row label`.
        let sub = tidy(header);
        let split = sub.split_once('/').or_else(|| split_dash(&sub));
        if let Some((left, right)) = split {
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

fn split_dash(s: &str) -> Option<(&str, &str)> {
    s.rfind('—').map(|p| (&s[..p], &s[p + '—'.len_utf8()..]))
        .filter(|(l, r)| !l.trim().is_empty() && !r.trim().is_empty())
        .map(|(l, r)| (l.trim_end_matches('—'), r))
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
    let mut prev = Role::Unknown;
    let mut out = Vec::new();
    for c in start.1..=end.1 {
        let header = cells.get_value((row, c)).map(cell_text).unwrap_or_default();
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
    let mut meta: HashMap<u8, u32> = HashMap::new();
    let mut clash: Vec<(u32, u32)> = Vec::new();
    for c in columns.iter() {
        let key = match c.role {
            Role::Seq => Some(0u8),
            Role::Submitted => Some(1),
            Role::Unit => Some(2),
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
            .filter_map(|&(a, b)| if a == c.col { Some(b) } else if b == c.col { Some(a) } else { None })
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

/// Finds the header among the first rows: the row matching the most questions.
pub fn detect(m: &Matcher, cells: &Range<Data>) -> Option<Layout> {
    let (start, end) = (cells.start()?, cells.end()?);
    let last = end.0.min(start.0 + 30);
    let mut best: Option<(usize, u32, Vec<Column>)> = None;
    let mut seen = Default::default();
    for r in start.0..=last {
        let cols = roles_of_row(m, cells, r, &mut seen);
        let score = cols.iter().filter(|c| c.role.question().is_some()).count();
        if score > 0 && best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, r, cols));
        }
    }
    best.map(|(_, header_row, mut columns)| {
        explain(m, &mut columns);
        resolve_conflicts(m.survey, &mut columns);
        Layout { header_row, columns }
    })
}
