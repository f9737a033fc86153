//! State proofs: inclusion or exclusion of a key under the root of one height.

use crate::tables::{NODES, VERSIONS};
use crate::tree::{TreeTables, with_hasher};
use crate::{Error, Result, Store};
use borsh::{BorshDeserialize, BorshSerialize};
use govchain_types::{Hash, Height, Scheme};
use jmt::proof::SparseMerkleProof;
use jmt::{JellyfishMerkleTree, KeyHash, RootHash, SimpleHasher};
use serde::{Deserialize, Serialize};

/// A self-contained proof that `key` has `value` (or, with `None`, has no value) in the state
/// after `height`, whose root is `root`. Checked offline with [`StateProof::verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct StateProof {
    /// The chain's scheme: its hash is the tree's hash.
    pub scheme: Scheme,
    pub height: Height,
    #[serde(with = "hex::serde")]
    pub key: Vec<u8>,
    #[serde(with = "hex_opt")]
    pub value: Option<Vec<u8>>,
    pub root: Hash,
    /// borsh of jmt's `SparseMerkleProof` for the scheme's hasher.
    #[serde(with = "hex::serde")]
    pub proof: Vec<u8>,
}

impl StateProof {
    /// Checks that `trusted_root` is the root this proof is for, and that the Merkle path proves
    /// the inclusion of `key` with `value` (or its exclusion when `value` is `None`) under it.
    ///
    /// Pure: reads nothing but `self`. Malformed proof bytes are an error.
    pub fn verify(&self, trusted_root: &Hash) -> Result<()> {
        if *trusted_root != self.root {
            return Err(Error::RootMismatch {
                proof: self.root,
                trusted: *trusted_root,
            });
        }
        with_hasher!(self.scheme, H => self.verify_with::<H>())
    }

    fn verify_with<H: SimpleHasher>(&self) -> Result<()> {
        let proof: SparseMerkleProof<H> = borsh::from_slice(&self.proof)
            .map_err(|e| Error::InvalidProof(format!("malformed proof bytes: {e}")))?;
        proof
            .verify(
                RootHash(self.root.0),
                KeyHash(H::hash(&self.key)),
                self.value.as_deref(),
            )
            .map_err(|e| Error::InvalidProof(lowercase_first(&format!("{e:#}"))))
    }
}

/// jmt's messages start with a capital; ours do not.
fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Store {
    /// A proof of `key`'s value (or absence) in the state after `height`.
    pub fn proof(&self, key: &[u8], height: Height) -> Result<StateProof> {
        let snap = self.snapshot()?;
        let root = snap.root(height)?;
        let nodes = snap.txn.open_table(NODES)?;
        let versions = snap.txn.open_table(VERSIONS)?;
        let reader = TreeTables {
            nodes: &nodes,
            versions: &versions,
        };
        let (value, proof) = with_hasher!(self.scheme, H => {
            let tree = JellyfishMerkleTree::<_, H>::new(&reader);
            let (value, proof) = tree
                .get_with_proof(KeyHash(<H as SimpleHasher>::hash(key)), height)
                .map_err(Error::from_jmt)?;
            let bytes = borsh::to_vec(&proof).map_err(|e| Error::Merkle(e.to_string()))?;
            (value, bytes)
        });
        Ok(StateProof {
            scheme: self.scheme,
            height,
            key: key.to_vec(),
            value,
            root,
            proof,
        })
    }
}

/// `Option<Vec<u8>>` as hex or null.
pub(crate) mod hex_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(bytes) => s.serialize_some(&hex::encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| hex::decode(s).map_err(serde::de::Error::custom))
            .transpose()
    }
}
