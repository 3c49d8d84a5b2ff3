//! The clause language against the CEL specification's own conformance data: the
//! cel-spec `tests/simple/testdata` files (v0.24.0), as published on PyPI inside
//! cel-python's source distribution, which `.ci/run` downloads and unpacks into
//! `.venv/cel-spec/` (`tests/python/cel_conformance.py` reads the text protos).
//!
//! Every case whose expression falls inside the clause language's subset is compared:
//!
//! - a case with a value becomes the clause `(expr) == value`, which must evaluate to
//!   true;
//! - a case that expects an error must fail, either refused by the check or at
//!   evaluation.
//!
//! Cases outside the subset are counted and left out: bindings, containers, message
//! types, unsigned and floating-point values, bytes, null, maps, timestamps, types.
//! Enough must be compared for the test to mean something.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use unchain_clause::{Clause, Schema};

/// The conformance files compared.
const FILES: &[&str] = &[
    "basic",
    "comparisons",
    "integer_math",
    "logic",
    "lists",
    "macros",
    "string",
    "fields",
    "parse",
    "plumbing",
    "conversions",
];

/// The fewest cases that must be compared.
const MIN_COMPARED: usize = 250;

/// Where the `cel` crate (0.13.0) answers otherwise than the specification, inside the
/// subset, and why it is tolerated. Each must still disagree: a fixed crate fails this
/// test until the entry goes.
const KNOWN: &[(&str, &str)] = &[(
    "macros/all/list_elem_error_shortcircuit",
    "an error in one element of all() is not absorbed by another element's false: the \
     clause's outcome is an error (no consequence), where the specification says breached",
)];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The case's expected value as a CEL literal, if the subset has one.
fn literal(value: &serde_json::Value) -> Option<String> {
    let (kind, v) = value.as_object()?.iter().next()?;
    match kind.as_str() {
        "int64_value" => {
            let n: i64 = v.as_str()?.parse().ok()?;
            // The subset allows a minus sign only on a number literal; the smallest i64
            // has no positive literal.
            (n != i64::MIN).then(|| format!("({n})"))
        }
        "bool_value" => Some(v.as_str()?.to_owned()),
        "string_value" => Some(serde_json::to_string(v.as_str()?).ok()?),
        _ => None,
    }
}

#[test]
fn the_subset_answers_as_the_cel_specification_says() {
    let python = repo().join(".venv/bin/python");
    let spec = repo().join(".venv/cel-spec");
    assert!(
        python.exists() && spec.join("basic.textproto").exists(),
        "no CEL conformance data at {}: run `bash .ci/run` (it downloads cel-python's source \
         distribution from PyPI and unpacks its features/ there)",
        spec.display()
    );
    let out = Command::new(&python)
        .arg(repo().join("tests/python/cel_conformance.py"))
        .args(FILES.iter().map(|f| spec.join(format!("{f}.textproto"))))
        .output()
        .expect("run the conformance reader");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let schema = Schema {
        name: "conformance",
        version: 1,
        roots: BTreeMap::new(),
    };
    let facts = serde_json::json!({});
    let (mut compared, mut outside) = (0, 0);
    let mut disagreements = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let case: serde_json::Value = serde_json::from_str(line).expect("a case");
        let name = [&case["file"], &case["section"], &case["name"]]
            .map(|v| v.as_str().unwrap_or_default())
            .join("/");
        let expr = case["expr"].as_str().expect("expr");
        if case["has_bindings"] == true || case["container"] == true {
            outside += 1;
            continue;
        }
        if case["eval_error"] == true {
            // An error expected: refused by the check, or failing at evaluation.
            match Clause::compile(&format!("({expr}) == ({expr})"), &schema) {
                Err(_) => compared += 1,
                Ok(clause) => {
                    compared += 1;
                    if let Ok(v) = clause.evaluate(&schema, &facts) {
                        disagreements.push(format!("{name}: `{expr}` gave {v}, the spec an error"));
                    }
                }
            }
            continue;
        }
        let Some(lit) = literal(&case["value"]) else {
            outside += 1;
            continue;
        };
        let Ok(clause) = Clause::compile(&format!("({expr}) == {lit}"), &schema) else {
            outside += 1;
            continue;
        };
        compared += 1;
        match clause.evaluate(&schema, &facts) {
            Ok(true) => {}
            Ok(false) => disagreements.push(format!("{name}: `{expr}` is not {lit}")),
            Err(e) => disagreements.push(format!(
                "{name}: `{expr}` failed ({e}), the spec says {lit}"
            )),
        }
    }
    eprintln!("CEL conformance: {compared} cases compared, {outside} outside the subset");
    for (known, why) in KNOWN {
        let before = disagreements.len();
        disagreements.retain(|d| !d.starts_with(&format!("{known}:")));
        assert!(
            disagreements.len() < before,
            "{known} no longer disagrees ({why}): remove it from KNOWN"
        );
    }
    assert!(
        disagreements.is_empty(),
        "{} of {compared} disagree with the specification:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(
        compared >= MIN_COMPARED,
        "only {compared} cases compared (at least {MIN_COMPARED} expected)"
    );
}
