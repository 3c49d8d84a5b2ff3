//! A clause as a party proposes it: any text through the CEL parser (with its nesting
//! limit), the type check and the cost bound, and a clause that passes evaluated over
//! facts. Neither compiling nor evaluating ever panics or overflows the stack.

use serde_json::json;
use unchain_agree::Clause;

/// One input.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let schema = unchain_agree::schema::version(1).expect("schema version 1");
    let Ok(clause) = Clause::compile(text, &schema) else {
        return;
    };
    let facts = json!({
        "now": 1_780_000_000_000_i64, "height": 7, "today": "2026-05-28",
        "parties": [{"id": "qa-doha-build", "country": "QA", "facilities": ["f1"]}],
        "supply": {"facilities": [], "findings": [{"id": "x", "facility": "f1", "indicator": "debt_bondage",
            "severity": "high", "status": "open", "opened_ms": 1, "remediated_ms": 0}], "audits": []},
        "recruit": {"fees": [{"recruiter": "r", "worker": "w", "amount": 9_223_372_036_854_775_807_i64,
            "currency": "NPR", "owed": -1, "status": "owed"}], "wage_findings": [],
            "passports_held": [], "voice": []}
    });
    let _ = clause.evaluate(&schema, &facts);
}
