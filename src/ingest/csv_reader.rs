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
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(s);
    }
    let (s, _, _) = encoding_rs::GB18030.decode(bytes);
    s
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
struct Records<F: FnMut() -> Result<Option<String>, super::ReadError>> {
    next_line: F,
    queue: std::collections::VecDeque<String>,
    delim: Option<u8>,
    width: usize,
    /// Records returned so far (the grid row of the next one).
    row: u32,
    bad: Vec<Malformed>,
}

impl<F: FnMut() -> Result<Option<String>, super::ReadError>> Records<F> {
    fn new(next_line: F) -> Self {
        Records { next_line, queue: Default::default(), delim: None, width: 0, row: 0, bad: Vec::new() }
    }

    fn line(&mut self) -> Result<Option<String>, super::ReadError> {
        match self.queue.pop_front() {
            Some(l) => Ok(Some(l)),
            None => (self.next_line)(),
        }
    }

    /// The next record, or `None` at the end.
    fn next(&mut self) -> Result<Option<Vec<String>>, super::ReadError> {
        Ok(self.next_raw()?.map(|r| parse_line(&r.text, self.delim.unwrap_or(b','), r.quoting)))
    }

    /// The next record as text, not yet split into fields (the streamed read splits it
    /// on another thread).
    fn next_raw(&mut self) -> Result<Option<RawRecord>, super::ReadError> {
        let quotes = |s: &str| memchr::memchr_iter(b'"', s.as_bytes()).count();
        loop {
            let Some(line) = self.line()? else { return Ok(None) };
            if line.is_empty() {
                continue;
            }
            let delim = *self.delim.get_or_insert_with(|| sniff_delimiter(&line));
            let mut n = quotes(&line);
            if n == 0 {
                // The common case: a line without quotes is one record.
                let fields = memchr::memchr_iter(delim, line.as_bytes()).count() + 1;
                self.width = self.width.max(fields);
                self.row += 1;
                return Ok(Some(RawRecord { text: line, quoting: true, fields }));
            }
            if n % 2 == 0 {
                // A line whose quotes pair up is one record; a well-formed one (each field
                // bare, or wholly quoted) is counted without a CSV parser.
                if let Some(fields) = count_quoted_fields(&line, delim) {
                    self.width = self.width.max(fields);
                    self.row += 1;
                    return Ok(Some(RawRecord { text: line, quoting: true, fields }));
                }
            }
            let mut record = line.clone();
            let mut lines = vec![line];
            while n % 2 == 1 && lines.len() < MAX_RECORD_LINES {
                let Some(more) = self.line()? else { break };
                n += quotes(&more);
                record.push('\n');
                record.push_str(&more);
                lines.push(more);
            }
            let fields = parse_line(&record, delim, true).len();
            if lines.len() == 1 {
                self.width = self.width.max(fields);
            }
            let width = self.width;
            let suspicious = lines.len() > 1
                && (n % 2 == 1 || fields != width || (width >= 4 && lines[1..].iter().any(|l| parse_line(l, delim, true).len() == width)));
            self.row += 1;
            if !suspicious || self.bad.len() >= 10_000 {
                return Ok(Some(RawRecord { text: record, quoting: true, fields }));
            }
            let first = lines.remove(0);
            for l in lines.into_iter().rev() {
                self.queue.push_front(l);
            }
            let quoting = quotes(&first) % 2 == 0;
            if !quoting {
                self.bad.push(Malformed { row: self.row - 1, text: first.chars().take(200).collect() });
            }
            let fields = parse_line(&first, delim, quoting).len();
            return Ok(Some(RawRecord { text: first, quoting, fields }));
        }
    }
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

/// One record's text, how to split it, and its number of fields.
struct RawRecord {
    text: String,
    /// `false`: a stray quote, read literally.
    quoting: bool,
    fields: usize,
}

/// Records of a streamed CSV chunk, split into fields when the chunk is parsed
/// ([`super::Chunk::ready`]), on the thread that parses it.
pub struct Lines {
    records: Vec<(String, bool)>,
    delim: u8,
    width: usize,
}

impl Lines {
    /// Hands the records over one at a time (see [`super::Pending::each_row`]).
    pub(super) fn each_row(self, first_row: u32, f: &mut dyn FnMut(u32, &[Data])) {
        let mut row = super::chunk::RowCells::new(self.width);
        for (r, (text, quoting)) in self.records.into_iter().enumerate() {
            let mut n = 0;
            if quoting && !text.contains('"') {
                for (c, v) in text.split(self.delim as char).enumerate() {
                    row.text(c, v);
                    n = c + 1;
                }
            } else if !(quoting
                && split_quoted(&text, self.delim, |c, v| {
                    row.text(c, &v);
                    n = c + 1;
                }))
            {
                n = 0;
                for (c, v) in parse_line(&text, self.delim, quoting).into_iter().enumerate() {
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

/// Reads a whole text table as one sheet.
pub(super) fn read(path: &std::path::Path) -> Result<super::SheetData, super::ReadError> {
    let bytes = std::fs::read(path).map_err(super::ReadError::Io)?;
    let (cells, malformed) = parse_checked(&bytes);
    Ok(super::SheetData { name: "csv".into(), cells, malformed })
}

/// Parses CSV bytes into a grid, and lists the records that were malformed (see
/// [`Records`] for the rule).
pub fn parse_checked(bytes: &[u8]) -> (Range<Data>, Vec<Malformed>) {
    let text = decode_text(bytes);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l).to_string());
    let mut records = Records::new(|| Ok(lines.next()));
    let mut rows: Vec<Vec<String>> = Vec::new();
    while let Ok(Some(r)) = records.next() {
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
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        let mut all = Vec::new();
        r.read_to_end(&mut all).map_err(super::ReadError::Io)?;
        r = Box::new(std::io::Cursor::new(decode_text(&all).into_owned().into_bytes()));
    }
    // UTF-8 or not, from the first megabyte (a character cut at its end is fine).
    let head = r.fill_buf().map_err(super::ReadError::Io)?;
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    // Not UTF-8: GBK/GB18030, as Excel and 问卷星 write CSV for Chinese Windows. Lines are
    // decoded one by one (a GBK byte sequence never contains the newline byte).
    let gbk = matches!(std::str::from_utf8(body), Err(e) if e.error_len().is_some()) && !head.starts_with(b"\xEF\xBB\xBF");
    let mut first = true;
    let mut buf = Vec::new();
    let mut records = Records::new(|| {
        buf.clear();
        if r.read_until(b'\n', &mut buf).map_err(super::ReadError::Io)? == 0 {
            return Ok(None);
        }
        let mut b = &buf[..];
        if first {
            b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
            first = false;
        }
        let b = b.strip_suffix(b"\n").unwrap_or(b);
        let b = b.strip_suffix(b"\r").unwrap_or(b);
        Ok(Some(match std::str::from_utf8(b) {
            _ if gbk => encoding_rs::GB18030.decode_without_bom_handling(b).0.into_owned(),
            Ok(s) => s.to_string(),
            Err(_) => String::from_utf8_lossy(b).into_owned(),
        }))
    });
    // Records are grouped here (the stray-quote rule needs them in order) and split into
    // fields by whoever parses the chunk, in parallel.
    let mut lines: Vec<(String, bool)> = Vec::new();
    let (mut width, mut cells) = (0usize, 0u64);
    let mut first_row = 0u32;
    let mut send = |records: &mut Records<_>,
                    lines: &mut Vec<(String, bool)>,
                    width: &mut usize,
                    cells: &mut u64,
                    first_row: &mut u32|
     -> Result<(), super::ReadError> {
        let rows = lines.len() as u64;
        if super::checks::grid_too_big(rows, *width as u64, *cells) {
            return Err(super::ReadError::Oversized(format!("CSV 的第 {} 行起有一行多达 {} 列", *first_row + 1, *width)));
        }
        let pending = Lines { records: std::mem::take(lines), delim: records.delim.unwrap_or(b','), width: std::mem::take(width) };
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
    while let Some(rec) = records.next_raw()? {
        width = width.max(rec.fields);
        cells += rec.fields as u64;
        lines.push((rec.text, rec.quoting));
        if records.row - first_row >= chunk_rows {
            send(&mut records, &mut lines, &mut width, &mut cells, &mut first_row)?;
        }
    }
    if records.row > first_row {
        send(&mut records, &mut lines, &mut width, &mut cells, &mut first_row)?;
    }
    Ok(())
}

/// A record whose quotes have not closed after this many lines is read line by line.
pub const MAX_RECORD_LINES: usize = 500;

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
            assert_eq!(bad, vec![Malformed { row: 1, text: "1,党政干部,\"好,5".into() }]);
            assert_eq!(r.get_value((2, 1)), Some(&Data::String("事业单位人员".into())));
            assert_eq!(r.get_value((3, 0)), Some(&Data::String("3".into())));
            // A real multi-line answer stays one field.
            assert_eq!(r.get_value((4, 2)), Some(&Data::String("第一行\n第二行".into())));
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
