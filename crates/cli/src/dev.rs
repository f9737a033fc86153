//! `govchain dev`, `govchain devnet` and `govchain node`: create a chain's files and run its
//! validators.

use anyhow::{Context, bail};
use clap::Args;
use govchain_crypto::SecretKey;
use govchain_node::{ApiConfig, ConsensusSettings, NodeConfig, now_ms, write_key_file};
use govchain_types::{
    Amount, ChainParams, Genesis, GenesisAccount, GenesisBalance, GenesisValidator, PrincipalId,
    PrincipalKind, Scheme,
};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The citizens and organisations of the demo that get a key file in a new devnet (the others
/// are registered without keys).
/// (`cit-0011` and `cit-0017` represent `org-0001` and the sanctioned `org-0007`: they apply
/// for licences in their organisations' names.)
pub const DEMO_KEYED: [&str; 9] = [
    "cit-0001", "cit-0002", "cit-0003", "cit-0004", "cit-0005", "cit-0011", "cit-0017", "org-0001",
    "org-0002",
];

/// The departments that run the devnet's validators (★ in DEMO.md), in node order.
pub const VALIDATORS: &[&str] = &[
    "civil-affairs",
    "market-regulation",
    "hr-social-security",
    "central-bank",
];

#[derive(Args)]
pub struct DevArgs {
    /// The chain's home (reused when it exists)
    #[arg(long)]
    home: Option<PathBuf>,
    /// Address of the API; port 0 picks a free one
    #[arg(long)]
    api: Option<SocketAddr>,
    /// Signature scheme of a new chain: ed25519 or sm2
    #[arg(long, default_value = "ed25519")]
    scheme: Scheme,
}

/// The shape of a new chain: how many validators, where they listen, which scheme, what pace.
#[derive(Args, Clone, Debug)]
pub struct ChainShape {
    /// Validators
    #[arg(long, default_value_t = 4)]
    pub validators: usize,
    /// API port of node 0; node i gets this + i
    #[arg(long, default_value_t = 8080)]
    pub api_port: u16,
    /// Consensus (libp2p) port of node 0; node i gets this + i (0: any free port, for one
    /// validator only)
    #[arg(long, default_value_t = 27000)]
    pub p2p_port: u16,
    /// Signature scheme of the chain's transactions: ed25519 or sm2
    #[arg(long, default_value = "ed25519")]
    pub scheme: Scheme,
    /// Least milliseconds between blocks
    #[arg(long, default_value_t = 500)]
    pub block_time_ms: u64,
}

#[derive(Args)]
pub struct DevnetArgs {
    /// The devnet's directory (reused when it exists; then the shape options are ignored)
    #[arg(long, default_value = "devnet-data")]
    home: PathBuf,
    #[command(flatten)]
    shape: ChainShape,
}

#[derive(Args)]
pub struct InitArgs {
    /// Directory for the new chain's files (must not hold a chain yet)
    #[arg(long)]
    home: PathBuf,
    #[command(flatten)]
    shape: ChainShape,
    /// Benchmarks only: N extra authorities `bench-<i>` whose keys derive from public seeds
    /// (INSECURE: anyone can sign as them), to load the chain from many signers
    #[arg(long, default_value_t = 0, hide = true)]
    bench_signers: usize,
    /// Benchmarks only: N extra persons `bpar-<i>` whose keys derive from public seeds
    /// (INSECURE), each with a household in `110102` and children under three, to load the
    /// chain with child-subsidy applications
    #[arg(long, default_value_t = 0, hide = true)]
    bench_parents: usize,
}

pub use govchain_testnet::bench_signer_key;

#[derive(Args)]
pub struct NodeArgs {
    /// The node's configuration file (TOML)
    #[arg(long)]
    config: PathBuf,
}

fn p2p_addr(port: u16) -> String {
    format!("/ip4/127.0.0.1/tcp/{port}")
}

/// Creates a chain of `n` validators in `home`: `genesis.json`, `keys/` with the bootstrap
/// authorities' keys, and `node-<i>/` with each validator's key and `config.toml`.
/// Returns the config files.
/// Benchmark principals with publicly derivable keys a new chain gets (none but in benchmarks).
#[derive(Clone, Copy, Debug, Default)]
pub struct Bench {
    /// Authorities `bench-<i>` with 1,000,000 yuan each.
    pub signers: usize,
    /// Parents `bpar-<i>`, each with a household and children under three.
    pub parents: usize,
}

pub fn init_chain(home: &Path, shape: &ChainShape, bench: Bench) -> anyhow::Result<Vec<PathBuf>> {
    let bench_signers = bench.signers;
    if home.join("genesis.json").exists() {
        bail!("{} already holds a chain", home.display());
    }
    const MAX_VALIDATORS: usize = 16;
    let (n, scheme, block_time_ms) = (shape.validators, shape.scheme, shape.block_time_ms);
    let api = |i: usize| SocketAddr::from(([127, 0, 0, 1], offset(shape.api_port, i)));
    let p2p_port = |i: usize| {
        if shape.p2p_port == 0 {
            0
        } else {
            offset(shape.p2p_port, i)
        }
    };
    if n == 0 || n > MAX_VALIDATORS {
        bail!("choose between 1 and {MAX_VALIDATORS} validators");
    }
    if n > 1 && shape.p2p_port == 0 {
        bail!(
            "{n} validators need known consensus ports to find each other: give --p2p-port a \
             port (node i gets it + i), not 0"
        );
    }
    std::fs::create_dir_all(home).with_context(|| format!("creating {}", home.display()))?;
    let keys_dir = home.join("keys");
    // The demo government: its principals (a key file for every department, official and a
    // few citizens and organisations), the initial load of its registries, its positions.
    let mut principal_keys = Vec::new();
    let cast = govchain_demo::genesis::cast(|id| {
        let has_key =
            !(id.starts_with("cit-") || id.starts_with("org-")) || DEMO_KEYED.contains(&id);
        has_key.then(|| {
            let key = SecretKey::generate(scheme);
            let public = key.public_key();
            principal_keys.push((id.to_string(), key));
            public
        })
    });
    for (id, key) in &principal_keys {
        write_key_file(&keys_dir.join(format!("{id}.json")), key)?;
    }
    let mut accounts = cast.accounts;
    let mut balances = govchain_demo::genesis::balances();
    for i in 0..bench_signers {
        balances.push(GenesisBalance {
            holder: PrincipalId::new(format!("bench-{i}"))?,
            currency: "CNY".into(),
            amount: Amount(100_000_000),
        });
        accounts.push(GenesisAccount {
            id: PrincipalId::new(format!("bench-{i}"))?,
            kind: PrincipalKind::Organisation,
            authority: true,
            keys: vec![bench_signer_key(scheme, i).public_key()],
        });
    }
    let mut records = cast.records;
    for i in 0..bench.parents {
        add_bench_parent(
            i,
            govchain_testnet::bench_parent_key(scheme, i).public_key(),
            govchain_testnet::BENCH_CHILDREN,
            &mut accounts,
            &mut records,
        )?;
    }
    // The law-making bodies of DEMO.md (legislature 3 of 5, council-110000 2 of 3, the civil
    // affairs board): a key file per member.
    let mut member_keys = Vec::new();
    let bodies = govchain_demo::bodies(|member| {
        let key = SecretKey::generate(scheme);
        let public = key.public_key();
        member_keys.push((member.to_string(), key));
        public
    });
    for (member, key) in &member_keys {
        write_key_file(&keys_dir.join(format!("{member}.json")), key)?;
    }
    // Members sign with keys of the key registry: each is a person holding its member key (an
    // official who sits on a board, `off-zhao`, holds both).
    govchain_demo::add_members(&mut accounts, &bodies);
    let mut validators = Vec::new();
    let mut consensus_keys = Vec::new();
    for i in 0..n {
        let key = SecretKey::generate(Scheme::Ed25519);
        let department = VALIDATORS
            .get(i.checked_rem(VALIDATORS.len()).unwrap_or(0))
            .copied()
            .unwrap_or("civil-affairs");
        validators.push(GenesisValidator {
            name: PrincipalId::new(department)?,
            key: key.public_key(),
            power: 1,
        });
        consensus_keys.push(key);
    }
    let genesis = Genesis {
        chain_id: if n == 1 {
            "govchain-dev"
        } else {
            "govchain-devnet"
        }
        .into(),
        scheme,
        genesis_time_ms: now_ms(),
        params: ChainParams::default(),
        validators,
        accounts,
        bodies,
        laws: govchain_demo::laws(),
        records,
        positions: cast.positions,
        balances,
        snapshots: Vec::new(),
        services: govchain_demo::services::services(),
    };
    let genesis_file = home.join("genesis.json");
    std::fs::write(&genesis_file, serde_json::to_string_pretty(&genesis)?)
        .with_context(|| format!("writing {}", genesis_file.display()))?;
    let mut configs = Vec::new();
    for (i, key) in consensus_keys.iter().enumerate() {
        let dir = home.join(format!("node-{i}"));
        write_key_file(&dir.join("validator.json"), key)?;
        let config = NodeConfig::new(
            PathBuf::from("data"),
            PathBuf::from("../genesis.json"),
            PathBuf::from("validator.json"),
            ApiConfig {
                listen: api(i),
                ..ApiConfig::default()
            },
            ConsensusSettings {
                home: PathBuf::from("consensus"),
                listen: p2p_addr(p2p_port(i)),
                peers: (0..n)
                    .filter(|j| *j != i)
                    .map(|j| p2p_addr(p2p_port(j)))
                    .collect(),
                block_time_ms,
            },
        );
        let file = dir.join("config.toml");
        config.save(&file)?;
        configs.push(file);
    }
    Ok(configs)
}

fn offset(base: u16, i: usize) -> u16 {
    base.saturating_add(u16::try_from(i).unwrap_or(u16::MAX))
}

/// `govchain init`: a new chain's files, for `govchain node` (or `devnet`) to run.
pub fn init(args: InitArgs) -> anyhow::Result<()> {
    let configs = init_chain(
        &args.home,
        &args.shape,
        Bench {
            signers: args.bench_signers,
            parents: args.bench_parents,
        },
    )?;
    for c in configs {
        println!("{}", c.display());
    }
    Ok(())
}

/// Runs one node in this process until Ctrl-C or SIGTERM.
fn run_node(mut config: NodeConfig, api: Option<SocketAddr>, home: &Path) -> anyhow::Result<()> {
    if let Some(api) = api {
        config.api.listen = api;
    }
    let home = home.display().to_string();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        govchain_node::run(config, shutdown_signal(), |addr, app| {
            // The first line of stdout is read by scripts and tests: keep its shape.
            println!("govchain: api listening on http://{addr}");
            eprintln!(
                "\n  chain `{}` ({}), height {}, {} validator(s), home {home}\n\n  \
                 status   curl http://{addr}/v1/status\n  \
                 events   curl -N http://{addr}/v1/events\n  \
                 api doc  http://{addr}/v1/openapi.json\n\n  \
                 Ctrl-C stops the node; run again to continue from disk.\n",
                app.genesis().chain_id,
                app.scheme(),
                app.head().height,
                app.genesis().validators.len(),
            );
        })
        .await
    })?;
    eprintln!("stopped");
    Ok(())
}

/// `govchain node --config FILE`: one validator, as a department deploys it.
pub fn node(args: NodeArgs) -> anyhow::Result<()> {
    let config = NodeConfig::load(&args.config)?;
    let home = args.config.parent().unwrap_or(Path::new(".")).to_path_buf();
    run_node(config, None, &home)
}

/// `govchain dev`: a one-validator chain in this process.
pub fn dev(args: DevArgs) -> anyhow::Result<()> {
    let home = args.home.unwrap_or_else(|| PathBuf::from(".govchain/dev"));
    let config_file = home.join("node-0").join("config.toml");
    if !config_file.exists() {
        let api = args.api.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)));
        let shape = ChainShape {
            validators: 1,
            api_port: api.port(),
            p2p_port: 0,
            scheme: args.scheme,
            block_time_ms: 500,
        };
        init_chain(&home, &shape, Bench::default())?;
        eprintln!("created a new chain in {}", home.display());
    }
    run_node(NodeConfig::load(&config_file)?, args.api, &home)
}

/// `govchain devnet`: N validators as separate processes on 127.0.0.1.
pub fn devnet(args: DevnetArgs) -> anyhow::Result<()> {
    let home = args.home;
    let genesis = home.join("genesis.json");
    let configs: Vec<PathBuf> = if genesis.exists() {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&home)?
            .filter_map(|e| e.ok().map(|e| e.path().join("config.toml")))
            .filter(|p| p.exists())
            .collect();
        found.sort();
        found
    } else {
        let configs = init_chain(&home, &args.shape, Bench::default())?;
        eprintln!(
            "created a {}-validator devnet in {}",
            args.shape.validators,
            home.display()
        );
        configs
    };
    if configs.is_empty() {
        bail!("{} has a genesis but no node-*/config.toml", home.display());
    }
    let exe = std::env::current_exe()?;
    let mut children: Vec<(PathBuf, Child)> = Vec::new();
    for config in &configs {
        let dir = config.parent().unwrap_or(Path::new("."));
        let log = std::fs::File::create(dir.join("node.log"))?;
        let child = Command::new(&exe)
            .arg("node")
            .arg("--config")
            .arg(config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting the node of {}", config.display()))?;
        children.push((config.clone(), child));
    }
    println!(
        "govchain devnet: {} validators (separate processes)",
        children.len()
    );
    for (config, child) in &children {
        let c = NodeConfig::load(config)?;
        println!(
            "  {}  pid {:>6}  api http://{}  p2p {}  log {}",
            config
                .parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            child.id(),
            c.api.listen,
            c.consensus.listen,
            config.with_file_name("node.log").display()
        );
    }
    println!(
        "\n  status   curl http://{}/v1/status\n  keys     {}/keys/ (the demo government's bootstrap authorities)\n  \
         Ctrl-C stops every node; run again to continue from disk.",
        NodeConfig::load(configs.first().context("no node")?)?
            .api
            .listen,
        home.display()
    );
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = shutdown_signal() => break,
                _ = tick.tick() => {
                    for (config, child) in children.iter_mut() {
                        if let Ok(Some(status)) = child.try_wait() {
                            eprintln!("node {} exited with {status}; see its node.log", config.display());
                        }
                    }
                    if children.iter_mut().all(|(_, c)| matches!(c.try_wait(), Ok(Some(_)))) {
                        break;
                    }
                }
            }
        }
    });
    eprintln!("stopping the devnet");
    for (_, child) in &children {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
    }
    let started = Instant::now();
    for (_, child) in children.iter_mut() {
        while matches!(child.try_wait(), Ok(None)) && started.elapsed() < Duration::from_secs(15) {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
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

/// Benchmark parent `i`: a person in `110102` with `key`, its household (an income in the child
/// subsidy's middle bracket) and `children` children under three (the devnet's
/// `--bench-parents` and `bench applications`).
pub(crate) fn add_bench_parent(
    i: usize,
    key: govchain_types::PublicKey,
    children: usize,
    accounts: &mut Vec<GenesisAccount>,
    records: &mut Vec<govchain_types::GenesisRecord>,
) -> anyhow::Result<()> {
    use govchain_testnet::{bench_child, bench_parent};
    use govchain_types::{FieldValue, GenesisRecord};
    let household = format!("bhh-{i:05}");
    let text = |s: &str| FieldValue::Text(s.into());
    records.push(GenesisRecord {
        registry: "households".into(),
        key: household.clone(),
        fields: [
            ("region".to_string(), text("110102")),
            ("income_fen".to_string(), FieldValue::Integer(800_000)),
        ]
        .into(),
    });
    let mut person = |id: String, born: &str, key: Option<govchain_types::PublicKey>| {
        accounts.push(GenesisAccount {
            id: PrincipalId::new(&id)?,
            kind: PrincipalKind::Person,
            authority: false,
            keys: key.into_iter().collect(),
        });
        records.push(GenesisRecord {
            registry: "persons".into(),
            key: id.clone(),
            fields: [
                ("name".to_string(), text(&id)),
                ("birth_date".to_string(), text(born)),
                ("region".to_string(), text("110102")),
                ("household".to_string(), text(&household)),
                ("status".to_string(), text("living")),
            ]
            .into(),
        });
        anyhow::Ok(())
    };
    person(bench_parent(i), "1995-03-01", Some(key))?;
    for n in 0..children {
        person(bench_child(i, n), "2025-06-01", None)?;
    }
    Ok(())
}
