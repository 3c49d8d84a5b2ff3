//! Erasable members travel in a sidecar: never in the leaf, always bound to the signature.

use serde_json::{Value, json};
use unchain_types::canonical;
use unchain_types::sidecar::{Sidecar, erasable_fields};
use unchain_types::{SigningKey, Transaction, TxError, UnsignedTransaction};

const TOKEN: &str = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";
const WRAPPED: &str = "wrapped-key-bytes-for-the-recipient";

fn key(seed: u8) -> SigningKey {
    SigningKey::from_seed([seed; 32])
}

fn seal_body() -> Value {
    json!({
        "record": "11".repeat(32),
        "version": 1,
        "schema": "htcds.person",
        "commitment": "22".repeat(32),
        "size": 100,
        "recipients": {"ngo-a": WRAPPED},
        "tokens": [{"kind": "phone", "token": TOKEN, "epoch": 1}],
    })
}

fn seal(seed: u8, body: Value) -> Transaction {
    UnsignedTransaction {
        chain_id: "test-chain".into(),
        sender: key(seed).public_key(),
        nonce: 4,
        kind: "vault.seal".into(),
        body,
    }
    .sign(&key(seed))
    .expect("sign")
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn erasable_members_leave_the_leaf_and_come_back_from_the_wire() {
    let tx = seal(1, seal_body());
    tx.verify_signature().expect("signature");
    let sidecar = tx.sidecar().expect("a sidecar");
    assert_eq!(tx.erasable(), Some(sidecar.digest()));
    // The leaf and the signed bytes hold neither the token nor the wrapped key.
    for bytes in [tx.leaf_bytes(), tx.signing_bytes()] {
        assert!(!contains(bytes, TOKEN), "a token in the leaf");
        assert!(!contains(bytes, WRAPPED), "a wrapped key in the leaf");
        assert!(contains(bytes, &sidecar.digest().to_hex()));
    }
    // The wire form carries them, and is the JCS form of the whole object.
    assert!(contains(tx.wire_bytes(), TOKEN));
    let mut whole: Value = serde_json::from_slice(tx.leaf_bytes()).expect("json");
    whole["sidecar"] = sidecar.to_value();
    assert_eq!(
        tx.wire_bytes(),
        canonical::to_canonical_bytes(&whole).expect("jcs")
    );
    // A module reads the body as the client wrote it.
    assert_eq!(tx.body(), &seal_body());
    let back = Transaction::parse(tx.wire_bytes()).expect("wire parses");
    assert_eq!(back, tx);
    assert_eq!(back.id(), tx.id());
    back.verify_signature().expect("still valid");
}

#[test]
fn a_leaf_alone_lacks_its_sidecar_until_the_right_one_is_joined() {
    let tx = seal(1, seal_body());
    let leaf = Transaction::parse(tx.leaf_bytes()).expect("leaf parses");
    assert!(leaf.lacks_sidecar());
    assert_eq!(leaf.id(), tx.id());
    assert!(leaf.body().get("tokens").is_none());
    let stored = Sidecar::from_bytes(tx.sidecar().expect("sidecar").bytes()).expect("stored");
    let joined = leaf.clone().with_sidecar(stored).expect("joins");
    assert!(!joined.lacks_sidecar());
    assert_eq!(joined.body(), &seal_body());
    assert_eq!(joined.wire_bytes(), tx.wire_bytes());

    // Another sidecar — another token, or the same fields under another salt — is refused.
    let mut other = tx.sidecar().expect("sidecar").fields().clone();
    other["tokens"][0]["token"] = json!("77".repeat(32));
    let changed = Sidecar::new(tx.sidecar().expect("sidecar").salt(), other).expect("sidecar");
    let err = leaf
        .clone()
        .with_sidecar(changed)
        .expect_err("changed fields");
    assert!(
        err.to_string()
            .starts_with("field `sidecar`: its digest is"),
        "{err}"
    );
    let resalted =
        Sidecar::new([9; 32], tx.sidecar().expect("sidecar").fields().clone()).expect("sidecar");
    assert!(leaf.with_sidecar(resalted).is_err(), "another salt");
}

#[test]
fn the_salt_hides_the_fields_and_is_the_senders_alone() {
    // The same fields from two senders, or at two nonces, commit to unrelated digests; the
    // same transaction signed twice is the same transaction.
    let a = seal(1, seal_body());
    let b = seal(2, seal_body());
    assert_ne!(a.erasable(), b.erasable());
    assert_eq!(seal(1, seal_body()).id(), a.id());
    let bare =
        Sidecar::new([0; 32], a.sidecar().expect("sidecar").fields().clone()).expect("sidecar");
    assert_ne!(
        Some(bare.digest()),
        a.erasable(),
        "the digest depends on the salt"
    );
}

#[test]
fn bad_sidecars_and_inline_members_name_the_field() {
    let tx = seal(1, seal_body());
    let wire: Value = serde_json::from_slice(tx.wire_bytes()).expect("json");
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut v = wire.clone();
                v["sidecar"]["salt"] = json!("00");
                v
            },
            "field `sidecar.salt`: must be 64 hex characters",
        ),
        (
            {
                let mut v = wire.clone();
                v["sidecar"]["extra"] = json!(1);
                v
            },
            "field `sidecar`: member `extra` is not part of a sidecar",
        ),
        (
            {
                let mut v = wire.clone();
                v["sidecar"]["fields"]["schema"] = json!("x");
                v
            },
            "field `sidecar`: its digest is",
        ),
        (
            {
                let mut v = wire.clone();
                v["sidecar"]["fields"] = json!({});
                v
            },
            "field `sidecar.fields`: is empty",
        ),
        (
            {
                let mut v = wire.clone();
                v["body"]["tokens"] = json!([]);
                v
            },
            "field `body`: member `tokens` of vault.seal is erasable",
        ),
        (
            {
                let mut v = wire.clone();
                v["body"]["erasable"] = json!(7);
                v.as_object_mut().expect("object").remove("sidecar");
                v
            },
            "field `body`: member `erasable` must be a string",
        ),
    ];
    for (value, expected) in cases {
        let err = Transaction::from_value(value)
            .expect_err(expected)
            .to_string();
        assert!(
            err.starts_with(expected),
            "expected {expected:?}, got {err:?}"
        );
    }
    // A sidecar on a kind that takes none.
    let anchor = UnsignedTransaction {
        chain_id: "test-chain".into(),
        sender: key(1).public_key(),
        nonce: 1,
        kind: "notary.anchor".into(),
        body: json!({"hash": "ab".repeat(32)}),
    }
    .sign(&key(1))
    .expect("sign");
    assert!(anchor.sidecar().is_none() && anchor.erasable().is_none());
    let mut v: Value = serde_json::from_slice(anchor.leaf_bytes()).expect("json");
    v["sidecar"] = tx.sidecar().expect("sidecar").to_value();
    let err = Transaction::from_value(v).expect_err("no digest");
    assert!(
        matches!(
            err,
            TxError::Field {
                field: "sidecar",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn stored_sidecars_must_be_canonical() {
    let tx = seal(1, seal_body());
    let sidecar = tx.sidecar().expect("sidecar");
    assert_eq!(
        Sidecar::from_bytes(sidecar.bytes()).expect("round trip"),
        *sidecar
    );
    let mut spaced = sidecar.bytes()[..32].to_vec();
    spaced.extend_from_slice(b"{ \"tokens\": [] }");
    let err = Sidecar::from_bytes(&spaced).expect_err("not canonical");
    assert!(err.to_string().contains("canonical"), "{err}");
    assert!(Sidecar::from_bytes(b"short").is_err());
}

#[test]
fn only_the_vault_kinds_have_erasable_members() {
    assert_eq!(
        erasable_fields("vault.seal"),
        ["recipients", "subject", "tokens"]
    );
    assert_eq!(erasable_fields("vault.grant"), ["wrapped_key"]);
    assert_eq!(erasable_fields("vault.retoken"), ["tokens"]);
    assert!(erasable_fields("notary.anchor").is_empty());
    assert!(erasable_fields("vault.erase").is_empty());
}
