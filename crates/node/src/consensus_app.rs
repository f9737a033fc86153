//! The node's application as the consensus engine sees it.

use crate::app::App;
use crate::error::NodeError;
use govchain_consensus::{AppError, Application};
use govchain_crypto::VerifiedTx;
use govchain_types::{
    Block, CommitCertificate, Genesis, GenesisValidator, Hash, Height, PublicKey,
};

fn local(e: impl std::fmt::Display) -> AppError {
    AppError::Local(e.to_string())
}

impl Application for App {
    fn genesis(&self) -> &Genesis {
        App::genesis(self)
    }

    fn last_height(&self) -> Height {
        self.head().height
    }

    fn propose(
        &self,
        proposer: &PublicKey,
        round: u32,
        time_ms: u64,
    ) -> Result<(Block, Hash, Vec<VerifiedTx>), AppError> {
        let p = App::propose(self, proposer, round, time_ms).map_err(local)?;
        #[cfg(feature = "byzantine")]
        if let Some(mode) = self.bad_blocks {
            let (block, hash) =
                crate::byzantine::tamper(mode, self.scheme(), &self.genesis().params, p.block);
            return Ok((block, hash, p.txs));
        }
        Ok((p.block, p.hash, p.txs))
    }

    fn check(&self, block: &Block, proposer: &PublicKey) -> Result<Vec<VerifiedTx>, AppError> {
        self.check_proposal(block, proposer).map_err(|e| match e {
            NodeError::Store(_) | NodeError::Exec(_) => local(e),
            other => AppError::Invalid(other.to_string()),
        })
    }

    fn commit(
        &self,
        block: &Block,
        txs: &[VerifiedTx],
        certificate: &CommitCertificate,
    ) -> Result<(), AppError> {
        App::commit(self, block, txs, certificate)
            .map(|_| ())
            .map_err(|e| match e {
                NodeError::Divergence { .. } => AppError::Divergence(e.to_string()),
                other => local(other),
            })
    }

    fn decided(&self, height: Height) -> Result<Option<(Block, CommitCertificate)>, AppError> {
        let store = self.store();
        let Some(block) = store.block(height).map_err(local)? else {
            return Ok(None);
        };
        Ok(store
            .certificate(height)
            .map_err(local)?
            .map(|c| (block, c)))
    }

    fn validators_at(&self, height: Height) -> Result<Vec<GenesisValidator>, AppError> {
        App::validators_at(self, height).map_err(local)
    }

    fn now_ms(&self) -> u64 {
        crate::run::now_ms()
    }
}
