//! The application that a consensus engine drives: propose a block from the mempool, check a
//! proposed block, commit a decided block. It owns the store, the mempool, the metrics and the
//! stream of commit events.

use crate::error::{NodeError, Result};
use crate::metrics::Metrics;
use govchain_api::CommitEvent;
use govchain_crypto::{VerifiedTx, block_hash, hash, tx_id, validator_set_hash, verify_txs};
use govchain_execution::{
    Expected, State, StateError, apply_block, check_block_limits, envelope_failures,
    validate_header,
};
use govchain_mempool::{Mempool, MempoolConfig};
use govchain_store::{CommitInput, Store};
use govchain_types::{
    Block, CommitCertificate, Genesis, GenesisValidator, Hash, Header, Height, PublicKey, Scheme,
    TxStatus,
};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;
use tokio::sync::broadcast;

/// How far ahead of this node's clock a proposed block's time may be.
pub const MAX_CLOCK_AHEAD_MS: u64 = 30_000;

/// The latest committed block, as the next one needs it.
#[derive(Clone, Debug)]
pub struct Head {
    pub height: Height,
    /// Block hash; for height 0, the hash of the genesis document.
    pub hash: Hash,
    pub time_ms: u64,
    /// State root after this block.
    pub root: Hash,
}

/// A block ready to be voted on, with its checked transactions.
pub struct Proposal {
    pub block: Block,
    pub hash: Hash,
    pub txs: Vec<VerifiedTx>,
}

/// What a commit produced.
#[derive(Clone, Debug)]
pub struct CommitInfo {
    pub height: Height,
    pub hash: Hash,
    pub state_root: Hash,
    pub txs: usize,
}

/// The node's application.
pub struct App {
    store: Store,
    mempool: Mempool,
    genesis: Genesis,
    head: RwLock<Head>,
    commit_lock: Mutex<()>,
    events: broadcast::Sender<Arc<CommitEvent>>,
    pub(crate) metrics: Metrics,
    /// The laws in force, compiled once per set.
    laws: govchain_execution::Laws,
    /// This node's consensus key: its identity, which signed read requests name.
    node_key: PublicKey,
    /// How often each reader may make signed reads.
    pub(crate) read_limiter: crate::read_limit::ReadLimiter,
    /// Test builds only: the rule this node's proposals break.
    #[cfg(feature = "byzantine")]
    pub(crate) bad_blocks: Option<crate::byzantine::BadBlocks>,
}

/// The state as the store holds it: at the latest height, or as of a past one.
pub struct StoreState<'a> {
    pub store: &'a Store,
    pub at: Option<Height>,
}

impl State for StoreState<'_> {
    fn get(&self, key: &[u8]) -> std::result::Result<Option<Vec<u8>>, StateError> {
        self.store
            .get(key, self.at)
            .map(|v| v.map(|v| v.value))
            .map_err(|e| StateError(e.to_string()))
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        most: usize,
    ) -> std::result::Result<Option<govchain_execution::Scanned>, StateError> {
        self.store
            .reader(self.at)
            .and_then(|r| r.scan_prefix(prefix, most))
            .map_err(|e| StateError(e.to_string()))
    }
}

/// The state over one store snapshot: what a block executes against (one read transaction for
/// the whole block, not one per key).
pub struct SnapshotState(pub govchain_store::StateReader);

impl State for SnapshotState {
    fn get(&self, key: &[u8]) -> std::result::Result<Option<Vec<u8>>, StateError> {
        self.0
            .get(key)
            .map(|v| v.map(|v| v.value))
            .map_err(|e| StateError(e.to_string()))
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        most: usize,
    ) -> std::result::Result<Option<govchain_execution::Scanned>, StateError> {
        self.0
            .scan_prefix(prefix, most)
            .map_err(|e| StateError(e.to_string()))
    }
}

impl App {
    /// Opens (or creates) the store in `data_dir` for `genesis`, applying the genesis state on
    /// first start (with its snapshot files, found in `genesis_dir`), and continues from
    /// whatever height the store holds. `node_key` is this node's consensus key, its identity
    /// to clients (signed reads name it).
    pub fn open(
        data_dir: &Path,
        genesis: Genesis,
        genesis_dir: &Path,
        node_key: PublicKey,
        mempool: MempoolConfig,
    ) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|source| NodeError::Write {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let scheme = genesis.scheme;
        let store = Store::open(&data_dir.join("chain.redb"), scheme)?;
        let encoded = genesis.encode();
        let genesis_hash = hash(scheme, &encoded);
        let started = store.latest_height()?.is_some();
        match store.get_meta("genesis")? {
            Some(stored) if stored != encoded && started => {
                return Err(NodeError::GenesisMismatch(data_dir.to_path_buf()));
            }
            // Before height 0 is committed the store holds no state, and a genesis whose first
            // load failed (a snapshot file missing, say) may be corrected and tried again.
            Some(stored) if stored == encoded => {}
            _ => store.put_meta("genesis", &encoded)?,
        }
        if !started {
            crate::genesis::commit_genesis(&store, &genesis, genesis_dir, &mut |n| {
                tracing::info!(records = n, "genesis snapshots loading");
            })?;
        }
        let height = store
            .latest_height()?
            .ok_or_else(|| NodeError::Other("store is empty after genesis".into()))?;
        let head = if height == 0 {
            Head {
                height,
                hash: genesis_hash,
                time_ms: genesis.genesis_time_ms,
                root: store.root(0)?,
            }
        } else {
            let block = store
                .block(height)?
                .ok_or_else(|| NodeError::Other(format!("block {height} missing from store")))?;
            Head {
                height,
                hash: store.block_hash(height)?,
                time_ms: block.header.time_ms,
                root: store.root(height)?,
            }
        };
        let mempool = Mempool::new(
            scheme,
            genesis.chain_id.clone(),
            genesis.params.clone(),
            mempool,
        );
        let (events, _) = broadcast::channel(1024);
        let metrics = Metrics::new();
        metrics
            .height
            .set(i64::try_from(height).unwrap_or(i64::MAX));
        tracing::info!(height, root = %head.root, "store opened");
        Ok(Self {
            store,
            mempool,
            genesis,
            head: RwLock::new(head),
            commit_lock: Mutex::new(()),
            events,
            metrics,
            laws: govchain_execution::Laws::new().map_err(|e| NodeError::Other(e.to_string()))?,
            node_key,
            read_limiter: crate::read_limit::ReadLimiter::new(
                crate::read_limit::ReadLimits::default(),
            ),
            #[cfg(feature = "byzantine")]
            bad_blocks: None,
        })
    }

    pub fn scheme(&self) -> Scheme {
        self.genesis.scheme
    }

    /// The same node with other limits on how often each reader may make signed reads.
    pub fn with_read_limits(mut self, limits: crate::read_limit::ReadLimits) -> Self {
        self.read_limiter = crate::read_limit::ReadLimiter::new(limits);
        self
    }

    /// How often each reader may make signed reads.
    pub fn read_limits(&self) -> crate::read_limit::ReadLimits {
        self.read_limiter.limits()
    }

    /// This node's consensus key, which signed read requests name.
    pub fn node_key(&self) -> &PublicKey {
        &self.node_key
    }

    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The compiled laws, shared by execution and explanations.
    pub fn laws_cache(&self) -> &govchain_execution::Laws {
        &self.laws
    }

    pub fn mempool(&self) -> &Mempool {
        &self.mempool
    }

    pub fn head(&self) -> Head {
        self.head
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CommitEvent>> {
        self.events.subscribe()
    }

    pub(crate) fn state(&self) -> StoreState<'_> {
        StoreState {
            store: &self.store,
            at: None,
        }
    }

    /// The validator set that decides block `height` (1 ≤ height ≤ head + 1): the state after
    /// `height - 1` names it.
    pub fn validators_at(&self, height: Height) -> Result<Vec<GenesisValidator>> {
        let before = height.saturating_sub(1);
        let state = StoreState {
            store: &self.store,
            at: Some(before),
        };
        Ok(govchain_execution::schema::validators_at(&state, height)?)
    }

    /// Admits encoded transactions against the latest state.
    pub fn submit(
        &self,
        raw: Vec<Vec<u8>>,
    ) -> Vec<std::result::Result<Hash, govchain_mempool::AdmitError>> {
        let height = self.head().height;
        let results = self.mempool.admit_batch(raw, &self.state(), height);
        let ok = results.iter().filter(|r| r.is_ok()).count() as u64;
        self.metrics.admitted.inc_by(ok);
        self.metrics
            .refused
            .inc_by((results.len() as u64).saturating_sub(ok));
        self.metrics
            .mempool_size
            .set(i64::try_from(self.mempool.len()).unwrap_or(i64::MAX));
        results
    }

    /// Builds the next block from the mempool, proposed by `proposer` (the proposer of
    /// `round`) at `time_ms` (raised to the parent's time if the clock is behind). The block
    /// keeps the limits every block is checked against ([`check_block_limits`]).
    pub fn propose(&self, proposer: &PublicKey, round: u32, time_ms: u64) -> Result<Proposal> {
        let head = self.head();
        let params = &self.genesis.params;
        let height = head.height.saturating_add(1);
        let validators = self.validators_at(height)?;
        let mut header = Header {
            chain_id: self.genesis.chain_id.clone(),
            height,
            round,
            time_ms: time_ms.max(head.time_ms),
            parent_hash: head.hash,
            // Set below, once the transactions are checked; its size does not depend on it.
            tx_root: Hash::ZERO,
            state_root: head.root,
            proposer: proposer.clone(),
            validator_set_hash: validator_set_hash(self.scheme(), &validators),
        };
        // The pool counts each transaction's encoded size, which is one byte more than it takes
        // in a block; leave room for the header and the count.
        let budget = (params.max_block_bytes as usize)
            .saturating_sub(header.encode().len())
            .saturating_sub(4);
        let state = self.state();
        let mut txs = self
            .mempool
            .reap(&state, params.max_block_txs as usize, budget);
        // Every transaction must pass its envelope at this height (peers refuse a block with one
        // that does not): drop what a late admission let in after the last commit's clean-up.
        let failures = envelope_failures(
            &state,
            &self.genesis.chain_id,
            height,
            params.max_tx_lifetime,
            txs.iter().map(|t| &t.tx().body),
        )?;
        if !failures.is_empty() {
            if let Some((_, first)) = failures.first() {
                tracing::warn!(height, dropped = failures.len(), %first, "the pool reaped transactions that would be rejected; leaving them out");
            }
            let bad: std::collections::BTreeSet<usize> = failures.iter().map(|(i, _)| *i).collect();
            txs = txs
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !bad.contains(i))
                .map(|(_, t)| t)
                .collect();
        }
        let mut block = Block {
            header: header.clone(),
            txs: txs.iter().map(|t| t.tx().clone()).collect(),
        };
        let (txs, hashes) = match check_block_limits(self.scheme(), params, &block) {
            Ok(hashes) => (txs, hashes),
            Err(e) => {
                // The pool admits only what fits and reaps within the budget, so this is a bug;
                // propose an empty block rather than stop the node or send a block peers refuse.
                tracing::error!(height, error = %e, "the assembled block breaks the chain's limits; proposing an empty block");
                block.txs.clear();
                (
                    Vec::new(),
                    check_block_limits(self.scheme(), params, &block)?,
                )
            }
        };
        header.tx_root = hashes.root(self.scheme());
        block.header = header;
        let hash = block_hash(self.scheme(), &block.header);
        Ok(Proposal { block, hash, txs })
    }

    /// Checks a block proposed by another validator, or a decided block synced from a peer:
    /// the chain's limits ([`check_block_limits`]), its header against the parent (a state root
    /// that differs from ours is a divergence), `proposer` being the one consensus selects for
    /// the header's round (the caller knows the selection), the tx root over the full bytes of
    /// every transaction, every transaction's signature, and every transaction's envelope
    /// ([`envelope_failures`]: nothing execution would only reject). The returned transactions are
    /// exactly the block's: a copy from the pool counts only if its bytes are the block's.
    pub fn check_proposal(&self, block: &Block, proposer: &PublicKey) -> Result<Vec<VerifiedTx>> {
        let head = self.head();
        let scheme = self.scheme();
        let hashes = check_block_limits(scheme, &self.genesis.params, block)?;
        let validators = self.validators_at(head.height.saturating_add(1))?;
        let expected = Expected {
            scheme,
            chain_id: &self.genesis.chain_id,
            height: head.height.saturating_add(1),
            parent_hash: head.hash,
            parent_time_ms: head.time_ms,
            state_root: head.root,
            validator_set_hash: validator_set_hash(scheme, &validators),
            proposer,
        };
        if block.header.height == expected.height && block.header.state_root != head.root {
            tracing::error!(
                height = head.height,
                local = %head.root,
                remote = %block.header.state_root,
                "STATE DIVERGENCE: this node's state root differs from the proposed block's"
            );
            return Err(NodeError::Divergence {
                height: head.height,
                local: head.root,
                remote: block.header.state_root,
            });
        }
        validate_header(&expected, block, &hashes)?;
        // Block time comes from the proposer's clock; refuse one far ahead of ours, so a
        // proposer cannot push the chain's clock (and every deadline on it) into the future.
        let now = crate::run::now_ms();
        if block.header.time_ms > now.saturating_add(MAX_CLOCK_AHEAD_MS) {
            return Err(NodeError::Other(format!(
                "block time {} is more than {} s ahead of this node's clock ({now})",
                block.header.time_ms,
                MAX_CLOCK_AHEAD_MS / 1000
            )));
        }
        let mut out = Vec::with_capacity(block.txs.len());
        let mut unchecked = Vec::new();
        let mut slots = Vec::new();
        for (i, (tx, full)) in block.txs.iter().zip(hashes.as_slice()).enumerate() {
            // The pool's copy counts only if its bytes are this transaction's: the same id with
            // another signature is checked here like any transaction the pool never saw.
            match self.mempool.verified_copy(&tx_id(scheme, &tx.body), full) {
                Some(v) => out.push(Some(v)),
                None => {
                    out.push(None);
                    unchecked.push(tx.clone());
                    slots.push(i);
                }
            }
        }
        for (result, slot) in verify_txs(scheme, unchecked).into_iter().zip(slots) {
            let v = result.map_err(|(_, e)| NodeError::Crypto(e))?;
            if let Some(s) = out.get_mut(slot) {
                *s = Some(v);
            }
        }
        let verified = out
            .into_iter()
            .map(|v| v.ok_or_else(|| NodeError::Other("a transaction was left unchecked".into())))
            .collect::<Result<Vec<_>>>()?;
        // Signed as they say, and none of them a transaction execution would only reject.
        if let Some((index, source)) = envelope_failures(
            &self.state(),
            &self.genesis.chain_id,
            expected.height,
            self.genesis.params.max_tx_lifetime,
            block.txs.iter().map(|t| &t.body),
        )?
        .into_iter()
        .next()
        {
            return Err(govchain_execution::BlockRuleError::Rejected { index, source }.into());
        }
        Ok(verified)
    }

    /// The latest `limit` authorization requests of the audit log, oldest first.
    pub fn audit_recent(&self, limit: usize) -> Result<Vec<govchain_execution::Audited>> {
        self.store
            .audit_recent(limit)?
            .into_iter()
            .map(|(height, index, bytes)| {
                govchain_types::decode("audit entry", &bytes)
                    .map_err(|e| NodeError::Other(format!("audit entry {height}/{index}: {e}")))
            })
            .collect()
    }

    /// Executes and durably commits a decided block with its certificate. The block must follow
    /// the head; it was checked by [`App::check_proposal`] or built by [`App::propose`].
    pub fn commit(
        &self,
        block: &Block,
        txs: &[VerifiedTx],
        certificate: &CommitCertificate,
    ) -> Result<CommitInfo> {
        let _guard = self
            .commit_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let started = Instant::now();
        let head = self.head();
        let height = block.header.height;
        if height != head.height.saturating_add(1) || block.header.parent_hash != head.hash {
            return Err(NodeError::Other(format!(
                "block {height} does not follow the head at height {}",
                head.height
            )));
        }
        if block.header.state_root != head.root {
            tracing::error!(height, local = %head.root, remote = %block.header.state_root, "STATE DIVERGENCE");
            return Err(NodeError::Divergence {
                height: head.height,
                local: head.root,
                remote: block.header.state_root,
            });
        }
        // INVARIANT: what executes is what is stored. `check_proposal` and `propose` return the
        // block's own transactions; refuse anything else rather than commit a block whose
        // stored bytes differ from what ran.
        if txs.len() != block.txs.len() || txs.iter().zip(&block.txs).any(|(v, t)| v.tx() != t) {
            return Err(NodeError::Other(format!(
                "block {height}: the transactions to execute are not the block's own"
            )));
        }
        let hash = block_hash(self.scheme(), &block.header);
        let snapshot = SnapshotState(self.store.reader(None)?);
        let outcome = apply_block(&snapshot, &block.header, txs, &self.laws)?;
        let ids: Vec<Hash> = txs.iter().map(VerifiedTx::id).collect();
        let audit = audit_sample(&outcome.audit);
        let root = self.store.commit(CommitInput {
            height,
            block: Some(block),
            block_hash: hash,
            certificate: Some(certificate),
            receipts: &outcome.receipts,
            tx_ids: &ids,
            writes: &outcome.writes,
            audit: &audit,
            journal: &outcome.journal,
        })?;
        {
            let mut h = self
                .head
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *h = Head {
                height,
                hash,
                time_ms: block.header.time_ms,
                root,
            };
        }
        self.mempool.on_commit(&ids, &self.state(), height);
        let not_ok = outcome
            .receipts
            .iter()
            .filter(|r| r.status != TxStatus::Ok)
            .count() as u64;
        self.metrics.blocks.inc();
        self.metrics.txs.inc_by(ids.len() as u64);
        self.metrics.txs_failed.inc_by(not_ok);
        self.metrics
            .height
            .set(i64::try_from(height).unwrap_or(i64::MAX));
        self.metrics
            .mempool_size
            .set(i64::try_from(self.mempool.len()).unwrap_or(i64::MAX));
        self.metrics
            .commit_seconds
            .observe(started.elapsed().as_secs_f64());
        tracing::debug!(height, %hash, %root, txs = ids.len(), "committed");
        // Subscribers get the receipts whole; the API's event stream redacts what it shows.
        let receipts = outcome.receipts;
        // Nobody listening is fine.
        let _ = self.events.send(Arc::new(CommitEvent {
            height,
            hash,
            time_ms: block.header.time_ms,
            state_root: root,
            tx_count: ids.len(),
            receipts,
        }));
        Ok(CommitInfo {
            height,
            hash,
            state_root: root,
            txs: ids.len(),
        })
    }
}

/// Most authorization requests of one block kept in the audit log.
const AUDIT_PER_BLOCK: usize = 100;

/// The block's authorization requests for the audit log, encoded: all of them, or an even
/// sample of [`AUDIT_PER_BLOCK`] for a large block.
fn audit_sample(audit: &[govchain_execution::Audited]) -> Vec<Vec<u8>> {
    let stride = audit.len().div_ceil(AUDIT_PER_BLOCK).max(1);
    audit
        .iter()
        .step_by(stride)
        .map(govchain_types::encode)
        .collect()
}
