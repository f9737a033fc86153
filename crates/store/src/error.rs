//! The store's one error type.

use govchain_types::{Height, Scheme};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database file or backend failed (I/O, corruption detected by redb, a lock).
    #[error("storage: {0}")]
    Storage(#[from] redb::Error),
    /// A file or directory the store manages could not be used.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The file was created for another chain scheme.
    #[error("the store was created for the `{stored}` scheme, not `{requested}`")]
    SchemeMismatch { stored: Scheme, requested: Scheme },
    /// The file was written by a build with another layout.
    #[error(
        "the store has layout version {stored}; this build reads version {expected}: start from a new data directory"
    )]
    FormatMismatch { stored: u8, expected: u8 },
    /// Nothing has been committed yet, so there is no height to read at.
    #[error("the store holds no committed height yet")]
    Empty,
    /// A read asked for a height the store has not reached.
    #[error("height `{requested}` is above the latest committed height `{latest}`")]
    HeightAboveLatest { requested: Height, latest: Height },
    /// A commit was not for the next height.
    #[error("cannot commit height `{got}`: the next height is `{expected}`")]
    OutOfOrder { expected: Height, got: Height },
    /// The parts of a commit do not fit together.
    #[error("refused commit of height `{height}`: {reason}")]
    InvalidCommit { height: Height, reason: String },
    /// The Merkle tree could not be updated or read.
    #[error("merkle tree: {0}")]
    Merkle(String),
    /// Stored bytes do not decode, or something every committed height has is missing.
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// A proof was checked against a root other than the one it was made for.
    #[error("the proof is for root `{proof}`, not the trusted root `{trusted}`")]
    RootMismatch {
        proof: govchain_types::Hash,
        trusted: govchain_types::Hash,
    },
    /// A proof does not prove what it claims.
    #[error("invalid proof: {0}")]
    InvalidProof(String),
}

/// The store's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every redb error type converts through `redb::Error`.
macro_rules! from_redb {
    ($($t:ty),* $(,)?) => {
        $(impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Storage(e.into())
            }
        })*
    };
}

from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError,
);

impl Error {
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        Error::Corrupt(what.to_string())
    }

    /// Turns a jmt error back into ours: errors our own tree reader raised come back typed.
    pub(crate) fn from_jmt(e: anyhow::Error) -> Self {
        match e.downcast::<Error>() {
            Ok(ours) => ours,
            Err(other) => Error::Merkle(format!("{other:#}")),
        }
    }
}
