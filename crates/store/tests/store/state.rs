//! State reads as of past heights, history, chain data, and refusals.

use crate::common::*;
use govchain_store::{CommitInput, Error, Store, VersionEntry, Versioned};
use govchain_types::{Hash, Scheme, TxStatus, WriteSet};

/// h0: a=a0 b=b0 · h1: a=a1 · h2: (empty) · h3: b deleted, c=c3 · h4: b=b4 · h5: a deleted
fn story() -> Store {
    let store = memory_store(Scheme::Ed25519);
    commit(&store, 0, &writes(&[("a", Some("a0")), ("b", Some("b0"))])).unwrap();
    commit(&store, 1, &writes(&[("a", Some("a1"))])).unwrap();
    commit(&store, 2, &WriteSet::new()).unwrap();
    commit(&store, 3, &writes(&[("b", None), ("c", Some("c3"))])).unwrap();
    commit(&store, 4, &writes(&[("x", Some("x4")), ("b", Some("b4"))])).unwrap();
    commit(&store, 5, &writes(&[("a", None)])).unwrap();
    store
}

fn value_at(store: &Store, key: &str, at: Option<u64>) -> Option<(String, u64)> {
    store
        .get(key.as_bytes(), at)
        .unwrap()
        .map(|v| (String::from_utf8(v.value).unwrap(), v.height))
}

#[test]
fn reads_as_of_every_height() {
    let store = story();
    assert_eq!(store.latest_height().unwrap(), Some(5));
    /// A key and what it reads as at heights 0 to 5: (value, height that wrote it).
    type Row = (&'static str, [Option<(&'static str, u64)>; 6]);
    let table: &[Row] = &[
        (
            "a",
            [
                Some(("a0", 0)),
                Some(("a1", 1)),
                Some(("a1", 1)),
                Some(("a1", 1)),
                Some(("a1", 1)),
                None,
            ],
        ),
        (
            "b",
            [
                Some(("b0", 0)),
                Some(("b0", 0)),
                Some(("b0", 0)),
                None,
                Some(("b4", 4)),
                Some(("b4", 4)),
            ],
        ),
        (
            "c",
            [
                None,
                None,
                None,
                Some(("c3", 3)),
                Some(("c3", 3)),
                Some(("c3", 3)),
            ],
        ),
        ("never", [None, None, None, None, None, None]),
    ];
    for (key, expected) in table {
        for (h, want) in expected.iter().enumerate() {
            let want = want.map(|(v, at)| (v.to_string(), at));
            assert_eq!(value_at(&store, key, Some(h as u64)), want, "{key} at {h}");
        }
        let latest = expected[5].map(|(v, at)| (v.to_string(), at));
        assert_eq!(value_at(&store, key, None), latest, "{key} at latest");
    }
    // The tx index of the write is kept with the version.
    assert_eq!(
        store.get(b"b", Some(4)).unwrap(),
        Some(Versioned {
            value: b"b4".to_vec(),
            height: 4,
            tx_index: Some(1)
        })
    );
}

#[test]
fn history_lists_every_version_and_pages() {
    let store = story();
    let entry = |height, value: Option<&str>, tx| VersionEntry {
        height,
        tx_index: Some(tx),
        value: value.map(|v| v.as_bytes().to_vec()),
    };
    let b = vec![
        entry(0, Some("b0"), 1),
        entry(3, None, 0),
        entry(4, Some("b4"), 1),
    ];
    assert_eq!(store.history(b"b", None, usize::MAX).unwrap(), b);
    assert_eq!(store.history(b"b", None, 2).unwrap(), b[..2]);
    assert_eq!(store.history(b"b", Some(1), 10).unwrap(), b[1..]);
    assert_eq!(store.history(b"b", Some(4), 10).unwrap(), b[2..]);
    assert_eq!(store.history(b"b", Some(5), 10).unwrap(), vec![]);
    assert_eq!(store.history(b"b", None, 0).unwrap(), vec![]);
    assert_eq!(store.history(b"a", None, 10).unwrap().len(), 3);
    assert_eq!(store.history(b"never", None, 10).unwrap(), vec![]);
}

#[test]
fn an_empty_block_keeps_the_previous_root_and_answers() {
    let store = story();
    assert_eq!(store.root(2).unwrap(), store.root(1).unwrap());
    assert_ne!(store.root(3).unwrap(), store.root(2).unwrap());
    let p = store.proof(b"a", 2).unwrap();
    assert_eq!(p.value.as_deref(), Some(b"a1".as_slice()));
    p.verify(&store.root(2).unwrap()).unwrap();
    // Several empty blocks in a row, then a write: still consistent.
    for h in 6..9 {
        commit(&store, h, &WriteSet::new()).unwrap();
        assert_eq!(store.root(h).unwrap(), store.root(5).unwrap());
    }
    commit(&store, 9, &writes(&[("a", Some("a9"))])).unwrap();
    assert_eq!(value_at(&store, "a", Some(8)), None);
    assert_eq!(value_at(&store, "a", Some(9)), Some(("a9".into(), 9)));
    // An empty genesis has the empty tree's root, and proves absence.
    let empty = memory_store(Scheme::Sm2);
    let root = commit(&empty, 0, &WriteSet::new()).unwrap();
    assert_eq!(root, Hash(*b"SPARSE_MERKLE_PLACEHOLDER_HASH__"));
    commit(&empty, 1, &WriteSet::new()).unwrap();
    let p = empty.proof(b"k", 1).unwrap();
    assert_eq!(p.value, None);
    p.verify(&root).unwrap();
}

#[test]
fn deleting_every_key_empties_the_tree() {
    let store = memory_store(Scheme::Ed25519);
    let empty_root = commit(&store, 0, &WriteSet::new()).unwrap();
    commit(&store, 1, &writes(&[("a", Some("1")), ("b", Some("2"))])).unwrap();
    let root = commit(&store, 2, &writes(&[("a", None), ("b", None)])).unwrap();
    assert_eq!(root, empty_root);
    // Deleting what is absent changes nothing.
    assert_eq!(
        commit(&store, 3, &writes(&[("zz", None)])).unwrap(),
        empty_root
    );
    commit(&store, 4, &writes(&[("a", Some("1"))])).unwrap();
    assert_eq!(value_at(&store, "a", Some(4)), Some(("1".into(), 4)));
}

#[test]
fn reads_above_the_latest_height_or_before_genesis_are_errors() {
    let empty = memory_store(Scheme::Ed25519);
    assert_eq!(empty.latest_height().unwrap(), None);
    assert!(matches!(empty.get(b"a", None), Err(Error::Empty)));
    assert!(matches!(empty.root(0), Err(Error::Empty)));
    assert!(matches!(empty.proof(b"a", 0), Err(Error::Empty)));

    let store = story();
    let above = |r: Result<(), Error>| {
        assert!(
            matches!(
                r,
                Err(Error::HeightAboveLatest {
                    requested: 6,
                    latest: 5
                })
            ),
            "{r:?}"
        )
    };
    above(store.get(b"a", Some(6)).map(drop));
    above(store.root(6).map(drop));
    above(store.block(6).map(drop));
    above(store.block_hash(6).map(drop));
    above(store.certificate(6).map(drop));
    above(store.receipts(6).map(drop));
    above(store.proof(b"a", 6).map(drop));
    let msg = store.get(b"a", Some(u64::MAX)).unwrap_err().to_string();
    assert!(msg.contains("above the latest committed height"), "{msg}");
}

#[test]
fn commits_must_come_in_order_and_fit_together() {
    let store = memory_store(Scheme::Ed25519);
    let ws = writes(&[("a", Some("1"))]);
    assert!(matches!(
        commit(&store, 1, &ws),
        Err(Error::OutOfOrder {
            expected: 0,
            got: 1
        })
    ));
    commit(&store, 0, &ws).unwrap();
    for h in [0, 2, 7] {
        assert!(matches!(
            commit(&store, h, &ws),
            Err(Error::OutOfOrder { expected: 1, .. })
        ));
    }
    // Only genesis comes without a block; the block must be for the height.
    let no_block = store.commit(CommitInput {
        height: 1,
        block: None,
        block_hash: block_hash(1),
        certificate: None,
        receipts: &[],
        tx_ids: &[],
        writes: &ws,
        audit: &[],
        journal: &[],
    });
    assert!(matches!(
        no_block,
        Err(Error::InvalidCommit { height: 1, .. })
    ));
    let wrong = block(2, Vec::new());
    let wrong_block = store.commit(CommitInput {
        height: 1,
        block: Some(&wrong),
        block_hash: block_hash(1),
        certificate: None,
        receipts: &[],
        tx_ids: &[],
        writes: &ws,
        audit: &[],
        journal: &[],
    });
    assert!(matches!(wrong_block, Err(Error::InvalidCommit { .. })));
    let b = block(1, vec![tx(0)]);
    let missing_receipt = store.commit(CommitInput {
        height: 1,
        block: Some(&b),
        block_hash: block_hash(1),
        certificate: None,
        receipts: &[],
        tx_ids: &[Hash([9; 32])],
        writes: &ws,
        audit: &[],
        journal: &[],
    });
    assert!(matches!(missing_receipt, Err(Error::InvalidCommit { .. })));
    // Nothing of a refused commit is stored.
    assert_eq!(store.latest_height().unwrap(), Some(0));
    assert_eq!(store.get(b"a", None).unwrap().unwrap().height, 0);
    commit(&store, 1, &ws).unwrap();
}

#[test]
fn blocks_certificates_receipts_and_the_tx_index() {
    let store = memory_store(Scheme::Sm2);
    commit(&store, 0, &writes(&[("g", Some("genesis"))])).unwrap();
    let ids = [Hash([1; 32]), Hash([2; 32])];
    let b1 = block(1, vec![tx(0), tx(1)]);
    let r1 = vec![
        receipt(ids[0], 1, 0, TxStatus::Ok),
        receipt(ids[1], 1, 1, TxStatus::Failed),
    ];
    let c1 = certificate(1);
    store
        .commit(CommitInput {
            height: 1,
            block: Some(&b1),
            block_hash: block_hash(1),
            certificate: Some(&c1),
            receipts: &r1,
            tx_ids: &ids,
            writes: &writes(&[("a", Some("1"))]),
            audit: &[],
            journal: &[],
        })
        .unwrap();
    // A replay of the first transaction, rejected at height 2, and a new one.
    let b2 = block(2, vec![tx(0), tx(2)]);
    let ids2 = [ids[0], Hash([3; 32])];
    let r2 = vec![
        receipt(ids2[0], 2, 0, TxStatus::Rejected),
        receipt(ids2[1], 2, 1, TxStatus::Ok),
    ];
    store
        .commit(CommitInput {
            height: 2,
            block: Some(&b2),
            block_hash: block_hash(2),
            certificate: None,
            receipts: &r2,
            tx_ids: &ids2,
            writes: &WriteSet::new(),
            audit: &[],
            journal: &[],
        })
        .unwrap();

    assert_eq!(store.block(0).unwrap(), None);
    assert_eq!(store.block(1).unwrap(), Some(b1));
    assert_eq!(store.block(2).unwrap(), Some(b2));
    assert_eq!(store.block_hash(0).unwrap(), block_hash(0));
    assert_eq!(store.block_hash(2).unwrap(), block_hash(2));
    assert_eq!(store.certificate(1).unwrap(), Some(c1));
    assert_eq!(store.certificate(2).unwrap(), None);
    assert_eq!(store.receipts(0).unwrap(), vec![]);
    assert_eq!(store.receipts(1).unwrap(), r1);
    assert_eq!(store.receipts(2).unwrap(), r2);
    assert_eq!(store.receipt(&ids[0]).unwrap(), Some(r1[0].clone()));
    assert_eq!(store.tx_location(&ids[0]).unwrap(), Some((1, 0)));
    assert_eq!(store.receipt(&ids[1]).unwrap(), Some(r1[1].clone()));
    assert_eq!(store.receipt(&ids2[1]).unwrap(), Some(r2[1].clone()));
    assert_eq!(store.receipt(&Hash([4; 32])).unwrap(), None);
}

#[test]
fn file_store_persists_and_refuses_another_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    let root = {
        let store = Store::open(&path, Scheme::Ed25519).unwrap();
        store.put_meta("genesis", b"{\"chain_id\":\"t\"}").unwrap();
        commit(&store, 0, &writes(&[("a", Some("1"))])).unwrap();
        commit(&store, 1, &writes(&[("a", Some("2"))])).unwrap()
    };
    match Store::open(&path, Scheme::Sm2) {
        Err(e @ Error::SchemeMismatch { .. }) => {
            assert_eq!(
                e.to_string(),
                "the store was created for the `ed25519` scheme, not `sm2`"
            )
        }
        other => panic!("expected a scheme mismatch, got {other:?}"),
    }
    let store = Store::open(&path, Scheme::Ed25519).unwrap();
    assert_eq!(store.latest_height().unwrap(), Some(1));
    assert_eq!(store.root(1).unwrap(), root);
    assert_eq!(value_at(&store, "a", Some(0)), Some(("1".into(), 0)));
    assert_eq!(
        store.get_meta("genesis").unwrap().as_deref(),
        Some(b"{\"chain_id\":\"t\"}".as_slice())
    );
    assert_eq!(store.get_meta("other").unwrap(), None);
    commit(&store, 2, &writes(&[("b", Some("3"))])).unwrap();
}

#[test]
fn readers_never_see_half_a_commit() {
    let store = std::sync::Arc::new(memory_store(Scheme::Ed25519));
    commit(&store, 0, &writes(&[("a", Some("0")), ("b", Some("0"))])).unwrap();
    let reader = {
        let store = store.clone();
        std::thread::spawn(move || {
            let mut checked = 0;
            loop {
                let latest = store.latest_height().unwrap().unwrap();
                // Everything of a height the store reports is there, whichever commit runs now.
                let h = latest.to_string().into_bytes();
                assert_eq!(store.get(b"a", Some(latest)).unwrap().unwrap().value, h);
                assert_eq!(store.get(b"b", Some(latest)).unwrap().unwrap().value, h);
                let p = store.proof(b"a", latest).unwrap();
                p.verify(&store.root(latest).unwrap()).unwrap();
                if latest > 0 {
                    assert_eq!(store.block(latest).unwrap().unwrap().header.height, latest);
                }
                checked += 1;
                if latest == 40 {
                    return checked;
                }
            }
        })
    };
    for h in 1..=40u64 {
        let v = h.to_string();
        commit(&store, h, &writes(&[("a", Some(&v)), ("b", Some(&v))])).unwrap();
    }
    assert!(reader.join().unwrap() > 0);
}

#[test]
fn a_prefix_scan_lists_live_keys_as_of_a_height_and_pages() {
    let store = memory_store(Scheme::Ed25519);
    commit(
        &store,
        0,
        &writes(&[
            ("idx/a/1", Some("1")),
            ("idx/a/2", Some("2")),
            ("idx/b/1", Some("x")),
        ]),
    )
    .unwrap();
    commit(
        &store,
        1,
        &writes(&[("idx/a/1", None), ("idx/a/3", Some("3"))]),
    )
    .unwrap();
    let keys = |at: Option<u64>, after: Option<&str>, limit: usize| {
        let page = store
            .scan(b"idx/a/", after.map(str::as_bytes), limit, at)
            .unwrap();
        (
            page.items
                .iter()
                .map(|(k, _)| String::from_utf8(k.clone()).unwrap())
                .collect::<Vec<_>>(),
            page.next.map(|n| String::from_utf8(n).unwrap()),
        )
    };
    assert_eq!(
        keys(Some(0), None, 10),
        (vec!["idx/a/1".into(), "idx/a/2".into()], None)
    );
    assert_eq!(
        keys(None, None, 10),
        (vec!["idx/a/2".into(), "idx/a/3".into()], None)
    );
    // Pages: one at a time, following the cursor.
    let (first, next) = keys(None, None, 1);
    assert_eq!(first, ["idx/a/2"]);
    let (second, next) = keys(None, next.as_deref(), 1);
    assert_eq!(second, ["idx/a/3"]);
    assert_eq!(next, None, "the scan is done");
    // A prefix with nothing under it, and a cursor outside the prefix.
    assert!(
        store
            .scan(b"idx/c/", None, 10, None)
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(keys(None, Some("a"), 10).0, ["idx/a/2", "idx/a/3"]);
}

/// A signed read is served once while it lives; expired requests are pruned through their
/// expiry index, so the table of live requests stays as small as the requests alive.
#[test]
fn read_requests_are_served_once_and_pruned_when_they_expire() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.redb"), Scheme::Ed25519).unwrap();
    let id = |n: u8| [n; 32];
    // Requests alive until heights 10, 11 and 20, served at height 5.
    assert_eq!(store.log_read_once(id(1), 10, 5, b"a").unwrap(), Some(1));
    assert_eq!(store.log_read_once(id(2), 11, 5, b"b").unwrap(), Some(2));
    assert_eq!(store.log_read_once(id(3), 20, 5, b"c").unwrap(), Some(3));
    // A replay while alive is refused, and not logged.
    assert_eq!(store.log_read_once(id(1), 10, 9, b"a").unwrap(), None);
    assert_eq!(store.live_reads().unwrap(), 3);
    // At height 11 the first has expired: pruned; the others live on.
    assert_eq!(store.log_read_once(id(4), 30, 11, b"d").unwrap(), Some(4));
    assert_eq!(store.live_reads().unwrap(), 3);
    // At 25 those alive until 11 and 20 have expired: two live (until 30 and 40).
    assert_eq!(store.log_read_once(id(5), 40, 25, b"e").unwrap(), Some(5));
    assert_eq!(store.live_reads().unwrap(), 2);
    // The log itself keeps every entry served.
    assert_eq!(store.reads(0, 100).unwrap().len(), 5);
}
