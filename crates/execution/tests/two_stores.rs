//! The same blocks applied on two independent redb stores give the same state root at every
//! height (DESIGN.md §3: same block in, same state root out, on every node).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

mod common;

use common::*;
use govchain_crypto::{block_hash, merkle_root, tx_hash};
use govchain_execution::{apply_block, genesis_writes};
use govchain_store::{CommitInput, Store};
use govchain_types::{Block, PrincipalKind, Scheme};

#[test]
fn two_stores_agree_at_every_height() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let stores: Vec<Store> = dirs
        .iter()
        .map(|d| Store::open(&d.path().join("chain.redb"), Scheme::Ed25519).unwrap())
        .collect();
    let g = genesis();
    let writes = genesis_writes(&g).unwrap();
    let mut roots = Vec::new();
    for s in &stores {
        roots.push(
            s.commit(CommitInput {
                height: 0,
                block: None,
                block_hash: Default::default(),
                certificate: None,
                receipts: &[],
                tx_ids: &[],
                writes: &writes,
                audit: &[],
                journal: &[],
            })
            .unwrap(),
        );
    }
    assert_eq!(roots[0], roots[1]);
    roots.pop();

    let ca = key("civil-affairs");
    let mut nonce = 0u64;
    for height in 1..=30u64 {
        // A mix: registrations, a self-added key, a revocation, some refused transactions.
        let mut txs = Vec::new();
        for j in 0..(height % 5) {
            let who = format!("p{height}-{j}");
            txs.push(tx(
                &ca,
                nonce,
                height + 5,
                register(&who, PrincipalKind::Person, &key(&who)),
            ));
            nonce += 1;
        }
        if height % 7 == 0 {
            txs.push(tx(
                &ca,
                nonce + 3,
                height + 5,
                register("late", PrincipalKind::Person, &key("late")),
            ));
            let prev = format!("p{}-0", height - 1);
            txs.push(tx(&ca, nonce, height + 5, revoke(&prev, &key(&prev))));
            nonce += 1;
        }
        let ids: Vec<_> = txs.iter().map(|t| t.id()).collect();
        let leaves: Vec<_> = txs
            .iter()
            .map(|t| tx_hash(Scheme::Ed25519, t.tx()))
            .collect();
        let mut h = header(height);
        h.tx_root = merkle_root(Scheme::Ed25519, &leaves);
        let block = Block {
            header: h,
            txs: txs.iter().map(|t| t.tx().clone()).collect(),
        };
        let hash = block_hash(Scheme::Ed25519, &block.header);
        let mut per_store = Vec::new();
        for s in &stores {
            let out = apply_block(&Latest(s), &block.header, &txs, &LAWS).unwrap();
            let root = s
                .commit(CommitInput {
                    height,
                    block: Some(&block),
                    block_hash: hash,
                    certificate: None,
                    receipts: &out.receipts,
                    tx_ids: &ids,
                    writes: &out.writes,
                    audit: &[],
                    journal: &[],
                })
                .unwrap();
            per_store.push((root, out.receipts));
        }
        assert_eq!(per_store[0], per_store[1], "height {height}");
        roots.push(per_store[0].0);
    }
    // Roots move when state changes, and every height's root can be read back later.
    for (h, root) in roots.iter().enumerate() {
        for s in &stores {
            assert_eq!(&s.root(h as u64).unwrap(), root);
        }
    }
    assert_ne!(roots[0], roots[1]);
}
