//! `govchain bench applications`: business-licence applications, in process, through the whole
//! path a validator runs after consensus — batch signature verification, the state machine
//! (envelope, the laws' decisions, the form, the service's script with the facts its contract
//! reads, the licence it writes, the application and its timeline) and the commit to a real
//! store — with the time of each part. Each of `organisations` organisations (in `110102`,
//! where retail is allowed, so every application is approved and writes a licence) applies
//! once a block through its representative.

#![allow(
    clippy::arithmetic_side_effects,
    clippy::cast_precision_loss,
    reason = "benchmark arithmetic on counters and timings, not on amounts or input"
)]

use crate::bench_import::{BlockTimes, bench_commit, key, percentile, run_blocks};
use govchain_crypto::sign_tx;
use govchain_execution::{Laws, genesis_writes};
use govchain_store::Store;
use govchain_types::*;
use std::time::Duration;

const CHAIN: &str = "bench-applications";

fn org(i: usize) -> String {
    format!("borg-{i:05}")
}

fn rep(i: usize) -> String {
    format!("brep-{i:05}")
}

fn text(s: &str) -> FieldValue {
    FieldValue::Text(s.into())
}

/// The demo government with `organisations` more organisations in `110102`, each represented
/// by a keyed person.
fn genesis(organisations: usize) -> anyhow::Result<Genesis> {
    let mut g = govchain_demo::genesis::document(CHAIN, key("validator").public_key(), |id| {
        key(id).public_key()
    });
    for i in 0..organisations {
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
    }
    Ok(g)
}

pub fn run(
    blocks: usize,
    organisations: usize,
    dir: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        organisations >= 1 && blocks >= 1,
        "at least one block and organisation"
    );
    let tmp = tempfile::tempdir()?;
    let dir = dir.unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let store = Store::open(&dir.join("chain.redb"), Scheme::Ed25519)?;
    let laws = Laws::new()?;
    let writes = genesis_writes(&genesis(organisations)?)?;
    bench_commit(&store, 0, None, &[], &writes, &[], &[])?;
    let total_apps = blocks * organisations;
    // The clients' work, not the chain's: every application signed up front.
    eprintln!("  signing {total_apps} applications by {organisations} organisations");
    let keys: Vec<_> = (0..organisations).map(|i| key(&rep(i))).collect();
    let mut signed: Vec<Vec<Tx>> = Vec::with_capacity(blocks);
    for b in 0..blocks {
        let height = b as u64 + 1;
        let mut txs = Vec::with_capacity(organisations);
        for (i, k) in keys.iter().enumerate() {
            let body = TxBody {
                chain_id: CHAIN.into(),
                signer: k.public_key(),
                nonce: b as u64,
                valid_until: height + 100,
                acting_as: Some(Acting::Organisation(PrincipalId::new(org(i))?)),
                payload: Payload::Apply {
                    service: PrincipalId::new("grant-licence")?,
                    input: [
                        ("organisation".to_string(), text(&org(i))),
                        ("activity".to_string(), text("retail")),
                        ("valid_from".to_string(), text("2026-12-01")),
                    ]
                    .into(),
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
        "application benchmark: {total_apps} business-licence applications by {organisations} organisations, {organisations} per block, each approved with a licence written (execution on one core; the commit builds the tree on a second thread){}",
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
