//! The routes.

use crate::backend::{AccountView, Backend, Status};
use crate::error::{ApiError, ErrorBody, admit_status};
use crate::limits::{Client, Gates, Limits, guard};
use crate::schemas::*;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRef, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::Stream;
use govchain_execution::schema::json_view;
use govchain_types::{Hash, Height};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::sync::Arc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use utoipa::{IntoParams, OpenApi, ToSchema};

type Shared = Arc<dyn Backend>;
type ApiResult<T> = Result<T, ApiError>;

/// Most transactions in one `POST /v1/tx` batch.
pub const MAX_BATCH: usize = 10_000;

/// What the handlers share: the node and the gates that enforce the limits.
#[derive(Clone)]
struct AppState {
    backend: Shared,
    gates: Arc<Gates>,
}

impl FromRef<AppState> for Shared {
    fn from_ref(s: &AppState) -> Self {
        s.backend.clone()
    }
}

impl FromRef<AppState> for Arc<Gates> {
    fn from_ref(s: &AppState) -> Self {
        s.gates.clone()
    }
}

/// Builds the API's router over a node, with the default [`Limits`].
pub fn router(backend: Arc<dyn Backend>) -> Router {
    router_with(backend, Limits::default())
}

/// Builds the API's router over a node, with `limits`.
pub fn router_with(backend: Arc<dyn Backend>, limits: Limits) -> Router {
    // A JSON batch carries each transaction in hex: twice its bytes, plus framing. The mempool
    // checks each transaction's size and the batch's count.
    let tx_body_limit = backend
        .max_tx_bytes()
        .saturating_mul(2)
        .saturating_add(1024)
        .max(8 * 1024 * 1024);
    let body_limit = limits.body_bytes;
    let gates = Arc::new(Gates::new(limits));
    Router::new()
        .route(
            "/v1/tx",
            post(submit_tx).layer(DefaultBodyLimit::max(tx_body_limit)),
        )
        .route("/v1/tx/{id}", get(get_tx))
        .route("/v1/blocks/{height}", get(get_block))
        .route("/v1/state/{*key}", get(get_state))
        .route("/v1/proof/{*key}", get(get_proof))
        .route("/v1/certificate/{*key}", get(get_certificate))
        .route("/v1/laws", get(get_laws))
        .route("/v1/laws/verify", post(verify_bill))
        .route("/v1/laws/{id}/history", get(get_law_history))
        .route("/v1/explain", get(get_explain).post(post_explain))
        .route("/v1/registries", get(get_registries))
        .route("/v1/services", get(get_services))
        .route("/v1/services/{name}", get(get_service))
        .route("/v1/records/{registry}", get(query_records))
        .route("/v1/records/{registry}/{key}", get(get_record))
        .route(
            "/v1/records/{registry}/{key}/history",
            get(get_record_history),
        )
        .route("/v1/read", post(signed_read))
        .route("/v1/currencies", get(get_currencies))
        .route("/v1/accounts/{holder}/{currency}", get(get_account))
        .route(
            "/v1/accounts/{holder}/{currency}/statement",
            get(get_statement),
        )
        .route("/v1/status", get(status))
        .route("/v1/events", get(events))
        .route("/v1/openapi.json", get(openapi))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(gates.clone(), guard))
        .with_state(AppState { backend, gates })
}

/// A body that could not be read: 413 `too_large` past the limit, else 400 `malformed`.
fn body_error(r: BytesRejection) -> ApiError {
    let status = r.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(status, "too_large", r.body_text())
    } else {
        ApiError::bad_request("malformed", r.body_text())
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route; see /v1/openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "method not allowed on this route; see /v1/openapi.json",
    )
}

/// A transaction, or several, in hex of their canonical encoding.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// One encoded transaction in hex.
    pub tx: Option<String>,
    /// Several encoded transactions in hex, admitted in order.
    pub txs: Option<Vec<String>>,
}

/// The id of an admitted transaction.
#[derive(Debug, Serialize, ToSchema)]
pub struct Submitted {
    /// The transaction id: `GET /v1/tx/{id}` gives its receipt once committed.
    #[schema(value_type = String)]
    pub id: Hash,
}

/// One result of a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItem {
    #[schema(value_type = Option<String>)]
    pub id: Option<Hash>,
    pub error: Option<ErrorBody>,
}

/// The results of a batch, in input order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResult {
    pub accepted: usize,
    pub results: Vec<BatchItem>,
}

fn parse_hex_tx(s: &str, index: Option<usize>) -> ApiResult<Vec<u8>> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    hex::decode(s).map_err(|_| {
        let at = index.map(|i| format!(" at index {i}")).unwrap_or_default();
        ApiError::bad_request("malformed", format!("transaction{at} is not hexadecimal"))
    })
}

/// Submit signed transactions
///
/// The body is either the canonical encoding itself (`Content-Type: application/octet-stream`)
/// or JSON `{"tx": "<hex>"}` / `{"txs": ["<hex>", …]}`.
#[utoipa::path(
    post, path = "/v1/tx", tag = "transactions",
    request_body(content = SubmitRequest, description = "JSON, or raw bytes as application/octet-stream"),
    responses(
        (status = 202, description = "admitted to the mempool", body = Submitted),
        (status = 200, description = "batch: per-transaction results", body = BatchResult),
        (status = 400, description = "malformed, wrong chain, expired, bad signature, unknown signer", body = ErrorBody),
        (status = 409, description = "replayed or duplicate", body = ErrorBody),
        (status = 413, description = "too large", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: a body that is neither `application/json` nor `application/octet-stream`", body = ErrorBody),
        (status = 429, description = "mempool full", body = ErrorBody),
    )
)]
async fn submit_tx(
    State(backend): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = body.map_err(body_error)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/octet-stream") {
        let id = submit_one(&backend, body.to_vec()).await?;
        return Ok((StatusCode::ACCEPTED, Json(Submitted { id })).into_response());
    }
    if !content_type.starts_with("application/json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send application/json or application/octet-stream",
        ));
    }
    let req: SubmitRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request("malformed", format!("body is not a submit request: {e}"))
    })?;
    match (req.tx, req.txs) {
        (Some(tx), None) => {
            let id = submit_one(&backend, parse_hex_tx(&tx, None)?).await?;
            Ok((StatusCode::ACCEPTED, Json(Submitted { id })).into_response())
        }
        (None, Some(txs)) => {
            if txs.len() > MAX_BATCH {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    format!(
                        "a batch holds at most {MAX_BATCH} transactions, not {}",
                        txs.len()
                    ),
                ));
            }
            let raw = txs
                .iter()
                .enumerate()
                .map(|(i, t)| parse_hex_tx(t, Some(i)))
                .collect::<ApiResult<Vec<_>>>()?;
            let results = submit_many(&backend, raw).await?;
            let accepted = results.iter().filter(|r| r.is_ok()).count();
            let results = results
                .into_iter()
                .map(|r| match r {
                    Ok(id) => BatchItem {
                        id: Some(id),
                        error: None,
                    },
                    Err(e) => BatchItem {
                        id: None,
                        error: Some(ErrorBody {
                            code: e.code().to_string(),
                            message: e.to_string(),
                        }),
                    },
                })
                .collect();
            Ok(Json(BatchResult { accepted, results }).into_response())
        }
        _ => Err(ApiError::bad_request(
            "malformed",
            "give exactly one of `tx` and `txs`",
        )),
    }
}

async fn submit_many(
    backend: &Shared,
    raw: Vec<Vec<u8>>,
) -> ApiResult<Vec<Result<Hash, govchain_mempool::AdmitError>>> {
    let backend = backend.clone();
    // Signature checks are CPU work: keep them off the async workers.
    tokio::task::spawn_blocking(move || backend.submit(raw))
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                e.to_string(),
            )
        })
}

async fn submit_one(backend: &Shared, raw: Vec<u8>) -> ApiResult<Hash> {
    let result = submit_many(backend, vec![raw]).await?.into_iter().next();
    match result {
        Some(Ok(id)) => Ok(id),
        Some(Err(e)) => Err(ApiError::new(
            admit_status(&e),
            e.code().as_str(),
            e.to_string(),
        )),
        None => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "admission gave no result",
        )),
    }
}

fn parse_hash(s: &str) -> ApiResult<Hash> {
    s.parse()
        .map_err(|e: String| ApiError::bad_request("malformed", e))
}

/// A transaction and its receipt
#[utoipa::path(
    get, path = "/v1/tx/{id}", tag = "transactions",
    params(("id" = String, Path, description = "transaction id, 64 hex digits")),
    responses(
        (status = 200, description = "committed: the transaction, its receipt and block", body = TxRecordSchema),
        (status = 400, description = "`malformed`: not a transaction id", body = ErrorBody),
        (status = 404, description = "unknown, or `pending` while in the mempool", body = ErrorBody),
    )
)]
async fn get_tx(State(backend): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    let id = parse_hash(&id)?;
    match backend.tx(&id)? {
        Some(record) => Ok(Json(record).into_response()),
        None if backend.is_pending(&id) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "pending",
            format!("transaction `{id}` is in the mempool, not yet committed"),
        )),
        None => Err(ApiError::not_found(format!("no transaction `{id}`"))),
    }
}

fn parse_height(s: &str) -> ApiResult<Option<Height>> {
    if s == "latest" {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| {
        ApiError::bad_request(
            "malformed",
            format!("`{s}` is not a height: give a number or `latest`"),
        )
    })
}

/// A block with its certificate and receipts
#[utoipa::path(
    get, path = "/v1/blocks/{height}", tag = "blocks",
    params(("height" = String, Path, description = "a height, or `latest`")),
    responses(
        (status = 200, description = "the block", body = BlockRecordSchema),
        (status = 400, description = "`malformed`: not a height", body = ErrorBody),
        (status = 404, description = "no block at that height", body = ErrorBody),
    )
)]
async fn get_block(
    State(backend): State<Shared>,
    Path(height): Path<String>,
) -> ApiResult<Response> {
    let h = parse_height(&height)?;
    match backend.block(h)? {
        Some(record) => Ok(Json(record).into_response()),
        None => Err(ApiError::not_found(format!("no block at height {height}"))),
    }
}

/// `?height=` on state and proof reads.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AtHeight {
    /// Read as of this height (default: latest).
    pub height: Option<Height>,
}

fn at_height(q: Result<Query<AtHeight>, QueryRejection>) -> ApiResult<Option<Height>> {
    q.map(|Query(q)| q.height)
        .map_err(|e| ApiError::bad_request("malformed", e.body_text()))
}

/// The key in the path and the `?height=` of a state, proof or certificate read.
fn key_at(
    key: &str,
    q: Result<Query<AtHeight>, QueryRejection>,
) -> ApiResult<(Vec<u8>, Option<Height>)> {
    Ok((parse_key(key)?, at_height(q)?))
}

/// A state key: readable text (`principal/civil-affairs`) or `0x`-prefixed hex.
fn parse_key(key: &str) -> ApiResult<Vec<u8>> {
    match key.strip_prefix("0x") {
        Some(h) => hex::decode(h)
            .map_err(|_| ApiError::bad_request("malformed", format!("`{key}` is not hexadecimal"))),
        None if key.is_empty() => Err(ApiError::bad_request("malformed", "the key is empty")),
        None => Ok(key.as_bytes().to_vec()),
    }
}

/// A state value as of a height.
#[derive(Debug, Serialize, ToSchema)]
pub struct StateValue {
    pub key: String,
    /// The height read at.
    pub height: Option<Height>,
    /// The value's canonical encoding, in hex.
    pub value_hex: String,
    /// The value decoded, when the key is of a known kind; null otherwise. Free-form: its
    /// shape is that of whatever the key holds (a principal, a record version, a law, an
    /// account, the validator set, a nonce …), which `value_hex` encodes.
    pub value: Option<serde_json::Value>,
    /// When this version was written.
    pub version_height: Height,
    /// Which transaction of that block wrote it (none for genesis).
    pub tx_index: Option<u32>,
}

/// A state value as of a height
#[utoipa::path(
    get, path = "/v1/state/{key}", tag = "state",
    params(("key" = String, Path, description = "e.g. `principal/civil-affairs`, or 0x-hex"), AtHeight),
    responses(
        (status = 200, description = "the version in force", body = StateValue),
        (status = 400, description = "`malformed`: a key in bad hex, or a height that does not parse", body = ErrorBody),
        (status = 403, description = "`read_request_required`: the key is of a protected or secret record or account; read it with a signed read request (`POST /v1/read`)", body = ErrorBody),
        (status = 404, description = "absent at that height", body = ErrorBody),
    )
)]
async fn get_state(
    State(backend): State<Shared>,
    Path(key): Path<String>,
    q: Result<Query<AtHeight>, QueryRejection>,
) -> ApiResult<Json<StateValue>> {
    let (raw, height) = key_at(&key, q)?;
    let v = backend
        .state(&raw, height)?
        .ok_or_else(|| ApiError::not_found(format!("no value at `{key}`")))?;
    Ok(Json(StateValue {
        value: json_view(&raw, &v.value),
        value_hex: hex::encode(&v.value),
        key,
        height,
        version_height: v.height,
        tx_index: v.tx_index,
    }))
}

/// A Merkle proof of a key's value (or absence) at a height
///
/// Check it offline with `govchain proof verify FILE --root R`, where R is the state root
/// certified by the header of the next block.
#[utoipa::path(
    get, path = "/v1/proof/{key}", tag = "state",
    params(("key" = String, Path, description = "e.g. `principal/civil-affairs`, or 0x-hex"), AtHeight),
    responses(
        (status = 200, description = "inclusion or exclusion proof", body = StateProofSchema),
        (status = 400, description = "`malformed`: a key in bad hex, or a height that does not parse", body = ErrorBody),
        (status = 403, description = "`read_request_required`: the key is of a protected or secret record or account; read it with a signed read request (`POST /v1/read`)", body = ErrorBody),
        (status = 404, description = "no state at that height", body = ErrorBody),
    )
)]
async fn get_proof(
    State(backend): State<Shared>,
    Path(key): Path<String>,
    q: Result<Query<AtHeight>, QueryRejection>,
) -> ApiResult<Response> {
    let (raw, height) = key_at(&key, q)?;
    Ok(Json(backend.proof(&raw, height)?).into_response())
}

/// The offline certificate of a record
///
/// The value (or absence) of `key` at a height, its Merkle proof, the next block's header with
/// the validators' commit certificate, and `handovers`: for every change of the validator set
/// since genesis, the header before it signed by the outgoing set and a proof of the incoming
/// set against that header's state root. `govchain verify FILE --genesis genesis.json` checks
/// it against the genesis alone, with no network.
#[utoipa::path(
    get, path = "/v1/certificate/{key}", tag = "state",
    params(("key" = String, Path, description = "e.g. `principal/civil-affairs`, or 0x-hex"), AtHeight),
    responses(
        (status = 200, description = "proof, certifying header, commit certificate, validator-set handovers since genesis", body = RecordCertificateSchema),
        (status = 400, description = "`malformed`: a key in bad hex, or a height that does not parse", body = ErrorBody),
        (status = 403, description = "`read_request_required`: the key is of a protected or secret record or account; read it with a signed read request (`POST /v1/read`)", body = ErrorBody),
        (status = 404, description = "that height is not certified yet (its next block is not committed)", body = ErrorBody),
    )
)]
async fn get_certificate(
    State(backend): State<Shared>,
    Path(key): Path<String>,
    q: Result<Query<AtHeight>, QueryRejection>,
) -> ApiResult<Response> {
    let (raw, height) = key_at(&key, q)?;
    Ok(Json(backend.certificate(&raw, height)?).into_response())
}

/// The laws in force at a height
#[utoipa::path(
    get, path = "/v1/laws", tag = "laws",
    params(AtHeight),
    responses(
        (status = 200, description = "`height` and `laws`: every law package in force at that height", body = crate::LawsInForce),
        (status = 400, description = "`malformed`: a height that does not parse", body = ErrorBody),
        (status = 404, description = "a height beyond the next block", body = ErrorBody),
    )
)]
async fn get_laws(
    State(backend): State<Shared>,
    q: Result<Query<AtHeight>, QueryRejection>,
) -> ApiResult<Response> {
    let height = at_height(q)?;
    Ok(Json(backend.laws(height)?).into_response())
}

/// A law's versions and interpretations
#[utoipa::path(
    get, path = "/v1/laws/{id}/history", tag = "laws",
    params(("id" = String, Path, description = "the law's id, e.g. `civil-registration-law`")),
    responses(
        (status = 200, description = "every version (enacted at, signed by, effective from, ended when and how) and the interpretations recorded", body = crate::LawHistory),
        (status = 400, description = "not a law id", body = ErrorBody),
        (status = 404, description = "no law has that id", body = ErrorBody),
    )
)]
async fn get_law_history(
    State(backend): State<Shared>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(Json(backend.law_history(&id)?).into_response())
}

/// The registries in force
#[utoipa::path(
    get, path = "/v1/registries", tag = "registries",
    params(AtHeight),
    responses(
        (status = 200, description = "every registry definition in force, with the law that states it", body = Vec<RegistryViewSchema>),
        (status = 400, description = "`malformed`: a height that does not parse", body = ErrorBody),
        (status = 404, description = "a height outside the chain", body = ErrorBody),
    )
)]
async fn get_registries(
    State(backend): State<Shared>,
    q: Result<Query<AtHeight>, QueryRejection>,
) -> ApiResult<Response> {
    let height = at_height(q)?;
    Ok(Json(backend.registries(height)?).into_response())
}

/// The services deployed
#[utoipa::path(
    get, path = "/v1/services", tag = "services",
    responses(
        (status = 200, description = "the latest version of every deployed service, by name: its script, form, the law and articles it carries out, its department, and who deployed it under which article", body = Vec<ServiceViewSchema>),
        (status = 503, description = "`unavailable`: the node could not read its state", body = ErrorBody),
    )
)]
async fn get_services(State(backend): State<Shared>) -> ApiResult<Response> {
    Ok(Json(backend.services()?).into_response())
}

/// What `GET /v1/services/{name}` asks.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ServiceQuery {
    /// The version (default: the latest).
    pub version: Option<u32>,
}

/// A version of a service, with its code
#[utoipa::path(
    get, path = "/v1/services/{name}", tag = "services",
    params(("name" = String, Path), ServiceQuery),
    responses(
        (status = 200, description = "the version asked (default: the latest), with its script: the code of every version stays readable", body = ServiceViewSchema),
        (status = 400, description = "`malformed`: a version that does not parse", body = ErrorBody),
        (status = 404, description = "no such service, or no such version of it", body = ErrorBody),
        (status = 503, description = "`unavailable`: the node could not read its state", body = ErrorBody),
    )
)]
async fn get_service(
    State(backend): State<Shared>,
    Path(name): Path<String>,
    q: Result<Query<ServiceQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q.map_err(|e| ApiError::bad_request("malformed", e.body_text()))?;
    Ok(Json(backend.service(&name, q.version)?).into_response())
}

/// A public record as of a height
#[utoipa::path(
    get, path = "/v1/records/{registry}/{key}", tag = "registries",
    params(("registry" = String, Path), ("key" = String, Path), AtHeight),
    responses(
        (status = 200, description = "the version in force: fields, status, who wrote it (height, tx, signer, position) and the article that allowed it", body = RecordViewSchema),
        (status = 400, description = "`malformed`: a height that does not parse", body = ErrorBody),
        (status = 403, description = "a protected or secret registry: read it with a signed read request (`POST /v1/read`)", body = ErrorBody),
        (status = 404, description = "no such registry or record (at that height)", body = ErrorBody),
    )
)]
async fn get_record(
    State(backend): State<Shared>,
    Path((registry, key)): Path<(String, String)>,
    q: Result<Query<AtHeight>, QueryRejection>,
) -> ApiResult<Response> {
    let height = at_height(q)?;
    Ok(Json(backend.record(&registry, &key, height)?).into_response())
}

/// Every version of a public record
#[utoipa::path(
    get, path = "/v1/records/{registry}/{key}/history", tag = "registries",
    params(("registry" = String, Path), ("key" = String, Path)),
    responses(
        (status = 200, description = "every version, oldest first", body = RecordHistorySchema),
        (status = 403, description = "a protected or secret registry", body = ErrorBody),
        (status = 404, description = "no such registry or record", body = ErrorBody),
    )
)]
async fn get_record_history(
    State(backend): State<Shared>,
    Path((registry, key)): Path<(String, String)>,
) -> ApiResult<Response> {
    Ok(Json(backend.record_history(&registry, &key)?).into_response())
}

/// The currencies in force, with their supply
#[utoipa::path(
    get, path = "/v1/currencies", tag = "finance",
    params(AtHeight),
    responses(
        (status = 200, description = "each currency: code, name, decimals, issuer, supply limit and fee its law sets, the supply in circulation, the law", body = Vec<CurrencyViewSchema>),
        (status = 400, description = "`malformed`: a height that does not parse", body = ErrorBody),
        (status = 404, description = "a height outside the chain", body = ErrorBody),
    )
)]
async fn get_currencies(
    State(backend): State<Shared>,
    q: Result<Query<AtHeight>, QueryRejection>,
) -> ApiResult<Response> {
    let height = at_height(q)?;
    Ok(Json(backend.currencies(height)?).into_response())
}

/// A department's account as of a height
///
/// Departments' accounts (the treasury's, say) are public finance. The accounts of persons and
/// organisations are read with a signed read request (`POST /v1/read`, target `account`); its
/// proof with `"proof": true`, or for departments `GET /v1/certificate/account/{currency}/{holder}`.
#[utoipa::path(
    get, path = "/v1/accounts/{holder}/{currency}", tag = "finance",
    params(("holder" = String, Path), ("currency" = String, Path), AtHeight),
    responses(
        (status = 200, description = "balance (minor units and major), freeze order, the height read and the height that last changed it", body = AccountView),
        (status = 400, description = "`malformed`: a height that does not parse", body = ErrorBody),
        (status = 403, description = "a person's or organisation's account: read it with a signed read request", body = ErrorBody),
        (status = 404, description = "no such holder or currency, or a height above the latest", body = ErrorBody),
    )
)]
async fn get_account(
    State(backend): State<Shared>,
    Path((holder, currency)): Path<(String, String)>,
    q: Result<Query<AtHeight>, QueryRejection>,
) -> ApiResult<Response> {
    let height = at_height(q)?;
    Ok(Json(backend.account(&holder, &currency, height)?).into_response())
}

/// What `GET /v1/accounts/{holder}/{currency}/statement` asks.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// At most this many lines (default 100, most 500).
    pub limit: Option<usize>,
    /// Newest lines first.
    #[serde(default)]
    pub newest_first: bool,
}

/// A page of a department's account statement
#[utoipa::path(
    get, path = "/v1/accounts/{holder}/{currency}/statement", tag = "finance",
    params(("holder" = String, Path), ("currency" = String, Path), StatementQuery),
    responses(
        (status = 200, description = "statement lines (height, transaction, kind, amount, balance after, counterparty, memo, reference, article) and the cursor of the next page", body = StatementPageSchema),
        (status = 400, description = "a malformed cursor or limit", body = ErrorBody),
        (status = 403, description = "a person's or organisation's account: read it with a signed read request", body = ErrorBody),
        (status = 404, description = "no such holder or currency", body = ErrorBody),
    )
)]
async fn get_statement(
    State(backend): State<Shared>,
    Path((holder, currency)): Path<(String, String)>,
    q: Result<Query<StatementQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q.map_err(|e| ApiError::bad_request("malformed", e.body_text()))?;
    let page = backend.statement(
        &holder,
        &currency,
        q.after.as_deref(),
        q.limit.unwrap_or(crate::backend::MAX_PAGE),
        q.newest_first,
    )?;
    Ok(Json(page).into_response())
}

/// What `GET /v1/records/{registry}` asks.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecordQuery {
    /// An indexed field, e.g. `region` (with `value`); without both, every record.
    pub field: Option<String>,
    /// The value sought, e.g. `110101`.
    pub value: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// At most this many (default and most: 100).
    pub limit: Option<usize>,
    /// As of this height (default: the latest).
    pub height: Option<Height>,
}

/// Public records by a secondary index (or every record), paginated: the export of a
/// registry as of a height
#[utoipa::path(
    get, path = "/v1/records/{registry}", tag = "registries",
    params(("registry" = String, Path), RecordQuery),
    responses(
        (status = 200, description = "the records, in key order, and the cursor of the next page", body = RecordPageSchema),
        (status = 400, description = "the field has no index", body = ErrorBody),
        (status = 403, description = "a protected or secret registry", body = ErrorBody),
        (status = 404, description = "no law in force defines that registry", body = ErrorBody),
    )
)]
async fn query_records(
    State(backend): State<Shared>,
    Path(registry): Path<String>,
    q: Result<Query<RecordQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q.map_err(|e| ApiError::bad_request("malformed", e.body_text()))?;
    let limit = q
        .limit
        .unwrap_or(crate::backend::MAX_PAGE)
        .clamp(1, crate::backend::MAX_PAGE);
    let by = match (q.field.as_deref(), q.value.as_deref()) {
        (Some(f), Some(v)) => Some((f, v)),
        (None, None) => None,
        _ => {
            return Err(ApiError::bad_request(
                "malformed",
                "give both `field` and `value`, or neither (every record)",
            ));
        }
    };
    let page = backend.query_records(&registry, by, q.after.as_deref(), limit, q.height)?;
    Ok(Json(page).into_response())
}

/// A signed read from the hex of its canonical encoding.
fn decode_signed_read(hex: &str) -> ApiResult<govchain_types::SignedRead> {
    let bytes = hex::decode(hex.trim())
        .map_err(|e| ApiError::bad_request("malformed", format!("hex: {e}")))?;
    govchain_types::decode::<govchain_types::SignedRead>("signed read request", &bytes)
        .map_err(|e| ApiError::bad_request("malformed", e.to_string()))
}

/// A signed read of protected records, or of the read log
#[utoipa::path(
    post, path = "/v1/read", tag = "registries",
    request_body(content = Object, description = "a signed read request: `{\"read\": hex}` of its canonical encoding, or the JSON `{request, signature}`; the request names the node it is for (`node`: the node's consensus key, as `GET /v1/status` gives it)"),
    responses(
        (status = 200, description = "the record, its history or certificate, the account or statement, or the log entries, and the article that allowed the read; the read is logged. A record or certificate as of a height is decided on the version it returns; a history lists only the versions the laws let the reader see, each decided on its own content, and says how many were withheld (`withheld`)", body = crate::ReadAnswer),
        (status = 400, description = "malformed, expired, or signed by an unknown or revoked key; `wrong_node`: the request names another node (nothing is logged)", body = ErrorBody),
        (status = 403, description = "the laws do not let the reader read it (the refusal is logged too); a record that is not there is decided as an empty record with no region, so a refusal does not say whether it exists", body = ErrorBody),
        (status = 404, description = "no such registry or account, no version at that height, or no such record where the laws let the reader read it anywhere; the read is logged too (outcome `not_found`)", body = ErrorBody),
        (status = 409, description = "`replayed`: this signed request was already served by this node", body = ErrorBody),
        (status = 413, description = "`too_large`: a body over 1 MiB", body = ErrorBody),
        (status = 429, description = "`rate_limited`: the reader asked more often than this node serves one reader (a burst, then a steady rate); the `Retry-After` header says in how many seconds to try again; nothing is logged", body = ErrorBody),
    )
)]
async fn signed_read(
    State(backend): State<Shared>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = body.map_err(body_error)?;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ReadBody {
        Hex { read: String },
        Json(Box<govchain_types::SignedRead>),
    }
    let parsed: ReadBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request("malformed", format!("a signed read request: {e}")))?;
    let signed = match parsed {
        ReadBody::Json(s) => *s,
        ReadBody::Hex { read } => decode_signed_read(&read)?,
    };
    let answer = tokio::task::spawn_blocking(move || backend.read(signed))
        .await
        .map_err(|e| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
        })??;
    Ok(Json(answer).into_response())
}

/// What `POST /v1/laws/verify` takes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The bill: a law package as `govchain law sign` takes it.
    #[schema(value_type = Object)]
    pub bill: govchain_types::LawPackage,
    /// Requests to replay instead of the audit log's recent ones.
    #[schema(value_type = Option<Vec<Object>>)]
    pub samples: Option<Vec<govchain_law::AuthRequest>>,
    /// A signed read (hex of its canonical encoding, as `POST /v1/read` takes it) whose target
    /// is this bill's dry run (`{"kind": "dry_run", "bill": hash}`): a member of the body that
    /// would enact the bill, or an auditor, sees the changed recorded requests listed, with
    /// private amounts left out. The read is decided by the laws and logged like any other.
    pub read: Option<String>,
}

/// Verifies a bill before the vote
#[utoipa::path(
    post, path = "/v1/laws/verify", tag = "laws",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "validity, the conflicts with the laws in force (each with a request that shows it), and the decisions a dry run changes: of the caller's samples, listed; of the node's recorded requests (real people's acts), only counted (`withheld`: true) unless a signed read (`read`) by a member of the bill's body or an auditor lets the reader see them listed (`decided_by`), private amounts left out (`amounts_withheld`)", body = VerifyReportSchema),
        (status = 400, description = "malformed request; `invalid_request`: more than 256 articles, or a sample with more than 64 other entities, 32 ancestors an entity, 512 in all, or ancestry deeper than 32; `too_many`: more than 1,000 samples; a `read` that is malformed, expired, signed by an unknown key, for another bill or target, or given with samples; `wrong_node`: the read names another node", body = ErrorBody),
        (status = 403, description = "`unauthorized`: the laws do not let the reader of `read` see the recorded requests listed (the refusal is logged)", body = ErrorBody),
        (status = 409, description = "`replayed`: this signed read was already served by this node", body = ErrorBody),
        (status = 413, description = "`too_large`: a body over 1 MiB", body = ErrorBody),
        (status = 429, description = "`rate_limited`: the reader of `read` asked more often than this node serves one reader, or this client (IP address) has had more than its share of the node's verifications and explanations (10 % of the worker's time after a burst of 15 s, by default); `Retry-After` says when to try again", body = ErrorBody),
        (status = 503, description = "`busy`: every verification worker is taken, or the node is at its cap of requests; `timeout`: no answer within 30 s", body = ErrorBody),
    )
)]
async fn verify_bill(
    State(backend): State<Shared>,
    State(gates): State<Arc<Gates>>,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = body.map_err(body_error)?;
    let req: VerifyRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request("malformed", format!("a verify request: {e}")))?;
    // Refuse what is too big to look at before taking a worker.
    govchain_law::check_size(&req.bill)
        .map_err(|e| ApiError::bad_request("invalid_request", e.to_string()))?;
    if let Some(samples) = &req.samples {
        let most = gates.limits.verify_samples;
        if samples.len() > most {
            return Err(ApiError::bad_request(
                "too_many",
                format!("at most {most} sample requests, not {}", samples.len()),
            ));
        }
        for (i, s) in samples.iter().enumerate() {
            govchain_law::check_bounds(s).map_err(|e| {
                ApiError::bad_request("invalid_request", format!("sample {i}: {e}"))
            })?;
        }
    }
    let read = match &req.read {
        Some(hex) => Some(decode_signed_read(hex)?),
        None => None,
    };
    // The search samples thousands of requests: on a bounded pool, off the async workers.
    let report = gates
        .expensive(client, move |cancel| {
            backend.verify_bill(&req.bill, req.samples, read, cancel)
        })
        .await??;
    Ok(Json(report).into_response())
}

/// What `GET /v1/explain` asks.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExplainQuery {
    /// The acting principal, e.g. `cit-0001`.
    pub principal: String,
    /// `create-principal`, `manage-keys` or `change-validators`.
    pub action: String,
    /// The principal acted on, where the action has one.
    pub target: Option<String>,
    /// For `create-principal`: person (default), organisation, department or legislature.
    pub kind: Option<String>,
    /// Decide as at this height (default: the next block).
    pub height: Option<Height>,
}

/// How the laws decide an action, with citations
#[utoipa::path(
    get, path = "/v1/explain", tag = "laws",
    params(ExplainQuery),
    responses(
        (status = 200, description = "the decision, the article that made it, every article that applied", body = crate::ExplainAnswer),
        (status = 400, description = "unknown principal or action", body = ErrorBody),
        (status = 429, description = "`rate_limited`: this client (IP address) has had more than its share of the node's verifications and explanations; `Retry-After` says when to try again", body = ErrorBody),
        (status = 503, description = "`busy`: every worker for explanations and verifications is taken, or the node is at its cap of requests; `timeout`: no answer within 30 s", body = ErrorBody),
    )
)]
async fn get_explain(
    State(backend): State<Shared>,
    State(gates): State<Arc<Gates>>,
    client: Client,
    q: Result<Query<ExplainQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q.map_err(|e| ApiError::bad_request("malformed", e.body_text()))?;
    let answer = gates
        .expensive(client, move |_| {
            backend.explain(
                &q.principal,
                &q.action,
                q.target.as_deref(),
                q.kind.as_deref(),
                q.height,
            )
        })
        .await??;
    Ok(Json(answer).into_response())
}

/// How the laws decide a request given in full
#[utoipa::path(
    post, path = "/v1/explain", tag = "laws",
    request_body(content = Object, description = "an authorization request: principal and resource (`uid` {kind, id}, `attrs`, `ancestors`), `action`, `height`, optional `region`, `via_contract`, `others`"),
    responses(
        (status = 200, description = "the decision, the article that made it, every article that applied", body = crate::ExplainAnswer),
        (status = 400, description = "malformed request, or one the schema does not allow; `invalid_request`: more than 64 other entities, 32 ancestors an entity, 512 in all, or ancestry deeper than 32", body = ErrorBody),
        (status = 413, description = "`too_large`: a body over 1 MiB", body = ErrorBody),
        (status = 429, description = "`rate_limited`: this client (IP address) has had more than its share of the node's verifications and explanations; `Retry-After` says when to try again", body = ErrorBody),
        (status = 503, description = "`busy`: every worker for explanations and verifications is taken, or the node is at its cap of requests; `timeout`: no answer within 30 s", body = ErrorBody),
    )
)]
async fn post_explain(
    State(backend): State<Shared>,
    State(gates): State<Arc<Gates>>,
    client: Client,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = body.map_err(body_error)?;
    let req: govchain_law::AuthRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request("malformed", format!("an authorization request: {e}"))
    })?;
    govchain_law::check_bounds(&req)
        .map_err(|e| ApiError::bad_request("invalid_request", e.to_string()))?;
    let answer = gates
        .expensive(client, move |_| backend.explain_request(&req))
        .await??;
    Ok(Json(answer).into_response())
}

/// The node's status
#[utoipa::path(
    get, path = "/v1/status", tag = "node",
    responses((status = 200, description = "chain, height, roots, mempool, and `node`: this node's consensus key, which a signed read request (`POST /v1/read`) names", body = Status))
)]
async fn status(State(backend): State<Shared>) -> Response {
    Json(backend.status()).into_response()
}

/// Prometheus metrics
#[utoipa::path(
    get, path = "/metrics", tag = "node",
    responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "application/openmetrics-text"))
)]
async fn metrics(State(backend): State<Shared>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        backend.metrics(),
    )
        .into_response()
}

/// What `GET /v1/events` may filter on.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Only the receipts of transactions that wrote to this registry (events
    /// `record_inserted`, `record_updated`, `record_closed`, `records_imported`); blocks with
    /// none are skipped.
    pub registry: Option<String>,
}

/// Whether a receipt wrote to `registry`.
fn touches(receipt: &govchain_types::Receipt, registry: &str) -> bool {
    receipt.events.iter().any(|e| {
        e.attributes
            .iter()
            .any(|(k, v)| k == "registry" && v == registry)
    })
}

/// Committed blocks and their receipts, as server-sent events
///
/// Each event is `event: block` with the JSON of the commit. A client too slow to keep up gets
/// `event: lagged` with the number of events it missed. With `?registry=`, only the receipts
/// that wrote to that registry, and only the blocks that have some: what a department's
/// traditional system follows to mirror a registry.
#[utoipa::path(
    get, path = "/v1/events", tag = "node",
    params(EventsQuery),
    responses(
        (status = 200, description = "text/event-stream", content_type = "text/event-stream"),
        (status = 503, description = "`busy`: as many event streams are open as the node keeps (256)", body = ErrorBody),
    )
)]
async fn events(
    State(backend): State<Shared>,
    State(gates): State<Arc<Gates>>,
    q: Result<Query<EventsQuery>, QueryRejection>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let Query(q) = q.map_err(|e| ApiError::bad_request("malformed", e.body_text()))?;
    let permit = gates.stream()?;
    let registry = q.registry;
    let redactor = backend.clone();
    let stream = BroadcastStream::new(backend.subscribe()).filter_map(move |item| {
        let event = match item {
            Ok(commit) => {
                let shown = match &registry {
                    None => Some(commit.as_ref().clone()),
                    Some(r) => {
                        let mut c = commit.as_ref().clone();
                        c.receipts.retain(|rc| touches(rc, r));
                        (!c.receipts.is_empty()).then_some(c)
                    }
                };
                let shown = shown.map(|mut c| {
                    for r in &mut c.receipts {
                        redactor.redact_receipt(r);
                    }
                    c
                });
                shown.map(|c| {
                    SseEvent::default()
                        .event("block")
                        .json_data(&c)
                        .unwrap_or_else(|_| {
                            SseEvent::default().event("error").data("encoding failed")
                        })
                })
            }
            Err(BroadcastStreamRecvError::Lagged(n)) => {
                Some(SseEvent::default().event("lagged").data(n.to_string()))
            }
        };
        event.map(Ok)
    });
    let stream = Held {
        inner: stream,
        _permit: permit,
    };
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// A stream that holds its place among the open event streams until it is dropped (the client
/// went away, or the server stops).
struct Held<S> {
    inner: S,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl<S: Stream + Unpin> Stream for Held<S> {
    type Item = S::Item;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<S::Item>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_next(cx)
    }
}

/// The OpenAPI document
#[utoipa::path(
    get, path = "/v1/openapi.json", tag = "node",
    responses((status = 200, description = "this API, described", body = Object))
)]
async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

/// The OpenAPI document of this API, generated from the handlers (utoipa).
#[derive(OpenApi)]
#[openapi(
    info(title = "govchain node API", description = "Transactions, blocks, versioned state with Merkle proofs, events and metrics of a govchain node. Every route: bodies of at most 1 MiB (`POST /v1/tx`: a batch of the largest transactions), an answer within 30 s, at most 512 requests at once; past a limit, 413 `too_large` or 503 `busy` / `timeout`, as JSON `{code, message}`."),
    paths(submit_tx, get_tx, get_block, get_state, get_proof, get_certificate, get_laws, get_law_history, verify_bill, get_explain, post_explain, get_registries, get_services, get_service, get_record, get_record_history, query_records, signed_read, get_currencies, get_account, get_statement, status, metrics, events, openapi),
    components(schemas(ErrorBody, SubmitRequest, Submitted, BatchItem, BatchResult, StateValue, Status, AccountView, TxRecordSchema, TxSchema, PayloadSchema, BlockRecordSchema, StateProofSchema, RecordCertificateSchema, crate::LawsInForce, crate::LawHistory, LawPackageSchema, VerifyReportSchema, AuthRequestSchema, crate::ExplainAnswer, RegistryViewSchema, ServiceViewSchema, CurrencyViewSchema, RecordViewSchema, RecordHistorySchema, RecordPageSchema, StatementPageSchema, crate::ReadAnswer)),
    modifiers(&LimitAnswers),
    tags(
        (name = "transactions", description = "submit signed transactions, read receipts"),
        (name = "blocks", description = "committed blocks with their certificates"),
        (name = "state", description = "versioned state and proofs"),
        (name = "laws", description = "laws in force, explanations of decisions"),
        (name = "registries", description = "registry definitions, records as of any height, index queries, signed reads of protected records"),
        (name = "finance", description = "currencies, public accounts and statements (others' through signed reads)"),
        (name = "node", description = "status, metrics, events"),
    )
)]
pub struct ApiDoc;

/// The answers the limits give on every route (`crate::limits`, one place), added to every
/// operation of the document in one place too: 503 `busy` / `timeout` everywhere, 413
/// `too_large` wherever a body is taken.
struct LimitAnswers;

impl utoipa::Modify for LimitAnswers {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for item in doc.paths.paths.values_mut() {
            for op in [&mut item.get, &mut item.post].into_iter().flatten() {
                let takes_body = op.request_body.is_some();
                let answers = &mut op.responses.responses;
                answers.entry("503".into()).or_insert_with(|| {
                    error(
                        "`busy`: the node is at its cap of requests at once; `timeout`: no answer \
                         within 30 s",
                    )
                    .into()
                });
                if takes_body {
                    answers
                        .entry("413".into())
                        .or_insert_with(|| error("`too_large`: a body over the limit").into());
                }
            }
        }
    }
}
