//! Chain of custody across real node processes, driven through the `unchain custody` CLI:
//! a seized phone collected by one agency, handed over to an agency in another country
//! (which alone can sign its receipt), analysed and presented in court; the bundle then
//! verifies offline with `unchain verify custody`, and a bundle with an event dropped or
//! altered fails, naming the event.

mod common;

use common::*;

const ORGS: [&str; 3] = ["th-police:TH", "my-police:MY", "th-ngo:TH"];

#[tokio::test(flavor = "multi_thread")]
async fn a_seized_phone_goes_from_collection_to_court_and_its_bundle_verifies_offline() {
    let chain = Chain::init_validators(&ORGS, 1);
    let mut nodes = vec![chain.start_validator(None).await];
    for name in ["my-police", "th-ngo"] {
        nodes.push(chain.start_validator(Some(name)).await);
    }
    let url: Vec<String> = nodes.iter().map(|n| n.client().base().to_owned()).collect();
    let key = |org: &str| {
        chain
            .dir
            .path()
            .join("keys")
            .join(format!("{org}.json"))
            .display()
            .to_string()
    };
    let who = |i: usize, org: &str| {
        vec![
            "--key".to_owned(),
            key(org),
            "--node".into(),
            url[i].clone(),
        ]
    };
    let event = |cmd: &[&str], i: usize, org: &str, actor: &str, location: &str| {
        let mut args: Vec<String> = vec!["custody".into()];
        args.extend(cmd.iter().map(|s| s.to_string()));
        args.extend(
            [
                "--actor",
                actor,
                "--location",
                location,
                "--reason",
                "case TH-2026-0042",
            ]
            .map(String::from),
        );
        args.extend(who(i, org));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        unchain(&refs)
    };

    let desk = tempfile::tempdir().expect("desk");
    let photo = desk.path().join("phone.jpg");
    std::fs::write(&photo, b"\xff\xd8 photo of a black Android phone").expect("write");
    let photo = photo.display().to_string();
    let collected = must(
        event(
            &[
                "collect",
                "--file",
                &photo,
                "--evidence",
                "physical",
                "--description",
                "Android phone, black",
                "--case",
                "TH-2026-0042",
            ],
            0,
            "th-police",
            "u-17",
            "Raid site, Samut Sakhon",
        ),
        "collect",
    );
    let item = collected.stdout.trim().to_owned();
    assert_eq!(
        item.len(),
        64,
        "collect prints the item id: {:?}",
        collected.stdout
    );
    must(
        event(
            &["seal", &item, "--seal-number", "TH-EV-117"],
            0,
            "th-police",
            "u-17",
            "DSI evidence room",
        ),
        "seal",
    );
    must(
        event(
            &["transfer", &item, "--to", "my-police"],
            0,
            "th-police",
            "u-17",
            "Sadao border post",
        ),
        "transfer",
    );

    // Waiting for my-police's signature, and nobody else's.
    let mut waiting = String::new();
    wait_until("my-police sees the hand-over", 60, async || {
        waiting = must(
            unchain(
                &[
                    &["custody", "waiting"][..],
                    &who(1, "my-police")
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>(),
                ]
                .concat(),
            ),
            "waiting",
        )
        .stdout;
        waiting.contains(&item)
    })
    .await;
    assert!(waiting.contains("th-police"), "{waiting}");
    // Once th-ngo's node has seen the hand-over, its attempt is refused for the right reason.
    let ngo_who: Vec<String> = who(2, "th-ngo");
    wait_until("th-ngo's node has the hand-over", 60, async || {
        let args: Vec<&str> = ["custody", "show", item.as_str()]
            .into_iter()
            .chain(ngo_who.iter().map(String::as_str))
            .collect();
        unchain(&args).stdout.contains("in_transit")
    })
    .await;
    let stolen = event(&["receive", &item], 2, "th-ngo", "u-3", "Bangkok");
    assert!(!stolen.ok, "a third party signed the receipt");
    assert!(
        stolen
            .stderr
            .contains("only the receiver signs its receipt"),
        "{}",
        stolen.stderr
    );

    must(
        event(
            &["receive", &item],
            1,
            "my-police",
            "u-40",
            "Bukit Aman forensic lab",
        ),
        "receive",
    );
    must(
        event(
            &["analyse", &item, "--method", "logical extraction"],
            1,
            "my-police",
            "u-40",
            "Bukit Aman forensic lab",
        ),
        "analyse",
    );
    must(
        event(
            &[
                "present",
                &item,
                "--court",
                "Criminal Court, Bangkok",
                "--proceeding",
                "Black case 771/2026",
            ],
            1,
            "my-police",
            "u-40",
            "Criminal Court, Bangkok",
        ),
        "present",
    );

    let bundle = desk.path().join("bundle.json");
    let html = desk.path().join("report.html");
    let b = bundle.display().to_string();
    let h = html.display().to_string();
    must(
        unchain(
            &[
                &["custody", "bundle", &item, "--out", &b, "--html", &h][..],
                &who(1, "my-police")
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ]
            .concat(),
        ),
        "bundle",
    );
    let report = std::fs::read_to_string(&html).expect("report");
    assert!(report.contains("presented in court") && report.contains("Sadao border post"));

    // Offline: no --node, trusting the genesis file.
    let genesis = chain.genesis().display().to_string();
    let ok = must(
        unchain(&["verify", "custody", &b, "--genesis", &genesis]),
        "verify",
    );
    assert!(ok.stdout.starts_with("VERIFIED"), "{}", ok.stdout);
    for what in [
        "collected",
        "sealed",
        "handed over",
        "received",
        "analysed",
        "presented in court",
    ] {
        assert!(ok.stdout.contains(what), "{what} missing:\n{}", ok.stdout);
    }

    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&bundle).expect("read")).expect("json");
    let original = v.clone();
    v["events"].as_array_mut().expect("events").remove(2);
    std::fs::write(&bundle, serde_json::to_vec(&v).expect("json")).expect("write");
    let dropped = unchain(&["verify", "custody", &b, "--genesis", &genesis]);
    assert!(!dropped.ok);
    assert!(
        dropped.stderr.contains("event 3 (custody.receive")
            && dropped.stderr.contains("missing or out of order"),
        "{}",
        dropped.stderr
    );
    let mut v = original;
    let leaf = v["events"][1]["leaf"]
        .as_str()
        .expect("leaf")
        .replace("TH-EV-117", "TH-EV-118");
    v["events"][1]["leaf"] = leaf.into();
    std::fs::write(&bundle, serde_json::to_vec(&v).expect("json")).expect("write");
    let altered = unchain(&["verify", "custody", &b, "--genesis", &genesis]);
    assert!(!altered.ok);
    assert!(
        altered.stderr.contains("event 2 (custody.seal")
            && altered.stderr.contains("signature does not verify"),
        "{}",
        altered.stderr
    );
}
