//! `govchain`: run a dev chain, manage keys, sign and submit transactions, query a node, verify
//! proofs offline, and measure this machine.

mod attack;
mod bench;
mod bench_applications;
mod bench_chain;
mod bench_import;
mod bench_laws;
mod bench_transfers;
mod chaos;
mod client;
mod dev;
mod import;
mod keys;
mod law;
mod query;
mod records;
mod secret;
mod tx;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// mimalloc, not the system allocator: a node frees on one thread much of what it allocated on
/// another (a genesis load's chunks, a block's state between execution and commit), which glibc
/// serves slowly and fragments. A 10 M-person genesis load ran at 85–93k records/s with glibc's
/// allocator and 104–115k/s with mimalloc on the same machine. Built without its requests for
/// transparent huge pages (`no_thp`): with them the kernel zeroed 2 MiB at each fresh fault, a
/// quarter of a block's commit in `bench applications`, and system time halved without them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "govchain",
    version,
    about = "A permissioned blockchain for government affairs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create and show key files
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Run a one-validator development chain and its API in this process (creates it on first run)
    Dev(dev::DevArgs),
    /// Run a local devnet: N validators (default 4) as separate processes under BFT consensus
    Devnet(dev::DevnetArgs),
    /// Create a new chain's files: genesis, keys, one config per validator
    Init(dev::InitArgs),
    /// Run one validator from its configuration file, as a department deploys it
    Node(dev::NodeArgs),
    /// Build, sign and submit a transaction, then wait for its receipt
    Tx(tx::TxArgs),
    /// Work with bills: check, sign
    #[command(subcommand)]
    Law(law::LawCommand),
    /// Read from a node: status, blocks, transactions, state, proofs, registries and records
    #[command(subcommand)]
    Query(query::QueryCommand),
    /// Read protected records (or the read log) with a signed, short-lived read request
    Read(records::ReadArgs),
    /// The offline certificate of a registry record: its version, Merkle proof and the header
    /// certified by the validators; check it with `govchain verify`
    Certificate {
        #[arg(long)]
        registry: String,
        #[arg(long)]
        key: String,
        /// Default: the latest certified height (one below the latest block)
        #[arg(long)]
        height: Option<u64>,
        /// The file to write (default: REGISTRY-KEY.cert.json)
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// Export every record of a public registry as of a height (CSV or JSON lines)
    Export(records::ExportArgs),
    /// Load a registry from a CSV or JSON-lines file: checked first (malformed rows named by
    /// line), then sent as signed chunks, each loaded whole or not at all; resumable
    Import(import::ImportArgs),
    /// Check a record certificate (from `govchain query certificate --out`) offline, against
    /// the validator set of the chain's genesis file
    Verify {
        /// The certificate file (JSON)
        file: PathBuf,
        /// The chain's genesis file (its validator set is trusted; later sets are reached
        /// through the certificate's handovers)
        #[arg(long)]
        genesis: PathBuf,
        /// A later validator set you trust: `HEIGHT=HASH`, the `validator_set_hash` of block
        /// HEIGHT's header from a source you trust (the gazette, your own node: `govchain query
        /// block HEIGHT`); a certificate whose history puts another set there is refused
        #[arg(long)]
        trust: Vec<String>,
    },
    /// Work with Merkle proofs offline
    #[command(subcommand)]
    Proof(ProofCommand),
    /// A new chain's genesis document, before its validators start
    #[command(subcommand)]
    Genesis(GenesisCommand),
    /// Secret registries: hash a value kept off chain; prove it against a record certificate
    #[command(subcommand)]
    Secret(secret::SecretCommand),
    /// Measure this machine: signature verification, store, a validator network
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Attack a real network on 127.0.0.1 and measure what it costs (`attack api`: API abuse
    /// against one validator while the chain commits)
    #[command(subcommand)]
    Attack(attack::AttackCommand),
    /// Soak a real network: random kill -9, restarts and 2|2 partitions under load, then a summary
    Chaos {
        /// How long to run
        #[arg(long, default_value_t = 5.0)]
        minutes: f64,
        #[arg(long, default_value_t = 4)]
        validators: usize,
        /// Seed of the random schedule (the same seed gives the same schedule)
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Keep the network's files here (default: a temporary directory)
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum GenesisCommand {
    /// The initial load of a registry as part of the genesis (初始注册登记 at the chain's
    /// start), in a snapshot file beside it: checked row by row, then as a whole; nodes load it
    /// once its body has approved it (`sign-snapshot`)
    Import(import::GenesisImportArgs),
    /// Approve a snapshot file of the genesis as a member of its body: adds the member's
    /// signature to the genesis document
    SignSnapshot(import::SignSnapshotArgs),
}

#[derive(Subcommand)]
enum ProofCommand {
    /// Verify a proof file (from `govchain query proof --out`) against a trusted state root,
    /// with no network
    Verify {
        /// The proof file (JSON)
        file: PathBuf,
        /// The trusted state root (64 hex digits), e.g. from a certified block header
        #[arg(long)]
        root: String,
    },
}

/// Malachite's crates, whose logs are quieted by default (`RUST_LOG` overrides).
const MALACHITE_CRATES: &[&str] = &[
    "app",
    "app_channel",
    "core_consensus",
    "core_driver",
    "core_state_machine",
    "core_votekeeper",
    "discovery",
    "engine",
    "network",
    "peer",
    "sync",
    "wal",
];

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Malachite logs every vote at info; a lone validator's gossip has nobody to reach.
    let mut default_filter = String::from("info");
    for c in MALACHITE_CRATES {
        default_filter.push_str(",arc_malachitebft_");
        default_filter.push_str(c);
        default_filter.push_str("=warn");
    }
    if matches!(cli.command, Command::Dev(_)) {
        default_filter.push_str(",arc_malachitebft_network=off");
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Keys(c) => keys::run(c),
        Command::Dev(a) => dev::dev(a),
        Command::Devnet(a) => dev::devnet(a),
        Command::Init(a) => dev::init(a),
        Command::Node(a) => dev::node(a),
        Command::Tx(a) => tx::run(a),
        Command::Law(c) => law::run(c),
        Command::Query(c) => query::run(c),
        Command::Read(a) => records::read(a),
        Command::Export(a) => records::export(a),
        Command::Import(a) => import::run(a),
        Command::Certificate {
            registry,
            key,
            height,
            out,
            node,
        } => {
            let out = out.unwrap_or_else(|| PathBuf::from(format!("{registry}-{key}.cert.json")));
            query::run(query::QueryCommand::Certificate {
                key: format!("record/{registry}/{key}"),
                height,
                out: Some(out),
                node,
            })
        }
        Command::Proof(ProofCommand::Verify { file, root }) => query::verify_proof(&file, &root),
        Command::Verify {
            file,
            genesis,
            trust,
        } => query::verify_certificate(&file, &genesis, &trust),
        Command::Bench(c) => bench::run(c),
        Command::Attack(c) => attack::run(c),
        Command::Secret(c) => secret::run(c),
        Command::Genesis(GenesisCommand::Import(a)) => import::into_genesis(a),
        Command::Genesis(GenesisCommand::SignSnapshot(a)) => import::sign_snapshot(a),
        Command::Chaos {
            minutes,
            validators,
            seed,
            dir,
        } => tokio::runtime::Runtime::new()?.block_on(chaos::run(chaos::Chaos {
            minutes,
            validators,
            seed,
            dir,
        })),
    }
}
