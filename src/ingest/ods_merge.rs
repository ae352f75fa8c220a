//! Merged-cell areas of an .ods file. calamine does not report them for ODS, so the
//! spans are read from `content.xml` (`table:number-rows-spanned` and
//! `table:number-columns-spanned` on a cell), keeping track of repeated rows/columns.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::io::Read;
use std::path::Path;

use super::Merges;

fn attr_u32(e: &BytesStart, name: &str) -> Option<u32> {
    e.attributes().flatten().find(|a| a.key.as_ref() == name).and_then(|a| a.value.trim().parse().ok())
}

fn attr_string(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.as_ref() == name).map(|a| a.value.to_string())
}

/// Reads the merged areas; any problem yields an empty map (merges are a nicety).
pub fn read(path: &Path) -> Merges {
    read_inner(path).unwrap_or_default()
}

fn read_inner(path: &Path) -> Option<Merges> {
    let file = std::fs::File::open(path).ok()?;
    let mut zip = zip::ZipArchive::new(file).ok()?;
    let mut xml = String::new();
    zip.by_name("content.xml").ok()?.read_to_string(&mut xml).ok()?;
    let mut reader = Reader::from_str(&xml);
    let mut out = Merges::new();
    let (mut sheet, mut row, mut col, mut row_rep) = (String::new(), 0u32, 0u32, 1u32);
    loop {
        let ev = reader.read_event().ok()?;
        let (e, empty) = match &ev {
            Event::Start(e) => (e.clone(), false),
            Event::Empty(e) => (e.clone(), true),
            Event::End(e) => {
                if e.name().as_ref() == "table:table-row" {
                    row = row.saturating_add(row_rep);
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.name().as_ref() {
            "table:table" => {
                sheet = attr_string(&e, "table:name").unwrap_or_default();
                row = 0;
            }
            "table:table-row" => {
                col = 0;
                row_rep = attr_u32(&e, "table:number-rows-repeated").unwrap_or(1).max(1);
                if empty {
                    row = row.saturating_add(row_rep);
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let rs = attr_u32(&e, "table:number-rows-spanned").unwrap_or(1);
                let cs = attr_u32(&e, "table:number-columns-spanned").unwrap_or(1);
                if rs > 1 || cs > 1 {
                    out.entry(sheet.clone()).or_default().push(((row, col), (row + rs - 1, col + cs - 1)));
                }
                col = col.saturating_add(attr_u32(&e, "table:number-columns-repeated").unwrap_or(1).max(1));
            }
            _ => {}
        }
    }
    Some(out)
}
