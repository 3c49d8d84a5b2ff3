//! Cases (seed capabilities 2, 3 and 10): allegations, investigations, rescue operations
//! and victim-assistance cases, with a status workflow the ledger enforces
//! ([`workflow`]), referrals to other agencies, and an event history.
//!
//! The case's content — the HTCDS document with its persons, places, phone numbers and
//! story — is never on chain: it is a sealed vault record (`htcds.case`) that the case
//! points to. On chain are the case's id, kind, status, owner, the record it points to,
//! and who did what when. A referral names an agency that already holds a live grant of
//! that record, so a referral never points to something the recipient cannot read.
#![forbid(unsafe_code)]

pub mod body;
pub mod client;
#[cfg(feature = "ledger")]
mod execute;
#[cfg(feature = "ledger")]
pub mod rules;
#[cfg(feature = "ledger")]
pub mod state;
pub mod workflow;

pub use body::{Body, Open, REFERRAL_REASONS, Refer, Transition, Update, check_case_id, parse};
#[cfg(feature = "ledger")]
pub use execute::{CasesModule, KINDS};
#[cfg(feature = "ledger")]
pub use state::{Case, CaseEvent, CaseView, Change, Referral, case, case_in, owned_by, referrals};
