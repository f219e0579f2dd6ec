//! What every simulated request passes through, per route: it is logged and
//! counted (for tests' inspection), may meet an injected fault, and is held to the
//! vendor's rate limit.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::Vendor;
use crate::rng::Rng;

/// Marks a response the server must not send: the connection is closed instead.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// One request as received, for tests to assert what an adapter sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub seq: u64,
    /// Milliseconds since the simulator started.
    pub at_ms: u64,
    pub vendor: Vendor,
    /// The endpoint's short name, e.g. `assign_agents`.
    pub endpoint: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// The status answered; `0` when the connection was dropped.
    pub status: u16,
}

/// A fault to inject into matching requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    pub vendor: Vendor,
    /// The endpoint's short name (see the README); every endpoint when absent.
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Only the next N matching requests; every one until cleared when absent.
    #[serde(default)]
    pub times: Option<u32>,
    /// Each matching request meets the fault with this probability (seeded).
    #[serde(default)]
    pub probability: Option<f64>,
}

impl Fault {
    /// Every request to the vendor's `endpoint` answered with 400 (a refusal
    /// a client does not retry), until the faults are cleared.
    pub fn refuse(vendor: Vendor, endpoint: &str) -> Self {
        Self {
            vendor,
            endpoint: Some(endpoint.into()),
            kind: FaultKind::Status {
                status: 400,
                body: None,
                retry_after: None,
            },
            times: None,
            probability: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status and body instead of the endpoint's.
    Status {
        status: u16,
        #[serde(default)]
        body: Option<serde_json::Value>,
        #[serde(default)]
        retry_after: Option<u64>,
    },
    /// Wait this long, then answer normally.
    Latency { ms: u64 },
    /// Close the connection without an answer.
    Drop,
    /// Answer 200 with a body that is not valid JSON.
    MalformedJson,
    /// Answer with this status, content type and body exactly as given: HTML
    /// where JSON should be, JSON of the wrong shape or types, control characters.
    Raw {
        status: u16,
        content_type: String,
        body: String,
    },
    /// Answer 200 with a body of this many bytes, streamed without a length
    /// (a misconfigured base URL serving a download).
    Huge { bytes: u64 },
}

/// What a huge answer is made of.
static HUGE_CHUNK: [u8; 65_536] = [b' '; 65_536];

/// A sliding-window limit: at most `max` requests in any `window_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    pub max: u32,
    pub window_ms: u64,
}

impl RateLimit {
    pub const fn per_minute(max: u32) -> Self {
        Self {
            max,
            window_ms: 60_000,
        }
    }

    pub const fn per_second(max: u32) -> Self {
        Self {
            max,
            window_ms: 1_000,
        }
    }
}

/// Shared by all vendors of one simulator: the request log, counts and faults.
pub struct Inspector {
    started: Instant,
    capacity: usize,
    inner: Mutex<InspectorState>,
}

struct InspectorState {
    seq: u64,
    log: VecDeque<RequestRecord>,
    counts: HashMap<(Vendor, String), u64>,
    faults: Vec<Fault>,
    rng: Rng,
}

impl Inspector {
    pub fn new(seed: u64, capacity: usize) -> Self {
        Self {
            started: Instant::now(),
            capacity,
            inner: Mutex::new(InspectorState {
                seq: 0,
                log: VecDeque::new(),
                counts: HashMap::new(),
                faults: Vec::new(),
                rng: Rng::derive(seed, "faults"),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, InspectorState> {
        // A panic while holding this lock leaves plain data behind: keep going.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// The most recent requests (up to the log's capacity), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().log.iter().cloned().collect()
    }

    /// How many requests each endpoint of `vendor` received (whatever their answer).
    pub fn counts(&self, vendor: Vendor) -> BTreeMap<String, u64> {
        self.lock()
            .counts
            .iter()
            .filter(|((v, _), _)| *v == vendor)
            .map(|((_, e), n)| (e.clone(), *n))
            .collect()
    }

    pub fn count(&self, vendor: Vendor, endpoint: &str) -> u64 {
        self.lock()
            .counts
            .get(&(vendor, endpoint.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Forgets the log and the counts (not the faults).
    pub fn clear_requests(&self) {
        let mut s = self.lock();
        s.log.clear();
        s.counts.clear();
    }

    pub fn add_fault(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }

    pub fn faults(&self) -> Vec<Fault> {
        self.lock().faults.clone()
    }

    pub fn clear_faults(&self, vendor: Option<Vendor>) {
        self.lock()
            .faults
            .retain(|f| vendor.is_some_and(|v| f.vendor != v));
    }

    /// The fault this request meets, if any; counts it against `times`.
    /// The fault this request meets: the matching faults in the order they
    /// were added, each with its probability; the first that strikes.
    fn take_fault(&self, vendor: Vendor, endpoint: &str) -> Option<FaultKind> {
        let mut s = self.lock();
        let state = &mut *s;
        let mut index = None;
        for (i, f) in state.faults.iter().enumerate() {
            let matches = f.vendor == vendor
                && f.endpoint.as_deref().is_none_or(|e| e == endpoint)
                && f.times != Some(0);
            if matches && f.probability.is_none_or(|p| state.rng.chance(p)) {
                index = Some(i);
                break;
            }
        }
        let index = index?;
        let fault = &mut state.faults[index];
        let kind = fault.kind.clone();
        if let Some(times) = fault.times.as_mut() {
            *times -= 1;
            if *times == 0 {
                state.faults.remove(index);
            }
        }
        Some(kind)
    }

    fn record(&self, mut record: RequestRecord) {
        let mut s = self.lock();
        s.seq += 1;
        record.seq = s.seq;
        *s.counts
            .entry((record.vendor, record.endpoint.clone()))
            .or_default() += 1;
        if s.log.len() >= self.capacity {
            s.log.pop_front();
        }
        s.log.push_back(record);
    }
}

/// One vendor's rate limiter (the simulated tenants each have one key).
pub struct Limiter {
    inner: Mutex<(Option<RateLimit>, VecDeque<Instant>)>,
}

impl Limiter {
    pub fn new(limit: Option<RateLimit>) -> Self {
        Self {
            inner: Mutex::new((limit, VecDeque::new())),
        }
    }

    pub fn set(&self, limit: Option<RateLimit>) {
        let mut s = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *s = (limit, VecDeque::new());
    }

    pub fn get(&self) -> Option<RateLimit> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .0
    }

    /// `Err(seconds to wait)` when the request is over the limit.
    fn admit(&self) -> Result<(), u64> {
        let mut s = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (limit, log) = &mut *s;
        let Some(limit) = *limit else { return Ok(()) };
        let window = Duration::from_millis(limit.window_ms);
        let now = Instant::now();
        while log
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            log.pop_front();
        }
        if log.len() >= limit.max as usize {
            let wait = log
                .front()
                .map(|t| window.saturating_sub(now.duration_since(*t)))
                .unwrap_or(window);
            return Err(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        log.push_back(now);
        Ok(())
    }
}

/// What a vendor's routes share: its name, its limiter, how it says "too many
/// requests", and the simulator's inspector.
#[derive(Clone)]
pub struct Gate {
    pub vendor: Vendor,
    pub inspector: Arc<Inspector>,
    pub limiter: Arc<Limiter>,
    /// The vendor's own 429 body.
    pub too_many: fn() -> serde_json::Value,
}

/// The state one route's middleware carries: the gate and the endpoint's name.
#[derive(Clone)]
pub struct Route {
    gate: Gate,
    endpoint: &'static str,
}

impl Gate {
    /// Wraps a route's handlers so every request to it passes the gate.
    pub fn route<S: Clone + Send + Sync + 'static>(
        &self,
        endpoint: &'static str,
        method_router: axum::routing::MethodRouter<S>,
    ) -> axum::routing::MethodRouter<S> {
        method_router.layer(axum::middleware::from_fn_with_state(
            Route {
                gate: self.clone(),
                endpoint,
            },
            pass,
        ))
    }
}

/// Bodies larger than this are refused (no vendor call needs more).
const BODY_LIMIT: usize = 1 << 20;

async fn pass(State(route): State<Route>, request: Request, next: Next) -> Response {
    let Route { gate, endpoint } = route;
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .unwrap_or_default();
    let mut record = RequestRecord {
        seq: 0,
        at_ms: gate.inspector.elapsed_ms(),
        vendor: gate.vendor,
        endpoint: endpoint.to_owned(),
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        status: 0,
    };
    let request = Request::from_parts(parts, Body::from(bytes));

    let response = match gate.inspector.take_fault(gate.vendor, endpoint) {
        Some(FaultKind::Latency { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            admit_and_run(&gate, request, next).await
        }
        Some(FaultKind::Status {
            status,
            body,
            retry_after,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = match body {
                Some(body) => (status, axum::Json(body)).into_response(),
                None => status.into_response(),
            };
            if let Some(secs) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
        Some(FaultKind::Drop) => {
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(DropConnection);
            response
        }
        Some(FaultKind::MalformedJson) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            Bytes::from_static(b"{\"data\": [{\"id\": 1, \"name\": \"trunc"),
        )
            .into_response(),
        Some(FaultKind::Raw {
            status,
            content_type,
            body,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = (status, body).into_response();
            if let Ok(value) = HeaderValue::from_str(&content_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            response
        }
        Some(FaultKind::Huge { bytes }) => {
            let chunk = HUGE_CHUNK.len() as u64;
            let chunks = (0..bytes.div_ceil(chunk)).map(move |i| {
                let n = (bytes - i * chunk).min(chunk) as usize;
                Ok::<_, std::io::Error>(Bytes::from_static(&HUGE_CHUNK[..n]))
            });
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(futures_util::stream::iter(chunks)),
            )
                .into_response()
        }
        None => admit_and_run(&gate, request, next).await,
    };
    record.status = if response.extensions().get::<DropConnection>().is_some() {
        0
    } else {
        response.status().as_u16()
    };
    gate.inspector.record(record);
    response
}

async fn admit_and_run(gate: &Gate, request: Request, next: Next) -> Response {
    match gate.limiter.admit() {
        Ok(()) => next.run(request).await,
        Err(retry_after) => {
            let mut response =
                (StatusCode::TOO_MANY_REQUESTS, axum::Json((gate.too_many)())).into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            response
        }
    }
}
