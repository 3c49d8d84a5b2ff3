//! The vault's [`Holdings`]: a record version's ciphertext reaches its recipients, while
//! their access is not revoked and the record not erased.

use unchain_ledger::StateReader;
use unchain_ledger::holdings::{Entitled, Erasure, Holdings, ReadResult};
use unchain_types::Hash32;

/// The vault's rules: a record version reaches its recipients, while their access is not
/// revoked and the record not erased.
#[derive(Debug, Clone, Copy, Default)]
pub struct VaultHoldings;

impl Holdings for VaultHoldings {
    fn feed(
        &self,
        r: &StateReader,
        member: &str,
        after: &[u8],
    ) -> ReadResult<Vec<(Vec<u8>, Hash32)>> {
        Ok(crate::state::feed(r, member, after)?
            .into_iter()
            .map(|(k, e)| (k, e.commitment))
            .collect())
    }

    fn erased(&self, r: &StateReader, after: &[u8]) -> ReadResult<Vec<(Vec<u8>, Erasure)>> {
        Ok(crate::state::erased(r, after)?
            .into_iter()
            .map(|(k, e)| {
                let what = format!("record {}", e.record);
                (
                    k,
                    Erasure {
                        what,
                        commitments: e.commitments,
                    },
                )
            })
            .collect())
    }

    fn may_hold(&self, r: &StateReader, c: &Hash32, member: &str) -> ReadResult<Entitled> {
        use crate::state::Denied;
        Ok(match crate::state::may_hold(r, c, member)? {
            Ok((record, version)) => Entitled::Yes {
                source: record.owner,
                what: format!("record {} version {}", record.record, version.version),
            },
            Err(Denied::Unknown) => Entitled::Unknown,
            Err(why) => Entitled::No(why.to_string()),
        })
    }

    fn is_committed(&self, r: &StateReader, c: &Hash32) -> ReadResult<bool> {
        crate::state::is_committed(r, c)
    }
}
