//! What validators sign, and the Malachite `Signer`/`Verifier` over it.
//!
//! A precommit for a block signs exactly `CommitCertificate::signing_bytes(chain, height, round,
//! block hash)`, so the precommits Malachite gathers *are* govchain's commit certificate and
//! `govchain_crypto::verify_commit` checks them offline with plain Ed25519. Extensions are never
//! part of a vote's signed bytes: Malachite checks certificates by rebuilding votes without them.

use crate::context::{Address, GovCtx, PrivateKey, Proposal, PublicKey, Signature, Vote};
use async_trait::async_trait;
use borsh::BorshSerialize;
use bytes::Bytes;
use govchain_types::{CommitCertificate, encode};
use malachitebft_core_types::{
    Context as _, NilOrVal, SignedExtension, SignedMessage, ValidatorProof, VoteExtensionScope,
    VoteType,
};
use malachitebft_signing::{Error as SignError, Signer, VerificationResult, Verifier};

fn tagged(tag: &[u8], body: &impl BorshSerialize) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.extend_from_slice(&encode(body));
    out
}

/// The bytes a vote's signature covers.
pub fn vote_sign_bytes(chain_id: &str, v: &Vote) -> Vec<u8> {
    let round = v.round.as_u32();
    match (v.typ, &v.value) {
        (VoteType::Precommit, NilOrVal::Val(id)) => {
            CommitCertificate::signing_bytes(chain_id, v.height.0, round.unwrap_or(0), &id.hash())
        }
        (VoteType::Precommit, NilOrVal::Nil) => tagged(
            b"govchain/precommit-nil/v1\0",
            &(chain_id, v.height.0, round),
        ),
        (VoteType::Prevote, value) => {
            let value = match value {
                NilOrVal::Nil => None,
                NilOrVal::Val(id) => Some(id.0),
            };
            tagged(
                b"govchain/prevote/v1\0",
                &(chain_id, v.height.0, round, value),
            )
        }
    }
}

/// The bytes a proposal's signature covers.
pub fn proposal_sign_bytes(chain_id: &str, p: &Proposal) -> Vec<u8> {
    tagged(
        b"govchain/proposal/v1\0",
        &(
            chain_id,
            p.height.0,
            p.round.as_u32(),
            p.value.0,
            p.pol_round.as_u32(),
            p.proposer.0,
        ),
    )
}

fn extension_sign_bytes(
    chain_id: &str,
    scope: &VoteExtensionScope<GovCtx>,
    ext: &Bytes,
) -> Vec<u8> {
    let precommit = GovCtx.new_precommit(
        scope.height,
        scope.round,
        NilOrVal::Val(scope.value_id),
        scope.validator_address,
    );
    tagged(
        b"govchain/vote-extension/v1\0",
        &(vote_sign_bytes(chain_id, &precommit), ext.to_vec()),
    )
}

fn verdict(key: &PublicKey, msg: &[u8], sig: &Signature) -> VerificationResult {
    VerificationResult::from_bool(key.verify(msg, sig).is_ok())
}

/// Verifies votes, proposals, extensions and validator proofs of a chain.
#[derive(Clone, Debug)]
pub struct GovVerifier {
    pub chain_id: String,
}

#[async_trait]
impl Verifier<GovCtx> for GovVerifier {
    async fn verify_signed_vote(
        &self,
        vote: &Vote,
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, SignError> {
        Ok(verdict(
            public_key,
            &vote_sign_bytes(&self.chain_id, vote),
            signature,
        ))
    }

    async fn verify_signed_proposal(
        &self,
        proposal: &Proposal,
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, SignError> {
        Ok(verdict(
            public_key,
            &proposal_sign_bytes(&self.chain_id, proposal),
            signature,
        ))
    }

    async fn verify_signed_vote_extension(
        &self,
        scope: &VoteExtensionScope<GovCtx>,
        extension: &Bytes,
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, SignError> {
        Ok(verdict(
            public_key,
            &extension_sign_bytes(&self.chain_id, scope, extension),
            signature,
        ))
    }

    async fn verify_validator_proof(
        &self,
        proof: &ValidatorProof<GovCtx>,
    ) -> Result<VerificationResult, SignError> {
        let key = proof
            .decoded_public_key()
            .map_err(|e| SignError::from_source(std::io::Error::other(e.to_string())))?;
        Ok(verdict(&key, &proof.preimage(), &proof.signature))
    }
}

/// Signs with this validator's consensus key.
#[derive(Clone)]
pub struct GovSigner {
    pub key: PrivateKey,
    pub chain_id: String,
}

impl GovSigner {
    pub fn address(&self) -> Address {
        Address::from_public_key(&self.key.public_key())
    }

    /// Signs arbitrary bytes (proposal parts' `Fin`).
    pub fn sign_bytes(&self, msg: &[u8]) -> Signature {
        self.key.sign(msg)
    }
}

#[async_trait]
impl Signer<GovCtx> for GovSigner {
    async fn sign_vote(&self, vote: Vote) -> Result<SignedMessage<GovCtx, Vote>, SignError> {
        let sig = self.key.sign(&vote_sign_bytes(&self.chain_id, &vote));
        Ok(SignedMessage::new(vote, sig))
    }

    async fn sign_proposal(
        &self,
        proposal: Proposal,
    ) -> Result<SignedMessage<GovCtx, Proposal>, SignError> {
        let sig = self
            .key
            .sign(&proposal_sign_bytes(&self.chain_id, &proposal));
        Ok(SignedMessage::new(proposal, sig))
    }

    async fn sign_vote_extension(
        &self,
        scope: VoteExtensionScope<GovCtx>,
        extension: Bytes,
    ) -> Result<SignedExtension<GovCtx>, SignError> {
        let sig = self
            .key
            .sign(&extension_sign_bytes(&self.chain_id, &scope, &extension));
        Ok(SignedMessage::new(extension, sig))
    }

    async fn sign_validator_proof(
        &self,
        public_key: Vec<u8>,
        peer_id: Vec<u8>,
    ) -> Result<ValidatorProof<GovCtx>, SignError> {
        let sig = self.key.sign(&ValidatorProof::<GovCtx>::signing_bytes(
            &public_key,
            &peer_id,
        ));
        Ok(ValidatorProof::new(public_key, peer_id, sig))
    }
}
