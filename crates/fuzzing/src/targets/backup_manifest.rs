//! A backup's `backup.json` from outside (a backup restored from another disk, or one an
//! attacker left there): parsing never panics, and a manifest that parses names only
//! files of the node's own data — relative plain paths that stay inside the data
//! directory, none twice, none inside another — so a restore cannot write anywhere else.

use std::path::{Component, Path};
use unchain_node::backup::{BackupManifest, OWN_DATA};

/// The chain and member a fuzzed manifest is checked against.
pub const CHAIN: &str = "fuzz-chain";
/// See [`CHAIN`].
pub const MEMBER: &str = "fuzz-member";

/// One input.
pub fn run(data: &[u8]) {
    let Ok(backup) = BackupManifest::parse(data, CHAIN, MEMBER) else {
        return;
    };
    assert_eq!(
        (backup.chain_id.as_str(), backup.member.as_str()),
        (CHAIN, MEMBER)
    );
    let mut seen = std::collections::BTreeSet::new();
    for f in &backup.files {
        let path = Path::new(&f.path);
        assert!(
            path.components().all(|c| matches!(c, Component::Normal(_))),
            "{:?} leaves the data directory",
            f.path
        );
        let top = path.components().next().expect("not empty");
        assert!(
            OWN_DATA
                .iter()
                .any(|t| Path::new(t).as_os_str() == top.as_os_str()),
            "{:?} is not under the node's own data",
            f.path
        );
        assert!(seen.insert(path.to_path_buf()), "{:?} twice", f.path);
    }
    for p in &seen {
        for ancestor in p.ancestors().skip(1) {
            assert!(!seen.contains(ancestor), "{p:?} inside another listed file");
        }
    }
}
