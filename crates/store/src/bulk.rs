//! Building a tree from nothing in one pass: the genesis state, whose keys all arrive at once
//! into an empty tree.
//!
//! jmt's update paths walk down from the root for every key, keeping each touched node in maps,
//! and for millions of keys into an empty tree that walk is most of the commit. Here the leaves,
//! sorted by key hash, are split on their next nibble, level by level, and every node is made
//! once, bottom-up — as jmt's own state-sync restore does. The nodes are jmt's (its borsh
//! encoding, its hashing through `LeafNode::hash` and `InternalNode::hash`): the tree jmt later
//! reads, proves and updates is the one its update path would have made, node for node (tested
//! against it).

use crate::{Error, Result};
use jmt::storage::{LeafNode, Node};
use jmt::{KeyHash, SimpleHasher, ValueHash, Version};

/// A leaf to place: the hashes of its key and of its value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Leaf {
    pub key_hash: [u8; 32],
    pub value_hash: [u8; 32],
}

/// Nodes as `jmt_nodes` rows (key bytes, node bytes), kept in two buffers rather than two
/// allocations per node.
#[derive(Default)]
pub(crate) struct Rows {
    keys: Vec<u8>,
    key_ends: Vec<usize>,
    nodes: Vec<u8>,
    node_ends: Vec<usize>,
}

impl Rows {
    fn push(&mut self, key: &[u8], node: &[u8]) {
        self.keys.extend_from_slice(key);
        self.key_ends.push(self.keys.len());
        self.nodes.extend_from_slice(node);
        self.node_ends.push(self.nodes.len());
    }

    /// The rows, in the order they were made.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        spans(&self.key_ends)
            .zip(spans(&self.node_ends))
            .map(|((ka, kb), (na, nb))| {
                (
                    self.keys.get(ka..kb).unwrap_or_default(),
                    self.nodes.get(na..nb).unwrap_or_default(),
                )
            })
    }
}

/// The (start, end) of each item of a buffer, from the items' ends.
fn spans(ends: &[usize]) -> impl Iterator<Item = (usize, usize)> + '_ {
    std::iter::once(0)
        .chain(ends.iter().copied())
        .zip(ends.iter().copied())
}

/// What a parent needs to know of a child.
#[derive(Clone, Copy)]
struct ChildRef {
    hash: [u8; 32],
    /// `None` for a leaf, else the leaves under it.
    leaf_count: Option<u64>,
}

/// How many nibbles a key hash has: the deepest a node can sit.
const MAX_DEPTH: usize = 64;

/// Below this many leaves the tree is built in one piece on the calling thread.
const PIPELINE_FROM: usize = 4096;

/// Builds the tree of `leaves` at `version`, handing its nodes to `sink` piece by piece, and
/// returns its root; `None` if there are no leaves (an empty tree has no nodes to build). The
/// leaves must be in strictly increasing key-hash order.
///
/// Nodes come in key order (children before their parent), so `sink` appends to the table. A
/// large tree is built one subtree of the root at a time on a second thread, while `sink` stores
/// the subtree before on this one; the root node comes last.
pub(crate) fn build<H: SimpleHasher>(
    leaves: &[Leaf],
    version: Version,
    sink: &mut dyn FnMut(&Rows) -> Result<()>,
) -> Result<Option<[u8; 32]>> {
    if leaves.is_empty() {
        return Ok(None);
    }
    if leaves
        .windows(2)
        .any(|w| matches!(w, [a, b] if a.key_hash >= b.key_hash))
    {
        return Err(Error::Merkle(
            "the leaves of a new tree are not in strictly increasing key-hash order".into(),
        ));
    }
    let mut builder = Builder::<H>::new(version);
    if leaves.len() < PIPELINE_FROM {
        let root = builder.subtree(leaves, 0)?;
        sink(&builder.rows)?;
        return Ok(Some(root.hash));
    }
    let groups = split_on_nibble(leaves, 0);
    // Two pieces ahead at most: storing is the slower side, and a piece at ten million keys
    // is a few hundred megabytes.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(u8, ChildRef, Rows)>>(2);
    let children = std::thread::scope(|scope| -> Result<Vec<(u8, ChildRef)>> {
        let worker = std::thread::Builder::new().name("tree-builder".into());
        worker.spawn_scoped(scope, move || {
            for (nibble, group) in groups {
                let mut b = Builder::<H>::new(version);
                let built = b.subtree(group, 1).map(|child| (nibble, child, b.rows));
                let failed = built.is_err();
                if tx.send(built).is_err() || failed {
                    return;
                }
            }
        })?;
        let mut children = Vec::with_capacity(16);
        for built in rx {
            let (nibble, child, rows) = built?;
            sink(&rows)?;
            children.push((nibble, child));
        }
        Ok(children)
    })?;
    let first = leaves.first().map_or([0; 32], |l| l.key_hash);
    let root = builder.internal(&first, 0, &children)?;
    sink(&builder.rows)?;
    Ok(Some(root.hash))
}

/// Makes nodes into `rows`, children before their parent (the `jmt_nodes` key order), with one
/// scratch buffer for their encodings.
struct Builder<H> {
    version: Version,
    rows: Rows,
    scratch: Vec<u8>,
    hasher: std::marker::PhantomData<H>,
}

impl<H: SimpleHasher> Builder<H> {
    fn new(version: Version) -> Self {
        Self {
            version,
            rows: Rows::default(),
            scratch: Vec::with_capacity(1024),
            hasher: std::marker::PhantomData,
        }
    }

    /// The nodes of the subtree holding `leaves` (all sharing their first `depth` nibbles);
    /// returns the subtree's root as its parent sees it.
    fn subtree(&mut self, leaves: &[Leaf], depth: usize) -> Result<ChildRef> {
        let Some(first) = leaves.first() else {
            return Err(Error::Merkle("an empty subtree".into()));
        };
        if leaves.len() == 1 {
            let leaf = LeafNode::new(KeyHash(first.key_hash), ValueHash(first.value_hash));
            let hash = leaf.hash::<H>();
            self.scratch.clear();
            borsh::to_writer(&mut self.scratch, &Node::Leaf(leaf))
                .map_err(|e| Error::Merkle(e.to_string()))?;
            let key = node_key(self.version, &first.key_hash, depth);
            self.rows.push(&key, &self.scratch);
            return Ok(ChildRef {
                hash,
                leaf_count: None,
            });
        }
        if depth >= MAX_DEPTH {
            return Err(Error::Merkle("two leaves with one key hash".into()));
        }
        let mut children = Vec::with_capacity(16);
        for (nibble, group) in split_on_nibble(leaves, depth) {
            let next = depth.saturating_add(1);
            children.push((nibble, self.subtree(group, next)?));
        }
        self.internal(&first.key_hash, depth, &children)
    }

    /// Makes the internal node at the first `depth` nibbles of `path` from its children (in
    /// nibble order) and returns it as a child.
    fn internal(
        &mut self,
        path: &[u8; 32],
        depth: usize,
        children: &[(u8, ChildRef)],
    ) -> Result<ChildRef> {
        internal_bytes(children, self.version, &mut self.scratch)?;
        // The node is read back with jmt's own decoder, and hashed by jmt: a layout this module
        // got wrong fails here, not in a proof.
        let node: Node = borsh::from_slice(&self.scratch)
            .map_err(|e| Error::Merkle(format!("a built internal node does not decode: {e}")))?;
        let Node::Internal(inner) = &node else {
            return Err(Error::Merkle(
                "a built internal node decodes as another kind".into(),
            ));
        };
        let hash = inner.hash::<H>();
        let leaf_count =
            u64::try_from(inner.leaf_count()).map_err(|e| Error::Merkle(e.to_string()))?;
        let key = node_key(self.version, path, depth);
        self.rows.push(&key, &self.scratch);
        Ok(ChildRef {
            hash,
            leaf_count: Some(leaf_count),
        })
    }
}

/// The sorted leaves, in runs sharing the nibble at `depth`.
fn split_on_nibble(leaves: &[Leaf], depth: usize) -> Vec<(u8, &[Leaf])> {
    let mut out = Vec::with_capacity(16);
    let mut rest = leaves;
    while let Some(first) = rest.first() {
        let n = nibble(&first.key_hash, depth);
        let end = rest.partition_point(|l| nibble(&l.key_hash, depth) == n);
        let (group, tail) = rest.split_at(end);
        out.push((n, group));
        rest = tail;
    }
    out
}

/// borsh of jmt's `Node::Internal`: the variant (1); sixteen `Option<Child>` slots, a child
/// being its hash, version (u64 LE) and `NodeType` (0 leaf, or 1 and a u64 leaf count); the
/// number of children; the leaves under the node.
fn internal_bytes(children: &[(u8, ChildRef)], version: Version, out: &mut Vec<u8>) -> Result<()> {
    out.clear();
    out.push(1u8);
    let mut slots = children.iter().peekable();
    let mut leaves = 0u64;
    for n in 0u8..16 {
        match slots.next_if(|(c, _)| *c == n) {
            None => out.push(0),
            Some((_, child)) => {
                out.push(1);
                out.extend_from_slice(&child.hash);
                out.extend_from_slice(&version.to_le_bytes());
                let under = match child.leaf_count {
                    None => {
                        out.push(0);
                        1
                    }
                    Some(count) => {
                        out.push(1);
                        out.extend_from_slice(&count.to_le_bytes());
                        count
                    }
                };
                leaves = leaves
                    .checked_add(under)
                    .ok_or_else(|| Error::Merkle("too many leaves".into()))?;
            }
        }
    }
    if slots.next().is_some() {
        return Err(Error::Merkle("children out of nibble order".into()));
    }
    let count = u64::try_from(children.len()).map_err(|e| Error::Merkle(e.to_string()))?;
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&leaves.to_le_bytes());
    Ok(())
}

/// The `jmt_nodes` key of the node at the first `depth` nibbles of `path`: equal to
/// `tables::node_key_bytes`.
fn node_key(version: Version, path: &[u8; 32], depth: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + MAX_DEPTH + 1);
    out.extend_from_slice(&version.to_be_bytes());
    out.extend((0..depth.min(MAX_DEPTH)).map(|i| nibble(path, i)));
    out.push(crate::tables::NODE_KEY_END);
    out
}

/// The nibble of `hash` at `index` (0 is the high half of the first byte).
fn nibble(hash: &[u8; 32], index: usize) -> u8 {
    let byte = hash.get(index / 2).copied().unwrap_or(0);
    if index.is_multiple_of(2) {
        byte >> 4
    } else {
        byte & 0x0f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::node_key_bytes;
    use jmt::storage::{NodeKey, TreeReader};
    use jmt::{JellyfishMerkleTree, OwnedValue};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// An empty tree: all jmt reads when it inserts into nothing.
    struct Empty;

    impl TreeReader for Empty {
        fn get_node_option(&self, _: &NodeKey) -> anyhow::Result<Option<Node>> {
            Ok(None)
        }
        fn get_value_option(&self, _: Version, _: KeyHash) -> anyhow::Result<Option<OwnedValue>> {
            Ok(None)
        }
        fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
            Ok(None)
        }
    }

    /// A tree's root and its `jmt_nodes` rows.
    type Tree = ([u8; 32], BTreeMap<Vec<u8>, Vec<u8>>);

    /// The tree jmt's update path makes of `entries` at `version`.
    fn by_jmt(entries: &BTreeMap<[u8; 32], Vec<u8>>, version: Version) -> Tree {
        let tree = JellyfishMerkleTree::<_, sha2::Sha256>::new(&Empty);
        let set = entries
            .iter()
            .map(|(k, v)| (KeyHash(*k), v.clone()))
            .collect();
        let (roots, batch) = tree
            .batch_put_value_sets(vec![set], None, version)
            .unwrap_or_else(|e| unreachable!("jmt refused a set: {e}"));
        let nodes = batch
            .node_batch
            .nodes()
            .iter()
            .map(|(k, n)| {
                let bytes = borsh::to_vec(n).unwrap_or_default();
                (node_key_bytes(k), bytes)
            })
            .collect();
        (roots.first().map_or([0; 32], |r| r.0), nodes)
    }

    fn by_bulk(entries: &BTreeMap<[u8; 32], Vec<u8>>, version: Version) -> Result<Tree> {
        let leaves: Vec<Leaf> = entries
            .iter()
            .map(|(k, v)| Leaf {
                key_hash: *k,
                value_hash: <sha2::Sha256 as SimpleHasher>::hash(v),
            })
            .collect();
        let mut rows: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let root = build::<sha2::Sha256>(&leaves, version, &mut |piece| {
            rows.extend(piece.iter().map(|(k, n)| (k.to_vec(), n.to_vec())));
            Ok(())
        })?
        .ok_or_else(|| Error::Merkle("no tree".into()))?;
        // Every node once, all in key order: the table is only appended to.
        assert!(rows.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0)));
        let rows: BTreeMap<_, _> = rows.into_iter().collect();
        Ok((root, rows))
    }

    /// Entries whose key hashes are the SHA-256 of counters, with values of a few sizes.
    fn entries(n: u64) -> BTreeMap<[u8; 32], Vec<u8>> {
        (0..n)
            .map(|i| {
                let kh = <sha2::Sha256 as SimpleHasher>::hash(i.to_be_bytes());
                (
                    kh,
                    vec![u8::try_from(i % 251).unwrap_or(0); (i % 7) as usize],
                )
            })
            .collect()
    }

    #[test]
    fn the_built_tree_is_jmts_node_for_node() -> Result<()> {
        // One leaf (a leaf at the root), a few, and enough for two threads.
        for n in [1, 2, 3, 17, 300, 4_095, 4_096, 20_000] {
            let e = entries(n);
            assert_eq!(by_bulk(&e, 0)?, by_jmt(&e, 0), "{n} leaves");
        }
        Ok(())
    }

    #[test]
    fn leaves_sharing_long_prefixes_make_the_same_chains_as_jmt() -> Result<()> {
        // Key hashes that agree on their first 30 bytes: chains of one-child internal nodes.
        let mut e = BTreeMap::new();
        for last in [0x00u8, 0x01, 0x10, 0xff] {
            for second_last in [0u8, 0x80] {
                let mut kh = [0xabu8; 32];
                kh[30] = second_last;
                kh[31] = last;
                e.insert(kh, vec![last]);
            }
        }
        assert_eq!(by_bulk(&e, 0)?, by_jmt(&e, 0));
        Ok(())
    }

    #[test]
    fn unsorted_or_repeated_leaves_are_refused() {
        let leaf = |b: u8| Leaf {
            key_hash: [b; 32],
            value_hash: [0; 32],
        };
        let mut sink = |_: &Rows| Ok(());
        assert!(build::<sha2::Sha256>(&[leaf(2), leaf(1)], 0, &mut sink).is_err());
        assert!(build::<sha2::Sha256>(&[leaf(1), leaf(1)], 0, &mut sink).is_err());
        assert!(matches!(build::<sha2::Sha256>(&[], 0, &mut sink), Ok(None)));
    }

    proptest! {
        #[test]
        fn any_set_builds_jmts_tree(
            keys in proptest::collection::btree_map(any::<[u8; 32]>(), any::<Vec<u8>>(), 1..200)
        ) {
            prop_assert_eq!(by_bulk(&keys, 0).map_err(|e| TestCaseError::fail(e.to_string()))?, by_jmt(&keys, 0));
        }
    }
}
