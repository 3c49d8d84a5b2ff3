//! How long one height takes to evaluate 10 000 agreements' clauses, over facts as large
//! as a busy consortium's: 1 000 fees, 1 000 findings, 1 000 facilities. Each clause is
//! compiled once (as a node keeps them) and evaluated once; the facts are checked and
//! converted once for the height and read by every agreement.
//!
//!   cargo run --release -p unchain-agree --example evaluate_many [N]
// A benchmark reads the clock; ledger execution, which the modules' rule is for, does not.
#![allow(clippy::disallowed_methods)]

use serde_json::{Value, json};
use std::time::Instant;
use unchain_agree::{Clause, Facts};

fn facts(n: usize) -> Value {
    let now = 1_780_000_000_000_i64;
    let fees: Vec<Value> = (0..n)
        .map(|i| json!({"recruiter": format!("r-{}", i % 50), "worker": format!("w-{i:08}"),
            "amount": 1_500_000 + i as i64, "currency": "NPR", "owed": (i % 7 == 0) as i64, "status": "owed"}))
        .collect();
    let findings: Vec<Value> = (0..n)
        .map(|i| json!({"id": format!("f{i}"), "facility": format!("fac-{}", i % 100), "indicator": "debt_bondage",
            "severity": "high", "status": if i % 3 == 0 { "open" } else { "remediated" },
            "opened_ms": now - (i as i64 % 60) * 86_400_000, "remediated_ms": 0}))
        .collect();
    let facilities: Vec<Value> = (0..n)
        .map(|i| {
            json!({"id": format!("fac-{i}"), "registrant": "supplier", "country": "TH",
            "last_audit_ms": now - (i as i64 % 400) * 86_400_000})
        })
        .collect();
    json!({
        "now": now, "height": 1200, "today": "2026-05-28",
        "parties": [{"id": "brand", "country": "GB", "facilities": []}],
        "supply": {"facilities": facilities, "findings": findings, "audits": []},
        "recruit": {"fees": fees, "wage_findings": [], "passports_held": [], "voice": []}
    })
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let schema = unchain_agree::schema::version(1).expect("schema version 1");
    let sources = [
        "recruit.fees.all(f, f.owed == 0)",
        r#"supply.findings.all(f, f.status != "open" || now - f.opened_ms <= 30 * 86400000)"#,
        r#"supply.facilities.all(f, f.registrant != "supplier" || now - f.last_audit_ms <= 365 * 86400000)"#,
        "size(recruit.passports_held) == 0",
    ];
    let t = Instant::now();
    let clauses: Vec<Clause> = (0..n)
        .map(|i| Clause::compile(sources[i % sources.len()], &schema).expect("compiles"))
        .collect();
    let compiled = t.elapsed();
    let facts = facts(1_000);
    let t = Instant::now();
    // The facts are checked and converted once per height; every agreement reads them.
    let prepared = Facts::prepare(&schema, &facts).expect("facts fit the schema");
    let mut breached = 0;
    for c in &clauses {
        if c.evaluate_prepared(&prepared) == Ok(false) {
            breached += 1;
        }
    }
    let evaluated = t.elapsed();
    println!(
        "{n} agreements: compiled in {:.2} s ({:.0} µs each); evaluated at one height in {:.2} s ({:.0} µs each, {breached} breached), facts of 1 000 fees, findings and facilities",
        compiled.as_secs_f64(),
        compiled.as_secs_f64() * 1e6 / n as f64,
        evaluated.as_secs_f64(),
        evaluated.as_secs_f64() * 1e6 / n as f64,
    );
}
