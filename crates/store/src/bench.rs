//! `govchain bench store`: committed writes/s, proofs/s and point-read latency.

use crate::{CommitInput, Result, Store};
use govchain_types::{Block, Hash, Header, Height, PublicKey, Scheme, Write, WriteSet};
use std::path::Path;
use std::time::{Duration, Instant};

/// The file the benchmark creates in its directory, and removes when done.
pub const BENCH_FILE: &str = "bench-store.redb";

/// How many proofs and reads are sampled at most.
const PROOF_SAMPLE: u64 = 10_000;
const READ_SAMPLE: u64 = 100_000;

/// What [`run`] measured.
#[derive(Clone, Debug)]
pub struct BenchReport {
    pub scheme: Scheme,
    /// Keys written, one write each.
    pub keys: u64,
    /// Writes per committed block.
    pub batch: u64,
    /// Blocks committed (genesis included).
    pub blocks: u64,
    /// Time spent committing, each commit durable.
    pub commit_time: Duration,
    /// Committed state writes per second.
    pub writes_per_sec: f64,
    /// Proofs generated (and each verified once, outside the timing).
    pub proofs: u64,
    pub proofs_per_sec: f64,
    /// Point reads at the latest height.
    pub reads: u64,
    pub read_p50_us: f64,
    pub read_p99_us: f64,
    /// Size of the store file when all keys are in, in bytes.
    pub file_bytes: u64,
}

/// The key of bench item `i`.
pub fn bench_key(i: u64) -> Vec<u8> {
    let mut k = b"bench/".to_vec();
    k.extend_from_slice(&i.to_be_bytes());
    k
}

/// The deterministic, random-looking 32-byte value of bench item `i`.
pub fn bench_value(i: u64) -> Vec<u8> {
    let mut rng = SplitMix64(i);
    (0..4).flat_map(|_| rng.next().to_le_bytes()).collect()
}

/// Commits `keys` keys in blocks of `batch` writes into a fresh store in `dir`, then measures
/// proof generation and point reads. `progress` is told how many keys are committed after each
/// block. The store file is removed at the end.
pub fn run(
    dir: &Path,
    scheme: Scheme,
    keys: u64,
    batch: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<BenchReport> {
    let batch = batch.max(1);
    let path = dir.join(BENCH_FILE);
    if path.exists() {
        std::fs::remove_file(&path)?;
    }
    let report = measure(&path, scheme, keys, batch, progress);
    // Best effort: a failed run should still say why, not that the cleanup failed.
    let _ = std::fs::remove_file(&path);
    report
}

fn measure(
    path: &Path,
    scheme: Scheme,
    keys: u64,
    batch: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<BenchReport> {
    let store = Store::open(path, scheme)?;

    // Commits.
    let mut commit_time = Duration::ZERO;
    let mut written = 0u64;
    let mut height: Height = 0;
    let mut blocks = 0u64;
    loop {
        let end = written.saturating_add(batch).min(keys);
        let writes: WriteSet = (written..end)
            .map(|i| {
                let w = Write {
                    value: Some(bench_value(i)),
                    tx_index: None,
                };
                (bench_key(i), w)
            })
            .collect();
        let block = (height > 0).then(|| bench_block(height));
        let input = CommitInput {
            height,
            block: block.as_ref(),
            block_hash: Hash(SplitMix64(height).bytes32()),
            certificate: None,
            receipts: &[],
            tx_ids: &[],
            writes: &writes,
            audit: &[],
            journal: &[],
        };
        let started = Instant::now();
        store.commit(input)?;
        commit_time = commit_time.saturating_add(started.elapsed());
        blocks = blocks.saturating_add(1);
        written = end;
        progress(written);
        if written >= keys {
            break;
        }
        height = height.saturating_add(1);
    }
    let file_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);

    // Proofs over a spread of keys; one is verified so a broken proof cannot be fast.
    let proofs = keys.min(PROOF_SAMPLE);
    let mut rng = SplitMix64(0x5eed);
    let started = Instant::now();
    let mut last = None;
    for _ in 0..proofs {
        let i = rng.below(keys);
        last = Some(store.proof(&bench_key(i), height)?);
    }
    let proof_time = started.elapsed();
    if let Some(p) = last {
        p.verify(&store.root(height)?)?;
    }

    // Point reads at the latest height.
    let reads = keys.min(READ_SAMPLE);
    let mut latencies = Vec::with_capacity(usize::try_from(reads).unwrap_or(0));
    for _ in 0..reads {
        let key = bench_key(rng.below(keys));
        let started = Instant::now();
        let got = store.get(&key, None)?;
        latencies.push(started.elapsed());
        std::hint::black_box(got);
    }
    latencies.sort_unstable();

    Ok(BenchReport {
        scheme,
        keys,
        batch,
        blocks,
        commit_time,
        writes_per_sec: per_sec(keys, commit_time),
        proofs,
        proofs_per_sec: per_sec(proofs, proof_time),
        reads,
        read_p50_us: percentile_us(&latencies, 50),
        read_p99_us: percentile_us(&latencies, 99),
        file_bytes,
    })
}

fn bench_block(height: Height) -> Block {
    Block {
        header: Header {
            chain_id: "bench".into(),
            height,
            round: 0,
            time_ms: height,
            parent_hash: Hash::ZERO,
            tx_root: Hash::ZERO,
            state_root: Hash::ZERO,
            proposer: PublicKey::Ed25519([0; 32]),
            validator_set_hash: Hash::ZERO,
        },
        txs: Vec::new(),
    }
}

#[expect(clippy::cast_precision_loss, reason = "a rate for people to read")]
fn per_sec(count: u64, took: Duration) -> f64 {
    let secs = took.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

/// The `pct`th percentile of sorted latencies, in microseconds (nearest rank).
fn percentile_us(sorted: &[Duration], pct: usize) -> f64 {
    let n = sorted.len();
    let rank = n.saturating_mul(pct).div_ceil(100).saturating_sub(1);
    sorted
        .get(rank.min(n.saturating_sub(1)))
        .map_or(0.0, |d| d.as_secs_f64() * 1e6)
}

/// splitmix64: deterministic values and sample indices.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next().checked_rem(n).unwrap_or(0)
    }

    fn bytes32(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for chunk in out.chunks_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_bench_runs_and_reports() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let mut seen = Vec::new();
        let report = run(dir.path(), Scheme::Sm2, 1_000, 300, &mut |n| seen.push(n))?;
        assert_eq!(seen, vec![300, 600, 900, 1_000]);
        assert_eq!(report.blocks, 4);
        assert_eq!(report.proofs, 1_000);
        assert!(report.writes_per_sec > 0.0 && report.proofs_per_sec > 0.0);
        assert!(report.read_p50_us > 0.0 && report.read_p50_us <= report.read_p99_us);
        assert!(report.file_bytes > 0);
        assert!(!dir.path().join(BENCH_FILE).exists());
        Ok(())
    }
}
