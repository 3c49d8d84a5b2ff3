//! The chain-of-custody proof bundle: every event of one item as the signed transaction
//! that recorded it, each with its inclusion proof in the transparency log, one checkpoint
//! cosigned by the validators, and the keys of the validators and of the organisations
//! that acted. [`verify`] checks all of it with no network and replays the events through
//! [`crate::rules::apply`], so a court or a defence expert needs nothing from us.
//!
//! What a bundle proves: these transactions were signed by these organisations, are in
//! the log the validators signed at `tree_size`, and form an unbroken chain of custody.
//! And, where the checkpoint carries a state line (every chain since the authenticated
//! state), that they are **all** the item's events up to the checkpoint: the bundle's
//! `completeness` proves the item's state — its event count and latest event — against
//! the state root the validators cosigned, so a bundle that leaves out a later event is
//! refused. A bundle whose checkpoint has no state line (saved before) proves no more than
//! its events, and the verifier says so.

use crate::body::{self, Action};
use crate::rules::{self, Item};
use serde::{Deserialize, Serialize};
use unchain_bundle::state::StateProof;
use unchain_bundle::{Entry, EntryRules, Envelope, EnvelopeError};
use unchain_log::NoteVerifier;
use unchain_types::{Hash32, Transaction};

/// The bundle format version this code writes and reads.
pub const BUNDLE_VERSION: u32 = 1;

pub use unchain_log::NamedKey;

/// One event in a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleEvent {
    /// The transaction as logged, with its inclusion proof.
    #[serde(flatten)]
    pub entry: Entry,
    /// When the chain recorded it (block time, ms), as the issuing node says: not proven
    /// by the bundle; the event's own signed `at_ms` is.
    pub recorded_ms: u64,
}

/// A self-contained chain-of-custody proof for one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyBundle {
    /// Version ([`BUNDLE_VERSION`]), chain, log, cosigned checkpoint, validator keys.
    #[serde(flatten)]
    pub envelope: Envelope,
    /// The item.
    pub item: Hash32,
    /// The organisations that signed the events, with their keys.
    pub members: Vec<NamedKey>,
    /// The item's events, oldest first.
    pub events: Vec<BundleEvent>,
    /// The proof of the item's state (`custody/item/<id>`) as of the checkpoint's state
    /// line: how many events it has and which is the latest. Required when the checkpoint
    /// carries a state line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completeness: Option<StateProof>,
}

/// The state key of an item, which a bundle's completeness proof proves.
pub fn item_state_key(item: &Hash32) -> String {
    format!("custody/item/{item}")
}

/// One verified event.
#[derive(Debug, Clone)]
pub struct VerifiedEvent {
    /// 1-based position.
    pub number: usize,
    /// What happened.
    pub action: Action,
    /// The signing organisation.
    pub member: String,
    /// The transaction.
    pub tx: Transaction,
    /// The body.
    pub event: body::Event,
    /// Its leaf index.
    pub leaf_index: u64,
    /// Block time, as the issuing node says (unproven).
    pub recorded_ms: u64,
    /// The item's state after it.
    pub after: Item,
}

/// What a verified bundle proves.
#[derive(Debug, Clone)]
pub struct VerifiedCustody {
    /// The item.
    pub item: Hash32,
    /// Chain id.
    pub chain_id: String,
    /// The log's origin.
    pub log_origin: String,
    /// The checkpoint's size.
    pub tree_size: u64,
    /// The checkpoint's root.
    pub root: Hash32,
    /// Validators whose signatures on the checkpoint verified.
    pub signers: Vec<String>,
    /// The events, in order, each verified.
    pub events: Vec<VerifiedEvent>,
    /// The block height whose state proved the events complete, or `None` for a bundle
    /// whose checkpoint carries no state line (saved before state proofs).
    pub complete_at: Option<u64>,
}

impl VerifiedCustody {
    /// The item's state after its last event.
    pub fn state(&self) -> &Item {
        &self
            .events
            .last()
            .expect("a verified bundle has events")
            .after
    }
}

/// Why a bundle does not verify: the step, and for an event, which one.
#[derive(Debug, thiserror::Error)]
pub enum CustodyError {
    /// Another format version, or a checkpoint that is malformed, not signed by enough
    /// trusted validators, or not for the bundle's log and size.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The bundle has no events.
    #[error("the bundle has no events")]
    Empty,
    /// The events are not all the item's events as of the checkpoint, or their
    /// completeness is not proven where it must be.
    #[error("completeness: {0}")]
    Incomplete(String),
    /// One event failed; `number` is 1-based, in bundle order.
    #[error("event {number}{what}: {reason}")]
    Event {
        /// Its position in the bundle, from 1.
        number: usize,
        /// ` (custody.transfer, tx …)` once known.
        what: String,
        /// What is wrong.
        reason: String,
    },
}

/// Verifies `bundle` against `validators` (requiring `quorum` valid checkpoint signatures)
/// and `members` (the keys the signing organisations must have).
pub fn verify(
    bundle: &CustodyBundle,
    validators: &[NoteVerifier],
    quorum: usize,
    members: &[NamedKey],
) -> Result<VerifiedCustody, CustodyError> {
    let opened = bundle.envelope.open(BUNDLE_VERSION, validators, quorum)?;
    if bundle.events.is_empty() {
        return Err(CustodyError::Empty);
    }
    let chain_id = &bundle.envelope.chain_id;
    let mut state: Option<Item> = None;
    let mut out: Vec<VerifiedEvent> = Vec::with_capacity(bundle.events.len());
    let rules = EntryRules {
        check_signature: true,
        in_log_order: false,
        altered: "the event was altered",
    };
    unchain_bundle::entries(
        &bundle.events,
        |e| &e.entry,
        &opened,
        chain_id,
        rules,
        |number, e, tx| {
            let leaf_index = e.entry.leaf_index;
            if let Some(prev) = out.last()
                && leaf_index <= prev.leaf_index
            {
                return Err(format!(
                    "is at leaf {leaf_index}, not after event {} at leaf {}: events are out of order",
                    prev.number, prev.leaf_index
                ));
            }
            let member = members
                .iter()
                .find(|m| m.key == *tx.sender())
                .ok_or_else(|| {
                    format!("signed by {}, which is not a known member key", tx.sender())
                })?
                .name
                .clone();
            let action =
                Action::from_kind(tx.kind()).ok_or_else(|| "is not a custody event".to_owned())?;
            let event = body::parse(action, tx.body()).map_err(|err| err.to_string())?;
            if event.item != bundle.item {
                return Err(format!(
                    "is about item {}, the bundle about {}",
                    event.item, bundle.item
                ));
            }
            let after = rules::apply(state.as_ref(), action, &event, &member, tx.id(), None)
                .map_err(|reason| match out.last() {
                    Some(prev) if event.prev != Some(prev.tx.id()) => format!(
                        "follows tx {}, but the bundle's event {} is tx {}: an event is missing or out of order ({reason})",
                        event.prev.map_or_else(|| "(none)".into(), |p| p.to_string()),
                        prev.number,
                        prev.tx.id()
                    ),
                    _ => reason.message,
                })?;
            state = Some(after.clone());
            out.push(VerifiedEvent {
                number,
                action,
                member,
                event,
                leaf_index,
                recorded_ms: e.recorded_ms,
                after,
                tx,
            });
            Ok(())
        },
    )
    .map_err(|e| CustodyError::Event {
        number: e.number,
        what: e.what,
        reason: e.reason,
    })?;
    let complete_at = check_complete(bundle, &opened.checkpoint, &out)?;
    Ok(VerifiedCustody {
        item: bundle.item,
        chain_id: chain_id.clone(),
        log_origin: bundle.envelope.log_origin.clone(),
        tree_size: opened.checkpoint.size,
        root: opened.checkpoint.root,
        signers: opened.signers,
        events: out,
        complete_at,
    })
}

/// Checks the bundle's completeness proof against the checkpoint's state line: the item's
/// proven state has exactly the bundle's events, ending at its last one. Returns the height
/// it proves at; `None` when the checkpoint has no state line (and the bundle no proof).
fn check_complete(
    bundle: &CustodyBundle,
    checkpoint: &unchain_log::Checkpoint,
    events: &[VerifiedEvent],
) -> Result<Option<u64>, CustodyError> {
    let incomplete = |why: String| CustodyError::Incomplete(why);
    let (state, proof) = match (&checkpoint.state, &bundle.completeness) {
        (None, None) => return Ok(None),
        (None, Some(_)) => {
            return Err(incomplete(
                "the bundle carries a completeness proof but its checkpoint has no state line"
                    .into(),
            ));
        }
        (Some(state), None) => {
            return Err(incomplete(format!(
                "the checkpoint vouches for the state after block {}, but the bundle carries \
                 no proof of the item's state: it cannot show that no event is missing",
                state.height
            )));
        }
        (Some(state), Some(proof)) => (state, proof),
    };
    let expected_key = item_state_key(&bundle.item);
    if proof.key != expected_key {
        return Err(incomplete(format!(
            "the proof is of `{}`, not of the item's state `{expected_key}`",
            proof.key
        )));
    }
    let value = proof
        .verify(&state.root)
        .map_err(|e| incomplete(e.to_string()))?
        .ok_or_else(|| {
            incomplete(format!(
                "the state after block {} holds no item {}",
                state.height, bundle.item
            ))
        })?;
    let item: Item = serde_json::from_slice(&value)
        .map_err(|e| incomplete(format!("the proven item state does not parse: {e}")))?;
    let last = events.last().expect("a verified bundle has events");
    if item.events as usize != events.len() || item.head != last.tx.id() {
        return Err(incomplete(format!(
            "the state after block {} (checkpoint size {}) says the item has {} events, the \
             latest tx {}; the bundle carries {}, the last tx {}: an event is missing",
            state.height,
            checkpoint.size,
            item.events,
            item.head,
            events.len(),
            last.tx.id()
        )));
    }
    Ok(Some(state.height))
}

/// The validator keys a bundle carries, as note verifiers.
pub fn carried_validators(bundle: &CustodyBundle) -> Vec<NoteVerifier> {
    bundle.envelope.carried_validators()
}

#[cfg(feature = "ledger")]
/// Builds the bundle of `item` from `ledger` against the cosigned checkpoint `checkpoint`
/// (note text) of size `tree_size`, which must cover the item's latest event. `None` if
/// the item was never collected.
pub fn build(
    ledger: &unchain_ledger::Ledger,
    item: &Hash32,
    checkpoint: String,
    tree_size: u64,
) -> Result<Option<CustodyBundle>, unchain_ledger::LedgerError> {
    let mut events = crate::events(&ledger.state_reader()?, item)?;
    if events.is_empty() {
        return Ok(None);
    }
    // The item's state as of the checkpoint's state line: its event count there. Events
    // only ever append, so the first that many of today's events are the checkpoint's
    // (a later event, committed after the checkpoint was chosen, is left out).
    let state_line = unchain_log::SignedNote::parse(&checkpoint)
        .and_then(|n| unchain_log::Checkpoint::parse_body(&n.body))
        .map_err(|e| unchain_ledger::LedgerError::Log(format!("the checkpoint: {e}")))?
        .state;
    let completeness = match state_line {
        None => None,
        Some(state) => {
            let proof = ledger
                .state_proofs_at(state.height, &[item_state_key(item)])?
                .remove(0);
            if let Some(value) = proof.value.as_ref().and_then(|v| v.bytes().ok()) {
                let at_checkpoint: Item = serde_json::from_slice(&value)
                    .expect("item state is JSON written by execution");
                events.truncate(at_checkpoint.events as usize);
            }
            Some(proof)
        }
    };
    let all_members = ledger.members()?;
    let mut members: Vec<NamedKey> = Vec::new();
    let mut out = Vec::with_capacity(events.len());
    for e in &events {
        assert!(
            e.log_index < tree_size,
            "the checkpoint must cover the item's latest event"
        );
        let leaf = ledger
            .leaf(e.log_index)?
            .expect("a committed event's leaf is in the log");
        if !members.iter().any(|m| m.name == e.member)
            && let Some(m) = all_members.iter().find(|m| m.name == e.member)
        {
            members.push(NamedKey {
                name: m.name.clone(),
                key: m.signing_key,
            });
        }
        out.push(BundleEvent {
            entry: Entry {
                leaf_index: e.log_index,
                leaf: String::from_utf8(leaf).expect("leaves are JCS JSON"),
                proof: ledger.inclusion_proof(e.log_index, tree_size)?,
            },
            recorded_ms: e.recorded_ms,
        });
    }
    Ok(Some(CustodyBundle {
        envelope: ledger.bundle_envelope(BUNDLE_VERSION, checkpoint, tree_size)?,
        item: *item,
        members,
        events: out,
        completeness,
    }))
}
