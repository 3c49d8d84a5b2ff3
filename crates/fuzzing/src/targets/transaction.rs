//! Transactions from the API: parsing never panics, and whatever parses re-serialises to
//! bytes that parse to the same transaction.

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(tx) = unchain_types::Transaction::parse(data) {
        let again =
            unchain_types::Transaction::parse(tx.leaf_bytes()).expect("canonical form parses");
        assert_eq!(again.id(), tx.id());
        assert_eq!(again.leaf_bytes(), tx.leaf_bytes());
        let _ = tx.verify_signature();
    }
}
