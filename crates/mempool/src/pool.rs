use govchain_crypto::{VerifiedTx, verify_txs};
use govchain_execution::envelope::{
    Envelope, EnvelopeError, NonceRule, Rules, check_envelope, check_stateless,
};
use govchain_execution::{State, TxTooLarge, check_tx_size, schema};
use govchain_types::{ChainParams, Hash, Height, PublicKey, Scheme, Tx};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Limits of the pool.
#[derive(Clone, Debug)]
pub struct MempoolConfig {
    /// Most transactions held at once.
    pub capacity: usize,
    /// Most transactions held for one signer.
    pub max_per_signer: usize,
    /// How far ahead of the signer's next nonce a transaction may be.
    pub nonce_window: u64,
    /// Most bytes of encoded transactions held at once: with the count cap alone, 100,000
    /// transactions of 64 KiB would hold 6.4 GB.
    pub max_bytes: usize,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        Self {
            capacity: 100_000,
            max_per_signer: 1_000,
            nonce_window: 1_000,
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

/// Why a transaction was not admitted. Every variant maps to a 4xx answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmitError {
    #[error("transaction is {size} bytes, more than the limit of {limit}")]
    TooLarge { size: usize, limit: u32 },
    #[error("transaction does not decode: {0}")]
    Decode(String),
    /// The envelope rules every block keeps too (`govchain_execution::envelope`).
    #[error("{0}")]
    Envelope(#[from] EnvelopeError),
    #[error("signature is invalid: {0}")]
    BadSignature(String),
    #[error("transaction `{0}` is already in the pool")]
    Duplicate(Hash),
    #[error("another transaction of this signer with nonce {0} is already in the pool")]
    NonceTaken(u64),
    #[error("signer has {0} transactions waiting, the most allowed")]
    SignerLimit(usize),
    #[error("mempool full: {0} transactions waiting, try again later")]
    Full(usize),
    #[error("mempool full: {held} bytes of transactions waiting, at most {limit}; try again later")]
    FullBytes { held: usize, limit: usize },
    #[error("state unavailable: {0}")]
    State(String),
}

impl AdmitError {
    /// A stable machine-readable code for the API.
    pub fn code(&self) -> govchain_types::Code {
        use govchain_types::Code;
        match self {
            AdmitError::TooLarge { .. } => Code::TooLarge,
            AdmitError::Decode(_) => Code::Malformed,
            AdmitError::Envelope(e) => e.code(),
            AdmitError::BadSignature(_) => Code::BadSignature,
            AdmitError::Duplicate(_) => Code::Duplicate,
            AdmitError::NonceTaken(_) => Code::NonceTaken,
            AdmitError::SignerLimit(_) => Code::SignerLimit,
            AdmitError::Full(_) | AdmitError::FullBytes { .. } => Code::MempoolFull,
            AdmitError::State(_) => Code::Unavailable,
        }
    }
}

/// Counters for `/metrics`.
#[derive(Clone, Debug, Default)]
pub struct MempoolStats {
    pub size: usize,
    pub bytes: usize,
    pub admitted: u64,
    pub refused: u64,
}

struct Entry {
    tx: VerifiedTx,
    size: usize,
    /// The full hash of the bytes admitted ([`govchain_crypto::tx_hash`]): what a block's
    /// transaction must hash to for this entry's signature check to count for it.
    hash: Hash,
    seq: u64,
}

#[derive(Default)]
struct Inner {
    by_id: HashMap<Hash, Entry>,
    /// signer → nonce → id; ordered, so a signer's ready run is a range scan.
    by_signer: HashMap<PublicKey, BTreeMap<u64, Hash>>,
    next_seq: u64,
    stats: MempoolStats,
}

/// The pool. Internally synchronised: the API admits while the producer reaps.
pub struct Mempool {
    scheme: Scheme,
    chain_id: String,
    params: ChainParams,
    config: MempoolConfig,
    inner: Mutex<Inner>,
}

struct Candidate {
    tx: Tx,
    size: usize,
    hash: Hash,
}

impl Mempool {
    pub fn new(
        scheme: Scheme,
        chain_id: String,
        params: ChainParams,
        config: MempoolConfig,
    ) -> Self {
        Self {
            scheme,
            chain_id,
            params,
            config,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters more than losing the pool, so a poisoned lock is taken over.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Admits a batch of encoded transactions against the state after `height`. Results are in
    /// input order; the `Ok` value is the transaction id.
    pub fn admit_batch(
        &self,
        raw: Vec<Vec<u8>>,
        state: &dyn State,
        height: Height,
    ) -> Vec<Result<Hash, AdmitError>> {
        let next = height.saturating_add(1);
        // Phase 1, no lock: decode and stateless checks.
        let mut results: Vec<Option<Result<Hash, AdmitError>>> = Vec::with_capacity(raw.len());
        let mut candidates = Vec::new();
        let mut slots = Vec::new();
        for (i, bytes) in raw.into_iter().enumerate() {
            match self.stateless(&bytes, next) {
                Ok(tx) => {
                    // `stateless` decoded canonically, so these bytes are `tx.encode()`.
                    candidates.push(Candidate {
                        tx,
                        size: bytes.len(),
                        hash: govchain_crypto::hash(self.scheme, &bytes),
                    });
                    slots.push(i);
                    results.push(None);
                }
                Err(e) => results.push(Some(Err(e))),
            }
        }
        // Phase 2: signer and nonce against the state (reads only).
        let mut kept = Vec::new();
        let mut kept_slots = Vec::new();
        for (c, slot) in candidates.into_iter().zip(slots) {
            match self.check_signer(state, &c.tx, next) {
                Ok(()) => {
                    kept.push(c);
                    kept_slots.push(slot);
                }
                Err(e) => set(&mut results, slot, Err(e)),
            }
        }
        // Phase 3, no lock: signatures, batched.
        let sizes: Vec<(usize, Hash)> = kept.iter().map(|c| (c.size, c.hash)).collect();
        let verified = verify_txs(self.scheme, kept.into_iter().map(|c| c.tx).collect());
        // Phase 4, under the lock: dedupe, per-signer and capacity limits, insert.
        let mut inner = self.lock();
        for ((outcome, slot), (size, hash)) in verified.into_iter().zip(kept_slots).zip(sizes) {
            let r = match outcome {
                Err((_, e)) => Err(AdmitError::BadSignature(e.to_string())),
                Ok(vtx) => self.insert(&mut inner, vtx, size, hash),
            };
            set(&mut results, slot, r);
        }
        let (ok, refused) = results.iter().fold((0u64, 0u64), |(a, r), x| match x {
            Some(Ok(_)) => (a.saturating_add(1), r),
            _ => (a, r.saturating_add(1)),
        });
        inner.stats.admitted = inner.stats.admitted.saturating_add(ok);
        inner.stats.refused = inner.stats.refused.saturating_add(refused);
        drop(inner);
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(AdmitError::State("admission lost a result".into()))))
            .collect()
    }

    /// Admits one encoded transaction.
    pub fn admit(
        &self,
        raw: Vec<u8>,
        state: &dyn State,
        height: Height,
    ) -> Result<Hash, AdmitError> {
        self.admit_batch(vec![raw], state, height)
            .into_iter()
            .next()
            .unwrap_or_else(|| Err(AdmitError::State("admission lost a result".into())))
    }

    fn stateless(&self, bytes: &[u8], next: Height) -> Result<Tx, AdmitError> {
        // The same rule every block keeps (`govchain_execution::check_block_limits`).
        check_tx_size(&self.params, bytes.len())
            .map_err(|TxTooLarge { size, limit }| AdmitError::TooLarge { size, limit })?;
        let tx = Tx::decode(bytes).map_err(|e| AdmitError::Decode(e.to_string()))?;
        check_stateless(&envelope(&tx), &self.rules(next))?;
        Ok(tx)
    }

    /// The envelope rules as the next block will apply them, with the pool's nonce window.
    fn rules(&self, next: Height) -> Rules<'_> {
        Rules {
            chain_id: &self.chain_id,
            height: next,
            max_lifetime: self.params.max_tx_lifetime,
            nonce: NonceRule::Window(self.config.nonce_window),
        }
    }

    fn check_signer(&self, state: &dyn State, tx: &Tx, next: Height) -> Result<(), AdmitError> {
        check_envelope(state, &envelope(tx), &self.rules(next))
            .map_err(|e| AdmitError::State(e.to_string()))??;
        Ok(())
    }

    fn insert(
        &self,
        inner: &mut Inner,
        vtx: VerifiedTx,
        size: usize,
        hash: Hash,
    ) -> Result<Hash, AdmitError> {
        let id = vtx.id();
        if inner.by_id.contains_key(&id) {
            return Err(AdmitError::Duplicate(id));
        }
        let signer = vtx.tx().body.signer.clone();
        let nonce = vtx.tx().body.nonce;
        let pending = inner.by_signer.get(&signer).map_or(0, BTreeMap::len);
        if let Some(nonces) = inner.by_signer.get(&signer)
            && nonces.contains_key(&nonce)
        {
            return Err(AdmitError::NonceTaken(nonce));
        }
        if pending >= self.config.max_per_signer {
            return Err(AdmitError::SignerLimit(pending));
        }
        if inner.by_id.len() >= self.config.capacity {
            return Err(AdmitError::Full(inner.by_id.len()));
        }
        if inner.stats.bytes.saturating_add(size) > self.config.max_bytes {
            return Err(AdmitError::FullBytes {
                held: inner.stats.bytes,
                limit: self.config.max_bytes,
            });
        }
        let seq = inner.next_seq;
        inner.next_seq = seq.saturating_add(1);
        inner.by_signer.entry(signer).or_default().insert(nonce, id);
        inner.by_id.insert(
            id,
            Entry {
                tx: vtx,
                size,
                hash,
                seq,
            },
        );
        inner.stats.size = inner.by_id.len();
        inner.stats.bytes = inner.stats.bytes.saturating_add(size);
        Ok(id)
    }

    /// The transactions to propose next, at most `max_txs` and `max_bytes`: for each signer the
    /// run of consecutive nonces starting at its next nonce, signers in order of arrival.
    pub fn reap(&self, state: &dyn State, max_txs: usize, max_bytes: usize) -> Vec<VerifiedTx> {
        let inner = self.lock();
        let mut runs: Vec<(u64, Vec<&Entry>)> = Vec::new();
        for (signer, nonces) in &inner.by_signer {
            let Ok(mut expected) = schema::next_nonce(state, signer) else {
                continue;
            };
            let mut run = Vec::new();
            for (nonce, id) in nonces.range(expected..) {
                if *nonce != expected {
                    break;
                }
                let Some(entry) = inner.by_id.get(id) else {
                    break;
                };
                run.push(entry);
                let Some(n) = expected.checked_add(1) else {
                    break;
                };
                expected = n;
            }
            if let Some(first) = run.first() {
                runs.push((first.seq, run));
            }
        }
        runs.sort_by_key(|(seq, _)| *seq);
        let mut out = Vec::new();
        let mut bytes = 0usize;
        'outer: for (_, run) in runs {
            for entry in run {
                let after = bytes.saturating_add(entry.size);
                if out.len() >= max_txs || after > max_bytes {
                    break 'outer;
                }
                bytes = after;
                out.push(entry.tx.clone());
            }
        }
        out
    }

    /// The pool's checked copy of a block's transaction: the entry with id `id` whose admitted
    /// bytes have the full hash `full_hash` ([`govchain_crypto::tx_hash`]). A transaction with
    /// the same id but other bytes (another signature over the same body) is not the pool's, and
    /// its signature must be checked on its own.
    pub fn verified_copy(&self, id: &Hash, full_hash: &Hash) -> Option<VerifiedTx> {
        self.lock()
            .by_id
            .get(id)
            .filter(|e| e.hash == *full_hash)
            .map(|e| e.tx.clone())
    }

    /// Whether the pool holds (and so has verified) a transaction.
    pub fn contains(&self, id: &Hash) -> bool {
        self.lock().by_id.contains_key(id)
    }

    /// After a block is committed: drops its transactions, and every transaction that can no
    /// longer execute (nonce used, expired at the next height, signer's key revoked).
    pub fn on_commit(&self, committed: &[Hash], state: &dyn State, height: Height) {
        let next = height.saturating_add(1);
        let mut inner = self.lock();
        let mut gone: Vec<Hash> = committed.to_vec();
        for (signer, nonces) in &inner.by_signer {
            let expected = schema::next_nonce(state, signer).unwrap_or(0);
            let revoked = matches!(
                schema::key_record(state, signer),
                Ok(Some(r)) if !r.active_at(next)
            );
            for (nonce, id) in nonces {
                let expired = inner
                    .by_id
                    .get(id)
                    .is_some_and(|e| e.tx.tx().body.valid_until < next);
                if revoked || *nonce < expected || expired {
                    gone.push(*id);
                }
            }
        }
        for id in gone {
            if let Some(entry) = inner.by_id.remove(&id) {
                inner.stats.bytes = inner.stats.bytes.saturating_sub(entry.size);
                let signer = &entry.tx.tx().body.signer;
                let empty = match inner.by_signer.get_mut(signer) {
                    Some(nonces) => {
                        nonces.remove(&entry.tx.tx().body.nonce);
                        nonces.is_empty()
                    }
                    None => false,
                };
                if empty {
                    inner.by_signer.remove(signer);
                }
            }
        }
        inner.stats.size = inner.by_id.len();
    }

    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn stats(&self) -> MempoolStats {
        self.lock().stats.clone()
    }
}

fn set<T>(results: &mut [Option<T>], slot: usize, value: T) {
    if let Some(r) = results.get_mut(slot) {
        *r = Some(value);
    }
}

/// A transaction's envelope, as the shared check reads it.
fn envelope(tx: &Tx) -> Envelope<'_> {
    Envelope {
        chain_id: &tx.body.chain_id,
        signer: &tx.body.signer,
        valid_until: tx.body.valid_until,
        nonce: Some(tx.body.nonce),
    }
}
