//! Signed transactions.

use crate::codec::{DecodeError, decode_canonical, encode};
use crate::genesis::PrincipalKind;
use crate::{
    Amount, Fields, GenesisValidator, Height, Interpretation, LawPackage, MemberSignature,
    Position, PositionStatus, PrincipalId, PublicKey, Signature,
};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Domain separation for transaction signatures, so no other signed govchain message can be
/// replayed as a transaction.
pub const TX_SIGNING_DOMAIN: &[u8] = b"govchain/tx/v1\0";

/// What a transaction asks the chain to do.
///
/// INVARIANT: variants are only ever appended; their borsh tag is their position.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    /// Binds `key` to `principal`, creating the principal (of `kind`) if it does not exist.
    RegisterKey {
        principal: PrincipalId,
        kind: PrincipalKind,
        key: PublicKey,
    },
    /// Revokes `key` of `principal`; refused from the next block on.
    RevokeKey {
        principal: PrincipalId,
        key: PublicKey,
    },
    /// Replaces the validator set from `effective_height` on: at least two blocks after the block
    /// that schedules it, so the outgoing set certifies the change (`VALIDATOR_CHANGE_DELAY`).
    UpdateValidators {
        validators: Vec<GenesisValidator>,
        effective_height: Height,
    },
    /// Enacts a law package, signed by at least the threshold of its body's members.
    EnactLaw {
        law: LawPackage,
        signatures: Vec<MemberSignature>,
    },
    /// Records an interpretation of a law's articles, signed by the interpreting body's members.
    Interpret {
        interpretation: Interpretation,
        signatures: Vec<MemberSignature>,
    },
    /// Adds a record to a registry under a new key.
    InsertRecord {
        registry: String,
        key: String,
        fields: Fields,
    },
    /// Sets the given fields of a record (the others keep their values): a new version.
    UpdateRecord {
        registry: String,
        key: String,
        fields: Fields,
    },
    /// Closes a record: it stays, with every version, readable as of any height.
    CloseRecord {
        registry: String,
        key: String,
        reason: String,
    },
    /// Appoints a person to a position in a department.
    Appoint { position: Position },
    /// Suspends, reinstates or ends a position, from the next block on.
    SetPositionStatus {
        id: String,
        status: PositionStatus,
        reason: String,
    },
    /// Loads a chunk of new records into a registry (初始注册登记): all of them, or — if any
    /// one is malformed or exists — none.
    ImportRecords {
        registry: String,
        records: Vec<ImportedRecord>,
    },
    /// Issues new money into `to`'s account: by the currency's issuing authority, within the
    /// limits its law sets.
    Issue {
        currency: String,
        to: PrincipalId,
        amount: Amount,
        #[serde(default)]
        memo: String,
    },
    /// Takes money out of circulation from `from`'s account (the issuer's own, as a rule).
    Redeem {
        currency: String,
        from: PrincipalId,
        amount: Amount,
        #[serde(default)]
        memo: String,
    },
    /// Moves money from `from`'s account (by default the signer's, or the organisation's it
    /// acts for) to `to`'s.
    Transfer {
        currency: String,
        #[serde(default)]
        from: Option<PrincipalId>,
        to: PrincipalId,
        amount: Amount,
        #[serde(default)]
        memo: String,
        /// The payer's reference: an invoice, a case number.
        #[serde(default)]
        reference: String,
    },
    /// Freezes `holder`'s account in `currency` by a legal order: nothing leaves it until it is
    /// unfrozen.
    Freeze {
        currency: String,
        holder: PrincipalId,
        order: String,
    },
    /// Lifts a freeze.
    Unfreeze {
        currency: String,
        holder: PrincipalId,
        order: String,
    },
    /// Deploys a service, or its next version, as a law lets the signer (a ministry).
    DeployService { service: crate::ServiceDef },
    /// Applies to a service with the input its form asks: decided at once by the service's
    /// script from the registries, or opened as a case for an official.
    Apply {
        service: PrincipalId,
        #[serde(default)]
        input: Fields,
    },
    /// An official decides a case: approves or rejects the application, with reasons; the
    /// service (the version the application started under) then writes what follows.
    DecideCase {
        application: crate::Hash,
        approve: bool,
        reasons: String,
    },
    /// The applicant appeals a rejection, once, with reasons: a case for the parent department
    /// of the one that decided (the service's department, for a rejection by the service).
    Appeal {
        application: crate::Hash,
        reasons: String,
    },
    /// The applicant confirms an application a service opened for it (from a record, e.g. a
    /// birth): the service then decides it, as if applied for.
    Confirm { application: crate::Hash },
}

/// One record of an import chunk.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ImportedRecord {
    pub key: String,
    pub fields: Fields,
}

impl Payload {
    /// A short stable name, used in receipts, metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Payload::RegisterKey { .. } => "register_key",
            Payload::RevokeKey { .. } => "revoke_key",
            Payload::UpdateValidators { .. } => "update_validators",
            Payload::EnactLaw { .. } => "enact_law",
            Payload::Interpret { .. } => "interpret",
            Payload::InsertRecord { .. } => "insert_record",
            Payload::UpdateRecord { .. } => "update_record",
            Payload::CloseRecord { .. } => "close_record",
            Payload::Appoint { .. } => "appoint",
            Payload::SetPositionStatus { .. } => "set_position_status",
            Payload::ImportRecords { .. } => "import_records",
            Payload::Issue { .. } => "issue",
            Payload::Redeem { .. } => "redeem",
            Payload::Transfer { .. } => "transfer",
            Payload::Freeze { .. } => "freeze",
            Payload::Unfreeze { .. } => "unfreeze",
            Payload::DeployService { .. } => "deploy_service",
            Payload::Apply { .. } => "apply",
            Payload::DecideCase { .. } => "decide_case",
            Payload::Appeal { .. } => "appeal",
            Payload::Confirm { .. } => "confirm",
        }
    }
}

/// The signed part of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct TxBody {
    /// Must equal the chain's id, so a transaction cannot be replayed on another chain.
    pub chain_id: String,
    /// The key that signs; its nonce orders and de-duplicates its transactions.
    pub signer: PublicKey,
    /// Must equal the signer's next nonce when the transaction executes.
    pub nonce: u64,
    /// The last height at which the transaction may be included.
    pub valid_until: Height,
    /// In whose name the signer acts, if not its own: an official's position, or an
    /// organisation it represents (see [`crate::Acting`]).
    #[serde(default)]
    pub acting_as: Option<crate::Acting>,
    pub payload: Payload,
}

impl TxBody {
    /// The exact bytes the signer signs: a domain tag, then the canonical encoding.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = TX_SIGNING_DOMAIN.to_vec();
        out.extend_from_slice(&encode(self));
        out
    }

    /// The bytes the members of a body sign when the transaction acts in its name
    /// (`Acting::Body`): a domain tag, then the canonical encoding of this body with the
    /// members' signatures left empty. They cover the chain, the submitter's key and nonce, the
    /// expiry and the payload, so a set of signatures serves one transaction once.
    pub fn member_signing_bytes(&self) -> Vec<u8> {
        let mut unsigned = self.clone();
        if let Some(crate::Acting::Body { signatures, .. }) = &mut unsigned.acting_as {
            signatures.clear();
        }
        let mut out = MEMBER_SIGNING_DOMAIN.to_vec();
        out.extend_from_slice(&encode(&unsigned));
        out
    }
}

/// The domain of what members sign for a transaction in their body's name.
pub const MEMBER_SIGNING_DOMAIN: &[u8] = b"govchain/body-act/v1\0";

/// A transaction: its body and the signer's signature over [`TxBody::signing_bytes`].
///
/// Its id is the chain hash of the signing bytes (see `govchain-crypto`), so a re-encoded
/// signature never makes a second identity for the same request.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Tx {
    pub body: TxBody,
    pub signature: Signature,
}

impl Tx {
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_canonical("transaction", bytes)
    }
}
