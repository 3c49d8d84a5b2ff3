//! The tips' rules for ciphertext sync: every member's node keeps a copy of every tip
//! message's ciphertext (`DATA/tips/`), fetched from the intake's node first, so that
//! losing the intake's disk loses no tip. The copies are opaque — each is sealed to the
//! intake and to the reporter's receipt-code key, never to the member holding it — and
//! every node deletes them when the ledger records the tip's `tips.erase`.

use unchain_ledger::StateReader;
use unchain_ledger::holdings::{Entitled, Erasure, Holdings, ReadResult};
use unchain_tips::holdings::{self, Denied};
use unchain_types::Hash32;

/// Every member holds every recorded tip message until its tip is erased.
#[derive(Debug, Clone, Copy, Default)]
pub struct TipHoldings;

impl Holdings for TipHoldings {
    fn feed(
        &self,
        r: &StateReader,
        _member: &str,
        after: &[u8],
    ) -> ReadResult<Vec<(Vec<u8>, Hash32)>> {
        holdings::feed(r, after)
    }

    fn erased(&self, r: &StateReader, after: &[u8]) -> ReadResult<Vec<(Vec<u8>, Erasure)>> {
        Ok(holdings::erased(r, after)?
            .into_iter()
            .map(|(k, e)| {
                let what = format!("tip {}", e.tip);
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

    fn may_hold(&self, r: &StateReader, c: &Hash32, _member: &str) -> ReadResult<Entitled> {
        Ok(match holdings::may_hold(r, c)? {
            Ok(tip) => Entitled::Yes {
                source: tip.intake,
                what: format!("tip {}", tip.tip),
            },
            Err(Denied::Unknown) => Entitled::Unknown,
            Err(why @ Denied::Erased) => Entitled::No(why.to_string()),
        })
    }

    fn is_committed(&self, r: &StateReader, c: &Hash32) -> ReadResult<bool> {
        holdings::is_committed(r, c)
    }
}
