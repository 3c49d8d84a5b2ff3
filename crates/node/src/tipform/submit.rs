//! `POST /tips/{form}`: a new report.

use super::multipart::{clean_files, field_error, read_request};
use super::{html, pages, record, slow};
use crate::tipform::TipState;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use unchain_tips::client;
use unchain_tips::report::{Content, Report};

pub(super) async fn submit(
    State(state): State<TipState>,
    Path(form): Path<String>,
    mut mp: Multipart,
) -> Response {
    let (req, p, verdict) = match read_request(&state, &form, &mut mp).await {
        Ok(x) => x,
        Err(refused) => return refused,
    };
    let ctx = req.ctx(&state);
    let again = |status: StatusCode, errors: Vec<String>| {
        let (token, bits) = state.tips.guard.issue(&form);
        html(status, pages::form(&ctx, &p.values, &errors, &token, bits))
    };
    let mut errors: Vec<String> = p
        .problems
        .iter()
        .map(|(f, r)| field_error(&ctx, f, r))
        .collect();
    let ticket = match verdict {
        Ok(t) => t,
        Err(_) => {
            state.metrics.tips_refused.inc();
            errors.insert(0, ctx.t("error-expired"));
            if !p.files.is_empty() {
                errors.push(ctx.t("error-files"));
            }
            return again(StatusCode::BAD_REQUEST, errors);
        }
    };
    let (attachments, files) = match clean_files(&state, &p.files, &ctx).await {
        Ok(x) => x,
        Err(e) => {
            errors.push(e);
            (Vec::new(), Vec::new())
        }
    };
    let v = &p.values;
    let report = Report {
        form: form.clone(),
        lang: req.lang.into(),
        seen: v.seen.clone(),
        location: v.location.trim().into(),
        when: v.when.trim().into(),
        danger: v.danger.clone(),
        description: v.description.trim().into(),
        contacts: v.contacts.trim().into(),
        attachments,
    };
    if let Err(e) = report.check() {
        errors.push(field_error(&ctx, e.field, &e.reason));
    }
    if !errors.is_empty() {
        state.metrics.tips_refused.inc();
        if !p.files.is_empty() {
            errors.push(ctx.t("error-files"));
        }
        return again(StatusCode::BAD_REQUEST, errors);
    }
    if let Err(refusal) = state.tips.guard.admit(&form, &ticket) {
        state.metrics.tips_refused.inc();
        let mut errors = vec![ctx.t(match refusal {
            super::guard::Refusal::Storage => "error-recording",
            super::guard::Refusal::Used => "error-expired",
            _ => "error-limit",
        })];
        if !p.files.is_empty() {
            errors.push(ctx.t("error-files"));
        }
        return again(StatusCode::TOO_MANY_REQUESTS, errors);
    }
    let content = serde_json::to_value(Content::Report(report)).expect("a report serialises");
    let chain_id = state.ledger.genesis().chain_id.clone();
    let (intake_name, intake_key, form_id) =
        (state.node_name.clone(), req.intake_key, form.clone());
    let new = slow(&state, move || {
        client::new_tip(
            &chain_id,
            (&intake_name, &intake_key),
            &form_id,
            &content,
            &files,
            crate::service::now_ms(),
        )
    })
    .await;
    let mut body = new.body.clone();
    if let Some(days) = state.tips.retention_days {
        body["retention_days"] = days.into();
    }
    match record(&state, "tips.receive", &new.sealed, body).await {
        Ok(leaf) => {
            state.metrics.tips_received.inc();
            html(StatusCode::OK, pages::receipt(&ctx, new.code.words(), leaf))
        }
        Err(e) => {
            tracing::warn!(reason = %e, "a tip could not be recorded");
            again(
                StatusCode::SERVICE_UNAVAILABLE,
                vec![ctx.t("error-recording")],
            )
        }
    }
}
