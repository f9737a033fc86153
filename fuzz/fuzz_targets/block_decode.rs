//! Any bytes: decoding a block or a commit certificate never panics, and what decodes
//! re-encodes to the same bytes.
#![no_main]

use govchain_types::{Block, CommitCertificate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(block) = Block::decode(data) {
        assert_eq!(block.encode(), data, "non-canonical block encoding accepted");
    }
    if let Ok(cert) = CommitCertificate::decode(data) {
        assert_eq!(cert.encode(), data, "non-canonical certificate encoding accepted");
    }
});
