//! [`Client`]: the connection to DynamoDB, over `rusoto_dynamodb`.
//!
//! This module is the only one that names rusoto types. Every operation is
//! available on a `Client` ([`Client::put_item`], [`Client::list_items`], …)
//! and, through the *default client*, as the schema methods and the free
//! functions of [`crate::table`].
//!
//! ```no_run
//! # async fn run() -> dynamo::Result<()> {
//! use dynamo::Client;
//! use std::time::Duration;
//!
//! // From the environment: AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL /
//! // AWS_DYNAMODB_ENDPOINT, AWS_REGION / AWS_DEFAULT_REGION, and rusoto's
//! // credential chain.
//! let client = Client::from_env()?;
//!
//! // Or explicitly, e.g. for DynamoDB Local:
//! let local = Client::builder()
//!     .endpoint("http://127.0.0.1:8000")
//!     .region("us-east-1")
//!     .credentials("local", "local")
//!     .timeout(Duration::from_secs(5))
//!     .max_attempts(5)
//!     .build()?;
//!
//! // Make it the default for `User::put_item(…)` and friends:
//! Client::set_default(local);
//! # let _ = client; Ok(()) }
//! ```

mod call;
mod ops;
mod untyped;
pub(crate) mod wire;

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rusoto_core::credential::{DefaultCredentialsProvider, ProvideAwsCredentials, StaticProvider};
use rusoto_core::{HttpClient, Region};

use crate::error::{Error, Result};

pub use call::RetryPolicy;
pub(crate) use ops::*;
pub use ops::{BillingMode, IndexSpec, TableInfo, TableSpec, TtlInfo};
pub use wire::{from_rusoto_item, from_rusoto_value, to_rusoto_item, to_rusoto_value};

/// A handle to DynamoDB. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

type Connector = hyper_rustls::HttpsConnector<hyper::client::HttpConnector>;

struct Inner {
    http: Arc<Pools>,
    credentials_provider: Arc<dyn ProvideAwsCredentials + Send + Sync>,
    region: Region,
    endpoint: Option<String>,
    credentials: CredentialSource,
    retry: RetryPolicy,
    timeout: Duration,
    /// Refuse to send anywhere but loopback (`DYNAMO_LOOPBACK_ONLY`).
    loopback_only: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CredentialSource {
    Static,
    Chain,
    LocalDummy,
}

impl fmt::Debug for Client {
    /// Shows where the client connects and how it retries — never
    /// credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("region", &self.inner.region.name())
            .field("endpoint", &self.inner.endpoint)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .finish()
    }
}

/// Builds a [`Client`].
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    endpoint: Option<String>,
    region: Option<String>,
    credentials: Option<(String, String, Option<String>)>,
    retry: Option<RetryPolicy>,
    timeout: Option<Duration>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "<redacted>"),
            )
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

impl ClientBuilder {
    /// The endpoint URL, e.g. `http://127.0.0.1:8000` for DynamoDB Local.
    /// Plain `http://` works.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The region (default `us-east-1`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Static credentials.
    pub fn credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        self.credentials = Some((access_key_id.into(), secret_access_key.into(), None));
        self
    }

    /// Static credentials with a session token.
    pub fn session_credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: impl Into<String>,
    ) -> Self {
        self.credentials = Some((
            access_key_id.into(),
            secret_access_key.into(),
            Some(session_token.into()),
        ));
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Shorthand for the retry policy's attempt limit (1 = no retries).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        let r = self.retry.take().unwrap_or_default();
        self.retry = Some(r.max_attempts(attempts));
        self
    }

    /// The per-request timeout (default 10 s). A request that takes longer is
    /// a `Transport` error and is retried.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Builds the client. Fails on an endpoint that is not an `http://` or
    /// `https://` URL.
    pub fn build(self) -> Result<Client> {
        let region_name = self.region.unwrap_or_else(|| "us-east-1".to_owned());
        let region = match &self.endpoint {
            Some(ep) => {
                let ep = ep.trim_end_matches('/');
                if !(ep.starts_with("http://") || ep.starts_with("https://")) {
                    return Err(Error::validation(format!(
                        "endpoint `{ep}` must start with http:// or https://"
                    )));
                }
                Region::Custom {
                    name: region_name,
                    endpoint: ep.to_owned(),
                }
            }
            None => region_name.parse::<Region>().unwrap_or(Region::Custom {
                endpoint: format!("https://dynamodb.{region_name}.amazonaws.com"),
                name: region_name,
            }),
        };
        let http = Arc::new(Pools::default());

        let local = self.endpoint.as_deref().is_some_and(is_loopback_url);
        let (credentials_provider, credentials): (Arc<dyn ProvideAwsCredentials + Send + Sync>, _) =
            match self.credentials {
                Some((key, secret, token)) => (
                    Arc::new(StaticProvider::new(key, secret, token, None)),
                    CredentialSource::Static,
                ),
                // DynamoDB Local checks that credentials exist, not what they
                // are; never go looking for instance metadata for it.
                None if local && std::env::var_os("AWS_ACCESS_KEY_ID").is_none() => (
                    Arc::new(StaticProvider::new_minimal("local".into(), "local".into())),
                    CredentialSource::LocalDummy,
                ),
                None => {
                    let chain = DefaultCredentialsProvider::new()
                        .map_err(|e| Error::new(crate::ErrorKind::Authentication, e.to_string()))?;
                    (Arc::new(chain), CredentialSource::Chain)
                }
            };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                credentials_provider,
                region,
                endpoint: self.endpoint,
                credentials,
                retry: self.retry.unwrap_or_default(),
                timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
                loopback_only: loopback_only_from_env(),
            }),
        })
    }
}

/// HTTP connection pools, one per tokio runtime.
///
/// A pooled connection is driven by a task of the runtime that opened it;
/// once that runtime ends, the connection is dead. Every runtime therefore
/// gets its own pool, and a pool is dropped when its runtime ends (noticed
/// through a sentinel task that the runtime drops on shutdown). So a client
/// used from several runtimes in turn — every `#[tokio::test]` has its own —
/// never sends a request down a dead connection.
#[derive(Default)]
struct Pools {
    entries: std::sync::Mutex<Vec<PoolEntry>>,
}

struct PoolEntry {
    runtime: tokio::runtime::Id,
    alive: std::sync::Weak<()>,
    http: Arc<HttpClient<Connector>>,
}

impl Pools {
    fn current(&self) -> Result<Arc<HttpClient<Connector>>> {
        let handle = tokio::runtime::Handle::try_current()
            .map_err(|_| Error::transport("dynamo operations must run inside a tokio runtime"))?;
        let id = handle.id();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|e| e.alive.strong_count() > 0);
        if let Some(e) = entries.iter().find(|e| e.runtime == id) {
            return Ok(e.http.clone());
        }
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        let mut builder = hyper::Client::builder();
        builder.pool_idle_timeout(Duration::from_secs(20));
        let http = Arc::new(HttpClient::from_builder(builder, connector));
        let sentinel = Arc::new(());
        let alive = Arc::downgrade(&sentinel);
        handle.spawn(async move {
            let _sentinel = sentinel;
            std::future::pending::<()>().await
        });
        entries.push(PoolEntry {
            runtime: id,
            alive,
            http: http.clone(),
        });
        Ok(http)
    }
}

/// `true` when `url` is an `http://` or `https://` URL whose host is a
/// loopback address (`127.0.0.0/8`, `[::1]`) or `localhost`, with no user
/// information. Parsed as a URI, so `http://127.0.0.1:1@evil/` is not
/// loopback.
pub(crate) fn is_loopback_url(url: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return false;
    };
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return false;
    }
    let Some(authority) = uri.authority() else {
        return false;
    };
    if authority.as_str().contains('@') {
        return false;
    }
    let host = authority.host();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `DYNAMO_LOOPBACK_ONLY` set to anything but `0`, `false` or nothing: a
/// safety switch for test suites (this repository sets it for every test
/// process in `.cargo/config.toml`).
fn loopback_only_from_env() -> bool {
    std::env::var("DYNAMO_LOOPBACK_ONLY")
        .map(|v| !matches!(v.trim(), "" | "0" | "false"))
        .unwrap_or(false)
}

static DEFAULT: RwLock<Option<Client>> = RwLock::new(None);

tokio::task_local! {
    static SCOPED: Client;
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment:
    ///
    /// * endpoint: `AWS_ENDPOINT_URL_DYNAMODB`, else `AWS_ENDPOINT_URL`, else
    ///   `AWS_DYNAMODB_ENDPOINT`, else AWS's regional endpoint;
    /// * region: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`;
    /// * credentials: rusoto's provider chain (environment, profile file,
    ///   container, instance metadata) — or, for a loopback endpoint with no
    ///   `AWS_ACCESS_KEY_ID`, dummy credentials (DynamoDB Local ignores them);
    /// * `DYNAMO_TIMEOUT_MS` and `DYNAMO_MAX_ATTEMPTS` when set.
    pub fn from_env() -> Result<Client> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let mut b = Client::builder();
        if let Some(ep) = var("AWS_ENDPOINT_URL_DYNAMODB")
            .or_else(|| var("AWS_ENDPOINT_URL"))
            .or_else(|| var("AWS_DYNAMODB_ENDPOINT"))
        {
            b = b.endpoint(ep);
        }
        if let Some(r) = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")) {
            b = b.region(r);
        }
        if let Some(ms) = var("DYNAMO_TIMEOUT_MS") {
            let ms: u64 = ms.parse().map_err(|_| {
                Error::validation(format!(
                    "DYNAMO_TIMEOUT_MS=`{ms}` is not a number of milliseconds"
                ))
            })?;
            b = b.timeout(Duration::from_millis(ms));
        }
        if let Some(n) = var("DYNAMO_MAX_ATTEMPTS") {
            let n: u32 = n.parse().map_err(|_| {
                Error::validation(format!("DYNAMO_MAX_ATTEMPTS=`{n}` is not a number"))
            })?;
            b = b.max_attempts(n);
        }
        b.build()
    }

    /// Makes `client` the default client (used by schema methods and the
    /// free functions of [`crate::table`]).
    pub fn set_default(client: Client) {
        *DEFAULT.write().unwrap_or_else(|e| e.into_inner()) = Some(client);
    }

    /// Runs `future` with this client as the default client: every
    /// operation it starts on the default client (schema methods, the free
    /// functions of [`crate::table`], transactions, streams) uses this one.
    ///
    /// The scope is task-local, like [`config::scope`](crate::config::scope):
    /// parallel tests can each run on a client of their own. Operations
    /// resolve the client when they start and carry it into the tasks they
    /// spawn; tasks you spawn yourself do not inherit the scope.
    ///
    /// ```no_run
    /// # async fn run() -> dynamo::Result<()> {
    /// let client = dynamo::Client::builder().endpoint("http://127.0.0.1:8000").build()?;
    /// client.scope(async {
    ///     // dynamo::table::scan::<User>(…), User::put_item(…), … use `client`
    /// }).await;
    /// # Ok(()) }
    /// ```
    pub async fn scope<F: std::future::Future>(&self, future: F) -> F::Output {
        SCOPED.scope(self.clone(), future).await
    }

    /// The default client: the one of the enclosing [`Client::scope`], else
    /// the one set with [`Client::set_default`], else one built with
    /// [`Client::from_env`] on first use.
    pub fn default_client() -> Result<Client> {
        if let Ok(c) = SCOPED.try_with(Client::clone) {
            return Ok(c);
        }
        if let Some(c) = DEFAULT.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            return Ok(c.clone());
        }
        let mut slot = DEFAULT.write().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let c = Client::from_env()?;
        *slot = Some(c.clone());
        Ok(c)
    }

    /// A client for a local engine or proxy at `endpoint` (a loopback URL):
    /// region `us-east-1`, placeholder credentials.
    #[cfg(feature = "local")]
    pub(crate) fn for_local_engine(endpoint: &str) -> Client {
        let b = Client::builder()
            .endpoint(endpoint)
            .region("us-east-1")
            .credentials("local", "local");
        b.build()
            .expect("a loopback endpoint with static credentials always builds")
    }

    /// The region name.
    pub fn region(&self) -> &str {
        self.inner.region.name()
    }

    /// The endpoint, when one was configured.
    pub fn endpoint(&self) -> Option<&str> {
        self.inner.endpoint.as_deref()
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// A copy of this client with another retry policy (sharing connections).
    #[must_use]
    pub fn with_retry(&self, retry: RetryPolicy) -> Client {
        Client {
            inner: Arc::new(Inner {
                http: self.inner.http.clone(),
                credentials_provider: self.inner.credentials_provider.clone(),
                region: self.inner.region.clone(),
                endpoint: self.inner.endpoint.clone(),
                credentials: self.inner.credentials,
                retry,
                timeout: self.inner.timeout,
                loopback_only: self.inner.loopback_only,
            }),
        }
    }

    /// A copy of this client with another timeout (sharing connections).
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        Client {
            inner: Arc::new(Inner {
                http: self.inner.http.clone(),
                credentials_provider: self.inner.credentials_provider.clone(),
                region: self.inner.region.clone(),
                endpoint: self.inner.endpoint.clone(),
                credentials: self.inner.credentials,
                retry: self.inner.retry.clone(),
                timeout,
                loopback_only: self.inner.loopback_only,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_detection() {
        assert!(is_loopback_url("http://127.0.0.1:8000"));
        assert!(is_loopback_url("http://localhost:8000/"));
        assert!(is_loopback_url("http://[::1]:8000"));
        assert!(!is_loopback_url("https://dynamodb.us-east-1.amazonaws.com"));
        assert!(!is_loopback_url("http://10.0.0.1:8000"));
    }

    #[test]
    fn debug_shows_no_secrets() {
        let c = Client::builder()
            .endpoint("http://127.0.0.1:1")
            .session_credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", "SESSIONTOKEN123")
            .build()
            .unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("wJalrXUtnFEMI"), "{d}");
        assert!(!d.contains("SESSIONTOKEN123"), "{d}");
        assert!(!d.contains("AKIDEXAMPLE"), "{d}");
        assert!(d.contains("127.0.0.1:1"), "{d}");
        let b = Client::builder().credentials("AKIDEXAMPLE", "wJalrXUtnFEMI");
        assert!(!format!("{b:?}").contains("wJalrXUtnFEMI"));
    }

    #[test]
    fn bad_endpoint_is_refused() {
        let e = Client::builder()
            .endpoint("127.0.0.1:8000")
            .build()
            .unwrap_err();
        assert!(e.message().contains("http://"), "{}", e.message());
    }
}
