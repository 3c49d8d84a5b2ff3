//! An EPCIS 2.0 document in the XML binding from a supplier's system: reading it and
//! hashing its events never panics.

use unchain_epcis::{hash, xml};

/// One input.
pub fn run(data: &[u8]) {
    let Ok(doc) = xml::parse(data) else {
        return;
    };
    let ns = hash::namespaces(&doc.context);
    for event in &doc.events {
        let h = hash::event_hash(event, &ns);
        assert!(h.starts_with("ni:///sha-256;"), "{h}");
    }
}
