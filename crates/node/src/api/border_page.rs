//! The border page (`/border`): a plain HTML form, no JavaScript. The officer types a
//! token, keeps or types the nonce shown to the wallets, and pastes both presentations or
//! picks the files `unchain wallet present --out` wrote; the node runs the same check as
//! `POST /v1/border/check` and answers a page with the verdict in large type, its reasons,
//! and a fresh form for the next check. Nothing is stored.

use super::identity::{BorderCheckRequest, border_check_report};
use super::{ApiState, Problem};
use axum::extract::{Multipart, State};
use axum::response::Html;
use maud::{DOCTYPE, Markup, html};
use unchain_identity::border::{BorderReport, Verdict};

/// Largest presentation file taken (a presentation is a few kilobytes).
const MAX_FIELD: usize = 64 * 1024;

/// What the form holds.
#[derive(Default)]
struct Form {
    token: String,
    aud: String,
    nonce: String,
    child: String,
    adult: String,
}

fn fresh_nonce() -> String {
    hex::encode(rand::random::<[u8; 12]>())
}

/// The page: the verdict (if any) above the form.
fn page(form: &Form, verdict: Option<Markup>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Unchain · Border check" }
                link rel="stylesheet" href="/border/border.css";
            }
            body {
                h1 { "Border check" }
                @if let Some(v) = verdict { (v) }
                p.hint {
                    "Show the nonce to both wallets (or type the one their presentations were made for), "
                    "paste the child's and the adult's presentations or pick their files, and check. "
                    "Only what the wallets disclose is shown; nothing is stored."
                }
                form method="post" action="/border" enctype="multipart/form-data" {
                    label for="token" { "Your access token (border officer)" }
                    input #token type="password" name="token" autocomplete="off" spellcheck="false"
                        value=(form.token)
                        placeholder="from your administrator: unchain user add NAME --role border_officer";
                    div.row {
                        div { label for="aud" { "Border post (audience)" }
                            input #aud name="aud" value=(form.aud); }
                        div { label for="nonce" { "Nonce for this check" }
                            input #nonce name="nonce" value=(form.nonce) spellcheck="false"; }
                    }
                    label for="child" { "Child's credential presentation" }
                    textarea #child name="child" spellcheck="false" placeholder="eyJ…~…~eyJ…" {}
                    input #child_file type="file" name="child_file" aria-label="or the child's presentation file";
                    label for="adult" { "Accompanying adult's guardian-link presentation" }
                    textarea #adult name="adult" spellcheck="false" placeholder="eyJ…~…~eyJ…" {}
                    input #adult_file type="file" name="adult_file" aria-label="or the adult's presentation file";
                    button #check type="submit" { "Check" }
                }
            }
        }
    }
}

/// The verdict box, as the page shows it.
fn verdict_box(class: &str, headline: &str, reasons: &[String], meta: &str) -> Markup {
    html! {
        section #verdict class=(class) aria-live="polite" {
            h2 #headline { (headline) }
            ul #reasons { @for r in reasons { li { (r) } } }
            div.meta #meta { (meta) }
        }
    }
}

fn report_box(r: &BorderReport) -> Markup {
    let who: Vec<String> = [
        r.relationship
            .as_ref()
            .map(|x| format!("relationship: {x}")),
        r.child_issuer
            .as_ref()
            .map(|x| format!("child registered by {x}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut meta = who.join(" · ");
    if !meta.is_empty() {
        meta.push_str(" · ");
    }
    meta.push_str(&format!(
        "trust data: log size {}, {} min old",
        r.bundle.tree_size,
        r.bundle.age_ms / 60_000
    ));
    if r.bundle.stale {
        meta.push_str(" (older than this post accepts without a warning)");
    }
    let class = if r.verdict == Verdict::Valid {
        "valid"
    } else {
        "stop"
    };
    verdict_box(class, r.verdict.headline(), &r.reasons, &meta)
}

/// `GET /border`: the empty form with a fresh nonce.
pub async fn form() -> Html<String> {
    Html(
        page(
            &Form {
                aud: "border-post".into(),
                nonce: fresh_nonce(),
                ..Form::default()
            },
            None,
        )
        .into_string(),
    )
}

/// Reads the form's fields; a file, when given, stands for its text field.
async fn read_form(mut m: Multipart) -> Result<Form, String> {
    let mut f = Form::default();
    while let Some(field) = m.next_field().await.map_err(|e| e.body_text())? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|e| e.body_text())?;
        if bytes.len() > MAX_FIELD {
            return Err(format!(
                "{name}: {} bytes; a presentation is at most {MAX_FIELD}",
                bytes.len()
            ));
        }
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| format!("{name}: not text (a presentation is eyJ…~…)"))?;
        let text = text.trim().to_owned();
        match name.as_str() {
            "token" => f.token = text,
            "aud" => f.aud = text,
            "nonce" => f.nonce = text,
            "child" if f.child.is_empty() => f.child = text,
            "adult" if f.adult.is_empty() => f.adult = text,
            "child_file" if !text.is_empty() => f.child = text,
            "adult_file" if !text.is_empty() => f.adult = text,
            _ => {}
        }
    }
    Ok(f)
}

/// `POST /border`: the check, answered as a page with the verdict and the next form.
pub async fn check(State(state): State<ApiState>, multipart: Multipart) -> Html<String> {
    let form = match read_form(multipart).await {
        Ok(f) => f,
        Err(why) => {
            let next = Form {
                aud: "border-post".into(),
                nonce: fresh_nonce(),
                ..Form::default()
            };
            let v = verdict_box("warn", "COULD NOT CHECK", &[why], "");
            return Html(page(&next, Some(v)).into_string());
        }
    };
    let request = BorderCheckRequest {
        child: form.child.clone(),
        adult: form.adult.clone(),
        aud: form.aud.clone(),
        nonce: form.nonce.clone(),
    };
    let verdict = match border_check_report(&state, &form.token, request).await {
        Ok(r) => report_box(&r),
        Err(p) => could_not(&p),
    };
    // A nonce serves one check, whatever its outcome.
    let next = Form {
        token: form.token,
        aud: form.aud,
        nonce: fresh_nonce(),
        ..Form::default()
    };
    Html(page(&next, Some(verdict)).into_string())
}

fn could_not(p: &Problem) -> Markup {
    verdict_box(
        "warn",
        "COULD NOT CHECK",
        std::slice::from_ref(&p.detail),
        "",
    )
}
