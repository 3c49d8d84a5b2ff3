//! The API contract, checked by a tool no one here wrote: Schemathesis (PyPI) reads the
//! node's own `/v1/openapi.json`, generates requests for every operation — boundary values,
//! then random ones — and checks each answer against the document: no 5xx, no status,
//! content type, header or body the document does not declare, required headers required,
//! undeclared methods refused, and (without credentials) every guarded operation refusing.
//! It runs twice against a node with data: as an outsider, and as a user holding every
//! role. `tests/contract/schemathesis.toml` says which checks and why.

mod common;

use common::*;
use serde_json::json;
use std::process::Command;
use std::time::Duration;
use unchain_types::Hash32;

/// `st run` against `base` with `extra` arguments: (passed, report).
fn schemathesis(base: &str, extra: &[&str]) -> (bool, String) {
    let st = python().with_file_name("st");
    let out = Command::new(&st)
        .arg("--config-file")
        .arg(repo_root().join("tests/contract/schemathesis.toml"))
        .arg("--no-color")
        .arg("run")
        .arg(format!("{base}/v1/openapi.json"))
        .args(["--url", base, "--phases", "examples,coverage,fuzzing"])
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e} (the .ci/run venv installs it)", st.display()));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), report)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_served_api_keeps_its_openapi_contract_under_generated_requests() {
    let chain = Chain::init(&["th-dsi:TH", "ng-naptip:NG"]);
    // Long polls (`wait_ms`) wait at most a second here: generated requests ask for long
    // waits on transactions that never come.
    let config = std::fs::read_to_string(chain.config()).expect("config");
    let config: String = config
        .lines()
        .filter(|l| !l.starts_with("max_wait_ms"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(chain.config(), format!("max_wait_ms = 1000\n{config}")).expect("config");
    let node = chain.start().await;
    let base = node.client().base().to_owned();
    // Some data, so that reads find something.
    let th = chain.key("th-dsi");
    for (i, doc) in ["report", "photo"].iter().enumerate() {
        let tx = chain.tx(
            &th,
            i as u64 + 1,
            "notary.anchor",
            json!({"hash": Hash32::digest(doc.as_bytes()).to_hex(), "doc_type": doc}),
        );
        node.client().submit(&tx).await.expect("submit");
        let s = node
            .client()
            .wait_for(&tx.id(), Duration::from_secs(30))
            .await
            .expect("status");
        assert_eq!(s.status, "committed", "{s:?}");
    }

    let (ok, report) = schemathesis(&base, &[]);
    assert!(ok, "as an outsider:\n{report}");
    assert!(report.contains("Tested: "), "{report}");

    let user = user_cmd(
        &chain,
        &[
            "add",
            "contract",
            "--role",
            "investigator,custodian,analyst,intake_officer,administrator,border_officer,compliance_officer",
        ],
    );
    let token = field(&user, "token");
    // With a user's token, the member-signature alternative Schemathesis cannot make is
    // not needed; its check that a mangled credential is refused is the outsider pass's.
    let (ok, report) = schemathesis(
        &base,
        &[
            "-H",
            &format!("Authorization: Bearer {token}"),
            "--exclude-checks",
            "ignored_auth",
        ],
    );
    assert!(ok, "as a user with every role:\n{report}");
}
