//! A Status List Token as an issuer hands it to a node.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::status_list_token::run(data));
