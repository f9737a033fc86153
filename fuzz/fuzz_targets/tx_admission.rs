//! Any bytes sent to `POST /v1/tx` go through mempool admission: never a panic, and nothing
//! that is refused enters the pool.
#![no_main]

use govchain_execution::MemState;
use govchain_mempool::{Mempool, MempoolConfig};
use govchain_types::{ChainParams, Scheme};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pool = Mempool::new(
        Scheme::Ed25519,
        "fuzz".into(),
        ChainParams::default(),
        MempoolConfig::default(),
    );
    let state = MemState::default();
    let result = pool.admit(data.to_vec(), &state, 0);
    if result.is_err() {
        assert!(pool.is_empty());
    }
});
