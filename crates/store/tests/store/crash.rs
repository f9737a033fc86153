//! Crash safety under simulated power loss: a height is wholly committed or absent.

use crate::common::*;
use govchain_store::Store;
use govchain_store::faulty::FaultyBackend;
use govchain_types::{Hash, Height, Scheme, Write, WriteSet};
use std::collections::BTreeMap;

const HEIGHTS: Height = 6;
const SCHEME: Scheme = Scheme::Ed25519;

/// The writes of height `h`: 30 keys of a 60-key space, and a deletion every other height.
fn workload(h: Height) -> WriteSet {
    let mut ws = WriteSet::new();
    for i in 0..30u64 {
        let k = (h * 17 + i * 2) % 60;
        let w = Write {
            value: Some(format!("v{h}-{k}-{}", "x".repeat((k % 7) as usize * 40)).into_bytes()),
            tx_index: Some(i as u32),
        };
        ws.insert(format!("key-{k:02}").into_bytes(), w);
    }
    if h % 2 == 1 {
        let w = Write {
            value: None,
            tx_index: None,
        };
        ws.insert(format!("key-{:02}", (h * 5) % 60).into_bytes(), w);
    }
    ws
}

/// What a store that reached each height must hold: its root and its whole state.
struct Expected {
    roots: Vec<Hash>,
    states: Vec<BTreeMap<Vec<u8>, Vec<u8>>>,
}

fn expected() -> Expected {
    let store = memory_store(SCHEME);
    let mut roots = Vec::new();
    let mut states = Vec::new();
    let mut state = BTreeMap::new();
    for h in 0..=HEIGHTS + 1 {
        let ws = workload(h);
        for (k, w) in &ws {
            match &w.value {
                Some(v) => state.insert(k.clone(), v.clone()),
                None => state.remove(k),
            };
        }
        roots.push(commit(&store, h, &ws).unwrap());
        states.push(state.clone());
    }
    Expected { roots, states }
}

/// Commits the workload until the backend dies; returns the last height that committed.
fn run_until_crash(store: &Store) -> Option<Height> {
    let mut last = store.latest_height().unwrap();
    for h in last.map_or(0, |l| l + 1)..=HEIGHTS {
        if commit(store, h, &workload(h)).is_err() {
            break;
        }
        last = Some(h);
    }
    last
}

/// The recovered store is exactly at one committed height: its root, block and every value of
/// that height (and of the one before) are those of a store that never crashed; and it accepts
/// the next height.
fn assert_recovered(store: &Store, exp: &Expected) -> Option<Height> {
    let Some(h) = store.latest_height().unwrap() else {
        // Nothing was committed: the store is empty and starts at genesis.
        assert!(store.get(b"key-00", None).is_err());
        assert_eq!(commit(store, 0, &workload(0)).unwrap(), exp.roots[0]);
        return None;
    };
    assert_eq!(store.root(h).unwrap(), exp.roots[h as usize], "root at {h}");
    assert_eq!(store.block_hash(h).unwrap(), block_hash(h));
    if h > 0 {
        assert_eq!(store.block(h).unwrap().unwrap().header.height, h);
        assert_eq!(store.certificate(h).unwrap().unwrap().height, h);
    }
    for at in h.saturating_sub(1)..=h {
        let state = &exp.states[at as usize];
        for k in 0..60 {
            let key = format!("key-{k:02}").into_bytes();
            let got = store.get(&key, Some(at)).unwrap().map(|v| v.value);
            assert_eq!(
                got.as_ref(),
                state.get(&key),
                "key-{k:02} at {at} (latest {h})"
            );
        }
    }
    let p = store.proof(b"key-00", h).unwrap();
    p.verify(&exp.roots[h as usize]).unwrap();
    let next = h + 1;
    assert_eq!(
        commit(store, next, &workload(next)).unwrap(),
        exp.roots[next as usize]
    );
    Some(h)
}

#[test]
fn power_loss_between_commits_keeps_every_committed_height() {
    let exp = expected();
    let mut image = Vec::new();
    for h in 0..=HEIGHTS {
        let disk = FaultyBackend::from_image(image);
        let store = Store::open_with_backend(disk.clone(), SCHEME).unwrap();
        assert_eq!(store.latest_height().unwrap(), h.checked_sub(1));
        commit(&store, h, &workload(h)).unwrap();
        // Power fails right after the commit returned: with or without a torn tail, it is there.
        let images = [disk.crash(), disk.crash_torn(h)];
        drop(store);
        for image in images {
            let recovered = Store::open_with_backend(image, SCHEME).unwrap();
            assert_eq!(assert_recovered(&recovered, &exp), Some(h));
        }
        image = disk.durable_image();
    }
}

#[test]
fn power_loss_at_every_point_of_a_commit_sequence() {
    let exp = expected();
    // How many mutating operations the whole workload takes, once the store is open.
    let probe = FaultyBackend::new();
    let store = Store::open_with_backend(probe.clone(), SCHEME).unwrap();
    let opened = probe.ops();
    assert_eq!(run_until_crash(&store), Some(HEIGHTS));
    let total = probe.ops() - opened;
    drop(store);
    assert!(
        total > 50,
        "the workload should take many operations, took {total}"
    );

    let mut reached = BTreeMap::<Option<Height>, u32>::new();
    let mut torn_ahead = 0;
    for n in 0..total {
        let disk = FaultyBackend::new();
        let store = Store::open_with_backend(disk.clone(), SCHEME).unwrap();
        disk.crash_after_ops(n);
        let last_ok = run_until_crash(&store);
        assert!(disk.is_dead(), "the crash point {n} was not reached");
        let images = [disk.crash(), disk.crash_torn(n)];
        drop(store);
        for (torn, image) in images.into_iter().enumerate() {
            let recovered = Store::open_with_backend(image, SCHEME).unwrap();
            let h = assert_recovered(&recovered, &exp);
            // Every commit that returned is durable; the one in flight may or may not be.
            let committed = last_ok.map_or(-1, |h| h as i64);
            let got = h.map_or(-1, |h| h as i64);
            assert!(
                got == committed || got == committed + 1,
                "crash after {n} ops: committed up to {last_ok:?}, recovered {h:?}"
            );
            if torn == 1 && got == committed + 1 {
                torn_ahead += 1;
            }
            *reached.entry(h).or_default() += 1;
        }
    }
    // The crash points covered every height (the last one's final sync is the last operation).
    for h in 0..HEIGHTS {
        assert!(
            reached.contains_key(&Some(h)),
            "no crash recovered at {h}: {reached:?}"
        );
    }
    eprintln!(
        "crash points: {total}, recovered heights: {reached:?}, torn commits that landed: {torn_ahead}"
    );
}

/// A crash while redb initialises a brand-new backend can leave bytes redb refuses to open
/// (it extends and syncs the file before writing its header): `Store::open` on a path avoids
/// that by creating aside and renaming. On a backend, such a crash is an error, never a panic,
/// and a store that did open survives every later crash (the test above).
#[test]
fn power_loss_while_creating_is_an_error_or_an_empty_store() {
    let probe = FaultyBackend::new();
    drop(Store::open_with_backend(probe.clone(), SCHEME).unwrap());
    let creation = probe.ops();
    for n in 0..creation {
        let disk = FaultyBackend::new();
        disk.crash_after_ops(n);
        let created = Store::open_with_backend(disk.clone(), SCHEME).is_ok();
        for image in [disk.crash(), disk.crash_torn(n)] {
            match Store::open_with_backend(image, SCHEME) {
                Ok(store) => {
                    assert_eq!(store.latest_height().unwrap(), None);
                    assert_eq!(
                        commit(&store, 0, &workload(0)).unwrap(),
                        expected_genesis_root()
                    );
                }
                Err(e) => {
                    assert!(!created, "a created store did not reopen: {e}");
                    assert!(matches!(e, govchain_store::Error::Storage(_)), "{e}");
                }
            }
        }
    }
}

fn expected_genesis_root() -> Hash {
    commit(&memory_store(SCHEME), 0, &workload(0)).unwrap()
}

#[test]
fn a_creation_cut_short_on_disk_leaves_nothing_in_the_way() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    // What a crash during creation leaves: zeros where a header should be, beside the path.
    std::fs::write(dir.path().join("chain.redb.creating"), vec![0u8; 73_728]).unwrap();
    let store = Store::open(&path, SCHEME).unwrap();
    assert_eq!(store.latest_height().unwrap(), None);
    commit(&store, 0, &workload(0)).unwrap();
    drop(store);
    assert!(!dir.path().join("chain.redb.creating").exists());
    let store = Store::open(&path, SCHEME).unwrap();
    assert_eq!(store.latest_height().unwrap(), Some(0));
}
