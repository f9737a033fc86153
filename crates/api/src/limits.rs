//! What one client may make the node do: the limits of every route, in one place.
//!
//! A validator's API shares its two or so cores and its memory with consensus, so the API
//! bounds what it reads (body size), how long it works on a request (timeout), how many
//! requests it works on at once (a global cap, then 503 `busy` rather than a queue), how many
//! event streams it keeps open, and how many expensive decisions (bill verification, explain)
//! run at once, off the async workers, and how much of that worker one client may have. The caps on what those decisions take as input (articles
//! per bill, entities per request) live in `govchain_law`, where that input is checked.

use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
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
    /// What share of the expensive workers' time one client (an IP address; an IPv6 /64) may
    /// take over time, in percent: each of its decisions is charged the time it took, times
    /// 100 / share, and a client whose charge runs more than `expensive_burst` ahead is answered
    /// 429 `rate_limited` until it has paid it off. So a stranger cannot keep the worker busy for
    /// everyone (at 10 %, nine in ten seconds are left to others, whatever one client sends).
    pub expensive_share_percent: u32,
    /// How much expensive work one client may have done at once before its share applies.
    pub expensive_burst: Duration,
    /// Most clients whose share is tracked at once; past that, with every one of them still in
    /// debt, a new client's expensive request is answered 503 `busy`.
    pub expensive_clients: usize,
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
            expensive_share_percent: 10,
            // The largest bill the caps allow takes about 7 s of a core (release build).
            expensive_burst: Duration::from_secs(15),
            expensive_clients: 4096,
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
    shares: Arc<Shares>,
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
            shares: Arc::new(Shares::new(&limits)),
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

    /// Runs `work` on a blocking thread if `client` has not used up its share of the expensive
    /// workers (else 429 `rate_limited`) and one is free (else 503 `busy`, at once). The permit
    /// goes with the work: a request that times out or whose client goes away does not free it
    /// before the work ends, so at most `expensive_workers` run; but it tells the work to stop
    /// (`work`'s [`Cancel`] is set when this future is dropped), and work that checks it ends
    /// early. The time the work took is charged to `client`.
    pub async fn expensive<T, F>(&self, client: Client, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&Cancel) -> T + Send + 'static,
        T: Send + 'static,
    {
        self.shares.admit(client.0, Instant::now())?;
        let permit = self
            .expensive
            .clone()
            .try_acquire_owned()
            .map_err(|_| busy("verifications and explanations"))?;
        let cancel = Cancel::new();
        let _stop_when_dropped = CancelOnDrop(cancel.clone());
        let shares = self.shares.clone();
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let out = work(&cancel);
            let now = Instant::now();
            shares.charge(client.0, now.saturating_duration_since(started), now);
            drop(permit);
            out
        })
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))
    }
}

pub use govchain_law::verify::Cancel;

/// Sets its [`Cancel`] when dropped: with the future of a request that timed out or was given up.
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Who asks, as far as the API can tell: the peer's IP address (an IPv6 address's /64, which
/// one host is commonly given whole), or `None` where the router is served without
/// connection info (tests that call it in process), all of whom share one share.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Client(pub Option<IpAddr>);

impl Client {
    pub fn of(addr: SocketAddr) -> Self {
        Self(Some(match addr.ip().to_canonical() {
            IpAddr::V6(v6) => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
            v4 => v4,
        }))
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map_or(Self(None), |c| Self::of(c.0)))
    }
}

/// Each client's charge for expensive work, as a virtual time at which it will have paid for
/// what it has used (the generic cell rate algorithm): work of `d` moves it `d × 100 / share`
/// ahead of now, and a client is admitted while it is at most the burst (scaled alike) ahead.
#[derive(Debug)]
struct Shares {
    factor: u32,
    ahead: Duration,
    most: usize,
    paid_at: Mutex<HashMap<Option<IpAddr>, Instant>>,
}

impl Shares {
    fn new(limits: &Limits) -> Self {
        let factor = 100u32
            .checked_div(limits.expensive_share_percent.clamp(1, 100))
            .unwrap_or(1);
        Self {
            factor,
            ahead: limits.expensive_burst.saturating_mul(factor),
            most: limits.expensive_clients.max(1),
            paid_at: Mutex::new(HashMap::new()),
        }
    }

    fn admit(&self, client: Option<IpAddr>, now: Instant) -> Result<(), ApiError> {
        let mut paid_at = self.paid_at.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(at) = paid_at.get(&client) {
            let wait = at.saturating_duration_since(now);
            if wait > self.ahead {
                let over = wait.saturating_sub(self.ahead);
                let retry = over
                    .as_secs()
                    .saturating_add(u64::from(over.subsec_nanos() > 0));
                return Err(ApiError::rate_limited(
                    format!(
                        "this client has had more than its share of the node's verifications and explanations; try again in {retry} s"
                    ),
                    retry,
                ));
            }
            return Ok(());
        }
        if paid_at.len() >= self.most {
            // Clients that have paid up are no different from clients never seen.
            paid_at.retain(|_, at| *at > now);
            if paid_at.len() >= self.most {
                return Err(busy("clients of verifications and explanations"));
            }
        }
        Ok(())
    }

    fn charge(&self, client: Option<IpAddr>, took: Duration, now: Instant) {
        let mut paid_at = self.paid_at.lock().unwrap_or_else(|p| p.into_inner());
        if paid_at.len() >= self.most && !paid_at.contains_key(&client) {
            paid_at.retain(|_, at| *at > now);
        }
        let from = paid_at.get(&client).copied().unwrap_or(now).max(now);
        let owed = took.saturating_mul(self.factor);
        paid_at.insert(client, from.checked_add(owed).unwrap_or(from));
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]

    use super::*;

    /// A verification whose request is given up is told to stop, and the worker is free again
    /// as soon as it checks, not when it would have ended.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_given_up_request_stops_its_work_and_frees_the_worker() {
        let gates = Gates::new(Limits::default());
        let endless = |cancel: &Cancel| {
            let started = Instant::now();
            while !cancel.is_cancelled() {
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "never told to stop"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
            "stopped"
        };
        let given_up = tokio::time::timeout(
            Duration::from_millis(50),
            gates.expensive(Client(None), endless),
        )
        .await;
        assert!(given_up.is_err(), "the endless work answered");
        let freed = Instant::now();
        loop {
            match gates.expensive(Client(None), |_| "next").await {
                Ok(answer) => {
                    assert_eq!(answer, "next");
                    break;
                }
                Err(e) => {
                    assert_eq!(e.body.code, "busy", "{e:?}");
                    assert!(
                        freed.elapsed() < Duration::from_secs(10),
                        "the worker stayed taken after its request was given up"
                    );
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        }
    }

    fn client(ip: &str) -> Client {
        Client::of(SocketAddr::new(ip.parse().unwrap(), 4000))
    }

    /// Each client is charged its work's time, times 100 / share; past its burst it waits, and
    /// others do not. An IPv6 /64 is one client; an IPv4-mapped address is its IPv4 address.
    #[test]
    fn each_client_is_charged_for_its_work_and_waits_past_its_burst() {
        let shares = Shares::new(&Limits {
            expensive_share_percent: 10,
            expensive_burst: Duration::from_secs(1),
            expensive_clients: 3,
            ..Limits::default()
        });
        let t0 = Instant::now();
        let at = |ms: u64| t0.checked_add(Duration::from_millis(ms)).unwrap();
        let a = client("10.0.0.1").0;
        // 1 s of work: charged 10 s, 1 s of it within the burst, so 9 s to wait.
        shares.admit(a, t0).unwrap();
        shares.charge(a, Duration::from_secs(1), t0);
        shares.admit(a, t0).unwrap();
        shares.charge(a, Duration::from_millis(100), t0);
        let refused = shares.admit(a, t0).unwrap_err();
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.body.code, "rate_limited");
        assert_eq!(refused.retry_after, Some(1));
        // 11 s charged, 10 s within the burst: after 1 s it is admitted again.
        assert!(shares.admit(a, at(900)).is_err());
        shares.admit(a, at(1_000)).unwrap();
        // Another client is not held back by the first.
        shares.admit(client("10.0.0.2").0, t0).unwrap();
        // The same host by another spelling, and another address of the same /64, are the same.
        assert_eq!(client("::ffff:10.0.0.1"), client("10.0.0.1"));
        assert_eq!(client("2001:db8::1"), client("2001:db8::ffff:2"));
        assert_ne!(client("2001:db8::1"), client("2001:db8:0:1::1"));
        // Tracked clients are bounded: with three in debt a fourth new one is turned away...
        for ip in ["10.0.0.2", "10.0.0.3"] {
            shares.charge(client(ip).0, Duration::from_secs(10), t0);
        }
        let full = shares.admit(client("10.0.0.4").0, t0).unwrap_err();
        assert_eq!(full.body.code, "busy");
        // ... until one has paid up, whose place it then takes.
        let later = at(100_000);
        shares.admit(client("10.0.0.4").0, later).unwrap();
        shares.charge(client("10.0.0.4").0, Duration::from_secs(1), later);
        assert!(shares.paid_at.lock().unwrap().len() <= 3);
    }
}
