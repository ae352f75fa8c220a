//! Prints every non-empty cell of an .xlsx as `sheet!A1<TAB>value`, one per line, sheets
//! in order: a text form of a workbook's values that `diff` can compare.
//! Used by scripts/same-outputs.sh. Usage: cargo run --example xlsx_cells -- FILE.xlsx

use calamine::{open_workbook_auto, Data, Reader};

fn col(mut c: u32) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, (b'A' + (c % 26) as u8) as char);
        if c < 26 {
            return s;
        }
        c = c / 26 - 1;
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: xlsx_cells FILE.xlsx");
    let mut wb = open_workbook_auto(&path).expect("cannot open workbook");
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).expect("cannot read sheet");
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (i, row) in range.rows().enumerate() {
            for (j, v) in row.iter().enumerate() {
                let text = match v {
                    Data::Empty => continue,
                    Data::Float(f) => format!("{f}"),
                    other => other.to_string(),
                };
                println!("{name}!{}{}\t{}", col(c0 + j as u32), r0 + i as u32 + 1, text.replace('\n', "\\n"));
            }
        }
    }
}
