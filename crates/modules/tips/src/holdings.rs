//! Which nodes hold a tip's sealed messages, and for how long.
//!
//! Every member's node keeps a copy of every tip message's ciphertext, so that losing the
//! intake's node loses no tip: the copies are opaque (sealed to the intake and to the
//! reporter's receipt-code key, never to the member holding them). The ledger lists each
//! message's commitment in one feed, in log order ([`feed`]); a node fetches what it lacks
//! from the intake's node first, then from any member's. A `tips.erase` lists the erased
//! commitments ([`erased`]) and every node deletes them. A tip's retention runs from its
//! last activity; [`due_for_erasure`] names the tips whose retention has ended.

use crate::state::{Tip, tip_key};
use serde::{Deserialize, Serialize};
use unchain_ledger::StateReader;
use unchain_ledger::state::decode;
use unchain_types::Hash32;

pub(crate) fn blob_key(c: &Hash32) -> Vec<u8> {
    format!("tips/blob/{c}").into_bytes()
}
pub(crate) fn feed_key(log_index: u64) -> Vec<u8> {
    format!("tips/feed/{log_index:020}").into_bytes()
}
pub(crate) fn erased_key(log_index: u64) -> Vec<u8> {
    format!("tips/erased/{log_index:020}").into_bytes()
}
pub(crate) fn expiry_key(expires_ms: u64, tip: &str) -> Vec<u8> {
    format!("tips/expiry/{expires_ms:020}/{tip}").into_bytes()
}

/// A `tips.erase`: the tip and the commitments of every message it had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasedTip {
    /// The tip.
    pub tip: String,
    /// Its messages' commitments.
    pub commitments: Vec<Hash32>,
}

/// Why a node may not hold a ciphertext as a tip message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// No recorded tip message has this commitment (yet).
    #[error("no recorded tip message has this ciphertext")]
    Unknown,
    /// Its tip was erased.
    #[error("the tip was erased")]
    Erased,
}

/// The tip whose message has the ciphertext `commitment`, if it is recorded and not
/// erased: every member may hold it.
pub fn may_hold(
    r: &StateReader,
    commitment: &Hash32,
) -> Result<Result<Tip, Denied>, redb::StorageError> {
    let Some(id) = r.get(&blob_key(commitment))? else {
        return Ok(Err(Denied::Unknown));
    };
    let tip: Tip = decode(
        &r.get(&tip_key(&String::from_utf8_lossy(&id)))?
            .expect("the commitment index points at a tip"),
    );
    if tip.erased.is_some() {
        return Ok(Err(Denied::Erased));
    }
    Ok(Ok(tip))
}

/// Whether any tip message, erased or not, has this commitment.
pub fn is_committed(r: &StateReader, commitment: &Hash32) -> Result<bool, redb::StorageError> {
    Ok(r.get(&blob_key(commitment))?.is_some())
}

/// Every tip message's commitment whose feed key sorts after `after` (empty: from the
/// start), in log order, each with its key as the next cursor.
pub fn feed(r: &StateReader, after: &[u8]) -> Result<Vec<(Vec<u8>, Hash32)>, redb::StorageError> {
    Ok(r.scan_prefix_after(b"tips/feed/", after)?
        .into_iter()
        .map(|(k, v)| (k, Hash32(v.try_into().expect("32-byte commitment"))))
        .collect())
}

/// The tip erasures whose keys sort after `after`, in log order, each with its key.
pub fn erased(
    r: &StateReader,
    after: &[u8],
) -> Result<Vec<(Vec<u8>, ErasedTip)>, redb::StorageError> {
    Ok(r.scan_prefix_after(b"tips/erased/", after)?
        .into_iter()
        .map(|(k, v)| (k, decode(&v)))
        .collect())
}

/// A tip whose retention has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueErasure {
    /// The tip.
    pub tip: String,
    /// Its intake organisation (who erases it first).
    pub intake: String,
    /// When its retention ended (block time).
    pub expires_ms: u64,
}

/// The tips whose retention ended at or before `now_ms`, earliest first.
pub fn due_for_erasure(
    r: &StateReader,
    now_ms: u64,
) -> Result<Vec<DueErasure>, redb::StorageError> {
    let mut out = Vec::new();
    for (key, intake) in r.scan_prefix(b"tips/expiry/")? {
        let key = std::str::from_utf8(&key).expect("ASCII key");
        let (expires, tip) = key["tips/expiry/".len()..]
            .split_once('/')
            .expect("expiry key");
        let expires_ms: u64 = expires.parse().expect("expiry time");
        if expires_ms > now_ms {
            break;
        }
        out.push(DueErasure {
            tip: tip.to_owned(),
            intake: String::from_utf8(intake).expect("member name"),
            expires_ms,
        });
    }
    Ok(out)
}
