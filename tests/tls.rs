//! A TLS handshake that fails is reported at once, not retried: an
//! `https://` endpoint of a server that speaks plain HTTP (a local engine
//! reached with the wrong scheme), and a server whose certificate no
//! public authority issued (a self-signed one, in tests/data). Retrying
//! cannot fix either; before, each took the whole retry budget (ten
//! attempts with back-off) and ended as "gave up after 10 attempts".

mod support;

use std::sync::Arc;

use dynamo::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Note {
        table_name "notes";
        field :id: String, partition_key;
    }
}

/// A client of `url` with the default retry policy (up to ten attempts).
fn client(url: &str) -> Client {
    Client::builder()
        .endpoint(url)
        .region("us-east-1")
        .credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        .build()
        .unwrap()
}

/// The error is the handshake's, from the first attempt, and says what to
/// check.
fn assert_not_retried(e: &Error, url: &str) {
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert_eq!(e.attempts(), 1, "{e}");
    assert!(!e.is_retryable(), "{e}");
    assert!(e.message().contains(url), "{}", e.message());
    assert!(
        e.message().contains("TLS handshake failed") && e.message().contains("http://"),
        "{}",
        e.message()
    );
}

#[tokio::test]
async fn an_https_endpoint_of_a_plain_http_server_fails_at_once() {
    // The test engine itself, which speaks plain HTTP.
    let url = support::shared().endpoint().replace("http://", "https://");
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let e = client(&url)
        .get_item(&Note { id: "n".into() }, opts![])
        .await
        .unwrap_err();
    assert_not_retried(&e, &url);
}

/// A loopback TLS server with the self-signed certificate of tests/data,
/// counting the handshakes it is offered.
async fn self_signed_server() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio_rustls::rustls::{Certificate, PrivateKey, ServerConfig};
    let config = ServerConfig::builder()
        .with_safe_defaults()
        .with_no_client_auth()
        .with_single_cert(
            vec![Certificate(
                include_bytes!("data/self-signed-cert.der").to_vec(),
            )],
            PrivateKey(include_bytes!("data/self-signed-key.der").to_vec()),
        )
        .expect("the test certificate");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let offered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = offered.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // The client refuses the certificate; were it accepted, the
                // request would be answered as DynamoDB answers a get that
                // finds nothing.
                if let Ok(mut tls) = acceptor.accept(socket).await {
                    let mut buf = vec![0u8; 65536];
                    let _ = tls.read(&mut buf).await;
                    let _ = tls
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: 2\r\n\r\n{}",
                        )
                        .await;
                }
            });
        }
    });
    (url, offered)
}

#[tokio::test]
async fn a_certificate_no_authority_issued_fails_at_once() {
    let (url, offered) = self_signed_server().await;
    let e = client(&url)
        .get_item(&Note { id: "n".into() }, opts![])
        .await
        .unwrap_err();
    assert_not_retried(&e, &url);
    assert!(
        e.message().to_lowercase().contains("certificate"),
        "{}",
        e.message()
    );
    assert_eq!(offered.load(std::sync::atomic::Ordering::SeqCst), 1);
}
