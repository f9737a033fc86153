//! Between Malachite's commit certificates and govchain's.

use crate::context::{Address, BlockId, GovCtx, Height, Signature, ValidatorSet};
use govchain_types::{CommitCertificate, CommitSignature, PublicKey, Signature as GovSig};
use malachitebft_core_types::{
    CommitCertificate as MCert, ExtendedCommitCertificate, ExtendedCommitSignature, Round,
};

/// govchain's certificate from Malachite's; `None` if a signer is not in the set.
pub fn from_malachite(c: &MCert<GovCtx>, validators: &ValidatorSet) -> Option<CommitCertificate> {
    let mut signatures = Vec::with_capacity(c.commit_signatures.len());
    for s in &c.commit_signatures {
        let v = validators.get(&s.address)?;
        signatures.push(CommitSignature {
            validator: PublicKey::Ed25519(*v.public_key.as_bytes()),
            signature: GovSig::Ed25519(s.signature.to_bytes()),
        });
    }
    Some(CommitCertificate {
        height: c.height.0,
        round: c.round.as_u32().unwrap_or(0),
        block_hash: c.value_id.hash(),
        signatures,
    })
}

/// Malachite's certificate (for sync) from govchain's; `None` if it is not Ed25519.
pub fn to_malachite(
    c: &CommitCertificate,
    validators: &ValidatorSet,
) -> Option<ExtendedCommitCertificate<GovCtx>> {
    let mut commit_signatures = Vec::with_capacity(c.signatures.len());
    for s in &c.signatures {
        let (PublicKey::Ed25519(key), GovSig::Ed25519(sig)) = (&s.validator, &s.signature) else {
            return None;
        };
        let address = Address::from_key_bytes(key);
        validators.get(&address)?;
        commit_signatures.push(ExtendedCommitSignature {
            address,
            signature: Signature::from_bytes(*sig),
            extension: None,
        });
    }
    commit_signatures.sort_by_key(|s| s.address);
    Some(ExtendedCommitCertificate {
        height: Height(c.height),
        round: Round::new(c.round),
        value_id: BlockId::from(c.block_hash),
        commit_signatures,
    })
}
