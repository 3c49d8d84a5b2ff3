//! Identity's state under `identity/`: DIDs and their controllers, issuances and their
//! status, registered children and their credentials, the missing-child feed and the index
//! of what a trust bundle carries; and the queries over them.

pub use crate::records::{Child, Issued};
pub(crate) use crate::records::{child_key, did_key, issued_key};
use crate::rules::{self, DidState};
use serde_json::{Value, json};
use unchain_credentials::did::multikey;
use unchain_credentials::status::StatusList;
use unchain_ledger::StateReader;
use unchain_ledger::state::decode;

pub(crate) fn child_cred_key(child: &str, log_index: u64) -> Vec<u8> {
    format!("identity/child_cred/{child}/{log_index:020}").into_bytes()
}

pub(crate) fn controller_key(member: &str, did: &str) -> Vec<u8> {
    format!("identity/controller/{member}/{}", rules::did_suffix(did)).into_bytes()
}

/// Prefix of the global missing-child feed: `identity/missing/{log index:020}`.
pub const MISSING_FEED: &str = "identity/missing/";

/// Prefix of the index of transactions a trust bundle carries (DID changes, status
/// changes, missing flags): `identity/trust/{log index:020}`.
pub(crate) const TRUST_INDEX: &str = "identity/trust/";

/// A DID's state.
pub fn did(reader: &StateReader, did: &str) -> Result<Option<DidState>, redb::StorageError> {
    Ok(reader.get(&did_key(did))?.map(|v| decode(&v)))
}

/// The DIDs `member` controls.
pub fn dids_of(reader: &StateReader, member: &str) -> Result<Vec<DidState>, redb::StorageError> {
    let prefix = format!("identity/controller/{member}/");
    let mut out = Vec::new();
    for (k, _) in reader.scan_prefix(prefix.as_bytes())? {
        let suffix = std::str::from_utf8(&k[prefix.len()..]).expect("keys are ASCII");
        out.extend(did(reader, &format!("did:unchain:{suffix}"))?);
    }
    Ok(out)
}

/// A credential's issuance and status.
pub fn issued(
    reader: &StateReader,
    issuer: &str,
    idx: u32,
) -> Result<Option<Issued>, redb::StorageError> {
    Ok(reader.get(&issued_key(issuer, idx))?.map(|v| decode(&v)))
}

/// Every credential `issuer` issued, by index.
pub fn issued_by(reader: &StateReader, issuer: &str) -> Result<Vec<Issued>, redb::StorageError> {
    let prefix = format!("identity/issued/{}/", rules::did_suffix(issuer));
    Ok(reader
        .scan_prefix(prefix.as_bytes())?
        .into_iter()
        .map(|(_, v)| decode(&v))
        .collect())
}

/// The lowest status index `issuer` has not used (`None` once all are).
pub fn next_index(reader: &StateReader, issuer: &str) -> Result<Option<u32>, redb::StorageError> {
    let mut free = 0u32;
    for i in issued_by(reader, issuer)? {
        if i.idx != free {
            break;
        }
        free += 1;
    }
    Ok((free < unchain_credentials::status::CAPACITY).then_some(free))
}

/// The issuer's status list, from the ledger's record of every change.
pub fn status_list(reader: &StateReader, issuer: &str) -> Result<StatusList, redb::StorageError> {
    let mut list = StatusList::new();
    for i in issued_by(reader, issuer)? {
        list.set(i.idx, i.status.code());
    }
    Ok(list)
}

/// A registered child.
pub fn child(reader: &StateReader, child: &str) -> Result<Option<Child>, redb::StorageError> {
    Ok(reader.get(&child_key(child))?.map(|v| decode(&v)))
}

/// The credentials issued about a child, oldest first (child registration, guardian links).
pub fn credentials_of_child(
    reader: &StateReader,
    child: &str,
) -> Result<Vec<Issued>, redb::StorageError> {
    let mut out = Vec::new();
    for (_, v) in reader.scan_prefix(format!("identity/child_cred/{child}/").as_bytes())? {
        if let Some(i) = reader.get(&v)? {
            out.push(decode(&i));
        }
    }
    Ok(out)
}

/// The log indexes of the transactions a trust bundle carries, oldest first.
pub fn trust_entries(reader: &StateReader) -> Result<Vec<u64>, redb::StorageError> {
    Ok(reader
        .scan_prefix(TRUST_INDEX.as_bytes())?
        .into_iter()
        .map(|(k, _)| {
            std::str::from_utf8(&k[TRUST_INDEX.len()..])
                .ok()
                .and_then(|s| s.parse().ok())
                .expect("trust index keys end with a log index")
        })
        .collect())
}

/// A `did:unchain` as a W3C DID resolution result: the document (current key), and its
/// metadata with the full key history and any deactivation.
pub fn did_document(state: &DidState) -> Value {
    let (current, _) = rules::current_key(state);
    let vm = |id: &str| format!("{}#{id}", state.did);
    let methods: Vec<Value> = state
        .keys
        .iter()
        .filter(|k| k.until_ms.is_none())
        .map(|k| {
            json!({
                "id": vm(&k.id),
                "type": "Multikey",
                "controller": state.did,
                "publicKeyMultibase": k.multikey,
            })
        })
        .collect();
    let document = if state.deactivated.is_some() {
        json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": state.did,
        })
    } else {
        json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": state.did,
            "controller": state.did,
            "verificationMethod": methods,
            "assertionMethod": [vm(current)],
            "authentication": [vm(current)],
        })
    };
    json!({
        "didDocument": document,
        "didDocumentMetadata": {
            "created": xml_datetime(state.keys[0].from_ms),
            "updated": xml_datetime(
                state
                    .deactivated
                    .as_ref()
                    .map_or(state.keys.last().map_or(0, |k| k.from_ms), |d| d.at_ms),
            ),
            "versionId": state.keys.len().to_string(),
            "deactivated": state.deactivated.is_some(),
            "controller": state.controller,
            "label": state.label,
            "keyHistory": state.keys,
            "deactivation": state.deactivated,
        },
        "didResolutionMetadata": { "contentType": "application/did+ld+json" },
    })
}

/// A time as DID Core's metadata wants it: an XML datetime in UTC, whole seconds.
fn xml_datetime(ms: u64) -> String {
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms))
        .to_string()
}

/// The W3C DID resolution result of a `did:key`.
pub fn did_key_resolution(key: &unchain_types::PublicKey) -> Value {
    json!({
        "didDocument": unchain_credentials::did::did_key_document(key),
        "didDocumentMetadata": {},
        "didResolutionMetadata": { "contentType": "application/did+ld+json", "multikey": multikey(key) },
    })
}
