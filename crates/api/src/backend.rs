//! What the API needs from a node.

use crate::schemas;
use govchain_mempool::AdmitError;
use govchain_store::{RecordCertificate, StateProof, Versioned};
use govchain_types::{
    Block, Citation, CommitCertificate, Hash, Height, LawPackage, Receipt, Scheme, Tx,
};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Why the node could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendError {
    NotFound(String),
    BadRequest(String),
    /// Not without permission: a stable code (`read_request_required`, `unauthorized`) and why.
    Forbidden(&'static str, String),
    /// The request was already served or conflicts with what is: a stable code and why.
    Conflict(&'static str, String),
    /// A request this node will not serve as it stands (400): a stable code (`wrong_node`) and
    /// why.
    Refused(&'static str, String),
    /// The caller asked more often than the node serves it (429 `rate_limited`): try again
    /// after `retry_after_secs`.
    RateLimited {
        retry_after_secs: u64,
        message: String,
    },
    Unavailable(String),
}

/// A committed transaction with its receipt.
#[derive(Debug, Clone, Serialize)]
pub struct TxRecord {
    pub tx: Tx,
    pub receipt: Receipt,
    pub block_hash: Hash,
    /// The fields of protected records were left out of `tx` (read them with a signed read).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

/// A committed block with what certifies it and what it did.
#[derive(Debug, Clone, Serialize)]
pub struct BlockRecord {
    pub hash: Hash,
    pub block: Block,
    pub certificate: Option<CommitCertificate>,
    pub receipts: Vec<Receipt>,
    /// The state root after this block (certified by the next block's header).
    pub state_root_after: Hash,
    /// The indexes of transactions whose protected record fields were left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<u32>,
}

/// The node at a glance.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Status {
    pub chain_id: String,
    /// `ed25519` or `sm2`.
    #[schema(value_type = String, example = "ed25519")]
    pub scheme: Scheme,
    pub height: Height,
    /// Hex of the latest block's hash.
    #[schema(value_type = String)]
    pub block_hash: Hash,
    pub block_time_ms: u64,
    /// The state root after the latest block (hex).
    #[schema(value_type = String)]
    pub state_root: Hash,
    pub validators: usize,
    pub mempool_size: usize,
    pub version: String,
    /// This node's consensus key: what a signed read request names as its `node`, so that a
    /// request signed for one node is served by no other (`scheme:hex`).
    #[schema(value_type = String, example = "ed25519:…")]
    pub node: govchain_types::PublicKey,
}

/// How the laws decide a principal's action, without a transaction.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExplainAnswer {
    /// The height it is decided at.
    pub height: Height,
    pub allowed: bool,
    /// E.g. ``allowed by law `constitution` article `3` ``.
    pub message: String,
    /// The article that decided (none: no law in force permits it).
    #[schema(value_type = Option<schemas::CitationSchema>)]
    pub decided_by: Option<Citation>,
    /// Every permit that applied.
    #[schema(value_type = Vec<schemas::CitationSchema>)]
    pub permits: Vec<Citation>,
    /// Every forbid that applied.
    #[schema(value_type = Vec<schemas::CitationSchema>)]
    pub forbids: Vec<Citation>,
    pub action: String,
    /// The resource, as `Kind::id`.
    pub resource: String,
}

/// The laws in force at a height.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LawsInForce {
    pub height: Height,
    #[schema(value_type = Vec<schemas::LawPackageSchema>)]
    pub laws: Vec<LawPackage>,
}

/// A law's history: every version with when and how it ended, and its interpretations.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LawHistory {
    pub law: String,
    /// Oldest first.
    #[schema(value_type = Vec<schemas::LawVersionSchema>)]
    pub versions: Vec<govchain_execution::LawVersion>,
    /// In the order recorded.
    #[schema(value_type = Vec<schemas::InterpretationRecordSchema>)]
    pub interpretations: Vec<govchain_execution::schema::InterpretationRecord>,
}

/// A registry in force: its definition and the law that states it.
#[derive(Debug, Clone, Serialize)]
pub struct RegistryView {
    #[serde(flatten)]
    pub def: govchain_types::RegistryDef,
    pub law: String,
    pub law_version: u32,
}

/// A version of a service as deployed: its package (script, form, law, articles, department),
/// who deployed it when and under which article, and the latest version there is.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceView {
    pub service: govchain_types::ServiceDef,
    pub deployed_at: Height,
    pub deployed_by: String,
    pub citation: Option<govchain_types::Citation>,
    pub latest: u32,
}

/// One version of a record, as read.
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub registry: String,
    pub key: String,
    /// The height that wrote this version, and the index of the transaction in its block.
    pub height: Height,
    pub tx_index: Option<u32>,
    #[serde(flatten)]
    pub version: govchain_execution::schema::RecordVersion,
}

/// Every version of a record, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct RecordHistory {
    pub registry: String,
    pub key: String,
    pub versions: Vec<RecordView>,
    /// In a signed read: how many versions the laws did not let the reader see (left out of
    /// `versions`, each decided on its own content). Absent when none was.
    #[serde(skip_serializing_if = "is_zero")]
    pub withheld: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A page of records found through a secondary index.
#[derive(Debug, Clone, Serialize)]
pub struct RecordPage {
    pub registry: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub height: Height,
    pub records: Vec<RecordView>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
}

/// An entry of a node's log of protected reads.
#[derive(Debug, Clone, Serialize)]
pub struct ReadLogEntry {
    pub seq: u64,
    #[serde(flatten)]
    pub entry: govchain_types::ReadAudit,
}

/// What a signed read returns, and the article that allowed it: one of `record`, `history`,
/// `audit`, `certificate`, `account` (with `certificate` when a proof was asked) or
/// `statement`, as the read's target asks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReadAnswer {
    #[schema(value_type = Option<schemas::CitationSchema>)]
    pub decided_by: Option<Citation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::RecordViewSchema>)]
    pub record: Option<RecordView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::RecordHistorySchema>)]
    pub history: Option<RecordHistory>,
    /// The log's entries after the cursor asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<schemas::ReadLogEntrySchema>>)]
    pub audit: Option<Vec<ReadLogEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::RecordCertificateSchema>)]
    pub certificate: Option<RecordCertificate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::StatementPageSchema>)]
    pub statement: Option<StatementPage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schemas::ApplicationSchema>)]
    pub application: Option<govchain_types::Application>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applications: Option<ApplicationList>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cases: Option<CaseQueue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periods: Option<PeriodList>,
}

/// A page of the periods an application's schedule has run, oldest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodList {
    /// The application's id (hex).
    pub application: String,
    pub periods: Vec<PeriodStep>,
    /// Give it as `after` for the next page; none: this is the last.
    pub next: Option<u64>,
}

/// One period of a schedule: its number (the first is 1) and its step — `period_run`,
/// `period_failed` or `schedule_ended` — with who ran it, the reason and the citation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodStep {
    pub period: u64,
    #[schema(value_type = schemas::ApplicationStepSchema)]
    pub step: govchain_types::ApplicationStep,
}

/// A page of the cases waiting for a department's officials, those due first first: the ones
/// the laws let the reader read, how many they did not, and the cursor of the next page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseQueue {
    pub department: String,
    #[schema(value_type = Vec<schemas::ApplicationSchema>)]
    pub applications: Vec<govchain_types::Application>,
    pub withheld: u32,
    /// Give it as `after` for the next page; none: this is the last.
    pub next: Option<String>,
}

/// An applicant's applications as a reader may see them, newest first: those the laws let the
/// reader read, and how many they did not.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationList {
    pub applicant: String,
    #[schema(value_type = Vec<schemas::ApplicationSchema>)]
    pub applications: Vec<govchain_types::Application>,
    pub withheld: u32,
}

/// A currency in force: its definition, the law that states it, and what is in circulation.
#[derive(Debug, Clone, Serialize)]
pub struct CurrencyView {
    #[serde(flatten)]
    pub def: govchain_types::CurrencyDef,
    pub supply: govchain_types::Amount,
    /// The supply in major units, e.g. `1000000.00`.
    pub supply_display: String,
    pub law: String,
    pub law_version: u32,
}

/// An account as of a height.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccountView {
    pub currency: String,
    pub holder: String,
    /// The balance in minor units, as a string of digits (`"1000000"`).
    #[schema(value_type = String, example = "1000000")]
    pub balance: govchain_types::Amount,
    /// The balance in major units, e.g. `10000.00`.
    pub balance_display: String,
    /// The court order that froze it, if any.
    #[schema(value_type = Option<schemas::FreezeOrderSchema>)]
    pub frozen: Option<govchain_types::FreezeOrder>,
    /// The height read.
    pub height: Height,
    /// The height that last changed the account (`None`: never paid into).
    pub changed_at: Option<Height>,
}

/// A page of an account's statement.
#[derive(Debug, Clone, Serialize)]
pub struct StatementPage {
    pub currency: String,
    pub holder: String,
    pub lines: Vec<govchain_types::Posting>,
    /// The cursor of the next page (`after`), if there may be one.
    pub next: Option<String>,
    /// Lines (by index in `lines`) whose amount, balance, memo and reference were left out: a
    /// department's lines with a person or organisation on the other side, in the public view.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<usize>,
}

/// Most records one index page holds.
pub const MAX_PAGE: usize = 100;

/// Most sample requests one verification replays (the default of [`crate::Limits`]).
pub const MAX_VERIFY_SAMPLES: usize = 1_000;

/// What the node publishes after each commit.
#[derive(Debug, Clone, Serialize)]
pub struct CommitEvent {
    pub height: Height,
    pub hash: Hash,
    pub time_ms: u64,
    pub state_root: Hash,
    pub tx_count: usize,
    pub receipts: Vec<Receipt>,
}

/// The node as the API sees it.
pub trait Backend: Send + Sync + 'static {
    /// Admits encoded transactions; one result per input, in order.
    fn submit(&self, raw: Vec<Vec<u8>>) -> Vec<Result<Hash, AdmitError>>;
    fn is_pending(&self, id: &Hash) -> bool;
    fn tx(&self, id: &Hash) -> Result<Option<TxRecord>, BackendError>;
    /// `None` height means the latest block.
    fn block(&self, height: Option<Height>) -> Result<Option<BlockRecord>, BackendError>;
    /// The version of `key` in force at `height` (latest if `None`).
    fn state(&self, key: &[u8], height: Option<Height>) -> Result<Option<Versioned>, BackendError>;
    fn proof(&self, key: &[u8], height: Option<Height>) -> Result<StateProof, BackendError>;
    /// The offline certificate of `key` at `height` (default: the latest certified height,
    /// one below the latest block).
    fn certificate(
        &self,
        key: &[u8],
        height: Option<Height>,
    ) -> Result<RecordCertificate, BackendError>;
    /// The laws in force at `height` (default: the next block).
    fn laws(&self, height: Option<Height>) -> Result<LawsInForce, BackendError>;
    /// How the laws in force at `height` (default: the next block) decide `principal` doing
    /// `action` on `target`.
    fn explain(
        &self,
        principal: &str,
        action: &str,
        target: Option<&str>,
        kind: Option<&str>,
        height: Option<Height>,
    ) -> Result<ExplainAnswer, BackendError>;
    /// How the laws in force at the request's height decide a request given in full (principal,
    /// action, resource with their attributes): for actions whose entities the caller builds,
    /// e.g. registry records before the Registries issue loads them.
    fn explain_request(
        &self,
        request: &govchain_law::AuthRequest,
    ) -> Result<ExplainAnswer, BackendError>;
    /// The registries in force at `height` (default: the next block).
    fn registries(&self, height: Option<Height>) -> Result<Vec<RegistryView>, BackendError>;
    /// The latest version of every deployed service, by name.
    fn services(&self) -> Result<Vec<ServiceView>, BackendError>;
    /// A version of a service (default: the latest), with its code.
    fn service(&self, name: &str, version: Option<u32>) -> Result<ServiceView, BackendError>;
    /// A public record as of `height` (default: the latest). Protected and secret registries
    /// answer `Forbidden("read_request_required")`: read them with [`Backend::read`].
    fn record(
        &self,
        registry: &str,
        key: &str,
        height: Option<Height>,
    ) -> Result<RecordView, BackendError>;
    /// Every version of a public record.
    fn record_history(&self, registry: &str, key: &str) -> Result<RecordHistory, BackendError>;
    /// Public records whose indexed field has a value (`by`), or every record (`None`), in key
    /// order, after `after`.
    fn query_records(
        &self,
        registry: &str,
        by: Option<(&str, &str)>,
        after: Option<&str>,
        limit: usize,
        height: Option<Height>,
    ) -> Result<RecordPage, BackendError>;
    /// A signed read: checked (signature, key, lifetime, laws), served, and logged.
    fn read(&self, signed: govchain_types::SignedRead) -> Result<ReadAnswer, BackendError>;

    /// The currencies in force at `height` (default: the next block), with their supply.
    fn currencies(&self, height: Option<Height>) -> Result<Vec<CurrencyView>, BackendError>;

    /// A department's account as of `height` (others' accounts are read with a signed read).
    fn account(
        &self,
        holder: &str,
        currency: &str,
        height: Option<Height>,
    ) -> Result<AccountView, BackendError>;

    /// A page of a department's account statement.
    fn statement(
        &self,
        holder: &str,
        currency: &str,
        after: Option<&str>,
        limit: usize,
        newest_first: bool,
    ) -> Result<StatementPage, BackendError>;
    /// Every version of law `id` and its interpretations.
    fn law_history(&self, id: &str) -> Result<LawHistory, BackendError>;
    /// Verifies a bill against the laws in force: schema, conflicts, and a dry run over
    /// `samples` (default: the recent requests of the audit log). Takes a while: call it off
    /// the async runtime. Once `cancel` is set its answer is not wanted: it may stop early.
    fn verify_bill(
        &self,
        bill: &LawPackage,
        samples: Option<Vec<govchain_law::AuthRequest>>,
        read: Option<govchain_types::SignedRead>,
        cancel: &govchain_law::verify::Cancel,
    ) -> Result<govchain_law::verify::Report, BackendError>;
    fn status(&self) -> Status;
    /// Prometheus text exposition.
    fn metrics(&self) -> String;
    fn subscribe(&self) -> broadcast::Receiver<Arc<CommitEvent>>;

    /// A receipt as the API shows it: what private parties' money moves leaves out (`true` if
    /// anything was). Commit events carry receipts whole; the event stream shows them so.
    fn redact_receipt(&self, receipt: &mut Receipt) -> bool;
    /// Largest accepted transaction, in bytes.
    fn max_tx_bytes(&self) -> usize;
}
