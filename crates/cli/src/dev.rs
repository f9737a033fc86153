//! `govchain dev`: a one-validator chain in a home directory, created on first run.

use anyhow::Context;
use clap::Args;
use govchain_crypto::SecretKey;
use govchain_node::{NodeConfig, ProducerConfig, now_ms, write_key_file};
use govchain_types::{
    ChainParams, Genesis, GenesisAccount, GenesisValidator, PrincipalId, PrincipalKind, Scheme,
};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct DevArgs {
    /// The chain's home: config.toml, genesis.json, keys/ and data/ (reused when it exists)
    #[arg(long)]
    home: Option<PathBuf>,
    /// Address of the API; port 0 picks a free one
    #[arg(long)]
    api: Option<SocketAddr>,
    /// Signature scheme of a new chain: ed25519 or sm2
    #[arg(long, default_value = "ed25519")]
    scheme: Scheme,
    /// Milliseconds between blocks while transactions wait
    #[arg(long)]
    block_ms: Option<u64>,
}

/// The bootstrap authorities of the demo government (../shared/DEMO.md) that exist from genesis,
/// each with one key in `keys/<id>.json`. They may register the keys of everyone else until the
/// laws take over that decision.
pub const BOOTSTRAP: &[(&str, PrincipalKind)] = &[
    ("legislature", PrincipalKind::Legislature),
    ("civil-affairs", PrincipalKind::Department),
    ("market-regulation", PrincipalKind::Department),
    ("hr-social-security", PrincipalKind::Department),
    ("central-bank", PrincipalKind::Department),
    ("treasury", PrincipalKind::Department),
];

/// Creates a new chain home: keys, genesis and config.
pub fn init_home(home: &Path, scheme: Scheme, api: SocketAddr) -> anyhow::Result<NodeConfig> {
    let keys_dir = home.join("keys");
    let validator = SecretKey::generate(Scheme::Ed25519);
    write_key_file(&keys_dir.join("validator.json"), &validator)?;
    let mut accounts = Vec::new();
    for (id, kind) in BOOTSTRAP {
        let key = SecretKey::generate(scheme);
        write_key_file(&keys_dir.join(format!("{id}.json")), &key)?;
        accounts.push(GenesisAccount {
            id: PrincipalId::new(*id)?,
            kind: *kind,
            authority: true,
            keys: vec![key.public_key()],
        });
    }
    let genesis = Genesis {
        chain_id: "govchain-dev".into(),
        scheme,
        genesis_time_ms: now_ms(),
        params: ChainParams::default(),
        validators: vec![GenesisValidator {
            name: PrincipalId::new("civil-affairs")?,
            key: validator.public_key(),
            power: 1,
        }],
        accounts,
    };
    let genesis_file = home.join("genesis.json");
    std::fs::write(&genesis_file, serde_json::to_string_pretty(&genesis)?)
        .with_context(|| format!("writing {}", genesis_file.display()))?;
    let config = NodeConfig {
        data_dir: PathBuf::from("data"),
        genesis_file: PathBuf::from("genesis.json"),
        validator_key_file: PathBuf::from("keys/validator.json"),
        api: govchain_node::ApiConfig { listen: api },
        producer: ProducerConfig::default(),
        mempool: Default::default(),
    };
    config.save(&home.join("config.toml"))?;
    Ok(config)
}

pub fn run(args: DevArgs, devnet: bool) -> anyhow::Result<()> {
    let home = args.home.unwrap_or_else(|| {
        PathBuf::from(if devnet {
            "devnet-data"
        } else {
            ".govchain/dev"
        })
    });
    let config_file = home.join("config.toml");
    let default_api = SocketAddr::from(([127, 0, 0, 1], 8080));
    if !config_file.exists() {
        std::fs::create_dir_all(&home).with_context(|| format!("creating {}", home.display()))?;
        init_home(&home, args.scheme, args.api.unwrap_or(default_api))?;
        eprintln!("created a new chain in {}", home.display());
    }
    let mut config = NodeConfig::load(&config_file)?;
    if let Some(api) = args.api {
        config.api.listen = api;
    }
    if let Some(ms) = args.block_ms {
        config.producer.block_interval_ms = ms;
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        govchain_node::run(config, shutdown_signal(), |addr, app| {
            let head = app.head();
            // The first line of stdout is read by scripts and tests: keep its shape.
            println!("govchain: api listening on http://{addr}");
            eprintln!(
                "\n  chain `{}` ({}), height {}, home {}\n\n  \
                 status   curl http://{addr}/v1/status\n  \
                 events   curl -N http://{addr}/v1/events\n  \
                 api doc  http://{addr}/v1/openapi.json\n  \
                 a tx     govchain tx --node http://{addr} --key {}/keys/civil-affairs.json \\\n           \
                          register-key --principal cit-0001 --kind person --new-key <public key>\n\n  \
                 Ctrl-C stops the node; run again to continue from disk.{}\n",
                app.genesis().chain_id,
                app.scheme(),
                head.height,
                home.display(),
                home.display(),
                if devnet {
                    "\n  (one validator for now: the four-validator devnet arrives with consensus)"
                } else {
                    ""
                }
            );
        })
        .await
    })?;
    eprintln!("stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
