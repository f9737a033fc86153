//! A redb backend that simulates power loss, for crash tests (STYLE.md §4, as redb's own tests).
//!
//! Every write lands in the "page cache" (`live`); only `sync_data` makes it durable. A crash
//! keeps the durable bytes and, if asked, a torn subset of what was written since the last sync:
//! whole writes, sector-aligned prefixes of writes, or nothing, chosen by a seed. The backend can
//! also be armed to die after a number of mutating operations, so a crash lands in the middle
//! of a commit: from then on every operation fails, as in a process that lost power.

use redb::StorageBackend;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

/// Disks persist whole sectors; a torn write keeps a prefix of whole sectors.
const SECTOR: usize = 512;

#[derive(Debug)]
enum Op {
    Write { offset: usize, data: Vec<u8> },
    SetLen(usize),
}

#[derive(Debug, Default)]
struct Disk {
    /// What reads see: every write so far.
    live: Vec<u8>,
    /// What survives power loss: the bytes at the last completed sync.
    durable: Vec<u8>,
    /// The mutations since the last sync, in order.
    pending: Vec<Op>,
    /// Mutating operations (write, set_len, sync) performed so far.
    ops: u64,
    syncs: u64,
    /// Operations left before the simulated power loss, if armed.
    budget: Option<u64>,
    /// Power is lost: every operation fails.
    dead: bool,
}

impl Disk {
    /// Counts one mutating operation; fails once power is lost or the budget is spent.
    fn spend(&mut self) -> io::Result<()> {
        if self.dead {
            return Err(io::Error::other("simulated power loss"));
        }
        if let Some(left) = self.budget {
            if left == 0 {
                self.dead = true;
                return Err(io::Error::other("simulated power loss"));
            }
            self.budget = Some(left.saturating_sub(1));
        }
        self.ops = self.ops.saturating_add(1);
        Ok(())
    }
}

/// A power-loss simulating [`StorageBackend`]. Clones share the same disk, so a test keeps a
/// handle while the store owns the backend.
#[derive(Clone, Debug, Default)]
pub struct FaultyBackend {
    disk: Arc<Mutex<Disk>>,
}

fn index(n: u64) -> io::Result<usize> {
    usize::try_from(n).map_err(|_| io::Error::other("offset does not fit in memory"))
}

/// Writes `data` at `offset` into `buf`, growing it with zeros as a file would.
fn apply_write(buf: &mut Vec<u8>, offset: usize, data: &[u8]) -> io::Result<()> {
    let end = offset
        .checked_add(data.len())
        .ok_or_else(|| io::Error::other("write past the addressable end"))?;
    if end > buf.len() {
        buf.resize(end, 0);
    }
    buf.get_mut(offset..end)
        .ok_or_else(|| io::Error::other("write out of bounds"))?
        .copy_from_slice(data);
    Ok(())
}

impl FaultyBackend {
    /// An empty disk.
    pub fn new() -> Self {
        Self::default()
    }

    /// A disk holding `image`, all of it durable: what a machine finds after power returns.
    pub fn from_image(image: Vec<u8>) -> Self {
        let disk = Disk {
            live: image.clone(),
            durable: image,
            ..Disk::default()
        };
        Self {
            disk: Arc::new(Mutex::new(disk)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Disk> {
        // A poisoned lock only means a test thread panicked; the bytes are still meaningful.
        self.disk.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Loses power after `ops` more mutating operations (writes, resizes and syncs): the
    /// operation after them, and every one after that, fails.
    pub fn crash_after_ops(&self, ops: u64) {
        self.lock().budget = Some(ops);
    }

    /// Mutating operations performed so far.
    pub fn ops(&self) -> u64 {
        self.lock().ops
    }

    /// Completed syncs so far.
    pub fn syncs(&self) -> u64 {
        self.lock().syncs
    }

    /// Whether power has been lost on this disk.
    pub fn is_dead(&self) -> bool {
        self.lock().dead
    }

    /// Loses power now: this disk fails from here on, and the returned one holds only what was
    /// synced.
    pub fn crash(&self) -> FaultyBackend {
        let mut disk = self.lock();
        disk.dead = true;
        FaultyBackend::from_image(disk.durable.clone())
    }

    /// Loses power now, with a torn tail: the returned disk holds what was synced plus, for each
    /// write since the last sync, all of it, a whole-sector prefix of it or none of it (and each
    /// resize or not), chosen deterministically from `seed`.
    pub fn crash_torn(&self, seed: u64) -> FaultyBackend {
        let mut disk = self.lock();
        disk.dead = true;
        let mut rng = SplitMix64(seed);
        let mut image = disk.durable.clone();
        for op in &disk.pending {
            let pick = rng.next();
            match op {
                Op::SetLen(len) => {
                    if pick.is_multiple_of(2) {
                        image.resize(*len, 0);
                    }
                }
                Op::Write { offset, data } => {
                    let keep = match pick % 3 {
                        0 => 0,
                        1 => data.len(),
                        _ => {
                            let sectors = data.len().div_ceil(SECTOR);
                            let sectors = u64::try_from(sectors).unwrap_or(u64::MAX);
                            let cut = rng.next().checked_rem(sectors).unwrap_or(0);
                            let cut = usize::try_from(cut).unwrap_or(0);
                            cut.saturating_mul(SECTOR).min(data.len())
                        }
                    };
                    if let Some(prefix) = data.get(..keep).filter(|p| !p.is_empty()) {
                        // INVARIANT: offsets were checked when the write was first applied.
                        let _ = apply_write(&mut image, *offset, prefix);
                    }
                }
            }
        }
        FaultyBackend::from_image(image)
    }

    /// The durable bytes, as they would be found after a power loss now.
    pub fn durable_image(&self) -> Vec<u8> {
        self.lock().durable.clone()
    }
}

impl StorageBackend for FaultyBackend {
    fn len(&self) -> io::Result<u64> {
        let disk = self.lock();
        if disk.dead {
            return Err(io::Error::other("simulated power loss"));
        }
        u64::try_from(disk.live.len()).map_err(io::Error::other)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        let disk = self.lock();
        if disk.dead {
            return Err(io::Error::other("simulated power loss"));
        }
        let start = index(offset)?;
        let end = start
            .checked_add(out.len())
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        let src = disk
            .live
            .get(start..end)
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        out.copy_from_slice(src);
        Ok(())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut disk = self.lock();
        disk.spend()?;
        let len = index(len)?;
        disk.live.resize(len, 0);
        disk.pending.push(Op::SetLen(len));
        Ok(())
    }

    fn sync_data(&self) -> io::Result<()> {
        let mut disk = self.lock();
        disk.spend()?;
        disk.durable = disk.live.clone();
        disk.pending.clear();
        disk.syncs = disk.syncs.saturating_add(1);
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let mut disk = self.lock();
        disk.spend()?;
        let offset = index(offset)?;
        apply_write(&mut disk.live, offset, data)?;
        disk.pending.push(Op::Write {
            offset,
            data: data.to_vec(),
        });
        Ok(())
    }
}

/// A small deterministic generator (splitmix64) for torn-write choices.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
