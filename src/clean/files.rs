//! One input file: read (or streamed) into parts, one per usable sheet, with its report
//! and the ledger entries about the file; and identical inputs found by content.

use rayon::prelude::*;
use std::path::{Path, PathBuf};

use super::cells::Options;
use super::layout::Matcher;
use super::ledger::{Action, Issue, Problem};
use super::rows::Part;
use super::sheet::{parse_sheet, FileCtx};
use super::stream::{import_streaming, parse_chunks, stream_file, Emit, SheetResults};
use super::{wave_from_path, FileReport, ImportOptions};
use crate::ingest;
use crate::survey::schema::Schema;
use crate::survey::Survey;
use std::hash::{Hash, Hasher};

/// What every file of an import is read against: the definition, the response table's
/// columns, the option lookups and the header roles worked out so far.
#[derive(Clone, Copy)]
pub(super) struct Defs<'a> {
    pub(super) survey: &'a Survey,
    pub(super) schema: &'a Schema,
    pub(super) options: &'a [Options],
    pub(super) roles: &'a super::layout::RoleCache,
}

/// Reads one file into parts (one per usable sheet). `pre`: the file, already read (by
/// inference), so that it is not read twice.
/// With `emit`, a CSV or Parquet file hands its rows over as they are parsed (a batch at
/// a time) and returns only the last ones.
pub(super) fn import_file(
    defs: &Defs,
    path: &Path,
    opts: &ImportOptions,
    pre: Option<ingest::Workbook>,
    emit: Option<Emit>,
) -> (Vec<Part>, FileReport, Vec<Issue>) {
    let Defs { survey, schema, options, roles } = *defs;
    let wave = opts.wave.clone().or_else(|| wave_from_path(path));
    let w = wave.as_deref().unwrap_or("");
    let matcher = Matcher::new(survey, w).with_roles(roles);
    // A wave whose questionnaire differed: its own option names too.
    let own: Vec<Options>;
    let options = if survey.differs_in(w) {
        own = survey.questions.iter().map(|q| Options::in_wave(q, w)).collect();
        &own[..]
    } else {
        options
    };
    let mut fc = FileCtx::new(survey, schema, options, &matcher, path, wave);
    let mut report = FileReport::new(path);
    report.wave = fc.wave.clone();
    let mut notes = Vec::new();
    let read = ingest::Source::open(path).map_err(|e| Failure::unreadable(e.to_string())).and_then(|src| {
        if crate::text::path_text(path).1 {
            let name = path.file_name().map(|n| crate::text::os_text(n).0).unwrap_or_default();
            notes.push(Issue::for_file(fc.file.clone(), name, Problem::GbkFileName, Action::Converted));
        }
        if let Some(n) = &src.renamed {
            notes.push(Issue::for_file(fc.file.clone(), n.clone(), Problem::RenamedFile, Action::ReadAsContent));
        }
        for c in &src.left_out {
            notes.push(Issue::for_file(fc.file.clone(), c.clone(), Problem::UnreadableColumn, Action::ColumnIgnored));
        }
        read_sheets(&mut fc, &src, opts, pre, emit, &mut report)
    });
    let (results, codebooks) = match read {
        Ok(r) => r,
        Err(f) => {
            report.error = Some(f.msg.clone());
            report.sheets_used = f.sheets_used;
            notes.push(Issue::for_file(fc.file.clone(), f.msg, f.problem, f.action));
            return (vec![], report, notes);
        }
    };
    let (parts, mut issues) = file_parts(results, &mut report);
    if !parts.is_empty() {
        for name in codebooks {
            let why = if name == crate::survey::template::INSTRUCTIONS_SHEET {
                "填报表的填写说明，不是答卷"
            } else {
                "像是编码表（题目、选项编号和选项文字的说明）或统计表，不是答卷"
            };
            let i = Issue::for_file(crate::text::shown(&report.path), why.into(), Problem::NotAnswerSheet, Action::SheetSkipped);
            issues.push(i.in_sheet(name));
        }
    }
    notes.extend(issues);
    (parts, report, notes)
}

/// Why a file (or the rest of it) was not imported.
struct Failure {
    msg: String,
    problem: Problem,
    action: Action,
    /// Sheets whose rows were handed on before the file broke off.
    sheets_used: Vec<String>,
}

impl Failure {
    fn unreadable(msg: String) -> Failure {
        Failure { msg, problem: Problem::UnreadableFile, action: Action::FileSkipped, sheets_used: Vec::new() }
    }
}

/// A file's sheets parsed, streamed or read whole, with the sheets left out as codebooks.
fn read_sheets(
    fc: &mut FileCtx,
    src: &ingest::Source,
    opts: &ImportOptions,
    pre: Option<ingest::Workbook>,
    emit: Option<Emit>,
    report: &mut FileReport,
) -> Result<(SheetResults, Vec<String>), Failure> {
    let streams = streamed(src, opts) && pre.is_none();
    let streamed = match emit {
        Some((limit, emit)) if streams && src.rows_stand_alone() => stream_in_batches(fc, src, (limit, emit), report)?,
        _ if streams => import_streaming(fc, src),
        _ => None,
    };
    if let Some(r) = streamed {
        return Ok((r, Vec::new()));
    }
    let wb = match pre {
        Some(wb) => wb,
        None => src.read().map_err(|e| Failure::unreadable(e.to_string()))?,
    };
    parse_whole(fc, wb, report)
}

/// A file streamed with its rows handed on as they are parsed. Rows handed over cannot be
/// taken back: a file that breaks off is reported with the rows read before, not read
/// again (`None`: it broke off before any row, and is read whole instead).
fn stream_in_batches(fc: &FileCtx, src: &ingest::Source, emit: Emit, report: &mut FileReport) -> Result<Option<SheetResults>, Failure> {
    let (limit, emit) = emit;
    let (mut read, mut sheets) = (0usize, Vec::new());
    let mut counted = |parts: Vec<Part>| {
        read += parts.iter().map(|p| p.rows_read).sum::<usize>();
        if let Some(p) = parts.first().filter(|p| !sheets.contains(&p.sheet)) {
            sheets.push(p.sheet.clone());
        }
        emit(parts);
    };
    let r = stream_file(src, |rx| parse_chunks(fc, rx.into_iter(), Some((limit, &mut counted))));
    report.rows_read += read;
    match r {
        Ok((_, results)) => Ok(Some(results)),
        Err(_) if read == 0 => Ok(None),
        Err(e) => Err(Failure {
            msg: format!("读到中途出错：{e}（此前的 {read} 行答卷已导入，其后的未能读取）"),
            problem: Problem::UnreadableFile,
            action: Action::RestNotRead,
            sheets_used: sheets.iter().map(|s| s.to_string()).collect(),
        }),
    }
}

/// The sheets of a file read whole, parsed; a returned template of another questionnaire
/// is refused, and codebook sheets beside the answers are left out (and named).
fn parse_whole(fc: &mut FileCtx, wb: ingest::Workbook, report: &mut FileReport) -> Result<(SheetResults, Vec<String>), Failure> {
    let survey = fc.survey;
    let tmpl = crate::survey::template::meta(&wb);
    if let Some(m) = &tmpl {
        if m.survey_id != survey.id || m.version != survey.version {
            let msg = format!(
                "这是问卷“{}”第 {} 版的填报表，与本问卷（“{}”第 {} 版）不符，未导入；请用对应的问卷定义，或重新发放本问卷的填报表",
                m.survey_id, m.version, survey.id, survey.version
            );
            return Err(Failure { problem: Problem::OtherSurvey, ..Failure::unreadable(msg) });
        }
        report.template_unit = Some(m.unit.clone());
        fc.stem = m.unit.clone();
    }
    // A codebook sheet beside the answers (paper questionnaires entered by hand) holds
    // no respondents, however well its question rows match the headers.
    let codebook = |sheet: &ingest::SheetData| {
        wb.sheets.iter().filter(|s| !s.cells.is_empty()).count() > 1 && crate::infer::codebook_like(&sheet.name, &sheet.cells)
    };
    let mut codebooks: Vec<String> = Vec::new();
    // A template saved without its hidden sheets (no metadata) still has its layout: its
    // instructions are never answers.
    use crate::survey::template::{INSTRUCTIONS_SHEET, RESPONSE_SHEET};
    let named = |n: &str| wb.sheets.iter().any(|s| s.name == n);
    let laid_out = tmpl.is_some() || (named(RESPONSE_SHEET) && named(INSTRUCTIONS_SHEET));
    if tmpl.is_none() && laid_out {
        codebooks.push(INSTRUCTIONS_SHEET.to_string());
    }
    let fc = &*fc;
    let results = wb
        .sheets
        .iter()
        .filter(|sheet| !sheet.cells.is_empty())
        // Of a template only the response sheet holds answers.
        .filter(|sheet| !laid_out || sheet.name == RESPONSE_SHEET)
        .filter(|sheet| {
            let skip = codebook(sheet);
            if skip {
                codebooks.push(sheet.name.clone());
            }
            !skip
        })
        .map(|sheet| (sheet.name.clone(), parse_sheet(fc, sheet, tmpl.as_ref())))
        .collect();
    // Freeing millions of cells takes a while; nothing waits for it (a small file is
    // freed at once: a thread costs more).
    if wb.sheets.iter().map(|s| s.cells.get_size().0 * s.cells.get_size().1).sum::<usize>() > 1_000_000 {
        std::thread::spawn(move || drop(wb));
    }
    Ok((results, codebooks))
}

/// Whether a file is parsed while it is read: every Parquet file; .xlsx and text files
/// from `stream_bytes` on.
fn streamed(src: &ingest::Source, opts: &ImportOptions) -> bool {
    src.streams() && (src.format == ingest::Format::Parquet || src.bytes >= opts.stream_bytes)
}

/// Whether a file's rows can be handed on a batch at a time while it is read: a streamed
/// CSV or Parquet file (an .xlsx may have merged cells or be a template, which are known
/// only once it is read).
pub(super) fn in_batches(path: &Path, opts: &ImportOptions) -> bool {
    ingest::Source::sniff(path).is_ok_and(|s| s.rows_stand_alone() && streamed(&s, opts))
}

/// The parts of one file's parsed sheets, with the report filled in and the ledger
/// entries about sheets without a header (or the whole file, when no sheet has one).
pub(super) fn file_parts(results: SheetResults, report: &mut FileReport) -> (Vec<Part>, Vec<Issue>) {
    let file = report.path.display().to_string();
    let fail = |msg: String, problem: Problem| Issue::for_file(file.clone(), msg, problem, Action::FileSkipped);
    let mut parts = Vec::new();
    let mut issues = Vec::new();
    // A codebook or tally sheet beside the answers matches a question or two (`Q1` and its
    // text on one row): a sheet matching far fewer questions than the best sheet of the
    // file is not an answer sheet.
    let best = results.iter().filter_map(|(_, r)| r.as_ref().map(|(_, i)| i.matched)).max().unwrap_or(0);
    let results: Vec<_> = results
        .into_iter()
        .map(|(name, r)| match r {
            Some((_, info)) if best >= 3 && info.matched * 3 < best => {
                let mut i = fail(
                    format!(
                        "这个工作表的表头只与 {} 道题对得上（另一个工作表与 {best} 道题对得上），像是编码表或统计表，不是答卷",
                        info.matched
                    ),
                    Problem::NotAnswerSheet,
                );
                i = i.in_sheet(name.as_str());
                i.action = Action::SheetSkipped;
                issues.push(i);
                (name, None::<(Vec<Part>, super::sheet::SheetInfo)>, true)
            }
            other => (name, other, false),
        })
        .collect();
    for (name, r, skipped) in results {
        if skipped {
            continue;
        }
        match r {
            Some((ps, info)) => {
                report.rows_read += ps.iter().map(|p| p.rows_read).sum::<usize>();
                report.sheets_used.push(name);
                report.unknown_columns.extend(info.unknown);
                report.conflicts += info.conflicts;
                report.columns.extend(info.columns);
                parts.extend(ps);
            }
            None => {
                // Another sheet (instructions, lists) is fine; the file as a whole must have one.
                let mut i = fail("没有与问卷题目对得上的表头".into(), Problem::NoHeader);
                i = i.in_sheet(name);
                i.action = Action::SheetSkipped;
                issues.push(i);
            }
        }
    }
    if parts.is_empty() {
        let msg =
            "找不到与问卷题目对得上的表头：请确认表头行是题目文字（如“1、您的身份”），并且用的是这份问卷的定义 survey.toml".to_string();
        report.error = Some(msg.clone());
        issues.clear();
        issues.push(fail(msg, Problem::NoHeader));
    }
    (parts, issues)
}

/// For each input, the index of an earlier input with the same content (same size, then
/// same bytes), if any. Only files whose sizes collide are read for this.
pub(super) fn identical_files(paths: &[PathBuf]) -> Vec<Option<usize>> {
    use std::collections::HashMap;
    let sizes: Vec<Option<u64>> = paths.iter().map(|p| std::fs::metadata(p).ok().filter(|m| m.is_file()).map(|m| m.len())).collect();
    let mut by_size: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, s) in sizes.iter().enumerate() {
        if let Some(s) = s {
            by_size.entry(*s).or_default().push(i);
        }
    }
    let mut out = vec![None; paths.len()];
    for group in by_size.values().filter(|g| g.len() > 1) {
        let digests: Vec<Option<(u64, u64)>> = group.par_iter().with_max_len(1).map(|&i| digest(&paths[i])).collect();
        for (a, &i) in group.iter().enumerate() {
            if digests[a].is_none() {
                continue;
            }
            if let Some(b) = (0..a).find(|&b| digests[b] == digests[a] && out[group[b]].is_none()) {
                out[i] = Some(group[b]);
            }
        }
    }
    out
}

/// Two independent 64-bit hashes of a file's bytes (read in blocks).
fn digest(path: &Path) -> Option<(u64, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let mut a = rustc_hash::FxHasher::default();
    let mut b = std::collections::hash_map::DefaultHasher::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        buf[..n].hash(&mut a);
        buf[..n].hash(&mut b);
    }
    Some((a.finish(), b.finish()))
}
