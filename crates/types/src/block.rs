//! Blocks, headers and commit certificates.

use crate::codec::{DecodeError, decode_canonical, encode};
use crate::{Hash, Height, PublicKey, Signature, Tx};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// A block header.
///
/// `state_root` is the state root *after the parent* (after block `height - 1`, or after genesis
/// for height 1), as in Tendermint: a proposer need not execute its own block before proposing,
/// and the root of block `h` is certified by the header of block `h + 1`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Header {
    pub chain_id: String,
    pub height: Height,
    /// The consensus round in which the block was first proposed. `proposer` must be the
    /// validator that consensus selects for (`height`, `round`); a block re-proposed in a later
    /// round (with a proof-of-lock round) keeps its first round and proposer.
    pub round: u32,
    /// Block time in milliseconds since the Unix epoch, chosen by the proposer; the only clock
    /// execution ever sees.
    pub time_ms: u64,
    pub parent_hash: Hash,
    /// Merkle root of the full hashes of the block's transactions (each one's whole encoding,
    /// signature included), in order.
    pub tx_root: Hash,
    /// State root after the parent block.
    pub state_root: Hash,
    /// The consensus key of the validator that proposed the block in `round`.
    pub proposer: PublicKey,
    /// Hash of the validator set that decides this block.
    pub validator_set_hash: Hash,
}

impl Header {
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }
}

/// A block: its header and its transactions in execution order.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Block {
    pub header: Header,
    pub txs: Vec<Tx>,
}

impl Block {
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_canonical("block", bytes)
    }
}

/// Domain separation for commit votes.
pub const COMMIT_SIGNING_DOMAIN: &[u8] = b"govchain/commit/v1\0";

/// Proof that the validators decided a block: signatures of more than two thirds of the voting
/// power over [`CommitCertificate::signing_bytes`].
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct CommitCertificate {
    pub height: Height,
    pub round: u32,
    pub block_hash: Hash,
    pub signatures: Vec<CommitSignature>,
}

/// One validator's vote in a commit certificate.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct CommitSignature {
    pub validator: PublicKey,
    pub signature: Signature,
}

impl CommitCertificate {
    /// The bytes each validator signs: a domain tag, the chain id, height, round and block hash.
    pub fn signing_bytes(chain_id: &str, height: Height, round: u32, block_hash: &Hash) -> Vec<u8> {
        let mut out = COMMIT_SIGNING_DOMAIN.to_vec();
        out.extend_from_slice(&encode(&(chain_id, height, round, block_hash)));
        out
    }

    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_canonical("commit certificate", bytes)
    }
}
