//! Error answers: the kind from `__type` (the text after its last `#`),
//! the message, and a transaction's cancellation reasons.

use crate::codec::wire::WireItem;
use crate::error::{CancellationReason, Error, ErrorKind};
use crate::request::Api;

/// A request whose headers HTTP cannot carry: after the region and the
/// endpoint are checked, only credentials from a chain (an environment
/// variable holding a line break, say) can make one. Never retried: every
/// attempt would fail the same way.
#[cfg(any(feature = "rusoto", feature = "aws"))]
pub(crate) fn unbuildable(e: &dyn std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Authentication,
        format!(
            "cannot build the request: a header holds a character HTTP does not allow; check \
             the credentials' access key id and session token ({e})"
        ),
    )
    .permanent()
}

/// A connection that failed in its TLS handshake: the server's
/// certificate is not trusted, or what came back is not TLS at all (an
/// `https://` endpoint of a server that speaks plain HTTP). rustls reports
/// both as an I/O error of kind `InvalidData` somewhere in `e`'s sources.
/// Retrying cannot fix either, so the error is permanent and says what to
/// check; `None` for any other failure.
#[cfg(any(feature = "rusoto", feature = "aws"))]
pub(crate) fn tls_failure(e: &(dyn std::error::Error + 'static), url: &str) -> Option<Error> {
    let mut at = Some(e);
    while let Some(err) = at {
        let io = err.downcast_ref::<std::io::Error>();
        if let Some(io) = io
            && io.kind() == std::io::ErrorKind::InvalidData
        {
            let inner = io
                .get_ref()
                .map_or_else(|| io.to_string(), ToString::to_string);
            return Some(
                Error::transport(format!(
                    "request failed: cannot connect to {url}: the TLS handshake failed ({inner}); \
                     not retried: check that the server speaks HTTPS with a certificate a public \
                     authority issued, or use an http:// endpoint for a server that speaks plain \
                     HTTP (a local engine)"
                ))
                .permanent(),
            );
        }
        // An I/O error wrapping another (hyper-rustls wraps rustls's) gives
        // the one it wraps as `get_ref`, not as its source.
        at = match io.and_then(std::io::Error::get_ref) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

/// Maps an error answer of `api` ([`service_error`]). The Streams API
/// answers a too-high request rate (`GetRecords` polled too often) with
/// `LimitExceededException`, which on DynamoDB's own API means too many
/// tables or control-plane calls: from the Streams API it is throttling,
/// retried like any other.
pub(crate) fn api_error(api: Api, status: u16, body: &[u8]) -> Error {
    let err = service_error(status, body);
    if api == Api::Streams && err.kind() == ErrorKind::LimitExceeded {
        let message = err.message().to_owned();
        return err.with_kind(ErrorKind::Throttling, message);
    }
    err
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
    // The status decides when the type is missing or names nothing this
    // crate knows; a 429 is throttling whatever its type.
    let kind = match (
        code.map_or(ErrorKind::Service, ErrorKind::from_service_code),
        status,
    ) {
        (_, 429) => ErrorKind::Throttling,
        (ErrorKind::Service, 503) => ErrorKind::ServiceUnavailable,
        (ErrorKind::Service, 500..=599) => ErrorKind::InternalServerError,
        (ErrorKind::Service, 413) => ErrorKind::ValidationError,
        (ErrorKind::Service, 401 | 403) => ErrorKind::Authentication,
        (kind, _) => kind,
    };
    let mut err = Error::new(kind, message);
    err = match code {
        Some(c) => err.with_service(c, status),
        None => err.with_status(status),
    };
    if let Some(item) = json
        .as_ref()
        .and_then(|j| j.get("Item"))
        .and_then(|i| serde_json::from_value::<WireItem>(i.clone()).ok())
    {
        err = err.with_old_item(item.into_item());
    }
    if let Some(reasons_json) = json
        .as_ref()
        .and_then(|j| j.get("CancellationReasons"))
        .and_then(|r| r.as_array())
    {
        let reasons = reasons_json
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
        let items = reasons_json
            .iter()
            .enumerate()
            .filter_map(|(index, r)| {
                let item = serde_json::from_value::<WireItem>(r.get("Item")?.clone()).ok()?;
                Some((index, item.into_item()))
            })
            .collect();
        err = err.with_reasons(reasons).with_reason_items(items);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_streams_apis_limit_exceeded_is_throttling() {
        let body = br#"{"__type":"com.amazonaws.dynamodb.v20120810#LimitExceededException","message":"rate too high"}"#;
        let e = api_error(Api::Streams, 400, body);
        assert_eq!(e.kind(), ErrorKind::Throttling);
        assert!(e.is_retryable());
        assert_eq!(e.message(), "rate too high");
        assert_eq!(e.service_code(), Some("LimitExceededException"));
        // DynamoDB's own: too many tables or control-plane calls, not retried.
        let e = api_error(Api::DynamoDb, 400, body);
        assert_eq!(e.kind(), ErrorKind::LimitExceeded);
        assert!(!e.is_retryable());
        // Other Streams errors keep their kind and code.
        let e = api_error(
            Api::Streams,
            400,
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException","message":"gone"}"#,
        );
        assert!(!e.is_retryable());
        assert_eq!(e.service_code(), Some("TrimmedDataAccessException"));
    }

    /// The status decides when the type names nothing the crate knows,
    /// and a 429 is throttling whatever its type (so it is retried).
    #[test]
    fn the_status_decides_for_unknown_types_and_429() {
        let body = |t: &str| {
            format!(r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{t}","message":"m"}}"#)
        };
        for (status, t, kind) in [
            (429, "LimitExceededException", ErrorKind::Throttling),
            (429, "ValidationException", ErrorKind::Throttling),
            (429, "SomethingNew", ErrorKind::Throttling),
            (403, "SomethingNew", ErrorKind::Authentication),
            (401, "SomethingNew", ErrorKind::Authentication),
            (413, "RequestEntityTooLarge", ErrorKind::ValidationError),
            (502, "SomethingNew", ErrorKind::InternalServerError),
            (503, "SomethingNew", ErrorKind::ServiceUnavailable),
            (400, "SomethingNew", ErrorKind::Service),
            (403, "AccessDeniedException", ErrorKind::AccessDenied),
            (400, "LimitExceededException", ErrorKind::LimitExceeded),
        ] {
            let e = service_error(status, body(t).as_bytes());
            assert_eq!(e.kind(), kind, "{status} {t}");
            assert_eq!(e.service_code(), Some(t));
        }
        assert!(service_error(429, body("LimitExceededException").as_bytes()).is_retryable());
        // Without a type at all.
        assert_eq!(service_error(429, b"").kind(), ErrorKind::Throttling);
        assert_eq!(service_error(403, b"no").kind(), ErrorKind::Authentication);
    }

    /// A `__type` may end in `:` and a URL; the name is what comes before.
    #[test]
    fn the_service_code_drops_a_suffix() {
        let e = service_error(
            400,
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException:http://internal.amazon.com/coral/com.amazon.coral.service/","message":"m"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::ResourceNotFound);
        assert_eq!(e.service_code(), Some("ResourceNotFoundException"));
    }

    #[test]
    fn maps_dynamodb_local_bodies() {
        let e = service_error(
            400,
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","Message":"The conditional request failed"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::ConditionalCheckFailed);
        assert_eq!(e.message(), "The conditional request failed");
        assert_eq!(e.service_code(), Some("ConditionalCheckFailedException"));
        assert!(e.old_item().is_none());
        let e = service_error(
            400,
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":{"pk":{"S":"d1"},"version":{"N":"4"}}}"#,
        );
        let old = e.old_item().unwrap();
        assert_eq!(old["version"], crate::Value::from(4));
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
    fn keeps_the_items_returned_with_cancellation_reasons() {
        let e = service_error(
            400,
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled","CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Item":{"id":{"S":"d"},"version":{"N":"4"}}}]}"#,
        );
        assert!(e.reason_item(0).is_none());
        assert_eq!(e.reason_item(1).unwrap()["version"], crate::Value::from(4));
        assert!(e.old_item().is_none());
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
        // A 429 is throttling, whatever type it names.
        let e = service_error(429, br#"{"__type":"SomethingNew","message":"slow down"}"#);
        assert_eq!(e.kind(), ErrorKind::Throttling);
        assert_eq!(e.service_code(), Some("SomethingNew"));
    }
}
