//! Evidence chain of custody (seed capability 5): every event in an evidence item's life —
//! collected, handed over and received, analysed, sealed, presented in court, returned,
//! destroyed — is a signed transaction, and the ledger refuses any event that breaks the
//! chain ([`rules::apply`]): an event by someone who does not hold the item, anything after
//! destruction, a second holder, an event against a stale view.
//!
//! A hand-over is two transactions: the giver's `custody.transfer` and the receiver's
//! `custody.receive`. Until the receiver signs, the item is in transit and the giver is
//! still answerable for it.
//!
//! [`bundle`] turns an item's events into a self-contained proof bundle, and verifies one
//! with no network; [`report`] renders a verified bundle as an HTML report for people.
#![forbid(unsafe_code)]

pub mod body;
pub mod bundle;
pub mod client;
#[cfg(feature = "ledger")]
mod execute;
pub mod report;
pub mod rules;
#[cfg(feature = "ledger")]
pub mod state;

pub use body::CustodyBody;
#[cfg(feature = "ledger")]
pub use execute::{CustodyModule, KINDS};
#[cfg(feature = "ledger")]
pub use state::{EventRecord, event, events, item, items_of_case, waiting};
