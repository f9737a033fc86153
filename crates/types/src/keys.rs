//! Public keys and signatures, tagged with their scheme.
//!
//! These are plain data; signing and verifying live in `govchain-crypto`.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A chain's signature scheme, fixed in genesis. The chain's hash follows it:
/// Ed25519 (ZIP-215 rules) with SHA-256, or SM2 with SM3 (the Chinese national standards).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[borsh(use_discriminant = true)]
pub enum Scheme {
    Ed25519 = 0,
    Sm2 = 1,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Ed25519 => "ed25519",
            Scheme::Sm2 => "sm2",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scheme {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ed25519" => Ok(Scheme::Ed25519),
            "sm2" => Ok(Scheme::Sm2),
            other => Err(KeyError(format!(
                "unknown signature scheme `{other}`: use `ed25519` or `sm2`"
            ))),
        }
    }
}

/// Why text is not a key or signature.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct KeyError(pub String);

/// A public key: Ed25519 (32 bytes) or SM2 (SEC1 compressed point, 33 bytes).
/// Written as `ed25519:<hex>` or `sm2:<hex>`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub enum PublicKey {
    Ed25519([u8; 32]),
    Sm2([u8; 33]),
}

impl PublicKey {
    pub fn scheme(&self) -> Scheme {
        match self {
            PublicKey::Ed25519(_) => Scheme::Ed25519,
            PublicKey::Sm2(_) => Scheme::Sm2,
        }
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            PublicKey::Ed25519(b) => b,
            PublicKey::Sm2(b) => b,
        }
    }

    /// Builds a key of `scheme` from its raw bytes (length checked, point not checked).
    pub fn from_bytes(scheme: Scheme, bytes: &[u8]) -> Result<Self, KeyError> {
        let wrong = || {
            KeyError(format!(
                "a {scheme} public key has {} bytes, not {}",
                match scheme {
                    Scheme::Ed25519 => 32,
                    Scheme::Sm2 => 33,
                },
                bytes.len()
            ))
        };
        Ok(match scheme {
            Scheme::Ed25519 => PublicKey::Ed25519(bytes.try_into().map_err(|_| wrong())?),
            Scheme::Sm2 => PublicKey::Sm2(bytes.try_into().map_err(|_| wrong())?),
        })
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scheme(), hex::encode(self.bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (scheme, hex_part) = s.split_once(':').ok_or_else(|| {
            KeyError(format!(
                "`{s}` is not a public key: write `ed25519:<hex>` or `sm2:<hex>`"
            ))
        })?;
        let scheme: Scheme = scheme.parse()?;
        let bytes = hex::decode(hex_part)
            .map_err(|_| KeyError(format!("`{hex_part}` is not hexadecimal")))?;
        PublicKey::from_bytes(scheme, &bytes)
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <String as Deserialize>::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A signature: 64 bytes for both schemes (Ed25519 `R‖s`, SM2 `r‖s`).
#[derive(Clone, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
pub enum Signature {
    Ed25519([u8; 64]),
    Sm2([u8; 64]),
}

impl Signature {
    pub fn scheme(&self) -> Scheme {
        match self {
            Signature::Ed25519(_) => Scheme::Ed25519,
            Signature::Sm2(_) => Scheme::Sm2,
        }
    }

    pub fn bytes(&self) -> &[u8; 64] {
        match self {
            Signature::Ed25519(b) | Signature::Sm2(b) => b,
        }
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scheme(), hex::encode(self.bytes()))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl FromStr for Signature {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (scheme, hex_part) = s
            .split_once(':')
            .ok_or_else(|| KeyError(format!("`{s}` is not a signature: write `<scheme>:<hex>`")))?;
        let scheme: Scheme = scheme.parse()?;
        let mut b = [0u8; 64];
        hex::decode_to_slice(hex_part, &mut b)
            .map_err(|_| KeyError("a signature is 64 bytes in hex (128 hex digits)".into()))?;
        Ok(match scheme {
            Scheme::Ed25519 => Signature::Ed25519(b),
            Scheme::Sm2 => Signature::Sm2(b),
        })
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <String as Deserialize>::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}
