//! The fact schema clauses are written against: every name a clause may read, its type, and
//! for every list the most elements it can hold (what bounds a clause's cost). Versioned:
//! an agreement names the version its clauses were checked against, and a version, once
//! published, never changes — a new fact is a new version.
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

fn record(fields: &[(&'static str, Ty)]) -> Ty {
    Ty::Record(fields.iter().cloned().collect())
}

fn list(t: Ty, max: u64) -> Ty {
    Ty::List(Box::new(t), max)
}

/// A published fact schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// Its version.
    pub version: u32,
    /// The names a clause may start from, with their types.
    pub roots: BTreeMap<&'static str, Ty>,
}

/// The current version.
pub const CURRENT: u32 = 1;

/// Most elements of a fact list (facilities, findings, fees…) one evaluation reads.
pub const MAX_FACTS: u64 = 10_000;

impl Schema {
    /// Schema version `version`, if it is published.
    pub fn version(version: u32) -> Option<Schema> {
        (version == 1).then(v1)
    }

    /// The current schema.
    pub fn current() -> Schema {
        v1()
    }

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

/// Version 1: block time and height, the parties, and the supply and recruitment facts.
fn v1() -> Schema {
    let finding = record(&[
        ("id", Ty::String),
        ("facility", Ty::String),
        ("indicator", Ty::String),
        ("severity", Ty::String),
        ("status", Ty::String),
        ("opened_ms", Ty::Int),
        ("remediated_ms", Ty::Int),
    ]);
    let facility = record(&[
        ("id", Ty::String),
        ("registrant", Ty::String),
        ("country", Ty::String),
        ("last_audit_ms", Ty::Int),
    ]);
    let audit = record(&[
        ("facility", Ty::String),
        ("auditor", Ty::String),
        ("at_ms", Ty::Int),
    ]);
    let fee = record(&[
        ("recruiter", Ty::String),
        ("worker", Ty::String),
        ("amount", Ty::Int),
        ("currency", Ty::String),
        ("owed", Ty::Int),
        ("status", Ty::String),
    ]);
    let wage_finding = record(&[
        ("employer", Ty::String),
        ("worker", Ty::String),
        ("month", Ty::String),
        ("kind", Ty::String),
        ("paid_on", Ty::String),
    ]);
    let passport = record(&[("employer", Ty::String), ("worker", Ty::String)]);
    let voice_month = record(&[
        ("employer", Ty::String),
        ("month", Ty::String),
        ("kind", Ty::String),
        ("count", Ty::Int),
        ("escalated", Ty::Int),
        (
            "indicators",
            list(record(&[("indicator", Ty::String), ("count", Ty::Int)]), 16),
        ),
    ]);
    let party = record(&[
        ("id", Ty::String),
        ("country", Ty::String),
        ("facilities", list(Ty::String, 1_000)),
    ]);
    let roots = [
        ("now", Ty::Int),
        ("height", Ty::Int),
        ("today", Ty::String),
        ("parties", list(party, 32)),
        (
            "supply",
            record(&[
                ("facilities", list(facility, MAX_FACTS)),
                ("findings", list(finding, MAX_FACTS)),
                ("audits", list(audit, MAX_FACTS)),
            ]),
        ),
        (
            "recruit",
            record(&[
                ("fees", list(fee, MAX_FACTS)),
                ("wage_findings", list(wage_finding, MAX_FACTS)),
                ("passports_held", list(passport, MAX_FACTS)),
                ("voice", list(voice_month, MAX_FACTS)),
            ]),
        ),
    ];
    Schema {
        version: 1,
        roots: roots.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_one_is_published_and_lists_its_paths() {
        let s = Schema::version(1).expect("v1");
        assert_eq!(s, Schema::current());
        assert!(Schema::version(2).is_none());
        let paths = s.paths();
        assert!(paths.contains(&("now".into(), "int".into())));
        assert!(paths.contains(&("supply.findings[].opened_ms".into(), "int".into())));
        assert!(paths.contains(&("recruit.fees[].amount".into(), "int".into())));
    }
}
