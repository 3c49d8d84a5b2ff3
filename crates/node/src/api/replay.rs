//! Signatures a node has already accepted, so that a copied request is refused.
//!
//! A signature is good for [`MAX_SKEW_SECS`] either side of its `created` time; within that
//! window the node remembers every member signature it accepted and refuses the same
//! signature again. Entries older than the window are dropped, since their `created` is
//! refused anyway. The set is bounded: past [`CAPACITY`] entries the oldest are dropped first
//! (a member can make the node remember at most that many, and only by signing requests).

use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;
use unchain_httpsig::MAX_SKEW_SECS;

/// Most signatures remembered at once (about 70 MB at the bound).
pub const CAPACITY: usize = 500_000;

/// The accepted signatures still inside the window.
#[derive(Default)]
pub struct SeenSignatures {
    inner: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    by_time: BTreeSet<(i64, [u8; 64])>,
    all: HashSet<[u8; 64]>,
}

impl SeenSignatures {
    /// Records `signature`, made at `created`, at time `now`; `false` when it was already
    /// recorded (a replay).
    pub fn first_use(&self, signature: [u8; 64], created: i64, now: i64) -> bool {
        let mut seen = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let horizon = now - MAX_SKEW_SECS;
        while let Some(&(t, s)) = seen.by_time.first() {
            if t >= horizon && seen.all.len() < CAPACITY {
                break;
            }
            seen.by_time.pop_first();
            seen.all.remove(&s);
        }
        if !seen.all.insert(signature) {
            return false;
        }
        seen.by_time.insert((created, signature));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_accepted_once_within_the_window_and_forgotten_after() {
        let seen = SeenSignatures::default();
        assert!(seen.first_use([1; 64], 1000, 1000));
        assert!(!seen.first_use([1; 64], 1000, 1010), "replay");
        assert!(seen.first_use([2; 64], 1000, 1010), "another signature");
        // Past the window the entry is dropped (the node refuses its `created` anyway).
        assert!(seen.first_use([3; 64], 1400, 1400));
        assert!(seen.inner.lock().expect("lock").all.len() == 1);
    }
}
