//! EPCIS queries over the ledger: whatever list of candidates a query walks (the goods it
//! names, one index, or the whole stream), paging through it two events at a time returns
//! exactly the events a check of every stored event returns, in capture order.

mod common;

use common::*;
use unchain_epcis::query::Query;
use unchain_supply::query::{Plan, page, plan};
use unchain_supply::state;

fn all_pages(w: &World, q: &Query) -> Vec<u64> {
    let reader = w.chain.ledger.state_reader().expect("state");
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let p = page(&reader, q, after, 2, 1_000).expect("page");
        assert!(p.events.len() <= 2);
        out.extend(p.events.iter().map(|e| e.seq));
        match p.next {
            Some(n) => {
                assert!(n > after, "paging moves on");
                after = n;
            }
            None => break,
        }
    }
    out
}

fn every_event(w: &World, q: &Query) -> Vec<u64> {
    let reader = w.chain.ledger.state_reader().expect("state");
    let count = state::event_count(&reader).expect("count");
    (1..=count)
        .filter(|s| {
            let r = state::event_at(&reader, *s).expect("read").expect("event");
            unchain_supply::query::matches(q, &r)
        })
        .collect()
}

#[test]
fn every_plan_pages_to_what_a_full_check_finds() {
    let mut w = world();
    capture(&mut w, &apparel_chain());
    let cases = [
        ("", Plan::Stream),
        (
            "eventType=TransformationEvent",
            Plan::Index("type", "TransformationEvent".into()),
        ),
        (
            "eventType=AggregationEvent&EQ_action=DELETE",
            Plan::Index("type", "AggregationEvent".into()),
        ),
        (
            "EQ_bizStep=packing",
            Plan::Index("step", "https://ref.gs1.org/cbv/BizStep-packing".into()),
        ),
        (
            "EQ_bizStep=shipping,receiving",
            Plan::Index("type", String::new()),
        ),
        (
            &format!("EQ_bizLocation={}", site(FACTORY)),
            Plan::Index("loc", facility(FACTORY)),
        ),
        (
            "eventType=TransformationEvent&GE_eventTime=2026-03-05T00:00:00Z&LT_eventTime=2026-03-11T00:00:00Z",
            Plan::Index("type", "TransformationEvent".into()),
        ),
        (
            &format!("MATCH_epcClass={}", lot("garment", "G2")),
            Plan::Goods(vec![lot_node("garment", "G2")]),
        ),
        (
            &format!("MATCH_anyEPC={}", pallet(1)),
            Plan::Goods(vec![pallet_node(1)]),
        ),
        (
            "EQ_disposition=in_transit",
            Plan::Index("disp", "https://ref.gs1.org/cbv/Disp-in_transit".into()),
        ),
    ];
    for (qs, want_plan) in cases {
        let pairs: Vec<(&str, &str)> = qs.split('&').filter_map(|p| p.split_once('=')).collect();
        let q = Query::from_pairs(pairs).expect("query");
        let got_plan = plan(&q);
        match (&want_plan, &got_plan) {
            // Two business steps: no single index entry, so the whole stream.
            (Plan::Index("type", v), Plan::Stream) if v.is_empty() => {}
            _ => assert_eq!(got_plan, want_plan, "{qs}"),
        }
        let want = every_event(&w, &q);
        assert_eq!(all_pages(&w, &q), want, "{qs}");
    }
    // A spot check of the full check itself: the factory's two transformations (6 March)
    // are in the window; the spinners' (4 March) and the brand's (11 March) are not.
    let q = Query::from_pairs([
        ("eventType", "TransformationEvent"),
        ("GE_eventTime", "2026-03-05T00:00:00Z"),
        ("LT_eventTime", "2026-03-11T00:00:00Z"),
    ])
    .expect("query");
    assert_eq!(every_event(&w, &q).len(), 2);
}
