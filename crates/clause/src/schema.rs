//! A fact schema: every name a clause may read, its type, and for every list the most
//! elements it can hold (what bounds a clause's cost). Named and versioned: whoever
//! publishes a schema (the agreements' facts, a share's facts) names the version a clause
//! was checked against, and a version, once published, never changes.
//!
//! Types are deliberately few: booleans, 64-bit integers (money in minor units, times in
//! milliseconds of block time, counts), strings (ids, codes, dates, currencies, and money
//! as a decimal string where a figure is shown), lists and records. There is no floating
//! point and no map a clause can iterate: what decides a consequence is exact, and the same
//! on every validator.

use std::collections::BTreeMap;

/// A fact's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `true` or `false`.
    Bool,
    /// A 64-bit signed integer.
    Int,
    /// A string.
    String,
    /// A list of at most `max` elements of one type.
    List(Box<Ty>, u64),
    /// A record with named fields.
    Record(BTreeMap<&'static str, Ty>),
}

impl Ty {
    /// How the type reads in an error message.
    pub fn name(&self) -> String {
        match self {
            Ty::Bool => "bool".into(),
            Ty::Int => "int".into(),
            Ty::String => "string".into(),
            Ty::List(t, _) => format!("list of {}", t.name()),
            Ty::Record(_) => "record".into(),
        }
    }
}

/// A record type of `fields`.
pub fn record(fields: &[(&'static str, Ty)]) -> Ty {
    Ty::Record(fields.iter().cloned().collect())
}

/// A list of at most `max` elements of `t`.
pub fn list(t: Ty, max: u64) -> Ty {
    Ty::List(Box::new(t), max)
}

/// A published fact schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// What it describes: `agreement` (the facts an agreement's clauses read) or `sharing`
    /// (the facts of one grant, what a jurisdiction's sharing policy reads). A clause
    /// checked against one is never evaluated over the other's facts.
    pub name: &'static str,
    /// Its version.
    pub version: u32,
    /// The names a clause may start from, with their types.
    pub roots: BTreeMap<&'static str, Ty>,
}

impl Schema {
    /// Every path a clause may name, with its type, in order: for the documentation.
    pub fn paths(&self) -> Vec<(String, String)> {
        fn walk(prefix: &str, t: &Ty, out: &mut Vec<(String, String)>) {
            out.push((prefix.to_owned(), t.name()));
            match t {
                Ty::Record(fields) => {
                    for (name, f) in fields {
                        walk(&format!("{prefix}.{name}"), f, out);
                    }
                }
                Ty::List(inner, _) => {
                    if let Ty::Record(fields) = &**inner {
                        for (name, f) in fields {
                            walk(&format!("{prefix}[].{name}"), f, out);
                        }
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        for (name, t) in &self.roots {
            walk(name, t, &mut out);
        }
        out
    }
}
