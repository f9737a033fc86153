//! The single-validator block producer: for tests and `govchain dev` only. Multi-validator
//! networks run the BFT engine, which drives [`App`] through the same three calls: `propose`,
//! `check_proposal` (for blocks of others) and `commit`.

use crate::app::App;
use crate::config::ProducerConfig;
use crate::error::{NodeError, Result};
use crate::run::now_ms;
use govchain_crypto::{SecretKey, sign_commit};
use govchain_types::CommitCertificate;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Cuts a block whenever transactions wait (at most every `block_interval_ms`), and an empty
/// one every `idle_block_ms`; certifies each with its own signature as the only validator.
pub struct SoloProducer {
    key: Arc<SecretKey>,
    config: ProducerConfig,
}

impl SoloProducer {
    /// Refuses to start unless `key` is the one and only validator of the chain.
    pub fn new(app: &App, key: SecretKey, config: ProducerConfig) -> Result<Self> {
        let validators = &app.genesis().validators;
        let pk = key.public_key();
        if validators.len() != 1 || validators.iter().all(|v| v.key != pk) {
            return Err(NodeError::Other(format!(
                "the single-validator producer needs a chain whose only validator is `{pk}`; \
                 this chain has {} validators",
                validators.len()
            )));
        }
        Ok(Self {
            key: Arc::new(key),
            config,
        })
    }

    /// Produces one block now and commits it.
    pub fn produce(app: &App, key: &SecretKey) -> Result<crate::app::CommitInfo> {
        let proposal = app.propose(&key.public_key(), now_ms())?;
        let header = &proposal.block.header;
        let signature = sign_commit(&header.chain_id, header.height, 0, &proposal.hash, key);
        let certificate = CommitCertificate {
            height: header.height,
            round: 0,
            block_hash: proposal.hash,
            signatures: vec![signature],
        };
        app.commit(&proposal.block, &proposal.txs, &certificate)
    }

    /// Runs until `shutdown` turns true. A failed commit stops the producer: the node must not
    /// go on over a state it could not write.
    pub async fn run(self, app: Arc<App>, mut shutdown: watch::Receiver<bool>) -> Result<()> {
        let interval = Duration::from_millis(self.config.block_interval_ms.max(1));
        let idle = Duration::from_millis(self.config.idle_block_ms.max(1));
        let mut last = Instant::now();
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                _ = tokio::time::sleep(interval) => {}
            }
            if *shutdown.borrow() {
                break;
            }
            if app.mempool().is_empty() && last.elapsed() < idle {
                continue;
            }
            let (app2, key) = (app.clone(), self.key.clone());
            let info = tokio::task::spawn_blocking(move || Self::produce(&app2, &key))
                .await
                .map_err(|e| NodeError::Other(format!("producer task failed: {e}")))??;
            tracing::info!(height = info.height, txs = info.txs, root = %info.state_root, "block committed");
            last = Instant::now();
        }
        Ok(())
    }
}
