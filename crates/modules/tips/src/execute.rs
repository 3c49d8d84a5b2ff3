//! The [`Module`] impl: how every validator executes the `tips.*` kinds, over the body
//! types of [`crate::body`] and the state of [`crate::state`].

use crate::body::{Author, Body, Keys};
use crate::holdings::{ErasedTip, blob_key, erased_key, expiry_key, feed_key};
use crate::state::{MessageState, Tip, TipErasure};
use crate::state::{inbox_key, locator_key, msg_key, tip_key};
use crate::{body, rules};
use serde_json::Value;
use unchain_ledger::refuse as reject;
use unchain_ledger::state::{decode, encode};
use unchain_ledger::{BodyError, ExecContext, ExecError, KindSpec, Module, Role};
use unchain_types::{Code, Hash32};

/// The `tips.*` kinds.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "tips.receive",
        role: Role::Tips,
        summary: "record a tip received through the public form: its sealed report's commitment and the receipt code's locator",
    },
    KindSpec {
        kind: "tips.message",
        role: Role::Tips,
        summary: "add a sealed message to a tip: a reply from the agency, or more from the reporter",
    },
    KindSpec {
        kind: "tips.triage",
        role: Role::Tips,
        summary: "set a tip's priority, category and ILO forced-labour indicators, or close it",
    },
    KindSpec {
        kind: "tips.convert",
        role: Role::Tips,
        summary: "link a tip to the case opened from it",
    },
    KindSpec {
        kind: "tips.erase",
        role: Role::Tips,
        summary: "delete a tip's sealed messages from every node: its intake's decision, or its retention ended",
    },
];

fn check_time(at_ms: u64, block_ms: u64) -> Result<(), ExecError> {
    unchain_types::body::check_signed_time(at_ms, block_ms).map_err(|e| reject(Code::SignedTime, e))
}

/// The tips module.
pub struct TipsModule;

fn own_tip(ctx: &ExecContext<'_, '_>, id: &str) -> Result<Tip, ExecError> {
    let tip: Tip = ctx
        .state
        .get(&tip_key(id))?
        .map(|v| decode(&v))
        .ok_or_else(|| reject(Code::NotFound, format!("tip: {id} does not exist")))?;
    if tip.intake != ctx.sender.name {
        return Err(reject(
            Code::NotOwner,
            format!(
                "tip {id} was handed to {}; only it handles the tip",
                tip.intake
            ),
        ));
    }
    if tip.erased.is_some() {
        return Err(reject(Code::Erased, format!("tip {id} was erased")));
    }
    Ok(tip)
}

use crate::rules::expiry;

impl TipsModule {
    fn plan(
        &self,
        ctx: &ExecContext<'_, '_>,
        body: &Body,
    ) -> Result<(Tip, Option<MessageState>), ExecError> {
        let message = |tip: &Tip,
                       msg: &str,
                       from: Author,
                       commitment: Hash32,
                       size: u64,
                       keys: &Keys,
                       receipt: Option<Hash32>,
                       actor: Option<String>,
                       at_ms: u64| MessageState {
            seq: tip.messages,
            msg: msg.to_owned(),
            from,
            commitment,
            size,
            keys: keys.clone(),
            receipt,
            actor,
            at_ms,
            tx_id: ctx.tx_id,
            log_index: ctx.log_index,
            time_ms: ctx.timestamp_ms,
        };
        match body {
            Body::Receive(r) => {
                check_time(r.at_ms, ctx.timestamp_ms)?;
                if ctx.state.get(&tip_key(&r.tip))?.is_some() {
                    return Err(reject(
                        Code::AlreadyExists,
                        format!("tip: {} already exists", r.tip),
                    ));
                }
                if ctx.state.get(&locator_key(&r.locator))?.is_some() {
                    return Err(reject(
                        Code::AlreadyExists,
                        "locator: already names another tip",
                    ));
                }
                let tip = Tip {
                    tip: r.tip.clone(),
                    intake: ctx.sender.name.clone(),
                    form: r.form.clone(),
                    locator: r.locator,
                    reporter_key: r.reporter_key.clone(),
                    status: "new".into(),
                    triage: None,
                    case: None,
                    messages: 1,
                    received_ms: ctx.timestamp_ms,
                    tx_id: ctx.tx_id,
                    log_index: ctx.log_index,
                    retention_days: r.retention_days,
                    expires_ms: expiry(r.retention_days, ctx.timestamp_ms),
                    erased: None,
                };
                let m = message(
                    &tip,
                    &r.msg,
                    Author::Reporter,
                    r.commitment,
                    r.size,
                    &r.keys,
                    Some(r.receipt),
                    None,
                    r.at_ms,
                );
                Ok((tip, Some(m)))
            }
            Body::Message(m) => {
                check_time(m.at_ms, ctx.timestamp_ms)?;
                let mut tip = own_tip(ctx, &m.tip)?;
                let taken = ctx
                    .state
                    .scan_prefix(format!("tips/msg/{}\0", m.tip).as_bytes())?
                    .iter()
                    .any(|(_, v)| decode::<MessageState>(v).msg == m.msg);
                if taken {
                    return Err(reject(
                        Code::AlreadyExists,
                        format!("msg: {} is already a message of this tip", m.msg),
                    ));
                }
                tip.messages += 1;
                let st = message(
                    &tip,
                    &m.msg,
                    m.from,
                    m.commitment,
                    m.size,
                    &m.keys,
                    m.receipt,
                    m.actor.clone(),
                    m.at_ms,
                );
                Ok((tip, Some(st)))
            }
            Body::Triage(t) => {
                let tip = own_tip(ctx, &t.tip)?;
                let tip = rules::triage(tip, t, ctx.timestamp_ms).map_err(ExecError::Refused)?;
                Ok((tip, None))
            }
            Body::Convert(c) => {
                let mut tip = own_tip(ctx, &c.tip)?;
                if let Some(case) = &tip.case {
                    return Err(reject(
                        Code::AlreadyExists,
                        format!("tip {} already became case {case}", c.tip),
                    ));
                }
                let case =
                    unchain_cases::case_in(|k| ctx.state.get(k), &c.case)?.ok_or_else(|| {
                        reject(
                            Code::NotFound,
                            format!("case: {} does not exist; open it first", c.case),
                        )
                    })?;
                if case.owner != ctx.sender.name {
                    return Err(reject(
                        Code::NotOwner,
                        format!(
                            "case: {} belongs to {}; a tip becomes its intake's own case",
                            c.case, case.owner
                        ),
                    ));
                }
                tip.case = Some(c.case.clone());
                tip.status = "converted".into();
                Ok((tip, None))
            }
            Body::Erase(e) => {
                let mut tip: Tip = ctx
                    .state
                    .get(&tip_key(&e.tip))?
                    .map(|v| decode(&v))
                    .ok_or_else(|| {
                        reject(Code::NotFound, format!("tip: {} does not exist", e.tip))
                    })?;
                rules::erase(&tip, e, &ctx.sender.name, ctx.timestamp_ms)
                    .map_err(ExecError::Refused)?;
                tip.status = "erased".into();
                tip.erased = Some(TipErasure {
                    reason: e.reason,
                    by: ctx.sender.name.clone(),
                    time_ms: ctx.timestamp_ms,
                    tx_id: ctx.tx_id,
                });
                Ok((tip, None))
            }
        }
    }
}

impl Module for TipsModule {
    type Body = Body;

    fn name(&self) -> &'static str {
        "tips"
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn parse_body(&self, kind: &str, body: &Value) -> Result<Body, BodyError> {
        body::parse(kind, body)
    }

    fn execute(&self, ctx: &mut ExecContext<'_, '_>, body: &Body) -> Result<(), ExecError> {
        let (mut tip, message) = self.plan(ctx, body)?;
        // Every check is done; now write.
        if let Body::Receive(r) = &body {
            ctx.state
                .put(&locator_key(&r.locator), tip.tip.as_bytes())?;
            ctx.state
                .put(&inbox_key(&tip.intake, ctx.log_index), tip.tip.as_bytes())?;
        }
        if let Some(m) = message {
            ctx.state.put(&msg_key(&tip.tip, m.seq), &encode(&m))?;
            ctx.state
                .put(&blob_key(&m.commitment), tip.tip.as_bytes())?;
            ctx.state.put(&feed_key(ctx.log_index), &m.commitment.0)?;
        }
        // Retention runs from the last activity; an erased tip has none left.
        if let Some(old) = tip.expires_ms {
            ctx.state.delete(&expiry_key(old, &tip.tip))?;
        }
        tip.expires_ms = match tip.erased {
            Some(_) => None,
            None => expiry(tip.retention_days, ctx.timestamp_ms),
        };
        if let Some(at) = tip.expires_ms {
            ctx.state
                .put(&expiry_key(at, &tip.tip), tip.intake.as_bytes())?;
        }
        if tip.erased.is_some() {
            let commitments = ctx
                .state
                .scan_prefix(format!("tips/msg/{}\0", tip.tip).as_bytes())?
                .iter()
                .map(|(_, v)| decode::<MessageState>(v).commitment)
                .collect();
            let entry = ErasedTip {
                tip: tip.tip.clone(),
                commitments,
            };
            ctx.state.put(&erased_key(ctx.log_index), &encode(&entry))?;
        }
        ctx.state.put(&tip_key(&tip.tip), &encode(&tip))?;
        Ok(())
    }
}
