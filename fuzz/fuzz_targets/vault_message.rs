//! Vault channel messages from peers: decoding never panics, and accepted messages
//! re-encode to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use unchain_consensus::vault_sync::VaultMessage;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = VaultMessage::decode(data, 1 << 20) {
        assert_eq!(m.encode(), data);
    }
});
