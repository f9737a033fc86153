//! `govchain bench`: figures of this machine that every throughput figure is compared with.

#![allow(
    clippy::arithmetic_side_effects,
    reason = "benchmark arithmetic on counters and timings, not on amounts or input"
)]

use clap::Subcommand;
use govchain_crypto::{BatchVerifier, SecretKey, verify};
use govchain_types::{PublicKey, Scheme, Signature};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Signature verifications per second on one core: single and batched, Ed25519 and SM2
    Verify {
        /// Seconds to spend on each measurement
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
    },
    /// A network of validator processes on this machine: committed CNY transfers/s at
    /// saturation, commit latency p50/p99 at half that load
    Chain {
        /// `transfers`, or `child-subsidy` (applications by benchmark parents, approved from
        /// the registers and paid from the treasury; at most 99 per signer)
        #[arg(long, value_enum, default_value = "transfers")]
        workload: crate::bench_chain::Workload,
        #[arg(long, default_value_t = 4)]
        validators: usize,
        /// Signers loading the chain (benchmark authorities with public keys)
        #[arg(long, default_value_t = 200)]
        signers: usize,
        /// Transactions per signer in the saturation run (at most 900)
        #[arg(long, default_value_t = 100)]
        per_signer: u64,
        /// Seconds of the half-load run
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 200)]
        block_time_ms: u64,
    },
    /// µs per authorization decision with many laws in force (buckets vs the whole book)
    Laws {
        #[arg(long, default_value_t = 50)]
        laws: usize,
        #[arg(long, default_value_t = 10)]
        articles_per_law: usize,
        #[arg(long, default_value_t = 50)]
        registries: usize,
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
    },
    /// The initial load of persons into a real store (import chunks executed and committed):
    /// records/s, execution vs store time, point reads at the end
    Import {
        #[arg(long, default_value_t = 100_000)]
        records: u64,
        /// Records per import transaction
        #[arg(long, default_value_t = 500)]
        chunk: u64,
        /// Import transactions per block
        #[arg(long, default_value_t = 20)]
        chunks_per_block: u64,
        /// Load them as a new chain's genesis document (the initial load at height 0) instead
        #[arg(long)]
        genesis: bool,
        /// Directory for the scratch store (default: a temporary directory)
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// CNY transfers through batch signature checks, the state machine and a real store, in
    /// process: transfers/s and the share of each part
    Transfers {
        #[arg(long, default_value_t = 100_000)]
        transfers: usize,
        #[arg(long, default_value_t = 5_000)]
        per_block: usize,
        /// Distinct payers (each a keyed person with 10,000 yuan)
        #[arg(long, default_value_t = 10_000)]
        payers: usize,
        /// Directory for the scratch store (default: a temporary directory)
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Applications to a service through batch signature checks, the state machine (the
    /// service's script and the laws) and a real store, in process: applications/s and µs of
    /// each part
    Applications {
        /// Blocks; each holds one application of every applicant
        #[arg(long, default_value_t = 20)]
        blocks: usize,
        /// Applicants (keyed parents, or organisations represented by keyed persons), so
        /// applications per block
        #[arg(long, default_value_t = 2_000, alias = "organisations")]
        applicants: usize,
        /// `child-subsidy` (each parent applies for one of its children under three a block:
        /// approved, recorded, paid from the treasury) or `grant-licence` (each organisation
        /// for a retail licence: approved, written)
        #[arg(long, default_value = "child-subsidy")]
        service: String,
        /// Directory for the scratch store (default: a temporary directory)
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Committed state writes/s, proof generations/s and point-read latency
    Store {
        /// Keys to write
        #[arg(long, default_value_t = 1_000_000)]
        keys: u64,
        /// Writes per committed block
        #[arg(long, default_value_t = 10_000)]
        batch: u64,
        /// Directory for the scratch store (default: a temporary directory)
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Hash of the Merkle tree: ed25519 chains use SHA-256, sm2 chains SM3
        #[arg(long, default_value = "ed25519")]
        scheme: Scheme,
    },
}

pub fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Verify { seconds } => bench_verify(Duration::from_secs_f64(seconds)),
        BenchCommand::Laws {
            laws,
            articles_per_law,
            registries,
            requests,
        } => crate::bench_laws::run(laws, articles_per_law, registries, requests),
        BenchCommand::Chain {
            workload,
            validators,
            signers,
            per_signer,
            seconds,
            block_time_ms,
        } => tokio::runtime::Runtime::new()?.block_on(crate::bench_chain::run(
            crate::bench_chain::ChainBench {
                workload,
                validators,
                signers,
                per_signer,
                seconds,
                block_time_ms,
            },
        )),
        BenchCommand::Import {
            records,
            chunk,
            chunks_per_block,
            genesis,
            dir,
        } => crate::bench_import::run(records, chunk, chunks_per_block, genesis, dir),
        BenchCommand::Transfers {
            transfers,
            per_block,
            payers,
            dir,
        } => crate::bench_transfers::run(transfers, per_block, payers, dir),
        BenchCommand::Applications {
            blocks,
            applicants,
            service,
            dir,
        } => crate::bench_applications::run(blocks, applicants, &service, dir),
        BenchCommand::Store {
            keys,
            batch,
            dir,
            scheme,
        } => bench_store(keys, batch, dir, scheme),
    }
}

/// 64 keys, messages of about the size of a small transaction's signing bytes.
fn corpus(scheme: Scheme) -> Vec<(PublicKey, Vec<u8>, Signature)> {
    (0u32..64)
        .map(|i| {
            let key = SecretKey::from_seed(scheme, format!("bench-{i}").as_bytes());
            let msg =
                format!("govchain bench message {i:04} of about sixty bytes....").into_bytes();
            let sig = key.sign(&msg);
            (key.public_key(), msg, sig)
        })
        .collect()
}

/// Runs `f` (which verifies `per_call` signatures) for about `budget`; returns verifications/s.
fn rate(budget: Duration, per_call: usize, mut f: impl FnMut() -> bool) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut n = 0usize;
    while start.elapsed() < budget {
        if !f() {
            anyhow::bail!("a valid signature failed to verify");
        }
        n += per_call;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Ed25519 batched verifications per second on one core: the ceiling throughput is compared with.
pub fn batch_verify_rate(budget: Duration) -> anyhow::Result<f64> {
    let items = corpus(Scheme::Ed25519);
    rate(budget, items.len(), || {
        let mut b = BatchVerifier::new();
        for (k, m, s) in &items {
            b.push(k, m, s);
        }
        b.verify().iter().all(Result::is_ok)
    })
}

fn bench_verify(budget: Duration) -> anyhow::Result<()> {
    println!(
        "signature verification on one core ({} s each)",
        budget.as_secs_f64()
    );
    println!(
        "{:<10} {:>14} {:>18}",
        "scheme", "single/s", "batch of 64 /s"
    );
    for scheme in [Scheme::Ed25519, Scheme::Sm2] {
        let items = corpus(scheme);
        let mut i = 0usize;
        let single = rate(budget, 1, || {
            i = (i + 1) % items.len();
            items
                .get(i)
                .is_some_and(|(k, m, s)| verify(k, m, s).is_ok())
        })?;
        let batch = rate(budget, items.len(), || {
            let mut b = BatchVerifier::new();
            for (k, m, s) in &items {
                b.push(k, m, s);
            }
            b.verify().iter().all(Result::is_ok)
        })?;
        let batch_note = if scheme == Scheme::Sm2 {
            " (no batch algorithm: one by one)"
        } else {
            ""
        };
        println!(
            "{:<10} {:>14.0} {:>18.0}{batch_note}",
            scheme.name(),
            single,
            batch
        );
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("cores: {cores}; the machine's ceiling is about cores × the batch figure");
    Ok(())
}

fn bench_store(keys: u64, batch: u64, dir: Option<PathBuf>, scheme: Scheme) -> anyhow::Result<()> {
    let tmp;
    let dir = match dir {
        Some(d) => {
            std::fs::create_dir_all(&d)?;
            d
        }
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let bar = ProgressBar::new(keys);
    bar.set_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} keys committed ({per_sec}, eta {eta})",
    )?);
    let report = govchain_store::bench::run(&dir, scheme, keys, batch, &mut |done| {
        bar.set_position(done)
    })?;
    bar.finish_and_clear();
    println!(
        "store benchmark: {} keys, {} per block, {} Merkle tree",
        report.keys, report.batch, scheme
    );
    println!("  committed writes/s   {:>12.0}", report.writes_per_sec);
    println!("  proofs generated/s   {:>12.0}", report.proofs_per_sec);
    println!("  point read p50       {:>12.1} µs", report.read_p50_us);
    println!("  point read p99       {:>12.1} µs", report.read_p99_us);
    println!(
        "  store file           {:>12.1} MiB",
        report.file_bytes as f64 / 1_048_576.0
    );
    Ok(())
}
