//! The load benchmark, against the crate's local engine running in a process
//! of its own (this binary, re-run with `DYNAMO_BENCH_SERVE=1`): in one run,
//! the same work through raw `rusoto_dynamodb` calls and through the crate.
//!
//! ```text
//! cargo bench --bench load
//! ```
//!
//! (`scripts/bench` does this and prints the combined table.) Figures, each
//! printed as a `RESULT` line (figure, crate, reference, ratio, target, met):
//!
//! * `put_item`, `get_item`, `list_items` (a query returning one partition)
//!   at concurrency 1 and 16: crate throughput ÷ raw rusoto throughput
//!   (target 1.10×), and the client CPU per operation, crate ÷ raw (target
//!   0.8×; the server's CPU per operation is printed beside it). The raw
//!   side does the same work by hand: builds the `pk`/`sk` strings and the
//!   attribute map from the struct, and the struct back from the answer, and
//!   its query sends the type filter the crate's query sends, so that the
//!   engine does the same work for both.
//! * with `DYNAMO_BENCH_BACKEND=aws` (feature `bench-aws-sdk`: `cargo bench
//!   --bench load --features bench-aws-sdk`), the same item figures for the
//!   crate on its `aws` backend against hand-written `aws-sdk-dynamodb` code,
//!   and nothing else.
//! * batch write of `BATCH_ITEMS` items (`batch_write_item`) against as many
//!   sequential `put_item` calls.
//! * a parallel scan with 4 segments against a sequential scan (1 segment)
//!   of `SCAN_ITEMS` items, both through `Client::parallel_scan`.
//! * peak heap while consuming `Client::scan_stream` (the lazy stream of
//!   `dynamo::table::stream::scan`) over `STREAM_LARGE` items against
//!   `STREAM_SMALL` items, measured by a counting global allocator.
//!
//! Sizes come from the environment (defaults: the issue's sizes):
//! `DYNAMO_BENCH_ITEM_OPS` (500 operations per side and round of an item-op
//! figure), `DYNAMO_BENCH_ITEM_ROUNDS` (9 rounds, both sides back to back;
//! the ratio is the median of the rounds' ratios),
//! `DYNAMO_BENCH_ROUNDS` (5 rounds of the scan figure; medians are reported),
//! `DYNAMO_BENCH_QUERY_ITEMS` (20 items per queried partition),
//! `DYNAMO_BENCH_BATCH_ITEMS` (10000), `DYNAMO_BENCH_SCAN_ITEMS` (50000),
//! `DYNAMO_BENCH_STREAM_SMALL` (10000), `DYNAMO_BENCH_STREAM_LARGE` (100000).
//! `DYNAMO_BENCH_QUICK=1` divides every default by 10 (the ratios then mean
//! less). `AWS_ENDPOINT_URL_DYNAMODB` names another server; only loopback is used.
//!
//! For experiments: `DYNAMO_BENCH_ONLY` (`items`, `batch`, `scan`),
//! `DYNAMO_BENCH_ITEM_KINDS` (`put_item`, `get_item`, `list_items`),
//! `DYNAMO_BENCH_BATCH_CONCURRENCY` (chunks in flight),
//! `DYNAMO_BENCH_STREAM_PAGE_SIZE` (`page_size` of the streamed scans;
//! 200 in a quick run),
//! `DYNAMO_BENCH_DEBUG=1` (logs one query and one get as JSON first),
//! `DYNAMO_BENCH_PROFILE_SIDE` (`dynamo` or `raw`: runs that side's item
//! operations alone, `ITEM_OPS × ITEM_ROUNDS` of each, for a profiler; with
//! `AWS_ENDPOINT_URL_DYNAMODB` naming a server started apart, the profile
//! holds the client only), `DYNAMO_BENCH_PROFILE_CONCURRENCY` (`1` or
//! `16`: only that concurrency in a profile run).
//!
//! The item-operation figures also report this process's CPU time per
//! operation (Linux), which separates the client's cost from the server's.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dynamo::Backend;
use dynamo::config::{self, Config};
use dynamo::prelude::*;
use futures_util::TryStreamExt;
use rusoto_core::credential::StaticProvider;
use rusoto_core::{HttpClient, Region};
use rusoto_dynamodb::{
    AttributeValue, BatchWriteItemInput, DynamoDb, DynamoDbClient, GetItemInput, PutItemInput,
    PutRequest, QueryInput, WriteRequest,
};

// ---------------------------------------------------------------- allocator

/// While `TRACK` is on, tracks the heap's net growth since tracking started
/// (bytes allocated minus bytes freed, which may go negative when older
/// memory is freed) and its peak. Off, it costs one relaxed load per call, so
/// the throughput figures are not skewed by counting.
struct Tracking;

static NET: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static TRACK: AtomicBool = AtomicBool::new(false);

fn changed(by: isize) {
    if TRACK.load(Ordering::Relaxed) {
        let now = NET.fetch_add(by, Ordering::Relaxed) + by;
        if by > 0 {
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; only
// counters are updated on the side.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            changed(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            changed(layout.size() as isize);
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            changed(new_size as isize - layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        changed(-(layout.size() as isize));
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

/// Runs `f` and returns the peak heap above what was allocated when it
/// started, in bytes.
async fn peak_heap_during<F: Future>(f: F) -> (usize, F::Output) {
    NET.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    TRACK.store(true, Ordering::Relaxed);
    let out = f.await;
    TRACK.store(false, Ordering::Relaxed);
    (PEAK.load(Ordering::Relaxed).max(0) as usize, out)
}

// ---------------------------------------------------------------- schema

dynamo_item! {
    /// A typical item: ~250 bytes, 10 attributes plus `pk`/`sk`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Event {
        table_name "bench_events";
        field :tenant_id: String;
        field :shard: i64;
        field :day: String;
        field :seq: u64;
        field :name: String;
        field :amount: f64;
        field :count: i64;
        field :active: bool;
        field :tags: Vec<String>;
        field :note: Option<String>;
        partition_key [:tenant_id, :shard];
        sort_key [:day, :seq];
    }
}

fn event(tenant: &str, shard: i64, seq: u64) -> Event {
    item!(Event {
        tenant_id: tenant,
        shard: shard,
        day: "2024-01-15",
        seq: seq,
        name: format!("event number {seq} of a benchmark run"),
        amount: seq as f64 * 0.25 + 0.5,
        count: seq as i64 % 1000,
        active: seq.is_multiple_of(2),
        tags: vec![
            "bench".to_owned(),
            "load".to_owned(),
            format!("t{}", seq % 7)
        ],
        note: seq
            .is_multiple_of(3)
            .then(|| "every third one has a note".to_owned()),
    })
}

// ---------------------------------------------------------------- raw side

/// The filter the crate's query of `Event` sends (its items, or items
/// written without a type that hold `Event`'s key fields): the hand-written
/// queries send it too, so that both sides ask the engine for the same work
/// and the figure measures the client. (What the filter costs the engine
/// shows in the server CPU per operation; docs/performance.md.)
const TYPE_FILTER: &str = "#_type = :t OR (attribute_not_exists(#_type) AND attribute_exists(#tenant_id) \
     AND attribute_exists(#shard) AND attribute_exists(#day) AND attribute_exists(#seq))";

/// The attribute names of the key condition and `TYPE_FILTER`.
const QUERY_NAMES: [(&str, &str); 6] = [
    ("#pk", "pk"),
    ("#_type", "_type"),
    ("#tenant_id", "tenant_id"),
    ("#shard", "shard"),
    ("#day", "day"),
    ("#seq", "seq"),
];

/// The hand-written side: raw rusoto calls, or (feature `bench-aws-sdk`,
/// `DYNAMO_BENCH_BACKEND=aws`) raw `aws-sdk-dynamodb` calls.
#[derive(Clone)]
enum Raw {
    Rusoto(DynamoDbClient),
    #[cfg(feature = "bench-aws-sdk")]
    Sdk(aws_sdk_dynamodb::Client),
}

impl Raw {
    fn name(&self) -> &'static str {
        match self {
            Raw::Rusoto(_) => "raw rusoto",
            #[cfg(feature = "bench-aws-sdk")]
            Raw::Sdk(_) => "raw aws-sdk-dynamodb",
        }
    }

    async fn put(&self, table: &str, e: &Event) {
        match self {
            Raw::Rusoto(r) => {
                r.put_item(PutItemInput {
                    table_name: table.to_owned(),
                    item: raw::to_item(e),
                    ..Default::default()
                })
                .await
                .expect("raw put");
            }
            #[cfg(feature = "bench-aws-sdk")]
            Raw::Sdk(c) => {
                c.put_item()
                    .table_name(table)
                    .set_item(Some(sdk::to_item(e)))
                    .send()
                    .await
                    .expect("sdk put");
            }
        }
    }

    async fn get(&self, table: &str, key: &Event) -> Option<Event> {
        match self {
            Raw::Rusoto(r) => r
                .get_item(GetItemInput {
                    table_name: table.to_owned(),
                    key: raw::key(key),
                    ..Default::default()
                })
                .await
                .expect("raw get")
                .item
                .map(raw::from_item),
            #[cfg(feature = "bench-aws-sdk")]
            Raw::Sdk(c) => c
                .get_item()
                .table_name(table)
                .set_key(Some(sdk::key(key)))
                .send()
                .await
                .expect("sdk get")
                .item
                .map(sdk::from_item),
        }
    }

    /// Every item of partition `pk`, page after page.
    async fn query(&self, table: &str, pk: String) -> Vec<Event> {
        let mut got = Vec::new();
        match self {
            Raw::Rusoto(r) => {
                let mut start = None;
                loop {
                    let out = r
                        .query(QueryInput {
                            table_name: table.to_owned(),
                            key_condition_expression: Some("#pk = :pk".to_owned()),
                            filter_expression: Some(TYPE_FILTER.to_owned()),
                            expression_attribute_names: Some(
                                QUERY_NAMES
                                    .iter()
                                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                                    .collect(),
                            ),
                            expression_attribute_values: Some(HashMap::from([
                                (
                                    ":pk".to_owned(),
                                    AttributeValue {
                                        s: Some(pk.clone()),
                                        ..Default::default()
                                    },
                                ),
                                (
                                    ":t".to_owned(),
                                    AttributeValue {
                                        s: Some("Event".to_owned()),
                                        ..Default::default()
                                    },
                                ),
                            ])),
                            exclusive_start_key: start,
                            ..Default::default()
                        })
                        .await
                        .expect("raw query");
                    got.extend(
                        out.items
                            .unwrap_or_default()
                            .into_iter()
                            .map(raw::from_item),
                    );
                    start = out.last_evaluated_key;
                    if start.is_none() {
                        break;
                    }
                }
            }
            #[cfg(feature = "bench-aws-sdk")]
            Raw::Sdk(c) => {
                use aws_sdk_dynamodb::types::AttributeValue as Av;
                let mut start = None;
                loop {
                    let mut q = c
                        .query()
                        .table_name(table)
                        .key_condition_expression("#pk = :pk")
                        .filter_expression(TYPE_FILTER)
                        .expression_attribute_values(":pk", Av::S(pk.clone()))
                        .expression_attribute_values(":t", Av::S("Event".to_owned()))
                        .set_exclusive_start_key(start);
                    for (k, v) in QUERY_NAMES {
                        q = q.expression_attribute_names(k, v);
                    }
                    let out = q.send().await.expect("sdk query");
                    got.extend(
                        out.items
                            .unwrap_or_default()
                            .into_iter()
                            .map(sdk::from_item),
                    );
                    start = out.last_evaluated_key;
                    if start.is_none() {
                        break;
                    }
                }
            }
        }
        got
    }
}

/// What a raw rusoto user writes for `Event`: the key strings and the map.
mod raw {
    use super::*;

    fn s(v: String) -> AttributeValue {
        AttributeValue {
            s: Some(v),
            ..Default::default()
        }
    }
    fn n(v: String) -> AttributeValue {
        AttributeValue {
            n: Some(v),
            ..Default::default()
        }
    }

    pub fn pk(tenant: &str, shard: i64) -> String {
        format!("{tenant}#{shard}")
    }

    pub fn key(e: &Event) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("pk".to_owned(), s(pk(&e.tenant_id, e.shard))),
            ("sk".to_owned(), s(format!("{}#{}", e.day, e.seq))),
        ])
    }

    pub fn to_item(e: &Event) -> HashMap<String, AttributeValue> {
        let mut m = HashMap::with_capacity(12);
        m.insert("pk".to_owned(), s(pk(&e.tenant_id, e.shard)));
        m.insert("sk".to_owned(), s(format!("{}#{}", e.day, e.seq)));
        // The type attribute the crate writes, so both sides store the same.
        m.insert("_type".to_owned(), s("Event".to_owned()));
        m.insert("tenant_id".to_owned(), s(e.tenant_id.clone()));
        m.insert("shard".to_owned(), n(e.shard.to_string()));
        m.insert("day".to_owned(), s(e.day.clone()));
        m.insert("seq".to_owned(), n(e.seq.to_string()));
        m.insert("name".to_owned(), s(e.name.clone()));
        m.insert("amount".to_owned(), n(e.amount.to_string()));
        m.insert("count".to_owned(), n(e.count.to_string()));
        m.insert(
            "active".to_owned(),
            AttributeValue {
                bool: Some(e.active),
                ..Default::default()
            },
        );
        m.insert(
            "tags".to_owned(),
            AttributeValue {
                l: Some(e.tags.iter().cloned().map(s).collect()),
                ..Default::default()
            },
        );
        if let Some(note) = &e.note {
            m.insert("note".to_owned(), s(note.clone()));
        }
        m
    }

    pub fn from_item(mut m: HashMap<String, AttributeValue>) -> Event {
        let mut text = |k: &str| m.remove(k).and_then(|a| a.s);
        let tenant_id = text("tenant_id").unwrap_or_default();
        let day = text("day").unwrap_or_default();
        let name = text("name").unwrap_or_default();
        let note = text("note");
        let mut num = |k: &str| m.remove(k).and_then(|a| a.n).unwrap_or_default();
        let shard = num("shard").parse().unwrap_or_default();
        let seq = num("seq").parse().unwrap_or_default();
        let amount = num("amount").parse().unwrap_or_default();
        let count = num("count").parse().unwrap_or_default();
        let active = m.remove("active").and_then(|a| a.bool).unwrap_or_default();
        let tags = m
            .remove("tags")
            .and_then(|a| a.l)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|a| a.s)
            .collect();
        Event {
            tenant_id,
            shard,
            day,
            seq,
            name,
            amount,
            count,
            active,
            tags,
            note,
        }
    }
}

/// What a raw `aws-sdk-dynamodb` user writes for `Event`: the same key
/// strings and map, in the SDK's `AttributeValue` enum.
#[cfg(feature = "bench-aws-sdk")]
mod sdk {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue as Av;

    /// A client for `endpoint` with static credentials, as a user of the
    /// SDK's defaults builds it (its own HTTP client, standard retries).
    pub fn client(endpoint: &str) -> aws_sdk_dynamodb::Client {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .endpoint_url(endpoint.trim_end_matches('/'))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "local", "local", None, None, "bench",
            ))
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    pub fn key(e: &Event) -> HashMap<String, Av> {
        HashMap::from([
            ("pk".to_owned(), Av::S(raw::pk(&e.tenant_id, e.shard))),
            ("sk".to_owned(), Av::S(format!("{}#{}", e.day, e.seq))),
        ])
    }

    pub fn to_item(e: &Event) -> HashMap<String, Av> {
        let mut m = HashMap::with_capacity(13);
        m.insert("pk".to_owned(), Av::S(raw::pk(&e.tenant_id, e.shard)));
        m.insert("sk".to_owned(), Av::S(format!("{}#{}", e.day, e.seq)));
        m.insert("_type".to_owned(), Av::S("Event".to_owned()));
        m.insert("tenant_id".to_owned(), Av::S(e.tenant_id.clone()));
        m.insert("shard".to_owned(), Av::N(e.shard.to_string()));
        m.insert("day".to_owned(), Av::S(e.day.clone()));
        m.insert("seq".to_owned(), Av::N(e.seq.to_string()));
        m.insert("name".to_owned(), Av::S(e.name.clone()));
        m.insert("amount".to_owned(), Av::N(e.amount.to_string()));
        m.insert("count".to_owned(), Av::N(e.count.to_string()));
        m.insert("active".to_owned(), Av::Bool(e.active));
        m.insert(
            "tags".to_owned(),
            Av::L(e.tags.iter().cloned().map(Av::S).collect()),
        );
        if let Some(note) = &e.note {
            m.insert("note".to_owned(), Av::S(note.clone()));
        }
        m
    }

    pub fn from_item(mut m: HashMap<String, Av>) -> Event {
        let mut text = |k: &str| match m.remove(k) {
            Some(Av::S(s)) => Some(s),
            _ => None,
        };
        let tenant_id = text("tenant_id").unwrap_or_default();
        let day = text("day").unwrap_or_default();
        let name = text("name").unwrap_or_default();
        let note = text("note");
        let mut num = |k: &str| match m.remove(k) {
            Some(Av::N(n)) => n,
            _ => String::new(),
        };
        let shard = num("shard").parse().unwrap_or_default();
        let seq = num("seq").parse().unwrap_or_default();
        let amount = num("amount").parse().unwrap_or_default();
        let count = num("count").parse().unwrap_or_default();
        let active = matches!(m.remove("active"), Some(Av::Bool(true)));
        let tags = match m.remove("tags") {
            Some(Av::L(l)) => l
                .into_iter()
                .filter_map(|a| match a {
                    Av::S(s) => Some(s),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        Event {
            tenant_id,
            shard,
            day,
            seq,
            name,
            amount,
            count,
            active,
            tags,
            note,
        }
    }
}

// ---------------------------------------------------------------- settings

struct Sizes {
    quick: bool,
    item_ops: usize,
    item_rounds: usize,
    rounds: usize,
    query_items: usize,
    batch_items: usize,
    scan_items: usize,
    stream_small: usize,
    stream_large: usize,
}

fn env_size(name: &str, default: usize, quick: bool) -> usize {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}=`{v}` is not a number")),
        _ if quick => (default / 10).max(1),
        _ => default,
    }
}

impl Sizes {
    fn from_env() -> Sizes {
        let quick = std::env::var("DYNAMO_BENCH_QUICK").is_ok_and(|v| v == "1");
        Sizes {
            quick,
            item_ops: env_size("DYNAMO_BENCH_ITEM_OPS", 500, quick),
            item_rounds: env_size("DYNAMO_BENCH_ITEM_ROUNDS", 9, false).max(1),
            rounds: env_size("DYNAMO_BENCH_ROUNDS", 5, false).max(1),
            query_items: env_size("DYNAMO_BENCH_QUERY_ITEMS", 20, false),
            batch_items: env_size("DYNAMO_BENCH_BATCH_ITEMS", 10_000, quick),
            scan_items: env_size("DYNAMO_BENCH_SCAN_ITEMS", 50_000, quick),
            stream_small: env_size("DYNAMO_BENCH_STREAM_SMALL", 10_000, quick),
            stream_large: env_size("DYNAMO_BENCH_STREAM_LARGE", 100_000, quick),
        }
    }
}

// ---------------------------------------------------------------- helpers

/// One row of the table (`met`: `None` for figures without a target).
/// The ratio is cut to two decimals toward missing its target, so a row
/// never reads as if it met a target it missed (1.097 against `>= 1.10x`
/// shows as 1.09, 0.803 against `<= 0.80x` as 0.81).
fn result(figure: &str, ours: &str, reference: &str, ratio: f64, target: &str, met: Option<bool>) {
    let met = match met {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    };
    let shown = if target.starts_with(">=") {
        (ratio * 100.0).floor() / 100.0
    } else if target.starts_with("<=") {
        (ratio * 100.0).ceil() / 100.0
    } else {
        ratio
    };
    println!("RESULT\t{figure}\t{ours}\t{reference}\t{shown:.2}\t{target}\t{met}");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `op(i)` for `i` in `0..n` on `concurrency` tasks; returns ops/s.
async fn throughput<F, Fut>(n: usize, concurrency: usize, op: F) -> f64
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (op, next) = (op.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    op(i).await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("worker");
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// CPU time this process has used so far, in nanoseconds (Linux: the sum
/// over its threads of `/proc/self/task/*/schedstat`), to tell the client's
/// cost per operation from the server's.
fn cpu_ns() -> Option<u64> {
    process_cpu_ns(std::path::Path::new("/proc/self"))
}

/// The CPU time of the process at `/proc/<pid>`, summed over its threads.
fn process_cpu_ns(proc_dir: &std::path::Path) -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(proc_dir.join("task")).ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// The pid of the server process this benchmark started, if it did.
static SERVER_PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

/// CPU time the server has used so far, in nanoseconds, when it is the
/// local engine this benchmark started in a process of its own. It tells
/// whether a figure is bound by the server.
fn server_cpu_ns() -> Option<u64> {
    let pid = SERVER_PID.get()?;
    process_cpu_ns(&std::path::Path::new("/proc").join(pid.to_string()))
}

/// Serves the local engine until standard input closes (the parent
/// benchmark exits or drops the pipe): `DYNAMO_BENCH_SERVE=1`.
fn serve_local_engine() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = env_size("DYNAMO_BENCH_ENGINE_THREADS", cores, false);
    let local = dynamo::local::LocalDynamo::builder()
        .threads(threads)
        .start()
        .expect("start the local engine");
    println!("{}", local.endpoint());
    use std::io::{Read, Write};
    let _ = std::io::stdout().flush();
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}

/// The local engine in a process of its own (this binary, re-run with
/// `DYNAMO_BENCH_SERVE=1`), so its CPU time is not the client's. Returns
/// the endpoint and the child (which stops when its stdin is dropped).
fn start_server_process() -> (String, std::process::Child) {
    use std::io::BufRead;
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let mut child = std::process::Command::new(exe)
        .env("DYNAMO_BENCH_SERVE", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the local engine process");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the engine's endpoint");
    let _ = SERVER_PID.set(child.id());
    (line.trim().to_owned(), child)
}

/// CPU seconds the client and the server spent while `f` ran, as text.
async fn with_cpu<F: Future>(f: F) -> (F::Output, String) {
    let (client0, server0) = (cpu_ns(), server_cpu_ns());
    let out = f.await;
    let secs = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (Some(a), Some(b)) => format!("{:.2} s", b.saturating_sub(a) as f64 / 1e9),
        _ => "unknown".to_owned(),
    };
    let used = format!(
        "client CPU {}, server CPU {}",
        secs(client0, cpu_ns()),
        secs(server0, server_cpu_ns())
    );
    (out, used)
}

async fn timed<F: Future>(f: F) -> (Duration, F::Output) {
    let started = Instant::now();
    let out = f.await;
    (started.elapsed(), out)
}

/// Writes items `from..to` (tenant `tenant`, 4096 shards) in chunks.
async fn fill(client: &Client, tenant: &str, from: usize, to: usize) {
    let mut i = from;
    while i < to {
        let end = (i + 5000).min(to);
        let items: Vec<Event> = (i..end)
            .map(|k| event(tenant, (k % 4096) as i64, k as u64))
            .collect();
        let out = client
            .batch_write_item(items, Opts::new())
            .await
            .expect("batch_write_item");
        assert!(out.unprocessed_items.is_empty(), "unprocessed items left");
        i = end;
    }
}

async fn fresh_table(client: &Client) {
    match client.delete_table::<Event>().await {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::ResourceNotFound => {}
        Err(e) => panic!("delete_table: {e}"),
    }
    client.create_table::<Event>().await.expect("create_table");
}

fn in_table<F: Future>(prefix: &str, f: F) -> impl Future<Output = F::Output> {
    config::scope(Config::new().table_prefix(prefix), f)
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

// ---------------------------------------------------------------- figures

/// One timed run of `what` on one side (0: the crate, 1: the hand-written side);
/// returns operations per second.
#[allow(clippy::too_many_arguments)]
async fn run_side(
    client: &Client,
    raw: &Raw,
    table: &str,
    what: &str,
    side: usize,
    n: usize,
    concurrency: usize,
    (partitions, q): (usize, u64),
) -> f64 {
    if side == 0 {
        let c = client.clone();
        match what {
            "put_item" => {
                throughput(n, concurrency, move |i| {
                    let c = c.clone();
                    async move {
                        let e = event("write", (i % 100) as i64, i as u64);
                        black_box(c.put_item(e, Opts::new()).await.expect("put"));
                    }
                })
                .await
            }
            "get_item" => {
                throughput(n, concurrency, move |i| {
                    let c = c.clone();
                    async move {
                        let key = item!(Event {
                            tenant_id: "read",
                            shard: (i % partitions) as i64,
                            day: "2024-01-15",
                            seq: (i as u64 * 7) % q,
                        });
                        let got = c.get_item(&key, Opts::new()).await.expect("get");
                        assert!(black_box(got).is_some());
                    }
                })
                .await
            }
            _ => {
                throughput(n, concurrency, move |i| {
                    let c = c.clone();
                    async move {
                        let key = item!(Event {
                            tenant_id: "read",
                            shard: (i % partitions) as i64,
                        });
                        let got = c.list_items(&key, Opts::new()).await.expect("query");
                        assert_eq!(black_box(got).len() as u64, q);
                    }
                })
                .await
            }
        }
    } else {
        let (r, table) = (raw.clone(), table.to_owned());
        match what {
            "put_item" => {
                throughput(n, concurrency, move |i| {
                    let (r, table) = (r.clone(), table.clone());
                    async move {
                        let e = event("write", (i % 100) as i64, i as u64);
                        r.put(&table, &e).await;
                        black_box(e);
                    }
                })
                .await
            }
            "get_item" => {
                throughput(n, concurrency, move |i| {
                    let (r, table) = (r.clone(), table.clone());
                    async move {
                        let key = Event {
                            tenant_id: "read".to_owned(),
                            shard: (i % partitions) as i64,
                            day: "2024-01-15".to_owned(),
                            seq: (i as u64 * 7) % q,
                            ..Default::default()
                        };
                        let got = r.get(&table, &key).await;
                        assert!(black_box(got).is_some());
                    }
                })
                .await
            }
            _ => {
                throughput(n, concurrency, move |i| {
                    let (r, table) = (r.clone(), table.clone());
                    async move {
                        let pk = raw::pk("read", (i % partitions) as i64);
                        let got = r.query(&table, pk).await;
                        assert_eq!(black_box(got).len() as u64, q);
                    }
                })
                .await
            }
        }
    }
}

async fn item_ops(client: &Client, raw: &Raw, sizes: &Sizes) {
    fresh_table(client).await;
    let table = Event::table_name().to_owned();
    // Partitions to read: `query_items` items each.
    let partitions = 50usize;
    for p in 0..partitions {
        let items = (0..sizes.query_items)
            .map(|k| event("read", p as i64, k as u64))
            .collect();
        client
            .batch_write_item(items, Opts::new())
            .await
            .expect("preload");
    }
    let q = sizes.query_items as u64;
    if std::env::var("DYNAMO_BENCH_DEBUG").is_ok() {
        dynamo::logger::enable();
        let key = item!(Event {
            tenant_id: "read",
            shard: 1i64
        });
        let _ = client.list_items(&key, Opts::new()).await;
        let key = item!(Event {
            tenant_id: "read",
            shard: 1i64,
            day: "2024-01-15",
            seq: 1u64
        });
        let _ = client.get_item(&key, Opts::new()).await;
        dynamo::logger::disable();
    }

    let shape = (partitions, q);
    let kinds = std::env::var("DYNAMO_BENCH_ITEM_KINDS").unwrap_or_default();
    // For profilers: one side alone (`dynamo` or `raw`), no figures.
    if let Ok(only) = std::env::var("DYNAMO_BENCH_PROFILE_SIDE") {
        let side = usize::from(only.trim() != "dynamo");
        for what in ["put_item", "get_item", "list_items"] {
            if !kinds.is_empty() && !kinds.split(',').any(|k| k.trim() == what) {
                continue;
            }
            for concurrency in [1usize, 16] {
                if let Ok(c) = std::env::var("DYNAMO_BENCH_PROFILE_CONCURRENCY")
                    && c.trim() != concurrency.to_string()
                {
                    continue;
                }
                let n = sizes.item_ops * sizes.item_rounds;
                let t = run_side(client, raw, &table, what, side, n, concurrency, shape).await;
                eprintln!("load: profile {only} {what} x{concurrency}: {t:.0} ops/s");
            }
        }
        return;
    }
    // Rows of the aws backend's run are labelled with it.
    let backend = match raw {
        Raw::Rusoto(_) => "",
        #[cfg(feature = "bench-aws-sdk")]
        Raw::Sdk(_) => "aws backend: ",
    };
    for what in ["put_item", "get_item", "list_items"] {
        if !kinds.is_empty() && !kinds.split(',').any(|k| k.trim() == what) {
            continue;
        }
        // Warm up both sides (connection pools, lazily built state) untimed.
        for side in [0, 1] {
            let n = sizes.item_ops.min(500);
            run_side(client, raw, &table, what, side, n, 16, shape).await;
        }
        for concurrency in [1usize, 16] {
            let mut ours = Vec::new();
            let mut theirs = Vec::new();
            let mut cpu = [Vec::new(), Vec::new()];
            let mut server_cpu = [Vec::new(), Vec::new()];
            for round in 0..sizes.item_rounds {
                for side in [round % 2, 1 - round % 2] {
                    let cpu_before = cpu_ns();
                    let server_before = server_cpu_ns();
                    let t = run_side(
                        client,
                        raw,
                        &table,
                        what,
                        side,
                        sizes.item_ops,
                        concurrency,
                        shape,
                    )
                    .await;
                    if let (Some(a), Some(b)) = (cpu_before, cpu_ns()) {
                        cpu[side].push((b - a) as f64 / sizes.item_ops as f64 / 1000.0);
                    }
                    if let (Some(a), Some(b)) = (server_before, server_cpu_ns()) {
                        server_cpu[side].push((b - a) as f64 / sizes.item_ops as f64 / 1000.0);
                    }
                    if side == 0 {
                        ours.push(t);
                    } else {
                        theirs.push(t);
                    }
                }
            }
            // The ratio is the median of the rounds' ratios: each round runs
            // both sides back to back, so a change of the machine's load or
            // of the server's state between rounds cancels out.
            let ratios: Vec<f64> = ours.iter().zip(&theirs).map(|(o, t)| o / t).collect();
            let spread = ratios
                .iter()
                .fold((f64::MAX, f64::MIN), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
            let ratio = median(ratios);
            let (o, t) = (median(ours), median(theirs));
            // Client CPU per operation (this process: both sides' tokio
            // workers; the server is another process), and the server's
            // (when this benchmark started it): what each side's requests
            // cost the engine.
            let per_op = |v: &Vec<f64>| (!v.is_empty()).then(|| median(v.clone()));
            let [cpu_ours, cpu_theirs] = [per_op(&cpu[0]), per_op(&cpu[1])];
            let [server_ours, server_theirs] = [per_op(&server_cpu[0]), per_op(&server_cpu[1])];
            let us = |v: Option<f64>| v.map_or("unknown".to_owned(), |v| format!("{v:.0} us"));
            let reference = raw.name();
            eprintln!(
                "load: {backend}{what} x{concurrency}: dynamo {o:.0} ops/s, {} CPU/op (server {}/op), \
                 {reference} {t:.0} ops/s, {} CPU/op (server {}/op); \
                 ratio {ratio:.2} (rounds {:.2} to {:.2})",
                us(cpu_ours),
                us(server_ours),
                us(cpu_theirs),
                us(server_theirs),
                spread.0,
                spread.1
            );
            result(
                &format!("{backend}{what} throughput, concurrency {concurrency}"),
                &format!("{o:.0} ops/s"),
                &format!("{t:.0} ops/s ({reference})"),
                ratio,
                ">= 1.10x",
                Some(ratio >= 1.10),
            );
            // The rounds' CPU ratios, as for throughput.
            let cpu_ratios: Vec<f64> = cpu[0].iter().zip(&cpu[1]).map(|(o, t)| o / t).collect();
            if !cpu_ratios.is_empty() {
                let cpu_ratio = median(cpu_ratios);
                result(
                    &format!("{backend}{what} client CPU per operation, concurrency {concurrency}"),
                    &format!("{} (server {})", us(cpu_ours), us(server_ours)),
                    &format!(
                        "{} (server {}) ({reference})",
                        us(cpu_theirs),
                        us(server_theirs)
                    ),
                    cpu_ratio,
                    "<= 0.80x",
                    Some(cpu_ratio <= 0.80),
                );
            }
        }
    }
}

async fn raw_batch_write(raw: &DynamoDbClient, table: &str, n: usize) {
    use futures_util::StreamExt;
    let chunks: Vec<Vec<WriteRequest>> = (0..n)
        .map(|i| WriteRequest {
            put_request: Some(PutRequest {
                item: raw::to_item(&event("batch", (i % 4096) as i64, i as u64)),
            }),
            delete_request: None,
        })
        .collect::<Vec<_>>()
        .chunks(25)
        .map(<[WriteRequest]>::to_vec)
        .collect();
    futures_util::stream::iter(chunks)
        .map(|mut chunk| async move {
            let mut wait = Duration::from_millis(25);
            while !chunk.is_empty() {
                let out = raw
                    .batch_write_item(BatchWriteItemInput {
                        request_items: HashMap::from([(table.to_owned(), chunk)]),
                        ..Default::default()
                    })
                    .await
                    .expect("raw batch_write_item");
                chunk = out
                    .unprocessed_items
                    .and_then(|mut m| m.remove(table))
                    .unwrap_or_default();
                if !chunk.is_empty() {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
}

async fn batch_vs_sequential(client: &Client, raw: &DynamoDbClient, sizes: &Sizes) {
    let n = sizes.batch_items;
    in_table("batch_", fresh_table(client)).await;
    let ((seq, ()), seq_cpu) = with_cpu(timed(in_table("batch_", async {
        for i in 0..n {
            let e = event("batch", (i % 4096) as i64, i as u64);
            black_box(client.put_item(e, Opts::new()).await.expect("put"));
        }
    })))
    .await;
    eprintln!("load: {n} sequential put_item calls: {seq_cpu} in {seq:?}");
    let items: Vec<Event> = (0..n)
        .map(|i| event("batch", (i % 4096) as i64, i as u64))
        .collect();
    // `DYNAMO_BENCH_BATCH_CONCURRENCY`: chunks in flight (default: the
    // crate's default, 8).
    let opts = match std::env::var("DYNAMO_BENCH_BATCH_CONCURRENCY") {
        Ok(c) => Opts::new().concurrency(c.parse().expect("a number")),
        Err(_) => Opts::new(),
    };
    let ((batch, out), batch_cpu) = with_cpu(timed(in_table(
        "batch_",
        client.batch_write_item(items, opts),
    )))
    .await;
    let out = out.expect("batch_write_item");
    eprintln!("load: batch write of {n} items: {batch_cpu} in {batch:?}");
    assert_eq!(out.processed_items, n);
    // For reference: the same batch write through raw rusoto (25 items per
    // request, 8 requests in flight, leftovers re-sent), to tell the crate's
    // overhead from the server's limit.
    let table = format!("batch_{}", Event::table_name());
    let (raw_batch, ()) = timed(raw_batch_write(raw, &table, n)).await;
    let ratio = seq.as_secs_f64() / batch.as_secs_f64();
    eprintln!(
        "load: {n} items: batch {batch:?} (raw rusoto batch {raw_batch:?}), sequential put_item {seq:?}"
    );
    let raw_ratio = raw_batch.as_secs_f64() / batch.as_secs_f64();
    result(
        &format!("batch write {n} items: crate vs raw rusoto BatchWriteItem"),
        &format!("{:.2} s", batch.as_secs_f64()),
        &format!("{:.2} s", raw_batch.as_secs_f64()),
        raw_ratio,
        "-",
        None,
    );
    result(
        &format!("batch write {n} items vs sequential put_item"),
        &format!("{:.2} s", batch.as_secs_f64()),
        &format!("{:.2} s", seq.as_secs_f64()),
        ratio,
        ">= 10x",
        Some(ratio >= 10.0),
    );
}

async fn scans_and_streams(client: &Client, sizes: &Sizes) {
    // The parallel scan figure.
    let n = sizes.scan_items;
    in_table("scan_", fresh_table(client)).await;
    let (load, ()) = timed(in_table("scan_", fill(client, "scan", 0, n))).await;
    eprintln!("load: loaded {n} items in {load:?}");
    let mut par = Vec::new();
    let mut seq = Vec::new();
    for round in 0..sizes.rounds {
        for segments in [round % 2, 1 - round % 2].map(|s| if s == 0 { 4usize } else { 1 }) {
            let (t, items) = timed(in_table(
                "scan_",
                client.parallel_scan::<Event>(Opts::new().segments(segments)),
            ))
            .await;
            assert_eq!(items.expect("parallel_scan").len(), n);
            if segments == 4 { &mut par } else { &mut seq }.push(t.as_secs_f64());
        }
    }
    let (p, s) = (median(par), median(seq));
    let ratio = s / p;
    eprintln!("load: scan {n}: 4 segments {p:.2} s, 1 segment {s:.2} s");
    result(
        &format!("parallel scan (4 segments) of {n} items vs sequential"),
        &format!("{p:.2} s"),
        &format!("{s:.2} s"),
        ratio,
        ">= 1.3x",
        Some(ratio >= 1.3),
    );

    // The streaming memory figure: a small table and a large one.
    let (small, large) = (sizes.stream_small, sizes.stream_large);
    in_table("small_", fresh_table(client)).await;
    in_table("small_", fill(client, "small", 0, small)).await;
    // The large table is the scan table, topped up.
    if large > n {
        in_table("scan_", fill(client, "scan", n, large)).await;
    } else {
        in_table("scan_", fresh_table(client)).await;
        in_table("scan_", fill(client, "scan", 0, large)).await;
    }
    // `DYNAMO_BENCH_STREAM_PAGE_SIZE`: items per request. Default:
    // DynamoDB's 1 MB pages — except in a quick run, where the small table
    // would fit in one short page and the comparison would mean nothing.
    let page_size: Option<usize> = match std::env::var("DYNAMO_BENCH_STREAM_PAGE_SIZE") {
        Ok(p) => Some(p.parse().expect("a number")),
        Err(_) if sizes.quick => Some(200),
        Err(_) => None,
    };
    let consume = |prefix: &'static str| {
        in_table(prefix, async move {
            let opts = match page_size {
                Some(p) => Opts::new().page_size(p),
                None => Opts::new(),
            };
            let mut stream = std::pin::pin!(client.scan_stream::<Event>(opts));
            let mut count = 0usize;
            while let Some(e) = stream.try_next().await.expect("stream") {
                black_box(e);
                count += 1;
            }
            count
        })
    };
    // Warm up: connections, lazily initialised state.
    let _ = in_table("small_", async {
        client
            .scan::<Event>(Opts::new().limit(10))
            .await
            .expect("scan")
    })
    .await;
    let mut peaks = [0usize; 2];
    // The quickest pass over the large table (for information only).
    let mut fastest = Duration::MAX;
    for _ in 0..sizes.rounds.min(2) {
        for (slot, (prefix, expected)) in [("small_", small), ("scan_", large)].iter().enumerate() {
            let started = Instant::now();
            let (peak, count) = peak_heap_during(consume(prefix)).await;
            if slot == 1 {
                fastest = fastest.min(started.elapsed());
            }
            assert_eq!(count, *expected);
            peaks[slot] = peaks[slot].max(peak);
        }
    }
    let ratio = peaks[1] as f64 / peaks[0] as f64;
    eprintln!(
        "load: stream peak heap: {large} items {}, {small} items {}; the {large} items streamed in {:.2} s",
        mib(peaks[1]),
        mib(peaks[0]),
        fastest.as_secs_f64()
    );
    result(
        &format!("stream::scan peak heap, {large} vs {small} items"),
        &mib(peaks[1]),
        &mib(peaks[0]),
        ratio,
        "<= 1.2x",
        Some(ratio <= 1.2),
    );
}

fn main() {
    if std::env::var_os("DYNAMO_BENCH_SERVE").is_some() {
        serve_local_engine();
        return;
    }
    // `cargo test --benches` runs bench targets without `--bench`: nothing
    // to do then (this needs a server and minutes).
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("load: run with `cargo bench --bench load` (see scripts/bench)");
        return;
    }
    // The server: a loopback DynamoDB named by AWS_ENDPOINT_URL_DYNAMODB, or
    // else the local engine in a process of its own.
    let mut server_process = None;
    let endpoint = match std::env::var("AWS_ENDPOINT_URL_DYNAMODB") {
        Ok(e) if !e.trim().is_empty() => e,
        _ => {
            let (endpoint, child) = start_server_process();
            server_process = Some(child);
            endpoint
        }
    };
    let host = endpoint
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let loopback = ["127.", "localhost", "[::1]"]
        .iter()
        .any(|p| host.starts_with(p));
    if !loopback {
        eprintln!(
            "load: refusing to write 100k+ items to {endpoint}: benchmarks run on loopback only"
        );
        std::process::exit(2);
    }
    // `DYNAMO_BENCH_BACKEND=aws` (feature `bench-aws-sdk`): the crate on its
    // aws backend against hand-written aws-sdk-dynamodb code.
    let backend = match std::env::var("DYNAMO_BENCH_BACKEND").as_deref() {
        Ok("aws") if cfg!(feature = "bench-aws-sdk") => Backend::Aws,
        Ok("aws") => {
            eprintln!(
                "load: DYNAMO_BENCH_BACKEND=aws needs the feature: \
                 cargo bench --bench load --features bench-aws-sdk"
            );
            std::process::exit(2);
        }
        Ok("rusoto") | Ok("") | Err(_) => Backend::Rusoto,
        Ok(other) => {
            eprintln!("load: DYNAMO_BENCH_BACKEND=`{other}`: use `rusoto` or `aws`");
            std::process::exit(2);
        }
    };
    let sizes = Sizes::from_env();
    let only = std::env::var("DYNAMO_BENCH_ONLY").unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only.split(',').any(|o| o.trim() == name);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = Client::builder()
            .backend(backend)
            .endpoint(&endpoint)
            .credentials("local", "local")
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        let raw = DynamoDbClient::new_with(
            HttpClient::from_connector(connector),
            StaticProvider::new_minimal("local".to_owned(), "local".to_owned()),
            Region::Custom {
                name: "us-east-1".to_owned(),
                endpoint: endpoint.trim_end_matches('/').to_owned(),
            },
        );
        if backend != Backend::Rusoto {
            // The aws backend against hand-written aws-sdk-dynamodb code: the
            // item operations (the other figures do not depend on the backend).
            #[cfg(feature = "bench-aws-sdk")]
            if wanted("items") {
                item_ops(&client, &Raw::Sdk(sdk::client(&endpoint)), &sizes).await;
            }
            return;
        }
        if wanted("items") {
            item_ops(&client, &Raw::Rusoto(raw.clone()), &sizes).await;
        }
        if wanted("batch") {
            batch_vs_sequential(&client, &raw, &sizes).await;
        }
        if wanted("scan") {
            scans_and_streams(&client, &sizes).await;
        }
    });
    // Closing its stdin stops the engine process.
    if let Some(mut child) = server_process {
        drop(child.stdin.take());
        let _ = child.wait();
    }
}
