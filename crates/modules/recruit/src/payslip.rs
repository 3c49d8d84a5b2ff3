//! The worker's own payslip (`recruit.payslip`): a month's pay as the worker was handed it,
//! signed with the wallet key their offer names and relayed by any member (an NGO, a union,
//! the regulator). It is reconciled against the contract exactly as an employer's payroll
//! is, and compared with the employer's own report of that month: where they differ, both
//! records carry a `reports_differ` finding — the classic sign of a wage protection file
//! that says one thing while the worker is paid another.

use crate::payroll::PayRecord;
use serde::{Deserialize, Serialize};
use unchain_types::body::BodyError;
use unchain_types::{Signature, SigningKey, TxId};

/// `recruit.payslip`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payslip {
    /// The offer whose registered contract the pay is checked against.
    pub offer: TxId,
    /// `YYYY-MM`.
    pub month: String,
    /// ISO 4217.
    pub currency: String,
    /// Basic wage paid, minor units.
    pub basic: u64,
    /// Overtime worked, tenths of an hour.
    #[serde(default)]
    pub overtime_hours: u32,
    /// Overtime paid, minor units.
    #[serde(default)]
    pub overtime_pay: u64,
    /// Each deduction on the payslip: its code and amount (minor units).
    #[serde(default)]
    pub deductions: Vec<(String, u64)>,
    /// When it was paid (`YYYY-MM-DD`); none if it was not.
    #[serde(default)]
    pub paid_on: Option<String>,
    /// The worker's Ed25519 signature over [`Payslip::message`].
    pub signature: Signature,
    /// The pseudonymous user of the relaying member, if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

impl Payslip {
    /// What the worker signs: a fixed text naming the offer and every figure, so that a
    /// signature vouches for exactly this month's payslip of this offer.
    pub fn message(&self) -> Vec<u8> {
        let deductions: Vec<String> = self
            .deductions
            .iter()
            .map(|(name, amount)| format!("{name}:{amount}"))
            .collect();
        format!(
            "unchain/recruit/payslip/v1\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
            self.offer,
            self.month,
            self.currency,
            self.basic,
            self.overtime_hours,
            self.overtime_pay,
            deductions.join(","),
            self.paid_on.as_deref().unwrap_or("")
        )
        .into_bytes()
    }

    /// Signs it with the worker's wallet key.
    pub fn sign(mut self, key: &SigningKey) -> Payslip {
        self.signature = key.sign(&self.message());
        self
    }

    /// The pay record it states, for `worker` (the offer's). A payslip names no account.
    pub fn record(&self, worker: &str) -> PayRecord {
        PayRecord {
            worker: worker.to_owned(),
            month: self.month.clone(),
            currency: self.currency.clone(),
            basic: self.basic,
            overtime_hours: self.overtime_hours,
            overtime_pay: self.overtime_pay,
            deductions: self.deductions.clone(),
            paid_on: self.paid_on.clone(),
            account: String::new(),
        }
    }

    /// Checks what needs no state.
    pub fn check(&self) -> Result<(), BodyError> {
        if !crate::terms::is_month(&self.month) {
            return Err(BodyError::new("month", "a month, YYYY-MM"));
        }
        if !crate::terms::is_upper_code(&self.currency, 3) {
            return Err(BodyError::new("currency", "an ISO 4217 code (\"QAR\")"));
        }
        for (i, (name, _)) in self.deductions.iter().enumerate() {
            crate::terms::check_code(&format!("deductions[{i}]"), name)?;
        }
        if let Some(d) = &self.paid_on
            && !crate::terms::is_date(d)
        {
            return Err(BodyError::new(
                "paid_on",
                "a date of the calendar, YYYY-MM-DD",
            ));
        }
        Ok(())
    }
}

/// Where an employer's report of a month and the worker's payslip disagree, described for
/// people; `None` when they agree on the basic wage, overtime pay, every deduction and the
/// day paid.
pub fn differences(employer: &PayRecord, payslip: &PayRecord) -> Option<(String, String)> {
    let mut e_deductions = employer.deductions.clone();
    let mut w_deductions = payslip.deductions.clone();
    e_deductions.sort();
    w_deductions.sort();
    let say = |r: &PayRecord, deductions: &[(String, u64)]| {
        let d: Vec<String> = deductions
            .iter()
            .map(|(n, a)| format!("{n} {}", crate::terms::money(*a, &r.currency)))
            .collect();
        format!(
            "basic {}, overtime {}, deductions [{}], paid {}",
            crate::terms::money(r.basic, &r.currency),
            crate::terms::money(r.overtime_pay, &r.currency),
            d.join(", "),
            r.paid_on.as_deref().unwrap_or("never")
        )
    };
    let same = employer.currency == payslip.currency
        && employer.basic == payslip.basic
        && employer.overtime_pay == payslip.overtime_pay
        && e_deductions == w_deductions
        && employer.paid_on == payslip.paid_on;
    (!same).then(|| (say(employer, &e_deductions), say(payslip, &w_deductions)))
}

/// State and execution (feature `ledger`): `payslip/{worker}/{month}` holds the payslip as
/// a [`crate::state::WageRecord`], `payslip-of/{employer}/{month}/{worker}` indexes it by
/// employer.
#[cfg(feature = "ledger")]
pub mod ledger {
    use super::{Payslip, differences};
    use crate::payroll::{Kind, WageFinding, reconcile};
    use crate::state::{Recorded, SPACE, WageRecord, wage};
    use unchain_ledger::state::{StateRead, encode};
    use unchain_ledger::{ExecContext, ExecError, refuse};
    use unchain_types::Code;

    pub(crate) fn payslip_key(worker: &str, month: &str) -> Vec<u8> {
        SPACE.key(format_args!("payslip/{worker}/{month}"))
    }

    fn by_employer_key(employer: &str, month: &str, worker: &str) -> Vec<u8> {
        SPACE.key(format_args!("payslip-of/{employer}/{month}/{worker}"))
    }

    /// A worker's payslip for a month, reconciled.
    pub fn payslip(
        state: &impl StateRead,
        worker: &str,
        month: &str,
    ) -> Result<Option<WageRecord>, redb::StorageError> {
        SPACE.get(state, &payslip_key(worker, month))
    }

    /// Every payslip `worker` reported, oldest first.
    pub fn payslips_of(
        state: &impl StateRead,
        worker: &str,
    ) -> Result<Vec<WageRecord>, redb::StorageError> {
        Ok(state
            .scan_prefix(&SPACE.key(format_args!("payslip/{worker}/")))?
            .into_iter()
            .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
            .collect())
    }

    /// Every payslip the workers of `employer` reported, as (month, worker).
    pub fn payslips_at(
        state: &impl StateRead,
        employer: &str,
    ) -> Result<Vec<(String, String)>, redb::StorageError> {
        let prefix = SPACE.key(format_args!("payslip-of/{employer}/"));
        Ok(state
            .scan_prefix(&prefix)?
            .into_iter()
            .filter_map(|(k, _)| {
                let rest = std::str::from_utf8(&k[prefix.len()..]).ok()?;
                let (month, worker) = rest.split_once('/')?;
                Some((month.to_owned(), worker.to_owned()))
            })
            .collect())
    }

    /// The `reports_differ` finding for `worker`'s `month`, if the two reports disagree.
    pub(crate) fn differ_finding(
        employer: &crate::payroll::PayRecord,
        payslip: &crate::payroll::PayRecord,
    ) -> Option<WageFinding> {
        differences(employer, payslip).map(|(theirs, worker)| WageFinding {
            worker: payslip.worker.clone(),
            month: payslip.month.clone(),
            kind: Kind::ReportsDiffer,
            expected: format!("the worker's payslip: {worker}"),
            paid: format!("the employer's report: {theirs}"),
        })
    }

    pub(crate) fn execute(
        ctx: &mut ExecContext<'_, '_>,
        p: &Payslip,
        grace_days: u32,
    ) -> Result<(), ExecError> {
        let o = crate::state::offer(&*ctx.state, &p.offer)?
            .ok_or_else(|| refuse(Code::NotFound, format!("offer: no offer {}", p.offer)))?;
        let Some(holder) = o.offer.holder else {
            return Err(refuse(
                Code::InvalidBody,
                "offer: it names no wallet key of the worker's; nobody can sign for them",
            ));
        };
        let c = crate::state::contract(&*ctx.state, &p.offer)?.ok_or_else(|| {
            refuse(
                Code::NotFound,
                format!(
                    "offer: {} has no contract to check the pay against",
                    p.offer
                ),
            )
        })?;
        if !holder.verify(&p.signature, &p.message()) {
            return Err(refuse(
                Code::BadSignature,
                "signature: not the worker's (the wallet key named in the offer)",
            ));
        }
        let worker = o.offer.worker.clone();
        if payslip(&*ctx.state, &worker, &p.month)?.is_some() {
            return Err(refuse(
                Code::AlreadyExists,
                format!(
                    "month: the worker's payslip for {} is already recorded",
                    p.month
                ),
            ));
        }
        let record = p.record(&worker);
        let mut findings = reconcile(&c.contract.terms, &record, grace_days);
        let employer = c.contract.terms.employer.clone();
        let reported = wage(&*ctx.state, &worker, &p.month)?;
        if let Some(mut w) = reported
            && let Some(f) = differ_finding(&w.record, &record)
        {
            findings.push(f.clone());
            // The employer's record of the month carries it too.
            w.findings.push(f);
            ctx.state
                .put(&crate::state::wage_key(&worker, &p.month), &encode(&w))?;
        }
        let rec = Recorded {
            member: ctx.sender.name.clone(),
            tx_id: ctx.tx_id,
            log_index: ctx.log_index,
            recorded_ms: ctx.timestamp_ms,
        };
        ctx.state
            .put(&by_employer_key(&employer, &p.month, &worker), &[])?;
        Ok(ctx.state.put(
            &payslip_key(&worker, &p.month),
            &encode(&WageRecord {
                record,
                offer: p.offer,
                recorded: rec,
                findings,
            }),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slip() -> Payslip {
        Payslip {
            offer: TxId(unchain_types::Hash32::digest(b"offer")),
            month: "2026-03".into(),
            currency: "QAR".into(),
            basic: 100_000,
            overtime_hours: 0,
            overtime_pay: 0,
            deductions: vec![("recruitment_loan".into(), 40_000)],
            paid_on: Some("2026-04-28".into()),
            signature: Signature::from_bytes([0; 64]),
            actor: None,
        }
    }

    #[test]
    fn the_signature_covers_every_figure() {
        let key = SigningKey::from_seed([7; 32]);
        let signed = slip().sign(&key);
        assert!(
            key.public_key()
                .verify(&signed.signature, &signed.message())
        );
        let mut changed = signed.clone();
        changed.deductions[0].1 = 4_000;
        assert!(
            !key.public_key()
                .verify(&changed.signature, &changed.message())
        );
    }

    #[test]
    fn a_payslip_names_its_bad_field() {
        let mut s = slip();
        s.month = "2026-13".into();
        assert_eq!(s.check().expect_err("month").field, "month");
        let mut s = slip();
        s.deductions[0].0 = "Loan!".into();
        assert_eq!(s.check().expect_err("code").field, "deductions[0]");
        assert_eq!(slip().check(), Ok(()));
    }

    #[test]
    fn the_employers_report_and_the_payslip_are_compared_figure_by_figure() {
        let payslip = slip().record("w-5e1a77c0aa");
        let mut employer = payslip.clone();
        employer.deductions.clear();
        employer.basic = 120_000;
        let (theirs, worker) = differences(&employer, &payslip).expect("they differ");
        assert!(theirs.contains("basic 1200.00 QAR"), "{theirs}");
        assert!(worker.contains("recruitment_loan 400.00 QAR"), "{worker}");
        assert_eq!(differences(&payslip, &payslip.clone()), None);
    }
}
