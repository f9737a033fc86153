//! Round trips of the canonical encoding, and decoding of garbage that never panics.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use govchain_types::*;
use proptest::prelude::*;

fn arb_key() -> impl Strategy<Value = PublicKey> {
    prop_oneof![
        any::<[u8; 32]>().prop_map(PublicKey::Ed25519),
        (any::<[u8; 32]>(), any::<u8>()).prop_map(|(b, first)| {
            let mut k = [0u8; 33];
            k[0] = first;
            k[1..].copy_from_slice(&b);
            PublicKey::Sm2(k)
        }),
    ]
}

fn arb_sig() -> impl Strategy<Value = Signature> {
    (any::<bool>(), proptest::collection::vec(any::<u8>(), 64)).prop_map(|(ed, v)| {
        let b: [u8; 64] = v.try_into().unwrap();
        if ed {
            Signature::Ed25519(b)
        } else {
            Signature::Sm2(b)
        }
    })
}

fn arb_id() -> impl Strategy<Value = PrincipalId> {
    "[a-z0-9._-]{1,64}".prop_map(|s| PrincipalId::new(s).unwrap())
}

fn arb_kind() -> impl Strategy<Value = PrincipalKind> {
    prop_oneof![
        Just(PrincipalKind::Person),
        Just(PrincipalKind::Organisation),
        Just(PrincipalKind::Department),
        Just(PrincipalKind::Legislature),
    ]
}

fn arb_payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        (arb_id(), arb_kind(), arb_key()).prop_map(|(principal, kind, key)| {
            Payload::RegisterKey {
                principal,
                kind,
                key,
            }
        }),
        (arb_id(), arb_key()).prop_map(|(principal, key)| Payload::RevokeKey { principal, key }),
    ]
}

fn arb_tx() -> impl Strategy<Value = Tx> {
    (
        ".{0,20}",
        arb_key(),
        any::<u64>(),
        any::<u64>(),
        arb_payload(),
        arb_sig(),
    )
        .prop_map(
            |(chain_id, signer, nonce, valid_until, payload, signature)| Tx {
                body: TxBody {
                    chain_id,
                    signer,
                    nonce,
                    valid_until,
                    acting_as: None,
                    payload,
                },
                signature,
            },
        )
}

fn arb_hash() -> impl Strategy<Value = Hash> {
    any::<[u8; 32]>().prop_map(Hash)
}

fn arb_block() -> impl Strategy<Value = Block> {
    (
        ".{0,20}",
        (any::<u64>(), any::<u32>()),
        any::<u64>(),
        arb_hash(),
        arb_hash(),
        arb_hash(),
        arb_key(),
        arb_hash(),
        proptest::collection::vec(arb_tx(), 0..4),
    )
        .prop_map(
            |(
                chain_id,
                (height, round),
                time_ms,
                parent_hash,
                tx_root,
                state_root,
                proposer,
                vs,
                txs,
            )| {
                Block {
                    header: Header {
                        chain_id,
                        height,
                        round,
                        time_ms,
                        parent_hash,
                        tx_root,
                        state_root,
                        proposer,
                        validator_set_hash: vs,
                    },
                    txs,
                }
            },
        )
}

proptest! {
    #[test]
    fn tx_round_trips(tx in arb_tx()) {
        let bytes = tx.encode();
        prop_assert_eq!(bytes[0], ENCODING_VERSION);
        prop_assert_eq!(Tx::decode(&bytes).unwrap(), tx.clone());
        // The JSON view round-trips too.
        let json = serde_json::to_string(&tx).unwrap();
        prop_assert_eq!(serde_json::from_str::<Tx>(&json).unwrap(), tx);
    }

    #[test]
    fn block_round_trips(block in arb_block()) {
        prop_assert_eq!(Block::decode(&block.encode()).unwrap(), block);
    }

    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Tx::decode(&bytes);
        let _ = Block::decode(&bytes);
        let _ = CommitCertificate::decode(&bytes);
        let _ = Genesis::decode(&bytes);
    }

    #[test]
    fn truncated_or_extended_encodings_are_refused(tx in arb_tx(), cut in any::<prop::sample::Index>(), extra in any::<u8>()) {
        let bytes = tx.encode();
        let n = cut.index(bytes.len());
        prop_assert!(Tx::decode(&bytes[..n]).is_err());
        let mut longer = bytes.clone();
        longer.push(extra);
        prop_assert!(Tx::decode(&longer).is_err());
    }

    #[test]
    fn mutated_encodings_never_panic(tx in arb_tx(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = tx.encode();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let _ = Tx::decode(&bytes);
    }
}

#[test]
fn wrong_version_is_a_clear_error() {
    let tx_bytes = {
        let mut b = vec![9u8];
        b.extend_from_slice(&[0; 10]);
        b
    };
    let err = Tx::decode(&tx_bytes).unwrap_err();
    assert_eq!(err, DecodeError::Version(9));
    assert!(err.to_string().contains("unsupported encoding version `9`"));
    assert_eq!(Tx::decode(&[]).unwrap_err(), DecodeError::Empty);
}

#[test]
fn a_huge_length_prefix_does_not_allocate_or_panic() {
    // version, then a chain id claiming 4 GiB
    let bytes = [1u8, 0xff, 0xff, 0xff, 0xff, b'a'];
    assert!(Tx::decode(&bytes).is_err());
    let bytes = [1u8, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
    assert!(Block::decode(&bytes).is_err());
}

#[test]
fn invalid_ids_do_not_decode() {
    for bad in ["", "Upper", "has space", &"x".repeat(65)] {
        assert!(PrincipalId::new(bad).is_err(), "{bad:?}");
        let encoded = borsh::to_vec(&bad.to_string()).unwrap();
        assert!(
            borsh::from_slice::<PrincipalId>(&encoded).is_err(),
            "{bad:?}"
        );
    }
    assert!(PrincipalId::new("cit-0001").is_ok());
}

#[test]
fn keys_parse_and_print() {
    let k: PublicKey = "ed25519:d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        .parse()
        .unwrap();
    assert_eq!(k.scheme(), Scheme::Ed25519);
    assert_eq!(k.to_string().parse::<PublicKey>().unwrap(), k);
    assert!("ed25519:abcd".parse::<PublicKey>().is_err());
    assert!("rsa:abcd".parse::<PublicKey>().is_err());
    assert!("nocolon".parse::<PublicKey>().is_err());
}

/// Found by fuzzing `tx_decode`: borsh reads a map whose keys come out of order, so the same
/// transaction had a second encoding. A transaction must have one.
#[test]
fn a_map_out_of_order_is_not_a_transaction() {
    let fields: Fields = [
        ("a".to_string(), FieldValue::Bool(true)),
        ("b".to_string(), FieldValue::Bool(false)),
    ]
    .into_iter()
    .collect();
    let tx = Tx {
        body: TxBody {
            chain_id: "c".into(),
            signer: PublicKey::Ed25519([7; 32]),
            nonce: 0,
            valid_until: 1,
            acting_as: None,
            payload: Payload::InsertRecord {
                registry: "r".into(),
                key: "k".into(),
                fields,
            },
        },
        signature: Signature::Ed25519([0; 64]),
    };
    let good = tx.encode();
    assert_eq!(Tx::decode(&good).unwrap(), tx);
    // Swap the two entries: `a` and `b` are each a 4-byte length, one byte, then a bool tag
    // and value (2 bytes): 7 bytes apiece, just before the 64-byte signature's tag.
    let end = good.len() - 65;
    let (a, b) = (end - 14, end - 7);
    let mut swapped = good.clone();
    swapped[a..b].copy_from_slice(&good[b..end]);
    swapped[b..end].copy_from_slice(&good[a..b]);
    assert_ne!(swapped, good);
    // Refused either way: by our canonical check, or by borsh itself where another crate of the
    // build turns on its strict map order.
    assert!(
        matches!(Tx::decode(&swapped), Err(DecodeError::Malformed { .. })),
        "a second encoding of the same transaction was accepted"
    );
}
