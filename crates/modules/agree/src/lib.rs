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
//! Still to come (the notes): agreements and their lifecycle on the ledger,
//! schedules and consequences, disputes, the offline re-check, templates, jurisdiction-
//! aware sharing, the CLI, API and console.
#![forbid(unsafe_code)]

pub mod check;
pub mod clause;
pub mod schema;

pub use clause::{Clause, ClauseError};
pub use schema::Schema;
