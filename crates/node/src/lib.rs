//! A govchain node: its configuration and data directory, the application that a consensus
//! engine drives ([`App`]: propose, check, commit), the engines, the API server and the
//! lifecycle (graceful shutdown; a restart continues from disk).
//!
//! The engine is Malachite BFT (`govchain-consensus`), which drives [`App`] through
//! `propose`, `check_proposal` and `commit`; [`SoloProducer`] makes the same calls without a
//! network, for tests only.

mod app;
mod backend;
#[cfg(feature = "byzantine")]
pub mod byzantine;
mod config;
mod consensus_app;
mod error;
mod genesis;
mod handover;
mod metrics;
mod money;
mod producer;
mod read_limit;
mod reads;
mod run;
mod signed;

pub use app::{App, CommitInfo, Proposal, SnapshotState};
pub use config::{
    ApiConfig, ApiLimits, ConsensusSettings, MempoolSettings, NodeConfig, read_key_file,
    write_key_file,
};
pub use error::{NodeError, Result};
pub use genesis::{SNAPSHOT_CHUNK, check_approvals, check_genesis_load, commit_genesis};
pub use producer::SoloProducer;
pub use read_limit::ReadLimits;
pub use run::{now_ms, read_genesis, run};
