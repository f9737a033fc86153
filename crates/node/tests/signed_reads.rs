//! Attacks on signed reads, through the API over nodes of the demo government (redb in a temp
//! dir, no sockets): a read replayed at another node, a read of history or of a past height
//! that would show versions the reader may not see, a "not found" that would go unlogged, and
//! one reader's flood of signed reads.
//! Each row says who sends what where, the answer, and what the node's read log gained.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use govchain_crypto::{SecretKey, sign_tx};
use govchain_mempool::MempoolConfig;
use govchain_node::{App, ReadLimits, SoloProducer};
use govchain_types::*;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

const CHAIN: &str = "signed-reads-test";

fn key(n: &str) -> SecretKey {
    SecretKey::from_seed(Scheme::Ed25519, n.as_bytes())
}

struct Node {
    app: Arc<App>,
    router: Router,
    _dir: tempfile::TempDir,
}

fn genesis() -> Genesis {
    let mut genesis =
        govchain_demo::genesis::document(CHAIN, key("validator").public_key(), |id| {
            key(id).public_key()
        });
    genesis.genesis_time_ms = 1;
    genesis
}

/// A node of the demo chain whose consensus key is `key(name)`.
fn node(name: &str) -> Node {
    node_with(name, ReadLimits::default())
}

/// [`node`], with other limits on how often a reader may read.
fn node_with(name: &str, limits: ReadLimits) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let app = Arc::new(
        App::open(
            dir.path(),
            genesis(),
            dir.path(),
            key(name).public_key(),
            MempoolConfig::default(),
        )
        .unwrap()
        .with_read_limits(limits),
    );
    let router = govchain_api::router(app.clone());
    Node {
        app,
        router,
        _dir: dir,
    }
}

async fn call(router: &Router, req: Request<Body>) -> (StatusCode, Value) {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, body)
}

async fn post_read(router: &Router, body: &Value) -> (StatusCode, Value) {
    call(
        router,
        Request::post("/v1/read")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

/// `who` (in `position`) asks node `for_node` to read `target`, signed, with `nonce`.
fn read(
    for_node: &PublicKey,
    who: &str,
    position: Option<&str>,
    target: ReadTarget,
    nonce: u64,
) -> Value {
    let request = ReadRequest {
        chain_id: CHAIN.into(),
        node: for_node.clone(),
        reader: key(who).public_key(),
        acting_as: position.map(|p| Acting::Position(p.to_string())),
        target,
        valid_until: 5,
        nonce,
        purpose: "case 2026-17".into(),
    };
    let signature = key(who).sign(&request.signing_bytes());
    json!({ "read": hex::encode(encode(&SignedRead { request, signature })) })
}

/// A reader: a principal, and the position it reads in.
type Reader<'a> = (&'a str, Option<&'a str>);

fn record(key: &str, height: Option<u64>) -> ReadTarget {
    ReadTarget::Record {
        registry: "persons".into(),
        key: key.into(),
        height,
    }
}

fn history(key: &str) -> ReadTarget {
    ReadTarget::History {
        registry: "persons".into(),
        key: key.into(),
    }
}

fn certificate(key: &str, height: Option<u64>) -> ReadTarget {
    ReadTarget::Certificate {
        registry: "persons".into(),
        key: key.into(),
        height,
    }
}

/// The node's read log, as its store holds it.
fn log(app: &App) -> Vec<ReadAudit> {
    app.store()
        .reads(0, 10_000)
        .unwrap()
        .into_iter()
        .map(|(_, bytes)| decode("read log entry", &bytes).unwrap())
        .collect()
}

/// A read signed for one node is served by that node only: every other refuses it as
/// `wrong_node` before it verifies or logs anything, so a read seen at one node (in a proxy's
/// log, say) cannot be replayed at another, whose table of served reads never saw it.
#[tokio::test]
async fn a_read_signed_for_one_node_is_served_by_no_other() {
    let a = node("validator-a");
    let b = node("validator-b");
    // A client learns the node's identity from its status.
    let (status, s) = call(
        &a.router,
        Request::get("/v1/status").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["node"], json!(key("validator-a").public_key()));
    let a_key = a.app.node_key().clone();
    let b_key = b.app.node_key().clone();
    let own = record("cit-0001", None);
    let signed_for_a = read(&a_key, "cit-0001", None, own.clone(), 1);

    // (what, node sent to, body, status, code, entries the node's log gains)
    let rows: Vec<(&str, &Node, Value, StatusCode, &str, usize)> = vec![
        (
            "the reader's own record, at the node named",
            &a,
            signed_for_a.clone(),
            StatusCode::OK,
            "",
            1,
        ),
        (
            "the same signed bytes replayed at another node",
            &b,
            signed_for_a.clone(),
            StatusCode::BAD_REQUEST,
            "wrong_node",
            0,
        ),
        (
            "replayed at the node named: served once only",
            &a,
            signed_for_a,
            StatusCode::CONFLICT,
            "replayed",
            0,
        ),
        (
            "a read signed for node B, sent to node A",
            &a,
            read(&b_key, "cit-0001", None, own.clone(), 2),
            StatusCode::BAD_REQUEST,
            "wrong_node",
            0,
        ),
        (
            "a read naming a key that is no node's",
            &a,
            read(
                &key("nobody").public_key(),
                "cit-0001",
                None,
                own.clone(),
                3,
            ),
            StatusCode::BAD_REQUEST,
            "wrong_node",
            0,
        ),
        (
            "a refused read for another node is not logged either",
            &a,
            read(&b_key, "cit-0002", None, own.clone(), 4),
            StatusCode::BAD_REQUEST,
            "wrong_node",
            0,
        ),
        (
            "the same read signed for node B is served by B",
            &b,
            read(&b_key, "cit-0001", None, own, 2),
            StatusCode::OK,
            "",
            1,
        ),
    ];
    for (what, to, body, want, code, gained) in rows {
        let (before, live) = (log(&to.app).len(), to.app.store().live_reads().unwrap());
        let (status, answer) = post_read(&to.router, &body).await;
        assert_eq!(status, want, "{what}: {answer}");
        if !code.is_empty() {
            assert_eq!(answer["code"], code, "{what}: {answer}");
        }
        assert_eq!(log(&to.app).len(), before + gained, "{what}: the read log");
        assert_eq!(
            to.app.store().live_reads().unwrap(),
            live + gained as u64,
            "{what}: the table of served reads"
        );
    }
}

/// cit-0001 moves from district 110101 to 110102 in block 1 (block 2 certifies it). Each
/// version a read returns is decided on its own content: the registrar of 110101 sees the
/// version of 110101 and not the later one, the registrar of 110102 the reverse — in a history
/// (the others withheld and counted, not shown), a record as of a height, and a certificate.
#[tokio::test]
async fn a_read_of_history_or_a_past_height_is_decided_on_each_version() {
    let n = node("validator");
    let mv = TxBody {
        chain_id: CHAIN.into(),
        signer: key("off-zhao").public_key(),
        nonce: 0,
        valid_until: 10,
        acting_as: Some(Acting::Position("pos-off-zhao".into())),
        payload: Payload::UpdateRecord {
            registry: "persons".into(),
            key: "cit-0001".into(),
            fields: [("region".to_string(), FieldValue::Text("110102".into()))]
                .into_iter()
                .collect(),
        },
    };
    let results = n.app.submit(vec![
        sign_tx(Scheme::Ed25519, &key("off-zhao"), mv).encode(),
    ]);
    assert!(results[0].is_ok(), "{results:?}");
    SoloProducer::produce(&n.app, &key("validator")).unwrap();
    SoloProducer::produce(&n.app, &key("validator")).unwrap();
    let receipts = n.app.store().receipts(1).unwrap();
    assert_eq!(receipts[0].status, TxStatus::Ok, "{receipts:?}");

    let wang = ("off-wang", Some("pos-off-wang"));
    let li = ("off-li", Some("pos-off-li"));
    let own = ("cit-0001", None);
    let neighbour = ("cit-0002", None);
    // (what, reader, target, status, heights of the versions shown, withheld, logged outcome)
    type Row<'a> = (
        &'a str,
        Reader<'a>,
        ReadTarget,
        StatusCode,
        Vec<u64>,
        u64,
        Value,
    );
    let rows: Vec<Row> = vec![
        (
            "the old district's registrar: the old version only",
            wang,
            history("cit-0001"),
            StatusCode::OK,
            vec![0],
            1,
            json!({"outcome": "partial", "served": 1, "withheld": 1}),
        ),
        (
            "the new district's registrar: the new version only",
            li,
            history("cit-0001"),
            StatusCode::OK,
            vec![1],
            1,
            json!({"outcome": "partial", "served": 1, "withheld": 1}),
        ),
        (
            "the person: every version",
            own,
            history("cit-0001"),
            StatusCode::OK,
            vec![0, 1],
            0,
            json!({"outcome": "served"}),
        ),
        (
            "a neighbour: no version",
            neighbour,
            history("cit-0001"),
            StatusCode::FORBIDDEN,
            vec![],
            0,
            json!({"outcome": "refused"}),
        ),
        (
            "the old registrar, the record as of height 0",
            wang,
            record("cit-0001", Some(0)),
            StatusCode::OK,
            vec![0],
            0,
            json!({"outcome": "served"}),
        ),
        (
            "the old registrar, the record now",
            wang,
            record("cit-0001", None),
            StatusCode::FORBIDDEN,
            vec![],
            0,
            json!({"outcome": "refused"}),
        ),
        (
            "the new registrar, the record as of height 0 (before the move)",
            li,
            record("cit-0001", Some(0)),
            StatusCode::FORBIDDEN,
            vec![],
            0,
            json!({"outcome": "refused"}),
        ),
        (
            "the new registrar, the record now",
            li,
            record("cit-0001", None),
            StatusCode::OK,
            vec![1],
            0,
            json!({"outcome": "served"}),
        ),
        (
            "the old registrar, the certificate of height 0",
            wang,
            certificate("cit-0001", Some(0)),
            StatusCode::OK,
            vec![],
            0,
            json!({"outcome": "served"}),
        ),
        (
            "the new registrar, the certificate of height 0",
            li,
            certificate("cit-0001", Some(0)),
            StatusCode::FORBIDDEN,
            vec![],
            0,
            json!({"outcome": "refused"}),
        ),
        (
            "the old registrar, the latest certificate (height 1, after the move)",
            wang,
            certificate("cit-0001", None),
            StatusCode::FORBIDDEN,
            vec![],
            0,
            json!({"outcome": "refused"}),
        ),
        (
            "the new registrar, the latest certificate",
            li,
            certificate("cit-0001", None),
            StatusCode::OK,
            vec![],
            0,
            json!({"outcome": "served"}),
        ),
    ];
    for (i, (what, (who, position), target, want, heights, withheld, outcome)) in
        rows.into_iter().enumerate()
    {
        let body = read(n.app.node_key(), who, position, target.clone(), i as u64);
        let (status, answer) = post_read(&n.router, &body).await;
        assert_eq!(status, want, "{what}: {answer}");
        if let ReadTarget::History { .. } = target
            && status == StatusCode::OK
        {
            let shown: Vec<u64> = answer["history"]["versions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["height"].as_u64().unwrap())
                .collect();
            assert_eq!(shown, heights, "{what}: {answer}");
            assert_eq!(
                answer["history"]["withheld"].as_u64().unwrap_or(0),
                withheld,
                "{what}: {answer}"
            );
            // A withheld version shows nothing of itself: not its region, not its height.
            let text = answer.to_string();
            if heights == [0] {
                assert!(!text.contains("110102"), "{what}: {answer}");
            }
            if heights == [1] {
                assert!(!text.contains("110101"), "{what}: {answer}");
            }
        }
        if let ReadTarget::Record { .. } = target
            && status == StatusCode::OK
        {
            assert_eq!(answer["record"]["height"], heights[0], "{what}: {answer}");
        }
        if let ReadTarget::Certificate { .. } = target
            && status == StatusCode::OK
        {
            let cert: govchain_store::RecordCertificate =
                serde_json::from_value(answer["certificate"].clone()).unwrap();
            cert.verify(CHAIN, Scheme::Ed25519, &n.app.genesis().validators)
                .unwrap();
        }
        // Every decision is logged, with what came of it.
        let entry = log(&n.app).pop().unwrap();
        assert_eq!(entry.reader.as_str(), who, "{what}");
        assert_eq!(entry.target, target, "{what}");
        let logged = serde_json::to_value(&entry).unwrap();
        for (k, v) in outcome.as_object().unwrap() {
            assert_eq!(&logged[k], v, "{what}: {logged}");
        }
        assert_eq!(entry.allowed, want == StatusCode::OK, "{what}");
    }
}

/// A read that finds nothing — no such record, no version at that height, no such registry —
/// is logged like any other read: asking tells what the reader looked for. What is not there is
/// decided as an empty record with no region: a reader the laws let read such a record anywhere
/// (a citizen asking for its own) learns that it is absent (404); any other is
/// refused as for a record it may not read (403), so a refusal does not tell whether the
/// record exists.
#[tokio::test]
async fn a_read_that_finds_nothing_is_logged() {
    let n = node("validator");
    let node_key = n.app.node_key().clone();
    // (what, reader, target, status)
    let rows: Vec<(&str, Reader, ReadTarget, StatusCode)> = vec![
        (
            "a person that does not exist, asked by a district registrar",
            ("off-wang", Some("pos-off-wang")),
            record("cit-9999", None),
            StatusCode::FORBIDDEN,
        ),
        (
            "a person of another district, asked by the same registrar: the same answer",
            ("off-wang", Some("pos-off-wang")),
            record("cit-0003", None),
            StatusCode::FORBIDDEN,
        ),
        (
            "a person that does not exist, asked by the ministry as a department (no law lets it read persons)",
            ("civil-affairs", None),
            record("cit-9999", None),
            StatusCode::FORBIDDEN,
        ),
        (
            "the citizen's own record above the latest height",
            ("cit-0001", None),
            record("cit-0001", Some(50)),
            StatusCode::NOT_FOUND,
        ),
        (
            "a history of nobody, asked by a citizen",
            ("cit-0001", None),
            history("cit-9999"),
            StatusCode::FORBIDDEN,
        ),
        (
            "a history of nobody, asked by the province's head (jurisdiction 110000, not the whole country)",
            ("off-zhao", Some("pos-off-zhao")),
            history("cit-9999"),
            StatusCode::FORBIDDEN,
        ),
        (
            "a registry no law defines",
            ("cit-0001", None),
            ReadTarget::Record {
                registry: "dragons".into(),
                key: "d-1".into(),
                height: None,
            },
            StatusCode::NOT_FOUND,
        ),
        (
            "the citizen's own certificate before any height is certified",
            ("cit-0001", None),
            certificate("cit-0001", None),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (i, (what, (who, position), target, want)) in rows.into_iter().enumerate() {
        let body = read(&node_key, who, position, target.clone(), i as u64);
        let before = log(&n.app).len();
        let (status, answer) = post_read(&n.router, &body).await;
        assert_eq!(status, want, "{what}: {answer}");
        let (code, outcome) = if want == StatusCode::NOT_FOUND {
            ("not_found", ReadOutcome::NotFound)
        } else {
            ("unauthorized", ReadOutcome::Refused)
        };
        assert_eq!(answer["code"], code, "{what}: {answer}");
        let entries = log(&n.app);
        assert_eq!(entries.len(), before + 1, "{what}: logged");
        let entry = entries.last().unwrap();
        assert_eq!(entry.reader.as_str(), who, "{what}");
        assert_eq!(entry.target, target, "{what}");
        assert_eq!(entry.outcome, outcome, "{what}");
        assert!(!entry.allowed, "{what}");
        assert_eq!(entry.purpose, "case 2026-17", "{what}");
        // Logged once, like any read: the same bytes again are a replay.
        let (status, answer) = post_read(&n.router, &body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{what}: {answer}");
        assert_eq!(
            log(&n.app).len(),
            before + 1,
            "{what}: a replay is not logged"
        );
    }
}

/// A reader past its allowance (here a burst of 3, then 1 a second) is answered 429
/// `rate_limited` with a `Retry-After`, before the laws are asked: the store sees no write for
/// a refused read (neither the read log nor the table of served reads grows). Other readers
/// keep their own allowance, and nobody can spend a reader's allowance without its key.
#[tokio::test]
async fn a_reader_past_its_rate_is_refused_before_anything_is_written() {
    let n = node_with(
        "validator",
        ReadLimits {
            burst: 3,
            per_second: 1,
            readers: 100,
            ..ReadLimits::default()
        },
    );
    let node_key = n.app.node_key().clone();
    let send = |body: Value| {
        let router = n.router.clone();
        async move {
            let resp = router
                .oneshot(
                    Request::post("/v1/read")
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from(body.to_string()))
                        .unwrap(),
                )
                .await
                .unwrap();
            let status = resp.status();
            let retry = resp
                .headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
            let bytes = resp.into_body().collect().await.unwrap().to_bytes();
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            (status, retry, body)
        }
    };
    let writes = |app: &App| (log(app).len(), app.store().live_reads().unwrap());

    // Forged requests naming cit-0004 as the reader fail their signature first: they spend
    // nothing of cit-0004's allowance.
    for nonce in 0..10 {
        let mut forged = read(&node_key, "cit-0004", None, record("cit-0004", None), nonce);
        let mut bytes = hex::decode(forged["read"].as_str().unwrap()).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        forged["read"] = hex::encode(bytes).into();
        let (status, _, body) = send(forged).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }

    // cit-0001 reads its own record as fast as it can: the burst, then refusals.
    let started = std::time::Instant::now();
    let mut served = 0;
    let mut limited = 0;
    for nonce in 0..20 {
        let before = writes(&n.app);
        let body = read(&node_key, "cit-0001", None, record("cit-0001", None), nonce);
        let (status, retry, answer) = send(body).await;
        match status {
            StatusCode::OK => {
                served += 1;
                assert_eq!(writes(&n.app), (before.0 + 1, before.1 + 1));
            }
            StatusCode::TOO_MANY_REQUESTS => {
                limited += 1;
                assert_eq!(answer["code"], "rate_limited", "{answer}");
                assert!(retry.is_some_and(|s| s >= 1), "Retry-After: {retry:?}");
                assert_eq!(writes(&n.app), before, "a refused read writes nothing");
            }
            other => panic!("{other}: {answer}"),
        }
    }
    // The burst, and at most one more read for each second that passed.
    let secs = started.elapsed().as_secs();
    assert!(served >= 3, "{served} served");
    assert!(served <= 3 + secs + 1, "{served} served in {secs} s");
    assert!(
        limited >= 20 - (3 + secs + 1),
        "{limited} refused in {secs} s"
    );

    // A read the laws would refuse spends the allowance too: the limit comes first.
    let first = std::time::Instant::now();
    for nonce in 0..3 {
        let body = read(&node_key, "cit-0002", None, record("cit-0001", None), nonce);
        let (status, _, answer) = send(body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    }
    let before = writes(&n.app);
    let body = read(&node_key, "cit-0002", None, record("cit-0001", None), 3);
    let (status, _, answer) = send(body).await;
    // Unless a second passed since cit-0002's first read (a slow machine), its burst is spent.
    if first.elapsed() < std::time::Duration::from_millis(900) {
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answer}");
        assert_eq!(writes(&n.app), before);
    }

    // Other readers keep their own allowance, cit-0004's untouched by the forgeries.
    for who in ["cit-0003", "cit-0004"] {
        for nonce in 0..3 {
            let body = read(&node_key, who, None, record(who, None), 100 + nonce);
            let (status, _, answer) = send(body).await;
            assert_eq!(status, StatusCode::OK, "{who}: {answer}");
        }
    }
}

#[test]
fn the_read_limits_are_set_in_the_api_section_of_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.toml");
    let base = "data_dir = \"data\"\ngenesis_file = \"genesis.json\"\nvalidator_key_file = \"v.json\"\n[consensus]\nlisten = \"/ip4/127.0.0.1/tcp/1\"\n";
    std::fs::write(&path, base).unwrap();
    let config = govchain_node::NodeConfig::load(&path).unwrap();
    assert_eq!(config.api.reads, ReadLimits::default());
    std::fs::write(
        &path,
        format!("{base}[api]\nlisten = \"127.0.0.1:0\"\n[api.reads]\nburst = 5\nper_second = 2\n"),
    )
    .unwrap();
    let config = govchain_node::NodeConfig::load(&path).unwrap();
    assert_eq!(
        config.api.reads,
        ReadLimits {
            burst: 5,
            per_second: 2,
            ..ReadLimits::default()
        }
    );
    std::fs::write(
        &path,
        format!("{base}[api]\nlisten = \"127.0.0.1:0\"\n[api.reads]\nbrust = 5\n"),
    )
    .unwrap();
    assert!(
        govchain_node::NodeConfig::load(&path).is_err(),
        "a misspelt limit is an error"
    );
    // The API's limits on every route, `[api.limits]`.
    assert_eq!(config.api.limits.limits(), govchain_api::Limits::default());
    std::fs::write(
        &path,
        format!("{base}[api]\nlisten = \"127.0.0.1:0\"\n[api.limits]\nbody_bytes = 4096\ntimeout_secs = 5\nevent_streams = 0\n"),
    )
    .unwrap();
    let limits = govchain_node::NodeConfig::load(&path)
        .unwrap()
        .api
        .limits
        .limits();
    assert_eq!(limits.body_bytes, 4096);
    assert_eq!(limits.timeout, std::time::Duration::from_secs(5));
    assert_eq!(limits.event_streams, 1, "a cap of zero is raised to one");
    assert_eq!(
        limits.concurrent_requests,
        govchain_api::Limits::default().concurrent_requests
    );
}

/// `who` (in `position`; a body's member `m` signs as `member-m`) signs a read of `bill`'s dry
/// run for the node `n`.
fn dry_run_read(n: &Node, who: &str, position: Option<&str>, bill: &Value, nonce: u64) -> String {
    let package: LawPackage = serde_json::from_value(bill.clone()).unwrap();
    let target = ReadTarget::DryRun {
        bill: govchain_law::bill_hash(Scheme::Ed25519, &package),
    };
    let body = read(n.app.node_key(), who, position, target, nonce);
    body["read"].as_str().unwrap().to_string()
}

async fn post_verify(router: &Router, body: &Value) -> (StatusCode, Value) {
    call(
        router,
        Request::post("/v1/laws/verify")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

/// The recorded requests a bill's dry run replays are real people's acts. Anyone sees how many
/// decisions change; only the members of the body that would enact the bill, and auditors,
/// see them listed — through a signed read the constitution decides (art. 21) and the read log
/// keeps — and a private party's amount is left out even for them. Each row: who asks with
/// what, the answer, and what the read log gained.
#[tokio::test]
async fn a_dry_runs_recorded_requests_are_listed_only_for_the_bills_body_and_auditors() {
    let n = node("validator");
    // cit-0001 pays cit-0002 123.45 yuan: the audit log records the decision, amount and all.
    let pay = TxBody {
        chain_id: CHAIN.into(),
        signer: key("cit-0001").public_key(),
        nonce: 0,
        valid_until: 10,
        acting_as: None,
        payload: Payload::Transfer {
            currency: "CNY".into(),
            from: None,
            to: PrincipalId::new("cit-0002").unwrap(),
            amount: Amount(12_345),
            memo: "rent".into(),
            reference: String::new(),
        },
    };
    let results = n.app.submit(vec![
        sign_tx(Scheme::Ed25519, &key("cit-0001"), pay).encode(),
    ]);
    assert!(results[0].is_ok(), "{results:?}");
    SoloProducer::produce(&n.app, &key("validator")).unwrap();
    assert_eq!(n.app.store().receipts(1).unwrap()[0].status, TxStatus::Ok);
    assert!(
        n.app
            .audit_recent(10)
            .unwrap()
            .iter()
            .any(|a| a.request.action == "transfer" && a.request.amount == 12_345)
    );

    // The legislature's bill forbids every transfer: the recorded one would be refused.
    let bill = json!({
        "id": "no-transfers", "version": 1, "title": "No transfers",
        "level": "constitution", "body": "legislature", "effective_from": 50,
        "articles": [{ "id": "1", "title": "no transfers", "type": "permission",
            "policy": "forbid (principal, action == Action::\"transfer\", resource is Account);" }]
    });
    let other_bill = {
        let mut b = bill.clone();
        b["title"] = "No transfers at all".into();
        b
    };
    let leg = dry_run_read(&n, "member-leg-1", None, &bill, 1);
    let qian = dry_run_read(&n, "off-qian", Some("pos-off-qian"), &bill, 2);
    let payer = dry_run_read(&n, "cit-0001", None, &bill, 3);
    let councillor = dry_run_read(&n, "member-council-1", None, &bill, 4);
    let registrar = dry_run_read(&n, "off-wang", Some("pos-off-wang"), &bill, 5);
    let for_other_bill = dry_run_read(&n, "member-leg-2", None, &other_bill, 6);
    let elsewhere = {
        let package: LawPackage = serde_json::from_value(bill.clone()).unwrap();
        let target = ReadTarget::DryRun {
            bill: govchain_law::bill_hash(Scheme::Ed25519, &package),
        };
        read(
            &key("validator-b").public_key(),
            "member-leg-3",
            None,
            target,
            7,
        )["read"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let sample = serde_json::to_value(&n.app.audit_recent(1).unwrap()[0].request).unwrap();
    // The same bill in the name of the civil affairs board, which may enact no national law:
    // its one member reads its dry run, and sees nothing listed.
    let board_bill = {
        let mut b = bill.clone();
        b["body"] = "civil-affairs-board".into();
        b["level"] = "national".into();
        b
    };
    let board_member = dry_run_read(&n, "member-off-zhao", None, &board_bill, 10);
    let legislature_key = dry_run_read(&n, "legislature", None, &bill, 11);

    // (what, body, status, code, changes listed, read-log entries gained: (allowed, outcome))
    type Row<'a> = (
        &'a str,
        Value,
        StatusCode,
        &'a str,
        Option<usize>,
        Vec<bool>,
    );
    let rows: Vec<Row> = vec![
        (
            "anyone, unsigned: counted, not listed",
            json!({ "bill": bill }),
            StatusCode::OK,
            "",
            Some(0),
            vec![],
        ),
        (
            "a member of the legislature, the bill's body",
            json!({ "bill": bill, "read": leg }),
            StatusCode::OK,
            "",
            Some(1),
            vec![true],
        ),
        (
            "the same signed read again",
            json!({ "bill": bill, "read": leg }),
            StatusCode::CONFLICT,
            "replayed",
            None,
            vec![],
        ),
        (
            "the state auditor, in the auditor's position",
            json!({ "bill": bill, "read": qian }),
            StatusCode::OK,
            "",
            Some(1),
            vec![true],
        ),
        (
            "the payer whose act it is: not a member, not an auditor",
            json!({ "bill": bill, "read": payer }),
            StatusCode::FORBIDDEN,
            "unauthorized",
            None,
            vec![false],
        ),
        (
            "a member of another body (the regional council)",
            json!({ "bill": bill, "read": councillor }),
            StatusCode::FORBIDDEN,
            "unauthorized",
            None,
            vec![false],
        ),
        (
            "an official without the audit power",
            json!({ "bill": bill, "read": registrar }),
            StatusCode::FORBIDDEN,
            "unauthorized",
            None,
            vec![false],
        ),
        (
            "a member's read of another bill, sent with this one",
            json!({ "bill": bill, "read": for_other_bill }),
            StatusCode::BAD_REQUEST,
            "bad_request",
            None,
            vec![],
        ),
        (
            "a member's read signed for another node",
            json!({ "bill": bill, "read": elsewhere }),
            StatusCode::BAD_REQUEST,
            "wrong_node",
            None,
            vec![],
        ),
        (
            "a read together with samples",
            json!({ "bill": bill, "read": dry_run_read(&n, "member-leg-4", None, &bill, 8), "samples": [sample] }),
            StatusCode::BAD_REQUEST,
            "bad_request",
            None,
            vec![],
        ),
        (
            "the one member of a board, through a bill its board may not enact",
            json!({ "bill": board_bill, "read": board_member }),
            StatusCode::OK,
            "",
            Some(0),
            vec![true],
        ),
        (
            "the legislature's own key, without its members",
            json!({ "bill": bill, "read": legislature_key }),
            StatusCode::FORBIDDEN,
            "members_required",
            None,
            vec![],
        ),
        (
            "garbage as the read",
            json!({ "bill": bill, "read": "00ff" }),
            StatusCode::BAD_REQUEST,
            "malformed",
            None,
            vec![],
        ),
    ];
    for (what, body, status, code, listed, gained) in rows {
        let before = log(&n.app).len();
        let (got, answer) = post_verify(&n.router, &body).await;
        assert_eq!(got, status, "{what}: {answer}");
        if !code.is_empty() {
            assert_eq!(answer["code"], code, "{what}: {answer}");
        }
        if let Some(listed) = listed {
            let dry = &answer["dry_run"];
            assert_eq!(dry["newly_denied"], 1, "{what}: {answer}");
            let changes = dry["changes"].as_array().unwrap();
            assert_eq!(changes.len(), listed, "{what}: {answer}");
            if listed > 0 {
                // Listed, cited, and the payer's amount left out.
                assert_eq!(dry["withheld"], false, "{what}: {answer}");
                assert_eq!(dry["decided_by"]["law"], "constitution", "{what}: {answer}");
                assert_eq!(dry["decided_by"]["article"], "21", "{what}: {answer}");
                assert_eq!(changes[0]["request"]["action"], "transfer", "{what}");
                assert_eq!(changes[0]["request"]["amount"], 0, "{what}: {answer}");
                assert_eq!(dry["amounts_withheld"], 1, "{what}: {answer}");
                assert!(!answer.to_string().contains("12345"), "{what}: {answer}");
            } else {
                assert_eq!(dry["withheld"], true, "{what}: {answer}");
            }
        }
        let entries = log(&n.app);
        let new: Vec<bool> = entries[before..].iter().map(|e| e.allowed).collect();
        assert_eq!(
            new,
            gained,
            "{what}: the read log gained {:?}",
            &entries[before..]
        );
        for e in &entries[before..] {
            assert!(
                matches!(e.target, ReadTarget::DryRun { .. }),
                "{what}: {e:?}"
            );
            let outcome = if e.allowed {
                ReadOutcome::Served
            } else {
                ReadOutcome::Refused
            };
            assert_eq!(e.outcome, outcome, "{what}");
            // Allowed by article 21; refused as no article allows it (nothing cited).
            assert_eq!(e.decided_by.is_some(), e.allowed, "{what}: {e:?}");
        }
    }

    // A dry-run read sent as an ordinary read is refused and logs nothing.
    let before = log(&n.app).len();
    let (status, answer) = post_read(
        &n.router,
        &json!({ "read": dry_run_read(&n, "member-leg-5", None, &bill, 9) }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(log(&n.app).len(), before);
}

/// An account read names its height: the node answers, and decides, the account as of that
/// height (`execution::finance::decide_account_read_as_of`; the region that decides is shown by
/// `demo/tests/finance.rs::an_account_is_read_as_it_stood`), and a height above the latest is
/// not found, and logged so.
#[tokio::test]
async fn an_account_read_names_its_height() {
    let n = node("validator");
    SoloProducer::produce(&n.app, &key("validator")).unwrap();
    SoloProducer::produce(&n.app, &key("validator")).unwrap();
    let account = |height: Option<u64>| ReadTarget::Account {
        currency: "CNY".into(),
        holder: PrincipalId::new("cit-0001").unwrap(),
        height,
        proof: false,
    };
    let node_key = n.app.node_key().clone();
    let judge = |target, nonce| read(&node_key, "judge-wu", Some("pos-judge-wu"), target, nonce);
    // (what, target, status)
    let rows = [
        ("at height 1", account(Some(1)), StatusCode::OK),
        ("the latest", account(None), StatusCode::OK),
        ("above the latest", account(Some(9)), StatusCode::NOT_FOUND),
    ];
    for (i, (what, target, want)) in rows.into_iter().enumerate() {
        let before = log(&n.app).len();
        let (status, answer) = post_read(&n.router, &judge(target, 100 + i as u64)).await;
        assert_eq!(status, want, "{what}: {answer}");
        let entries = log(&n.app);
        assert_eq!(entries.len(), before + 1, "{what}: logged once");
        if want == StatusCode::OK {
            assert_eq!(
                answer["decided_by"]["law"], "currency-law",
                "{what}: {answer}"
            );
            assert_eq!(answer["account"]["holder"], "cit-0001", "{what}: {answer}");
        } else {
            assert_eq!(entries[before].outcome, ReadOutcome::NotFound, "{what}");
        }
    }
}

/// [`read`], acting as `acting`.
fn read_acting(
    n: &Node,
    who: &str,
    acting: Option<Acting>,
    target: ReadTarget,
    nonce: u64,
) -> Value {
    let request = ReadRequest {
        chain_id: CHAIN.into(),
        node: n.app.node_key().clone(),
        reader: key(who).public_key(),
        acting_as: acting,
        target,
        valid_until: n.app.head().height + 5,
        nonce,
        purpose: "my applications".into(),
    };
    let signature = key(who).sign(&request.signing_bytes());
    json!({ "read": hex::encode(encode(&SignedRead { request, signature })) })
}

/// A row of application reads: what, reader, acting, target, status, article, listed, withheld.
type AppRead<'a> = (
    &'a str,
    &'a str,
    Option<Acting>,
    ReadTarget,
    StatusCode,
    &'a str,
    usize,
    u32,
);

/// An application is read by whom the laws let: its applicant (an organisation through its
/// representative), the licensing officer of its case's region; nobody else. A list keeps
/// what the reader may read and says how many it withheld.
#[tokio::test]
async fn an_application_is_read_by_its_applicant_and_the_officer_of_its_case() {
    let n = node("validator");
    let org = |o: &str| Some(Acting::Organisation(PrincipalId::new(o).unwrap()));
    let apply = |rep: &str, o: &str, activity: &str| {
        let body = TxBody {
            chain_id: CHAIN.into(),
            signer: key(rep).public_key(),
            nonce: if activity == "fireworks" { 1 } else { 0 },
            valid_until: 10,
            acting_as: org(o),
            payload: Payload::Apply {
                service: PrincipalId::new("grant-licence").unwrap(),
                input: [
                    ("organisation".to_string(), FieldValue::Text(o.into())),
                    ("activity".to_string(), FieldValue::Text(activity.into())),
                    (
                        "valid_from".to_string(),
                        FieldValue::Text("2026-12-01".into()),
                    ),
                ]
                .into(),
            },
        };
        sign_tx(Scheme::Ed25519, &key(rep), body)
    };
    let txs = [
        apply("cit-0011", "org-0001", "retail"),
        apply("cit-0011", "org-0001", "fireworks"),
        apply("cit-0017", "org-0007", "retail"),
    ];
    let ids: Vec<Hash> = txs
        .iter()
        .map(|t| govchain_crypto::tx_id(Scheme::Ed25519, &t.body))
        .collect();
    let results = n.app.submit(txs.iter().map(Tx::encode).collect());
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    SoloProducer::produce(&n.app, &key("validator")).unwrap();
    SoloProducer::produce(&n.app, &key("validator")).unwrap();
    let (retail, fireworks) = (ids[0], ids[1]);
    let one = |id: Hash| ReadTarget::Application { id };
    let of = |a: &str| ReadTarget::Applications {
        applicant: PrincipalId::new(a).unwrap(),
    };
    let queue = |d: &str| ReadTarget::Cases {
        department: PrincipalId::new(d).unwrap(),
        after: None,
        limit: None,
    };
    let chen = Some(Acting::Position("pos-off-chen".into()));
    // (what, reader, acting, target, status, article, listed, withheld)
    let rows: Vec<AppRead<'_>> = vec![
        (
            "the applicant, one",
            "cit-0011",
            org("org-0001"),
            one(retail),
            StatusCode::OK,
            "15",
            1,
            0,
        ),
        (
            "the applicant, all",
            "cit-0011",
            org("org-0001"),
            of("org-0001"),
            StatusCode::OK,
            "15",
            2,
            0,
        ),
        (
            "another organisation",
            "cit-0017",
            org("org-0007"),
            one(retail),
            StatusCode::FORBIDDEN,
            "",
            0,
            0,
        ),
        (
            "the representative in their own name",
            "cit-0011",
            None,
            one(retail),
            StatusCode::FORBIDDEN,
            "",
            0,
            0,
        ),
        (
            "a citizen, the list",
            "cit-0001",
            None,
            of("org-0001"),
            StatusCode::FORBIDDEN,
            "",
            0,
            0,
        ),
        (
            "the officer, the case",
            "off-chen",
            chen.clone(),
            one(fireworks),
            StatusCode::OK,
            "16",
            1,
            0,
        ),
        (
            "the officer, a decided application",
            "off-chen",
            chen.clone(),
            one(retail),
            StatusCode::FORBIDDEN,
            "",
            0,
            0,
        ),
        (
            "the officer, the list",
            "off-chen",
            chen.clone(),
            of("org-0001"),
            StatusCode::OK,
            "16",
            1,
            1,
        ),
        (
            "a registrar, the case",
            "off-wang",
            Some(Acting::Position("pos-off-wang".into())),
            one(fireworks),
            StatusCode::FORBIDDEN,
            "",
            0,
            0,
        ),
        (
            "no such application",
            "cit-0011",
            org("org-0001"),
            one(Hash([3; 32])),
            StatusCode::NOT_FOUND,
            "",
            0,
            0,
        ),
        (
            "none made, asked by the applicant",
            "cit-0002",
            None,
            of("cit-0002"),
            StatusCode::NOT_FOUND,
            "",
            0,
            0,
        ),
        (
            "none made, asked by another",
            "cit-0001",
            None,
            of("cit-0002"),
            StatusCode::FORBIDDEN,
            "",
            0,
            0,
        ),
        (
            "the officer, the queue of the department",
            "off-chen",
            chen.clone(),
            queue("market-regulation"),
            StatusCode::OK,
            "16",
            1,
            0,
        ),
        (
            "a registrar, market regulation's queue",
            "off-wang",
            Some(Acting::Position("pos-off-wang".into())),
            queue("market-regulation"),
            StatusCode::FORBIDDEN,
            "",
            0,
            0,
        ),
        (
            "a citizen, a queue",
            "cit-0001",
            None,
            queue("market-regulation"),
            StatusCode::FORBIDDEN,
            "",
            0,
            0,
        ),
        (
            "the registrar, the empty queue of the district office",
            "off-wang",
            Some(Acting::Position("pos-off-wang".into())),
            queue("civil-affairs-110101"),
            StatusCode::NOT_FOUND,
            "",
            0,
            0,
        ),
        (
            "a citizen, an empty queue",
            "cit-0001",
            None,
            queue("civil-affairs-110101"),
            StatusCode::FORBIDDEN,
            "",
            0,
            0,
        ),
    ];
    for (i, (what, who, acting, target, want, article, listed, withheld)) in
        rows.into_iter().enumerate()
    {
        let before = log(&n.app).len();
        let (status, answer) = post_read(
            &n.router,
            &read_acting(&n, who, acting, target, 500 + i as u64),
        )
        .await;
        assert_eq!(status, want, "{what}: {answer}");
        assert_eq!(log(&n.app).len(), before + 1, "{what}: logged once");
        if want != StatusCode::OK {
            continue;
        }
        assert_eq!(
            answer["decided_by"]["law"], "business-licence-law",
            "{what}"
        );
        assert_eq!(answer["decided_by"]["article"], article, "{what}: {answer}");
        match (&answer["application"], &answer["applications"]) {
            (Value::Null, Value::Null) => {
                let q = &answer["cases"];
                let listed_ids: Vec<&str> = q["applications"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["id"].as_str().unwrap())
                    .collect();
                assert_eq!(listed_ids, [fireworks.to_string()], "{what}: {answer}");
                assert_eq!(q["withheld"], withheld, "{what}: {answer}");
                assert_eq!(q["next"], Value::Null, "{what}: {answer}");
                assert_eq!(listed, 1);
            }
            (Value::Object(a), Value::Null) => {
                assert_eq!(listed, 1, "{what}");
                assert!(
                    a["timeline"].as_array().unwrap().len() >= 2,
                    "{what}: {answer}"
                );
            }
            (Value::Null, Value::Object(l)) => {
                assert_eq!(
                    l["applications"].as_array().unwrap().len(),
                    listed,
                    "{what}: {answer}"
                );
                assert_eq!(l["withheld"], withheld, "{what}: {answer}");
                if withheld > 0 {
                    assert!(matches!(
                        log(&n.app).last().unwrap().outcome,
                        ReadOutcome::Partial { .. }
                    ));
                }
            }
            _ => panic!("{what}: {answer}"),
        }
    }
}

/// The months a pension's schedule has run are read as the application is: by the pensioner,
/// page by page, each with its article; not by another citizen nor a registrar of civil
/// affairs; an application that does not exist is not found. Every read is logged.
#[tokio::test]
async fn a_schedules_periods_are_read_as_its_application_is() {
    let n = node("validator");
    let pension = sign_tx(
        Scheme::Ed25519,
        &key("cit-0001"),
        TxBody {
            chain_id: CHAIN.into(),
            signer: key("cit-0001").public_key(),
            nonce: 0,
            valid_until: 10,
            acting_as: None,
            payload: Payload::Apply {
                service: PrincipalId::new("pension").unwrap(),
                input: Fields::new(),
            },
        },
    );
    let id = govchain_crypto::tx_id(Scheme::Ed25519, &pension.body);
    let results = n.app.submit(vec![pension.encode()]);
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    SoloProducer::produce(&n.app, &key("validator")).unwrap();
    let periods = |after: Option<u64>, limit: u32| ReadTarget::Periods {
        id,
        after,
        limit: Some(limit),
    };
    let mut nonce = 0;
    let router = &n.router;
    let mut ask = |who: &str, acting: Option<Acting>, target: ReadTarget| {
        nonce += 1;
        let body = read_acting(&n, who, acting, target, nonce);
        async move { post_read(router, &body).await }
    };
    let (status, body) = ask("cit-0001", None, ReadTarget::Application { id }).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["application"]["status"], "approved", "{body}");
    // Two months: blocks up to the second period's start.
    let first = body["application"]["schedule"]["next"].as_u64().unwrap();
    let every = body["application"]["schedule"]["every"].as_u64().unwrap();
    while n.app.head().height < first + every {
        SoloProducer::produce(&n.app, &key("validator")).unwrap();
    }
    let logged = log(&n.app).len();
    let (status, body) = ask("cit-0001", None, periods(None, 1)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = &body["periods"];
    assert_eq!(page["application"], id.to_string(), "{body}");
    assert_eq!(page["periods"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(page["periods"][0]["period"], 1, "{body}");
    assert_eq!(page["periods"][0]["step"]["kind"], "period_run", "{body}");
    assert_eq!(
        page["periods"][0]["step"]["citation"]["law"], "pension-law",
        "{body}"
    );
    assert_eq!(page["next"], 1, "a second page follows: {body}");
    let (status, body) = ask("cit-0001", None, periods(Some(1), 100)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["periods"]["periods"][0]["period"], 2, "{body}");
    assert!(body["periods"]["next"].is_null(), "the last page: {body}");
    // (reader, acting, target, status)
    let registrar = Some(Acting::Position("pos-off-wang".into()));
    let rows = [
        ("cit-0003", None, periods(None, 100), StatusCode::FORBIDDEN),
        (
            "off-wang",
            registrar,
            periods(None, 100),
            StatusCode::FORBIDDEN,
        ),
        (
            "cit-0001",
            None,
            ReadTarget::Periods {
                id: Hash([7; 32]),
                after: None,
                limit: None,
            },
            StatusCode::NOT_FOUND,
        ),
    ];
    for (who, acting, target, expected) in rows {
        let (status, body) = ask(who, acting, target).await;
        assert_eq!(status, expected, "{who}: {body}");
        assert!(body.get("periods").is_none(), "{who}: {body}");
    }
    assert_eq!(log(&n.app).len(), logged + 5, "every read is logged");
}
