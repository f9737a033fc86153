//! Why a key, a signature or a commit certificate was refused.

use govchain_types::{PublicKey, Scheme};

/// Why a key, a signature or a commit certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The signature is well formed but does not verify, or it is malformed (an SM2 `r` or `s`
    /// that is zero or not below the group order, an Ed25519 `s` that is not canonical).
    #[error("signature does not verify")]
    BadSignature,
    /// A key or signature of the wrong scheme: `what` names the part that is wrong.
    #[error("{what} uses the `{found}` scheme where `{expected}` is required")]
    SchemeMismatch {
        what: &'static str,
        expected: Scheme,
        found: Scheme,
    },
    /// Bytes that are no key of their scheme (an SM2 public key that is not a point of the
    /// curve, a secret scalar out of range, a wrong length).
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// The signers of a commit certificate hold too little of the voting power.
    #[error("commit signed by voting power {signed} of {total}: more than two thirds is required")]
    NotEnoughPower { signed: u128, total: u128 },
    /// A commit certificate is signed by a key that is not in the validator set.
    #[error("`{0}` is not a validator of this set")]
    UnknownValidator(PublicKey),
    /// A commit certificate holds two signatures of the same validator.
    #[error("validator `{0}` signed the commit more than once")]
    DuplicateSigner(PublicKey),
    /// A validator set names the same key twice, so its voting power is ambiguous.
    #[error("validator `{0}` is listed more than once in the validator set")]
    DuplicateValidator(PublicKey),
    /// A validator's signature in a commit certificate does not verify.
    #[error("the commit signature of validator `{0}` does not verify")]
    BadCommitSignature(PublicKey),
    /// The summed voting power does not fit in 128 bits.
    #[error("total voting power overflows")]
    PowerOverflow,
}

/// The result of a fallible operation of this crate.
pub type Result<T, E = CryptoError> = std::result::Result<T, E>;
