//! Checkpoint signatures from peers: decoding never panics and accepted messages re-encode
//! to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::cosign_message::run(data));
