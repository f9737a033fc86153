//! `govchain chaos`: a randomised soak of a real network — validators killed with SIGKILL and
//! restarted, 2|2 partitions made and healed — under a load of signed transactions; then a
//! summary: committed transactions, lost ones (must be 0), longest stall, root agreement.

#![allow(
    clippy::arithmetic_side_effects,
    reason = "soak bookkeeping on counters and timings, not on amounts or input"
)]

use anyhow::{Context, bail};
use govchain_node::read_key_file;
use govchain_testnet::{Load, Testnet, TestnetOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct Chaos {
    pub minutes: f64,
    pub validators: usize,
    pub seed: u64,
    pub dir: Option<PathBuf>,
}

fn e(x: govchain_testnet::NetError) -> anyhow::Error {
    anyhow::anyhow!("{x}")
}

/// Where a network of this machine keeps its files: `dir` (created if need be), else a temporary
/// directory, removed when the returned guard drops.
pub fn network_dir(
    dir: Option<&std::path::Path>,
) -> anyhow::Result<(Option<tempfile::TempDir>, PathBuf)> {
    match dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            Ok((None, d.to_path_buf()))
        }
        None => {
            let tmp = tempfile::tempdir()?;
            let path = tmp.path().to_path_buf();
            Ok((Some(tmp), path))
        }
    }
}

pub async fn run(c: Chaos) -> anyhow::Result<()> {
    if c.validators < 4 {
        bail!("chaos needs at least 4 validators, so that one may fail");
    }
    let (_tmp, dir) = crate::chaos::network_dir(c.dir.as_deref())?;
    let mut net = Testnet::create(
        &dir,
        TestnetOptions {
            binary: std::env::current_exe()?,
            validators: c.validators,
            block_time_ms: 200,
            bench_signers: 0,
            bench_parents: 0,
        },
    )
    .await
    .map_err(e)?;
    net.start_all().await.map_err(e)?;
    net.wait_height(2, Duration::from_secs(60))
        .await
        .map_err(e)?;
    let keys = [
        "civil-affairs",
        "market-regulation",
        "hr-social-security",
        "central-bank",
    ]
    .iter()
    .map(|a| read_key_file(&net.authority_key(a)))
    .collect::<Result<Vec<_>, _>>()?;
    let load = Load::start(keys, "govchain-devnet", net.urls(), vec![]);
    let mut rng = StdRng::seed_from_u64(c.seed);
    let deadline = Instant::now() + Duration::from_secs_f64(c.minutes * 60.0);
    let (mut kills, mut partitions) = (0u32, 0u32);
    let mut longest_stall = Duration::ZERO;
    let mut last_height = 0u64;
    let mut last_progress = Instant::now();
    let mut down: Option<usize> = None;
    let mut partitioned_until: Option<Instant> = None;
    let mut next_action = Instant::now() + Duration::from_secs(5);
    println!(
        "chaos: {} validators for {} min, seed {}, in {}",
        c.validators,
        c.minutes,
        c.seed,
        dir.display()
    );
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let top = net
            .heights()
            .await
            .iter()
            .map(|(_, h)| *h)
            .max()
            .unwrap_or(0);
        if top > last_height {
            last_height = top;
            last_progress = Instant::now();
        } else if partitioned_until.is_none() {
            // A 2|2 split may not commit by design; every other stall counts.
            longest_stall = longest_stall.max(last_progress.elapsed());
        }
        if let Some(until) = partitioned_until
            && Instant::now() > until
        {
            net.heal();
            partitioned_until = None;
            last_progress = Instant::now();
            println!("  h{top:>6}  healed");
        }
        if Instant::now() < next_action || partitioned_until.is_some() {
            continue;
        }
        next_action = Instant::now() + Duration::from_secs(rng.gen_range(5..15));
        match (down, rng.gen_range(0..3)) {
            (Some(i), _) => {
                net.start(i).await.map_err(e)?;
                down = None;
                println!("  h{top:>6}  restarted node {i}");
            }
            (None, 0) => {
                let n = net.len();
                let mut nodes: Vec<usize> = (0..n).collect();
                for k in (1..n).rev() {
                    nodes.swap(k, rng.gen_range(0..=k));
                }
                let (a, b) = nodes.split_at(n / 2);
                net.partition(&[a, b]);
                partitions += 1;
                partitioned_until =
                    Some(Instant::now() + Duration::from_secs(rng.gen_range(3..10)));
                println!("  h{top:>6}  partition {a:?} | {b:?}");
            }
            (None, _) => {
                let i = rng.gen_range(0..net.len());
                net.kill(i).await.map_err(e)?;
                down = Some(i);
                kills += 1;
                println!("  h{top:>6}  kill -9 node {i}");
            }
        }
    }
    net.heal();
    if let Some(i) = down {
        net.start(i).await.map_err(e)?;
    }
    let report = load.stop().await;
    let top = net.catch_up(Duration::from_secs(120)).await.map_err(e)?;
    let mut lost = 0usize;
    for i in net.running() {
        for id in &report.committed {
            if net.tx_status(i, id).await.map_err(e)?.is_none() {
                lost += 1;
                eprintln!("node {i} lacks committed transaction {id}");
            }
        }
    }
    let roots = net.assert_roots_agree().await;
    let _ = net.stop_all().await;
    println!("chaos summary");
    println!("  height reached        {top}");
    println!("  kills / partitions    {kills} / {partitions}");
    println!("  committed txs         {}", report.committed.len());
    println!("  lost txs              {lost}");
    println!(
        "  longest stall         {:.1} s (outside partitions)",
        longest_stall.as_secs_f64()
    );
    println!(
        "  roots agree           {}",
        if roots.is_ok() { "yes" } else { "NO" }
    );
    roots.map_err(e).context("state roots disagree")?;
    if lost > 0 {
        bail!("{lost} committed transactions were lost");
    }
    Ok(())
}
