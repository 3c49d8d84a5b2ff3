//! `unchain finance share`: an alert sealed to partner organisations as a vault record.
//! The alert (its explanation and evidence, with account names) is encrypted here; the
//! ledger carries only the seal and blind-index tokens of the accounts that have a
//! matchable form (IBANs, crypto addresses), so a partner holding a case with the same
//! account gets a match alert without anyone revealing the account.

use crate::session::{Session, Who};
use crate::vaultcmd::{SealSpec, seal_with};
use anyhow::{Context as _, bail};
use clap::Args;
use std::path::PathBuf;
use unchain_seal::IdentifierKind;
use unchain_seal::blind::normalize;

/// The schema of a shared alert.
pub const ALERT_SCHEMA: &str = "finance.alert";

/// `unchain finance share`.
#[derive(Args)]
pub struct ShareArgs {
    /// The alerts file written by `unchain finance scan --json`.
    pub alerts: PathBuf,
    /// Which alert, as numbered in the scan's report (1 = the strongest).
    #[arg(long)]
    pub alert: usize,
    /// The organisations to seal it to (yours is always included). Comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub to: Vec<String>,
    /// Days until the record must be erased.
    #[arg(long, default_value_t = 1825)]
    pub retention_days: u32,
    #[command(flatten)]
    pub who: Who,
}

/// The identifier an account matches as, if it has a normal form: an IBAN or a crypto
/// address. Bank-internal account numbers have none and are shared sealed only.
pub fn matchable(account: &str) -> Option<String> {
    for kind in [IdentifierKind::Iban, IdentifierKind::Crypto] {
        if normalize(kind, account, None).is_ok() {
            return Some(format!("{}:{account}", kind.as_str()));
        }
    }
    None
}

/// The alert's accounts: its own first, then each evidence payment's payer and payee.
pub fn accounts_of(alert: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |a: Option<&str>| {
        if let Some(a) = a
            && !out.iter().any(|x| x == a)
        {
            out.push(a.to_owned());
        }
    };
    add(alert["account"].as_str());
    for e in alert["evidence"].as_array().into_iter().flatten() {
        add(e["from"].as_str());
        add(e["to"].as_str());
    }
    out
}

/// Seals alert `a.alert` of `a.alerts` to `a.to`.
pub async fn share(a: ShareArgs) -> anyhow::Result<()> {
    let text =
        std::fs::read(&a.alerts).with_context(|| format!("reading {}", a.alerts.display()))?;
    let doc: serde_json::Value = serde_json::from_slice(&text).with_context(|| {
        format!(
            "{}: not the JSON of `unchain finance scan --json`",
            a.alerts.display()
        )
    })?;
    let list = doc["alerts"]
        .as_array()
        .with_context(|| format!("{}: no `alerts` list", a.alerts.display()))?;
    if a.alert == 0 || a.alert > list.len() {
        bail!(
            "--alert {}: the file holds alerts 1 to {}",
            a.alert,
            list.len()
        );
    }
    let alert = &list[a.alert - 1];
    if alert["detector"].as_str().is_none() || alert["evidence"].as_array().is_none() {
        bail!(
            "--alert {}: not an alert (no detector or evidence)",
            a.alert
        );
    }
    let accounts = accounts_of(alert);
    let max = unchain_vault::body::MAX_TOKENS;
    let matchable: Vec<String> = accounts.iter().filter_map(|x| matchable(x)).collect();
    let identifiers: Vec<String> = matchable.iter().take(max).cloned().collect();
    let payload = serde_json::json!({"schema": ALERT_SCHEMA, "version": 1, "alert": alert});
    let s = Session::open(&a.who).await?;
    let spec = SealSpec {
        schema: ALERT_SCHEMA.into(),
        to: a.to.clone(),
        subject: None,
        consent_required: false,
        minor: false,
        retention_days: a.retention_days,
        identifiers,
        country: None,
        record: None,
    };
    let (id, status) = seal_with(&s, &serde_json::to_vec_pretty(&payload)?, &spec).await?;
    eprintln!(
        "alert {} ({} on {}) sealed to {}: vault.seal {} at height {}",
        a.alert,
        alert["detector"].as_str().unwrap_or(""),
        alert["account"].as_str().unwrap_or(""),
        a.to.join(", "),
        status.status,
        status.height.map(|h| h.to_string()).unwrap_or_default()
    );
    eprintln!(
        "{} of {} accounts blinded for matching (IBANs and crypto addresses){}",
        matchable.len().min(max),
        accounts.len(),
        if matchable.len() > max {
            format!(
                "; {} more left unblinded (at most {max} per record)",
                matchable.len() - max
            )
        } else {
            String::new()
        }
    );
    eprintln!("record id: {id}");
    println!("{}", serde_json::to_string_pretty(&status)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_ibans_and_crypto_addresses_are_matchable() {
        assert_eq!(
            super::matchable("GB82 WEST 1234 5698 7654 32").as_deref(),
            Some("iban:GB82 WEST 1234 5698 7654 32")
        );
        assert!(super::matchable("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq").is_some());
        assert_eq!(super::matchable("0110/8000EC1E0"), None);
        assert_eq!(
            super::matchable("GB82WEST12345698765433"),
            None,
            "bad check digits"
        );
    }
}
