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

    /// The keys of the genesis file at `path` for a bundle's `envelope`: refused unless it
    /// is the envelope's chain; the validators are those of the epoch of the envelope's
    /// checkpoint, proven from genesis' by the epoch links the envelope carries.
    pub fn genesis_for(path: &Path, envelope: &Envelope, what: &str) -> anyhow::Result<Anchor> {
        let g = unchain_genesis::read_pinned(path, &envelope.chain_id)?;
        let mut anchor = Anchor::genesis(path, &envelope.chain_id, what)?;
        let genesis_set: Vec<NamedKey> = g.validator_keys();
        let (set, epoch) = envelope
            .validators_from_genesis(&genesis_set, g.epoch_length())
            .map_err(|e| anyhow::anyhow!("VERIFICATION FAILED: the validator sets: {e}"))?;
        if epoch > 0 {
            anchor.validators = set.iter().map(NamedKey::verifier).collect();
            anchor.source = format!(
                "{what} of {}, with epoch {epoch}'s validators proven from its validators by \
                 {} epoch-end checkpoint(s) of the set's changes",
                path.display(),
                envelope.epochs.len()
            );
        }
        Ok(anchor)
    }

    /// The keys a bundle's envelope carries; `source` says so in the report.
    pub fn carried(envelope: &Envelope, members: Vec<NamedKey>, source: &str) -> Anchor {
        Anchor {
            validators: envelope.carried_validators(),
            members,
            source: source.to_owned(),
        }
    }

    /// The keys to check a bundle with: the validators and members of the genesis file at
    /// `genesis` (with the members admitted after it, by the bundle's word), or else the
    /// keys the bundle's `envelope` and `members` carry, said aloud.
    pub fn for_bundle(
        genesis: Option<&Path>,
        envelope: &Envelope,
        members: &[NamedKey],
    ) -> anyhow::Result<Anchor> {
        match genesis {
            Some(path) => {
                let mut anchor = Anchor::genesis_for(path, envelope, "validator and member keys")?;
                anchor.admit_later_members(members)?;
                Ok(anchor)
            }
            None => Ok(Anchor::carried(
                envelope,
                members.to_vec(),
                "keys carried in the bundle (pass --genesis to check against a trusted genesis)",
            )),
        }
    }

    /// Adds the members a bundle names whose keys the genesis file cannot: members admitted
    /// after genesis (a brand, a recruiter that joined by vote). Their transactions are
    /// still proven — the log the trusted validators signed holds only members'
    /// transactions — but their names are the bundle's word, and a note says so on stderr.
    /// A bundle that gives a name the genesis binds to another key is refused.
    pub fn admit_later_members(&mut self, carried: &[NamedKey]) -> anyhow::Result<()> {
        for m in carried {
            if self.members.iter().any(|g| g.key == m.key) {
                continue;
            }
            if self.members.iter().any(|g| g.name == m.name) {
                anyhow::bail!(
                    "VERIFICATION FAILED: the bundle gives {} a key that the trusted genesis does not",
                    m.name
                );
            }
            eprintln!(
                "note: {} signs with a key admitted after genesis; its name is the bundle's word",
                m.name
            );
            self.members.push(m.clone());
        }
        Ok(())
    }

    /// Signatures needed: more than two thirds of the validators.
    pub fn quorum(&self) -> usize {
        unchain_bundle::quorum(self.validators.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unchain_types::SigningKey;

    fn named(name: &str, seed: u8) -> NamedKey {
        NamedKey {
            name: name.into(),
            key: SigningKey::from_seed([seed; 32]).public_key(),
        }
    }

    #[test]
    fn later_members_join_by_the_bundles_word_but_never_under_a_genesis_name() {
        let mut anchor = Anchor {
            validators: Vec::new(),
            members: vec![named("th-dsi", 1)],
            source: "test".into(),
        };
        anchor
            .admit_later_members(&[named("th-dsi", 1), named("qa-doha-build", 2)])
            .expect("a later member");
        assert_eq!(anchor.members.len(), 2);
        let e = anchor
            .admit_later_members(&[named("th-dsi", 3)])
            .expect_err("a genesis name with another key");
        assert!(e.to_string().contains("gives th-dsi a key"), "{e}");
    }
}
