//! The application side of Malachite, the BFT engine that replicates govchain's ledger
//! (circlefin/malachite, `arc-malachitebft-*` 0.8.2, app-channel interface).
//!
//! - [`context`]: heights, addresses, the decided value (a block id), votes, proposals, parts;
//! - [`signing`]: what validators sign — a precommit for a block signs exactly govchain's
//!   commit-certificate bytes, so decisions are checkable offline;
//! - [`codec`]: borsh encodings of every message for the WAL, the network and sync;
//! - [`streaming`]: blocks cut into signed proposal parts and put back together;
//! - [`proposer`]: which validator a block's header must name, given where the block came from;
//! - [`host`]: the loop answering every `AppMsg`; [`engine`]: configuration and start.
//!
//! The node's application is reached only through [`Application`].

mod application;
pub mod cert;
pub mod codec;
pub mod context;
pub mod engine;
mod host;
pub mod proposals;
pub mod proposer;
pub mod signing;
pub mod streaming;

pub use application::{AppError, Application};

/// Appends Malachite's own metrics (consensus rounds, votes, sync, network) in Prometheus text
/// form; the engine keeps them in a global registry.
pub fn export_metrics(out: &mut String) {
    malachitebft_app_channel::app::metrics::export(out);
}
pub use engine::{EngineError, EngineSettings, run};
#[cfg(feature = "byzantine")]
pub use malachitebft_engine_byzantine::ByzantineConfig;
