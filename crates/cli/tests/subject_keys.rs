//! A survivor's records cannot be linked by their subject key: the wallet gives each record
//! its own key, consents are signed with that record's key, and the survivor can still
//! prove to one verifier, for its challenge, that they are the subject of several records.

mod common;

use common::*;

const ORGS: [&str; 2] = ["th-police:TH", "th-ngo:TH"];

#[tokio::test(flavor = "multi_thread")]
async fn two_records_about_one_survivor_share_no_key_and_the_survivor_proves_both() {
    let chain = Chain::init_validators(&ORGS, 1);
    let nodes = [
        chain.start_validator(None).await,
        chain.start_validator(Some("th-ngo")).await,
    ];
    let url: Vec<String> = nodes.iter().map(|n| n.client().base().to_owned()).collect();
    let desk = tempfile::tempdir().expect("desk");
    let wallet = desk.path().join("wallet.json");
    let w = wallet.to_str().expect("utf-8");
    must(unchain(&["wallet", "init", "--wallet", w]), "wallet init");
    let key_of = |r: Run| -> (String, String) {
        let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).expect("json");
        (
            v["label"].as_str().expect("label").into(),
            v["key"].as_str().expect("key").into(),
        )
    };
    let (label1, key1) = key_of(must(
        unchain(&["wallet", "subject-key", "--wallet", w]),
        "subject key 1",
    ));
    let (label2, key2) = key_of(must(
        unchain(&["wallet", "subject-key", "--wallet", w]),
        "subject key 2",
    ));
    assert_eq!(
        (label1.as_str(), label2.as_str()),
        ("subject-1", "subject-2")
    );
    assert_ne!(key1, key2, "each record gets its own key");

    let note = desk.path().join("statement.txt");
    std::fs::write(&note, "FICTIONAL: statement taken at the shelter").expect("write");
    let n = note.to_str().expect("utf-8");
    let seal = |node: &str, org: &str, key: &str| {
        sealed_record(&must(
            vault_as(
                &chain,
                node,
                org,
                &[
                    "seal",
                    n,
                    "--schema",
                    "htcds.person",
                    "--subject",
                    key,
                    "--consent-required",
                ],
            ),
            "seal",
        ))
    };
    let a = seal(&url[0], "th-police", &key1);
    let b = seal(&url[1], "th-ngo", &key2);

    // On the ledger the two records name different subjects, and neither is the wallet's
    // own key.
    let view = |node: &str, org: &str, id: &str| -> serde_json::Value {
        serde_json::from_str(&must(vault_as(&chain, node, org, &["show", id]), "show").stdout)
            .expect("json")
    };
    let (va, vb) = (view(&url[0], "th-police", &a), view(&url[1], "th-ngo", &b));
    assert_eq!(va["record"]["subject"], key1.as_str());
    assert_eq!(vb["record"]["subject"], key2.as_str());
    let shown = must(unchain(&["wallet", "show", "--wallet", w]), "wallet show").stdout;
    assert!(
        shown.contains("subject-1") && shown.contains("subject-2"),
        "{shown}"
    );

    // Consent for record A is signed with A's key, and the grant goes through.
    let sig = must(
        unchain(&[
            "wallet",
            "consent",
            "--wallet",
            w,
            "--key",
            &label1,
            "--chain",
            &chain.chain_id,
            "--record",
            &a,
            "--recipient",
            "th-ngo",
            "--purpose",
            "victim support",
        ]),
        "wallet consent",
    )
    .stdout
    .trim()
    .to_owned();
    must(
        vault_as(
            &chain,
            &url[0],
            "th-police",
            &[
                "consent",
                &a,
                "--recipient",
                "th-ngo",
                "--purpose",
                "victim support",
                "--signature",
                &sig,
            ],
        ),
        "consent",
    );
    must(
        vault_as(
            &chain,
            &url[0],
            "th-police",
            &[
                "grant",
                &a,
                "--to",
                "th-ngo",
                "--purpose",
                "victim support",
                "--legal-basis",
                "consent",
            ],
        ),
        "grant",
    );

    // The survivor proves both records to the police, for the police's challenge.
    let prove = |challenge: &str, keys: [&str; 2]| {
        must(
            unchain(&[
                "wallet",
                "prove-subject",
                "--wallet",
                w,
                "--chain",
                &chain.chain_id,
                "--challenge",
                challenge,
                "--record",
                &a,
                "--key",
                keys[0],
                "--record",
                &b,
                "--key",
                keys[1],
            ]),
            "prove",
        )
        .stdout
    };
    let proof = desk.path().join("proof.json");
    std::fs::write(&proof, prove("c-7f3a", [&label1, &label2])).expect("write");
    let p = proof.to_str().expect("utf-8");
    let checked = must(
        vault_as(
            &chain,
            &url[0],
            "th-police",
            &["check-subject", p, "--challenge", "c-7f3a"],
        ),
        "check",
    );
    assert_eq!(
        checked.stdout.matches("proved").count(),
        2,
        "{}",
        checked.stdout
    );

    // Another challenge, or the keys swapped between the records, does not pass.
    let r = vault_as(
        &chain,
        &url[0],
        "th-police",
        &["check-subject", p, "--challenge", "c-other"],
    );
    assert!(
        !r.ok && r.stderr.contains("answers another challenge"),
        "{}",
        r.stderr
    );
    std::fs::write(&proof, prove("c-7f3a", [&label2, &label1])).expect("write");
    let r = vault_as(
        &chain,
        &url[0],
        "th-police",
        &["check-subject", p, "--challenge", "c-7f3a"],
    );
    assert!(!r.ok, "swapped keys must fail: {}", r.stdout);
    assert_eq!(
        r.stdout
            .matches("the ledger names another subject key")
            .count(),
        2,
        "{}",
        r.stdout
    );
    // A proof signed by someone else's key for the right subject fails on the signature.
    let mut forged: serde_json::Value =
        serde_json::from_str(&prove("c-7f3a", [&label1, &label2])).expect("json");
    forged["records"][0]["signature"] = forged["records"][1]["signature"].clone();
    std::fs::write(&proof, forged.to_string()).expect("write");
    let r = vault_as(
        &chain,
        &url[0],
        "th-police",
        &["check-subject", p, "--challenge", "c-7f3a"],
    );
    assert!(
        !r.ok && r.stdout.contains("the signature does not verify"),
        "{}",
        r.stdout
    );
}
