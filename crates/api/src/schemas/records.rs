//! Registries, records, money and signed reads.

use super::*;
use utoipa::ToSchema;

/// Who wrote a record version (`govchain_types::WrittenBy`).
#[derive(ToSchema)]
#[schema(as = WrittenBy)]
pub struct WrittenBySchema {
    height: u64,
    /// The transaction (hex).
    tx: String,
    signer: String,
    /// The position the signer acted in.
    position: Option<String>,
    /// The organisation it acted for, or the body in whose name its members signed.
    organisation: Option<String>,
    /// The service (`name@version`) that wrote it deciding the signer's application.
    service: Option<String>,
}

/// Whether a record is in force (`govchain_types::RecordStatus`), by `state`.
#[derive(ToSchema)]
#[schema(as = RecordStatus)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RecordStatusSchema {
    Active,
    /// Closed with a reason; kept, and readable as of any height.
    Closed {
        reason: String,
    },
}

/// One version of a record (`backend::RecordView`).
#[derive(ToSchema)]
#[schema(as = RecordView)]
pub struct RecordViewSchema {
    registry: String,
    key: String,
    /// The height that wrote this version.
    height: u64,
    /// The transaction's index in that block (none for genesis records).
    tx_index: Option<u32>,
    fields: FieldsSchema,
    status: RecordStatusSchema,
    /// The law whose registry definition it was written under, and its version.
    law: String,
    law_version: u32,
    written: WrittenBySchema,
    /// The article that allowed it.
    citation: Option<CitationSchema>,
}

/// Every version of a record, oldest first (`backend::RecordHistory`).
#[derive(ToSchema)]
#[schema(as = RecordHistory)]
pub struct RecordHistorySchema {
    registry: String,
    key: String,
    versions: Vec<RecordViewSchema>,
    /// In a signed read: versions the laws did not let the reader see (absent when none).
    withheld: Option<u32>,
}

/// A page of records (`backend::RecordPage`).
#[derive(ToSchema)]
#[schema(as = RecordPage)]
pub struct RecordPageSchema {
    registry: String,
    /// The indexed field and value asked (absent for every record).
    field: Option<String>,
    value: Option<String>,
    /// The height read.
    height: u64,
    records: Vec<RecordViewSchema>,
    /// Pass as `after` for the next page; absent or null on the last.
    next: Option<String>,
}

/// A registry in force (`backend::RegistryView`): its definition and the law that states it.
#[derive(ToSchema)]
#[schema(as = RegistryView)]
pub struct RegistryViewSchema {
    name: String,
    title: String,
    department: String,
    sensitivity: SensitivitySchema,
    fields: Vec<FieldDefSchema>,
    indexes: Vec<String>,
    region_field: Option<String>,
    subject_field: Option<String>,
    principals: Option<PrincipalKindSchema>,
    jurisdiction_field: Option<String>,
    parent_field: Option<String>,
    representative_field: Option<String>,
    law: String,
    law_version: u32,
}

/// A currency in force (`backend::CurrencyView`): its definition, the law that states it, and
/// what is in circulation.
#[derive(ToSchema)]
#[schema(as = CurrencyView)]
pub struct CurrencyViewSchema {
    code: String,
    name: String,
    decimals: u8,
    issuer: String,
    max_supply: Option<String>,
    transfer_fee: Option<TransferFeeSchema>,
    /// In minor units, a string of digits.
    supply: String,
    /// In major units, e.g. `1000000.00`.
    supply_display: String,
    law: String,
    law_version: u32,
}

/// The court order (or other legal act) that froze an account (`govchain_types::FreezeOrder`).
#[derive(ToSchema)]
#[schema(as = FreezeOrder)]
pub struct FreezeOrderSchema {
    order: String,
    /// Who froze it.
    by: String,
    height: u64,
    tx: String,
    citation: Option<CitationSchema>,
}

/// One line of an account statement (`govchain_types::Posting`).
#[derive(ToSchema)]
#[schema(as = Posting)]
pub struct PostingSchema {
    height: u64,
    /// The transaction (hex; zeros at genesis).
    tx: String,
    /// `issued`, `redeemed`, `sent`, `received`, `fee` or `genesis`.
    kind: String,
    /// The change in minor units as a string of digits, negative for a debit (`"0"` when left
    /// out: see `redacted`).
    amount: String,
    /// The balance after it, in minor units.
    balance: String,
    /// The other side: sender or receiver, issuer, or fee collector.
    counterparty: Option<String>,
    memo: String,
    reference: String,
    citation: Option<CitationSchema>,
}

/// A page of an account's statement (`backend::StatementPage`).
#[derive(ToSchema)]
#[schema(as = StatementPage)]
pub struct StatementPageSchema {
    currency: String,
    holder: String,
    lines: Vec<PostingSchema>,
    /// The cursor of the next page (`after`), if there may be one.
    next: Option<String>,
    /// Lines whose amount, balance, memo and reference were left out (absent when none).
    redacted: Option<Vec<u32>>,
}

/// What a signed read asks (`govchain_types::ReadTarget`), by `kind`.
#[derive(ToSchema)]
#[schema(as = ReadTarget)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReadTargetSchema {
    /// One record, as of a height (null: the latest).
    Record {
        registry: String,
        key: String,
        height: Option<u64>,
    },
    /// A record's every version.
    History { registry: String, key: String },
    /// A record's offline certificate, as of a certified height (null: the latest).
    Certificate {
        registry: String,
        key: String,
        height: Option<u64>,
    },
    /// The node's log of protected reads, after sequence number `after`.
    Audit { after: u64, limit: u32 },
    /// An account as of a height, with its certificate when `proof` is set.
    Account {
        currency: String,
        holder: String,
        height: Option<u64>,
        proof: bool,
    },
    /// A page of an account's statement.
    Statement {
        currency: String,
        holder: String,
        after: Option<String>,
        limit: Option<u32>,
        newest_first: bool,
    },
    /// The recorded decisions a bill would change (`bill`: its hash).
    DryRun { bill: String },
    /// An application to a service (its transaction's id, hex).
    Application { id: String },
    /// The applications an applicant made, newest first.
    Applications { applicant: String },
    /// The cases waiting for a department's officials, those due first first: a page after
    /// the cursor `after` (hex), at most `limit` (100).
    Cases {
        department: String,
        after: Option<String>,
        limit: Option<u32>,
    },
    /// The periods an application's schedule has run, oldest first: a page after period
    /// `after`, at most `limit` (100). Read as the application is.
    Periods {
        id: String,
        after: Option<u64>,
        limit: Option<u32>,
    },
}

/// An entry of a node's log of protected reads (`backend::ReadLogEntry`): who read what, when,
/// for what, the article that decided, and what came of it.
#[derive(ToSchema)]
#[schema(as = ReadLogEntry)]
pub struct ReadLogEntrySchema {
    seq: u64,
    /// The latest height when the read was decided.
    height: u64,
    reader: String,
    acting_as: Option<ActingSchema>,
    target: ReadTargetSchema,
    purpose: String,
    /// Whether anything was answered.
    allowed: bool,
    decided_by: Option<CitationSchema>,
    /// `served`, `refused`, `not_found` or `partial` (a history: `served` versions shown,
    /// `withheld` not).
    #[schema(pattern = "^(served|refused|not_found|partial)$")]
    outcome: String,
    served: Option<u32>,
    withheld: Option<u32>,
    /// The node's clock when it served the read (milliseconds since the Unix epoch).
    served_at_ms: u64,
}
