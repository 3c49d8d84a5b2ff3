//! The [`Module`] impl: how every validator executes the `cases.*` kinds, over the body
//! types of [`crate::body`] and the state of [`crate::state`].

use crate::body::{Body, parse};
use crate::rules;
use crate::state::{Case, CaseEvent, Change, Referral};
use crate::state::{case_key, event_key, inbox_key, owner_key};
use serde_json::Value;
use unchain_ledger::membership::member_named;
use unchain_ledger::refuse as reject;
use unchain_ledger::state::{decode, encode};
use unchain_ledger::{BodyError, ExecContext, ExecError, KindSpec, Module, Role};
use unchain_types::{Code, Hash32};

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
                let case = owned_case(ctx, &t.case)?;
                rules::transition(case, t).map_err(ExecError::Refused)
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
                let case = owned_case(ctx, &u.case)?;
                let (record, _) =
                    record_access(ctx, &case.record, &case.owner)?.ok_or_else(|| {
                        reject(Code::Erased, format!("case {}'s record is gone", u.case))
                    })?;
                rules::update(case, u, record.latest_version).map_err(ExecError::Refused)
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
