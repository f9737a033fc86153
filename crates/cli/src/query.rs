//! `govchain query` and `govchain proof verify`.

use crate::client::Client;
use anyhow::Context;
use clap::Subcommand;
use govchain_store::StateProof;
use govchain_types::Hash;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum QueryCommand {
    /// Chain, height, latest block hash and state root
    Status {
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// A block with its certificate and receipts (a height or `latest`)
    Block {
        height: String,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// A committed transaction and its receipt
    Tx {
        id: String,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// A state value, as of a height (default latest), e.g. `principal/civil-affairs`
    State {
        key: String,
        #[arg(long)]
        height: Option<u64>,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// The offline certificate of a record (value, proof, certifying header and its commit
    /// certificate, validator-set handovers since genesis); --out saves it for `govchain verify`
    Certificate {
        key: String,
        /// Default: the latest certified height (one below the latest block)
        #[arg(long)]
        height: Option<u64>,
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// The registries in force: fields, indexes, owning department, sensitivity, defining law
    Registries {
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// The services deployed (latest versions): law, articles, department, form, script
    Services {
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// A version of a service (default: the latest), with its code
    Service {
        name: String,
        #[arg(long)]
        version: Option<u32>,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// The currencies in force: code, decimals, issuer, limits, fee, supply
    Currencies {
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// A department's account as of a height (others': `govchain read … account`)
    Account {
        holder: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
        #[arg(long)]
        height: Option<u64>,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// A page of a department's account statement (others': `govchain read … statement`)
    Statement {
        holder: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
        /// The `next` of the previous page
        #[arg(long)]
        after: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        newest_first: bool,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// A public record as of a height (default latest), with who wrote it under which law
    Record {
        registry: String,
        key: String,
        #[arg(long)]
        height: Option<u64>,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// Every version of a public record
    History {
        registry: String,
        key: String,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// Public records by a secondary index, a page at a time
    Records {
        registry: String,
        #[arg(long)]
        field: String,
        #[arg(long)]
        value: String,
        /// The `next` of the previous page
        #[arg(long)]
        after: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        height: Option<u64>,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// A Merkle proof of a key's value or absence at a height; --out saves it for
    /// `govchain proof verify`
    Proof {
        key: String,
        #[arg(long)]
        height: Option<u64>,
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
}

fn with_height(path: String, height: Option<u64>) -> String {
    match height {
        Some(h) => format!("{path}?height={h}"),
        None => path,
    }
}

pub fn run(cmd: QueryCommand) -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(async move {
        let (node, path, out) = match cmd {
            QueryCommand::Status { node } => (node, "/v1/status".to_string(), None),
            QueryCommand::Block { height, node } => (node, format!("/v1/blocks/{height}"), None),
            QueryCommand::Tx { id, node } => (node, format!("/v1/tx/{id}"), None),
            QueryCommand::Registries { node } => (node, "/v1/registries".to_string(), None),
            QueryCommand::Services { node } => (node, "/v1/services".to_string(), None),
            QueryCommand::Service {
                name,
                version,
                node,
            } => (
                node,
                match version {
                    Some(v) => format!("/v1/services/{name}?version={v}"),
                    None => format!("/v1/services/{name}"),
                },
                None,
            ),
            QueryCommand::Currencies { node } => (node, "/v1/currencies".to_string(), None),
            QueryCommand::Account {
                holder,
                currency,
                height,
                node,
            } => (
                node,
                with_height(format!("/v1/accounts/{holder}/{currency}"), height),
                None,
            ),
            QueryCommand::Statement {
                holder,
                currency,
                after,
                limit,
                newest_first,
                node,
            } => {
                let mut path = format!(
                    "/v1/accounts/{holder}/{currency}/statement?limit={limit}&newest_first={newest_first}"
                );
                if let Some(a) = after {
                    path.push_str(&format!("&after={a}"));
                }
                (node, path, None)
            }
            QueryCommand::Record {
                registry,
                key,
                height,
                node,
            } => (
                node,
                with_height(format!("/v1/records/{registry}/{key}"), height),
                None,
            ),
            QueryCommand::History {
                registry,
                key,
                node,
            } => (node, format!("/v1/records/{registry}/{key}/history"), None),
            QueryCommand::Records {
                registry,
                field,
                value,
                after,
                limit,
                height,
                node,
            } => {
                let mut path =
                    format!("/v1/records/{registry}?field={field}&value={value}&limit={limit}");
                if let Some(a) = after {
                    path.push_str(&format!("&after={a}"));
                }
                if let Some(h) = height {
                    path.push_str(&format!("&height={h}"));
                }
                (node, path, None)
            }
            QueryCommand::State { key, height, node } => {
                (node, with_height(format!("/v1/state/{key}"), height), None)
            }
            QueryCommand::Proof {
                key,
                height,
                out,
                node,
            } => (node, with_height(format!("/v1/proof/{key}"), height), out),
            QueryCommand::Certificate {
                key,
                height,
                out,
                node,
            } => (
                node,
                with_height(format!("/v1/certificate/{key}"), height),
                out,
            ),
        };
        let body = Client::new(&node)?.get(&path).await?.ok()?;
        let text = serde_json::to_string_pretty(&body)?;
        match out {
            Some(file) => {
                std::fs::write(&file, &text)
                    .with_context(|| format!("writing {}", file.display()))?;
                eprintln!("wrote {}", file.display());
            }
            None => println!("{text}"),
        }
        Ok(())
    })
}

/// Checks a proof file against a trusted root, offline.
pub fn verify_proof(file: &Path, root: &str) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let proof: StateProof = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a proof file", file.display()))?;
    let root: Hash = root.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    proof
        .verify(&root)
        .with_context(|| format!("the proof in {} does not verify", file.display()))?;
    let key = String::from_utf8_lossy(&proof.key);
    match &proof.value {
        Some(v) => println!(
            "verified: `{key}` = {} at height {} under root {root}",
            hex::encode(v),
            proof.height
        ),
        None => println!(
            "verified: `{key}` is absent at height {} under root {root}",
            proof.height
        ),
    }
    Ok(())
}

/// Checks a record certificate offline against a genesis file: its chain id, scheme and
/// validator set, and through the certificate's handovers every later set.
pub fn verify_certificate(file: &Path, genesis: &Path, trust: &[String]) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let cert: govchain_store::RecordCertificate = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a record certificate", file.display()))?;
    let genesis = govchain_node::read_genesis(genesis)?;
    let trusted = trust
        .iter()
        .map(|t| {
            let (height, hash) = t
                .split_once('=')
                .context("write --trust HEIGHT=VALIDATOR_SET_HASH")?;
            Ok(govchain_store::TrustedSet {
                height: height
                    .parse()
                    .with_context(|| format!("`{height}` is not a height"))?,
                validator_set_hash: hash
                    .parse()
                    .map_err(|e: String| anyhow::anyhow!("`{hash}` is not a hash: {e}"))?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let in_force = cert
        .verify_trusting(
            &genesis.chain_id,
            genesis.scheme,
            &genesis.validators,
            &trusted,
        )
        .with_context(|| format!("the certificate in {} does not verify", file.display()))?;
    let later = trusted
        .iter()
        .filter(|t| t.height > cert.header.height)
        .count();
    if later > 0 {
        eprintln!(
            "note: {later} trusted set(s) are of heights after the certifying block {}: they say nothing of it",
            cert.header.height
        );
    }
    let key = String::from_utf8_lossy(&cert.proof.key);
    let signers = cert.commit.signatures.len();
    let validators = match cert.handovers.len() {
        0 => format!("{} genesis validators", genesis.validators.len()),
        n => format!(
            "{} validators, the set in force after {n} validator change(s) since genesis",
            in_force.len()
        ),
    };
    let shown = |v: &[u8]| match govchain_execution::schema::json_view(&cert.proof.key, v) {
        Some(json) => json.to_string(),
        None => hex::encode(v),
    };
    match &cert.proof.value {
        Some(v) => println!(
            "verified: `{key}` = {} at height {}, certified by block {} ({signers} of {validators} signed)",
            shown(v),
            cert.proof.height,
            cert.header.height,
        ),
        None => println!(
            "verified: `{key}` is absent at height {}, certified by block {} ({signers} of {validators} signed)",
            cert.proof.height, cert.header.height,
        ),
    }
    Ok(())
}
