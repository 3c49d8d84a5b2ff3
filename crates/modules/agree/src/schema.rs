//! The agreements' fact schema: what an agreement's clauses may read — block time and
//! height, the parties, the supply and recruitment facts — versioned; a published version
//! never changes, and a new fact is a new version. The types and the schema structure are
//! the clause language's ([`unchain_clause::schema`]).

pub use unchain_clause::schema::{Schema, Ty, list, record};

/// The current version.
pub const CURRENT: u32 = 2;

/// Most elements of a fact list (facilities, findings, fees…) one evaluation reads.
pub const MAX_FACTS: u64 = 10_000;

/// Version `version` of the agreements' schema, if it is published.
pub fn version(version: u32) -> Option<Schema> {
    match version {
        1 => Some(v1()),
        2 => Some(v2()),
        _ => None,
    }
}

/// The current version of the agreements' schema.
pub fn current() -> Schema {
    v2()
}

/// Version 2: version 1, and the records the parties shared with each other through the
/// vault — never their contents — with the status of the case each belongs to (what a
/// data-sharing agreement reads: erased within N days of the case closing).
fn v2() -> Schema {
    let shared = record(&[
        ("record", Ty::String),
        ("owner", Ty::String),
        ("recipient", Ty::String),
        ("schema", Ty::String),
        ("granted_ms", Ty::Int),
        ("revoked", Ty::Bool),
        ("erased", Ty::Bool),
        ("erased_ms", Ty::Int),
        ("case", Ty::String),
        ("case_status", Ty::String),
        ("case_closed_ms", Ty::Int),
    ]);
    let mut s = v1();
    s.version = 2;
    s.roots
        .insert("vault", record(&[("shared", list(shared, MAX_FACTS))]));
    s
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
        name: "agreement",
        version: 1,
        roots: roots.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_one_is_published_and_lists_its_paths() {
        let s = version(1).expect("v1");
        assert!(version(3).is_none());
        // Version 2 is version 1 and the shared records: a published version never changes.
        let v2 = version(2).expect("v2");
        assert_eq!(v2, current());
        assert!(!s.roots.contains_key("vault"));
        assert!(
            v2.paths()
                .contains(&("vault.shared[].case_closed_ms".into(), "int".into()))
        );
        for path in s.paths() {
            assert!(v2.paths().contains(&path), "{path:?}");
        }
        let paths = s.paths();
        assert!(paths.contains(&("now".into(), "int".into())));
        assert!(paths.contains(&("supply.findings[].opened_ms".into(), "int".into())));
        assert!(paths.contains(&("recruit.fees[].amount".into(), "int".into())));
    }
}
