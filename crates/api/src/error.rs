//! Errors as JSON `{code, message}` with a fitting status.

use crate::backend::BackendError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use govchain_mempool::AdmitError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `bad_signature`, `not_found`.
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
}

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    /// Seconds after which the request may be tried again (a `Retry-After` header), if any.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                code: code.to_string(),
                message: message.into(),
            },
            retry_after: None,
        }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 429 `rate_limited`, to be tried again in `retry_after_secs`.
    pub fn rate_limited(message: impl Into<String>, retry_after_secs: u64) -> Self {
        Self {
            retry_after: Some(retry_after_secs),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message)
        }
    }
}

impl From<BackendError> for ApiError {
    fn from(e: BackendError) -> Self {
        match e {
            BackendError::NotFound(m) => ApiError::not_found(m),
            BackendError::BadRequest(m) => ApiError::bad_request("bad_request", m),
            BackendError::Forbidden(code, m) => ApiError::new(StatusCode::FORBIDDEN, code, m),
            BackendError::Conflict(code, m) => ApiError::new(StatusCode::CONFLICT, code, m),
            BackendError::Refused(code, m) => ApiError::bad_request(code, m),
            BackendError::RateLimited {
                retry_after_secs,
                message,
            } => ApiError::rate_limited(message, retry_after_secs),
            BackendError::Unavailable(m) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", m)
            }
        }
    }
}

/// The status an admission refusal is answered with.
pub fn admit_status(e: &AdmitError) -> StatusCode {
    use govchain_execution::envelope::EnvelopeError as E;
    match e {
        AdmitError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        AdmitError::Duplicate(_)
        | AdmitError::NonceTaken(_)
        | AdmitError::Envelope(E::NonceUsed { .. }) => StatusCode::CONFLICT,
        AdmitError::Full(_) | AdmitError::FullBytes { .. } | AdmitError::SignerLimit(_) => {
            StatusCode::TOO_MANY_REQUESTS
        }
        AdmitError::State(_) => StatusCode::SERVICE_UNAVAILABLE,
        AdmitError::Decode(_) | AdmitError::Envelope(_) | AdmitError::BadSignature(_) => {
            StatusCode::BAD_REQUEST
        }
    }
}

impl From<AdmitError> for ApiError {
    fn from(e: AdmitError) -> Self {
        ApiError::new(admit_status(&e), e.code().as_str(), e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}
