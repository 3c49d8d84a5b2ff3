//! Wages reconciled against the contract on hand-built months, one finding kind at a time,
//! and the UAE WPS Salary Information File read (a bank's published sample) or refused by
//! line and field.

use serde_json::json;
use std::collections::BTreeMap;
use unchain_recruit::payroll::{
    Kind, PayRecord, missing_months, overtime_due, reconcile, shared_accounts,
};
use unchain_recruit::sif;
use unchain_recruit::terms::Terms;
use unchain_types::body::parse_body;

/// QAR 1 500 a month for 48 hours a week, overtime at 125 %, a social-insurance deduction
/// capped at QAR 50.
fn contract() -> Terms {
    parse_body(&json!({
        "employer": "qa-doha-build",
        "position": "Construction labourer",
        "workplace": {"country": "QA", "city": "Doha"},
        "wage": {"amount": 150000, "currency": "QAR", "period": "month"},
        "hours_per_week": 48,
        "overtime_rate_percent": 125,
        "rest_days_per_week": 1,
        "deductions": [{"name": "social_insurance", "cap": 5000}],
        "accommodation": "free",
        "food": "free",
        "contract_months": 24,
        "language": "ne"
    }))
    .expect("terms")
}

/// A correct month: the wage, 10 hours of overtime paid at the rate, an allowed deduction,
/// paid on the 5th of the next month.
fn good(worker: &str, month: &str) -> PayRecord {
    PayRecord {
        worker: worker.into(),
        month: month.into(),
        currency: "QAR".into(),
        basic: 150000,
        overtime_hours: 100,
        overtime_pay: overtime_due(&contract(), 100),
        deductions: vec![("social_insurance".into(), 5000)],
        paid_on: Some("2026-04-05".into()),
        account: format!("acct-{worker}"),
    }
}

fn kinds(pay: &PayRecord) -> Vec<Kind> {
    reconcile(&contract(), pay, 15)
        .into_iter()
        .map(|f| f.kind)
        .collect()
}

#[test]
fn a_correct_month_has_no_finding() {
    // 10 h × (1500 × 12 / 52 / 48) × 125 % = QAR 90.14
    assert_eq!(overtime_due(&contract(), 100), 9014);
    assert_eq!(kinds(&good("w-0000000001", "2026-03")), []);
}

#[test]
fn each_kind_of_shortfall_is_found_and_explained() {
    let month = "2026-03";
    let mut p = good("w-0000000001", month);
    p.basic = 120000;
    let f = reconcile(&contract(), &p, 15);
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].kind, f[0].expected.as_str(), f[0].paid.as_str()),
        (Kind::Underpaid, "1500.00 QAR", "1200.00 QAR")
    );
    assert_eq!(f[0].month, month);

    let mut p = good("w-0000000001", month);
    p.overtime_pay = 5000;
    let f = reconcile(&contract(), &p, 15);
    assert_eq!(f[0].kind, Kind::UnpaidOvertime);
    assert_eq!(f[0].expected, "90.14 QAR for 10 hours at 125 %");
    assert_eq!(f[0].paid, "50.00 QAR");

    let mut p = good("w-0000000001", month);
    p.deductions.push(("recruitment_loan".into(), 30000));
    assert_eq!(kinds(&p), [Kind::DeductionNotAllowed]);

    let mut p = good("w-0000000001", month);
    p.deductions[0].1 = 9000;
    let f = reconcile(&contract(), &p, 15);
    assert_eq!(f[0].kind, Kind::DeductionOverCap);
    assert_eq!(f[0].expected, "social_insurance up to 50.00 QAR");

    let mut p = good("w-0000000001", month);
    p.paid_on = Some("2026-04-16".into());
    assert_eq!(kinds(&p), [Kind::Late]);
    p.paid_on = Some("2026-04-15".into());
    assert_eq!(kinds(&p), [], "the 15th is still on time");

    let mut p = good("w-0000000001", month);
    p.paid_on = None;
    assert_eq!(kinds(&p), [Kind::Withheld]);

    let mut p = good("w-0000000001", month);
    p.currency = "NPR".into();
    p.basic = 1;
    assert_eq!(kinds(&p), [Kind::Currency], "nothing else compared");
}

#[test]
fn one_rounding_unit_of_overtime_is_not_a_finding_two_are() {
    let mut p = good("w-0000000001", "2026-03");
    p.overtime_pay = overtime_due(&contract(), 100) - 1;
    assert_eq!(kinds(&p), []);
    p.overtime_pay -= 1;
    assert_eq!(kinds(&p), [Kind::UnpaidOvertime]);
}

#[test]
fn a_month_without_a_record_is_withheld() {
    let months: Vec<String> = ["2026-01", "2026-02", "2026-03"].map(String::from).to_vec();
    let records = vec![
        good("w-0000000001", "2026-01"),
        good("w-0000000001", "2026-03"),
    ];
    let f = missing_months(&contract(), "w-0000000001", &months, &records);
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].kind, f[0].month.as_str()),
        (Kind::Withheld, "2026-02")
    );
}

#[test]
fn many_workers_paid_into_one_account_are_each_named() {
    let mut records: Vec<PayRecord> = (1..=5)
        .map(|i| good(&format!("w-000000000{i}"), "2026-03"))
        .collect();
    for r in &mut records[..3] {
        r.account = "acct-recruiter".into();
    }
    let f = shared_accounts(&records);
    let named: Vec<&str> = f.iter().map(|x| x.worker.as_str()).collect();
    assert_eq!(named, ["w-0000000001", "w-0000000002", "w-0000000003"]);
    assert!(f.iter().all(|x| x.kind == Kind::SharedAccount));
    // Two workers sharing an account (a couple, say) are not flagged.
    records[2].account = "acct-w-0000000003".into();
    assert!(shared_accounts(&records).is_empty());
}

/// The sample in Dubai Islamic Bank's published SIF creation guidelines.
const BANK_SAMPLE: &str = "EDR,00915012345663,802420101,AE160240043520123456701,2016-01-01,2016-01-31,31,4000.00,2500.00,0
EVP,00915012345663,802420101,500.00,200.00,300.00,0.00,400.00,1100.00,0.00
SCR,0000000123456,802420101,2016-01-26,1130,012016,01,6500.00,AED,abc company only 35 characters
";

#[test]
fn a_bank_sample_sif_reads_into_pay_records() {
    let f = sif::parse(BANK_SAMPLE.as_bytes()).expect("the sample reads");
    assert_eq!(f.edrs.len(), 1);
    assert_eq!((f.edrs[0].fixed, f.edrs[0].variable), (400000, 250000));
    assert_eq!(
        (f.scr.month.as_str(), f.scr.total, f.scr.currency.as_str()),
        ("2016-01", 650000, "AED")
    );
    let workers = BTreeMap::from([("00915012345663".to_owned(), "w-7f3a9c21e0".to_owned())]);
    let records =
        sif::to_pay_records(&f, &workers, |iban| format!("tok-{}", iban.len())).expect("records");
    assert_eq!(records[0].worker, "w-7f3a9c21e0");
    assert_eq!(records[0].basic, 400000);
    assert_eq!(records[0].paid_on.as_deref(), Some("2016-01-26"));
    assert!(
        !records[0].account.contains("AE16"),
        "the account number itself is not kept"
    );
    let unknown = sif::to_pay_records(&f, &BTreeMap::new(), |a| a.into()).expect_err("unmapped");
    assert_eq!((unknown.line, unknown.field.as_str()), (1, "EDR.employee"));
}

#[test]
fn malformed_sif_lines_are_refused_by_line_and_field() {
    let refused = |text: &str| sif::parse(text.as_bytes()).expect_err("refused");
    let swap = |from: &str, to: &str| BANK_SAMPLE.replacen(from, to, 1);
    for (text, line, field) in [
        (swap("4000.00", "4000"), 1, "EDR.fixed"),
        (swap("4000.00", "4,000.00"), 1, "EDR"),
        (swap("802420101,AE16", "80242010,AE16"), 1, "EDR.routing"),
        (swap("2016-01-31", "2016-13-31"), 1, "EDR.end"),
        (swap("2016-01-31,31", "2015-12-31,31"), 1, "EDR.end"),
        (swap(",31,4000", ",32,4000"), 1, "EDR.days"),
        (swap("6500.00", "6400.00"), 3, "SCR.total"),
        (swap(",01,6500", ",02,6500"), 3, "SCR.count"),
        (swap("012016", "132016"), 3, "SCR.month"),
        (swap("AED", "aed"), 3, "SCR.currency"),
        (swap("EVP", "XYZ"), 2, "record"),
        (
            BANK_SAMPLE.lines().take(2).collect::<Vec<_>>().join("\n"),
            2,
            "SCR",
        ),
        (format!("{BANK_SAMPLE}EDR,1,2,3,4,5,6,7,8,9\n"), 4, "record"),
    ] {
        let e = refused(&text);
        assert_eq!((e.line, e.field.as_str()), (line, field), "{e}");
        assert!(!e.rule.is_empty());
    }
}

const PAYROLL_CSV: &str =
    "worker,month,currency,basic,overtime_hours,overtime_pay,deductions,paid_on,account
w-0000000001,2026-03,QAR,1500.00,10,90.14,social_insurance:50.00,2026-04-05,acct-1
w-0000000002,2026-03,QAR,1200.00,,,social_insurance:50.00;recruitment_loan:300.00,2026-04-20,acct-2
w-0000000003,2026-03,QAR,1500.00,12.5,0.00,,,acct-3
";

#[test]
fn a_csv_payroll_reads_and_reconciles() {
    let records = unchain_recruit::payroll_csv::parse(PAYROLL_CSV.as_bytes()).expect("reads");
    assert_eq!(records.len(), 3);
    assert_eq!(
        records[0],
        good("w-0000000001", "2026-03").tap(|r| r.account = "acct-1".into())
    );
    assert_eq!(
        kinds(&records[1]),
        [Kind::Underpaid, Kind::DeductionNotAllowed, Kind::Late]
    );
    assert_eq!(records[2].overtime_hours, 125);
    assert_eq!(kinds(&records[2]), [Kind::Withheld]);
    // Columns in another order read the same.
    let reordered = "account,paid_on,basic,currency,month,worker\nacct-9,2026-04-02,1500.00,QAR,2026-03,w-0000000009\n";
    let r = unchain_recruit::payroll_csv::parse(reordered.as_bytes()).expect("reads");
    assert_eq!(kinds(&r[0]), []);
}

#[test]
fn malformed_csv_lines_are_refused_by_line_and_column() {
    let header =
        "worker,month,currency,basic,overtime_hours,overtime_pay,deductions,paid_on,account\n";
    for (body, line, column) in [
        ("w-0000000001,2026-03,QAR,1500,,,,2026-04-05,a\n", 0, ""),
        (
            "w-0000000001,2026-3,QAR,1500.00,,,,2026-04-05,a\n",
            2,
            "month",
        ),
        (
            "Ram Bahadur,2026-03,QAR,1500.00,,,,2026-04-05,a\n",
            2,
            "worker",
        ),
        (
            "w-0000000001,2026-03,qar,1500.00,,,,2026-04-05,a\n",
            2,
            "currency",
        ),
        (
            "w-0000000001,2026-03,QAR,15.5,,,,2026-04-05,a\n",
            2,
            "basic",
        ),
        (
            "w-0000000001,2026-03,QAR,1500.00,1.25,,,2026-04-05,a\n",
            2,
            "overtime_hours",
        ),
        (
            "w-0000000001,2026-03,QAR,1500.00,,,loan=5,2026-04-05,a\n",
            2,
            "deductions",
        ),
        (
            "w-0000000001,2026-03,QAR,1500.00,,,,05/04/2026,a\n",
            2,
            "paid_on",
        ),
        (
            "w-0000000001,2026-03,QAR,1500.00,,,,2026-04-05,\n",
            2,
            "account",
        ),
        (
            "w-0000000001,2026-03,QAR,1500.00,,,,2026-04-05,a,extra\n",
            2,
            "row",
        ),
    ] {
        let text = format!("{header}{body}");
        let result = unchain_recruit::payroll_csv::parse(text.as_bytes());
        if line == 0 {
            assert!(result.is_ok(), "{body}: a whole amount reads");
            continue;
        }
        let e = result.expect_err("refused");
        assert_eq!((e.line, e.column.as_str()), (line, column), "{e}");
    }
    let e = unchain_recruit::payroll_csv::parse(b"worker,month,salary\n").expect_err("refused");
    assert_eq!((e.line, e.column.as_str()), (1, "salary"));
    let e = unchain_recruit::payroll_csv::parse(b"worker,month,currency,basic,paid_on\n")
        .expect_err("refused");
    assert_eq!((e.line, e.column.as_str()), (1, "account"));
}

/// `tap` for building a value in one expression.
trait Tap: Sized {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}
impl<T> Tap for T {}
