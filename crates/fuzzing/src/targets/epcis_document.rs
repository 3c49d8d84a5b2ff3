//! An EPCIS 2.0 document from a supplier's system: reading it never panics, and every
//! identifier it names reads back from its canonical form as the same identifier, so two
//! spellings of one object can never drift apart.

use unchain_epcis::document;
use unchain_epcis::event::Identifier;

/// One input.
pub fn run(data: &[u8]) {
    let Ok(doc) = document::parse(data) else {
        return;
    };
    for event in &doc.events {
        for id in event.identifiers() {
            if let Identifier::Gs1(g) = id {
                let again = Identifier::parse(&g.canonical()).expect("a canonical form reads");
                assert_eq!(&again, id, "canonical form drifted");
            }
        }
    }
}
