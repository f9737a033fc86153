//! govchain-store's tests: state and chain reads, proofs, a model-based property test, crash
//! safety under simulated power loss, and kill -9 of a committing process.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "tests fail by panicking, and index their own fixtures"
)]

mod common;
mod crash;
mod genesis_load;
mod kill9;
mod model;
mod proofs;
mod state;
