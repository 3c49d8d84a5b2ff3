//! A credential standing: "not revoked, not flagged missing, as of checkpoint N", proven
//! per credential against the state root the validators cosigned — instead of every status
//! change the consortium ever made, as a [`crate::trust`] bundle carries.
//!
//! For each credential asked for, the bundle proves three state keys, each a value or an
//! absence ([`unchain_bundle::state`]):
//!
//! - the issuer's DID record (`identity/did/…`): its controller and key history, to check
//!   the credential's signature with the key that was current when it was issued;
//! - the issuance record (`identity/issued/…/<idx>`): the digest the ledger recorded for
//!   the credential, its status and every status change;
//! - the record of the child the credential is about (`identity/child/…`), with its
//!   missing flag.
//!
//! A bundle's size grows with the logarithm of the state, not with the number of status
//! changes; [`verify`] needs only the validators' keys. The resulting [`TrustState`] is
//! [`Coverage::Proven`]: it answers for the proven credentials and children, and a border
//! check that needs anything else says NOT PROVEN rather than assuming it valid.
//!
//! What a standing cannot prove is freshness: the checkpoint is the latest one the
//! exporting node had, and a holder could keep showing an old one. Hence `exported_ms`
//! (the exporting node's clock) in the age every report shows, as for a trust bundle.

use crate::records::{Child, Issued, child_key, did_key, issued_key};
use crate::rules::DidState;
use crate::trust::{Coverage, TrustState};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use unchain_bundle::state::{StateBundle, StateBundleError, verify_state_bundle};
use unchain_log::NoteVerifier;

/// Most credentials one standing proves (three keys each).
pub const MAX_CREDENTIALS: usize = 32;

/// A credential standing: a state bundle over identity keys, stamped with its export time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandingBundle {
    /// The cosigned checkpoint with its state line, and one proof per key.
    #[serde(flatten)]
    pub state: StateBundle,
    /// When the exporting node made it (its clock, ms): how stale it is.
    pub exported_ms: u64,
}

/// Why a standing does not verify.
#[derive(Debug, thiserror::Error)]
pub enum StandingError {
    /// The state bundle does not verify: its checkpoint, state line or a proof.
    #[error(transparent)]
    State(#[from] StateBundleError),
    /// A proven key or value is not what a standing carries, or one is missing.
    #[error("key `{key}`: {reason}")]
    Record {
        /// The state key.
        key: String,
        /// What is wrong.
        reason: String,
    },
}

fn record(key: &str, reason: impl Into<String>) -> StandingError {
    StandingError::Record {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

fn parse<T: DeserializeOwned>(key: &str, value: &[u8], what: &str) -> Result<T, StandingError> {
    serde_json::from_slice(value).map_err(|e| record(key, format!("the value is not {what}: {e}")))
}

/// The (issuer, index) an issuance key names.
fn issued_of_key(key: &str) -> Option<(String, u32)> {
    let rest = key.strip_prefix("identity/issued/")?;
    let (suffix, idx) = rest.rsplit_once('/')?;
    let idx: u32 = idx.parse().ok()?;
    let issuer = format!("{}{suffix}", unchain_credentials::did::UNCHAIN_PREFIX);
    (issued_key(&issuer, idx) == key.as_bytes()).then_some((issuer, idx))
}

/// Verifies `bundle` against trusted `validators` (requiring `quorum` signatures): the
/// checkpoint and its state line, every proof against the state root, and that the proven
/// records are a standing's — each value under its own key, and for every credential its
/// issuer's DID and (when it is about a child) the child's flag. Returns the state a border
/// check reads, covering exactly what was proven.
pub fn verify(
    bundle: &StandingBundle,
    validators: &[NoteVerifier],
    quorum: usize,
) -> Result<TrustState, StandingError> {
    let proofs = &bundle.state.proofs;
    if proofs.len() > 3 * MAX_CREDENTIALS {
        return Err(record(
            "proofs",
            format!(
                "{} proofs; a standing carries at most {}",
                proofs.len(),
                3 * MAX_CREDENTIALS
            ),
        ));
    }
    let verified = verify_state_bundle(&bundle.state, validators, quorum)?;
    let mut dids: BTreeMap<String, Option<DidState>> = BTreeMap::new();
    let mut credentials: BTreeMap<(String, u32), Option<Issued>> = BTreeMap::new();
    let mut children: BTreeMap<String, Option<Child>> = BTreeMap::new();
    for (key, value) in &verified.values {
        if let Some(suffix) = key.strip_prefix("identity/did/") {
            let did = format!("{}{suffix}", unchain_credentials::did::UNCHAIN_PREFIX);
            if did_key(&did) != key.as_bytes() {
                return Err(record(key, "is not a DID's key"));
            }
            let state = match value {
                Some(v) => {
                    let state: DidState = parse(key, v, "a DID record")?;
                    if state.did != did {
                        return Err(record(key, format!("holds the record of {}", state.did)));
                    }
                    Some(state)
                }
                None => None,
            };
            dids.insert(did, state);
        } else if key.starts_with("identity/issued/") {
            let (issuer, idx) = issued_of_key(key).ok_or_else(|| {
                record(
                    key,
                    "is not an issuance key (identity/issued/<suffix>/<idx:010>)",
                )
            })?;
            let issued = match value {
                Some(v) => {
                    let i: Issued = parse(key, v, "an issuance record")?;
                    if (i.issuer.as_str(), i.idx) != (issuer.as_str(), idx) {
                        return Err(record(
                            key,
                            format!("holds the issuance of {} at index {}", i.issuer, i.idx),
                        ));
                    }
                    Some(i)
                }
                None => None,
            };
            credentials.insert((issuer, idx), issued);
        } else if let Some(child) = key.strip_prefix("identity/child/") {
            if child.is_empty() || child.contains('/') || child_key(child) != key.as_bytes() {
                return Err(record(key, "is not a child's key"));
            }
            let registered = match value {
                Some(v) => {
                    let c: Child = parse(key, v, "a child's record")?;
                    if c.child != child {
                        return Err(record(key, format!("holds the record of {}", c.child)));
                    }
                    Some(c)
                }
                None => None,
            };
            children.insert(child.to_owned(), registered);
        } else {
            return Err(record(
                key,
                "is not a key a credential standing carries (a DID, an issuance or a child)",
            ));
        }
    }
    if credentials.is_empty() {
        return Err(record("proofs", "the standing proves no credential"));
    }
    // Complete for each credential: its issuer's keys, and the flag of the child it is
    // about. A bundle that leaves either out would let a check pass on half the facts.
    for ((issuer, idx), issued) in &credentials {
        let did_at = String::from_utf8_lossy(&did_key(issuer)).into_owned();
        if !dids.contains_key(issuer) {
            return Err(record(
                &did_at,
                format!(
                    "missing: the standing proves {issuer}'s credential {idx} but not the issuer's DID"
                ),
            ));
        }
        if let Some(child) = issued.as_ref().and_then(|i| i.child.as_ref())
            && !children.contains_key(child)
        {
            return Err(record(
                &String::from_utf8_lossy(&child_key(child)),
                format!(
                    "missing: credential {idx} of {issuer} is about child {child}, whose flag the standing does not prove"
                ),
            ));
        }
    }
    let statuses = credentials
        .iter()
        .filter_map(|(k, i)| Some((k.clone(), i.as_ref()?.changes.last()?.clone())))
        .collect();
    let flags = children
        .iter()
        .filter_map(|(k, c)| Some((k.clone(), c.as_ref()?.flag.clone()?)))
        .collect();
    Ok(TrustState {
        chain_id: bundle.state.envelope.chain_id.clone(),
        tree_size: verified.tree_size,
        root: verified.state.root,
        signers: verified.signers,
        exported_ms: bundle.exported_ms,
        dids: dids
            .into_iter()
            .filter_map(|(d, s)| Some((d, s?)))
            .collect(),
        statuses,
        flags,
        coverage: Coverage::Proven {
            credentials,
            children,
        },
    })
}

/// Parses `ISSUER:IDX,ISSUER:IDX`, naming the item that is wrong.
pub fn parse_credentials(text: &str) -> Result<Vec<(String, u32)>, String> {
    let items: Vec<&str> = text.split(',').map(str::trim).collect();
    if items.len() > MAX_CREDENTIALS {
        return Err(format!(
            "{} credentials; at most {MAX_CREDENTIALS} per standing",
            items.len()
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(n, item)| {
            let (issuer, idx) = item.rsplit_once(':').ok_or_else(|| {
                format!("item {}: {item:?} is not ISSUER_DID:STATUS_INDEX", n + 1)
            })?;
            unchain_credentials::did::parse_unchain(issuer)
                .map_err(|e| format!("item {}: {e}", n + 1))?;
            let idx = idx.parse::<u32>().map_err(|_| {
                format!(
                    "item {}: status index {idx:?} is not a whole number below 2^32",
                    n + 1
                )
            })?;
            Ok((issuer.to_owned(), idx))
        })
        .collect()
}

#[cfg(feature = "ledger")]
/// Builds the standing of `credentials` (issuer, status index) from `ledger` against the
/// cosigned checkpoint `checkpoint` (note text) of size `tree_size`, stamped `exported_ms`:
/// each issuer's DID, each issuance and the child each is about, as of the block the
/// checkpoint's state line names. At most [`MAX_CREDENTIALS`]; an error if the checkpoint
/// has no state line or its state is no longer kept.
pub fn build(
    ledger: &unchain_ledger::Ledger,
    checkpoint: String,
    tree_size: u64,
    credentials: &[(String, u32)],
    exported_ms: u64,
) -> Result<StandingBundle, unchain_ledger::LedgerError> {
    use unchain_ledger::LedgerError;
    let state_line = unchain_log::SignedNote::parse(&checkpoint)
        .and_then(|n| unchain_log::Checkpoint::parse_body(&n.body))
        .map_err(|e| LedgerError::Log(format!("the checkpoint: {e}")))?
        .state
        .ok_or_else(|| LedgerError::StateTree("the checkpoint carries no state line".into()))?;
    let text = |k: Vec<u8>| String::from_utf8(k).expect("identity keys are UTF-8");
    let mut keys: Vec<String> = Vec::new();
    for (issuer, idx) in credentials.iter().take(MAX_CREDENTIALS) {
        for key in [text(did_key(issuer)), text(issued_key(issuer, *idx))] {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    let mut proofs = ledger.state_proofs_at(state_line.height, &keys)?;
    // The children, read from the issuance records as proven (so as of the same block).
    let mut children: Vec<String> = Vec::new();
    for p in &proofs {
        if p.key.starts_with("identity/issued/")
            && let Some(v) = &p.value
            && let Ok(bytes) = v.bytes()
            && let Ok(i) = serde_json::from_slice::<Issued>(&bytes)
            && let Some(child) = i.child
        {
            let key = text(child_key(&child));
            if !children.contains(&key) {
                children.push(key);
            }
        }
    }
    if !children.is_empty() {
        proofs.extend(ledger.state_proofs_at(state_line.height, &children)?);
    }
    Ok(StandingBundle {
        state: StateBundle {
            envelope: ledger.bundle_envelope(
                unchain_bundle::state::STATE_VERSION,
                checkpoint,
                tree_size,
            )?,
            state_height: state_line.height,
            state_root: state_line.root.to_hex(),
            proofs,
        },
        exported_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_parse_or_name_the_item() {
        let did = "did:unchain:0123456789abcdef0123456789abcdef";
        assert_eq!(
            parse_credentials(&format!("{did}:5, {did}:7")).expect("parses"),
            vec![(did.to_owned(), 5), (did.to_owned(), 7)]
        );
        let err = parse_credentials(&format!("{did}:5,{did}")).expect_err("no index");
        assert!(err.starts_with("item 2:"), "{err}");
        let err = parse_credentials(&format!("{did}:-1")).expect_err("negative");
        assert!(err.contains("status index"), "{err}");
        let err = parse_credentials("did:key:z6Mk:1").expect_err("not unchain");
        assert!(err.starts_with("item 1:"), "{err}");
        let many = vec![format!("{did}:1"); MAX_CREDENTIALS + 1].join(",");
        assert!(parse_credentials(&many).is_err());
    }
}
