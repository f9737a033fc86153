//! `govchain bench transfers`: CNY transfers between many payers, in process, through the
//! whole path a validator runs after consensus — batch signature verification, the state
//! machine (envelope, the laws' decision, balances, statement lines) and the commit to a real
//! store — with the time of each part, so the throughput target of the Benchmarks issue is
//! measured against its parts.

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

const CHAIN: &str = "bench-transfers";

fn payer(i: usize) -> String {
    format!("payer-{i:05}")
}

/// The demo government with `payers` more persons, each keyed and holding 10,000 yuan.
fn genesis(payers: usize) -> anyhow::Result<Genesis> {
    let mut g = govchain_demo::genesis::document(CHAIN, key("validator").public_key(), |id| {
        key(id).public_key()
    });
    for i in 0..payers {
        let id = PrincipalId::new(payer(i))?;
        g.accounts.push(GenesisAccount {
            id: id.clone(),
            kind: PrincipalKind::Person,
            authority: false,
            keys: vec![key(&payer(i)).public_key()],
        });
        g.balances.push(GenesisBalance {
            holder: id,
            currency: "CNY".into(),
            amount: Amount(1_000_000),
        });
    }
    Ok(g)
}

pub fn run(
    transfers: usize,
    per_block: usize,
    payers: usize,
    dir: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    anyhow::ensure!(payers >= 2, "at least two payers");
    let per_block = per_block.max(1);
    let tmp = tempfile::tempdir()?;
    let dir = dir.unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let store = Store::open(&dir.join("chain.redb"), Scheme::Ed25519)?;
    let laws = Laws::new()?;
    let writes = genesis_writes(&genesis(payers)?)?;
    bench_commit(&store, 0, None, &[], &writes, &[], &[])?;
    // The clients' work, not the chain's: every transfer signed up front.
    eprintln!("  signing {transfers} transfers by {payers} payers");
    let keys: Vec<_> = (0..payers).map(|i| key(&payer(i))).collect();
    let mut nonces = vec![0u64; payers];
    let blocks = transfers.div_ceil(per_block);
    let mut signed: Vec<Vec<Tx>> = Vec::with_capacity(blocks);
    let mut n = 0usize;
    for b in 0..blocks {
        let height = b as u64 + 1;
        let mut txs = Vec::with_capacity(per_block);
        while txs.len() < per_block && n < transfers {
            let from = n % payers;
            let to = (n * 7 + 1) % payers;
            let to = if to == from { (to + 1) % payers } else { to };
            let (Some(key), Some(nonce)) = (keys.get(from), nonces.get_mut(from)) else {
                anyhow::bail!("payer {from} out of range");
            };
            let body = TxBody {
                chain_id: CHAIN.into(),
                signer: key.public_key(),
                nonce: *nonce,
                valid_until: height + 100,
                acting_as: None,
                payload: Payload::Transfer {
                    currency: "CNY".into(),
                    from: None,
                    to: PrincipalId::new(payer(to))?,
                    amount: Amount(1 + (n % 100) as i128),
                    memo: String::new(),
                    reference: String::new(),
                },
            };
            *nonce += 1;
            txs.push(sign_tx(Scheme::Ed25519, key, body));
            n += 1;
        }
        signed.push(txs);
    }
    let times = run_blocks(CHAIN, &store, &laws, signed, |receipts| {
        match receipts.iter().find(|r| r.status != TxStatus::Ok) {
            Some(r) => anyhow::bail!("a transfer was refused: {:?} {:?}", r.code, r.error),
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
    let rate = |d: Duration| transfers as f64 / secs(d);
    println!(
        "transfer benchmark: {transfers} CNY transfers by {payers} payers, {per_block} per block (execution on one core; the commit builds the tree on a second thread){}",
        if cfg!(debug_assertions) {
            " (DEBUG BUILD: use --release for figures)"
        } else {
            ""
        }
    );
    println!("  transfers/s committed         {:>10.0}", rate(total));
    println!(
        "  signature checks/s (batch)    {:>10.0}   {:>5.1} % of the time",
        rate(verify),
        100.0 * secs(verify) / secs(total)
    );
    println!(
        "  execution transfers/s         {:>10.0}   {:>5.1} %",
        rate(exec),
        100.0 * secs(exec) / secs(total)
    );
    println!(
        "  store commit transfers/s      {:>10.0}   {:>5.1} %",
        rate(commit),
        100.0 * secs(commit) / secs(total)
    );
    println!(
        "  per block: p50 {:?}, p99 {:?}",
        percentile(&block_times, 0.50),
        percentile(&block_times, 0.99)
    );
    Ok(())
}
