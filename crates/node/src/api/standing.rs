//! `/v1/identity/standing`: credentials' standing — issuer DID, status and the child's
//! missing flag — proven against the state root of the latest cosigned checkpoint, in a
//! bundle `unchain border check --bundle` and `unchain verify state` check with no network.
//! Members only, like the trust bundle: it says whether a child is being looked for.

use super::state_proofs::not_cosigned_yet;
use super::users::now_ms;
use super::vault::authenticate;
use super::{ApiState, Problem};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, Uri};
use serde::Deserialize;
use unchain_credentials::did::parse_unchain;
use unchain_identity::standing::{self, MAX_CREDENTIALS, StandingBundle};
use unchain_ledger::LedgerError;
use unchain_types::Code;

/// Query of the standing endpoint.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StandingQuery {
    /// The credentials, comma-separated, each its issuer's `did:unchain` and its status
    /// index joined by a colon: `did:unchain:…:5,did:unchain:…:7`.
    pub credentials: String,
}

fn bad(detail: String) -> Problem {
    let mut p = Problem::bad_request(Code::BadRequest, detail);
    p.field = Some("credentials".into());
    p
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
            parse_unchain(issuer).map_err(|e| format!("item {}: {e}", n + 1))?;
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

/// The standing of one or more credentials: the issuer's DID record, the issuance with its
/// status history, and the child it is about, each proven (or proven absent) against the
/// state root in the latest checkpoint the validators cosigned. Logarithmic in the state,
/// where the trust bundle grows with every status change.
#[utoipa::path(get, path = "/v1/identity/standing", params(StandingQuery),
    responses((status = 200, description = "the credential standing: a state bundle over identity keys, with its export time"),
              (status = 400, body = Problem), (status = 401, body = Problem), (status = 503, body = Problem)))]
pub async fn standing(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<StandingQuery>,
) -> Result<Json<StandingBundle>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let credentials = parse_credentials(&q.credentials).map_err(bad)?;
    let note = state
        .ledger
        .latest_checkpoint()?
        .ok_or_else(|| not_cosigned_yet("no checkpoint has been cosigned by a quorum yet"))?;
    let size = unchain_log::SignedNote::parse(&note)
        .and_then(|n| unchain_log::Checkpoint::parse_body(&n.body))
        .map_err(|e| Problem::internal(format!("the stored cosigned checkpoint: {e}")))?
        .size;
    match standing::build(&state.ledger, note, size, &credentials, now_ms()) {
        Ok(bundle) => Ok(Json(bundle)),
        Err(LedgerError::StateTree(why)) => Err(not_cosigned_yet(&why)),
        Err(e) => Err(e.into()),
    }
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
