//! The transaction graph, as columns: one entry per transaction, sorted by paying account
//! then time, with CSR offsets for each account's outgoing edges, and a second index of
//! edge numbers sorted by receiving account then time for incoming edges. Built with a
//! parallel sort; about 38 bytes per transaction.

use crate::input::{Amount, Names, Record};
use rayon::prelude::*;
use std::ops::Range;

/// Marks "no merchant category".
pub const NO_MCC: u16 = u16::MAX;

/// A columnar transaction graph.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Accounts (nodes).
    pub accounts: usize,
    /// Paying account of each edge (sorted ascending, then by time).
    pub from: Vec<u32>,
    /// Receiving account.
    pub to: Vec<u32>,
    /// Unix seconds.
    pub ts: Vec<i64>,
    /// Millionths.
    pub amount: Vec<Amount>,
    /// Currency index.
    pub currency: Vec<u16>,
    /// Channel index.
    pub channel: Vec<u16>,
    /// Merchant category ([`NO_MCC`] if none).
    pub mcc: Vec<u16>,
    /// The edge's position in the input (for ids and evidence).
    pub record: Vec<u32>,
    /// The name of each channel index (detectors classify channels by name: cash,
    /// payroll).
    pub channels: Vec<String>,
    out_offsets: Vec<u32>,
    in_order: Vec<u32>,
    in_offsets: Vec<u32>,
}

fn offsets(keys: impl Iterator<Item = u32>, accounts: usize, len: usize) -> Vec<u32> {
    let mut counts = vec![0u32; accounts + 1];
    for k in keys {
        counts[k as usize + 1] += 1;
    }
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
    debug_assert_eq!(counts[accounts] as usize, len);
    counts
}

impl Graph {
    /// Builds the graph of `records`, whose indexes point into `names`.
    pub fn build(records: &[Record], names: &Names) -> Graph {
        let channels = (0..names.channels.len() as u32)
            .map(|i| names.channels.name(i).to_owned())
            .collect();
        Graph::build_with(records, names.accounts.len(), channels)
    }

    /// Builds the graph of `records` over `accounts` accounts and the named `channels`.
    pub fn build_with(records: &[Record], accounts: usize, channels: Vec<String>) -> Graph {
        assert!(
            records.len() < u32::MAX as usize,
            "at most 4 billion transactions"
        );
        let mut order: Vec<u32> = (0..records.len() as u32).collect();
        order.par_sort_unstable_by_key(|&i| {
            let r = &records[i as usize];
            (r.from, r.ts, i)
        });
        let from: Vec<u32> = order
            .par_iter()
            .map(|&i| records[i as usize].from)
            .collect();
        let to: Vec<u32> = order.par_iter().map(|&i| records[i as usize].to).collect();
        let ts: Vec<i64> = order.par_iter().map(|&i| records[i as usize].ts).collect();
        let amount: Vec<Amount> = order
            .par_iter()
            .map(|&i| records[i as usize].amount)
            .collect();
        let currency = order
            .par_iter()
            .map(|&i| records[i as usize].currency)
            .collect();
        let channel = order
            .par_iter()
            .map(|&i| records[i as usize].channel)
            .collect();
        let mcc = order
            .par_iter()
            .map(|&i| records[i as usize].mcc.unwrap_or(NO_MCC))
            .collect();
        let out_offsets = offsets(from.iter().copied(), accounts, from.len());
        let mut in_order: Vec<u32> = (0..to.len() as u32).collect();
        in_order.par_sort_unstable_by_key(|&e| (to[e as usize], ts[e as usize], e));
        let in_offsets = offsets(to.iter().copied(), accounts, to.len());
        Graph {
            accounts,
            from,
            to,
            ts,
            amount,
            currency,
            channel,
            mcc,
            record: order,
            channels,
            out_offsets,
            in_order,
            in_offsets,
        }
    }

    /// Number of transactions.
    pub fn len(&self) -> usize {
        self.from.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.from.is_empty()
    }

    /// The edges `a` pays, as a range of edge numbers, oldest first.
    pub fn out_edges(&self, a: u32) -> Range<usize> {
        self.out_offsets[a as usize] as usize..self.out_offsets[a as usize + 1] as usize
    }

    /// The edges `a` receives, as edge numbers, oldest first.
    pub fn in_edges(&self, a: u32) -> &[u32] {
        &self.in_order
            [self.in_offsets[a as usize] as usize..self.in_offsets[a as usize + 1] as usize]
    }

    /// The edges `a` receives between `from` and `to` seconds (both included).
    pub fn in_edges_between(&self, a: u32, from: i64, to: i64) -> &[u32] {
        let all = self.in_edges(a);
        let lo = all.partition_point(|&e| self.ts[e as usize] < from);
        let hi = all.partition_point(|&e| self.ts[e as usize] <= to);
        &all[lo..hi.max(lo)]
    }

    /// The edges `a` pays between `from` and `to` seconds (both included).
    pub fn out_edges_between(&self, a: u32, from: i64, to: i64) -> Range<usize> {
        let r = self.out_edges(a);
        let ts = &self.ts[r.clone()];
        let lo = ts.partition_point(|&t| t < from);
        let hi = ts.partition_point(|&t| t <= to);
        r.start + lo..r.start + hi.max(lo)
    }

    /// For each channel index, whether its name is one of `names` (ASCII case ignored).
    pub fn channel_mask(&self, names: &[String]) -> Vec<bool> {
        self.channels
            .iter()
            .map(|c| names.iter().any(|n| n.eq_ignore_ascii_case(c)))
            .collect()
    }

    /// Bytes the columns and indexes take.
    pub fn heap_bytes(&self) -> usize {
        self.len() * (4 + 4 + 8 + 8 + 2 + 2 + 2 + 4 + 4) + (self.accounts + 1) * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(ts: i64, from: u32, to: u32) -> Record {
        Record {
            ts,
            from,
            to,
            amount: 1,
            currency: 0,
            channel: 0,
            mcc: None,
            country: None,
        }
    }

    #[test]
    fn edges_are_grouped_by_account_and_sorted_by_time_both_ways() {
        let records = vec![
            rec(30, 1, 0),
            rec(10, 1, 2),
            rec(20, 0, 1),
            rec(5, 2, 1),
            rec(15, 1, 0),
        ];
        let g = Graph::build_with(&records, 3, vec!["wire".into()]);
        let out1: Vec<(u32, i64)> = g.out_edges(1).map(|e| (g.to[e], g.ts[e])).collect();
        assert_eq!(out1, vec![(2, 10), (0, 15), (0, 30)]);
        let in1: Vec<(u32, i64)> = g
            .in_edges(1)
            .iter()
            .map(|&e| (g.from[e as usize], g.ts[e as usize]))
            .collect();
        assert_eq!(in1, vec![(2, 5), (0, 20)]);
        assert_eq!(g.in_edges(0).len(), 2);
        assert_eq!(g.out_edges(0).len(), 1);
        let e = g.out_edges(2).start;
        assert_eq!(g.record[e], 3, "each edge knows its input row");
    }
}
