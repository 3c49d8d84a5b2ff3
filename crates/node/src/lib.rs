//! The Unchain node process: configuration, the HTTP API, metrics, and the wiring of ledger,
//! mempool and consensus into one running validator.
//!
//! The API never writes state except by admitting a transaction to the mempool; only
//! consensus, through the ledger, changes what is committed.
#![forbid(unsafe_code)]

pub mod agree_duty;
pub mod api;
pub mod audit;
pub mod backup;
pub mod config;
pub mod console;
pub mod erasure;
pub mod i18n;
pub mod metrics;
pub mod named_queries;
pub mod own_tx;
pub mod private;
pub mod retention;
pub mod run;
pub mod serve;
pub mod service;
pub mod snapshots;
pub mod tip_copies;
pub mod tipform;
pub mod token_duty;
pub mod users;
pub mod workerpage;

pub use config::NodeConfig;
pub use run::run;

/// The domain modules every node of a chain executes, in order. Every node must run the
/// same list: a kind one node knows and another does not would split the chain.
pub fn modules(
    genesis: &unchain_ledger::Genesis,
) -> Vec<std::sync::Arc<dyn unchain_ledger::AnyModule>> {
    vec![
        std::sync::Arc::new(unchain_notary::NotaryModule),
        std::sync::Arc::new(unchain_vault::VaultModule::new(genesis)),
        std::sync::Arc::new(unchain_custody::CustodyModule),
        std::sync::Arc::new(unchain_cases::CasesModule),
        std::sync::Arc::new(unchain_identity::IdentityModule),
        std::sync::Arc::new(unchain_tips::TipsModule),
        std::sync::Arc::new(unchain_supply::SupplyModule),
        std::sync::Arc::new(unchain_recruit::RecruitModule),
        std::sync::Arc::new(unchain_agree::AgreeModule),
    ]
}
