//! Any sequence of proposal parts, structured or off the wire, fed to `PartsBuffer` with an
//! honest stream interleaved; the harness and its invariants are
//! `crates/consensus/tests/parts/mod.rs`, shared with the short version in CI
//! (`crates/consensus/tests/parts_fuzz.rs`).
#![no_main]

#[path = "../../crates/consensus/tests/parts/mod.rs"]
mod parts;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|ops: Vec<parts::Op>| parts::run(ops));
