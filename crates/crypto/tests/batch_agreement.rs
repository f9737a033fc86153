//! Batch and single verification agree on every input (ZIP-215), and no bytes make anything
//! panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code fails loudly on purpose; STYLE.md §7 is for code that handles input"
)]

use govchain_crypto::{BatchVerifier, KeyFile, Scheme, SecretKey, verify};
use govchain_types::{PublicKey, Signature};
use proptest::prelude::*;

/// What to do to an honestly signed item before verifying it.
#[derive(Clone, Debug)]
enum Twist {
    None,
    /// Flip one bit of the signature.
    FlipSignature(usize, u8),
    /// Verify against another message.
    OtherMessage(Vec<u8>),
    /// Verify with another key of the same scheme.
    OtherKey,
    /// Replace the signature with arbitrary bytes.
    RandomSignature([u8; 64]),
    /// Replace the key with arbitrary bytes (often not a point).
    RandomKey([u8; 32], u8),
    /// Label the signature with the other scheme.
    Relabel,
}

fn twist() -> impl Strategy<Value = Twist> {
    prop_oneof![
        3 => Just(Twist::None),
        1 => (0usize..64, 0u8..8).prop_map(|(i, b)| Twist::FlipSignature(i, b)),
        1 => proptest::collection::vec(any::<u8>(), 0..8).prop_map(Twist::OtherMessage),
        1 => Just(Twist::OtherKey),
        1 => any::<[u8; 64]>().prop_map(Twist::RandomSignature),
        1 => (any::<[u8; 32]>(), any::<u8>()).prop_map(|(k, p)| Twist::RandomKey(k, p)),
        1 => Just(Twist::Relabel),
    ]
}

#[derive(Clone, Debug)]
struct Item {
    key: PublicKey,
    msg: Vec<u8>,
    sig: Signature,
}

fn make_item(sm2: bool, seed: u8, msg: Vec<u8>, twist: Twist) -> Item {
    let scheme = if sm2 { Scheme::Sm2 } else { Scheme::Ed25519 };
    let secret = SecretKey::from_seed(scheme, &[seed]);
    let mut item = Item {
        key: secret.public_key(),
        sig: secret.sign(&msg),
        msg,
    };
    match twist {
        Twist::None => {}
        Twist::FlipSignature(i, bit) => {
            let mut bytes = *item.sig.bytes();
            bytes[i] ^= 1 << bit;
            item.sig = relabel_as(&item.sig, bytes);
        }
        Twist::OtherMessage(suffix) => {
            item.msg.push(0x5a);
            item.msg.extend(suffix);
        }
        Twist::OtherKey => {
            item.key = SecretKey::from_seed(scheme, &[seed, 1]).public_key();
        }
        Twist::RandomSignature(bytes) => item.sig = relabel_as(&item.sig, bytes),
        Twist::RandomKey(bytes, prefix) => {
            item.key = match item.key {
                PublicKey::Ed25519(_) => PublicKey::Ed25519(bytes),
                PublicKey::Sm2(_) => {
                    let mut k = [0u8; 33];
                    // Mostly a well-formed prefix, so that about half of these are points.
                    k[0] = if prefix < 200 { 2 + prefix % 2 } else { prefix };
                    k[1..].copy_from_slice(&bytes);
                    PublicKey::Sm2(k)
                }
            }
        }
        Twist::Relabel => {
            item.sig = match item.sig {
                Signature::Ed25519(b) => Signature::Sm2(b),
                Signature::Sm2(b) => Signature::Ed25519(b),
            }
        }
    }
    item
}

fn relabel_as(like: &Signature, bytes: [u8; 64]) -> Signature {
    match like {
        Signature::Ed25519(_) => Signature::Ed25519(bytes),
        Signature::Sm2(_) => Signature::Sm2(bytes),
    }
}

fn item() -> impl Strategy<Value = Item> {
    (
        prop::bool::weighted(0.25),
        0u8..6,
        proptest::collection::vec(any::<u8>(), 0..40),
        twist(),
    )
        .prop_map(|(sm2, seed, msg, twist)| make_item(sm2, seed, msg, twist))
}

fn batch_results(items: &[Item]) -> Vec<Result<(), govchain_crypto::CryptoError>> {
    let mut batch = BatchVerifier::new();
    for item in items {
        batch.push(&item.key, &item.msg, &item.sig);
    }
    assert_eq!(batch.len(), items.len());
    batch.verify()
}

fn single_results(items: &[Item]) -> Vec<Result<(), govchain_crypto::CryptoError>> {
    items
        .iter()
        .map(|item| verify(&item.key, &item.msg, &item.sig))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Mixed batches of valid, corrupted, misaddressed and relabelled signatures of both
    /// schemes: the batch gives each item exactly the result single verification gives.
    #[test]
    fn batch_agrees_with_single(items in proptest::collection::vec(item(), 0..12)) {
        prop_assert_eq!(batch_results(&items), single_results(&items));
    }

    /// All-valid batches pass whole.
    #[test]
    fn valid_batches_pass(
        items in proptest::collection::vec(
            (any::<bool>(), 0u8..6, proptest::collection::vec(any::<u8>(), 0..40))
                .prop_map(|(sm2, seed, msg)| make_item(sm2, seed, msg, Twist::None)),
            1..10,
        )
    ) {
        prop_assert!(batch_results(&items).iter().all(Result::is_ok));
    }

    /// Arbitrary keys, signatures and messages: errors, never panics, single or batched.
    #[test]
    fn arbitrary_bytes_never_panic(
        ed_key in any::<[u8; 32]>(),
        sm2_key in any::<[u8; 32]>(),
        prefix in prop_oneof![Just(2u8), Just(3u8), any::<u8>()],
        sig in any::<[u8; 64]>(),
        msg in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut sm2 = [prefix; 33];
        sm2[1..].copy_from_slice(&sm2_key);
        let keys = [PublicKey::Ed25519(ed_key), PublicKey::Sm2(sm2)];
        let sigs = [Signature::Ed25519(sig), Signature::Sm2(sig)];
        let mut batch = BatchVerifier::new();
        let mut singles = Vec::new();
        for key in &keys {
            for s in &sigs {
                singles.push(verify(key, &msg, s));
                batch.push(key, &msg, s);
            }
        }
        prop_assert_eq!(batch.verify(), singles);
    }

    /// Arbitrary secret bytes and key files: a key or an error, never a panic.
    #[test]
    fn arbitrary_secret_bytes_never_panic(
        bytes in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::collection::vec(any::<u8>(), 32),
        ],
        text in ".{0,70}",
    ) {
        for scheme in [Scheme::Ed25519, Scheme::Sm2] {
            if let Ok(key) = SecretKey::from_bytes(scheme, &bytes) {
                prop_assert_eq!(key.to_bytes(), bytes.clone());
                let sig = key.sign(&bytes);
                prop_assert_eq!(verify(&key.public_key(), &bytes, &sig), Ok(()));
            }
            let public = SecretKey::from_seed(scheme, &bytes).public_key();
            for secret_key in [text.clone(), hex::encode(&bytes)] {
                let file = KeyFile { scheme, public_key: public.clone(), secret_key };
                let _ = file.to_secret();
            }
        }
    }
}

/// ZIP-215 decides edge cases that RFC 8032 implementations disagree on; single and batch
/// must decide them alike. The identity point, encoded canonically (y = 1) or not
/// (y = p + 1, which RFC 8032 refuses), as both key and R, with s = 0, satisfies
/// [8][s]B = [8]R + [8][k]A, so ZIP-215 accepts it for any message.
#[test]
fn zip215_small_order_and_non_canonical_points() {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    // p + 1 = 2^255 - 18, little-endian.
    let mut non_canonical_identity = [0xff; 32];
    non_canonical_identity[0] = 0xee;
    non_canonical_identity[31] = 0x7f;
    for key in [identity, non_canonical_identity] {
        for r in [identity, non_canonical_identity] {
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&r);
            let items = vec![
                Item {
                    key: PublicKey::Ed25519(key),
                    msg: b"zip215".to_vec(),
                    sig: Signature::Ed25519(sig),
                },
                make_item(false, 1, b"honest".to_vec(), Twist::None),
            ];
            let single = single_results(&items);
            assert_eq!(single, vec![Ok(()), Ok(())]);
            assert_eq!(batch_results(&items), single);
        }
    }
}

/// A non-canonical s (s ≥ ℓ) is refused by both paths: ℓ + s' is not reduced.
#[test]
fn non_canonical_s_is_refused_by_both() {
    let good = make_item(false, 2, b"m".to_vec(), Twist::None);
    let mut bytes = *good.sig.bytes();
    // Add ℓ = 2^252 + 27742317777372353535851937790883648493 to s (little-endian).
    let ell: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for (s, l) in bytes[32..].iter_mut().zip(ell) {
        let sum = u16::from(*s) + u16::from(l) + carry;
        *s = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0, "s + ℓ fits in 256 bits for any reduced s");
    let bad = Item {
        sig: Signature::Ed25519(bytes),
        ..good.clone()
    };
    let items = vec![good, bad];
    let single = single_results(&items);
    assert_eq!(single[0], Ok(()));
    assert!(single[1].is_err());
    assert_eq!(batch_results(&items), single);
}
