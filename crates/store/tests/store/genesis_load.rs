//! A genesis state loaded in chunks: the same store as one genesis commit of the merged writes,
//! and nothing at all unless it finishes.

use crate::common::*;
use govchain_store::{CommitInput, Store};
use govchain_types::{Hash, Scheme, WriteSet};

fn genesis_input(ws: &WriteSet) -> CommitInput<'_> {
    CommitInput {
        height: 0,
        block: None,
        block_hash: block_hash(0),
        certificate: None,
        receipts: &[],
        tx_ids: &[],
        writes: ws,
        audit: &[],
        journal: &[],
    }
}

fn many(prefix: &str, n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("{prefix}-{i:05}"), format!("value of {prefix} {i}")))
        .collect()
}

fn set(items: &[(String, String)]) -> WriteSet {
    let borrowed: Vec<(&str, Option<&str>)> = items
        .iter()
        .map(|(k, v)| (k.as_str(), Some(v.as_str())))
        .collect();
    writes(&borrowed)
}

#[test]
fn a_genesis_loaded_in_chunks_is_the_store_of_one_commit() {
    for scheme in [Scheme::Ed25519, Scheme::Sm2] {
        let first = many("a", 5_000);
        let mut second = set(&many("b", 3_000));
        // A later chunk overwrites a key and deletes another of an earlier one.
        second.extend(writes(&[
            ("a-00007", Some("seven, again")),
            ("a-00008", None),
        ]));
        let last = writes(&[("c", Some("last chunk")), ("b-00001", Some("one, again"))]);

        let loaded = memory_store(scheme);
        let mut load = loaded.begin_genesis_load().unwrap();
        load.write(&set(&first)).unwrap();
        // A chunk hashed beforehand (on another thread, say) is written the same way.
        let prepared = govchain_store::GenesisChunk::new(scheme, second.clone()).unwrap();
        assert_eq!(prepared.len(), 3_002);
        load.write_chunk(prepared).unwrap();
        assert_eq!(load.written(), 5_000 + 3_002);
        let root = load.finish(genesis_input(&last)).unwrap();

        let mut merged = set(&first);
        for ws in [&second, &last] {
            for (k, w) in ws {
                merged.insert(k.clone(), w.clone());
            }
        }
        merged.remove(b"a-00008".as_slice());
        let single = memory_store(scheme);
        assert_eq!(commit(&single, 0, &merged).unwrap(), root);
        // And jmt's own update path agrees: one key at genesis, everything else in one block
        // (a root is a function of the state alone).
        let by_jmt = memory_store(scheme);
        let (first_key, first_write) = merged.iter().next().unwrap();
        let mut rest = merged.clone();
        rest.remove(first_key);
        commit(
            &by_jmt,
            0,
            &[(first_key.clone(), first_write.clone())]
                .into_iter()
                .collect(),
        )
        .unwrap();
        assert_eq!(commit(&by_jmt, 1, &rest).unwrap(), root);
        assert_eq!(loaded.latest_height().unwrap(), Some(0));

        let value = |s: &Store, k: &str| s.get(k.as_bytes(), None).unwrap().map(|v| v.value);
        assert_eq!(value(&loaded, "a-00007"), Some(b"seven, again".to_vec()));
        assert_eq!(value(&loaded, "b-00001"), Some(b"one, again".to_vec()));
        assert_eq!(value(&loaded, "a-00008"), None);
        assert_eq!(value(&loaded, "c"), Some(b"last chunk".to_vec()));
        // An overwritten key has one version at height 0, the last.
        assert_eq!(loaded.history(b"a-00007", None, 10).unwrap().len(), 1);
        for k in ["a-00000", "a-00007", "a-00008", "b-02999", "c", "never"] {
            loaded
                .proof(k.as_bytes(), 0)
                .unwrap()
                .verify(&root)
                .unwrap();
        }

        // The chain goes on from it as from the single commit: jmt updates the built tree.
        let next = writes(&[
            ("a-00001", None),
            ("d", Some("new")),
            ("b-00002", Some("x")),
        ]);
        let a = commit(&loaded, 1, &next).unwrap();
        assert_eq!(a, commit(&single, 1, &next).unwrap());
        loaded.proof(b"d", 1).unwrap().verify(&a).unwrap();
        loaded.proof(b"a-00001", 1).unwrap().verify(&a).unwrap();
    }
}

#[test]
fn an_unfinished_load_leaves_an_empty_store() {
    let store = memory_store(Scheme::Ed25519);
    {
        let mut load = store.begin_genesis_load().unwrap();
        load.write(&set(&many("dropped", 100))).unwrap();
    }
    assert_eq!(store.latest_height().unwrap(), None);
    assert!(
        store
            .history(b"dropped-00001", None, 10)
            .unwrap()
            .is_empty()
    );
    // A genesis commits afterwards as on a new store, without the dropped keys.
    let ws = writes(&[("kept", Some("1"))]);
    let root = commit(&store, 0, &ws).unwrap();
    assert_eq!(
        root,
        commit(&memory_store(Scheme::Ed25519), 0, &ws).unwrap()
    );
    assert!(store.get(b"dropped-00001", None).unwrap().is_none());
}

#[test]
fn a_load_on_disk_that_never_finished_reopens_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    {
        let store = Store::open(&path, Scheme::Ed25519).unwrap();
        let mut load = store.begin_genesis_load().unwrap();
        load.write(&set(&many("lost", 20_000))).unwrap();
        load.write(&set(&many("more", 20_000))).unwrap();
    }
    let store = Store::open(&path, Scheme::Ed25519).unwrap();
    assert_eq!(store.latest_height().unwrap(), None);
    assert!(store.history(b"lost-00001", None, 10).unwrap().is_empty());
    let ws = writes(&[("kept", Some("1"))]);
    let root = commit(&store, 0, &ws).unwrap();
    assert_eq!(
        root,
        commit(&memory_store(Scheme::Ed25519), 0, &ws).unwrap()
    );
    store.proof(b"kept", 0).unwrap().verify(&root).unwrap();
}

#[test]
fn a_load_needs_an_empty_store_and_finishes_at_height_zero() {
    let store = memory_store(Scheme::Ed25519);
    let ws = writes(&[("k", Some("v"))]);
    let mut input = genesis_input(&ws);
    input.height = 1;
    let load = store.begin_genesis_load().unwrap();
    assert!(load.finish(input).is_err());
    assert_eq!(store.latest_height().unwrap(), None);

    commit(&store, 0, &ws).unwrap();
    assert!(matches!(
        store.begin_genesis_load(),
        Err(govchain_store::Error::OutOfOrder {
            expected: 1,
            got: 0
        })
    ));
    let _: Hash = store.root(0).unwrap();
}
