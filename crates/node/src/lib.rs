//! The Unchain node process: configuration, the HTTP API, metrics, and the wiring of ledger,
//! mempool and consensus into one running validator.
//!
//! The API never writes state except by admitting a transaction to the mempool; only
//! consensus, through the ledger, changes what is committed.
#![forbid(unsafe_code)]

pub mod api;
pub mod config;
pub mod metrics;
pub mod retention;
pub mod run;

pub use config::NodeConfig;
pub use run::run;
