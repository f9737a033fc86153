//! Any bytes: decoding a transaction never panics, and what decodes re-encodes to the same
//! bytes (the encoding is canonical).
#![no_main]

use govchain_types::Tx;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = Tx::decode(data) {
        assert_eq!(tx.encode(), data, "non-canonical transaction encoding accepted");
    }
});
