//! What an organisation's or a worker's side builds before anything reaches the ledger:
//! a month's payroll cut into `recruit.payroll` bodies, and the worker's signed answer to a
//! contract. No I/O, no storage.

use crate::body::{MAX_PAY_RECORDS, Respond, Response};
use crate::payroll::PayRecord;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use unchain_types::{Hash32, Signature, SigningKey, TxId};

/// `recruit.payroll` bodies for `records`: one month per body, at most
/// [`MAX_PAY_RECORDS`] records each, months in order. Each is `(month, body, records)`.
pub fn payroll_bodies(records: Vec<PayRecord>) -> Vec<(String, Value, usize)> {
    let mut months: BTreeMap<String, Vec<PayRecord>> = BTreeMap::new();
    for r in records {
        months.entry(r.month.clone()).or_default().push(r);
    }
    let mut out = Vec::new();
    for (month, list) in months {
        for chunk in list.chunks(MAX_PAY_RECORDS) {
            out.push((
                month.clone(),
                json!({"month": month, "records": chunk}),
                chunk.len(),
            ));
        }
    }
    out
}

/// The worker's signature of their answer to the contract `contract` of offer `offer`,
/// with the wallet key the offer names (what `recruit.respond` carries).
pub fn sign_response(
    key: &SigningKey,
    offer: &TxId,
    contract: &Hash32,
    response: Response,
    term: Option<&str>,
) -> Signature {
    key.sign(&Respond::message(offer, contract, response, term))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(worker: usize, month: &str) -> PayRecord {
        PayRecord {
            worker: format!("w-{worker:010}"),
            month: month.into(),
            currency: "QAR".into(),
            basic: 1,
            overtime_hours: 0,
            overtime_pay: 0,
            deductions: Vec::new(),
            paid_on: None,
            account: "a".into(),
        }
    }

    #[test]
    fn a_payroll_is_cut_by_month_and_size() {
        let mut records: Vec<PayRecord> = (0..MAX_PAY_RECORDS + 1)
            .map(|i| record(i, "2026-04"))
            .collect();
        records.push(record(0, "2026-03"));
        let bodies = payroll_bodies(records);
        let shape: Vec<(&str, usize)> = bodies.iter().map(|(m, _, n)| (m.as_str(), *n)).collect();
        assert_eq!(
            shape,
            [("2026-03", 1), ("2026-04", MAX_PAY_RECORDS), ("2026-04", 1)]
        );
        for (month, body, n) in &bodies {
            assert_eq!(body["month"], json!(month));
            assert_eq!(body["records"].as_array().map(Vec::len), Some(*n));
        }
    }
}
