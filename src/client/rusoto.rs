//! The rusoto backend (feature `rusoto`, the default): credentials from
//! rusoto's provider chain, HTTP through hyper 0.14 with a hyper-rustls 0.23
//! connector (`https_or_http()`, so a local engine's plain `http://` works).
//!
//! The only module of the transport that names rusoto or hyper 0.14 types.
//! Requests are signed by the crate's signer (a cached SigV4 key) and sent
//! straight through hyper: rusoto's own dispatch logs every request header
//! — signature and session token included — at `log`'s DEBUG level, so it
//! is not used.
//!
//! rusoto's default chain reads, in order: `AWS_ACCESS_KEY_ID` /
//! `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`; the shared credentials
//! file (`~/.aws/credentials`, profile from `AWS_PROFILE`); a
//! `credential_process` in `~/.aws/config`; ECS container credentials; and
//! EC2 instance metadata **version 1 only** — it cannot read instance
//! metadata that requires IMDSv2 (the default on current instances), and it
//! has no SSO or web-identity (EKS) providers. Use feature `aws` for those.

use std::sync::Arc;

use bytes::Bytes;
use hyper::body::HttpBody as _;
use rusoto_credential::{DefaultCredentialsProvider, ProvideAwsCredentials};

use super::endpoint::Endpoint;
use super::pools::Pools;
use super::{AnswerBytes, Creds};
use crate::error::{Error, ErrorKind, Result};

type Connector = hyper_rustls::HttpsConnector<hyper::client::HttpConnector>;
type HyperClient = hyper::Client<Connector, hyper::Body>;

/// hyper 0.14 clients, one per runtime.
pub(crate) struct Http {
    pools: Pools<HyperClient>,
}

impl Http {
    pub(crate) fn new() -> Http {
        Http {
            pools: Pools::new(|| {
                let connector = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_webpki_roots()
                    .https_or_http()
                    .enable_http1()
                    .build();
                hyper::Client::builder()
                    .pool_idle_timeout(std::time::Duration::from_secs(20))
                    .build(connector)
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
        let mut req = hyper::Request::post(endpoint.url.as_str());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(hyper::Body::from(body))
            .map_err(|e| Error::transport(format!("cannot build the request: {e}")))?;
        let resp = client
            .request(req)
            .await
            .map_err(|e| Error::transport(format!("request failed: {e}")))?;
        let status = resp.status().as_u16();
        let mut body = resp.into_body();
        if body.size_hint().lower() > limit as u64 {
            return Err(AnswerBytes::too_large(limit));
        }
        let mut answer = AnswerBytes::new(limit);
        while let Some(chunk) = body.data().await {
            answer.push(chunk.map_err(|e| {
                Error::transport(format!("connection lost while reading the answer: {e}"))
            })?)?;
        }
        Ok((status, answer.finish()))
    }
}

/// rusoto's default credential chain (it caches and refreshes what it
/// finds).
pub(crate) struct Chain(Arc<DefaultCredentialsProvider>);

impl Chain {
    pub(crate) fn new() -> Result<Chain> {
        DefaultCredentialsProvider::new()
            .map(|p| Chain(Arc::new(p)))
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
