//! Cases (seed capabilities 2, 3 and 10): allegations, investigations, rescue operations
//! and victim-assistance cases, with a status workflow the ledger enforces
//! ([`workflow`]), referrals to other agencies, and an event history.
//!
//! The case's content — the HTCDS document with its persons, places, phone numbers and
//! story — is never on chain: it is a sealed vault record (`htcds.case`) that the case
//! points to. On chain are the case's id, kind, status, owner, the record it points to,
//! and who did what when. A referral names an agency that already holds a live grant of
//! that record, so a referral never points to something the recipient cannot read.
#![forbid(unsafe_code)]

pub mod workflow;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_ledger::membership::member_named;
use unchain_ledger::module::{check_actor, check_text, parse_body};
use unchain_ledger::refuse as reject;
use unchain_ledger::state::{decode, encode};
use unchain_ledger::{BodyError, ExecContext, ExecError, KindSpec, Module, Role, StateReader};
use unchain_types::{Code, Hash32, TxId};
use workflow::{CaseKind, Needs};

/// The `cases.*` kinds.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "cases.open",
        role: Role::Cases,
        summary: "open an allegation, investigation, rescue operation or case over a sealed HTCDS record",
    },
    KindSpec {
        kind: "cases.transition",
        role: Role::Cases,
        summary: "move a case to another status of its workflow (closing needs an outcome)",
    },
    KindSpec {
        kind: "cases.refer",
        role: Role::Cases,
        summary: "refer a case to an agency that holds a grant of its record",
    },
    KindSpec {
        kind: "cases.update",
        role: Role::Cases,
        summary: "point a case at a newer version of its sealed record",
    },
];

/// The HTCDS reasons for a referral (`cas_ReasonForOutgoingReferral`).
pub const REFERRAL_REASONS: [&str; 3] = [
    "AdditionalServicesRequired",
    "MigrationOrChangeOfLocation",
    "Other",
];

/// `cases.open`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Open {
    /// The case id.
    pub case: String,
    /// What it is.
    pub kind: CaseKind,
    /// The sealed HTCDS record (the sender's own).
    pub record: Hash32,
    /// The acting user.
    pub actor: String,
    /// A case this one follows from (an investigation opened on an allegation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// `cases.transition`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// The case id.
    pub case: String,
    /// The status the sender saw (refused if it is no longer current).
    pub from: String,
    /// The new status.
    pub to: String,
    /// The acting user.
    pub actor: String,
    /// Required to close: one of [`workflow::outcomes`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Why (public; no personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `cases.refer`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Refer {
    /// The case id.
    pub case: String,
    /// The agency referred to.
    pub to: String,
    /// One of [`REFERRAL_REASONS`].
    pub reason: String,
    /// The acting user.
    pub actor: String,
}

/// `cases.update`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Update {
    /// The case id.
    pub case: String,
    /// The record's version the case now points to (its latest).
    pub version: u32,
    /// The acting user.
    pub actor: String,
}

/// A parsed body.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Body {
    /// `cases.open`.
    Open(Open),
    /// `cases.transition`.
    Transition(Transition),
    /// `cases.refer`.
    Refer(Refer),
    /// `cases.update`.
    Update(Update),
}

/// Checks a case id: 1 to 64 characters of `A-Z`, `a-z`, `0-9`, `.`, `_`, `/` and `-`.
pub fn check_case_id(field: &str, s: &str) -> Result<(), BodyError> {
    let ok = (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(BodyError::new(
            field,
            "must be a case id: 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', '/' and '-'",
        ))
    }
}

/// Parses and checks a body without state, naming the offending field.
pub fn parse(kind: &str, body: &Value) -> Result<Body, BodyError> {
    let b = match kind {
        "cases.open" => {
            let o: Open = parse_body(body)?;
            check_case_id("case", &o.case)?;
            check_actor("actor", &o.actor)?;
            if let Some(p) = &o.parent {
                check_case_id("parent", p)?;
            }
            Body::Open(o)
        }
        "cases.transition" => {
            let t: Transition = parse_body(body)?;
            check_case_id("case", &t.case)?;
            check_actor("actor", &t.actor)?;
            if let Some(r) = &t.reason {
                check_text("reason", r)?;
            }
            Body::Transition(t)
        }
        "cases.refer" => {
            let r: Refer = parse_body(body)?;
            check_case_id("case", &r.case)?;
            check_actor("actor", &r.actor)?;
            if !REFERRAL_REASONS.contains(&r.reason.as_str()) {
                return Err(BodyError::new(
                    "reason",
                    format!(
                        "{:?} is not an HTCDS referral reason (one of {})",
                        r.reason,
                        REFERRAL_REASONS.join(", ")
                    ),
                ));
            }
            Body::Refer(r)
        }
        "cases.update" => {
            let u: Update = parse_body(body)?;
            check_case_id("case", &u.case)?;
            check_actor("actor", &u.actor)?;
            Body::Update(u)
        }
        other => return Err(BodyError::new("", format!("unknown kind {other}"))),
    };
    Ok(b)
}

/// A case as state keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Its id.
    pub case: String,
    /// What it is.
    pub kind: CaseKind,
    /// Its current status.
    pub status: String,
    /// The organisation that opened it.
    pub owner: String,
    /// The sealed HTCDS record.
    pub record: Hash32,
    /// The record version it points to.
    pub record_version: u32,
    /// The case it follows from.
    pub parent: Option<String>,
    /// The outcome it was last closed with.
    pub outcome: Option<String>,
    /// Agencies it was referred to, in order.
    pub referred_to: Vec<String>,
    /// Block time it was opened.
    pub opened_ms: u64,
    /// How many events it has.
    pub events: u32,
}

/// What a case event did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// Opened in its initial status.
    Opened {
        /// The initial status.
        status: String,
    },
    /// Moved from one status to another.
    Transitioned {
        /// Before.
        from: String,
        /// After.
        to: String,
        /// The outcome named.
        outcome: Option<String>,
        /// Why.
        reason: Option<String>,
    },
    /// Referred to an agency.
    Referred {
        /// The agency.
        to: String,
        /// The HTCDS reason.
        reason: String,
    },
    /// Pointed at a newer record version.
    Updated {
        /// The version.
        version: u32,
    },
}

/// One event in a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvent {
    /// 1, 2, 3, …
    pub seq: u32,
    /// What changed.
    pub change: Change,
    /// The signing organisation.
    pub member: String,
    /// The acting user.
    pub actor: String,
    /// The transaction.
    pub tx_id: TxId,
    /// Its leaf in the log.
    pub log_index: u64,
    /// Block time.
    pub time_ms: u64,
}

/// A referral, as the referred agency's inbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// The case.
    pub case: String,
    /// Its kind.
    pub kind: CaseKind,
    /// The referring agency.
    pub from: String,
    /// The HTCDS reason.
    pub reason: String,
    /// The sealed record the referred agency may now read.
    pub record: Hash32,
    /// The referring transaction.
    pub tx_id: TxId,
    /// Its leaf in the log.
    pub log_index: u64,
    /// Block time.
    pub time_ms: u64,
}

fn case_key(id: &str) -> Vec<u8> {
    format!("cases/case/{id}").into_bytes()
}

fn event_key(id: &str, seq: u32) -> Vec<u8> {
    format!("cases/event/{id}\0{seq:010}").into_bytes()
}

fn owner_key(member: &str, id: &str) -> Vec<u8> {
    format!("cases/owner/{member}/{id}").into_bytes()
}

fn inbox_key(member: &str, log_index: u64) -> Vec<u8> {
    format!("cases/inbox/{member}/{log_index:020}").into_bytes()
}

/// The cases module.
pub struct CasesModule;

fn load_case(ctx: &ExecContext<'_, '_>, id: &str) -> Result<Case, ExecError> {
    ctx.state
        .get(&case_key(id))?
        .map(|v| decode(&v))
        .ok_or_else(|| reject(Code::NotFound, format!("case: {id} does not exist")))
}

fn owned_case(ctx: &ExecContext<'_, '_>, id: &str) -> Result<Case, ExecError> {
    let case = load_case(ctx, id)?;
    if case.owner != ctx.sender.name {
        return Err(reject(
            Code::NotOwner,
            format!(
                "case {id} belongs to {}; only its owner changes it",
                case.owner
            ),
        ));
    }
    Ok(case)
}

fn record_access(
    ctx: &ExecContext<'_, '_>,
    record: &Hash32,
    member: &str,
) -> Result<
    Option<(
        unchain_vault::state::Record,
        Option<unchain_vault::state::Access>,
    )>,
    ExecError,
> {
    Ok(unchain_vault::state::record_access(
        |k| ctx.state.get(k),
        record,
        member,
    )?)
}

impl CasesModule {
    fn plan(&self, ctx: &ExecContext<'_, '_>, body: &Body) -> Result<(Case, Change), ExecError> {
        match body {
            Body::Open(o) => {
                if ctx.state.get(&case_key(&o.case))?.is_some() {
                    return Err(reject(
                        Code::AlreadyExists,
                        format!("case: {} already exists", o.case),
                    ));
                }
                if let Some(p) = &o.parent {
                    load_case(ctx, p).map_err(|_| {
                        reject(Code::NotFound, format!("parent: case {p} does not exist"))
                    })?;
                }
                let (record, _) =
                    record_access(ctx, &o.record, &ctx.sender.name)?.ok_or_else(|| {
                        reject(
                            Code::NotFound,
                            format!("record: {} is not a sealed record on this chain", o.record),
                        )
                    })?;
                if record.owner != ctx.sender.name {
                    return Err(reject(
                        Code::NotOwner,
                        format!(
                            "record: {} belongs to {}; a case points to its owner's own record",
                            o.record, record.owner
                        ),
                    ));
                }
                if record.erased.is_some() {
                    return Err(reject(
                        Code::Erased,
                        format!("record: {} was erased", o.record),
                    ));
                }
                let status = o.kind.initial().to_owned();
                Ok((
                    Case {
                        case: o.case.clone(),
                        kind: o.kind,
                        status: status.clone(),
                        owner: ctx.sender.name.clone(),
                        record: o.record,
                        record_version: record.latest_version,
                        parent: o.parent.clone(),
                        outcome: None,
                        referred_to: Vec::new(),
                        opened_ms: ctx.timestamp_ms,
                        events: 1,
                    },
                    Change::Opened { status },
                ))
            }
            Body::Transition(t) => {
                let mut case = owned_case(ctx, &t.case)?;
                if t.from != case.status {
                    return Err(reject(
                        Code::StaleVersion,
                        format!(
                            "from: case {} is {}, not {}: it changed since you looked",
                            t.case, case.status, t.from
                        ),
                    ));
                }
                let needs =
                    workflow::transition(case.kind, &case.status, &t.to).map_err(|next| {
                        let next = if next.is_empty() {
                            "none: it is final".to_owned()
                        } else {
                            next.join(", ")
                        };
                        reject(
                            Code::BadTransition,
                            format!(
                                "to: {} {} cannot go from {} to {} (allowed next: {next})",
                                case.kind.name(),
                                t.case,
                                case.status,
                                t.to
                            ),
                        )
                    })?;
                let allowed = workflow::outcomes(case.kind);
                match (&t.outcome, needs) {
                    (None, Needs::Outcome | Needs::OutcomeAndReferral) => {
                        return Err(reject(
                            Code::BadTransition,
                            format!(
                                "outcome: is required to move to {} (one of {})",
                                t.to,
                                allowed.join(", ")
                            ),
                        ));
                    }
                    (Some(o), Needs::Nothing) => {
                        return Err(reject(
                            Code::BadTransition,
                            format!("outcome: {o:?} is not taken when moving to {}", t.to),
                        ));
                    }
                    (Some(o), _) if !allowed.contains(&o.as_str()) => {
                        return Err(reject(
                            Code::BadTransition,
                            format!(
                                "outcome: {o:?} is not an outcome of kind {} (one of {})",
                                case.kind.name(),
                                allowed.join(", ")
                            ),
                        ));
                    }
                    _ => {}
                }
                if needs == Needs::OutcomeAndReferral && case.referred_to.is_empty() {
                    return Err(reject(
                        Code::BadTransition,
                        format!(
                            "to: case {} has not been referred to anyone; refer it before closing it as ClosedReferred",
                            t.case
                        ),
                    ));
                }
                let change = Change::Transitioned {
                    from: case.status.clone(),
                    to: t.to.clone(),
                    outcome: t.outcome.clone(),
                    reason: t.reason.clone(),
                };
                case.status = t.to.clone();
                if t.outcome.is_some() {
                    case.outcome = t.outcome.clone();
                }
                case.events += 1;
                Ok((case, change))
            }
            Body::Refer(r) => {
                let mut case = owned_case(ctx, &r.case)?;
                if r.to == case.owner {
                    return Err(reject(
                        Code::BadTransition,
                        "to: a case is not referred to its own owner",
                    ));
                }
                if member_named(ctx.state, &r.to)?.is_none() {
                    return Err(reject(
                        Code::UnknownMember,
                        format!("to: {} is not a member", r.to),
                    ));
                }
                let (_, access) = record_access(ctx, &case.record, &r.to)?.ok_or_else(|| {
                    reject(Code::Erased, format!("case {}'s record is gone", r.case))
                })?;
                if access.is_none() {
                    return Err(reject(
                        Code::NoAccess,
                        format!(
                            "to: {} holds no grant of record {}: grant it (vault.grant) before referring",
                            r.to, case.record
                        ),
                    ));
                }
                if !case.referred_to.contains(&r.to) {
                    case.referred_to.push(r.to.clone());
                }
                case.events += 1;
                Ok((
                    case,
                    Change::Referred {
                        to: r.to.clone(),
                        reason: r.reason.clone(),
                    },
                ))
            }
            Body::Update(u) => {
                let mut case = owned_case(ctx, &u.case)?;
                let (record, _) =
                    record_access(ctx, &case.record, &case.owner)?.ok_or_else(|| {
                        reject(Code::Erased, format!("case {}'s record is gone", u.case))
                    })?;
                if u.version != record.latest_version || u.version <= case.record_version {
                    return Err(reject(
                        Code::StaleVersion,
                        format!(
                            "version: the case is at version {} and its record's latest is {}; name the latest, newer version",
                            case.record_version, record.latest_version
                        ),
                    ));
                }
                case.record_version = u.version;
                case.events += 1;
                Ok((case, Change::Updated { version: u.version }))
            }
        }
    }
}

fn actor_of(body: &Body) -> &str {
    match body {
        Body::Open(o) => &o.actor,
        Body::Transition(t) => &t.actor,
        Body::Refer(r) => &r.actor,
        Body::Update(u) => &u.actor,
    }
}

impl Module for CasesModule {
    type Body = Body;

    fn name(&self) -> &'static str {
        "cases"
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn parse_body(&self, kind: &str, body: &Value) -> Result<Body, BodyError> {
        parse(kind, body)
    }

    fn execute(&self, ctx: &mut ExecContext<'_, '_>, body: &Body) -> Result<(), ExecError> {
        let (case, change) = self.plan(ctx, body)?;
        // Every check is done; now write.
        if let Change::Referred { to, reason } = &change {
            let referral = Referral {
                case: case.case.clone(),
                kind: case.kind,
                from: case.owner.clone(),
                reason: reason.clone(),
                record: case.record,
                tx_id: ctx.tx_id,
                log_index: ctx.log_index,
                time_ms: ctx.timestamp_ms,
            };
            ctx.state
                .put(&inbox_key(to, ctx.log_index), &encode(&referral))?;
        }
        if let Change::Opened { .. } = &change {
            ctx.state.put(&owner_key(&case.owner, &case.case), &[])?;
        }
        let event = CaseEvent {
            seq: case.events,
            change,
            member: ctx.sender.name.clone(),
            actor: actor_of(body).to_owned(),
            tx_id: ctx.tx_id,
            log_index: ctx.log_index,
            time_ms: ctx.timestamp_ms,
        };
        ctx.state
            .put(&event_key(&case.case, case.events), &encode(&event))?;
        ctx.state.put(&case_key(&case.case), &encode(&case))?;
        Ok(())
    }
}

/// A case as state holds it, read through `get`: how another module, executing, checks
/// a case it points to.
pub fn case_in(
    get: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, redb::StorageError>,
    id: &str,
) -> Result<Option<Case>, redb::StorageError> {
    Ok(get(&case_key(id))?.map(|v| decode(&v)))
}

/// A case and its history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseView {
    /// The case.
    pub case: Case,
    /// Its events, oldest first.
    pub events: Vec<CaseEvent>,
}

/// A case and its events, if it exists.
pub fn case(reader: &StateReader, id: &str) -> Result<Option<CaseView>, redb::StorageError> {
    let Some(case) = reader.get(&case_key(id))?.map(|v| decode::<Case>(&v)) else {
        return Ok(None);
    };
    let events = reader
        .scan_prefix(format!("cases/event/{id}\0").as_bytes())?
        .into_iter()
        .map(|(_, v)| decode(&v))
        .collect();
    Ok(Some(CaseView { case, events }))
}

/// Cases `member` opened, by id.
pub fn owned_by(reader: &StateReader, member: &str) -> Result<Vec<Case>, redb::StorageError> {
    let prefix = format!("cases/owner/{member}/");
    let mut out = Vec::new();
    for (key, _) in reader.scan_prefix(prefix.as_bytes())? {
        let id = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
        if let Some(v) = reader.get(&case_key(&id))? {
            out.push(decode(&v));
        }
    }
    Ok(out)
}

/// Referrals to `member` after the inbox key `after` (empty: from the start), oldest first,
/// each with its key (the cursor for the next call).
pub fn referrals(
    reader: &StateReader,
    member: &str,
    after: &[u8],
) -> Result<Vec<(Vec<u8>, Referral)>, redb::StorageError> {
    Ok(reader
        .scan_prefix_after(format!("cases/inbox/{member}/").as_bytes(), after)?
        .into_iter()
        .map(|(k, v)| (k, decode(&v)))
        .collect())
}
