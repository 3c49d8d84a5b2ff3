//! `unchain verify …` is a front end over `unchain-verify`'s checks: the saved bundles of
//! `crates/verify/tests/fixtures/bundles-v1/` verify through it too, a damaged one does
//! not, and output cut short by its reader ends quietly. The checks themselves, and what
//! altering each bundle does, are tested in `crates/verify/tests/bundle_fixtures.rs`.

mod common;

use common::bin;
use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../verify/tests/fixtures/bundles-v1")
        .join(name)
}

/// Runs `unchain verify SUB… BUNDLE --genesis GENESIS`; returns (success, stdout+stderr).
fn verify(sub: &[&str], bundle: &PathBuf) -> (bool, String) {
    let out = Command::new(bin())
        .args(["--log", "warn", "verify"])
        .args(sub)
        .arg(bundle)
        .arg("--genesis")
        .arg(fixture("genesis.json"))
        .output()
        .expect("run unchain verify");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn every_saved_bundle_verifies_through_unchain_verify() {
    for (sub, file, headline) in [
        (&[][..], "proof.json", "VERIFIED\n"),
        (
            &["custody"][..],
            "custody.json",
            "VERIFIED chain of custody",
        ),
        (
            &["tip-receipt"][..],
            "tip-receipt.json",
            "VERIFIED proof of receipt",
        ),
    ] {
        let (ok, out) = verify(sub, &fixture(file));
        assert!(ok, "{file}: {out}");
        assert!(out.starts_with(headline), "{file}: {out}");
    }
}

#[test]
fn a_bundle_of_another_chain_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("proof.json")).expect("read")).expect("JSON");
    v["chain_id"] = "another-chain".into();
    let path = dir.path().join("proof.json");
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
    let (ok, out) = verify(&[], &path);
    assert!(!ok, "{out}");
    assert!(
        out.contains("is chain unchain-demo, not another-chain"),
        "{out}"
    );
}

#[test]
fn output_cut_short_by_its_reader_is_not_a_crash() {
    // `unchain verify … | head -1`: the reader is gone when the verifier writes (closed
    // before the verifier starts, so every write fails).
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let child = Command::new(bin())
        .args(["--log", "warn", "verify"])
        .arg(fixture("proof.json"))
        .arg("--genesis")
        .arg(fixture("genesis.json"))
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run unchain verify");
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}
