//! Blocks from the network: decoding never panics and accepted encodings are canonical.
#![no_main]
use commonware_codec::{Decode, Encode};
use libfuzzer_sys::fuzz_target;
use unchain_consensus::block::{BlockLimits, ChainBlock};

fuzz_target!(|data: &[u8]| {
    if let Ok(block) = ChainBlock::decode_cfg(data, &BlockLimits::default()) {
        assert_eq!(block.encode().as_ref(), data);
    }
});
