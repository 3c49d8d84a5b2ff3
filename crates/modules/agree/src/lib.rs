//! Compliance agreements (issue 23): clauses in the Common Expression Language over
//! a versioned schema of ledger facts. The language itself — the type check, the cost
//! bound, parsing and evaluation — is `unchain-clause`, re-exported here as [`check`] and
//! [`clause`].
//!
//! - [`schema`]: the facts a clause may read — block time and height, the parties, supply
//!   findings and audits, recruitment fees, wage findings, passports held, published worker
//!   voice — with their types and the most elements each list holds. Versioned; a
//!   published version never changes.
//!
//! - [`body`]: `agree.propose` (every clause compiled and checked when the body is read),
//!   `agree.sign`, `agree.evaluate`; `state`, `facts` and the Module impl (feature
//!   `ledger`): agreements in force once every party signed, clauses evaluated on their
//!   schedule over the facts gathered from state at that height, outcomes with the facts'
//!   digest, and consequences (penalty owed, suspension, notification, escalation);
//!   `rules` (feature `ledger`): when a clause is due, when signatures bring an agreement
//!   into force, what a breach brings — pure, replayable offline.
//! - [`bundle`]: an outcome's bundle (the proposal, the signatures, the evaluation and the
//!   attestation with their inclusion proofs, and the facts read) and its offline re-check;
//!   `agree.attest` copies an outcome into the log, accepted only if it matches what every
//!   validator recorded.
//! - [`client`]: the `agree.*` bodies as an organisation builds them (a fresh id for a
//!   proposal that has none).
//!
//! - [`fact_proofs`]: the rows of state each evaluation read (recorded by every validator,
//!   withheld where they are others' data), proven in the bundle against a cosigned state
//!   root.
//!
//! Jurisdiction-aware sharing, in the same clause language, is the vault's
//! (`unchain_vault::sharing`).
#![forbid(unsafe_code)]

pub mod body;
pub mod bundle;
pub mod client;
#[cfg(feature = "ledger")]
mod execute;
pub mod fact_proofs;
#[cfg(feature = "ledger")]
pub mod facts;
#[cfg(feature = "ledger")]
pub mod rules;
pub mod schema;
#[cfg(feature = "ledger")]
pub mod state;

#[cfg(feature = "ledger")]
pub use execute::{AgreeModule, KINDS};
pub use schema::Schema;
pub use unchain_clause::{Clause, ClauseError, Facts, check, clause};
