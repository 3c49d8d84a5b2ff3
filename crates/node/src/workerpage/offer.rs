//! The worker's check of their own job offer: they paste the credential from their wallet;
//! this node verifies it against the issuer's key and the credential's status on its
//! ledger, matches every term it shows with the offer on the ledger, and shows the offer
//! beside the contract registered at work, term by term, each worse term marked. The
//! credential is checked in memory and dropped.

use super::pages::W;
use super::{ctx, no_pages};
use crate::tipform::{TipState, html};
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use unchain_credentials::sdjwt::{self, Expect, VC_TYP};
use unchain_custody::report::esc;
use unchain_ledger::StateReader;
use unchain_recruit::credential::{OFFER_VCT, check_disclosed};
use unchain_recruit::rules::Substitution;
use unchain_recruit::state::{ContractRecord, OfferRecord, WageRecord};
use unchain_recruit::terms::{Provision, Terms, hours, money};
use unchain_types::TxId;

/// Largest credential accepted, in bytes.
const MAX_CREDENTIAL: usize = 64 * 1024;

#[derive(serde::Deserialize)]
pub(super) struct LangQuery {
    #[serde(default)]
    lang: String,
}

#[derive(serde::Deserialize)]
pub(super) struct OfferForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    credential: String,
}

pub(super) async fn offer_page(
    State(state): State<TipState>,
    Query(q): Query<LangQuery>,
) -> Response {
    match ctx(&state, &q.lang) {
        Some(w) => html(StatusCode::OK, page(&w, "", None)),
        None => no_pages(),
    }
}

pub(super) async fn check(State(state): State<TipState>, Form(f): Form<OfferForm>) -> Response {
    let Some(w) = ctx(&state, &f.lang) else {
        return no_pages();
    };
    let result = if f.credential.len() > MAX_CREDENTIAL {
        Err(Checked::Invalid(format!(
            "longer than {MAX_CREDENTIAL} bytes"
        )))
    } else {
        match state.ledger.state_reader() {
            Ok(reader) => verify(&reader, f.credential.trim(), crate::service::now_ms()),
            Err(e) => Err(Checked::Invalid(e.to_string())),
        }
    };
    match result {
        Ok(v) => html(StatusCode::OK, page(&w, &view(&w, &v), None)),
        Err(Checked::Revoked) => html(StatusCode::OK, page(&w, "", Some(w.t("offer-revoked")))),
        Err(Checked::Invalid(reason)) => html(
            StatusCode::BAD_REQUEST,
            page(&w, "", Some(w.ta("offer-invalid", &[("reason", &reason)]))),
        ),
    }
}

/// An offer credential that verified, with what the ledger holds about it.
pub(crate) struct Verified {
    /// The offer.
    pub offer: OfferRecord,
    /// The contract registered for it, if any.
    pub contract: Option<ContractRecord>,
    /// The worker's months of pay under it: (month, from the worker's payslip, record).
    pub wages: Vec<(String, bool, WageRecord)>,
}

/// Why a credential is not shown.
#[derive(Debug)]
pub(crate) enum Checked {
    /// It does not verify, or does not match the ledger (the reason, in English).
    Invalid(String),
    /// Its issuer revoked or suspended it.
    Revoked,
}

/// Verifies an offer credential as issued (the holder's own copy: no key binding) against
/// the issuer DIDs and status lists in `reader`, at `now_ms`.
pub(crate) fn verify(
    reader: &StateReader,
    credential: &str,
    now_ms: u64,
) -> Result<Verified, Checked> {
    let invalid = |e: String| Checked::Invalid(e);
    let v = sdjwt::verify(
        credential,
        |header, payload| {
            let iss = payload.get("iss").and_then(|v| v.as_str()).unwrap_or("");
            let did = unchain_identity::state::did(reader, iss)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("{iss:?} is not an issuer on this ledger"))?;
            let kid = header.get("kid").and_then(|v| v.as_str()).unwrap_or("");
            let iat_ms = payload
                .get("iat")
                .and_then(|v| v.as_u64())
                .ok_or("the credential has no iat")?
                .saturating_mul(1000);
            unchain_identity::rules::signing_key(&did, kid, iat_ms)
        },
        &Expect {
            typ: Some(VC_TYP),
            now: now_ms / 1000,
            key_binding: None,
        },
    )
    .map_err(|e| invalid(e.to_string()))?;
    if v.str("vct") != Some(OFFER_VCT) {
        return Err(invalid(format!("it is not a job offer ({OFFER_VCT})")));
    }
    let iss = v.str("iss").unwrap_or_default();
    let (uri, idx) = unchain_identity::credential::status_ref(&v.claims)
        .ok_or_else(|| invalid("it names no status list entry".into()))?;
    if !unchain_identity::credential::names_status_list_of(&uri, iss) {
        return Err(invalid("it names another issuer's status list".into()));
    }
    let list =
        unchain_identity::state::status_list(reader, iss).map_err(|e| invalid(e.to_string()))?;
    if list.status(idx) != unchain_credentials::status::Status::Valid {
        return Err(Checked::Revoked);
    }
    let id = v
        .str("offer")
        .and_then(|s| TxId::from_hex(s).ok())
        .ok_or_else(|| invalid("it names no offer".into()))?;
    let offer = unchain_recruit::state::offer(reader, &id)
        .map_err(|e| invalid(e.to_string()))?
        .ok_or_else(|| invalid(format!("offer {id} is not on this ledger")))?;
    check_disclosed(&v.claims, &id, &offer.offer).map_err(invalid)?;
    let contract =
        unchain_recruit::state::contract(reader, &id).map_err(|e| invalid(e.to_string()))?;
    let wages = wages_of(reader, &offer.offer.worker, &id).map_err(|e| invalid(e.to_string()))?;
    Ok(Verified {
        offer,
        contract,
        wages,
    })
}

/// Every month of pay recorded for `worker` under offer `id`, by the employer and from the
/// worker's own payslips, month by month.
fn wages_of(
    reader: &StateReader,
    worker: &str,
    id: &TxId,
) -> Result<Vec<(String, bool, WageRecord)>, redb::StorageError> {
    let employer = unchain_recruit::state::wages_of(reader, worker)?;
    let payslips = unchain_recruit::payslip::ledger::payslips_of(reader, worker)?;
    let mut out: Vec<(String, bool, WageRecord)> = employer
        .into_iter()
        .map(|w| (false, w))
        .chain(payslips.into_iter().map(|w| (true, w)))
        .filter(|(_, w)| w.offer == *id)
        .map(|(mine, w)| (w.record.month.clone(), mine, w))
        .collect();
    out.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    Ok(out)
}

fn provision(w: &W<'_>, p: &Provision, currency: &str) -> String {
    match p {
        Provision::Free => w.t("provision-free"),
        Provision::Charged(m) => w.ta("provision-charged", &[("amount", &money(*m, currency))]),
        Provision::NotProvided => w.t("provision-not_provided"),
    }
}

/// The rows of the comparison: (label key, the substitution terms it covers, how a value
/// reads).
fn rows(w: &W<'_>, t: &Terms) -> Vec<(&'static str, &'static str, String)> {
    let c = &t.wage.currency;
    let deductions = if t.deductions.is_empty() {
        w.t("value-none")
    } else {
        t.deductions
            .iter()
            .map(|d| format!("{} ≤ {}", esc(&d.name), money(d.cap, c)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let period = w.t(&format!(
        "period-{}",
        serde_json::to_value(t.wage.period)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    ));
    vec![
        ("term-employer", "employer", esc(&t.employer)),
        ("term-position", "position", esc(&t.position)),
        (
            "term-workplace",
            "workplace",
            esc(&format!("{}, {}", t.workplace.city, t.workplace.country)),
        ),
        (
            "term-wage",
            "wage",
            format!("{} / {period}", money(t.wage.amount, c)),
        ),
        ("term-hours", "hours_per_week", hours(t.hours_per_week)),
        (
            "term-overtime",
            "overtime_rate_percent",
            t.overtime_rate_percent.to_string(),
        ),
        (
            "term-rest",
            "rest_days_per_week",
            t.rest_days_per_week.to_string(),
        ),
        ("term-deductions", "deductions", deductions),
        (
            "term-accommodation",
            "accommodation",
            provision(w, &t.accommodation, c),
        ),
        ("term-food", "food", provision(w, &t.food, c)),
        (
            "term-length",
            "contract_months",
            t.contract_months.to_string(),
        ),
        (
            "term-fees",
            "worker_fees",
            if t.worker_fees == 0 {
                w.t("value-none")
            } else {
                money(t.worker_fees, c)
            },
        ),
    ]
}

fn worse(subs: &[Substitution], term: &str) -> bool {
    subs.iter()
        .any(|s| s.term == term || s.term.starts_with(&format!("{term}.")))
}

fn view(w: &W<'_>, v: &Verified) -> String {
    let offered = rows(w, &v.offer.offer.terms);
    let contracted = v.contract.as_ref().map(|c| rows(w, &c.contract.terms));
    let subs = v
        .contract
        .as_ref()
        .map_or(&[][..], |c| c.substitutions.as_slice());
    let mut body = String::new();
    for (i, (label, term, value)) in offered.iter().enumerate() {
        let bad = worse(subs, term);
        let theirs = contracted
            .as_ref()
            .map(|c| format!("<td>{}</td>", c[i].2))
            .unwrap_or_default();
        let mark = if bad {
            format!(" <strong class=\"worse\">{}</strong>", w.t("worse"))
        } else {
            String::new()
        };
        body.push_str(&format!(
            "<tr{cls}><th scope=\"row\">{l}{mark}</th><td>{value}</td>{theirs}</tr>",
            cls = if bad { " class=\"worse\"" } else { "" },
            l = w.t(label),
        ));
    }
    let head_contract = if contracted.is_some() {
        format!("<th scope=\"col\">{}</th>", w.t("in-contract"))
    } else {
        String::new()
    };
    let verdict = match &v.contract {
        None => format!("<p class=\"notice\">{}</p>", w.t("contract-none")),
        Some(c) if c.substitutions.is_empty() => {
            format!("<p class=\"ok\">{}</p>", w.t("contract-same"))
        }
        Some(c) => format!(
            "<p class=\"errors\" role=\"alert\">{}</p>",
            w.ta(
                "contract-worse",
                &[("count", &c.substitutions.len().to_string())]
            )
        ),
    };
    let date = unchain_recruit::voice::date_of_ms(v.offer.recorded.recorded_ms);
    format!(
        "<p class=\"ok\">{valid}</p>{verdict}<table><thead><tr><th scope=\"col\">{term}</th><th scope=\"col\">{offered}</th>{head_contract}</tr></thead><tbody>{body}</tbody></table>{wages}",
        wages = wages(w, &v.wages),
        valid = w.ta(
            "offer-valid",
            &[("recruiter", &v.offer.recorded.member), ("date", &date)]
        ),
        term = w.t("term"),
        offered = w.t("offered"),
    )
}

/// The worker's months of pay, each finding in their language with both amounts.
fn wages(w: &W<'_>, months: &[(String, bool, WageRecord)]) -> String {
    let mut out = format!("<h2>{}</h2>", w.t("wages-title"));
    if months.is_empty() {
        out.push_str(&format!("<p>{}</p>", w.t("wages-none")));
        return out;
    }
    out.push_str("<ul class=\"wages\">");
    for (month, from_worker, record) in months {
        let source = w.t(if *from_worker {
            "wages-from-you"
        } else {
            "wages-from-employer"
        });
        let findings = if record.findings.is_empty() {
            w.t("wages-ok")
        } else {
            let items: Vec<String> = record
                .findings
                .iter()
                .map(|f| {
                    let kind = serde_json::to_value(f.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    format!(
                        "<li class=\"worse\">{} <span class=\"figures\" dir=\"ltr\">({} → {})</span></li>",
                        w.t(&format!("wage-{kind}")),
                        esc(&f.expected),
                        esc(&f.paid)
                    )
                })
                .collect();
            format!("<ul>{}</ul>", items.join(""))
        };
        out.push_str(&format!(
            "<li><strong>{}</strong> — {source}: {findings}</li>",
            esc(month)
        ));
    }
    out.push_str("</ul>");
    out
}

fn page(w: &W<'_>, result: &str, error: Option<String>) -> String {
    let error = error
        .map(|e| format!("<section class=\"errors\" role=\"alert\"><p>{e}</p></section>"))
        .unwrap_or_default();
    let main = format!(
        "<h1>{title}</h1>{error}{result}<p>{intro}</p>\
<form method=\"post\" action=\"/work/offer\" accept-charset=\"utf-8\">\
<input type=\"hidden\" name=\"lang\" value=\"{lang}\">\
<label for=\"credential\">{label}</label><textarea id=\"credential\" name=\"credential\" rows=\"5\" autocomplete=\"off\" spellcheck=\"false\" required></textarea>\
<button type=\"submit\">{check}</button></form>",
        title = w.t("offer-title"),
        intro = w.t("offer-intro"),
        lang = w.lang,
        label = w.t("offer-label"),
        check = w.t("check"),
    );
    w.page(&w.t("offer-title"), &main, "/work/offer")
}
