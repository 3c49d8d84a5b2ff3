//! Every endpoint answers bad input with RFC 9457 problem details naming the field, and
//! changes no state.

mod common;

use common::*;
use serde_json::{Value, json};
use unchain_types::{Hash32, MAX_TX_BYTES};

async fn problem(resp: reqwest::Response, want_status: u16, want_in_detail: &str) -> Value {
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body: Value = resp.json().await.expect("problem body is JSON");
    assert_eq!(status, want_status, "body: {body}");
    assert_eq!(ctype, "application/problem+json", "body: {body}");
    assert_eq!(body["status"], want_status);
    // Every refusal carries a code from the documented list, and `type` names it.
    let code = body["code"].as_str().expect("a problem has a code");
    assert!(
        unchain_types::Code::parse(code).is_some(),
        "{code:?} is not a documented code: {body}"
    );
    assert_eq!(body["type"], format!("/problems/{code}"), "body: {body}");
    let detail = body["detail"].as_str().expect("detail");
    assert!(
        detail.contains(want_in_detail),
        "expected {want_in_detail:?} in {detail:?}"
    );
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_problem_details_and_changes_nothing() {
    let chain = Chain::init(&["th-dsi:TH", "ng-naptip:NG"]);
    let node = chain.start().await;
    let client = node.client();
    let base = client.base().to_owned();
    let http = reqwest::Client::new();
    let th = chain.key("th-dsi");
    let th_reads = chain.signer("th-dsi");
    let ok = chain.tx(
        &th,
        1,
        "notary.anchor",
        json!({"hash": Hash32::digest(b"x").to_hex(), "doc_type": "report"}),
    );
    client.submit(&ok).await.expect("submit");
    client
        .wait_for(&ok.id(), std::time::Duration::from_secs(30))
        .await
        .expect("commit");
    let before = client.status().await.expect("status");
    let post = |body: Vec<u8>| {
        http.post(format!("{base}/v1/transactions"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    // Malformed JSON.
    problem(
        post(b"{\"v\":1,".to_vec()).await.expect("post"),
        400,
        "not a JSON object",
    )
    .await;
    // A member named twice (I-JSON forbids it), at the top, in the body, with the same
    // value or another, spelled plainly or with an escape: refused, naming the member.
    let leaf = String::from_utf8(ok.leaf_bytes().to_vec()).expect("utf-8");
    for (edited, member) in [
        (
            leaf.replacen("\"nonce\":1", "\"nonce\":1,\"nonce\":1", 1),
            "nonce",
        ),
        (
            leaf.replacen("\"nonce\":1", "\"nonce\":2,\"nonce\":1", 1),
            "nonce",
        ),
        (
            leaf.replacen("\"nonce\":1", "\"nonce\":1,\"non\\u0063e\":1", 1),
            "nonce",
        ),
        (
            leaf.replacen(
                "\"doc_type\":\"report\"",
                "\"doc_type\":\"other\",\"doc_type\":\"report\"",
                1,
            ),
            "doc_type",
        ),
    ] {
        assert_ne!(edited, leaf);
        problem(
            post(edited.clone().into_bytes()).await.expect("post"),
            400,
            &format!("duplicate member \"{member}\""),
        )
        .await;
        // The batch endpoint refuses it the same way.
        problem(
            http.post(format!("{base}/v1/transactions/batch"))
                .header("content-type", "application/json")
                .body(format!("[{edited}]"))
                .send()
                .await
                .expect("post"),
            400,
            &format!("duplicate member \"{member}\""),
        )
        .await;
    }
    // And so do the other JSON bodies (a login here).
    problem(
        http.post(format!("{base}/v1/login"))
            .header("content-type", "application/json")
            .body(r#"{"user":"a","password":"b","user":"c"}"#)
            .send()
            .await
            .expect("post"),
        400,
        "duplicate member \"user\"",
    )
    .await;
    // Wrong types.
    let mut v: Value = serde_json::from_slice(ok.leaf_bytes()).expect("json");
    v["nonce"] = json!("two");
    let p = problem(
        post(v.to_string().into_bytes()).await.expect("post"),
        400,
        "must be a positive integer",
    )
    .await;
    assert_eq!(p["field"], "nonce");
    // Bad signature: a valid shape, signed by someone else.
    let mut forged: Value = serde_json::from_slice(
        chain
            .tx(
                &chain.key("ng-naptip"),
                1,
                "notary.anchor",
                json!({"hash": Hash32::digest(b"y").to_hex(), "doc_type": "report"}),
            )
            .leaf_bytes(),
    )
    .expect("json");
    forged["sender"] = json!(th.public_key().to_hex());
    let p = problem(
        post(forged.to_string().into_bytes()).await.expect("post"),
        400,
        "does not verify",
    )
    .await;
    assert_eq!(p["field"], "signature");
    // The same transaction again, one at a time or in a batch (alone, twice, or beside
    // new ones): the same answer, committed with its id, and nothing new is recorded.
    let resent = post(ok.leaf_bytes().to_vec()).await.expect("post");
    assert_eq!(resent.status(), 200);
    let resent: Value = resent.json().await.expect("json");
    assert_eq!(
        (resent["id"].as_str(), resent["status"].as_str()),
        (Some(ok.id().to_string().as_str()), Some("committed"))
    );
    for copies in [1usize, 2] {
        let batch = vec![ok.clone(); copies];
        let items = client.submit_batch(&batch).await.expect("batch");
        assert_eq!(items.len(), copies);
        for item in &items {
            assert_eq!(
                (
                    item.id.as_deref(),
                    item.status.as_str(),
                    item.error.as_deref()
                ),
                (Some(ok.id().to_string().as_str()), "committed", None),
                "{items:?}"
            );
        }
    }
    // Replayed nonce (a new transaction reusing nonce 1).
    let replay = chain.tx(
        &th,
        1,
        "notary.anchor",
        json!({"hash": Hash32::digest(b"z").to_hex(), "doc_type": "report"}),
    );
    let p = problem(
        post(replay.leaf_bytes().to_vec()).await.expect("post"),
        409,
        "nonce 1 already used by sender th-dsi; next is 2",
    )
    .await;
    assert_eq!(p["field"], "nonce");
    // Nonce ahead.
    let ahead = chain.tx(
        &th,
        5,
        "notary.anchor",
        json!({"hash": Hash32::digest(b"w").to_hex(), "doc_type": "report"}),
    );
    problem(
        post(ahead.leaf_bytes().to_vec()).await.expect("post"),
        400,
        "is ahead; next is 2",
    )
    .await;
    // Oversize body.
    problem(
        post(vec![b' '; MAX_TX_BYTES + 1]).await.expect("post"),
        413,
        "limit is",
    )
    .await;
    // Unknown kind.
    let unknown = chain.tx(&th, 2, "notary.shred", json!({}));
    let p = problem(
        post(unknown.leaf_bytes().to_vec()).await.expect("post"),
        400,
        "unknown kind \"notary.shred\"",
    )
    .await;
    assert_eq!(p["field"], "kind");
    // Body not matching the kind's schema.
    let bad_body = chain.tx(
        &th,
        2,
        "notary.anchor",
        json!({"hash": "nothex", "doc_type": "report"}),
    );
    let p = problem(
        post(bad_body.leaf_bytes().to_vec()).await.expect("post"),
        400,
        "body.hash",
    )
    .await;
    assert_eq!(p["field"], "body.hash");
    // Dates that do not exist.
    for date in ["2026-02-31", "2025-02-29", "2026-04-31", "2026-00-01"] {
        let impossible = chain.tx(
            &th,
            2,
            "notary.anchor",
            json!({"hash": Hash32::digest(b"d").to_hex(), "doc_type": "report", "document_date": date}),
        );
        let p = problem(
            post(impossible.leaf_bytes().to_vec()).await.expect("post"),
            400,
            "must be a real date",
        )
        .await;
        assert_eq!(p["field"], "body.document_date", "{date}");
    }
    // Wrong chain.
    let wrong_chain = unchain_types::UnsignedTransaction {
        chain_id: "another-chain".into(),
        sender: th.public_key(),
        nonce: 2,
        kind: "notary.anchor".into(),
        body: json!({"hash": Hash32::digest(b"v").to_hex(), "doc_type": "r"}),
    }
    .sign(&th)
    .expect("sign");
    problem(
        post(wrong_chain.leaf_bytes().to_vec()).await.expect("post"),
        400,
        "another-chain",
    )
    .await;
    // A key that belongs to no member. (A member lacking a role is refused with 403 the same
    // way; the ledger tests cover that case, since `unchain init` gives every kind's role.)
    let stranger = unchain_types::SigningKey::from_seed([42; 32]);
    let not_member = chain.tx(
        &stranger,
        1,
        "notary.anchor",
        json!({"hash": Hash32::digest(b"u").to_hex(), "doc_type": "r"}),
    );
    problem(
        post(not_member.leaf_bytes().to_vec()).await.expect("post"),
        403,
        "is not a member",
    )
    .await;

    // Batch endpoint: not an array.
    problem(
        http.post(format!("{base}/v1/transactions/batch"))
            .body("{}")
            .send()
            .await
            .expect("post"),
        400,
        "JSON array",
    )
    .await;
    // Query endpoints.
    problem(
        http.get(format!("{base}/v1/transactions/zz"))
            .send()
            .await
            .expect("get"),
        400,
        "transaction id",
    )
    .await;
    problem(
        http.get(format!(
            "{base}/v1/transactions/{}",
            Hash32::digest(b"none")
        ))
        .send()
        .await
        .expect("get"),
        404,
        "neither waiting",
    )
    .await;
    problem(
        member_get(&th_reads, &format!("{base}/v1/blocks/minus-one")).await,
        400,
        "not a non-negative integer",
    )
    .await;
    problem(
        member_get(&th_reads, &format!("{base}/v1/blocks/999999999")).await,
        404,
        "no block at height",
    )
    .await;
    problem(
        member_get(&th_reads, &format!("{base}/v1/proofs/inclusion")).await,
        400,
        "exactly one of",
    )
    .await;
    problem(
        member_get(
            &th_reads,
            &format!("{base}/v1/proofs/inclusion?index=99999"),
        )
        .await,
        404,
        "not in the log",
    )
    .await;
    problem(
        http.get(format!("{base}/v1/proofs/consistency?old=5&new=2"))
            .send()
            .await
            .expect("get"),
        400,
        "need old",
    )
    .await;
    problem(
        member_get(&th_reads, &format!("{base}/v1/notary/xyz")).await,
        400,
        "hash",
    )
    .await;
    problem(
        member_get(
            &th_reads,
            &format!("{base}/v1/notary/{}", Hash32::digest(b"never")),
        )
        .await,
        404,
        "no document",
    )
    .await;
    problem(
        http.get(format!("{base}/v1/accounts/abc"))
            .send()
            .await
            .expect("get"),
        400,
        "public key",
    )
    .await;
    problem(
        http.get(format!("{base}/v1/nowhere"))
            .send()
            .await
            .expect("get"),
        404,
        "no such route",
    )
    .await;

    // Nothing changed: same log, same nonce expectations, empty mempool.
    let after = client.status().await.expect("status");
    assert_eq!(
        (after.log_size, after.log_root.clone()),
        (before.log_size, before.log_root.clone())
    );
    assert_eq!(after.mempool_txs, 0);
    assert_eq!(
        client
            .account(&th.public_key())
            .await
            .expect("account")
            .next_nonce,
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_mempool_answers_429_with_retry_after() {
    let chain = Chain::init(&["th-dsi:TH"]);
    // A pool with room for nothing: every submission meets backpressure.
    let cfg = std::fs::read_to_string(chain.config()).expect("config");
    let cfg = cfg.replace("mempool_max_txs = 50000", "mempool_max_txs = 0");
    assert!(
        cfg.contains("mempool_max_txs = 0"),
        "config format changed: {cfg}"
    );
    std::fs::write(chain.config(), cfg).expect("write config");
    let node = chain.start().await;
    let th = chain.key("th-dsi");
    let tx = chain.tx(
        &th,
        1,
        "notary.anchor",
        json!({"hash": Hash32::digest(b"x").to_hex(), "doc_type": "report"}),
    );
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/transactions", node.client().base()))
        .body(tx.leaf_bytes().to_vec())
        .send()
        .await
        .expect("post");
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let p = problem(resp, 429, "mempool is full").await;
    assert_eq!(p["retry_after"], 1);
    // A batch of which nothing could be admitted for a full pool is backpressure as a whole.
    match node.client().submit_batch(std::slice::from_ref(&tx)).await {
        Err(unchain_client::ClientError::Problem {
            status: 429,
            retry_after: Some(1),
            detail,
            ..
        }) => assert!(detail.contains("mempool is full"), "{detail}"),
        other => panic!("expected 429 with Retry-After, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn identity_endpoints_answer_bad_input_with_problems() {
    let chain = Chain::init(&["th-registry:TH"]);
    let node = chain.start().await;
    let base = node.client().base().to_owned();
    let http = reqwest::Client::new();
    let get = |path: String| http.get(format!("{base}{path}")).send();
    // DID resolution answers as its HTTP binding specifies: a resolution result whose
    // metadata names the error, with the binding's status code.
    let resolution = |resp: reqwest::Response, status: u16, error: &'static str| async move {
        assert_eq!(resp.status().as_u16(), status);
        assert_eq!(resp.headers()["content-type"], "application/did-resolution");
        let body: Value = resp.json().await.expect("a resolution result");
        assert_eq!(body["didResolutionMetadata"]["error"], error, "{body}");
        assert!(body["didDocument"].is_null(), "{body}");
        body
    };
    resolution(
        get("/v1/identity/dids/did:web:example.org".into())
            .await
            .expect("get"),
        501,
        "methodNotSupported",
    )
    .await;
    let bad_key = resolution(
        get("/v1/identity/dids/did:key:zTjsVPtY".into())
            .await
            .expect("get"),
        400,
        "invalidDid",
    )
    .await;
    assert!(
        bad_key["didResolutionMetadata"]["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("Ed25519")),
        "{bad_key}"
    );
    resolution(
        get("/v1/identity/dids/not%20a%20did".into())
            .await
            .expect("get"),
        400,
        "invalidDid",
    )
    .await;
    let unknown = format!("did:unchain:{}", "0".repeat(32));
    resolution(
        get(format!("/v1/identity/dids/{unknown}"))
            .await
            .expect("get"),
        404,
        "notFound",
    )
    .await;
    let key_did = unchain_credentials::did::did_key(
        &unchain_types::SigningKey::from_seed([3; 32]).public_key(),
    );
    resolution(
        http.get(format!("{base}/v1/identity/dids/{key_did}"))
            .header("accept", "text/html")
            .send()
            .await
            .expect("get"),
        406,
        "representationNotSupported",
    )
    .await;
    let doc = http
        .get(format!("{base}/v1/identity/dids/{key_did}"))
        .header("accept", "application/did+json")
        .send()
        .await
        .expect("get");
    assert_eq!(doc.status(), 200);
    assert_eq!(doc.headers()["content-type"], "application/did+json");
    let doc: Value = doc.json().await.expect("a DID document");
    assert_eq!(doc["id"], key_did.as_str(), "the document alone: {doc}");
    // How many credentials an office issued is for members only.
    problem(
        get(format!("/v1/identity/next/{unknown}"))
            .await
            .expect("get"),
        401,
        "",
    )
    .await;
    problem(
        get("/v1/identity/status/did:unchain:XYZ".into())
            .await
            .expect("get"),
        400,
        "did:unchain",
    )
    .await;
    let officer = field(
        &user_cmd(&chain, &["add", "officer", "--role", "border_officer"]),
        "token",
    );
    let post = |body: &'static str| {
        http.post(format!("{base}/v1/border/check"))
            .header("content-type", "application/json")
            .bearer_auth(&officer)
            .body(body)
            .send()
    };
    problem(
        http.get(format!("{base}/v1/identity/next/{unknown}"))
            .bearer_auth(&officer)
            .send()
            .await
            .expect("get"),
        404,
        "not a DID",
    )
    .await;
    let anonymous = http
        .post(format!("{base}/v1/border/check"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("post");
    // A border officer who forgot the token is told what to send, not that members sign.
    let told = problem(anonymous, 401, "user's token").await;
    assert_eq!(told["title"], "sign-in needed", "{told}");
    assert!(
        told["detail"]
            .as_str()
            .is_some_and(|d| d.contains("border_officer")),
        "{told}"
    );
    let custodian = field(
        &user_cmd(&chain, &["add", "keeper", "--role", "custodian"]),
        "token",
    );
    let wrong_role = http
        .post(format!("{base}/v1/border/check"))
        .header("content-type", "application/json")
        .bearer_auth(&custodian)
        .body("{}")
        .send()
        .await
        .expect("post");
    problem(wrong_role, 403, "border_officer").await;
    problem(
        post("{\"child\": 1}").await.expect("post"),
        400,
        "invalid type",
    )
    .await;
    problem(
        post("{\"child\": \"a\", \"adult\": \"b\", \"nonce\": \"n\"}")
            .await
            .expect("post"),
        400,
        "aud",
    )
    .await;
    problem(
        post("{\"child\": \"a\", \"adult\": \"b\", \"aud\": \" \", \"nonce\": \"n\"}")
            .await
            .expect("post"),
        400,
        "aud: must be 1 to 200 characters",
    )
    .await;
    // Before anything is logged there is no checkpoint to trust: said so, not a 404.
    let body =
        "{\"child\": \"not-a-credential\", \"adult\": \"x~\", \"aud\": \"post\", \"nonce\": \"n\"}";
    problem(post(body).await.expect("post"), 503, "the log is empty").await;
    let key = chain.key("th-registry");
    let tx = chain.tx(
        &key,
        1,
        "notary.anchor",
        json!({"hash": Hash32::digest(b"x").to_hex(), "doc_type": "report"}),
    );
    node.client().submit(&tx).await.expect("submit");
    node.client()
        .wait_for(&tx.id(), std::time::Duration::from_secs(30))
        .await
        .expect("commit");
    // Garbage presentations are a verdict, not an error: the officer sees why.
    let body =
        "{\"child\": \"not-a-credential\", \"adult\": \"x~\", \"aud\": \"post\", \"nonce\": \"n\"}";
    let report: Value = post(body).await.expect("post").json().await.expect("json");
    assert_eq!(report["verdict"], "invalid_signature", "{report}");
    assert!(
        report["reasons"][0]
            .as_str()
            .is_some_and(|r| r.contains("the child's credential")),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tips_endpoints_answer_bad_input_and_change_nothing() {
    let chain = Chain::init(&["th-ngo:TH"]);
    let node = chain.start().await;
    let base = node.client().base().to_owned();
    let http = reqwest::Client::new();
    let intake = field(
        &user_cmd(&chain, &["add", "intake", "--role", "intake_officer"]),
        "token",
    );
    let keeper = field(
        &user_cmd(&chain, &["add", "keeper", "--role", "custodian"]),
        "token",
    );
    let get = |path: &str, token: Option<&str>| {
        let mut r = http.get(format!("{base}{path}"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    problem(get("/v1/tips", None).await.expect("get"), 401, "").await;
    problem(
        get("/v1/tips", Some(&keeper)).await.expect("get"),
        403,
        "intake_officer",
    )
    .await;
    problem(
        get("/v1/tips/t-XYZ", Some(&intake)).await.expect("get"),
        400,
        "tip: \"t-XYZ\" is not a tip id",
    )
    .await;
    let unknown = format!("t-{}", "0".repeat(20));
    problem(
        get(&format!("/v1/tips/{unknown}"), Some(&intake))
            .await
            .expect("get"),
        404,
        "does not exist",
    )
    .await;
    let put = |commitment: &str, body: &'static [u8]| {
        http.put(format!("{base}/v1/tips/ciphertexts/{commitment}"))
            .bearer_auth(&intake)
            .body(body)
            .send()
    };
    problem(put("xyz", b"sealed").await.expect("put"), 400, "commitment").await;
    problem(
        put(&"ab".repeat(32), b"sealed").await.expect("put"),
        400,
        "does not hash",
    )
    .await;

    // The public form answers pages, not problems; nothing bad is recorded.
    let r = http
        .get(format!("{base}/tips/no-such-form"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    let (token, _) = challenge(&http, &base).await;
    let empty = reqwest::multipart::Form::new()
        .text("lang", "es")
        .text("token", token)
        .text("pow", "")
        .text("danger", "maybe")
        .text("description", "   ")
        .text("location", "a secret place I typed");
    let r = http
        .post(format!("{base}/tips/report"))
        .multipart(empty)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    assert!(html.contains("Indique si hay alguien en peligro"), "{html}");
    assert!(
        html.contains("a secret place I typed"),
        "what was typed is kept: {html}"
    );
    let r = http
        .post(format!("{base}/tips/report"))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let r = http
        .post(format!("{base}/tips/report/return"))
        .form(&[("lang", "en"), ("code", "abacus zoom")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .expect("html")
            .contains("That code was not recognised")
    );
    let tips: Value = http
        .get(format!("{base}/v1/tips"))
        .bearer_auth(&intake)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(tips, json!([]), "nothing was recorded");
}
