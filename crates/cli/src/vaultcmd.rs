//! `unchain vault …`: seal, open, share, revoke, consent, erase, and match alerts.
//!
//! Sealing and opening happen here, on the organisation's own machine: the plaintext and
//! the content key never reach a node. A node receives the ciphertext (`PUT
//! /v1/vault/ciphertexts/…`, signed by the member) and the `vault.seal` transaction, which
//! carries only the commitment, the wrapped keys and blind-index tokens.

use crate::session::{Session, Who};
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use unchain_seal::{
    ContentKey, IdentifierKind, MatchingKey, RecordId, WrappedKey, matching_key_info, open_payload,
};
use unchain_types::{EncryptionPublicKey, EncryptionSecretKey, Hash32, PublicKey};
use unchain_vault::body::{Decision, LegalBasis, Policy, consent_statement, erase_statement};
use unchain_vault::client;
use unchain_vault::state::{Alert, Notice, RecordView};

/// Vault commands.
#[derive(Subcommand)]
pub enum VaultCommand {
    /// Seal a file: encrypt it here, upload the ciphertext to your node, record the seal.
    Seal(SealArgs),
    /// Decrypt a record you are a recipient of (to stdout, or --out).
    Open {
        /// Record id.
        record: String,
        /// Version (default: the latest).
        #[arg(long)]
        record_version: Option<u32>,
        /// Write the plaintext here instead of stdout.
        #[arg(long, short)]
        out: Option<PathBuf>,
        #[command(flatten)]
        who: Who,
    },
    /// Share a record's current version with another organisation.
    Grant(GrantArgs),
    /// Stop sharing future versions with an organisation.
    Revoke {
        /// Record id.
        record: String,
        /// The organisation.
        #[arg(long)]
        member: String,
        /// Why (no personal data).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        who: Who,
    },
    /// Record a survivor's decision about sharing with an organisation.
    Consent(ConsentArgs),
    /// Erase a record everywhere; its commitment and history stay provable.
    Erase(EraseArgs),
    /// Show a record's metadata, versions, access and consents.
    Show {
        /// Record id.
        record: String,
        #[command(flatten)]
        who: Who,
    },
    /// Re-derive a record's blind-index tokens under the current matching epoch (after the
    /// first threshold key, or a rotation): give the record's identifiers again, as when
    /// it was sealed. Owner only; replaces every token the record had.
    Retoken {
        /// Record id.
        record: String,
        /// An identifier in the record: KIND:VALUE (see `vault seal`). Repeat.
        #[arg(long = "identifier", required = true)]
        identifiers: Vec<String>,
        /// Country (ISO 3166 alpha-2) for phone numbers written without +country code.
        #[arg(long)]
        country: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Check a survivor's subject proof (`unchain wallet prove-subject`) against the
    /// ledger: each record's subject key must be the one that signed, over that record
    /// and your challenge. Exits non-zero if any does not hold.
    CheckSubject {
        /// The proof file (JSON).
        proof: PathBuf,
        /// The challenge you gave the survivor.
        #[arg(long)]
        challenge: String,
        #[command(flatten)]
        who: Who,
    },
    /// Your organisation's match alerts.
    Alerts {
        #[command(flatten)]
        who: Who,
    },
    /// Start a new matching-key epoch: a fresh key wrapped for every current member
    /// (governance role). Identifiers blinded with the old key no longer match new ones.
    RotateMatchingKey {
        #[command(flatten)]
        who: Who,
    },
    /// A jurisdiction's sharing policy: who may receive its members' records, and where
    /// their ciphertexts may be held.
    #[command(subcommand)]
    Policy(crate::vaultpolicy::PolicyCommand),
    /// The threshold token key: open a key round (governance), and its status.
    #[command(subcommand)]
    TokenKey(crate::vaulttokens::TokenKeyCommand),
    /// Notices to a survivor's key (records shared on a court override).
    Notices {
        /// The survivor's Ed25519 public key, hex.
        subject: String,
        #[command(flatten)]
        who: Who,
    },
}

/// Arguments of `unchain vault seal`.
#[derive(Args)]
pub struct SealArgs {
    /// The file to seal.
    pub file: PathBuf,
    #[command(flatten)]
    pub spec: SealSpec,
    #[command(flatten)]
    pub who: Who,
}

/// How to seal: schema, recipients, policy, identifiers (the demo seals with these too).
#[derive(Args)]
pub struct SealSpec {
    /// What it is, e.g. htcds.person, case.note.
    #[arg(long)]
    pub schema: String,
    /// Other organisations to seal it to (yours is always included). Comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub to: Vec<String>,
    /// The survivor's Ed25519 public key, if the record is about one: hex, or the
    /// `did:key` of the survivor's wallet (`unchain wallet show`).
    #[arg(long)]
    pub subject: Option<String>,
    /// Sharing needs the survivor's consent (or a court override). Needs --subject.
    #[arg(long)]
    pub consent_required: bool,
    /// The record is about a person under 18 (sharing policies may restrict where it goes).
    #[arg(long)]
    pub minor: bool,
    /// Days until the record must be erased.
    #[arg(long, default_value_t = 3650)]
    pub retention_days: u32,
    /// An identifier in the record, for matching: KIND:VALUE with KIND one of phone,
    /// passport, iban, crypto, url, email, name_dob. Repeat. Only its token leaves here.
    #[arg(long = "identifier")]
    pub identifiers: Vec<String>,
    /// Country (ISO 3166 alpha-2) for phone numbers written without +country code, and
    /// passports without CC:.
    #[arg(long)]
    pub country: Option<String>,
    /// Seal a new version of this record instead of a new record.
    #[arg(long)]
    pub record: Option<String>,
}

/// Arguments of `unchain vault grant`.
#[derive(Args)]
pub struct GrantArgs {
    /// Record id.
    pub record: String,
    /// The organisation to share with.
    #[arg(long)]
    pub to: String,
    /// Why (no personal data).
    #[arg(long)]
    pub purpose: String,
    /// consent, legal_obligation, vital_interests, public_task or court_order.
    #[arg(long)]
    pub legal_basis: String,
    /// Let the recipient share it further.
    #[arg(long)]
    pub reshare: bool,
    /// Share without the survivor's consent on this court order (flagged, and noticed to
    /// the survivor's key). Needs --authority and --legal-basis court_order.
    #[arg(long)]
    pub court_order: Option<String>,
    /// The court or authority that issued --court-order.
    #[arg(long)]
    pub authority: Option<String>,
    #[command(flatten)]
    pub who: Who,
}

/// Arguments of `unchain vault consent`.
#[derive(Args)]
pub struct ConsentArgs {
    /// Record id.
    pub record: String,
    /// The organisation the decision is about.
    #[arg(long)]
    pub recipient: String,
    /// The purpose consented to.
    #[arg(long)]
    pub purpose: String,
    /// Withdraw an earlier consent instead of giving one.
    #[arg(long)]
    pub withdraw: bool,
    /// The survivor's key file, to sign here (on the survivor's own device).
    #[arg(long, conflicts_with = "signature")]
    pub survivor_key: Option<PathBuf>,
    /// The survivor's signature (hex), made elsewhere over the consent statement.
    #[arg(long)]
    pub signature: Option<String>,
    #[command(flatten)]
    pub who: Who,
}

/// Arguments of `unchain vault erase`.
#[derive(Args)]
pub struct EraseArgs {
    /// Record id.
    pub record: String,
    /// owner_request, subject_request or retention_expired.
    #[arg(long, default_value = "owner_request")]
    pub reason: String,
    /// For subject_request: the survivor's key file, to sign here.
    #[arg(long, conflicts_with = "signature")]
    pub survivor_key: Option<PathBuf>,
    /// For subject_request: the survivor's signature (hex) over the erase statement.
    #[arg(long)]
    pub signature: Option<String>,
    #[command(flatten)]
    pub who: Who,
}

impl Session {
    /// Fetches and decrypts `version` (default: the latest) of record `id`; returns the
    /// version and the plaintext. The node logs the read under this session's user.
    pub(crate) async fn open_record(
        &self,
        id: &RecordId,
        version: Option<u32>,
    ) -> anyhow::Result<(u32, Vec<u8>)> {
        let view = self.record(id).await?;
        let version = version.unwrap_or(view.record.latest_version);
        let key = self.content_key(&view, version)?;
        let c = view
            .versions
            .iter()
            .find(|v| v.version == version)
            .expect("checked")
            .commitment;
        let mut ciphertext = Vec::new();
        for attempt in 0..30 {
            match self.client.fetch_ciphertext(&self.signer, &c).await {
                Ok(b) => {
                    ciphertext = b;
                    break;
                }
                Err(unchain_client::ClientError::Problem { status: 503, .. }) if attempt < 29 => {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let plain = open_payload(&key, id, version, &ciphertext)
            .with_context(|| format!("record {id} version {version}"))?;
        Ok((version, plain))
    }

    /// The body of a `vault.grant` of record `id`'s latest version to `to`: the content key
    /// unwrapped here and wrapped again for `to`.
    pub(crate) async fn grant_body(
        &self,
        id: &RecordId,
        to: &str,
        purpose: &str,
        legal_basis: &str,
        reshare: bool,
    ) -> anyhow::Result<serde_json::Value> {
        let view = self.record(id).await?;
        let members = self.members().await?;
        let member = members
            .get(to)
            .with_context(|| format!("--to {to}: not a member"))?;
        let legal_basis: LegalBasis = serde_json::from_value(legal_basis.into())
            .map_err(|_| anyhow::anyhow!("--legal-basis {legal_basis:?}: not a legal basis"))?;
        let secret = self.keys.encryption_key()?;
        let grant = client::grant(
            self.me(&secret),
            &view,
            to,
            &member.encryption_key,
            client::GrantTerms {
                purpose,
                legal_basis,
                reshare,
                actor: None,
            },
        )?;
        Ok(client::to_json(&grant))
    }

    /// This organisation, as the vault's client functions take it.
    fn me<'a>(&'a self, secret: &'a EncryptionSecretKey) -> client::Me<'a> {
        client::Me {
            chain_id: &self.chain_id,
            name: &self.keys.name,
            secret,
        }
    }

    pub(crate) async fn record(&self, id: &RecordId) -> anyhow::Result<RecordView> {
        Ok(self
            .client
            .get_signed(&self.signer, &format!("/v1/vault/records/{id}"))
            .await?)
    }

    pub(crate) async fn matching_key(&self) -> anyhow::Result<(u32, MatchingKey)> {
        let v: serde_json::Value = self
            .client
            .get_signed(&self.signer, "/v1/vault/matching-key")
            .await?;
        let epoch = v["epoch"].as_u64().context("matching key: epoch")? as u32;
        let wrapped: WrappedKey =
            serde_json::from_value(v["wrapped"].clone()).context("matching key: wrapped")?;
        let secret = self.keys.encryption_key()?;
        Ok((
            epoch,
            client::unwrap_matching_key(self.me(&secret), epoch, &wrapped)?,
        ))
    }

    /// Blind-index tokens of `identifiers` under the current matching epoch: evaluated
    /// blind by a threshold of the key holders when the epoch has a threshold key
    /// (announced on the ledger and carried by this organisation's node), or under the
    /// shared matching key before the first key round.
    pub(crate) async fn tokens(
        &self,
        identifiers: &[(IdentifierKind, &str)],
        country: Option<&str>,
    ) -> anyhow::Result<Vec<unchain_vault::body::TokenEntry>> {
        if identifiers.is_empty() {
            return Ok(Vec::new());
        }
        let key: Result<serde_json::Value, _> = self
            .client
            .get_signed(&self.signer, "/v1/vault/token-key")
            .await;
        match key {
            Ok(_) => {}
            Err(unchain_client::ClientError::Problem { status: 404, .. }) => {
                let (epoch, mk) = self.matching_key().await?;
                return Ok(client::blind_tokens(&mk, epoch, identifiers, country)?);
            }
            Err(e) => return Err(e.into()),
        }
        let mut tokens = Vec::with_capacity(identifiers.len());
        for chunk in identifiers.chunks(unchain_vault::body::MAX_TOKENS) {
            let batch = unchain_vault::token_client::BlindBatch::new(chunk, country)?;
            let relayed: serde_json::Value = self
                .client
                .post_signed_json(
                    &self.signer,
                    "/v1/vault/tokens",
                    &serde_json::json!({"requests": batch.requests()}),
                )
                .await?;
            let epoch = relayed["epoch"].as_u64().context("tokens: epoch")? as u32;
            let group_key = relayed["group_key"].as_str().context("tokens: group_key")?;
            let answers: Vec<(u32, Vec<String>)> = relayed["answers"]
                .as_array()
                .context("tokens: answers")?
                .iter()
                .map(|a| {
                    let index = a["index"].as_u64().context("tokens: answers[].index")? as u32;
                    let partials = serde_json::from_value(a["partials"].clone())
                        .context("tokens: answers[].partials")?;
                    Ok((index, partials))
                })
                .collect::<anyhow::Result<_>>()?;
            if let Some(failures) = relayed["failures"].as_object() {
                for (holder, why) in failures {
                    eprintln!(
                        "token key holder {holder} gave no answer: {}",
                        why.as_str().unwrap_or("")
                    );
                }
            }
            let (done, notes) = batch.finish(epoch, group_key, &answers)?;
            for note in notes {
                eprintln!("token answer not used: {note}");
            }
            tokens.extend(done);
        }
        Ok(tokens)
    }

    /// The content key of `version`, unwrapped with this organisation's key.
    pub(crate) fn content_key(
        &self,
        view: &RecordView,
        version: u32,
    ) -> anyhow::Result<ContentKey> {
        let secret = self.keys.encryption_key()?;
        Ok(client::content_key(self.me(&secret), view, version)?)
    }
}

fn record_id(s: &str) -> anyhow::Result<RecordId> {
    Hash32::from_hex(s).with_context(|| format!("record id {s:?}"))
}

fn survivor_sign(
    file: &Option<PathBuf>,
    sig: &Option<String>,
    msg: &[u8],
) -> anyhow::Result<Option<String>> {
    match (file, sig) {
        (Some(f), _) => Ok(Some(
            unchain_node::run::load_keys(f)?
                .signing_key()?
                .sign(msg)
                .to_hex(),
        )),
        (None, Some(s)) => Ok(Some(s.clone())),
        (None, None) => Ok(None),
    }
}

/// Runs a `vault` subcommand.
pub async fn vault(cmd: VaultCommand) -> anyhow::Result<()> {
    match cmd {
        VaultCommand::Seal(a) => seal(a).await,
        VaultCommand::Policy(c) => crate::vaultpolicy::policy(c).await,
        VaultCommand::TokenKey(c) => crate::vaulttokens::token_key(c).await,
        VaultCommand::Open {
            record,
            record_version,
            out,
            who,
        } => {
            let s = Session::open(&who).await?;
            let id = record_id(&record)?;
            let (version, plain) = s.open_record(&id, record_version).await?;
            match out {
                Some(path) => {
                    crate::output::write(&path, &plain)?;
                    eprintln!(
                        "opened record {id} version {version} into {}",
                        path.display()
                    );
                }
                None => {
                    use std::io::Write as _;
                    std::io::stdout().write_all(&plain)?;
                }
            }
            Ok(())
        }
        VaultCommand::Grant(a) => {
            let s = Session::open(&a.who).await?;
            let id = record_id(&a.record)?;
            let mut body = s
                .grant_body(&id, &a.to, &a.purpose, &a.legal_basis, a.reshare)
                .await?;
            match (a.court_order, a.authority) {
                (Some(c), Some(auth)) => {
                    body["override"] = serde_json::json!({"court_order": c, "authority": auth})
                }
                (None, None) => {}
                _ => bail!("--court-order and --authority go together"),
            }
            s.submit("vault.grant", body).await
        }
        VaultCommand::Revoke {
            record,
            member,
            reason,
            who,
        } => {
            let s = Session::open(&who).await?;
            let id = record_id(&record)?;
            s.submit(
                "vault.revoke",
                serde_json::json!({"record": id, "member": member, "reason": reason}),
            )
            .await
        }
        VaultCommand::Consent(a) => {
            let s = Session::open(&a.who).await?;
            let id = record_id(&a.record)?;
            let decision = if a.withdraw {
                Decision::Withdraw
            } else {
                Decision::Allow
            };
            let statement = consent_statement(&s.chain_id, &id, &a.recipient, &a.purpose, decision);
            let sig = survivor_sign(&a.survivor_key, &a.signature, &statement)?
                .context("give --survivor-key or --signature")?;
            s.submit(
                "vault.consent",
                serde_json::json!({"record": id, "recipient": a.recipient, "purpose": a.purpose, "decision": decision, "signature": sig}),
            )
            .await
        }
        VaultCommand::Erase(a) => {
            let s = Session::open(&a.who).await?;
            let id = record_id(&a.record)?;
            let mut body = serde_json::json!({"record": id, "reason": a.reason});
            if let Some(sig) = survivor_sign(
                &a.survivor_key,
                &a.signature,
                &erase_statement(&s.chain_id, &id),
            )? {
                body["subject_signature"] = sig.into();
            }
            s.submit("vault.erase", body).await
        }
        VaultCommand::Show { record, who } => {
            let s = Session::open(&who).await?;
            let view = s.record(&record_id(&record)?).await?;
            println!("{}", serde_json::to_string_pretty(&view)?);
            Ok(())
        }
        VaultCommand::Retoken {
            record,
            identifiers,
            country,
            who,
        } => {
            let s = Session::open(&who).await?;
            let id = record_id(&record)?;
            let identifiers = parse_identifiers(&identifiers)?;
            let tokens = s
                .tokens(&identifiers, country.as_deref())
                .await
                .context("--identifier")?;
            s.submit(
                "vault.retoken",
                serde_json::json!({"record": id.to_hex(), "tokens": tokens}),
            )
            .await
        }
        VaultCommand::CheckSubject {
            proof,
            challenge,
            who,
        } => {
            let s = Session::open(&who).await?;
            let text =
                std::fs::read(&proof).with_context(|| format!("reading {}", proof.display()))?;
            let p = unchain_vault::body::SubjectProof::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {}: {}", proof.display(), e.field, e.reason))?;
            anyhow::ensure!(
                p.challenge == challenge,
                "the proof answers another challenge ({}), not yours",
                p.challenge
            );
            let mut failed = 0;
            for e in &p.records {
                let view = s.record(&e.record).await?;
                let verdict = if view.record.subject != Some(e.key) {
                    "refused: the ledger names another subject key for this record"
                } else if !p.signed(&s.chain_id, e) {
                    "refused: the signature does not verify"
                } else {
                    "proved: the holder of this record's subject key signed your challenge"
                };
                failed += usize::from(verdict.starts_with("refused"));
                println!("{}  {verdict}", e.record);
            }
            anyhow::ensure!(
                failed == 0,
                "{failed} of {} records not proved",
                p.records.len()
            );
            Ok(())
        }
        VaultCommand::Alerts { who } => {
            let s = Session::open(&who).await?;
            let alerts: Vec<Alert> = s.client.get_signed(&s.signer, "/v1/vault/alerts").await?;
            println!("{}", serde_json::to_string_pretty(&alerts)?);
            Ok(())
        }
        VaultCommand::RotateMatchingKey { who } => {
            let s = Session::open(&who).await?;
            let (epoch, _) = s.matching_key().await?;
            let next = epoch + 1;
            let key = MatchingKey::generate();
            let wrapped: BTreeMap<String, WrappedKey> = s
                .members()
                .await?
                .into_values()
                .map(|m| {
                    let info = matching_key_info(&s.chain_id, next, &m.name);
                    let w = WrappedKey::wrap(key.as_bytes(), &m.encryption_key, &info);
                    (m.name, w)
                })
                .collect();
            eprintln!(
                "matching key epoch {next}, wrapped for {} members",
                wrapped.len()
            );
            s.submit(
                "vault.rotate_matching_key",
                serde_json::json!({"epoch": next, "wrapped": wrapped}),
            )
            .await
        }
        VaultCommand::Notices { subject, who } => {
            let s = Session::open(&who).await?;
            let notices: Vec<Notice> = s
                .client
                .get_signed(&s.signer, &format!("/v1/vault/notices/{subject}"))
                .await?;
            println!("{}", serde_json::to_string_pretty(&notices)?);
            Ok(())
        }
    }
}

/// A survivor's key as the vault wants it (hex), from hex or a wallet's `did:key`.
fn subject_key_hex(subject: &str) -> anyhow::Result<String> {
    if subject.starts_with(unchain_credentials::did::KEY_PREFIX) {
        let key = unchain_credentials::did::parse_did_key(subject)
            .map_err(|e| anyhow::anyhow!("--subject: {e}"))?;
        Ok(key.to_hex())
    } else {
        Ok(subject.to_owned())
    }
}

async fn seal(a: SealArgs) -> anyhow::Result<()> {
    let s = Session::open(&a.who).await?;
    let plaintext =
        std::fs::read(&a.file).with_context(|| format!("reading {}", a.file.display()))?;
    let (id, status) = seal_with(&s, &plaintext, &a.spec).await?;
    eprintln!(
        "vault.seal {} at height {}",
        status.status,
        status.height.map(|h| h.to_string()).unwrap_or_default()
    );
    println!("{}", serde_json::to_string_pretty(&status)?);
    eprintln!("record id: {id}");
    Ok(())
}

/// `--identifier KIND:VALUE` arguments, each checked for its form.
fn parse_identifiers(raw: &[String]) -> anyhow::Result<Vec<(IdentifierKind, &str)>> {
    raw.iter()
        .map(|raw| {
            let (kind, value) = raw.split_once(':').with_context(|| {
                format!("--identifier {raw:?}: write KIND:VALUE, e.g. phone:+66812345678")
            })?;
            let kind: IdentifierKind = kind
                .parse()
                .map_err(|e: String| anyhow::anyhow!("--identifier: {e}"))?;
            Ok((kind, value))
        })
        .collect()
}

/// Seals `plaintext` as `a` says, uploads the ciphertext and waits for the seal's commit.
pub(crate) async fn seal_with(
    s: &Session,
    plaintext: &[u8],
    a: &SealSpec,
) -> anyhow::Result<(RecordId, unchain_client::views::TxStatusView)> {
    let members = s.members().await?;
    let (id, existing) = match &a.record {
        None => {
            let mut id = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut id);
            (Hash32(id), None)
        }
        Some(r) => {
            let id = record_id(r)?;
            (id, Some(s.record(&id).await?))
        }
    };
    let (version, recipients) = client::next_version(existing.as_ref(), &s.keys.name, &a.to);
    let tokens = if a.identifiers.is_empty() {
        Vec::new()
    } else {
        let identifiers = parse_identifiers(&a.identifiers)?;
        s.tokens(&identifiers, a.country.as_deref())
            .await
            .context("--identifier")?
    };
    let to: Vec<(String, EncryptionPublicKey)> = recipients
        .iter()
        .map(|name| {
            let m = members
                .get(name)
                .with_context(|| format!("--to {name}: not a member"))?;
            Ok((name.clone(), m.encryption_key))
        })
        .collect::<anyhow::Result<_>>()?;
    let subject = match &a.subject {
        Some(subject) if version == 1 => Some(
            PublicKey::from_hex(&subject_key_hex(subject)?)
                .map_err(|e| anyhow::anyhow!("--subject: {e}"))?,
        ),
        _ => None,
    };
    let sealed = client::prepare_seal(client::SealPlan {
        chain_id: &s.chain_id,
        record: id,
        version,
        schema: &a.schema,
        plaintext,
        recipients: &to,
        tokens,
        policy: Some(Policy {
            retention_days: a.retention_days,
            consent_required: a.consent_required,
            subject_minor: a.minor,
        }),
        subject,
        actor: None,
    });
    s.client
        .upload_ciphertext(&s.signer, &sealed.body.commitment, sealed.ciphertext)
        .await?;
    let body = client::to_json(&sealed.body);
    Ok((id, s.submit_quiet("vault.seal", body).await?))
}
