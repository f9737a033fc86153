//! The offline certificate of a record: its value (or absence) at a height, the Merkle proof,
//! the header of the next block — which carries that height's state root — with the
//! validators' commit certificate for it, and the chain of validator-set handovers from genesis
//! to that header. Anyone holding the chain's genesis checks it with no network: each set in
//! turn certified the next, the last one signed the header, and the value is in the state whose
//! root the header names.
//!
//! # Where a validator change is committed, and why there
//!
//! A set scheduled to take over at height `h` waits in the state at
//! [`govchain_types::validator_update_key`]`(h)` until block `h` starts. The chain refuses
//! changes scheduled less than two blocks ahead (`execution::VALIDATOR_CHANGE_DELAY`), so the
//! schedule is already in the state after `h - 2`, and no later block can rewrite it. The
//! header of block `h - 1` carries that state's root and is decided — and signed, through its
//! commit certificate — by the set still in force. So a [`Handover`] is that header, its commit
//! certificate, and a Merkle proof of the schedule key against its root.
//!
//! The other places were weighed and refused: the header of block `h` carries the state after
//! `h - 1`, but the *incoming* set signs it, so a set's holders would vouch for themselves; and
//! the `UpdateValidators` transaction in a block proves only that it was included, not that
//! the laws allowed it (receipts are not in any header), so any registered key could propose a
//! set of its own making. A new header field (Tendermint's `next_validators_hash`) would need
//! the same two-block delay, since a header is built before its block executes, and a new
//! header encoding.
//!
//! # What this does not prove
//!
//! The genesis is the only thing trusted. A certificate whose chain of handovers includes a
//! rotation cannot be extended with the outgoing set's signatures. But more than two thirds of
//! a set that has left office, signing together, can still show a verifier that knows nothing
//! newer than the genesis a history in which they never left (a long-range fork); only a later
//! trusted set, or the honest chain's certificate for the same height, exposes it. A verifier
//! that knows a later set — the hash of the set that decided a height, from a header it trusts
//! (a published gazette, its own node) — gives it as a [`TrustedSet`]
//! ([`RecordCertificate::verify_trusting`]): a certificate whose history puts another set in
//! force at that height is refused.

use crate::proof::StateProof;
use crate::{Error, Result};
use govchain_crypto::{block_hash, validator_set_hash, verify_commit};
use govchain_types::{
    CommitCertificate, GenesisValidator, Header, Height, Scheme, encode, validator_update_key,
};
use serde::{Deserialize, Serialize};

/// A validator set a verifier knows decided `height`, besides the genesis: the
/// `validator_set_hash` of a header it trusts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedSet {
    pub height: Height,
    pub validator_set_hash: govchain_types::Hash,
}

/// A record with everything needed to prove it offline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCertificate {
    /// The record's value (or absence) at `proof.height`, with its Merkle proof.
    pub proof: StateProof,
    /// The header of block `proof.height + 1`, whose `state_root` is the root after
    /// `proof.height`.
    pub header: Header,
    /// The validators' signatures over that header's block.
    pub commit: CommitCertificate,
    /// Every change of the validator set from genesis up to `header.height`, in height order.
    /// Empty when the genesis set decided the header (and in certificates from before
    /// handovers existed, which then verify only if no change happened).
    #[serde(default)]
    pub handovers: Vec<Handover>,
}

/// The evidence that moves a verifier from the validator set in force to the one that takes
/// over at `height`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    /// The first height the incoming set decides.
    pub height: Height,
    /// The header of block `height - 1`, decided by the outgoing set. Its `state_root` is the
    /// state after `height - 2`, which already holds the schedule for `height`.
    pub header: Header,
    /// The outgoing set's signatures over that header's block.
    pub commit: CommitCertificate,
    /// [`validator_update_key`]`(height)` in the state after `height - 2`, against
    /// `header.state_root`: its value is the canonical encoding of `validators`.
    pub proof: StateProof,
    /// The incoming set.
    pub validators: Vec<GenesisValidator>,
}

fn invalid<T>(m: String) -> Result<T> {
    Err(Error::InvalidProof(m))
}

/// Checks that `commit` is the commit certificate of `header`'s block and that `validators`
/// signed it with more than two thirds of their power.
fn check_signed(
    scheme: Scheme,
    chain_id: &str,
    validators: &[GenesisValidator],
    header: &Header,
    commit: &CommitCertificate,
) -> Result<()> {
    let hash = block_hash(scheme, header);
    if commit.block_hash != hash || commit.height != header.height {
        return invalid("the commit certificate is for another block".into());
    }
    verify_commit(scheme, chain_id, validators, commit)
        .map_err(|e| Error::InvalidProof(format!("the commit certificate: {e}")))
}

impl Handover {
    /// Checks this handover against the set in force before it (`outgoing`); on success the
    /// incoming set is in force from `self.height`.
    fn verify(&self, chain_id: &str, scheme: Scheme, outgoing: &[GenesisValidator]) -> Result<()> {
        let h = self.height;
        let fail = |m: String| invalid(format!("the validator change at height {h}: {m}"));
        // Block 1 is the first, decided by the genesis set; a change needs a block before it
        // and a state before that.
        let (Some(before), Some(state_at)) = (h.checked_sub(1), h.checked_sub(2)) else {
            return fail("no change can take effect before height 2".into());
        };
        if self.header.chain_id != chain_id {
            return fail(format!(
                "its header is of chain `{}`, not `{chain_id}`",
                self.header.chain_id
            ));
        }
        if self.header.height != before {
            return fail(format!(
                "its header is of height {}, not {before}: the block before a change certifies it",
                self.header.height
            ));
        }
        if self.header.validator_set_hash != validator_set_hash(scheme, outgoing) {
            return fail(format!(
                "block {before} was decided by another validator set than the one in force: an \
                 earlier change is missing, or its signers were not in force"
            ));
        }
        check_signed(scheme, chain_id, outgoing, &self.header, &self.commit)
            .or_else(|e| fail(format!("block {before}: {e}")))?;
        if self.proof.scheme != scheme {
            return fail(format!(
                "the proof names the {} scheme; this chain's is {scheme}",
                self.proof.scheme
            ));
        }
        if self.proof.height != state_at || self.proof.key != validator_update_key(h) {
            return fail(format!(
                "the proof is not of the schedule for height {h} in the state after {state_at}"
            ));
        }
        self.proof
            .verify(&self.header.state_root)
            .or_else(|e| fail(format!("the schedule's proof: {e}")))?;
        match &self.proof.value {
            Some(v) if *v == encode(&self.validators) => Ok(()),
            Some(_) => fail("the incoming set is not the one the chain scheduled".into()),
            None => fail(format!(
                "no change was scheduled for it in the state after {state_at}"
            )),
        }
    }
}

impl RecordCertificate {
    /// Checks the certificate against the trusted genesis: its chain id, hash scheme and
    /// validator set. The scheme comes from the genesis, never from the certificate: one naming
    /// another is refused. From the genesis set, each handover is checked with the set in force
    /// before it (in strictly increasing height order, none beyond the header), and the header
    /// with the set in force at its height — so a missing, reordered or forged handover, or a
    /// header signed by a set that had left office, is refused.
    ///
    /// Returns the validator set that decided the header.
    pub fn verify(
        &self,
        chain_id: &str,
        scheme: Scheme,
        genesis_validators: &[GenesisValidator],
    ) -> Result<Vec<GenesisValidator>> {
        self.verify_trusting(chain_id, scheme, genesis_validators, &[])
    }

    /// [`RecordCertificate::verify`], and for each trusted set of a height up to the header's,
    /// that the certificate's history has that set in force there (the last handover at or
    /// before that height, or the genesis): a history forked by a set that left office before a
    /// trusted height is refused. A trusted height above the header's says nothing of it.
    pub fn verify_trusting(
        &self,
        chain_id: &str,
        scheme: Scheme,
        genesis_validators: &[GenesisValidator],
        trusted: &[TrustedSet],
    ) -> Result<Vec<GenesisValidator>> {
        let in_force = self.verify_from_genesis(chain_id, scheme, genesis_validators)?;
        for t in trusted.iter().filter(|t| t.height <= self.header.height) {
            let set = self
                .handovers
                .iter()
                .rev()
                .find(|h| h.height <= t.height)
                .map_or(genesis_validators, |h| h.validators.as_slice());
            if validator_set_hash(scheme, set) != t.validator_set_hash {
                return invalid(format!(
                    "the certificate's history puts another validator set in force at height {} \
                     than the trusted one ({}): a change is missing or forged",
                    t.height, t.validator_set_hash
                ));
            }
        }
        Ok(in_force)
    }

    fn verify_from_genesis(
        &self,
        chain_id: &str,
        scheme: Scheme,
        genesis_validators: &[GenesisValidator],
    ) -> Result<Vec<GenesisValidator>> {
        if self.proof.scheme != scheme {
            return invalid(format!(
                "the proof names the {} scheme; this chain's is {scheme}",
                self.proof.scheme
            ));
        }
        if self.header.chain_id != chain_id {
            return invalid(format!(
                "the header is of chain `{}`, not `{chain_id}`",
                self.header.chain_id
            ));
        }
        if self.header.height != self.proof.height.saturating_add(1) {
            return invalid(format!(
                "the header is of height {}, the proof of height {}: the root after height h is \
                 certified by header h + 1",
                self.header.height, self.proof.height
            ));
        }
        // The order first, so that a reordered list is named as such rather than by the first
        // signature it makes fail.
        let mut last: Height = 0;
        for handover in &self.handovers {
            if handover.height <= last {
                return invalid(format!(
                    "the validator change at height {} comes after the one at height {last}: \
                     changes must be in increasing height order",
                    handover.height
                ));
            }
            if handover.height > self.header.height {
                return invalid(format!(
                    "the validator change at height {} is beyond the certifying block {}",
                    handover.height, self.header.height
                ));
            }
            last = handover.height;
        }
        let mut in_force = genesis_validators;
        for handover in &self.handovers {
            handover.verify(chain_id, scheme, in_force)?;
            in_force = handover.validators.as_slice();
        }
        if self.header.validator_set_hash != validator_set_hash(scheme, in_force) {
            return invalid(format!(
                "the header was decided by another validator set than the one in force at height \
                 {} after {} validator change(s): a change is missing, or its signers were not in \
                 force",
                self.header.height,
                self.handovers.len()
            ));
        }
        self.proof.verify(&self.header.state_root)?;
        check_signed(scheme, chain_id, in_force, &self.header, &self.commit)?;
        Ok(in_force.to_vec())
    }
}
