//! The clause language against another CEL implementation: cel-python (`celpy`, from PyPI,
//! in the project's Python environment). Every case is evaluated by the `cel` crate as the
//! ledger runs it and by celpy; both must answer the same bool, or both refuse.
//!
//! The cases are the templates' clauses over facts that keep and break them, the
//! language's edge cases (integer division and remainder of negatives, overflow, division
//! by zero, errors absorbed by `&&` and `||`, strings beyond ASCII, out-of-range indexes),
//! and 600 arithmetic and logic expressions drawn from a fixed seed.
// The test reads where Python is, and how many cases to draw, from the environment: the
// modules' rule against reading it is for ledger execution, which this is not.
#![allow(clippy::disallowed_methods)]

use serde_json::{Value, json};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use unchain_agree::Clause;

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("UNCHAIN_PYTHON") {
        return p.into();
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../.venv/bin/python");
    assert!(
        venv.exists(),
        "no Python environment at {}: run `bash .ci/run` (or `python3 -m venv .venv && .venv/bin/pip install -r tests/python/requirements.txt`)",
        venv.display()
    );
    venv
}

fn facts() -> Value {
    json!({
        "now": 1_780_000_000_000_i64, "height": 1200, "today": "2026-05-28",
        "parties": [
            {"id": "qa-doha-build", "country": "QA", "facilities": ["urn:epc:id:sgln:4012345.00077.0"]},
            {"id": "np-himalaya-manpower", "country": "NP", "facilities": []}],
        "supply": {"facilities": [], "findings": [
            {"id": "f1", "facility": "urn:epc:id:sgln:4012345.00077.0", "indicator": "debt_bondage",
             "severity": "high", "status": "open", "opened_ms": 1_777_000_000_000_i64, "remediated_ms": 0}],
            "audits": [{"facility": "urn:epc:id:sgln:4012345.00077.0", "auditor": "gb-audit", "at_ms": 1_760_000_000_000_i64}]},
        "recruit": {"fees": [
            {"recruiter": "np-himalaya-manpower", "worker": "w-5e1a77c0aa", "amount": 15000000,
             "currency": "NPR", "owed": 5000000, "status": "owed"}],
            "wage_findings": [], "passports_held": [],
            "voice": [{"employer": "qa-doha-build", "month": "2026-03", "kind": "survey", "count": 12,
                "escalated": 0, "indicators": [{"indicator": "withholding_of_wages", "count": 6}]}]}
    })
}

const FIXED: &[&str] = &[
    // The templates.
    "recruit.fees.all(f, f.owed == 0)",
    r#"supply.findings.all(f, f.status != "open" || now - f.opened_ms <= 30 * 86400000)"#,
    r#"supply.findings.all(f, f.status != "open" || now - f.opened_ms <= 60 * 86400000)"#,
    "size(recruit.passports_held) == 0",
    r#"supply.audits.exists(a, a.facility == "urn:epc:id:sgln:4012345.00077.0" && now - a.at_ms <= 365 * 86400000)"#,
    r#"recruit.voice.all(m, m.indicators.all(i, i.indicator != "withholding_of_wages" || i.count * 2 < m.count))"#,
    r#"!recruit.wage_findings.exists(w, w.kind in ["late", "withheld"])"#,
    // Macros and lists.
    r#"parties.filter(p, p.country == "QA").map(p, p.id) == ["qa-doha-build"]"#,
    r#"parties.exists_one(p, p.id.startsWith("qa-"))"#,
    r#"parties.map(p, size(p.facilities)) == [1, 0]"#,
    r#""NP" in parties.map(p, p.country)"#,
    "[1, 2, 3] + [4] == [1, 2, 3, 4]",
    "size([]) == 0",
    "parties[1].id == \"np-himalaya-manpower\"",
    "parties[2].id == \"x\"",
    "has(parties[0].id)",
    // Integers: truncating division and remainder, overflow, division by zero.
    "-7 / 2 == -3",
    "-7 % 2 == -1",
    "7 % -2 == 1",
    "1 / 0 == 0",
    "5 % 0 == 0",
    "9223372036854775807 + 1 > 0",
    "-9223372036854775807 - 2 < 0",
    "(-9223372036854775807 - 1) / -1 > 0",
    "(-9223372036854775807 - 1) % -1 == 0",
    "3037000500 * 3037000500 > 0",
    // Errors and the logical operators.
    "false && 1 / 0 == 0",
    "1 / 0 == 0 && false",
    "true || 1 / 0 == 0",
    "1 / 0 == 0 || true",
    "1 / 0 == 0 || false",
    "(1 / 0 == 0 ? true : false) || true",
    "true ? true : 1 / 0 == 0",
    // Strings beyond ASCII.
    r#"size("नेपाल") == 5"#,
    r#""مرحبا".startsWith("مر")"#,
    r#""é" > "z""#,
    r#""Z" < "a""#,
    r#""ab" + "cd" == "abcd""#,
    r#""qa-doha-build".contains("doha")"#,
    r#"today.endsWith("-28") && today < "2026-06-01""#,
];

/// A seeded generator (SplitMix64): the same cases on every run and every machine.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn int(&mut self, depth: u32) -> String {
        if depth == 0 || self.pick(3) == 0 {
            return match self.pick(6) {
                0 => "9223372036854775807".into(),
                1 => "(-9223372036854775807 - 1)".into(),
                2 => "now".into(),
                3 => "recruit.fees[0].owed".into(),
                _ => {
                    let v = self.pick(41) as i64 - 20;
                    if v < 0 {
                        format!("({v})")
                    } else {
                        v.to_string()
                    }
                }
            };
        }
        let op = ["+", "-", "*", "/", "%"][self.pick(5) as usize];
        let (a, b) = (self.int(depth - 1), self.int(depth - 1));
        format!("({a} {op} {b})")
    }

    fn bool(&mut self, depth: u32) -> String {
        if depth == 0 || self.pick(3) == 0 {
            let cmp = ["==", "!=", "<", "<=", ">", ">="][self.pick(6) as usize];
            let (a, b) = (self.int(2), self.int(2));
            return format!("{a} {cmp} {b}");
        }
        match self.pick(4) {
            0 => format!("!({})", self.bool(depth - 1)),
            1 => format!(
                "({} ? {} : {})",
                self.bool(depth - 1),
                self.bool(depth - 1),
                self.bool(depth - 1)
            ),
            2 => format!("({} && {})", self.bool(depth - 1), self.bool(depth - 1)),
            _ => format!("({} || {})", self.bool(depth - 1), self.bool(depth - 1)),
        }
    }
}

/// What the ledger's evaluation answers: the bool, or "error".
fn ours(source: &str, facts: &Value) -> Value {
    let schema = unchain_agree::schema::version(1).expect("schema version 1");
    let clause = Clause::compile(source, &schema).unwrap_or_else(|e| panic!("{source}: {e}"));
    match clause.evaluate(&schema, facts) {
        Ok(b) => json!(b),
        Err(_) => json!("error"),
    }
}

fn theirs(cases: &[(String, Value)]) -> Vec<Value> {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../tests/python/cel_differential.py");
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start Python");
    let input: Vec<Value> = cases
        .iter()
        .map(|(s, f)| json!({"source": s, "facts": f}))
        .collect();
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(serde_json::to_string(&input).expect("json").as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("celpy");
    assert!(out.status.success(), "celpy failed");
    let answers: Vec<Value> = serde_json::from_slice(&out.stdout).expect("celpy's JSON");
    answers
        .into_iter()
        .map(|a| if a.is_boolean() { a } else { json!("error") })
        .collect()
}

#[test]
fn the_clause_language_answers_as_cel_python_does() {
    let facts = facts();
    let mut cases: Vec<(String, Value)> = FIXED
        .iter()
        .map(|s| ((*s).to_owned(), facts.clone()))
        .collect();
    // More, and another seed, for a longer search: UNCHAIN_CEL_CASES=N UNCHAIN_CEL_SEED=S.
    let n: usize = std::env::var("UNCHAIN_CEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let seed: u64 = std::env::var("UNCHAIN_CEL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x756e_6368_6169_6e21);
    let mut g = Gen(seed);
    for _ in 0..n {
        let depth = 1 + g.pick(3) as u32;
        cases.push((g.bool(depth), facts.clone()));
    }
    let expected = theirs(&cases);
    assert_eq!(expected.len(), cases.len());
    let mut differ = Vec::new();
    let mut answered = [0usize; 3];
    for ((source, f), theirs) in cases.iter().zip(&expected) {
        let ours = ours(source, f);
        match ours.as_bool() {
            Some(true) => answered[0] += 1,
            Some(false) => answered[1] += 1,
            None => answered[2] += 1,
        }
        if ours != *theirs {
            differ.push(format!("{source}: ours {ours}, celpy {theirs}"));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} cases differ:\n{}",
        differ.len(),
        cases.len(),
        differ.join("\n")
    );
    // The cases exercise all three answers, not one.
    assert!(answered.iter().all(|n| *n > 50), "{answered:?}");
}
