//! Blind token evaluation, both ends: this member answering others' blinded requests with
//! its share of the token key ([`Evaluator::answer`]), and this member's own requests
//! carried to the key holders ([`relay`]): announced on the ledger first, then sent to
//! each holder's node, signed by this member.
//!
//! A member answers only batches of blinded points that the requester announced on the
//! ledger that day (`vault.token_evaluations`, committing the batch by its digest), each
//! batch once, so every evaluation anyone obtains is on the ledger, per requester and day. Nothing here sees what is evaluated: a
//! request is a blinded group element. Logs and metrics carry who asked and how many.

use super::{Problem, Service};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;
use tracing::info;
use unchain_client::auth::RequestSigner;
use unchain_tokens::{Request, Share, evaluate};
use unchain_types::Code;
use unchain_vault::client::Me;
use unchain_vault::token_client::{KeyHolder, current_threshold_key};
use unchain_vault::token_key;

/// Most blinded requests in one call.
pub const MAX_REQUESTS: usize = 32;

/// How long a relay waits for its announcement to commit, and for each holder to answer.
const ANNOUNCE_WAIT: Duration = Duration::from_secs(30);

/// This node's evaluation state: its share (recomputed from the ledger when the key
/// changes) and what it answered today, per requester (kept on disk, so that a restart
/// does not answer a day's evaluations twice).
pub struct Evaluator {
    path: PathBuf,
    inner: Mutex<EvaluatorState>,
}

#[derive(Default)]
struct EvaluatorState {
    /// (epoch, key round) → this member's share.
    share: Option<((u32, u64), Share)>,
    served: Served,
}

/// Evaluations answered on one UTC day: how many per requester, and which announced
/// batches (`requester/digest`), each answered once.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Served {
    day: u64,
    by: BTreeMap<String, u64>,
    #[serde(default)]
    batches: BTreeSet<String>,
}

/// This member's partial evaluations of a member's requests, in order.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvaluationAnswer {
    /// The epoch.
    pub epoch: u32,
    /// The answering member.
    pub member: String,
    /// Its share index in the key.
    pub index: u32,
    /// One partial evaluation per request, hex.
    pub partials: Vec<String>,
    /// What the requester announced today.
    pub announced: u64,
    /// What this member has answered the requester today, these included.
    pub answered: u64,
}

fn internal(e: impl std::fmt::Display) -> Problem {
    Problem::internal(e.to_string())
}

impl Evaluator {
    /// The evaluator of the node whose data directory is `data_dir`.
    pub fn open(data_dir: &std::path::Path) -> Self {
        let path = data_dir.join("token-evaluations.json");
        let served = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Evaluator {
            path,
            inner: Mutex::new(EvaluatorState {
                share: None,
                served,
            }),
        }
    }

    fn save(&self, served: &Served) -> std::io::Result<()> {
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec(served).expect("counts serialise"))?;
        std::fs::rename(&tmp, &self.path)
    }

    /// Answers `requester`'s blinded `points` for matching epoch `epoch` with this member's
    /// share, if the epoch is current, this member holds a share, and the requester
    /// announced enough evaluations today.
    pub fn answer(
        &self,
        svc: &Service,
        requester: &str,
        epoch: u32,
        points: &[Request],
    ) -> Result<EvaluationAnswer, Problem> {
        let reader = svc.ledger.state_reader()?;
        let (current, _, holders) = current_threshold_key(&reader)
            .map_err(internal)?
            .ok_or_else(|| Problem::not_found("this chain has no threshold token key yet"))?;
        if epoch != current {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                Code::EpochMismatch,
                "another matching epoch",
                format!("epoch is {epoch}; the current matching epoch is {current}"),
            ));
        }
        if !holders.contains(&svc.node_name) {
            return Err(Problem::not_found(format!(
                "{} holds no share of epoch {epoch}'s token key; ask its holders ({})",
                svc.node_name,
                holders.join(", ")
            )));
        }
        let day = svc.ledger.head()?.timestamp_ms / 86_400_000;
        let announced =
            token_key::evaluations_announced(&reader, requester, day).map_err(internal)?;
        let round = token_key::threshold_key(&reader, epoch)
            .map_err(internal)?
            .map_or(0, |k| k.round);
        let digest = token_key::batch_digest(points);
        let n = points.len() as u64;
        let not_announced = |why: String| {
            info!(member = %requester, asked = n, "token evaluations refused: not announced");
            Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                Code::LimitReached,
                "evaluations not announced",
                why,
            )
        };
        match token_key::announced_batch(&reader, requester, &digest).map_err(internal)? {
            None => {
                return Err(not_announced(format!(
                    "{requester} announced no batch {digest} (vault.token_evaluations with the digest of exactly these blinded points); it announced {announced} evaluations today in other batches"
                )));
            }
            Some(b) if b.day != day => {
                return Err(not_announced(format!(
                    "batch {digest} was announced on another day; announce it again today"
                )));
            }
            Some(b) if u64::from(b.count) != n || b.epoch != epoch => {
                return Err(Problem::bad_request(
                    Code::BadRequest,
                    format!(
                        "batch {digest} was announced with {} points for epoch {}; {n} points for epoch {epoch} were sent",
                        b.count, b.epoch
                    ),
                ));
            }
            Some(_) => {}
        }

        let mut inner = self.inner.lock().expect("evaluator lock");
        if inner.served.day != day {
            inner.served = Served {
                day,
                by: BTreeMap::new(),
                batches: BTreeSet::new(),
            };
        }
        let batch_seen = format!("{requester}/{digest}");
        if inner.served.batches.contains(&batch_seen) {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                Code::AlreadyExists,
                "batch already answered",
                format!(
                    "{} already answered {requester}'s batch {digest}: each announced batch is answered once",
                    svc.node_name
                ),
            ));
        }
        let answered = inner.served.by.get(requester).copied().unwrap_or(0);
        let share = match &inner.share {
            Some((at, share)) if *at == (epoch, round) => share.clone(),
            _ => {
                let holder = KeyHolder {
                    me: Me {
                        chain_id: &svc.ledger.genesis().chain_id,
                        name: &svc.node_name,
                        secret: &svc.encryption,
                    },
                    signing_seed: svc.signing.seed(),
                };
                let share = holder
                    .share(&reader, epoch)
                    .map_err(|e| Problem::internal(format!("this member's share: {e}")))?
                    .ok_or_else(|| {
                        Problem::internal("this member's share is not derivable from the ledger")
                    })?;
                inner.share = Some(((epoch, round), share.clone()));
                share
            }
        };
        let partials: Vec<String> = points
            .iter()
            .map(|p| evaluate(&share, p).value_hex())
            .collect();
        let answered = answered + n;
        inner.served.by.insert(requester.to_owned(), answered);
        inner.served.batches.insert(batch_seen);
        self.save(&inner.served).map_err(|e| {
            Problem::internal(format!("cannot record the evaluations answered: {e}"))
        })?;
        drop(inner);
        svc.metrics.token_evaluations.inc_by(n);
        info!(member = %requester, answered = n, "token evaluations answered");
        Ok(EvaluationAnswer {
            epoch,
            member: svc.node_name.clone(),
            index: share.index.get(),
            partials,
            announced,
            answered,
        })
    }
}

/// What a relay brought back: every holder's answer, and why the others gave none.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Relayed {
    /// The matching epoch.
    pub epoch: u32,
    /// Its group key, hex: check each answer against it (`unchain_tokens::finish`).
    pub group_key: String,
    /// Answers needed.
    pub threshold: u32,
    /// The holders' answers.
    pub answers: Vec<EvaluationAnswer>,
    /// Holders that gave none, with why.
    pub failures: BTreeMap<String, String>,
}

/// Carries this member's blinded `points` to the current key's holders: announces them on
/// the ledger (`vault.token_evaluations`) and waits for it to commit, answers them itself
/// if it holds a share, and asks every other holder whose node URL the config names.
pub async fn relay(svc: &Service, points: &[Request]) -> Result<Relayed, Problem> {
    let (epoch, key, holders) = {
        let reader = svc.ledger.state_reader()?;
        current_threshold_key(&reader)
            .map_err(internal)?
            .ok_or_else(|| Problem::not_found("this chain has no threshold token key yet"))?
    };
    let id = super::sign_and_submit(
        svc,
        "vault.token_evaluations",
        serde_json::json!({
            "epoch": epoch,
            "count": points.len(),
            "batch": token_key::batch_digest(points).to_hex(),
        }),
    )
    .await?;
    let status = super::ledger::wait_tx(svc, &id, ANNOUNCE_WAIT).await?;
    if status.status != "committed" {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            status.code.unwrap_or(Code::LimitReached),
            "the announcement was not committed",
            format!(
                "vault.token_evaluations {}: {}",
                status.status,
                status.reason.unwrap_or_default()
            ),
        ));
    }
    let mut answers = Vec::new();
    let mut failures = BTreeMap::new();
    let signer = RequestSigner {
        member: svc.node_name.clone(),
        key: svc.signing.clone(),
        actor: None,
    };
    let body = serde_json::json!({
        "epoch": epoch,
        "requests": points.iter().map(Request::to_hex).collect::<Vec<_>>(),
    });
    let mut asks = Vec::new();
    for holder in &holders {
        if *holder == svc.node_name {
            match svc.evaluator.answer(svc, &svc.node_name, epoch, points) {
                Ok(a) => answers.push(a),
                Err(p) => {
                    failures.insert(holder.clone(), p.detail.clone());
                }
            }
            continue;
        }
        let Some(url) = svc.token_holders.get(holder) else {
            failures.insert(
                holder.clone(),
                "no node URL for it in this node's config ([token_holders])".into(),
            );
            continue;
        };
        let client = unchain_client::Client::new(url);
        let (signer, body, holder) = (signer.clone(), body.clone(), holder.clone());
        asks.push(async move {
            let answer: Result<EvaluationAnswer, _> = tokio::time::timeout(
                ANNOUNCE_WAIT,
                client.post_signed_json(&signer, "/v1/vault/token-evaluations", &body),
            )
            .await
            .map_err(|_| "no answer in 30 s".to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
            (holder, answer)
        });
    }
    for (holder, answer) in futures::future::join_all(asks).await {
        match answer {
            Ok(a) => answers.push(a),
            Err(e) => {
                failures.insert(holder, e);
            }
        }
    }
    Ok(Relayed {
        epoch,
        group_key: unchain_tokens::group_key_to_hex(&key),
        threshold: key.required::<commonware_utils::N3f1>(),
        answers,
        failures,
    })
}
