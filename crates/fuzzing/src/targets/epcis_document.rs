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
        let w = &event.what;
        let quantities = w
            .quantities
            .iter()
            .chain(&w.child_quantities)
            .chain(&w.input_quantities)
            .chain(&w.output_quantities)
            .map(|q| &q.epc_class);
        for id in w
            .epcs
            .iter()
            .chain(&w.children)
            .chain(&w.inputs)
            .chain(&w.outputs)
            .chain(w.parent.iter())
            .chain(quantities)
            .chain(event.read_point.iter())
            .chain(event.biz_location.iter())
        {
            if let Identifier::Gs1(g) = id {
                let again = Identifier::parse(&g.canonical()).expect("a canonical form reads");
                assert_eq!(&again, id, "canonical form drifted");
            }
        }
    }
}
