//! The agency console on real nodes.
//!
//! - In headless chromium (`tests/js/console.mjs`), across three agencies' nodes:
//!   - an investigator logs in, opens a case over sealed details, adds to them, opens them,
//!     and shares the case with another agency, whose investigator sees it on her own
//!     node's console and opens it;
//!   - evidence is recorded (its file hashed in the browser) and handed over, signed by
//!     both sides; the proof bundle downloaded from the console verifies offline;
//!   - a custodian, who may not read sealed content, is refused, and the attempt is in
//!     the audit log; an agency the case was never shared with is refused too.
//!   - Screenshots of the main pages go to `target/console-screenshots/` (or
//!     `UNCHAIN_SCREENSHOTS`).
//! - Over plain HTTP: forms without the session's CSRF token or from another origin are
//!   refused and change nothing; a session id planted before login is never adopted; a
//!   session of one node means nothing at another; logout ends the session.

mod common;

use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ORGS: [&str; 3] = ["th-dsi:TH", "my-police:MY", "gb-other:GB"];
const CASE: &str = "TH/2026/0077";
const PHONE: &str = "+66 81 555 0142";

struct Account {
    user: &'static str,
    password: String,
    id: String,
}

/// `unchain user add` on `org`'s node with a password from stdin.
fn add_user(chain: &Chain, org: &str, user: &'static str, roles: &str) -> Account {
    let config = if org == "th-dsi" {
        chain.config()
    } else {
        chain.dir.path().join(format!("node-{org}.toml"))
    };
    let (password, out) = add_console_user(&config, user, roles);
    let id = field(&out, "id");
    Account { user, password, id }
}

fn screenshots_dir() -> PathBuf {
    std::env::var_os("UNCHAIN_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/console-screenshots"))
}

fn audit_lines(data: &Path) -> Vec<Value> {
    std::fs::read_to_string(data.join("audit/reads.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("audit line"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn three_agencies_work_a_case_and_its_evidence_in_the_browser() {
    let script = repo_root().join("tests/js/console.mjs");
    assert!(
        repo_root()
            .join("tests/js/node_modules/playwright-core")
            .exists(),
        "Playwright is not installed: run `bash .ci/run` (it runs npm ci in tests/js)"
    );
    let chain = Chain::init_validators(&ORGS, 1);
    let mut nodes = vec![chain.start_validator(None).await];
    for name in ["my-police", "gb-other"] {
        nodes.push(chain.start_validator(Some(name)).await);
    }
    let url = |i: usize| nodes[i].client().base().to_owned();
    let anna = add_user(&chain, "th-dsi", "anna", "investigator");
    let carl = add_user(&chain, "th-dsi", "carl", "custodian");
    let mia = add_user(&chain, "my-police", "mia", "investigator,custodian");
    let gus = add_user(&chain, "gb-other", "gus", "investigator");

    let work = tempfile::tempdir().expect("work");
    let leaflet = work.path().join("job-advert.pdf");
    std::fs::write(
        &leaflet,
        pdf_with_author("Reporter Name", "Car wash jobs, good pay"),
    )
    .expect("pdf");
    let evidence = work.path().join("phone-extraction.bin");
    std::fs::write(
        &evidence,
        b"forensic image of the recruiter's phone\x00\x01\x02",
    )
    .expect("file");
    must(
        unchain(&[
            "finance",
            "synth",
            "--out",
            &work.path().join("bank").display().to_string(),
            "--accounts",
            "400",
            "--transactions",
            "4000",
            "--per-typology",
            "2",
        ]),
        "a synthetic bank export",
    );
    let shots = screenshots_dir();
    std::fs::create_dir_all(&shots).expect("screenshots dir");
    let who = |a: &Account| json!({"user": a.user, "password": a.password, "id": a.id});
    let cfg = json!({
        "dsi": url(0), "mp": url(1), "gb": url(2),
        "anna": who(&anna), "carl": who(&carl), "mia": who(&mia), "gus": who(&gus),
        "case": CASE, "phone": PHONE,
        "summary": "Workers recruited through a Telegram job advert, passports held by the employer.",
        "note": "Second interview: the recruiter's phone was seized on 12 November.",
        "tip": "Twelve men sleep locked in the hold of the blue trawler Sea Star 7.",
        "evidence": evidence, "shots": shots, "downloads": work.path(), "leaflet": leaflet,
        "transactions": work.path().join("bank/transactions.csv"),
    });
    let cfg_path = work.path().join("console.json");
    std::fs::write(&cfg_path, cfg.to_string()).expect("config");
    let out = Command::new("node")
        .arg(&script)
        .arg(&cfg_path)
        .stderr(Stdio::inherit())
        .output()
        .expect("start node (Node.js) with the Playwright script");
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "the script printed {:?} ({e})",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert!(
        seen.get("failure").is_none(),
        "the browser run failed: {seen:#}"
    );
    let text = |k: &str| {
        seen[k]
            .as_str()
            .unwrap_or_else(|| panic!("{k} in {seen:#}"))
            .to_owned()
    };

    // The tip: on the dashboard, opened, triaged, answered.
    assert_eq!(text("tips_tile"), "1");
    assert!(
        text("tip_opened").contains("Twelve men sleep locked in the hold"),
        "{seen:#}"
    );
    assert!(
        text("tip_opened").contains("Fishing pier 9, Samut Sakhon"),
        "{seen:#}"
    );
    assert!(
        text("triage_flash").starts_with("Recorded in block"),
        "{seen:#}"
    );
    assert_eq!(text("tip_priority"), "immediate");
    assert!(
        text("reply_flash").starts_with("Reply sealed and recorded"),
        "{seen:#}"
    );
    let pdf = std::fs::read(work.path().join("tip-file.pdf")).expect("the tip's file");
    assert!(pdf.starts_with(b"%PDF-") && pdf.windows(13).any(|w| w == b"Car wash jobs"));
    assert!(
        !pdf.windows(13).any(|w| w == b"Reporter Name"),
        "the PDF's author was removed before sealing"
    );
    assert!(
        text("tip_after_reply").contains("Officers are on their way"),
        "{seen:#}"
    );

    assert!(
        text("converted_flash").contains("The tip became case CASE-"),
        "{seen:#}"
    );
    assert_eq!(text("converted_status"), "received");
    assert!(
        text("converted_details").contains(PHONE)
            && text("converted_details").contains("perpetrator"),
        "the reporter's phone number became a person of the sealed case: {seen:#}"
    );

    // Logging in, opening the case, attaching, opening, sharing.
    assert!(
        text("login_url").contains("/console/login?next="),
        "{seen:#}"
    );
    assert!(text("anna_who").contains(&anna.id), "{seen:#}");
    assert!(
        text("opened_flash").contains(&format!("Case {CASE} opened")),
        "{seen:#}"
    );
    assert_eq!(text("case_status"), "open");
    assert!(
        text("attached_flash").contains("Version 2 sealed and attached"),
        "{seen:#}"
    );
    for part in [
        "Workers recruited through a Telegram",
        "the recruiter's phone was seized",
        PHONE,
        "Somchai",
    ] {
        assert!(text("anna_details").contains(part), "{part} in {seen:#}");
    }
    assert!(
        text("shared_flash").contains("Shared with and referred to my-police"),
        "{seen:#}"
    );
    assert_eq!(text("referred"), "my-police");

    // The hand-over, signed by both sides.
    assert_eq!(text("hashed_in_browser"), text("evidence_sha256"));
    assert!(
        text("collected_flash").starts_with("Recorded in block"),
        "{seen:#}"
    );
    assert!(
        text("transfer_flash").starts_with("Recorded in block"),
        "{seen:#}"
    );
    assert_eq!(text("status_after_transfer"), "in transit");
    assert!(
        text("mia_referrals").contains(CASE) && text("mia_referrals").contains("th-dsi"),
        "{seen:#}"
    );
    assert!(
        text("mia_details").contains("the recruiter's phone was seized"),
        "{seen:#}"
    );
    assert!(
        text("receive_flash").starts_with("Recorded in block"),
        "{seen:#}"
    );
    assert_eq!(text("status_after_receive"), "held");
    assert!(
        text("holder_after_receive").contains(&format!("my-police ({})", mia.id)),
        "{seen:#}"
    );
    assert!(
        text("seal_refused").contains("seal_number"),
        "the refusal names the field: {seen:#}"
    );
    assert!(
        text("analysed_flash").starts_with("Recorded in block"),
        "{seen:#}"
    );
    let picture = text("custody_picture");
    assert!(
        picture.contains("th-dsi collected")
            && picture.contains("th-dsi handed over")
            && picture.contains("my-police received")
            && picture.contains("my-police analysed"),
        "{picture}"
    );

    // The bundle downloaded from the console verifies offline against the genesis.
    let bundle = work.path().join("custody-bundle.json");
    let genesis = chain.genesis().display().to_string();
    let ok = must(
        unchain(&[
            "verify",
            "custody",
            &bundle.display().to_string(),
            "--genesis",
            &genesis,
        ]),
        "verify the downloaded bundle",
    );
    assert!(ok.stdout.starts_with("VERIFIED"), "{}", ok.stdout);
    assert!(
        ok.stdout.contains("received") && ok.stdout.contains("analysed"),
        "{}",
        ok.stdout
    );
    let report = std::fs::read_to_string(work.path().join("custody-report.html")).expect("report");
    assert!(report.contains("<h1>Chain of custody</h1>") && report.contains("Verified:"));
    assert!(
        report.contains("Royal Malaysia Police forensic lab"),
        "{report}"
    );

    // Refusals: a custodian (no role to read), and an agency never granted the record.
    assert_eq!(seen["carl_sees_open_button"], 0);
    assert_eq!(seen["carl_open_status"], 403);
    assert!(
        text("carl_open_text").contains("Not available to your role"),
        "{seen:#}"
    );
    assert!(!text("carl_open_text").contains("Telegram"), "{seen:#}");
    assert_eq!(seen["gus_open_status"], 403);
    assert!(
        text("gus_open_text").contains("gb-other cannot open this record"),
        "{seen:#}"
    );
    assert_eq!(seen["gus_sees_details"], 0);

    // The attempts are in each node's audit log, with the user's id, and on Anna's page.
    let dsi_audit = audit_lines(&chain.dir.path().join("data"));
    assert!(
        dsi_audit
            .iter()
            .any(|e| e["actor"] == carl.id.as_str() && e["allowed"] == false),
        "{dsi_audit:#?}"
    );
    assert!(
        dsi_audit
            .iter()
            .any(|e| e["actor"] == anna.id.as_str() && e["allowed"] == true)
    );
    let gb_audit = audit_lines(&chain.dir.path().join("data-gb-other"));
    assert!(
        gb_audit
            .iter()
            .any(|e| e["actor"] == gus.id.as_str() && e["allowed"] == false),
        "{gb_audit:#?}"
    );
    let rows = seen["audit_rows"].as_array().expect("rows");
    assert!(
        rows.iter()
            .any(|r| r.as_str().unwrap_or("").contains(&carl.id)
                && r.as_str().unwrap_or("").contains("refused")),
        "{rows:#?}"
    );

    let links = text("links");
    assert!(
        links.contains("referred to: my-police")
            && links.contains("evidence: Recruiter's phone, seized at the agency office"),
        "{links}"
    );
    assert_eq!(text("identity_title"), "Identity");

    // Money flows: the export read in full, every detector run, alerts drawn.
    let payments: usize = text("money_payments").parse().expect("payments");
    assert!(payments > 4000, "{seen:#}");
    assert!(
        text("money_alerts").parse::<usize>().expect("alerts") >= 13,
        "{seen:#}"
    );
    assert_eq!(
        seen["money_detectors"],
        unchain_finance::detect::DETECTORS.len()
    );
    assert!(
        seen["money_graphs"].as_u64().expect("graphs") >= 13,
        "{seen:#}"
    );

    // What the console opened on the nodes stayed in memory: no node's files or logs (the
    // ledger, the vault, the audit log, the consensus journals) hold any of it in plaintext.
    drop(nodes);
    let secrets = [
        "Workers recruited through a Telegram",
        "the recruiter's phone was seized",
        "Somchai",
        "555 0142",
        "815550142",
        "Twelve men sleep locked",
        "Officers are on their way",
    ];
    for file in files(chain.dir.path()) {
        let bytes = std::fs::read(&file).expect("read");
        for s in secrets {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "{s:?} in plaintext in {}",
                file.display()
            );
        }
    }

    // The ledger pages, the languages, the tablet, the keyboard, logout.
    assert!(text("ledger_height").parse::<u64>().expect("height") > 0);
    assert_eq!(text("tx_status"), "committed");
    assert_eq!(seen["tx_proof"], 1);
    assert_eq!(text("es_title"), "Lo que requiere su atención");
    assert_eq!(text("th_title"), "คดี");
    assert_eq!(text("th_lang"), "th");
    assert_eq!(seen["search_rows"], 1);
    assert_eq!(text("first_tab"), "skip");
    assert_eq!(text("after_skip"), "main");
    assert!(text("after_logout").contains("/console/login"), "{seen:#}");
    assert!(
        text("after_logout_cases").contains("/console/login?next="),
        "{seen:#}"
    );
    assert!(
        text("idle_warning").contains("signed out in one minute"),
        "{seen:#}"
    );
    assert_eq!(text("idle_focus"), "Stay signed in");
    assert_eq!(seen["keepalive"], 204);
    assert_eq!(seen["a11y_pages"], 15);
    assert_eq!(
        seen["a11y"],
        json!([]),
        "accessibility (axe-core, WCAG 2.1 AA): {seen:#}"
    );
    assert_eq!(
        seen["outside"],
        json!([]),
        "requests to other hosts: {seen:#}"
    );
    assert_eq!(
        seen["errors"],
        json!([]),
        "console errors (a CSP violation is one): {seen:#}"
    );
    for name in [
        "login",
        "dashboard",
        "case-opened",
        "custody-received",
        "ledger",
        "cases-th",
    ] {
        assert!(
            shots.join(format!("{name}.png")).exists(),
            "screenshot {name}"
        );
    }
}

/// A plain HTTP client that keeps no cookies of its own.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The text after `prefix` in `html`, up to the next `"`.
fn attr_value(html: &str, prefix: &str) -> String {
    let at = html
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {html}"))
        + prefix.len();
    html[at..at + html[at..].find('"').expect("end")].to_owned()
}

/// Logs in over HTTP, sending `planted` as a session cookie first; the new session id.
async fn login(base: &str, user: &Account, planted: Option<&str>) -> String {
    let c = http();
    let page = c
        .get(format!("{base}/console/login"))
        .send()
        .await
        .expect("login page");
    let nonce = set_cookie(&page, "unchain_login").expect("nonce cookie");
    let token = hidden(&page.text().await.expect("html"), "csrf");
    let mut cookie = format!("unchain_login={nonce}");
    if let Some(p) = planted {
        cookie.push_str(&format!("; unchain_console={p}"));
    }
    let r = c
        .post(format!("{base}/console/login"))
        .header("cookie", cookie)
        .form(&[
            ("user", user.user),
            ("password", &user.password),
            ("csrf", &token),
            ("next", "/console"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 303, "login answered {}", r.status());
    set_cookie(&r, "unchain_console").expect("session cookie")
}

async fn get(base: &str, path: &str, sid: &str) -> reqwest::Response {
    http()
        .get(format!("{base}{path}"))
        .header("cookie", format!("unchain_console={sid}"))
        .send()
        .await
        .expect("get")
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_forms_planted_sessions_and_foreign_sessions_are_refused() {
    let chain = Chain::init_validators(&["th-dsi:TH", "my-police:MY"], 1);
    // my-police keeps sealed content off its node.
    let mp_config = chain.dir.path().join("node-my-police.toml");
    let text = std::fs::read_to_string(&mp_config).expect("config");
    assert!(text.contains("[console]\nsealed = true"), "{text}");
    std::fs::write(
        &mp_config,
        text.replace("[console]\nsealed = true", "[console]\nsealed = false"),
    )
    .expect("config");
    let dsi = chain.start_validator(None).await;
    let mp = chain.start_validator(Some("my-police")).await;
    let anna = add_user(&chain, "th-dsi", "anna", "investigator");
    let mo = add_user(&chain, "my-police", "mo", "investigator");
    let (a, m) = (
        dsi.client().base().to_owned(),
        mp.client().base().to_owned(),
    );

    // Session fixation: an id the attacker chose is never adopted, and means nothing.
    let planted = "0".repeat(64);
    assert_eq!(get(&a, "/console", &planted).await.status(), 303);
    let sid = login(&a, &anna, Some(&planted)).await;
    assert_ne!(sid, planted);
    assert_eq!(
        get(&a, "/console", &planted).await.status(),
        303,
        "the planted id is not a session"
    );
    let page = get(&a, "/console/cases/new", &sid).await;
    assert_eq!(page.status(), 200);
    let csrf = hidden(&page.text().await.expect("html"), "csrf");
    // Logging in again ends the session the browser sent.
    let second = login(&a, &anna, Some(&sid)).await;
    assert_ne!(second, sid);
    assert_eq!(
        get(&a, "/console", &sid).await.status(),
        303,
        "the old session ended at re-login"
    );
    let csrf2 = hidden(
        &get(&a, "/console/cases/new", &second)
            .await
            .text()
            .await
            .expect("html"),
        "csrf",
    );
    assert_ne!(csrf, csrf2, "each session has its own token");

    // CSRF: without the token, with another session's token, or from another origin.
    let post = |sid: String, form: Vec<(&'static str, String)>, origin: Option<&'static str>| {
        let a = a.clone();
        async move {
            let mut r = http()
                .post(format!("{a}/console/cases"))
                .header("cookie", format!("unchain_console={sid}"))
                .form(&form);
            if let Some(o) = origin {
                r = r.header("origin", o);
            }
            r.send().await.expect("post")
        }
    };
    let case = |csrf: &str| {
        vec![
            ("csrf", csrf.to_owned()),
            ("case", "TH/CSRF/1".to_owned()),
            ("kind", "investigation".to_owned()),
            ("summary", "forged".to_owned()),
        ]
    };
    for (form, origin, what) in [
        (case(""), None, "no token"),
        (case(&csrf), None, "the token of an ended session"),
        (case(&csrf2), Some("http://evil.example"), "another origin"),
    ] {
        let r = post(second.clone(), form, origin).await;
        assert_eq!(r.status(), 403, "{what}");
        assert!(
            r.text()
                .await
                .expect("html")
                .contains("Nothing was changed"),
            "{what}"
        );
    }
    let created = post(second.clone(), case(&csrf2), None).await;
    assert_eq!(created.status(), 303, "the real form is accepted");
    let cases = get(&a, "/console/cases", &second)
        .await
        .text()
        .await
        .expect("html");
    assert_eq!(
        cases.matches(">TH/CSRF/1</a>").count(),
        1,
        "one case, from the real form only"
    );

    // The login form itself needs its nonce.
    let r = http()
        .post(format!("{a}/console/login"))
        .form(&[
            ("user", "anna"),
            ("password", anna.password.as_str()),
            ("csrf", "x"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 403);
    assert!(set_cookie(&r, "unchain_console").is_none());

    // A session belongs to the node that made it: th-dsi's session opens nothing at my-police.
    assert_eq!(get(&m, "/console/cases", &second).await.status(), 303);

    // A node configured not to seal or open records refuses to, even a record shared with
    // its organisation, and logs the attempt.
    let r = http()
        .post(format!("{a}/console/case/share"))
        .header("cookie", format!("unchain_console={second}"))
        .form(&[
            ("csrf", csrf2.as_str()),
            ("id", "TH/CSRF/1"),
            ("to", "my-police"),
            ("purpose", "joint investigation"),
            ("legal_basis", "public_task"),
            ("reason", "Other"),
        ])
        .send()
        .await
        .expect("share");
    assert_eq!(r.status(), 303);
    let mo_sid = login(&m, &mo, None).await;
    wait_until("my-police has the referral", 60, async || {
        get(&m, "/console/case?id=TH%2FCSRF%2F1", &mo_sid)
            .await
            .text()
            .await
            .is_ok_and(|t| t.contains("id=\"case-referred\""))
    })
    .await;
    let page = get(&m, "/console/case?id=TH%2FCSRF%2F1", &mo_sid)
        .await
        .text()
        .await
        .expect("html");
    assert!(page.contains("id=\"sealed-off\""), "{page}");
    assert!(!page.contains("open-details"), "{page}");
    let mo_csrf = hidden(&page, "csrf");
    let r = http()
        .post(format!("{m}/console/case/open"))
        .header("cookie", format!("unchain_console={mo_sid}"))
        .form(&[("csrf", mo_csrf.as_str()), ("id", "TH/CSRF/1")])
        .send()
        .await
        .expect("open");
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .expect("html")
            .contains("does not seal or open records"),
        "refused because this node opens nothing, not for want of a grant"
    );
    let r = http()
        .post(format!("{m}/console/cases"))
        .header("cookie", format!("unchain_console={mo_sid}"))
        .form(&[
            ("csrf", mo_csrf.as_str()),
            ("case", "MY/1"),
            ("kind", "investigation"),
            ("summary", "should not be sealed here"),
        ])
        .send()
        .await
        .expect("create");
    // The node's refusal keeps its status: the form was fine, this node will not seal.
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .expect("html")
            .contains("does not seal or open records"),
    );
    let mp_audit =
        std::fs::read_to_string(chain.dir.path().join("data-my-police/audit/reads.jsonl"))
            .expect("my-police audit log");
    assert!(
        mp_audit.contains(&format!("\"actor\":\"{}\"", mo.id))
            && mp_audit.contains("\"allowed\":false"),
        "{mp_audit}"
    );

    // Security headers on every page.
    let r = get(&a, "/console/cases", &second).await;
    let h = |k: &str| {
        r.headers()
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(h("cache-control"), "no-store");
    assert_eq!(h("x-frame-options"), "DENY");
    assert!(h("content-security-policy").contains("script-src 'self'"));
    // Assets are named by their content, so browsers may keep them; pages may not be kept.
    let html = r.text().await.expect("html");
    let css = attr_value(&html, "rel=\"stylesheet\" href=\"");
    assert!(
        css.starts_with("/console/assets/console.") && css.ends_with(".css"),
        "{css}"
    );
    let asset = http().get(format!("{a}{css}")).send().await.expect("css");
    assert_eq!(asset.status(), 200);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let stale = http()
        .get(format!("{a}/console/assets/console.css"))
        .send()
        .await
        .expect("css");
    assert_eq!(stale.status(), 404);

    // Password guessing: five wrong passwords lock the name, even for the right one.
    let vic = add_user(&chain, "th-dsi", "vic", "analyst");
    let attempt = |password: String| {
        let a = a.clone();
        async move {
            let c = http();
            let page = c
                .get(format!("{a}/console/login"))
                .send()
                .await
                .expect("page");
            let nonce = set_cookie(&page, "unchain_login").expect("nonce");
            let token = hidden(&page.text().await.expect("html"), "csrf");
            c.post(format!("{a}/console/login"))
                .header("cookie", format!("unchain_login={nonce}"))
                .form(&[("user", "vic"), ("password", &password), ("csrf", &token)])
                .send()
                .await
                .expect("login")
        }
    };
    for i in 0..5 {
        let r = attempt(format!("guess {i}")).await;
        assert_eq!(r.status(), 401, "guess {i}");
    }
    let r = attempt(vic.password.clone()).await;
    assert_eq!(r.status(), 429);
    assert!(set_cookie(&r, "unchain_console").is_none());
    assert!(
        r.text()
            .await
            .expect("html")
            .contains("Too many failed sign-ins")
    );
    login(&a, &anna, None).await;

    // Logout needs the token, then ends the session.
    let r = http()
        .post(format!("{a}/console/logout"))
        .header("cookie", format!("unchain_console={second}"))
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status(), 403);
    assert_eq!(
        get(&a, "/console", &second).await.status(),
        200,
        "still signed in"
    );
    let r = http()
        .post(format!("{a}/console/logout"))
        .header("cookie", format!("unchain_console={second}"))
        .form(&[("csrf", csrf2.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status(), 303);
    assert_eq!(
        get(&a, "/console", &second).await.status(),
        303,
        "signed out"
    );
}

/// Every page takes its language from `?lang=`, those whose path holds an id too (an
/// evidence item, a money scan): they once read it from a path rebuilt without the query.
#[tokio::test(flavor = "multi_thread")]
async fn pages_with_an_id_in_their_path_take_the_language_from_the_query() {
    let chain = Chain::init(&["th-dsi:TH"]);
    let node = chain.start().await;
    let base = node.client().base().to_owned();
    let anna = add_user(&chain, "th-dsi", "anna", "investigator");
    for (path, english) in [
        (
            format!("/console/custody/item/{}", "ab".repeat(32)),
            "<html lang=\"en\"",
        ),
        (
            "/console/money/no-such-scan".to_owned(),
            "<html lang=\"en\"",
        ),
    ] {
        let sid = login(&base, &anna, None).await;
        let en = get(&base, &path, &sid).await.text().await.expect("html");
        assert!(en.contains(english), "{path}: {en}");
        let th = get(&base, &format!("{path}?lang=th"), &sid)
            .await
            .text()
            .await
            .expect("html");
        assert!(th.contains("<html lang=\"th\""), "{path}?lang=th: {th}");
    }
}
