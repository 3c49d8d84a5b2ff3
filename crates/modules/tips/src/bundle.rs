//! The proof of receipt a reporter downloads with the receipt code and anyone checks
//! offline: each of the reporter's messages as the intake organisation signed it
//! (`tips.receive`, then `tips.message` from the reporter), its inclusion proof against one
//! checkpoint cosigned by the validators, the content the reporter sent, and the key that
//! commits it. [`verify`] shows that the organisation signed, and the consortium logged,
//! that it received exactly this content at that time — which it can never take back.
//!
//! The bundle holds the report's text: it is the reporter's own copy.

use crate::body::{self, Author, Body};
use crate::receipt::content_commitment;
use crate::report::Content;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_bundle::{Entry, EntryError, EntryRules, Envelope, EnvelopeError};
use unchain_log::{NamedKey, NoteVerifier};
use unchain_types::{Hash32, Transaction};

/// The format version this code writes and reads.
pub const RECEIPT_VERSION: u32 = 1;

/// One of the reporter's messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptEntry {
    /// The transaction as logged, with its inclusion proof.
    #[serde(flatten)]
    pub entry: Entry,
    /// What the reporter sent (a [`Content`]; files are named by their SHA-256).
    pub content: Value,
}

/// A proof of receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptBundle {
    /// Version ([`RECEIPT_VERSION`]), chain, log, cosigned checkpoint, validator keys.
    #[serde(flatten)]
    pub envelope: Envelope,
    /// The organisation the tip was handed to.
    pub intake: NamedKey,
    /// The tip.
    pub tip: String,
    /// The key the reporter's messages are committed under (hex), derived from the
    /// receipt code; it reveals neither the code nor anything else.
    pub commit_key: String,
    /// The reporter's messages, in log order.
    pub entries: Vec<ReceiptEntry>,
}

/// One message the bundle proves was received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Its leaf index.
    pub leaf_index: u64,
    /// `report` or `followup`.
    pub what: &'static str,
    /// When the organisation's node recorded it (its signed time).
    pub at_ms: u64,
    /// The content.
    pub content: Content,
    /// SHA-256 of the sealed copy the organisation holds.
    pub sealed: Hash32,
}

/// What a verified bundle proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The organisation.
    pub intake: String,
    /// The tip.
    pub tip: String,
    /// The checkpoint's size.
    pub tree_size: u64,
    /// The checkpoint's root.
    pub root: Hash32,
    /// Validators whose checkpoint signatures verified.
    pub signers: Vec<String>,
    /// The messages.
    pub messages: Vec<Received>,
}

/// Why a bundle does not prove receipt.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// Another format version, or a checkpoint that does not verify against the trusted
    /// validators.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// A bundle field is malformed.
    #[error("{0}")]
    Field(String),
    /// One entry failed.
    #[error(transparent)]
    Entry(#[from] EntryError),
}

/// Checks `bundle` against `validators` (at least `quorum` must have signed its
/// checkpoint) and returns what it proves.
pub fn verify(
    bundle: &ReceiptBundle,
    validators: &[NoteVerifier],
    quorum: usize,
) -> Result<Receipt, ReceiptError> {
    let opened = bundle.envelope.open(RECEIPT_VERSION, validators, quorum)?;
    let commit_key: [u8; 32] = hex::decode(&bundle.commit_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ReceiptError::Field("commit_key: must be 64 hex digits".into()))?;
    if bundle.entries.is_empty() {
        return Err(ReceiptError::Field(
            "entries: the bundle holds no message".into(),
        ));
    }
    let mut messages = Vec::new();
    let rules = EntryRules {
        check_signature: true,
        in_log_order: true,
        altered: "altered",
    };
    unchain_bundle::entries(
        &bundle.entries,
        |e| &e.entry,
        &opened,
        &bundle.envelope.chain_id,
        rules,
        |number, e, tx| {
            messages.push(receive(bundle, &commit_key, number, e, &tx)?);
            Ok(())
        },
    )?;
    Ok(Receipt {
        intake: bundle.intake.name.clone(),
        tip: bundle.tip.clone(),
        tree_size: opened.checkpoint.size,
        root: opened.checkpoint.root,
        signers: opened.signers,
        messages,
    })
}

/// Entry `number` of `bundle` (its transaction `tx`, logged): the intake's record of the
/// tip (first) or of one of the reporter's messages (after), whose committed content is
/// the entry's.
fn receive(
    bundle: &ReceiptBundle,
    commit_key: &[u8; 32],
    number: usize,
    e: &ReceiptEntry,
    tx: &Transaction,
) -> Result<Received, String> {
    if *tx.sender() != bundle.intake.key {
        return Err(format!(
            "was not signed by {}, the organisation the bundle names",
            bundle.intake.name
        ));
    }
    let parsed = body::parse(tx.kind(), tx.body()).map_err(|err| err.to_string())?;
    let (tip, receipt, at_ms, sealed, what) = match (&parsed, number) {
        (Body::Receive(r), 1) => (&r.tip, r.receipt, r.at_ms, r.commitment, "report"),
        (Body::Message(m), n) if n > 1 && m.from == Author::Reporter => (
            &m.tip,
            m.receipt.ok_or_else(|| "carries no receipt".to_owned())?,
            m.at_ms,
            m.commitment,
            "followup",
        ),
        _ => {
            return Err(
                "is not the tip's receipt (first) or one of the reporter's messages (after)".into(),
            );
        }
    };
    if *tip != bundle.tip {
        return Err(format!("is about tip {tip}, not {}", bundle.tip));
    }
    if content_commitment(commit_key, &e.content) != receipt {
        return Err(
            "the content does not match what the organisation committed: it was altered".into(),
        );
    }
    let content: Content =
        serde_json::from_value(e.content.clone()).map_err(|err| format!("content: {err}"))?;
    let kind_ok = matches!(
        (&content, what),
        (Content::Report(_), "report") | (Content::Followup { .. }, "followup")
    );
    if !kind_ok {
        return Err(format!("content is not a {what}"));
    }
    Ok(Received {
        leaf_index: e.entry.leaf_index,
        what,
        at_ms,
        content,
        sealed,
    })
}

#[cfg(feature = "ledger")]
/// Builds the proof of receipt of `tip` against the cosigned `checkpoint` of size
/// `tree_size`, from the reporter's messages that size covers and their opened
/// `contents` (by message id).
pub fn build(
    ledger: &unchain_ledger::Ledger,
    view: &crate::TipView,
    contents: &std::collections::BTreeMap<String, Value>,
    commit_key: &[u8; 32],
    checkpoint: String,
    tree_size: u64,
) -> Result<ReceiptBundle, unchain_ledger::LedgerError> {
    let members = ledger.members()?;
    let intake = members
        .iter()
        .find(|m| m.name == view.tip.intake)
        .map(|m| NamedKey {
            name: m.name.clone(),
            key: m.signing_key,
        })
        .expect("a tip's intake is a member");
    let mut entries = Vec::new();
    for m in &view.messages {
        if m.from != Author::Reporter || m.log_index >= tree_size {
            continue;
        }
        let Some(content) = contents.get(&m.msg) else {
            continue;
        };
        let leaf = ledger
            .leaf(m.log_index)?
            .expect("a recorded message is in the log");
        entries.push(ReceiptEntry {
            entry: Entry {
                leaf_index: m.log_index,
                leaf: String::from_utf8(leaf).expect("leaves are JCS JSON"),
                proof: ledger.inclusion_proof(m.log_index, tree_size)?,
            },
            content: content.clone(),
        });
    }
    Ok(ReceiptBundle {
        envelope: ledger.bundle_envelope(RECEIPT_VERSION, checkpoint, tree_size)?,
        intake,
        tip: view.tip.tip.clone(),
        commit_key: hex::encode(commit_key),
        entries,
    })
}
