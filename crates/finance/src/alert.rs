//! An alert: which detector, which account, how strong, why, and the transactions that
//! show it.

use crate::graph::Graph;
use crate::input::{Names, SCALE};
use serde::Serialize;

/// What a detector found.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The detector's name (`fan_in`, `cycle`, …).
    pub detector: &'static str,
    /// The account the pattern centres on.
    pub account: u32,
    /// Strength: 1.0 at the detector's threshold, higher above it.
    pub score: f64,
    /// One sentence a person can read.
    pub explanation: String,
    /// The edges (graph edge numbers) that make the pattern (all of them; views show at
    /// most [`EVIDENCE_SHOWN`]).
    pub evidence: Vec<u32>,
}

/// One evidence transaction, with names.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceView {
    /// The source system's id.
    pub id: String,
    /// Unix seconds.
    pub timestamp: i64,
    /// Paying account.
    pub from: String,
    /// Receiving account.
    pub to: String,
    /// Amount as a decimal string.
    pub amount: String,
    /// Currency.
    pub currency: String,
    /// Channel.
    pub channel: String,
}

/// An alert with names, for JSON and CSV.
#[derive(Debug, Clone, Serialize)]
pub struct AlertView {
    /// Detector.
    pub detector: &'static str,
    /// Account.
    pub account: String,
    /// Score, three decimals.
    pub score: f64,
    /// Why.
    pub explanation: String,
    /// The transactions, at most [`EVIDENCE_SHOWN`].
    pub evidence: Vec<EvidenceView>,
    /// The pattern's transactions left out of `evidence` (a hub's fan of 100 000 payments
    /// would otherwise make one alert hundreds of megabytes of JSON).
    pub evidence_omitted: usize,
}

/// Most evidence transactions one alert's view carries.
pub const EVIDENCE_SHOWN: usize = 1_000;

/// A decimal string of millionths, without trailing zeros.
pub fn decimal(millionths: i64) -> String {
    let whole = millionths / SCALE;
    let frac = millionths % SCALE;
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{frac:06}")
            .trim_end_matches('0')
            .to_owned()
    }
}

impl Alert {
    /// With names from `names`.
    pub fn view(&self, g: &Graph, names: &Names) -> AlertView {
        AlertView {
            detector: self.detector,
            account: names.accounts.name(self.account).to_owned(),
            score: (self.score * 1000.0).round() / 1000.0,
            explanation: self.explanation.clone(),
            evidence_omitted: self.evidence.len().saturating_sub(EVIDENCE_SHOWN),
            evidence: self
                .evidence
                .iter()
                .take(EVIDENCE_SHOWN)
                .map(|&e| {
                    let e = e as usize;
                    EvidenceView {
                        id: names.ids[g.record[e] as usize].to_owned(),
                        timestamp: g.ts[e],
                        from: names.accounts.name(g.from[e]).to_owned(),
                        to: names.accounts.name(g.to[e]).to_owned(),
                        amount: decimal(g.amount[e]),
                        currency: names.currencies.name(g.currency[e] as u32).to_owned(),
                        channel: names.channels.name(g.channel[e] as u32).to_owned(),
                    }
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimals_read_as_written() {
        assert_eq!(super::decimal(1_250_500_000), "1250.5");
        assert_eq!(super::decimal(1), "0.000001");
        assert_eq!(super::decimal(7_000_000), "7");
    }
}
