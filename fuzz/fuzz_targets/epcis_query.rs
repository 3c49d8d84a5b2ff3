//! An EPCIS 2.0 query string from outside: reading and running it never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::epcis_query::run(data));
