//! The local engine (feature `local`): an open-source, in-process
//! DynamoDB-compatible server for the quick start, tests and examples.
//!
//! [`LocalDynamo::start`] starts [dynoxide](https://crates.io/crates/dynoxide-rs)
//! (MIT OR Apache-2.0, SQLite in memory) on a free `127.0.0.1` port, in a
//! thread of its own, and serves DynamoDB's HTTP API there. No JVM, no npm,
//! no Docker: it is a Rust dependency like any other.
//!
//! ```
//! use dynamo::local::LocalDynamo;
//! use dynamo::prelude::*;
//!
//! dynamo_item! {
//!     #[derive(Debug, Clone, PartialEq)]
//!     pub struct User {
//!         table_name "users";
//!         field :id: String, partition_key;
//!         field :name: String;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> dynamo::Result<()> {
//! let local = LocalDynamo::start().await?;   // in memory, a free 127.0.0.1 port
//! assert!(local.endpoint().starts_with("http://127.0.0.1:"));
//!
//! let client = local.client();               // or Client::set_default(local.client())
//! client.create_table::<User>().await?;
//! client.put_item(item!(User { id: "u1", name: "Ada" }), opts![]).await?;
//! let found = client.get_item(&item!(User { id: "u1" }), opts![]).await?;
//! assert_eq!(found.unwrap().name, "Ada");
//! // Dropping `local` stops the engine and frees the port.
//! # Ok(()) }
//! ```
//!
//! Every engine is a database of its own: two engines in one process share
//! nothing. Starting one takes about a millisecond, so a test can have its
//! own (see [`Client::scope`](crate::Client::scope) to make its client the
//! default for one test).
//!
//! Where the engine differs from DynamoDB — it never reports
//! `TransactionConflict`, `ConsistentRead` has no effect (every read is
//! strongly consistent), and the text of some validation messages differs —
//! is listed in `docs/local-engine.md`.
//!
//! [`proxy`] puts a fault-injecting proxy in front of an engine, for testing
//! how your code copes with throttling, server errors and lost connections.

pub mod proxy;

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};

/// How long a stopping engine waits for requests still running before it
/// closes their connections.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// A local DynamoDB-compatible engine serving on a loopback port. Dropping
/// it stops the engine and frees the port.
pub struct LocalDynamo {
    addr: SocketAddr,
    /// The engine's database (a handle: the serving thread has another).
    db: dynoxide::Database,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for LocalDynamo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalDynamo")
            .field("endpoint", &self.endpoint())
            .finish()
    }
}

/// Options for a [`LocalDynamo`]: the port and the number of threads.
/// Build with [`LocalDynamo::builder`].
#[derive(Clone, Debug)]
#[must_use]
pub struct LocalDynamoBuilder {
    port: u16,
    threads: usize,
}

impl Default for LocalDynamoBuilder {
    fn default() -> Self {
        LocalDynamoBuilder {
            port: 0,
            threads: 1,
        }
    }
}

impl LocalDynamoBuilder {
    /// The port on `127.0.0.1` to listen on (default 0: a free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The most threads [`threads`](LocalDynamoBuilder::threads) takes.
    pub const MAX_THREADS: usize = 4096;

    /// How many threads serve requests (default 1).
    ///
    /// The engine's database takes one request at a time whatever this is,
    /// but with more threads the rest of a request's work — reading and
    /// parsing it, checking it, writing the answer — runs in parallel. One
    /// thread is plenty for tests; a benchmark or a load test that keeps
    /// many requests in flight goes faster with one thread per core
    /// (`std::thread::available_parallelism`). Zero, or more than
    /// [`MAX_THREADS`](LocalDynamoBuilder::MAX_THREADS), is refused by
    /// [`start`](LocalDynamoBuilder::start).
    ///
    /// ```
    /// # fn main() -> dynamo::Result<()> {
    /// let local = dynamo::local::LocalDynamo::builder().threads(2).start()?;
    /// assert!(local.endpoint().starts_with("http://127.0.0.1:"));
    /// # Ok(()) }
    /// ```
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Starts the engine. Fails when the port cannot be bound, or when
    /// [`threads`](LocalDynamoBuilder::threads) is not 1 to
    /// [`MAX_THREADS`](LocalDynamoBuilder::MAX_THREADS).
    pub fn start(self) -> Result<LocalDynamo> {
        if !(1..=Self::MAX_THREADS).contains(&self.threads) {
            return Err(Error::new(
                ErrorKind::ValidationError,
                format!(
                    "local engine: threads must be 1 to {}, got {}",
                    Self::MAX_THREADS,
                    self.threads
                ),
            )
            .with_field("threads"));
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port)).map_err(|e| {
            Error::new(
                ErrorKind::Transport,
                format!(
                    "local engine: cannot listen on 127.0.0.1:{}: {e}",
                    self.port
                ),
            )
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::transport(format!("local engine: {e}")))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::transport(format!("local engine: {e}")))?;
        let db = dynoxide::Database::memory().map_err(|e| {
            Error::new(
                ErrorKind::InternalServerError,
                format!("local engine: cannot open an in-memory database: {e}"),
            )
        })?;
        let mut runtime = if self.threads == 1 {
            tokio::runtime::Builder::new_current_thread()
        } else {
            let mut multi = tokio::runtime::Builder::new_multi_thread();
            // The workers run the connections; the engine's own thread
            // only accepts them and waits for the signal to stop.
            multi.worker_threads(self.threads);
            multi
        };
        // Short enough for Linux's 15-byte thread names, so that tools
        // (and the tests) can tell this engine's threads apart.
        let runtime = runtime
            .enable_all()
            .thread_name(format!("dynamo-w{}", addr.port()))
            .build()
            .map_err(|e| Error::transport(format!("local engine: cannot start a runtime: {e}")))?;
        let (shutdown, stop) = oneshot::channel::<()>();
        let served = db.clone();
        let thread = std::thread::Builder::new()
            .name(format!("dynamo-local-{}", addr.port()))
            .spawn(move || serve(runtime, listener, served, stop))
            .map_err(|e| Error::transport(format!("local engine: cannot start a thread: {e}")))?;
        Ok(LocalDynamo {
            addr,
            db,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }
}

/// The engine's thread: serve until told to stop, give running requests a
/// moment, then drop everything (which closes every connection).
fn serve(
    runtime: tokio::runtime::Runtime,
    listener: TcpListener,
    db: dynoxide::Database,
    stop: oneshot::Receiver<()>,
) {
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(target: "dynamo", error = %e, "local engine: cannot listen");
                return;
            }
        };
        let (stopping_tx, stopping_rx) = oneshot::channel::<()>();
        let server = dynoxide::server::serve_with_shutdown(listener, db, async move {
            let _ = stop.await;
            let _ = stopping_tx.send(());
        });
        tokio::select! {
            _ = server => {}
            _ = async {
                let _ = stopping_rx.await;
                tokio::time::sleep(STOP_GRACE).await;
            } => {}
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(100));
}

impl LocalDynamo {
    /// Starts an in-memory engine on a free `127.0.0.1` port.
    ///
    /// The engine runs on a thread of its own, so it does not depend on the
    /// caller's runtime: it keeps serving across `#[tokio::test]`s and while
    /// the caller's runtime is blocked.
    pub async fn start() -> Result<LocalDynamo> {
        LocalDynamo::builder().start()
    }

    /// [`start`](LocalDynamo::start) for code outside async functions (a
    /// `static`, a synchronous test harness, a `main` without a runtime).
    pub fn start_blocking() -> Result<LocalDynamo> {
        LocalDynamo::builder().start()
    }

    /// For examples and quick starts: when an endpoint is configured
    /// (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL` or
    /// `AWS_DYNAMODB_ENDPOINT`), does nothing and returns `Ok(None)` — the
    /// default client is built from the environment as usual. Otherwise
    /// starts an engine, makes its client the default client
    /// ([`Client::set_default`]) and returns it: keep it alive while you use
    /// it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> dynamo::Result<()> {
    /// let _engine = dynamo::local::LocalDynamo::start_unless_configured().await?;
    /// let client = dynamo::Client::default_client()?;
    /// # Ok(()) }
    /// ```
    pub async fn start_unless_configured() -> Result<Option<LocalDynamo>> {
        let configured = [
            "AWS_ENDPOINT_URL_DYNAMODB",
            "AWS_ENDPOINT_URL",
            "AWS_DYNAMODB_ENDPOINT",
        ]
        .iter()
        .any(|k| std::env::var(k).is_ok_and(|v| !v.trim().is_empty()));
        if configured {
            return Ok(None);
        }
        let local = LocalDynamo::start().await?;
        Client::set_default(local.client());
        Ok(Some(local))
    }

    /// A builder, to choose the port and the number of threads.
    pub fn builder() -> LocalDynamoBuilder {
        LocalDynamoBuilder::default()
    }

    /// The endpoint URL: `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the engine listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port the engine listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// A client for this engine (region `us-east-1`, placeholder
    /// credentials, which the engine accepts and ignores).
    pub fn client(&self) -> Client {
        Client::for_local_engine(&self.endpoint())
    }

    /// Deletes every item whose time to live has passed, now, and returns
    /// how many it deleted.
    ///
    /// DynamoDB deletes expired items on its own, within days of expiry;
    /// this engine deletes them only when asked, so a test of what follows
    /// an expiry calls this. (The crate's reads hide expired items either
    /// way.) Each deletion is a `REMOVE` on the table's stream, marked as
    /// time to live's ([`ChangeRecord::is_expiry`](crate::changes::ChangeRecord::is_expiry)).
    /// Requests sent meanwhile wait for at most a page of the sweep.
    ///
    /// ```
    /// use dynamo::prelude::*;
    ///
    /// dynamo_item! {
    ///     pub struct Session {
    ///         table_name "sessions";
    ///         field :id: String, partition_key;
    ///         field :expires_at: i64, ttl;
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> dynamo::Result<()> {
    /// let local = dynamo::local::LocalDynamo::start().await?;
    /// let client = local.client();
    /// client.create_table::<Session>().await?; // turns time to live on
    /// client.put_item(item!(Session { id: "s1", expires_at: 1_000_000_000i64 }), opts![]).await?;
    /// assert_eq!(local.sweep_expired().await?, 1);
    /// # Ok(()) }
    /// ```
    pub async fn sweep_expired(&self) -> Result<usize> {
        let db = self.db.clone();
        let swept = match tokio::runtime::Handle::try_current() {
            // The sweep blocks (it takes the database's lock page by page).
            Ok(runtime) => runtime
                .spawn_blocking(move || db.sweep_ttl())
                .await
                .map_err(|e| Error::transport(format!("local engine: the sweep stopped: {e}")))?,
            Err(_) => db.sweep_ttl(),
        };
        swept.map_err(|e| {
            Error::new(
                ErrorKind::InternalServerError,
                format!("local engine: the time-to-live sweep failed: {e}"),
            )
        })
    }

    /// Stops the engine and waits until its port is free (what dropping it
    /// does).
    pub fn stop(mut self) {
        self.shutdown_now();
    }

    fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for LocalDynamo {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}
