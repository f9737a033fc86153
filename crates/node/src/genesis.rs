//! Committing a chain's genesis state: the genesis document's own writes, then its snapshot files
//! (the large initial loads), read record by record: a file is never read into memory whole.
//!
//! Snapshot records are read and checked on one thread while the store hashes and writes the
//! previous chunk on another, all in one store transaction; the Merkle tree of everything is
//! built once, when height 0 is committed (`govchain_store::GenesisLoad`, which keeps each
//! key's hashes and encoded version until then: ~200 bytes per state key). Nothing is committed
//! unless every file is read whole, hashes to what the genesis says, and holds the records it
//! says.

use crate::{NodeError, Result};
use govchain_crypto::{Hasher, hash};
use govchain_execution::{GenesisRecords, Overlay, genesis_state};
use govchain_store::{CommitInput, GenesisChunk, Store};
use govchain_types::{Genesis, GenesisSnapshot, Hash, SnapshotReader, WriteSet};
use std::io::Read;
use std::path::Path;
use std::sync::mpsc::sync_channel;

/// Records per chunk handed from the reading thread to the writing one.
pub const SNAPSHOT_CHUNK: usize = 25_000;

/// Commits height 0 of `genesis` into an empty `store` and returns the state root. Snapshot
/// files are looked up in `dir` (the genesis document's directory); `progress` hears how many
/// snapshot records are loaded, after each chunk.
pub fn commit_genesis(
    store: &Store,
    genesis: &Genesis,
    dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<Hash> {
    check_approvals(genesis)?;
    commit_in_chunks(store, genesis, dir, SNAPSHOT_CHUNK, progress)
}

/// As [`commit_genesis`], but without requiring the snapshot files' approvals: for tools that
/// prove a genesis loads before its body signs it (`govchain genesis import`).
pub fn check_genesis_load(
    store: &Store,
    genesis: &Genesis,
    dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<Hash> {
    commit_in_chunks(store, genesis, dir, SNAPSHOT_CHUNK, progress)
}

/// Checks that each snapshot file is approved by the threshold of the genesis body it names.
pub fn check_approvals(genesis: &Genesis) -> Result<()> {
    for s in &genesis.snapshots {
        let Some(body) = genesis.bodies.iter().find(|b| b.id == s.body) else {
            return Err(NodeError::Other(format!(
                "snapshot `{}`: `{}` is not a law-making body of the genesis",
                s.file, s.body
            )));
        };
        let msg = govchain_law::snapshot_signing_bytes(&genesis.chain_id, s);
        govchain_law::check_member_signatures(body, &msg, &s.signatures)
            .map_err(|e| NodeError::Other(format!("snapshot `{}` is not approved: {e}", s.file)))?;
    }
    Ok(())
}

fn commit_in_chunks(
    store: &Store,
    genesis: &Genesis,
    dir: &Path,
    chunk: usize,
    progress: &mut dyn FnMut(u64),
) -> Result<Hash> {
    let genesis_hash = hash(genesis.scheme, &genesis.encode());
    let (writes, records) = genesis_state(genesis)?;
    let journal = govchain_execution::finance::genesis_journal(genesis);
    let mut load = store.begin_genesis_load()?;
    let last = if genesis.snapshots.is_empty() {
        writes
    } else {
        load.write(&writes)?;
        // Snapshot records may refer to the document's principals and records, and to records
        // loaded before them (which `records` remembers).
        load_snapshots(&mut load, &writes, genesis, dir, chunk, records, progress)?;
        WriteSet::new()
    };
    let root = load.finish(CommitInput {
        height: 0,
        block: None,
        block_hash: genesis_hash,
        certificate: None,
        receipts: &[],
        tx_ids: &[],
        writes: &last,
        audit: &[],
        journal: &journal,
    })?;
    Ok(root)
}

/// Reads, checks and writes every snapshot file: one thread reads and checks records into
/// chunks, this one writes them.
fn load_snapshots(
    load: &mut govchain_store::GenesisLoad<'_>,
    document: &WriteSet,
    genesis: &Genesis,
    dir: &Path,
    chunk: usize,
    mut records: GenesisRecords,
    progress: &mut dyn FnMut(u64),
) -> Result<()> {
    // One chunk in hand while the writer writes the one before.
    let (tx, rx) = sync_channel::<(u64, WriteSet)>(1);
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name("genesis-reader".into())
            .spawn_scoped(scope, move || -> Result<()> {
                let base = Overlay(&[document]);
                for snapshot in &genesis.snapshots {
                    if !records.defines(&snapshot.registry) {
                        return Err(NodeError::Other(format!(
                            "snapshot `{}`: no genesis law defines registry `{}`",
                            snapshot.file, snapshot.registry
                        )));
                    }
                    let mut file = SnapshotFile::open(genesis, dir, snapshot)?;
                    loop {
                        let before = file.reader.read();
                        let chunk = file.chunk(&mut records, &base, chunk)?;
                        if chunk.is_empty() {
                            break;
                        }
                        let count = file.reader.read().saturating_sub(before);
                        if tx.send((count, chunk)).is_err() {
                            // The writer stopped on an error of its own, which it reports.
                            return Ok(());
                        }
                    }
                    file.finish()?;
                }
                Ok(())
            })
            .map_err(|e| NodeError::Other(format!("starting the snapshot reader: {e}")))?;
        let mut loaded = 0u64;
        let mut written = Ok(());
        for (count, chunk) in rx {
            // Hashed on this thread: reading and checking are the larger half.
            let r = GenesisChunk::new(genesis.scheme, chunk).and_then(|c| load.write_chunk(c));
            if let Err(e) = r {
                written = Err(e.into());
                break;
            }
            loaded = loaded.saturating_add(count);
            progress(loaded);
        }
        let read = reader
            .join()
            .map_err(|_| NodeError::Other("the snapshot reader panicked".into()))?;
        written.and(read)
    })
}

/// A snapshot file being read, hashed as it goes.
struct SnapshotFile<'g> {
    snapshot: &'g GenesisSnapshot,
    path: std::path::PathBuf,
    reader: SnapshotReader<Hashing<std::io::BufReader<std::fs::File>>>,
}

impl<'g> SnapshotFile<'g> {
    fn open(genesis: &Genesis, dir: &Path, snapshot: &'g GenesisSnapshot) -> Result<Self> {
        let name = Path::new(&snapshot.file);
        // A bare file name: the genesis may not point anywhere else on the machine.
        if name.components().count() != 1 || name.file_name().is_none() {
            return Err(NodeError::Other(format!(
                "snapshot `{}`: the genesis must name a file in its own directory",
                snapshot.file
            )));
        }
        let path = dir.join(name);
        let file = std::fs::File::open(&path).map_err(|source| NodeError::Read {
            path: path.clone(),
            source,
        })?;
        let hashing = Hashing {
            inner: std::io::BufReader::with_capacity(1 << 20, file),
            hasher: Hasher::new(genesis.scheme),
        };
        let reader = SnapshotReader::new(hashing).map_err(|e| invalid(&path, e))?;
        Ok(Self {
            snapshot,
            path,
            reader,
        })
    }

    /// The next chunk of checked records' writes; empty at the end of the file.
    fn chunk(
        &mut self,
        records: &mut GenesisRecords,
        base: &Overlay<'_>,
        size: usize,
    ) -> Result<WriteSet> {
        let mut chunk = WriteSet::new();
        for _ in 0..size {
            let index = self.reader.read();
            let Some(r) = self
                .reader
                .next_record()
                .map_err(|e| invalid(&self.path, e))?
            else {
                break;
            };
            // A file longer than the genesis says is refused before it fills memory.
            if index >= self.snapshot.records {
                return Err(invalid(
                    &self.path,
                    format!(
                        "the file holds more than the {} records the genesis names",
                        self.snapshot.records
                    ),
                ));
            }
            records
                .add(base, &self.snapshot.registry, &r.key, &r.fields, &mut chunk)
                .map_err(|m| {
                    invalid(
                        &self.path,
                        format!(
                            "record {index} (`{}` in `{}`): {m}",
                            r.key, self.snapshot.registry
                        ),
                    )
                })?;
        }
        Ok(chunk)
    }

    /// Checks that the whole file was what the genesis names.
    fn finish(self) -> Result<()> {
        let read = self.reader.read();
        let hashed = self.reader.into_inner().hasher.finalize();
        if hashed != self.snapshot.hash {
            return Err(invalid(
                &self.path,
                format!(
                    "the file hashes to {hashed}, the genesis names {}",
                    self.snapshot.hash
                ),
            ));
        }
        if read != self.snapshot.records {
            return Err(invalid(
                &self.path,
                format!(
                    "the file holds {read} records, the genesis names {}",
                    self.snapshot.records
                ),
            ));
        }
        Ok(())
    }
}

fn invalid(path: &Path, reason: impl std::fmt::Display) -> NodeError {
    NodeError::Invalid {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Hasher,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        reason = "tests fail by panicking"
    )]

    use super::*;
    use govchain_crypto::SecretKey;
    use govchain_types::{
        FieldValue, GenesisRecord, ImportedRecord, SNAPSHOT_MAGIC, Scheme, SnapshotWriter,
    };

    fn key(name: &str) -> govchain_types::PublicKey {
        SecretKey::from_seed(Scheme::Ed25519, name.as_bytes()).public_key()
    }

    fn demo() -> Genesis {
        govchain_demo::genesis::document("snapshots", key("validator"), key)
    }

    /// The demo genesis with one snapshot file.
    fn demo_with(s: GenesisSnapshot) -> Genesis {
        let mut g = demo();
        g.snapshots = vec![s];
        g
    }

    fn fields(items: &[(&str, &str)]) -> govchain_types::Fields {
        items
            .iter()
            .map(|(k, v)| ((*k).to_string(), FieldValue::Text((*v).to_string())))
            .collect()
    }

    fn person(i: u32) -> ImportedRecord {
        ImportedRecord {
            key: format!("p-{i:05}"),
            fields: fields(&[
                ("name", &format!("Person {i}")),
                ("birth_date", "1990-02-03"),
                ("region", "110101"),
                ("status", "living"),
            ]),
        }
    }

    /// A person of household `hh-s<i % 20>` (a record of another snapshot file).
    fn householder(i: u32) -> ImportedRecord {
        let mut p = person(i);
        p.fields.insert(
            "household".into(),
            FieldValue::Text(format!("hh-s{:02}", i % 20)),
        );
        p
    }

    fn household(i: u32) -> ImportedRecord {
        ImportedRecord {
            key: format!("hh-s{i:02}"),
            fields: fields(&[("region", "110101")]),
        }
    }

    /// An organisation represented by `representative`.
    fn organisation(i: u32, representative: &str) -> ImportedRecord {
        ImportedRecord {
            key: format!("org-s{i:04}"),
            fields: fields(&[
                ("name", &format!("Snapshot Company {i}")),
                ("region", "110101"),
                ("representative", representative),
                ("form", "company"),
            ]),
        }
    }

    fn snapshot(
        dir: &Path,
        registry: &str,
        file: &str,
        records: &[ImportedRecord],
    ) -> GenesisSnapshot {
        let mut w = SnapshotWriter::new(Vec::new()).unwrap();
        for r in records {
            w.write(r).unwrap();
        }
        let bytes = w.finish().unwrap();
        std::fs::write(dir.join(file), &bytes).unwrap();
        let mut s = GenesisSnapshot {
            registry: registry.into(),
            file: file.into(),
            records: u64::try_from(records.len()).unwrap(),
            hash: hash(Scheme::Ed25519, &bytes),
            body: govchain_demo::id("legislature"),
            signatures: Vec::new(),
        };
        s.signatures = ["leg-1", "leg-2", "leg-3"]
            .iter()
            .map(|m| approval(&s, m))
            .collect();
        s
    }

    /// Legislature member `member`'s approval of `s` (demo member keys are seeded `member-<id>`).
    fn approval(s: &GenesisSnapshot, member: &str) -> govchain_types::MemberSignature {
        let key = SecretKey::from_seed(Scheme::Ed25519, format!("member-{member}").as_bytes());
        let msg = govchain_law::snapshot_signing_bytes("snapshots", s);
        govchain_types::MemberSignature {
            member: govchain_demo::id(member),
            signature: govchain_crypto::Signer::sign(&key, &msg),
        }
    }

    #[test]
    fn a_snapshot_loads_only_with_its_bodys_approval() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (persons, _) = persons_and_organisations();
        let good = snapshot(d, "persons", "persons.snapshot", &persons);
        check_approvals(&demo_with(good.clone())).unwrap();
        let commit = |g: &Genesis| {
            let s = store(d, &format!("approvals-{}.redb", rand_name()));
            let r = commit_genesis(&s, g, d, &mut |_| {});
            if r.is_err() {
                assert_eq!(s.latest_height().unwrap(), None);
            }
            r.map_err(|e| e.to_string())
        };
        commit(&demo_with(good.clone())).unwrap();

        let mut unsigned = good.clone();
        unsigned.signatures.clear();
        assert!(
            commit(&demo_with(unsigned))
                .unwrap_err()
                .contains("not approved")
        );
        let mut two = good.clone();
        two.signatures.truncate(2);
        assert!(
            commit(&demo_with(two))
                .unwrap_err()
                .contains("not approved")
        );
        // A signature over another file (here: another record count) does not count.
        let mut other = good.clone();
        other.records = 1;
        let stale = approval(&other, "leg-4");
        let mut mixed = good.clone();
        mixed.signatures.truncate(2);
        mixed.signatures.push(stale);
        assert!(
            commit(&demo_with(mixed))
                .unwrap_err()
                .contains("not approved")
        );
        // A council member is no legislator; a body the genesis lacks approves nothing.
        let mut outsider = good.clone();
        outsider.signatures.truncate(2);
        outsider.signatures.push(approval(&good, "council-1"));
        assert!(
            commit(&demo_with(outsider))
                .unwrap_err()
                .contains("not approved")
        );
        let mut nobody = good;
        nobody.body = govchain_demo::id("senate");
        assert!(
            commit(&demo_with(nobody))
                .unwrap_err()
                .contains("`senate` is not a law-making body")
        );
    }

    fn store(dir: &Path, name: &str) -> Store {
        Store::open(&dir.join(name), Scheme::Ed25519).unwrap()
    }

    fn persons_and_organisations() -> (Vec<ImportedRecord>, Vec<ImportedRecord>) {
        let persons: Vec<_> = (0..60).map(person).collect();
        let organisations: Vec<_> = (1..=20)
            .map(|i| organisation(i, &format!("cit-{i:04}")))
            .collect();
        (persons, organisations)
    }

    #[test]
    fn snapshot_files_make_the_state_the_same_records_make_inline() {
        let dir = tempfile::tempdir().unwrap();
        let (_, organisations) = persons_and_organisations();
        let households: Vec<_> = (0..20).map(household).collect();
        // Persons refer to households in every chunk of the households file.
        let persons: Vec<_> = (0..60).map(householder).collect();
        let files = [
            ("households", "households.snapshot", &households),
            ("persons", "persons.snapshot", &persons),
            ("organisations", "orgs.snapshot", &organisations),
        ];

        let mut inline = demo();
        for (registry, _, records) in files {
            inline.records.extend(records.iter().map(|r| GenesisRecord {
                registry: registry.into(),
                key: r.key.clone(),
                fields: r.fields.clone(),
            }));
        }
        let expected = commit_genesis(
            &store(dir.path(), "inline.redb"),
            &inline,
            dir.path(),
            &mut |_| {},
        )
        .unwrap();

        let mut from_files = demo();
        from_files.snapshots = files
            .iter()
            .map(|(registry, file, records)| snapshot(dir.path(), registry, file, records))
            .collect();
        let loaded = store(dir.path(), "files.redb");
        let mut heard = Vec::new();
        // Chunks of 7: references reach across chunks and files.
        let root =
            commit_in_chunks(&loaded, &from_files, dir.path(), 7, &mut |n| heard.push(n)).unwrap();
        assert_eq!(root, expected);
        assert_eq!(heard.last(), Some(&100));
        assert!(heard.windows(2).all(|w| w[0] < w[1]));
        let org = govchain_execution::schema::record_key("organisations", "org-s0019");
        assert!(loaded.get(&org, Some(0)).unwrap().is_some());
        assert_eq!(loaded.latest_height().unwrap(), Some(0));
    }

    /// Commits `genesis` (its files in `dir`) and returns the error, checking nothing was stored.
    fn refused(dir: &Path, genesis: &Genesis) -> String {
        let s = store(dir, &format!("refused-{}.redb", rand_name()));
        let err = commit_in_chunks(&s, genesis, dir, 7, &mut |_| {}).unwrap_err();
        assert_eq!(s.latest_height().unwrap(), None);
        let probe = govchain_execution::schema::record_key("persons", "p-00001");
        assert!(s.history(&probe, None, 1).unwrap().is_empty(), "{err}");
        err.to_string()
    }

    fn rand_name() -> u64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed)
    }

    #[test]
    fn a_snapshot_that_is_not_what_the_genesis_names_commits_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (persons, _) = persons_and_organisations();
        let good = snapshot(d, "persons", "persons.snapshot", &persons);

        let mut wrong_hash = good.clone();
        wrong_hash.hash = Hash::ZERO;
        assert!(refused(d, &demo_with(wrong_hash)).contains("the file hashes to"));

        let mut wrong_count = good.clone();
        wrong_count.records = 61;
        assert!(
            refused(d, &demo_with(wrong_count)).contains("holds 60 records, the genesis names 61")
        );
        let mut too_long = good.clone();
        too_long.records = 59;
        assert!(refused(d, &demo_with(too_long)).contains("more than the 59 records"));

        // Listed twice: every record of the second reading appears twice.
        let mut twice = demo();
        twice.snapshots = vec![good.clone(), good.clone()];
        assert!(
            refused(d, &twice).contains("record 0 (`p-00000` in `persons`): the key appears twice")
        );

        std::fs::create_dir(d.join("dir.snapshot")).unwrap();
        let mut dir_named = good.clone();
        dir_named.file = "dir.snapshot".into();
        refused(d, &demo_with(dir_named));

        let mut empty_unknown = good.clone();
        empty_unknown.registry = "spaceships".into();
        empty_unknown.records = 0;
        assert!(
            refused(d, &demo_with(empty_unknown))
                .contains("no genesis law defines registry `spaceships`")
        );

        for escape in [
            "../persons.snapshot",
            "/etc/passwd",
            "sub/persons.snapshot",
            "",
        ] {
            let mut s = good.clone();
            s.file = escape.into();
            assert!(
                refused(d, &demo_with(s)).contains("in its own directory"),
                "{escape}"
            );
        }

        let mut missing = good.clone();
        missing.file = "nowhere.snapshot".into();
        assert!(refused(d, &demo_with(missing)).contains("nowhere.snapshot"));

        // Cut short inside a record.
        let bytes = std::fs::read(d.join("persons.snapshot")).unwrap();
        std::fs::write(d.join("cut.snapshot"), &bytes[..bytes.len() - 3]).unwrap();
        let mut cut = good.clone();
        cut.file = "cut.snapshot".into();
        assert!(refused(d, &demo_with(cut)).contains("record 59"));

        std::fs::write(d.join("junk.snapshot"), b"PK\x03\x04 a zip file").unwrap();
        let mut junk = good.clone();
        junk.file = "junk.snapshot".into();
        assert!(refused(d, &demo_with(junk)).contains("not a govchain snapshot"));
        assert!(SNAPSHOT_MAGIC.starts_with(b"govchain"));
    }

    #[test]
    fn a_first_start_that_failed_can_be_retried_with_a_corrected_genesis() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (persons, _) = persons_and_organisations();
        let good = snapshot(d, "persons", "persons.snapshot", &persons);
        let mut broken = demo();
        let mut missing = good.clone();
        missing.file = "missing.snapshot".into();
        broken.snapshots = vec![missing];
        let data = d.join("data");
        let open = |g: &Genesis| {
            crate::App::open(
                &data,
                g.clone(),
                d,
                govchain_crypto::SecretKey::from_seed(govchain_types::Scheme::Ed25519, b"node")
                    .public_key(),
                govchain_mempool::MempoolConfig::default(),
            )
        };
        assert!(open(&broken).is_err());
        let mut fixed = demo();
        fixed.snapshots = vec![good];
        let app = open(&fixed).unwrap();
        assert_eq!(app.head().height, 0);
        drop(app);
        // Once height 0 is committed, the data directory belongs to that genesis.
        assert!(matches!(open(&broken), Err(NodeError::GenesisMismatch(_))));
    }

    #[test]
    fn a_snapshot_record_is_checked_like_any_genesis_record() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (persons, _) = persons_and_organisations();
        let case = |file: &str, registry: &str, records: &[ImportedRecord]| {
            let mut g = demo();
            g.snapshots = vec![
                snapshot(d, "persons", "persons.snapshot", &persons),
                snapshot(d, registry, file, records),
            ];
            refused(d, &g)
        };
        // A key the document already loads, a key twice across files, a missing reference, a
        // field the registry does not have, a registry no law defines.
        let err = case(
            "dup.snapshot",
            "persons",
            &[
                person(70),
                ImportedRecord {
                    key: "cit-0001".into(),
                    fields: person(1).fields,
                },
            ],
        );
        assert!(
            err.contains("record 1 (`cit-0001` in `persons`): the key appears twice"),
            "{err}"
        );
        assert!(case("again.snapshot", "persons", &[person(5)]).contains("appears twice"));
        let err = case(
            "ghost.snapshot",
            "organisations",
            &[organisation(1, "cit-9999")],
        );
        assert!(
            err.contains("field `representative` names no registered person"),
            "{err}"
        );
        // A reference to a record that comes later (in the same file, or in a later one) is
        // refused: records may only refer to what is loaded before them.
        let mut g = demo();
        g.snapshots = vec![snapshot(
            d,
            "persons",
            "forward.snapshot",
            &[householder(1), household(1)],
        )];
        let no_household = "field `household` names no record of registry `households`";
        assert!(refused(d, &g).contains(no_household));
        let mut g = demo();
        g.snapshots = vec![
            snapshot(d, "persons", "first.snapshot", &[householder(2)]),
            snapshot(d, "households", "later.snapshot", &[household(2)]),
        ];
        assert!(refused(d, &g).contains(no_household));
        // The document loads before every file: its records cannot refer to theirs.
        let mut g = demo();
        g.records.push(GenesisRecord {
            registry: "persons".into(),
            key: "p-doc".into(),
            fields: householder(3).fields,
        });
        g.snapshots = vec![snapshot(d, "households", "hh.snapshot", &[household(3)])];
        assert!(refused(d, &g).contains(no_household));

        let mut homeless = person(90);
        homeless
            .fields
            .insert("household".into(), FieldValue::Text("hh-none".into()));
        assert!(case("homeless.snapshot", "persons", &[homeless]).contains(no_household));
        let mut odd = person(80);
        odd.fields
            .insert("shoe_size".into(), FieldValue::Text("42".into()));
        assert!(case("odd.snapshot", "persons", &[odd]).contains("shoe_size"));
        assert!(case("none.snapshot", "spaceships", &[person(81)]).contains("no genesis law"));
    }
}
