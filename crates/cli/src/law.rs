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
