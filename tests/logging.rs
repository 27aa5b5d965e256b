//! The request logger (`dynamo::logger`) and the `tracing` spans, against
//! DynamoDB Local: the JSON shape of each logged exchange, the span fields,
//! and that credentials never show up in logs, spans or `Debug` output.
//!
//! The logger and the tracing subscriber are process-wide, so these tests
//! live in their own binary and take a lock each.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Once};

use dynamo::config::{self, Config};
use dynamo::prelude::*;
use serde_json::Value as Json;

static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const ACCESS_KEY: &str = "AKIAEXAMPLEKEY";
const SECRET: &str = "s3cr3t/VALUE+123";
const SESSION_TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789";

/// Texts that must never appear in a log line, a span or `Debug` output.
const FORBIDDEN: &[&str] = &[
    SECRET,
    "s3cr3t",
    SESSION_TOKEN,
    ACCESS_KEY,
    "Authorization",
    "authorization",
    "Signature=",
    "AWS4-HMAC-SHA256",
    "X-Amz-Security-Token",
    "x-amz-security-token",
    "Credential=",
];

#[track_caller]
fn assert_no_secrets(what: &str, text: &str) {
    for f in FORBIDDEN {
        assert!(!text.contains(f), "{what} contains `{f}`: {text}");
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Gadget {
        table_name "gadgets";
        field :id: String, partition_key;
        field :name: String;
        field :price: f64;
    }
}

/// A client with recognisable credentials (DynamoDB Local accepts any
/// alphanumeric access key and ignores the secret).
fn secret_client() -> Client {
    Client::builder()
        .endpoint(support::endpoint())
        .region("us-east-1")
        .session_credentials(ACCESS_KEY, SECRET, SESSION_TOKEN)
        .build()
        .unwrap()
}

/// Collects logger lines.
fn capture_logger() -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    dynamo::logger::set_sink(move |line: &str| sink.lock().unwrap().push(line.to_owned()));
    lines
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]Z`, RFC 3339 in UTC.
fn is_rfc3339_utc(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    if b.len() < 20 || !s.ends_with('Z') {
        return false;
    }
    let base = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    let frac = &s[19..s.len() - 1];
    base && (frac.is_empty()
        || (frac.starts_with('.')
            && frac.len() > 1
            && frac[1..].bytes().all(|c| c.is_ascii_digit())))
}

#[tokio::test]
async fn logger_prints_each_exchange_as_one_json_object() {
    let _l = LOCK.lock().await;
    install_tracing();
    let client = secret_client();
    let prefix = support::unique_prefix();
    let table = format!("{prefix}gadgets");
    let lines = capture_logger();

    config::scope(Config::new().table_prefix(prefix.clone()), async {
        client.create_table::<Gadget>().await.unwrap();

        assert!(!dynamo::logger::enabled());
        dynamo::logger::enable();
        assert!(dynamo::logger::enabled());

        let g = item!(Gadget {
            id: "g1",
            name: "Widget",
            price: 9.5
        });
        client.put_item(g.clone(), Opts::new()).await.unwrap();
        let got = client.get_item(&g, Opts::new()).await.unwrap();
        assert_eq!(got.as_ref(), Some(&g));
        let err = client
            .put_item(
                g.clone(),
                opts![condition_expression: "attribute_not_exists(pk)"],
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConditionalCheckFailed);

        dynamo::logger::disable();
        assert!(!dynamo::logger::enabled());
        let before = lines.lock().unwrap().len();
        client.get_item(&g, Opts::new()).await.unwrap();
        assert_eq!(lines.lock().unwrap().len(), before, "logged while disabled");

        // Neither the error nor the client shows credentials.
        assert_no_secrets("error Display", &err.to_string());
        assert_no_secrets("error Debug", &format!("{err:?}"));
        assert_no_secrets("client Debug", &format!("{client:?}"));
        let builder = Client::builder().session_credentials(ACCESS_KEY, SECRET, SESSION_TOKEN);
        assert_no_secrets("builder Debug", &format!("{builder:?}"));

        client.delete_table::<Gadget>().await.unwrap();
    })
    .await;
    dynamo::logger::reset_sink();

    let lines = lines.lock().unwrap().clone();
    let mut ours: Vec<Json> = Vec::new();
    for line in &lines {
        assert!(!line.contains('\n'), "one line per exchange: {line:?}");
        assert_no_secrets("log line", line);
        let j: Json =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(j.is_object(), "{line}");
        for key in ["timestamp", "operation", "table", "payload"] {
            assert!(j.get(key).is_some(), "no `{key}`: {line}");
        }
        let ts = j["timestamp"].as_str().unwrap();
        assert!(is_rfc3339_utc(ts), "timestamp {ts:?} is not RFC 3339");
        assert!(j["operation"].is_string(), "{line}");
        assert!(j["attempt"].as_u64().unwrap() >= 1, "{line}");
        assert!(j["duration_ms"].is_u64(), "{line}");
        // Exactly one of response / error.
        assert!(
            j.get("response").is_some() != j.get("error").is_some(),
            "{line}"
        );
        if j["table"] == table.as_str() {
            ours.push(j);
        }
    }
    let ops: Vec<&str> = ours
        .iter()
        .map(|j| j["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["PutItem", "GetItem", "PutItem"], "{ours:#?}");

    // The put: the request body, and DynamoDB's answer.
    let put = &ours[0];
    assert_eq!(put["payload"]["TableName"], table.as_str());
    assert_eq!(put["payload"]["Item"]["pk"]["S"], "g1");
    assert_eq!(put["payload"]["Item"]["name"]["S"], "Widget");
    assert_eq!(put["payload"]["Item"]["price"]["N"], "9.5");
    assert!(put["response"].is_object(), "{put}");

    // The get: the key asked for, the item returned.
    let get = &ours[1];
    assert_eq!(get["payload"]["Key"]["pk"]["S"], "g1");
    assert_eq!(get["response"]["Item"]["name"]["S"], "Widget");

    // The failed conditional put: logged, with the error instead of a response.
    let failed = &ours[2];
    assert_eq!(
        failed["payload"]["ConditionExpression"], "attribute_not_exists(pk)",
        "{failed}"
    );
    assert!(failed.get("response").is_none(), "{failed}");
    assert_eq!(failed["error"]["kind"], "conditional_check_failed");
    assert_eq!(failed["error"]["code"], "ConditionalCheckFailedException");
    assert!(
        !failed["error"]["message"].as_str().unwrap().is_empty(),
        "{failed}"
    );
}

#[test]
fn timestamps_are_checked_properly() {
    assert!(is_rfc3339_utc("2024-02-29T23:59:59.123Z"));
    assert!(is_rfc3339_utc("2024-02-29T23:59:59Z"));
    assert!(!is_rfc3339_utc("2024-02-29 23:59:59Z"));
    assert!(!is_rfc3339_utc("1709251199"));
}

// ---- tracing ----------------------------------------------------------------

/// A span as it closed: its name and every field recorded on it.
#[derive(Clone, Debug)]
struct ClosedSpan {
    name: String,
    fields: BTreeMap<String, String>,
}

static SPANS: Mutex<Vec<ClosedSpan>> = Mutex::new(Vec::new());
static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

mod capture {
    use std::collections::BTreeMap;
    use std::fmt;

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::Context;
    use tracing_subscriber::registry::LookupSpan;

    use super::{ClosedSpan, EVENTS, SPANS};

    #[derive(Default)]
    pub struct Fields(pub BTreeMap<String, String>);

    impl Visit for Fields {
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.insert(field.name().to_owned(), value.to_owned());
        }
        fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
            self.0.insert(field.name().to_owned(), format!("{value:?}"));
        }
    }

    /// Records the crate's spans and events (target `dynamo…`).
    pub struct Capture;

    impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
        fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
            metadata.target().starts_with("dynamo")
        }

        fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
            let mut f = Fields::default();
            attrs.record(&mut f);
            if let Some(span) = ctx.span(id) {
                span.extensions_mut().insert(f);
            }
        }

        fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
            if let Some(span) = ctx.span(id)
                && let Some(f) = span.extensions_mut().get_mut::<Fields>()
            {
                values.record(f);
            }
        }

        fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
            let mut f = Fields::default();
            event.record(&mut f);
            EVENTS
                .lock()
                .unwrap()
                .push(format!("{} {:?}", event.metadata().target(), f.0));
        }

        fn on_close(&self, id: Id, ctx: Context<'_, S>) {
            if let Some(span) = ctx.span(&id) {
                let fields = span
                    .extensions_mut()
                    .remove::<Fields>()
                    .map(|f| f.0)
                    .unwrap_or_default();
                SPANS.lock().unwrap().push(ClosedSpan {
                    name: span.name().to_owned(),
                    fields,
                });
            }
        }
    }
}

fn install_tracing() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use tracing_subscriber::layer::SubscriberExt as _;
        tracing::subscriber::set_global_default(
            tracing_subscriber::registry().with(capture::Capture),
        )
        .expect("no other global subscriber in this test binary");
    });
}

/// Also writes through `tracing-subscriber`'s own formatter into a buffer,
/// the way an application would log spans.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_request_runs_in_a_span_with_its_fields() {
    let _l = LOCK.lock().await;
    install_tracing();
    let client = secret_client();
    let prefix = support::unique_prefix();
    let table = format!("{prefix}gadgets");

    config::scope(Config::new().table_prefix(prefix.clone()), async {
        client.create_table::<Gadget>().await.unwrap();
        let g = item!(Gadget {
            id: "g2",
            name: "Sprocket",
            price: 1.25
        });
        client.put_item(g.clone(), Opts::new()).await.unwrap();
        client.get_item(&g, Opts::new()).await.unwrap().unwrap();
        client
            .put_item(
                g.clone(),
                opts![condition_expression: "attribute_not_exists(pk)"],
            )
            .await
            .unwrap_err();
        client.delete_table::<Gadget>().await.unwrap();
    })
    .await;

    let spans: Vec<ClosedSpan> = SPANS
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.fields.get("aws.dynamodb.table_names") == Some(&table))
        .cloned()
        .collect();
    for s in &spans {
        assert_eq!(s.name, "dynamodb");
        assert_no_secrets("span", &format!("{s:?}"));
        assert_eq!(s.fields["db.system"], "dynamodb");
        assert!(s.fields.contains_key("db.operation"), "{s:?}");
        assert!(s.fields["attempts"].parse::<u32>().unwrap() >= 1, "{s:?}");
        assert!(s.fields["latency_ms"].parse::<u64>().is_ok(), "{s:?}");
    }
    let op = |name: &str| -> Vec<&ClosedSpan> {
        spans
            .iter()
            .filter(|s| s.fields["db.operation"] == name)
            .collect()
    };
    for o in ["CreateTable", "DescribeTable", "GetItem", "DeleteTable"] {
        assert!(!op(o).is_empty(), "no {o} span in {spans:#?}");
    }
    let puts = op("PutItem");
    assert_eq!(puts.len(), 2, "{spans:#?}");
    // Someone listens, so the capacity is asked for and recorded.
    let cap: f64 = puts[0].fields["consumed_capacity"].parse().unwrap();
    assert!(cap > 0.0, "{:?}", puts[0]);
    assert!(op("GetItem")[0].fields.contains_key("consumed_capacity"));
    assert_eq!(puts[0].fields.get("error"), None);
    // The failed put: one attempt (not retryable), the error kind recorded.
    assert_eq!(puts[1].fields["error"], "conditional_check_failed");
    assert_eq!(puts[1].fields["attempts"], "1");

    for e in EVENTS.lock().unwrap().iter() {
        assert_no_secrets("tracing event", e);
    }
}

#[tokio::test]
async fn fmt_subscriber_output_shows_the_span_fields() {
    use tracing_subscriber::fmt::format::FmtSpan;
    let _l = LOCK.lock().await;
    install_tracing();
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    let client = secret_client();
    let prefix = support::unique_prefix();
    let table = format!("{prefix}gadgets");
    // The fmt subscriber is this thread's default for the test's body (the
    // test runtime is single-threaded).
    let _guard = tracing::subscriber::set_default(subscriber);
    config::scope(Config::new().table_prefix(prefix.clone()), async {
        client.create_table::<Gadget>().await.unwrap();
        let g = item!(Gadget {
            id: "g3",
            name: "Cog",
            price: 2.0
        });
        client.put_item(g, Opts::new()).await.unwrap();
        client.delete_table::<Gadget>().await.unwrap();
    })
    .await;
    drop(_guard);
    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert_no_secrets("fmt output", &text);
    let line = text
        .lines()
        .find(|l| {
            l.contains("db.operation=\"PutItem\"") && l.contains(&table) && l.contains("close")
        })
        .unwrap_or_else(|| panic!("no PutItem span in:\n{text}"));
    for field in [
        "attempts=1",
        "latency_ms=",
        "consumed_capacity=",
        "aws.dynamodb.table_names=",
    ] {
        assert!(line.contains(field), "no `{field}` in {line}");
    }
}
