//! A fault-injecting HTTP proxy for tests: put it between your code and a
//! [`LocalDynamo`](super::LocalDynamo) (or any loopback DynamoDB), make it
//! throttle, fail, drop connections or answer slowly, and check that your
//! code copes.
//!
//! ```
//! use std::time::Duration;
//! use dynamo::local::LocalDynamo;
//! use dynamo::local::proxy::{Fault, FaultProxy, Faults};
//! use dynamo::prelude::*;
//!
//! dynamo_item! {
//!     #[derive(Debug, Clone, PartialEq)]
//!     pub struct Counter {
//!         table_name "counters";
//!         field :name: String, partition_key;
//!         field :count: i64;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> dynamo::Result<()> {
//! let local = LocalDynamo::start().await?;
//! local.client().create_table::<Counter>().await?;
//!
//! // Every second PutItem is throttled; the next GetItem loses its connection.
//! let proxy = FaultProxy::start(&local.endpoint(), 7)?;
//! proxy.set_op_faults("PutItem", Faults::none().with(Fault::Throttling, 0.5));
//! proxy.script("GetItem", [Fault::DropBefore]);
//!
//! let client = proxy.client();          // retries with the default policy
//! for i in 0..10 {
//!     client.put_item(item!(Counter { name: format!("c{i}"), count: i }), opts![]).await?;
//! }
//! let c = client.get_item(&item!(Counter { name: "c3" }), opts![]).await?;
//! assert_eq!(c.unwrap().count, 3);
//!
//! let stats = proxy.stats();
//! assert_eq!(stats.op("PutItem"), 10 + stats.fault(Fault::Throttling));
//! assert_eq!(stats.fault(Fault::DropBefore), 1);
//! # Ok(()) }
//! ```
//!
//! What it can do to a request:
//!
//! * answer `ProvisionedThroughputExceededException` or `ThrottlingException`
//!   (HTTP 400, DynamoDB's JSON shape);
//! * answer HTTP 500 (`InternalServerError` JSON) or HTTP 503 (a plain-text
//!   body, as a load balancer would);
//! * answer HTTP 400 `ValidationException`, an error retrying cannot fix;
//! * close the connection *before* forwarding the request, or *after* the
//!   server applied it, without an answer;
//! * forward it at once and answer only after [`FaultProxy::set_slow_delay`];
//! * for `GetRecords` (DynamoDB Streams), answer an empty page that leads on
//!   to the records, as DynamoDB may over a stretch of a shard without any,
//!   or HTTP 400 `ExpiredIteratorException`;
//! * for `TransactWriteItems` / `TransactGetItems`, answer HTTP 400
//!   `TransactionCanceledException` with a `TransactionConflict` reason, as
//!   DynamoDB does when another transaction holds an item;
//! * for `BatchWriteItem` / `BatchGetItem`, hand part of the request back as
//!   `UnprocessedItems` / `UnprocessedKeys` (those entries are taken out
//!   before forwarding, so they really are unprocessed).
//!
//! Faults are drawn per request from a seeded RNG, with rates per operation
//! (the `X-Amz-Target` header names it); scripted faults
//! ([`FaultProxy::script`]) come first. [`FaultProxy::kill`] closes every
//! connection and refuses new ones; [`FaultProxy::set_hang`] accepts
//! requests and never answers. [`FaultProxy::stats`] counts what it
//! received, forwarded and injected.
//!
//! The proxy listens on a free `127.0.0.1` port and forwards only to a
//! loopback `http://` address, on a thread of its own. Dropping it stops it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper1::body::Incoming;
use hyper1::header::{HeaderName, HeaderValue};
use hyper1::{Request, Response, StatusCode};
use serde_json::{Map, Value as Json, json};
use tokio::sync::watch;

use crate::client::{Client, ClientBuilder};
use crate::error::{Error, ErrorKind, Result};

/// One injected fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
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
    /// The request is forwarded at once; the answer comes after the slow
    /// delay ([`FaultProxy::set_slow_delay`], default 2 s).
    Slow,
    /// HTTP 400 `ValidationException`: an error retrying cannot fix.
    Validation,
    /// For `GetRecords` (DynamoDB Streams): an empty page, not forwarded,
    /// whose `NextShardIterator` leads on to the records the request would
    /// have read — what DynamoDB answers over a stretch of a shard with no
    /// records. Other operations are forwarded as they are.
    EmptyPage,
    /// HTTP 400 `ExpiredIteratorException`: a shard iterator older than
    /// DynamoDB's 15 minutes.
    ExpiredIterator,
    /// For `TransactWriteItems` and `TransactGetItems`: HTTP 400
    /// `TransactionCanceledException`, not forwarded, whose cancellation
    /// reasons are `TransactionConflict` for the first action and `None`
    /// for the others — what DynamoDB answers when another transaction or
    /// write holds an item. Other operations are forwarded as they are.
    TransactionConflict,
}

impl Fault {
    /// Every fault, in the order rates are applied.
    pub const ALL: [Fault; 11] = [
        Fault::ThroughputExceeded,
        Fault::Throttling,
        Fault::Http500,
        Fault::Http503,
        Fault::DropBefore,
        Fault::DropAfter,
        Fault::Slow,
        Fault::Validation,
        Fault::EmptyPage,
        Fault::ExpiredIterator,
        Fault::TransactionConflict,
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
            Fault::Validation => "validation_error",
            Fault::EmptyPage => "empty_stream_page",
            Fault::ExpiredIterator => "expired_iterator",
            Fault::TransactionConflict => "transaction_cancelled_by_conflict",
        }
    }
}

/// Fault rates for one operation (each a probability per request; together
/// at most 1), plus the share of batch entries handed back unprocessed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    rates: BTreeMap<Fault, f64>,
    unprocessed: f64,
}

impl Faults {
    /// No faults.
    pub fn none() -> Faults {
        Faults::default()
    }

    /// Sets the rate of one fault (clamped to 0–1).
    #[must_use]
    pub fn with(mut self, fault: Fault, rate: f64) -> Faults {
        self.rates.insert(fault, clamp01(rate));
        self
    }

    /// For `BatchWriteItem`/`BatchGetItem`: the probability that each write
    /// request or key of a forwarded request is handed back unprocessed.
    #[must_use]
    pub fn unprocessed(mut self, share: f64) -> Faults {
        self.unprocessed = clamp01(share);
        self
    }

    /// A mix: `throttle` split evenly between the two throttling answers,
    /// `server` between 500 and 503, `dropped` between before and after the
    /// server.
    pub fn mix(throttle: f64, server: f64, dropped: f64) -> Faults {
        Faults::none()
            .with(Fault::ThroughputExceeded, throttle / 2.0)
            .with(Fault::Throttling, throttle / 2.0)
            .with(Fault::Http500, server / 2.0)
            .with(Fault::Http503, server / 2.0)
            .with(Fault::DropBefore, dropped / 2.0)
            .with(Fault::DropAfter, dropped / 2.0)
    }

    /// The rate of `fault`.
    pub fn rate(&self, fault: Fault) -> f64 {
        self.rates.get(&fault).copied().unwrap_or(0.0)
    }

    fn draw(&self, rng: &mut fastrand::Rng) -> Option<Fault> {
        if self.rates.is_empty() {
            return None;
        }
        let r = rng.f64();
        let mut acc = 0.0;
        for fault in Fault::ALL {
            acc += self.rate(fault);
            if r < acc {
                return Some(fault);
            }
        }
        None
    }
}

fn clamp01(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}

/// What the proxy has seen and done.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Requests that reached the proxy.
    pub received: u64,
    /// Requests forwarded to the server.
    pub forwarded: u64,
    /// Requests received, per operation.
    pub by_op: BTreeMap<String, u64>,
    /// Requests forwarded, per operation.
    pub forwarded_by_op: BTreeMap<String, u64>,
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
    /// The access key ids requests were signed with (from the
    /// `Authorization` header's `Credential=`; never secrets).
    pub access_key_ids: std::collections::BTreeSet<String>,
    /// Forwarding failures (the server unreachable).
    pub upstream_errors: u64,
}

impl Stats {
    /// Requests received for `op`.
    pub fn op(&self, op: &str) -> u64 {
        self.by_op.get(op).copied().unwrap_or(0)
    }

    /// Requests forwarded for `op`.
    pub fn forwarded_op(&self, op: &str) -> u64 {
        self.forwarded_by_op.get(op).copied().unwrap_or(0)
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
    /// One line: what was received, forwarded and injected.
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

type Http = hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>;

struct Shared {
    upstream: String,
    http: Http,
    state: Mutex<State>,
    slow_delay: Mutex<Duration>,
    hang: AtomicBool,
    killed: AtomicBool,
    shutdown: watch::Receiver<bool>,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The proxy. Dropping it stops it.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultProxy")
            .field("url", &self.url())
            .field("upstream", &self.shared.upstream)
            .finish()
    }
}

/// Why a handler gives no answer: hyper closes the connection.
#[derive(Debug)]
struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by the fault proxy")
    }
}

impl std::error::Error for Dropped {}

/// Checks that `url` is a plain `http://` URL on a loopback address and
/// returns it without a trailing `/`.
fn loopback_upstream(url: &str) -> Result<String> {
    let refuse = |why: &str| {
        Err(Error::validation(format!(
            "fault proxy: upstream `{url}` {why}; the proxy forwards only to a loopback \
             http:// address such as LocalDynamo::endpoint()"
        )))
    };
    let uri: hyper1::Uri = match url.parse() {
        Ok(u) => u,
        Err(_) => return refuse("is not a URL"),
    };
    if uri.scheme_str() != Some("http") {
        return refuse("is not an http:// URL");
    }
    let Some(authority) = uri.authority() else {
        return refuse("has no host");
    };
    if authority.as_str().contains('@') {
        return refuse("has user information");
    }
    if uri.query().is_some() || !matches!(uri.path(), "" | "/") {
        return refuse("has a path or query (requests are forwarded to `/`)");
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false);
    if !loopback {
        return refuse("is not a loopback address");
    }
    Ok(format!("http://{authority}"))
}

impl FaultProxy {
    /// Starts a proxy on a free `127.0.0.1` port in front of `upstream` (a
    /// loopback `http://` URL, such as [`LocalDynamo::endpoint`](super::LocalDynamo::endpoint)),
    /// with no faults and its RNG seeded with `seed` (the same seed draws
    /// the same faults for the same requests).
    pub fn start(upstream: &str, seed: u64) -> Result<FaultProxy> {
        let upstream = loopback_upstream(upstream)?;
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| {
                Error::new(
                    ErrorKind::Transport,
                    format!("fault proxy: cannot listen on 127.0.0.1: {e}"),
                )
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::transport(format!("fault proxy: {e}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::transport(format!("fault proxy: cannot start a runtime: {e}")))?;
        let (tx, rx) = watch::channel(false);
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(10))
            .build(connector);
        let shared = Arc::new(Shared {
            upstream,
            http,
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
        let thread = std::thread::Builder::new()
            .name(format!("dynamo-proxy-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(accept_loop(listener, accept_shared));
                runtime.shutdown_timeout(Duration::from_millis(100));
            })
            .map_err(|e| Error::transport(format!("fault proxy: cannot start a thread: {e}")))?;
        Ok(FaultProxy {
            addr,
            shared,
            shutdown: tx,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A builder for a client of the proxy (placeholder credentials, region
    /// `us-east-1`): add `.retry(…)` or `.timeout(…)` and build.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .endpoint(self.url())
            .region("us-east-1")
            .credentials("local", "local")
    }

    /// A client of the proxy with the default retry policy and timeout.
    pub fn client(&self) -> Client {
        Client::for_local_engine(&self.url())
    }

    /// Sets the fault rates of every operation without its own.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.state().default = faults;
    }

    /// Sets the fault rates of one operation (`"PutItem"`, `"Scan"`, …).
    pub fn set_op_faults(&self, op: &str, faults: Faults) {
        self.shared.state().per_op.insert(op.to_owned(), faults);
    }

    /// Removes every fault rate and script.
    pub fn clear_faults(&self) {
        let mut s = self.shared.state();
        s.default = Faults::none();
        s.per_op.clear();
        s.scripts.clear();
    }

    /// Faults for the next requests of `op`, in order, before any random one.
    pub fn script(&self, op: &str, faults: impl IntoIterator<Item = Fault>) {
        self.shared
            .state()
            .scripts
            .entry(op.to_owned())
            .or_default()
            .extend(faults);
    }

    /// How long a [`Fault::Slow`] answer is held back (default 2 s).
    pub fn set_slow_delay(&self, d: Duration) {
        *self
            .shared
            .slow_delay
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = d;
    }

    /// With `true`, requests are read and counted but never answered.
    pub fn set_hang(&self, hang: bool) {
        self.shared.hang.store(hang, Ordering::SeqCst);
    }

    /// "Kills the server": closes every connection (requests in flight get
    /// no answer) and refuses new ones.
    pub fn kill(&self) {
        self.shared.killed.store(true, Ordering::SeqCst);
        let _ = self.shutdown.send(true);
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.shared.state().stats.clone()
    }

    /// Requests received so far.
    pub fn received(&self) -> u64 {
        self.shared.state().stats.received
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn accept_loop(listener: std::net::TcpListener, shared: Arc<Shared>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let mut stop = shared.shutdown.clone();
    let mut conns = tokio::task::JoinSet::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((s, _)) => s,
                // Out of file descriptors, say: wait a little rather than
                // spin on an error that lasts.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        if *stop.borrow() {
            break;
        }
        let _ = stream.set_nodelay(true);
        let conn_shared = shared.clone();
        conns.spawn(async move {
            let mut stop = conn_shared.shutdown.clone();
            let svc_shared = conn_shared.clone();
            let svc = hyper1::service::service_fn(move |req| handle(svc_shared.clone(), req));
            let conn = hyper1::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = stop.changed() => {}
            }
        });
        // Reap finished connections as we go.
        while conns.try_join_next().is_some() {}
    }
    // The listener is dropped here (new connections are refused) and every
    // connection with it.
    conns.abort_all();
}

/// Marks the `NextShardIterator` of an empty page the proxy made up
/// ([`Fault::EmptyPage`]).
const GAP: &str = "fault-proxy-gap:";

/// What to do with one request, decided under the lock.
enum Plan {
    Forward,
    /// Forward this body instead of the request's.
    ForwardBody(Bytes),
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

fn operation<B>(req: &Request<B>) -> String {
    req.headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or("")
        .to_owned()
}

type Answer = Response<Full<Bytes>>;

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> std::result::Result<Answer, Dropped> {
    if shared.killed.load(Ordering::SeqCst) {
        return Err(Dropped);
    }
    let op = operation(&req);
    let has_token = req.headers().contains_key("x-amz-security-token");
    let access_key_id = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').next())
        .map(str::to_owned);
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    let parsed: Option<Json> = serde_json::from_slice(&body).ok();

    let plan = {
        let mut st = shared.state();
        let st = &mut *st;
        st.stats.received += 1;
        *st.stats.by_op.entry(op.clone()).or_default() += 1;
        if has_token {
            st.stats.with_session_token += 1;
        }
        if let Some(id) = access_key_id {
            st.stats.access_key_ids.insert(id);
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
        // The iterator of an empty page this proxy made up: the real one,
        // forwarded as it is (no fault drawn, so the records do come).
        let past_gap = (op == "GetRecords")
            .then(|| {
                let mut j = parsed.clone()?;
                let real = j
                    .get("ShardIterator")?
                    .as_str()?
                    .strip_prefix(GAP)?
                    .to_owned();
                j["ShardIterator"] = Json::from(real);
                Some(Bytes::from(j.to_string()))
            })
            .flatten();
        let fault = match past_gap {
            Some(_) => None,
            None => st
                .scripts
                .get_mut(&op)
                .and_then(VecDeque::pop_front)
                .or_else(|| faults.draw(&mut st.rng)),
        };
        // An empty page is a fault of GetRecords alone, a cancelled
        // transaction one of the transactions': elsewhere the request goes
        // on as it is, and nothing is counted.
        let fault = fault.filter(|f| match f {
            Fault::EmptyPage => op == "GetRecords",
            Fault::TransactionConflict => op == "TransactWriteItems" || op == "TransactGetItems",
            _ => true,
        });
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
            None => past_gap.map_or(Plan::Forward, Plan::ForwardBody),
        }
    };

    if shared.hang.load(Ordering::SeqCst) {
        let mut stop = shared.shutdown.clone();
        let _ = stop.changed().await;
        return Err(Dropped);
    }

    match plan {
        Plan::Forward => forward(&shared, &op, &parts, body).await.map(into_response),
        Plan::ForwardBody(body) => forward(&shared, &op, &parts, body).await.map(into_response),
        Plan::Fault(Fault::EmptyPage) => {
            let iterator = parsed
                .as_ref()
                .and_then(|j| j.get("ShardIterator"))
                .and_then(Json::as_str)
                .filter(|_| op == "GetRecords");
            match iterator {
                Some(it) => Ok(json_answer(
                    StatusCode::OK,
                    &json!({ "Records": [], "NextShardIterator": format!("{GAP}{it}") }),
                )),
                None => forward(&shared, &op, &parts, body).await.map(into_response),
            }
        }
        Plan::Fault(Fault::ExpiredIterator) => Ok(error_answer(
            StatusCode::BAD_REQUEST,
            "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException",
            "Iterator expired. The iterator was created more than 15 minutes ago \
             (injected by the fault proxy)",
        )),
        Plan::Fault(Fault::TransactionConflict) => {
            let actions = parsed
                .as_ref()
                .and_then(|j| j.get("TransactItems"))
                .and_then(Json::as_array)
                .map_or(1, Vec::len)
                .max(1);
            let reasons: Vec<Json> = (0..actions)
                .map(|i| match i {
                    0 => json!({
                        "Code": "TransactionConflict",
                        "Message": "Transaction is ongoing for the item (injected by the fault proxy)"
                    }),
                    _ => json!({ "Code": "None" }),
                })
                .collect();
            let codes = (0..actions)
                .map(|i| {
                    if i == 0 {
                        "TransactionConflict"
                    } else {
                        "None"
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            Ok(json_answer(
                StatusCode::BAD_REQUEST,
                &json!({
                    "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                    "CancellationReasons": reasons,
                    "Message": format!(
                        "Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]"
                    ),
                }),
            ))
        }
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
        Plan::Fault(Fault::Http503) => {
            let mut resp = Response::new(Full::new(Bytes::from_static(b"Service Unavailable")));
            *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            resp.headers_mut()
                .insert("content-type", HeaderValue::from_static("text/plain"));
            Ok(resp)
        }
        Plan::Fault(Fault::Validation) => Ok(error_answer(
            StatusCode::BAD_REQUEST,
            "com.amazon.coral.validate#ValidationException",
            "1 validation error detected (injected by the fault proxy)",
        )),
        Plan::Fault(Fault::DropBefore) => Err(Dropped),
        Plan::Fault(Fault::DropAfter) => {
            let _ = forward(&shared, &op, &parts, body).await;
            Err(Dropped)
        }
        Plan::Fault(Fault::Slow) => {
            let answer = forward(&shared, &op, &parts, body).await;
            let delay = *shared.slow_delay.lock().unwrap_or_else(|e| e.into_inner());
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
            let new_body = Bytes::from(serde_json::to_vec(&reduced).map_err(|_| Dropped)?);
            let (status, headers, answer) = forward(&shared, &op, &parts, new_body).await?;
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
    let Some(obj) = answer.as_object_mut() else {
        return;
    };
    let slot = obj
        .entry(field.to_owned())
        .or_insert_with(|| Json::Object(Map::new()));
    if !slot.is_object() {
        *slot = Json::Object(Map::new());
    }
    if let Some(slot) = slot.as_object_mut() {
        for (table, left) in taken {
            match slot.get_mut(&table) {
                None => {
                    slot.insert(table, left);
                }
                Some(existing) => {
                    let (into, from) = if op == "BatchWriteItem" {
                        (existing.as_array_mut(), left.as_array())
                    } else {
                        (
                            existing.get_mut("Keys").and_then(Json::as_array_mut),
                            left.get("Keys").and_then(Json::as_array),
                        )
                    };
                    if let (Some(into), Some(from)) = (into, from) {
                        into.extend(from.iter().cloned());
                    }
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

type Forwarded = (StatusCode, hyper1::HeaderMap, Bytes);

async fn forward(
    shared: &Shared,
    op: &str,
    parts: &hyper1::http::request::Parts,
    body: Bytes,
) -> std::result::Result<Forwarded, Dropped> {
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
    let req = b.body(Full::new(body)).map_err(|_| Dropped)?;
    {
        let mut st = shared.state();
        st.stats.forwarded += 1;
        *st.stats.forwarded_by_op.entry(op.to_owned()).or_default() += 1;
    }
    let result = async {
        let resp = shared.http.request(req).await.map_err(|_| ())?;
        let (p, body) = resp.into_parts();
        let bytes = body.collect().await.map_err(|_| ())?.to_bytes();
        Ok::<_, ()>((p.status, p.headers, bytes))
    }
    .await;
    result.map_err(|()| {
        shared.state().stats.upstream_errors += 1;
        Dropped
    })
}

fn is_hop_header(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection" | "keep-alive" | "transfer-encoding" | "te" | "trailer" | "upgrade"
    )
}

fn into_response((status, headers, body): Forwarded) -> Answer {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    for (name, value) in &headers {
        if is_hop_header(name) || name == "content-length" {
            continue;
        }
        resp.headers_mut().append(name.clone(), value.clone());
    }
    resp
}

fn json_answer(status: StatusCode, body: &Json) -> Answer {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut resp = Response::new(Full::new(Bytes::from(bytes)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    resp
}

fn error_answer(status: StatusCode, ty: &str, message: &str) -> Answer {
    json_answer(status, &json!({ "__type": ty, "message": message }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_must_be_loopback_http() {
        assert_eq!(
            loopback_upstream("http://127.0.0.1:8000/").unwrap(),
            "http://127.0.0.1:8000"
        );
        assert!(loopback_upstream("http://[::1]:8000").is_ok());
        assert!(loopback_upstream("http://localhost:1").is_ok());
        assert_eq!(
            loopback_upstream("http://LocalHost:1").unwrap(),
            "http://LocalHost:1"
        );
        for bad in [
            "http://127.0.0.1:8000/x",
            "http://127.0.0.1:8000/?q=1",
            "https://127.0.0.1:8000",
            "http://10.0.0.1:8000",
            "http://127.0.0.1:1@evil.example/",
            "http://dynamodb.us-east-1.amazonaws.com",
            "127.0.0.1:8000",
            "",
        ] {
            assert!(loopback_upstream(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fault_draws_follow_rates() {
        let mut rng = fastrand::Rng::with_seed(1);
        let f = Faults::none().with(Fault::Http500, 1.0);
        assert_eq!(f.draw(&mut rng), Some(Fault::Http500));
        assert_eq!(Faults::none().draw(&mut rng), None);
        assert_eq!(Faults::none().with(Fault::Slow, 7.0).rate(Fault::Slow), 1.0);
    }
}
