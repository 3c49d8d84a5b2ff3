//! Propagation over the goods graph alone (no ledger): a finding reaches exactly the goods
//! downstream of it, a container does not pass a flag to its other contents, and spreading
//! incrementally — the finding first, then each event as it comes — ends where spreading
//! once over the whole graph ends.

mod common;

use common::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use unchain_epcis::event::parse_event;
use unchain_supply::graph::{Relation, links};
use unchain_supply::rules::{Flag, MemGraph, Reach, extend, path, spread};

/// The graph of `events` and, per facility, the goods made there.
fn replay(events: &[serde_json::Value]) -> (MemGraph, BTreeMap<String, Vec<String>>) {
    let mut g = MemGraph::default();
    let mut made: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, v) in events.iter().enumerate() {
        let e = parse_event(v, "").expect("the chain's events are valid");
        let l = links(&e, &format!("e{i}"));
        for link in &l.edges {
            g.add_edge(&link.from, &link.to, link.relation, &format!("e{i}"));
        }
        if let Some(f) = l.facility {
            made.entry(f).or_default().extend(l.made);
        }
    }
    (g, made)
}

fn origin() -> Flag {
    Flag {
        reach: Reach::Direct,
        from: None,
        relation: None,
        event: None,
    }
}

/// The goods (not transformation nodes) `finding` flags.
fn goods(g: &MemGraph, finding: &str) -> Vec<(String, bool)> {
    g.flagged(finding)
        .into_iter()
        .filter(|(n, _)| !n.starts_with("event:") && !n.starts_with("transformation:"))
        .map(|(n, r)| (n, r == Reach::Direct))
        .collect()
}

#[test]
fn a_finding_at_the_spinner_reaches_exactly_the_goods_made_from_its_yarn() {
    let (mut g, made) = replay(&apparel_chain());
    let seeds = made[&facility(SPINNER_1)]
        .iter()
        .map(|n| (n.clone(), origin()));
    spread(&mut g, "f1", seeds).expect("in memory");
    let mut want = reached_from_spinner_1();
    want.sort();
    assert_eq!(goods(&g, "f1"), want);
    for n in not_reached_from_spinner_1() {
        assert!(
            g.flags.keys().all(|(node, _)| node != &n),
            "{n} is not downstream of spinner 1"
        );
    }
    // The path to a retail lot reads back from the yarn through the split to the relabel.
    let steps = path(&g, &lot_node("retail", "R3"), "f1").expect("in memory");
    let nodes: Vec<&str> = steps.iter().map(|s| s.node.as_str()).collect();
    assert_eq!(nodes.first(), Some(&lot_node("yarn", "Y1").as_str()));
    assert_eq!(nodes.last(), Some(&lot_node("retail", "R3").as_str()));
    assert!(
        nodes.contains(&lot_node("garment", "G1b").as_str()),
        "{nodes:?}"
    );
    assert_eq!(steps[0].flag.from, None);
    assert_eq!(steps.len(), 5, "yarn → hub → G1b → hub → R3: {nodes:?}");
}

#[test]
fn a_finding_on_a_pallet_reaches_its_contents_and_what_they_became() {
    let (mut g, _) = replay(&apparel_chain());
    spread(&mut g, "p2", [(pallet_node(2), origin())]).expect("in memory");
    let got = goods(&g, "p2");
    // P2 holds G2 (direct): G2 → R2, and G2 was also on P1, which holds it (contained).
    assert!(got.contains(&(lot_node("garment", "G2"), true)), "{got:?}");
    assert!(got.contains(&(lot_node("retail", "R2"), true)), "{got:?}");
    assert!(got.contains(&(pallet_node(1), false)), "{got:?}");
    // P1's other contents are not flagged: a pallet passes on only what it holds.
    for n in [lot_node("garment", "G1a"), lot_node("retail", "R1")] {
        assert!(!got.iter().any(|(m, _)| m == &n), "{n} in {got:?}");
    }
}

#[test]
fn clearing_one_finding_leaves_the_others() {
    let (mut g, made) = replay(&apparel_chain());
    let seeds = |f: u32| made[&facility(f)].iter().map(|n| (n.clone(), origin()));
    spread(&mut g, "spinner", seeds(SPINNER_1)).expect("in memory");
    spread(&mut g, "farm", seeds(FARM_2)).expect("in memory");
    let farm_before = goods(&g, "farm");
    g.clear("spinner");
    assert!(goods(&g, "spinner").is_empty());
    assert_eq!(goods(&g, "farm"), farm_before);
    assert!(farm_before.contains(&(pallet_node(1), false)));
}

/// Relations for generated edges.
fn relation() -> impl Strategy<Value = Relation> {
    prop_oneof![
        Just(Relation::Input),
        Just(Relation::Output),
        Just(Relation::PackedInto),
        Just(Relation::Contains),
    ]
}

proptest! {
    /// Incremental spreading (the finding first, then the edges one by one in any order)
    /// flags the same nodes with the same reach as spreading once over the finished graph.
    #[test]
    fn incremental_spreading_ends_where_spreading_once_ends(
        edges in proptest::collection::vec((0u8..12, 0u8..12, relation()), 1..40),
        seed in 0u8..12,
        order in any::<u64>(),
    ) {
        let name = |n: u8| format!("n{n:02}");
        // One relation per pair of nodes, as the ledger keeps the first edge of a pair.
        let edges: Vec<(u8, u8, Relation)> = edges
            .iter()
            .map(|(a, b, r)| ((*a, *b), *r))
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .map(|((a, b), r)| (a, b, r))
            .collect();
        let mut batch = MemGraph::default();
        for (a, b, r) in &edges {
            batch.add_edge(&name(*a), &name(*b), *r, "e");
        }
        spread(&mut batch, "f", [(name(seed), origin())]).expect("in memory");

        let mut inc = MemGraph::default();
        spread(&mut inc, "f", [(name(seed), origin())]).expect("in memory");
        let mut shuffled = edges.clone();
        let len = shuffled.len();
        for i in 0..len {
            shuffled.swap(i, (order as usize).wrapping_mul(31).wrapping_add(i * 7) % len);
        }
        for (a, b, r) in &shuffled {
            let fresh = !inc.edges.get(&name(*a)).is_some_and(|es| es.iter().any(|e| e.node == name(*b)));
            inc.add_edge(&name(*a), &name(*b), *r, "e");
            if fresh {
                extend(&mut inc, &name(*a), &name(*b), *r, "e").expect("in memory");
            }
        }
        prop_assert_eq!(inc.flagged("f"), batch.flagged("f"));
    }
}
