//! A state snapshot from a peer (`GET /v1/snapshot` and its chunks, which a new node
//! restores with `unchain node --sync-from`): checking the manifest and parsing chunks never
//! panic; a manifest that passes carries a checkpoint signed by the fixed genesis validator
//! whose log root its frontier folds to; a restore either rebuilds exactly the state root
//! the checkpoint vouches for or leaves nothing on disk.
//!
//! An input is the manifest's JSON, then each chunk after [`SEPARATOR`].

use unchain_ledger::snapshot::{SnapshotManifest, check_manifest, parse_chunk};
use unchain_ledger::{Genesis, Ledger, Member, Role};
use unchain_types::{EncryptionSecretKey, SigningKey};

/// Separates the manifest and the chunks in an input.
pub const SEPARATOR: &[u8] = b"\n\0chunk\0\n";

/// The validator every input's checkpoint is checked against (seed 7).
pub fn validator() -> SigningKey {
    SigningKey::from_seed([7; 32])
}

/// The chain every input is checked against: one validator, `fuzz-org`, epochs of four
/// blocks.
pub fn genesis() -> Genesis {
    let encryption = EncryptionSecretKey::from_hex(&hex::encode([9u8; 32])).expect("32 bytes");
    Genesis {
        chain_id: "fuzz-chain".into(),
        log_origin: "unchain/fuzz-chain".into(),
        matching_key: None,
        epoch_length: Some(4),
        genesis_time_ms: 1_700_000_000_000,
        members: vec![Member {
            name: "fuzz-org".into(),
            display_name: "Fuzz Org".into(),
            jurisdiction: "TH".into(),
            sector: None,
            roles: [Role::Governance, Role::Notary].into_iter().collect(),
            signing_key: validator().public_key(),
            encryption_key: encryption.public_key(),
            validator: true,
        }],
    }
}

/// Splits an input into the manifest and the chunks.
pub fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
        parts.push(&rest[..at]);
        rest = &rest[at + SEPARATOR.len()..];
    }
    parts.push(rest);
    parts
}

/// One input.
pub fn run(data: &[u8]) {
    let parts = split(data);
    let chunks = &parts[1..];
    for chunk in chunks {
        if let Ok(entries) = parse_chunk(chunk) {
            // A chunk that parses is exactly its entries, nothing left over.
            let mut again = Vec::new();
            for (k, v) in &entries {
                again.extend_from_slice(&(k.len() as u32).to_be_bytes());
                again.extend_from_slice(k);
                again.extend_from_slice(&(v.len() as u32).to_be_bytes());
                again.extend_from_slice(v);
            }
            assert_eq!(
                &again[..],
                *chunk,
                "a parsed chunk does not re-encode to itself"
            );
        }
    }
    let Ok(manifest) = serde_json::from_slice::<SnapshotManifest>(parts[0]) else {
        return;
    };
    let genesis = genesis();
    let Ok(vouched) = check_manifest(&genesis, &manifest) else {
        return;
    };
    assert_eq!(vouched.signers, vec!["fuzz-org".to_owned()]);
    assert_eq!(
        unchain_log::root_from_frontier(manifest.log_size, &manifest.log_frontier),
        Some(manifest.log_root)
    );
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("ledger.redb");
    let restored = Ledger::restore_snapshot(
        &path,
        genesis,
        Vec::new(),
        None,
        &manifest,
        &mut |i| {
            chunks
                .get(i)
                .map(|c| c.to_vec())
                .ok_or_else(|| "no such chunk".into())
        },
        &mut |_, _| {},
    );
    match restored {
        Ok((ledger, report)) => {
            let head = ledger.head().expect("head");
            assert_eq!(head.state_root, manifest.state_root);
            assert_eq!(head.height, manifest.height);
            assert_eq!(report.entries, manifest.entries);
        }
        Err(_) => assert!(!path.exists(), "a refused restore left its database"),
    }
}
