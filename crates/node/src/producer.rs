//! A single-validator block producer, **for tests only**: it drives [`App`] through the same
//! calls the BFT engine makes (`propose`, then `commit` with a certificate), without a network.
//! Every path a user runs goes through Malachite (`govchain_consensus`).

use crate::app::{App, CommitInfo};
use crate::error::Result;
use crate::run::now_ms;
use govchain_crypto::{SecretKey, sign_commit};
use govchain_types::CommitCertificate;

pub struct SoloProducer;

impl SoloProducer {
    /// Produces one block from the mempool now and commits it, certified by `key` alone (the
    /// chain's only validator).
    pub fn produce(app: &App, key: &SecretKey) -> Result<CommitInfo> {
        let proposal = app.propose(&key.public_key(), 0, now_ms())?;
        let header = &proposal.block.header;
        let signature = sign_commit(&header.chain_id, header.height, 0, &proposal.hash, key);
        let certificate = CommitCertificate {
            height: header.height,
            round: 0,
            block_hash: proposal.hash,
            signatures: vec![signature],
        };
        app.commit(&proposal.block, &proposal.txs, &certificate)
    }
}
