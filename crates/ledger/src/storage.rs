//! Rewriting the storage file after an erasure ([`crate::Ledger::compact`]).
//!
//! Deleting a row in redb leaves its bytes behind in two ways: in free pages, until they
//! are reused, and — for a key — as a separator in a B-tree branch page, until that page is
//! rebuilt. Neither compaction nor deletion touches them. So the ledger copies every table's
//! live entries into a fresh file, overwrites the old file with zeros and gives the fresh
//! one its name. Every table must be listed in [`TABLES`]: a table the copy does not know
//! refuses the rewrite (and `every_table_is_copied` fails), so no data is lost to a table
//! added later.

use crate::LedgerError;
use redb::{
    Database, Key, ReadTransaction, ReadableDatabase as _, TableDefinition, TableHandle as _,
    Value, WriteTransaction,
};
use std::io::Write as _;
use std::path::Path;

/// The names of every table the ledger keeps, in the order [`copy_all`] copies them.
pub(crate) const TABLES: [&str; 20] = [
    "meta",
    "blocks",
    "block_roots",
    "txs",
    "log_leaves",
    "log_nodes",
    "checkpoints",
    "cosigned_checkpoints",
    "state",
    "size_state",
    "state_tree_nodes",
    "state_tree_values",
    "state_tree_stale",
    "epochs",
    "epoch_notes_own",
    "epoch_notes",
    "epoch_proofs",
    "state_proof_requests",
    "kept_state_proofs",
    "kept_proof_checkpoints",
];

fn copy<K: Key + 'static, V: Value + 'static>(
    from: &ReadTransaction,
    to: &WriteTransaction,
    table: TableDefinition<K, V>,
) -> Result<(), LedgerError> {
    let source = match from.open_table(table) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut target = to.open_table(table)?;
    for entry in redb::ReadableTable::iter(&source)? {
        let (k, v) = entry?;
        target.insert(k.value(), v.value())?;
    }
    Ok(())
}

/// Copies every table in [`TABLES`] from `from` into `to`.
fn copy_all(from: &ReadTransaction, to: &WriteTransaction) -> Result<(), LedgerError> {
    use crate::{authenticated as a, epochs as e, kept as k, state as s};
    copy(from, to, s::META)?;
    copy(from, to, s::BLOCKS)?;
    copy(from, to, s::BLOCK_ROOTS)?;
    copy(from, to, s::TXS)?;
    copy(from, to, s::LEAVES)?;
    copy(from, to, s::LOG_NODES)?;
    copy(from, to, s::CHECKPOINTS)?;
    copy(from, to, s::COSIGNED)?;
    copy(from, to, s::STATE)?;
    copy(from, to, s::SIZE_STATE)?;
    copy(from, to, a::NODES)?;
    copy(from, to, a::VALUES)?;
    copy(from, to, a::STALE)?;
    copy(from, to, e::EPOCHS)?;
    copy(from, to, e::EPOCH_NOTES_OWN)?;
    copy(from, to, e::EPOCH_NOTES)?;
    copy(from, to, e::EPOCH_PROOFS)?;
    copy(from, to, k::REQUESTS)?;
    copy(from, to, k::PROOFS)?;
    copy(from, to, k::CHECKPOINTS)?;
    Ok(())
}

/// Rewrites the database at `path` (open as `db`, with no transaction in progress) into a
/// fresh file, and replaces `db` with it.
pub(crate) fn rewrite(db: &mut Database, path: &Path) -> Result<(), LedgerError> {
    let fresh_path = path.with_extension("rewrite");
    let _ = std::fs::remove_file(&fresh_path);
    let fresh = Database::create(&fresh_path).map_err(|e| LedgerError::Storage(e.into()))?;
    {
        let from = db.begin_read()?;
        if let Some(unknown) = from
            .list_tables()?
            .map(|t| t.name().to_owned())
            .find(|n| !TABLES.contains(&n.as_str()))
        {
            drop(fresh);
            let _ = std::fs::remove_file(&fresh_path);
            return Err(LedgerError::StateTree(format!(
                "cannot rewrite the storage file: table {unknown:?} is not one the ledger knows"
            )));
        }
        let to = fresh.begin_write()?;
        copy_all(&from, &to)?;
        to.commit()?;
    }
    let old = std::mem::replace(db, fresh);
    drop(old);
    overwrite(path)
        .map_err(|e| LedgerError::StateTree(format!("overwriting {}: {e}", path.display())))?;
    std::fs::rename(&fresh_path, path)
        .map_err(|e| LedgerError::StateTree(format!("replacing {}: {e}", path.display())))?;
    if let Some(dir) = path.parent() {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// Overwrites the file at `path` with zeros and syncs it.
fn overwrite(path: &Path) -> std::io::Result<()> {
    let len = std::fs::metadata(path)?.len();
    let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
    let zeros = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        f.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table a ledger creates is one the rewrite copies.
    #[test]
    fn every_table_is_copied() {
        let dir = tempfile::tempdir().expect("tmp");
        let key = unchain_types::SigningKey::from_seed([1; 32]);
        let genesis = crate::Genesis {
            chain_id: "t".into(),
            log_origin: "unchain/t".into(),
            matching_key: None,
            epoch_length: Some(4),
            genesis_time_ms: 0,
            members: vec![crate::Member {
                name: "org-a".into(),
                display_name: "A".into(),
                jurisdiction: "GB".into(),
                sector: None,
                roles: [crate::Role::Governance].into(),
                signing_key: key.public_key(),
                encryption_key: unchain_types::EncryptionSecretKey::from_hex(&"11".repeat(32))
                    .expect("key")
                    .public_key(),
                validator: true,
            }],
        };
        let ledger = crate::Ledger::open(
            &dir.path().join("l.redb"),
            genesis,
            Vec::new(),
            Some(crate::CheckpointSigner {
                name: "org-a".into(),
                key: key.clone(),
            }),
        )
        .expect("open");
        for h in 1..=9 {
            let head = ledger.head().expect("head");
            let block = head.next_block(h * 1000, key.public_key(), &[]);
            let digest = unchain_types::Hash32::digest(&serde_json::to_vec(&block).expect("json"));
            ledger.apply_block(&block, digest).expect("apply");
        }
        let before = ledger.head().expect("head");
        let names: Vec<String> = ledger
            .db()
            .begin_read()
            .expect("read")
            .list_tables()
            .expect("list")
            .map(|t| t.name().to_owned())
            .collect();
        for n in &names {
            assert!(TABLES.contains(&n.as_str()), "table {n} is not copied");
        }
        assert!(ledger.compact().expect("rewrite"));
        assert_eq!(ledger.head().expect("head"), before);
        assert!(!dir.path().join("l.rewrite").exists());
    }
}
