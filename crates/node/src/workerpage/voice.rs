//! Grievances, surveys, and the worker's return with the receipt code.
//!
//! A grievance is a tip: the worker's words and ticks are sealed in this process to the
//! intake organisation and to the receipt code (`tips.receive`), then `recruit.voice`
//! records the employer and the ILO indicators — nothing that says who sent it.

use super::forms::{Fields, field, read_grievance, read_survey};
use super::pages::{self, GrievanceValues, StatusView, W};
use super::{GRIEVANCE_FORM, SURVEY_FORM, ctx, no_pages};
use crate::tipform::guard::Refusal;
use crate::tipform::reporter::{open_all, open_with_code};
use crate::tipform::{TipState, html, record, slow};
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use std::time::Duration;
use unchain_recruit::body::PartyKind;
use unchain_recruit::voice::Response as Answered;
use unchain_recruit::voice_state::{VoiceRecord, voice_of_tip};
use unchain_tips::report::{Content, Report};
use unchain_tips::{Author, client};

/// Licensed employers as (id, name), by name.
fn employers(state: &TipState) -> Vec<(String, String)> {
    parties(state, PartyKind::Employer)
}

/// Licensed parties of `kind` as (id, name), by name.
fn parties(state: &TipState, kind: PartyKind) -> Vec<(String, String)> {
    let Ok(reader) = state.ledger.state_reader() else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = unchain_recruit::state::parties(&reader)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.licence.kind == kind)
        .map(|p| (p.licence.party, p.licence.name))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

fn refusal_key(r: &Refusal) -> &'static str {
    match r {
        Refusal::Storage => "error-recording",
        Refusal::Used | Refusal::Expired | Refusal::Forged => "error-expired",
        _ => "error-limit",
    }
}

#[derive(serde::Deserialize)]
pub(super) struct LangQuery {
    #[serde(default)]
    lang: String,
}

pub(super) async fn grievance_page(
    State(state): State<TipState>,
    Query(q): Query<LangQuery>,
) -> Response {
    let Some(w) = ctx(&state, &q.lang) else {
        return no_pages();
    };
    let (token, _) = state.tips.guard.issue(GRIEVANCE_FORM);
    html(
        StatusCode::OK,
        pages::grievance_form(
            &w,
            &employers(&state),
            &GrievanceValues::default(),
            &[],
            &token,
        ),
    )
}

/// The tip form's boxes closest to each indicator, for the intake's inbox.
fn seen_for(indicators: &[String]) -> Vec<String> {
    let mut seen: Vec<String> = indicators
        .iter()
        .map(|i| {
            match i.as_str() {
                "retention_of_identity_documents" => "documents_taken",
                "debt_bondage" => "debt",
                "restriction_of_movement" | "isolation" => "locked_in",
                "physical_and_sexual_violence" | "intimidation_and_threats" => "violence",
                "deception" => "recruitment_deception",
                _ => "forced_work",
            }
            .to_owned()
        })
        .collect();
    seen.sort();
    seen.dedup();
    seen
}

pub(super) async fn grievance(
    State(state): State<TipState>,
    Form(fields): Form<Fields>,
) -> Response {
    let Some(w) = ctx(&state, field(&fields, "lang")) else {
        return no_pages();
    };
    let employers = employers(&state);
    let v = GrievanceValues {
        employer: field(&fields, "employer").to_owned(),
        problems: fields
            .iter()
            .filter(|(n, _)| n == "problem")
            .map(|(_, p)| p.clone())
            .collect(),
        words: field(&fields, "words").trim().to_owned(),
    };
    let again = |status: StatusCode, errs: Vec<String>| {
        state.metrics.tips_refused.inc();
        let (token, _) = state.tips.guard.issue(GRIEVANCE_FORM);
        html(
            status,
            pages::grievance_form(&w, &employers, &v, &errs, &token),
        )
    };
    let ticket = match state.tips.guard.check(
        GRIEVANCE_FORM,
        field(&fields, "token"),
        field(&fields, "pow"),
    ) {
        Ok(t) => t,
        Err(r) => return again(StatusCode::BAD_REQUEST, vec![w.t(refusal_key(&r))]),
    };
    let ids: Vec<&str> = employers.iter().map(|(id, _)| id.as_str()).collect();
    let g = match read_grievance(&fields, &ids) {
        Ok(g) => g,
        Err(keys) => {
            return again(
                StatusCode::BAD_REQUEST,
                keys.into_iter().map(|k| w.t(k)).collect(),
            );
        }
    };
    let employer_name = employers
        .iter()
        .find(|(id, _)| *id == g.employer)
        .map_or(g.employer.as_str(), |(_, name)| name.as_str());
    let (indicators, words) = (g.indicators, g.words);
    if let Err(r) = state.tips.guard.admit(GRIEVANCE_FORM, &ticket) {
        return again(StatusCode::TOO_MANY_REQUESTS, vec![w.t(refusal_key(&r))]);
    }
    // What the intake reads in its inbox: the ticks in English and the worker's own words.
    let ticked: Vec<String> = indicators
        .iter()
        .map(|i| format!("- {}", w.cats.text("en", &format!("problem-{i}"), &[])))
        .collect();
    let description = [ticked.join("\n"), words]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    let report = Report {
        form: GRIEVANCE_FORM.into(),
        lang: w.lang.into(),
        seen: seen_for(&indicators),
        location: format!("{employer_name} ({})", g.employer),
        when: String::new(),
        danger: "unsure".into(),
        description,
        contacts: String::new(),
        attachments: Vec::new(),
    };
    if report.check().is_err() {
        return again(StatusCode::BAD_REQUEST, vec![w.t("error-nothing")]);
    }
    let content = serde_json::to_value(Content::Report(report)).expect("a report serialises");
    let (chain_id, intake, key) = match intake_key(&state) {
        Some(x) => x,
        None => {
            return again(
                StatusCode::SERVICE_UNAVAILABLE,
                vec![w.t("error-recording")],
            );
        }
    };
    let new = slow(&state, move || {
        client::new_tip(
            &chain_id,
            (&intake, &key),
            GRIEVANCE_FORM,
            &content,
            &[],
            crate::service::now_ms(),
        )
    })
    .await;
    let mut body = new.body.clone();
    if let Some(days) = state.tips.retention_days {
        body["retention_days"] = days.into();
    }
    if let Err(e) = record(&state, "tips.receive", &new.sealed, body).await {
        tracing::warn!(reason = %e, "a grievance's tip could not be recorded");
        return again(
            StatusCode::SERVICE_UNAVAILABLE,
            vec![w.t("error-recording")],
        );
    }
    let voice = json!({
        "voice": unchain_recruit::voice::new_voice_id(),
        "employer": g.employer,
        "kind": "grievance",
        "indicators": indicators,
        "tip": new.tip,
    });
    if let Err(e) = submit(&state, "recruit.voice", voice).await {
        tracing::warn!(reason = %e, "a grievance could not be recorded");
        return again(
            StatusCode::SERVICE_UNAVAILABLE,
            vec![w.t("error-recording")],
        );
    }
    state.metrics.tips_received.inc();
    html(StatusCode::OK, pages::receipt(&w, new.code.words()))
}

fn intake_key(state: &TipState) -> Option<(String, String, unchain_types::EncryptionPublicKey)> {
    let me = state
        .ledger
        .members()
        .ok()?
        .into_iter()
        .find(|m| m.name == state.node_name)?;
    Some((
        state.ledger.genesis().chain_id.clone(),
        me.name,
        me.encryption_key,
    ))
}

/// Signs and submits `body`, and waits briefly for it: refused ones say why.
async fn submit(state: &TipState, kind: &str, body: serde_json::Value) -> Result<(), String> {
    let id = crate::service::sign_and_submit(state, kind, body)
        .await
        .map_err(|p| p.detail)?;
    match crate::service::ledger::wait_tx(state, &id, Duration::from_secs(10)).await {
        Ok(s) if s.status == "committed" || s.status == "pending" => Ok(()),
        Ok(s) => Err(s.reason.unwrap_or(s.status)),
        Err(p) => Err(p.detail),
    }
}

pub(super) async fn survey_page(
    State(state): State<TipState>,
    Query(q): Query<LangQuery>,
) -> Response {
    let Some(w) = ctx(&state, &q.lang) else {
        return no_pages();
    };
    let (token, _) = state.tips.guard.issue(SURVEY_FORM);
    html(
        StatusCode::OK,
        pages::survey_form(
            &w,
            (&employers(&state), &parties(&state, PartyKind::Recruiter)),
            "",
            &[],
            &[],
            &token,
        ),
    )
}

pub(super) async fn survey(State(state): State<TipState>, Form(fields): Form<Fields>) -> Response {
    let Some(w) = ctx(&state, field(&fields, "lang")) else {
        return no_pages();
    };
    let employers = employers(&state);
    let recruiters = parties(&state, PartyKind::Recruiter);
    let employer = field(&fields, "employer").to_owned();
    let again = |status: StatusCode, errs: Vec<String>| {
        state.metrics.tips_refused.inc();
        let (token, _) = state.tips.guard.issue(SURVEY_FORM);
        html(
            status,
            pages::survey_form(
                &w,
                (&employers, &recruiters),
                &employer,
                &fields,
                &errs,
                &token,
            ),
        )
    };
    let ticket =
        match state
            .tips
            .guard
            .check(SURVEY_FORM, field(&fields, "token"), field(&fields, "pow"))
        {
            Ok(t) => t,
            Err(r) => return again(StatusCode::BAD_REQUEST, vec![w.t(refusal_key(&r))]),
        };
    let ids: Vec<&str> = employers.iter().map(|(id, _)| id.as_str()).collect();
    let agencies: Vec<&str> = recruiters.iter().map(|(id, _)| id.as_str()).collect();
    let survey = match read_survey(&fields, &ids, &agencies) {
        Ok(x) => x,
        Err(keys) => {
            return again(
                StatusCode::BAD_REQUEST,
                keys.into_iter().map(|k| w.t(k)).collect(),
            );
        }
    };
    if let Err(r) = state.tips.guard.admit(SURVEY_FORM, &ticket) {
        return again(StatusCode::TOO_MANY_REQUESTS, vec![w.t(refusal_key(&r))]);
    }
    let mut voice = json!({
        "voice": unchain_recruit::voice::new_voice_id(),
        "employer": survey.employer,
        "kind": "survey",
        "indicators": survey.indicators,
    });
    if let Some(fee) = survey.fee {
        voice["fee"] = serde_json::to_value(fee).expect("a fee serialises");
    }
    if let Err(e) = submit(&state, "recruit.voice", voice).await {
        tracing::warn!(reason = %e, "a survey could not be recorded");
        return again(
            StatusCode::SERVICE_UNAVAILABLE,
            vec![w.t("error-recording")],
        );
    }
    html(
        StatusCode::OK,
        pages::message(&w, "survey-title", &w.t("survey-thanks"), "/work/survey"),
    )
}

pub(super) async fn return_page(
    State(state): State<TipState>,
    Query(q): Query<LangQuery>,
) -> Response {
    match ctx(&state, &q.lang) {
        Some(w) => html(StatusCode::OK, pages::code_entry(&w, None)),
        None => no_pages(),
    }
}

/// The grievance a typed code opens: (code, its record, the intake's replies), or the
/// message key saying why not.
async fn opened(
    state: &TipState,
    typed: &str,
) -> Result<(String, VoiceRecord, Vec<String>), &'static str> {
    let o = open_with_code(state, typed).await?;
    let reader = state.ledger.state_reader().map_err(|_| "error-recording")?;
    let record = voice_of_tip(&reader, &o.view.tip.tip)
        .map_err(|_| "error-recording")?
        .ok_or("error-code")?;
    let replies = open_all(state, &o.view, &o.keys)
        .into_iter()
        .filter(|(_, from, _, _)| *from == Author::Agency)
        .filter_map(|(_, _, content, _)| match serde_json::from_value(content) {
            Ok(Content::Reply { text }) => Some(text),
            _ => None,
        })
        .collect();
    Ok((o.code, record, replies))
}

fn status_page(
    state: &TipState,
    w: &W<'_>,
    code: &str,
    record: &VoiceRecord,
    replies: &[String],
    notice: Option<String>,
) -> Response {
    let now = state.ledger.head().map(|h| h.timestamp_ms).unwrap_or(0);
    let Some(standing) = record.standing(now) else {
        return html(
            StatusCode::OK,
            pages::code_entry(w, Some(&w.t("error-code"))),
        );
    };
    let employer = state
        .ledger
        .state_reader()
        .ok()
        .and_then(|r| unchain_recruit::state::party(&r, &record.voice.employer).ok()?)
        .map_or_else(|| record.voice.employer.clone(), |p| p.licence.name);
    let (remedies, may_answer) = match &record.answer {
        Some((a, _)) if a.response == Answered::Remedy => (a.remedies.clone(), true),
        _ => (Vec::new(), false),
    };
    html(
        StatusCode::OK,
        pages::status(
            w,
            &StatusView {
                code,
                employer: &employer,
                standing: &standing,
                remedies: &remedies,
                may_answer,
                notice,
                replies,
            },
        ),
    )
}

pub(super) async fn lookup(State(state): State<TipState>, Form(fields): Form<Fields>) -> Response {
    let Some(w) = ctx(&state, field(&fields, "lang")) else {
        return no_pages();
    };
    match opened(&state, field(&fields, "code")).await {
        Ok((code, record, replies)) => status_page(&state, &w, &code, &record, &replies, None),
        Err(key) => html(
            StatusCode::BAD_REQUEST,
            pages::code_entry(&w, Some(&w.t(key))),
        ),
    }
}

pub(super) async fn outcome(State(state): State<TipState>, Form(fields): Form<Fields>) -> Response {
    let Some(w) = ctx(&state, field(&fields, "lang")) else {
        return no_pages();
    };
    let remedied = match field(&fields, "remedied") {
        "yes" => true,
        "no" => false,
        _ => {
            return html(
                StatusCode::BAD_REQUEST,
                pages::code_entry(&w, Some(&w.t("error-answer"))),
            );
        }
    };
    let (code, record, replies) = match opened(&state, field(&fields, "code")).await {
        Ok(x) => x,
        Err(key) => {
            return html(
                StatusCode::BAD_REQUEST,
                pages::code_entry(&w, Some(&w.t(key))),
            );
        }
    };
    let body = json!({"voice": record.voice.voice, "remedied": remedied});
    if let Err(e) = submit(&state, "recruit.outcome", body).await {
        tracing::warn!(reason = %e, "a worker's outcome could not be recorded");
        return status_page(
            &state,
            &w,
            &code,
            &record,
            &replies,
            Some(w.t("error-recording")),
        );
    }
    let reader = state.ledger.state_reader();
    let fresh = reader
        .ok()
        .and_then(|r| unchain_recruit::voice_state::voice(&r, &record.voice.voice).ok()?)
        .unwrap_or(record);
    status_page(
        &state,
        &w,
        &code,
        &fresh,
        &replies,
        Some(w.t("outcome-thanks")),
    )
}
