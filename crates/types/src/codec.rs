//! The canonical encoding: one version byte, then borsh.

use borsh::{BorshDeserialize, BorshSerialize};

/// The version byte in front of every canonically encoded value.
pub const ENCODING_VERSION: u8 = 1;

/// Why bytes could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("input is empty")]
    Empty,
    #[error("unsupported encoding version `{0}` (this node reads version {ENCODING_VERSION})")]
    Version(u8),
    #[error("malformed {what}: {reason}")]
    Malformed { what: &'static str, reason: String },
}

/// Encodes `value` canonically: the version byte, then its borsh bytes.
pub fn encode<T: BorshSerialize>(value: &T) -> Vec<u8> {
    let mut out = vec![ENCODING_VERSION];
    // INVARIANT: writing into a Vec cannot fail, and no govchain type has a fallible serializer.
    if value.serialize(&mut out).is_err() {
        out.truncate(1);
    }
    out
}

/// Decodes a canonically encoded value; trailing bytes are an error.
pub fn decode<T: BorshDeserialize>(what: &'static str, bytes: &[u8]) -> Result<T, DecodeError> {
    let (version, rest) = bytes.split_first().ok_or(DecodeError::Empty)?;
    if *version != ENCODING_VERSION {
        return Err(DecodeError::Version(*version));
    }
    borsh::from_slice(rest).map_err(|e| DecodeError::Malformed {
        what,
        reason: e.to_string(),
    })
}

/// Decodes bytes that must be the one canonical encoding of their value, as everything that
/// arrives from outside and is hashed or signed must (transactions, blocks, certificates):
/// besides [`decode`], the value must encode back to exactly these bytes. Borsh alone accepts,
/// for instance, a map's entries out of order.
pub fn decode_canonical<T: BorshDeserialize + BorshSerialize>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, DecodeError> {
    let value: T = decode(what, bytes)?;
    if encode(&value) != bytes {
        return Err(DecodeError::Malformed {
            what,
            reason: "not the canonical encoding (e.g. map keys out of order or repeated)".into(),
        });
    }
    Ok(value)
}
