//! One token, evaluated blind by a threshold of members.
//!
//! The construction is Boldyreva's blind threshold BLS signature ("Threshold Signatures,
//! Multisignatures and Blind Signatures Based on the Gap-Diffie-Hellman-Group Signature
//! Scheme", PKC 2003), the construction Celo's ODIS uses for the same job (phone numbers
//! matched without a lookup table). On BLS12-381 with signatures in G1 (commonware's
//! `MinSig`):
//!
//! 1. The sealing organisation hashes the token input to G1, `H(m)`, picks a random
//!    non-zero scalar `r` and sends `B = r·H(m)` ([`Blinded::new`], [`Request`]). `B` is
//!    a uniformly random group element: a member learns nothing of `m`.
//! 2. Member `i` answers `Pᵢ = sᵢ·B` with its key share `sᵢ` ([`evaluate`]).
//! 3. The organisation checks each `Pᵢ` against member `i`'s public share `sᵢ·G₂` by a
//!    pairing (`e(Pᵢ, G₂) = e(B, sᵢ·G₂)`), drops the ones that fail, interpolates a
//!    threshold of the rest to `s·B`, and unblinds: `r⁻¹·s·B = s·H(m)`, the group's BLS
//!    signature on `m`, which anyone can check against the group public key
//!    ([`finish`]).
//! 4. The token is SHA-256 of that signature ([`token_of`]).
//!
//! Without a threshold of shares nobody can compute `s·H(m)`, so a token cannot be
//! computed offline from a guessed identifier: a member can only ask, and asking is
//! counted.

use commonware_codec::{DecodeExt, Encode};
use commonware_cryptography::bls12381::primitives::{
    group::{G1, G2, Scalar, Share, SmallScalar},
    ops::{self, threshold},
    sharing::Sharing,
    variant::{MinSig, PartialSignature, Variant},
};
use commonware_math::algebra::{Additive, Field, Random};
use commonware_parallel::Sequential;
use commonware_utils::{N3f1, Participant};
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use unchain_types::Hash32;

/// The namespace every token input is signed under (commonware's `union_unique` framing
/// puts its length first, so no input can be read as another namespace's).
pub const NAMESPACE: &[u8] = b"unchain/token/v2";

/// The size of a request and of a partial evaluation: one compressed G1 point.
pub const POINT_BYTES: usize = 48;

/// The consortium's token key as everyone sees it: the group public key and every
/// member's public share (a commitment to the sharing polynomial). Holds no secret.
pub type GroupKey = Sharing<MinSig>;

/// The input signed for an identifier: its kind and its normal form, separated by a zero
/// byte (neither contains one).
pub fn input(kind: &str, normal_form: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(kind.len() + 1 + normal_form.len());
    m.extend_from_slice(kind.as_bytes());
    m.push(0);
    m.extend_from_slice(normal_form.as_bytes());
    m
}

/// The token of a verified group signature: SHA-256 over a label and the signature's
/// compressed bytes.
pub fn token_of(signature: &G1) -> Hash32 {
    let mut h = Sha256::new();
    h.update(b"unchain/token/v2\0");
    h.update(signature.encode());
    Hash32(h.finalize().into())
}

/// A blinded request, as it travels to the members: one G1 point, never the identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request(G1);

impl Request {
    /// The request's 48 compressed bytes, as hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.encode())
    }

    /// Reads a request from hex, checking that it is a point of G1's prime-order subgroup
    /// other than the identity (an identity request would make every answer the identity).
    pub fn from_hex(text: &str) -> Result<Self, PointError> {
        point_from_hex(text).map(Request)
    }

    /// The point.
    pub fn point(&self) -> &G1 {
        &self.0
    }
}

/// One member's answer to a request: its index in the sharing and `sᵢ·B`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partial {
    /// The member's index in the sharing (its position among the key's players).
    pub index: u32,
    /// The evaluation, `sᵢ·B`.
    pub value: G1,
}

impl Partial {
    /// The evaluation's 48 compressed bytes, as hex.
    pub fn value_hex(&self) -> String {
        hex::encode(self.value.encode())
    }

    /// A partial from an index and hex bytes, checked to be a G1 point (not yet checked
    /// against the member's share: [`check_partial`] does that).
    pub fn from_hex(index: u32, text: &str) -> Result<Self, PointError> {
        Ok(Partial {
            index,
            value: point_from_hex(text)?,
        })
    }
}

/// Why some hex is not a usable G1 point.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointError {
    /// Not hex, or not 48 bytes.
    #[error("must be {POINT_BYTES} bytes as hex ({0})")]
    Encoding(String),
    /// Bytes that are not a point of G1's subgroup, or are the identity.
    #[error("is not a point of the BLS12-381 G1 subgroup other than the identity ({0})")]
    NotInGroup(String),
}

fn point_from_hex(text: &str) -> Result<G1, PointError> {
    let bytes = hex::decode(text).map_err(|e| PointError::Encoding(e.to_string()))?;
    if bytes.len() != POINT_BYTES {
        return Err(PointError::Encoding(format!("{} bytes", bytes.len())));
    }
    G1::decode(bytes.as_slice()).map_err(|e| PointError::NotInGroup(e.to_string()))
}

/// The sealing organisation's side of one evaluation: the input, the blinded request,
/// and the inverse of the blinding factor. Never leaves the organisation.
pub struct Blinded {
    input: Vec<u8>,
    request: Request,
    unblind: Scalar,
}

impl std::fmt::Debug for Blinded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blinded")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

impl Blinded {
    /// Blinds `input` (see [`input`]) with a fresh random factor.
    pub fn new(input: &[u8], rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let hashed = ops::hash_with_namespace::<MinSig>(MinSig::MESSAGE, NAMESPACE, input);
        let r = Scalar::random(&mut *rng);
        Blinded {
            input: input.to_vec(),
            request: Request(hashed * &r),
            unblind: r.inv(),
        }
    }

    /// The request to send to the members.
    pub fn request(&self) -> Request {
        self.request
    }
}

/// A member's partial evaluation of `request` with its key share.
pub fn evaluate(share: &Share, request: &Request) -> Partial {
    Partial {
        index: share.index.get(),
        value: share.private.expose(|s| request.0 * s),
    }
}

/// Why a partial evaluation was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// The index names no member of the sharing.
    #[error("member {index}: no such member in a key of {total}")]
    NoSuchMember {
        /// The index given.
        index: u32,
        /// How many members the key has.
        total: u32,
    },
    /// A second answer from a member that already answered.
    #[error("member {0}: answered twice")]
    Duplicate(u32),
    /// The answer does not match the member's public share: it lied or broke.
    #[error("member {0}: the answer does not verify against its public share")]
    Invalid(u32),
}

/// Checks one partial evaluation against its member's public share.
pub fn check_partial(key: &GroupKey, request: &Request, partial: &Partial) -> Result<(), Rejected> {
    let total = key.total().get();
    if partial.index >= total {
        return Err(Rejected::NoSuchMember {
            index: partial.index,
            total,
        });
    }
    let public = key
        .partial_public(Participant::new(partial.index))
        .map_err(|_| Rejected::Invalid(partial.index))?;
    MinSig::verify(&public, &request.0, &partial.value)
        .map_err(|_| Rejected::Invalid(partial.index))
}

/// A finished evaluation.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// The token.
    pub token: Hash32,
    /// The group's BLS signature on the input, which [`verify_signature`] checks.
    pub signature: G1,
    /// The answers that were not used, each with why (a member that lied shows here).
    pub rejected: Vec<Rejected>,
}

/// Why an evaluation could not be finished.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FinishError {
    /// Fewer valid answers than the key's threshold.
    #[error(
        "{valid} valid answers of the {needed} the key needs{}",
        rejected_list(.rejected)
    )]
    TooFew {
        /// Valid answers.
        valid: usize,
        /// The threshold.
        needed: u32,
        /// The answers not used, with why.
        rejected: Vec<Rejected>,
    },
    /// The combined signature does not verify (cannot happen with checked answers; kept
    /// so a fault shows as an error, not a wrong token).
    #[error("the combined signature does not verify against the group key")]
    Unverifiable,
}

fn rejected_list(rejected: &[Rejected]) -> String {
    if rejected.is_empty() {
        return String::new();
    }
    let list: Vec<String> = rejected.iter().map(ToString::to_string).collect();
    format!("; not used: {}", list.join("; "))
}

/// Combines the members' answers into the token: checks every answer, drops the ones that
/// fail (each is reported), interpolates a threshold of the valid ones, unblinds, and
/// checks the result against the group public key.
pub fn finish(
    key: &GroupKey,
    blinded: &Blinded,
    partials: impl IntoIterator<Item = Partial>,
) -> Result<Evaluated, FinishError> {
    let needed = key.required::<N3f1>();
    let total = key.total().get();
    let mut seen = BTreeSet::new();
    let mut candidates: Vec<Partial> = Vec::new();
    let mut rejected = Vec::new();
    for p in partials {
        if p.index >= total {
            rejected.push(Rejected::NoSuchMember {
                index: p.index,
                total,
            });
        } else if !seen.insert(p.index) {
            rejected.push(Rejected::Duplicate(p.index));
        } else {
            candidates.push(p);
        }
    }
    // One check of a random combination of every answer (two pairings); only when it
    // fails is each answer checked alone, to name the ones that lie.
    let all_valid = batch_check(key, &blinded.request, &candidates);
    let mut valid: Vec<PartialSignature<MinSig>> = Vec::new();
    for p in candidates {
        if all_valid {
            valid.push(PartialSignature {
                index: Participant::new(p.index),
                value: p.value,
            });
            continue;
        }
        match check_partial(key, &blinded.request, &p) {
            Ok(()) => valid.push(PartialSignature {
                index: Participant::new(p.index),
                value: p.value,
            }),
            Err(e) => rejected.push(e),
        }
    }
    if valid.len() < needed as usize {
        return Err(FinishError::TooFew {
            valid: valid.len(),
            needed,
            rejected,
        });
    }
    let combined = threshold::recover::<MinSig, _, N3f1>(key, &valid, &Sequential)
        .map_err(|_| FinishError::Unverifiable)?;
    let signature = combined * &blinded.unblind;
    verify_signature(key, &blinded.input, &signature).map_err(|_| FinishError::Unverifiable)?;
    Ok(Evaluated {
        token: token_of(&signature),
        signature,
        rejected,
    })
}

/// Whether every answer verifies, by one small-exponent batch test (Bellare, Garay and
/// Rabin 1998): all answers are to the same request `B`, so with fresh random 128-bit
/// `cᵢ`, `e(Σ cᵢ·Pᵢ, G₂) = e(B, Σ cᵢ·sᵢG₂)` holds for all valid answers and fails
/// except with probability 2⁻¹²⁸ if any is invalid.
fn batch_check(key: &GroupKey, request: &Request, answers: &[Partial]) -> bool {
    let mut rng = rand::rngs::OsRng;
    let mut publics = G2::zero();
    let mut values = G1::zero();
    for p in answers {
        let Ok(public) = key.partial_public(Participant::new(p.index)) else {
            return false;
        };
        let c = SmallScalar::random(&mut rng);
        publics += &(public * &c);
        values += &(p.value * &c);
    }
    !answers.is_empty() && MinSig::verify(&publics, &request.0, &values).is_ok()
}

/// Checks a group signature on `input` against the key's group public key: anyone holding
/// the input and the signature can, without any share.
pub fn verify_signature(
    key: &GroupKey,
    input: &[u8],
    signature: &G1,
) -> Result<(), InvalidSignature> {
    ops::verify_message::<MinSig>(key.public(), NAMESPACE, input, signature)
        .map_err(|_| InvalidSignature)
}

/// A signature that does not verify against the group public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the signature does not verify against the group public key")]
pub struct InvalidSignature;
