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
        primitives::{
            group::Share,
            sharing::{Mode, ModeVersion},
            variant::MinSig,
        },
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

/// A member's Ed25519 signing key, as key rounds use it to sign acknowledgements and logs.
pub type MemberSigner = ed25519::PrivateKey;

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

/// The most members a key round may have: bounds every decoded message.
pub const MAX_MEMBERS: u32 = 256;

fn max_members() -> std::num::NonZeroU32 {
    std::num::NonZeroU32::new(MAX_MEMBERS).expect("non-zero")
}

/// Why a round's message, as it arrived (hex on the ledger), is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// Not hex, or not a well-formed encoding of the message.
    #[error("{what}: {reason}")]
    Malformed {
        /// Which message.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A well-formed message that does not belong to this round, or whose signature fails.
    #[error("{0}")]
    Refused(String),
}

fn decode_hex<T: commonware_codec::Read>(
    what: &'static str,
    text: &str,
    cfg: &T::Cfg,
) -> Result<T, MessageError> {
    use commonware_codec::Decode;
    let bytes = hex::decode(text).map_err(|e| MessageError::Malformed {
        what,
        reason: format!("not hex ({e})"),
    })?;
    T::decode_cfg(bytes.as_slice(), cfg).map_err(|e| MessageError::Malformed {
        what,
        reason: e.to_string(),
    })
}

fn encode_hex(value: &impl commonware_codec::Encode) -> String {
    hex::encode(value.encode())
}

/// A dealer's dealing: the public commitment for everyone and each player's private
/// evaluation (32 bytes, to be sealed to that player before it travels).
pub struct Dealing {
    /// The commitment, hex: goes on the ledger in the clear.
    pub commitment: String,
    /// Each player's private evaluation: goes on the ledger sealed to that player only.
    pub private: Vec<(MemberKey, [u8; 32])>,
}

impl std::fmt::Debug for Dealing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dealing")
            .field("commitment", &self.commitment)
            .finish_non_exhaustive()
    }
}

/// The dealer's randomness for a round: derived from a secret seed only the dealer holds
/// (e.g. from its signing key) and the round, so a dealer that restarts deals the same
/// messages again.
fn dealer_rng(seed: &[u8; 32], round: &KeyRound) -> rand::rngs::StdRng {
    use rand::SeedableRng;
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"unchain/token-key/dealer\0");
    h.update(seed);
    h.update(commonware_codec::Encode::encode(&round.info.round()));
    rand::rngs::StdRng::from_seed(h.finalize().into())
}

/// A started dealer, its commitment and each player's private evaluation.
type Started = (
    Dealer<MinSig, ed25519::PrivateKey>,
    dkg::DealerPubMsg<MinSig>,
    Vec<(MemberKey, dkg::DealerPrivMsg)>,
);

fn start_dealer(
    round: &KeyRound,
    me: &ed25519::PrivateKey,
    previous: Option<Share>,
    seed: &[u8; 32],
) -> Result<Started, KeygenError> {
    Dealer::start::<N3f1>(
        dealer_rng(seed, round),
        round.info.clone(),
        me.clone(),
        previous,
    )
    .map_err(KeygenError::Setup)
}

/// Deals for `me` in `round` (with its previous share when resharing). Deterministic in
/// `seed` and the round.
pub fn deal(
    round: &KeyRound,
    me: &ed25519::PrivateKey,
    previous: Option<Share>,
    seed: &[u8; 32],
) -> Result<Dealing, KeygenError> {
    let (_, public, private) = start_dealer(round, me, previous, seed)?;
    let private = private
        .into_iter()
        .map(|(player, message)| {
            let bytes = commonware_codec::Encode::encode(&message);
            let mut scalar = [0u8; 32];
            scalar.copy_from_slice(&bytes);
            (player, scalar)
        })
        .collect();
    Ok(Dealing {
        commitment: encode_hex(&public),
        private,
    })
}

/// Checks that a dealing's commitment is a well-formed polynomial commitment.
pub fn check_commitment(commitment: &str) -> Result<(), MessageError> {
    decode_hex::<dkg::DealerPubMsg<MinSig>>("commitment", commitment, &max_members()).map(|_| ())
}

/// A player's acknowledgement of `dealer`'s dealing, if the private evaluation matches
/// the public commitment (`None` is the player's complaint: the dealer must then reveal
/// that evaluation in its log).
pub fn acknowledge(
    round: &KeyRound,
    me: &ed25519::PrivateKey,
    dealer: &MemberKey,
    commitment: &str,
    private: &[u8; 32],
) -> Result<Option<String>, MessageError> {
    let public = decode_hex::<dkg::DealerPubMsg<MinSig>>("commitment", commitment, &max_members())?;
    let private = decode_hex::<dkg::DealerPrivMsg>("share", &hex::encode(private), &())?;
    let mut player = Player::<MinSig, ed25519::PrivateKey>::new(round.info.clone(), me.clone())
        .map_err(|e| MessageError::Refused(e.to_string()))?;
    Ok(player
        .dealer_message::<N3f1>(dealer.clone(), public, private)
        .map(|ack| encode_hex(&ack)))
}

/// The dealer's signed log: its commitment and, for every player, the player's
/// acknowledgement or (where none came, or it does not verify) the revealed evaluation.
pub fn dealer_log(
    round: &KeyRound,
    me: &ed25519::PrivateKey,
    previous: Option<Share>,
    seed: &[u8; 32],
    acks: &[(MemberKey, String)],
) -> Result<String, KeygenError> {
    let (mut dealer, _, _) = start_dealer(round, me, previous, seed)?;
    for (player, ack) in acks {
        let Ok(ack) = decode_hex::<dkg::PlayerAck<MemberKey>>("ack", ack, &()) else {
            continue;
        };
        dealer
            .receive_player_ack(player.clone(), ack)
            .map_err(KeygenError::Setup)?;
    }
    Ok(encode_hex(&dealer.finalize::<N3f1>()))
}

/// Checks a signed dealer log for `round`: well-formed, signed by `dealer`, for this
/// round's transcript.
pub fn check_log(round: &KeyRound, dealer: &MemberKey, log: &str) -> Result<(), MessageError> {
    let signed = decode_hex::<dkg::SignedDealerLog<MinSig, ed25519::PrivateKey>>(
        "log",
        log,
        &max_members(),
    )?;
    match signed.check(&round.info) {
        Some((signer, _)) if &signer == dealer => Ok(()),
        Some(_) => Err(MessageError::Refused(
            "log: signed by another dealer than its sender".into(),
        )),
        None => Err(MessageError::Refused(
            "log: its signature does not verify for this round".into(),
        )),
    }
}

fn checked_logs(
    round: &KeyRound,
    logs: &[(MemberKey, String)],
) -> BTreeMap<MemberKey, dkg::DealerLog<MinSig, MemberKey>> {
    logs.iter()
        .filter_map(|(dealer, text)| {
            let signed = decode_hex::<dkg::SignedDealerLog<MinSig, ed25519::PrivateKey>>(
                "log",
                text,
                &max_members(),
            )
            .ok()?;
            let (signer, log) = signed.check(&round.info)?;
            (&signer == dealer).then_some((signer, log))
        })
        .collect()
}

/// The round's public output from the logs on record: what every validator computes, and
/// anyone can check. Fails (the round must be run again) when too few dealers completed.
pub fn observe(round: &KeyRound, logs: &[(MemberKey, String)]) -> Result<Output, KeygenError> {
    dkg::observe::<MinSig, MemberKey, N3f1>(
        round.info.clone(),
        checked_logs(round, logs),
        &Sequential,
    )
    .map_err(KeygenError::Failed)
}

/// A player's share: replays every dealing addressed to it (commitment and its private
/// evaluation) and finalises over the same logs the ledger observed.
pub fn player_share(
    round: &KeyRound,
    me: &ed25519::PrivateKey,
    dealings: &[(MemberKey, String, [u8; 32])],
    logs: &[(MemberKey, String)],
) -> Result<(Output, Share), KeygenError> {
    let mut player = Player::<MinSig, ed25519::PrivateKey>::new(round.info.clone(), me.clone())
        .map_err(KeygenError::Setup)?;
    for (dealer, commitment, private) in dealings {
        let (Ok(public), Ok(private)) = (
            decode_hex::<dkg::DealerPubMsg<MinSig>>("commitment", commitment, &max_members()),
            decode_hex::<dkg::DealerPrivMsg>("share", &hex::encode(private), &()),
        ) else {
            continue;
        };
        let _ = player.dealer_message::<N3f1>(dealer.clone(), public, private);
    }
    player
        .finalize::<N3f1>(checked_logs(round, logs), &Sequential)
        .map_err(KeygenError::Failed)
}

/// An output as hex, for the ledger (the next resharing starts from it).
pub fn output_to_hex(output: &Output) -> String {
    encode_hex(output)
}

/// An output from the ledger's hex.
pub fn output_from_hex(text: &str) -> Result<Output, MessageError> {
    decode_hex::<Output>("output", text, &(max_members(), ModeVersion::v0()))
}

/// A group key as hex (what a sealing organisation needs to check answers).
pub fn group_key_to_hex(key: &GroupKey) -> String {
    encode_hex(key)
}

/// A group key from hex.
pub fn group_key_from_hex(text: &str) -> Result<GroupKey, MessageError> {
    decode_hex::<GroupKey>("group key", text, &(max_members(), ModeVersion::v0()))
}

/// A member's Ed25519 key in the form key rounds use.
pub fn member_key(bytes: &[u8; 32]) -> Result<MemberKey, MessageError> {
    decode_hex::<MemberKey>("member key", &hex::encode(bytes), &())
}

/// A member's signing key in the form key rounds use.
pub fn member_signer(secret: &[u8; 32]) -> ed25519::PrivateKey {
    ed25519::PrivateKey::from(ed25519_consensus::SigningKey::from(*secret))
}
