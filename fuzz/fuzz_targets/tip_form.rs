//! What a stranger types into the tip form: a receipt code, a challenge token with its
//! proof of work, the report's fields. Parsing and checking never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::tip_form::run(data));
