//! govchain's cryptography: the chain hash, Merkle roots, keys, signatures and commit
//! certificates.
//!
//! A chain fixes its [`Scheme`] in genesis, and the scheme fixes both halves:
//!
//! | scheme | signatures | hash |
//! | --- | --- | --- |
//! | `ed25519` | Ed25519 with the ZIP-215 rules ([`ed25519_consensus`]) | SHA-256 |
//! | `sm2` | SM2 (GB/T 32918.2) with SM3, id [`SM2_DISTID`] | SM3 (GB/T 32905) |
//!
//! Validators' consensus keys are Ed25519 on every chain. Nothing here is home-made
//! cryptography: the primitives are the RustCrypto `sha2`, `sm3` and `sm2` crates and
//! `ed25519-consensus`; this crate chooses, wires and tests them. No function here panics on
//! input, and none does I/O apart from drawing randomness for new keys and batch verification.

mod commit;
mod error;
mod hash;
mod keyfile;
mod keys;
mod merkle;
mod tx;
mod verify;

pub use commit::{sign_commit, verify_commit};
pub use error::{CryptoError, Result};
pub use govchain_types::Scheme;
pub use hash::{
    Hasher, SECRET_COMMITMENT_DOMAIN, block_hash, hash, hash_parts, secret_commitment, tx_hash,
    tx_id, validator_set_hash,
};
pub use keyfile::KeyFile;
pub use keys::{SM2_DISTID, SecretKey, Signer};
pub use merkle::merkle_root;
pub use tx::{VerifiedTx, sign_as_body, sign_tx, verify_tx, verify_txs};
pub use verify::{BatchVerifier, verify};
