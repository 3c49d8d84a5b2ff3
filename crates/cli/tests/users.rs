//! Agency users on a real node: accounts made with `unchain user`, a custodian acting
//! through `/v1/act` with its API token (the node signs, the transaction names the user's
//! pseudonymous id, never its login), roles enforced on every path and kind, password
//! login, and rotation and disabling taking effect at once.

mod common;

use common::*;
use serde_json::{Value, json};

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("get");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
    async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (u16, Value) {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.expect("post");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn users_act_under_pseudonymous_ids_within_their_roles() {
    let chain = Chain::init(&["th-police:TH"]);
    let node = chain.start().await;
    let api = Api {
        http: reqwest::Client::new(),
        base: node.client().base().to_owned(),
    };

    let alice = user_cmd(&chain, &["add", "alice.k", "--role", "custodian"]);
    let (alice_id, alice_token, alice_pw) = (
        field(&alice, "id"),
        field(&alice, "token"),
        field(&alice, "password"),
    );
    let bob = user_cmd(&chain, &["add", "bob", "--role", "analyst"]);
    let bob_token = field(&bob, "token");
    assert!(user_cmd(&chain, &["list"]).contains("alice.k"));

    // The custodian collects an item through the node; the transaction names her id only.
    let item = "ab".repeat(32);
    let collect = json!({"kind": "custody.collect", "body": {
        "item": item, "at_ms": 1_700_000_000_000u64, "location": "Evidence room 2", "reason": "seized",
        "evidence": "digital", "content_hash": "cd".repeat(32), "description": "USB stick"}});
    let (status, _) = api.post(Some(&bob_token), "/v1/act", collect.clone()).await;
    assert_eq!(status, 403, "an analyst may not record custody events");
    let (status, answer) = api
        .post(Some(&alice_token), "/v1/act", collect.clone())
        .await;
    assert_eq!(status, 202, "{answer}");
    let id = answer["id"].as_str().expect("id").to_owned();
    let tx = node
        .client()
        .wait_for(
            &unchain_types::TxId::from_hex(&id).expect("id"),
            std::time::Duration::from_secs(30),
        )
        .await
        .expect("status");
    assert_eq!(tx.status, "committed", "{:?}", tx.reason);
    let (status, view) = api
        .get(&alice_token, &format!("/v1/custody/items/{item}"))
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["events"][0]["event"]["actor"], alice_id.as_str());
    assert_eq!(view["events"][0]["member"], "th-police");
    let txid = unchain_types::TxId::from_hex(&id).expect("id");
    let on_chain = node.client().proof(&txid).await.expect("proof").leaf;
    assert!(
        on_chain.contains(&alice_id) && !on_chain.contains("alice.k"),
        "the login name reached the chain"
    );

    // Acting as someone else, or a kind users do not submit, is refused.
    let mut forged = collect.clone();
    forged["body"]["actor"] = json!("u-0000000000");
    assert_eq!(api.post(Some(&alice_token), "/v1/act", forged).await.0, 403);
    let (status, p) = api
        .post(
            Some(&alice_token),
            "/v1/act",
            json!({"kind": "membership.propose", "body": {}}),
        )
        .await;
    assert_eq!(status, 403, "{p}");

    // Roles on read paths: a custodian reads custody but not sealed content or alerts.
    assert_eq!(api.get(&alice_token, "/v1/custody/waiting").await.0, 200);
    let (status, p) = api.get(&alice_token, "/v1/vault/alerts").await;
    assert_eq!(status, 403);
    assert!(
        p["detail"]
            .as_str()
            .expect("detail")
            .contains("needs one of"),
        "{p}"
    );
    assert_eq!(api.get(&bob_token, "/v1/vault/alerts").await.0, 200);

    // Password login gives a session token that works like the API token.
    let (status, _) = api
        .post(
            None,
            "/v1/login",
            json!({"user": "alice.k", "password": "not her password"}),
        )
        .await;
    assert_eq!(status, 401);
    let (status, session) = api
        .post(
            None,
            "/v1/login",
            json!({"user": "alice.k", "password": alice_pw}),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    let session_token = session["token"].as_str().expect("token").to_owned();
    let (status, me) = api.get(&session_token, "/v1/me").await;
    assert_eq!((status, me["id"].as_str()), (200, Some(alice_id.as_str())));

    // Rotation retires the old token at once; disabling ends every way in.
    let fresh = field(&user_cmd(&chain, &["rotate-token", "alice.k"]), "token");
    assert_eq!(api.get(&alice_token, "/v1/me").await.0, 401);
    assert_eq!(api.get(&fresh, "/v1/me").await.0, 200);
    user_cmd(&chain, &["disable", "alice.k"]);
    assert_eq!(api.get(&fresh, "/v1/me").await.0, 401);
    assert_eq!(api.get(&session_token, "/v1/me").await.0, 401);
    let (status, _) = api
        .post(
            None,
            "/v1/login",
            json!({"user": "alice.k", "password": alice_pw}),
        )
        .await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_sign_in_throttle_for_the_console_and_the_api() {
    let chain = Chain::init(&["th-police:TH"]);
    let node = chain.start().await;
    let base = node.client().base().to_owned();
    let api = Api {
        http: reqwest::Client::new(),
        base: base.clone(),
    };
    let api_login = |user: &'static str, password: String| {
        let api = &api;
        async move {
            api.post(
                None,
                "/v1/login",
                json!({"user": user, "password": password}),
            )
            .await
        }
    };
    let carol_pw = field(
        &user_cmd(&chain, &["add", "carol", "--role", "investigator"]),
        "password",
    );
    let dave_pw = field(
        &user_cmd(&chain, &["add", "dave", "--role", "analyst"]),
        "password",
    );

    // Five wrong passwords through the API lock the name on the API and on the console.
    for i in 0..5 {
        let (status, p) = api_login("carol", format!("guess number {i}")).await;
        assert_eq!(status, 401, "guess {i}: {p}");
    }
    let (status, p) = api_login("carol", carol_pw.clone()).await;
    assert_eq!(
        status, 429,
        "the API issued a session to a locked name: {p}"
    );
    assert_eq!(
        p["type"].as_str().map(|t| t.ends_with("sign-in-locked")),
        Some(true),
        "{p}"
    );
    assert!(p.get("token").is_none());
    let r = console_sign_in(&base, "carol", &carol_pw).await;
    assert_eq!(
        r.status(),
        429,
        "the console let a name locked on the API in"
    );
    assert!(set_cookie(&r, "unchain_console").is_none());

    // Failures add up across the two ways in, whatever the case of the name.
    for i in 0..3 {
        let r = console_sign_in(&base, "Dave", &format!("console guess {i}")).await;
        assert_eq!(r.status(), 401, "console guess {i}");
    }
    for i in 0..2 {
        let (status, _) = api_login("dave", format!("api guess {i}")).await;
        assert_eq!(status, 401, "api guess {i}");
    }
    let (status, _) = api_login("dave", dave_pw.clone()).await;
    assert_eq!(status, 429);
    assert_eq!(console_sign_in(&base, "dave", &dave_pw).await.status(), 429);

    // Another name is not affected.
    let erin_pw = field(
        &user_cmd(&chain, &["add", "erin", "--role", "analyst"]),
        "password",
    );
    let (status, session) = api_login("erin", erin_pw).await;
    assert_eq!(status, 200, "{session}");
}

/// Many users of one organisation acting at once through the node, some of their actions
/// refused at execution (an item collected twice): every good action commits, every
/// refusal is for what was done, and none is a nonce clash left by another's refusal.
#[tokio::test(flavor = "multi_thread")]
async fn many_users_acting_at_once_are_not_stalled_by_refusals() {
    let chain = Chain::init(&["th-police:TH"]);
    let node = chain.start().await;
    let base = node.client().base().to_owned();
    let mut tokens = Vec::new();
    for i in 0..6 {
        let out = user_cmd(
            &chain,
            &["add", &format!("clerk{i}"), "--role", "custodian"],
        );
        tokens.push(field(&out, "token"));
    }
    let collect = |item: String| {
        json!({"kind": "custody.collect", "body": {
            "item": item, "at_ms": 1_700_000_000_000u64, "location": "Evidence room 2",
            "reason": "seized", "evidence": "digital", "content_hash": "cd".repeat(32),
            "description": "USB stick"}})
    };
    let mut tasks = Vec::new();
    for (u, token) in tokens.iter().enumerate() {
        let (api, token) = (
            Api {
                http: reqwest::Client::new(),
                base: base.clone(),
            },
            token.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut sent = Vec::new();
            for k in 0..5 {
                // The third action collects the user's first item again: refused when run.
                let item = format!("{:02x}", u * 16 + if k == 2 { 0 } else { k }).repeat(32);
                let (status, answer) = api.post(Some(&token), "/v1/act", collect(item)).await;
                assert_eq!(status, 202, "user {u} action {k}: {answer}");
                sent.push((k, answer["id"].as_str().expect("id").to_owned()));
            }
            sent
        }));
    }
    let mut refused = 0;
    for t in tasks {
        for (k, id) in t.await.expect("user") {
            let s = node
                .client()
                .wait_for(
                    &unchain_types::TxId::from_hex(&id).expect("id"),
                    std::time::Duration::from_secs(60),
                )
                .await
                .expect("status");
            if k == 2 {
                assert_eq!(s.status, "rejected", "{s:?}");
                let reason = s.reason.unwrap_or_default();
                assert!(!reason.contains("nonce"), "a nonce clash: {reason}");
                refused += 1;
            } else {
                assert_eq!(s.status, "committed", "action {k}: {:?}", s.reason);
            }
        }
    }
    assert_eq!(refused, 6);
}
