//! Stable, machine-readable codes for every refusal the ledger or a node's API can give.
//!
//! A code names *why* something was refused, independent of the message's wording: clients,
//! the console and tests branch on codes, never on message text. The API serves a refusal as
//! an RFC 9457 problem whose `type` is `/problems/{code}`; a rejected transaction's record
//! stores its code. Codes are only ever added to this list, never renamed or reused.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! codes {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $slug:literal, )*) => {
        /// Why something was refused. See the [module docs](self).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[doc = $doc])+ $variant, )*
        }

        impl Code {
            /// Every code, in the order of the documented list.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as served and stored, e.g. `nonce-used`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $slug,)* }
            }

            /// What the code means, one sentence (for the API document and the docs).
            pub fn meaning(self) -> &'static str {
                match self { $(Code::$variant => concat!($($doc),+).trim_ascii(),)* }
            }

            /// The code named `slug`, if it is one.
            pub fn parse(slug: &str) -> Option<Code> {
                match slug { $($slug => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    // A transaction's format and admission (the ledger).
    /// The transaction is not a JSON object of the transaction format, is over the size
    /// limit, or holds a number JCS cannot reproduce.
    MalformedTransaction = "malformed-transaction",
    /// The transaction's signature does not verify under its sender's key.
    BadSignature = "bad-signature",
    /// The transaction names another chain.
    WrongChain = "wrong-chain",
    /// No module handles the transaction's kind.
    UnknownKind = "unknown-kind",
    /// The sender's key belongs to no member.
    NotMember = "not-member",
    /// The sender lacks the role the kind requires.
    MissingRole = "missing-role",
    /// The nonce was already used by this sender.
    NonceUsed = "nonce-used",
    /// The nonce skips ahead of the sender's next one.
    NonceAhead = "nonce-ahead",
    /// The body does not match its kind's schema (the problem names the field).
    InvalidBody = "invalid-body",

    // A module's rules, at execution.
    /// What the transaction or request names does not exist.
    NotFound = "not-found",
    /// What the transaction would create exists already.
    AlreadyExists = "already-exists",
    /// Only the owner (of the record, case, tip or DID) may do this.
    NotOwner = "not-owner",
    /// Only the item's current holder may record this custody event.
    NotHolder = "not-holder",
    /// The custody event's `prev` is not the item's latest event: someone recorded one since.
    StalePrev = "stale-prev",
    /// The version or state the transaction names is no longer the latest.
    StaleVersion = "stale-version",
    /// The record, tip or item was erased or destroyed.
    Erased = "erased",
    /// The workflow does not allow this move from the current state.
    BadTransition = "bad-transition",
    /// The organisation holds no grant for the record.
    NoAccess = "no-access",
    /// Sharing needs the survivor's consent (or a court override), and there is none.
    ConsentRequired = "consent-required",
    /// A signature carried in the body (a survivor's consent, a DID key's proof) does not
    /// verify.
    InvalidSignature = "invalid-signature",
    /// A member the body names does not exist.
    UnknownMember = "unknown-member",
    /// The body names a matching-key epoch other than the current one.
    EpochMismatch = "epoch-mismatch",
    /// A quota or list is full (blind-index tokens per day, a status list).
    LimitReached = "limit-reached",
    /// The retention period has not ended yet.
    TooEarly = "too-early",
    /// The time the body says it was signed is too far from the block's time.
    SignedTime = "signed-time",
    /// The recipients do not match who may hold the record.
    RecipientsMismatch = "recipients-mismatch",
    /// The DID was deactivated; it issues nothing more.
    Deactivated = "deactivated",
    /// A jurisdiction's sharing policy refuses the share (the problem names the policy, its
    /// version and the rule), or forbids holding the record where the recipient is.
    PolicyRefused = "policy-refused",
    /// An attestation does not match what the validators recorded (the problem names the
    /// field).
    OutcomeMismatch = "outcome-mismatch",

    // The node's API.
    /// The request is malformed: a path or query parameter, or a form field (the problem
    /// names it).
    BadRequest = "bad-request",
    /// The request's body is not readable as the expected JSON or form.
    UnreadableBody = "unreadable-body",
    /// The request or transaction is over the size limit.
    TooLarge = "too-large",
    /// A batch holds more transactions than one request may.
    BatchTooLarge = "batch-too-large",
    /// The request carries no valid signature, token or session.
    Unauthenticated = "unauthenticated",
    /// The caller is known but may not do this.
    Forbidden = "forbidden",
    /// Too many requests: wait `retry_after` seconds.
    RateLimited = "rate-limited",
    /// The node's mempool is full: wait `retry_after` seconds and resubmit.
    MempoolFull = "mempool-full",
    /// The client sent its request too slowly.
    RequestTimeout = "request-timeout",
    /// Sign-in is locked after too many failed attempts.
    SignInLocked = "sign-in-locked",
    /// The proof-of-work challenge is missing, expired, spent or unsolved.
    InvalidChallenge = "invalid-challenge",
    /// The ciphertext does not hash to the commitment the ledger holds.
    CommitmentMismatch = "commitment-mismatch",
    /// The node does not hold the ciphertext yet: retry shortly.
    NotYetReceived = "not-yet-received",
    /// No checkpoint covering this entry has been cosigned by a quorum yet: retry shortly.
    NotCosignedYet = "not-cosigned-yet",
    /// The log is empty: there is nothing to prove.
    EmptyLog = "empty-log",
    /// The node cannot serve this now (starting, or a dependency is down): retry shortly.
    Unavailable = "unavailable",
    /// The node failed; the problem's detail says how.
    Internal = "internal",
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Code::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown code {s:?}")))
    }
}

/// A refusal: its stable code and a message for people that names the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// Why, for machines.
    pub code: Code,
    /// Why, for people.
    pub message: String,
}

impl Refusal {
    /// A refusal with `code` and `message`.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Refusal {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for &c in Code::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{s} is not kebab-case"
            );
            assert_eq!(Code::parse(s), Some(c));
            assert!(!c.meaning().is_empty() && c.meaning().ends_with('.'), "{s}");
            let json = serde_json::to_string(&c).expect("json");
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<Code>(&json).expect("parse"), c);
        }
        assert_eq!(Code::parse("no-such-code"), None);
        assert!(serde_json::from_str::<Code>("\"no-such-code\"").is_err());
    }
}
