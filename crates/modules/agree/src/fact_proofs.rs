//! Per-fact proofs: the rows of ledger state an evaluation read, each proven against a
//! state root that a quorum of validators cosigned.
//!
//! When a clause is evaluated, every validator records which state rows the facts were
//! gathered from — each key with the SHA-256 of its value as read (or nothing, for a key
//! that had none) — and every key range it scanned, in a [`ReadsRecord`] under
//! `agree/reads/{id}/{seq}`. The node asks the ledger to keep proofs of those rows, of the
//! facts record and of the reads record at the first state cosigned after the block
//! (`unchain_ledger::kept`), so a bundle can carry them long after the tree pruned that
//! version.
//!
//! An outcome's bundle then carries [`FactProofs`]: that cosigned checkpoint (with a
//! consistency proof to the bundle's own), and a proof of each key. [`verify`] checks:
//!
//! - the checkpoint's signatures, and that its log is a prefix of the bundle's;
//! - that its state line is at or after the evaluation;
//! - the facts record: its value is exactly the facts the bundle carries;
//! - the reads record: for this agreement, outcome and height;
//! - each row the record names: proven, and its value hashes to what the evaluation read.
//!   A row changed by a later transaction (of the same block, or before the checkpoint)
//!   cannot be shown as read; it is reported, with its recorded hash, and is not an error.
//!
//! Rows read only to search or to aggregate ([`Withheld`]) are counted, with a digest of their keys, in
//! the record and never carried: an outcome's bundle goes to outsiders, and those rows are
//! other members' data, individual workers' reports or sealed records' metadata.
//!
//! What this does not prove: that no row was left out of a scanned key range (the state
//! tree places keys by their hash, so it proves keys, not ranges), and the derivation of a
//! fact from its rows (`owed` from a fee's payments). Both rest on the validators, who each
//! gathered the facts and recorded the same digest.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use unchain_bundle::Envelope;
use unchain_bundle::state::StateProof;
use unchain_log::NoteVerifier;
use unchain_types::Hash32;

/// What an evaluation read: recorded by every validator beside the outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadsRecord {
    /// The agreement.
    pub agreement: String,
    /// The outcome's number.
    pub outcome: u64,
    /// The height of the evaluation.
    pub height: u64,
    /// Every row read, in key order: the key and the SHA-256 of its value as read (`null`
    /// for a key that held nothing).
    pub rows: Vec<(String, Option<Hash32>)>,
    /// Every key range scanned for those rows, in order: the prefix.
    pub scans: Vec<String>,
    /// The rows read only to search or aggregate, which no bundle discloses.
    pub withheld: Withheld,
}

/// Rows an evaluation read that a bundle never discloses — other members' facilities it
/// searched, payroll without a finding, individual worker voice behind a published group,
/// sealed records' rows (survivors' keys, blind-index tokens) and the parties' cases —
/// counted, with a digest of their keys: which rows, never what they held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withheld {
    /// How many.
    pub rows: u64,
    /// SHA-256 of the canonical JSON of their keys, in key order.
    pub sha256: Hash32,
}

impl Withheld {
    /// The commitment to the rows of `keys`.
    pub fn of(keys: &[String]) -> Self {
        let json = serde_json::to_value(keys).expect("keys serialise");
        let bytes =
            unchain_types::canonical::to_canonical_bytes(&json).expect("keys and hex hashes");
        Withheld {
            rows: keys.len() as u64,
            sha256: Hash32::digest(&bytes),
        }
    }
}

/// The key of the facts outcome `seq` of agreement `id` read.
pub fn facts_key(id: &str, seq: u64) -> String {
    format!("agree/facts/{id}/{seq:010}")
}

/// The key of the [`ReadsRecord`] of outcome `seq` of agreement `id`.
pub fn reads_key(id: &str, seq: u64) -> String {
    format!("agree/reads/{id}/{seq:010}")
}

/// The proofs an outcome's bundle carries of the state its facts came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactProofs {
    /// The cosigned checkpoint (note text) whose state line the proofs are against: the
    /// first this node kept after the evaluation, or the bundle's own.
    pub checkpoint: String,
    /// Its tree size, at most the bundle's.
    pub tree_size: u64,
    /// RFC 9162 consistency proof from it to the bundle's checkpoint (empty when the two
    /// are the same size).
    pub consistency: Vec<Hash32>,
    /// The height its state line names.
    pub state_height: u64,
    /// The facts record, the reads record, then every row read, each a value or an
    /// absence with its proof.
    pub proofs: Vec<StateProof>,
}

impl FactProofs {
    /// The bundle's envelope with this checkpoint in place of its own: what a verifier
    /// opens, with the validators of that checkpoint's epoch.
    pub fn envelope(&self, bundle: &Envelope) -> Envelope {
        Envelope {
            checkpoint: self.checkpoint.clone(),
            tree_size: self.tree_size,
            ..bundle.clone()
        }
    }
}

/// How one row read by the evaluation stands in the proven state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowStanding {
    /// Proven, with the value the evaluation read (`None`: it held nothing, proven absent).
    AsRead(Option<Vec<u8>>),
    /// Proven, but no longer what the evaluation read: a later transaction changed it
    /// before the proving state. Only its recorded hash stands for what was read.
    Changed,
}

/// What the fact proofs prove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenFacts {
    /// The state height and root the rows are proven against.
    pub state: unchain_log::StateAt,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The validators whose signatures on it verified.
    pub signers: Vec<String>,
    /// Every row the evaluation read, in key order.
    pub rows: Vec<(String, RowStanding)>,
    /// Every key range it scanned for them.
    pub scans: Vec<String>,
    /// What it read and no bundle discloses.
    pub withheld: Withheld,
}

/// Checks `p` for outcome `seq` of agreement `id`, evaluated at `height`, whose facts are
/// `facts`. `main` is the bundle's envelope, already opened (its checkpoint verified), with
/// `main_root` its log root; `trusted` and `quorum` are the validators of `p`'s checkpoint.
pub fn verify(
    p: &FactProofs,
    main: &Envelope,
    main_root: &Hash32,
    trusted: &[NoteVerifier],
    quorum: usize,
    (id, seq, height): (&str, u64, u64),
    facts: &serde_json::Value,
) -> Result<ProvenFacts, String> {
    let opened = p
        .envelope(main)
        .open(main.version, trusted, quorum)
        .map_err(|e| format!("the fact proofs' checkpoint: {e}"))?;
    if p.tree_size > main.tree_size {
        return Err(format!(
            "the fact proofs' checkpoint is of size {}, beyond the bundle's {}",
            p.tree_size, main.tree_size
        ));
    }
    unchain_log::verify_consistency(
        p.tree_size,
        main.tree_size,
        &opened.checkpoint.root,
        main_root,
        &p.consistency,
    )
    .map_err(|e| {
        format!(
            "the fact proofs' checkpoint is not of the bundle's log (consistency from size {} to {}): {e}",
            p.tree_size, main.tree_size
        )
    })?;
    let state = opened
        .checkpoint
        .state
        .ok_or("the fact proofs' checkpoint has no state line: it vouches for no state")?;
    if state.height != p.state_height {
        return Err(format!(
            "the fact proofs say height {}, their checkpoint's state line {}",
            p.state_height, state.height
        ));
    }
    if state.height < height {
        return Err(format!(
            "the fact proofs are of the state at height {}, before the evaluation at {height}",
            state.height
        ));
    }
    let mut proven = BTreeMap::new();
    for proof in &p.proofs {
        let value = proof.verify(&state.root).map_err(|e| e.to_string())?;
        if proven.insert(proof.key.clone(), value).is_some() {
            return Err(format!("the fact proofs prove {} twice", proof.key));
        }
    }
    let mut take = |key: &str, what: &str| {
        proven
            .remove(key)
            .ok_or_else(|| format!("the fact proofs carry no proof of {what} ({key})"))
    };
    let recorded = take(&facts_key(id, seq), "the facts record")?
        .ok_or("the state holds no facts record for this outcome")?;
    let carried = unchain_types::canonical::to_canonical_bytes(facts)
        .map_err(|e| format!("the facts cannot be put in canonical JSON: {e}"))?;
    if recorded != carried {
        return Err(format!(
            "the facts differ from the facts record the state holds (SHA-256 {} there)",
            Hash32::digest(&recorded)
        ));
    }
    let reads = take(&reads_key(id, seq), "the reads record")?
        .ok_or("the state holds no record of the rows this outcome read")?;
    let reads: ReadsRecord = serde_json::from_slice(&reads)
        .map_err(|e| format!("the reads record does not parse: {e}"))?;
    if (reads.agreement.as_str(), reads.outcome, reads.height) != (id, seq, height) {
        return Err(format!(
            "the reads record is of outcome {} of {} at height {}",
            reads.outcome, reads.agreement, reads.height
        ));
    }
    let mut rows = Vec::with_capacity(reads.rows.len());
    for (key, read) in &reads.rows {
        let value = take(key, "a row the evaluation read")?;
        let standing = if value.as_deref().map(Hash32::digest) == *read {
            RowStanding::AsRead(value)
        } else {
            RowStanding::Changed
        };
        rows.push((key.clone(), standing));
    }
    if let Some(extra) = proven.keys().next() {
        return Err(format!(
            "the fact proofs prove {extra}, which the evaluation did not read"
        ));
    }
    Ok(ProvenFacts {
        state,
        tree_size: p.tree_size,
        signers: opened.signers,
        rows,
        scans: reads.scans,
        withheld: reads.withheld,
    })
}

#[cfg(feature = "ledger")]
/// The fact proofs of outcome `seq` of agreement `id`, evaluated at `height`, for a bundle
/// against the cosigned `checkpoint` of size `tree_size`: at the first state this node
/// kept proofs at after the evaluation, or else at the checkpoint's own state while the
/// tree still holds it. `None` for an outcome recorded before reads were (no reads
/// record), or when neither state can be proven.
pub fn build(
    ledger: &unchain_ledger::Ledger,
    (id, seq, height): (&str, u64, u64),
    checkpoint: &str,
    tree_size: u64,
) -> Result<Option<FactProofs>, unchain_ledger::LedgerError> {
    let reader = ledger.state_reader()?;
    let Some(bytes) = reader.get(reads_key(id, seq).as_bytes())? else {
        return Ok(None);
    };
    let reads: ReadsRecord = unchain_ledger::state::decode(&bytes);
    let mut keys = vec![facts_key(id, seq), reads_key(id, seq)];
    keys.extend(reads.rows.iter().map(|(k, _)| k.clone()));
    if let Some(kept) = ledger.kept_proofs(&reads_key(id, seq), height, &keys)?
        && kept.tree_size <= tree_size
    {
        return Ok(Some(FactProofs {
            checkpoint: kept.checkpoint,
            consistency: ledger.consistency_proof(kept.tree_size, tree_size)?,
            tree_size: kept.tree_size,
            state_height: kept.height,
            proofs: kept.proofs,
        }));
    }
    // No kept proofs (a node restored from a snapshot, or one that never saw a cosigned
    // checkpoint after the block): the bundle's own state, where rows may have changed.
    let Some(state) = unchain_log::SignedNote::parse(checkpoint)
        .ok()
        .and_then(|n| unchain_log::Checkpoint::parse_body(&n.body).ok())
        .and_then(|c| c.state)
    else {
        return Ok(None);
    };
    let proofs = match ledger.state_proofs_at(state.height, &keys) {
        Ok(proofs) => proofs,
        // That state is no longer in this node's tree.
        Err(unchain_ledger::LedgerError::StateTree(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(FactProofs {
        checkpoint: checkpoint.to_owned(),
        tree_size,
        consistency: Vec::new(),
        state_height: state.height,
        proofs,
    }))
}
