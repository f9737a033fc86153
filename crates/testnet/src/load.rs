//! A load of signed transactions that survives nodes dying under it.
//!
//! Each signer submits one transaction at a time and waits for its receipt; if the node it uses
//! stops answering, it moves to the next node and resubmits the same signed transaction, which a
//! node either admits, or refuses as a replay once it is committed. So every transaction a signer
//! saw committed is recorded, and none is ever signed twice.

use govchain_crypto::{SecretKey, sign_tx};
use govchain_types::{Hash, Payload, PrincipalId, PrincipalKind, Scheme, TxBody};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

/// What a load did.
#[derive(Clone, Debug, Default)]
pub struct LoadReport {
    /// Transactions whose `ok` receipt a signer saw.
    pub committed: Vec<Hash>,
    /// Receipt latencies from first submission, in milliseconds.
    pub latencies_ms: Vec<u64>,
    /// Times a signer had to move to another node.
    pub failovers: u64,
}

/// A running load.
pub struct Load {
    stop: Arc<AtomicBool>,
    report: Arc<Mutex<LoadReport>>,
    tasks: Vec<JoinHandle<()>>,
}

struct Signer {
    key: SecretKey,
    name: String,
    chain_id: String,
    scheme: Scheme,
    urls: Vec<String>,
    http: reqwest::Client,
    stop: Arc<AtomicBool>,
    report: Arc<Mutex<LoadReport>>,
}

impl Load {
    /// Starts one task per signer key, each registering fresh person keys in a loop.
    pub fn start(
        keys: Vec<SecretKey>,
        chain_id: &str,
        urls: Vec<String>,
        start_nonce: Vec<u64>,
    ) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let report = Arc::new(Mutex::new(LoadReport::default()));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(3))
            .build()
            .unwrap_or_default();
        let tasks = keys
            .into_iter()
            .zip(start_nonce.into_iter().chain(std::iter::repeat(0)))
            .enumerate()
            .map(|(n, (key, nonce))| {
                let signer = Signer {
                    scheme: key.scheme(),
                    key,
                    name: format!("load{n}"),
                    chain_id: chain_id.to_string(),
                    urls: urls.clone(),
                    http: http.clone(),
                    stop: stop.clone(),
                    report: report.clone(),
                };
                tokio::spawn(signer.run(nonce, n))
            })
            .collect();
        Self {
            stop,
            report,
            tasks,
        }
    }

    /// What committed so far.
    pub async fn snapshot(&self) -> LoadReport {
        self.report.lock().await.clone()
    }

    /// Stops submitting, lets in-flight transactions finish (up to 30 s), and reports.
    pub async fn stop(self) -> LoadReport {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(30), t).await;
        }
        self.report.lock().await.clone()
    }
}

enum Submit {
    Accepted,
    Replay,
    Refused(String),
    Unreachable,
}

impl Signer {
    async fn run(self, mut nonce: u64, start_node: usize) {
        let mut node = start_node;
        while !self.stop.load(Ordering::SeqCst) {
            let who = format!("{}-{nonce}", self.name);
            let Ok(principal) = PrincipalId::new(who.clone()) else {
                return;
            };
            let body = TxBody {
                chain_id: self.chain_id.clone(),
                signer: self.key.public_key(),
                nonce,
                valid_until: u64::MAX,
                acting_as: None,
                payload: Payload::RegisterKey {
                    principal,
                    kind: PrincipalKind::Person,
                    key: SecretKey::from_seed(self.scheme, who.as_bytes()).public_key(),
                },
            };
            let Some(committed) = self.until_committed(body, &mut node).await else {
                return;
            };
            let mut r = self.report.lock().await;
            r.committed.push(committed.0);
            r.latencies_ms.push(committed.1);
            drop(r);
            nonce = nonce.saturating_add(1);
        }
    }

    fn url(&self, node: usize) -> &str {
        let n = self.urls.len().max(1);
        self.urls
            .get(node.checked_rem(n).unwrap_or(0))
            .map_or("", String::as_str)
    }

    async fn failover(&self, node: &mut usize) {
        *node = node.wrapping_add(1);
        {
            let mut r = self.report.lock().await;
            r.failovers = r.failovers.saturating_add(1);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    /// Submits (and resubmits) until a node shows the receipt; `None` if stopped first.
    async fn until_committed(&self, mut body: TxBody, node: &mut usize) -> Option<(Hash, u64)> {
        let started = Instant::now();
        let mut tx = None;
        loop {
            if self.stop.load(Ordering::SeqCst) && started.elapsed() > Duration::from_secs(30) {
                return None;
            }
            // `valid_until` is fixed at the first submission, from the node's height.
            if tx.is_none() {
                let h = self.height(*node).await;
                match h {
                    Some(h) => body.valid_until = h.saturating_add(900),
                    None => {
                        self.failover(node).await;
                        continue;
                    }
                }
                tx = Some(sign_tx(self.scheme, &self.key, body.clone()));
            }
            let Some(signed) = &tx else { continue };
            let id = govchain_crypto::tx_id(self.scheme, &signed.body);
            match self.submit(*node, signed.encode()).await {
                Submit::Unreachable => {
                    self.failover(node).await;
                    continue;
                }
                Submit::Refused(why) => {
                    tracing::warn!(signer = %self.name, %why, "load transaction refused");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
                Submit::Accepted | Submit::Replay => {}
            }
            // Wait for the receipt on this node; resubmit if it does not come.
            let waited = Instant::now();
            while waited.elapsed() < Duration::from_secs(5) {
                match self.receipt(*node, &id).await {
                    Ok(Some(status)) => {
                        let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                        if status == "ok" {
                            return Some((id, ms));
                        }
                        tracing::warn!(signer = %self.name, %status, "load transaction not ok");
                        return Some((id, ms));
                    }
                    Ok(None) => tokio::time::sleep(Duration::from_millis(50)).await,
                    Err(()) => break,
                }
            }
            self.failover(node).await;
        }
    }

    async fn height(&self, node: usize) -> Option<u64> {
        let r = self
            .http
            .get(format!("{}/v1/status", self.url(node)))
            .send()
            .await
            .ok()?;
        r.json::<Value>().await.ok()?.get("height")?.as_u64()
    }

    async fn submit(&self, node: usize, raw: Vec<u8>) -> Submit {
        let resp = self
            .http
            .post(format!("{}/v1/tx", self.url(node)))
            .header("content-type", "application/octet-stream")
            .body(raw)
            .send()
            .await;
        let Ok(resp) = resp else {
            return Submit::Unreachable;
        };
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        let code = body.get("code").and_then(Value::as_str).unwrap_or("");
        match (status, code) {
            (202, _) => Submit::Accepted,
            (409, "replay" | "duplicate" | "nonce_taken") => Submit::Replay,
            (503, _) => Submit::Unreachable,
            _ => Submit::Refused(format!("{status} {body}")),
        }
    }

    /// `Ok(Some(status))` once committed, `Ok(None)` while not, `Err` if the node is gone.
    async fn receipt(&self, node: usize, id: &Hash) -> Result<Option<String>, ()> {
        let resp = self
            .http
            .get(format!("{}/v1/tx/{id}", self.url(node)))
            .send()
            .await
            .map_err(|_| ())?;
        if !resp.status().is_success() {
            return Ok(None);
        }
        let v: Value = resp.json().await.map_err(|_| ())?;
        Ok(v.pointer("/receipt/status")
            .and_then(Value::as_str)
            .map(str::to_string))
    }
}
