//! Blocks from the network: decoding never panics and accepted encodings are canonical.

use commonware_codec::{Decode, Encode};
use unchain_consensus::block::{BlockLimits, ChainBlock};

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(block) = ChainBlock::decode_cfg(data, &BlockLimits::default()) {
        assert_eq!(block.encode().as_ref(), data);
    }
}
