//! No secret in any log: with a `log` logger and a `tracing` subscriber both
//! capturing everything at TRACE — as an application with `env_logger` or a
//! `tracing` subscriber that bridges `log` would — a client with session
//! credentials does its work, and neither the secret key, nor the session
//! token, nor any request signature appears in what was captured. (rusoto's
//! own dispatch logs every request header, `authorization` and
//! `x-amz-security-token` included, at DEBUG; the crate does not use it.)
//!
//! Its own test binary: the logger and the subscriber are process-wide.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use dynamo::prelude::*;

const ACCESS_KEY: &str = "AKIDSECRETSTEST0001";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENxyz";

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Note {
        table_name "notes";
        field :id: String, partition_key;
        field :text: String;
    }
}

fn captured() -> &'static Arc<Mutex<String>> {
    static CAPTURED: OnceLock<Arc<Mutex<String>>> = OnceLock::new();
    CAPTURED.get_or_init(|| Arc::new(Mutex::new(String::new())))
}

struct CaptureLog;

impl log::Log for CaptureLog {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {} {}\n", record.level(), record.target(), record.args());
        captured().lock().unwrap().push_str(&line);
    }
    fn flush(&self) {}
}

#[derive(Clone)]
struct CaptureWriter;

impl Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        captured()
            .lock()
            .unwrap()
            .push_str(&String::from_utf8_lossy(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_signature_or_token_in_any_log() {
    log::set_boxed_logger(Box::new(CaptureLog)).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(|| CaptureWriter)
        .with_ansi(false)
        .init();
    // The crate's own request logger too.
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    dynamo::logger::set_sink(move |l: &str| sink.lock().unwrap().push(l.to_owned()));
    dynamo::logger::enable();

    let engine = support::Engine::start();
    let client = Client::builder()
        .endpoint(engine.endpoint())
        .session_credentials(ACCESS_KEY, SECRET, TOKEN)
        .build()
        .unwrap();
    client.create_table::<Note>().await.unwrap();
    for i in 0..3 {
        client
            .put_item(
                item!(Note {
                    id: format!("n{i}"),
                    text: "x"
                }),
                opts![],
            )
            .await
            .unwrap();
    }
    client
        .get_item(&item!(Note { id: "n1" }), opts![])
        .await
        .unwrap();
    client
        .batch_write_item(vec![item!(Note { id: "b", text: "y" })], opts![])
        .await
        .unwrap();
    client.scan::<Note>(opts![]).await.unwrap();
    // A failure is logged too: a condition that fails.
    let _ = client
        .put_item(
            item!(Note {
                id: "n1",
                text: "z"
            }),
            opts![condition_expression: "attribute_not_exists(id)"],
        )
        .await;

    dynamo::logger::disable();
    let text = {
        let mut t = captured().lock().unwrap().clone();
        for l in lines.lock().unwrap().iter() {
            t.push_str(l);
            t.push('\n');
        }
        t
    };
    // The capture works: the exchanges were logged and traced.
    assert!(text.contains("PutItem"), "nothing captured: {text}");
    assert!(text.contains("dynamodb"), "no span captured");
    for secret in [
        SECRET,
        TOKEN,
        "Signature=",
        "AWS4-HMAC-SHA256",
        "x-amz-security-token",
    ] {
        assert!(
            !text
                .to_ascii_lowercase()
                .contains(&secret.to_ascii_lowercase()),
            "`{secret}` appears in the logs:\n{text}"
        );
    }
}
