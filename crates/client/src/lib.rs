//! A Rust client for Unchain nodes: builds and signs transactions and calls the HTTP API.
//! Proof bundles are verified offline by `unchain-bundle` (`unchain_bundle::proof`). Used by
//! the `unchain` CLI and by the tests.
#![forbid(unsafe_code)]

pub mod auth;
pub mod submit;
pub mod views;

use serde::de::DeserializeOwned;
use std::time::Duration;
use unchain_types::{SigningKey, Transaction, TxId, UnsignedTransaction};
use views::*;

pub use auth::RequestSigner;
pub use submit::SubmitError;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The node could not be reached.
    #[error("cannot reach the node at {url}: {source}")]
    Unreachable {
        /// The URL called.
        url: String,
        /// The transport error.
        source: reqwest::Error,
    },
    /// The node answered with a problem.
    #[error("{status} from {url}: {detail}")]
    Problem {
        /// The URL called.
        url: String,
        /// HTTP status.
        status: u16,
        /// The problem's detail (or body).
        detail: String,
        /// The problem's stable code: branch on this, never on `detail`. `None` when the
        /// answer was not a problem document of this API (a proxy's error page).
        code: Option<unchain_types::Code>,
        /// Seconds to wait, on 429.
        retry_after: Option<u64>,
    },
    /// The answer was not what the API documents.
    #[error("unexpected answer from {url}: {reason}")]
    Unexpected {
        /// The URL called.
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// A request could not be signed (its URL is not absolute, say).
    #[error("cannot sign a request to {url}: {reason}")]
    Unsignable {
        /// The URL to be called.
        url: String,
        /// Why.
        reason: String,
    },
    /// A transaction could not be built.
    #[error("building the transaction: {0}")]
    Build(#[from] unchain_types::TxError),
}

/// The code of a problem document: its `code`, or else the last segment of its `type`.
pub fn problem_code(problem: &serde_json::Value) -> Option<unchain_types::Code> {
    problem
        .get("code")
        .and_then(|c| c.as_str())
        .or_else(|| {
            problem
                .get("type")
                .and_then(|t| t.as_str())
                .and_then(|t| t.strip_prefix("/problems/"))
        })
        .and_then(unchain_types::Code::parse)
}

impl ClientError {
    /// The refusal's code, when the node answered with a problem that has one.
    pub fn code(&self) -> Option<unchain_types::Code> {
        match self {
            ClientError::Problem { code, .. } => *code,
            _ => None,
        }
    }
}

/// A client for one node.
#[derive(Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
    /// Who signs this client's reads, when it reads as a member (blocks, leaves and
    /// inclusion proofs are for members only).
    reader: Option<RequestSigner>,
}

impl Client {
    /// A client for the node at `base` (e.g. `http://127.0.0.1:7700`).
    pub fn new(base: &str) -> Self {
        Client {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .pool_max_idle_per_host(64)
                .build()
                .expect("HTTP client builds"),
            reader: None,
        }
    }

    /// The same client, signing every read as `signer` (see [`auth`]): what a member's
    /// tools use, since blocks, leaves and inclusion proofs are served to members only.
    pub fn with_signer(mut self, signer: RequestSigner) -> Self {
        self.reader = Some(signer);
        self
    }

    /// The node's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    async fn decode<T: DeserializeOwned>(
        url: String,
        resp: reqwest::Response,
    ) -> Result<T, ClientError> {
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let bytes = resp
            .bytes()
            .await
            .map_err(|source| ClientError::Unreachable {
                url: url.clone(),
                source,
            })?;
        if !status.is_success() {
            let problem = serde_json::from_slice::<serde_json::Value>(&bytes).ok();
            let detail = problem
                .as_ref()
                .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_owned))
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
            let code = problem.as_ref().and_then(problem_code);
            return Err(ClientError::Problem {
                url,
                status: status.as_u16(),
                detail,
                code,
                retry_after,
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Unexpected {
            url,
            reason: e.to_string(),
        })
    }

    /// Sends a GET for `path`, signed when this client reads as a member; returns the URL
    /// and the raw response.
    async fn fetch(&self, path: &str) -> Result<(String, reqwest::Response), ClientError> {
        if let Some(signer) = &self.reader {
            return self
                .signed(signer, reqwest::Method::GET, path, Vec::new())
                .await;
        }
        let url = format!("{}{path}", self.base);
        match self.http.get(&url).send().await {
            Ok(resp) => Ok((url, resp)),
            Err(source) => Err(ClientError::Unreachable { url, source }),
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let (url, resp) = self.fetch(path).await?;
        Self::decode(url, resp).await
    }

    /// A GET of `path`, decoded as JSON (for endpoints this client has no dedicated method
    /// for, such as `/v1/members`); signed when the client reads as a member
    /// ([`Client::with_signer`]).
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.get(path).await
    }

    async fn post<T: DeserializeOwned>(&self, path: &str, body: Vec<u8>) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base);
        let resp = self
            .http
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|source| ClientError::Unreachable {
                url: url.clone(),
                source,
            })?;
        Self::decode(url, resp).await
    }

    async fn signed(
        &self,
        signer: &RequestSigner,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<(String, reqwest::Response), ClientError> {
        let url = format!("{}{path}", self.base);
        let mut req = self.http.request(method.clone(), &url);
        let fields = signer
            .try_headers(method.as_str(), &url, &body)
            .map_err(|e| ClientError::Unsignable {
                url: url.clone(),
                reason: e.to_string(),
            })?;
        for (name, value) in fields {
            req = req.header(name, value);
        }
        if !body.is_empty() {
            req = req
                .header("content-type", "application/octet-stream")
                .body(body);
        }
        match req.send().await {
            Ok(resp) => Ok((url, resp)),
            Err(source) => Err(ClientError::Unreachable { url, source }),
        }
    }

    /// A signed GET of a streaming endpoint (`/v1/events`): the open response, to read
    /// chunk by chunk; a refusal is returned as the node's problem.
    pub async fn stream_signed(
        &self,
        signer: &RequestSigner,
        path: &str,
    ) -> Result<reqwest::Response, ClientError> {
        let (url, resp) = self
            .signed(signer, reqwest::Method::GET, path, Vec::new())
            .await?;
        if !resp.status().is_success() {
            return Err(Self::decode::<serde_json::Value>(url, resp)
                .await
                .expect_err("a non-success answer decodes to a problem"));
        }
        Ok(resp)
    }

    /// A signed POST of a JSON `body` to `path`, the answer decoded as JSON (the identity
    /// checks, `/v1/identity/verify`).
    pub async fn post_signed_json<T: DeserializeOwned>(
        &self,
        signer: &RequestSigner,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, ClientError> {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        let (url, resp) = self
            .signed(signer, reqwest::Method::POST, path, bytes)
            .await?;
        Self::decode(url, resp).await
    }

    /// A signed GET of `path`, decoded as JSON (vault endpoints).
    pub async fn get_signed<T: DeserializeOwned>(
        &self,
        signer: &RequestSigner,
        path: &str,
    ) -> Result<T, ClientError> {
        let (url, resp) = self
            .signed(signer, reqwest::Method::GET, path, Vec::new())
            .await?;
        Self::decode(url, resp).await
    }

    /// Uploads a ciphertext to this node's vault before sealing it (signed PUT).
    pub async fn upload_ciphertext(
        &self,
        signer: &RequestSigner,
        commitment: &unchain_types::Hash32,
        bytes: Vec<u8>,
    ) -> Result<serde_json::Value, ClientError> {
        self.put_signed_bytes(
            signer,
            &format!("/v1/vault/ciphertexts/{commitment}"),
            bytes,
        )
        .await
    }

    /// Fetches a ciphertext this member may hold from the node's vault (signed GET).
    pub async fn fetch_ciphertext(
        &self,
        signer: &RequestSigner,
        commitment: &unchain_types::Hash32,
    ) -> Result<Vec<u8>, ClientError> {
        self.get_signed_bytes(signer, &format!("/v1/vault/ciphertexts/{commitment}"))
            .await
    }

    /// A signed `PUT` of raw bytes to `path`; the node's JSON answer.
    pub async fn put_signed_bytes(
        &self,
        signer: &RequestSigner,
        path: &str,
        bytes: Vec<u8>,
    ) -> Result<serde_json::Value, ClientError> {
        let (url, resp) = self
            .signed(signer, reqwest::Method::PUT, path, bytes)
            .await?;
        Self::decode(url, resp).await
    }

    /// A signed `GET` of `path` answered with raw bytes.
    pub async fn get_signed_bytes(
        &self,
        signer: &RequestSigner,
        path: &str,
    ) -> Result<Vec<u8>, ClientError> {
        let (url, resp) = self
            .signed(signer, reqwest::Method::GET, path, Vec::new())
            .await?;
        if !resp.status().is_success() {
            // `decode` turns any non-success answer into the node's problem.
            return Err(Self::decode::<serde_json::Value>(url, resp)
                .await
                .expect_err("a non-success answer decodes to a problem"));
        }
        resp.bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|source| ClientError::Unreachable { url, source })
    }

    /// The node's status.
    pub async fn status(&self) -> Result<StatusView, ClientError> {
        self.get("/v1/status").await
    }

    /// The account of `key`: its next nonce.
    pub async fn account(
        &self,
        key: &unchain_types::PublicKey,
    ) -> Result<AccountView, ClientError> {
        self.get(&format!("/v1/accounts/{key}")).await
    }

    /// Builds and signs a transaction of `kind` with the next nonce of `key`'s account.
    pub async fn build(
        &self,
        key: &SigningKey,
        kind: &str,
        body: serde_json::Value,
    ) -> Result<Transaction, ClientError> {
        let status = self.status().await?;
        let account = self.account(&key.public_key()).await?;
        Ok(UnsignedTransaction {
            chain_id: status.chain_id,
            sender: key.public_key(),
            nonce: account.next_nonce,
            kind: kind.into(),
            body,
        }
        .sign(key)?)
    }

    /// Submits one transaction.
    pub async fn submit(&self, tx: &Transaction) -> Result<SubmitResponse, ClientError> {
        self.post("/v1/transactions", tx.wire_bytes().to_vec())
            .await
    }

    /// Submits many transactions in one request.
    pub async fn submit_batch(&self, txs: &[Transaction]) -> Result<Vec<BatchItem>, ClientError> {
        let mut body =
            Vec::with_capacity(txs.iter().map(|t| t.wire_bytes().len() + 1).sum::<usize>() + 2);
        body.push(b'[');
        for (i, t) in txs.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(t.wire_bytes());
        }
        body.push(b']');
        self.post("/v1/transactions/batch", body).await
    }

    /// A transaction's status, waiting up to `wait` for it to reach a block.
    pub async fn tx_status(&self, id: &TxId, wait: Duration) -> Result<TxStatusView, ClientError> {
        self.get(&format!(
            "/v1/transactions/{id}?wait_ms={}",
            wait.as_millis()
        ))
        .await
    }

    /// Waits until `id` is committed or rejected, or `timeout` passes.
    pub async fn wait_for(
        &self,
        id: &TxId,
        timeout: Duration,
    ) -> Result<TxStatusView, ClientError> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let s = self
                .tx_status(id, left.min(Duration::from_secs(10)))
                .await?;
            if s.status != "pending" || left.is_zero() {
                return Ok(s);
            }
        }
    }

    /// The proof bundle of a committed transaction, with its leaf (members only: a client
    /// [`Client::with_signer`]).
    pub async fn proof(&self, id: &TxId) -> Result<ProofBundle, ClientError> {
        self.get(&format!("/v1/proofs/inclusion?tx={id}")).await
    }

    /// A block by height (members only: a client [`Client::with_signer`]).
    pub async fn block(&self, height: u64) -> Result<BlockView, ClientError> {
        self.get(&format!("/v1/blocks/{height}")).await
    }

    /// Every anchoring of a document hash, with proofs (members only: a client
    /// [`Client::with_signer`]).
    pub async fn notary(&self, hash: &unchain_types::Hash32) -> Result<NotaryView, ClientError> {
        self.get(&format!("/v1/notary/{hash}")).await
    }

    /// The latest signed checkpoint (note text).
    pub async fn checkpoint(&self) -> Result<String, ClientError> {
        let (url, resp) = self.fetch("/v1/checkpoint").await?;
        if !resp.status().is_success() {
            return Err(Self::decode::<serde_json::Value>(url, resp)
                .await
                .expect_err("a non-success answer decodes to a problem"));
        }
        resp.text()
            .await
            .map_err(|source| ClientError::Unreachable { url, source })
    }
}
