//! Registries from the command line: typed fields for record transactions, signed reads,
//! offline certificates of records, and exports as of a height.

use crate::client::Client;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use govchain_node::read_key_file;
use govchain_types::{
    FieldType, FieldValue, Fields, ReadRequest, ReadTarget, RegistryDef, SignedRead,
};
use serde_json::Value;
use std::io::Write as _;
use std::path::PathBuf;

/// In whose name a command acts: `--as POSITION` or `--for ORGANISATION`.
pub fn acting(
    position: Option<String>,
    organisation: Option<String>,
) -> anyhow::Result<Option<govchain_types::Acting>> {
    Ok(match (position, organisation) {
        (Some(p), None) => Some(govchain_types::Acting::Position(p)),
        (None, Some(o)) => Some(govchain_types::Acting::Organisation(
            govchain_types::PrincipalId::new(o)?,
        )),
        (None, None) => None,
        (Some(_), Some(_)) => bail!("act --as a position or --for an organisation, not both"),
    })
}

/// The definition of `registry` in force, from the node.
pub async fn registry_def(client: &Client, registry: &str) -> anyhow::Result<RegistryDef> {
    let all = client.get("/v1/registries").await?.ok()?;
    let found = all
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r.get("name").and_then(Value::as_str) == Some(registry))
        .with_context(|| format!("no law in force defines a registry `{registry}`"))?;
    serde_json::from_value(found.clone()).context("the node's registry definition")
}

/// A service's form, as the latest version deployed gives it, in the shape of a registry's
/// fields (so [`typed_fields`] types the input alike).
pub async fn service_form(
    client: &Client,
    service: &govchain_types::PrincipalId,
) -> anyhow::Result<RegistryDef> {
    let view = client.get(&format!("/v1/services/{service}")).await?.ok()?;
    let def: govchain_types::ServiceDef =
        serde_json::from_value(view.get("service").cloned().unwrap_or_default())
            .context("the node's service definition")?;
    Ok(RegistryDef {
        name: format!("the form of service `{service}`"),
        title: def.title,
        department: def.department,
        sensitivity: govchain_types::Sensitivity::Protected,
        fields: def.form,
        indexes: vec![],
        region_field: None,
        subject_field: None,
        principals: None,
        jurisdiction_field: None,
        parent_field: None,
        representative_field: None,
    })
}

/// `name=value` pairs typed by the registry's definition: numbers for integers, `true`/`false`
/// for booleans, comma-separated codes for region sets, text for the rest.
pub fn typed_fields(def: &RegistryDef, pairs: &[String]) -> anyhow::Result<Fields> {
    let mut out = Fields::new();
    for pair in pairs {
        let (name, value) = pair
            .split_once('=')
            .with_context(|| format!("`{pair}`: write --field NAME=VALUE"))?;
        let Some(f) = def.fields.iter().find(|f| f.name == name) else {
            bail!(
                "registry `{}` has no field `{name}`; its fields: {}",
                def.name,
                def.fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        let v = match f.ty {
            FieldType::Integer { .. } => FieldValue::Integer(
                value
                    .parse()
                    .with_context(|| format!("field `{name}` takes a whole number"))?,
            ),
            FieldType::Bool => FieldValue::Bool(
                value
                    .parse()
                    .with_context(|| format!("field `{name}` takes true or false"))?,
            ),
            FieldType::Regions => FieldValue::List(
                value
                    .split(',')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect(),
            ),
            _ => FieldValue::Text(value.to_string()),
        };
        out.insert(name.to_string(), v);
    }
    Ok(out)
}

/// Who signs a read request, in whose name and why.
#[derive(Args)]
pub struct Reader {
    /// The reader's key file
    #[arg(long)]
    key: PathBuf,
    /// The position the reader acts in, e.g. `pos-off-wang`
    #[arg(long = "as")]
    acting_as: Option<String>,
    /// Act for this organisation, as its representative, e.g. `org-0001`
    #[arg(long = "for")]
    for_org: Option<String>,
    /// Why (recorded in the read log), e.g. a case number
    #[arg(long, default_value = "")]
    purpose: String,
}

impl Reader {
    pub fn new(key: PathBuf, acting_as: Option<String>, purpose: String) -> Self {
        Self {
            key,
            acting_as,
            for_org: None,
            purpose,
        }
    }
}

/// A read request for `target`, for the node `client` talks to (named by its key, so no other
/// node serves it again), valid for five blocks, signed: the hex of its canonical encoding.
pub async fn sign_read(
    client: &Client,
    reader: &Reader,
    target: ReadTarget,
) -> anyhow::Result<String> {
    let key = read_key_file(&reader.key)?;
    let status = client.get("/v1/status").await?.ok()?;
    let chain_id = status
        .get("chain_id")
        .unwrap_or(&Value::Null)
        .as_str()
        .context("status has no chain id")?;
    let height = status
        .get("height")
        .unwrap_or(&Value::Null)
        .as_u64()
        .context("status has no height")?;
    let node: govchain_types::PublicKey =
        serde_json::from_value(status.get("node").cloned().unwrap_or(Value::Null))
            .context("the node's status names no node key (an older node?)")?;
    let request = ReadRequest {
        chain_id: chain_id.to_string(),
        node,
        reader: key.public_key(),
        acting_as: acting(reader.acting_as.clone(), reader.for_org.clone())?,
        target,
        valid_until: height.saturating_add(5),
        nonce: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
            .unwrap_or(0),
        purpose: reader.purpose.clone(),
    };
    let signature = key.sign(&request.signing_bytes());
    Ok(hex::encode(govchain_types::encode(&SignedRead {
        request,
        signature,
    })))
}

#[derive(Args)]
pub struct ReadArgs {
    #[command(flatten)]
    reader: Reader,
    #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
    node: String,
    #[command(subcommand)]
    target: ReadCommand,
}

#[derive(Subcommand)]
enum ReadCommand {
    /// One record, as of a height (default: the latest)
    Record {
        registry: String,
        key: String,
        #[arg(long)]
        height: Option<u64>,
    },
    /// Every version of a record
    History { registry: String, key: String },
    /// The offline certificate of a protected record, written for `govchain verify`
    Certificate {
        registry: String,
        key: String,
        /// Default: the latest certified height
        #[arg(long)]
        height: Option<u64>,
        /// The file to write (default: REGISTRY-KEY.cert.json)
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// An account's balance and freeze as of a height; `--proof` writes its offline certificate
    /// for `govchain verify`
    Account {
        holder: govchain_types::PrincipalId,
        #[arg(long, default_value = "CNY")]
        currency: String,
        #[arg(long)]
        height: Option<u64>,
        /// Also write the certificate (value, Merkle proof, certified header) to this file
        #[arg(long)]
        proof: Option<PathBuf>,
    },
    /// A page of an account's statement
    Statement {
        holder: govchain_types::PrincipalId,
        #[arg(long, default_value = "CNY")]
        currency: String,
        /// The `next` of the previous page
        #[arg(long)]
        after: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long)]
        newest_first: bool,
    },
    /// The node's log of protected reads (auditors)
    Audit {
        #[arg(long, default_value_t = 0)]
        after: u64,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// An application to a service (its transaction's id): input, status, case, timeline
    Application { id: govchain_types::Hash },
    /// The periods an application's schedule has run (a pension's months), oldest first: a
    /// page after period `--after`
    Periods {
        id: govchain_types::Hash,
        #[arg(long)]
        after: Option<u64>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// An applicant's applications, newest first (the applicant, or an organisation `--for`)
    Applications {
        applicant: govchain_types::PrincipalId,
    },
    /// The cases waiting for a department's officials, those due first first (an official,
    /// `--as` a position in the department): a page after the cursor `--after`
    Cases {
        department: govchain_types::PrincipalId,
        #[arg(long)]
        after: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

/// `govchain read`: a signed read request, answered and logged by the node.
pub fn read(args: ReadArgs) -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(async move {
        let client = Client::new(&args.node)?;
        let mut out_file = None;
        let target = match args.target {
            ReadCommand::Certificate {
                registry,
                key,
                height,
                out,
            } => {
                out_file = Some(
                    out.unwrap_or_else(|| PathBuf::from(format!("{registry}-{key}.cert.json"))),
                );
                ReadTarget::Certificate {
                    registry,
                    key,
                    height,
                }
            }
            ReadCommand::Record {
                registry,
                key,
                height,
            } => ReadTarget::Record {
                registry,
                key,
                height,
            },
            ReadCommand::History { registry, key } => ReadTarget::History { registry, key },
            ReadCommand::Audit { after, limit } => ReadTarget::Audit { after, limit },
            ReadCommand::Application { id } => ReadTarget::Application { id },
            ReadCommand::Periods { id, after, limit } => ReadTarget::Periods {
                id,
                after,
                limit: Some(limit),
            },
            ReadCommand::Applications { applicant } => ReadTarget::Applications { applicant },
            ReadCommand::Cases {
                department,
                after,
                limit,
            } => ReadTarget::Cases {
                department,
                after,
                limit: Some(limit),
            },
            ReadCommand::Account {
                holder,
                currency,
                height,
                proof,
            } => {
                let wants_proof = proof.is_some();
                out_file = proof;
                ReadTarget::Account {
                    currency,
                    holder,
                    height,
                    proof: wants_proof,
                }
            }
            ReadCommand::Statement {
                holder,
                currency,
                after,
                limit,
                newest_first,
            } => ReadTarget::Statement {
                currency,
                holder,
                after,
                limit: Some(limit),
                newest_first,
            },
        };
        let signed = sign_read(&client, &args.reader, target).await?;
        let body = serde_json::json!({ "read": signed });
        let answer = client.post_json("/v1/read", &body).await?.ok()?;
        if let Some(file) = out_file {
            let cert = answer
                .get("certificate")
                .context("the node's answer has no certificate")?;
            std::fs::write(&file, serde_json::to_string_pretty(cert)?)
                .with_context(|| format!("writing {}", file.display()))?;
            eprintln!(
                "wrote {} (allowed by {})",
                file.display(),
                answer
                    .get("decided_by")
                    .map(Value::to_string)
                    .unwrap_or_default()
            );
            return Ok(());
        }
        println!("{}", serde_json::to_string_pretty(&answer)?);
        Ok(())
    })
}

#[derive(Args)]
pub struct ExportArgs {
    /// The registry, e.g. `organisations`
    #[arg(long)]
    registry: String,
    /// As of this height (default: the latest)
    #[arg(long)]
    height: Option<u64>,
    /// csv or json (one record per line)
    #[arg(long, default_value = "csv")]
    format: String,
    /// Write here instead of standard output
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
    node: String,
}

fn csv_cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}

/// `govchain export`: every record of a public registry as of a height, as CSV (the fields of
/// the definition, then status, height and signer) or JSON lines.
pub fn export(args: ExportArgs) -> anyhow::Result<()> {
    if args.format != "csv" && args.format != "json" {
        bail!("--format is csv or json");
    }
    tokio::runtime::Runtime::new()?.block_on(async move {
        let client = Client::new(&args.node)?;
        let def = registry_def(&client, &args.registry).await?;
        let height = match args.height {
            Some(h) => h,
            None => client
                .get("/v1/status")
                .await?
                .ok()?
                .get("height")
                .cloned()
                .unwrap_or_default()
                .as_u64()
                .context("status has no height")?,
        };
        let sink: Box<dyn std::io::Write> = match &args.out {
            Some(f) => Box::new(
                std::fs::File::create(f).with_context(|| format!("creating {}", f.display()))?,
            ),
            None => Box::new(std::io::stdout().lock()),
        };
        let mut json = std::io::BufWriter::new(sink);
        let mut csv = (args.format == "csv").then(|| csv::Writer::from_writer(Vec::new()));
        let names: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
        if let Some(w) = csv.as_mut() {
            let mut header = vec!["key"];
            header.extend(&names);
            header.extend(["status", "height", "signer"]);
            w.write_record(&header)?;
        }
        let mut after: Option<String> = None;
        let mut count = 0usize;
        loop {
            let mut path = format!("/v1/records/{}?height={height}&limit=100", args.registry);
            if let Some(a) = &after {
                path.push_str(&format!("&after={a}"));
            }
            let page = client.get(&path).await?.ok()?;
            for r in page
                .get("records")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                count = count.saturating_add(1);
                let Some(w) = csv.as_mut() else {
                    writeln!(json, "{}", serde_json::to_string(r)?)?;
                    continue;
                };
                let mut row = vec![csv_cell(r.get("key"))];
                row.extend(
                    names
                        .iter()
                        .map(|n| csv_cell(r.get("fields").and_then(|f| f.get(*n)))),
                );
                row.push(csv_cell(r.get("status").and_then(|s| s.get("state"))));
                row.push(csv_cell(r.get("height")));
                row.push(csv_cell(r.get("written").and_then(|w| w.get("signer"))));
                w.write_record(&row)?;
            }
            // Rows go out a page at a time.
            if let Some(w) = csv.as_mut() {
                w.flush()?;
                json.write_all(w.get_ref())?;
                *w = csv::Writer::from_writer(Vec::new());
            }
            match page.get("next").and_then(Value::as_str) {
                Some(n) => after = Some(n.to_string()),
                None => break,
            }
        }
        json.flush()?;
        eprintln!(
            "exported {count} records of `{}` as of height {height}",
            args.registry
        );
        Ok(())
    })
}
