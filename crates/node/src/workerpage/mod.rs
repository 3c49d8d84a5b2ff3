//! The worker's own pages (`/work/…`), served by an intake organisation's node beside its
//! tip form: check a job offer and the contract registered for it, tell of a problem at
//! work (a grievance the employer must answer), answer six short questions, and come back
//! with the receipt code to read the employer's answer and say whether it was kept.
//!
//! - In the worker's language: English and the languages of large migration corridors
//!   (Nepali, Bengali, Burmese, Khmer, Indonesian, Tagalog, Arabic right to left), from
//!   Fluent catalogues (`crates/node/i18n/worker/`).
//! - For a cheap phone with JavaScript off: server-rendered forms, one small stylesheet,
//!   nothing from other hosts.
//! - What it never keeps, as the tip form: no address, user agent or cookie is read or
//!   logged; a grievance's words exist in plaintext only in this process's memory until
//!   sealed to the intake (the tip machinery); a pasted credential is checked in memory
//!   and dropped.

pub mod forms;
mod offer;
mod pages;
mod voice;

use crate::tipform::{TipState, html};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
pub use pages::W;
use serde::Deserialize;

/// The worker pages' catalogues, English first.
pub(crate) const SOURCES: [(&str, &str); 8] = [
    ("en", include_str!("../../i18n/worker/en.ftl")),
    ("ne", include_str!("../../i18n/worker/ne.ftl")),
    ("bn", include_str!("../../i18n/worker/bn.ftl")),
    ("my", include_str!("../../i18n/worker/my.ftl")),
    ("km", include_str!("../../i18n/worker/km.ftl")),
    ("id", include_str!("../../i18n/worker/id.ftl")),
    ("tl", include_str!("../../i18n/worker/tl.ftl")),
    ("ar", include_str!("../../i18n/worker/ar.ftl")),
];

/// Languages written right to left.
pub(crate) const RIGHT_TO_LEFT: [&str; 1] = ["ar"];

/// The guard's form id for grievances.
pub const GRIEVANCE_FORM: &str = "worker-voice";
/// The guard's form id for surveys.
pub const SURVEY_FORM: &str = "worker-survey";

/// The worker pages' own state, kept in the tip desk.
pub struct WorkerDesk {
    /// Their catalogues.
    pub cats: crate::i18n::Catalogues,
    /// Least workers of a kind in an employer's month before it is published.
    pub min_group: u32,
}

impl WorkerDesk {
    /// Loads the catalogues.
    pub fn new(min_group: u32) -> Self {
        WorkerDesk {
            cats: crate::i18n::Catalogues::from_sources(&SOURCES),
            min_group,
        }
    }
}

/// The worker routes, to merge into a router over [`TipState`].
pub fn routes() -> Router<TipState> {
    Router::new()
        .route("/work", get(index))
        .route("/work/static/style.css", get(style))
        .route(
            "/work/grievance",
            get(voice::grievance_page).post(voice::grievance),
        )
        .route("/work/survey", get(voice::survey_page).post(voice::survey))
        .route("/work/return", get(voice::return_page).post(voice::lookup))
        .route("/work/outcome", axum::routing::post(voice::outcome))
        .route("/work/offer", get(offer::offer_page).post(offer::check))
        .layer(axum::middleware::map_response(
            crate::tipform::private_headers,
        ))
}

#[derive(Deserialize)]
struct LangQuery {
    #[serde(default)]
    lang: String,
}

/// The page context for a request in `lang`; `None` when this node serves no worker
/// pages ([`no_pages`]).
fn ctx<'a>(state: &'a TipState, lang: &str) -> Option<W<'a>> {
    let desk = state.tips.worker.as_ref()?;
    let org = state
        .ledger
        .members()
        .ok()
        .and_then(|ms| ms.into_iter().find(|m| m.name == state.node_name))
        .map(|m| m.display_name)
        .unwrap_or_else(|| state.node_name.clone());
    Some(W {
        cats: &desk.cats,
        lang: desk.cats.pick(lang),
        org,
        emergency: &state.tips.emergency,
        min_group: desk.min_group,
    })
}

fn no_pages() -> Response {
    (StatusCode::NOT_FOUND, "no worker pages on this node").into_response()
}

async fn index(State(state): State<TipState>, Query(q): Query<LangQuery>) -> Response {
    match ctx(&state, &q.lang) {
        Some(w) => html(StatusCode::OK, pages::index(&w)),
        None => no_pages(),
    }
}

async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("style.css"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_worker_catalogue_has_exactly_the_english_messages_and_each_formats() {
        let cats = crate::i18n::Catalogues::assert_complete(
            &SOURCES,
            100,
            &[
                ("org", "ORG"),
                ("number", "112"),
                ("k", "11"),
                ("employer", "EMP"),
                ("date", "2026-05-01"),
                ("recruiter", "REC"),
                ("reason", "R"),
                ("amount", "100.00 QAR"),
                ("count", "3"),
            ],
        );
        assert_eq!(cats.languages().len(), 8);
        for (code, _) in SOURCES {
            assert_eq!(cats.pick(code), code);
        }
        // Each translation is its own: no catalogue but English's reads as English.
        for (code, _) in &SOURCES[1..] {
            assert_ne!(
                cats.text(code, "grievance-intro", &[]),
                cats.text("en", "grievance-intro", &[]),
                "{code}"
            );
        }
    }
}
