//! The trust bundle a border post keeps for checks with no network: every transaction that
//! decides whether a credential verifies — issuer DIDs and their key changes, credential
//! status changes, missing-child flags — each with its inclusion proof against one
//! checkpoint cosigned by the validators. [`verify`] checks all of it and replays it
//! through [`crate::rules`], the same code the ledger ran, into a [`TrustState`].
//!
//! What a bundle proves: these transactions are in the log the validators signed at
//! `tree_size`, so they were committed, in this order, and each status change carries the
//! time its issuer signed (held by the ledger to within minutes of its block). What it
//! cannot prove: that the exporting node left nothing out, nor what happened after
//! `tree_size` — hence [`TrustState::age_ms`], which a border post shows with every verdict.
//!
//! A [`crate::standing`] bundle is the other way to the same [`TrustState`]: it proves a
//! few credentials' records against the cosigned state root instead of replaying the log,
//! so it is complete for what it covers and knows nothing else ([`Coverage::Proven`]).

use crate::body::{self, Body};
use crate::records::{Child, Issued};
use crate::rules::{self, DidState, MissingFlag, StatusChange};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use unchain_bundle::{Entry, EntryError, EntryRules, Envelope, EnvelopeError};
use unchain_credentials::status::Status;
use unchain_log::{NamedKey, NoteVerifier};
use unchain_types::{Hash32, Transaction};

/// The bundle format version this code writes and reads.
pub const TRUST_VERSION: u32 = 1;

/// One transaction in a bundle: the leaf as logged and its inclusion proof.
pub type TrustEntry = Entry;

/// A self-contained trust bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustBundle {
    /// Version ([`TRUST_VERSION`]), chain, log, cosigned checkpoint, validator keys (a
    /// border post should pin the keys of a genesis file instead).
    #[serde(flatten)]
    pub envelope: Envelope,
    /// The organisations that signed the entries, with their keys (names for display).
    pub members: Vec<NamedKey>,
    /// When the exporting node made the bundle (its clock, ms): how stale it is.
    pub exported_ms: u64,
    /// The transactions, in log order.
    pub entries: Vec<TrustEntry>,
}

/// What a verified bundle says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustState {
    /// Chain id.
    pub chain_id: String,
    /// The checkpoint's size.
    pub tree_size: u64,
    /// The checkpoint's root.
    pub root: Hash32,
    /// Validators whose checkpoint signatures verified.
    pub signers: Vec<String>,
    /// When it was exported.
    pub exported_ms: u64,
    /// Every `did:unchain`, with its key history.
    pub dids: BTreeMap<String, DidState>,
    /// The latest status change of each credential that has one, by (issuer, index).
    pub statuses: BTreeMap<(String, u32), StatusChange>,
    /// The latest missing or found flag of each child that has one.
    pub flags: BTreeMap<String, MissingFlag>,
    /// What the state can answer for.
    pub coverage: Coverage,
}

/// What a verified trust state can answer for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    /// Replayed from a full trust bundle: every DID, status change and missing flag in the
    /// log up to `tree_size`. A credential or child it does not hold had no change.
    Replayed,
    /// Proven key by key against the cosigned state root (a credential standing): complete
    /// for these credentials and children, and silent on everything else — which is then
    /// unknown, never valid by default.
    Proven {
        /// Each credential proven, by (issuer, index), with its issuance record (`None`:
        /// proven never issued).
        credentials: BTreeMap<(String, u32), Option<Issued>>,
        /// Each child proven, with its registration (`None`: proven not registered).
        children: BTreeMap<String, Option<Child>>,
    },
}

/// A question a [`Coverage::Proven`] trust state cannot answer: the bundle does not prove
/// that key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotCovered(pub String);

impl TrustState {
    /// How old the bundle is at `now_ms`.
    pub fn age_ms(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(self.exported_ms)
    }

    /// A credential's status: valid unless a change says otherwise. A proven state answers
    /// only for the credentials it proves.
    pub fn status(
        &self,
        issuer: &str,
        idx: u32,
    ) -> Result<(Status, Option<&StatusChange>), NotCovered> {
        let key = (issuer.to_owned(), idx);
        if let Coverage::Proven { credentials, .. } = &self.coverage
            && !credentials.contains_key(&key)
        {
            return Err(NotCovered(format!(
                "the bundle does not prove the status of {issuer}'s credential at index {idx}"
            )));
        }
        Ok(match self.statuses.get(&key) {
            Some(c) => (c.status, Some(c)),
            None => (Status::Valid, None),
        })
    }

    /// Checks, where the state proves it, that the ledger recorded this credential —
    /// `digest` is [`crate::credential::digest_of`] the presentation — at its index. A
    /// replayed state does not hold issuances and checks nothing.
    pub fn check_recorded(&self, issuer: &str, idx: u32, digest: &Hash32) -> Result<(), String> {
        let Coverage::Proven { credentials, .. } = &self.coverage else {
            return Ok(());
        };
        match credentials.get(&(issuer.to_owned(), idx)) {
            // Not covered: `status` says so.
            None => Ok(()),
            Some(None) => Err(format!(
                "the ledger proves that {issuer} issued nothing at status index {idx}"
            )),
            Some(Some(i)) if i.digest != *digest => Err(format!(
                "the ledger records another credential at {issuer}'s status index {idx} (issued at log leaf {})",
                i.log_index
            )),
            Some(Some(_)) => Ok(()),
        }
    }

    /// Whether a child is flagged missing, and the flag. A proven state answers only for
    /// the children it proves.
    pub fn missing(&self, child: &str) -> Result<Option<&MissingFlag>, NotCovered> {
        if let Coverage::Proven { children, .. } = &self.coverage
            && !children.contains_key(child)
        {
            return Err(NotCovered(format!(
                "the bundle does not prove whether child {child} is flagged missing"
            )));
        }
        Ok(self.flags.get(child).filter(|f| f.missing))
    }
}

/// Why a bundle does not verify.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// Another format version, or a checkpoint that does not verify.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// One entry failed.
    #[error(transparent)]
    Entry(#[from] EntryError),
}

/// Verifies `bundle` against trusted `validators` (requiring `quorum` signatures).
pub fn verify(
    bundle: &TrustBundle,
    validators: &[NoteVerifier],
    quorum: usize,
) -> Result<TrustState, TrustError> {
    let opened = bundle.envelope.open(TRUST_VERSION, validators, quorum)?;
    let names: BTreeMap<_, _> = bundle
        .members
        .iter()
        .map(|m| (m.key, m.name.clone()))
        .collect();
    let mut state = TrustState {
        chain_id: bundle.envelope.chain_id.clone(),
        tree_size: opened.checkpoint.size,
        root: opened.checkpoint.root,
        signers: opened.signers.clone(),
        exported_ms: bundle.exported_ms,
        dids: BTreeMap::new(),
        statuses: BTreeMap::new(),
        flags: BTreeMap::new(),
        coverage: Coverage::Replayed,
    };
    let rules = EntryRules {
        check_signature: false,
        in_log_order: true,
        altered: "altered",
    };
    unchain_bundle::entries(
        &bundle.entries,
        |e| e,
        &opened,
        &bundle.envelope.chain_id,
        rules,
        |_, e, tx| {
            let sender = names
                .get(tx.sender())
                .cloned()
                .unwrap_or_else(|| tx.sender().to_hex());
            let parsed = body::parse(tx.kind(), tx.body()).map_err(|err| err.to_string())?;
            apply(&mut state, &tx, &sender, parsed, e.leaf_index)
        },
    )?;
    Ok(state)
}

fn apply(
    state: &mut TrustState,
    tx: &Transaction,
    sender: &str,
    body: Body,
    leaf: u64,
) -> Result<(), String> {
    match body {
        Body::DidCreate(b) => {
            let s = rules::create(&tx.id(), sender, &b, leaf);
            state.dids.insert(s.did.clone(), s);
        }
        Body::DidRotate(b) => {
            let s = state
                .dids
                .get(&b.did)
                .ok_or("rotates a DID the bundle does not create")?;
            let next = rules::rotate(s, &s.controller.clone(), &b, leaf).map_err(|r| r.message)?;
            state.dids.insert(b.did.clone(), next);
        }
        Body::DidDeactivate(b) => {
            let s = state
                .dids
                .get(&b.did)
                .ok_or("deactivates a DID the bundle does not create")?;
            let next =
                rules::deactivate(s, &s.controller.clone(), &b, leaf).map_err(|r| r.message)?;
            state.dids.insert(b.did.clone(), next);
        }
        Body::Status(b) => {
            if !state.dids.contains_key(&b.issuer) {
                return Err(format!(
                    "names issuer {}, which the bundle does not create",
                    b.issuer
                ));
            }
            let current = state
                .statuses
                .get(&(b.issuer.clone(), b.idx))
                .map_or(Status::Valid, |c| c.status);
            rules::check_status(current, &b).map_err(|r| r.message)?;
            state.statuses.insert(
                (b.issuer.clone(), b.idx),
                StatusChange {
                    status: b.status,
                    reason: b.reason,
                    at_ms: b.at_ms,
                    log_index: leaf,
                    tx_id: tx.id(),
                },
            );
        }
        Body::Missing(b) => {
            // Who may clear a flag was the ledger's check (it knows the registrar, which
            // the bundle does not carry); the replay checks the flags' sequence.
            let current = state.flags.get(&b.child);
            let flag = rules::set_missing(current, sender, Some(sender), &b, leaf)
                .map_err(|r| r.message)?;
            state.flags.insert(b.child.clone(), flag);
        }
        Body::Issue(_) | Body::ChildRegister(_) => {
            return Err("is not a kind trust bundles carry".into());
        }
    }
    Ok(())
}

#[cfg(feature = "ledger")]
/// Builds the trust bundle of `ledger` against the cosigned checkpoint `checkpoint` of
/// size `tree_size`, stamped `exported_ms`. Entries past `tree_size` are left for the
/// next bundle.
pub fn build(
    ledger: &unchain_ledger::Ledger,
    checkpoint: String,
    tree_size: u64,
    exported_ms: u64,
) -> Result<TrustBundle, unchain_ledger::LedgerError> {
    let reader = ledger.state_reader()?;
    let all_members = ledger.members()?;
    let mut members: Vec<NamedKey> = Vec::new();
    let mut entries = Vec::new();
    for index in crate::trust_entries(&reader)? {
        if index >= tree_size {
            break;
        }
        let leaf = ledger
            .leaf(index)?
            .expect("an indexed transaction is in the log");
        let leaf = String::from_utf8(leaf).expect("leaves are JCS JSON");
        if let Ok(tx) = Transaction::parse(leaf.as_bytes())
            && !members.iter().any(|m| m.key == *tx.sender())
            && let Some(m) = all_members.iter().find(|m| m.signing_key == *tx.sender())
        {
            members.push(NamedKey {
                name: m.name.clone(),
                key: m.signing_key,
            });
        }
        entries.push(Entry {
            leaf_index: index,
            leaf,
            proof: ledger.inclusion_proof(index, tree_size)?,
        });
    }
    Ok(TrustBundle {
        envelope: ledger.bundle_envelope(TRUST_VERSION, checkpoint, tree_size)?,
        members,
        exported_ms,
        entries,
    })
}
