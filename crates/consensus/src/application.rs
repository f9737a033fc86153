//! What consensus needs from the node's application. The node implements it over its store and
//! mempool; consensus never touches them directly (STYLE.md §2).

use govchain_crypto::VerifiedTx;
use govchain_types::{
    Block, CommitCertificate, Genesis, GenesisValidator, Hash, Height, PublicKey,
};

/// Why the application refused or failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// The block is not acceptable (bad header, bad signature, ...): vote against it.
    #[error("invalid block: {0}")]
    Invalid(String),
    /// A decided block's state root differs from this node's: the node has diverged.
    #[error("state divergence: {0}")]
    Divergence(String),
    /// Storage or another local failure.
    #[error("{0}")]
    Local(String),
}

/// The chain application a consensus engine drives.
pub trait Application: Send + Sync + 'static {
    fn genesis(&self) -> &Genesis;
    /// Height of the latest committed block (0 = genesis only).
    fn last_height(&self) -> Height;
    /// Builds the next block from the mempool, proposed by `proposer` in `round`.
    fn propose(
        &self,
        proposer: &PublicKey,
        round: u32,
        time_ms: u64,
    ) -> Result<(Block, Hash, Vec<VerifiedTx>), AppError>;
    /// Checks a block for the next height, proposed by another validator or synced from a
    /// peer: limits, header, tx root over full bytes, every signature. `proposer` is the
    /// validator consensus selects for the header's round, which the header must name.
    fn check(&self, block: &Block, proposer: &PublicKey) -> Result<Vec<VerifiedTx>, AppError>;
    /// Executes and durably commits a decided block with its certificate.
    fn commit(
        &self,
        block: &Block,
        txs: &[VerifiedTx],
        certificate: &CommitCertificate,
    ) -> Result<(), AppError>;
    /// A committed block and its certificate, for peers that sync.
    fn decided(&self, height: Height) -> Result<Option<(Block, CommitCertificate)>, AppError>;
    /// The validator set that decides block `height` (a past height, or the next one).
    fn validators_at(&self, height: Height) -> Result<Vec<GenesisValidator>, AppError>;
    /// The proposer's clock, read at the edge.
    fn now_ms(&self) -> u64;
}
