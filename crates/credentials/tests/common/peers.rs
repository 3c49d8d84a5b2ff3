//! The SD-JWT peers no one here wrote, driven over stdin and stdout: the Python reference
//! `sd-jwt` (`tests/python/sdjwt_interop.py`, in the `.venv` that `.ci/run` makes) and the
//! OpenWallet Foundation's TypeScript `@sd-jwt/core` (`tests/js/sdjwt_interop.mjs`).
//! Included by `crates/credentials/tests/interop.rs` and by other crates' tests that issue
//! credentials (`#[path]`), so that one driver serves them all.
#![allow(dead_code)]
// A test driver reads its settings (UNCHAIN_PYTHON); execution never does.
#![allow(clippy::disallowed_methods)]

use serde_json::{Value, json};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use unchain_credentials::jose::{Jwk, b64};
use unchain_types::SigningKey;

/// An implementation to test against.
#[derive(Debug, Clone, Copy)]
pub enum Peer {
    /// The Python reference `sd-jwt`.
    Python,
    /// The TypeScript `@sd-jwt/core`.
    TypeScript,
}

pub const PEERS: [Peer; 2] = [Peer::Python, Peer::TypeScript];

/// The repository's root: the nearest folder above this crate that holds `Cargo.lock`
/// (this file is also included by other crates' tests, at other depths).
fn repo() -> PathBuf {
    let mut dir = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    while !dir.join("Cargo.lock").exists() {
        assert!(
            dir.pop(),
            "no Cargo.lock above {}",
            env!("CARGO_MANIFEST_DIR")
        );
    }
    dir
}

impl Peer {
    fn command(self) -> Command {
        match self {
            Peer::Python => {
                let python = std::env::var("UNCHAIN_PYTHON")
                    .map(PathBuf::from)
                    .unwrap_or_else(|_| repo().join(".venv/bin/python"));
                assert!(
                    python.exists(),
                    "no Python environment at {}: run `bash .ci/run` first",
                    python.display()
                );
                let mut c = Command::new(python);
                c.arg(repo().join("tests/python/sdjwt_interop.py"));
                c
            }
            Peer::TypeScript => {
                assert!(
                    repo().join("tests/js/node_modules/@sd-jwt/core").exists(),
                    "@sd-jwt/core is not installed: run `bash .ci/run` first (npm ci in tests/js)"
                );
                let mut c = Command::new("node");
                c.arg(repo().join("tests/js/sdjwt_interop.mjs"));
                c
            }
        }
    }

    /// One request to the peer; its JSON answer.
    pub fn call(self, request: Value) -> Value {
        let mut child = self
            .command()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start the {self:?} peer: {e}"));
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(request.to_string().as_bytes())
            .expect("write request");
        let out = child.wait_with_output().expect("peer");
        assert!(
            out.status.success(),
            "{self:?} {}: {}",
            request["op"],
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("the peer answers JSON")
    }

    /// The peer's verdict on a presentation with key binding.
    pub fn verify(self, presentation: &str, issuer: &SigningKey, aud: &str, nonce: &str) -> Value {
        self.call(json!({
            "op": "verify",
            "presentation": presentation,
            "issuer_jwk": Jwk::of(&issuer.public_key()).to_value(),
            "aud": aud,
            "nonce": nonce,
        }))
    }
}

pub fn private_jwk(key: &SigningKey) -> Value {
    let mut jwk = Jwk::of(&key.public_key()).to_value();
    jwk["d"] = b64(&key.seed()).into();
    jwk
}
