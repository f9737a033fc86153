//! Any bytes as a transaction to the public services (an application's input, a service
//! package, a decision, an appeal, a confirmation), applied to the demo government in memory;
//! the harness and its invariants are `crates/demo/tests/stranger/mod.rs`, shared with the
//! short version in CI (`crates/demo/tests/stranger_inputs.rs`).
#![no_main]

#[path = "../../crates/demo/tests/stranger/mod.rs"]
mod stranger;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| stranger::service_tx(data));
