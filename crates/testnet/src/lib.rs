//! Test networks of real `govchain node` processes on 127.0.0.1, in the scenario style of
//! STYLE.md §9: `net.start_all()`, `net.kill(2)`, `net.partition(&[&[0, 1], &[2, 3]])`,
//! `net.wait_height(20)`, `net.assert_roots_agree()`.
//!
//! Every validator reaches every other through a TCP proxy owned by the harness, so a partition
//! is made by the proxies refusing and cutting connections between groups — no root privileges
//! needed. A [`Load`] submits signed transactions and remembers which ones committed, so a test
//! can check that none is ever lost.

pub mod abuse;
mod load;
mod net;
mod proxy;

pub use load::{Load, LoadReport};
pub use net::{NetError, NodeStatus, Testnet, TestnetOptions};

/// The insecure, publicly derivable key of benchmark signer `i` (`govchain init --bench-signers`,
/// [`TestnetOptions::bench_signers`]): the authority `bench-<i>`.
pub fn bench_signer_key(scheme: govchain_types::Scheme, i: usize) -> govchain_crypto::SecretKey {
    govchain_crypto::SecretKey::from_seed(scheme, format!("govchain-bench-signer-{i}").as_bytes())
}

/// The insecure, publicly derivable key of benchmark parent `i` (`govchain init
/// --bench-parents`, [`TestnetOptions::bench_parents`]): the person `bpar-<i>`.
pub fn bench_parent_key(scheme: govchain_types::Scheme, i: usize) -> govchain_crypto::SecretKey {
    govchain_crypto::SecretKey::from_seed(scheme, format!("govchain-bench-parent-{i}").as_bytes())
}

/// How many children under three each benchmark parent has (`bch-<i>-<n>`, n from 0).
pub const BENCH_CHILDREN: usize = 100;

/// Benchmark parent `i`'s id, and the id of its child `n`.
pub fn bench_parent(i: usize) -> String {
    format!("bpar-{i:05}")
}

pub fn bench_child(i: usize, n: usize) -> String {
    format!("bch-{i:05}-{n:03}")
}
