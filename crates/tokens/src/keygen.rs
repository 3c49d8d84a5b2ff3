//! The token key's rounds: made by the members together, reshared when membership changes,
//! replaced when it is rotated.
//!
//! Each round is commonware's interactive DKG (Joint-Feldman, GJKR99) or resharing
//! (Desmedt 1997) among the members' Ed25519 keys: every dealer commits to a random
//! polynomial, sends each player its evaluation privately, collects signed
//! acknowledgements and publishes a signed log; from a quorum of logs every player derives
//! its share and anyone derives the public output (the group key and every public share).
//! No one ever holds the whole key.
//!
//! - [`KeyRound::fresh`]: a new key (genesis, or a rotation: tokens under the new key
//!   cannot be linked to tokens under the old one).
//! - [`KeyRound::reshare`]: the same key, shared afresh among a new set of members. The
//!   group key, and so every token, stays the same; the shares change, so a removed
//!   member's old share no longer combines with anyone's new one. Members erase their old
//!   shares at the boundary: a removed member then holds one share of a polynomial no one
//!   else still holds.
//!
//! [`run_in_process`] plays every party of a round in one process, for a demo's genesis
//! and for tests. A consortium runs the same messages across its nodes.

use commonware_cryptography::{
    Signer,
    bls12381::{
        dkg::{self, Dealer, Info, Player},
        primitives::{group::Share, sharing::Mode, variant::MinSig},
    },
    ed25519,
};
use commonware_parallel::Sequential;
use commonware_utils::{N3f1, TryCollect, ordered::Set};
use rand::{CryptoRng, RngCore};
use std::collections::BTreeMap;

use crate::GroupKey;

/// A member's identity in a key round: its Ed25519 signing key's public half.
pub type MemberKey = ed25519::PublicKey;

/// The public result of a round: the group key and who holds shares of it.
pub type Output = dkg::Output<MinSig, MemberKey>;

/// Why a round could not be set up or did not complete.
#[derive(Debug, thiserror::Error)]
pub enum KeygenError {
    /// The same member listed twice.
    #[error("{0}: a member is listed twice")]
    Duplicate(&'static str),
    /// The round's configuration was refused (too few dealers, a dealer that held no share).
    #[error("the key round cannot be set up: {0}")]
    Setup(dkg::Error),
    /// Too few dealers completed: the round failed and must be run again with a new number.
    #[error("the key round failed: {0}")]
    Failed(dkg::Error),
}

/// One key round: its number, the dealers, the players and, for a resharing, the previous
/// round's output.
#[derive(Clone, Debug)]
pub struct KeyRound {
    info: Info<MinSig, MemberKey>,
}

fn set(what: &'static str, members: &[MemberKey]) -> Result<Set<MemberKey>, KeygenError> {
    let set: Set<MemberKey> = members
        .iter()
        .cloned()
        .try_collect()
        .map_err(|_| KeygenError::Duplicate(what))?;
    Ok(set)
}

fn namespace(chain_id: &str) -> Vec<u8> {
    format!("unchain/token-key/{chain_id}").into_bytes()
}

impl KeyRound {
    /// A round that makes a new key: every member deals, every member gets a share.
    pub fn fresh(chain_id: &str, round: u64, members: &[MemberKey]) -> Result<Self, KeygenError> {
        let members = set("members", members)?;
        let info = Info::new::<N3f1>(
            &namespace(chain_id),
            round,
            None,
            Mode::default(),
            members.clone(),
            members,
        )
        .map_err(KeygenError::Setup)?;
        Ok(KeyRound { info })
    }

    /// A round that reshares `previous`'s key to `players`. The dealers are the previous
    /// holders still among `players` (at least the previous threshold of them).
    pub fn reshare(
        chain_id: &str,
        round: u64,
        previous: &Output,
        players: &[MemberKey],
    ) -> Result<Self, KeygenError> {
        let dealers: Vec<MemberKey> = previous
            .players()
            .iter()
            .filter(|p| players.contains(p))
            .cloned()
            .collect();
        let info = Info::new::<N3f1>(
            &namespace(chain_id),
            round,
            Some(previous.clone()),
            Mode::default(),
            set("dealers", &dealers)?,
            set("players", players)?,
        )
        .map_err(KeygenError::Setup)?;
        Ok(KeyRound { info })
    }

    /// The round's number.
    pub fn number(&self) -> u64 {
        self.info.round()
    }

    /// commonware's description of the round.
    pub fn info(&self) -> &Info<MinSig, MemberKey> {
        &self.info
    }
}

/// The group key of a round's output.
pub fn group_key(output: &Output) -> GroupKey {
    output.public().clone()
}

/// Plays every party of `round` in this process: each dealer (with its previous share when
/// resharing) deals to every player, players acknowledge, dealers publish their logs, and
/// each player derives its share. Returns the output and each player's share.
pub fn run_in_process(
    round: &KeyRound,
    dealers: &[(ed25519::PrivateKey, Option<Share>)],
    players: &[ed25519::PrivateKey],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Output, BTreeMap<MemberKey, Share>), KeygenError> {
    let mut receivers: BTreeMap<MemberKey, Player<MinSig, ed25519::PrivateKey>> = BTreeMap::new();
    for key in players {
        let player = Player::new(round.info.clone(), key.clone()).map_err(KeygenError::Setup)?;
        receivers.insert(key.public_key(), player);
    }
    let mut logs = BTreeMap::new();
    for (key, previous) in dealers {
        let (mut dealer, public, private) =
            Dealer::start::<N3f1>(&mut *rng, round.info.clone(), key.clone(), previous.clone())
                .map_err(KeygenError::Setup)?;
        for (player, message) in private {
            let Some(receiver) = receivers.get_mut(&player) else {
                continue;
            };
            if let Some(ack) =
                receiver.dealer_message::<N3f1>(key.public_key(), public.clone(), message)
            {
                dealer
                    .receive_player_ack(player, ack)
                    .map_err(KeygenError::Setup)?;
            }
        }
        if let Some((dealer_key, log)) = dealer.finalize::<N3f1>().check(&round.info) {
            logs.insert(dealer_key, log);
        }
    }
    let mut output = None;
    let mut shares = BTreeMap::new();
    for (member, receiver) in receivers {
        let (out, share) = receiver
            .finalize::<N3f1>(logs.clone(), &Sequential)
            .map_err(KeygenError::Failed)?;
        output = Some(out);
        shares.insert(member, share);
    }
    let output = match output {
        Some(o) => o,
        None => dkg::observe::<MinSig, MemberKey, N3f1>(round.info.clone(), logs, &Sequential)
            .map_err(KeygenError::Failed)?,
    };
    Ok((output, shares))
}
