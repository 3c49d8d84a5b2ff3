//! `unchain wallet payslip`: the worker signs a month's payslip with the key their job offer
//! names and writes the `recruit.payslip` body; any member relays it with `unchain recruit
//! payslip FILE`. The ledger reconciles it against the contract and compares it with the
//! employer's own report of the month.

use crate::walletcmd::{WalletFile, load_wallet};
use anyhow::Context as _;
use clap::Args;
use std::path::PathBuf;
use unchain_recruit::payslip::Payslip;

/// Arguments of `unchain wallet payslip`.
#[derive(Args)]
pub struct PayslipArgs {
    #[command(flatten)]
    file: WalletFile,
    /// The key to sign with (its label).
    #[arg(long, default_value = "me")]
    key: String,
    /// The job offer, hex (`unchain wallet show` lists it in the credential).
    #[arg(long)]
    offer: String,
    /// The month, YYYY-MM.
    #[arg(long)]
    month: String,
    /// The currency, ISO 4217 (QAR).
    #[arg(long)]
    currency: String,
    /// The basic wage paid, as on the payslip (1100.00).
    #[arg(long)]
    basic: String,
    /// Overtime worked, hours (12.5).
    #[arg(long)]
    overtime_hours: Option<String>,
    /// Overtime paid (150.00).
    #[arg(long)]
    overtime_pay: Option<String>,
    /// A deduction on the payslip, NAME:AMOUNT (recruitment_loan:400.00); repeat it.
    #[arg(long)]
    deduction: Vec<String>,
    /// The day it was paid, YYYY-MM-DD (leave it out if it was not paid).
    #[arg(long)]
    paid_on: Option<String>,
    /// Write the body here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `1100.00` (or `1100`) as minor units; `field` names the option in the error.
fn minor(field: &str, s: &str) -> anyhow::Result<u64> {
    unchain_recruit::terms::parse_amount(s, false)
        .ok_or_else(|| anyhow::anyhow!("{field}: {s:?} is not an amount (1100.00)"))
}

/// `12.5` hours as tenths.
fn tenths(s: &str) -> anyhow::Result<u32> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
    let ok = !whole.is_empty()
        && whole.len() <= 4
        && frac.len() == 1
        && whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit());
    anyhow::ensure!(
        ok,
        "--overtime-hours: {s:?} is not hours with one decimal at most (12.5)"
    );
    Ok(whole.parse::<u32>()? * 10 + frac.parse::<u32>()?)
}

/// Runs `unchain wallet payslip`.
pub fn run(a: PayslipArgs) -> anyhow::Result<()> {
    let w = load_wallet(&a.file.wallet)?;
    let key = w.key(&a.key)?;
    let offer =
        unchain_types::TxId::from_hex(&a.offer).map_err(|e| anyhow::anyhow!("--offer: {e}"))?;
    let mut deductions = Vec::new();
    for d in &a.deduction {
        let (name, amount) = d
            .split_once(':')
            .with_context(|| format!("--deduction: {d:?} is not NAME:AMOUNT"))?;
        deductions.push((name.to_owned(), minor("--deduction", amount)?));
    }
    let slip = Payslip {
        offer,
        month: a.month,
        currency: a.currency,
        basic: minor("--basic", &a.basic)?,
        overtime_hours: a
            .overtime_hours
            .as_deref()
            .map(tenths)
            .transpose()?
            .unwrap_or(0),
        overtime_pay: a
            .overtime_pay
            .as_deref()
            .map(|s| minor("--overtime-pay", s))
            .transpose()?
            .unwrap_or(0),
        deductions,
        paid_on: a.paid_on,
        signature: unchain_types::Signature::from_bytes([0; 64]),
        actor: None,
    };
    slip.check()
        .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.reason))?;
    let body = serde_json::to_string_pretty(&slip.sign(&key))?;
    match a.out {
        Some(path) => crate::output::write(&path, body + "\n")?,
        None => println!("{body}"),
    }
    Ok(())
}
