//! Proof bundles saved by an earlier release still verify, and the same bundles altered do
//! not.
//!
//! The fixtures in `fixtures/bundles-v1/` were fetched on 2026-12-05 from `unchain demo`
//! (commit 19d05712) before the proof-bundle formats were unified: a transaction's proof
//! (`unchain proof --out`), a chain-of-custody bundle (`unchain custody bundle`), a tip's
//! proof of receipt (downloaded from the tip form) and a border post's trust bundle
//! (`unchain identity trust-bundle`), with the genesis of that demo chain. A court keeps
//! such a file for years; whatever the code becomes, it must keep verifying it.
//!
//! Each is checked by the `unchain-verify` binary, the verifier with no storage, server or
//! consensus runtime (`unchain verify` runs the same code: `crates/cli/tests/verify_front_end.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bundles-v1")
        .join(name)
}

/// The verifier binary.
fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_unchain-verify")
}

/// Runs `unchain-verify SUB BUNDLE --genesis GENESIS` and returns (success, stdout+stderr).
fn verify(sub: &str, bundle: &Path) -> (bool, String) {
    let out = Command::new(bin())
        .arg(sub)
        .arg(bundle)
        .arg("--genesis")
        .arg(fixture("genesis.json"))
        .output()
        .expect("run unchain-verify");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Writes `bundle` with `alter` applied to its JSON into a temporary file.
fn altered(
    dir: &tempfile::TempDir,
    name: &str,
    alter: impl FnOnce(&mut serde_json::Value),
) -> PathBuf {
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture(name)).expect("read fixture"))
            .expect("fixture is JSON");
    alter(&mut v);
    let path = dir.path().join(name);
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
    path
}

/// Flips the last hex digit of a string member.
fn flip_hex(v: &mut serde_json::Value) {
    let s = v.as_str().expect("a hex string").to_owned();
    let last = s.chars().last().expect("not empty");
    let flipped = if last == '0' { '1' } else { '0' };
    *v = serde_json::Value::String(format!("{}{flipped}", &s[..s.len() - 1]));
}

#[test]
fn a_saved_transaction_proof_still_verifies() {
    let (ok, out) = verify("proof", &fixture("proof.json"));
    assert!(ok, "{out}");
    assert!(out.contains("VERIFIED"), "{out}");
    assert!(
        out.contains("cd2e75ca3744e550dbf5510572eca1b777102e923784fedf0f2c03ec0af146b0"),
        "{out}"
    );
    assert!(out.contains("leaf 0 of 78"), "{out}");

    let dir = tempfile::tempdir().expect("tmp");
    let bad = altered(&dir, "proof.json", |v| {
        let leaf = v["leaf"]
            .as_str()
            .expect("leaf")
            .replace("fishing vessel", "fishing boat");
        v["leaf"] = leaf.into();
    });
    let (ok, out) = verify("proof", &bad);
    assert!(!ok, "an altered leaf verified: {out}");
}

#[test]
fn a_saved_custody_bundle_still_verifies() {
    let (ok, out) = verify("custody", &fixture("custody.json"));
    assert!(ok, "{out}");
    assert!(
        out.contains(
            "VERIFIED chain of custody of item 53a8ca8a512943977cdd1f10f046b291d9e686dda2ae40eda1a90116620ee5fb"
        ),
        "{out}"
    );
    for step in ["collected", "sealed", "handed over", "received", "analysed"] {
        assert!(out.contains(step), "{step} missing: {out}");
    }
    assert!(out.contains("validator and member keys of"), "{out}");
    // Saved before checkpoints carried the state: its events verify, and the verifier
    // says that they are not proven to be all of them.
    assert!(
        out.contains("not proven to be all of the item's events"),
        "{out}"
    );

    let dir = tempfile::tempdir().expect("tmp");
    let dropped = altered(&dir, "custody.json", |v| {
        v["events"].as_array_mut().expect("events").remove(2);
    });
    let (ok, out) = verify("custody", &dropped);
    assert!(!ok, "a bundle with a hand-over dropped verified: {out}");
}

#[test]
fn a_saved_proof_of_receipt_still_verifies() {
    let (ok, out) = verify("tip-receipt", &fixture("tip-receipt.json"));
    assert!(ok, "{out}");
    assert!(out.contains("VERIFIED proof of receipt of tip"), "{out}");
    assert!(out.contains("t-0e81acfea0d773e6cc16"), "{out}");

    let dir = tempfile::tempdir().expect("tmp");
    let bad = altered(&dir, "tip-receipt.json", |v| {
        flip_hex(&mut v["entries"][0]["proof"][0]);
    });
    let (ok, out) = verify("tip-receipt", &bad);
    assert!(
        !ok,
        "a receipt with an altered inclusion proof verified: {out}"
    );
}

#[test]
fn a_saved_trust_bundle_still_verifies() {
    let genesis = unchain_genesis::read(&fixture("genesis.json")).expect("genesis");
    let validators = genesis.checkpoint_verifiers();
    let quorum = unchain_bundle::quorum(validators.len());
    let read = |path: &Path| -> unchain_identity::trust::TrustBundle {
        serde_json::from_slice(&std::fs::read(path).expect("read")).expect("a trust bundle")
    };
    let state = unchain_identity::trust::verify(&read(&fixture("trust.json")), &validators, quorum)
        .expect("the saved trust bundle verifies");
    assert_eq!(state.chain_id, "unchain-demo");
    assert_eq!(state.tree_size, 78);
    assert!(
        state
            .dids
            .contains_key("did:unchain:61a754587372fd7467c25ef3923eac32"),
        "{:?}",
        state.dids.keys()
    );
    assert!(state.signers.len() >= quorum, "{:?}", state.signers);

    let dir = tempfile::tempdir().expect("tmp");
    let bad = altered(&dir, "trust.json", |v| {
        flip_hex(&mut v["entries"][0]["proof"][0]);
    });
    assert!(
        unchain_identity::trust::verify(&read(&bad), &validators, quorum).is_err(),
        "a trust bundle with an altered inclusion proof verified"
    );
}

#[test]
fn output_cut_short_by_its_reader_is_not_a_crash() {
    // `unchain-verify … | head -1`: the reader is gone when the verifier writes (closed
    // before the verifier starts, so every write fails).
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let child = Command::new(bin())
        .arg("proof")
        .arg(fixture("proof.json"))
        .arg("--genesis")
        .arg(fixture("genesis.json"))
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run unchain-verify");
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}

/// A state bundle saved on 2026-12-06 (`state-v1/state.json`, from the notary's state-proof
/// test: one anchor's value and another anchor's absence, cosigned by its lone validator)
/// keeps verifying, with the keys it carries; a changed value or a claimed value for the
/// absent key does not.
#[test]
fn a_saved_state_bundle_still_verifies_and_altered_ones_do_not() {
    let saved = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/state-v1/state.json");
    let run = |path: &Path| {
        let out = Command::new(bin())
            .arg("state")
            .arg(path)
            .output()
            .expect("run unchain-verify");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (ok, out) = run(&saved);
    assert!(ok, "{out}");
    assert!(out.contains("VERIFIED the state after block 1"), "{out}");
    assert!(out.contains("\"anchored_by\":\"th-police\""), "{out}");
    assert!(out.contains("has no value (proved absent)"), "{out}");
    assert!(
        out.contains("validator keys carried in the bundle"),
        "{out}"
    );

    let dir = tempfile::tempdir().expect("tmp");
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&saved).expect("read")).expect("json");
    for (what, alter) in [
        (
            "another signer",
            Box::new(|v: &mut serde_json::Value| {
                let text = v["proofs"][0]["value"]["utf8"]
                    .as_str()
                    .expect("utf8")
                    .to_owned();
                v["proofs"][0]["value"]["utf8"] = text.replace("th-police", "ng-naptip").into();
            }) as Box<dyn Fn(&mut serde_json::Value)>,
        ),
        (
            "a value for the absent key",
            Box::new(|v: &mut serde_json::Value| {
                v["proofs"][1]["value"] = serde_json::json!({"utf8": "{}"});
            }),
        ),
    ] {
        let mut v = original.clone();
        alter(&mut v);
        let path = dir.path().join("state.json");
        std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
        let (ok, out) = run(&path);
        assert!(!ok, "{what}: {out}");
        assert!(out.contains("VERIFICATION FAILED"), "{what}: {out}");
    }
}

/// A credential standing saved on 2026-12-07 (`standing-v1/`, from the identity crate's
/// standing test world: a child's card and its guardian link, both valid for fifty years,
/// presented to `th-border-mae-sot` with nonce `n-1`) keeps giving VALID at the border, read
/// as a standing by `border check` and as a plain state bundle by `state`; an edited proof
/// or a dropped child proof is refused.
#[test]
fn a_saved_standing_still_decides_a_border_check() {
    let dir_of = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/standing-v1");
    let check = |bundle: &Path| {
        let out = Command::new(bin())
            .args(["border", "check", "--bundle"])
            .arg(bundle)
            .arg("--child")
            .arg(dir_of.join("child.txt"))
            .arg("--adult")
            .arg(dir_of.join("adult.txt"))
            .args([
                "--aud",
                "th-border-mae-sot",
                "--nonce",
                "n-1",
                "--max-presentation-age",
                "100years",
                "--max-bundle-age",
                "100years",
            ])
            .output()
            .expect("run unchain-verify");
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let saved = dir_of.join("standing.json");
    let (code, out) = check(&saved);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.starts_with("VALID") && out.contains("relationship: mother"),
        "{out}"
    );
    let state = Command::new(bin())
        .arg("state")
        .arg(&saved)
        .output()
        .expect("run unchain-verify");
    let text = String::from_utf8_lossy(&state.stdout);
    assert!(
        state.status.success() && text.contains("identity/child/c-5f2a9e00112233445566 = "),
        "{text}"
    );

    let dir = tempfile::tempdir().expect("tmp");
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&saved).expect("read")).expect("json");
    let child_proof = |v: &serde_json::Value| {
        v["proofs"]
            .as_array()
            .expect("proofs")
            .iter()
            .position(|p| {
                p["key"]
                    .as_str()
                    .is_some_and(|k| k.starts_with("identity/child/"))
            })
            .expect("a child proof")
    };
    for (what, alter) in [
        (
            "a flag added to the child",
            Box::new(|v: &mut serde_json::Value| {
                let i = child_proof(v);
                let text = v["proofs"][i]["value"]["utf8"]
                    .as_str()
                    .expect("utf8")
                    .to_owned();
                v["proofs"][i]["value"]["utf8"] = text
                    .replace("\"flag\":null", "\"flag\":{\"child\":\"x\"}")
                    .into();
            }) as Box<dyn Fn(&mut serde_json::Value)>,
        ),
        (
            "the child's proof dropped",
            Box::new(|v: &mut serde_json::Value| {
                let i = child_proof(v);
                v["proofs"].as_array_mut().expect("proofs").remove(i);
            }),
        ),
    ] {
        let mut v = original.clone();
        alter(&mut v);
        assert_ne!(v, original, "{what}: the edit applies");
        let path = dir.path().join("standing.json");
        std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
        let (code, out) = check(&path);
        assert_ne!(code, Some(0), "{what}: {out}");
        assert!(
            out.contains("THE STANDING DOES NOT VERIFY"),
            "{what}: {out}"
        );
    }
}
