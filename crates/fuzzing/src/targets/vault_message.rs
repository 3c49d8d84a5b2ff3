//! Vault and tip channel messages from peers: decoding never panics, and accepted messages
//! re-encode to the same bytes.

use commonware_codec::{Decode as _, Encode as _};
use unchain_consensus::blob_sync::BlobMessage;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(m) = BlobMessage::decode_cfg(data, &(1 << 20)) {
        assert_eq!(m.encode().as_ref(), data);
    }
}
