//! Writes seeds of real peer messages into the corpora of the targets whose decoders
//! refuse nearly everything at the first length check (`gossip_batch`, `cosign_message`,
//! `vault_message`), so that the fuzzer starts from what nodes actually send:
//!
//! ```sh
//! cargo run -p unchain-fuzzing --example seeds
//! ```
//!
//! Deterministic (fixed keys), so running it again rewrites the same files.

use commonware_codec::Encode as _;
use std::path::Path;
use std::sync::Arc;
use unchain_consensus::blob_sync::BlobMessage;
use unchain_consensus::cosign::CosignMessage;
use unchain_consensus::gossip::encode_batch;
use unchain_types::{Hash32, SigningKey, Transaction, UnsignedTransaction};

fn tx(key: &SigningKey, nonce: u64, kind: &str, body: serde_json::Value) -> Arc<Transaction> {
    Arc::new(
        UnsignedTransaction {
            chain_id: "seed-chain".into(),
            sender: key.public_key(),
            nonce,
            kind: kind.into(),
            body,
        }
        .sign(key)
        .expect("sign"),
    )
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    std::fs::create_dir_all(&dir).expect("corpus directory");
    std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("write seed");
    println!("{target}/seed-{name}: {} bytes", bytes.len());
}

/// Real key-round messages and evaluations among the `token_key` target's fixed members:
/// each seed is the target's selector byte, then the message's bytes.
fn token_key_seeds() {
    use unchain_fuzzing::targets::token_key::fixture;
    let f = fixture();
    let seed = |selector: u8, name: &str, bytes: &[u8]| {
        let mut data = vec![selector];
        data.extend_from_slice(bytes);
        write("token_key", name, &data);
    };
    let unhex = |text: &str| hex::decode(text).expect("hex");
    let blinded = unchain_tokens::Blinded::new(
        &unchain_tokens::input("phone", "+66812345678"),
        &mut <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1),
    );
    let request = blinded.request();
    seed(0, "request", &unhex(&request.to_hex()));
    let partial = unchain_tokens::evaluate(&f.shares[0], &request);
    let mut p = vec![0u8];
    p.extend(unhex(&partial.value_hex()));
    seed(1, "partial", &p);
    let dealing = unchain_tokens::deal(&f.round, &f.signers[0], None, &[1; 32]).expect("deal");
    seed(2, "commitment", &unhex(&dealing.commitment));
    let private = dealing.private[1].1;
    let mut ack_input = private.to_vec();
    ack_input.extend(unhex(&dealing.commitment));
    seed(5, "dealing", &ack_input);
    let log =
        unchain_tokens::dealer_log(&f.round, &f.signers[0], None, &[1; 32], &[]).expect("log");
    seed(3, "log", &unhex(&log));
    seed(
        4,
        "group-key",
        &unhex(&unchain_tokens::group_key_to_hex(&f.key)),
    );
}

/// Real finalization certificates for the `finality_certificate` target: the target's
/// selector byte (how many of its fixed validators), then a certificate signed by all of
/// them, or by a bare quorum, over its digest.
fn finality_certificate_seeds() {
    use commonware_consensus::simplex::types::{Finalization, Finalize, Proposal};
    use commonware_consensus::types::{Epoch, Round, View};
    use commonware_cryptography::sha256::Digest;
    use unchain_fuzzing::targets::finality_certificate::{digest, validators};
    for (n, signing) in [(4usize, 4usize), (4, 3), (1, 1), (7, 5)] {
        let keys = validators(n);
        let set = commonware_utils::ordered::Set::from_iter_dedup(
            keys.iter()
                .map(|k| unchain_consensus::validator::to_ed25519(&k.public_key())),
        );
        let proposal = Proposal::new(
            Round::new(Epoch::new(3), View::new(42)),
            View::new(41),
            Digest::from(digest().0),
        );
        let finalizes: Vec<_> = keys
            .iter()
            .take(signing)
            .map(|k| {
                let signer = commonware_codec::DecodeExt::decode(k.seed().as_slice())
                    .expect("a seed is a private key");
                let scheme = unchain_consensus::Scheme::signer(
                    unchain_consensus::NAMESPACE,
                    set.clone(),
                    signer,
                )
                .expect("a participant");
                Finalize::sign(&scheme, proposal.clone()).expect("signs")
            })
            .collect();
        let verifier = unchain_consensus::Scheme::verifier(unchain_consensus::NAMESPACE, set);
        let f =
            Finalization::from_finalizes(&verifier, &finalizes, &commonware_parallel::Sequential)
                .expect("a quorum");
        let mut data = vec![(n - 1) as u8];
        data.extend_from_slice(&f.encode());
        let pubkeys: Vec<_> = keys.iter().map(SigningKey::public_key).collect();
        let checked =
            unchain_consensus::certificates::verify_finalization(&f.encode(), &pubkeys, &digest())
                .expect("the seed verifies");
        assert_eq!(checked.signers.len(), signing);
        write("finality_certificate", &format!("{signing}-of-{n}"), &data);
    }
}

/// A real snapshot of the `snapshot` target's chain: six blocks of notary anchors, the
/// state cut into chunks of about 300 bytes; and the same with one chunk changed, which
/// the restore refuses.
fn snapshot_seeds() {
    use unchain_fuzzing::targets::snapshot::{SEPARATOR, genesis, validator};
    let dir = tempfile::tempdir().expect("tmp");
    let genesis = genesis();
    let key = validator();
    let ledger = unchain_ledger::Ledger::open(
        &dir.path().join("ledger.redb"),
        genesis.clone(),
        unchain_node::modules(&genesis),
        Some(unchain_ledger::CheckpointSigner {
            name: "fuzz-org".into(),
            key: key.clone(),
        }),
    )
    .expect("ledger");
    for i in 0..6u8 {
        let head = ledger.head().expect("head");
        let tx = UnsignedTransaction {
            chain_id: genesis.chain_id.clone(),
            sender: key.public_key(),
            nonce: u64::from(i) + 1,
            kind: "notary.anchor".into(),
            body: serde_json::json!({"hash": Hash32::digest(&[i]).to_hex(), "doc_type": "report"}),
        }
        .sign(&key)
        .expect("sign");
        let block = head.next_block(head.timestamp_ms + 1000, key.public_key(), &[&tx]);
        let digest = Hash32::digest(&serde_json::to_vec(&block).expect("json"));
        ledger.apply_block(&block, digest).expect("apply");
    }
    let mut chunks = Vec::new();
    let manifest = ledger
        .export_snapshot(300, &mut |_, bytes| {
            chunks.push(bytes.to_vec());
            Ok(())
        })
        .expect("export");
    let input = |chunks: &[Vec<u8>]| {
        let mut input = serde_json::to_vec(&manifest).expect("json");
        for c in chunks {
            input.extend_from_slice(SEPARATOR);
            input.extend_from_slice(c);
        }
        input
    };
    write("snapshot", "six-blocks", &input(&chunks));
    let mut changed = chunks.clone();
    let last = changed[0].len() - 1;
    changed[0][last] ^= 1;
    write("snapshot", "changed-chunk", &input(&changed));
}

/// A `backup.json` as `write_backup` writes it, and one trying to leave the data directory.
fn backup_manifest_seeds() {
    use unchain_fuzzing::targets::backup_manifest::{CHAIN, MEMBER};
    use unchain_node::backup::{BACKUP_FORMAT, BackedFile, BackupManifest};
    let file = |path: &str, content: &[u8]| BackedFile {
        path: path.into(),
        bytes: content.len() as u64,
        sha256: Hash32::digest(content),
    };
    let mut backup = BackupManifest {
        format: BACKUP_FORMAT,
        chain_id: CHAIN.into(),
        member: MEMBER.into(),
        height: 256,
        files: vec![
            file("audit/reads.jsonl", b"{}\n"),
            file("users.json", b"[]"),
            file(
                &format!("vault/{}", Hash32::digest(b"ciphertext").to_hex()),
                b"ciphertext",
            ),
        ],
    };
    write(
        "backup_manifest",
        "written",
        &serde_json::to_vec_pretty(&backup).expect("json"),
    );
    backup.files.push(file("vault/../ledger.redb", b""));
    write(
        "backup_manifest",
        "escape",
        &serde_json::to_vec_pretty(&backup).expect("json"),
    );
}

fn main() {
    backup_manifest_seeds();
    snapshot_seeds();
    token_key_seeds();
    finality_certificate_seeds();
    let key = SigningKey::from_seed([7; 32]);
    let other = SigningKey::from_seed([8; 32]);
    let c = Hash32::digest(b"a sealed tip message");
    let batch = [
        tx(
            &key,
            1,
            "notary.anchor",
            serde_json::json!({"hash": Hash32::digest(b"report.pdf"), "doc_type": "report"}),
        ),
        tx(
            &key,
            2,
            "tips.erase",
            serde_json::json!({"tip": "t-0123456789abcdef0123", "reason": "intake_request", "actor": "u-intake01"}),
        ),
        tx(
            &other,
            1,
            "tips.triage",
            serde_json::json!({"tip": "t-0123456789abcdef0123", "priority": "high",
                "category": "forced_labour", "indicators": ["debt_bondage"], "closed": false,
                "actor": "u-intake01"}),
        ),
    ];
    // A seal whose erasable members travel in its sidecar: the wire form, and the stored
    // form a peer sends on the sidecar channel.
    let seal = tx(
        &key,
        3,
        "vault.seal",
        serde_json::json!({"record": Hash32([1; 32]), "version": 1, "schema": "case.note",
            "commitment": Hash32::digest(b"ciphertext"), "size": 10,
            "recipients": {"ngo-a": "ab".repeat(80)},
            "policy": {"retention_days": 30, "consent_required": false},
            "subject": SigningKey::from_seed([9; 32]).public_key(),
            "tokens": [{"kind": "phone", "epoch": 1, "token": Hash32([2; 32])}]}),
    );
    write("transaction", "vault-seal-with-sidecar", seal.wire_bytes());
    write(
        "transaction",
        "stored-sidecar",
        seal.sidecar().expect("a sidecar").bytes(),
    );
    write("gossip_batch", "one", &encode_batch(&batch[..1]));
    write("gossip_batch", "three", &encode_batch(&batch));

    let root = Hash32::digest(b"a log root");
    let checkpoint = unchain_log::checkpoint::Checkpoint {
        origin: "unchain/seed-chain".into(),
        size: 6000,
        root,
        state: Some(unchain_log::StateAt {
            height: 812,
            root: Hash32::digest(b"a state root"),
        }),
    };
    let signature = key.sign(checkpoint.body().as_bytes());
    for reply in [false, true] {
        let m = CosignMessage {
            reply,
            epoch_end: false,
            ask: false,
            size: 6000,
            root,
            state: checkpoint.state.expect("a state line"),
            signature: signature.to_bytes(),
        };
        write("cosign_message", &format!("reply-{reply}"), &m.encode());
    }
    let m = CosignMessage {
        reply: false,
        epoch_end: true,
        ask: false,
        size: 6000,
        root,
        state: checkpoint.state.expect("a state line"),
        signature: signature.to_bytes(),
    };
    write("cosign_message", "epoch-end", &m.encode());
    let ask = CosignMessage {
        ask: true,
        signature: [0; 64],
        ..m
    };
    write("cosign_message", "epoch-end-ask", &ask.encode());

    write("vault_message", "want", &BlobMessage::Want(c).encode());
    let sealed: Vec<u8> = (0..600u32).map(|i| (i * 37 % 251) as u8).collect();
    write(
        "vault_message",
        "blob",
        &BlobMessage::Blob(Hash32::digest(&sealed), sealed).encode(),
    );

    // The bundles an earlier release saved (the offline verifier's fixtures): real bundles
    // that verify, so the fuzzer starts past the parse.
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../verify/tests/fixtures/bundles-v1");
    for (target, file) in [
        ("proof_bundle", "proof.json"),
        ("custody_bundle", "custody.json"),
        ("tip_receipt", "tip-receipt.json"),
        ("trust_bundle", "trust.json"),
    ] {
        let bytes = std::fs::read(fixtures.join(file)).expect("bundle fixture");
        write(target, "bundles-v1", &bytes);
    }
    write(
        "trust_bundle",
        "standing-v1",
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../verify/tests/fixtures/standing-v1/standing.json"),
        )
        .expect("standing fixture"),
    );
    let state =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../verify/tests/fixtures/state-v1/state.json");
    write(
        "state_bundle",
        "state-v1",
        &std::fs::read(state).expect("state fixture"),
    );

    // GS1's EPCIS 2.0 example documents.
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../epcis/tests/vectors/JSON");
    let mut files = Vec::new();
    let mut dirs = vec![examples];
    while let Some(dir) = dirs.pop() {
        for path in std::fs::read_dir(&dir)
            .expect("EPCIS examples")
            .filter_map(|e| e.ok().map(|e| e.path()))
        {
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "jsonld") {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or("example");
        let bytes = std::fs::read(&path).expect("example");
        write("epcis_document", &name.replace([' ', ','], "_"), &bytes);
    }

    // EPCIS 2.0 query strings.
    for (name, query) in [
        (
            "types",
            "eventType=ObjectEvent,AggregationEvent&EQ_action=ADD",
        ),
        (
            "time",
            "GE_eventTime=2026-11-01T00:00:00Z&LT_eventTime=2026-11-03T00:00:00+07:00",
        ),
        (
            "cbv",
            "EQ_bizStep=shipping&EQ_disposition=urn:epcglobal:cbv:disp:in_transit",
        ),
        (
            "match",
            "MATCH_anyEPC=urn:epc:idpat:sgtin:0614141.107346.*&MATCH_epcClass=https://id.gs1.org/01/04012345123456/10/998877",
        ),
        (
            "where",
            "EQ_readPoint=urn:epc:id:sgln:0614141.07346.1234&perPage=50",
        ),
    ] {
        write("epcis_query", name, query.as_bytes());
    }

    // Named queries and subscriptions, as the REST binding takes them.
    for (name, body) in [
        (
            "named",
            r#"{"name":"q","query":{"eventType":["ObjectEvent"],"EQ_bizStep":["shipping","receiving"],"GE_eventTime":"2026-01-01T00:00:00Z"}}"#,
        ),
        (
            "stream",
            r#"{"dest":"https://hooks.example/in","signatureToken":"t","stream":true}"#,
        ),
        (
            "schedule",
            r#"{"dest":"https://hooks.example/in","schedule":{"second":"0","minute":"*/5","hour":"[8-17]","dayOfWeek":"1-5"},"reportIfEmpty":true}"#,
        ),
        (
            "monthly",
            r#"{"schedule":{"dayOfMonth":"1,15","month":"1-12/3"}}"#,
        ),
    ] {
        write("epcis_subscription", name, body.as_bytes());
    }

    // Payroll files: a bank's published SIF sample (first byte even) and a CSV export (odd).
    let sif = "EDR,00915012345663,802420101,AE160240043520123456701,2016-01-01,2016-01-31,31,4000.00,2500.00,0\nEVP,00915012345663,802420101,500.00,200.00,300.00,0.00,400.00,1100.00,0.00\nSCR,0000000123456,802420101,2016-01-26,1130,012016,01,6500.00,AED,abc company only 35 characters\n";
    let csv = "worker,month,currency,basic,overtime_hours,overtime_pay,deductions,paid_on,account\nw-0000000001,2026-03,QAR,1500.00,10,90.14,social_insurance:50.00,2026-04-05,acct-1\nw-0000000002,2026-03,QAR,1200.00,,,social_insurance:50.00;loan:300.00,,acct-1\n";
    for (name, first, body) in [("sif", 0u8, sif), ("csv", 1u8, csv)] {
        let mut bytes = vec![first];
        bytes.extend_from_slice(body.as_bytes());
        write("recruit_payroll", name, &bytes);
    }

    // GS1's XML spellings of one event.
    let xml = Path::new(env!("CARGO_MANIFEST_DIR")).join("../epcis/tests/vectors/WithEventHashID");
    for i in 1..=6 {
        let name = format!("event_with_identical_hash_id_{i}");
        let bytes = std::fs::read(xml.join(format!("{name}.xml"))).expect("XML example");
        write("epcis_xml", &name, &bytes);
    }

    // Supply captures: each GS1 JSON example's events as one `supply.capture` body.
    let json_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../epcis/tests/vectors/JSON");
    let mut dirs = vec![json_dir];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("GS1's examples") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "jsonld") {
                continue;
            }
            let doc: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
            let Some(events) = doc
                .pointer("/epcisBody/eventList")
                .and_then(serde_json::Value::as_array)
            else {
                continue;
            };
            let body = unchain_supply::client::capture_body(events, &doc["@context"]);
            let name = path
                .file_stem()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            write("supply_capture", &name, body.to_string().as_bytes());
        }
    }
}
