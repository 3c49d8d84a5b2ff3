//! Blocks from the network: decoding never panics and accepted encodings are canonical.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::block::run(data));
