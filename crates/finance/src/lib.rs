//! Money flows (seed capability 9): a transaction-graph engine that finds the financial
//! red flags of human trafficking in millions of transactions.
//!
//! - [`input`] reads transactions from CSV — the generic schema documented there — row
//!   by row, naming the line, column and reason of every malformed row.
//! - [`graph`] holds them as columns with CSR adjacency both ways, edges time-sorted per
//!   account, built in parallel.
//! - [`detect`] runs the detectors; each returns [`Alert`]s with a score, an explanation
//!   and the evidence (the transactions that make the pattern).
//! - [`synth`] writes background traffic with injected typologies and their ground truth;
//!   [`truth`] reads it, AMLSim's alerts and the sources' laundering labels, and scores
//!   alerts against them.
//! - [`rank`] ranks accounts by how unusual each is among its peers (accounts of about
//!   its activity) and in the whole file, with a p-value that means the same in any file.
//! - [`learn`] trains a gradient-boosted model on labelled payments (graph features, a
//!   time-based split) and reports the minority class's F1.
//! - [`trace`] follows an account's money forward or backward.
//! - [`sliced`] scans a file larger than memory one time slice at a time.
//! - [`report`] draws alerts as an HTML page with a flow graph per alert.
//!
//! Independent of the ledger: alerts reach partners through the vault, sealed by the CLI.
#![forbid(unsafe_code)]

pub mod alert;
pub mod detect;
pub mod graph;
pub mod input;
pub mod learn;
pub mod rank;
pub mod report;
pub mod sliced;
pub mod synth;
pub mod trace;
pub mod truth;

pub use alert::Alert;
pub use graph::Graph;
pub use input::{Amount, Record};
