//! The crate under faults: throttling, 5xx, dropped connections, slow
//! answers, partial batches, a killed server — through the fault-injecting
//! proxy in `tests/support/proxy.rs`, in front of DynamoDB Local.
//!
//! Every test is seeded (the proxy's RNG) and bounded in time; the only timed
//! assertions are generous upper bounds on "does not hang". Each prints a
//! `FIGURES` line (requests, faults, items lost, duplicates) that
//! `docs/reliability.md` reports.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dynamo::RetryPolicy;
use dynamo::local::proxy::{Fault, Faults, Stats};
use dynamo::prelude::*;
use futures_util::{StreamExt, TryStreamExt, stream};
use support::isolated;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Reading {
        table_name "readings";
        field :device: String, partition_key;
        field :seq: i64, sort_key;
        field :payload: String;
        field :value: f64;
        field :tags: Vec<String>;
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Account {
        table_name "accounts";
        field :id: String, partition_key;
        field :count: i64;
        field :note: Option<String>;
    }
}

dynamo_item! {
    /// No sort key, and a field of its own named like the sort key
    /// attribute.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Flat {
        table_name "flat";
        field :id: String, partition_key;
        field :sk: String;
    }
}

/// Reading number `i`, with content derived from `i` so it can be checked.
fn reading(i: usize) -> Reading {
    item!(Reading {
        device: format!("dev-{:03}", i % 100),
        seq: i as i64,
        payload: format!("payload {i} {}", "x".repeat(i % 37)),
        value: i as f64 * 0.5,
        tags: vec![format!("t{}", i % 7), format!("u{}", i % 11)],
    })
}

/// Fast retries: 20 attempts, 1 ms base, 50 ms cap.
fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(50))
        .max_attempts(20)
}

/// Checks that the table holds exactly readings `0..n` with the right
/// content, read with a direct client (not through the proxy). Returns
/// (lost, duplicates, wrong content).
async fn verify_readings(n: usize) -> (usize, usize, usize) {
    let direct = support::client();
    let all: Vec<Reading> = direct
        .parallel_scan(opts![segments: 8])
        .await
        .expect("direct scan");
    tally(n, all)
}

/// (lost, duplicates, wrong content) of `items` against readings `0..n`.
fn tally(n: usize, items: Vec<Reading>) -> (usize, usize, usize) {
    let mut seen: HashMap<i64, usize> = HashMap::with_capacity(n);
    let mut wrong = 0;
    for r in items {
        let i = r.seq as usize;
        if i >= n || r != reading(i) {
            wrong += 1;
        }
        *seen.entry(r.seq).or_default() += 1;
    }
    let lost = (0..n as i64).filter(|i| !seen.contains_key(i)).count();
    let duplicates = seen.values().map(|c| c.saturating_sub(1)).sum();
    (lost, duplicates, wrong)
}

fn figures(test: &str, stats: &Stats, extra: &str) {
    eprintln!("FIGURES {test}: {stats}; {extra}");
}

/// 10,000 `put_item`s at 20 % throttling, 5 % 5xx and 2 % dropped
/// connections (before and after the server): every item present with the
/// right content.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_puts_under_faults() {
    const N: usize = 10_000;
    isolated(async {
        support::client().create_table::<Reading>().await.unwrap();
        let proxy = support::proxy(0x5EED_0001);
        proxy.set_op_faults("PutItem", Faults::mix(0.20, 0.05, 0.02));
        let client = support::proxy_client(&proxy, fast_retry(), Duration::from_secs(5));
        let started = Instant::now();
        let results: Vec<dynamo::Result<Reading>> = stream::iter(0..N)
            .map(|i| {
                let client = client.clone();
                async move { client.put_item(reading(i), opts![]).await }
            })
            .buffer_unordered(32)
            .collect()
            .await;
        let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(
            failed.is_empty(),
            "{} puts failed, first: {:?}",
            failed.len(),
            failed.first()
        );
        let stats = proxy.stats();
        let (lost, dups, wrong) = verify_readings(N).await;
        figures(
            "ten_thousand_puts_under_faults",
            &stats,
            &format!(
                "items {N} lost {lost} duplicates {dups} wrong {wrong} in {:.1} s",
                started.elapsed().as_secs_f64()
            ),
        );
        assert_eq!((lost, dups, wrong), (0, 0, 0));
        assert!(stats.op("PutItem") >= N as u64);
        // Every request reached the proxy once per attempt; it forwarded
        // all but those it answered itself (throttling, 5xx, dropped before
        // the server): each put once, plus once more per answer lost after
        // the server applied it.
        let answered_by_proxy = stats.fault(Fault::ThroughputExceeded)
            + stats.fault(Fault::Throttling)
            + stats.fault(Fault::Http500)
            + stats.fault(Fault::Http503)
            + stats.fault(Fault::DropBefore);
        assert_eq!(stats.op("PutItem"), N as u64 + stats.faults_total());
        assert_eq!(
            stats.forwarded_op("PutItem"),
            stats.op("PutItem") - answered_by_proxy
        );
        assert_eq!(
            stats.forwarded_op("PutItem"),
            N as u64 + stats.fault(Fault::DropAfter)
        );
        // Roughly the configured rates (seeded, so this is stable).
        let faults = stats.faults_total() as f64 / stats.op("PutItem") as f64;
        assert!((0.22..0.32).contains(&faults), "fault share {faults}");
        for f in [
            Fault::ThroughputExceeded,
            Fault::Throttling,
            Fault::Http500,
            Fault::Http503,
            Fault::DropBefore,
            Fault::DropAfter,
        ] {
            assert!(stats.fault(f) > 0, "no {f:?} injected");
        }
    })
    .await;
}

/// A transaction whose answer is lost (connection dropped after the server
/// applied it) is retried with the same client request token and applied
/// exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_retried_after_drop_applies_once() {
    const TXS: usize = 20;
    isolated(async {
        let direct = support::client();
        direct.create_table::<Account>().await.unwrap();
        direct
            .put_item(
                item!(Account {
                    id: "acc",
                    count: 0
                }),
                opts![],
            )
            .await
            .unwrap();
        let proxy = support::proxy(0x5EED_0004);
        let client = support::proxy_client(&proxy, fast_retry(), Duration::from_secs(5));
        for _ in 0..TXS {
            proxy.script("TransactWriteItems", [Fault::DropAfter]);
            client
                .transact(vec![Tx::update(
                    &item!(Account { id: "acc" }),
                    updates! { count: {:increment, 1} },
                )])
                .await
                .expect("transaction retried after a dropped connection");
        }
        let stats = proxy.stats();
        let got = direct
            .get_item(&item!(Account { id: "acc" }), opts![consistent_read: true])
            .await
            .unwrap()
            .unwrap();
        figures(
            "transaction_retried_after_drop_applies_once",
            &stats,
            &format!("transactions {TXS} counter {} (expected {TXS})", got.count),
        );
        assert_eq!(stats.op("TransactWriteItems"), 2 * TXS as u64);
        for pair in stats.tokens.chunks(2) {
            assert_eq!(
                pair[0], pair[1],
                "a retry must reuse the client request token"
            );
            assert!(!pair[0].is_empty());
        }
        let distinct: std::collections::BTreeSet<_> = stats.tokens.iter().collect();
        assert_eq!(distinct.len(), TXS, "each transaction has its own token");
        assert_eq!(
            got.count, TXS as i64,
            "each transaction applied exactly once"
        );
    })
    .await;
}

/// Batch writes of 10,000 items with 30 % of every batch handed back
/// unprocessed (plus throttling and drops on the batch calls themselves):
/// all present. Then a batch get of the 10,000 keys with 30 % of the keys
/// handed back: every item found once, no key left over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_batch_writes_with_unprocessed() {
    const N: usize = 10_000;
    isolated(async {
        support::client().create_table::<Reading>().await.unwrap();
        let proxy = support::proxy(0x5EED_0002);
        let batch_faults = Faults::mix(0.05, 0.02, 0.02).unprocessed(0.30);
        proxy.set_op_faults("BatchWriteItem", batch_faults.clone());
        proxy.set_op_faults("BatchGetItem", batch_faults);
        let client = support::proxy_client(&proxy, fast_retry(), Duration::from_secs(5));
        let started = Instant::now();
        let items: Vec<Reading> = (0..N).map(reading).collect();
        let out = client.batch_write_item(items, opts![]).await.unwrap();
        assert_eq!(out.processed_items, N);
        assert!(
            out.unprocessed_items.is_empty(),
            "{} items left unprocessed",
            out.unprocessed_items.len()
        );
        let write_stats = proxy.stats();
        assert!(write_stats.unprocessed_entries > (N as u64) * 3 / 10);

        let keys: Vec<Reading> = (0..N)
            .map(|i| {
                item!(Reading {
                    device: format!("dev-{:03}", i % 100),
                    seq: i as i64
                })
            })
            .collect();
        let got = client.batch_get_item(&keys, opts![]).await.unwrap();
        assert!(got.unprocessed_keys.is_empty(), "keys left over");
        let (get_lost, get_dups, get_wrong) = tally(N, got.items);
        let stats = proxy.stats();
        let (lost, dups, wrong) = verify_readings(N).await;
        figures(
            "ten_thousand_batch_writes_with_unprocessed",
            &stats,
            &format!(
                "BatchWriteItem calls {} with {} entries handed back; items {N} lost {lost} duplicates {dups} wrong {wrong}; \
                 batch get through the proxy: BatchGetItem calls {} lost {get_lost} duplicates {get_dups} wrong {get_wrong}; {:.1} s",
                stats.op("BatchWriteItem"),
                write_stats.unprocessed_entries,
                stats.op("BatchGetItem"),
                started.elapsed().as_secs_f64()
            ),
        );
        assert_eq!((lost, dups, wrong), (0, 0, 0));
        assert_eq!((get_lost, get_dups, get_wrong), (0, 0, 0));
        assert!(stats.unprocessed_entries > write_stats.unprocessed_entries);
    })
    .await;
}

/// Leftovers of a schema without a sort key whose own field is named like
/// the sort key attribute: each is matched to what was sent and sent
/// again (they matched nothing, and were counted as written).
#[tokio::test]
async fn unprocessed_writes_of_a_hash_only_schema_with_an_sk_field() {
    const N: usize = 100;
    isolated(async {
        support::client().create_table::<Flat>().await.unwrap();
        let proxy = support::proxy(0x5EED_0071);
        proxy.set_op_faults("BatchWriteItem", Faults::none().unprocessed(0.5));
        let client = support::proxy_client(&proxy, fast_retry(), Duration::from_secs(5));
        let items: Vec<Flat> = (0..N)
            .map(|i| {
                item!(Flat {
                    id: format!("f{i:03}"),
                    sk: format!("own {i}")
                })
            })
            .collect();
        let out = client.batch_write_item(items, opts![]).await.unwrap();
        assert!(proxy.stats().unprocessed_entries > 0);
        assert_eq!(out.processed_items, N);
        assert!(out.unprocessed_items.is_empty());
        let stored: Vec<Flat> = support::client().scan::<Flat>(opts![]).await.unwrap().items;
        assert_eq!(stored.len(), N, "every item written");
        assert!(
            stored
                .iter()
                .all(|f| f.sk == format!("own {}", &f.id[1..].parse::<usize>().unwrap()))
        );
    })
    .await;
}

/// Writes readings `0..n` with a direct client.
async fn seed_readings(n: usize) {
    let out = support::client()
        .batch_write_item((0..n).map(reading).collect::<Vec<_>>(), opts![])
        .await
        .unwrap();
    assert!(out.unprocessed_items.is_empty());
}

/// A parallel stream scan (8 segments, small pages) under throttling, 5xx,
/// dropped connections and slow answers: every item exactly once. The same
/// for the sequential stream and `parallel_scan`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_stream_scan_under_faults() {
    const N: usize = 3_000;
    isolated(async {
        support::client().create_table::<Reading>().await.unwrap();
        seed_readings(N).await;
        let proxy = support::proxy(0x5EED_0003);
        proxy.set_op_faults(
            "Scan",
            Faults::mix(0.20, 0.05, 0.04).with(Fault::Slow, 0.02),
        );
        proxy.set_slow_delay(Duration::from_millis(1_500));
        let client = support::proxy_client(&proxy, fast_retry(), Duration::from_millis(1_000));
        let started = Instant::now();

        let items: Vec<Reading> = client
            .parallel_scan_stream(opts![segments: 8, page_size: 50])
            .try_collect()
            .await
            .expect("parallel stream scan under faults");
        let parallel = tally(N, items);
        let after_parallel = proxy.stats();

        let items: Vec<Reading> = client
            .scan_stream(opts![page_size: 100])
            .try_collect()
            .await
            .expect("sequential stream scan under faults");
        let sequential = tally(N, items);

        let items: Vec<Reading> = client
            .parallel_scan(opts![segments: 5, page_size: 70])
            .await
            .expect("parallel_scan under faults");
        let collected = tally(N, items);

        let stats = proxy.stats();
        figures(
            "parallel_stream_scan_under_faults",
            &stats,
            &format!(
                "items {N}; (lost, duplicates, wrong): parallel stream {parallel:?} \
                 (Scan calls {}), sequential stream {sequential:?}, parallel_scan {collected:?}; {:.1} s",
                after_parallel.op("Scan"),
                started.elapsed().as_secs_f64()
            ),
        );
        assert_eq!(parallel, (0, 0, 0));
        assert_eq!(sequential, (0, 0, 0));
        assert_eq!(collected, (0, 0, 0));
        assert!(stats.fault(Fault::Slow) > 0, "no slow answer injected");
        assert!(stats.fault(Fault::DropAfter) > 0);
    })
    .await;
}

/// The server "killed" in the middle of a stream: the stream yields a typed
/// `Transport` error (with the attempt count) and ends — no hang. Then the
/// same with a server that accepts requests and never answers: the error
/// comes after the client's timeout × attempts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_mid_stream_ends_with_transport_error() {
    const N: usize = 1_000;
    isolated(async {
        support::client().create_table::<Reading>().await.unwrap();
        seed_readings(N).await;
        let attempts = 4;
        let timeout = Duration::from_millis(500);
        let retry = RetryPolicy::default()
            .base_delay(Duration::from_millis(5))
            .max_delay(Duration::from_millis(50))
            .max_attempts(attempts);
        // Upper bound: every attempt times out, plus backoffs, plus slack.
        let bound = timeout * attempts + Duration::from_secs(5);

        for (case, hang) in [("killed", false), ("hanging", true)] {
            for parallel in [false, true] {
                let proxy = support::proxy(0x5EED_0005);
                let client = support::proxy_client(&proxy, retry.clone(), timeout);
                let mut s = if parallel {
                    client
                        .parallel_scan_stream::<Reading>(opts![segments: 4, page_size: 50])
                        .boxed()
                } else {
                    client.scan_stream::<Reading>(opts![page_size: 50]).boxed()
                };
                let mut before = 0;
                while before < 200 {
                    s.next().await.expect("items before the failure").unwrap();
                    before += 1;
                }
                if hang {
                    proxy.set_hang(true);
                } else {
                    proxy.kill();
                }
                let failed_at = Instant::now();
                let outcome = tokio::time::timeout(bound * 2, async {
                    let mut after = 0;
                    loop {
                        match s.next().await {
                            Some(Ok(_)) => after += 1,
                            Some(Err(e)) => return (after, Some(e)),
                            None => return (after, None),
                        }
                    }
                })
                .await
                .unwrap_or_else(|_| panic!("{case} server: the stream hung"));
                let took = failed_at.elapsed();
                let (after, err) = outcome;
                let err = err.unwrap_or_else(|| {
                    panic!("{case} server: stream ended without an error after {after} more items")
                });
                eprintln!(
                    "FIGURES server_{case}_mid_stream (parallel: {parallel}): {} items then {:?} after {} ms: {}",
                    before + after,
                    err.kind(),
                    took.as_millis(),
                    err
                );
                assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
                assert_eq!(err.attempts(), attempts, "{err:?}");
                assert!(err.message().contains(&format!("{attempts} attempts")), "{err}");
                if hang {
                    assert!(err.message().contains("no answer within"), "{err}");
                }
                assert!(took < bound, "{case}: the error took {took:?}, bound {bound:?}");
                assert!(before + after < N, "the stream cannot have finished");
                // After the error the stream is over.
                let next = tokio::time::timeout(Duration::from_secs(5), s.next())
                    .await
                    .expect("the stream ends after its error");
                assert!(next.is_none(), "nothing follows the error");
                proxy.kill();
            }
        }
    })
    .await;
}

/// Retries exhausted: the typed error of the last answer, with the attempt
/// count in its message; the proxy saw exactly that many requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_exhausted_give_the_typed_error_with_attempts() {
    isolated(async {
        support::client().create_table::<Account>().await.unwrap();
        let cases = [
            (Fault::Throttling, ErrorKind::Throttling, 5u32),
            (
                Fault::ThroughputExceeded,
                ErrorKind::ProvisionedThroughputExceeded,
                7,
            ),
            (Fault::Http500, ErrorKind::InternalServerError, 3),
            (Fault::Http503, ErrorKind::ServiceUnavailable, 4),
            (Fault::DropBefore, ErrorKind::Transport, 3),
            (Fault::DropAfter, ErrorKind::Transport, 2),
            (Fault::Slow, ErrorKind::Transport, 2),
        ];
        for (i, (fault, kind, attempts)) in cases.into_iter().enumerate() {
            let proxy = support::proxy(0x5EED_0006 + i as u64);
            proxy.set_faults(Faults::none().with(fault, 1.0));
            proxy.set_slow_delay(Duration::from_millis(600));
            let retry = RetryPolicy::default()
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(20))
                .max_attempts(attempts);
            let client = support::proxy_client(&proxy, retry, Duration::from_millis(300));
            let started = Instant::now();
            let err = client
                .put_item(
                    item!(Account {
                        id: format!("a{i}"),
                        count: 1
                    }),
                    opts![],
                )
                .await
                .expect_err("every attempt fails");
            let stats = proxy.stats();
            eprintln!(
                "FIGURES retries_exhausted {fault:?}: {} requests, {:?} in {} ms: {err}",
                stats.received,
                err.kind(),
                started.elapsed().as_millis()
            );
            assert_eq!(err.kind(), kind, "{err:?}");
            assert_eq!(err.attempts(), attempts, "{err:?}");
            if fault == Fault::Slow {
                // The message docs/reliability.md quotes.
                assert!(
                    err.message()
                        .starts_with("no answer within 300 ms (the request timeout;"),
                    "{err}"
                );
            }
            assert!(
                err.message().contains(&format!("{attempts} attempts")),
                "{err}"
            );
            assert_eq!(err.operation(), Some("PutItem"));
            assert_eq!(stats.op("PutItem"), u64::from(attempts));
            assert_eq!(stats.fault(fault), u64::from(attempts));
            assert!(started.elapsed() < Duration::from_secs(20));
        }
        // A non-retryable error is not retried: one request.
        let proxy = support::proxy(0x5EED_0010);
        let client = support::proxy_client(&proxy, fast_retry(), Duration::from_secs(5));
        let err = client
            .put_item(
                item!(Account {
                    id: "cond",
                    count: 1
                }),
                opts![condition_expression: "attribute_exists(id)"],
            )
            .await
            .expect_err("condition fails");
        assert_eq!(err.kind(), ErrorKind::ConditionalCheckFailed);
        assert_eq!(err.attempts(), 1);
        assert_eq!(proxy.stats().received, 1);
    })
    .await;
}

/// `Debug` of clients, builders and errors, and the request log, never show
/// the secret key or the session token — also when requests fail and are
/// retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_never_in_debug_or_logs() {
    const KEY: &str = "AKIDLOGTEST";
    const SECRET: &str = "wJalrXUtnFEMIsecretK7MDENGbPxRfiCY";
    const TOKEN: &str = "IQoJb3JpZ2luX2VjSESSIONTOKENxyz0123456789";
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    dynamo::logger::set_sink(move |l: &str| sink.lock().unwrap().push(l.to_owned()));
    dynamo::logger::enable();
    let proxy = support::proxy(0x5EED_0020);
    proxy.script("CreateTable", [Fault::Throttling, Fault::DropAfter]);
    proxy.script("PutItem", [Fault::Http500]);
    proxy.script("GetItem", [Fault::Slow]);
    proxy.set_slow_delay(Duration::from_millis(800));
    let builder = dynamo::Client::builder()
        .endpoint(proxy.url())
        .region("us-east-1")
        .session_credentials(KEY, SECRET, TOKEN)
        .retry(fast_retry())
        .timeout(Duration::from_millis(500));
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    let mut shown = vec![builder_debug, format!("{client:?}"), format!("{client:#?}")];
    isolated(async {
        client.create_table_if_missing::<Account>().await.unwrap();
        client
            .put_item(item!(Account { id: "s", count: 1 }), opts![])
            .await
            .unwrap();
        client
            .get_item(&item!(Account { id: "s" }), opts![])
            .await
            .unwrap();
        let err = client
            .put_item(
                item!(Account { id: "s", count: 2 }),
                opts![condition_expression: "attribute_not_exists(id)"],
            )
            .await
            .unwrap_err();
        shown.push(format!("{err:?}"));
        shown.push(format!("{err}"));
        let bad = client.with_retry(RetryPolicy::none());
        proxy.script("PutItem", [Fault::DropBefore]);
        let err = bad
            .put_item(item!(Account { id: "t", count: 2 }), opts![])
            .await
            .unwrap_err();
        shown.push(format!("{err:?}"));
        shown.push(format!("{bad:?}"));
    })
    .await;
    dynamo::logger::disable();
    dynamo::logger::reset_sink();
    let stats = proxy.stats();
    // The token really was in use: every request carried it.
    assert_eq!(stats.with_session_token, stats.received);
    assert!(stats.received >= 8, "{stats}");
    let logged = lines.lock().unwrap().clone();
    assert!(logged.len() >= 8, "{} log lines", logged.len());
    assert!(
        logged.iter().any(|l| l.contains("\"error\"")),
        "failed attempts are logged"
    );
    shown.extend(logged);
    for text in &shown {
        assert!(!text.contains(SECRET), "secret key shown: {text}");
        assert!(!text.contains(TOKEN), "session token shown: {text}");
        assert!(!text.contains("Signature="), "signature shown: {text}");
    }
    eprintln!(
        "FIGURES credentials_never_in_debug_or_logs: {} Debug/Display/log texts checked, {} requests with a session token",
        shown.len(),
        stats.with_session_token
    );
}

/// An increment whose answer is lost after the server applied it: the
/// client retries, and DynamoDB applies the increment again — update
/// expressions are not idempotent, as `docs/reliability.md` says. The two
/// documented ways out, checked here too: a condition on the value the
/// writer read turns the retry into a `ConditionalCheckFailed`, and a
/// transaction with a client request token applies once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_to_an_increment_applies_it_twice() {
    isolated(async {
        support::client().create_table::<Account>().await.unwrap();
        let proxy = support::proxy(0x5EED_0030);
        let client = support::proxy_client(&proxy, fast_retry(), Duration::from_secs(5));
        let key = item!(Account { id: "counter" });

        proxy.script("UpdateItem", [Fault::DropAfter]);
        let after = client
            .update_item(&key, updates! { count: {:increment, 1} }, opts![])
            .await
            .unwrap();
        let stats = proxy.stats();
        assert_eq!(stats.op("UpdateItem"), 2, "{stats}");
        assert_eq!(stats.forwarded_op("UpdateItem"), 2, "both reached the server");
        // The documented outcome: applied twice.
        assert_eq!(after.count, 2);
        let stored = support::client().get_item(&key, opts![]).await.unwrap().unwrap();
        assert_eq!(stored.count, 2);

        // With a condition on what the writer read, the retry is refused.
        proxy.script("UpdateItem", [Fault::DropAfter]);
        let err = client
            .update_item(
                &key,
                updates! { count: {:increment, 1} },
                opts![condition_expression: "#c = :seen", expression_attribute_names: {"#c" => "count"}, expression_attribute_values: {":seen" => 2}],
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConditionalCheckFailed, "{err}");
        let stored = support::client().get_item(&key, opts![]).await.unwrap().unwrap();
        assert_eq!(stored.count, 3, "applied once; the retry was refused");

        // In a transaction, the retry carries the same token: applied once.
        proxy.script("TransactWriteItems", [Fault::DropAfter]);
        client
            .transact(vec![Tx::update(&key, updates! { count: {:increment, 1} })])
            .await
            .unwrap();
        let stored = support::client().get_item(&key, opts![]).await.unwrap().unwrap();
        assert_eq!(stored.count, 4);
        figures(
            "a_lost_answer_to_an_increment_applies_it_twice",
            &proxy.stats(),
            "plain increment applied 2 times; conditional 1; transaction 1",
        );
    })
    .await;
}

/// An answer larger than any DynamoDB sends (a broken proxy, a wrong
/// endpoint) is refused as a `Transport` error rather than read into memory
/// without bound — whether it announces its length or streams without one —
/// and not retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_larger_than_dynamodb_sends_is_refused() {
    use std::io::{Read, Write};
    for chunked in [false, true] {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf);
            if chunked {
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
                let chunk = vec![b'x'; 1 << 20];
                // 40 MiB in 1 MiB chunks, until the client hangs up.
                for _ in 0..40 {
                    let head = format!("{:x}\r\n", chunk.len());
                    if s.write_all(head.as_bytes()).is_err()
                        || s.write_all(&chunk).is_err()
                        || s.write_all(b"\r\n").is_err()
                    {
                        return;
                    }
                }
            } else {
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100000000\r\n\r\n{");
            }
        });
        // Retries on: an answer too large is not tried again (the same
        // request brings the same answer).
        let client = Client::builder()
            .endpoint(format!("http://{addr}"))
            .retry(
                RetryPolicy::default()
                    .base_delay(std::time::Duration::from_millis(1))
                    .max_delay(std::time::Duration::from_millis(5)),
            )
            .build()
            .unwrap();
        let err = client
            .get_item(&item!(Account { id: "a" }), opts![])
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
        assert!(err.message().contains("larger than"), "{err}");
        assert_eq!(err.attempts(), 1, "{err}");
        assert!(!err.is_retryable(), "{err}");
        server.join().unwrap();
    }
}

/// Table administration whose answer is lost after the server applied it:
/// the retry finds the change already made (DynamoDB answers "table
/// already exists", "not found", "TTL already enabled", "already has a
/// stream"), and the call succeeds as it would have without the loss. The
/// same answers without a lost one are still errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_administration_retried_after_a_lost_answer_succeeds() {
    use dynamo::changes::StreamView;
    isolated(async {
        let proxy = support::proxy(0x5EED_0031);
        let client = proxy
            .client_builder()
            .retry(fast_retry())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let table = Account::schema().effective_table_name();

        proxy.script("CreateTable", [Fault::DropAfter]);
        let info = client.create_table::<Account>().await.unwrap();
        assert!(info.is_active(), "{info:?}");
        // The local engine answers a second "turn on" as the first; the
        // proxy answers the retry as DynamoDB does ("already enabled").
        proxy.script("UpdateTimeToLive", [Fault::DropAfter, Fault::Validation]);
        client.enable_ttl(&table, "expires_at").await.unwrap();
        let ttl = client.describe_ttl(&table).await.unwrap();
        assert_eq!(ttl.attribute.as_deref(), Some("expires_at"));
        proxy.script("UpdateTable", [Fault::DropAfter, Fault::Validation]);
        let arn = client
            .enable_stream(&table, StreamView::NewImage)
            .await
            .unwrap();
        assert!(arn.contains(&table), "{arn}");
        proxy.script("UpdateTable", [Fault::DropAfter, Fault::Validation]);
        client.disable_stream(&table).await.unwrap();
        assert_eq!(
            client.describe_table(&table).await.unwrap().stream_arn,
            None
        );

        // Without a lost answer, the same answers are errors.
        let e = client.create_table::<Account>().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResourceInUse, "{e}");
        // Also after a throttled attempt, which DynamoDB did not apply (it
        // was taken for a lost create, and the existing table for ours).
        proxy.script("CreateTable", [Fault::Throttling]);
        let e = client.create_table::<Account>().await.unwrap_err();
        assert_eq!(
            (e.kind(), e.attempts()),
            (ErrorKind::ResourceInUse, 2),
            "{e}"
        );
        proxy.script("UpdateTimeToLive", [Fault::Validation]);
        let e = client.enable_ttl(&table, "expires_at").await.unwrap_err();
        assert_eq!(
            (e.kind(), e.attempts()),
            (ErrorKind::ValidationError, 1),
            "{e}"
        );
        // A retry's answer that the change was not made stays an error.
        proxy.script("UpdateTimeToLive", [Fault::DropBefore, Fault::Validation]);
        let e = client.enable_ttl(&table, "other").await.unwrap_err();
        assert_eq!(
            (e.kind(), e.attempts()),
            (ErrorKind::ValidationError, 2),
            "{e}"
        );

        proxy.script("DeleteTable", [Fault::DropAfter]);
        client.delete_table::<Account>().await.unwrap();
        let e = client.describe_table(&table).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResourceNotFound, "{e}");
        let e = client.delete_table::<Account>().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResourceNotFound, "{e}");
        proxy.script("DeleteTable", [Fault::Throttling]);
        let e = client.delete_table::<Account>().await.unwrap_err();
        assert_eq!(
            (e.kind(), e.attempts()),
            (ErrorKind::ResourceNotFound, 2),
            "{e}"
        );
        let stats = proxy.stats();
        assert_eq!(stats.fault(Fault::DropAfter), 5, "{stats}");
        assert_eq!(stats.fault(Fault::Validation), 5, "{stats}");
    })
    .await;
}

dynamo_item! {
    /// `Account`'s table with a time to live.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Lease {
        table_name "leases";
        field :id: String, partition_key;
        field :expires_at: Option<i64>, ttl;
    }
}

/// Processes starting at once each find time to live off and turn it on;
/// DynamoDB refuses all but the first ("already enabled"), and the others'
/// start failed. Here one process finds it off (its answer held back by
/// the proxy) while another turns it on; the proxy then answers the first
/// one's "turn on" as DynamoDB would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_starting_at_once_all_get_their_table() {
    isolated(async {
        let direct = support::client();
        let mut spec = dynamo::table::spec_for::<Lease>();
        let table = spec.name.clone();
        spec.ttl_attribute = None;
        direct.create_table_from_spec(&spec).await.unwrap();
        let proxy = support::proxy(0x5EED_0032);
        proxy.set_slow_delay(Duration::from_millis(1000));
        proxy.script("DescribeTimeToLive", [Fault::Slow]);
        proxy.script("UpdateTimeToLive", [Fault::Validation]);
        let client = proxy
            .client_builder()
            .retry(fast_retry())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let starting = tokio::spawn(async move { client.create_table_if_missing::<Lease>().await });
        // Once it has looked (its answer held back), the other one turns
        // time to live on.
        while proxy.stats().op("DescribeTimeToLive") == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        direct.enable_ttl(&table, "expires_at").await.unwrap();
        let info = starting.await.unwrap().unwrap();
        assert_eq!(info.name, table);
        let stats = proxy.stats();
        assert_eq!(stats.fault(Fault::Validation), 1, "{stats}");
    })
    .await;
}
