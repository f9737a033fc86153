//! The JSON shape of a key file. Reading and writing the file is the CLI's job.

use crate::error::{CryptoError, Result};
use crate::keys::SecretKey;
use govchain_types::{PublicKey, Scheme};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A secret key as stored on disk: `{ "scheme", "public_key", "secret_key": "<hex>" }`.
///
/// The public key is kept beside the secret so a reader can see whose key it is, and so a
/// damaged file is caught: [`KeyFile::to_secret`] checks that the two match.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    pub scheme: Scheme,
    pub public_key: PublicKey,
    /// The 32-byte secret ([`SecretKey::to_bytes`]) in hex.
    pub secret_key: String,
}

impl KeyFile {
    pub fn from_secret(key: &SecretKey) -> Self {
        Self {
            scheme: key.scheme(),
            public_key: key.public_key(),
            secret_key: hex::encode(key.to_bytes()),
        }
    }

    /// The secret key, after checking that it matches the file's scheme and public key.
    pub fn to_secret(&self) -> Result<SecretKey> {
        let bytes = hex::decode(self.secret_key.trim()).map_err(|_| {
            CryptoError::InvalidKey("the key file's `secret_key` is not hexadecimal".into())
        })?;
        let key = SecretKey::from_bytes(self.scheme, &bytes)?;
        if key.public_key() != self.public_key {
            return Err(CryptoError::InvalidKey(format!(
                "the key file's secret key belongs to `{}`, not to `{}`",
                key.public_key(),
                self.public_key
            )));
        }
        Ok(key)
    }
}

impl fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyFile")
            .field("scheme", &self.scheme)
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json() {
        for scheme in [Scheme::Ed25519, Scheme::Sm2] {
            let key = SecretKey::generate(scheme);
            let file = KeyFile::from_secret(&key);
            let json = serde_json::to_string_pretty(&file).unwrap();
            assert!(
                json.contains(&format!("\"scheme\": \"{scheme}\"")),
                "{json}"
            );
            let back: KeyFile = serde_json::from_str(&json).unwrap();
            assert_eq!(back, file);
            let again = back.to_secret().unwrap();
            assert_eq!(again.to_bytes(), key.to_bytes());
            assert_eq!(again.public_key(), key.public_key());
        }
    }

    #[test]
    fn refuses_a_mismatched_or_damaged_file() {
        let alice = KeyFile::from_secret(&SecretKey::from_seed(Scheme::Ed25519, b"alice"));
        let bob = KeyFile::from_secret(&SecretKey::from_seed(Scheme::Ed25519, b"bob"));
        let swapped = KeyFile {
            public_key: bob.public_key.clone(),
            ..alice.clone()
        };
        assert!(matches!(
            swapped.to_secret(),
            Err(CryptoError::InvalidKey(_))
        ));
        let not_hex = KeyFile {
            secret_key: "zz".into(),
            ..alice.clone()
        };
        assert!(matches!(
            not_hex.to_secret(),
            Err(CryptoError::InvalidKey(_))
        ));
        let wrong_scheme = KeyFile {
            scheme: Scheme::Sm2,
            ..alice.clone()
        };
        assert!(wrong_scheme.to_secret().is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        let file = KeyFile::from_secret(&SecretKey::from_seed(Scheme::Sm2, b"x"));
        assert!(!format!("{file:?}").contains(&file.secret_key));
    }
}
