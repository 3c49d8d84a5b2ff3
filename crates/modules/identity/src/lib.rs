//! Identity (seed capability 4): DIDs for organisations and long-lived identities with key
//! rotation, credential issuance and revocation anchored on the ledger, children without
//! birth certificates registered with guardian links, missing-child flags, and the border
//! check that works offline.
//!
//! - `identity.did_create` / `did_rotate` / `did_deactivate`: a `did:unchain` and its key
//!   history ([`rules`]); [`did_document`] renders it as a W3C DID document.
//! - `identity.issue`: an SD-JWT VC was issued (its digest, type, status index, and the
//!   child it is about, if any); the index is taken for good.
//! - `identity.status`: revoke (final), suspend or reinstate a credential. The issuer's
//!   status list ([`status_list`], IETF Token Status List) is derived from these, and the
//!   log proves when each change happened.
//! - `identity.child_register`: a registrar registered a child whose minimal data it
//!   sealed in its own vault record; the chain holds only the pseudonymous child id.
//! - `identity.missing`: a child is flagged missing or found; the flag goes to every
//!   organisation's event stream.
//!
//! [`credential`] defines the credentials; [`trust`] the trust bundle a border post keeps;
//! [`standing`] the per-credential proof of "not revoked, not flagged missing" against the
//! cosigned state root; [`border`] the verdicts; [`records`] the state records both read.
#![forbid(unsafe_code)]

pub mod body;
pub mod border;
pub mod client;
pub mod credential;
#[cfg(feature = "ledger")]
mod execute;
pub mod records;
pub mod rules;
pub mod standing;
#[cfg(feature = "ledger")]
pub mod state;
pub mod trust;

#[cfg(feature = "ledger")]
pub use execute::{IdentityModule, KINDS};
#[cfg(feature = "ledger")]
pub use state::{
    Child, Issued, MISSING_FEED, child, credentials_of_child, did, did_document,
    did_key_resolution, dids_of, issued, issued_by, next_index, status_list, trust_entries,
};
