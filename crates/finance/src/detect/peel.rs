//! Crypto peel chains: an address receives a balance, pays a small part ("the peel") to
//! one address and the rest to a fresh address, which does the same, hop after hop —
//! how large sums are cashed out in small pieces while the trail looks like change.

use super::{Params, days};
use crate::alert::{Alert, decimal};
use crate::graph::Graph;
use rayon::prelude::*;

/// A hop: the account pays exactly twice, both within `peel_window_s` of the payment it
/// received last before them, the larger carrying at least `peel_keep_min` of the two and
/// the two together between 90% and 100.5% of what it received. Returns the larger
/// payment (the chain goes on from its payee) and the peel.
fn hop(g: &Graph, p: &Params, a: u32) -> Option<(u32, u32)> {
    let outs = g.out_edges(a);
    if outs.len() != 2 {
        return None;
    }
    let (x, y) = (outs.start, outs.start + 1);
    let received = g.in_edges_between(a, g.ts[x] - p.peel_window_s, g.ts[x]);
    let got = g.amount[*received.last()? as usize];
    if g.ts[y] - g.ts[x] > p.peel_window_s {
        return None;
    }
    let sum = g.amount[x] + g.amount[y];
    let ratio = sum as f64 / got as f64;
    let (big, small) = if g.amount[x] >= g.amount[y] {
        (x, y)
    } else {
        (y, x)
    };
    let keep = g.amount[big] as f64 / sum as f64;
    ((0.9..=1.005).contains(&ratio) && keep >= p.peel_keep_min)
        .then_some((big as u32, small as u32))
}

/// Chains of at least `peel_min_hops` hops (see [`hop`]), each hop's larger payment
/// paying the next. The alert is on the chain's first address; the evidence is every
/// hop's two payments.
pub fn peel_chain(g: &Graph, p: &Params) -> Vec<Alert> {
    let hops: Vec<Option<(u32, u32)>> = (0..g.accounts as u32)
        .into_par_iter()
        .map(|a| hop(g, p, a))
        .collect();
    (0..g.accounts as u32)
        .into_par_iter()
        .filter(|&a| hops[a as usize].is_some() && !hops_into(g, &hops, a))
        .filter_map(|head| {
            let (mut at, mut evidence, mut peeled) = (head, Vec::new(), 0i64);
            let mut seen = rustc_hash::FxHashSet::default();
            while let Some((big, small)) = hops[at as usize] {
                if !seen.insert(at) {
                    break;
                }
                evidence.extend([big, small]);
                peeled += g.amount[small as usize];
                at = g.to[big as usize];
            }
            let n = evidence.len() / 2;
            (n >= p.peel_min_hops.max(1)).then(|| Alert {
                detector: "peel_chain",
                account: head,
                score: n as f64 / p.peel_min_hops.max(1) as f64,
                explanation: format!(
                    "a peel chain of {n} hops, each within {}: {} peeled off, {} carried to the last address",
                    days(p.peel_window_s),
                    decimal(peeled),
                    decimal(g.amount[evidence[evidence.len() - 2] as usize])
                ),
                evidence,
            })
        })
        .collect()
}

/// Whether some hop's larger payment pays `a` (then `a` is not a chain's head).
fn hops_into(g: &Graph, hops: &[Option<(u32, u32)>], a: u32) -> bool {
    g.in_edges(a)
        .iter()
        .any(|&e| hops[g.from[e as usize] as usize].is_some_and(|(big, _)| big == e))
}
