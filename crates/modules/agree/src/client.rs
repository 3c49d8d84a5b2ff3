//! For the organisation's side (CLI, console, tests): the `agree.*` bodies, built without
//! I/O. A proposal without an id gets a fresh one.

use serde_json::{Value, json};

/// A fresh agreement id (`a-` and 20 hex digits).
pub fn new_agreement_id() -> String {
    let mut bytes = [0u8; 10];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("a-{hex}")
}

/// The `agree.propose` body for `proposal` (a proposal file's JSON), with an id drawn if
/// it names none.
pub fn propose(mut proposal: Value) -> Value {
    if proposal.get("agreement").is_none() {
        proposal["agreement"] = json!(new_agreement_id());
    }
    proposal
}

/// The `agree.sign` body.
pub fn sign(agreement: &str) -> Value {
    json!({"agreement": agreement})
}

/// The `agree.sign` body of amendment `number`.
pub fn sign_amendment(agreement: &str, number: u32) -> Value {
    json!({"agreement": agreement, "amendment": number})
}

/// The `agree.amend` body: amendment `number` of `agreement`, giving it new `terms` (a
/// proposal file's JSON: its id is set to the agreement's), or ending it when `terms` is
/// `None`.
pub fn amend(agreement: &str, number: u32, reason: &str, terms: Option<Value>) -> Value {
    match terms {
        Some(mut t) => {
            t["agreement"] = json!(agreement);
            json!({"agreement": agreement, "amendment": number, "reason": reason, "terms": t})
        }
        None => {
            json!({"agreement": agreement, "amendment": number, "reason": reason, "end": true})
        }
    }
}

/// The `agree.evaluate` body.
pub fn evaluate(agreement: &str, clause: &str) -> Value {
    json!({"agreement": agreement, "clause": clause})
}

/// The `agree.contest` body.
pub fn contest(agreement: &str, outcome: u64, reason: &str) -> Value {
    json!({"agreement": agreement, "outcome": outcome, "reason": reason})
}

/// The `agree.decide` body.
pub fn decide(agreement: &str, outcome: u64, uphold: bool, reason: &str) -> Value {
    json!({"agreement": agreement, "outcome": outcome, "uphold": uphold, "reason": reason})
}

/// The `agree.attest` body for outcome `seq` of `agreement`, from the outcome as the node
/// serves it (`/v1/agreements/{id}`: `clause`, `height`, `at_ms`, `facts`, `kept`,
/// `tx_id`). An error names what the outcome lacks.
pub fn attest(agreement: &str, seq: u64, outcome: &Value) -> Result<Value, String> {
    let field = |name: &str| {
        outcome
            .get(name)
            .cloned()
            .ok_or_else(|| format!("outcome {seq} has no {name}"))
    };
    let result = match outcome.get("kept") {
        Some(k) if k.get("Ok") == Some(&json!(true)) => "kept",
        Some(k) if k.get("Ok") == Some(&json!(false)) => "breached",
        Some(k) if k.get("Err").is_some() => "error",
        _ => return Err(format!("outcome {seq} has no kept")),
    };
    Ok(json!({
        "agreement": agreement,
        "outcome": seq,
        "evaluation": field("tx_id")?,
        "clause": field("clause")?,
        "height": field("height")?,
        "at_ms": field("at_ms")?,
        "facts": field("facts")?,
        "result": result,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::AgreeBody;

    #[test]
    fn the_bodies_it_builds_read_back() {
        let id = new_agreement_id();
        for (kind, body) in [
            ("agree.sign", sign(&id)),
            ("agree.evaluate", evaluate(&id, "employer-pays")),
            ("agree.contest", contest(&id, 1, "repaid in cash")),
            ("agree.decide", decide(&id, 1, false, "evidenced")),
            ("agree.sign", sign_amendment(&id, 1)),
            ("agree.amend", amend(&id, 2, "the supplier closed", None)),
        ] {
            assert!(AgreeBody::parse(kind, &body).is_ok(), "{kind}: {body}");
        }
        let outcome = json!({"clause": "employer-pays", "height": 9, "at_ms": 1000,
            "facts": "ab".repeat(32), "kept": {"Ok": false}, "tx_id": "cd".repeat(32)});
        let body = attest(&id, 0, &outcome).expect("attest");
        assert_eq!(body["result"], "breached");
        assert!(AgreeBody::parse("agree.attest", &body).is_ok(), "{body}");
        assert!(attest(&id, 0, &json!({"clause": "x"})).is_err());
        let p = propose(json!({"title": "t"}));
        assert!(p["agreement"].as_str().is_some_and(|a| a.starts_with("a-")));
        assert_eq!(
            propose(json!({"agreement": "a-00000000000000000001"}))["agreement"],
            "a-00000000000000000001"
        );
    }
}
