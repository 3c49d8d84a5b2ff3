//! Envelopes checked against independent implementations: pyhpke (RFC 9180) and the Python
//! `cryptography` package's ChaCha20-Poly1305 open what this crate seals, and this crate
//! opens what pyhpke wraps. The Python environment is the one `.ci/run` creates
//! (`tests/python/requirements.txt`); `UNCHAIN_PYTHON` overrides it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use unchain_seal::{ContentKey, WrappedKey, record_key_info, seal_payload};
use unchain_types::{EncryptionSecretKey, Hash32};

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("UNCHAIN_PYTHON") {
        return p.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        venv.exists(),
        "no Python environment at {}: run `bash .ci/run` first",
        venv.display()
    );
    venv
}

fn interop(mode: &str, request: serde_json::Value) -> Vec<u8> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/python/vault_interop.py");
    let mut child = Command::new(python())
        .arg(script)
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write request");
    let out = child.wait_with_output().expect("python");
    assert!(
        out.status.success(),
        "python {mode}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn pyhpke_and_cryptography_open_what_we_seal() {
    let recipient = EncryptionSecretKey::generate(&mut rand::thread_rng());
    let record = Hash32([0x5a; 32]);
    let key = ContentKey::generate();
    let plaintext = "Somchai Jaidee, +66 81 234 5678 — ตรวจแรงงาน".as_bytes();
    let sealed = seal_payload(&key, &record, 3, plaintext);
    let info = record_key_info("interop-chain", &record, 3, "th-ngo");
    let wrapped = WrappedKey::wrap_content_key(&key, &recipient.public_key(), &info);
    let opened = interop(
        "open",
        serde_json::json!({
            "secret": hex::encode(recipient.to_bytes()),
            "enc": hex::encode(wrapped.enc),
            "ct": hex::encode(wrapped.ct),
            "info": hex::encode(&info),
            "record": record.to_hex(),
            "version": 3,
            "sealed": hex::encode(&sealed),
        }),
    );
    assert_eq!(opened, plaintext);
}

#[test]
fn we_open_what_pyhpke_wraps() {
    let recipient = EncryptionSecretKey::generate(&mut rand::thread_rng());
    let info = record_key_info("interop-chain", &Hash32([1; 32]), 1, "ng-naptip");
    let key = [0x42u8; 32];
    let out = interop(
        "wrap",
        serde_json::json!({
            "public": recipient.public_key().to_hex(),
            "info": hex::encode(&info),
            "key": hex::encode(key),
        }),
    );
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let wrapped = WrappedKey::from_hex(v["wrapped"].as_str().expect("hex")).expect("80 bytes");
    assert_eq!(wrapped.unwrap(&recipient, &info).expect("opens"), key);
    let other = record_key_info("interop-chain", &Hash32([1; 32]), 1, "th-ngo");
    assert!(wrapped.unwrap(&recipient, &other).is_err());
}
