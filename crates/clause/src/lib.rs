//! The clause language: what an agreement's clauses and a jurisdiction's sharing rules are
//! written in. The Common Expression Language (parsed and evaluated by the `cel` crate),
//! less what could make two validators disagree or a figure inexact, checked against a
//! named, versioned fact schema before it is accepted.
//!
//! - [`schema`]: fact types (bool, 64-bit integer, string, bounded lists, records) and a
//!   schema's roots. The schemas themselves belong to who publishes them: the agreements'
//!   facts (`unchain-agree`), a share's facts (`unchain-vault`'s sharing policies).
//! - [`check`]: the type check every clause passes: known facts, operators on the types
//!   they take, a bool answer, and a worst-case cost within [`check::MAX_COST`]. No
//!   floating point, unsigned integers, null, bytes, map literals, iteration over maps,
//!   timestamps or regular expressions.
//! - [`clause`]: parsing (on a thread with a large stack, nesting and length bounded),
//!   errors that point into the clause, facts checked against the schema, and evaluation
//!   that reads nothing but the facts.
#![forbid(unsafe_code)]

pub mod check;
pub mod clause;
pub mod schema;

pub use clause::{Clause, ClauseError, Facts};
pub use schema::{Schema, Ty};

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn schema(name: &'static str) -> Schema {
        Schema {
            name,
            version: 1,
            roots: BTreeMap::from([("n", Ty::Int)]),
        }
    }

    #[test]
    fn a_clause_reads_only_the_facts_of_its_own_schema() {
        let clause = Clause::compile("n > 1", &schema("sharing")).expect("compiles");
        let facts = serde_json::json!({"n": 2});
        assert_eq!(clause.evaluate(&schema("sharing"), &facts), Ok(true));
        let other = clause
            .evaluate(&schema("agreement"), &facts)
            .expect_err("another schema's facts");
        assert!(other.contains("agreement schema"), "{other}");
        let e = Clause::compile("m > 1", &schema("sharing")).expect_err("unknown fact");
        assert_eq!(e.at, Some((1, 1)), "{e}");
    }

    /// What the CEL specification's conformance data showed the `cel` crate misreads is
    /// refused, pointing at it; the same meaning written plainly is accepted.
    #[test]
    fn what_the_library_misreads_is_refused() {
        let s = schema("sharing");
        for (bad, at) in [
            ("!!(n > 1)", (1, 2)),
            ("! !(n > 1)", (1, 3)),
            ("--n > 1", (1, 2)),
            ("n - -1 > 1", (1, 5)),
            (r#""\'" == "'""#, (1, 3)),
            (r#"'\"' == "x""#, (1, 3)),
        ] {
            let e = Clause::compile(bad, &s).expect_err(bad);
            assert_eq!(e.at, Some(at), "{bad}: {e}");
        }
        for good in ["!(!(n > 1))", "n + 1 > 1", "n != 1", r#""'" == "'""#] {
            assert!(Clause::compile(good, &s).is_ok(), "{good}");
        }
    }
}
