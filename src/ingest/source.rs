//! The one way in: what an input file is ([`Format`]) is decided once, from its first
//! bytes as well as its name, and a [`Source`] reads it whole or in row chunks. No other
//! part of the tool looks at a file's extension to decide how to read it.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::chunk::{Chunk, Merges};
use super::{ReadError, Workbook};

/// How an input file is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// An Office Open XML workbook (.xlsx, .xlsm).
    Xlsx,
    /// A BIFF workbook in a compound file (.xls).
    Xls,
    /// An OpenDocument spreadsheet (.ods).
    Ods,
    /// Delimited text (.csv, .txt; comma, tab or semicolon; UTF-8, UTF-16 or GBK).
    Text,
    Parquet,
}

/// The extensions this tool reads.
pub const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "ods", "csv", "txt", "parquet"];

impl Format {
    /// What a file's name says it is (`None`: not a kind of file this tool reads). Folder
    /// walking chooses files by this; how a chosen file is read is [`Source::open`]'s say.
    pub fn by_name(path: &Path) -> Option<Format> {
        Some(match ext_of(path)?.as_str() {
            "xlsx" | "xlsm" => Format::Xlsx,
            "xls" => Format::Xls,
            "ods" => Format::Ods,
            "csv" | "txt" => Format::Text,
            "parquet" => Format::Parquet,
            _ => return None,
        })
    }

    /// What the first bytes of a file say it is; `None` when they do not tell (then the
    /// name decides, and the reader reports a damaged file).
    fn by_content(head: &[u8], named: Format) -> Option<Format> {
        if head.starts_with(b"PK\x03\x04") {
            // An OpenDocument package stores its type first, uncompressed.
            let ods = head.get(30..38) == Some(b"mimetype") && find(head, b"opendocument.spreadsheet");
            // Without that, a file named .ods is one unless it lists Office content types.
            let named_ods = named == Format::Ods && !find(head, b"[Content_Types]");
            return Some(if ods || named_ods { Format::Ods } else { Format::Xlsx });
        }
        if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return Some(Format::Xls);
        }
        if head.starts_with(b"PAR1") {
            return Some(Format::Parquet);
        }
        (named != Format::Text && looks_delimited(head)).then_some(Format::Text)
    }

    /// The name of the format for messages.
    pub fn label(self) -> &'static str {
        match self {
            Format::Xlsx => "Excel 工作簿（.xlsx）",
            Format::Xls => "老版本 Excel 工作簿（.xls）",
            Format::Ods => "OpenDocument 表格（.ods）",
            Format::Text => "文本表格（CSV 或制表符分隔）",
            Format::Parquet => "Parquet 文件",
        }
    }
}

/// A file's extension, lower case.
pub(super) fn ext_of(path: &Path) -> Option<String> {
    path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase())
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether the first bytes are a table in text: no binary bytes (UTF-16 text has a byte
/// order mark), at least two lines, and a tab or comma on the first. A web page saved with
/// a spreadsheet's name is not (it is refused with its own message).
fn looks_delimited(head: &[u8]) -> bool {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return true;
    }
    if head.is_empty() || head.contains(&0) || web_page(head) {
        return false;
    }
    let text = super::csv_reader::decode_text(head);
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("");
    (first.contains('\t') || first.contains(',')) && lines.next().is_some()
}

/// Whether the first bytes are a web page or XML (what some systems save as ".xls").
fn web_page(head: &[u8]) -> bool {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).map_or(&body[..0], |i| &body[i..]);
    start.starts_with(b"<")
}

/// One input file and how it is read.
#[derive(Clone, Debug)]
pub struct Source {
    pub path: PathBuf,
    pub format: Format,
    /// The file's size in bytes.
    pub bytes: u64,
    /// Set when the content is not what the name says (an .xlsx renamed .xls, a text
    /// table saved as .xls): what the file was read as, for the ledger.
    pub renamed: Option<String>,
    /// Columns that cannot be read (a Parquet column of a nested or binary type), each
    /// `名称（类型）`: left out, the rest imported.
    pub left_out: Vec<String>,
}

impl Source {
    /// Decides how `path` is read: by its name, then by its first bytes when they tell;
    /// with what the ledger says of it before any cell is read (Parquet columns left out).
    pub fn open(path: &Path) -> Result<Source, ReadError> {
        let mut s = Source::sniff(path)?;
        s.left_out = match s.format {
            Format::Parquet => super::parquet::columns(path)?.1,
            _ => Vec::new(),
        };
        Ok(s)
    }

    /// How `path` is read, from its name and first bytes alone.
    pub fn sniff(path: &Path) -> Result<Source, ReadError> {
        // A device (/dev/zero), a pipe or a folder is never read, whatever its name.
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
            return Err(ReadError::NotAFile);
        }
        let named = Format::by_name(path).ok_or_else(|| ReadError::Unsupported(ext_of(path).unwrap_or_default()))?;
        let mut file = std::fs::File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            _ => ReadError::Io(e),
        })?;
        let bytes = file.metadata().map_err(ReadError::Io)?.len();
        let mut head = Vec::with_capacity(4096);
        (&mut file).take(4096).read_to_end(&mut head).map_err(ReadError::Io)?;
        if named != Format::Text && web_page(&head) {
            return Err(ReadError::WebPage);
        }
        let format = Format::by_content(&head, named).unwrap_or(named);
        let renamed = (format != named).then(|| format!("文件名是“{}”，内容却是{}，已按内容读取", file_name(path), format.label()));
        Ok(Source { path: path.to_path_buf(), format, bytes, renamed, left_out: Vec::new() })
    }

    /// Reads every sheet.
    pub fn read(&self) -> Result<Workbook, ReadError> {
        self.read_observed(None)
    }

    /// Reads every sheet; for an .xlsx, `observe` sees the cells as they are parsed (see
    /// [`super::xlsx::read`]). Other formats are read as usual and not observed.
    pub fn read_observed(&self, observe: Option<super::xlsx::Observe<'_>>) -> Result<Workbook, ReadError> {
        let sheets = match self.format {
            Format::Xlsx => return super::xlsx::read(self, observe),
            Format::Xls | Format::Ods => super::read_spreadsheet(self)?,
            Format::Text => vec![super::csv_reader::read(&self.path)?],
            Format::Parquet => {
                let cells = super::parquet::read_parquet(&self.path)?;
                vec![super::SheetData { name: super::parquet::SHEET.into(), cells, malformed: Vec::new(), notes: Vec::new() }]
            }
        };
        if sheets.iter().all(|s| s.cells.is_empty()) {
            return Err(ReadError::Empty);
        }
        Ok(Workbook { path: self.path.clone(), sheets })
    }

    /// Whether the file can be read in row chunks ([`Source::stream`]).
    pub fn streams(&self) -> bool {
        matches!(self.format, Format::Xlsx | Format::Text | Format::Parquet)
    }

    /// Whether rows read in chunks stand as they are read (text and Parquet): a workbook's
    /// merged cells, or its being a returned template, are known only at its end.
    pub fn rows_stand_alone(&self) -> bool {
        matches!(self.format, Format::Text | Format::Parquet)
    }

    /// Reads the file in chunks of about `chunk_rows` rows (a Parquet file in its own
    /// chunk size) handed to `sink` as they are read; returns the merged areas of an .xlsx
    /// (found meanwhile on another thread). A format that does not stream is refused.
    pub fn stream(&self, chunk_rows: u32, sink: impl FnMut(Chunk)) -> Result<Merges, ReadError> {
        match self.format {
            Format::Xlsx => super::xlsx::stream(self, chunk_rows, sink),
            Format::Text => super::csv_reader::stream_csv(&self.path, chunk_rows, sink).map(|_| Merges::new()),
            Format::Parquet => super::parquet::stream_parquet(&self.path, super::parquet::CHUNK_ROWS, sink).map(|_| Merges::new()),
            Format::Xls | Format::Ods => Err(ReadError::Unsupported(ext_of(&self.path).unwrap_or_default())),
        }
    }

    /// About how many rows the file holds, without reading it: a Parquet file's own count,
    /// a text table's size over the length of its first lines; 0 for workbooks (a sheet
    /// holds at most 1,048,576 rows, and they are read whole).
    pub fn estimated_rows(&self) -> usize {
        match self.format {
            Format::Parquet => super::parquet::count_rows(&self.path).unwrap_or(0),
            Format::Text => {
                let Ok(f) = std::fs::File::open(&self.path) else { return 0 };
                let mut head = Vec::new();
                if f.take(1 << 20).read_to_end(&mut head).is_err() || head.is_empty() {
                    return 0;
                }
                let lines = head.iter().filter(|b| **b == b'\n').count().max(1);
                (self.bytes as f64 * lines as f64 / head.len() as f64) as usize
            }
            _ => 0,
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Reads every sheet of `path` (see [`Source`]).
pub fn read_file(path: &Path) -> Result<Workbook, ReadError> {
    Source::sniff(path)?.read()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, bytes: &[u8]) -> (tempfile::TempDir, Result<Source, ReadError>) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let s = Source::open(&p);
        (dir, s)
    }

    #[test]
    fn content_decides_over_the_name() {
        let (_d, s) = source("a.xls", b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0[Content_Types].xml");
        let s = s.unwrap();
        assert_eq!(s.format, Format::Xlsx);
        assert!(s.renamed.as_deref().unwrap().contains("a.xls"));
        let (_d, s) = source("a.xlsx", "序号\t单位\n1\t区财政局\n".as_bytes());
        assert_eq!(s.unwrap().format, Format::Text);
        let (_d, s) = source("a.csv", b"\xD0\xCF\x11\xE0rest");
        assert_eq!(s.unwrap().format, Format::Xls);
        let (_d, s) = source("a.csv", "序号,单位\n".as_bytes());
        let s = s.unwrap();
        assert_eq!((s.format, s.renamed), (Format::Text, None));
        // Not a table in text: the name decides, and the reader says the file is damaged.
        let (_d, s) = source("a.xlsx", b"just some words");
        assert_eq!(s.unwrap().format, Format::Xlsx);
        let (_d, s) = source("a.xls", b"  <html><table><tr><td>1</td></tr></table></html>");
        assert!(matches!(s, Err(ReadError::WebPage)));
        let (_d, s) = source("a.doc", b"x");
        assert!(matches!(s, Err(ReadError::Unsupported(e)) if e == "doc"));
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(Source::open(&dir.path().join("none.csv")), Err(ReadError::NotFound)));
    }

    #[test]
    fn rows_are_estimated_without_reading_the_file() {
        let dir = tempfile::tempdir().unwrap();
        // 300,000 rows (a few MB): the estimate comes from the first megabyte.
        let p = dir.path().join("a.csv");
        let mut csv = String::from("序号,单位,1、您的身份\n");
        for i in 0..300_000 {
            csv += &format!("{i},区财政局,{}\n", ["党政干部", "事业单位人员"][i % 2]);
        }
        std::fs::write(&p, csv).unwrap();
        let n = Source::open(&p).unwrap().estimated_rows() as f64;
        assert!((n - 300_000.0).abs() < 15_000.0, "{n}");
        let x = dir.path().join("x.xlsx");
        std::fs::write(&x, b"PK\x03\x04").unwrap();
        assert_eq!(Source::open(&x).unwrap().estimated_rows(), 0);
    }
}
