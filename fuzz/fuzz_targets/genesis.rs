//! Genesis files: parsing and checking never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(g) = serde_json::from_slice::<unchain_ledger::Genesis>(data) {
        let _ = g.check();
    }
});
