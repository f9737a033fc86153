//! The OpenAPI document is the contract: every route is driven over a node of the demo
//! government with good, missing, malformed and oversized input, and each answer — its status,
//! its content type and its body — is checked against what `/v1/openapi.json` says that route
//! returns (bodies validated with a JSON Schema validator against the document's schemas, their
//! objects closed). Every route the document names is driven, every request driven is of a
//! documented route, and every route answers a success at least once, so that no answer's schema
//! goes unchecked. The parameters too: a path parameter is a `{name}` of its route, every query
//! parameter a request sends is documented `in: query`, the set documented is the set the
//! handler takes, and each one's `required` is what the handler does without it. Values the demo
//! chain does not hold (every kind of payload, article, field type, read target) are validated
//! against the schemas on their own.

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
use axum::http::{Method, Request, StatusCode, header};
use govchain_crypto::{SecretKey, sign_tx};
use govchain_mempool::MempoolConfig;
use govchain_node::{App, SoloProducer};
use govchain_types::*;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tower::ServiceExt;

const CHAIN: &str = "openapi-test";

fn key(n: &str) -> SecretKey {
    SecretKey::from_seed(Scheme::Ed25519, n.as_bytes())
}

/// One request: the documented route it is of, and what is sent.
struct Case {
    what: &'static str,
    method: Method,
    /// The path as the document writes it, e.g. `/v1/records/{registry}/{key}`.
    route: &'static str,
    uri: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

fn get(what: &'static str, route: &'static str, uri: impl Into<String>) -> Case {
    Case {
        what,
        method: Method::GET,
        route,
        uri: uri.into(),
        content_type: None,
        body: Vec::new(),
    }
}

fn post(
    what: &'static str,
    route: &'static str,
    content_type: Option<&'static str>,
    body: impl Into<Vec<u8>>,
) -> Case {
    Case {
        what,
        method: Method::POST,
        route,
        uri: route.to_string(),
        content_type,
        body: body.into(),
    }
}

const JSON: Option<&str> = Some("application/json");

/// The demo government at height 2: one record update committed in block 1, an empty block 2.
fn node() -> (Arc<App>, Router, Hash, tempfile::TempDir) {
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
    let tx = update(0);
    let id = govchain_crypto::tx_id(Scheme::Ed25519, &tx.body);
    assert!(app.submit(vec![tx.encode()])[0].is_ok());
    assert!(app.submit(vec![licence_case().encode()])[0].is_ok());
    SoloProducer::produce(&app, &key("validator")).unwrap();
    SoloProducer::produce(&app, &key("validator")).unwrap();
    let router = govchain_api::router(app.clone());
    (app, router, id, dir)
}

/// org-0001 applies for a fireworks licence (restricted in its region): a case for the
/// licensing officer.
fn licence_case() -> Tx {
    let body = TxBody {
        chain_id: CHAIN.into(),
        signer: key("cit-0011").public_key(),
        nonce: 0,
        valid_until: 10,
        acting_as: Some(Acting::Organisation(pid("org-0001"))),
        payload: Payload::Apply {
            service: pid("grant-licence"),
            input: [
                (
                    "organisation".to_string(),
                    FieldValue::Text("org-0001".into()),
                ),
                ("activity".to_string(), FieldValue::Text("fireworks".into())),
                (
                    "valid_from".to_string(),
                    FieldValue::Text("2026-12-01".into()),
                ),
            ]
            .into(),
        },
    };
    sign_tx(Scheme::Ed25519, &key("cit-0011"), body)
}

/// The licensing officer renames an organisation: a transaction that commits.
fn update(nonce: u64) -> Tx {
    let body = TxBody {
        chain_id: CHAIN.into(),
        signer: key("off-chen").public_key(),
        nonce,
        valid_until: 10,
        acting_as: Some(Acting::Position("pos-off-chen".into())),
        payload: Payload::UpdateRecord {
            registry: "organisations".into(),
            key: "org-0001".into(),
            fields: [(
                "name".to_string(),
                FieldValue::Text(format!("Org One {nonce}")),
            )]
            .into_iter()
            .collect(),
        },
    };
    sign_tx(Scheme::Ed25519, &key("off-chen"), body)
}

/// `who` asks to read `target`, signed, as the JSON body of `POST /v1/read`.
fn read(app: &App, who: &str, position: Option<&str>, target: ReadTarget, nonce: u64) -> Vec<u8> {
    let request = ReadRequest {
        chain_id: CHAIN.into(),
        node: app.node_key().clone(),
        reader: key(who).public_key(),
        acting_as: position.map(|p| Acting::Position(p.to_string())),
        target,
        valid_until: app.head().height + 5,
        nonce,
        purpose: "case 2026-17".into(),
    };
    let signature = key(who).sign(&request.signing_bytes());
    json!({ "read": hex::encode(encode(&SignedRead { request, signature })) })
        .to_string()
        .into_bytes()
}

fn person(key: &str) -> ReadTarget {
    ReadTarget::Record {
        registry: "persons".into(),
        key: key.into(),
        height: None,
    }
}

fn bill() -> Value {
    json!({
        "id": "openapi-law", "version": 1, "title": "A small law", "level": "national",
        "body": "legislature", "effective_from": 50,
        "articles": [{ "id": "1", "title": "t", "type": "permission",
            "policy": "forbid (principal is Department, action == Action::\"create-principal\", resource is Principal);" }]
    })
}

/// A bill that lets any person manage anyone's keys: it changes the decision of
/// [`person_manages_anothers_keys`].
fn permissive_bill() -> Value {
    json!({
        "id": "openapi-keys-law", "version": 1, "title": "Keys for all", "level": "national",
        "body": "legislature", "effective_from": 50,
        "articles": [{ "id": "1", "title": "t", "type": "permission",
            "policy": "permit (principal is Person, action == Action::\"manage-keys\", resource is Principal);" }]
    })
}

/// A citizen asks to manage another citizen's keys, which no law in force permits.
fn person_manages_anothers_keys() -> Value {
    json!({
        "principal": {
            "uid": { "kind": "Person", "id": "cit-0002" },
            "attrs": { "region": "110101", "authority": false },
            "ancestors": [{ "kind": "Principal", "id": "cit-0002" }]
        },
        "action": "manage-keys",
        "resource": {
            "uid": { "kind": "Principal", "id": "cit-0001" },
            "attrs": {
                "kind": "person", "exists": true, "region": "110101",
                "regions": ["110101", "110100", "110000", "CN"], "department": "civil-affairs",
                "authority": false, "official": false, "lawmaker": false
            }
        },
        "height": 3,
        "region": "110101"
    })
}

/// A request the laws' schema does not allow (a `Principal` does not act): undecidable.
fn explanation() -> Value {
    json!({
        "principal": { "uid": { "kind": "Principal", "id": "civil-affairs" } },
        "action": "create-principal",
        "resource": { "uid": { "kind": "Principal", "id": "new-person" } },
        "height": 3
    })
}

/// The civil-affairs department registers a new person: a request the laws' schema allows (the
/// constitution permits it).
fn department_creates() -> Value {
    json!({
        "principal": {
            "uid": { "kind": "Department", "id": "civil-affairs" },
            "attrs": { "jurisdiction": ["CN"], "authority": true },
            "ancestors": [{ "kind": "Principal", "id": "civil-affairs" }]
        },
        "action": "create-principal",
        "resource": {
            "uid": { "kind": "Principal", "id": "new-person" },
            "attrs": {
                "kind": "person", "exists": false, "region": "110101",
                "regions": ["110101", "110100", "110000", "CN"], "department": "civil-affairs",
                "authority": false, "official": false, "lawmaker": false
            }
        },
        "height": 3
    })
}

/// The licensing officer grants a licence: a request with an entity-valued attribute.
fn official_inserts() -> Value {
    json!({
        "principal": {
            "uid": { "kind": "Official", "id": "off-chen" },
            "attrs": {
                "department": "market-regulation", "powers": ["grant-licence"],
                "jurisdiction": ["110000"], "term_from": 0, "term_to": 1000, "status": "active"
            },
            "ancestors": [{ "kind": "Principal", "id": "off-chen" }]
        },
        "action": "insert",
        "resource": {
            "uid": { "kind": "Record", "id": "licences/l-1" },
            "attrs": {
                "registry": "licences", "department": "market-regulation",
                "sensitivity": "public", "regions": ["110101", "110100", "110000", "CN"],
                "subject": { "entity": { "kind": "Principal", "id": "org-0001" } }
            }
        },
        "height": 3,
        "region": "110101"
    })
}

fn cases(app: &App, committed: Hash) -> Vec<Case> {
    let big = vec![b'x'; 2 * 1024 * 1024];
    let huge = vec![b'x'; 9 * 1024 * 1024];
    let long = "a".repeat(10_000);
    let tx = update(1);
    let raw = tx.encode();
    let tx_json = json!({ "tx": hex::encode(&raw) }).to_string();
    let batch = json!({ "txs": [hex::encode(update(2).encode()), "zz"] }).to_string();
    vec![
        // transactions
        post("a transaction", "/v1/tx", JSON, tx_json.clone()),
        post("the same again", "/v1/tx", JSON, tx_json),
        post("a batch", "/v1/tx", JSON, batch),
        post("raw bytes", "/v1/tx", Some("application/octet-stream"), raw),
        post(
            "raw garbage",
            "/v1/tx",
            Some("application/octet-stream"),
            b"\x01\x02".to_vec(),
        ),
        post("no body", "/v1/tx", JSON, ""),
        post("not JSON", "/v1/tx", JSON, "{"),
        post("JSON of another shape", "/v1/tx", JSON, r#"{"nope": 1}"#),
        post("bad hex", "/v1/tx", JSON, r#"{"tx": "zz"}"#),
        post("a text body", "/v1/tx", Some("text/plain"), "hello"),
        post("no content type", "/v1/tx", None, "hello"),
        post("9 MiB", "/v1/tx", JSON, huge.clone()),
        get("committed", "/v1/tx/{id}", format!("/v1/tx/{committed}")),
        get(
            "unknown",
            "/v1/tx/{id}",
            format!("/v1/tx/{}", "0".repeat(64)),
        ),
        get("not hex", "/v1/tx/{id}", "/v1/tx/zz"),
        get("10,000 letters", "/v1/tx/{id}", format!("/v1/tx/{long}")),
        // blocks
        get("a block", "/v1/blocks/{height}", "/v1/blocks/1"),
        get("latest", "/v1/blocks/{height}", "/v1/blocks/latest"),
        get("genesis", "/v1/blocks/{height}", "/v1/blocks/0"),
        get("above the head", "/v1/blocks/{height}", "/v1/blocks/99999"),
        get("not a height", "/v1/blocks/{height}", "/v1/blocks/abc"),
        get("negative", "/v1/blocks/{height}", "/v1/blocks/-1"),
        get(
            "past u64",
            "/v1/blocks/{height}",
            "/v1/blocks/99999999999999999999999",
        ),
        // state, proofs, certificates
        get(
            "a key",
            "/v1/state/{key}",
            "/v1/state/principal/civil-affairs",
        ),
        get(
            "a list: the validator set",
            "/v1/state/{key}",
            "/v1/state/chain/validators",
        ),
        get("absent", "/v1/state/{key}", "/v1/state/principal/nobody"),
        get(
            "hex",
            "/v1/state/{key}",
            "/v1/state/0x7072696e636970616c2f636976696c2d61666661697273",
        ),
        get("bad hex", "/v1/state/{key}", "/v1/state/0xzz"),
        get(
            "bad height",
            "/v1/state/{key}",
            "/v1/state/principal/civil-affairs?height=abc",
        ),
        get(
            "far height",
            "/v1/state/{key}",
            "/v1/state/principal/civil-affairs?height=99999",
        ),
        get(
            "a protected record's key",
            "/v1/state/{key}",
            "/v1/state/record/persons/cit-0001",
        ),
        get(
            "a proof",
            "/v1/proof/{key}",
            "/v1/proof/principal/civil-affairs",
        ),
        get(
            "an exclusion proof",
            "/v1/proof/{key}",
            "/v1/proof/principal/nobody?height=1",
        ),
        get(
            "bad height",
            "/v1/proof/{key}",
            "/v1/proof/principal/civil-affairs?height=-2",
        ),
        get(
            "far height",
            "/v1/proof/{key}",
            "/v1/proof/principal/civil-affairs?height=99999",
        ),
        get(
            "a protected record's key",
            "/v1/proof/{key}",
            "/v1/proof/record/persons/cit-0001",
        ),
        get(
            "a certificate",
            "/v1/certificate/{key}",
            "/v1/certificate/principal/civil-affairs?height=1",
        ),
        get(
            "the head, not yet certified",
            "/v1/certificate/{key}",
            "/v1/certificate/principal/civil-affairs?height=2",
        ),
        get(
            "no height: the head, not yet certified",
            "/v1/certificate/{key}",
            "/v1/certificate/principal/civil-affairs",
        ),
        get("bad hex", "/v1/certificate/{key}", "/v1/certificate/0xz"),
        get(
            "a protected record's key",
            "/v1/certificate/{key}",
            "/v1/certificate/record/persons/cit-0001?height=1",
        ),
        // laws
        get("in force", "/v1/laws", "/v1/laws"),
        get("at genesis", "/v1/laws", "/v1/laws?height=0"),
        get("bad height", "/v1/laws", "/v1/laws?height=x"),
        get("far height", "/v1/laws", "/v1/laws?height=99999"),
        get(
            "a law",
            "/v1/laws/{id}/history",
            "/v1/laws/constitution/history",
        ),
        get(
            "no such law",
            "/v1/laws/{id}/history",
            "/v1/laws/no-such-law/history",
        ),
        get(
            "a long id",
            "/v1/laws/{id}/history",
            format!("/v1/laws/{long}/history"),
        ),
        post(
            "a bill",
            "/v1/laws/verify",
            JSON,
            json!({ "bill": bill() }).to_string(),
        ),
        post(
            "a bill with samples",
            "/v1/laws/verify",
            JSON,
            json!({ "bill": bill(), "samples": [explanation()] }).to_string(),
        ),
        post(
            "a bill with samples whose decisions it changes",
            "/v1/laws/verify",
            JSON,
            json!({
                "bill": permissive_bill(),
                "samples": [person_manages_anothers_keys(), department_creates(), official_inserts()]
            })
            .to_string(),
        ),
        post(
            "2,000 samples",
            "/v1/laws/verify",
            JSON,
            json!({ "bill": bill(), "samples": vec![explanation(); 2_000] }).to_string(),
        ),
        post("no body", "/v1/laws/verify", JSON, ""),
        post("not JSON", "/v1/laws/verify", JSON, "[1,"),
        post("no bill", "/v1/laws/verify", JSON, "{}"),
        post(
            "a text body",
            "/v1/laws/verify",
            Some("text/plain"),
            json!({ "bill": bill() }).to_string(),
        ),
        post("2 MiB", "/v1/laws/verify", JSON, big.clone()),
        get(
            "an explanation",
            "/v1/explain",
            "/v1/explain?principal=civil-affairs&action=create-principal&kind=person&target=new-person",
        ),
        get(
            "another's keys",
            "/v1/explain",
            "/v1/explain?principal=cit-0002&action=manage-keys&target=cit-0001",
        ),
        get(
            "no target",
            "/v1/explain",
            "/v1/explain?principal=civil-affairs&action=create-principal&kind=person",
        ),
        get(
            "the validators, which take no target",
            "/v1/explain",
            "/v1/explain?principal=civil-affairs&action=change-validators",
        ),
        get(
            "missing action",
            "/v1/explain",
            "/v1/explain?principal=civil-affairs",
        ),
        get(
            "missing principal",
            "/v1/explain",
            "/v1/explain?action=manage-keys",
        ),
        get(
            "unknown action",
            "/v1/explain",
            "/v1/explain?principal=civil-affairs&action=fly",
        ),
        get(
            "unknown principal",
            "/v1/explain",
            "/v1/explain?principal=nobody&action=manage-keys&target=civil-affairs",
        ),
        post(
            "an explanation",
            "/v1/explain",
            JSON,
            department_creates().to_string(),
        ),
        post(
            "an entity-valued attribute",
            "/v1/explain",
            JSON,
            official_inserts().to_string(),
        ),
        post(
            "a request the schema does not allow",
            "/v1/explain",
            JSON,
            explanation().to_string(),
        ),
        post("not JSON", "/v1/explain", JSON, "nope"),
        post("no body", "/v1/explain", JSON, ""),
        post(
            "a text body",
            "/v1/explain",
            Some("text/plain"),
            explanation().to_string(),
        ),
        post("2 MiB", "/v1/explain", JSON, big.clone()),
        // services
        get("deployed", "/v1/services", "/v1/services"),
        get("a service", "/v1/services/{name}", "/v1/services/grant-licence"),
        get(
            "a version",
            "/v1/services/{name}",
            "/v1/services/grant-licence?version=1",
        ),
        get(
            "no such version",
            "/v1/services/{name}",
            "/v1/services/grant-licence?version=9",
        ),
        get(
            "bad version",
            "/v1/services/{name}",
            "/v1/services/grant-licence?version=x",
        ),
        get("no such service", "/v1/services/{name}", "/v1/services/grant-visa"),
        get("not a name", "/v1/services/{name}", "/v1/services/%20"),
        // registries
        get("in force", "/v1/registries", "/v1/registries"),
        get("bad height", "/v1/registries", "/v1/registries?height=-1"),
        get(
            "far height",
            "/v1/registries",
            "/v1/registries?height=99999",
        ),
        get(
            "by index",
            "/v1/records/{registry}",
            "/v1/records/organisations?field=region&value=110101&limit=2",
        ),
        get(
            "every record",
            "/v1/records/{registry}",
            "/v1/records/organisations?limit=1",
        ),
        get(
            "a protected registry",
            "/v1/records/{registry}",
            "/v1/records/persons",
        ),
        get(
            "no such registry",
            "/v1/records/{registry}",
            "/v1/records/nothing",
        ),
        get(
            "a field without index",
            "/v1/records/{registry}",
            "/v1/records/organisations?field=name&value=x",
        ),
        get(
            "a bad limit",
            "/v1/records/{registry}",
            "/v1/records/organisations?limit=-5",
        ),
        get(
            "a bad cursor",
            "/v1/records/{registry}",
            format!("/v1/records/organisations?after={long}"),
        ),
        get(
            "a record",
            "/v1/records/{registry}/{key}",
            "/v1/records/organisations/org-0001",
        ),
        get(
            "as of genesis",
            "/v1/records/{registry}/{key}",
            "/v1/records/organisations/org-0001?height=0",
        ),
        get(
            "protected",
            "/v1/records/{registry}/{key}",
            "/v1/records/persons/cit-0001",
        ),
        get(
            "no such record",
            "/v1/records/{registry}/{key}",
            "/v1/records/organisations/org-none",
        ),
        get(
            "no such registry",
            "/v1/records/{registry}/{key}",
            "/v1/records/nothing/x",
        ),
        get(
            "bad height",
            "/v1/records/{registry}/{key}",
            "/v1/records/organisations/org-0001?height=z",
        ),
        get(
            "a key of bad characters",
            "/v1/records/{registry}/{key}",
            "/v1/records/organisations/a%20b",
        ),
        get(
            "a key of bad characters",
            "/v1/records/{registry}/{key}/history",
            "/v1/records/organisations/a%20b/history",
        ),
        get(
            "history",
            "/v1/records/{registry}/{key}/history",
            "/v1/records/organisations/org-0001/history",
        ),
        get(
            "protected",
            "/v1/records/{registry}/{key}/history",
            "/v1/records/persons/cit-0001/history",
        ),
        get(
            "no such record",
            "/v1/records/{registry}/{key}/history",
            "/v1/records/organisations/none/history",
        ),
        post(
            "an allowed read",
            "/v1/read",
            JSON,
            read(app, "off-wang", Some("pos-off-wang"), person("cit-0001"), 1),
        ),
        post(
            "the same again",
            "/v1/read",
            JSON,
            read(app, "off-wang", Some("pos-off-wang"), person("cit-0001"), 1),
        ),
        post(
            "a refused read",
            "/v1/read",
            JSON,
            read(app, "cit-0002", None, person("cit-0001"), 2),
        ),
        post(
            "a read of no record",
            "/v1/read",
            JSON,
            read(app, "off-wang", Some("pos-off-wang"), person("cit-none"), 3),
        ),
        post(
            "an application",
            "/v1/read",
            JSON,
            read(
                app,
                "off-chen",
                Some("pos-off-chen"),
                ReadTarget::Application {
                    id: govchain_crypto::tx_id(Scheme::Ed25519, &licence_case().body),
                },
                40,
            ),
        ),
        post(
            "an applicant's applications",
            "/v1/read",
            JSON,
            read(
                app,
                "off-chen",
                Some("pos-off-chen"),
                ReadTarget::Applications {
                    applicant: pid("org-0001"),
                },
                41,
            ),
        ),
        post(
            "a department's case queue",
            "/v1/read",
            JSON,
            read(
                app,
                "off-chen",
                Some("pos-off-chen"),
                ReadTarget::Cases {
                    department: pid("market-regulation"),
                    after: None,
                    limit: Some(10),
                },
                42,
            ),
        ),
        post(
            "an application's schedule periods",
            "/v1/read",
            JSON,
            read(
                app,
                "off-chen",
                Some("pos-off-chen"),
                ReadTarget::Periods {
                    id: govchain_crypto::tx_id(Scheme::Ed25519, &licence_case().body),
                    after: None,
                    limit: Some(10),
                },
                43,
            ),
        ),
        post(
            "a history",
            "/v1/read",
            JSON,
            read(
                app,
                "off-wang",
                Some("pos-off-wang"),
                ReadTarget::History {
                    registry: "persons".into(),
                    key: "cit-0001".into(),
                },
                4,
            ),
        ),
        post(
            "a certificate",
            "/v1/read",
            JSON,
            read(
                app,
                "off-wang",
                Some("pos-off-wang"),
                ReadTarget::Certificate {
                    registry: "persons".into(),
                    key: "cit-0001".into(),
                    height: Some(1),
                },
                5,
            ),
        ),
        post(
            "one's own account, with its proof",
            "/v1/read",
            JSON,
            read(
                app,
                "cit-0001",
                None,
                ReadTarget::Account {
                    currency: "CNY".into(),
                    holder: "cit-0001".parse().unwrap(),
                    height: None,
                    proof: true,
                },
                6,
            ),
        ),
        post(
            "one's own statement",
            "/v1/read",
            JSON,
            read(
                app,
                "cit-0001",
                None,
                ReadTarget::Statement {
                    currency: "CNY".into(),
                    holder: "cit-0001".parse().unwrap(),
                    after: None,
                    limit: Some(10),
                    newest_first: false,
                },
                7,
            ),
        ),
        post(
            "the auditor reads the log of the reads above",
            "/v1/read",
            JSON,
            read(
                app,
                "off-qian",
                Some("pos-off-qian"),
                ReadTarget::Audit {
                    after: 0,
                    limit: 100,
                },
                8,
            ),
        ),
        post("not JSON", "/v1/read", JSON, "]"),
        post("bad hex", "/v1/read", JSON, r#"{"read": "zz"}"#),
        post("no body", "/v1/read", JSON, ""),
        post("2 MiB", "/v1/read", JSON, big),
        // finance
        get("in force", "/v1/currencies", "/v1/currencies"),
        get("bad height", "/v1/currencies", "/v1/currencies?height=q"),
        get(
            "far height",
            "/v1/currencies",
            "/v1/currencies?height=99999",
        ),
        get(
            "a department's",
            "/v1/accounts/{holder}/{currency}",
            "/v1/accounts/treasury/CNY",
        ),
        get(
            "a person's",
            "/v1/accounts/{holder}/{currency}",
            "/v1/accounts/cit-0001/CNY",
        ),
        get(
            "no such holder",
            "/v1/accounts/{holder}/{currency}",
            "/v1/accounts/nobody/CNY",
        ),
        get(
            "no such currency",
            "/v1/accounts/{holder}/{currency}",
            "/v1/accounts/treasury/XXX",
        ),
        get(
            "bad height",
            "/v1/accounts/{holder}/{currency}",
            "/v1/accounts/treasury/CNY?height=w",
        ),
        get(
            "a statement",
            "/v1/accounts/{holder}/{currency}/statement",
            "/v1/accounts/treasury/CNY/statement?limit=2",
        ),
        get(
            "newest first",
            "/v1/accounts/{holder}/{currency}/statement",
            "/v1/accounts/treasury/CNY/statement?newest_first=true",
        ),
        get(
            "a person's",
            "/v1/accounts/{holder}/{currency}/statement",
            "/v1/accounts/cit-0001/CNY/statement",
        ),
        get(
            "a bad cursor",
            "/v1/accounts/{holder}/{currency}/statement",
            "/v1/accounts/treasury/CNY/statement?after=zz",
        ),
        get(
            "a bad limit",
            "/v1/accounts/{holder}/{currency}/statement",
            "/v1/accounts/treasury/CNY/statement?limit=x",
        ),
        get(
            "no such holder",
            "/v1/accounts/{holder}/{currency}/statement",
            "/v1/accounts/nobody/CNY/statement",
        ),
        // the node
        get("status", "/v1/status", "/v1/status"),
        get("metrics", "/metrics", "/metrics"),
        get("the document", "/v1/openapi.json", "/v1/openapi.json"),
        get("events", "/v1/events", "/v1/events"),
        get(
            "events of a registry",
            "/v1/events",
            "/v1/events?registry=organisations",
        ),
    ]
}

/// Closes every object schema that names its properties (`additionalProperties: false`).
///
/// The document leaves its objects open, so that clients tolerate a field added later; the test
/// closes them, so that an answer with a field the document does not name — a schema mirror
/// (`api/src/schemas/`) that drifted from the type it mirrors — fails. Maps (a record's
/// fields, an entity's attributes) say what their values are and stay open.
fn closed(schema: &mut Value) {
    match schema {
        Value::Object(o) => {
            if o.contains_key("properties") && !o.contains_key("additionalProperties") {
                o.insert("additionalProperties".into(), Value::Bool(false));
            }
            o.values_mut().for_each(closed);
        }
        Value::Array(a) => a.iter_mut().for_each(closed),
        _ => {}
    }
}

/// What is wrong with `value` as an instance of `schema`, resolved in the document `doc`.
fn invalid(doc: &Value, schema: &Value, value: &Value) -> Result<Vec<String>, String> {
    let mut root = schema.clone();
    if let Some(o) = root.as_object_mut() {
        o.insert("components".into(), doc["components"].clone());
    }
    closed(&mut root);
    let validator = jsonschema::validator_for(&root)
        .map_err(|e| format!("the document's schema does not compile: {e}"))?;
    Ok(validator
        .iter_errors(value)
        .take(3)
        .map(|e| {
            let mut m = e.to_string();
            m.truncate(200);
            format!("{m} at `{}`", e.instance_path())
        })
        .collect())
}

/// The media type without its parameters.
fn media(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

/// Checks one answer against the document; returns what is wrong.
fn conforms(
    doc: &Value,
    case: &Case,
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), String> {
    let op = &doc["paths"][case.route][case.method.as_str().to_lowercase()];
    if op.is_null() {
        return Err("the document has no such operation".into());
    }
    let response = &op["responses"][status.as_str()];
    if response.is_null() {
        return Err(format!(
            "answers {status}, which the document does not list ({})",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        ));
    }
    let Some(content) = response["content"].as_object() else {
        return if body.is_empty() {
            Ok(())
        } else {
            Err(format!("{status} has a body, the document none"))
        };
    };
    let got = content_type.map(media).unwrap_or("");
    let Some(documented) = content.get(got) else {
        return Err(format!(
            "{status} answers `{got}`, the document {:?}",
            content.keys().collect::<Vec<_>>()
        ));
    };
    if got != "application/json" {
        return Ok(());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("{status} declares JSON, the body is not: {e}"))?;
    let Some(schema) = documented.get("schema") else {
        return Ok(());
    };
    let errors = invalid(doc, schema, &value)?;
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{status} body does not match the document: {errors:?}"
        ))
    }
}

/// The names of the query parameters `uri` sends.
fn sent(uri: &str) -> BTreeSet<String> {
    uri.split_once('?')
        .map(|(_, query)| {
            query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    pair.split_once('=')
                        .map_or(pair, |(name, _)| name)
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The parameters `op` documents `in: place` (`path`, `query`), each with whether it is required.
fn documented_in<'a>(op: &'a Value, place: &str) -> BTreeMap<&'a str, bool> {
    op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == place)
        .map(|p| (p["name"].as_str().unwrap(), p["required"] == true))
        .collect()
}

/// The message of a query the handler could not take (axum's `Query` rejection, answered as
/// 400 `malformed`), e.g. `Failed to deserialize query string: missing field `action``.
fn query_rejection(status: StatusCode, body: &[u8]) -> Option<String> {
    if status != StatusCode::BAD_REQUEST {
        return None;
    }
    let body: Value = serde_json::from_slice(body).ok()?;
    let message = body["message"].as_str()?;
    message
        .starts_with("Failed to deserialize query string")
        .then(|| message.to_string())
}

/// One request driven, as far as its query parameters go.
struct Seen {
    at: String,
    route: &'static str,
    method: String,
    sent: BTreeSet<String>,
    /// Answered other than 400: the handler took the query (every handler takes its query
    /// before it looks at anything else, and answers 400 when it cannot).
    taken: bool,
    /// The parameter a 400 says the query lacks.
    missing: Option<String>,
}

/// What is wrong with the query parameters the document gives, against the requests driven:
/// every parameter a request sends is documented `in: query`; a request answered other than 400
/// without a parameter shows it optional, and one rejected for lacking it shows it required, so a
/// parameter documented with the wrong `required` fails; and every documented query parameter has
/// its `required` shown by some request.
fn query_parameters(doc: &Value, seen: &[Seen]) -> Vec<String> {
    let mut wrong = Vec::new();
    let mut shown = BTreeSet::new();
    for s in seen {
        let query = documented_in(&doc["paths"][s.route][&s.method], "query");
        for name in &s.sent {
            if !query.contains_key(name.as_str()) {
                wrong.push(format!(
                    "{}: sends `{name}`, which the document does not give `in: query`",
                    s.at
                ));
            }
        }
        if let Some(name) = &s.missing {
            if query.get(name.as_str()) == Some(&true) {
                shown.insert((s.route, s.method.clone(), name.clone()));
            } else {
                wrong.push(format!(
                    "{}: rejected for lacking `{name}`, which the document does not give as a required query parameter",
                    s.at
                ));
            }
        }
        if s.taken {
            for (&name, &required) in query.iter().filter(|(n, _)| !s.sent.contains(**n)) {
                if required {
                    wrong.push(format!(
                        "{}: answered without `{name}`, which the document says is required",
                        s.at
                    ));
                } else {
                    shown.insert((s.route, s.method.clone(), name.to_string()));
                }
            }
        }
    }
    for (route, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            for (name, required) in documented_in(op, "query") {
                if !shown.contains(&(route.as_str(), method.clone(), name.to_string())) {
                    wrong.push(format!(
                        "{} {route}: `{name}` is documented required: {required}, and no request here {}",
                        method.to_uppercase(),
                        if required {
                            "is rejected for lacking it"
                        } else {
                            "is answered without it"
                        }
                    ));
                }
            }
        }
    }
    wrong
}

/// The query parameters the handler behind `uri` (a request it answers with a success) takes:
/// its query structs deny unknown fields, so a parameter it does not know is rejected with the
/// names it does (`unknown field `x`, expected one of `a`, `b``); a handler without a query
/// ignores it. Wrong when the document gives another set.
async fn taken_query(router: &Router, uri: &str) -> Result<BTreeSet<String>, String> {
    let probe = format!(
        "{uri}{}undocumented-probe=1",
        if uri.contains('?') { '&' } else { '?' }
    );
    let resp = router
        .clone()
        .oneshot(Request::get(&probe).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    if status.is_success() {
        return Ok(BTreeSet::new());
    }
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let message = query_rejection(status, &body)
        .ok_or_else(|| format!("{probe} answers {status}, not a query rejection"))?;
    let expected = message
        .split_once("unknown field `undocumented-probe`, ")
        .map(|(_, rest)| rest)
        .ok_or_else(|| format!("{probe}: {message}"))?;
    Ok(expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect())
}

/// The document as the node serves it.
async fn document(router: &Router) -> Value {
    let resp = router
        .clone()
        .oneshot(
            Request::get("/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap()
}

#[tokio::test]
async fn every_route_answers_as_the_document_says() {
    let (app, router, committed, _dir) = node();
    let doc = document(&router).await;

    let cases = cases(&app, committed);
    let mut wrong = Vec::new();
    let mut driven = BTreeSet::new();
    let mut succeeded = BTreeSet::new();
    let mut seen = Vec::new();
    // A request of each route answered with a success, to probe its handler's query with.
    let mut answered: BTreeMap<&str, &str> = BTreeMap::new();
    for case in &cases {
        driven.insert((case.route, case.method.as_str().to_lowercase()));
        let mut req = Request::builder()
            .method(case.method.clone())
            .uri(&case.uri);
        if let Some(ct) = case.content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        let resp = router
            .clone()
            .oneshot(req.body(Body::from(case.body.clone())).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        if status.is_success() {
            succeeded.insert((case.route, case.method.as_str().to_lowercase()));
            if case.method == Method::GET {
                answered.entry(case.route).or_insert(&case.uri);
            }
        }
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        // An event stream never ends: its head is what can be checked.
        let body = if content_type.as_deref().map(media) == Some("text/event-stream") {
            Vec::new()
        } else {
            resp.into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .to_vec()
        };
        let at = format!("{} {} ({})", case.method, case.route, case.what);
        if let Err(e) = conforms(&doc, case, status, content_type.as_deref(), &body) {
            wrong.push(format!("{at}: {e}"));
        }
        seen.push(Seen {
            route: case.route,
            method: case.method.as_str().to_lowercase(),
            sent: sent(&case.uri),
            taken: status != StatusCode::BAD_REQUEST,
            missing: query_rejection(status, &body).and_then(|m| {
                let rest = m.split_once("missing field `")?.1;
                Some(rest.split('`').next()?.to_string())
            }),
            at,
        });
    }
    wrong.extend(query_parameters(&doc, &seen));
    for (route, uri) in answered {
        let documented: BTreeSet<String> = documented_in(&doc["paths"][route]["get"], "query")
            .into_keys()
            .map(str::to_string)
            .collect();
        match taken_query(&router, uri).await {
            Ok(taken) if taken == documented => {}
            Ok(taken) => wrong.push(format!(
                "GET {route}: the handler takes the query parameters {taken:?}, the document gives {documented:?}"
            )),
            Err(e) => wrong.push(format!("GET {route}: {e}")),
        }
    }
    let documented: BTreeSet<(&str, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (path.as_str(), m.clone()))
        })
        .collect();
    for (path, method) in documented.difference(&driven) {
        wrong.push(format!(
            "{method} {path}: documented, never driven by this test"
        ));
    }
    // A route whose success is never seen has its answer's schema never checked.
    for (path, method) in driven.difference(&succeeded) {
        wrong.push(format!(
            "{method} {path}: never answered a success here, so its body was never checked"
        ));
    }
    assert!(
        wrong.is_empty(),
        "{} answers differ from the document:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Every parameter the document gives is in the path or the query; one `in: path` is a `{name}`
/// of its route and required, and every `{name}` of a route is documented `in: path`, once.
#[tokio::test]
async fn path_parameters_are_the_routes_placeholders() {
    let (_app, router, _, _dir) = node();
    let doc = document(&router).await;
    let mut wrong = Vec::new();
    for (route, ops) in doc["paths"].as_object().unwrap() {
        let placeholders: BTreeSet<&str> = route
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, op) in ops.as_object().unwrap() {
            let at = format!("{} {route}", method.to_uppercase());
            let mut given = BTreeSet::new();
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                let place = p["in"].as_str().unwrap_or("");
                if !given.insert((name, place)) {
                    wrong.push(format!("{at}: `{name}` is documented `in: {place}` twice"));
                }
                match place {
                    "path" => {
                        if !placeholders.contains(name) {
                            wrong.push(format!(
                                "{at}: `{name}` is documented `in: path`, and the path has no `{{{name}}}`"
                            ));
                        }
                        if p["required"] != true {
                            wrong.push(format!("{at}: path parameter `{name}` is not required"));
                        }
                    }
                    "query" => {}
                    _ => wrong.push(format!(
                        "{at}: `{name}` is documented `in: {place}`; the routes take parameters in the path and the query only"
                    )),
                }
            }
            let documented = documented_in(op, "path");
            for name in &placeholders {
                if !documented.contains_key(name) {
                    wrong.push(format!(
                        "{at}: `{{{name}}}` of the path is not documented `in: path`"
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} parameters differ from their routes:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// A route the document does not name, and a method a route does not take, answer the error
/// shape every route uses.
#[tokio::test]
async fn unknown_routes_and_methods_answer_the_error_shape() {
    let (_app, router, _, _dir) = node();
    for (method, uri, want, code) in [
        (
            Method::GET,
            "/v2/nothing",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (Method::GET, "/", StatusCode::NOT_FOUND, "not_found"),
        (
            Method::DELETE,
            "/v1/status",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::GET,
            "/v1/tx",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ] {
        let resp = router
            .clone()
            .oneshot(
                Request::builder()
                    .method(method.clone())
                    .uri(uri)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), want, "{method} {uri}");
        let body: Value =
            serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(body["code"], code, "{method} {uri}: {body}");
        assert!(body["message"].is_string(), "{method} {uri}: {body}");
    }
}

fn pid(s: &str) -> PrincipalId {
    PrincipalId::new(s).unwrap()
}

/// A law package with one of everything a law can hold: both kinds of article, a body it
/// constitutes, a registry with every type of field, and a currency with a cap and a fee.
fn full_law() -> LawPackage {
    let field = |name: &str, ty: FieldType| FieldDef {
        name: name.into(),
        ty,
        required: true,
    };
    LawPackage {
        id: pid("sample-law"),
        version: 2,
        title: "Everything".into(),
        level: Level::Regional,
        body: pid("council-110000"),
        jurisdiction: vec!["110000".into()],
        articles: vec![
            Article {
                id: "1".into(),
                title: "a rule".into(),
                kind: ArticleKind::Permission {
                    policy: "permit (principal, action, resource);".into(),
                },
            },
            Article {
                id: "2".into(),
                title: "an algorithm".into(),
                kind: ArticleKind::Algorithm {
                    language: "rhai".into(),
                    source: "1 + 1".into(),
                },
            },
        ],
        effective_from: 10,
        effective_until: Some(20),
        repeals: vec![pid("old-law")],
        constitutes: vec![LawBody {
            id: pid("council-110000"),
            kind: BodyKind::Council,
            jurisdiction: vec!["110000".into()],
            members: vec![BodyMember {
                id: pid("member-1"),
                key: key("member-1").public_key(),
            }],
            threshold: 1,
        }],
        registries: vec![RegistryDef {
            name: "samples".into(),
            title: "Samples".into(),
            department: pid("civil-affairs"),
            sensitivity: Sensitivity::Secret,
            fields: vec![
                field("text", FieldType::Text { max_len: 10 }),
                field("integer", FieldType::Integer { min: -1, max: 1 }),
                field("decimal", FieldType::Decimal { scale: 2 }),
                field("bool", FieldType::Bool),
                field("date", FieldType::Date),
                field(
                    "enum",
                    FieldType::Enum {
                        values: vec!["a".into()],
                    },
                ),
                field("person", FieldType::Reference(RefTarget::Person)),
                field(
                    "organisation",
                    FieldType::Reference(RefTarget::Organisation),
                ),
                field("principal", FieldType::Reference(RefTarget::Principal)),
                field("account", FieldType::Reference(RefTarget::Account)),
                field(
                    "record",
                    FieldType::Reference(RefTarget::Record {
                        registry: "persons".into(),
                    }),
                ),
                field("hash", FieldType::Hash),
                field("region", FieldType::Region),
                field("regions", FieldType::Regions),
            ],
            indexes: vec!["region".into()],
            region_field: Some("region".into()),
            subject_field: Some("person".into()),
            principals: Some(PrincipalKind::Organisation),
            jurisdiction_field: Some("regions".into()),
            parent_field: Some("principal".into()),
            representative_field: Some("person".into()),
        }],
        currencies: vec![CurrencyDef {
            code: "SMP".into(),
            name: "Sample".into(),
            decimals: 2,
            issuer: pid("central-bank"),
            max_supply: Some(Amount(1_000)),
            transfer_fee: Some(TransferFee {
                flat: Amount(1),
                basis_points: 5,
                collector: pid("treasury"),
            }),
        }],
    }
}

/// One payload of every kind.
fn payloads() -> Vec<Payload> {
    let fields: Fields = [
        ("name".to_string(), FieldValue::Text("x".into())),
        ("count".to_string(), FieldValue::Integer(-3)),
        ("alive".to_string(), FieldValue::Bool(true)),
        ("regions".to_string(), FieldValue::List(vec!["CN".into()])),
    ]
    .into_iter()
    .collect();
    let signatures = vec![MemberSignature {
        member: pid("leg-1"),
        signature: key("leg-1").sign(b"bill"),
    }];
    vec![
        Payload::RegisterKey {
            principal: pid("cit-9"),
            kind: PrincipalKind::Person,
            key: key("cit-9").public_key(),
        },
        Payload::RevokeKey {
            principal: pid("cit-9"),
            key: key("cit-9").public_key(),
        },
        Payload::UpdateValidators {
            validators: vec![GenesisValidator {
                name: pid("civil-affairs"),
                key: key("validator").public_key(),
                power: 1,
            }],
            effective_height: 9,
        },
        Payload::EnactLaw {
            law: full_law(),
            signatures: signatures.clone(),
        },
        Payload::Interpret {
            interpretation: Interpretation {
                id: "2026-1".into(),
                law: pid("constitution"),
                articles: vec!["2".into()],
                title: "t".into(),
                text: "what it means".into(),
                body: pid("legislature"),
            },
            signatures,
        },
        Payload::InsertRecord {
            registry: "organisations".into(),
            key: "org-9".into(),
            fields: fields.clone(),
        },
        Payload::UpdateRecord {
            registry: "organisations".into(),
            key: "org-9".into(),
            fields: Fields::new(),
        },
        Payload::CloseRecord {
            registry: "organisations".into(),
            key: "org-9".into(),
            reason: "dissolved".into(),
        },
        Payload::Appoint {
            position: Position {
                id: "pos-9".into(),
                holder: pid("cit-9"),
                department: pid("civil-affairs"),
                title: "registrar".into(),
                powers: vec!["register-birth".into()],
                jurisdiction: vec!["CN".into()],
                term_from: 1,
                term_to: Some(100),
            },
        },
        Payload::SetPositionStatus {
            id: "pos-9".into(),
            status: PositionStatus::Offered,
            reason: "r".into(),
        },
        Payload::ImportRecords {
            registry: "organisations".into(),
            records: vec![ImportedRecord {
                key: "org-10".into(),
                fields,
            }],
        },
        Payload::Issue {
            currency: "CNY".into(),
            to: pid("treasury"),
            amount: Amount(5),
            memo: "m".into(),
        },
        Payload::Redeem {
            currency: "CNY".into(),
            from: pid("treasury"),
            amount: Amount(5),
            memo: String::new(),
        },
        Payload::Transfer {
            currency: "CNY".into(),
            from: None,
            to: pid("cit-0001"),
            amount: Amount(-1),
            memo: "m".into(),
            reference: "invoice 1".into(),
        },
        Payload::Freeze {
            currency: "CNY".into(),
            holder: pid("cit-0001"),
            order: "(2026) 1".into(),
        },
        Payload::Unfreeze {
            currency: "CNY".into(),
            holder: pid("cit-0001"),
            order: "(2026) 1".into(),
        },
        Payload::DeployService {
            service: govchain_demo::services::grant_licence(),
        },
        Payload::Apply {
            service: pid("grant-licence"),
            input: fields_of_licence(),
        },
        Payload::DecideCase {
            application: Hash([7; 32]),
            approve: true,
            reasons: "the fireworks are for a licensed display".into(),
        },
        Payload::Appeal {
            application: Hash([7; 32]),
            reasons: "the sanction was lifted".into(),
        },
        Payload::Confirm {
            application: Hash([7; 32]),
        },
    ]
}

fn fields_of_licence() -> Fields {
    [
        (
            "organisation".to_string(),
            FieldValue::Text("org-0001".into()),
        ),
        ("activity".to_string(), FieldValue::Text("retail".into())),
    ]
    .into()
}

/// A route answers only the values a chain happens to hold; these are one of every kind of
/// payload, acting, article, field type and read target, serialized by their real types and
/// validated against the document's schemas (closed, as the answers are).
#[tokio::test]
async fn every_kind_of_value_is_described() {
    let (_app, router, _, _dir) = node();
    let doc = document(&router).await;
    let schema = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    let mut wrong = Vec::new();
    let mut check = |name: &str, what: String, value: Value| {
        let errors = invalid(&doc, &schema(name), &value).unwrap();
        if !errors.is_empty() {
            wrong.push(format!("{name} ({what}): {errors:?}"));
        }
    };

    let payloads = payloads();
    // Exhaustive: a new kind of payload does not compile here; give it a sample above.
    let kinds: BTreeSet<&str> = payloads
        .iter()
        .map(|p| match p {
            Payload::RegisterKey { .. }
            | Payload::RevokeKey { .. }
            | Payload::UpdateValidators { .. }
            | Payload::EnactLaw { .. }
            | Payload::Interpret { .. }
            | Payload::InsertRecord { .. }
            | Payload::UpdateRecord { .. }
            | Payload::CloseRecord { .. }
            | Payload::Appoint { .. }
            | Payload::SetPositionStatus { .. }
            | Payload::ImportRecords { .. }
            | Payload::Issue { .. }
            | Payload::Redeem { .. }
            | Payload::Transfer { .. }
            | Payload::Freeze { .. }
            | Payload::Unfreeze { .. }
            | Payload::DeployService { .. }
            | Payload::Apply { .. }
            | Payload::DecideCase { .. }
            | Payload::Appeal { .. }
            | Payload::Confirm { .. } => p.kind(),
        })
        .collect();
    let documented: BTreeSet<&str> = doc["components"]["schemas"]["Payload"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["properties"]["type"]["enum"][0].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds, documented,
        "the payload kinds sampled and documented"
    );
    let actings = [
        None,
        Some(Acting::Position("pos-off-chen".into())),
        Some(Acting::Organisation(pid("org-0001"))),
        Some(Acting::Body {
            id: pid("legislature"),
            signatures: vec![MemberSignature {
                member: pid("leg-1"),
                signature: key("leg-1").sign(b"act"),
            }],
        }),
    ];
    for (i, payload) in payloads.into_iter().enumerate() {
        let kind = payload.kind();
        let body = TxBody {
            chain_id: CHAIN.into(),
            signer: key("off-chen").public_key(),
            nonce: 1,
            valid_until: 10,
            acting_as: actings[i % actings.len()].clone(),
            payload,
        };
        let tx = sign_tx(Scheme::Ed25519, &key("off-chen"), body);
        check("Tx", kind.into(), serde_json::to_value(&tx).unwrap());
    }
    for target in [
        person("cit-0001"),
        ReadTarget::History {
            registry: "persons".into(),
            key: "cit-0001".into(),
        },
        ReadTarget::Certificate {
            registry: "persons".into(),
            key: "cit-0001".into(),
            height: None,
        },
        ReadTarget::Audit {
            after: 3,
            limit: 10,
        },
        ReadTarget::Account {
            currency: "CNY".into(),
            holder: pid("cit-0001"),
            height: Some(2),
            proof: false,
        },
        ReadTarget::Statement {
            currency: "CNY".into(),
            holder: pid("cit-0001"),
            after: Some("00".into()),
            limit: None,
            newest_first: true,
        },
        ReadTarget::DryRun { bill: Hash::ZERO },
    ] {
        let value = serde_json::to_value(&target).unwrap();
        check("ReadTarget", value["kind"].to_string(), value);
    }
    assert!(
        wrong.is_empty(),
        "{} values differ from the document:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
