//! The contexts' domain errors (the guide's "Convert DynamoDB errors to
//! domain errors"): the web layer maps each to an HTTP status and never sees
//! a DynamoDB error kind.

use std::fmt;

use dynamo::ErrorKind;

/// What can go wrong in the `Accounts` and `Organizations` contexts.
#[derive(Debug)]
pub enum Error {
    /// No such thing: `what` is e.g. `"user usr_…"`. HTTP 404.
    NotFound(String),
    /// The input is not acceptable; `field` names the culprit when one
    /// does. HTTP 422.
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// The request is valid but clashes with what is stored (an email that
    /// is taken, a member added twice, a concurrent change). HTTP 409.
    Conflict(String),
    /// DynamoDB failed (throttled after retries, unreachable, …). HTTP 503
    /// when retrying later may help, else 500.
    Storage(dynamo::Error),
}

/// The contexts' result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An invalid field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Error {
        Error::Invalid {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }
}

impl From<dynamo::Error> for Error {
    /// The defaults; the contexts map `ConditionalCheckFailed` and cancelled
    /// transactions themselves where they know what the condition meant.
    fn from(e: dynamo::Error) -> Error {
        match e.kind() {
            // The crate's own checks (an unset key field, an item over
            // 400 KB, …) and DynamoDB's ValidationException.
            ErrorKind::ValidationError => Error::Invalid {
                field: e.field().map(str::to_owned),
                message: e.message().to_owned(),
            },
            ErrorKind::ConditionalCheckFailed | ErrorKind::TransactionCanceled => {
                Error::Conflict(e.message().to_owned())
            }
            _ => Error::Storage(e),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound(what) => write!(f, "{what} not found"),
            Error::Invalid {
                field: Some(field),
                message,
            } => write!(f, "{field}: {message}"),
            Error::Invalid { message, .. } => f.write_str(message),
            Error::Conflict(message) => f.write_str(message),
            Error::Storage(e) => write!(f, "storage error: {e}"),
        }
    }
}

impl std::error::Error for Error {}

/// Whether action `index` of a cancelled transaction failed its condition.
pub fn condition_failed_at(e: &dynamo::Error, index: usize) -> bool {
    e.kind() == ErrorKind::TransactionCanceled
        && e.cancellation_reasons()
            .iter()
            .any(|r| r.index == index && r.code == "ConditionalCheckFailed")
}
