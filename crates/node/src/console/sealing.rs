//! The vault seen from the console: the node seals, opens and re-wraps records for its
//! organisation's users, with the organisation's X25519 key, the way `unchain vault` does
//! on an organisation's machine. Plaintext lives only in this process's memory for the
//! request; what reaches the disk is the ciphertext. Every opening and every refusal is
//! written to the node's audit log with the user's pseudonymous id.

use super::need;
use crate::api::ApiState;
use crate::users::User;
use unchain_seal::blind::{IdentifierKind, MatchingKey};
use unchain_seal::envelope::open_payload;
use unchain_seal::wrap::{WrappedKey, matching_key_info, record_key_info, seal_record};
use unchain_types::{Hash32, TxId};
use unchain_vault::state::{self, RecordView};

/// A record id.
pub(crate) type RecordId = Hash32;

/// Refuses when the node is configured not to seal or open records (`[console] sealed =
/// false`).
pub(crate) fn on_node(state: &ApiState) -> Result<(), String> {
    if state.console.sealed {
        Ok(())
    } else {
        Err(format!(
            "{}'s node does not seal or open records ([console] sealed = false): use unchain vault or unchain tips on your organisation's machine",
            state.node_name
        ))
    }
}

fn members(state: &ApiState) -> Result<Vec<unchain_ledger::Member>, String> {
    state.ledger.members().map_err(|e| e.to_string())
}

/// The consortium's current matching key, unwrapped with the organisation's key.
fn matching_key(state: &ApiState) -> Result<(u32, MatchingKey), String> {
    let (epoch, mine) =
        crate::api::vault::wrapped_matching_key(state, &state.node_name).map_err(|p| p.detail)?;
    let bytes = mine
        .unwrap(
            &state.encryption,
            &matching_key_info(&state.ledger.genesis().chain_id, epoch, &state.node_name),
        )
        .map_err(|_| "the matching key does not open with this node's key file".to_owned())?;
    Ok((epoch, MatchingKey::from_bytes(bytes)))
}

/// What to seal.
pub(crate) struct SealRequest<'a> {
    /// The record's schema (`htcds.case`, …).
    pub schema: &'a str,
    /// The plaintext.
    pub plaintext: &'a [u8],
    /// Identifiers to blind for matching: (kind, value as written).
    pub identifiers: Vec<(&'static str, String)>,
    /// The country for phone numbers written without `+`.
    pub country: Option<&'a str>,
    /// A new version of this record, or a new record.
    pub record: Option<RecordId>,
    /// The acting user.
    pub actor: &'a str,
}

/// Seals `r` for the organisation (and, for a new version, every organisation with
/// access), stores the ciphertext in this node's vault and submits `vault.seal`.
pub(crate) async fn seal(state: &ApiState, r: SealRequest<'_>) -> Result<(RecordId, TxId), String> {
    on_node(state)?;
    let members = members(state)?;
    let chain = state.ledger.genesis().chain_id.clone();
    let (id, version, recipients) = match r.record {
        None => (Hash32(rand::random()), 1, vec![state.node_name.clone()]),
        Some(id) => {
            let view = record(state, &id)?;
            let to = view
                .access
                .iter()
                .filter(|a| a.revoked.is_none())
                .map(|a| a.member.clone())
                .collect();
            (id, view.record.latest_version + 1, to)
        }
    };
    let mut tokens = Vec::new();
    if !r.identifiers.is_empty() {
        let (epoch, mk) = matching_key(state)?;
        for (kind, value) in &r.identifiers {
            let kind: IdentifierKind = kind.parse()?;
            let token = mk
                .blind(kind, value, r.country)
                .map_err(|e| format!("{}: {e}", kind.as_str()))?;
            tokens.push(serde_json::json!({"kind": kind, "token": token, "epoch": epoch}));
        }
    }
    let to = recipients
        .iter()
        .map(|name| {
            let m = members
                .iter()
                .find(|m| &m.name == name)
                .ok_or_else(|| format!("{name} is not a member"))?;
            Ok((name.clone(), m.encryption_key))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let (ciphertext, c, wrapped) = seal_record(&chain, &id, version, r.plaintext, &to);
    state
        .vault
        .put(&c, &ciphertext)
        .map_err(|e| e.to_string())?;
    let mut body = serde_json::json!({
        "record": id, "version": version, "schema": r.schema, "commitment": c,
        "size": ciphertext.len(), "recipients": wrapped, "tokens": tokens, "actor": r.actor,
    });
    if version == 1 {
        body["policy"] = serde_json::json!({"retention_days": 3650, "consent_required": false});
    }
    let tx = crate::api::users::sign_and_submit(state, "vault.seal", body)
        .await
        .map_err(|p| p.detail)?;
    Ok((id, tx))
}

/// A record's metadata.
pub(crate) fn record(state: &ApiState, id: &RecordId) -> Result<RecordView, String> {
    let reader = state.ledger.state_reader().map_err(|e| e.to_string())?;
    state::record(&reader, id)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no record {id}"))
}

/// Why a record did not open.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// The user's roles do not read sealed content.
    Role,
    /// The organisation holds no access (or the record was erased): the ledger's reason.
    Denied(String),
    /// The ciphertext has not reached this node yet.
    NotYet,
    /// This node does not open records (`[console] sealed = false`): why, and where to.
    Off(String),
    /// Anything else.
    Other(String),
}

/// Opens `version` (default: latest) of record `id` for `user`; every attempt, opened or
/// refused, is written to the audit log.
pub(crate) fn open(
    state: &ApiState,
    user: &User,
    id: &RecordId,
    version: Option<u32>,
) -> Result<(u32, Vec<u8>), OpenError> {
    let view = record(state, id).map_err(OpenError::Other)?;
    let version = version.unwrap_or(view.record.latest_version);
    let v = view
        .versions
        .iter()
        .find(|v| v.version == version)
        .ok_or_else(|| OpenError::Other(format!("record {id} has no version {version}")))?;
    let reader = state
        .ledger
        .state_reader()
        .map_err(|e| OpenError::Other(e.to_string()))?;
    let verdict = state::may_hold(&reader, &v.commitment, &state.node_name)
        .map_err(|e| OpenError::Other(e.to_string()))?;
    let role_ok = user.may(need::READ_SEALED);
    let on_node = on_node(state);
    let allowed = role_ok && verdict.is_ok() && on_node.is_ok();
    state
        .audit
        .record_read(
            crate::api::users::now_ms(),
            &state.node_name,
            Some(&user.id),
            Some((*id, version)),
            v.commitment,
            allowed,
        )
        .map_err(|e| OpenError::Other(e.to_string()))?;
    tracing::info!(user = %user.id, record = %id, version, allowed, "console: sealed record requested");
    if !role_ok {
        return Err(OpenError::Role);
    }
    if let Err(why) = verdict {
        return Err(OpenError::Denied(why.to_string()));
    }
    on_node.map_err(OpenError::Off)?;
    let wrapped = v.keys.get(&state.node_name).ok_or_else(|| {
        OpenError::Denied(format!(
            "{} is not a recipient of version {version}",
            state.node_name
        ))
    })?;
    let key = wrapped
        .unwrap_content_key(
            &state.encryption,
            &record_key_info(
                &state.ledger.genesis().chain_id,
                id,
                version,
                &state.node_name,
            ),
        )
        .map_err(|e| OpenError::Other(e.to_string()))?;
    let ciphertext = state
        .vault
        .get(&v.commitment)
        .map_err(|e| OpenError::Other(e.to_string()))?
        .ok_or(OpenError::NotYet)?;
    let plain = open_payload(&key, id, version, &ciphertext)
        .map_err(|e| OpenError::Other(format!("record {id} version {version}: {e}")))?;
    Ok((version, plain))
}

/// The body of a `vault.grant` of record `id`'s latest version to `to`.
pub(crate) fn grant_body(
    state: &ApiState,
    id: &RecordId,
    to: &str,
    purpose: &str,
    legal_basis: &str,
    actor: &str,
) -> Result<serde_json::Value, String> {
    on_node(state)?;
    let view = record(state, id)?;
    let version = view.record.latest_version;
    let v = view
        .versions
        .iter()
        .find(|v| v.version == version)
        .ok_or("no latest version")?;
    let chain = state.ledger.genesis().chain_id.clone();
    let mine = v
        .keys
        .get(&state.node_name)
        .ok_or_else(|| format!("{} is not a recipient of this record", state.node_name))?;
    let key = mine
        .unwrap_content_key(
            &state.encryption,
            &record_key_info(&chain, id, version, &state.node_name),
        )
        .map_err(|e| e.to_string())?;
    let member = members(state)?
        .into_iter()
        .find(|m| m.name == to)
        .ok_or_else(|| format!("{to} is not a member"))?;
    let wrapped = WrappedKey::wrap_content_key(
        &key,
        &member.encryption_key,
        &record_key_info(&chain, id, version, to),
    );
    Ok(serde_json::json!({
        "record": id, "version": version, "recipient": to, "wrapped_key": wrapped,
        "purpose": purpose, "legal_basis": legal_basis, "reshare": false, "actor": actor,
    }))
}
