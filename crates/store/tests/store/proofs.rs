//! Inclusion and exclusion proofs, verified offline against a root alone.

use crate::common::*;
use govchain_store::{Error, StateProof, Store};
use govchain_types::{Hash, Scheme, WriteSet};

/// Four heights of history; returns the store and the keys it ever held plus absent ones.
fn history(scheme: Scheme) -> Store {
    let store = memory_store(scheme);
    let mut genesis: Vec<(String, Option<String>)> = Vec::new();
    for i in 0..40 {
        genesis.push((format!("key-{i}"), Some(format!("v0-{i}"))));
    }
    let ws: WriteSet = writes(
        &genesis
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_deref()))
            .collect::<Vec<_>>(),
    );
    commit(&store, 0, &ws).unwrap();
    commit(
        &store,
        1,
        &writes(&[("key-1", Some("v1")), ("key-2", None), ("new", Some("n1"))]),
    )
    .unwrap();
    commit(&store, 2, &WriteSet::new()).unwrap();
    commit(
        &store,
        3,
        &writes(&[("key-2", Some("back")), ("new", None)]),
    )
    .unwrap();
    store
}

const KEYS: [&str; 6] = ["key-0", "key-1", "key-2", "new", "absent", ""];

#[test]
fn inclusion_and_exclusion_verify_at_every_height_for_both_schemes() {
    for scheme in [Scheme::Ed25519, Scheme::Sm2] {
        let store = history(scheme);
        for h in 0..=3 {
            let root = store.root(h).unwrap();
            for key in KEYS {
                let p = store.proof(key.as_bytes(), h).unwrap();
                let expected = store.get(key.as_bytes(), Some(h)).unwrap().map(|v| v.value);
                assert_eq!(p.value, expected, "{scheme} {key} at {h}");
                assert_eq!((p.scheme, p.height, p.root), (scheme, h, root));
                p.verify(&root).unwrap();
            }
        }
        // Spot checks of what the proofs say.
        assert_eq!(store.proof(b"key-2", 1).unwrap().value, None);
        assert_eq!(
            store.proof(b"key-2", 0).unwrap().value,
            Some(b"v0-2".to_vec())
        );
        assert_eq!(store.proof(b"new", 2).unwrap().value, Some(b"n1".to_vec()));
        assert_eq!(store.proof(b"new", 3).unwrap().value, None);
    }
}

#[test]
fn the_two_schemes_hash_differently() {
    let a = history(Scheme::Ed25519);
    let b = history(Scheme::Sm2);
    assert_ne!(a.root(0).unwrap(), b.root(0).unwrap());
    // A proof read under the other scheme's hash does not verify.
    let mut p = a.proof(b"key-0", 0).unwrap();
    p.scheme = Scheme::Sm2;
    assert!(matches!(
        p.verify(&p.root.clone()),
        Err(Error::InvalidProof(_))
    ));
}

#[test]
fn a_proof_fails_against_another_root_or_when_tampered() {
    let store = history(Scheme::Ed25519);
    let root0 = store.root(0).unwrap();
    let root1 = store.root(1).unwrap();
    let good = store.proof(b"key-1", 1).unwrap();
    good.verify(&root1).unwrap();

    // Another trusted root.
    assert!(matches!(
        good.verify(&root0),
        Err(Error::RootMismatch { .. })
    ));
    // The proof's root swapped for the trusted one: the path no longer leads there.
    let mut p = good.clone();
    p.root = root0;
    assert!(matches!(p.verify(&root0), Err(Error::InvalidProof(_))));
    // A tampered value.
    let mut p = good.clone();
    p.value = Some(b"v0-1".to_vec());
    assert!(matches!(p.verify(&root1), Err(Error::InvalidProof(_))));
    // Claiming absence of a present key.
    let mut p = good.clone();
    p.value = None;
    assert!(matches!(p.verify(&root1), Err(Error::InvalidProof(_))));
    // Another key.
    let mut p = good.clone();
    p.key = b"key-3".to_vec();
    assert!(matches!(p.verify(&root1), Err(Error::InvalidProof(_))));
    // Claiming presence of an absent key.
    let mut p = store.proof(b"absent", 1).unwrap();
    p.verify(&root1).unwrap();
    p.value = Some(b"x".to_vec());
    assert!(matches!(p.verify(&root1), Err(Error::InvalidProof(_))));
    // An exclusion proof moved to a key that is present.
    let mut p = store.proof(b"absent", 1).unwrap();
    p.key = b"key-1".to_vec();
    assert!(p.verify(&root1).is_err());
}

#[test]
fn malformed_proof_bytes_are_errors_not_panics() {
    let store = history(Scheme::Sm2);
    let root = store.root(3).unwrap();
    for key in ["key-5", "absent"] {
        let good = store.proof(key.as_bytes(), 3).unwrap();
        let bytes = good.proof.clone();
        let mut cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            vec![0xff; 7],
            bytes[..bytes.len() / 2].to_vec(),
            [bytes.clone(), vec![0]].concat(),
        ];
        // Every single-byte corruption.
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x5a;
            cases.push(b);
        }
        for case in cases {
            let mut p = good.clone();
            p.proof = case;
            assert!(
                matches!(p.verify(&root), Err(Error::InvalidProof(_))),
                "{key}: a corrupted proof verified"
            );
        }
    }
}

#[test]
fn proofs_round_trip_through_json_and_borsh() {
    let store = history(Scheme::Ed25519);
    let root = store.root(1).unwrap();
    for key in ["key-1", "absent"] {
        let p = store.proof(key.as_bytes(), 1).unwrap();
        let json = serde_json::to_string_pretty(&p).unwrap();
        assert!(json.contains(&format!("\"root\": \"{root}\"")), "{json}");
        assert!(
            json.contains(&format!("\"key\": \"{}\"", hex::encode(key))),
            "{json}"
        );
        let back: StateProof = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        back.verify(&root).unwrap();
        let bytes = borsh::to_vec(&p).unwrap();
        let back: StateProof = borsh::from_slice(&bytes).unwrap();
        back.verify(&root).unwrap();
    }
    let p = store.proof(b"absent", 1).unwrap();
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["value"], serde_json::Value::Null);
    assert_eq!(json["scheme"], "ed25519");
    let wrong: Hash = Hash([0; 32]);
    assert!(p.verify(&wrong).is_err());
}
