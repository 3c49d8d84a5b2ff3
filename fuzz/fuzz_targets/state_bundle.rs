//! A state bundle from outside: verifying a key's value or absence never panics, whatever
//! the bundle holds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::state_bundle::run(data));
