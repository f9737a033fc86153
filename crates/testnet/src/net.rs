//! A network of validator processes.

use crate::proxy::Proxy;
use govchain_node::NodeConfig;
use govchain_types::Hash;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// What went wrong with the network (or what a check found).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NetError(pub String);

fn err(e: impl std::fmt::Display) -> NetError {
    NetError(e.to_string())
}

type Result<T> = std::result::Result<T, NetError>;

/// How to build the network.
#[derive(Clone, Debug)]
pub struct TestnetOptions {
    /// The `govchain` binary.
    pub binary: PathBuf,
    pub validators: usize,
    pub block_time_ms: u64,
    /// Extra authorities with publicly derivable keys, for benchmarks (0 in tests).
    pub bench_signers: usize,
    /// Extra parents with publicly derivable keys, each with its household and children under
    /// three, for the child-subsidy benchmark (0 in tests).
    pub bench_parents: usize,
}

/// A node's head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeStatus {
    pub height: u64,
    pub block_hash: String,
    pub state_root: String,
}

/// Validators as separate processes, linked through partitionable proxies.
pub struct Testnet {
    dir: PathBuf,
    binary: PathBuf,
    configs: Vec<PathBuf>,
    api_ports: Vec<u16>,
    /// Where each validator's libp2p swarm listens (its peers reach it through proxies).
    p2p_ports: Vec<u16>,
    children: Vec<Option<Child>>,
    proxies: BTreeMap<(usize, usize), Proxy>,
    http: reqwest::Client,
}

/// Ports for nodes come from 20000–31999, below Linux's ephemeral range (where the proxies'
/// and clients' ports come from), handed out by one counter per process so that networks built
/// in parallel never race for the same port; each is checked free before use.
fn free_port() -> Result<u16> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // Different test processes start at different offsets.
    let offset = (std::process::id() % 60).saturating_mul(200);
    for _ in 0..12_000 {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let port = offset
            .wrapping_add(n)
            .checked_rem(12_000)
            .unwrap_or(0)
            .saturating_add(20_000);
        let Ok(port) = u16::try_from(port) else {
            continue;
        };
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err(NetError("no free port in 20000-31999".into()))
}

impl Testnet {
    /// Creates the chain's files in `dir` (which must be empty) with fresh ports and proxies.
    pub async fn create(dir: &Path, options: TestnetOptions) -> Result<Self> {
        let n = options.validators;
        let out = Command::new(&options.binary)
            .arg("init")
            .arg("--home")
            .arg(dir)
            .args(["--validators", &n.to_string()])
            .args(["--block-time-ms", &options.block_time_ms.to_string()])
            .args(["--bench-signers", &options.bench_signers.to_string()])
            .args(["--bench-parents", &options.bench_parents.to_string()])
            .output()
            .await
            .map_err(err)?;
        if !out.status.success() {
            return Err(NetError(format!(
                "govchain init failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let configs: Vec<PathBuf> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(PathBuf::from)
            .collect();
        let mut api_ports = Vec::new();
        let mut p2p_ports = Vec::new();
        for _ in 0..n {
            api_ports.push(free_port()?);
            p2p_ports.push(free_port()?);
        }
        let mut proxies = BTreeMap::new();
        for i in 0..n {
            for (j, port) in p2p_ports.iter().enumerate() {
                if i != j {
                    proxies.insert((i, j), Proxy::start(*port).await.map_err(err)?);
                }
            }
        }
        for (i, file) in configs.iter().enumerate() {
            let mut c = NodeConfig::load(file).map_err(err)?;
            let (Some(api), Some(p2p)) = (api_ports.get(i), p2p_ports.get(i)) else {
                return Err(NetError("init made more configs than asked".into()));
            };
            c.api.listen = std::net::SocketAddr::from(([127, 0, 0, 1], *api));
            c.consensus.listen = format!("/ip4/127.0.0.1/tcp/{p2p}");
            c.consensus.peers = proxies
                .iter()
                .filter(|((from, _), _)| *from == i)
                .map(|(_, p)| format!("/ip4/127.0.0.1/tcp/{}", p.port))
                .collect();
            c.save(file).map_err(err)?;
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            binary: options.binary,
            children: (0..configs.len()).map(|_| None).collect(),
            configs,
            api_ports,
            p2p_ports,
            proxies,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .map_err(err)?,
        })
    }

    /// Appends TOML to node `i`'s configuration (e.g. a `[byzantine]` section for a test build);
    /// takes effect at its next start.
    pub fn append_config(&self, i: usize, toml: &str) -> Result<()> {
        let file = self
            .configs
            .get(i)
            .ok_or_else(|| NetError(format!("no node {i}")))?;
        let mut text = std::fs::read_to_string(file).map_err(err)?;
        text.push('\n');
        text.push_str(toml);
        std::fs::write(file, text).map_err(err)
    }

    /// Whether node `i`'s log contains `needle`.
    pub fn log_contains(&self, i: usize, needle: &str) -> bool {
        self.configs
            .get(i)
            .and_then(|c| std::fs::read_to_string(c.with_file_name("node.log")).ok())
            .is_some_and(|t| t.contains(needle))
    }

    pub fn len(&self) -> usize {
        self.configs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.configs.is_empty()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The API address of node `i`.
    pub fn url(&self, i: usize) -> String {
        format!(
            "http://127.0.0.1:{}",
            self.api_ports.get(i).copied().unwrap_or(0)
        )
    }

    /// Node `i`'s own libp2p listen address, not a proxy's: where a stranger would dial it.
    pub fn p2p_addr(&self, i: usize) -> Option<String> {
        self.p2p_ports
            .get(i)
            .map(|p| format!("/ip4/127.0.0.1/tcp/{p}"))
    }

    /// The process id of node `i`, while it runs (e.g. to read its memory in `/proc`).
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.children.get(i)?.as_ref()?.id()
    }

    /// The API addresses of every node.
    pub fn urls(&self) -> Vec<String> {
        (0..self.len()).map(|i| self.url(i)).collect()
    }

    /// A bootstrap authority's key file.
    pub fn authority_key(&self, id: &str) -> PathBuf {
        self.dir.join("keys").join(format!("{id}.json"))
    }

    pub fn is_running(&self, i: usize) -> bool {
        matches!(self.children.get(i), Some(Some(_)))
    }

    pub fn running(&self) -> Vec<usize> {
        (0..self.len()).filter(|i| self.is_running(*i)).collect()
    }

    /// Starts node `i` and waits until its API answers.
    pub async fn start(&mut self, i: usize) -> Result<()> {
        let config = self
            .configs
            .get(i)
            .ok_or_else(|| NetError(format!("no node {i}")))?;
        let log_path = config.with_file_name("node.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(err)?;
        let mut child = Command::new(&self.binary)
            .arg("node")
            .arg("--config")
            .arg(config)
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .map_err(err)?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| NetError("no stdout".into()))?;
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .map_err(|_| {
                NetError(format!(
                    "node {i} did not start within 60 s; see {}",
                    log_path.display()
                ))
            })?
            .map_err(err)?;
        if !first.is_some_and(|l| l.starts_with("govchain: api listening on")) {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            return Err(NetError(format!(
                "node {i} failed to start ({}): {}",
                log_path.display(),
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            )));
        }
        if let Some(slot) = self.children.get_mut(i) {
            *slot = Some(child);
        }
        Ok(())
    }

    pub async fn start_all(&mut self) -> Result<()> {
        for i in 0..self.len() {
            self.start(i).await?;
        }
        Ok(())
    }

    /// `kill -9`: no chance to flush or say goodbye.
    pub async fn kill(&mut self, i: usize) -> Result<()> {
        if let Some(Some(mut child)) = self.children.get_mut(i).map(Option::take) {
            child.kill().await.map_err(err)?;
        }
        Ok(())
    }

    /// SIGTERM, then wait for a clean exit.
    pub async fn stop(&mut self, i: usize) -> Result<()> {
        let Some(Some(mut child)) = self.children.get_mut(i).map(Option::take) else {
            return Ok(());
        };
        if let Some(pid) = child.id() {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await;
        }
        match tokio::time::timeout(Duration::from_secs(20), child.wait()).await {
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => Err(NetError(format!("node {i} exited with {status}"))),
            Ok(Err(e)) => Err(err(e)),
            Err(_) => {
                let _ = child.kill().await;
                Err(NetError(format!("node {i} did not stop within 20 s")))
            }
        }
    }

    pub async fn stop_all(&mut self) -> Result<()> {
        for i in 0..self.len() {
            self.stop(i).await?;
        }
        Ok(())
    }

    /// Cuts every link between nodes of different groups.
    pub fn partition(&self, groups: &[&[usize]]) {
        let group_of = |n: usize| groups.iter().position(|g| g.contains(&n));
        for ((from, to), proxy) in &self.proxies {
            if group_of(*from) != group_of(*to) {
                proxy.block();
            }
        }
    }

    /// Restores every link.
    pub fn heal(&self) {
        for proxy in self.proxies.values() {
            proxy.unblock();
        }
    }

    async fn get(&self, i: usize, path: &str) -> Result<(u16, Value)> {
        let r = self
            .http
            .get(format!("{}{path}", self.url(i)))
            .send()
            .await
            .map_err(err)?;
        let status = r.status().as_u16();
        Ok((status, r.json().await.unwrap_or(Value::Null)))
    }

    pub async fn status(&self, i: usize) -> Result<NodeStatus> {
        let (_, v) = self.get(i, "/v1/status").await?;
        let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        Ok(NodeStatus {
            height: v
                .get("height")
                .and_then(Value::as_u64)
                .ok_or_else(|| NetError(format!("node {i} status has no height: {v}")))?,
            block_hash: field("block_hash"),
            state_root: field("state_root"),
        })
    }

    /// Heights of the running nodes.
    pub async fn heights(&self) -> Vec<(usize, u64)> {
        let mut out = Vec::new();
        for i in self.running() {
            if let Ok(s) = self.status(i).await {
                out.push((i, s.height));
            }
        }
        out
    }

    /// Waits until every running node is at `height` or above.
    pub async fn wait_height(&self, height: u64, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        loop {
            let heights = self.heights().await;
            if heights.len() == self.running().len() && heights.iter().all(|(_, h)| *h >= height) {
                return Ok(());
            }
            if started.elapsed() > timeout {
                return Err(NetError(format!(
                    "nodes did not reach height {height} within {timeout:?}: {heights:?}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Checks that every running node has the same block hash and state root at every height
    /// they all have. Returns that common height.
    pub async fn assert_roots_agree(&self) -> Result<u64> {
        let heights = self.heights().await;
        let common = heights.iter().map(|(_, h)| *h).min().unwrap_or(0);
        for h in 1..=common {
            let mut seen: Option<(usize, Value, Value)> = None;
            for (i, _) in &heights {
                let (status, block) = self.get(*i, &format!("/v1/blocks/{h}")).await?;
                if status != 200 {
                    return Err(NetError(format!("node {i} has no block {h}")));
                }
                let hash = block.get("hash").cloned().unwrap_or(Value::Null);
                let root = block
                    .get("state_root_after")
                    .cloned()
                    .unwrap_or(Value::Null);
                match &seen {
                    None => seen = Some((*i, hash, root)),
                    Some((j, hj, rj)) if (hj, rj) != (&hash, &root) => {
                        return Err(NetError(format!(
                            "height {h}: node {j} has block {hj} root {rj}, node {i} has block {hash} root {root}"
                        )));
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(common)
    }

    /// Whether node `i` has committed transaction `id`, and its receipt status.
    pub async fn tx_status(&self, i: usize, id: &Hash) -> Result<Option<String>> {
        let (status, v) = self.get(i, &format!("/v1/tx/{id}")).await?;
        if status != 200 {
            return Ok(None);
        }
        Ok(v.pointer("/receipt/status")
            .and_then(Value::as_str)
            .map(str::to_string))
    }

    /// Waits until every running node has reached the highest height any of them has.
    pub async fn catch_up(&self, timeout: Duration) -> Result<u64> {
        let top = self
            .heights()
            .await
            .iter()
            .map(|(_, h)| *h)
            .max()
            .unwrap_or(0);
        self.wait_height(top, timeout).await?;
        Ok(top)
    }

    /// Checks that every running node has committed every transaction in `ids` (once they have
    /// all caught up with the highest of them).
    pub async fn assert_committed_everywhere(&self, ids: &[Hash]) -> Result<()> {
        self.catch_up(Duration::from_secs(60)).await?;
        for i in self.running() {
            for id in ids {
                if self.tx_status(i, id).await?.is_none() {
                    return Err(NetError(format!(
                        "node {i} lost committed transaction {id}"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The last lines of every node's log, for a failing test's output.
    pub fn log_tails(&self, lines: usize) -> String {
        let mut out = String::new();
        for (i, c) in self.configs.iter().enumerate() {
            let text = std::fs::read_to_string(c.with_file_name("node.log")).unwrap_or_default();
            let all: Vec<&str> = text.lines().collect();
            let tail = all.get(all.len().saturating_sub(lines)..).unwrap_or(&[]);
            out.push_str(&format!("--- node {i} ---\n{}\n", tail.join("\n")));
        }
        out
    }
}
