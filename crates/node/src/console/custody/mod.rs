//! Evidence custody: the items waiting for this organisation's signature and those of its
//! cases, an item's chain of custody as a picture, and the proof bundle and court report to
//! download. Recording events — collection, the two-party hand-over, the rest — is in
//! `events`.

mod events;

pub use events::{cancel, collect, other, receive, transfer};

use crate::console::ConsoleState;
use crate::console::layout::{short, when};
use crate::console::{html, need, problem_page};
use crate::console::{page_for, refuse_or};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use events::EVENTS;
use maud::html;
use serde::Deserialize;
use unchain_custody::rules::{Item, Status};
use unchain_types::Hash32;

/// The custody list's query.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    case: Option<String>,
}

fn status_key(s: Status) -> String {
    format!("custody-status-{s:?}").to_lowercase()
}

/// The cases this organisation owns or was referred.
fn my_cases(state: &ConsoleState) -> Vec<String> {
    let Ok(reader) = state.ledger.state_reader() else {
        return Vec::new();
    };
    let mut ids: Vec<String> = unchain_cases::owned_by(&reader, &state.node_name)
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.case)
        .collect();
    for (_, r) in unchain_cases::referrals(&reader, &state.node_name, b"").unwrap_or_default() {
        if !ids.contains(&r.case) {
            ids.push(r.case);
        }
    }
    ids
}

/// `GET /console/custody`.
pub async fn list(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Query(q): Query<ListQuery>,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::CUSTODY).await);
    let Ok(reader) = state.ledger.state_reader() else {
        return problem_page(&ctx, StatusCode::SERVICE_UNAVAILABLE, "ledger".into());
    };
    let waiting = unchain_custody::waiting(&reader, &state.node_name).unwrap_or_default();
    let cases = my_cases(&state);
    let mut items: Vec<Item> = Vec::new();
    for c in &cases {
        items.extend(unchain_custody::items_of_case(&reader, c).unwrap_or_default());
    }
    items.sort_by_key(|it| std::cmp::Reverse(it.last_at_ms));
    let row = |it: &Item| {
        html! {
            tr {
                td { a href=(format!("/console/custody/item/{}", it.item)) { (it.description) } }
                td { (it.case.as_deref().unwrap_or("—")) }
                td { (it.holder.member) " (" (it.holder.actor) ")" }
                td { span class={"status " (status_key(it.status))} { (ctx.t(&status_key(it.status))) } }
                td { (when(it.last_at_ms)) }
            }
        }
    };
    let head = html! {
        thead { tr {
            th scope="col" { (ctx.t("item-description")) }
            th scope="col" { (ctx.t("item-case")) }
            th scope="col" { (ctx.t("item-holder")) }
            th scope="col" { (ctx.t("item-status")) }
            th scope="col" { (ctx.t("item-last")) }
        } }
    };
    let body = html! {
        h1 { (ctx.t("custody-title")) }
        section aria-labelledby="waiting-h" {
            h2 #waiting-h { (ctx.t("custody-waiting")) }
            @if waiting.is_empty() { p.empty { (ctx.t("custody-waiting-none")) } }
            @else { table.list #waiting { (head) tbody { @for it in &waiting { (row(it)) } } } }
        }
        section aria-labelledby="items-h" {
            h2 #items-h { (ctx.t("custody-items")) }
            @if items.is_empty() { p.empty { (ctx.t("custody-items-none")) } }
            @else { table.list #items { (head) tbody { @for it in &items { (row(it)) } } } }
        }
        @if ctx.may(need::CUSTODY_ACT) {
            section aria-labelledby="collect-h" #collect {
                h2 #collect-h { (ctx.t("collect-title")) }
                form.stack method="post" action="/console/custody/collect" {
                    (ctx.csrf())
                    label for="case" { (ctx.t("item-case")) }
                    select #case name="case" {
                        @for c in &cases { option value=(c) selected[q.case.as_deref() == Some(c)] { (c) } }
                    }
                    label for="evidence" { (ctx.t("collect-kind")) }
                    select #evidence name="evidence" {
                        option value="digital" { (ctx.t("evidence-digital")) }
                        option value="physical" { (ctx.t("evidence-physical")) }
                    }
                    label for="description" { (ctx.t("item-description")) }
                    small #description-hint { (ctx.t("public-text-hint")) }
                    input #description name="description" type="text" required maxlength="200" aria-describedby="description-hint";
                    label for="file" { (ctx.t("collect-file")) }
                    small #file-hint { (ctx.t("collect-file-hint")) }
                    input #file type="file" data-hash-into="content_hash" aria-describedby="file-hint";
                    label for="content_hash" { (ctx.t("collect-hash")) }
                    input #content_hash name="content_hash" type="text" required pattern="[0-9a-f]{64}" spellcheck="false" autocomplete="off";
                    label for="location" { (ctx.t("event-location")) }
                    input #location name="location" type="text" required maxlength="200";
                    label for="reason" { (ctx.t("event-reason")) }
                    input #reason name="reason" type="text" required maxlength="200";
                    button type="submit" #collect-submit { (ctx.t("collect-submit")) }
                }
            }
        }
    };
    html(ctx.page("custody-title", body))
}

fn parse_item(s: &str) -> Option<Hash32> {
    Hash32::from_hex(s).ok()
}

/// `GET /console/custody/item/{item}`: an item's timeline and the hand-over forms.
pub async fn item(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::CUSTODY).await);
    let found = parse_item(&id).and_then(|h| {
        let reader = state.ledger.state_reader().ok()?;
        let it = unchain_custody::item(&reader, &h).ok()??;
        let evs = unchain_custody::events(&reader, &h).ok()?;
        Some((it, evs))
    });
    let Some((it, events)) = found else {
        return problem_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.ta("item-missing", &[("id", &id)]),
        );
    };
    let me = &state.node_name;
    // Other agencies first; a hand-over inside the organisation names its user.
    let mut members: Vec<String> = state
        .ledger
        .members()
        .unwrap_or_default()
        .into_iter()
        .map(|m| m.name)
        .collect();
    members.sort_by_key(|m| m == me);
    let may_act = ctx.may(need::CUSTODY_ACT);
    let ours_held =
        it.status == Status::Held && &it.holder.member == me && it.holder.actor == ctx.user.id;
    let for_us = it
        .pending
        .as_ref()
        .filter(|p| &p.to == me && p.to_actor.as_ref().is_none_or(|a| *a == ctx.user.id));
    let body = html! {
        h1 { (ctx.t("item-title")) ": " (it.description) }
        dl.facts {
            dt { (ctx.t("item-status")) } dd #item-status { span class={"status " (status_key(it.status))} { (ctx.t(&status_key(it.status))) } }
            dt { (ctx.t("item-holder")) } dd #item-holder { (it.holder.member) " (" (it.holder.actor) ")" }
            @if let Some(p) = &it.pending {
                dt { (ctx.t("item-pending")) } dd { (p.to) @if let Some(a) = &p.to_actor { " (" (a) ")" } }
            }
            dt { (ctx.t("item-case")) } dd {
                @if let Some(c) = &it.case { a href=(format!("/console/case?id={}", crate::console::url_encode(c))) { (c) } } @else { "—" }
            }
            dt { (ctx.t("collect-hash")) } dd { code { (it.content_hash) } }
            dt { (ctx.t("item-id")) } dd { code { (it.item) } }
        }
        section aria-labelledby="tl-h" {
            h2 #tl-h { (ctx.t("item-timeline")) }
            (crate::console::svg::custody_timeline(&ctx, &events))
            ol.timeline #item-events {
                @for e in &events {
                    li {
                        time { (when(e.event.at_ms)) } " · "
                        strong { (e.action.past()) } " · "
                        (e.member) " (" (e.event.actor) ") · " (e.event.location) " · "
                        a href=(format!("/console/ledger/tx/{}", e.tx_id)) { (ctx.t("proof-link")) " " (short(&e.tx_id.to_string())) }
                    }
                }
            }
        }
        p {
            a.button href=(format!("/console/custody/item/{}/bundle", it.item)) download=(format!("custody-{}.json", short(&it.item.to_string()))) #bundle { (ctx.t("bundle-download")) }
            " "
            a.button href=(format!("/console/custody/item/{}/report", it.item)) #report { (ctx.t("report-download")) }
            " " small { (ctx.t("bundle-hint")) }
        }
        @if may_act && ours_held {
            section aria-labelledby="transfer-h" {
                h2 #transfer-h { (ctx.t("transfer-title")) }
                form.stack method="post" action=(format!("/console/custody/item/{}/transfer", it.item)) {
                    (ctx.csrf())
                    label for="to" { (ctx.t("transfer-to")) }
                    select #to name="to" { @for m in &members { option value=(m) { (m) } } }
                    label for="to_actor" { (ctx.t("transfer-to-user")) }
                    input #to_actor name="to_actor" type="text" pattern="[a-z0-9\\-]{1,64}";
                    label for="location" { (ctx.t("event-location")) }
                    input #location name="location" type="text" required maxlength="200";
                    label for="reason" { (ctx.t("event-reason")) }
                    input #reason name="reason" type="text" required maxlength="200";
                    button type="submit" #transfer { (ctx.t("transfer-submit")) }
                }
            }
        }
        @if may_act && ours_held {
            section aria-labelledby="event-h" {
                h2 #event-h { (ctx.t("event-title")) }
                form.stack method="post" action=(format!("/console/custody/item/{}/event", it.item)) {
                    (ctx.csrf())
                    label for="action" { (ctx.t("event-action")) }
                    select #action name="action" {
                        @for (a, _) in EVENTS {
                            @let name = a.kind().trim_start_matches("custody.");
                            option value=(name) { (ctx.t(&format!("action-{name}"))) }
                        }
                    }
                    p.hint { (ctx.t("event-fields-hint")) }
                    @for (name, key) in [("method", "event-method"), ("result_hash", "event-result-hash"), ("seal_number", "event-seal-number"), ("court", "event-court"), ("proceeding", "event-proceeding"), ("returned_to", "event-returned-to")] {
                        label for=(format!("ev-{name}")) { (ctx.t(key)) }
                        input #(format!("ev-{name}")) name=(name) type="text" maxlength="200";
                    }
                    label for="ev-location" { (ctx.t("event-location")) }
                    input #ev-location name="location" type="text" required maxlength="200";
                    label for="ev-reason" { (ctx.t("event-reason")) }
                    input #ev-reason name="reason" type="text" required maxlength="200";
                    button type="submit" #record-event { (ctx.t("event-submit")) }
                }
            }
        }
        @if may_act && it.status == Status::InTransit && (&it.holder.member == me || it.pending.as_ref().is_some_and(|p| &p.to == me)) {
            section aria-labelledby="cancel-h" {
                h2 #cancel-h { (ctx.t("cancel-title")) }
                form.stack method="post" action=(format!("/console/custody/item/{}/cancel", it.item)) {
                    (ctx.csrf())
                    label for="cancel-location" { (ctx.t("event-location")) }
                    input #cancel-location name="location" type="text" required maxlength="200";
                    label for="cancel-reason" { (ctx.t("event-reason")) }
                    input #cancel-reason name="reason" type="text" required maxlength="200";
                    button type="submit" #cancel { (ctx.t("cancel-submit")) }
                }
            }
        }
        @if may_act && for_us.is_some() {
            section aria-labelledby="receive-h" {
                h2 #receive-h { (ctx.t("receive-title")) }
                p { (ctx.ta("receive-text", &[("org", &it.holder.member), ("user", &it.holder.actor)])) }
                form.stack method="post" action=(format!("/console/custody/item/{}/receive", it.item)) {
                    (ctx.csrf())
                    label for="location" { (ctx.t("event-location")) }
                    input #location name="location" type="text" required maxlength="200";
                    label for="reason" { (ctx.t("event-reason")) }
                    input #reason name="reason" type="text" required maxlength="200";
                    button type="submit" #receive { (ctx.t("receive-submit")) }
                }
            }
        }
    };
    html(ctx.page("item-title", body))
}

/// The item's proof bundle ([`crate::service::bundles::build_bundle`]), or the page that says
/// why there is none.
async fn build_bundle(
    ctx: &crate::console::Ctx,
    id: &str,
) -> Result<unchain_custody::bundle::CustodyBundle, Response> {
    let missing = || {
        problem_page(
            ctx,
            StatusCode::NOT_FOUND,
            ctx.ta("item-missing", &[("id", id)]),
        )
    };
    let item = parse_item(id).ok_or_else(missing)?;
    crate::service::bundles::build_bundle(&ctx.state, &item)
        .await
        .map_err(|p| match p.status {
            404 => missing(),
            status => problem_page(
                ctx,
                StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                p.detail,
            ),
        })
}

fn attachment(ty: &str, name: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, ty.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /console/custody/item/{item}/bundle`: the proof bundle as a file to keep.
pub async fn bundle(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let ctx = refuse_or!(
        page_for(
            &state,
            &headers,
            &format!("/console/custody/item/{id}"),
            need::CUSTODY
        )
        .await
    );
    match build_bundle(&ctx, &id).await {
        Ok(b) => attachment(
            "application/json",
            format!("custody-{}.json", short(&id)),
            serde_json::to_string_pretty(&b).expect("bundle serialises"),
        ),
        Err(page) => page,
    }
}

/// `GET /console/custody/item/{item}/report`: the court report, rendered only from the
/// bundle once it verifies against this chain's genesis keys, as `unchain custody report`
/// does.
pub async fn report(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let ctx = refuse_or!(
        page_for(
            &state,
            &headers,
            &format!("/console/custody/item/{id}"),
            need::CUSTODY
        )
        .await
    );
    let b = match build_bundle(&ctx, &id).await {
        Ok(b) => b,
        Err(page) => return page,
    };
    // The members now (one admitted since genesis may have recorded events) and the
    // validators of the checkpoint's epoch.
    let members: Vec<unchain_custody::bundle::NamedKey> = match state.ledger.members() {
        Ok(m) => m
            .into_iter()
            .map(|m| unchain_custody::bundle::NamedKey {
                name: m.name,
                key: m.signing_key,
            })
            .collect(),
        Err(e) => return problem_page(&ctx, StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    let validators = match crate::service::ledger::cosigners_of(&state, &b.envelope.checkpoint) {
        Ok(v) => v,
        Err(p) => return problem_page(&ctx, p.http_status(), p.detail),
    };
    let quorum = unchain_ledger::cosign::quorum(validators.len());
    match unchain_custody::bundle::verify(&b, &validators, quorum, &members) {
        Ok(v) => attachment(
            "text/html; charset=utf-8",
            format!("custody-report-{}.html", short(&id)),
            unchain_custody::report::html(&v),
        ),
        Err(e) => problem_page(&ctx, StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
