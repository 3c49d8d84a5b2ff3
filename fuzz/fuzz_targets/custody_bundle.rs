//! A chain-of-custody bundle from outside (a court receives it as a file): verifying never
//! panics, whatever the bundle holds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::custody_bundle::run(data));
