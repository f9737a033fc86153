//! Running a node: open the application, serve the API, run the engine, stop cleanly.

use crate::app::App;
use crate::config::{NodeConfig, read_key_file};
use crate::error::{NodeError, Result};
use govchain_mempool::MempoolConfig;
use govchain_types::Genesis;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Milliseconds since the Unix epoch: the proposer's clock, read only at the edge.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Reads a genesis document (JSON).
pub fn read_genesis(path: &std::path::Path) -> Result<Genesis> {
    let text = std::fs::read_to_string(path).map_err(|source| NodeError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| NodeError::Invalid {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Runs a validator until `shutdown` completes or consensus stops: the API on
/// `config.api.listen` (`on_ready` hears the bound address) and the Malachite BFT engine.
pub async fn run(
    config: NodeConfig,
    shutdown: impl Future<Output = ()> + Send,
    on_ready: impl FnOnce(SocketAddr, &App),
) -> Result<()> {
    let genesis = read_genesis(&config.genesis_file)?;
    let key = read_key_file(&config.validator_key_file)?;
    let mempool = MempoolConfig {
        capacity: config.mempool.capacity,
        max_per_signer: config.mempool.max_per_signer,
        nonce_window: config.mempool.nonce_window,
        max_bytes: config.mempool.max_bytes,
    };
    let genesis_dir = match config.genesis_file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    #[allow(unused_mut, reason = "set only in test builds (feature `byzantine`)")]
    let mut app = App::open(
        &config.data_dir,
        genesis,
        genesis_dir,
        key.public_key(),
        mempool,
    )?
    .with_read_limits(config.api.reads);
    #[cfg(feature = "byzantine")]
    {
        app.bad_blocks = config.bad_blocks.as_ref().map(|b| b.rule);
    }
    let app = Arc::new(app);
    let secret: [u8; 32] = key.to_bytes().try_into().map_err(|_| NodeError::Invalid {
        path: config.validator_key_file.clone(),
        reason: "a validator's consensus key must be an ed25519 key".into(),
    })?;
    if key.scheme() != govchain_types::Scheme::Ed25519 {
        return Err(NodeError::Invalid {
            path: config.validator_key_file.clone(),
            reason: "a validator's consensus key must be an ed25519 key".into(),
        });
    }
    let settings = govchain_consensus::EngineSettings {
        moniker: config
            .validator_key_file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "validator".into()),
        home: config.consensus.home.clone(),
        listen: config.consensus.listen.clone(),
        peers: config.consensus.peers.clone(),
        block_time: std::time::Duration::from_millis(config.consensus.block_time_ms),
        #[cfg(feature = "byzantine")]
        byzantine: config.byzantine.clone(),
    };
    let cannot_listen = |e: std::io::Error| {
        NodeError::Other(format!("cannot listen on {}: {e}", config.api.listen))
    };
    let listener = std::net::TcpListener::bind(config.api.listen).map_err(cannot_listen)?;
    listener.set_nonblocking(true).map_err(cannot_listen)?;
    let addr = listener
        .local_addr()
        .map_err(|e| NodeError::Other(e.to_string()))?;
    let (stop_tx, stop_rx) = watch::channel(false);
    // The API's limits keep a flood of requests from starving consensus (review findings 7, 12),
    // and so does its own runtime: its async work runs on `threads` threads beside the engine's,
    // its blocking work (reads, verification) on that runtime's pool.
    let api_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.api.threads.max(1))
        .max_blocking_threads(64)
        .thread_name("api")
        .enable_all()
        .build()
        .map_err(|e| NodeError::Other(format!("cannot start the API's runtime: {e}")))?;
    let router = govchain_api::router_with(app.clone(), config.api.limits.limits());
    let mut api_stop = stop_rx.clone();
    let server = api_runtime.spawn(async move {
        let served = async {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            // Each connection's peer address: one client's share of the expensive workers.
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = api_stop.wait_for(|s| *s).await;
            })
            .await
        };
        // The validator goes on without its API; say so loudly.
        if let Err(e) = served.await {
            tracing::error!(error = %e, "the API stopped; this node goes on validating without it");
        }
    });
    let mut engine_stop = stop_rx;
    let engine_app: Arc<dyn govchain_consensus::Application> = app.clone();
    let engine = tokio::spawn(async move {
        govchain_consensus::run(settings, secret, engine_app, async move {
            let _ = engine_stop.wait_for(|s| *s).await;
        })
        .await
        .map_err(|e| NodeError::Other(e.to_string()))
    });
    on_ready(addr, &app);
    tracing::info!(%addr, height = app.head().height, "node running");

    tokio::pin!(shutdown);
    let mut engine = engine;
    let result = tokio::select! {
        _ = &mut shutdown => {
            tracing::info!("shutting down");
            let _ = stop_tx.send(true);
            engine.await.map_err(|e| NodeError::Other(e.to_string())).and_then(|r| r)
        }
        r = &mut engine => {
            let _ = stop_tx.send(true);
            r.map_err(|e| NodeError::Other(e.to_string())).and_then(|r| r)
        }
    };
    // Open event streams never end by themselves: give connections a moment, then go.
    let _ = tokio::time::timeout(Duration::from_secs(3), server).await;
    api_runtime.shutdown_background();
    result
}
