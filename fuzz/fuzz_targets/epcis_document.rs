//! An EPCIS 2.0 document from a supplier's system: reading it never panics, and every
//! identifier's canonical form reads back as the same identifier.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::epcis_document::run(data));
