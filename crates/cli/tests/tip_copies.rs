//! Tips survive the loss of the intake's node: every member's node keeps an opaque copy of
//! every tip message; the intake's node, its data directory deleted, rebuilds the chain
//! and its tips from the others, and the reporter and the agency read on as before. An
//! erased tip is deleted from every node — one that was down at the time when it is back
//! — and the reporter is told so.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const ORGS: [&str; 3] = ["th-police:TH", "th-ngo:TH", "ng-naptip:NG"];
const PHRASES: [&str; 2] = [
    "nine men locked in the cold store at pier four",
    "the recruiter keeps their passports in his truck",
];

/// Each node's data directory, by organisation.
fn data_dirs(chain: &Chain) -> BTreeMap<&'static str, PathBuf> {
    BTreeMap::from([
        ("th-police", chain.dir.path().join("data")),
        ("th-ngo", chain.dir.path().join("data-th-ngo")),
        ("ng-naptip", chain.dir.path().join("data-ng-naptip")),
    ])
}

/// The sealed tip messages a node holds: file name → bytes.
fn sealed(data: &Path) -> BTreeMap<String, Vec<u8>> {
    let dir = data.join("tips");
    if !dir.exists() {
        return BTreeMap::new();
    }
    files(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sealed"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap_or_default())
        })
        .collect()
}

async fn submit_tip(http: &reqwest::Client, base: &str, phrase: &str) -> String {
    let (token, bits) = challenge(http, base).await;
    assert_eq!(bits, 0, "calm");
    let resp = http
        .post(format!("{base}/tips/report"))
        .multipart(report_form(&token, "", phrase))
        .send()
        .await
        .expect("submit");
    assert_eq!(resp.status(), 200);
    code_of(&resp.text().await.expect("html"))
}

async fn come_back(http: &reqwest::Client, base: &str, code: &str) -> String {
    http.post(format!("{base}/tips/report/return"))
        .form(&[("lang", "en"), ("code", code)])
        .send()
        .await
        .expect("return")
        .text()
        .await
        .expect("html")
}

#[tokio::test(flavor = "multi_thread")]
async fn losing_the_intake_nodes_data_directory_loses_no_tip() {
    let chain = Chain::init_validators(&ORGS, 1);
    let police = chain.start().await;
    let mut ngo = chain.start_validator(Some("th-ngo")).await;
    let mut naptip = chain.start_validator(Some("ng-naptip")).await;
    let dirs = data_dirs(&chain);
    let http = reqwest::Client::new();
    let base = ngo.client().base().to_owned();

    // Two reports through the NGO's form, and the NGO's reply to the first.
    let mut codes = Vec::new();
    for phrase in PHRASES {
        codes.push(submit_tip(&http, &base, phrase).await);
    }
    let list = as_ngo(&chain, &base, &["tips", "list"]);
    assert!(list.ok, "{}", list.stderr);
    let tips: Vec<String> = list
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    assert_eq!(tips.len(), 2, "{}", list.stdout);
    let reply = "Thank you. Is anyone hurt?";
    let r = as_ngo(&chain, &base, &["tips", "reply", &tips[0], "--text", reply]);
    assert!(r.ok, "{}", r.stderr);

    // Every member's node comes to hold the same three ciphertexts, byte for byte, and
    // none of them can read a word.
    let originals = sealed(&dirs["th-ngo"]);
    assert_eq!(originals.len(), 3, "two reports and a reply");
    for org in ["th-police", "ng-naptip"] {
        wait_until(
            &format!("{org}'s node holds every tip message"),
            60,
            async || sealed(&dirs[org]) == originals,
        )
        .await;
        let words: Vec<&[u8]> = PHRASES.iter().map(|p| p.as_bytes()).collect();
        let readable: Vec<_> = files(&dirs[org])
            .into_iter()
            .filter(|p| {
                let bytes = std::fs::read(p).unwrap_or_default();
                words
                    .iter()
                    .any(|w| bytes.windows(w.len()).any(|x| x == *w))
            })
            .collect();
        assert!(readable.is_empty(), "{org} holds plaintext: {readable:?}");
    }
    // The nodes count what they copied, and name nothing.
    let metrics = reqwest::get(format!("{}/metrics", police.client().base()))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics
            .lines()
            .any(|l| l.contains("tips_ciphertexts_received_total") && l.ends_with(" 3")),
        "the police's node counts three tip messages received: {metrics}"
    );
    assert!(!metrics.contains(&tips[0]), "metrics name no tip");
    // A copy is not a grant: the police's node does not serve the NGO's tip to the police.
    let police_sees = unchain(&[
        "tips",
        "show",
        &tips[0],
        "--key",
        chain
            .dir
            .path()
            .join("keys/th-police.json")
            .to_str()
            .expect("utf-8"),
        "--node",
        police.client().base(),
        "--actor",
        "u-officer",
    ]);
    assert!(!police_sees.ok, "{}", police_sees.stdout);
    assert!(
        police_sees.stderr.contains("403")
            && police_sees
                .stderr
                .contains("was handed to another organisation"),
        "refused because the tip is the NGO's: {}",
        police_sees.stderr
    );
    assert!(
        !police_sees.stdout.contains(PHRASES[0]),
        "{}",
        police_sees.stdout
    );

    // The NGO's disk dies: its whole data directory is gone (its key file, kept apart as
    // `unchain init` lays it out, survives).
    let height = police.client().status().await.expect("status").height;
    ngo.kill_9();
    std::fs::remove_dir_all(&dirs["th-ngo"]).expect("delete the data directory");
    let ngo = chain.start_validator(Some("th-ngo")).await;
    wait_until(
        "the NGO's node rebuilds the chain from its peers",
        120,
        async || {
            ngo.client()
                .status()
                .await
                .is_ok_and(|s| s.height >= height)
        },
    )
    .await;
    wait_until("the NGO's node fetches its tips back", 60, async || {
        sealed(&dirs["th-ngo"]) == originals
    })
    .await;

    // The reporter comes back with the code and reads the report and the reply; the
    // agency opens the tip as before.
    let page = come_back(&http, &base_of(&ngo), &codes[0]).await;
    assert!(page.contains(PHRASES[0]), "{page}");
    assert!(page.contains("Is anyone hurt?"), "{page}");
    let show = as_ngo(&chain, &base_of(&ngo), &["tips", "show", &tips[1]]);
    assert!(show.ok, "{}", show.stderr);
    assert!(show.stdout.contains(PHRASES[1]), "{}", show.stdout);
    assert!(
        show.stdout.contains("erased everywhere"),
        "the retention is shown: {}",
        show.stdout
    );

    // The NGO erases the first tip while NAPTIP's node is down: every node deletes its two
    // messages and keeps the other tip's — NAPTIP's once it is back — and the reporter is
    // told it is gone.
    naptip.kill_9();
    let erase = as_ngo(&chain, &base_of(&ngo), &["tips", "erase", &tips[0]]);
    assert!(erase.ok, "{}", erase.stderr);
    let view: serde_json::Value = member_get(
        &chain.signer("th-ngo"),
        &format!("{}/v1/tips/{}", base_of(&ngo), tips[1]),
    )
    .await
    .json()
    .await
    .expect("the second tip");
    let second = format!(
        "{}.sealed",
        view["messages"][0]["commitment"]
            .as_str()
            .expect("commitment")
    );
    assert!(originals.contains_key(&second), "{second}");
    let _naptip = chain.start_validator(Some("ng-naptip")).await;
    for (org, dir) in &dirs {
        wait_until(
            &format!("{org}'s node deletes the erased tip"),
            60,
            async || sealed(dir).len() == 1,
        )
        .await;
        let left = sealed(dir);
        assert_eq!(
            left.get(&second),
            originals.get(&second),
            "{org} keeps the other tip's message"
        );
    }
    let page = come_back(&http, &base_of(&ngo), &codes[0]).await;
    assert!(page.contains("Erased"), "{page}");
    assert!(!page.contains(PHRASES[0]), "{page}");
    let page = come_back(&http, &base_of(&ngo), &codes[1]).await;
    assert!(
        page.contains(PHRASES[1]),
        "the other tip is untouched: {page}"
    );
    let show = as_ngo(&chain, &base_of(&ngo), &["tips", "show", &tips[0]]);
    assert!(show.ok, "{}", show.stderr);
    assert!(show.stdout.contains("erased"), "{}", show.stdout);
    let gone = member_get(
        &chain.signer("th-ngo"),
        &format!("{}/v1/tips/{}/messages/1", base_of(&ngo), tips[0]),
    )
    .await;
    assert_eq!(gone.status(), 410);
    assert!(gone.text().await.expect("problem").contains("was erased"));
    // The console shows it erased, by whom, with nothing left to open or answer.
    let added = unchain(&[
        "user",
        "add",
        "nok",
        "--role",
        "intake_officer",
        "--config",
        chain
            .dir
            .path()
            .join("node-th-ngo.toml")
            .to_str()
            .expect("utf-8"),
    ]);
    assert!(added.ok, "{}", added.stderr);
    let signed_in = console_sign_in(&base_of(&ngo), "nok", &field(&added.stdout, "password")).await;
    let session = set_cookie(&signed_in, "unchain_console").expect("a console session");
    let page = reqwest::Client::new()
        .get(format!("{}/console/tip?id={}", base_of(&ngo), tips[0]))
        .header("cookie", format!("unchain_console={session}"))
        .send()
        .await
        .expect("tip page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("id=\"tip-erased\"") && page.contains("by th-ngo"),
        "{page}"
    );
    assert!(
        !page.contains("id=\"open-tip\"") && !page.contains("id=\"reply\""),
        "{page}"
    );
}

fn base_of(node: &Node) -> String {
    node.client().base().to_owned()
}
