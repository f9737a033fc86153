//! govchain's node storage: blocks, certificates, receipts and the versioned state, in one redb
//! file, with a Jellyfish Merkle tree (jmt) committing to the state at every height.
//!
//! - Every version of every key is kept, keyed by (key hash, height): reads are answered as of
//!   any committed height, and [`Store::history`] lists a key's every version.
//! - [`Store::commit`] writes one height — values, tree nodes, root, block, certificate,
//!   receipts, tx index and the latest height — in **one** redb write transaction with
//!   immediate durability and two-phase commit: after a crash a height is wholly there or absent.
//! - [`Store::proof`] proves inclusion or exclusion of a key at any kept height;
//!   [`StateProof::verify`] checks it offline against a trusted root alone.
//! - Reads open a redb read transaction, a snapshot that never shows half a commit.
//!
//! The table layout is described in `tables.rs`. [`faulty::FaultyBackend`] simulates power loss
//! for the crash tests (STYLE.md §4), and [`bench`] measures the store.

pub mod bench;
mod bulk;
mod certificate;
mod commit;
mod error;
pub mod faulty;
mod genesis_load;
mod proof;
mod read;
mod tables;
mod tree;

pub use certificate::{Handover, RecordCertificate, TrustedSet};
pub use commit::{AUDIT_RETAIN_HEIGHTS, CommitInput};
pub use error::{Error, Result};
pub use genesis_load::{GenesisChunk, GenesisLoad};
pub use proof::StateProof;
pub use read::{ScanPage, StateReader, VersionEntry, Versioned};

use govchain_types::{Height, Scheme};
use redb::{
    Builder, Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata,
    StorageBackend,
};
use std::path::Path;
use tables::{FORMAT, SYS, SYS_FORMAT, SYS_SCHEME};

/// The node's storage. Cheap to share behind an `Arc`: reads take `&self` and run concurrently
/// with a commit; commits are serialised by redb's single writer.
#[derive(Debug)]
pub struct Store {
    db: Database,
    scheme: Scheme,
}

impl Store {
    /// Opens the store file at `path`, creating it and its tables if absent.
    ///
    /// A file created for another scheme is refused, since its roots were made with another hash.
    ///
    /// A new file is made beside `path` and renamed into place once its tables are durable:
    /// redb cannot open a file whose creation was cut short by a crash, so `path` never names one.
    pub fn open(path: &Path, scheme: Scheme) -> Result<Store> {
        if !path.exists() {
            create_aside(path, scheme)?;
        }
        let db = Builder::new().create(path)?;
        Self::init(db, scheme)
    }

    /// Opens (or creates) a store on any redb backend: in-memory or fault-injecting in tests.
    pub fn open_with_backend(backend: impl StorageBackend, scheme: Scheme) -> Result<Store> {
        let db = Builder::new().create_with_backend(backend)?;
        Self::init(db, scheme)
    }

    /// The scheme whose hash the store's Merkle tree uses.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    fn init(db: Database, scheme: Scheme) -> Result<Store> {
        let (stored, format) = {
            let txn = db.begin_read()?;
            match txn.open_table(SYS) {
                Ok(sys) => (
                    sys.get(SYS_SCHEME)?.map(|g| g.value().to_vec()),
                    sys.get(SYS_FORMAT)?.map(|g| g.value().to_vec()),
                ),
                Err(redb::TableError::TableDoesNotExist(_)) => (None, None),
                Err(e) => return Err(e.into()),
            }
        };
        if let Some(f) = format.as_deref()
            && f != [FORMAT]
        {
            return Err(Error::FormatMismatch {
                stored: f.first().copied().unwrap_or(0),
                expected: FORMAT,
            });
        }
        match stored.as_deref() {
            Some([b]) => {
                let stored = tables::scheme_from_byte(*b)?;
                if stored != scheme {
                    return Err(Error::SchemeMismatch {
                        stored,
                        requested: scheme,
                    });
                }
            }
            Some(_) => return Err(Error::corrupt("the recorded scheme is not one byte")),
            None => Self::create_tables(&db, scheme)?,
        }
        Ok(Store { db, scheme })
    }

    /// Creates every table and records the scheme, in one durable transaction.
    fn create_tables(db: &Database, scheme: Scheme) -> Result<()> {
        let txn = begin_write(db)?;
        {
            let mut sys = txn.open_table(SYS)?;
            sys.insert(SYS_SCHEME, [tables::scheme_byte(scheme)].as_slice())?;
            sys.insert(SYS_FORMAT, [FORMAT].as_slice())?;
            txn.open_table(tables::META)?;
            txn.open_table(tables::NODES)?;
            txn.open_table(tables::VERSIONS)?;
            txn.open_table(tables::ROOTS)?;
            txn.open_table(tables::BLOCKS)?;
            txn.open_table(tables::BLOCK_HASHES)?;
            txn.open_table(tables::CERTIFICATES)?;
            txn.open_table(tables::RECEIPTS)?;
            txn.open_table(tables::TX_INDEX)?;
            txn.open_table(tables::KEYS)?;
            txn.open_table(tables::AUDIT)?;
            txn.open_table(tables::READS)?;
            txn.open_table(tables::READ_IDS)?;
            txn.open_table(tables::READ_EXPIRY)?;
            txn.open_table(tables::JOURNAL)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Logs a signed read request once: `None` if a request with this id was already served
    /// (a replay), else the entry's sequence number. Ids are kept until the request expires
    /// (`valid_until` below `latest`), so the table holds only live requests; expired ones are
    /// found through their expiry index, so each call reads only what it prunes.
    pub fn log_read_once(
        &self,
        id: [u8; 32],
        valid_until: Height,
        latest: Height,
        entry: &[u8],
    ) -> Result<Option<u64>> {
        let txn = begin_write(&self.db)?;
        let seq = {
            let mut ids = txn.open_table(tables::READ_IDS)?;
            if ids.get(id)?.is_some() {
                return Ok(None);
            }
            let mut expiry = txn.open_table(tables::READ_EXPIRY)?;
            let mut expired = Vec::new();
            for entry in expiry.extract_from_if(..(latest, [0u8; 32]), |_, ()| true)? {
                let (k, _) = entry?;
                expired.push(k.value().1);
            }
            for old in expired {
                ids.remove(old)?;
            }
            ids.insert(id, valid_until)?;
            expiry.insert((valid_until, id), ())?;
            let mut reads = txn.open_table(tables::READS)?;
            let last = reads.last()?.map(|(k, _)| k.value()).unwrap_or(0);
            let seq = last.saturating_add(1);
            reads.insert(seq, entry)?;
            seq
        };
        txn.commit()?;
        Ok(Some(seq))
    }

    /// How many signed read requests are alive (remembered against replay).
    pub fn live_reads(&self) -> Result<u64> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(tables::READ_IDS)?.len()?)
    }

    /// Entries of the log of protected reads after sequence number `after`, oldest first, at
    /// most `limit`: `(sequence, entry)`.
    pub fn reads(&self, after: u64, limit: usize) -> Result<Vec<(u64, Vec<u8>)>> {
        let txn = self.db.begin_read()?;
        let reads = txn.open_table(tables::READS)?;
        let mut out = Vec::new();
        for entry in reads.range(after.saturating_add(1)..)?.take(limit) {
            let (k, v) = entry?;
            out.push((k.value(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// Reads a value of the small `meta` table (e.g. the genesis document).
    pub fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let txn = self.db.begin_read()?;
        let meta = txn.open_table(tables::META)?;
        Ok(meta.get(name)?.map(|g| g.value().to_vec()))
    }

    /// Writes a value of the `meta` table, durably, in its own small transaction.
    pub fn put_meta(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let txn = begin_write(&self.db)?;
        txn.open_table(tables::META)?.insert(name, bytes)?;
        txn.commit()?;
        Ok(())
    }
}

/// Creates a store at `path` by creating it at `path.creating` and renaming it when durable.
fn create_aside(path: &Path, scheme: Scheme) -> Result<()> {
    let mut aside = path.as_os_str().to_owned();
    aside.push(".creating");
    let aside = std::path::PathBuf::from(aside);
    // A leftover of a creation cut short is garbage by construction.
    if aside.exists() {
        std::fs::remove_file(&aside)?;
    }
    {
        let db = Builder::new().create(&aside)?;
        Store::create_tables(&db, scheme)?;
    }
    std::fs::rename(&aside, path)?;
    // Make the rename durable too.
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// A write transaction that is durable when `commit` returns, written in two phases (the commit
/// slot is synced before the flag that makes it current), with quick repair: after a crash the
/// file opens at its last durable commit without a full scan.
fn begin_write(db: &Database) -> Result<redb::WriteTransaction> {
    let mut txn = db.begin_write()?;
    txn.set_durability(Durability::Immediate)?;
    txn.set_two_phase_commit(true);
    txn.set_quick_repair(true);
    Ok(txn)
}
