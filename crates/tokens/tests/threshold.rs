//! Threshold blind tokens: a threshold computes them, fewer cannot, a liar is caught, and
//! the key survives membership changes or is replaced on rotation.

use commonware_codec::Encode;
use commonware_cryptography::{
    Signer,
    bls12381::primitives::{
        group::{G1, Share},
        ops::threshold,
        variant::MinSig,
    },
    ed25519,
};
use commonware_math::algebra::{Additive, CryptoGroup, Random};
use commonware_parallel::Sequential;
use commonware_utils::N3f1;
use proptest::prelude::*;
use rand::{SeedableRng, rngs::StdRng};
use std::collections::BTreeMap;
use unchain_tokens::{
    Blinded, FinishError, GroupKey, KeyRound, MemberKey, Output, Partial, Rejected, Request,
    evaluate, finish, group_key, input, run_in_process, token_of, verify_signature,
};

const CHAIN: &str = "unchain-test";

fn members(n: usize, rng: &mut StdRng) -> Vec<ed25519::PrivateKey> {
    (0..n)
        .map(|_| ed25519::PrivateKey::random(&mut *rng))
        .collect()
}

fn publics(keys: &[ed25519::PrivateKey]) -> Vec<MemberKey> {
    keys.iter().map(Signer::public_key).collect()
}

/// A fresh key among `keys`, made by the DKG.
fn fresh(
    keys: &[ed25519::PrivateKey],
    round: u64,
    rng: &mut StdRng,
) -> (Output, BTreeMap<MemberKey, Share>) {
    let r = KeyRound::fresh(CHAIN, round, &publics(keys)).expect("round");
    let dealers: Vec<_> = keys.iter().map(|k| (k.clone(), None)).collect();
    run_in_process(&r, &dealers, keys, rng).expect("the DKG completes")
}

/// Every member's share, in index order.
fn shares_in_order(shares: &BTreeMap<MemberKey, Share>) -> Vec<Share> {
    let mut all: Vec<Share> = shares.values().cloned().collect();
    all.sort_by_key(|s| s.index);
    all
}

fn token_with(
    key: &GroupKey,
    shares: &[Share],
    m: &[u8],
    rng: &mut StdRng,
) -> Result<[u8; 32], FinishError> {
    let blinded = Blinded::new(m, rng);
    let partials: Vec<Partial> = shares
        .iter()
        .map(|s| evaluate(s, &blinded.request()))
        .collect();
    finish(key, &blinded, partials).map(|e| e.token.0)
}

#[test]
fn a_threshold_of_members_computes_the_same_token_as_the_unblinded_group_signature() {
    let mut rng = StdRng::seed_from_u64(1);
    let keys = members(4, &mut rng);
    let (output, shares) = fresh(&keys, 0, &mut rng);
    let key = group_key(&output);
    assert_eq!(
        key.required::<N3f1>(),
        3,
        "four members: a threshold of three"
    );
    let shares = shares_in_order(&shares);
    let m = input("phone", "+66812345678");

    // Blind, evaluated by three of four.
    let blinded = Blinded::new(&m, &mut rng);
    let partials: Vec<Partial> = shares[1..]
        .iter()
        .map(|s| evaluate(s, &blinded.request()))
        .collect();
    let evaluated = finish(&key, &blinded, partials).expect("three honest answers");
    assert!(evaluated.rejected.is_empty());
    verify_signature(&key, &m, &evaluated.signature)
        .expect("anyone can check the token's signature");

    // The same input signed in the clear by commonware's own threshold path (each share
    // signs the message, partials recovered): the blind path must give the same signature.
    let clear: Vec<_> = shares[..3]
        .iter()
        .map(|s| threshold::sign_message::<MinSig>(s, unchain_tokens::evaluate::NAMESPACE, &m))
        .collect();
    let recovered =
        threshold::recover::<MinSig, _, N3f1>(&key, &clear, &Sequential).expect("recover");
    assert_eq!(recovered, evaluated.signature);
    assert_eq!(token_of(&recovered), evaluated.token);

    // Another blinding, other members: the same token. Another identifier: another token.
    let again = token_with(&key, &shares[..3], &m, &mut rng).expect("again");
    assert_eq!(again, evaluated.token.0);
    let other = token_with(
        &key,
        &shares[..3],
        &input("phone", "+66812345679"),
        &mut rng,
    )
    .expect("other");
    assert_ne!(other, evaluated.token.0);
    // The kind is part of the input: the same text as another kind is another token.
    let as_email = token_with(
        &key,
        &shares[..3],
        &input("email", "+66812345678"),
        &mut rng,
    )
    .expect("kind");
    assert_ne!(as_email, evaluated.token.0);
}

#[test]
fn requests_for_one_identifier_cannot_be_linked_by_the_members_who_answer_them() {
    let mut rng = StdRng::seed_from_u64(2);
    let m = input("phone", "+66812345678");
    let a = Blinded::new(&m, &mut rng).request();
    let b = Blinded::new(&m, &mut rng).request();
    assert_ne!(a, b, "each request is blinded afresh");
    let hashed = commonware_cryptography::bls12381::primitives::ops::hash_with_namespace::<MinSig>(
        <MinSig as commonware_cryptography::bls12381::primitives::variant::Variant>::MESSAGE,
        unchain_tokens::evaluate::NAMESPACE,
        &m,
    );
    assert_ne!(
        *a.point(),
        hashed,
        "the request is not the hashed identifier"
    );
    // The request travels as hex and comes back the same.
    assert_eq!(Request::from_hex(&a.to_hex()).expect("round trip"), a);
}

#[test]
fn fewer_members_than_the_threshold_cannot_compute_a_token() {
    let mut rng = StdRng::seed_from_u64(3);
    let keys = members(4, &mut rng);
    let (output, shares) = fresh(&keys, 0, &mut rng);
    let key = group_key(&output);
    let shares = shares_in_order(&shares);
    let m = input("phone", "+66812345678");
    let truth = token_with(&key, &shares, &m, &mut rng).expect("all four");

    // One member (f = 1) and two members (below the threshold of three): refused.
    for coalition in [&shares[..1], &shares[..2], &shares[2..]] {
        match token_with(&key, coalition, &m, &mut rng) {
            Err(FinishError::TooFew {
                valid, needed: 3, ..
            }) => assert_eq!(valid, coalition.len()),
            other => panic!("{} shares gave {other:?}", coalition.len()),
        }
    }

    // Two members who make up the missing answer (the same share under another index, or
    // a guess) are caught: the made-up answer does not verify against that member's share.
    let blinded = Blinded::new(&m, &mut rng);
    let request = blinded.request();
    let mut made_up = evaluate(&shares[0], &request);
    made_up.index = shares[3].index.get();
    let guess = Partial {
        index: shares[2].index.get(),
        value: *request.point()
            * &commonware_cryptography::bls12381::primitives::group::Scalar::random(&mut rng),
    };
    for forged in [made_up, guess] {
        let partials = vec![
            evaluate(&shares[0], &request),
            evaluate(&shares[1], &request),
            forged,
        ];
        match finish(&key, &blinded, partials) {
            Err(FinishError::TooFew {
                valid: 2, rejected, ..
            }) => {
                assert_eq!(rejected, vec![Rejected::Invalid(forged.index)]);
            }
            other => panic!("a forged answer gave {other:?}"),
        }
    }

    // What two shares can compute alone — their own partials on the unblinded input,
    // combined as if they were enough — is not the token.
    let hashed = commonware_cryptography::bls12381::primitives::ops::hash_with_namespace::<MinSig>(
        <MinSig as commonware_cryptography::bls12381::primitives::variant::Variant>::MESSAGE,
        unchain_tokens::evaluate::NAMESPACE,
        &m,
    );
    let mut sum = G1::zero();
    for s in &shares[..2] {
        sum += &s.private.expose(|x| hashed * x);
    }
    assert_ne!(token_of(&sum), unchain_types::Hash32(truth));
}

#[test]
fn a_member_that_lies_is_named_and_the_honest_ones_still_match() {
    let mut rng = StdRng::seed_from_u64(4);
    let keys = members(4, &mut rng);
    let (output, shares) = fresh(&keys, 0, &mut rng);
    let key = group_key(&output);
    let shares = shares_in_order(&shares);
    let m = input("passport", "TH|AB1234567");
    let truth = token_with(&key, &shares[..3], &m, &mut rng).expect("honest");

    let blinded = Blinded::new(&m, &mut rng);
    let request = blinded.request();
    // Member 1 lies three ways in turn: a shifted answer, an answer to another request, a
    // copy of member 0's answer. Each time it is named and the other three match.
    let other_request = Blinded::new(&input("passport", "TH|ZZ0000000"), &mut rng).request();
    let lies = [
        {
            let mut p = evaluate(&shares[1], &request);
            p.value += &G1::generator();
            p
        },
        evaluate(&shares[1], &other_request),
        Partial {
            index: 1,
            value: evaluate(&shares[0], &request).value,
        },
    ];
    for lie in lies {
        let partials = vec![
            evaluate(&shares[0], &request),
            lie,
            evaluate(&shares[2], &request),
            evaluate(&shares[3], &request),
        ];
        let done = finish(&key, &blinded, partials).expect("three honest of four");
        assert_eq!(done.rejected, vec![Rejected::Invalid(1)]);
        assert_eq!(done.token.0, truth);
    }

    // A member answering twice, and an index outside the key, are named too.
    let partials = vec![
        evaluate(&shares[0], &request),
        evaluate(&shares[0], &request),
        Partial {
            index: 9,
            value: evaluate(&shares[3], &request).value,
        },
        evaluate(&shares[2], &request),
        evaluate(&shares[3], &request),
    ];
    let done = finish(&key, &blinded, partials).expect("three honest");
    assert_eq!(
        done.rejected,
        vec![
            Rejected::Duplicate(0),
            Rejected::NoSuchMember { index: 9, total: 4 }
        ]
    );
    assert_eq!(done.token.0, truth);

    // Two liars of four leave two honest answers: refused, and both liars named.
    let mut bad = evaluate(&shares[2], &request);
    bad.value += &G1::generator();
    let partials = vec![
        evaluate(&shares[0], &request),
        lies[0],
        bad,
        evaluate(&shares[3], &request),
    ];
    let err = finish(&key, &blinded, partials).expect_err("two liars");
    assert_eq!(
        err,
        FinishError::TooFew {
            valid: 2,
            needed: 3,
            rejected: vec![Rejected::Invalid(1), Rejected::Invalid(2)],
        }
    );
    assert!(
        err.to_string()
            .contains("member 1: the answer does not verify"),
        "{err}"
    );
}

#[test]
fn resharing_keeps_every_token_and_a_removed_members_share_stops_working() {
    let mut rng = StdRng::seed_from_u64(5);
    let keys = members(6, &mut rng);
    // Four founding members; then the first leaves and two join.
    let founders = &keys[..4];
    let (first, first_shares) = fresh(founders, 0, &mut rng);
    let m = input("phone", "+66812345678");
    let old_key = group_key(&first);
    let before =
        token_with(&old_key, &shares_in_order(&first_shares), &m, &mut rng).expect("before");

    let next_members = &keys[1..];
    let round = KeyRound::reshare(CHAIN, 1, &first, &publics(next_members)).expect("reshare round");
    let dealers: Vec<_> = founders[1..]
        .iter()
        .map(|k| (k.clone(), first_shares.get(&k.public_key()).cloned()))
        .collect();
    let (second, second_shares) =
        run_in_process(&round, &dealers, next_members, &mut rng).expect("reshare");
    let new_key = group_key(&second);
    assert_eq!(new_key.public(), old_key.public(), "the group key is kept");
    assert_eq!(
        new_key.required::<N3f1>(),
        4,
        "five members: a threshold of four"
    );
    let new_shares = shares_in_order(&second_shares);
    let after = token_with(&new_key, &new_shares, &m, &mut rng).expect("after");
    assert_eq!(after, before, "tokens made before the change still match");

    // The removed member's old share, offered under any index of the new key, is refused.
    let removed = first_shares
        .get(&founders[0].public_key())
        .expect("share")
        .clone();
    let blinded = Blinded::new(&m, &mut rng);
    let request = blinded.request();
    for index in 0..5 {
        let mut p = evaluate(&removed, &request);
        p.index = index;
        let mut partials: Vec<Partial> = new_shares
            .iter()
            .filter(|s| s.index.get() != index)
            .take(3)
            .map(|s| evaluate(s, &request))
            .collect();
        partials.push(p);
        match finish(&new_key, &blinded, partials) {
            Err(FinishError::TooFew {
                valid: 3, rejected, ..
            }) => {
                assert_eq!(rejected, vec![Rejected::Invalid(index)]);
            }
            other => panic!("the removed share at {index} gave {other:?}"),
        }
    }
}

#[test]
fn rotation_makes_a_new_key_whose_tokens_cannot_be_linked_to_the_old_ones() {
    let mut rng = StdRng::seed_from_u64(6);
    let keys = members(4, &mut rng);
    let (first, first_shares) = fresh(&keys, 0, &mut rng);
    let (second, second_shares) = fresh(&keys, 1, &mut rng);
    assert_ne!(group_key(&first).public(), group_key(&second).public());
    let m = input("phone", "+66812345678");
    let old = token_with(
        &group_key(&first),
        &shares_in_order(&first_shares),
        &m,
        &mut rng,
    )
    .expect("old");
    let new = token_with(
        &group_key(&second),
        &shares_in_order(&second_shares),
        &m,
        &mut rng,
    )
    .expect("new");
    assert_ne!(old, new);
    // Old shares do not answer for the new key.
    match token_with(
        &group_key(&second),
        &shares_in_order(&first_shares),
        &m,
        &mut rng,
    ) {
        Err(FinishError::TooFew {
            valid: 0, rejected, ..
        }) => assert_eq!(rejected.len(), 4),
        other => panic!("old shares under the new key gave {other:?}"),
    }
}

#[test]
fn points_from_outside_are_checked_and_the_error_says_why() {
    for (text, want) in [
        ("zz", "must be 48 bytes as hex"),
        ("00", "must be 48 bytes as hex (1 bytes)"),
        // The compressed identity: flags 0xc0 then zeros.
        (
            &*format!("c0{}", "00".repeat(47)),
            "is not a point of the BLS12-381 G1 subgroup",
        ),
        // Not on the curve (x = 1 with the compression flag).
        (
            &*format!("80{}01", "00".repeat(46)),
            "is not a point of the BLS12-381 G1 subgroup",
        ),
    ] {
        let err = Request::from_hex(text).expect_err(text);
        assert!(err.to_string().starts_with(want), "{text}: {err}");
        let err = Partial::from_hex(0, text).expect_err(text);
        assert!(err.to_string().starts_with(want), "{text}: {err}");
    }
    let p = G1::generator();
    assert_eq!(
        Request::from_hex(&hex::encode(p.encode()))
            .expect("generator")
            .point(),
        &p
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    /// Any threshold of honest members, in any order, gives the same token.
    #[test]
    fn any_threshold_in_any_order_gives_the_same_token(seed in any::<u64>(), order in Just(()).prop_perturb(|_, mut r| {
        let mut v: Vec<usize> = (0..5).collect();
        for i in (1..v.len()).rev() { v.swap(i, (r.next_u32() as usize) % (i + 1)); }
        v
    })) {
        let mut rng = StdRng::seed_from_u64(seed);
        let keys = members(5, &mut rng);
        let (output, shares) = fresh(&keys, 0, &mut rng);
        let key = group_key(&output);
        let shares = shares_in_order(&shares);
        let m = input("iban", "TH0000000000000000");
        let all = token_with(&key, &shares, &m, &mut rng).expect("all");
        let chosen: Vec<Share> = order.iter().take(4).map(|&i| shares[i].clone()).collect();
        prop_assert_eq!(token_with(&key, &chosen, &m, &mut rng).expect("four"), all);
    }
}
