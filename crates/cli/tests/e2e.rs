//! End to end: a real `unchain node` process, transactions over HTTP (one signed in Python),
//! commit, proof, and offline verification with `unchain verify`.

mod common;

use common::*;
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use unchain_types::{Hash32, Transaction};

/// `unchain verify PATH --genesis GENESIS`, offline.
fn verify_file(chain: &Chain, path: &std::path::Path) -> std::process::Output {
    Command::new(bin())
        .arg("verify")
        .arg(path)
        .arg("--genesis")
        .arg(chain.genesis())
        .output()
        .expect("verify")
}

#[tokio::test(flavor = "multi_thread")]
async fn transactions_from_rust_and_python_commit_and_verify_offline() {
    let chain = Chain::init(&["th-dsi:TH", "ng-naptip:NG"]);
    let node = chain.start().await;
    let client = node.client();

    // Rust-signed anchors from two organisations.
    let th = chain.key("th-dsi");
    let ng = chain.key("ng-naptip");
    let a = chain.tx(
        &th,
        1,
        "notary.anchor",
        json!({"hash": Hash32::digest(b"report").to_hex(), "doc_type": "report"}),
    );
    let b = chain.tx(&ng, 1, "notary.anchor", json!({"hash": Hash32::digest(b"photo").to_hex(), "doc_type": "photo", "description": "ad screenshot"}));
    for tx in [&a, &b] {
        let r = client.submit(tx).await.expect("submit");
        assert_eq!(
            (r.id.as_str(), r.status.as_str()),
            (tx.id().to_string().as_str(), "pending")
        );
    }

    // A transaction built and signed by Python (PyNaCl), with non-ASCII text to exercise JCS.
    let out = Command::new(python())
        .arg(repo_root().join("tests/python/sign_tx.py"))
        .args([&chain.seed_hex("ng-naptip"), "e2e-chain", "2", "notary.anchor"])
        .arg(json!({"hash": Hash32::digest(b"py").to_hex(), "doc_type": "report", "description": "informe de inspección — ตรวจแรงงาน 😀"}).to_string())
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python signer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let py = Transaction::parse(&out.stdout).expect("python produced a well-formed transaction");

    // A seal from Python: its erasable members leave the signed body for the sidecar, under
    // a salt of Python's choosing, and Rust reads the same body back.
    let seal_body = json!({"record": Hash32([3; 32]), "version": 1, "schema": "case.note",
        "commitment": Hash32::digest(b"c"), "size": 1, "recipients": {"ng-naptip": "ab".repeat(80)},
        "policy": {"retention_days": 30, "consent_required": false},
        "tokens": [{"kind": "phone", "epoch": 1, "token": Hash32([4; 32])}]});
    let out_seal = Command::new(python())
        .arg(repo_root().join("tests/python/sign_tx.py"))
        .args([&chain.seed_hex("ng-naptip"), "e2e-chain", "9", "vault.seal"])
        .arg(seal_body.to_string())
        .output()
        .expect("run python");
    assert!(
        out_seal.status.success(),
        "{}",
        String::from_utf8_lossy(&out_seal.stderr)
    );
    let py_seal = Transaction::parse(&out_seal.stdout).expect("python's seal parses");
    py_seal
        .verify_signature()
        .expect("python's signature verifies");
    assert!(py_seal.sidecar().is_some() && !py_seal.lacks_sidecar());
    assert_eq!(py_seal.body(), &seal_body);
    assert!(!String::from_utf8_lossy(py_seal.leaf_bytes()).contains(&"ab".repeat(80)));
    let raw = reqwest::Client::new()
        .post(format!("{}/v1/transactions", client.base()))
        .body(out.stdout.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(
        raw.status(),
        202,
        "node refused the Python transaction: {}",
        raw.text().await.unwrap_or_default()
    );

    for tx in [&a, &b, &py] {
        let s = client
            .wait_for(&tx.id(), Duration::from_secs(30))
            .await
            .expect("status");
        assert_eq!(s.status, "committed", "{s:?}");
    }

    // Fetch the Python transaction's proof, save it, verify it offline against the genesis.
    let bundle = client.proof(&py.id()).await.expect("proof");
    assert_eq!(bundle.leaf.as_bytes(), py.leaf_bytes());
    let path = chain.dir.path().join("bundle.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&bundle).expect("json")).expect("write");
    let verify = verify_file(&chain, &path);
    let stdout = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success() && stdout.contains("VERIFIED"),
        "verify failed: {stdout} {}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(stdout.contains(&py.id().to_string()));

    // The same bundle with one byte of the transaction changed does not verify.
    let mut tampered = bundle.clone();
    tampered.leaf = tampered.leaf.replacen("\"nonce\":2", "\"nonce\":3", 1);
    assert_ne!(tampered.leaf, bundle.leaf);
    std::fs::write(&path, serde_json::to_vec_pretty(&tampered).expect("json")).expect("write");
    let verify = verify_file(&chain, &path);
    assert!(!verify.status.success(), "a tampered bundle verified");
    assert!(String::from_utf8_lossy(&verify.stderr).contains("VERIFICATION FAILED"));

    // A bundle whose stated leaf hash is not its leaf's does not verify either.
    let mut misstated = bundle.clone();
    misstated.leaf_hash = Hash32::digest(b"another leaf").to_hex();
    std::fs::write(&path, serde_json::to_vec_pretty(&misstated).expect("json")).expect("write");
    let verify = verify_file(&chain, &path);
    assert!(!verify.status.success(), "a misstated leaf hash verified");
    assert!(
        String::from_utf8_lossy(&verify.stderr).contains("leaf_hash"),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );

    // `unchain proof` fetches and verifies in one go; the notary lookup carries the proof too.
    let proof = Command::new(bin())
        .args(["proof", &a.id().to_string(), "--node", client.base()])
        .arg("--key")
        .arg(chain.dir.path().join("keys/th-dsi.json"))
        .arg("--genesis")
        .arg(chain.genesis())
        .output()
        .expect("proof");
    assert!(
        proof.status.success(),
        "{}",
        String::from_utf8_lossy(&proof.stderr)
    );
    assert!(String::from_utf8_lossy(&proof.stdout).starts_with("VERIFIED"));
    // With `--out -` the bundle is standard output, whole, and the report standard error.
    let piped = Command::new(bin())
        .args(["proof", &a.id().to_string(), "--node", client.base()])
        .arg("--key")
        .arg(chain.dir.path().join("keys/th-dsi.json"))
        .args(["--out", "-"])
        .output()
        .expect("proof");
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    let saved: unchain_client::views::ProofBundle =
        serde_json::from_slice(&piped.stdout).expect("the bundle alone on standard output");
    assert_eq!(saved.leaf.as_bytes(), a.leaf_bytes());
    assert!(
        String::from_utf8_lossy(&piped.stderr).contains("VERIFIED"),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    let found = client
        .notary(&Hash32::digest(b"photo"))
        .await
        .expect("lookup");
    assert_eq!(found.anchors.len(), 1);
    assert_eq!(found.anchors[0].anchor["anchored_by"], "ng-naptip");
    assert_eq!(found.anchors[0].proof.leaf.as_bytes(), b.leaf_bytes());
}

#[tokio::test(flavor = "multi_thread")]
async fn leaves_blocks_and_inclusion_proofs_are_for_members_checkpoints_are_public() {
    let chain = Chain::init(&["th-dsi:TH", "ng-naptip:NG"]);
    let node = chain.start().await;
    let client = node.client();
    let base = client.base().to_owned();
    let th = chain.key("th-dsi");
    let hash = Hash32::digest(b"a child flagged missing");
    let tx = chain.tx(
        &th,
        1,
        "notary.anchor",
        json!({"hash": hash.to_hex(), "doc_type": "report"}),
    );
    client.submit(&tx).await.expect("submit");
    let s = client
        .wait_for(&tx.id(), Duration::from_secs(30))
        .await
        .expect("status");
    assert_eq!(s.status, "committed", "{s:?}");
    let index = s.log_index.expect("log index");
    let height = s.height.expect("height");
    // Wait for a checkpoint covering it (a member's proof waits for the cosignature).
    client.proof(&tx.id()).await.expect("a member's proof");

    let members_only = [
        format!("/v1/proofs/inclusion?index={index}"),
        "/v1/proofs/inclusion?index=0".to_owned(),
        format!("/v1/proofs/inclusion?tx={}", tx.id()),
        format!("/v1/blocks/{height}"),
        "/v1/blocks/latest".to_owned(),
        format!("/v1/notary/{hash}"),
    ];
    let http = reqwest::Client::new();
    // A stranger's key under a member's name, and a member's key an hour off.
    let impostor = unchain_client::RequestSigner {
        member: "th-dsi".into(),
        key: unchain_types::SigningKey::from_seed([7; 32]),
        actor: None,
    };
    for path in &members_only {
        let url = format!("{base}{path}");
        let anonymous = http.get(&url).send().await.expect("get");
        assert_eq!(anonymous.status(), 401, "{path} answered an outsider");
        let body = anonymous.text().await.expect("body");
        assert!(
            !body.contains(&hash.to_hex()) && body.contains("members only"),
            "{path}: {body}"
        );
        assert_eq!(member_get(&impostor, &url).await.status(), 401, "{path}");
        // Either member reads it.
        for org in ["th-dsi", "ng-naptip"] {
            let r = member_get(&chain.signer(org), &url).await;
            assert_eq!(r.status(), 200, "{path} refused member {org}");
        }
    }
    // The signature covers the query: a request signed for another leaf opens nothing.
    let signer = chain.signer("th-dsi");
    let mut req = http.get(format!("{base}/v1/proofs/inclusion?index={index}"));
    let other = format!("{base}/v1/proofs/inclusion?index={}", index + 1);
    for (name, value) in signer.headers("GET", &other, b"") {
        req = req.header(name, value);
    }
    assert_eq!(req.send().await.expect("get").status(), 401);

    // What witnesses and monitors need stays public.
    for path in [
        "/v1/checkpoint".to_owned(),
        format!("/v1/proofs/consistency?old=1&new={}", index + 1),
        "/v1/status".to_owned(),
    ] {
        let r = http.get(format!("{base}{path}")).send().await.expect("get");
        assert_eq!(r.status(), 200, "{path} is public");
    }

    // The CLI needs a member's key for a proof, and says why.
    let out = Command::new(bin())
        .args(["proof", &tx.id().to_string(), "--node", &base])
        .env_remove("UNCHAIN_KEY")
        .output()
        .expect("proof");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `tests/python/{script}` with `args` in the project's Python environment.
fn peer_script(script: &str, args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(python())
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/python")
                .join(script),
        )
        .args(args)
        .output()
        .expect("python")
}

#[tokio::test(flavor = "multi_thread")]
async fn openapi_metrics_and_health_are_served() {
    let chain = Chain::init(&["th-dsi:TH"]);
    let node = chain.start().await;
    let base = node.client().base().to_owned();
    let http = reqwest::Client::new();
    let doc: serde_json::Value = http
        .get(format!("{base}/v1/openapi.json"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert!(
        doc["openapi"].as_str().expect("version").starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    // The document as an independent validator reads it.
    let file = chain.dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec(&doc).expect("json")).expect("write");
    let checked = peer_script("validate_openapi.py", &[file.as_os_str()]);
    assert!(
        checked.status.success(),
        "openapi-spec-validator refuses the document: {}",
        String::from_utf8_lossy(&checked.stdout)
    );
    // Every error is documented as served: a problem (RFC 9457); every operation that can
    // answer 401 names how to authenticate.
    let schemes = &doc["components"]["securitySchemes"];
    assert!(
        schemes["memberSignature"].is_object() && schemes["userBearer"].is_object(),
        "{schemes}"
    );
    let mut guarded = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let Some(responses) = op["responses"].as_object() else {
                continue;
            };
            for (status, response) in responses {
                if (status.starts_with('4') || status.starts_with('5'))
                    && let Some(content) = response["content"].as_object()
                {
                    // DID resolution answers errors as resolution results, as its HTTP
                    // binding specifies; everything else as problems.
                    let served = if path == "/v1/identity/dids/{did}" {
                        "application/did-resolution"
                    } else {
                        "application/problem+json"
                    };
                    assert!(
                        content.keys().all(|k| k == served),
                        "{method} {path} {status}: {content:?}"
                    );
                }
            }
            if responses.contains_key("401") {
                guarded += 1;
                assert!(
                    op["security"].as_array().is_some_and(|s| !s.is_empty()),
                    "{method} {path} answers 401 but names no security"
                );
                assert!(
                    responses["401"]["headers"]["WWW-Authenticate"].is_object(),
                    "{method} {path}"
                );
            }
        }
    }
    assert!(guarded >= 19, "{guarded} operations need authentication");
    // And as served: the framework's own refusals are problems too.
    for (method, path, body, status) in [
        ("GET", "/v1/vault/alerts", None, 401u16),
        ("POST", "/v1/login", Some("not json"), 400),
        ("GET", "/v1/proofs/inclusion?index=abc", None, 400),
        ("DELETE", "/v1/checkpoint", None, 405),
    ] {
        let mut request = http.request(method.parse().expect("method"), format!("{base}{path}"));
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.expect("send");
        assert_eq!(response.status().as_u16(), status, "{method} {path}");
        let headers = response.headers().clone();
        assert_eq!(
            headers["content-type"], "application/problem+json",
            "{method} {path}"
        );
        match status {
            401 => assert!(headers.contains_key("www-authenticate"), "{headers:?}"),
            405 => assert!(headers.contains_key("allow"), "{headers:?}"),
            _ => {}
        }
        let problem: serde_json::Value = response.json().await.expect("a problem");
        assert_eq!(problem["status"], status, "{problem}");
        // Its type resolves, relative to the node, to the code's documentation.
        let kind = problem["type"].as_str().expect("type");
        let page = http
            .get(format!("{base}{kind}"))
            .send()
            .await
            .expect("get type");
        assert_eq!(page.status(), 200, "{kind}");
        let page = page.text().await.expect("page");
        let code = problem["code"].as_str().expect("code");
        assert!(
            page.contains(&format!("<code>{code}</code>")),
            "{kind}: {page}"
        );
        assert!(
            problem["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("/problems/"))
                && !problem["detail"].as_str().unwrap_or_default().is_empty(),
            "{method} {path}: {problem}"
        );
    }
    let unknown = http
        .get(format!("{base}/problems/no-such-code"))
        .send()
        .await
        .expect("get");
    assert_eq!(unknown.status(), 404);
    for path in [
        "/v1/transactions",
        "/v1/proofs/inclusion",
        "/v1/notary/{hash}",
        "/v1/checkpoint",
        "/v1/state/proof",
        "/v1/blocks/{height}/certificate",
        "/v1/custody/items/{id}/bundle",
        "/v1/cases/{id}/audit",
        "/v1/events",
        "/v1/login",
        "/v1/act",
        "/epcis/bizSteps/{value}/events",
        "/epcis/queries/{queryName}/subscriptions",
        "/epcis/queries/{queryName}/subscriptions/{subscriptionID}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "OpenAPI lacks {path}");
    }
    // Both exposition formats, each read by the Prometheus project's own parser.
    let fetch = |accept: Option<&'static str>| {
        let mut request = http.get(format!("{base}/metrics"));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        async move {
            let response = request.send().await.expect("get");
            let content_type = response.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .to_owned();
            (content_type, response.text().await.expect("text"))
        }
    };
    let (om_type, openmetrics) = fetch(Some(
        "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    ))
    .await;
    assert_eq!(
        om_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(openmetrics.ends_with("# EOF\n"), "{openmetrics:.400}");
    let (text_type, metrics) = fetch(None).await;
    assert_eq!(text_type, "text/plain; version=0.0.4; charset=utf-8");
    assert!(
        metrics.contains("height"),
        "metrics lack the height gauge: {metrics:.400}"
    );
    let parsed = |kind: &str, body: &str| -> Vec<String> {
        let file = chain.dir.path().join(format!("metrics.{kind}"));
        std::fs::write(&file, body).expect("write");
        let out = peer_script("parse_metrics.py", &[kind.as_ref(), file.as_os_str()]);
        assert!(
            out.status.success(),
            "the Prometheus client refuses the {kind} exposition: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut families: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        families.sort();
        families
    };
    let om_families = parsed("openmetrics", &openmetrics);
    let text_families = parsed("text", &metrics);
    let names = |families: &[String]| -> Vec<String> {
        families
            .iter()
            .map(|f| f.split(' ').take(2).collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert!(om_families.len() > 100, "{om_families:?}");
    assert_eq!(
        names(&om_families),
        names(&text_families),
        "the two formats carry different families or types"
    );
    assert!(
        text_families.iter().any(|f| f.ends_with(" counter 1")),
        "counters keep their type in the text format: {text_families:?}"
    );
    // No family repeats the prefixes this node gives (`validator_validator_…`, as an
    // older build served). Repeats inside commonware's own actors' names
    // (`…_marshal_cache_cache_…`) are theirs.
    let doubled: Vec<&str> = om_families
        .iter()
        .filter_map(|family| family.split(' ').next())
        .filter(|name| {
            let parts: Vec<&str> = name.split('_').take(2).collect();
            parts.len() == 2
                && (parts[0] == parts[1]
                    || ["validator", "follower", "unchain"].contains(&parts[1]))
        })
        .collect();
    assert!(doubled.is_empty(), "doubled prefixes in {doubled:?}");
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .expect("get")
            .status(),
        200
    );
    let cp = node.client().checkpoint().await.expect("checkpoint");
    assert!(cp.starts_with("unchain/e2e-chain\n"), "{cp}");
    // The validator's vkey, as note tools take it: its key hash is the one on the
    // checkpoint's signature line.
    let vkeys = http
        .get(format!("{base}/v1/vkeys"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    let vkey = vkeys.lines().next().expect("a validator's vkey");
    let members: serde_json::Value = http
        .get(format!("{base}/v1/members"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let parts: Vec<&str> = vkey.splitn(3, '+').collect();
    assert_eq!(parts.len(), 3, "{vkey}");
    assert_eq!(parts[0], "th-dsi");
    let signature_line = cp
        .lines()
        .find(|l| l.starts_with("\u{2014} th-dsi "))
        .expect("the validator's signature line");
    let signed = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        signature_line.rsplit(' ').next().expect("signature"),
    )
    .expect("base64");
    assert_eq!(hex::encode(&signed[..4]), parts[1], "{vkey} signed {cp}");
    let key = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, parts[2])
        .expect("base64");
    assert_eq!(key[0], 1, "Ed25519's algorithm byte");
    assert_eq!(
        Some(hex::encode(&key[1..]).as_str()),
        members[0]["signing_key"].as_str(),
        "{}",
        members[0]
    );
}

#[test]
fn demo_starts_seeds_and_explains_itself() {
    // Four validators take four consecutive p2p ports.
    let p2p = format!("127.0.0.1:{}", free_ports(4));
    let dir = tempfile::tempdir().expect("tmp");
    let out = Command::new(bin())
        .args([
            "--log",
            "warn",
            "demo",
            "--exit-after-seed",
            "--api",
            "127.0.0.1:0",
            "--p2p",
            &p2p,
            "--dir",
        ])
        .arg(dir.path().join("demo"))
        .output()
        .expect("run demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Unchain demo consortium `unchain-demo` is running"),
        "{stdout}"
    );
    assert!(stdout.contains("unchain status --chain"), "{stdout}");
    assert!(stdout.contains("unchain verify bundle.json"), "{stdout}");
    assert!(stdout.contains("unchain vault alerts"), "{stdout}");
    assert!(
        stdout.contains("unchain case audit TH-DSI-2026-0042"),
        "{stdout}"
    );
    assert!(
        stdout.contains("unchain verify custody custody.json"),
        "{stdout}"
    );
    // The seeded tip was answered, and the guide gives its receipt code.
    let code_line = stdout
        .lines()
        .find(|l| l.contains("come back with the receipt code: "))
        .unwrap_or_else(|| panic!("no receipt code in {stdout}"));
    let code = code_line.rsplit(": ").next().expect("code");
    assert_eq!(code.split(' ').count(), 8, "{code_line}");
    assert!(stdout.contains("unchain tips show t-"), "{stdout}");
    // The proof's file name is the one the return page's download gives.
    let tip = stdout
        .split("unchain tips show ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the tip's id");
    assert!(
        stdout.contains(&format!(
            "unchain verify tip-receipt proof-of-receipt-{tip}.json"
        )),
        "{stdout}"
    );
    // Converting the tip indexes its number, which another member holds.
    assert!(
        stdout.contains(&format!("unchain tips convert {tip} --country GB"))
            && stdout.contains("matches a record ph-iacat holds"),
        "{stdout}"
    );
    // The supply chain: a remediated lot and a flagged one, each with its public page.
    assert!(
        stdout.contains("unchain verify provenance provenance.json"),
        "{stdout}"
    );
    assert!(stdout.contains("/01/05012345100050/10/TS-R3"), "{stdout}");
    // The recruitment corridor: seeded through the ledger, and the guide says where to look.
    assert!(stdout.contains("unchain recruit alerts QA"), "{stdout}");
    assert!(stdout.contains("unchain recruit show "), "{stdout}");
    // The seeded child and her mother pass the border check the guide describes, offline
    // (the demo's nodes have stopped), from the trust bundle it saved.
    let id = dir.path().join("demo/identity");
    let wallet = id.join("mother-wallet.json").display().to_string();
    let run = |args: &[&str]| {
        let out = Command::new(bin())
            .args(["--log", "warn"])
            .args(args)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let nonce = run(&["border", "challenge"]).trim().to_owned();
    let child = id.join("child.txt").display().to_string();
    let adult = id.join("adult.txt").display().to_string();
    run(&[
        "wallet",
        "present",
        "1",
        "--wallet",
        &wallet,
        "--aud",
        "post-mae-sot",
        "--nonce",
        &nonce,
        "--out",
        &child,
    ]);
    run(&[
        "wallet",
        "present",
        "2",
        "--wallet",
        &wallet,
        "--disclose",
        "relationship",
        "--aud",
        "post-mae-sot",
        "--nonce",
        &nonce,
        "--out",
        &adult,
    ]);
    let trust = id.join("trust.json").display().to_string();
    let genesis = dir.path().join("demo/genesis.json").display().to_string();
    let verdict = run(&[
        "border",
        "check",
        "--bundle",
        &trust,
        "--genesis",
        &genesis,
        "--child",
        &child,
        "--adult",
        &adult,
        "--aud",
        "post-mae-sot",
        "--nonce",
        &nonce,
    ]);
    assert!(
        verdict.starts_with("VALID") && verdict.contains("relationship: mother"),
        "{verdict}"
    );
    assert!(stdout.contains("unchain border check --bundle"), "{stdout}");
    // The sealed survivor record's ciphertext is in the sealing organisation's vault.
    let sealed = std::fs::read_dir(dir.path().join("demo/data/vault"))
        .expect("vault directory")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".sealed"))
        })
        .count();
    assert!(sealed >= 1, "no ciphertext in th-dsi's vault");
    // The seeded chain is on disk: genesis with four organisations and a ledger.
    let genesis: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("demo/genesis.json")).expect("genesis"),
    )
    .expect("json");
    let members = genesis["members"].as_array().expect("members");
    assert_eq!(members.len(), 4);
    assert!(
        members.iter().all(|m| m["validator"] == true),
        "{members:?}"
    );
    for data in ["data", "data-ng-naptip", "data-ph-iacat", "data-gb-unseen"] {
        assert!(
            dir.path()
                .join("demo")
                .join(data)
                .join("ledger.redb")
                .exists(),
            "{data}"
        );
    }
}
