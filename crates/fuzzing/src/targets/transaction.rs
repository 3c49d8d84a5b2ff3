//! Transactions from the API and from peers: parsing never panics, and whatever parses
//! re-serialises to bytes that parse to the same transaction — its leaf bytes (without the
//! sidecar) to the same id, its wire bytes (with it) to the same transaction, sidecar and
//! all. Stored sidecars (what a peer sends on the sidecar channel) read back to the same
//! bytes and digest.

use unchain_types::Transaction;
use unchain_types::sidecar::Sidecar;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(tx) = Transaction::parse(data) {
        let again = Transaction::parse(tx.leaf_bytes()).expect("canonical form parses");
        assert_eq!(again.id(), tx.id());
        assert_eq!(again.leaf_bytes(), tx.leaf_bytes());
        assert_eq!(again.erasable(), tx.erasable());
        let wire = Transaction::parse(tx.wire_bytes()).expect("wire form parses");
        assert_eq!(wire, tx);
        if let Some(sidecar) = tx.sidecar() {
            assert!(again.lacks_sidecar());
            let joined = again
                .with_sidecar(Sidecar::from_bytes(sidecar.bytes()).expect("stored form reads"))
                .expect("its own sidecar joins");
            assert_eq!(joined.wire_bytes(), tx.wire_bytes());
        }
        let _ = tx.verify_signature();
    }
    if let Ok(sidecar) = Sidecar::from_bytes(data) {
        assert_eq!(sidecar.bytes(), data);
        assert_eq!(sidecar.digest(), unchain_types::Hash32::digest(data));
    }
}
