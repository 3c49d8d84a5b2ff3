//! The vault seen from the console: the node seals, opens and re-wraps records for its
//! organisation's users, with the organisation's X25519 key, the way `unchain vault` does
//! on an organisation's machine. Plaintext lives only in this process's memory for the
//! request; what reaches the disk is the ciphertext. Every opening and every refusal is
//! written to the node's audit log with the user's pseudonymous id.

use super::need;
use crate::console::ConsoleState;
use crate::service::problem::{Problem, forbidden};
use crate::users::User;
use axum::http::StatusCode;
use unchain_seal::blind::{IdentifierKind, MatchingKey};
use unchain_seal::envelope::open_payload;
use unchain_types::{Code, Hash32, TxId};
use unchain_vault::body::{LegalBasis, Policy};
use unchain_vault::client;
use unchain_vault::state::{self, RecordView};

/// A record id.
pub(crate) type RecordId = Hash32;

/// Refuses when the node is configured not to seal or open records (`[console] sealed =
/// false`).
pub(crate) fn on_node(state: &ConsoleState) -> Result<(), Problem> {
    if state.console.sealed {
        Ok(())
    } else {
        Err(forbidden(format!(
            "{}'s node does not seal or open records ([console] sealed = false): use unchain vault or unchain tips on your organisation's machine",
            state.node_name
        )))
    }
}

fn members(state: &ConsoleState) -> Result<Vec<unchain_ledger::Member>, Problem> {
    state.ledger.members().map_err(internal)
}

/// A failure of this node (its ledger, its vault, its key file): 500.
fn internal(e: impl std::fmt::Display) -> Problem {
    Problem::internal(e.to_string())
}

/// An identifier the matching key cannot blind: 422, naming the identifier's kind
/// (`phone`, `email`, …) as the field, which the form maps to its input.
fn unusable(e: client::ClientError) -> Problem {
    let field = match &e {
        client::ClientError::Identifier { kind, .. } => Some((*kind).to_owned()),
        _ => None,
    };
    let mut p = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        Code::BadRequest,
        "invalid identifier",
        e.to_string(),
    );
    p.field = field;
    p
}

/// This organisation, as the vault's client functions take it.
fn me(state: &ConsoleState) -> client::Me<'_> {
    client::Me {
        chain_id: &state.ledger.genesis().chain_id,
        name: &state.node_name,
        secret: &state.encryption,
    }
}

/// The consortium's current matching key, unwrapped with the organisation's key.
fn matching_key(state: &ConsoleState) -> Result<(u32, MatchingKey), Problem> {
    let (epoch, mine) = crate::service::bundles::wrapped_matching_key(state, &state.node_name)?;
    let key = client::unwrap_matching_key(me(state), epoch, &mine).map_err(internal)?;
    Ok((epoch, key))
}

/// Blind-index tokens of `identifiers` under the current matching epoch: evaluated blind
/// by a threshold of the key holders once the epoch has a threshold key (this node
/// announces and carries the requests), or under the shared matching key before.
async fn tokens(
    state: &ConsoleState,
    identifiers: &[(IdentifierKind, &str)],
    country: Option<&str>,
) -> Result<Vec<unchain_vault::body::TokenEntry>, Problem> {
    let threshold = {
        let reader = state.ledger.state_reader()?;
        unchain_vault::token_client::current_threshold_key(&reader)
            .map_err(internal)?
            .is_some()
    };
    if !threshold {
        let (epoch, mk) = matching_key(state)?;
        return client::blind_tokens(&mk, epoch, identifiers, country).map_err(unusable);
    }
    let mut tokens = Vec::with_capacity(identifiers.len());
    for chunk in identifiers.chunks(unchain_vault::body::MAX_TOKENS) {
        let batch =
            unchain_vault::token_client::BlindBatch::new(chunk, country).map_err(unusable)?;
        let points: Vec<unchain_tokens::Request> = batch
            .requests()
            .iter()
            .map(|h| unchain_tokens::Request::from_hex(h).map_err(internal))
            .collect::<Result<_, _>>()?;
        let relayed = crate::service::tokens::relay(state, &points).await?;
        let answers: Vec<(u32, Vec<String>)> = relayed
            .answers
            .iter()
            .map(|a| (a.index, a.partials.clone()))
            .collect();
        for (holder, why) in &relayed.failures {
            tracing::warn!(%holder, %why, "token key holder gave no answer");
        }
        let (done, _) = batch
            .finish(relayed.epoch, &relayed.group_key, &answers)
            .map_err(|e| {
                Problem::new(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    unchain_types::Code::Unavailable,
                    "too few token key holders answered",
                    e.to_string(),
                )
            })?;
        tokens.extend(done);
    }
    Ok(tokens)
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
pub(crate) async fn seal(
    state: &ConsoleState,
    r: SealRequest<'_>,
) -> Result<(RecordId, TxId), Problem> {
    on_node(state)?;
    let members = members(state)?;
    let existing = r.record.map(|id| record(state, &id)).transpose()?;
    let (version, recipients) = client::next_version(existing.as_ref(), &state.node_name, &[]);
    let id = r.record.unwrap_or_else(|| Hash32(rand::random()));
    let tokens = if r.identifiers.is_empty() {
        Vec::new()
    } else {
        let identifiers = r
            .identifiers
            .iter()
            .map(|(kind, value)| {
                Ok((
                    kind.parse::<IdentifierKind>().map_err(internal)?,
                    value.as_str(),
                ))
            })
            .collect::<Result<Vec<_>, Problem>>()?;
        tokens(state, &identifiers, r.country).await?
    };
    let to = recipients
        .iter()
        .map(|name| {
            let m = members
                .iter()
                .find(|m| &m.name == name)
                .ok_or_else(|| internal(format!("{name} is not a member")))?;
            Ok((name.clone(), m.encryption_key))
        })
        .collect::<Result<Vec<_>, Problem>>()?;
    let sealed = client::prepare_seal(client::SealPlan {
        chain_id: &state.ledger.genesis().chain_id,
        record: id,
        version,
        schema: r.schema,
        plaintext: r.plaintext,
        recipients: &to,
        tokens,
        policy: Some(Policy {
            retention_days: 3650,
            consent_required: false,
            subject_minor: false,
        }),
        subject: None,
        actor: Some(r.actor.to_owned()),
    });
    state
        .vault
        .put(&sealed.body.commitment, &sealed.ciphertext)
        .map_err(internal)?;
    let body = client::to_json(&sealed.body);
    let tx = crate::service::sign_and_submit(state, "vault.seal", body).await?;
    Ok((id, tx))
}

/// A record's metadata.
pub(crate) fn record(state: &ConsoleState, id: &RecordId) -> Result<RecordView, Problem> {
    let reader = state.ledger.state_reader().map_err(internal)?;
    state::record(&reader, id)
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found(format!("no record {id}")))
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
    state: &ConsoleState,
    user: &User,
    id: &RecordId,
    version: Option<u32>,
) -> Result<(u32, Vec<u8>), OpenError> {
    let view = record(state, id).map_err(|p| OpenError::Other(p.detail))?;
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
            crate::service::now_ms(),
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
    on_node.map_err(|p| OpenError::Off(p.detail))?;
    let key = client::content_key(me(state), &view, version).map_err(|e| match e {
        client::ClientError::NotRecipient { .. } | client::ClientError::Erased(_) => {
            OpenError::Denied(e.to_string())
        }
        _ => OpenError::Other(e.to_string()),
    })?;
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
    state: &ConsoleState,
    id: &RecordId,
    to: &str,
    purpose: &str,
    legal_basis: &str,
    actor: &str,
) -> Result<serde_json::Value, Problem> {
    on_node(state)?;
    let view = record(state, id)?;
    let member = members(state)?
        .into_iter()
        .find(|m| m.name == to)
        .ok_or_else(|| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Code::UnknownMember,
                "unknown member",
                format!("to: {to} is not a member"),
            )
        })?;
    let legal_basis: LegalBasis = serde_json::from_value(legal_basis.into()).map_err(|_| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::BadRequest,
            "invalid request",
            format!("legal_basis: {legal_basis:?} is not one the vault knows"),
        )
    })?;
    let grant = client::grant(
        me(state),
        &view,
        to,
        &member.encryption_key,
        client::GrantTerms {
            purpose,
            legal_basis,
            reshare: false,
            actor: Some(actor.to_owned()),
        },
    )
    .map_err(internal)?;
    Ok(client::to_json(&grant))
}
