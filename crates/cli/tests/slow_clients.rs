//! Slow, silent and oversized requests on a real node: a request head that never ends, a
//! declared body that never comes or trickles in, bodies over a route's limit, a batch with
//! one item too many — each cut off with an answer or a closed connection, never held, and
//! the node keeps serving everyone else.

mod common;

use common::*;
use serde_json::Value;

/// Sends `head` (and `body`, then trickles `trickle` one byte at a time, `gap` apart) on a
/// fresh connection to `addr`; returns what the server answered before closing, or
/// panics if it still holds the connection after `deadline`.
fn slow_client(
    addr: &str,
    head: &str,
    body: &[u8],
    trickle: usize,
    gap: std::time::Duration,
    deadline: std::time::Duration,
) -> String {
    use std::io::{Read as _, Write as _};
    let started = std::time::Instant::now();
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.write_all(head.as_bytes()).expect("head");
    s.write_all(body).expect("body");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    // Between trickled bytes, take whatever the server already answered (a reset after
    // its answer would otherwise lose it).
    s.set_read_timeout(Some(std::time::Duration::from_millis(5)))
        .expect("timeout");
    for _ in 0..trickle {
        std::thread::sleep(gap);
        if let Ok(n) = s.read(&mut buf) {
            answer.extend_from_slice(&buf[..n]);
            if n == 0 {
                break;
            }
        }
        if s.write_all(b"x").is_err() {
            break;
        }
    }
    s.set_read_timeout(Some(deadline)).expect("timeout");
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "the server still held the connection after {:?}: {e}; got {:?}",
                started.elapsed(),
                String::from_utf8_lossy(&answer)
            ),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_silent_and_oversized_requests_are_cut_off() {
    let chain = Chain::init(&["th-dsi:TH"]);
    let config = std::fs::read_to_string(chain.config()).expect("config");
    let tightened = config
        .replace("header_timeout_ms = 10000", "header_timeout_ms = 1000")
        .replace(
            "body_idle_timeout_ms = 15000",
            "body_idle_timeout_ms = 1000",
        )
        .replace("request_timeout_ms = 120000", "request_timeout_ms = 3000");
    assert_eq!(
        tightened.matches("_ms = 1000\n").count() + tightened.matches("_ms = 3000\n").count(),
        3,
        "the config's [http] limits were not found: {config}"
    );
    std::fs::write(chain.config(), tightened).expect("config");
    let node = chain.start().await;
    let base = node.client().base().to_owned();
    let addr = base.trim_start_matches("http://").to_owned();
    let deadline = std::time::Duration::from_secs(20);
    let ms = std::time::Duration::from_millis;
    let cases: Vec<(&str, String, Vec<u8>, usize, &str)> = vec![
        // A request head that never ends.
        ("silent head", "GET /v1/status HTTP/1.1\r\nHost: x\r\n".into(), vec![], 0, ""),
        // A declared body that never comes, on each kind of route.
        (
            "silent body",
            "POST /v1/transactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n".into(),
            b"{\"v\":".to_vec(),
            0,
            "HTTP/1.1 4",
        ),
        (
            "silent batch",
            "POST /v1/transactions/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".into(),
            b"[".to_vec(),
            0,
            "HTTP/1.1 4",
        ),
        (
            "silent login",
            "POST /console/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n".into(),
            b"user=a".to_vec(),
            0,
            "HTTP/1.1 4",
        ),
        // A body trickled just fast enough for the idle limit, not for the request limit.
        (
            "trickled body",
            "POST /v1/transactions/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".into(),
            b"[".to_vec(),
            12,
            "HTTP/1.1 408",
        ),
        // Bodies over a route's limit are refused from their length, unread.
        (
            "oversized transaction",
            format!(
                "POST /v1/transactions HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                unchain_types::MAX_TX_BYTES + 1
            ),
            vec![],
            0,
            "HTTP/1.1 413",
        ),
        (
            "oversized batch",
            "POST /v1/transactions/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 33554432\r\n\r\n".into(),
            vec![],
            0,
            "HTTP/1.1 413",
        ),
    ];
    for (what, head, body, trickle, want) in cases {
        let addr = addr.clone();
        let answer = tokio::task::spawn_blocking(move || {
            slow_client(&addr, &head, &body, trickle, ms(400), deadline)
        })
        .await
        .expect("client");
        assert!(answer.starts_with(want), "{what}: {answer:?}");
    }
    // A batch with one item too many is refused while it is read.
    let many = format!("[{}1]", "1,".repeat(5_000));
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/transactions/batch"))
        .body(many)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let p: Value = r.json().await.expect("problem");
    assert_eq!(p["type"], "/problems/batch-too-large", "{p}");
    // The node still answers everyone else.
    assert!(node.client().status().await.is_ok());
}
