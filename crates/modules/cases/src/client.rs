//! For the organisation's side (CLI, console, tests): the `cases.*` bodies, built from the
//! body types so that what a client sends is what the ledger parses. No I/O.

use crate::body::{Open, Refer, Transition, Update};
use crate::workflow::CaseKind;
use serde_json::Value;
use unchain_types::Hash32;

fn json<T: serde::Serialize>(body: &T) -> Value {
    serde_json::to_value(body).expect("cases bodies serialise")
}

/// `cases.open`: case `case` of `kind` over the sender's sealed `record`, following
/// `parent` if given.
pub fn open(
    case: &str,
    kind: CaseKind,
    record: Hash32,
    parent: Option<&str>,
    actor: &str,
) -> Value {
    json(&Open {
        case: case.to_owned(),
        kind,
        record,
        actor: actor.to_owned(),
        parent: parent.map(str::to_owned),
    })
}

/// `cases.transition`: from the status the sender saw to `to`, with an outcome where
/// closing takes one and a public reason.
pub fn transition(
    case: &str,
    from: &str,
    to: &str,
    outcome: Option<&str>,
    reason: Option<&str>,
    actor: &str,
) -> Value {
    json(&Transition {
        case: case.to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
        actor: actor.to_owned(),
        outcome: outcome.map(str::to_owned),
        reason: reason.map(str::to_owned),
    })
}

/// `cases.refer`: to agency `to`, for an HTCDS referral `reason`.
pub fn refer(case: &str, to: &str, reason: &str, actor: &str) -> Value {
    json(&Refer {
        case: case.to_owned(),
        to: to.to_owned(),
        reason: reason.to_owned(),
        actor: actor.to_owned(),
    })
}

/// `cases.update`: point the case at its record's newer `version`.
pub fn update(case: &str, version: u32, actor: &str) -> Value {
    json(&Update {
        case: case.to_owned(),
        version,
        actor: actor.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_client_builds_is_what_the_ledger_parses() {
        let record = Hash32([5; 32]);
        let bodies = [
            (
                "cases.open",
                open("TH-1", CaseKind::Investigation, record, Some("TH-0"), "u-1"),
            ),
            (
                "cases.transition",
                transition("TH-1", "open", "active", None, Some("ok"), "u-1"),
            ),
            (
                "cases.refer",
                refer("TH-1", "ph", "MigrationOrChangeOfLocation", "u-1"),
            ),
            ("cases.update", update("TH-1", 2, "u-1")),
        ];
        for (kind, body) in bodies {
            let parsed = crate::parse(kind, &body).expect(kind);
            assert_eq!(serde_json::to_value(&parsed).expect("json"), body, "{kind}");
        }
        assert!(crate::parse("cases.refer", &refer("TH-1", "ph", "Gossip", "u-1")).is_err());
    }
}
