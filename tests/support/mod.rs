//! Shared test support: every integration test runs against DynamoDB Local,
//! started by `scripts/dynamodb-local run -- …` (see `scripts/test`), which
//! sets `AWS_ENDPOINT_URL_DYNAMODB` to a loopback address.
//!
//! Each test runs inside [`isolated`], which gives it a unique table prefix
//! (a task-scoped [`dynamo::config::Config::table_prefix`]), so tests can run
//! in parallel against one server without seeing each other's tables.
#![allow(dead_code)]

pub mod proxy;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use dynamo::config::{self, Config};
use dynamo::Client;

/// The endpoint DynamoDB Local listens on. Panics with instructions when the
/// suite is not run through the project's harness: a test that cannot reach
/// the real database fails; it is never skipped.
pub fn endpoint() -> String {
    let ep = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| {
        panic!(
            "AWS_ENDPOINT_URL_DYNAMODB is not set. Run the suite with `scripts/test` \
             (or `scripts/dynamodb-local run -- cargo test`), which starts DynamoDB Local."
        )
    });
    let host = ep
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .split([':', '/'])
        .next()
        .unwrap_or("")
        .to_owned();
    assert!(
        host == "127.0.0.1" || host == "localhost" || host == "[::1]",
        "tests only ever talk to a loopback DynamoDB Local, not {ep}"
    );
    ep
}

/// A client for the test server, configured like the default client (from
/// the environment), so both see the same tables.
pub fn client() -> Client {
    endpoint();
    Client::from_env().expect("client from the environment")
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A table prefix unique to this test process and call.
pub fn unique_prefix() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("t{}_{}_{}_", std::process::id(), n, fastrand::u32(..))
}

/// Runs `f` with a unique table prefix in effect.
pub async fn isolated<F: Future>(f: F) -> F::Output {
    config::scope(Config::new().table_prefix(unique_prefix()), f).await
}
