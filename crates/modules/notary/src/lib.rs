//! The notary module: `notary.anchor` records that a document with a given SHA-256 hash
//! existed, what kind of document it is and who anchored it, at the block's time; anyone
//! with the hash can look it up and get the anchoring transaction's inclusion proof.
//!
//! The document itself never touches the chain — only its hash. The short `description`
//! is public to every member: it must not hold personal data (the console and CLI say so).
//!
//! Layout (every module's): `body` (the bodies, both directions), `rules` (what execution
//! does, pure), `state` (keys and queries), `client` (building bodies, for organisations).
#![forbid(unsafe_code)]

pub mod body;
pub mod client;
mod execute;
pub mod rules;
pub mod state;

pub use body::{AnchorBody, MAX_DESCRIPTION, NotaryBody};
pub use execute::NotaryModule;
pub use state::{Anchor, anchors};
