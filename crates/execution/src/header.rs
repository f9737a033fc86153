//! Checks of a block's header against its parent, before execution.

use govchain_crypto::merkle_root;
use govchain_types::{Block, GenesisValidator, Hash, Height, Scheme};

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
    pub validators: &'a [GenesisValidator],
    pub max_block_txs: u32,
}

/// The tx root a block must carry: the Merkle root of its transactions' ids.
pub fn expected_tx_root(scheme: Scheme, tx_ids: &[Hash]) -> Hash {
    merkle_root(scheme, tx_ids)
}

/// Checks the header of `block` given its parent and the ids of its transactions.
pub fn validate_header(
    exp: &Expected<'_>,
    block: &Block,
    tx_ids: &[Hash],
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
    if !exp.validators.iter().any(|v| v.key == h.proposer) {
        return fail(format!("proposer `{}` is not a validator", h.proposer));
    }
    if block.txs.len() > exp.max_block_txs as usize {
        return fail(format!(
            "{} transactions, more than the limit of {}",
            block.txs.len(),
            exp.max_block_txs
        ));
    }
    let root = expected_tx_root(exp.scheme, tx_ids);
    if h.tx_root != root {
        return fail(format!("tx root {}, expected {root}", h.tx_root));
    }
    Ok(())
}
