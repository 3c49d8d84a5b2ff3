//! Whose keys a verification trusts: the validators (and members) of a genesis file the
//! verifier holds, pinned to the bundle's chain, or else the keys the bundle carries, which
//! prove integrity but not who signed, and every report says which.

use std::path::Path;
use unchain_bundle::Envelope;
use unchain_log::{NamedKey, NoteVerifier};

/// The keys a verification trusts, and where they came from.
#[derive(Debug, Clone)]
pub struct Anchor {
    /// Keys whose checkpoint cosignatures count.
    pub validators: Vec<NoteVerifier>,
    /// Every member's signing key (who may have signed a carried transaction).
    pub members: Vec<NamedKey>,
    /// Where the keys came from, in words, for the report.
    pub source: String,
}

impl Anchor {
    /// The keys of the genesis file at `path`, refused unless it is `chain_id`'s; `what`
    /// names the keys in the report ("validator keys", "validator and member keys").
    pub fn genesis(path: &Path, chain_id: &str, what: &str) -> anyhow::Result<Anchor> {
        let g = unchain_genesis::read_pinned(path, chain_id)?;
        Ok(Anchor {
            validators: g.checkpoint_verifiers(),
            members: g
                .members
                .iter()
                .map(|m| NamedKey {
                    name: m.name.clone(),
                    key: m.signing_key,
                })
                .collect(),
            source: format!("{what} of {}", path.display()),
        })
    }

    /// The keys a bundle's envelope carries; `source` says so in the report.
    pub fn carried(envelope: &Envelope, members: Vec<NamedKey>, source: &str) -> Anchor {
        Anchor {
            validators: envelope.carried_validators(),
            members,
            source: source.to_owned(),
        }
    }

    /// Signatures needed: more than two thirds of the validators.
    pub fn quorum(&self) -> usize {
        unchain_bundle::quorum(self.validators.len())
    }
}
