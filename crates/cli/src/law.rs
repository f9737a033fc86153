//! `govchain law`: work with bills before they go on chain.

use anyhow::Context;
use clap::Subcommand;
use govchain_law::verify::{Context as VerifyContext, Report};
use govchain_node::read_key_file;
use govchain_types::{Interpretation, LawPackage, MemberSignature, PrincipalId};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum LawCommand {
    /// Verify a bill before the vote: its shape and schema, its conflicts with the laws in
    /// force (each shown by a request), and the recent decisions it would change. With `--node`
    /// against the live laws and the node's audit log, and every check enactment makes but the
    /// signatures (whether its body may enact, amend or repeal what it touches, its version, the
    /// laws at every later height); without, only shape, schema and conflicts against `--laws`
    /// (or the bootstrap constitution). Exits non-zero if the bill could not be enacted as it is.
    Check {
        /// The bill: a law package (JSON)
        bill: PathBuf,
        /// Verify against this node's laws in force and audit log
        #[arg(long)]
        node: Option<String>,
        /// Offline: the laws in force (a JSON list of law packages, e.g. `law in-force --json`)
        #[arg(long, conflicts_with = "node")]
        laws: Option<PathBuf>,
        /// Requests to replay instead of the audit log (a JSON list)
        #[arg(long)]
        samples: Option<PathBuf>,
        /// See the node's recorded requests whose decisions the bill changes, listed: sign a
        /// read of its dry run with this key (a member of the bill's body, or an auditor `--as`
        /// a position with the `audit` power); the read is decided by the laws and logged
        #[arg(long, requires = "node", conflicts_with = "samples")]
        key: Option<PathBuf>,
        /// The position the reader acts in, with `--key`
        #[arg(long = "as", requires = "key")]
        acting_as: Option<String>,
        /// Why (recorded in the read log), with `--key`
        #[arg(long, default_value = "", requires = "key")]
        purpose: String,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// A law's history from a node: its versions (enacted when, signed by whom, in force from
    /// and until) and its interpretations
    History {
        /// The law's id, e.g. `civil-registration-law`
        id: String,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// Ask a node how the laws in force decide a principal's action, with citations: a kernel
    /// action of a registered principal, or any request given in full (`--request`)
    Explain {
        /// The acting principal, e.g. `cit-0001`
        #[arg(long, required_unless_present = "request")]
        principal: Option<String>,
        /// create-principal, manage-keys or change-validators
        #[arg(long, required_unless_present = "request")]
        action: Option<String>,
        /// The principal acted on
        #[arg(long)]
        target: Option<String>,
        /// For create-principal: person (default), organisation, department, legislature
        #[arg(long)]
        kind: Option<String>,
        /// Decide as at this height (default: the next block)
        #[arg(long)]
        height: Option<u64>,
        /// A request given in full (JSON: principal, action, resource, height, region)
        #[arg(long, conflicts_with_all = ["principal", "action", "target", "kind", "height"])]
        request: Option<PathBuf>,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// The laws in force at a height (default: the next block), from a node
    InForce {
        #[arg(long)]
        height: Option<u64>,
        /// Print the law packages as JSON (for `law check --laws`)
        #[arg(long)]
        json: bool,
        #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
        node: String,
    },
    /// Sign a bill as a member of its body; prints the signature (JSON) for `enact-law`
    Sign {
        bill: PathBuf,
        /// The chain the signature is for (a signature is good on that chain only)
        #[arg(long)]
        chain: String,
        /// The member's id, e.g. `leg-1`
        #[arg(long)]
        member: String,
        /// The member's key file
        #[arg(long)]
        key: PathBuf,
    },
    /// Sign an interpretation as a member of its body; prints the signature (JSON) for
    /// `tx interpret`
    SignInterpretation {
        /// The interpretation (JSON: id, law, articles, title, text, body)
        interpretation: PathBuf,
        /// The chain the signature is for
        #[arg(long)]
        chain: String,
        #[arg(long)]
        member: String,
        #[arg(long)]
        key: PathBuf,
    },
}

pub fn read_bill(path: &Path) -> anyhow::Result<LawPackage> {
    read_json(path, "a law package")
}

/// Reads a JSON file as `what`.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not {what}", path.display()))
}

/// A member's signature over an interpretation.
pub fn sign_interpretation(
    chain_id: &str,
    interpretation: &Interpretation,
    member: &str,
    key_file: &Path,
) -> anyhow::Result<MemberSignature> {
    let key = read_key_file(key_file)?;
    let msg = govchain_law::interpretation_signing_bytes(chain_id, key.scheme(), interpretation);
    Ok(MemberSignature {
        member: PrincipalId::new(member)?,
        signature: govchain_crypto::Signer::sign(&key, &msg),
    })
}

/// A member's signature over a bill, good on chain `chain_id` only.
pub fn sign(
    chain_id: &str,
    bill: &LawPackage,
    member: &str,
    key_file: &Path,
) -> anyhow::Result<MemberSignature> {
    let key = read_key_file(key_file)?;
    let msg = govchain_law::bill_signing_bytes(chain_id, key.scheme(), bill);
    Ok(MemberSignature {
        member: PrincipalId::new(member)?,
        signature: govchain_crypto::Signer::sign(&key, &msg),
    })
}

pub fn run(cmd: LawCommand) -> anyhow::Result<()> {
    match cmd {
        LawCommand::Check {
            bill,
            node,
            laws,
            samples,
            key,
            acting_as,
            purpose,
            json,
        } => {
            let law = read_bill(&bill)?;
            let samples: Option<Vec<govchain_law::AuthRequest>> = samples
                .map(|s| read_json(&s, "a list of authorization requests"))
                .transpose()?;
            let report: Report = match node {
                Some(node) => {
                    let answer = tokio::runtime::Runtime::new()?.block_on(async {
                        let client = crate::client::Client::new(&node)?;
                        let read = match key {
                            Some(key) => {
                                let scheme = read_key_file(&key)?.scheme();
                                let reader = crate::records::Reader::new(key, acting_as, purpose);
                                let target = govchain_types::ReadTarget::DryRun {
                                    bill: govchain_law::bill_hash(scheme, &law),
                                };
                                Some(crate::records::sign_read(&client, &reader, target).await?)
                            }
                            None => None,
                        };
                        let body =
                            serde_json::json!({ "bill": law, "samples": samples, "read": read });
                        client.post_json("/v1/laws/verify", &body).await?.ok()
                    })?;
                    serde_json::from_value(answer).context("the node's report")?
                }
                None => {
                    let now: Vec<LawPackage> = match laws {
                        Some(f) => read_json(&f, "a list of law packages")?,
                        None => vec![govchain_law::bootstrap::constitution()],
                    };
                    let mut with_bill: Vec<LawPackage> =
                        now.iter().filter(|l| l.id != law.id).cloned().collect();
                    with_bill.retain(|l| !law.repeals.contains(&l.id));
                    with_bill.push(law.clone());
                    govchain_law::verify::verify(
                        &law,
                        &VerifyContext {
                            model: &govchain_law::SchemaModel::base(),
                            now: &now,
                            with_bill: &with_bill,
                            replay: samples.as_deref().unwrap_or_default(),
                        },
                    )
                }
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_report(&report);
            }
            if !report.valid {
                anyhow::bail!("the bill cannot be enacted as it is");
            }
        }
        LawCommand::History { id, node } => {
            let body = get(&node, &format!("/v1/laws/{id}/history"))?;
            print_history(&body);
        }
        LawCommand::SignInterpretation {
            interpretation,
            chain,
            member,
            key,
        } => {
            let i: Interpretation = read_json(&interpretation, "an interpretation")?;
            println!(
                "{}",
                serde_json::to_string_pretty(&sign_interpretation(&chain, &i, &member, &key)?)?
            );
        }
        LawCommand::Explain {
            principal,
            action,
            target,
            kind,
            height,
            request,
            node,
        } => {
            let body = match request {
                Some(file) => {
                    let req: serde_json::Value = read_json(&file, "an authorization request")?;
                    tokio::runtime::Runtime::new()?.block_on(async {
                        crate::client::Client::new(&node)?
                            .post_json("/v1/explain", &req)
                            .await?
                            .ok()
                    })?
                }
                None => {
                    let mut q: Vec<(&str, String)> = Vec::new();
                    q.extend(principal.map(|p| ("principal", p)));
                    q.extend(action.map(|a| ("action", a)));
                    q.extend(target.map(|t| ("target", t)));
                    q.extend(kind.map(|k| ("kind", k)));
                    q.extend(height.map(|h| ("height", h.to_string())));
                    let query: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    get(&node, &format!("/v1/explain?{}", query.join("&")))?
                }
            };
            let message = body.get("message").and_then(|m| m.as_str()).unwrap_or("");
            println!("{message}");
            eprintln!("{}", serde_json::to_string_pretty(&body)?);
        }
        LawCommand::InForce { height, json, node } => {
            let path = match height {
                Some(h) => format!("/v1/laws?height={h}"),
                None => "/v1/laws".to_string(),
            };
            let body = get(&node, &path)?;
            if json {
                let laws = body.get("laws").cloned().unwrap_or_default();
                println!("{}", serde_json::to_string_pretty(&laws)?);
                return Ok(());
            }
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
        LawCommand::Sign {
            bill,
            chain,
            member,
            key,
        } => {
            let law = read_bill(&bill)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&sign(&chain, &law, &member, &key)?)?
            );
        }
    }
    Ok(())
}

fn get(node: &str, path: &str) -> anyhow::Result<serde_json::Value> {
    tokio::runtime::Runtime::new()?
        .block_on(async { crate::client::Client::new(node)?.get(path).await?.ok() })
}

fn request_line(r: &govchain_law::AuthRequest) -> String {
    format!(
        "{}::\"{}\" {} {}::\"{}\" at height {}{}",
        r.principal.uid.kind,
        r.principal.uid.id,
        r.action,
        r.resource.uid.kind,
        r.resource.uid.id,
        r.height,
        r.region
            .as_ref()
            .map(|g| format!(" in {g}"))
            .unwrap_or_default()
    )
}

fn outcome_line(o: &govchain_law::verify::Outcome) -> String {
    let verdict = if o.allowed { "allowed" } else { "denied" };
    match &o.decided_by {
        Some(c) => format!("{verdict} by {c}"),
        None => format!("{verdict} (no law permits it)"),
    }
}

/// The report for people: findings by kind, each with its example, then the dry run.
fn print_report(r: &Report) {
    println!(
        "bill `{}` version {} ({}): {}",
        r.law,
        r.version,
        r.level,
        if r.valid {
            "valid"
        } else {
            "INVALID: it cannot be enacted as it is"
        }
    );
    for f in &r.findings {
        let kind = serde_json::to_value(f.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        println!("  {kind:<24} {}", f.message);
        if let Some(w) = &f.witness {
            println!("  {:<24}   e.g. {}", "", request_line(w));
        }
    }
    if r.valid {
        println!(
            "conflict search: {} sampled requests (it can miss a conflict; every one shown is real)",
            r.sampled
        );
        let d = &r.dry_run;
        println!(
            "dry run: {} recorded requests replayed, {} decisions change ({} newly denied, {} newly allowed){}",
            d.replayed,
            d.changed,
            d.newly_denied,
            d.newly_allowed,
            if d.undecidable > 0 {
                format!(", {} could not be decided", d.undecidable)
            } else {
                String::new()
            }
        );
        if d.withheld {
            println!(
                "  the requests replayed are recorded acts of real people: counted, not listed; \
                 pass your own cases as samples, or sign a read of the dry run (--key) as a \
                 member of the bill's body or an auditor, to see them listed"
            );
        }
        if let Some(by) = &d.decided_by {
            println!(
                "  recorded requests listed for you by {by}{}",
                if d.amounts_withheld > 0 {
                    format!("; {} private amounts left out", d.amounts_withheld)
                } else {
                    String::new()
                }
            );
        }
        for c in &d.changes {
            println!(
                "  {}: {} -> {}",
                request_line(&c.request),
                outcome_line(&c.before),
                outcome_line(&c.after)
            );
        }
    }
}

fn print_history(body: &serde_json::Value) {
    let s = |v: &serde_json::Value, k: &str| match v.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    };
    println!("law `{}`", s(body, "law"));
    for v in body
        .get("versions")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
    {
        let ended = match v.get("ended") {
            Some(e) if !e.is_null() => format!(", until {} ({})", s(e, "from"), s(e, "how")),
            _ => String::new(),
        };
        let signed: Vec<String> = v
            .get("signed_by")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
            .filter_map(|m| m.as_str().map(str::to_string))
            .collect();
        println!(
            "  version {} ({}) \"{}\": enacted at {}{}, in force from {}{}",
            s(v, "version"),
            s(v, "level"),
            s(v, "title"),
            s(v, "enacted_at"),
            if signed.is_empty() {
                " (genesis)".to_string()
            } else {
                format!(" signed by {}", signed.join(", "))
            },
            s(v, "effective_from"),
            ended
        );
    }
    for i in body
        .get("interpretations")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
    {
        let it = i.get("interpretation").cloned().unwrap_or_default();
        println!(
            "  interpretation `{}` of articles {} (recorded at {}): {}",
            s(&it, "id"),
            it.get("articles")
                .map(|a| a.to_string())
                .unwrap_or_default(),
            s(i, "recorded_at"),
            s(&it, "title")
        );
    }
}
