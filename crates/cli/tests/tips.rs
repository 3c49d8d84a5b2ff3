//! Anonymous tips on real nodes: the public form worked in a browser with JavaScript off
//! (report, receipt code, the agency's reply read with the code, more information, the
//! proof of receipt verified offline and its tampering caught); a search of every node's
//! files, logs and metrics for the reporter's address, user agent, cookie, words and
//! photo metadata; and a flood without proof of work refused cheaply while an agency
//! keeps working.

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use unchain_client::{Client, RequestSigner};

const UA: &str = "UnchainTipTester/7.0 (secret-agent-4421)";
const REPORTER_IP: &str = "198.51.100.77";
const GPS: &str = "GPSLatitude 13.7563 N";
/// Submissions in the flood test.
const FLOOD: usize = 6400;

/// A real JPEG as a phone writes it: an EXIF segment with a GPS position, a comment, and
/// after its end a second picture with its own EXIF (Multi-Picture Format).
fn photo_with_gps() -> Vec<u8> {
    let picture =
        image::RgbImage::from_fn(48, 32, |x, y| image::Rgb([x as u8 * 5, y as u8 * 7, 90]));
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
        .encode_image(&picture)
        .expect("encode");
    let seg = |m: u8, body: &[u8]| {
        let mut s = vec![0xFF, m];
        s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    };
    let mut j = plain[..2].to_vec();
    j.extend(seg(0xE1, format!("Exif\0\0MM\0*{GPS}").as_bytes()));
    j.extend(seg(0xFE, b"shot by reporter-phone-serial-99812"));
    j.extend_from_slice(&plain[2..]);
    j.extend_from_slice(&plain[..2]);
    j.extend(seg(0xE1, format!("Exif\0\0MM\0*{GPS}").as_bytes()));
    j.extend_from_slice(&plain[2..]);
    j
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p.display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tip_form_in_a_browser_with_javascript_off() {
    let script = repo_root().join("tests/js/tip_form.mjs");
    assert!(
        repo_root()
            .join("tests/js/node_modules/playwright-core")
            .exists(),
        "Playwright is not installed: run `bash .ci/run` (it runs npm ci in tests/js)"
    );
    let chain = Chain::init(&["th-ngo:TH"]);
    let node = chain.start().await;
    let base = node.client().base().to_owned();
    let outside = tempfile::tempdir().expect("tmp");
    let photo = write(
        outside.path(),
        "IMG_20261122_somchai.jpg",
        &photo_with_gps(),
    );
    let proof = outside.path().join("proof.json");

    let mut browser = Command::new("node")
        .arg(&script)
        .arg(&base)
        .arg(&photo)
        .arg(&proof)
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
        serde_json::from_str::<serde_json::Value>(&line)
            .unwrap_or_else(|e| panic!("the page script said {line:?} ({e})"))
    };

    let sent = read_line();
    assert!(
        sent["spanish"].as_str().expect("es").contains("anónima"),
        "{sent}"
    );
    assert_eq!(sent["thaiLang"], "th", "{sent}");
    assert!(
        sent["thai"].as_str().expect("th").contains("ค้ามนุษย์"),
        "{sent}"
    );
    assert!(
        sent["emergency"]
            .as_str()
            .expect("emergency")
            .contains("call 191"),
        "Thailand's police number: {sent}"
    );
    assert_eq!(sent["title"], "Your report was received", "{sent}");
    let code = sent["code"].as_str().expect("code").to_owned();
    assert_eq!(code.split(' ').count(), 8, "{code}");
    assert!(
        sent["recorded"]
            .as_str()
            .expect("recorded")
            .contains("handed to th-ngo"),
        "{sent}"
    );

    // The agency reads the tip and answers.
    let list = as_ngo(&chain, &base, &["tips", "list"]);
    assert!(list.ok, "{}", list.stderr);
    let tip = list
        .stdout
        .split_whitespace()
        .next()
        .expect("a tip")
        .to_owned();
    let files = outside.path().join("files");
    let show = as_ngo(
        &chain,
        &base,
        &[
            "tips",
            "show",
            &tip,
            "--files",
            files.to_str().expect("utf-8"),
        ],
    );
    assert!(show.ok, "{}", show.stderr);
    assert!(show.stdout.contains("Sea Star 7"), "{}", show.stdout);
    assert!(
        show.stdout.contains("forced_work, documents_taken"),
        "{}",
        show.stdout
    );
    assert!(
        !show.stdout.contains("somchai"),
        "the photo's name is not kept"
    );
    let saved = std::fs::read(files.join("1-attachment-1.jpg")).expect("attachment saved");
    let has = |hay: &[u8], n: &str| hay.windows(n.len()).any(|w| w == n.as_bytes());
    assert!(has(&saved, "JFIF") && !has(&saved, GPS) && !has(&saved, "phone-serial"));
    let reply = "Thank you. Are any of the men under 18?";
    let r = as_ngo(&chain, &base, &["tips", "reply", &tip, "--text", reply]);
    assert!(r.ok, "{}", r.stderr);
    // An intake officer triages it through the node, under a pseudonymous id.
    let officer = field(
        &user_cmd(&chain, &["add", "nok", "--role", "intake_officer"]),
        "token",
    );
    let act = reqwest::Client::new()
        .post(format!("{base}/v1/act"))
        .bearer_auth(&officer)
        .json(
            &serde_json::json!({"kind": "tips.triage", "body": {"tip": tip,
            "priority": "immediate", "category": "forced_labour",
            "indicators": ["restriction_of_movement", "retention_of_identity_documents"],
            "closed": false}}),
        )
        .send()
        .await
        .expect("act");
    assert_eq!(act.status(), 202);
    wait_until("the triage is committed", 30, async || {
        as_ngo(&chain, &base, &["tips", "list"])
            .stdout
            .contains("immediate forced_labour")
    })
    .await;

    std::io::Write::write_all(
        &mut to_page,
        format!("{}\n", serde_json::json!({ "reply": reply })).as_bytes(),
    )
    .expect("to page");
    let back = read_line();
    assert_eq!(back["agency"], serde_json::json!([reply]), "{back}");
    assert_eq!(back["notice"], "Your message was added.", "{back}");
    assert_eq!(back["state"], "Being looked at.", "{back}");
    let mine = back["mine"].as_array().expect("mine");
    assert_eq!(mine.len(), 2, "{back}");
    assert_eq!(mine[1], "Two of the men are 15 years old.");
    assert_eq!(
        back["outside"],
        serde_json::json!([]),
        "nothing from other hosts"
    );
    assert_eq!(back["cookies"], serde_json::json!([]), "no cookie set");
    drop(to_page);
    assert!(browser.wait().expect("browser").success());

    // The proof of receipt, offline.
    let genesis = chain.genesis();
    let offline = |path: &Path| {
        Run::of(
            Command::new("unshare")
                .args(["--net", "--"])
                .arg(bin())
                .args(["--log", "warn", "verify", "tip-receipt"])
                .arg(path)
                .arg("--genesis")
                .arg(&genesis),
        )
    };
    let v = offline(&proof);
    assert!(v.ok, "{}{}", v.stdout, v.stderr);
    assert!(
        v.stdout.contains("VERIFIED proof of receipt of tip"),
        "{}",
        v.stdout
    );
    assert!(v.stdout.contains("received by  th-ngo"), "{}", v.stdout);
    assert!(v.stdout.contains("Twelve men sleep locked"), "{}", v.stdout);
    assert_eq!(v.stdout.matches("followup").count(), 1, "{}", v.stdout);
    let text = std::fs::read_to_string(&proof).expect("proof");
    for (what, from, to) in [
        ("the report", "Twelve men", "Eleven men"),
        ("the follow-up", "15 years old", "25 years old"),
        ("the organisation", "", ""),
    ] {
        let tampered = if from.is_empty() {
            let mut b: serde_json::Value = serde_json::from_str(&text).expect("json");
            b["intake"]["name"] = "th-police".into();
            b.to_string()
        } else {
            assert!(text.contains(from), "{what}: {from} not in the proof");
            text.replacen(from, to, 1)
        };
        let bad = outside.path().join("tampered.json");
        std::fs::write(&bad, tampered).expect("write");
        let v = offline(&bad);
        assert!(!v.ok, "tampering with {what} must fail: {}", v.stdout);
        assert!(v.stderr.contains("FAILED"), "{what}: {}", v.stderr);
    }
}

/// When the node asks for proof of work, a browser with JavaScript does it with the page's
/// own script and its report goes through; one without is told why it cannot send now.
#[tokio::test(flavor = "multi_thread")]
async fn the_browser_does_the_work_when_the_form_asks_for_it() {
    let chain = Chain::init(&["th-ngo:TH"]);
    let config = std::fs::read_to_string(chain.config()).expect("config");
    std::fs::write(
        chain.config(),
        config.replace("pow_floor_bits = 0", "pow_floor_bits = 12"),
    )
    .expect("config");
    let node = chain.start().await;
    let out = Command::new("node")
        .arg(repo_root().join("tests/js/tip_form_work.mjs"))
        .arg(node.client().base())
        .stderr(Stdio::inherit())
        .output()
        .expect("start node (Node.js) with the Playwright script");
    assert!(out.status.success());
    let seen: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the script prints JSON");
    assert!(
        seen["busy"]
            .as_str()
            .expect("busy")
            .contains("needs JavaScript"),
        "{seen}"
    );
    assert_eq!(seen["bits"], "12", "{seen}");
    assert_eq!(seen["title"], "Your report was received", "{seen}");
    assert_eq!(seen["words"].as_array().expect("words").len(), 8, "{seen}");
    assert_eq!(seen["outside"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["errors"], serde_json::json!([]), "{seen}");
}

/// Everything under a node's data directory and its log files.
fn node_files(chain: &Chain) -> Vec<std::path::PathBuf> {
    let root = chain.dir.path();
    let mut out = Vec::new();
    for e in std::fs::read_dir(root).expect("dir").flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() && name.starts_with("data") {
            out.extend(files(&p));
        } else if name.starts_with("log-") {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_identifying_the_reporter_is_kept_anywhere() {
    let chain = Chain::init_validators(&["th-ngo:TH", "th-police:TH"], 1);
    // The form on a listener of its own, as behind an onion service.
    let config = std::fs::read_to_string(chain.config()).expect("config");
    std::fs::write(
        chain.config(),
        config.replace("[tips]\n", "[tips]\nlisten = \"127.0.0.1:0\"\n"),
    )
    .expect("config");
    let ngo = chain.start().await;
    let police = chain.start_validator(Some("th-police")).await;
    let public = std::fs::read_to_string(chain.dir.path().join("data/tips.addr"))
        .expect("the public listener's address");
    let base = format!("http://{public}");
    for (path, status) in [
        ("/tips/report", 200),
        ("/v1/status", 404),
        ("/metrics", 404),
        ("/v1/checkpoint", 404),
        ("/v1/proofs/inclusion?index=0", 404),
        ("/v1/blocks/latest", 404),
        ("/v1/members", 404),
        ("/console", 404),
        ("/border", 404),
    ] {
        let r = reqwest::get(format!("{base}{path}")).await.expect("public");
        assert_eq!(r.status(), status, "{path} on the public listener");
    }
    let http = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 77]))
        .user_agent(UA)
        .build()
        .expect("client");
    let headers = |r: reqwest::RequestBuilder| {
        r.header("x-forwarded-for", REPORTER_IP)
            .header("x-real-ip", REPORTER_IP)
            .header("forwarded", format!("for={REPORTER_IP}"))
            .header("cookie", "reporter-session=cookie-777-secret")
    };
    let phrases = [
        "the overseer keeps passports in a red safe",
        "girls moved at night by the karaoke van",
        "workers beaten when the catch is small",
    ];
    let mut codes = Vec::new();
    for (i, phrase) in phrases.iter().enumerate() {
        let (token, bits) = challenge(&http, &base).await;
        assert_eq!(bits, 0, "calm");
        let mut form = report_form(&token, "", phrase);
        if i == 0 {
            form = form.part(
                "files",
                reqwest::multipart::Part::bytes(photo_with_gps())
                    .file_name("reporter-home.jpg")
                    .mime_str("image/jpeg")
                    .expect("mime"),
            );
        }
        let resp = headers(http.post(format!("{base}/tips/report")).multipart(form))
            .send()
            .await
            .expect("submit");
        assert_eq!(resp.status(), 200);
        assert!(resp.headers().get("set-cookie").is_none());
        codes.push(code_of(&resp.text().await.expect("html")));
    }
    // Back with the first code: read, add information, download the proof.
    let status = headers(
        http.post(format!("{base}/tips/report/return"))
            .form(&[("lang", "en"), ("code", codes[0].as_str())]),
    )
    .send()
    .await
    .expect("return")
    .text()
    .await
    .expect("html");
    assert!(status.contains(phrases[0]), "{status}");

    // One client cannot lock every reporter out of their replies: hundreds of malformed
    // codes and dozens of well-formed wrong ones (the reporter's words in another order)
    // spend nothing of anyone else's; a code tried too often is paused on its own.
    let words: Vec<&str> = codes[0].split(' ').collect();
    let lookup = |code: String| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            http.post(format!("{base}/tips/report/return"))
                .form(&[("lang", "en"), ("code", code.as_str())])
                .send()
                .await
                .expect("return")
                .text()
                .await
                .expect("html")
        }
    };
    for i in 0..300 {
        let page = lookup(format!("not a code {i}")).await;
        assert!(page.contains("That code was not recognised"), "{page}");
    }
    for i in 1..=40 {
        let mut shuffled = words.clone();
        shuffled.rotate_left(1 + i % 7);
        shuffled.swap(0, i % 8);
        let wrong = shuffled.join(" ");
        if wrong == codes[0] {
            continue;
        }
        let page = lookup(wrong).await;
        assert!(page.contains("That code was not recognised"), "{page}");
    }
    let page = lookup(codes[0].clone()).await;
    assert!(
        page.contains(phrases[0]),
        "the reporter was locked out: {page}"
    );
    let guessed = {
        let mut w = words.clone();
        w.reverse();
        w.join(" ")
    };
    for _ in 0..20 {
        assert!(lookup(guessed.clone()).await.contains("not recognised"));
    }
    let paused = lookup(guessed).await;
    assert!(
        paused.contains("entered many times") && !paused.contains("NOT sent"),
        "{paused}"
    );
    assert!(lookup(codes[0].clone()).await.contains(phrases[0]));
    let token = attr_after(&status, "name=\"token\"", "value");
    let more = reqwest::multipart::Form::new()
        .text("lang", "en")
        .text("token", token)
        .text("pow", "")
        .text("code", codes[0].clone())
        .text("text", "the safe code is 4471");
    let added = headers(
        http.post(format!("{base}/tips/report/more"))
            .multipart(more),
    )
    .send()
    .await
    .expect("more")
    .text()
    .await
    .expect("html");
    assert!(added.contains("Your message was added."), "{added}");
    let proof = headers(
        http.post(format!("{base}/tips/report/receipt"))
            .form(&[("lang", "en"), ("code", codes[0].as_str())]),
    )
    .send()
    .await
    .expect("receipt");
    assert_eq!(proof.status(), 200);

    // Both nodes hold the same log; the follower has caught up.
    let ngo_height = ngo.client().status().await.expect("status").height;
    wait_until("the follower catches up", 60, async || {
        police
            .client()
            .status()
            .await
            .is_ok_and(|s| s.height >= ngo_height)
    })
    .await;

    let mut needles: Vec<String> = vec![
        "127.0.0.77".into(),
        REPORTER_IP.into(),
        UA.into(),
        "secret-agent-4421".into(),
        "cookie-777-secret".into(),
        GPS.into(),
        "phone-serial-99812".into(),
        "reporter-home".into(),
        "the safe code is 4471".into(),
        "234 5678".into(),
    ];
    needles.extend(phrases.iter().map(|p| p.to_string()));
    needles.extend(codes.iter().cloned());
    let scanned = node_files(&chain);
    assert!(
        scanned
            .iter()
            .any(|p| p.to_string_lossy().contains("/tips/")),
        "the tip store is among the files scanned"
    );
    for path in &scanned {
        let bytes = std::fs::read(path).expect("read");
        for n in &needles {
            assert!(
                !bytes.windows(n.len()).any(|w| w == n.as_bytes()),
                "{n:?} found in {}",
                path.display()
            );
        }
    }
    // Everything the nodes wrote is theirs alone (tip files, ciphertexts, the ledger, the
    // audit log): 0700 directories, 0600 files.
    let loose = not_private(chain.dir.path());
    assert!(loose.is_empty(), "readable by others: {loose:#?}");
    for (node, received) in [(&ngo, 3), (&police, 0)] {
        let metrics = reqwest::get(format!("{}/metrics", node.client().base()))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        assert_eq!(metric(&metrics, "unchain_tips_received_total"), received);
        for n in &needles {
            assert!(!metrics.contains(n.as_str()), "{n:?} in /metrics");
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|v| v as u64)
        .unwrap_or_else(|| panic!("no {name} in metrics"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_without_proof_of_work_is_refused_cheaply_while_the_agency_works() {
    let chain = Chain::init(&["th-ngo:TH"]);
    // Busy after two tips in ten minutes; rate limits high enough not to hide the work.
    let config = std::fs::read_to_string(chain.config()).expect("config");
    let config = config
        .replace("[tips]\n", "[tips]\nlisten = \"127.0.0.1:0\"\n")
        .replace("calm_per_10_minutes = 30", "calm_per_10_minutes = 2")
        .replace("global_per_minute = 60", "global_per_minute = 600")
        .replace("form_per_minute = 30", "form_per_minute = 600");
    std::fs::write(chain.config(), config).expect("config");
    let node = chain.start().await;
    let api = node.client().base().to_owned();
    // The public form on its own listener (and thread), as deployed behind an onion
    // service; the agency uses the API.
    let public = std::fs::read_to_string(chain.dir.path().join("data/tips.addr"))
        .expect("the public listener's address");
    let base = format!("http://{public}");
    let http = reqwest::Client::new();
    for i in 0..2 {
        let (token, bits) = challenge(&http, &base).await;
        assert_eq!(bits, 0);
        let r = http
            .post(format!("{base}/tips/report"))
            .multipart(report_form(&token, "", &format!("calm tip {i}")))
            .send()
            .await
            .expect("submit");
        assert_eq!(r.status(), 200);
    }
    let (_, bits) = challenge(&http, &base).await;
    assert_eq!(bits, 16, "the form is busy now and asks for work");
    let busy_page = http
        .get(format!("{base}/tips/report"))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("html");
    assert!(
        busy_page.contains("<noscript><p class=\"busy\">"),
        "a no-JS reader is told why"
    );

    let agency = Client::new(&api);
    let signer = RequestSigner {
        member: "th-ngo".into(),
        key: chain.key("th-ngo"),
        actor: Some("u-intake01".into()),
    };
    let agency_call = async || {
        let t = Instant::now();
        let tips: Vec<serde_json::Value> = agency
            .get_signed(&signer, "/v1/tips")
            .await
            .expect("the agency's call succeeds");
        assert_eq!(tips.len(), 2);
        t.elapsed()
    };
    let mut before = Vec::new();
    for _ in 0..40 {
        before.push(agency_call().await);
    }
    let metrics = || async {
        reqwest::get(format!("{api}/metrics"))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text")
    };
    let m0 = metrics().await;

    // The flood: FLOOD submissions, 64 at a time, each with a fresh token and no valid work
    // (or a forged token), carrying a 64 KiB description.
    let flood = {
        let base = base.clone();
        tokio::spawn(async move {
            // A refused submission's connection is closed unread: no reuse.
            let http = reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("client");
            let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
            let filler = "x".repeat(64 * 1024);
            for round in 0..(FLOOD / 64) {
                let mut batch = Vec::new();
                for j in 0..64 {
                    let (http, base, filler) = (http.clone(), base.clone(), filler.clone());
                    batch.push(tokio::spawn(async move {
                        let (token, _) = challenge(&http, &base).await;
                        let token = if j % 4 == 0 {
                            token.replace("v1.report.", "v1.report.9")
                        } else {
                            token
                        };
                        let pow = format!("{round}{j}");
                        http.post(format!("{base}/tips/report"))
                            .multipart(report_form(&token, &pow, &filler))
                            .send()
                            .await
                            .map(|r| r.status().as_u16())
                            .unwrap_or(0)
                    }));
                }
                for b in batch {
                    *statuses.entry(b.await.expect("task")).or_default() += 1;
                }
            }
            statuses
        })
    };
    let mut during = Vec::new();
    while !flood.is_finished() {
        during.push(agency_call().await);
    }
    let statuses = flood.await.expect("flood");
    let m1 = metrics().await;
    let total: usize = statuses.values().sum();
    eprintln!(
        "flood: {total} submissions without valid work, answered {statuses:?} (0: connection closed by the node before the upload ended); agency GET /v1/tips: median {:?} before ({} calls), {:?} during ({} calls)",
        median(before),
        40,
        median(during.clone()),
        during.len()
    );
    let refused = statuses.get(&403).copied().unwrap_or(0);
    // 0: the node closed the connection before the upload ended; 400: it read a broken
    // upload. Both are refusals that did no work.
    let cut = statuses.get(&0).copied().unwrap_or(0) + statuses.get(&400).copied().unwrap_or(0);
    assert_eq!(
        refused + cut,
        total,
        "every flood submission is refused: {statuses:?}"
    );
    assert!(
        refused * 10 >= total * 9,
        "nearly all with a 403: {statuses:?}"
    );
    assert_eq!(
        metric(&m1, "unchain_tips_derivations_total"),
        metric(&m0, "unchain_tips_derivations_total"),
        "no receipt code was derived for a refused submission"
    );
    assert!(
        metric(&m1, "unchain_tips_refused_total")
            >= metric(&m0, "unchain_tips_refused_total") + refused as u64
    );
    assert_eq!(metric(&m1, "unchain_tips_received_total"), 2);
    assert!(!during.is_empty());

    // A reporter whose browser does the work still gets through.
    let (token, bits) = challenge(&http, &base).await;
    assert!(bits >= 16);
    let pow = unchain_node::tipform::guard::solve(&token, bits);
    let r = http
        .post(format!("{base}/tips/report"))
        .multipart(report_form(&token, &pow, "sent with the work done"))
        .send()
        .await
        .expect("submit");
    assert_eq!(r.status(), 200);
    assert_eq!(
        code_of(&r.text().await.expect("html")).split(' ').count(),
        8
    );
}
