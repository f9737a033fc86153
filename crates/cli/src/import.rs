//! `govchain import`: the initial load of a registry (初始注册登记) from a CSV or JSON-lines
//! file, as signed chunks of records.
//!
//! 1. The whole file is checked first against the registry's definition — every type, every
//!    required field — and every malformed row is reported with its line number; nothing is sent
//!    if one is.
//! 2. Rows go out in chunks (`ImportRecords` transactions, as many records as fit), several in
//!    flight. A chunk is loaded whole or not at all; if the chain refuses one (a reference to a
//!    record that does not exist, a key that does), the import stops at the line it names.
//! 3. Progress is saved after every chunk the chain commits (`FILE.import-state.json`): run the
//!    same command again and it continues after the last committed row, even after a crash or
//!    Ctrl-C.

use crate::client::Client;
use anyhow::{Context, bail};
use clap::Args;
use govchain_crypto::sign_tx;
use govchain_node::read_key_file;
use govchain_types::{
    FieldType, FieldValue, Fields, ImportedRecord, Payload, RegistryDef, TxBody, encode,
};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::VecDeque;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct ImportArgs {
    /// The registry to load, e.g. `persons`
    #[arg(long)]
    registry: String,
    /// The file: CSV with a header row (a `key` column and one column per field), or JSON lines
    /// (`{"key": .., "<field>": ..}` per line); `.csv` / `.jsonl` / `.json` decide
    file: PathBuf,
    /// The signer's key file (a department the laws let import into the registry)
    #[arg(long)]
    key: PathBuf,
    /// Act in this position, if the laws give the import to an official
    #[arg(long = "as")]
    acting_as: Option<String>,
    /// Act for this organisation, as its representative, e.g. `org-0001`
    #[arg(long = "for")]
    for_org: Option<String>,
    /// Chunks in flight at once
    #[arg(long, default_value_t = 16)]
    in_flight: usize,
    /// Where progress is kept (default: FILE.import-state.json)
    #[arg(long)]
    state: Option<PathBuf>,
    /// Only check the file, send nothing
    #[arg(long)]
    check: bool,
    #[arg(long, env = "GOVCHAIN_NODE", default_value = "http://127.0.0.1:8080")]
    node: String,
}

/// One row of the file: where it is, and what it says.
struct Row {
    line: u64,
    record: ImportedRecord,
}

/// A malformed row.
struct Bad {
    line: u64,
    message: String,
}

/// Converts one cell (CSV text, or a JSON value) to the field's type.
fn cell(def: &RegistryDef, name: &str, raw: &Value) -> Result<Option<FieldValue>, String> {
    let Some(f) = def.fields.iter().find(|f| f.name == name) else {
        return Err(format!("registry `{}` has no field `{name}`", def.name));
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if raw.is_null() || raw.as_str().is_some_and(str::is_empty) {
        return Ok(None);
    }
    Ok(Some(match &f.ty {
        FieldType::Integer { .. } => match raw {
            Value::Number(n) => FieldValue::Integer(
                n.as_i64()
                    .ok_or_else(|| format!("field `{name}` takes a whole number"))?,
            ),
            other => FieldValue::Integer(
                text(other)
                    .trim()
                    .parse()
                    .map_err(|_| format!("field `{name}` takes a whole number"))?,
            ),
        },
        FieldType::Bool => match raw {
            Value::Bool(b) => FieldValue::Bool(*b),
            other => FieldValue::Bool(
                text(other)
                    .trim()
                    .parse()
                    .map_err(|_| format!("field `{name}` takes true or false"))?,
            ),
        },
        FieldType::Regions => match raw {
            Value::Array(items) => FieldValue::List(items.iter().map(text).collect()),
            other => FieldValue::List(
                text(other)
                    .split(',')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect(),
            ),
        },
        _ => FieldValue::Text(text(raw)),
    }))
}

/// A row's record, checked offline against the definition.
fn record(
    def: &RegistryDef,
    key: Option<&Value>,
    cells: &[(String, Value)],
) -> Result<ImportedRecord, String> {
    let key = match key {
        Some(Value::String(k)) if !k.is_empty() => k.clone(),
        _ => return Err("no `key`".into()),
    };
    let mut fields = Fields::new();
    for (name, raw) in cells {
        if let Some(v) = cell(def, name, raw)? {
            fields.insert(name.clone(), v);
        }
    }
    let fields = govchain_execution::registry::check_fields_offline(def, &fields)?;
    if !govchain_execution::registry::key_ok(&key) {
        return Err(format!(
            "`{key}` is not a record key: 1 to 64 letters, digits, `-`, `_` and `.`"
        ));
    }
    Ok(ImportedRecord { key, fields })
}

/// Reads the rows of `path` one by one.
fn rows(
    path: &Path,
    def: &RegistryDef,
) -> anyhow::Result<Box<dyn Iterator<Item = Result<Row, Bad>>>> {
    let name = path.display().to_string();
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let file = std::fs::File::open(path).with_context(|| format!("opening {name}"))?;
    let def = def.clone();
    if is_csv {
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(file);
        let header: Vec<String> = reader
            .headers()
            .with_context(|| format!("{name}: the header row"))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if !header.iter().any(|h| h == "key") {
            bail!("{name}: the header row has no `key` column");
        }
        if let Some(unknown) = header
            .iter()
            .find(|h| *h != "key" && !def.fields.iter().any(|f| &f.name == *h))
        {
            bail!(
                "{name}: column `{unknown}` is not a field of registry `{}`",
                def.name
            );
        }
        Ok(Box::new(reader.into_records().map(move |r| {
            let r = r.map_err(|e| Bad {
                line: e.position().map_or(0, |p| p.line()),
                message: e.to_string(),
            })?;
            let line = r.position().map_or(0, |p| p.line());
            let mut key = None;
            let mut cells = Vec::new();
            for (h, v) in header.iter().zip(r.iter()) {
                if h == "key" {
                    key = Some(Value::String(v.trim().to_string()));
                } else {
                    cells.push((h.clone(), Value::String(v.to_string())));
                }
            }
            record(&def, key.as_ref(), &cells)
                .map(|record| Row { line, record })
                .map_err(|message| Bad { line, message })
        })))
    } else {
        use std::io::BufRead as _;
        let lines = std::io::BufReader::new(file).lines();
        Ok(Box::new(
            lines
                .enumerate()
                .filter(|(_, l)| !l.as_ref().is_ok_and(|l| l.trim().is_empty()))
                .map(move |(i, l)| {
                    let line = u64::try_from(i).unwrap_or(u64::MAX).saturating_add(1);
                    let l = l.map_err(|e| Bad {
                        line,
                        message: e.to_string(),
                    })?;
                    let obj: serde_json::Map<String, Value> =
                        serde_json::from_str(&l).map_err(|e| Bad {
                            line,
                            message: format!("not a JSON object: {e}"),
                        })?;
                    let key = obj.get("key").cloned();
                    let cells: Vec<(String, Value)> =
                        obj.into_iter().filter(|(k, _)| k != "key").collect();
                    record(&def, key.as_ref(), &cells)
                        .map(|record| Row { line, record })
                        .map_err(|message| Bad { line, message })
                }),
        ))
    }
}

/// What is saved between runs.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Progress {
    registry: String,
    /// Rows (in file order) the chain has committed.
    committed_rows: u64,
    /// Chunks sent and not yet known committed: their transaction and how many rows.
    pending: Vec<Pending>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    tx: String,
    rows: u64,
    first_line: u64,
    lines: Vec<u64>,
}

fn save(path: &Path, p: &Progress) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(p)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Most bytes of records in one chunk: under the chain's 64 KiB transaction limit.
const CHUNK_BYTES: usize = 60 * 1024;

/// Waits for the receipt of `tx`: `Ok(None)` if it was committed, `Ok(Some(error))` if the chain
/// refused it, `Err` if it never came.
async fn receipt(client: &Client, tx: &str) -> anyhow::Result<Option<(String, String)>> {
    let started = Instant::now();
    loop {
        let a = client.get(&format!("/v1/tx/{tx}")).await?;
        if a.status.is_success() {
            let r = a.body.get("receipt").cloned().unwrap_or_default();
            if r.get("status").and_then(Value::as_str) == Some("ok") {
                return Ok(None);
            }
            let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            return Ok(Some((s("code"), s("error"))));
        }
        if a.status != reqwest::StatusCode::NOT_FOUND
            || started.elapsed() > Duration::from_secs(120)
        {
            bail!("no receipt for chunk {tx}: {} {}", a.status, a.body);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The line a refusal `record N (...)` names, within a chunk of `lines`.
fn refused_line(message: &str, lines: &[u64]) -> Option<u64> {
    let n: usize = message
        .strip_prefix("record ")?
        .split(' ')
        .next()?
        .parse()
        .ok()?;
    lines.get(n).copied()
}

pub fn run(args: ImportArgs) -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(run_async(args))
}

async fn run_async(args: ImportArgs) -> anyhow::Result<()> {
    let client = Client::new(&args.node)?;
    let def = crate::records::registry_def(&client, &args.registry).await?;
    let name = args.file.display().to_string();

    // 1. Check every row first.
    let mut total = 0u64;
    let mut bad = Vec::new();
    for r in rows(&args.file, &def)? {
        match r {
            Ok(_) => total = total.saturating_add(1),
            Err(b) => bad.push(b),
        }
    }
    if !bad.is_empty() {
        for b in bad.iter().take(50) {
            eprintln!("{name}:{}: {}", b.line, b.message);
        }
        if bad.len() > 50 {
            eprintln!("… and {} more", bad.len().saturating_sub(50));
        }
        bail!("{} malformed rows in {name}: nothing was sent", bad.len());
    }
    eprintln!("{name}: {total} rows fit registry `{}`", def.name);
    if args.check {
        return Ok(());
    }

    // 2. Continue where an earlier run stopped.
    let state_path = args
        .state
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{name}.import-state.json")));
    let mut progress: Progress = match std::fs::read(&state_path) {
        Ok(b) => serde_json::from_slice(&b)
            .with_context(|| format!("{} is not an import state", state_path.display()))?,
        Err(_) => Progress {
            registry: def.name.clone(),
            ..Progress::default()
        },
    };
    if progress.registry != def.name {
        bail!(
            "{} is the state of an import into `{}`, not `{}`",
            state_path.display(),
            progress.registry,
            def.name
        );
    }
    for p in std::mem::take(&mut progress.pending) {
        match receipt(&client, &p.tx).await {
            Ok(None) => progress.committed_rows = progress.committed_rows.saturating_add(p.rows),
            // Refused or lost: it is sent again below, from its first row.
            _ => break,
        }
    }
    save(&state_path, &progress)?;

    // 3. Send the rest in chunks.
    let key = read_key_file(&args.key)?;
    let status = client.get("/v1/status").await?.ok()?;
    let chain_id = status
        .get("chain_id")
        .and_then(Value::as_str)
        .context("status has no chain id")?
        .to_string();
    let signer = key.public_key();
    let acting = crate::records::acting(args.acting_as.clone(), args.for_org.clone())?;
    let mut nonce = {
        let a = client.get(&format!("/v1/state/nonce/{signer}")).await?;
        if a.status == reqwest::StatusCode::NOT_FOUND {
            0
        } else {
            a.ok()?
                .get("value")
                .and_then(Value::as_u64)
                .context("the node's nonce record is not a number")?
        }
    };
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {bar:40} {pos}/{len} records  {per_sec}  eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_position(progress.committed_rows);
    let started = Instant::now();
    let mut sent_rows = 0u64;
    let mut in_flight: VecDeque<Pending> = VecDeque::new();
    let mut rows_iter = rows(&args.file, &def)?
        .skip(usize::try_from(progress.committed_rows).unwrap_or(usize::MAX))
        .peekable();
    loop {
        // Fill the window.
        while in_flight.len() < args.in_flight.max(1) && rows_iter.peek().is_some() {
            let mut records = Vec::new();
            let mut lines = Vec::new();
            let mut bytes = 0usize;
            while let Some(Ok(row)) = rows_iter.peek() {
                let size = encode(&row.record).len();
                if !records.is_empty()
                    && (bytes.saturating_add(size) > CHUNK_BYTES
                        || records.len() >= govchain_execution::registry::MAX_IMPORT_CHUNK)
                {
                    break;
                }
                bytes = bytes.saturating_add(size);
                lines.push(row.line);
                records.push(row.record.clone());
                rows_iter.next();
            }
            if records.is_empty() {
                bail!("{name} changed since it was checked: run the import again");
            }
            let height = client
                .get("/v1/status")
                .await?
                .ok()?
                .get("height")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            let rows = u64::try_from(records.len()).unwrap_or(u64::MAX);
            let body = TxBody {
                chain_id: chain_id.clone(),
                signer: signer.clone(),
                nonce,
                valid_until: height.saturating_add(500),
                acting_as: acting.clone(),
                payload: Payload::ImportRecords {
                    registry: def.name.clone(),
                    records,
                },
            };
            let tx = sign_tx(key.scheme(), &key, body);
            let answer = client.post_tx(tx.encode()).await?.ok()?;
            let id = answer
                .get("id")
                .and_then(Value::as_str)
                .context("no id in the node's answer")?
                .to_string();
            nonce = nonce.saturating_add(1);
            let p = Pending {
                tx: id,
                rows,
                first_line: lines.first().copied().unwrap_or(0),
                lines,
            };
            progress.pending.push(p.clone());
            in_flight.push_back(p);
            save(&state_path, &progress)?;
        }
        // Take the oldest receipt.
        let Some(p) = in_flight.pop_front() else {
            break;
        };
        if let Some((code, error)) = receipt(&client, &p.tx).await? {
            bar.abandon();
            let at = refused_line(&error, &p.lines).unwrap_or(p.first_line);
            progress.pending.clear();
            save(&state_path, &progress)?;
            bail!(
                "{name}:{at}: the chain refused the chunk from line {} ({code}): {error}\n{} rows are loaded; fix the file and run the import again to continue",
                p.first_line,
                progress.committed_rows
            );
        }
        progress.committed_rows = progress.committed_rows.saturating_add(p.rows);
        progress.pending.retain(|q| q.tx != p.tx);
        save(&state_path, &progress)?;
        sent_rows = sent_rows.saturating_add(p.rows);
        bar.set_position(progress.committed_rows);
    }
    bar.finish();
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    #[allow(
        clippy::cast_precision_loss,
        reason = "a rate for people to read, not an amount"
    )]
    let rate = sent_rows as f64 / secs;
    eprintln!(
        "loaded {sent_rows} records into `{}` in {secs:.1} s ({rate:.0} records/s); {} in all",
        def.name, progress.committed_rows
    );
    Ok(())
}

#[derive(Args)]
pub struct GenesisImportArgs {
    /// The genesis document of a chain that has not started (e.g. `chain/genesis.json`)
    #[arg(long)]
    genesis: PathBuf,
    /// The registry to load, as the genesis laws define it, e.g. `persons`
    #[arg(long)]
    registry: String,
    /// The file: CSV with a header row (`key` and one column per field) or JSON lines
    file: PathBuf,
    /// The law-making body of the genesis that approves the load (default: its legislature)
    #[arg(long)]
    body: Option<String>,
}

#[derive(Args)]
pub struct SignSnapshotArgs {
    /// The genesis document
    #[arg(long)]
    genesis: PathBuf,
    /// The snapshot file's name, as the genesis lists it (e.g. `persons.snapshot`)
    #[arg(long)]
    file: String,
    /// The member's id, e.g. `leg-1`
    #[arg(long)]
    member: String,
    /// The member's key file
    #[arg(long)]
    key: PathBuf,
}

/// `govchain genesis import`: the initial load as part of a new chain's genesis, in a snapshot
/// file beside the genesis document (`<registry>.snapshot`) that the genesis names with its hash
/// and record count. The file is checked row by row (malformed rows named by line, nothing
/// written if one is), then the whole genesis is loaded into a scratch store exactly as every
/// node will load it at start — references, duplicates, laws — which also gives the state root.
/// On any error the genesis document is unchanged and the new file removed.
pub fn into_genesis(args: GenesisImportArgs) -> anyhow::Result<()> {
    let mut genesis = govchain_node::read_genesis(&args.genesis)?;
    let dir = match args.genesis.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let registries =
        govchain_execution::registries_of(&genesis.laws).map_err(anyhow::Error::msg)?;
    let def = registries
        .get(&args.registry)
        .map(|r| r.def.clone())
        .with_context(|| {
            format!(
                "no law of {} defines a registry `{}`",
                args.genesis.display(),
                args.registry
            )
        })?;
    let body = match &args.body {
        Some(b) => govchain_types::PrincipalId::new(b.as_str())?,
        None => genesis
            .bodies
            .iter()
            .find(|b| b.kind == govchain_types::BodyKind::Legislature)
            .map(|b| b.id.clone())
            .context(
                "the genesis has no legislature to approve the load; name a body with --body",
            )?,
    };
    let Some(approver) = genesis.bodies.iter().find(|b| b.id == body).cloned() else {
        bail!(
            "`{body}` is not a law-making body of {}",
            args.genesis.display()
        );
    };
    let file_name = snapshot_name(&genesis, &dir, &def.name);
    let snapshot_path = dir.join(&file_name);
    let added = (|| -> anyhow::Result<_> {
        let (records, hash) = write_snapshot(&args.file, &def, &snapshot_path, genesis.scheme)?;
        genesis.snapshots.push(govchain_types::GenesisSnapshot {
            registry: def.name.clone(),
            file: file_name.clone(),
            records,
            hash,
            body: approver.id.clone(),
            signatures: Vec::new(),
        });
        let root = check_by_loading(&genesis, &dir).with_context(|| {
            format!(
                "with {}, the genesis would not start a chain",
                args.file.display()
            )
        })?;
        write_genesis(&args.genesis, &genesis)?;
        Ok((records, hash, root))
    })();
    let (records, hash, root) = match added {
        Ok(added) => added,
        Err(e) => {
            // Best effort: the error says what went wrong; a leftover would only be garbage.
            let _ = std::fs::remove_file(&snapshot_path);
            return Err(e.context(format!("{} is unchanged", args.genesis.display())));
        }
    };
    let genesis_hash = govchain_crypto::hash(genesis.scheme, &genesis.encode());
    println!(
        "{records} records of `{}` added to {} in {file_name} (hash {hash}); the genesis hash is now {genesis_hash}, its state root {root}",
        def.name,
        args.genesis.display(),
    );
    println!(
        "nodes load it once {} of the members of `{}` approve it: govchain genesis sign-snapshot --genesis {} --file {file_name} --member ID --key KEY",
        approver.threshold,
        approver.id,
        args.genesis.display()
    );
    Ok(())
}

/// `govchain genesis sign-snapshot`: a member's approval of a snapshot file, added to the
/// genesis document (replacing an earlier one of the same member).
pub fn sign_snapshot(args: SignSnapshotArgs) -> anyhow::Result<()> {
    let mut genesis = govchain_node::read_genesis(&args.genesis)?;
    let key = govchain_node::read_key_file(&args.key)?;
    let member = govchain_types::PrincipalId::new(args.member.as_str())?;
    let chain_id = genesis.chain_id.clone();
    let bodies = genesis.bodies.clone();
    let Some(snapshot) = genesis.snapshots.iter_mut().find(|s| s.file == args.file) else {
        bail!(
            "{} lists no snapshot file `{}`",
            args.genesis.display(),
            args.file
        );
    };
    let Some(body) = bodies.iter().find(|b| b.id == snapshot.body) else {
        bail!(
            "`{}` is not a law-making body of the genesis",
            snapshot.body
        );
    };
    let Some(seat) = body.members.iter().find(|m| m.id == member) else {
        bail!("`{member}` is not a member of `{}`", body.id);
    };
    if seat.key != govchain_crypto::Signer::public_key(&key) {
        bail!(
            "{} is not `{member}`'s key in the genesis",
            args.key.display()
        );
    }
    let msg = govchain_law::snapshot_signing_bytes(&chain_id, snapshot);
    let signature = govchain_types::MemberSignature {
        member: member.clone(),
        signature: govchain_crypto::Signer::sign(&key, &msg),
    };
    snapshot.signatures.retain(|s| s.member != member);
    snapshot.signatures.push(signature);
    let (have, need, body_id) = (snapshot.signatures.len(), body.threshold, body.id.clone());
    write_genesis(&args.genesis, &genesis)?;
    println!(
        "{} approved by `{member}`: {have} of the {need} members of `{body_id}` it needs",
        args.file
    );
    Ok(())
}

/// Replaces the genesis document at `path` whole (written beside it, then renamed).
fn write_genesis(path: &Path, genesis: &govchain_types::Genesis) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(genesis)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))
}

/// A file name for a new snapshot of `registry` that neither the genesis nor the directory
/// holds yet: `<registry>.snapshot`, else `<registry>-2.snapshot`, and so on.
fn snapshot_name(genesis: &govchain_types::Genesis, dir: &Path, registry: &str) -> String {
    (1u32..)
        .map(|n| match n {
            1 => format!("{registry}.snapshot"),
            n => format!("{registry}-{n}.snapshot"),
        })
        .find(|name| !dir.join(name).exists() && !genesis.snapshots.iter().any(|s| &s.file == name))
        .unwrap_or_else(|| format!("{registry}.snapshot"))
}

/// Converts the rows of `file` into a snapshot at `out`; malformed rows are reported by line
/// and fail the whole file. Returns the record count and the file's chain hash.
fn write_snapshot(
    file: &Path,
    def: &RegistryDef,
    out: &Path,
    scheme: govchain_types::Scheme,
) -> anyhow::Result<(u64, govchain_types::Hash)> {
    let name = file.display().to_string();
    let created =
        std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let hashing = HashingWriter {
        inner: std::io::BufWriter::with_capacity(1 << 20, created),
        hasher: govchain_crypto::Hasher::new(scheme),
    };
    let mut snapshot = govchain_types::SnapshotWriter::new(hashing)?;
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} rows read  {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut bad = Vec::new();
    for r in rows(file, def)? {
        match r {
            Ok(row) if bad.is_empty() => snapshot.write(&row.record)?,
            Ok(_) => {}
            Err(b) => bad.push(b),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if !bad.is_empty() {
        for b in bad.iter().take(50) {
            eprintln!("{name}:{}: {}", b.line, b.message);
        }
        if bad.len() > 50 {
            eprintln!("… and {} more", bad.len().saturating_sub(50));
        }
        bail!("{} malformed rows in {name}", bad.len());
    }
    let records = snapshot.written();
    let mut hashing = snapshot.finish()?;
    hashing.inner.flush()?;
    hashing
        .inner
        .get_ref()
        .sync_all()
        .with_context(|| format!("writing {}", out.display()))?;
    Ok((records, hashing.hasher.finalize()))
}

/// Loads the whole genesis into a scratch store, as a node does at its first start.
fn check_by_loading(
    genesis: &govchain_types::Genesis,
    dir: &Path,
) -> anyhow::Result<govchain_types::Hash> {
    // Beside the genesis, not in the temporary directory: the scratch store is as large as a
    // node's first store (gigabytes at millions of records).
    let scratch = tempfile::tempdir_in(dir)?;
    let store = govchain_store::Store::open(&scratch.path().join("check.redb"), genesis.scheme)?;
    let total = genesis
        .snapshots
        .iter()
        .fold(0u64, |n, s| n.saturating_add(s.records));
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} checking {bar:40} {pos}/{len} records  {per_sec}  eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let root =
        govchain_node::check_genesis_load(&store, genesis, dir, &mut |n| bar.set_position(n));
    bar.finish_and_clear();
    Ok(root?)
}

/// A writer that hashes what passes through it.
struct HashingWriter<W> {
    inner: W,
    hasher: govchain_crypto::Hasher,
}

impl<W: std::io::Write> std::io::Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
