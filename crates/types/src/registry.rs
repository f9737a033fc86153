//! Registries: typed tables defined by law, whose records are versioned forever; and the
//! positions through which officials act.

use crate::{Hash, Height, PrincipalId, PrincipalKind};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Who may read a registry's records.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[borsh(use_discriminant = true)]
pub enum Sensitivity {
    /// Anyone reads it.
    Public = 0,
    /// Read only as the laws permit, through signed read requests, each read audited.
    Protected = 1,
    /// Only a hash and metadata are on chain; the owning department keeps the value, provable
    /// against the hash.
    Secret = 2,
}

impl Sensitivity {
    pub fn name(self) -> &'static str {
        match self {
            Sensitivity::Public => "public",
            Sensitivity::Protected => "protected",
            Sensitivity::Secret => "secret",
        }
    }
}

impl fmt::Display for Sensitivity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a reference field points at.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum RefTarget {
    Person,
    Organisation,
    /// Any principal (person, organisation, department …).
    Principal,
    Account,
    /// A record of the named registry.
    Record {
        registry: String,
    },
}

/// The type of a field.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldType {
    /// UTF-8 text of at most `max_len` bytes.
    Text {
        max_len: u32,
    },
    /// A whole number within `[min, max]`.
    Integer {
        min: i64,
        max: i64,
    },
    /// A fixed-point number with `scale` digits after the point, kept as an integer of minor
    /// units (e.g. scale 2: `12.34` is 1234).
    Decimal {
        scale: u8,
    },
    Bool,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// One of the listed values.
    Enum {
        values: Vec<String>,
    },
    /// The id of a principal, account or record.
    Reference(RefTarget),
    /// A hash (e.g. of a document kept off chain).
    Hash,
    /// A region code (GB/T 2260, six digits).
    Region,
    /// A set of region codes (six digits each, or `CN` for the whole country): a jurisdiction.
    Regions,
}

/// A field of a registry.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct FieldDef {
    pub name: String,
    #[serde(flatten)]
    pub ty: FieldType,
    /// A record must have it.
    #[serde(default)]
    pub required: bool,
}

/// A registry's definition, as the law that creates (or amends) it states it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct RegistryDef {
    /// Stable name, e.g. `persons`.
    pub name: String,
    pub title: String,
    /// The department that owns it.
    pub department: PrincipalId,
    pub sensitivity: Sensitivity,
    pub fields: Vec<FieldDef>,
    /// Fields with a secondary index (queries by value, paginated).
    #[serde(default)]
    pub indexes: Vec<String>,
    /// The field (of type region) that places a record, for jurisdiction; none: national.
    #[serde(default)]
    pub region_field: Option<String>,
    /// The field (a reference to a principal) naming whom a record is about; none: the record's
    /// key, when the registry's records are principals, else nobody.
    #[serde(default)]
    pub subject_field: Option<String>,
    /// The records are principals of this kind (`persons` → person): the record's key is the
    /// principal's id, and its region field is the principal's region.
    #[serde(default)]
    pub principals: Option<PrincipalKind>,
    /// For a registry of departments: the field (of type regions) that is a department's
    /// jurisdiction.
    #[serde(default)]
    pub jurisdiction_field: Option<String>,
    /// For a registry of departments: the field (a reference to a principal) naming the parent
    /// department.
    #[serde(default)]
    pub parent_field: Option<String>,
    /// For a registry of organisations: the field (a reference to a person) naming the
    /// representative who acts for the organisation.
    #[serde(default)]
    pub representative_field: Option<String>,
}

/// A field's value.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Bool(bool),
    Integer(i64),
    /// A set of region codes, sorted, no duplicates.
    List(Vec<String>),
    /// Text, a date, an enum value, a reference, a region code, or a decimal written out
    /// (`"12.34"`): the registry's field type says which, and checks it.
    Text(String),
}

/// The fields of a record, by name.
pub type Fields = BTreeMap<String, FieldValue>;

/// Whether a record is in force.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RecordStatus {
    Active,
    /// Closed with a reason; kept, and readable as of any height.
    Closed {
        reason: String,
    },
}

/// A position a person holds in a department: the powers it gives, where, and for how long.
/// Rights that come from it are judged on the position as it stands at the executing block.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Position {
    /// Stable id, e.g. `registrar-110101-1`.
    pub id: String,
    /// The person who holds it.
    pub holder: PrincipalId,
    pub department: PrincipalId,
    pub title: String,
    /// Named roles, e.g. `register-birth`.
    pub powers: Vec<String>,
    /// Region codes (or `CN`, the whole country).
    pub jurisdiction: Vec<String>,
    /// First height of the term.
    pub term_from: Height,
    /// First height after the term; none: open-ended.
    #[serde(default)]
    pub term_to: Option<Height>,
}

/// Where a position stands.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[borsh(use_discriminant = true)]
pub enum PositionStatus {
    Active = 0,
    Suspended = 1,
    Ended = 2,
    /// Appointed, not yet accepted: the holder accepts (active) or declines (ended) it; until
    /// then it confers nothing.
    Offered = 3,
}

impl PositionStatus {
    pub fn name(self) -> &'static str {
        match self {
            PositionStatus::Active => "active",
            PositionStatus::Suspended => "suspended",
            PositionStatus::Ended => "ended",
            PositionStatus::Offered => "offered",
        }
    }
}

/// In whose name a signer acts.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Acting {
    /// An official's position, e.g. `pos-off-wang`: the laws see the official with the
    /// position's powers, jurisdiction, term and status at the executing block.
    Position(String),
    /// An organisation the signer represents, as its registry record says at the executing
    /// block: the laws see the organisation.
    Organisation(PrincipalId),
    /// A law-making body that is itself a principal (the legislature): at least its threshold
    /// of members sign the transaction (`TxBody::member_signing_bytes`) with their keys in
    /// force, and the laws see the body's principal. Its own key alone may only submit bills
    /// and interpretations, which carry their own signatures.
    Body {
        id: PrincipalId,
        signatures: Vec<crate::MemberSignature>,
    },
}

/// A record's key in its registry and the hash of the transaction that wrote a version: what a
/// record version cites besides the law.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct WrittenBy {
    pub height: Height,
    pub tx: Hash,
    pub signer: PrincipalId,
    /// The position the signer acted in, if any.
    pub position: Option<String>,
    /// The organisation the signer acted for, as its representative, or the body in whose
    /// name its members' threshold signed (`Acting::Body`: the legislature), if any.
    #[serde(default)]
    pub organisation: Option<PrincipalId>,
    /// The service (`name@version`) that wrote it for the signer's application, if any.
    #[serde(default)]
    pub service: Option<String>,
}

/// Domain separation for read requests, so no other signed message passes as one.
pub const READ_SIGNING_DOMAIN: &[u8] = b"govchain/read/v1\0";

/// What a reader asks of a protected registry.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReadTarget {
    /// One record, as of a height (default: the latest).
    Record {
        registry: String,
        key: String,
        #[serde(default)]
        height: Option<Height>,
    },
    /// A record's every version.
    History { registry: String, key: String },
    /// The offline certificate of a record (value, Merkle proof, certified header) as of a
    /// certified height (default: the latest).
    Certificate {
        registry: String,
        key: String,
        #[serde(default)]
        height: Option<Height>,
    },
    /// This node's log of protected reads, after sequence number `after` (auditors).
    Audit { after: u64, limit: u32 },
    /// An account's balance and freeze as of a height (default: the latest), with its offline
    /// certificate (value, Merkle proof, certified header) when `proof` is set.
    Account {
        currency: String,
        holder: crate::PrincipalId,
        #[serde(default)]
        height: Option<Height>,
        #[serde(default)]
        proof: bool,
    },
    /// A page of an account's statement: after the cursor `after` (hex, from the previous
    /// page), oldest first, or newest first.
    Statement {
        currency: String,
        holder: crate::PrincipalId,
        #[serde(default)]
        after: Option<String>,
        #[serde(default)]
        limit: Option<u32>,
        #[serde(default)]
        newest_first: bool,
    },
    /// The recorded decisions a bill would change, listed (members of the body that would
    /// enact it, and auditors): asked with the bill itself on `POST /v1/laws/verify`, naming
    /// it by its hash (`govchain_law::bill_hash`).
    DryRun { bill: Hash },
    /// An application to a service (its transaction's id): its input, status, case and
    /// timeline.
    Application { id: Hash },
    /// The applications `applicant` made, newest first (at most 100).
    Applications { applicant: crate::PrincipalId },
    /// The queue of cases waiting for `department`'s officials, those due first first: a page
    /// of at most `limit` (default and most 100) after the cursor `after` (hex, from the
    /// previous page). An official reads it acting in a position of the department.
    Cases {
        department: crate::PrincipalId,
        #[serde(default)]
        after: Option<String>,
        #[serde(default)]
        limit: Option<u32>,
    },
    /// The periods the schedule of application `id` has run (a pension's months), oldest
    /// first: each period's step — run, refused or the end — with its citation; a page of at
    /// most `limit` (default and most 100) after period `after`. Read as the application is.
    Periods {
        id: Hash,
        #[serde(default)]
        after: Option<u64>,
        #[serde(default)]
        limit: Option<u32>,
    },
}

/// A short-lived request to read protected records, signed by the reader's key, for one node. The
/// node checks that it is the one named, the signature, the key, the lifetime, the reader's rate,
/// and the laws in force; every read it decides goes to its audit log.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ReadRequest {
    pub chain_id: String,
    /// The node the request is for: its consensus key, as `GET /v1/status` names it (`node`).
    /// Each node keeps its own table of served requests, so a request that named no node could
    /// be served again by every other node; a node refuses a request for another (`wrong_node`).
    pub node: crate::PublicKey,
    pub reader: crate::PublicKey,
    /// In whose name the reader reads: a position, or an organisation it represents.
    #[serde(default)]
    pub acting_as: Option<Acting>,
    pub target: ReadTarget,
    /// The last height at which the request is good (at most a few blocks ahead).
    pub valid_until: Height,
    /// Any number, so that two identical reads are two requests.
    pub nonce: u64,
    /// Why the reader reads (recorded in the audit log), e.g. a case number.
    #[serde(default)]
    pub purpose: String,
}

impl ReadRequest {
    /// The bytes the reader signs.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = READ_SIGNING_DOMAIN.to_vec();
        out.extend_from_slice(&crate::encode(self));
        out
    }
}

/// A read request with the reader's signature.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct SignedRead {
    pub request: ReadRequest,
    pub signature: crate::Signature,
}

/// What became of a signed read this node decided.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReadOutcome {
    /// Answered whole.
    Served,
    /// Refused by the laws: nothing was answered.
    Refused,
    /// There was nothing to decide on: no such registry, record or account, or no version at
    /// the height asked. Logged all the same, since asking tells what the reader looked for.
    NotFound,
    /// A history of which the laws let the reader see `served` versions and not `withheld`
    /// others (each version is decided on its own content).
    Partial { served: u32, withheld: u32 },
}

/// One protected read decided: who read what, when, for what, the article that allowed (or
/// refused) it, and what came of it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ReadAudit {
    /// The latest height when the read was decided.
    pub height: Height,
    pub reader: PrincipalId,
    pub acting_as: Option<Acting>,
    pub target: ReadTarget,
    pub purpose: String,
    /// Whether anything was answered.
    pub allowed: bool,
    /// The article that decided (for a history: that of its newest version served, or, if none
    /// was, of its newest version); none when nothing was decided (`NotFound`).
    pub decided_by: Option<crate::Citation>,
    #[serde(flatten)]
    pub outcome: ReadOutcome,
    /// The node's clock when it served the read (milliseconds since the Unix epoch): outside
    /// consensus, for the auditor's timeline.
    pub served_at_ms: u64,
}
