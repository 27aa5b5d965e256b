//! Request logging (Elixir's `Dynamo.Logger`): when enabled, every request
//! DynamoDB answers — and every failed attempt — is printed as one JSON
//! object on one line:
//!
//! ```text
//! {"timestamp":"2026-11-25T13:01:02.345Z","operation":"PutItem","table":"users",
//!  "attempt":1,"duration_ms":3,"payload":{…request…},"response":{…answer…}}
//! ```
//!
//! A failed attempt has `"error":{"kind":…,"code":…,"message":…}` instead of
//! `"response"`. Only the request body and the answer are logged: never
//! headers, signatures or credentials.
//!
//! Lines go to standard output unless a sink is set:
//!
//! ```
//! use std::sync::{Arc, Mutex};
//!
//! let lines = Arc::new(Mutex::new(Vec::<String>::new()));
//! let captured = lines.clone();
//! dynamo::logger::set_sink(move |line: &str| captured.lock().unwrap().push(line.to_owned()));
//! dynamo::logger::enable();
//! assert!(dynamo::logger::enabled());
//! dynamo::logger::disable();
//! dynamo::logger::reset_sink();
//! ```
//!
//! For structured telemetry use `tracing` instead: every request runs in a
//! `dynamodb` span (target `dynamo`, level DEBUG) carrying `db.operation`,
//! `aws.dynamodb.table_names`, `attempts`, `latency_ms`, `consumed_capacity`
//! and `error`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::Error;

static ENABLED: AtomicBool = AtomicBool::new(false);

type Sink = Arc<dyn Fn(&str) + Send + Sync>;
static SINK: RwLock<Option<Sink>> = RwLock::new(None);

/// Turns request logging on.
pub fn enable() {
    ENABLED.store(true, Ordering::Release);
}

/// Turns request logging off.
pub fn disable() {
    ENABLED.store(false, Ordering::Release);
}

/// Whether request logging is on.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Acquire)
}

/// Sends log lines to `sink` instead of standard output.
pub fn set_sink(sink: impl Fn(&str) + Send + Sync + 'static) {
    *SINK.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(sink));
}

/// Sends log lines to standard output again.
pub fn reset_sink() {
    *SINK.write().unwrap_or_else(|e| e.into_inner()) = None;
}

fn emit(line: &str) {
    let sink = SINK.read().unwrap_or_else(|e| e.into_inner()).clone();
    match sink {
        Some(s) => s(line),
        // Not `println!`, which panics when standard output is closed: a
        // log line that cannot be written is dropped.
        None => {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
        }
    }
}

/// Logs one request/answer exchange.
pub(crate) fn log_exchange(
    operation: &str,
    table: &str,
    attempt: u32,
    duration: Duration,
    payload: &[u8],
    outcome: Result<&[u8], &Error>,
) {
    let parse = |b: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(b)
            .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(b).into_owned()))
    };
    let mut obj = serde_json::Map::new();
    obj.insert("timestamp".into(), timestamp(SystemTime::now()).into());
    obj.insert("operation".into(), operation.into());
    obj.insert(
        "table".into(),
        if table.is_empty() {
            "unknown".into()
        } else {
            table.into()
        },
    );
    obj.insert("attempt".into(), attempt.into());
    obj.insert("duration_ms".into(), (duration.as_millis() as u64).into());
    obj.insert("payload".into(), parse(payload));
    match outcome {
        Ok(resp) => {
            obj.insert("response".into(), parse(resp));
        }
        Err(e) => {
            let mut err = serde_json::Map::new();
            err.insert("kind".into(), e.kind().as_str().into());
            err.insert(
                "code".into(),
                e.service_code()
                    .map_or(serde_json::Value::Null, |c| c.into()),
            );
            err.insert("message".into(), e.message().into());
            obj.insert("error".into(), serde_json::Value::Object(err));
        }
    }
    emit(&serde_json::Value::Object(obj).to_string());
}

/// RFC 3339 UTC timestamp with milliseconds.
pub(crate) fn timestamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let millis = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    crate::clock::Now::from_millis(millis).rfc3339()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_251_199_123); // 2024-02-29T23:59:59.123Z
        assert_eq!(timestamp(t), "2024-02-29T23:59:59.123Z");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(timestamp(t), "2000-02-29T00:00:00.000Z");
    }
}
