//! Checkpoint signatures from peers: decoding never panics and accepted messages re-encode
//! to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use unchain_consensus::cosign::CosignMessage;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = CosignMessage::decode(data) {
        assert_eq!(m.encode(), data);
    }
});
