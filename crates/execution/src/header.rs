//! Checks of a block's header against its parent, before execution.

use crate::block_rules::TxHashes;
use govchain_types::{Block, Hash, Height, PublicKey, Scheme};

/// Why a block cannot follow its parent.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid block header: {0}")]
pub struct HeaderError(pub String);

/// What the parent fixes about the next block.
pub struct Expected<'a> {
    pub scheme: Scheme,
    pub chain_id: &'a str,
    pub height: Height,
    pub parent_hash: Hash,
    pub parent_time_ms: u64,
    /// The state root after the parent.
    pub state_root: Hash,
    pub validator_set_hash: Hash,
    /// The validator that consensus selects for the header's height and round (Malachite's
    /// `select_proposer` over the set that decides the block): the caller computes it, since
    /// the selection belongs to the consensus engine.
    pub proposer: &'a PublicKey,
}

/// Checks the header of `block` given its parent and its transactions' full hashes (from
/// [`crate::check_block_limits`]).
pub fn validate_header(
    exp: &Expected<'_>,
    block: &Block,
    txs: &TxHashes,
) -> Result<(), HeaderError> {
    let h = &block.header;
    let fail = |m: String| Err(HeaderError(m));
    if h.chain_id != exp.chain_id {
        return fail(format!(
            "chain `{}`, expected `{}`",
            h.chain_id, exp.chain_id
        ));
    }
    if h.height != exp.height {
        return fail(format!("height {}, expected {}", h.height, exp.height));
    }
    if h.parent_hash != exp.parent_hash {
        return fail(format!(
            "parent {}, expected {}",
            h.parent_hash, exp.parent_hash
        ));
    }
    if h.time_ms < exp.parent_time_ms {
        return fail(format!(
            "time {} is before the parent's {}",
            h.time_ms, exp.parent_time_ms
        ));
    }
    if h.state_root != exp.state_root {
        return fail(format!(
            "state root {} differs from this node's {}",
            h.state_root, exp.state_root
        ));
    }
    if h.validator_set_hash != exp.validator_set_hash {
        return fail(format!(
            "validator set {}, expected {}",
            h.validator_set_hash, exp.validator_set_hash
        ));
    }
    if h.proposer != *exp.proposer {
        return fail(format!(
            "proposer `{}` is not the proposer of round {}, `{}`",
            h.proposer, h.round, exp.proposer
        ));
    }
    if txs.as_slice().len() != block.txs.len() {
        return fail(format!(
            "{} transaction hashes for {} transactions",
            txs.as_slice().len(),
            block.txs.len()
        ));
    }
    let root = txs.root(exp.scheme);
    if h.tx_root != root {
        return fail(format!("tx root {}, expected {root}", h.tx_root));
    }
    Ok(())
}
