//! EPCIS 2.0 simple event queries over GS1's example events: each filter selects exactly
//! the events it names, whichever way the query or the event spells an identifier, and a
//! parameter that is not one is refused by name.

mod common;

use unchain_epcis::document;
use unchain_epcis::event::Event;
use unchain_epcis::query::Query;

fn events() -> Vec<(String, Event)> {
    let dir = common::examples_dir();
    let mut out = Vec::new();
    for path in common::examples() {
        let doc = document::parse(&std::fs::read(&path).expect("read")).expect("valid");
        let name = path
            .strip_prefix(&dir)
            .expect("under")
            .display()
            .to_string();
        out.extend(doc.events.into_iter().map(|e| (name.clone(), e)));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn run(query: &str) -> Vec<String> {
    let pairs: Vec<(&str, &str)> = query
        .split('&')
        .map(|p| p.split_once('=').expect("name=value"))
        .collect();
    let q = Query::from_pairs(pairs).unwrap_or_else(|e| panic!("{query}: {e}"));
    events()
        .into_iter()
        .filter(|(_, e)| q.matches(e))
        .map(|(name, _)| name)
        .collect()
}

#[test]
fn each_filter_selects_what_it_names() {
    let all = events();
    assert!(all.len() > 50, "{} events", all.len());
    // Event type: every TransformationEvent, and only those.
    let t = run("eventType=TransformationEvent");
    let expected = all
        .iter()
        .filter(|(_, e)| e.event_type.as_str() == "TransformationEvent")
        .count();
    assert_eq!(t.len(), expected);
    assert!(!t.is_empty());
    // A bare CBV word finds the web URI, and the URN the same events.
    let shipping = run("EQ_bizStep=shipping");
    assert!(!shipping.is_empty());
    assert_eq!(
        run("EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping"),
        shipping
    );
    assert_eq!(
        run("EQ_bizStep=https://ref.gs1.org/cbv/BizStep-shipping"),
        shipping
    );
    // The same object by URN and by Digital Link: example 9.6.1's two events name it.
    let urn = run("MATCH_epc=urn:epc:id:sgtin:0614141.107346.2018");
    assert!(
        urn.iter().any(|n| n == "Example_9.6.1-ObjectEvent.jsonld"),
        "{urn:?}"
    );
    assert_eq!(
        run("MATCH_epc=https://id.gs1.org/01/10614141073464/21/2018"),
        urn
    );
    // A GTIN pattern finds every serial of that GTIN, so at least the exact match.
    let class = run("MATCH_anyEPC=urn:epc:idpat:sgtin:0614141.107346.*");
    assert!(class.len() >= urn.len());
    for name in &urn {
        assert!(class.contains(name), "{name} missing from {class:?}");
    }
    // Time window: GE is inclusive, LT exclusive; together they narrow.
    let before = run("LT_eventTime=2010-01-01T00:00:00Z");
    let after = run("GE_eventTime=2010-01-01T00:00:00Z");
    assert_eq!(before.len() + after.len(), all.len());
    // Filters combine by AND; values in one filter by OR.
    let q = Query::from_pairs([
        ("eventType", "ObjectEvent,AggregationEvent"),
        ("EQ_action", "ADD"),
    ])
    .expect("valid");
    let chosen: Vec<&Event> = all
        .iter()
        .map(|(_, e)| e)
        .filter(|e| q.matches(e))
        .collect();
    assert!(!chosen.is_empty());
    let expected = all
        .iter()
        .filter(|(_, e)| {
            matches!(e.event_type.as_str(), "ObjectEvent" | "AggregationEvent")
                && e.action.map(|a| a.as_str()) == Some("ADD")
        })
        .count();
    assert_eq!(chosen.len(), expected);
}

#[test]
fn a_parameter_that_is_not_one_is_refused_by_name() {
    for (query, parameter, reason) in [
        ("EQ_bizstep=shipping", "EQ_bizstep", "not a query parameter"),
        (
            "eventType=ShipEvent",
            "eventType",
            "not an EPCIS event type",
        ),
        ("GE_eventTime=yesterday", "GE_eventTime", "RFC 3339"),
        ("EQ_action=MOVE", "EQ_action", "ADD, OBSERVE or DELETE"),
        (
            "MATCH_epc=urn:epc:id:sgtin:0614141.107346",
            "MATCH_epc",
            "expected the form",
        ),
        ("perPage=0", "perPage", "1 to 10000"),
        ("WD_bizLocation=somewhere", "WD_bizLocation", "URI"),
    ] {
        let (name, value) = query.split_once('=').expect("pair");
        let e = Query::from_pairs([(name, value)]).expect_err(query);
        assert_eq!(e.parameter, parameter, "{e}");
        assert!(e.reason.contains(reason), "{e}");
    }
}

#[test]
fn with_descendants_a_gln_covers_its_sub_locations() {
    let all = events();
    // GS1's examples put events at sub-locations of a GLN (an extension other than 0).
    let sub: Vec<String> = all
        .iter()
        .filter_map(|(_, e)| e.biz_location.as_ref().map(|l| l.canonical()))
        .filter(|l| l.contains("/254/"))
        .collect();
    assert!(!sub.is_empty(), "the examples have sub-locations");
    for location in &sub {
        let gln = location.split("/254/").next().expect("the GLN");
        let within = run(&format!("WD_bizLocation={gln}"));
        let exactly = run(&format!("EQ_bizLocation={location}"));
        assert!(!exactly.is_empty());
        for name in &exactly {
            assert!(within.contains(name), "{name}: {location} is within {gln}");
        }
        // The GLN itself is not the sub-location, and a sub-location has no descendants
        // but itself.
        assert!(run(&format!("EQ_bizLocation={gln}")).len() < within.len());
        assert_eq!(run(&format!("WD_bizLocation={location}")), exactly);
    }
    // The URN form of the GLN (extension 0) is the same ancestor.
    assert!(unchain_epcis::query::descends(
        "https://id.gs1.org/414/0614141000001/254/12",
        "https://id.gs1.org/414/0614141000001"
    ));
    assert!(!unchain_epcis::query::descends(
        "https://id.gs1.org/414/06141410000012",
        "https://id.gs1.org/414/0614141000001"
    ));
}
