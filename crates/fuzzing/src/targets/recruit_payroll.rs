//! A payroll file from outside — the UAE WPS Salary Information File or a CSV export —
//! read and reconciled against a contract: never panics, and a file that reads holds only
//! records the reconciliation accepts.

use std::sync::LazyLock;
use unchain_recruit::payroll::{reconcile, shared_accounts};
use unchain_recruit::terms::Terms;

static TERMS: LazyLock<Terms> = LazyLock::new(|| {
    unchain_types::body::parse_body(&serde_json::json!({
        "employer": "qa-doha-build", "position": "Labourer",
        "workplace": {"country": "QA", "city": "Doha"},
        "wage": {"amount": 150000, "currency": "QAR", "period": "month"},
        "hours_per_week": "37.5", "overtime_rate_percent": 125, "rest_days_per_week": 1,
        "deductions": [{"name": "social_insurance", "cap": 5000}],
        "accommodation": "free", "food": "free", "contract_months": 24, "language": "ne"
    }))
    .expect("the fixed terms read")
});

/// One input: the first byte chooses the format (even: SIF, odd: CSV).
pub fn run(data: &[u8]) {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let records = if first % 2 == 0 {
        let Ok(sif) = unchain_recruit::sif::parse(rest) else {
            return;
        };
        let workers = sif
            .edrs
            .iter()
            .map(|e| (e.employee.clone(), "w-0000000001".to_owned()))
            .collect();
        match unchain_recruit::sif::to_pay_records(&sif, &workers, |a| a.to_owned()) {
            Ok(r) => r,
            Err(_) => return,
        }
    } else {
        match unchain_recruit::payroll_csv::parse(rest) {
            Ok(r) => r,
            Err(_) => return,
        }
    };
    for r in &records {
        let _ = reconcile(&TERMS, r, 15);
    }
    let _ = shared_accounts(&records);
}
