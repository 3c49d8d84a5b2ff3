//! Ethical recruitment across a real node, with the CLI as each party would use it: Nepal's
//! regulator licenses a Kathmandu recruiter, Qatar's licenses a Doha employer; the recruiter
//! registers an offer for a worker; on arrival the employer registers a worse contract, and
//! `unchain recruit show` names every worse term with both values. A regulator cannot
//! license abroad; the recruiter cannot register the employer's contract.

mod common;

use common::*;
use serde_json::{Value, json};

const ORGS: [&str; 4] = [
    "np-dofe:NP",
    "qa-mol:QA",
    "np-himalaya-manpower:NP",
    "qa-doha-build:QA",
];

fn terms() -> Value {
    json!({
        "employer": "qa-doha-build",
        "position": "Construction labourer",
        "workplace": {"country": "QA", "city": "Doha"},
        "wage": {"amount": 150000, "currency": "QAR", "period": "month"},
        "hours_per_week": 48,
        "overtime_rate_percent": 125,
        "rest_days_per_week": 1,
        "deductions": [{"name": "social_insurance", "cap": 5000}],
        "accommodation": "free",
        "food": "free",
        "contract_months": 24,
        "language": "ne"
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_substituted_contract_is_caught_and_shown_term_by_term() {
    let chain = Chain::init(&ORGS);
    let node = chain.start().await;
    let url = node.client().base().to_owned();
    // `unchain ARGS --key ORG --node URL`, and the same under `recruit`.
    let with_key = |org: &str, args: &[&str]| {
        let key = chain.dir.path().join("keys").join(format!("{org}.json"));
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend([
            "--key".into(),
            key.display().to_string(),
            "--node".into(),
            url.clone(),
        ]);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        unchain(&refs)
    };
    let run = |org: &str, args: &[&str]| {
        let mut all = vec!["recruit"];
        all.extend_from_slice(args);
        with_key(org, &all)
    };
    let licence = |regulator: &str, party: &str, kind: &str, country: &str| {
        run(
            regulator,
            &[
                "licence",
                "--party",
                party,
                "--kind",
                kind,
                "--name",
                party,
                "--country",
                country,
                "--licence",
                "1234/075",
                "--valid-until",
                "2028-07-15",
            ],
        )
    };
    let abroad = licence("np-dofe", "qa-doha-build", "employer", "QA");
    assert!(!abroad.ok, "{}", abroad.stdout);
    assert!(
        abroad
            .stderr
            .contains("np-dofe licenses in NP only, not in QA"),
        "{}",
        abroad.stderr
    );
    must(
        licence("np-dofe", "np-himalaya-manpower", "recruiter", "NP"),
        "licence the recruiter",
    );
    must(
        licence("qa-mol", "qa-doha-build", "employer", "QA"),
        "licence the employer",
    );

    let desk = tempfile::tempdir().expect("desk");
    let write = |name: &str, v: &Value| {
        let p = desk.path().join(name);
        std::fs::write(&p, v.to_string()).expect("write");
        p.display().to_string()
    };
    let offered = write("offer-terms.json", &terms());
    let document = write(
        "offer.json",
        &json!({"terms": terms(), "worker_name": "kept off the ledger"}),
    );
    // The worker's wallet, on their own phone: the offer names its key.
    let wallet = desk.path().join("wallet.json");
    let did = must(
        unchain(&["wallet", "init", "--wallet", &wallet.display().to_string()]),
        "wallet init",
    )
    .stdout
    .trim()
    .to_owned();
    assert!(did.starts_with("did:key:z6Mk"), "{did}");
    let offer = must(
        run(
            "np-himalaya-manpower",
            &[
                "offer",
                "--worker",
                "w-7f3a9c21e0",
                "--terms",
                &offered,
                "--document",
                &document,
                "--holder",
                &did,
            ],
        ),
        "offer",
    );
    let offer_id = offer.stdout.trim().to_owned();
    assert_eq!(offer_id.len(), 64, "{}", offer.stdout);

    let mut worse = terms();
    worse["wage"]["amount"] = json!(110000);
    worse["hours_per_week"] = json!(60);
    worse["deductions"] = json!([{"name": "social_insurance", "cap": 5000}, {"name": "recruitment_loan", "cap": 30000}]);
    let contracted = write("contract-terms.json", &worse);
    let contract_doc = write("contract.json", &json!({"terms": worse}));
    let not_theirs = run(
        "np-himalaya-manpower",
        &[
            "contract",
            "--offer",
            &offer_id,
            "--terms",
            &contracted,
            "--document",
            &contract_doc,
        ],
    );
    assert!(!not_theirs.ok);
    assert!(
        not_theirs
            .stderr
            .contains("only its employer qa-doha-build"),
        "{}",
        not_theirs.stderr
    );
    let registered = must(
        run(
            "qa-doha-build",
            &[
                "contract",
                "--offer",
                &offer_id,
                "--terms",
                &contracted,
                "--document",
                &contract_doc,
            ],
        ),
        "contract",
    );
    assert!(
        registered
            .stdout
            .contains("CONTRACT SUBSTITUTION: 3 term(s) worse than offered"),
        "{}",
        registered.stdout
    );
    for line in [
        "wage.amount",
        "offered 1500.00 QAR, contract 1100.00 QAR",
        "offered 48, contract 60",
        "deductions.recruitment_loan",
    ] {
        assert!(
            registered.stdout.contains(line),
            "{line}: {}",
            registered.stdout
        );
    }
    // On arrival the worker disputes the wage from their wallet; Qatar's ministry relays it.
    let contract_hash =
        unchain_types::Hash32::digest(&std::fs::read(&contract_doc).expect("doc")).to_hex();
    let signature = must(
        unchain(&[
            "wallet",
            "respond",
            "--wallet",
            &wallet.display().to_string(),
            "--offer",
            &offer_id,
            "--contract",
            &contract_hash,
            "--dispute",
            "--term",
            "wage",
        ]),
        "wallet respond",
    )
    .stdout
    .trim()
    .to_owned();
    must(
        run(
            "qa-mol",
            &[
                "respond",
                "--offer",
                &offer_id,
                "--contract",
                &contract_hash,
                "--dispute",
                "--term",
                "wage",
                "--signature",
                &signature,
            ],
        ),
        "relay the dispute",
    );
    let plain = must(run("np-dofe", &["show", &offer_id]), "show");
    assert!(
        plain
            .stdout
            .contains("the worker DISPUTES it: wage (relayed by qa-mol)"),
        "{}",
        plain.stdout
    );
    let shown = must(
        run("qa-mol", &["show", &offer_id, "--json"]),
        "show as the destination's regulator",
    );
    let view: Value = serde_json::from_str(&shown.stdout).expect("JSON");
    let terms_found: Vec<&str> = view["contract"]["substitutions"]
        .as_array()
        .expect("substitutions")
        .iter()
        .filter_map(|s| s["term"].as_str())
        .collect();
    assert_eq!(
        terms_found,
        [
            "wage.amount",
            "hours_per_week",
            "deductions.recruitment_loan"
        ]
    );
    // The full documents stay off the ledger: only their hashes are there.
    assert_eq!(
        view["offer"]["offer"]["terms_hash"],
        json!(unchain_types::Hash32::digest(&std::fs::read(&document).expect("doc")).to_hex())
    );
    assert!(!shown.stdout.contains("kept off the ledger"));

    // A month's pay from the employer's payroll export: paid below even the contract, late.
    let export = desk.path().join("march.csv");
    std::fs::write(
        &export,
        "worker,month,currency,basic,deductions,paid_on,account\n\
         w-7f3a9c21e0,2026-03,QAR,1000.00,social_insurance:50.00,2026-04-20,QA58DOHB00001234567890ABCDEFG\n",
    )
    .expect("write");
    let reported = must(
        run(
            "qa-doha-build",
            &["payroll", "--csv", &export.display().to_string()],
        ),
        "payroll",
    );
    assert!(
        reported
            .stdout
            .contains("2026-03: 1 worker(s) reported, 2 finding(s)"),
        "{}",
        reported.stdout
    );
    assert!(
        reported.stdout.contains("underpaid")
            && reported
                .stdout
                .contains("expected 1100.00 QAR, paid 1000.00 QAR"),
        "{}",
        reported.stdout
    );
    assert!(reported.stdout.contains("late"), "{}", reported.stdout);
    // The account number never left the employer's machine: only its blind token is stored.
    assert!(!reported.stdout.contains("QA58DOHB"), "{}", reported.stdout);
    let bad = desk.path().join("bad.csv");
    std::fs::write(
        &bad,
        "worker,month,currency,basic,paid_on,account\nw-7f3a9c21e0,2026-04,QAR,1000,2026-05-01,\n",
    )
    .expect("write");
    let refused = run(
        "qa-doha-build",
        &["payroll", "--csv", &bad.display().to_string()],
    );
    assert!(!refused.ok);
    assert!(
        refused.stderr.contains("line 2, account"),
        "{}",
        refused.stderr
    );
    // The worker's own payslip for March says less than the employer reported: signed in
    // the wallet, relayed by Qatar's ministry, it contradicts the employer's record.
    let slip = desk.path().join("march-payslip.json").display().to_string();
    must(
        unchain(&[
            "wallet",
            "payslip",
            "--wallet",
            &wallet.display().to_string(),
            "--offer",
            &offer_id,
            "--month",
            "2026-03",
            "--currency",
            "QAR",
            "--basic",
            "900.00",
            "--deduction",
            "recruitment_loan:100.00",
            "--paid-on",
            "2026-04-20",
            "--out",
            &slip,
        ]),
        "wallet payslip",
    );
    let bad_amount = unchain(&[
        "wallet",
        "payslip",
        "--wallet",
        &wallet.display().to_string(),
        "--offer",
        &offer_id,
        "--month",
        "2026-03",
        "--currency",
        "QAR",
        "--basic",
        "900,00",
    ]);
    assert!(
        !bad_amount.ok
            && bad_amount
                .stderr
                .contains("--basic: \"900,00\" is not an amount"),
        "{}",
        bad_amount.stderr
    );
    must(run("qa-mol", &["payslip", &slip]), "relay the payslip");
    let qa_alerts = must(run("qa-mol", &["alerts", "QA"]), "alerts");
    assert!(
        qa_alerts.stdout.contains("(the worker's payslip)")
            && qa_alerts.stdout.contains("reports_differ"),
        "{}",
        qa_alerts.stdout
    );
    // The recruiter issues the offer to the worker's wallet as a credential; in Doha the
    // worker shows a labour inspector only the wage and the employer, and the inspector's
    // check finds both as on the ledger.
    let issuer_key = desk.path().join("agency-issuer.json").display().to_string();
    must(
        with_key(
            "np-himalaya-manpower",
            &[
                "identity",
                "did-create",
                "--label",
                "Himalaya Manpower, offers",
                "--issuer-key",
                &issuer_key,
            ],
        ),
        "did-create",
    );
    let cred = desk.path().join("offer.sd-jwt").display().to_string();
    must(
        run(
            "np-himalaya-manpower",
            &[
                "credential",
                "--offer",
                &offer_id,
                "--issuer-key",
                &issuer_key,
                "--holder",
                &did,
                "--out",
                &cred,
            ],
        ),
        "issue the offer credential",
    );
    // The worker opens their own page with it (in Nepali): the offer as registered, the
    // contract beside it, each worse term marked. A tampered copy is refused.
    let own = std::fs::read_to_string(&cred).expect("credential");
    let http = reqwest::Client::new();
    let page = |credential: String| {
        let http = http.clone();
        let url = url.clone();
        async move {
            let r = http
                .post(format!("{url}/work/offer"))
                .form(&[("lang", "ne"), ("credential", credential.as_str())])
                .send()
                .await
                .expect("worker page");
            (r.status().as_u16(), r.text().await.expect("page"))
        }
    };
    let (status, html) = page(own.clone()).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("यो जागिरको प्रस्ताव साँचो हो। np-himalaya-manpower")
            && html.contains("तपाईंको कामको सम्झौताका 3 सर्तहरू वाचा गरेभन्दा खराब छन्")
            && html.contains("1500.00 QAR")
            && html.contains("1100.00 QAR"),
        "{html}"
    );
    assert_eq!(html.matches("<tr class=\"worse\">").count(), 3, "{html}");
    // March as the employer reported it and as the worker's payslip shows it, in Nepali.
    for line in [
        "तपाईंको तलब, महिनैपिच्छे",
        "रोजगारदाताले रिपोर्ट गरेको",
        "तपाईंको पेस्लिपबाट",
        "सम्झौताभन्दा कम तिरियो",
        "तपाईंको पेस्लिप र रोजगारदाताको रिपोर्ट मिल्दैनन्",
    ] {
        assert!(html.contains(line), "{line}: {html}");
    }
    let mut tampered = own.clone();
    let at = tampered.find('.').expect("a JWT") + 5;
    let flipped = if &tampered[at..=at] == "A" { "B" } else { "A" };
    tampered.replace_range(at..=at, flipped);
    let (status, html) = page(tampered).await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("यो जागिरको प्रस्ताव जाँच्न सकिएन"), "{html}");
    let stranger = desk.path().join("stranger.json");
    let stranger_did = must(
        unchain(&[
            "wallet",
            "init",
            "--wallet",
            &stranger.display().to_string(),
        ]),
        "another wallet",
    )
    .stdout
    .trim()
    .to_owned();
    let wrong = run(
        "np-himalaya-manpower",
        &[
            "credential",
            "--offer",
            &offer_id,
            "--issuer-key",
            &issuer_key,
            "--holder",
            &stranger_did,
            "--out",
            &cred,
        ],
    );
    assert!(
        !wrong.ok && wrong.stderr.contains("another wallet key"),
        "{}",
        wrong.stderr
    );
    let n = must(
        unchain(&[
            "wallet",
            "store",
            "--wallet",
            &wallet.display().to_string(),
            &cred,
        ]),
        "wallet store",
    )
    .stdout
    .trim()
    .to_owned();
    let shown = desk.path().join("shown.txt").display().to_string();
    must(
        unchain(&[
            "wallet",
            "present",
            "--wallet",
            &wallet.display().to_string(),
            &n,
            "--disclose",
            "wage,employer",
            "--aud",
            "qa-mol-inspection",
            "--nonce",
            "n-0001",
            "--out",
            &shown,
        ]),
        "wallet present",
    );
    let mut checked = run(
        "qa-mol",
        &[
            "check",
            &shown,
            "--aud",
            "qa-mol-inspection",
            "--nonce",
            "n-0001",
        ],
    );
    // The new issuer DID is trusted once a checkpoint covering it is cosigned.
    for _ in 0..50 {
        if checked.ok {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        checked = run(
            "qa-mol",
            &[
                "check",
                &shown,
                "--aud",
                "qa-mol-inspection",
                "--nonce",
                "n-0001",
            ],
        );
    }
    let checked = must(checked, "check the presentation");
    assert!(
        checked
            .stdout
            .contains("shown and as on the ledger: employer, wage"),
        "{}",
        checked.stdout
    );
    assert!(!checked.stdout.contains("position"), "{}", checked.stdout);
    let replay = run(
        "qa-mol",
        &[
            "check",
            &shown,
            "--aud",
            "another-office",
            "--nonce",
            "n-0001",
        ],
    );
    assert!(
        !replay.ok,
        "a presentation for one verifier is not valid for another"
    );

    // Qatar's regulator reads what concerns the employers it licensed.
    let alerts = must(run("qa-mol", &["alerts", "QA"]), "alerts");
    assert!(
        alerts
            .stdout
            .contains("open alert(s) about parties licensed in QA"),
        "{}",
        alerts.stdout
    );
    for kind in ["substitution", "dispute", "wage"] {
        assert!(alerts.stdout.contains(kind), "{kind}: {}", alerts.stdout);
    }
    // A brand (here the first member, which holds every role) links itself to the employer
    // and hears of what is open about it.
    must(
        run("np-dofe", &["link", "--employer", "qa-doha-build"]),
        "link",
    );
    let brand = must(
        run("np-dofe", &["alerts", "--brand", "np-dofe"]),
        "brand alerts",
    );
    assert!(
        brand
            .stdout
            .contains("about the employers np-dofe linked itself to")
            && brand.stdout.contains("substitution")
            && brand.stdout.contains("wage"),
        "{}",
        brand.stdout
    );
    // Nepal's regulator in the console: the alerts about the agency it licensed.
    let (password, _) = add_console_user(&chain.config(), "dipa", "compliance_officer");
    let shots = std::env::var_os("UNCHAIN_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/console-screenshots"));
    std::fs::create_dir_all(&shots).expect("screenshots");
    let out = std::process::Command::new("node")
        .arg(repo_root().join("tests/js/console_page.mjs"))
        .args([url.as_str(), "dipa", &password, "/console/recruit"])
        .arg(shots.join("console-recruit.png"))
        .output()
        .expect("start node (Node.js) with the Playwright script");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    assert_eq!(seen["status"], json!(200), "{seen}");
    assert_eq!(seen["h1"], json!("Recruitment"), "{seen}");
    assert_eq!(
        seen["rows"]["recruit-alerts.substitution"],
        json!(3),
        "{seen}"
    );
    assert_eq!(seen["rows"]["recruit-alerts.dispute"], json!(1), "{seen}");
    // np-dofe also linked itself, as a brand, to the employer: its alerts are there too.
    assert_eq!(
        seen["rows"]["recruit-brand-alerts.substitution"],
        json!(3),
        "{seen}"
    );
    assert!(
        seen["text"].as_array().expect("rows").iter().any(|r| r
            .as_str()
            .unwrap_or("")
            .contains("wage.amount: offered 1500.00 QAR, contract 1100.00 QAR")),
        "{seen}"
    );
    assert_eq!(seen["errors"], json!([]), "{seen}");
    assert_eq!(seen["outside"], json!([]), "{seen}");
    assert_eq!(
        seen["a11y"],
        json!([]),
        "WCAG 2.1 A/AA in English and Thai: {seen}"
    );

    // No node file holds the account number or the offer document's private line.
    drop(node);
    for file in files(chain.dir.path()) {
        let bytes = std::fs::read(&file).expect("read");
        for secret in ["QA58DOHB00001234567890ABCDEFG", "kept off the ledger"] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in {}",
                file.display()
            );
        }
    }
}
