//! `govchain`: run a dev chain, manage keys, sign and submit transactions, query a node, verify
//! proofs offline, and measure this machine.

mod bench;
mod client;
mod dev;
mod keys;
mod query;
mod tx;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

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
    /// Run a one-validator development chain and its API (creates it on first run)
    Dev(dev::DevArgs),
    /// Run the local devnet: until the multi-validator consensus lands, one validator as in `dev`
    Devnet(dev::DevArgs),
    /// Build, sign and submit a transaction, then wait for its receipt
    Tx(tx::TxArgs),
    /// Read from a node: status, blocks, transactions, state, proofs
    #[command(subcommand)]
    Query(query::QueryCommand),
    /// Work with Merkle proofs offline
    #[command(subcommand)]
    Proof(ProofCommand),
    /// Measure this machine: signature verification, store
    #[command(subcommand)]
    Bench(bench::BenchCommand),
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

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Keys(c) => keys::run(c),
        Command::Dev(a) => dev::run(a, false),
        Command::Devnet(a) => dev::run(a, true),
        Command::Tx(a) => tx::run(a),
        Command::Query(c) => query::run(c),
        Command::Proof(ProofCommand::Verify { file, root }) => query::verify_proof(&file, &root),
        Command::Bench(c) => bench::run(c),
    }
}
