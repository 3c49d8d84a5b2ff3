//! Serving HTTP with limits a slow or silent client cannot outlast: a deadline for the
//! request head ([`HttpLimits::header_timeout`]), for each piece of a request body
//! ([`HttpLimits::body_idle_timeout`]), and for a whole request
//! ([`HttpLimits::request_timeout`]). Body sizes are limited per route while the body
//! streams in (axum's `DefaultBodyLimit`), so nothing is buffered past its limit.
//!
//! axum's own `serve` cannot time out a request head, so connections are accepted here
//! and served by hyper's HTTP/1 connection builder with a header-read timer.

use crate::api::problem::Problem;
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use unchain_types::Code;

/// Time limits of one listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// Longest wait for a request's head (request line and headers), from the first byte
    /// of the connection or the end of the previous request. Default 10 s.
    pub header_timeout: Duration,
    /// Longest wait for the next piece of a request body. Default 15 s.
    pub body_idle_timeout: Duration,
    /// Longest a request may take, body included, before it is answered 408 (long polls
    /// wait less than this; event streams are answered at once and then stream). Default
    /// 120 s.
    pub request_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            header_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(120),
        }
    }
}

impl HttpLimits {
    /// `router` with the body and request deadlines applied.
    pub fn apply(&self, router: Router) -> Router {
        let request_timeout = self.request_timeout;
        router
            .layer(axum::middleware::from_fn(
                move |req: Request, next: Next| answer_within(request_timeout, req, next),
            ))
            .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
                self.body_idle_timeout,
            ))
    }
}

/// Answers `req` within `limit`, or 408 with a problem saying so.
async fn answer_within(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            let mut r = Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                Code::RequestTimeout,
                "request took too long",
                format!(
                    "the request was not complete within {} s (a body sent too slowly?); send it again",
                    limit.as_secs()
                ),
            )
            .into_response();
            r.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
            r
        }
    }
}

/// Marks a page where someone types something secret (a tip, a border officer's token):
/// nothing of it is cached or sent on as a referrer, no other site may frame it, types
/// are not sniffed, and `csp` says what may run in it.
pub fn private_page(headers: &mut axum::http::HeaderMap, csp: &'static str) {
    use axum::http::{HeaderValue, header};
    for (k, v) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, csp),
    ] {
        headers.insert(k, HeaderValue::from_static(v));
    }
}

/// Refuses a request whose declared `Content-Length` is over `limit` with 413 before a
/// byte of its body is read (the body limit itself still holds while a body without a
/// declared length streams in).
pub async fn declared_within(limit: usize, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > limit as u64 => {
            let mut r = Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                Code::TooLarge,
                "request body too large",
                format!("the request body is too large: the limit is {limit} bytes here, and {n} were declared"),
            )
            .into_response();
            r.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
            r
        }
        _ => next.run(req).await,
    }
}

/// Serves `router` on `listener` until `shutdown` completes, each connection with a
/// deadline for request heads ([`HttpLimits::header_timeout`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let router = limits.apply(router);
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                // Out of file descriptors and the like: wait a little, keep serving.
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(e) = served {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
}

/// Everything the API listener serves — the API, the console and the tip form — each with
/// its own state over the one [`crate::service::Service`]; the three never import each
/// other.
pub fn router(
    api: crate::api::ApiState,
    console: crate::console::ConsoleState,
    tips: crate::tipform::TipState,
) -> axum::Router {
    crate::api::router(api)
        .merge(crate::tipform::routes().with_state(tips))
        .merge(crate::console::routes().with_state(console))
        .fallback(|| async {
            crate::service::Problem::not_found("no such route; see /v1/openapi.json")
        })
}
