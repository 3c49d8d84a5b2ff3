//! `unchain verify block HEIGHT`: a block's finality checked without trusting the node
//! that serves it — its finalization certificate (`GET /v1/blocks/{height}/certificate`,
//! public) against the keys of its epoch's validators (`unchain_consensus::certificates`):
//! genesis' in epoch 0; in a later epoch, the set proven from genesis' through every
//! epoch-end checkpoint before it (`GET /v1/epochs`, `unchain_bundle::epochs`).

use std::path::PathBuf;
use unchain_client::Client;

/// Arguments of `unchain verify block`.
#[derive(clap::Args)]
pub struct BlockArgs {
    /// The block height.
    pub height: u64,
    /// A node's API URL (the certificate is public; the node is not trusted).
    #[arg(long, env = "UNCHAIN_NODE", default_value = "http://127.0.0.1:7700")]
    pub node: String,
    /// The genesis file whose validators must have signed.
    #[arg(long)]
    pub genesis: PathBuf,
    /// Your organisation's key file: also fetch the block (members only) and check that the
    /// certificate finalizes exactly it, printing the roots it attests.
    #[arg(long)]
    pub key: Option<PathBuf>,
}

/// `unchain verify block`: fetches a block's finalization certificate and checks it against
/// the genesis validators' keys alone.
pub async fn verify_block(a: BlockArgs) -> anyhow::Result<()> {
    let genesis = unchain_genesis::read(&a.genesis)?;
    let client = match &a.key {
        Some(key) => Client::new(&a.node).with_signer(crate::session::member_reader(key)?),
        None => Client::new(&a.node),
    };
    let cert: unchain_client::views::CertificateView = client
        .get_json(&format!("/v1/blocks/{}/certificate", a.height))
        .await?;
    let expected_epoch = genesis.epoch_of(a.height);
    if cert.epoch != expected_epoch {
        anyhow::bail!(
            "VERIFICATION FAILED: the node says block {} is in epoch {}, but with this genesis' \
             {} blocks per epoch it is in epoch {expected_epoch}",
            a.height,
            cert.epoch,
            genesis.epoch_length()
        );
    }
    // Epoch 0's validators are genesis'. A later epoch's are proven from them by the
    // epoch-end checkpoints of every change; the node's own statement of the set is not
    // used.
    let genesis_set: Vec<unchain_log::NamedKey> = genesis.validator_keys();
    let (set, links_used) = if cert.epoch == 0 {
        (genesis_set, 0)
    } else {
        let chain: unchain_bundle::epochs::EpochChain = client.get_json("/v1/epochs").await?;
        if chain.chain_id != genesis.chain_id {
            anyhow::bail!(
                "VERIFICATION FAILED: the node's epochs are of chain {:?}, the genesis file's is {:?}",
                chain.chain_id,
                genesis.chain_id
            );
        }
        let sets = unchain_bundle::epochs::verify_epoch_links(
            &genesis_set,
            genesis.epoch_length(),
            &genesis.log_origin,
            &chain.links,
        )
        .map_err(|e| anyhow::anyhow!("VERIFICATION FAILED: the validator sets: {e}"))?;
        if cert.epoch > chain.proven_through {
            anyhow::bail!(
                "the node proves the validators of epochs up to {} only, and block {} is in \
                 epoch {}: ask a node that holds the later epoch-end checkpoints, or retry \
                 once this one has gathered them",
                chain.proven_through,
                a.height,
                cert.epoch
            );
        }
        let used = chain.links.iter().filter(|l| l.epoch <= cert.epoch).count();
        (sets.set_of(cert.epoch).to_vec(), used)
    };
    let validators: Vec<(String, unchain_types::PublicKey)> =
        set.into_iter().map(|v| (v.name, v.key)).collect();
    let keys: Vec<_> = validators.iter().map(|(_, k)| *k).collect();
    let digest = unchain_types::Hash32::from_hex(&cert.digest)
        .map_err(|e| anyhow::anyhow!("the node's digest {:?}: {e}", cert.digest))?;
    let bytes = hex::decode(&cert.certificate)
        .map_err(|e| anyhow::anyhow!("the certificate is not hex: {e}"))?;
    let v = unchain_consensus::certificates::verify_finalization(&bytes, &keys, &digest)
        .map_err(|e| anyhow::anyhow!("VERIFICATION FAILED: {e}"))?;
    if a.key.is_some() {
        let block = client.block(a.height).await?;
        if block.digest != cert.digest {
            anyhow::bail!(
                "VERIFICATION FAILED: the certificate finalizes {} but the node's block {} is {}",
                cert.digest,
                a.height,
                block.digest
            );
        }
    }
    let names: Vec<&str> = v
        .signers
        .iter()
        .filter_map(|k| {
            validators
                .iter()
                .find(|(_, v)| v == k)
                .map(|(n, _)| n.as_str())
        })
        .collect();
    println!(
        "VERIFIED block {} ({}) is final: finalized in view {}",
        a.height, v.digest, v.view
    );
    println!(
        "  signed by    {} (quorum {} of {})",
        names.join(", "),
        unchain_bundle::quorum(keys.len()),
        keys.len()
    );
    if a.key.is_some() {
        println!(
            "  block        the node's block {} is the one finalized",
            a.height
        );
    }
    if cert.epoch == 0 {
        println!("  trusting     the validators of {}", a.genesis.display());
    } else {
        println!(
            "  trusting     the validators of {}, and through them epoch {}'s: {} epoch-end \
             checkpoint(s) of the set's changes, each signed by the set before it",
            a.genesis.display(),
            cert.epoch,
            links_used
        );
    }
    Ok(())
}
