//! `vault.*` transaction bodies, every kind the module declares (a sharing policy's rules
//! compiled through the CEL parser and the check), and a survivor's subject proof as a
//! verifier reads it: checking never panics on any input.

use unchain_ledger::Module;

/// One input.
pub fn run(data: &[u8]) {
    let _ = unchain_vault::body::SubjectProof::parse(data);
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let genesis: unchain_ledger::Genesis = serde_json::from_value(serde_json::json!({
        "chain_id": "fuzz", "log_origin": "fuzz", "genesis_time_ms": 0, "members": []
    }))
    .expect("genesis");
    let module = unchain_vault::VaultModule::new(&genesis);
    for k in module.kinds() {
        let _ = module.parse_body(k.kind, &body);
    }
}
