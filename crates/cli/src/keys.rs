//! `govchain keys`.

use anyhow::{Context, bail};
use clap::Subcommand;
use govchain_crypto::SecretKey;
use govchain_node::{read_key_file, write_key_file};
use govchain_types::Scheme;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Generate a new key and write it to a key file (mode 0600)
    New {
        /// Where to write the key file
        #[arg(long)]
        out: PathBuf,
        /// Signature scheme: ed25519 or sm2 (the chain's scheme)
        #[arg(long, default_value = "ed25519")]
        scheme: Scheme,
        /// Overwrite an existing file
        #[arg(long)]
        force: bool,
    },
    /// Show the public key of a key file
    Show { file: PathBuf },
}

pub fn run(cmd: KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::New { out, scheme, force } => {
            if out.exists() && !force {
                bail!("`{}` exists; pass --force to overwrite it", out.display());
            }
            let key = SecretKey::generate(scheme);
            write_key_file(&out, &key)?;
            println!("{}", key.public_key());
            eprintln!("wrote {}", out.display());
        }
        KeysCommand::Show { file } => {
            let key =
                read_key_file(&file).with_context(|| format!("reading {}", file.display()))?;
            println!("{}", key.public_key());
        }
    }
    Ok(())
}
