//! Reading a multipart tip request: the challenge first, checked before anything else is
//! read; then the text fields and files, each bounded; metadata stripped from the files.

use super::guard::{self, Refusal};
use super::pages::{Ctx, Values};
use crate::tipform::TipState;
use axum::extract::Multipart;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use unchain_tips::report::{Attachment, MAX_FILE, MAX_FILES};
use unchain_tips::strip;
use unchain_types::Hash32;

/// Longest text field read.
const MAX_FIELD: usize = 64 * 1024;

/// What a multipart tip request carried.
#[derive(Default)]
pub(super) struct Parts {
    pub(super) lang: String,
    pub(super) token: String,
    pub(super) pow: String,
    pub(super) code: String,
    pub(super) text: String,
    pub(super) values: Values,
    pub(super) files: Vec<Vec<u8>>,
    /// Problems met while reading (field, reason).
    pub(super) problems: Vec<(&'static str, String)>,
}

/// How a read ended before its end.
pub(super) enum Early {
    /// Refused cheaply: no valid token, or not enough work.
    Refused(Refusal),
    /// The request itself is malformed.
    Malformed(String),
}

async fn read_field(
    field: &mut axum::extract::multipart::Field<'_>,
    cap: usize,
) -> Result<Option<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await.map_err(|e| e.to_string())? {
        if out.len() + chunk.len() > cap {
            over = true;
            continue;
        }
        out.extend_from_slice(&chunk);
    }
    Ok((!over).then_some(out))
}

/// Reads a tip request, checking its challenge as soon as the first field that is not
/// part of the challenge arrives (browsers send fields in page order, challenge first).
async fn read_parts(
    guard: &guard::Guard,
    form: &str,
    mp: &mut Multipart,
) -> Result<(Parts, Result<guard::Ticket, Refusal>), Early> {
    let mut p = Parts::default();
    let mut verdict: Option<Result<guard::Ticket, Refusal>> = None;
    let cheap = |r: &Result<guard::Ticket, Refusal>| {
        matches!(r, Err(Refusal::Forged) | Err(Refusal::Work { .. }))
    };
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|e| Early::Malformed(e.to_string()))?
    {
        let name = field.name().unwrap_or("").to_owned();
        if matches!(name.as_str(), "lang" | "token" | "pow") {
            let v = read_field(&mut field, 256)
                .await
                .map_err(Early::Malformed)?
                .ok_or_else(|| Early::Malformed(format!("{name} is too long")))?;
            let v = String::from_utf8_lossy(&v).into_owned();
            match name.as_str() {
                "lang" => p.lang = v,
                "token" => p.token = v,
                _ => p.pow = v,
            }
            continue;
        }
        if verdict.is_none() {
            let v = guard.check(form, &p.token, &p.pow);
            if cheap(&v) {
                return Err(Early::Refused(v.expect_err("cheap refusals are errors")));
            }
            verdict = Some(v);
        }
        if name == "files" {
            let Some(bytes) = read_field(&mut field, MAX_FILE)
                .await
                .map_err(Early::Malformed)?
            else {
                p.problems.push((
                    "files",
                    format!("a file is larger than {} MB", MAX_FILE / (1024 * 1024)),
                ));
                continue;
            };
            if bytes.is_empty() {
                continue;
            }
            if p.files.len() == MAX_FILES {
                p.problems
                    .push(("files", format!("at most {MAX_FILES} files")));
                continue;
            }
            p.files.push(bytes);
            continue;
        }
        let Some(bytes) = read_field(&mut field, MAX_FIELD)
            .await
            .map_err(Early::Malformed)?
        else {
            p.problems.push(("text", format!("{name} is too long")));
            continue;
        };
        let v = String::from_utf8(bytes)
            .map_err(|_| Early::Malformed(format!("{name} is not UTF-8")))?;
        match name.as_str() {
            "seen" => p.values.seen.push(v),
            "location" => p.values.location = v,
            "when" => p.values.when = v,
            "danger" => p.values.danger = v,
            "description" => p.values.description = v,
            "contacts" => p.values.contacts = v,
            "code" => p.code = v,
            "text" => p.text = v,
            _ => {}
        }
    }
    let verdict = match verdict {
        Some(v) => v,
        None => {
            let v = guard.check(form, &p.token, &p.pow);
            if cheap(&v) {
                return Err(Early::Refused(v.expect_err("cheap refusals are errors")));
            }
            v
        }
    };
    Ok((p, verdict))
}

fn refused_cheaply(state: &TipState, early: Early) -> Response {
    state.metrics.tips_refused.inc();
    let (status, text) = match early {
        Early::Refused(Refusal::Work { bits }) => (
            StatusCode::FORBIDDEN,
            format!("proof of work missing or short of {bits} bits: reload the form"),
        ),
        Early::Refused(_) => (
            StatusCode::FORBIDDEN,
            "no valid form token: reload the form".to_owned(),
        ),
        Early::Malformed(m) => (
            StatusCode::BAD_REQUEST,
            format!("malformed form submission: {m}"),
        ),
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// Reads a tip request's body (`content_type` with its boundary) as the form's handlers
/// do, against `guard`, then cleans its files: for fuzzing the whole path a stranger's
/// bytes take. Answers how many files were read, or why the request was refused.
pub async fn read_tip_body(
    guard: &guard::Guard,
    form: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<usize, String> {
    use axum::extract::FromRequest as _;
    let request = axum::http::Request::builder()
        .method("POST")
        .header(header::CONTENT_TYPE, content_type)
        .body(axum::body::Body::from(body))
        .map_err(|e| e.to_string())?;
    let mut mp = Multipart::from_request(request, &())
        .await
        .map_err(|e| e.body_text())?;
    let (p, _) = read_parts(guard, form, &mut mp)
        .await
        .map_err(|e| match e {
            Early::Refused(r) => format!("{r:?}"),
            Early::Malformed(m) => m,
        })?;
    for f in &p.files {
        let _ = strip::clean(f);
    }
    Ok(p.files.len())
}

/// Rebuilds each file without its metadata and lists it; problems are named. Rebuilding
/// decodes pictures (up to 512 MiB each), so it runs off the async threads and shares
/// the form's two slots for slow work with the receipt-code derivations.
pub(super) async fn clean_files(
    state: &TipState,
    files: &[Vec<u8>],
    ctx: &Ctx<'_>,
) -> Result<(Vec<Attachment>, Vec<Vec<u8>>), String> {
    if files.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let owned = files.to_vec();
    let cleaned = {
        let _slot = state
            .tips
            .argon
            .acquire()
            .await
            .expect("semaphore never closes");
        tokio::task::spawn_blocking(move || {
            owned.iter().map(|f| strip::clean(f)).collect::<Vec<_>>()
        })
        .await
        .map_err(|_| ctx.ta("invalid-files", &[("reason", "could not be read")]))?
    };
    let mut list = Vec::new();
    let mut clean = Vec::new();
    for (i, c) in cleaned.into_iter().enumerate() {
        let c = c.map_err(|e| {
            ctx.ta(
                "invalid-files",
                &[("reason", &format!("{} {}: {e}", "file", i + 1))],
            )
        })?;
        list.push(Attachment {
            label: format!("attachment-{}.{}", i + 1, c.extension),
            media_type: c.media_type.into(),
            size: c.bytes.len() as u64,
            sha256: Hash32::digest(&c.bytes),
        });
        clean.push(c.bytes);
    }
    Ok((list, clean))
}

pub(super) fn field_error(ctx: &Ctx<'_>, field: &str, reason: &str) -> String {
    match field {
        "files" => ctx.ta("invalid-files", &[("reason", reason)]),
        f => ctx.t(&format!("invalid-{f}")),
    }
}

/// Reads a tip request to `form`: a form this node does not serve, a forged token or
/// missing work is answered at once (before any ledger read); otherwise the request's
/// parts, the challenge's verdict, and the form in the reporter's language.
pub(super) async fn read_request(
    state: &TipState,
    form: &str,
    mp: &mut Multipart,
) -> Result<(super::Req, Parts, Result<guard::Ticket, Refusal>), Response> {
    if !state.tips.forms.iter().any(|f| f == form) {
        return Err(super::no_form());
    }
    let (p, verdict) = read_parts(&state.tips.guard, form, mp)
        .await
        .map_err(|e| refused_cheaply(state, e))?;
    let req = super::Req::new(state, form, &p.lang).ok_or_else(super::no_form)?;
    Ok((req, p, verdict))
}
