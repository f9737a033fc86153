//! Offline record certificates across validator-set changes: a certificate carries the
//! handovers from genesis to its certifying block and verifies against the genesis alone; a
//! header signed by a set that has left office, and every tampering of the handovers, is
//! refused with a message that says why.
//!
//! The chain here changes its set twice: genesis set A (`a1..a3`), B (`b1..b3`) from height 3
//! (scheduled in block 1), C (`c1`, `c2`) from height 6 (scheduled in block 3). Blocks are
//! signed by every member of the set in force, as Malachite's commit certificates are.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use govchain_crypto::{SecretKey, block_hash, sign_commit, sign_tx, validator_set_hash};
use govchain_mempool::MempoolConfig;
use govchain_node::{App, now_ms};
use govchain_store::{RecordCertificate, TrustedSet};
use govchain_types::*;
use http_body_util::BodyExt;
use std::collections::BTreeMap;
use std::sync::Arc;
use tower::ServiceExt;

const CHAIN: &str = "cert-test";

fn key(n: &str) -> SecretKey {
    SecretKey::from_seed(Scheme::Ed25519, n.as_bytes())
}

fn set(names: &[(&str, u64)]) -> Vec<GenesisValidator> {
    names
        .iter()
        .map(|(n, power)| GenesisValidator {
            name: PrincipalId::new("civil-affairs").unwrap(),
            key: key(n).public_key(),
            power: *power,
        })
        .collect()
}

fn set_a() -> Vec<GenesisValidator> {
    set(&[("a1", 1), ("a2", 1), ("a3", 1)])
}

fn set_b() -> Vec<GenesisValidator> {
    set(&[("b1", 1), ("b2", 1), ("b3", 1)])
}

fn set_c() -> Vec<GenesisValidator> {
    set(&[("c1", 2), ("c2", 1)])
}

fn genesis() -> Genesis {
    let member = key("leg-1");
    let account = |id: &str, kind, authority| GenesisAccount {
        id: PrincipalId::new(id).unwrap(),
        kind,
        authority,
        keys: vec![key(id).public_key()],
    };
    Genesis {
        chain_id: CHAIN.into(),
        scheme: Scheme::Ed25519,
        genesis_time_ms: 1,
        params: ChainParams::default(),
        validators: set_a(),
        accounts: vec![
            account("civil-affairs", PrincipalKind::Department, true),
            // Constitution article 1: the legislature changes the validator set.
            account("legislature", PrincipalKind::Legislature, true),
            account("leg-1", PrincipalKind::Person, false),
        ],
        bodies: vec![LawBody {
            id: PrincipalId::new("legislature").unwrap(),
            kind: BodyKind::Legislature,
            jurisdiction: vec![],
            members: vec![BodyMember {
                id: PrincipalId::new("leg-1").unwrap(),
                key: member.public_key(),
            }],
            threshold: 1,
        }],
        laws: vec![govchain_law::bootstrap::constitution()],
        records: vec![],
        positions: vec![],
        balances: vec![],
        snapshots: vec![],
        services: vec![],
    }
}

struct Node {
    app: Arc<App>,
    _dir: tempfile::TempDir,
}

fn node() -> Node {
    let dir = tempfile::tempdir().unwrap();
    let genesis = genesis();
    // The node's own key (signed reads name it): the first validator's.
    let node_key = genesis.validators[0].key.clone();
    let app = Arc::new(
        App::open(
            dir.path(),
            genesis,
            dir.path(),
            node_key,
            MempoolConfig::default(),
        )
        .unwrap(),
    );
    Node { app, _dir: dir }
}

/// Every validator key of the test, by public key.
fn signers() -> BTreeMap<PublicKey, SecretKey> {
    ["a1", "a2", "a3", "b1", "b2", "b3", "c1", "c2"]
        .iter()
        .map(|n| (key(n).public_key(), key(n)))
        .collect()
}

/// Every member of `validators` signs `header`'s block.
fn commit_of(header: &Header, validators: &[GenesisValidator]) -> CommitCertificate {
    let keys = signers();
    let hash = block_hash(Scheme::Ed25519, header);
    CommitCertificate {
        height: header.height,
        round: 0,
        block_hash: hash,
        signatures: validators
            .iter()
            .map(|v| sign_commit(CHAIN, header.height, 0, &hash, &keys[&v.key]))
            .collect(),
    }
}

/// Proposes the next block from the pool and commits it, signed by the whole set in force.
fn produce(app: &App) {
    let height = app.head().height + 1;
    let validators = app.validators_at(height).unwrap();
    let proposer = validators[0].key.clone();
    let p = app.propose(&proposer, 0, now_ms()).unwrap();
    let commit = commit_of(&p.block.header, &validators);
    app.commit(&p.block, &p.txs, &commit).unwrap();
}

fn submit(app: &App, signer: &str, nonce: u64, payload: Payload) {
    let k = key(signer);
    let t = sign_tx(
        Scheme::Ed25519,
        &k,
        TxBody {
            chain_id: CHAIN.into(),
            signer: k.public_key(),
            nonce,
            valid_until: 100,
            acting_as: None,
            payload,
        },
    );
    for r in app.submit(vec![t.encode()]) {
        r.unwrap();
    }
}

/// The legislature (its one member, `leg-1`, signing as its threshold) submits `payload`.
fn submit_by_legislature(app: &App, nonce: u64, payload: Payload) {
    let k = key("leg-1");
    let body = TxBody {
        chain_id: CHAIN.into(),
        signer: k.public_key(),
        nonce,
        valid_until: 100,
        acting_as: None,
        payload,
    };
    let body = govchain_crypto::sign_as_body(
        body,
        PrincipalId::new("legislature").unwrap(),
        &[(PrincipalId::new("leg-1").unwrap(), &k)],
    );
    for r in app.submit(vec![sign_tx(Scheme::Ed25519, &k, body).encode()]) {
        r.unwrap();
    }
}

fn change(validators: Vec<GenesisValidator>, effective_height: Height) -> Payload {
    Payload::UpdateValidators {
        validators,
        effective_height,
    }
}

/// The chain of the module's doc: two changes, then `cit-0001` registered in block 4, then
/// blocks up to 7 (decided by C).
fn chain() -> Node {
    let n = node();
    submit_by_legislature(&n.app, 0, change(set_b(), 3));
    produce(&n.app); // 1, A: schedules B for 3
    produce(&n.app); // 2, A: its header certifies the state after 1, which holds the schedule
    submit_by_legislature(&n.app, 1, change(set_c(), 6));
    produce(&n.app); // 3, B: schedules C for 6
    submit(
        &n.app,
        "civil-affairs",
        0,
        Payload::RegisterKey {
            principal: PrincipalId::new("cit-0001").unwrap(),
            kind: PrincipalKind::Person,
            key: key("cit-0001").public_key(),
        },
    );
    for _ in 4..=7 {
        produce(&n.app);
    }
    assert_eq!(n.app.validators_at(7).unwrap(), set_c());
    n
}

/// The certificate of `cit-0001` at `height` (the latest certified by default), read through
/// the API as a client reads it, and the size of its JSON.
async fn certificate(app: &Arc<App>, height: Option<Height>) -> (RecordCertificate, usize) {
    let router = govchain_api::router(app.clone());
    let uri = match height {
        Some(h) => format!("/v1/certificate/principal/cit-0001?height={h}"),
        None => "/v1/certificate/principal/cit-0001".into(),
    };
    let res = router
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    (serde_json::from_slice(&body).unwrap(), body.len())
}

fn verify(cert: &RecordCertificate) -> Result<Vec<GenesisValidator>, String> {
    let g = genesis();
    cert.verify(&g.chain_id, g.scheme, &g.validators)
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_certificate_after_validator_changes_verifies_from_the_genesis_alone() {
    let n = chain();
    let (cert, size) = certificate(&n.app, None).await;
    assert_eq!((cert.proof.height, cert.header.height), (6, 7));
    assert!(cert.proof.value.is_some(), "cit-0001 was registered");
    let heights: Vec<Height> = cert.handovers.iter().map(|h| h.height).collect();
    assert_eq!(heights, [3, 6]);
    assert_eq!(verify(&cert).unwrap(), set_c());

    // Each height carries the changes up to its certifying block, and no more.
    let (before, size_before) = certificate(&n.app, Some(1)).await;
    assert!(before.handovers.is_empty());
    assert_eq!(verify(&before).unwrap(), set_a());
    let (after_one, size_one) = certificate(&n.app, Some(2)).await;
    assert_eq!(after_one.handovers.len(), 1);
    assert_eq!(verify(&after_one).unwrap(), set_b());
    println!(
        "certificate JSON: {size_before} bytes with no handover, {size_one} with one (3 \
         validators), {size} with two (3 then 2 validators)"
    );

    // A node that synced the same blocks (checked as consensus checks synced values) serves
    // the same certificate: the handovers come from what every node stores.
    let synced = node();
    for h in 1..=7 {
        let block = n.app.store().block(h).unwrap().unwrap();
        let commit = n.app.store().certificate(h).unwrap().unwrap();
        let txs = synced
            .app
            .check_proposal(&block, &block.header.proposer)
            .unwrap();
        synced.app.commit(&block, &txs, &commit).unwrap();
    }
    assert_eq!(certificate(&synced.app, None).await.0, cert);
}

#[tokio::test]
async fn a_header_signed_by_a_set_that_left_office_is_refused() {
    let n = chain();
    let (cert, _) = certificate(&n.app, None).await;
    // Set A left office at height 3. Its members sign block 7 as if still in force.
    let mut forged = cert.clone();
    forged.header.validator_set_hash = validator_set_hash(Scheme::Ed25519, &set_a());
    forged.commit = commit_of(&forged.header, &set_a());
    let e = verify(&forged).unwrap_err();
    assert!(
        e.contains(
            "another validator set than the one in force at height 7 after 2 validator change(s)"
        ),
        "{e}"
    );
    // The same with the header still naming C's hash: A's keys are strangers to C.
    let mut forged = cert.clone();
    forged.commit = commit_of(&forged.header, &set_a());
    let e = verify(&forged).unwrap_err();
    assert!(e.contains("the commit certificate"), "{e}");
    // And B, which left office at 6, signing block 7.
    let mut forged = cert.clone();
    forged.header.validator_set_hash = validator_set_hash(Scheme::Ed25519, &set_b());
    forged.commit = commit_of(&forged.header, &set_b());
    assert!(verify(&forged).is_err());
}

/// The limit docs/security.md states: a verifier that trusts nothing newer than the genesis
/// cannot tell a history in which a set never left office from the real one. If all of set A
/// signs a block 7 of its own and the certificate leaves out every handover, it verifies; the
/// honest certificate for block 7 (signed by C) is the evidence that A forked the chain.
#[tokio::test]
async fn known_limit_a_whole_set_that_left_office_can_fork_a_verifier_that_trusts_only_genesis() {
    let n = chain();
    let (cert, _) = certificate(&n.app, None).await;
    let mut fork = cert.clone();
    fork.handovers.clear();
    fork.header.validator_set_hash = validator_set_hash(Scheme::Ed25519, &set_a());
    fork.commit = commit_of(&fork.header, &set_a());
    assert_eq!(verify(&fork).unwrap(), set_a());
    assert_ne!(
        block_hash(Scheme::Ed25519, &fork.header),
        cert.commit.block_hash
    );
}

/// What closes that limit: a verifier that trusts a later set — the `validator_set_hash` of a
/// header it knows (the gazette, its own node) — refuses a history that puts another set there.
/// (what, trusted sets, refused with)
#[tokio::test]
async fn a_trusted_later_set_exposes_a_fork_by_a_set_that_left_office() {
    let n = chain();
    let (cert, _) = certificate(&n.app, None).await;
    assert_eq!(cert.header.height, 7);
    let mut fork = cert.clone();
    fork.handovers.clear();
    fork.header.validator_set_hash = validator_set_hash(Scheme::Ed25519, &set_a());
    fork.commit = commit_of(&fork.header, &set_a());
    let trusted = |height: Height, set: &[GenesisValidator]| TrustedSet {
        height,
        validator_set_hash: validator_set_hash(Scheme::Ed25519, set),
    };
    let g = genesis();
    let check = |c: &RecordCertificate, t: &[TrustedSet]| {
        c.verify_trusting(&g.chain_id, g.scheme, &g.validators, t)
            .map_err(|e| e.to_string())
    };
    let rows: Vec<(&str, &RecordCertificate, Vec<TrustedSet>, Option<&str>)> = vec![
        (
            "the honest certificate, C trusted at 7",
            &cert,
            vec![trusted(7, &set_c())],
            None,
        ),
        (
            "the honest certificate, B at 4 and C at 6",
            &cert,
            vec![trusted(4, &set_b()), trusted(6, &set_c())],
            None,
        ),
        (
            "the honest certificate, A at 2",
            &cert,
            vec![trusted(2, &set_a())],
            None,
        ),
        (
            "a trusted set above the header says nothing of it",
            &cert,
            vec![trusted(100, &set_a())],
            None,
        ),
        (
            "the honest certificate against a wrong trusted set",
            &cert,
            vec![trusted(5, &set_c())],
            Some("another validator set in force at height 5"),
        ),
        (
            "A's fork, C trusted at 7",
            &fork,
            vec![trusted(7, &set_c())],
            Some("another validator set in force at height 7"),
        ),
        (
            "A's fork, B trusted at 3",
            &fork,
            vec![trusted(3, &set_b())],
            Some("another validator set in force at height 3"),
        ),
        (
            "A's fork, A trusted at 2 (before it left): nothing to expose",
            &fork,
            vec![trusted(2, &set_a())],
            None,
        ),
    ];
    for (what, c, t, refused) in rows {
        match (check(c, &t), refused) {
            (Ok(_), None) => {}
            (Err(e), Some(want)) => assert!(e.contains(want), "{what}: {e}"),
            (got, want) => panic!("{what}: got {got:?}, wanted {want:?}"),
        }
    }
}

#[tokio::test]
async fn tampered_handovers_are_refused() {
    let n = chain();
    let (cert, _) = certificate(&n.app, None).await;
    verify(&cert).unwrap();
    type Tamper = Box<dyn Fn(&mut RecordCertificate)>;
    // The set A signs block 5 — B's — with the honest state root, so the proof still holds.
    let signed_by_a: Tamper = Box::new(|c: &mut RecordCertificate| {
        let h = &mut c.handovers[1];
        h.header.validator_set_hash = validator_set_hash(Scheme::Ed25519, &set_a());
        h.commit = commit_of(&h.header, &set_a());
    });
    let cases: Vec<(&str, Tamper, &str)> = vec![
        (
            "the first change left out",
            Box::new(|c: &mut RecordCertificate| {
                c.handovers.remove(0);
            }),
            "the validator change at height 6: block 5 was decided by another validator set \
             than the one in force",
        ),
        (
            "the last change left out",
            Box::new(|c: &mut RecordCertificate| {
                c.handovers.pop();
            }),
            "the header was decided by another validator set than the one in force at height 7 \
             after 1 validator change(s)",
        ),
        (
            "every change left out",
            Box::new(|c: &mut RecordCertificate| c.handovers.clear()),
            "after 0 validator change(s)",
        ),
        (
            "the changes reordered",
            Box::new(|c: &mut RecordCertificate| c.handovers.swap(0, 1)),
            "the validator change at height 3 comes after the one at height 6",
        ),
        (
            "a change given twice",
            Box::new(|c: &mut RecordCertificate| {
                let first = c.handovers[0].clone();
                c.handovers.insert(1, first);
            }),
            "the validator change at height 3 comes after the one at height 3",
        ),
        (
            "a change beyond the certifying block",
            Box::new(|c: &mut RecordCertificate| {
                let mut late = c.handovers[1].clone();
                late.height = 9;
                c.handovers.push(late);
            }),
            "the validator change at height 9 is beyond the certifying block 7",
        ),
        (
            "a change signed by the set that left office before it",
            signed_by_a,
            "the validator change at height 6: block 5 was decided by another validator set",
        ),
        (
            "a change whose header names the set in force but is signed by another",
            Box::new(|c: &mut RecordCertificate| {
                let h = &mut c.handovers[1];
                h.commit = commit_of(&h.header, &set_a());
            }),
            "the validator change at height 6: block 5: invalid proof: the commit certificate",
        ),
        (
            "a change with no signatures",
            Box::new(|c: &mut RecordCertificate| c.handovers[0].commit.signatures.clear()),
            "the validator change at height 3: block 2: invalid proof: the commit certificate",
        ),
        (
            "a change with another block's commit certificate",
            Box::new(|c: &mut RecordCertificate| {
                c.handovers[0].commit = c.handovers[1].commit.clone()
            }),
            "the commit certificate is for another block",
        ),
        (
            "an incoming set that is not the one the chain scheduled",
            Box::new(|c: &mut RecordCertificate| c.handovers[0].validators = set_a()),
            "the validator change at height 3: the incoming set is not the one the chain scheduled",
        ),
        (
            "an incoming set with a proof value forged to match",
            Box::new(|c: &mut RecordCertificate| {
                c.handovers[0].validators = set_a();
                c.handovers[0].proof.value = Some(encode(&set_a()));
            }),
            "the validator change at height 3: the schedule's proof: invalid proof",
        ),
        (
            "a proof of another key",
            Box::new(|c: &mut RecordCertificate| {
                c.handovers[0].proof.key = validator_update_key(4)
            }),
            "the proof is not of the schedule for height 3 in the state after 1",
        ),
        (
            "a proof of another height",
            Box::new(|c: &mut RecordCertificate| c.handovers[0].proof.height = 0),
            "the proof is not of the schedule for height 3 in the state after 1",
        ),
        (
            "a proof against another root",
            Box::new(|c: &mut RecordCertificate| {
                c.handovers[0].proof = c.handovers[1].proof.clone()
            }),
            "the validator change at height 3: the proof is not of the schedule",
        ),
        (
            "a handover naming another height than its header's",
            Box::new(|c: &mut RecordCertificate| c.handovers[0].height = 4),
            "the validator change at height 4: its header is of height 2, not 3",
        ),
        (
            "a change at height 1",
            Box::new(|c: &mut RecordCertificate| c.handovers[0].height = 1),
            "the validator change at height 1: no change can take effect before height 2",
        ),
        (
            "a handover's header of another chain",
            Box::new(|c: &mut RecordCertificate| {
                c.handovers[0].header.chain_id = "other-chain".into()
            }),
            "its header is of chain `other-chain`",
        ),
        (
            "a handover's proof naming another scheme",
            Box::new(|c: &mut RecordCertificate| c.handovers[0].proof.scheme = Scheme::Sm2),
            "the validator change at height 3: the proof names the sm2 scheme; this chain's is \
             ed25519",
        ),
    ];
    for (what, tamper, expected) in cases {
        let mut c = cert.clone();
        tamper(&mut c);
        match verify(&c) {
            Ok(_) => panic!("{what}: accepted"),
            Err(e) => assert!(e.contains(expected), "{what}: `{e}` lacks `{expected}`"),
        }
    }
    // The scheme is the genesis's: a verifier told another one refuses the honest certificate.
    let g = genesis();
    assert!(
        cert.verify(&g.chain_id, Scheme::Sm2, &g.validators)
            .is_err()
    );
}
