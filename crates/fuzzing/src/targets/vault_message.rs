//! Vault and tip channel messages from peers: decoding never panics, and accepted messages
//! re-encode to the same bytes.

use unchain_consensus::blob_sync::BlobMessage;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(m) = BlobMessage::decode(data, 1 << 20) {
        assert_eq!(m.encode(), data);
    }
}
