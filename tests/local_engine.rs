//! The local engine itself: engines are separate databases, a dropped engine
//! frees its port, an engine outlives the runtimes that use it.

use std::net::{Ipv4Addr, TcpListener, TcpStream};

use dynamo::local::LocalDynamo;
use dynamo::prelude::*;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Note {
        table_name "notes";
        field :id: String, partition_key;
        field :text: String;
    }
}

#[tokio::test]
async fn two_engines_are_separate_databases() {
    let a = LocalDynamo::start().await.unwrap();
    let b = LocalDynamo::start().await.unwrap();
    assert_ne!(a.endpoint(), b.endpoint());
    let (ca, cb) = (a.client(), b.client());

    ca.create_table::<Note>().await.unwrap();
    ca.put_item(
        item!(Note {
            id: "n1",
            text: "in a"
        }),
        opts![],
    )
    .await
    .unwrap();

    // b has no such table at all, and its own table starts empty.
    let e = cb
        .get_item(&item!(Note { id: "n1" }), opts![])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResourceNotFound);
    assert!(
        cb.list_tables(None, None, None)
            .await
            .unwrap()
            .table_names
            .is_empty()
    );
    cb.create_table::<Note>().await.unwrap();
    assert_eq!(
        cb.get_item(&item!(Note { id: "n1" }), opts![])
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        ca.get_item(&item!(Note { id: "n1" }), opts![])
            .await
            .unwrap()
            .unwrap()
            .text,
        "in a"
    );
}

#[tokio::test]
async fn the_port_is_free_after_drop() {
    let local = LocalDynamo::start().await.unwrap();
    let port = local.port();
    assert!(local.addr().ip().is_loopback());
    assert_eq!(local.endpoint(), format!("http://127.0.0.1:{port}"));
    // Use it, so the client holds pooled connections to it.
    let client = local.client();
    client.create_table::<Note>().await.unwrap();
    client
        .put_item(
            item!(Note {
                id: "n1",
                text: "x"
            }),
            opts![],
        )
        .await
        .unwrap();
    assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok());

    drop(local);

    // Nothing listens any more, and the port can be bound again.
    assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err());
    let again = TcpListener::bind((Ipv4Addr::LOCALHOST, port));
    assert!(again.is_ok(), "port {port} still taken: {again:?}");
    drop(again);
    // A request to the stopped engine is a transport error, not a hang.
    let e = client
        .with_retry(dynamo::RetryPolicy::none())
        .get_item(&item!(Note { id: "n1" }), opts![])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
}

#[test]
fn an_engine_serves_every_runtime_that_uses_it() {
    // Started outside any runtime; used from two runtimes in turn.
    let local = LocalDynamo::start_blocking().unwrap();
    let client = local.client();
    for (round, flavour) in ["current_thread", "multi_thread"].into_iter().enumerate() {
        let rt = if flavour == "current_thread" {
            tokio::runtime::Builder::new_current_thread()
        } else {
            tokio::runtime::Builder::new_multi_thread()
        }
        .enable_all()
        .build()
        .unwrap();
        rt.block_on(async {
            if round == 0 {
                client.create_table::<Note>().await.unwrap();
            }
            let n = item!(Note {
                id: format!("n{round}"),
                text: flavour
            });
            client.put_item(n.clone(), opts![]).await.unwrap();
            assert_eq!(client.get_item(&n, opts![]).await.unwrap(), Some(n));
        });
    }
}

#[tokio::test]
async fn a_chosen_port_and_a_taken_one() {
    let first = LocalDynamo::start().await.unwrap();
    let e = LocalDynamo::builder()
        .port(first.port())
        .start()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert!(
        e.message().contains(&format!("127.0.0.1:{}", first.port())),
        "{}",
        e.message()
    );
}

#[tokio::test]
async fn scope_makes_a_client_the_default_for_one_task() {
    let a = LocalDynamo::start().await.unwrap();
    let b = LocalDynamo::start().await.unwrap();
    a.client()
        .scope(async {
            Note::create_table().await.unwrap();
            Note::put_item(item!(Note {
                id: "n1",
                text: "a"
            }))
            .await
            .unwrap();
        })
        .await;
    b.client()
        .scope(async {
            let e = Note::get_item(&item!(Note { id: "n1" })).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ResourceNotFound);
        })
        .await;
    let found = a
        .client()
        .scope(async { Note::get_item(&item!(Note { id: "n1" })).await })
        .await
        .unwrap();
    assert_eq!(found.unwrap().text, "a");
}

#[tokio::test]
async fn the_suite_runs_on_the_backend_the_features_choose() {
    let local = LocalDynamo::start().await.unwrap();
    let backend = local.client().backend();
    eprintln!("backend in use: {backend:?}");
    #[cfg(feature = "rusoto")]
    assert_eq!(backend, Some(dynamo::Backend::Rusoto));
    #[cfg(all(feature = "aws", not(feature = "rusoto")))]
    assert_eq!(backend, Some(dynamo::Backend::Aws));
    // Whichever it is, it works.
    local.client().create_table::<Note>().await.unwrap();
}

/// The names of this process's threads (Linux: `/proc/self/task/*/comm`).
#[cfg(target_os = "linux")]
fn thread_names() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|n| n.trim().to_owned())
        .collect()
}

/// How many of this process's threads are called `name`, once that count
/// is `want` (a new thread takes its name a moment after it starts) or
/// five seconds have passed.
#[cfg(target_os = "linux")]
fn threads_named(name: &str, want: usize) -> usize {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let n = thread_names().iter().filter(|n| *n == name).count();
        if n == want || std::time::Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_engine_with_threads_serves_requests_in_parallel_threads() {
    let local = LocalDynamo::builder().threads(3).start().unwrap();
    let name = format!("dynamo-w{}", local.port());
    assert_eq!(threads_named(&name, 3), 3, "{name}: {:?}", thread_names());

    let client = local.client();
    client.create_table::<Note>().await.unwrap();
    let writes = (0..64).map(|i| {
        let client = client.clone();
        tokio::spawn(async move {
            let n = Note {
                id: format!("n{i}"),
                text: format!("note {i}"),
            };
            client.put_item(n.clone(), opts![]).await.unwrap();
            assert_eq!(client.get_item(&n, opts![]).await.unwrap(), Some(n));
        })
    });
    for w in writes.collect::<Vec<_>>() {
        w.await.unwrap();
    }
    drop(local);
    assert_eq!(threads_named(&name, 0), 0, "{name}: {:?}", thread_names());
}

#[tokio::test]
async fn zero_threads_is_refused_by_name() {
    let e = LocalDynamo::builder().threads(0).start().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ValidationError);
    assert!(e.message().contains("threads"), "{}", e.message());
    // So is a count no machine has (it went to tokio, which tried to start
    // them all).
    let e = LocalDynamo::builder()
        .threads(usize::MAX)
        .start()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ValidationError);
    assert_eq!(e.field(), Some("threads"));
    assert!(e.message().contains("1 to 4096"), "{}", e.message());
}
