//! A credential chain that keeps looking (a container or instance metadata
//! service that takes connections and never answers, as off EC2) is its own
//! failure: bounded by the deadline, reported as credentials — not as
//! DynamoDB missing the request timeout, attempt after attempt.
//!
//! Its own test binary: it sets the process's AWS environment so that the
//! chain finds nothing before the silent container endpoint.
#![cfg(any(feature = "rusoto", feature = "aws"))]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dynamo::RetryPolicy;
use dynamo::prelude::*;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Note {
        table_name "notes";
        field :id: String, partition_key;
    }
}

/// A loopback server that takes connections, reads nothing and never
/// answers; it counts the connections.
async fn silent() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let taken = Arc::new(AtomicUsize::new(0));
    let count = taken.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    (addr, taken)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_chain_that_keeps_looking_fails_as_credentials_at_the_deadline() {
    let (addr, taken) = silent().await;
    // SAFETY: set before any thread of this test reads the environment;
    // this binary has this one test.
    unsafe {
        support::empty_aws_chain();
        std::env::set_var("AWS_REGION", "eu-west-1");
        std::env::set_var(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("http://{addr}/credentials"),
        );
        // Instance metadata goes to the silent server too (the aws
        // backend's chain; rusoto's asks a fixed address).
        std::env::set_var(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://{addr}"),
        );
    }
    let backends = [
        #[cfg(feature = "rusoto")]
        dynamo::Backend::Rusoto,
        #[cfg(feature = "aws")]
        dynamo::Backend::Aws,
    ];
    let deadline = Duration::from_millis(1500);
    for backend in backends {
        let before = taken.load(Ordering::SeqCst);
        let client = Client::builder()
            .backend(backend)
            // Never reached: the request waits for credentials first.
            .endpoint("http://127.0.0.1:9")
            .credential_chain(true)
            .timeout(Duration::from_millis(200))
            .retry(RetryPolicy::default().deadline(deadline))
            .build()
            .unwrap();
        let started = Instant::now();
        let e = client
            .get_item(&item!(Note { id: "n1" }), opts![])
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert_eq!(e.kind(), ErrorKind::Authentication, "{backend:?}: {e}");
        assert!(
            e.message().contains("no credentials within")
                && e.message().contains("credential chain"),
            "{backend:?}: {}",
            e.message()
        );
        assert_eq!(e.attempts(), 1, "{backend:?}: not retried");
        assert!(took >= deadline, "{backend:?}: gave up after {took:?}");
        assert!(
            taken.load(Ordering::SeqCst) > before,
            "{backend:?}: the chain asked the silent container endpoint"
        );
    }
}
