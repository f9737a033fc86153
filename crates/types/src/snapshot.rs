//! Genesis snapshot files: a registry's initial load kept beside the genesis document, for
//! loads too large to carry inside it (millions of records).
//!
//! The file is the magic line [`SNAPSHOT_MAGIC`], then each record as its length (u32
//! little-endian) and its canonical encoding ([`crate::encode`] of an [`ImportedRecord`]). The
//! genesis names the file with its chain hash and record count ([`crate::GenesisSnapshot`]), so
//! the genesis hash covers its content. Records are read one at a time: a file never has to fit
//! in memory.

use crate::ImportedRecord;
use crate::codec::{DecodeError, decode, encode};
use std::io::{Read, Write};

/// The first bytes of a snapshot file.
pub const SNAPSHOT_MAGIC: &[u8] = b"govchain-snapshot/1\n";

/// The largest encoded record a snapshot holds (a record's fields are bounded far below this).
pub const MAX_SNAPSHOT_RECORD: u32 = 1 << 20;

/// Why a snapshot could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not a govchain snapshot file")]
    NotSnapshot,
    #[error("record {index}: {reason}")]
    Record { index: u64, reason: String },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Writes records into a snapshot file.
pub struct SnapshotWriter<W: Write> {
    out: W,
    written: u64,
}

impl<W: Write> SnapshotWriter<W> {
    /// Starts a snapshot in `out` (the magic line is written at once).
    pub fn new(mut out: W) -> std::io::Result<Self> {
        out.write_all(SNAPSHOT_MAGIC)?;
        Ok(Self { out, written: 0 })
    }

    /// Appends one record.
    pub fn write(&mut self, record: &ImportedRecord) -> std::io::Result<()> {
        let bytes = encode(record);
        let len = u32::try_from(bytes.len())
            .ok()
            .filter(|l| *l <= MAX_SNAPSHOT_RECORD)
            .ok_or_else(|| std::io::Error::other("a record too large for a snapshot"))?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(&bytes)?;
        self.written = self.written.saturating_add(1);
        Ok(())
    }

    /// Records written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes and returns the output.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Reads the records of a snapshot, one at a time.
pub struct SnapshotReader<R: Read> {
    input: R,
    index: u64,
    buf: Vec<u8>,
}

impl<R: Read> SnapshotReader<R> {
    /// Checks the magic line of `input`.
    pub fn new(mut input: R) -> Result<Self, SnapshotError> {
        let mut magic = [0u8; SNAPSHOT_MAGIC.len()];
        input.read_exact(&mut magic).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => SnapshotError::NotSnapshot,
            _ => SnapshotError::Io(e),
        })?;
        if magic != SNAPSHOT_MAGIC {
            return Err(SnapshotError::NotSnapshot);
        }
        Ok(Self {
            input,
            index: 0,
            buf: Vec::new(),
        })
    }

    /// The next record, `None` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<ImportedRecord>, SnapshotError> {
        let index = self.index;
        let bad = |reason: String| SnapshotError::Record { index, reason };
        let mut len = [0u8; 4];
        // The end of the file may only come between records.
        let mut got = 0;
        while got < len.len() {
            let n = self.input.read(len.get_mut(got..).unwrap_or_default())?;
            if n == 0 {
                return if got == 0 {
                    Ok(None)
                } else {
                    Err(bad("the file ends inside a record's length".into()))
                };
            }
            got = got.saturating_add(n);
        }
        let len = u32::from_le_bytes(len);
        if len > MAX_SNAPSHOT_RECORD {
            return Err(bad(format!("a record of {len} bytes")));
        }
        self.buf.resize(len as usize, 0);
        self.input
            .read_exact(&mut self.buf)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => bad("the file ends inside a record".into()),
                _ => SnapshotError::Io(e),
            })?;
        let record =
            decode("snapshot record", &self.buf).map_err(|e: DecodeError| bad(e.to_string()))?;
        self.index = self.index.saturating_add(1);
        Ok(Some(record))
    }

    /// Records read so far.
    pub fn read(&self) -> u64 {
        self.index
    }

    /// The input, e.g. to finish a hash computed while reading.
    pub fn into_inner(self) -> R {
        self.input
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FieldValue;

    fn record(i: u32) -> ImportedRecord {
        ImportedRecord {
            key: format!("p-{i}"),
            fields: [("name".to_string(), FieldValue::Text(format!("Person {i}")))]
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn records_come_back_in_order() -> Result<(), SnapshotError> {
        let mut w = SnapshotWriter::new(Vec::new())?;
        for i in 0..100 {
            w.write(&record(i))?;
        }
        assert_eq!(w.written(), 100);
        let bytes = w.finish()?;
        let mut r = SnapshotReader::new(bytes.as_slice())?;
        for i in 0..100 {
            assert_eq!(r.next_record()?, Some(record(i)));
        }
        assert_eq!(r.next_record()?, None);
        assert_eq!(r.read(), 100);
        Ok(())
    }

    #[test]
    fn damaged_files_are_errors_naming_the_record() -> Result<(), SnapshotError> {
        assert!(matches!(
            SnapshotReader::new(b"not a snapshot at all".as_slice()),
            Err(SnapshotError::NotSnapshot)
        ));
        assert!(matches!(
            SnapshotReader::new(b"gov".as_slice()),
            Err(SnapshotError::NotSnapshot)
        ));
        let mut w = SnapshotWriter::new(Vec::new())?;
        w.write(&record(0))?;
        w.write(&record(1))?;
        let bytes = w.finish()?;
        // Cut anywhere inside the second record: an error about record 1, never a panic.
        let first_end = SNAPSHOT_MAGIC.len() + 4 + encode(&record(0)).len();
        for cut in first_end + 1..bytes.len() {
            let mut r = SnapshotReader::new(&bytes[..cut])?;
            assert_eq!(r.next_record()?, Some(record(0)));
            assert!(matches!(
                r.next_record(),
                Err(SnapshotError::Record { index: 1, .. })
            ));
        }
        // A huge length, and garbage in place of a record.
        let mut huge = SNAPSHOT_MAGIC.to_vec();
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(SnapshotReader::new(huge.as_slice())?.next_record().is_err());
        let mut junk = SNAPSHOT_MAGIC.to_vec();
        junk.extend_from_slice(&3u32.to_le_bytes());
        junk.extend_from_slice(&[9, 9, 9]);
        assert!(SnapshotReader::new(junk.as_slice())?.next_record().is_err());
        Ok(())
    }
}
