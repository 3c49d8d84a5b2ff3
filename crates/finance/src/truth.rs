//! Ground truth, and how well alerts meet it: the truth `unchain finance synth` writes,
//! AMLSim's `alerts.csv`, and the per-transaction laundering labels of AMLSim and IBM's
//! AML data.

use crate::alert::Alert;
use crate::detect::DETECTORS;
use crate::graph::Graph;
use crate::synth::Injected;
use std::collections::BTreeMap;
use std::io::Read;

/// Why a truth file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum TruthError {
    /// A line is not as expected.
    #[error("line {line}: {reason}")]
    Line {
        /// 1-based line.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The CSV itself is broken.
    #[error("{0}")]
    Csv(#[from] csv::Error),
}

fn typology(name: &str) -> Option<&'static str> {
    DETECTORS.iter().copied().find(|d| *d == name)
}

/// Reads the truth written by [`crate::synth::write_truth`]: `typology,accounts` and,
/// since transactions are scored, `transactions`.
pub fn read_synth_truth(input: impl Read) -> Result<Vec<Injected>, TruthError> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let mut out = Vec::new();
    for (i, row) in csv.records().enumerate() {
        let row = row?;
        let line = i as u64 + 2;
        let (Some(typ), Some(accounts)) = (row.get(0), row.get(1)) else {
            return Err(TruthError::Line {
                line,
                reason: "expected typology,accounts".into(),
            });
        };
        let typology = typology(typ).ok_or_else(|| TruthError::Line {
            line,
            reason: format!("unknown typology {typ:?}"),
        })?;
        let list = |v: &str| -> Vec<String> {
            v.split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        out.push(Injected {
            typology,
            accounts: list(accounts),
            transactions: row.get(2).map(list).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Reads AMLSim's alert files: `alerts.csv` or `alert_transactions.csv` (`alert_id`,
/// `alert_type`, `orig_acct`, `bene_acct`, one row per transaction, and `tran_id` when
/// present), or `alert_accounts.csv` (`alert_id`, `alert_type`, `acct_id`, one row per
/// member account, no transactions). One instance per alert whose type a detector looks
/// for (`fan_in`, `fan_out`, `cycle`, `scatter_gather`, `gather_scatter`), with every
/// account and transaction of it. Returns the alerts of other types (`bipartite`, `stack`,
/// …) counted by type.
pub fn read_amlsim_alerts(
    input: impl Read,
) -> Result<(Vec<Injected>, BTreeMap<String, u64>), TruthError> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let header = csv.headers()?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| TruthError::Line {
                line: 1,
                reason: format!("the header has no `{name}` column"),
            })
    };
    let (id, typ) = (col("alert_id")?, col("alert_type")?);
    // Transactions (orig_acct, bene_acct), or member accounts (acct_id).
    let parties = match (col("orig_acct"), col("bene_acct"), col("acct_id")) {
        (Ok(from), Ok(to), _) => vec![(from, "orig_acct"), (to, "bene_acct")],
        (_, _, Ok(member)) => vec![(member, "acct_id")],
        _ => {
            return Err(TruthError::Line {
                line: 1,
                reason: "the header has neither `orig_acct` and `bene_acct` (alert transactions) nor `acct_id` (alert accounts)".into(),
            });
        }
    };
    let tran = col("tran_id").ok();
    let mut alerts: BTreeMap<String, (String, Vec<String>, Vec<String>)> = BTreeMap::new();
    for (i, row) in csv.records().enumerate() {
        let row = row?;
        let get = |c: usize, name: &str| {
            row.get(c)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| TruthError::Line {
                    line: i as u64 + 2,
                    reason: format!("`{name}` is empty or missing"),
                })
        };
        let entry = alerts
            .entry(get(id, "alert_id")?.to_owned())
            .or_insert_with(|| (String::new(), Vec::new(), Vec::new()));
        entry.0 = get(typ, "alert_type")?.to_ascii_lowercase();
        if let Some(c) = tran {
            entry.2.push(get(c, "tran_id")?.to_owned());
        }
        for &(c, name) in &parties {
            let acct = get(c, name)?;
            if !entry.1.iter().any(|a| a == acct) {
                entry.1.push(acct.to_owned());
            }
        }
    }
    let mut out = Vec::new();
    let mut other: BTreeMap<String, u64> = BTreeMap::new();
    for (_, (typ, accounts, transactions)) in alerts {
        match typology(&typ) {
            Some(typology) => out.push(Injected {
                typology,
                accounts,
                transactions,
            }),
            None => *other.entry(typ).or_default() += 1,
        }
    }
    Ok((out, other))
}

/// How one detector's alerts meet the source's laundering labels.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LabelScore {
    /// The detector.
    pub detector: &'static str,
    /// Its alerts.
    pub alerts: usize,
    /// Of those, alerts with a labelled transaction in their evidence.
    pub hits: usize,
    /// Labelled transactions in some alert's evidence.
    pub covered: usize,
}

/// Scores each detector's alerts against the labelled records (positions in the input).
/// The last entry, detector `all`, is every alert together.
pub fn evaluate_labels(g: &Graph, alerts: &[Alert], labelled: &[u32]) -> Vec<LabelScore> {
    let mut is_labelled = vec![false; g.len()];
    let mut edge_of = vec![u32::MAX; g.len()];
    for (e, &r) in g.record.iter().enumerate() {
        edge_of[r as usize] = e as u32;
    }
    for &r in labelled {
        if let Some(&e) = edge_of.get(r as usize)
            && e != u32::MAX
        {
            is_labelled[e as usize] = true;
        }
    }
    let score = |detector: &'static str, mine: &[&Alert]| {
        let mut seen = vec![false; g.len()];
        let mut covered = 0;
        let mut hits = 0;
        for a in mine {
            let mut hit = false;
            for &e in &a.evidence {
                if is_labelled[e as usize] {
                    hit = true;
                    if !seen[e as usize] {
                        seen[e as usize] = true;
                        covered += 1;
                    }
                }
            }
            hits += usize::from(hit);
        }
        LabelScore {
            detector,
            alerts: mine.len(),
            hits,
            covered,
        }
    };
    let mut out: Vec<LabelScore> = DETECTORS
        .iter()
        .map(|&d| {
            let mine: Vec<&Alert> = alerts.iter().filter(|a| a.detector == d).collect();
            score(d, &mine)
        })
        .collect();
    let all: Vec<&Alert> = alerts.iter().collect();
    out.push(score("all", &all));
    out
}

/// Alerts against the truth account by account: which accounts the detectors flag, how
/// many of those are in some labelled instance, and how the risk ranking's top K compares
/// with picking accounts at random (the base rate).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AccountScore {
    /// Accounts in the file.
    pub accounts: usize,
    /// Of those, accounts of some labelled instance.
    pub labelled: usize,
    /// Accounts some alert is on.
    pub flagged: usize,
    /// Of those, labelled ones.
    pub flagged_labelled: usize,
    /// `K`: as many as are labelled. When fewer accounts are ranked, the empty places
    /// count as misses.
    pub k: usize,
    /// Of the risk ranking's first `K`, labelled ones.
    pub top_k_labelled: usize,
}

impl AccountScore {
    /// Labelled share of all accounts: what a random pick achieves.
    pub fn base_rate(&self) -> f64 {
        self.labelled as f64 / self.accounts.max(1) as f64
    }
    /// Labelled share of the flagged accounts.
    pub fn precision(&self) -> f64 {
        self.flagged_labelled as f64 / self.flagged.max(1) as f64
    }
    /// Share of the labelled accounts flagged.
    pub fn recall(&self) -> f64 {
        self.flagged_labelled as f64 / self.labelled.max(1) as f64
    }
    /// Labelled share of the ranking's first `K`.
    pub fn precision_at_k(&self) -> f64 {
        self.top_k_labelled as f64 / self.k.max(1) as f64
    }
}

/// Which accounts of the file are labelled: members of an instance of `truth`, or named
/// in `accounts` (an account label file). A labelled account the file never mentions
/// cannot be found and is not counted.
pub fn labelled_accounts(
    names: &crate::input::Names,
    truth: &[Injected],
    accounts: &[String],
) -> Vec<bool> {
    let mut labelled = vec![false; names.accounts.len()];
    let members = truth.iter().flat_map(|t| t.accounts.iter());
    for a in members.chain(accounts) {
        if let Some(i) = names.accounts.get(a) {
            labelled[i as usize] = true;
        }
    }
    labelled
}

/// Scores the alerts and the risk ranking account by account against `labelled` (one
/// flag per account, from [`labelled_accounts`]).
pub fn evaluate_accounts(
    alerts: &[Alert],
    ranking: &[crate::rank::Ranked],
    labelled: &[bool],
) -> AccountScore {
    let is = |a: u32| labelled.get(a as usize).copied().unwrap_or(false);
    let mut flagged: Vec<u32> = alerts.iter().map(|a| a.account).collect();
    flagged.sort_unstable();
    flagged.dedup();
    let k = labelled.iter().filter(|&&l| l).count();
    AccountScore {
        accounts: labelled.len(),
        labelled: k,
        flagged: flagged.len(),
        flagged_labelled: flagged.iter().filter(|&&a| is(a)).count(),
        k,
        top_k_labelled: ranking.iter().take(k).filter(|r| is(r.account)).count(),
    }
}

/// Reads an account label file: AMLSim 2019's `nodes.csv` (`nodeid`, `isFraud`) or any
/// CSV with an account column (`nodeid`, `acct_id`, `account`) and a label column
/// (`isFraud`, `is_sar`, `is_fraud`, `label`: 1/0 or true/false). Returns the labelled
/// accounts.
pub fn read_labelled_accounts(input: impl Read) -> Result<Vec<String>, TruthError> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let header = csv.headers()?.clone();
    let col = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
            .ok_or_else(|| TruthError::Line {
                line: 1,
                reason: format!("the header has no `{}` column", names.join("` or `")),
            })
    };
    let account = col(&["nodeid", "acct_id", "account"])?;
    let label = col(&["isFraud", "is_sar", "is_fraud", "label"])?;
    let mut out = Vec::new();
    for (i, row) in csv.records().enumerate() {
        let row = row?;
        let line = i as u64 + 2;
        let (Some(a), Some(l)) = (row.get(account).filter(|a| !a.is_empty()), row.get(label))
        else {
            return Err(TruthError::Line {
                line,
                reason: "the account or its label is missing".into(),
            });
        };
        match l {
            "1" => out.push(a.to_owned()),
            "0" => {}
            l if l.eq_ignore_ascii_case("true") => out.push(a.to_owned()),
            l if l.eq_ignore_ascii_case("false") => {}
            l => {
                return Err(TruthError::Line {
                    line,
                    reason: format!("{l:?} is not a label (1/0, true/false)"),
                });
            }
        }
    }
    Ok(out)
}
