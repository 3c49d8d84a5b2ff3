//! The reporter's return with the receipt code: the tip's messages (`POST
//! /tips/{form}/return`), more information (`…/more`), the proof of receipt
//! (`…/receipt`).

use super::multipart::{clean_files, field_error, read_request};
use super::pages::{self, Ctx, Shown};
use super::{Req, html, no_form, record, slow};
use crate::service::Problem;
use crate::tipform::TipState;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use unchain_tips::message::{self, REPORTER};
use unchain_tips::receipt::{ReceiptCode, ReceiptKeys};
use unchain_tips::report::Content;
use unchain_tips::{Author, TipView, client};

#[derive(Deserialize)]
pub(super) struct CodeForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    code: String,
}

/// A tip opened with its receipt code.
pub(crate) struct Opened {
    /// The code as the words, single-spaced.
    pub(crate) code: String,
    /// The tip.
    pub(crate) view: TipView,
    /// What the code derives.
    pub(crate) keys: ReceiptKeys,
}

/// Longest a code waits for its turn at the slow key derivation before the reporter is
/// told the page is busy (a flood of well-formed guesses queues there, never refuses).
const LOOKUP_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// Opens the tip of a typed code. The code is parsed first, for free: a malformed one
/// costs nothing and spends nothing. A well-formed one spends one of *its own* lookups
/// (what a guesser would guess), then waits its turn for the Argon2id.
pub(crate) async fn open_with_code(state: &TipState, typed: &str) -> Result<Opened, &'static str> {
    let code = ReceiptCode::parse(typed).map_err(|_| "error-code")?;
    let phrase = code.phrase();
    if state
        .tips
        .guard
        .lookup(&phrase, crate::service::now_ms())
        .is_err()
    {
        state.metrics.tips_refused.inc();
        return Err("error-code-tries");
    }
    let (chain_id, intake) = (
        state.ledger.genesis().chain_id.clone(),
        state.node_name.clone(),
    );
    let keys = tokio::time::timeout(
        LOOKUP_WAIT,
        slow(state, move || {
            ReceiptKeys::derive(&code, &chain_id, &intake)
        }),
    )
    .await
    .map_err(|_| "error-busy")?;
    let reader = state.ledger.state_reader().map_err(|_| "error-recording")?;
    let view = unchain_tips::by_locator(&reader, &keys.locator)
        .map_err(|_| "error-recording")?
        .filter(|v| v.tip.intake == state.node_name)
        .ok_or("error-code")?;
    Ok(Opened {
        code: phrase,
        view,
        keys,
    })
}

/// Opens every message of `view` the reporter can read: (message id, content, block time).
pub(crate) fn open_all(
    state: &TipState,
    view: &TipView,
    keys: &ReceiptKeys,
) -> Vec<(String, Author, serde_json::Value, u64)> {
    let chain_id = &state.ledger.genesis().chain_id;
    view.messages
        .iter()
        .filter_map(|m| {
            let bytes = state.tip_store.get(&m.commitment).ok()??;
            let payload = message::open(
                chain_id,
                &view.tip.tip,
                &m.msg,
                REPORTER,
                &m.keys.reporter,
                &keys.secret,
                &bytes,
            )
            .ok()?;
            Some((m.msg.clone(), m.from, payload.content, m.time_ms))
        })
        .collect()
}

fn shown(ctx: &Ctx<'_>, opened: &[(String, Author, serde_json::Value, u64)]) -> Vec<Shown> {
    let files = |n: usize| {
        ctx.cats
            .text(ctx.lang, "files-attached", &[("count", &n.to_string())])
    };
    opened
        .iter()
        .map(|(_, from, content, time_ms)| {
            let text = match serde_json::from_value::<Content>(content.clone()) {
                Ok(Content::Report(r)) => {
                    let mut t = r.description.clone();
                    for line in [&r.location, &r.when, &r.contacts] {
                        if !line.is_empty() {
                            t.push_str("\n\n");
                            t.push_str(line);
                        }
                    }
                    if !r.attachments.is_empty() {
                        t.push_str(&format!("\n\n[{}]", files(r.attachments.len())));
                    }
                    t
                }
                Ok(Content::Followup { text, attachments }) if !attachments.is_empty() => {
                    format!("{text}\n\n[{}]", files(attachments.len()))
                }
                Ok(Content::Followup { text, .. }) | Ok(Content::Reply { text }) => text,
                Err(_) => String::new(),
            };
            Shown {
                mine: *from == Author::Reporter,
                time_ms: *time_ms,
                text,
            }
        })
        .collect()
}

fn status_page(
    state: &TipState,
    ctx: &Ctx<'_>,
    o: &Opened,
    notice: Option<String>,
    errors: &[String],
    draft: &str,
) -> Response {
    let (code, view) = (o.code.as_str(), &o.view);
    let messages = shown(ctx, &open_all(state, view, &o.keys));
    let (token, bits) = state.tips.guard.issue(ctx.form);
    html(
        if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        },
        pages::status(
            ctx,
            &pages::Status {
                code,
                state: &view.tip.status,
                messages: &messages,
                notice,
                errors,
                token: &token,
                bits,
                draft,
            },
        ),
    )
}

/// The code-entry page again, saying why (`key`: a catalogue message).
fn code_refused(ctx: &Ctx<'_>, key: &str) -> Response {
    html(
        StatusCode::BAD_REQUEST,
        pages::code_entry(ctx, Some(&ctx.t(key))),
    )
}

pub(super) async fn lookup(
    State(state): State<TipState>,
    Path(form): Path<String>,
    Form(f): Form<CodeForm>,
) -> Response {
    let Some(req) = Req::new(&state, &form, &f.lang) else {
        return no_form();
    };
    let ctx = req.ctx(&state);
    match open_with_code(&state, &f.code).await {
        Ok(o) => status_page(&state, &ctx, &o, None, &[], ""),
        Err(key) => code_refused(&ctx, key),
    }
}

pub(super) async fn more(
    State(state): State<TipState>,
    Path(form): Path<String>,
    mut mp: Multipart,
) -> Response {
    let (req, p, verdict) = match read_request(&state, &form, &mut mp).await {
        Ok(x) => x,
        Err(refused) => return refused,
    };
    let ctx = req.ctx(&state);
    let mut o = match open_with_code(&state, &p.code).await {
        Ok(x) => x,
        Err(key) => {
            return code_refused(&ctx, key);
        }
    };
    let mut errors: Vec<String> = p
        .problems
        .iter()
        .map(|(f, r)| field_error(&ctx, f, r))
        .collect();
    let ticket = match verdict {
        Ok(t) => Some(t),
        Err(_) => {
            errors.insert(0, ctx.t("error-expired"));
            None
        }
    };
    let (attachments, files) = match clean_files(&state, &p.files, &ctx).await {
        Ok(x) => x,
        Err(e) => {
            errors.push(e);
            (Vec::new(), Vec::new())
        }
    };
    let text = p.text.trim().to_owned();
    if let Err(e) = unchain_tips::report::check_text(&text) {
        errors.push(field_error(&ctx, e.field, &e.reason));
    }
    let admitted = ticket.as_ref().map(|t| state.tips.guard.admit(&form, t));
    match admitted {
        Some(Err(super::guard::Refusal::Storage)) => errors.push(ctx.t("error-recording-more")),
        Some(Err(_)) => errors.push(ctx.t("error-limit-more")),
        _ => {}
    }
    if !errors.is_empty() {
        state.metrics.tips_refused.inc();
        if !p.files.is_empty() {
            errors.push(ctx.t("error-files"));
        }
        return status_page(&state, &ctx, &o, None, &errors, &p.text);
    }
    let content = serde_json::to_value(Content::Followup { text, attachments })
        .expect("a follow-up serialises");
    let (sealed, body) = client::followup(
        &state.ledger.genesis().chain_id,
        &o.view.tip,
        &req.intake_key,
        &o.keys,
        &content,
        &files,
        crate::service::now_ms(),
    );
    let notice = match record(&state, "tips.message", &sealed, body).await {
        Ok(_) => ctx.t("more-sent"),
        Err(e) => {
            tracing::warn!(reason = %e, "a follow-up could not be recorded");
            return status_page(
                &state,
                &ctx,
                &o,
                None,
                &[ctx.t("error-recording-more")],
                &p.text,
            );
        }
    };
    if let Ok(reader) = state.ledger.state_reader()
        && let Ok(Some(newer)) = unchain_tips::tip(&reader, &o.view.tip.tip)
    {
        o.view = newer;
    }
    status_page(&state, &ctx, &o, Some(notice), &[], "")
}

pub(super) async fn receipt(
    State(state): State<TipState>,
    Path(form): Path<String>,
    Form(f): Form<CodeForm>,
) -> Response {
    let Some(req) = Req::new(&state, &form, &f.lang) else {
        return no_form();
    };
    let ctx = req.ctx(&state);
    let Opened { view, keys, .. } = match open_with_code(&state, &f.code).await {
        Ok(x) => x,
        Err(key) => {
            return code_refused(&ctx, key);
        }
    };
    let contents: BTreeMap<String, serde_json::Value> = open_all(&state, &view, &keys)
        .into_iter()
        .filter(|(_, from, _, _)| *from == Author::Reporter)
        .map(|(msg, _, content, _)| (msg, content))
        .collect();
    let last = view
        .messages
        .iter()
        .filter(|m| m.from == Author::Reporter)
        .map(|m| m.log_index)
        .max()
        .unwrap_or(view.tip.log_index);
    let bundle = async {
        let (note, cp) = crate::service::ledger::checkpoint_covering(&state, last).await?;
        unchain_tips::bundle::build(
            &state.ledger,
            &view,
            &contents,
            &keys.commit_key,
            note,
            cp.size,
        )
        .map_err(Problem::from)
    }
    .await;
    match bundle {
        Ok(b) => (
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"proof-of-receipt-{}.json\"",
                        view.tip.tip
                    ),
                ),
            ],
            serde_json::to_string_pretty(&b).expect("a bundle serialises"),
        )
            .into_response(),
        Err(_) => html(
            StatusCode::SERVICE_UNAVAILABLE,
            pages::notice(&ctx, "receipt-title", &ctx.t("receipt-pending")),
        ),
    }
}
