//! What an EPCIS event says about how goods flow: the edges of the goods graph and what was
//! made where. Pure: the same event gives the same links on every validator and in every
//! offline verifier.
//!
//! Nodes are identifiers in their canonical form (an item, a lot, a logistic unit), and one
//! node per transformation, so that many inputs and many outputs cost one edge each:
//!
//! - **Transformation**: every input → the transformation (`input`), the transformation →
//!   every output (`output`). The transformation's node is its `transformationID` when it
//!   has one (EPCIS lets several events share it), else `event:{hash}`.
//! - **Aggregation** (`ADD`, `OBSERVE`): every child → the parent (`packed_into`), the parent
//!   → every child (`contains`). `DELETE` adds none: what was packed together stays linked.
//! - **Object and Transaction events** move and observe goods without changing what they
//!   are: the identifier stays the node, so a flag follows the goods wherever they go.
//!
//! A class of goods is a node only at lot level (`/01/{gtin}/10/{lot}`) or when it is not a
//! GS1 class: "every instance of GTIN x" would join all of a product's lots into one node
//! and flag goods no finding reaches.
//!
//! Made where: an `ADD` object event's objects (commissioning), a transformation's outputs
//! and an aggregation `ADD`'s parent (packing) were made at the event's business location
//! (or, with none, its read point), read as a facility ([`facility_of`]).

use serde::{Deserialize, Serialize};
use unchain_epcis::event::{Action, Event, EventType, Identifier, Quantity};
use unchain_epcis::gs1::Gs1Id;

/// How an edge joins two nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// An input consumed by a transformation.
    Input,
    /// An output a transformation produced.
    Output,
    /// A child packed into a parent.
    PackedInto,
    /// A parent that holds a child.
    Contains,
}

impl Relation {
    /// How a path reads it, from the upstream node to the downstream one.
    pub fn phrase(self) -> &'static str {
        match self {
            Relation::Input => "went into",
            Relation::Output => "produced",
            Relation::PackedInto => "was packed into",
            Relation::Contains => "holds",
        }
    }
}

/// One edge of the goods graph, from upstream to downstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Upstream node.
    pub from: String,
    /// Downstream node.
    pub to: String,
    /// How.
    pub relation: Relation,
}

/// What one event adds to the goods graph.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Links {
    /// Edges, in the event's order, without repeats.
    pub edges: Vec<Link>,
    /// The facility where the `made` nodes were made.
    pub facility: Option<String>,
    /// Nodes the event made at `facility`.
    pub made: Vec<String>,
    /// Every goods node the event names (for the index by identifier).
    pub nodes: Vec<String>,
}

/// The facility a location identifier belongs to: a GLN without its extension
/// (`https://id.gs1.org/414/{gln}`), any other URI as written.
pub fn facility_of(id: &Identifier) -> String {
    match id {
        Identifier::Gs1(Gs1Id::Sgln { gln, .. }) => Gs1Id::Sgln {
            gln: gln.clone(),
            extension: None,
        }
        .canonical(),
        other => other.canonical(),
    }
}

/// Whether `node` is a transformation's node rather than goods.
pub fn is_transformation(node: &str) -> bool {
    node.starts_with("event:") || node.starts_with("transformation:")
}

/// Whether an identifier names goods the graph follows (see the module's notes on
/// classes); locations and parties are not goods.
fn goods(id: &Identifier) -> Option<String> {
    match id {
        Identifier::Gs1(Gs1Id::Gtin { .. } | Gs1Id::Sgln { .. } | Gs1Id::Pgln { .. }) => None,
        other => Some(other.canonical()),
    }
}

fn nodes<'a>(
    ids: impl IntoIterator<Item = &'a Identifier>,
    quantities: &'a [Quantity],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids
        .into_iter()
        .chain(quantities.iter().map(|q| &q.epc_class))
    {
        if let Some(n) = goods(id)
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}

/// The links of `event`, whose CBV 2.0 hash has the hex digest `hex`.
pub fn links(event: &Event, hex: &str) -> Links {
    let w = &event.what;
    let facility = event
        .biz_location
        .as_ref()
        .or(event.read_point.as_ref())
        .map(facility_of);
    let mut out = Links {
        facility,
        ..Links::default()
    };
    match event.event_type {
        EventType::Transformation => {
            let hub = match event.raw.get("transformationID").and_then(|v| v.as_str()) {
                Some(t) => format!("transformation:{t}"),
                None => format!("event:{hex}"),
            };
            let inputs = nodes(&w.inputs, &w.input_quantities);
            let outputs = nodes(&w.outputs, &w.output_quantities);
            for i in &inputs {
                out.edges.push(link(i, &hub, Relation::Input));
            }
            for o in &outputs {
                out.edges.push(link(&hub, o, Relation::Output));
            }
            out.nodes = inputs.iter().chain(&outputs).cloned().collect();
            out.made = outputs;
        }
        EventType::Aggregation => {
            let children = nodes(&w.children, &w.child_quantities);
            let parent = w.parent.as_ref().and_then(goods);
            let adds = matches!(event.action, Some(Action::Add | Action::Observe));
            if let (Some(p), true) = (&parent, adds) {
                for c in &children {
                    out.edges.push(link(c, p, Relation::PackedInto));
                    out.edges.push(link(p, c, Relation::Contains));
                }
            }
            if let (Some(p), Some(Action::Add)) = (&parent, event.action) {
                out.made.push(p.clone());
            }
            out.nodes = parent.into_iter().chain(children).collect();
        }
        EventType::Object | EventType::Transaction | EventType::Association => {
            let named = nodes(&w.epcs, &w.quantities);
            if event.event_type == EventType::Object && event.action == Some(Action::Add) {
                out.made = named.clone();
            }
            let mut all = named;
            for n in nodes(w.parent.iter().chain(&w.children), &w.child_quantities) {
                if !all.contains(&n) {
                    all.push(n);
                }
            }
            out.nodes = all;
        }
    }
    if out.facility.is_none() {
        out.made.clear();
    }
    out
}

fn link(from: &str, to: &str, relation: Relation) -> Link {
    Link {
        from: from.to_owned(),
        to: to.to_owned(),
        relation,
    }
}
