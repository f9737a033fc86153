//! Starting Malachite for one validator: configuration built in code, the engine with its WAL,
//! network and value sync, and the application loop.

use crate::application::Application;
use crate::codec::GovCodec;
#[cfg(feature = "byzantine")]
use crate::context::BlockId;
use crate::context::{Address, GovCtx, PrivateKey, ValidatorSet};
use crate::host::{Host, HostError};
use crate::proposals::ProposalStore;
use crate::signing::{GovSigner, GovVerifier};
use malachitebft_app_channel::app::config::{
    ConsensusConfig, DiscoveryConfig, NodeConfig, P2pConfig, ValuePayload, ValueSyncConfig,
};
use malachitebft_app_channel::app::net::Multiaddr;
use malachitebft_app_channel::app::types::Keypair;
use malachitebft_app_channel::app::types::codec::Codec;
use malachitebft_app_channel::{
    ConsensusContext, EngineBuilder, NetworkContext, NetworkIdentity, RequestContext, SyncContext,
    WalContext,
};
use malachitebft_core_types::ValidatorProof;
use malachitebft_signing::Signer as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Why the engine could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("consensus configuration: {0}")]
    Config(String),
    #[error("consensus engine: {0}")]
    Engine(String),
    #[error(transparent)]
    Host(#[from] HostError),
}

/// Where a validator listens and whom it dials.
#[derive(Clone, Debug)]
pub struct EngineSettings {
    /// Name in logs.
    pub moniker: String,
    /// The consensus home: the WAL and the proposal store live here.
    pub home: PathBuf,
    /// A libp2p multiaddr, e.g. `/ip4/127.0.0.1/tcp/27000`.
    pub listen: String,
    /// The other validators' multiaddrs.
    pub peers: Vec<String>,
    /// The least time between the starts of two heights (Malachite's `target_time`).
    pub block_time: Duration,
    /// Test builds only: make this validator Byzantine (equivocate, drop messages).
    #[cfg(feature = "byzantine")]
    pub byzantine: Option<malachitebft_engine_byzantine::ByzantineConfig>,
}

#[derive(Clone, Debug)]
struct EngineConfig {
    moniker: String,
    consensus: ConsensusConfig,
    value_sync: ValueSyncConfig,
}

impl NodeConfig for EngineConfig {
    fn moniker(&self) -> &str {
        &self.moniker
    }
    fn consensus(&self) -> &ConsensusConfig {
        &self.consensus
    }
    fn consensus_mut(&mut self) -> &mut ConsensusConfig {
        &mut self.consensus
    }
    fn value_sync(&self) -> &ValueSyncConfig {
        &self.value_sync
    }
    fn value_sync_mut(&mut self) -> &mut ValueSyncConfig {
        &mut self.value_sync
    }
}

fn multiaddr(s: &str) -> Result<Multiaddr, EngineError> {
    s.parse()
        .map_err(|e| EngineError::Config(format!("`{s}` is not a multiaddr: {e}")))
}

fn config(s: &EngineSettings) -> Result<EngineConfig, EngineError> {
    let peers = s
        .peers
        .iter()
        .map(|p| multiaddr(p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(EngineConfig {
        moniker: s.moniker.clone(),
        consensus: ConsensusConfig {
            value_payload: ValuePayload::ProposalAndParts,
            p2p: P2pConfig {
                listen_addr: multiaddr(&s.listen)?,
                persistent_peers: peers,
                // Every validator of a devnet shares 127.0.0.1; Malachite counts inbound
                // connections per IP, persistent peers included.
                discovery: DiscoveryConfig {
                    max_connections_per_ip: 256,
                    ..DiscoveryConfig::default()
                },
                ..P2pConfig::default()
            },
            ..ConsensusConfig::default()
        },
        value_sync: ValueSyncConfig {
            status_update_interval: Duration::from_secs(1),
            request_timeout: Duration::from_secs(5),
            ..ValueSyncConfig::default()
        },
    })
}

/// Starts the engine and runs the application loop until the engine stops or `shutdown`
/// completes. `key` is the validator's Ed25519 consensus key (its 32-byte secret).
pub async fn run(
    settings: EngineSettings,
    key: [u8; 32],
    app: Arc<dyn Application>,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), EngineError> {
    let genesis = app.genesis();
    let chain_id = genesis.chain_id.clone();
    let next = app.last_height().saturating_add(1);
    let list = app
        .validators_at(next)
        .map_err(|e| EngineError::Config(e.to_string()))?;
    let validators =
        ValidatorSet::from_genesis(&list).map_err(|e| EngineError::Config(e.to_string()))?;
    let private = PrivateKey::from(key);
    let public = private.public_key();
    let address = Address::from_public_key(&public);
    if validators.get(&address).is_none() {
        tracing::warn!(
            key = %hex_key(public.as_bytes()),
            "this node's consensus key is not in the validator set: it follows the chain without voting"
        );
    }
    let mut secret = key;
    // The same Ed25519 secret is the node's libp2p identity, as circlefin/arc-node does.
    let keypair = Keypair::ed25519_from_bytes(&mut secret)
        .map_err(|e| EngineError::Config(format!("network identity: {e}")))?;
    let signer = GovSigner {
        key: private,
        chain_id: chain_id.clone(),
    };
    let proof = signer
        .sign_validator_proof(
            public.as_bytes().to_vec(),
            keypair.public().to_peer_id().to_bytes(),
        )
        .await
        .map_err(|e| EngineError::Config(format!("validator proof: {e}")))?;
    let proof_bytes = Codec::<ValidatorProof<GovCtx>>::encode(&GovCodec, &proof)
        .map_err(|e| EngineError::Config(e.to_string()))?;
    let cfg = config(&settings)?;
    let identity = NetworkIdentity::new_validator(
        settings.moniker.clone(),
        keypair,
        address.to_string(),
        proof_bytes,
    );
    let proposals = ProposalStore::open(&settings.home.join("proposals.redb"))
        .map_err(|e| EngineError::Config(e.to_string()))?;
    let verifier = Box::new(GovVerifier {
        chain_id: chain_id.clone(),
    });
    let wal = WalContext::new(settings.home.join("wal").join("consensus.wal"), GovCodec);
    #[cfg(feature = "byzantine")]
    let byzantine = settings.byzantine.clone();
    #[cfg(not(feature = "byzantine"))]
    let byzantine: Option<()> = None;
    let built = match byzantine {
        None => {
            EngineBuilder::new(GovCtx, cfg)
                .with_default_wal(wal)
                .with_default_network(NetworkContext::new(identity, GovCodec))
                .with_default_consensus(ConsensusContext::new_validator(
                    address,
                    verifier,
                    Box::new(signer.clone()),
                ))
                .with_default_sync(SyncContext::new(GovCodec))
                .with_default_request(RequestContext::new(100))
                .build()
                .await
        }
        #[cfg(feature = "byzantine")]
        Some(config) => {
            tracing::warn!(?config, "THIS VALIDATOR IS BYZANTINE (test build)");
            let flip = |id: &BlockId| {
                let mut b = id.0;
                b[0] ^= 0xff;
                BlockId(b)
            };
            EngineBuilder::new(GovCtx, cfg)
                .with_default_wal(wal)
                .with_byzantine_network(malachitebft_app_channel::ByzantineContext {
                    identity,
                    codec: GovCodec,
                    config,
                    signer: Box::new(signer.clone()),
                    address,
                    conflicting_value_fn: Some(Box::new(move |v: &BlockId| flip(v))),
                    conflicting_vote_value_fn: Some(Box::new(move |v: Option<&BlockId>| {
                        v.map_or(BlockId([0xee; 32]), flip)
                    })),
                })
                .await
                .map_err(|e| EngineError::Engine(format!("{e:#}")))?
                .with_default_consensus(ConsensusContext::new_validator(
                    address,
                    verifier,
                    Box::new(signer.clone()),
                ))
                .with_default_sync(SyncContext::new(GovCodec))
                .with_default_request(RequestContext::new(100))
                .build()
                .await
        }
        #[cfg(not(feature = "byzantine"))]
        Some(()) => {
            return Err(EngineError::Config(
                "byzantine mode needs a test build".into(),
            ));
        }
    };
    let (mut channels, handle) = built.map_err(|e| EngineError::Engine(format!("{e:#}")))?;
    tracing::info!(%address, listen = %settings.listen, peers = settings.peers.len(), "consensus engine started");
    let host = Host::new(app, signer, validators, proposals, settings.block_time);
    let result = tokio::select! {
        r = host.run(&mut channels) => r.map_err(EngineError::from),
        _ = shutdown => Ok(()),
    };
    handle
        .actor
        .stop_and_wait(Some("shutdown".into()), Some(Duration::from_secs(10)))
        .await
        .ok();
    handle.handle.abort();
    result
}

fn hex_key(b: &[u8]) -> String {
    hex::encode(b)
}
