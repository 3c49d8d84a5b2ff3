//! The chain-of-custody rules, as one pure function: the ledger executes them, and the
//! offline verifier replays a bundle through exactly the same code, so a court sees the
//! very refusal the ledger would have given.

use crate::body::{Action, Event, EvidenceKind};
use serde::{Deserialize, Serialize};
use unchain_types::{Code, Hash32, Refusal, TxId};

/// How far ahead of the block's time an event's `at_ms` may be (clock skew).
pub const MAX_FUTURE_MS: u64 = 5 * 60 * 1000;

/// Who holds an item: an organisation and one of its users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The member organisation.
    pub member: String,
    /// The user inside it (pseudonymous id).
    pub actor: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (user {})", self.member, self.actor)
    }
}

/// A hand-over the giver signed and the receiver has not yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The receiving organisation.
    pub to: String,
    /// The receiving user, when named.
    pub to_actor: Option<String>,
    /// The `custody.transfer` transaction.
    pub transfer: TxId,
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// With its holder.
    Held,
    /// Handed over, waiting for the receiver's signature.
    InTransit,
    /// Returned to its owner: out of custody for good.
    Returned,
    /// Destroyed.
    Destroyed,
}

/// An evidence item's custody state after its latest event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The item id.
    pub item: Hash32,
    /// The case it belongs to.
    pub case: Option<String>,
    /// Physical or digital.
    pub evidence: EvidenceKind,
    /// SHA-256 of the evidence or of its photograph.
    pub content_hash: Hash32,
    /// What it is.
    pub description: String,
    /// Who collected it.
    pub collected_by: Holder,
    /// Who holds it now (the giver, while a hand-over is pending).
    pub holder: Holder,
    /// A hand-over waiting for the receiver.
    pub pending: Option<Pending>,
    /// Where it stands.
    pub status: Status,
    /// The transaction id of its latest event.
    pub head: TxId,
    /// How many events it has.
    pub events: u32,
    /// The stated time of its latest event.
    pub last_at_ms: u64,
}

/// Applies one event to an item's state (`None` before collection). `sender` is the signing
/// member; `now_ms` is the block's time, or `None` when replaying offline.
///
/// Returns the new state, or why the event breaks the chain of custody.
pub fn apply(
    item: Option<&Item>,
    action: Action,
    event: &Event,
    sender: &str,
    tx_id: TxId,
    now_ms: Option<u64>,
) -> Result<Item, Refusal> {
    if let Some(now) = now_ms
        && event.at_ms > now.saturating_add(MAX_FUTURE_MS)
    {
        return Err(Refusal::new(
            Code::SignedTime,
            format!(
                "at_ms {} is more than 5 minutes after the block's time {now}: an event cannot be recorded before it happens",
                event.at_ms
            ),
        ));
    }
    let actor = Holder {
        member: sender.to_owned(),
        actor: event.actor.clone(),
    };
    let Some(item) = item else {
        if action != Action::Collect {
            return Err(Refusal::new(
                Code::NotFound,
                format!(
                    "item {} has no custody record: its first event must be custody.collect",
                    event.item
                ),
            ));
        }
        return Ok(Item {
            item: event.item,
            case: event.case.clone(),
            evidence: event.evidence.expect("collect bodies carry evidence"),
            content_hash: event
                .content_hash
                .expect("collect bodies carry content_hash"),
            description: event.description.clone().unwrap_or_default(),
            collected_by: actor.clone(),
            holder: actor,
            pending: None,
            status: Status::Held,
            head: tx_id,
            events: 1,
            last_at_ms: event.at_ms,
        });
    };
    let id = item.item;
    if action == Action::Collect {
        return Err(Refusal::new(
            Code::AlreadyExists,
            format!(
                "item {id} was already collected by {}: one item has one custody chain",
                item.collected_by
            ),
        ));
    }
    match item.status {
        Status::Destroyed => {
            return Err(Refusal::new(
                Code::Erased,
                format!(
                    "item {id} was destroyed (event {}): nothing can happen to it after destruction",
                    item.head
                ),
            ));
        }
        Status::Returned => {
            return Err(Refusal::new(
                Code::BadTransition,
                format!(
                    "item {id} was returned to its owner (event {}) and is out of custody",
                    item.head
                ),
            ));
        }
        Status::Held | Status::InTransit => {}
    }
    if event.prev != Some(item.head) {
        return Err(Refusal::new(
            Code::StalePrev,
            format!(
                "prev is {}, but item {id}'s latest event is {}: an event is missing or out of order",
                event
                    .prev
                    .map_or_else(|| "absent".into(), |p| p.to_string()),
                item.head
            ),
        ));
    }
    if event.at_ms < item.last_at_ms {
        return Err(Refusal::new(
            Code::SignedTime,
            format!(
                "at_ms {} is before the item's previous event ({}): custody events happen in order",
                event.at_ms, item.last_at_ms
            ),
        ));
    }
    let mut next = item.clone();
    next.head = tx_id;
    next.events += 1;
    next.last_at_ms = event.at_ms;
    match (item.status, &item.pending, action) {
        (Status::InTransit, Some(p), Action::Receive) => {
            if sender != p.to {
                return Err(Refusal::new(
                    Code::NotHolder,
                    format!(
                        "item {id} is being handed over to {}, not to {sender}: only the receiver signs its receipt",
                        p.to
                    ),
                ));
            }
            if let Some(want) = &p.to_actor
                && *want != event.actor
            {
                return Err(Refusal::new(
                    Code::NotHolder,
                    format!(
                        "item {id} is being handed over to user {want} of {}, not user {}",
                        p.to, event.actor
                    ),
                ));
            }
            next.holder = actor;
            next.pending = None;
            next.status = Status::Held;
        }
        (Status::InTransit, Some(p), Action::Cancel) => {
            if sender != p.to && sender != item.holder.member {
                return Err(Refusal::new(
                    Code::NotHolder,
                    format!(
                        "only {} (giver) or {} (receiver) can cancel the hand-over of item {id}",
                        item.holder.member, p.to
                    ),
                ));
            }
            next.pending = None;
            next.status = Status::Held;
        }
        (Status::InTransit, Some(p), _) => {
            return Err(Refusal::new(
                Code::BadTransition,
                format!(
                    "item {id} is being handed over from {} to {}: until {} signs its receipt, only receive or cancel are possible",
                    item.holder.member, p.to, p.to
                ),
            ));
        }
        (_, _, Action::Receive | Action::Cancel) => {
            return Err(Refusal::new(
                Code::BadTransition,
                format!("item {id} has no pending hand-over"),
            ));
        }
        (_, _, action) => {
            if sender != item.holder.member {
                return Err(Refusal::new(
                    Code::NotHolder,
                    format!("{sender} does not hold item {id}; {} does", item.holder),
                ));
            }
            if event.actor != item.holder.actor {
                return Err(Refusal::new(
                    Code::NotHolder,
                    format!(
                        "user {} of {sender} does not hold item {id}; user {} does: hand it over first",
                        event.actor, item.holder.actor
                    ),
                ));
            }
            match action {
                Action::Transfer => {
                    let to = event.to.clone().expect("transfer bodies carry to");
                    if to == sender {
                        match &event.to_actor {
                            None => {
                                return Err(Refusal::new(
                                    Code::BadTransition,
                                    "to_actor is required for a hand-over inside one organisation",
                                ));
                            }
                            Some(a) if *a == event.actor => {
                                return Err(Refusal::new(
                                    Code::BadTransition,
                                    format!(
                                        "user {a} already holds item {id}: a hand-over needs another holder"
                                    ),
                                ));
                            }
                            Some(_) => {}
                        }
                    }
                    next.pending = Some(Pending {
                        to,
                        to_actor: event.to_actor.clone(),
                        transfer: tx_id,
                    });
                    next.status = Status::InTransit;
                }
                Action::Return => next.status = Status::Returned,
                Action::Destroy => next.status = Status::Destroyed,
                Action::Analyse | Action::Seal | Action::Present => {}
                Action::Collect | Action::Receive | Action::Cancel => {
                    unreachable!("handled above")
                }
            }
        }
    }
    Ok(next)
}
