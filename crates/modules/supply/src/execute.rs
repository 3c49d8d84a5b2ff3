//! The [`Module`] impl: how every validator executes the `supply.*` kinds, over the body
//! types of [`crate::body`] and the state of [`crate::state`].

use crate::body::{Capture, SupplyBody};
use crate::finding::Target;
use crate::graph::links;
use crate::rules::{Flag, GraphRead, GraphStore, Reach, extend, spread};
use crate::state::*;
use serde_json::Value;
use std::collections::BTreeMap;
use unchain_ledger::membership::member_named;
use unchain_ledger::state::{StateRead, StateWriter, decode, encode};
use unchain_ledger::{BodyError, ExecContext, ExecError, KindSpec, Module, Role, refuse};
use unchain_types::{Code, TxId};

/// The `supply.*` kinds.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "supply.capture",
        role: Role::Supply,
        summary: "EPCIS 2.0 events (up to 1000), each identified by its CBV 2.0 event hash",
    },
    KindSpec {
        kind: "supply.facility",
        role: Role::Supply,
        summary: "registers or updates a facility: its GLN, name, country, sector and operator",
    },
    KindSpec {
        kind: "supply.product",
        role: Role::Supply,
        summary: "registers or updates a product: its GTIN and description",
    },
    KindSpec {
        kind: "supply.audit",
        role: Role::Supply,
        summary: "an audit of a facility against a standard, with its dates and outcome",
    },
    KindSpec {
        kind: "supply.certify",
        role: Role::Supply,
        summary: "a certification of a facility, with its validity",
    },
    KindSpec {
        kind: "supply.finding",
        role: Role::Supply,
        summary: "a finding against an ILO forced-labour indicator at a facility or on goods; flags every downstream lot",
    },
    KindSpec {
        kind: "supply.plan",
        role: Role::Supply,
        summary: "the facility's corrective-action plan answering a finding",
    },
    KindSpec {
        kind: "supply.verify",
        role: Role::Supply,
        summary: "the finding's author verifies (or not) the corrective action; verified clears its flags",
    },
];

/// The supply module.
pub struct SupplyModule;

impl Module for SupplyModule {
    type Body = SupplyBody;

    fn name(&self) -> &'static str {
        "supply"
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn parse_body(&self, kind: &str, body: &Value) -> Result<SupplyBody, BodyError> {
        SupplyBody::parse(kind, body)
    }

    fn execute(&self, ctx: &mut ExecContext<'_, '_>, body: &SupplyBody) -> Result<(), ExecError> {
        match body {
            SupplyBody::Capture(c) => capture(ctx, c),
            SupplyBody::Facility(f) => {
                owned_by_sender(ctx, &facility_key(&f.id), "id")?;
                if let Some(op) = &f.operator
                    && member_named(ctx.state, op)?.is_none()
                {
                    return Err(refuse(
                        Code::UnknownMember,
                        format!("operator: {op} is not a member"),
                    ));
                }
                let record = FacilityRecord {
                    facility: f.clone(),
                    registrant: ctx.sender.name.clone(),
                    log_index: ctx.log_index,
                };
                Ok(ctx.state.put(&facility_key(&f.id), &encode(&record))?)
            }
            SupplyBody::Product(p) => {
                owned_by_sender(ctx, &product_key(&p.gtin), "gtin")?;
                let record = ProductRecord {
                    product: p.clone(),
                    registrant: ctx.sender.name.clone(),
                    log_index: ctx.log_index,
                };
                Ok(ctx.state.put(&product_key(&p.gtin), &encode(&record))?)
            }
            SupplyBody::Audit(a) => {
                registered(ctx.state, &a.facility, "facility")?;
                let record = AuditRecord {
                    audit: a.clone(),
                    recorded: recorded(ctx),
                };
                Ok(ctx
                    .state
                    .put(&audit_key(&a.facility, &ctx.tx_id), &encode(&record))?)
            }
            SupplyBody::Certify(c) => {
                registered(ctx.state, &c.facility, "facility")?;
                let record = CertificationRecord {
                    certification: c.clone(),
                    recorded: recorded(ctx),
                };
                Ok(ctx
                    .state
                    .put(&cert_key(&c.facility, &ctx.tx_id), &encode(&record))?)
            }
            SupplyBody::Finding(f) => crate::remedy::open(ctx, f),
            SupplyBody::Plan(p) => crate::remedy::plan(ctx, p),
            SupplyBody::Verify(v) => crate::remedy::verify(ctx, v),
        }
    }
}

/// Who recorded the transaction being executed.
pub(crate) fn recorded(ctx: &ExecContext<'_, '_>) -> Recorded {
    Recorded {
        member: ctx.sender.name.clone(),
        tx_id: ctx.tx_id,
        log_index: ctx.log_index,
        recorded_ms: ctx.timestamp_ms,
    }
}

/// Refuses unless the master-data record at `key` is new or registered by the sender.
fn owned_by_sender(ctx: &ExecContext<'_, '_>, key: &[u8], field: &str) -> Result<(), ExecError> {
    if let Some(v) = ctx.state.get(key)? {
        let registrant: Value = decode(&v);
        let by = registrant
            .get("registrant")
            .and_then(Value::as_str)
            .unwrap_or("");
        if by != ctx.sender.name {
            return Err(refuse(
                Code::NotOwner,
                format!("{field}: registered by {by}; only it may update the record"),
            ));
        }
    }
    Ok(())
}

/// The facility `id`, or a refusal naming `field`.
pub(crate) fn registered(
    state: &impl StateRead,
    id: &str,
    field: &str,
) -> Result<FacilityRecord, ExecError> {
    facility(state, id)?.ok_or_else(|| {
        refuse(
            Code::NotFound,
            format!(
                "{field}: {id} is not a registered facility (register it with supply.facility)"
            ),
        )
    })
}

/// The goods graph over the state being written, counting each finding's new flags.
pub(crate) struct WriteGraph<'a, 't> {
    pub state: &'a mut StateWriter<'t>,
}

impl GraphRead for WriteGraph<'_, '_> {
    type Error = redb::StorageError;

    fn edges_from(&self, node: &str) -> Result<Vec<crate::rules::Edge>, Self::Error> {
        StateGraph(&*self.state).edges_from(node)
    }

    fn flag(&self, node: &str, finding: &str) -> Result<Option<Flag>, Self::Error> {
        StateGraph(&*self.state).flag(node, finding)
    }

    fn flags_on(&self, node: &str) -> Result<Vec<(String, Flag)>, Self::Error> {
        StateGraph(&*self.state).flags_on(node)
    }
}

impl GraphStore for WriteGraph<'_, '_> {
    fn set_flag(
        &mut self,
        node: &str,
        finding: &str,
        flag: &Flag,
        new: bool,
    ) -> Result<(), Self::Error> {
        self.state.put(&flag_key(node, finding), &encode(flag))?;
        if new {
            self.state.put(&reach_key(finding, node), &[])?;
        }
        Ok(())
    }
}

fn capture(ctx: &mut ExecContext<'_, '_>, capture: &Capture) -> Result<(), ExecError> {
    let events = &capture.events;
    // Every check first: a declared eventID names one event, here and in the batch; only
    // an event's capturer declares an error in it.
    let mut declared: BTreeMap<&str, &str> = BTreeMap::new();
    for (i, c) in events.iter().enumerate() {
        if c.event.raw.contains_key("errorDeclaration")
            && let Some(stored) = SPACE.get::<EventRecord>(&*ctx.state, &event_key(c.hex()))?
            && stored.member != ctx.sender.name
        {
            return Err(refuse(
                Code::NotOwner,
                format!(
                    "events[{i}].errorDeclaration: the event was captured by {}; only it may declare an error in it",
                    stored.member
                ),
            ));
        }
        let Some(d) = c.declared.as_deref() else {
            continue;
        };
        let before: Option<String> = SPACE.get(&*ctx.state, &eventid_key(d))?;
        let known = before.as_deref().or(declared.get(d).copied());
        match known {
            Some(hex) if hex != c.hex() => {
                return Err(refuse(
                    Code::AlreadyExists,
                    format!(
                        "events[{i}].eventID: {d} already names another event (ni:///sha-256;{hex}?ver=CBV2.0); an eventID names one event"
                    ),
                ));
            }
            _ => {
                declared.insert(d, c.hex());
            }
        }
    }
    let mut count = event_count(&*ctx.state)?;
    let mut new_flags: BTreeMap<String, u64> = BTreeMap::new();
    for c in events {
        let hex = c.hex().to_owned();
        if let Some(mut stored) = SPACE.get::<EventRecord>(&*ctx.state, &event_key(&hex))? {
            // The same event captured again is one event. With an error declaration (which
            // the CBV 2.0 hash leaves out), it is the standard's way of retracting it: the
            // event is kept with its declaration.
            let declares = c.event.raw.contains_key("errorDeclaration")
                && stored
                    .event
                    .get("errorDeclaration")
                    .is_none_or(Value::is_null);
            if declares {
                stored.event = Value::Object(c.event.raw.clone());
                stored.error_declared_in = Some(ctx.tx_id);
                ctx.state.put(&event_key(&hex), &encode(&stored))?;
            }
            if let Some(d) = &c.declared
                && ctx.state.get(&eventid_key(d))?.is_none()
            {
                ctx.state.put(&eventid_key(d), &encode(&hex))?;
            }
            continue;
        }
        count += 1;
        let record = EventRecord {
            hash: c.hash.clone(),
            declared: c.declared.clone(),
            seq: count,
            time_ms: c.event.time_ms,
            member: ctx.sender.name.clone(),
            tx_id: ctx.tx_id,
            log_index: ctx.log_index,
            height: ctx.height,
            recorded_ms: ctx.timestamp_ms,
            event: Value::Object(c.event.raw.clone()),
            namespaces: capture.namespaces.clone(),
            error_declared_in: None,
        };
        ctx.state.put(&event_key(&hex), &encode(&record))?;
        ctx.state.put(&seq_key(count), &encode(&hex))?;
        if let Some(d) = &c.declared {
            ctx.state.put(&eventid_key(d), &encode(&hex))?;
        }
        let l = links(&c.event, &hex);
        for node in &l.nodes {
            ctx.state.put(&by_key(node, count), &[])?;
        }
        let time = encode(&c.event.time_ms);
        for (field, value) in crate::query::index_values(&c.event) {
            ctx.state
                .put(&crate::query::ix_key(field, &value, count), &time)?;
        }
        let mut fresh = Vec::new();
        for link in l.edges {
            if ctx.state.get(&edge_key(&link.from, &link.to))?.is_none() {
                let value = encode(&(link.relation, &hex));
                ctx.state.put(&edge_key(&link.from, &link.to), &value)?;
                ctx.state.put(&in_key(&link.to, &link.from), &value)?;
                fresh.push(link);
            }
        }
        let mut seeds: Vec<(String, String, Flag)> = Vec::new();
        if let Some(fac) = &l.facility {
            let made = Made {
                facility: fac.clone(),
                event: hex.clone(),
                time_ms: c.event.time_ms,
            };
            for node in &l.made {
                if ctx.state.get(&maker_key(node))?.is_none() {
                    ctx.state.put(&maker_key(node), &encode(&made))?;
                }
                if ctx.state.get(&made_key(fac, node))?.is_none() {
                    ctx.state.put(&made_key(fac, node), &encode(&made))?;
                }
            }
            // Goods made at a facility with an open finding are flagged from the start.
            for record in findings_at(&*ctx.state, fac)? {
                let since = record.finding.since_ms().unwrap_or(i64::MIN);
                if record.status == Status::Open && c.event.time_ms >= since {
                    for node in &l.made {
                        seeds.push((record.recorded.tx_id.to_string(), node.clone(), start(&hex)));
                    }
                }
            }
        }
        let mut graph = WriteGraph { state: ctx.state };
        for (finding, node, flag) in seeds {
            let n = spread(&mut graph, &finding, [(node, flag)])?;
            *new_flags.entry(finding).or_default() += n;
        }
        // A new edge carries every flag its upstream node has.
        for link in &fresh {
            for (finding, n) in extend(&mut graph, &link.from, &link.to, link.relation, &hex)? {
                *new_flags.entry(finding).or_default() += n;
            }
        }
    }
    ctx.state.put(&count_key(), &encode(&count))?;
    for (finding, n) in new_flags.into_iter().filter(|(_, n)| *n > 0) {
        let Ok(id) = TxId::from_hex(&finding) else {
            continue;
        };
        if let Some(mut record) = crate::state::finding(&*ctx.state, &id)? {
            record.flagged += n;
            ctx.state.put(&finding_key(&id), &encode(&record))?;
        }
    }
    Ok(())
}

/// The flag where a finding starts: goods made at its facility by event `hex`.
pub(crate) fn start(hex: &str) -> Flag {
    Flag {
        reach: Reach::Direct,
        from: None,
        relation: None,
        event: Some(hex.to_owned()),
    }
}

/// Whether `target` is a facility target (for callers that need its id).
pub(crate) fn target_facility(target: &Target) -> Option<&str> {
    match target {
        Target::Facility(f) => Some(f),
        Target::Goods(_) => None,
    }
}
