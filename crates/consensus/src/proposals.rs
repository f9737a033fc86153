//! Proposals this node has built or received, kept on disk until their height is decided, so
//! that after a restart it re-proposes the same block for a (height, round) and can answer
//! `StartedRound` with what it had seen (Malachite's crash-recovery contract).

use crate::context::{Address, BlockId, Height};
use borsh::{BorshDeserialize, BorshSerialize};
use redb::{Database, ReadableDatabase, TableDefinition};
use std::path::Path;

const PROPOSALS: TableDefinition<(u64, u32, [u8; 32]), &[u8]> = TableDefinition::new("proposals");

/// A full proposal.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct StoredProposal {
    pub height: Height,
    pub round: u32,
    pub pol_round: Option<u32>,
    pub proposer: Address,
    pub block_id: BlockId,
    /// The canonical encoding of the block.
    pub block: Vec<u8>,
    /// `None` until checked against the parent (a proposal for a future height waits).
    pub valid: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
#[error("proposal store: {0}")]
pub struct ProposalStoreError(String);

fn err(e: impl std::fmt::Display) -> ProposalStoreError {
    ProposalStoreError(e.to_string())
}

pub struct ProposalStore {
    db: Database,
}

impl ProposalStore {
    pub fn open(path: &Path) -> Result<Self, ProposalStoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let db = Database::create(path).map_err(err)?;
        let tx = db.begin_write().map_err(err)?;
        tx.open_table(PROPOSALS).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Self { db })
    }

    pub fn put(&self, p: &StoredProposal) -> Result<(), ProposalStoreError> {
        let bytes = borsh::to_vec(p).map_err(err)?;
        let tx = self.db.begin_write().map_err(err)?;
        {
            let mut t = tx.open_table(PROPOSALS).map_err(err)?;
            t.insert((p.height.0, p.round, p.block_id.0), bytes.as_slice())
                .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// All proposals of a height, by round.
    pub fn at_height(&self, height: Height) -> Result<Vec<StoredProposal>, ProposalStoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let t = tx.open_table(PROPOSALS).map_err(err)?;
        let mut out = Vec::new();
        for row in t
            .range((height.0, 0u32, [0u8; 32])..=(height.0, u32::MAX, [0xff; 32]))
            .map_err(err)?
        {
            let (_, v) = row.map_err(err)?;
            out.push(borsh::from_slice(v.value()).map_err(err)?);
        }
        Ok(out)
    }

    pub fn find(
        &self,
        height: Height,
        block_id: &BlockId,
    ) -> Result<Option<StoredProposal>, ProposalStoreError> {
        Ok(self
            .at_height(height)?
            .into_iter()
            .find(|p| &p.block_id == block_id))
    }

    /// Drops every proposal below `height`.
    pub fn prune_below(&self, height: Height) -> Result<(), ProposalStoreError> {
        let tx = self.db.begin_write().map_err(err)?;
        {
            let mut t = tx.open_table(PROPOSALS).map_err(err)?;
            t.retain(|(h, _, _), _| h >= height.0).map_err(err)?;
        }
        tx.commit().map_err(err)
    }
}
