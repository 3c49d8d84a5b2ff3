//! The authenticated state: every state key and value in a Jellyfish Merkle tree (the
//! `jmt` crate: Diem's and Aptos's sparse Merkle tree, maintained by Penumbra), kept in
//! redb tables and committed in the same write transaction as the block.
//!
//! Version `h` of the tree is the state after the block at height `h` (genesis is 0). A
//! key's place in the tree is `SHA-256(key)`, a value's leaf commits to `SHA-256(value)`,
//! and the root is a function of the state's content alone: two nodes that hold the same
//! keys and values have the same root, whatever history brought them there. Proofs show
//! that a key has a value, or that it has none, at any version still kept.
//!
//! Old versions are kept for [`RETAINED_VERSIONS`] blocks (proofs are served at the
//! version a cosigned checkpoint names, a little behind the head), then pruned: each
//! commit deletes the nodes and values that stopped being current that many blocks ago.
//!
//! Tables: `state_tree_nodes` (jmt's node key, borsh → node, borsh), `state_tree_values`
//! (`SHA-256(key) ‖ version` → `0` for deleted or `1 ‖ key length (u32) ‖ key ‖ value`:
//! the key itself is kept so that the state of any retained version can be exported, see
//! [`crate::snapshot`]), `state_tree_stale` (`since version ‖ kind ‖ key` → nothing: what to
//! delete once `since` is old enough).

use crate::LedgerError;
use jmt::storage::{HasPreimage, LeafNode, NibblePath, Node, NodeKey, TreeReader};
use jmt::{KeyHash, OwnedValue, Sha256Jmt, Version};
use redb::{ReadableTable, TableDefinition, WriteTransaction};
use sha2::Sha256;
use unchain_types::Hash32;

/// How many versions of the tree stay provable behind the newest.
pub const RETAINED_VERSIONS: u64 = 1024;

/// The tree's nodes: jmt's node key (borsh) → node (borsh).
pub(crate) const NODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state_tree_nodes");
/// The tree's values by version: `SHA-256(key) ‖ version (big-endian)` → `0` (deleted) or
/// `1 ‖ key length (u32, big-endian) ‖ key ‖ value`.
pub(crate) const VALUES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state_tree_values");
/// What stopped being current: `since (big-endian) ‖ kind ‖ key` → nothing.
pub(crate) const STALE: TableDefinition<&[u8], ()> = TableDefinition::new("state_tree_stale");

const STALE_NODE: u8 = 0;
const STALE_VALUE: u8 = 1;

/// The place of `key` in the tree: `SHA-256(key)`.
pub fn key_hash(key: &[u8]) -> KeyHash {
    KeyHash::with::<Sha256>(key)
}

/// A stored value entry: `Some((key, value))`, or `None` for a deletion.
pub(crate) fn decode_entry(stored: &[u8]) -> Option<(&[u8], &[u8])> {
    let (1, rest) = stored.split_first()? else {
        return None;
    };
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let key = rest.get(4..4 + len)?;
    Some((key, &rest[4 + len..]))
}

/// The stored value entry of `key` set to `value` (`None`: deleted).
pub(crate) fn encode_entry(key: &[u8], value: Option<&[u8]>) -> Vec<u8> {
    match value {
        Some(value) => {
            let mut bytes = Vec::with_capacity(5 + key.len() + value.len());
            bytes.push(1);
            bytes.extend_from_slice(&(key.len() as u32).to_be_bytes());
            bytes.extend_from_slice(key);
            bytes.extend_from_slice(value);
            bytes
        }
        None => vec![0],
    }
}

pub(crate) fn value_key(key_hash: &KeyHash, version: Version) -> [u8; 40] {
    let mut k = [0u8; 40];
    k[..32].copy_from_slice(&key_hash.0);
    k[32..].copy_from_slice(&version.to_be_bytes());
    k
}

fn stale_key(since: Version, kind: u8, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(9 + key.len());
    k.extend_from_slice(&since.to_be_bytes());
    k.push(kind);
    k.extend_from_slice(key);
    k
}

/// The key of the root node of `version`: the empty path.
fn root_key(version: Version) -> NodeKey {
    NodeKey::new(version, NibblePath::from_iter(std::iter::empty()))
}

fn node_key_bytes(key: &NodeKey) -> Vec<u8> {
    borsh::to_vec(key).expect("a node key serialises")
}

/// The tree's tables, read inside a write transaction or a read transaction alike.
struct Tables<'a, N, V> {
    nodes: &'a N,
    values: &'a V,
}

/// The newest entry of `key_hash` at or before `max_version`: its version and value.
fn latest<V: ReadableTable<&'static [u8], &'static [u8]>>(
    values: &V,
    key_hash: &KeyHash,
    max_version: Version,
) -> Result<Option<(Version, Option<OwnedValue>)>, redb::StorageError> {
    let low = value_key(key_hash, 0);
    let high = value_key(key_hash, max_version);
    let Some(entry) = values
        .range::<&[u8]>(low.as_slice()..=high.as_slice())?
        .next_back()
    else {
        return Ok(None);
    };
    let (k, v) = entry?;
    let version = Version::from_be_bytes(k.value()[32..].try_into().expect("40-byte key"));
    let value = decode_entry(v.value()).map(|(_, value)| value.to_vec());
    Ok(Some((version, value)))
}

impl<N, V> TreeReader for Tables<'_, N, V>
where
    N: ReadableTable<&'static [u8], &'static [u8]>,
    V: ReadableTable<&'static [u8], &'static [u8]>,
{
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        match self.nodes.get(node_key_bytes(node_key).as_slice())? {
            None => Ok(None),
            Some(bytes) => Ok(Some(borsh::from_slice(bytes.value())?)),
        }
    }

    fn get_value_option(
        &self,
        max_version: Version,
        key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        Ok(latest(self.values, &key_hash, max_version)?.and_then(|(_, v)| v))
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        // Only jmt's restore and in-place overwrite ask for it; neither is used here.
        anyhow::bail!("the ledger's state tree does not index its rightmost leaf")
    }
}

impl<N, V> HasPreimage for Tables<'_, N, V> {
    fn preimage(&self, _: KeyHash) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(None)
    }
}

fn tree_error(e: anyhow::Error) -> LedgerError {
    LedgerError::StateTree(format!("{e:#}"))
}

/// Writes version `version` of the tree: `writes` (key → new value, or `None` where the
/// key was deleted) over version `version − 1` (or the empty tree, for version 0), then
/// prunes what fell out of the retained window. Returns the new root.
pub fn commit(
    txn: &WriteTransaction,
    version: Version,
    writes: crate::state::Writes,
) -> Result<Hash32, LedgerError> {
    let mut nodes = txn.open_table(NODES)?;
    let mut values = txn.open_table(VALUES)?;
    let mut stale = txn.open_table(STALE)?;
    // jmt would take a missing previous root for an empty tree: never build on one.
    if let Some(previous) = version.checked_sub(1)
        && nodes
            .get(node_key_bytes(&root_key(previous)).as_slice())?
            .is_none()
    {
        return Err(LedgerError::StateTree(format!(
            "version {version} cannot be written: the tree has no version {previous}"
        )));
    }
    let mut keys = std::collections::BTreeMap::new();
    let set: Vec<(KeyHash, Option<OwnedValue>)> = writes
        .into_iter()
        .map(|(k, v)| {
            let kh = key_hash(&k);
            keys.insert(kh, k);
            (kh, v)
        })
        .collect();
    // A key's previous value stops being current at this version; a deletion's own
    // marker is needed only while an older value could otherwise be found.
    for (kh, value) in &set {
        if let Some((previous, _)) = latest(&values, kh, version)? {
            stale.insert(
                stale_key(version, STALE_VALUE, &value_key(kh, previous)).as_slice(),
                (),
            )?;
        }
        if value.is_none() {
            stale.insert(
                stale_key(version, STALE_VALUE, &value_key(kh, version)).as_slice(),
                (),
            )?;
        }
    }
    let (root, batch) = {
        let reader = Tables {
            nodes: &nodes,
            values: &values,
        };
        let tree = Sha256Jmt::new(&reader);
        // jmt's batch insertion builds each touched subtree once, but takes no deletions
        // and no empty set; otherwise keys go in one at a time. Both give the same tree
        // (the tests cross-check their roots).
        if set.is_empty() || set.iter().any(|(_, v)| v.is_none()) {
            tree.put_value_set(set, version).map_err(tree_error)?
        } else {
            let kvs = set
                .into_iter()
                .map(|(k, v)| (k, v.expect("no deletion in this set")))
                .collect();
            let (roots, batch) = tree
                .batch_put_value_sets(vec![kvs], None, version)
                .map_err(tree_error)?;
            (roots[0], batch)
        }
    };
    for (key, node) in batch.node_batch.nodes() {
        let bytes = borsh::to_vec(node).expect("a node serialises");
        nodes.insert(node_key_bytes(key).as_slice(), bytes.as_slice())?;
    }
    for ((v, kh), value) in batch.node_batch.values() {
        let key = keys.get(kh).expect("jmt writes only the keys it was given");
        let bytes = encode_entry(key, value.as_deref());
        values.insert(value_key(kh, *v).as_slice(), bytes.as_slice())?;
    }
    for index in &batch.stale_node_index_batch {
        stale.insert(
            stale_key(
                index.stale_since_version,
                STALE_NODE,
                &node_key_bytes(&index.node_key),
            )
            .as_slice(),
            (),
        )?;
    }
    prune(&mut nodes, &mut values, &mut stale, version)?;
    Ok(Hash32(root.0))
}

/// After a block that erased state, at `version`: no earlier version of the tree stays
/// (their nodes hold `SHA-256` of the erased keys, which whoever knows an erased value can
/// recompute), so proofs and snapshots are possible from `version` on only.
pub fn forget_versions_before(txn: &WriteTransaction, version: Version) -> Result<(), LedgerError> {
    let mut nodes = txn.open_table(NODES)?;
    let mut values = txn.open_table(VALUES)?;
    let mut stale = txn.open_table(STALE)?;
    prune_through(&mut nodes, &mut values, &mut stale, version)?;
    for v in version.saturating_sub(RETAINED_VERSIONS)..version {
        nodes.remove(node_key_bytes(&root_key(v)).as_slice())?;
    }
    Ok(())
}

/// Deletes every version of `keys`' values before `version`: what an erasure rewrote or
/// deleted stops being readable at any retained version at once, rather than after
/// [`RETAINED_VERSIONS`] blocks. Proofs of those keys at earlier versions, and snapshots
/// of earlier versions, are no longer possible; every other key's are unchanged (the
/// tree's nodes hold only hashes).
pub fn purge_history(
    txn: &WriteTransaction,
    keys: &std::collections::BTreeSet<Vec<u8>>,
    version: Version,
) -> Result<(), LedgerError> {
    let mut values = txn.open_table(VALUES)?;
    for key in keys {
        let kh = key_hash(key);
        let (from, to) = (value_key(&kh, 0), value_key(&kh, version));
        let old: Vec<Vec<u8>> = values
            .range::<&[u8]>(from.as_slice()..to.as_slice())?
            .map(|e| e.map(|(k, _)| k.value().to_vec()))
            .collect::<Result<_, _>>()?;
        for k in old {
            values.remove(k.as_slice())?;
        }
    }
    Ok(())
}

/// Deletes what no retained version needs: entries stale since a version at or before
/// `newest − RETAINED_VERSIONS + 1`… precisely, versions `newest − RETAINED_VERSIONS + 1
/// ..= newest` stay provable, so whatever stopped being current at or before the oldest of
/// them goes, and so does the root of the version just before it (an unchanged root is
/// copied to each new version without being marked stale).
fn prune(
    nodes: &mut redb::Table<'_, &'static [u8], &'static [u8]>,
    values: &mut redb::Table<'_, &'static [u8], &'static [u8]>,
    stale: &mut redb::Table<'_, &'static [u8], ()>,
    newest: Version,
) -> Result<(), LedgerError> {
    let Some(oldest_kept) = (newest + 1).checked_sub(RETAINED_VERSIONS) else {
        return Ok(());
    };
    prune_through(nodes, values, stale, oldest_kept)
}

/// Deletes what no version from `oldest_kept` on needs, and the root of the version just
/// before it.
fn prune_through(
    nodes: &mut redb::Table<'_, &'static [u8], &'static [u8]>,
    values: &mut redb::Table<'_, &'static [u8], &'static [u8]>,
    stale: &mut redb::Table<'_, &'static [u8], ()>,
    oldest_kept: Version,
) -> Result<(), LedgerError> {
    let end = (oldest_kept + 1).to_be_bytes();
    let due: Vec<Vec<u8>> = stale
        .range::<&[u8]>(..end.as_slice())?
        .map(|e| e.map(|(k, _)| k.value().to_vec()))
        .collect::<Result<_, _>>()?;
    for key in due {
        let target = &key[9..];
        match key[8] {
            STALE_NODE => {
                nodes.remove(target)?;
            }
            _ => {
                values.remove(target)?;
            }
        }
        stale.remove(key.as_slice())?;
    }
    if let Some(old_root) = oldest_kept.checked_sub(1) {
        nodes.remove(node_key_bytes(&root_key(old_root)).as_slice())?;
    }
    Ok(())
}

/// A key's value at `version` (or its absence) and the tree's proof of it, read from
/// committed storage.
pub fn prove(
    txn: &redb::ReadTransaction,
    version: Version,
    key: &[u8],
) -> Result<(Option<OwnedValue>, jmt::proof::SparseMerkleProof<Sha256>), LedgerError> {
    prove_in(
        &txn.open_table(NODES)?,
        &txn.open_table(VALUES)?,
        version,
        key,
    )
}

/// [`prove`] over the tree's tables as opened by a read or a write transaction.
pub(crate) fn prove_in<N, V>(
    nodes: &N,
    values: &V,
    version: Version,
    key: &[u8],
) -> Result<(Option<OwnedValue>, jmt::proof::SparseMerkleProof<Sha256>), LedgerError>
where
    N: ReadableTable<&'static [u8], &'static [u8]>,
    V: ReadableTable<&'static [u8], &'static [u8]>,
{
    let reader = Tables { nodes, values };
    Sha256Jmt::new(&reader)
        .get_with_proof(key_hash(key), version)
        .map_err(tree_error)
}

/// The version of the tree that holds the state after block `height`, whose root is
/// `root`: `height` while the tree keeps it; otherwise a kept version with the same root —
/// `newest`, or the oldest still kept. The state did not change between them (an idle
/// chain copies its root to every empty block, and the newest checkpoint keeps naming the
/// last block that logged anything), so that version's proofs are proofs of this state,
/// against the same root. `None` when the tree holds it nowhere.
pub(crate) fn version_holding<N, V>(
    nodes: &N,
    values: &V,
    height: Version,
    root: &Hash32,
    newest: Version,
) -> Result<Option<Version>, LedgerError>
where
    N: ReadableTable<&'static [u8], &'static [u8]>,
    V: ReadableTable<&'static [u8], &'static [u8]>,
{
    let reader = Tables { nodes, values };
    let tree = Sha256Jmt::new(&reader);
    let oldest = (newest + 1).saturating_sub(RETAINED_VERSIONS).max(height);
    for version in [height, newest, oldest] {
        let kept = tree
            .get_root_hash_option(version)
            .map_err(tree_error)?
            .map(|r| Hash32(r.0));
        if kept == Some(*root) {
            return Ok(Some(version));
        }
    }
    Ok(None)
}

/// The tree's root at `version`, if that version is still kept.
pub fn root_at(
    txn: &redb::ReadTransaction,
    version: Version,
) -> Result<Option<Hash32>, LedgerError> {
    let nodes = txn.open_table(NODES)?;
    let values = txn.open_table(VALUES)?;
    let reader = Tables {
        nodes: &nodes,
        values: &values,
    };
    Ok(Sha256Jmt::new(&reader)
        .get_root_hash_option(version)
        .map_err(tree_error)?
        .map(|r| Hash32(r.0)))
}

impl crate::Ledger {
    /// Proofs of `keys` (each a value or an absence) as of the state line of the latest
    /// cosigned checkpoint, in a bundle that verifies offline
    /// ([`unchain_bundle::state::verify_state_bundle`]).
    pub fn state_bundle(
        &self,
        keys: &[String],
    ) -> Result<unchain_bundle::state::StateBundle, LedgerError> {
        let note = self.latest_checkpoint()?.ok_or_else(|| {
            LedgerError::StateTree("no checkpoint has been cosigned by a quorum yet".into())
        })?;
        let checkpoint = unchain_log::SignedNote::parse(&note)
            .and_then(|n| unchain_log::Checkpoint::parse_body(&n.body))
            .map_err(|e| LedgerError::Log(format!("the stored cosigned checkpoint: {e}")))?;
        let state = checkpoint.state.ok_or_else(|| {
            LedgerError::StateTree("the latest cosigned checkpoint carries no state line".into())
        })?;
        let proofs = self.state_proofs_at(state.height, keys)?;
        Ok(unchain_bundle::state::StateBundle {
            envelope: self.bundle_envelope(
                unchain_bundle::state::STATE_VERSION,
                note,
                checkpoint.size,
            )?,
            state_height: state.height,
            state_root: state.root.to_hex(),
            proofs,
        })
    }

    /// Proofs of `keys` (each a value or an absence) in the state after the block at
    /// `height`, which must still be kept.
    pub fn state_proofs_at(
        &self,
        height: u64,
        keys: &[String],
    ) -> Result<Vec<unchain_bundle::state::StateProof>, LedgerError> {
        let newest = self.head()?.height;
        let root = match self.block_roots(height)? {
            Some(r) => r.state_root,
            None if height == 0 => self.genesis_head()?.state_root,
            None => {
                return Err(LedgerError::StateTree(format!(
                    "this node holds no block at height {height}"
                )));
            }
        };
        let txn = self.read()?;
        let (nodes, values) = (txn.open_table(NODES)?, txn.open_table(VALUES)?);
        let Some(version) = version_holding(&nodes, &values, height, &root, newest)? else {
            return Err(LedgerError::StateTree(format!(
                "the state at height {height} is no longer kept: this node keeps the last \
                 {RETAINED_VERSIONS} versions"
            )));
        };
        keys.iter()
            .map(|key| {
                let (value, proof) = prove_in(&nodes, &values, version, key.as_bytes())?;
                Ok(unchain_bundle::state::StateProof::new(
                    key,
                    value.as_deref(),
                    &proof,
                ))
            })
            .collect()
    }

    /// The authenticated state's root at `height`, if that version is still kept.
    pub fn state_root_at(&self, height: u64) -> Result<Option<Hash32>, LedgerError> {
        root_at(&self.read()?, height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::{ReadableDatabase as _, ReadableTableMetadata as _};

    fn db() -> (tempfile::TempDir, redb::Database) {
        let dir = tempfile::tempdir().expect("tmp");
        let db = redb::Database::create(dir.path().join("tree.redb")).expect("db");
        (dir, db)
    }

    fn writes(pairs: &[(&str, Option<&str>)]) -> Writes {
        pairs
            .iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec())))
            .collect()
    }

    fn commit_at(db: &redb::Database, version: Version, w: Writes) -> Hash32 {
        let txn = db.begin_write().expect("write");
        let root = commit(&txn, version, w).expect("commit");
        txn.commit().expect("commit txn");
        root
    }

    fn proven(db: &redb::Database, version: Version, key: &str, root: &Hash32) -> Option<String> {
        let txn = db.begin_read().expect("read");
        let (value, proof) = prove(&txn, version, key.as_bytes()).expect("prove");
        proof
            .verify(
                jmt::RootHash(root.0),
                key_hash(key.as_bytes()),
                value.as_deref(),
            )
            .expect("the proof verifies");
        value.map(|v| String::from_utf8(v).expect("utf-8"))
    }

    use crate::state::Writes;

    #[test]
    fn the_root_depends_on_content_not_on_history() {
        let (_d1, one) = db();
        let (_d2, two) = db();
        // One ledger writes a, b, c in one block; the other writes them over three blocks,
        // with a detour (x written and deleted, b first set to something else).
        let r1 = commit_at(
            &one,
            0,
            writes(&[("a", Some("1")), ("b", Some("2")), ("c", Some("3"))]),
        );
        commit_at(
            &two,
            0,
            writes(&[("c", Some("3")), ("x", Some("gone soon"))]),
        );
        commit_at(&two, 1, writes(&[("b", Some("not yet")), ("a", Some("1"))]));
        let r2 = commit_at(&two, 2, writes(&[("b", Some("2")), ("x", None)]));
        assert_eq!(r1, r2);
        // An empty block keeps the root; a change moves it, and undoing it restores it.
        let same = commit_at(&one, 1, Writes::new());
        assert_eq!(same, r1);
        let changed = commit_at(&one, 2, writes(&[("a", Some("one"))]));
        assert_ne!(changed, r1);
        assert_eq!(commit_at(&one, 3, writes(&[("a", Some("1"))])), r1);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Any history of puts and deletes over a few blocks ends at the root of a tree
        /// written in one block with the final content, and at the last version every key
        /// ever touched is proved with its final value or as absent.
        #[test]
        fn any_history_ends_at_the_root_of_its_content(
            blocks in proptest::collection::vec(
                proptest::collection::vec((0u8..24, proptest::option::of(0u8..4)), 0..12),
                1..8,
            )
        ) {
            let (_d1, history) = db();
            let mut content: std::collections::BTreeMap<String, String> = Default::default();
            let mut last = Hash32::ZERO;
            for (version, block) in blocks.iter().enumerate() {
                let mut w = Writes::new();
                for (key, value) in block {
                    let key = format!("k/{key}");
                    match value {
                        Some(v) => {
                            content.insert(key.clone(), format!("v{v}"));
                            w.insert(key.into_bytes(), Some(format!("v{v}").into_bytes()));
                        }
                        None => {
                            content.remove(&key);
                            w.insert(key.into_bytes(), None);
                        }
                    }
                }
                last = commit_at(&history, version as Version, w);
            }
            let (_d2, fresh) = db();
            let all: Writes = content
                .iter()
                .map(|(k, v)| (k.clone().into_bytes(), Some(v.clone().into_bytes())))
                .collect();
            proptest::prop_assert_eq!(commit_at(&fresh, 0, all), last);
            let newest = blocks.len() as Version - 1;
            for key in 0u8..24 {
                let key = format!("k/{key}");
                proptest::prop_assert_eq!(
                    proven(&history, newest, &key, &last),
                    content.get(&key).cloned()
                );
            }
        }
    }

    #[test]
    fn a_version_is_written_only_on_the_one_before() {
        let (_d, db) = db();
        commit_at(&db, 0, writes(&[("a", Some("1"))]));
        let txn = db.begin_write().expect("write");
        let err = commit(&txn, 2, writes(&[("b", Some("2"))])).expect_err("a gap");
        assert!(err.to_string().contains("has no version 1"), "{err}");
    }

    #[test]
    fn values_and_absences_are_proved_at_each_kept_version() {
        let (_d, db) = db();
        let r0 = commit_at(
            &db,
            0,
            writes(&[("custody/item/1", Some("{\"events\":1}"))]),
        );
        let r1 = commit_at(
            &db,
            1,
            writes(&[("custody/item/1", Some("{\"events\":2}"))]),
        );
        let r2 = commit_at(&db, 2, writes(&[("custody/item/1", None)]));
        assert_eq!(
            proven(&db, 0, "custody/item/1", &r0).as_deref(),
            Some("{\"events\":1}")
        );
        assert_eq!(
            proven(&db, 1, "custody/item/1", &r1).as_deref(),
            Some("{\"events\":2}")
        );
        assert_eq!(proven(&db, 2, "custody/item/1", &r2), None);
        assert_eq!(proven(&db, 1, "custody/item/2", &r1), None);
        // A proof is for its root: the version-1 proof does not hold against version 0's.
        let txn = db.begin_read().expect("read");
        let (value, proof) = prove(&txn, 1, b"custody/item/1").expect("prove");
        assert!(
            proof
                .verify(
                    jmt::RootHash(r0.0),
                    key_hash(b"custody/item/1"),
                    value.as_deref()
                )
                .is_err()
        );
        // Nor for another value, nor as an absence.
        assert!(
            proof
                .verify(
                    jmt::RootHash(r1.0),
                    key_hash(b"custody/item/1"),
                    Some(b"{\"events\":1}")
                )
                .is_err()
        );
        assert!(
            proof
                .verify(
                    jmt::RootHash(r1.0),
                    key_hash(b"custody/item/1"),
                    None::<&[u8]>
                )
                .is_err()
        );
    }

    #[test]
    fn old_versions_are_pruned_and_storage_stays_bounded() {
        let (_d, db) = db();
        let keys: Vec<String> = (0..50).map(|i| format!("k/{i}")).collect();
        let count = |db: &redb::Database| {
            let txn = db.begin_read().expect("read");
            let nodes = txn.open_table(NODES).expect("nodes").len().expect("len");
            let values = txn.open_table(VALUES).expect("values").len().expect("len");
            nodes + values
        };
        let mut sizes = Vec::new();
        let mut roots = Vec::new();
        for version in 0..(3 * RETAINED_VERSIONS) {
            // Every block overwrites five keys and deletes one (rewritten later).
            let mut w = Writes::new();
            for j in 0..5 {
                let key = &keys[((version * 5 + j) % 50) as usize];
                w.insert(
                    key.as_bytes().to_vec(),
                    Some(version.to_string().into_bytes()),
                );
            }
            w.insert(keys[(version % 50) as usize].as_bytes().to_vec(), None);
            roots.push(commit_at(&db, version, w));
            if version % RETAINED_VERSIONS == RETAINED_VERSIONS - 1 {
                sizes.push(count(&db));
            }
        }
        // The window is full after the first period: later periods hold about as much.
        assert!(
            sizes[2] <= sizes[1] + sizes[1] / 10,
            "storage grew from {} to {} entries with a full window",
            sizes[1],
            sizes[2]
        );
        let newest = 3 * RETAINED_VERSIONS - 1;
        let oldest_kept = newest + 1 - RETAINED_VERSIONS;
        let txn = db.begin_read().expect("read");
        assert_eq!(
            root_at(&txn, oldest_kept).expect("root"),
            Some(roots[oldest_kept as usize])
        );
        assert_eq!(root_at(&txn, oldest_kept - 1).expect("root"), None);
        for version in [oldest_kept, oldest_kept + 7, newest] {
            for key in &keys[..10] {
                proven(&db, version, key, &roots[version as usize]);
            }
        }
        assert!(prove(&txn, oldest_kept - 1, b"k/1").is_err());
    }
}
