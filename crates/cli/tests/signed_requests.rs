//! Signed API requests against an independent RFC 9421 implementation: requests signed by
//! `http-message-signatures` (PyPI) open a real node's members-only endpoints, and the
//! Rust client's signatures verify in that library. Tampering, replay and the retired
//! scheme are refused, naming the field.

mod common;

use common::*;
use serde_json::Value;
use std::process::Command;
use unchain_types::Hash32;

/// `tests/python/http_signatures.py ARGS…`: its JSON output, or its failure.
fn peer(args: &[&str]) -> Result<Value, String> {
    let out = Command::new(python())
        .arg(repo_root().join("tests/python/http_signatures.py"))
        .args(args)
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(serde_json::from_str(&stdout).expect("json from the peer"))
    } else {
        Err(format!("{stdout} {}", String::from_utf8_lossy(&out.stderr)))
    }
}

/// Python signs `method url` with `body` as `org`: the fields to send.
fn python_signs(
    chain: &Chain,
    org: &str,
    method: &str,
    url: &str,
    body: &[u8],
) -> Vec<(String, String)> {
    let file = chain.dir.path().join("py-body");
    std::fs::write(&file, body).expect("write body");
    let body_arg = if body.is_empty() {
        "-".to_owned()
    } else {
        file.display().to_string()
    };
    let fields =
        peer(&["sign", &chain.seed_hex(org), org, method, url, &body_arg]).expect("python signs");
    fields
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_owned()))
        .collect()
}

async fn send(
    method: reqwest::Method,
    url: &str,
    fields: &[(String, String)],
    body: &[u8],
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut req = reqwest::Client::new().request(method, url);
    for (k, v) in fields {
        req = req.header(k, v);
    }
    if !body.is_empty() {
        req = req
            .header("content-type", "application/octet-stream")
            .body(body.to_vec());
    }
    let r = req.send().await.expect("send");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        headers,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_signed_by_an_independent_rfc_9421_library_open_members_endpoints() {
    let chain = Chain::init(&["th-dsi:TH", "ng-naptip:NG"]);
    let node = chain.start().await;
    let base = node.client().base().to_owned();
    // One leaf in the log, to read.
    let tx = chain.tx(
        &chain.key("th-dsi"),
        1,
        "notary.anchor",
        serde_json::json!({"hash": Hash32::digest(b"leaf").to_hex(), "doc_type": "report"}),
    );
    node.client().submit(&tx).await.expect("submit");
    let s = node
        .client()
        .wait_for(&tx.id(), std::time::Duration::from_secs(30))
        .await
        .expect("status");
    assert_eq!(s.status, "committed", "{s:?}");

    // A GET with a query, signed in Python: the node lets the member in.
    let url = format!("{base}/v1/proofs/inclusion?index=0");
    let fields = python_signs(&chain, "ng-naptip", "GET", &url, b"");
    assert!(
        fields
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("signature-input"))
    );
    let (status, answer, _) = send(reqwest::Method::GET, &url, &fields, b"").await;
    assert_eq!(status, 200, "{answer}");

    // The same signature again is a replay.
    let (status, answer, _) = send(reqwest::Method::GET, &url, &fields, b"").await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["field"], "signature", "{answer}");
    assert!(
        answer["detail"].as_str().unwrap_or("").contains("replay"),
        "{answer}"
    );

    // Signed for one query, sent with another: refused before anything is read.
    let fields = python_signs(&chain, "ng-naptip", "GET", &url, b"");
    let other = format!("{base}/v1/proofs/inclusion?index=1");
    let (status, answer, _) = send(reqwest::Method::GET, &other, &fields, b"").await;
    assert_eq!(
        (status, answer["field"].as_str()),
        (401, Some("signature")),
        "{answer}"
    );

    // A body, digested with SHA-512 by the peer: this node's organisation uploads a
    // ciphertext. The same fields with other bytes are refused for the digest.
    let bytes = b"ciphertext bytes from python".to_vec();
    let put = format!("{base}/v1/vault/ciphertexts/{}", Hash32::digest(&bytes));
    let fields = python_signs(&chain, "th-dsi", "PUT", &put, &bytes);
    assert!(
        fields
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("content-digest") && v.starts_with("sha-512=")),
        "{fields:?}"
    );
    let (status, answer, _) = send(
        reqwest::Method::PUT,
        &put,
        &fields,
        b"other bytes, same length!!!",
    )
    .await;
    assert_eq!(
        (status, answer["field"].as_str()),
        (401, Some("content-digest")),
        "{answer}"
    );
    let fields = python_signs(&chain, "th-dsi", "PUT", &put, &bytes);
    let (status, answer, _) = send(reqwest::Method::PUT, &put, &fields, &bytes).await;
    assert_eq!(status, 201, "{answer}");

    // A stranger's key under a member's name.
    let fields = peer(&[
        "sign",
        &hex::encode([9u8; 32]),
        "ng-naptip",
        "GET",
        &url,
        "-",
    ])
    .expect("signs");
    let fields: Vec<(String, String)> = fields
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_owned()))
        .collect();
    let (status, answer, headers) = send(reqwest::Method::GET, &url, &fields, b"").await;
    assert_eq!(
        (status, answer["field"].as_str()),
        (401, Some("signature")),
        "{answer}"
    );
    // Every 401 says what it takes: a bearer token, or an RFC 9421 signature.
    assert!(headers.contains_key("www-authenticate"), "{headers:?}");
    let accept = headers
        .get("accept-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        accept.contains("\"@authority\"") && accept.contains("ed25519"),
        "{accept}"
    );

    // The retired scheme gets a message that says what changed.
    let old = [
        ("x-unchain-member".to_owned(), "ng-naptip".to_owned()),
        ("x-unchain-time".to_owned(), "0".to_owned()),
        ("x-unchain-signature".to_owned(), "00".repeat(64)),
    ];
    let (status, answer, _) = send(reqwest::Method::GET, &url, &old, b"").await;
    assert_eq!(status, 401);
    assert!(
        answer["detail"].as_str().unwrap_or("").contains("RFC 9421"),
        "{answer}"
    );
}

#[test]
fn the_rust_clients_signatures_verify_in_an_independent_rfc_9421_library() {
    let chain = Chain::init(&["th-dsi:TH"]);
    let signer = unchain_client::RequestSigner {
        actor: Some("u-7f3a".into()),
        ..chain.signer("th-dsi")
    };
    let public = hex::encode(chain.key("th-dsi").public_key().to_bytes());
    let body = br#"{"record":"ab","note":"r\u00e9sum\u00e9"}"#;
    let file = chain.dir.path().join("rust-body");
    std::fs::write(&file, body).expect("write");
    let url = "http://127.0.0.1:7700/v1/vault/token-evaluations?round=3";
    let fields: Vec<(String, String)> = signer
        .headers("POST", url, body)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let fields_json = serde_json::to_string(&fields).expect("json");
    let file = file.display().to_string();
    let ok = peer(&["verify", &public, "POST", url, &fields_json, &file])
        .expect("the library verifies the Rust signature");
    assert_eq!(ok["verified"], true, "{ok}");
    assert_eq!(ok["keyid"], "th-dsi", "{ok}");
    assert_eq!(ok["alg"], "ed25519", "{ok}");
    assert_eq!(ok["body_checked"], true, "{ok}");
    let covered = ok["covered"].to_string();
    for c in [
        "@method",
        "@authority",
        "@path",
        "@query",
        "content-digest",
        "unchain-actor",
    ] {
        assert!(covered.contains(c), "{c} not covered: {ok}");
    }
    // A GET without a body verifies too.
    let get = "http://node.example/v1/blocks/latest";
    let fields: Vec<(String, String)> = unchain_client::RequestSigner {
        actor: None,
        ..signer.clone()
    }
    .headers("GET", get, b"")
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let fields_json = serde_json::to_string(&fields).expect("json");
    peer(&["verify", &public, "GET", get, &fields_json, "-"]).expect("a GET verifies");

    // The library refuses the same signature on another target, or with another body:
    // it checks what the node checks.
    let fields: Vec<(String, String)> = signer
        .headers("POST", url, body)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let fields_json = serde_json::to_string(&fields).expect("json");
    let elsewhere = "http://127.0.0.1:7700/v1/vault/token-evaluations?round=4";
    let e = peer(&["verify", &public, "POST", elsewhere, &fields_json, &file])
        .expect_err("another query");
    assert!(e.contains("\"verified\": false"), "{e}");
    let other_body = chain.dir.path().join("other-body");
    std::fs::write(&other_body, b"{}").expect("write");
    let e = peer(&[
        "verify",
        &public,
        "POST",
        url,
        &fields_json,
        &other_body.display().to_string(),
    ])
    .expect_err("another body");
    assert!(e.contains("\"verified\": false"), "{e}");
}
