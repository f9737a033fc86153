//! `govchain secret`: the values of secret registries stay with their department; the chain
//! keeps a salted hash. `hash` makes the hash to record, `verify` proves a held value against
//! the hash in a record certificate, offline.

use anyhow::{Context, bail};
use clap::Subcommand;
use govchain_types::{FieldValue, Scheme};
use rand::RngCore as _;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum SecretCommand {
    /// The hash to record for a value kept off chain (with a new random salt unless given)
    Hash {
        /// The value: a file (a scanned document, a JSON record)
        #[arg(long)]
        file: PathBuf,
        /// The salt in hex (default: 16 random bytes; keep it with the value)
        #[arg(long)]
        salt: Option<String>,
        /// The chain's hash: ed25519 chains use SHA-256, sm2 chains SM3
        #[arg(long, default_value = "ed25519")]
        scheme: Scheme,
    },
    /// Prove a value held off chain against the hash field of a record certificate (from
    /// `govchain read … certificate`), with no network
    Verify {
        /// The record certificate (JSON)
        certificate: PathBuf,
        /// The chain's genesis file (its validator set is trusted)
        #[arg(long)]
        genesis: PathBuf,
        /// The record's hash field, e.g. `document`
        #[arg(long)]
        field: String,
        /// The value held off chain
        #[arg(long)]
        file: PathBuf,
        /// The salt it was hashed with (hex)
        #[arg(long)]
        salt: String,
    },
}

fn read(file: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(file).with_context(|| format!("reading {}", file.display()))
}

fn salt_of(hex_salt: &str) -> anyhow::Result<Vec<u8>> {
    let salt = hex::decode(hex_salt.trim()).context("the salt is not hexadecimal")?;
    if !(8..=64).contains(&salt.len()) {
        bail!(
            "a salt of 8 to 64 bytes: without one, a guessable value is found by hashing guesses"
        );
    }
    Ok(salt)
}

pub fn run(cmd: SecretCommand) -> anyhow::Result<()> {
    match cmd {
        SecretCommand::Hash { file, salt, scheme } => {
            let value = read(&file)?;
            let salt = match salt {
                Some(s) => salt_of(&s)?,
                None => {
                    let mut s = vec![0u8; 16];
                    rand::rngs::OsRng.fill_bytes(&mut s);
                    s
                }
            };
            let hash = govchain_crypto::secret_commitment(scheme, &salt, &value);
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "hash": hex::encode(hash.0),
                    "salt": hex::encode(&salt),
                    "scheme": scheme.to_string(),
                }))?
            );
            Ok(())
        }
        SecretCommand::Verify {
            certificate,
            genesis,
            field,
            file,
            salt,
        } => {
            let text = std::fs::read_to_string(&certificate)
                .with_context(|| format!("reading {}", certificate.display()))?;
            let cert: govchain_store::RecordCertificate = serde_json::from_str(&text)
                .with_context(|| {
                    format!("{} is not a record certificate", certificate.display())
                })?;
            let genesis = govchain_node::read_genesis(&genesis)?;
            let in_force = cert
                .verify(&genesis.chain_id, genesis.scheme, &genesis.validators)
                .with_context(|| {
                    format!(
                        "the certificate in {} does not verify",
                        certificate.display()
                    )
                })?;
            let key = String::from_utf8_lossy(&cert.proof.key).into_owned();
            let Some(bytes) = &cert.proof.value else {
                bail!("the certificate proves that `{key}` is absent");
            };
            let version: govchain_execution::schema::RecordVersion =
                govchain_types::decode("record", bytes)
                    .with_context(|| format!("`{key}` is not a registry record"))?;
            let Some(FieldValue::Text(recorded)) = version.fields.get(&field) else {
                bail!("the record `{key}` has no hash field `{field}`");
            };
            let scheme = cert.proof.scheme;
            let computed =
                govchain_crypto::secret_commitment(scheme, &salt_of(&salt)?, &read(&file)?);
            if !hex::encode(computed.0).eq_ignore_ascii_case(recorded) {
                bail!(
                    "{} does not match: `{key}` field `{field}` records {recorded}, the value hashes to {}",
                    file.display(),
                    hex::encode(computed.0)
                );
            }
            println!(
                "proven: {} is the value whose hash `{key}` field `{field}` records at height {}, certified by block {} ({} of {} validators signed)",
                file.display(),
                cert.proof.height,
                cert.header.height,
                cert.commit.signatures.len(),
                in_force.len()
            );
            Ok(())
        }
    }
}
