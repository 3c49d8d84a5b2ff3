//! State proofs: what the ledger's state held under a key — a value, or nothing — as of
//! the block a cosigned checkpoint's state line names, checked with no network.
//!
//! The state is a Jellyfish Merkle tree (the `jmt` crate): a key sits at `SHA-256(key)`,
//! its leaf commits to `SHA-256(value)`, and the checkpoint's `state <height> <root>` line
//! is the tree's root after that block. A [`StateProof`] carries the key, the value (or
//! `null` for a key that has none) and jmt's sparse Merkle proof (borsh, base64); the proof
//! of a value leads from that leaf to the root, the proof of an absence leads from the
//! empty place or the one other leaf where the key would be.

use crate::{Envelope, EnvelopeError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use unchain_log::{NoteVerifier, StateAt};
use unchain_types::Hash32;

/// The format version of a state bundle.
pub const STATE_VERSION: u32 = 1;

/// Longest proof accepted, in base64 characters: a proof has at most 256 siblings of 65
/// bytes, far below this.
pub const MAX_PROOF_CHARS: usize = 64 * 1024;

/// A state value as carried in a bundle: text when the bytes are UTF-8 (module state is
/// JSON), base64 otherwise (the ledger's own counters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum StateValue {
    /// The value's bytes, which are UTF-8.
    Utf8(String),
    /// The value's bytes, standard base64.
    Base64(String),
}

impl StateValue {
    /// The value of `bytes`, as text where it is UTF-8.
    pub fn of(bytes: &[u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(text) => StateValue::Utf8(text.to_owned()),
            Err(_) => StateValue::Base64(B64.encode(bytes)),
        }
    }

    /// The value's bytes.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        match self {
            StateValue::Utf8(text) => Ok(text.as_bytes().to_vec()),
            StateValue::Base64(b) => B64
                .decode(b)
                .map_err(|e| format!("value is not standard base64: {e}")),
        }
    }
}

/// One key's value (or absence) with its proof against a state root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateProof {
    /// The state key, e.g. `custody/item/…`.
    pub key: String,
    /// Its value, or `null`: the key has none.
    pub value: Option<StateValue>,
    /// jmt's `SparseMerkleProof<Sha256>`, borsh-encoded, standard base64.
    pub proof: String,
}

/// Why a state proof does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("state proof of `{key}`: {reason}")]
pub struct StateProofError {
    /// The key.
    pub key: String,
    /// What is wrong.
    pub reason: String,
}

impl StateProof {
    /// Builds the proof of `key`'s `value` from jmt's proof.
    pub fn new(
        key: &str,
        value: Option<&[u8]>,
        proof: &jmt::proof::SparseMerkleProof<Sha256>,
    ) -> Self {
        StateProof {
            key: key.to_owned(),
            value: value.map(StateValue::of),
            proof: B64.encode(borsh::to_vec(proof).expect("a proof serialises")),
        }
    }

    /// Checks that the state whose root is `root` holds exactly `value` under `key` (no
    /// value, when `value` is `null`). Returns the value's bytes.
    pub fn verify(&self, root: &Hash32) -> Result<Option<Vec<u8>>, StateProofError> {
        let fail = |reason: String| StateProofError {
            key: self.key.clone(),
            reason,
        };
        if self.proof.len() > MAX_PROOF_CHARS {
            return Err(fail(format!(
                "the proof is {} characters, more than {MAX_PROOF_CHARS}",
                self.proof.len()
            )));
        }
        let bytes = B64
            .decode(&self.proof)
            .map_err(|e| fail(format!("the proof is not standard base64: {e}")))?;
        let proof: jmt::proof::SparseMerkleProof<Sha256> = borsh::from_slice(&bytes)
            .map_err(|e| fail(format!("the proof is not a jmt sparse Merkle proof: {e}")))?;
        let value = self
            .value
            .as_ref()
            .map(StateValue::bytes)
            .transpose()
            .map_err(fail)?;
        let key_hash = jmt::KeyHash::with::<Sha256>(self.key.as_bytes());
        proof
            .verify(jmt::RootHash(root.0), key_hash, value.as_deref())
            .map_err(|e| {
                fail(match &value {
                    Some(_) => {
                        format!("the state root does not commit to this value under this key: {e}")
                    }
                    None => format!("the state root does not show this key absent: {e}"),
                })
            })?;
        Ok(value)
    }
}

/// Keys' values (or absences) as of a block, with the checkpoint that vouches for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateBundle {
    /// Chain, log, the cosigned checkpoint with its state line, validator keys.
    #[serde(flatten)]
    pub envelope: Envelope,
    /// The block height the checkpoint's state line names.
    pub state_height: u64,
    /// The state root after that block, hex (the checkpoint's state line, repeated for
    /// readers).
    pub state_root: String,
    /// One proof per key asked for.
    pub proofs: Vec<StateProof>,
}

/// What a verified state bundle proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedState {
    /// The block whose state it is, and that state's root.
    pub state: StateAt,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// Each key with its value, or `None` where it has none.
    pub values: Vec<(String, Option<Vec<u8>>)>,
    /// The validators whose checkpoint signatures verified.
    pub signers: Vec<String>,
}

/// Why a state bundle does not verify.
#[derive(Debug, thiserror::Error)]
pub enum StateBundleError {
    /// The envelope does not open (version, or the checkpoint's signatures).
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// A field disagrees with the checkpoint.
    #[error("field `{field}`: {reason}")]
    Field {
        /// Which field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A key's proof does not hold.
    #[error(transparent)]
    Proof(#[from] StateProofError),
}

/// Verifies `bundle` against `trusted` validator keys, requiring `quorum` signatures: the
/// checkpoint, its state line (which the bundle's height and root must repeat) and every
/// key's proof against that root.
pub fn verify_state_bundle(
    bundle: &StateBundle,
    trusted: &[NoteVerifier],
    quorum: usize,
) -> Result<VerifiedState, StateBundleError> {
    let opened = bundle.envelope.open(STATE_VERSION, trusted, quorum)?;
    let state = opened.checkpoint.state.ok_or(StateBundleError::Field {
        field: "checkpoint",
        reason: "the checkpoint has no state line: it vouches for no state".into(),
    })?;
    if bundle.state_height != state.height {
        return Err(StateBundleError::Field {
            field: "state_height",
            reason: format!(
                "says {} but the checkpoint's state line says {}",
                bundle.state_height, state.height
            ),
        });
    }
    if !bundle.state_root.eq_ignore_ascii_case(&state.root.to_hex()) {
        return Err(StateBundleError::Field {
            field: "state_root",
            reason: format!(
                "says {} but the checkpoint's state line says {}",
                bundle.state_root, state.root
            ),
        });
    }
    if bundle.proofs.is_empty() {
        return Err(StateBundleError::Field {
            field: "proofs",
            reason: "the bundle proves no key".into(),
        });
    }
    let values = bundle
        .proofs
        .iter()
        .map(|p| Ok((p.key.clone(), p.verify(&state.root)?)))
        .collect::<Result<Vec<_>, StateProofError>>()?;
    Ok(VerifiedState {
        state,
        tree_size: opened.checkpoint.size,
        values,
        signers: opened.signers,
    })
}
