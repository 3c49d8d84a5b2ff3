//! Vault channel messages from peers: decoding never panics, and accepted messages
//! re-encode to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::vault_message::run(data));
