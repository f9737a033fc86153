//! Errors of the node.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` is not valid: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("store: {0}")]
    Store(#[from] govchain_store::Error),
    #[error("execution: {0}")]
    Exec(#[from] govchain_execution::ExecError),
    #[error("genesis: {0}")]
    Genesis(#[from] govchain_execution::GenesisError),
    #[error("block rejected: {0}")]
    Header(#[from] govchain_execution::HeaderError),
    #[error("block rejected: {0}")]
    BlockRule(#[from] govchain_execution::BlockRuleError),
    #[error("{0}")]
    Crypto(#[from] govchain_crypto::CryptoError),
    #[error("this data directory belongs to another chain: its genesis differs from `{0}`")]
    GenesisMismatch(PathBuf),
    #[error(
        "state divergence at height {height}: this node has root {local}, the block says {remote}"
    )]
    Divergence {
        height: u64,
        local: govchain_types::Hash,
        remote: govchain_types::Hash,
    },
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = NodeError> = std::result::Result<T, E>;
