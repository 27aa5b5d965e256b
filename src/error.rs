//! [`Error`], the crate's one error type, and [`ErrorKind`].
//!
//! Every fallible function returns [`Result<T>`](crate::Result). An error has a
//! [`kind()`](Error::kind) to branch on and a [`message()`](Error::message)
//! for people: DynamoDB's own text for service errors, or a sentence naming
//! the field, index or limit for checks the crate makes before sending.
//!
//! ```
//! use dynamo::{Error, ErrorKind};
//!
//! fn explain(err: &Error) -> &'static str {
//!     match err.kind() {
//!         ErrorKind::ConditionalCheckFailed => "someone else changed it first",
//!         ErrorKind::ValidationError => "the request was refused as invalid",
//!         _ if err.is_retryable() => "DynamoDB is busy; retried and gave up",
//!         _ => "something else",
//!     }
//! }
//! # let _ = explain;
//! ```

use std::fmt;

/// What kind of failure an [`Error`] is.
///
/// Service errors are mapped from the `__type` DynamoDB returns (the text
/// after its last `#`, e.g. `com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException`
/// → [`ConditionalCheckFailed`](ErrorKind::ConditionalCheckFailed)).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The table or index does not exist (`ResourceNotFoundException`).
    ResourceNotFound,
    /// The table's provisioned throughput was exceeded (`ProvisionedThroughputExceededException`).
    ProvisionedThroughputExceeded,
    /// A condition expression evaluated to false (`ConditionalCheckFailedException`).
    ConditionalCheckFailed,
    /// A write on a schema with a `version` field found the stored item at
    /// another version than the struct's (optimistic locking): someone else
    /// wrote it since it was read. Read it again and retry.
    VersionConflict,
    /// The request is invalid: refused by DynamoDB (`ValidationException`,
    /// `SerializationException`) or by the crate before sending, with a message
    /// naming the field, index or limit.
    ValidationError,
    /// The caller may not do this (`AccessDeniedException`).
    AccessDenied,
    /// Another transaction holds the item (`TransactionConflictException`),
    /// or, on a multi-Region global table, a write in another Region does
    /// (`ReplicatedWriteConflictException`). Retried.
    TransactionConflict,
    /// The transaction was cancelled (`TransactionCanceledException`); see
    /// [`Error::cancellation_reasons`].
    TransactionCanceled,
    /// A transaction with the same client token is still in progress
    /// (`TransactionInProgressException`).
    TransactionInProgress,
    /// A client request token was reused with a different request (`IdempotentParameterMismatchException`).
    IdempotentParameterMismatch,
    /// The table is being created, updated or deleted (`ResourceInUseException`).
    ResourceInUse,
    /// Too many control-plane operations or tables (`LimitExceededException`).
    LimitExceeded,
    /// An item collection grew past 10 GB (`ItemCollectionSizeLimitExceededException`).
    ItemCollectionSizeLimitExceeded,
    /// The request rate is too high (`ThrottlingException`, `RequestLimitExceeded`).
    Throttling,
    /// Credentials are missing, invalid or expired (`UnrecognizedClientException`,
    /// `MissingAuthenticationTokenException`, `InvalidSignatureException`,
    /// `ExpiredTokenException`, …).
    Authentication,
    /// DynamoDB failed internally (`InternalServerError`, HTTP 5xx).
    InternalServerError,
    /// DynamoDB is unavailable (`ServiceUnavailable`, HTTP 503).
    ServiceUnavailable,
    /// The request never got a complete answer: connection refused or
    /// dropped, TLS failure, or no answer within the request timeout.
    Transport,
    /// An attribute could not be turned into the Rust type of its field, or a
    /// response could not be parsed.
    Decode,
    /// Any other error DynamoDB reported; [`Error::service_code`] has its name.
    Service,
}

/// DynamoDB's error name in a `__type`: what follows its last `#`, before
/// any `:…` suffix (`com.amazonaws.dynamodb.v20120810#ResourceNotFoundException:http://…`
/// is `ResourceNotFoundException`).
fn service_name(code: &str) -> &str {
    let name = code.split(':').next().unwrap_or(code);
    name.rsplit('#').next().unwrap_or(name).trim()
}

impl ErrorKind {
    /// `true` for failures worth retrying with backoff: throttling, 5xx and
    /// transport failures, and transaction conflicts. (A `TransactionCanceled`
    /// error is retried when its reasons allow:
    /// [`Error::is_retryable`].)
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::ProvisionedThroughputExceeded
                | ErrorKind::Throttling
                | ErrorKind::InternalServerError
                | ErrorKind::ServiceUnavailable
                | ErrorKind::Transport
                | ErrorKind::TransactionConflict
                | ErrorKind::TransactionInProgress
        )
    }

    /// Maps a DynamoDB `__type` (with or without its namespace prefix, and
    /// without what follows a `:`, as the JSON protocol allows) to a kind.
    pub fn from_service_code(code: &str) -> ErrorKind {
        match service_name(code) {
            "ResourceNotFoundException" | "TableNotFoundException" => ErrorKind::ResourceNotFound,
            "ProvisionedThroughputExceededException" => ErrorKind::ProvisionedThroughputExceeded,
            "ConditionalCheckFailedException" => ErrorKind::ConditionalCheckFailed,
            "ValidationException" | "SerializationException" => ErrorKind::ValidationError,
            "AccessDeniedException" => ErrorKind::AccessDenied,
            "TransactionConflictException" | "ReplicatedWriteConflictException" => {
                ErrorKind::TransactionConflict
            }
            "TransactionCanceledException" => ErrorKind::TransactionCanceled,
            "TransactionInProgressException" => ErrorKind::TransactionInProgress,
            "IdempotentParameterMismatchException" => ErrorKind::IdempotentParameterMismatch,
            "ResourceInUseException" | "TableInUseException" | "TableAlreadyExistsException" => {
                ErrorKind::ResourceInUse
            }
            "LimitExceededException" => ErrorKind::LimitExceeded,
            "ItemCollectionSizeLimitExceededException" => {
                ErrorKind::ItemCollectionSizeLimitExceeded
            }
            "ThrottlingException" | "RequestLimitExceeded" => ErrorKind::Throttling,
            "UnrecognizedClientException"
            | "MissingAuthenticationTokenException"
            | "InvalidSignatureException"
            | "IncompleteSignatureException"
            | "ExpiredTokenException"
            | "InvalidClientTokenId"
            | "MissingAuthenticationToken" => ErrorKind::Authentication,
            "InternalServerError" | "InternalFailure" | "InternalServerException" => {
                ErrorKind::InternalServerError
            }
            "ServiceUnavailable" | "ServiceUnavailableException" => ErrorKind::ServiceUnavailable,
            _ => ErrorKind::Service,
        }
    }

    /// A short lowercase name, e.g. `conditional_check_failed` (the Elixir atom).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::ResourceNotFound => "resource_not_found",
            ErrorKind::ProvisionedThroughputExceeded => "provisioned_throughput_exceeded",
            ErrorKind::ConditionalCheckFailed => "conditional_check_failed",
            ErrorKind::VersionConflict => "version_conflict",
            ErrorKind::ValidationError => "validation_error",
            ErrorKind::AccessDenied => "access_denied",
            ErrorKind::TransactionConflict => "transaction_conflict",
            ErrorKind::TransactionCanceled => "transaction_canceled",
            ErrorKind::TransactionInProgress => "transaction_in_progress",
            ErrorKind::IdempotentParameterMismatch => "idempotent_parameter_mismatch",
            ErrorKind::ResourceInUse => "resource_in_use",
            ErrorKind::LimitExceeded => "limit_exceeded",
            ErrorKind::ItemCollectionSizeLimitExceeded => "item_collection_size_limit_exceeded",
            ErrorKind::Throttling => "throttling",
            ErrorKind::Authentication => "authentication_error",
            ErrorKind::InternalServerError => "internal_server_error",
            ErrorKind::ServiceUnavailable => "service_unavailable",
            ErrorKind::Transport => "transport",
            ErrorKind::Decode => "decode",
            ErrorKind::Service => "service_error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why one action of a cancelled transaction failed (or `None` when that
/// action was fine).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancellationReason {
    /// Position of the action in the list given to `transact`.
    pub index: usize,
    /// DynamoDB's code: `None`, `ConditionalCheckFailed`, `TransactionConflict`,
    /// `ValidationError`, `ItemCollectionSizeLimitExceeded`, `ThrottlingError`, …
    pub code: String,
    /// DynamoDB's message for this action, if any.
    pub message: Option<String>,
}

/// Cancellation reasons with the codes `codes`, in order, for tests.
#[cfg(test)]
pub(crate) fn reasons(codes: &[&str]) -> Vec<CancellationReason> {
    codes
        .iter()
        .enumerate()
        .map(|(index, c)| CancellationReason {
            index,
            code: (*c).to_owned(),
            message: None,
        })
        .collect()
}

impl CancellationReason {
    /// `true` when this action did not cause the cancellation.
    pub fn is_none(&self) -> bool {
        self.code == "None"
    }
}

/// Two errors are equal when they carry the same kind, message, service
/// code, status, attempts, field, operation and cancellation reasons (a
/// wrapped source error is not compared).
impl PartialEq for Error {
    fn eq(&self, other: &Error) -> bool {
        let (a, b) = (&self.inner, &other.inner);
        a.kind == b.kind
            && a.message == b.message
            && a.service_code == b.service_code
            && a.status == b.status
            && a.attempts == b.attempts
            && a.field == b.field
            && a.operation == b.operation
            && a.reasons == b.reasons
    }
}

/// The crate's error (cheap to clone): a [`kind`](Error::kind) and a [`message`](Error::message),
/// plus details for some kinds.
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    service_code: Option<String>,
    status: Option<u16>,
    attempts: u32,
    field: Option<String>,
    reasons: Vec<CancellationReason>,
    operation: Option<&'static str>,
    /// The item as it was, when a conditional write failed and DynamoDB
    /// returned it (`ReturnValuesOnConditionCheckFailure`).
    old_item: Option<Box<Item>>,
    /// For a cancelled transaction that asked for them: the stored items of
    /// the request actions whose condition failed, by their position in
    /// the request (as sent, before merged actions are told apart).
    reason_items: Vec<(usize, Item)>,
    source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>>,
    /// Set for failures of the environment (no runtime) that retrying
    /// cannot fix, whatever their kind.
    permanent: bool,
    /// An earlier attempt of the request got no answer it could trust (no
    /// answer at all, or a 500): it may have been applied.
    after_unanswered: bool,
}

/// An item as the codec holds it (`dynamo::Item`), here without importing
/// the codec, which sits above errors.
type Item = std::collections::HashMap<String, crate::value::Value>;

/// `Result<T, dynamo::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                service_code: None,
                status: None,
                attempts: 0,
                field: None,
                reasons: Vec::new(),
                operation: None,
                old_item: None,
                reason_items: Vec::new(),
                source: None,
                permanent: false,
                after_unanswered: false,
            }),
        }
    }

    /// A [`ErrorKind::ValidationError`] with `message`.
    pub fn validation(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::ValidationError, message)
    }

    /// A [`ErrorKind::Decode`] error for `field`.
    pub fn decode(field: &str, message: impl fmt::Display) -> Error {
        let mut e = Error::new(ErrorKind::Decode, format!("field `{field}`: {message}"));
        e.inner.field = Some(field.to_owned());
        e
    }

    /// A [`ErrorKind::Transport`] error.
    pub fn transport(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Transport, message)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message: DynamoDB's text for service errors, the crate's for its
    /// own checks.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// DynamoDB's error name (`__type` after its last `#`), for service errors.
    pub fn service_code(&self) -> Option<&str> {
        self.inner.service_code.as_deref()
    }

    /// The HTTP status of the answer, for service errors.
    pub fn http_status(&self) -> Option<u16> {
        self.inner.status
    }

    /// How many requests were sent before giving up (0 when the error was
    /// found before sending).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// The schema field the error is about, when there is one.
    pub fn field(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }

    /// The DynamoDB operation that failed (`"PutItem"`, `"Query"`, …), for
    /// errors that came back from a request.
    pub fn operation(&self) -> Option<&str> {
        self.inner.operation
    }

    /// For a failed conditional write that asked for it, the item as it was
    /// (DynamoDB's `ReturnValuesOnConditionCheckFailure: ALL_OLD`); `None`
    /// otherwise, or when there was no item.
    pub fn old_item(&self) -> Option<&Item> {
        self.inner.old_item.as_deref()
    }

    /// For [`ErrorKind::TransactionCanceled`]: one reason per action, in the
    /// order the actions were given.
    pub fn cancellation_reasons(&self) -> &[CancellationReason] {
        &self.inner.reasons
    }

    /// `true` if [`ErrorKind::is_retryable`] says so for this error's kind,
    /// and for a cancelled transaction (`TransactionCanceled`) that nothing
    /// in its actions cancelled: every reason is `None` or a passing one —
    /// `TransactionConflict` (another transaction or write on an item),
    /// `ThrottlingError` or `ProvisionedThroughputExceeded`. A transaction
    /// that DynamoDB cancels changes nothing, so it is sent again as it was,
    /// with its client request token.
    pub fn is_retryable(&self) -> bool {
        !self.inner.permanent && (self.inner.kind.is_retryable() || self.is_passing_cancellation())
    }

    /// A cancelled transaction whose reasons are all passing (see
    /// [`is_retryable`](Error::is_retryable)).
    fn is_passing_cancellation(&self) -> bool {
        let passing = |r: &CancellationReason| {
            r.is_none()
                || matches!(
                    r.code.as_str(),
                    "TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded"
                )
        };
        self.inner.kind == ErrorKind::TransactionCanceled
            && self.inner.reasons.iter().any(|r| !r.is_none())
            && self.inner.reasons.iter().all(passing)
    }

    /// The same error, never retried (a failure of the environment, such as
    /// running outside a tokio runtime).
    pub(crate) fn permanent(mut self) -> Error {
        self.inner.permanent = true;
        self
    }

    /// `true` for [`ErrorKind::ConditionalCheckFailed`].
    pub fn is_conditional_check_failed(&self) -> bool {
        self.inner.kind == ErrorKind::ConditionalCheckFailed
    }

    /// `true` for [`ErrorKind::ResourceNotFound`].
    pub fn is_resource_not_found(&self) -> bool {
        self.inner.kind == ErrorKind::ResourceNotFound
    }

    /// `true` for [`ErrorKind::ValidationError`].
    pub fn is_validation(&self) -> bool {
        self.inner.kind == ErrorKind::ValidationError
    }

    pub(crate) fn with_service(mut self, code: &str, status: u16) -> Error {
        self.inner.service_code = Some(service_name(code).to_owned());
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn with_operation(mut self, op: &'static str) -> Error {
        self.inner.operation = Some(op);
        self
    }

    pub(crate) fn with_status(mut self, status: u16) -> Error {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn with_field(mut self, field: &str) -> Error {
        self.inner.field = Some(field.to_owned());
        self
    }

    pub(crate) fn with_old_item(mut self, item: Item) -> Error {
        self.inner.old_item = Some(Box::new(item));
        self
    }

    pub(crate) fn with_reason_items(mut self, items: Vec<(usize, Item)>) -> Error {
        self.inner.reason_items = items;
        self
    }

    /// The stored item DynamoDB returned with the cancellation reason of
    /// request action `index` (`ReturnValuesOnConditionCheckFailure`).
    pub(crate) fn reason_item(&self, index: usize) -> Option<&Item> {
        self.inner
            .reason_items
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, item)| item)
    }

    /// The same error as another kind (message and details kept).
    /// The same error as another kind with another message; the attempts
    /// note ([`with_attempts`](Error::with_attempts)) is written again for
    /// the new kind.
    pub(crate) fn with_kind(mut self, kind: ErrorKind, message: impl Into<String>) -> Error {
        self.inner.kind = kind;
        self.inner.message = message.into();
        let attempts = self.inner.attempts;
        self.with_attempts(attempts)
    }

    pub(crate) fn with_reasons(mut self, reasons: Vec<CancellationReason>) -> Error {
        self.inner.reasons = reasons;
        self
    }

    /// The same error with its message changed by `f` (kind, code, status,
    /// field and reasons kept).
    pub(crate) fn map_message(mut self, f: impl FnOnce(&str) -> String) -> Error {
        self.inner.message = f(&self.inner.message);
        self
    }

    /// Marks an error that came after an attempt that may have been
    /// applied without an answer saying so.
    pub(crate) fn after_unanswered(mut self) -> Error {
        self.inner.after_unanswered = true;
        self
    }

    /// Whether an earlier attempt of the request may have been applied
    /// without an answer saying so (see [`Error::after_unanswered`]): then
    /// this answer may be that change seen again ("already exists").
    pub(crate) fn follows_unanswered(&self) -> bool {
        self.inner.after_unanswered
    }

    /// Records the number of attempts and, when more than one, says so in the
    /// message: a retryable error ended the retries (`gave up after N
    /// attempts`); any other came on the last attempt, after retried
    /// failures, and nothing was given up.
    pub(crate) fn with_attempts(mut self, attempts: u32) -> Error {
        self.inner.attempts = attempts;
        // Retries that ended at the deadline already say so, with the count.
        if attempts > 1 && !self.inner.message.contains("(gave up after ") {
            self.inner.message = if self.is_retryable() {
                format!("{} (gave up after {attempts} attempts)", self.inner.message)
            } else {
                format!(
                    "{} (on attempt {attempts}; the attempts before it failed and were retried)",
                    self.inner.message
                )
            };
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(op) = self.inner.operation {
            write!(f, "{op}: ")?;
        }
        write!(f, "{}: {}", self.inner.kind, self.inner.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind)
            .field("message", &self.inner.message);
        if let Some(code) = &self.inner.service_code {
            d.field("service_code", code);
        }
        if let Some(status) = self.inner.status {
            d.field("status", &status);
        }
        if self.inner.attempts > 0 {
            d.field("attempts", &self.inner.attempts);
        }
        if let Some(op) = self.inner.operation {
            d.field("operation", &op);
        }
        if let Some(field) = &self.inner.field {
            d.field("field", field);
        }
        if !self.inner.reasons.is_empty() {
            d.field("cancellation_reasons", &self.inner.reasons);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| &**s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_type() {
        let k = ErrorKind::from_service_code;
        assert_eq!(
            k("com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"),
            ErrorKind::ConditionalCheckFailed
        );
        assert_eq!(k("ResourceNotFoundException"), ErrorKind::ResourceNotFound);
        assert_eq!(
            k("com.amazon.coral.validate#ValidationException"),
            ErrorKind::ValidationError
        );
        assert_eq!(
            k("com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"),
            ErrorKind::ProvisionedThroughputExceeded
        );
        assert_eq!(k("ThrottlingException"), ErrorKind::Throttling);
        assert_eq!(
            k("com.amazon.coral.service#UnrecognizedClientException"),
            ErrorKind::Authentication
        );
        assert_eq!(k("SomethingNew"), ErrorKind::Service);
        // What follows a `:` is not part of the code (awsJson1.0).
        assert_eq!(
            k(
                "com.amazonaws.dynamodb.v20120810#ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/"
            ),
            ErrorKind::Throttling
        );
        assert_eq!(
            k("ReplicatedWriteConflictException"),
            ErrorKind::TransactionConflict
        );
        assert!(k("ReplicatedWriteConflictException").is_retryable());
    }

    #[test]
    fn a_cancellation_no_action_caused_is_retried() {
        let cancelled = |codes: &[&str]| {
            Error::new(ErrorKind::TransactionCanceled, "cancelled").with_reasons(reasons(codes))
        };
        for passing in [
            &["TransactionConflict", "None"][..],
            &["None", "ThrottlingError"],
            &["ProvisionedThroughputExceeded", "TransactionConflict"],
        ] {
            assert!(cancelled(passing).is_retryable(), "{passing:?}");
            assert!(!cancelled(passing).permanent().is_retryable());
        }
        for own in [
            &["ConditionalCheckFailed", "TransactionConflict"][..],
            &["None", "ValidationError"],
            &["ItemCollectionSizeLimitExceeded"],
            &["None", "None"],
            &[],
        ] {
            assert!(!cancelled(own).is_retryable(), "{own:?}");
        }
        // Retried, then made a version conflict (not retryable): the note
        // says the attempt it came on.
        let e = cancelled(&["TransactionConflict"])
            .with_attempts(2)
            .with_kind(ErrorKind::VersionConflict, "stale");
        assert_eq!(e.attempts(), 2);
        assert_eq!(
            e.message(),
            "stale (on attempt 2; the attempts before it failed and were retried)"
        );
        // Reasons count only on a cancelled transaction.
        let mut e = cancelled(&["TransactionConflict"]);
        e.inner.kind = ErrorKind::ConditionalCheckFailed;
        assert!(!e.is_retryable());
    }

    #[test]
    fn message_and_attempts() {
        let e = Error::new(ErrorKind::Throttling, "slow down").with_attempts(5);
        assert_eq!(e.kind(), ErrorKind::Throttling);
        assert!(e.message().contains("5 attempts"));
        assert_eq!(e.attempts(), 5);
        assert!(e.is_retryable());
        assert_eq!(
            e.to_string(),
            "throttling: slow down (gave up after 5 attempts)"
        );
        // The deadline's own account of the retries is not repeated.
        let e = Error::new(
            ErrorKind::Transport,
            "no answer (gave up after 6 attempts, at the 1500 ms deadline)",
        )
        .with_attempts(6);
        assert_eq!(
            e.message(),
            "no answer (gave up after 6 attempts, at the 1500 ms deadline)"
        );
        // An error retrying cannot help, met after retried ones: nothing
        // was given up.
        let e = Error::new(
            ErrorKind::ConditionalCheckFailed,
            "The conditional request failed",
        )
        .with_attempts(2);
        assert_eq!(e.attempts(), 2);
        assert_eq!(
            e.message(),
            "The conditional request failed (on attempt 2; the attempts before it failed and \
             were retried)"
        );
    }
}
