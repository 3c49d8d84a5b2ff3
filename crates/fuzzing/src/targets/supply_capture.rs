//! `supply.*` bodies, the goods graph and propagation: reading any JSON as any supply kind
//! never panics; the events of a capture that reads give links, and a finding spread over
//! them ends, with every flagged node's path leading back to where the finding started.

use unchain_ledger::Module;
use unchain_supply::SupplyBody;
use unchain_supply::graph::links;
use unchain_supply::rules::{Flag, MemGraph, Reach, path, spread};

/// One input.
pub fn run(data: &[u8]) {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for k in unchain_supply::KINDS {
        let _ = unchain_supply::SupplyModule.parse_body(k.kind, &body);
    }
    let Ok(SupplyBody::Capture(capture)) = SupplyBody::parse("supply.capture", &body) else {
        return;
    };
    let mut graph = MemGraph::default();
    for c in &capture.events {
        for link in links(&c.event, c.hex()).edges {
            graph.add_edge(&link.from, &link.to, link.relation, c.hex());
        }
    }
    let Some(seed) = graph.edges.keys().next().cloned() else {
        return;
    };
    let origin = Flag {
        reach: Reach::Direct,
        from: None,
        relation: None,
        event: None,
    };
    let Ok(_) = spread(&mut graph, "f", [(seed.clone(), origin)]);
    for (node, _) in graph.flagged("f") {
        let Ok(steps) = path(&graph, &node, "f");
        let first = steps.first().expect("a flagged node has a path");
        assert_eq!(first.node, seed, "every path starts at the seed");
        assert_eq!(steps.last().map(|s| s.node.as_str()), Some(node.as_str()));
    }
}
