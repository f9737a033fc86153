//! Signature verification, one at a time or in a batch.
//!
//! Ed25519 follows ZIP-215 (ed25519-consensus): every encoding of a curve point is accepted,
//! `s` must be canonical, and the cofactored equation `[8][s]B = [8]R + [8][k]A` decides. Batch
//! and single verification therefore agree on every input, which consensus needs: two nodes
//! must never disagree on a block because one of them verified it in a batch.

use crate::error::{CryptoError, Result};
use crate::keys::SM2_DISTID;
use ed25519_consensus::{VerificationKey, VerificationKeyBytes, batch};
use govchain_types::{PublicKey, Signature};
use rand_core::OsRng;
use sm2::dsa::signature::Verifier as _;

/// Verifies `sig` by `key` over `msg`.
///
/// A key and a signature of different schemes, and an SM2 key that is not a point of the
/// curve, are errors, not panics.
pub fn verify(key: &PublicKey, msg: &[u8], sig: &Signature) -> Result<()> {
    match (key, sig) {
        (PublicKey::Ed25519(key), Signature::Ed25519(sig)) => {
            let key = VerificationKey::try_from(*key).map_err(ed25519_error)?;
            key.verify(&ed25519_consensus::Signature::from(*sig), msg)
                .map_err(ed25519_error)
        }
        (PublicKey::Sm2(key), Signature::Sm2(sig)) => verify_sm2(key, msg, sig),
        _ => Err(CryptoError::SchemeMismatch {
            what: "signature",
            expected: key.scheme(),
            found: sig.scheme(),
        }),
    }
}

fn verify_sm2(key: &[u8; 33], msg: &[u8], sig: &[u8; 64]) -> Result<()> {
    let key = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DISTID, key).map_err(|_| {
        CryptoError::InvalidKey("the sm2 public key is not a point of the curve".into())
    })?;
    // `r` and `s` must lie in [1, n - 1] (GB/T 32918.2 §7.1 steps B1 and B2).
    let sig = sm2::dsa::Signature::from_bytes(sig).map_err(|_| CryptoError::BadSignature)?;
    key.verify(msg, &sig).map_err(|_| CryptoError::BadSignature)
}

/// The one mapping of ed25519-consensus errors, shared by the single and the batch paths so
/// that both report the same error for the same input.
fn ed25519_error(e: ed25519_consensus::Error) -> CryptoError {
    match e {
        ed25519_consensus::Error::MalformedPublicKey => {
            CryptoError::InvalidKey("the ed25519 public key is not a point of the curve".into())
        }
        _ => CryptoError::BadSignature,
    }
}

/// Verifies many signatures at once, with one result per signature.
///
/// Ed25519 signatures are checked together with `ed25519_consensus::batch` (about twice as
/// fast as one by one); if the batch fails, each is checked alone to tell which failed. SM2
/// has no batch verification, so SM2 signatures are checked one by one.
#[derive(Default)]
pub struct BatchVerifier {
    items: Vec<Pending>,
}

enum Pending {
    /// Refused before verification (a scheme mismatch).
    Refused(CryptoError),
    /// An Ed25519 item: its key, signature and the message's hash, so the message need not be
    /// kept.
    Ed25519(batch::Item),
    Sm2 {
        key: [u8; 33],
        msg: Vec<u8>,
        sig: [u8; 64],
    },
}

impl BatchVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the signature `sig` by `key` over `msg`; its result comes at this position.
    pub fn push(&mut self, key: &PublicKey, msg: &[u8], sig: &Signature) {
        let item = match (key, sig) {
            (PublicKey::Ed25519(key), Signature::Ed25519(sig)) => {
                Pending::Ed25519(batch::Item::from((
                    VerificationKeyBytes::from(*key),
                    ed25519_consensus::Signature::from(*sig),
                    msg,
                )))
            }
            (PublicKey::Sm2(key), Signature::Sm2(sig)) => Pending::Sm2 {
                key: *key,
                msg: msg.to_vec(),
                sig: *sig,
            },
            _ => Pending::Refused(CryptoError::SchemeMismatch {
                what: "signature",
                expected: key.scheme(),
                found: sig.scheme(),
            }),
        };
        self.items.push(item);
    }

    /// Adds an item already refused, so callers keep one result per input.
    pub(crate) fn push_refused(&mut self, error: CryptoError) {
        self.items.push(Pending::Refused(error));
    }

    /// How many signatures were pushed.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// One result per pushed signature, in the order they were pushed.
    pub fn verify(self) -> Vec<Result<()>> {
        let mut ed25519 = batch::Verifier::new();
        let mut any_ed25519 = false;
        for item in &self.items {
            if let Pending::Ed25519(item) = item {
                ed25519.queue(item.clone());
                any_ed25519 = true;
            }
        }
        // ZIP-215: the batch accepts exactly when every item alone would be accepted (up to a
        // negligible chance of accepting a bad batch), so a passing batch settles every item.
        let all_ed25519_valid = any_ed25519 && ed25519.verify(OsRng).is_ok();
        self.items
            .into_iter()
            .map(|item| match item {
                Pending::Refused(e) => Err(e),
                Pending::Ed25519(_) if all_ed25519_valid => Ok(()),
                Pending::Ed25519(item) => item.verify_single().map_err(ed25519_error),
                Pending::Sm2 { key, msg, sig } => verify_sm2(&key, &msg, &sig),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SecretKey;
    use govchain_types::Scheme;

    #[test]
    fn sign_and_verify_both_schemes() {
        for scheme in [Scheme::Ed25519, Scheme::Sm2] {
            let key = SecretKey::from_seed(scheme, b"v");
            let sig = key.sign(b"hello");
            assert_eq!(sig.scheme(), scheme);
            assert_eq!(verify(&key.public_key(), b"hello", &sig), Ok(()));
            assert_eq!(
                verify(&key.public_key(), b"hellO", &sig),
                Err(CryptoError::BadSignature)
            );
            let other = SecretKey::from_seed(scheme, b"w");
            assert_eq!(
                verify(&other.public_key(), b"hello", &sig),
                Err(CryptoError::BadSignature)
            );
        }
    }

    #[test]
    fn scheme_mismatch_is_an_error() {
        let ed = SecretKey::from_seed(Scheme::Ed25519, b"a");
        let sm = SecretKey::from_seed(Scheme::Sm2, b"a");
        let sig = sm.sign(b"m");
        assert_eq!(
            verify(&ed.public_key(), b"m", &sig),
            Err(CryptoError::SchemeMismatch {
                what: "signature",
                expected: Scheme::Ed25519,
                found: Scheme::Sm2
            })
        );
        // Same 64 bytes, relabelled: still refused.
        let relabelled = Signature::Ed25519(*sig.bytes());
        assert!(matches!(
            verify(&sm.public_key(), b"m", &relabelled),
            Err(CryptoError::SchemeMismatch { .. })
        ));
    }

    #[test]
    fn sm2_key_off_the_curve_is_an_error() {
        let sig = SecretKey::from_seed(Scheme::Sm2, b"a").sign(b"m");
        // A prefix byte other than 0x02 or 0x03, and an x coordinate not below p, are never a
        // point (SEC 1 v2 §2.3.4).
        for bad in [[0u8; 33], [0xff; 33], {
            let mut k = [0xff; 33];
            k[0] = 0x02;
            k
        }] {
            assert!(matches!(
                verify(&PublicKey::Sm2(bad), b"m", &Signature::Sm2(*sig.bytes())),
                Err(CryptoError::InvalidKey(_))
            ));
        }
    }

    #[test]
    fn sm2_signature_out_of_range_is_bad() {
        let key = SecretKey::from_seed(Scheme::Sm2, b"a");
        for bad in [[0u8; 64], [0xff; 64]] {
            assert_eq!(
                verify(&key.public_key(), b"m", &Signature::Sm2(bad)),
                Err(CryptoError::BadSignature)
            );
        }
    }

    #[test]
    fn batch_reports_each_item_in_order() {
        let ed = SecretKey::from_seed(Scheme::Ed25519, b"ed");
        let sm = SecretKey::from_seed(Scheme::Sm2, b"sm");
        let mut batch = BatchVerifier::new();
        assert!(batch.is_empty());
        batch.push(&ed.public_key(), b"one", &ed.sign(b"one"));
        batch.push(&ed.public_key(), b"two", &ed.sign(b"not two"));
        batch.push(&sm.public_key(), b"three", &sm.sign(b"three"));
        batch.push(&sm.public_key(), b"four", &ed.sign(b"four"));
        batch.push(&sm.public_key(), b"five", &sm.sign(b"5"));
        batch.push(&ed.public_key(), b"six", &ed.sign(b"six"));
        batch.push_refused(CryptoError::BadSignature);
        assert_eq!(batch.len(), 7);
        let results = batch.verify();
        assert_eq!(results.len(), 7);
        assert_eq!(results[0], Ok(()));
        assert_eq!(results[1], Err(CryptoError::BadSignature));
        assert_eq!(results[2], Ok(()));
        assert!(matches!(
            results[3],
            Err(CryptoError::SchemeMismatch { .. })
        ));
        assert_eq!(results[4], Err(CryptoError::BadSignature));
        assert_eq!(results[5], Ok(()));
        assert_eq!(results[6], Err(CryptoError::BadSignature));
    }

    #[test]
    fn empty_batch_verifies_to_nothing() {
        assert!(BatchVerifier::new().verify().is_empty());
    }
}
