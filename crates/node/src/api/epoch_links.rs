//! `/v1/epochs`: the proof of every epoch's validators from genesis — for each epoch whose
//! set changed, the checkpoint of the block that ended the one before, cosigned by its
//! validators, and the validators in that block's state — so an outsider holding only the
//! genesis file learns who validates a later epoch (`unchain verify block`, a light client) without taking
//! this node's word. Public, like checkpoints and certificates: validator keys are public.

use super::{ApiState, Problem};
use axum::Json;
use axum::extract::State;
use unchain_bundle::epochs::EpochChain;

/// Every epoch's validator set this node can prove: the links of the changes, each checked
/// by the set before it from the genesis validators
/// (`unchain_bundle::epochs::verify_epoch_links`), through `proven_through`.
#[utoipa::path(get, path = "/v1/epochs",
    responses((status = 200, description = "the chain of epoch links: {chain_id, log_origin, epoch_length, links: [{epoch, checkpoint, validators}]}")))]
pub async fn epochs(State(state): State<ApiState>) -> Result<Json<EpochChain>, Problem> {
    let genesis = state.ledger.genesis();
    let proven_through = state.ledger.epochs_proven_through(0)?;
    Ok(Json(EpochChain {
        chain_id: genesis.chain_id.clone(),
        log_origin: genesis.log_origin.clone(),
        epoch_length: genesis.epoch_length(),
        proven_through,
        links: state.ledger.change_links(proven_through)?,
    }))
}
