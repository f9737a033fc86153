//! The node's TOML configuration and key files.

use crate::error::{NodeError, Result};
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
    #[serde(default)]
    pub producer: ProducerConfig,
    #[serde(default)]
    pub mempool: MempoolSettings,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// Address the API listens on; port 0 picks a free port.
    pub listen: SocketAddr,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        }
    }
}

/// The single-validator producer's pace (`govchain dev`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerConfig {
    /// How often to cut a block while transactions wait.
    pub block_interval_ms: u64,
    /// How often to cut an empty block when nothing waits, so block time moves on.
    pub idle_block_ms: u64,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        Self {
            block_interval_ms: 200,
            idle_block_ms: 5_000,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MempoolSettings {
    pub capacity: usize,
    pub max_per_signer: usize,
    pub nonce_window: u64,
}

impl Default for MempoolSettings {
    fn default() -> Self {
        let d = govchain_mempool::MempoolConfig::default();
        Self {
            capacity: d.capacity,
            max_per_signer: d.max_per_signer,
            nonce_window: d.nonce_window,
        }
    }
}

impl NodeConfig {
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
