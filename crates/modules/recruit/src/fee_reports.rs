//! Fees reported anonymously by workers, in the survey: "did you pay a fee for this job?"
//! and, if they wish, how much and to which agency. Under the Employer Pays Principle any
//! fee charged to a worker is a violation; these reports are how it is counted when no
//! worker can safely put their name to it. Like the rest of worker voice they are published
//! only for closed months and groups of at least k: per employer (with its survey months)
//! and per recruitment agency named.

use crate::voice::VoiceKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use unchain_types::body::BodyError;

/// The most a fee may be reported at, in minor units (a typo's guard, not a judgement).
pub const MAX_FEE: u64 = 1_000_000_000_000;

/// A fee a worker says they paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeePaid {
    /// Minor units of `currency`.
    pub amount: u64,
    /// ISO 4217.
    pub currency: String,
    /// The recruitment agency paid (a licensed recruiter), if the worker names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recruiter: Option<String>,
}

impl FeePaid {
    /// Checks what needs no state.
    pub fn check(&self) -> Result<(), BodyError> {
        if self.amount == 0 || self.amount > MAX_FEE {
            return Err(BodyError::new(
                "fee.amount",
                "above zero and at most 10 000 000 000.00",
            ));
        }
        if !crate::terms::is_upper_code(&self.currency, 3) {
            return Err(BodyError::new("fee.currency", "an ISO 4217 code (\"NPR\")"));
        }
        if let Some(r) = &self.recruiter {
            crate::body::check_party("fee.recruiter", r)?;
        }
        Ok(())
    }
}

/// Fees reported in one currency: how many workers, how much in all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeTotal {
    /// Workers who reported an amount.
    pub count: u32,
    /// Their amounts added, minor units.
    pub total: u64,
}

/// Adds `fee` to `totals`, by currency.
pub fn add(totals: &mut BTreeMap<String, FeeTotal>, fee: &FeePaid) {
    let t = totals.entry(fee.currency.clone()).or_default();
    t.count += 1;
    t.total = t.total.saturating_add(fee.amount);
}

/// A recruitment agency's published month of fee reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecruiterMonth {
    /// The month.
    pub month: String,
    /// Workers who named the agency in a survey that month.
    pub count: u32,
    /// Amounts reported, by currency.
    pub fees: BTreeMap<String, FeeTotal>,
}

/// The months of fee reports naming one agency that may be published: closed before
/// `current_month`, with at least `k` reports. Smaller groups are left out entirely.
pub fn by_recruiter(
    reports: &[(&str, &FeePaid)],
    current_month: &str,
    k: u32,
) -> Vec<RecruiterMonth> {
    let mut months: BTreeMap<&str, RecruiterMonth> = BTreeMap::new();
    for (month, fee) in reports.iter().filter(|(m, _)| *m < current_month) {
        let m = months.entry(month).or_insert_with(|| RecruiterMonth {
            month: (*month).to_owned(),
            count: 0,
            fees: BTreeMap::new(),
        });
        m.count += 1;
        add(&mut m.fees, fee);
    }
    months.into_values().filter(|m| m.count >= k).collect()
}

/// Whether a voice of `kind` signalling `indicators` may carry a fee: a survey whose
/// answer "did you pay a fee" was yes.
pub fn may_carry_fee(kind: VoiceKind, indicators: &[String]) -> bool {
    kind == VoiceKind::Survey && indicators.iter().any(|i| i == "debt_bondage")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fee(amount: u64) -> FeePaid {
        FeePaid {
            amount,
            currency: "NPR".into(),
            recruiter: Some("np-himalaya-manpower".into()),
        }
    }

    #[test]
    fn ten_reports_about_an_agency_are_not_published_and_eleven_are() {
        let f = fee(15_000_000);
        let mut reports: Vec<(&str, &FeePaid)> = vec![("2026-02", &f); 10];
        reports.extend(vec![("2026-03", &f); 11]);
        let published = by_recruiter(&reports, "2026-04", 11);
        assert_eq!(published.len(), 1);
        assert_eq!(published[0].month, "2026-03");
        assert_eq!(
            published[0].fees["NPR"],
            FeeTotal {
                count: 11,
                total: 165_000_000
            }
        );
        assert!(
            by_recruiter(&reports, "2026-03", 11).is_empty(),
            "March is open"
        );
    }

    #[test]
    fn a_fee_names_its_bad_field() {
        assert_eq!(fee(1).check(), Ok(()));
        assert_eq!(fee(0).check().expect_err("zero").field, "fee.amount");
        let mut f = fee(1);
        f.currency = "npr".into();
        assert_eq!(f.check().expect_err("currency").field, "fee.currency");
        f.currency = "NPR".into();
        f.recruiter = Some("Himalaya!".into());
        assert_eq!(f.check().expect_err("recruiter").field, "fee.recruiter");
    }
}
