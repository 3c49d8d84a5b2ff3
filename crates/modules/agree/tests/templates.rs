//! The templates a user starts from (`templates/agreements/`): each is a valid proposal
//! once its party names are filled in, and each clause is kept by facts that keep it and
//! broken by one fact that breaks it.

use serde_json::{Value, json};
use std::path::PathBuf;
use unchain_agree::Clause;
use unchain_agree::body::AgreeBody;

const DAY: i64 = 86_400_000;
const NOW: i64 = 1_780_000_000_000;

fn template(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../templates/agreements")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut v: Value = serde_json::from_str(&text).expect("a template is JSON");
    v["agreement"] = json!("a-00000000000000000001");
    v
}

fn facts() -> Value {
    json!({
        "now": NOW, "height": 1200, "today": "2026-05-28",
        "parties": [{"id": "brand", "country": "GB", "facilities": []},
                    {"id": "supplier", "country": "TH", "facilities": ["f1"]}],
        "supply": {"facilities": [{"id": "f1", "registrant": "supplier", "country": "TH", "last_audit_ms": NOW - 100 * DAY}],
                   "findings": [], "audits": []},
        "recruit": {"fees": [], "wage_findings": [], "passports_held": [], "voice": []}
    })
}

/// The template's one clause: kept over `facts()`, broken once `breach` is applied.
fn kept_then_broken(name: &str, breach: impl Fn(&mut Value)) {
    let proposal = template(name);
    assert!(
        AgreeBody::parse("agree.propose", &proposal).is_ok(),
        "{name}: {:?}",
        AgreeBody::parse("agree.propose", &proposal).err()
    );
    let schema = unchain_agree::schema::current();
    let cel = proposal["clauses"][0]["cel"].as_str().expect("a clause");
    let clause = Clause::compile(cel, &schema).expect("compiles");
    let mut f = facts();
    assert_eq!(clause.evaluate(&schema, &f), Ok(true), "{name} kept");
    breach(&mut f);
    assert_eq!(clause.evaluate(&schema, &f), Ok(false), "{name} broken");
}

#[test]
fn employer_pays() {
    kept_then_broken("employer-pays", |f| {
        f["recruit"]["fees"] = json!([{"recruiter": "recruiter", "worker": "w-1", "amount": 1000,
            "currency": "NPR", "owed": 1000, "status": "owed"}]);
    });
}

#[test]
fn remediation_within_thirty_days() {
    kept_then_broken("remediation", |f| {
        f["supply"]["findings"] = json!([{"id": "x", "facility": "f1", "indicator": "debt_bondage",
            "severity": "high", "status": "open", "opened_ms": NOW - 31 * DAY, "remediated_ms": 0}]);
    });
}

#[test]
fn annual_audit() {
    kept_then_broken("annual-audit", |f| {
        f["supply"]["facilities"][0]["last_audit_ms"] = json!(NOW - 366 * DAY);
    });
}

#[test]
fn no_passports() {
    kept_then_broken("no-passports", |f| {
        f["recruit"]["passports_held"] = json!([{"employer": "employer", "worker": "w-1"}]);
    });
}

#[test]
fn wages_in_full() {
    kept_then_broken("wages-in-full", |f| {
        f["recruit"]["wage_findings"] = json!([{"employer": "employer", "worker": "w-1",
            "month": "2026-03", "kind": "underpaid", "paid_on": "2026-04-02"}]);
    });
}
