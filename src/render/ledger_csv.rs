//! issues.csv (the data-issues ledger) and columns.csv (where every input column went),
//! as `import` writes them too.

use std::path::Path;

use super::{Output, RenderError, Report, Written};
use crate::clean::ledger::{write_columns, write_issues};

/// issues.csv.
pub struct IssuesCsv;
/// columns.csv.
pub struct ColumnsCsv;

impl Output for IssuesCsv {
    fn name(&self) -> &'static str {
        "issues.csv"
    }
    fn write(&self, report: &Report, dir: &Path) -> Result<Written, RenderError> {
        let path = dir.join("issues.csv");
        write_issues(&report.import.issues, &path)?;
        Ok(Written::file(path, "issues.csv   数据问题清单（清洗后的答卷表在 Excel 汇总表的“清洗后数据”页）"))
    }
}

impl Output for ColumnsCsv {
    fn name(&self) -> &'static str {
        "columns.csv"
    }
    fn write(&self, report: &Report, dir: &Path) -> Result<Written, RenderError> {
        let path = dir.join("columns.csv");
        write_columns(&report.columns, &path)?;
        Ok(Written::file(path, "columns.csv  每个文件的每一列导入到了哪道题（也在 Excel 汇总表的“列对应”页）"))
    }
}
