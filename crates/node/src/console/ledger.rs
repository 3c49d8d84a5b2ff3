//! The ledger as the console shows it: the cluster's health (which validators signed the
//! latest cosigned checkpoint, as a picture), the latest blocks, a block, and a
//! transaction with its inclusion proof.

use super::layout::{short, when};
use super::{html, need, problem_page, viewer};
use super::{page_for, refuse_or};
use crate::console::ConsoleState;
use crate::service::ledger as handlers;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::html;

/// How many of the latest blocks with transactions the overview lists.
const RECENT: u64 = 15;
/// How far back the overview looks for them.
const SCANNED: u64 = 2_000;

/// `GET /console/ledger`.
pub async fn overview(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::LEDGER).await);
    let status = match handlers::status_view(&state) {
        Ok(s) => s,
        Err(p) => return problem_page(&ctx, p.http_status(), p.detail),
    };
    let note = state
        .ledger
        .latest_checkpoint()
        .ok()
        .flatten()
        .unwrap_or_default();
    // The note was checked against the validators' keys when it was stored.
    let signers: Vec<String> = unchain_log::SignedNote::parse(&note)
        .map(|n| n.signatures.into_iter().map(|s| s.name).collect())
        .unwrap_or_default();
    // Blocks with transactions: empty ones (a quiet chain makes many) are left out.
    let mut blocks = Vec::new();
    for h in (status.height.saturating_sub(SCANNED)..=status.height).rev() {
        if h == 0 || blocks.len() as u64 == RECENT {
            break;
        }
        if let Ok(b) = handlers::block_at(&state, &h.to_string())
            && !b.committed.is_empty()
        {
            blocks.push(b);
        }
    }
    let name_of = |key: &str| {
        status
            .validators
            .iter()
            .find(|v| v.key == key)
            .map_or_else(|| short(key).to_owned(), |v| v.name.clone())
    };
    let body = html! {
        h1 { (ctx.t("ledger-title")) }
        dl.facts {
            dt { (ctx.t("ledger-chain")) } dd { code { (status.chain_id) } }
            dt { (ctx.t("ledger-height")) } dd #ledger-height { (status.height) }
            dt { (ctx.t("ledger-last-block")) } dd { (when(status.timestamp_ms)) }
            dt { (ctx.t("ledger-log")) } dd { (status.log_size) " · " code title=(status.log_root) { (short(&status.log_root)) } }
            dt { (ctx.t("ledger-cosigned")) } dd { (status.cosigned_log_size.map(|s| s.to_string()).unwrap_or("—".into())) }
            dt { (ctx.t("ledger-waiting")) } dd { (status.mempool_txs) }
            dt { (ctx.t("ledger-peers")) } dd { (status.consensus.peers) " · " (ctx.t("ledger-view")) " " (status.consensus.view) }
        }
        section aria-labelledby="health-h" {
            h2 #health-h { (ctx.t("health-title")) }
            (super::svg::cluster_health(&ctx, &status.validators.iter().map(|v| (v.name.clone(), signers.contains(&v.name))).collect::<Vec<_>>()))
            table.list #validators {
                thead { tr { th scope="col" { (ctx.t("health-validator")) } th scope="col" { (ctx.t("health-signed")) } } }
                tbody {
                    @for v in &status.validators {
                        tr {
                            td { (v.name) }
                            td { @if signers.contains(&v.name) { (ctx.t("answer-yes")) } @else { strong { (ctx.t("answer-no")) } } }
                        }
                    }
                }
            }
            details {
                summary { (ctx.t("ledger-checkpoint")) }
                pre.note { (note) }
            }
        }
        section aria-labelledby="blocks-h" {
            h2 #blocks-h { (ctx.t("ledger-blocks")) }
            p.hint { (ctx.t("ledger-blocks-hint")) }
            table.list #blocks {
                thead { tr {
                    th scope="col" { (ctx.t("ledger-height")) }
                    th scope="col" { (ctx.t("block-time")) }
                    th scope="col" { (ctx.t("block-proposer")) }
                    th scope="col" { (ctx.t("block-txs")) }
                } }
                tbody {
                    @for b in &blocks {
                        tr {
                            td { a href=(format!("/console/ledger/block/{}", b.height)) { (b.height) } }
                            td { (when(b.timestamp_ms)) }
                            td { (name_of(&b.proposer)) }
                            td { (b.committed.len()) }
                        }
                    }
                }
            }
        }
    };
    html(ctx.page("ledger-title", body))
}

/// `GET /console/ledger/block/{height}`.
pub async fn block(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(height): Path<String>,
) -> Response {
    let ctx =
        refuse_or!(viewer(&state, &headers, &format!("/console/ledger/block/{height}")).await);
    let b = match handlers::block_at(&state, &height) {
        Ok(b) => b,
        Err(p) => return problem_page(&ctx, p.http_status(), p.detail),
    };
    let proposer = state
        .ledger
        .members()
        .unwrap_or_default()
        .into_iter()
        .find(|m| m.signing_key.to_hex() == b.proposer)
        .map(|m| m.name)
        .unwrap_or_default();
    let body = html! {
        h1 { (ctx.t("block-title")) " " (b.height) }
        dl.facts {
            dt { (ctx.t("block-time")) } dd { (when(b.timestamp_ms)) }
            dt { (ctx.t("block-proposer")) } dd { (proposer) " · " code { (short(&b.proposer)) } }
            dt { (ctx.t("block-digest")) } dd { code { (b.digest) } }
            dt { (ctx.t("block-parent")) } dd { code { (b.parent) } }
            dt { (ctx.t("block-state-root")) } dd { code { (b.state_root) } }
            dt { (ctx.t("ledger-log")) } dd { (b.log_size) " · " code { (b.log_root) } }
        }
        h2 { (ctx.t("block-txs")) }
        ul {
            @for t in &b.committed { li { a href=(format!("/console/ledger/tx/{t}")) { code { (t) } } } }
        }
        nav.pager {
            @if b.height > 1 { a href=(format!("/console/ledger/block/{}", b.height - 1)) { "← " (b.height - 1) } }
            " "
            a href=(format!("/console/ledger/block/{}", b.height + 1)) { (b.height + 1) " →" }
        }
    };
    html(ctx.page("block-title", body))
}

/// `GET /console/ledger/tx/{id}`: a transaction, its fate and its inclusion proof.
pub async fn tx(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let ctx = refuse_or!(viewer(&state, &headers, &format!("/console/ledger/tx/{id}")).await);
    let Ok(tx_id) = unchain_types::TxId::from_hex(&id) else {
        return problem_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            ctx.ta("tx-missing", &[("id", &id)]),
        );
    };
    let status = match handlers::wait_tx(&state, &tx_id, std::time::Duration::ZERO).await {
        Ok(s) => s,
        Err(p) => return problem_page(&ctx, p.http_status(), p.detail),
    };
    let proof = match status.log_index {
        Some(i) => handlers::bundle(&state, i).await.ok(),
        None => None,
    };
    let leaf = proof.as_ref().map(|p| {
        serde_json::from_str::<serde_json::Value>(&p.leaf)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| p.leaf.clone())
    });
    let body = html! {
        h1 { (ctx.t("tx-title")) }
        dl.facts {
            dt { (ctx.t("tx-id")) } dd { code { (id) } }
            dt { (ctx.t("tx-status")) } dd #tx-status { (status.status) }
            @if let Some(h) = status.height {
                dt { (ctx.t("ledger-height")) } dd { a href=(format!("/console/ledger/block/{h}")) { (h) } }
            }
            @if let Some(r) = &status.reason { dt { (ctx.t("tx-reason")) } dd { (r) } }
        }
        @if let Some(p) = &proof {
            section aria-labelledby="proof-h" {
                h2 #proof-h { (ctx.t("tx-proof")) }
                p { (ctx.ta("tx-proof-text", &[("id", &p.leaf_index.to_string()), ("size", &p.tree_size.to_string())])) }
                dl.facts {
                    dt { (ctx.t("tx-leaf-hash")) } dd { code { (p.leaf_hash) } }
                    dt { (ctx.t("tx-path")) } dd { ol.hashes { @for h in &p.proof { li { code { (h) } } } } }
                }
                details { summary { (ctx.t("ledger-checkpoint")) } pre.note { (p.checkpoint) } }
                @if let Some(l) = &leaf { details { summary { (ctx.t("tx-body")) } pre { (l) } } }
                p.hint { (ctx.t("tx-verify-hint")) }
            }
        }
    };
    html(ctx.page("tx-title", body))
}
