//! Identifiers of principals: persons, organisations, departments, bodies.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::str::FromStr;

/// The longest identifier accepted.
pub const MAX_ID_LEN: usize = 64;

/// Why a string is not an identifier.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not an identifier: use 1 to 64 characters of a-z, 0-9, `-`, `_` and `.`")]
pub struct IdError(pub String);

/// The id of a principal, such as `civil-affairs`, `cit-0001` or `leg-1` (DEMO.md).
///
/// INVARIANT: 1..=64 bytes of `[a-z0-9._-]`; checked on every construction and decode.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, BorshSerialize)]
pub struct PrincipalId(String);

impl PrincipalId {
    pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
        let s = s.into();
        let ok = !s.is_empty()
            && s.len() <= MAX_ID_LEN
            && s.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
            });
        if ok { Ok(Self(s)) } else { Err(IdError(s)) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PrincipalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PrincipalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.0)
    }
}

impl FromStr for PrincipalId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl<'de> Deserialize<'de> for PrincipalId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as Deserialize>::deserialize(d)?;
        Self::new(s).map_err(serde::de::Error::custom)
    }
}

impl BorshDeserialize for PrincipalId {
    fn deserialize_reader<R: std::io::Read>(reader: &mut R) -> std::io::Result<Self> {
        let s = String::deserialize_reader(reader)?;
        Self::new(s)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))
    }
}
