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

/// Facts of schema `version` that keep every template's clause.
fn facts(version: u64) -> Value {
    let mut f = json!({
        "now": NOW, "height": 1200, "today": "2026-05-28",
        "parties": [{"id": "brand", "country": "GB", "facilities": []},
                    {"id": "supplier", "country": "TH", "facilities": ["f1"]}],
        "supply": {"facilities": [{"id": "f1", "registrant": "supplier", "country": "TH", "last_audit_ms": NOW - 100 * DAY}],
                   "findings": [], "audits": []},
        "recruit": {"fees": [], "wage_findings": [], "passports_held": [], "voice": []}
    });
    if version >= 2 {
        // A record the owner shared, its case closed ten days ago and the record not erased
        // yet: still within the 30 days.
        f["vault"] = json!({"shared": [{"record": "11".repeat(32), "owner": "owner",
            "recipient": "recipient", "schema": "htcds.person", "granted_ms": NOW - 90 * DAY,
            "revoked": false, "erased": false, "erased_ms": 0, "case": "c-1",
            "case_status": "closed", "case_closed_ms": NOW - 10 * DAY}]});
    }
    f
}

/// The template's one clause: kept over `facts()`, broken once `breach` is applied.
fn kept_then_broken(name: &str, breach: impl Fn(&mut Value)) {
    let proposal = template(name);
    assert!(
        AgreeBody::parse("agree.propose", &proposal).is_ok(),
        "{name}: {:?}",
        AgreeBody::parse("agree.propose", &proposal).err()
    );
    let version = proposal["schema"].as_u64().expect("a schema version");
    let schema = unchain_agree::schema::version(version as u32).expect("a published version");
    let cel = proposal["clauses"][0]["cel"].as_str().expect("a clause");
    let clause = Clause::compile(cel, &schema).expect("compiles");
    let mut f = facts(version);
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

#[test]
fn data_sharing_erased_within_thirty_days_of_the_case_closing() {
    kept_then_broken("data-sharing", |f| {
        f["vault"]["shared"][0]["case_closed_ms"] = json!(NOW - 31 * DAY);
    });
    // Erased, or its case reopened, the record keeps the clause again.
    let proposal = template("data-sharing");
    let schema = unchain_agree::schema::version(2).expect("v2");
    let cel = proposal["clauses"][0]["cel"].as_str().expect("a clause");
    let clause = Clause::compile(cel, &schema).expect("compiles");
    for (field, value) in [("erased", json!(true)), ("case_status", json!("active"))] {
        let mut f = facts(2);
        f["vault"]["shared"][0]["case_closed_ms"] = json!(NOW - 31 * DAY);
        f["vault"]["shared"][0][field] = value;
        assert_eq!(clause.evaluate(&schema, &f), Ok(true), "{field}");
    }
    // A version 1 agreement cannot read the shared records.
    let v1 = unchain_agree::schema::version(1).expect("v1");
    let e = Clause::compile(cel, &v1).expect_err("v1 has no vault facts");
    assert!(e.to_string().contains("vault"), "{e}");
}
