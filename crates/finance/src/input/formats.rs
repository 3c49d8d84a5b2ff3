//! The formats `unchain finance` reads, recognised by their headers:
//!
//! | format | where from | columns used |
//! | --- | --- | --- |
//! | `generic` | any bank or platform, converted (see [`super`]) | `id`, `timestamp`, `from`, `to`, `amount`, `currency`, `channel`, optional `mcc`, `country` |
//! | `amlsim` | IBM AMLSim's `transactions.csv` (with its `accounts.csv` beside it for currencies, and `alerts.csv`, `alert_transactions.csv` or `alert_accounts.csv` as ground truth) | `tran_id`, `tran_timestamp`, `orig_acct`, `bene_acct`, `base_amt`, `tx_type`, `is_sar` or `is_fraud` |
//! | `altman` | IBM's synthetic AML data (Altman et al. 2023, `HI-Small_Trans.csv` …) | `Timestamp`, `From Bank`, `Account`, `To Bank`, `Account`, `Amount Paid`, `Payment Currency`, `Payment Format`, `Is Laundering` |
//! | `amlsim-2019` | AMLSim's 2019 samples (`sample/20K_*.tgz`: `transactions.csv` beside `nodes.csv`, whose `isFraud` is the ground truth) | `sourceNodeId`, `targetNodeId`, `value`, `time` (a simulation step: one day) |
//! | `crypto` | address-to-address transfers (BigQuery's public crypto tables, explorer exports) | `hash`, `block_timestamp`, `from_address`, `to_address`, `value`, optional `symbol` |
//!
//! The 2019 samples name no transaction ids, currencies or channels: ids are line
//! numbers, the currency is the reader's default and the channel `transfer`; step `n` is
//! day `n` after the Unix epoch. Accounts of the `altman` format are `BANK/ACCOUNT`. Its and AMLSim's self-transfers
//! (reinvestment: the same account both sides) are left out and counted; so are crypto
//! transfers of no value (contract calls). A crypto `value` without a decimal point is a
//! count of base units (wei: 18 decimals, the default; satoshi: 8); decimals past the
//! sixth are dropped.

use super::InputError;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The generic schema.
    Generic,
    /// IBM AMLSim's output.
    AmlSim,
    /// IBM's synthetic AML transactions (Altman et al. 2023).
    Altman,
    /// Crypto address-to-address transfers.
    Crypto,
    /// AMLSim's 2019 sample output (`sourceNodeId`, `targetNodeId`, `value`, `time`).
    AmlSim2019,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 5] = [
        Format::Generic,
        Format::AmlSim,
        Format::Altman,
        Format::Crypto,
        Format::AmlSim2019,
    ];

    /// Its name on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Format::Generic => "generic",
            Format::AmlSim => "amlsim",
            Format::Altman => "altman",
            Format::Crypto => "crypto",
            Format::AmlSim2019 => "amlsim-2019",
        }
    }

    /// The format a header is in, by its distinctive columns.
    pub fn detect(header: &[String]) -> Format {
        let has = |n: &str| header.iter().any(|h| h.eq_ignore_ascii_case(n));
        if has("From Bank") && has("To Bank") {
            Format::Altman
        } else if has("orig_acct") && has("bene_acct") {
            Format::AmlSim
        } else if has("from_address") && has("to_address") {
            Format::Crypto
        } else if has("sourceNodeId") && has("targetNodeId") {
            Format::AmlSim2019
        } else {
            Format::Generic
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown format {s:?} (known: {})",
                    Format::ALL.map(|f| f.name()).join(", ")
                )
            })
    }
}

/// Where each field is in a file's rows.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub format: Format,
    pub header: Vec<String>,
    /// `None`: the id is the line number.
    pub id: Option<usize>,
    pub ts: usize,
    pub from: usize,
    pub from_bank: Option<usize>,
    pub to: usize,
    pub to_bank: Option<usize>,
    pub amount: usize,
    /// `None`: the reader's default currency.
    pub currency: Option<usize>,
    /// `None`: the format's own channel ([`Layout::default_channel`]).
    pub channel: Option<usize>,
    /// The channel of every row when the format names none.
    pub default_channel: &'static str,
    /// Seconds per unit of the time column when it is a number: 1 for Unix seconds,
    /// 86 400 for AMLSim 2019's daily steps.
    pub time_unit_s: i64,
    pub mcc: Option<usize>,
    pub country: Option<usize>,
    /// A laundering label (1/0, true/false).
    pub label: Option<usize>,
}

impl Layout {
    /// The columns the layout reads.
    pub fn used(&self) -> Vec<usize> {
        [
            Some(self.ts),
            Some(self.from),
            Some(self.to),
            Some(self.amount),
            self.id,
            self.from_bank,
            self.to_bank,
            self.currency,
            self.channel,
            self.mcc,
            self.country,
            self.label,
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The layout of `header` in `format`.
    pub fn new(format: Format, header: Vec<String>) -> Result<Layout, InputError> {
        let find = |names: &[&str]| {
            header
                .iter()
                .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
        };
        let need = |names: &[&'static str]| {
            find(names).ok_or(InputError::MissingColumn {
                format: format.name(),
                column: names[0],
            })
        };
        let layout = match format {
            Format::Generic => Layout {
                id: Some(need(&["id"])?),
                ts: need(&["timestamp"])?,
                from: need(&["from"])?,
                from_bank: None,
                to: need(&["to"])?,
                to_bank: None,
                amount: need(&["amount"])?,
                currency: Some(need(&["currency"])?),
                channel: Some(need(&["channel"])?),
                mcc: find(&["mcc"]),
                country: find(&["country"]),
                label: None,
                default_channel: "",
                time_unit_s: 1,
                format,
                header,
            },
            Format::AmlSim => Layout {
                id: Some(need(&["tran_id"])?),
                ts: need(&["tran_timestamp"])?,
                from: need(&["orig_acct"])?,
                from_bank: None,
                to: need(&["bene_acct"])?,
                to_bank: None,
                amount: need(&["base_amt"])?,
                currency: None,
                channel: Some(need(&["tx_type"])?),
                mcc: None,
                country: None,
                label: find(&["is_sar", "is_fraud"]),
                default_channel: "",
                time_unit_s: 1,
                format,
                header,
            },
            Format::Altman => {
                let from_bank = need(&["From Bank"])?;
                let to_bank = need(&["To Bank"])?;
                // Two columns are both called `Account` (pandas renames the second
                // `Account.1`): each follows its bank.
                let account_after = |bank: usize| {
                    header
                        .iter()
                        .enumerate()
                        .skip(bank + 1)
                        .find(|(_, h)| h.starts_with("Account"))
                        .map(|(i, _)| i)
                        .ok_or(InputError::MissingColumn {
                            format: format.name(),
                            column: "Account",
                        })
                };
                Layout {
                    id: None,
                    ts: need(&["Timestamp"])?,
                    from: account_after(from_bank)?,
                    from_bank: Some(from_bank),
                    to: account_after(to_bank)?,
                    to_bank: Some(to_bank),
                    amount: need(&["Amount Paid"])?,
                    currency: Some(need(&["Payment Currency"])?),
                    channel: Some(need(&["Payment Format"])?),
                    mcc: None,
                    country: None,
                    label: find(&["Is Laundering"]),
                    default_channel: "",
                    time_unit_s: 1,
                    format,
                    header,
                }
            }
            Format::Crypto => Layout {
                id: find(&["hash", "tx_hash", "transaction_hash"]),
                ts: need(&["block_timestamp", "timestamp"])?,
                from: need(&["from_address"])?,
                from_bank: None,
                to: need(&["to_address"])?,
                to_bank: None,
                amount: need(&["value", "amount"])?,
                currency: find(&["symbol", "currency", "token"]),
                channel: None,
                mcc: None,
                country: None,
                label: None,
                default_channel: "crypto",
                time_unit_s: 1,
                format,
                header,
            },
            Format::AmlSim2019 => Layout {
                id: None,
                ts: need(&["time"])?,
                from: need(&["sourceNodeId"])?,
                from_bank: None,
                to: need(&["targetNodeId"])?,
                to_bank: None,
                amount: need(&["value"])?,
                currency: None,
                channel: None,
                mcc: None,
                country: None,
                label: None,
                default_channel: "transfer",
                time_unit_s: 86_400,
                format,
                header,
            },
        };
        Ok(layout)
    }

    /// The header name of column `i`.
    pub fn column(&self, i: usize) -> String {
        self.header
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("#{i}"))
    }
}

/// The ISO 4217 code (or ticker) of a currency as IBM's AML data names it.
pub fn altman_currency(name: &str) -> Option<&'static str> {
    Some(match name {
        "US Dollar" => "USD",
        "Euro" => "EUR",
        "Yuan" => "CNY",
        "Yen" => "JPY",
        "UK Pound" => "GBP",
        "Rupee" => "INR",
        "Ruble" => "RUB",
        "Canadian Dollar" => "CAD",
        "Australian Dollar" => "AUD",
        "Swiss Franc" => "CHF",
        "Mexican Peso" => "MXN",
        "Brazil Real" => "BRL",
        "Saudi Riyal" => "SAR",
        "Shekel" => "ILS",
        "Bitcoin" => "BTC",
        _ => return None,
    })
}
