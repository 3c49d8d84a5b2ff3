//! Worker voice across a real node, with the worker in a browser with JavaScript off and
//! every member at the CLI: a worker in Doha tells of a held passport and unpaid wages in
//! Nepali from the intake's `/work` pages (the start page checked in Arabic, right to left);
//! the employer lists it and promises remedies by a date; the worker comes back with the
//! receipt code, reads the promise in Nepali and says it was not kept; the regulator that
//! licensed the employer finds it escalated; a brand reads nothing of it one by one; a
//! survey answered in Arabic; axe-core finds no WCAG 2.1 A/AA violation on any worker page
//! in English, Arabic or Nepali. Then every file the node wrote, logs included, is searched
//! for the worker's words, address and user agent.

mod common;

use common::*;
use serde_json::{Value, json};
use std::process::{Command, Stdio};

/// Qatar's Ministry of Labour runs the node: the worker pages (it is the intake, as its
/// complaints portal is) and the licences.
const ORGS: [&str; 4] = [
    "qa-mol:QA",
    "qa-doha-build:QA",
    "gb-brand:GB",
    "np-migrant-centre:NP",
];
const UA: &str = "UnchainWorkerTester/3.1 (phone-of-worker-7731)";
const WORKER_IP: &str = "198.51.100.91";
const WORDS: &str = "Supervisor Bikram keeps all twelve passports in the site office safe.";

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_speaks_in_their_language_and_the_employer_must_answer() {
    assert!(
        repo_root()
            .join("tests/js/node_modules/playwright-core")
            .exists(),
        "Playwright is not installed: run `bash .ci/run` (it runs npm ci in tests/js)"
    );
    let chain = Chain::init(&ORGS);
    let node = chain.start().await;
    let url = node.client().base().to_owned();
    let as_org = |org: &str, args: &[&str]| {
        let key = chain.dir.path().join("keys").join(format!("{org}.json"));
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend([
            "--key".into(),
            key.display().to_string(),
            "--node".into(),
            url.clone(),
            "--actor".into(),
            "u-desk0001".into(),
        ]);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        unchain(&refs)
    };
    let voice = |org: &str, args: &[&str]| {
        let mut all = vec!["recruit", "voice"];
        all.extend_from_slice(args);
        as_org(org, &all)
    };
    must(
        as_org(
            "qa-mol",
            &[
                "recruit",
                "licence",
                "--party",
                "qa-doha-build",
                "--kind",
                "employer",
                "--name",
                "Doha Build W.L.L.",
                "--country",
                "QA",
                "--licence",
                "QA-2291",
            ],
        ),
        "licence the employer",
    );

    let shots = std::env::var_os("UNCHAIN_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/console-screenshots"));
    std::fs::create_dir_all(&shots).expect("screenshots");
    let mut browser = Command::new("node")
        .arg(repo_root().join("tests/js/worker_pages.mjs"))
        .args([url.as_str(), "qa-doha-build"])
        .arg(&shots)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start node (Node.js) with the Playwright script");
    let mut to_page = browser.stdin.take().expect("stdin");
    let mut from_page = std::io::BufReader::new(browser.stdout.take().expect("stdout"));
    let mut read_line = || {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut from_page, &mut line).expect("read");
        serde_json::from_str::<Value>(&line)
            .unwrap_or_else(|e| panic!("the page script said {line:?} ({e})"))
    };

    // 1. The start page in Arabic runs right to left; the grievance goes in Nepali.
    let sent = read_line();
    let ar = &sent["ar"];
    assert_eq!(
        (&ar["lang"], &ar["dir"], &ar["direction"]),
        (&json!("ar"), &json!("rtl"), &json!("rtl")),
        "{sent}"
    );
    assert_eq!(ar["h1"], "صوت العامل", "{sent}");
    assert_eq!(ar["links"].as_array().map(Vec::len), Some(4), "{sent}");
    assert_eq!(ar["grievanceH1"], "أخبرنا بمشكلة", "{sent}");
    let ne = &sent["ne"];
    assert_eq!(
        (&ne["lang"], &ne["dir"], &ne["direction"]),
        (&json!("ne"), &json!("ltr"), &json!("ltr")),
        "{sent}"
    );
    assert_eq!(ne["h1"], "समस्याबारे भन्नुहोस्", "{sent}");
    assert_eq!(ne["receiptH1"], "तपाईंको रसिद कोड", "{sent}");
    let code = sent["code"].as_str().expect("code").to_owned();
    assert_eq!(code.split(' ').count(), 8, "{code}");

    // The employer reads it: the employer, the month, the two indicators, the deadline.
    let mut listed = voice("qa-doha-build", &["list", "qa-doha-build"]);
    for _ in 0..50 {
        if listed.stdout.contains("1 grievance(s)") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        listed = voice("qa-doha-build", &["list", "qa-doha-build"]);
    }
    let listed = must(listed, "the employer lists its grievances");
    assert!(
        listed.stdout.contains("1 grievance(s) about qa-doha-build")
            && listed.stdout.contains("awaiting answer by")
            && listed
                .stdout
                .contains("retention_of_identity_documents, withholding_of_wages")
            && listed.stdout.contains("via qa-mol"),
        "{}",
        listed.stdout
    );
    let id = listed
        .stdout
        .split_whitespace()
        .find(|w| w.starts_with("v-"))
        .expect("a grievance id")
        .to_owned();
    // A brand, or another intake, reads none of it one by one; the regulator that licensed
    // the employer does.
    for other in ["gb-brand", "np-migrant-centre"] {
        let none = must(voice(other, &["list", "qa-doha-build"]), "list");
        assert!(none.stdout.contains("0 grievance(s)"), "{}", none.stdout);
    }
    let regulator = must(voice("qa-mol", &["list", "qa-doha-build"]), "qa-mol list");
    assert!(
        regulator.stdout.contains("1 grievance(s)"),
        "{}",
        regulator.stdout
    );

    // Only the employer answers; it promises two remedies within a month.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as u64;
    let by = unchain_recruit::voice::date_of_ms(now_ms + 30 * 86_400_000);
    let not_yours = voice(
        "gb-brand",
        &["answer", &id, "--remedy", "wages_paid", "--by", &by],
    );
    assert!(
        !not_yours.ok && not_yours.stderr.contains("only the employer it is about"),
        "{}",
        not_yours.stderr
    );
    must(
        voice(
            "qa-doha-build",
            &[
                "answer",
                &id,
                "--remedy",
                "passport_returned,wages_paid",
                "--by",
                &by,
            ],
        ),
        "the employer answers",
    );
    wait_until("the answer is committed", 30, async || {
        voice("qa-doha-build", &["list", "qa-doha-build"])
            .stdout
            .contains(&format!("remedy promised by {by}"))
    })
    .await;

    // 2. Back with the code: the promise in Nepali; the worker says it was not kept.
    std::io::Write::write_all(&mut to_page, b"{}\n").expect("to page");
    let back = read_line();
    let before = &back["before"];
    assert_eq!(before["h1"], "तपाईंको सन्देश", "{back}");
    assert_eq!(
        before["state"],
        json!([format!("तपाईंको रोजगारदाताले {by} भित्र यो गर्ने वाचा गरेको छ:")]),
        "{back}"
    );
    assert_eq!(
        before["remedies"],
        json!(["तपाईंको राहदानी फिर्ता दिने", "बाँकी तलब तिर्ने"]),
        "{back}"
    );
    assert_eq!(
        back["after"]["state"],
        json!(["श्रम नियामकले यो विषय उठाएको छ।"]),
        "{back}"
    );
    assert_eq!(
        back["after"]["reason"],
        json!(["तपाईंले यो सुधारिएन भन्नुभयो।"]),
        "{back}"
    );
    assert!(
        back["wrong"]
            .to_string()
            .contains("यी शब्दहरूले कुनै सन्देश खोल्दैनन्"),
        "{back}"
    );
    let escalated = must(voice("qa-mol", &["escalations"]), "escalations");
    assert!(
        escalated.stdout.contains("1 grievance(s) escalated")
            && escalated.stdout.contains("not_remedied"),
        "{}",
        escalated.stdout
    );
    let elsewhere = must(voice("gb-brand", &["escalations"]), "brand escalations");
    assert!(
        elsewhere.stdout.contains("0 grievance(s)"),
        "{}",
        elsewhere.stdout
    );

    // 3. The survey in Arabic, and axe on every worker page in three languages.
    let done = read_line();
    assert_eq!(done["survey"]["dir"], "rtl", "{done}");
    assert_eq!(
        done["survey"]["status"],
        json!(["شكرًا لك. ستُحسب إجاباتك مع إجابات عمال آخرين."]),
        "{done}"
    );
    assert_eq!(done["a11y"], json!([]), "WCAG 2.1 A/AA: {done}");
    assert_eq!(
        done["outside"],
        json!([]),
        "nothing from other hosts: {done}"
    );
    assert_eq!(done["cookies"], json!([]), "no cookie: {done}");
    assert_eq!(done["scripts"], json!([]), "no script at all: {done}");
    drop(to_page);
    assert!(browser.wait().expect("browser").success());

    // A month with one grievance and one survey publishes nothing.
    let published = must(
        voice("gb-brand", &["published", "qa-doha-build", "--json"]),
        "published",
    );
    let p: Value = serde_json::from_str(&published.stdout).expect("json");
    assert_eq!((&p["months"], &p["min_group"]), (&json!([]), &json!(11)));
    // The intake reads the worker's words, sealed to it.
    let inbox = must(as_org("qa-mol", &["tips", "list"]), "inbox");
    let tip = inbox
        .stdout
        .split_whitespace()
        .find(|w| w.starts_with("t-"))
        .expect("the grievance's tip")
        .to_owned();
    let opened = must(
        as_org("qa-mol", &["tips", "show", &tip]),
        "the intake opens it",
    );
    assert!(
        opened.stdout.contains(WORDS)
            && opened
                .stdout
                .contains("My passport or ID card is kept by someone else"),
        "{}",
        opened.stdout
    );

    // The ministry's console: the escalated grievance, with its month and indicators.
    let (password, _) = add_console_user(&chain.config(), "noora", "compliance_officer");
    let out = Command::new("node")
        .arg(repo_root().join("tests/js/console_page.mjs"))
        .args([url.as_str(), "noora", &password, "/console/recruit"])
        .arg(shots.join("console-recruit-voice.png"))
        .output()
        .expect("start node (Node.js) with the Playwright script");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    assert_eq!(
        seen["rows"]["recruit-escalations.escalated"],
        json!(1),
        "{seen}"
    );
    assert!(seen["text"].to_string().contains("not remedied"), "{seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
    assert_eq!(seen["a11y"], json!([]), "WCAG 2.1 A/AA: {seen}");

    // Nothing the node wrote holds the words, the address or the user agent in plaintext.
    drop(node);
    for file in files(chain.dir.path()) {
        let bytes = std::fs::read(&file).expect("read");
        for secret in [WORDS, "Supervisor Bikram", UA, "phone-of-worker", WORKER_IP] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret:?} in {}",
                file.display()
            );
        }
    }
}
