//! Registries through the API over a node of the demo government (redb in a temp dir, no
//! sockets): definitions, public records as of any height, history, index queries with
//! pages, and signed reads of protected records — allowed or refused by the laws, and logged
//! for auditors.

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
use govchain_types::*;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

const CHAIN: &str = "registries-test";

fn key(n: &str) -> SecretKey {
    SecretKey::from_seed(Scheme::Ed25519, n.as_bytes())
}

struct Node {
    app: Arc<App>,
    router: Router,
    _dir: tempfile::TempDir,
}

fn node() -> Node {
    let dir = tempfile::tempdir().unwrap();
    let mut genesis =
        govchain_demo::genesis::document(CHAIN, key("validator").public_key(), |id| {
            key(id).public_key()
        });
    genesis.genesis_time_ms = 1;
    let app = Arc::new(
        App::open(
            dir.path(),
            genesis,
            dir.path(),
            key("validator").public_key(),
            MempoolConfig::default(),
        )
        .unwrap(),
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

async fn get(router: &Router, path: &str) -> (StatusCode, Value) {
    call(router, Request::get(path).body(Body::empty()).unwrap()).await
}

async fn post(router: &Router, path: &str, body: &Value) -> (StatusCode, Value) {
    call(
        router,
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

/// `who` (in `position`) asks to read `target`, signed; as hex of the canonical encoding.
fn read(app: &App, who: &str, position: Option<&str>, target: ReadTarget) -> Value {
    let request = ReadRequest {
        chain_id: CHAIN.into(),
        node: app.node_key().clone(),
        reader: key(who).public_key(),
        acting_as: position.map(|p| Acting::Position(p.to_string())),
        target,
        valid_until: app.head().height + 5,
        nonce: 7,
        purpose: "case 2026-17".into(),
    };
    let signature = key(who).sign(&request.signing_bytes());
    json!({ "read": hex::encode(encode(&SignedRead { request, signature })) })
}

fn record(registry: &str, key: &str) -> ReadTarget {
    ReadTarget::Record {
        registry: registry.into(),
        key: key.into(),
        height: None,
    }
}

#[tokio::test]
async fn registries_records_and_index_queries() {
    let n = node();
    let (status, regs) = get(&n.router, "/v1/registries").await;
    assert_eq!(status, StatusCode::OK, "{regs}");
    let names: Vec<&str> = regs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for want in [
        "persons",
        "births",
        "organisations",
        "licences",
        "departments",
        "benefits",
    ] {
        assert!(names.contains(&want), "{names:?}");
    }

    // A public record, loaded at genesis.
    let (status, org) = get(&n.router, "/v1/records/organisations/org-0001").await;
    assert_eq!(status, StatusCode::OK, "{org}");
    assert_eq!(org["fields"]["region"], "110101");
    assert_eq!(org["written"]["signer"], "genesis");
    assert_eq!(org["law"], "business-licence-law");

    // Protected: not without a signed read request.
    let (status, e) = get(&n.router, "/v1/records/persons/cit-0001").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(e["code"], "read_request_required");

    // An update by the licensing officer: a new version; the old one stays readable.
    let body = TxBody {
        chain_id: CHAIN.into(),
        signer: key("off-chen").public_key(),
        nonce: 0,
        valid_until: 10,
        acting_as: Some(Acting::Position("pos-off-chen".into())),
        payload: Payload::UpdateRecord {
            registry: "organisations".into(),
            key: "org-0001".into(),
            fields: [(
                "name".to_string(),
                FieldValue::Text("Org One Bakery Ltd".into()),
            )]
            .into_iter()
            .collect(),
        },
    };
    let results = n.app.submit(vec![
        sign_tx(Scheme::Ed25519, &key("off-chen"), body).encode(),
    ]);
    assert!(results[0].is_ok(), "{results:?}");
    SoloProducer::produce(&n.app, &key("validator")).unwrap();
    let (_, now) = get(&n.router, "/v1/records/organisations/org-0001").await;
    assert_eq!(now["fields"]["name"], "Org One Bakery Ltd", "{now}");
    assert_eq!(now["height"], 1);
    assert_eq!(now["written"]["position"], "pos-off-chen");
    assert_eq!(now["citation"]["law"], "business-licence-law");
    let (_, then) = get(&n.router, "/v1/records/organisations/org-0001?height=0").await;
    assert_eq!(then["fields"]["name"], "Organisation 0001 Ltd");
    let (_, h) = get(&n.router, "/v1/records/organisations/org-0001/history").await;
    assert_eq!(h["versions"].as_array().unwrap().len(), 2, "{h}");
    assert_eq!(h["versions"][0]["height"], 0);
    assert_eq!(h["versions"][1]["height"], 1);

    // Index queries, in pages.
    let (status, page) = get(
        &n.router,
        "/v1/records/organisations?field=region&value=110101&limit=4",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let mut keys: Vec<String> = page["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect();
    let mut next = page["next"].as_str().map(str::to_string);
    while let Some(after) = next {
        let (_, page) = get(
            &n.router,
            &format!("/v1/records/organisations?field=region&value=110101&limit=4&after={after}"),
        )
        .await;
        keys.extend(
            page["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["key"].as_str().unwrap().to_string()),
        );
        next = page["next"].as_str().map(str::to_string);
    }
    assert_eq!(keys.len(), 10, "{keys:?}");
    assert_eq!(keys[0], "org-0001");
    let (_, s) = get(
        &n.router,
        "/v1/records/sanctions?field=organisation&value=org-0007",
    )
    .await;
    assert_eq!(s["records"][0]["key"], "s-0001", "{s}");
    let (status, e) = get(&n.router, "/v1/records/organisations?field=name&value=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    let (status, _) = get(&n.router, "/v1/records/dragons/d-1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&n.router, "/v1/records/organisations/org-9999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn protected_reads_are_signed_decided_by_the_laws_and_logged() {
    let n = node();
    let r = |who, position, target| read(&n.app, who, position, target);
    // A citizen reads their own record; not a neighbour's.
    let (status, a) = post(
        &n.router,
        "/v1/read",
        &r("cit-0001", None, record("persons", "cit-0001")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["record"]["fields"]["region"], "110101");
    assert_eq!(a["decided_by"]["law"], "civil-registration-law");
    assert_eq!(a["decided_by"]["article"], "5");
    let (status, e) = post(
        &n.router,
        "/v1/read",
        &r("cit-0002", None, record("persons", "cit-0001")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(e["code"], "unauthorized");
    // A registrar reads within the district, not outside it.
    let (status, a) = post(
        &n.router,
        "/v1/read",
        &r(
            "off-wang",
            Some("pos-off-wang"),
            record("persons", "cit-0001"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["decided_by"]["article"], "4");
    let (status, e) = post(
        &n.router,
        "/v1/read",
        &r(
            "off-wang",
            Some("pos-off-wang"),
            record("persons", "cit-0003"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The answer names no article (it would tell a missing record from one elsewhere); the read
    // log keeps it.
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("may not read this record"),
        "{e}"
    );
    let (_, bytes) = n.app.store().reads(0, 10_000).unwrap().pop().unwrap();
    let entry: govchain_types::ReadAudit =
        govchain_types::decode("read log entry", &bytes).unwrap();
    let by = entry.decided_by.unwrap();
    assert_eq!(
        (by.law.as_str(), by.article.as_str()),
        ("constitution", "11")
    );
    // A history read.
    let (status, h) = post(
        &n.router,
        "/v1/read",
        &r(
            "cit-0001",
            None,
            ReadTarget::History {
                registry: "persons".into(),
                key: "cit-0001".into(),
            },
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["history"]["versions"].as_array().unwrap().len(), 1);
    // The same signed request again — a replay by whoever saw it — is refused, and not logged.
    let history = r(
        "cit-0001",
        None,
        ReadTarget::History {
            registry: "persons".into(),
            key: "cit-0001".into(),
        },
    );
    let (status, e) = post(&n.router, "/v1/read", &history).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["code"], "replayed");

    // The auditor reads the log: every read above, allowed or not, with the article.
    let (status, log) = post(
        &n.router,
        "/v1/read",
        &r(
            "off-qian",
            Some("pos-off-qian"),
            ReadTarget::Audit {
                after: 0,
                limit: 100,
            },
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let entries = log["audit"].as_array().unwrap();
    // Five reads; the auditor's own read is logged once its answer is ready, after them.
    assert_eq!(entries.len(), 5, "{log}");
    assert_eq!(entries[0]["reader"], "cit-0001");
    assert_eq!(entries[0]["allowed"], true);
    assert_eq!(entries[0]["purpose"], "case 2026-17");
    assert_eq!(entries[1]["reader"], "cit-0002");
    assert_eq!(entries[1]["allowed"], false);
    assert_eq!(entries[3]["decided_by"]["article"], "11");
    // Nobody else reads the log.
    let (status, _) = post(
        &n.router,
        "/v1/read",
        &r(
            "cit-0001",
            None,
            ReadTarget::Audit {
                after: 0,
                limit: 100,
            },
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Bad requests: malformed, a bad signature, expired, too long-lived, unknown reader.
    let (status, _) = post(&n.router, "/v1/read", &json!({ "read": "zz" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mut forged = r("cit-0001", None, record("persons", "cit-0002"));
    let mut bytes = hex::decode(forged["read"].as_str().unwrap()).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    forged["read"] = hex::encode(bytes).into();
    let (status, e) = post(&n.router, "/v1/read", &forged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    let stale = |valid_until: u64| {
        let request = ReadRequest {
            chain_id: CHAIN.into(),
            node: n.app.node_key().clone(),
            reader: key("cit-0001").public_key(),
            acting_as: None,
            target: record("persons", "cit-0001"),
            valid_until,
            nonce: 1,
            purpose: String::new(),
        };
        let signature = key("cit-0001").sign(&request.signing_bytes());
        serde_json::to_value(SignedRead { request, signature }).unwrap()
    };
    let (status, e) = post(&n.router, "/v1/read", &stale(1_000)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["message"].as_str().unwrap().contains("at most"), "{e}");
    // The JSON form is accepted too.
    let (status, a) = post(&n.router, "/v1/read", &stale(3)).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let (status, _) = post(
        &n.router,
        "/v1/read",
        &r("nobody", None, record("persons", "cit-0001")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn events_filtered_by_registry_follow_one_registry() {
    let n = node();
    let resp = n
        .router
        .clone()
        .oneshot(
            Request::get("/v1/events?registry=organisations")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body();
    let tx = |who: &str, nonce: u64, acting: Option<&str>, payload: Payload| {
        let body = TxBody {
            chain_id: CHAIN.into(),
            signer: key(who).public_key(),
            nonce,
            valid_until: 20,
            acting_as: acting.map(|p| Acting::Position(p.into())),
            payload,
        };
        sign_tx(Scheme::Ed25519, &key(who), body).encode()
    };
    let births = Payload::InsertRecord {
        registry: "births".into(),
        key: "b-1".into(),
        fields: [
            ("child_name", "Baby"),
            ("mother", "cit-0001"),
            ("birth_date", "2026-11-20"),
            ("region", "110101"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), FieldValue::Text(v.to_string())))
        .collect(),
    };
    let org = Payload::UpdateRecord {
        registry: "organisations".into(),
        key: "org-0002".into(),
        fields: [("form".to_string(), FieldValue::Text("partnership".into()))]
            .into_iter()
            .collect(),
    };
    // A block that touches births only is skipped; the next, with both, shows only the
    // organisations receipt.
    n.app.submit(vec![tx(
        "off-wang",
        0,
        Some("pos-off-wang"),
        births.clone(),
    )]);
    SoloProducer::produce(&n.app, &key("validator")).unwrap();
    let b2 = Payload::InsertRecord {
        registry: "births".into(),
        key: "b-2".into(),
        fields: match &births {
            Payload::InsertRecord { fields, .. } => fields.clone(),
            _ => unreachable!(),
        },
    };
    n.app.submit(vec![
        tx("off-wang", 1, Some("pos-off-wang"), b2),
        tx("off-chen", 0, Some("pos-off-chen"), org),
    ]);
    SoloProducer::produce(&n.app, &key("validator")).unwrap();
    let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
        .await
        .expect("an event within 5 s")
        .unwrap()
        .unwrap();
    let text = String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap();
    let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
    let event: Value = serde_json::from_str(data).unwrap();
    assert_eq!(event["height"], 2, "{event}");
    let receipts = event["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 1, "{event}");
    assert_eq!(receipts[0]["events"][0]["kind"], "record_updated");
}

fn account(holder: &str, proof: bool) -> ReadTarget {
    ReadTarget::Account {
        currency: "CNY".into(),
        holder: PrincipalId::new(holder).unwrap(),
        height: None,
        proof,
    }
}

/// Money over the API: currencies with their supply, the treasury's account and statement in
/// public, a citizen's only through signed reads (the holder, a court in its region, the
/// auditor), as of a height and with a certificate that verifies offline.
#[tokio::test]
async fn accounts_public_for_departments_private_for_persons() {
    let n = node();
    let (status, list) = get(&n.router, "/v1/currencies").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list[0]["code"], "CNY");
    assert_eq!(list[0]["decimals"], 2);
    assert_eq!(list[0]["issuer"], "central-bank");
    assert_eq!(list[0]["law"], "currency-law");
    let opening = list[0]["supply"].as_str().unwrap().to_string();

    // cit-0001 pays the treasury 12.34 yuan in block 1.
    let body = TxBody {
        chain_id: CHAIN.into(),
        signer: key("cit-0001").public_key(),
        nonce: 0,
        valid_until: 10,
        acting_as: None,
        payload: Payload::Transfer {
            currency: "CNY".into(),
            from: None,
            to: PrincipalId::new("treasury").unwrap(),
            amount: Amount(1_234),
            memo: "stamp duty".into(),
            reference: "tax-2026-1".into(),
        },
    };
    let results = n.app.submit(vec![
        sign_tx(Scheme::Ed25519, &key("cit-0001"), body).encode(),
    ]);
    assert!(results[0].is_ok(), "{results:?}");
    SoloProducer::produce(&n.app, &key("validator")).unwrap();
    SoloProducer::produce(&n.app, &key("validator")).unwrap();

    // The treasury's account and statement are public finance.
    let (status, t) = get(&n.router, "/v1/accounts/treasury/CNY").await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["balance"], "100000001234");
    assert_eq!(t["balance_display"], "1000000012.34");
    assert_eq!(t["changed_at"], 1);
    let (_, before) = get(&n.router, "/v1/accounts/treasury/CNY?height=0").await;
    assert_eq!(before["balance"], "100000000000", "{before}");
    let (status, s) = get(&n.router, "/v1/accounts/treasury/CNY/statement").await;
    assert_eq!(status, StatusCode::OK, "{s}");
    // The opening balance from genesis, then the citizen's payment: who paid is public, how
    // much and why is not (the citizen reads it in their own statement below).
    let opening_line = &s["lines"][0];
    assert_eq!(opening_line["kind"], "genesis");
    assert_eq!(opening_line["amount"], "100000000000");
    let line = &s["lines"][1];
    assert_eq!(line["kind"], "received");
    assert_eq!(line["counterparty"], "cit-0001");
    assert_eq!(line["amount"], "0");
    assert_eq!(line["memo"], "");
    assert_eq!(line["citation"]["law"], "currency-law");
    assert_eq!(s["redacted"], json!([1]), "{s}");
    let (_, list) = get(&n.router, "/v1/currencies").await;
    assert_eq!(
        list[0]["supply"].as_str().unwrap(),
        opening,
        "money is conserved"
    );

    // A citizen's account is private: not over plain GET, nor as raw state.
    let (status, e) = get(&n.router, "/v1/accounts/cit-0001/CNY").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(e["code"], "read_request_required");
    let (status, _) = get(&n.router, "/v1/accounts/cit-0001/CNY/statement").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get(&n.router, "/v1/state/account/CNY/cit-0001").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get(&n.router, "/v1/proof/account/CNY/cit-0001").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The holder reads it with a signed read, and its certificate verifies offline.
    let (status, a) = post(
        &n.router,
        "/v1/read",
        &read(&n.app, "cit-0001", None, account("cit-0001", true)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["account"]["balance"], "998766");
    assert_eq!(a["decided_by"]["law"], "currency-law");
    assert_eq!(a["decided_by"]["article"], "6");
    let cert: govchain_store::RecordCertificate =
        serde_json::from_value(a["certificate"].clone()).unwrap();
    cert.verify(CHAIN, n.app.genesis().scheme, &n.app.genesis().validators)
        .unwrap();
    let statement = ReadTarget::Statement {
        currency: "CNY".into(),
        holder: PrincipalId::new("cit-0001").unwrap(),
        after: None,
        limit: Some(10),
        newest_first: true,
    };
    let (status, a) = post(
        &n.router,
        "/v1/read",
        &read(&n.app, "cit-0001", None, statement),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["statement"]["lines"][0]["kind"], "sent");
    assert_eq!(a["statement"]["lines"][0]["amount"], "-1234");
    assert_eq!(a["statement"]["lines"][0]["memo"], "stamp duty");
    assert_eq!(a["statement"]["lines"][0]["reference"], "tax-2026-1");
    assert_eq!(a["statement"]["lines"][1]["kind"], "genesis");

    // A neighbour may not; the court may within its region; the auditor may anywhere.
    let (status, e) = post(
        &n.router,
        "/v1/read",
        &read(&n.app, "cit-0002", None, account("cit-0001", false)),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    let (status, a) = post(
        &n.router,
        "/v1/read",
        &read(
            &n.app,
            "judge-wu",
            Some("pos-judge-wu"),
            account("cit-0001", false),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let (status, _) = post(
        &n.router,
        "/v1/read",
        &read(
            &n.app,
            "judge-wu",
            Some("pos-judge-wu"),
            account("cit-0003", false),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "cit-0003 lives in 310101");
    let (status, a) = post(
        &n.router,
        "/v1/read",
        &read(
            &n.app,
            "off-qian",
            Some("pos-off-qian"),
            account("cit-0003", false),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
}

/// Who paid whom is shown; how much, and why, only when departments alone are involved.
#[tokio::test]
async fn private_amounts_are_left_out_of_transactions_blocks_and_receipts() {
    let n = node();
    let pay = |who: &str, nonce: u64, to: &str| {
        let body = TxBody {
            chain_id: CHAIN.into(),
            signer: key(who).public_key(),
            nonce,
            valid_until: 10,
            acting_as: None,
            payload: Payload::Transfer {
                currency: "CNY".into(),
                from: None,
                to: PrincipalId::new(to).unwrap(),
                amount: Amount(777),
                memo: "private".into(),
                reference: "ref-9".into(),
            },
        };
        sign_tx(Scheme::Ed25519, &key(who), body)
    };
    let private = pay("cit-0001", 0, "cit-0002");
    let public = pay("treasury", 0, "hr-social-security");
    let results = n.app.submit(vec![private.encode(), public.encode()]);
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    SoloProducer::produce(&n.app, &key("validator")).unwrap();

    let id = govchain_crypto::tx_id(Scheme::Ed25519, &private.body);
    let (status, t) = get(&n.router, &format!("/v1/tx/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["redacted"], true);
    assert_eq!(t["tx"]["body"]["payload"]["amount"], "0");
    assert_eq!(t["tx"]["body"]["payload"]["memo"], "");
    assert_eq!(t["tx"]["body"]["payload"]["to"], "cit-0002");
    let event = &t["receipt"]["events"][0];
    assert_eq!(event["kind"], "transferred");
    assert!(!event.to_string().contains("777"), "{event}");

    let id = govchain_crypto::tx_id(Scheme::Ed25519, &public.body);
    let (_, t) = get(&n.router, &format!("/v1/tx/{id}")).await;
    assert_ne!(t["redacted"], true, "{t}");
    assert_eq!(t["tx"]["body"]["payload"]["amount"], "777");

    let (_, b) = get(&n.router, "/v1/blocks/1").await;
    assert_eq!(b["redacted"], json!([0]), "{b}");
    assert!(b["receipts"][1].to_string().contains("777"));
    assert!(!b["receipts"][0].to_string().contains("777"));
}

/// A refusal never echoes a value of a protected record, and a transaction served by the API
/// leaves a protected record's fields and close reason out: receipts and transactions are read
/// by anyone.
#[tokio::test]
async fn protected_values_stay_out_of_receipts_and_served_transactions() {
    let n = node();
    let tx = |nonce: u64, payload: Payload| {
        let body = TxBody {
            chain_id: CHAIN.into(),
            signer: key("off-wang").public_key(),
            nonce,
            valid_until: 20,
            acting_as: Some(Acting::Position("pos-off-wang".into())),
            payload,
        };
        sign_tx(Scheme::Ed25519, &key("off-wang"), body)
    };
    let birth = |mother: &str, region: &str| Payload::InsertRecord {
        registry: "births".into(),
        key: "b-9".into(),
        fields: [
            ("child_name", "Baby"),
            ("mother", mother),
            ("birth_date", "2026-11-20"),
            ("region", region),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), FieldValue::Text(v.to_string())))
        .collect(),
    };
    let txs = [
        tx(0, birth("zhang-secret-mother", "110101")),
        tx(1, birth("cit-0001", "999999-secret")),
        tx(
            2,
            Payload::CloseRecord {
                registry: "persons".into(),
                key: "cit-0001".into(),
                reason: "a secret cause of death".into(),
            },
        ),
    ];
    let results = n.app.submit(txs.iter().map(Tx::encode).collect());
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    SoloProducer::produce(&n.app, &key("validator")).unwrap();
    for (sent, secret) in txs.iter().zip([
        "zhang-secret-mother",
        "999999-secret",
        "a secret cause of death",
    ]) {
        let id = govchain_crypto::tx_id(Scheme::Ed25519, &sent.body);
        let (status, t) = get(&n.router, &format!("/v1/tx/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{t}");
        assert_eq!(t["redacted"], true, "{t}");
        assert!(!t.to_string().contains(secret), "`{secret}` is served: {t}");
        let (_, b) = get(&n.router, "/v1/blocks/1").await;
        assert!(
            !b.to_string().contains(secret),
            "`{secret}` is in the block: {b}"
        );
    }
    // The two inserts were refused by the rules of their fields, named without their values.
    let id = govchain_crypto::tx_id(Scheme::Ed25519, &txs[0].body);
    let (_, t) = get(&n.router, &format!("/v1/tx/{id}")).await;
    assert_eq!(t["receipt"]["code"], "invalid_record", "{t}");
    assert!(
        t["receipt"]["error"]
            .as_str()
            .unwrap()
            .contains("field `mother` names no registered person"),
        "{t}"
    );
}
