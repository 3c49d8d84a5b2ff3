//! What every module's body type shares: the error that names a body's field and the
//! reason, and the checks of common fields (free text, pseudonymous user ids, the signed
//! time). Pure functions with no storage, so a module's body types and an offline verifier
//! that replays them need only this crate.

use serde::de::DeserializeOwned;
use serde_json::Value;

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
