//! A faster reader for the plain .xlsx most files are (Excel, WPS, LibreOffice, 问卷星,
//! rust_xlsxwriter): the sheet XML and the shared strings are scanned as bytes instead of
//! through an XML event reader, and merged areas are found in the same pass.
//!
//! It gives exactly the cells calamine gives (same values, same dates, same text) or
//! nothing: whatever it meets that it does not read exactly as calamine does (a namespace
//! prefix, a comment, CDATA, `_x000D_` escapes, a cell without its reference, an unknown
//! element, a date cell `t="d"`, a part too large…) makes it return `None`, and the file
//! is read by calamine as before, with calamine's checks and messages. Never an error of
//! its own. `tests` compare it with calamine on every .xlsx fixture.

use calamine::{Cell, Data, ExcelDateTime, ExcelDateTimeType};
use memchr::{memchr, memchr2, memmem};
use quick_xml::events::Event;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// Parts larger than this once inflated are left to calamine's streaming reader.
const MAX_PART: u64 = 256 << 20;

/// One sheet: its name, its non-empty cells in file order, its merged areas.
pub(super) struct FastSheet {
    pub name: String,
    pub cells: Vec<Cell<Data>>,
    pub merges: Vec<super::chunk::Area>,
    /// Hidden rows and formulas without a saved result, for the ledger (calamine does
    /// not tell them; the cells are the same).
    pub notes: Vec<super::ReadNote>,
}

/// Reads every sheet of an .xlsx, or `None` where calamine must read it.
pub(super) fn read(path: &Path) -> Option<Vec<FastSheet>> {
    let file = std::fs::File::open(path).ok()?;
    let (mut zip, names, sheet_bytes) = shielded(|| {
        let zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
        // Part names as calamine finds them: without regard to case or to '\\' for '/'.
        let mut names: HashMap<String, String> = HashMap::with_capacity(zip.len());
        for n in zip.file_names() {
            let n = n.ok()?;
            // Two parts of one name are left to calamine's path, which refuses the file.
            if names.insert(n.replace('\\', "/").to_ascii_lowercase(), n.into_owned()).is_some() {
                return None;
            }
        }
        let mut zip = zip;
        if super::checks::zip_entries(path).is_some_and(|n| n > zip.len() as u64) {
            return None;
        }
        let sheet_bytes = super::checks::sheet_bytes(&mut zip);
        // A part padded far beyond its cells is left to calamine's path, which refuses it.
        for i in super::checks::inflated_far_beyond(&mut zip) {
            super::checks::check_part(&mut zip, i).ok()?;
        }
        Some((zip, names, sheet_bytes))
    })?;
    let mut get = |name: &str| part(&mut zip, names.get(&name.to_ascii_lowercase()).map_or(name, |n| n.as_str()));
    let target = office_document(&get("_rels/.rels")??)?;
    let (dir, name) = match target.rfind('/') {
        Some(i) => target.split_at(i + 1),
        None => ("", target.as_str()),
    };
    let xl = dir.strip_prefix('/').unwrap_or(dir).to_string();
    let name = if name.is_empty() { "workbook.xml" } else { name };
    let rels = relationships(&get(&format!("{xl}_rels/{name}.rels"))??)?;
    let (sheets, is_1904) = workbook(&get(&format!("{xl}{name}"))??, &rels, &xl)?;
    let strings = match get(&format!("{xl}sharedStrings.xml"))? {
        // Counts it claims beyond what the file can hold: calamine's reader refuses the
        // file with the reason (`checks`).
        Some(x) if super::checks::sst_claims(&x, x.len() as u64, sheet_bytes).is_err() => return None,
        Some(x) => shared_strings(&x)?,
        None => Vec::new(),
    };
    let formats = match get(&format!("{xl}styles.xml"))? {
        Some(x) => styles(&x)?,
        None => Vec::new(),
    };
    let ctx = Ctx { strings: &strings, formats: &formats, is_1904 };
    let mut out = Vec::with_capacity(sheets.len());
    for (name, path, hidden) in sheets {
        // calamine reads a sheet whose part is missing as an error: it says which.
        let xml = get(&path)??;
        let (cells, merges, mut notes) = sheet(&xml, &ctx)?;
        if hidden {
            notes.insert(0, super::ReadNote::HiddenSheet);
        }
        out.push(FastSheet { name, cells, merges, notes });
    }
    Some(out)
}

/// A part of the package, inflated: `Some(None)` when absent, `None` when it cannot be read
/// here (damaged, too large: calamine decides).
fn part<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Option<Option<Buf>> {
    shielded(|| part_unshielded(zip, name))
}

/// Runs the zip reader (a third party's) on a possibly damaged file: a panic there leaves
/// the file to calamine, as calamine's own panics become a read error
/// ([`super::shielded`]). Our own code here is not wrapped: a panic in it is our defect.
fn shielded<T>(f: impl FnOnce() -> Option<T>) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok().flatten()
}

/// An inflated part, whose memory goes back to this thread's pool when dropped (files are
/// read many after another on each thread: fresh pages for every part cost more than the
/// parsing of a small one).
struct Buf(Vec<u8>);

thread_local! {
    static POOL: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Buf {
    fn with_capacity(n: usize) -> Buf {
        let mut v = POOL.with(|p| p.borrow_mut().pop()).unwrap_or_default();
        v.clear();
        v.reserve(n);
        Buf(v)
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        let v = std::mem::take(&mut self.0);
        if v.capacity() <= 16 << 20 {
            POOL.with(|p| {
                let mut p = p.borrow_mut();
                if p.len() < 4 {
                    p.push(v);
                }
            });
        }
    }
}

impl std::ops::Deref for Buf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

fn part_unshielded<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Option<Option<Buf>> {
    let f = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Some(None),
        Err(_) => return None,
    };
    if f.size() > MAX_PART {
        return None;
    }
    let mut v = Buf::with_capacity(f.size() as usize);
    f.take(MAX_PART + 1).read_to_end(&mut v.0).ok()?;
    if v.len() as u64 > MAX_PART {
        return None;
    }
    Some(Some(v))
}

/// The next event; `None` on an error, or on an element whose attributes are malformed
/// (calamine reads the attributes of more elements than this module does).
fn next_event<'b>(r: &mut quick_xml::Reader<&[u8]>, buf: &'b mut Vec<u8>) -> Option<Event<'b>> {
    let e = r.read_event_into(buf).ok()?;
    if let Event::Start(s) = &e {
        for a in s.attributes() {
            // calamine decodes some values (names, formats): one it cannot decode, it refuses.
            quick_xml::escape::unescape(&a.ok()?.value).ok()?;
        }
    }
    Some(e)
}

fn xml_reader(x: &[u8]) -> quick_xml::Reader<&[u8]> {
    let mut r = quick_xml::Reader::from_reader(x);
    let config = r.config_mut();
    // Stricter than calamine's reader (which does not match end tags to start tags): a
    // part whose tags do not match is left to calamine, which may refuse it or read it.
    config.check_end_names = true;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    r
}

/// The attributes of an element as calamine reads them (raw values), or `None` when any is
/// malformed or repeated.
fn attrs<'a>(e: &'a quick_xml::events::BytesStart<'a>) -> Option<Vec<(&'a str, &'a str)>> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for a in e.attributes() {
        let a = a.ok()?;
        let k: &str = a.key.0;
        let v = match a.value {
            std::borrow::Cow::Borrowed(v) => v,
            std::borrow::Cow::Owned(_) => return None,
        };
        if out.iter().any(|(k2, _)| *k2 == k) {
            return None;
        }
        out.push((k, v));
    }
    Some(out)
}

fn attr<'a>(list: &[(&'a str, &'a str)], key: &str) -> Option<&'a str> {
    list.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

fn decode_attr(v: &str) -> Option<String> {
    quick_xml::escape::unescape(v).ok().map(|c| c.into_owned())
}

/// The local names this module reads in the small parts (relationships, workbook, styles).
const READ: &[&str] =
    &["Relationship", "Relationships", "workbook", "sheet", "sheets", "workbookPr", "styleSheet", "numFmt", "numFmts", "cellXfs", "xf"];

/// An element's name as the small parts are read here. calamine matches local names: an
/// element it reads, written with a namespace prefix, is left to it (`None`); other
/// prefixed elements (extensions such as LibreOffice's `loext:extCalcPr`) are read by
/// neither, and keep their full name, which matches nothing here.
fn plain(name: &str) -> Option<&str> {
    match name.rsplit_once(':') {
        Some((_, local)) if READ.contains(&local) => None,
        _ => Some(name),
    }
}

/// The workbook part named by the package relationships.
fn office_document(x: &[u8]) -> Option<String> {
    let mut r = xml_reader(x);
    let mut buf = Vec::new();
    let mut target = None;
    loop {
        match next_event(&mut r, &mut buf)? {
            Event::End(e) if e.name().as_ref() == "Relationships" => break,
            Event::Start(e) if plain(e.name().as_ref())? == "Relationship" => {
                let a = attrs(&e)?;
                if attr(&a, "Type").is_some_and(|t| t.ends_with("/relationships/officeDocument")) {
                    if let Some(t) = attr(&a, "Target") {
                        target = Some(decode_attr(t)?);
                    }
                }
            }
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
    target
}

/// Relationship id → (target, type).
fn relationships(x: &[u8]) -> Option<HashMap<String, (String, String)>> {
    let mut r = xml_reader(x);
    let mut buf = Vec::new();
    let mut out = HashMap::new();
    loop {
        match next_event(&mut r, &mut buf)? {
            Event::End(e) if e.name().as_ref() == "Relationships" => break,
            Event::Start(e) if plain(e.name().as_ref())? == "Relationship" => {
                let a = attrs(&e)?;
                if let Some(id) = attr(&a, "Id") {
                    let target = attr(&a, "Target").unwrap_or_default().to_string();
                    let typ = attr(&a, "Type").unwrap_or_default().to_string();
                    if out.insert(id.to_string(), (target, typ)).is_some() {
                        return None;
                    }
                }
            }
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
    Some(out)
}

/// The sheets (name, part path) in order, and whether dates count from 1904. Only
/// worksheets: a chart or dialog sheet is left to calamine.
/// A sheet of the workbook part: its name, its part's path, whether it is hidden.
type SheetEntry = (String, String, bool);

fn workbook(x: &[u8], rels: &HashMap<String, (String, String)>, xl: &str) -> Option<(Vec<SheetEntry>, bool)> {
    let mut r = xml_reader(x);
    let mut buf = Vec::new();
    let mut sheets: Vec<SheetEntry> = Vec::new();
    let mut is_1904 = false;
    loop {
        match next_event(&mut r, &mut buf)? {
            Event::End(e) if e.name().as_ref() == "workbook" => break,
            Event::Start(e) => match plain(e.name().as_ref())? {
                "sheet" => {
                    let a = attrs(&e)?;
                    let name = decode_attr(attr(&a, "name").unwrap_or_default())?;
                    let state = attr(&a, "state").unwrap_or("visible");
                    if !matches!(state, "visible" | "hidden" | "veryHidden") {
                        return None;
                    }
                    let ids: Vec<&str> = a.iter().filter(|(k, _)| *k == "id" || k.ends_with(":id")).map(|(_, v)| *v).collect();
                    let [id] = ids[..] else { return None };
                    let (target, typ) = rels.get(id)?;
                    if typ.rsplit('/').next() != Some("worksheet") || sheets.iter().any(|(n, _, _)| *n == name) {
                        return None;
                    }
                    let path = match target.strip_prefix('/') {
                        Some(abs) => abs.to_string(),
                        None => format!("{xl}{target}"),
                    };
                    sheets.push((name, path, state != "visible"));
                }
                "workbookPr" => {
                    if let Some(v) = attr(&attrs(&e)?, "date1904") {
                        is_1904 = v == "1" || v == "true";
                    }
                }
                _ => {}
            },
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
    Some((sheets, is_1904))
}

/// Whether an XML event reader configured as calamine's reads `x` to its end without an
/// error, each start tag passing `check`. The faster reader scans only the bulk of a part
/// (the cells, the strings); what surrounds it goes through this, so that a part calamine
/// refuses is refused here too.
fn well_formed(x: &[u8], mut check: impl FnMut(&quick_xml::events::BytesStart) -> Option<()>) -> Option<()> {
    let mut r = xml_reader(x);
    let mut buf = Vec::new();
    loop {
        match next_event(&mut r, &mut buf)? {
            Event::Start(e) => check(&e)?,
            Event::Eof => return Some(()),
            _ => {}
        }
        buf.clear();
    }
}

/// How a cell style shows numbers (calamine's `CellFormat`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Other,
    DateTime,
    TimeDelta,
}

/// The number format of each cell style (`cellXfs`), as calamine classifies it.
fn styles(x: &[u8]) -> Option<Vec<Format>> {
    let mut r = xml_reader(x);
    let mut buf = Vec::new();
    let mut codes: HashMap<String, String> = HashMap::new();
    let mut formats = Vec::new();
    let mut depth_xfs = false;
    loop {
        match next_event(&mut r, &mut buf)? {
            Event::Start(e) => match plain(e.name().as_ref())? {
                "numFmt" if !depth_xfs => {
                    let a = attrs(&e)?;
                    if let (Some(id), Some(code)) = (attr(&a, "numFmtId"), attr(&a, "formatCode")) {
                        codes.insert(id.to_string(), decode_attr(code)?);
                    }
                }
                "cellXfs" => depth_xfs = true,
                "xf" if depth_xfs => {
                    let a = attrs(&e)?;
                    formats.push(attr(&a, "numFmtId").map_or(Format::Other, |id| match codes.get(id) {
                        Some(code) => custom_format(code),
                        None => builtin_format(id),
                    }));
                }
                _ => {}
            },
            Event::End(e) if e.name().as_ref() == "cellXfs" => depth_xfs = false,
            Event::End(e) if e.name().as_ref() == "styleSheet" => break,
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
    Some(formats)
}

// The two functions below are calamine's `detect_custom_number_format` and
// `builtin_format_by_id` (calamine 0.38, src/formats.rs, MIT licence, © Johann Tuffe), so
// that a number in a date style is a date here exactly when it is one there.

fn custom_format(format: &str) -> Format {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return Format::Other,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return Format::TimeDelta,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return Format::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => return Format::DateTime,
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    Format::Other
}

fn builtin_format(id: &str) -> Format {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" => Format::DateTime,
        "27" | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" | "50" | "51" | "52" | "53" | "54" | "55" | "56" | "57"
        | "58" => Format::DateTime,
        "46" => Format::TimeDelta,
        _ => Format::Other,
    }
}

struct Ctx<'a> {
    strings: &'a [String],
    formats: &'a [Format],
    is_1904: bool,
}

/// The first `b` in `hay`: a plain loop over the first bytes (the distances in cell XML are
/// a few bytes, where a vectorised search costs more than it saves), then memchr.
#[inline]
fn find(b: u8, hay: &[u8]) -> Option<usize> {
    const NEAR: usize = 24;
    match hay.iter().take(NEAR).position(|&c| c == b) {
        Some(k) => Some(k),
        None if hay.len() > NEAR => memchr(b, &hay[NEAR..]).map(|k| k + NEAR),
        None => None,
    }
}

/// A cursor over a part's bytes.
struct Scan<'a> {
    x: &'a [u8],
    i: usize,
}

/// One tag: its name (with a leading `/` for an end tag), its attribute text, whether it
/// closes itself.
struct Tag<'a> {
    name: &'a [u8],
    attrs: &'a [u8],
    empty: bool,
}

impl<'a> Scan<'a> {
    /// The next tag and the text before it; `None` at the end or on anything but a plain
    /// element tag (comment, CDATA, processing instruction, a prefixed name).
    fn tag(&mut self) -> Option<(&'a [u8], Tag<'a>)> {
        let lt = self.i + find(b'<', &self.x[self.i..])?;
        let text = &self.x[self.i..lt];
        let rest = &self.x[lt + 1..];
        let end = usize::from(rest.first() == Some(&b'/'));
        let name_len =
            end + rest[end..].iter().position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/')).unwrap_or(rest.len() - end);
        let name = &rest[..name_len];
        let bare = &name[end..];
        if bare.is_empty() || bare.contains(&b':') || matches!(bare[0], b'!' | b'?') {
            return None;
        }
        // A '/' ends the name only as "/>" (an XML reader takes `<a/b …>` for an element
        // named `a/b`).
        if rest.get(name_len) == Some(&b'/') && rest.get(name_len + 1) != Some(&b'>') {
            return None;
        }
        // The end of the tag: the first '>' outside quotes (quoted values skipped whole).
        let mut k = name_len;
        loop {
            match *rest.get(k)? {
                b'>' => break,
                b'<' => return None,
                q @ (b'"' | b'\'') => {
                    let close = k + 1 + find(q, rest.get(k + 1..)?)?;
                    if rest[k + 1..close].contains(&b'<') {
                        return None;
                    }
                    k = close + 1;
                }
                _ => k += 1,
            }
        }
        let inner = &rest[name_len..k];
        let (attrs, empty) = match inner.last() {
            Some(b'/') => (&inner[..inner.len() - 1], true),
            _ => (inner, false),
        };
        self.i = lt + 1 + k + 1;
        Some((text, Tag { name, attrs, empty }))
    }

    /// The raw text up to the end tag `</name>`, which must come before any other tag.
    fn text_to_end(&mut self, name: &[u8]) -> Option<&'a [u8]> {
        let lt = self.i + find(b'<', &self.x[self.i..])?;
        let rest = &self.x[lt + 1..];
        if rest.first() != Some(&b'/') || !rest[1..].starts_with(name) {
            return None;
        }
        let after = &rest[1 + name.len()..];
        let close = after.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))?;
        if after[close] != b'>' {
            return None;
        }
        let text = &self.x[self.i..lt];
        self.i = lt + 1 + 1 + name.len() + close + 1;
        Some(text)
    }
}

/// Hands each attribute `(name, raw value)` of a tag to `f`; `None` if one is malformed
/// or `f` says so.
fn each_attr<'a>(a: &'a [u8], mut f: impl FnMut(&'a [u8], &'a [u8]) -> Option<()>) -> Option<()> {
    let ws = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let mut i = 0;
    loop {
        while i < a.len() && ws(a[i]) {
            i += 1;
        }
        if i == a.len() {
            return Some(());
        }
        let eq = i + find(b'=', &a[i..])?;
        let key = a[i..eq].trim_ascii_end();
        let mut j = eq + 1;
        while j < a.len() && ws(a[j]) {
            j += 1;
        }
        let q = *a.get(j)?;
        if q != b'"' && q != b'\'' {
            return None;
        }
        let end = j + 1 + find(q, &a[j + 1..])?;
        if key.is_empty() || key.iter().any(|b| ws(*b) || matches!(b, b'"' | b'\'')) {
            return None;
        }
        f(key, &a[j + 1..end])?;
        i = end + 1;
    }
}

/// The one attribute `key` of a tag (`None` inside if absent); `None` if malformed or repeated.
fn one_attr<'a>(a: &'a [u8], key: &[u8]) -> Option<Option<&'a [u8]>> {
    let mut found = None;
    each_attr(a, |k, v| {
        if k == key {
            if found.is_some() {
                return None;
            }
            found = Some(v);
        }
        Some(())
    })?;
    Some(found)
}

/// Text content as calamine reads it: XML 1.0 line ends (CR LF and CR are LF), the five
/// named entities and character references. `None` for anything else.
fn decode(raw: &[u8], out: &mut String) -> Option<()> {
    let s = simdutf8::basic::from_utf8(raw).ok()?;
    let b = s.as_bytes();
    let mut from = 0;
    let mut i = 0;
    while let Some(k) = memchr2(b'&', b'\r', &b[i..]) {
        let k = i + k;
        out.push_str(&s[from..k]);
        if b[k] == b'\r' {
            out.push('\n');
            i = if b.get(k + 1) == Some(&b'\n') { k + 2 } else { k + 1 };
        } else {
            let semi = k + memchr(b';', &b[k..])?;
            let name = &s[k + 1..semi];
            match name {
                "amp" => out.push('&'),
                "lt" => out.push('<'),
                "gt" => out.push('>'),
                "quot" => out.push('"'),
                "apos" => out.push('\''),
                _ => {
                    // Character references as quick-xml reads them: no sign, not zero.
                    let (digits, radix) = match name.strip_prefix("#x") {
                        Some(h) => (h, 16),
                        None => (name.strip_prefix('#')?, 10),
                    };
                    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return None;
                    }
                    let c = char::from_u32(u32::from_str_radix(digits, radix).ok()?)?;
                    if c == '\0' {
                        return None;
                    }
                    out.push(c);
                }
            }
            i = semi + 1;
        }
        from = i;
    }
    out.push_str(&s[from..]);
    Some(())
}

/// A rich or plain string (`<si>` or `<is>`) up to `</end>`, as calamine's
/// `read_string_with_bufs` makes it: the `<t>` runs outside phonetic runs, each trimmed
/// unless `xml:space="preserve"`. `None` where calamine would unescape `_xHHHH_`.
fn string(s: &mut Scan, end: &[u8]) -> Option<String> {
    let mut out: Option<String> = None;
    let mut phonetic = false;
    let mut value = String::new();
    // Elements open inside (runs, their properties): an end tag with nothing open, or the
    // string's end with some open, is left to calamine.
    let mut depth = 0usize;
    loop {
        let (_, tag) = s.tag()?;
        if tag.name[0] == b'/' {
            if tag.name[1..] == *end {
                return if depth == 0 { Some(out.unwrap_or_default()) } else { None };
            }
            depth = depth.checked_sub(1)?;
        } else if !tag.empty && tag.name != b"t" {
            depth += 1;
        }
        match tag.name {
            b"r" if out.is_none() => out = Some(String::new()),
            b"rPh" => phonetic = !tag.empty,
            b"/rPh" => phonetic = false,
            b"t" if !phonetic => {
                let preserve = one_attr(tag.attrs, b"xml:space")? == Some(&b"preserve"[..]);
                value.clear();
                if !tag.empty {
                    decode(s.text_to_end(b"t")?, &mut value)?;
                }
                let v = if preserve { value.as_str() } else { value.trim_matches([' ', '\t', '\r', '\n']) };
                if v.contains("_x") {
                    return None;
                }
                match &mut out {
                    Some(o) => o.push_str(v),
                    None => out = Some(v.to_string()),
                }
            }
            b"t" if !tag.empty => {
                s.text_to_end(b"t")?;
            }
            _ => {}
        }
    }
}

fn shared_strings(x: &[u8]) -> Option<Vec<String>> {
    let mut s = Scan { x, i: 0 };
    // calamine starts at the `<sst` element.
    simdutf8::basic::from_utf8(x).ok()?;
    let start = memmem::find(x, b"<sst")?;
    if memmem::find(&x[..start], b"<!").is_some() {
        return None;
    }
    well_formed(&x[..start], |_| Some(()))?;
    s.i = start;
    let (_, sst) = s.tag()?;
    if sst.name != b"sst" {
        return None;
    }
    let mut out = Vec::new();
    if sst.empty {
        return Some(out);
    }
    loop {
        // Most strings are `<si><t>..</t></si>`: read at once (as the general path would).
        if x.get(s.i..s.i + 7) == Some(b"<si><t>") {
            let ts = s.i + 7;
            let te = ts + find(b'<', &x[ts..])?;
            if x.get(te..te + 9) == Some(b"</t></si>") && !x[ts..te].iter().any(|b| matches!(b, b'&' | b'\r')) {
                let v = simdutf8::basic::from_utf8(&x[ts..te]).ok()?.trim_matches([' ', '\t', '\r', '\n']);
                if v.contains("_x") {
                    return None;
                }
                out.push(v.to_string());
                s.i = te + 9;
                continue;
            }
        }
        let (_, tag) = s.tag()?;
        match tag.name {
            b"si" if tag.empty => out.push(String::new()),
            b"si" => out.push(string(&mut s, b"si")?),
            b"/sst" => return Some(out),
            _ => return None,
        }
    }
}

/// 0-based (row, column) of a reference such as `AB12`, the column `None` when it has no
/// letters (calamine's `get_row_and_optional_column`, without its overflow).
fn reference(r: &[u8]) -> Option<(u32, Option<u32>)> {
    let i = r.iter().position(|b| !b.is_ascii_alphabetic())?;
    let mut col: u32 = 0;
    for &b in &r[..i] {
        col = col.checked_mul(26)?.checked_add(u32::from(b.to_ascii_uppercase() - b'A') + 1)?;
    }
    let mut row: u32 = 0;
    for &b in &r[i..] {
        if !b.is_ascii_digit() {
            return None;
        }
        row = row.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
    }
    Some((row.checked_sub(1)?, col.checked_sub(1)))
}

/// 0-based (row, column) of a cell reference such as `AB12` (calamine's `get_row_column`).
fn cell_ref(r: &[u8]) -> Option<(u32, u32)> {
    match reference(r)? {
        (row, Some(col)) => Some((row, col)),
        _ => None,
    }
}

/// An area `A1:C3` or a single cell `A1` (calamine's `get_dimension`).
fn area(r: &[u8]) -> Option<((u32, u32), (u32, u32))> {
    let mut parts = r.split(|b| *b == b':');
    let start = cell_ref(parts.next()?)?;
    let end = match parts.next() {
        Some(e) => cell_ref(e)?,
        None => start,
    };
    parts.next().is_none().then_some((start, end))
}

/// The position, style and type of a cell tag's attributes (`<c r=".." s=".." t="..">`);
/// `None` when one is malformed or repeated, the reference is missing or unreadable, or
/// the style or type holds an entity (calamine would read it raw).
/// A cell tag's position, style and type attribute (raw).
type CellAttrs<'a> = ((u32, u32), Option<&'a [u8]>, Option<&'a [u8]>);

fn cell_attrs(attrs: &[u8]) -> Option<CellAttrs<'_>> {
    let (mut r, mut style, mut typ) = (None, None, None);
    each_attr(attrs, |k, v| {
        let slot = match k {
            b"r" => &mut r,
            b"s" => &mut style,
            b"t" => &mut typ,
            _ => return Some(()),
        };
        if slot.replace(v).is_some() {
            return None;
        }
        Some(())
    })?;
    if typ.is_some_and(|t: &[u8]| t.contains(&b'&')) || style.is_some_and(|t: &[u8]| t.contains(&b'&')) {
        return None;
    }
    Some((cell_ref(r?)?, style, typ))
}

/// The cells of one sheet (non-empty, in file order) and its merged areas.
type SheetCells = (Vec<Cell<Data>>, Vec<super::chunk::Area>, Vec<super::ReadNote>);

fn sheet(x: &[u8], ctx: &Ctx) -> Option<SheetCells> {
    simdutf8::basic::from_utf8(x).ok()?;
    let start = memmem::find(x, b"<sheetData")?;
    if memmem::find(&x[..start], b"<!").is_some() {
        return None;
    }
    let (cells, end, notes) = sheet_data(x, start, ctx)?;
    let tail = &x[end..];
    surroundings_read(x, start, tail)?;
    Some((cells, merges(tail)?, notes))
}

/// The cells of `<sheetData>` at `start` (non-empty, in file order), where it ends, and
/// the notes for the ledger (hidden rows, formulas without a saved result).
fn sheet_data(x: &[u8], start: usize, ctx: &Ctx) -> Option<(Vec<Cell<Data>>, usize, Vec<super::ReadNote>)> {
    let mut s = Scan { x, i: start };
    let (_, sd) = s.tag()?;
    if sd.name != b"sheetData" {
        return None;
    }
    let mut cells = Vec::new();
    let mut text = String::new();
    let (mut hidden, mut notes) = (Vec::new(), Vec::new());
    let mut formula = None;
    // Rows open and closed: an end tag with nothing open is an error to calamine's reader.
    let mut depth = 0usize;
    // Cells in order: one at or before the last (a row written twice) is left to
    // calamine's path, which refuses the file.
    let mut last: Option<(u32, u32)> = None;
    let mut in_order = |pos: (u32, u32)| {
        let ok = last.is_none_or(|l| pos > l);
        last = Some(pos);
        ok.then_some(())
    };
    if !sd.empty {
        loop {
            // Most cells are `<c r=".." s=".." t=".."><v>..</v></c>`: read at once. Anything
            // else, the general path below.
            if let Some(((pos, style, typ), raw, next)) = plain_cell(x, s.i) {
                in_order(pos)?;
                let value = v_value(raw, style, typ, ctx, &mut text)?;
                if !matches!(value, Data::Empty) {
                    cells.push(Cell::new(pos, value));
                }
                s.i = next;
                continue;
            }
            let (_, tag) = s.tag()?;
            match tag.name {
                // calamine reads a row's number (unused when every cell has its
                // reference): one it cannot read is for it to judge.
                b"row" => {
                    let r = one_attr(tag.attrs, b"r")?;
                    if let Some(r) = r {
                        reference(r)?;
                    }
                    if matches!(one_attr(tag.attrs, b"hidden")?, Some(b"1" | b"true")) {
                        let n: Option<u32> = r.and_then(|r| std::str::from_utf8(r).ok()?.parse().ok());
                        hidden.extend(n.filter(|n| *n >= 1).map(|n| n - 1));
                    }
                    if !tag.empty {
                        depth += 1;
                    }
                }
                b"/row" => depth = depth.checked_sub(1)?,
                b"/sheetData" if depth == 0 => break,
                b"c" => {
                    let (pos, style, typ) = cell_attrs(tag.attrs)?;
                    in_order(pos)?;
                    let value = if tag.empty { Data::Empty } else { cell_body(&mut s, style, typ, ctx, &mut text, &mut formula)? };
                    match (&value, formula.take()) {
                        (Data::Empty, Some(f)) => notes.push(super::ReadNote::Uncached { row: pos.0, col: pos.1, formula: f }),
                        (Data::Empty, None) => {}
                        _ => cells.push(Cell::new(pos, value)),
                    }
                }
                _ => return None,
            }
        }
    }
    if !hidden.is_empty() {
        notes.insert(0, super::ReadNote::HiddenRows(hidden));
    }
    (depth == 0).then_some((cells, s.i, notes))
}

/// The children of a `<c>` not of the plain form, up to `</c>`: its value (`<v>`), a
/// formula (`<f>`, which empties it, as calamine reads it) or inline text (`<is>`).
/// A formula left without a value sets `formula` to its text.
fn cell_body(
    s: &mut Scan,
    style: Option<&[u8]>,
    typ: Option<&[u8]>,
    ctx: &Ctx,
    text: &mut String,
    formula: &mut Option<String>,
) -> Option<Data> {
    let mut value = Data::Empty;
    loop {
        let (_, child) = s.tag()?;
        match child.name {
            b"/c" => return Some(value),
            b"v" => {
                let raw = if child.empty { &b""[..] } else { s.text_to_end(b"v")? };
                value = v_value(raw, style, typ, ctx, text)?;
                if !matches!(value, Data::Empty) {
                    *formula = None;
                }
            }
            b"f" => {
                let f = if child.empty { &b""[..] } else { s.text_to_end(b"f")? };
                // A shared formula's other cells hold only a reference to the first.
                let mut t = String::new();
                decode(f, &mut t)?;
                *formula = Some(if t.is_empty() { "（共享公式）".into() } else { format!("={t}") });
                value = Data::Empty;
            }
            b"is" => {
                value = if child.empty { Data::String(String::new()) } else { Data::String(string(s, b"is")?) };
            }
            _ => return None,
        }
    }
}

/// What surrounds the cells (`x` up to `start`, then `tail`), read as calamine reads it:
/// well formed, holding the (emptied) `<sheetData>`, and a declared dimension calamine
/// reads (it refuses the sheet otherwise).
fn surroundings_read(x: &[u8], start: usize, tail: &[u8]) -> Option<()> {
    let mut skeleton = Vec::with_capacity(start + 12 + tail.len());
    skeleton.extend_from_slice(&x[..start]);
    skeleton.extend_from_slice(b"<sheetData/>");
    skeleton.extend_from_slice(tail);
    let mut cells_seen = false;
    well_formed(&skeleton, |e| {
        cells_seen |= e.name().as_ref() == "sheetData";
        if e.name().as_ref() == "dimension" {
            area(attr(&attrs(e)?, "ref")?.as_bytes())?;
        }
        Some(())
    })?;
    cells_seen.then_some(())
}

/// The merged areas, which follow the cells inside `<mergeCells>` (calamine reads them
/// nowhere else); `None` when they are written in a way left to calamine.
fn merges(tail: &[u8]) -> Option<Vec<super::chunk::Area>> {
    let mut merges = Vec::new();
    if memmem::find(tail, b"mergeCell").is_none() {
        return Some(merges);
    }
    let mut t = Scan { x: tail, i: 0 };
    let mut inside = false;
    while let Some((_, tag)) = t.tag() {
        match tag.name {
            b"mergeCells" => inside = !tag.empty,
            b"/mergeCells" => inside = false,
            _ => {}
        }
        if tag.name == b"mergeCell" && inside {
            let (start, end) = area(one_attr(tag.attrs, b"ref")??)?;
            if end.0 < start.0 || end.1 < start.1 {
                return None;
            }
            merges.push((start, end));
        }
    }
    // A tail that is not plain tags (an extension list with prefixes, say) but does
    // name merges: calamine decides.
    if t.i < tail.len() && memmem::find(&tail[t.i..], b"mergeCell").is_some() {
        return None;
    }
    Some(merges)
}

/// A cell of the plain form `<c r=".." [s=".."] [t=".."] [other="..".]><v>..</v></c>` at
/// `i`, exactly: its position, style, type, raw value and where it ends; `None` for any
/// other form (which the general path reads, or refuses, the same way). It reads the
/// attributes itself: through [`cell_attrs`] the reading of 300 unit files took a sixth more.
fn plain_cell(x: &[u8], i: usize) -> Option<(CellAttrs<'_>, &[u8], usize)> {
    if x.get(i..i + 3)? != b"<c " {
        return None;
    }
    let (mut r, mut style, mut typ) = (None, None, None);
    let mut k = i + 3;
    loop {
        while *x.get(k)? == b' ' {
            k += 1;
        }
        if x[k] == b'>' {
            k += 1;
            break;
        }
        let ks = k;
        while x.get(k)?.is_ascii_alphanumeric() || matches!(x[k], b':' | b'_' | b'-') {
            k += 1;
        }
        if k == ks || x[k] != b'=' {
            return None;
        }
        let key = &x[ks..k];
        let q = *x.get(k + 1)?;
        if q != b'"' && q != b'\'' {
            return None;
        }
        let vs = k + 2;
        let mut e = vs;
        while *x.get(e)? != q {
            if x[e] == b'<' {
                return None;
            }
            e += 1;
        }
        let slot = match key {
            b"r" => &mut r,
            b"s" => &mut style,
            b"t" => &mut typ,
            _ => &mut None,
        };
        if slot.replace(&x[vs..e]).is_some() && matches!(key, b"r" | b"s" | b"t") {
            return None;
        }
        k = e + 1;
        if !matches!(x.get(k)?, b' ' | b'>') {
            return None;
        }
    }
    if x.get(k..k + 3)? != b"<v>" {
        return None;
    }
    let vs = k + 3;
    let ve = vs + find(b'<', x.get(vs..)?)?;
    if x.get(ve..ve + 8)? != b"</v></c>" {
        return None;
    }
    if typ.is_some_and(|t: &[u8]| t.contains(&b'&')) || style.is_some_and(|t: &[u8]| t.contains(&b'&')) {
        return None;
    }
    Some(((cell_ref(r?)?, style, typ), &x[vs..ve], ve + 8))
}

/// The value of a `<v>` as calamine's `read_v` makes it, given the cell's style and type.
fn v_value(raw: &[u8], style: Option<&[u8]>, typ: Option<&[u8]>, ctx: &Ctx, text: &mut String) -> Option<Data> {
    match typ {
        Some(b"inlineStr" | b"is") => return Some(Data::Empty),
        Some(b"n" | b"s" | b"b" | b"e") | None => {}
        Some(b"str") => {
            text.clear();
            decode(raw, text)?;
            if text.contains("_x") {
                return None;
            }
            return Some(Data::String(text.clone()));
        }
        // Dates as ISO text ("d") and anything unknown: calamine decides.
        Some(_) => return None,
    }
    // These types hold plain ASCII: calamine reads the first text run raw.
    if raw.contains(&b'&') || raw.contains(&b'\r') {
        return None;
    }
    if raw.is_empty() {
        return Some(Data::Empty);
    }
    // A run of digits, as a number (up to 15 digits: exact in an f64).
    let digits = |b: &[u8]| -> Option<u64> {
        (b.len() <= 15 && b.iter().all(u8::is_ascii_digit)).then(|| b.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
    };
    if typ == Some(b"s") {
        return ctx.strings.get(usize::try_from(digits(raw)?).ok()?).map(|s| Data::String(s.clone()));
    }
    let v = || std::str::from_utf8(raw).ok();
    match typ {
        Some(b"b") => match v()?.trim() {
            "" => Some(Data::Empty),
            "0" => Some(Data::Bool(false)),
            "1" => Some(Data::Bool(true)),
            t if t.eq_ignore_ascii_case("false") => Some(Data::Bool(false)),
            t if t.eq_ignore_ascii_case("true") => Some(Data::Bool(true)),
            _ => None,
        },
        Some(b"e") => v()?.parse().ok().map(Data::Error),
        _ => {
            // Plain decimal numbers only, which every parser reads alike.
            if !raw.iter().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E')) {
                return None;
            }
            let n: f64 = match digits(raw) {
                Some(n) if !raw.is_empty() => n as f64,
                _ => v()?.parse().ok()?,
            };
            let format = match style {
                Some(s) => {
                    if s.is_empty() || s.len() > 9 {
                        return None;
                    }
                    ctx.formats.get(digits(s)? as usize).copied()
                }
                None => Some(Format::Other),
            };
            Some(match format {
                Some(Format::DateTime) => Data::DateTime(ExcelDateTime::new(n, ExcelDateTimeType::DateTime, ctx.is_1904)),
                Some(Format::TimeDelta) => Data::DateTime(ExcelDateTime::new(n, ExcelDateTimeType::TimeDelta, ctx.is_1904)),
                _ => Data::Float(n),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fast_xlsx_agrees;
    use std::io::Write;

    const CT: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    const WB_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;
    const NS: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

    /// An .xlsx of two sheets from the given parts' XML (sheet bodies are the content of
    /// `<sheetData>` and what follows it).
    fn book(dir: &std::path::Path, name: &str, wb_pr: &str, sst: &str, styles: &str, sheet1: &str, sheet2: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let o = zip::write::SimpleFileOptions::default();
        let wb = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {NS}>{wb_pr}<sheets><sheet name="答卷 &amp; 名单" sheetId="1" r:id="rId1"/><sheet name="第二页" sheetId="2" state="hidden" r:id="rId2"/></sheets></workbook>"#
        );
        let sheet = |body: &str| {
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {NS}><dimension ref="A1:C3"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>{body}</worksheet>"#
            )
        };
        let parts = [
            ("[Content_Types].xml", CT.to_string()),
            ("_rels/.rels", RELS.to_string()),
            ("xl/workbook.xml", wb),
            ("xl/_rels/workbook.xml.rels", WB_RELS.to_string()),
            (
                "xl/sharedStrings.xml",
                format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst {NS} count="9" uniqueCount="9">{sst}</sst>"#),
            ),
            ("xl/styles.xml", format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet {NS}>{styles}</styleSheet>"#)),
            ("xl/worksheets/sheet1.xml", sheet(sheet1)),
            ("xl/worksheets/sheet2.xml", sheet(sheet2)),
        ];
        for (n, x) in parts {
            z.start_file(n, o).unwrap();
            z.write_all(x.as_bytes()).unwrap();
        }
        z.finish().unwrap();
        path
    }

    const SST: &str = "<si><t>是</t></si><si><t xml:space=\"preserve\">  前后有空格 </t></si><si><t>  去掉空格\r\n </t></si><si><r><rPr><b/><sz val=\"11\"/></rPr><t>富</t></r><r><t xml:space=\"preserve\"> 文本</t></r><rPh sb=\"0\" eb=\"1\"><t>フ</t></rPh><phoneticPr fontId=\"1\"/></si><si><t>A &amp; B &lt;C&gt; &quot;D&quot; &apos;E&apos; &#36215;&#x5B57;</t></si><si/><si><t/></si><si><t>第一行\r\n第二行\r第三行</t></si><si><t>选项3</t></si>";
    const STYLES: &str = r#"<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="165" formatCode="[h]:mm:ss"/><numFmt numFmtId="166" formatCode="0.00_ ;[Red]\-0.00\ "/></numFmts><fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="7"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0"/><xf fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>"#;

    /// Every kind of cell the faster reader reads, as calamine reads it.
    const CELLS: &str = r#"<sheetData><row r="1" spans="1:9" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c><c r="G1" t="s"><v>6</v></c><c r="H1" t="s"><v>7</v></c><c r='I1' t='s' s='0'><v>8</v></c></row>
<row r="2"><c r="A2"><v>3</v></c><c r="B2" s="0"><v>-1.5e3</v></c><c r="C2" s="1"><v>45292.5</v></c><c r="D2" s="2"><v>1.25</v></c><c r="E2" s="3"><v>45000</v></c><c r="F2" s="4"><v>0.1</v></c><c r="G2" s="5" t="n"><v>45292.75</v></c><c r="H2" s="6"><v>7</v></c><c r="I2" s="99"><v>8</v></c></row>
<row r="3"><c r="A3" t="b"><v>1</v></c><c r="B3" t="b"><v>0</v></c><c r="C3" t="e"><v>#N/A</v></c><c r="D3" t="str"><f>A1&amp;"x"</f><v>是x &amp; y</v></c><c r="E3" t="inlineStr"><is><t>内联 文字</t></is></c><c r="F3" t="inlineStr"><is><r><t>内</t></r><r><t>联</t></r></is></c><c r="G3"><f>1+1</f><v>2</v></c><c r="H3" s="1"/><c r="I3" t="s"></c></row>
<row r="4"><c r="A4"><v></v></c><c r="B4" t="str"><v/></c><c r="C4" t="inlineStr"><is/></c><c r="D4"><v>1</v><f>X</f></c><c r="AA4" t="s"><v>8</v></c></row>
<row r="7"><c r="B7" t="s"><v>0</v></c></row></sheetData><mergeCells count="2"><mergeCell ref="B7:C8"/><mergeCell ref="AA4:AB5"/></mergeCells><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>"#;

    #[test]
    fn reads_what_calamine_reads() {
        let dir = tempfile::tempdir().unwrap();
        let empty = r#"<sheetData/>"#;
        for (name, pr) in [("a.xlsx", ""), ("b.xlsx", r#"<workbookPr date1904="1"/>"#)] {
            let p = book(dir.path(), name, pr, SST, STYLES, CELLS, empty);
            assert_eq!(fast_xlsx_agrees(&p), Some(Ok(())), "{name}");
            // And what it read is what the cells hold (not merely the same mistake twice).
            let wb = super::super::read_file(&p).unwrap();
            let s = &wb.sheets[0];
            assert_eq!(wb.sheets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["答卷 & 名单", "第二页"]);
            use calamine::Data as D;
            let at = |r: u32, c: u32| s.cells.get_value((r, c)).cloned().unwrap_or(D::Empty);
            assert_eq!(at(0, 1), D::String("  前后有空格 ".into()));
            assert_eq!(at(0, 2), D::String("去掉空格".into()));
            assert_eq!(at(0, 3), D::String("富 文本".into()));
            assert_eq!(at(0, 4), D::String("A & B <C> \"D\" 'E' 起字".into()));
            assert_eq!(at(0, 5), D::String("".into()));
            assert_eq!(at(0, 7), D::String("第一行\n第二行\n第三行".into()));
            assert_eq!(at(1, 1), D::Float(-1500.0));
            assert!(matches!(at(1, 2), D::DateTime(d) if d.is_datetime() && d.as_f64() == 45292.5));
            assert!(matches!(at(1, 3), D::DateTime(d) if d.is_duration()));
            assert!(matches!(at(1, 4), D::DateTime(_)));
            assert_eq!(at(1, 5), D::Float(0.1));
            assert_eq!(at(1, 8), D::Float(8.0));
            assert_eq!(at(2, 0), D::Bool(true));
            assert_eq!(at(2, 2), D::Error(calamine::CellErrorType::NA));
            assert_eq!(at(2, 3), D::String("是x & y".into()));
            assert_eq!(at(2, 4), D::String("内联 文字".into()));
            assert_eq!(at(2, 5), D::String("内联".into()));
            assert_eq!(at(2, 6), D::Float(2.0));
            assert_eq!(at(3, 1), D::String("".into()));
            assert_eq!(at(3, 3), D::Empty, "a formula after the value leaves the cell empty, as in calamine");
            // The merged area copies its first cell.
            assert_eq!(at(6, 2), D::String("是".into()));
            assert_eq!(at(4, 26), D::String("选项3".into()));
        }
    }

    #[test]
    fn leaves_to_calamine_what_it_does_not_read_alike() {
        let dir = tempfile::tempdir().unwrap();
        let empty = r#"<sheetData/>"#;
        let cases: &[(&str, &str, &str)] = &[
            ("no reference", SST, r#"<sheetData><row r="1"><c t="s"><v>0</v></c></row></sheetData>"#),
            ("prefixed", SST, r#"<sheetData><row r="1"><x:c r="A1" t="s"><v>0</v></x:c></row></sheetData>"#),
            ("comment", SST, r#"<sheetData><!-- x --><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#),
            ("iso date", SST, r#"<sheetData><row r="1"><c r="A1" t="d"><v>2024-01-01</v></c></row></sheetData>"#),
            ("escape", "<si><t>a_x000D_b</t></si>", r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#),
            ("cdata", "<si><t><![CDATA[x]]></t></si>", r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#),
            ("number with spaces", SST, r#"<sheetData><row r="1"><c r="A1"><v> 1 </v></c></row></sheetData>"#),
            ("string index out of range", SST, r#"<sheetData><row r="1"><c r="A1" t="s"><v>99</v></c></row></sheetData>"#),
            ("unknown child", SST, r#"<sheetData><row r="1"><c r="A1"><extLst/></c></row></sheetData>"#),
            ("bad boolean", SST, r#"<sheetData><row r="1"><c r="A1" t="b"><v>2</v></c></row></sheetData>"#),
        ];
        for (i, (what, sst, cells)) in cases.iter().enumerate() {
            let p = book(dir.path(), &format!("{i}.xlsx"), "", sst, STYLES, cells, empty);
            assert_eq!(fast_xlsx_agrees(&p), None, "{what}");
            assert!(super::read(&p).is_none(), "{what}");
        }
        // An extension element with a prefix (LibreOffice writes `<loext:extCalcPr/>`) is read
        // past; the same prefix on an element calamine reads is left to it.
        let p = book(dir.path(), "ext.xlsx", r#"<loext:extCalcPr xmlns:loext="x" stringRefSyntax="CalcA1"/>"#, SST, STYLES, CELLS, empty);
        assert_eq!(fast_xlsx_agrees(&p), Some(Ok(())));
        let p = book(dir.path(), "pfx.xlsx", r#"<x:workbookPr xmlns:x="x" date1904="1"/>"#, SST, STYLES, CELLS, empty);
        assert_eq!(fast_xlsx_agrees(&p), None);
        // Without styles or shared strings at all, and with a date style: still read alike.
        let p = book(
            dir.path(),
            "plain.xlsx",
            "",
            "",
            "",
            r#"<sheetData><row r="1"><c r="A1" s="3"><v>1</v></c><c r="B1" t="str"><v>x</v></c></row></sheetData>"#,
            empty,
        );
        assert_eq!(fast_xlsx_agrees(&p), Some(Ok(())));
    }

    /// Every .xlsx among the fixtures and the bundled example: read alike, or left to
    /// calamine; and most of them are read here.
    #[test]
    fn fixtures_read_alike() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut dirs = vec![root.join("tests/fixtures"), root.join("surveys")];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|e| e == "xlsx") {
                    files.push(p);
                }
            }
        }
        let mut fast = 0;
        for f in &files {
            match fast_xlsx_agrees(f) {
                Some(Ok(())) => fast += 1,
                Some(Err(e)) => panic!("{}: {e}", f.display()),
                None => {}
            }
        }
        assert!(files.len() >= 20 && fast * 2 > files.len(), "{fast} of {} read by the faster reader", files.len());
    }
}
