//! Threshold blind-index tokens.
//!
//! A blind-index token lets two organisations learn that their sealed records name the
//! same phone number, passport or wallet without either revealing it. Here no single
//! member, and no coalition below the threshold, can compute a token: the consortium's
//! token key exists only as shares ([`keygen`]), and a token is evaluated blind by a
//! threshold of members ([`evaluate`]), who never see the identifier. A member therefore
//! cannot enumerate candidate identifiers offline; it can only ask, and every request is
//! counted.
//!
//! No I/O and no state: the vault module and the node carry the messages.

pub mod evaluate;
pub mod keygen;

/// A member's share of the token key (commonware's BLS12-381 share).
pub use commonware_cryptography::bls12381::primitives::group::Share;

pub use evaluate::{
    Blinded, Evaluated, FinishError, GroupKey, Partial, PointError, Rejected, Request,
    check_partial, evaluate, finish, input, token_of, verify_signature,
};
pub use keygen::{
    Dealing, KeyRound, KeygenError, MemberKey, MessageError, Output, acknowledge, check_commitment,
    check_log, deal, dealer_log, group_key, group_key_from_hex, group_key_to_hex, member_key,
    member_signer, observe, output_from_hex, output_to_hex, player_share, run_in_process,
};
