//! The block as consensus carries it: Unchain's [`unchain_types::Block`] plus the simplex
//! context it was proposed in, with a canonical binary encoding and its digest.

use bytes::{Buf, BufMut};
use commonware_codec::{EncodeSize, Error as CodecError, Read, ReadExt, Write, varint::UInt};
use commonware_consensus::simplex::types::Context as SimplexContext;
use commonware_consensus::types::Height;
use commonware_consensus::{CertifiableBlock, Heightable};
use commonware_cryptography::{Digestible, Hasher, Sha256, ed25519, sha256::Digest};
use unchain_types::{Block, Hash32, MAX_TX_BYTES, PublicKey};

/// The simplex context of a proposal.
pub type Context = SimplexContext<Digest, ed25519::PublicKey>;

/// Limits applied when decoding a block from the network.
#[derive(Debug, Clone, Copy)]
pub struct BlockLimits {
    /// Most transactions in one block.
    pub max_txs: usize,
    /// Most bytes of transactions in one block.
    pub max_tx_bytes: usize,
}

impl Default for BlockLimits {
    fn default() -> Self {
        BlockLimits {
            max_txs: 10_000,
            max_tx_bytes: 16 * 1024 * 1024,
        }
    }
}

/// A block with its consensus context and cached digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBlock {
    /// The consensus context it was proposed in; committed to by the digest.
    pub context: Context,
    /// The ledger's block.
    pub block: Block,
    digest: Digest,
}

/// Converts between Unchain's hash type and commonware's digest (both 32-byte SHA-256).
pub fn to_digest(h: &Hash32) -> Digest {
    Digest::from(h.0)
}

/// See [`to_digest`].
pub fn from_digest(d: &Digest) -> Hash32 {
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    Hash32(out)
}

impl ChainBlock {
    /// Wraps a ledger block, computing its digest.
    pub fn new(context: Context, block: Block) -> Self {
        let mut cb = ChainBlock {
            context,
            block,
            digest: Digest::from([0u8; 32]),
        };
        cb.digest = cb.compute_digest();
        cb
    }

    fn compute_digest(&self) -> Digest {
        let mut buf = Vec::with_capacity(self.encode_size());
        self.write(&mut buf);
        let mut h = Sha256::new();
        h.update(&buf);
        h.finalize()
    }

    /// The digest as Unchain's hash type.
    pub fn hash(&self) -> Hash32 {
        from_digest(&self.digest)
    }
}

fn write_block(b: &Block, buf: &mut impl BufMut) {
    UInt(b.height).write(buf);
    buf.put_slice(&b.parent.0);
    UInt(b.timestamp_ms).write(buf);
    buf.put_slice(&b.proposer.to_bytes());
    UInt(b.attested_height).write(buf);
    buf.put_slice(&b.attested_state_root.0);
    UInt(b.attested_log_size).write(buf);
    buf.put_slice(&b.attested_log_root.0);
    UInt(b.transactions.len() as u64).write(buf);
    for tx in &b.transactions {
        UInt(tx.len() as u64).write(buf);
        buf.put_slice(tx);
    }
}

fn read_hash(buf: &mut impl Buf) -> Result<Hash32, CodecError> {
    Ok(Hash32(<[u8; 32]>::read(buf)?))
}

impl Write for ChainBlock {
    fn write(&self, buf: &mut impl BufMut) {
        self.context.write(buf);
        write_block(&self.block, buf);
    }
}

impl EncodeSize for ChainBlock {
    fn encode_size(&self) -> usize {
        let b = &self.block;
        self.context.encode_size()
            + UInt(b.height).encode_size()
            + 32
            + UInt(b.timestamp_ms).encode_size()
            + 32
            + UInt(b.attested_height).encode_size()
            + 32
            + UInt(b.attested_log_size).encode_size()
            + 32
            + UInt(b.transactions.len() as u64).encode_size()
            + b.transactions
                .iter()
                .map(|t| UInt(t.len() as u64).encode_size() + t.len())
                .sum::<usize>()
    }
}

impl Read for ChainBlock {
    type Cfg = BlockLimits;

    fn read_cfg(buf: &mut impl Buf, limits: &BlockLimits) -> Result<Self, CodecError> {
        let context = Context::read(buf)?;
        let height = UInt::<u64>::read(buf)?.0;
        let parent = read_hash(buf)?;
        let timestamp_ms = UInt::<u64>::read(buf)?.0;
        let proposer = PublicKey::from_bytes(<[u8; 32]>::read(buf)?)
            .map_err(|_| CodecError::Invalid("ChainBlock", "proposer is not an Ed25519 key"))?;
        let attested_height = UInt::<u64>::read(buf)?.0;
        let attested_state_root = read_hash(buf)?;
        let attested_log_size = UInt::<u64>::read(buf)?.0;
        let attested_log_root = read_hash(buf)?;
        let count = UInt::<u64>::read(buf)?.0 as usize;
        if count > limits.max_txs {
            return Err(CodecError::InvalidLength(count));
        }
        let mut transactions = Vec::with_capacity(count);
        let mut total = 0usize;
        for _ in 0..count {
            // A length from a peer is bounded before any arithmetic on it: a huge one must
            // not overflow the running total (found by the `block` fuzz target).
            let len = UInt::<u64>::read(buf)?.0;
            let len = usize::try_from(len)
                .ok()
                .filter(|l| *l <= MAX_TX_BYTES && buf.remaining() >= *l)
                .ok_or(CodecError::InvalidLength(
                    len.min(usize::MAX as u64) as usize
                ))?;
            total += len;
            if total > limits.max_tx_bytes {
                return Err(CodecError::InvalidLength(len));
            }
            let mut tx = vec![0u8; len];
            buf.copy_to_slice(&mut tx);
            transactions.push(tx);
        }
        Ok(ChainBlock::new(
            context,
            Block {
                height,
                parent,
                timestamp_ms,
                proposer,
                attested_height,
                attested_state_root,
                attested_log_size,
                attested_log_root,
                transactions,
            },
        ))
    }
}

impl Digestible for ChainBlock {
    type Digest = Digest;
    fn digest(&self) -> Digest {
        self.digest
    }
}

impl Heightable for ChainBlock {
    fn height(&self) -> Height {
        Height::new(self.block.height)
    }
}

impl commonware_consensus::Block for ChainBlock {
    fn parent(&self) -> Digest {
        to_digest(&self.block.parent)
    }
}

impl CertifiableBlock for ChainBlock {
    type Context = Context;
    fn context(&self) -> Context {
        self.context.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use commonware_codec::{Decode, Encode};
    use commonware_consensus::types::{Epoch, Round, View};
    use commonware_cryptography::Signer as _;

    fn sample() -> ChainBlock {
        let leader = ed25519::PrivateKey::from_seed(1).public_key();
        let context = Context {
            round: Round::new(Epoch::zero(), View::new(5)),
            leader,
            parent: (View::new(4), Digest::from([9u8; 32])),
        };
        ChainBlock::new(
            context,
            Block {
                height: 3,
                parent: Hash32([9u8; 32]),
                timestamp_ms: 1_700_000_000_000,
                proposer: unchain_types::SigningKey::from_seed([1; 32]).public_key(),
                attested_height: 2,
                attested_state_root: Hash32([1; 32]),
                attested_log_size: 7,
                attested_log_root: Hash32([2; 32]),
                transactions: vec![b"{\"a\":1}".to_vec(), vec![]],
            },
        )
    }

    #[test]
    fn encoding_round_trips_and_digest_commits_to_every_field() {
        let b = sample();
        let bytes = b.encode();
        let back = ChainBlock::decode_cfg(bytes.clone(), &BlockLimits::default()).expect("decode");
        assert_eq!(back, b);
        assert_eq!(back.encode(), bytes);
        let mut other = b.block.clone();
        other.attested_log_size += 1;
        assert_ne!(
            ChainBlock::new(b.context.clone(), other).digest(),
            b.digest()
        );
        let mut other = b.block.clone();
        other.attested_height += 1;
        assert_ne!(
            ChainBlock::new(b.context.clone(), other).digest(),
            b.digest()
        );
    }

    #[test]
    fn oversized_blocks_are_refused_while_decoding() {
        let b = sample();
        let limits = BlockLimits {
            max_txs: 1,
            max_tx_bytes: 1024,
        };
        assert!(ChainBlock::decode_cfg(b.encode(), &limits).is_err());
    }

    /// A peer's block declaring a transaction of 2^64 − 1 bytes is refused, not an overflow
    /// (the `block` fuzz target's first finding).
    #[test]
    fn a_huge_transaction_length_is_refused_without_overflow() {
        let bytes = sample().encode().to_vec();
        // The encoding ends with the second transaction's length, 0: declare 2^64 − 1.
        assert_eq!(bytes.last(), Some(&0));
        for huge in [u64::MAX, u64::MAX - 6, MAX_TX_BYTES as u64 + 1] {
            let mut forged = bytes[..bytes.len() - 1].to_vec();
            forged.extend(UInt(huge).encode());
            assert!(
                ChainBlock::decode_cfg(forged.as_slice(), &BlockLimits::default()).is_err(),
                "{huge}"
            );
        }
    }
}
