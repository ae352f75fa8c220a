//! CSV input: decodes the bytes (UTF-8, UTF-8 with BOM, GBK/GB18030, as 问卷星 and
//! Excel write them, and UTF-16 with its byte order mark, Excel's "Unicode text"), sniffs
//! the delimiter, and loads the records into a cell grid.

use calamine::{Data, Range};
use std::borrow::Cow;

/// Decodes CSV bytes: a UTF-8 BOM is stripped; UTF-16 with its byte order mark is
/// decoded; valid UTF-8 is used as is; anything else is read as GB18030 (a superset of
/// GBK and GB2312).
pub fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Cow::Owned(encoding_rs::UTF_16LE.decode_without_bom_handling(rest).0.into_owned());
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Cow::Owned(encoding_rs::UTF_16BE.decode_without_bom_handling(rest).0.into_owned());
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest);
    }
    if let Some(enc) = utf16_without_bom(bytes) {
        return Cow::Owned(enc.decode_without_bom_handling(bytes).0.into_owned());
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(s);
    }
    if !is_gbk(bytes) {
        // UTF-8 with some lines in GBK (rows pasted from another file): line by line.
        let mut out = String::with_capacity(bytes.len());
        let mut text = String::new();
        for (i, line) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
            LineDecoder { gbk: false }.decode(line, i == 0, &mut text);
            out.push_str(&text);
        }
        return Cow::Owned(out);
    }
    let (s, _, _) = encoding_rs::GB18030.decode(bytes);
    s
}

/// UTF-16 text (with its byte order mark, or without one) decoded; `None` for any other.
fn decode_utf16(bytes: &[u8]) -> Option<String> {
    let (enc, body) = if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        (encoding_rs::UTF_16LE, rest)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        (encoding_rs::UTF_16BE, rest)
    } else {
        (utf16_without_bom(bytes)?, bytes)
    };
    Some(enc.decode_without_bom_handling(body).0.into_owned())
}

/// UTF-16 saved without its byte order mark (told by the zero bytes of ASCII text: every
/// second byte of a Chinese table's digits, commas and line breaks).
pub fn utf16_without_bom(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &bytes[..bytes.len().min(4096) & !1];
    if head.len() < 8 {
        return None;
    }
    let zeros = |odd: usize| head.iter().skip(odd).step_by(2).filter(|b| **b == 0).count();
    let (even, odd) = (zeros(0), zeros(1));
    let half = head.len() / 2;
    if odd * 5 >= half && even * 20 < half {
        Some(encoding_rs::UTF_16LE)
    } else if even * 5 >= half && odd * 20 < half {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// How much of a text table decides its encoding (the streamed read sees this much first).
const ENCODING_HEAD: usize = 1 << 20;

/// Whether a text table is GBK/GB18030 throughout, from its first megabyte (one rule for
/// the whole-file and the streamed read): not when it starts with a UTF-8 byte order mark
/// or is UTF-8 (a character cut at the end aside), nor when most of its lines beyond ASCII
/// are UTF-8 (UTF-8 with a few GBK lines is read line by line).
fn is_gbk(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(ENCODING_HEAD)];
    if head.starts_with(b"\xEF\xBB\xBF") {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => false,
        Err(e) if e.error_len().is_none() => false,
        Err(_) => mostly_gbk(head),
    }
}

/// Whether text that is not UTF-8 is GBK throughout (most of its lines with characters
/// beyond ASCII are not UTF-8), rather than UTF-8 with a few GBK lines.
fn mostly_gbk(bytes: &[u8]) -> bool {
    let (mut utf8, mut other) = (0usize, 0usize);
    for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_ascii()).take(2000) {
        if std::str::from_utf8(line.strip_suffix(b"\r").unwrap_or(line)).is_ok() {
            utf8 += 1;
        } else {
            other += 1;
        }
    }
    other > utf8
}

/// Decodes the lines of a text table: GBK/GB18030 throughout, or UTF-8 — where a line
/// that is not UTF-8 is read as GBK (and said to be).
struct LineDecoder {
    gbk: bool,
}

impl LineDecoder {
    /// Puts the line's text into `out` (its buffer reused from line to line) and says
    /// whether it was read as GBK in a UTF-8 file.
    fn decode(&self, b: &[u8], first: bool, out: &mut String) -> bool {
        let b = if first { b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b) } else { b };
        out.clear();
        if self.gbk {
            out.push_str(&encoding_rs::GB18030.decode_without_bom_handling(b).0);
            return false;
        }
        // Validated with SIMD first (most lines are UTF-8); the standard check says where
        // and how a line is not.
        if let Ok(s) = simdutf8::basic::from_utf8(b) {
            out.push_str(s);
            return false;
        }
        match std::str::from_utf8(b) {
            Ok(s) => out.push_str(s),
            // A character cut at the end (a line cut at MAX_LINE_BYTES) is no other encoding.
            Err(e) if e.error_len().is_none() => out.push_str(&String::from_utf8_lossy(&b[..e.valid_up_to()])),
            Err(_) => {
                out.push_str(&encoding_rs::GB18030.decode_without_bom_handling(b).0);
                return true;
            }
        }
        false
    }
}

fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let candidates = [b',', b'\t', b';'];
    let mut best = (0usize, b',');
    for d in candidates {
        let n = first.bytes().filter(|b| *b == d).count();
        if n > best.0 {
            best = (n, d);
        }
    }
    best.1
}

/// A record that could not be read as written (a stray, unterminated quote): where it
/// is in the grid, and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Malformed {
    /// 0-based row of the grid (= record number − 1).
    pub row: u32,
    pub text: String,
    pub kind: MalformedKind,
}

/// What was wrong with a record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MalformedKind {
    /// A stray quote: read literally.
    Quotes,
    /// A line longer than [`MAX_LINE_BYTES`] (its length): left out, its first
    /// characters in `text`.
    TooLong(u64),
    /// A line of a UTF-8 file that is not UTF-8: read as GBK.
    Encoding,
}

/// A line longer than this (bytes) cannot be a response: it is left out, with a ledger
/// entry, and memory stays bounded whatever a file holds (a quote that never closes over
/// hundreds of megabytes, a file of one line).
pub const MAX_LINE_BYTES: usize = 8 << 20;

/// Reads the next line into `buf` (at most [`MAX_LINE_BYTES`] of it) and returns its
/// whole length, or `None` at the end. A line ends at LF, CRLF or a lone CR: old Mac
/// files end every line in CR, and a file of CRLF lines may hold a stray CR where a line
/// was cut by hand; a CR inside a quoted answer is rejoined by the quote rule of
/// [`Records`].
pub fn read_line(r: &mut impl std::io::BufRead, buf: &mut Vec<u8>) -> std::io::Result<Option<u64>> {
    buf.clear();
    let (mut total, mut any) = (0u64, false);
    let mut take = |part: &[u8], buf: &mut Vec<u8>| {
        total += part.len() as u64;
        let room = MAX_LINE_BYTES.saturating_sub(buf.len());
        buf.extend_from_slice(&part[..part.len().min(room)]);
    };
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok(any.then_some(total));
        }
        any = true;
        let Some(i) = memchr::memchr2(b'\n', b'\r', avail) else {
            let n = avail.len();
            take(avail, buf);
            r.consume(n);
            continue;
        };
        let cr = avail[i] == b'\r';
        take(&avail[..i], buf);
        r.consume(i + 1);
        if cr && r.fill_buf()?.first() == Some(&b'\n') {
            r.consume(1);
        }
        return Ok(Some(total));
    }
}

fn parse_line(line: &str, delim: u8, quoting: bool) -> Vec<String> {
    // Most lines of an export have no quotes: split them directly.
    if !line.contains('"') {
        return line.split(delim as char).map(str::to_string).collect();
    }
    let mut rdr =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).quoting(quoting).delimiter(delim).from_reader(line.as_bytes());
    rdr.records().next().and_then(|r| r.ok()).map(|r| r.iter().map(|s| s.to_string()).collect()).unwrap_or_default()
}

/// A line as read (its text in the buffer handed to the reader): its whole length in
/// bytes, and whether it was read as GBK in a UTF-8 file.
struct Line {
    len: u64,
    gbk: bool,
}

/// Splits lines into records with the stray-quote rule, one rule for the whole-file read
/// and the streamed read. A quoted field may hold line breaks (open answers do). But a
/// stray quote that is never closed makes a CSV parser read every following line into one
/// field, so that rows silently vanish into one answer. A record spanning several lines is
/// therefore checked: when its quotes do not close within [`MAX_RECORD_LINES`] lines, its
/// field count differs from the table's (the widest one-line record so far), or (for
/// tables of 4 columns or more) a line inside it is a complete record on its own, its
/// first line is read on its own — literally, and reported, when its quotes do not pair
/// up — and the lines after it are read again as lines of their own. Blank lines are no
/// records.
struct Records<F: FnMut(&mut String) -> Result<Option<Line>, super::ReadError>> {
    next_line: F,
    /// The line being read (its buffer reused from line to line: no allocation per line).
    cur: String,
    queue: std::collections::VecDeque<String>,
    delim: Option<u8>,
    width: usize,
    /// Records returned so far (the grid row of the next one).
    row: u32,
    bad: Vec<Malformed>,
}

impl<F: FnMut(&mut String) -> Result<Option<Line>, super::ReadError>> Records<F> {
    fn new(next_line: F) -> Self {
        Records { next_line, cur: String::new(), queue: Default::default(), delim: None, width: 0, row: 0, bad: Vec::new() }
    }

    /// Reads the next line into `cur`; `false` at the end. A line longer than
    /// [`MAX_LINE_BYTES`] is noted and read as blank.
    fn line(&mut self) -> Result<bool, super::ReadError> {
        if let Some(l) = self.queue.pop_front() {
            self.cur = l;
            return Ok(true);
        }
        let Some(Line { len, gbk }) = (self.next_line)(&mut self.cur)? else { return Ok(false) };
        if gbk && self.bad.len() < 10_000 {
            self.bad.push(Malformed { row: self.row, text: self.cur.chars().take(200).collect(), kind: MalformedKind::Encoding });
        }
        if len > MAX_LINE_BYTES as u64 {
            let text = self.cur.chars().take(200).collect();
            self.bad.push(Malformed { row: self.row, text, kind: MalformedKind::TooLong(len) });
            self.cur.clear();
        }
        Ok(true)
    }

    /// The next record split into fields, or `None` at the end.
    fn next(&mut self, text: &mut String) -> Result<Option<Vec<String>>, super::ReadError> {
        text.clear();
        let Some(r) = self.next_raw(text)? else { return Ok(None) };
        Ok(Some(parse_line(text, self.delim.unwrap_or(b','), r.quoting)))
    }

    /// The next record as text, not yet split into fields (the streamed read splits it
    /// on another thread), appended to `out`; `None` at the end.
    fn next_raw(&mut self, out: &mut String) -> Result<Option<RawRecord>, super::ReadError> {
        loop {
            if !self.line()? {
                return Ok(None);
            }
            if self.cur.is_empty() {
                continue;
            }
            let delim = *self.delim.get_or_insert_with(|| sniff_delimiter(&self.cur));
            let mut n = quote_count(&self.cur);
            // The common case: a line without quotes is one record; a line whose quotes
            // pair up, each field bare or wholly quoted, is one too (counted without a
            // CSV parser).
            let simple = if n == 0 {
                Some(memchr::memchr_iter(delim, self.cur.as_bytes()).count() + 1)
            } else if n.is_multiple_of(2) {
                count_quoted_fields(&self.cur, delim)
            } else {
                None
            };
            if let Some(fields) = simple {
                self.width = self.width.max(fields);
                self.row += 1;
                out.push_str(&self.cur);
                return Ok(Some(RawRecord { quoting: true, fields }));
            }
            let line = std::mem::take(&mut self.cur);
            let mut record = line.clone();
            let mut lines = vec![line];
            while n % 2 == 1 && lines.len() < MAX_RECORD_LINES && record.len() < MAX_LINE_BYTES {
                if !self.line()? {
                    break;
                }
                let more = std::mem::take(&mut self.cur);
                n += quote_count(&more);
                record.push('\n');
                record.push_str(&more);
                lines.push(more);
            }
            return Ok(Some(self.multi_line(record, lines, n, delim, out)));
        }
    }

    /// A record whose quotes spanned several lines (or did not pair up in one): the
    /// whole record, or its first line on its own when the record is suspicious (see
    /// [`Records`]), appended to `out`.
    fn multi_line(&mut self, record: String, mut lines: Vec<String>, n: usize, delim: u8, out: &mut String) -> RawRecord {
        let fields = parse_line(&record, delim, true).len();
        // The header (the first record, after titles of one or two fields) may hold
        // line breaks in its cells (Alt+Enter in Excel): whole when its quotes close
        // within a few lines.
        if lines.len() == 1 || (self.width <= 2 && n.is_multiple_of(2) && lines.len() <= MAX_HEADER_LINES) {
            self.width = self.width.max(fields);
            self.row += 1;
            out.push_str(&record);
            return RawRecord { quoting: true, fields };
        }
        let width = self.width;
        let suspicious = lines.len() > 1
            && (n % 2 == 1 || fields != width || (width >= 4 && lines[1..].iter().any(|l| parse_line(l, delim, true).len() == width)));
        self.row += 1;
        if !suspicious || self.bad.len() >= 10_000 {
            out.push_str(&record);
            return RawRecord { quoting: true, fields };
        }
        let first = lines.remove(0);
        for l in lines.into_iter().rev() {
            self.queue.push_front(l);
        }
        let quoting = quote_count(&first).is_multiple_of(2);
        if !quoting {
            self.bad.push(Malformed { row: self.row - 1, text: first.chars().take(200).collect(), kind: MalformedKind::Quotes });
        }
        let fields = parse_line(&first, delim, quoting).len();
        out.push_str(&first);
        RawRecord { quoting, fields }
    }
}

/// The number of double quotes in a line (they pair up when it is even).
fn quote_count(s: &str) -> usize {
    memchr::memchr_iter(b'"', s.as_bytes()).count()
}

/// The number of fields of a one-line record in which every field is either bare (no
/// quote in it) or wholly quoted (`"…"`, with `""` for a quote inside); `None` for any
/// other use of quotes, which the CSV parser decides.
fn count_quoted_fields(line: &str, delim: u8) -> Option<usize> {
    let mut n = 0;
    split_quoted(line, delim, |_, _| n += 1).then_some(n)
}

/// Splits a one-line record in which every field is bare or wholly quoted, calling
/// `field(index, text)` with quotes removed and `""` made `"`; `false` (after some calls,
/// perhaps) when a quote is used any other way.
fn split_quoted(line: &str, delim: u8, mut field: impl FnMut(usize, std::borrow::Cow<'_, str>)) -> bool {
    let b = line.as_bytes();
    let (mut i, mut k) = (0usize, 0usize);
    loop {
        if b.get(i) == Some(&b'"') {
            // A quoted field: up to its closing quote, which must end the field.
            let start = i + 1;
            let mut escaped = false;
            i = start;
            loop {
                match b.get(i) {
                    None => return false,
                    Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                        escaped = true;
                        i += 2;
                    }
                    Some(b'"') => break,
                    Some(_) => i += 1,
                }
            }
            // Quotes and the delimiter are ASCII: these are character boundaries.
            let text = &line[start..i];
            field(k, if escaped { std::borrow::Cow::Owned(text.replace("\"\"", "\"")) } else { std::borrow::Cow::Borrowed(text) });
            k += 1;
            i += 1;
            match b.get(i) {
                None => return true,
                Some(&c) if c == delim => i += 1,
                Some(_) => return false,
            }
        } else {
            // A bare field: up to the next delimiter, without quotes.
            let end = memchr::memchr(delim, &b[i..]).map(|e| i + e);
            let text = &line[i..end.unwrap_or(b.len())];
            if text.contains('"') {
                return false;
            }
            field(k, std::borrow::Cow::Borrowed(text));
            k += 1;
            match end {
                None => return true,
                Some(e) => i = e + 1,
            }
        }
    }
}

/// How to split one record, and its number of fields.
struct RawRecord {
    /// `false`: a stray quote, read literally.
    quoting: bool,
    fields: usize,
}

/// Records of a streamed CSV chunk, split into fields when the chunk is parsed
/// ([`super::Chunk::ready`]), on the thread that parses it: their texts one after
/// another in one buffer (no allocation per record).
pub struct Lines {
    text: String,
    /// Per record: where its text ends in `text`, and `false` for a stray quote (read
    /// literally).
    records: Vec<(usize, bool)>,
    delim: u8,
    width: usize,
}

impl Lines {
    /// Empty buffers for the next chunk, as large as this one's (rows are alike): no
    /// growing and copying as they fill.
    fn sized_like(&self) -> Lines {
        Lines {
            text: String::with_capacity(self.text.len().min(CHUNK_BYTES)),
            records: Vec::with_capacity(self.records.len()),
            delim: b',',
            width: 0,
        }
    }
}

impl Lines {
    fn len(&self) -> usize {
        self.records.len()
    }

    /// Hands the records over one at a time (see [`super::Pending::each_row`]).
    pub(super) fn each_row(self, first_row: u32, f: &mut dyn FnMut(u32, &[Data])) {
        let mut row = super::chunk::RowCells::new(self.width);
        let mut start = 0;
        for (r, &(end, quoting)) in self.records.iter().enumerate() {
            let text = &self.text[start..end];
            start = end;
            let mut n = 0;
            if quoting && split_bare(text, self.delim, &mut row, &mut n) {
                // Done: no quote in the record.
            } else if !(quoting
                && split_quoted(text, self.delim, |c, v| {
                    row.text(c, &v);
                    n = c + 1;
                }))
            {
                n = 0;
                for (c, v) in parse_line(text, self.delim, quoting).into_iter().enumerate() {
                    if v.is_empty() {
                        row.clear(c);
                    } else {
                        row.set(c, Data::String(v));
                    }
                    n = c + 1;
                }
            }
            row.clear_from(n);
            f(first_row + r as u32, &row.cells);
        }
    }
}

/// Splits a record with no quote in it at the delimiter into `row` (`n`: fields set),
/// in one pass; `false` (with `n` reset) at the first quote, for the quote rules.
fn split_bare(text: &str, delim: u8, row: &mut super::chunk::RowCells, n: &mut usize) -> bool {
    // Fields end at the delimiter, an ASCII byte: each cut is a character boundary.
    let mut from = 0;
    for e in memchr::memchr2_iter(delim, b'"', text.as_bytes()) {
        if text.as_bytes()[e] == b'"' {
            *n = 0;
            return false;
        }
        row.text(*n, &text[from..e]);
        *n += 1;
        from = e + 1;
    }
    row.text(*n, &text[from..]);
    *n += 1;
    true
}

/// Reads a whole text table as one sheet.
pub(super) fn read(path: &std::path::Path) -> Result<super::SheetData, super::ReadError> {
    let bytes = std::fs::read(path).map_err(super::ReadError::Io)?;
    let (cells, malformed) = parse_checked(&bytes);
    Ok(super::SheetData { name: "csv".into(), cells, malformed, notes: Vec::new() })
}

/// Parses CSV bytes into a grid, and lists the records that were malformed (see
/// [`Records`] for the rule).
pub fn parse_checked(bytes: &[u8]) -> (Range<Data>, Vec<Malformed>) {
    let utf16 = decode_utf16(bytes);
    let bytes = utf16.as_deref().map_or(bytes, str::as_bytes);
    let dec = LineDecoder { gbk: is_gbk(bytes) };
    let mut cursor = std::io::Cursor::new(bytes);
    let (mut buf, mut first) = (Vec::new(), true);
    let mut records = Records::new(|text: &mut String| {
        let Some(len) = read_line(&mut cursor, &mut buf).map_err(super::ReadError::Io)? else { return Ok(None) };
        let gbk = dec.decode(&buf, std::mem::take(&mut first), text);
        Ok(Some(Line { len, gbk }))
    });
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut text = String::new();
    while let Ok(Some(r)) = records.next(&mut text) {
        rows.push(r);
    }
    let bad = std::mem::take(&mut records.bad);
    let width = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    while rows.last().is_some_and(|r| r.iter().all(|c| c.trim().is_empty())) {
        rows.pop();
    }
    if rows.is_empty() || width == 0 {
        return (Range::empty(), bad);
    }
    let mut range = Range::new((0, 0), (rows.len() as u32 - 1, width as u32 - 1));
    for (r, row) in rows.into_iter().enumerate() {
        for (c, v) in row.into_iter().enumerate() {
            if !v.is_empty() {
                range.set_value((r as u32, c as u32), Data::String(v));
            }
        }
    }
    (range, bad)
}

/// Streams a CSV (UTF-8 with or without BOM, or GBK/GB18030, decided from its first
/// megabyte) in chunks of `chunk_rows` records, as [`super::stream_xlsx`] does for .xlsx,
/// with the rows and the stray-quote rule of [`parse_checked`]. Memory stays bounded by
/// a few chunks.
pub fn stream_csv(path: &std::path::Path, chunk_rows: u32, mut sink: impl FnMut(super::Chunk)) -> Result<(), super::ReadError> {
    use std::io::{BufRead, Read};
    let file = std::fs::File::open(path).map_err(super::ReadError::Io)?;
    let mut r: Box<dyn BufRead> = Box::new(std::io::BufReader::with_capacity(1 << 20, file));
    // UTF-16 (Excel's "Unicode text", rarely large) is decoded whole first: its lines do
    // not end in the byte '\n'.
    let head = r.fill_buf().map_err(super::ReadError::Io)?;
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") || utf16_without_bom(head).is_some() {
        let mut all = Vec::new();
        r.read_to_end(&mut all).map_err(super::ReadError::Io)?;
        r = Box::new(std::io::Cursor::new(decode_utf16(&all).unwrap_or_default().into_bytes()));
    }
    // GBK/GB18030 (as Excel and 问卷星 write CSV for Chinese Windows) or UTF-8, from the first
    // megabyte. Lines are decoded one by one (a GBK byte sequence never holds a newline).
    let dec = LineDecoder { gbk: is_gbk(r.fill_buf().map_err(super::ReadError::Io)?) };
    let mut first = true;
    let mut buf = Vec::new();
    let mut records = Records::new(|text: &mut String| {
        let Some(len) = read_line(&mut r, &mut buf).map_err(super::ReadError::Io)? else { return Ok(None) };
        let gbk = dec.decode(&buf, std::mem::take(&mut first), text);
        Ok(Some(Line { len, gbk }))
    });
    // Records are grouped here (the stray-quote rule needs them in order) and split into
    // fields by whoever parses the chunk, in parallel.
    let mut lines = Lines { text: String::new(), records: Vec::new(), delim: b',', width: 0 };
    let (mut width, mut cells) = (0usize, 0u64);
    let mut first_row = 0u32;
    let mut send = |records: &mut Records<_>,
                    lines: &mut Lines,
                    width: &mut usize,
                    cells: &mut u64,
                    first_row: &mut u32|
     -> Result<(), super::ReadError> {
        let rows = lines.len() as u64;
        if super::checks::grid_too_big(rows, *width as u64, *cells) {
            return Err(super::ReadError::Oversized(format!("CSV 的第 {} 行起有一行多达 {} 列", *first_row + 1, *width)));
        }
        let next = lines.sized_like();
        let mut pending = std::mem::replace(lines, next);
        pending.delim = records.delim.unwrap_or(b',');
        pending.width = std::mem::take(width);
        *cells = 0;
        sink(super::Chunk {
            sheet: "csv".into(),
            first_row: *first_row,
            last_row: records.row - 1,
            cells: Range::empty(),
            pending: Some(super::Pending::Csv(pending)),
            malformed: std::mem::take(&mut records.bad),
        });
        *first_row = records.row;
        Ok(())
    };
    while let Some(rec) = records.next_raw(&mut lines.text)? {
        width = width.max(rec.fields);
        cells += rec.fields as u64;
        lines.records.push((lines.text.len(), rec.quoting));
        // A chunk is bounded in bytes too: rows of long answers make fewer rows a chunk.
        if records.row - first_row >= chunk_rows || lines.text.len() >= CHUNK_BYTES {
            send(&mut records, &mut lines, &mut width, &mut cells, &mut first_row)?;
        }
    }
    if records.row > first_row {
        send(&mut records, &mut lines, &mut width, &mut cells, &mut first_row)?;
    } else if !records.bad.is_empty() {
        // Lines found wrong after the last record (a line too long at the end): a chunk of
        // no rows carries them to the ledger.
        sink(super::Chunk {
            sheet: "csv".into(),
            first_row,
            last_row: first_row.saturating_sub(1),
            cells: Range::empty(),
            pending: None,
            malformed: std::mem::take(&mut records.bad),
        });
    }
    Ok(())
}

/// A record whose quotes have not closed after this many lines is read line by line.
pub const MAX_RECORD_LINES: usize = 500;

/// A streamed chunk holds at most about this many bytes of text.
const CHUNK_BYTES: usize = 64 << 20;

/// A header with quoted line breaks in its cells spans at most this many lines.
const MAX_HEADER_LINES: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn decodes_all_encodings() {
        let s = "序号,1、性别\n1,男\n";
        let (gbk, _, _) = encoding_rs::GB18030.encode(s);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(s.as_bytes());
        for bytes in [s.as_bytes().to_vec(), bom, gbk.into_owned()] {
            let r = parse_checked(&bytes).0;
            assert_eq!(r.get_value((0, 1)), Some(&Data::String("1、性别".into())));
            assert_eq!(r.get_value((1, 1)), Some(&Data::String("男".into())));
        }
    }
    #[test]
    fn a_stray_quote_does_not_swallow_rows() {
        let csv = "序号,1、身份,2、建议,3、次数\n1,党政干部,\"好,5\n2,事业单位人员,多下基层,3\n3,党政干部,无,4\n4,党政干部,\"第一行\n第二行\",2\n";
        let crlf = csv.replace('\n', "\r\n").replace("第一行\r\n第二行", "第一行\n第二行");
        for csv in [csv.to_string(), crlf] {
            let (r, bad) = parse_checked(csv.as_bytes());
            assert_eq!(r.get_size(), (5, 4), "header + 4 records");
            assert_eq!(bad, vec![Malformed { row: 1, text: "1,党政干部,\"好,5".into(), kind: MalformedKind::Quotes }]);
            assert_eq!(r.get_value((2, 1)), Some(&Data::String("事业单位人员".into())));
            assert_eq!(r.get_value((3, 0)), Some(&Data::String("3".into())));
            // A real multi-line answer stays one field.
            assert_eq!(r.get_value((4, 2)), Some(&Data::String("第一行\n第二行".into())));
        }
    }
    /// Cells as (row, column, text).
    type Cells = Vec<(u32, u32, String)>;

    /// Every cell of a text table, whole-file read and streamed in chunks of `rows`.
    fn both_reads(bytes: &[u8], rows: u32) -> (Cells, Cells, Vec<Malformed>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, bytes).unwrap();
        let (whole, bad) = parse_checked(bytes);
        let whole = whole.used_cells().map(|(r, k, v)| (r as u32, k as u32, v.to_string())).collect();
        let mut got = Vec::new();
        let mut streamed_bad = Vec::new();
        stream_csv(&path, rows, |mut c| {
            c.ready();
            let (r0, c0) = c.cells.start().unwrap_or((0, 0));
            got.extend(c.cells.used_cells().map(|(r, k, v)| (r as u32 + r0, k as u32 + c0, v.to_string())));
            streamed_bad.extend(c.malformed);
        })
        .unwrap();
        assert_eq!(streamed_bad, bad);
        (whole, got, bad)
    }

    #[test]
    fn every_line_ending_gives_the_same_records() {
        let rows = ["序号,身份,建议", "1,党政干部,多调研", "2,事业单位人员,少开会", "3,党政干部,\"第一段\n第二段\"", "4,党政干部,无"];
        let lf = rows.join("\n") + "\n";
        let want = both_reads(lf.as_bytes(), 100).0;
        assert_eq!(want.len(), 15);
        let cr = lf.replace('\n', "\r");
        let crlf = lf.replace('\n', "\r\n");
        // A stray CR ending some lines of a CRLF file; mixed endings; no final line break.
        let stray = format!("{}\r\n{}\r{}\r\n{}\r{}", rows[0], rows[1], rows[2], rows[3], rows[4]);
        let mixed = format!("{}\n{}\r\n{}\r{}\n{}\r\n", rows[0], rows[1], rows[2], rows[3], rows[4]);
        for (name, text) in [("CR", cr), ("CRLF", crlf), ("stray CR", stray), ("mixed", mixed)] {
            for chunk in [1, 2, 100] {
                let (whole, streamed, bad) = both_reads(text.as_bytes(), chunk);
                assert_eq!(whole, want, "{name}");
                assert_eq!(streamed, want, "{name}, chunks of {chunk}");
                assert!(bad.is_empty(), "{name}: {bad:?}");
            }
        }
    }

    #[test]
    fn a_header_cell_with_line_breaks_is_one_cell() {
        let text = "序号,\"1、身份\r\n（单选）\",\"2、建议\n（选填）\",3、次数\r\n1,党政干部,无,2\r\n2,事业单位人员,少开会,3\r\n";
        let (whole, streamed, bad) = both_reads(text.as_bytes(), 1);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(whole, streamed);
        assert!(whole.contains(&(0, 1, "1、身份\n（单选）".into())) && whole.contains(&(0, 3, "3、次数".into())), "{whole:?}");
        assert!(whole.contains(&(2, 2, "少开会".into())), "{whole:?}");
    }

    #[test]
    fn a_line_longer_than_any_response_is_left_out() {
        let long = format!("9,党政干部,\"{}", "很长".repeat(MAX_LINE_BYTES / 5));
        let text = format!("序号,身份,建议\n1,党政干部,无\n{long}\n2,事业单位人员,少开会\n");
        let (whole, streamed, bad) = both_reads(text.as_bytes(), 1);
        assert_eq!(whole, streamed);
        assert_eq!(whole.len(), 9, "{whole:?}");
        assert_eq!(bad.len(), 1);
        assert_eq!((bad[0].row, bad[0].kind), (2, MalformedKind::TooLong(long.len() as u64)));
        assert!(bad[0].text.starts_with("9,党政干部") && bad[0].text.chars().count() == 200);
        // The long line last (nothing read after it): still in the ledger when streamed.
        let text = format!("序号,身份,建议\n1,党政干部,无\n{long}\n\n");
        for rows in [1, 2] {
            let (whole, streamed, bad) = both_reads(text.as_bytes(), rows);
            assert_eq!((whole.len(), streamed.len(), bad.len()), (6, 6, 1));
        }
    }

    #[test]
    fn the_encoding_is_decided_alike_by_both_reads() {
        // A BOM, then mostly GBK lines (the whole-file read once took it for GBK, the
        // streamed read for UTF-8); GBK throughout; UTF-8 throughout.
        let mut bom_mixed = b"\xEF\xBB\xBF\xE5\xBA\x8F\xE5\x8F\xB7,\xE8\xBA\xAB\xE4\xBB\xBD\n1,\xE5\x85\x9A\n".to_vec();
        bom_mixed.extend_from_slice(&encoding_rs::GBK.encode("2,事业单位人员\n3,国有企业人员\n4,其他\n").0);
        let gbk = encoding_rs::GBK.encode("序号,身份\n1,党政干部\n2,事业单位人员\n").0.into_owned();
        for bytes in [bom_mixed, gbk, "序号,身份\n1,党政干部\n".as_bytes().to_vec()] {
            for rows in [1, 2, 100] {
                let (whole, streamed, _) = both_reads(&bytes, rows);
                assert_eq!(whole, streamed);
                assert!(whole.iter().all(|(_, _, v)| !v.contains('\u{FFFD}') && !v.contains('锘')), "{whole:?}");
            }
        }
    }

    #[test]
    fn streaming_reads_as_the_whole_file_read() {
        let csv = "序号,1、身份,2、建议,3、次数\n1,党政干部,\"好,5\n2,事业单位人员,多下基层,3\n\n3,党政干部,无,4\n4,党政干部,\"第一行\n第二行\",2\n5,党政干部,无,1\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, csv).unwrap();
        let (whole, bad) = parse_checked(csv.as_bytes());
        for rows in [1, 2, 100] {
            let mut got: Vec<(u32, u32, String)> = Vec::new();
            let mut streamed_bad = Vec::new();
            stream_csv(&path, rows, |mut c| {
                c.ready();
                got.extend(
                    c.cells
                        .used_cells()
                        .map(|(r, k, v)| (r as u32 + c.cells.start().unwrap().0, k as u32 + c.cells.start().unwrap().1, v.to_string())),
                );
                streamed_bad.extend(c.malformed);
            })
            .unwrap();
            let want: Vec<(u32, u32, String)> = whole.used_cells().map(|(r, k, v)| (r as u32, k as u32, v.to_string())).collect();
            assert_eq!(got, want, "chunks of {rows}");
            assert_eq!(streamed_bad, bad);
        }
        assert_eq!(bad.len(), 1, "{bad:?}");
        // A quote left open on the last line (nothing after it to swallow): read as csv
        // reads it, as the whole-file read does; the real multi-line answer before it
        // stays whole.
        std::fs::write(&path, format!("{csv}6,\"没有结束,1\n")).unwrap();
        let mut cells = Vec::new();
        let mut streamed_bad = Vec::new();
        stream_csv(&path, 100, |mut c| {
            c.ready();
            cells.extend(c.cells.used_cells().map(|(_, _, v)| v.to_string()));
            streamed_bad.extend(c.malformed);
        })
        .unwrap();
        assert!(cells.contains(&"第一行\n第二行".to_string()) && cells.contains(&"没有结束,1".to_string()), "{cells:?}");
        assert_eq!(streamed_bad.iter().map(|m| m.row).collect::<Vec<_>>(), [1]);
        // GBK, with quoted fields and CRLF: the same cells as the whole-file read.
        let gbk =
            encoding_rs::GB18030.encode("序号,性别,\"建议\"\r\n1,男,\"多调研，少开会\"\r\n2,女,\"说\"\"实话\"\"\"\r\n").0.into_owned();
        std::fs::write(&path, &gbk).unwrap();
        let mut cells = Vec::new();
        stream_csv(&path, 1, |mut c| {
            c.ready();
            cells.extend(c.cells.used_cells().map(|(r, k, v)| (r as u32 + c.cells.start().unwrap().0, k as u32, v.to_string())));
        })
        .unwrap();
        let whole: Vec<(u32, u32, String)> =
            parse_checked(&gbk).0.used_cells().map(|(r, k, v)| (r as u32, k as u32, v.to_string())).collect();
        assert_eq!(cells, whole);
        assert!(whole.contains(&(2, 2, "说\"实话\"".to_string())), "{whole:?}");
    }

    #[test]
    fn quoted_fields_are_counted_as_the_parser_splits_them() {
        for line in [
            "a,b,c",
            "\"a\",\"b,c\",d",
            "\"\",,\"x\"\"y\"",
            "\"a\"b,c",
            "a\"b,c",
            "\"a,b",
            ",\"\"",
            "\"多调研，少开会\",\"说\"\"实话\"\"\"",
            "a,",
            "\"a\",",
        ] {
            let parsed = parse_line(line, b',', true);
            let mut split = Vec::new();
            if split_quoted(line, b',', |_, v| split.push(v.into_owned())) {
                assert_eq!(split, parsed, "{line}");
                assert_eq!(count_quoted_fields(line, b','), Some(parsed.len()), "{line}");
            }
        }
        assert_eq!(count_quoted_fields("\"a\",\"b,c\",d", b','), Some(3));
        assert_eq!(count_quoted_fields("\"a\"b,c", b','), None, "a quote inside a field is left to the parser");
    }

    #[test]
    fn a_title_line_does_not_split_multi_line_answers() {
        let csv = "某某调查结果\n序号,1、身份,2、建议,3、次数\n1,党政干部,\"第一行\n第二行\",2\n2,事业单位人员,无,3\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, csv).unwrap();
        let mut cells = Vec::new();
        let mut bad = Vec::new();
        stream_csv(&path, 100, |mut c| {
            c.ready();
            cells.extend(c.cells.used_cells().map(|(_, _, v)| v.to_string()));
            bad.extend(c.malformed);
        })
        .unwrap();
        assert!(cells.contains(&"第一行\n第二行".to_string()) && bad.is_empty(), "{cells:?} {bad:?}");
    }

    #[test]
    fn tabs() {
        let r = parse_checked("a\tb\n1\t2\n".as_bytes()).0;
        assert_eq!(r.get_size(), (2, 2));
    }
}
