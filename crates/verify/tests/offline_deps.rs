//! The offline verifier links no storage, no HTTP server and no consensus runtime: a court
//! or a border post runs it on a laptop with nothing else of Unchain's, and what it trusts
//! is small enough to audit. Cargo resolves `unchain-verify` on its own here (as
//! `cargo build -p unchain-verify` does), so a module whose `ledger` feature leaks into the
//! verifier's graph, or a new dependency that pulls one of these in, fails this test.

use std::collections::BTreeSet;
use std::process::Command;

/// What the verifier must never link, by package name prefix.
const FORBIDDEN: &[&str] = &[
    "redb",
    "axum",
    "hyper",
    "tower",
    "reqwest",
    "tokio",
    "commonware-",
    "unchain-ledger",
    "unchain-node",
    "unchain-consensus",
    "unchain-client",
];

/// The names of the packages `package` links in normal builds, resolved for it alone.
fn linked(package: &str) -> BTreeSet<String> {
    let workspace = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--edges", "normal"])
        .args(["--prefix", "none", "--format", "{p}", "--package", package])
        .args(["--manifest-path", workspace])
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn forbidden_in(packages: &BTreeSet<String>) -> Vec<String> {
    packages
        .iter()
        .filter(|p| FORBIDDEN.iter().any(|f| p.starts_with(f)))
        .cloned()
        .collect()
}

#[test]
fn the_verifier_links_no_storage_server_or_consensus_runtime() {
    let packages = linked("unchain-verify");
    // What it does link: the checks themselves.
    for needed in [
        "unchain-bundle",
        "unchain-log",
        "unchain-custody",
        "unchain-agree",
        "unchain-clause",
        "unchain-identity",
    ] {
        assert!(packages.contains(needed), "{needed} missing: {packages:?}");
    }
    assert_eq!(forbidden_in(&packages), Vec::<String>::new());
}

#[test]
fn the_scan_sees_what_a_node_links() {
    // The same scan of the node finds storage, the server and the runtime: the test above
    // passes because the verifier lacks them, not because the scan cannot see them.
    let found = forbidden_in(&linked("unchain-node"));
    for expected in ["redb", "axum", "commonware-runtime", "unchain-ledger"] {
        assert!(
            found.iter().any(|p| p.as_str() == expected),
            "{expected} not seen in the node: {found:?}"
        );
    }
}
