//! `govchain law`: work with bills before they go on chain.

use anyhow::Context;
use clap::Subcommand;
use govchain_node::read_key_file;
use govchain_types::{LawPackage, MemberSignature, PrincipalId};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum LawCommand {
    /// Check a bill offline: its shape, and that its rules parse and fit the schema together
    /// with the bootstrap constitution
    Check {
        /// The bill: a law package (JSON)
        bill: PathBuf,
    },
    /// Ask a node how the laws in force decide a principal's action, with citations
    Explain {
        /// The acting principal, e.g. `cit-0001`
        #[arg(long)]
        principal: String,
        /// create-principal, manage-keys or change-validators
        #[arg(long)]
        action: String,
        /// The principal acted on
        #[arg(long)]
        target: Option<String>,
        /// For create-principal: person (default), organisation, department, legislature
        #[arg(long)]
        kind: Option<String>,
        /// Decide as at this height (default: the next block)
        #[arg(long)]
        height: Option<u64>,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// The laws in force at a height (default: the next block), from a node
    InForce {
        #[arg(long)]
        height: Option<u64>,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// Sign a bill as a member of its body; prints the signature (JSON) for `enact-law`
    Sign {
        bill: PathBuf,
        /// The member's id, e.g. `leg-1`
        #[arg(long)]
        member: String,
        /// The member's key file
        #[arg(long)]
        key: PathBuf,
    },
}

pub fn read_bill(path: &Path) -> anyhow::Result<LawPackage> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a law package", path.display()))
}

/// A member's signature over a bill.
pub fn sign(bill: &LawPackage, member: &str, key_file: &Path) -> anyhow::Result<MemberSignature> {
    let key = read_key_file(key_file)?;
    let msg = govchain_law::bill_signing_bytes(key.scheme(), bill);
    Ok(MemberSignature {
        member: PrincipalId::new(member)?,
        signature: govchain_crypto::Signer::sign(&key, &msg),
    })
}

pub fn run(cmd: LawCommand) -> anyhow::Result<()> {
    match cmd {
        LawCommand::Check { bill } => {
            let law = read_bill(&bill)?;
            govchain_law::check_shape(&law)?;
            let mut laws = vec![govchain_law::bootstrap::constitution()];
            laws.retain(|l| l.id != law.id);
            laws.push(law.clone());
            let book = govchain_law::LawBook::compile(&laws, govchain_law::base_schema()?)?;
            println!(
                "bill `{}` version {} ({}, {} articles) checks: {} rules compile with the constitution",
                law.id,
                law.version,
                law.level,
                law.articles.len(),
                book.len()
            );
        }
        LawCommand::Explain {
            principal,
            action,
            target,
            kind,
            height,
            node,
        } => {
            let mut q = vec![("principal", principal), ("action", action)];
            q.extend(target.map(|t| ("target", t)));
            q.extend(kind.map(|k| ("kind", k)));
            q.extend(height.map(|h| ("height", h.to_string())));
            let query: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let path = format!("/v1/explain?{}", query.join("&"));
            let body = get(&node, &path)?;
            let message = body.get("message").and_then(|m| m.as_str()).unwrap_or("");
            println!("{message}");
            eprintln!("{}", serde_json::to_string_pretty(&body)?);
        }
        LawCommand::InForce { height, node } => {
            let path = match height {
                Some(h) => format!("/v1/laws?height={h}"),
                None => "/v1/laws".to_string(),
            };
            let body = get(&node, &path)?;
            for law in body
                .get("laws")
                .and_then(|l| l.as_array())
                .into_iter()
                .flatten()
            {
                let field = |k: &str| match law.get(k) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => String::new(),
                };
                println!(
                    "{} v{}  {}  from {}  {}",
                    field("id"),
                    field("version"),
                    field("level"),
                    field("effective_from"),
                    field("title")
                );
            }
        }
        LawCommand::Sign { bill, member, key } => {
            let law = read_bill(&bill)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&sign(&law, &member, &key)?)?
            );
        }
    }
    Ok(())
}

fn get(node: &str, path: &str) -> anyhow::Result<serde_json::Value> {
    tokio::runtime::Runtime::new()?
        .block_on(async { crate::client::Client::new(node)?.get(path).await?.ok() })
}
