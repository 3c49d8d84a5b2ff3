//! The identity records a node keeps in its state and a verifier reads out of a state
//! proof: a credential's issuance with its status history, a registered child with its
//! missing flag, and the state keys they live under. No storage here: what
//! `unchain-verify` links to check a [`crate::standing`] bundle offline.

use crate::rules::{self, MissingFlag, StatusChange};
use serde::{Deserialize, Serialize};
use unchain_credentials::status::Status;
use unchain_types::{Hash32, TxId};

/// A credential's issuance and status history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issued {
    /// The issuing DID.
    pub issuer: String,
    /// Its status index.
    pub idx: u32,
    /// Its type.
    pub vct: String,
    /// SHA-256 of the issuer-signed JWT.
    pub digest: Hash32,
    /// The child it is about, if any.
    pub child: Option<String>,
    /// The issuing organisation.
    pub member: String,
    /// When it was issued (signed time).
    pub at_ms: u64,
    /// The issuing transaction's log index.
    pub log_index: u64,
    /// The issuing transaction.
    pub tx_id: TxId,
    /// Its status now.
    pub status: Status,
    /// Every status change, oldest first.
    pub changes: Vec<StatusChange>,
}

/// A registered child, as the chain knows it: no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    /// The pseudonymous id.
    pub child: String,
    /// The registering organisation.
    pub registrar: String,
    /// Its vault record holding the child's data.
    pub record: Hash32,
    /// When (signed time).
    pub at_ms: u64,
    /// The registration's log index.
    pub log_index: u64,
    /// The latest missing or found flag.
    pub flag: Option<MissingFlag>,
}

impl Child {
    /// Whether the child is flagged missing now.
    pub fn missing(&self) -> bool {
        self.flag.as_ref().is_some_and(|f| f.missing)
    }
}

/// The state key of a DID's record (`identity/did/<suffix>`).
pub fn did_key(did: &str) -> Vec<u8> {
    format!("identity/did/{}", rules::did_suffix(did)).into_bytes()
}

/// The state key of a credential's issuance (`identity/issued/<suffix>/<idx:010>`).
pub fn issued_key(issuer: &str, idx: u32) -> Vec<u8> {
    format!("identity/issued/{}/{idx:010}", rules::did_suffix(issuer)).into_bytes()
}

/// The state key of a registered child (`identity/child/<id>`).
pub fn child_key(child: &str) -> Vec<u8> {
    format!("identity/child/{child}").into_bytes()
}
