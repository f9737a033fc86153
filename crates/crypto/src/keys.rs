//! Secret keys and signing: Ed25519 (ed25519-consensus) or SM2 with SM3 (the `sm2` crate).

use crate::error::{CryptoError, Result};
use ed25519_consensus::SigningKey as Ed25519SigningKey;
use govchain_types::{PublicKey, Scheme, Signature};
use rand_core::OsRng;
use sha2::{Digest, Sha256};
use sm2::NonZeroScalar;
use sm2::dsa::SigningKey as Sm2SigningKey;
use sm2::elliptic_curve::point::AffineCoordinates;
use std::fmt;

/// The SM2 distinguishing identifier every govchain key signs and verifies with: the default
/// user id of GM/T 0009-2012 §10 (also GB/T 35276-2017), which other SM2 software assumes when
/// none is given.
pub const SM2_DISTID: &str = "1234567812345678";

/// Domain tag of [`SecretKey::from_seed`].
const DEV_KEY_DOMAIN: &[u8] = b"govchain/insecure-dev-key/v1\0";

/// What signs: a secret key here, a hardware module or a remote signer elsewhere.
pub trait Signer {
    /// The public key that verifies this signer's signatures.
    fn public_key(&self) -> PublicKey;
    /// Signs `msg` (the full message: each scheme hashes it as its standard says).
    fn sign(&self, msg: &[u8]) -> Signature;
}

/// A secret key of either scheme.
///
/// Its `Debug` shows only the scheme and the public key, never the secret.
#[derive(Clone)]
pub enum SecretKey {
    Ed25519(Ed25519SigningKey),
    /// An SM2 key bound to [`SM2_DISTID`].
    Sm2(Sm2SigningKey),
}

impl SecretKey {
    /// A new key from the operating system's random number generator.
    pub fn generate(scheme: Scheme) -> Self {
        match scheme {
            Scheme::Ed25519 => SecretKey::Ed25519(Ed25519SigningKey::new(OsRng)),
            Scheme::Sm2 => loop {
                // INVARIANT: `sm2_key` fails only for a distinguishing id longer than 8191
                // bytes (ours has 16) or a public key at infinity (never the case for a
                // non-zero scalar in a group of prime order): the loop never turns twice.
                if let Some(key) = sm2_key(NonZeroScalar::random(&mut OsRng)) {
                    break SecretKey::Sm2(key);
                }
            },
        }
    }

    /// The key of `scheme` whose 32-byte secret is `bytes`: an Ed25519 seed (RFC 8032 §5.1.5),
    /// or a big-endian SM2 scalar in `[1, n - 1]`.
    pub fn from_bytes(scheme: Scheme, bytes: &[u8]) -> Result<Self> {
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| {
            CryptoError::InvalidKey(format!(
                "a {scheme} secret key has 32 bytes, not {}",
                bytes.len()
            ))
        })?;
        match scheme {
            Scheme::Ed25519 => Ok(SecretKey::Ed25519(Ed25519SigningKey::from(bytes))),
            Scheme::Sm2 => NonZeroScalar::try_from(bytes.as_slice())
                .ok()
                .and_then(sm2_key)
                .map(SecretKey::Sm2)
                .ok_or_else(|| {
                    CryptoError::InvalidKey(
                        "an sm2 secret key is a number from 1 to the group order less one".into(),
                    )
                }),
        }
    }

    /// The 32-byte secret, as [`SecretKey::from_bytes`] reads it.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            SecretKey::Ed25519(k) => k.to_bytes().to_vec(),
            SecretKey::Sm2(k) => k.to_bytes().to_vec(),
        }
    }

    /// **INSECURE: for development networks and tests only.** A key derived deterministically
    /// from `seed`, so anyone who knows or guesses the seed (`"alice"`, `"validator-0"`) holds
    /// the key. Never use such a key on a network that matters.
    ///
    /// The secret is SHA-256 of a domain tag, the scheme, a counter and the seed; for SM2 the
    /// counter goes up from zero until the digest is a valid scalar (it almost always is at
    /// zero: a digest fails with probability about 2⁻³²). SHA-256 is used for both schemes, so
    /// the same seed gives the same key whatever hash the chain uses.
    pub fn from_seed(scheme: Scheme, seed: &[u8]) -> Self {
        let derive = |counter: u32| -> [u8; 32] {
            Sha256::new()
                .chain_update(DEV_KEY_DOMAIN)
                .chain_update(scheme.name().as_bytes())
                .chain_update([0])
                .chain_update(counter.to_be_bytes())
                .chain_update(seed)
                .finalize()
                .into()
        };
        match scheme {
            Scheme::Ed25519 => SecretKey::Ed25519(Ed25519SigningKey::from(derive(0))),
            Scheme::Sm2 => {
                let mut counter: u32 = 0;
                loop {
                    if let Some(key) = NonZeroScalar::try_from(derive(counter).as_slice())
                        .ok()
                        .and_then(sm2_key)
                    {
                        break SecretKey::Sm2(key);
                    }
                    counter = counter.wrapping_add(1);
                }
            }
        }
    }

    pub fn scheme(&self) -> Scheme {
        match self {
            SecretKey::Ed25519(_) => Scheme::Ed25519,
            SecretKey::Sm2(_) => Scheme::Sm2,
        }
    }

    /// The public key: Ed25519's 32 bytes, or SM2's compressed SEC1 point (33 bytes).
    pub fn public_key(&self) -> PublicKey {
        match self {
            SecretKey::Ed25519(k) => PublicKey::Ed25519(k.verification_key().to_bytes()),
            SecretKey::Sm2(k) => {
                // SEC 1 v2 §2.3.3, point compression: 0x02 or 0x03 by the parity of y, then x.
                let point = k.verifying_key().as_affine();
                let mut out = [0u8; 33];
                if let Some(tag) = out.first_mut() {
                    *tag = if bool::from(point.y_is_odd()) {
                        0x03
                    } else {
                        0x02
                    };
                }
                for (dst, src) in out.iter_mut().skip(1).zip(point.x()) {
                    *dst = src;
                }
                PublicKey::Sm2(out)
            }
        }
    }

    /// Signs `msg`: Ed25519 as RFC 8032; SM2 as GB/T 32918.2 with SM3 over `Z_A ‖ msg` for the
    /// id [`SM2_DISTID`], with the nonce derived as RFC 6979 does (deterministic signatures).
    pub fn sign(&self, msg: &[u8]) -> Signature {
        match self {
            SecretKey::Ed25519(k) => Signature::Ed25519(k.sign(msg).to_bytes()),
            SecretKey::Sm2(k) => Signature::Sm2(sm2_sign(k, msg)),
        }
    }
}

impl Signer for SecretKey {
    fn public_key(&self) -> PublicKey {
        SecretKey::public_key(self)
    }

    fn sign(&self, msg: &[u8]) -> Signature {
        SecretKey::sign(self, msg)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({}, secret hidden)", self.public_key())
    }
}

/// The SM2 signing key of `scalar` for [`SM2_DISTID`].
fn sm2_key(scalar: NonZeroScalar) -> Option<Sm2SigningKey> {
    Sm2SigningKey::from_nonzero_scalar(SM2_DISTID, scalar).ok()
}

fn sm2_sign(key: &Sm2SigningKey, msg: &[u8]) -> [u8; 64] {
    use sm2::dsa::signature::{RandomizedSigner as _, Signer as _};
    // The deterministic nonce fails only when r = 0, r + k = n or s = 0 (GB/T 32918.2 §6.1
    // steps A5 and A6), each with probability about 2⁻²⁵⁶; the standard then says to draw
    // another nonce, which the randomized signer does.
    let mut attempt = key.try_sign(msg);
    loop {
        match attempt {
            Ok(sig) => break sig.to_bytes(),
            Err(_) => attempt = key.try_sign_with_rng(&mut OsRng, msg),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_bytes_round_trip() {
        for scheme in [Scheme::Ed25519, Scheme::Sm2] {
            let key = SecretKey::generate(scheme);
            assert_eq!(key.scheme(), scheme);
            let bytes = key.to_bytes();
            assert_eq!(bytes.len(), 32);
            let again = SecretKey::from_bytes(scheme, &bytes).unwrap();
            assert_eq!(again.public_key(), key.public_key());
            assert_eq!(again.public_key().scheme(), scheme);
        }
    }

    #[test]
    fn generated_keys_differ() {
        for scheme in [Scheme::Ed25519, Scheme::Sm2] {
            assert_ne!(
                SecretKey::generate(scheme).public_key(),
                SecretKey::generate(scheme).public_key()
            );
        }
    }

    #[test]
    fn seeds_are_deterministic_and_separated() {
        for scheme in [Scheme::Ed25519, Scheme::Sm2] {
            let a = SecretKey::from_seed(scheme, b"alice");
            assert_eq!(
                a.to_bytes(),
                SecretKey::from_seed(scheme, b"alice").to_bytes()
            );
            assert_ne!(
                a.to_bytes(),
                SecretKey::from_seed(scheme, b"bob").to_bytes()
            );
            assert_eq!(a.scheme(), scheme);
        }
        assert_ne!(
            SecretKey::from_seed(Scheme::Ed25519, b"alice").to_bytes(),
            SecretKey::from_seed(Scheme::Sm2, b"alice").to_bytes()
        );
    }

    #[test]
    fn bad_secret_bytes_are_refused() {
        assert!(SecretKey::from_bytes(Scheme::Ed25519, &[1; 31]).is_err());
        assert!(SecretKey::from_bytes(Scheme::Sm2, &[1; 33]).is_err());
        assert!(SecretKey::from_bytes(Scheme::Sm2, &[0; 32]).is_err());
        // The SM2 group order n itself, and 2²⁵⁶ - 1, are out of range.
        let n = hex::decode("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123")
            .unwrap();
        assert!(SecretKey::from_bytes(Scheme::Sm2, &n).is_err());
        assert!(SecretKey::from_bytes(Scheme::Sm2, &[0xff; 32]).is_err());
        // Every 32 bytes are an Ed25519 seed.
        assert!(SecretKey::from_bytes(Scheme::Ed25519, &[0; 32]).is_ok());
    }

    #[test]
    fn debug_hides_the_secret() {
        for scheme in [Scheme::Ed25519, Scheme::Sm2] {
            let key = SecretKey::from_seed(scheme, b"debug");
            let shown = format!("{key:?}");
            assert!(!shown.contains(&hex::encode(key.to_bytes())), "{shown}");
            assert!(shown.contains(&key.public_key().to_string()), "{shown}");
        }
    }

    #[test]
    fn sm2_public_key_is_compressed_sec1() {
        let key = SecretKey::from_seed(Scheme::Sm2, b"point");
        let PublicKey::Sm2(bytes) = key.public_key() else {
            panic!("an sm2 key has an sm2 public key")
        };
        assert!(matches!(bytes[0], 0x02 | 0x03));
        let SecretKey::Sm2(inner) = &key else {
            panic!()
        };
        use sm2::elliptic_curve::sec1::ToEncodedPoint;
        assert_eq!(
            inner.verifying_key().to_encoded_point(true).as_bytes(),
            bytes.as_slice()
        );
    }

    #[test]
    fn sm2_signatures_are_deterministic() {
        let key = SecretKey::from_seed(Scheme::Sm2, b"det");
        assert_eq!(key.sign(b"m"), key.sign(b"m"));
        assert_ne!(key.sign(b"m"), key.sign(b"n"));
    }
}
