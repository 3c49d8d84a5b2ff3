//! A signed-in organisation: its keys and its node, for commands that submit transactions
//! and make signed requests.

use anyhow::{Context as _, bail};
use clap::Args;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use unchain_client::{Client, RequestSigner};
use unchain_ledger::Member;
use unchain_types::Code;
use unchain_types::{KeyFile, SigningKey};

/// Who is acting and where.
#[derive(Args, Clone)]
pub struct Who {
    /// Your organisation's key file.
    #[arg(long)]
    pub key: PathBuf,
    /// Your node's API URL.
    #[arg(long, env = "UNCHAIN_NODE", default_value = "http://127.0.0.1:7700")]
    pub node: String,
    /// Your pseudonymous user id inside your organisation (e.g. u-7f3a9c21): every
    /// transaction and every read of sealed content is attributed to it.
    #[arg(long, env = "UNCHAIN_ACTOR")]
    pub actor: String,
}

/// A signer for a member's reads (blocks, leaves and inclusion proofs are for members
/// only), from the organisation's key file.
pub(crate) fn member_reader(key: &std::path::Path) -> anyhow::Result<RequestSigner> {
    let keys = unchain_node::run::load_keys(key)?;
    Ok(RequestSigner {
        member: keys.name.clone(),
        key: keys.signing_key().context("key file: signing_seed")?,
        actor: None,
    })
}

/// An organisation's keys and a client for its node.
pub(crate) struct Session {
    pub(crate) client: Client,
    pub(crate) keys: KeyFile,
    pub(crate) signing: SigningKey,
    pub(crate) signer: RequestSigner,
    pub(crate) chain_id: String,
    /// The acting user.
    pub(crate) actor: String,
}

impl Session {
    pub(crate) async fn open(who: &Who) -> anyhow::Result<Self> {
        let keys = unchain_node::run::load_keys(&who.key)?;
        let signing = keys.signing_key().context("key file: signing_seed")?;
        unchain_ledger::module::check_actor("--actor", &who.actor)
            .map_err(|e| anyhow::anyhow!("--actor {:?}: {}", who.actor, e.reason))?;
        let signer = RequestSigner {
            member: keys.name.clone(),
            key: signing.clone(),
            actor: Some(who.actor.clone()),
        };
        let client = Client::new(&who.node).with_signer(signer.clone());
        let chain_id = client.status().await?.chain_id;
        Ok(Session {
            client,
            keys,
            signing,
            signer,
            chain_id,
            actor: who.actor.clone(),
        })
    }

    pub(crate) async fn members(&self) -> anyhow::Result<BTreeMap<String, Member>> {
        let members: Vec<Member> = self.client.get_json("/v1/members").await?;
        Ok(members.into_iter().map(|m| (m.name.clone(), m)).collect())
    }

    /// A signed `GET` of `path`.
    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        Ok(self.client.get_signed(&self.signer, path).await?)
    }

    /// Submits, waits for the commit and prints its status.
    pub(crate) async fn submit(&self, kind: &str, body: serde_json::Value) -> anyhow::Result<()> {
        let status = self.submit_quiet(kind, body).await?;
        eprintln!(
            "{kind} {} at height {}",
            status.status,
            status.height.map(|h| h.to_string()).unwrap_or_default()
        );
        println!("{}", serde_json::to_string_pretty(&status)?);
        Ok(())
    }

    /// Submits and waits for the commit; an error if it is rejected or still pending.
    pub(crate) async fn submit_quiet(
        &self,
        kind: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<unchain_client::views::TxStatusView> {
        let mut body = body;
        // Every case, custody, identity and vault transaction but a matching-key rotation
        // names the acting user: set here, once, for every command.
        let names_user = ["cases.", "custody.", "identity.", "vault."]
            .iter()
            .any(|m| kind.starts_with(m))
            && kind != "vault.rotate_matching_key";
        if names_user {
            body["actor"] = serde_json::Value::from(self.actor.clone());
        }
        // Colleagues acting for the same organisation at the same moment (another clerk's
        // CLI, the node's /v1/act) share its nonces: one may take the nonce this transaction
        // was built with. Then build again with the next one. (A colleague's refused
        // transaction spends its nonce too, so it leaves no gap.)
        let mut attempt = 0u64;
        loop {
            attempt += 1;
            let retry = attempt < 20;
            let tx = self.client.build(&self.signing, kind, body.clone()).await?;
            match self.client.submit(&tx).await {
                Ok(_) => {}
                Err(e) if retry && e.code() == Some(Code::NonceUsed) => {
                    backoff(attempt).await;
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
            let status = self
                .client
                .wait_for(&tx.id(), Duration::from_secs(60))
                .await?;
            match status.status.as_str() {
                "committed" => return Ok(status),
                "rejected"
                    if retry && matches!(status.code, Some(Code::NonceUsed | Code::NonceAhead)) =>
                {
                    eprintln!(
                        "{kind}: nonce {} clashed with a colleague's transaction; building it again",
                        tx.nonce()
                    );
                    backoff(attempt).await;
                }
                "rejected" => {
                    return Err(Rejected {
                        kind: kind.to_owned(),
                        code: status.code,
                        reason: status.reason.unwrap_or_default(),
                    }
                    .into());
                }
                other => bail!(
                    "{kind} {} is still {other} after 60 s; check it later with `unchain tx status {}`",
                    tx.id(),
                    tx.id()
                ),
            }
        }
    }
}

/// A pause before building a transaction again: growing, and jittered so that colleagues
/// racing for the same nonces fall out of step.
async fn backoff(attempt: u64) {
    let jitter = rand::Rng::gen_range(&mut rand::thread_rng(), 0..50);
    tokio::time::sleep(Duration::from_millis(20 * attempt.min(10) + jitter)).await;
}

/// This machine's clock, ms since the Unix epoch: the time a command says it acted.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The genesis at `path`, which a bundle for chain `chain_id` is checked against: its
/// validator and member keys are the ones trusted.
pub(crate) fn pinned_genesis(
    path: &std::path::Path,
    chain_id: &str,
) -> anyhow::Result<unchain_ledger::Genesis> {
    let g = unchain_node::run::load_genesis(path)?;
    if g.chain_id != chain_id {
        bail!(
            "the bundle is for chain {chain_id}, the genesis {} is chain {}",
            path.display(),
            g.chain_id
        );
    }
    Ok(g)
}

/// A transaction the ledger rejected: callers that can act on a refusal branch on its code.
#[derive(Debug)]
pub(crate) struct Rejected {
    /// The transaction's kind.
    pub kind: String,
    /// The refusal's code (absent only for records written before codes existed).
    pub code: Option<Code>,
    /// Why, for people.
    pub reason: String,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} rejected: {}", self.kind, self.reason)
    }
}

impl std::error::Error for Rejected {}

/// The code of the refusal behind `e`: a transaction's rejection or the node's problem.
pub(crate) fn refusal_code(e: &anyhow::Error) -> Option<Code> {
    e.chain().find_map(|cause| {
        cause
            .downcast_ref::<Rejected>()
            .and_then(|r| r.code)
            .or_else(|| {
                cause
                    .downcast_ref::<unchain_client::ClientError>()
                    .and_then(|c| c.code())
            })
    })
}
