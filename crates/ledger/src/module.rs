//! The interface every domain module implements, and the context it executes in.

use crate::genesis::{Member, Role};
use crate::state::StateWriter;
use serde_json::Value;
use std::any::Any;
use std::sync::Arc;
use unchain_types::{Code, Refusal, TxId};

pub use unchain_types::body::BodyError;

/// One transaction kind a module handles.
#[derive(Debug, Clone, Copy)]
pub struct KindSpec {
    /// `module.action`.
    pub kind: &'static str,
    /// The role a sender must hold.
    pub role: Role,
    /// One line for API docs and `--help`.
    pub summary: &'static str,
}

/// Why a module refused a well-formed, authorised transaction at execution.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// A rule of the module refused it; the transaction is recorded as rejected, with the
    /// refusal's code.
    #[error("{0}")]
    Refused(Refusal),
    /// Storage failed; the whole block is abandoned and retried.
    #[error("storage: {0}")]
    Storage(#[from] redb::StorageError),
}

/// A module's refusal at execution: its stable `code` and a message that names the field
/// and the reason.
pub fn refuse(code: Code, message: impl Into<String>) -> ExecError {
    ExecError::Refused(Refusal::new(code, message))
}

/// What a module sees while executing one transaction.
pub struct ExecContext<'a, 't> {
    /// State of every module. Reads reach any module's keys; writes only the executing
    /// module's keyspace (`{name}/…`).
    pub state: &'a mut StateWriter<'t>,
    /// Height of the block being executed.
    pub height: u64,
    /// The block's timestamp: the only clock execution may read.
    pub timestamp_ms: u64,
    /// The log index this transaction receives if it commits.
    pub log_index: u64,
    /// The sending member.
    pub sender: &'a Member,
    /// The transaction's id.
    pub tx_id: TxId,
    /// The transaction's kind (`module.action`).
    pub kind: &'a str,
    /// The digest of the transaction's sidecar, when its signed body commits to erasable
    /// members ([`unchain_types::sidecar`]): what a module records to erase them later
    /// ([`crate::StateWriter::erase_sidecar`]).
    pub erasable: Option<unchain_types::Hash32>,
}

/// A domain module: transaction kinds, their typed bodies, and their effect on state.
///
/// A transaction's body is parsed into [`Module::Body`] once — when the mempool admits it, or
/// when a block from a peer brings it — and execution receives the parsed value.
///
/// Execution must be deterministic: no clock but `ctx.timestamp_ms`, no randomness, no
/// environment, no hash-map iteration.
pub trait Module: Send + Sync + 'static {
    /// The parsed body of any of the module's kinds (an enum of its kinds' bodies).
    type Body: Send + Sync + 'static;

    /// The module's name: the prefix of its kinds and of its state keys.
    fn name(&self) -> &'static str;

    /// The kinds it handles.
    fn kinds(&self) -> &'static [KindSpec];

    /// Parses and checks a body of `kind` against its schema, without state.
    fn parse_body(&self, kind: &str, body: &Value) -> Result<Self::Body, BodyError>;

    /// Applies a parsed, authorised transaction. A module must make every check before its
    /// first write: a transaction that returns `Err(Refused)` must have written nothing,
    /// because the block's writes share one storage transaction.
    fn execute(&self, ctx: &mut ExecContext<'_, '_>, body: &Self::Body) -> Result<(), ExecError>;
}

/// A body parsed by the module that handles its kind, kept from admission to execution.
#[derive(Clone)]
pub struct ParsedBody(Arc<dyn Any + Send + Sync>);

impl std::fmt::Debug for ParsedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ParsedBody")
    }
}

/// A [`Module`] with its body type erased, as the ledger holds it. Every `Module` is one.
pub trait AnyModule: Send + Sync + 'static {
    /// [`Module::name`].
    fn name(&self) -> &'static str;
    /// [`Module::kinds`].
    fn kinds(&self) -> &'static [KindSpec];
    /// [`Module::parse_body`], the result kept opaque.
    fn parse_any(&self, kind: &str, body: &Value) -> Result<ParsedBody, BodyError>;
    /// [`Module::execute`] on a body this module parsed. A `parsed` value that is not this
    /// module's body type is an error of the caller's (never the case when the ledger looked
    /// the module up by kind); it is parsed afresh from `raw` then.
    fn execute_any(
        &self,
        ctx: &mut ExecContext<'_, '_>,
        parsed: &ParsedBody,
        raw: &Value,
    ) -> Result<(), ExecError>;
}

impl<M: Module> AnyModule for M {
    fn name(&self) -> &'static str {
        Module::name(self)
    }

    fn kinds(&self) -> &'static [KindSpec] {
        Module::kinds(self)
    }

    fn parse_any(&self, kind: &str, body: &Value) -> Result<ParsedBody, BodyError> {
        Ok(ParsedBody(Arc::new(self.parse_body(kind, body)?)))
    }

    fn execute_any(
        &self,
        ctx: &mut ExecContext<'_, '_>,
        parsed: &ParsedBody,
        raw: &Value,
    ) -> Result<(), ExecError> {
        match parsed.0.downcast_ref::<M::Body>() {
            Some(body) => self.execute(ctx, body),
            None => {
                let body = self
                    .parse_body(ctx.kind, raw)
                    .map_err(|e| refuse(Code::InvalidBody, format!("field `body`: {e}")))?;
                self.execute(ctx, &body)
            }
        }
    }
}
