//! Fill-in workbooks for units (`diaoyan template`) and how a returned one is recognised.
//!
//! A template has an instructions sheet, a response sheet (one row per respondent, one
//! column per question; multi-select: a 是/否 column per option; matrix: a column per
//! row; ranking: a rank column per option) with dropdowns and input messages, a locked
//! header, a hidden list sheet for long option lists, and a very hidden metadata sheet
//! naming the survey, its version, the unit and the expected headers, so that `import`
//! reads a returned template strictly and knows its unit without guessing.

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet, XlsxError,
};
use std::path::Path;

use super::roster::Unit;
use crate::survey::{Kind, Survey};

use crate::survey::template::{columns, Col, MARK, META_SHEET, NO, RESPONSE_SHEET, YES};

/// Writes one unit's template to `path`.
/// A file stem per unit, valid everywhere and distinct even where names differ only in
/// case or in characters a file name cannot hold (`名(2)` for the second).
pub fn file_stems(units: &[Unit]) -> Vec<String> {
    let mut used: Vec<String> = Vec::new();
    for u in units {
        let base = crate::text::safe_file_stem(&u.name);
        let mut stem = base.clone();
        let mut k = 2;
        while used.iter().any(|x| x.to_lowercase() == stem.to_lowercase()) {
            stem = format!("{base}({k})");
            k += 1;
        }
        used.push(stem);
    }
    used
}

/// One template holds at most Excel's rows.
pub const MAX_COPIES: u32 = 1_000_000;

/// Why the templates of a roster were not all written.
#[derive(Debug, thiserror::Error)]
pub enum TemplatesError {
    #[error("单位名单中“{0}”的应收份数 {1} 超过一份填报表能容纳的 {MAX_COPIES} 份（Excel 的行数上限），请核对名单；没有生成任何填报表")]
    TooMany(String, u32),
    #[error("无法写出 {}：{source}", path.display())]
    Write { path: std::path::PathBuf, source: crate::output::WriteError },
}

/// Every unit's template into `dir` (`<unit>.xlsx`, names from [`file_stems`]), each
/// written atomically; the roster is checked first, so a bad line writes none. Returns
/// the files, in roster order.
pub fn write_all(s: &Survey, units: &[Unit], dir: &Path) -> Result<Vec<std::path::PathBuf>, TemplatesError> {
    if let Some(u) = units.iter().find(|u| u.expected > MAX_COPIES) {
        return Err(TemplatesError::TooMany(u.name.clone(), u.expected));
    }
    let mut out = Vec::new();
    for (u, stem) in units.iter().zip(file_stems(units)) {
        let path = dir.join(format!("{stem}.xlsx"));
        crate::output::write_atomic_path(&path, |tmp| write(s, u, tmp).map_err(std::io::Error::other))
            .map_err(|source| TemplatesError::Write { path: path.clone(), source })?;
        out.push(path);
    }
    Ok(out)
}

pub fn write(s: &Survey, unit: &Unit, path: &Path) -> Result<(), XlsxError> {
    let cols = columns(s);
    let mut wb = Workbook::new();
    instructions(wb.add_worksheet(), s, unit)?;
    // Long option lists live on a hidden sheet; dropdown formulas point at them.
    let lists = responses(wb.add_worksheet(), s, unit, &cols)?;
    // Option lists: one column per list.
    let ws = wb.add_worksheet();
    ws.set_name(crate::survey::template::OPTIONS_SHEET)?;
    for (k, l) in lists.iter().enumerate() {
        for (i, o) in l.iter().enumerate() {
            ws.write_string(i as u32, k as u16, o)?;
        }
    }
    ws.set_hidden(true);
    metadata(wb.add_worksheet(), s, unit, &cols)?;
    wb.save(path)
}

/// The 填写说明 sheet: the unit, how many to return, and how to fill each kind of question.
fn instructions(ws: &mut Worksheet, s: &Survey, unit: &Unit) -> Result<(), XlsxError> {
    let title = Format::new().set_bold().set_font_size(14);
    let wrap = Format::new().set_text_wrap();
    ws.set_name(crate::survey::template::INSTRUCTIONS_SHEET)?;
    ws.set_column_width(0, 100)?;
    ws.write_string_with_format(0, 0, &s.title, &title)?;
    let lines = [
        format!("填报单位：{}    应交份数：{}", unit.name, unit.expected),
        "1. 请在“答卷”工作表中填写，每一行是一位同志的一份答卷，“序号”已编好。".to_string(),
        "2. 单选题、量表题、矩阵题：点击单元格，从下拉列表中选择，不要自己输入其他文字。".to_string(),
        "3. 多选题：每个选项一列，选了填“是”，没选填“否”或留空；选了“其他”的，请在“注明”列写明具体内容。".to_string(),
        "4. 排序题：每个选项一列，填名次（1 表示排第一位），没有排到的留空，名次不要重复。".to_string(),
        "5. 填空题直接输入文字；数值题只填数字。".to_string(),
        "6. 请不要修改表头、不要增删列、不要改动工作表名称，否则无法汇总。".to_string(),
        "7. 填完后保存（保持 .xlsx 格式），文件名可以不改，按通知要求报送。".to_string(),
    ];
    for (i, l) in lines.iter().enumerate() {
        ws.write_string_with_format(i as u32 + 2, 0, l, &wrap)?;
    }
    Ok(())
}

/// The 答卷 sheet: a locked header, numbered rows, and per column a dropdown or a check
/// with an input message. Returns the option lists the dropdowns point at.
fn responses(ws: &mut Worksheet, s: &Survey, unit: &Unit, cols: &[(String, Col)]) -> Result<Vec<Vec<String>>, XlsxError> {
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin);
    let unlocked = Format::new().set_unlocked();
    let mut lists: Vec<Vec<String>> = Vec::new();
    let rows = unit.expected.max(1) + 20;
    ws.set_name(RESPONSE_SHEET)?;
    let mut validations: Vec<(u16, DataValidation)> = Vec::new();
    for (c, (header, col)) in cols.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, header, &head)?;
        let w = unicode_width::UnicodeWidthStr::width(header.as_str()) as f64;
        ws.set_column_width(c, (w / 2.0 + 2.0).clamp(8.0, 24.0))?;
        ws.set_column_format(c, &unlocked)?;
        if let Some((dv, msg)) = validation(s, col, &mut lists)? {
            let title: String = header.chars().take(30).collect();
            let dv = dv.set_input_title(title)?.set_input_message(msg.chars().take(250).collect::<String>())?;
            validations.push((c, dv));
        }
    }
    for r in 1..=rows {
        ws.write_number_with_format(r, 0, r as f64, &unlocked)?;
    }
    for (c, dv) in &validations {
        ws.add_data_validation(1, *c, rows, *c, dv)?;
    }
    ws.set_row_height(0, 45)?;
    ws.set_freeze_panes(1, 1)?;
    ws.protect();
    Ok(lists)
}

/// What a column accepts and the message shown while a cell is filled; option lists are
/// added to `lists` (a list used twice is stored once).
fn validation(s: &Survey, col: &Col, lists: &mut Vec<Vec<String>>) -> Result<Option<(DataValidation, String)>, XlsxError> {
    let list_of = |opts: Vec<String>, lists: &mut Vec<Vec<String>>| -> usize {
        if let Some(i) = lists.iter().position(|l| *l == opts) {
            return i;
        }
        lists.push(opts);
        lists.len() - 1
    };
    let q = |qi: &usize| &s.questions[*qi];
    let options = |qi: &usize, lists: &mut Vec<Vec<String>>| {
        let l = list_of(q(qi).options.iter().map(|o| o.text().to_string()).collect(), lists);
        DataValidation::new().allow_list_formula(Formula::new(list_ref(l, q(qi).options.len())))
    };
    Ok(match col {
        Col::Seq => None,
        Col::Whole(qi) => match q(qi).kind {
            Kind::Single | Kind::Scale => Some((options(qi, lists), q(qi).text.clone())),
            Kind::Number => Some((
                DataValidation::new().allow_decimal_number(DataValidationRule::Between(-1e12, 1e12)),
                format!("{}（只填数字）", q(qi).text),
            )),
            _ => Some((DataValidation::new().allow_any_value(), q(qi).text.clone())),
        },
        Col::Sub(qi, k) => match q(qi).kind {
            Kind::Multi => Some((
                DataValidation::new().allow_list_strings(&[YES, NO])?,
                format!("{}：选了“{}”填“是”", q(qi).text, q(qi).options[*k].text()),
            )),
            Kind::Rank => {
                let n = q(qi).options.len() as i32;
                Some((
                    DataValidation::new().allow_whole_number(DataValidationRule::Between(1, n)),
                    format!("{}：“{}”排第几位（1–{n}），不排留空", q(qi).text, q(qi).options[*k].text()),
                ))
            }
            _ => Some((options(qi, lists), format!("{}：{}", q(qi).text, q(qi).rows[*k]))),
        },
        Col::Other(qi, k) => {
            Some((DataValidation::new().allow_any_value(), format!("选了“{}”的，请写明具体内容", q(qi).options[*k].text())))
        }
    })
}

/// The very hidden sheet `import` recognises a returned template by: the survey, its
/// version, the unit, the response sheet and the expected headers.
fn metadata(ws: &mut Worksheet, s: &Survey, unit: &Unit, cols: &[(String, Col)]) -> Result<(), XlsxError> {
    ws.set_name(META_SHEET)?;
    ws.write_string(0, 0, MARK)?;
    ws.write_string(0, 1, "1")?;
    let kv = [
        ("survey_id", s.id.clone()),
        ("survey_version", s.version.to_string()),
        ("unit", unit.name.clone()),
        ("sheet", RESPONSE_SHEET.to_string()),
    ];
    for (i, (k, v)) in kv.iter().enumerate() {
        ws.write_string(i as u32 + 1, 0, *k)?;
        ws.write_string(i as u32 + 1, 1, v)?;
    }
    for (i, (h, _)) in cols.iter().enumerate() {
        ws.write_string(i as u32 + 6, 0, "column")?;
        ws.write_string(i as u32 + 6, 1, h)?;
    }
    ws.set_very_hidden(true);
    Ok(())
}

/// The absolute reference of option list `k` on the 选项 sheet.
fn list_ref(k: usize, n: usize) -> String {
    let col = crate::ingest::col_letter(k as u32);
    format!("=选项!${col}$1:${col}${n}")
}
