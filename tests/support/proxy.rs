//! A fault-injecting HTTP proxy on loopback, in front of DynamoDB Local.
//!
//! Tests point a [`dynamo::Client`] at [`Proxy::url`]; the proxy forwards
//! each request to the DynamoDB Local endpoint from
//! `AWS_ENDPOINT_URL_DYNAMODB` — or answers it itself with a fault:
//!
//! * `ProvisionedThroughputExceededException` and `ThrottlingException`
//!   answers (HTTP 400, DynamoDB's JSON shape);
//! * HTTP 500 (`InternalServerError` JSON) and HTTP 503 (a plain-text body,
//!   as a load balancer would send);
//! * a connection dropped *before* the request reaches the server (the
//!   proxy closes it without forwarding) or *after* (the proxy forwards, the
//!   server applies the request, then the proxy closes without answering);
//! * a slow answer: forwarded at once, answered only after `slow_delay`
//!   (set it past the client's timeout);
//! * `BatchWriteItem` / `BatchGetItem` with part of the request handed back
//!   as `UnprocessedItems` / `UnprocessedKeys`: those entries are taken out
//!   of the request before it is forwarded, so they really are unprocessed.
//!
//! Faults are drawn per request from a seeded RNG ([`fastrand::Rng`]), with
//! rates configurable per operation (the `X-Amz-Target` header names it);
//! scripted faults ([`Proxy::script`]) come first. [`Proxy::kill`] closes
//! every connection and refuses new ones; [`Proxy::set_hang`] makes it accept
//! requests and never answer. [`Proxy::stats`] counts what it received,
//! forwarded and injected.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::body::Bytes;
use hyper::client::HttpConnector;
use hyper::header::{HeaderName, HeaderValue};
use hyper::service::service_fn;
use hyper::{Body, Request, Response, StatusCode};
use serde_json::{json, Map, Value as Json};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// One injected fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// HTTP 400 `ProvisionedThroughputExceededException`.
    ThroughputExceeded,
    /// HTTP 400 `ThrottlingException`.
    Throttling,
    /// HTTP 500 `InternalServerError`.
    Http500,
    /// HTTP 503 with a plain-text body.
    Http503,
    /// The connection is closed before the request is forwarded.
    DropBefore,
    /// The request is forwarded and applied; the connection is closed
    /// without an answer.
    DropAfter,
    /// The request is forwarded at once; the answer comes after `slow_delay`.
    Slow,
}

impl Fault {
    /// Every fault, in the order rates are applied.
    pub const ALL: [Fault; 7] = [
        Fault::ThroughputExceeded,
        Fault::Throttling,
        Fault::Http500,
        Fault::Http503,
        Fault::DropBefore,
        Fault::DropAfter,
        Fault::Slow,
    ];

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Fault::ThroughputExceeded => "provisioned_throughput_exceeded",
            Fault::Throttling => "throttling",
            Fault::Http500 => "http_500",
            Fault::Http503 => "http_503",
            Fault::DropBefore => "dropped_before_server",
            Fault::DropAfter => "dropped_after_server",
            Fault::Slow => "slow_answer",
        }
    }
}

/// Fault rates for one operation (each a probability per request; their sum
/// must stay ≤ 1), plus the share of batch entries handed back unprocessed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    rates: BTreeMap<Fault, f64>,
    /// For `BatchWriteItem`/`BatchGetItem`: the probability that each write
    /// request / key of a forwarded request is handed back unprocessed.
    pub unprocessed: f64,
}

impl Faults {
    /// No faults.
    pub fn none() -> Faults {
        Faults::default()
    }

    /// Sets the rate of one fault.
    pub fn with(mut self, fault: Fault, rate: f64) -> Faults {
        self.rates.insert(fault, rate);
        self
    }

    /// Sets the unprocessed share for batch operations.
    pub fn unprocessed(mut self, share: f64) -> Faults {
        self.unprocessed = share;
        self
    }

    /// The mix: `throttle` split evenly between the two throttling
    /// answers, `server` between 500 and 503, `dropped` between before and
    /// after the server.
    pub fn mix(throttle: f64, server: f64, dropped: f64) -> Faults {
        Faults::none()
            .with(Fault::ThroughputExceeded, throttle / 2.0)
            .with(Fault::Throttling, throttle / 2.0)
            .with(Fault::Http500, server / 2.0)
            .with(Fault::Http503, server / 2.0)
            .with(Fault::DropBefore, dropped / 2.0)
            .with(Fault::DropAfter, dropped / 2.0)
    }

    fn total(&self) -> f64 {
        self.rates.values().sum()
    }

    fn draw(&self, rng: &mut fastrand::Rng) -> Option<Fault> {
        if self.rates.is_empty() {
            return None;
        }
        let r = rng.f64();
        let mut acc = 0.0;
        for fault in Fault::ALL {
            acc += self.rates.get(&fault).copied().unwrap_or(0.0);
            if r < acc {
                return Some(fault);
            }
        }
        None
    }
}

/// What the proxy has seen and done.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Requests that reached the proxy.
    pub received: u64,
    /// Requests forwarded to DynamoDB Local.
    pub forwarded: u64,
    /// Requests received, per operation.
    pub by_op: BTreeMap<String, u64>,
    /// Faults injected, per kind.
    pub faults: BTreeMap<Fault, u64>,
    /// Batch entries (write requests or keys) handed back unprocessed.
    pub unprocessed_entries: u64,
    /// Batch requests whose answer was rewritten.
    pub batch_rewrites: u64,
    /// `ClientRequestToken`s of the `TransactWriteItems` requests, in order.
    pub tokens: Vec<String>,
    /// Requests carrying an `X-Amz-Security-Token` header.
    pub with_session_token: u64,
    /// Forwarding failures (DynamoDB Local unreachable).
    pub upstream_errors: u64,
}

impl Stats {
    /// Requests received for `op`.
    pub fn op(&self, op: &str) -> u64 {
        self.by_op.get(op).copied().unwrap_or(0)
    }

    /// Faults injected of `kind`.
    pub fn fault(&self, kind: Fault) -> u64 {
        self.faults.get(&kind).copied().unwrap_or(0)
    }

    /// Every injected fault (not counting unprocessed batch entries).
    pub fn faults_total(&self) -> u64 {
        self.faults.values().sum()
    }
}

impl fmt::Display for Stats {
    /// One line, for the figures in `docs/reliability.md`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "requests received {} forwarded {} faults {} [",
            self.received,
            self.forwarded,
            self.faults_total()
        )?;
        let mut first = true;
        for fault in Fault::ALL {
            let n = self.fault(fault);
            if n > 0 {
                if !first {
                    write!(f, ", ")?;
                }
                first = false;
                write!(f, "{} {n}", fault.name())?;
            }
        }
        write!(
            f,
            "] unprocessed entries {} (in {} rewritten batch answers)",
            self.unprocessed_entries, self.batch_rewrites
        )
    }
}

struct State {
    rng: fastrand::Rng,
    default: Faults,
    per_op: HashMap<String, Faults>,
    scripts: HashMap<String, VecDeque<Fault>>,
    stats: Stats,
}

struct Shared {
    upstream: String,
    http: hyper::Client<HttpConnector>,
    state: Mutex<State>,
    slow_delay: Mutex<Duration>,
    hang: AtomicBool,
    killed: AtomicBool,
    shutdown: watch::Receiver<bool>,
}

/// The proxy. Dropping it stops it.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
}

/// The error a handler returns to make hyper close the connection without
/// an answer.
#[derive(Debug)]
struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by the fault proxy")
    }
}

impl std::error::Error for Dropped {}

impl Proxy {
    /// Starts a proxy on `127.0.0.1:0` in front of DynamoDB Local, with no
    /// faults, its RNG seeded with `seed`. Must be called inside a tokio
    /// runtime (it lives as long as that runtime or until dropped).
    pub async fn start(seed: u64) -> Proxy {
        let upstream = super::endpoint().trim_end_matches('/').to_owned();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy on 127.0.0.1");
        let addr = listener.local_addr().expect("proxy address");
        let (tx, rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            upstream,
            http: hyper::Client::builder()
                .pool_idle_timeout(Duration::from_secs(10))
                .build_http(),
            state: Mutex::new(State {
                rng: fastrand::Rng::with_seed(seed),
                default: Faults::none(),
                per_op: HashMap::new(),
                scripts: HashMap::new(),
                stats: Stats::default(),
            }),
            slow_delay: Mutex::new(Duration::from_secs(2)),
            hang: AtomicBool::new(false),
            killed: AtomicBool::new(false),
            shutdown: rx,
        });
        let accept_shared = shared.clone();
        tokio::spawn(async move {
            let mut stop = accept_shared.shutdown.clone();
            loop {
                let (stream, _) = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(s) => s,
                        Err(_) => continue,
                    },
                    _ = stop.changed() => break,
                };
                if *stop.borrow() {
                    break;
                }
                let _ = stream.set_nodelay(true);
                let conn_shared = accept_shared.clone();
                tokio::spawn(async move {
                    let mut stop = conn_shared.shutdown.clone();
                    let svc_shared = conn_shared.clone();
                    let svc = service_fn(move |req| handle(svc_shared.clone(), req));
                    let conn = hyper::server::conn::Http::new()
                        .http1_only(true)
                        .http1_keep_alive(true)
                        .serve_connection(stream, svc);
                    tokio::select! {
                        _ = conn => {}
                        _ = stop.changed() => {}
                    }
                });
            }
            // The listener is dropped here: new connections are refused.
        });
        Proxy {
            addr,
            shared,
            shutdown: tx,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client for the proxy with the test suite's credentials and region
    /// (so it sees the same tables as [`super::client`]).
    pub fn client(&self, retry: dynamo::RetryPolicy, timeout: Duration) -> dynamo::Client {
        let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_owned());
        dynamo::Client::builder()
            .endpoint(self.url())
            .region(env("AWS_REGION", "us-east-1"))
            .credentials(
                env("AWS_ACCESS_KEY_ID", "local"),
                env("AWS_SECRET_ACCESS_KEY", "local"),
            )
            .retry(retry)
            .timeout(timeout)
            .build()
            .expect("proxy client")
    }

    /// Sets the fault rates of every operation without its own.
    pub fn set_faults(&self, faults: Faults) {
        self.state().default = faults;
    }

    /// Sets the fault rates of one operation (`"PutItem"`, `"Scan"`, …).
    pub fn set_op_faults(&self, op: &str, faults: Faults) {
        self.state().per_op.insert(op.to_owned(), faults);
    }

    /// Removes every fault rate and script.
    pub fn clear_faults(&self) {
        let mut s = self.state();
        s.default = Faults::none();
        s.per_op.clear();
        s.scripts.clear();
    }

    /// Faults for the next requests of `op`, in order, before any random one.
    pub fn script(&self, op: &str, faults: impl IntoIterator<Item = Fault>) {
        self.state()
            .scripts
            .entry(op.to_owned())
            .or_default()
            .extend(faults);
    }

    /// How long a [`Fault::Slow`] answer is held back.
    pub fn set_slow_delay(&self, d: Duration) {
        *self.shared.slow_delay.lock().unwrap() = d;
    }

    /// With `true`, requests are read and counted but never answered.
    pub fn set_hang(&self, hang: bool) {
        self.shared.hang.store(hang, Ordering::SeqCst);
    }

    /// "Kills the server": closes every connection (in-flight requests get
    /// no answer) and refuses new ones.
    pub fn kill(&self) {
        self.shared.killed.store(true, Ordering::SeqCst);
        let _ = self.shutdown.send(true);
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.state().stats.clone()
    }

    /// Requests received so far.
    pub fn received(&self) -> u64 {
        self.state().stats.received
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// What to do with one request, decided under the lock.
enum Plan {
    Forward,
    Fault(Fault),
    /// Forward a reduced batch; merge the entries taken out into the answer.
    Batch {
        body: Json,
        unprocessed: Map<String, Json>,
        /// Tables whose every entry was taken out (for BatchGetItem's
        /// `Responses`).
        tables: Vec<String>,
    },
}

fn operation(req: &Request<Body>) -> String {
    req.headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or("")
        .to_owned()
}

async fn handle(shared: Arc<Shared>, req: Request<Body>) -> Result<Response<Body>, Dropped> {
    if shared.killed.load(Ordering::SeqCst) {
        return Err(Dropped);
    }
    let op = operation(&req);
    let has_token = req.headers().contains_key("x-amz-security-token");
    let (parts, body) = req.into_parts();
    let body = hyper::body::to_bytes(body).await.map_err(|_| Dropped)?;
    let parsed: Option<Json> = serde_json::from_slice(&body).ok();

    let plan = {
        let mut st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        let st = &mut *st;
        st.stats.received += 1;
        *st.stats.by_op.entry(op.clone()).or_default() += 1;
        if has_token {
            st.stats.with_session_token += 1;
        }
        if op == "TransactWriteItems" {
            let token = parsed
                .as_ref()
                .and_then(|j| j.get("ClientRequestToken"))
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_owned();
            st.stats.tokens.push(token);
        }
        let faults = st.per_op.get(&op).unwrap_or(&st.default).clone();
        debug_assert!(faults.total() <= 1.0 + 1e-9);
        let scripted = st.scripts.get_mut(&op).and_then(VecDeque::pop_front);
        let fault = scripted.or_else(|| faults.draw(&mut st.rng));
        match fault {
            Some(f) => {
                *st.stats.faults.entry(f).or_default() += 1;
                Plan::Fault(f)
            }
            None if faults.unprocessed > 0.0
                && (op == "BatchWriteItem" || op == "BatchGetItem") =>
            {
                match parsed.clone() {
                    Some(j) => split_batch(&op, j, faults.unprocessed, &mut st.rng, &mut st.stats),
                    None => Plan::Forward,
                }
            }
            None => Plan::Forward,
        }
    };

    if shared.hang.load(Ordering::SeqCst) {
        let mut stop = shared.shutdown.clone();
        let _ = stop.changed().await;
        return Err(Dropped);
    }

    match plan {
        Plan::Forward => forward(&shared, &parts, body).await.map(into_response),
        Plan::Fault(Fault::ThroughputExceeded) => Ok(error_answer(
            StatusCode::BAD_REQUEST,
            "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded. \
             Consider increasing your provisioning level with the UpdateTable API.",
        )),
        Plan::Fault(Fault::Throttling) => Ok(error_answer(
            StatusCode::BAD_REQUEST,
            "com.amazon.coral.availability#ThrottlingException",
            "Rate of requests exceeds the allowed throughput.",
        )),
        Plan::Fault(Fault::Http500) => Ok(error_answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            "com.amazonaws.dynamodb.v20120810#InternalServerError",
            "Internal server error",
        )),
        Plan::Fault(Fault::Http503) => Ok(Response::builder()
            .status(StatusCode::SERVICE_UNAVAILABLE)
            .header("content-type", "text/plain")
            .body(Body::from("Service Unavailable"))
            .expect("response")),
        Plan::Fault(Fault::DropBefore) => Err(Dropped),
        Plan::Fault(Fault::DropAfter) => {
            let _ = forward(&shared, &parts, body).await;
            Err(Dropped)
        }
        Plan::Fault(Fault::Slow) => {
            let answer = forward(&shared, &parts, body).await;
            let delay = *shared.slow_delay.lock().unwrap();
            tokio::time::sleep(delay).await;
            answer.map(into_response)
        }
        Plan::Batch {
            body: reduced,
            unprocessed,
            tables,
        } => {
            let has_requests = reduced
                .get("RequestItems")
                .and_then(Json::as_object)
                .is_some_and(|m| !m.is_empty());
            if !has_requests {
                // Everything was taken out: answer without forwarding.
                let answer = if op == "BatchWriteItem" {
                    json!({ "UnprocessedItems": unprocessed })
                } else {
                    let responses: Map<String, Json> =
                        tables.iter().map(|t| (t.clone(), json!([]))).collect();
                    json!({ "Responses": responses, "UnprocessedKeys": unprocessed })
                };
                return Ok(json_answer(StatusCode::OK, &answer));
            }
            let new_body = Bytes::from(serde_json::to_vec(&reduced).expect("json"));
            let (status, headers, answer) = forward(&shared, &parts, new_body).await?;
            if status != StatusCode::OK {
                return Ok(into_response((status, headers, answer)));
            }
            let mut j: Json = match serde_json::from_slice(&answer) {
                Ok(j) => j,
                Err(_) => return Ok(into_response((status, headers, answer))),
            };
            merge_unprocessed(&op, &mut j, unprocessed, &tables);
            Ok(json_answer(StatusCode::OK, &j))
        }
    }
}

/// Takes a share of a batch request's entries out. Returns `Plan::Forward`
/// when none was taken.
fn split_batch(
    op: &str,
    mut body: Json,
    share: f64,
    rng: &mut fastrand::Rng,
    stats: &mut Stats,
) -> Plan {
    let Some(items) = body.get_mut("RequestItems").and_then(Json::as_object_mut) else {
        return Plan::Forward;
    };
    let mut unprocessed = Map::new();
    let mut emptied = Vec::new();
    let mut taken = 0u64;
    for (table, entry) in items.iter_mut() {
        let list = if op == "BatchWriteItem" {
            entry.as_array_mut()
        } else {
            entry.get_mut("Keys").and_then(Json::as_array_mut)
        };
        let Some(list) = list else { continue };
        let all = std::mem::take(list);
        let (mut keep, mut back) = (Vec::new(), Vec::new());
        for e in all {
            if rng.f64() < share {
                back.push(e);
            } else {
                keep.push(e);
            }
        }
        *list = keep;
        if list.is_empty() {
            emptied.push(table.clone());
        }
        if !back.is_empty() {
            taken += back.len() as u64;
            let left = if op == "BatchWriteItem" {
                Json::Array(back)
            } else {
                // The same KeysAndAttributes (projection, consistency, …)
                // with only the keys left over.
                let mut ka = entry.clone();
                ka["Keys"] = Json::Array(back);
                ka
            };
            unprocessed.insert(table.clone(), left);
        }
    }
    if taken == 0 {
        return Plan::Forward;
    }
    for t in &emptied {
        items.remove(t);
    }
    stats.unprocessed_entries += taken;
    stats.batch_rewrites += 1;
    Plan::Batch {
        body,
        unprocessed,
        tables: emptied,
    }
}

/// Adds the entries the proxy took out to the server's answer, in the shape
/// DynamoDB uses.
fn merge_unprocessed(op: &str, answer: &mut Json, taken: Map<String, Json>, emptied: &[String]) {
    let field = if op == "BatchWriteItem" {
        "UnprocessedItems"
    } else {
        "UnprocessedKeys"
    };
    let obj = answer.as_object_mut().expect("a JSON object answer");
    let slot = obj
        .entry(field.to_owned())
        .or_insert_with(|| Json::Object(Map::new()));
    if !slot.is_object() {
        *slot = Json::Object(Map::new());
    }
    let slot = slot.as_object_mut().expect("object");
    for (table, left) in taken {
        match slot.get_mut(&table) {
            None => {
                slot.insert(table, left);
            }
            Some(existing) => {
                if op == "BatchWriteItem" {
                    let arr = existing.as_array_mut().expect("write requests");
                    arr.extend(left.as_array().cloned().unwrap_or_default());
                } else {
                    let keys = existing["Keys"].as_array_mut().expect("keys");
                    keys.extend(left["Keys"].as_array().cloned().unwrap_or_default());
                }
            }
        }
    }
    if op == "BatchGetItem" {
        // Tables whose keys were all taken out still get a Responses entry.
        let responses = obj
            .entry("Responses".to_owned())
            .or_insert_with(|| Json::Object(Map::new()));
        if let Some(r) = responses.as_object_mut() {
            for t in emptied {
                r.entry(t.clone()).or_insert_with(|| json!([]));
            }
        }
    }
}

type Answer = (StatusCode, hyper::HeaderMap, Bytes);

async fn forward(
    shared: &Shared,
    parts: &hyper::http::request::Parts,
    body: Bytes,
) -> Result<Answer, Dropped> {
    let uri = format!(
        "{}{}",
        shared.upstream,
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut b = Request::builder().method(parts.method.clone()).uri(uri);
    for (name, value) in &parts.headers {
        if is_hop_header(name) || name == "host" || name == "content-length" {
            continue;
        }
        b = b.header(name, value);
    }
    let req = b.body(Body::from(body)).map_err(|_| Dropped)?;
    {
        shared
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .stats
            .forwarded += 1;
    }
    let result = async {
        let resp = shared.http.request(req).await?;
        let (p, body) = resp.into_parts();
        let bytes = hyper::body::to_bytes(body).await?;
        Ok::<_, hyper::Error>((p.status, p.headers, bytes))
    }
    .await;
    result.map_err(|_| {
        shared
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .stats
            .upstream_errors += 1;
        Dropped
    })
}

fn is_hop_header(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection" | "keep-alive" | "transfer-encoding" | "te" | "trailer" | "upgrade"
    )
}

fn into_response((status, headers, body): Answer) -> Response<Body> {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    for (name, value) in &headers {
        if is_hop_header(name) || name == "content-length" {
            continue;
        }
        resp.headers_mut().append(name.clone(), value.clone());
    }
    resp
}

fn json_answer(status: StatusCode, body: &Json) -> Response<Body> {
    let mut resp = Response::new(Body::from(serde_json::to_vec(body).expect("json")));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    resp
}

fn error_answer(status: StatusCode, ty: &str, message: &str) -> Response<Body> {
    json_answer(status, &json!({ "__type": ty, "message": message }))
}
