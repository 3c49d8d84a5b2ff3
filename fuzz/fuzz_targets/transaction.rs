//! Transactions from the API: parsing never panics, and whatever parses re-serialises to
//! bytes that parse to the same transaction.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::transaction::run(data));
