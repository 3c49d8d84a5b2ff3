//! An EPCIS 2.0 XML document from a supplier's system: reading and hashing it never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::epcis_xml::run(data));
