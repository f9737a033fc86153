//! Committing one height: everything of it in one durable write transaction, the Merkle tree
//! computed on a second thread beside the other writes.

use crate::tables::{
    AUDIT, BLOCK_HASHES, BLOCKS, CERTIFICATES, JOURNAL, KEYS, NODES, RECEIPTS, ROOTS, SYS,
    SYS_LATEST, StoredVersionRef, TX_INDEX, VERSIONS, node_key_bytes,
};
use crate::tree::{HashedWrites, TreeTables, apply, hash_writes};
use crate::{Error, Result, Store, begin_write};
use govchain_types::{Block, CommitCertificate, Hash, Height, Receipt, TxStatus, WriteSet};
use jmt::storage::TreeUpdateBatch;
use redb::{ReadableDatabase, ReadableTable};

/// How many recent heights the audit log keeps.
pub const AUDIT_RETAIN_HEIGHTS: Height = 10_000;

/// Everything one height adds to the store.
#[derive(Clone, Copy, Debug)]
pub struct CommitInput<'a> {
    pub height: Height,
    /// The block; `None` only for genesis (height 0).
    pub block: Option<&'a Block>,
    pub block_hash: Hash,
    pub certificate: Option<&'a CommitCertificate>,
    /// One receipt per transaction of the block, in block order.
    pub receipts: &'a [Receipt],
    /// The id of each transaction of the block, in block order.
    pub tx_ids: &'a [Hash],
    /// The block's state writes (for genesis, the initial state).
    pub writes: &'a WriteSet,
    /// The authorization requests the block made, encoded by the caller: the node's audit log,
    /// kept beside the chain (not part of the state root).
    pub audit: &'a [Vec<u8>],
    /// Entries derived from the block that the node keeps for queries, outside the state root
    /// (an account's statement lines): written once, never changed.
    pub journal: &'a [(Vec<u8>, Vec<u8>)],
}

impl CommitInput<'_> {
    /// Checks that the parts fit together before anything is written.
    pub(crate) fn check(&self) -> Result<()> {
        let refuse = |reason: String| {
            Err(Error::InvalidCommit {
                height: self.height,
                reason,
            })
        };
        match self.block {
            None if self.height != 0 => {
                return refuse("only genesis may come without a block".into());
            }
            Some(b) if b.header.height != self.height => {
                return refuse(format!("the block is for height `{}`", b.header.height));
            }
            Some(b) if b.txs.len() != self.tx_ids.len() => {
                return refuse(format!(
                    "the block has {} transactions but {} ids were given",
                    b.txs.len(),
                    self.tx_ids.len()
                ));
            }
            _ => {}
        }
        if let Some(c) = self.certificate
            && (c.height != self.height || c.block_hash != self.block_hash)
        {
            return refuse(format!(
                "the certificate is for block `{}` at height `{}`",
                c.block_hash, c.height
            ));
        }
        if self.receipts.len() != self.tx_ids.len() {
            return refuse(format!(
                "{} receipts for {} transactions",
                self.receipts.len(),
                self.tx_ids.len()
            ));
        }
        if u32::try_from(self.receipts.len()).is_err() {
            return refuse("too many transactions".into());
        }
        for (i, (r, id)) in self.receipts.iter().zip(self.tx_ids).enumerate() {
            if r.tx_id != *id || r.height != self.height || usize::try_from(r.index) != Ok(i) {
                return refuse(format!(
                    "receipt {i} is for transaction `{}` at height `{}` index `{}`",
                    r.tx_id, r.height, r.index
                ));
            }
        }
        Ok(())
    }
}

impl Store {
    /// Commits one height and returns the state root after it.
    ///
    /// The height must be the next one: 0 on an empty store, else latest + 1. Everything is
    /// written in one redb transaction that is durable when this returns; on any error nothing
    /// of the height is stored.
    pub fn commit(&self, input: CommitInput<'_>) -> Result<Hash> {
        if input.height == 0 {
            return self.begin_genesis_load()?.finish(input);
        }
        self.commit_height(input)
    }

    /// Commits a height after genesis.
    fn commit_height(&self, input: CommitInput<'_>) -> Result<Hash> {
        input.check()?;
        let height = input.height;
        // Keys are hashed once, in key-hash order: the tree and the `versions` table both use
        // them so.
        let hashed = hash_writes(self.scheme, input.writes);
        // The tree's new version is computed on another thread, from a read snapshot of the
        // previous height (the only version it reads), while this thread writes the values,
        // keys, block and receipts: the two largest parts of a commit run side by side.
        let snapshot = self.db.begin_read()?;
        std::thread::scope(|scope| {
            let tree = scope.spawn(|| -> Result<(Hash, TreeUpdateBatch)> {
                let nodes = snapshot.open_table(NODES)?;
                let versions = snapshot.open_table(VERSIONS)?;
                let reader = TreeTables {
                    nodes: &nodes,
                    versions: &versions,
                };
                apply(self.scheme, &reader, &hashed, height)
            });
            let written = self.write_height(&input, Some(&hashed), None);
            let tree = tree
                .join()
                .map_err(|_| Error::Merkle("the tree's thread panicked".into()))?;
            let txn = written?;
            let (root, batch) = tree?;
            {
                let mut nodes = txn.open_table(NODES)?;
                insert_batch(&mut nodes, &batch)?;
                txn.open_table(ROOTS)?.insert(height, root.0)?;
            }
            txn.commit()?;
            Ok(root)
        })
    }

    /// Everything of a height but the tree, in a write transaction left open: checked to be
    /// the next height (so the snapshot the tree read was the previous one).
    /// `hashed` are the height's state writes; `None` when a genesis load writes them itself.
    pub(crate) fn write_height(
        &self,
        input: &CommitInput<'_>,
        hashed: Option<&HashedWrites<'_>>,
        txn: Option<redb::WriteTransaction>,
    ) -> Result<redb::WriteTransaction> {
        let height = input.height;
        let txn = match txn {
            Some(txn) => txn,
            None => begin_write(&self.db)?,
        };
        {
            let mut sys = txn.open_table(SYS)?;
            let expected = match crate::tables::latest(&sys)? {
                None => 0,
                Some(l) => l.checked_add(1).ok_or_else(|| Error::InvalidCommit {
                    height,
                    reason: "the chain is at the last representable height".into(),
                })?,
            };
            if height != expected {
                return Err(Error::OutOfOrder {
                    expected,
                    got: height,
                });
            }
            if let Some(hashed) = hashed {
                write_state(&txn, input.writes, hashed, height)?;
            }

            // The chain.
            if let Some(block) = input.block {
                txn.open_table(BLOCKS)?
                    .insert(height, block.encode().as_slice())?;
            }
            txn.open_table(BLOCK_HASHES)?
                .insert(height, input.block_hash.0)?;
            if let Some(cert) = input.certificate {
                txn.open_table(CERTIFICATES)?
                    .insert(height, cert.encode().as_slice())?;
            }
            let mut receipts = txn.open_table(RECEIPTS)?;
            let mut tx_index = txn.open_table(TX_INDEX)?;
            for (i, receipt) in (0u32..).zip(input.receipts) {
                receipts.insert((height, i), govchain_types::encode(receipt).as_slice())?;
                // A duplicate that was rejected (a replay) never hides the receipt of the
                // transaction that was executed.
                let keep_existing = receipt.status == TxStatus::Rejected
                    && tx_index.get(receipt.tx_id.0)?.is_some();
                if !keep_existing {
                    tx_index.insert(receipt.tx_id.0, (height, i))?;
                }
            }
            let mut audit = txn.open_table(AUDIT)?;
            for (i, entry) in (0u32..).zip(input.audit) {
                audit.insert((height, i), entry.as_slice())?;
            }
            // The log is a window over recent heights, not an archive (the blocks are).
            if let Some(oldest) = height.checked_sub(AUDIT_RETAIN_HEIGHTS) {
                audit.retain_in(..(oldest, 0u32), |_, _| false)?;
            }
            let mut journal = txn.open_table(JOURNAL)?;
            for (key, value) in input.journal {
                journal.insert(key.as_slice(), value.as_slice())?;
            }
            sys.insert(SYS_LATEST, height.to_be_bytes().as_slice())?;
        }
        Ok(txn)
    }
}

/// A height's state writes: the `keys` table in key order (the write set's), `versions` in
/// key-hash order, so that each table is written front to back, which keeps redb's page writes
/// few.
fn write_state(
    txn: &redb::WriteTransaction,
    writes: &WriteSet,
    hashed: &HashedWrites<'_>,
    height: Height,
) -> Result<()> {
    let mut keys = txn.open_table(KEYS)?;
    for key in writes.keys() {
        keys.insert(key.as_slice(), height)?;
    }
    let mut versions = txn.open_table(VERSIONS)?;
    let mut buf = Vec::new();
    for (kh, write) in hashed {
        let version = StoredVersionRef {
            value: write.value.as_deref(),
            tx_index: write.tx_index,
        };
        version.encode_into(&mut buf)?;
        versions.insert((*kh, height), buf.as_slice())?;
    }
    Ok(())
}

/// Stores the nodes jmt made for a height.
pub(crate) fn insert_batch(
    nodes: &mut redb::Table<'_, crate::tables::Bytes, crate::tables::Bytes>,
    batch: &TreeUpdateBatch,
) -> Result<()> {
    for (key, node) in batch.node_batch.nodes() {
        let bytes = borsh::to_vec(node).map_err(|e| Error::Merkle(e.to_string()))?;
        nodes.insert(node_key_bytes(key).as_slice(), bytes.as_slice())?;
    }
    Ok(())
}
