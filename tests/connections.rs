//! How the client keeps its HTTP connections: one kept-alive connection
//! serves request after request; one the server closed while it sat idle,
//! or closed with `Connection: close`, is replaced without a failed
//! attempt; on the rusoto backend a pooled connection runs no task of its
//! own.
//!
//! A loopback HTTP/1.1 stand-in answers every request with `{}` (what
//! DynamoDB answers a `GetItem` that finds nothing), or with a canned body,
//! and counts the connections it accepts; each test tells it when to close
//! them (or how to misbehave on the first one). The canned body serves one
//! more check no real engine can: a streamed page with an item that is not
//! a DynamoDB item. The
//! clients allow one attempt only, so a request sent down a dead connection
//! would fail the test instead of being retried.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dynamo::ClientBuilder;
use dynamo::prelude::*;
use futures_util::stream::{BoxStream, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Note {
        table_name "notes";
        field :id: String, partition_key;
    }
}

/// What the stand-in does after answering a request.
#[derive(Clone, Copy, PartialEq)]
enum After {
    /// Keeps the connection open for the next request.
    KeepAlive,
    /// Answers with `Connection: close` and leaves closing to the client.
    SaysClose,
    /// Closes the connection itself, without saying so first.
    Hangs,
    /// On the first connection, never answers; on the others, keeps alive.
    FirstNeverAnswers,
    /// On the first connection, announces an answer larger than any
    /// DynamoDB sends (and sends a little of it); on the others, keeps
    /// alive.
    FirstTooLarge,
    /// Keeps the connection open and answers every request with this body.
    Answers(&'static str),
}

/// Starts the stand-in, on a thread and runtime of its own (so its tasks
/// are not counted with the client's); returns its endpoint and its count
/// of accepted connections.
async fn stand_in(after: After) -> (String, Arc<AtomicUsize>) {
    let (url, accepted, _) = stand_in_counting_ends(after).await;
    (url, accepted)
}

/// [`stand_in`], also counting the connections that have ended (for a
/// kept-alive one: that the client closed it).
async fn stand_in_counting_ends(after: After) -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let ended = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    let ends = ended.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let first = count.fetch_add(1, Ordering::SeqCst) == 0;
                let after = match after {
                    After::FirstNeverAnswers | After::FirstTooLarge if !first => After::KeepAlive,
                    other => other,
                };
                let ends = ends.clone();
                tokio::spawn(async move {
                    serve(socket, after).await;
                    ends.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
    });
    (url, accepted, ended)
}

/// Answers the requests of one connection with `{}`.
async fn serve(mut socket: TcpStream, after: After) {
    let mut buf = Vec::new();
    loop {
        // The head, then as much body as Content-Length says.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + length);
        match after {
            After::FirstNeverAnswers => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                return;
            }
            After::FirstTooLarge => {
                let head = "HTTP/1.1 200 OK\r\ncontent-length: 40000000\r\n\r\n{\"Item\":";
                let _ = socket.write_all(head.as_bytes()).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
                return;
            }
            _ => {}
        }
        let close = if after == After::SaysClose {
            "connection: close\r\n"
        } else {
            ""
        };
        let body = match after {
            After::Answers(body) => body,
            _ => "{}",
        };
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\n\
             content-length: {}\r\n{close}\r\n{body}",
            body.len()
        );
        if socket.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
        if !matches!(after, After::KeepAlive | After::Answers(_)) {
            let _ = socket.shutdown().await;
            return;
        }
    }
}

fn client(url: &str) -> Client {
    client_builder(url).build().unwrap()
}

fn client_builder(url: &str) -> ClientBuilder {
    Client::builder()
        .endpoint(url)
        .credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        .max_attempts(1)
}

fn key(i: usize) -> Note {
    Note {
        id: format!("n{i}"),
    }
}

/// Sends `n` gets one after the other, pausing `pause` after each, to a
/// stand-in that behaves as `after` says; every get must succeed. Returns
/// how many connections the stand-in accepted.
async fn connections_for_gets(after: After, n: usize, pause: Duration) -> usize {
    let (url, accepted) = stand_in(after).await;
    let client = client(&url);
    for i in 0..n {
        assert_eq!(client.get_item(&key(i), opts![]).await.unwrap(), None);
        tokio::time::sleep(pause).await;
    }
    accepted.load(Ordering::SeqCst)
}

/// The first get fails with a Transport error whose message contains
/// `says`; the second must succeed on a new connection.
async fn first_fails_then_a_new_connection_serves(after: After, timeout: Duration, says: &str) {
    let (url, accepted) = stand_in(after).await;
    let client = client_builder(&url).timeout(timeout).build().unwrap();
    let e = client.get_item(&key(0), opts![]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert!(e.message().contains(says), "{}", e.message());
    assert_eq!(client.get_item(&key(1), opts![]).await.unwrap(), None);
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn one_kept_alive_connection_serves_request_after_request() {
    assert_eq!(
        connections_for_gets(After::KeepAlive, 5, Duration::ZERO).await,
        1
    );
}

#[tokio::test]
async fn a_connection_the_server_closed_while_idle_is_replaced() {
    // The pause gives the server's FIN time to arrive before the next get.
    let pause = Duration::from_millis(50);
    assert_eq!(connections_for_gets(After::Hangs, 3, pause).await, 3);
}

#[tokio::test]
async fn an_answer_saying_connection_close_ends_its_connection() {
    // No pause: the client must not wait for the server to hang up.
    assert_eq!(
        connections_for_gets(After::SaysClose, 3, Duration::ZERO).await,
        3
    );
}

#[tokio::test]
async fn concurrent_requests_open_one_connection_each_and_reuse_them() {
    let (url, accepted) = stand_in(After::KeepAlive).await;
    let client = client(&url);
    let keys: Vec<Note> = (0..8).map(key).collect();
    for _ in 0..3 {
        let gets = keys.iter().map(|k| client.get_item(k, opts![]));
        for got in futures_util::future::join_all(gets).await {
            assert_eq!(got.unwrap(), None);
        }
    }
    // Eight at once need eight connections; the later rounds reuse them.
    assert_eq!(accepted.load(Ordering::SeqCst), 8);
}

#[tokio::test]
async fn a_connection_left_without_its_answer_is_not_reused() {
    let timeout = Duration::from_millis(300);
    let says = "no answer within 300 ms";
    first_fails_then_a_new_connection_serves(After::FirstNeverAnswers, timeout, says).await;
}

/// A timeout the retry deadline cut short says so (it named the request
/// timeout, which was ten seconds).
#[tokio::test]
async fn a_timeout_cut_by_the_deadline_says_so() {
    let (url, _) = stand_in(After::FirstNeverAnswers).await;
    let client = client_builder(&url)
        .timeout(Duration::from_secs(10))
        .retry(
            dynamo::RetryPolicy::default()
                .max_attempts(1)
                .deadline(Duration::from_millis(300)),
        )
        .build()
        .unwrap();
    let e = client.get_item(&key(0), opts![]).await.unwrap_err();
    assert_eq!(e.kind(), dynamo::ErrorKind::Transport, "{e}");
    assert!(
        e.message()
            .contains("what the retry deadline left of the request timeout")
            && !e.message().contains("(the request timeout"),
        "{e}"
    );
}

#[tokio::test]
async fn an_answer_too_large_is_refused_and_its_connection_dropped() {
    let says = "larger than 33554432 bytes";
    let timeout = Duration::from_secs(10);
    first_fails_then_a_new_connection_serves(After::FirstTooLarge, timeout, says).await;
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout_without_another_request() {
    let (url, accepted, ended) = stand_in_counting_ends(After::KeepAlive).await;
    let idle = Duration::from_millis(200);
    let client = client_builder(&url).idle_timeout(idle).build().unwrap();
    assert_eq!(client.idle_timeout(), idle);
    for i in 0..3 {
        assert_eq!(client.get_item(&key(i), opts![]).await.unwrap(), None);
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "kept alive meanwhile");
    // No further request: the pool itself must close the connection.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while ended.load(Ordering::SeqCst) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the idle connection is still open 5 s after a 200 ms idle timeout"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // And the next request opens a new one.
    assert_eq!(client.get_item(&key(9), opts![]).await.unwrap(), None);
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_idle_timeout_of_zero_keeps_no_connection() {
    let (url, accepted) = stand_in(After::KeepAlive).await;
    let client = client_builder(&url)
        .idle_timeout(Duration::ZERO)
        .build()
        .unwrap();
    for i in 0..3 {
        assert_eq!(client.get_item(&key(i), opts![]).await.unwrap(), None);
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

/// The reaper that closes idle connections holds no client alive and
/// outlives no client: once the client is dropped, every task it started
/// ends at once (long before the reaper's next tick, 5 s with the default
/// idle timeout).
#[cfg(feature = "rusoto")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_client_leaves_no_task_behind() {
    let (url, _) = stand_in(After::KeepAlive).await;
    let tasks = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let before = tasks();
    let client = client(&url);
    client.get_item(&key(0), opts![]).await.unwrap();
    // The pool's sentinel and, with a connection idle, its reaper.
    assert_eq!(tasks(), before + 2);
    drop(client);
    for _ in 0..100 {
        if tasks() == before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "{} tasks alive a second after the client was dropped, {before} before it",
        tasks()
    );
}

/// On the rusoto backend the request that uses a connection drives it:
/// idle pooled connections cost no task (`hyper::Client` kept one task per
/// connection).
#[cfg(feature = "rusoto")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pooled_connections_run_no_task_of_their_own() {
    let (url, accepted) = stand_in(After::KeepAlive).await;
    let client = client(&url);
    assert_eq!(client.backend(), Some(dynamo::Backend::Rusoto));
    // The first request sets the runtime's pool up (one sentinel task).
    client.get_item(&key(0), opts![]).await.unwrap();
    let tasks = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let before = tasks();
    let gets = (0..16).map(|i| {
        let client = client.clone();
        tokio::spawn(async move { client.get_item(&key(i), opts![]).await })
    });
    for got in futures_util::future::join_all(gets).await {
        assert_eq!(got.unwrap().unwrap(), None);
    }
    assert!(accepted.load(Ordering::SeqCst) > 1, "several connections");
    // Spawned tasks are counted until they are dropped, a moment after
    // they finish.
    for _ in 0..100 {
        if tasks() == before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{} tasks alive, {before} before the requests", tasks());
}

/// A streamed page whose third item is no DynamoDB item (an unknown type
/// tag): every stream yields the two items before it, then a Decode error
/// naming the operation, then nothing. The page is not lost as a whole,
/// and the fourth item is not handed out past the error.
#[tokio::test]
async fn a_streamed_page_yields_the_items_before_one_that_does_not_parse_then_its_error() {
    const PAGE: &str = r#"{"Items":[{"id":{"S":"n1"}},{"id":{"S":"n2"}},{"id":{"Q":"n3"}},
        {"id":{"S":"n4"}}],"Count":4,"ScannedCount":4}"#;
    let (url, _) = stand_in(After::Answers(PAGE)).await;
    let client = client(&url);
    let streams: [(&str, &str, BoxStream<'static, dynamo::Result<Note>>); 3] = [
        ("scan", "Scan", client.scan_stream::<Note>(opts![]).boxed()),
        (
            "parallel_scan",
            "Scan",
            client
                .parallel_scan_stream::<Note>(opts![segments: 1])
                .boxed(),
        ),
        (
            "query",
            "Query",
            client.query_stream(&key(1), opts![]).boxed(),
        ),
    ];
    for (name, op, mut s) in streams {
        let mut got = Vec::new();
        let err = loop {
            match s.next().await.expect("the stream ends with the error") {
                Ok(n) => got.push(n.id),
                Err(e) => break e,
            }
        };
        assert_eq!(got, ["n1", "n2"], "{name}: the items before the bad one");
        assert_eq!(err.kind(), ErrorKind::Decode, "{name}: {err}");
        assert!(
            err.message()
                .starts_with(&format!("{op}: cannot parse an item of DynamoDB's answer")),
            "{name}: {err}"
        );
        assert!(s.next().await.is_none(), "{name}: nothing after the error");
    }
}
