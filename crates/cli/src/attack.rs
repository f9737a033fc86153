//! `govchain attack`: attacks on a real network of validator processes on 127.0.0.1, measured.
//!
//! `attack api` (security issue #13): a four-validator devnet of the demo government; a
//! baseline (blocks per second, each node's resident memory), then each API abuse against one
//! node for a while — an 8 MiB bill and bills at the caps to verify, the deepest and widest
//! entity chains to explain and past them, a thousand event streams, signed-read floods by many
//! readers and by one — then all of them at once; one table row per phase. The attacks live in
//! `govchain_testnet::abuse`, which `cli/tests/attack_api.rs` runs in short.

#![allow(
    clippy::arithmetic_side_effects,
    reason = "report arithmetic on counters and timings, not on amounts or input"
)]

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use govchain_testnet::abuse::{Abuse, AbusePlan, Phase, PhaseReport};
use govchain_testnet::{Testnet, TestnetOptions};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand)]
pub enum AttackCommand {
    /// Abuse one validator's API (verify, explain, event streams, signed reads) while the chain
    /// commits; report its pace and every node's memory per phase
    Api(ApiArgs),
}

#[derive(Args)]
pub struct ApiArgs {
    /// How long each phase lasts, in seconds
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Concurrent clients of each flood (verify, explain, reads)
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Event streams to hold open
    #[arg(long, default_value_t = 1000)]
    streams: usize,
    /// Known readers of the many-readers flood (benchmark signers of the devnet)
    #[arg(long, default_value_t = 200)]
    readers: usize,
    /// The node attacked
    #[arg(long, default_value_t = 0)]
    node: usize,
    /// The devnet's block time
    #[arg(long, default_value_t = 500)]
    block_time_ms: u64,
    /// Keep the network's files here (default: a temporary directory)
    #[arg(long)]
    dir: Option<PathBuf>,
}

fn e(x: govchain_testnet::NetError) -> anyhow::Error {
    anyhow::anyhow!("{x}")
}

pub fn run(c: AttackCommand) -> anyhow::Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    match c {
        AttackCommand::Api(a) => rt.block_on(async {
            // Ctrl-C drops the network, whose processes are killed on drop.
            tokio::select! {
                r = api(a) => r,
                _ = tokio::signal::ctrl_c() => bail!("interrupted: every node started was killed"),
            }
        }),
    }
}

async fn api(a: ApiArgs) -> anyhow::Result<()> {
    if !a.seconds.is_finite() || a.seconds <= 0.0 {
        bail!("--seconds must be positive");
    }
    let (_tmp, dir) = crate::chaos::network_dir(a.dir.as_deref())?;
    let mut net = Testnet::create(
        &dir,
        TestnetOptions {
            binary: std::env::current_exe()?,
            validators: 4,
            block_time_ms: a.block_time_ms,
            bench_signers: a.readers.max(1),
            bench_parents: 0,
        },
    )
    .await
    .map_err(e)?;
    if a.node >= net.len() {
        bail!("--node {} names no node of {}", a.node, net.len());
    }
    net.start_all().await.map_err(e)?;
    net.wait_height(2, Duration::from_secs(60))
        .await
        .map_err(e)?;
    let plan = AbusePlan {
        phase: Duration::from_secs_f64(a.seconds),
        clients: a.clients,
        event_streams: a.streams,
        readers: a.readers.max(1),
        // The harness leaves `[api.limits]` at its defaults.
        body_limit: govchain_node::ApiLimits::default().body_bytes,
    };
    println!(
        "attack api: node {} of 4, {} s a phase, {} clients a flood, {} event streams, {} readers, blocks every {} ms, in {}",
        a.node,
        a.seconds,
        a.clients,
        a.streams,
        plan.readers,
        a.block_time_ms,
        dir.display()
    );
    let abuse = Abuse::prepare(&net, a.node, plan).await.map_err(e)?;
    println!();
    println!("{}", header());
    let baseline = abuse.run(&net, Phase::Baseline).await.map_err(e)?;
    println!("{}", row(&baseline, &baseline));
    for phase in Phase::ATTACKS {
        // Let the node finish what the last phase left it (a verification holds its worker).
        tokio::time::sleep(Duration::from_secs(2)).await;
        let report = abuse.run(&net, phase).await.map_err(e)?;
        println!("{}", row(&report, &baseline));
    }
    net.catch_up(Duration::from_secs(60)).await.map_err(e)?;
    let common = net.assert_roots_agree().await;
    let _ = net.stop_all().await;
    let common = common.map_err(e).context("state roots disagree")?;
    println!();
    println!("roots agree up to height {common}");
    Ok(())
}

fn header() -> String {
    "| phase | requests | answers | blocks/s attacked node | blocks/s chain | RSS attacked node (max) | RSS other nodes (max) |\n\
     | --- | ---: | --- | ---: | ---: | ---: | ---: |"
        .to_string()
}

fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

fn row(r: &PhaseReport, baseline: &PhaseReport) -> String {
    let pace = |now: f64, base: f64| {
        if r.phase == Phase::Baseline || base <= 0.0 {
            format!("{now:.2}")
        } else {
            format!("{now:.2} ({:.0} %)", now / base * 100.0)
        }
    };
    let answers = if r.answers.is_empty() {
        "-".to_string()
    } else {
        r.answers
            .iter()
            .map(|(code, n)| format!("{code}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "| {} | {} | {} | {} | {} | {} | {} |",
        r.phase.name(),
        r.sent,
        answers,
        pace(
            r.attacked_blocks_per_second(),
            baseline.attacked_blocks_per_second()
        ),
        pace(
            r.chain_blocks_per_second(),
            baseline.chain_blocks_per_second()
        ),
        mib(r.attacked_rss_max),
        mib(r.others_rss_max)
    )
}
