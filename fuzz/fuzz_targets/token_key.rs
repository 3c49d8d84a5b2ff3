//! The threshold token key's messages (blinded requests, partial evaluations, key-round
//! commitments, acknowledgements, dealer logs, outputs, group keys): never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::token_key::run(data));
