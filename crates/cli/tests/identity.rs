//! Identity across the real binary: a registry creates a DID, registers a child with no
//! birth certificate and links the mother as guardian; the mother's wallet stores both
//! credentials and presents them at a border post, which checks them with its node
//! stopped — the trust bundle only. Then the link is revoked (the old bundle does not
//! know; the refreshed one does), the child is flagged missing (the border agency's event
//! stream hears it, and the check stops the crossing), the node's own border endpoint
//! agrees, and nothing the node wrote holds the child's name.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ORGS: [&str; 3] = ["th-registry:TH", "th-police:TH", "th-border:TH"];
const POST: &str = "th-border-mae-sot";

/// `unchain ARGS` with the network disabled: in a network namespace of its own
/// (`unshare --net`), where not even loopback is up.
fn offline(args: &[&str]) -> Run {
    Run::of(
        Command::new("unshare")
            .args(["--net", "--"])
            .arg(bin())
            .args(["--log", "warn"])
            .env("UNCHAIN_ACTOR", "u-clerk")
            .args(args),
    )
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

struct Desk {
    dir: tempfile::TempDir,
    url: String,
    keys: std::path::PathBuf,
    genesis: String,
}

impl Desk {
    fn path(&self, name: &str) -> String {
        p(&self.dir.path().join(name))
    }

    /// `unchain ARGS --key ORG --node URL`.
    fn as_org(&self, org: &str, args: &[&str]) -> Run {
        let key = p(&self.keys.join(format!("{org}.json")));
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--key", &key, "--node", &self.url]);
        unchain(&all)
    }

    /// The registry links `holder` to `child` as mother until 2030.
    fn link(&self, issuer_key: &str, holder: &str, child: &str, out: &str) -> Run {
        self.as_org(
            "th-registry",
            &[
                "identity",
                "link-guardian",
                "--issuer-key",
                issuer_key,
                "--holder",
                holder,
                "--child",
                child,
                "--relationship",
                "mother",
                "--until",
                "2030-12-31",
                "--out",
                out,
            ],
        )
    }

    fn wallet(&self, args: &[&str]) -> Run {
        let w = self.path("mother-wallet.json");
        let mut all = vec!["wallet"];
        all.extend_from_slice(&args[..1]);
        all.extend(["--wallet", &w]);
        all.extend_from_slice(&args[1..]);
        unchain(&all)
    }

    /// Both presentations for a fresh nonce: (child file, adult file, nonce).
    fn present(&self, tag: &str, link: &str) -> (String, String, String) {
        let nonce = must(unchain(&["border", "challenge"]), "challenge")
            .stdout
            .trim()
            .to_owned();
        let child = self.path(&format!("child-{tag}.txt"));
        let adult = self.path(&format!("adult-{tag}.txt"));
        must(
            self.wallet(&[
                "present", "1", "--aud", POST, "--nonce", &nonce, "--out", &child,
            ]),
            "present child",
        );
        must(
            self.wallet(&[
                "present",
                link,
                "--disclose",
                "relationship",
                "--aud",
                POST,
                "--nonce",
                &nonce,
                "--out",
                &adult,
            ]),
            "present link",
        );
        (child, adult, nonce)
    }

    /// The police flag `child` missing.
    fn flag_missing(&self, child: &str) -> Run {
        self.as_org(
            "th-police",
            &[
                "identity",
                "missing",
                child,
                "--reason",
                "reported missing by guardian",
            ],
        )
    }

    /// `unchain border check`, with the network disabled.
    fn check(&self, bundle: &str, (child, adult, nonce): &(String, String, String)) -> Run {
        offline(&[
            "border",
            "check",
            "--bundle",
            bundle,
            "--genesis",
            &self.genesis,
            "--child",
            child,
            "--adult",
            adult,
            "--aud",
            POST,
            "--nonce",
            nonce,
        ])
    }
}

/// What `register_family` leaves: a registry DID, a registered child, the mother's wallet
/// holding the child's credential (no. 1) and her guardian link (no. 2).
struct Family {
    desk: Desk,
    mother: String,
    issuer_key: String,
    did: String,
    child: String,
    card: String,
    link_cred: String,
    link_idx: String,
}

/// The registry creates its DID, registers Mali (with a card) to a key in her mother's
/// wallet, links the mother as guardian, and the wallet stores both credentials.
fn register_family(chain: &Chain, node: &Node) -> Family {
    let desk = Desk {
        dir: tempfile::tempdir().expect("desk"),
        url: node.client().base().to_owned(),
        keys: chain.dir.path().join("keys"),
        genesis: p(&chain.genesis()),
    };
    let w = desk.path("mother-wallet.json");
    let mother = must(unchain(&["wallet", "init", "--wallet", &w]), "wallet init")
        .stdout
        .trim()
        .to_owned();
    let child_key = must(
        unchain(&["wallet", "new-key", "--wallet", &w, "--label", "child-1"]),
        "new-key",
    )
    .stdout
    .trim()
    .to_owned();
    assert!(mother.starts_with("did:key:z6Mk") && child_key.starts_with("did:key:z6Mk"));
    let issuer_key = desk.path("registry-issuer.json");
    let did = must(
        desk.as_org(
            "th-registry",
            &[
                "identity",
                "did-create",
                "--label",
                "TH civil registry, Tak",
                "--issuer-key",
                &issuer_key,
            ],
        ),
        "did-create",
    )
    .stdout
    .trim()
    .to_owned();
    let child_cred = desk.path("child.sd-jwt");
    let card = desk.path("child-card.html");
    let child = must(
        desk.as_org(
            "th-registry",
            &[
                "identity",
                "register-child",
                "--issuer-key",
                &issuer_key,
                "--holder",
                &child_key,
                "--given-name",
                "Mali",
                "--family-name",
                "Sukprasert",
                "--birth-date",
                "2023-04-02",
                "--sex",
                "F",
                "--registered-at",
                "Mae La camp",
                "--out",
                &child_cred,
                "--card",
                &card,
            ],
        ),
        "register-child",
    )
    .stdout
    .trim()
    .to_owned();
    let link_cred = desk.path("link.sd-jwt");
    let link_idx = must(
        desk.link(&issuer_key, &mother, &child, &link_cred),
        "link-guardian",
    )
    .stdout
    .trim()
    .to_owned();
    must(desk.wallet(&["store", &child_cred]), "store child");
    must(desk.wallet(&["store", &link_cred]), "store link");
    Family {
        desk,
        mother,
        issuer_key,
        did,
        child,
        card,
        link_cred,
        link_idx,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_child_crosses_with_its_mother_until_the_link_is_revoked_and_the_child_is_flagged_missing()
 {
    let chain = Chain::init_validators(&ORGS, 1);
    let mut node = chain.start().await;
    let Family {
        desk,
        mother,
        issuer_key,
        did,
        child,
        card,
        link_cred,
        link_idx,
    } = register_family(&chain, &node);

    // Three clerks of the registry issue at once: each issuance records its own status
    // index (a clerk whose index was just taken asks again and signs again).
    let idxs: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..3)
            .map(|i| {
                let (desk, issuer_key, mother, child) = (&desk, &issuer_key, &mother, &child);
                scope.spawn(move || {
                    let out = desk.path(&format!("link-clerk-{i}.sd-jwt"));
                    must(
                        desk.link(issuer_key, mother, child, &out),
                        "concurrent link",
                    )
                    .stdout
                    .trim()
                    .to_owned()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("clerk"))
            .collect()
    });
    let distinct: std::collections::BTreeSet<&String> = idxs.iter().collect();
    assert_eq!(distinct.len(), 3, "{idxs:?}");

    // The registry's DID resolves with its key history; the child has a pseudonymous id
    // and a card that names no one.
    let doc: Value = serde_json::from_str(
        &must(
            unchain(&["identity", "resolve", &did, "--node", &desk.url]),
            "resolve",
        )
        .stdout,
    )
    .expect("json");
    assert_eq!(doc["didDocument"]["id"], did);
    assert_eq!(doc["didDocumentMetadata"]["controller"], "th-registry");
    assert!(child.starts_with("c-") && child.len() == 22, "{child}");
    let card_html = std::fs::read_to_string(&card).expect("card");
    assert!(
        card_html.contains("<svg") && card_html.contains(&child) && !card_html.contains("Mali")
    );
    // Printed and scanned: Debian's chromium renders the card, zbar (a decoder no one here
    // wrote) reads the QR code, and it is the credential, byte for byte.
    let png = desk.path("card.png");
    let shot = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1040,1440",
            "--force-device-scale-factor=2",
        ])
        .arg(format!("--user-data-dir={}", desk.path("chromium-profile")))
        .arg(format!("--screenshot={png}"))
        .arg(format!("file://{card}"))
        .output()
        .expect("run chromium (installed by .ci/run)");
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let scanned = Command::new("zbarimg")
        .args(["-q", "--raw", &png])
        .output()
        .expect("run zbarimg (installed by .ci/run)");
    let issued = std::fs::read_to_string(desk.path("child.sd-jwt")).expect("credential");
    assert_eq!(
        String::from_utf8_lossy(&scanned.stdout).trim(),
        issued.trim(),
        "the card's QR code"
    );
    let shown = must(desk.wallet(&["show"]), "show").stdout;
    assert!(
        shown.contains(&child) && shown.contains("guardian-link"),
        "{shown}"
    );
    // A credential bound to a key the wallet does not hold is refused.
    let other = desk.path("grandma-wallet.json");
    let grandma = must(
        unchain(&["wallet", "init", "--wallet", &other]),
        "grandma's wallet",
    )
    .stdout
    .trim()
    .to_owned();
    let r = unchain(&["wallet", "store", "--wallet", &other, &link_cred]);
    assert!(
        !r.ok && r.stderr.contains("which this wallet does not hold"),
        "{}",
        r.stderr
    );

    let b1 = desk.path("bundle-1.json");
    must(
        desk.as_org("th-border", &["identity", "trust-bundle", "--out", &b1]),
        "trust-bundle",
    );

    // Border checks run with the network disabled: there, not even this node answers.
    must(unchain(&["status", "--node", &desk.url]), "status, online");
    let r = offline(&["status", "--node", &desk.url]);
    assert!(
        !r.ok,
        "the network namespace reached the node: {}",
        r.stdout
    );

    // The border post, its node stopped too: the trust bundle only.
    node.kill_9();
    let first = desk.present("1", "2");
    let r = must(desk.check(&b1, &first), "border check");
    assert!(r.stdout.starts_with("VALID"), "{}", r.stdout);
    assert!(
        r.stdout.contains("relationship: mother") && !r.stdout.contains("Mali"),
        "{}",
        r.stdout
    );
    // A presentation for another nonce is refused: a verdict (exit status 3), neither a
    // crash nor a usage error (2), which a misspelt option still gives.
    let replay = (first.0.clone(), first.1.clone(), "0011".to_owned());
    let r = desk.check(&b1, &replay);
    assert!(
        r.code == Some(3) && r.stdout.starts_with("INVALID SIGNATURE"),
        "{:?}\n{}\n{}",
        r.code,
        r.stdout,
        r.stderr
    );
    let usage = offline(&["border", "check", "--no-such-option"]);
    assert_eq!(usage.code, Some(2), "{}", usage.stderr);
    // A tampered bundle is not used at all.
    let tampered = desk.path("bundle-tampered.json");
    let text = std::fs::read_to_string(&b1).expect("read");
    std::fs::write(
        &tampered,
        text.replace("TH civil registry, Tak", "TH civil registry, Mae Sot"),
    )
    .expect("write");
    let r = desk.check(&tampered, &first);
    assert!(
        !r.ok && r.stderr.contains("THE TRUST BUNDLE DOES NOT VERIFY"),
        "{}",
        r.stderr
    );

    // Back online: the link is revoked.
    let node = chain.start().await;
    let desk = Desk {
        url: node.client().base().to_owned(),
        ..desk
    };
    must(
        desk.as_org(
            "th-registry",
            &[
                "identity",
                "set-status",
                "--issuer-key",
                &issuer_key,
                "--idx",
                &link_idx,
                "--status",
                "revoked",
                "--reason",
                "court order: guardianship transferred",
            ],
        ),
        "revoke",
    );
    let second = desk.present("2", "2");
    let r = must(desk.check(&b1, &second), "old bundle");
    assert!(
        r.stdout.starts_with("VALID"),
        "the old bundle cannot know: {}",
        r.stdout
    );
    let b2 = desk.path("bundle-2.json");
    must(
        desk.as_org("th-border", &["identity", "trust-bundle", "--out", &b2]),
        "trust-bundle 2",
    );
    let r = desk.check(&b2, &second);
    assert!(
        !r.ok && r.stdout.starts_with("REVOKED") && r.stdout.contains("court order"),
        "{}",
        r.stdout
    );

    // A new link; then the police flag the child missing, and the border agency hears it.
    let link2 = desk.path("link-2.sd-jwt");
    let link2_idx = must(
        desk.link(&issuer_key, &mother, &child, &link2),
        "link-guardian 2",
    )
    .stdout
    .trim()
    .to_owned();
    must(desk.wallet(&["store", &link2]), "store link 2");
    let border_key = p(&desk.keys.join("th-border.json"));
    let (mut watch, rx) = spawn_watch(
        Command::new(bin())
            .args([
                "--log",
                "warn",
                "watch",
                "--json",
                "--key",
                &border_key,
                "--node",
                &desk.url,
            ])
            .env("UNCHAIN_ACTOR", "u-officer")
            .stderr(Stdio::null()),
    );
    must(desk.flag_missing(&child), "missing");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let e = rx
            .recv_timeout(left)
            .expect("the missing-child flag reaches th-border's event stream");
        if e["kind"] == "missing_child" {
            assert_eq!(e["data"]["child"], child);
            assert_eq!(e["data"]["by"], "th-police");
            break;
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    let b3 = desk.path("bundle-3.json");
    must(
        desk.as_org("th-border", &["identity", "trust-bundle", "--out", &b3]),
        "trust-bundle 3",
    );
    let third = desk.present("3", "3");
    let r = desk.check(&b3, &third);
    assert!(
        !r.ok && r.stdout.starts_with("CHILD FLAGGED MISSING"),
        "{}",
        r.stdout
    );

    // The same from the two credentials' standing, proven against the cosigned state
    // root: read from the presentations themselves, checked offline like a bundle.
    let s3 = desk.path("standing-3.json");
    let r = must(
        desk.as_org(
            "th-border",
            &[
                "identity", "standing", "--from", &third.0, "--from", &third.1, "--out", &s3,
            ],
        ),
        "standing 3",
    );
    assert!(r.stderr.contains("4 proofs"), "{}", r.stderr);
    let r = desk.check(&s3, &third);
    assert!(
        !r.ok && r.stdout.starts_with("CHILD FLAGGED MISSING") && r.stdout.contains("th-police"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    // The child's card alone proves nothing of the adult's link: not proven, not valid.
    let card_only = desk.path("standing-card.json");
    must(
        desk.as_org(
            "th-border",
            &[
                "identity", "standing", "--from", &third.0, "--out", &card_only,
            ],
        ),
        "standing of the card",
    );
    let r = desk.check(&card_only, &third);
    assert!(
        !r.ok
            && r.stdout.starts_with("CHILD FLAGGED MISSING")
            && r.stdout.contains("does not prove the status"),
        "{}",
        r.stdout
    );
    // Any verifier can read it as a plain state bundle, and a tampered one is refused.
    let r = must(
        unchain(&["verify", "state", &s3, "--genesis", &desk.genesis]),
        "verify state",
    );
    assert!(r.stdout.contains("identity/child/"), "{}", r.stdout);
    let text = std::fs::read_to_string(&s3).expect("read");
    let tampered = desk.path("standing-tampered.json");
    std::fs::write(
        &tampered,
        text.replacen("\\\"missing\\\":true", "\\\"missing\\\":false", 1),
    )
    .expect("write");
    assert_ne!(
        std::fs::read_to_string(&tampered).expect("read"),
        text,
        "the edit applies"
    );
    let r = desk.check(&tampered, &third);
    assert!(
        !r.ok && r.stderr.contains("THE STANDING DOES NOT VERIFY"),
        "{}",
        r.stderr
    );

    // A survivor: a "recognised survivor" credential in her own wallet, and her wallet key
    // as the subject whose consent the vault checks before a record about her is shared.
    let sw = desk.path("survivor-wallet.json");
    let survivor = must(
        unchain(&["wallet", "init", "--wallet", &sw]),
        "survivor wallet",
    )
    .stdout
    .trim()
    .to_owned();
    let rec = desk.path("recognised.sd-jwt");
    must(
        desk.as_org(
            "th-registry",
            &[
                "identity",
                "issue-survivor",
                "--issuer-key",
                &issuer_key,
                "--holder",
                &survivor,
                "--kind",
                "recognised",
                "--services",
                "shelter,legal_aid",
                "--out",
                &rec,
            ],
        ),
        "issue-survivor",
    );
    must(
        unchain(&["wallet", "store", "--wallet", &sw, &rec]),
        "store recognised",
    );
    // A shelter verifies her presentation offline: the services, nothing else.
    let b4 = desk.path("bundle-4.json");
    must(
        desk.as_org("th-border", &["identity", "trust-bundle", "--out", &b4]),
        "trust-bundle 4",
    );
    let shown = desk.path("recognised.txt");
    must(
        unchain(&[
            "wallet",
            "present",
            "--wallet",
            &sw,
            "1",
            "--disclose",
            "services",
            "--aud",
            "th-shelter",
            "--nonce",
            "s-1",
            "--out",
            &shown,
        ]),
        "present recognised",
    );
    let r = must(
        unchain(&[
            "verify",
            "presentation",
            &shown,
            "--bundle",
            &b4,
            "--genesis",
            &desk.genesis,
            "--aud",
            "th-shelter",
            "--nonce",
            "s-1",
            "--vct",
            "urn:unchain:vct:recognised-survivor:1",
        ]),
        "verify presentation",
    );
    assert!(
        r.stdout.starts_with("VALID") && r.stdout.contains("legal_aid"),
        "{}",
        r.stdout
    );
    let r = unchain(&[
        "verify",
        "presentation",
        &shown,
        "--bundle",
        &b4,
        "--genesis",
        &desk.genesis,
        "--aud",
        "th-shelter",
        "--nonce",
        "s-1",
        "--vct",
        "urn:unchain:vct:child-registration:1",
    ]);
    assert!(
        !r.ok
            && r.stdout
                .contains("not \"urn:unchain:vct:child-registration:1\""),
        "{}",
        r.stdout
    );

    // The node answers the same over the API, to its members: here a border officer's
    // token. Without one, nothing (a trafficker must not learn who is flagged missing).
    let officer = field(
        &user_cmd(&chain, &["add", "officer", "--role", "border_officer"]),
        "token",
    );
    let anonymous = reqwest::Client::new()
        .post(format!("{}/v1/identity/verify", desk.url))
        .json(&serde_json::json!({"presentation": "x", "aud": "th-shelter", "nonce": "s-1"}))
        .send()
        .await
        .expect("post");
    assert_eq!(anonymous.status(), 401);
    let report: Value = reqwest::Client::new()
        .post(format!("{}/v1/identity/verify", desk.url))
        .bearer_auth(&officer)
        .json(&serde_json::json!({"presentation": std::fs::read_to_string(&shown).expect("read"), "aud": "th-shelter", "nonce": "s-1"}))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(report["verdict"], "valid", "{report}");
    assert_eq!(
        report["claims"]["services"],
        serde_json::json!(["shelter", "legal_aid"]),
        "{report}"
    );

    let statement = desk.path("statement.txt");
    std::fs::write(&statement, "statement taken at the shelter").expect("write");
    let sealed = must(
        desk.as_org(
            "th-registry",
            &[
                "vault",
                "seal",
                &statement,
                "--schema",
                "htcds.person",
                "--subject",
                &survivor,
                "--consent-required",
            ],
        ),
        "seal about the survivor",
    );
    let record = sealed
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("record id: "))
        .expect("the seal prints the record id")
        .trim()
        .to_owned();
    let grant = [
        "vault",
        "grant",
        &record,
        "--to",
        "th-police",
        "--purpose",
        "victim support",
        "--legal-basis",
        "public_task",
    ];
    let r = desk.as_org("th-registry", &grant);
    assert!(
        !r.ok && r.stderr.contains("consent"),
        "no consent yet: {}",
        r.stderr
    );
    let sig = must(
        unchain(&[
            "wallet",
            "consent",
            "--wallet",
            &sw,
            "--chain",
            &chain.chain_id,
            "--record",
            &record,
            "--recipient",
            "th-police",
            "--purpose",
            "victim support",
        ]),
        "wallet consent",
    )
    .stdout
    .trim()
    .to_owned();
    must(
        desk.as_org(
            "th-registry",
            &[
                "vault",
                "consent",
                &record,
                "--recipient",
                "th-police",
                "--purpose",
                "victim support",
                "--signature",
                &sig,
            ],
        ),
        "vault consent with the wallet's signature",
    );
    must(desk.as_org("th-registry", &grant), "grant after consent");

    // The node's own border endpoint agrees, and serves the page.
    let http = reqwest::Client::new();
    let read = |f: &str| std::fs::read_to_string(f).expect("read");
    let report: Value = http
        .post(format!("{}/v1/border/check", desk.url))
        .bearer_auth(&officer)
        .json(&serde_json::json!({"child": read(&third.0), "adult": read(&third.1), "aud": POST, "nonce": third.2}))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(report["verdict"], "child_missing", "{report}");
    // The page where an officer types a token: no script runs in it (it has none), forms
    // post only to the node, no site frames it, nothing of it is cached; its style the same.
    for path in ["/border", "/border/border.css"] {
        let r = http
            .get(format!("{}{path}", desk.url))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200, "{path}");
        let h = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{path} has no {name}"))
                .to_owned()
        };
        let csp = h("content-security-policy");
        assert!(
            csp.contains("default-src 'none'")
                && !csp.contains("script-src")
                && csp.contains("form-action 'self'")
                && csp.contains("frame-ancestors 'none'")
                && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(h("x-frame-options"), "DENY", "{path}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("cache-control"), "no-store", "{path}");
        assert_eq!(h("referrer-policy"), "no-referrer", "{path}");
    }
    let page = http
        .get(format!("{}/border", desk.url))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(
        page.contains("Border check")
            && !page.contains("<script")
            && page
                .contains(r#"<form method="post" action="/border" enctype="multipart/form-data">"#),
        "{page}"
    );
    let status: Value = http
        .get(format!("{}/v1/identity/status/{did}", desk.url))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(status["status_list"]["bits"], 2);
    // A court gives the child to her grandmother: one command revokes the mother's link
    // and issues the grandmother's; the child's record shows both.
    let link3 = desk.path("link-3.sd-jwt");
    must(
        desk.as_org(
            "th-registry",
            &[
                "identity",
                "change-guardian",
                "--issuer-key",
                &issuer_key,
                "--child",
                &child,
                "--old-idx",
                &link2_idx,
                "--reason",
                "court order 2026/114",
                "--holder",
                &grandma,
                "--relationship",
                "grandmother",
                "--until",
                "2030-12-31",
                "--out",
                &link3,
            ],
        ),
        "change-guardian",
    );
    must(
        unchain(&["wallet", "store", "--wallet", &other, &link3]),
        "grandma stores her link",
    );
    let view: Value = serde_json::from_str(
        &must(
            desk.as_org("th-police", &["identity", "child", &child]),
            "identity child",
        )
        .stdout,
    )
    .expect("json");
    let links: Vec<(String, &str)> = view["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .filter(|c| c["vct"] == "urn:unchain:vct:guardian-link:1")
        .map(|c| (c["idx"].to_string(), c["status"].as_str().expect("status")))
        .collect();
    assert!(links.contains(&(link2_idx.clone(), "revoked")), "{links:?}");
    assert_eq!(links.last().map(|l| l.1), Some("valid"), "{links:?}");
    drop(node);

    // Nothing the node wrote — ledger, vault, logs — holds the child's personal data.
    let mut scanned = 0;
    for f in files(chain.dir.path()) {
        let bytes = std::fs::read(&f).expect("read");
        scanned += 1;
        for needle in ["Mali", "Sukprasert", "2023-04-02", "Mae La camp"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle:?} in {}",
                f.display()
            );
        }
    }
    assert!(scanned > 5, "the scan read the node's files ({scanned})");
}

/// The `/border` page in a real browser (Debian's chromium, headless, driven by
/// Playwright): the officer pastes the wallets' presentations made for the page's own
/// nonce and sees VALID with the relationship; once the child is flagged missing, the same
/// page stops the crossing. The page loads nothing from another host.
#[tokio::test(flavor = "multi_thread")]
async fn the_border_page_in_a_browser() {
    let script = repo_root().join("tests/js/border_page.mjs");
    assert!(
        repo_root()
            .join("tests/js/node_modules/playwright-core")
            .exists(),
        "Playwright is not installed: run `bash .ci/run` (it runs npm ci in tests/js)"
    );
    let chain = Chain::init_validators(&ORGS, 1);
    let node = chain.start().await;
    let Family { desk, child, .. } = register_family(&chain, &node);

    let officer = field(
        &user_cmd(&chain, &["add", "officer", "--role", "border_officer"]),
        "token",
    );
    let mut browser = Command::new("node")
        .arg(&script)
        .arg(&desk.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
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
    let mut nonce = read_line()["nonce"]
        .as_str()
        .expect("the page's nonce")
        .to_owned();
    let mut check = |token: &str, nonce: &str, tag: &str| -> Value {
        let child_p = desk.path(&format!("page-child-{tag}.txt"));
        let adult_p = desk.path(&format!("page-adult-{tag}.txt"));
        must(
            desk.wallet(&[
                "present",
                "1",
                "--aud",
                "border-post",
                "--nonce",
                nonce,
                "--out",
                &child_p,
            ]),
            "present",
        );
        must(
            desk.wallet(&[
                "present",
                "2",
                "--disclose",
                "relationship",
                "--aud",
                "border-post",
                "--nonce",
                nonce,
                "--out",
                &adult_p,
            ]),
            "present",
        );
        let req = serde_json::json!({
            "token": token,
            "child": std::fs::read_to_string(&child_p).expect("read"),
            "adult": std::fs::read_to_string(&adult_p).expect("read"),
            "aud": "border-post",
            "nonce": nonce,
        });
        std::io::Write::write_all(&mut to_page, format!("{req}\n").as_bytes()).expect("write");
        read_line()
    };
    // Without a token the page cannot check: the trust data is for members only.
    let shown = check("", &nonce, "0");
    assert_eq!(shown["headline"], "COULD NOT CHECK", "{shown}");
    nonce = shown["nonce"].as_str().expect("next nonce").to_owned();
    let shown = check(&officer, &nonce, "1");
    assert_eq!(shown["headline"], "VALID", "{shown}");
    assert_eq!(shown["class"], "valid", "{shown}");
    assert!(
        shown["meta"]
            .as_str()
            .is_some_and(|m| m.contains("relationship: mother")),
        "{shown}"
    );
    assert!(
        !shown.to_string().contains("Mali"),
        "the page shows no name: {shown}"
    );
    assert_eq!(
        shown["outside"],
        serde_json::json!([]),
        "the page loaded something from another host"
    );
    nonce = shown["nonce"].as_str().expect("next nonce").to_owned();

    // The same form takes the files `unchain wallet present --out` writes, made for a
    // nonce of the officer's own (typed into the form), with no browser at all.
    let (child_p, adult_p, cli_nonce) = desk.present("form-files", "2");
    let read = |p: &str| std::fs::read(p).expect("presentation file");
    let form = reqwest::multipart::Form::new()
        .text("token", officer.clone())
        .text("aud", POST)
        .text("nonce", cli_nonce)
        .text("child", "")
        .text("adult", "")
        .part(
            "child_file",
            reqwest::multipart::Part::bytes(read(&child_p)).file_name("child.txt"),
        )
        .part(
            "adult_file",
            reqwest::multipart::Part::bytes(read(&adult_p)).file_name("adult.txt"),
        );
    let page = reqwest::Client::new()
        .post(format!("{}/border", desk.url))
        .multipart(form)
        .send()
        .await
        .expect("post the form");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(!csp.contains("script-src 'self'"), "{csp}");
    let html = page.text().await.expect("page");
    assert!(html.contains(r#"<h2 id="headline">VALID</h2>"#), "{html}");
    assert!(!html.contains("<script"), "{html}");

    must(desk.flag_missing(&child), "missing");
    let shown = check(&officer, &nonce, "2");
    assert_eq!(shown["headline"], "CHILD FLAGGED MISSING", "{shown}");
    assert_eq!(shown["class"], "stop", "{shown}");
    drop(to_page);
    let out = browser.wait_with_output().expect("the page script ends");
    assert!(
        out.status.success(),
        "the page script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
