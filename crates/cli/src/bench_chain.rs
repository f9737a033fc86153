//! `govchain bench chain`: a real network of validator processes on this machine, loaded first
//! to saturation (committed transactions per second), then at half that rate (commit latency
//! p50/p99, from submission to the commit event).

#![allow(
    clippy::arithmetic_side_effects,
    reason = "benchmark arithmetic on counters and timings, not on amounts or input"
)]

use crate::dev::bench_signer_key;
use anyhow::{Context, bail};
use futures::StreamExt;
use govchain_crypto::{SecretKey, sign_tx, tx_id};
use govchain_testnet::{Testnet, TestnetOptions};
use govchain_types::{Amount, Hash, Payload, PrincipalId, Scheme, TxBody};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// What the benchmark loads the chain with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// CNY transfers between benchmark authorities.
    Transfers,
    /// Child-subsidy applications by benchmark parents (each approved from the registers,
    /// recorded and paid from the treasury).
    ChildSubsidy,
}

pub struct ChainBench {
    pub workload: Workload,
    pub validators: usize,
    pub signers: usize,
    pub per_signer: u64,
    pub seconds: u64,
    pub block_time_ms: u64,
}

#[derive(Clone)]
struct Signed {
    id: Hash,
    hex: String,
    /// Which signer: each signer's transactions go to one node, since validators do not gossip
    /// transactions to each other (yet) and a proposer includes only consecutive nonces it holds.
    signer: usize,
}

/// Signs `count` transactions per signer, nonces from `first`. Transfers: signer `s` pays 0.01
/// yuan to signer `s + 1` (each holds 1,000,000 yuan from genesis). Child subsidy: parent `s`
/// applies for its child `nonce`.
fn sign_all(
    workload: Workload,
    signers: &[SecretKey],
    first: u64,
    count: u64,
    valid_until: u64,
) -> Vec<Vec<Signed>> {
    let n = signers.len();
    signers
        .iter()
        .enumerate()
        .map(|(s, key)| {
            let to = PrincipalId::new(format!("bench-{}", (s + 1) % n.max(1))).ok();
            (first..first + count)
                .filter_map(|nonce| {
                    let payload = match workload {
                        Workload::Transfers => Payload::Transfer {
                            currency: "CNY".into(),
                            from: None,
                            to: to.clone()?,
                            amount: Amount(1),
                            memo: String::new(),
                            reference: String::new(),
                        },
                        Workload::ChildSubsidy => Payload::Apply {
                            service: PrincipalId::new("child-subsidy").ok()?,
                            input: [(
                                "child".to_string(),
                                govchain_types::FieldValue::Text(govchain_testnet::bench_child(
                                    s,
                                    usize::try_from(nonce).ok()?,
                                )),
                            )]
                            .into(),
                        },
                    };
                    let body = TxBody {
                        chain_id: "govchain-devnet".into(),
                        signer: key.public_key(),
                        nonce,
                        valid_until,
                        acting_as: None,
                        payload,
                    };
                    let id = tx_id(Scheme::Ed25519, &body);
                    let tx = sign_tx(Scheme::Ed25519, key, body);
                    Some(Signed {
                        id,
                        hex: hex::encode(tx.encode()),
                        signer: s,
                    })
                })
                .collect()
        })
        .collect()
}

/// Interleaves signers so each batch holds consecutive nonces of many signers.
fn interleave(per_signer: Vec<Vec<Signed>>) -> Vec<Signed> {
    let mut iters: Vec<_> = per_signer.into_iter().map(Vec::into_iter).collect();
    let mut out = Vec::new();
    loop {
        let mut any = false;
        for it in &mut iters {
            if let Some(s) = it.next() {
                out.push(s);
                any = true;
            }
        }
        if !any {
            return out;
        }
    }
}

async fn post_batch(http: &reqwest::Client, url: &str, batch: &[Signed]) -> anyhow::Result<usize> {
    let body =
        serde_json::json!({ "txs": batch.iter().map(|s| s.hex.as_str()).collect::<Vec<_>>() });
    let resp = http.post(format!("{url}/v1/tx")).json(&body).send().await?;
    let v: Value = resp.json().await?;
    Ok(v.get("accepted").and_then(Value::as_u64).unwrap_or(0) as usize)
}

async fn height(http: &reqwest::Client, url: &str) -> anyhow::Result<u64> {
    let v: Value = http
        .get(format!("{url}/v1/status"))
        .send()
        .await?
        .json()
        .await?;
    v.get("height").and_then(Value::as_u64).context("no height")
}

/// Commit times of transaction ids, from a node's event stream.
async fn watch_commits(
    url: String,
    seen: Arc<Mutex<HashMap<Hash, Instant>>>,
) -> anyhow::Result<()> {
    let resp = reqwest::Client::new()
        .get(format!("{url}/v1/events"))
        .send()
        .await?;
    let mut stream = resp.bytes_stream();
    let mut buf = String::new();
    while let Some(chunk) = stream.next().await {
        buf.push_str(&String::from_utf8_lossy(&chunk?));
        while let Some(end) = buf.find("\n\n") {
            let event: String = buf.drain(..end + 2).collect();
            let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<Value>(data) else {
                continue;
            };
            let now = Instant::now();
            let mut seen = seen.lock().await;
            for r in v
                .get("receipts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(id) = r
                    .get("tx_id")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok())
                {
                    seen.insert(id, now);
                }
            }
        }
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

pub async fn run(b: ChainBench) -> anyhow::Result<()> {
    // Transfers: the mempool's nonce window (1,000); child subsidy: a child each.
    let most = match b.workload {
        Workload::Transfers => 990,
        Workload::ChildSubsidy => govchain_testnet::BENCH_CHILDREN as u64,
    };
    if b.per_signer == 0 || b.per_signer >= most {
        bail!("--per-signer must be 1..{most} for this workload (the half-load run uses the rest)");
    }
    let dir = tempfile::tempdir()?;
    let binary = std::env::current_exe()?;
    let mut net = Testnet::create(
        dir.path(),
        TestnetOptions {
            binary,
            validators: b.validators,
            block_time_ms: b.block_time_ms,
            bench_signers: if b.workload == Workload::Transfers {
                b.signers
            } else {
                0
            },
            bench_parents: if b.workload == Workload::ChildSubsidy {
                b.signers
            } else {
                0
            },
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    net.start_all().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    net.wait_height(2, Duration::from_secs(60))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let urls = net.urls();
    let url0 = urls.first().cloned().context("no nodes")?;
    let url_of = |i: usize| urls.get(i % urls.len().max(1)).cloned().unwrap_or_default();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let keys: Vec<SecretKey> = (0..b.signers)
        .map(|i| match b.workload {
            Workload::Transfers => bench_signer_key(Scheme::Ed25519, i),
            Workload::ChildSubsidy => govchain_testnet::bench_parent_key(Scheme::Ed25519, i),
        })
        .collect();
    eprintln!(
        "{} validators up; signing {} transactions from {} signers",
        b.validators,
        b.signers as u64 * b.per_signer,
        b.signers
    );

    // 1. Saturation: everything at once, spread over the nodes in batches.
    let h0 = height(&http, &url0).await?;
    let nodes = urls.len().max(1);
    let mut per_node: Vec<Vec<Vec<Signed>>> = (0..nodes).map(|_| Vec::new()).collect();
    for (s, list) in sign_all(b.workload, &keys, 0, b.per_signer, h0 + 900)
        .into_iter()
        .enumerate()
    {
        if let Some(n) = per_node.get_mut(s % nodes) {
            n.push(list);
        }
    }
    let mut batches: Vec<(usize, Vec<Signed>)> = Vec::new();
    for (node, lists) in per_node.into_iter().enumerate() {
        for chunk in interleave(lists).chunks(500) {
            batches.push((node, chunk.to_vec()));
        }
    }
    let started = Instant::now();
    let mut accepted = 0usize;
    let mut tasks = Vec::new();
    for (node, batch) in &batches {
        let url = url_of(*node);
        let http = http.clone();
        let body: Vec<String> = batch.iter().map(|s| s.hex.clone()).collect();
        tasks.push(tokio::spawn(async move {
            let body = serde_json::json!({ "txs": body });
            let r = http
                .post(format!("{url}/v1/tx"))
                .json(&body)
                .send()
                .await
                .ok()?;
            let v: Value = r.json().await.ok()?;
            let n = v.get("accepted").and_then(Value::as_u64);
            if n == Some(0) || n.is_none() {
                let first = v.pointer("/results/0/error").cloned().unwrap_or(v.clone());
                eprintln!("a batch was refused: {first}");
            }
            n
        }));
        if tasks.len() >= urls.len() * 2 {
            for t in tasks.drain(..) {
                accepted += t.await.ok().flatten().unwrap_or(0) as usize;
            }
        }
    }
    for t in tasks.drain(..) {
        accepted += t.await.ok().flatten().unwrap_or(0) as usize;
    }
    let submit_secs = started.elapsed().as_secs_f64();
    // Wait until the committed count stops growing (for 10 s: a loaded block can take seconds).
    let mut committed = 0u64;
    let mut last_change = Instant::now();
    let mut h1 = h0;
    let mut block_times = Vec::new();
    while last_change.elapsed() < Duration::from_secs(10)
        && started.elapsed() < Duration::from_secs(b.seconds.max(10) * 4)
    {
        let h = height(&http, &url0).await?;
        for hh in h1 + 1..=h {
            let v: Value = http
                .get(format!("{url0}/v1/blocks/{hh}"))
                .send()
                .await?
                .json()
                .await?;
            let n = v
                .pointer("/block/txs")
                .and_then(Value::as_array)
                .map_or(0, Vec::len) as u64;
            let t = v
                .pointer("/block/header/time_ms")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if n > 0 {
                committed += n;
                block_times.push(t);
                last_change = Instant::now();
            }
        }
        h1 = h;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let span_ms = match (block_times.first(), block_times.last()) {
        (Some(a), Some(b)) if b > a => (b - a) as f64,
        _ => f64::NAN,
    };
    // The first block's own interval is not in the span: count it out.
    let first_block_txs = committed as f64 / block_times.len().max(1) as f64;
    let saturation = (committed as f64 - first_block_txs) / (span_ms / 1000.0);
    eprintln!(
        "saturation: submitted {accepted} in {submit_secs:.1} s, committed {committed} in {} blocks",
        block_times.len()
    );
    // What the transactions did: the receipts of a sample (ok, and for applications approved).
    let mut sample_ok = 0usize;
    let sample: Vec<&Signed> = batches
        .iter()
        .flat_map(|(_, b)| b.iter())
        .step_by(97)
        .take(50)
        .collect();
    for s in &sample {
        let v: Value = http
            .get(format!("{url0}/v1/tx/{}", s.id))
            .send()
            .await?
            .json()
            .await?;
        let receipt = v.get("receipt").cloned().unwrap_or_default();
        let approved = receipt.to_string().contains(r#"["outcome","approved"]"#);
        if receipt.get("status").and_then(Value::as_str) == Some("ok")
            && (b.workload == Workload::Transfers || approved)
        {
            sample_ok += 1;
        }
    }
    eprintln!(
        "  a sample of {} receipts: {sample_ok} ok{}",
        sample.len(),
        if b.workload == Workload::ChildSubsidy {
            " and approved"
        } else {
            ""
        }
    );

    // 2. Half load: paced submissions, latency from submission to the commit event.
    let half = (saturation / 2.0).max(10.0);
    let seen = Arc::new(Mutex::new(HashMap::new()));
    let watcher = tokio::spawn(watch_commits(url0.clone(), seen.clone()));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let per_tick = ((half / 10.0).round() as usize).max(1);
    let ticks = (b.seconds * 10) as usize;
    let needed = (per_tick * ticks) as u64 / b.signers as u64 + 1;
    if b.per_signer + needed > most {
        eprintln!("(half load shortened to stay inside the nonce window, or the children)");
    }
    let extra = needed.min(most - b.per_signer);
    let h = height(&http, &url0).await?;
    let paced = interleave(sign_all(b.workload, &keys, b.per_signer, extra, h + 900));
    let mut sent: HashMap<Hash, Instant> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    for chunk in paced.chunks(per_tick).take(ticks) {
        tick.tick().await;
        let now = Instant::now();
        for s in chunk {
            sent.insert(s.id, now);
        }
        for node in 0..nodes {
            let part: Vec<Signed> = chunk
                .iter()
                .filter(|s| s.signer % nodes == node)
                .cloned()
                .collect();
            if !part.is_empty() {
                let _ = post_batch(&http, &url_of(node), &part).await;
            }
        }
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    watcher.abort();
    let seen = seen.lock().await;
    let mut lat: Vec<f64> = sent
        .iter()
        .filter_map(|(id, t)| {
            seen.get(id)
                .map(|c| c.duration_since(*t).as_secs_f64() * 1000.0)
        })
        .collect();
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    // Where a validator's time goes: execute and durably commit, per block.
    let metrics = http
        .get(format!("{url0}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    let metric = |name: &str| {
        metrics
            .lines()
            .find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|v| v.trim().parse::<f64>().ok())
            })
            .unwrap_or(f64::NAN)
    };
    let commit_sum = metric("govchain_block_commit_seconds_sum ");
    let commit_count = metric("govchain_block_commit_seconds_count ");
    let _ = net.stop_all().await;

    let ceiling = crate::bench::batch_verify_rate(Duration::from_secs(1))?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let sig_ceiling = ceiling * cores / b.validators as f64;
    println!(
        "chain benchmark: {:?}, {} validators (separate processes) on {} cores, Ed25519, block time {} ms",
        b.workload, b.validators, cores, b.block_time_ms
    );
    println!(
        "  sampled receipts     {:>10} of {} {}",
        sample_ok,
        sample.len(),
        if b.workload == Workload::ChildSubsidy {
            "ok and approved"
        } else {
            "ok"
        }
    );
    println!(
        "  saturation           {:>10.0} committed tx/s ({committed} txs)",
        saturation
    );
    println!(
        "  signature ceiling    {:>10.0} tx/s (= {ceiling:.0} batched verifications/s per core × {cores} cores / {} validators)",
        sig_ceiling, b.validators
    );
    println!(
        "  share of ceiling     {:>10.1} %",
        saturation / sig_ceiling * 100.0
    );
    println!(
        "  half load            {:>10.0} tx/s offered, {} of {} committed",
        half,
        lat.len(),
        sent.len()
    );
    println!("  commit latency p50   {:>10.0} ms", percentile(&lat, 0.50));
    println!("  commit latency p99   {:>10.0} ms", percentile(&lat, 0.99));
    println!(
        "  execute + commit     {:>10.1} ms per block on node 0 (mean of {commit_count} blocks)",
        commit_sum / commit_count * 1000.0
    );
    Ok(())
}
