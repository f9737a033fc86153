//! The API through `Router::oneshot` over a real node (redb store in a temp dir), no sockets.
//! Bad input gets a clear 4xx `{code, message}` and changes nothing.

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
use govchain_node::{App, SoloProducer};
use govchain_store::StateProof;
use govchain_types::*;
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

const CHAIN: &str = "api-test";

fn key(n: &str) -> SecretKey {
    SecretKey::from_seed(Scheme::Ed25519, n.as_bytes())
}

struct Node {
    app: Arc<App>,
    router: Router,
    validator: SecretKey,
    _dir: tempfile::TempDir,
}

fn node(capacity: usize) -> Node {
    node_with(Scheme::Ed25519, &key("civil-affairs"), capacity)
}

/// A node of a chain of `scheme` whose one authority, `civil-affairs`, holds `authority`.
fn node_with(scheme: Scheme, authority: &SecretKey, capacity: usize) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let validator = key("validator");
    // The legislature, one member, registered with its key as every member must be.
    let member = SecretKey::from_seed(scheme, b"leg-1");
    let genesis = Genesis {
        chain_id: CHAIN.into(),
        scheme,
        genesis_time_ms: 1,
        params: ChainParams::default(),
        validators: vec![GenesisValidator {
            name: PrincipalId::new("civil-affairs").unwrap(),
            key: validator.public_key(),
            power: 1,
        }],
        accounts: vec![
            GenesisAccount {
                id: PrincipalId::new("civil-affairs").unwrap(),
                kind: PrincipalKind::Department,
                authority: true,
                keys: vec![authority.public_key()],
            },
            GenesisAccount {
                id: PrincipalId::new("leg-1").unwrap(),
                kind: PrincipalKind::Person,
                authority: false,
                keys: vec![member.public_key()],
            },
        ],
        bodies: vec![LawBody {
            id: PrincipalId::new("legislature").unwrap(),
            kind: BodyKind::Legislature,
            jurisdiction: vec![],
            members: vec![BodyMember {
                id: PrincipalId::new("leg-1").unwrap(),
                key: member.public_key(),
            }],
            threshold: 1,
        }],
        laws: vec![govchain_law::bootstrap::constitution()],
        records: vec![],
        positions: vec![],
        balances: vec![],
        snapshots: vec![],
        services: vec![],
    };
    let config = MempoolConfig {
        capacity,
        ..MempoolConfig::default()
    };
    let app = Arc::new(
        App::open(
            dir.path(),
            genesis,
            dir.path(),
            validator.public_key(),
            config,
        )
        .unwrap(),
    );
    let router = govchain_api::router(app.clone());
    Node {
        app,
        router,
        validator,
        _dir: dir,
    }
}

fn tx(signer: &SecretKey, nonce: u64, valid_until: u64, who: &str) -> Tx {
    sign_tx(
        Scheme::Ed25519,
        signer,
        TxBody {
            chain_id: CHAIN.into(),
            signer: signer.public_key(),
            nonce,
            valid_until,
            acting_as: None,
            payload: Payload::RegisterKey {
                principal: PrincipalId::new(who).unwrap(),
                kind: PrincipalKind::Person,
                key: key(who).public_key(),
            },
        },
    )
}

async fn call(router: &Router, req: Request<Body>) -> (StatusCode, Value) {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, body)
}

async fn get(router: &Router, path: &str) -> (StatusCode, Value) {
    call(router, Request::get(path).body(Body::empty()).unwrap()).await
}

async fn post_raw(router: &Router, bytes: Vec<u8>) -> (StatusCode, Value) {
    call(
        router,
        Request::post("/v1/tx")
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(bytes))
            .unwrap(),
    )
    .await
}

async fn post_json(router: &Router, body: &str) -> (StatusCode, Value) {
    call(
        router,
        Request::post("/v1/tx")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

fn assert_error(what: &str, (status, body): &(StatusCode, Value), want: StatusCode, code: &str) {
    assert_eq!(*status, want, "{what}: {body}");
    assert_eq!(body["code"], code, "{what}: {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {body}"
    );
}

#[tokio::test]
async fn a_transaction_goes_in_and_its_receipt_state_and_proof_come_out() {
    let n = node(100);
    let ca = key("civil-affairs");
    let t = tx(&ca, 0, 10, "cit-0001");
    let (status, body) = post_json(
        &n.router,
        &format!(r#"{{"tx":"{}"}}"#, hex::encode(t.encode())),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    assert_error(
        "pending",
        &get(&n.router, &format!("/v1/tx/{id}")).await,
        StatusCode::NOT_FOUND,
        "pending",
    );

    SoloProducer::produce(&n.app, &n.validator).unwrap();
    let (status, body) = get(&n.router, &format!("/v1/tx/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["receipt"]["status"], "ok");
    assert_eq!(body["receipt"]["height"], 1);

    let (status, block) = get(&n.router, "/v1/blocks/1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(block["block"]["txs"].as_array().unwrap().len(), 1);
    assert_eq!(
        block["certificate"]["signatures"].as_array().unwrap().len(),
        1
    );
    assert_eq!(
        get(&n.router, "/v1/blocks/latest").await.1["block"]["header"]["height"],
        1
    );

    let (status, state) = get(&n.router, "/v1/state/principal/cit-0001").await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["value"]["kind"], "person");
    assert_eq!(state["version_height"], 1);
    assert_eq!(state["tx_index"], 0);
    // As of genesis it did not exist.
    assert_error(
        "as of 0",
        &get(&n.router, "/v1/state/principal/cit-0001?height=0").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // Inclusion proof at 1, exclusion proof at 0, both against the roots the node certifies.
    let root1 = n.app.store().root(1).unwrap();
    let (status, proof) = get(&n.router, "/v1/proof/principal/cit-0001?height=1").await;
    assert_eq!(status, StatusCode::OK, "{proof}");
    let proof: StateProof = serde_json::from_value(proof).unwrap();
    assert!(proof.value.is_some());
    proof.verify(&root1).unwrap();
    let (_, proof0) = get(&n.router, "/v1/proof/principal/cit-0001?height=0").await;
    let proof0: StateProof = serde_json::from_value(proof0).unwrap();
    assert!(proof0.value.is_none());
    proof0.verify(&n.app.store().root(0).unwrap()).unwrap();
    assert!(proof0.verify(&root1).is_err());

    let (status, st) = get(&n.router, "/v1/status").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(st["height"], 1);
    assert_eq!(st["state_root"], root1.to_string());

    let (status, metrics) = get(&n.router, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let text = metrics.as_str().unwrap();
    assert!(text.contains("govchain_height 1"), "{text}");
    assert!(text.contains("govchain_txs_committed_total 1"), "{text}");

    let (status, doc) = get(&n.router, "/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/v1/tx",
        "/v1/tx/{id}",
        "/v1/blocks/{height}",
        "/v1/state/{key}",
        "/v1/proof/{key}",
        "/v1/status",
        "/v1/events",
        "/metrics",
    ] {
        assert!(doc["paths"][path].is_object(), "openapi lacks {path}");
    }
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_changes_nothing() {
    let n = node(2);
    let ca = key("civil-affairs");
    // Commit one transaction so that a replay has something to replay.
    let first = tx(&ca, 0, 10, "cit-0001");
    assert_eq!(
        post_raw(&n.router, first.encode()).await.0,
        StatusCode::ACCEPTED
    );
    SoloProducer::produce(&n.app, &n.validator).unwrap();
    let head = n.app.head();

    let mut wrong_chain = tx(&ca, 1, 10, "x1");
    wrong_chain.body.chain_id = "other-chain".into();
    let wrong_chain = sign_tx(Scheme::Ed25519, &ca, wrong_chain.body);
    let mut bad_sig = tx(&ca, 1, 10, "x2");
    bad_sig.body.valid_until = 11;
    let cases: Vec<(&str, (StatusCode, Value), StatusCode, &str)> = vec![
        (
            "garbage bytes",
            post_raw(&n.router, b"\x01garbage".to_vec()).await,
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "garbage json",
            post_json(&n.router, "{not json").await,
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "json without tx",
            post_json(&n.router, "{}").await,
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "unknown field",
            post_json(&n.router, r#"{"tx":"00","extra":1}"#).await,
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "not hex",
            post_json(&n.router, r#"{"tx":"zz"}"#).await,
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "wrong media type",
            call(
                &n.router,
                Request::post("/v1/tx")
                    .header(header::CONTENT_TYPE, "text/plain")
                    .body(Body::from("x"))
                    .unwrap(),
            )
            .await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "wrong chain id",
            post_raw(&n.router, wrong_chain.encode()).await,
            StatusCode::BAD_REQUEST,
            "wrong_chain",
        ),
        (
            "bad signature",
            post_raw(&n.router, bad_sig.encode()).await,
            StatusCode::BAD_REQUEST,
            "bad_signature",
        ),
        (
            "replay",
            post_raw(&n.router, first.encode()).await,
            StatusCode::CONFLICT,
            "replay",
        ),
        (
            "expired",
            post_raw(&n.router, tx(&ca, 1, 1, "x3").encode()).await,
            StatusCode::BAD_REQUEST,
            "expired",
        ),
        (
            "oversize",
            post_raw(&n.router, vec![1u8; 100_000]).await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "oversize body",
            post_raw(&n.router, vec![1u8; 9 * 1024 * 1024]).await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "bad tx id",
            get(&n.router, "/v1/tx/xyz").await,
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "unknown tx",
            get(&n.router, &format!("/v1/tx/{}", Hash([7; 32]))).await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "bad height",
            get(&n.router, "/v1/blocks/abc").await,
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "future block",
            get(&n.router, "/v1/blocks/99").await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "bad query",
            get(&n.router, "/v1/state/chain/info?height=abc").await,
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "unknown query",
            get(&n.router, "/v1/state/chain/info?h=1").await,
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "future state",
            get(&n.router, "/v1/state/chain/info?height=99").await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "bad hex key",
            get(&n.router, "/v1/proof/0xzz").await,
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "unknown route",
            get(&n.router, "/v2/nothing").await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "wrong method",
            call(
                &n.router,
                Request::delete("/v1/status").body(Body::empty()).unwrap(),
            )
            .await,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ];
    for (what, answer, status, code) in &cases {
        assert_error(what, answer, *status, code);
    }
    assert!(
        n.app.mempool().is_empty(),
        "refused input entered the mempool"
    );

    // Mempool full: capacity 2.
    assert_eq!(
        post_raw(&n.router, tx(&ca, 1, 10, "y1").encode()).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post_raw(&n.router, tx(&ca, 2, 10, "y2").encode()).await.0,
        StatusCode::ACCEPTED
    );
    assert_error(
        "mempool full",
        &post_raw(&n.router, tx(&ca, 3, 10, "y3").encode()).await,
        StatusCode::TOO_MANY_REQUESTS,
        "mempool_full",
    );
    assert_eq!(n.app.mempool().len(), 2);

    // Nothing committed changed.
    let after = n.app.head();
    assert_eq!(
        (after.height, after.root, after.hash),
        (head.height, head.root, head.hash)
    );
}

#[tokio::test]
async fn a_batch_reports_each_transaction() {
    let n = node(100);
    let ca = key("civil-affairs");
    let body = format!(
        r#"{{"txs":["{}","00","{}"]}}"#,
        hex::encode(tx(&ca, 0, 10, "a1").encode()),
        hex::encode(tx(&ca, 1, 10, "a2").encode())
    );
    let (status, out) = post_json(&n.router, &body).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["accepted"], 2);
    assert!(out["results"][0]["id"].is_string());
    assert_eq!(out["results"][1]["error"]["code"], "malformed");
    assert!(out["results"][2]["id"].is_string());
}

#[tokio::test]
async fn events_stream_committed_blocks() {
    let n = node(100);
    let resp = n
        .router
        .clone()
        .oneshot(Request::get("/v1/events").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut body = resp.into_body();
    n.app
        .submit(vec![tx(&key("civil-affairs"), 0, 10, "e1").encode()]);
    SoloProducer::produce(&n.app, &n.validator).unwrap();
    let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
        .await
        .expect("an event within 5 s")
        .unwrap()
        .unwrap();
    let text = String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap();
    assert!(text.starts_with("event: block"), "{text}");
    let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
    let event: Value = serde_json::from_str(data).unwrap();
    assert_eq!(event["height"], 1);
    assert_eq!(event["tx_count"], 1);
    assert_eq!(event["receipts"][0]["status"], "ok");
}

#[tokio::test]
async fn a_reopened_node_continues_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let n = node(100);
    let genesis = n.app.genesis().clone();
    drop(n);
    let open = || {
        App::open(
            dir.path(),
            genesis.clone(),
            dir.path(),
            key("validator").public_key(),
            MempoolConfig::default(),
        )
    };
    let app = open().unwrap();
    app.submit(vec![tx(&key("civil-affairs"), 0, 10, "r1").encode()]);
    let info = SoloProducer::produce(&app, &key("validator")).unwrap();
    drop(app);
    let app = open().unwrap();
    let head = app.head();
    assert_eq!(
        (head.height, head.root, head.hash),
        (1, info.state_root, info.hash)
    );
    // A different genesis is refused on the same data.
    let mut other = genesis;
    other.chain_id = "another".into();
    assert!(
        App::open(
            dir.path(),
            other,
            dir.path(),
            key("validator").public_key(),
            MempoolConfig::default(),
        )
        .is_err()
    );
}

#[tokio::test]
async fn an_sm2_chain_runs_end_to_end_with_sm3_roots() {
    let authority = SecretKey::from_seed(Scheme::Sm2, b"civil-affairs");
    let n = node_with(Scheme::Sm2, &authority, 100);
    let (app, router, validator) = (&n.app, &n.router, &n.validator);
    let citizen = SecretKey::from_seed(Scheme::Sm2, b"cit-0001");
    let body = TxBody {
        chain_id: CHAIN.into(),
        signer: authority.public_key(),
        nonce: 0,
        valid_until: 10,
        acting_as: None,
        payload: Payload::RegisterKey {
            principal: PrincipalId::new("cit-0001").unwrap(),
            kind: PrincipalKind::Person,
            key: citizen.public_key(),
        },
    };
    let t = sign_tx(Scheme::Sm2, &authority, body.clone());
    let (status, answer) = post_raw(router, t.encode()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    // The id is the SM3 hash of the signing bytes.
    assert_eq!(
        answer["id"],
        govchain_crypto::tx_id(Scheme::Sm2, &body).to_string()
    );
    // An Ed25519 signer is refused on an SM2 chain.
    let ed = sign_tx(
        Scheme::Ed25519,
        &key("civil-affairs"),
        tx(&key("civil-affairs"), 0, 10, "x").body,
    );
    assert_eq!(
        post_raw(router, ed.encode()).await.0,
        StatusCode::BAD_REQUEST
    );

    SoloProducer::produce(app, validator).unwrap();
    let (_, proof) = get(router, "/v1/proof/principal/cit-0001?height=1").await;
    let proof: StateProof = serde_json::from_value(proof).unwrap();
    assert_eq!(proof.scheme, Scheme::Sm2);
    proof.verify(&app.store().root(1).unwrap()).unwrap();
}

#[tokio::test]
async fn a_record_certificate_verifies_offline_and_tampering_is_caught() {
    let n = node(100);
    let ca = key("civil-affairs");
    n.app.submit(vec![tx(&ca, 0, 10, "cit-0001").encode()]);
    SoloProducer::produce(&n.app, &n.validator).unwrap();
    // Height 1 is certified only once block 2 exists.
    assert_error(
        "not yet certified",
        &get(&n.router, "/v1/certificate/principal/cit-0001?height=1").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    SoloProducer::produce(&n.app, &n.validator).unwrap();
    let (status, body) = get(&n.router, "/v1/certificate/principal/cit-0001").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cert: govchain_store::RecordCertificate = serde_json::from_value(body).unwrap();
    assert_eq!((cert.proof.height, cert.header.height), (1, 2));
    let genesis = n.app.genesis().clone();
    cert.verify(CHAIN, genesis.scheme, &genesis.validators)
        .unwrap();

    let mut wrong_value = cert.clone();
    wrong_value.proof.value = Some(b"forged".to_vec());
    assert!(
        wrong_value
            .verify(CHAIN, genesis.scheme, &genesis.validators)
            .is_err()
    );
    let mut wrong_header = cert.clone();
    wrong_header.header.time_ms += 1;
    assert!(
        wrong_header
            .verify(CHAIN, genesis.scheme, &genesis.validators)
            .is_err()
    );
    let mut unsigned = cert.clone();
    unsigned.commit.signatures.clear();
    assert!(
        unsigned
            .verify(CHAIN, genesis.scheme, &genesis.validators)
            .is_err()
    );
    let strangers = vec![GenesisValidator {
        name: PrincipalId::new("x").unwrap(),
        key: key("stranger").public_key(),
        power: 1,
    }];
    assert!(cert.verify(CHAIN, genesis.scheme, &strangers).is_err());
    assert!(
        cert.verify("other-chain", genesis.scheme, &genesis.validators)
            .is_err()
    );
    // The hash scheme is the genesis's, never the certificate's.
    let mut other_scheme = cert.clone();
    other_scheme.proof.scheme = Scheme::Sm2;
    assert!(
        other_scheme
            .verify(CHAIN, genesis.scheme, &genesis.validators)
            .is_err()
    );
    assert!(
        cert.verify(CHAIN, Scheme::Sm2, &genesis.validators)
            .is_err()
    );
}

#[tokio::test]
async fn a_block_that_disagrees_with_this_nodes_state_is_refused_loudly() {
    let n = node(100);
    let other = node(100);
    other
        .app
        .submit(vec![tx(&key("civil-affairs"), 0, 10, "cit-0001").encode()]);
    SoloProducer::produce(&other.app, &other.validator).unwrap();
    // Block 2 of the other node is built on a state this node does not have.
    let proposal = other
        .app
        .propose(&other.validator.public_key(), 0, 10)
        .unwrap();
    assert!(
        n.app
            .check_proposal(&proposal.block, &n.validator.public_key())
            .is_err()
    );

    // A proposal for the right height whose state root differs: a divergence, named as such.
    let mut p = n.app.propose(&n.validator.public_key(), 0, 10).unwrap();
    p.block.header.state_root = Hash([1; 32]);
    let err = n
        .app
        .check_proposal(&p.block, &n.validator.public_key())
        .unwrap_err();
    assert!(err.to_string().contains("state divergence"), "{err}");
    let cert = CommitCertificate {
        height: 1,
        round: 0,
        block_hash: Hash::ZERO,
        signatures: vec![],
    };
    let err = n.app.commit(&p.block, &p.txs, &cert).unwrap_err();
    assert!(err.to_string().contains("state divergence"), "{err}");
    assert_eq!(n.app.head().height, 0, "nothing was committed");

    // A block time far ahead of this node's clock is refused.
    let mut p = n.app.propose(&n.validator.public_key(), 0, 10).unwrap();
    p.block.header.time_ms = govchain_node::now_ms() + 3_600_000;
    p.block.header.tx_root = govchain_crypto::merkle_root(Scheme::Ed25519, &[]);
    let err = n
        .app
        .check_proposal(&p.block, &n.validator.public_key())
        .unwrap_err();
    assert!(
        err.to_string().contains("ahead of this node's clock"),
        "{err}"
    );
}

#[tokio::test]
async fn laws_in_force_and_explanations_with_citations() {
    let n = node(100);
    let (status, body) = get(&n.router, "/v1/laws").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["laws"][0]["id"], "constitution");
    n.app
        .submit(vec![tx(&key("civil-affairs"), 0, 10, "cit-0001").encode()]);
    SoloProducer::produce(&n.app, &n.validator).unwrap();

    let (status, e) = get(
        &n.router,
        "/v1/explain?principal=civil-affairs&action=create-principal&target=cit-0002",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["allowed"], true);
    assert_eq!(e["decided_by"]["article"], "2");
    assert_eq!(e["message"], "allowed by law `constitution` article `2`");
    let (_, e) = get(
        &n.router,
        "/v1/explain?principal=cit-0001&action=manage-keys&target=cit-0001",
    )
    .await;
    assert_eq!(e["decided_by"]["article"], "3", "{e}");
    let (_, e) = get(
        &n.router,
        "/v1/explain?principal=cit-0001&action=change-validators",
    )
    .await;
    assert_eq!(e["allowed"], false);
    assert_eq!(e["message"], "denied: no law in force permits it");
    assert_error(
        "unknown principal",
        &get(
            &n.router,
            "/v1/explain?principal=nobody&action=manage-keys&target=cit-0001",
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_error(
        "unknown action",
        &get(&n.router, "/v1/explain?principal=cit-0001&action=fly").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_error(
        "missing action",
        &get(&n.router, "/v1/explain?principal=cit-0001").await,
        StatusCode::BAD_REQUEST,
        "malformed",
    );
}

async fn post_to(router: &Router, path: &str, body: &Value) -> (StatusCode, Value) {
    call(
        router,
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_bill_is_verified_against_the_live_laws_and_the_audit_log() {
    let n = node(100);
    // Two registrations: the audit log records both authorization requests.
    n.app.submit(vec![
        tx(&key("civil-affairs"), 0, 10, "cit-0001").encode(),
        tx(&key("civil-affairs"), 1, 10, "cit-0002").encode(),
    ]);
    SoloProducer::produce(&n.app, &n.validator).unwrap();
    let audit = n.app.audit_recent(10).unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0].request.action, "create-principal");
    assert!(audit[0].allowed);

    // A national bill that forbids departments to register persons: the constitution grants it,
    // so the forbid never takes effect; the dry run over the log changes nothing.
    let bill = serde_json::json!({
        "id": "no-department-registrations", "version": 1, "title": "No registrations by departments",
        "level": "national", "body": "legislature", "effective_from": 50,
        "articles": [{ "id": "1", "title": "departments may not register persons", "type": "permission",
            "policy": "forbid (principal is Department, action == Action::\"create-principal\", resource is Principal);" }]
    });
    let (status, r) = post_to(
        &n.router,
        "/v1/laws/verify",
        &serde_json::json!({ "bill": bill }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["valid"], true, "{r}");
    assert_eq!(r["dry_run"]["replayed"], 2, "{r}");
    assert_eq!(r["dry_run"]["changed"], 0, "{r}");
    let kinds: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"limited_by") || kinds.contains(&"granted_by_higher"),
        "{r}"
    );

    // The same bill at constitution level takes away what article 2 grants: both recorded
    // registrations would now be refused.
    let mut constitutional = bill.clone();
    constitutional["level"] = "constitution".into();
    let (_, r) = post_to(
        &n.router,
        "/v1/laws/verify",
        &serde_json::json!({ "bill": constitutional }),
    )
    .await;
    assert_eq!(r["dry_run"]["newly_denied"], 2, "{r}");
    // Recorded acts of real people: counted for anyone, listed for nobody unasked.
    assert_eq!(r["dry_run"]["changes"], serde_json::json!([]), "{r}");
    assert_eq!(r["dry_run"]["withheld"], true, "{r}");
    // The same requests passed as samples are the caller's own input: listed.
    let recorded: Vec<Value> = n
        .app
        .audit_recent(100)
        .unwrap()
        .into_iter()
        .map(|a| serde_json::to_value(a.request).unwrap())
        .collect();
    let (_, r) = post_to(
        &n.router,
        "/v1/laws/verify",
        &serde_json::json!({ "bill": constitutional, "samples": recorded }),
    )
    .await;
    assert_eq!(r["dry_run"]["newly_denied"], 2, "{r}");
    assert_eq!(r["dry_run"]["withheld"], false, "{r}");
    assert_eq!(
        r["dry_run"]["changes"][0]["after"]["decided_by"]["law"],
        "no-department-registrations"
    );

    // A bill with a typo is invalid, with the article named.
    let mut typo = bill.clone();
    typo["articles"][0]["policy"] =
        "permit (principal, action == Action::\"create-principl\", resource);".into();
    let (status, r) = post_to(
        &n.router,
        "/v1/laws/verify",
        &serde_json::json!({ "bill": typo }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(r["valid"], false, "{r}");
    assert_eq!(r["findings"][0]["kind"], "invalid");
    assert_eq!(r["findings"][0]["article"], "1");

    // What enactment would refuse is reported as well: a repeal of no law, a new version of a
    // law taking effect at a past height.
    let mut repeal = bill.clone();
    repeal["repeals"] = serde_json::json!(["no-such-law"]);
    let mut usurper = bill.clone();
    usurper["id"] = "constitution".into();
    usurper["version"] = 2.into();
    usurper["effective_from"] = 0.into();
    for (what, b, expected) in [
        ("a repeal of no law", repeal, "unknown_law: "),
        (
            "a new version effective in the past",
            usurper,
            "too_early: ",
        ),
    ] {
        let (status, r) = post_to(
            &n.router,
            "/v1/laws/verify",
            &serde_json::json!({ "bill": b }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{what}: {r}");
        assert_eq!(r["valid"], false, "{what}: {r}");
        let messages: Vec<&str> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "invalid")
            .map(|f| f["message"].as_str().unwrap())
            .collect();
        assert!(
            messages.iter().any(|m| m.starts_with(expected)),
            "{what}: {messages:?}"
        );
    }

    // Malformed requests are a clear 400.
    assert_error(
        "not a bill",
        &post_to(
            &n.router,
            "/v1/laws/verify",
            &serde_json::json!({ "bill": 3 }),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed",
    );
    assert_error(
        "unknown field",
        &post_to(
            &n.router,
            "/v1/laws/verify",
            &serde_json::json!({ "bill": bill, "extra": 1 }),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed",
    );

    // A law's history.
    let (status, h) = get(&n.router, "/v1/laws/constitution/history").await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["versions"][0]["version"], 1);
    assert_eq!(h["versions"][0]["enacted_at"], 0);
    assert!(h["versions"][0]["ended"].is_null());
    assert_eq!(h["interpretations"], serde_json::json!([]));
    assert_error(
        "no such law",
        &get(&n.router, "/v1/laws/no-such-law/history").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn a_request_given_in_full_is_explained_with_citations() {
    let n = node(100);
    SoloProducer::produce(&n.app, &n.validator).unwrap();
    let official = |status: &str| {
        serde_json::json!({
            "uid": { "kind": "Official", "id": "off-chen" },
            "attrs": {
                "department": "market-regulation", "powers": ["grant-licence"], "jurisdiction": ["110000"],
                "term_from": 0, "term_to": 1000, "status": status
            },
            "ancestors": [{ "kind": "Principal", "id": "off-chen" }]
        })
    };
    let record = serde_json::json!({
        "uid": { "kind": "Record", "id": "licences/l-1" },
        "attrs": {
            "registry": "licences", "department": "market-regulation", "sensitivity": "public",
            "regions": ["110101", "110100", "110000", "CN"],
            "subject": { "entity": { "kind": "Principal", "id": "org-0001" } }
        }
    });
    let ask = |principal: Value, height: u64| {
        serde_json::json!({
            "principal": principal, "action": "insert", "resource": record.clone(),
            "height": height, "region": "110101"
        })
    };
    let (status, e) = post_to(&n.router, "/v1/explain", &ask(official("ended"), 1)).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["allowed"], false);
    assert_eq!(e["message"], "denied by law `constitution` article `10`");
    // Active, but no law in force grants licences on this chain.
    let (_, e) = post_to(&n.router, "/v1/explain", &ask(official("active"), 1)).await;
    assert_eq!(e["message"], "denied: no law in force permits it", "{e}");
    assert_error(
        "beyond the next block",
        &post_to(&n.router, "/v1/explain", &ask(official("active"), 99)).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let mut wrong = ask(official("active"), 1);
    wrong["principal"]["attrs"]["term_to"] = "never".into();
    assert_error(
        "an attribute of the wrong type",
        &post_to(&n.router, "/v1/explain", &wrong).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_error(
        "not a request",
        &post_to(
            &n.router,
            "/v1/explain",
            &serde_json::json!({ "principal": 1 }),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed",
    );
}

/// A request with a body of `bytes` JSON.
fn json_request(path: &str, bytes: Vec<u8>) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(bytes))
        .unwrap()
}

/// A sample or explanation request whose resource heads a chain of `depth` departments, each
/// `in` the next.
fn department_chain(depth: usize) -> Value {
    let dept = |i: usize| serde_json::json!({ "kind": "Department", "id": format!("d{i}") });
    let others: Vec<Value> = (1..depth)
        .map(|i| serde_json::json!({ "uid": dept(i), "ancestors": [dept(i + 1)] }))
        .collect();
    serde_json::json!({
        "principal": { "uid": { "kind": "Principal", "id": "civil-affairs" } },
        "action": "insert",
        "resource": { "uid": dept(0), "ancestors": [dept(1)] },
        "height": 1,
        "others": others
    })
}

fn small_bill(articles: usize) -> Value {
    let articles: Vec<Value> = (0..articles)
        .map(|i| {
            serde_json::json!({ "id": i.to_string(), "title": "t", "type": "permission",
                "policy": "forbid (principal is Department, action == Action::\"create-principal\", resource is Principal);" })
        })
        .collect();
    serde_json::json!({
        "id": "big-law", "version": 1, "title": "A law of many articles",
        "level": "national", "body": "legislature", "effective_from": 50, "articles": articles
    })
}

/// What is sent, to which router, and the status, code and part of the message expected.
type BoundCase<'a> = (
    &'a str,
    &'a Router,
    Request<Body>,
    StatusCode,
    &'a str,
    &'a str,
);

#[tokio::test]
async fn what_a_client_may_make_the_node_do_is_bounded() {
    let n = node(100);
    SoloProducer::produce(&n.app, &n.validator).unwrap();
    let sample = serde_json::json!({
        "principal": { "uid": { "kind": "Principal", "id": "civil-affairs" } },
        "action": "create-principal",
        "resource": { "uid": { "kind": "Principal", "id": "cit-0001" } },
        "height": 1
    });
    let big = |bytes: usize| {
        let mut b = b"{\"pad\":\"".to_vec();
        b.resize(bytes, b'a');
        b
    };
    // A router that reads bodies of up to 4 MiB, to show the caps past the body limit.
    let roomy = govchain_api::router_with(
        n.app.clone(),
        govchain_api::Limits {
            body_bytes: 4 << 20,
            ..govchain_api::Limits::default()
        },
    );
    let cases: Vec<BoundCase<'_>> = vec![
        (
            "an 8 MiB body to verify",
            &n.router,
            json_request("/v1/laws/verify", big(8 << 20)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "length limit exceeded",
        ),
        (
            "a 2 MiB body to verify",
            &n.router,
            json_request("/v1/laws/verify", big(2 << 20)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "length limit exceeded",
        ),
        (
            "a 2 MiB body to explain",
            &n.router,
            json_request("/v1/explain", big(2 << 20)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "length limit exceeded",
        ),
        (
            "a 2 MiB body to a signed read",
            &n.router,
            json_request("/v1/read", big(2 << 20)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "length limit exceeded",
        ),
        (
            "a 2 MiB batch of transactions is read (and refused as malformed, not too large)",
            &n.router,
            json_request("/v1/tx", big(2 << 20)),
            StatusCode::BAD_REQUEST,
            "malformed",
            "not a submit request",
        ),
        (
            "a bill of 3,000 small articles",
            &n.router,
            json_request(
                "/v1/laws/verify",
                serde_json::json!({ "bill": small_bill(3_000) })
                    .to_string()
                    .into_bytes(),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "law `big-law` has 3000 articles, more than 256",
        ),
        (
            "2,000 samples",
            &n.router,
            json_request(
                "/v1/laws/verify",
                serde_json::json!({ "bill": small_bill(1), "samples": vec![sample.clone(); 2_000] })
                    .to_string()
                    .into_bytes(),
            ),
            StatusCode::BAD_REQUEST,
            "too_many",
            "at most 1000 sample requests, not 2000",
        ),
        (
            "a sample with a chain of 40 departments",
            &n.router,
            json_request(
                "/v1/laws/verify",
                serde_json::json!({ "bill": small_bill(1), "samples": [department_chain(40)] })
                    .to_string()
                    .into_bytes(),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "sample 0: authorization request: the ancestry of `Department::d",
        ),
        (
            "an explanation with a chain of 40 departments",
            &n.router,
            json_request("/v1/explain", department_chain(40).to_string().into_bytes()),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "deeper than 32",
        ),
        (
            "an explanation with a chain of 10,000 departments",
            &roomy,
            json_request(
                "/v1/explain",
                department_chain(10_000).to_string().into_bytes(),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "9999 other entities, more than 64",
        ),
    ];
    for (what, router, req, status, code, message) in cases {
        let started = std::time::Instant::now();
        let got = call(router, req).await;
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{what}: took {:?}",
            started.elapsed()
        );
        assert_error(what, &got, status, code);
        assert!(
            got.1["message"].as_str().unwrap().contains(message),
            "{what}: {}",
            got.1
        );
    }
}

#[tokio::test]
async fn past_its_caps_the_node_answers_busy_at_once() {
    let n = node(100);
    SoloProducer::produce(&n.app, &n.validator).unwrap();
    let with = |limits: govchain_api::Limits| govchain_api::router_with(n.app.clone(), limits);
    let default = govchain_api::Limits::default;
    let verify = || {
        json_request(
            "/v1/laws/verify",
            serde_json::json!({ "bill": small_bill(1) })
                .to_string()
                .into_bytes(),
        )
    };
    let explain = || {
        Request::get("/v1/explain?principal=civil-affairs&action=create-principal&target=cit-9")
            .body(Body::empty())
            .unwrap()
    };
    let no_workers = with(govchain_api::Limits {
        expensive_workers: 0,
        ..default()
    });
    let no_room = with(govchain_api::Limits {
        concurrent_requests: 0,
        ..default()
    });
    let no_time = with(govchain_api::Limits {
        timeout: std::time::Duration::ZERO,
        ..default()
    });
    let cases: Vec<(&str, &Router, Request<Body>, StatusCode, &str)> = vec![
        (
            "verify, a worker free",
            &n.router,
            verify(),
            StatusCode::OK,
            "",
        ),
        (
            "explain, a worker free",
            &n.router,
            explain(),
            StatusCode::OK,
            "",
        ),
        (
            "verify, every worker busy",
            &no_workers,
            verify(),
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
        ),
        (
            "explain, every worker busy",
            &no_workers,
            explain(),
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
        ),
        (
            "status, every worker busy",
            &no_workers,
            Request::get("/v1/status").body(Body::empty()).unwrap(),
            StatusCode::OK,
            "",
        ),
        (
            "status, as many requests as may be",
            &no_room,
            Request::get("/v1/status").body(Body::empty()).unwrap(),
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
        ),
        (
            "verify, out of time",
            &no_time,
            verify(),
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
        ),
    ];
    for (what, router, req, status, code) in cases {
        let got = call(router, req).await;
        if code.is_empty() {
            assert_eq!(got.0, status, "{what}: {}", got.1);
        } else {
            assert_error(what, &got, status, code);
        }
    }
}

/// One client (an IP address) that has had its share of the expensive worker is answered 429
/// `rate_limited` with a `Retry-After`, before any work; another client is served meanwhile.
#[tokio::test]
async fn one_client_past_its_share_of_verifications_waits_and_others_do_not() {
    let n = node(100);
    SoloProducer::produce(&n.app, &n.validator).unwrap();
    let router = govchain_api::router_with(
        n.app.clone(),
        govchain_api::Limits {
            expensive_share_percent: 1,
            expensive_burst: std::time::Duration::ZERO,
            ..govchain_api::Limits::default()
        },
    );
    let from = |ip: &str| {
        let mut req = json_request(
            "/v1/laws/verify",
            serde_json::json!({ "bill": small_bill(1) })
                .to_string()
                .into_bytes(),
        );
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                ip.parse().unwrap(),
                40_000,
            )));
        req
    };
    let first = call(&router, from("192.0.2.1")).await;
    assert_eq!(first.0, StatusCode::OK, "{}", first.1);
    let resp = router.clone().oneshot(from("192.0.2.1")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1, "Retry-After {retry}");
    let body: Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["code"], "rate_limited", "{body}");
    let other = call(&router, from("192.0.2.2")).await;
    assert_eq!(other.0, StatusCode::OK, "another client: {}", other.1);
}

#[tokio::test]
async fn event_streams_are_capped_and_a_closed_one_frees_its_place() {
    let n = node(100);
    let router = govchain_api::router_with(
        n.app.clone(),
        govchain_api::Limits {
            event_streams: 2,
            ..govchain_api::Limits::default()
        },
    );
    let open = || async {
        router
            .clone()
            .oneshot(Request::get("/v1/events").body(Body::empty()).unwrap())
            .await
            .unwrap()
    };
    let first = open().await;
    let second = open().await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(second.status(), StatusCode::OK);
    assert_error(
        "a third stream",
        &call(
            &router,
            Request::get("/v1/events").body(Body::empty()).unwrap(),
        )
        .await,
        StatusCode::SERVICE_UNAVAILABLE,
        "busy",
    );
    drop(first);
    assert_eq!(open().await.status(), StatusCode::OK, "a place freed");
    drop(second);
}
