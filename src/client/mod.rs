//! [`Client`]: the connection to DynamoDB — the crate's one transport.
//!
//! The transport takes a request value (`crate::request`), renders its
//! JSON body, signs it, sends it, retries what is worth retrying, logs and
//! traces every attempt, and parses the answer. It knows no schema, no
//! option and no key rule: those are the plans' (`crate::plan`).
//!
//! Two backends provide credentials and HTTP — feature `rusoto` (the
//! default) and feature `aws` (the maintained AWS SDK's credential chain) —
//! behind one `Client`; signing, retries, deadlines, error kinds and logging
//! are the crate's own and the same on both.
//!
//! Every operation is a method of `Client` ([`Client::put_item`],
//! [`Client::list_items`], …) and, through the *default client*, a schema
//! method or a free function of [`crate::table`].
//!
//! ```no_run
//! # async fn run() -> dynamo::Result<()> {
//! use dynamo::Client;
//! use std::time::Duration;
//!
//! // From the environment: AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL /
//! // AWS_DYNAMODB_ENDPOINT, AWS_REGION / AWS_DEFAULT_REGION, and the
//! // backend's credential chain.
//! let client = Client::from_env()?;
//!
//! // Or explicitly, e.g. for a local engine:
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

#[cfg(feature = "aws")]
mod aws;
mod endpoint;
mod errors;
mod pools;
mod retry;
#[cfg(feature = "rusoto")]
mod rusoto;
mod sigv4;

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use tracing::Instrument as _;
use tracing::field::Empty;

use crate::error::{Error, ErrorKind, Result};
use crate::logger;
use crate::request::{Answer, Api, Request};

pub use retry::{MAX_ATTEMPTS, RetryPolicy};

pub(crate) use pools::current_runtime as runtime;
pub(crate) use retry::Budget;

/// The default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The shortest per-request timeout and retry deadline a client takes.
const MIN_TIMEOUT: Duration = Duration::from_millis(1);

/// How long an unused connection is kept by default (see
/// [`ClientBuilder::idle_timeout`]).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(20);

/// The longest idle timeout taken (a day; see [`ClientBuilder::idle_timeout`]).
const MAX_IDLE_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// The largest answer accepted: DynamoDB's largest (a BatchGetItem) holds
/// at most 16 MB of items; JSON adds to that.
pub const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;

/// Which backend provides credentials and HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// `rusoto_core` 0.48's credential chain, hyper 0.14 and hyper-rustls
    /// 0.23 (feature `rusoto`, the default).
    Rusoto,
    /// The maintained AWS SDK's credential and region chain
    /// (`aws-config`), hyper 1 and rustls 0.23 (feature `aws`).
    Aws,
}

impl Backend {
    /// The backends this build has, the default first.
    pub fn compiled() -> &'static [Backend] {
        &[
            #[cfg(feature = "rusoto")]
            Backend::Rusoto,
            #[cfg(feature = "aws")]
            Backend::Aws,
        ]
    }

    fn name(self) -> &'static str {
        match self {
            Backend::Rusoto => "rusoto",
            Backend::Aws => "aws",
        }
    }
}

/// The bytes of an answer, collected chunk by chunk up to a limit. An answer
/// that arrives in one chunk (most do) is kept as it came, not copied; one
/// that arrives in several is joined into one buffer, sized once from the
/// length the answer announced, so a large page is neither copied again as
/// the buffer grows nor held in a buffer up to twice its size.
// Used by the backends; a build without one has no answers to read.
#[cfg_attr(not(any(feature = "rusoto", feature = "aws")), allow(dead_code))]
pub(crate) struct AnswerBytes {
    first: Option<Bytes>,
    rest: Vec<u8>,
    limit: usize,
    announced: usize,
}

#[cfg_attr(not(any(feature = "rusoto", feature = "aws")), allow(dead_code))]
impl AnswerBytes {
    /// Collects at most `limit` bytes. `announced` is the length the answer
    /// gave (its `content-length`; 0 when unknown), at most `limit`: only a
    /// hint for the buffer, never trusted as the answer's real length.
    pub(crate) fn new(limit: usize, announced: u64) -> AnswerBytes {
        AnswerBytes {
            first: None,
            rest: Vec::new(),
            limit,
            announced: usize::try_from(announced).map_or(limit, |a| a.min(limit)),
        }
    }

    /// Adds `chunk`; an error once the answer would pass the limit.
    pub(crate) fn push(&mut self, chunk: Bytes) -> Result<()> {
        let held = self.first.as_ref().map_or(0, Bytes::len) + self.rest.len();
        if held + chunk.len() > self.limit {
            return Err(AnswerBytes::too_large(self.limit));
        }
        match self.first.take() {
            None if self.rest.is_empty() => self.first = Some(chunk),
            first => {
                if let Some(first) = first {
                    let joined = first.len() + chunk.len();
                    self.rest.reserve_exact(self.announced.max(joined));
                    self.rest.extend_from_slice(&first);
                }
                self.rest.extend_from_slice(&chunk);
            }
        }
        Ok(())
    }

    /// The error for an answer larger than `limit` bytes: not retried
    /// (the same request would bring the same answer, and a write it
    /// carried may have been applied).
    pub(crate) fn too_large(limit: usize) -> Error {
        Error::transport(format!(
            "the answer is larger than {limit} bytes, more than DynamoDB ever sends; refusing it"
        ))
        .permanent()
    }

    pub(crate) fn finish(self) -> Bytes {
        match self.first {
            Some(first) => first,
            None => Bytes::from(self.rest),
        }
    }
}

/// Credentials for one request. `Debug` prints the access key id only.
#[derive(Clone)]
pub(crate) struct Creds {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    pub(crate) session_token: Option<String>,
}

impl fmt::Debug for Creds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Creds")
            .field("access_key_id", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Where credentials come from.
enum CredentialSource {
    /// Given to the builder, or placeholders for a loopback endpoint.
    Static(Creds, &'static str),
    #[cfg(feature = "rusoto")]
    Rusoto(rusoto::Chain),
    #[cfg(feature = "aws")]
    Aws(std::sync::Arc<aws::Chain>),
    /// No backend can look for credentials: every request fails with this.
    Missing(String),
}

impl CredentialSource {
    fn describe(&self) -> &'static str {
        match self {
            CredentialSource::Static(_, what) => what,
            #[cfg(feature = "rusoto")]
            CredentialSource::Rusoto(_) => "rusoto default chain",
            #[cfg(feature = "aws")]
            CredentialSource::Aws(_) => "AWS SDK default chain",
            CredentialSource::Missing(_) => "none",
        }
    }

    async fn get(&self) -> Result<Creds> {
        match self {
            CredentialSource::Static(c, _) => Ok(c.clone()),
            #[cfg(feature = "rusoto")]
            CredentialSource::Rusoto(chain) => chain.credentials().await,
            // Boxed: the SDK's provider futures are deep types, which would
            // otherwise nest into the type of every caller's future.
            #[cfg(feature = "aws")]
            CredentialSource::Aws(chain) => Box::pin(chain.credentials()).await,
            CredentialSource::Missing(why) => {
                Err(Error::new(ErrorKind::Authentication, why.clone()))
            }
        }
    }
}

/// The HTTP side of a backend.
enum Http {
    #[cfg(feature = "rusoto")]
    Rusoto(rusoto::Http),
    #[cfg(feature = "aws")]
    Aws(aws::Http),
    /// Built without a backend.
    None,
}

impl Http {
    /// Whether requests can be sent from here (a runtime with timers).
    fn ready(&self) -> Result<()> {
        match self {
            #[cfg(feature = "rusoto")]
            Http::Rusoto(h) => h.ready(),
            #[cfg(feature = "aws")]
            Http::Aws(h) => h.ready(),
            Http::None => pools::current_runtime().and(Err(no_backend())),
        }
    }

    async fn post(
        &self,
        endpoint: &endpoint::Endpoint,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<(u16, Bytes)> {
        match self {
            #[cfg(feature = "rusoto")]
            Http::Rusoto(h) => h.post(endpoint, headers, body, MAX_ANSWER_BYTES).await,
            #[cfg(feature = "aws")]
            Http::Aws(h) => h.post(endpoint, headers, body, MAX_ANSWER_BYTES).await,
            Http::None => {
                let _ = (endpoint, headers, body);
                Err(no_backend())
            }
        }
    }
}

fn no_backend() -> Error {
    Error::transport(
        "dynamo was built without a backend: enable feature `rusoto` (the default) or `aws`",
    )
    .permanent()
}

/// A handle to DynamoDB. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// Where requests go and how they are signed, once the region is known.
struct Target {
    region: String,
    endpoint: endpoint::Endpoint,
    /// Where Streams API requests go: AWS's own host for them, or the
    /// configured endpoint (which serves both, unless it is AWS's DynamoDB
    /// host written out: then its streams host).
    streams: endpoint::Endpoint,
    signer: sigv4::Signer,
}

impl Target {
    /// `streams_configured`: where the Streams API goes when given apart
    /// ([`ClientBuilder::streams_endpoint`]).
    fn new(
        region: String,
        configured: Option<&endpoint::Endpoint>,
        streams_configured: Option<&endpoint::Endpoint>,
    ) -> Result<Target> {
        // Checked with an endpoint too: the region is signed into every
        // request, and one no header can hold would fail each attempt.
        endpoint::check_region(&region)?;
        let (endpoint, streams) = match configured {
            Some(e) => (e.clone(), e.streams_counterpart()),
            None => (
                endpoint::Endpoint::regional(&region)?,
                endpoint::Endpoint::regional_streams(&region)?,
            ),
        };
        let streams = streams_configured.cloned().unwrap_or(streams);
        Ok(Target {
            // The Streams API signs with DynamoDB's signing name too.
            signer: sigv4::Signer::new(&region, "dynamodb"),
            region,
            endpoint,
            streams,
        })
    }

    fn endpoint(&self, api: Api) -> &endpoint::Endpoint {
        match api {
            Api::DynamoDb => &self.endpoint,
            Api::Streams => &self.streams,
        }
    }
}

struct Shared {
    backend: Option<Backend>,
    http: Http,
    credentials: CredentialSource,
    /// The endpoint the user configured (else AWS's regional one).
    configured: Option<endpoint::Endpoint>,
    /// The Streams API's endpoint, when configured apart from `configured`.
    streams_configured: Option<endpoint::Endpoint>,
    /// Set when the client is built if the region is known then; otherwise
    /// (the `aws` backend without a region given) resolved through the
    /// backend's region chain on the first request.
    target: tokio::sync::OnceCell<Target>,
    #[cfg(feature = "aws")]
    region_chain: Option<Arc<aws::Chain>>,
    loopback_only: bool,
    /// How long an unused connection is kept.
    idle_timeout: Duration,
}

impl Shared {
    async fn target(&self) -> Result<&Target> {
        self.target
            .get_or_try_init(|| async {
                #[cfg(feature = "aws")]
                let region = match &self.region_chain {
                    Some(chain) => Box::pin(chain.region()).await,
                    None => None,
                }
                .unwrap_or_else(|| "us-east-1".to_owned());
                // Without `aws`, every client knows its region when built.
                #[cfg(not(feature = "aws"))]
                let region = "us-east-1".to_owned();
                Target::new(
                    region,
                    self.configured.as_ref(),
                    self.streams_configured.as_ref(),
                )
            })
            .await
    }

    /// The endpoint `api`'s requests go to, when configured.
    fn configured_for(&self, api: Api) -> Option<&endpoint::Endpoint> {
        match api {
            Api::DynamoDb => self.configured.as_ref(),
            Api::Streams => self
                .streams_configured
                .as_ref()
                .or(self.configured.as_ref()),
        }
    }

    /// Where `api`'s requests go, for messages (credentials redacted).
    fn endpoint_text(&self, api: Api) -> String {
        match (self.configured_for(api), self.target.get()) {
            (Some(_), Some(t)) => endpoint::redact(&t.endpoint(api).url),
            (Some(e), None) => endpoint::redact(&e.url),
            (None, Some(t)) => format!("AWS's regional endpoint {}", t.endpoint(api).url),
            (None, None) => "AWS's regional endpoint".to_owned(),
        }
    }
}

struct Inner {
    shared: Arc<Shared>,
    retry: RetryPolicy,
    timeout: Duration,
    /// The key cursors are signed with, if any.
    cursor_secret: Option<Arc<[u8]>>,
}

impl fmt::Debug for Client {
    /// Shows where the client connects and how it retries — never
    /// credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.inner.shared;
        f.debug_struct("Client")
            .field("backend", &s.backend.map_or("none", Backend::name))
            .field("region", &self.region())
            .field("endpoint", &s.endpoint_text(Api::DynamoDb))
            .field(
                "streams_endpoint",
                &s.streams_configured
                    .as_ref()
                    .map(|e| endpoint::redact(&e.url)),
            )
            .field("credentials", &s.credentials.describe())
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .field("idle_timeout", &self.inner.shared.idle_timeout)
            .field(
                "cursor_secret",
                &self.inner.cursor_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Builds a [`Client`].
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    endpoint: Option<String>,
    streams_endpoint: Option<String>,
    region: Option<String>,
    credentials: Option<Creds>,
    retry: Option<RetryPolicy>,
    timeout: Option<Duration>,
    idle_timeout: Option<Duration>,
    allow_http: bool,
    backend: Option<Backend>,
    credential_chain: bool,
    cursor_secret: Option<Vec<u8>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("endpoint", &self.endpoint.as_deref().map(endpoint::redact))
            .field(
                "streams_endpoint",
                &self.streams_endpoint.as_deref().map(endpoint::redact),
            )
            .field("region", &self.region)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "<redacted>"),
            )
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("allow_http", &self.allow_http)
            .field("backend", &self.backend)
            .field(
                "cursor_secret",
                &self.cursor_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl ClientBuilder {
    /// A builder set from the environment, as [`Client::from_env`] reads
    /// it; anything set on it afterwards (an endpoint given on a command
    /// line, say) takes precedence. Errors name a variable whose value is
    /// out of range.
    pub fn from_env() -> Result<ClientBuilder> {
        // The first of `names` that is set and not blank. A value that is
        // not UTF-8 is an error naming it, not unset: an endpoint skipped
        // so would send the requests to AWS instead.
        let var = |names: &[&str]| -> Result<Option<String>> {
            for k in names {
                match std::env::var(k) {
                    Ok(v) if !v.trim().is_empty() => return Ok(Some(v)),
                    Ok(_) | Err(std::env::VarError::NotPresent) => {}
                    Err(std::env::VarError::NotUnicode(_)) => {
                        return Err(Error::validation(format!(
                            "environment variable `{k}` is not valid UTF-8"
                        )));
                    }
                }
            }
            Ok(None)
        };
        let mut b = Client::builder();
        if let Some(ep) = var(&[
            "AWS_ENDPOINT_URL_DYNAMODB",
            "AWS_ENDPOINT_URL",
            "AWS_DYNAMODB_ENDPOINT",
        ])? {
            b = b.endpoint(ep);
        }
        if let Some(ep) = var(&["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"])? {
            b = b.streams_endpoint(ep);
        }
        if let Some(r) = var(&["AWS_REGION", "AWS_DEFAULT_REGION"])? {
            b = b.region(r);
        }
        if let Some(ms) = var(&["DYNAMO_TIMEOUT_MS"])? {
            b = b.timeout(parse_timeout_ms(&ms)?);
        }
        if let Some(n) = var(&["DYNAMO_MAX_ATTEMPTS"])? {
            b = b.max_attempts(parse_max_attempts(&n)?);
        }
        if var(&["DYNAMO_ALLOW_HTTP"])?.is_some_and(|v| v.trim() == "1") {
            b = b.allow_http(true);
        }
        Ok(b)
    }

    /// The endpoint URL, e.g. `http://127.0.0.1:8000` for a local engine.
    /// Plain `http://` is accepted for loopback addresses; elsewhere it needs
    /// [`allow_http`](ClientBuilder::allow_http).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Where DynamoDB Streams API requests go (reading a table's stream:
    /// [`Client::read_changes`], the streams of [`crate::changes`], the
    /// CLI's `read-stream`), when not where the others go. Without it, a
    /// configured [`endpoint`](ClientBuilder::endpoint) serves both, as a
    /// local engine does (AWS's DynamoDB host written out has its streams
    /// host `streams.dynamodb.<region>.amazonaws.com` used instead), and
    /// with no endpoint AWS's regional streams host is used.
    /// [`Client::from_env`] reads it from `AWS_ENDPOINT_URL_DYNAMODB_STREAMS`.
    /// The same rules as for the endpoint apply (plain `http://` only on
    /// loopback or with [`allow_http`](ClientBuilder::allow_http)), and a
    /// local engine's placeholder credentials are used only when both
    /// endpoints are loopback.
    pub fn streams_endpoint(mut self, url: impl Into<String>) -> Self {
        self.streams_endpoint = Some(url.into());
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
        self.credentials = Some(Creds {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
        });
        self
    }

    /// Static credentials with a session token.
    pub fn session_credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: impl Into<String>,
    ) -> Self {
        self.credentials = Some(Creds {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: Some(session_token.into()),
        });
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Shorthand for the retry policy's attempt limit (1 = no retries; at
    /// most [`MAX_ATTEMPTS`]).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        let r = self.retry.take().unwrap_or_default();
        self.retry = Some(r.max_attempts(attempts));
        self
    }

    /// The per-request timeout (default 10 s). A request that takes longer is
    /// a `Transport` error and is retried. Under a millisecond is a
    /// `ValidationError` from [`build`](ClientBuilder::build).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How long an unused connection is kept open for the next request
    /// (default 20 s; DynamoDB closes its side after about a minute of
    /// silence). Connections idle for longer are closed even when no
    /// request comes; zero keeps none, so every request opens a connection
    /// of its own. At most a day: a longer one counts as a day (timers of
    /// the connection pools cannot reach `Duration::MAX`).
    ///
    /// ```
    /// # fn main() -> dynamo::Result<()> {
    /// use std::time::Duration;
    /// let client = dynamo::Client::builder()
    ///     .endpoint("http://127.0.0.1:8000")
    ///     .idle_timeout(Duration::from_secs(5))
    ///     .build()?;
    /// assert_eq!(client.idle_timeout(), Duration::from_secs(5));
    /// # Ok(()) }
    /// ```
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.idle_timeout = Some(idle);
        self
    }

    /// Allows a plain `http://` endpoint that is not loopback (say, a
    /// DynamoDB Local container on a private network). Requests, signatures
    /// and session tokens then cross the network unencrypted.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// The backend (default: `Rusoto` when compiled, else `Aws`).
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Looks credentials up through the backend's chain even for a loopback
    /// endpoint, which otherwise signs with placeholder credentials when
    /// `AWS_ACCESS_KEY_ID` is unset (a local engine ignores them). ("A
    /// loopback endpoint" here and below: the endpoint, and the
    /// [`streams_endpoint`](ClientBuilder::streams_endpoint) when one is
    /// given, are both loopback.)
    pub fn credential_chain(mut self, on: bool) -> Self {
        self.credential_chain = on;
        self
    }

    /// Signs the page cursors of this client ([`Page::cursor`](crate::Page::cursor))
    /// with HMAC-SHA-256 under `secret`, and accepts only cursors signed
    /// with it: a web client cannot forge a start key. Use at least 32
    /// random bytes, the same on every server that serves one API.
    pub fn cursor_secret(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.cursor_secret = Some(secret.into());
        self
    }

    /// Builds the client. Fails on an endpoint that is not an `http://` or
    /// `https://` URL, that carries user information, or that is plain
    /// `http://` to a non-loopback host without
    /// [`allow_http`](ClientBuilder::allow_http); and on a backend this
    /// build does not have.
    pub fn build(self) -> Result<Client> {
        if let Some(t) = self.timeout
            && t < MIN_TIMEOUT
        {
            return Err(Error::validation(format!(
                "timeout {t:?} is under a millisecond; no request could be answered in it"
            )));
        }
        if let Some(c) = &self.credentials {
            check_header_text("access key id", &c.access_key_id)?;
            if let Some(token) = &c.session_token {
                check_header_text("session token", token)?;
            }
        }
        let configured = match &self.endpoint {
            Some(url) => Some(endpoint::Endpoint::parse(url, self.allow_http)?),
            None => None,
        };
        let streams_configured = match &self.streams_endpoint {
            Some(url) => Some(
                endpoint::Endpoint::parse(url, self.allow_http)
                    .map_err(|e| e.map_message(|m| format!("streams endpoint: {m}")))?,
            ),
            None => None,
        };
        let backend = match self.backend {
            Some(b) if Backend::compiled().contains(&b) => Some(b),
            Some(b) => {
                return Err(Error::validation(format!(
                    "backend `{}` is not compiled in; enable the crate's feature `{}`",
                    b.name(),
                    b.name()
                )));
            }
            None => Backend::compiled().first().copied(),
        };
        // Every request goes to loopback: placeholder credentials, and no
        // region lookup.
        let loopback = configured.as_ref().is_some_and(|e| e.loopback)
            && streams_configured.as_ref().is_none_or(|e| e.loopback);
        // The region: given, else — on the `aws` backend, for an endpoint
        // that is not loopback or with the credential chain asked for — the
        // SDK's region chain on the first request, else `us-east-1`. (The
        // chain ends at instance metadata: never asked for a local engine,
        // nor when the region is known.)
        let region = match (self.region, backend) {
            (Some(r), _) => Some(r),
            (None, Some(Backend::Aws)) if !loopback || self.credential_chain => None,
            (None, _) => Some("us-east-1".to_owned()),
        };
        #[cfg(feature = "aws")]
        let aws_chain =
            (backend == Some(Backend::Aws)).then(|| Arc::new(aws::Chain::new(region.clone())));
        let credentials = match self.credentials {
            Some(c) => CredentialSource::Static(c, "static"),
            // A local engine checks that credentials exist, not what they
            // are; never go looking for instance metadata for it.
            None if loopback
                && !self.credential_chain
                && std::env::var_os("AWS_ACCESS_KEY_ID")
                    .is_none_or(|v| v.to_string_lossy().trim().is_empty()) =>
            {
                CredentialSource::Static(
                    Creds {
                        access_key_id: "local".into(),
                        secret_access_key: "local".into(),
                        session_token: None,
                    },
                    "placeholders for a loopback endpoint",
                )
            }
            None => match backend {
                #[cfg(feature = "rusoto")]
                Some(Backend::Rusoto) => CredentialSource::Rusoto(rusoto::Chain::new()?),
                #[cfg(feature = "aws")]
                Some(Backend::Aws) => match &aws_chain {
                    Some(chain) => CredentialSource::Aws(chain.clone()),
                    None => CredentialSource::Missing(no_backend().message().to_owned()),
                },
                _ => CredentialSource::Missing(no_backend().message().to_owned()),
            },
        };
        let idle_timeout = self
            .idle_timeout
            .unwrap_or(DEFAULT_IDLE_TIMEOUT)
            .min(MAX_IDLE_TIMEOUT);
        let http = match backend {
            #[cfg(feature = "rusoto")]
            Some(Backend::Rusoto) => Http::Rusoto(rusoto::Http::new(idle_timeout)),
            #[cfg(feature = "aws")]
            Some(Backend::Aws) => Http::Aws(aws::Http::new(idle_timeout)),
            _ => Http::None,
        };
        let target = match region {
            Some(r) => tokio::sync::OnceCell::new_with(Some(Target::new(
                r,
                configured.as_ref(),
                streams_configured.as_ref(),
            )?)),
            None => tokio::sync::OnceCell::new(),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                shared: Arc::new(Shared {
                    backend,
                    http,
                    credentials,
                    configured,
                    streams_configured,
                    target,
                    #[cfg(feature = "aws")]
                    region_chain: aws_chain,
                    loopback_only: loopback_only_from_env(),
                    idle_timeout,
                }),
                retry: self.retry.unwrap_or_default(),
                timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
                cursor_secret: self.cursor_secret.map(Arc::from),
            }),
        })
    }
}

/// `DYNAMO_LOOPBACK_ONLY` set to anything but `0`, `false` or nothing: a
/// safety switch for test suites (this repository sets it for every process
/// cargo runs, in `.cargo/config.toml`). A value that is not UTF-8 turns it
/// on: a safety switch fails closed.
fn loopback_only_from_env() -> bool {
    loopback_only(std::env::var_os("DYNAMO_LOOPBACK_ONLY").as_deref())
}

fn loopback_only(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !matches!(v.to_str().map(str::trim), Some("" | "0" | "false")))
}

/// Refuses a credential sent in a header (the access key id, the session
/// token) that is empty or holds a character other than visible ASCII;
/// the value is never repeated.
fn check_header_text(what: &str, text: &str) -> Result<()> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::validation(format!(
            "the {what} given is empty or holds a character other than visible ASCII (a space or \
             line break, say); it is sent in a header"
        )));
    }
    Ok(())
}

/// `DYNAMO_TIMEOUT_MS`: 1 to 600 000 milliseconds.
fn parse_timeout_ms(text: &str) -> Result<Duration> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|ms| (1..=600_000).contains(ms))
        .map(Duration::from_millis)
        .ok_or_else(|| {
            Error::validation(format!(
                "DYNAMO_TIMEOUT_MS=`{text}` is not a number of milliseconds from 1 to 600000"
            ))
        })
}

/// `DYNAMO_MAX_ATTEMPTS`: 1 to [`MAX_ATTEMPTS`].
fn parse_max_attempts(text: &str) -> Result<u32> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_ATTEMPTS).contains(n))
        .ok_or_else(|| {
            Error::validation(format!(
                "DYNAMO_MAX_ATTEMPTS=`{text}` is not a number from 1 to {MAX_ATTEMPTS}"
            ))
        })
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
    ///   `AWS_ENDPOINT_URL_DYNAMODB_STREAMS` for the Streams API's, when it
    ///   is elsewhere ([`ClientBuilder::streams_endpoint`]);
    /// * region: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`;
    /// * credentials: the backend's chain (see `docs/configuration.md`) — or,
    ///   for a loopback endpoint with no `AWS_ACCESS_KEY_ID`, placeholder
    ///   credentials (a local engine ignores them; with a streams endpoint
    ///   given, it must be loopback too);
    /// * `DYNAMO_TIMEOUT_MS` (1 to 600 000) and `DYNAMO_MAX_ATTEMPTS` (1 to
    ///   100) when set; `DYNAMO_ALLOW_HTTP=1` allows a plain `http://`
    ///   endpoint that is not loopback.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::from_env()?.build()
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
        let creds = Creds {
            access_key_id: "local".into(),
            secret_access_key: "local".into(),
            session_token: None,
        };
        let b = Client::builder()
            .endpoint(endpoint)
            .region("us-east-1")
            .credentials(creds.access_key_id.clone(), creds.secret_access_key.clone());
        match b.build() {
            Ok(c) => c,
            // A loopback URL made by the engine itself always parses; should
            // it not, every request says why.
            Err(e) => Client {
                inner: Arc::new(Inner {
                    shared: Arc::new(Shared {
                        backend: None,
                        http: Http::None,
                        credentials: CredentialSource::Missing(e.message().to_owned()),
                        configured: None,
                        streams_configured: None,
                        target: tokio::sync::OnceCell::new(),
                        #[cfg(feature = "aws")]
                        region_chain: None,
                        loopback_only: true,
                        idle_timeout: DEFAULT_IDLE_TIMEOUT,
                    }),
                    retry: RetryPolicy::none(),
                    timeout: DEFAULT_TIMEOUT,
                    cursor_secret: None,
                }),
            },
        }
    }

    /// The region name. On the `aws` backend without a region given (and
    /// an endpoint or streams endpoint that is not loopback, or
    /// `credential_chain(true)`), the
    /// SDK's region chain finds it on the first request; until then this is
    /// empty.
    pub fn region(&self) -> &str {
        self.inner
            .shared
            .target
            .get()
            .map_or("", |t| t.region.as_str())
    }

    /// The endpoint, when one was configured (`None`: AWS's regional
    /// endpoint).
    pub fn endpoint(&self) -> Option<&str> {
        self.inner
            .shared
            .configured
            .as_ref()
            .map(|e| e.url.trim_end_matches('/'))
    }

    /// The backend this client uses (`None` in a build without one).
    pub fn backend(&self) -> Option<Backend> {
        self.inner.shared.backend
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// How long an unused connection is kept open (see
    /// [`ClientBuilder::idle_timeout`]).
    pub fn idle_timeout(&self) -> Duration {
        self.inner.shared.idle_timeout
    }

    /// A copy of this client that signs and checks page cursors with
    /// `secret` (see [`ClientBuilder::cursor_secret`]).
    #[must_use]
    pub fn with_cursor_secret(&self, secret: impl Into<Vec<u8>>) -> Client {
        Client {
            inner: Arc::new(Inner {
                shared: self.inner.shared.clone(),
                retry: self.inner.retry.clone(),
                timeout: self.inner.timeout,
                cursor_secret: Some(Arc::from(secret.into())),
            }),
        }
    }

    /// The key page cursors are signed with, if any.
    pub(crate) fn cursor_key(&self) -> Option<&[u8]> {
        self.inner.cursor_secret.as_deref()
    }

    /// A copy of this client with another retry policy (sharing connections).
    #[must_use]
    pub fn with_retry(&self, retry: RetryPolicy) -> Client {
        Client {
            inner: Arc::new(Inner {
                shared: self.inner.shared.clone(),
                retry,
                timeout: self.inner.timeout,
                cursor_secret: self.inner.cursor_secret.clone(),
            }),
        }
    }

    /// A copy of this client with another timeout (sharing connections);
    /// under a millisecond counts as a millisecond.
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        Client {
            inner: Arc::new(Inner {
                shared: self.inner.shared.clone(),
                retry: self.inner.retry.clone(),
                timeout: timeout.max(MIN_TIMEOUT),
                cursor_secret: self.inner.cursor_secret.clone(),
            }),
        }
    }

    // -----------------------------------------------------------------
    // Sending
    // -----------------------------------------------------------------

    /// Sends `req`, retrying per the policy, and parses the answer.
    pub(crate) async fn execute<R: Request>(&self, req: &R) -> Result<R::Answer> {
        let mut budget = self.inner.retry.budget();
        self.execute_within(req, &mut budget).await
    }

    /// Like [`execute`](Client::execute), spending `budget`: a batch
    /// chunk's leftover rounds and error retries share one budget.
    pub(crate) async fn execute_within<R: Request>(
        &self,
        req: &R,
        budget: &mut Budget,
    ) -> Result<R::Answer> {
        let op = R::OPERATION;
        let table = req.table();
        let span = tracing::debug_span!(
            target: "dynamo",
            "dynamodb",
            otel.kind = "client",
            db.system = "dynamodb",
            db.operation = op,
            aws.dynamodb.table_names = table,
            attempts = Empty,
            latency_ms = Empty,
            consumed_capacity = Empty,
            error = Empty,
        );
        // What DynamoDB would refuse, first: it is wrong wherever sent.
        req.check_limits().map_err(|e| e.with_operation(op))?;
        // Outside a runtime, or in one without timers, a timeout or a sleep
        // would panic; without a backend nothing can be sent: a typed error
        // before any attempt.
        self.inner.shared.http.ready()?;
        let capacity = tracing::enabled!(target: "dynamo", tracing::Level::DEBUG);
        let body = Bytes::from(req.to_json(capacity));
        async {
            let started = Instant::now();
            let record = |attempts: u32| {
                let span = tracing::Span::current();
                span.record("attempts", attempts);
                span.record(
                    "latency_ms",
                    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                );
            };
            // An attempt with no answer (or a 500) may have been applied.
            let mut unanswered = false;
            loop {
                let attempt = budget.attempt();
                let sent = Instant::now();
                let result = self
                    .send_once(R::API, op, &body, budget.remaining())
                    .await;
                let elapsed = sent.elapsed();
                if logger::enabled() {
                    let outcome = match &result {
                        Ok(b) => Ok(&b[..]),
                        Err(e) => Err(e),
                    };
                    logger::log_exchange(op, table, attempt, elapsed, &body, outcome);
                }
                match result {
                    Ok(answer) => {
                        record(attempt);
                        let out = R::Answer::from_bytes(answer).map_err(|e| {
                            Error::new(
                                ErrorKind::Decode,
                                format!("{op}: cannot parse DynamoDB's answer: {e}"),
                            )
                            .with_operation(op)
                        })?;
                        if let Some(c) = out.capacity() {
                            tracing::Span::current().record("consumed_capacity", c);
                        }
                        return Ok(out);
                    }
                    Err(err) => {
                        if err.is_retryable()
                            && let Some(wait) = budget.next_wait()
                        {
                            tracing::debug!(target: "dynamo", attempt, kind = %err.kind(), ?wait, "retrying: {}", err.message());
                            unanswered |= matches!(
                                err.kind(),
                                ErrorKind::Transport | ErrorKind::InternalServerError
                            );
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                        record(attempt);
                        tracing::Span::current().record("error", err.kind().as_str());
                        // Retries that ended at the deadline say so; those
                        // that ran out of attempts get the usual count.
                        let err = if err.is_retryable() && budget.hit_deadline() {
                            let why = budget.spent();
                            err.map_message(|m| format!("{m} ({why})"))
                        } else {
                            err
                        };
                        let err = if unanswered {
                            err.after_unanswered()
                        } else {
                            err
                        };
                        return Err(err.with_attempts(attempt).with_operation(op));
                    }
                }
            }
        }
        .instrument(span)
        .await
    }

    /// One signed attempt with the timeout (cut to `remaining`): the body of
    /// a 200 answer, or the mapped error.
    async fn send_once(
        &self,
        api: Api,
        op: &str,
        body: &Bytes,
        remaining: Duration,
    ) -> Result<Bytes> {
        let s = &self.inner.shared;
        // Before anything else — credentials, region lookups — so a test
        // can never reach a real account.
        if s.loopback_only && !s.configured_for(api).is_some_and(|e| e.loopback) {
            return Err(Error::validation(format!(
                "DYNAMO_LOOPBACK_ONLY is set: refusing to send {op} to {}; only loopback \
                 endpoints are allowed (set DYNAMO_LOOPBACK_ONLY=0 to send elsewhere)",
                s.endpoint_text(api)
            ))
            .permanent());
        }
        let looking = Instant::now();
        let amz_target = format!("{}{op}", api.target_prefix());
        // The region and credentials first, bounded by what is left of the
        // deadline rather than by the request timeout: a credential chain
        // waits on its own sources (an instance metadata service that does
        // not answer off EC2 takes rusoto's chain 30 s), and that wait is
        // not a request DynamoDB failed to answer.
        let found = async {
            let target = s.target().await?;
            let creds = s.credentials.get().await?;
            Ok::<_, Error>((target, creds))
        };
        let (target, creds) =
            match tokio::time::timeout(remaining.max(Duration::from_millis(1)), found).await {
                Ok(found) => found?,
                Err(_) => {
                    return Err(Error::new(
                        ErrorKind::Authentication,
                        format!(
                            "no credentials within the {} ms left of the deadline: the credential \
                         chain ({}) was still looking (give the client credentials, or check the \
                         chain's sources: environment, profile files, container or instance \
                         metadata, where the region may be looked up too)",
                            remaining.as_millis(),
                            s.credentials.describe()
                        ),
                    )
                    .permanent());
                }
            };
        // The attempt's timeout, cut to what the lookup left of the deadline.
        let timeout = self.inner.timeout.min(
            remaining
                .saturating_sub(looking.elapsed())
                .max(Duration::from_millis(1)),
        );
        let exchange = async {
            let headers = [
                ("content-type", "application/x-amz-json-1.0"),
                ("x-amz-target", amz_target.as_str()),
            ];
            let endpoint = target.endpoint(api);
            let signed = target.signer.sign(
                &sigv4::Request {
                    method: "POST",
                    host: &endpoint.host,
                    path: "/",
                    query: "",
                    headers: &headers,
                    payload: body,
                },
                &sigv4::Credentials {
                    access_key_id: &creds.access_key_id,
                    secret_access_key: &creds.secret_access_key,
                    session_token: creds.session_token.as_deref(),
                },
                SystemTime::now(),
            );
            let mut all: Vec<(&str, &str)> = Vec::with_capacity(6);
            all.extend_from_slice(&headers);
            all.extend(signed.headers.iter().map(|(k, v)| (*k, v.as_str())));
            s.http.post(endpoint, &all, body.clone()).await
        };
        let (status, answer) = match tokio::time::timeout(timeout, exchange).await {
            Ok(r) => r?,
            Err(_) => {
                // Connecting, sending and the whole answer share the
                // attempt's time; it is the request timeout unless the
                // retry deadline left less.
                let why = if timeout < self.inner.timeout {
                    "what the retry deadline left of the request timeout"
                } else {
                    "the request timeout"
                };
                return Err(Error::transport(format!(
                    "no answer within {} ms ({why}; connecting, sending the request and \
                     reading the whole answer count)",
                    timeout.as_millis()
                )));
            }
        };
        if status == 200 {
            Ok(answer)
        } else {
            Err(errors::api_error(api, status, &answer))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_collected_up_to_the_limit() {
        let one = Bytes::from_static(b"{\"Item\":{}}");
        let mut a = AnswerBytes::new(100, 0);
        a.push(one.clone()).unwrap();
        let got = a.finish();
        assert_eq!(got, one);
        assert_eq!(got.as_ptr(), one.as_ptr(), "one chunk is kept, not copied");

        let mut a = AnswerBytes::new(100, 0);
        for part in ["{\"Ite", "m\":", "{}}"] {
            a.push(Bytes::from_static(part.as_bytes())).unwrap();
        }
        assert_eq!(a.finish(), one);

        let mut a = AnswerBytes::new(5, 0);
        a.push(Bytes::from_static(b"abc")).unwrap();
        let e = a.push(Bytes::from_static(b"def")).unwrap_err();
        assert!(
            e.message().contains("larger than 5 bytes"),
            "{}",
            e.message()
        );
        assert_eq!(AnswerBytes::new(0, 0).finish(), Bytes::new());
    }

    /// The answer in `parts` chunks of `size` bytes, collected with `announced`.
    fn collected(parts: usize, size: usize, announced: u64) -> (AnswerBytes, Vec<u8>) {
        let whole: Vec<u8> = (0..parts * size).map(|i| b'a' + (i % 26) as u8).collect();
        let mut a = AnswerBytes::new(1 << 20, announced);
        for chunk in whole.chunks(size) {
            a.push(Bytes::copy_from_slice(chunk)).unwrap();
        }
        (a, whole)
    }

    #[test]
    fn an_answer_in_pieces_is_joined_into_one_buffer_of_its_announced_length() {
        // 100 pieces of 1,000 bytes, announced as 100,000: one buffer of
        // exactly that size, never grown (growing would leave it up to
        // twice the answer's size and copy it again on the way).
        let (a, whole) = collected(100, 1000, 100_000);
        assert_eq!(a.rest.capacity(), 100_000);
        assert_eq!(a.finish(), whole);

        // Announced short (a server that lies): everything is still kept.
        let (a, whole) = collected(100, 1000, 10);
        assert_eq!(a.finish(), whole);

        // Announced long: the hint is capped at the limit, and the answer
        // is what arrived.
        let mut a = AnswerBytes::new(5_000, u64::MAX);
        a.push(Bytes::from_static(b"ab")).unwrap();
        a.push(Bytes::from_static(b"cd")).unwrap();
        assert_eq!(a.rest.capacity(), 5_000);
        assert_eq!(a.finish(), Bytes::from_static(b"abcd"));

        // Unknown length (0): the buffer grows as the pieces come.
        let (a, whole) = collected(10, 1000, 0);
        assert_eq!(a.finish(), whole);
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
        let b = Client::builder().endpoint("http://user:pw@127.0.0.1:1");
        assert!(!format!("{b:?}").contains("pw"), "{b:?}");
    }

    #[test]
    fn a_streams_endpoint_of_its_own() {
        let dynamo = endpoint::Endpoint::parse("http://127.0.0.1:9", false).unwrap();
        let streams = endpoint::Endpoint::parse("http://127.0.0.1:10", false).unwrap();
        let t = Target::new("eu-west-1".into(), Some(&dynamo), Some(&streams)).unwrap();
        assert_eq!(t.endpoint(Api::DynamoDb).url, dynamo.url);
        assert_eq!(t.endpoint(Api::Streams).url, streams.url);
        // Given alone, it leaves DynamoDB's endpoint AWS's regional one.
        let t = Target::new("eu-west-1".into(), None, Some(&streams)).unwrap();
        assert_eq!(
            t.endpoint(Api::DynamoDb).url,
            "https://dynamodb.eu-west-1.amazonaws.com/"
        );
        assert_eq!(t.endpoint(Api::Streams).url, streams.url);
        // Not given: the endpoint serves both.
        let t = Target::new("eu-west-1".into(), Some(&dynamo), None).unwrap();
        assert_eq!(t.endpoint(Api::Streams).url, dynamo.url);

        // Placeholder credentials only when both are loopback.
        let both = Client::builder()
            .endpoint("http://127.0.0.1:9")
            .streams_endpoint("http://localhost:10")
            .build()
            .unwrap();
        assert!(format!("{both:?}").contains("placeholders"), "{both:?}");
        let one = Client::builder()
            .endpoint("http://127.0.0.1:9")
            .streams_endpoint("https://streams.example.com")
            .build()
            .unwrap();
        assert!(!format!("{one:?}").contains("placeholders"), "{one:?}");
        assert!(
            format!("{one:?}").contains("streams.example.com"),
            "{one:?}"
        );
        // Its user information is never shown, with a scheme or without.
        for url in ["http://user:pw@127.0.0.1:1", "user:pw@127.0.0.1:1"] {
            let b = Client::builder().streams_endpoint(url);
            assert!(!format!("{b:?}").contains("pw"), "{b:?}");
            let e = b.build().unwrap_err();
            assert!(
                e.message().starts_with("streams endpoint: ") && !e.message().contains("pw"),
                "{}",
                e.message()
            );
            let e = Client::builder().endpoint(url).build().unwrap_err();
            assert!(!e.message().contains("pw"), "{}", e.message());
        }
    }

    #[test]
    fn bad_endpoints_are_refused() {
        let e = Client::builder()
            .endpoint("127.0.0.1:8000")
            .build()
            .unwrap_err();
        assert!(e.message().contains("http://"), "{}", e.message());
        let e = Client::builder()
            .endpoint("http://10.1.2.3:8000")
            .build()
            .unwrap_err();
        assert!(e.message().contains("not loopback"), "{}", e.message());
        assert!(
            Client::builder()
                .endpoint("http://10.1.2.3:8000")
                .allow_http(true)
                .build()
                .is_ok()
        );
        let e = Client::builder()
            .endpoint("http://user:pw@127.0.0.1:8000")
            .build()
            .unwrap_err();
        assert!(!e.message().contains("pw"), "{}", e.message());
    }

    #[test]
    fn environment_numbers_are_bounded() {
        assert_eq!(parse_max_attempts("5").unwrap(), 5);
        assert_eq!(parse_max_attempts(" 100 ").unwrap(), 100);
        for bad in ["0", "101", "4294967295", "-1", "many", ""] {
            let e = parse_max_attempts(bad).unwrap_err();
            assert!(e.message().contains("1 to 100"), "{bad}: {}", e.message());
        }
        assert_eq!(parse_timeout_ms("250").unwrap(), Duration::from_millis(250));
        for bad in ["0", "600001", "1e3", "18446744073709551615"] {
            assert!(parse_timeout_ms(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn endpoints_and_regions() {
        let c = Client::builder().region("eu-west-1").build().unwrap();
        assert_eq!(c.endpoint(), None);
        assert_eq!(c.region(), "eu-west-1");
        let c = Client::builder()
            .endpoint("http://127.0.0.1:9/")
            .build()
            .unwrap();
        assert_eq!(c.endpoint(), Some("http://127.0.0.1:9"));
        assert_eq!(c.backend(), Backend::compiled().first().copied());
    }

    #[test]
    fn a_timeout_or_region_no_request_could_use_is_refused_when_built() {
        for t in [Duration::ZERO, Duration::from_micros(999)] {
            let e = Client::builder()
                .endpoint("http://127.0.0.1:9")
                .timeout(t)
                .build()
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ValidationError);
            assert!(e.message().contains("under a millisecond"), "{e}");
        }
        let c = Client::builder()
            .endpoint("http://127.0.0.1:9")
            .timeout(Duration::from_millis(1))
            .build()
            .unwrap();
        assert_eq!(c.with_timeout(Duration::ZERO).timeout(), MIN_TIMEOUT);
        for (key, token) in [("AKID\n", None), ("", None), ("AKID", Some("tok en"))] {
            let b = Client::builder().endpoint("http://127.0.0.1:9");
            let b = match token {
                Some(t) => b.session_credentials(key, "secret", t),
                None => b.credentials(key, "secret"),
            };
            let e = b.build().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ValidationError);
            assert!(e.message().contains("visible ASCII"), "{e}");
            assert!(!e.message().contains("tok en"), "{e}");
        }
        // With an endpoint too: the region is signed into every request.
        for region in ["us-east-1\n", "eu-west-1\r", "", "eu west"] {
            let e = Client::builder()
                .endpoint("http://127.0.0.1:9")
                .region(region)
                .build()
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ValidationError, "{region:?}");
            assert!(e.message().contains("is not a region name"), "{e}");
        }
    }

    #[test]
    fn an_idle_timeout_is_at_most_a_day() {
        // hyper-util's pool (the aws backend) adds it to an `Instant` and
        // panicked on `Duration::MAX`.
        for (given, taken) in [
            (Duration::MAX, MAX_IDLE_TIMEOUT),
            (Duration::from_secs(86_401), MAX_IDLE_TIMEOUT),
            (Duration::from_secs(5), Duration::from_secs(5)),
            (Duration::ZERO, Duration::ZERO),
        ] {
            let c = Client::builder()
                .endpoint("http://127.0.0.1:9")
                .idle_timeout(given)
                .build()
                .unwrap();
            assert_eq!(c.idle_timeout(), taken, "{given:?}");
        }
    }

    #[test]
    fn the_loopback_switch_fails_closed() {
        use std::ffi::OsStr;
        assert!(!loopback_only(None));
        for off in ["", " ", "0", "false"] {
            assert!(!loopback_only(Some(OsStr::new(off))), "{off:?}");
        }
        for on in ["1", "true", "yes"] {
            assert!(loopback_only(Some(OsStr::new(on))), "{on:?}");
        }
        // Not UTF-8: on (it was read as unset, which turned it off).
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            assert!(loopback_only(Some(OsStr::from_bytes(b"\xff"))));
        }
    }

    #[tokio::test]
    async fn the_loopback_switch_refuses_before_looking_for_credentials() {
        // A client for AWS's regional endpoint, with no credentials to find.
        let mut c = Client::builder().region("us-east-1").build().unwrap();
        Arc::get_mut(&mut c.inner)
            .and_then(|i| Arc::get_mut(&mut i.shared))
            .unwrap()
            .loopback_only = true;
        let req = crate::request::ListTables {
            start: None,
            limit: None,
        };
        let e = c.execute(&req).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message().contains("DYNAMO_LOOPBACK_ONLY"),
            "{}",
            e.message()
        );
        assert!(
            e.message().contains("dynamodb.us-east-1.amazonaws.com"),
            "{}",
            e.message()
        );
        assert_eq!(e.attempts(), 1, "refused at once, not retried");
    }

    #[test]
    fn an_operation_outside_a_runtime_is_an_error_not_a_panic() {
        let c = Client::builder()
            .endpoint("http://127.0.0.1:9")
            .build()
            .unwrap();
        let req = crate::request::ListTables {
            start: None,
            limit: None,
        };
        let e = futures_util::FutureExt::now_or_never(c.execute(&req))
            .expect("finishes at once")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Transport);
        assert!(e.message().contains("tokio runtime"), "{}", e.message());
    }
}
