//! Fixtures: blocks, write sets, commits.

use govchain_store::{CommitInput, Store};
use govchain_types::{
    Block, CommitCertificate, Hash, Header, Height, Payload, PrincipalId, PublicKey, Receipt,
    Scheme, Signature, Tx, TxBody, TxStatus, Write, WriteSet,
};
use redb::backends::InMemoryBackend;

pub fn memory_store(scheme: Scheme) -> Store {
    Store::open_with_backend(InMemoryBackend::new(), scheme).unwrap()
}

pub fn block(height: Height, txs: Vec<Tx>) -> Block {
    Block {
        header: Header {
            chain_id: "test".into(),
            height,
            round: 0,
            time_ms: 1_700_000_000_000 + height,
            parent_hash: Hash([height as u8; 32]),
            tx_root: Hash::ZERO,
            state_root: Hash::ZERO,
            proposer: PublicKey::Ed25519([7; 32]),
            validator_set_hash: Hash::ZERO,
        },
        txs,
    }
}

/// A deterministic block hash for a height.
pub fn block_hash(height: Height) -> Hash {
    let mut h = [0xb1; 32];
    h[..8].copy_from_slice(&height.to_be_bytes());
    Hash(h)
}

pub fn tx(nonce: u64) -> Tx {
    Tx {
        body: TxBody {
            chain_id: "test".into(),
            signer: PublicKey::Ed25519([1; 32]),
            nonce,
            valid_until: 1_000,
            acting_as: None,
            payload: Payload::RevokeKey {
                principal: PrincipalId::new("cit-0001").unwrap(),
                key: PublicKey::Ed25519([2; 32]),
            },
        },
        signature: Signature::Ed25519([3; 64]),
    }
}

pub fn receipt(tx_id: Hash, height: Height, index: u32, status: TxStatus) -> Receipt {
    Receipt {
        decided_by: None,
        tx_id,
        height,
        index,
        status,
        code: None,
        error: None,
        events: Vec::new(),
    }
}

pub fn certificate(height: Height) -> CommitCertificate {
    CommitCertificate {
        height,
        round: 0,
        block_hash: block_hash(height),
        signatures: Vec::new(),
    }
}

/// A write set from `(key, value)` pairs; `None` deletes. Each write's tx index is its position.
pub fn writes(items: &[(&str, Option<&str>)]) -> WriteSet {
    items
        .iter()
        .zip(0u32..)
        .map(|((k, v), i)| {
            let w = Write {
                value: v.map(|v| v.as_bytes().to_vec()),
                tx_index: Some(i),
            };
            (k.as_bytes().to_vec(), w)
        })
        .collect()
}

/// Commits `ws` at `height` with a transaction-less block (none for genesis).
pub fn commit(store: &Store, height: Height, ws: &WriteSet) -> govchain_store::Result<Hash> {
    let b = (height > 0).then(|| block(height, Vec::new()));
    let cert = (height > 0).then(|| certificate(height));
    store.commit(CommitInput {
        height,
        block: b.as_ref(),
        block_hash: block_hash(height),
        certificate: cert.as_ref(),
        receipts: &[],
        tx_ids: &[],
        writes: ws,
        audit: &[],
        journal: &[],
    })
}
