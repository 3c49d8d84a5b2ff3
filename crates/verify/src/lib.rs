//! Offline verification: what a court, a reporter, a shelter or a border post runs on files
//! saved earlier, with no network and no node. Each command checks a bundle's checkpoint
//! against the validators' keys ([`anchor`]: a genesis file the verifier trusts, or, said
//! aloud, the keys the bundle carries), every carried transaction's signature and
//! inclusion, and replays the module's rules:
//!
//! - [`proof`]: one transaction's proof bundle (`unchain proof --out`);
//! - [`agreement`]: an agreement's outcome, its clause re-evaluated over the facts it read;
//! - [`custody`]: an evidence item's chain of custody, with an HTML report for a court;
//! - [`provenance`]: goods' provenance — the tiers back to the raw material and the
//!   findings of forced labour that reach them, recomputed from the signed events;
//! - [`receipt`]: a tip reporter's proof of receipt;
//! - [`state`]: what the ledger's state held under a key, or that it held nothing, as of a
//!   cosigned checkpoint's state line;
//! - [`border`]: a credential presentation against a trust bundle, and the border check of
//!   a child travelling with an adult.
//!
//! The same code runs behind `unchain verify …` and `unchain border check` and behind the
//! small `unchain-verify` binary. This crate and everything below it link no storage (redb),
//! no HTTP server (axum) and no consensus runtime (commonware): the modules come without
//! their `ledger` feature. `tests/offline_deps.rs` holds that line.
#![forbid(unsafe_code)]

pub mod agreement;
pub mod anchor;
pub mod border;
pub mod custody;
pub mod exit;
pub mod proof;
pub mod provenance;
pub mod receipt;
pub mod state;

/// Reads a file named on the command line, naming it on failure.
pub(crate) fn read(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context as _;
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}
