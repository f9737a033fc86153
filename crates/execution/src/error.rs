//! Errors of execution.

use crate::state::StateError;

/// A failure that stops the whole block: the node cannot go on without a working store.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error("state value at `{key}` is corrupt: {reason}")]
    Corrupt { key: String, reason: String },
    #[error("block is invalid: {0}")]
    InvalidBlock(String),
}

pub type Result<T, E = ExecError> = std::result::Result<T, E>;

/// Why one transaction was refused; it becomes the receipt's `code`, `error` and, when a law
/// refused it, `decided_by`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxError {
    pub code: govchain_types::Code,
    pub message: String,
    pub citation: Option<govchain_types::Citation>,
}

impl TxError {
    pub fn new(code: govchain_types::Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            citation: None,
        }
    }

    /// Names the law article that refused.
    pub fn citing(mut self, citation: govchain_types::Citation) -> Self {
        self.citation = Some(citation);
        self
    }
}
