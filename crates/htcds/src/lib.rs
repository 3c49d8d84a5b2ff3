//! The Human Trafficking Case Data Standard (HTCDS) v2.0 of IOM with Tech Against
//! Trafficking, as Unchain reads and writes it:
//!
//! - [`dictionary`]: the standard's field list (sections, types, picklists);
//! - [`document`]: a case document checked field by field, with errors that name the
//!   field, and the identifiers in it that cross-agency matching blinds;
//! - [`tables`]: documents as one CSV table per part, the layout of HTCDS spreadsheets;
//! - [`ctdc`]: victims as rows of the CTDC k-anonymised dataset, k ≥ 11 enforced;
//! - [`sample`]: fictitious documents for the demo and the tests.
//!
//! No I/O and no ledger: the CLI seals documents as vault records and opens them again.
#![forbid(unsafe_code)]

pub mod ctdc;
pub mod dictionary;
pub mod document;
pub mod sample;
pub mod tables;

pub use document::{FieldError, identifiers, validate};
