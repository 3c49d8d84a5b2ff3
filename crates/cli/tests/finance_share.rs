//! A money-flow alert shared through the vault, across real node processes: the police
//! scan a bank export and seal the strongest alert to an NGO; the NGO, which holds a case
//! note about the same IBAN written its own way, gets a match alert naming the kind, not
//! the account; the NGO opens the alert and reads its evidence; an organisation it was not
//! sealed to cannot; and no node's files hold the account in plaintext.

mod common;

use common::*;
use std::process::Command;

const ORGS: [&str; 3] = ["th-police:TH", "th-ngo:TH", "gb-other:GB"];
const IBAN: &str = "GB82WEST12345698765432";

fn run(chain: &Chain, node: &str, org: &str, args: &[&str]) -> Run {
    let key = chain.dir.path().join("keys").join(format!("{org}.json"));
    Run::of(
        Command::new(bin())
            .args(["--log", "warn"])
            .env("UNCHAIN_ACTOR", "u-analyst")
            .args(args)
            .arg("--key")
            .arg(key)
            .args(["--node", node]),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alert_sealed_to_a_partner_matches_its_case_and_opens_only_there() {
    let chain = Chain::init_validators(&ORGS, 1);
    let mut nodes = vec![chain.start_validator(None).await];
    for name in ["th-ngo", "gb-other"] {
        nodes.push(chain.start_validator(Some(name)).await);
    }
    let url: Vec<String> = nodes.iter().map(|n| n.client().base().to_owned()).collect();
    let (police, ngo, other) = (&url[0], &url[1], &url[2]);
    let desk = tempfile::tempdir().expect("desk");

    // The NGO's case note names the IBAN as a hotline caller wrote it.
    let note = desk.path().join("note.txt");
    std::fs::write(
        &note,
        "recruiter asks workers to pay fees into this account",
    )
    .expect("write");
    must(
        run(
            &chain,
            ngo,
            "th-ngo",
            &[
                "vault",
                "seal",
                note.to_str().expect("utf-8"),
                "--schema",
                "case.note",
                "--identifier",
                "iban:gb82 west 1234 5698 7654 32",
            ],
        ),
        "ngo seal",
    );

    // The police's bank export: twelve workers paying the recruiter's IBAN within a day.
    let mut csv = String::from("id,timestamp,from,to,amount,currency,channel\n");
    for i in 0..12 {
        csv.push_str(&format!(
            "p{i},{},TH-WORKER-{i},{IBAN},3000,THB,mobile\n",
            1_767_225_600 + i * 1800
        ));
    }
    let export = desk.path().join("export.csv");
    std::fs::write(&export, csv).expect("write");
    let alerts = desk.path().join("alerts.json");
    must(
        Run::of(Command::new(bin()).args([
            "finance",
            "scan",
            export.to_str().expect("utf-8"),
            "--json",
            alerts.to_str().expect("utf-8"),
        ])),
        "scan",
    );
    let a = alerts.to_str().expect("utf-8");
    let bad = run(
        &chain,
        police,
        "th-police",
        &["finance", "share", a, "--alert", "9", "--to", "th-ngo"],
    );
    assert!(
        !bad.ok
            && bad
                .stderr
                .contains("--alert 9: the file holds alerts 1 to 1"),
        "{}",
        bad.stderr
    );
    let shared = must(
        run(
            &chain,
            police,
            "th-police",
            &["finance", "share", a, "--alert", "1", "--to", "th-ngo"],
        ),
        "share",
    );
    assert!(
        shared
            .stderr
            .contains("1 of 13 accounts blinded for matching"),
        "{}",
        shared.stderr
    );
    let record = shared
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("record id: "))
        .expect("record id")
        .trim()
        .to_owned();

    // The NGO is alerted to the match: by kind, with no account in it.
    let mut text = String::new();
    wait_until("the ngo sees the match", 60, async || {
        text = must(run(&chain, ngo, "th-ngo", &["vault", "alerts"]), "alerts").stdout;
        text.contains(record.as_str())
    })
    .await;
    assert!(text.contains("\"iban\""), "{text}");
    assert!(!text.contains("WEST"), "{text}");

    // The NGO opens the alert; gb-other cannot.
    let opened = desk.path().join("opened.json");
    must(
        run(
            &chain,
            ngo,
            "th-ngo",
            &[
                "vault",
                "open",
                &record,
                "--out",
                opened.to_str().expect("utf-8"),
            ],
        ),
        "ngo open",
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&opened).expect("opened")).expect("JSON");
    assert_eq!(doc["schema"], "finance.alert");
    assert_eq!(doc["alert"]["detector"], "fan_in");
    assert_eq!(doc["alert"]["account"], IBAN);
    assert_eq!(
        doc["alert"]["evidence"].as_array().expect("evidence").len(),
        12
    );
    let mut denied = run(&chain, other, "gb-other", &["vault", "open", &record]);
    wait_until("gb-other's node holds the seal", 60, async || {
        denied = run(&chain, other, "gb-other", &["vault", "open", &record]);
        !denied.stderr.contains("no record")
    })
    .await;
    assert!(
        !denied.ok && denied.stderr.contains("gb-other is not a recipient"),
        "{}",
        denied.stderr
    );

    // No node's files or logs hold the account or a worker in plaintext.
    let leaks: Vec<String> = files(chain.dir.path())
        .into_iter()
        .filter(|p| !p.starts_with(desk.path()))
        .filter(|p| {
            let bytes = std::fs::read(p).unwrap_or_default();
            [IBAN.as_bytes(), b"TH-WORKER-"]
                .iter()
                .any(|n| bytes.windows(n.len()).any(|w| w == *n))
        })
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(leaks, Vec::<String>::new());
}
