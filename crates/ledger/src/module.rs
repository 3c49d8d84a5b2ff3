//! The interface every domain module implements, and the context it executes in.

use crate::genesis::{Member, Role};
use crate::state::StateWriter;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::any::Any;
use std::sync::Arc;
use unchain_types::{Code, Refusal, TxId};

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

/// A body that does not match its kind's schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("body.{field}: {reason}")]
pub struct BodyError {
    /// Path of the offending member inside `body`.
    pub field: String,
    /// What is wrong and what is expected.
    pub reason: String,
}

impl BodyError {
    /// A body error at `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        BodyError {
            field: field.into(),
            reason: reason.into(),
        }
    }
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

/// How far a signed `at_ms` may lie ahead of the block's time.
pub const SIGNED_AHEAD_MS: u64 = 5 * 60 * 1000;

/// How far a signed `at_ms` may lie behind the block's time (a transaction waiting in a
/// mempool, a node catching up).
pub const SIGNED_BEHIND_MS: u64 = 15 * 60 * 1000;

/// Checks the time a body says it was signed (`at_ms`) against its block's: at most
/// [`SIGNED_AHEAD_MS`] after, at most [`SIGNED_BEHIND_MS`] before, so that the leaf proves
/// when it happened to within minutes.
pub fn check_signed_time(at_ms: u64, block_ms: u64) -> Result<(), String> {
    if at_ms > block_ms + SIGNED_AHEAD_MS {
        return Err(format!(
            "at_ms: {at_ms} is more than 5 minutes after the block's time {block_ms}"
        ));
    }
    if at_ms + SIGNED_BEHIND_MS < block_ms {
        return Err(format!(
            "at_ms: {at_ms} is more than 15 minutes before the block's time {block_ms}"
        ));
    }
    Ok(())
}

/// Reads a required string member of `body`.
pub fn body_str<'v>(body: &'v Value, field: &str, max_len: usize) -> Result<&'v str, BodyError> {
    let s = body
        .get(field)
        .ok_or_else(|| BodyError::new(field, "is missing"))?
        .as_str()
        .ok_or_else(|| BodyError::new(field, "must be a string"))?;
    if s.len() > max_len {
        return Err(BodyError::new(
            field,
            format!("is {} bytes; at most {max_len} allowed", s.len()),
        ));
    }
    Ok(s)
}

/// Rejects members of `body` not in `allowed`.
pub fn body_only(body: &Value, allowed: &[&str]) -> Result<(), BodyError> {
    let map = body
        .as_object()
        .ok_or_else(|| BodyError::new("", "must be an object"))?;
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(BodyError::new(
            k.clone(),
            format!("is not allowed here (allowed: {})", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

/// Longest free-text field (purpose, reason, location), in bytes: short enough that nobody
/// mistakes it for a place to write a story, which would hold personal data.
pub const MAX_TEXT: usize = 200;

/// Parses `body` as `T`, naming the offending field on error.
pub fn parse_body<T: DeserializeOwned>(body: &Value) -> Result<T, BodyError> {
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { String::new() } else { path };
        BodyError::new(field, e.into_inner().to_string())
    })
}

/// Checks a free-text field: 1 to [`MAX_TEXT`] bytes, not blank.
pub fn check_text(field: &str, s: &str) -> Result<(), BodyError> {
    if s.trim().is_empty() {
        return Err(BodyError::new(field, "is empty"));
    }
    if s.len() > MAX_TEXT {
        return Err(BodyError::new(
            field,
            format!(
                "is {} bytes; at most {MAX_TEXT} allowed (no personal data here)",
                s.len()
            ),
        ));
    }
    Ok(())
}

/// Checks a pseudonymous user id: 1 to 64 characters of `a-z`, `0-9` and `-`, starting with
/// a letter or digit. It names an account inside the organisation, never a person.
pub fn check_actor(field: &str, s: &str) -> Result<(), BodyError> {
    let ok = (1..=64).contains(&s.len())
        && s.bytes().next().is_some_and(|b| b != b'-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(BodyError::new(
            field,
            "must be a pseudonymous user id: 1 to 64 characters of a-z, 0-9 and '-' (e.g. \"u-7f3a9c21\")",
        ))
    }
}
