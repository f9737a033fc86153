//! A govchain node: its configuration and data directory, the application that a consensus
//! engine drives ([`App`]: propose, check, commit), the engines, the API server and the
//! lifecycle (graceful shutdown; a restart continues from disk).
//!
//! The only engine here is [`SoloProducer`], a single-validator block producer for tests and
//! `govchain dev`. It drives [`App`] through the same calls the BFT engine uses.

mod app;
mod backend;
mod config;
mod error;
mod metrics;
mod producer;
mod run;

pub use app::{App, CommitInfo, Proposal};
pub use config::{
    ApiConfig, MempoolSettings, NodeConfig, ProducerConfig, read_key_file, write_key_file,
};
pub use error::{NodeError, Result};
pub use producer::SoloProducer;
pub use run::{now_ms, read_genesis, run};
