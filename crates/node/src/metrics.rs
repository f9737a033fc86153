//! Prometheus metrics of the node.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

pub struct Metrics {
    registry: Registry,
    pub height: Gauge,
    pub blocks: Counter,
    pub txs: Counter,
    pub txs_failed: Counter,
    pub mempool_size: Gauge,
    pub admitted: Counter,
    pub refused: Counter,
    /// Seconds to execute and durably commit a block.
    pub commit_seconds: Histogram,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("govchain");
        let m = Self {
            height: Gauge::default(),
            blocks: Counter::default(),
            txs: Counter::default(),
            txs_failed: Counter::default(),
            mempool_size: Gauge::default(),
            admitted: Counter::default(),
            refused: Counter::default(),
            commit_seconds: Histogram::new(exponential_buckets(0.000_5, 2.0, 14)),
            registry: Registry::default(),
        };
        registry.register(
            "height",
            "Height of the latest committed block",
            m.height.clone(),
        );
        registry.register("blocks_committed", "Blocks committed", m.blocks.clone());
        registry.register("txs_committed", "Transactions committed", m.txs.clone());
        registry.register(
            "txs_not_ok",
            "Committed transactions that failed or were rejected",
            m.txs_failed.clone(),
        );
        registry.register(
            "mempool_size",
            "Transactions waiting",
            m.mempool_size.clone(),
        );
        registry.register(
            "txs_admitted",
            "Transactions admitted to the mempool",
            m.admitted.clone(),
        );
        registry.register(
            "txs_refused",
            "Transactions refused at admission",
            m.refused.clone(),
        );
        registry.register(
            "block_commit_seconds",
            "Time to execute and durably commit a block",
            m.commit_seconds.clone(),
        );
        Self { registry, ..m }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out = "# metrics encoding failed\n".into();
        }
        // The OpenMetrics terminator must come last: Malachite's metrics go before it.
        if let Some(body) = out.strip_suffix("# EOF\n") {
            let mut joined = body.to_string();
            govchain_consensus::export_metrics(&mut joined);
            if !joined.ends_with("# EOF\n") {
                joined.push_str("# EOF\n");
            }
            out = joined;
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
