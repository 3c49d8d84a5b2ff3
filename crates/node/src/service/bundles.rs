//! What the front ends hand to organisations, courts, reporters and border posts: a custody
//! item's bundle, goods' provenance bundle, a tip as its intake sees it, the matching key
//! wrapped for a member.

use super::{Problem, Service};
use unchain_custody::bundle::CustodyBundle;
use unchain_supply::bundle;
use unchain_tips::TipView;
use unchain_types::{Code, Hash32};

use crate::service::problem::forbidden;

fn internal(e: impl std::fmt::Display) -> Problem {
    Problem::internal(e.to_string())
}

/// 404 for an evidence item that was never collected.
pub fn item_not_found(id: &str) -> Problem {
    Problem::not_found(format!(
        "evidence item {id} has no custody record on this chain"
    ))
}

/// Item `item`'s bundle against the latest cosigned checkpoint that covers its events
/// (waiting briefly for one); 404 if it was never collected.
pub async fn build_bundle(state: &Service, item: &Hash32) -> Result<CustodyBundle, Problem> {
    let id = item.to_string();
    let last = unchain_custody::events(&state.ledger.state_reader()?, item)
        .map_err(internal)?
        .last()
        .map(|e| e.log_index)
        .ok_or_else(|| item_not_found(&id))?;
    let (note, cp) = super::ledger::checkpoint_covering(state, last).await?;
    unchain_custody::bundle::build(&state.ledger, item, note, cp.size)?
        .ok_or_else(|| item_not_found(&id))
}

/// Outcome `seq` of agreement `id`'s bundle against the latest cosigned checkpoint that
/// covers its attestation (waiting briefly for one). 404 if there is no such outcome, 409
/// if it is not attested yet.
pub async fn outcome_bundle(
    state: &Service,
    id: &str,
    seq: u64,
) -> Result<unchain_agree::bundle::OutcomeBundle, Problem> {
    let reader = state.ledger.state_reader()?;
    let outcome = unchain_agree::state::outcome(&reader, id, seq)
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found(format!("agreement {id} has no outcome {seq}")))?;
    drop(reader);
    let Some(attested) = outcome.attested else {
        return Err(Problem::new(
            axum::http::StatusCode::CONFLICT,
            Code::BadTransition,
            "Not attested",
            format!(
                "outcome {seq} of {id} is not in the log yet: attest it first (unchain agreement attest {id} {seq})"
            ),
        ));
    };
    let index = match state.ledger.tx(&attested)? {
        Some(unchain_ledger::TxRecord::Committed { log_index, .. }) => log_index,
        _ => return Err(Problem::internal("an attestation is not in the log")),
    };
    let (note, cp) = super::ledger::checkpoint_covering(state, index).await?;
    unchain_agree::bundle::build(&state.ledger, id, seq, note, cp.size)?
        .ok_or_else(|| Problem::internal("an attested outcome has no bundle"))
}

/// Tip `id`, if it was handed to `member` and this is `member`'s own node.
pub fn own_view(state: &Service, member: &str, id: &str) -> Result<TipView, Problem> {
    unchain_tips::body::check_tip_id("tip", id)
        .map_err(|e| Problem::bad_request(Code::BadRequest, e.to_string()))?;
    let view = unchain_tips::tip(&state.ledger.state_reader()?, id)
        .map_err(|e| Problem::internal(e.to_string()))?
        .ok_or_else(|| Problem::not_found(format!("tip {id} does not exist")))?;
    if view.tip.intake != member {
        return Err(forbidden(format!(
            "tip {id} was handed to another organisation"
        )));
    }
    if state.node_name != member {
        return Err(forbidden(format!(
            "tip {id} is held by {}'s own node, not this one",
            view.tip.intake
        )));
    }
    Ok(view)
}

/// The current matching key's epoch and the key wrapped for `member` (the latest rotation,
/// or genesis's).
pub fn wrapped_matching_key(
    state: &Service,
    member: &str,
) -> Result<(u32, unchain_seal::WrappedKey), Problem> {
    let reader = state.ledger.state_reader()?;
    let rotated = unchain_vault::state::matching_epochs(&reader)
        .map_err(internal)?
        .pop();
    let (epoch, mut wrapped) = match (rotated, &state.ledger.genesis().matching_key) {
        (Some(e), _) if e.threshold.is_some() => {
            return Err(Problem::new(
                axum::http::StatusCode::GONE,
                unchain_types::Code::NotFound,
                "the shared matching key is retired",
                format!(
                    "matching epoch {} has a threshold token key that no member holds: tokens are evaluated blind by its holders (GET /v1/vault/token-key, POST /v1/vault/token-evaluations), and the shared key's wrapped copies are no longer served",
                    e.epoch
                ),
            ));
        }
        (Some(e), _) => (e.epoch, e.wrapped),
        (None, Some(g)) => (g.epoch, g.wrapped.clone()),
        (None, None) => return Err(Problem::not_found("this chain has no matching key")),
    };
    let mine = wrapped
        .remove(member)
        .ok_or_else(|| Problem::not_found(format!("no matching key is wrapped for {member}")))?;
    Ok((epoch, mine))
}

/// The provenance bundle of goods `id` (canonical), built against a checkpoint the validators cosigned, and verified.
pub async fn provenance(
    state: &Service,
    id: &str,
) -> Result<(bundle::ProvenanceBundle, bundle::VerifiedProvenance), Problem> {
    let not_found = || Problem::not_found(format!("no event on this ledger names {id}"));
    let leaves = bundle::leaves(&state.ledger.state_reader()?, id)
        .map_err(|e| Problem::internal(e.to_string()))?
        .ok_or_else(not_found)?;
    let last = leaves.last().copied().unwrap_or(0);
    let (note, cp) = super::ledger::checkpoint_covering(state, last).await?;
    let b = bundle::build(&state.ledger, id, note, cp.size)?.ok_or_else(not_found)?;
    let members: Vec<bundle::NamedKey> = state
        .ledger
        .members()?
        .into_iter()
        .map(|m| bundle::NamedKey {
            name: m.name,
            key: m.signing_key,
        })
        .collect();
    let validators = super::ledger::cosigners_of(state, &b.envelope.checkpoint)?;
    let verified = bundle::verify(&b, &validators, bundle::quorum(validators.len()), &members)
        .map_err(|e| {
            Problem::internal(format!(
                "this node's own provenance bundle does not verify: {e}"
            ))
        })?;
    Ok((b, verified))
}
