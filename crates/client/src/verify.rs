//! Offline verification of a proof bundle: everything is checked from the bundle and a set
//! of trusted validator keys, with no network. The checks live in `unchain-bundle`, which an
//! offline verifier uses without this crate's HTTP client.

pub use unchain_bundle::proof::{
    BundleError, PROOF_VERSION, VerifiedBundle, bundle_validators, verify_bundle,
};
