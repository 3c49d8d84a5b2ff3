//! HTCDS documents and spreadsheet tables from outside: checking never panics, and a
//! document that passes is a fixed point of checking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::htcds_document::run(data));
