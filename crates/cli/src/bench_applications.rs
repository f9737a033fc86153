//! `govchain bench applications`: applications to a public service, in process, through the
//! whole path a validator runs after consensus — batch signature verification, the state
//! machine (envelope, the laws' decisions, the form, the service's script with the facts its
//! contract reads, what it writes and pays, the application and its timeline) and the commit to
//! a real store — with the time of each part, and the script's own share measured apart.
//!
//! - `child-subsidy`: each of `applicants` parents (a household of its own in `110102`, with an
//!   income in the subsidy's middle bracket, and `blocks` children under three) applies for one
//!   child a block: approved, the benefit recorded, 300 yuan paid from the treasury.
//! - `grant-licence`: each of `applicants` organisations (in `110102`, where retail is
//!   allowed) applies for a retail licence a block through its representative: approved, the
//!   licence written.

#![allow(
    clippy::arithmetic_side_effects,
    clippy::cast_precision_loss,
    reason = "benchmark arithmetic on counters and timings, not on amounts or input"
)]

use crate::bench_import::{BlockTimes, bench_commit, key, percentile, run_blocks};
use anyhow::Context;
use govchain_contracts::{Budget, ContractError, Need};
use govchain_crypto::sign_tx;
use govchain_execution::{Laws, genesis_writes};
use govchain_store::Store;
use govchain_types::*;
use std::time::{Duration, Instant};

const CHAIN: &str = "bench-applications";

fn text(s: &str) -> FieldValue {
    FieldValue::Text(s.into())
}

/// What each applicant is, in the bench's genesis and its transactions.
trait Workload {
    fn service(&self) -> &'static str;
    /// Adds applicant `i` (and what its applications need) to the genesis.
    fn add(&self, g: &mut Genesis, i: usize, blocks: usize) -> anyhow::Result<()>;
    /// Who signs applicant `i`'s applications, acting as what.
    fn signer(&self, i: usize) -> anyhow::Result<(String, Option<Acting>)>;
    /// Applicant `i`'s application in block `b`.
    fn input(&self, i: usize, b: usize) -> Fields;
    fn what(&self) -> &'static str;
}

struct ChildSubsidy;

use govchain_testnet::{bench_child as child, bench_parent as parent};

impl Workload for ChildSubsidy {
    fn service(&self) -> &'static str {
        "child-subsidy"
    }

    fn add(&self, g: &mut Genesis, i: usize, blocks: usize) -> anyhow::Result<()> {
        crate::dev::add_bench_parent(
            i,
            key(&parent(i)).public_key(),
            blocks,
            &mut g.accounts,
            &mut g.records,
        )
    }

    fn signer(&self, i: usize) -> anyhow::Result<(String, Option<Acting>)> {
        Ok((parent(i), None))
    }

    fn input(&self, i: usize, b: usize) -> Fields {
        [("child".to_string(), text(&child(i, b)))].into()
    }

    fn what(&self) -> &'static str {
        "child-subsidy applications, each approved, recorded and paid from the treasury"
    }
}

struct Licence;

fn org(i: usize) -> String {
    format!("borg-{i:05}")
}

fn rep(i: usize) -> String {
    format!("brep-{i:05}")
}

impl Workload for Licence {
    fn service(&self) -> &'static str {
        "grant-licence"
    }

    fn add(&self, g: &mut Genesis, i: usize, _blocks: usize) -> anyhow::Result<()> {
        g.accounts.push(GenesisAccount {
            id: PrincipalId::new(rep(i))?,
            kind: PrincipalKind::Person,
            authority: false,
            keys: vec![key(&rep(i)).public_key()],
        });
        g.accounts.push(GenesisAccount {
            id: PrincipalId::new(org(i))?,
            kind: PrincipalKind::Organisation,
            authority: false,
            keys: vec![],
        });
        g.records.push(GenesisRecord {
            registry: "organisations".into(),
            key: org(i),
            fields: [
                ("name".to_string(), text(&format!("Bench company {i}"))),
                ("region".to_string(), text("110102")),
                ("representative".to_string(), text(&rep(i))),
                ("form".to_string(), text("company")),
            ]
            .into(),
        });
        Ok(())
    }

    fn signer(&self, i: usize) -> anyhow::Result<(String, Option<Acting>)> {
        Ok((
            rep(i),
            Some(Acting::Organisation(PrincipalId::new(org(i))?)),
        ))
    }

    fn input(&self, i: usize, _b: usize) -> Fields {
        [
            ("organisation".to_string(), text(&org(i))),
            ("activity".to_string(), text("retail")),
            ("valid_from".to_string(), text("2026-12-01")),
        ]
        .into()
    }

    fn what(&self) -> &'static str {
        "business-licence applications, each approved with a licence written"
    }
}

/// The child subsidy's script alone: `decide` over the facts of one application, answered
/// from memory (no laws, no store), `runs` times: µs per decision.
fn script_alone(laws: &Laws, runs: usize) -> anyhow::Result<f64> {
    let runtime = laws.runtime();
    let def = govchain_demo::services::child_subsidy();
    let script = runtime
        .compile(&def.script)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let law = govchain_demo::child_subsidy_law();
    let source = law
        .articles
        .iter()
        .find_map(|a| match (&a.id[..], &a.kind) {
            ("1", ArticleKind::Algorithm { source, .. }) => Some(source.clone()),
            _ => None,
        })
        .context("child-subsidy-law has no algorithm in article 1")?;
    let algorithm = runtime
        .compile(&source)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let person = serde_json::json!({ "name": "x", "birth_date": "2025-06-01", "region": "110102",
                                     "household": "bhh-00000", "status": "living" });
    let app = serde_json::json!({ "id": "00".repeat(32), "service": "child-subsidy", "version": 1,
                                  "applicant": parent(0), "height": 1, "date": "2026-12-01",
                                  "input": { "child": child(0, 0) } });
    let started = Instant::now();
    for _ in 0..runs {
        let mut budget = Budget::new(govchain_execution::services::APPLICATION_BUDGET);
        let mut fetch =
            |need: &Need, budget: &mut Budget| -> Result<serde_json::Value, ContractError> {
                match need {
                    Need::Record { registry, .. } if registry == "persons" => Ok(person.clone()),
                    Need::Record { registry, .. } if registry == "households" => {
                        Ok(serde_json::json!({ "region": "110102", "income_fen": 800_000 }))
                    }
                    Need::Record { .. } => Ok(serde_json::Value::Null),
                    Need::Algorithm { function, args, .. } => {
                        runtime.call(&algorithm, function, args, budget)
                    }
                    Need::Find { .. } => Ok(serde_json::json!([])),
                }
            };
        runtime
            .decide(&script, &app, &mut fetch, &mut budget)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(1e6 * started.elapsed().as_secs_f64() / runs.max(1) as f64)
}

pub fn run(
    blocks: usize,
    applicants: usize,
    service: &str,
    dir: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        applicants >= 1 && blocks >= 1,
        "at least one block and applicant"
    );
    let workload: Box<dyn Workload> = match service {
        "child-subsidy" => Box::new(ChildSubsidy),
        "grant-licence" => Box::new(Licence),
        other => anyhow::bail!("--service is child-subsidy or grant-licence, not `{other}`"),
    };
    anyhow::ensure!(
        service != "child-subsidy" || blocks <= 999,
        "at most 999 blocks (a child each)"
    );
    let tmp = tempfile::tempdir()?;
    let dir = dir.unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let store = Store::open(&dir.join("chain.redb"), Scheme::Ed25519)?;
    let laws = Laws::new()?;
    let mut g = govchain_demo::genesis::document(CHAIN, key("validator").public_key(), |id| {
        key(id).public_key()
    });
    for i in 0..applicants {
        workload.add(&mut g, i, blocks)?;
    }
    let writes = genesis_writes(&g)?;
    bench_commit(&store, 0, None, &[], &writes, &[], &[])?;
    let total_apps = blocks * applicants;
    // The clients' work, not the chain's: every application signed up front.
    eprintln!("  signing {total_apps} applications by {applicants} applicants");
    let signers: Vec<_> = (0..applicants)
        .map(|i| workload.signer(i))
        .collect::<anyhow::Result<_>>()?;
    let keys: Vec<_> = signers.iter().map(|(who, _)| key(who)).collect();
    let mut signed: Vec<Vec<Tx>> = Vec::with_capacity(blocks);
    for b in 0..blocks {
        let height = b as u64 + 1;
        let mut txs = Vec::with_capacity(applicants);
        for (i, (k, (_, acting))) in keys.iter().zip(&signers).enumerate() {
            let body = TxBody {
                chain_id: CHAIN.into(),
                signer: k.public_key(),
                nonce: b as u64,
                valid_until: height + 100,
                acting_as: acting.clone(),
                payload: Payload::Apply {
                    service: PrincipalId::new(workload.service())?,
                    input: workload.input(i, b),
                },
            };
            txs.push(sign_tx(Scheme::Ed25519, k, body));
        }
        signed.push(txs);
    }
    let times = run_blocks(CHAIN, &store, &laws, signed, |receipts| {
        let approved = |r: &Receipt| {
            r.status == TxStatus::Ok
                && r.events.iter().any(|e| {
                    e.kind == "application_decided"
                        && e.attributes
                            .contains(&("outcome".to_string(), "approved".to_string()))
                })
        };
        match receipts.iter().find(|r| !approved(r)) {
            Some(r) => anyhow::bail!(
                "an application was not approved: {:?} {:?} {:?}",
                r.code,
                r.error,
                r.events
            ),
            None => Ok(()),
        }
    })?;
    let BlockTimes {
        verify,
        exec,
        commit,
        blocks: block_times,
        total,
    } = times;
    let secs = |d: Duration| d.as_secs_f64().max(1e-9);
    let rate = |d: Duration| total_apps as f64 / secs(d);
    let micros = |d: Duration| 1e6 * secs(d) / total_apps as f64;
    println!(
        "application benchmark: {total_apps} {} by {applicants} applicants, {applicants} per block (execution on one core; the commit builds the tree on a second thread){}",
        workload.what(),
        if cfg!(debug_assertions) {
            " (DEBUG BUILD: use --release for figures)"
        } else {
            ""
        }
    );
    println!("  applications/s committed      {:>10.0}", rate(total));
    println!(
        "  signature checks (batch)      {:>10.0}/s  {:>7.1} µs each  {:>5.1} % of the time",
        rate(verify),
        micros(verify),
        100.0 * secs(verify) / secs(total)
    );
    println!(
        "  execution (laws, script, store reads)  {:>10.0}/s  {:>7.1} µs each  {:>5.1} %",
        rate(exec),
        micros(exec),
        100.0 * secs(exec) / secs(total)
    );
    if service == "child-subsidy" {
        let script = script_alone(&laws, 2_000)?;
        println!(
            "    of which the script alone   {:>10.0}/s  {:>7.1} µs each (decide and the law's algorithm over facts in memory); the laws' decisions and the store reads: the other {:.1} µs",
            1e6 / script,
            script,
            (micros(exec) - script).max(0.0)
        );
    }
    println!(
        "  store commit                  {:>10.0}/s  {:>7.1} µs each  {:>5.1} %",
        rate(commit),
        micros(commit),
        100.0 * secs(commit) / secs(total)
    );
    println!(
        "  per block: p50 {:?}, p99 {:?}",
        percentile(&block_times, 0.50),
        percentile(&block_times, 0.99)
    );
    Ok(())
}
