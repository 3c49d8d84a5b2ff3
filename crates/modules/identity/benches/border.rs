//! What a border post pays: verifying a trust bundle (checkpoint, every entry's canonical
//! form and inclusion proof, the rules replayed) with 100 and 1 000 revocations; verifying
//! the two presented credentials' standing (state proofs) beside as many; and one border
//! check (two SD-JWT presentations with key binding, statuses, missing flags) from each.
#![allow(clippy::disallowed_methods)] // test keys come from randomness; the rule binds execution
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use unchain_credentials::did::multikey;
use unchain_credentials::sdjwt;
use unchain_identity::border::{self, Challenge, Verdict};
use unchain_identity::credential::{self, CHILD, Draft, GUARDIAN_LINK};
use unchain_identity::rules::did_of;
use unchain_identity::standing::{self, StandingBundle};
use unchain_identity::trust::{self, TrustBundle};
use unchain_identity::{IdentityModule, did};
use unchain_ledger::Role;
use unchain_testkit::{Chain, Org};
use unchain_types::SigningKey;
use unchain_vault::VaultModule;

struct Setup {
    bundle: TrustBundle,
    standing: StandingBundle,
    child: String,
    adult: String,
    now_ms: u64,
}

/// A registry that issued `revoked + 2` credentials and revoked `revoked` of them, 100 per
/// block; a child credential and a guardian link presented at a border post.
fn setup(dir: &std::path::Path, revoked: u32) -> Setup {
    let mut org = Org::new(
        "bench",
        1,
        "th-registry",
        &[Role::Governance, Role::Records, Role::Identity],
    );
    let mut c = Chain::new(dir, &[&org], |g| {
        vec![Arc::new(VaultModule::new(g)), Arc::new(IdentityModule)]
    });
    let key = SigningKey::from_seed([11; 32]);
    let tx = org.tx(
        "identity.did_create",
        json!({"key": multikey(&key.public_key()), "label": "registry", "at_ms": c.time_ms + 1000}),
    );
    c.ok(&tx);
    let issuer = did(&c.ledger.state_reader().expect("r"), &did_of(&tx.id()))
        .expect("read")
        .expect("did");
    let (record, _) = c.seal(&mut org, "child", "identity.child", b"sealed");
    let child_id = "c-00000000000000000001";
    c.ok(&org.tx(
        "identity.child_register",
        json!({"child": child_id, "record": record.to_hex(), "at_ms": c.time_ms + 1000}),
    ));
    let (child_key, guardian_key) = (
        SigningKey::from_seed([21; 32]),
        SigningKey::from_seed([22; 32]),
    );
    let now = c.time_ms / 1000;
    let mut creds = Vec::new();
    for (idx, vct, holder) in [(0, CHILD, &child_key), (1, GUARDIAN_LINK, &guardian_key)] {
        let mut always = Map::new();
        always.insert("child_id".into(), child_id.into());
        let issued = credential::issue(
            &issuer,
            &key,
            &Draft {
                vct: vct.into(),
                idx,
                status_origin: None,
                holder: holder.public_key(),
                iat: now,
                nbf: None,
                exp: now + 86_400,
                always,
                selective: vec![("given_name".into(), Value::from("x"))],
            },
            &mut rand::thread_rng(),
        );
        c.ok(&org.tx("identity.issue", json!({"issuer": issuer.did, "idx": idx, "vct": vct, "digest": issued.digest.to_hex(), "child": child_id, "at_ms": c.time_ms + 1000})));
        creds.push(issued.sd_jwt);
    }
    for chunk in (2..revoked + 2).collect::<Vec<_>>().chunks(100) {
        let mut txs = Vec::new();
        for &idx in chunk {
            txs.push(org.tx("identity.issue", json!({"issuer": issuer.did, "idx": idx, "vct": GUARDIAN_LINK, "digest": "00".repeat(32), "at_ms": c.time_ms + 1000})));
        }
        let refs: Vec<_> = txs.iter().collect();
        assert!(c.apply(&refs).iter().all(Option::is_none));
        let mut txs = Vec::new();
        for &idx in chunk {
            txs.push(org.tx("identity.status", json!({"issuer": issuer.did, "idx": idx, "status": "revoked", "reason": "bench", "at_ms": c.time_ms + 1000})));
        }
        let refs: Vec<_> = txs.iter().collect();
        assert!(c.apply(&refs).iter().all(Option::is_none));
    }
    let (note, size) = c.checkpoint();
    let now = c.time_ms / 1000;
    let both = [(issuer.did.clone(), 0), (issuer.did.clone(), 1)];
    Setup {
        bundle: trust::build(&c.ledger, note.clone(), size, c.time_ms).expect("bundle"),
        standing: standing::build(&c.ledger, note, size, &both, c.time_ms).expect("standing"),
        child: sdjwt::present(&creds[0], &[], &child_key, "post", "n", now).expect("present"),
        adult: sdjwt::present(&creds[1], &["given_name"], &guardian_key, "post", "n", now)
            .expect("present"),
        now_ms: c.time_ms,
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("identity");
    for revoked in [100u32, 1000] {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = setup(dir.path(), revoked);
        let validators: Vec<_> = s
            .bundle
            .envelope
            .validators
            .iter()
            .map(|v| v.verifier())
            .collect();
        eprintln!(
            "trust bundle with {revoked} revocations: {} entries, {} bytes of JSON",
            s.bundle.entries.len(),
            serde_json::to_vec(&s.bundle).expect("json").len()
        );
        eprintln!(
            "standing of the two presented credentials beside {revoked} revocations: {} proofs, {} bytes of JSON",
            s.standing.state.proofs.len(),
            serde_json::to_vec(&s.standing).expect("json").len()
        );
        group.throughput(Throughput::Elements(u64::from(revoked)));
        group.bench_with_input(
            BenchmarkId::new("verify_trust_bundle_revocations", revoked),
            &s.bundle,
            |b, bundle| b.iter(|| trust::verify(bundle, &validators, 1).expect("verifies")),
        );
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(
            BenchmarkId::new("verify_standing_beside_revocations", revoked),
            &s.standing,
            |b, standing| b.iter(|| standing::verify(standing, &validators, 1).expect("verifies")),
        );
        if revoked == 1000 {
            let state = trust::verify(&s.bundle, &validators, 1).expect("verifies");
            let ch = Challenge {
                aud: "post",
                nonce: "n",
                now_ms: s.now_ms,
                max_presentation_age_s: 300,
            };
            group.bench_function("border_check", |b| {
                b.iter(|| {
                    let r = border::check(&state, &s.child, &s.adult, &ch, u64::MAX);
                    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.reasons);
                })
            });
            let proven = standing::verify(&s.standing, &validators, 1).expect("verifies");
            group.bench_function("border_check_from_standing", |b| {
                b.iter(|| {
                    let r = border::check(&proven, &s.child, &s.adult, &ch, u64::MAX);
                    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.reasons);
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
