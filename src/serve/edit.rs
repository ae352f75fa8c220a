//! Changes to survey.toml made in the page: the title, the unit question, the banners, and
//! per question its text, topic (`label`), kind and the order and names of its options.
//! Applied to the file as written (toml_edit), so every comment, layout and key the user
//! did not change stays as it was; the result is checked with the same validation as the
//! command line before it replaces the file.

use std::path::Path;

use serde::Deserialize;
use toml_edit::{value, Array, DocumentMut, Item, Value};

use crate::survey::Survey;

#[derive(Debug, Deserialize)]
pub struct Edit {
    pub title: Option<String>,
    /// A question id, or empty for none.
    pub unit: Option<String>,
    pub banners: Option<Vec<String>>,
    #[serde(default)]
    pub questions: Vec<QuestionEdit>,
}

#[derive(Debug, Deserialize)]
pub struct QuestionEdit {
    pub id: String,
    pub text: Option<String>,
    /// The topic used as the report's heading; empty removes it.
    pub label: Option<String>,
    pub kind: Option<String>,
    /// The options in their new order, each named by its current text and given its new one.
    pub options: Option<Vec<OptionEdit>>,
}

#[derive(Debug, Deserialize)]
pub struct OptionEdit {
    pub from: String,
    pub text: String,
}

/// Applies `edit` to the project's survey.toml; returns what changed, in words.
pub fn apply(root: &Path, edit: &Edit) -> Result<Vec<String>, String> {
    let path = root.join("survey.toml");
    let before = std::fs::read_to_string(&path).map_err(|e| format!("无法读取 survey.toml：{e}"))?;
    let survey = Survey::from_toml(&before).map_err(|e| format!("survey.toml 现在就有问题：{}", crate::error::explain(&e)))?;
    let mut doc: DocumentMut = before.parse().map_err(|e| format!("survey.toml 无法解析：{e}"))?;
    let mut said = Vec::new();
    if let Some(t) = edit.title.as_deref().filter(|t| *t != survey.title) {
        doc["title"] = value(t);
        said.push(format!("问卷标题改为“{t}”"));
    }
    if let Some(u) = edit.unit.as_deref().filter(|u| Some(*u) != survey.unit.as_deref()) {
        if u.is_empty() {
            doc.remove("unit");
        } else {
            doc["unit"] = value(u);
        }
        said.push(format!("单位题改为 {}", if u.is_empty() { "（无）" } else { u }));
    }
    if let Some(b) = edit.banners.as_ref().filter(|b| **b != survey.banners) {
        doc["banners"] = value(b.iter().collect::<Array>());
        said.push(format!("分组变量改为 {}", b.join("、")));
    }
    for q in &edit.questions {
        said.extend(question(&mut doc, &survey, q)?);
    }
    if said.is_empty() {
        return Ok(said);
    }
    let after = doc.to_string();
    Survey::from_toml(&after).map_err(|e| format!("改动没有保存：{}", crate::error::explain(&e)))?;
    crate::output::write_atomic(&path, |w| std::io::Write::write_all(w, after.as_bytes()))
        .map_err(|e| format!("无法写入 survey.toml：{e}"))?;
    Ok(said)
}

/// One question's changes, in its `[[questions]]` table.
fn question(doc: &mut DocumentMut, survey: &Survey, e: &QuestionEdit) -> Result<Vec<String>, String> {
    let current = survey.questions.iter().find(|q| q.id == e.id).ok_or_else(|| format!("问卷中没有题目 {}", e.id))?;
    let tables = doc.get_mut("questions").and_then(Item::as_array_of_tables_mut).ok_or("survey.toml 中没有 [[questions]]")?;
    let t = tables
        .iter_mut()
        .find(|t| t.get("id").and_then(Item::as_str) == Some(e.id.as_str()))
        .ok_or_else(|| format!("survey.toml 中找不到 {}", e.id))?;
    let mut said = Vec::new();
    if let Some(x) = e.text.as_deref().filter(|x| *x != current.text) {
        t["text"] = value(x);
        said.push(format!("{} 题目改为“{x}”", e.id));
    }
    if let Some(l) = e.label.as_deref().filter(|l| Some(*l) != current.label.as_deref() && !(l.is_empty() && current.label.is_none())) {
        if l.is_empty() {
            t.remove("label");
        } else {
            t["label"] = value(l);
        }
        said.push(format!("{} 主题改为“{l}”", e.id));
    }
    if let Some(k) = e.kind.as_deref().filter(|k| *k != current.kind.name()) {
        t["kind"] = value(k);
        said.push(format!("{} 题型改为 {k}", e.id));
    }
    if let Some(opts) = &e.options {
        let now: Vec<&str> = current.options.iter().map(|o| o.text()).collect();
        let mut from: Vec<&str> = opts.iter().map(|o| o.from.as_str()).collect();
        let changed = from != now || opts.iter().any(|o| o.from != o.text);
        from.sort_unstable();
        let mut sorted = now.clone();
        sorted.sort_unstable();
        if from != sorted {
            return Err(format!("{} 的选项与 survey.toml 中的不一致，请刷新页面后再改", e.id));
        }
        if changed {
            let old = t.get("options").and_then(Item::as_array).ok_or_else(|| format!("{} 没有选项列表", e.id))?;
            // Each place keeps its spacing and line breaks; the options move through them.
            let mut arr = old.clone();
            for (i, o) in opts.iter().enumerate() {
                let k = now.iter().position(|x| *x == o.from).unwrap_or(0);
                let mut v = old.get(k).cloned().ok_or_else(|| format!("{} 的选项无法对应", e.id))?;
                if o.from != o.text {
                    rename(&mut v, &o.text);
                }
                if let (Some(place), Some(slot)) = (old.get(i), arr.get_mut(i)) {
                    *v.decor_mut() = place.decor().clone();
                    *slot = v;
                }
            }
            t["options"] = value(arr);
            said.push(format!("{} 的选项改为：{}", e.id, opts.iter().map(|o| o.text.as_str()).collect::<Vec<_>>().join("、")));
        }
    }
    Ok(said)
}

/// A new name for an option: a plain string, or the `text` of an option table.
fn rename(v: &mut Value, text: &str) {
    match v {
        Value::InlineTable(t) => {
            t.insert("text", text.into());
        }
        other => {
            let decor = other.decor().clone();
            *other = text.into();
            *other.decor_mut() = decor;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = r#"# 说明：这一行要保留
id = "t"
title = "旧标题"
banners = ["Q1"]

[[questions]]
id = "Q1"
text = "您的身份"   # 行尾注释也保留
kind = "single"
options = ["甲", "乙", { text = "其他", aliases = ["其它"] }]
"#;

    fn project() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("survey.toml"), TOML).unwrap();
        d
    }

    #[test]
    fn only_what_changed_is_rewritten() {
        let d = project();
        let opt = |from: &str, text: &str| OptionEdit { from: from.into(), text: text.into() };
        let edit = Edit {
            title: Some("新标题".into()),
            unit: None,
            banners: Some(vec!["Q1".into()]),
            questions: vec![QuestionEdit {
                id: "Q1".into(),
                text: Some("您的身份".into()),
                label: Some(String::new()),
                kind: Some("single".into()),
                options: Some(vec![opt("乙", "乙类"), opt("甲", "甲"), opt("其他", "其他人员")]),
            }],
        };
        let said = apply(d.path(), &edit).unwrap();
        assert_eq!(said.len(), 2, "{said:?}");
        let after = std::fs::read_to_string(d.path().join("survey.toml")).unwrap();
        assert!(after.contains("# 说明：这一行要保留") && after.contains("# 行尾注释也保留"), "{after}");
        assert!(after.contains("title = \"新标题\""));
        assert!(after.contains(r#"options = ["乙类", "甲", { text = "其他人员", aliases = ["其它"] }]"#), "{after}");
        let s = Survey::from_toml(&after).unwrap();
        assert_eq!(s.questions[0].options[2].aliases(), ["其它"]);
    }

    #[test]
    fn an_invalid_change_leaves_the_file_as_it_was() {
        let d = project();
        let edit = Edit {
            title: None,
            unit: None,
            banners: None,
            questions: vec![QuestionEdit { id: "Q1".into(), text: None, label: None, kind: Some("nosuch".into()), options: None }],
        };
        assert!(apply(d.path(), &edit).unwrap_err().starts_with("改动没有保存"));
        assert_eq!(std::fs::read_to_string(d.path().join("survey.toml")).unwrap(), TOML);
        let edit = Edit { title: None, unit: None, banners: Some(vec!["Q9".into()]), questions: vec![] };
        assert!(apply(d.path(), &edit).is_err());
        assert_eq!(std::fs::read_to_string(d.path().join("survey.toml")).unwrap(), TOML);
    }
}
