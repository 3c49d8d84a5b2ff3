//! Compliance agreements (issue 23, begun): clauses in the Common Expression Language over
//! a versioned schema of ledger facts.
//!
//! - [`schema`]: the facts a clause may read — block time and height, the parties, supply
//!   findings and audits, recruitment fees, wage findings, passports held, published worker
//!   voice — with their types and the most elements each list holds. Versioned; a
//!   published version never changes.
//! - [`check`]: the type check every clause passes before it is accepted: known facts,
//!   operators on the types they take, a bool answer, and a worst-case cost within the
//!   limit. The language is CEL without floating point, unsigned integers, null, bytes,
//!   map literals, iteration over maps, timestamps or regular expressions.
//! - [`clause`]: parsing (the `cel` crate, on a thread with a large stack, nesting and
//!   length bounded), errors that point into the clause, facts checked against the schema,
//!   and evaluation that reads nothing but the facts.
//!
//! - [`body`]: `agree.propose` (every clause compiled and checked when the body is read),
//!   `agree.sign`, `agree.evaluate`; `state`, `facts` and the Module impl (feature
//!   `ledger`): agreements in force once every party signed, clauses evaluated on their
//!   schedule over the facts gathered from state at that height, outcomes with the facts'
//!   digest, and consequences (penalty owed, suspension, notification, escalation);
//!   `rules` (feature `ledger`): when a clause is due, when signatures bring an agreement
//!   into force, what a breach brings — pure, replayable offline.
//! - [`client`]: the `agree.*` bodies as an organisation builds them (a fresh id for a
//!   proposal that has none).
//!
//! Still to come (the notes): amendments and ending, disputes, the offline
//! re-check, templates as files, jurisdiction-aware sharing, the CLI, API and console, and
//! the node's scheduler that submits due evaluations.
#![forbid(unsafe_code)]

pub mod body;
pub mod check;
pub mod clause;
pub mod client;
#[cfg(feature = "ledger")]
mod execute;
#[cfg(feature = "ledger")]
pub mod facts;
#[cfg(feature = "ledger")]
pub mod rules;
pub mod schema;
#[cfg(feature = "ledger")]
pub mod state;

pub use clause::{Clause, ClauseError, Facts};
#[cfg(feature = "ledger")]
pub use execute::{AgreeModule, KINDS};
pub use schema::Schema;
