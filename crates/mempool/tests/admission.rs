//! Admission rules: each refusal is named, and refused input changes nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use govchain_crypto::{SecretKey, sign_tx};
use govchain_execution::envelope::EnvelopeError;
use govchain_execution::{MemState, genesis_writes};
use govchain_mempool::{AdmitError, Mempool, MempoolConfig};
use govchain_types::*;
use proptest::prelude::*;

const CHAIN: &str = "pool-test";

fn key(n: &str) -> SecretKey {
    SecretKey::from_seed(Scheme::Ed25519, n.as_bytes())
}

fn state() -> MemState {
    let g = Genesis {
        chain_id: CHAIN.into(),
        scheme: Scheme::Ed25519,
        genesis_time_ms: 0,
        params: ChainParams::default(),
        validators: vec![GenesisValidator {
            name: PrincipalId::new("v").unwrap(),
            key: key("v").public_key(),
            power: 1,
        }],
        accounts: ["a", "b"]
            .iter()
            .map(|n| GenesisAccount {
                id: PrincipalId::new(*n).unwrap(),
                kind: PrincipalKind::Department,
                authority: true,
                keys: vec![key(n).public_key()],
            })
            .collect(),
        bodies: vec![],
        laws: vec![govchain_law::bootstrap::constitution()],
        records: vec![],
        positions: vec![],
        balances: vec![],
        snapshots: vec![],
        services: vec![],
    };
    let mut s = MemState::default();
    s.apply(&genesis_writes(&g).unwrap());
    s
}

fn pool(capacity: usize, per_signer: usize) -> Mempool {
    pool_of(capacity, per_signer, usize::MAX)
}

fn pool_of(capacity: usize, per_signer: usize, max_bytes: usize) -> Mempool {
    Mempool::new(
        Scheme::Ed25519,
        CHAIN.into(),
        ChainParams::default(),
        MempoolConfig {
            capacity,
            max_per_signer: per_signer,
            nonce_window: 10,
            max_bytes,
        },
    )
}

fn body(signer: &SecretKey, nonce: u64, valid_until: u64) -> TxBody {
    TxBody {
        chain_id: CHAIN.into(),
        signer: signer.public_key(),
        nonce,
        valid_until,
        acting_as: None,
        payload: Payload::RegisterKey {
            principal: PrincipalId::new(format!("p-{nonce}")).unwrap(),
            kind: PrincipalKind::Person,
            key: key(&format!("new-{nonce}")).public_key(),
        },
    }
}

fn raw(signer: &SecretKey, nonce: u64, valid_until: u64) -> Vec<u8> {
    sign_tx(Scheme::Ed25519, signer, body(signer, nonce, valid_until)).encode()
}

#[test]
fn each_refusal_is_named_and_adds_nothing() {
    let s = state();
    let a = key("a");
    let p = pool(100, 100);
    let good = raw(&a, 0, 10);
    assert!(p.admit(good.clone(), &s, 0).is_ok());

    let mut wrong_chain = body(&a, 1, 10);
    wrong_chain.chain_id = "other".into();
    let mut bad_sig = sign_tx(Scheme::Ed25519, &a, body(&a, 1, 10));
    bad_sig.body.nonce = 2; // signature no longer matches
    let sm2 = SecretKey::from_seed(Scheme::Sm2, b"x");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("garbage", b"not a transaction".to_vec(), "malformed"),
        ("empty", vec![], "malformed"),
        ("oversize", vec![1u8; 70_000], "too_large"),
        (
            "wrong chain",
            sign_tx(Scheme::Ed25519, &a, wrong_chain).encode(),
            "wrong_chain",
        ),
        ("expired", raw(&a, 1, 0), "expired"),
        ("too long-lived", raw(&a, 1, 5_000), "lifetime_too_long"),
        (
            "unknown signer",
            raw(&key("nobody"), 0, 10),
            "unknown_signer",
        ),
        ("bad signature", bad_sig.encode(), "bad_signature"),
        (
            "other scheme",
            sign_tx(Scheme::Sm2, &sm2, body(&sm2, 0, 10)).encode(),
            "unknown_signer",
        ),
        ("nonce beyond the window", raw(&a, 50, 10), "nonce_too_high"),
        ("duplicate", good.clone(), "duplicate"),
        ("same nonce, other content", raw(&a, 0, 11), "nonce_taken"),
    ];
    for (what, bytes, code) in cases {
        let err = p.admit(bytes, &s, 0).unwrap_err();
        assert_eq!(err.code(), code, "{what}: {err}");
        assert!(!err.to_string().is_empty());
        assert_eq!(p.len(), 1, "{what} changed the pool");
    }
}

#[test]
fn replay_of_a_used_nonce_is_refused() {
    let mut s = state();
    let a = key("a");
    // The chain has moved the signer's nonce to 3.
    s.0.insert(
        govchain_execution::schema::nonce_key(&a.public_key()),
        encode(&3u64),
    );
    let p = pool(100, 100);
    let err = p.admit(raw(&a, 2, 10), &s, 0).unwrap_err();
    assert!(
        matches!(
            err,
            AdmitError::Envelope(EnvelopeError::NonceUsed {
                nonce: 2,
                expected: 3
            })
        ),
        "{err}"
    );
    assert_eq!(err.code(), "replay");
    assert!(p.admit(raw(&a, 3, 10), &s, 0).is_ok());
}

#[test]
fn capacity_and_per_signer_limits_bound_the_pool() {
    let s = state();
    let (a, b) = (key("a"), key("b"));
    let p = pool(3, 2);
    assert!(p.admit(raw(&a, 0, 10), &s, 0).is_ok());
    assert!(p.admit(raw(&a, 1, 10), &s, 0).is_ok());
    let err = p.admit(raw(&a, 2, 10), &s, 0).unwrap_err();
    assert_eq!(err.code(), "signer_limit");
    assert!(p.admit(raw(&b, 0, 10), &s, 0).is_ok());
    let err = p.admit(raw(&b, 1, 10), &s, 0).unwrap_err();
    assert_eq!(err.code(), "mempool_full", "{err}");
    assert!(err.to_string().starts_with("mempool full"));
    assert_eq!(p.len(), 3);
}

#[test]
fn a_byte_cap_bounds_the_pool_whatever_the_count() {
    let s = state();
    let (a, b) = (key("a"), key("b"));
    let size = raw(&a, 0, 10).len();
    // Room for two transactions' bytes, though the count cap allows a hundred.
    let p = pool_of(100, 100, 2 * size + size / 2);
    assert!(p.admit(raw(&a, 0, 10), &s, 0).is_ok());
    assert!(p.admit(raw(&b, 0, 10), &s, 0).is_ok());
    let err = p.admit(raw(&a, 1, 10), &s, 0).unwrap_err();
    assert_eq!(err.code(), "mempool_full", "{err}");
    assert!(err.to_string().contains("bytes"), "{err}");
    assert_eq!(p.len(), 2);
    assert_eq!(p.stats().bytes, 2 * size);
}

#[test]
fn reap_takes_consecutive_nonces_and_commit_prunes() {
    let mut s = state();
    let (a, b) = (key("a"), key("b"));
    let p = pool(100, 100);
    // a: 0, 1, 3 (gap at 2); b: 1 only (gap at 0).
    for r in [
        raw(&a, 1, 10),
        raw(&a, 0, 10),
        raw(&a, 3, 10),
        raw(&b, 1, 10),
    ] {
        p.admit(r, &s, 0).unwrap();
    }
    let reaped = p.reap(&s, 100, usize::MAX);
    let nonces: Vec<_> = reaped
        .iter()
        .map(|t| (t.tx().body.signer.clone(), t.tx().body.nonce))
        .collect();
    assert_eq!(nonces, vec![(a.public_key(), 0), (a.public_key(), 1)]);
    assert_eq!(p.reap(&s, 1, usize::MAX).len(), 1, "max_txs is respected");
    assert!(p.reap(&s, 100, 10).is_empty(), "max_bytes is respected");

    // Commit a's 0 and 1: they leave, and so does nothing else.
    let ids: Vec<_> = reaped.iter().map(|t| t.id()).collect();
    s.0.insert(
        govchain_execution::schema::nonce_key(&a.public_key()),
        encode(&2u64),
    );
    p.on_commit(&ids, &s, 1);
    assert_eq!(p.len(), 2);
    // At height 10 everything valid until 10 expires for the next block.
    p.on_commit(&[], &s, 10);
    assert!(p.is_empty());
}

#[test]
fn batches_keep_input_order() {
    let s = state();
    let a = key("a");
    let p = pool(100, 100);
    let results = p.admit_batch(
        vec![
            raw(&a, 0, 10),
            b"junk".to_vec(),
            raw(&a, 1, 10),
            raw(&a, 1, 10),
        ],
        &s,
        0,
    );
    assert!(results[0].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err().code(), "malformed");
    assert!(results[2].is_ok());
    assert_eq!(results[3].as_ref().unwrap_err().code(), "duplicate");
    assert_eq!(p.stats().admitted, 2);
    assert_eq!(p.stats().refused, 2);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_and_never_enter(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let s = state();
        let p = pool(10, 10);
        prop_assert!(p.admit(bytes, &s, 0).is_err());
        prop_assert!(p.is_empty());
    }
}

/// Admission and execution apply one envelope check: every envelope the pool refuses, a block
/// refuses too, with the same code in the receipt as in the admission answer.
#[test]
fn admission_and_execution_refuse_an_envelope_alike() {
    let mut s = state();
    let a = key("a");
    s.0.insert(
        govchain_execution::schema::nonce_key(&a.public_key()),
        encode(&3u64),
    );
    let mut wrong_chain = body(&a, 3, 10);
    wrong_chain.chain_id = "other".into();
    let cases: Vec<(&str, Tx)> = vec![
        ("wrong chain", sign_tx(Scheme::Ed25519, &a, wrong_chain)),
        ("expired", sign_tx(Scheme::Ed25519, &a, body(&a, 3, 0))),
        (
            "too long-lived",
            sign_tx(Scheme::Ed25519, &a, body(&a, 3, 5_000)),
        ),
        (
            "unknown signer",
            sign_tx(Scheme::Ed25519, &key("nobody"), body(&key("nobody"), 0, 10)),
        ),
        (
            "a used nonce",
            sign_tx(Scheme::Ed25519, &a, body(&a, 2, 10)),
        ),
        (
            "a nonce beyond the window",
            sign_tx(Scheme::Ed25519, &a, body(&a, 50, 10)),
        ),
    ];
    let laws = govchain_execution::Laws::new().unwrap();
    for (what, tx) in cases {
        let admitted = pool(100, 100).admit(tx.encode(), &s, 0).unwrap_err();
        let header = Header {
            chain_id: CHAIN.into(),
            height: 1,
            round: 0,
            time_ms: 1,
            parent_hash: Hash::ZERO,
            tx_root: Hash::ZERO,
            state_root: Hash::ZERO,
            proposer: key("v").public_key(),
            validator_set_hash: Hash::ZERO,
        };
        let vtx = govchain_crypto::verify_tx(Scheme::Ed25519, tx).unwrap();
        let out = govchain_execution::apply_block(&s, &header, &[vtx], &laws).unwrap();
        let receipt = &out.receipts[0];
        assert_eq!(receipt.status, TxStatus::Rejected, "{what}");
        assert_eq!(
            receipt.code.as_deref(),
            Some(admitted.code().as_str()),
            "{what}: admission said {admitted}, the receipt {:?}",
            receipt.error
        );
        assert_eq!(
            admitted.code().stage(),
            govchain_types::Stage::Both,
            "{what}"
        );
    }
}
