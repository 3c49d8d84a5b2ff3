//! A member's side of the threshold token key: what to submit next in the open key round,
//! its share of a matching epoch's key, and a sealing organisation's blind evaluation.
//! No I/O: the node's key-round actor (and tests) read the state, submit the bodies and
//! carry the requests.
//!
//! A member's share is never stored on the ledger and need not be stored anywhere: it is
//! recomputed from the round's messages on record and the member's two secret keys (its
//! X25519 key opens the evaluations dealt to it; its signing key re-derives its own
//! dealing, deterministically).

use serde_json::{Value, json};
use std::collections::BTreeMap;
use unchain_ledger::StateRead;
use unchain_seal::{WrappedKey, token_share_info};
use unchain_tokens::{GroupKey, KeyRound, MemberKey, Share};

use crate::client::Me;
use crate::state::MatchingEpoch;
use crate::token_key::{self, RoundState};

/// A member taking part in key rounds and evaluations: who it is and its signing key's
/// 32-byte seed.
pub struct KeyHolder<'a> {
    /// Its name, chain and X25519 key.
    pub me: Me<'a>,
    /// Its Ed25519 signing key's seed.
    pub signing_seed: [u8; 32],
}

/// Why a key-round step could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum KeyStepError {
    /// Reading state failed.
    #[error("reading state: {0}")]
    Storage(#[from] redb::StorageError),
    /// The round's messages do not work out for this member.
    #[error("{0}")]
    Keygen(#[from] unchain_tokens::KeygenError),
    /// A message on record is not usable.
    #[error("{0}")]
    Message(#[from] unchain_tokens::MessageError),
}

impl KeyHolder<'_> {
    fn signer(&self) -> unchain_tokens::keygen::MemberSigner {
        unchain_tokens::member_signer(&self.signing_seed)
    }

    /// The evaluation `dealer` dealt to this member in `round`, opened, if it opens.
    fn dealt_to_me(
        &self,
        round: u64,
        dealer: &str,
        shares: &BTreeMap<String, WrappedKey>,
    ) -> Option<[u8; 32]> {
        let info = token_share_info(self.me.chain_id, round, dealer, self.me.name);
        shares.get(self.me.name)?.unwrap(self.me.secret, &info).ok()
    }

    /// This member's share from the previous round, when `r` reshares and it deals.
    fn previous_share(
        &self,
        state: &impl StateRead,
        r: &RoundState,
    ) -> Result<Option<Share>, KeyStepError> {
        let Some(epoch) = r.previous_epoch else {
            return Ok(None);
        };
        let Some(key) = token_key::threshold_key(state, epoch)? else {
            return Ok(None);
        };
        let Some(previous) = token_key::round(state, key.round)? else {
            return Ok(None);
        };
        // After the resharing finishes the epoch names the new round; before, the old one.
        if previous.round == r.round {
            return Ok(None);
        }
        Ok(Some(self.share_of_round(state, &previous)?))
    }

    /// What this member should submit now in the latest key round, as `(kind, body)`: its
    /// dealing if it deals and has not, its acknowledgement of every dealing to it that
    /// checks out and it has not acknowledged, and — when every player has acknowledged
    /// its dealing, or `publish_log` says the wait is over — its signed log.
    pub fn next_steps(
        &self,
        state: &impl StateRead,
        publish_log: bool,
    ) -> Result<Vec<(&'static str, Value)>, KeyStepError> {
        let Some(r) = token_key::latest_round(state)? else {
            return Ok(Vec::new());
        };
        if r.finished.is_some() {
            return Ok(Vec::new());
        }
        let round = r.key_round(self.me.chain_id)?;
        let messages = token_key::messages(state, r.round)?;
        let me = self.me.name;
        let signer = self.signer();
        let mut steps = Vec::new();
        if r.dealer_key(me).is_some() && !messages.deals.contains_key(me) {
            let previous = self.previous_share(state, &r)?;
            let dealing = unchain_tokens::deal(&round, &signer, previous, &self.signing_seed)?;
            let mut shares = BTreeMap::new();
            for (name, key) in &r.players {
                let player = token_key::member_key_of(key);
                let (_, scalar) = dealing
                    .private
                    .iter()
                    .find(|(k, _)| *k == player)
                    .expect("a dealing has every player");
                let recipient = self.encryption_key_of(state, name)?;
                let info = token_share_info(self.me.chain_id, r.round, me, name);
                shares.insert(
                    name.clone(),
                    WrappedKey::wrap(scalar, &recipient, &info).to_hex(),
                );
            }
            steps.push((
                "vault.token_key_deal",
                json!({"round": r.round, "commitment": dealing.commitment, "shares": shares}),
            ));
        }
        if r.is_player(me) {
            for (dealer, deal) in &messages.deals {
                let acked = messages
                    .acks
                    .get(dealer)
                    .is_some_and(|a| a.contains_key(me));
                if acked || messages.logs.contains_key(dealer) {
                    continue;
                }
                let (Some(dealer_key), Some(private)) = (
                    r.dealer_key(dealer),
                    self.dealt_to_me(r.round, dealer, &deal.shares),
                ) else {
                    continue;
                };
                if let Some(ack) = unchain_tokens::acknowledge(
                    &round,
                    &signer,
                    &dealer_key,
                    &deal.commitment,
                    &private,
                )? {
                    steps.push((
                        "vault.token_key_ack",
                        json!({"round": r.round, "dealer": dealer, "ack": ack}),
                    ));
                }
            }
        }
        if messages.deals.contains_key(me) && !messages.logs.contains_key(me) {
            let acks = messages.acks.get(me).cloned().unwrap_or_default();
            if publish_log || acks.len() == r.players.len() {
                let acks: Vec<(MemberKey, String)> = acks
                    .into_iter()
                    .filter_map(|(player, ack)| {
                        let key = r.players.iter().find(|(n, _)| *n == player)?;
                        Some((token_key::member_key_of(&key.1), ack))
                    })
                    .collect();
                let previous = self.previous_share(state, &r)?;
                let log = unchain_tokens::dealer_log(
                    &round,
                    &signer,
                    previous,
                    &self.signing_seed,
                    &acks,
                )?;
                steps.push(("vault.token_key_log", json!({"round": r.round, "log": log})));
            }
        }
        Ok(steps)
    }

    fn encryption_key_of(
        &self,
        state: &impl StateRead,
        name: &str,
    ) -> Result<unchain_types::EncryptionPublicKey, KeyStepError> {
        let member = unchain_ledger::membership::member_named(state, name)?.ok_or_else(|| {
            unchain_tokens::MessageError::Refused(format!("player {name} is no longer a member"))
        })?;
        Ok(member.encryption_key)
    }

    /// This member's share from a finished round's messages.
    fn share_of_round(
        &self,
        state: &impl StateRead,
        r: &RoundState,
    ) -> Result<Share, KeyStepError> {
        let round: KeyRound = r.key_round(self.me.chain_id)?;
        let messages = token_key::messages(state, r.round)?;
        let dealings: Vec<(MemberKey, String, [u8; 32])> = messages
            .deals
            .iter()
            .filter_map(|(dealer, deal)| {
                Some((
                    r.dealer_key(dealer)?,
                    deal.commitment.clone(),
                    self.dealt_to_me(r.round, dealer, &deal.shares)?,
                ))
            })
            .collect();
        let logs = logs_with_keys(r, &messages.logs);
        let (_, share) = unchain_tokens::player_share(&round, &self.signer(), &dealings, &logs)?;
        Ok(share)
    }

    /// This member's share of matching epoch `epoch`'s key, if the epoch has a threshold
    /// key and this member is one of its players.
    pub fn share(&self, state: &impl StateRead, epoch: u32) -> Result<Option<Share>, KeyStepError> {
        let Some(key) = token_key::threshold_key(state, epoch)? else {
            return Ok(None);
        };
        if !key.players.iter().any(|(n, _)| n == self.me.name) {
            return Ok(None);
        }
        let Some(r) = token_key::round(state, key.round)? else {
            return Ok(None);
        };
        self.share_of_round(state, &r).map(Some)
    }
}

fn logs_with_keys(r: &RoundState, logs: &BTreeMap<String, String>) -> Vec<(MemberKey, String)> {
    logs.iter()
        .filter_map(|(dealer, log)| Some((r.dealer_key(dealer)?, log.clone())))
        .collect()
}

fn current_threshold(
    state: &impl StateRead,
) -> Result<Option<(u32, crate::state::ThresholdKey)>, redb::StorageError> {
    let Some((_, v)) = state.scan_prefix(b"vault/matching/")?.pop() else {
        return Ok(None);
    };
    let epoch: MatchingEpoch = crate::state::decode(&v);
    Ok(epoch.threshold.map(|k| (epoch.epoch, k)))
}

/// The current matching epoch and its threshold key's holders by share index, if the
/// current epoch has a threshold key (no group key decoded: cheap enough for every block).
pub fn current_threshold_holders(
    state: &impl StateRead,
) -> Result<Option<(u32, Vec<String>)>, redb::StorageError> {
    Ok(current_threshold(state)?
        .map(|(epoch, key)| (epoch, key.players.into_iter().map(|(n, _)| n).collect())))
}

/// The current matching epoch and its threshold key as everyone sees it (group key, and
/// the players by share index), if the current epoch has one.
pub fn current_threshold_key(
    state: &impl StateRead,
) -> Result<Option<(u32, GroupKey, Vec<String>)>, KeyStepError> {
    let Some((epoch, key)) = current_threshold(state)? else {
        return Ok(None);
    };
    let group = unchain_tokens::group_key_from_hex(&key.group_key)?;
    Ok(Some((
        epoch,
        group,
        key.players.into_iter().map(|(n, _)| n).collect(),
    )))
}

/// Identifiers blinded for a threshold evaluation: kept by the sealing organisation until
/// the answers come back. Never leaves it (it holds the blinding factors).
pub struct BlindBatch {
    items: Vec<(unchain_seal::IdentifierKind, unchain_tokens::Blinded)>,
}

impl BlindBatch {
    /// Normalises and blinds `identifiers` (kind, value as written); `country` is the
    /// default region for phone numbers written without `+`.
    pub fn new(
        identifiers: &[(unchain_seal::IdentifierKind, &str)],
        country: Option<&str>,
    ) -> Result<Self, crate::client::ClientError> {
        let mut rng = rand::rngs::OsRng;
        let items = identifiers
            .iter()
            .map(|(kind, value)| {
                let normal =
                    unchain_seal::blind::normalize(*kind, value, country).map_err(|e| {
                        crate::client::ClientError::Identifier {
                            kind: kind.as_str(),
                            reason: e.to_string(),
                        }
                    })?;
                let input = unchain_tokens::input(kind.as_str(), &normal);
                Ok((*kind, unchain_tokens::Blinded::new(&input, &mut rng)))
            })
            .collect::<Result<_, _>>()?;
        Ok(BlindBatch { items })
    }

    /// The blinded requests, hex, in order: what travels to the key holders.
    pub fn requests(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|(_, b)| b.request().to_hex())
            .collect()
    }

    /// Combines the holders' answers — `(share index, one partial per request, hex)` —
    /// into tokens of `epoch`. Answers that do not verify are dropped and named in the
    /// returned notes; fewer valid answers than the threshold is an error naming each
    /// holder's fault.
    pub fn finish(
        &self,
        epoch: u32,
        group_key: &str,
        answers: &[(u32, Vec<String>)],
    ) -> Result<(Vec<crate::body::TokenEntry>, Vec<String>), ThresholdError> {
        let key = unchain_tokens::group_key_from_hex(group_key)
            .map_err(|e| ThresholdError(format!("group key: {e}")))?;
        let mut notes = std::collections::BTreeSet::new();
        let mut tokens = Vec::with_capacity(self.items.len());
        for (i, (kind, blinded)) in self.items.iter().enumerate() {
            let mut partials = Vec::new();
            for (index, values) in answers {
                match values
                    .get(i)
                    .map(|v| unchain_tokens::Partial::from_hex(*index, v))
                {
                    Some(Ok(p)) => partials.push(p),
                    Some(Err(e)) => {
                        notes.insert(format!("member {index}: answer {i} {e}"));
                    }
                    None => {
                        notes.insert(format!(
                            "member {index}: answered {} of {} requests",
                            values.len(),
                            self.items.len()
                        ));
                    }
                }
            }
            let done = unchain_tokens::finish(&key, blinded, partials)
                .map_err(|e| ThresholdError(format!("identifier {i} ({}): {e}", kind.as_str())))?;
            notes.extend(done.rejected.iter().map(ToString::to_string));
            tokens.push(crate::body::TokenEntry {
                kind: *kind,
                token: done.token,
                epoch,
            });
        }
        Ok((tokens, notes.into_iter().collect()))
    }
}

/// Why blind evaluation did not produce tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("threshold tokens: {0}")]
pub struct ThresholdError(pub String);
