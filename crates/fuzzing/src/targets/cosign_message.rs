//! Checkpoint signatures from peers: decoding never panics and accepted messages re-encode
//! to the same bytes.

use commonware_codec::{DecodeExt as _, Encode as _};
use unchain_consensus::cosign::CosignMessage;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(m) = CosignMessage::decode(data) {
        assert_eq!(m.encode().as_ref(), data);
    }
}
