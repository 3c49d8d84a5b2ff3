//! Reconciling one month of payroll for N workers (default 100 000): a generated CSV export
//! is read, every record is reconciled against its worker's contract, and shared accounts
//! are looked for across the month. Prints the time of each step and the process's peak
//! memory (VmHWM). One worker in fifty is underpaid, one in a hundred has a deduction the
//! contract does not allow, one in two hundred is paid late, and thirty workers share one
//! account, so the findings can be counted.
//!
//! `cargo run --release -p unchain-recruit --example payroll_month -- 100000`
// An example reads its arguments, the clock and /proc; execution never does.
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;
use unchain_recruit::payroll::{Kind, reconcile, shared_accounts};
use unchain_recruit::terms::Terms;
use unchain_types::body::parse_body;

fn terms(wage: u64) -> Terms {
    parse_body(&serde_json::json!({
        "employer": "qa-doha-build", "position": "Construction labourer",
        "workplace": {"country": "QA", "city": "Doha"},
        "wage": {"amount": wage, "currency": "QAR", "period": "month"},
        "hours_per_week": 48, "overtime_rate_percent": 125, "rest_days_per_week": 1,
        "deductions": [{"name": "social_insurance", "cap": 5000}],
        "accommodation": "free", "food": "free", "contract_months": 24, "language": "ne"
    }))
    .expect("terms")
}

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let t = Instant::now();
    let mut contracts: BTreeMap<String, Terms> = BTreeMap::new();
    let mut csv = String::from(
        "worker,month,currency,basic,overtime_hours,overtime_pay,deductions,paid_on,account\n",
    );
    for i in 0..n {
        let worker = format!("w-{i:010}");
        let wage = 120_000 + (i % 10) as u64 * 5_000;
        let c = terms(wage);
        let basic = if i % 50 == 0 { wage - 20_000 } else { wage };
        let ot_hours = (i % 20) as u32 * 10;
        let ot_pay = unchain_recruit::payroll::overtime_due(&c, ot_hours);
        let deductions = if i % 100 == 1 {
            "social_insurance:50.00;recruitment_loan:300.00"
        } else {
            "social_insurance:50.00"
        };
        let paid_on = if i % 200 == 2 {
            "2026-04-28"
        } else {
            "2026-04-05"
        };
        let account = if i < 30 {
            "acct-shared".to_owned()
        } else {
            format!("acct-{i}")
        };
        let _ = writeln!(
            csv,
            "{worker},2026-03,QAR,{}.{:02},{},{}.{:02},{deductions},{paid_on},{account}",
            basic / 100,
            basic % 100,
            ot_hours / 10,
            ot_pay / 100,
            ot_pay % 100
        );
        contracts.insert(worker, c);
    }
    let generated = t.elapsed();
    let t = Instant::now();
    let records = unchain_recruit::payroll_csv::parse(csv.as_bytes()).expect("the export reads");
    let read = t.elapsed();
    let t = Instant::now();
    let mut findings = Vec::new();
    for r in &records {
        if let Some(c) = contracts.get(&r.worker) {
            findings.extend(reconcile(c, r, 15));
        }
    }
    let reconciled = t.elapsed();
    let t = Instant::now();
    findings.extend(shared_accounts(&records));
    let shared = t.elapsed();
    let mut by_kind: BTreeMap<Kind, usize> = BTreeMap::new();
    for f in &findings {
        *by_kind.entry(f.kind).or_default() += 1;
    }
    println!("workers: {n}; CSV {} MB", csv.len() / 1_000_000);
    println!("generate (contracts and the export): {generated:.2?}");
    println!("read the CSV: {read:.2?}");
    println!("reconcile every record: {reconciled:.2?}");
    println!("shared accounts: {shared:.2?}");
    println!(
        "total (read + reconcile + shared): {:.2?}",
        read + reconciled + shared
    );
    println!("findings: {by_kind:?}");
    println!("peak memory (VmHWM): {} MiB", peak_kib() / 1024);
}
