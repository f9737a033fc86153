//! Commit certificates: more than two thirds of the voting power signed a block.

use crate::error::{CryptoError, Result};
use crate::keys::Signer;
use crate::verify::BatchVerifier;
use govchain_types::{
    CommitCertificate, CommitSignature, GenesisValidator, Hash, Height, PublicKey, Scheme,
};
use std::collections::{BTreeMap, BTreeSet};

/// A validator's vote for `block_hash` at `height` and `round` of chain `chain_id`.
///
/// Consensus keys are Ed25519 on every chain; a signer of another scheme makes a signature
/// that [`verify_commit`] refuses.
pub fn sign_commit(
    chain_id: &str,
    height: Height,
    round: u32,
    block_hash: &Hash,
    key: &impl Signer,
) -> CommitSignature {
    let msg = CommitCertificate::signing_bytes(chain_id, height, round, block_hash);
    CommitSignature {
        validator: key.public_key(),
        signature: key.sign(&msg),
    }
}

/// Checks that `cert` proves a decision of `validators` on chain `chain_id`: every signature
/// is by a distinct member of the set and verifies over [`CommitCertificate::signing_bytes`],
/// and the signers hold more than two thirds of the set's voting power (the Tendermint commit
/// rule, arXiv:1807.04938 §4).
///
/// Validator keys are Ed25519 whatever the chain's `scheme` (see [`GenesisValidator`]), so the
/// scheme changes nothing here; it is taken so every call site names the chain it checks. A
/// certificate with any bad signature is refused, even if the good ones would be enough.
pub fn verify_commit(
    _scheme: Scheme,
    chain_id: &str,
    validators: &[GenesisValidator],
    cert: &CommitCertificate,
) -> Result<()> {
    let mut powers: BTreeMap<&PublicKey, u64> = BTreeMap::new();
    let mut total: u128 = 0;
    for v in validators {
        if v.key.scheme() != Scheme::Ed25519 {
            return Err(CryptoError::SchemeMismatch {
                what: "a validator key",
                expected: Scheme::Ed25519,
                found: v.key.scheme(),
            });
        }
        if powers.insert(&v.key, v.power).is_some() {
            return Err(CryptoError::DuplicateValidator(v.key.clone()));
        }
        total = total
            .checked_add(u128::from(v.power))
            .ok_or(CryptoError::PowerOverflow)?;
    }

    let msg = CommitCertificate::signing_bytes(chain_id, cert.height, cert.round, &cert.block_hash);
    let mut signers = BTreeSet::new();
    let mut signed: u128 = 0;
    let mut batch = BatchVerifier::new();
    for vote in &cert.signatures {
        let power = powers
            .get(&vote.validator)
            .ok_or_else(|| CryptoError::UnknownValidator(vote.validator.clone()))?;
        if !signers.insert(&vote.validator) {
            return Err(CryptoError::DuplicateSigner(vote.validator.clone()));
        }
        signed = signed
            .checked_add(u128::from(*power))
            .ok_or(CryptoError::PowerOverflow)?;
        batch.push(&vote.validator, &msg, &vote.signature);
    }

    // signed > 2/3 · total, in integers: 3 · signed > 2 · total.
    let enough = signed.checked_mul(3).ok_or(CryptoError::PowerOverflow)?
        > total.checked_mul(2).ok_or(CryptoError::PowerOverflow)?;
    if !enough {
        return Err(CryptoError::NotEnoughPower { signed, total });
    }

    let mut results = batch.verify().into_iter();
    for vote in &cert.signatures {
        // A missing result would be a bug in the batch; it fails closed like a bad signature.
        if !matches!(results.next(), Some(Ok(()))) {
            return Err(CryptoError::BadCommitSignature(vote.validator.clone()));
        }
    }
    Ok(())
}
