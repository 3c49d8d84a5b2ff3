//! The provenance bundle: what anyone — a customs officer, a market-surveillance authority,
//! a consumer's app — needs to check where goods came from and which findings of forced
//! labour reach them, with no network. It carries the signed transactions that recorded
//! the goods' making, every tier upstream, the facilities, their audits and
//! certifications, and the findings with their plans and verifications, each with its
//! inclusion proof against one checkpoint cosigned by the validators. [`verify`] checks
//! all of it and recomputes the tiers and the flags from the events themselves, with the
//! same graph and propagation rules the ledger runs ([`crate::graph`],
//! [`crate::rules`]).
//!
//! What a bundle proves: these events, facilities and findings were signed by these
//! organisations and are in the log the validators signed at `tree_size`; what they say
//! about the goods follows from them. What it cannot prove on its own: that no other event
//! or finding exists (an issuer can leave one out; a second node's bundle, or the public
//! page of another member, shows the same goods).

use crate::body::{Facility, SupplyBody};
use crate::finding::{Indicator, Severity, Target};
use crate::graph::{Relation, is_transformation, links};
use crate::rules::{Flag, GraphRead, MemGraph, Reach, Step, path, spread};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use unchain_bundle::{Entry, EntryRules, Envelope, EnvelopeError};
use unchain_log::NoteVerifier;
use unchain_types::TxId;

pub use unchain_bundle::quorum;
pub use unchain_log::NamedKey;

/// The bundle format version this code writes and reads.
pub const BUNDLE_VERSION: u32 = 1;

/// A self-contained provenance proof for goods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvenanceBundle {
    /// Version ([`BUNDLE_VERSION`]), chain, log, cosigned checkpoint, validator keys.
    #[serde(flatten)]
    pub envelope: Envelope,
    /// The goods (canonical identifier).
    pub goods: String,
    /// The organisations that signed the entries, with their keys.
    pub members: Vec<NamedKey>,
    /// The transactions, in log order.
    pub entries: Vec<Entry>,
}

/// One tier upstream of the goods (or the goods themselves, at depth 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tier {
    /// The goods node.
    pub node: String,
    /// Steps upstream from the goods.
    pub depth: u32,
    /// Where it was made, if an event in the bundle says so.
    pub facility: Option<String>,
    /// That facility as registered, if the bundle holds it.
    pub registered: Option<Facility>,
    /// The goods it was made or packed from, one tier up.
    pub from: Vec<String>,
    /// The open findings that flag it.
    pub flagged_by: Vec<TxId>,
}

/// A finding the bundle holds, and whether it reaches the goods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingView {
    /// Its transaction.
    pub id: TxId,
    /// Its author.
    pub author: String,
    /// What it is about.
    pub target: Target,
    /// The indicator.
    pub indicator: Indicator,
    /// How grave.
    pub severity: Severity,
    /// Whether its author verified a corrective action (then it flags nothing).
    pub remediated: bool,
    /// How many corrective-action plans were filed.
    pub plans: usize,
    /// The path from the finding to the goods, if it is open and reaches them.
    pub path: Vec<Step>,
}

/// What a verified bundle shows.
#[derive(Debug, Clone, Serialize)]
pub struct VerifiedProvenance {
    /// The goods.
    pub goods: String,
    /// Chain id.
    pub chain_id: String,
    /// The checkpoint's size.
    pub tree_size: u64,
    /// Validators whose signatures on the checkpoint verified.
    pub signers: Vec<String>,
    /// The goods and every tier upstream, nearest first.
    pub tiers: Vec<Tier>,
    /// Every finding the bundle holds.
    pub findings: Vec<FindingView>,
    /// Audits and certifications per facility: `(facility, what, by)`.
    pub standing: Vec<(String, String, String)>,
    /// How many events the bundle's captures hold.
    pub events: usize,
}

impl VerifiedProvenance {
    /// The open findings that reach the goods.
    pub fn flags(&self) -> impl Iterator<Item = &FindingView> {
        self.findings.iter().filter(|f| !f.path.is_empty())
    }
}

/// Why a bundle does not verify.
#[derive(Debug, thiserror::Error)]
pub enum ProvenanceError {
    /// Another format version, or a checkpoint that does not verify.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// One entry failed: altered, not included, not signed by a known member, unreadable.
    #[error("entry {number}{what}: {reason}")]
    Entry {
        /// Its position, from 1.
        number: usize,
        /// ` (kind, tx …)` once known.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// No entry made or named the goods.
    #[error("no event in the bundle names {0}")]
    Unknown(String),
}

#[derive(Default)]
struct Replay {
    graph: MemGraph,
    /// node → (facility, time, event hex), first making wins (as on the ledger).
    maker: BTreeMap<String, (String, i64, String)>,
    facilities: BTreeMap<String, Facility>,
    findings: Vec<(TxId, String, crate::finding::Finding)>,
    plans: BTreeMap<TxId, usize>,
    remediated: BTreeSet<TxId>,
    standing: Vec<(String, String, String)>,
    named: BTreeSet<String>,
    events: usize,
}

/// Verifies `bundle` against `validators` (requiring `quorum` checkpoint signatures) and
/// `members` (the keys the signing organisations must have), and recomputes what it shows.
pub fn verify(
    bundle: &ProvenanceBundle,
    validators: &[NoteVerifier],
    quorum: usize,
    members: &[NamedKey],
) -> Result<VerifiedProvenance, ProvenanceError> {
    let opened = bundle.envelope.open(BUNDLE_VERSION, validators, quorum)?;
    let mut r = Replay::default();
    let rules = EntryRules {
        check_signature: true,
        in_log_order: true,
        altered: "the transaction was altered",
    };
    unchain_bundle::entries(
        &bundle.entries,
        |e| e,
        &opened,
        &bundle.envelope.chain_id,
        rules,
        |_, _, tx| {
            let member = members
                .iter()
                .find(|m| m.key == *tx.sender())
                .ok_or_else(|| {
                    format!("signed by {}, which is not a known member key", tx.sender())
                })?
                .name
                .clone();
            let body = SupplyBody::parse(tx.kind(), tx.body()).map_err(|e| e.to_string())?;
            r.apply(tx.id(), &member, body);
            Ok(())
        },
    )
    .map_err(|e| ProvenanceError::Entry {
        number: e.number,
        what: e.what,
        reason: e.reason,
    })?;
    if !r.named.contains(&bundle.goods) {
        return Err(ProvenanceError::Unknown(bundle.goods.clone()));
    }
    Ok(r.finish(bundle, opened.checkpoint.size, opened.signers))
}

impl Replay {
    fn apply(&mut self, id: TxId, member: &str, body: SupplyBody) {
        match body {
            SupplyBody::Capture(c) => {
                for e in &c.events {
                    self.events += 1;
                    let l = links(&e.event, e.hex());
                    for link in &l.edges {
                        self.graph
                            .add_edge(&link.from, &link.to, link.relation, e.hex());
                    }
                    if let Some(f) = &l.facility {
                        for n in &l.made {
                            self.maker.entry(n.clone()).or_insert_with(|| {
                                (f.clone(), e.event.time_ms, e.hex().to_owned())
                            });
                        }
                    }
                    self.named.extend(l.nodes);
                }
            }
            SupplyBody::Facility(f) => {
                self.facilities.insert(f.id.clone(), f);
            }
            SupplyBody::Audit(a) => self.standing.push((
                a.facility.clone(),
                format!(
                    "audit against {} ({} to {}): {:?}",
                    a.standard, a.from, a.to, a.outcome
                )
                .to_lowercase(),
                member.to_owned(),
            )),
            SupplyBody::Certify(c) => self.standing.push((
                c.facility.clone(),
                format!(
                    "certified {} no. {} ({} to {})",
                    c.scheme, c.certificate, c.valid_from, c.valid_until
                ),
                member.to_owned(),
            )),
            SupplyBody::Finding(f) => self.findings.push((id, member.to_owned(), f)),
            SupplyBody::Plan(p) => *self.plans.entry(p.finding).or_default() += 1,
            SupplyBody::Verify(v) => {
                let author = self
                    .findings
                    .iter()
                    .find(|(f, _, _)| *f == v.finding)
                    .map(|(_, a, _)| a.as_str());
                if v.verified && author == Some(member) {
                    self.remediated.insert(v.finding);
                }
            }
            SupplyBody::Product(_) => {}
        }
    }

    fn finish(
        mut self,
        bundle: &ProvenanceBundle,
        tree_size: u64,
        signers: Vec<String>,
    ) -> VerifiedProvenance {
        // Upstream, breadth first, over the reversed edges.
        let mut into: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (from, edges) in &self.graph.edges {
            for e in edges {
                if e.relation != Relation::Contains {
                    into.entry(e.node.as_str()).or_default().push(from.as_str());
                }
            }
        }
        let mut tiers = Vec::new();
        let mut seen = BTreeSet::from([bundle.goods.as_str()]);
        let mut frontier = vec![bundle.goods.as_str()];
        let mut depth = 0u32;
        let tier = |node: &str, depth: u32, maker: &BTreeMap<String, (String, i64, String)>| {
            let facility = maker.get(node).map(|(f, _, _)| f.clone());
            let mut from: Vec<String> = Vec::new();
            for up in into.get(node).into_iter().flatten() {
                let ups: Vec<&str> = if is_transformation(up) {
                    into.get(up).cloned().unwrap_or_default()
                } else {
                    vec![*up]
                };
                for u in ups {
                    if !from.iter().any(|f| f == u) {
                        from.push(u.to_owned());
                    }
                }
            }
            Tier {
                node: node.to_owned(),
                depth,
                registered: facility
                    .as_ref()
                    .and_then(|f| self.facilities.get(f).cloned()),
                facility,
                from,
                flagged_by: Vec::new(),
            }
        };
        tiers.push(tier(&bundle.goods, 0, &self.maker));
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for n in frontier {
                for up in into.get(n).into_iter().flatten() {
                    if seen.insert(up) {
                        next.push(*up);
                    }
                }
            }
            let goods: Vec<&str> = next
                .iter()
                .copied()
                .filter(|n| !is_transformation(n))
                .collect();
            if !goods.is_empty() {
                depth += 1;
            }
            for n in goods {
                tiers.push(tier(n, depth, &self.maker));
            }
            frontier = next;
        }
        // Each open finding spread over the bundle's graph, as the ledger spreads it.
        let mut findings = Vec::new();
        for (id, author, f) in std::mem::take(&mut self.findings) {
            let remediated = self.remediated.contains(&id);
            let key = id.to_string();
            if !remediated {
                let seeds: Vec<(String, Flag)> = match &f.target {
                    Target::Facility(fac) => {
                        let since = f.since_ms().unwrap_or(i64::MIN);
                        self.maker
                            .iter()
                            .filter(|(_, (mf, t, _))| mf == fac && *t >= since)
                            .map(|(n, (_, _, ev))| {
                                (
                                    n.clone(),
                                    Flag {
                                        reach: Reach::Direct,
                                        from: None,
                                        relation: None,
                                        event: Some(ev.clone()),
                                    },
                                )
                            })
                            .collect()
                    }
                    Target::Goods(n) => vec![(
                        n.clone(),
                        Flag {
                            reach: Reach::Direct,
                            from: None,
                            relation: None,
                            event: None,
                        },
                    )],
                };
                let Ok(_) = spread(&mut self.graph, &key, seeds);
            }
            let Ok(steps) = path(&self.graph, &bundle.goods, &key);
            findings.push(FindingView {
                id,
                author,
                target: f.target.clone(),
                indicator: f.indicator,
                severity: f.severity,
                remediated,
                plans: self.plans.get(&id).copied().unwrap_or(0),
                path: steps,
            });
        }
        for t in &mut tiers {
            for f in findings.iter().filter(|f| !f.remediated) {
                if let Ok(Some(_)) = self.graph.flag(&t.node, &f.id.to_string()) {
                    t.flagged_by.push(f.id);
                }
            }
        }
        VerifiedProvenance {
            goods: bundle.goods.clone(),
            chain_id: bundle.envelope.chain_id.clone(),
            tree_size,
            signers,
            tiers,
            findings,
            standing: self.standing,
            events: self.events,
        }
    }
}

/// Builds the provenance bundle of `goods` from `ledger` against the cosigned checkpoint
/// `checkpoint` (note text) of size `tree_size`, which should cover [`leaves`] (what it
/// does not cover is left out). `None` if no event names the goods.
#[cfg(feature = "ledger")]
pub fn build(
    ledger: &unchain_ledger::Ledger,
    goods: &str,
    checkpoint: String,
    tree_size: u64,
) -> Result<Option<ProvenanceBundle>, unchain_ledger::LedgerError> {
    let Some(mut leaves) = leaves(&ledger.state_reader()?, goods)? else {
        return Ok(None);
    };
    leaves.retain(|l| *l < tree_size);
    let all_members = ledger.members()?;
    let mut members: Vec<NamedKey> = Vec::new();
    let mut entries = Vec::with_capacity(leaves.len());
    for index in leaves {
        let leaf = ledger
            .leaf(index)?
            .expect("a committed transaction's leaf is in the log");
        let leaf = String::from_utf8(leaf).expect("leaves are JCS JSON");
        if let Ok(tx) = unchain_types::Transaction::parse(leaf.as_bytes())
            && !members.iter().any(|m| m.key == *tx.sender())
            && let Some(m) = all_members.iter().find(|m| m.signing_key == *tx.sender())
        {
            members.push(NamedKey {
                name: m.name.clone(),
                key: m.signing_key,
            });
        }
        entries.push(Entry {
            leaf_index: index,
            leaf,
            proof: ledger.inclusion_proof(index, tree_size)?,
        });
    }
    Ok(Some(ProvenanceBundle {
        envelope: ledger.bundle_envelope(BUNDLE_VERSION, checkpoint, tree_size)?,
        goods: goods.to_owned(),
        members,
        entries,
    }))
}

/// The log leaves a provenance bundle of `goods` carries: the events that made the goods
/// and every tier upstream and that link them; the facilities, their audits,
/// certifications and findings; the findings that flag the goods; each finding's plans and
/// verifications. `None` if no event names the goods.
#[cfg(feature = "ledger")]
pub fn leaves(
    reader: &impl unchain_ledger::state::StateRead,
    goods: &str,
) -> Result<Option<BTreeSet<u64>>, redb::StorageError> {
    use crate::state;
    if state::events_naming(reader, goods)?.is_empty() {
        return Ok(None);
    }
    let mut leaves: BTreeSet<u64> = BTreeSet::new();
    let event_leaf = |hex: &str, leaves: &mut BTreeSet<u64>| -> Result<(), redb::StorageError> {
        if let Some(r) = state::event(reader, hex)? {
            leaves.insert(r.log_index);
        }
        Ok(())
    };
    let mut facilities: BTreeSet<String> = BTreeSet::new();
    let mut seen = BTreeSet::from([goods.to_owned()]);
    let mut frontier = vec![goods.to_owned()];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for node in &frontier {
            if let Some(made) = state::maker(reader, node)? {
                event_leaf(&made.event, &mut leaves)?;
                facilities.insert(made.facility);
            }
            for edge in state::edges_into(reader, node)? {
                if edge.relation == Relation::Contains {
                    continue;
                }
                event_leaf(&edge.event, &mut leaves)?;
                if seen.insert(edge.node.clone()) {
                    next.push(edge.node);
                }
            }
        }
        frontier = next;
    }
    let mut findings = Vec::new();
    for fac in &facilities {
        if let Some(f) = state::facility(reader, fac)? {
            leaves.insert(f.log_index);
        }
        leaves.extend(
            state::audits(reader, fac)?
                .iter()
                .map(|a| a.recorded.log_index),
        );
        leaves.extend(
            state::certifications(reader, fac)?
                .iter()
                .map(|c| c.recorded.log_index),
        );
        findings.extend(state::findings_at(reader, fac)?);
    }
    for trace in state::flags(reader, goods)? {
        findings.extend(state::finding(reader, &trace.finding)?);
    }
    for f in &findings {
        leaves.insert(f.recorded.log_index);
        leaves.extend(f.plans.iter().map(|(_, r)| r.log_index));
        leaves.extend(f.verifications.iter().map(|(_, r)| r.log_index));
    }
    Ok(Some(leaves))
}
