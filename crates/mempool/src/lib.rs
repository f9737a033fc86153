//! Admission of transactions into the pool the proposer takes blocks from.
//!
//! A transaction is admitted once: it is decoded, checked against the size limit, chain id,
//! expiry, the signer's key and nonce window, de-duplicated, and its signature is verified (in
//! batches, outside the pool's lock). The pool keeps the [`VerifiedTx`] so the node never checks
//! the same signature twice. Capacity and a per-signer limit bound memory: a flood gets
//! [`AdmitError::Full`] or [`AdmitError::SignerLimit`], never an out-of-memory.

mod pool;

pub use govchain_crypto::VerifiedTx;
pub use pool::{AdmitError, Mempool, MempoolConfig, MempoolStats};
