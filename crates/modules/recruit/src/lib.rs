//! Ethical recruitment (issue 22): the contract signed at home is the contract at work.
//!
//! - [`terms`]: the comparable terms of an offer or a contract — employer, position,
//!   workplace, wage (integer minor units of an ISO 4217 currency, per period), hours,
//!   overtime rate, rest days, capped deductions, accommodation and food, length, language,
//!   and fees charged to the worker — with checks that name the field.
//! - [`compare`]: contract substitution, term by term, and the Employer Pays Principle.
//!   Pure and deterministic.
//!
//! Still to come (see the notes): licensed parties, offers and contracts as ledger
//! state with alerts, wage reconciliation, fees and passports, worker voice, the pages.
#![forbid(unsafe_code)]

pub mod compare;
pub mod terms;
