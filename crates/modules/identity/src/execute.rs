//! The [`Module`] impl: how every validator executes the `identity.*` kinds, over the body
//! types of [`crate::body`] and the state of [`crate::state`].

use crate::body::Body;
use crate::rules::{DidState, StatusChange};
use crate::state::{Child, Issued, MISSING_FEED};
use crate::state::{TRUST_INDEX, child_cred_key, child_key, controller_key, did_key, issued_key};
use crate::{body, rules};
use serde_json::Value;
use unchain_credentials::status::Status;
use unchain_ledger::refuse as reject;
use unchain_ledger::state::{decode, encode};
use unchain_ledger::{BodyError, ExecContext, ExecError, KindSpec, Module, Role};
use unchain_types::Code;

/// The `identity.*` kinds.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "identity.did_create",
        role: Role::Identity,
        summary: "create a did:unchain controlled by your organisation, with its first key",
    },
    KindSpec {
        kind: "identity.did_rotate",
        role: Role::Identity,
        summary: "replace a DID's key; the old key signs nothing from now on",
    },
    KindSpec {
        kind: "identity.did_deactivate",
        role: Role::Identity,
        summary: "retire a DID: nothing it signed verifies any more",
    },
    KindSpec {
        kind: "identity.issue",
        role: Role::Identity,
        summary: "record a credential's issuance: digest, type, status index, the child it is about",
    },
    KindSpec {
        kind: "identity.status",
        role: Role::Identity,
        summary: "revoke (final), suspend or reinstate a credential you issued",
    },
    KindSpec {
        kind: "identity.child_register",
        role: Role::Identity,
        summary: "register a child (pseudonymous id) whose data you sealed in your vault",
    },
    KindSpec {
        kind: "identity.missing",
        role: Role::Identity,
        summary: "flag a registered child missing, or found; every organisation is told",
    },
];

/// The identity module.
pub struct IdentityModule;

fn load<T: serde::de::DeserializeOwned>(
    ctx: &ExecContext<'_, '_>,
    key: &[u8],
) -> Result<Option<T>, ExecError> {
    Ok(ctx.state.get(key)?.map(|v| decode(&v)))
}

fn controlled_did(ctx: &ExecContext<'_, '_>, did: &str) -> Result<DidState, ExecError> {
    let state: DidState = load(ctx, &did_key(did))?
        .ok_or_else(|| reject(Code::NotFound, format!("did: {did} does not exist")))?;
    if state.controller != ctx.sender.name {
        return Err(reject(
            Code::NotOwner,
            format!(
                "did: {did} is controlled by {}, not by {}",
                state.controller, ctx.sender.name
            ),
        ));
    }
    if let Some(d) = &state.deactivated {
        return Err(reject(
            Code::Deactivated,
            format!(
                "did: {did} was deactivated ({}); it issues nothing",
                d.reason
            ),
        ));
    }
    Ok(state)
}

impl IdentityModule {
    fn run(&self, ctx: &mut ExecContext<'_, '_>, body: &Body) -> Result<(), ExecError> {
        let sender = ctx.sender.name.clone();
        let log = ctx.log_index;
        let trust = format!("{TRUST_INDEX}{log:020}").into_bytes();
        match body {
            Body::DidCreate(b) => {
                let state = rules::create(&ctx.tx_id, &sender, b, log);
                if ctx.state.get(&did_key(&state.did))?.is_some() {
                    return Err(reject(
                        Code::AlreadyExists,
                        format!("did: {} already exists", state.did),
                    ));
                }
                ctx.state.put(&controller_key(&sender, &state.did), &[])?;
                ctx.state.put(&did_key(&state.did), &encode(&state))?;
                ctx.state.put(&trust, &[])?;
            }
            Body::DidRotate(b) => {
                let state: DidState = load(ctx, &did_key(&b.did))?.ok_or_else(|| {
                    reject(Code::NotFound, format!("did: {} does not exist", b.did))
                })?;
                let next = rules::rotate(&state, &sender, b, log).map_err(ExecError::Refused)?;
                ctx.state.put(&did_key(&b.did), &encode(&next))?;
                ctx.state.put(&trust, &[])?;
            }
            Body::DidDeactivate(b) => {
                let state: DidState = load(ctx, &did_key(&b.did))?.ok_or_else(|| {
                    reject(Code::NotFound, format!("did: {} does not exist", b.did))
                })?;
                let next =
                    rules::deactivate(&state, &sender, b, log).map_err(ExecError::Refused)?;
                ctx.state.put(&did_key(&b.did), &encode(&next))?;
                ctx.state.put(&trust, &[])?;
            }
            Body::Issue(b) => {
                controlled_did(ctx, &b.issuer)?;
                if let Some(prev) = load::<Issued>(ctx, &issued_key(&b.issuer, b.idx))? {
                    return Err(reject(
                        Code::AlreadyExists,
                        format!(
                            "idx: {} of {} was taken at log index {}; ask the node for the next free index",
                            b.idx, b.issuer, prev.log_index
                        ),
                    ));
                }
                if let Some(c) = &b.child
                    && ctx.state.get(&child_key(c))?.is_none()
                {
                    return Err(reject(
                        Code::NotFound,
                        format!("child: {c} is not registered"),
                    ));
                }
                if let Some(c) = &b.child {
                    ctx.state
                        .put(&child_cred_key(c, log), &issued_key(&b.issuer, b.idx))?;
                }
                let issued = Issued {
                    issuer: b.issuer.clone(),
                    idx: b.idx,
                    vct: b.vct.clone(),
                    digest: b.digest,
                    child: b.child.clone(),
                    member: sender,
                    at_ms: b.at_ms,
                    log_index: log,
                    tx_id: ctx.tx_id,
                    status: Status::Valid,
                    changes: Vec::new(),
                };
                ctx.state
                    .put(&issued_key(&b.issuer, b.idx), &encode(&issued))?;
            }
            Body::Status(b) => {
                controlled_did(ctx, &b.issuer)?;
                let mut issued: Issued =
                    load(ctx, &issued_key(&b.issuer, b.idx))?.ok_or_else(|| {
                        reject(
                            Code::NotFound,
                            format!("idx: {} of {} was never issued", b.idx, b.issuer),
                        )
                    })?;
                rules::check_status(issued.status, b).map_err(ExecError::Refused)?;
                issued.status = b.status;
                issued.changes.push(StatusChange {
                    status: b.status,
                    reason: b.reason.clone(),
                    at_ms: b.at_ms,
                    log_index: log,
                    tx_id: ctx.tx_id,
                });
                ctx.state
                    .put(&issued_key(&b.issuer, b.idx), &encode(&issued))?;
                ctx.state.put(&trust, &[])?;
            }
            Body::ChildRegister(b) => {
                if let Some(c) = load::<Child>(ctx, &child_key(&b.child))? {
                    return Err(reject(
                        Code::AlreadyExists,
                        format!(
                            "child: {} was registered by {} at log index {}",
                            b.child, c.registrar, c.log_index
                        ),
                    ));
                }
                let (record, _) =
                    unchain_vault::state::record_access(|k| ctx.state.get(k), &b.record, &sender)?
                        .ok_or_else(|| {
                            reject(
                                Code::NotFound,
                                format!(
                                    "record: {} is not a sealed record on this chain",
                                    b.record
                                ),
                            )
                        })?;
                if record.owner != sender {
                    return Err(reject(
                        Code::NotOwner,
                        format!(
                            "record: {} belongs to {}; register a child over your own sealed record",
                            b.record, record.owner
                        ),
                    ));
                }
                if record.erased.is_some() {
                    return Err(reject(
                        Code::Erased,
                        format!("record: {} was erased", b.record),
                    ));
                }
                let child = Child {
                    child: b.child.clone(),
                    registrar: sender,
                    record: b.record,
                    at_ms: b.at_ms,
                    log_index: log,
                    flag: None,
                };
                ctx.state.put(&child_key(&b.child), &encode(&child))?;
            }
            Body::Missing(b) => {
                let mut child: Child = load(ctx, &child_key(&b.child))?.ok_or_else(|| {
                    reject(
                        Code::NotFound,
                        format!("child: {} is not registered", b.child),
                    )
                })?;
                let flag = rules::set_missing(
                    child.flag.as_ref(),
                    &sender,
                    Some(&child.registrar),
                    b,
                    log,
                )
                .map_err(ExecError::Refused)?;
                ctx.state.put(
                    format!("{MISSING_FEED}{log:020}").as_bytes(),
                    &encode(&flag),
                )?;
                child.flag = Some(flag);
                ctx.state.put(&child_key(&b.child), &encode(&child))?;
                ctx.state.put(&trust, &[])?;
            }
        }
        Ok(())
    }
}

impl Module for IdentityModule {
    type Body = Body;

    fn name(&self) -> &'static str {
        "identity"
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn parse_body(&self, kind: &str, body: &Value) -> Result<Body, BodyError> {
        body::parse(kind, body)
    }

    fn execute(&self, ctx: &mut ExecContext<'_, '_>, body: &Body) -> Result<(), ExecError> {
        rules::check_time(body.at_ms(), ctx.timestamp_ms)
            .map_err(|e| reject(Code::SignedTime, e))?;
        self.run(ctx, body)
    }
}
