//! The HTTP face of a node: REST under `/v1`, server-sent events of committed blocks,
//! Prometheus metrics and the OpenAPI document.
//!
//! The API knows the node only through the [`Backend`] trait (STYLE.md §2), so it can be
//! tested with `Router::oneshot` against a node without sockets. Every error is JSON
//! `{code, message}`; bad input is a 4xx, never a 500. What one client may make the node do
//! is bounded by [`Limits`].

mod backend;
mod error;
mod handlers;
mod limits;
mod schemas;

pub use backend::{
    AccountView, ApplicationList, Backend, BackendError, BlockRecord, CaseQueue, CommitEvent,
    CurrencyView, ExplainAnswer, LawHistory, LawsInForce, MAX_PAGE, MAX_VERIFY_SAMPLES, PeriodList,
    PeriodStep, ReadAnswer, ReadLogEntry, RecordHistory, RecordPage, RecordView, RegistryView,
    ServiceView, StatementPage, Status, TxRecord,
};
pub use error::ApiError;
pub use handlers::{ApiDoc, router, router_with};
pub use limits::{Client, Limits};
