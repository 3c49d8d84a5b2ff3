//! Genesis files: parsing and checking never panic.

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(g) = serde_json::from_slice::<unchain_ledger::Genesis>(data) {
        let _ = g.check();
    }
}
