//! Receipts: what happened to each transaction of a block.

use crate::{Citation, Hash, Height};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// The outcome of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxStatus {
    /// Executed; its writes are in the state.
    Ok,
    /// Executed and refused: nothing of it was written except the signer's nonce, so the signed
    /// transaction cannot be replayed.
    Failed,
    /// Not executed: envelope rules (nonce, expiry, signer) failed; nothing was written.
    Rejected,
}

/// A named event with ordered attributes, emitted by a transaction.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Event {
    pub kind: String,
    pub attributes: Vec<(String, String)>,
}

/// The receipt of one transaction.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Receipt {
    pub tx_id: Hash,
    pub height: Height,
    pub index: u32,
    pub status: TxStatus,
    /// A stable machine-readable code when the status is not `ok`, e.g. `replay`.
    pub code: Option<String>,
    /// The human-readable reason when the status is not `ok`.
    pub error: Option<String>,
    /// The law article that allowed or refused it, when a law decided.
    #[serde(default)]
    pub decided_by: Option<Citation>,
    pub events: Vec<Event>,
}
