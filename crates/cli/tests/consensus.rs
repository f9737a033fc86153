//! Fault tests of the BFT network with real processes (STYLE.md §9), named by their shape:
//! four validators as separate `govchain node` processes on 127.0.0.1, linked through
//! partitionable proxies, under a load of signed transactions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use govchain_node::read_key_file;
use govchain_testnet::{Load, Testnet, TestnetOptions};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_govchain");
const AUTHORITIES: &[&str] = &["civil-affairs", "market-regulation", "hr-social-security"];

async fn net(dir: &std::path::Path) -> Testnet {
    let mut net = created(dir).await;
    net.start_all().await.unwrap();
    net
}

async fn created(dir: &std::path::Path) -> Testnet {
    Testnet::create(
        dir,
        TestnetOptions {
            binary: BIN.into(),
            validators: 4,
            block_time_ms: 100,
            bench_signers: 0,
            bench_parents: 0,
        },
    )
    .await
    .unwrap()
}

fn load(net: &Testnet) -> Load {
    let keys = AUTHORITIES
        .iter()
        .map(|a| read_key_file(&net.authority_key(a)).unwrap())
        .collect();
    Load::start(keys, "govchain-devnet", net.urls(), vec![])
}

/// Fails with the nodes' logs.
fn check<T, E: std::fmt::Display>(net: &Testnet, r: Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{e}\n{}", net.log_tails(40)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n4_happy() {
    let dir = tempfile::tempdir().unwrap();
    let net = net(dir.path()).await;
    let load = load(&net);
    check(&net, net.wait_height(15, Duration::from_secs(60)).await);
    let report = load.stop().await;
    assert!(
        report.committed.len() >= 10,
        "only {} committed",
        report.committed.len()
    );
    check(
        &net,
        net.assert_committed_everywhere(&report.committed).await,
    );
    let common = check(&net, net.assert_roots_agree().await);
    assert!(common >= 15);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n4f1_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut net = net(dir.path()).await;
    let load = load(&net);
    check(&net, net.wait_height(5, Duration::from_secs(60)).await);
    // A validator other than the first (the load starts there) dies without warning.
    let victim = 1 + (std::process::id() as usize % 3);
    net.kill(victim).await.unwrap();
    let (_, h) = net
        .heights()
        .await
        .into_iter()
        .max_by_key(|(_, h)| *h)
        .unwrap();
    // Three of four keep deciding.
    check(&net, net.wait_height(h + 10, Duration::from_secs(60)).await);
    let before = load.snapshot().await.committed;
    net.start(victim).await.unwrap();
    // It catches up by value sync and follows the chain again.
    check(&net, net.wait_height(h + 20, Duration::from_secs(90)).await);
    let report = load.stop().await;
    assert!(
        report.committed.len() > before.len(),
        "the load made no progress"
    );
    check(
        &net,
        net.assert_committed_everywhere(&report.committed).await,
    );
    check(&net, net.assert_roots_agree().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n4_restart_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut net = net(dir.path()).await;
    let load = load(&net);
    check(&net, net.wait_height(8, Duration::from_secs(60)).await);
    let report = load.stop().await;
    net.stop_all().await.unwrap();
    let mut heights = Vec::new();
    net.start_all().await.unwrap();
    for (_, h) in net.heights().await {
        heights.push(h);
    }
    let h = *heights.iter().max().unwrap();
    assert!(h >= 8, "restarted below the height reached: {heights:?}");
    check(&net, net.wait_height(h + 5, Duration::from_secs(60)).await);
    check(
        &net,
        net.assert_committed_everywhere(&report.committed).await,
    );
    check(&net, net.assert_roots_agree().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n4_partition_2_2() {
    let dir = tempfile::tempdir().unwrap();
    let net = net(dir.path()).await;
    check(&net, net.wait_height(5, Duration::from_secs(60)).await);
    net.partition(&[&[0, 1], &[2, 3]]);
    // Let a decision already in flight land, then nothing more may commit anywhere.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let during: Vec<_> = net.heights().await;
    let load = load(&net);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let after: Vec<_> = net.heights().await;
    assert_eq!(during, after, "blocks committed during a 2|2 partition");
    assert!(load.snapshot().await.committed.is_empty());
    net.heal();
    let top = after.iter().map(|(_, h)| *h).max().unwrap();
    check(
        &net,
        net.wait_height(top + 5, Duration::from_secs(90)).await,
    );
    let report = load.stop().await;
    assert!(
        !report.committed.is_empty(),
        "nothing committed after healing"
    );
    check(
        &net,
        net.assert_committed_everywhere(&report.committed).await,
    );
    check(&net, net.assert_roots_agree().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n4_equivocation() {
    let dir = tempfile::tempdir().unwrap();
    let mut net = created(dir.path()).await;
    // Node 3 signs a conflicting vote for every vote it casts, and a conflicting proposal for
    // every proposal (Malachite's Byzantine proxy; `cargo test` builds the binary with it).
    net.append_config(
        3,
        "[byzantine]\nequivocate_votes = { mode = \"always\" }\nequivocate_proposals = { mode = \"always\" }\n",
    )
    .unwrap();
    net.start_all().await.unwrap();
    let load = load(&net);
    check(&net, net.wait_height(15, Duration::from_secs(90)).await);
    let report = load.stop().await;
    assert!(!report.committed.is_empty());
    // Safety: one block per height, the same everywhere.
    check(&net, net.assert_roots_agree().await);
    check(
        &net,
        net.assert_committed_everywhere(&report.committed).await,
    );
    // The honest validators saw and logged the double signing.
    let logged = (0..3)
        .filter(|i| net.log_contains(*i, "equivocation evidence"))
        .count();
    assert!(
        logged >= 1,
        "no honest node logged the evidence\n{}",
        net.log_tails(20)
    );
}

/// Node 3 puts a rule-breaking transaction into every block it proposes (test builds only,
/// `[bad_blocks]`): a garbage signature, a transaction over `max_tx_bytes`, or a validly signed
/// one that execution would only reject (a key registered to nobody), each under an honest tx
/// root. The honest three vote against those blocks, so none is ever decided, and the
/// chain keeps committing in the rounds that follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n4_byzantine_proposer_bad_blocks() {
    for (rule, refused) in [
        ("bad-signature", "signature does not verify"),
        ("oversized-tx", "more than the limit of"),
        ("rejected-tx", "would be rejected: key"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut net = created(dir.path()).await;
        net.append_config(3, &format!("[bad_blocks]\nrule = \"{rule}\"\n"))
            .unwrap();
        net.start_all().await.unwrap();
        // Node 3 proposes nothing that commits, so the load goes to the honest three.
        let keys = AUTHORITIES
            .iter()
            .map(|a| read_key_file(&net.authority_key(a)).unwrap())
            .collect();
        let load = Load::start(keys, "govchain-devnet", net.urls()[..3].to_vec(), vec![]);
        check(&net, net.wait_height(12, Duration::from_secs(120)).await);
        let report = load.stop().await;
        assert!(!report.committed.is_empty(), "{rule}: nothing committed");
        check(&net, net.assert_roots_agree().await);
        check(
            &net,
            net.assert_committed_everywhere(&report.committed).await,
        );
        assert!(
            net.log_contains(3, "byzantine: proposing a block that breaks the rules"),
            "{rule}: node 3 never proposed\n{}",
            net.log_tails(20)
        );
        let refusing = (0..3).filter(|i| net.log_contains(*i, refused)).count();
        assert!(
            refusing >= 2,
            "{rule}: {refusing} honest nodes logged a refusal with `{refused}`\n{}",
            net.log_tails(20)
        );
        // No decided block is one of node 3's.
        let node3 = serde_json::to_value(govchain_crypto::SecretKey::public_key(
            &read_key_file(&dir.path().join("node-3/validator.json")).unwrap(),
        ))
        .unwrap();
        let (_, top) = net.heights().await[0];
        let http = reqwest::Client::new();
        for h in 1..=top {
            let record: serde_json::Value = http
                .get(format!("{}/v1/blocks/{h}", net.url(0)))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_ne!(
                record["block"]["header"]["proposer"], node3,
                "{rule}: block {h} was proposed by the Byzantine node"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n4_validator_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut net = net(dir.path()).await;
    check(&net, net.wait_height(3, Duration::from_secs(60)).await);
    // The legislature gives node 0 ten votes of thirteen, from a height a few blocks ahead.
    let genesis: govchain_types::Genesis =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("genesis.json")).unwrap())
            .unwrap();
    let node0: govchain_types::PublicKey = govchain_crypto::SecretKey::public_key(
        &read_key_file(&dir.path().join("node-0/validator.json")).unwrap(),
    );
    let mut set = genesis.validators.clone();
    for v in &mut set {
        if v.key == node0 {
            v.power = 10;
        }
    }
    let file = dir.path().join("validators.json");
    std::fs::write(&file, serde_json::to_string(&set).unwrap()).unwrap();
    // The highest height any node has reached, with room for the transaction to wait a few
    // blocks for its turn: a change must take effect at least two blocks after its block.
    let h = net.heights().await.iter().map(|(_, h)| *h).max().unwrap();
    let effective = h + 12;
    let out = std::process::Command::new(BIN)
        .args(["tx", "--node", &net.url(0), "--key"])
        .arg(net.authority_key("leg-1"))
        // The legislature acts only by its members: three of five sign this transaction.
        .args(["--by-body", "legislature"])
        .args(["leg-1", "leg-2", "leg-3"].iter().flat_map(|m| {
            [
                "--by-member".to_string(),
                format!("{m}={}", net.authority_key(m).display()),
            ]
        }))
        .args([
            "update-validators",
            "--effective-height",
            &effective.to_string(),
            "--file",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "effective at {effective}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    check(
        &net,
        net.wait_height(effective + 2, Duration::from_secs(60))
            .await,
    );
    // A certificate of a height after the change verifies against the genesis alone: it
    // carries the handover, signed by the genesis set, to the new one.
    let cert = dir.path().join("validators.cert.json");
    let query = std::process::Command::new(BIN)
        .args(["query", "certificate", "chain/validators", "--height"])
        .arg((effective + 1).to_string())
        .arg("--out")
        .arg(&cert)
        .args(["--node", &net.url(0)])
        .output()
        .unwrap();
    assert!(
        query.status.success(),
        "{}",
        String::from_utf8_lossy(&query.stderr)
    );
    let verify = std::process::Command::new(BIN)
        .arg("verify")
        .arg(&cert)
        .arg("--genesis")
        .arg(dir.path().join("genesis.json"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success() && said.contains("after 1 validator change(s) since genesis"),
        "{said}{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    // A verifier that trusts the set of a later header (here read from node 1) checks that the
    // certificate's history agrees with it; a wrong trusted set refuses it.
    let block = std::process::Command::new(BIN)
        .args(["query", "block"])
        .arg((effective + 1).to_string())
        .args(["--node", &net.url(1)])
        .output()
        .unwrap();
    let block: serde_json::Value = serde_json::from_slice(&block.stdout).unwrap();
    let set_hash = block["block"]["header"]["validator_set_hash"]
        .as_str()
        .unwrap_or_else(|| panic!("no validator_set_hash in {block}"))
        .to_string();
    let genesis_set = genesis_header_set_hash(&net);
    for (trusted, ok) in [(set_hash, true), (genesis_set, false)] {
        let verify = std::process::Command::new(BIN)
            .arg("verify")
            .arg(&cert)
            .arg("--genesis")
            .arg(dir.path().join("genesis.json"))
            .arg("--trust")
            .arg(format!("{}={trusted}", effective + 1))
            .output()
            .unwrap();
        assert_eq!(
            verify.status.success(),
            ok,
            "trusting {trusted}: {}{}",
            String::from_utf8_lossy(&verify.stdout),
            String::from_utf8_lossy(&verify.stderr)
        );
    }
    // With the old set, one validator of four could not decide alone; with the new one it can.
    for i in 1..4 {
        net.kill(i).await.unwrap();
    }
    let (_, alone) = net.heights().await[0];
    check(
        &net,
        net.wait_height(alone + 5, Duration::from_secs(60)).await,
    );
    // The others come back and catch up through sync, checking certificates of the new set.
    for i in 1..4 {
        net.start(i).await.unwrap();
    }
    check(
        &net,
        net.wait_height(alone + 10, Duration::from_secs(90)).await,
    );
    check(&net, net.assert_roots_agree().await);
}

/// The validator set hash of block 1's header: the genesis set's.
fn genesis_header_set_hash(net: &Testnet) -> String {
    let out = std::process::Command::new(BIN)
        .args(["query", "block", "1", "--node", &net.url(0)])
        .output()
        .unwrap();
    let block: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    block["block"]["header"]["validator_set_hash"]
        .as_str()
        .unwrap()
        .to_string()
}
