//! The rules of DIDs, credential statuses and missing-child flags, as pure functions: the
//! ledger executes them, and a border post replays a trust bundle through exactly the same
//! code ([`crate::trust`]).

use crate::body::{DidCreate, DidDeactivate, DidRotate, Missing, SetStatus};
use serde::{Deserialize, Serialize};
use unchain_credentials::did::{UNCHAIN_PREFIX, parse_multikey};
use unchain_credentials::status::Status;
use unchain_types::{Code, PublicKey, Refusal, TxId};

pub use unchain_types::body::check_signed_time as check_time;

/// The `did:unchain` a `identity.did_create` transaction creates: its id's first 16 bytes.
pub fn did_of(tx: &TxId) -> String {
    format!("{UNCHAIN_PREFIX}{}", &tx.0.to_hex()[..32])
}

/// The 32 hex digits of a `did:unchain` (state keys use them).
pub fn did_suffix(did: &str) -> &str {
    did.strip_prefix(UNCHAIN_PREFIX).unwrap_or(did)
}

/// One key of a DID's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyVersion {
    /// `key-1`, `key-2`, … (the `kid` fragment).
    pub id: String,
    /// The key, as a Multikey.
    pub multikey: String,
    /// When it took effect (signed time) and its log index.
    pub from_ms: u64,
    /// Its log index.
    pub from_log: u64,
    /// When it was replaced, if it was.
    pub until_ms: Option<u64>,
    /// The replacing transaction's log index.
    pub until_log: Option<u64>,
    /// Replaced because it was compromised: nothing it signed verifies.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub compromised: bool,
}

impl KeyVersion {
    /// The key.
    pub fn key(&self) -> PublicKey {
        parse_multikey(&self.multikey).expect("keys in state were checked when written")
    }
}

/// A deactivation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deactivation {
    /// When (signed time).
    pub at_ms: u64,
    /// Its log index.
    pub log_index: u64,
    /// Why.
    pub reason: String,
}

/// A `did:unchain` and its whole key history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DidState {
    /// The DID.
    pub did: String,
    /// The organisation that controls it.
    pub controller: String,
    /// Its public label.
    pub label: String,
    /// Every key it has had, oldest first; the last without `until_ms` is current.
    pub keys: Vec<KeyVersion>,
    /// Set once deactivated.
    pub deactivated: Option<Deactivation>,
}

/// The DID state a `did_create` makes.
pub fn create(tx: &TxId, controller: &str, b: &DidCreate, log_index: u64) -> DidState {
    DidState {
        did: did_of(tx),
        controller: controller.into(),
        label: b.label.clone(),
        keys: vec![KeyVersion {
            id: "key-1".into(),
            multikey: b.key.clone(),
            from_ms: b.at_ms,
            from_log: log_index,
            until_ms: None,
            until_log: None,
            compromised: false,
        }],
        deactivated: None,
    }
}

fn controlled<'s>(state: &'s DidState, sender: &str) -> Result<&'s DidState, Refusal> {
    if state.controller != sender {
        return Err(Refusal::new(
            Code::NotOwner,
            format!(
                "did: {} is controlled by {}; only it may change it",
                state.did, state.controller
            ),
        ));
    }
    if let Some(d) = &state.deactivated {
        return Err(Refusal::new(
            Code::Deactivated,
            format!(
                "did: {} was deactivated at log index {} ({})",
                state.did, d.log_index, d.reason
            ),
        ));
    }
    Ok(state)
}

/// Applies a key rotation.
pub fn rotate(
    state: &DidState,
    sender: &str,
    b: &DidRotate,
    log_index: u64,
) -> Result<DidState, Refusal> {
    let state = controlled(state, sender)?;
    let current = state.keys.last().expect("a DID has a key");
    if state.keys.iter().any(|k| k.multikey == b.key) {
        return Err(Refusal::new(
            Code::AlreadyExists,
            format!(
                "key: the DID has already used {}; rotate to a new key",
                b.key
            ),
        ));
    }
    if b.at_ms < current.from_ms {
        return Err(Refusal::new(
            Code::SignedTime,
            format!(
                "at_ms: {} is before the current key took effect ({})",
                b.at_ms, current.from_ms
            ),
        ));
    }
    let mut next = state.clone();
    let last = next.keys.last_mut().expect("a DID has a key");
    last.until_ms = Some(b.at_ms);
    last.until_log = Some(log_index);
    last.compromised = b.compromised;
    next.keys.push(KeyVersion {
        id: format!("key-{}", next.keys.len() + 1),
        multikey: b.key.clone(),
        from_ms: b.at_ms,
        from_log: log_index,
        until_ms: None,
        until_log: None,
        compromised: false,
    });
    Ok(next)
}

/// Applies a deactivation.
pub fn deactivate(
    state: &DidState,
    sender: &str,
    b: &DidDeactivate,
    log_index: u64,
) -> Result<DidState, Refusal> {
    let mut next = controlled(state, sender)?.clone();
    next.deactivated = Some(Deactivation {
        at_ms: b.at_ms,
        log_index,
        reason: b.reason.clone(),
    });
    Ok(next)
}

/// The key `kid` (`did:unchain:…#key-N`) of `state` that signed a credential issued at
/// `iat_ms`: it must exist, the DID must be active, and the key must not have been
/// replaced before `iat_ms`.
pub fn signing_key(state: &DidState, kid: &str, iat_ms: u64) -> Result<PublicKey, String> {
    if let Some(d) = &state.deactivated {
        return Err(format!(
            "issuer {} was deactivated ({}), so nothing it signed verifies",
            state.did, d.reason
        ));
    }
    let (did, fragment) = kid
        .split_once('#')
        .ok_or_else(|| format!("kid {kid:?} does not name a key (did#key-N)"))?;
    if did != state.did {
        return Err(format!("kid {kid:?} is not a key of {}", state.did));
    }
    let key = state
        .keys
        .iter()
        .find(|k| k.id == fragment)
        .ok_or_else(|| format!("{} has no key {fragment}", state.did))?;
    if key.compromised {
        return Err(format!(
            "{kid} was reported compromised at {} ms (log index {}): nothing it signed verifies; the issuer must issue again",
            key.until_ms.unwrap_or_default(),
            key.until_log.unwrap_or_default()
        ));
    }
    if let Some(until) = key.until_ms
        && iat_ms >= until
    {
        return Err(format!(
            "{kid} was replaced at {until} ms, before this credential's issue time {iat_ms} ms"
        ));
    }
    Ok(key.key())
}

/// The current key, as `(kid fragment, Multikey)`.
pub fn current_key(state: &DidState) -> (&str, &str) {
    let k = state.keys.last().expect("a DID has a key");
    (&k.id, &k.multikey)
}

/// A credential's status, when and why it was last set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The new status.
    pub status: Status,
    /// Why.
    pub reason: String,
    /// When (signed time).
    pub at_ms: u64,
    /// Its log index: the leaf that proves it.
    pub log_index: u64,
    /// The transaction.
    pub tx_id: TxId,
}

/// Checks a status change: a revoked credential stays revoked, and a change must change
/// something.
pub fn check_status(current: Status, b: &SetStatus) -> Result<(), Refusal> {
    if current == Status::Revoked {
        return Err(Refusal::new(
            Code::BadTransition,
            format!(
                "idx: credential {}#{} is revoked, and revocation is final",
                b.issuer, b.idx
            ),
        ));
    }
    if current == b.status {
        return Err(Refusal::new(
            Code::BadTransition,
            format!(
                "status: credential {}#{} is already {:?}",
                b.issuer, b.idx, b.status
            ),
        ));
    }
    Ok(())
}

/// A child's missing flag, as last set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingFlag {
    /// The child.
    pub child: String,
    /// Missing (true) or found (false).
    pub missing: bool,
    /// The organisation that set it.
    pub by: String,
    /// Why.
    pub reason: String,
    /// When (signed time).
    pub at_ms: u64,
    /// Its log index.
    pub log_index: u64,
}

/// Applies a missing or found flag. Only the organisation that flagged a child missing, or
/// `registrar`, may clear the flag.
pub fn set_missing(
    current: Option<&MissingFlag>,
    sender: &str,
    registrar: Option<&str>,
    b: &Missing,
    log_index: u64,
) -> Result<MissingFlag, Refusal> {
    let now_missing = current.is_some_and(|f| f.missing);
    if b.missing && now_missing {
        return Err(Refusal::new(
            Code::BadTransition,
            format!("missing: child {} is already flagged missing", b.child),
        ));
    }
    if !b.missing {
        let Some(flag) = current.filter(|f| f.missing) else {
            return Err(Refusal::new(
                Code::BadTransition,
                format!("missing: child {} is not flagged missing", b.child),
            ));
        };
        if flag.by != sender && registrar != Some(sender) {
            return Err(Refusal::new(
                Code::NotOwner,
                format!(
                    "missing: child {} was flagged by {}; only it or the registrar clears the flag",
                    b.child, flag.by
                ),
            ));
        }
    }
    Ok(MissingFlag {
        child: b.child.clone(),
        missing: b.missing,
        by: sender.into(),
        reason: b.reason.clone(),
        at_ms: b.at_ms,
        log_index,
    })
}
