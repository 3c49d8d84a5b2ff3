//! RFC 9162 hashing and proof verification. Needs no tree: only the proof and the roots.

use sha2::{Digest, Sha256};
use unchain_types::Hash32;

/// RFC 9162 §2.1.1: `SHA-256(0x00 || data)`.
pub fn hash_leaf(data: &[u8]) -> Hash32 {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    Hash32(h.finalize().into())
}

/// RFC 9162 §2.1.1: `SHA-256(0x01 || left || right)`.
pub fn hash_children(left: &Hash32, right: &Hash32) -> Hash32 {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left.0);
    h.update(right.0);
    Hash32(h.finalize().into())
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// Leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// The proof has the wrong number of hashes for these sizes.
    #[error("proof has {got} hashes; sizes require {expected}")]
    WrongLength {
        /// Hashes in the proof.
        got: usize,
        /// Hashes required.
        expected: usize,
    },
    /// The recomputed root differs from the claimed one.
    #[error("recomputed root {computed} does not match the expected root {expected}")]
    RootMismatch {
        /// Root computed from the proof.
        computed: Hash32,
        /// Root claimed.
        expected: Hash32,
    },
    /// Sizes that admit no consistency proof.
    #[error("cannot prove consistency from size {old} to size {new}: {reason}")]
    BadSizes {
        /// Old size.
        old: u64,
        /// New size.
        new: u64,
        /// Why.
        reason: &'static str,
    },
}

/// Verifies that `leaf_hash` is leaf `index` of the tree of `size` leaves with root `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash32,
    index: u64,
    size: u64,
    proof: &[Hash32],
    root: &Hash32,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected_len = inclusion_proof_len(index, size);
    if proof.len() != expected_len {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            expected: expected_len,
        });
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        if s_n == 0 {
            // Unreachable given the length check; kept as the RFC's own guard.
            return Err(ProofError::WrongLength {
                got: proof.len(),
                expected: expected_len,
            });
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = hash_children(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = hash_children(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if r == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch {
            computed: r,
            expected: *root,
        })
    }
}

/// The number of hashes in an inclusion proof for `index` in a tree of `size`.
pub fn inclusion_proof_len(index: u64, size: u64) -> usize {
    // Inner path: levels where the index and the last leaf are in different subtrees;
    // border: the remaining right-border levels collapsed into one hash each.
    let inner = 64 - (index ^ (size - 1)).leading_zeros() as usize;
    let border = (index >> inner).count_ones() as usize;
    inner + border
}

/// Verifies that the tree of `old_size` with `old_root` is a prefix of the tree of
/// `new_size` with `new_root` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash32,
    new_root: &Hash32,
    proof: &[Hash32],
) -> Result<(), ProofError> {
    let bad = |reason| ProofError::BadSizes {
        old: old_size,
        new: new_size,
        reason,
    };
    if old_size > new_size {
        return Err(bad("the old size is larger than the new size"));
    }
    if old_size == 0 {
        return Err(bad(
            "every tree extends the empty tree; there is nothing to prove",
        ));
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                expected: 0,
            });
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch {
                computed: *new_root,
                expected: *old_root,
            })
        };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength {
            got: 0,
            expected: 1,
        });
    }
    // Step 2: if old_size is a power of two, prepend old_root.
    let mut path: Vec<Hash32> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut f_n, mut s_n) = (old_size - 1, new_size - 1);
    // Step 4: shift right while LSB(fn) is set.
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let mut fr = path[0];
    let mut sr = path[0];
    for c in &path[1..] {
        if s_n == 0 {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                expected: proof.len() - 1,
            });
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = hash_children(c, &fr);
            sr = hash_children(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = hash_children(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            expected: proof.len() + 1,
        });
    }
    if fr != *old_root {
        return Err(ProofError::RootMismatch {
            computed: fr,
            expected: *old_root,
        });
    }
    if sr != *new_root {
        return Err(ProofError::RootMismatch {
            computed: sr,
            expected: *new_root,
        });
    }
    Ok(())
}
