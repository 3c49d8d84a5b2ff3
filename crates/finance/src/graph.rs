//! The transaction graph, as columns: one entry per transaction, sorted by paying account
//! then time, with CSR offsets for each account's outgoing edges, and a second index of
//! edge numbers sorted by receiving account then time for incoming edges. Built with a
//! parallel sort; about 46 bytes per transaction.

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
    /// The time of each entry of `in_order` (searching an account's incoming edges by
    /// time reads these in a row, not `ts` through the indexes).
    in_ts: Vec<i64>,
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
        // Sorting the keys themselves (contiguous) rather than indexes into the records
        // (a random read per comparison) takes a third of the time.
        let mut keys: Vec<(u32, i64, u32)> = records
            .par_iter()
            .enumerate()
            .map(|(i, r)| (r.from, r.ts, i as u32))
            .collect();
        keys.par_sort_unstable();
        let order: Vec<u32> = keys.par_iter().map(|k| k.2).collect();
        drop(keys);
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
        let mut keys: Vec<(u32, i64, u32)> = to
            .par_iter()
            .zip(ts.par_iter())
            .enumerate()
            .map(|(e, (&to, &ts))| (to, ts, e as u32))
            .collect();
        keys.par_sort_unstable();
        let in_order: Vec<u32> = keys.par_iter().map(|k| k.2).collect();
        let in_ts: Vec<i64> = keys.par_iter().map(|k| k.1).collect();
        drop(keys);
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
            in_ts,
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
        let r = self.in_offsets[a as usize] as usize..self.in_offsets[a as usize + 1] as usize;
        let ts = &self.in_ts[r.clone()];
        let lo = ts.partition_point(|&t| t < from);
        let hi = ts.partition_point(|&t| t <= to);
        &self.in_order[r.start + lo..r.start + hi.max(lo)]
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
        self.len() * (4 + 4 + 8 + 8 + 2 + 2 + 2 + 4 + 4 + 8) + (self.accounts + 1) * 8
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

    #[test]
    fn edges_between_two_times_are_those_of_a_plain_filter() {
        // 400 payments among 7 accounts at times with many ties.
        let records: Vec<Record> = (0..400u32)
            .map(|i| rec(i64::from((i * 7919) % 50), i % 7, (i * 3 + 1) % 7))
            .collect();
        let g = Graph::build_with(&records, 7, vec!["wire".into()]);
        for a in 0..7 {
            for (from, to) in [(0, 49), (10, 10), (12, 30), (31, 12), (-5, 3), (48, 99)] {
                let ins: Vec<u32> = g
                    .in_edges(a)
                    .iter()
                    .copied()
                    .filter(|&e| (from..=to).contains(&g.ts[e as usize]))
                    .collect();
                assert_eq!(g.in_edges_between(a, from, to), ins.as_slice());
                let outs: Vec<usize> = g
                    .out_edges(a)
                    .filter(|&e| (from..=to).contains(&g.ts[e]))
                    .collect();
                assert_eq!(g.out_edges_between(a, from, to).collect::<Vec<_>>(), outs);
            }
        }
    }
}
