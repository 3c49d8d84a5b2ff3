//! The transparency-dev RFC 6962 vectors: every happy path verifies, every modified proof is
//! rejected.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use unchain_log::{verify_consistency, verify_inclusion};
use unchain_types::Hash32;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Inclusion {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Consistency {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

/// A hash field that does not decode to 32 bytes can never verify.
fn hash(s: &str) -> Option<Hash32> {
    B64.decode(s).ok()?.try_into().ok().map(Hash32)
}

fn hashes(v: &Option<Vec<String>>) -> Option<Vec<Hash32>> {
    v.as_deref()
        .unwrap_or_default()
        .iter()
        .map(|s| hash(s))
        .collect()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("vector dir") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            out.extend(files(&p));
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/merkle")
}

#[test]
fn inclusion_vectors() {
    let all = files(&root().join("inclusion"));
    assert!(
        all.len() >= 70,
        "expected the full vector set, found {}",
        all.len()
    );
    let mut happy = 0;
    for path in &all {
        let v: Inclusion =
            serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json");
        let result = match (hash(&v.leaf_hash), hash(&v.root), hashes(&v.proof)) {
            (Some(leaf), Some(root), Some(proof)) => {
                verify_inclusion(&leaf, v.leaf_idx, v.tree_size, &proof, &root)
                    .map_err(|e| e.to_string())
            }
            _ => Err("undecodable hash".into()),
        };
        assert_eq!(
            result.is_err(),
            v.want_err,
            "{} ({}): got {:?}",
            path.display(),
            v.desc,
            result
        );
        happy += usize::from(!v.want_err);
    }
    assert!(happy >= 6, "only {happy} happy paths");
}

#[test]
fn consistency_vectors() {
    let all = files(&root().join("consistency"));
    assert!(
        all.len() >= 90,
        "expected the full vector set, found {}",
        all.len()
    );
    let mut happy = 0;
    for path in &all {
        let v: Consistency =
            serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json");
        let result = match (hash(&v.root1), hash(&v.root2), hashes(&v.proof)) {
            (Some(r1), Some(r2), Some(proof)) => {
                verify_consistency(v.size1, v.size2, &r1, &r2, &proof).map_err(|e| e.to_string())
            }
            // Go's verifier compares equal-size roots byte for byte, so one vector uses a
            // placeholder "root" that is not a SHA-256 digest; our roots are typed as 32
            // bytes, so apply the same rule (equal sizes, empty proof, identical roots) here.
            _ if v.size1 == v.size2
                && v.proof.as_deref().is_some_and(|p| p.is_empty())
                && v.root1 == v.root2
                && v.size1 > 0 =>
            {
                Ok(())
            }
            _ => Err("undecodable hash".into()),
        };
        assert_eq!(
            result.is_err(),
            v.want_err,
            "{} ({}): got {:?}",
            path.display(),
            v.desc,
            result
        );
        happy += usize::from(!v.want_err);
    }
    assert!(happy >= 4, "only {happy} happy paths");
}
