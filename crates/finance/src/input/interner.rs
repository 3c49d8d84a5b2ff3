//! Names (accounts, currencies, channels) interned as dense indexes.
//!
//! A file of millions of payments names a million accounts, each looked up twice a row:
//! the lookups were a sixth of a scan's time, most of it waiting on memory (the table's
//! slot, then the key's own allocation to compare it). Here a slot holds the name's hash
//! and, for names of up to [`INLINE`] bytes, the name itself, so finding a short name
//! touches one slot; the names live in one buffer rather than one allocation each.

use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Longest name kept inside its slot.
const INLINE: usize = 11;

/// One name's place in the table.
#[derive(Debug, Clone, Copy)]
struct Slot {
    hash: u64,
    index: u32,
    /// The name's length, if it is at most [`INLINE`] bytes (then `short` holds it);
    /// `u8::MAX` otherwise.
    len: u8,
    short: [u8; INLINE],
}

/// A set of names, each given a dense index in order of first appearance.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    table: HashTable<Slot>,
    text: String,
    ends: Vec<usize>,
}

impl Interner {
    fn hash(name: &str) -> u64 {
        rustc_hash::FxBuildHasher.hash_one(name)
    }

    /// Whether `slot` holds `name`.
    fn holds(&self, slot: &Slot, hash: u64, name: &str) -> bool {
        if slot.hash != hash {
            return false;
        }
        if name.len() <= INLINE {
            usize::from(slot.len) == name.len() && &slot.short[..name.len()] == name.as_bytes()
        } else {
            slot.len == u8::MAX && self.name(slot.index) == name
        }
    }

    /// The index of `name`, adding it if new.
    pub fn intern(&mut self, name: &str) -> u32 {
        let hash = Interner::hash(name);
        if let Some(slot) = self.table.find(hash, |s| self.holds(s, hash, name)) {
            return slot.index;
        }
        let index = u32::try_from(self.ends.len()).expect("at most 4 billion names");
        self.text.push_str(name);
        self.ends.push(self.text.len());
        let mut slot = Slot {
            hash,
            index,
            len: u8::MAX,
            short: [0; INLINE],
        };
        if name.len() <= INLINE {
            slot.len = name.len() as u8;
            slot.short[..name.len()].copy_from_slice(name.as_bytes());
        }
        self.table.insert_unique(hash, slot, |s| s.hash);
        index
    }

    /// The index of `name`, if known.
    pub fn get(&self, name: &str) -> Option<u32> {
        let hash = Interner::hash(name);
        self.table
            .find(hash, |s| self.holds(s, hash, name))
            .map(|s| s.index)
    }

    /// The name of index `i` (panics past the end, as a slice does).
    pub fn name(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// How many names.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_short_and_long_get_one_index_each_in_order() {
        let mut n = Interner::default();
        let names: Vec<String> = (0..5_000)
            .map(|i| match i % 3 {
                0 => format!("A{i}"),
                1 => format!("GB29NWBK6016133192{i:04}"),
                _ => format!("{i:011}"), // exactly INLINE bytes
            })
            .collect();
        for (i, name) in names.iter().enumerate() {
            assert_eq!(n.intern(name), i as u32);
        }
        for (i, name) in names.iter().enumerate().rev() {
            assert_eq!(n.intern(name), i as u32, "{name}");
            assert_eq!(n.get(name), Some(i as u32));
            assert_eq!(n.name(i as u32), name);
        }
        assert_eq!(n.len(), names.len());
        // A prefix, an extension, the empty name: other names.
        assert_eq!(n.get("A1"), None);
        assert_eq!(n.get("A00"), None);
        assert_eq!(n.get(""), None);
        assert_eq!(n.intern(""), names.len() as u32);
        assert_eq!(n.name(names.len() as u32), "");
        assert_eq!(n.get("GB29NWBK60161331920001"), Some(1));
        assert_eq!(n.get("GB29NWBK601613319200010"), None);
    }
}
