//! `unchain verify block HEIGHT`: a block's finality checked without trusting the node
//! that serves it — its finalization certificate (`GET /v1/blocks/{height}/certificate`,
//! public) against the genesis validators' keys (`unchain_consensus::certificates`).

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
    let validators: Vec<(String, unchain_types::PublicKey)> = genesis
        .members
        .iter()
        .filter(|m| m.validator)
        .map(|m| (m.name.clone(), m.signing_key))
        .collect();
    let keys: Vec<_> = validators.iter().map(|(_, k)| *k).collect();
    let client = match &a.key {
        Some(key) => Client::new(&a.node).with_signer(crate::session::member_reader(key)?),
        None => Client::new(&a.node),
    };
    let cert: unchain_client::views::CertificateView = client
        .get_json(&format!("/v1/blocks/{}/certificate", a.height))
        .await?;
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
    println!("  trusting     the validators of {}", a.genesis.display());
    Ok(())
}
