//! The AWS SDK backend (feature `aws`): credentials and region from the
//! maintained AWS SDK's standard chain (`aws-config`), HTTP through hyper 1
//! with rustls 0.23 (hyper-rustls 0.27, `https_or_http()` so a local
//! engine's plain `http://` works).
//!
//! The only module of the transport that names AWS SDK or hyper 1 types.
//! The chain reads, in order: the environment (`AWS_ACCESS_KEY_ID`, …), the
//! shared config and credentials files with profiles (`AWS_PROFILE`),
//! including IAM Identity Center (SSO) and `credential_process`; web
//! identity tokens (EKS, `AWS_WEB_IDENTITY_TOKEN_FILE`); ECS container
//! credentials; and EC2 instance metadata with IMDSv2. The region comes from
//! the environment, the profile, or instance metadata.
//!
//! DynamoDB requests are signed and sent by the crate, as on the rusoto
//! backend; the SDK's own retries (for its calls to STS, SSO and instance
//! metadata) are turned off, so the crate's `RetryPolicy` is the one retry
//! layer. The credentials the chain returns are cached until five minutes
//! before they expire.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_credential_types::provider::ProvideCredentials as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::sync::{Mutex, OnceCell};

use super::endpoint::Endpoint;
use super::pools::Pools;
use super::{AnswerBytes, Creds};
use crate::error::{Error, ErrorKind, Result};

type Connector = hyper_rustls_aws::HttpsConnector<HttpConnector>;
type HyperClient = hyper_util::client::legacy::Client<Connector, Full<Bytes>>;

/// hyper 1 clients, one per runtime.
pub(crate) struct Http {
    pools: Pools<HyperClient>,
}

impl Http {
    /// A transport whose connections are closed after `idle_timeout` unused
    /// (zero: every request opens a connection of its own). hyper-util's
    /// pool closes expired connections on a timer of its own.
    pub(crate) fn new(idle_timeout: Duration) -> Http {
        Http {
            pools: Pools::new(move || {
                let connector = hyper_rustls_aws::HttpsConnectorBuilder::new()
                    .with_webpki_roots()
                    .https_or_http()
                    .enable_http1()
                    .build();
                let mut builder = hyper_util::client::legacy::Client::builder(TokioExecutor::new());
                builder
                    .pool_idle_timeout(idle_timeout)
                    .pool_timer(TokioTimer::new());
                if idle_timeout.is_zero() {
                    builder.pool_max_idle_per_host(0);
                }
                builder.build(connector)
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
        let client = self.pools.current()?;
        let mut req = hyper1::Request::post(endpoint.url.as_str());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(body))
            .map_err(|e| super::errors::unbuildable(&e))?;
        let resp = client.request(req).await.map_err(|e| {
            // Only while connecting: a broken TLS record on a pooled
            // connection is no handshake, and is retried.
            e.is_connect()
                .then(|| super::errors::tls_failure(&e, &endpoint.url))
                .flatten()
                .unwrap_or_else(|| Error::transport(format!("request failed: {}", error_chain(&e))))
        })?;
        let status = resp.status().as_u16();
        let mut body = resp.into_body();
        let announced = hyper1::body::Body::size_hint(&body).lower();
        if announced > limit as u64 {
            return Err(AnswerBytes::too_large(limit));
        }
        let mut answer = AnswerBytes::new(limit, announced);
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| {
                Error::transport(format!(
                    "the answer broke off or could not be read: {}",
                    error_chain(&e)
                ))
            })?;
            if let Ok(chunk) = frame.into_data() {
                answer.push(chunk)?;
            }
        }
        Ok((status, answer.finish()))
    }
}

/// The AWS SDK's standard credential and region chain, loaded on first
/// use; credentials cached until shortly before they expire.
pub(crate) struct Chain {
    config: OnceCell<aws_config::SdkConfig>,
    /// The client's region, when it is known: the chain is not asked for
    /// one (its region chain ends at instance metadata).
    region: Option<String>,
    cached: std::sync::Mutex<Option<Cached>>,
    /// Held by the lookup under way.
    lookup: Arc<Mutex<()>>,
}

/// Credentials found, until when they hold, and when they were looked up.
struct Cached {
    creds: Creds,
    expiry: Option<SystemTime>,
    looked_up: Instant,
}

impl Cached {
    /// How long they hold still (`None`: for good).
    fn left(&self) -> Option<Duration> {
        self.expiry
            .map(|e| e.duration_since(SystemTime::now()).unwrap_or_default())
    }

    fn holds(&self) -> bool {
        self.left().is_none_or(|l| !l.is_zero())
    }
}

/// Credentials are refreshed this long before they expire.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

/// While credentials that are due for a refresh still hold, they are
/// looked up again at most this often: short-lived ones (five minutes or
/// less when found) are not looked up for every request, and a refresh
/// that fails keeps the ones that still hold.
const LOOKUP_AT_MOST_EVERY: Duration = Duration::from_secs(10);

/// A lookup in the background is given up after this long (or when the
/// credentials it refreshes expire, if sooner), so that the next one can
/// start; a request's own lookup is bounded by its deadline instead.
const BACKGROUND_LOOKUP_LIMIT: Duration = Duration::from_secs(30);

impl Chain {
    /// A chain for a client whose region is `region`, when known.
    pub(crate) fn new(region: Option<String>) -> Chain {
        Chain {
            config: OnceCell::new(),
            region,
            cached: std::sync::Mutex::new(None),
            lookup: Arc::new(Mutex::new(())),
        }
    }

    async fn config(&self) -> &aws_config::SdkConfig {
        self.config
            .get_or_init(|| async {
                let loader = aws_config::defaults(BehaviorVersion::latest())
                    // One retry layer: the crate's.
                    .retry_config(RetryConfig::disabled());
                match &self.region {
                    Some(r) => loader.region(aws_config::Region::new(r.clone())),
                    None => loader,
                }
                .load()
                .await
            })
            .await
    }

    /// The region the chain finds (environment, profile, instance metadata).
    /// A blank one (`AWS_REGION=""`) is none, as `from_env` takes it.
    pub(crate) async fn region(&self) -> Option<String> {
        self.config()
            .await
            .region()
            .map(|r| r.as_ref().trim().to_owned())
            .filter(|r| !r.is_empty())
    }

    pub(crate) async fn credentials(self: &Arc<Self>) -> Result<Creds> {
        if let Some(c) = self.usable(false) {
            return Ok(c);
        }
        // Due for a refresh but still holding: refreshed in the background,
        // one lookup at a time, while every request goes on with these (a
        // slow metadata service must stall none of them).
        if let Some(c) = self.usable(true) {
            if let (Ok(turn), Ok(runtime)) = (
                self.lookup.clone().try_lock_owned(),
                tokio::runtime::Handle::try_current(),
            ) {
                let chain = self.clone();
                runtime.spawn(async move {
                    let _turn = turn;
                    // Bounded, or a lookup that never answers (a
                    // credential_process that hangs, a source without a
                    // read timeout) would keep the turn for good: once
                    // these expired, every request would wait for it and
                    // none would look again.
                    let holds_for = chain.cache().as_ref().and_then(Cached::left);
                    let limit = holds_for.map_or(BACKGROUND_LOOKUP_LIMIT, |left| {
                        left.min(BACKGROUND_LOOKUP_LIMIT)
                    });
                    if tokio::time::timeout(limit, chain.refresh()).await.is_err() {
                        // As a failed lookup: the next one in 10 s at the
                        // earliest, while these hold.
                        if let Some(c) = chain.cache().as_mut() {
                            c.looked_up = Instant::now();
                        }
                    }
                });
            }
            return Ok(c);
        }
        // None that hold: wait for a lookup (another request's, or this
        // one's).
        let _turn = self.lookup.lock().await;
        if let Some(c) = self.usable(false) {
            return Ok(c);
        }
        self.refresh().await
    }

    /// Looks the credentials up and keeps them; after a failed lookup, the
    /// ones found before, while they hold.
    async fn refresh(&self) -> Result<Creds> {
        let found = self.look_up().await;
        let mut cached = self.cache();
        match found {
            Ok((creds, expiry)) => {
                *cached = Some(Cached {
                    creds: creds.clone(),
                    expiry,
                    looked_up: Instant::now(),
                });
                Ok(creds)
            }
            Err(e) => match cached.as_mut() {
                Some(c) if c.holds() => {
                    c.looked_up = Instant::now();
                    Ok(c.creds.clone())
                }
                _ => Err(e),
            },
        }
    }

    /// The credentials found before, when they do without a lookup: not
    /// yet due for a refresh, or holding and looked up within
    /// [`LOOKUP_AT_MOST_EVERY`] — or, with `holding`, merely holding.
    fn usable(&self, holding: bool) -> Option<Creds> {
        let cached = self.cache();
        let c = cached.as_ref()?;
        let fresh = c.left().is_none_or(|l| l > REFRESH_BEFORE_EXPIRY);
        let recent = c.looked_up.elapsed() < LOOKUP_AT_MOST_EVERY;
        (fresh || (c.holds() && (holding || recent))).then(|| c.creds.clone())
    }

    /// The cache, never held across an await.
    fn cache(&self) -> std::sync::MutexGuard<'_, Option<Cached>> {
        self.cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn look_up(&self) -> Result<(Creds, Option<SystemTime>)> {
        let provider = self.config().await.credentials_provider().ok_or_else(|| {
            Error::new(
                ErrorKind::Authentication,
                "no AWS credential provider is configured",
            )
        })?;
        let c = provider.provide_credentials().await.map_err(|e| {
            Error::new(
                ErrorKind::Authentication,
                format!("no usable AWS credentials: {}", error_chain(&e)),
            )
        })?;
        let creds = Creds {
            access_key_id: c.access_key_id().to_owned(),
            secret_access_key: c.secret_access_key().to_owned(),
            session_token: c.session_token().map(str::to_owned),
        };
        Ok((creds, c.expiry()))
    }
}

/// An error with its sources, one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::Credentials;
    use aws_credential_types::provider::{SharedCredentialsProvider, future};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Hands out credentials that hold for `lasts`, failing every lookup
    /// after the first when `then_fail`, and never answering the lookups
    /// whose number (from 0) is in `hangs`; counts its lookups.
    #[derive(Debug)]
    struct Provider {
        lookups: Arc<AtomicUsize>,
        lasts: Duration,
        then_fail: bool,
        hangs: std::ops::Range<usize>,
    }

    impl aws_credential_types::provider::ProvideCredentials for Provider {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            let n = self.lookups.fetch_add(1, Ordering::SeqCst);
            if self.hangs.contains(&n) {
                return future::ProvideCredentials::new(std::future::pending());
            }
            future::ProvideCredentials::ready(if n > 0 && self.then_fail {
                Err(
                    aws_credential_types::provider::error::CredentialsError::not_loaded(
                        "the metadata service did not answer",
                    ),
                )
            } else {
                Ok(Credentials::new(
                    format!("AKID{n}"),
                    "secret",
                    None,
                    Some(SystemTime::now() + self.lasts),
                    "test",
                ))
            })
        }
    }

    fn chain(lasts: Duration, then_fail: bool) -> (Arc<Chain>, Arc<AtomicUsize>) {
        chain_of(lasts, then_fail, 0..0)
    }

    fn chain_of(
        lasts: Duration,
        then_fail: bool,
        hangs: std::ops::Range<usize>,
    ) -> (Arc<Chain>, Arc<AtomicUsize>) {
        let lookups = Arc::new(AtomicUsize::new(0));
        let provider = Provider {
            lookups: lookups.clone(),
            lasts,
            then_fail,
            hangs,
        };
        let config = aws_config::SdkConfig::builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
        let chain = Chain::new(None);
        chain.config.set(config).unwrap();
        (Arc::new(chain), lookups)
    }

    #[tokio::test]
    async fn short_lived_credentials_are_not_looked_up_for_every_request() {
        // Four minutes: due for a refresh as soon as they are found.
        let (chain, lookups) = chain(Duration::from_secs(240), false);
        for _ in 0..5 {
            assert_eq!(chain.credentials().await.unwrap().access_key_id, "AKID0");
        }
        assert_eq!(lookups.load(Ordering::SeqCst), 1);
    }

    /// A blank region (`AWS_REGION=""`, read by the SDK's chain) is none:
    /// the client falls back to `us-east-1` as `from_env` does, where every
    /// request was refused (`region `` is not a region name`).
    #[tokio::test]
    async fn a_blank_region_is_none() {
        for blank in ["", "   "] {
            assert_eq!(Chain::new(Some(blank.to_owned())).region().await, None);
        }
        assert_eq!(
            Chain::new(Some("eu-west-1".to_owned()))
                .region()
                .await
                .as_deref(),
            Some("eu-west-1")
        );
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_credentials_that_still_hold() {
        let (chain, lookups) = chain(Duration::from_secs(240), true);
        assert_eq!(chain.credentials().await.unwrap().access_key_id, "AKID0");
        // Due for a refresh, looked up again (as if 10 s had passed), in
        // the background: the lookup fails, the credentials found before
        // still hold.
        chain.cache().as_mut().unwrap().looked_up -= LOOKUP_AT_MOST_EVERY;
        assert_eq!(chain.credentials().await.unwrap().access_key_id, "AKID0");
        while lookups.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        // The failed refresh counts as a lookup: none again for 10 s.
        while chain.lookup.try_lock().is_err() {
            tokio::task::yield_now().await;
        }
        assert_eq!(chain.credentials().await.unwrap().access_key_id, "AKID0");
        assert_eq!(lookups.load(Ordering::SeqCst), 2);
        // Expired ones are not kept: the lookup's error.
        chain.cache().as_mut().unwrap().expiry = Some(SystemTime::UNIX_EPOCH);
        let e = chain.credentials().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
    }

    #[tokio::test]
    async fn a_slow_refresh_does_not_stall_requests_while_the_credentials_hold() {
        let (chain, lookups) = chain_of(Duration::from_secs(240), false, 1..usize::MAX);
        assert_eq!(chain.credentials().await.unwrap().access_key_id, "AKID0");
        // Due for a refresh; the refresh never answers. The request that
        // starts it goes on with the credentials that hold, as every other.
        chain.cache().as_mut().unwrap().looked_up -= LOOKUP_AT_MOST_EVERY;
        let first = tokio::time::timeout(Duration::from_secs(2), chain.credentials())
            .await
            .expect("not stalled by the refresh it started")
            .unwrap();
        assert_eq!(first.access_key_id, "AKID0");
        while lookups.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        for _ in 0..3 {
            let c = tokio::time::timeout(Duration::from_secs(2), chain.credentials())
                .await
                .expect("not stalled by the refresh under way")
                .unwrap();
            assert_eq!(c.access_key_id, "AKID0");
        }
        assert_eq!(lookups.load(Ordering::SeqCst), 2, "one lookup at a time");
    }

    #[tokio::test(start_paused = true)]
    async fn a_background_refresh_that_never_answers_is_given_up() {
        // The second lookup never answers; the third does.
        let (chain, lookups) = chain_of(Duration::from_secs(240), false, 1..2);
        assert_eq!(chain.credentials().await.unwrap().access_key_id, "AKID0");
        chain.cache().as_mut().unwrap().looked_up -= LOOKUP_AT_MOST_EVERY;
        assert_eq!(chain.credentials().await.unwrap().access_key_id, "AKID0");
        while lookups.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        // The refresh is given up after its limit (the paused clock jumps
        // there); then the credentials expire, and the next request looks
        // them up itself instead of waiting for the lookup that hangs.
        tokio::time::sleep(BACKGROUND_LOOKUP_LIMIT + Duration::from_secs(1)).await;
        chain.cache().as_mut().unwrap().expiry = Some(SystemTime::UNIX_EPOCH);
        let c = tokio::time::timeout(Duration::from_secs(5), chain.credentials())
            .await
            .expect("not stalled by a lookup that was given up")
            .unwrap();
        assert_eq!(c.access_key_id, "AKID2");
        assert_eq!(lookups.load(Ordering::SeqCst), 3);
    }
}
