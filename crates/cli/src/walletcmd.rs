//! `unchain wallet`: a holder's wallet in one file — Ed25519 keys (each a `did:key`),
//! stored SD-JWT credentials, presentations that disclose only what a verifier needs,
//! bound to the verifier's audience and nonce, and consent signatures for the vault.
//!
//! A guardian's wallet holds the guardian's own key and, under another label, the key the
//! child's credential is bound to. The file holds private keys: it is written `0600`.

use crate::session::now_ms;
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use unchain_identity::client::Wallet;
use unchain_identity::credential::selective_claims;
use unchain_types::Hash32;
use unchain_vault::body::{Decision, consent_statement};

/// The wallet file.
#[derive(Args, Clone)]
pub struct WalletFile {
    /// The wallet file (created by `unchain wallet init`).
    #[arg(long, env = "UNCHAIN_WALLET", default_value = "wallet.json")]
    pub wallet: PathBuf,
}

/// `unchain wallet …`.
#[derive(Subcommand)]
pub enum WalletCommand {
    /// Create a wallet with one key.
    Init {
        #[command(flatten)]
        file: WalletFile,
        /// The first key's label.
        #[arg(long, default_value = "me")]
        label: String,
    },
    /// Add a key (e.g. `--label child-1` for a child whose credential you carry); prints
    /// its did:key, which the issuer binds the credential to.
    NewKey {
        #[command(flatten)]
        file: WalletFile,
        /// Its label.
        #[arg(long)]
        label: String,
    },
    /// The wallet's keys (did:key) and credentials.
    Show {
        #[command(flatten)]
        file: WalletFile,
    },
    /// Store an issued credential (the SD-JWT file an issuer gave you). It must be bound
    /// to one of this wallet's keys.
    Store {
        #[command(flatten)]
        file: WalletFile,
        /// The SD-JWT file (`-` for standard input).
        credential: PathBuf,
    },
    /// Present a stored credential to a verifier: only the claims named in --disclose,
    /// with a key-binding proof for the verifier's audience and nonce. Prints the
    /// presentation.
    Present(PresentArgs),
    /// A new key for one vault record about you (`subject-N`): give its public key to the
    /// organisation that seals the record (`unchain vault seal --subject`). Each record
    /// gets its own, so nothing on the ledger links your records to each other.
    SubjectKey {
        #[command(flatten)]
        file: WalletFile,
    },
    /// Prove to a verifier that you are the subject of one or more records: for each
    /// --record (in order, with its --key), a signature over the record and the verifier's
    /// challenge. Only this verifier learns the records are about one person. Prints the
    /// proof for `unchain vault check-subject`.
    ProveSubject {
        #[command(flatten)]
        file: WalletFile,
        /// The chain id (`unchain status`).
        #[arg(long)]
        chain: String,
        /// The verifier's challenge (a fresh random value it gave you).
        #[arg(long)]
        challenge: String,
        /// A record about you, hex. Repeat; pair each with a --key.
        #[arg(long = "record", required = true)]
        records: Vec<String>,
        /// The label of the record's subject key (`subject-N`), in --record order.
        #[arg(long = "key", required = true)]
        keys: Vec<String>,
    },
    /// Sign a consent decision for a vault record about you (your key is the record's
    /// subject); prints the signature for `unchain vault consent --signature`.
    Consent(ConsentArgs),
    /// Confirm or dispute the contract registered for your job offer (your key is the one
    /// the offer names); prints the signature a member relays with `unchain recruit
    /// respond --signature`.
    Respond(RespondArgs),
    /// Sign a month's payslip for your job offer (your key is the one the offer names);
    /// writes the body a member relays with `unchain recruit payslip FILE`.
    Payslip(crate::wallet_payslip::PayslipArgs),
}

/// Arguments of `unchain wallet present`.
#[derive(Args)]
pub struct PresentArgs {
    #[command(flatten)]
    file: WalletFile,
    /// The credential's number (`unchain wallet show`).
    credential: usize,
    /// Claims to disclose, comma-separated (none by default: the verifier sees only what
    /// is always shown, such as a child id).
    #[arg(long, value_delimiter = ',')]
    disclose: Vec<String>,
    /// The verifier (its audience identifier, e.g. the border post).
    #[arg(long)]
    aud: String,
    /// The verifier's nonce for this presentation.
    #[arg(long)]
    nonce: String,
    /// Write it here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Arguments of `unchain wallet consent`.
#[derive(Args)]
pub struct ConsentArgs {
    #[command(flatten)]
    file: WalletFile,
    /// The key to sign with (its label).
    #[arg(long, default_value = "me")]
    key: String,
    /// The chain id (`unchain status`).
    #[arg(long)]
    chain: String,
    /// The record, hex.
    #[arg(long)]
    record: String,
    /// The organisation you allow (or no longer allow) to read it.
    #[arg(long)]
    recipient: String,
    /// What for.
    #[arg(long)]
    purpose: String,
    /// Withdraw an earlier consent instead of giving it.
    #[arg(long)]
    withdraw: bool,
}

/// Arguments of `unchain wallet respond`.
#[derive(Args)]
pub struct RespondArgs {
    #[command(flatten)]
    file: WalletFile,
    /// The key to sign with (its label).
    #[arg(long, default_value = "me")]
    key: String,
    /// The offer, hex.
    #[arg(long)]
    offer: String,
    /// The contract's hash (`unchain recruit show`), hex.
    #[arg(long)]
    contract: String,
    /// Dispute the contract (without it: confirm).
    #[arg(long)]
    dispute: bool,
    /// For a dispute, the term that is wrong (`wage`, `hours`, `deductions`, `employer`,
    /// `other`).
    #[arg(long)]
    term: Option<String>,
}

/// Reads the wallet at `path`.
pub(crate) fn load_wallet(path: &Path) -> anyhow::Result<Wallet> {
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "reading wallet {} (create one with `unchain wallet init`)",
            path.display()
        )
    })?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("wallet {} is not a wallet file", path.display()))
}

/// Writes the wallet to `path` (`0600`).
pub(crate) fn save_wallet(w: &Wallet, path: &Path) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(w)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

fn read_input(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
    }
}

/// Runs a `wallet` subcommand.
pub fn wallet(cmd: WalletCommand) -> anyhow::Result<()> {
    match cmd {
        WalletCommand::Init { file, label } => {
            if file.wallet.exists() {
                bail!(
                    "{} already exists; refusing to overwrite a wallet",
                    file.wallet.display()
                );
            }
            let mut w = Wallet::new();
            let did = w.add_key(&label, &mut rand::thread_rng())?;
            save_wallet(&w, &file.wallet)?;
            eprintln!("wallet {} created", file.wallet.display());
            println!("{did}");
            Ok(())
        }
        WalletCommand::NewKey { file, label } => {
            let mut w = load_wallet(&file.wallet)?;
            let did = w.add_key(&label, &mut rand::thread_rng())?;
            save_wallet(&w, &file.wallet)?;
            println!("{did}");
            Ok(())
        }
        WalletCommand::Show { file } => {
            let w = load_wallet(&file.wallet)?;
            println!("keys:");
            for k in &w.keys {
                println!("  {:<12} {}", k.label, k.did);
            }
            println!("credentials:");
            for (i, c) in w.credentials.iter().enumerate() {
                let child = c
                    .child_id
                    .as_deref()
                    .map(|c| format!(" child {c}"))
                    .unwrap_or_default();
                println!(
                    "  {:>2}. {}{child}  from {}  (key {}; may disclose: {})",
                    i + 1,
                    c.vct,
                    c.iss,
                    c.key,
                    selective_claims(&c.vct).join(", ")
                );
            }
            Ok(())
        }
        WalletCommand::Store { file, credential } => {
            let mut w = load_wallet(&file.wallet)?;
            let n = w.store(&read_input(&credential)?)?;
            save_wallet(&w, &file.wallet)?;
            println!("{n}");
            Ok(())
        }
        WalletCommand::Present(a) => {
            let w = load_wallet(&a.file.wallet)?;
            let names: Vec<&str> = a.disclose.iter().map(String::as_str).collect();
            let p = w.present(a.credential, &names, &a.aud, &a.nonce, now_ms() / 1000)?;
            match a.out {
                Some(path) => crate::output::write(&path, &p)?,
                None => println!("{p}"),
            }
            Ok(())
        }
        WalletCommand::SubjectKey { file } => {
            let mut w = load_wallet(&file.wallet)?;
            let (label, key) = w.add_subject_key()?;
            save_wallet(&w, &file.wallet)?;
            eprintln!("{label}: give this key to the organisation sealing the record");
            println!(
                "{}",
                serde_json::json!({"label": label, "key": key.to_hex()})
            );
            Ok(())
        }
        WalletCommand::ProveSubject {
            file,
            chain,
            challenge,
            records,
            keys,
        } => {
            if records.len() != keys.len() {
                bail!(
                    "give one --key per --record ({} records, {} keys)",
                    records.len(),
                    keys.len()
                );
            }
            let w = load_wallet(&file.wallet)?;
            let mut entries = Vec::new();
            for (record, label) in records.iter().zip(&keys) {
                let id = Hash32::from_hex(record)
                    .map_err(|e| anyhow::anyhow!("--record {record}: {e}"))?;
                let key = w.key(label)?;
                let statement =
                    unchain_vault::body::subject_proof_statement(&chain, &id, &challenge);
                entries.push(unchain_vault::body::SubjectProofEntry {
                    record: id,
                    key: key.public_key(),
                    signature: key.sign(&statement),
                });
            }
            let proof = unchain_vault::body::SubjectProof {
                kind: unchain_vault::body::SUBJECT_PROOF_TYPE.into(),
                chain_id: chain,
                challenge,
                records: entries,
            };
            println!("{}", serde_json::to_string_pretty(&proof)?);
            Ok(())
        }
        WalletCommand::Consent(a) => {
            let w = load_wallet(&a.file.wallet)?;
            let key = w.key(&a.key)?;
            let record =
                Hash32::from_hex(&a.record).map_err(|e| anyhow::anyhow!("--record: {e}"))?;
            let decision = if a.withdraw {
                Decision::Withdraw
            } else {
                Decision::Allow
            };
            let statement =
                consent_statement(&a.chain, &record, &a.recipient, &a.purpose, decision);
            println!("{}", key.sign(&statement).to_hex());
            Ok(())
        }
        WalletCommand::Payslip(a) => crate::wallet_payslip::run(a),
        WalletCommand::Respond(a) => {
            let w = load_wallet(&a.file.wallet)?;
            let key = w.key(&a.key)?;
            let offer = unchain_types::TxId::from_hex(&a.offer)
                .map_err(|e| anyhow::anyhow!("--offer: {e}"))?;
            let contract =
                Hash32::from_hex(&a.contract).map_err(|e| anyhow::anyhow!("--contract: {e}"))?;
            let response = if a.dispute {
                unchain_recruit::body::Response::Dispute
            } else {
                unchain_recruit::body::Response::Confirm
            };
            let signature = unchain_recruit::client::sign_response(
                &key,
                &offer,
                &contract,
                response,
                a.term.as_deref(),
            );
            println!("{}", signature.to_hex());
            Ok(())
        }
    }
}
