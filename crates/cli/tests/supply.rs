//! Supply chains across real node processes: a brand captures its chain (farm → spinner →
//! garment factory) with `unchain supply capture`, a labour inspectorate files a finding at
//! the spinner with `unchain supply finding` and sees it reach the garment lot made from
//! the spinner's yarn and not the lot made from other yarn; the spinner files a plan, the
//! inspectorate verifies it and the flag is gone. The EPCIS REST binding captures the same
//! kind of document for a compliance officer's token, follows the capture job, and pages
//! through the events with `nextPageToken`.

mod common;

use common::*;
use serde_json::{Value, json};
use unchain_epcis::gs1::percent_encode as enc;

/// Runs `tests/js/{script}` under Node.js with `args` (Playwright driving Debian chromium);
/// the one JSON line it prints.
fn run_js(script: &str, args: &[&str]) -> Value {
    assert!(
        repo_root()
            .join("tests/js/node_modules/playwright-core")
            .exists(),
        "Playwright is not installed: run `bash .ci/run` (it runs npm ci in tests/js)"
    );
    let out = std::process::Command::new("node")
        .arg(repo_root().join("tests/js").join(script))
        .args(args)
        .output()
        .expect("start node (Node.js) with the Playwright script");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON line")
}

/// Where screenshots go: beside the console's.
fn shots() -> std::path::PathBuf {
    let shots = std::env::var_os("UNCHAIN_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/console-screenshots"));
    std::fs::create_dir_all(&shots).expect("screenshots dir");
    shots
}

/// Opens `url` in headless chromium with JavaScript off (`tests/js/provenance_page.mjs`),
/// saving a screenshot as `name.png` beside the console's; what the page showed.
fn browse(url: &str, name: &str) -> Value {
    let shot = shots().join(format!("{name}.png"));
    run_js("provenance_page.mjs", &[url, &shot.display().to_string()])
}

const ORGS: [&str; 3] = ["brand:TH", "spinner-co:TH", "inspectorate:TH"];

fn site(n: u32) -> String {
    format!("urn:epc:id:sgln:4012345.{n:05}.0")
}

fn lot(item: &str, lot: &str) -> String {
    format!("urn:epc:class:lgtin:4012345.{item}.{lot}")
}

fn event(kind: &str, day: u32, loc: u32, extra: Value) -> Value {
    let mut e = json!({
        "type": kind,
        "eventTime": format!("2026-03-{day:02}T08:00:00Z"),
        "eventTimeZoneOffset": "+07:00",
        "bizStep": "commissioning",
        "readPoint": {"id": site(loc)},
        "bizLocation": {"id": site(loc)},
    });
    for (k, v) in extra.as_object().expect("object") {
        e[k] = v.clone();
    }
    e
}

fn qty(class: &str) -> Value {
    json!([{"epcClass": class, "quantity": 120.5, "uom": "KGM"}])
}

/// Cotton from the farm (1) spun at the spinner (2) into Y1, made into garments G1 at the
/// factory (3); garments G2 at the factory from yarn Y2 bought elsewhere.
fn document() -> Value {
    let events = vec![
        event(
            "ObjectEvent",
            1,
            1,
            json!({"action": "ADD", "epcList": [], "quantityList": qty(&lot("010001", "C1"))}),
        ),
        event(
            "TransformationEvent",
            2,
            2,
            json!({"inputQuantityList": qty(&lot("010001", "C1")), "outputQuantityList": qty(&lot("010003", "Y1"))}),
        ),
        event(
            "ObjectEvent",
            2,
            3,
            json!({"action": "ADD", "epcList": [], "quantityList": qty(&lot("010003", "Y2"))}),
        ),
        event(
            "TransformationEvent",
            4,
            3,
            json!({"inputQuantityList": qty(&lot("010003", "Y1")), "outputQuantityList": qty(&lot("010004", "G1"))}),
        ),
        event(
            "TransformationEvent",
            4,
            3,
            json!({"inputQuantityList": qty(&lot("010003", "Y2")), "outputQuantityList": qty(&lot("010004", "G2"))}),
        ),
    ];
    json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-05T00:00:00Z",
        "epcisBody": {"eventList": events},
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finding_at_the_spinner_reaches_the_garments_made_from_its_yarn_until_verified() {
    let chain = Chain::init_validators(&ORGS, 1);
    let mut nodes = vec![chain.start_validator(None).await];
    for name in ["spinner-co", "inspectorate"] {
        nodes.push(chain.start_validator(Some(name)).await);
    }
    let url: Vec<String> = nodes.iter().map(|n| n.client().base().to_owned()).collect();
    let run = |i: usize, org: &str, args: &[&str]| {
        let key = chain.dir.path().join("keys").join(format!("{org}.json"));
        let mut all: Vec<String> = vec!["supply".into()];
        all.extend(args.iter().map(|s| s.to_string()));
        all.extend([
            "--key".into(),
            key.display().to_string(),
            "--node".into(),
            url[i].clone(),
        ]);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        unchain(&refs)
    };
    for (n, sector) in [(1, "cotton-farming"), (3, "garment-making")] {
        let s = site(n);
        must(
            run(
                0,
                "brand",
                &[
                    "facility",
                    "--id",
                    &s,
                    "--name",
                    &format!("Site {n}"),
                    "--country",
                    "TH",
                    "--sector",
                    sector,
                ],
            ),
            "facility",
        );
    }
    must(
        run(
            1,
            "spinner-co",
            &[
                "facility",
                "--id",
                &site(2),
                "--name",
                "Spinner",
                "--country",
                "TH",
                "--sector",
                "spinning",
                "--operator",
                "spinner-co",
            ],
        ),
        "the spinner registers itself",
    );
    let desk = tempfile::tempdir().expect("desk");
    let file = desk.path().join("chain.jsonld");
    std::fs::write(&file, document().to_string()).expect("write");
    let captured = must(
        run(0, "brand", &["capture", &file.display().to_string()]),
        "capture",
    );
    assert_eq!(captured.stdout.lines().count(), 5, "{}", captured.stdout);
    assert!(
        captured.stdout.starts_with("ni:///sha-256;"),
        "{}",
        captured.stdout
    );

    let finding = must(
        run(
            2,
            "inspectorate",
            &[
                "finding",
                "--facility",
                &site(2),
                "--indicator",
                "retention_of_identity_documents",
                "--severity",
                "high",
                "--description",
                "Passports held by the employer",
                "--evidence-hash",
                &"ab".repeat(32),
            ],
        ),
        "finding",
    );
    let g1 = "https://id.gs1.org/01/04012345100044/10/G1";
    let g2 = "https://id.gs1.org/01/04012345100044/10/G2";
    assert!(finding.stdout.contains(g1), "{}", finding.stdout);
    assert!(
        finding
            .stdout
            .contains("https://id.gs1.org/01/04012345100037/10/Y1"),
        "{}",
        finding.stdout
    );
    assert!(!finding.stdout.contains(g2), "{}", finding.stdout);
    let id = finding
        .stderr
        .split("the finding's id is ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("the finding's id")
        .to_owned();

    let trace = must(run(0, "brand", &["trace", &lot("010004", "G1")]), "trace");
    assert!(
        trace.stdout.contains(&format!("FLAGGED by finding {id}")),
        "{}",
        trace.stdout
    );
    assert!(
        trace
            .stdout
            .contains("tier -1 https://id.gs1.org/01/04012345100037/10/Y1"),
        "{}",
        trace.stdout
    );
    let clean = must(
        run(0, "brand", &["trace", &lot("010004", "G2")]),
        "trace G2",
    );
    assert!(
        clean.stdout.contains("no open finding flags it"),
        "{}",
        clean.stdout
    );

    // Anyone: the public page by GS1 Digital Link, and its bundle verified offline.
    let http = reqwest::Client::new();
    let page_url = format!("{}/01/04012345100044/10/G1", url[0]);
    let page = http.get(&page_url).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(
        html.contains("1 open finding of forced labour reaches these goods"),
        "{html}"
    );
    assert!(
        !html.contains("Passports held"),
        "no finding's free text on the public page"
    );
    let seen = browse(&page_url, "provenance-flagged");
    assert_eq!(seen["status"], json!(200), "{seen}");
    assert!(
        seen["verdict"]
            .as_str()
            .expect("verdict")
            .contains("1 open finding"),
        "{seen}"
    );
    assert_eq!(seen["verdictClass"], json!("verdict flagged"), "{seen}");
    // G1, and the yarn it was made from, are on the finding's path: red; the cotton is not.
    assert_eq!(seen["flagged"], json!(2), "{seen}");
    assert_eq!(seen["clear"], json!(1), "{seen}");
    assert!(
        seen["findings"][0]
            .as_str()
            .expect("row")
            .contains("Retention of identity documents"),
        "{seen}"
    );
    assert_eq!(
        seen["outside"],
        json!([]),
        "the page loads nothing from another host"
    );
    let bundle = http
        .get(format!("{page_url}?format=bundle"))
        .send()
        .await
        .expect("bundle");
    let bundle_file = desk.path().join("provenance.json");
    std::fs::write(&bundle_file, bundle.bytes().await.expect("bytes")).expect("write");
    let verified = must(
        unchain(&[
            "verify",
            "provenance",
            &bundle_file.display().to_string(),
            "--genesis",
            &chain.genesis().display().to_string(),
            "--dossier",
            &desk.path().join("dossier.html").display().to_string(),
        ]),
        "verify provenance",
    );
    assert!(
        verified
            .stdout
            .contains("VERIFIED provenance of https://id.gs1.org/01/04012345100044/10/G1"),
        "{}",
        verified.stdout
    );
    assert!(
        verified.stdout.contains("OPEN, REACHES THESE GOODS"),
        "{}",
        verified.stdout
    );
    // The dossier, offline from the bundle and online from the node, names the same bundle.
    let offline = std::fs::read_to_string(desk.path().join("dossier.html")).expect("dossier");
    assert!(
        offline.contains("Due-diligence dossier: forced labour"),
        "{offline}"
    );
    assert!(
        offline.contains("FLAGGED: Retention of identity documents"),
        "{offline}"
    );
    let online = http
        .get(format!("{page_url}?format=dossier"))
        .send()
        .await
        .expect("dossier")
        .text()
        .await
        .expect("html");
    let sha = |page: &str| {
        page.split("SHA-256 <code>")
            .nth(1)
            .map(|r| r[..64].to_owned())
    };
    assert_eq!(sha(&online), sha(&offline), "the same bundle");
    assert!(sha(&online).is_some());
    // An importer's one command: fetch, verify, write the dossier (HTML and JSON) to hand over.
    let folder = desk.path().join("for-customs");
    must(
        unchain(&[
            "supply",
            "dossier",
            &lot("010004", "G1"),
            "--out",
            &folder.display().to_string(),
            "--genesis",
            &chain.genesis().display().to_string(),
            "--node",
            &url[0],
        ]),
        "supply dossier",
    );
    let machine: Value =
        serde_json::from_slice(&std::fs::read(folder.join("dossier.json")).expect("dossier.json"))
            .expect("JSON");
    assert_eq!(machine["type"], json!("UnchainDueDiligenceDossier"));
    assert_eq!(
        machine["bundle_sha256"].as_str(),
        sha(&online).as_deref(),
        "the dossier names the bundle it came from"
    );
    assert_eq!(machine["summary"]["flagged"], json!(1), "{machine}");
    assert_eq!(
        machine["covered"][0]["goods"],
        json!("https://id.gs1.org/01/04012345100044/10/G1")
    );
    let bundle_sha = unchain_types::Hash32::digest(
        &std::fs::read(folder.join("provenance-bundle.json")).expect("bundle"),
    )
    .to_hex();
    assert_eq!(machine["bundle_sha256"], json!(bundle_sha));
    assert!(
        std::fs::read_to_string(folder.join("dossier.html"))
            .expect("dossier.html")
            .contains(&bundle_sha)
    );
    let served: Value = http
        .get(format!("{page_url}?format=dossier-json"))
        .send()
        .await
        .expect("dossier-json")
        .json()
        .await
        .expect("JSON");
    assert_eq!(served["bundle_sha256"], machine["bundle_sha256"]);
    let unknown = unchain(&[
        "supply",
        "dossier",
        "urn:epc:class:lgtin:4012345.010004.NOPE",
        "--out",
        &desk.path().join("none").display().to_string(),
        "--node",
        &url[0],
    ]);
    assert!(!unknown.ok);
    assert!(unknown.stderr.contains("404"), "{}", unknown.stderr);
    assert!(!desk.path().join("none").join("dossier.html").exists());
    // The brand's compliance officer in the console: the risk map, the finding, its reach.
    let (password, _) = add_console_user(&chain.config(), "olivia", "compliance_officer");
    let seen = run_js(
        "console_supply.mjs",
        &[
            &url[0],
            "olivia",
            &password,
            &lot("010004", "G1"),
            &shots().display().to_string(),
        ],
    );
    assert_eq!(seen["menu"], json!(1), "{seen}");
    assert_eq!(
        seen["tiles"],
        json!({"critical": 1, "open": 0, "remediated": 0, "audited": 0, "unknown": 2}),
        "the spinner is red, the farm and the factory have no audit: {seen}"
    );
    assert!(
        seen["mapDescription"]
            .as_str()
            .expect("desc")
            .contains("Spinner (TH): Open finding: forced labour likely or established"),
        "{seen}"
    );
    let rows = seen["findings"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{seen}");
    let row = rows[0].as_str().expect("row");
    assert!(row.contains("Retention of identity documents"), "{seen}");
    assert!(row.contains("\t2 · "), "it reaches two lots: {seen}");
    assert!(
        seen["verdict"].as_str().expect("verdict").contains(": 1"),
        "{seen}"
    );
    assert_eq!(seen["traceFlagged"], json!(2), "{seen}");
    assert_eq!(seen["traceClear"], json!(1), "{seen}");
    assert_eq!(seen["status"], json!("Open"), "{seen}");
    let reach: Vec<&str> = seen["reach"]
        .as_array()
        .expect("reach")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(reach.len(), 2, "Y1 and G1, not G2: {seen}");
    assert!(reach.iter().any(|r| r.contains("lot G1")), "{seen}");
    assert!(!reach.iter().any(|r| r.contains("lot G2")), "{seen}");
    assert_eq!(seen["errors"], json!([]), "no script or CSP error: {seen}");
    assert_eq!(seen["a11yPages"], json!(6), "{seen}");
    assert_eq!(seen["a11y"], json!([]), "WCAG 2.1 A/AA: {seen}");
    assert_eq!(seen["outside"], json!([]), "{seen}");

    let garbled = unchain(&["supply", "dossier", "urn:epc:class:lgtin:4012345.01000X.G1"]);
    assert!(
        !garbled.ok && garbled.stderr.contains("not a GS1 identifier"),
        "{}",
        garbled.stderr
    );
    assert_eq!(
        http.get(format!("{}/01/04012345100044/10/NOPE", url[0]))
            .send()
            .await
            .expect("404")
            .status(),
        404
    );
    assert_eq!(
        http.get(format!("{}/01/04012345100045/10/G1", url[0]))
            .send()
            .await
            .expect("400")
            .status(),
        400
    );

    // The brand does not answer for the spinner; the spinner does; only the inspectorate
    // verifies.
    let plan = [
        "remediate",
        "--finding",
        &id,
        "--actions",
        "Passports returned; lockers fitted",
        "--due",
        "2026-06-30",
    ];
    let refused = run(0, "brand", &plan);
    assert!(
        !refused.ok && refused.stderr.contains("only the facility"),
        "{}",
        refused.stderr
    );
    must(run(1, "spinner-co", &plan), "plan");
    must(
        run(
            2,
            "inspectorate",
            &[
                "verify",
                "--finding",
                &id,
                "--note",
                "Site visit: lockers in use",
            ],
        ),
        "verify",
    );
    let after = must(
        run(0, "brand", &["trace", &lot("010004", "G1")]),
        "trace after",
    );
    assert!(
        after.stdout.contains("no open finding flags it"),
        "{}",
        after.stdout
    );
    let html = http
        .get(&page_url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("No open finding of forced labour reaches these goods"),
        "{html}"
    );
    assert!(html.contains("remediated"), "{html}");
    let seen = browse(&page_url, "provenance-remediated");
    assert_eq!(seen["verdictClass"], json!("verdict ok"), "{seen}");
    assert_eq!(seen["flagged"], json!(0), "{seen}");

    let query = must(
        run(
            0,
            "brand",
            &["query", &format!("MATCH_epcClass={}", lot("010003", "Y1"))],
        ),
        "query",
    );
    let doc: Value = serde_json::from_str(&query.stdout).expect("an EPCISQueryDocument");
    let events = doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        .as_array()
        .expect("events")
        .clone();
    assert_eq!(
        events.len(),
        2,
        "Y1 is made by one event and used by another"
    );
    assert_eq!(
        events[0]["outputQuantityList"][0]["quantity"],
        json!(120.5),
        "decimals come back as sent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_epcis_rest_binding_captures_for_a_compliance_officer_and_pages_through_events() {
    let chain = Chain::init(&["brand:TH"]);
    let node = chain.start_validator(None).await;
    let base = node.client().base().to_owned();
    let officer = user_cmd(&chain, &["add", "olivia", "--role", "compliance_officer"]);
    let token = field(&officer, "token");
    let analyst = user_cmd(&chain, &["add", "anan", "--role", "analyst"]);
    let analyst_token = field(&analyst, "token");
    let http = reqwest::Client::new();
    let post = |token: &str, body: String, kind: &str| {
        http.post(format!("{base}/epcis/capture"))
            .bearer_auth(token)
            .header("content-type", kind)
            .body(body)
            .send()
    };
    let ld = "application/ld+json";
    // Waits for the capture job at `location` to finish; the job.
    let finished = |location: String| {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        async move {
            let mut job = Value::Null;
            for _ in 0..100 {
                job = http
                    .get(format!("{base}{location}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("get")
                    .json()
                    .await
                    .expect("job");
                if job["running"] == json!(false) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            job
        }
    };

    // An analyst reads but does not capture.
    let r = post(&analyst_token, document().to_string(), ld)
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    // A wrong check digit is refused naming the pointer, and nothing is captured.
    let mut bad = document();
    bad["epcisBody"]["eventList"][0]["readPoint"]["id"] =
        json!("https://id.gs1.org/414/4012345000019");
    let r = post(&token, bad.to_string(), ld).await.expect("post");
    assert_eq!(r.status(), 400);
    let p: Value = r.json().await.expect("problem");
    assert_eq!(
        p["field"],
        json!("/epcisBody/eventList/0/readPoint/id"),
        "{p}"
    );

    let r = post(&token, document().to_string(), ld)
        .await
        .expect("post");
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["GS1-EPCIS-Version"], "2.0.0");
    let location = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let job = finished(location).await;
    assert_eq!(job["success"], json!(true), "{job}");
    assert_eq!(job["captureErrorBehaviour"], json!("rollback"));

    // The XML binding: two of GS1's XML spellings of one event (different namespace
    // prefixes and orders): one event, by one hash. (GS1's JSON-LD spelling of it uses a
    // CBV 1.x URN that GS1's own JSON Schema refuses.)
    let dir = repo_root().join("crates/epcis/tests/vectors/WithEventHashID");
    let xml = std::fs::read_to_string(dir.join("event_with_identical_hash_id_1.xml")).expect("xml");
    let mut xml_job = Value::Null;
    for (body, kind) in [
        (xml, "application/xml"),
        (
            std::fs::read_to_string(dir.join("event_with_identical_hash_id_3.xml")).expect("xml"),
            "text/xml",
        ),
    ] {
        let r = post(&token, body, kind).await.expect("post");
        assert_eq!(r.status(), 202, "{kind}");
        let location = r.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        let job = finished(location).await;
        assert_eq!(job["success"], json!(true), "{job}");
        if xml_job.is_null() {
            xml_job = job;
        } else {
            assert_eq!(
                job["eventHashes"], xml_job["eventHashes"],
                "one event, whichever binding"
            );
        }
    }
    let hash = xml_job["eventHashes"][0]
        .as_str()
        .expect("a hash")
        .to_owned();
    let r = http
        .get(format!("{base}/epcis/events/{}", enc(&hash)))
        .bearer_auth(&analyst_token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);

    // Two at a time: three pages, the last without a next link.
    let mut url = format!("{base}/epcis/events?perPage=2");
    let mut seen = Vec::new();
    for _ in 0..5 {
        let r = http
            .get(&url)
            .bearer_auth(&analyst_token)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200);
        let next = r
            .headers()
            .get("link")
            .map(|l| l.to_str().expect("link").to_owned());
        let doc: Value = r.json().await.expect("doc");
        assert_eq!(doc["type"], json!("EPCISQueryDocument"));
        for e in doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            .as_array()
            .expect("list")
        {
            seen.push(e["eventID"].as_str().expect("eventID").to_owned());
        }
        match next {
            Some(l) => {
                let path = l
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .expect("uri")
                    .to_owned();
                url = format!("{base}{path}");
            }
            None => break,
        }
    }
    assert_eq!(
        seen.len(),
        6,
        "five events of the chain and GS1's one: {seen:?}"
    );
    // An event by its hash, and a misspelt parameter refused by name.
    let one = http
        .get(format!("{base}/epcis/events/{}", enc(&seen[3])))
        .bearer_auth(&analyst_token)
        .send()
        .await
        .expect("get");
    assert_eq!(one.status(), 200);
    let r = http
        .get(format!("{base}/epcis/events?EQ_bizstep=shipping"))
        .bearer_auth(&analyst_token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 400);
    let p: Value = r.json().await.expect("problem");
    assert_eq!(p["field"], json!("EQ_bizstep"), "{p}");
}

/// What a webhook receiver got: the `GS1-Signature` header and the body.
type Delivery = (Option<String>, Vec<u8>);

/// A webhook receiver on a free port: every POST to `/{name}` is sent on, by name.
async fn webhook_receiver() -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(String, Delivery)>,
) {
    use axum::extract::{Path, State};
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new()
        .route(
            "/{name}",
            axum::routing::post(
                |State(tx): State<tokio::sync::mpsc::UnboundedSender<(String, Delivery)>>,
                 Path(name): Path<String>,
                 headers: axum::http::HeaderMap,
                 body: axum::body::Bytes| async move {
                    let sig = headers
                        .get("GS1-Signature")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let _ = tx.send((name, (sig, body.to_vec())));
                    "ok"
                },
            ),
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), rx)
}

/// The next delivery to `name` within 20 s.
async fn delivery(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<(String, Delivery)>,
    name: &str,
) -> Delivery {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let got = tokio::time::timeout(left, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("no delivery to /{name} in 20 s"))
            .expect("receiver open");
        if got.0 == name {
            return got.1;
        }
    }
}

fn delivered_events(body: &[u8]) -> (Value, Vec<Value>) {
    let doc: Value = serde_json::from_slice(body).expect("an EPCISQueryDocument");
    let events = doc
        .pointer("/epcisBody/queryResults/resultsBody/eventList")
        .and_then(Value::as_array)
        .cloned()
        .expect("eventList");
    (doc, events)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_named_query_sends_its_new_events_to_a_signed_webhook_as_they_are_committed() {
    use hmac::Mac as _;
    let chain = Chain::init(&["brand:TH", "other:TH"]);
    let node = chain.start_validator(None).await;
    let base = node.client().base().to_owned();
    let officer = user_cmd(&chain, &["add", "olivia", "--role", "compliance_officer"]);
    let token = field(&officer, "token");
    let http = reqwest::Client::new();
    let (hooks, mut received) = webhook_receiver().await;
    let post = |path: &str, body: Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let get = |path: String| {
        let (http, token, base) = (http.clone(), token.clone(), base.clone());
        async move {
            let r = http
                .get(format!("{base}{path}"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("get");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    // The factory's transformations: two of the document's five events.
    let query = json!({"eventType": ["TransformationEvent"], "EQ_bizLocation": [site(3)]});
    let r = post(
        "/epcis/queries",
        json!({"name": "factory-transformations", "query": query}),
    )
    .await
    .expect("post");
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.headers()["location"],
        "/epcis/queries/factory-transformations"
    );
    let r = post(
        "/epcis/queries",
        json!({"name": "factory-transformations", "query": query}),
    )
    .await
    .expect("post");
    assert_eq!(r.status(), 409, "a name is kept once");
    for (body, field_named) in [
        (
            json!({"name": "typo", "query": {"EQ_bizStepp": ["shipping"]}}),
            "query/EQ_bizStepp",
        ),
        (
            json!({"name": "late", "query": {"GE_eventTime": "yesterday"}}),
            "query/GE_eventTime",
        ),
        (json!({"name": "a b", "query": {}}), "name:"),
        (
            json!({"name": "paged", "query": {"perPage": 5}}),
            "query/perPage",
        ),
        (json!({"query": {}}), "name"),
    ] {
        let r = post("/epcis/queries", body.clone()).await.expect("post");
        assert_eq!(r.status(), 400, "{body}");
        let p: Value = r.json().await.expect("problem");
        assert!(
            p["detail"].as_str().expect("detail").contains(field_named),
            "{body}: {p}"
        );
    }

    // Subscriptions: refused unless the request is whole.
    let subs = "/epcis/queries/factory-transformations/subscriptions";
    for (body, why) in [
        (json!({"dest": format!("{hooks}/x")}), "stream"),
        (
            json!({"dest": format!("{hooks}/x"), "stream": true, "schedule": {"second": "0"}}),
            "not both",
        ),
        (
            json!({"dest": "file:///etc/passwd", "stream": true}),
            "dest",
        ),
        (json!({"dest": "not a url", "stream": true}), "dest"),
        (
            json!({"dest": format!("{hooks}/x"), "schedule": {"minute": "61"}}),
            "schedule/minute",
        ),
        (
            json!({"dest": format!("{hooks}/x"), "stream": true, "initialRecordTime": "soon"}),
            "initialRecordTime",
        ),
    ] {
        let r = post(subs, body.clone()).await.expect("post");
        assert_eq!(r.status(), 400, "{body}");
        let p: Value = r.json().await.expect("problem");
        assert!(
            p["detail"].as_str().expect("detail").contains(why),
            "{body}: {p}"
        );
    }
    let r = post(
        subs,
        json!({"dest": format!("{hooks}/stream"), "signatureToken": "s3cret", "stream": true}),
    )
    .await
    .expect("post");
    assert_eq!(r.status(), 201);
    let stream_at = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let sub: Value = r.json().await.expect("view");
    assert_eq!(sub["signed"], json!(true));
    assert!(
        sub.get("signatureToken").is_none(),
        "the token is never shown: {sub}"
    );

    // The capture commits; the webhook gets exactly the query's two events, signed.
    let r = http
        .post(format!("{base}/epcis/capture"))
        .bearer_auth(&token)
        .header("content-type", "application/ld+json")
        .body(document().to_string())
        .send()
        .await
        .expect("capture");
    assert_eq!(r.status(), 202);
    let (sig, body) = delivery(&mut received, "stream").await;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").expect("key");
    mac.update(&body);
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(sig.as_deref(), Some(expected.as_str()), "GS1-Signature");
    let (doc, events) = delivered_events(&body);
    assert_eq!(
        doc["epcisBody"]["queryResults"]["queryName"],
        json!("factory-transformations")
    );
    assert_eq!(
        doc["epcisBody"]["queryResults"]["subscriptionID"],
        sub["subscriptionID"]
    );
    assert_eq!(events.len(), 2, "{doc}");
    for e in &events {
        assert_eq!(e["type"], json!("TransformationEvent"));
        assert_eq!(e["bizLocation"]["id"], json!(site(3)));
        assert!(
            e["eventID"]
                .as_str()
                .expect("id")
                .starts_with("ni:///sha-256;")
        );
    }

    // The same events, paged, from the query's own resource.
    let (status, page) =
        get("/epcis/queries/factory-transformations/events?perPage=1".into()).await;
    assert_eq!(status, 200);
    assert_eq!(
        page.pointer("/epcisBody/queryResults/resultsBody/eventList/0/eventID"),
        Some(&events[0]["eventID"])
    );
    // The node records a delivery once the receiver has answered, which may be just
    // after the receiver has the document: wait for the record.
    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = get(stream_at.clone()).await.1;
        if seen["documentsDelivered"].as_u64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen["documentsDelivered"], json!(1), "{seen}");
    assert_eq!(seen["eventsDelivered"], json!(2), "{seen}");
    assert_eq!(seen["deliveredUpTo"], json!(5), "{seen}");

    // The standard's resource paths narrow the same way.
    let ids = |page: &Value| -> Vec<Value> {
        page.pointer("/epcisBody/queryResults/resultsBody/eventList")
            .and_then(Value::as_array)
            .map(|l| l.iter().map(|e| e["eventID"].clone()).collect())
            .unwrap_or_default()
    };
    let want: Vec<Value> = events.iter().map(|e| e["eventID"].clone()).collect();
    let (_, page) = get(format!(
        "/epcis/bizLocations/{}/events?eventType=TransformationEvent",
        enc(&site(3))
    ))
    .await;
    assert_eq!(ids(&page), want, "{page}");
    let (_, page) = get(format!(
        "/epcis/eventTypes/TransformationEvent/events?EQ_bizLocation={}",
        enc(&site(3))
    ))
    .await;
    assert_eq!(ids(&page), want, "{page}");
    let (_, page) = get("/epcis/bizSteps/commissioning/events".into()).await;
    assert_eq!(ids(&page).len(), 5, "{page}");
    let (_, page) = get("/epcis/dispositions/in_transit/events".into()).await;
    assert_eq!(ids(&page).len(), 0, "{page}");
    let (_, page) = get(format!("/epcis/readPoints/{}/events", enc(&site(1)))).await;
    assert_eq!(ids(&page).len(), 1, "{page}");
    let (_, types) = get("/epcis/eventTypes".into()).await;
    assert_eq!(types.as_array().map(Vec::len), Some(5), "{types}");

    // Subscribed later, from a time before the capture, on a schedule: it catches up.
    let r = post(
        subs,
        json!({"dest": format!("{hooks}/nightly"), "schedule": {"second": "*"}, "initialRecordTime": "2000-01-01T00:00:00Z"}),
    )
    .await
    .expect("post");
    assert_eq!(r.status(), 201);
    let (sig, body) = delivery(&mut received, "nightly").await;
    assert_eq!(sig, None, "no token, no signature");
    assert_eq!(delivered_events(&body).1, events);

    // A webhook that does not answer: the failure is shown, and nothing is skipped.
    let r = post(
        subs,
        json!({"dest": "http://127.0.0.1:9/down", "stream": true, "initialRecordTime": "2000-01-01T00:00:00Z"}),
    )
    .await
    .expect("post");
    let down_at = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let mut down = Value::Null;
    for _ in 0..100 {
        down = get(down_at.clone()).await.1;
        if down["failures"].as_u64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        down["lastError"]
            .as_str()
            .unwrap_or("")
            .contains("127.0.0.1:9"),
        "{down}"
    );
    assert_eq!(down["deliveredUpTo"], json!(0), "{down}");

    // Another member sees neither the query nor its subscriptions.
    let keys = unchain_node::run::load_keys(&chain.dir.path().join("keys").join("other.json"))
        .expect("keys");
    let other = unchain_client::auth::RequestSigner {
        member: keys.name.clone(),
        key: keys.signing_key().expect("key"),
        actor: None,
    };
    let err = node
        .client()
        .get_signed::<Value>(&other, "/epcis/queries/factory-transformations")
        .await
        .expect_err("not theirs");
    assert_eq!(err.code(), Some(unchain_types::Code::NotFound), "{err}");
    let theirs: Value = node
        .client()
        .get_signed(&other, "/epcis/queries")
        .await
        .expect("list");
    assert_eq!(theirs, json!([]));

    // Deleting the query ends its subscriptions.
    let r = http
        .delete(format!("{base}/epcis/queries/factory-transformations"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    assert_eq!(get(stream_at).await.0, 404);
}
