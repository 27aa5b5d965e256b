//! The rusoto backend (feature `rusoto`, the default): credentials from
//! rusoto's provider chain, HTTP through hyper 0.14 with a hyper-rustls 0.23
//! connector (`https_or_http()`, so a local engine's plain `http://` works).
//!
//! The only module of the transport that names rusoto or hyper 0.14 types.
//! Requests are signed by the crate's signer (a cached SigV4 key) and sent
//! straight through hyper's HTTP/1.1 connection API over the hyper-rustls
//! connector, from a pool of the crate's own ([`Http`]): rusoto's own
//! dispatch logs every request header — signature and session token
//! included — at `log`'s DEBUG level, so it is not used.
//!
//! rusoto's default chain reads, in order: `AWS_ACCESS_KEY_ID` /
//! `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`; the shared credentials
//! file (`~/.aws/credentials`, profile from `AWS_PROFILE`); a
//! `credential_process` in `~/.aws/config`; ECS container credentials; and
//! EC2 instance metadata **version 1 only** — it cannot read instance
//! metadata that requires IMDSv2 (the default on current instances), and it
//! has no SSO or web-identity (EKS) providers. Use feature `aws` for those.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::task::AtomicWaker;
use hyper::body::HttpBody as _;
use hyper::client::conn::{Connection, SendRequest};
use hyper::header::{HeaderName, HeaderValue, InvalidHeaderName};
use hyper::service::Service as _;
use hyper_rustls::MaybeHttpsStream;
use rusoto_credential::{
    AwsCredentials, CredentialsError, DefaultCredentialsProvider, ProvideAwsCredentials,
};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::endpoint::Endpoint;
use super::pools::Pools;
use super::{AnswerBytes, Creds};
use crate::error::{Error, ErrorKind, Result};

type Connector = hyper_rustls::HttpsConnector<hyper::client::HttpConnector>;
type Stream = MaybeHttpsStream<TcpStream>;

/// At most this many idle connections are kept per runtime (far more than
/// any ordinary load keeps in flight); a busier moment's extra connections
/// are closed when they finish.
const MAX_IDLE: usize = 1024;

/// HTTP/1.1 connections, pooled per runtime.
///
/// A connection is driven by the request that uses it — hyper 0.14's
/// connection API, polled in the caller's own task — instead of a task of
/// its own as in `hyper::Client`: a request then costs no hand-over to
/// another task and back, and an idle connection costs no task. Nobody
/// polls an idle connection; before it is reused it is polled once, so one
/// the server closed meanwhile is noticed and dropped. Connections idle for
/// longer than the idle timeout are closed by a small reaper task, which
/// runs only while the pool holds idle connections; the rest close with the
/// pool: when their runtime ends or the client is dropped.
pub(crate) struct Http {
    pools: Pools<Pool>,
}

/// The idle connections of one runtime.
struct Pool {
    connector: Connector,
    idle: Mutex<Vec<Conn>>,
    /// How long a connection may sit idle (zero: none is kept).
    idle_timeout: Duration,
    /// Whether a reaper task is running (see [`Pool::start_reaper`]).
    reaping: AtomicBool,
    /// Dropped with the pool, which ends its reaper at once.
    gone: watch::Sender<()>,
}

/// One HTTP/1.1 connection: hyper's sending half and the connection state,
/// which whoever holds it polls.
struct Conn {
    url: String,
    send: SendRequest<hyper::Body>,
    conn: Connection<Stream, hyper::Body>,
    /// The connection future finished (the connection is closed): it must
    /// not be polled again.
    ended: bool,
    idle_since: Instant,
    /// The waker the connection is polled with (see [`Quiet`]).
    waker: Arc<Quiet>,
}

/// The waker a connection is polled with. hyper wakes whoever polls a
/// connection for its own hand-overs too (a request queued, a body taken or
/// dropped, a yield). Those happen while the task that owns the connection
/// is running; passing them on would only make the runtime poll that task
/// again at once, and rouse an idle worker to steal it. So a wake reaches
/// the task only while it waits in [`Conn::poll_with`] (the socket became
/// readable); one raised while it polls makes it poll again at once, and
/// any other is only noted (the next poll comes anyway).
struct Quiet {
    state: AtomicU8,
    task: AtomicWaker,
}

/// [`Quiet`]'s states: the connection is being polled, hyper woke it, the
/// owner is waiting for a wake (0: none of these).
const POLLING: u8 = 1;
const WOKEN: u8 = 2;
const WAITING: u8 = 4;

impl Wake for Quiet {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.state.fetch_or(WOKEN, Ordering::AcqRel) & WAITING != 0 {
            self.task.wake();
        }
    }
}

/// Why an exchange failed, and whether the request can have reached the
/// server.
struct Failed {
    error: Error,
    /// The request was never written (hyper canceled it): a reused
    /// connection that turns out closed may be swapped for a new one.
    unsent: bool,
}

impl Http {
    /// A transport whose connections are closed after `idle_timeout` unused
    /// (zero: every request opens a connection of its own).
    pub(crate) fn new(idle_timeout: Duration) -> Http {
        Http {
            pools: Pools::new(move || Pool {
                connector: hyper_rustls::HttpsConnectorBuilder::new()
                    .with_webpki_roots()
                    .https_or_http()
                    .enable_http1()
                    .build(),
                idle: Mutex::new(Vec::new()),
                idle_timeout,
                reaping: AtomicBool::new(false),
                gone: watch::channel(()).0,
            }),
        }
    }

    /// Whether requests can be sent from here (a runtime with timers).
    pub(crate) fn ready(&self) -> Result<()> {
        self.pools.current().map(|_| ())
    }

    /// Sends one POST and reads the answer, at most `limit` bytes of it.
    pub(crate) async fn post(
        &self,
        endpoint: &Endpoint,
        headers: &[(&str, &str)],
        body: Bytes,
        limit: usize,
    ) -> Result<(u16, Bytes)> {
        let pool = self.pools.current()?;
        let request = || -> Result<hyper::Request<hyper::Body>> {
            let bad = |e: &dyn std::fmt::Display| super::errors::unbuildable(e);
            let mut req = hyper::Request::new(hyper::Body::from(body.clone()));
            *req.method_mut() = hyper::Method::POST;
            *req.uri_mut() = hyper::Uri::from_static("/");
            let map = req.headers_mut();
            map.reserve(headers.len() + 1);
            let host = HeaderValue::from_str(&endpoint.host).map_err(|e| bad(&e))?;
            map.insert(hyper::header::HOST, host);
            for (k, v) in headers {
                let value = HeaderValue::from_str(v).map_err(|e| bad(&e))?;
                map.append(header_name(k).map_err(|e| bad(&e))?, value);
            }
            Ok(req)
        };
        // Built before any connection is taken: a request no header can
        // carry fails at once, whatever the server.
        let first = request()?;
        // A reused connection the server closed just before the request
        // went out is replaced, once, by a new one.
        let first = match pool.idle_for(&endpoint.url).await {
            Some(mut conn) => match conn.exchange(first, limit).await {
                Ok(answer) => {
                    pool.put_back(conn);
                    return Ok(answer);
                }
                Err(f) if f.unsent => None,
                Err(f) => return Err(f.error),
            },
            None => Some(first),
        };
        let mut conn = pool.connect(endpoint).await?;
        let req = match first {
            Some(req) => req,
            None => request()?,
        };
        let answer = conn.exchange(req, limit).await.map_err(|f| f.error)?;
        pool.put_back(conn);
        Ok(answer)
    }
}

/// The name of a header the client sends: the usual ones ready-made
/// (parsing a name looks it up among the standard ones first).
fn header_name(name: &str) -> std::result::Result<HeaderName, InvalidHeaderName> {
    const X_AMZ_TARGET: HeaderName = HeaderName::from_static("x-amz-target");
    const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
    const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
    Ok(match name {
        "content-type" => hyper::header::CONTENT_TYPE,
        "authorization" => hyper::header::AUTHORIZATION,
        "x-amz-target" => X_AMZ_TARGET,
        "x-amz-date" => X_AMZ_DATE,
        "x-amz-security-token" => X_AMZ_SECURITY_TOKEN,
        other => HeaderName::from_bytes(other.as_bytes())?,
    })
}

impl Pool {
    /// An idle connection to `url` that is still open, if there is one.
    async fn idle_for(&self, url: &str) -> Option<Conn> {
        loop {
            let mut conn = {
                let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                self.prune(&mut idle, Instant::now());
                let at = idle.iter().rposition(|c| c.url == url)?;
                idle.swap_remove(at)
            };
            if conn.still_open().await {
                return Some(conn);
            }
        }
    }

    /// Keeps a connection that finished its exchange for the next request,
    /// unless it has closed, the pool is full or keeps none. (One the
    /// server closes while it waits is noticed when it is taken out again,
    /// or closed by the reaper when it expires.)
    fn put_back(self: &Arc<Self>, mut conn: Conn) {
        if conn.ended || self.idle_timeout.is_zero() {
            return;
        }
        let now = Instant::now();
        conn.idle_since = now;
        {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            self.prune(&mut idle, now);
            if idle.len() >= MAX_IDLE {
                return;
            }
            idle.push(conn);
        }
        // Read first: the usual answer (a reaper runs) then costs no write.
        if !self.reaping.load(Ordering::Acquire) && !self.reaping.swap(true, Ordering::AcqRel) {
            self.start_reaper();
        }
    }

    /// Drops the connections idle for longer than the idle timeout (which
    /// closes them).
    fn prune(&self, idle: &mut Vec<Conn>, now: Instant) {
        idle.retain(|c| now.duration_since(c.idle_since) < self.idle_timeout);
    }

    /// Starts the task that closes expired idle connections, a quarter of
    /// the idle timeout apart, until none is left. It holds no strong
    /// reference to the pool and ends at once when the pool is dropped (the
    /// client's last clone, or its runtime, went away).
    fn start_reaper(self: &Arc<Self>) {
        let pool = Arc::downgrade(self);
        let mut gone = self.gone.subscribe();
        let every = (self.idle_timeout / 4).max(Duration::from_millis(10));
        let reaper = async move {
            loop {
                tokio::select! {
                    // Only ever an error: the pool was dropped.
                    _ = gone.changed() => return,
                    () = tokio::time::sleep(every) => {}
                }
                let Some(pool) = pool.upgrade() else { return };
                let left = {
                    let mut idle = pool.idle.lock().unwrap_or_else(|e| e.into_inner());
                    pool.prune(&mut idle, Instant::now());
                    idle.len()
                };
                if left > 0 {
                    continue;
                }
                pool.reaping.store(false, Ordering::Release);
                // A connection put back just now may have left the reaping
                // to this task: take it on again if so.
                let idle_again = !pool
                    .idle
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .is_empty();
                if !idle_again || pool.reaping.swap(true, Ordering::AcqRel) {
                    return;
                }
            }
        };
        // The pool belongs to the current runtime (`Pools`), so there is one.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(reaper)),
            Err(_) => self.reaping.store(false, Ordering::Release),
        }
    }

    /// A new connection (TLS for `https://`).
    async fn connect(&self, endpoint: &Endpoint) -> Result<Conn> {
        let uri: hyper::Uri = endpoint
            .url
            .parse()
            .map_err(|e| Error::transport(format!("bad endpoint {}: {e}", endpoint.url)))?;
        let cannot = |e: &dyn std::fmt::Display| {
            Error::transport(format!(
                "request failed: cannot connect to {}: {e}",
                endpoint.url
            ))
        };
        let mut connector = self.connector.clone();
        poll_fn(|cx| connector.poll_ready(cx))
            .await
            .map_err(|e| cannot(&e))?;
        let io = connector.call(uri).await.map_err(|e| {
            super::errors::tls_failure(&*e, &endpoint.url).unwrap_or_else(|| cannot(&e))
        })?;
        let (send, conn) = hyper::client::conn::Builder::new()
            .handshake(io)
            .await
            .map_err(|e| cannot(&e))?;
        Ok(Conn {
            url: endpoint.url.clone(),
            send,
            conn,
            ended: false,
            idle_since: Instant::now(),
            waker: Arc::new(Quiet {
                state: AtomicU8::new(0),
                task: AtomicWaker::new(),
            }),
        })
    }
}

impl Conn {
    /// Polls the connection once: false when it has closed (the server hung
    /// up, or answered with `Connection: close`).
    async fn still_open(&mut self) -> bool {
        if self.ended {
            return false;
        }
        // Not ready yet is fine (the connection is between two exchanges);
        // an error means it is closed.
        let closed = poll_fn(|cx| {
            self.poll_with(cx, &mut |quiet, send| {
                Poll::Ready(matches!(send.poll_ready(quiet), Poll::Ready(Err(_))))
            })
        })
        .await;
        !self.ended && matches!(closed, Ok(false))
    }

    /// Polls `f` until it is ready, driving the connection meanwhile. An
    /// error when the connection ends before `f` is ready.
    async fn drive<T>(
        &mut self,
        mut f: impl FnMut(&mut Context<'_>, &mut SendRequest<hyper::Body>) -> Poll<T>,
    ) -> std::result::Result<T, Option<hyper::Error>> {
        poll_fn(|cx| self.poll_with(cx, &mut f)).await
    }

    /// Polls the connection, then `f`, for the task of `cx`.
    ///
    /// Everything `f` waits for (the answer, the next piece of body, the
    /// connection being ready) is handed over by the connection while it is
    /// polled here, so `f` is polled right after it, with a waker that does
    /// nothing. The connection is polled with the [`Quiet`] waker: wakes
    /// raised while either is polled (hyper's own hand-overs) are answered
    /// by polling again at once, up to a point (then the task yields,
    /// woken); only the others (the socket became readable) wake the task.
    fn poll_with<T>(
        &mut self,
        cx: &mut Context<'_>,
        f: &mut impl FnMut(&mut Context<'_>, &mut SendRequest<hyper::Body>) -> Poll<T>,
    ) -> Poll<std::result::Result<T, Option<hyper::Error>>> {
        self.waker.task.register(cx.waker());
        let waker = Waker::from(self.waker.clone());
        let mut inner = Context::from_waker(&waker);
        let mut quiet = Context::from_waker(Waker::noop());
        let state = &self.waker.state;
        for _ in 0..16 {
            state.store(POLLING, Ordering::Release);
            let mut ended_with = None;
            if !self.ended
                && let Poll::Ready(r) = Pin::new(&mut self.conn).poll(&mut inner)
            {
                self.ended = true;
                ended_with = Some(r.err());
            }
            // What the connection handed over before it ended is still
            // there to take.
            match (f(&mut quiet, &mut self.send), ended_with) {
                (Poll::Ready(v), _) => {
                    state.store(0, Ordering::Release);
                    return Poll::Ready(Ok(v));
                }
                (Poll::Pending, Some(e)) => {
                    state.store(0, Ordering::Release);
                    return Poll::Ready(Err(e));
                }
                (Poll::Pending, None) if self.ended => {
                    state.store(0, Ordering::Release);
                    return Poll::Ready(Err(None));
                }
                (Poll::Pending, None) => {}
            }
            if state
                .compare_exchange(POLLING, WAITING, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Poll::Pending;
            }
        }
        state.store(0, Ordering::Release);
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Sends `req` and reads the answer: its status and at most `limit`
    /// bytes of body.
    async fn exchange(
        &mut self,
        req: hyper::Request<hyper::Body>,
        limit: usize,
    ) -> std::result::Result<(u16, Bytes), Failed> {
        let lost = |e: Option<hyper::Error>, unsent: bool| Failed {
            unsent: unsent || e.as_ref().is_some_and(hyper::Error::is_canceled),
            error: Error::transport(match e {
                Some(e) => format!("request failed: {e}"),
                None => "request failed: the connection closed before the answer".to_owned(),
            }),
        };
        match self.drive(|cx, send| send.poll_ready(cx)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(lost(Some(e), true)),
            Err(e) => return Err(lost(e, true)),
        }
        let mut answer = self.send.send_request(req);
        let resp = match self.drive(|cx, _| Pin::new(&mut answer).poll(cx)).await {
            Ok(Ok(resp)) => resp,
            Ok(Err(e)) | Err(Some(e)) => return Err(lost(Some(e), false)),
            Err(None) => return Err(lost(None, false)),
        };
        let status = resp.status().as_u16();
        let mut body = resp.into_body();
        let fail = |error| Failed {
            error,
            unsent: false,
        };
        let announced = body.size_hint().lower();
        if announced > limit as u64 {
            return Err(fail(AnswerBytes::too_large(limit)));
        }
        let mut answer = AnswerBytes::new(limit, announced);
        loop {
            let lost = |e: &dyn std::fmt::Display| {
                fail(Error::transport(format!(
                    "the answer broke off or could not be read: {e}"
                )))
            };
            match self.drive(|cx, _| Pin::new(&mut body).poll_data(cx)).await {
                Ok(None) => break,
                Ok(Some(Ok(chunk))) => answer.push(chunk).map_err(fail)?,
                Ok(Some(Err(e))) | Err(Some(e)) => return Err(lost(&e)),
                Err(None) => return Err(lost(&"the connection closed")),
            }
        }
        Ok((status, answer.finish()))
    }
}

/// rusoto's default credential chain. It caches what it finds and looks
/// again when that expires — but it also keeps its first *error* for good
/// (`AutoRefreshingProvider` stores the failed lookup), so one failed
/// lookup (an instance's metadata service not answering yet) would fail
/// every later request of the process. The chain is made afresh after a
/// failure, so the next request looks again.
pub(crate) struct Chain(Remade<DefaultCredentialsProvider>);

impl Chain {
    pub(crate) fn new() -> Result<Chain> {
        Remade::new(DefaultCredentialsProvider::new)
            .map(Chain)
            .map_err(|e| Error::new(ErrorKind::Authentication, e.to_string()))
    }

    pub(crate) async fn credentials(&self) -> Result<Creds> {
        let c = self.0.credentials().await.map_err(|c| {
            Error::new(
                ErrorKind::Authentication,
                format!("no usable AWS credentials: {}", c.message),
            )
        })?;
        Ok(Creds {
            access_key_id: c.aws_access_key_id().to_owned(),
            secret_access_key: c.aws_secret_access_key().to_owned(),
            session_token: c.token().clone(),
        })
    }
}

/// A credential provider made again by `make` after a failed lookup.
struct Remade<P> {
    current: Mutex<Arc<P>>,
    make: fn() -> std::result::Result<P, CredentialsError>,
}

impl<P: ProvideAwsCredentials> Remade<P> {
    fn new(
        make: fn() -> std::result::Result<P, CredentialsError>,
    ) -> std::result::Result<Self, CredentialsError> {
        Ok(Remade {
            current: Mutex::new(Arc::new(make()?)),
            make,
        })
    }

    async fn credentials(&self) -> std::result::Result<AwsCredentials, CredentialsError> {
        let provider = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let found = provider.credentials().await;
        if found.is_err()
            && let Ok(fresh) = (self.make)()
        {
            let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
            // Unless another request replaced it meanwhile.
            if Arc::ptr_eq(&current, &provider) {
                *current = Arc::new(fresh);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Fails its first lookup (of the whole process), then finds keys.
    struct FirstLookupFails;

    static LOOKUPS: AtomicUsize = AtomicUsize::new(0);

    // The trait is an `async_trait` one: its method, written out.
    impl ProvideAwsCredentials for FirstLookupFails {
        fn credentials<'a, 'b>(
            &'a self,
        ) -> Pin<
            Box<
                dyn Future<Output = std::result::Result<AwsCredentials, CredentialsError>>
                    + Send
                    + 'b,
            >,
        >
        where
            'a: 'b,
            Self: 'b,
        {
            Box::pin(async move {
                match LOOKUPS.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(CredentialsError::new("the metadata service did not answer")),
                    _ => Ok(AwsCredentials::new("AKID", "secret", None, None)),
                }
            })
        }
    }

    #[tokio::test]
    async fn a_failed_credential_lookup_is_tried_again() {
        // rusoto's caching wrapper, as in its default chain: alone, it keeps
        // the first error for good.
        let remade = Remade::new(|| {
            Ok(
                rusoto_credential::AutoRefreshingProvider::new(FirstLookupFails)
                    .expect("a provider"),
            )
        })
        .unwrap();
        assert!(remade.credentials().await.is_err());
        let found = remade.credentials().await.expect("looked up again");
        assert_eq!(found.aws_access_key_id(), "AKID");
        // Found keys are kept (no lookup per request).
        let before = LOOKUPS.load(Ordering::SeqCst);
        remade.credentials().await.unwrap();
        assert_eq!(LOOKUPS.load(Ordering::SeqCst), before);
    }

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn ready_made_header_names_are_the_parsed_ones() {
        for name in [
            "content-type",
            "authorization",
            "x-amz-target",
            "x-amz-date",
            "x-amz-security-token",
            "x-custom",
        ] {
            let parsed = HeaderName::from_bytes(name.as_bytes()).unwrap();
            assert_eq!(header_name(name).unwrap(), parsed);
        }
        assert!(header_name("not a name").is_err());
    }

    #[test]
    fn only_a_waiting_owner_is_woken() {
        let quiet = Arc::new(Quiet {
            state: AtomicU8::new(0),
            task: AtomicWaker::new(),
        });
        let task = Arc::new(Count(AtomicUsize::new(0)));
        let woken = || task.0.load(Ordering::SeqCst);
        let waker = Waker::from(quiet.clone());

        // Between polls (the owner is running, or the connection is idle
        // in the pool): noted, nobody woken.
        quiet.task.register(&Waker::from(task.clone()));
        waker.wake_by_ref();
        assert_eq!(woken(), 0);
        assert_ne!(quiet.state.load(Ordering::SeqCst) & WOKEN, 0);

        // During a poll: noted, and the poll cannot end in waiting.
        quiet.state.store(POLLING, Ordering::SeqCst);
        waker.wake_by_ref();
        assert_eq!(woken(), 0);
        let to_waiting =
            quiet
                .state
                .compare_exchange(POLLING, WAITING, Ordering::AcqRel, Ordering::Acquire);
        assert!(
            to_waiting.is_err(),
            "a wake during the poll means: poll again"
        );

        // While the owner waits: passed on.
        quiet.state.store(WAITING, Ordering::SeqCst);
        waker.wake_by_ref();
        assert_eq!(woken(), 1);
    }
}
