//! The genesis document: what a chain starts with.

use crate::codec::{DecodeError, decode_canonical, encode};
use crate::{LawBody, LawPackage, PrincipalId, PublicKey, Scheme};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// What kind of principal an id names.
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
#[serde(rename_all = "snake_case")]
#[borsh(use_discriminant = true)]
pub enum PrincipalKind {
    Person = 0,
    Organisation = 1,
    Department = 2,
    Legislature = 3,
}

/// Limits every node enforces alike.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ChainParams {
    /// Largest encoded transaction accepted, in bytes.
    pub max_tx_bytes: u32,
    /// Most transactions in one block.
    pub max_block_txs: u32,
    /// Largest encoded block, in bytes.
    pub max_block_bytes: u32,
    /// How far ahead of the current height `valid_until` may lie.
    pub max_tx_lifetime: u64,
    /// Most Rhai operations all the service scripts of one block may use (a bound on a block's
    /// work, whatever the services deployed); work at the block's start stops at two fifths of
    /// it and carries what is left over to the next block.
    #[serde(default = "default_contract_operations")]
    pub contract_operations: u64,
}

fn default_contract_operations() -> u64 {
    50_000_000
}

impl Default for ChainParams {
    fn default() -> Self {
        Self {
            max_tx_bytes: 64 * 1024,
            max_block_txs: 20_000,
            max_block_bytes: 8 * 1024 * 1024,
            max_tx_lifetime: 1_000,
            contract_operations: default_contract_operations(),
        }
    }
}

/// A validator of the genesis set. Consensus keys are always Ed25519, whatever the chain's
/// transaction scheme.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct GenesisValidator {
    /// The department that runs the node.
    pub name: PrincipalId,
    pub key: PublicKey,
    pub power: u64,
}

/// The state key where a validator set scheduled to take over at `height` waits (written by
/// `UpdateValidators`, consumed at the start of block `height`).
///
/// Defined here, beside [`GenesisValidator`], because it is part of what an offline record
/// certificate proves: a validator-set handover is a proof of this key against a certified state
/// root, so the state layout and the certificate's verifier must name it alike.
pub fn validator_update_key(height: crate::Height) -> Vec<u8> {
    format!("chain/validator-update/{height:020}").into_bytes()
}

/// A principal that exists from the start, with its keys.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct GenesisAccount {
    pub id: PrincipalId,
    pub kind: PrincipalKind,
    /// A bootstrap authority may register and revoke keys of any principal, until the laws
    /// (the Smart-laws issue) take over that decision.
    #[serde(default)]
    pub authority: bool,
    pub keys: Vec<PublicKey>,
}

/// The genesis document. Its hash is part of the chain's identity.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Genesis {
    pub chain_id: String,
    pub scheme: Scheme,
    pub genesis_time_ms: u64,
    #[serde(default)]
    pub params: ChainParams,
    pub validators: Vec<GenesisValidator>,
    pub accounts: Vec<GenesisAccount>,
    /// Law-making bodies (the legislature, councils): members, keys, thresholds.
    #[serde(default)]
    pub bodies: Vec<LawBody>,
    /// The laws in force from the start; at least a constitution.
    #[serde(default)]
    pub laws: Vec<LawPackage>,
    /// The initial load of the registries the genesis laws define (初始注册登记).
    #[serde(default)]
    pub records: Vec<GenesisRecord>,
    /// Positions held from the start.
    #[serde(default)]
    pub positions: Vec<crate::Position>,
    /// Balances issued with the chain, in currencies the genesis laws define.
    #[serde(default)]
    pub balances: Vec<crate::GenesisBalance>,
    /// Initial loads too large for this document, in snapshot files beside it, loaded after
    /// `records` in this order.
    #[serde(default)]
    pub snapshots: Vec<GenesisSnapshot>,
    /// Services deployed from the start (each by its department, under its law).
    #[serde(default)]
    pub services: Vec<crate::ServiceDef>,
}

/// A registry's initial load in a snapshot file beside the genesis document (see
/// [`crate::SnapshotReader`]). The hash makes the file's content part of the genesis; the
/// threshold of a law-making body of the genesis approves it, by signing
/// `govchain_law::snapshot_signing_bytes`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct GenesisSnapshot {
    pub registry: String,
    /// The file's name, in the genesis document's directory.
    pub file: String,
    /// How many records the file holds.
    pub records: u64,
    /// The chain hash of the whole file.
    pub hash: crate::Hash,
    /// The body that approves the load (the legislature, as a rule).
    pub body: PrincipalId,
    /// Its members' signatures; a node loads the file only with the body's threshold of them.
    #[serde(default)]
    pub signatures: Vec<crate::MemberSignature>,
}

/// A record loaded at genesis.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct GenesisRecord {
    pub registry: String,
    pub key: String,
    pub fields: crate::Fields,
}

impl Genesis {
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_canonical("genesis", bytes)
    }
}
