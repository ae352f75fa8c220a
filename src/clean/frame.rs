//! The response table being built: typed column builders aligned to the schema, and
//! the polars DataFrame they become (trace columns first, then the answers).

use polars::prelude::*;
use std::hash::{Hash, Hasher};

use super::ledger::Issue;
use super::rows::Part;
use crate::survey::schema::{ColType, Schema, TRACE};

/// A typed value of one response-table cell.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) enum Val {
    #[default]
    Null,
    Str(String),
    F64(f64),
    Bool(bool),
    I32(i32),
    Opt(u32),
}

impl Hash for Val {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match self {
            Val::Null => 0u8.hash(h),
            Val::Str(s) => s.hash(h),
            Val::F64(f) => f.to_bits().hash(h),
            Val::Bool(b) => b.hash(h),
            Val::I32(i) => i.hash(h),
            Val::Opt(i) => i.hash(h),
        }
    }
}

pub(super) enum ColData {
    Str(Vec<Option<String>>),
    Opt(Vec<Option<u32>>),
    F64(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    I32(Vec<Option<i32>>),
}

impl ColData {
    pub(super) fn new(ty: ColType, cap: usize) -> Self {
        match ty {
            ColType::Str => ColData::Str(Vec::with_capacity(cap)),
            ColType::Opt => ColData::Opt(Vec::with_capacity(cap)),
            ColType::F64 => ColData::F64(Vec::with_capacity(cap)),
            ColType::Bool => ColData::Bool(Vec::with_capacity(cap)),
            ColType::I32 => ColData::I32(Vec::with_capacity(cap)),
        }
    }
    pub(super) fn push(&mut self, v: Val) {
        match (self, v) {
            (ColData::Str(c), Val::Str(s)) => c.push(Some(s)),
            (ColData::Opt(c), Val::Opt(i)) => c.push(Some(i)),
            (ColData::Opt(c), _) => c.push(None),
            (ColData::F64(c), Val::F64(f)) => c.push(Some(f)),
            (ColData::Bool(c), Val::Bool(b)) => c.push(Some(b)),
            (ColData::I32(c), Val::I32(i)) => c.push(Some(i)),
            (ColData::Str(c), _) => c.push(None),
            (ColData::F64(c), _) => c.push(None),
            (ColData::Bool(c), _) => c.push(None),
            (ColData::I32(c), _) => c.push(None),
        }
    }
    /// Whether any row holds a value.
    pub(super) fn any_value(&self) -> bool {
        match self {
            ColData::Str(v) => v.iter().any(|x| x.is_some()),
            ColData::Opt(v) => v.iter().any(|x| x.is_some()),
            ColData::F64(v) => v.iter().any(|x| x.is_some()),
            ColData::Bool(v) => v.iter().any(|x| x.is_some()),
            ColData::I32(v) => v.iter().any(|x| x.is_some()),
        }
    }
    pub(super) fn extend_masked(&mut self, other: ColData, keep: &[bool]) {
        fn ext<T>(a: &mut Vec<Option<T>>, b: Vec<Option<T>>, keep: &[bool]) {
            a.extend(b.into_iter().zip(keep).filter(|(_, k)| **k).map(|(v, _)| v));
        }
        match (self, other) {
            (ColData::Str(a), ColData::Str(b)) => ext(a, b, keep),
            (ColData::Opt(a), ColData::Opt(b)) => ext(a, b, keep),
            (ColData::F64(a), ColData::F64(b)) => ext(a, b, keep),
            (ColData::Bool(a), ColData::Bool(b)) => ext(a, b, keep),
            (ColData::I32(a), ColData::I32(b)) => ext(a, b, keep),
            _ => unreachable!("column types are fixed by the schema"),
        }
    }
    /// `levels`: the option texts of a single-choice column.
    pub(super) fn into_column(self, name: &str, levels: &[String]) -> Column {
        let name: PlSmallStr = name.into();
        match self {
            ColData::Str(v) => Column::new(name, v),
            ColData::Opt(v) => {
                let ca: StringChunked = v.iter().map(|o| o.map(|i| levels[i as usize].as_str())).collect();
                ca.with_name(name).into_column()
            }
            ColData::F64(v) => Column::new(name, v),
            ColData::Bool(v) => Column::new(name, v),
            ColData::I32(v) => Column::new(name, v),
        }
    }
}


pub(super) fn build_frame(schema: &Schema, parts: Vec<Part>, keeps: &[Vec<bool>], issues: &mut Vec<Issue>) -> DataFrame {
    let total: usize = keeps.iter().map(|k| k.iter().filter(|x| **x).count()).sum();
    let mut trace: [ColData; 7] = [
        ColData::new(ColType::Str, total),
        ColData::new(ColType::Str, total),
        ColData::new(ColType::Str, total),
        ColData::new(ColType::Str, total),
        ColData::new(ColType::Str, total),
        ColData::new(ColType::Str, total),
        ColData::new(ColType::I32, total),
    ];
    let mut cols: Vec<ColData> = schema.cols.iter().map(|c| ColData::new(c.ty, total)).collect();
    for (p, keep) in parts.into_iter().zip(keeps) {
        let n = p.len();
        let s = |v: Option<String>| v.map(Val::Str).unwrap_or(Val::Null);
        for i in (0..n).filter(|i| keep[*i]) {
            trace[0].push(s(p.wave.clone()));
            trace[1].push(Val::Str(p.unit[i].clone()));
            trace[2].push(Val::Str(p.respondent[i].clone()));
            trace[3].push(s(p.submitted[i].clone()));
            trace[4].push(Val::Str(p.file.clone()));
            trace[5].push(Val::Str(p.sheet.clone()));
            trace[6].push(Val::I32(p.row[i] as i32));
        }
        for (a, b) in cols.iter_mut().zip(p.cols) {
            a.extend_masked(b, keep);
        }
        issues.extend(p.issues);
    }
    let mut columns: Vec<Column> = Vec::with_capacity(7 + cols.len());
    for (c, name) in trace.into_iter().zip(TRACE) {
        columns.push(c.into_column(name, &[]));
    }
    for (c, def) in cols.into_iter().zip(&schema.cols) {
        columns.push(c.into_column(&def.name, &def.levels));
    }
    DataFrame::new(total, columns).expect("columns have equal length")
}

