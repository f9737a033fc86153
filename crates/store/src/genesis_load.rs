//! A genesis state loaded in chunks, for an initial load too large for one write set (the
//! records of snapshot files, streamed).
//!
//! - Each chunk's keys go into the `keys` table as it comes (chunks follow their file, so these
//!   are mostly appends). Its versions wait, encoded, beside their key and value hashes: about
//!   200 bytes per state key stay in memory until the end.
//! - At the end everything is sorted by key hash once: the `versions` table is then written front
//!   to back, and the Merkle tree is built in one pass ([`crate::bulk`]) and appended to
//!   `jmt_nodes` as it is built. (Written as the chunks came, versions land all over the
//!   key-hash-ordered table; at ten million records that random writing was three quarters of the
//!   load.)
//!
//! The whole load is one redb write transaction, committed durably with height 0: a load
//! dropped, failed or cut short by a crash leaves the store as empty as it found it. The store
//! takes no other write while a load is open.

use crate::bulk;
use crate::commit::{CommitInput, insert_batch};
use crate::tables::{KEYS, NODES, ROOTS, SYS, StoredVersionRef, VERSIONS};
use crate::tree::{TreeTables, apply, key_hash, with_hasher};
use crate::{Error, Result, Store, begin_write};
use govchain_types::{Hash, Scheme, WriteSet};
use jmt::SimpleHasher;
use redb::ReadableDatabase;

/// A genesis load in progress: see the module documentation.
pub struct GenesisLoad<'s> {
    store: &'s Store,
    txn: redb::WriteTransaction,
    /// Every key written so far, in load order.
    pending: Vec<Pending>,
    /// The encoded versions of the chunks, one buffer per chunk.
    arenas: Vec<Vec<u8>>,
}

/// A key written by a genesis load: its hash, its value's hash (`None`: deleted) and where its
/// encoded version is.
#[derive(Clone, Copy)]
struct Pending {
    key_hash: [u8; 32],
    value_hash: Option<[u8; 32]>,
    arena: u32,
    start: u32,
    len: u32,
}

/// A chunk of a genesis load, hashed and encoded: the part of writing it that needs no store, which
/// may be made on any thread.
pub struct GenesisChunk {
    scheme: Scheme,
    /// The chunk's keys, in key order.
    keys: Vec<Vec<u8>>,
    entries: Vec<Pending>,
    arena: Vec<u8>,
}

impl GenesisChunk {
    /// Hashes and encodes `writes` with the hash of `scheme` (the store's).
    pub fn new(scheme: Scheme, writes: WriteSet) -> Result<Self> {
        let mut arena = Vec::new();
        let mut entries = Vec::with_capacity(writes.len());
        let offset = |n: usize| {
            u32::try_from(n).map_err(|_| Error::Merkle("a genesis chunk too large".into()))
        };
        for (key, write) in &writes {
            let start = arena.len();
            StoredVersionRef {
                value: write.value.as_deref(),
                tx_index: write.tx_index,
            }
            .encode_after(&mut arena)?;
            entries.push(Pending {
                key_hash: key_hash(scheme, key),
                value_hash: write
                    .value
                    .as_ref()
                    .map(|v| with_hasher!(scheme, H => <H as SimpleHasher>::hash(v))),
                arena: 0,
                start: offset(start)?,
                len: offset(arena.len().saturating_sub(start))?,
            });
        }
        Ok(Self {
            scheme,
            keys: writes.into_keys().collect(),
            entries,
            arena,
        })
    }

    /// The chunk's writes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Store {
    /// Begins loading the genesis state chunk by chunk. The store must be empty.
    pub fn begin_genesis_load(&self) -> Result<GenesisLoad<'_>> {
        let txn = begin_write(&self.db)?;
        if let Some(latest) = crate::tables::latest(&txn.open_table(SYS)?)? {
            return Err(Error::OutOfOrder {
                expected: latest.saturating_add(1),
                got: 0,
            });
        }
        Ok(GenesisLoad {
            store: self,
            txn,
            pending: Vec::new(),
            arenas: Vec::new(),
        })
    }
}

impl GenesisLoad<'_> {
    /// Writes a chunk of the genesis state. A key written again, in this chunk or a later one,
    /// takes the later value.
    pub fn write(&mut self, writes: &WriteSet) -> Result<()> {
        self.write_chunk(GenesisChunk::new(self.store.scheme, writes.clone())?)
    }

    /// Writes a chunk prepared beforehand, on any thread.
    pub fn write_chunk(&mut self, chunk: GenesisChunk) -> Result<()> {
        if chunk.scheme != self.store.scheme {
            return Err(Error::SchemeMismatch {
                stored: self.store.scheme,
                requested: chunk.scheme,
            });
        }
        let arena = u32::try_from(self.arenas.len())
            .map_err(|_| Error::Merkle("too many genesis chunks".into()))?;
        let mut keys = self.txn.open_table(KEYS)?;
        for key in &chunk.keys {
            keys.insert(key.as_slice(), 0)?;
        }
        self.pending
            .extend(chunk.entries.into_iter().map(|e| Pending { arena, ..e }));
        self.arenas.push(chunk.arena);
        Ok(())
    }

    /// How many writes the chunks so far made (a key written twice counts twice).
    pub fn written(&self) -> usize {
        self.pending.len()
    }

    /// Commits height 0: `input.writes` as a last chunk, then every version and the tree of
    /// every key loaded, the root, and the rest of `input`, durably. Returns the state root.
    pub fn finish(mut self, input: CommitInput<'_>) -> Result<Hash> {
        input.check()?;
        if input.height != 0 {
            return Err(Error::InvalidCommit {
                height: input.height,
                reason: "a genesis load finishes at height 0".into(),
            });
        }
        if !input.writes.is_empty() {
            self.write(input.writes)?;
        }
        let GenesisLoad {
            store,
            txn,
            mut pending,
            arenas,
        } = self;
        let txn = store.write_height(&input, None, Some(txn))?;
        // A key written again takes its last value: among equal key hashes the latest write
        // (the later chunk, or later in its chunk) sorts first, and is the one kept.
        pending.sort_unstable_by(|a, b| {
            a.key_hash
                .cmp(&b.key_hash)
                .then_with(|| (b.arena, b.start).cmp(&(a.arena, a.start)))
        });
        pending.dedup_by_key(|e| e.key_hash);
        let last = pending;
        let leaves: Vec<bulk::Leaf> = last
            .iter()
            .filter_map(|e| {
                Some(bulk::Leaf {
                    key_hash: e.key_hash,
                    value_hash: e.value_hash?,
                })
            })
            .collect();
        // Two tables of one transaction, written side by side: the versions on this thread,
        // the tree's nodes on another as it is built (redb lets a transaction's tables be
        // written from two threads).
        let root = std::thread::scope(|scope| -> Result<Hash> {
            let tree = std::thread::Builder::new()
                .name("tree-nodes".into())
                .spawn_scoped(scope, || -> Result<Option<Hash>> {
                let mut nodes = txn.open_table(NODES)?;
                let built = with_hasher!(store.scheme, H => bulk::build::<H>(&leaves, 0, &mut |rows| {
                    for (key, node) in rows.iter() {
                        nodes.insert(key, node)?;
                    }
                    Ok(())
                })?);
                Ok(built.map(Hash))
            })?;
            let written = (|| -> Result<()> {
                let mut versions = txn.open_table(VERSIONS)?;
                for e in &last {
                    versions.insert((e.key_hash, 0), version_bytes(&arenas, e)?)?;
                }
                Ok(())
            })();
            let built = tree
                .join()
                .map_err(|_| Error::Merkle("the tree's thread panicked".into()))?;
            written?;
            match built? {
                Some(root) => Ok(root),
                // No key holds a value: jmt makes the empty tree's root.
                None => {
                    let snapshot = store.db.begin_read()?;
                    let reader = TreeTables {
                        nodes: &snapshot.open_table(NODES)?,
                        versions: &snapshot.open_table(VERSIONS)?,
                    };
                    let (root, batch) = apply(store.scheme, &reader, &[], 0)?;
                    insert_batch(&mut txn.open_table(NODES)?, &batch)?;
                    Ok(root)
                }
            }
        })?;
        txn.open_table(ROOTS)?.insert(0, root.0)?;
        txn.commit()?;
        Ok(root)
    }
}

/// The encoded version of `e`.
fn version_bytes<'a>(arenas: &'a [Vec<u8>], e: &Pending) -> Result<&'a [u8]> {
    let start = usize::try_from(e.start).unwrap_or(usize::MAX);
    let end = start.saturating_add(usize::try_from(e.len).unwrap_or(usize::MAX));
    usize::try_from(e.arena)
        .ok()
        .and_then(|a| arenas.get(a))
        .and_then(|arena| arena.get(start..end))
        .ok_or_else(|| Error::Merkle("a genesis version lost its bytes".into()))
}
