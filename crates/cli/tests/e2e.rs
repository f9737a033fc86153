//! End to end, with real processes: `govchain dev` started as a child, signed transactions over
//! HTTP, receipts awaited, the process stopped (gracefully and with SIGKILL) and restarted, and
//! the same state root and a proof that verifies offline read back afterwards.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use govchain_crypto::{SecretKey, sign_tx};
use govchain_node::read_key_file;
use govchain_types::{Payload, PrincipalId, PrincipalKind, Scheme, TxBody};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_govchain");

/// A running `govchain dev`; killed when dropped.
struct DevNode {
    child: Child,
    url: String,
}

impl DevNode {
    fn start(home: &Path) -> Self {
        let mut child = Command::new(BIN)
            .args(["dev", "--home"])
            .arg(home)
            .args(["--api", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("govchain: api listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Self { child, url }
    }

    fn sigterm(mut self) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "node exited with {status}");
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "node did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn sigkill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for DevNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Client {
    url: String,
    http: reqwest::Client,
}

impl Client {
    fn new(url: &str) -> Self {
        Self {
            url: url.into(),
            http: reqwest::Client::new(),
        }
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn submit(&self, raw: Vec<u8>) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/v1/tx", self.url))
            .header("content-type", "application/octet-stream")
            .body(raw)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    async fn wait_receipt(&self, id: &str) -> Value {
        let started = Instant::now();
        loop {
            let (status, body) = self.get(&format!("/v1/tx/{id}")).await;
            if status == 200 {
                return body["receipt"].clone();
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no receipt for {id}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn status(&self) -> Value {
        self.get("/v1/status").await.1
    }
}

fn body(signer: &SecretKey, nonce: u64, valid_until: u64, who: &str) -> TxBody {
    TxBody {
        chain_id: "govchain-dev".into(),
        signer: signer.public_key(),
        nonce,
        valid_until,
        acting_as: None,
        payload: Payload::RegisterKey {
            principal: PrincipalId::new(who).unwrap(),
            kind: PrincipalKind::Person,
            key: SecretKey::from_seed(Scheme::Ed25519, who.as_bytes()).public_key(),
        },
    }
}

fn authority(home: &Path) -> SecretKey {
    read_key_file(&home.join("keys/civil-affairs.json")).unwrap()
}

fn govchain(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_survive_a_restart_and_proofs_verify_offline() {
    let dir = tempfile::tempdir().unwrap();
    let home: PathBuf = dir.path().join("chain");
    let node = DevNode::start(&home);
    let c = Client::new(&node.url);
    let ca = authority(&home);
    let height = c.status().await["height"].as_u64().unwrap();

    // Ten signed registrations over HTTP, then their receipts.
    let mut ids = Vec::new();
    for i in 0..10u64 {
        let tx = sign_tx(
            Scheme::Ed25519,
            &ca,
            body(&ca, i, height + 100, &format!("cit-{i:04}")),
        );
        let (status, answer) = c.submit(tx.encode()).await;
        assert_eq!(status, 202, "{answer}");
        ids.push(answer["id"].as_str().unwrap().to_string());
    }
    for id in &ids {
        assert_eq!(c.wait_receipt(id).await["status"], "ok");
    }
    // A replay of a committed transaction is refused and changes nothing.
    let replay = sign_tx(Scheme::Ed25519, &ca, body(&ca, 0, height + 100, "cit-0000"));
    let (status, answer) = c.submit(replay.encode()).await;
    assert_eq!((status, answer["code"].as_str()), (409, Some("replay")));

    // The CLI signs and submits too, and waits for its receipt.
    let new_key = dir.path().join("cit-0100.json");
    assert!(
        govchain(&["keys", "new", "--out", new_key.to_str().unwrap()])
            .status
            .success()
    );
    let pk =
        String::from_utf8(govchain(&["keys", "show", new_key.to_str().unwrap()]).stdout).unwrap();
    let out = govchain(&[
        "tx",
        "--node",
        &node.url,
        "--key",
        home.join("keys/civil-affairs.json").to_str().unwrap(),
        "register-key",
        "--principal",
        "cit-0100",
        "--kind",
        "person",
        "--new-key",
        pk.trim(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let receipt: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(receipt["status"], "ok");

    let before = c.status().await;
    let h = before["height"].as_u64().unwrap();
    let root = before["state_root"].as_str().unwrap().to_string();
    node.sigterm();

    // Restarted, the node continues from disk with the same root at the same height.
    let node = DevNode::start(&home);
    let c = Client::new(&node.url);
    let (status, block) = c.get(&format!("/v1/blocks/{h}")).await;
    assert_eq!(status, 200);
    assert_eq!(block["state_root_after"], root.as_str());
    for id in &ids {
        assert_eq!(
            c.get(&format!("/v1/tx/{id}")).await.1["receipt"]["status"],
            "ok"
        );
    }
    let (status, state) = c.get("/v1/state/principal/cit-0100").await;
    assert_eq!(status, 200);
    assert_eq!(state["value"]["keys"][0], pk.trim());

    // A proof saved by the CLI verifies offline against the root, and not against another.
    let proof_file = dir.path().join("proof.json");
    let out = govchain(&[
        "query",
        "proof",
        "principal/cit-0003",
        "--height",
        &h.to_string(),
        "--out",
        proof_file.to_str().unwrap(),
        "--node",
        &node.url,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(node);
    let out = govchain(&[
        "proof",
        "verify",
        proof_file.to_str().unwrap(),
        "--root",
        &root,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("verified: `principal/cit-0003`"));
    let other_root = "00".repeat(32);
    let out = govchain(&[
        "proof",
        "verify",
        proof_file.to_str().unwrap(),
        "--root",
        &other_root,
    ]);
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_no_committed_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("chain");
    let mut committed = Vec::new();
    let mut nonce = 0u64;
    for round in 0..3 {
        let node = DevNode::start(&home);
        let c = Client::new(&node.url);
        let ca = authority(&home);
        let height = c.status().await["height"].as_u64().unwrap();
        // Submit a stream; note each receipt as it commits; kill -9 while some are in flight.
        let mut pending = Vec::new();
        for _ in 0..40 {
            let tx = sign_tx(
                Scheme::Ed25519,
                &ca,
                body(&ca, nonce, height + 500, &format!("k{nonce}")),
            );
            let (status, answer) = c.submit(tx.encode()).await;
            assert_eq!(status, 202, "round {round}: {answer}");
            pending.push(answer["id"].as_str().unwrap().to_string());
            nonce += 1;
        }
        // Wait for the first half to commit, then kill without warning.
        for id in &pending[..20] {
            assert_eq!(c.wait_receipt(id).await["status"], "ok");
            committed.push(id.clone());
        }
        node.sigkill();
        // Transactions after the first half may or may not have committed: ask the chain.
        let node = DevNode::start(&home);
        let c = Client::new(&node.url);
        for id in &committed {
            let (status, tx) = c.get(&format!("/v1/tx/{id}")).await;
            assert_eq!(status, 200, "round {round}: committed {id} was lost");
            assert_eq!(tx["receipt"]["status"], "ok");
        }
        // The nonce to continue from is what the chain says.
        let (status, n) = c.get(&format!("/v1/state/nonce/{}", ca.public_key())).await;
        assert_eq!(status, 200);
        nonce = n["value"].as_u64().unwrap();
        assert!(nonce >= committed.len() as u64);
        drop(node);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_law_is_enacted_through_the_cli_by_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("chain");
    let node = DevNode::start(&home);
    let c = Client::new(&node.url);
    let h = c.status().await["height"].as_u64().unwrap();
    // Far enough ahead that the refused attempt and the waits cannot overtake it.
    let effective = h + 100;
    let bill = dir.path().join("bill.json");
    std::fs::write(
        &bill,
        serde_json::json!({
            "id": "hospital-births", "version": 1, "title": "Hospitals register births",
            "level": "national", "body": "legislature", "effective_from": effective,
            "articles": [{ "id": "1", "title": "departments register persons", "type": "permission",
                "policy": "permit (principal is Department, action == Action::\"create-principal\", resource is Principal) when { resource.kind == \"person\" };" }]
        })
        .to_string(),
    )
    .unwrap();
    let key = |k: &str| key_file(&home, k);
    let out = govchain(&["law", "check", bill.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Two signatures are not enough.
    let m = |i: u32| format!("leg-{i}={}", key(&format!("leg-{i}")));
    let out = govchain(&[
        "tx",
        "--node",
        &node.url,
        "--key",
        &key("legislature"),
        "enact-law",
        "--bill",
        bill.to_str().unwrap(),
        "--member",
        &m(1),
        "--member",
        &m(2),
    ]);
    assert!(!out.status.success());
    let receipt: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(receipt["code"], "not_enacted");
    // A third signature made for another chain does not count either.
    let out = govchain(&[
        "law",
        "sign",
        bill.to_str().unwrap(),
        "--chain",
        "another-chain",
        "--member",
        "leg-3",
        "--key",
        &key("leg-3"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let foreign = home.join("leg-3.other-chain.sig.json");
    std::fs::write(&foreign, &out.stdout).unwrap();
    let out = govchain(&[
        "tx",
        "--node",
        &node.url,
        "--key",
        &key("legislature"),
        "enact-law",
        "--bill",
        bill.to_str().unwrap(),
        "--signature",
        foreign.to_str().unwrap(),
        "--member",
        &m(1),
        "--member",
        &m(2),
    ]);
    assert!(!out.status.success());
    let receipt: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(receipt["code"], "not_enacted", "{receipt}");
    let out = govchain(&[
        "tx",
        "--node",
        &node.url,
        "--key",
        &key("legislature"),
        "enact-law",
        "--bill",
        bill.to_str().unwrap(),
        "--member",
        &m(1),
        "--member",
        &m(3),
        "--member",
        &m(5),
    ]);
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let receipt: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(receipt["decided_by"]["article"], "4");
    let (status, index) = c.get("/v1/state/law/index").await;
    assert_eq!(status, 200);
    let entry = index["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "hospital-births")
        .unwrap();
    assert_eq!(entry["effective_from"], effective);
    assert!(entry["enacted_at"].as_u64().unwrap() > h);
    assert_eq!(
        entry["signed_by"],
        serde_json::json!(["leg-1", "leg-3", "leg-5"])
    );

    // The law's history names its signers; an interpretation is recorded and shows there.
    let stdout = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();
    let out = govchain(&["law", "history", "hospital-births", "--node", &node.url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).contains("signed by leg-1, leg-3, leg-5"),
        "{}",
        stdout(&out)
    );
    let interpretation = dir.path().join("interpretation.json");
    std::fs::write(
        &interpretation,
        serde_json::json!({
            "id": "2026-1", "law": "hospital-births", "articles": ["1"],
            "title": "a birth centre counts as a hospital",
            "text": "A licensed birth centre registers births as a hospital does.",
            "body": "legislature"
        })
        .to_string(),
    )
    .unwrap();
    let out = govchain(&[
        "tx",
        "--node",
        &node.url,
        "--key",
        &key("legislature"),
        "interpret",
        "--file",
        interpretation.to_str().unwrap(),
        "--member",
        &m(2),
        "--member",
        &m(3),
        "--member",
        &m(4),
    ]);
    assert!(
        out.status.success(),
        "{}\n{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = govchain(&["law", "history", "hospital-births", "--node", &node.url]);
    assert!(
        stdout(&out).contains("interpretation `2026-1` of articles [\"1\"]"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bill_is_verified_against_the_live_laws_before_the_vote() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("chain");
    let node = DevNode::start(&home);
    // The demo's regional regulation, amended: its article 2 still tries to let hospitals
    // register births, which the national civil registration law forbids.
    let mut bill = serde_json::to_value(govchain_demo::regional_regulation()).unwrap();
    bill["version"] = 2.into();
    bill["effective_from"] = 1_000.into();
    let file = dir.path().join("regional.json");
    std::fs::write(&file, bill.to_string()).unwrap();
    let out = govchain(&["law", "check", file.to_str().unwrap(), "--node", &node.url]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("valid"), "{text}");
    assert!(
        text.contains("forbidden_by_higher")
            && text.contains("law `civil-registration-law` article `7`"),
        "{text}"
    );
    assert!(text.contains("dry run:"), "{text}");
    // A member of the council that would enact it signs a read of its dry run: the node's
    // recorded requests are listed for the member, by constitution art. 21, and the read is
    // logged. A citizen's read of the same is refused.
    let out = govchain(&[
        "law",
        "check",
        file.to_str().unwrap(),
        "--node",
        &node.url,
        "--key",
        &key_file(&home, "council-1"),
        "--purpose",
        "second reading",
    ]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success()
            && text.contains("recorded requests listed for you by law `constitution` article `21`"),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = govchain(&[
        "law",
        "check",
        file.to_str().unwrap(),
        "--node",
        &node.url,
        "--key",
        &key_file(&home, "cit-0001"),
    ]);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success() && said.contains("unauthorized"),
        "{said}"
    );
    // The JSON report, and an invalid bill that exits non-zero.
    bill["articles"][0]["policy"] =
        "permit (principal is Official, action == Action::\"raed\", resource is Record);".into();
    std::fs::write(&file, bill.to_string()).unwrap();
    let out = govchain(&[
        "law",
        "check",
        file.to_str().unwrap(),
        "--node",
        &node.url,
        "--json",
    ]);
    assert!(!out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["findings"][0]["article"], "1");

    // A request given in full: the regional article permits it, the national law forbids it.
    let request = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/requests/hospital-registers-birth.json"
    );
    let out = govchain(&["law", "explain", "--request", request, "--node", &node.url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "denied by law `civil-registration-law` article `7`"
    );
}

/// The key file of `id` in a chain made by `govchain init`/`dev`.
fn key_file(home: &Path, id: &str) -> String {
    home.join("keys")
        .join(format!("{id}.json"))
        .display()
        .to_string()
}

/// Commits one more block (a small payment by `cit-0002`), so that the height before it is
/// certified and its certificates can be made.
fn another_block(url: &str, home: &Path) {
    let key = key_file(home, "cit-0002");
    let (ok, out, err) = run(&[
        "tx", "--node", url, "--key", &key, "transfer", "--to", "cit-0003", "--amount", "1",
    ]);
    assert!(ok, "{out}\n{err}");
}

/// Runs `govchain` and returns (success, stdout, stderr).
fn run(args: &[&str]) -> (bool, String, String) {
    let out = govchain(args);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registries_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("chain");
    let node = DevNode::start(&home);
    let url = node.url.as_str();
    let key = |k: &str| key_file(&home, k);
    let birth = |k: &str, region: &str| {
        vec![
            "tx".to_string(),
            "--node".into(),
            url.into(),
            "--key".into(),
            key("off-wang"),
            "--as".into(),
            "pos-off-wang".into(),
            "insert-record".into(),
            "--registry".into(),
            "births".into(),
            "--key".into(),
            k.into(),
            "--field".into(),
            "child_name=Baby".into(),
            "--field".into(),
            "mother=cit-0001".into(),
            "--field".into(),
            "birth_date=2026-11-20".into(),
            "--field".into(),
            format!("region={region}"),
        ]
    };
    // A registrar registers a birth in the district, and not outside it.
    let b1 = birth("b-1", "110101");
    let (ok, out, err) = run(&b1.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok, "{out}\n{err}");
    let receipt: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(receipt["decided_by"]["law"], "civil-registration-law");
    let b2 = birth("b-2", "110102");
    let (ok, out, _) = run(&b2.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!ok);
    assert!(
        out.contains("denied by law `constitution` article `11`"),
        "{out}"
    );

    // Public records, as of a height; protected ones only through a signed read.
    let (ok, out, err) = run(&[
        "query",
        "record",
        "organisations",
        "org-0001",
        "--node",
        url,
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("\"representative\": \"cit-0011\""), "{out}");
    let (ok, _, err) = run(&["query", "record", "persons", "cit-0001", "--node", url]);
    assert!(!ok);
    assert!(err.contains("read_request_required"), "{err}");
    let (ok, out, err) = run(&[
        "read",
        "--key",
        &key("cit-0001"),
        "--purpose",
        "my own record",
        "--node",
        url,
        "record",
        "persons",
        "cit-0001",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("\"article\": \"5\""), "{out}");
    let (ok, _, err) = run(&[
        "read",
        "--key",
        &key("cit-0002"),
        "--node",
        url,
        "record",
        "persons",
        "cit-0001",
    ]);
    assert!(!ok);
    assert!(err.contains("403 unauthorized"), "{err}");
    let (ok, out, err) = run(&[
        "read",
        "--key",
        &key("off-qian"),
        "--as",
        "pos-off-qian",
        "--node",
        url,
        "audit",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("my own record"), "{out}");

    // The dismissal of the licensing officer takes effect from the next block.
    let (ok, out, err) = run(&[
        "tx",
        "--node",
        url,
        "--key",
        &key("market-regulation"),
        "set-position-status",
        "--position",
        "pos-off-chen",
        "--status",
        "ended",
        "--reason",
        "dismissed",
    ]);
    assert!(ok, "{out}\n{err}");
    let (ok, out, _) = run(&[
        "tx",
        "--node",
        url,
        "--key",
        &key("off-chen"),
        "--as",
        "pos-off-chen",
        "insert-record",
        "--registry",
        "licences",
        "--key",
        "l-1",
        "--field",
        "organisation=org-0001",
        "--field",
        "activity=bakery",
        "--field",
        "region=110101",
        "--field",
        "valid_from=2026-12-01",
        "--field",
        "status=granted",
    ]);
    assert!(!ok);
    assert!(
        out.contains("denied by law `constitution` article `10`"),
        "{out}"
    );

    // An offline certificate of a record, and an export as of a height.
    let cert = dir.path().join("org.cert.json");
    let (ok, _, err) = run(&[
        "certificate",
        "--registry",
        "organisations",
        "--key",
        "org-0001",
        "--out",
        cert.to_str().unwrap(),
        "--node",
        url,
    ]);
    assert!(ok, "{err}");
    let genesis = home.join("genesis.json");
    let (ok, out, err) = run(&[
        "verify",
        cert.to_str().unwrap(),
        "--genesis",
        genesis.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("verified: `record/organisations/org-0001`")
            && out.contains("Organisation 0001 Ltd"),
        "{out}"
    );
    let (ok, out, err) = run(&[
        "export",
        "--registry",
        "organisations",
        "--height",
        "1",
        "--node",
        url,
    ]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 11, "{out}");
    assert!(
        lines[0].starts_with("key,name,region,representative,form,status,height,signer"),
        "{out}"
    );
    assert!(
        lines[1]
            .starts_with("org-0001,Organisation 0001 Ltd,110101,cit-0011,company,active,0,genesis"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_is_checked_first_loaded_in_whole_chunks_and_resumable() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("chain");
    let node = DevNode::start(&home);
    let url = node.url.as_str();
    let key = |k: &str| key_file(&home, k);
    let csv = dir.path().join("persons.csv");
    let write = |n: usize, bad: Option<(usize, &str)>| {
        let mut text = String::from("key,name,birth_date,region,household,status\n");
        for i in 1..=n {
            let date = match bad {
                Some((at, d)) if at == i => d.to_string(),
                _ => "1990-05-17".to_string(),
            };
            let household = if i == 1500 { "hh-0001" } else { "" };
            text.push_str(&format!(
                "p-{i:06},Person {i},{date},110101,{household},living\n"
            ));
        }
        std::fs::write(&csv, text).unwrap();
    };
    let key_ca = key("civil-affairs");
    let import = |extra: &[&str]| {
        let mut a = vec![
            "import",
            "--registry",
            "persons",
            csv.to_str().unwrap(),
            "--key",
            &key_ca,
            "--node",
            url,
        ];
        a.extend(extra);
        run(&a)
    };
    // A malformed row: named by its line, nothing sent.
    write(2000, Some((500, "1990-02-30")));
    let (ok, _, err) = import(&[]);
    assert!(!ok);
    assert!(
        err.contains("persons.csv:501: field `birth_date` takes a date YYYY-MM-DD"),
        "{err}"
    );
    assert!(err.contains("nothing was sent"), "{err}");
    // Another department may not load persons: the chain refuses the first chunk.
    write(2000, None);
    let state = dir.path().join("persons.csv.import-state.json");
    let (ok, _, err) = run(&[
        "import",
        "--registry",
        "persons",
        csv.to_str().unwrap(),
        "--key",
        &key("market-regulation"),
        "--node",
        url,
    ]);
    assert!(!ok);
    assert!(err.contains("unauthorized"), "{err}");
    std::fs::remove_file(&state).unwrap();
    // The ministry loads them, a chunk at a time.
    let (ok, _, err) = import(&["--in-flight", "4"]);
    assert!(ok, "{err}");
    assert!(err.contains("loaded 2000 records"), "{err}");
    let saved: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(saved["committed_rows"], 2000);
    // More rows in the file: a second run continues after the last committed one.
    write(2600, None);
    let (ok, _, err) = import(&[]);
    assert!(ok, "{err}");
    assert!(
        err.contains("loaded 600 records") && err.contains("2600 in all"),
        "{err}"
    );
    // A row the chain refuses (a household that does not exist) stops the import at its line;
    // the chunk before it stays, the chunk with it is not loaded.
    let mut text = std::fs::read_to_string(&csv).unwrap();
    text.push_str("p-009999,Late Person,1990-05-17,110101,hh-nope,living\n");
    std::fs::write(&csv, text).unwrap();
    let (ok, _, err) = import(&[]);
    assert!(!ok);
    assert!(
        // The row's line and key, the field and its rule; never the value (a receipt is read
        // by anyone).
        err.contains("persons.csv:2602:")
            && err.contains("`p-009999`")
            && err.contains("field `household` names no record of registry `households`"),
        "{err}"
    );
    // The loaded records are protected: raw state reads are refused, a registrar reads one.
    let c = Client::new(url);
    let (status, _) = c.get("/v1/state/record/persons/p-000001").await;
    assert_eq!(status, 403);
    let (ok, out, err) = run(&[
        "read",
        "--key",
        &key("off-wang"),
        "--as",
        "pos-off-wang",
        "--node",
        url,
        "record",
        "persons",
        "p-002600",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("Person 2600"), "{out}");
    // Blocks do not show protected fields.
    let (_, block) = c.get("/v1/blocks/latest").await;
    assert!(!block.to_string().contains("Person 2600"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("chain");
    let node = DevNode::start(&home);
    let url = node.url.as_str();
    let key = |k: &str| key_file(&home, k);
    let (ok, out, err) = run(&["query", "currencies", "--node", url]);
    assert!(ok, "{err}");
    assert!(out.contains("\"code\": \"CNY\""), "{out}");

    // A citizen pays stamp duty to the treasury: 12.50 yuan, in major units.
    let (ok, out, err) = run(&[
        "tx",
        "--node",
        url,
        "--key",
        &key("cit-0001"),
        "transfer",
        "--to",
        "treasury",
        "--amount",
        "12.50",
        "--memo",
        "stamp duty",
        "--reference",
        "tax-2026-1",
    ]);
    assert!(ok, "{out}\n{err}");
    let receipt: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(receipt["decided_by"]["law"], "currency-law");
    // More decimal places than the currency has is refused before anything is sent.
    let (ok, _, err) = run(&[
        "tx",
        "--node",
        url,
        "--key",
        &key("cit-0001"),
        "transfer",
        "--to",
        "treasury",
        "--amount",
        "0.005",
    ]);
    assert!(!ok);
    assert!(err.contains("at most 2 decimal places"), "{err}");

    // The treasury's statement is public; the citizen's account is read with a signed read,
    // and its certificate verifies offline.
    // who paid the treasury is public; how much and why, only to the payer.
    let (ok, out, err) = run(&["query", "statement", "treasury", "--node", url]);
    assert!(ok, "{err}");
    assert!(out.contains("\"counterparty\": \"cit-0001\""), "{out}");
    assert!(!out.contains("stamp duty"), "{out}");
    let (ok, out, err) = run(&[
        "read",
        "--key",
        &key("cit-0001"),
        "--node",
        url,
        "statement",
        "cit-0001",
        "--newest-first",
    ]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("\"amount\": \"-1250\""), "{out}");
    assert!(out.contains("\"memo\": \"stamp duty\""), "{out}");
    let (ok, _, err) = run(&["query", "account", "cit-0001", "--node", url]);
    assert!(!ok);
    assert!(err.contains("read_request_required"), "{err}");
    // The certificate needs the height after the transfer to be certified.
    another_block(url, &home);
    let cert = dir.path().join("account.cert.json");
    let (ok, out, err) = run(&[
        "read",
        "--key",
        &key("cit-0001"),
        "--node",
        url,
        "account",
        "cit-0001",
        "--proof",
        cert.to_str().unwrap(),
    ]);
    assert!(ok, "{out}\n{err}");
    let genesis = home.join("genesis.json");
    let (ok, out, err) = run(&[
        "verify",
        cert.to_str().unwrap(),
        "--genesis",
        genesis.to_str().unwrap(),
    ]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("998750"), "{out}");

    // A judge freezes the account by order; nothing leaves it, with the article cited.
    let (ok, out, err) = run(&[
        "tx",
        "--node",
        url,
        "--key",
        &key("judge-wu"),
        "--as",
        "pos-judge-wu",
        "freeze",
        "--holder",
        "cit-0001",
        "--order",
        "(2026) Jing 01 Zhi 7",
    ]);
    assert!(ok, "{out}\n{err}");
    let (ok, out, _) = run(&[
        "tx",
        "--node",
        url,
        "--key",
        &key("cit-0001"),
        "transfer",
        "--to",
        "cit-0002",
        "--amount",
        "1",
    ]);
    assert!(!ok);
    assert!(
        out.contains("denied by law `currency-law` article `4`"),
        "{out}"
    );
}

/// A secret registry keeps a salted hash; the hospital keeps the document, and anyone holding
/// it and a certificate of the record proves it unaltered with no network.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_value_is_proven_against_its_hash_offline() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("chain");
    let node = DevNode::start(&home);
    let url = node.url.as_str();
    let key = |k: &str| key_file(&home, k);
    let doc = dir.path().join("birth-record.pdf");
    std::fs::write(&doc, b"%PDF birth of Baby, 2026-11-20, 3.4 kg").unwrap();
    let (ok, out, err) = run(&["secret", "hash", "--file", doc.to_str().unwrap()]);
    assert!(ok, "{err}");
    let made: Value = serde_json::from_str(&out).unwrap();
    let (hash, salt) = (
        made["hash"].as_str().unwrap().to_string(),
        made["salt"].as_str().unwrap().to_string(),
    );
    let document = format!("document={hash}");
    let (ok, out, err) = run(&[
        "tx",
        "--node",
        url,
        "--key",
        &key("hospital-110101"),
        "insert-record",
        "--registry",
        "birth-medical-records",
        "--key",
        "m-1",
        "--field",
        "mother=cit-0001",
        "--field",
        "region=110101",
        "--field",
        "hospital=hospital-110101",
        "--field",
        &document,
    ]);
    assert!(ok, "{out}\n{err}");
    // One more block, so the height of the record is certified.
    another_block(url, &home);
    let (ok, _, err) = run(&[
        "query",
        "record",
        "birth-medical-records",
        "m-1",
        "--node",
        url,
    ]);
    assert!(!ok);
    assert!(err.contains("read_request_required"), "{err}");
    let cert = dir.path().join("m-1.cert.json");
    let (ok, out, err) = run(&[
        "read",
        "--key",
        &key("cit-0001"),
        "--node",
        url,
        "certificate",
        "birth-medical-records",
        "m-1",
        "--out",
        cert.to_str().unwrap(),
    ]);
    assert!(ok, "{out}\n{err}");
    drop(node);
    let genesis = home.join("genesis.json");
    let verify = |file: &Path| {
        run(&[
            "secret",
            "verify",
            cert.to_str().unwrap(),
            "--genesis",
            genesis.to_str().unwrap(),
            "--field",
            "document",
            "--file",
            file.to_str().unwrap(),
            "--salt",
            &salt,
        ])
    };
    let (ok, out, err) = verify(&doc);
    assert!(ok, "{out}\n{err}");
    assert!(out.starts_with("proven:"), "{out}");
    let forged = dir.path().join("forged.pdf");
    std::fs::write(&forged, b"%PDF birth of Baby, 2026-11-21, 3.4 kg").unwrap();
    let (ok, _, err) = verify(&forged);
    assert!(!ok);
    assert!(err.contains("does not match"), "{err}");
}

/// The initial load as part of a new chain's genesis: a malformed row is named by line and
/// leaves the genesis as it was; a good file goes in, and the chain starts with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_initial_load_goes_into_a_new_chains_genesis() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("chain");
    let (ok, _, err) = run(&[
        "init",
        "--home",
        home.to_str().unwrap(),
        "--validators",
        "1",
        "--p2p-port",
        "0",
    ]);
    assert!(ok, "{err}");
    let genesis = home.join("genesis.json");
    let before = std::fs::read(&genesis).unwrap();
    let file = dir.path().join("organisations.csv");
    let import = |file: &Path| {
        run(&[
            "genesis",
            "import",
            "--genesis",
            genesis.to_str().unwrap(),
            "--registry",
            "organisations",
            file.to_str().unwrap(),
        ])
    };
    std::fs::write(
        &file,
        "key,name,region,representative,form\n\
         org-9001,Ninety Bakery Ltd,110101,cit-0021,company\n\
         org-9002,Bad Region Ltd,99,cit-0022,company\n",
    )
    .unwrap();
    let (ok, _, err) = import(&file);
    assert!(!ok);
    assert!(err.contains("organisations.csv:3:"), "{err}");
    assert_eq!(
        std::fs::read(&genesis).unwrap(),
        before,
        "the genesis changed"
    );
    // A reference to a person nobody loaded is caught by the whole-genesis check.
    std::fs::write(
        &file,
        "key,name,region,representative,form\norg-9003,Ghost Ltd,110101,cit-9999,company\n",
    )
    .unwrap();
    let (ok, _, err) = import(&file);
    assert!(!ok);
    assert!(
        err.contains("`org-9003`")
            && err.contains("field `representative` names no registered person"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&genesis).unwrap(),
        before,
        "the genesis changed"
    );
    std::fs::write(
        &file,
        "key,name,region,representative,form\n\
         org-9001,Ninety Bakery Ltd,110101,cit-0021,company\n\
         org-9002,Ninety-Two Trading Ltd,110102,cit-0022,partnership\n",
    )
    .unwrap();
    // Refused loads leave no snapshot file behind.
    assert!(!home.join("organisations.snapshot").exists());
    let (ok, out, err) = import(&file);
    assert!(ok, "{out}\n{err}");
    assert!(
        out.starts_with("2 records of `organisations` added"),
        "{out}"
    );
    assert!(out.contains("in organisations.snapshot"), "{out}");
    assert!(
        out.contains("once 3 of the members of `legislature` approve it"),
        "{out}"
    );
    // Three of the five legislators approve the file; nodes would refuse it before.
    for (n, member) in ["leg-1", "leg-2", "leg-3"].iter().enumerate() {
        let key = home.join("keys").join(format!("{member}.json"));
        let (ok, out, err) = run(&[
            "genesis",
            "sign-snapshot",
            "--genesis",
            genesis.to_str().unwrap(),
            "--file",
            "organisations.snapshot",
            "--member",
            member,
            "--key",
            key.to_str().unwrap(),
        ]);
        assert!(ok, "{out}\n{err}");
        assert!(
            out.contains(&format!("{} of the 3 members", n + 1)),
            "{out}"
        );
    }
    // A key that is not the member's is refused.
    let wrong = home.join("keys").join("leg-4.json");
    let (ok, _, err) = run(&[
        "genesis",
        "sign-snapshot",
        "--genesis",
        genesis.to_str().unwrap(),
        "--file",
        "organisations.snapshot",
        "--member",
        "leg-5",
        "--key",
        wrong.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("is not `leg-5`'s key"), "{err}");

    let node = DevNode::start(&home);
    let (ok, out, err) = run(&[
        "query",
        "record",
        "organisations",
        "org-9002",
        "--node",
        &node.url,
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("Ninety-Two Trading Ltd"), "{out}");
    assert!(out.contains("\"signer\": \"genesis\""), "{out}");
}

/// A devnet of four validators (separate processes, 200-ms blocks) in `dir`, past block 2.
async fn four_validators(dir: &Path) -> govchain_testnet::Testnet {
    let mut net = govchain_testnet::Testnet::create(
        dir,
        govchain_testnet::TestnetOptions {
            binary: BIN.into(),
            validators: 4,
            block_time_ms: 200,
            bench_signers: 0,
            bench_parents: 0,
        },
    )
    .await
    .unwrap();
    net.start_all().await.unwrap();
    net.wait_height(2, Duration::from_secs(60)).await.unwrap();
    net
}

/// The business-licence service on a four-validator devnet (separate processes), from the
/// command line: its code readable, an application decided at once (a licence written by the
/// service), a sanctioned organisation rejected, each with the article; the application's input
/// not shown to others; a case decided by two officers (four eyes), read from another node.
#[tokio::test(flavor = "multi_thread")]
async fn services_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut net = four_validators(dir.path()).await;
    let home = dir.path().to_path_buf();
    let urls = net.urls();
    let url = urls[0].as_str();
    let key = |k: &str| key_file(&home, k);
    let (ok, out, err) = run(&["query", "services", "--node", url]);
    assert!(ok, "{err}");
    assert!(out.contains("\"name\": \"grant-licence\""), "{out}");
    let (ok, out, err) = run(&["query", "service", "grant-licence", "--node", url]);
    assert!(ok, "{err}");
    assert!(
        out.contains("fn decide(app)"),
        "the code is readable: {out}"
    );

    let apply = |rep: &str, org: &str, activity: &str| {
        let args = [
            "tx",
            "--node",
            url,
            "--key",
            &key(rep),
            "--for",
            org,
            "apply",
            "--service",
            "grant-licence",
            "--field",
            &format!("organisation={org}"),
            "--field",
            &format!("activity={activity}"),
            "--field",
            "valid_from=2026-12-01",
        ]
        .map(str::to_string);
        run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let outcome = |receipt: &Value| {
        receipt["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "application_decided")
            .map(|e| e["attributes"].to_string())
            .unwrap_or_default()
    };
    let (ok, out, err) = apply("cit-0011", "org-0001", "retail");
    assert!(ok, "{out}\n{err}");
    let receipt: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(receipt["decided_by"]["law"], "business-licence-law");
    assert_eq!(receipt["decided_by"]["article"], "5");
    assert!(outcome(&receipt).contains("approved"), "{receipt}");
    let height = receipt["height"].as_u64().unwrap();
    // Every validator holds the licence: read it from another node once it has the block.
    let other = urls[2].as_str();
    let licence = format!("lic-org-0001-{height}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let (out, err) = loop {
        let (ok, out, err) = run(&["query", "record", "licences", &licence, "--node", other]);
        if ok || std::time::Instant::now() > deadline {
            break (out, err);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        out.contains("grant-licence@1"),
        "written by the service: {out}\n{err}"
    );

    let (ok, out, err) = apply("cit-0017", "org-0007", "retail");
    assert!(ok, "{out}\n{err}");
    let receipt: Value = serde_json::from_str(&out).unwrap();
    assert!(outcome(&receipt).contains("rejected"), "{receipt}");
    // Anyone may see that an application was made and decided, not what it said.
    let id = receipt["tx_id"].as_str().unwrap();
    let (ok, out, err) = run(&["query", "tx", id, "--node", url]);
    assert!(ok, "{err}");
    assert!(
        out.contains("\"input\": {}") && !out.contains("retail"),
        "the input is left out: {out}"
    );
    // Fireworks in 110101: a case, which the region's licensing officer decides.
    let (ok, out, err) = apply("cit-0011", "org-0001", "fireworks");
    assert!(ok, "{out}\n{err}");
    let receipt: Value = serde_json::from_str(&out).unwrap();
    assert!(outcome(&receipt).contains("case_opened"), "{receipt}");
    let case = receipt["tx_id"].as_str().unwrap().to_string();
    let decide = |who: &str, position: &str| {
        run(&[
            "tx",
            "--node",
            url,
            "--key",
            &key(who),
            "--as",
            position,
            "decide-case",
            "--application",
            &case,
            "--approve",
            "--reasons",
            "a licensed display",
        ])
    };
    let (ok, out, _) = decide("off-wang", "pos-off-wang");
    assert!(!ok, "a registrar decided a licence case: {out}");
    assert!(out.contains("unauthorized"), "{out}");
    // Fireworks need two officers who concur (four eyes): the first decision waits.
    let (ok, out, err) = decide("off-chen", "pos-off-chen");
    assert!(ok, "{out}\n{err}");
    let receipt: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(receipt["decided_by"]["article"], "14");
    let events = receipt["events"].to_string();
    assert!(
        events.contains("awaiting_second_official") && !events.contains("record_inserted"),
        "the first of two decisions writes no licence: {events}"
    );
    // The officer's reasons are on the application, not in the public transaction.
    let (ok, out, err) = run(&[
        "query",
        "tx",
        receipt["tx_id"].as_str().unwrap(),
        "--node",
        url,
    ]);
    assert!(ok, "{err}");
    assert!(!out.contains("a licensed display"), "reasons shown: {out}");
    let (ok, out, _) = decide("off-chen", "pos-off-chen");
    assert!(!ok && out.contains("four_eyes"), "{out}");
    // A citizen in their own name is refused by the laws.
    let (ok, out, _) = run(&[
        "tx",
        "--node",
        url,
        "--key",
        &key("cit-0001"),
        "apply",
        "--service",
        "grant-licence",
        "--field",
        "organisation=org-0001",
        "--field",
        "activity=retail",
        "--field",
        "valid_from=2026-12-01",
    ]);
    assert!(!ok);
    assert!(out.contains("unauthorized"), "{out}");
    net.stop_all().await.unwrap();
}

/// The benefits of the demo from the command line, on a four-validator devnet (separate
/// processes; each transaction sent to one node): a birth registered from a hospital's
/// notification, its child subsidy opened for the parents and paid when the mother confirms it,
/// a pension granted and paid at its first month's block; a birth the registers cannot decide
/// goes to the district registrar (listed in the office's case queue), is refused, appealed,
/// and upheld by the head of civil affairs.
#[tokio::test(flavor = "multi_thread")]
async fn benefits_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut net = four_validators(dir.path()).await;
    let home = dir.path().to_path_buf();
    let urls = net.urls();
    let url = urls[0].as_str();
    let key = |k: &str| key_file(&home, k);
    let tx = |who: &str, acting: Option<&str>, args: &[&str]| {
        let k = key(who);
        let mut all = vec!["tx", "--node", url, "--key", k.as_str()];
        if let Some(p) = acting {
            all.extend(["--as", p]);
        }
        all.extend(args);
        let (ok, out, err) = run(&all);
        assert!(ok, "{all:?}: {out}\n{err}");
        serde_json::from_str::<Value>(&out).unwrap()
    };
    let read = |who: &str, acting: Option<&str>, args: &[&str]| {
        let k = key(who);
        let mut all = vec!["read", "--node", url, "--key", k.as_str()];
        if let Some(p) = acting {
            all.extend(["--as", p]);
        }
        all.extend(args);
        let (ok, out, err) = run(&all);
        assert!(ok, "{all:?}: {out}\n{err}");
        serde_json::from_str::<Value>(&out).unwrap()
    };
    let outcome = |receipt: &Value, kind: &str| {
        receipt["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == kind)
            .map(|e| e["attributes"].to_string())
            .unwrap_or_default()
    };
    let notify = |n: &str, mother: &str| {
        tx(
            "hospital-110101",
            None,
            &[
                "insert-record",
                "--registry",
                "birth-notifications",
                "--key",
                n,
                "--field",
                "child_name=A child",
                "--field",
                &format!("mother={mother}"),
                "--field",
                "birth_date=2026-11-20",
                "--field",
                "region=110101",
                "--field",
                "hospital=hospital-110101",
            ],
        )
    };

    // A birth, registered at once: both parents in one household.
    notify("n-0001", "cit-0001");
    let r = tx(
        "cit-0001",
        None,
        &[
            "apply",
            "--service",
            "register-birth",
            "--field",
            "notification=n-0001",
            "--field",
            "father=cit-0002",
        ],
    );
    assert!(
        outcome(&r, "application_decided").contains("approved"),
        "{r}"
    );
    let birth = read("cit-0001", None, &["record", "births", "b-n-0001"]);
    let child = birth["record"]["fields"]["child"]
        .as_str()
        .unwrap()
        .to_string();
    // The birth opens the child subsidy for each parent (at the next block's start): the
    // mother finds hers among her applications and confirms it; it is paid at once.
    let c = Client::new(url);
    let waited = std::time::Instant::now();
    let proposed = loop {
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(60),
            "no subsidy opened"
        );
        let mine = read("cit-0001", None, &["applications", "cit-0001"]);
        if let Some(a) = mine["applications"]["applications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["service"] == "child-subsidy" && a["status"] == "proposed")
        {
            break a["id"].as_str().unwrap().to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let r = tx("cit-0001", None, &["confirm", "--application", &proposed]);
    assert_eq!(r["decided_by"]["law"], "child-subsidy-law", "{r}");
    // The public receipt names the parties, not the amount; the mother reads her benefit.
    let paid = outcome(&r, "transferred");
    assert!(
        paid.contains(r#"["from","treasury"]"#) && paid.contains(r#"["to","cit-0001"]"#),
        "{r}"
    );
    let benefit = read(
        "cit-0001",
        None,
        &["record", "benefits", &format!("cs-{child}")],
    );
    assert_eq!(
        benefit["record"]["fields"]["amount_fen"], 30000,
        "{benefit}"
    );
    // A pension: granted, then paid at the start of its first month's block.
    let r = tx("cit-0001", None, &["apply", "--service", "pension"]);
    let pension = r["tx_id"].as_str().unwrap().to_string();
    let app = read("cit-0001", None, &["application", &pension]);
    let next = app["application"]["schedule"]["next"].as_u64().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while c.status().await["height"].as_u64().unwrap() <= next {
        assert!(std::time::Instant::now() < deadline, "no block {next}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let app = read("cit-0001", None, &["application", &pension]);
    let schedule = &app["application"]["schedule"];
    assert_eq!(schedule["last"]["kind"], "period_run", "{app}");
    assert_eq!(schedule["done"], 1, "{app}");
    // Each period the schedule ran, with its article, read by the pensioner; another citizen
    // is refused.
    let periods = read("cit-0001", None, &["periods", &pension]);
    let first = &periods["periods"]["periods"][0];
    assert_eq!(first["period"], 1, "{periods}");
    assert_eq!(first["step"]["kind"], "period_run", "{periods}");
    assert_eq!(first["step"]["citation"]["law"], "pension-law", "{periods}");
    assert!(periods["periods"]["next"].is_null(), "{periods}");
    let stranger = key("cit-0003");
    let (ok, _, err) = run(&[
        "read", "--node", url, "--key", &stranger, "periods", &pension,
    ]);
    assert!(!ok && err.contains("403 unauthorized"), "{err}");

    // A birth the registers cannot decide: the district registrar's queue, a refusal, an
    // appeal to civil affairs, upheld.
    notify("n-0002", "cit-0004");
    let r = tx(
        "cit-0004",
        None,
        &[
            "apply",
            "--service",
            "register-birth",
            "--field",
            "notification=n-0002",
            "--field",
            "father=cit-0005",
        ],
    );
    assert!(
        outcome(&r, "application_decided").contains("case_opened"),
        "{r}"
    );
    let id = r["tx_id"].as_str().unwrap().to_string();
    let queue = read(
        "off-wang",
        Some("pos-off-wang"),
        &["cases", "civil-affairs-110101"],
    );
    assert_eq!(
        queue["cases"]["applications"][0]["id"],
        id.as_str(),
        "{queue}"
    );
    tx(
        "off-wang",
        Some("pos-off-wang"),
        &[
            "decide-case",
            "--application",
            &id,
            "--reject",
            "--reasons",
            "the father's declaration is missing",
        ],
    );
    let r = tx(
        "cit-0004",
        None,
        &["appeal", "--application", &id, "--reasons", "it was filed"],
    );
    assert!(
        outcome(&r, "application_appealed").contains("civil-affairs"),
        "{r}"
    );
    let queue = read(
        "off-zhao",
        Some("pos-off-zhao"),
        &["cases", "civil-affairs"],
    );
    assert_eq!(
        queue["cases"]["applications"][0]["id"],
        id.as_str(),
        "{queue}"
    );
    let r = tx(
        "off-zhao",
        Some("pos-off-zhao"),
        &[
            "decide-case",
            "--application",
            &id,
            "--approve",
            "--reasons",
            "the declaration is on file",
        ],
    );
    assert!(outcome(&r, "case_decided").contains("approved"), "{r}");
    let birth = read("cit-0004", None, &["record", "births", "b-n-0002"]);
    assert_eq!(birth["record"]["fields"]["father"], "cit-0005", "{birth}");
    // Every node holds the same state.
    net.assert_roots_agree().await.unwrap();
    net.stop_all().await.unwrap();
}
