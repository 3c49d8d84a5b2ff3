//! An agreement outcome's bundle from outside: re-checking never panics, whatever the
//! bundle holds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::agreement_bundle::run(data));
