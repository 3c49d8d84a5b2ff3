//! Cases: the list with search, a new case with its sealed HTCDS details, a case's page
//! (timeline, evidence, sealed details opened on demand, sharing, workflow, audit trail).

use super::layout::{short, when};
use super::sealing::{self, OpenError, SealRequest};
use super::{Ctx, after_post, check_post, html, need, not_entitled, problem_page, viewer};
use super::{form_for, page_for, refuse_or};
use crate::api::ApiState;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};
use unchain_cases::workflow::{self, CaseKind};
use unchain_cases::{Case, CaseView, Change, REFERRAL_REASONS};

pub(crate) const KINDS: [CaseKind; 4] = [
    CaseKind::Case,
    CaseKind::Allegation,
    CaseKind::Investigation,
    CaseKind::Rescue,
];

/// The legal bases a console user may name when sharing (court orders go through the CLI,
/// which carries the order's reference).
const LEGAL_BASES: [&str; 4] = [
    "public_task",
    "legal_obligation",
    "vital_interests",
    "consent",
];

fn load(state: &ApiState, id: &str) -> Result<Option<CaseView>, String> {
    let reader = state.ledger.state_reader().map_err(|e| e.to_string())?;
    unchain_cases::case(&reader, id).map_err(|e| e.to_string())
}

/// The list's query.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    /// 1, 2, 3, … of [`PAGE`] cases each.
    #[serde(default)]
    page: Option<usize>,
}

/// Cases per page of the list.
const PAGE: usize = 50;

/// `GET /console/cases`: the organisation's cases and those referred to it, searchable by
/// id, kind, status and agency.
pub async fn list(
    State(state): State<ApiState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Query(q): Query<ListQuery>,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::CASES).await);
    let Ok(reader) = state.ledger.state_reader() else {
        return problem_page(&ctx, StatusCode::SERVICE_UNAVAILABLE, "ledger".into());
    };
    let mut rows: Vec<(Case, Option<String>)> = unchain_cases::owned_by(&reader, &state.node_name)
        .unwrap_or_default()
        .into_iter()
        .map(|c| (c, None))
        .collect();
    for (_, r) in unchain_cases::referrals(&reader, &state.node_name, b"").unwrap_or_default() {
        if let Ok(Some(v)) = unchain_cases::case(&reader, &r.case) {
            rows.push((v.case, Some(r.from)));
        }
    }
    let needle = q.q.trim().to_lowercase();
    rows.retain(|(c, from)| {
        needle.is_empty()
            || [
                c.case.as_str(),
                c.kind.name(),
                c.status.as_str(),
                c.owner.as_str(),
                from.as_deref().unwrap_or(""),
            ]
            .iter()
            .any(|f| f.to_lowercase().contains(&needle))
    });
    rows.sort_by_key(|r| std::cmp::Reverse(r.0.opened_ms));
    let total = rows.len();
    let pages = total.div_ceil(PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let shown = &rows[(page - 1) * PAGE..(page * PAGE).min(total)];
    let page_link = |n: usize| format!("/console/cases?q={}&page={n}", super::url_encode(&q.q));
    let table = html! {
        @if rows.is_empty() {
            p.empty { (ctx.t("cases-none")) }
        } @else {
            table.list #cases-table {
                caption {
                    (ctx.ta("cases-count", &[("count", &total.to_string())]))
                    @if pages > 1 { " · " (ctx.ta("cases-page", &[("count", &page.to_string()), ("size", &pages.to_string())])) }
                }
                thead { tr {
                    th scope="col" { (ctx.t("case-id")) }
                    th scope="col" { (ctx.t("case-kind")) }
                    th scope="col" { (ctx.t("case-status")) }
                    th scope="col" { (ctx.t("case-owner")) }
                    th scope="col" { (ctx.t("case-opened")) }
                } }
                tbody {
                    @for (c, from) in shown {
                        tr {
                            td { a href=(format!("/console/case?id={}", super::url_encode(&c.case))) { (c.case) } }
                            td { (ctx.t(&format!("kind-{}", c.kind.name()))) }
                            td { span.status { (status_name(&ctx, &c.status)) } }
                            td {
                                (c.owner)
                                @if let Some(f) = from { " · " (ctx.ta("referred-by", &[("org", f)])) }
                            }
                            td { (when(c.opened_ms)) }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pager aria-label=(ctx.t("cases-pages")) {
                    @if page > 1 { a href=(page_link(page - 1)) rel="prev" { "← " (page - 1) } }
                    " "
                    @if page < pages { a href=(page_link(page + 1)) rel="next" { (page + 1) " →" } }
                }
            }
        }
    };
    if headers.contains_key("hx-request") {
        return html(table);
    }
    let body = html! {
        h1 { (ctx.t("cases-title")) }
        div.actions {
            @if ctx.may(need::SEAL) && ctx.state.console.sealed {
                a.button href="/console/cases/new" #new-case { (ctx.t("case-new")) }
            }
        }
        form.search method="get" action="/console/cases" role="search" {
            label for="q" { (ctx.t("cases-search")) }
            input #q type="search" name="q" value=(q.q)
                hx-get="/console/cases" hx-trigger="input changed delay:300ms, search" hx-target="#results";
            button type="submit" { (ctx.t("search-submit")) }
        }
        div #results { (table) }
    };
    html(ctx.page("cases-title", body))
}

/// `GET /console/cases/new`.
pub async fn new_form(
    State(state): State<ApiState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::SEAL).await);
    html(ctx.page("case-new", new_case_form(&ctx, &NewCase::default(), None)))
}

fn new_case_form(ctx: &Ctx, v: &NewCase, error: Option<(&str, String)>) -> Markup {
    let err_for = |f: &str| {
        error
            .as_ref()
            .filter(|(field, _)| *field == f)
            .map(|(_, e)| e.clone())
    };
    let field =
        |name: &str, label: &str, ty: &str, value: &str, required: bool, hint: Option<String>| {
            let e = err_for(name);
            html! {
                div.field {
                    label for=(name) { (ctx.t(label)) @if required { " *" } }
                    @if let Some(h) = &hint { small #(format!("{name}-hint")) { (h) } }
                    input #(name) name=(name) type=(ty) value=(value) required[required]
                        aria-invalid=[e.as_ref().map(|_| "true")]
                        aria-describedby=[hint.as_ref().map(|_| format!("{name}-hint"))];
                    @if let Some(e) = e { p.field-error role="alert" { (e) } }
                }
            }
        };
    html! {
        h1 { (ctx.t("case-new")) }
        @if let Some((f, e)) = &error {
            @if f.is_empty() { p.notice.error role="alert" { (e) } }
        }
        form.stack method="post" action="/console/cases" {
            (ctx.csrf())
            fieldset {
                legend { (ctx.t("case-public")) }
                p.hint { (ctx.t("case-public-hint")) }
                (field("case", "case-id", "text", &v.case, true, Some(ctx.t("case-id-hint"))))
                div.field {
                    label for="kind" { (ctx.t("case-kind")) }
                    select #kind name="kind" {
                        @for k in KINDS {
                            option value=(k.name()) selected[v.kind == k.name()] { (ctx.t(&format!("kind-{}", k.name()))) }
                        }
                    }
                }
            }
            fieldset {
                legend { (ctx.t("case-sealed")) }
                p.hint { (ctx.t("case-sealed-hint")) }
                div.field {
                    label for="summary" { (ctx.t("case-summary")) " *" }
                    textarea #summary name="summary" rows="5" required { (v.summary) }
                    @if let Some(e) = err_for("summary") { p.field-error role="alert" { (e) } }
                }
                (field("first_name", "person-first-name", "text", &v.first_name, false, None))
                (field("birthdate", "person-birthdate", "date", &v.birthdate, false, None))
                (field("phone", "person-phone", "tel", &v.phone, false, Some(ctx.t("person-phone-hint"))))
                (field("email", "person-email", "email", &v.email, false, None))
            }
            button type="submit" #create-case { (ctx.t("case-create")) }
        }
    }
}

/// The new-case form.
#[derive(Debug, Deserialize, Default)]
pub struct NewCase {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    case: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    birthdate: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
}

/// Which form field an HTCDS path came from.
fn form_field(path: &str) -> &'static str {
    // The path names an HTCDS field of the one person or comment the form writes.
    if path.contains("prs_MobilePhone") {
        "phone"
    } else if path.contains("prs_Email") {
        "email"
    } else if path.contains("prs_Birthdate") {
        "birthdate"
    } else if path.contains("prs_FirstName") {
        "first_name"
    } else if path.contains("cco_CaseComment") {
        "summary"
    } else {
        ""
    }
}

/// The HTCDS document the new-case form describes (summary, and the person's first name,
/// date of birth, mobile phone and e-mail, each optional), checked against the standard; an
/// error names the form field and the reason.
pub fn case_document(
    summary: &str,
    first_name: &str,
    birthdate: &str,
    phone: &str,
    email: &str,
) -> Result<Value, (&'static str, String)> {
    document(&NewCase {
        summary: summary.into(),
        first_name: first_name.into(),
        birthdate: birthdate.into(),
        phone: phone.into(),
        email: email.into(),
        ..NewCase::default()
    })
}

/// The HTCDS document the form describes, checked against the standard.
fn document(v: &NewCase) -> Result<Value, (&'static str, String)> {
    let mut person = serde_json::Map::new();
    for (k, val) in [
        ("prs_FirstName", &v.first_name),
        ("prs_Birthdate", &v.birthdate),
        ("prs_MobilePhone", &v.phone),
        ("prs_Email", &v.email),
    ] {
        if !val.trim().is_empty() {
            person.insert(k.into(), val.trim().into());
        }
    }
    let mut doc = json!({"comments": [{"cco_CaseComment": v.summary.trim()}]});
    if !person.is_empty() {
        person.insert("id".into(), "p1".into());
        person.insert("role".into(), "victim".into());
        doc["persons"] = json!([person]);
    }
    unchain_htcds::document::validate(&doc).map_err(|e| (form_field(&e.field), e.to_string()))
}

/// Seals `doc` (a new record, or a new version of `record`) with its identifiers blinded.
async fn seal_document(
    ctx: &Ctx,
    doc: &Value,
    record: Option<sealing::RecordId>,
    country: Option<&str>,
) -> Result<(sealing::RecordId, u64), (&'static str, String)> {
    let plaintext = serde_json::to_vec(doc).expect("json");
    let identifiers = unchain_htcds::document::identifiers(doc)
        .into_iter()
        .map(|(_, kind, value)| (kind, value))
        .collect();
    let (id, tx) = sealing::seal(
        &ctx.state,
        SealRequest {
            schema: "htcds.case",
            plaintext: &plaintext,
            identifiers,
            country,
            record,
            actor: &ctx.user.id,
        },
    )
    .await
    .map_err(|e| (form_field(&e), e))?;
    let height = super::wait_committed(ctx, &tx).await.map_err(|e| ("", e))?;
    Ok((id, height))
}

/// Seals `doc` (an HTCDS document) with its identifiers blinded and opens case `id` of
/// `kind` over it; the height of the opening block, or the form field at fault and why.
pub(crate) async fn open_case(
    ctx: &Ctx,
    id: &str,
    kind: CaseKind,
    doc: &Value,
    country: Option<&str>,
) -> Result<u64, (&'static str, String)> {
    let (record, _) = seal_document(ctx, doc, None, country).await?;
    let body = json!({"case": id, "kind": kind.name(), "record": record, "actor": ctx.user.id});
    super::submit_and_wait(ctx, "cases.open", body)
        .await
        .map_err(|e| ("", e))
}

/// `POST /console/cases`: seals the details and opens the case over them.
pub async fn create(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Form(v): Form<NewCase>,
) -> Response {
    let ctx =
        refuse_or!(form_for(&state, &headers, "/console/cases/new", &v.csrf, need::SEAL).await);
    let again = |e: (&str, String)| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            html(ctx.page("case-new", new_case_form(&ctx, &v, Some(e)))),
        )
            .into_response()
    };
    if let Err(e) = unchain_ledger::module::check_case_id("case", v.case.trim()) {
        return again(("case", e.reason));
    }
    let Some(kind) = KINDS.into_iter().find(|k| k.name() == v.kind) else {
        return again(("", format!("kind: {:?} is not a kind of case", v.kind)));
    };
    if matches!(load(&state, v.case.trim()), Ok(Some(_))) {
        return again(("case", ctx.ta("case-exists", &[("id", v.case.trim())])));
    }
    if v.summary.trim().is_empty() {
        return again(("summary", ctx.t("field-required")));
    }
    let doc = match document(&v) {
        Ok(d) => d,
        Err(e) => return again(e),
    };
    match open_case(&ctx, v.case.trim(), kind, &doc, None).await {
        Ok(h) => after_post(
            &ctx,
            &format!("/console/case?id={}", super::url_encode(v.case.trim())),
            "ok",
            ctx.ta(
                "case-opened-at",
                &[("id", v.case.trim()), ("height", &h.to_string())],
            ),
        ),
        Err(e) => again(e),
    }
}

/// A case page's query.
#[derive(Debug, Deserialize)]
pub struct CaseQuery {
    id: String,
}

/// `GET /console/case?id=`: a case's page.
pub async fn detail(
    State(state): State<ApiState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Query(q): Query<CaseQuery>,
) -> Response {
    let ctx = refuse_or!(viewer(&state, &headers, &uri.to_string()).await);
    case_page(&ctx, &q.id, None)
}

/// The case page, with `opened` (the sealed details, just opened) when there is one.
fn case_page(ctx: &Ctx, id: &str, opened: Option<Markup>) -> Response {
    if !ctx.may(need::CASES) {
        return not_entitled(ctx, need::CASES);
    }
    let view = match load(&ctx.state, id) {
        Ok(Some(v)) => v,
        Ok(None) => {
            return problem_page(
                ctx,
                StatusCode::NOT_FOUND,
                ctx.ta("case-missing", &[("id", id)]),
            );
        }
        Err(e) => return problem_page(ctx, StatusCode::SERVICE_UNAVAILABLE, e),
    };
    let c = &view.case;
    let record = sealing::record(&ctx.state, &c.record).ok();
    let ours = c.owner == ctx.state.node_name;
    let holds = record.as_ref().is_some_and(|r| {
        r.access
            .iter()
            .any(|a| a.member == ctx.state.node_name && a.revoked.is_none())
    });
    let reader = ctx.state.ledger.state_reader().ok();
    let items = reader
        .as_ref()
        .and_then(|r| unchain_custody::items_of_case(r, &c.case).ok())
        .unwrap_or_default();
    let members: Vec<String> = ctx
        .state
        .ledger
        .members()
        .unwrap_or_default()
        .into_iter()
        .map(|m| m.name)
        .filter(|m| *m != ctx.state.node_name)
        .collect();
    let next: Vec<&str> = c
        .kind
        .statuses()
        .iter()
        .copied()
        .filter(|to| workflow::transition(c.kind, &c.status, to).is_ok())
        .collect();
    let idq = super::url_encode(&c.case);
    let links = case_links(ctx, c, &items, reader.as_ref());
    let body = html! {
        h1 { (ctx.t(&format!("kind-{}", c.kind.name()))) " " (c.case) }
        dl.facts {
            dt { (ctx.t("case-status")) } dd #case-status { span.status { (status_name(ctx, &c.status)) } }
            dt { (ctx.t("case-owner")) } dd { (c.owner) }
            dt { (ctx.t("case-opened")) } dd { (when(c.opened_ms)) }
            dt { (ctx.t("case-record")) } dd { code title=(c.record.to_string()) { (short(&c.record.to_string())) } " v" (c.record_version) }
            @if !c.referred_to.is_empty() {
                dt { (ctx.t("case-referred-to")) } dd #case-referred { (c.referred_to.join(", ")) }
            }
        }
        section aria-labelledby="timeline-h" {
            h2 #timeline-h { (ctx.t("case-timeline")) }
            (super::svg::case_timeline(ctx, &view.events))
            ol.timeline {
                @for e in &view.events {
                    li {
                        time { (when(e.time_ms)) } " · "
                        (change_text(ctx, &e.change)) " · "
                        (e.member) " (" (e.actor) ") · "
                        a href=(format!("/console/ledger/tx/{}", e.tx_id)) { (ctx.t("proof-link")) }
                    }
                }
            }
        }
        @if !links.is_empty() {
            section aria-labelledby="links-h" {
                h2 #links-h { (ctx.t("case-links")) }
                (super::svg::case_links(ctx, &c.case, &links))
            }
        }
        section aria-labelledby="sealed-h" {
            h2 #sealed-h { (ctx.t("case-sealed")) }
            @if let Some(o) = opened {
                (o)
            } @else if !ctx.state.console.sealed {
                p.hint #sealed-off { (ctx.t("sealed-off")) }
            } @else if ctx.may(need::READ_SEALED) {
                form method="post" action="/console/case/open" {
                    (ctx.csrf())
                    input type="hidden" name="id" value=(c.case);
                    p.hint { (ctx.t("open-logged")) }
                    button type="submit" #open-details { (ctx.t("open-details")) }
                }
            }
            @if holds && ctx.may(need::SEAL) && ctx.state.console.sealed {
                details {
                    summary { (ctx.t("attach-title")) }
                    form.stack method="post" action="/console/case/attach" {
                        (ctx.csrf())
                        input type="hidden" name="id" value=(c.case);
                        label for="note" { (ctx.t("attach-note")) }
                        textarea #note name="note" rows="4" required {}
                        button type="submit" #attach { (ctx.t("attach-submit")) }
                    }
                }
            }
        }
        @if !items.is_empty() {
            section aria-labelledby="items-h" {
                h2 #items-h { (ctx.t("case-evidence")) }
                ul {
                    @for it in &items {
                        li { a href=(format!("/console/custody/item/{}", it.item)) { (it.description) } " · " (ctx.t(&format!("custody-status-{:?}", it.status).to_lowercase())) }
                    }
                }
            }
        }
        @if ctx.may(need::CUSTODY_ACT) {
            p { a href=(format!("/console/custody?case={idq}#collect")) { (ctx.t("custody-collect-for-case")) } }
        }
        @if ours && holds && ctx.may(need::CASE_ACT) && ctx.state.console.sealed {
            section aria-labelledby="share-h" {
                h2 #share-h { (ctx.t("share-title")) }
                form.stack method="post" action="/console/case/share" #share-form {
                    (ctx.csrf())
                    input type="hidden" name="id" value=(c.case);
                    label for="to" { (ctx.t("share-to")) }
                    select #to name="to" required {
                        @for m in &members { option value=(m) { (m) } }
                    }
                    label for="purpose" { (ctx.t("share-purpose")) }
                    input #purpose name="purpose" type="text" required maxlength="200";
                    label for="legal_basis" { (ctx.t("share-basis")) }
                    select #legal_basis name="legal_basis" {
                        @for b in LEGAL_BASES { option value=(b) { (ctx.t(&format!("basis-{b}"))) } }
                    }
                    label for="reason" { (ctx.t("share-reason")) }
                    select #reason name="reason" {
                        @for r in REFERRAL_REASONS { option value=(r) { (ctx.t(&format!("reason-{r}"))) } }
                    }
                    button type="submit" #share { (ctx.t("share-submit")) }
                }
            }
        }
        @if ours && ctx.may(need::CASE_ACT) && !next.is_empty() {
            section aria-labelledby="move-h" {
                h2 #move-h { (ctx.t("move-title")) }
                form.inline method="post" action="/console/case/transition" {
                    (ctx.csrf())
                    input type="hidden" name="id" value=(c.case);
                    input type="hidden" name="from" value=(c.status);
                    label for="to-status" { (ctx.t("move-to")) }
                    select #to-status name="to" { @for s in &next { option value=(s) { (status_name(ctx, s)) } } }
                    label for="outcome" { (ctx.t("move-outcome")) }
                    select #outcome name="outcome" {
                        option value="" { "—" }
                        @for o in workflow::outcomes(c.kind) { option value=(o) { (o) } }
                    }
                    button type="submit" { (ctx.t("move-submit")) }
                }
            }
        }
        @if ctx.may(&[crate::users::UserRole::Investigator, crate::users::UserRole::Administrator]) && holds {
            (audit_section(ctx, c, record.as_ref()))
        }
    };
    html(ctx.page("case-title", body))
}

/// What the case links to: the case it follows from, the agencies it was referred to,
/// its evidence, and other agencies' records that matched its record.
fn case_links(
    ctx: &Ctx,
    c: &Case,
    items: &[unchain_custody::rules::Item],
    reader: Option<&unchain_ledger::StateReader>,
) -> Vec<super::svg::Link> {
    use super::svg::Link;
    let mut links = Vec::new();
    if let Some(p) = &c.parent {
        links.push(Link {
            kind: "parent",
            label: p.clone(),
            edge: ctx.t("link-follows"),
            href: Some(format!("/console/case?id={}", super::url_encode(p))),
        });
    }
    for to in &c.referred_to {
        links.push(Link {
            kind: "agency",
            label: to.clone(),
            edge: ctx.t("link-referred"),
            href: None,
        });
    }
    for it in items {
        links.push(Link {
            kind: "item",
            label: it.description.clone(),
            edge: ctx.t("link-evidence"),
            href: Some(format!("/console/custody/item/{}", it.item)),
        });
    }
    if let Some(r) = reader {
        for a in unchain_vault::state::alerts(r, &ctx.state.node_name).unwrap_or_default() {
            if a.record == c.record {
                links.push(Link {
                    kind: "match",
                    label: a.other_member.clone(),
                    edge: ctx.t(&format!("identifier-{}", a.kind.as_str())),
                    href: Some("/console/alerts".into()),
                });
            }
        }
    }
    links
}

fn audit_section(ctx: &Ctx, c: &Case, record: Option<&unchain_vault::state::RecordView>) -> Markup {
    let reads = ctx.state.audit.reads_of(&c.record).unwrap_or_default();
    html! {
        section aria-labelledby="audit-h" {
            h2 #audit-h { (ctx.t("audit-title")) }
            h3 { (ctx.t("audit-grants")) }
            ul {
                @for a in record.map(|r| r.access.as_slice()).unwrap_or(&[]) {
                    li { (a.member) " · " (a.purpose) @if a.revoked.is_some() { " · " (ctx.t("access-revoked")) } }
                }
            }
            h3 { (ctx.ta("audit-reads", &[("org", &ctx.state.node_name)])) }
            table.list #audit-reads {
                thead { tr {
                    th scope="col" { (ctx.t("audit-when")) }
                    th scope="col" { (ctx.t("audit-who")) }
                    th scope="col" { (ctx.t("audit-version")) }
                    th scope="col" { (ctx.t("audit-verdict")) }
                } }
                tbody {
                    @for r in reads.iter().rev() {
                        tr class=(if r.allowed { "ok" } else { "refused" }) {
                            td { (when(r.time_ms)) }
                            td { (r.member) " · " (r.actor.as_deref().unwrap_or("—")) }
                            td { (r.version.map(|v| v.to_string()).unwrap_or_default()) }
                            td { (if r.allowed { ctx.t("audit-served") } else { ctx.t("audit-refused") }) }
                        }
                    }
                }
            }
        }
    }
}

/// A workflow status in the page's language.
fn status_name(ctx: &Ctx, status: &str) -> String {
    ctx.t(&format!("status-{status}"))
}

fn change_text(ctx: &Ctx, c: &Change) -> String {
    match c {
        Change::Opened { status } => {
            ctx.ta("change-opened", &[("status", &status_name(ctx, status))])
        }
        Change::Transitioned { from, to, .. } => ctx.ta(
            "change-moved",
            &[
                ("status", &status_name(ctx, from)),
                ("to", &status_name(ctx, to)),
            ],
        ),
        Change::Referred { to, .. } => ctx.ta("change-referred", &[("to", to)]),
        Change::Updated { version } => ctx.ta("change-updated", &[("count", &version.to_string())]),
    }
}

/// A form naming a case.
#[derive(Debug, Deserialize)]
pub struct CaseForm {
    #[serde(default)]
    csrf: String,
    id: String,
}

/// `POST /console/case/open`: opens the sealed details for a user whose role reads them;
/// every attempt is logged.
pub async fn open_details(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Form(f): Form<CaseForm>,
) -> Response {
    let back = format!("/console/case?id={}", super::url_encode(&f.id));
    let ctx = refuse_or!(viewer(&state, &headers, &back).await);
    if let Err(r) = check_post(&ctx, &headers, &f.csrf) {
        return *r;
    }
    let view = match load(&state, &f.id) {
        Ok(Some(v)) => v,
        _ => {
            return problem_page(
                &ctx,
                StatusCode::NOT_FOUND,
                ctx.ta("case-missing", &[("id", &f.id)]),
            );
        }
    };
    match sealing::open(&state, &ctx.user, &view.case.record, None) {
        Ok((version, plain)) => {
            let doc: Value = serde_json::from_slice(&plain).unwrap_or(Value::Null);
            let shown = html! {
                div.opened #sealed-details role="region" aria-label=(ctx.t("case-sealed")) {
                    p.hint { (ctx.ta("opened-version", &[("count", &version.to_string())])) }
                    (render_document(&doc))
                }
            };
            case_page(&ctx, &f.id, Some(shown))
        }
        Err(OpenError::Role) => {
            let mut r = not_entitled(&ctx, need::READ_SEALED);
            *r.status_mut() = StatusCode::FORBIDDEN;
            r
        }
        Err(OpenError::Denied(why)) => problem_page(
            &ctx,
            StatusCode::FORBIDDEN,
            ctx.ta(
                "open-denied",
                &[("org", &state.node_name), ("reason", &why)],
            ),
        ),
        Err(OpenError::NotYet) => {
            problem_page(&ctx, StatusCode::SERVICE_UNAVAILABLE, ctx.t("open-not-yet"))
        }
        Err(OpenError::Other(e)) => problem_page(&ctx, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// An HTCDS name for people: `prs_FirstName` → `First name`, `comments` → `Comments`.
fn humane(name: &str) -> String {
    let bare = name.split_once('_').map_or(name, |(_, rest)| rest);
    let mut out = String::new();
    for (i, c) in bare.chars().enumerate() {
        if i == 0 {
            out.extend(c.to_uppercase());
        } else if c.is_uppercase() {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// An HTCDS document as headed lists of its fields.
fn render_document(doc: &Value) -> Markup {
    let Some(map) = doc.as_object() else {
        return html! { pre { (doc.to_string()) } };
    };
    html! {
        @for (part, v) in map {
            @if part != "htcds_version" {
                h3 { (humane(part)) }
                @for entry in v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]) {
                    dl.facts {
                        @for (k, x) in entry.as_object().cloned().unwrap_or_default() {
                            dt title=(k) { (humane(&k)) }
                            dd { (x.as_str().map(str::to_owned).unwrap_or_else(|| x.to_string())) }
                        }
                    }
                }
            }
        }
    }
}

/// The attach form.
#[derive(Debug, Deserialize)]
pub struct AttachForm {
    #[serde(default)]
    csrf: String,
    id: String,
    note: String,
}

/// `POST /console/case/attach`: adds a note to the sealed details as a new version, sealed
/// to every agency with access, and points the case at it.
pub async fn attach(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Form(f): Form<AttachForm>,
) -> Response {
    let back = format!("/console/case?id={}", super::url_encode(&f.id));
    let ctx = refuse_or!(form_for(&state, &headers, &back, &f.csrf, need::SEAL).await);
    let Ok(Some(view)) = load(&state, &f.id) else {
        return problem_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.ta("case-missing", &[("id", &f.id)]),
        );
    };
    let mut doc = match sealing::open(&state, &ctx.user, &view.case.record, None) {
        Ok((_, plain)) => serde_json::from_slice::<Value>(&plain).unwrap_or_else(|_| json!({})),
        Err(_) => return after_post(&ctx, &back, "error", ctx.t("attach-cannot-open")),
    };
    let comments = doc
        .as_object_mut()
        .map(|m| m.entry("comments").or_insert_with(|| json!([])));
    if let Some(Value::Array(list)) = comments {
        list.push(json!({"cco_CaseComment": f.note.trim()}));
    }
    let doc = match unchain_htcds::document::validate(&doc) {
        Ok(d) => d,
        Err(e) => return after_post(&ctx, &back, "error", e.to_string()),
    };
    let version = match seal_document(&ctx, &doc, Some(view.case.record), None).await {
        Ok(_) => view.case.record_version + 1,
        Err((_, e)) => return after_post(&ctx, &back, "error", e),
    };
    let body = json!({"case": f.id, "version": version, "actor": ctx.user.id});
    match super::submit_and_wait(&ctx, "cases.update", body).await {
        Ok(h) => after_post(
            &ctx,
            &back,
            "ok",
            ctx.ta(
                "attached-at",
                &[("count", &version.to_string()), ("height", &h.to_string())],
            ),
        ),
        Err(e) => after_post(&ctx, &back, "error", e),
    }
}

/// The share form.
#[derive(Debug, Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    csrf: String,
    id: String,
    to: String,
    purpose: String,
    legal_basis: String,
    reason: String,
}

/// `POST /console/case/share`: grants the agency the sealed record, then refers the case.
pub async fn share(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Form(f): Form<ShareForm>,
) -> Response {
    let back = format!("/console/case?id={}", super::url_encode(&f.id));
    let ctx = refuse_or!(form_for(&state, &headers, &back, &f.csrf, need::CASE_ACT).await);
    let Ok(Some(view)) = load(&state, &f.id) else {
        return problem_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.ta("case-missing", &[("id", &f.id)]),
        );
    };
    if !LEGAL_BASES.contains(&f.legal_basis.as_str()) {
        return after_post(
            &ctx,
            &back,
            "error",
            format!("legal_basis: {:?} is not offered here", f.legal_basis),
        );
    }
    let grant = match sealing::grant_body(
        &state,
        &view.case.record,
        &f.to,
        f.purpose.trim(),
        &f.legal_basis,
        &ctx.user.id,
    ) {
        Ok(b) => b,
        Err(e) => return after_post(&ctx, &back, "error", e),
    };
    if let Err(e) = super::submit_and_wait(&ctx, "vault.grant", grant).await {
        return after_post(&ctx, &back, "error", e);
    }
    let refer = json!({"case": f.id, "to": f.to, "reason": f.reason, "actor": ctx.user.id});
    match super::submit_and_wait(&ctx, "cases.refer", refer).await {
        Ok(h) => after_post(
            &ctx,
            &back,
            "ok",
            ctx.ta("shared-at", &[("to", &f.to), ("height", &h.to_string())]),
        ),
        Err(e) => after_post(&ctx, &back, "error", e),
    }
}

/// The workflow form.
#[derive(Debug, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf: String,
    id: String,
    from: String,
    to: String,
    #[serde(default)]
    outcome: String,
}

/// `POST /console/case/transition`.
pub async fn transition(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Form(f): Form<MoveForm>,
) -> Response {
    let back = format!("/console/case?id={}", super::url_encode(&f.id));
    let ctx = refuse_or!(form_for(&state, &headers, &back, &f.csrf, need::CASE_ACT).await);
    let mut body = json!({"case": f.id, "from": f.from, "to": f.to, "actor": ctx.user.id});
    if !f.outcome.is_empty() {
        body["outcome"] = f.outcome.clone().into();
    }
    match super::submit_and_wait(&ctx, "cases.transition", body).await {
        Ok(h) => after_post(
            &ctx,
            &back,
            "ok",
            ctx.ta(
                "moved-at",
                &[
                    ("status", &status_name(&ctx, &f.to)),
                    ("height", &h.to_string()),
                ],
            ),
        ),
        Err(e) => after_post(&ctx, &back, "error", e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htcds_names_read_as_words() {
        assert_eq!(humane("prs_FirstName"), "First name");
        assert_eq!(humane("cco_CaseComment"), "Case comment");
        assert_eq!(humane("comments"), "Comments");
    }

    #[test]
    fn the_form_becomes_a_checked_htcds_document_and_bad_fields_are_named() {
        let mut v = NewCase {
            summary: "s".into(),
            phone: "+66 81 555 0142".into(),
            ..NewCase::default()
        };
        let doc = document(&v).expect("valid");
        assert_eq!(doc["persons"][0]["prs_MobilePhone"], "+66 81 555 0142");
        assert_eq!(doc["persons"][0]["role"], "victim");
        assert_eq!(unchain_htcds::document::identifiers(&doc).len(), 1);
        v.birthdate = "3 March".into();
        let (field, why) = document(&v).expect_err("not a date");
        assert_eq!(field, "birthdate");
        assert!(why.contains("prs_Birthdate"), "{why}");
        v.birthdate.clear();
        v.summary.clear();
        v.first_name.clear();
        v.phone.clear();
        assert!(
            document(&v).is_ok(),
            "the form handler refuses an empty summary"
        );
    }
}
