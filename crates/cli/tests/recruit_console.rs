//! The recruitment console as an employer sees it, on its own node: its offers with the
//! contract it registered (worse than offered), the month of pay it reported with what
//! reconciliation found, and a grievance about it to answer — in chromium, with axe-core's
//! WCAG 2.1 A/AA rules in English and Thai.

mod common;

use common::*;
use serde_json::{Value, json};

const ORGS: [&str; 4] = [
    "qa-doha-build:QA",
    "qa-mol:QA",
    "np-himalaya-manpower:NP",
    "np-dofe:NP",
];

fn terms() -> Value {
    json!({
        "employer": "qa-doha-build",
        "position": "Steel fixer",
        "workplace": {"country": "QA", "city": "Doha"},
        "wage": {"amount": 160000, "currency": "QAR", "period": "month"},
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
async fn an_employer_sees_its_contracts_wages_and_grievances_in_the_console() {
    let chain = Chain::init(&ORGS);
    let node = chain.start().await;
    let url = node.client().base().to_owned();
    let run = |org: &str, args: &[&str]| {
        let key = chain.dir.path().join("keys").join(format!("{org}.json"));
        let mut all: Vec<String> = vec!["recruit".into()];
        all.extend(args.iter().map(|s| s.to_string()));
        all.extend([
            "--key".into(),
            key.display().to_string(),
            "--node".into(),
            url.clone(),
        ]);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        unchain(&refs)
    };
    for (regulator, party, kind, country) in [
        ("np-dofe", "np-himalaya-manpower", "recruiter", "NP"),
        ("qa-mol", "qa-doha-build", "employer", "QA"),
    ] {
        must(
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
                    "DEMO-1",
                ],
            ),
            "licence",
        );
    }
    let desk = tempfile::tempdir().expect("desk");
    let write = |name: &str, v: &str| {
        let p = desk.path().join(name);
        std::fs::write(&p, v).expect("write");
        p.display().to_string()
    };
    let offered = write("offer.json", &terms().to_string());
    let offer = must(
        run(
            "np-himalaya-manpower",
            &[
                "offer",
                "--worker",
                "w-5e1a77c0aa",
                "--terms",
                &offered,
                "--document",
                &offered,
            ],
        ),
        "offer",
    );
    let offer_id = offer.stdout.trim().to_owned();
    let mut worse = terms();
    worse["wage"]["amount"] = json!(120000);
    let contracted = write("contract.json", &worse.to_string());
    must(
        run(
            "qa-doha-build",
            &[
                "contract",
                "--offer",
                &offer_id,
                "--terms",
                &contracted,
                "--document",
                &contracted,
            ],
        ),
        "contract",
    );
    let march = write(
        "march.csv",
        "worker,month,currency,basic,deductions,paid_on,account\n\
         w-5e1a77c0aa,2026-03,QAR,1100.00,social_insurance:50.00,2026-04-28,QA58DOHB00001234567890ABCDEFG\n",
    );
    must(
        run("qa-doha-build", &["payroll", "--csv", &march]),
        "payroll",
    );

    // A worker tells of short pay through the ministry's worker page (its token, its post).
    let http = reqwest::Client::new();
    let form = http
        .get(format!("{url}/work/grievance"))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("html");
    let sent = http
        .post(format!("{url}/work/grievance"))
        .form(&[
            ("lang", "en"),
            ("token", hidden(&form, "token").as_str()),
            ("pow", ""),
            ("employer", "qa-doha-build"),
            ("problem", "withholding_of_wages"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(
        sent.status(),
        200,
        "{}",
        sent.text().await.unwrap_or_default()
    );
    wait_until("the grievance is on the ledger", 30, async || {
        run("qa-doha-build", &["voice", "list", "qa-doha-build"])
            .stdout
            .contains("1 grievance(s)")
    })
    .await;

    let (password, _) = add_console_user(&chain.config(), "mariam", "compliance_officer");
    let shots = std::env::var_os("UNCHAIN_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/console-screenshots"));
    std::fs::create_dir_all(&shots).expect("screenshots");
    let out = std::process::Command::new("node")
        .arg(repo_root().join("tests/js/console_page.mjs"))
        .args([url.as_str(), "mariam", &password, "/console/recruit"])
        .arg(shots.join("console-recruit-employer.png"))
        .output()
        .expect("start node (Node.js) with the Playwright script");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    assert_eq!(seen["status"], json!(200), "{seen}");
    assert_eq!(seen["rows"]["recruit-offers"], json!(1), "{seen}");
    assert_eq!(seen["rows"]["recruit-wages.finding"], json!(1), "{seen}");
    assert_eq!(seen["rows"]["recruit-grievances.open"], json!(1), "{seen}");
    let text = seen["text"].to_string();
    assert!(
        text.contains("underpaid: 1200.00 QAR → 1100.00 QAR"),
        "{seen}"
    );
    assert!(text.contains("withholding_of_wages"), "{seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
    assert_eq!(seen["outside"], json!([]), "{seen}");
    assert_eq!(seen["a11y"], json!([]), "WCAG 2.1 A/AA: {seen}");
}
