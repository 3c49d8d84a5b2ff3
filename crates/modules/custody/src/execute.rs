//! The [`Module`] impl: how every validator executes the `custody.*` kinds, over the body
//! types of [`crate::body`] and the state of [`crate::state`].

use crate::body::CustodyBody;
use crate::rules;
use crate::rules::Item;
use crate::state::EventRecord;
use crate::state::{case_key, event_key, item_key, waiting_key};
use serde_json::Value;
use unchain_ledger::membership::member_named;
use unchain_ledger::state::{decode, encode};
use unchain_ledger::{BodyError, ExecContext, ExecError, KindSpec, Module, Role, refuse};
use unchain_types::Code;

/// The `custody.*` kinds, one per [`Action`], in [`Action::ALL`]'s order.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "custody.collect",
        role: Role::Custody,
        summary: "an evidence item enters custody: its content hash, a public description, where and why",
    },
    KindSpec {
        kind: "custody.transfer",
        role: Role::Custody,
        summary: "the holder hands an item over; complete when the receiver signs custody.receive",
    },
    KindSpec {
        kind: "custody.receive",
        role: Role::Custody,
        summary: "the receiver of a pending hand-over signs that it took the item",
    },
    KindSpec {
        kind: "custody.cancel",
        role: Role::Custody,
        summary: "the giver or the receiver calls off a pending hand-over",
    },
    KindSpec {
        kind: "custody.analyse",
        role: Role::Custody,
        summary: "the holder examined the item (method, optional hash of the report)",
    },
    KindSpec {
        kind: "custody.seal",
        role: Role::Custody,
        summary: "the holder sealed the item in a numbered evidence bag or container",
    },
    KindSpec {
        kind: "custody.present",
        role: Role::Custody,
        summary: "the holder presented the item in court",
    },
    KindSpec {
        kind: "custody.return",
        role: Role::Custody,
        summary: "the item left custody, returned to its owner (final)",
    },
    KindSpec {
        kind: "custody.destroy",
        role: Role::Custody,
        summary: "the item was destroyed (final)",
    },
];

/// The custody module.
pub struct CustodyModule;

impl Module for CustodyModule {
    type Body = CustodyBody;

    fn name(&self) -> &'static str {
        "custody"
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn parse_body(&self, kind: &str, body: &Value) -> Result<CustodyBody, BodyError> {
        CustodyBody::parse(kind, body)
    }

    fn execute(&self, ctx: &mut ExecContext<'_, '_>, body: &CustodyBody) -> Result<(), ExecError> {
        let CustodyBody { action, event } = body;
        let action = *action;
        let before: Option<Item> = ctx.state.get(&item_key(&event.item))?.map(|v| decode(&v));
        let sender = ctx.sender.name.clone();
        let after = rules::apply(
            before.as_ref(),
            action,
            event,
            &sender,
            ctx.tx_id,
            Some(ctx.timestamp_ms),
        )
        .map_err(ExecError::Refused)?;
        if let Some(to) = &event.to
            && member_named(ctx.state, to)?.is_none()
        {
            return Err(refuse(
                Code::UnknownMember,
                format!("to: {to} is not a member"),
            ));
        }
        // Every check is done; now write.
        let id = event.item;
        if let Some(p) = before.as_ref().and_then(|b| b.pending.as_ref()) {
            ctx.state.delete(&waiting_key(&p.to, &id))?;
        }
        if let Some(p) = &after.pending {
            ctx.state.put(&waiting_key(&p.to, &id), &[])?;
        }
        if let (None, Some(case)) = (&before, &after.case) {
            ctx.state.put(&case_key(case, &id), &[])?;
        }
        let record = EventRecord {
            seq: after.events,
            action,
            member: sender,
            tx_id: ctx.tx_id,
            log_index: ctx.log_index,
            height: ctx.height,
            recorded_ms: ctx.timestamp_ms,
            event: event.clone(),
        };
        ctx.state
            .put(&event_key(&id, after.events), &encode(&record))?;
        ctx.state.put(&item_key(&id), &encode(&after))?;
        Ok(())
    }
}
