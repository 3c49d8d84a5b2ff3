//! Identity (seed capability 4): DIDs for organisations and long-lived identities with key
//! rotation, credential issuance and revocation anchored on the ledger, children without
//! birth certificates registered with guardian links, missing-child flags, and the border
//! check that works offline.
//!
//! - `identity.did_create` / `did_rotate` / `did_deactivate`: a `did:unchain` and its key
//!   history ([`rules`]); [`did_document`] renders it as a W3C DID document.
//! - `identity.issue`: an SD-JWT VC was issued (its digest, type, status index, and the
//!   child it is about, if any); the index is taken for good.
//! - `identity.status`: revoke (final), suspend or reinstate a credential. The issuer's
//!   status list ([`status_list`], IETF Token Status List) is derived from these, and the
//!   log proves when each change happened.
//! - `identity.child_register`: a registrar registered a child whose minimal data it
//!   sealed in its own vault record; the chain holds only the pseudonymous child id.
//! - `identity.missing`: a child is flagged missing or found; the flag goes to every
//!   organisation's event stream.
//!
//! [`credential`] defines the credentials; [`trust`] the trust bundle a border post keeps;
//! [`border`] the verdicts.
#![forbid(unsafe_code)]

pub mod body;
pub mod border;
pub mod client;
pub mod credential;
pub mod rules;
pub mod trust;

use body::Body;
use rules::{DidState, MissingFlag, StatusChange};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use unchain_credentials::did::multikey;
use unchain_credentials::status::{Status, StatusList};
use unchain_ledger::refuse as reject;
use unchain_ledger::state::{decode, encode};
use unchain_ledger::{BodyError, ExecContext, ExecError, KindSpec, Module, Role, StateReader};
use unchain_types::{Code, Hash32, TxId};

/// The `identity.*` kinds.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "identity.did_create",
        role: Role::Identity,
        summary: "create a did:unchain controlled by your organisation, with its first key",
    },
    KindSpec {
        kind: "identity.did_rotate",
        role: Role::Identity,
        summary: "replace a DID's key; the old key signs nothing from now on",
    },
    KindSpec {
        kind: "identity.did_deactivate",
        role: Role::Identity,
        summary: "retire a DID: nothing it signed verifies any more",
    },
    KindSpec {
        kind: "identity.issue",
        role: Role::Identity,
        summary: "record a credential's issuance: digest, type, status index, the child it is about",
    },
    KindSpec {
        kind: "identity.status",
        role: Role::Identity,
        summary: "revoke (final), suspend or reinstate a credential you issued",
    },
    KindSpec {
        kind: "identity.child_register",
        role: Role::Identity,
        summary: "register a child (pseudonymous id) whose data you sealed in your vault",
    },
    KindSpec {
        kind: "identity.missing",
        role: Role::Identity,
        summary: "flag a registered child missing, or found; every organisation is told",
    },
];

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

fn did_key(did: &str) -> Vec<u8> {
    format!("identity/did/{}", rules::did_suffix(did)).into_bytes()
}

fn issued_key(issuer: &str, idx: u32) -> Vec<u8> {
    format!("identity/issued/{}/{idx:010}", rules::did_suffix(issuer)).into_bytes()
}

fn child_key(child: &str) -> Vec<u8> {
    format!("identity/child/{child}").into_bytes()
}

fn child_cred_key(child: &str, log_index: u64) -> Vec<u8> {
    format!("identity/child_cred/{child}/{log_index:020}").into_bytes()
}

fn controller_key(member: &str, did: &str) -> Vec<u8> {
    format!("identity/controller/{member}/{}", rules::did_suffix(did)).into_bytes()
}

/// Prefix of the global missing-child feed: `identity/missing/{log index:020}`.
pub const MISSING_FEED: &str = "identity/missing/";

/// Prefix of the index of transactions a trust bundle carries (DID changes, status
/// changes, missing flags): `identity/trust/{log index:020}`.
const TRUST_INDEX: &str = "identity/trust/";

/// The identity module.
pub struct IdentityModule;

fn load<T: serde::de::DeserializeOwned>(
    ctx: &ExecContext<'_, '_>,
    key: &[u8],
) -> Result<Option<T>, ExecError> {
    Ok(ctx.state.get(key)?.map(|v| decode(&v)))
}

fn controlled_did(ctx: &ExecContext<'_, '_>, did: &str) -> Result<DidState, ExecError> {
    let state: DidState = load(ctx, &did_key(did))?
        .ok_or_else(|| reject(Code::NotFound, format!("did: {did} does not exist")))?;
    if state.controller != ctx.sender.name {
        return Err(reject(
            Code::NotOwner,
            format!(
                "did: {did} is controlled by {}, not by {}",
                state.controller, ctx.sender.name
            ),
        ));
    }
    if let Some(d) = &state.deactivated {
        return Err(reject(
            Code::Deactivated,
            format!(
                "did: {did} was deactivated ({}); it issues nothing",
                d.reason
            ),
        ));
    }
    Ok(state)
}

impl IdentityModule {
    fn run(&self, ctx: &mut ExecContext<'_, '_>, body: &Body) -> Result<(), ExecError> {
        let sender = ctx.sender.name.clone();
        let log = ctx.log_index;
        let trust = format!("{TRUST_INDEX}{log:020}").into_bytes();
        match body {
            Body::DidCreate(b) => {
                let state = rules::create(&ctx.tx_id, &sender, b, log);
                if ctx.state.get(&did_key(&state.did))?.is_some() {
                    return Err(reject(
                        Code::AlreadyExists,
                        format!("did: {} already exists", state.did),
                    ));
                }
                ctx.state.put(&controller_key(&sender, &state.did), &[])?;
                ctx.state.put(&did_key(&state.did), &encode(&state))?;
                ctx.state.put(&trust, &[])?;
            }
            Body::DidRotate(b) => {
                let state: DidState = load(ctx, &did_key(&b.did))?.ok_or_else(|| {
                    reject(Code::NotFound, format!("did: {} does not exist", b.did))
                })?;
                let next = rules::rotate(&state, &sender, b, log).map_err(ExecError::Refused)?;
                ctx.state.put(&did_key(&b.did), &encode(&next))?;
                ctx.state.put(&trust, &[])?;
            }
            Body::DidDeactivate(b) => {
                let state: DidState = load(ctx, &did_key(&b.did))?.ok_or_else(|| {
                    reject(Code::NotFound, format!("did: {} does not exist", b.did))
                })?;
                let next =
                    rules::deactivate(&state, &sender, b, log).map_err(ExecError::Refused)?;
                ctx.state.put(&did_key(&b.did), &encode(&next))?;
                ctx.state.put(&trust, &[])?;
            }
            Body::Issue(b) => {
                controlled_did(ctx, &b.issuer)?;
                if let Some(prev) = load::<Issued>(ctx, &issued_key(&b.issuer, b.idx))? {
                    return Err(reject(
                        Code::AlreadyExists,
                        format!(
                            "idx: {} of {} was taken at log index {}; ask the node for the next free index",
                            b.idx, b.issuer, prev.log_index
                        ),
                    ));
                }
                if let Some(c) = &b.child
                    && ctx.state.get(&child_key(c))?.is_none()
                {
                    return Err(reject(
                        Code::NotFound,
                        format!("child: {c} is not registered"),
                    ));
                }
                if let Some(c) = &b.child {
                    ctx.state
                        .put(&child_cred_key(c, log), &issued_key(&b.issuer, b.idx))?;
                }
                let issued = Issued {
                    issuer: b.issuer.clone(),
                    idx: b.idx,
                    vct: b.vct.clone(),
                    digest: b.digest,
                    child: b.child.clone(),
                    member: sender,
                    at_ms: b.at_ms,
                    log_index: log,
                    tx_id: ctx.tx_id,
                    status: Status::Valid,
                    changes: Vec::new(),
                };
                ctx.state
                    .put(&issued_key(&b.issuer, b.idx), &encode(&issued))?;
            }
            Body::Status(b) => {
                controlled_did(ctx, &b.issuer)?;
                let mut issued: Issued =
                    load(ctx, &issued_key(&b.issuer, b.idx))?.ok_or_else(|| {
                        reject(
                            Code::NotFound,
                            format!("idx: {} of {} was never issued", b.idx, b.issuer),
                        )
                    })?;
                rules::check_status(issued.status, b).map_err(ExecError::Refused)?;
                issued.status = b.status;
                issued.changes.push(StatusChange {
                    status: b.status,
                    reason: b.reason.clone(),
                    at_ms: b.at_ms,
                    log_index: log,
                    tx_id: ctx.tx_id,
                });
                ctx.state
                    .put(&issued_key(&b.issuer, b.idx), &encode(&issued))?;
                ctx.state.put(&trust, &[])?;
            }
            Body::ChildRegister(b) => {
                if let Some(c) = load::<Child>(ctx, &child_key(&b.child))? {
                    return Err(reject(
                        Code::AlreadyExists,
                        format!(
                            "child: {} was registered by {} at log index {}",
                            b.child, c.registrar, c.log_index
                        ),
                    ));
                }
                let (record, _) =
                    unchain_vault::state::record_access(|k| ctx.state.get(k), &b.record, &sender)?
                        .ok_or_else(|| {
                            reject(
                                Code::NotFound,
                                format!(
                                    "record: {} is not a sealed record on this chain",
                                    b.record
                                ),
                            )
                        })?;
                if record.owner != sender {
                    return Err(reject(
                        Code::NotOwner,
                        format!(
                            "record: {} belongs to {}; register a child over your own sealed record",
                            b.record, record.owner
                        ),
                    ));
                }
                if record.erased.is_some() {
                    return Err(reject(
                        Code::Erased,
                        format!("record: {} was erased", b.record),
                    ));
                }
                let child = Child {
                    child: b.child.clone(),
                    registrar: sender,
                    record: b.record,
                    at_ms: b.at_ms,
                    log_index: log,
                    flag: None,
                };
                ctx.state.put(&child_key(&b.child), &encode(&child))?;
            }
            Body::Missing(b) => {
                let mut child: Child = load(ctx, &child_key(&b.child))?.ok_or_else(|| {
                    reject(
                        Code::NotFound,
                        format!("child: {} is not registered", b.child),
                    )
                })?;
                let flag = rules::set_missing(
                    child.flag.as_ref(),
                    &sender,
                    Some(&child.registrar),
                    b,
                    log,
                )
                .map_err(ExecError::Refused)?;
                ctx.state.put(
                    format!("{MISSING_FEED}{log:020}").as_bytes(),
                    &encode(&flag),
                )?;
                child.flag = Some(flag);
                ctx.state.put(&child_key(&b.child), &encode(&child))?;
                ctx.state.put(&trust, &[])?;
            }
        }
        Ok(())
    }
}

impl Module for IdentityModule {
    type Body = Body;

    fn name(&self) -> &'static str {
        "identity"
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn parse_body(&self, kind: &str, body: &Value) -> Result<Body, BodyError> {
        body::parse(kind, body)
    }

    fn execute(&self, ctx: &mut ExecContext<'_, '_>, body: &Body) -> Result<(), ExecError> {
        rules::check_time(body.at_ms(), ctx.timestamp_ms)
            .map_err(|e| reject(Code::SignedTime, e))?;
        self.run(ctx, body)
    }
}

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
