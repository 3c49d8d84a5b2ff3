//! A validator's node backed up while it runs (`unchain backup`), then its disk lost:
//! restored into an empty data directory (`unchain restore`), it catches up from its peers
//! to the same state root, keeps its own data — a sealed record's ciphertext it alone held,
//! its console users — and deletes the ciphertext of a record the chain erased after the
//! backup was taken. A damaged backup, or a restore over a data directory that holds a
//! ledger, is refused and changes nothing.

mod common;

use common::*;
use std::path::Path;
use unchain_types::Hash32;

const ORGS: [&str; 4] = ["th-dsi:TH", "ng-naptip:NG", "ph-iacat:PH", "gb-unseen:GB"];

fn ciphertext_file(data: &Path, c: &Hash32) -> std::path::PathBuf {
    data.join("vault").join(format!("{c}.sealed"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_validator_restored_from_a_backup_catches_up_and_keeps_its_own_data() {
    let chain = Chain::init_validators(&ORGS, 4);
    let mut nodes = vec![chain.start_validator(None).await];
    for name in ["ng-naptip", "ph-iacat", "gb-unseen"] {
        nodes.push(chain.start_validator(Some(name)).await);
    }
    let url = nodes[3].client().base().to_owned();
    let data = chain.dir.path().join("data-gb-unseen");
    let config = chain.dir.path().join("node-gb-unseen.toml");
    let config_s = config.to_str().expect("utf-8");

    // gb-unseen seals two records on its own node (only it holds their ciphertexts) and
    // gives an officer a console account.
    let desk = tempfile::tempdir().expect("desk");
    let mut records = Vec::new();
    for (i, text) in ["interview notes, kept", "interview notes, to be erased"]
        .iter()
        .enumerate()
    {
        let file = desk.path().join(format!("note-{i}.txt"));
        std::fs::write(&file, text).expect("write");
        let sealed = must(
            vault_as(
                &chain,
                &url,
                "gb-unseen",
                &[
                    "seal",
                    file.to_str().expect("utf-8"),
                    "--schema",
                    "case.note",
                ],
            ),
            "seal",
        );
        records.push(sealed_record(&sealed));
    }
    let kept = record_commitment(nodes[3].client(), &chain.signer("gb-unseen"), &records[0]).await;
    let erased =
        record_commitment(nodes[3].client(), &chain.signer("gb-unseen"), &records[1]).await;
    wait_until("gb-unseen's node holds both ciphertexts", 30, async || {
        ciphertext_file(&data, &kept).exists() && ciphertext_file(&data, &erased).exists()
    })
    .await;
    add_console_user(&config, "officer-lee", "compliance_officer");

    // The backup, taken while the node runs, copied off the data directory.
    let out = chain.dir.path().join("backup-gb-unseen");
    let done = must(
        unchain(&[
            "backup",
            "--config",
            config_s,
            "--out",
            out.to_str().expect("utf-8"),
        ]),
        "backup",
    );
    assert!(
        done.stderr.contains("backup of gb-unseen's node"),
        "{}",
        done.stderr
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("backup.json")).expect("backup.json"))
            .expect("json");
    let backed: Vec<&str> = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["path"].as_str().expect("path"))
        .collect();
    for wanted in [
        format!("vault/{kept}.sealed"),
        format!("vault/{erased}.sealed"),
        "users.json".into(),
    ] {
        assert!(
            backed.contains(&wanted.as_str()),
            "{wanted} not in {backed:?}"
        );
    }

    // After the backup, the second record is erased: every node deletes its ciphertext.
    must(
        vault_as(&chain, &url, "gb-unseen", &["erase", &records[1]]),
        "erase",
    );
    wait_until(
        "gb-unseen's node deletes the erased ciphertext",
        60,
        async || !ciphertext_file(&data, &erased).exists(),
    )
    .await;

    // The disk is lost.
    nodes[3].kill_9();
    std::fs::remove_dir_all(&data).expect("lose the data directory");

    // A damaged backup is refused, and writes nothing.
    let damaged = chain.dir.path().join("backup-damaged");
    must(
        Run::of(
            std::process::Command::new("cp")
                .arg("-r")
                .arg(&out)
                .arg(&damaged),
        ),
        "copy",
    );
    let users = damaged.join("own/users.json");
    let mut bytes = std::fs::read(&users).expect("users");
    bytes[10] ^= 1;
    std::fs::write(&users, bytes).expect("damage");
    let refused = unchain(&[
        "restore",
        "--config",
        config_s,
        "--from",
        damaged.to_str().expect("utf-8"),
    ]);
    assert!(
        !refused.ok && refused.stderr.contains("users.json does not match"),
        "{}",
        refused.stderr
    );
    assert!(!data.join("ledger.redb").exists());

    // The backup restores into the empty directory, erased ciphertext included (it was
    // in the backup) ...
    let restored = must(
        unchain(&[
            "restore",
            "--config",
            config_s,
            "--from",
            out.to_str().expect("utf-8"),
        ]),
        "restore",
    );
    assert!(
        restored
            .stderr
            .contains("restored the chain state at height"),
        "{}",
        restored.stderr
    );
    assert!(ciphertext_file(&data, &erased).exists());
    // ... and never over a ledger.
    let again = unchain(&[
        "restore",
        "--config",
        config_s,
        "--from",
        out.to_str().expect("utf-8"),
    ]);
    assert!(
        !again.ok && again.stderr.contains("already holds a ledger"),
        "{}",
        again.stderr
    );

    // Started, the node catches up from its peers, deletes what the chain erased since the
    // backup, and keeps what it alone held.
    nodes[3] = chain.start_validator(Some("gb-unseen")).await;
    let restarted = nodes[3].client().clone();
    let target = nodes[0].client().status().await.expect("status").height;
    wait_until(
        "the restored node reaches the others' height",
        120,
        async || restarted.status().await.is_ok_and(|s| s.height >= target),
    )
    .await;
    let theirs = nodes[0].client().block(target).await.expect("block");
    let ours = restarted.block(target).await.expect("block");
    assert_eq!(
        (&ours.digest, &ours.state_root, &ours.log_root),
        (&theirs.digest, &theirs.state_root, &theirs.log_root)
    );
    wait_until(
        "the restored node deletes the ciphertext erased after the backup",
        60,
        async || !ciphertext_file(&data, &erased).exists(),
    )
    .await;
    let opened = desk.path().join("opened.txt");
    must(
        vault_as(
            &chain,
            restarted.base(),
            "gb-unseen",
            &[
                "open",
                &records[0],
                "--out",
                opened.to_str().expect("utf-8"),
            ],
        ),
        "open the kept record on the restored node",
    );
    assert_eq!(
        std::fs::read_to_string(&opened).expect("opened"),
        "interview notes, kept"
    );
    let users = std::fs::read_to_string(data.join("users.json")).expect("users");
    assert!(users.contains("officer-lee"));

    // The restored validator takes part again: new transactions commit.
    let before = restarted.status().await.expect("status").log_size;
    let file = desk.path().join("after.txt");
    std::fs::write(&file, "after the restore").expect("write");
    must(
        vault_as(
            &chain,
            restarted.base(),
            "gb-unseen",
            &[
                "seal",
                file.to_str().expect("utf-8"),
                "--schema",
                "case.note",
            ],
        ),
        "seal after the restore",
    );
    wait_until("the chain grows after the restore", 60, async || {
        restarted.status().await.is_ok_and(|s| s.log_size > before)
    })
    .await;
}
