//! Shared values, transactions, receipts, blocks, state proofs and record certificates.

use super::*;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A level of the legal hierarchy (`govchain_types::Level`), lowest first.
#[derive(ToSchema)]
#[schema(as = Level)]
#[serde(rename_all = "snake_case")]
pub enum LevelSchema {
    Department,
    Regional,
    National,
    Constitution,
}

/// A kind of principal (`govchain_types::PrincipalKind`).
#[derive(ToSchema)]
#[schema(as = PrincipalKind)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKindSchema {
    Person,
    Organisation,
    Department,
    Legislature,
}

/// A law article (`govchain_types::Citation`).
#[derive(ToSchema)]
#[schema(as = Citation)]
pub struct CitationSchema {
    law: String,
    version: u32,
    article: String,
    level: LevelSchema,
}

/// A member's signature (`govchain_types::MemberSignature`): on a bill, an interpretation, a
/// snapshot, or a transaction in the name of a body.
#[derive(ToSchema)]
#[schema(as = MemberSignature)]
pub struct MemberSignatureSchema {
    member: String,
    /// `scheme:hex`.
    signature: String,
}

/// A validator (`govchain_types::GenesisValidator`).
#[derive(ToSchema)]
#[schema(as = Validator)]
pub struct ValidatorSchema {
    /// The department that runs the node.
    name: String,
    /// Its consensus key (`ed25519:hex`).
    key: String,
    power: u64,
}

/// A record's fields (`govchain_types::Fields`): free-form, since the registry's law defines
/// them; each value is text (also dates, enum values, references, region codes and decimals
/// written out), an integer, true/false, or a list of region codes.
#[derive(ToSchema)]
#[schema(as = Fields)]
pub struct FieldsSchema(BTreeMap<String, FieldValueSchema>);

/// A field's value (`govchain_types::FieldValue`).
#[derive(ToSchema)]
#[schema(as = FieldValue)]
#[serde(untagged)]
pub enum FieldValueSchema {
    Bool(bool),
    Integer(i64),
    /// A set of region codes, sorted.
    List(Vec<String>),
    /// Text, a date, an enum value, a reference, a region code or a decimal written out
    /// (`"12.34"`): the registry's field type says which.
    Text(String),
}

/// A transaction's receipt (`govchain_types::Receipt`).
#[derive(ToSchema)]
#[schema(as = Receipt)]
pub struct ReceiptSchema {
    /// The transaction id (hex).
    tx_id: String,
    height: u64,
    /// The transaction's place in its block.
    index: u32,
    /// `ok`, `failed` (refused in execution: only the nonce was used) or `rejected` (refused
    /// by the envelope: nothing was written).
    #[schema(pattern = "^(ok|failed|rejected)$")]
    status: String,
    /// The refusal code (docs/error-codes.md), when the status is not `ok`.
    code: Option<String>,
    /// The human-readable reason, when the status is not `ok`.
    error: Option<String>,
    /// The law article that allowed or refused it, when a law decided.
    decided_by: Option<CitationSchema>,
    /// What it did: `kind` and ordered `[name, value]` attributes.
    events: Vec<EventSchema>,
}

/// An event of a receipt (`govchain_types::Event`).
#[derive(ToSchema)]
#[schema(as = Event)]
pub struct EventSchema {
    kind: String,
    /// Ordered `[name, value]` pairs.
    attributes: Vec<Vec<String>>,
}

/// In whose name a signer acts (`govchain_types::Acting`): an object with one key.
#[derive(ToSchema)]
#[schema(as = Acting)]
#[serde(rename_all = "snake_case")]
pub enum ActingSchema {
    /// An official's position, e.g. `pos-off-wang`.
    Position(String),
    /// An organisation the signer represents.
    Organisation(String),
    /// A law-making body (the legislature), with its members' threshold of signatures.
    Body {
        id: String,
        signatures: Vec<MemberSignatureSchema>,
    },
}

/// The signed part of a transaction (`govchain_types::TxBody`).
#[derive(ToSchema)]
#[schema(as = TxBody)]
pub struct TxBodySchema {
    chain_id: String,
    /// The signing key (`scheme:hex`).
    signer: String,
    nonce: u64,
    /// The last height at which it may be included.
    valid_until: u64,
    acting_as: Option<ActingSchema>,
    payload: PayloadSchema,
}

/// A signed transaction (`govchain_types::Tx`).
#[derive(ToSchema)]
#[schema(as = Tx)]
pub struct TxSchema {
    body: TxBodySchema,
    /// Over the body's signing bytes (`scheme:hex`).
    signature: String,
}

/// What a transaction asks (`govchain_types::Payload`), named by `type`. As the API shows a
/// transaction, the fields of a record of a registry that is not public are left out (`{}`),
/// and so are the reason a protected record was closed, and the amount (`"0"`), memo and
/// reference of money moved to or from anyone but a department (`redacted`).
#[derive(ToSchema)]
#[schema(as = Payload)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PayloadSchema {
    /// Binds `key` to `principal`, creating the principal (of `kind`) if it does not exist.
    RegisterKey {
        principal: String,
        kind: PrincipalKindSchema,
        key: String,
    },
    /// Revokes `key` of `principal`.
    RevokeKey { principal: String, key: String },
    /// Replaces the validator set from `effective_height` on.
    UpdateValidators {
        validators: Vec<ValidatorSchema>,
        effective_height: u64,
    },
    /// Enacts a law package, signed by at least the threshold of its body's members.
    EnactLaw {
        law: LawPackageSchema,
        signatures: Vec<MemberSignatureSchema>,
    },
    /// Records an interpretation of a law's articles.
    Interpret {
        interpretation: InterpretationSchema,
        signatures: Vec<MemberSignatureSchema>,
    },
    /// Adds a record to a registry under a new key.
    InsertRecord {
        registry: String,
        key: String,
        fields: FieldsSchema,
    },
    /// Sets the given fields of a record.
    UpdateRecord {
        registry: String,
        key: String,
        fields: FieldsSchema,
    },
    /// Closes a record.
    CloseRecord {
        registry: String,
        key: String,
        reason: String,
    },
    /// Appoints a person to a position in a department.
    Appoint { position: PositionSchema },
    /// Suspends, reinstates or ends a position.
    SetPositionStatus {
        id: String,
        status: PositionStatusSchema,
        reason: String,
    },
    /// Loads a chunk of new records into a registry.
    ImportRecords {
        registry: String,
        records: Vec<ImportedRecordSchema>,
    },
    /// Issues new money into `to`'s account (amount in minor units, a string of digits).
    Issue {
        currency: String,
        to: String,
        amount: String,
        memo: String,
    },
    /// Takes money out of circulation from `from`'s account.
    Redeem {
        currency: String,
        from: String,
        amount: String,
        memo: String,
    },
    /// Moves money from `from`'s account (null: the signer's, or the organisation's it acts
    /// for) to `to`'s.
    Transfer {
        currency: String,
        from: Option<String>,
        to: String,
        amount: String,
        memo: String,
        reference: String,
    },
    /// Freezes `holder`'s account by a legal order.
    Freeze {
        currency: String,
        holder: String,
        order: String,
    },
    /// Lifts a freeze.
    Unfreeze {
        currency: String,
        holder: String,
        order: String,
    },
    /// Deploys a service, or its next version, as a law lets the signer.
    DeployService { service: ServiceDefSchema },
    /// Applies to a service with the input its form asks.
    Apply {
        service: String,
        input: FieldsSchema,
    },
    /// An official decides a case: approves or rejects the application (its id, hex), with
    /// reasons.
    DecideCase {
        application: String,
        approve: bool,
        reasons: String,
    },
    /// The applicant appeals a rejection of its application (its id, hex), once, with reasons.
    Appeal {
        application: String,
        reasons: String,
    },
    /// The applicant confirms an application a service opened for it (its id, hex).
    Confirm { application: String },
}

/// An application to a service (`govchain_types::Application`): the service version it
/// started under (kept for its life), who applied, the input, where it stands, its case, and
/// every step.
#[derive(ToSchema)]
#[schema(as = Application)]
pub struct ApplicationSchema {
    /// The transaction that made it (hex).
    id: String,
    service: String,
    version: u32,
    applicant: String,
    input: FieldsSchema,
    status: ApplicationStatusSchema,
    case: Option<CaseInfoSchema>,
    /// The periodic runs its approval started (a monthly pension), while they last.
    schedule: Option<ScheduleInfoSchema>,
    /// Whether the applicant has appealed (once only).
    appealed: bool,
    timeline: Vec<ApplicationStepSchema>,
}

/// The periodic runs of an approved application: the service's `scheduled(application,
/// period)` at the start of block `next`, then every `every` blocks.
#[derive(ToSchema)]
#[schema(as = ScheduleInfo)]
pub struct ScheduleInfoSchema {
    /// The height of the approval: period `n` falls due at `from + n × every`.
    from: u64,
    every: u64,
    /// The height at whose start the next period runs.
    next: u64,
    /// The periods run so far.
    done: u64,
    /// How many periods it runs in all, if the approval said.
    times: Option<u64>,
    /// What the approval granted (a pension's monthly amount), fixed for the schedule's life.
    granted: FieldsSchema,
    /// Periods refused in a row (three end the schedule).
    failures: u8,
    /// The latest period's step (each period's is kept apart).
    last: Option<ApplicationStepSchema>,
}

/// Where an application stands.
#[derive(ToSchema)]
#[schema(as = ApplicationStatus)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatusSchema {
    Approved,
    Rejected,
    CaseOpened,
    /// Opened by the service from a record (a birth), waiting for its applicant to confirm.
    Proposed,
}

/// The case an application waits in: the department, the power, the region.
#[derive(ToSchema)]
#[schema(as = CaseInfo)]
pub struct CaseInfoSchema {
    department: String,
    power: String,
    region: Option<String>,
    /// How many distinct officials must concur (2: four eyes).
    officials: u8,
    /// The first official's decision, while a second must concur.
    first: Option<FirstDecisionSchema>,
    /// The height by which it must be decided; at its start, undecided, it escalates.
    deadline: Option<u64>,
    /// Blocks each department has to decide it.
    period: Option<u64>,
    /// The height at whose start its officials are reminded.
    reminder: Option<u64>,
    /// Decided by the law at the deadline (approved: `true`), instead of escalating.
    deemed: Option<bool>,
    /// It hears the applicant's appeal of a rejection (power `hear-appeal`).
    appeal: bool,
}

/// The first of two officials' decisions of a four-eyes case.
#[derive(ToSchema)]
#[schema(as = FirstDecision)]
pub struct FirstDecisionSchema {
    official: String,
    approve: bool,
}

/// One step of an application: who (the applicant, `service@version`, `official (position)`),
/// what, why, under which article.
#[derive(ToSchema)]
#[schema(as = ApplicationStep)]
pub struct ApplicationStepSchema {
    height: u64,
    /// The transaction (hex).
    tx: String,
    /// `submitted`, `approved`, `rejected`, `case_opened`, `first_decision` (four eyes: the
    /// first of two), `dissent` (the second disagreed: back to two), `decided_approve`,
    /// `decided_reject`, and by `chain` at a block's start: `reminded`, `escalated` (to the
    /// parent department, at the deadline), `overdue` (no department above), `deemed_approve`
    /// and `deemed_reject` (decided by the law at the deadline); `proposed` (opened by the
    /// service from a record) and `confirmed` (by the applicant); `appealed` (by the applicant:
    /// a case for the parent department, `hear-appeal`); at a block's
    /// start, a schedule's `period_run` (by the service), `period_failed` (refused: nothing
    /// paid, the next period still comes) and `schedule_ended`.
    kind: String,
    by: String,
    reason: String,
    citation: Option<CitationSchema>,
}

/// A deployed version of a service (`govchain_api::ServiceView`).
#[derive(ToSchema)]
#[schema(as = ServiceView)]
pub struct ServiceViewSchema {
    service: ServiceDefSchema,
    deployed_at: u64,
    deployed_by: String,
    /// The article that let it be deployed (none for a genesis service).
    citation: Option<CitationSchema>,
    /// The latest version of the service.
    latest: u32,
}

/// A version of a public service (`govchain_types::ServiceDef`): its script, typed input form,
/// the law and articles it carries out, and the department competent for its cases.
#[derive(ToSchema)]
#[schema(as = ServiceDef)]
pub struct ServiceDefSchema {
    name: String,
    version: u32,
    title: String,
    law: String,
    articles: Vec<String>,
    department: String,
    form: Vec<super::law::FieldDefSchema>,
    /// Rhai source with `fn decide(application)`; also `fn decided(application, decision)`
    /// for its cases, `fn scheduled(application, period)` for its schedules and
    /// `fn opened(record)` for `on_insert`, if it has them.
    script: String,
    /// Registries whose new records open applications (`opened(record)` names for whom), at
    /// the next block's start.
    on_insert: Vec<String>,
}

/// One record of an import (`govchain_types::ImportedRecord`).
#[derive(ToSchema)]
#[schema(as = ImportedRecord)]
pub struct ImportedRecordSchema {
    key: String,
    fields: FieldsSchema,
}

/// A position a person holds in a department (`govchain_types::Position`).
#[derive(ToSchema)]
#[schema(as = Position)]
pub struct PositionSchema {
    id: String,
    holder: String,
    department: String,
    title: String,
    powers: Vec<String>,
    /// Region codes, or `CN`.
    jurisdiction: Vec<String>,
    term_from: u64,
    /// First height after the term; null: open-ended.
    term_to: Option<u64>,
}

/// Where a position stands (`govchain_types::PositionStatus`).
#[derive(ToSchema)]
#[schema(as = PositionStatus)]
#[serde(rename_all = "snake_case")]
pub enum PositionStatusSchema {
    Active,
    Suspended,
    Ended,
    Offered,
}

/// A committed transaction as `GET /v1/tx/{id}` answers it (`backend::TxRecord`).
#[derive(ToSchema)]
#[schema(as = TxRecord)]
pub struct TxRecordSchema {
    tx: TxSchema,
    receipt: ReceiptSchema,
    /// The hash of the block that holds it (hex).
    block_hash: String,
    /// Present and `true` when something was left out of `tx` (see `Payload`).
    redacted: Option<bool>,
}

/// A block header (`govchain_types::Header`).
#[derive(ToSchema)]
#[schema(as = Header)]
pub struct HeaderSchema {
    chain_id: String,
    height: u64,
    /// The round the block was first proposed in; `proposer` is that round's.
    round: u32,
    /// Block time, milliseconds since the Unix epoch (the proposer's clock).
    time_ms: u64,
    parent_hash: String,
    /// Merkle root of the full hashes of the block's transactions.
    tx_root: String,
    /// The state root after the parent block.
    state_root: String,
    /// The proposer's consensus key (`scheme:hex`).
    proposer: String,
    /// Hash of the validator set that decides this block: what `govchain verify --trust`
    /// takes.
    validator_set_hash: String,
}

/// A block (`govchain_types::Block`).
#[derive(ToSchema)]
#[schema(as = Block)]
pub struct BlockSchema {
    header: HeaderSchema,
    /// The signed transactions, in order (with what is left out: see `Payload`, `redacted`).
    txs: Vec<TxSchema>,
}

/// The validators' signatures that decided a block (`govchain_types::CommitCertificate`).
#[derive(ToSchema)]
#[schema(as = CommitCertificate)]
pub struct CommitCertificateSchema {
    height: u64,
    round: u32,
    block_hash: String,
    signatures: Vec<CommitSignatureSchema>,
}

/// One validator's commit vote (`govchain_types::CommitSignature`).
#[derive(ToSchema)]
#[schema(as = CommitSignature)]
pub struct CommitSignatureSchema {
    /// `ed25519:hex`.
    validator: String,
    signature: String,
}

/// A committed block as `GET /v1/blocks/{height}` answers it (`backend::BlockRecord`).
#[derive(ToSchema)]
#[schema(as = BlockRecord)]
pub struct BlockRecordSchema {
    /// The block's hash (hex).
    hash: String,
    block: BlockSchema,
    /// The validators' commit signatures (null for the genesis).
    certificate: Option<CommitCertificateSchema>,
    receipts: Vec<ReceiptSchema>,
    /// The state root after this block, certified by the next block's header.
    state_root_after: String,
    /// The indexes of transactions with something left out (absent when none were).
    redacted: Option<Vec<u32>>,
}

/// A Merkle proof of a key's value, or of its absence, in the state after `height`
/// (`govchain_store::StateProof`). Check it offline with `govchain proof verify`.
#[derive(ToSchema)]
#[schema(as = StateProof)]
pub struct StateProofSchema {
    /// `ed25519` (SHA-256) or `sm2` (SM3): the tree's hash.
    #[schema(pattern = "^(ed25519|sm2)$")]
    scheme: String,
    height: u64,
    /// The key (hex).
    key: String,
    /// The value's canonical encoding (hex); null: an exclusion proof.
    value: Option<String>,
    /// The state root the proof is against (hex).
    root: String,
    /// The Merkle path: borsh of the sparse Merkle proof (hex).
    proof: String,
}

/// The offline certificate of a record (`govchain_store::RecordCertificate`): checked by
/// `govchain verify FILE --genesis genesis.json` against the genesis alone.
#[derive(ToSchema)]
#[schema(as = RecordCertificate)]
pub struct RecordCertificateSchema {
    /// The value (or absence) at `proof.height`.
    proof: StateProofSchema,
    /// The header of block `proof.height + 1`, whose `state_root` is the proof's root.
    header: HeaderSchema,
    /// The validators' signatures over that header's block.
    commit: CommitCertificateSchema,
    /// Every change of the validator set from genesis to `header.height`, in height order.
    handovers: Vec<HandoverSchema>,
}

/// What moves a verifier from one validator set to the next (`govchain_store::Handover`).
#[derive(ToSchema)]
#[schema(as = Handover)]
pub struct HandoverSchema {
    /// The first height the incoming set decides.
    height: u64,
    /// The header of block `height - 1`, decided by the outgoing set.
    header: HeaderSchema,
    /// The outgoing set's signatures over that header's block.
    commit: CommitCertificateSchema,
    /// The schedule of the incoming set, against `header.state_root`.
    proof: StateProofSchema,
    /// The incoming set.
    validators: Vec<ValidatorSchema>,
}
