//! Checks of what a spreadsheet claims before calamine trusts it: compound-file sector
//! chains of an .xls (cycles, lengths), BIFF cell extents, the shared-string counts of an
//! .xlsx, and grids whose cells are spread absurdly far apart. A hostile or damaged file
//! is refused with a reason instead of exhausting memory.

use std::path::Path;

use super::ReadError;

/// A sheet's dense grid may hold at most this many cells (about 2 GB would be 60 M).
const MAX_GRID: u64 = 40_000_000;

/// Whether cells spread over `rows × cols` would make a grid far larger than the cells
/// themselves (a hostile or damaged sheet): then it is refused, not allocated.
pub(super) fn grid_too_big(rows: u64, cols: u64, cells: u64) -> bool {
    let area = rows.saturating_mul(cols);
    area > MAX_GRID || area > cells.saturating_mul(8).saturating_add(2_000_000)
}

/// Checks the compound-file (CFB) structure of an .xls before calamine reads it: calamine
/// follows sector chains without looking for cycles, so a damaged or hostile file whose
/// chain loops makes it grow a buffer until the process aborts. Every chain calamine will
/// follow (directory, mini-FAT, streams) must end within the file, and every claimed
/// length must fit in it.
pub(super) fn check_cfb(path: &Path) -> Result<(), ReadError> {
    let Ok(data) = std::fs::read(path) else { return Ok(()) };
    cfb_problems(&data).map_err(|why| ReadError::Oversized(format!("老版本 .xls 文件的内部结构{why}")))
}

/// `Err(why)` when the compound file must be refused; `Ok` when it is fine, or so damaged
/// that calamine reports it itself.
fn cfb_problems(data: &[u8]) -> Result<(), String> {
    if data.len() < 512 {
        return Ok(()); // calamine says it is corrupt
    }
    let shift = u16::from_le_bytes([data[0x1E], data[0x1F]]);
    if shift != 9 && shift != 12 {
        return Err("声明了不可能的扇区大小".into());
    }
    let size = 1usize << shift;
    let cfb = Cfb { data, size, maxid: data.len() / size };
    let Some(fat) = cfb.fat()? else { return Ok(()) };
    let dir_start = u32_at(data, 0x30).unwrap_or(u32::MAX);
    if !cfb.chain_ends(&fat, dir_start) {
        return Err("有循环的扇区链（目录）".into());
    }
    let mini_fat_len = u32_at(data, 0x40).unwrap_or(0) as usize;
    if mini_fat_len > 0 && (mini_fat_len.saturating_mul(size) > data.len() || !cfb.chain_ends(&fat, u32_at(data, 0x3C).unwrap_or(u32::MAX)))
    {
        return Err("声明的小扇区表超出了文件".into());
    }
    let entries = cfb.directory(&fat, dir_start)?;
    let root = entries.first().map(|(_, s, l)| (*s, *l));
    if root.is_some_and(|(s, _)| !cfb.chain_ends(&fat, s)) {
        return Err("有循环的扇区链（根目录）".into());
    }
    let Some(stream) = cfb.workbook_stream(&fat, &entries, root, mini_fat_len) else { return Ok(()) };
    // The globals from the start, then every sheet from where its BOUNDSHEET record says
    // it starts, as calamine reads them (a damaged offset makes it read other bytes as
    // records, which are checked the same way).
    for pos in scan_biff(&stream, 0, false)?.into_iter().take(1000) {
        scan_biff(&stream, pos as usize, true)?;
    }
    Ok(())
}

fn u32_at(d: &[u8], i: usize) -> Option<u32> {
    d.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Sector ids at or above are markers (end of chain, free, …).
const END: u32 = 0xFFFF_FFFA;

/// A compound file as calamine reads it: `size`-byte sectors after a one-sector header.
struct Cfb<'a> {
    data: &'a [u8],
    size: usize,
    /// The highest sector id the file can hold.
    maxid: usize,
}

impl Cfb<'_> {
    /// A sector; as calamine reads them, a last sector cut short by the end of the file is
    /// read as far as it goes.
    fn sector(&self, id: u32) -> Option<&[u8]> {
        if id as usize > self.maxid {
            return None;
        }
        let start = (id as usize + 1).checked_mul(self.size)?;
        self.data.get(start..(start + self.size).min(self.data.len()))
    }

    fn entries(&self, sec: &[u8]) -> Vec<u32> {
        (0..self.size / 4).filter_map(|k| u32_at(sec, 4 * k)).collect()
    }

    /// The FAT: the sectors the DIFAT lists (109 entries in the header, then a chain of
    /// DIFAT sectors, which must end). `None`: a sector outside the file (calamine says so).
    fn fat(&self) -> Result<Option<Vec<u32>>, String> {
        let mut difat: Vec<u32> = (0..109).filter_map(|k| u32_at(self.data, 0x4C + 4 * k)).collect();
        let mut id = u32_at(self.data, 0x44).unwrap_or(u32::MAX);
        let mut steps = 0;
        while id < END {
            steps += 1;
            if steps > self.maxid + 1 {
                return Err("有循环的扇区链".into());
            }
            let Some(sec) = self.sector(id) else { return Ok(None) };
            let entries = self.entries(sec);
            let (next, rest) = entries.split_last().map(|(n, r)| (*n, r.to_vec())).unwrap_or((u32::MAX, vec![]));
            difat.extend(rest);
            id = next;
        }
        let mut fat: Vec<u32> = Vec::new();
        for id in difat.into_iter().filter(|id| *id < END) {
            let Some(sec) = self.sector(id) else { return Ok(None) };
            fat.extend(self.entries(sec));
        }
        Ok(Some(fat))
    }

    /// Whether a chain ends (or leaves the FAT: calamine reports that) within maxid + 1 steps.
    fn chain_ends(&self, fat: &[u32], start: u32) -> bool {
        let mut id = start;
        for _ in 0..=self.maxid + 1 {
            if id >= END {
                return true;
            }
            match fat.get(id as usize) {
                Some(&next) => id = next,
                None => return true,
            }
        }
        false
    }

    /// Directory entries (128 bytes each) along the directory chain, as calamine sees them:
    /// (name, first sector, length). Each stream's length must fit in the file and its
    /// chain must end. A name is the 64-byte UTF-16 field up to its first NUL; lengths are
    /// 32-bit with 512-byte sectors, 64-bit with 4096.
    fn directory(&self, fat: &[u32], dir_start: u32) -> Result<Vec<(String, u32, usize)>, String> {
        let mut entries: Vec<(String, u32, usize)> = Vec::new();
        let mut id = dir_start;
        for _ in 0..=self.maxid + 1 {
            if id >= END {
                break;
            }
            let Some(sec) = self.sector(id) else { break };
            for e in sec.chunks(128).filter(|c| c.len() == 128) {
                let start = u32_at(e, 0x74).unwrap_or(u32::MAX);
                let len = if self.size == 512 {
                    u32_at(e, 0x78).unwrap_or(0) as u64
                } else {
                    u64::from_le_bytes(e[0x78..0x80].try_into().unwrap_or([0; 8]))
                };
                if len > (self.data.len() as u64).saturating_mul(2) + 4096 {
                    return Err("声明的数据长度超出了文件".into());
                }
                let len = len as usize;
                if len >= 4096 && !self.chain_ends(fat, start) {
                    return Err("有循环的扇区链（数据流）".into());
                }
                let name: String = char::decode_utf16(e[..64].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])))
                    .map(|c| c.unwrap_or('\u{FFFD}'))
                    .take_while(|c| *c != '\0')
                    .collect();
                entries.push((name, start, len));
            }
            id = fat.get(id as usize).copied().unwrap_or(u32::MAX);
        }
        Ok(entries)
    }

    /// The bytes of a chain from `start`: `unit` bytes of each block `get` gives, up to
    /// `len` (and never more than twice the file).
    fn follow(&self, start: u32, len: usize, unit: usize, get: &dyn Fn(u32) -> Option<Vec<u8>>, table: &[u32]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut id = start;
        while id < END && out.len() < len && out.len() <= self.data.len() * 2 {
            let Some(b) = get(id) else { break };
            out.extend_from_slice(&b[..unit.min(b.len())]);
            id = table.get(id as usize).copied().unwrap_or(u32::MAX);
        }
        out.truncate(len);
        out
    }

    /// The workbook stream (the first "Workbook", else the first "Book", names matched
    /// ignoring ASCII case), gathered as calamine will: its sheets' DIMENSIONS records say
    /// how many cells to reserve, and calamine reserves them unchecked. Small streams live
    /// in the mini stream (64-byte sectors, the mini FAT).
    fn workbook_stream(
        &self,
        fat: &[u32],
        entries: &[(String, u32, usize)],
        root: Option<(u32, usize)>,
        mini_fat_len: usize,
    ) -> Option<Vec<u8>> {
        let find = |n: &str| entries.iter().find(|(name, _, _)| name.eq_ignore_ascii_case(n)).map(|(_, s, l)| (*s, *l));
        let (wstart, wlen) = find("Workbook").or_else(|| find("Book"))?;
        let sectors = |id: u32| self.sector(id).map(|s| s.to_vec());
        if wlen >= 4096 {
            return Some(self.follow(wstart, wlen, self.size, &sectors, fat));
        }
        let (rstart, rlen) = root?;
        let mini = self.follow(rstart, rlen, self.size, &sectors, fat);
        let mf_bytes = self.follow(u32_at(self.data, 0x3C).unwrap_or(u32::MAX), mini_fat_len * self.size, self.size, &sectors, fat);
        let minifat: Vec<u32> = (0..mf_bytes.len() / 4).filter_map(|k| u32_at(&mf_bytes, 4 * k)).collect();
        let get = |id: u32| mini.get(id as usize * 64..id as usize * 64 + 64).map(|b| b.to_vec());
        Some(self.follow(wstart, wlen, 64, &get, &minifat))
    }
}

/// Scans BIFF records from `from` (to the first EOF when `sheet`): DIMENSIONS claims and
/// cell extents must fit (calamine reserves and allocates what they say). Returns the
/// sheet positions BOUNDSHEET records give.
fn scan_biff(stream: &[u8], from: usize, sheet: bool) -> Result<Vec<u32>, String> {
    let mut positions = Vec::new();
    // Cells are placed where their records say; calamine then makes a dense grid of the
    // sheet's extent, so cells far apart must be refused here.
    let mut extent: Option<(u64, u64, u64, u64)> = None;
    let mut cells: u64 = 0;
    let check_extent = |extent: &mut Option<(u64, u64, u64, u64)>, cells: &mut u64| -> bool {
        let ok = match *extent {
            // An .xls sheet is at most 65,536 × 256 cells (16.8 M, held twice by calamine:
            // about 1.1 GB): a genuine sheet of 65,535 rows with a note in column IV is read;
            // a few cells at its far corners are not (a grid 64 times the cells at most).
            Some((r0, r1, c0, c1)) => (r1 - r0 + 1).saturating_mul(c1 - c0 + 1) <= cells.saturating_mul(64).saturating_add(2_000_000),
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

/// The zip package at `path` (`None` when it is not one: calamine then says so), its parts'
/// declared sizes checked: one declaring more than 4 GB is refused.
fn sized_zip(path: &Path) -> Result<Option<zip::ZipArchive<std::fs::File>>, ReadError> {
    let Ok(file) = std::fs::File::open(path) else { return Ok(None) };
    let Ok(mut zip) = zip::ZipArchive::new(file) else { return Ok(None) };
    // Two parts of one name: the zip reader keeps one of them, silently; the directory's
    // own count of entries tells.
    if zip_entries(path).is_some_and(|n| n > zip.len() as u64) {
        return Err(ReadError::Repeated("文件内部有两个同名的部件（如两份 sheet1.xml）".into()));
    }
    for i in 0..zip.len() {
        let Ok(f) = zip.by_index_raw(i) else { continue };
        if f.size() > 4_000_000_000 {
            return Err(ReadError::Oversized(format!("其中 {} 声明解压后有 {} 字节", f.name().unwrap_or_default(), f.size())));
        }
    }
    Ok(Some(zip))
}

/// The number of entries a zip file's central directory declares (from its end record;
/// `None` when it cannot be found, or the file is zip64).
pub(super) fn zip_entries(path: &Path) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    // Most packages have no comment: the end record is the last 22 bytes.
    if len >= 22 {
        let mut last = [0u8; 22];
        f.seek(SeekFrom::Start(len - 22)).ok()?;
        f.read_exact(&mut last).ok()?;
        if last.starts_with(b"PK\x05\x06") {
            let n = u16::from_le_bytes([last[10], last[11]]);
            return (n != 0xFFFF).then_some(n as u64);
        }
    }
    let tail_len = len.min(22 + 65_535);
    f.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = Vec::with_capacity(tail_len as usize);
    f.take(tail_len).read_to_end(&mut tail).ok()?;
    let at = memchr::memmem::rfind(&tail, b"PK\x05\x06")?;
    let n = u16::from_le_bytes([*tail.get(at + 10)?, *tail.get(at + 11)?]);
    (n != 0xFFFF).then_some(n as u64)
}

/// Checks what an .xlsx claims before calamine trusts it: calamine reserves memory for the
/// shared-string count a file declares, and a declared count of 10^11 aborts the process
/// (no panic to catch). Parts whose declared size is absurd are refused too.
pub(super) fn check_xlsx(path: &Path) -> Result<(), ReadError> {
    use std::io::Read;
    let Some(mut zip) = sized_zip(path)? else { return Ok(()) };
    for i in inflated_far_beyond(&mut zip) {
        check_part(&mut zip, i)?;
    }
    let sheet_bytes = sheet_bytes(&mut zip);
    let Ok(f) = zip.by_name("xl/sharedStrings.xml") else { return Ok(()) };
    let size = f.size();
    let mut head = Vec::with_capacity(4096);
    let _ = f.take(4096).read_to_end(&mut head);
    sst_claims(&head, size, sheet_bytes)
}

/// Checks that the content of an .ods is whole XML before calamine reads it: calamine's
/// ODS reader waits for a table's closing tag without stopping at the end of the file, so
/// a truncated or damaged `content.xml` makes it loop forever. Every element must close,
/// in order; parts declaring an absurd size are refused as in [`check_xlsx`].
pub(super) fn check_ods(path: &Path) -> Result<(), ReadError> {
    use quick_xml::events::Event;
    let Some(mut zip) = sized_zip(path)? else { return Ok(()) };
    let Ok(content) = zip.by_name("content.xml") else { return Ok(()) };
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(content));
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let broken = || ReadError::Corrupt("content.xml is not whole XML".into());
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth = depth.checked_sub(1).ok_or_else(broken)?,
            Ok(Event::Eof) if depth == 0 => return Ok(()),
            Ok(Event::Eof) | Err(_) => return Err(broken()),
            Ok(_) => {}
        }
        buf.clear();
    }
}

/// The parts (indices) that inflate to far more than their compressed size: sheet XML
/// compresses about ten to one, a part padded with megabytes of spaces a thousand to one.
pub(super) fn inflated_far_beyond<R: std::io::Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>) -> Vec<usize> {
    (0..zip.len())
        .filter(|&i| zip.by_index_raw(i).is_ok_and(|f| f.size() > 32 << 20 && f.size() > f.compressed_size().saturating_mul(100)))
        .collect()
}

/// Reads a part that inflates far beyond its compressed size without keeping it: refused
/// when it holds a single run of text or markup longer than any cell (32 MiB between two
/// tags, where Excel allows 32,767 characters in a cell), or far more bytes than its cells
/// can take (4 KiB a cell, past the first 64 MiB). Readers hold such a run, or the whole
/// part, in memory.
pub(super) fn check_part<R: std::io::Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, i: usize) -> Result<(), ReadError> {
    use std::io::Read;
    let Ok(mut part) = zip.by_index(i) else { return Ok(()) };
    let name = part.name().map(|n| n.to_string()).unwrap_or_default();
    let (mut total, mut run, mut cells) = (0u64, 0u64, 0u64);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match part.read(&mut buf) {
            Ok(0) | Err(_) => return Ok(()),
            Ok(n) => n,
        };
        let b = &buf[..n];
        cells += memchr::memmem::find_iter(b, b"<c ").count() as u64 + memchr::memmem::find_iter(b, b"<si>").count() as u64;
        run = match memchr::memrchr(b'<', b) {
            Some(last) => (n - last - 1) as u64,
            None => run + n as u64,
        };
        total += n as u64;
        if run > 32 << 20 || total > (64 << 20) + cells * 4096 {
            return Err(ReadError::Oversized(format!(
                "其中 {name} 解压后多是空白或填充内容：已读 {} MB，只有 {cells} 个单元格",
                total >> 20
            )));
        }
    }
}

/// The declared inflated size of the worksheet parts of an .xlsx, all together.
pub(super) fn sheet_bytes<R: std::io::Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>) -> u64 {
    (0..zip.len())
        .filter_map(|i| zip.by_index_raw(i).ok().filter(|f| f.name().is_ok_and(|n| n.starts_with("xl/worksheets/"))).map(|f| f.size()))
        .sum()
}

/// The counts the shared strings part (`head`: its start; `size`: its inflated size)
/// claims, against what the part and the sheets (`sheet_bytes` in all) can hold.
pub(super) fn sst_claims(head: &[u8], size: u64, sheet_bytes: u64) -> Result<(), ReadError> {
    let head = String::from_utf8_lossy(&head[..head.len().min(4096)]);
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

#[cfg(test)]
mod tests {
    /// A BIFF sheet stream: BOF, a NUMBER record per cell, EOF.
    fn sheet(cells: impl Iterator<Item = (u16, u16)>) -> Vec<u8> {
        let mut s = Vec::new();
        let mut record = |typ: u16, body: &[u8]| {
            s.extend_from_slice(&typ.to_le_bytes());
            s.extend_from_slice(&(body.len() as u16).to_le_bytes());
            s.extend_from_slice(body);
        };
        record(0x0809, &[0; 16]);
        for (r, c) in cells {
            let mut body = Vec::new();
            body.extend_from_slice(&r.to_le_bytes());
            body.extend_from_slice(&c.to_le_bytes());
            body.extend_from_slice(&[0, 0]);
            body.extend_from_slice(&1.0f64.to_le_bytes());
            record(0x0203, &body);
        }
        record(0x000A, &[]);
        s
    }

    #[test]
    fn a_long_xls_sheet_with_a_far_note_is_read_and_far_corners_are_not() {
        // 65,535 rows of five answers and a note in column IV (the last an .xls has).
        let genuine = sheet((0..65_535u16).flat_map(|r| (0..5u16).map(move |c| (r, c))).chain(std::iter::once((3, 255))));
        assert!(super::scan_biff(&genuine, 0, false).is_ok());
        let corners = sheet([(0, 0), (0, 1), (65_535, 255)].into_iter());
        assert!(super::scan_biff(&corners, 0, false).is_err());
    }
}
