//! Threshold blind tokens: a member's partial evaluation (tokens per second per member),
//! the sealing organisation's blinding, and its check-combine-unblind for four members.
#![allow(missing_docs)]

use commonware_cryptography::{Signer, ed25519};
use commonware_math::algebra::Random;
use criterion::{Criterion, criterion_group, criterion_main};
use rand::{SeedableRng, rngs::StdRng};
use std::hint::black_box;
use unchain_tokens::{
    Blinded, KeyRound, Partial, evaluate, finish, group_key, input, run_in_process,
};

fn tokens(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(7);
    let keys: Vec<ed25519::PrivateKey> = (0..4)
        .map(|_| ed25519::PrivateKey::random(&mut rng))
        .collect();
    let publics: Vec<_> = keys.iter().map(Signer::public_key).collect();
    let round = KeyRound::fresh("bench", 0, &publics).expect("round");
    let dealers: Vec<_> = keys.iter().map(|k| (k.clone(), None)).collect();
    let (output, shares) = run_in_process(&round, &dealers, &keys, &mut rng).expect("dkg");
    let key = group_key(&output);
    let shares: Vec<_> = shares.into_values().collect();
    let m = input("phone", "+66812345678");
    let blinded = Blinded::new(&m, &mut rng);
    let request = blinded.request();
    let partials: Vec<Partial> = shares.iter().map(|s| evaluate(s, &request)).collect();

    c.bench_function("tokens/blind", |b| {
        b.iter(|| Blinded::new(black_box(&m), &mut rng))
    });
    c.bench_function("tokens/member_evaluate", |b| {
        b.iter(|| evaluate(black_box(&shares[0]), black_box(&request)))
    });
    c.bench_function("tokens/finish_4_members", |b| {
        b.iter(|| finish(&key, &blinded, black_box(partials.iter().copied())).expect("finish"))
    });
    c.bench_function("tokens/dkg_4_members", |b| {
        b.iter(|| run_in_process(&round, &dealers, &keys, &mut rng).expect("dkg"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = tokens
}
criterion_main!(benches);
