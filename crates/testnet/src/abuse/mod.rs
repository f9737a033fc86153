//! API abuse against one running validator (security issue #13): floods of bill verifications,
//! explanations of deep and wide entity chains, event streams held open and signed reads, one
//! kind at a time and then all together, while the chain's commit pace and every node's memory
//! are measured.
//!
//! The attackers run on a runtime of their own, so that the harness's proxies, which carry the
//! validators' consensus traffic, are not queued behind a thousand attacking tasks; both still
//! share the machine's cores with the validators, as a stranger on the same host would.

mod bodies;

pub use bodies::{ReadSigner, Req};

use crate::net::{NetError, Testnet};
use govchain_crypto::SecretKey;
use govchain_types::{PublicKey, Scheme};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, NetError>;

fn err(e: impl std::fmt::Display) -> NetError {
    NetError(e.to_string())
}

/// How hard to push.
#[derive(Clone, Debug)]
pub struct AbusePlan {
    /// How long each phase lasts.
    pub phase: Duration,
    /// Concurrent clients of each flood (verify, explain, reads).
    pub clients: usize,
    /// Event streams to hold open.
    pub event_streams: usize,
    /// Known readers: benchmark signers `bench-0` … (the network must have that many).
    pub readers: usize,
    /// The attacked node's body limit (`[api.limits] body_bytes`).
    pub body_limit: usize,
}

/// One phase of the abuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Nothing sent: the pace and memory to compare with.
    Baseline,
    /// `POST /v1/laws/verify`: an 8 MiB bill, a bill of thousands of articles just under the
    /// body limit, and the largest bill the node verifies.
    Verify,
    /// `POST /v1/explain` with the deepest and widest entity chains allowed, and past them;
    /// `GET /v1/explain`.
    Explain,
    /// `GET /v1/events`: streams held open, the refused ones retried.
    Events,
    /// Signed reads by many readers: known readers (each within its own allowance at first)
    /// and fresh keys the chain does not know, all validly signed.
    ReadsMany,
    /// Signed reads by one known reader, far past its rate.
    ReadsOne,
    /// Every flood above at once.
    All,
}

impl Phase {
    /// The attacks, in the order they are run.
    pub const ATTACKS: [Phase; 6] = [
        Phase::Verify,
        Phase::Explain,
        Phase::Events,
        Phase::ReadsMany,
        Phase::ReadsOne,
        Phase::All,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Baseline => "baseline",
            Phase::Verify => "verify",
            Phase::Explain => "explain",
            Phase::Events => "events",
            Phase::ReadsMany => "reads-many",
            Phase::ReadsOne => "reads-one",
            Phase::All => "all",
        }
    }
}

/// What one phase did and what it cost.
#[derive(Clone, Debug)]
pub struct PhaseReport {
    pub phase: Phase,
    /// From the heights before to the heights after.
    pub elapsed: Duration,
    pub sent: u64,
    /// Answers by status code; `reset` counts requests that got no answer (the connection was
    /// closed, e.g. by a 413 before the body was sent, or the client's timeout).
    pub answers: BTreeMap<String, u64>,
    /// Blocks the attacked node committed during the phase.
    pub attacked_blocks: u64,
    /// Blocks the chain committed (the highest of the other nodes).
    pub chain_blocks: u64,
    /// The attacked node's largest resident memory, in bytes, sampled every 100 ms.
    pub attacked_rss_max: u64,
    /// The largest resident memory of any other node.
    pub others_rss_max: u64,
}

impl PhaseReport {
    pub fn answered(&self, code: &str) -> u64 {
        self.answers.get(code).copied().unwrap_or(0)
    }

    fn per_second(&self, blocks: u64) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            blocks as f64 / secs
        } else {
            0.0
        }
    }

    pub fn attacked_blocks_per_second(&self) -> f64 {
        self.per_second(self.attacked_blocks)
    }

    pub fn chain_blocks_per_second(&self) -> f64 {
        self.per_second(self.chain_blocks)
    }
}

/// A node's resident memory in bytes (`VmRSS` of `/proc/PID/status`), if it runs.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

/// Answers by status code, and requests sent.
#[derive(Default)]
struct Tally {
    sent: AtomicU64,
    answers: Mutex<BTreeMap<String, u64>>,
}

impl Tally {
    fn count(&self, answer: &str) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let mut answers = self
            .answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = answers.entry(answer.to_string()).or_default();
        *n = n.saturating_add(1);
    }

    fn count_response(&self, r: &reqwest::Result<reqwest::Response>) {
        match r {
            Ok(resp) => self.count(resp.status().as_str()),
            Err(_) => self.count("reset"),
        }
    }
}

/// What the attackers share.
struct Target {
    url: String,
    http: reqwest::Client,
    tally: Tally,
    deadline: Instant,
    signer: ReadSigner,
    scheme: Scheme,
    /// The attacked node's latest height, refreshed while reads are signed.
    height: AtomicU64,
    nonce: AtomicU64,
}

impl Target {
    async fn send(&self, req: &Req) {
        let r = match req {
            Req::Get(path) => self.http.get(format!("{}{path}", self.url)).send().await,
            Req::Post(path, body) => {
                self.http
                    .post(format!("{}{path}", self.url))
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
            }
        };
        self.tally.count_response(&r);
        // Read the answer whole, as a client would, so the node's writes are not held up.
        if let Ok(resp) = r {
            let _ = resp.bytes().await;
        }
    }

    fn live(&self) -> bool {
        Instant::now() < self.deadline
    }

    /// Sends `reqs` in turn, from the `first`th, until the deadline.
    async fn flood(self: Arc<Self>, reqs: Arc<Vec<Req>>, first: usize) {
        let mut i = first;
        while self.live() {
            if let Some(r) = reqs.get(i.checked_rem(reqs.len()).unwrap_or(0)) {
                self.send(r).await;
            }
            i = i.wrapping_add(1);
        }
    }

    /// Holds an event stream open until the deadline; a refused one is retried every 100 ms.
    async fn hold_stream(self: Arc<Self>) {
        while self.live() {
            let r = self
                .http
                .get(format!("{}/v1/events", self.url))
                .send()
                .await;
            self.tally.count_response(&r);
            match r {
                Ok(mut resp) if resp.status().is_success() => {
                    while self.live() {
                        match tokio::time::timeout_at(self.deadline.into(), resp.chunk()).await {
                            Ok(Ok(Some(_))) => {}
                            _ => break,
                        }
                    }
                }
                Ok(resp) => {
                    let _ = resp.bytes().await;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Signed reads of each reader's own account: `readers` in turn, and with `fresh_every`
    /// (when not 0) every so many a fresh key the chain does not know.
    async fn read_flood(
        self: Arc<Self>,
        readers: Arc<Vec<(SecretKey, String)>>,
        fresh_every: usize,
        first: usize,
    ) {
        let mut i = first;
        while self.live() {
            let valid_until = self.height.load(Ordering::Relaxed).saturating_add(5);
            let nonce = self.nonce.fetch_add(1, Ordering::Relaxed);
            let fresh = fresh_every != 0 && i.checked_rem(fresh_every) == Some(0);
            let body = if fresh {
                let key = SecretKey::generate(self.scheme);
                self.signer
                    .account_read(&key, "bench-0", valid_until, nonce)
            } else {
                readers
                    .get(i.checked_rem(readers.len()).unwrap_or(0))
                    .and_then(|(key, name)| self.signer.account_read(key, name, valid_until, nonce))
            };
            if let Some(body) = body {
                self.send(&Req::Post("/v1/read".into(), body.into())).await;
            }
            i = i.wrapping_add(1);
        }
    }

    /// Keeps [`Target::height`] near the node's, for the reads' expiry.
    async fn follow_height(self: Arc<Self>) {
        while self.live() {
            if let Ok(Ok(v)) = async {
                self.http
                    .get(format!("{}/v1/status", self.url))
                    .send()
                    .await?
                    .json::<Value>()
                    .await
            }
            .await
            .map(|v| v.get("height").and_then(Value::as_u64).ok_or(()))
            {
                self.height.fetch_max(v, Ordering::Relaxed);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// The requests and keys of every phase, built once.
pub struct Abuse {
    attacked: usize,
    plan: AbusePlan,
    verify: Arc<Vec<Req>>,
    explain: Arc<Vec<Req>>,
    readers: Arc<Vec<(SecretKey, String)>>,
    chain_id: String,
    node: PublicKey,
    scheme: Scheme,
}

impl Abuse {
    /// Prepares the abuse of node `attacked` of `net` (which must be running).
    pub async fn prepare(net: &Testnet, attacked: usize, plan: AbusePlan) -> Result<Self> {
        let status: Value = reqwest::get(format!("{}/v1/status", net.url(attacked)))
            .await
            .map_err(err)?
            .json()
            .await
            .map_err(err)?;
        let chain_id = status
            .get("chain_id")
            .and_then(Value::as_str)
            .ok_or_else(|| NetError("the status names no chain".into()))?
            .to_string();
        let node: PublicKey =
            serde_json::from_value(status.get("node").cloned().unwrap_or(Value::Null))
                .map_err(err)?;
        let scheme: Scheme =
            serde_json::from_value(status.get("scheme").cloned().unwrap_or(Value::Null))
                .map_err(err)?;
        let post = |b: Vec<u8>| Req::Post("/v1/laws/verify".into(), b.into());
        let verify = vec![
            post(bodies::oversized_bill()),
            post(bodies::bill_of_thousands(plan.body_limit)),
            post(bodies::largest_allowed_bill(plan.body_limit)),
        ];
        let readers = (0..plan.readers.max(1))
            .map(|i| (crate::bench_signer_key(scheme, i), format!("bench-{i}")))
            .collect();
        Ok(Self {
            attacked,
            plan,
            verify: Arc::new(verify),
            explain: Arc::new(bodies::explanations()),
            readers: Arc::new(readers),
            chain_id,
            node,
            scheme,
        })
    }

    /// Runs one phase against the attacked node and measures it.
    pub async fn run(&self, net: &Testnet, phase: Phase) -> Result<PhaseReport> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(35))
            .build()
            .map_err(err)?;
        let h0 = self.heights(net).await?;
        let t0 = Instant::now();
        let target = Arc::new(Target {
            url: net.url(self.attacked),
            http,
            tally: Tally::default(),
            deadline: t0.checked_add(self.plan.phase).unwrap_or(t0),
            signer: ReadSigner {
                chain_id: self.chain_id.clone(),
                node: self.node.clone(),
            },
            scheme: self.scheme,
            height: AtomicU64::new(h0.get(&self.attacked).copied().unwrap_or(0)),
            nonce: AtomicU64::new(nonce_base()),
        });
        let rt = Attackers::start()?;
        let floods = |wanted: &[Phase]| wanted.contains(&phase) || phase == Phase::All;
        let clients = self.plan.clients.max(1);
        if floods(&[Phase::Verify]) {
            for c in 0..clients {
                rt.spawn(target.clone().flood(self.verify.clone(), c));
            }
        }
        if floods(&[Phase::Explain]) {
            for c in 0..clients {
                rt.spawn(target.clone().flood(self.explain.clone(), c));
            }
        }
        if floods(&[Phase::Events]) {
            for _ in 0..self.plan.event_streams {
                rt.spawn(target.clone().hold_stream());
            }
        }
        if floods(&[Phase::ReadsMany, Phase::ReadsOne]) {
            rt.spawn(target.clone().follow_height());
        }
        if floods(&[Phase::ReadsMany]) {
            for c in 0..clients {
                rt.spawn(target.clone().read_flood(self.readers.clone(), 4, c));
            }
        }
        if floods(&[Phase::ReadsOne]) {
            let one = Arc::new(self.readers.iter().take(1).cloned().collect::<Vec<_>>());
            for c in 0..clients {
                rt.spawn(target.clone().read_flood(one.clone(), 0, c));
            }
        }
        let (mut attacked_rss_max, mut others_rss_max) = (0u64, 0u64);
        while Instant::now() < target.deadline {
            for i in net.running() {
                let rss = net.pid(i).and_then(rss_bytes).unwrap_or(0);
                if i == self.attacked {
                    attacked_rss_max = attacked_rss_max.max(rss);
                } else {
                    others_rss_max = others_rss_max.max(rss);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Drops every attacking task and its connections at once.
        drop(rt);
        let h1 = self.heights(net).await?;
        let elapsed = t0.elapsed();
        let gained = |i: &usize| {
            h1.get(i)
                .copied()
                .unwrap_or(0)
                .saturating_sub(h0.get(i).copied().unwrap_or(0))
        };
        let chain_blocks = h1
            .keys()
            .filter(|i| **i != self.attacked)
            .map(gained)
            .max()
            .unwrap_or(0);
        let answers = target
            .tally
            .answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        Ok(PhaseReport {
            phase,
            elapsed,
            sent: target.tally.sent.load(Ordering::Relaxed),
            answers,
            attacked_blocks: gained(&self.attacked),
            chain_blocks,
            attacked_rss_max,
            others_rss_max,
        })
    }

    /// Every running node's height; the attacked node's is retried for up to 10 s (it may be
    /// finishing what the attack left it).
    async fn heights(&self, net: &Testnet) -> Result<BTreeMap<usize, u64>> {
        let started = Instant::now();
        loop {
            let heights: BTreeMap<usize, u64> = net.heights().await.into_iter().collect();
            if heights.contains_key(&self.attacked) {
                return Ok(heights);
            }
            if started.elapsed() > Duration::from_secs(10) {
                return Err(NetError(format!(
                    "node {} did not answer its status within 10 s",
                    self.attacked
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The attackers' runtime. Dropped — at the phase's end, or when the run is abandoned (an
/// error, Ctrl-C) — it drops every attacking task and its connections at once, without
/// blocking the caller's runtime.
struct Attackers(Option<tokio::runtime::Runtime>);

impl Attackers {
    fn start() -> Result<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("abuse")
            .enable_all()
            .build()
            .map_err(err)?;
        Ok(Self(Some(rt)))
    }

    fn spawn<F>(&self, task: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        if let Some(rt) = &self.0 {
            rt.spawn(task);
        }
    }
}

impl Drop for Attackers {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// Nonces start from the clock, so that reads of two runs against one chain never collide.
fn nonce_base() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
