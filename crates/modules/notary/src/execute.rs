//! The [`Module`] impl: how every validator executes the `notary.*` kinds, over the body
//! types of [`crate::body`] and the state of [`crate::state`].

use crate::body::NotaryBody;
use crate::{body, rules, state};

use serde_json::Value;
use unchain_ledger::{BodyError, ExecContext, ExecError, KindSpec, Module, Role};

/// The notary module.
pub struct NotaryModule;

const KINDS: &[KindSpec] = &[KindSpec {
    kind: "notary.anchor",
    role: Role::Notary,
    summary: "anchor a document's SHA-256 hash with its type and a short public description",
}];

impl Module for NotaryModule {
    type Body = NotaryBody;

    fn name(&self) -> &'static str {
        "notary"
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn parse_body(&self, _kind: &str, body: &Value) -> Result<NotaryBody, BodyError> {
        body::parse(body).map(NotaryBody::Anchor)
    }

    fn execute(&self, ctx: &mut ExecContext<'_, '_>, body: &NotaryBody) -> Result<(), ExecError> {
        let NotaryBody::Anchor(body) = body;
        let anchor = rules::anchor(
            body,
            rules::Logged {
                sender: &ctx.sender.name,
                tx_id: ctx.tx_id,
                height: ctx.height,
                timestamp_ms: ctx.timestamp_ms,
                log_index: ctx.log_index,
            },
        );
        state::KEYS.put(
            ctx.state,
            &state::anchor_key(&anchor.hash, anchor.log_index),
            &anchor,
        )?;
        Ok(())
    }
}
