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
            let arr = options(old, current, opts).ok_or_else(|| format!("{} 的选项无法对应", e.id))?;
            t["options"] = value(arr);
            let mut names: Vec<&str> = opts.iter().map(|o| o.text.as_str()).collect();
            names.dedup_by(|a, b| a == b);
            let merged = names.len() < opts.len();
            said.push(format!("{} 的选项改为：{}{}", e.id, names.join("、"), if merged { "（有选项合并）" } else { "" }));
        }
    }
    Ok(said)
}

/// The new options array: `opts` in their new order, each renamed to its `text`; options
/// given the same `text` are merged into the first of them (the others become its aliases,
/// so their answers count for it). An option whose position changes keeps its code: its
/// old number is added as an alias (a code export's `2` and split column `Q3_2` still
/// mean it) and, on a scale, its old score is written out. Each place keeps its spacing.
fn options(old: &Array, q: &crate::survey::Question, opts: &[OptionEdit]) -> Option<Array> {
    let now: Vec<&str> = q.options.iter().map(|o| o.text()).collect();
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for o in opts {
        let k = now.iter().position(|x| *x == o.from)?;
        match groups.iter_mut().find(|(t, _)| *t == o.text) {
            Some((_, members)) => members.push(k),
            None => groups.push((&o.text, vec![k])),
        }
    }
    let scale = matches!(q.kind, crate::survey::Kind::Scale | crate::survey::Kind::Matrix);
    let mut arr = Array::new();
    for (i, (text, members)) in groups.iter().enumerate() {
        // The option that keeps its name (if one does) is the one the others join.
        let first = members.iter().copied().find(|&k| now[k] == *text).unwrap_or(members[0]);
        let mut v = old.get(first)?.clone();
        let moved = members.len() > 1 || first != i;
        if *text != now[first] {
            rename(&mut v, text);
        }
        if moved {
            let mut aliases: Vec<String> = Vec::new();
            for &k in members {
                let o = &q.options[k];
                if k != first {
                    if o.text() != *text {
                        aliases.push(o.text().to_string());
                    }
                    aliases.extend(o.aliases().iter().cloned());
                }
                if !o.aliases().iter().any(|a| crate::ingest::cells::int_text(a).is_some()) {
                    aliases.push((k + 1).to_string());
                }
            }
            let other = members.iter().any(|&k| q.options[k].is_other());
            let score = (scale && q.options[first].score().is_none()).then(|| q.score(first));
            extend(&mut v, &aliases, other, score);
        }
        if let Some(place) = old.get(i) {
            *v.decor_mut() = place.decor().clone();
        } else {
            v.decor_mut().set_prefix(" ");
        }
        arr.push_formatted(v);
    }
    arr.set_trailing(old.trailing().clone());
    arr.set_trailing_comma(old.trailing_comma());
    Some(arr)
}

/// Adds aliases (after the option's own), the "other" mark and a score to an option,
/// turning a plain string into `{ text = …, aliases = […] }` when needed.
fn extend(v: &mut Value, aliases: &[String], other: bool, score: Option<f64>) {
    if let Value::String(s) = v {
        let mut t = toml_edit::InlineTable::new();
        t.insert("text", s.value().as_str().into());
        let decor = v.decor().clone();
        *v = Value::InlineTable(t);
        *v.decor_mut() = decor;
    }
    let Value::InlineTable(t) = v else { return };
    if !aliases.is_empty() {
        let mut list: Array = t.get("aliases").and_then(Value::as_array).cloned().unwrap_or_default();
        for a in aliases {
            if !list.iter().any(|x| x.as_str() == Some(a)) {
                list.push(a.as_str());
            }
        }
        t.insert("aliases", Value::Array(list));
    }
    if other && t.get("other").is_none() {
        t.insert("other", true.into());
    }
    if let Some(s) = score {
        t.insert("score", if s.fract() == 0.0 { (s as i64).into() } else { s.into() });
    }
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
        // Moved options keep their codes (a code export's 1 is still 甲); 其他 did not move.
        let want = r#"options = [{ text = "乙类", aliases = ["2"] }, { text = "甲", aliases = ["1"] }, { text = "其他人员", aliases = ["其它"] }]"#;
        assert!(after.contains(want), "{after}");
        let s = Survey::from_toml(&after).unwrap();
        assert_eq!(s.questions[0].options[2].aliases(), ["其它"]);
    }

    #[test]
    fn merged_options_answer_for_the_first() {
        let d = project();
        let opt = |from: &str, text: &str| OptionEdit { from: from.into(), text: text.into() };
        let q = QuestionEdit {
            id: "Q1".into(),
            text: None,
            label: None,
            kind: None,
            options: Some(vec![opt("甲", "甲"), opt("其他", "其他"), opt("乙", "其他")]),
        };
        let said = apply(d.path(), &Edit { title: None, unit: None, banners: None, questions: vec![q] }).unwrap();
        assert!(said[0].ends_with("甲、其他（有选项合并）"), "{said:?}");
        let after = std::fs::read_to_string(d.path().join("survey.toml")).unwrap();
        let want = r#"options = ["甲", { text = "其他", aliases = ["其它", "3", "乙", "2"] }]"#;
        assert!(after.contains(want), "{after}");
        // The merged option answers for every name and code it had.
        let s = Survey::from_toml(&after).unwrap();
        let opts = crate::clean::cells::Options::new(&s.questions[0]);
        for (text, want) in [("甲", Some(0)), ("乙", Some(1)), ("其它", Some(1)), ("3", Some(1)), ("2", Some(1))] {
            assert_eq!(opts.by_text(text), want, "{text}");
        }
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
