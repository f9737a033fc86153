//! The offline certificate of a record: its value (or absence) at a height, the Merkle proof,
//! and the header of the next block — which carries that height's state root — with the
//! validators' commit certificate for it. Anyone holding the validator set checks it with no
//! network: the value is in the state whose root the header names, and more than two thirds of
//! the voting power signed that header.

use crate::proof::StateProof;
use crate::{Error, Result};
use govchain_crypto::{block_hash, validator_set_hash, verify_commit};
use govchain_types::{CommitCertificate, GenesisValidator, Header};
use serde::{Deserialize, Serialize};

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
}

impl RecordCertificate {
    /// Checks the certificate against a trusted chain id, hash scheme and validator set (the
    /// chain's genesis, or the set in force at the header's height). The scheme comes from the
    /// trusted genesis, never from the certificate: one naming another is refused.
    pub fn verify(
        &self,
        chain_id: &str,
        scheme: govchain_types::Scheme,
        validators: &[GenesisValidator],
    ) -> Result<()> {
        let fail = |m: String| Err(Error::InvalidProof(m));
        if self.proof.scheme != scheme {
            return fail(format!(
                "the proof names the {} scheme; this chain's is {scheme}",
                self.proof.scheme
            ));
        }
        if self.header.chain_id != chain_id {
            return fail(format!(
                "the header is of chain `{}`, not `{chain_id}`",
                self.header.chain_id
            ));
        }
        if self.header.height != self.proof.height.saturating_add(1) {
            return fail(format!(
                "the header is of height {}, the proof of height {}: the root after height h is \
                 certified by header h + 1",
                self.header.height, self.proof.height
            ));
        }
        if self.header.validator_set_hash != validator_set_hash(scheme, validators) {
            return fail("the header was decided by another validator set".into());
        }
        self.proof.verify(&self.header.state_root)?;
        let hash = block_hash(scheme, &self.header);
        if self.commit.block_hash != hash || self.commit.height != self.header.height {
            return fail("the commit certificate is for another block".into());
        }
        verify_commit(scheme, chain_id, validators, &self.commit)
            .map_err(|e| Error::InvalidProof(format!("the commit certificate: {e}")))
    }
}
