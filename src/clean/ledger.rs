//! The issue ledger: every cell, row, column or file that did not fit the definition,
//! with where it was and what was done about it. Nothing is dropped without an entry.

use std::collections::BTreeMap;
use std::sync::Arc;

/// What was wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Problem {
    UnreadableFile,
    NoHeader,
    UnknownColumn,
    MissingColumn,
    UnknownOption,
    OutOfRange,
    NotANumber,
    BadFlag,
    BadRank,
    RequiredMissing,
    MissingUnit,
    DuplicateId,
    DuplicateSubmission,
    TotalsRow,
    LetterAnswer,
    CodeAnswer,
    OtherAsText,
    SkipViolation,
    HeaderChanged,
    OtherSurvey,
    ColumnConflict,
    UnheadedColumn,
    DuplicateFile,
    DuplicateRespondent,
    EmptyResponse,
    MalformedRecord,
    LongText,
    HeaderRow,
    TallyBlock,
    ZeroCode,
    NotAnswerSheet,
    /// The file's content is not what its name says (read as its content).
    RenamedFile,
    /// A line of a text table longer than any response can be.
    LineTooLong,
    /// A row holding only texts that fit no question.
    NoValidAnswer,
    /// A column whose data type cannot be read (Parquet lists, structs, binary data).
    UnreadableColumn,
    /// A line of a UTF-8 text table in another encoding.
    MixedEncoding,
    /// Rows hidden in a sheet (imported).
    HiddenRows,
    /// A hidden sheet (read as any other).
    HiddenSheet,
    /// A formula saved without its result.
    UncachedFormula,
    /// A file or folder name in GBK bytes (read as GBK).
    GbkFileName,
}

impl Problem {
    pub fn label(self) -> &'static str {
        match self {
            Problem::UnreadableFile => "文件无法读取",
            Problem::NoHeader => "找不到表头",
            Problem::UnknownColumn => "列标题与问卷中的题目对不上",
            Problem::MissingColumn => "文件中缺少这道题",
            Problem::UnknownOption => "答案不在选项中",
            Problem::OutOfRange => "分值超出量表范围",
            Problem::NotANumber => "数值题填了非数字",
            Problem::BadFlag => "选中标记无法识别",
            Problem::BadRank => "排序名次无法识别",
            Problem::RequiredMissing => "必答题未作答",
            Problem::MissingUnit => "单位为空",
            Problem::DuplicateId => "答卷编号重复",
            Problem::DuplicateSubmission => "重复提交（同单位、同提交时间、答案完全相同）",
            Problem::TotalsRow => "合计、统计或平均值等汇总行，不是答卷",
            Problem::LetterAnswer => "用选项字母作答",
            Problem::CodeAnswer => "用选项序号作答",
            Problem::OtherAsText => "选项外的答案",
            Problem::SkipViolation => "按跳题逻辑不应作答却作答了",
            Problem::HeaderChanged => "表头被改动（与下发的填报表不一致）",
            Problem::OtherSurvey => "不是本问卷的填报表",
            Problem::ColumnConflict => "两列对应同一题目（或同一行、同一选项）",
            Problem::UnheadedColumn => "没有表头的列中有数据",
            Problem::DuplicateFile => "与另一个输入文件内容完全相同",
            Problem::DuplicateRespondent => "同一份答卷在另一个文件中已导入",
            Problem::EmptyResponse => "整份答卷所有题目都未作答",
            Problem::MalformedRecord => "CSV 记录格式有误（引号不成对）",
            Problem::LongText => "答案超过 Excel 单元格上限（32767 字）",
            Problem::HeaderRow => "重复的表头行或题目编码行，不是答卷",
            Problem::TallyBlock => "数据下方的统计或说明区，不是答卷",
            Problem::ZeroCode => "选项编号为 0（按未答处理）",
            Problem::NotAnswerSheet => "不是答卷表（编码表、统计表等）",
            Problem::RenamedFile => "文件扩展名与内容不符",
            Problem::GbkFileName => "文件名不是 UTF-8 编码（Windows 上打包的压缩文件），已按 GBK 解读",
            Problem::HiddenRows => "工作表中有隐藏的行（照常导入，请确认它们是有效答卷）",
            Problem::HiddenSheet => "隐藏的工作表（照常读取，请确认其中的内容）",
            Problem::UncachedFormula => "公式没有保存计算结果（文件由程序生成、未在 Excel 中保存过）",
            Problem::MixedEncoding => "这一行的编码与文件其他部分不同（文件是 UTF-8，这一行不是）",
            Problem::UnreadableColumn => "这一列的数据类型无法读取（嵌套、二进制等）",
            Problem::NoValidAnswer => "这一行没有一个能识别的答案（说明文字、表头或标签行），不是答卷",
            Problem::LineTooLong => "一行长得不可能是一份答卷（超过 8 MB，多半是引号不成对或文件损坏）",
        }
    }
}

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Kept,
    Converted,
    SetMissing,
    RowRejected,
    ColumnIgnored,
    FileSkipped,
    SheetSkipped,
    UnitFromFile,
    AsOther,
    ReadLiterally,
    CutInWorkbook,
    /// A file that broke off: the rows before were imported, the rest could not be read.
    RestNotRead,
    /// A file whose name says another format, read as what its content is.
    ReadAsContent,
    /// A line of a text table not read at all.
    LineLeftOut,
    /// A line read as GBK.
    ReadAsGbk,
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Action::Kept => "保留",
            Action::Converted => "已换算为对应选项",
            Action::SetMissing => "记为缺失",
            Action::RowRejected => "整行剔除",
            Action::ColumnIgnored => "该列未导入",
            Action::FileSkipped => "整个文件未导入",
            Action::SheetSkipped => "该工作表未导入",
            Action::UnitFromFile => "单位取文件名",
            Action::AsOther => "归入“其他”并保留原文",
            Action::CutInWorkbook => "Excel 汇总表中截断并注明，CSV 文件中保留全文",
            Action::ReadLiterally => "引号不成对：这一行按原样读取，其后各行照常各自读取",
            Action::RestNotRead => "此前的答卷已导入，其后的未能读取",
            Action::ReadAsContent => "已按文件实际内容读取",
            Action::ReadAsGbk => "按 GBK 编码读取，请核对这一行的文字",
            Action::LineLeftOut => "这一行未读入，其后各行照常读取",
        }
    }
}

/// One ledger entry. `row` is the 1-based row number as Excel shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// The file as the ledger names it, shared by every entry about it.
    pub file: Arc<str>,
    /// `None` for an entry about the whole file.
    pub sheet: Option<Arc<str>>,
    pub row: Option<u32>,
    /// 0-based column index, shown as its Excel letter ([`Issue::column_letter`]).
    pub column: Option<u32>,
    /// The question's id.
    pub question: Option<String>,
    /// The cell as written, or what the entry says about the file or row.
    pub value: String,
    pub problem: Problem,
    pub action: Action,
}

impl Issue {
    /// An entry about a whole file (no sheet, row or column).
    pub fn for_file(file: impl Into<Arc<str>>, value: String, problem: Problem, action: Action) -> Issue {
        Issue { file: file.into(), sheet: None, row: None, column: None, question: None, value, problem, action }
    }

    /// The same entry, about one sheet of the file.
    pub fn in_sheet(self, sheet: impl Into<Arc<str>>) -> Issue {
        Issue { sheet: Some(sheet.into()), ..self }
    }

    /// The column as Excel names it (`D`), or "" when the entry is about no one column.
    pub fn column_letter(&self) -> String {
        self.column.map(crate::text::col_letter).unwrap_or_default()
    }
}

/// Counts by problem, in a stable order, for summaries.
pub fn count_by_problem(issues: &[Issue]) -> BTreeMap<Problem, usize> {
    let mut m = BTreeMap::new();
    for i in issues {
        *m.entry(i.problem).or_insert(0) += 1;
    }
    m
}

/// The ledger's columns, as written to issues.csv and shown in workbooks.
pub const HEADERS: [&str; 8] = ["文件", "工作表", "行", "列", "题目", "原始值", "问题", "处理"];

impl Issue {
    pub fn fields(&self) -> [String; 8] {
        [
            self.file.to_string(),
            self.sheet.as_deref().unwrap_or_default().to_string(),
            self.row.map(|r| r.to_string()).unwrap_or_default(),
            self.column_letter(),
            self.question.clone().unwrap_or_default(),
            self.value.clone(),
            self.problem.label().to_string(),
            self.action.label().to_string(),
        ]
    }
}

/// Where one input column went: a question (and its row or option), a metadata field,
/// or nowhere, with the reason. Written as columns.csv and the workbook's 列对应 sheet so
/// a user can check every column of every file.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMap {
    pub file: String,
    pub sheet: String,
    /// Excel column letter.
    pub column: String,
    pub header: String,
    /// Question id; empty for metadata and columns not imported.
    pub question: String,
    /// Matrix row, option, or "全部选项" / the metadata field.
    pub part: String,
    pub imported: bool,
    /// How it was matched, or why it was not imported.
    pub note: String,
}

/// The column map's columns, as written to columns.csv and shown in workbooks.
pub const COLUMN_HEADERS: [&str; 8] = ["文件", "工作表", "列", "表头", "题目", "行/选项", "导入", "说明"];

impl ColumnMap {
    pub fn fields(&self) -> [String; 8] {
        [
            self.file.clone(),
            self.sheet.clone(),
            self.column.clone(),
            self.header.clone(),
            self.question.clone(),
            self.part.clone(),
            if self.imported { "是".into() } else { "未导入".into() },
            self.note.clone(),
        ]
    }
}

/// issues.csv: the ledger, one row per issue.
pub fn write_issues(issues: &[Issue], path: &std::path::Path) -> Result<(), crate::output::WriteError> {
    crate::output::write_csv_rows(path, &HEADERS, issues.iter().map(|i| i.fields()))
}

/// columns.csv: where every input column went.
pub fn write_columns(columns: &[ColumnMap], path: &std::path::Path) -> Result<(), crate::output::WriteError> {
    crate::output::write_csv_rows(path, &COLUMN_HEADERS, columns.iter().map(|c| c.fields()))
}
