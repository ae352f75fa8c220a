//! CSV input: decodes the bytes (UTF-8, UTF-8 with BOM, GBK/GB18030, as 问卷星 and
//! Excel write them), sniffs the delimiter, and loads the records into a cell grid.

use calamine::{Data, Range};
use std::borrow::Cow;

/// Decodes CSV bytes: a UTF-8 BOM is stripped; valid UTF-8 is used as is; anything else
/// is read as GB18030 (a superset of GBK and GB2312).
pub fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
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

/// Parses CSV bytes into a grid of string cells starting at (0, 0).
pub fn parse(bytes: &[u8]) -> Range<Data> {
    let text = decode_text(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(&text))
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut width = 0;
    for rec in rdr.records() {
        // A broken record (bad quoting) still yields what it can; csv reports
        // encoding-level problems only, which cannot happen on decoded text.
        let Ok(rec) = rec else { continue };
        let row: Vec<String> = rec.iter().map(|s| s.to_string()).collect();
        width = width.max(row.len());
        rows.push(row);
    }
    while rows.last().is_some_and(|r| r.iter().all(|c| c.trim().is_empty())) {
        rows.pop();
    }
    if rows.is_empty() || width == 0 {
        return Range::empty();
    }
    let mut range = Range::new((0, 0), (rows.len() as u32 - 1, width as u32 - 1));
    for (r, row) in rows.into_iter().enumerate() {
        for (c, v) in row.into_iter().enumerate() {
            if !v.is_empty() {
                range.set_value((r as u32, c as u32), Data::String(v));
            }
        }
    }
    range
}

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
            let r = parse(&bytes);
            assert_eq!(r.get_value((0, 1)), Some(&Data::String("1、性别".into())));
            assert_eq!(r.get_value((1, 1)), Some(&Data::String("男".into())));
        }
    }
    #[test]
    fn tabs() {
        let r = parse("a\tb\n1\t2\n".as_bytes());
        assert_eq!(r.get_size(), (2, 2));
    }
}
