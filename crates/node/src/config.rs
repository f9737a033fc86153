//! The node's TOML configuration and key files.

use crate::error::{NodeError, Result};
use crate::read_limit::ReadLimits;
use govchain_crypto::{KeyFile, SecretKey};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A node's configuration file. Relative paths are relative to the file's directory.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// Where the node keeps its store.
    pub data_dir: PathBuf,
    /// The chain's genesis document (JSON).
    pub genesis_file: PathBuf,
    /// This validator's consensus key (JSON key file, Ed25519).
    pub validator_key_file: PathBuf,
    #[serde(default)]
    pub api: ApiConfig,
    pub consensus: ConsensusSettings,
    #[serde(default)]
    pub mempool: MempoolSettings,
    /// Test builds only (feature `byzantine`): make this validator misbehave.
    #[cfg(feature = "byzantine")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byzantine: Option<govchain_consensus::ByzantineConfig>,
    /// Test builds only (feature `byzantine`): every block this validator proposes breaks a
    /// rule (`[bad_blocks] rule = "bad-signature"` or `"oversized-tx"`).
    #[cfg(feature = "byzantine")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bad_blocks: Option<crate::byzantine::BadBlocksConfig>,
}

/// This validator's place in the consensus network.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsensusSettings {
    /// Where consensus keeps its write-ahead log and proposals (relative: to the config file).
    #[serde(default = "default_consensus_home")]
    pub home: PathBuf,
    /// The libp2p address to listen on, e.g. `/ip4/127.0.0.1/tcp/27000`.
    pub listen: String,
    /// The other validators' addresses.
    #[serde(default)]
    pub peers: Vec<String>,
    /// The least time between the starts of two heights, in milliseconds: blocks are not cut
    /// faster than this, empty or not.
    #[serde(default = "default_block_time_ms")]
    pub block_time_ms: u64,
}

fn default_block_time_ms() -> u64 {
    500
}

fn default_consensus_home() -> PathBuf {
    PathBuf::from("consensus")
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// Address the API listens on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// How often each reader, and all readers together, may make signed reads (`[api.reads]`:
    /// `burst`, `per_second`, `readers`, `all_burst`, `all_per_second`); defaults in
    /// [`ReadLimits::default`].
    #[serde(default)]
    pub reads: ReadLimits,
    /// What one client may make the node do on every route (`[api.limits]`); defaults in
    /// [`govchain_api::Limits::default`].
    #[serde(default)]
    pub limits: ApiLimits,
    /// Threads that answer API requests, on a runtime of their own beside consensus's (at
    /// least 1): however many requests come, the API's async work takes at most these.
    #[serde(default = "default_api_threads")]
    pub threads: usize,
}

fn default_api_threads() -> usize {
    1
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            reads: ReadLimits::default(),
            limits: ApiLimits::default(),
            threads: default_api_threads(),
        }
    }
}

/// `[api.limits]`: the API's [`govchain_api::Limits`] as a configuration file writes them (the
/// timeout in whole seconds). A field left out keeps its default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiLimits {
    /// Largest request body in bytes (but `POST /v1/tx`, which takes a batch).
    pub body_bytes: usize,
    /// Longest time spent producing an answer, in seconds.
    pub timeout_secs: u64,
    /// Most requests worked on at once.
    pub concurrent_requests: usize,
    /// Most open event streams.
    pub event_streams: usize,
    /// Most bill verifications and explanations running at once.
    pub expensive_workers: usize,
    /// The share of their time one client (IP address) may take over time, in percent.
    pub expensive_share_percent: u32,
    /// How many seconds of that work one client may have at once before its share applies.
    pub expensive_burst_secs: u64,
    /// Most sample requests one bill verification replays.
    pub verify_samples: usize,
}

impl Default for ApiLimits {
    fn default() -> Self {
        let d = govchain_api::Limits::default();
        Self {
            body_bytes: d.body_bytes,
            timeout_secs: d.timeout.as_secs(),
            concurrent_requests: d.concurrent_requests,
            event_streams: d.event_streams,
            expensive_workers: d.expensive_workers,
            expensive_share_percent: d.expensive_share_percent,
            expensive_burst_secs: d.expensive_burst.as_secs(),
            verify_samples: d.verify_samples,
        }
    }
}

impl ApiLimits {
    /// The limits the router enforces. A cap of zero would refuse every request: each is at
    /// least one.
    pub fn limits(&self) -> govchain_api::Limits {
        govchain_api::Limits {
            body_bytes: self.body_bytes.max(1),
            timeout: std::time::Duration::from_secs(self.timeout_secs.max(1)),
            concurrent_requests: self.concurrent_requests.max(1),
            event_streams: self.event_streams.max(1),
            expensive_workers: self.expensive_workers.max(1),
            expensive_share_percent: self.expensive_share_percent.clamp(1, 100),
            expensive_burst: std::time::Duration::from_secs(self.expensive_burst_secs),
            expensive_clients: govchain_api::Limits::default().expensive_clients,
            verify_samples: self.verify_samples.max(1),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MempoolSettings {
    pub capacity: usize,
    pub max_per_signer: usize,
    pub nonce_window: u64,
    /// Most bytes of transactions held at once.
    #[serde(default = "default_max_bytes")]
    pub max_bytes: usize,
}

fn default_max_bytes() -> usize {
    govchain_mempool::MempoolConfig::default().max_bytes
}

impl Default for MempoolSettings {
    fn default() -> Self {
        let d = govchain_mempool::MempoolConfig::default();
        Self {
            capacity: d.capacity,
            max_per_signer: d.max_per_signer,
            nonce_window: d.nonce_window,
            max_bytes: d.max_bytes,
        }
    }
}

impl NodeConfig {
    /// A configuration with default mempool limits.
    pub fn new(
        data_dir: PathBuf,
        genesis_file: PathBuf,
        validator_key_file: PathBuf,
        api: ApiConfig,
        consensus: ConsensusSettings,
    ) -> Self {
        Self {
            data_dir,
            genesis_file,
            validator_key_file,
            api,
            consensus,
            mempool: MempoolSettings::default(),
            #[cfg(feature = "byzantine")]
            byzantine: None,
            #[cfg(feature = "byzantine")]
            bad_blocks: None,
        }
    }

    /// Reads a configuration file and makes its paths absolute.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| NodeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config: NodeConfig = toml::from_str(&text).map_err(|e| NodeError::Invalid {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [
            &mut config.consensus.home,
            &mut config.data_dir,
            &mut config.genesis_file,
            &mut config.validator_key_file,
        ] {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(config)
    }

    /// Writes the configuration as TOML.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = toml::to_string_pretty(self).map_err(|e| NodeError::Invalid {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        write_file(path, text.as_bytes())
    }
}

pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| NodeError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, bytes).map_err(|source| NodeError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a JSON key file.
pub fn read_key_file(path: &Path) -> Result<SecretKey> {
    let text = std::fs::read_to_string(path).map_err(|source| NodeError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let file: KeyFile = serde_json::from_str(&text).map_err(|e| NodeError::Invalid {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    file.to_secret().map_err(|e| NodeError::Invalid {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Writes a JSON key file, readable only by its owner.
pub fn write_key_file(path: &Path, key: &SecretKey) -> Result<()> {
    let text = serde_json::to_string_pretty(&KeyFile::from_secret(key))
        .map_err(|e| NodeError::Other(e.to_string()))?;
    write_file(path, text.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(
            |source| NodeError::Write {
                path: path.to_path_buf(),
                source,
            },
        )?;
    }
    Ok(())
}
