//! The supply module's rules — risk that follows the goods: how a finding's flag spreads
//! through the goods graph ([`crate::graph`]), deterministically and incrementally.
//!
//! A flag is one finding's mark on one node, with the node it came from and the edge it
//! came by, so the path from the finding to any flagged node can be read back
//! ([`path`]). It has a [`Reach`]:
//!
//! - `direct`: the goods are, or were made from, what the finding is about. A direct flag
//!   follows every edge.
//! - `contained`: a logistic unit that holds (or held) direct goods. It follows only
//!   `packed_into` (its own container holds them too) and `input` (a container consumed
//!   whole makes its outputs direct), never `contains`: the other cartons on a pallet that
//!   holds one flagged carton are not flagged.
//!
//! A node reached both ways is `direct`. Spreading is a breadth-first walk in edge-key
//! order, so every validator writes the same flags with the same paths. It is incremental:
//! a finding walks what it reaches once; a new edge walks on only from the flags its
//! upstream node already has; clearing deletes exactly the flags of one finding.

use crate::graph::Relation;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// How a node is reached (see the module's notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// A logistic unit that holds (or held) direct goods.
    Contained,
    /// The goods are, or were made from, what the finding is about.
    Direct,
}

/// One finding's flag on one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    /// How the node is reached.
    pub reach: Reach,
    /// The node it was reached from; `None` where the finding starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The edge it came by (`None` where the finding starts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<Relation>,
    /// The event hash (hex) of that edge, or of the event that made the goods at a flagged
    /// facility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
}

/// An edge as the store keeps it: where it leads, how, and the event that recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    /// Downstream node (or upstream, in the reverse index).
    pub node: String,
    /// How.
    pub relation: Relation,
    /// The event's hash (hex).
    pub event: String,
}

/// What reading paths needs from storage: the ledger's state, or memory in tests and
/// benches.
pub trait GraphRead {
    /// Storage's error.
    type Error;
    /// The edges out of `node`, in key order.
    fn edges_from(&self, node: &str) -> Result<Vec<Edge>, Self::Error>;
    /// `finding`'s flag on `node`.
    fn flag(&self, node: &str, finding: &str) -> Result<Option<Flag>, Self::Error>;
    /// Every finding's flag on `node`, by finding.
    fn flags_on(&self, node: &str) -> Result<Vec<(String, Flag)>, Self::Error>;
}

/// What spreading needs besides: writing flags.
pub trait GraphStore: GraphRead {
    /// Sets `finding`'s flag on `node`; `new` where the node had none of this finding.
    fn set_flag(
        &mut self,
        node: &str,
        finding: &str,
        flag: &Flag,
        new: bool,
    ) -> Result<(), Self::Error>;
}

/// The reach a flag of `reach` gives the far end of an edge of `relation`, if any.
pub fn carry(reach: Reach, relation: Relation) -> Option<Reach> {
    match (reach, relation) {
        (_, Relation::Input | Relation::Output) => Some(Reach::Direct),
        (_, Relation::PackedInto) => Some(Reach::Contained),
        (Reach::Direct, Relation::Contains) => Some(Reach::Direct),
        (Reach::Contained, Relation::Contains) => None,
    }
}

/// Sets `flag` on `node` for `finding` if it adds something (no flag yet, or `direct`
/// over `contained`), then walks on from every node it changed. Returns how many nodes it
/// flagged that the finding did not flag before.
pub fn spread<S: GraphStore>(
    store: &mut S,
    finding: &str,
    seeds: impl IntoIterator<Item = (String, Flag)>,
) -> Result<u64, S::Error> {
    let mut queue = VecDeque::new();
    let mut new = 0;
    for (node, flag) in seeds {
        if let Some(was_new) = raise(store, &node, finding, &flag)? {
            new += u64::from(was_new);
            queue.push_back((node, flag.reach));
        }
    }
    while let Some((node, reach)) = queue.pop_front() {
        for edge in store.edges_from(&node)? {
            let Some(next) = carry(reach, edge.relation) else {
                continue;
            };
            let flag = Flag {
                reach: next,
                from: Some(node.clone()),
                relation: Some(edge.relation),
                event: Some(edge.event),
            };
            if let Some(was_new) = raise(store, &edge.node, finding, &flag)? {
                new += u64::from(was_new);
                queue.push_back((edge.node, next));
            }
        }
    }
    Ok(new)
}

/// Carries the flags `from` already has across a new edge `from → to` (recorded by event
/// `event`), and on from `to`. Returns, per finding, how many nodes it newly flags.
pub fn extend<S: GraphStore>(
    store: &mut S,
    from: &str,
    to: &str,
    relation: Relation,
    event: &str,
) -> Result<BTreeMap<String, u64>, S::Error> {
    let mut out = BTreeMap::new();
    for (finding, flag) in store.flags_on(from)? {
        let Some(reach) = carry(flag.reach, relation) else {
            continue;
        };
        let next = Flag {
            reach,
            from: Some(from.to_owned()),
            relation: Some(relation),
            event: Some(event.to_owned()),
        };
        let n = spread(store, &finding, [(to.to_owned(), next)])?;
        *out.entry(finding).or_default() += n;
    }
    Ok(out)
}

/// Sets the flag if it adds something: `Some(true)` where the node had no flag of this
/// finding, `Some(false)` where it raised `contained` to `direct`, `None` where it changed
/// nothing.
fn raise<S: GraphStore>(
    store: &mut S,
    node: &str,
    finding: &str,
    flag: &Flag,
) -> Result<Option<bool>, S::Error> {
    let change = match store.flag(node, finding)? {
        None => Some(true),
        Some(old) if old.reach < flag.reach => Some(false),
        Some(_) => None,
    };
    if let Some(new) = change {
        store.set_flag(node, finding, flag, new)?;
    }
    Ok(change)
}

/// One step of a path from a finding to a flagged node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The node.
    pub node: String,
    /// Its flag.
    pub flag: Flag,
}

/// Longest path [`path`] reads back: a guard, far beyond any real supply chain.
pub const MAX_PATH: usize = 10_000;

/// The path from where `finding` starts to `node`, first step first; empty if the node is
/// not flagged by it.
pub fn path<S: GraphRead>(store: &S, node: &str, finding: &str) -> Result<Vec<Step>, S::Error> {
    let mut steps = Vec::new();
    let mut at = node.to_owned();
    while let Some(flag) = store.flag(&at, finding)? {
        let from = flag.from.clone();
        let seen = steps.iter().any(|s: &Step| s.node == at);
        steps.push(Step { node: at, flag });
        match from {
            Some(f) if !seen && steps.len() < MAX_PATH => at = f,
            _ => break,
        }
    }
    steps.reverse();
    Ok(steps)
}

/// A goods graph and its flags in memory: tests, benchmarks, and checks that replay a
/// provenance bundle.
#[derive(Debug, Default, Clone)]
pub struct MemGraph {
    /// Node → its edges out, in insertion order.
    pub edges: BTreeMap<String, Vec<Edge>>,
    /// (node, finding) → flag.
    pub flags: BTreeMap<(String, String), Flag>,
}

impl MemGraph {
    /// Adds an edge unless the same (from, to) is there already.
    pub fn add_edge(&mut self, from: &str, to: &str, relation: Relation, event: &str) {
        let out = self.edges.entry(from.to_owned()).or_default();
        if !out.iter().any(|e| e.node == to) {
            out.push(Edge {
                node: to.to_owned(),
                relation,
                event: event.to_owned(),
            });
            out.sort_by(|a, b| a.node.cmp(&b.node));
        }
    }

    /// Deletes every flag of `finding` (its corrective action was verified).
    pub fn clear(&mut self, finding: &str) {
        self.flags.retain(|(_, f), _| f != finding);
    }

    /// The nodes `finding` flags, with their reach, in node order.
    pub fn flagged(&self, finding: &str) -> Vec<(String, Reach)> {
        self.flags
            .iter()
            .filter(|((_, f), _)| f == finding)
            .map(|((n, _), flag)| (n.clone(), flag.reach))
            .collect()
    }
}

impl GraphRead for MemGraph {
    type Error = std::convert::Infallible;

    fn edges_from(&self, node: &str) -> Result<Vec<Edge>, Self::Error> {
        Ok(self.edges.get(node).cloned().unwrap_or_default())
    }

    fn flag(&self, node: &str, finding: &str) -> Result<Option<Flag>, Self::Error> {
        Ok(self
            .flags
            .get(&(node.to_owned(), finding.to_owned()))
            .cloned())
    }

    fn flags_on(&self, node: &str) -> Result<Vec<(String, Flag)>, Self::Error> {
        Ok(self
            .flags
            .range((node.to_owned(), String::new())..)
            .take_while(|((n, _), _)| n == node)
            .map(|((_, f), flag)| (f.clone(), flag.clone()))
            .collect())
    }
}

impl GraphStore for MemGraph {
    fn set_flag(
        &mut self,
        node: &str,
        finding: &str,
        flag: &Flag,
        _new: bool,
    ) -> Result<(), Self::Error> {
        self.flags
            .insert((node.to_owned(), finding.to_owned()), flag.clone());
        Ok(())
    }
}
