//! Proposal parts: cutting a block into a signed stream, and putting streams back together.
//!
//! A proposer publishes `Init`, the encoded block in `Data` chunks, and `Fin` carrying its
//! signature over the SHA-256 of `Init` and every chunk; then Malachite's end-of-stream marker.
//! Parts may arrive out of order, twice, or relayed by another peer: they are grouped by
//! (publisher, stream id) and released, in sequence order, once every sequence up to the marker
//! is there (the ordering fix of informalsystems/emerald `app/src/streaming.rs`). What is kept
//! until then, from whom and how much, is [`PartsBuffer`]'s business (`streaming/buffer.rs`).

use crate::context::{Address, BlockId, Height, ProposalPart};
use bytes::Bytes;
use malachitebft_app_channel::app::streaming::{StreamContent, StreamId, StreamMessage};
use sha2::{Digest, Sha256};

mod buffer;

pub use buffer::{
    Accepted, Limits, MAX_STREAMS, PART_OVERHEAD, PartsBuffer, ROUND_WINDOW, Refused,
    STREAM_OVERHEAD, STREAMS_IN_TOTAL, View, peer_id_of,
};

/// Largest chunk of block bytes per part, well under the 4 MiB gossip limit.
pub const CHUNK: usize = 256 * 1024;

/// The digest a proposer signs in `Fin`.
pub fn parts_digest(init: &ProposalPart, chunks: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"govchain/proposal-parts/v1\0");
    h.update(govchain_types::encode(init));
    for c in chunks {
        h.update((c.len() as u64).to_be_bytes());
        h.update(c);
    }
    h.finalize().into()
}

/// The stream id of a proposer's publication at a height and round. [`PartsBuffer`] reads the
/// height and round back from it, so it can judge a part that arrives before its `Init`.
pub fn stream_id(height: Height, round: u32) -> StreamId {
    let mut b = height.0.to_be_bytes().to_vec();
    b.extend_from_slice(&round.to_be_bytes());
    StreamId::new(Bytes::from(b))
}

/// The messages that publish `block_bytes` as proposal parts.
pub fn publish(
    height: Height,
    round: u32,
    pol_round: Option<u32>,
    proposer: Address,
    block_id: BlockId,
    block_bytes: &[u8],
    sign: impl FnOnce(&[u8; 32]) -> [u8; 64],
) -> Vec<StreamMessage<ProposalPart>> {
    let init = ProposalPart::Init {
        height,
        round,
        pol_round,
        proposer,
        block_id,
    };
    let chunks: Vec<&[u8]> = block_bytes.chunks(CHUNK).collect();
    let signature = sign(&parts_digest(&init, &chunks));
    let id = stream_id(height, round);
    let mut parts = vec![init];
    parts.extend(chunks.iter().map(|c| ProposalPart::Data(c.to_vec())));
    parts.push(ProposalPart::Fin { signature });
    let mut out: Vec<_> = parts
        .into_iter()
        .zip(0u64..)
        .map(|(p, seq)| StreamMessage::new(id.clone(), seq, StreamContent::Data(p)))
        .collect();
    out.push(StreamMessage::new(id, out.len() as u64, StreamContent::Fin));
    out
}

/// A stream put back together; its signature is not yet checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assembled {
    pub height: Height,
    pub round: u32,
    pub pol_round: Option<u32>,
    pub proposer: Address,
    pub block_id: BlockId,
    pub block_bytes: Vec<u8>,
    pub signature: [u8; 64],
    /// What the signature must cover.
    pub digest: [u8; 32],
}

fn assemble(parts: Vec<ProposalPart>) -> Option<Assembled> {
    let mut it = parts.into_iter();
    let init = it.next()?;
    let ProposalPart::Init {
        height,
        round,
        pol_round,
        proposer,
        block_id,
    } = init.clone()
    else {
        return None;
    };
    let mut chunks = Vec::new();
    let mut signature = None;
    for p in it {
        match p {
            ProposalPart::Data(c) if signature.is_none() => chunks.push(c),
            ProposalPart::Fin { signature: s } if signature.is_none() => signature = Some(s),
            _ => return None,
        }
    }
    let signature = signature?;
    let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
    let digest = parts_digest(&init, &refs);
    Some(Assembled {
        height,
        round,
        pol_round,
        proposer,
        block_id,
        block_bytes: chunks.concat(),
        signature,
        digest,
    })
}
