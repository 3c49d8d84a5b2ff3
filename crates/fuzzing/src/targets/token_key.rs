//! The threshold token key's messages as they arrive from outside (hex in transactions and
//! HTTP bodies): blinded requests and partial evaluations, key-round commitments,
//! acknowledgements, signed dealer logs, round outputs and group keys. Decoding and
//! checking never panic, and a request or partial that decodes can be evaluated and
//! combined without one.
//!
//! The first byte picks the decoder; the rest is the message's bytes (hex-encoded here,
//! as the ledger and the API carry them).

use std::sync::OnceLock;
use unchain_tokens::{
    Blinded, GroupKey, KeyRound, MemberKey, Partial, Request, Share, acknowledge, check_commitment,
    check_log, evaluate, finish, group_key_from_hex, input, member_signer, observe,
    output_from_hex, run_in_process,
};

/// A fixed four-member key round and its key, the same on every run.
pub struct Fixture {
    /// The members' signing keys (seeds 1..=4).
    pub signers: Vec<unchain_tokens::keygen::MemberSigner>,
    /// Their public keys.
    pub members: Vec<MemberKey>,
    /// Round 0 among them.
    pub round: KeyRound,
    /// Its group key.
    pub key: GroupKey,
    /// Each member's share.
    pub shares: Vec<Share>,
}

/// The fixture, built once.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        use commonware_cryptography::Signer as _;
        use rand::SeedableRng as _;
        let signers: Vec<_> = (1..=4u8).map(|i| member_signer(&[i; 32])).collect();
        let members: Vec<MemberKey> = signers.iter().map(|s| s.public_key()).collect();
        let round = KeyRound::fresh("fuzz", 0, &members).expect("round");
        let dealers: Vec<_> = signers.iter().map(|s| (s.clone(), None)).collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        let (output, shares) =
            run_in_process(&round, &dealers, &signers, &mut rng).expect("the DKG completes");
        let mut shares: Vec<Share> = shares.into_values().collect();
        shares.sort_by_key(|s| s.index);
        Fixture {
            signers,
            members,
            key: output.public().clone(),
            round,
            shares,
        }
    })
}

/// One input.
pub fn run(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let text = hex::encode(rest);
    match selector % 7 {
        0 => {
            if let Ok(request) = Request::from_hex(&text) {
                let p = evaluate(&f.shares[0], &request);
                let _ = unchain_tokens::check_partial(&f.key, &request, &p);
            }
        }
        1 => {
            let blinded = Blinded::new(&input("phone", "+66812345678"), &mut rand::rngs::OsRng);
            let index = u32::from(rest.first().copied().unwrap_or(0));
            let body = hex::encode(rest.get(1..).unwrap_or_default());
            if let Ok(p) = Partial::from_hex(index, &body) {
                let mut partials: Vec<Partial> = f.shares[1..3]
                    .iter()
                    .map(|s| evaluate(s, &blinded.request()))
                    .collect();
                partials.push(p);
                let _ = finish(&f.key, &blinded, partials);
            }
        }
        2 => {
            let _ = check_commitment(&text);
        }
        3 => {
            let _ = check_log(&f.round, &f.members[0], &text);
            let _ = observe(&f.round, &[(f.members[0].clone(), text)]);
        }
        4 => {
            let _ = output_from_hex(&text);
            let _ = group_key_from_hex(&text);
        }
        5 => {
            if let Some((private, commitment)) = rest.split_first_chunk::<32>() {
                let _ = acknowledge(
                    &f.round,
                    &f.signers[1],
                    &f.members[0],
                    &hex::encode(commitment),
                    private,
                );
            }
        }
        _ => {
            let _ =
                unchain_tokens::member_key(&rest.first_chunk::<32>().copied().unwrap_or([0; 32]));
        }
    }
}
