//! DID resolution's outside input: the DID in the path and the `Accept` header.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::did_resolution::run(data));
