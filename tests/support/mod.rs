//! Shared test support. Every integration test talks to a real engine, never
//! a mock, and only ever on loopback:
//!
//! * by default, the crate's local engine (`dynamo::local::LocalDynamo`,
//!   dynoxide in memory): [`isolated`] gives each test an engine of its own,
//!   so tests share no tables and need no table prefixes;
//! * with `DYNAMO_TEST_ENDPOINT=http://127.0.0.1:PORT`, a DynamoDB-compatible
//!   server you run yourself (DynamoDB Local, a dynoxide binary, …): tests
//!   then share it and each gets a unique table prefix. Only loopback
//!   addresses are accepted.
//!
//! `.cargo/config.toml` also sets `DYNAMO_LOOPBACK_ONLY=1` for every test
//! process, so no client in a test can send a request anywhere but loopback,
//! whatever it was built from.
#![allow(dead_code)]

use std::future::Future;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dynamo::config::{self, Config};
use dynamo::local::LocalDynamo;
use dynamo::local::proxy::FaultProxy;
use dynamo::{Client, RetryPolicy};

/// Empties the AWS credential chain's sources in this process: no
/// environment credentials or region, no profile files, no web identity, no
/// container credentials, instance metadata not turned off. For test
/// binaries that then point the chain at a stand-in of their own.
///
/// # Safety
///
/// Sets the process environment: call it before any other thread of the
/// test binary reads the environment (a binary with one test).
pub unsafe fn empty_aws_chain() {
    for k in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_EC2_METADATA_DISABLED",
    ] {
        // SAFETY: the caller's (no other thread reads the environment).
        unsafe { std::env::remove_var(k) };
    }
    // SAFETY: as above.
    unsafe {
        std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/dynamo-test/config");
        std::env::set_var(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/dynamo-test/credentials",
        );
    }
}

/// The server a test (or a test binary) runs on.
pub struct Engine {
    local: Option<LocalDynamo>,
    endpoint: String,
    prefix: Option<String>,
}

tokio::task_local! {
    static CURRENT: String;
}

/// `DYNAMO_TEST_ENDPOINT`, when set: a loopback server the user runs.
fn external_endpoint() -> Option<String> {
    let ep = std::env::var("DYNAMO_TEST_ENDPOINT")
        .ok()
        .filter(|e| !e.trim().is_empty())?;
    assert!(
        is_loopback(&ep),
        "DYNAMO_TEST_ENDPOINT={ep}: the test suite only ever talks to a loopback server \
         (http://127.0.0.1:PORT, http://[::1]:PORT or http://localhost:PORT)"
    );
    Some(ep.trim_end_matches('/').to_owned())
}

/// Parses `url` as a URI: `http(s)://` with a loopback host and no user
/// information.
pub fn is_loopback(url: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return false;
    };
    let Some(auth) = uri.authority() else {
        return false;
    };
    if auth.as_str().contains('@') || !matches!(uri.scheme_str(), Some("http" | "https")) {
        return false;
    }
    let host = auth.host().trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Engine {
    /// A fresh local engine, or the external server with a fresh prefix.
    pub fn start() -> Engine {
        match external_endpoint() {
            Some(endpoint) => Engine {
                local: None,
                endpoint,
                prefix: Some(unique_prefix()),
            },
            None => {
                let local = LocalDynamo::start_blocking().expect("start the local engine");
                Engine {
                    endpoint: local.endpoint(),
                    local: Some(local),
                    prefix: None,
                }
            }
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    /// A client of this engine (placeholder credentials, default retries).
    pub fn client(&self) -> Client {
        assert!(is_loopback(&self.endpoint), "{}", self.endpoint);
        Client::builder()
            .endpoint(&self.endpoint)
            .region("us-east-1")
            .credentials("local", "local")
            .build()
            .expect("a client of the test engine")
    }

    /// Runs `f` with this engine's client as the default client (and, on a
    /// shared external server, a unique table prefix).
    pub async fn run<F: Future>(&self, f: F) -> F::Output {
        let client = self.client();
        let inner = CURRENT.scope(self.endpoint.clone(), client.scope(f));
        match &self.prefix {
            Some(p) => config::scope(Config::new().table_prefix(p.clone()), inner).await,
            None => inner.await,
        }
    }
}

/// The engine shared by the tests of one binary that do not run in
/// [`isolated`] (they use [`unique_prefix`] to keep apart). Its client is
/// also the process's default client, so a test that forgets to choose a
/// client still talks to a loopback engine.
pub fn shared() -> &'static Engine {
    static SHARED: OnceLock<Engine> = OnceLock::new();
    SHARED.get_or_init(|| {
        let e = Engine::start();
        Client::set_default(e.client());
        e
    })
}

/// Runs `f` on an engine of its own, with that engine's client as the
/// default client.
pub async fn isolated<F: Future>(f: F) -> F::Output {
    shared();
    let engine = Engine::start();
    engine.run(f).await
}

/// The endpoint of the engine in use: the test's own inside [`isolated`],
/// else the binary's shared one.
pub fn endpoint() -> String {
    CURRENT
        .try_with(String::clone)
        .unwrap_or_else(|_| shared().endpoint())
}

/// A client of the engine in use (see [`endpoint`]).
pub fn client() -> Client {
    match CURRENT.try_with(|_| ()) {
        Ok(()) => Client::default_client().expect("the scoped client"),
        Err(_) => shared().client(),
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A table prefix unique to this test process and call (for tests on the
/// [`shared`] engine, which this starts).
pub fn unique_prefix() -> String {
    shared();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("t{}_{}_{}_", std::process::id(), n, fastrand::u32(..))
}

/// A fault proxy in front of the engine in use.
pub fn proxy(seed: u64) -> FaultProxy {
    FaultProxy::start(&endpoint(), seed).expect("start the fault proxy")
}

/// A client of `proxy` with the given retry policy and timeout.
pub fn proxy_client(proxy: &FaultProxy, retry: RetryPolicy, timeout: Duration) -> Client {
    proxy
        .client_builder()
        .retry(retry)
        .timeout(timeout)
        .build()
        .expect("proxy client")
}
