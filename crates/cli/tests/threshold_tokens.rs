//! The threshold token key across four real validator processes and a follower:
//!
//! - governance opens a key round and the validators' nodes run it unasked; from then on
//!   the shared matching key is no longer served (410);
//! - `unchain vault seal` gets its tokens evaluated blind by the key holders (announced
//!   on the ledger, carried by the organisation's own node) and the same phone number
//!   written two ways by two organisations still raises a match alert at both;
//! - a holder's node answers only signed requests, only for the current epoch, only up to
//!   what the requester announced on the ledger that day, and names what is wrong;
//! - every announcement is on the ledger for every member to see.

mod common;

use common::*;
use unchain_client::RequestSigner;
use unchain_tokens::{Blinded, input};

const ORGS: [&str; 5] = [
    "th-police:TH",
    "th-ngo:TH",
    "ng-naptip:NG",
    "ph-iacat:PH",
    "ke-dci:KE",
];

fn seal(chain: &Chain, node: &str, org: &str, file: &std::path::Path, identifier: &str) -> Run {
    let file = file.to_str().expect("utf-8");
    vault_as(
        chain,
        node,
        org,
        &[
            "seal",
            file,
            "--schema",
            "case.note",
            "--identifier",
            identifier,
            "--country",
            "TH",
        ],
    )
}

async fn post(
    signer: Option<&RequestSigner>,
    url: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let bytes = serde_json::to_vec(body).expect("json");
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json");
    if let Some(s) = signer {
        for (name, value) in s.headers("POST", url, &bytes) {
            req = req.header(name, value);
        }
    }
    let resp = req.body(bytes).send().await.expect("post");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread")]
async fn validators_make_a_token_key_and_answer_only_what_was_announced() {
    let chain = Chain::init_validators_with_apis(&ORGS, 4);
    let mut nodes = vec![chain.start_validator(None).await];
    for name in ["th-ngo", "ng-naptip", "ph-iacat", "ke-dci"] {
        nodes.push(chain.start_validator(Some(name)).await);
    }
    let base: Vec<String> = nodes.iter().map(|n| n.client().base().to_owned()).collect();
    let police = chain.signer("th-police");
    let ngo = chain.signer("th-ngo");

    // Before any key round: the shared key is served, and there is no threshold key.
    assert_eq!(
        member_get(&police, &format!("{}/v1/vault/matching-key", base[0]))
            .await
            .status(),
        200
    );
    assert_eq!(
        member_get(&police, &format!("{}/v1/vault/token-key", base[0]))
            .await
            .status(),
        404
    );

    // Police seals while the chain still has only the shared key (an HMAC-era token).
    let note = chain.dir.path().join("note.txt");
    std::fs::write(&note, b"FICTIONAL: a recruiter's number").expect("write");
    let police_record = sealed_record(&must(
        seal(
            &chain,
            &base[0],
            "th-police",
            &note,
            "phone:+66 81 234 5678",
        ),
        "police seal",
    ));

    // Governance opens the round with the CLI, which follows it until the nodes finish.
    let opened = must(
        vault_as(
            &chain,
            &base[0],
            "th-police",
            &[
                "token-key",
                "open",
                "--player",
                "th-police",
                "--player",
                "th-ngo",
                "--player",
                "ng-naptip",
                "--player",
                "ph-iacat",
            ],
        ),
        "token-key open",
    );
    assert!(
        opened.stderr.contains("round 0: 4 of 4 dealers dealt"),
        "{}",
        opened.stderr
    );
    let done: serde_json::Value = serde_json::from_str(opened.stdout.trim()).expect("json");
    assert_eq!(done["round"], 0, "{done}");
    let key: serde_json::Value = member_get(&police, &format!("{}/v1/vault/token-key", base[0]))
        .await
        .json()
        .await
        .expect("key");
    assert_eq!(key["epoch"], done["epoch"], "{key}");
    assert_eq!(key["threshold"], 3, "{key}");
    assert_eq!(key["holders"].as_array().map(Vec::len), Some(4), "{key}");
    let epoch = key["epoch"].as_u64().expect("epoch");
    let r = member_get(&police, &format!("{}/v1/vault/matching-key", base[0])).await;
    assert_eq!(r.status(), 410, "the shared key is retired");

    // The NGO seals the same phone number written another way: its token comes from the
    // holders. Police's HMAC-era record does not match it until police re-derives its
    // token (it holds the plaintext), and then both are alerted.
    must(
        seal(&chain, &base[1], "th-ngo", &note, "phone:081-234-5678"),
        "ngo seal",
    );
    let alerts = |who: &RequestSigner, node: &str| {
        let (who, url) = (who.clone(), format!("{node}/v1/vault/alerts"));
        async move {
            member_get(&who, &url)
                .await
                .json::<serde_json::Value>()
                .await
                .unwrap_or_default()
        }
    };
    assert_eq!(
        alerts(&police, &base[0]).await,
        serde_json::json!([]),
        "no match across epochs"
    );
    must(
        vault_as(
            &chain,
            &base[0],
            "th-police",
            &[
                "retoken",
                &police_record,
                "--identifier",
                "phone:+66 81 234 5678",
            ],
        ),
        "police retoken",
    );
    wait_until(
        "the match alert reaches th-police and th-ngo",
        30,
        async || {
            let p = alerts(&police, &base[0]).await;
            let n = alerts(&ngo, &base[1]).await;
            p.as_array()
                .is_some_and(|a| a.iter().any(|x| x["other_member"] == "th-ngo"))
                && n.as_array()
                    .is_some_and(|a| a.iter().any(|x| x["other_member"] == "th-police"))
        },
    )
    .await;

    // Each seal was announced on the ledger: one evaluation each, visible to any member.
    let counts: serde_json::Value =
        member_get(&ngo, &format!("{}/v1/vault/token-evaluations", base[2]))
            .await
            .json()
            .await
            .expect("counts");
    let mine = |who: &str| -> u64 {
        counts
            .as_array()
            .expect("list")
            .iter()
            .filter(|c| c["member"] == who)
            .map(|c| c["count"].as_u64().expect("count"))
            .sum()
    };
    assert_eq!((mine("th-police"), mine("th-ngo")), (1, 1), "{counts}");

    let status = must(
        vault_as(&chain, &base[0], "th-police", &["token-key", "status"]),
        "token-key status",
    );
    assert!(
        status
            .stdout
            .contains("threshold token key, 3 of 4 holders answer"),
        "{}",
        status.stdout
    );
    assert!(status.stdout.contains("th-ngo"), "{}", status.stdout);

    // A holder's node, attacked directly.
    let request = Blinded::new(&input("phone", "+66899999999"), &mut rand::rngs::OsRng).request();
    let url = format!("{}/v1/vault/token-evaluations", base[2]);
    let body = serde_json::json!({"epoch": epoch, "requests": [request.to_hex()]});
    let (status, p) = post(None, &url, &body).await;
    assert_eq!(status, 401, "unsigned: {p}");
    // th-police announced one batch today (its seal's); this point is in no batch it
    // announced, so no holder answers it.
    let (status, p) = post(Some(&police), &url, &body).await;
    assert_eq!(status, 429, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or("")
            .contains("announced no batch"),
        "{p}"
    );
    assert_eq!(p["code"], "limit-reached", "{p}");
    // ke-dci announces this batch on the ledger: each holder answers it once, and only
    // with exactly the announced points.
    let dci = chain.signer("ke-dci");
    let digest = unchain_vault::token_key::batch_digest(&[request]);
    let announce = nodes[4]
        .client()
        .build(
            &chain.key("ke-dci"),
            "vault.token_evaluations",
            serde_json::json!({"epoch": epoch, "count": 1, "batch": digest.to_hex()}),
        )
        .await
        .expect("build");
    nodes[4].client().submit(&announce).await.expect("submit");
    nodes[4]
        .client()
        .wait_for(&announce.id(), std::time::Duration::from_secs(30))
        .await
        .expect("committed");
    let (status, p) = post(Some(&dci), &url, &body).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["partials"].as_array().map(Vec::len), Some(1), "{p}");
    let (status, p) = post(Some(&dci), &url, &body).await;
    assert_eq!(status, 409, "a batch is answered once: {p}");
    let (status, p) = post(
        Some(&dci),
        &format!("{}/v1/vault/token-evaluations", base[3]),
        &body,
    )
    .await;
    assert_eq!(status, 200, "another holder answers it once too: {p}");
    let other = Blinded::new(&input("phone", "+66899999998"), &mut rand::rngs::OsRng).request();
    let (status, p) = post(
        Some(&dci),
        &format!("{}/v1/vault/token-evaluations", base[1]),
        &serde_json::json!({"epoch": epoch, "requests": [other.to_hex()]}),
    )
    .await;
    assert_eq!(status, 429, "points other than the announced ones: {p}");
    // Bad input is named; another epoch is refused; a non-holder says who holds the key.
    let (status, p) = post(
        Some(&police),
        &url,
        &serde_json::json!({"epoch": epoch, "requests": ["c0".to_owned() + &"00".repeat(47)]}),
    )
    .await;
    assert_eq!(
        (status, p["field"].as_str()),
        (400, Some("requests[0]")),
        "{p}"
    );
    let (status, p) = post(
        Some(&police),
        &url,
        &serde_json::json!({"epoch": epoch + 1, "requests": [request.to_hex()]}),
    )
    .await;
    assert_eq!(status, 409, "{p}");
    let (status, p) = post(
        Some(&police),
        &format!("{}/v1/vault/token-evaluations", base[4]),
        &body,
    )
    .await;
    assert_eq!(status, 404, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or("")
            .contains("holds no share"),
        "{p}"
    );

    // The relay is for the node's own organisation only.
    let (status, p) = post(
        Some(&ngo),
        &format!("{}/v1/vault/tokens", base[0]),
        &serde_json::json!({"requests": [request.to_hex()]}),
    )
    .await;
    assert_eq!(status, 403, "{p}");

    // Nothing secret in any node's log or data directory: no phone number in clear.
    let logs = log_tails(&chain, "", 1_000_000);
    assert!(
        logs.contains("token evaluations answered"),
        "the holders log who asked"
    );
    assert!(
        !logs.contains("812345678"),
        "a node log names the phone number"
    );
    for file in files(chain.dir.path()) {
        if file.starts_with(chain.dir.path().join("keys")) || file == note {
            continue;
        }
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !bytes.windows(9).any(|w| w == b"812345678"),
            "{} holds the phone number",
            file.display()
        );
    }
}
