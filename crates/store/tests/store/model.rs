//! The store against a reference model: a `BTreeMap` of the whole state at every height.

use crate::common::*;
use govchain_store::Store;
use govchain_types::{Height, Scheme, Write, WriteSet};
use proptest::prelude::*;
use std::collections::BTreeMap;

type State = BTreeMap<Vec<u8>, Vec<u8>>;
/// Every write of each key: (height, value or deletion), oldest first.
type History = BTreeMap<Vec<u8>, Vec<(Height, Option<Vec<u8>>)>>;

const KEYS: u8 = 8;

fn key(k: u8) -> Vec<u8> {
    format!("k{k}").into_bytes()
}

/// A block: (key, value or delete) writes, later ones to the same key winning.
fn block_strategy() -> impl Strategy<Value = Vec<(u8, Option<u8>)>> {
    prop::collection::vec((0..KEYS, prop::option::weighted(0.8, 0..4u8)), 0..6)
}

fn to_write_set(block: &[(u8, Option<u8>)]) -> WriteSet {
    let mut ws = WriteSet::new();
    for (i, (k, v)) in (0u32..).zip(block) {
        let w = Write {
            value: v.map(|v| vec![b'v', v]),
            tx_index: Some(i),
        };
        ws.insert(key(*k), w);
    }
    ws
}

/// The root of a tree holding exactly `state`, built in one genesis commit (the store's one-pass
/// builder), so that the roots jmt's two update paths reach height by height are checked against
/// it. With `key_by_key` the genesis also deletes an absent key, which must change nothing.
fn fresh_root(scheme: Scheme, state: &State, key_by_key: bool) -> govchain_types::Hash {
    let store = memory_store(scheme);
    let mut ws: WriteSet = state
        .iter()
        .map(|(k, v)| {
            let w = Write {
                value: Some(v.clone()),
                tx_index: None,
            };
            (k.clone(), w)
        })
        .collect();
    if key_by_key {
        let w = Write {
            value: None,
            tx_index: None,
        };
        ws.insert(b"never-written".to_vec(), w);
    }
    commit(&store, 0, &ws).unwrap()
}

fn check_reads(store: &Store, model: &[State], history: &History) {
    for (h, state) in model.iter().enumerate() {
        let h = h as Height;
        for k in 0..KEYS {
            let k = key(k);
            let got = store.get(&k, Some(h)).unwrap();
            assert_eq!(
                got.as_ref().map(|v| &v.value),
                state.get(&k),
                "key {k:?} at {h}"
            );
            // The version in force was written at the last height that wrote the key.
            let written_at = history
                .get(&k)
                .and_then(|hs| hs.iter().rev().find(|(wh, _)| *wh <= h));
            if let Some(v) = got {
                assert_eq!(Some(v.height), written_at.map(|(wh, _)| *wh));
            }
        }
    }
    for k in 0..KEYS {
        let k = key(k);
        let got: Vec<(Height, Option<Vec<u8>>)> = store
            .history(&k, None, usize::MAX)
            .unwrap()
            .into_iter()
            .map(|e| (e.height, e.value))
            .collect();
        assert_eq!(
            &got,
            history.get(&k).unwrap_or(&Vec::new()),
            "history of {k:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn store_matches_a_reference_model(
        blocks in prop::collection::vec(block_strategy(), 1..9),
        sm2 in any::<bool>(),
    ) {
        let scheme = if sm2 { Scheme::Sm2 } else { Scheme::Ed25519 };
        let store = memory_store(scheme);
        let mut model: Vec<State> = Vec::new();
        let mut history = History::new();
        let mut roots = Vec::new();
        for (h, block) in blocks.iter().enumerate() {
            let h = h as Height;
            let ws = to_write_set(block);
            let mut state = model.last().cloned().unwrap_or_default();
            for (k, w) in &ws {
                match &w.value {
                    Some(v) => state.insert(k.clone(), v.clone()),
                    None => state.remove(k),
                };
                history.entry(k.clone()).or_default().push((h, w.value.clone()));
            }
            model.push(state);
            roots.push(commit(&store, h, &ws).unwrap());
            prop_assert_eq!(store.latest_height().unwrap(), Some(h));
            // After every block, every past height still reads as the model says.
            check_reads(&store, &model, &history);
        }
        for (h, state) in model.iter().enumerate() {
            let h = h as Height;
            let root = store.root(h).unwrap();
            prop_assert_eq!(root, roots[h as usize]);
            // The root depends on the state alone, however it was reached.
            prop_assert_eq!(root, fresh_root(scheme, state, false));
            prop_assert_eq!(root, fresh_root(scheme, state, true));
            for k in 0..=KEYS {
                let k = key(k);
                let p = store.proof(&k, h).unwrap();
                prop_assert_eq!(p.value.as_ref(), state.get(&k));
                prop_assert!(p.verify(&root).is_ok());
            }
        }
    }
}

/// Deep trees: large blocks, some insert-only (jmt's batch path), some with deletions (its
/// key-by-key path); every height's root equals the root of its state built in one pass.
#[test]
fn large_blocks_take_both_tree_paths_to_the_same_roots() {
    let scheme = Scheme::Sm2;
    let store = memory_store(scheme);
    let mut state = State::new();
    let mut rng = 0x1234_5678_u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for h in 0..8u64 {
        let mut ws = WriteSet::new();
        for _ in 0..400 {
            let k = format!("key-{}", next() % 3_000).into_bytes();
            let delete = h % 2 == 1 && next() % 4 == 0;
            let value = (!delete).then(|| next().to_le_bytes().to_vec());
            ws.insert(
                k,
                Write {
                    value,
                    tx_index: None,
                },
            );
        }
        for (k, w) in &ws {
            match &w.value {
                Some(v) => state.insert(k.clone(), v.clone()),
                None => state.remove(k),
            };
        }
        let root = commit(&store, h, &ws).unwrap();
        assert_eq!(root, fresh_root(scheme, &state, true), "height {h}");
        assert_eq!(root, fresh_root(scheme, &state, false), "height {h}");
        for (k, v) in state.iter().take(50) {
            let p = store.proof(k, h).unwrap();
            assert_eq!(p.value.as_ref(), Some(v));
            p.verify(&root).unwrap();
        }
    }
}
