//! Ethical recruitment (issue 22): the contract signed at home is the contract at work.
//!
//! - [`terms`]: the comparable terms of an offer or a contract — employer, position,
//!   workplace, wage (integer minor units of an ISO 4217 currency, per period), hours,
//!   overtime rate, rest days, capped deductions, accommodation and food, length, language,
//!   and fees charged to the worker — with checks that name the field.
//! - [`rules`]: contract substitution, term by term, and the Employer Pays Principle.
//!   Pure and deterministic.
//! - [`client`]: a month's payroll cut into bodies, the worker's signed answer.
//! - [`body`]: the `recruit.*` bodies — `licence`, `offer`, `contract`, `respond`,
//!   `payroll`, `fee`, `repay`, `remediate`, `passport`, `link`, and (from their own
//!   modules) `payslip`, `voice`, `answer`, `outcome`.
//! - [`credential`]: the offer as an SD-JWT VC in the worker's wallet, each term selectively
//!   disclosable, and the check of disclosed terms against the ledger.
//! - [`payroll`]: a month's pay reconciled against the contract (underpaid, unpaid
//!   overtime, deductions not allowed or over their cap, late, withheld, shared accounts);
//!   [`sif`]: the UAE WPS Salary Information File read into pay records; [`payroll_csv`]:
//!   pay records from CSV; [`payslip`]: the worker's own payslip, signed with their wallet
//!   key, reconciled the same way and compared with the employer's report.
//! - `state` and the Module impl (feature `ledger`): licensed parties with the history of
//!   their standing, offers by worker and by employer, contracts with every substitution.
//! - [`voice`]: worker voice — anonymous grievances (through the tip machinery) and short
//!   surveys about an employer, tagged with the ILO forced-labour indicators, answered by
//!   the employer and followed to a remedy with deadlines and escalation to the regulator,
//!   published only as aggregates of at least k workers; `voice_state`: their execution
//!   and state (feature `ledger`); [`fee_reports`]: fees workers report paying in the
//!   survey, published per employer and per recruitment agency named.
#![forbid(unsafe_code)]

pub mod body;
pub mod client;
pub mod credential;
#[cfg(feature = "ledger")]
mod execute;
pub mod fee_reports;
pub mod payroll;
pub mod payroll_csv;
pub mod payslip;
pub mod rules;
pub mod sif;
#[cfg(feature = "ledger")]
pub mod state;
pub mod terms;
pub mod voice;
#[cfg(feature = "ledger")]
pub mod voice_state;

pub use body::RecruitBody;
#[cfg(feature = "ledger")]
pub use execute::{KINDS, RecruitModule};
