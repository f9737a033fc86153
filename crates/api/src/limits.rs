//! What one client may make the node do: the limits of every route, in one place.
//!
//! A validator's API shares its two or so cores and its memory with consensus, so the API
//! bounds what it reads (body size), how long it works on a request (timeout), how many
//! requests it works on at once (a global cap, then 503 `busy` rather than a queue), how many
//! event streams it keeps open, and how many expensive decisions (bill verification, explain)
//! run at once, off the async workers. The caps on what those decisions take as input (articles
//! per bill, entities per request) live in `govchain_law`, where that input is checked.

use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The API's limits. The node builds them ([`Limits::default`] unless told otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body, in bytes, on every route but `POST /v1/tx` (which takes a batch of
    /// transactions of up to the mempool's largest size each).
    pub body_bytes: usize,
    /// Longest time spent producing an answer. An event stream, once answered, is not timed.
    pub timeout: Duration,
    /// Most requests worked on at once; the next is answered 503 `busy` at once.
    pub concurrent_requests: usize,
    /// Most open event streams (`GET /v1/events`); the next is answered 503 `busy`.
    pub event_streams: usize,
    /// Most expensive decisions (bill verification, explain) running at once, each on a blocking
    /// thread; the next is answered 503 `busy` at once.
    pub expensive_workers: usize,
    /// Most sample requests one bill verification replays.
    pub verify_samples: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: 1024 * 1024,
            timeout: Duration::from_secs(30),
            concurrent_requests: 512,
            event_streams: 256,
            // One core of a two-core validator stays for consensus.
            expensive_workers: 1,
            verify_samples: crate::backend::MAX_VERIFY_SAMPLES,
        }
    }
}

/// The semaphores that enforce [`Limits`], shared by every clone of the router.
#[derive(Debug, Clone)]
pub(crate) struct Gates {
    pub limits: Limits,
    requests: Arc<Semaphore>,
    streams: Arc<Semaphore>,
    expensive: Arc<Semaphore>,
}

/// 503 `busy`: the node is at one of its caps; try again later.
fn busy(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        format!("the node is serving as many {what} as it may at once; try again later"),
    )
}

impl Gates {
    pub fn new(limits: Limits) -> Self {
        Self {
            requests: Arc::new(Semaphore::new(limits.concurrent_requests)),
            streams: Arc::new(Semaphore::new(limits.event_streams)),
            expensive: Arc::new(Semaphore::new(limits.expensive_workers)),
            limits,
        }
    }

    /// A place among the open event streams, held as long as the stream is.
    pub fn stream(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.streams
            .clone()
            .try_acquire_owned()
            .map_err(|_| busy("event streams"))
    }

    /// Runs `work` on a blocking thread if an expensive worker is free, else answers 503 `busy`
    /// at once. The permit goes with the work: a request that times out or whose client goes
    /// away does not free it before the work ends, so at most `expensive_workers` run.
    pub async fn expensive<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = self
            .expensive
            .clone()
            .try_acquire_owned()
            .map_err(|_| busy("verifications and explanations"))?;
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))
    }
}

/// The global cap and the timeout, around every route.
pub(crate) async fn guard(State(gates): State<Arc<Gates>>, req: Request, next: Next) -> Response {
    let Ok(_permit) = gates.requests.clone().try_acquire_owned() else {
        return busy("requests").into_response();
    };
    match tokio::time::timeout(gates.limits.timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("no answer within {} s", gates.limits.timeout.as_secs()),
        )
        .into_response(),
    }
}
