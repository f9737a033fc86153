//! Merkle tree hash of RFC 6962 (Certificate Transparency), §2.1.

use crate::hash::{hash, hash_parts};
use govchain_types::{Hash, Scheme};

/// Prefix of a leaf's hash input, RFC 6962 §2.1.
const LEAF_PREFIX: u8 = 0x00;
/// Prefix of an interior node's hash input, RFC 6962 §2.1.
const NODE_PREFIX: u8 = 0x01;

/// The Merkle tree hash of `leaves` (RFC 6962 §2.1), with the chain hash of `scheme`:
///
/// - no leaves: `H("")`;
/// - one leaf `d`: `H(0x00 ‖ d)`;
/// - `n > 1` leaves: `H(0x01 ‖ MTH(D[0..k]) ‖ MTH(D[k..n]))` where `k` is the largest power of
///   two smaller than `n`.
///
/// The prefixes keep a leaf from passing for a node (second-preimage resistance). Header's
/// `tx_root` is this root over the full hashes ([`crate::tx_hash`]) of the block's
/// transactions in order.
pub fn merkle_root(scheme: Scheme, leaves: &[Hash]) -> Hash {
    root_of_leaf_hashes(
        scheme,
        leaves
            .iter()
            .map(|leaf| leaf_hash(scheme, leaf.as_bytes()))
            .collect(),
    )
}

/// `H(0x00 ‖ data)`.
pub(crate) fn leaf_hash(scheme: Scheme, data: &[u8]) -> Hash {
    hash_parts(scheme, &[&[LEAF_PREFIX], data])
}

/// `H(0x01 ‖ left ‖ right)`.
fn node_hash(scheme: Scheme, left: &Hash, right: &Hash) -> Hash {
    hash_parts(scheme, &[&[NODE_PREFIX], left.as_bytes(), right.as_bytes()])
}

/// Folds the level of leaf hashes up to the root, bottom up: adjacent nodes are paired left to
/// right and a lone last node moves up unchanged. This builds the same left-balanced tree as
/// the recursive split of RFC 6962 §2.1 (the left subtree of every node is the largest perfect
/// tree that fits), without recursion; the tests check it against the recursive definition.
pub(crate) fn root_of_leaf_hashes(scheme: Scheme, mut level: Vec<Hash>) -> Hash {
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut nodes = level.into_iter();
        while let Some(left) = nodes.next() {
            next.push(match nodes.next() {
                Some(right) => node_hash(scheme, &left, &right),
                None => left,
            });
        }
        level = next;
    }
    match level.as_slice() {
        [root] => *root,
        _ => hash(scheme, b""),
    }
}

#[cfg(test)]
#[allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "the reference model is RFC 6962 written literally; it runs in tests only"
)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 6962 §2.1 written out literally: the reference the fast version is checked against.
    fn reference_mth(scheme: Scheme, leaves: &[&[u8]]) -> Hash {
        let n = leaves.len();
        match n {
            0 => hash(scheme, b""),
            1 => hash_parts(scheme, &[&[0x00], leaves[0]]),
            _ => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                let left = reference_mth(scheme, &leaves[..k]);
                let right = reference_mth(scheme, &leaves[k..]);
                hash_parts(scheme, &[&[0x01], &left.0, &right.0])
            }
        }
    }

    /// The test vectors of the Certificate Transparency reference implementation (its Merkle
    /// tree tests' leaves and `kSHA256Roots`, also in transparency-dev/merkle `testonly`): the
    /// SHA-256 roots of the first `n` of eight leaves, for `n` = 0 to 8.
    #[test]
    fn certificate_transparency_vectors() {
        let leaves: [&[u8]; 8] = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57",
            b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
        ];
        let roots = [
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        for (n, root) in roots.iter().enumerate() {
            let expected: Hash = root.parse().unwrap();
            let level = leaves[..n]
                .iter()
                .map(|leaf| leaf_hash(Scheme::Ed25519, leaf))
                .collect();
            assert_eq!(
                root_of_leaf_hashes(Scheme::Ed25519, level),
                expected,
                "{n} leaves"
            );
            assert_eq!(
                reference_mth(Scheme::Ed25519, &leaves[..n]),
                expected,
                "{n} leaves"
            );
        }
    }

    #[test]
    fn small_trees_by_hand() {
        let s = Scheme::Sm2;
        let [a, b, c] = [hash(s, b"a"), hash(s, b"b"), hash(s, b"c")];
        let la = leaf_hash(s, &a.0);
        let lb = leaf_hash(s, &b.0);
        let lc = leaf_hash(s, &c.0);
        assert_eq!(merkle_root(s, &[]), hash(s, b""));
        assert_eq!(merkle_root(s, &[a]), la);
        assert_eq!(merkle_root(s, &[a, b]), node_hash(s, &la, &lb));
        // n = 3 splits at k = 2: ((a, b), c).
        assert_eq!(
            merkle_root(s, &[a, b, c]),
            node_hash(s, &node_hash(s, &la, &lb), &lc)
        );
        // Order matters.
        assert_ne!(merkle_root(s, &[a, b]), merkle_root(s, &[b, a]));
    }

    proptest! {
        #[test]
        fn matches_the_recursive_definition(
            ids in proptest::collection::vec(any::<[u8; 32]>(), 0..70),
            sm2 in any::<bool>(),
        ) {
            let scheme = if sm2 { Scheme::Sm2 } else { Scheme::Ed25519 };
            let leaves: Vec<Hash> = ids.iter().copied().map(Hash).collect();
            let slices: Vec<&[u8]> = ids.iter().map(|id| id.as_slice()).collect();
            prop_assert_eq!(merkle_root(scheme, &leaves), reference_mth(scheme, &slices));
        }
    }
}
