//! The threshold token key on the ledger: key rounds run by the members through
//! transactions, the key epoch each completed round makes, and the per-requester count of
//! blind evaluations.
//!
//! A round (`vault.token_key_round`, governance) names its players. Each dealer posts its
//! commitment and each player's private evaluation sealed to that player
//! (`vault.token_key_deal`); each player acknowledges the dealings that check out
//! (`vault.token_key_ack`); each dealer posts its signed log (`vault.token_key_log`); then
//! `vault.token_key_finish` has every validator observe the logs on record. A fresh round
//! makes a new matching epoch whose key exists only as the players' shares; a resharing
//! keeps the epoch and its key (every token stays valid) and replaces the shares.
//!
//! The messages are `unchain_tokens::keygen`'s; this module checks what it can check
//! without secrets (who may send what, in which round, that a log verifies for its round
//! and sender) and records the rest. No secret reaches the ledger: the private evaluations
//! travel sealed with HPKE to their player.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use unchain_ledger::membership::member_named;
use unchain_ledger::{ExecContext, ExecError, StateRead};
use unchain_seal::WrappedKey;
use unchain_tokens::{KeyRound, MemberKey};
use unchain_types::body::BodyError;
use unchain_types::{Code, TxId};

use crate::execute::{load, reject, store};
use crate::state::{MatchingEpoch, ThresholdKey, decode, matching_key};

/// Blind evaluations one organisation may announce per UTC day (by block time).
pub const EVALUATIONS_PER_DAY: u64 = 1_000;

/// `vault.token_key_round`: open a key round.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRound {
    /// The acting user (pseudonymous id inside the organisation), when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The round's number: one more than the last round opened (failed rounds count).
    pub round: u64,
    /// The members who receive shares (normally the validators), by name.
    pub players: Vec<String>,
    /// Reshare the current key to `players` (keeps every token) instead of making a new
    /// key (a rotation: new tokens cannot be linked to old ones).
    #[serde(default)]
    pub reshare: bool,
}

/// `vault.token_key_deal`: a dealer's dealing.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Deal {
    /// The round.
    pub round: u64,
    /// The dealer's polynomial commitment, hex.
    pub commitment: String,
    /// Each player's private evaluation, sealed to that player (HPKE, `info` from
    /// `unchain_seal::token_share_info`).
    pub shares: BTreeMap<String, WrappedKey>,
}

/// `vault.token_key_ack`: a player acknowledges a dealing that checks out.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Ack {
    /// The round.
    pub round: u64,
    /// The dealer acknowledged.
    pub dealer: String,
    /// The signed acknowledgement, hex.
    pub ack: String,
}

/// `vault.token_key_log`: a dealer's signed log.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Log {
    /// The round.
    pub round: u64,
    /// The signed log, hex.
    pub log: String,
}

/// `vault.token_key_finish`: observe the round's logs and install its key.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Finish {
    /// The round.
    pub round: u64,
}

/// `vault.token_evaluations`: announce a batch of blind evaluations before asking for it.
/// The batch is committed by the hash of its blinded points ([`batch_digest`]), which
/// says nothing of what is asked; each holder answers exactly the announced batches, each
/// once, so the tokens anyone obtains are exactly what it announced, for everyone to see.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluations {
    /// The acting user (pseudonymous id inside the organisation), when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The matching epoch the evaluations are for (the current one).
    pub epoch: u32,
    /// How many points the batch holds.
    pub count: u32,
    /// The batch's digest: [`batch_digest`] of its blinded points, in order.
    pub batch: unchain_types::Hash32,
}

/// The digest that commits a batch of blinded points (each 48 compressed bytes, in the
/// order they are sent): SHA-256 over a label and the points.
pub fn batch_digest(points: &[unchain_tokens::Request]) -> unchain_types::Hash32 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"unchain/token-batch/v1\0");
    for p in points {
        h.update(hex::decode(p.to_hex()).expect("hex of a point"));
    }
    unchain_types::Hash32(h.finalize().into())
}

/// An announced batch, as recorded.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct AnnouncedBatch {
    /// How many points it holds.
    pub count: u32,
    /// The UTC day (since 1970-01-01) it was announced.
    pub day: u64,
    /// The epoch it is for.
    pub epoch: u32,
}

/// Longest hex message a round carries (a log of 256 players is under 40 KiB).
const MAX_MESSAGE_HEX: usize = 128 * 1024;

fn check_hex(field: &str, text: &str) -> Result<(), BodyError> {
    if text.is_empty() || text.len() > MAX_MESSAGE_HEX {
        return Err(BodyError::new(
            field,
            format!("must be 1 to {MAX_MESSAGE_HEX} hex characters"),
        ));
    }
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(BodyError::new(field, "must be hexadecimal"));
    }
    Ok(())
}

impl OpenRound {
    /// Checks the fields a body can get wrong without state.
    pub fn check(&self) -> Result<(), BodyError> {
        if self.players.is_empty()
            || self.players.len() > unchain_tokens::keygen::MAX_MEMBERS as usize
        {
            return Err(BodyError::new(
                "players",
                format!(
                    "must name 1 to {} members",
                    unchain_tokens::keygen::MAX_MEMBERS
                ),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, p) in self.players.iter().enumerate() {
            if !seen.insert(p) {
                return Err(BodyError::new(
                    format!("players[{i}]"),
                    format!("{p} is named twice"),
                ));
            }
        }
        Ok(())
    }
}

impl Deal {
    /// Checks the commitment decodes as a polynomial commitment.
    pub fn check(&self) -> Result<(), BodyError> {
        check_hex("commitment", &self.commitment)?;
        unchain_tokens::check_commitment(&self.commitment)
            .map_err(|e| BodyError::new("commitment", e.to_string()))
    }
}

impl Ack {
    /// Checks the acknowledgement's form.
    pub fn check(&self) -> Result<(), BodyError> {
        check_hex("ack", &self.ack)
    }
}

impl Log {
    /// Checks the log's form.
    pub fn check(&self) -> Result<(), BodyError> {
        check_hex("log", &self.log)
    }
}

impl Evaluations {
    /// Checks the count.
    pub fn check(&self) -> Result<(), BodyError> {
        if self.count == 0 || u64::from(self.count) > EVALUATIONS_PER_DAY {
            return Err(BodyError::new(
                "count",
                format!("must be 1 to {EVALUATIONS_PER_DAY}"),
            ));
        }
        Ok(())
    }
}

/// A key round as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RoundState {
    /// The round's number.
    pub round: u64,
    /// Whether it reshares the current key.
    pub reshare: bool,
    /// The players, with their Ed25519 keys (hex) as they were when the round opened.
    pub players: Vec<(String, String)>,
    /// The dealers, likewise.
    pub dealers: Vec<(String, String)>,
    /// The epoch a resharing reshares.
    pub previous_epoch: Option<u32>,
    /// The public output (hex) of the round that made that epoch's current shares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_output: Option<String>,
    /// The opening transaction.
    pub opened: TxId,
    /// The member that opened it (its node finishes it; others when it is late).
    pub opened_by: String,
    /// The height of the block that opened it (nodes time their waits from it).
    pub opened_height: u64,
    /// The epoch the round installed, once finished.
    pub finished: Option<u32>,
}

/// A recorded dealing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DealState {
    /// The commitment, hex.
    pub commitment: String,
    /// Each player's sealed evaluation.
    pub shares: BTreeMap<String, WrappedKey>,
}

/// Blind evaluations an organisation announced on one day.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct EvaluationCount {
    /// How many.
    pub count: u64,
}

pub(crate) fn round_key(round: u64) -> Vec<u8> {
    format!("vault/keyround/{round:020}").into_bytes()
}
pub(crate) fn deal_key(round: u64, dealer: &str) -> Vec<u8> {
    format!("vault/keymsg/{round:020}/deal/{dealer}").into_bytes()
}
pub(crate) fn deal_prefix(round: u64) -> Vec<u8> {
    format!("vault/keymsg/{round:020}/deal/").into_bytes()
}
pub(crate) fn ack_key(round: u64, dealer: &str, player: &str) -> Vec<u8> {
    format!("vault/keymsg/{round:020}/ack/{dealer}/{player}").into_bytes()
}
pub(crate) fn ack_prefix(round: u64, dealer: &str) -> Vec<u8> {
    format!("vault/keymsg/{round:020}/ack/{dealer}/").into_bytes()
}
pub(crate) fn log_key(round: u64, dealer: &str) -> Vec<u8> {
    format!("vault/keymsg/{round:020}/log/{dealer}").into_bytes()
}
pub(crate) fn log_prefix(round: u64) -> Vec<u8> {
    format!("vault/keymsg/{round:020}/log/").into_bytes()
}
pub(crate) fn evaluations_key(member: &str, day: u64) -> Vec<u8> {
    format!("vault/evaluations/{member}/{day:010}").into_bytes()
}
pub(crate) fn batch_key(member: &str, batch: &unchain_types::Hash32) -> Vec<u8> {
    format!("vault/evaluation_batch/{member}/{batch}").into_bytes()
}

/// A member's Ed25519 key as key rounds use it, from the 64 hex characters round state
/// records.
pub fn member_key_of(hex_key: &str) -> MemberKey {
    let bytes: [u8; 32] = hex::decode(hex_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .expect("round state holds 32-byte keys");
    unchain_tokens::member_key(&bytes).expect("a member's Ed25519 key")
}

fn keys(list: &[(String, String)]) -> Vec<MemberKey> {
    list.iter().map(|(_, k)| member_key_of(k)).collect()
}

fn last_round(ctx: &ExecContext<'_, '_>) -> Result<Option<RoundState>, ExecError> {
    Ok(latest_round(&*ctx.state)?)
}

/// The threshold key of `epoch`, if that epoch has one.
pub(crate) fn threshold_of(
    ctx: &ExecContext<'_, '_>,
    epoch: u32,
) -> Result<Option<ThresholdKey>, ExecError> {
    Ok(threshold_key(&*ctx.state, epoch)?)
}

impl RoundState {
    /// The round's commonware description, from what the ledger recorded.
    pub fn key_round(&self, chain_id: &str) -> Result<KeyRound, unchain_tokens::KeygenError> {
        match &self.previous_output {
            Some(output) => {
                let output = unchain_tokens::output_from_hex(output).expect("recorded output");
                KeyRound::reshare(chain_id, self.round, &output, &keys(&self.players))
            }
            None => KeyRound::fresh(chain_id, self.round, &keys(&self.players)),
        }
    }

    /// A dealer's Ed25519 key, if it is one of the round's dealers.
    pub fn dealer_key(&self, name: &str) -> Option<MemberKey> {
        role_in(&self.dealers, name).map(|(_, k)| member_key_of(k))
    }

    /// Whether `name` is one of the round's players.
    pub fn is_player(&self, name: &str) -> bool {
        role_in(&self.players, name).is_some()
    }
}

/// The round of a recorded (so already checked) round state.
fn key_round(chain_id: &str, r: &RoundState) -> KeyRound {
    r.key_round(chain_id)
        .expect("the round was checked when it opened")
}

fn open_round_named(ctx: &ExecContext<'_, '_>, round: u64) -> Result<RoundState, ExecError> {
    let r: RoundState = load(ctx, &round_key(round))?.ok_or_else(|| {
        reject(
            Code::NotFound,
            format!("round: key round {round} was never opened"),
        )
    })?;
    if let Some(epoch) = r.finished {
        return Err(reject(
            Code::StaleVersion,
            format!("round: key round {round} already finished (it installed epoch {epoch})"),
        ));
    }
    match last_round(ctx)? {
        Some(last) if last.round != round => Err(reject(
            Code::StaleVersion,
            format!(
                "round: key round {round} was superseded by round {}",
                last.round
            ),
        )),
        _ => Ok(r),
    }
}

fn role_in<'a>(list: &'a [(String, String)], name: &str) -> Option<&'a (String, String)> {
    list.iter().find(|(n, _)| n == name)
}

/// `vault.token_key_round`.
pub(crate) fn open(
    ctx: &mut ExecContext<'_, '_>,
    chain_id: &str,
    current_epoch: u32,
    b: &OpenRound,
) -> Result<(), ExecError> {
    let next = last_round(ctx)?.map_or(0, |r| r.round + 1);
    if b.round != next {
        return Err(reject(
            Code::StaleVersion,
            format!("round must be {next} (rounds count up from 0, failed ones included)"),
        ));
    }
    let mut players = Vec::with_capacity(b.players.len());
    for (i, name) in b.players.iter().enumerate() {
        let m = member_named(ctx.state, name)?.ok_or_else(|| {
            reject(
                Code::UnknownMember,
                format!("players[{i}]: {name} is not a member"),
            )
        })?;
        if !m.roles.contains(&unchain_ledger::Role::Records) {
            return Err(reject(
                Code::MissingRole,
                format!(
                    "players[{i}]: {name} lacks the records role, which dealing and acknowledging need"
                ),
            ));
        }
        players.push((name.clone(), m.signing_key.to_hex()));
    }
    let (dealers, previous_epoch, previous_output) = if b.reshare {
        let Some(current) = threshold_of(ctx, current_epoch)? else {
            return Err(reject(
                Code::NotFound,
                format!(
                    "reshare: matching epoch {current_epoch} has no threshold key to reshare; open a fresh round"
                ),
            ));
        };
        let dealers: Vec<(String, String)> = current
            .players
            .iter()
            .filter_map(|(n, _)| players.iter().find(|(p, _)| p == n).cloned())
            .collect();
        (dealers, Some(current_epoch), Some(current.output))
    } else {
        (players.clone(), None, None)
    };
    let state = RoundState {
        round: b.round,
        reshare: b.reshare,
        players,
        dealers,
        previous_epoch,
        previous_output,
        opened: ctx.tx_id,
        opened_by: ctx.sender.name.clone(),
        opened_height: ctx.height,
        finished: None,
    };
    // commonware refuses a resharing with fewer dealers than the old threshold, among
    // others: the refusal says why.
    if let Err(e) = state.key_round(chain_id) {
        return Err(reject(Code::InvalidBody, format!("players: {e}")));
    }
    store(ctx, &round_key(b.round), &state)
}

/// `vault.token_key_deal`.
pub(crate) fn deal(ctx: &mut ExecContext<'_, '_>, b: &Deal) -> Result<(), ExecError> {
    let r = open_round_named(ctx, b.round)?;
    let me = ctx.sender.name.clone();
    if role_in(&r.dealers, &me).is_none() {
        return Err(reject(
            Code::NoAccess,
            format!("{me} is not a dealer of key round {}", b.round),
        ));
    }
    if ctx.state.get(&deal_key(b.round, &me))?.is_some() {
        return Err(reject(
            Code::AlreadyExists,
            format!("{me} already dealt in key round {}", b.round),
        ));
    }
    let players: std::collections::BTreeSet<&String> = r.players.iter().map(|(n, _)| n).collect();
    if !b.shares.keys().eq(players.iter().copied()) {
        let list: Vec<&str> = players.iter().map(|s| s.as_str()).collect();
        return Err(reject(
            Code::RecipientsMismatch,
            format!(
                "shares must hold one sealed evaluation for exactly the round's players ({})",
                list.join(", ")
            ),
        ));
    }
    store(
        ctx,
        &deal_key(b.round, &me),
        &DealState {
            commitment: b.commitment.clone(),
            shares: b.shares.clone(),
        },
    )
}

/// `vault.token_key_ack`.
pub(crate) fn ack(ctx: &mut ExecContext<'_, '_>, b: &Ack) -> Result<(), ExecError> {
    let r = open_round_named(ctx, b.round)?;
    let me = ctx.sender.name.clone();
    if role_in(&r.players, &me).is_none() {
        return Err(reject(
            Code::NoAccess,
            format!("{me} is not a player of key round {}", b.round),
        ));
    }
    if ctx.state.get(&deal_key(b.round, &b.dealer))?.is_none() {
        return Err(reject(
            Code::NotFound,
            format!(
                "dealer: {} has not dealt in key round {}",
                b.dealer, b.round
            ),
        ));
    }
    if ctx.state.get(&log_key(b.round, &b.dealer))?.is_some() {
        return Err(reject(
            Code::StaleVersion,
            format!(
                "dealer: {} already published its log for key round {}",
                b.dealer, b.round
            ),
        ));
    }
    store(ctx, &ack_key(b.round, &b.dealer, &me), &b.ack)
}

/// `vault.token_key_log`.
pub(crate) fn log(ctx: &mut ExecContext<'_, '_>, chain_id: &str, b: &Log) -> Result<(), ExecError> {
    let r = open_round_named(ctx, b.round)?;
    let me = ctx.sender.name.clone();
    let Some((_, key)) = role_in(&r.dealers, &me) else {
        return Err(reject(
            Code::NoAccess,
            format!("{me} is not a dealer of key round {}", b.round),
        ));
    };
    if ctx.state.get(&deal_key(b.round, &me))?.is_none() {
        return Err(reject(
            Code::NotFound,
            format!("{me} has not dealt in key round {}", b.round),
        ));
    }
    if ctx.state.get(&log_key(b.round, &me))?.is_some() {
        return Err(reject(
            Code::AlreadyExists,
            format!("{me} already published its log for key round {}", b.round),
        ));
    }
    let round = key_round(chain_id, &r);
    unchain_tokens::check_log(&round, &member_key_of(key), &b.log)
        .map_err(|e| reject(Code::InvalidSignature, e.to_string()))?;
    store(ctx, &log_key(b.round, &me), &b.log)
}

/// The logs recorded for `round`, with their dealers' keys.
pub(crate) fn logs_of(
    ctx: &ExecContext<'_, '_>,
    r: &RoundState,
) -> Result<Vec<(MemberKey, String)>, ExecError> {
    let prefix = log_prefix(r.round);
    Ok(ctx
        .state
        .scan_prefix(&prefix)?
        .into_iter()
        .filter_map(|(k, v)| {
            let dealer = std::str::from_utf8(&k[prefix.len()..]).ok()?;
            let (_, key) = role_in(&r.dealers, dealer)?;
            Some((member_key_of(key), decode::<String>(&v)))
        })
        .collect())
}

/// `vault.token_key_finish`: returns the epoch installed or kept.
pub(crate) fn finish(
    ctx: &mut ExecContext<'_, '_>,
    chain_id: &str,
    current_epoch: u32,
    b: &Finish,
) -> Result<u32, ExecError> {
    let mut r = open_round_named(ctx, b.round)?;
    let round = key_round(chain_id, &r);
    let logs = logs_of(ctx, &r)?;
    let output = unchain_tokens::observe(&round, &logs).map_err(|e| {
        reject(
            Code::TooEarly,
            format!(
                "key round {} cannot finish with the {} logs on record: {e}",
                b.round,
                logs.len()
            ),
        )
    })?;
    let key = ThresholdKey {
        round: b.round,
        group_key: unchain_tokens::group_key_to_hex(output.public()),
        output: unchain_tokens::output_to_hex(&output),
        players: players_in_share_order(&r, &output),
    };
    let epoch = if r.reshare {
        let epoch = r.previous_epoch.expect("a resharing names its epoch");
        let mut e: MatchingEpoch = load(ctx, &matching_key(epoch))?.expect("the epoch exists");
        e.threshold = Some(key);
        store(ctx, &matching_key(epoch), &e)?;
        epoch
    } else {
        let epoch = current_epoch + 1;
        store(
            ctx,
            &matching_key(epoch),
            &MatchingEpoch {
                epoch,
                wrapped: BTreeMap::new(),
                tx: ctx.tx_id,
                threshold: Some(key),
            },
        )?;
        epoch
    };
    r.finished = Some(epoch);
    store(ctx, &round_key(b.round), &r)?;
    Ok(epoch)
}

/// The players by share index: index `i` is the `i`-th player in the order of their keys
/// (commonware's ordered set).
fn players_in_share_order(
    r: &RoundState,
    output: &unchain_tokens::Output,
) -> Vec<(String, String)> {
    output
        .players()
        .iter()
        .map(|k| {
            r.players
                .iter()
                .find(|(_, key)| member_key_of(key) == *k)
                .cloned()
                .expect("every output player is a round player")
        })
        .collect()
}

/// `vault.token_evaluations`.
pub(crate) fn evaluations(
    ctx: &mut ExecContext<'_, '_>,
    current_epoch: u32,
    b: &Evaluations,
) -> Result<(), ExecError> {
    if b.epoch != current_epoch {
        return Err(reject(
            Code::EpochMismatch,
            format!(
                "epoch is {}; the current matching epoch is {current_epoch}",
                b.epoch
            ),
        ));
    }
    if threshold_of(ctx, current_epoch)?.is_none() {
        return Err(reject(
            Code::NotFound,
            format!(
                "epoch: matching epoch {current_epoch} has no threshold key; its tokens are not evaluated by members"
            ),
        ));
    }
    let me = ctx.sender.name.clone();
    let day = ctx.timestamp_ms / 86_400_000;
    let key = evaluations_key(&me, day);
    let used = load::<EvaluationCount>(ctx, &key)?.map_or(0, |c| c.count);
    if used + u64::from(b.count) > EVALUATIONS_PER_DAY {
        return Err(reject(
            Code::LimitReached,
            format!(
                "count: {me} has announced {used} blind evaluations today; the limit is {EVALUATIONS_PER_DAY} per organisation per UTC day"
            ),
        ));
    }
    let batch = batch_key(&me, &b.batch);
    if ctx.state.get(&batch)?.is_some() {
        return Err(reject(
            Code::AlreadyExists,
            format!("batch: {me} already announced batch {}", b.batch),
        ));
    }
    store(
        ctx,
        &batch,
        &AnnouncedBatch {
            count: b.count,
            day,
            epoch: b.epoch,
        },
    )?;
    store(
        ctx,
        &key,
        &EvaluationCount {
            count: used + u64::from(b.count),
        },
    )
}

/// What a round holds so far: every dealing, acknowledgement and log on record.
#[derive(Debug, Clone, Default)]
pub struct RoundMessages {
    /// Each dealer's dealing.
    pub deals: BTreeMap<String, DealState>,
    /// Each dealer's acknowledgements, by player.
    pub acks: BTreeMap<String, BTreeMap<String, String>>,
    /// Each dealer's signed log.
    pub logs: BTreeMap<String, String>,
}

fn read<T: serde::de::DeserializeOwned>(
    r: &impl StateRead,
    key: &[u8],
) -> Result<Option<T>, redb::StorageError> {
    Ok(r.get(key)?.map(|v| decode(&v)))
}

fn named_after(prefix: &[u8], key: &[u8]) -> String {
    String::from_utf8_lossy(&key[prefix.len()..]).into_owned()
}

/// The last key round opened, if any (it may have finished).
pub fn latest_round(r: &impl StateRead) -> Result<Option<RoundState>, redb::StorageError> {
    Ok(r.scan_prefix(b"vault/keyround/")?
        .last()
        .map(|(_, v)| decode(v)))
}

/// Key round `round`, if it was opened.
pub fn round(r: &impl StateRead, round: u64) -> Result<Option<RoundState>, redb::StorageError> {
    read(r, &round_key(round))
}

/// The messages on record for `round`.
pub fn messages(r: &impl StateRead, round: u64) -> Result<RoundMessages, redb::StorageError> {
    let mut out = RoundMessages::default();
    let prefix = deal_prefix(round);
    for (k, v) in r.scan_prefix(&prefix)? {
        let dealer = named_after(&prefix, &k);
        let prefix = ack_prefix(round, &dealer);
        let acks = r
            .scan_prefix(&prefix)?
            .into_iter()
            .map(|(k, v)| (named_after(&prefix, &k), decode::<String>(&v)))
            .collect();
        out.acks.insert(dealer.clone(), acks);
        out.deals.insert(dealer, decode(&v));
    }
    let prefix = log_prefix(round);
    for (k, v) in r.scan_prefix(&prefix)? {
        out.logs.insert(named_after(&prefix, &k), decode(&v));
    }
    Ok(out)
}

/// The threshold key of matching epoch `epoch`, if it has one.
pub fn threshold_key(
    r: &impl StateRead,
    epoch: u32,
) -> Result<Option<ThresholdKey>, redb::StorageError> {
    Ok(read::<MatchingEpoch>(r, &matching_key(epoch))?.and_then(|e| e.threshold))
}

/// Blind evaluations `member` announced on UTC day `day` (days since 1970-01-01).
pub fn evaluations_announced(
    r: &impl StateRead,
    member: &str,
    day: u64,
) -> Result<u64, redb::StorageError> {
    Ok(read::<EvaluationCount>(r, &evaluations_key(member, day))?.map_or(0, |c| c.count))
}

/// The batch `member` announced with digest `batch`, if it did.
pub fn announced_batch(
    r: &impl StateRead,
    member: &str,
    batch: &unchain_types::Hash32,
) -> Result<Option<AnnouncedBatch>, redb::StorageError> {
    read(r, &batch_key(member, batch))
}

/// Every organisation's announced blind evaluations per day, oldest day first: who asks
/// how much, for anyone to see.
pub fn evaluation_counts(
    r: &impl StateRead,
) -> Result<Vec<(String, u64, u64)>, redb::StorageError> {
    let prefix = b"vault/evaluations/";
    Ok(r.scan_prefix(prefix)?
        .into_iter()
        .filter_map(|(k, v)| {
            let rest = std::str::from_utf8(&k[prefix.len()..]).ok()?;
            let (member, day) = rest.rsplit_once('/')?;
            let count: EvaluationCount = decode(&v);
            Some((member.to_string(), day.parse().ok()?, count.count))
        })
        .collect())
}
