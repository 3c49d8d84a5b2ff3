//! A backup's `backup.json` from outside: parsing never panics, and what parses names only
//! the node's own files.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::backup_manifest::run(data));
