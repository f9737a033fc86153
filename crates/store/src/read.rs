//! Reads: state as of any height, history, blocks, receipts. Each call reads one snapshot.

use crate::tables::{
    AUDIT, BLOCK_HASHES, BLOCKS, Bytes, CERTIFICATES, JOURNAL, KEYS, RECEIPTS, ROOTS, SYS,
    StoredVersion, TX_INDEX, VERSIONS,
};
use crate::tree::{key_hash, version_at};
use crate::{Error, Result, Store};
use govchain_types::{Block, CommitCertificate, Hash, Height, Receipt};
use redb::ReadableTable as _;
use redb::{ReadTransaction, ReadableDatabase};
use serde::{Deserialize, Serialize};

/// The version of a key in force at some height.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versioned {
    #[serde(with = "hex::serde")]
    pub value: Vec<u8>,
    /// The height that wrote it.
    pub height: Height,
    /// The transaction of that block that wrote it; `None` for genesis and block-level writes.
    pub tx_index: Option<u32>,
}

/// A page of a prefix scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanPage {
    pub items: Vec<(Vec<u8>, Versioned)>,
    /// Where to continue (`after`), if the scan is not done.
    pub next: Option<Vec<u8>>,
}

/// One entry of a key's history: a write or a deletion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionEntry {
    pub height: Height,
    pub tx_index: Option<u32>,
    /// `None` is a deletion.
    #[serde(with = "crate::proof::hex_opt")]
    pub value: Option<Vec<u8>>,
}

/// A read snapshot and the latest height it holds.
pub(crate) struct Snapshot {
    pub txn: ReadTransaction,
    pub latest: Option<Height>,
}

impl Snapshot {
    /// `at`, or the latest height; an error above the latest or on an empty store.
    pub(crate) fn height(&self, at: Option<Height>) -> Result<Height> {
        let latest = self.latest.ok_or(Error::Empty)?;
        match at {
            None => Ok(latest),
            Some(h) if h <= latest => Ok(h),
            Some(h) => Err(Error::HeightAboveLatest {
                requested: h,
                latest,
            }),
        }
    }

    fn get_bytes<K: redb::Key + 'static>(
        &self,
        table: redb::TableDefinition<K, Bytes>,
        key: K::SelfType<'_>,
    ) -> Result<Option<Vec<u8>>> {
        let t = self.txn.open_table(table)?;
        Ok(t.get(key)?.map(|g| g.value().to_vec()))
    }

    pub(crate) fn root(&self, height: Height) -> Result<Hash> {
        let height = self.height(Some(height))?;
        let roots = self.txn.open_table(ROOTS)?;
        let root = roots
            .get(height)?
            .ok_or_else(|| Error::corrupt(format!("no state root for height `{height}`")))?;
        Ok(Hash(root.value()))
    }
}

/// One snapshot of the state at one height, held open for many reads: what a block's
/// execution reads through (a read transaction per key would cost more than the read).
pub struct StateReader {
    versions: redb::ReadOnlyTable<([u8; 32], u64), Bytes>,
    keys: redb::ReadOnlyTable<Bytes, u64>,
    height: Height,
    scheme: govchain_types::Scheme,
}

impl StateReader {
    /// The height read.
    pub fn height(&self) -> Height {
        self.height
    }

    /// The value of `key` at the reader's height, as [`Store::get`] gives it.
    pub fn get(&self, key: &[u8]) -> Result<Option<Versioned>> {
        let found = version_at(&self.versions, &key_hash(self.scheme, key), self.height)?;
        Ok(found.and_then(|(written_at, v)| {
            v.value.map(|value| Versioned {
                value,
                height: written_at,
                tx_index: v.tx_index,
            })
        }))
    }
}

/// Keys and their values, in key order.
pub type KeyValues = Vec<(Vec<u8>, Vec<u8>)>;

impl StateReader {
    /// Every key starting with `prefix` that holds a value at the reader's height, with its
    /// value, in key order — or `None` if more than `most` of them hold a value, or more than
    /// `most × 8 + 1,024` keys were ever written under the prefix (each examined): bounds that
    /// every node, holding the same history, meets alike.
    pub fn scan_prefix(&self, prefix: &[u8], most: usize) -> Result<Option<KeyValues>> {
        let examine = most.saturating_mul(8).saturating_add(1024);
        let mut out = Vec::new();
        for (examined, entry) in self.keys.range(prefix..)?.enumerate() {
            let (k, _) = entry?;
            let key = k.value();
            if !key.starts_with(prefix) {
                break;
            }
            if examined >= examine {
                return Ok(None);
            }
            if let Some((_, v)) =
                version_at(&self.versions, &key_hash(self.scheme, key), self.height)?
                && let Some(value) = v.value
            {
                if out.len() >= most {
                    return Ok(None);
                }
                out.push((key.to_vec(), value));
            }
        }
        Ok(Some(out))
    }
}

impl Store {
    /// A reader of the state at `at` (the latest if `None`) over one snapshot.
    pub fn reader(&self, at: Option<Height>) -> Result<StateReader> {
        let snap = self.snapshot()?;
        let height = snap.height(at)?;
        Ok(StateReader {
            versions: snap.txn.open_table(VERSIONS)?,
            keys: snap.txn.open_table(KEYS)?,
            height,
            scheme: self.scheme,
        })
    }

    pub(crate) fn snapshot(&self) -> Result<Snapshot> {
        let txn = self.db.begin_read()?;
        let latest = crate::tables::latest(&txn.open_table(SYS)?)?;
        Ok(Snapshot { txn, latest })
    }

    /// The latest committed height; `None` before genesis is committed.
    pub fn latest_height(&self) -> Result<Option<Height>> {
        Ok(self.snapshot()?.latest)
    }

    /// The value of `key` in force at height `at` (the latest if `None`); `None` if the key was
    /// never written or was deleted by then.
    pub fn get(&self, key: &[u8], at: Option<Height>) -> Result<Option<Versioned>> {
        let snap = self.snapshot()?;
        let height = snap.height(at)?;
        let versions = snap.txn.open_table(VERSIONS)?;
        let found = version_at(&versions, &key_hash(self.scheme, key), height)?;
        Ok(found.and_then(|(written_at, v)| {
            v.value.map(|value| Versioned {
                value,
                height: written_at,
                tx_index: v.tx_index,
            })
        }))
    }

    /// Every version of `key`, deletions included, oldest first: at most `limit` of them,
    /// starting at `from_height` (inclusive). Page on with the last height + 1.
    pub fn history(
        &self,
        key: &[u8],
        from_height: Option<Height>,
        limit: usize,
    ) -> Result<Vec<VersionEntry>> {
        let snap = self.snapshot()?;
        let versions = snap.txn.open_table(VERSIONS)?;
        let kh = key_hash(self.scheme, key);
        let mut out = Vec::new();
        for entry in versions
            .range((kh, from_height.unwrap_or(0))..=(kh, u64::MAX))?
            .take(limit)
        {
            let (k, v) = entry?;
            let StoredVersion { value, tx_index } = StoredVersion::decode(v.value())?;
            out.push(VersionEntry {
                height: k.value().1,
                tx_index,
                value,
            });
        }
        Ok(out)
    }

    /// The state root after `height`.
    pub fn root(&self, height: Height) -> Result<Hash> {
        self.snapshot()?.root(height)
    }

    /// The block at `height`; `None` for genesis, which has none.
    pub fn block(&self, height: Height) -> Result<Option<Block>> {
        let snap = self.snapshot()?;
        let height = snap.height(Some(height))?;
        snap.get_bytes(BLOCKS, height)?
            .map(|b| Block::decode(&b).map_err(Error::corrupt))
            .transpose()
    }

    /// The hash of the block at `height` (for genesis, the hash the genesis commit recorded).
    pub fn block_hash(&self, height: Height) -> Result<Hash> {
        let snap = self.snapshot()?;
        let height = snap.height(Some(height))?;
        let hashes = snap.txn.open_table(BLOCK_HASHES)?;
        let hash = hashes
            .get(height)?
            .ok_or_else(|| Error::corrupt(format!("no block hash for height `{height}`")))?;
        Ok(Hash(hash.value()))
    }

    /// The commit certificate of the block at `height`, if one was stored.
    pub fn certificate(&self, height: Height) -> Result<Option<CommitCertificate>> {
        let snap = self.snapshot()?;
        let height = snap.height(Some(height))?;
        snap.get_bytes(CERTIFICATES, height)?
            .map(|b| CommitCertificate::decode(&b).map_err(Error::corrupt))
            .transpose()
    }

    /// The receipts of the block at `height`, in block order.
    pub fn receipts(&self, height: Height) -> Result<Vec<Receipt>> {
        let snap = self.snapshot()?;
        let height = snap.height(Some(height))?;
        let table = snap.txn.open_table(RECEIPTS)?;
        let mut out = Vec::new();
        for entry in table.range((height, 0u32)..=(height, u32::MAX))? {
            let (_, v) = entry?;
            out.push(decode_receipt(v.value())?);
        }
        Ok(out)
    }

    /// The keys starting with `prefix` that hold a value at height `at` (the latest if `None`),
    /// in key order, after `after` if given: at most `limit`, with the cursor to continue from
    /// (`None` when the scan is done). At most `limit × 8 + 1024` keys are examined per call,
    /// so a page may come back short, with a cursor.
    pub fn scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
        at: Option<Height>,
    ) -> Result<ScanPage> {
        let snap = self.snapshot()?;
        let height = snap.height(at)?;
        let keys = snap.txn.open_table(KEYS)?;
        let versions = snap.txn.open_table(VERSIONS)?;
        let start: Vec<u8> = match after {
            Some(a) if a >= prefix => {
                let mut s = a.to_vec();
                s.push(0);
                s
            }
            _ => prefix.to_vec(),
        };
        let budget = limit.saturating_mul(8).saturating_add(1024);
        let mut items = Vec::new();
        let mut last: Option<Vec<u8>> = None;
        let mut examined = 0usize;
        for entry in keys.range(start.as_slice()..)? {
            let (k, _) = entry?;
            let key = k.value();
            if !key.starts_with(prefix) {
                return Ok(ScanPage { items, next: None });
            }
            if items.len() >= limit || examined >= budget {
                return Ok(ScanPage { items, next: last });
            }
            examined = examined.saturating_add(1);
            last = Some(key.to_vec());
            if let Some((written_at, v)) =
                version_at(&versions, &key_hash(self.scheme, key), height)?
                && let Some(value) = v.value
            {
                items.push((
                    key.to_vec(),
                    Versioned {
                        value,
                        height: written_at,
                        tx_index: v.tx_index,
                    },
                ));
            }
        }
        Ok(ScanPage { items, next: None })
    }

    /// Journal entries whose keys start with `prefix`, in key order after `after` (or, with
    /// `newest_first`, in reverse order before `after`): at most `limit`.
    pub fn journal(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
        newest_first: bool,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let snap = self.snapshot()?;
        let table = match snap.txn.open_table(JOURNAL) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        let mut push = |entry: std::result::Result<
            (redb::AccessGuard<'_, Bytes>, redb::AccessGuard<'_, Bytes>),
            redb::StorageError,
        >|
         -> Result<bool> {
            let (k, v) = entry?;
            if !k.value().starts_with(prefix) || out.len() >= limit {
                return Ok(false);
            }
            out.push((k.value().to_vec(), v.value().to_vec()));
            Ok(true)
        };
        if newest_first {
            let mut end = prefix.to_vec();
            end.push(0xff);
            let end = match after {
                Some(a) if a.starts_with(prefix) => a.to_vec(),
                _ => end,
            };
            for entry in table.range(prefix..end.as_slice())?.rev() {
                if !push(entry)? {
                    break;
                }
            }
        } else {
            let start = match after {
                Some(a) if a >= prefix => {
                    let mut s = a.to_vec();
                    s.push(0);
                    s
                }
                _ => prefix.to_vec(),
            };
            for entry in table.range(start.as_slice()..)? {
                if !push(entry)? {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// The latest `limit` entries of the audit log, oldest first: `(height, index, entry)`.
    pub fn audit_recent(&self, limit: usize) -> Result<Vec<(Height, u32, Vec<u8>)>> {
        let snap = self.snapshot()?;
        let table = match snap.txn.open_table(AUDIT) {
            Ok(t) => t,
            // A store that has committed nothing since the log was added.
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for entry in table.iter()?.rev().take(limit) {
            let (k, v) = entry?;
            let (height, index) = k.value();
            out.push((height, index, v.value().to_vec()));
        }
        out.reverse();
        Ok(out)
    }

    /// Where the transaction `tx_id` was included: its height and index in the block.
    pub fn tx_location(&self, tx_id: &Hash) -> Result<Option<(Height, u32)>> {
        let snap = self.snapshot()?;
        let index = snap.txn.open_table(TX_INDEX)?;
        Ok(index.get(tx_id.0)?.map(|g| g.value()))
    }

    /// The receipt of the transaction `tx_id`, if it was included in a block.
    pub fn receipt(&self, tx_id: &Hash) -> Result<Option<Receipt>> {
        let snap = self.snapshot()?;
        let index = snap.txn.open_table(TX_INDEX)?;
        let Some(at) = index.get(tx_id.0)?.map(|g| g.value()) else {
            return Ok(None);
        };
        let bytes = snap.get_bytes(RECEIPTS, at)?.ok_or_else(|| {
            Error::corrupt(format!("tx index points at a missing receipt {at:?}"))
        })?;
        decode_receipt(&bytes).map(Some)
    }
}

fn decode_receipt(bytes: &[u8]) -> Result<Receipt> {
    govchain_types::decode("receipt", bytes).map_err(Error::corrupt)
}
