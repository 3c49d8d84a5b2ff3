//! The vault across real node processes (one validator, three followers), driven through
//! the `unchain vault` CLI and attacked through the API:
//!
//! - the same phone number written two ways by two organisations raises a match alert at
//!   both;
//! - a grant without the survivor's consent is refused; with it, the recipient's node
//!   receives the ciphertext over p2p and the recipient opens it;
//! - an organisation without a grant cannot get the ciphertext through its own node, the
//!   owner's node, a forged member name or an unsigned request, and its node never holds it;
//! - a court override is flagged and noticed to the survivor's key;
//! - no file under any node's data directory, nor any node log, holds the plaintext name or
//!   phone number; after erasure none holds the ciphertext either, and the seal's
//!   inclusion proof still verifies.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use unchain_client::{ClientError, RequestSigner};
use unchain_types::KeyFile;

const ORGS: [&str; 4] = ["th-police:TH", "th-ngo:TH", "ng-naptip:NG", "gb-other:GB"];
const NAME: &str = "Somchai Jaidee";
const PHONE: &str = "+66 81 234 5678";

fn unchain(chain: &Chain, node: &str, org: &str, args: &[&str]) -> Run {
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

fn tx_id(r: &Run) -> String {
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("status JSON");
    v["id"].as_str().expect("id").to_owned()
}

/// The files under `dir` that contain any of `needles`.
fn holding(dir: &Path, needles: &[&[u8]]) -> Vec<String> {
    files(dir)
        .into_iter()
        .filter(|p| {
            let bytes = std::fs::read(p).unwrap_or_default();
            needles
                .iter()
                .any(|n| bytes.windows(n.len()).any(|w| w == *n))
        })
        .map(|p| p.display().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn sealed_records_reach_only_recipients_match_blindly_and_erase_everywhere() {
    let chain = Chain::init_validators(&ORGS, 1);
    let mut nodes = vec![chain.start_validator(None).await];
    for name in ["th-ngo", "ng-naptip", "gb-other"] {
        nodes.push(chain.start_validator(Some(name)).await);
    }
    let url: Vec<String> = nodes.iter().map(|n| n.client().base().to_owned()).collect();
    let (police, ngo, naptip, other) = (&url[0], &url[1], &url[2], &url[3]);

    // The plaintext lives outside every node's directory, as on a case worker's laptop.
    let desk = tempfile::tempdir().expect("desk");
    let person = desk.path().join("person.json");
    let plaintext = format!(r#"{{"name":"{NAME}","phone":"{PHONE}","story":"recruited in 2025"}}"#);
    std::fs::write(&person, &plaintext).expect("write");
    let survivor = desk.path().join("survivor.json");
    let survivor_keys = KeyFile::generate("survivor", &mut rand::thread_rng());
    std::fs::write(&survivor, serde_json::to_vec(&survivor_keys).expect("json")).expect("write");
    // Written with the default umask: readable by others, which the CLI refuses below.
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&survivor, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    let subject = survivor_keys
        .signing_key()
        .expect("key")
        .public_key()
        .to_hex();
    let person_s = person.to_str().expect("utf-8");

    // The police seal the person, linked to the survivor, consent required.
    let sealed = must(
        unchain(
            &chain,
            police,
            "th-police",
            &[
                "seal",
                person_s,
                "--schema",
                "htcds.person",
                "--subject",
                &subject,
                "--consent-required",
                "--retention-days",
                "30",
                "--identifier",
                &format!("phone:{PHONE}"),
                "--identifier",
                &format!("name_dob:{NAME}|1990-01-31"),
            ],
        ),
        "police seal",
    );
    let record = sealed_record(&sealed);
    let seal_tx = tx_id(&sealed);

    // The NGO records the same phone written the Thai national way.
    let note = desk.path().join("note.txt");
    std::fs::write(&note, "hotline call about a recruiter").expect("write");
    let ngo_sealed = must(
        unchain(
            &chain,
            ngo,
            "th-ngo",
            &[
                "seal",
                note.to_str().expect("utf-8"),
                "--schema",
                "case.note",
                "--identifier",
                "phone:0812345678",
                "--country",
                "TH",
            ],
        ),
        "ngo seal",
    );
    let ngo_record = sealed_record(&ngo_sealed);

    // Both organisations are alerted; the alert names records and the kind, not the number.
    for (node, org, mine, theirs) in [
        (police, "th-police", &record, &ngo_record),
        (ngo, "th-ngo", &ngo_record, &record),
    ] {
        let mut text = String::new();
        wait_until(&format!("{org} sees the match"), 60, async || {
            text = must(unchain(&chain, node, org, &["alerts"]), "alerts").stdout;
            text.contains(theirs.as_str())
        })
        .await;
        let alerts: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(alerts.as_array().expect("array").len(), 1, "{text}");
        assert_eq!(alerts[0]["record"], mine.as_str());
        assert_eq!(alerts[0]["kind"], "phone");
        assert!(
            !text.contains("812345678") && !text.contains("Somchai"),
            "{text}"
        );
    }

    // Sharing without the survivor's consent is refused.
    let grant = [
        "grant",
        &record,
        "--to",
        "th-ngo",
        "--purpose",
        "shelter placement",
        "--legal-basis",
        "consent",
    ];
    let refused = unchain(&chain, police, "th-police", &grant);
    assert!(
        !refused.ok && refused.stderr.contains("needs the survivor's consent"),
        "{}",
        refused.stderr
    );
    let consent = [
        "consent",
        &record,
        "--recipient",
        "th-ngo",
        "--purpose",
        "shelter placement",
        "--survivor-key",
        survivor.to_str().expect("utf-8"),
    ];
    let loose = unchain(&chain, ngo, "th-ngo", &consent);
    assert!(
        !loose.ok && loose.stderr.contains("chmod 600"),
        "a key file others can read was used: {}",
        loose.stderr
    );
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&survivor, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    must(unchain(&chain, ngo, "th-ngo", &consent), "consent");
    must(unchain(&chain, police, "th-police", &grant), "grant");

    // The ciphertexts, the ledger and the read audit log are their nodes' alone.
    let loose = not_private(chain.dir.path());
    assert!(loose.is_empty(), "readable by others: {loose:#?}");

    // The NGO opens it through its own node, which received the ciphertext over p2p.
    let opened = desk.path().join("opened.json");
    must(
        unchain(
            &chain,
            ngo,
            "th-ngo",
            &["open", &record, "--out", opened.to_str().expect("utf-8")],
        ),
        "ngo open",
    );
    assert_eq!(std::fs::read_to_string(&opened).expect("read"), plaintext);

    // The organisation without a grant: its own node refuses, the owner's node refuses, a
    // forged name is refused, an unsigned request is refused.
    let top = nodes[0].client().status().await.expect("status").height;
    let t0 = Instant::now();
    wait_until("gb-other's node catches up", 60, async || {
        nodes[3]
            .client()
            .status()
            .await
            .is_ok_and(|s| s.height >= top)
    })
    .await;
    eprintln!(
        "gb-other's node reached height {top} after {:?}",
        t0.elapsed()
    );
    let denied = unchain(&chain, other, "gb-other", &["open", &record]);
    assert!(
        !denied.ok && denied.stderr.contains("gb-other is not a recipient"),
        "{}",
        denied.stderr
    );
    let commitment =
        record_commitment(nodes[0].client(), &chain.signer("th-police"), &record).await;
    let ciphertext = nodes[0]
        .client()
        .fetch_ciphertext(&chain.signer("th-police"), &commitment)
        .await
        .expect("the owner fetches its ciphertext");
    for (node, who) in [(0, chain.signer("gb-other")), (3, chain.signer("gb-other"))] {
        match nodes[node]
            .client()
            .fetch_ciphertext(&who, &commitment)
            .await
        {
            Err(ClientError::Problem {
                status: 403,
                detail,
                ..
            }) => assert!(detail.contains("not a recipient"), "{detail}"),
            other => panic!("gb-other must be refused at node {node}: {other:?}"),
        }
    }
    let forged = RequestSigner {
        actor: None,
        member: "th-police".into(),
        key: chain.key("gb-other"),
    };
    assert!(matches!(
        nodes[0]
            .client()
            .fetch_ciphertext(&forged, &commitment)
            .await,
        Err(ClientError::Problem { status: 401, .. })
    ));
    assert!(matches!(
        unchain_client::Client::new(nodes[0].client().base())
            .get_json::<serde_json::Value>("/v1/vault/alerts")
            .await,
        Err(ClientError::Problem { status: 401, .. })
    ));
    let other_data = chain.dir.path().join("data-gb-other");
    assert!(
        holding(&other_data, &[&ciphertext[..64]]).is_empty(),
        "the unentitled node holds the ciphertext"
    );

    // A court override: flagged in the record, noticed to the survivor's key.
    must(
        unchain(
            &chain,
            police,
            "th-police",
            &[
                "grant",
                &record,
                "--to",
                "ng-naptip",
                "--purpose",
                "prosecution",
                "--legal-basis",
                "court_order",
                "--court-order",
                "CR-2026-0419",
                "--authority",
                "Bangkok Criminal Court",
            ],
        ),
        "override grant",
    );
    // Read at ng-naptip's node, which may apply the grant's block a moment later.
    let mut notices = String::new();
    wait_until("ng-naptip's node notices the override", 60, async || {
        notices = must(
            unchain(&chain, naptip, "ng-naptip", &["notices", &subject]),
            "notices",
        )
        .stdout;
        notices.contains("CR-2026-0419")
    })
    .await;
    assert!(
        notices.contains("CR-2026-0419") && notices.contains("ng-naptip"),
        "{notices}"
    );
    let shown = must(
        unchain(&chain, naptip, "ng-naptip", &["show", &record]),
        "show",
    )
    .stdout;
    assert!(shown.contains("\"override_\": {"), "{shown}");
    // What erasure must remove from every node: the police record's wrapped keys, its
    // name-and-birth-date token (its phone token is also the NGO's record's, which stays)
    // and its survivor's key.
    let view: serde_json::Value = serde_json::from_str(&shown).expect("record JSON");
    let mut erasable: Vec<String> = vec![subject.clone()];
    for t in view["record"]["tokens"].as_array().expect("tokens") {
        if t["kind"] == "name_dob" {
            erasable.push(t["token"].as_str().expect("token").to_owned());
        }
    }
    for v in view["versions"].as_array().expect("versions") {
        for k in v["keys"].as_object().expect("keys").values() {
            erasable.push(k.as_str().expect("wrapped key").to_owned());
        }
    }
    assert!(erasable.len() >= 4, "{erasable:?}");

    // Every recipient node holds the ciphertext now (naptip's through p2p).
    for dir in ["data", "data-th-ngo", "data-ng-naptip"] {
        let d = chain.dir.path().join(dir);
        wait_until(&format!("{dir} holds the ciphertext"), 60, async || {
            !holding(&d.join("vault"), &[&ciphertext[..64]]).is_empty()
        })
        .await;
    }

    // No plaintext anywhere: every node's data directory and every node's log.
    let phone_forms: [&[u8]; 5] = [
        NAME.as_bytes(),
        PHONE.as_bytes(),
        b"0812345678",
        b"+66812345678",
        b"recruited in 2025",
    ];
    assert_eq!(
        holding(chain.dir.path(), &phone_forms),
        Vec::<String>::new()
    );

    // Metrics count what the vault did and name nothing.
    for n in &nodes {
        let text = reqwest::get(format!("{}/metrics", n.client().base()))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        assert!(
            text.contains("vault_requests_refused_total"),
            "no vault metrics"
        );
        assert!(!text.contains("Somchai") && !text.contains("812345678"));
    }
    let ngo_metrics = reqwest::get(format!("{ngo}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        ngo_metrics
            .lines()
            .any(|l| l.contains("vault_ciphertexts_received_total") && !l.ends_with(" 0")),
        "the NGO's node counted no received ciphertext"
    );

    // Erasure: the owner erases; every node deletes the ciphertext.
    must(
        unchain(&chain, police, "th-police", &["erase", &record]),
        "erase",
    );
    wait_until("every node deletes the ciphertext", 60, async || {
        holding(chain.dir.path(), &[&ciphertext[..64]]).is_empty()
    })
    .await;
    assert_eq!(
        holding(chain.dir.path(), &phone_forms),
        Vec::<String>::new()
    );
    // Nor, once each node has rewritten its ledger file after the erasure, the erased
    // record's token, wrapped keys and survivor key: in no leaf, no state, no file of any
    // node (a deleted state key once survived here as a B-tree separator).
    let needles: Vec<&[u8]> = erasable.iter().map(|e| e.as_bytes()).collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let held = holding(chain.dir.path(), &needles);
        if held.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "two minutes after the erasure these still hold an erased member \
             ({erasable:?}): {held:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let gone = unchain(&chain, ngo, "th-ngo", &["open", &record]);
    assert!(
        !gone.ok && gone.stderr.contains("was erased"),
        "{}",
        gone.stderr
    );
    match nodes[0]
        .client()
        .fetch_ciphertext(&chain.signer("th-police"), &commitment)
        .await
    {
        Err(ClientError::Problem { status: 410, .. }) => {}
        other => panic!("erased ciphertext must be 410 Gone: {other:?}"),
    }

    // The seal stays provable: its inclusion proof verifies against the quorum.
    let proof = Command::new(bin())
        .args(["proof", &seal_tx, "--genesis"])
        .arg(chain.genesis())
        .arg("--key")
        .arg(chain.dir.path().join("keys/th-ngo.json"))
        .args(["--node", ngo])
        .output()
        .expect("unchain proof");
    let out = String::from_utf8_lossy(&proof.stdout);
    assert!(
        proof.status.success() && out.contains("VERIFIED"),
        "{out}\n{}",
        String::from_utf8_lossy(&proof.stderr)
    );

    // Rotating the matching key: new seals use epoch 2 and still match each other.
    must(
        unchain(&chain, police, "th-police", &["rotate-matching-key"]),
        "rotate",
    );
    // th-ngo blinds with the key its own node serves: wait until it applied the rotation.
    let rotated_at = nodes[0].client().status().await.expect("status").height;
    wait_until("th-ngo's node applies the rotation", 60, async || {
        nodes[1]
            .client()
            .status()
            .await
            .is_ok_and(|s| s.height >= rotated_at)
    })
    .await;
    let note_s = note.to_str().expect("utf-8");
    must(
        unchain(
            &chain,
            police,
            "th-police",
            &[
                "seal",
                note_s,
                "--schema",
                "case.note",
                "--identifier",
                "phone:+66812345678",
            ],
        ),
        "seal after rotation",
    );
    let ngo_again = sealed_record(&must(
        unchain(
            &chain,
            ngo,
            "th-ngo",
            &[
                "seal",
                note_s,
                "--schema",
                "case.note",
                "--identifier",
                "phone:081 234 5678",
                "--country",
                "TH",
            ],
        ),
        "ngo seal after rotation",
    ));
    let shown = must(
        unchain(&chain, ngo, "th-ngo", &["show", &ngo_again]),
        "show",
    )
    .stdout;
    assert!(shown.contains("\"epoch\": 2"), "{shown}");
    wait_until("the epoch-2 records match", 60, async || {
        must(unchain(&chain, police, "th-police", &["alerts"]), "alerts")
            .stdout
            .contains(&ngo_again)
    })
    .await;
}

#[test]
fn bench_vault_measures_seal_to_recipient() {
    let out = Command::new(bin())
        .args([
            "--log",
            "warn",
            "bench-vault",
            "--records",
            "3",
            "--validators",
            "1",
        ])
        .output()
        .expect("run unchain bench-vault");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("3 records:"), "{text}");
    assert!(
        text.contains("submit → served by recipient's node  median"),
        "{text}"
    );
}
