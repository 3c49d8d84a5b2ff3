//! The ledger and a border post agree: for random histories of key rotations, issuances,
//! status changes and missing flags — sent by random organisations, most of them against
//! the rules — the trust bundle replayed offline gives exactly the statuses, flags and key
//! histories the ledger holds, and revocation stays final on both sides; and each
//! credential's standing, proven against the cosigned state root, says the same.

use proptest::prelude::*;
use serde_json::json;
use std::sync::Arc;
use unchain_credentials::did::multikey;
use unchain_credentials::status::Status;
use unchain_identity::rules::did_of;
use unchain_identity::{IdentityModule, child, did, issued_by};
use unchain_identity::{standing, trust};
use unchain_ledger::Role;
use unchain_testkit::{Chain, Org};
use unchain_types::SigningKey;
use unchain_vault::VaultModule;

#[derive(Debug, Clone)]
enum Op {
    /// Org `by` issues the next credential of DID `did` (about child `child`).
    Issue {
        by: usize,
        did: usize,
        child: Option<usize>,
    },
    /// Org `by` sets credential `idx` of DID `did` to `status`.
    SetStatus {
        by: usize,
        did: usize,
        idx: u32,
        status: u8,
    },
    /// Org `by` flags child `child` missing or found.
    Flag {
        by: usize,
        child: usize,
        missing: bool,
    },
    /// Org `by` rotates DID `did`, maybe reporting the old key compromised.
    Rotate {
        by: usize,
        did: usize,
        compromised: bool,
    },
    /// Org `by` deactivates DID `did`.
    Deactivate { by: usize, did: usize },
}

/// An organisation: 3 and 4 stand for the DID's controller, so that most issuances and
/// status changes are by the organisation allowed to make them.
fn by(did: usize, pick: usize) -> usize {
    if pick >= 3 { did } else { pick }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0..5usize, 0..2usize, proptest::option::of(0..2usize))
            .prop_map(|(pick, did, child)| Op::Issue { by: by(did, pick), did, child }),
        8 => (0..5usize, 0..2usize, 0..4u32, 0..3u8)
            .prop_map(|(pick, did, idx, status)| Op::SetStatus { by: by(did, pick), did, idx, status }),
        3 => (0..3usize, 0..2usize, any::<bool>()).prop_map(|(by, child, missing)| Op::Flag { by, child, missing }),
        1 => (0..5usize, 0..2usize, any::<bool>()).prop_map(|(pick, did, compromised)| Op::Rotate { by: by(did, pick), did, compromised }),
        1 => (0..3usize, 0..2usize).prop_map(|(by, did)| Op::Deactivate { by, did }),
    ]
}

const STATUS: [&str; 3] = ["valid", "revoked", "suspended"];

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("tmp");
    let roles = [Role::Governance, Role::Records, Role::Identity];
    let mut orgs = [
        Org::new("replay", 1, "th-registry", &roles),
        Org::new("replay", 2, "th-police", &roles),
        Org::new("replay", 3, "ph-dswd", &roles),
    ];
    let refs: Vec<&Org> = orgs.iter().collect();
    let mut c = Chain::new(dir.path(), &refs, |g| {
        vec![Arc::new(VaultModule::new(g)), Arc::new(IdentityModule)]
    });
    // Two DIDs (registry's and police's) and two children, registered by the registry.
    let mut dids = Vec::new();
    for (i, org) in orgs.iter_mut().take(2).enumerate() {
        let key = SigningKey::from_seed([40 + i as u8; 32]);
        let tx = org.tx(
            "identity.did_create",
            json!({"key": multikey(&key.public_key()), "label": "issuer", "at_ms": c.time_ms + 1000}),
        );
        c.ok(&tx);
        dids.push(did_of(&tx.id()));
    }
    let children = ["c-00000000000000000001", "c-00000000000000000002"];
    for (i, ch) in children.iter().enumerate() {
        let (record, _) = c.seal(
            &mut orgs[0],
            &format!("child-{i}"),
            "identity.child",
            b"sealed",
        );
        let tx = orgs[0].tx(
            "identity.child_register",
            json!({"child": ch, "record": record.to_hex(), "at_ms": c.time_ms + 1000}),
        );
        c.ok(&tx);
    }
    let mut next_key = 60u8;
    for op in ops {
        let at = c.time_ms + 1000;
        let (by, kind, body) = match op {
            Op::Issue {
                by,
                did: d,
                child: ch,
            } => {
                let next =
                    unchain_identity::next_index(&c.ledger.state_reader().expect("r"), &dids[*d])
                        .expect("read")
                        .expect("a free index");
                let mut body = json!({"issuer": dids[*d], "idx": next, "vct": "urn:unchain:vct:guardian-link:1",
                                      "digest": "ab".repeat(32), "at_ms": at});
                if let Some(ch) = ch {
                    body["child"] = children[*ch].into();
                }
                (*by, "identity.issue", body)
            }
            Op::SetStatus {
                by,
                did: d,
                idx,
                status,
            } => (
                *by,
                "identity.status",
                json!({"issuer": dids[*d], "idx": idx, "status": STATUS[*status as usize], "reason": "r", "at_ms": at}),
            ),
            Op::Flag {
                by,
                child: ch,
                missing,
            } => (
                *by,
                "identity.missing",
                json!({"child": children[*ch], "missing": missing, "reason": "r", "at_ms": at}),
            ),
            Op::Rotate {
                by,
                did: d,
                compromised,
            } => {
                next_key += 1;
                let key = SigningKey::from_seed([next_key; 32]);
                let mut body =
                    json!({"did": dids[*d], "key": multikey(&key.public_key()), "at_ms": at});
                if *compromised {
                    body["compromised"] = true.into();
                }
                (*by, "identity.did_rotate", body)
            }
            Op::Deactivate { by, did: d } => (
                *by,
                "identity.did_deactivate",
                json!({"did": dids[*d], "reason": "r", "at_ms": at}),
            ),
        };
        let tx = orgs[by].tx(kind, body);
        if c.apply(&[&tx])[0].is_some() {
            orgs[by].nonce -= 1;
        }
    }

    let (note, size) = c.checkpoint();
    let bundle = trust::build(&c.ledger, note.clone(), size, c.time_ms).expect("build");
    let validators: Vec<_> = bundle
        .envelope
        .validators
        .iter()
        .map(|v| v.verifier())
        .collect();
    let state = trust::verify(&bundle, &validators, 1).expect("the bundle verifies");
    let r = c.ledger.state_reader().expect("r");
    for d in &dids {
        let on_chain = did(&r, d).expect("read").expect("did");
        prop_assert_eq!(Some(&on_chain), state.dids.get(d), "DID {}", d);
        for i in issued_by(&r, d).expect("read") {
            let (status, change) = state.status(d, i.idx).expect("a replay covers all");
            prop_assert_eq!(status, i.status, "{}#{}", d, i.idx);
            prop_assert_eq!(
                change.map(|c| c.log_index),
                i.changes.last().map(|c| c.log_index)
            );
            // The credential's standing, proven against the state root, says the same —
            // and covers that credential, its issuer and its child, and nothing else.
            let standing = standing::build(
                &c.ledger,
                note.clone(),
                size,
                &[(d.clone(), i.idx)],
                c.time_ms,
            )
            .expect("build a standing");
            let proven =
                standing::verify(&standing, &validators, 1).expect("the standing verifies");
            let (p_status, p_change) = proven.status(d, i.idx).expect("covered");
            prop_assert_eq!(p_status, status, "standing of {}#{}", d, i.idx);
            prop_assert_eq!(p_change.map(|c| c.log_index), change.map(|c| c.log_index));
            prop_assert_eq!(proven.dids.get(d), Some(&on_chain));
            prop_assert!(proven.status(d, i.idx + 1000).is_err());
            if let Some(ch) = &i.child {
                let flag = proven.missing(ch).expect("the child is covered");
                prop_assert_eq!(
                    flag.is_some(),
                    state.missing(ch).expect("replayed").is_some()
                );
            }
            prop_assert!(proven.missing("c-not-covered").is_err());
            // Revocation is final: nothing follows a revocation in the history.
            if let Some(pos) = i.changes.iter().position(|c| c.status == Status::Revoked) {
                prop_assert_eq!(pos, i.changes.len() - 1);
            }
        }
    }
    for ch in children {
        let on_chain = child(&r, ch).expect("read").expect("child");
        prop_assert_eq!(
            on_chain.missing(),
            state.missing(ch).expect("a replay covers all").is_some(),
            "child {}",
            ch
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn the_offline_replay_agrees_with_the_ledger(ops in proptest::collection::vec(op(), 1..40)) {
        run(&ops)?;
    }
}
