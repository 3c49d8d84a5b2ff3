//! The threshold token key on a real ledger: a key round run by four members through
//! transactions, tokens evaluated blind by a threshold of them, HMAC-era tokens migrated
//! and refused, and a member with everything its node holds unable to compute a token.

use rand::{SeedableRng, rngs::StdRng};
use serde_json::{Value, json};
use std::sync::Arc;
use unchain_ledger::Role;
use unchain_seal::blind::normalize;
use unchain_seal::{IdentifierKind, MatchingKey, matching_key_info};
use unchain_testkit::{Chain, Org};
use unchain_tokens::{Blinded, FinishError, GroupKey, Partial, Share, evaluate, finish, input};
use unchain_types::Hash32;
use unchain_vault::VaultModule;
use unchain_vault::client::Me;
use unchain_vault::state;
use unchain_vault::token_client::{BlindBatch, KeyHolder, current_threshold_key};
use unchain_vault::token_key::{self, EVALUATIONS_PER_DAY};

const CHAIN: &str = "vault-test";
const PHONE: &str = "+66 81 234 5678";

fn org(seed: u8, name: &str) -> Org {
    Org::new(CHAIN, seed, name, &[Role::Governance, Role::Records])
}

fn holder(o: &Org) -> KeyHolder<'_> {
    KeyHolder {
        me: Me {
            chain_id: CHAIN,
            name: &o.name,
            secret: &o.enc,
        },
        signing_seed: o.key.seed(),
    }
}

/// The shares of `orgs` (each a player) of matching epoch `epoch`'s key.
fn shares_of(reader: &unchain_ledger::StateReader, orgs: &[&Org], epoch: u32) -> Vec<Share> {
    orgs.iter()
        .map(|o| {
            holder(o)
                .share(reader, epoch)
                .expect("share")
                .expect("a player")
        })
        .collect()
}

/// Every member submits what its key-round actor would, until nobody has anything left.
fn run_round(chain: &mut Chain, orgs: &mut [&mut Org], publish_logs: bool) {
    loop {
        let mut txs = Vec::new();
        for o in orgs.iter_mut() {
            let steps = {
                let reader = chain.ledger.state_reader().expect("reader");
                holder(o).next_steps(&reader, publish_logs).expect("steps")
            };
            for (kind, body) in steps {
                txs.push(o.tx(kind, body));
            }
        }
        if txs.is_empty() {
            return;
        }
        for tx in &txs {
            chain.ok(tx);
        }
    }
}

fn phone_input() -> Vec<u8> {
    let normal = normalize(IdentifierKind::Phone, PHONE, None).expect("phone");
    input(IdentifierKind::Phone.as_str(), &normal)
}

/// Blind evaluation of `m` by the members holding `shares`.
fn evaluate_with(key: &GroupKey, shares: &[Share], m: &[u8]) -> Result<Hash32, FinishError> {
    let blinded = Blinded::new(m, &mut StdRng::seed_from_u64(9));
    let partials: Vec<Partial> = shares
        .iter()
        .map(|s| evaluate(s, &blinded.request()))
        .collect();
    finish(key, &blinded, partials).map(|e| e.token)
}

fn seal_body(id: Hash32, owner: &Org, tokens: Value) -> Value {
    let key = unchain_seal::ContentKey::generate();
    let ciphertext = unchain_seal::seal_payload(&key, &id, 1, b"{}");
    let info = unchain_seal::record_key_info(CHAIN, &id, 1, &owner.name);
    json!({
        "record": id.to_hex(),
        "version": 1,
        "schema": "htcds.person",
        "commitment": unchain_seal::commitment(&ciphertext).to_hex(),
        "size": ciphertext.len(),
        "recipients": {owner.name.clone(): unchain_seal::WrappedKey::wrap_content_key(&key, &owner.enc.public_key(), &info).to_hex()},
        "policy": {"retention_days": 365, "consent_required": false},
        "tokens": tokens,
    })
}

#[test]
fn members_make_a_key_no_one_holds_and_a_threshold_evaluates_tokens_blind() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut police = org(1, "th-police");
    let mut ngo = org(2, "th-ngo");
    let mut naptip = org(3, "ng-naptip");
    let mut labour = org(4, "th-labour");
    let mut chain = Chain::new(dir.path(), &[&police, &ngo, &naptip, &labour], |g| {
        vec![Arc::new(VaultModule::new(g))]
    });
    let hmac = {
        let grant = chain.genesis.matching_key.as_ref().expect("genesis key");
        MatchingKey::from_bytes(
            grant.wrapped[&police.name]
                .unwrap(
                    &police.enc,
                    &matching_key_info(CHAIN, grant.epoch, &police.name),
                )
                .expect("police's copy"),
        )
    };
    // Before the threshold key: police seals with an HMAC-era token (epoch 1).
    let old_record = Hash32([0x31; 32]);
    let hmac_token = hmac
        .blind(IdentifierKind::Phone, PHONE, None)
        .expect("phone");
    chain.ok(&police.tx(
        "vault.seal",
        seal_body(
            old_record,
            &police,
            json!([{"kind": "phone", "epoch": 1, "token": hmac_token.to_hex()}]),
        ),
    ));

    // Governance opens round 0; a wrong round number and an unknown player are refused.
    let players = json!(["th-police", "th-ngo", "ng-naptip", "th-labour"]);
    let why = chain.refused(
        &mut police,
        "vault.token_key_round",
        json!({"round": 1, "players": players}),
    );
    assert!(why.contains("round must be 0"), "{why}");
    let why = chain.refused(
        &mut police,
        "vault.token_key_round",
        json!({"round": 0, "players": ["th-police", "nobody"]}),
    );
    assert!(why.contains("players[1]: nobody is not a member"), "{why}");
    chain.ok(&police.tx(
        "vault.token_key_round",
        json!({"round": 0, "players": players}),
    ));

    // Finishing before any log: refused, naming why.
    let why = chain.refused(&mut police, "vault.token_key_finish", json!({"round": 0}));
    assert!(
        why.contains("cannot finish with the 0 logs on record"),
        "{why}"
    );

    // Every member deals, acknowledges and logs, as its node would.
    run_round(
        &mut chain,
        &mut [&mut police, &mut ngo, &mut naptip, &mut labour],
        false,
    );
    {
        let reader = chain.ledger.state_reader().expect("reader");
        let m = token_key::messages(&reader, 0).expect("messages");
        assert_eq!((m.deals.len(), m.logs.len()), (4, 4));
        assert!(
            m.acks.values().all(|a| a.len() == 4),
            "every player acknowledged every dealing"
        );
        // No share and no secret on the ledger: the dealings' evaluations are sealed.
        for deal in m.deals.values() {
            assert_eq!(deal.shares.len(), 4);
        }
    }
    // A second dealing by the same dealer is refused.
    let why = chain.refused(
        &mut ngo,
        "vault.token_key_log",
        json!({"round": 0, "log": "00"}),
    );
    assert!(why.contains("already published its log"), "{why}");
    chain.ok(&labour.tx("vault.token_key_finish", json!({"round": 0})));

    let reader = chain.ledger.state_reader().expect("reader");
    let (epoch, key, holders) = current_threshold_key(&reader)
        .expect("read")
        .expect("a threshold key");
    assert_eq!(
        epoch, 2,
        "the first threshold key follows the genesis HMAC epoch"
    );
    assert_eq!(holders.len(), 4);
    assert_eq!(key.required::<commonware_utils::N3f1>(), 3);
    let shares = shares_of(&reader, &[&police, &ngo, &naptip, &labour], epoch);
    drop(reader);

    // NGO announces its evaluations, then three members answer blind.
    chain.ok(&ngo.tx(
        "vault.token_evaluations",
        json!({"epoch": 2, "count": 1, "batch": Hash32([1; 32]).to_hex()}),
    ));
    let m = phone_input();
    let token = evaluate_with(&key, &shares[1..], &m).expect("three members");
    assert_eq!(
        evaluate_with(&key, &shares[..3], &m).expect("three others"),
        token
    );
    // The sealing client's path: identifiers blinded in a batch, the holders' answers
    // combined — one holder answering with another's partial is named and left out.
    let batch =
        BlindBatch::new(&[(IdentifierKind::Phone, "081-234-5678")], Some("TH")).expect("blind");
    let requests: Vec<unchain_tokens::Request> = batch
        .requests()
        .iter()
        .map(|h| unchain_tokens::Request::from_hex(h).expect("request"))
        .collect();
    let mut answers: Vec<(u32, Vec<String>)> = shares
        .iter()
        .map(|s| {
            (
                s.index.get(),
                requests
                    .iter()
                    .map(|r| evaluate(s, r).value_hex())
                    .collect(),
            )
        })
        .collect();
    answers[3].1 = answers[2].1.clone();
    let (tokens, notes) = batch
        .finish(2, &unchain_tokens::group_key_to_hex(&key), &answers)
        .expect("finish");
    assert_eq!(tokens[0].token, token, "the same phone written another way");
    assert_eq!(tokens[0].epoch, 2);
    let liar = answers[3].0;
    assert_eq!(
        notes,
        vec![format!(
            "member {liar}: the answer does not verify against its public share"
        )]
    );
    answers.truncate(2);
    let err = batch
        .finish(2, &unchain_tokens::group_key_to_hex(&key), &answers)
        .expect_err("two of four");
    assert!(
        err.to_string()
            .contains("2 valid answers of the 3 the key needs"),
        "{err}"
    );

    let new_record = Hash32([0x32; 32]);
    chain.ok(&ngo.tx(
        "vault.seal",
        seal_body(
            new_record,
            &ngo,
            json!([{"kind": "phone", "epoch": 2, "token": token.to_hex()}]),
        ),
    ));

    // HMAC-era tokens are refused now, and the shared key cannot be rotated any more.
    let old_era = seal_body(
        Hash32([0x33; 32]),
        &ngo,
        json!([{"kind": "phone", "epoch": 1, "token": hmac_token.to_hex()}]),
    );
    let why = chain.refused(&mut ngo, "vault.seal", old_era);
    assert!(why.contains("the current matching-key epoch is 2"), "{why}");
    let why = chain.refused(
        &mut police,
        "vault.rotate_matching_key",
        json!({"epoch": 3, "wrapped": {}}),
    );
    assert!(why.contains("the shared matching key is retired"), "{why}");

    // Police re-derives its old record's token under the threshold key: the records match.
    chain.ok(&police.tx(
        "vault.token_evaluations",
        json!({"epoch": 2, "count": 1, "batch": Hash32([2; 32]).to_hex()}),
    ));
    chain.ok(&police.tx(
        "vault.retoken",
        json!({"record": old_record.to_hex(), "tokens": [{"kind": "phone", "epoch": 2, "token": token.to_hex()}]}),
    ));
    let reader = chain.ledger.state_reader().expect("reader");
    let alerts = state::alerts(&reader, "th-police").expect("alerts");
    assert!(
        alerts
            .iter()
            .any(|a| a.record == old_record && a.other_record == new_record),
        "{alerts:?}"
    );

    // The attack: police, with everything its node holds — its share, the retired HMAC
    // key, the whole state — tries to compute the token of the phone number.
    assert_ne!(
        hmac_token, token,
        "the HMAC key computes nothing on chain now"
    );
    let tokens_on_chain: Vec<Hash32> = state::record(&reader, &new_record)
        .expect("read")
        .expect("record")
        .record
        .tokens
        .iter()
        .map(|t| t.token)
        .collect();
    assert_eq!(tokens_on_chain, vec![token]);
    for coalition in [&shares[..1], &shares[..2]] {
        match evaluate_with(&key, coalition, &m) {
            Err(FinishError::TooFew {
                valid, needed: 3, ..
            }) => assert_eq!(valid, coalition.len()),
            other => panic!("{} members gave {other:?}", coalition.len()),
        }
    }
    // What one share computes on the unblinded input is not the token either.
    let own = evaluate(
        &shares[0],
        &unchain_tokens::Request::from_hex(
            &Blinded::new(&m, &mut StdRng::seed_from_u64(1))
                .request()
                .to_hex(),
        )
        .expect("request"),
    );
    assert_ne!(unchain_tokens::token_of(&own.value), token);

    // Who asked for how many evaluations is on the ledger for everyone.
    let counts = token_key::evaluation_counts(&reader).expect("counts");
    let names: Vec<(&str, u64)> = counts.iter().map(|(n, _, c)| (n.as_str(), *c)).collect();
    assert_eq!(names, vec![("th-ngo", 1), ("th-police", 1)]);
    drop(reader);
    // The daily limit holds, and a batch is announced once.
    let why = chain.refused(
        &mut ngo,
        "vault.token_evaluations",
        json!({"epoch": 2, "count": EVALUATIONS_PER_DAY, "batch": Hash32([3; 32]).to_hex()}),
    );
    assert!(
        why.contains("has announced 1 blind evaluations today"),
        "{why}"
    );
    let why = chain.refused(
        &mut ngo,
        "vault.token_evaluations",
        json!({"epoch": 2, "count": 1, "batch": Hash32([1; 32]).to_hex()}),
    );
    assert!(why.contains("already announced batch"), "{why}");
    let reader = chain.ledger.state_reader().expect("reader");
    let batch = token_key::announced_batch(&reader, "th-ngo", &Hash32([1; 32]))
        .expect("read")
        .expect("announced");
    assert_eq!((batch.count, batch.epoch), (1, 2));
}

#[test]
fn resharing_to_new_members_keeps_tokens_and_rotation_changes_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut a = org(1, "org-a");
    let mut b = org(2, "org-b");
    let mut c = org(3, "org-c");
    let mut d = org(4, "org-d");
    let mut e = org(5, "org-e");
    let f = Org::new(CHAIN, 6, "org-f", &[Role::Governance]);
    let mut chain = Chain::new(dir.path(), &[&a, &b, &c, &d, &e, &f], |g| {
        vec![Arc::new(VaultModule::new(g))]
    });
    let why = chain.refused(
        &mut a,
        "vault.token_key_round",
        json!({"round": 0, "players": ["org-a", "org-f"]}),
    );
    assert!(
        why.contains("players[1]: org-f lacks the records role"),
        "{why}"
    );
    chain.ok(&a.tx(
        "vault.token_key_round",
        json!({"round": 0, "players": ["org-a", "org-b", "org-c", "org-d"]}),
    ));
    run_round(&mut chain, &mut [&mut a, &mut b, &mut c, &mut d], false);
    chain.ok(&a.tx("vault.token_key_finish", json!({"round": 0})));
    let m = phone_input();
    let (key0, token0) = {
        let reader = chain.ledger.state_reader().expect("reader");
        let (epoch, key, _) = current_threshold_key(&reader).expect("read").expect("key");
        let shares = shares_of(&reader, &[&a, &b, &c], epoch);
        (
            key.clone(),
            evaluate_with(&key, &shares, &m).expect("token"),
        )
    };

    // org-a leaves the key holders, org-e joins: a resharing. org-e cannot deal (it holds
    // no share), and is refused if it tries.
    chain.ok(&b.tx(
        "vault.token_key_round",
        json!({"round": 1, "players": ["org-b", "org-c", "org-d", "org-e"], "reshare": true}),
    ));
    let borrowed = {
        let reader = chain.ledger.state_reader().expect("reader");
        token_key::messages(&reader, 0).expect("round 0").deals["org-a"].clone()
    };
    let why = chain.refused(
        &mut e,
        "vault.token_key_deal",
        json!({"round": 1, "commitment": borrowed.commitment, "shares": borrowed.shares}),
    );
    assert!(
        why.contains("org-e is not a dealer of key round 1"),
        "{why}"
    );
    run_round(
        &mut chain,
        &mut [&mut a, &mut b, &mut c, &mut d, &mut e],
        false,
    );
    chain.ok(&b.tx("vault.token_key_finish", json!({"round": 1})));
    let reader = chain.ledger.state_reader().expect("reader");
    let (epoch, key1, holders) = current_threshold_key(&reader).expect("read").expect("key");
    assert_eq!(epoch, 2, "a resharing keeps the epoch");
    assert_eq!(key1.public(), key0.public(), "and the group key");
    assert!(!holders.contains(&"org-a".to_string()));
    assert!(
        holder(&a).share(&reader, epoch).expect("read").is_none(),
        "org-a holds no share now"
    );
    let shares = shares_of(&reader, &[&c, &d, &e], epoch);
    assert_eq!(
        evaluate_with(&key1, &shares, &m).expect("token"),
        token0,
        "tokens stay valid"
    );
    drop(reader);

    // A fresh round rotates: a new epoch, a new key, another token for the same phone.
    chain.ok(&b.tx(
        "vault.token_key_round",
        json!({"round": 2, "players": ["org-b", "org-c", "org-d", "org-e"]}),
    ));
    run_round(&mut chain, &mut [&mut b, &mut c, &mut d, &mut e], false);
    chain.ok(&c.tx("vault.token_key_finish", json!({"round": 2})));
    let reader = chain.ledger.state_reader().expect("reader");
    let (epoch, key2, _) = current_threshold_key(&reader).expect("read").expect("key");
    assert_eq!(epoch, 3);
    let shares = shares_of(&reader, &[&b, &c, &d], epoch);
    assert_ne!(evaluate_with(&key2, &shares, &m).expect("token"), token0);
}

#[test]
fn a_silent_player_does_not_stop_a_round_once_dealers_publish_their_logs() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut a = org(1, "org-a");
    let mut b = org(2, "org-b");
    let mut c = org(3, "org-c");
    let d = org(4, "org-d");
    let mut chain = Chain::new(dir.path(), &[&a, &b, &c, &d], |g| {
        vec![Arc::new(VaultModule::new(g))]
    });
    chain.ok(&a.tx(
        "vault.token_key_round",
        json!({"round": 0, "players": ["org-a", "org-b", "org-c", "org-d"]}),
    ));
    // org-d never takes part: without it nobody logs (they wait for its acknowledgement)…
    run_round(&mut chain, &mut [&mut a, &mut b, &mut c], false);
    let why = chain.refused(&mut a, "vault.token_key_finish", json!({"round": 0}));
    assert!(why.contains("cannot finish with the 0 logs"), "{why}");
    // …until their wait is over: they publish logs revealing org-d's evaluations.
    run_round(&mut chain, &mut [&mut a, &mut b, &mut c], true);
    chain.ok(&a.tx("vault.token_key_finish", json!({"round": 0})));
    let reader = chain.ledger.state_reader().expect("reader");
    let (epoch, key, _) = current_threshold_key(&reader).expect("read").expect("key");
    let shares = shares_of(&reader, &[&a, &b, &c], epoch);
    evaluate_with(&key, &shares, &phone_input()).expect("the three who took part evaluate tokens");
}
