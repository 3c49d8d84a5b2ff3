//! Where the tree's nodes live: a small trait, so the ledger can keep them in redb and tests
//! and benchmarks in memory.

use unchain_types::Hash32;

/// Storage of complete-subtree hashes, addressed by `(level, index)`: level 0 holds leaf
/// hashes, and the node at `(level, i)` covers leaves `[i·2^level, (i+1)·2^level)`.
pub trait NodeStore {
    /// The storage engine's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The hash at `(level, index)`, if stored.
    fn node(&self, level: u8, index: u64) -> Result<Option<Hash32>, Self::Error>;

    /// Stores the hash at `(level, index)`. Nodes are written once and never change.
    fn put_node(&mut self, level: u8, index: u64, hash: Hash32) -> Result<(), Self::Error>;
}

/// An in-memory [`NodeStore`]: one vector per level (a node never written reads as absent,
/// even where later ones were written beyond it, as after [`crate::plant_frontier`]).
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    levels: Vec<Vec<Option<Hash32>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

/// The in-memory store never fails.
#[derive(Debug, thiserror::Error)]
#[error("unreachable")]
pub enum Infallible {}

impl NodeStore for MemoryStore {
    type Error = Infallible;

    fn node(&self, level: u8, index: u64) -> Result<Option<Hash32>, Infallible> {
        Ok(self
            .levels
            .get(level as usize)
            .and_then(|l| l.get(index as usize))
            .copied()
            .flatten())
    }

    fn put_node(&mut self, level: u8, index: u64, hash: Hash32) -> Result<(), Infallible> {
        let level = level as usize;
        if self.levels.len() <= level {
            self.levels.resize_with(level + 1, Vec::new);
        }
        let row = &mut self.levels[level];
        let index = index as usize;
        if row.len() <= index {
            row.resize(index + 1, None);
        }
        row[index] = Some(hash);
        Ok(())
    }
}
