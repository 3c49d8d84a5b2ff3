//! Sends subscriptions' results to their webhooks: a background task on every node that
//! wakes when a block is applied (and twice a second, for schedules), and POSTs each
//! subscription's new matching events as an `EPCISQueryDocument` naming the query and the
//! subscription.
//!
//! - `GS1-Signature: <base64 HMAC-SHA256 of the body under the signatureToken>` when the
//!   subscriber gave a token, so the receiver knows the document came from this node.
//! - A delivery carries at most [`PER_DELIVERY`] events; a subscription that is behind
//!   catches up a document at a time.
//! - A failure (no answer in [`TIMEOUT`], or a status other than 2xx) leaves the
//!   subscription's place in the stream where it was, and the next attempt waits 2, 4, 8 …
//!   up to [`MAX_BACKOFF_S`] seconds; the last error is shown on the subscription.
//! - The node's clock decides only when to run (schedules, back-off); which events a
//!   document holds is decided by the ledger's event stream alone.

use super::{NamedQuery, QueryStore, Subscription, compile};
use crate::service::now_ms;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use unchain_ledger::Ledger;
use unchain_supply::state;

/// Most events one document carries.
pub const PER_DELIVERY: usize = 1000;
/// How long a webhook has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The longest wait between failed attempts.
pub const MAX_BACKOFF_S: u64 = 300;
/// Most stored events one attempt examines.
const MAX_EXAMINED: u64 = 100_000;

/// The header that carries a delivery's signature.
pub const SIGNATURE_HEADER: &str = "GS1-Signature";

/// The signature of a delivery's `body` under `token`: base64 of HMAC-SHA256.
pub fn signature(token: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length: this never fails.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(token.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

type Body = http_body_util::Full<bytes::Bytes>;
type WebhookClient = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Body,
>;

/// An HTTP/1.1 client for `http` and `https` webhooks: TLS with aws-lc-rs (already the
/// consensus layer's cryptography) and this machine's trusted roots.
fn webhook_client() -> std::io::Result<WebhookClient> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(https),
    )
}

/// POSTs `body` to `dest`; Ok on a 2xx answer within [`TIMEOUT`].
async fn post(
    client: &WebhookClient,
    dest: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> Result<(), String> {
    let mut request = hyper::Request::post(dest)
        .header("content-type", "application/ld+json")
        .header("GS1-EPCIS-Version", "2.0.0")
        .header("GS1-CBV-Version", "2.0.0");
    if let Some(token) = token {
        request = request.header(SIGNATURE_HEADER, signature(token, &body));
    }
    let request = request
        .body(Body::new(body.into()))
        .map_err(|e| format!("{dest}: {e}"))?;
    match tokio::time::timeout(TIMEOUT, client.request(request)).await {
        Err(_) => Err(format!("{dest}: no answer in {} s", TIMEOUT.as_secs())),
        Ok(Err(e)) => Err(format!("{dest}: {}", error_chain(&e))),
        Ok(Ok(resp)) if resp.status().is_success() => Ok(()),
        Ok(Ok(resp)) => Err(format!("{dest} answered {}", resp.status())),
    }
}

/// Runs until the node stops.
pub async fn run(store: Arc<QueryStore>, ledger: Arc<Ledger>, mut heads: watch::Receiver<u64>) {
    let client = match webhook_client() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "subscriptions: no HTTP client; nothing will be delivered");
            return;
        }
    };
    loop {
        tokio::select! {
            changed = heads.changed() => if changed.is_err() { return },
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        let now = now_ms();
        let attempts = store
            .all()
            .into_iter()
            .map(|(sub, q)| attempt(&store, &ledger, &client, sub, q, now));
        futures::future::join_all(attempts).await;
    }
}

/// What one attempt found to send.
struct Found {
    events: Vec<state::EventRecord>,
    cursor: u64,
}

/// The subscription's new events (after its place), at most [`PER_DELIVERY`].
fn find(ledger: &Ledger, sub: &Subscription, q: &NamedQuery) -> Result<Option<Found>, String> {
    let query = compile(&q.query)?;
    let reader = ledger.state_reader().map_err(|e| e.to_string())?;
    let count = state::event_count(&reader).map_err(|e| e.to_string())?;
    if sub.stream && count <= sub.cursor {
        return Ok(None);
    }
    let page = unchain_supply::query::page(&reader, &query, sub.cursor, PER_DELIVERY, MAX_EXAMINED)
        .map_err(|e| e.to_string())?;
    let cursor = match page.next {
        Some(next) => next,
        None => page.events.last().map_or(count, |e| e.seq.max(count)),
    };
    Ok(Some(Found {
        events: page.events,
        cursor,
    }))
}

async fn attempt(
    store: &QueryStore,
    ledger: &Ledger,
    client: &WebhookClient,
    sub: Subscription,
    q: NamedQuery,
    now: u64,
) {
    if now < sub.retry_at_ms {
        return;
    }
    let run_at = match &sub.schedule {
        None => None,
        Some(schedule) => {
            let second = now / 1000 * 1000;
            let Ok(t) = time::OffsetDateTime::from_unix_timestamp((now / 1000) as i64) else {
                return;
            };
            let due = second > sub.last_run_ms && schedule.compile().is_ok_and(|c| c.matches(t));
            if !due {
                return;
            }
            Some(second)
        }
    };
    let found = match find(ledger, &sub, &q) {
        Ok(Some(f)) => f,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(subscription = %sub.id, error = %e, "subscription: cannot run its query");
            return;
        }
    };
    let send = !found.events.is_empty() || (run_at.is_some() && sub.report_if_empty);
    let id = sub.id.clone();
    if !send {
        let _ = store.record(&id, |s| {
            s.cursor = s.cursor.max(found.cursor);
            if let Some(t) = run_at {
                s.last_run_ms = t;
            }
        });
        return;
    }
    let doc = crate::service::epcis::results_document(&found.events, &q.name, Some(&sub.id));
    let body = serde_json::to_vec(&doc).unwrap_or_default();
    let outcome = post(client, &sub.dest, sub.signature_token.as_deref(), body).await;
    let n = found.events.len() as u64;
    let recorded = store.record(&id, |s| {
        if let Some(t) = run_at {
            s.last_run_ms = t;
        }
        match &outcome {
            Ok(()) => {
                s.cursor = s.cursor.max(found.cursor);
                s.delivered += 1;
                s.events_delivered += n;
                s.failures = 0;
                s.last_error = None;
                s.retry_at_ms = 0;
            }
            Err(e) => {
                s.failures = s.failures.saturating_add(1);
                s.last_error = Some(e.clone());
                let wait = 2u64.saturating_pow(s.failures.min(16)).min(MAX_BACKOFF_S);
                s.retry_at_ms = now + wait * 1000;
            }
        }
    });
    if let Err(e) = &outcome {
        tracing::warn!(subscription = %id, error = %e, "subscription: delivery failed; will retry");
    }
    if let Err(e) = recorded {
        tracing::error!(subscription = %id, error = %e, "subscription: cannot save its place");
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_rfc_4231_hmac_sha256_in_base64() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let raw = base64::engine::general_purpose::STANDARD
            .decode(signature("Jefe", b"what do ya want for nothing?"))
            .expect("base64");
        let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
    }
}
