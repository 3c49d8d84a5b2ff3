//! Building the tree and its proofs over a [`NodeStore`].
//!
//! Only perfect subtrees are stored. Appending leaf `i` writes its hash at level 0 and then,
//! for every trailing one bit of `i`, the completed parent: one write per append on average.
//! Any subtree the RFC's recursion asks for is either perfect (one read) or lies on the
//! tree's right border, whose hash is folded from the O(log n) perfect subtrees that make up
//! the tree; so a proof costs O(log n) reads.

use crate::proof::hash_children;
use crate::store::NodeStore;
use unchain_types::Hash32;

/// Why a tree operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TreeError<E: std::error::Error + 'static> {
    /// The storage engine failed.
    #[error("log storage: {0}")]
    Store(#[source] E),
    /// A node that must exist for this size is missing: the store is corrupt or was
    /// written by a different tree.
    #[error("log node (level {level}, index {index}) is missing from storage")]
    MissingNode {
        /// Level of the node.
        level: u8,
        /// Index within the level.
        index: u64,
    },
    /// An index or size beyond the tree.
    #[error("{what} {value} is beyond the tree of size {size}")]
    OutOfRange {
        /// What was asked for.
        what: &'static str,
        /// The value asked for.
        value: u64,
        /// The current tree size.
        size: u64,
    },
}

fn read<S: NodeStore>(store: &S, level: u8, index: u64) -> Result<Hash32, TreeError<S::Error>> {
    store
        .node(level, index)
        .map_err(TreeError::Store)?
        .ok_or(TreeError::MissingNode { level, index })
}

/// Appends a leaf hash to a tree of `size` leaves; returns the new size.
pub fn append<S: NodeStore>(
    store: &mut S,
    size: u64,
    leaf_hash: Hash32,
) -> Result<u64, TreeError<S::Error>> {
    store
        .put_node(0, size, leaf_hash)
        .map_err(TreeError::Store)?;
    let (mut index, mut hash, mut level) = (size, leaf_hash, 0u8);
    while index & 1 == 1 {
        let left = read(store, level, index - 1)?;
        hash = hash_children(&left, &hash);
        index >>= 1;
        level += 1;
        store
            .put_node(level, index, hash)
            .map_err(TreeError::Store)?;
    }
    Ok(size + 1)
}

/// A perfect subtree: `(first leaf, level, hash)`.
type Part = (u64, u8, Hash32);

/// The perfect subtrees that make up a tree of `size`, left to right.
fn decomposition<S: NodeStore>(store: &S, size: u64) -> Result<Vec<Part>, TreeError<S::Error>> {
    let mut parts = Vec::with_capacity(size.count_ones() as usize);
    let mut start = 0u64;
    for level in (0..64u8).rev() {
        if size & (1u64 << level) != 0 {
            parts.push((start, level, read(store, level, start >> level)?));
            start += 1u64 << level;
        }
    }
    Ok(parts)
}

/// Hashes of subranges of one tree, reading each node at most once.
struct Subtrees<'a, S: NodeStore> {
    store: &'a S,
    size: u64,
    parts: Vec<Part>,
}

impl<'a, S: NodeStore> Subtrees<'a, S> {
    fn new(store: &'a S, size: u64) -> Result<Self, TreeError<S::Error>> {
        Ok(Self {
            store,
            size,
            parts: decomposition(store, size)?,
        })
    }

    /// MTH(D[start:end]) for a range the RFC recursion produces: either a perfect, aligned
    /// subtree, or a right-border range ending at the tree size.
    fn hash(&self, start: u64, end: u64) -> Result<Hash32, TreeError<S::Error>> {
        let len = end - start;
        if len.is_power_of_two() && start.is_multiple_of(len) {
            return read(self.store, len.trailing_zeros() as u8, start / len);
        }
        debug_assert_eq!(end, self.size, "imperfect ranges lie on the right border");
        let mut acc: Option<Hash32> = None;
        for (s, _, h) in self.parts.iter().rev() {
            if *s < start {
                break;
            }
            acc = Some(match acc {
                None => *h,
                Some(right) => hash_children(h, &right),
            });
        }
        Ok(acc.expect("a non-empty right-border range covers at least one part"))
    }
}

fn largest_power_of_two_below(n: u64) -> u64 {
    debug_assert!(n > 1);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The frontier of the tree of `size` leaves: the hashes of the perfect subtrees that make
/// it up, left to right (one per set bit of `size`). It determines the root
/// ([`root_from_frontier`]) and is all [`append`] reads, so a store holding only it
/// ([`plant_frontier`]) grows the same tree from `size` on, without the leaves before.
pub fn frontier<S: NodeStore>(store: &S, size: u64) -> Result<Vec<Hash32>, TreeError<S::Error>> {
    Ok(decomposition(store, size)?
        .into_iter()
        .map(|(_, _, h)| h)
        .collect())
}

/// The root of a tree of `size` leaves from its [`frontier`]; `None` when the frontier has
/// not one hash per set bit of `size`.
pub fn root_from_frontier(size: u64, frontier: &[Hash32]) -> Option<Hash32> {
    if frontier.len() != size.count_ones() as usize {
        return None;
    }
    Some(
        frontier
            .iter()
            .rev()
            .copied()
            .reduce(|right, left| hash_children(&left, &right))
            .unwrap_or_else(|| Hash32::digest(&[])),
    )
}

/// Writes the [`frontier`] of a tree of `size` leaves into an empty store, so that appends
/// continue the tree from `size`. Inclusion and consistency proofs that need a node left of
/// the frontier fail with [`TreeError::MissingNode`]: those leaves were never stored here.
/// Returns `None` (writing nothing) when the frontier has the wrong length.
pub fn plant_frontier<S: NodeStore>(
    store: &mut S,
    size: u64,
    frontier: &[Hash32],
) -> Result<Option<()>, TreeError<S::Error>> {
    if frontier.len() != size.count_ones() as usize {
        return Ok(None);
    }
    let mut start = 0u64;
    let mut hashes = frontier.iter();
    for level in (0..64u8).rev() {
        if size & (1u64 << level) != 0 {
            let hash = hashes.next().expect("one hash per set bit");
            store
                .put_node(level, start >> level, *hash)
                .map_err(TreeError::Store)?;
            start += 1u64 << level;
        }
    }
    Ok(Some(()))
}

/// The root of the tree of `size` leaves (RFC 9162 §2.1.1; the empty tree hashes to
/// SHA-256 of the empty string).
pub fn root<S: NodeStore>(store: &S, size: u64) -> Result<Hash32, TreeError<S::Error>> {
    if size == 0 {
        return Ok(Hash32::digest(&[]));
    }
    Subtrees::new(store, size)?.hash(0, size)
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1).
pub fn inclusion_proof<S: NodeStore>(
    store: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash32>, TreeError<S::Error>> {
    if index >= size {
        return Err(TreeError::OutOfRange {
            what: "leaf index",
            value: index,
            size,
        });
    }
    let subtrees = Subtrees::new(store, size)?;
    let mut proof = Vec::new();
    // Walk down from the whole tree, recording the sibling at each split; the RFC lists
    // siblings from the leaf upward, so reverse at the end.
    let (mut start, mut end, m) = (0u64, size, index);
    while end - start > 1 {
        let k = largest_power_of_two_below(end - start);
        if m - start < k {
            proof.push(subtrees.hash(start + k, end)?);
            end = start + k;
        } else {
            proof.push(subtrees.hash(start, start + k)?);
            start += k;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// The consistency proof between the trees of `old_size` and `new_size` leaves
/// (RFC 9162 §2.1.4.1).
pub fn consistency_proof<S: NodeStore>(
    store: &S,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Hash32>, TreeError<S::Error>> {
    if old_size > new_size {
        return Err(TreeError::OutOfRange {
            what: "old size",
            value: old_size,
            size: new_size,
        });
    }
    if old_size == 0 || old_size == new_size {
        return Ok(Vec::new());
    }
    let subtrees = Subtrees::new(store, new_size)?;
    let mut proof = Vec::new();
    // SUBPROOF(m, D[start:end], b), unrolled.
    let (mut start, mut end, mut m, mut complete) = (0u64, new_size, old_size, true);
    loop {
        let n = end - start;
        if m == n {
            if !complete {
                proof.push(subtrees.hash(start, end)?);
            }
            break;
        }
        let k = largest_power_of_two_below(n);
        if m <= k {
            proof.push(subtrees.hash(start + k, end)?);
            end = start + k;
        } else {
            proof.push(subtrees.hash(start, start + k)?);
            start += k;
            m -= k;
            complete = false;
        }
    }
    proof.reverse();
    Ok(proof)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proof::{hash_leaf, verify_consistency, verify_inclusion};
    use crate::store::MemoryStore;
    use proptest::prelude::*;

    /// MTH straight from RFC 9162 §2.1.1, recursively over the leaves: the reference the
    /// stored-subtree implementation must agree with.
    fn reference_root(leaves: &[Hash32]) -> Hash32 {
        match leaves.len() {
            0 => Hash32::digest(&[]),
            1 => leaves[0],
            n => {
                let k = largest_power_of_two_below(n as u64) as usize;
                hash_children(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    fn build(n: u64) -> (MemoryStore, Vec<Hash32>) {
        let mut store = MemoryStore::new();
        let mut leaves = Vec::new();
        for i in 0..n {
            let h = hash_leaf(&i.to_be_bytes());
            append(&mut store, i, h).expect("append");
            leaves.push(h);
        }
        (store, leaves)
    }

    #[test]
    fn roots_match_the_recursive_definition_for_every_size_to_70() {
        let (store, leaves) = build(70);
        for size in 0..=70u64 {
            assert_eq!(
                root(&store, size).expect("root"),
                reference_root(&leaves[..size as usize]),
                "size {size}"
            );
        }
    }

    #[test]
    fn every_proof_in_small_trees_verifies() {
        let (store, leaves) = build(33);
        for size in 1..=33u64 {
            let r = root(&store, size).expect("root");
            for index in 0..size {
                let p = inclusion_proof(&store, index, size).expect("proof");
                verify_inclusion(&leaves[index as usize], index, size, &p, &r)
                    .unwrap_or_else(|e| panic!("index {index} size {size}: {e}"));
            }
            for old in 1..=size {
                let p = consistency_proof(&store, old, size).expect("proof");
                let old_root = root(&store, old).expect("root");
                verify_consistency(old, size, &old_root, &r, &p)
                    .unwrap_or_else(|e| panic!("{old} -> {size}: {e}"));
            }
        }
    }

    #[test]
    fn a_tree_grown_from_a_planted_frontier_matches_the_full_tree() {
        let (full, leaves) = build(60);
        for size in 0..=40u64 {
            let front = frontier(&full, size).expect("frontier");
            assert_eq!(
                root_from_frontier(size, &front),
                Some(root(&full, size).expect("root")),
                "size {size}"
            );
            let mut planted = MemoryStore::new();
            plant_frontier(&mut planted, size, &front)
                .expect("store")
                .expect("right length");
            for (i, leaf) in leaves.iter().enumerate().take(60).skip(size as usize) {
                append(&mut planted, i as u64, *leaf).expect("append");
                let grown = i as u64 + 1;
                let r = root(&full, grown).expect("root");
                assert_eq!(root(&planted, grown).expect("root"), r, "{size} -> {grown}");
                let p = inclusion_proof(&planted, i as u64, grown).expect("new leaf's proof");
                verify_inclusion(leaf, i as u64, grown, &p, &r).expect("verifies");
            }
            if size > 1 {
                // The leaves before the frontier were never stored: their proofs are refused,
                // not made up.
                assert!(matches!(
                    inclusion_proof(&planted, 0, 60),
                    Err(TreeError::MissingNode { .. })
                ));
            }
        }
        // A frontier of the wrong length is refused, writing nothing.
        let front = frontier(&full, 7).expect("frontier");
        assert_eq!(root_from_frontier(8, &front), None);
        let mut planted = MemoryStore::new();
        assert_eq!(
            plant_frontier(&mut planted, 8, &front).expect("store"),
            None
        );
        assert_eq!(planted.node(0, 0).expect("read"), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn inclusion_holds_for_any_index_and_size(size in 1u64..600, seed in any::<u64>(), flip in 0usize..32, bit in 0u8..8) {
            let (store, leaves) = build(size);
            let index = seed % size;
            let r = root(&store, size).expect("root");
            let proof = inclusion_proof(&store, index, size).expect("proof");
            prop_assert!(verify_inclusion(&leaves[index as usize], index, size, &proof, &r).is_ok());
            // Any tampered hash — leaf, root or proof element — fails.
            let mut leaf = leaves[index as usize];
            leaf.0[flip] ^= 1 << bit;
            prop_assert!(verify_inclusion(&leaf, index, size, &proof, &r).is_err());
            let mut bad_root = r;
            bad_root.0[flip] ^= 1 << bit;
            prop_assert!(verify_inclusion(&leaves[index as usize], index, size, &proof, &bad_root).is_err());
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let i = (seed as usize / 7) % bad.len();
                bad[i].0[flip] ^= 1 << bit;
                prop_assert!(verify_inclusion(&leaves[index as usize], index, size, &bad, &r).is_err());
            }
            if size > 1 {
                let other = (index + 1) % size;
                prop_assert!(verify_inclusion(&leaves[index as usize], other, size, &proof, &r).is_err());
            }
        }

        #[test]
        fn consistency_holds_for_any_pair_of_sizes(new in 1u64..600, seed in any::<u64>(), flip in 0usize..32) {
            let (store, _) = build(new);
            let old = 1 + seed % new;
            let old_root = root(&store, old).expect("root");
            let new_root = root(&store, new).expect("root");
            let proof = consistency_proof(&store, old, new).expect("proof");
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &proof).is_ok());
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let i = (seed as usize / 3) % bad.len();
                bad[i].0[flip] ^= 0x80;
                prop_assert!(verify_consistency(old, new, &old_root, &new_root, &bad).is_err());
            }
            let mut bad_old = old_root;
            bad_old.0[flip] ^= 1;
            prop_assert!(verify_consistency(old, new, &bad_old, &new_root, &proof).is_err());
        }
    }
}
