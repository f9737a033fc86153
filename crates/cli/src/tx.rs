//! `govchain tx`: build, sign, submit, wait for the receipt.

use crate::client::Client;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use govchain_crypto::sign_tx;
use govchain_node::read_key_file;
use govchain_types::{Amount, Payload, PrincipalId, PrincipalKind, PublicKey, TxBody};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct TxArgs {
    /// The node's API
    #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
    node: String,
    /// The signer's key file
    #[arg(long)]
    key: PathBuf,
    /// Blocks from now until the transaction expires
    #[arg(long, default_value_t = 100)]
    valid_for: u64,
    /// The nonce to use (default: the signer's next nonce, read from the node)
    #[arg(long)]
    nonce: Option<u64>,
    /// Submit and print the id without waiting for the receipt
    #[arg(long)]
    no_wait: bool,
    /// Seconds to wait for the receipt
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Act in this position (an official's), e.g. `pos-off-wang`
    #[arg(long = "as")]
    acting_as: Option<String>,
    /// Act for this organisation, as its representative, e.g. `org-0001`
    #[arg(long = "for")]
    for_org: Option<String>,
    /// Act in the name of this body (the `legislature`, which acts only by its members): the
    /// members given with `--by-member` sign this very transaction
    #[arg(long = "by-body", requires = "by_members", conflicts_with_all = ["acting_as", "for_org"])]
    by_body: Option<PrincipalId>,
    /// A member of `--by-body` signs the transaction: `MEMBER_ID=KEY_FILE` (repeat up to its
    /// threshold)
    #[arg(long = "by-member", requires = "by_body")]
    by_members: Vec<String>,
    #[command(subcommand)]
    payload: PayloadCommand,
}

#[derive(Subcommand)]
enum PayloadCommand {
    /// Bind a key to a principal (creating the principal if the signer is an authority)
    RegisterKey {
        #[arg(long)]
        principal: PrincipalId,
        /// person, organisation, department or legislature
        #[arg(long, value_parser = parse_kind)]
        kind: PrincipalKind,
        /// The public key to bind, e.g. `ed25519:<hex>` (see `govchain keys show`)
        #[arg(long)]
        new_key: PublicKey,
    },
    /// Revoke a key of a principal from the next block on
    RevokeKey {
        #[arg(long)]
        principal: PrincipalId,
        #[arg(long)]
        revoked_key: PublicKey,
    },
    /// Enact a law package: any registered key submits it; the enacting body's members'
    /// signatures (at its threshold) are what enact it
    EnactLaw {
        /// The bill: a law package (JSON)
        #[arg(long)]
        bill: PathBuf,
        /// A member's signature file from `govchain law sign`
        #[arg(long = "signature")]
        signatures: Vec<PathBuf>,
        /// Sign here as a member: `MEMBER_ID=KEY_FILE`
        #[arg(long = "member")]
        members: Vec<String>,
    },
    /// Record an interpretation of a law's articles with the interpreting body's signatures
    Interpret {
        /// The interpretation (JSON: id, law, articles, title, text, body)
        #[arg(long)]
        file: PathBuf,
        /// A member's signature file from `govchain law sign-interpretation`
        #[arg(long = "signature")]
        signatures: Vec<PathBuf>,
        /// Sign here as a member: `MEMBER_ID=KEY_FILE`
        #[arg(long = "member")]
        members: Vec<String>,
    },
    /// Add a record to a registry: `--field NAME=VALUE` for each field
    InsertRecord {
        #[arg(long)]
        registry: String,
        #[arg(long)]
        key: String,
        #[arg(long = "field")]
        fields: Vec<String>,
    },
    /// Set fields of a record (a new version; the others keep their values)
    UpdateRecord {
        #[arg(long)]
        registry: String,
        #[arg(long)]
        key: String,
        #[arg(long = "field")]
        fields: Vec<String>,
    },
    /// Close a record (it stays readable, with every version)
    CloseRecord {
        #[arg(long)]
        registry: String,
        #[arg(long)]
        key: String,
        #[arg(long)]
        reason: String,
    },
    /// Offer a person a position: a JSON file with id, holder, department, title, powers,
    /// jurisdiction, term_from and term_to; the person accepts it with `set-position-status
    /// --status active`
    Appoint {
        #[arg(long)]
        file: PathBuf,
    },
    /// Suspend, reinstate or end a position from the next block on; its holder accepts or
    /// declines an offer (active, ended) or resigns (ended)
    SetPositionStatus {
        #[arg(long)]
        position: String,
        /// active, suspended or ended
        #[arg(long)]
        status: String,
        #[arg(long)]
        reason: String,
    },
    /// Issue new money into an account (the currency's issuing authority, in its position)
    Issue {
        #[arg(long, default_value = "CNY")]
        currency: String,
        #[arg(long)]
        to: PrincipalId,
        #[command(flatten)]
        amount: AmountArg,
        #[arg(long, default_value = "")]
        memo: String,
    },
    /// Take money out of circulation from an account
    Redeem {
        #[arg(long, default_value = "CNY")]
        currency: String,
        #[arg(long)]
        from: PrincipalId,
        #[command(flatten)]
        amount: AmountArg,
        #[arg(long, default_value = "")]
        memo: String,
    },
    /// Pay from your account (or `--from` one the laws let you move) to another
    Transfer {
        #[arg(long, default_value = "CNY")]
        currency: String,
        /// Whose account pays (default: yours, or the organisation's you act `--for`)
        #[arg(long)]
        from: Option<PrincipalId>,
        #[arg(long)]
        to: PrincipalId,
        #[command(flatten)]
        amount: AmountArg,
        #[arg(long, default_value = "")]
        memo: String,
        /// Your reference: an invoice, a case number
        #[arg(long, default_value = "")]
        reference: String,
    },
    /// Freeze an account by a legal order: nothing leaves it until it is unfrozen
    Freeze {
        #[arg(long, default_value = "CNY")]
        currency: String,
        #[arg(long)]
        holder: PrincipalId,
        /// The order's reference
        #[arg(long)]
        order: String,
    },
    /// Lift a freeze
    Unfreeze {
        #[arg(long, default_value = "CNY")]
        currency: String,
        #[arg(long)]
        holder: PrincipalId,
        #[arg(long)]
        order: String,
    },
    /// Deploy a service, or its next version, as a law lets the signer: a JSON file with name,
    /// version, title, law, articles, department, form and script
    DeployService {
        #[arg(long)]
        file: PathBuf,
    },
    /// Apply to a service: `--field NAME=VALUE` for each field of its form (`govchain query
    /// service NAME` shows it); the receipt says what was decided, under which article
    Apply {
        #[arg(long)]
        service: PrincipalId,
        #[arg(long = "field")]
        fields: Vec<String>,
    },
    /// Decide a case a service opened (an official, `--as` the position that has the power):
    /// `--approve` or `--reject`, with reasons
    DecideCase {
        /// The application's id (its transaction's, hex)
        #[arg(long)]
        application: govchain_types::Hash,
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        approve: bool,
        #[arg(long)]
        reject: bool,
        #[arg(long)]
        reasons: String,
    },
    /// Appeal a rejection of your application, once, with reasons: a case for the parent
    /// department of the one that decided (`--for` the organisation you represent, if it applied)
    Appeal {
        /// The application's id (its transaction's, hex)
        #[arg(long)]
        application: govchain_types::Hash,
        #[arg(long)]
        reasons: String,
    },
    /// Confirm an application a service opened for you from a record (a birth): the service
    /// then decides it (`govchain read applications YOU` lists it, `proposed`)
    Confirm {
        /// The application's id (hex)
        #[arg(long)]
        application: govchain_types::Hash,
    },
    /// Replace the validator set from a height on (the legislature's key signs)
    UpdateValidators {
        /// JSON list of validators: `[{"name": ..., "key": "ed25519:...", "power": 1}, ...]`
        #[arg(long)]
        file: PathBuf,
        /// The first height the new set decides: at least two blocks after the one that takes
        /// the transaction
        #[arg(long)]
        effective_height: u64,
    },
}

/// An amount: in the currency's major units (`12.50` yuan), or with `--minor` in minor units.
#[derive(Args)]
struct AmountArg {
    /// The amount in major units, e.g. `12.50` (at most the currency's decimal places)
    #[arg(long, allow_hyphen_values = true)]
    amount: String,
    /// Read `--amount` as minor units (fen), an integer
    #[arg(long)]
    minor: bool,
}

impl AmountArg {
    /// The amount in minor units, with the currency's decimal places read from the node.
    async fn resolve(&self, client: &Client, currency: &str) -> anyhow::Result<Amount> {
        if self.minor {
            return Ok(Amount(self.amount.trim().parse().with_context(|| {
                format!("`{}` is not an integer amount in minor units", self.amount)
            })?));
        }
        let list = client.get("/v1/currencies").await?.ok()?;
        let decimals = list
            .as_array()
            .and_then(|l| {
                l.iter()
                    .find(|c| c.pointer("/code").and_then(|v| v.as_str()) == Some(currency))
            })
            .and_then(|c| c.pointer("/decimals").and_then(serde_json::Value::as_u64))
            .with_context(|| {
                format!("no law in force on the node defines a currency `{currency}`")
            })?;
        let decimals = u8::try_from(decimals).context("the node reports too many decimals")?;
        Amount::parse_major(&self.amount, decimals).map_err(anyhow::Error::msg)
    }
}

fn parse_kind(s: &str) -> Result<PrincipalKind, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
        format!("`{s}` is not a kind: use person, organisation, department or legislature")
    })
}

fn read_signatures(files: &[PathBuf]) -> anyhow::Result<Vec<govchain_types::MemberSignature>> {
    files
        .iter()
        .map(|f| crate::law::read_json(f, "a member signature"))
        .collect()
}

pub fn run(args: TxArgs) -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(run_async(args))
}

async fn run_async(args: TxArgs) -> anyhow::Result<()> {
    let key = read_key_file(&args.key)?;
    let client = Client::new(&args.node)?;
    let status = client.get("/v1/status").await?.ok()?;
    let chain_id = status
        .pointer("/chain_id")
        .and_then(|v| v.as_str())
        .context("status has no chain id")?
        .to_string();
    let height = status
        .pointer("/height")
        .and_then(|v| v.as_u64())
        .context("status has no height")?;
    let signer = key.public_key();
    let nonce = match args.nonce {
        Some(n) => n,
        None => {
            let answer = client.get(&format!("/v1/state/nonce/{signer}")).await?;
            if answer.status == reqwest::StatusCode::NOT_FOUND {
                0
            } else {
                answer
                    .ok()?
                    .pointer("/value")
                    .and_then(|v| v.as_u64())
                    .context("the node's nonce record is not a number")?
            }
        }
    };
    let payload = match args.payload {
        PayloadCommand::RegisterKey {
            principal,
            kind,
            new_key,
        } => Payload::RegisterKey {
            principal,
            kind,
            key: new_key,
        },
        PayloadCommand::RevokeKey {
            principal,
            revoked_key,
        } => Payload::RevokeKey {
            principal,
            key: revoked_key,
        },
        PayloadCommand::EnactLaw {
            bill,
            signatures,
            members,
        } => {
            let law = crate::law::read_bill(&bill)?;
            let mut sigs = read_signatures(&signatures)?;
            for m in members {
                let (member, file) = m
                    .split_once('=')
                    .context("write --member MEMBER_ID=KEY_FILE")?;
                sigs.push(crate::law::sign(
                    &chain_id,
                    &law,
                    member,
                    std::path::Path::new(file),
                )?);
            }
            Payload::EnactLaw {
                law,
                signatures: sigs,
            }
        }
        PayloadCommand::Interpret {
            file,
            signatures,
            members,
        } => {
            let interpretation: govchain_types::Interpretation =
                crate::law::read_json(&file, "an interpretation")?;
            let mut sigs = read_signatures(&signatures)?;
            for m in members {
                let (member, file) = m
                    .split_once('=')
                    .context("write --member MEMBER_ID=KEY_FILE")?;
                sigs.push(crate::law::sign_interpretation(
                    &chain_id,
                    &interpretation,
                    member,
                    std::path::Path::new(file),
                )?);
            }
            Payload::Interpret {
                interpretation,
                signatures: sigs,
            }
        }
        PayloadCommand::InsertRecord {
            registry,
            key,
            fields,
        } => {
            let def = crate::records::registry_def(&client, &registry).await?;
            Payload::InsertRecord {
                fields: crate::records::typed_fields(&def, &fields)?,
                registry,
                key,
            }
        }
        PayloadCommand::UpdateRecord {
            registry,
            key,
            fields,
        } => {
            let def = crate::records::registry_def(&client, &registry).await?;
            Payload::UpdateRecord {
                fields: crate::records::typed_fields(&def, &fields)?,
                registry,
                key,
            }
        }
        PayloadCommand::CloseRecord {
            registry,
            key,
            reason,
        } => Payload::CloseRecord {
            registry,
            key,
            reason,
        },
        PayloadCommand::Appoint { file } => Payload::Appoint {
            position: crate::law::read_json(&file, "a position")?,
        },
        PayloadCommand::SetPositionStatus {
            position,
            status,
            reason,
        } => Payload::SetPositionStatus {
            id: position,
            status: serde_json::from_value(serde_json::Value::String(status.clone())).map_err(
                |_| anyhow::anyhow!("`{status}` is not a status: use active, suspended or ended"),
            )?,
            reason,
        },
        PayloadCommand::Issue {
            currency,
            to,
            amount,
            memo,
        } => Payload::Issue {
            amount: amount.resolve(&client, &currency).await?,
            currency,
            to,
            memo,
        },
        PayloadCommand::Redeem {
            currency,
            from,
            amount,
            memo,
        } => Payload::Redeem {
            amount: amount.resolve(&client, &currency).await?,
            currency,
            from,
            memo,
        },
        PayloadCommand::Transfer {
            currency,
            from,
            to,
            amount,
            memo,
            reference,
        } => Payload::Transfer {
            amount: amount.resolve(&client, &currency).await?,
            currency,
            from,
            to,
            memo,
            reference,
        },
        PayloadCommand::Freeze {
            currency,
            holder,
            order,
        } => Payload::Freeze {
            currency,
            holder,
            order,
        },
        PayloadCommand::Unfreeze {
            currency,
            holder,
            order,
        } => Payload::Unfreeze {
            currency,
            holder,
            order,
        },
        PayloadCommand::DeployService { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            Payload::DeployService {
                service: serde_json::from_str(&text)
                    .with_context(|| format!("{}: not a service package", file.display()))?,
            }
        }
        PayloadCommand::DecideCase {
            application,
            approve,
            reject: _,
            reasons,
        } => Payload::DecideCase {
            application,
            approve,
            reasons,
        },
        PayloadCommand::Appeal {
            application,
            reasons,
        } => Payload::Appeal {
            application,
            reasons,
        },
        PayloadCommand::Confirm { application } => Payload::Confirm { application },
        PayloadCommand::Apply { service, fields } => {
            let form = crate::records::service_form(&client, &service).await?;
            Payload::Apply {
                input: crate::records::typed_fields(&form, &fields)?,
                service,
            }
        }
        PayloadCommand::UpdateValidators {
            file,
            effective_height,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            Payload::UpdateValidators {
                validators: serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a list of validators", file.display()))?,
                effective_height,
            }
        }
    };
    let mut body = TxBody {
        chain_id,
        signer,
        nonce,
        valid_until: height.saturating_add(args.valid_for),
        acting_as: crate::records::acting(args.acting_as, args.for_org)?,
        payload,
    };
    if let Some(id) = args.by_body {
        let mut members = Vec::new();
        for m in &args.by_members {
            let (member, file) = m
                .split_once('=')
                .context("write --by-member MEMBER_ID=KEY_FILE")?;
            members.push((
                PrincipalId::new(member)
                    .with_context(|| format!("`{member}` is not a principal id"))?,
                read_key_file(std::path::Path::new(file))?,
            ));
        }
        let members: Vec<_> = members.iter().map(|(m, k)| (m.clone(), k)).collect();
        body = govchain_crypto::sign_as_body(body, id, &members);
    }
    let tx = sign_tx(key.scheme(), &key, body);
    let submitted = client.post_tx(tx.encode()).await?.ok()?;
    let id = submitted
        .pointer("/id")
        .and_then(|v| v.as_str())
        .context("no id in the answer")?
        .to_string();
    eprintln!("submitted {id}");
    if args.no_wait {
        println!("{id}");
        return Ok(());
    }
    let started = Instant::now();
    let timeout = Duration::from_secs(args.timeout);
    loop {
        let answer = client.get(&format!("/v1/tx/{id}")).await?;
        if answer.status.is_success() {
            println!(
                "{}",
                serde_json::to_string_pretty(&answer.body.pointer("/receipt"))?
            );
            let status = answer
                .body
                .pointer("/receipt/status")
                .and_then(|v| v.as_str())
                .unwrap_or("");
            if status != "ok" {
                let said = |field: &str| {
                    answer
                        .body
                        .pointer(&format!("/receipt/{field}"))
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string()
                };
                bail!(
                    "transaction {id} was {status} at height {}: {} ({})",
                    answer
                        .body
                        .pointer("/receipt/height")
                        .and_then(|v| v.as_u64())
                        .unwrap_or(0),
                    said("error"),
                    said("code")
                );
            }
            return Ok(());
        }
        if started.elapsed() > timeout {
            bail!("no receipt for {id} after {} s", args.timeout);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
