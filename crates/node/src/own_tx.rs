//! Transactions a node submits for its own organisation, with no person asking: erasures
//! when retention ends, an agreement's due evaluations and attestations. Signed with the
//! organisation's key at its next nonce (after any it has pending) and handed to the
//! node's own mempool.

use unchain_consensus::mempool::Mempool;
use unchain_ledger::Ledger;
use unchain_types::{SigningKey, TxId, UnsignedTransaction};

/// Signs `kind` with `body` as the organisation of `key` and submits it to `mempool`.
pub fn submit(
    ledger: &Ledger,
    mempool: &Mempool,
    key: &SigningKey,
    kind: &str,
    body: serde_json::Value,
) -> Result<TxId, Box<dyn std::error::Error>> {
    let nonce = match mempool.pending_next_nonce(&key.public_key()) {
        Some(n) => n,
        None => match ledger.sender_and_next_nonce(&key.public_key())? {
            Some((_, n)) => n,
            None => return Err("this node's organisation is not a member".into()),
        },
    };
    let tx = UnsignedTransaction {
        chain_id: ledger.genesis().chain_id.clone(),
        sender: key.public_key(),
        nonce,
        kind: kind.into(),
        body,
    }
    .sign(key)?;
    let id = tx.id();
    mempool.submit(ledger, tx)?;
    Ok(id)
}
