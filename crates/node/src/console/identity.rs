//! Identity in the console: the organisation's DIDs and the credentials each issued, with
//! their status; the children it registered, with any missing flag; and the border check.
//!
//! Issuing and changing a credential's status are signed with the issuer's key, which is
//! kept on the issuer's machine, not on the node: the page names the command that does it.

use super::layout::{short, when};
use super::{html, need, problem_page};
use super::{page_for, refuse_or};
use crate::console::ConsoleState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::html;
use unchain_credentials::status::Status;
use unchain_identity::Child;

fn status_key(s: Status) -> &'static str {
    match s {
        Status::Valid => "cred-valid",
        Status::Revoked => "cred-revoked",
        Status::Suspended => "cred-suspended",
    }
}

/// `GET /console/identity`.
pub async fn page(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::IDENTITY).await);
    let Ok(reader) = state.ledger.state_reader() else {
        return problem_page(&ctx, StatusCode::SERVICE_UNAVAILABLE, "ledger".into());
    };
    let me = &state.node_name;
    let dids = unchain_identity::dids_of(&reader, me).unwrap_or_default();
    let issued: Vec<_> = dids
        .iter()
        .flat_map(|d| unchain_identity::issued_by(&reader, &d.did).unwrap_or_default())
        .collect();
    let children: Vec<Child> = reader
        .scan_prefix(b"identity/child/")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice::<Child>(&v).ok())
        .filter(|c| &c.registrar == me)
        .collect();
    let body = html! {
        h1 { (ctx.t("identity-title")) }
        p.lead { (ctx.t("identity-lead")) }
        section aria-labelledby="dids-h" {
            h2 #dids-h { (ctx.t("identity-dids")) }
            @if dids.is_empty() { p.empty { (ctx.t("identity-dids-none")) } }
            @else {
                table.list #dids {
                    thead { tr {
                        th scope="col" { (ctx.t("identity-label")) }
                        th scope="col" { "DID" }
                        th scope="col" { (ctx.t("identity-state")) }
                    } }
                    tbody {
                        @for d in &dids {
                            tr {
                                td { (d.label) }
                                td { code { (d.did) } }
                                td { @if d.deactivated.is_some() { (ctx.t("identity-deactivated")) } @else { (ctx.t("identity-active")) } }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="issued-h" {
            h2 #issued-h { (ctx.t("identity-issued")) }
            p.hint { (ctx.t("identity-issue-hint")) }
            @if issued.is_empty() { p.empty { (ctx.t("identity-issued-none")) } }
            @else {
                table.list #issued {
                    thead { tr {
                        th scope="col" { (ctx.t("identity-type")) }
                        th scope="col" { (ctx.t("identity-child")) }
                        th scope="col" { (ctx.t("identity-when")) }
                        th scope="col" { (ctx.t("identity-status")) }
                        th scope="col" { (ctx.t("proof-link")) }
                    } }
                    tbody {
                        @for i in issued.iter().rev() {
                            tr {
                                td { (i.vct) }
                                td { (i.child.as_deref().unwrap_or("—")) }
                                td { (when(i.at_ms)) }
                                td { span.status { (ctx.t(status_key(i.status))) } }
                                td { a href=(format!("/console/ledger/tx/{}", i.tx_id)) { (short(&i.tx_id.to_string())) } }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="children-h" {
            h2 #children-h { (ctx.t("identity-children")) }
            @if children.is_empty() { p.empty { (ctx.t("identity-children-none")) } }
            @else {
                table.list #children {
                    thead { tr {
                        th scope="col" { (ctx.t("identity-child")) }
                        th scope="col" { (ctx.t("identity-when")) }
                        th scope="col" { (ctx.t("identity-status")) }
                    } }
                    tbody {
                        @for c in &children {
                            tr class=[c.missing().then_some("refused")] {
                                td { code { (c.child) } }
                                td { (when(c.at_ms)) }
                                td { @if c.missing() { strong { (ctx.t("identity-missing")) } } @else { (ctx.t("identity-not-missing")) } }
                            }
                        }
                    }
                }
            }
        }
        p { a.button href="/border" { (ctx.t("border-link")) } }
    };
    html(ctx.page("identity-title", body))
}
