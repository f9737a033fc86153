//! The short version in CI of the fuzz target `proposal_parts` (`fuzz/fuzz_targets/`): random
//! bytes read by `arbitrary` as a sequence of parts, structured or off the wire, through the
//! same harness (`parts/mod.rs`) the fuzz target runs, plus the inputs the longer fuzz runs
//! found.

mod parts;

use arbitrary::{Arbitrary, Unstructured};
use proptest::prelude::*;

fn run(bytes: &[u8]) {
    if let Ok(ops) = Vec::<parts::Op>::arbitrary_take_rest(Unstructured::new(bytes)) {
        parts::run(ops);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever validators and strangers send: no panic, the caps hold, nothing assembles but
    /// what its round's proposer published, and the honest stream assembles.
    #[test]
    fn random_parts_keep_the_buffer_within_caps(
        bytes in proptest::collection::vec(any::<u8>(), 0..4096),
    ) {
        run(&bytes);
    }
}
