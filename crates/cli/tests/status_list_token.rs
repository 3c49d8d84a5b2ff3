//! A credential's revocation checked from outside: the issuer's tooling signs its status
//! list as a Status List Token, the node serves it at the URL the credential names, and a
//! verifier with no Unchain code (`tests/python/status_list_token.py`, `jwcrypto`) reads
//! VALID, then INVALID after a revocation. A token that no longer holds the ledger's list is
//! not served; one with a wrong key, subject or list, or from another member, is refused.

mod common;

use common::*;
use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;
use unchain_credentials::status::StatusList;
use unchain_credentials::status_token::{TokenClaims, sign_token};
use unchain_types::SigningKey;

const ORGS: [&str; 2] = ["th-registry:TH", "th-border:TH"];

/// The verifier's verdict on the credential at `path`: (exit code, its JSON line).
fn outside_verifier(path: &str) -> (i32, Value) {
    let out = Command::new(python())
        .arg(repo_root().join("tests/python/status_list_token.py"))
        .arg(path)
        .output()
        .expect("run python");
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    let v = serde_json::from_str(line.trim()).unwrap_or_else(|_| {
        panic!(
            "verifier printed {line:?}; stderr {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outside_verifier_reads_revocation_from_the_issuers_signed_status_list() {
    let chain = Chain::init(&ORGS);
    let node = chain.start().await;
    let base = node.client().base().to_owned();
    let dir = tempfile::tempdir().expect("dir");
    let path = |n: &str| dir.path().join(n).display().to_string();
    let key_of = |org: &str| {
        chain
            .dir
            .path()
            .join("keys")
            .join(format!("{org}.json"))
            .display()
            .to_string()
    };
    let as_org = |org: &str, args: &[&str]| {
        let key = key_of(org);
        let mut all = args.to_vec();
        all.extend(["--key", &key, "--node", &base]);
        unchain(&all)
    };

    // A DID whose credentials name their list at this node's origin. An origin an
    // outsider could not trust is refused at creation.
    let issuer_key = path("issuer.json");
    let refused = as_org(
        "th-registry",
        &[
            "identity",
            "did-create",
            "--label",
            "TH registry",
            "--issuer-key",
            &issuer_key,
            "--status-origin",
            "http://registry.example",
        ],
    );
    assert!(
        !refused.ok && refused.stderr.contains("--status-origin"),
        "{}",
        refused.stderr
    );
    let did = must(
        as_org(
            "th-registry",
            &[
                "identity",
                "did-create",
                "--label",
                "TH registry",
                "--issuer-key",
                &issuer_key,
                "--status-origin",
                &base,
            ],
        ),
        "did-create",
    )
    .stdout
    .trim()
    .to_owned();
    let wallet = path("wallet.json");
    let holder = must(unchain(&["wallet", "init", "--wallet", &wallet]), "wallet")
        .stdout
        .trim()
        .to_owned();
    let cred = path("recognised.sd-jwt");
    let idx = must(
        as_org(
            "th-registry",
            &[
                "identity",
                "issue-survivor",
                "--issuer-key",
                &issuer_key,
                "--holder",
                &holder,
                "--kind",
                "recognised",
                "--services",
                "shelter",
                "--out",
                &cred,
            ],
        ),
        "issue-survivor",
    )
    .stdout
    .trim()
    .to_owned();
    let url = format!("{base}/v1/identity/status/{did}");
    let text = std::fs::read_to_string(&cred).expect("credential");
    assert!(text.contains('~'), "an SD-JWT: {text:.60}");

    // Before the issuer signs, there is no token: the verifier says it cannot tell.
    let (code, v) = outside_verifier(&cred);
    assert_eq!((code, v["status"].as_str()), (3, Some("UNKNOWN")), "{v}");

    let served = must(
        as_org(
            "th-registry",
            &["identity", "publish-status", "--issuer-key", &issuer_key],
        ),
        "publish-status",
    )
    .stdout
    .trim()
    .to_owned();
    assert_eq!(served, url);
    let (code, v) = outside_verifier(&cred);
    assert_eq!((code, v["status"].as_str()), (0, Some("VALID")), "{v}");
    assert_eq!(v["sub"], url.as_str(), "{v}");
    assert_eq!(v["idx"].to_string(), idx, "{v}");

    // The JSON list is still there for whoever asks for it.
    let http = reqwest::Client::new();
    let json_list: Value = http
        .get(&url)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(json_list["issuer"], did.as_str());

    // Revoked: `set-status` signs the changed list at once, and the verifier sees it.
    must(
        as_org(
            "th-registry",
            &[
                "identity",
                "set-status",
                "--issuer-key",
                &issuer_key,
                "--idx",
                &idx,
                "--status",
                "revoked",
                "--reason",
                "issued in error",
            ],
        ),
        "set-status",
    );
    let (code, v) = outside_verifier(&cred);
    assert_eq!((code, v["status"].as_str()), (0, Some("INVALID")), "{v}");

    // What the node refuses to store, naming the field.
    let issuer: Value =
        serde_json::from_slice(&std::fs::read(&issuer_key).expect("issuer file")).expect("json");
    let issuer_signing = SigningKey::from_hex(issuer["seed"].as_str().expect("seed")).expect("key");
    let kid = format!("{did}#{}", issuer["key_id"].as_str().expect("key id"));
    let current: Value = json_list["status_list"].clone();
    let mut revoked =
        StatusList::decode(&serde_json::from_value(current).expect("list")).expect("decodes");
    revoked.set(idx.parse().expect("idx"), 1);
    let claims = |list: &StatusList, sub: &str| TokenClaims {
        sub: sub.into(),
        iat: now(),
        exp: now() + 3600,
        ttl: 60,
        status_list: list.encode(),
    };
    // (status, problem) of a signed PUT of `token` by `signer`.
    let put = |signer: &str, token: String| {
        let signer = chain.signer(signer);
        let http = http.clone();
        let at = format!("{url}/token");
        async move {
            let mut req = http.put(&at).body(token.clone());
            for (k, v) in signer.headers("PUT", &at, token.as_bytes()) {
                req = req.header(k, v);
            }
            let r = req.send().await.expect("put");
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or_default(),
            )
        }
    };
    let stranger = SigningKey::from_seed([5; 32]);
    for (what, signer, token, expect) in [
        (
            "the list before the revocation",
            "th-registry",
            sign_token(&claims(&StatusList::new(), &url), &kid, &issuer_signing),
            "status_list",
        ),
        (
            "another key",
            "th-registry",
            sign_token(&claims(&revoked, &url), &kid, &stranger),
            "token",
        ),
        (
            "another key id",
            "th-registry",
            sign_token(
                &claims(&revoked, &url),
                &format!("{did}#key-9"),
                &issuer_signing,
            ),
            "kid",
        ),
        (
            "another DID's list",
            "th-registry",
            sign_token(
                &claims(
                    &revoked,
                    &format!("{base}/v1/identity/status/did:unchain:00"),
                ),
                &kid,
                &issuer_signing,
            ),
            "sub",
        ),
        (
            "not a JWT",
            "th-registry",
            "eyJhbGciOiJub25lIn0.e30.".to_owned(),
            "token",
        ),
    ] {
        let (status, problem) = put(signer, token).await;
        assert_eq!(
            (status, problem["field"].as_str()),
            (400, Some(expect)),
            "{what}: {problem}"
        );
    }
    let (status, problem) = put(
        "th-border",
        sign_token(&claims(&revoked, &url), &kid, &issuer_signing),
    )
    .await;
    assert_eq!(status, 403, "another member: {problem}");
    // The current list, signed now, is stored.
    let (status, problem) = put(
        "th-registry",
        sign_token(&claims(&revoked, &url), &kid, &issuer_signing),
    )
    .await;
    assert_eq!(status, 201, "{problem}");

    // A status changed without a fresh token: the stale one is not served (the verifier
    // fails closed rather than reading an old VALID).
    let cred2 = path("second.sd-jwt");
    let idx2 = must(
        as_org(
            "th-registry",
            &[
                "identity",
                "issue-survivor",
                "--issuer-key",
                &issuer_key,
                "--holder",
                &holder,
                "--kind",
                "recognised",
                "--services",
                "legal_aid",
                "--out",
                &cred2,
            ],
        ),
        "issue-survivor 2",
    )
    .stdout
    .trim()
    .parse::<u32>()
    .expect("idx");
    let registry = chain.key("th-registry");
    let s = node
        .client()
        .submit_and_wait(
            &registry,
            "identity.status",
            json!({"issuer": did, "idx": idx2, "status": "suspended", "reason": "check", "at_ms": now() * 1000}),
            Duration::from_secs(30),
            &|_| {},
        )
        .await
        .expect("status change");
    assert_eq!(s.status, "committed", "{s:?}");
    let stale = http
        .get(&url)
        .header("accept", "application/statuslist+jwt")
        .send()
        .await
        .expect("get");
    assert_eq!(stale.status(), 404);
    let (code, v) = outside_verifier(&cred);
    assert_eq!((code, v["status"].as_str()), (3, Some("UNKNOWN")), "{v}");
}
