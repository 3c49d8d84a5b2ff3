//! The chain-of-custody proof bundle: every event of one item as the signed transaction
//! that recorded it, each with its inclusion proof in the transparency log, one checkpoint
//! cosigned by the validators, and the keys of the validators and of the organisations
//! that acted. [`verify`] checks all of it with no network and replays the events through
//! [`crate::rules::apply`], so a court or a defence expert needs nothing from us.
//!
//! What a bundle proves: these transactions were signed by these organisations, are in
//! the log the validators signed at `tree_size`, and form an unbroken chain of custody.
//! What it cannot prove on its own: that no later event exists after the checkpoint.

use crate::body::{self, Action};
use crate::rules::{self, Item};
use serde::{Deserialize, Serialize};
use unchain_ledger::logged::{LoggedProblem, check_logged};
use unchain_log::{CheckpointError, NoteVerifier, verify_checkpoint_for};
use unchain_types::{Hash32, Transaction};

/// The bundle format version this code writes and reads.
pub const BUNDLE_VERSION: u32 = 1;

pub use unchain_log::NamedKey;

/// One event in a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleEvent {
    /// Its leaf index in the log.
    pub leaf_index: u64,
    /// The transaction exactly as logged (its JCS bytes as a string).
    pub leaf: String,
    /// RFC 9162 inclusion proof, leaf to root, against the bundle's checkpoint.
    pub proof: Vec<Hash32>,
    /// When the chain recorded it (block time, ms), as the issuing node says: not proven
    /// by the bundle; the event's own signed `at_ms` is.
    pub recorded_ms: u64,
}

/// A self-contained chain-of-custody proof for one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyBundle {
    /// Format version ([`BUNDLE_VERSION`]).
    pub version: u32,
    /// Chain id.
    pub chain_id: String,
    /// The log's origin line.
    pub log_origin: String,
    /// The item.
    pub item: Hash32,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The C2SP signed checkpoint (note text), cosigned by the validators.
    pub checkpoint: String,
    /// Keys that sign checkpoints, as the issuing node knows them. A verifier should trust
    /// the keys of a genesis file it holds instead.
    pub validators: Vec<NamedKey>,
    /// The organisations that signed the events, with their keys.
    pub members: Vec<NamedKey>,
    /// The item's events, oldest first.
    pub events: Vec<BundleEvent>,
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
    /// The bundle's format version is not one this code reads.
    #[error("bundle version {0} is not supported (this verifier reads version {BUNDLE_VERSION})")]
    Version(u32),
    /// The checkpoint is malformed, not signed by enough trusted validators, or not for
    /// the bundle's log and size.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The bundle has no events.
    #[error("the bundle has no events")]
    Empty,
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
    if bundle.version != BUNDLE_VERSION {
        return Err(CustodyError::Version(bundle.version));
    }
    let (cp, signers) = verify_checkpoint_for(
        &bundle.checkpoint,
        validators,
        quorum,
        &bundle.log_origin,
        bundle.tree_size,
    )?;
    if bundle.events.is_empty() {
        return Err(CustodyError::Empty);
    }
    let mut state: Option<Item> = None;
    let mut out: Vec<VerifiedEvent> = Vec::with_capacity(bundle.events.len());
    for (i, e) in bundle.events.iter().enumerate() {
        let number = i + 1;
        let fail = |what: String, reason: String| CustodyError::Event {
            number,
            what,
            reason,
        };
        let tx = check_logged(&e.leaf, e.leaf_index, &e.proof, &cp, &bundle.chain_id, true)
            .map_err(|err| {
                let reason = match &err.problem {
                    LoggedProblem::OtherChain(_) => {
                        format!("{}, the bundle for {}", err.problem, bundle.chain_id)
                    }
                    p => p.explain("the event was altered"),
                };
                fail(err.what, reason)
            })?;
        let what = format!(" ({}, tx {})", tx.kind(), tx.id());
        if let Some(prev) = out.last()
            && e.leaf_index <= prev.leaf_index
        {
            return Err(fail(
                what,
                format!(
                    "is at leaf {}, not after event {} at leaf {}: events are out of order",
                    e.leaf_index, prev.number, prev.leaf_index
                ),
            ));
        }
        let member = members
            .iter()
            .find(|m| m.key == *tx.sender())
            .ok_or_else(|| {
                fail(
                    what.clone(),
                    format!("signed by {}, which is not a known member key", tx.sender()),
                )
            })?
            .name
            .clone();
        let action = Action::from_kind(tx.kind())
            .ok_or_else(|| fail(what.clone(), "is not a custody event".into()))?;
        let event =
            body::parse(action, tx.body()).map_err(|err| fail(what.clone(), err.to_string()))?;
        if event.item != bundle.item {
            return Err(fail(
                what,
                format!(
                    "is about item {}, the bundle about {}",
                    event.item, bundle.item
                ),
            ));
        }
        let after = rules::apply(state.as_ref(), action, &event, &member, tx.id(), None)
            .map_err(|reason| {
                let reason = match out.last() {
                    Some(prev) if event.prev != Some(prev.tx.id()) => format!(
                        "follows tx {}, but the bundle's event {} is tx {}: an event is missing or out of order ({reason})",
                        event.prev.map_or_else(|| "(none)".into(), |p| p.to_string()),
                        prev.number,
                        prev.tx.id()
                    ),
                    _ => reason.message,
                };
                fail(what.clone(), reason)
            })?;
        state = Some(after.clone());
        out.push(VerifiedEvent {
            number,
            action,
            member,
            event,
            leaf_index: e.leaf_index,
            recorded_ms: e.recorded_ms,
            after,
            tx,
        });
    }
    Ok(VerifiedCustody {
        item: bundle.item,
        chain_id: bundle.chain_id.clone(),
        log_origin: bundle.log_origin.clone(),
        tree_size: cp.size,
        root: cp.root,
        signers,
        events: out,
    })
}

/// The validator keys a bundle carries, as note verifiers.
pub fn carried_validators(bundle: &CustodyBundle) -> Vec<NoteVerifier> {
    bundle.validators.iter().map(NamedKey::verifier).collect()
}

/// Builds the bundle of `item` from `ledger` against the cosigned checkpoint `checkpoint`
/// (note text) of size `tree_size`, which must cover the item's latest event. `None` if
/// the item was never collected.
pub fn build(
    ledger: &unchain_ledger::Ledger,
    item: &Hash32,
    checkpoint: String,
    tree_size: u64,
) -> Result<Option<CustodyBundle>, unchain_ledger::LedgerError> {
    let events = crate::events(&ledger.state_reader()?, item)?;
    if events.is_empty() {
        return Ok(None);
    }
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
            leaf_index: e.log_index,
            leaf: String::from_utf8(leaf).expect("leaves are JCS JSON"),
            proof: ledger.inclusion_proof(e.log_index, tree_size)?,
            recorded_ms: e.recorded_ms,
        });
    }
    let genesis = ledger.genesis();
    Ok(Some(CustodyBundle {
        version: BUNDLE_VERSION,
        chain_id: genesis.chain_id.clone(),
        log_origin: genesis.log_origin.clone(),
        item: *item,
        tree_size,
        checkpoint,
        validators: all_members
            .iter()
            .filter(|m| m.validator)
            .map(|m| NamedKey {
                name: m.name.clone(),
                key: m.signing_key,
            })
            .collect(),
        members,
        events: out,
    }))
}
