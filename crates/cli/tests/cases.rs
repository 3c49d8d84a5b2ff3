//! Cases across real node processes, driven through the `unchain case` CLI: a Thai agency
//! imports an HTCDS case and refers it to a Malaysian agency, which receives the referral
//! on its live event stream (`unchain watch`), reads the shared record, and imports the
//! exported document into its own node unchanged; a third agency, not granted, cannot read
//! it; the owner's audit trail shows the grant and every read, with user and time.

mod common;

use common::*;
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

const ORGS: [&str; 3] = ["th-dsi:TH", "my-police:MY", "gb-other:GB"];
const CASE: &str = "TH/2026/0042";

struct Org<'a> {
    chain: &'a Chain,
    name: &'static str,
    node: String,
}

impl Org<'_> {
    fn key(&self) -> String {
        self.chain
            .dir
            .path()
            .join("keys")
            .join(format!("{}.json", self.name))
            .display()
            .to_string()
    }

    fn command(&self, actor: &str, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.args(["--log", "warn"])
            .args(args)
            .args(["--key", &self.key(), "--node", &self.node])
            .env("UNCHAIN_ACTOR", actor);
        c
    }

    fn run(&self, actor: &str, args: &[&str]) -> Run {
        Run::of(&mut self.command(actor, args))
    }
}

fn json_file(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_case_referred_across_a_border_reaches_only_the_referred_agency() {
    let chain = Chain::init_validators(&ORGS, 1);
    let mut nodes = vec![chain.start_validator(None).await];
    for name in ["my-police", "gb-other"] {
        nodes.push(chain.start_validator(Some(name)).await);
    }
    let url = |i: usize| nodes[i].client().base().to_owned();
    let dsi = Org {
        chain: &chain,
        name: "th-dsi",
        node: url(0),
    };
    let mp = Org {
        chain: &chain,
        name: "my-police",
        node: url(1),
    };
    let other = Org {
        chain: &chain,
        name: "gb-other",
        node: url(2),
    };

    let desk = tempfile::tempdir().expect("desk");
    let original = unchain_htcds::sample::documents(42, 1).remove(0);
    let doc_path = desk.path().join("case.json");
    std::fs::write(
        &doc_path,
        serde_json::to_vec_pretty(&original).expect("json"),
    )
    .expect("write");
    let doc = doc_path.display().to_string();

    // A document outside the standard is refused, naming the field, and opens nothing.
    let mut bad = original.clone();
    bad["persons"][0]["vic_TraffickingStatus"] = "Rescued".into();
    let bad_path = desk.path().join("bad.json");
    std::fs::write(&bad_path, serde_json::to_vec(&bad).expect("json")).expect("write");
    let refused = dsi.run(
        "u-dsi-1",
        &[
            "case",
            "import",
            &bad_path.display().to_string(),
            "--id",
            "TH/BAD",
        ],
    );
    assert!(!refused.ok);
    assert!(
        refused
            .stderr
            .contains("persons[0].vic_TraffickingStatus: \"Rescued\" is not a value"),
        "{}",
        refused.stderr
    );

    must(
        dsi.run(
            "u-dsi-1",
            &["case", "import", &doc, "--id", CASE, "--kind", "case"],
        ),
        "import",
    );

    // Every node has caught up with the import (so all three are connected and following).
    let height = nodes[0].client().status().await.expect("status").height;
    for n in &nodes[1..] {
        wait_until("a follower catches up", 60, async || {
            n.client().status().await.is_ok_and(|s| s.height >= height)
        })
        .await;
    }

    // my-police follows its events from now on.
    let (mut watch, rx) = spawn_watch(
        mp.command("u-mp-1", &["watch", "--json"])
            .stderr(std::fs::File::create(desk.path().join("watch.log")).expect("log")),
    );
    must(
        dsi.run(
            "u-dsi-1",
            &[
                "case",
                "refer",
                CASE,
                "--to",
                "my-police",
                "--reason",
                "MigrationOrChangeOfLocation",
                "--purpose",
                "continued victim support after return to Malaysia",
                "--legal-basis",
                "public_task",
            ],
        ),
        "refer",
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut kinds = Vec::new();
    while !kinds.contains(&"referral".to_owned()) {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = rx.recv_timeout(left).unwrap_or_else(|e| {
            panic!(
                "the referral did not reach my-police's event stream ({e}); events so far {kinds:?}; watch said: {}",
                std::fs::read_to_string(desk.path().join("watch.log")).unwrap_or_default()
            )
        });
        if event["kind"] == "referral" {
            assert_eq!(event["data"]["case"], CASE);
            assert_eq!(event["data"]["from"], "th-dsi");
        }
        kinds.push(event["kind"].as_str().expect("kind").to_owned());
    }
    assert!(kinds.contains(&"record_shared".to_owned()), "{kinds:?}");
    let _ = watch.kill();
    let _ = watch.wait();

    // my-police reads the shared record; the document is the one imported.
    let exported = desk.path().join("exported.json");
    let ex = exported.display().to_string();
    // Its node may still be applying the grant or receiving the ciphertext.
    wait_until("my-police reads the referred case", 60, async || {
        mp.run("u-mp-1", &["case", "export", CASE, "--out", &ex]).ok
    })
    .await;
    let expected = unchain_htcds::validate(&original).expect("valid");
    assert_eq!(json_file(&exported), expected);

    // gb-other, not granted, cannot (once its node knows the case, so it is refused for
    // the right reason).
    wait_until("gb-other's node has the case", 60, async || {
        other.run("u-gb-1", &["case", "show", CASE]).ok
    })
    .await;
    let denied = other.run(
        "u-gb-1",
        &[
            "case",
            "export",
            CASE,
            "--out",
            &desk.path().join("x.json").display().to_string(),
        ],
    );
    assert!(!denied.ok);
    assert!(
        denied.stderr.contains("gb-other is not a recipient"),
        "{}",
        denied.stderr
    );
    assert!(!desk.path().join("x.json").exists());
    let audit = other.run("u-gb-1", &["case", "audit", CASE]);
    assert!(
        !audit.ok && audit.stderr.contains("holds no grant"),
        "{}",
        audit.stderr
    );

    // HTCDS round trip: imported into my-police's own node, exported again, the same case.
    must(
        mp.run("u-mp-2", &["case", "import", &ex, "--id", "MY-2026-7"]),
        "re-import",
    );
    // Exports `case` as `org`'s user `actor` and reads the document back.
    let export = |org: &Org, actor: &str, case: &str| -> Value {
        let path = desk.path().join(format!("{}.json", case.replace('/', "-")));
        let p = path.display().to_string();
        must(
            org.run(actor, &["case", "export", case, "--out", &p]),
            "export",
        );
        json_file(&path)
    };
    assert_eq!(export(&mp, "u-mp-2", "MY-2026-7"), expected);

    // The same through HTCDS spreadsheet tables.
    let tables = desk.path().join("tables");
    let t = tables.display().to_string();
    must(
        mp.run("u-mp-2", &["case", "export", CASE, "--tables", &t]),
        "export tables",
    );
    assert!(tables.join("persons.csv").exists() && tables.join("events.csv").exists());
    must(
        mp.run("u-mp-2", &["case", "import", &t, "--id", "MY-2026-8"]),
        "import tables",
    );
    assert_eq!(export(&mp, "u-mp-2", "MY-2026-8"), expected);

    // The owner reads it too; its audit trail lists the grant and the reads, with users.
    assert_eq!(export(&dsi, "u-dsi-2", CASE), expected);
    let audit: Value =
        serde_json::from_str(&must(dsi.run("u-dsi-1", &["case", "audit", CASE]), "audit").stdout)
            .expect("json");
    let changes: Vec<&str> = audit["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["change"]["type"].as_str().expect("type"))
        .collect();
    assert_eq!(changes, ["opened", "referred"]);
    assert!(
        audit["events"]
            .as_array()
            .expect("events")
            .iter()
            .all(|e| e["actor"] == "u-dsi-1")
    );
    let grant = audit["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .find(|g| g["member"] == "my-police")
        .expect("a grant to my-police");
    assert_eq!(grant["actor"], "u-dsi-1");
    assert_eq!(grant["legal_basis"], "public_task");
    assert!(grant["time_ms"].as_u64().expect("time") > 1_700_000_000_000);
    let reads = audit["reads"].as_array().expect("reads");
    assert!(
        reads
            .iter()
            .any(|r| r["actor"] == "u-dsi-2" && r["member"] == "th-dsi" && r["allowed"] == true),
        "{reads:?}"
    );
    // No node's data directory or log holds the victim's name, birth date or phone
    // number in plaintext: the chain, the stores and the logs hold ciphertexts and tokens.
    let victim = &original["persons"][0];
    let needles: Vec<String> = ["prs_SecondName", "prs_Birthdate", "prs_MobilePhone"]
        .iter()
        .map(|k| victim[*k].as_str().expect("sample victim field").to_owned())
        .collect();
    let digits: String = needles[2].chars().filter(char::is_ascii_digit).collect();
    for file in files(chain.dir.path()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        for n in needles
            .iter()
            .map(String::as_bytes)
            .chain([digits.as_bytes()])
        {
            assert!(
                !bytes.windows(n.len()).any(|w| w == n),
                "{} holds {:?} in plaintext",
                file.display(),
                String::from_utf8_lossy(n)
            );
        }
    }
    let mp_audit: Value =
        serde_json::from_str(&must(mp.run("u-mp-1", &["case", "audit", CASE]), "mp audit").stdout)
            .expect("json");
    assert!(
        mp_audit["reads"]
            .as_array()
            .expect("reads")
            .iter()
            .any(|r| r["actor"] == "u-mp-1" && r["allowed"] == true)
    );
}
