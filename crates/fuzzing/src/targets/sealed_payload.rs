//! Opening a ciphertext from a peer or a disk: never panics, and nothing but the genuine
//! ciphertext opens under its key.

use unchain_seal::{ContentKey, open_payload};
use unchain_types::Hash32;

/// One input.
pub fn run(data: &[u8]) {
    let key = ContentKey::from_bytes([7; 32]);
    assert!(open_payload(&key, &Hash32([1; 32]), 1, data).is_err());
    let _ = unchain_seal::WrappedKey::from_hex(&String::from_utf8_lossy(data));
}
