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

/// The nodes of a built tree, as `jmt_nodes` rows (key bytes, node bytes), grouped by depth:
/// each group is in key order, and the groups in depth order are the whole set in key order.
pub(crate) struct Built {
    pub root: [u8; 32],
    pub levels: Vec<Vec<(Vec<u8>, Vec<u8>)>>,
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

/// Builds the tree of `leaves` at `version`. The leaves must be in strictly increasing key-hash
/// order; `None` if there are none (an empty tree has no nodes to build).
///
/// Uses two threads when there are many leaves: the root's children split in two halves.
pub(crate) fn build<H: SimpleHasher>(leaves: &[Leaf], version: Version) -> Result<Option<Built>> {
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
    let mut levels = Vec::new();
    let root = if leaves.len() < PARALLEL_FROM {
        subtree::<H>(leaves, 0, version, &mut levels)?
    } else {
        // The root's children, split between two threads at the middle leaf; the left half's
        // nodes come first at every depth, so appending the right half keeps key order.
        let groups = split_on_nibble(leaves, 0);
        let half = leaves.len().div_ceil(2);
        let mut seen = 0usize;
        let cut = groups
            .iter()
            .position(|(_, g)| {
                seen = seen.saturating_add(g.len());
                seen >= half
            })
            .map_or(groups.len(), |i| i.saturating_add(1));
        let (left, right) = groups.split_at(cut);
        let build_half = |half: &[(u8, &[Leaf])]| -> Result<(Vec<(u8, ChildRef)>, Levels)> {
            let mut levels = Vec::new();
            let mut refs = Vec::with_capacity(half.len());
            for (nibble, group) in half {
                refs.push((*nibble, subtree::<H>(group, 1, version, &mut levels)?));
            }
            Ok((refs, levels))
        };
        let (left, right) = std::thread::scope(|s| {
            let right = s.spawn(|| build_half(right));
            let left = build_half(left);
            let right = right
                .join()
                .map_err(|_| Error::Merkle("a tree-building thread panicked".into()));
            (left, right)
        });
        let (mut children, left_levels) = left?;
        let (right_children, right_levels) = right??;
        children.extend(right_children);
        levels = left_levels;
        for (depth, nodes) in right_levels.into_iter().enumerate() {
            level_at(&mut levels, depth)?.extend(nodes);
        }
        let first = leaves.first().map_or([0; 32], |l| l.key_hash);
        internal::<H>(&first, 0, &children, version, &mut levels)?
    };
    Ok(Some(Built {
        root: root.hash,
        levels,
    }))
}

type Levels = Vec<Vec<(Vec<u8>, Vec<u8>)>>;

/// Below this many leaves one thread builds the whole tree.
const PARALLEL_FROM: usize = 4096;

/// The nodes of the subtree holding `leaves` (all sharing their first `depth` nibbles), added to
/// `levels`; returns the subtree's root as its parent sees it.
fn subtree<H: SimpleHasher>(
    leaves: &[Leaf],
    depth: usize,
    version: Version,
    levels: &mut Levels,
) -> Result<ChildRef> {
    let Some(first) = leaves.first() else {
        return Err(Error::Merkle("an empty subtree".into()));
    };
    if leaves.len() == 1 {
        let leaf = LeafNode::new(KeyHash(first.key_hash), ValueHash(first.value_hash));
        let hash = leaf.hash::<H>();
        let bytes = borsh::to_vec(&Node::Leaf(leaf)).map_err(|e| Error::Merkle(e.to_string()))?;
        level_at(levels, depth)?.push((node_key(version, &first.key_hash, depth), bytes));
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
        children.push((nibble, subtree::<H>(group, next, version, levels)?));
    }
    internal::<H>(&first.key_hash, depth, &children, version, levels)
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

/// Makes the internal node at the first `depth` nibbles of `path` from its children (in nibble
/// order), adds it to `levels` and returns it as a child.
fn internal<H: SimpleHasher>(
    path: &[u8; 32],
    depth: usize,
    children: &[(u8, ChildRef)],
    version: Version,
    levels: &mut Levels,
) -> Result<ChildRef> {
    let bytes = internal_bytes(children, version)?;
    // The node is read back with jmt's own decoder, and hashed by jmt: a layout this function
    // got wrong fails here, not in a proof.
    let node: Node = borsh::from_slice(&bytes)
        .map_err(|e| Error::Merkle(format!("a built internal node does not decode: {e}")))?;
    let Node::Internal(inner) = &node else {
        return Err(Error::Merkle(
            "a built internal node decodes as another kind".into(),
        ));
    };
    let hash = inner.hash::<H>();
    let leaf_count = u64::try_from(inner.leaf_count()).map_err(|e| Error::Merkle(e.to_string()))?;
    level_at(levels, depth)?.push((node_key(version, path, depth), bytes));
    Ok(ChildRef {
        hash,
        leaf_count: Some(leaf_count),
    })
}

/// borsh of jmt's `Node::Internal`: the variant (1); sixteen `Option<Child>` slots, a child
/// being its hash, version (u64 LE) and `NodeType` (0 leaf, or 1 and a u64 leaf count); the
/// number of children; the leaves under the node.
fn internal_bytes(children: &[(u8, ChildRef)], version: Version) -> Result<Vec<u8>> {
    // The variant, 16 slots of at most 1 + 32 + 8 + 1 + 8 bytes, two counts.
    let mut out = Vec::with_capacity(1 + 16 * 50 + 16);
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
    Ok(out)
}

/// The `jmt_nodes` key of the node at the first `depth` nibbles of `path`: the version
/// big-endian, then borsh of jmt's `NibblePath` (nibble count as u64 LE, byte count as u32 LE,
/// the bytes with an odd path's last low nibble zero). Equal to `tables::node_key_bytes`.
fn node_key(version: Version, path: &[u8; 32], depth: usize) -> Vec<u8> {
    let bytes = path.get(..depth.div_ceil(2)).unwrap_or(path);
    // Version, nibble count, byte count, at most 32 bytes.
    let mut out = Vec::with_capacity(8 + 8 + 4 + 32);
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&(depth as u64).to_le_bytes());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
    if !depth.is_multiple_of(2)
        && let Some(last) = out.last_mut()
    {
        *last &= 0xf0;
    }
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

fn level_at(levels: &mut Levels, depth: usize) -> Result<&mut Vec<(Vec<u8>, Vec<u8>)>> {
    if levels.len() <= depth {
        levels.resize_with(depth.saturating_add(1), Vec::new);
    }
    levels
        .get_mut(depth)
        .ok_or_else(|| Error::Merkle("tree depth out of range".into()))
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
        let built = build::<sha2::Sha256>(&leaves, version)?
            .ok_or_else(|| Error::Merkle("no tree".into()))?;
        let rows: Vec<(Vec<u8>, Vec<u8>)> = built.levels.into_iter().flatten().collect();
        assert!(
            rows.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0)),
            "nodes come out in key order"
        );
        Ok((built.root, rows.into_iter().collect()))
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
        assert!(build::<sha2::Sha256>(&[leaf(2), leaf(1)], 0).is_err());
        assert!(build::<sha2::Sha256>(&[leaf(1), leaf(1)], 0).is_err());
        assert!(matches!(build::<sha2::Sha256>(&[], 0), Ok(None)));
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
