//! Which validator a block's header must name as its proposer.
//!
//! A header carries the round in which the block was first proposed, and its proposer must be
//! the validator [`GovCtx`]'s `select_proposer` picks for (height, that round) — the same
//! choice Malachite makes when it accepts the signed proposal message. The round a header may
//! name depends on where the block came from:
//!
//! - a fresh proposal in round `r` (no proof-of-lock round) names `r`;
//! - a re-proposal in round `r` of a value locked at `pol_round` (Tendermint, Buchman, Kwon,
//!   Milosevic 2018, Algorithm 1 line 16: `proposal ← validValue`) carries the block as first
//!   built, so it names a round no later than `pol_round`;
//! - a decided value (synced from a peer, or checked late on decision) names a round no later
//!   than its commit certificate's.

use crate::context::{GovCtx, Height, ValidatorSet};
use malachitebft_core_types::{Context as _, Round};

/// Where a block to check came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Proposed in `round`; a re-proposal also carries its proof-of-lock round.
    Proposal { round: u32, pol_round: Option<u32> },
    /// Decided in `round` (the commit certificate's round).
    Decided { round: u32 },
}

/// Whether a header naming `header_round` fits a block of `origin`.
pub fn header_round_fits(header_round: u32, origin: Origin) -> bool {
    match origin {
        Origin::Proposal {
            round,
            pol_round: None,
        } => header_round == round,
        Origin::Proposal {
            pol_round: Some(pol),
            ..
        } => header_round <= pol,
        Origin::Decided { round } => header_round <= round,
    }
}

/// The consensus key a header of `height` and `round` must name as its proposer.
pub fn expected_proposer(
    validators: &ValidatorSet,
    height: Height,
    round: u32,
) -> govchain_types::PublicKey {
    let v = GovCtx.select_proposer(validators, height, Round::new(round));
    govchain_types::PublicKey::Ed25519(*v.public_key.as_bytes())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use super::*;
    use govchain_types::{GenesisValidator, PrincipalId};

    #[test]
    fn header_rounds_table() {
        let fresh = |round| Origin::Proposal {
            round,
            pol_round: None,
        };
        let repropose = |round, pol| Origin::Proposal {
            round,
            pol_round: Some(pol),
        };
        let decided = |round| Origin::Decided { round };
        let cases = [
            ("fresh proposal names its round", 3, fresh(3), true),
            ("fresh proposal names an earlier round", 2, fresh(3), false),
            ("fresh proposal names a later round", 4, fresh(3), false),
            ("re-proposal names the lock round", 1, repropose(3, 1), true),
            (
                "re-proposal names a round before the lock",
                0,
                repropose(3, 1),
                true,
            ),
            (
                "re-proposal names a round after the lock",
                2,
                repropose(3, 1),
                false,
            ),
            (
                "re-proposal names the current round",
                3,
                repropose(3, 1),
                false,
            ),
            (
                "decided value names the certificate round",
                2,
                decided(2),
                true,
            ),
            ("decided value names an earlier round", 0, decided(2), true),
            ("decided value names a later round", 3, decided(2), false),
        ];
        for (what, header_round, origin, want) in cases {
            assert_eq!(header_round_fits(header_round, origin), want, "{what}");
        }
    }

    #[test]
    fn the_expected_proposer_rotates_with_height_and_round() {
        let keys: Vec<_> = (0u8..4)
            .map(|i| govchain_types::PublicKey::Ed25519(ed_key(i)))
            .collect();
        let set = ValidatorSet::from_genesis(
            &keys
                .iter()
                .enumerate()
                .map(|(i, k)| GenesisValidator {
                    name: PrincipalId::new(format!("v{i}")).unwrap(),
                    key: k.clone(),
                    power: 1,
                })
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let at = |h, r| expected_proposer(&set, Height(h), r);
        // Every validator proposes once in four rounds, and the next height starts one on.
        let round_robin: std::collections::BTreeSet<_> = (0..4).map(|r| at(1, r)).collect();
        assert_eq!(round_robin.len(), 4);
        assert_eq!(at(1, 1), at(2, 0));
        assert_eq!(at(1, 0), at(1, 4));
        assert_ne!(at(1, 0), at(1, 1));
    }

    fn ed_key(i: u8) -> [u8; 32] {
        let seed = [i; 32];
        let key = crate::context::PrivateKey::from(seed);
        *key.public_key().as_bytes()
    }
}
