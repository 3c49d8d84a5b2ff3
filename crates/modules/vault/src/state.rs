//! What the vault keeps in ledger state, its keys, and the queries nodes answer from it.
//!
//! Keys (all under `vault/`):
//!
//! | key | value |
//! | --- | --- |
//! | `record/<id>` | [`Record`] |
//! | `version/<id>/<v:010>` | [`Version`] (wrapped keys removed at erasure) |
//! | `access/<id>/<member>` | [`Access`] |
//! | `consent/<id>/<member>` | [`ConsentRecord`] |
//! | `commitment/<hash>` | the record id holding that ciphertext |
//! | `token/<epoch:010>/<token>/<id>` | [`TokenHolder`] (removed at erasure) |
//! | `alert/<member>/<log index:020>/<n:04>` | [`Alert`] |
//! | `notice/<subject key>/<log index:020>` | [`Notice`] |
//! | `feed/<member>/<log index:020>/<n:04>` | [`FeedEntry`]: a ciphertext this member may now hold |
//! | `erased/<log index:020>` | [`ErasedEntry`]: ciphertexts every node must delete |
//! | `quota/<member>/<day>` | tokens submitted that UTC day (big-endian u64) |
//! | `matching/<epoch:010>` | [`MatchingEpoch`] after a rotation |
//! | `expiry/<expires ms:020>/<id>` | the owner of a record not yet erased, by end of retention |
//! | `policy/<jurisdiction>` | [`PublishedPolicy`]: the jurisdiction's sharing policy in force |
//! | `policy_history/<jurisdiction>/<v:010>` | [`PublishedPolicy`]: every version published |

use crate::body::{Decision, EraseReason, LegalBasis, Override, Policy, TokenEntry};
use crate::sharing::SharingPolicy;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use unchain_ledger::membership::member_named;
use unchain_ledger::{StateRead, StateReader};
use unchain_seal::{IdentifierKind, RecordId, WrappedKey};
use unchain_types::{Hash32, PublicKey, TxId};

/// A sealed record's metadata: never its content, never a plaintext identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Its id.
    pub record: RecordId,
    /// The organisation that sealed it.
    pub owner: String,
    /// What the payload is.
    pub schema: String,
    /// The survivor's key, if the record is about one.
    pub subject: Option<PublicKey>,
    /// Retention and consent policy.
    pub policy: Policy,
    /// Block time of version 1.
    pub created_ms: u64,
    /// When the retention period ends (block time, ms).
    pub expires_ms: u64,
    /// The newest version.
    pub latest_version: u32,
    /// Blind-index tokens of the newest version.
    pub tokens: Vec<TokenEntry>,
    /// Set once the record is erased.
    pub erased: Option<Erasure>,
}

/// An erasure receipt, as kept on the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    /// Why.
    pub reason: EraseReason,
    /// Who submitted it.
    pub by: String,
    /// The erasing transaction.
    pub tx: TxId,
    /// Block height and time.
    pub height: u64,
    /// Block time (ms).
    pub timestamp_ms: u64,
}

/// One version of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// The version number.
    pub version: u32,
    /// SHA-256 of its ciphertext.
    pub commitment: Hash32,
    /// Ciphertext length.
    pub size: u64,
    /// The sealing transaction.
    pub tx: TxId,
    /// Its log index (for the inclusion proof).
    pub log_index: u64,
    /// Block height.
    pub height: u64,
    /// Who may hold this version's ciphertext.
    pub recipients: BTreeSet<String>,
    /// The content key wrapped for each recipient; emptied at erasure.
    pub keys: BTreeMap<String, WrappedKey>,
}

/// An organisation's access to a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// The organisation.
    pub member: String,
    /// Who gave it access (the owner for its own record).
    pub granted_by: String,
    /// Why.
    pub purpose: String,
    /// On what legal basis (`None` for the owner).
    pub legal_basis: Option<LegalBasis>,
    /// Whether it may grant access to others.
    pub reshare: bool,
    /// The first version it received.
    pub from_version: u32,
    /// The granting transaction.
    pub tx: TxId,
    /// Block height.
    pub height: u64,
    /// Block time (ms).
    #[serde(default)]
    pub time_ms: u64,
    /// The user who granted it, when stated.
    #[serde(default)]
    pub actor: Option<String>,
    /// Set when access was given without the survivor's consent, on a court order.
    pub override_: Option<Override>,
    /// Set once revoked.
    pub revoked: Option<Revocation>,
}

/// The end of an organisation's access. What it already received stays with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// Who revoked.
    pub by: String,
    /// Why.
    pub reason: String,
    /// The revoking transaction.
    pub tx: TxId,
    /// Block height.
    pub height: u64,
    /// Versions it had already been given: these cannot be unshared.
    pub already_shared_versions: Vec<u32>,
}

/// A survivor's recorded decision about one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    /// The organisation.
    pub recipient: String,
    /// The purpose.
    pub purpose: String,
    /// Allow or withdraw.
    pub decision: Decision,
    /// The transaction that carried it.
    pub tx: TxId,
    /// Block height.
    pub height: u64,
}

/// Who holds a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenHolder {
    /// The record's owner.
    pub owner: String,
    /// The identifier kind.
    pub kind: IdentifierKind,
}

/// Two organisations' records share an identifier. Names the records and the kind, never
/// the identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// The organisation alerted.
    pub member: String,
    /// Its record.
    pub record: RecordId,
    /// The other organisation's record.
    pub other_record: RecordId,
    /// The other organisation.
    pub other_member: String,
    /// What kind of identifier they share.
    pub kind: IdentifierKind,
    /// The transaction that made the match.
    pub tx: TxId,
    /// Block height.
    pub height: u64,
    /// Block time (ms).
    pub timestamp_ms: u64,
}

/// A notice to a survivor's key: their record was shared on a court override.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The survivor's key.
    pub subject: PublicKey,
    /// The record.
    pub record: RecordId,
    /// Who received it.
    pub recipient: String,
    /// Who shared it.
    pub granted_by: String,
    /// The court order.
    pub override_: Override,
    /// The granting transaction.
    pub tx: TxId,
    /// Block height.
    pub height: u64,
    /// Block time (ms).
    pub timestamp_ms: u64,
}

/// A ciphertext a member's node may now fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedEntry {
    /// The record.
    pub record: RecordId,
    /// The version.
    pub version: u32,
    /// Its ciphertext's SHA-256.
    pub commitment: Hash32,
}

/// Ciphertexts every node must delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasedEntry {
    /// The record.
    pub record: RecordId,
    /// Every version's commitment.
    pub commitments: Vec<Hash32>,
}

/// A matching-key epoch set by rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchingEpoch {
    /// The epoch.
    pub epoch: u32,
    /// The key wrapped for each member.
    pub wrapped: BTreeMap<String, WrappedKey>,
    /// The rotating transaction (or the key round's finishing one).
    pub tx: TxId,
    /// The threshold key, for an epoch made by a key round: no member holds the key, each
    /// player holds a share, and `wrapped` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<ThresholdKey>,
}

/// A matching epoch's threshold key, as the ledger holds it: public only.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ThresholdKey {
    /// The key round that made (or last reshared) it.
    pub round: u64,
    /// The group key and every player's public share (`unchain_tokens::GroupKey`), hex:
    /// what a sealing organisation checks answers against.
    pub group_key: String,
    /// The round's whole public output, hex: the next resharing starts from it.
    pub output: String,
    /// The players by share index, with their Ed25519 keys (hex).
    pub players: Vec<(String, String)>,
}

pub(crate) fn record_key(id: &RecordId) -> Vec<u8> {
    format!("vault/record/{id}").into_bytes()
}
pub(crate) fn version_key(id: &RecordId, v: u32) -> Vec<u8> {
    format!("vault/version/{id}/{v:010}").into_bytes()
}
pub(crate) fn access_key(id: &RecordId, member: &str) -> Vec<u8> {
    format!("vault/access/{id}/{member}").into_bytes()
}
pub(crate) fn consent_key(id: &RecordId, member: &str) -> Vec<u8> {
    format!("vault/consent/{id}/{member}").into_bytes()
}
pub(crate) fn commitment_key(c: &Hash32) -> Vec<u8> {
    format!("vault/commitment/{c}").into_bytes()
}
pub(crate) fn token_prefix(epoch: u32, token: &Hash32) -> Vec<u8> {
    format!("vault/token/{epoch:010}/{token}/").into_bytes()
}
pub(crate) fn alert_key(member: &str, log_index: u64, n: usize) -> Vec<u8> {
    format!("vault/alert/{member}/{log_index:020}/{n:04}").into_bytes()
}
pub(crate) fn notice_key(subject: &PublicKey, log_index: u64) -> Vec<u8> {
    format!("vault/notice/{subject}/{log_index:020}").into_bytes()
}
pub(crate) fn feed_key(member: &str, log_index: u64, n: usize) -> Vec<u8> {
    format!("vault/feed/{member}/{log_index:020}/{n:04}").into_bytes()
}
/// A sidecar of one of the record's transactions (seal, grant, retoken): erased with it.
pub(crate) fn sidecar_key(id: &RecordId, digest: &Hash32) -> Vec<u8> {
    format!("vault/sidecar/{id}/{digest}").into_bytes()
}
pub(crate) fn erased_key(log_index: u64) -> Vec<u8> {
    format!("vault/erased/{log_index:020}").into_bytes()
}
pub(crate) fn quota_key(member: &str, day: u64) -> Vec<u8> {
    format!("vault/quota/{member}/{day}").into_bytes()
}
pub(crate) fn expiry_key(expires_ms: u64, id: &RecordId) -> Vec<u8> {
    format!("vault/expiry/{expires_ms:020}/{id}").into_bytes()
}
pub(crate) fn matching_key(epoch: u32) -> Vec<u8> {
    format!("vault/matching/{epoch:010}").into_bytes()
}

pub(crate) fn policy_key(jurisdiction: &str) -> Vec<u8> {
    format!("vault/policy/{jurisdiction}").into_bytes()
}
pub(crate) fn policy_history_key(jurisdiction: &str, v: u32) -> Vec<u8> {
    format!("vault/policy_history/{jurisdiction}/{v:010}").into_bytes()
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> T {
    serde_json::from_slice(bytes).expect("vault state holds JSON written by this module")
}

fn get<T: DeserializeOwned>(r: &StateReader, key: &[u8]) -> Result<Option<T>, redb::StorageError> {
    Ok(r.get(key)?.map(|v| decode(&v)))
}

fn scan<T: DeserializeOwned>(r: &StateReader, prefix: &[u8]) -> Result<Vec<T>, redb::StorageError> {
    Ok(r.scan_prefix(prefix)?
        .into_iter()
        .map(|(_, v)| decode(&v))
        .collect())
}

/// Every record one of `owners` owns, with every organisation given access to it (its
/// owner included; revoked access too), in record-id order: what an agreement among those
/// owners reads of what they shared. Scans every record: its cost grows with the vault.
pub fn records_of(
    r: &impl StateRead,
    owners: &[String],
) -> Result<Vec<(Record, Vec<Access>)>, redb::StorageError> {
    let mut out = Vec::new();
    for (_, v) in r.scan_prefix(b"vault/record/")? {
        let record: Record = decode(&v);
        if !owners.contains(&record.owner) {
            continue;
        }
        let access = r
            .scan_prefix(format!("vault/access/{}/", record.record).as_bytes())?
            .into_iter()
            .map(|(_, v)| decode(&v))
            .collect();
        out.push((record, access));
    }
    Ok(out)
}

/// A jurisdiction's sharing policy as published on the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedPolicy {
    /// The policy document.
    pub policy: SharingPolicy,
    /// 1 for the jurisdiction's first policy, one more at each replacement.
    pub version: u32,
    /// The governance member that published it.
    pub by: String,
    /// The publishing transaction.
    pub tx: TxId,
    /// Block height.
    pub height: u64,
    /// Block time (ms).
    pub time_ms: u64,
}

/// The sharing policy in force in `jurisdiction`, if one was published.
pub fn sharing_policy(
    r: &impl StateRead,
    jurisdiction: &str,
) -> Result<Option<PublishedPolicy>, redb::StorageError> {
    Ok(r.get(&policy_key(jurisdiction))?.map(|v| decode(&v)))
}

/// Every jurisdiction's sharing policy in force, by jurisdiction.
pub fn sharing_policies(r: &impl StateRead) -> Result<Vec<PublishedPolicy>, redb::StorageError> {
    Ok(r.scan_prefix(b"vault/policy/")?
        .into_iter()
        .map(|(_, v)| decode(&v))
        .collect())
}

/// Every version of `jurisdiction`'s sharing policy, oldest first.
pub fn policy_history(
    r: &impl StateRead,
    jurisdiction: &str,
) -> Result<Vec<PublishedPolicy>, redb::StorageError> {
    Ok(
        r.scan_prefix(format!("vault/policy_history/{jurisdiction}/").as_bytes())?
            .into_iter()
            .map(|(_, v)| decode(&v))
            .collect(),
    )
}

/// Whether `member` may hold the ciphertexts of records `owner` owns, by the residency list
/// of the sharing policy of `owner`'s jurisdiction: `Err` names the member, its
/// jurisdiction and the policy.
pub fn residency_allows(
    r: &impl StateRead,
    owner: &str,
    member: &str,
) -> Result<Result<(), Denied>, redb::StorageError> {
    let Some(owner) = member_named(r, owner)? else {
        return Ok(Ok(()));
    };
    let Some(published) = sharing_policy(r, &owner.jurisdiction)? else {
        return Ok(Ok(()));
    };
    let Some(places) = &published.policy.residency else {
        return Ok(Ok(()));
    };
    let jurisdiction = member_named(r, member)?.map(|m| m.jurisdiction);
    match jurisdiction {
        Some(j) if places.contains(&j) => Ok(Ok(())),
        other => Ok(Err(Denied::Residency {
            member: member.to_owned(),
            jurisdiction: other.unwrap_or_else(|| "no jurisdiction (not a member)".into()),
            policy: owner.jurisdiction,
            version: published.version,
        })),
    }
}

/// A record with its versions and who has access: what `GET /v1/vault/records/{id}` shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordView {
    /// The record's metadata.
    pub record: Record,
    /// Every version, oldest first.
    pub versions: Vec<Version>,
    /// Every organisation given access, revoked ones included.
    pub access: Vec<Access>,
    /// The survivor's recorded decisions.
    pub consents: Vec<ConsentRecord>,
}

/// The record `id` with its versions, access and consents.
pub fn record(r: &StateReader, id: &RecordId) -> Result<Option<RecordView>, redb::StorageError> {
    let Some(record) = get::<Record>(r, &record_key(id))? else {
        return Ok(None);
    };
    Ok(Some(RecordView {
        record,
        versions: scan(r, format!("vault/version/{id}/").as_bytes())?,
        access: scan(r, format!("vault/access/{id}/").as_bytes())?,
        consents: scan(r, format!("vault/consent/{id}/").as_bytes())?,
    }))
}

/// Why a member may not hold a ciphertext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// No committed record version has this commitment.
    #[error("no committed record has this ciphertext")]
    Unknown,
    /// The record was erased.
    #[error("the record was erased")]
    Erased,
    /// The member was never given this version.
    #[error("{0} is not a recipient of this record version")]
    NotRecipient(String),
    /// The member's access was revoked.
    #[error("{0}'s access to this record was revoked")]
    Revoked(String),
    /// The owner's jurisdiction's sharing policy keeps its records out of the member's.
    #[error(
        "{member} is in {jurisdiction}; the sharing policy of {policy} (version {version}) keeps its records out of it (rule `residency`)"
    )]
    Residency {
        /// The member.
        member: String,
        /// Its jurisdiction.
        jurisdiction: String,
        /// The policy's jurisdiction (the owner's).
        policy: String,
        /// The policy's version.
        version: u32,
    },
}

/// The record and version holding the ciphertext `commitment`, if `member` may hold it:
/// it is a recipient of that version, its access is not revoked, the record is not erased,
/// and the sharing policy of the owner's jurisdiction lets its records be held where the
/// member is (a policy tightened after a grant stops the ciphertext there). Nodes ask this before serving a ciphertext to anyone.
pub fn may_hold(
    r: &StateReader,
    commitment: &Hash32,
    member: &str,
) -> Result<Result<(Record, Version), Denied>, redb::StorageError> {
    let Some(id) = r.get(&commitment_key(commitment))? else {
        return Ok(Err(Denied::Unknown));
    };
    let id = Hash32(id.try_into().expect("32-byte record id"));
    let record: Record = get(r, &record_key(&id))?.expect("commitment index points at a record");
    if record.erased.is_some() {
        return Ok(Err(Denied::Erased));
    }
    let version = scan::<Version>(r, format!("vault/version/{id}/").as_bytes())?
        .into_iter()
        .find(|v| v.commitment == *commitment)
        .expect("commitment index points at a version");
    if !version.recipients.contains(member) {
        return Ok(Err(Denied::NotRecipient(member.to_owned())));
    }
    match get::<Access>(r, &access_key(&id, member))? {
        Some(a) if a.revoked.is_none() => {}
        Some(_) => return Ok(Err(Denied::Revoked(member.to_owned()))),
        None => return Ok(Err(Denied::NotRecipient(member.to_owned()))),
    }
    if let Err(why) = residency_allows(r, &record.owner, member)? {
        return Ok(Err(why));
    }
    Ok(Ok((record, version)))
}

/// `member`'s match alerts, oldest first.
pub fn alerts(r: &StateReader, member: &str) -> Result<Vec<Alert>, redb::StorageError> {
    scan(r, format!("vault/alert/{member}/").as_bytes())
}

/// Notices to the survivor key `subject`, oldest first.
pub fn notices(r: &StateReader, subject: &PublicKey) -> Result<Vec<Notice>, redb::StorageError> {
    scan(r, format!("vault/notice/{subject}/").as_bytes())
}

/// The ciphertexts `member`'s node may fetch, in log order, whose feed keys sort after
/// `after` (empty: from the start), each with its key as the next cursor. Entries for
/// records later erased or revoked are included: check [`may_hold`].
pub fn feed(
    r: &StateReader,
    member: &str,
    after: &[u8],
) -> Result<Vec<(Vec<u8>, FeedEntry)>, redb::StorageError> {
    scan_after(r, format!("vault/feed/{member}/").as_bytes(), after)
}

/// The erasures whose keys sort after `after` (empty: from the start), in log order, each
/// with its key as the next cursor.
pub fn erased(
    r: &StateReader,
    after: &[u8],
) -> Result<Vec<(Vec<u8>, ErasedEntry)>, redb::StorageError> {
    scan_after(r, b"vault/erased/", after)
}

fn scan_after<T: DeserializeOwned>(
    r: &StateReader,
    prefix: &[u8],
    after: &[u8],
) -> Result<Vec<(Vec<u8>, T)>, redb::StorageError> {
    Ok(r.scan_prefix_after(prefix, after)?
        .into_iter()
        .map(|(k, v)| (k, decode(&v)))
        .collect())
}

/// A record whose retention has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueErasure {
    /// The record.
    pub record: RecordId,
    /// Its owner.
    pub owner: String,
    /// When its retention ended (block time, ms).
    pub expires_ms: u64,
}

/// Records whose retention ended at or before `now_ms` (block time) and that are not yet
/// erased, oldest first: what nodes submit `vault.erase` for.
pub fn due_for_erasure(
    r: &StateReader,
    now_ms: u64,
) -> Result<Vec<DueErasure>, redb::StorageError> {
    let mut out = Vec::new();
    for (key, owner) in r.scan_prefix(b"vault/expiry/")? {
        let key = std::str::from_utf8(&key).expect("ASCII key");
        let mut parts = key["vault/expiry/".len()..].split('/');
        let expires_ms: u64 = parts
            .next()
            .and_then(|p| p.parse().ok())
            .expect("expiry time");
        if expires_ms > now_ms {
            break;
        }
        let record = Hash32::from_hex(parts.next().expect("record id")).expect("record id");
        let owner = String::from_utf8(owner).expect("member name");
        out.push(DueErasure {
            record,
            owner,
            expires_ms,
        });
    }
    Ok(out)
}

/// Whether any committed record version has this commitment (erased ones included).
pub fn is_committed(r: &StateReader, commitment: &Hash32) -> Result<bool, redb::StorageError> {
    Ok(r.get(&commitment_key(commitment))?.is_some())
}

/// The matching-key epochs set by rotation, oldest first (genesis holds epoch 1).
pub fn matching_epochs(r: &StateReader) -> Result<Vec<MatchingEpoch>, redb::StorageError> {
    scan(r, b"vault/matching/")
}

/// A record and the live (unrevoked) access of `member` to it, read through any view of
/// state: `get` reads one key. Other modules use it during execution to check that a
/// record they point to exists and who may read it.
pub fn record_access(
    get: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, redb::StorageError>,
    id: &RecordId,
    member: &str,
) -> Result<Option<(Record, Option<Access>)>, redb::StorageError> {
    let Some(record) = get(&record_key(id))? else {
        return Ok(None);
    };
    let record: Record = decode(&record);
    let access = get(&access_key(id, member))?
        .map(|v| decode::<Access>(&v))
        .filter(|a| a.revoked.is_none());
    Ok(Some((record, access)))
}

/// The record and version a ciphertext belongs to, if a committed version names it.
pub fn record_of_commitment(
    r: &StateReader,
    commitment: &Hash32,
) -> Result<Option<(RecordId, u32)>, redb::StorageError> {
    let Some(id) = r.get(&commitment_key(commitment))? else {
        return Ok(None);
    };
    let id = Hash32(id.try_into().expect("record ids are 32 bytes"));
    let version = scan::<Version>(r, format!("vault/version/{id}/").as_bytes())?
        .into_iter()
        .find(|v| v.commitment == *commitment)
        .map(|v| v.version);
    Ok(version.map(|v| (id, v)))
}
