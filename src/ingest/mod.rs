//! Readers: one per input format, all yielding the same thing, a [`Workbook`] of sheets
//! whose cells are calamine [`Data`] with their absolute positions kept, so that every
//! later stage can name the exact source cell.
//!
//! Spreadsheets (.xlsx/.xlsm/.xls/.ods) go through calamine; merged cells are filled
//! from their top-left cell here, once, so later stages never see the holes. CSV is
//! decoded (UTF-8, UTF-8 with BOM, GBK/GB18030) and loaded into the same cell grid.

pub mod cells;
pub mod csv_reader;
mod ods_merge;
pub mod platform;

use calamine::{open_workbook_auto, Data, Range, Reader, Sheets};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use csv_reader::decode_text;

/// One sheet of an input file.
pub struct SheetData {
    pub name: String,
    pub cells: Range<Data>,
    /// Records the reader could not read as written (CSV only), each read line by line.
    pub malformed: Vec<csv_reader::Malformed>,
}

/// A whole input file, read into memory.
pub struct Workbook {
    pub path: PathBuf,
    pub sheets: Vec<SheetData>,
}

/// Why a file could not be read; the message is for users and names what to do.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("文件不存在，请检查路径")]
    NotFound,
    #[error("无法打开：{0}")]
    Io(String),
    #[error("不支持的文件类型“{0}”，请另存为 .xlsx、.xls、.ods 或 .csv")]
    Unsupported(String),
    #[error("文件有密码保护，请在 Excel/WPS 中取消密码后另存再导入")]
    Password,
    #[error("文件已损坏或不是真正的表格文件，请在 Excel/WPS 中打开后另存为 .xlsx 再导入")]
    Corrupt(String),
    #[error("文件中没有任何数据，请确认是否发错了文件")]
    Empty,
    #[error("文件声明的大小异常（{0}），可能已损坏或被改动过，未导入；请在 Excel/WPS 中打开后另存为 .xlsx 再导入")]
    Oversized(String),
}

/// A sheet's dense grid may hold at most this many cells (about 2 GB would be 60 M).
const MAX_GRID: u64 = 40_000_000;

/// Whether cells spread over `rows × cols` would make a grid far larger than the cells
/// themselves (a hostile or damaged sheet): then it is refused, not allocated.
fn grid_too_big(rows: u64, cols: u64, cells: u64) -> bool {
    let area = rows.saturating_mul(cols);
    area > MAX_GRID || area > cells.saturating_mul(8).saturating_add(2_000_000)
}

/// A dense range of streamed cells, refused when they are spread absurdly far apart.
fn sparse_range(cells: Vec<calamine::Cell<Data>>, sheet: &str) -> Result<Range<Data>, ReadError> {
    if let (Some(first), Some(last)) = (cells.first(), cells.last()) {
        let (c0, c1) = cells.iter().fold((u32::MAX, 0), |(a, b), c| (a.min(c.get_position().1), b.max(c.get_position().1)));
        let rows = u64::from(last.get_position().0 - first.get_position().0) + 1;
        if grid_too_big(rows, u64::from(c1 - c0) + 1, cells.len() as u64) {
            return Err(ReadError::Oversized(format!("工作表“{sheet}”的单元格分散在 {rows} 行 × {} 列的范围内", c1 - c0 + 1)));
        }
    }
    Ok(Range::from_sparse(cells))
}

/// Checks the compound-file (CFB) structure of an .xls before calamine reads it: calamine
/// follows sector chains without looking for cycles, so a damaged or hostile file whose
/// chain loops makes it grow a buffer until the process aborts. Every chain calamine will
/// follow (directory, mini-FAT, streams) must end within the file, and every claimed
/// length must fit in it.
fn check_cfb(path: &Path) -> Result<(), ReadError> {
    let Ok(data) = std::fs::read(path) else { return Ok(()) };
    let bad = |why: &str| Err(ReadError::Oversized(format!("老版本 .xls 文件的内部结构{why}")));
    if data.len() < 512 {
        return Ok(()); // calamine says it is corrupt
    }
    let u16_at = |i: usize| u16::from_le_bytes([data[i], data[i + 1]]);
    let u32_at = |d: &[u8], i: usize| -> Option<u32> { d.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])) };
    let shift = u16_at(0x1E);
    if shift != 9 && shift != 12 {
        return bad("声明了不可能的扇区大小");
    }
    let size = 1usize << shift;
    let maxid = data.len() / size;
    // As calamine reads them: a last sector cut short by the end of the file is read as
    // far as it goes.
    let sector = |id: u32| -> Option<&[u8]> {
        if id as usize > maxid {
            return None;
        }
        let start = (id as usize + 1).checked_mul(size)?;
        data.get(start..(start + size).min(data.len()))
    };
    const END: u32 = 0xFFFF_FFFA; // ids at or above are markers
    // DIFAT: 109 entries in the header, then a chain of DIFAT sectors.
    let mut difat: Vec<u32> = (0..109).filter_map(|k| u32_at(&data, 0x4C + 4 * k)).collect();
    let mut id = u32_at(&data, 0x44).unwrap_or(u32::MAX);
    let mut steps = 0;
    while id < END {
        steps += 1;
        if steps > maxid + 1 {
            return bad("有循环的扇区链");
        }
        let Some(sec) = sector(id) else { return Ok(()) };
        let entries: Vec<u32> = (0..size / 4).filter_map(|k| u32_at(sec, 4 * k)).collect();
        let (next, rest) = entries.split_last().map(|(n, r)| (*n, r.to_vec())).unwrap_or((u32::MAX, vec![]));
        difat.extend(rest);
        id = next;
    }
    let mut fat: Vec<u32> = Vec::new();
    for id in difat.into_iter().filter(|id| *id < END) {
        let Some(sec) = sector(id) else { return Ok(()) };
        fat.extend((0..size / 4).filter_map(|k| u32_at(sec, 4 * k)));
    }
    // A chain is safe when it ends (or leaves the FAT: calamine reports that) within
    // maxid + 1 steps.
    let chain_ends = |start: u32| -> bool {
        let mut id = start;
        for _ in 0..=maxid + 1 {
            if id >= END {
                return true;
            }
            match fat.get(id as usize) {
                Some(&next) => id = next,
                None => return true,
            }
        }
        false
    };
    let dir_start = u32_at(&data, 0x30).unwrap_or(u32::MAX);
    if !chain_ends(dir_start) {
        return bad("有循环的扇区链（目录）");
    }
    let mini_fat_len = u32_at(&data, 0x40).unwrap_or(0) as usize;
    if mini_fat_len > 0 && (mini_fat_len.saturating_mul(size) > data.len() || !chain_ends(u32_at(&data, 0x3C).unwrap_or(u32::MAX))) {
        return bad("声明的小扇区表超出了文件");
    }
    // Directory entries (128 bytes each) along the directory chain: each stream's length
    // must fit in the file, and its chain must end.
    // As calamine sees them: the root is the first entry; a name is the 64-byte UTF-16
    // field up to its first NUL, matched ignoring ASCII case; the first "Workbook", else
    // the first "Book"; lengths are 32-bit with 512-byte sectors, 64-bit with 4096.
    let mut entries: Vec<(String, u32, usize)> = Vec::new();
    let mut id = dir_start;
    for _ in 0..=maxid + 1 {
        if id >= END {
            break;
        }
        let Some(sec) = sector(id) else { break };
        for e in sec.chunks(128).filter(|c| c.len() == 128) {
            let start = u32_at(e, 0x74).unwrap_or(u32::MAX);
            let len = if size == 512 {
                u32_at(e, 0x78).unwrap_or(0) as u64
            } else {
                u64::from_le_bytes(e[0x78..0x80].try_into().unwrap_or([0; 8]))
            };
            if len > (data.len() as u64).saturating_mul(2) + 4096 {
                return bad("声明的数据长度超出了文件");
            }
            let len = len as usize;
            if len >= 4096 && !chain_ends(start) {
                return bad("有循环的扇区链（数据流）");
            }
            let name: String = char::decode_utf16(e[..64].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])))
                .map(|c| c.unwrap_or('\u{FFFD}'))
                .take_while(|c| *c != '\0')
                .collect();
            entries.push((name, start, len));
        }
        id = fat.get(id as usize).copied().unwrap_or(u32::MAX);
    }
    let root = entries.first().map(|(_, s, l)| (*s, *l));
    if root.is_some_and(|(s, _)| !chain_ends(s)) {
        return bad("有循环的扇区链（根目录）");
    }
    let find = |n: &str| entries.iter().find(|(name, _, _)| name.eq_ignore_ascii_case(n)).map(|(_, s, l)| (*s, *l));
    let workbook = find("Workbook").or_else(|| find("Book"));
    // The workbook stream, gathered as calamine will: its sheets' DIMENSIONS records say how
    // many cells to reserve, and calamine reserves them unchecked.
    let follow = |start: u32, len: usize, unit: usize, get: &dyn Fn(u32) -> Option<Vec<u8>>, table: &[u32]| -> Vec<u8> {
        let mut out = Vec::new();
        let mut id = start;
        while id < END && out.len() < len && out.len() <= data.len() * 2 {
            let Some(b) = get(id) else { break };
            out.extend_from_slice(&b[..unit.min(b.len())]);
            id = table.get(id as usize).copied().unwrap_or(u32::MAX);
        }
        out.truncate(len);
        out
    };
    let Some((wstart, wlen)) = workbook else { return Ok(()) };
    let stream = if wlen >= 4096 {
        follow(wstart, wlen, size, &|id| sector(id).map(|s| s.to_vec()), &fat)
    } else {
        // Small streams live in the mini stream (64-byte sectors, the mini FAT).
        let Some((rstart, rlen)) = root else { return Ok(()) };
        let mini = follow(rstart, rlen, size, &|id| sector(id).map(|s| s.to_vec()), &fat);
        let mf_bytes = follow(u32_at(&data, 0x3C).unwrap_or(u32::MAX), mini_fat_len * size, size, &|id| sector(id).map(|s| s.to_vec()), &fat);
        let minifat: Vec<u32> = (0..mf_bytes.len() / 4).filter_map(|k| u32_at(&mf_bytes, 4 * k)).collect();
        let get = |id: u32| mini.get(id as usize * 64..id as usize * 64 + 64).map(|b| b.to_vec());
        follow(wstart, wlen, 64, &get, &minifat)
    };
    // The globals from the start, then every sheet from where its BOUNDSHEET record says
    // it starts, as calamine reads them (a damaged offset makes it read other bytes as
    // records, which are checked the same way).
    let sheets = match scan_biff(&stream, 0, false) {
        Ok(p) => p,
        Err(why) => return bad(&why),
    };
    for pos in sheets.into_iter().take(1000) {
        if let Err(why) = scan_biff(&stream, pos as usize, true) {
            return bad(&why);
        }
    }
    Ok(())
}

/// Scans BIFF records from `from` (to the first EOF when `sheet`): DIMENSIONS claims and
/// cell extents must fit (calamine reserves and allocates what they say). Returns the
/// sheet positions BOUNDSHEET records give.
fn scan_biff(stream: &[u8], from: usize, sheet: bool) -> Result<Vec<u32>, String> {
    let u32_at = |d: &[u8], i: usize| -> Option<u32> { d.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])) };
    let mut positions = Vec::new();
    // Cells are placed where their records say; calamine then makes a dense grid of the
    // sheet's extent, so cells far apart must be refused here.
    let mut extent: Option<(u64, u64, u64, u64)> = None;
    let mut cells: u64 = 0;
    let check_extent = |extent: &mut Option<(u64, u64, u64, u64)>, cells: &mut u64| -> bool {
        let ok = match *extent {
            Some((r0, r1, c0, c1)) => !grid_too_big(r1 - r0 + 1, c1 - c0 + 1, *cells),
            None => true,
        };
        *extent = None;
        *cells = 0;
        ok
    };
    let mut i = from;
    while i + 4 <= stream.len() {
        let typ = u16::from_le_bytes([stream[i], stream[i + 1]]);
        let len = u16::from_le_bytes([stream[i + 2], stream[i + 3]]) as usize;
        let body = &stream[i + 4..(i + 4 + len).min(stream.len())];
        if typ == 0x0085 && body.len() >= 4 {
            positions.push(u32_at(body, 0).unwrap_or(0));
        }
        if sheet && typ == 0x000A {
            break;
        }
        // BOF / EOF: a sheet's records start or end.
        if (typ == 0x0809 || typ == 0x000A) && !check_extent(&mut extent, &mut cells) {
            return Err("中有单元格分散在极大的范围内".into());
        }
        // Cell records (NUMBER, LABEL, LABELSST, RK, MULRK, BOOLERR, FORMULA, BLANK,
        // MULBLANK, RSTRING): row, then column, in their first four bytes; MULRK and
        // MULBLANK end with their last column.
        if matches!(typ, 0x0203 | 0x0204 | 0x00FD | 0x027E | 0x00BD | 0x0205 | 0x0006 | 0x0201 | 0x00BE | 0x00D6) && body.len() >= 4 {
            let r = u64::from(u16::from_le_bytes([body[0], body[1]]));
            let c = u64::from(u16::from_le_bytes([body[2], body[3]]));
            let c_end = if matches!(typ, 0x00BD | 0x00BE) && body.len() >= 6 {
                u64::from(u16::from_le_bytes([body[body.len() - 2], body[body.len() - 1]])).max(c)
            } else {
                c
            };
            extent = Some(match extent {
                Some((r0, r1, c0, c1)) => (r0.min(r), r1.max(r), c0.min(c), c1.max(c_end)),
                None => (r, r, c, c_end),
            });
            cells += 1 + (c_end - c);
        }
        if typ == 0x0200 {
            let w16 = |k: usize| u64::from(u16::from_le_bytes([body[k], body[k + 1]]));
            let w32 = |k: usize| u64::from(u32_at(body, k).unwrap_or(0));
            // (first row, row after the last, first column, column after the last)
            let (r0, r1, c0, c1) = if body.len() >= 14 {
                (w32(0), w32(4), w16(8), w16(10))
            } else if body.len() >= 10 {
                (w16(0), w16(2), w16(4), w16(6))
            } else {
                (0, 0, 0, 0)
            };
            // calamine subtracts these unchecked: an end before its start wraps around.
            if r1 < r0 || c1 < c0 {
                return Err("声明了起点在终点之后的工作表范围".into());
            }
            let (rows, cols) = (r1 - r0, c1 - c0);
            // The cells a sheet can hold are bounded by the bytes that describe them.
            if (rows + 1).saturating_mul(cols + 1) > MAX_GRID.max(stream.len() as u64) {
                return Err(format!("声明了 {rows} 行 × {cols} 列的工作表，文件中放不下这么多单元格"));
            }
        }
        i += 4 + len;
    }
    if !check_extent(&mut extent, &mut cells) {
        return Err("中有单元格分散在极大的范围内".into());
    }
    Ok(positions)
}

/// Checks what an .xlsx claims before calamine trusts it: calamine reserves memory for the
/// shared-string count a file declares, and a declared count of 10^11 aborts the process
/// (no panic to catch). Parts whose declared size is absurd are refused too.
fn check_xlsx(path: &Path) -> Result<(), ReadError> {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else { return Ok(()) };
    let Ok(mut zip) = zip::ZipArchive::new(file) else { return Ok(()) };
    let mut sheet_bytes: u64 = 0;
    for i in 0..zip.len() {
        let Ok(f) = zip.by_index_raw(i) else { continue };
        if f.size() > 4_000_000_000 {
            return Err(ReadError::Oversized(format!("其中 {} 声明解压后有 {} 字节", f.name().unwrap_or_default(), f.size())));
        }
        if f.name().is_ok_and(|n| n.starts_with("xl/worksheets/")) {
            sheet_bytes += f.size();
        }
    }
    let Ok(f) = zip.by_name("xl/sharedStrings.xml") else { return Ok(()) };
    let size = f.size();
    let mut head = Vec::with_capacity(4096);
    let _ = f.take(4096).read_to_end(&mut head);
    let head = String::from_utf8_lossy(&head);
    let claim = |attr: &str| -> Option<u64> {
        let i = head.find(&format!(" {attr}=\""))? + attr.len() + 3;
        head[i..].split('"').next()?.parse().ok()
    };
    // Each string takes at least `<si/>` (5 bytes); each use of one at least `<v>0</v>`.
    if let Some(n) = claim("uniqueCount").filter(|n| *n > size / 4 + 16) {
        return Err(ReadError::Oversized(format!("共享字符串声明有 {n} 个，文件中放不下这么多")));
    }
    if let Some(n) = claim("count").filter(|n| *n > sheet_bytes / 4 + size / 4 + 16) {
        return Err(ReadError::Oversized(format!("共享字符串声明被引用 {n} 次，文件中放不下这么多")));
    }
    Ok(())
}

/// The extensions this tool reads.
pub const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "ods", "csv", "txt"];

pub fn is_supported(path: &Path) -> bool {
    ext_of(path).map(|e| EXTENSIONS.contains(&e.as_str())).unwrap_or(false)
}

fn ext_of(path: &Path) -> Option<String> {
    path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase())
}

/// Reads every sheet of `path`.
pub fn read_file(path: &Path) -> Result<Workbook, ReadError> {
    if !path.exists() {
        return Err(ReadError::NotFound);
    }
    let ext = ext_of(path).unwrap_or_default();
    let sheets = match ext.as_str() {
        "csv" | "txt" => {
            let bytes = std::fs::read(path).map_err(|e| ReadError::Io(e.to_string()))?;
            let (cells, malformed) = csv_reader::parse_checked(&bytes);
            vec![SheetData { name: "csv".into(), cells, malformed }]
        }
        // Spreadsheets are read cell by cell into a sparse list first, so that a sheet whose
        // cells are spread absurdly far apart is refused instead of allocated.
        "xlsx" | "xlsm" | "xls" | "ods" => return read_file_observed(path, &mut |_, _| {}),
        other => return Err(ReadError::Unsupported(other.to_string())),
    };
    if sheets.iter().all(|s| s.cells.is_empty()) {
        return Err(ReadError::Empty);
    }
    Ok(Workbook { path: path.to_path_buf(), sheets })
}

fn read_spreadsheet(path: &Path) -> Result<Vec<SheetData>, ReadError> {
    let mut wb = open_any(path)?;
    let names = wb.sheet_names();
    // Merged areas: calamine finds those of an .xlsx by scanning the whole sheet XML a
    // second time, so that scan runs on another thread while the cells are parsed here.
    let xlsx = matches!(wb, Sheets::Xlsx(_));
    let (ranges, mut merges) = std::thread::scope(|scope| {
        let merges = scope.spawn(|| -> HashMap<String, Vec<((u32, u32), (u32, u32))>> {
            if xlsx {
                xlsx_merges(path, &names)
            } else if matches!(ext_of(path).as_deref(), Some("ods")) {
                ods_merge::read(path)
            } else {
                HashMap::new()
            }
        });
        let mut ranges = Vec::with_capacity(names.len());
        for name in &names {
            match shielded(|| wb.worksheet_range(name)) {
                Ok(Ok(r)) => ranges.push((name.clone(), r)),
                Ok(Err(e)) => return (Err(classify(e)), HashMap::new()),
                Err(e) => return (Err(e), HashMap::new()),
            }
        }
        (Ok(ranges), merges.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    let ranges = ranges?;
    if let Sheets::Xls(x) = &wb {
        for name in &names {
            let dims = shielded(|| x.merge_cells_by_sheet_name(name)).ok().and_then(|r| r.ok()).unwrap_or_default();
            merges.insert(name.clone(), dims.into_iter().map(|d| (d.start, d.end)).collect());
        }
    }
    let mut out = Vec::with_capacity(ranges.len());
    for (name, mut cells) in ranges {
        for (start, end) in merges.get(&name).into_iter().flatten() {
            fill_merged(&mut cells, *start, *end);
        }
        out.push(SheetData { name, cells, malformed: Vec::new() });
    }
    Ok(out)
}

/// Opens a spreadsheet by what its bytes are, not its name: an .xlsx renamed .xls (or the
/// reverse), as mail systems and users do, is read as what it is.
fn open_any(path: &Path) -> Result<Sheets<std::io::BufReader<std::fs::File>>, ReadError> {
    use std::io::Read;
    let mut magic = [0u8; 4];
    let n = std::fs::File::open(path).and_then(|mut f| f.read(&mut magic)).unwrap_or(0);
    let ext = ext_of(path).unwrap_or_default();
    if n == 4 && magic == *b"PK\x03\x04" && ext != "ods" {
        check_xlsx(path)?;
    }
    if n == 4 && magic == *b"PK\x03\x04" && !matches!(ext.as_str(), "xlsx" | "xlsm" | "ods") {
        if let Ok(Ok(x)) = shielded(|| calamine::open_workbook::<calamine::Xlsx<_>, _>(path)) {
            return Ok(Sheets::Xlsx(x));
        }
        if let Ok(Ok(o)) = shielded(|| calamine::open_workbook::<calamine::Ods<_>, _>(path)) {
            return Ok(Sheets::Ods(o));
        }
    }
    if n == 4 && magic == [0xD0, 0xCF, 0x11, 0xE0] {
        check_cfb(path)?;
    }
    if n == 4 && magic == [0xD0, 0xCF, 0x11, 0xE0] && ext != "xls" {
        if let Ok(Ok(x)) = shielded(|| calamine::open_workbook::<calamine::Xls<_>, _>(path)) {
            return Ok(Sheets::Xls(x));
        }
    }
    shielded(|| open_workbook_auto(path))?.map_err(classify)
}

/// Runs one call into the spreadsheet parser (calamine). It asserts on some malformed
/// files: such a panic becomes a read error like any other damaged file. Only the
/// third-party parsing is wrapped, so that a panic in our own code stays what it is,
/// a defect of ours, and is reported as such (see main.rs), not blamed on the file.
fn shielded<T>(f: impl FnOnce() -> T) -> Result<T, ReadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| ReadError::Corrupt("读取时出错".into()))
}

/// The next cell of a sheet being read, through [`shielded`].
fn next_cell<'a, RS: std::io::Read + std::io::Seek>(reader: &mut calamine::XlsxCellReader<'a, RS>) -> Result<Option<calamine::Cell<calamine::DataRef<'a>>>, ReadError> {
    shielded(|| reader.next_cell())?.map_err(|e| classify(e.into()))
}

/// Reads a whole file like [`read_file`]; for an .xlsx, `observe` sees the cells as they
/// are parsed (sheet name, then a run of rows' non-empty cells in row order), on this
/// thread while another parses the rest, so that work on the cells (inference) overlaps
/// the reading. Other formats are read as usual and not observed.
pub fn read_file_observed(path: &Path, observe: &mut dyn FnMut(&str, &[calamine::Cell<Data>])) -> Result<Workbook, ReadError> {
    if !matches!(ext_of(path).as_deref(), Some("xlsx" | "xlsm" | "xls" | "ods")) {
        return read_file(path);
    }
    if !path.exists() {
        return Err(ReadError::NotFound);
    }
    let mut wb = match open_any(path)? {
        Sheets::Xlsx(x) => x,
        // .xls and .ods: calamine reads them whole.
        _ => {
            let sheets = read_spreadsheet(path)?;
            if sheets.iter().all(|s| s.cells.is_empty()) {
                return Err(ReadError::Empty);
            }
            return Ok(Workbook { path: path.to_path_buf(), sheets });
        }
    };
    let names = wb.sheet_names();
    const ROWS: u32 = 4096;
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Vec<calamine::Cell<Data>>)>(8);
    let names_ref = &names;
    let (read, mut per_sheet, merges) = std::thread::scope(|scope| {
        let merges = scope.spawn(|| xlsx_merges(path, names_ref));
        let reader = scope.spawn(move || -> Result<(), ReadError> {
            for (si, name) in names_ref.iter().enumerate() {
                let mut reader = shielded(|| wb.worksheet_cells_reader(name))?.map_err(|e| classify(e.into()))?;
                let mut buf: Vec<calamine::Cell<Data>> = Vec::new();
                let mut last = ROWS - 1;
                while let Some(cell) = next_cell(&mut reader)? {
                    let (r, _) = cell.get_position();
                    if r > last && !buf.is_empty() {
                        if tx.send((si, std::mem::take(&mut buf))).is_err() {
                            return Ok(());
                        }
                        last = r + ROWS - 1;
                    }
                    let v: Data = cell.get_value().clone().into();
                    if !matches!(v, Data::Empty) {
                        buf.push(calamine::Cell::new(cell.get_position(), v));
                    }
                }
                if !buf.is_empty() && tx.send((si, buf)).is_err() {
                    return Ok(());
                }
            }
            Ok(())
        });
        let mut per_sheet: Vec<Vec<calamine::Cell<Data>>> = (0..names_ref.len()).map(|_| Vec::new()).collect();
        for (si, cells) in rx {
            observe(&names_ref[si], &cells);
            per_sheet[si].extend(cells);
        }
        let read = reader.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (read, per_sheet, merges.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    read?;
    for (name, cells) in names.iter().zip(&per_sheet) {
        let (mut r0, mut r1, mut c0, mut c1) = (u32::MAX, 0u32, u32::MAX, 0u32);
        for c in cells {
            let (r, col) = c.get_position();
            (r0, r1, c0, c1) = (r0.min(r), r1.max(r), c0.min(col), c1.max(col));
        }
        if !cells.is_empty() && grid_too_big(u64::from(r1 - r0) + 1, u64::from(c1 - c0) + 1, cells.len() as u64) {
            return Err(ReadError::Oversized(format!(
                "工作表“{name}”的 {} 个单元格分散在 {} 行 × {} 列的范围内",
                cells.len(),
                u64::from(r1 - r0) + 1,
                u64::from(c1 - c0) + 1
            )));
        }
    }
    let mut sheets = Vec::with_capacity(names.len());
    for (name, cells) in names.into_iter().zip(per_sheet.iter_mut()) {
        let mut cells = if cells.is_empty() { Range::empty() } else { Range::from_sparse(std::mem::take(cells)) };
        for (start, end) in merges.get(&name).into_iter().flatten() {
            fill_merged(&mut cells, *start, *end);
        }
        sheets.push(SheetData { name, cells, malformed: Vec::new() });
    }
    if sheets.iter().all(|s| s.cells.is_empty()) {
        return Err(ReadError::Empty);
    }
    Ok(Workbook { path: path.to_path_buf(), sheets })
}

/// Rows `first_row..=last_row` (absolute, 0-based) of one sheet, streamed from a large
/// .xlsx; `cells` holds the non-empty cells of those rows at their absolute positions.
pub struct Chunk {
    pub sheet: String,
    pub first_row: u32,
    pub last_row: u32,
    pub cells: Range<Data>,
}

/// Merged areas per sheet: ((row, col), (row, col)) inclusive, 0-based.
pub type Merges = HashMap<String, Vec<((u32, u32), (u32, u32))>>;

/// Streams the sheets of an .xlsx file in chunks of about `chunk_rows` rows, so that a
/// consumer can parse rows while later ones are still being read. Returns the merged
/// areas (found on another thread meanwhile): a consumer that finds merges below the
/// header must fall back to [`read_file`], which fills them.
pub fn stream_xlsx(path: &Path, chunk_rows: u32, mut sink: impl FnMut(Chunk)) -> Result<Merges, ReadError> {
    let mut wb = match open_any(path)? {
        Sheets::Xlsx(x) => x,
        _ => return Err(ReadError::Unsupported("xlsx".into())),
    };
    let names = wb.sheet_names();
    std::thread::scope(|scope| {
        let merges = scope.spawn(|| xlsx_merges(path, &names));
        for name in &names {
            let mut reader = shielded(|| wb.worksheet_cells_reader(name))?.map_err(|e| classify(e.into()))?;
            let mut first = 0u32;
            let mut last = chunk_rows.max(1) - 1;
            let mut buf: Vec<calamine::Cell<Data>> = Vec::new();
            let mut max_row: Option<u32> = None;
            while let Some(cell) = next_cell(&mut reader)? {
                let (r, _) = cell.get_position();
                if r > last {
                    let cells = sparse_range(std::mem::take(&mut buf), name)?;
                    sink(Chunk { sheet: name.clone(), first_row: first, last_row: last, cells });
                    first = last + 1;
                    last = (first + chunk_rows - 1).max(r);
                }
                let v: Data = cell.get_value().clone().into();
                if !matches!(v, Data::Empty) {
                    max_row = Some(max_row.map_or(r, |m| m.max(r)));
                    buf.push(calamine::Cell::new(cell.get_position(), v));
                }
            }
            if let Some(m) = max_row.filter(|m| *m >= first) {
                let cells = sparse_range(buf, name)?;
                sink(Chunk { sheet: name.clone(), first_row: first, last_row: m, cells });
            }
        }
        Ok(merges.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })
}

/// The merged areas of every sheet of an .xlsx. calamine finds them by parsing each
/// sheet's XML a second time, which costs about half as much as reading the cells; most
/// files have none, which a plain byte search of the inflated XML shows far faster.
fn xlsx_merges(path: &Path, names: &[String]) -> Merges {
    if xlsx_mentions_merges(path) == Some(false) {
        return Merges::new();
    }
    let Ok(Sheets::Xlsx(mut x)) = open_any(path) else { return Merges::new() };
    names
        .iter()
        .map(|n| {
            let dims = shielded(|| x.merge_cells_by_sheet_name(n)).ok().and_then(|r| r.ok()).unwrap_or_default();
            (n.clone(), dims.into_iter().map(|d| (d.start, d.end)).collect())
        })
        .collect()
}

/// Whether any worksheet XML of the .xlsx contains `<mergeCell`; `None` if unreadable.
fn xlsx_mentions_merges(path: &Path) -> Option<bool> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).ok()?).ok()?;
    let needle = b"<mergeCell";
    let finder = memchr::memmem::Finder::new(needle);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).ok()?;
        let name = entry.name().ok()?.to_string();
        if !(name.starts_with("xl/worksheets/") && name.ends_with(".xml")) {
            continue;
        }
        // Read in blocks, keeping the tail of the previous block for matches across them.
        let mut buf = vec![0u8; 1 << 16];
        let keep = needle.len() - 1;
        let mut filled = 0usize;
        loop {
            let n = entry.read(&mut buf[filled..]).ok()?;
            if n == 0 {
                break;
            }
            let end = filled + n;
            if finder.find(&buf[..end]).is_some() {
                return Some(true);
            }
            let tail = end.min(keep);
            buf.copy_within(end - tail..end, 0);
            filled = tail;
        }
    }
    Some(false)
}

/// Copies the top-left value of a merged area into its other cells.
fn fill_merged(cells: &mut Range<Data>, start: (u32, u32), end: (u32, u32)) {
    let Some(v) = cells.get_value(start).cloned() else { return };
    if matches!(v, Data::Empty) {
        return;
    }
    // Merges far outside the data (whole-row formatting) are clipped to the used range.
    let (Some(rs), Some(re)) = (cells.start(), cells.end()) else { return };
    let (r0, r1) = (start.0.max(rs.0), end.0.min(re.0));
    let (c0, c1) = (start.1.max(rs.1), end.1.min(re.1));
    for r in r0..=r1 {
        for c in c0..=c1 {
            if (r, c) != start {
                cells.set_value((r, c), v.clone());
            }
        }
    }
}

fn classify(e: calamine::Error) -> ReadError {
    use calamine::{Error as E, XlsError, XlsxError};
    match e {
        E::Io(io) => ReadError::Io(io.to_string()),
        E::Xls(XlsError::Password) | E::Xlsx(XlsxError::Password) => ReadError::Password,
        E::Xlsx(XlsxError::Io(io)) | E::Xls(XlsError::Io(io)) => ReadError::Io(io.to_string()),
        other => ReadError::Corrupt(short(&other.to_string())),
    }
}

fn short(s: &str) -> String {
    s.chars().take(80).collect()
}

/// A cell as text for messages and text answers: numbers without a spurious `.0`.
pub fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) => fmt_num(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "是".into() } else { "否".into() },
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::Error(e) => format!("#{e:?}"),
    }
}

pub use crate::text::{col_letter, fmt_num};


#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn letters() {
        assert_eq!(col_letter(0), "A");
        assert_eq!(col_letter(25), "Z");
        assert_eq!(col_letter(26), "AA");
        assert_eq!(col_letter(701), "ZZ");
        assert_eq!(col_letter(702), "AAA");
    }
}
