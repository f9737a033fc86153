//! Transactions (ids, signing, verification) and commit certificates.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code fails loudly on purpose; STYLE.md §7 is for code that handles input"
)]

use govchain_crypto::{
    CryptoError, Scheme, SecretKey, block_hash, hash, merkle_root, sign_commit, sign_tx, tx_hash,
    tx_id, validator_set_hash, verify_commit, verify_tx, verify_txs,
};
use govchain_types::{
    CommitCertificate, GenesisValidator, Hash, Header, Payload, PrincipalId, PrincipalKind,
    PublicKey, Signature, Tx, TxBody, encode,
};
use sha2::Digest;

const CHAIN: &str = "govchain-test";

fn body(signer: &SecretKey, nonce: u64) -> TxBody {
    TxBody {
        chain_id: CHAIN.into(),
        signer: signer.public_key(),
        nonce,
        valid_until: 100,
        acting_as: None,
        payload: Payload::RegisterKey {
            principal: PrincipalId::new("cit-0001").unwrap(),
            kind: PrincipalKind::Person,
            key: signer.public_key(),
        },
    }
}

#[test]
fn tx_id_is_the_hash_of_the_signing_bytes() {
    let key = SecretKey::from_seed(Scheme::Ed25519, b"alice");
    let b = body(&key, 0);
    let expected: [u8; 32] = sha2::Sha256::digest(b.signing_bytes()).into();
    assert_eq!(tx_id(Scheme::Ed25519, &b), Hash(expected));
    let expected_sm3: [u8; 32] = sm3::Sm3::digest(b.signing_bytes()).into();
    assert_eq!(tx_id(Scheme::Sm2, &b), Hash(expected_sm3));
    // Another nonce is another transaction.
    assert_ne!(
        tx_id(Scheme::Ed25519, &body(&key, 1)),
        tx_id(Scheme::Ed25519, &b)
    );
}

/// A pinned id: if this changes, every stored transaction id changes with it, so a change here
/// is a change of the chain format (the encoding in govchain-types or the hash), never an
/// accident.
#[test]
fn tx_id_is_stable() {
    let key = SecretKey::from_seed(Scheme::Ed25519, b"alice");
    let id = tx_id(Scheme::Ed25519, &body(&key, 7));
    assert_eq!(id, tx_id(Scheme::Ed25519, &body(&key, 7)));
    assert_eq!(id.to_string(), PINNED_TX_ID);
}
// Changed when `TxBody` gained `acting_as` (the Registries issue).
const PINNED_TX_ID: &str = "2d47b2e0bf7fd5e24e4c69bf179c9f518ae5f1f23b883c4a952e90df837c9fbf";

#[test]
fn the_id_does_not_depend_on_the_signature() {
    // SM2 signing is deterministic, so re-sign with a randomized nonce through the crate: the
    // signature differs, the id does not.
    let key = SecretKey::from_seed(Scheme::Sm2, b"bob");
    let tx = sign_tx(Scheme::Sm2, &key, body(&key, 0));
    let SecretKey::Sm2(inner) = &key else {
        unreachable!()
    };
    use sm2::dsa::signature::RandomizedSigner;
    let other: sm2::dsa::Signature =
        inner.sign_with_rng(&mut rand_core::OsRng, &tx.body.signing_bytes());
    let resigned = Tx {
        signature: Signature::Sm2(other.to_bytes()),
        ..tx.clone()
    };
    assert_ne!(resigned.signature, tx.signature);
    let a = verify_tx(Scheme::Sm2, tx).unwrap();
    let b = verify_tx(Scheme::Sm2, resigned).unwrap();
    assert_eq!(a.id(), b.id());
}

#[test]
fn verify_tx_accepts_good_and_computes_the_id() {
    for scheme in [Scheme::Ed25519, Scheme::Sm2] {
        let key = SecretKey::from_seed(scheme, b"alice");
        let tx = sign_tx(scheme, &key, body(&key, 3));
        let verified = verify_tx(scheme, tx.clone()).unwrap();
        assert_eq!(verified.id(), tx_id(scheme, &tx.body));
        assert_eq!(verified.tx(), &tx);
        assert_eq!(verified.into_tx(), tx);
    }
}

#[test]
fn verify_tx_refuses_a_bad_signature() {
    let key = SecretKey::from_seed(Scheme::Ed25519, b"alice");
    let mut tx = sign_tx(Scheme::Ed25519, &key, body(&key, 0));
    tx.body.nonce = 1; // signed for nonce 0
    let (back, err) = verify_tx(Scheme::Ed25519, tx.clone()).unwrap_err();
    assert_eq!(back, tx);
    assert_eq!(err, CryptoError::BadSignature);
}

#[test]
fn verify_tx_refuses_the_wrong_scheme() {
    // An SM2-signed transaction on an Ed25519 chain: the signer key is refused first.
    let sm2 = SecretKey::from_seed(Scheme::Sm2, b"carol");
    let tx = sign_tx(Scheme::Sm2, &sm2, body(&sm2, 0));
    let (_, err) = verify_tx(Scheme::Ed25519, tx).unwrap_err();
    assert_eq!(
        err,
        CryptoError::SchemeMismatch {
            what: "the transaction's signer key",
            expected: Scheme::Ed25519,
            found: Scheme::Sm2
        }
    );
    assert_eq!(
        err.to_string(),
        "the transaction's signer key uses the `sm2` scheme where `ed25519` is required"
    );

    // An Ed25519 signer key with a signature relabelled as SM2.
    let ed = SecretKey::from_seed(Scheme::Ed25519, b"dave");
    let mut tx = sign_tx(Scheme::Ed25519, &ed, body(&ed, 0));
    tx.signature = Signature::Sm2(*tx.signature.bytes());
    let (_, err) = verify_tx(Scheme::Ed25519, tx).unwrap_err();
    assert_eq!(
        err,
        CryptoError::SchemeMismatch {
            what: "the transaction's signature",
            expected: Scheme::Ed25519,
            found: Scheme::Sm2
        }
    );
}

#[test]
fn verify_txs_gives_one_result_per_tx_in_order() {
    for scheme in [Scheme::Ed25519, Scheme::Sm2] {
        let other = match scheme {
            Scheme::Ed25519 => Scheme::Sm2,
            Scheme::Sm2 => Scheme::Ed25519,
        };
        let alice = SecretKey::from_seed(scheme, b"alice");
        let bob = SecretKey::from_seed(scheme, b"bob");
        let stranger = SecretKey::from_seed(other, b"eve");
        let good0 = sign_tx(scheme, &alice, body(&alice, 0));
        let mut forged = sign_tx(scheme, &alice, body(&alice, 1));
        forged.body.signer = bob.public_key(); // signed by alice, claims bob
        let wrong_scheme = sign_tx(other, &stranger, body(&stranger, 0));
        let good1 = sign_tx(scheme, &bob, body(&bob, 0));
        let txs = vec![
            good0.clone(),
            forged.clone(),
            wrong_scheme.clone(),
            good1.clone(),
        ];

        let results = verify_txs(scheme, txs.clone());
        assert_eq!(results.len(), 4);
        let ok = |i: usize| results[i].as_ref().unwrap();
        let err = |i: usize| results[i].as_ref().unwrap_err();
        assert_eq!(ok(0).tx(), &good0);
        assert_eq!(ok(0).id(), tx_id(scheme, &good0.body));
        assert_eq!(err(1), &(forged, CryptoError::BadSignature));
        assert!(matches!(err(2), (tx, CryptoError::SchemeMismatch { .. }) if *tx == wrong_scheme));
        assert_eq!(ok(3).tx(), &good1);

        // Each result is the one verify_tx gives alone.
        for (tx, batched) in txs.into_iter().zip(&results) {
            assert_eq!(&verify_tx(scheme, tx), batched);
        }
    }
    assert!(verify_txs(Scheme::Ed25519, Vec::new()).is_empty());
}

#[test]
fn block_hash_and_tx_root() {
    let key = SecretKey::from_seed(Scheme::Ed25519, b"validator-0");
    let txs = [
        sign_tx(Scheme::Ed25519, &key, body(&key, 0)),
        sign_tx(Scheme::Ed25519, &key, body(&key, 1)),
    ];
    // The leaves are the full hashes: the whole encoding, signature included.
    let leaves: Vec<Hash> = txs.iter().map(|t| tx_hash(Scheme::Ed25519, t)).collect();
    for (t, leaf) in txs.iter().zip(&leaves) {
        assert_eq!(*leaf, hash(Scheme::Ed25519, &t.encode()));
        assert_ne!(*leaf, tx_id(Scheme::Ed25519, &t.body));
    }
    // Another signature over the same body: the same id, another full hash and tx root.
    let mut forged = txs[0].clone();
    forged.signature = Signature::Ed25519([9; 64]);
    assert_eq!(
        tx_id(Scheme::Ed25519, &forged.body),
        tx_id(Scheme::Ed25519, &txs[0].body)
    );
    assert_ne!(tx_hash(Scheme::Ed25519, &forged), leaves[0]);
    assert_ne!(
        merkle_root(
            Scheme::Ed25519,
            &[tx_hash(Scheme::Ed25519, &forged), leaves[1]]
        ),
        merkle_root(Scheme::Ed25519, &leaves)
    );
    let header = Header {
        chain_id: CHAIN.into(),
        height: 1,
        round: 0,
        time_ms: 1_700_000_000_000,
        parent_hash: Hash::ZERO,
        tx_root: merkle_root(Scheme::Ed25519, &leaves),
        state_root: Hash::ZERO,
        proposer: key.public_key(),
        validator_set_hash: Hash::ZERO,
    };
    assert_eq!(
        block_hash(Scheme::Ed25519, &header),
        hash(Scheme::Ed25519, &header.encode())
    );
    assert_ne!(
        block_hash(Scheme::Ed25519, &header),
        block_hash(Scheme::Sm2, &header)
    );
    let mut later = header.clone();
    later.height = 2;
    assert_ne!(
        block_hash(Scheme::Ed25519, &later),
        block_hash(Scheme::Ed25519, &header)
    );
}

// --- commit certificates -------------------------------------------------------------------

struct Net {
    keys: Vec<SecretKey>,
    validators: Vec<GenesisValidator>,
}

fn net(powers: &[u64]) -> Net {
    let keys: Vec<SecretKey> = (0..powers.len())
        .map(|i| SecretKey::from_seed(Scheme::Ed25519, format!("validator-{i}").as_bytes()))
        .collect();
    let validators = keys
        .iter()
        .zip(powers)
        .enumerate()
        .map(|(i, (k, p))| GenesisValidator {
            name: PrincipalId::new(format!("dept-{i}")).unwrap(),
            key: k.public_key(),
            power: *p,
        })
        .collect();
    Net { keys, validators }
}

fn block() -> Hash {
    hash(Scheme::Ed25519, b"block 5")
}

fn cert(net: &Net, signers: &[usize]) -> CommitCertificate {
    CommitCertificate {
        height: 5,
        round: 0,
        block_hash: block(),
        signatures: signers
            .iter()
            .map(|i| sign_commit(CHAIN, 5, 0, &block(), &net.keys[*i]))
            .collect(),
    }
}

fn check(net: &Net, cert: &CommitCertificate) -> Result<(), CryptoError> {
    verify_commit(Scheme::Ed25519, CHAIN, &net.validators, cert)
}

#[test]
fn commit_of_three_of_four_is_accepted() {
    let n = net(&[10, 10, 10, 10]);
    assert_eq!(check(&n, &cert(&n, &[0, 1, 2])), Ok(()));
    assert_eq!(check(&n, &cert(&n, &[3, 1, 0])), Ok(()));
    assert_eq!(check(&n, &cert(&n, &[0, 1, 2, 3])), Ok(()));
    // The chain scheme does not matter: consensus keys are Ed25519 on SM2 chains too.
    assert_eq!(
        verify_commit(Scheme::Sm2, CHAIN, &n.validators, &cert(&n, &[0, 1, 2])),
        Ok(())
    );
}

#[test]
fn commit_of_two_of_four_is_refused() {
    let n = net(&[10, 10, 10, 10]);
    assert_eq!(
        check(&n, &cert(&n, &[0, 1])),
        Err(CryptoError::NotEnoughPower {
            signed: 20,
            total: 40
        })
    );
    assert_eq!(
        check(&n, &cert(&n, &[])),
        Err(CryptoError::NotEnoughPower {
            signed: 0,
            total: 40
        })
    );
}

#[test]
fn exactly_two_thirds_is_not_enough() {
    let n = net(&[1, 1, 1]);
    assert_eq!(
        check(&n, &cert(&n, &[0, 1])),
        Err(CryptoError::NotEnoughPower {
            signed: 2,
            total: 3
        })
    );
    assert_eq!(check(&n, &cert(&n, &[0, 1, 2])), Ok(()));
    // Power, not heads: one validator with 70 of 100 decides alone, three with 30 cannot.
    let n = net(&[70, 10, 10, 10]);
    assert_eq!(check(&n, &cert(&n, &[0])), Ok(()));
    assert_eq!(
        check(&n, &cert(&n, &[1, 2, 3])),
        Err(CryptoError::NotEnoughPower {
            signed: 30,
            total: 100
        })
    );
}

#[test]
fn large_powers_do_not_overflow() {
    let n = net(&[u64::MAX, u64::MAX, u64::MAX, u64::MAX]);
    assert_eq!(check(&n, &cert(&n, &[0, 1, 2])), Ok(()));
    let max = u128::from(u64::MAX);
    assert_eq!(
        check(&n, &cert(&n, &[0, 1])),
        Err(CryptoError::NotEnoughPower {
            signed: 2 * max,
            total: 4 * max
        })
    );
}

#[test]
fn duplicate_signers_are_refused() {
    let n = net(&[10, 10, 10, 10]);
    let mut c = cert(&n, &[0, 1]);
    c.signatures.push(c.signatures[1].clone());
    assert_eq!(
        check(&n, &c),
        Err(CryptoError::DuplicateSigner(n.keys[1].public_key()))
    );
}

#[test]
fn strangers_are_refused() {
    let n = net(&[10, 10, 10, 10]);
    let stranger = SecretKey::from_seed(Scheme::Ed25519, b"stranger");
    let mut c = cert(&n, &[0, 1, 2]);
    c.signatures
        .push(sign_commit(CHAIN, 5, 0, &block(), &stranger));
    assert_eq!(
        check(&n, &c),
        Err(CryptoError::UnknownValidator(stranger.public_key()))
    );
}

#[test]
fn bad_signatures_are_refused() {
    let n = net(&[10, 10, 10, 10]);
    // A vote for another block, for another round, for another chain.
    for vote in [
        sign_commit(CHAIN, 5, 0, &hash(Scheme::Ed25519, b"other"), &n.keys[2]),
        sign_commit(CHAIN, 5, 1, &block(), &n.keys[2]),
        sign_commit(CHAIN, 6, 0, &block(), &n.keys[2]),
        sign_commit("another-chain", 5, 0, &block(), &n.keys[2]),
    ] {
        let mut c = cert(&n, &[0, 1, 3]);
        c.signatures.insert(1, vote);
        assert_eq!(
            check(&n, &c),
            Err(CryptoError::BadCommitSignature(n.keys[2].public_key()))
        );
    }
}

#[test]
fn non_ed25519_validators_and_votes_are_refused() {
    let mut n = net(&[10, 10, 10]);
    let sm2 = SecretKey::from_seed(Scheme::Sm2, b"sm2-validator");
    n.validators.push(GenesisValidator {
        name: PrincipalId::new("dept-sm2").unwrap(),
        key: sm2.public_key(),
        power: 10,
    });
    assert!(matches!(
        check(&n, &cert(&n, &[0, 1, 2])),
        Err(CryptoError::SchemeMismatch {
            what: "a validator key",
            ..
        })
    ));

    // A vote whose signature is relabelled as SM2 under an Ed25519 key.
    let n = net(&[10, 10, 10, 10]);
    let mut c = cert(&n, &[0, 1, 2]);
    c.signatures[0].signature = Signature::Sm2(*c.signatures[0].signature.bytes());
    assert_eq!(
        check(&n, &c),
        Err(CryptoError::BadCommitSignature(n.keys[0].public_key()))
    );
}

#[test]
fn a_validator_listed_twice_is_refused() {
    let mut n = net(&[10, 10, 10]);
    n.validators.push(n.validators[0].clone());
    assert_eq!(
        check(&n, &cert(&n, &[0, 1, 2])),
        Err(CryptoError::DuplicateValidator(n.keys[0].public_key()))
    );
}

#[test]
fn validator_set_hash_is_the_hash_of_the_encoded_list() {
    let n = net(&[10, 20, 30]);
    for scheme in [Scheme::Ed25519, Scheme::Sm2] {
        let h = validator_set_hash(scheme, &n.validators);
        assert_eq!(h, hash(scheme, &encode(&n.validators)));
        let mut reordered = n.validators.clone();
        reordered.swap(0, 1);
        assert_ne!(validator_set_hash(scheme, &reordered), h);
        let mut repowered = n.validators.clone();
        repowered[2].power = 31;
        assert_ne!(validator_set_hash(scheme, &repowered), h);
    }
}

/// Development networks name their keys by seed (`validator-0`, `alice`); the derivation must
/// not drift, or every devnet genesis file breaks. Pinned for both schemes.
#[test]
fn seed_keys_are_stable() {
    let ed = SecretKey::from_seed(Scheme::Ed25519, b"alice").public_key();
    let sm2 = SecretKey::from_seed(Scheme::Sm2, b"alice").public_key();
    assert_eq!(ed.to_string(), PINNED_ED25519_ALICE);
    assert_eq!(sm2.to_string(), PINNED_SM2_ALICE);
    assert!(matches!(ed, PublicKey::Ed25519(_)));
}
const PINNED_ED25519_ALICE: &str =
    "ed25519:e8f74b01df392939dc045b967bf6e3cfc4a3baca4bbf6e7c2cfb712390c05a2a";
const PINNED_SM2_ALICE: &str =
    "sm2:0320310bc78b4287a80ff4147242d61d62611794cadf3c502ee8467873b491698f";
