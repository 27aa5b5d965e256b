//! Bulk work against DynamoDB Local: batch writes, deletes and gets,
//! scans, parallel scans, streams and the channel consumer.

mod support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use dynamo::prelude::*;
use dynamo::table::stream::{self, ScanMessage};
use futures_util::{StreamExt, TryStreamExt};
use support::isolated;

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Product {
        table_name "products";
        field :category: String, partition_key;
        field :id: String, sort_key;
        field :name: String;
        field :n: i64;
        field :active: bool;
    }
}

dynamo_item! {
    /// Writes items that `Product` reads (same table, keys and type name)
    /// but cannot decode: `n` is text here.
    #[derive(Debug, Clone, PartialEq)]
    pub struct MisfitProduct {
        use Dynamo.Schema, type_name: "Product";
        table_name "products";
        field :category: String, partition_key;
        field :id: String, sort_key;
        field :name: String;
        field :n: String;
        field :active: bool;
    }
}

fn product(i: usize) -> Product {
    item!(Product {
        category: format!("cat{}", i % 7),
        id: format!("prod-{i:05}"),
        name: format!("Product {i}"),
        n: i as i64,
        active: i.is_multiple_of(3)
    })
}

async fn seed(n: usize) -> Vec<Product> {
    Product::create_table().await.unwrap();
    let items: Vec<Product> = (0..n).map(product).collect();
    let out = dynamo::table::batch_write_item(items.clone())
        .await
        .unwrap();
    assert_eq!(out.processed_items, n);
    assert!(out.unprocessed_items.is_empty());
    items
}

/// Every request of this test binary, as "Operation table", through the
/// request logger (enabled once, never disabled: tests filter by their own
/// table names).
fn requests() -> Arc<Mutex<Vec<String>>> {
    static LOG: std::sync::OnceLock<Arc<Mutex<Vec<String>>>> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        dynamo::logger::set_sink(move |line: &str| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            sink.lock().unwrap().push(format!(
                "{} {}",
                v["operation"].as_str().unwrap(),
                v["table"].as_str().unwrap()
            ));
            reads().lock().unwrap().push((
                v["table"].as_str().unwrap().to_owned(),
                v["payload"]["Limit"].as_u64(),
                v["response"]["ScannedCount"].as_u64().unwrap_or(0),
            ));
        });
        dynamo::logger::enable();
        seen
    })
    .clone()
}

/// A request as (table, `Limit` sent, items the answer says were read).
type Read = (String, Option<u64>, u64);

/// Every request of this test binary, as [`Read`]s.
fn reads() -> &'static Mutex<Vec<Read>> {
    static READS: std::sync::OnceLock<Mutex<Vec<Read>>> = std::sync::OnceLock::new();
    READS.get_or_init(|| Mutex::new(Vec::new()))
}

/// The items the requests to `table` read, from the answers.
fn scanned(table: &str) -> u64 {
    reads()
        .lock()
        .unwrap()
        .iter()
        .filter(|(t, _, _)| t == table)
        .map(|(_, _, n)| n)
        .sum()
}

/// A read capped by `limit` asks DynamoDB for no more than the items still
/// wanted: the streams and parallel scans sent no `Limit` (or only
/// `page_size`), so DynamoDB read up to 1 MB per request to return a few.
#[tokio::test]
async fn reads_with_a_limit_read_no_more_than_needed() {
    isolated_and_counted(async {
        requests();
        seed(300).await;
        let table = Product::schema().effective_table_name();
        let key = item!(Product { category: "cat1" });
        let before = scanned(&table);
        let got: Vec<Product> = stream::query(&key, opts![limit: 2])
            .try_collect()
            .await
            .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(scanned(&table) - before, 2, "stream::query");
        let before = scanned(&table);
        let got: Vec<Product> = stream::scan::<Product>(opts![limit: 3])
            .try_collect()
            .await
            .unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(scanned(&table) - before, 3, "stream::scan");
        let before = scanned(&table);
        let got = dynamo::table::parallel_scan::<Product>(opts![segments: 1, limit: 5])
            .await
            .unwrap();
        assert_eq!(got.len(), 5);
        assert_eq!(scanned(&table) - before, 5, "parallel_scan");
        let before = scanned(&table);
        let got: Vec<Product> = stream::parallel_scan::<Product>(opts![segments: 1, limit: 6])
            .try_collect()
            .await
            .unwrap();
        assert_eq!(got.len(), 6);
        assert_eq!(scanned(&table) - before, 6, "stream::parallel_scan");
        // A filter that keeps one item in three: more is read per item
        // wanted, in proportion, not one request per item.
        let before = scanned(&table);
        let calls = count("Scan", &table);
        let got: Vec<Product> = stream::scan::<Product>(opts![
            limit: 20,
            filter_expression: "active = :t",
            expression_attribute_values: %{":t" => true},
        ])
        .try_collect()
        .await
        .unwrap();
        assert_eq!(got.len(), 20);
        assert!(
            count("Scan", &table) - calls <= 4,
            "{}",
            count("Scan", &table) - calls
        );
        assert!(
            scanned(&table) - before < 300,
            "{}",
            scanned(&table) - before
        );
    })
    .await;
}

fn count(op: &str, table: &str) -> usize {
    let wanted = format!("{op} {table}");
    requests()
        .lock()
        .unwrap()
        .iter()
        .filter(|r| **r == wanted)
        .count()
}

/// [`isolated`], with a table name of its own: the request counts read the
/// process-wide request log, which names tables, and every test's engine has
/// the same table names.
async fn isolated_and_counted<F: std::future::Future>(f: F) -> F::Output {
    isolated(dynamo::config::scope(
        dynamo::config::Config::new().table_prefix(support::unique_prefix()),
        f,
    ))
    .await
}

#[tokio::test]
async fn batch_write_of_1000_items_all_readable() {
    isolated_and_counted(async {
        requests();
        let items = seed(1000).await;
        assert_eq!(
            count("BatchWriteItem", &Product::schema().effective_table_name()),
            40,
            "1000 items in chunks of 25"
        );
        // Every item reads back with its content.
        let all = dynamo::table::parallel_scan::<Product>(opts![segments: 4])
            .await
            .unwrap();
        assert_eq!(all.len(), 1000);
        let mut by_id: Vec<Product> = all;
        by_id.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(by_id, {
            let mut v = items;
            v.sort_by(|a, b| a.id.cmp(&b.id));
            v
        });
    })
    .await;
}

#[tokio::test]
async fn batch_write_refuses_duplicates_before_sending() {
    isolated(async {
        // No table: anything sent would be ResourceNotFound.
        let e = dynamo::table::batch_write_item(vec![product(1), product(2), product(1)])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        assert!(
            e.message()
                .contains("items 0 and 2 have the same primary key"),
            "{}",
            e.message()
        );
        let e = dynamo::table::batch_write_item(vec![product(1), item!(Product { category: "c" })])
            .await
            .unwrap_err();
        assert!(
            e.message().contains("item 1") && e.message().contains("`id`"),
            "{}",
            e.message()
        );
        let out = dynamo::table::batch_write_item(Vec::<Product>::new())
            .await
            .unwrap();
        assert_eq!(out.processed_items, 0);
    })
    .await;
}

/// Items come in the order of the keys asked for, also when DynamoDB hands
/// some keys back unprocessed and they are read in a later round (they
/// came last).
#[tokio::test]
async fn batch_get_returns_items_in_the_order_asked() {
    use dynamo::local::proxy::Faults;
    isolated(async {
        seed(40).await;
        let proxy = support::proxy(0x0BDE_0001);
        proxy.set_op_faults("BatchGetItem", Faults::none().unprocessed(0.5));
        let retry = dynamo::RetryPolicy::default()
            .max_attempts(20)
            .base_delay(std::time::Duration::from_millis(1));
        let client = support::proxy_client(&proxy, retry, std::time::Duration::from_secs(5));
        let keys: Vec<Product> = (0..40).rev().map(product).collect();
        let out = client.batch_get_item(&keys, opts![]).await.unwrap();
        assert!(proxy.stats().unprocessed_entries > 0);
        let ids: Vec<&str> = out.items.iter().map(|p| p.id.as_str()).collect();
        let asked: Vec<String> = (0..40).rev().map(|i| format!("prod-{i:05}")).collect();
        assert_eq!(ids, asked);
    })
    .await;
}

/// What is left over comes back in the order given, whichever chunk
/// finished first (they came in the order the chunks ended).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leftovers_come_back_in_the_order_given() {
    use dynamo::local::proxy::Faults;
    isolated(async {
        seed(200).await;
        let proxy = support::proxy(0x0BDE_0002);
        proxy.set_op_faults("BatchWriteItem", Faults::none().unprocessed(0.5));
        proxy.set_op_faults("BatchGetItem", Faults::none().unprocessed(0.5));
        let client = support::proxy_client(
            &proxy,
            dynamo::RetryPolicy::none(),
            std::time::Duration::from_secs(5),
        );
        let ids = |v: &[Product]| v.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
        let sorted = |mut v: Vec<String>| {
            v.sort_unstable();
            v
        };
        let items: Vec<Product> = (0..200).map(product).collect();
        let out = client
            .batch_write_item(items, opts![concurrency: 8])
            .await
            .unwrap();
        let left = ids(&out.unprocessed_items);
        assert!(left.len() > 25, "{}", left.len());
        assert_eq!(left, sorted(left.clone()));
        let keys: Vec<Product> = (0..200).map(product).collect();
        let got = client
            .batch_get_item(&keys, opts![concurrency: 2])
            .await
            .unwrap();
        // Keys come back as key attributes: their place among those asked.
        let place = |k: &dynamo::Key| {
            keys.iter()
                .position(|p| {
                    let pk = p.primary_key().unwrap();
                    k.get(&pk.partition_name) == Some(&Value::from(pk.partition.as_str()))
                        && pk
                            .sort
                            .as_ref()
                            .is_none_or(|(n, v)| k.get(n) == Some(&Value::from(v.as_str())))
                })
                .unwrap()
        };
        let left: Vec<usize> = got.unprocessed_keys.iter().map(place).collect();
        assert!(left.len() > 25, "{}", left.len());
        let mut in_order = left.clone();
        in_order.sort_unstable();
        assert_eq!(left, in_order);
    })
    .await;
}

/// An item that does not decode fails its own key: the others are
/// returned (the whole call failed, naming no key).
#[tokio::test]
async fn batch_get_reports_an_undecodable_item_by_its_key() {
    isolated(async {
        seed(5).await;
        let bad = MisfitProduct {
            category: "cat2".into(),
            id: "prod-00002".into(),
            name: "odd".into(),
            n: "not a number".into(),
            active: false,
        };
        bad.put_item().await.unwrap();
        let keys: Vec<Product> = (0..5).map(product).collect();
        let out = dynamo::table::batch_get_item(&keys, opts![]).await.unwrap();
        let mut got: Vec<&str> = out.items.iter().map(|p| p.id.as_str()).collect();
        got.sort_unstable();
        assert_eq!(
            got,
            ["prod-00000", "prod-00001", "prod-00003", "prod-00004"]
        );
        assert!(out.unprocessed_keys.is_empty());
        assert_eq!(out.failed_keys.len(), 1);
        let (key, e) = &out.failed_keys[0];
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        assert!(e.message().contains("batch_get_item: key 2"), "{e}");
        assert!(e.message().contains("`n`"), "{e}");
        assert!(format!("{key:?}").contains("prod-00002"), "{key:?}");
    })
    .await;
}

#[tokio::test]
async fn batch_get_250_keys_in_three_chunks() {
    isolated_and_counted(async {
        seed(300).await;
        let table = Product::schema().effective_table_name();
        requests();
        let mut keys: Vec<Product> = (0..250).map(product).collect();
        // Keys that do not exist are simply absent.
        keys.push(item!(Product {
            category: "cat0",
            id: "missing"
        }));
        let out = dynamo::table::batch_get_item(&keys, opts![]).await.unwrap();
        assert!(out.unprocessed_keys.is_empty());
        assert_eq!(out.items.len(), 250);
        let got: HashSet<String> = out.items.iter().map(|p| p.id.clone()).collect();
        assert_eq!(got.len(), 250, "each item once");
        assert_eq!(
            count("BatchGetItem", &table),
            3,
            "251 keys in chunks of 100"
        );
        assert!(got.contains("prod-00249"));
        let thin = dynamo::table::batch_get_item(
            &keys[..3],
            opts![projection_expression: "category, id, name", consistent_read: true],
        )
        .await
        .unwrap();
        assert_eq!(thin.items.len(), 3);
        assert!(thin.items.iter().all(|p| p.n == 0));
        let e = dynamo::table::batch_get_item(&[product(1), product(1)], opts![])
            .await
            .unwrap_err();
        assert!(e.message().contains("same primary key"), "{}", e.message());
    })
    .await;
}

#[tokio::test]
async fn batch_delete() {
    isolated(async {
        seed(60).await;
        let keys: Vec<Product> = (0..40).map(product).collect();
        let out = dynamo::table::batch_delete_item(keys).await.unwrap();
        assert_eq!(out.processed_items, 40);
        let left = dynamo::table::parallel_scan::<Product>(opts![])
            .await
            .unwrap();
        assert_eq!(left.len(), 20);
        // With options: `concurrency` is taken, anything else refused.
        let rest: Vec<Product> = (40..60).map(product).collect();
        let e = dynamo::table::batch_delete_item_opts(rest.clone(), opts![limit: 1])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ValidationError);
        let out = dynamo::table::batch_delete_item_opts(rest, opts![concurrency: 1])
            .await
            .unwrap();
        assert_eq!(out.processed_items, 20);
    })
    .await;
}

/// `concurrency` is at most that many requests in flight: any size is
/// taken, up to `usize::MAX` (it once reached tokio's semaphore unchecked,
/// whose limit is `usize::MAX >> 3`, and panicked).
#[tokio::test]
async fn batches_take_any_concurrency() {
    isolated(async {
        let c = support::client();
        Product::create_table().await.unwrap();
        let items: Vec<Product> = (0..60).map(product).collect();
        let huge = opts![concurrency: usize::MAX];
        let out = c
            .batch_write_item(items.clone(), huge.clone())
            .await
            .unwrap();
        assert_eq!((out.processed_items, out.unprocessed_items.len()), (60, 0));
        let got = c.batch_get_item(&items, huge.clone()).await.unwrap();
        assert_eq!(got.items.len(), 60);
        let out = c.batch_delete_item(items, huge).await.unwrap();
        assert_eq!(out.processed_items, 60);
    })
    .await;
}

#[tokio::test]
async fn scan_pages_and_filters() {
    isolated(async {
        seed(120).await;
        let first = dynamo::table::scan::<Product>(opts![limit: 50])
            .await
            .unwrap();
        assert_eq!(first.items.len(), 50);
        let rest = dynamo::table::scan::<Product>(
            opts![exclusive_start_key: first.last_evaluated_key.clone()],
        )
        .await
        .unwrap();
        assert_eq!(rest.items.len(), 70);
        assert!(rest.is_last());
        let active = dynamo::table::scan::<Product>(
            opts![filter_expression: "active = :t", expression_attribute_values: {":t" => true}],
        )
        .await
        .unwrap();
        assert_eq!(active.items.len(), 40);
        assert_eq!(active.scanned_count, 120);
        let counted = dynamo::table::scan::<Product>(opts![select: :count, consistent_read: true])
            .await
            .unwrap();
        assert_eq!(counted.count, 120);
        let projected = dynamo::table::scan::<Product>(
            opts![projection_expression: "category, id, name", limit: 5],
        )
        .await
        .unwrap();
        assert!(
            projected
                .items
                .iter()
                .all(|p| p.n == 0 && !p.name.is_empty())
        );
    })
    .await;
}

/// A parallel scan of many segments runs `concurrency` segment tasks at a
/// time, not one task per segment from the start.
#[tokio::test]
async fn many_segments_are_not_many_tasks_at_once() {
    isolated(async {
        seed(20).await;
        let metrics = tokio::runtime::Handle::current().metrics();
        let before = metrics.num_alive_tasks();
        let mut s = Box::pin(stream::parallel_scan::<Product>(
            opts![segments: 2000, concurrency: 2],
        ));
        s.next().await.unwrap().unwrap();
        let alive = metrics.num_alive_tasks().saturating_sub(before);
        assert!(alive <= 20, "{alive} tasks alive for the stream");
        drop(s);
        let scan = tokio::spawn(dynamo::table::parallel_scan::<Product>(
            opts![segments: 2000, concurrency: 2],
        ));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let alive = metrics.num_alive_tasks().saturating_sub(before);
        assert!(alive <= 20, "{alive} tasks alive for parallel_scan");
        scan.abort();
    })
    .await;
}

/// `list_items` with a `limit` and a filter that matches late: DynamoDB's
/// `Limit` counts items read before the filter, so each request asks for
/// more as the filter leaves items out — a few requests, not one per item.
#[tokio::test]
async fn a_sparse_filter_with_a_limit_costs_a_few_requests() {
    requests();
    isolated_and_counted(async {
        seed(1400).await;
        let table = Product::schema().effective_table_name();
        let before = count("Query", &table);
        let key = item!(Product { category: "cat0" });
        let found = Product::list_items(
            &key,
            opts![limit: 1, filter_expression: "n = :n", expression_attribute_values: %{":n" => 1393}],
        )
        .await
        .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].n, 1393);
        let queries = count("Query", &table) - before;
        assert!(queries <= 6, "{queries} requests for one item out of 200");
        // Without a filter, a limit reads no more than it keeps.
        let two = Product::list_items(&key, opts![limit: 2]).await.unwrap();
        assert_eq!(two.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn parallel_scan_returns_each_item_once_for_1_2_4_8_segments() {
    isolated(async {
        seed(3000).await;
        for segments in [1, 2, 4, 8] {
            let all = dynamo::table::parallel_scan::<Product>(opts![segments: segments, page_size: 200]).await.unwrap();
            assert_eq!(all.len(), 3000, "segments {segments}");
            let ids: HashSet<String> = all.iter().map(|p| p.id.clone()).collect();
            assert_eq!(ids.len(), 3000, "no duplicates with {segments} segments");
            let streamed: Vec<Product> = stream::parallel_scan::<Product>(opts![segments: segments, page_size: 200]).try_collect().await.unwrap();
            let ids: HashSet<String> = streamed.iter().map(|p| p.id.clone()).collect();
            assert_eq!((streamed.len(), ids.len()), (3000, 3000), "stream, segments {segments}");
        }
        let limited = dynamo::table::parallel_scan::<Product>(opts![segments: 4, limit: 10]).await.unwrap();
        assert_eq!(limited.len(), 10);
        let filtered = dynamo::table::parallel_scan::<Product>(opts![segments: 3, filter_expression: "active = :t", expression_attribute_values: {":t" => true}])
            .await
            .unwrap();
        assert_eq!(filtered.len(), 1000);
    })
    .await;
}

#[tokio::test]
async fn a_stream_dropped_after_its_first_item_fetched_one_page() {
    requests();
    isolated_and_counted(async {
        seed(500).await;
        let table = Product::schema().effective_table_name();
        let mut s = Box::pin(stream::scan::<Product>(opts![page_size: 100]));
        let first = s.next().await.unwrap().unwrap();
        assert!(first.id.starts_with("prod-"));
        // Taking the rest of the page costs nothing more.
        for _ in 0..99 {
            s.next().await.unwrap().unwrap();
        }
        drop(s);
        assert_eq!(count("Scan", &table), 1, "one page was fetched");
        // A stream consumed to the end fetches every page (5 full + 1 empty last at most).
        let all: Vec<Product> = stream::scan::<Product>(opts![page_size: 100])
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all.len(), 500);
        let scans = count("Scan", &table) - 1;
        assert!((5..=6).contains(&scans), "{scans} pages");
        // `limit` caps the stream.
        let ten: Vec<Product> = stream::scan::<Product>(opts![limit: 10, page_size: 3])
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ten.len(), 10);
        // scan_to_channel stops when its receiver goes, not at its next
        // send: a filter nothing matches would have it read every page.
        let before = count("Scan", &table);
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let task = stream::scan_to_channel::<Product>(
            tx,
            opts![page_size: 10, filter_expression: "attribute_not_exists(id)"],
        );
        drop(rx);
        task.await.unwrap().unwrap();
        let scans = count("Scan", &table) - before;
        assert!(scans <= 1, "{scans} pages read for a receiver gone");
        // parallel_scan stops its segments once `limit` items are in.
        let before = count("Scan", &table);
        let five =
            dynamo::table::parallel_scan::<Product>(opts![segments: 16, concurrency: 1, limit: 5])
                .await
                .unwrap();
        assert_eq!(five.len(), 5);
        let scans = count("Scan", &table) - before;
        assert!(scans <= 2, "{scans} segment pages read for 5 items");
    })
    .await;
}

#[tokio::test]
async fn a_stream_yields_the_items_before_one_that_does_not_decode_then_its_error() {
    isolated(async {
        seed(0).await;
        // One partition, so the scan reads it in sort-key order: prod-00000
        // to prod-00004, the misfit (prod-00005), then prod-00006 to -00009.
        for i in (0..10).filter(|i| *i != 5) {
            let mut p = product(i);
            p.category = "one".to_owned();
            Product::put_item(p).await.unwrap();
        }
        MisfitProduct::put_item(item!(MisfitProduct {
            category: "one",
            id: "prod-00005",
            name: "misfit",
            n: "not a number",
            active: true
        }))
        .await
        .unwrap();

        let before: Vec<String> = (0..5).map(|i| format!("prod-{i:05}")).collect();
        let streams: [(
            &str,
            futures_util::stream::BoxStream<'static, dynamo::Result<Product>>,
        ); 3] = [
            (
                "scan",
                stream::scan::<Product>(opts![page_size: 100]).boxed(),
            ),
            // One segment, so that its order is the table's.
            (
                "parallel_scan",
                stream::parallel_scan::<Product>(opts![segments: 1, page_size: 100]).boxed(),
            ),
            (
                "query",
                stream::query(&item!(Product { category: "one" }), opts![page_size: 100]).boxed(),
            ),
        ];
        for (name, s) in streams {
            let mut s = Box::pin(s);
            let mut got = Vec::new();
            let err = loop {
                match s
                    .next()
                    .await
                    .expect("the stream ends with the error, not before")
                {
                    Ok(p) => got.push(p.id),
                    Err(e) => break e,
                }
            };
            assert_eq!(
                got, before,
                "{name}: every item before the misfit, in order"
            );
            assert_eq!(err.kind(), ErrorKind::Decode, "{name}: {err}");
            assert_eq!(err.field(), Some("n"), "{name}: {err}");
            assert!(s.next().await.is_none(), "{name}: nothing after the error");
        }
        // scan_to_channel in batches: the items read before the misfit come
        // as a last batch, then the error.
        for batch_size in [1, 50] {
            let (tx, mut rx) = tokio::sync::mpsc::channel(8);
            let task = stream::scan_to_channel::<Product>(
                tx,
                opts![page_size: 100, batch_size: batch_size],
            );
            let mut got = Vec::new();
            let mut error = None;
            while let Some(msg) = rx.recv().await {
                assert!(error.is_none(), "nothing after the error");
                match msg {
                    ScanMessage::Item(p) => got.push(p.id),
                    ScanMessage::Batch(items) => got.extend(items.into_iter().map(|p| p.id)),
                    ScanMessage::Error(e) => error = Some(e),
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!(got, before, "batch_size {batch_size}");
            assert_eq!(error.unwrap().kind(), ErrorKind::Decode);
            assert_eq!(task.await.unwrap().unwrap_err().kind(), ErrorKind::Decode);
        }
    })
    .await;
}

#[tokio::test]
async fn channel_consumer_receives_every_item_then_complete() {
    isolated(async {
        seed(1000).await;
        // Batches from 4 concurrent segments.
        let (tx, mut rx) = tokio::sync::mpsc::channel(8);
        let task = stream::scan_to_channel::<Product>(
            tx,
            opts![segments: 4, batch_size: 50, page_size: 100],
        );
        let mut ids = HashSet::new();
        let mut batches = 0;
        let mut completed = false;
        while let Some(msg) = rx.recv().await {
            assert!(!completed, "nothing after Complete");
            match msg {
                ScanMessage::Batch(items) => {
                    batches += 1;
                    assert!(items.len() <= 50);
                    for p in items {
                        assert!(ids.insert(p.id), "each item once");
                    }
                }
                ScanMessage::Complete => completed = true,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(completed);
        assert_eq!(ids.len(), 1000);
        assert!(batches >= 20);
        task.await.unwrap().unwrap();
        // Single items, one segment.
        let (tx, mut rx) = tokio::sync::mpsc::channel(8);
        let task = stream::scan_to_channel::<Product>(tx, opts![]);
        let mut n = 0;
        let mut last = None;
        while let Some(msg) = rx.recv().await {
            match msg {
                ScanMessage::Item(_) => n += 1,
                m => last = Some(m),
            }
        }
        assert_eq!(n, 1000);
        assert!(matches!(last, Some(ScanMessage::Complete)));
        task.await.unwrap().unwrap();
    })
    .await;
}

#[tokio::test]
async fn streams_end_with_a_typed_error() {
    isolated(async {
        // No table: the first page fails with ResourceNotFound and the stream ends.
        let mut s = Box::pin(stream::scan::<Product>(opts![]));
        let e = s.next().await.unwrap().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResourceNotFound);
        assert!(s.next().await.is_none());
        let mut s = Box::pin(stream::parallel_scan::<Product>(opts![segments: 4]));
        let e = s.next().await.unwrap().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResourceNotFound);
        assert!(s.next().await.is_none());
        let (tx, mut rx) = tokio::sync::mpsc::channel(8);
        let task = stream::scan_to_channel::<Product>(tx, opts![segments: 2]);
        match rx.recv().await {
            Some(ScanMessage::Error(e)) => assert_eq!(e.kind(), ErrorKind::ResourceNotFound),
            other => panic!("expected an error message, got {other:?}"),
        }
        assert!(rx.recv().await.is_none());
        assert_eq!(
            task.await.unwrap().unwrap_err().kind(),
            ErrorKind::ResourceNotFound
        );
        // Bad options are an error item too.
        let mut s = Box::pin(stream::scan::<Product>(opts![segments: 4]));
        assert_eq!(
            s.next().await.unwrap().unwrap_err().kind(),
            ErrorKind::ValidationError
        );
    })
    .await;
}

#[tokio::test]
async fn query_stream() {
    isolated(async {
        seed(210).await;
        let key = item!(Product { category: "cat1" });
        let streamed: Vec<Product> = Product::stream_items(&key, opts![page_size: 7])
            .try_collect()
            .await
            .unwrap();
        let listed = Product::list_items(&key, opts![]).await.unwrap();
        assert_eq!(streamed, listed);
        assert_eq!(listed.len(), 30);
    })
    .await;
}

/// A batch of which nothing could be written or read (a missing table)
/// fails as a whole, as one put or get would: it returned `Ok` with every
/// item in `failed_items`, which `?` and `.unwrap()` let through.
#[tokio::test]
async fn a_batch_that_fails_for_every_item_is_an_error() {
    isolated(async {
        let items: Vec<Product> = (0..30).map(product).collect();
        let e = dynamo::table::batch_write_item(items.clone())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResourceNotFound, "{e}");
        assert!(
            e.message()
                .contains("batch_write_item: none of the 30 items was written"),
            "{e}"
        );
        let e = dynamo::table::batch_get_item(&items, opts![])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResourceNotFound, "{e}");
        assert!(
            e.message()
                .contains("batch_get_item: none of the 30 keys was read"),
            "{e}"
        );
        let e = dynamo::table::batch_delete_item(items).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResourceNotFound, "{e}");
        // Some items written, others not: Ok, with each item's fate (below).
    })
    .await;
}

/// Every item's fate is reported: a chunk refused for good fails its items
/// with the error, a chunk that kept being throttled comes back unprocessed
/// with the reason, the rest is written — and the store agrees.
#[tokio::test]
async fn every_items_fate_is_reported() {
    use dynamo::local::proxy::Fault;
    isolated(async {
        support::client().create_table::<Product>().await.unwrap();
        let proxy = support::proxy(0xFA7E);
        // Chunks go one at a time, in order: 25, 25, 10 items.
        proxy.script(
            "BatchWriteItem",
            [Fault::Validation, Fault::Throttling, Fault::Throttling],
        );
        let retry = dynamo::RetryPolicy::default()
            .max_attempts(2)
            .base_delay(std::time::Duration::from_millis(1));
        let client = support::proxy_client(&proxy, retry, std::time::Duration::from_secs(5));
        let items: Vec<Product> = (0..60).map(product).collect();
        let out = client
            .batch_write_item(items, opts![concurrency: 1])
            .await
            .unwrap();
        assert!(!out.is_complete());
        assert_eq!(out.failed_items.len(), 25);
        assert!(
            out.failed_items
                .iter()
                .all(|(_, e)| e.kind() == ErrorKind::ValidationError)
        );
        assert_eq!(out.failed_items[0].0.id, "prod-00000");
        assert_eq!(out.unprocessed_items.len(), 25);
        assert_eq!(out.unprocessed_reasons.len(), 25);
        assert!(
            out.unprocessed_reasons
                .iter()
                .all(|e| e.kind() == ErrorKind::Throttling)
        );
        assert_eq!(out.unprocessed_items[0].id, "prod-00025");
        assert_eq!(out.processed_items, 10);
        // What the store holds is exactly what was reported written.
        let stored = support::client()
            .scan::<Product>(opts![])
            .await
            .unwrap()
            .items;
        let mut ids: Vec<String> = stored.into_iter().map(|p| p.id).collect();
        ids.sort();
        let expected: Vec<String> = (50..60).map(|i| product(i).id).collect();
        assert_eq!(ids, expected);
        assert_eq!(proxy.stats().op("BatchWriteItem"), 1 + 2 + 1);
    })
    .await;
}
