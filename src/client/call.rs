//! Sending one DynamoDB request: signing, the per-request timeout, retries
//! with exponential backoff and full jitter, error mapping from `__type`,
//! the request logger, and `tracing` spans.

use std::time::{Duration, Instant};

use bytes::Bytes;
use rusoto_core::DispatchSignedRequest as _;
use rusoto_core::signature::SignedRequest;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;
use tracing::field::Empty;

use super::Client;
use crate::error::{CancellationReason, Error, ErrorKind, Result};
use crate::logger;

/// How failed requests are retried: throttling, 5xx and transport failures
/// (including timeouts) are retried with exponential backoff and full jitter
/// — each wait is random between zero and `min(max_delay, base_delay × 2^n)`.
///
/// ```
/// use dynamo::client::RetryPolicy;
/// use std::time::Duration;
///
/// let p = RetryPolicy::default().max_attempts(5).base_delay(Duration::from_millis(10));
/// assert_eq!(p.attempts(), 5);
/// assert!(p.backoff(3) <= Duration::from_millis(80));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 10 attempts, 25 ms base, 2 s cap.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(25),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the attempt limit (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, n: u32) -> RetryPolicy {
        self.max_attempts = n.max(1);
        self
    }

    /// Sets the first backoff's upper bound.
    #[must_use]
    pub fn base_delay(mut self, d: Duration) -> RetryPolicy {
        self.base_delay = d;
        self
    }

    /// Sets the cap of every backoff.
    #[must_use]
    pub fn max_delay(mut self, d: Duration) -> RetryPolicy {
        self.max_delay = d;
        self
    }

    /// The attempt limit.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before retry number `retry` (1-based): random in
    /// `[0, min(max_delay, base_delay × 2^(retry-1))]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(20);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let nanos = ceiling.as_nanos().min(u128::from(u64::MAX)) as u64;
        Duration::from_nanos(if nanos == 0 {
            0
        } else {
            fastrand::u64(0..=nanos)
        })
    }
}

/// Outputs that report consumed capacity.
pub(crate) trait Output: DeserializeOwned {
    fn capacity(&self) -> Option<f64> {
        None
    }
}

/// `Some("TOTAL")` when someone listens to the request spans, so capacity
/// can be recorded; otherwise nothing is asked for.
pub(crate) fn capacity_mode() -> Option<String> {
    tracing::enabled!(target: "dynamo", tracing::Level::DEBUG).then(|| "TOTAL".to_owned())
}

impl Client {
    /// Sends `input` as DynamoDB operation `op`, retrying per the policy.
    pub(crate) async fn call<I: Serialize, O: Output>(
        &self,
        op: &'static str,
        table: &str,
        input: &I,
    ) -> Result<O> {
        // DynamoDB refuses such names; say so before sending (ListTables has none).
        if !table.is_empty() {
            crate::table::check_table_name(table).map_err(|e| e.with_operation(op))?;
        }
        let body = Bytes::from(
            serde_json::to_vec(input)
                .map_err(|e| Error::validation(format!("{op}: cannot serialize request: {e}")))?,
        );
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
        let policy = &self.inner.retry;
        async {
            let started = Instant::now();
            let mut attempt = 0u32;
            loop {
                attempt += 1;
                let sent = Instant::now();
                let result = self.send_once(op, body.clone()).await;
                let elapsed = sent.elapsed();
                match result {
                    Ok(resp) => {
                        if logger::enabled() {
                            logger::log_exchange(op, table, attempt, elapsed, &body, Ok(&resp));
                        }
                        let span = tracing::Span::current();
                        span.record("attempts", attempt);
                        span.record("latency_ms", started.elapsed().as_millis() as u64);
                        let out: O = serde_json::from_slice(&resp).map_err(|e| {
                            Error::new(ErrorKind::Decode, format!("{op}: cannot parse DynamoDB's answer: {e}"))
                        })?;
                        if let Some(c) = out.capacity() {
                            span.record("consumed_capacity", c);
                        }
                        return Ok(out);
                    }
                    Err(err) => {
                        if logger::enabled() {
                            logger::log_exchange(op, table, attempt, elapsed, &body, Err(&err));
                        }
                        if err.is_retryable() && attempt < policy.attempts() {
                            let wait = policy.backoff(attempt);
                            tracing::debug!(target: "dynamo", attempt, kind = %err.kind(), ?wait, "retrying: {}", err.message());
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                        let span = tracing::Span::current();
                        span.record("attempts", attempt);
                        span.record("latency_ms", started.elapsed().as_millis() as u64);
                        span.record("error", err.kind().as_str());
                        return Err(err.with_attempts(attempt).with_operation(op));
                    }
                }
            }
        }
        .instrument(span)
        .await
    }

    /// One signed request with the timeout; the body of a 200 answer, or the
    /// mapped error.
    async fn send_once(&self, op: &str, body: Bytes) -> Result<Bytes> {
        if self.inner.loopback_only
            && !self
                .inner
                .endpoint
                .as_deref()
                .is_some_and(super::is_loopback_url)
        {
            return Err(Error::validation(format!(
                "DYNAMO_LOOPBACK_ONLY is set: refusing to send {op} to {}; only loopback endpoints are allowed",
                self.inner
                    .endpoint
                    .as_deref()
                    .unwrap_or("AWS's regional endpoint")
            )));
        }
        let mut req = SignedRequest::new("POST", "dynamodb", &self.inner.region, "/");
        req.set_content_type("application/x-amz-json-1.0".to_owned());
        req.add_header("x-amz-target", &format!("DynamoDB_20120810.{op}"));
        req.set_payload(Some(body));
        let timeout = self.inner.timeout;
        let exchange = async {
            let creds = self
                .inner
                .credentials_provider
                .credentials()
                .await
                .map_err(|c| {
                    Error::new(
                        ErrorKind::Authentication,
                        format!("no usable AWS credentials: {}", c.message),
                    )
                })?;
            req.sign(&creds);
            let http = self.inner.http.current()?;
            let mut resp = http
                .dispatch(req, None)
                .await
                .map_err(|d| Error::transport(format!("request failed: {d}")))?;
            let status = resp.status.as_u16();
            let buffered = resp.buffer().await.map_err(|e| {
                Error::transport(format!("connection lost while reading the answer: {e}"))
            })?;
            Ok::<_, Error>((status, buffered.body))
        };
        let (status, body) = match tokio::time::timeout(timeout, exchange).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(Error::transport(format!(
                    "no answer within {} ms (the request timeout)",
                    timeout.as_millis()
                )));
            }
        };
        if status == 200 {
            Ok(body)
        } else {
            Err(service_error(status, &body))
        }
    }
}

/// Maps an error answer: the kind from `__type` (after its last `#`), the
/// message from `message`/`Message`, and a transaction's cancellation reasons.
pub(crate) fn service_error(status: u16, body: &[u8]) -> Error {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let code = json
        .as_ref()
        .and_then(|j| j.get("__type"))
        .and_then(|t| t.as_str());
    let message = json
        .as_ref()
        .and_then(|j| j.get("message").or_else(|| j.get("Message")))
        .and_then(|m| m.as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                format!("HTTP {status} with an empty body")
            } else {
                format!(
                    "HTTP {status}: {}",
                    text.chars().take(300).collect::<String>()
                )
            }
        });
    let kind = match code {
        Some(c) => ErrorKind::from_service_code(c),
        None => match status {
            503 => ErrorKind::ServiceUnavailable,
            500..=599 => ErrorKind::InternalServerError,
            413 => ErrorKind::ValidationError,
            401 | 403 => ErrorKind::Authentication,
            429 => ErrorKind::Throttling,
            _ => ErrorKind::Service,
        },
    };
    // A 5xx answer whose type says nothing more specific is a server failure.
    let kind = if kind == ErrorKind::Service && status >= 500 {
        if status == 503 {
            ErrorKind::ServiceUnavailable
        } else {
            ErrorKind::InternalServerError
        }
    } else {
        kind
    };
    let mut err = Error::new(kind, message);
    err = match code {
        Some(c) => err.with_service(c, status),
        None => err.with_status(status),
    };
    if let Some(reasons) = json
        .as_ref()
        .and_then(|j| j.get("CancellationReasons"))
        .and_then(|r| r.as_array())
    {
        let reasons = reasons
            .iter()
            .enumerate()
            .map(|(index, r)| CancellationReason {
                index,
                code: r
                    .get("Code")
                    .and_then(|c| c.as_str())
                    .unwrap_or("None")
                    .to_owned(),
                message: r.get("Message").and_then(|m| m.as_str()).map(str::to_owned),
            })
            .collect();
        err = err.with_reasons(reasons);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_dynamodb_local_bodies() {
        let e = service_error(
            400,
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","Message":"The conditional request failed"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::ConditionalCheckFailed);
        assert_eq!(e.message(), "The conditional request failed");
        assert_eq!(e.service_code(), Some("ConditionalCheckFailedException"));
        let e = service_error(
            400,
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled [None, ConditionalCheckFailed]","CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}]}"#,
        );
        assert_eq!(e.kind(), ErrorKind::TransactionCanceled);
        assert_eq!(e.cancellation_reasons().len(), 2);
        assert!(e.cancellation_reasons()[0].is_none());
        assert_eq!(e.cancellation_reasons()[1].code, "ConditionalCheckFailed");
        let e = service_error(
            400,
            br#"{"__type":"com.amazon.coral.validate#ValidationException","message":"bad"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert_eq!(e.message(), "bad");
    }

    #[test]
    fn maps_statuses_without_json() {
        assert_eq!(
            service_error(503, b"busy").kind(),
            ErrorKind::ServiceUnavailable
        );
        assert_eq!(
            service_error(500, b"").kind(),
            ErrorKind::InternalServerError
        );
        assert!(service_error(500, b"").is_retryable());
        assert!(service_error(502, b"<html>").message().contains("HTTP 502"));
        let e = service_error(
            500,
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalFailure","Message":"x"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::InternalServerError);
    }

    #[test]
    fn backoff_is_bounded() {
        let p = RetryPolicy::default();
        for retry in 1..50 {
            assert!(p.backoff(retry) <= Duration::from_secs(2));
        }
        assert!(
            RetryPolicy::default()
                .base_delay(Duration::ZERO)
                .backoff(3)
                .is_zero()
        );
        assert_eq!(RetryPolicy::none().attempts(), 1);
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
    }
}
