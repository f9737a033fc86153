//! The Jellyfish Merkle tree over redb tables: jmt's `TreeReader`, and the hasher the scheme picks.

use crate::tables::{Bytes, StoredVersion, node_key_bytes};
use crate::{Error, Result};
use govchain_types::{Hash, Height, Scheme, Write, WriteSet};
use jmt::storage::{LeafNode, Node, NodeKey, TreeReader, TreeUpdateBatch};
use jmt::{JellyfishMerkleTree, KeyHash, OwnedValue, SimpleHasher, Version};
use redb::ReadableTable;

/// The chain hash of a scheme, as jmt's hasher: SHA-256 for Ed25519 chains, SM3 for SM2 chains.
macro_rules! with_hasher {
    ($scheme:expr, $h:ident => $body:expr) => {
        match $scheme {
            Scheme::Ed25519 => {
                type $h = sha2::Sha256;
                $body
            }
            Scheme::Sm2 => {
                type $h = sm3::Sm3;
                $body
            }
        }
    };
}
pub(crate) use with_hasher;

/// The key hash jmt files `key` under, with the scheme's hash.
pub(crate) fn key_hash(scheme: Scheme, key: &[u8]) -> [u8; 32] {
    with_hasher!(scheme, H => <H as SimpleHasher>::hash(key))
}

/// The tree's view of the store: its node table and its versioned values, read from one redb
/// transaction (a read snapshot, or the write transaction of a commit).
pub(crate) struct TreeTables<'a, N, V> {
    pub nodes: &'a N,
    pub versions: &'a V,
}

impl<N, V> TreeReader for TreeTables<'_, N, V>
where
    N: ReadableTable<Bytes, Bytes>,
    V: ReadableTable<([u8; 32], u64), Bytes>,
{
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        let Some(guard) = self
            .nodes
            .get(node_key_bytes(node_key).as_slice())
            .map_err(Error::from)?
        else {
            return Ok(None);
        };
        let node = borsh::from_slice(guard.value())
            .map_err(|e| Error::corrupt(format!("merkle node: {e}")))?;
        Ok(Some(node))
    }

    fn get_value_option(
        &self,
        max_version: Version,
        key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        Ok(version_at(self.versions, &key_hash.0, max_version)?.and_then(|(_, v)| v.value))
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        // Only jmt's state-sync restore asks for this; the store never restores a tree.
        Err(Error::Merkle("restoring a tree from chunks is not supported".into()).into())
    }
}

/// The newest version of `key_hash` at or below `height`, with the height it was written at.
pub(crate) fn version_at(
    versions: &impl ReadableTable<([u8; 32], u64), Bytes>,
    key_hash: &[u8; 32],
    height: Height,
) -> Result<Option<(Height, StoredVersion)>> {
    let mut range = versions.range((*key_hash, 0u64)..=(*key_hash, height))?;
    let Some(entry) = range.next_back() else {
        return Ok(None);
    };
    let (k, v) = entry?;
    let (_, written_at) = k.value();
    Ok(Some((written_at, StoredVersion::decode(v.value())?)))
}

/// A height's writes with their keys hashed, in key-hash order: what the tree and the
/// `versions` table are written from.
pub(crate) type HashedWrites<'a> = Vec<([u8; 32], &'a Write)>;

/// Hashes the keys of `writes` and sorts them by key hash.
pub(crate) fn hash_writes(scheme: Scheme, writes: &WriteSet) -> HashedWrites<'_> {
    let mut hashed: HashedWrites<'_> = writes
        .iter()
        .map(|(k, w)| (key_hash(scheme, k), w))
        .collect();
    hashed.sort_unstable_by_key(|(kh, _)| *kh);
    hashed
}

/// Applies one height's writes (hashed, in key-hash order) to the tree at version `height`;
/// returns the new root and the nodes to store.
///
/// jmt has two update paths that build the same tree: `batch_put_value_sets` walks the tree
/// once for the whole sorted batch (about 3× faster on large blocks) but takes neither
/// deletions nor an empty set; `put_value_set` inserts key by key and takes both (for an empty
/// set it copies the previous root to the new version, so every height has its root node).
pub(crate) fn apply<R: TreeReader>(
    scheme: Scheme,
    reader: &R,
    writes: &[([u8; 32], &Write)],
    height: Height,
) -> Result<(Hash, TreeUpdateBatch)> {
    let inserts_only = writes.iter().all(|(_, w)| w.value.is_some());
    with_hasher!(scheme, H => {
        let tree = JellyfishMerkleTree::<R, H>::new(reader);
        if inserts_only && !writes.is_empty() {
            let set: Vec<(KeyHash, OwnedValue)> = writes
                .iter()
                .filter_map(|(kh, w)| Some((KeyHash(*kh), w.value.clone()?)))
                .collect();
            let (roots, batch) = tree
                .batch_put_value_sets(vec![set], None, height)
                .map_err(Error::from_jmt)?;
            let root = roots
                .first()
                .ok_or_else(|| Error::Merkle("the tree returned no root".into()))?;
            Ok((Hash(root.0), batch))
        } else {
            let set = writes.iter().map(|(kh, w)| (KeyHash(*kh), w.value.clone()));
            let (root, batch) = tree.put_value_set(set, height).map_err(Error::from_jmt)?;
            Ok((Hash(root.0), batch))
        }
    })
}
