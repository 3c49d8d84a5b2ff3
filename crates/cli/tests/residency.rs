//! Data residency across real node processes: Thailand's sharing policy (the example
//! template) is published through `unchain vault policy`, and a Thai record's ciphertext
//! never reaches a node in a jurisdiction the policy excludes — refused at the grant
//! (naming the policy and the rule) when the recipient is outside, and refused by the
//! vault sync on both ends when the policy is tightened after a grant. Every file under
//! every node's data directory is scanned for the ciphertext, by name and by content.
//!
//! Positive controls keep the test honest: a Thai NGO's node does receive a record granted
//! to it, and the Malaysian node does receive a record from a jurisdiction without a
//! policy, so its sync is running when it is shown not to hold the Thai one.

mod common;

use common::*;
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

const ORGS: [&str; 4] = [
    "th-police:TH:law_enforcement",
    "th-ngo:TH:ngo",
    "gb-nca:GB:law_enforcement",
    "my-polis:MY:law_enforcement",
];

fn vault(chain: &Chain, node: &str, org: &str, args: &[&str]) -> Run {
    let key = chain.dir.path().join("keys").join(format!("{org}.json"));
    Run::of(
        Command::new(bin())
            .args(["--log", "warn", "vault"])
            .env("UNCHAIN_ACTOR", "u-case-worker")
            .args(args)
            .arg("--key")
            .arg(key)
            .args(["--node", node]),
    )
}

fn template() -> PathBuf {
    repo_root().join("templates/sharing/example-th.json")
}

/// The commitment of `record`'s latest version, as the ledger records it.
fn commitment(chain: &Chain, node: &str, org: &str, record: &str) -> String {
    let shown = must(vault(chain, node, org, &["show", record]), "vault show");
    let v: serde_json::Value = serde_json::from_str(&shown.stdout).expect("JSON");
    v["versions"][0]["commitment"]
        .as_str()
        .expect("commitment")
        .to_owned()
}

/// Files under `dir` that hold the ciphertext `commitment`: named after it, or whose
/// content hashes to it.
fn holding(dir: &Path, commitment: &str) -> Vec<String> {
    files(dir)
        .into_iter()
        .filter(|p| {
            let named = p.to_string_lossy().contains(commitment);
            let bytes = std::fs::read(p).unwrap_or_default();
            named || hex::encode(Sha256::digest(&bytes)) == commitment
        })
        .map(|p| p.display().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_from_a_jurisdiction_that_forbids_transfer_never_reaches_a_node_elsewhere() {
    let chain = Chain::init_validators(&ORGS, 1);
    let mut nodes = vec![chain.start_validator(None).await];
    for name in ["th-ngo", "gb-nca"] {
        nodes.push(chain.start_validator(Some(name)).await);
    }
    let url: Vec<String> = nodes.iter().map(|n| n.client().base().to_owned()).collect();
    let (police, nca) = (&url[0], &url[2]);
    let desk = tempfile::tempdir().expect("desk");

    // The policy is checked on the desk, then published by Thailand's governance member.
    let checked = must(
        unchain(&[
            "vault",
            "policy",
            "check",
            template().to_str().expect("utf-8"),
        ]),
        "policy check",
    );
    assert!(
        checked.stdout.contains("4 rules compile"),
        "{}",
        checked.stdout
    );
    let mut typo: serde_json::Value =
        serde_json::from_slice(&std::fs::read(template()).expect("read")).expect("JSON");
    typo["rules"][0]["cel"] = serde_json::json!("record.subject_minr");
    let typo_file = desk.path().join("typo.json");
    std::fs::write(&typo_file, typo.to_string()).expect("write");
    let refused = unchain(&[
        "vault",
        "policy",
        "check",
        typo_file.to_str().expect("utf-8"),
    ]);
    assert!(
        !refused.ok
            && refused.stderr.contains("rules[0].cel")
            && refused.stderr.contains("subject_minr"),
        "{}",
        refused.stderr
    );
    let t = template();
    must(
        vault(
            &chain,
            police,
            "th-police",
            &["policy", "publish", t.to_str().expect("utf-8")],
        ),
        "publish",
    );

    // A record about an adult, sealed by the Thai police.
    let person = desk.path().join("person.json");
    std::fs::write(&person, r#"{"note":"FICTIONAL","name":"Somchai Jaidee"}"#).expect("write");
    let person = person.to_str().expect("utf-8");
    let sealed = must(
        vault(
            &chain,
            police,
            "th-police",
            &["seal", person, "--schema", "htcds.person"],
        ),
        "seal",
    );
    let record = sealed_record(&sealed);
    let c = commitment(&chain, police, "th-police", &record);

    // To the United Kingdom: refused by the ledger, naming the policy and the rule.
    let grant = |to: &str, basis: &str| {
        [
            "grant",
            record.as_str(),
            "--to",
            to,
            "--purpose",
            "joint investigation",
            "--legal-basis",
            basis,
        ]
        .map(str::to_owned)
    };
    let args = grant("gb-nca", "public_task");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let refused = vault(&chain, police, "th-police", &args);
    assert!(
        !refused.ok
            && refused
                .stderr
                .contains("the sharing policy of TH (version 1) refuses it")
            && refused.stderr.contains("rule `residency`")
            && refused.stderr.contains("gb-nca is in GB"),
        "{}",
        refused.stderr
    );
    // To Malaysia on consent alone: refused by another rule.
    let args = grant("my-polis", "consent");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let refused = vault(&chain, police, "th-police", &args);
    assert!(
        !refused.ok && refused.stderr.contains("rule `legal-basis-abroad`"),
        "{}",
        refused.stderr
    );
    // To Malaysia as a public task, and to the Thai NGO: both granted.
    for (to, basis) in [("my-polis", "public_task"), ("th-ngo", "legal_obligation")] {
        let args = grant(to, basis);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        must(vault(&chain, police, "th-police", &args), "grant");
    }
    // Control: the Thai NGO's node receives the ciphertext.
    let data = |name: &str| chain.dir.path().join(format!("data-{name}"));
    wait_until("th-ngo's node holds the record", 60, async || {
        !holding(&data("th-ngo"), &c).is_empty()
    })
    .await;

    // Thailand tightens its policy before the Malaysian node has fetched anything: records
    // stay in Thailand.
    let mut tighter: serde_json::Value =
        serde_json::from_slice(&std::fs::read(template()).expect("read")).expect("JSON");
    tighter["residency"] = serde_json::json!(["TH"]);
    let tighter_file = desk.path().join("tighter.json");
    std::fs::write(&tighter_file, tighter.to_string()).expect("write");
    must(
        vault(
            &chain,
            police,
            "th-police",
            &["policy", "publish", tighter_file.to_str().expect("utf-8")],
        ),
        "publish version 2",
    );
    let shown = must(
        vault(&chain, police, "th-police", &["policy", "show", "TH"]),
        "policy show",
    );
    assert!(
        shown.stdout.contains("TH version 2") && shown.stdout.contains("held only in TH"),
        "{}",
        shown.stdout
    );

    // The Malaysian node starts and catches up. A record from the United Kingdom, which has
    // no policy, does reach it: its sync runs.
    nodes.push(chain.start_validator(Some("my-polis")).await);
    let polis = nodes[3].client().base().to_owned();
    let note = desk.path().join("note.txt");
    std::fs::write(&note, "FICTIONAL: a note shared with Malaysia").expect("write");
    let uk = must(
        vault(
            &chain,
            nca,
            "gb-nca",
            &[
                "seal",
                note.to_str().expect("utf-8"),
                "--schema",
                "case.note",
                "--to",
                "my-polis",
            ],
        ),
        "gb seal",
    );
    let uk_c = commitment(&chain, nca, "gb-nca", &sealed_record(&uk));
    wait_until("my-polis's node holds the UK record", 90, async || {
        !holding(&data("my-polis"), &uk_c).is_empty()
    })
    .await;
    // Its grant stands on the ledger, but the ciphertext never came: the Thai nodes would
    // not send it, and the Malaysian node would not store it.
    let opened = vault(&chain, &polis, "my-polis", &["open", &record]);
    assert!(!opened.ok, "my-polis opened a record it may not hold");

    // No file of any node outside Thailand holds the Thai ciphertext.
    for name in ["gb-nca", "my-polis"] {
        assert!(
            holding(&data(name), &c).is_empty(),
            "{name}'s node holds the Thai record: {:?}",
            holding(&data(name), &c)
        );
    }
    drop(nodes);
}
