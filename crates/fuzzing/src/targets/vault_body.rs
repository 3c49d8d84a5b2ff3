//! `vault.*` transaction bodies: checking never panics on any JSON.

use unchain_ledger::Module;

/// One input.
pub fn run(data: &[u8]) {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let genesis: unchain_ledger::Genesis = serde_json::from_value(serde_json::json!({
        "chain_id": "fuzz", "log_origin": "fuzz", "genesis_time_ms": 0, "members": []
    }))
    .expect("genesis");
    let module = unchain_vault::VaultModule::new(&genesis);
    for kind in [
        "vault.seal",
        "vault.grant",
        "vault.revoke",
        "vault.consent",
        "vault.erase",
        "vault.rotate_matching_key",
    ] {
        let _ = module.parse_body(kind, &body);
    }
}
