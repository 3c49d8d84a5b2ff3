//! Checkpoint cosigning: every validator signs the log checkpoint of each block it applies
//! and sends the signature to the others; once more than two thirds of the validators of
//! that block's epoch have signed the same checkpoint, the note carrying their signatures is
//! stored in the ledger and served as the chain's checkpoint.
//!
//! The checkpoint carries the state line of the block that brought the log to its size, so
//! the same quorum vouches for the log and the state. A signature on a different log root or
//! state for the same size is proof that a validator diverged from this node; it is logged
//! as an error and never counted.

use crate::application::{Applied, block_or_tick};
use bytes::{Buf, BufMut};
use commonware_codec::{
    DecodeExt as _, Encode as _, EncodeSize, Error as CodecError, Read, ReadExt as _, Write,
};
use commonware_cryptography::ed25519;
use commonware_p2p::{Receiver, Recipients, Sender};
use commonware_runtime::{Clock, Handle, Metrics, Spawner};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tracing::{debug, error, warn};
use unchain_ledger::Ledger;
use unchain_ledger::cosign::quorum;
use unchain_log::{Checkpoint, NoteSignature, NoteVerifier, SignedNote, StateAt};
use unchain_types::{Hash32, PublicKey, Signature};

/// Cosigning cadence and bounds.
#[derive(Debug, Clone, Copy)]
pub struct CosignConfig {
    /// Tree sizes with signatures still waiting for a quorum. Default 1 024.
    pub max_pending: usize,
    /// After a restart or catch-up, how many of the latest blocks' checkpoints are sent.
    /// Default 16.
    pub resend_window: u64,
    /// While this node's latest checkpoint lacks a quorum (signatures lost on the way), its
    /// signature is sent again this often. Default 1 s. (New checkpoints are signed as soon
    /// as their block is applied: the actor is told, not polling.)
    pub resend_interval: Duration,
}

impl Default for CosignConfig {
    fn default() -> Self {
        CosignConfig {
            max_pending: 1024,
            resend_window: 16,
            resend_interval: Duration::from_secs(1),
        }
    }
}

const MESSAGE_LEN: usize = 1 + 8 + 32 + 8 + 32 + 64;

/// What a checkpoint signature vouches for at its size: the log root and the state line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signed {
    /// The log root.
    pub root: Hash32,
    /// The state after the block that brought the log to this size.
    pub state: StateAt,
}

impl std::fmt::Display for Signed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "log root {}, state {} at height {}",
            self.root, self.state.root, self.state.height
        )
    }
}

/// One validator's signature on the checkpoint at `size` with `root` and `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CosignMessage {
    /// An answer to a peer that was missing signatures; never answered in turn.
    pub reply: bool,
    /// A signature on the checkpoint of the block that ends an epoch (`state` is that
    /// block, whatever the log did), which proves the next epoch's validators; gathered
    /// apart from the checkpoints of each log size.
    pub epoch_end: bool,
    /// With `epoch_end`: no signature, but a request from any peer (a follower signs
    /// nothing, so cannot otherwise ask) for the validators' signatures on that epoch end,
    /// which peers holding its note answer with their own. `signature` is all zeros.
    pub ask: bool,
    /// Tree size.
    pub size: u64,
    /// Root at that size.
    pub root: Hash32,
    /// The checkpoint's state line.
    pub state: StateAt,
    /// Ed25519 signature over the checkpoint note body.
    pub signature: [u8; 64],
}

/// The flag byte's bits: a reply, an epoch-end signature, a request for epoch-end
/// signatures. Any other bit is refused.
const REPLY: u8 = 1;
const EPOCH_END: u8 = 2;
const ASK: u8 = 4;

/// Fixed 145 bytes in commonware's codec: a flag byte ([`REPLY`], [`EPOCH_END`]), size
/// (u64, big-endian), root, state height (u64, big-endian), state root, signature.
impl Write for CosignMessage {
    fn write(&self, buf: &mut impl BufMut) {
        let mut flags = 0u8;
        if self.reply {
            flags |= REPLY;
        }
        if self.epoch_end {
            flags |= EPOCH_END;
        }
        if self.ask {
            flags |= ASK;
        }
        flags.write(buf);
        self.size.write(buf);
        self.root.0.write(buf);
        self.state.height.write(buf);
        self.state.root.0.write(buf);
        self.signature.write(buf);
    }
}

impl EncodeSize for CosignMessage {
    fn encode_size(&self) -> usize {
        MESSAGE_LEN
    }
}

impl Read for CosignMessage {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, CodecError> {
        let flags = u8::read(buf)?;
        if flags & !(REPLY | EPOCH_END | ASK) != 0 {
            return Err(CodecError::Invalid("CosignMessage", "unknown flag bits"));
        }
        if flags & ASK != 0 && flags != ASK | EPOCH_END {
            return Err(CodecError::Invalid(
                "CosignMessage",
                "a request is for an epoch end and is never a reply",
            ));
        }
        Ok(CosignMessage {
            reply: flags & REPLY != 0,
            epoch_end: flags & EPOCH_END != 0,
            ask: flags & ASK != 0,
            size: u64::read(buf)?,
            root: Hash32(<[u8; 32]>::read(buf)?),
            state: StateAt {
                height: u64::read(buf)?,
                root: Hash32(<[u8; 32]>::read(buf)?),
            },
            signature: <[u8; 64]>::read(buf)?,
        })
    }
}

/// A validator's signature on a checkpoint: its key, what it signed, the signature.
type Vote = (NoteVerifier, Signed, [u8; 64]);

#[derive(Default)]
struct Pending {
    /// Tree size → validator name → its signature.
    by_size: BTreeMap<u64, BTreeMap<String, Vote>>,
    /// The epoch an epoch-end checkpoint proves → validator name → its signature.
    by_epoch: BTreeMap<u64, BTreeMap<String, Vote>>,
    /// Largest size stored as cosigned.
    stored: Option<u64>,
    /// The log size up to which waiting sizes have been tried.
    reached: Option<u64>,
}

/// Gathers checkpoint signatures. Which validators count for a checkpoint is the set of the
/// epoch its state line's block is in ([`Ledger::checkpoint_verifiers_at`]): the validators
/// who finalized that block, so a validator removed or rotated away stops counting at the
/// same boundary as in consensus.
struct Cosigner {
    ledger: Arc<Ledger>,
    /// This node's key, if it has one to sign with; it signs where it is a validator.
    signer: Option<PublicKey>,
    max_pending: usize,
    pending: Mutex<Pending>,
}

impl Cosigner {
    fn body(&self, size: u64, signed: Signed) -> String {
        Checkpoint {
            origin: self.ledger.genesis().log_origin.clone(),
            size,
            root: signed.root,
            state: Some(signed.state),
        }
        .body()
    }

    /// The validators of the epoch of the block at `state_height`.
    fn validators_at(&self, state_height: u64) -> Vec<NoteVerifier> {
        self.ledger
            .checkpoint_verifiers_at(state_height)
            .unwrap_or_else(|e| {
                warn!(error = %e, "cannot read the validators of an epoch");
                Vec::new()
            })
    }

    /// Records `validator`'s signature, then tries to complete that size.
    fn add(&self, validator: NoteVerifier, size: u64, signed: Signed, signature: [u8; 64]) {
        let mut p = self.pending.lock().expect("cosign lock poisoned");
        if p.stored.is_some_and(|s| size <= s) {
            return;
        }
        p.by_size
            .entry(size)
            .or_default()
            .insert(validator.name.clone(), (validator, signed, signature));
        // Over the bound, drop the largest sizes: the ones that matter are near this node's
        // own log, and a peer flooding far-future sizes only evicts its own.
        while p.by_size.len() > self.max_pending {
            p.by_size.pop_last();
        }
        self.complete(&mut p, size);
    }

    /// Tries the waiting sizes this node's log has reached since the last call. (A
    /// signature arriving for a size already reached is tried by [`Self::add`].)
    fn complete_reached(&self) {
        let Ok(head) = self.ledger.head() else { return };
        let mut p = self.pending.lock().expect("cosign lock poisoned");
        if p.reached.is_some_and(|r| r >= head.log_size) {
            return;
        }
        let from = p.reached.map_or(Bound::Unbounded, Bound::Excluded);
        let sizes: Vec<u64> = p
            .by_size
            .range((from, Bound::Included(head.log_size)))
            .map(|(s, _)| *s)
            .collect();
        p.reached = Some(head.log_size);
        for size in sizes {
            self.complete(&mut p, size);
        }
        let epochs: Vec<u64> = p.by_epoch.keys().copied().collect();
        for epoch in epochs {
            self.complete_epoch(&mut p, epoch);
        }
    }

    /// The note on this node's own checkpoint `ours` at `size` with the signatures in `sigs`
    /// that agree with it, once they are a quorum of the validators of its block's epoch.
    /// A validator of that epoch that signed something else is logged as `diverged`.
    fn quorum_note(
        &self,
        sigs: &BTreeMap<String, Vote>,
        size: u64,
        ours: Signed,
        diverged: &str,
    ) -> Option<SignedNote> {
        let validators = self.validators_at(ours.state.height);
        let counts = |v: &NoteVerifier| validators.iter().any(|w| w == v);
        for (name, (v, theirs, _)) in sigs {
            if *theirs != ours && counts(v) {
                error!(validator = %name, size, %theirs, %ours, "{diverged}");
            }
        }
        let agreeing: Vec<&Vote> = sigs
            .values()
            .filter(|(v, theirs, _)| *theirs == ours && counts(v))
            .collect();
        if agreeing.is_empty() || agreeing.len() < quorum(validators.len()) {
            return None;
        }
        let mut note = SignedNote::new(self.body(size, ours));
        for (v, _, signature) in agreeing {
            note.signatures.push(NoteSignature {
                name: v.name.clone(),
                key_hash: v.key_hash(),
                signature: signature.to_vec(),
            });
        }
        Some(note)
    }

    /// Stores the cosigned note for `size` once a quorum of its epoch's validators signed
    /// the same roots as this node's own log and state at that size.
    fn complete(&self, p: &mut Pending, size: u64) {
        let Some(sigs) = p.by_size.get(&size) else {
            return;
        };
        let ours = match self.ledger.checkpoint_body_at(size) {
            Ok(Some(Checkpoint {
                root,
                state: Some(state),
                ..
            })) => Signed { root, state },
            _ => return,
        };
        let Some(note) = self.quorum_note(
            sigs,
            size,
            ours,
            "a validator signed a different log root or state at the same size: it diverged",
        ) else {
            return;
        };
        // Already kept (a lone validator's ledger stores its own as it signs).
        if let Ok(Some(_)) = self.ledger.checkpoint_at(size) {
            p.stored = Some(size);
            p.by_size.retain(|s, _| *s > size);
            return;
        }
        match self.ledger.store_cosigned_checkpoint(&note) {
            Ok(()) => {
                debug!(size, "checkpoint cosigned");
                p.stored = Some(size);
                p.by_size.retain(|s, _| *s > size);
            }
            Err(e) => error!(size, error = %e, "cannot store a cosigned checkpoint"),
        }
    }

    /// Records `validator`'s signature on the checkpoint ending the epoch before `epoch`,
    /// then tries to complete it.
    fn add_epoch(&self, validator: NoteVerifier, epoch: u64, signed: Signed, signature: [u8; 64]) {
        if matches!(self.ledger.epoch_note(epoch), Ok(Some(_))) {
            return;
        }
        let mut p = self.pending.lock().expect("cosign lock poisoned");
        p.by_epoch
            .entry(epoch)
            .or_default()
            .insert(validator.name.clone(), (validator, signed, signature));
        while p.by_epoch.len() > self.max_pending {
            p.by_epoch.pop_last();
        }
        self.complete_epoch(&mut p, epoch);
    }

    /// Stores the cosigned epoch-end checkpoint proving `epoch`'s validators once a quorum of
    /// the ending epoch's validators signed this node's own checkpoint of that block.
    fn complete_epoch(&self, p: &mut Pending, epoch: u64) {
        let Some(sigs) = p.by_epoch.get(&epoch) else {
            return;
        };
        let (size, ours) = match self.ledger.epoch_end_body(epoch) {
            Ok(Some(Checkpoint {
                size,
                root,
                state: Some(state),
                ..
            })) => (size, Signed { root, state }),
            _ => return,
        };
        let Some(note) = self.quorum_note(
            sigs,
            size,
            ours,
            "a validator signed a different end of the epoch: it diverged",
        ) else {
            return;
        };
        match self.ledger.store_epoch_note(&note) {
            Ok(_) => {
                debug!(epoch, "epoch-end checkpoint cosigned");
                p.by_epoch.remove(&epoch);
            }
            Err(e) => error!(epoch, error = %e, "cannot store a cosigned epoch-end checkpoint"),
        }
    }

    /// This node's signature on the checkpoint ending the epoch before `epoch`, if it
    /// validated that epoch.
    fn own_epoch(&self, epoch: u64) -> Option<(CosignMessage, NoteVerifier)> {
        let text = self.ledger.own_epoch_note(epoch).ok()??;
        self.own_message(&text, true)
    }

    /// This node's signature in `text` (a note it signed), as the message that carries it,
    /// if it is a validator of the epoch of the note's block.
    fn own_message(&self, text: &str, epoch_end: bool) -> Option<(CosignMessage, NoteVerifier)> {
        let signer = self.signer?;
        let note = SignedNote::parse(text).ok()?;
        let cp = Checkpoint::parse_body(&note.body).ok()?;
        let state = cp.state?;
        let me = self
            .validators_at(state.height)
            .into_iter()
            .find(|v| v.key == signer)?;
        let sig = note
            .signatures
            .iter()
            .find(|s| s.key_hash == me.key_hash())?;
        Some((
            CosignMessage {
                reply: false,
                epoch_end,
                ask: false,
                size: cp.size,
                root: cp.root,
                state,
                signature: sig.signature.as_slice().try_into().ok()?,
            },
            me,
        ))
    }

    /// Answers a peer's request for the signatures on an epoch end: this node's own, if it
    /// holds that epoch's note (so the end is settled) and signed it, for the same block.
    fn answer_ask(&self, m: &CosignMessage) -> Option<CosignMessage> {
        if !self.ledger.ends_epoch(m.state.height) {
            return None;
        }
        let epoch = self.ledger.epoch_of(m.state.height) + 1;
        if !matches!(self.ledger.epoch_note(epoch), Ok(Some(_))) {
            return None;
        }
        self.own_epoch(epoch)
            .filter(|(own, _)| own.root == m.root && own.state == m.state && own.size == m.size)
            .map(|(own, _)| CosignMessage { reply: true, ..own })
    }

    /// The oldest epoch end this node has applied but holds no note for, as a request for
    /// its signatures (a node that was down, or a follower, across that boundary).
    fn missing_epoch_end(&self) -> Option<CosignMessage> {
        let (latest, _) = self.ledger.latest_epoch().ok()?;
        let epoch = self.ledger.epochs_proven_through(0).ok()? + 1;
        if epoch > latest {
            return None;
        }
        let cp = self.ledger.epoch_end_body(epoch).ok()??;
        Some(CosignMessage {
            reply: false,
            epoch_end: true,
            ask: true,
            size: cp.size,
            root: cp.root,
            state: cp.state?,
            signature: [0; 64],
        })
    }

    /// Handles a peer's signature on an epoch-end checkpoint, already checked against its
    /// key. Returns this node's own signature when the peer lacks a note this node holds.
    fn receive_epoch(
        &self,
        validator: NoteVerifier,
        m: &CosignMessage,
        signed: Signed,
    ) -> Option<CosignMessage> {
        if !self.ledger.ends_epoch(m.state.height) {
            warn!(validator = %validator.name, height = m.state.height, "an epoch-end signature on a block that ends no epoch");
            return None;
        }
        let epoch = self.ledger.epoch_of(m.state.height) + 1;
        if matches!(self.ledger.epoch_note(epoch), Ok(Some(_)))
            && Some(validator.key) != self.signer
        {
            if m.reply {
                return None;
            }
            return self
                .own_epoch(epoch)
                .filter(|(own, _)| own.root == m.root && own.state == m.state)
                .map(|(own, _)| CosignMessage { reply: true, ..own });
        }
        self.add_epoch(validator, epoch, signed, m.signature);
        None
    }

    /// Handles a peer's signature. Returns this node's own signature for the same size when
    /// the peer is behind: it sent a signature for a checkpoint this node already holds
    /// cosigned, so it is missing signatures that were lost on the way.
    fn receive(&self, peer: &ed25519::PublicKey, msg: &[u8]) -> Option<CosignMessage> {
        let m = match CosignMessage::decode(msg) {
            Ok(m) => m,
            Err(e) => {
                warn!(%peer, error = %e, "malformed checkpoint signature");
                return None;
            }
        };
        if m.ask {
            return self.answer_ask(&m);
        }
        let Some(validator) = self
            .validators_at(m.state.height)
            .into_iter()
            .find(|v| v.key.to_bytes().as_slice() == peer.as_ref())
        else {
            debug!(%peer, state_height = m.state.height, "checkpoint signature from a key that is not a validator of that block's epoch");
            return None;
        };
        let signed = Signed {
            root: m.root,
            state: m.state,
        };
        let body = self.body(m.size, signed);
        if !validator
            .key
            .verify(&Signature::from_bytes(m.signature), body.as_bytes())
        {
            warn!(validator = %validator.name, size = m.size, "invalid checkpoint signature");
            return None;
        }
        if m.epoch_end {
            return self.receive_epoch(validator, &m, signed);
        }
        let stored = self.pending.lock().expect("cosign lock poisoned").stored;
        if stored.is_some_and(|s| m.size <= s) && Some(validator.key) != self.signer {
            if m.reply {
                return None;
            }
            return self
                .own(m.size)
                .filter(|(own, _)| own.root == m.root && own.state == m.state)
                .map(|(own, _)| CosignMessage { reply: true, ..own });
        }
        self.add(validator, m.size, signed, m.signature);
        None
    }

    /// This node's signature on its checkpoint at `size`, as signed when the block applied,
    /// if it is a validator of that block's epoch (with its entry in that set).
    fn own(&self, size: u64) -> Option<(CosignMessage, NoteVerifier)> {
        let text = self.ledger.own_checkpoint_at(size).ok()??;
        self.own_message(&text, false)
            .filter(|(m, _)| m.size == size)
    }
}

/// Starts cosigning on the checkpoint channel. `signer` is this node's key, if its ledger
/// signs its checkpoints: it sends its signature on each checkpoint whose block is in an
/// epoch it validates. Every node gathers the validators' signatures and stores the notes
/// that reach a quorum and match its own log.
pub fn start<E, S, R>(
    context: E,
    cfg: CosignConfig,
    ledger: Arc<Ledger>,
    mut applied: Applied,
    signer: Option<PublicKey>,
    mut sender: S,
    mut receiver: R,
) -> Vec<Handle<()>>
where
    E: Clock + Spawner + Metrics,
    S: Sender<PublicKey = ed25519::PublicKey>,
    R: Receiver<PublicKey = ed25519::PublicKey>,
{
    let stored = ledger
        .latest_checkpoint()
        .ok()
        .flatten()
        .and_then(|t| SignedNote::parse(&t).ok())
        .and_then(|n| Checkpoint::parse_body(&n.body).ok())
        .map(|c| c.size);
    let cosigner = Arc::new(Cosigner {
        signer,
        max_pending: cfg.max_pending,
        pending: Mutex::new(Pending {
            stored,
            ..Default::default()
        }),
        ledger,
    });
    let signing = cosigner.clone();
    let mut reply = sender.clone();
    let out = context
        .with_label("cosign_out")
        .spawn(move |ctx| async move {
            let mut last_height = signing
                .ledger
                .head()
                .map(|h| h.height.saturating_sub(cfg.resend_window))
                .unwrap_or(0);
            let mut last_size = None;
            let mut latest: Option<(CosignMessage, SystemTime)> = None;
            let mut latest_epoch: Option<(u64, CosignMessage, SystemTime)> = None;
            let mut asked: Option<SystemTime> = None;
            loop {
                block_or_tick(&ctx, &mut applied, cfg.resend_interval).await;
                let Ok(head) = signing.ledger.head() else {
                    continue;
                };
                // Every epoch this node saw end since the last turn, however far it caught
                // up: its signature on each end is how it gathers (or is sent) the proof of
                // the next epoch's validators.
                let length = signing.ledger.epoch_length();
                let mut end = signing
                    .ledger
                    .last_height_of(signing.ledger.epoch_of(last_height + 1));
                while signing.signer.is_some() && end <= head.height {
                    let epoch = signing.ledger.epoch_of(end) + 1;
                    if let Some((msg, me)) = signing.own_epoch(epoch) {
                        if let Err(e) = sender.send(Recipients::All, msg.encode(), true).await {
                            warn!(error = ?e, "cannot send an epoch-end signature");
                        }
                        let signed = Signed {
                            root: msg.root,
                            state: msg.state,
                        };
                        signing.add_epoch(me, epoch, signed, msg.signature);
                        latest_epoch = Some((epoch, msg, ctx.current()));
                    }
                    end += length;
                }
                let from = (last_height + 1).max(head.height.saturating_sub(cfg.resend_window));
                for height in from..=head.height {
                    if signing.signer.is_none() {
                        break;
                    }
                    let Ok(Some(roots)) = signing.ledger.block_roots(height) else {
                        continue;
                    };
                    if last_size == Some(roots.log_size) {
                        continue;
                    }
                    last_size = Some(roots.log_size);
                    // Signed where this node validates the block's epoch (every validator
                    // sends, even where one is its own quorum: followers need it).
                    let Some((msg, me)) = signing.own(roots.log_size) else {
                        continue;
                    };
                    if let Err(e) = sender.send(Recipients::All, msg.encode(), true).await {
                        warn!(error = ?e, "cannot send a checkpoint signature");
                    }
                    let signed = Signed {
                        root: msg.root,
                        state: msg.state,
                    };
                    signing.add(me, msg.size, signed, msg.signature);
                    latest = Some((msg, ctx.current()));
                }
                last_height = head.height;
                signing.complete_reached();
                if let Some((msg, sent)) = latest
                    && ctx.current().duration_since(sent).unwrap_or_default() >= cfg.resend_interval
                {
                    // Still missing signatures: ask again, and peers that hold the
                    // checkpoint answer with theirs. Complete here: repeat our own anyway,
                    // marked as a reply so that nobody answers it, because a follower
                    // (which signs nothing, so cannot ask) or a peer that was not connected
                    // when it was first sent may still lack it.
                    let complete = signing
                        .pending
                        .lock()
                        .expect("cosign lock poisoned")
                        .stored
                        .is_some_and(|s| s >= msg.size);
                    let out = CosignMessage {
                        reply: complete,
                        ..msg
                    };
                    let _ = sender.send(Recipients::All, out.encode(), true).await;
                    latest = Some((msg, ctx.current()));
                }
                // An epoch end this node crossed without gathering its note (down at the
                // time, or a follower that could not ask): request it, once per interval.
                if asked.is_none_or(|at: SystemTime| {
                    ctx.current().duration_since(at).unwrap_or_default() >= cfg.resend_interval
                }) && let Some(ask) = signing.missing_epoch_end()
                {
                    let _ = sender.send(Recipients::All, ask.encode(), false).await;
                    asked = Some(ctx.current());
                }
                // The same for the latest epoch-end signature: asked again while the note
                // lacks a quorum here, repeated as a reply once it has one.
                if let Some((epoch, msg, sent)) = latest_epoch
                    && ctx.current().duration_since(sent).unwrap_or_default() >= cfg.resend_interval
                {
                    let complete = matches!(signing.ledger.epoch_note(epoch), Ok(Some(_)));
                    let out = CosignMessage {
                        reply: complete,
                        ..msg
                    };
                    let _ = sender.send(Recipients::All, out.encode(), true).await;
                    latest_epoch = Some((epoch, msg, ctx.current()));
                }
            }
        });
    let inbound = context.with_label("cosign_in").spawn(move |_| async move {
        while let Ok((peer, msg)) = receiver.recv().await {
            if let Some(own) = cosigner.receive(&peer, msg.as_ref()) {
                let _ = reply.send(Recipients::One(peer), own.encode(), false).await;
            }
        }
        debug!("checkpoint signature channel closed");
    });
    vec![out, inbound]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_wrong_lengths_are_refused() {
        let m = CosignMessage {
            reply: true,
            epoch_end: false,
            ask: false,
            size: 42,
            root: Hash32([7; 32]),
            state: StateAt {
                height: 40,
                root: Hash32([8; 32]),
            },
            signature: [9; 64],
        };
        assert_eq!(m.encode().len(), MESSAGE_LEN);
        assert_eq!(CosignMessage::decode(m.encode()).expect("round trip"), m);
        assert!(matches!(
            CosignMessage::decode(&[0u8; MESSAGE_LEN - 1][..]),
            Err(CodecError::EndOfBuffer)
        ));
        assert!(matches!(
            CosignMessage::decode(&[0u8; MESSAGE_LEN + 1][..]),
            Err(CodecError::ExtraData(1))
        ));
        let epoch_end = CosignMessage {
            reply: false,
            epoch_end: true,
            ask: false,
            ..m
        };
        assert_eq!(epoch_end.encode()[0], EPOCH_END);
        assert_eq!(
            CosignMessage::decode(epoch_end.encode()).expect("round trip"),
            epoch_end
        );
        let ask = CosignMessage {
            reply: false,
            epoch_end: true,
            ask: true,
            signature: [0; 64],
            ..m
        };
        assert_eq!(
            CosignMessage::decode(ask.encode()).expect("round trip"),
            ask
        );
        for flags in [8u8, ASK, ASK | REPLY, ASK | EPOCH_END | REPLY] {
            let mut bad = m.encode().to_vec();
            bad[0] = flags;
            assert!(
                matches!(
                    CosignMessage::decode(&bad[..]),
                    Err(CodecError::Invalid(_, _))
                ),
                "flags {flags:#b}"
            );
        }
    }
}
