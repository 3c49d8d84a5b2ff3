//! Anonymous tips (seed capability 7): reports from the public that never identify the
//! reporter, sealed to the intake organisation the moment they arrive, with a receipt code
//! for replies and follow-ups and a proof of receipt the organisation cannot deny.
//!
//! The node that serves the public form seals each report in memory ([`message`]) to its
//! organisation's X25519 key and to a key derived from the reporter's receipt code
//! ([`receipt`]), keeps the ciphertext in its own store, and records `tips.receive` here:
//! the sealed report's commitment, the code's Argon2id locator, and an HMAC commitment of
//! the report's content under a key only the code yields. Replies and follow-ups are
//! `tips.message`; `tips.triage` and `tips.convert` are the agency's inbox work. What the
//! chain holds says that a tip arrived, when, to whom, and how it was handled — never what
//! it says or who sent it. [`bundle`] turns the chain's record into a proof of receipt the
//! reporter checks offline.
#![forbid(unsafe_code)]

pub mod body;
pub mod bundle;
#[cfg(feature = "ledger")]
pub mod client;
#[cfg(feature = "ledger")]
mod execute;
#[cfg(feature = "ledger")]
pub mod holdings;
pub mod message;
pub mod receipt;
pub mod report;
#[cfg(feature = "ledger")]
pub mod rules;
#[cfg(feature = "ledger")]
pub mod state;
pub mod strip;

pub use body::{Author, Body, EraseReason, Keys};
#[cfg(feature = "ledger")]
pub use execute::{KINDS, TipsModule};
#[cfg(feature = "ledger")]
pub use state::{MessageState, Tip, TipErasure, TipView, TriageState, by_locator, inbox, tip};
