//! Supply chains (seed capability 6): every step from raw material to finished product as
//! EPCIS 2.0 events on the ledger, and forced-labour findings that follow the goods.
//!
//! - [`body`]: the `supply.*` bodies — `capture` (EPCIS events, each identified by its
//!   CBV 2.0 event hash), `facility` and `product` (master data), `audit`, `certify`, and
//!   [`finding`]'s `finding`, `plan` and `verify`.
//! - [`graph`]: what an event says about how goods flow (transformation inputs → outputs,
//!   aggregation parent ↔ children) and what it made where. Pure.
//! - [`rules`]: how a finding's flag spreads through that graph — deterministic,
//!   incremental, with the path back to the finding — over any [`rules::GraphStore`].
//! - `state` and the Module impl (feature `ledger`): events by hash, by declared `eventID`,
//!   by the goods they name and in capture order; the graph; flags; findings with their
//!   plans and verifications; [`query`], EPCIS simple event queries a page at a time.
//!
//! - [`bundle`]: the provenance bundle of goods — the signed events, facilities and
//!   findings behind them with inclusion proofs — that anyone verifies offline, recomputing
//!   the tiers and the flags.
//!
//! - [`dossier`]: the due-diligence dossier an importer hands to a customs authority with a
//!   shipment, rendered from a verified bundle.
//!
//! A finding at a facility flags everything the facility made and everything made from it,
//! wherever it went; a verified corrective action clears exactly what that finding flagged.
#![forbid(unsafe_code)]

pub mod body;
pub mod bundle;
pub mod client;
pub mod dossier;
#[cfg(feature = "ledger")]
mod execute;
pub mod finding;
pub mod graph;
#[cfg(feature = "ledger")]
pub mod query;
#[cfg(feature = "ledger")]
pub mod remedy;
pub mod report;
pub mod rules;
#[cfg(feature = "ledger")]
pub mod state;

pub use body::SupplyBody;
#[cfg(feature = "ledger")]
pub use execute::{KINDS, SupplyModule};
