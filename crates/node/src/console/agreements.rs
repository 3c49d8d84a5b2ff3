//! Compliance agreements in the console. The list shows the agreements the organisation
//! is a party to or arbitrates. One agreement reads in plain words beside its CEL: its
//! parties, its standing and how it got there, and each clause with its schedule and what
//! a breach brings. Then every outcome, with the digest of the facts it read, its
//! attestation in the log, and any dispute with the arbiter's decision.

use super::layout::{Ctx, short};
use super::{html, need, page_for, problem_page, refuse_or};
use crate::console::ConsoleState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::{Markup, html};
use unchain_agree::body::{ClauseTerms, Consequence, Verdict};
use unchain_agree::state::{self, AgreementRecord, Outcome, Standing};

fn standing(ctx: &Ctx, s: Standing) -> String {
    ctx.t(match s {
        Standing::Proposed => "agree-standing-proposed",
        Standing::InForce => "agree-standing-in-force",
        Standing::Suspended => "agree-standing-suspended",
        Standing::Ended => "agree-standing-ended",
    })
}

fn consequence(ctx: &Ctx, c: &Consequence) -> String {
    match c {
        Consequence::Penalty {
            amount,
            currency,
            owed_by,
            owed_to,
        } => ctx.ta(
            "agree-consequence-penalty",
            &[
                ("amount", &unchain_agree::body::decimal(*amount)),
                ("currency", currency),
                ("by", owed_by),
                ("to", owed_to),
            ],
        ),
        Consequence::Suspend => ctx.t("agree-consequence-suspend"),
        Consequence::Notify { to } => ctx.ta("agree-consequence-notify", &[("to", &to.join(", "))]),
        Consequence::Escalate { to } => ctx.ta("agree-consequence-escalate", &[("to", to)]),
    }
}

fn schedule(ctx: &Ctx, c: &ClauseTerms) -> String {
    let mut parts = Vec::new();
    if let Some(n) = c.every_blocks {
        parts.push(ctx.ta("agree-every-blocks", &[("blocks", &n.to_string())]));
    }
    if let Some(d) = c.due_ms {
        parts.push(ctx.ta("agree-due", &[("date", &crate::i18n::utc(d))]));
    }
    parts.join("; ")
}

fn result(ctx: &Ctx, o: &Outcome) -> (&'static str, String) {
    match Verdict::of(&o.kept) {
        Verdict::Kept => ("kept", ctx.t("agree-kept")),
        Verdict::Breached => ("breached", ctx.t("agree-breached")),
        Verdict::Error => ("error", ctx.t("agree-error")),
    }
}

/// `GET /console/agreements`.
pub async fn list(State(state): State<ConsoleState>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::AGREEMENTS).await);
    let Ok(reader) = state.ledger.state_reader() else {
        return problem_page(&ctx, StatusCode::SERVICE_UNAVAILABLE, "ledger".into());
    };
    let me = &state.node_name;
    let mine: Vec<AgreementRecord> = state::agreements(&reader)
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a.proposal.parties.contains(me) || a.proposal.arbiter == *me)
        .collect();
    let body = html! {
        h1 { (ctx.t("agree-title")) }
        p.lead { (ctx.ta("agree-lead", &[("party", me)])) }
        @if mine.is_empty() { p.empty { (ctx.t("agree-none")) } }
        @else {
            table.list #agreements {
                thead { tr {
                    th scope="col" { (ctx.t("agree-agreement")) }
                    th scope="col" { (ctx.t("agree-parties")) }
                    th scope="col" { (ctx.t("agree-standing")) }
                    th scope="col" { (ctx.t("agree-outcomes")) }
                } }
                tbody {
                    @for a in &mine {
                        tr {
                            td { a href=(format!("/console/agreement/{}", a.proposal.agreement)) { (a.proposal.title) } }
                            td { (a.proposal.parties.join(", ")) }
                            td { (standing(&ctx, a.standing)) }
                            td { (a.outcomes) }
                        }
                    }
                }
            }
        }
    };
    html(ctx.page("agree-title", body))
}

/// `GET /console/agreement/{id}`.
pub async fn detail(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::AGREEMENTS).await);
    let found = state.ledger.state_reader().ok().and_then(|r| {
        let a = state::agreement(&r, &id).ok()??;
        let outcomes = state::outcomes(&r, &id).ok()?;
        Some((a, outcomes))
    });
    let Some((a, outcomes)) = found else {
        return problem_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.ta("agree-missing", &[("id", &id)]),
        );
    };
    let p = &a.proposal;
    let body = html! {
        h1 { (p.title) }
        p.lead #agreement-standing {
            (ctx.ta("agree-between", &[("parties", &p.parties.join(", ")), ("arbiter", &p.arbiter)]))
            " " strong { (standing(&ctx, a.standing)) }
        }
        section aria-labelledby="clauses-h" {
            h2 #clauses-h { (ctx.t("agree-clauses")) }
            @for c in &p.clauses {
                article.clause id=(format!("clause-{}", c.id)) {
                    h3 { code { (c.id) } }
                    div.side-by-side {
                        div { h4 { (ctx.t("agree-in-words")) } p.words { (c.text) } }
                        div { h4 { (ctx.t("agree-in-cel")) } pre { code.cel { (c.cel) } } }
                    }
                    p { (ctx.t("agree-schedule")) ": " (schedule(&ctx, c)) }
                    p { (ctx.t("agree-if-breached")) ": " (consequence(&ctx, &c.consequence)) }
                }
            }
            p.fine { (ctx.ta("agree-schema", &[("version", &p.schema.to_string())])) }
        }
        section aria-labelledby="history-h" {
            h2 #history-h { (ctx.t("agree-history")) }
            ul #agreement-history {
                @for (s, height, by) in &a.history {
                    li { (standing(&ctx, *s)) " — " (ctx.ta("agree-at-height", &[("height", &height.to_string())])) ", " (by) }
                }
            }
            @for m in &a.amendments {
                p.amendment {
                    strong { (ctx.ta("agree-amendment", &[("number", &m.number.to_string())])) } ": "
                    (if m.end { ctx.t("agree-amendment-end") } else { ctx.t("agree-amendment-terms") })
                    " — " q { (m.reason) } " — "
                    @match m.applied {
                        Some(h) => { (ctx.ta("agree-amendment-applied", &[("height", &h.to_string())])) }
                        None => {
                            (ctx.ta("agree-amendment-waiting", &[("parties", &m.needs.iter().filter(|n| !m.signed.contains(n)).cloned().collect::<Vec<_>>().join(", "))]))
                        }
                    }
                }
            }
        }
        section aria-labelledby="outcomes-h" {
            h2 #outcomes-h { (ctx.t("agree-outcomes")) }
            @if outcomes.is_empty() { p.empty { (ctx.t("agree-outcomes-none")) } }
            @else { (outcome_table(&ctx, &outcomes)) }
        }
    };
    html(ctx.page("agree-title", body))
}

fn outcome_table(ctx: &Ctx, outcomes: &[Outcome]) -> Markup {
    html! {
        table.list #agreement-outcomes {
            thead { tr {
                th scope="col" { "#" }
                th scope="col" { (ctx.t("agree-clause")) }
                th scope="col" { (ctx.t("agree-when")) }
                th scope="col" { (ctx.t("agree-result")) }
                th scope="col" { (ctx.t("agree-facts")) }
                th scope="col" { (ctx.t("agree-attested")) }
                th scope="col" { (ctx.t("agree-dispute")) }
            } }
            tbody {
                @for (seq, o) in outcomes.iter().enumerate() {
                    @let (class, word) = result(ctx, o);
                    tr class=(class) {
                        td { (seq) }
                        td { code { (o.clause) } }
                        td { (crate::i18n::utc(o.at_ms)) " · " (ctx.ta("agree-at-height", &[("height", &o.height.to_string())])) }
                        td {
                            strong { (word) }
                            @if let Some(c) = &o.consequence { br; (consequence(ctx, c)) }
                            @if let Err(e) = &o.kept { br; small { (e) } }
                        }
                        td { code title=(o.facts.to_hex()) { (short(&o.facts.to_hex())) } }
                        td {
                            @match &o.attested {
                                Some(tx) => { a href=(format!("/console/ledger/tx/{tx}")) { (short(&tx.to_string())) } }
                                None => { (ctx.t("agree-not-attested")) }
                            }
                        }
                        td {
                            @match &o.dispute {
                                None => { "—" }
                                Some(d) => {
                                    (ctx.ta("agree-contested-by", &[("party", &d.by)])) ": " q { (d.reason) }
                                    @match &d.decision {
                                        None => { br; em { (ctx.t("agree-awaiting-arbiter")) } }
                                        Some((true, why, _)) => { br; (ctx.t("agree-upheld")) ": " (why) }
                                        Some((false, why, _)) => { br; (ctx.t("agree-overturned")) ": " (why) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
