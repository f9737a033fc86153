//! Test builds only (feature `byzantine`): a proposer that puts a block breaking the chain's
//! rules into every proposal it makes, so real-process tests can show that honest validators
//! vote against it and the chain decides other blocks. The tx root is computed honestly over the
//! tampered transactions, so only the rule under test can refuse the block.

use govchain_crypto::{SecretKey, block_hash, merkle_root, sign_tx, tx_hash};
use govchain_types::{
    Amount, Block, ChainParams, Hash, Payload, PrincipalId, Scheme, Signature, Tx, TxBody,
};
use serde::{Deserialize, Serialize};

/// What a Byzantine proposer adds to each of its blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BadBlocks {
    /// A transaction whose signature is garbage.
    BadSignature,
    /// A validly signed transaction larger than `max_tx_bytes`.
    OversizedTx,
    /// A validly signed transaction within the limits that execution would only reject (its
    /// key is registered to nobody): filler that costs a block's space.
    RejectedTx,
}

/// The `[bad_blocks]` section of a test node's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BadBlocksConfig {
    pub rule: BadBlocks,
}

/// A transfer by a throwaway key (registered to nobody), its memo `memo` bytes long.
fn transfer(scheme: Scheme, chain_id: &str, height: u64, memo: usize) -> Option<Tx> {
    let key = SecretKey::from_seed(scheme, b"byzantine-proposer");
    let body = TxBody {
        chain_id: chain_id.into(),
        signer: key.public_key(),
        nonce: height,
        valid_until: height.saturating_add(10),
        acting_as: None,
        payload: Payload::Transfer {
            currency: "CNY".into(),
            from: None,
            to: PrincipalId::new("treasury").ok()?,
            amount: Amount(1),
            memo: "x".repeat(memo),
            reference: String::new(),
        },
    };
    Some(sign_tx(scheme, &key, body))
}

/// `block` with the bad transaction appended and its tx root recomputed; its new hash.
pub fn tamper(
    mode: BadBlocks,
    scheme: Scheme,
    params: &ChainParams,
    mut block: Block,
) -> (Block, Hash) {
    let (chain, height) = (block.header.chain_id.clone(), block.header.height);
    let bad = match mode {
        BadBlocks::BadSignature => transfer(scheme, &chain, height, 0).map(|mut t| {
            t.signature = match t.signature {
                Signature::Ed25519(_) => Signature::Ed25519([0x5a; 64]),
                Signature::Sm2(_) => Signature::Sm2([0x5a; 64]),
            };
            t
        }),
        BadBlocks::OversizedTx => transfer(scheme, &chain, height, params.max_tx_bytes as usize),
        BadBlocks::RejectedTx => transfer(scheme, &chain, height, 0),
    };
    if let Some(t) = bad {
        block.txs.push(t);
    }
    let leaves: Vec<Hash> = block.txs.iter().map(|t| tx_hash(scheme, t)).collect();
    block.header.tx_root = merkle_root(scheme, &leaves);
    tracing::warn!(
        height,
        ?mode,
        "byzantine: proposing a block that breaks the rules"
    );
    let hash = block_hash(scheme, &block.header);
    (block, hash)
}
