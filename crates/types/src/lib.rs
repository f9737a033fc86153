//! govchain's data types and their one canonical binary encoding.
//!
//! Everything that is hashed or signed is encoded with [borsh] behind a version byte
//! ([`ENCODING_VERSION`]); the JSON view (serde) exists only for the API and for files people
//! read. Decoding never panics: every decoder returns [`DecodeError`] on bad input, and
//! identifiers are validated while they are decoded, so a value that decodes is well formed.

mod block;
mod code;
mod codec;
mod finance;
mod genesis;
mod hash;
mod id;
mod keys;
mod law;
mod receipt;
mod registry;
mod service;
mod snapshot;
mod tx;
mod writes;

pub use block::{Block, CommitCertificate, CommitSignature, Header};
pub use code::{Code, Stage};
pub use codec::{DecodeError, ENCODING_VERSION, decode, decode_canonical, encode};
pub use finance::{
    Amount, CurrencyDef, FreezeOrder, GenesisBalance, MAX_MEMO_BYTES, MAX_REFERENCE_BYTES, Posting,
    PostingKind, TransferFee, currency_code_ok,
};
pub use genesis::{
    ChainParams, Genesis, GenesisAccount, GenesisRecord, GenesisSnapshot, GenesisValidator,
    PrincipalKind, validator_update_key,
};
pub use hash::Hash;
pub use id::{IdError, PrincipalId};
pub use keys::{KeyError, PublicKey, Scheme, Signature};
pub use law::{
    Article, ArticleKind, BodyKind, BodyMember, Citation, Interpretation, LawBody, LawPackage,
    Level, MemberSignature,
};
pub use receipt::{Event, Receipt, TxStatus};
pub use registry::{
    Acting, FieldDef, FieldType, FieldValue, Fields, Position, PositionStatus, READ_SIGNING_DOMAIN,
    ReadAudit, ReadOutcome, ReadRequest, ReadTarget, RecordStatus, RefTarget, RegistryDef,
    Sensitivity, SignedRead, WrittenBy,
};
pub use service::{
    Application, ApplicationStatus, ApplicationStep, CaseInfo, FirstDecision, ScheduleInfo,
    ServiceDef, ServiceRecord,
};
pub use snapshot::{
    MAX_SNAPSHOT_RECORD, SNAPSHOT_MAGIC, SnapshotError, SnapshotReader, SnapshotWriter,
};
pub use tx::{ImportedRecord, Payload, Tx, TxBody};
pub use writes::{Write, WriteSet};

/// Block height. Height 0 is the genesis state; the first block is height 1.
pub type Height = u64;
