//! The chain hash: SHA-256 on Ed25519 chains, SM3 (GB/T 32905-2016) on SM2 chains.

use govchain_types::{GenesisValidator, Hash, Header, Scheme, Tx, TxBody, encode};
use sha2::{Digest, Sha256};
use sm3::Sm3;

/// An incremental chain hash, for callers that feed data in pieces.
#[derive(Clone)]
pub struct Hasher(Inner);

#[derive(Clone)]
enum Inner {
    Sha256(Sha256),
    Sm3(Sm3),
}

impl Hasher {
    /// A hasher of the hash that goes with `scheme`.
    pub fn new(scheme: Scheme) -> Self {
        Self(match scheme {
            Scheme::Ed25519 => Inner::Sha256(Sha256::new()),
            Scheme::Sm2 => Inner::Sm3(Sm3::new()),
        })
    }

    /// Feeds `data`; feeding `a` then `b` is the same as feeding `a‖b`.
    pub fn update(&mut self, data: &[u8]) -> &mut Self {
        match &mut self.0 {
            Inner::Sha256(h) => h.update(data),
            Inner::Sm3(h) => h.update(data),
        }
        self
    }

    /// The digest of everything fed.
    pub fn finalize(self) -> Hash {
        Hash(match self.0 {
            Inner::Sha256(h) => h.finalize().into(),
            Inner::Sm3(h) => h.finalize().into(),
        })
    }
}

/// The chain hash of `data`: SHA-256 for [`Scheme::Ed25519`] chains, SM3 for [`Scheme::Sm2`].
pub fn hash(scheme: Scheme, data: &[u8]) -> Hash {
    hash_parts(scheme, &[data])
}

/// Domain separation for the hashes that secret registries keep on chain.
pub const SECRET_COMMITMENT_DOMAIN: &[u8] = b"govchain/secret/v1\0";

/// The hash a secret registry keeps for a value held off chain: the chain hash of a domain tag,
/// the salt and the value. The salt (random, kept with the value by the owning department)
/// stops anyone from finding a guessable value (an ID number, a date) by hashing candidates.
pub fn secret_commitment(scheme: Scheme, salt: &[u8], value: &[u8]) -> Hash {
    let len = u64::try_from(salt.len()).unwrap_or(u64::MAX).to_be_bytes();
    hash_parts(scheme, &[SECRET_COMMITMENT_DOMAIN, &len, salt, value])
}

/// The chain hash of the concatenation of `parts`, without building the concatenation.
pub fn hash_parts(scheme: Scheme, parts: &[&[u8]]) -> Hash {
    let mut h = Hasher::new(scheme);
    for part in parts {
        h.update(part);
    }
    h.finalize()
}

/// A transaction's id: the chain hash of its signing bytes, so the id does not depend on the
/// signature (see [`govchain_types::Tx`]).
pub fn tx_id(scheme: Scheme, body: &TxBody) -> Hash {
    hash(scheme, &body.signing_bytes())
}

/// A transaction's full hash: the chain hash of its whole canonical encoding, body *and*
/// signature. These are the leaves of a header's `tx_root`, so the header commits to the exact
/// bytes a block carries (the id, which leaves the signature out, would not).
pub fn tx_hash(scheme: Scheme, tx: &Tx) -> Hash {
    hash(scheme, &tx.encode())
}

/// A block's hash: the chain hash of its header's canonical encoding.
pub fn block_hash(scheme: Scheme, header: &Header) -> Hash {
    hash(scheme, &header.encode())
}

/// The hash of a validator set: the chain hash of the canonical encoding of the list, in order.
pub fn validator_set_hash(scheme: Scheme, validators: &[GenesisValidator]) -> Hash {
    hash(scheme, &encode(&validators))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_hash(s: &str) -> Hash {
        s.parse().unwrap()
    }

    // SM3 examples of GB/T 32905-2016 Appendix A (the same as GM/T 0004-2012 Appendix A).
    #[test]
    fn sm3_known_answers() {
        assert_eq!(
            hash(Scheme::Sm2, b"abc"),
            hex_hash("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        );
        assert_eq!(
            hash(Scheme::Sm2, "abcd".repeat(16).as_bytes()),
            hex_hash("debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
        );
    }

    // FIPS 180-2 Appendix B.1: SHA-256("abc").
    #[test]
    fn sha256_known_answer() {
        assert_eq!(
            hash(Scheme::Ed25519, b"abc"),
            hex_hash("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
    }

    #[test]
    fn parts_hash_as_their_concatenation() {
        for scheme in [Scheme::Ed25519, Scheme::Sm2] {
            let whole = hash(scheme, b"govchain/tx/v1\0payload");
            assert_eq!(
                hash_parts(scheme, &[b"govchain/", b"tx/v1\0", b"", b"payload"]),
                whole
            );
            let mut h = Hasher::new(scheme);
            h.update(b"govchain/tx/v1").update(b"\0payload");
            assert_eq!(h.finalize(), whole);
            assert_eq!(hash_parts(scheme, &[]), hash(scheme, b""));
        }
        assert_ne!(hash(Scheme::Ed25519, b"x"), hash(Scheme::Sm2, b"x"));
    }
}
