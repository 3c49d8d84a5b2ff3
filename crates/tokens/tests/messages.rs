//! A key round carried as messages (hex, as the ledger carries them): dealings, private
//! evaluations, acknowledgements, signed logs; the output every validator observes equals
//! the one each player derives, and a dealer that cheats or vanishes does not stop it.

use commonware_cryptography::Signer;
use rand::{RngCore, SeedableRng, rngs::StdRng};
use unchain_tokens::{
    Blinded, KeyRound, MemberKey, MessageError, Partial, acknowledge, check_commitment, check_log,
    deal, dealer_log, evaluate, finish, group_key, input, member_key, member_signer, observe,
    output_from_hex, output_to_hex, player_share,
};

struct Org {
    secret: [u8; 32],
    key: commonware_cryptography::ed25519::PrivateKey,
}

fn orgs(n: usize, rng: &mut StdRng) -> Vec<Org> {
    (0..n)
        .map(|_| {
            let mut secret = [0u8; 32];
            rng.fill_bytes(&mut secret);
            Org {
                secret,
                key: member_signer(&secret),
            }
        })
        .collect()
}

#[test]
fn a_round_through_messages_survives_a_cheating_and_a_silent_dealer() {
    let mut rng = StdRng::seed_from_u64(11);
    let orgs = orgs(4, &mut rng);
    let publics: Vec<MemberKey> = orgs.iter().map(|o| o.key.public_key()).collect();
    // The member key round-trips through the ledger's 32 bytes.
    for o in &orgs {
        let bytes: [u8; 32] = commonware_codec::Encode::encode(&o.key.public_key())
            .as_ref()
            .try_into()
            .expect("32");
        assert_eq!(member_key(&bytes).expect("key"), o.key.public_key());
    }
    let round = KeyRound::fresh("unchain-test", 0, &publics).expect("round");

    // Dealers 0..3 deal; dealer 3 stays silent. Dealing again gives the same messages.
    let dealings: Vec<_> = orgs[..3]
        .iter()
        .map(|o| deal(&round, &o.key, None, &o.secret).expect("deal"))
        .collect();
    let again = deal(&round, &orgs[0].key, None, &orgs[0].secret).expect("again");
    assert_eq!(again.commitment, dealings[0].commitment);
    for d in &dealings {
        check_commitment(&d.commitment).expect("well formed");
    }
    assert!(matches!(
        check_commitment("abcd"),
        Err(MessageError::Malformed {
            what: "commitment",
            ..
        })
    ));

    // Dealer 1 cheats player 2: the evaluation it sends does not match its commitment.
    let private_for = |d: usize, p: usize| -> [u8; 32] {
        let mut x = dealings[d]
            .private
            .iter()
            .find(|(k, _)| *k == publics[p])
            .expect("player")
            .1;
        if d == 1 && p == 2 {
            x = dealings[0]
                .private
                .iter()
                .find(|(k, _)| *k == publics[p])
                .expect("player")
                .1;
        }
        x
    };
    let mut acks: Vec<Vec<(MemberKey, String)>> = vec![Vec::new(); 3];
    for (d, dealing) in dealings.iter().enumerate() {
        for (p, player) in orgs.iter().enumerate() {
            let ack = acknowledge(
                &round,
                &player.key,
                &publics[d],
                &dealing.commitment,
                &private_for(d, p),
            )
            .expect("decodes");
            if d == 1 && p == 2 {
                assert!(
                    ack.is_none(),
                    "a player does not acknowledge a bad evaluation"
                );
            } else {
                acks[d].push((
                    publics[p].clone(),
                    ack.expect("a good evaluation is acknowledged"),
                ));
            }
        }
    }
    let logs: Vec<(MemberKey, String)> = orgs[..3]
        .iter()
        .enumerate()
        .map(|(d, o)| {
            (
                publics[d].clone(),
                dealer_log(&round, &o.key, None, &o.secret, &acks[d]).expect("log"),
            )
        })
        .collect();
    for (dealer, log) in &logs {
        check_log(&round, dealer, log).expect("a dealer's own log");
    }
    // A log sent in another dealer's name, or for another round, is refused.
    assert!(matches!(
        check_log(&round, &publics[0], &logs[1].1),
        Err(MessageError::Refused(_))
    ));
    let other_round = KeyRound::fresh("unchain-test", 1, &publics).expect("round 1");
    assert!(matches!(
        check_log(&other_round, &publics[0], &logs[0].1),
        Err(MessageError::Refused(_))
    ));

    // Every validator observes the same output; each player derives its share and the
    // same output (player 2 from dealer 1's revealed evaluation).
    let output = observe(&round, &logs).expect("three of four dealers are enough");
    let stored = output_to_hex(&output);
    assert_eq!(
        output_from_hex(&stored).expect("round trip").public(),
        output.public()
    );
    let mut shares = Vec::new();
    for (p, player) in orgs.iter().enumerate() {
        let mine: Vec<(MemberKey, String, [u8; 32])> = dealings
            .iter()
            .enumerate()
            .map(|(d, dealing)| {
                (
                    publics[d].clone(),
                    dealing.commitment.clone(),
                    private_for(d, p),
                )
            })
            .collect();
        let (out, share) = player_share(&round, &player.key, &mine, &logs).expect("share");
        assert_eq!(out.public(), output.public());
        shares.push(share);
    }

    // The shares answer blind requests: any three make the token.
    let key = group_key(&output);
    let m = input("phone", "+66812345678");
    let b = Blinded::new(&m, &mut rng);
    let one: Vec<Partial> = shares[..3]
        .iter()
        .map(|s| evaluate(s, &b.request()))
        .collect();
    let two: Vec<Partial> = shares[1..]
        .iter()
        .map(|s| evaluate(s, &b.request()))
        .collect();
    assert_eq!(
        finish(&key, &b, one).expect("0..3").token,
        finish(&key, &b, two).expect("1..4").token
    );

    // Too few logs: the round fails and says so.
    let err = observe(&round, &logs[..1]).expect_err("one dealer is not enough");
    assert!(err.to_string().starts_with("the key round failed"), "{err}");
}
