//! The notary module: `notary.anchor` records that a document with a given SHA-256 hash
//! existed, what kind of document it is and who anchored it, at the block's time; anyone
//! with the hash can look it up and get the anchoring transaction's inclusion proof.
//!
//! The document itself never touches the chain — only its hash. The short `description`
//! is public to every member: it must not hold personal data (the console and CLI say so).
//!
//! Layout (every module's): `body` (the bodies, both directions), `rules` (what execution
//! does, pure), `state` (keys and queries), `client` (building bodies, for organisations).
#![forbid(unsafe_code)]

pub mod body;
pub mod client;
pub mod rules;
pub mod state;

pub use body::{AnchorBody, MAX_DESCRIPTION, NotaryBody};
pub use state::{Anchor, anchors};

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
