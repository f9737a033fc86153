//! `govchain bench import`: the initial load of persons into a real store, in process — import
//! chunks executed by the state machine and committed block by block — with the time split
//! between execution and the store, and point reads by key at the end.

#![allow(
    clippy::arithmetic_side_effects,
    clippy::cast_precision_loss,
    reason = "benchmark arithmetic on counters and timings, not on amounts or input"
)]

use govchain_crypto::{
    SecretKey, VerifiedTx, block_hash, merkle_root, sign_tx, tx_hash, verify_tx,
};
use govchain_execution::{Laws, apply_block, genesis_writes, schema};
use govchain_store::{CommitInput, Store};
use govchain_types::*;
use std::time::{Duration, Instant};

/// A block of `txs` at `height` for an in-process benchmark (no parent, proposer `validator`).
pub(crate) fn bench_block(chain: &str, height: u64, txs: &[VerifiedTx]) -> (Block, Vec<Hash>) {
    let ids: Vec<Hash> = txs.iter().map(VerifiedTx::id).collect();
    let leaves: Vec<Hash> = txs
        .iter()
        .map(|t| tx_hash(Scheme::Ed25519, t.tx()))
        .collect();
    let block = Block {
        header: Header {
            chain_id: chain.into(),
            height,
            round: 0,
            time_ms: height,
            parent_hash: Hash::ZERO,
            tx_root: merkle_root(Scheme::Ed25519, &leaves),
            state_root: Hash::ZERO,
            proposer: key("validator").public_key(),
            validator_set_hash: Hash::ZERO,
        },
        txs: txs.iter().map(|t| t.tx().clone()).collect(),
    };
    (block, ids)
}

/// Commits genesis (`block` `None`) or a block with its outcome to a benchmark's store.
pub(crate) fn bench_commit(
    store: &Store,
    height: u64,
    block: Option<&Block>,
    ids: &[Hash],
    writes: &WriteSet,
    receipts: &[Receipt],
    journal: &[(Vec<u8>, Vec<u8>)],
) -> anyhow::Result<()> {
    store.commit(CommitInput {
        height,
        block,
        block_hash: block.map_or(Hash::ZERO, |b| block_hash(Scheme::Ed25519, &b.header)),
        certificate: None,
        receipts,
        tx_ids: ids,
        writes,
        audit: &[],
        journal,
    })?;
    Ok(())
}

/// Where the time of a run of blocks went: batch signature checks, `apply_block`, the commit,
/// each block's whole time (sorted), and the run's.
pub(crate) struct BlockTimes {
    pub verify: Duration,
    pub exec: Duration,
    pub commit: Duration,
    pub blocks: Vec<Duration>,
    pub total: Duration,
}

/// Runs each block of `signed` (at heights 1, 2, …) through what a validator does after
/// consensus — batch signature checks, `apply_block` over one store snapshot, the commit —
/// timing each part; `check` refuses a block whose receipts are not what the benchmark expects.
pub(crate) fn run_blocks(
    chain: &str,
    store: &Store,
    laws: &Laws,
    signed: Vec<Vec<Tx>>,
    check: impl Fn(&[Receipt]) -> anyhow::Result<()>,
) -> anyhow::Result<BlockTimes> {
    let count = signed.len();
    let mut t = BlockTimes {
        verify: Duration::ZERO,
        exec: Duration::ZERO,
        commit: Duration::ZERO,
        blocks: Vec::with_capacity(count),
        total: Duration::ZERO,
    };
    let started = Instant::now();
    for (b, txs) in signed.into_iter().enumerate() {
        let height = b as u64 + 1;
        let t0 = Instant::now();
        let verified = govchain_crypto::verify_txs(Scheme::Ed25519, txs)
            .into_iter()
            .map(|r| r.map_err(|(_, e)| anyhow::anyhow!("{e}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        t.verify += t0.elapsed();
        let (block, ids) = bench_block(chain, height, &verified);
        let t1 = Instant::now();
        let state = govchain_node::SnapshotState(store.reader(None)?);
        let out = apply_block(&state, &block.header, &verified, laws)?;
        t.exec += t1.elapsed();
        check(&out.receipts)?;
        drop(state);
        let t2 = Instant::now();
        bench_commit(
            store,
            height,
            Some(&block),
            &ids,
            &out.writes,
            &out.receipts,
            &out.journal,
        )?;
        t.commit += t2.elapsed();
        t.blocks.push(t0.elapsed());
        eprint!("\r  block {height}/{count}");
    }
    eprintln!();
    t.total = started.elapsed();
    t.blocks.sort();
    Ok(t)
}

pub(crate) fn key(name: &str) -> SecretKey {
    SecretKey::from_seed(Scheme::Ed25519, name.as_bytes())
}

const CHAIN: &str = "bench-import";

fn genesis() -> Genesis {
    govchain_demo::genesis::document(CHAIN, key("validator").public_key(), |id| {
        key(id).public_key()
    })
}

fn person(i: u64) -> ImportedRecord {
    let regions = ["110101", "110102", "310101"];
    let text = |s: String| FieldValue::Text(s);
    ImportedRecord {
        key: format!("p-{i:08}"),
        fields: [
            ("name", text(format!("Person {i}"))),
            (
                "birth_date",
                text(format!(
                    "{:04}-{:02}-{:02}",
                    1940 + i % 70,
                    1 + i % 12,
                    1 + i % 28
                )),
            ),
            (
                "region",
                text(
                    regions
                        .get((i % 3) as usize)
                        .copied()
                        .unwrap_or("110101")
                        .to_string(),
                ),
            ),
            ("status", text("living".into())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    }
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

pub fn run(
    records: u64,
    chunk: u64,
    chunks_per_block: u64,
    at_genesis: bool,
    dir: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let dir = dir.unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let store = Store::open(&dir.join("chain.redb"), Scheme::Ed25519)?;
    let started = Instant::now();
    let (exec, commit, sign) = if at_genesis {
        load_at_genesis(&store, &dir, records)?
    } else {
        load_in_blocks(&store, records, chunk, chunks_per_block)?
    };
    // At genesis, what counts is the load a node makes at its first start; the snapshot file
    // it reads is written once, beforehand.
    let total = if at_genesis {
        commit
    } else {
        started.elapsed()
    };
    report(&store, &dir, records, total, exec, commit, sign)?;
    println!(
        "  ({})",
        if at_genesis {
            "loaded as the genesis document's initial load".to_string()
        } else {
            format!("in chunks of {chunk}, {chunks_per_block} chunks per block")
        }
    );
    Ok(())
}

/// The persons in a snapshot file of a new chain's genesis, loaded as a node loads it at its
/// first start (`govchain_node::commit_genesis`): read, checked and written in chunks, the tree
/// built once at height 0. Writing the file (`genesis import`'s work, done once for all
/// validators) is timed apart, as "building".
fn load_at_genesis(
    store: &Store,
    dir: &std::path::Path,
    records: u64,
) -> anyhow::Result<(Duration, Duration, Duration)> {
    let t = Instant::now();
    let mut g = genesis();
    let file = "persons.snapshot";
    let out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join(file))?);
    let mut w = SnapshotWriter::new(out)?;
    for i in 0..records {
        w.write(&person(i))?;
    }
    w.finish()?;
    let bytes = std::fs::read(dir.join(file))?;
    let mut snapshot = GenesisSnapshot {
        registry: "persons".into(),
        file: file.into(),
        records,
        hash: govchain_crypto::hash(Scheme::Ed25519, &bytes),
        body: PrincipalId::new("legislature")?,
        signatures: Vec::new(),
    };
    // Approved by three of the demo legislature's five members (keys seeded `member-<id>`).
    let msg = govchain_law::snapshot_signing_bytes(CHAIN, &snapshot);
    for member in ["leg-1", "leg-2", "leg-3"] {
        snapshot.signatures.push(MemberSignature {
            member: PrincipalId::new(member)?,
            signature: govchain_crypto::Signer::sign(&key(&format!("member-{member}")), &msg),
        });
    }
    g.snapshots.push(snapshot);
    drop(bytes);
    let build = t.elapsed();
    let t = Instant::now();
    govchain_node::commit_genesis(store, &g, dir, &mut |n| {
        if n % 500_000 < govchain_node::SNAPSHOT_CHUNK as u64 {
            eprint!("\r  {n} records loaded");
        }
    })?;
    eprintln!();
    Ok((Duration::ZERO, t.elapsed(), build))
}

/// The persons through import transactions, block by block.
fn load_in_blocks(
    store: &Store,
    records: u64,
    chunk: u64,
    chunks_per_block: u64,
) -> anyhow::Result<(Duration, Duration, Duration)> {
    let laws = Laws::new()?;
    let writes = genesis_writes(&genesis())?;
    bench_commit(store, 0, None, &[], &writes, &[], &[])?;
    let signer = key("civil-affairs");
    let (mut exec, mut commit, mut sign) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut next = 0u64;
    let mut nonce = 0u64;
    let mut height = 0u64;
    while next < records {
        height += 1;
        let t = Instant::now();
        let mut txs = Vec::new();
        for _ in 0..chunks_per_block {
            if next >= records {
                break;
            }
            let end = (next + chunk).min(records);
            let body = TxBody {
                chain_id: CHAIN.into(),
                signer: signer.public_key(),
                nonce,
                valid_until: height + 10,
                acting_as: None,
                payload: Payload::ImportRecords {
                    registry: "persons".into(),
                    records: (next..end).map(person).collect(),
                },
            };
            nonce += 1;
            next = end;
            txs.push(
                verify_tx(Scheme::Ed25519, sign_tx(Scheme::Ed25519, &signer, body))
                    .map_err(|(_, e)| anyhow::anyhow!("{e}"))?,
            );
        }
        sign += t.elapsed();
        let (block, ids) = bench_block(CHAIN, height, &txs);
        let t = Instant::now();
        let out = apply_block(
            &govchain_node::SnapshotState(store.reader(None)?),
            &block.header,
            &txs,
            &laws,
        )?;
        exec += t.elapsed();
        if let Some(r) = out.receipts.iter().find(|r| r.status != TxStatus::Ok) {
            anyhow::bail!("a chunk was refused: {:?}", r.error);
        }
        let t = Instant::now();
        bench_commit(
            store,
            height,
            Some(&block),
            &ids,
            &out.writes,
            &out.receipts,
            &[],
        )?;
        commit += t.elapsed();
        if height.is_multiple_of(20) {
            eprint!("\r  {next} records loaded");
        }
    }
    eprintln!();
    Ok((exec, commit, sign))
}

/// Point reads of random persons, and the figures.
fn report(
    store: &Store,
    dir: &std::path::Path,
    records: u64,
    total: Duration,
    exec: Duration,
    commit: Duration,
    sign: Duration,
) -> anyhow::Result<()> {
    let mut lat = Vec::with_capacity(10_000);
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..10_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let i = x % records.max(1);
        let k = schema::record_key("persons", &format!("p-{i:08}"));
        let t = Instant::now();
        let v = store.get(&k, None)?;
        lat.push(t.elapsed());
        if v.is_none() {
            anyhow::bail!("person {i} is missing");
        }
    }
    lat.sort();
    let size = std::fs::metadata(dir.join("chain.redb"))?.len();
    let secs = |d: Duration| d.as_secs_f64().max(1e-9);
    println!("import benchmark: {records} persons");
    println!(
        "  records/s into state           {:>10.0}",
        records as f64 / secs(total)
    );
    if exec.is_zero() {
        println!(
            "  the genesis load               {:>10.1} s (records read and checked on one thread, written on the other; the tree built at the end)",
            secs(commit)
        );
    } else {
        println!(
            "  of which execution             {:>10.1} s ({:.0} records/s, one core)",
            secs(exec),
            records as f64 / secs(exec)
        );
        println!(
            "  of which store commit          {:>10.1} s ({:.0} records/s, the tree on a second thread)",
            secs(commit),
            records as f64 / secs(commit)
        );
    }
    println!("  building and signing (apart)   {:>10.1} s", secs(sign));
    println!(
        "  point read p50                 {:>10.1} µs",
        lat.get(lat.len() / 2)
            .copied()
            .unwrap_or_default()
            .as_secs_f64()
            * 1e6
    );
    println!(
        "  point read p99                 {:>10.1} µs",
        percentile(&lat, 0.99).as_secs_f64() * 1e6
    );
    println!(
        "  store file                     {:>10.1} MiB",
        size as f64 / 1_048_576.0
    );
    Ok(())
}
