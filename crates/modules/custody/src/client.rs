//! For the organisation's side (CLI, console, tests): custody bodies built from the body
//! type, so that what a client sends is what the ledger parses. No I/O.

use crate::body::{Event, EvidenceKind};
use crate::rules::Item;
use serde_json::Value;
use unchain_types::Hash32;

/// Where, when, why and by whom an event happened.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    /// The acting user.
    pub actor: &'a str,
    /// When it happened, ms since the Unix epoch.
    pub at_ms: u64,
    /// Where.
    pub location: &'a str,
    /// Why (public; no personal data).
    pub reason: &'a str,
}

fn event(item: Hash32, at: At<'_>) -> Event {
    Event {
        item,
        prev: None,
        actor: at.actor.to_owned(),
        at_ms: at.at_ms,
        location: at.location.to_owned(),
        reason: at.reason.to_owned(),
        case: None,
        evidence: None,
        content_hash: None,
        description: None,
        to: None,
        to_actor: None,
        method: None,
        result_hash: None,
        seal_number: None,
        court: None,
        proceeding: None,
        returned_to: None,
    }
}

fn json(e: &Event) -> Value {
    serde_json::to_value(e).expect("custody bodies serialise")
}

/// The `custody.collect` body of a new item: what it is, its content's SHA-256, a public
/// description, the case it belongs to.
pub fn collect(
    item: Hash32,
    at: At<'_>,
    evidence: EvidenceKind,
    content_hash: Hash32,
    description: &str,
    case: Option<&str>,
) -> Value {
    json(&Event {
        evidence: Some(evidence),
        content_hash: Some(content_hash),
        description: Some(description.to_owned()),
        case: case.map(str::to_owned),
        ..event(item, at)
    })
}

/// The fields every later event of `item` carries — the item, its latest event as `prev`,
/// who, when, where and why — to which the caller adds those of its action (`to`,
/// `method`, …).
pub fn next_event(item: &Item, at: At<'_>) -> Value {
    json(&Event {
        prev: Some(item.head),
        ..event(item.item, at)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::{Action, parse};
    use unchain_types::TxId;

    #[test]
    fn what_a_client_builds_is_what_the_ledger_parses() {
        let at = At {
            actor: "u-1",
            at_ms: 1_700_000_000_000,
            location: "Evidence room 3",
            reason: "seized at the port",
        };
        let c = collect(
            Hash32([1; 32]),
            at,
            EvidenceKind::Physical,
            Hash32([2; 32]),
            "phone",
            Some("TH-1"),
        );
        let parsed = parse(Action::Collect, &c).expect("a collection parses");
        assert_eq!(serde_json::to_value(&parsed).expect("json"), c);

        let mut item = crate::rules::apply(
            None,
            Action::Collect,
            &parsed,
            "th",
            TxId(Hash32([3; 32])),
            None,
        )
        .expect("collected");
        item.head = TxId(Hash32([4; 32]));
        let mut s = next_event(&item, at);
        s["seal_number"] = "EV-1".into();
        let parsed = parse(Action::Seal, &s).expect("a seal parses");
        assert_eq!(parsed.prev, Some(item.head));
        assert_eq!(parsed.item, item.item);
    }
}
