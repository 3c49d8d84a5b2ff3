//! A signed-in organisation: its keys and its node, for commands that submit transactions
//! and make signed requests.

use anyhow::Context as _;
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
    #[arg(long, env = "UNCHAIN_KEY")]
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
        unchain_types::body::check_actor("--actor", &who.actor)
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
        // and the node-run key-round steps names the acting user: set here, once, for every command.
        let names_user = [
            "cases.",
            "custody.",
            "identity.",
            "vault.",
            "supply.",
            "recruit.",
        ]
        .iter()
        .any(|m| kind.starts_with(m))
            && kind != "vault.rotate_matching_key"
            && kind != "vault.sharing_policy"
            && (kind == "vault.token_key_round" || !kind.starts_with("vault.token_key_"));
        if names_user {
            body["actor"] = serde_json::Value::from(self.actor.clone());
        }
        // Colleagues acting for the same organisation at the same moment (another clerk's
        // CLI, the node's /v1/act) share its nonces: the client builds the transaction again
        // when one took its nonce.
        let status = self
            .client
            .submit_and_wait(&self.signing, kind, body, Duration::from_secs(60), &|tx| {
                eprintln!(
                    "{kind}: nonce {} clashed with a colleague's transaction; building it again",
                    tx.nonce()
                )
            })
            .await?;
        Ok(status)
    }
}

/// This machine's clock, ms since the Unix epoch: the time a command says it acted.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The code of the refusal behind `e`: the ledger's rejection, or the node's problem.
pub(crate) fn refusal_code(e: &anyhow::Error) -> Option<Code> {
    e.chain().find_map(|cause| {
        cause
            .downcast_ref::<unchain_client::SubmitError>()
            .and_then(|s| s.code())
            .or_else(|| {
                cause
                    .downcast_ref::<unchain_client::ClientError>()
                    .and_then(|c| c.code())
            })
    })
}
