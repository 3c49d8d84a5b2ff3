//! An EPCIS 2.0 document from a supplier's system: reading it and computing its events' CBV
//! 2.0 hashes never panics, and every identifier it names reads back from its canonical
//! form as the same identifier, so two spellings of one object can never drift apart.

use unchain_epcis::event::Identifier;
use unchain_epcis::{document, hash};

/// One input.
pub fn run(data: &[u8]) {
    let Ok(doc) = document::parse(data) else {
        return;
    };
    let ns = hash::namespaces(&doc.context);
    for event in &doc.events {
        let h = hash::event_hash(event, &ns);
        assert!(h.starts_with("ni:///sha-256;"), "{h}");
        for id in event.identifiers() {
            if let Identifier::Gs1(g) = id {
                let again = Identifier::parse(&g.canonical()).expect("a canonical form reads");
                assert_eq!(&again, id, "canonical form drifted");
            }
        }
    }
}
