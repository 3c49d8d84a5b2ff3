//! kill -9 while transactions stream in; on restart, everything acknowledged as committed is
//! still there, under the same log root.

mod common;

use common::*;
use serde_json::json;
use std::time::Duration;
use unchain_types::Hash32;

#[tokio::test(flavor = "multi_thread")]
async fn kill_dash_nine_loses_nothing_acknowledged() {
    let chain = Chain::init(&["th-dsi:TH", "ng-naptip:NG"]);
    let key = chain.key("th-dsi");
    let mut node = chain.start().await;
    let client = node.client().clone();

    // Stream transactions; record each one the API acknowledged as committed, with the
    // checkpoint that proved it.
    let streamer = {
        let client = client.clone();
        let txs: Vec<_> = (1..=400u64)
            .map(|n| chain.tx(&key, n, "notary.anchor", json!({"hash": Hash32::digest(&n.to_be_bytes()).to_hex(), "doc_type": "report"})))
            .collect();
        tokio::spawn(async move {
            let mut committed = Vec::new();
            for chunk in txs.chunks(20) {
                if client.submit_batch(chunk).await.is_err() {
                    break;
                }
                let last = chunk.last().expect("chunk").id();
                match client.wait_for(&last, Duration::from_secs(10)).await {
                    Ok(s) if s.status == "committed" => {
                        for tx in chunk {
                            match client.tx_status(&tx.id(), Duration::ZERO).await {
                                Ok(s) if s.status == "committed" => {
                                    committed.push((tx.id(), s.log_index.expect("index")))
                                }
                                _ => return committed,
                            }
                        }
                    }
                    _ => break,
                }
            }
            committed
        })
    };
    // Let some blocks commit, then pull the plug mid-stream.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let s = client.status().await.expect("status");
        if s.log_size >= 100 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the stream did not commit 100 transactions"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let checkpoint_before = client.checkpoint().await.expect("checkpoint");
    node.kill_9();
    let acknowledged = streamer.await.expect("streamer");
    assert!(
        acknowledged.len() >= 20,
        "only {} acknowledged before the kill",
        acknowledged.len()
    );

    let restarted = chain.start().await;
    let client = restarted.client();
    for (id, index) in &acknowledged {
        let s = client
            .tx_status(id, Duration::ZERO)
            .await
            .expect("status after restart");
        assert_eq!(
            (s.status.as_str(), s.log_index),
            ("committed", Some(*index)),
            "tx {id} lost or moved"
        );
    }
    // The log the node had signed before the crash is a prefix of the log after it.
    let note = unchain_log::SignedNote::parse(&checkpoint_before).expect("note");
    let cp = unchain_log::Checkpoint::parse_body(&note.body).expect("checkpoint");
    let view: serde_json::Value = reqwest::get(format!(
        "{}/v1/proofs/consistency?old={}",
        client.base(),
        cp.size
    ))
    .await
    .expect("get")
    .json()
    .await
    .expect("json");
    assert_eq!(
        view["old_root"].as_str().expect("root"),
        cp.root.to_hex(),
        "the log root at the pre-crash size changed"
    );
    let proof: Vec<Hash32> = view["proof"]
        .as_array()
        .expect("proof")
        .iter()
        .map(|h| Hash32::from_hex(h.as_str().expect("str")).expect("hex"))
        .collect();
    let new_root = Hash32::from_hex(view["new_root"].as_str().expect("root")).expect("hex");
    unchain_log::verify_consistency(
        cp.size,
        view["new_size"].as_u64().expect("size"),
        &cp.root,
        &new_root,
        &proof,
    )
    .expect("consistent");
    // And the chain keeps going. Another organisation signs: a block the validator
    // proposed just before the kill may still be finalized after the restart, carrying
    // more of th-dsi's streamed nonces, so th-dsi's next nonce is not yet known here.
    let other = chain.key("ng-naptip");
    let tx = chain.tx(
        &other,
        1,
        "notary.anchor",
        json!({"hash": Hash32::digest(b"after").to_hex(), "doc_type": "report"}),
    );
    client.submit(&tx).await.expect("submit after restart");
    let status = client
        .wait_for(&tx.id(), Duration::from_secs(30))
        .await
        .expect("status");
    assert_eq!(status.status, "committed", "{:?}", status.reason);
}
