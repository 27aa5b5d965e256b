//! Streaming a large table (the guide's "Streaming for Large Tables"):
//! seed 20,000 items with batch writes, then read them all back three ways,
//! none of which holds the table in memory:
//!
//! 1. `stream::scan` — lazy and sequential: the next page is fetched only
//!    when the consumer gets to it, so memory stays at one page;
//! 2. `stream::parallel_scan` — every segment scanned concurrently, items
//!    yielded as pages arrive (a slow consumer slows the scan: backpressure);
//! 3. `stream::scan_to_channel` — a background task sends batches into a
//!    tokio channel for a consumer task (Elixir's `scan_to_process`).
//!
//! Scans read — and on AWS bill for — every item examined, streamed or not;
//! prefer queries when a partition key is known.
//!
//! Run it with `cargo run --example streaming` (`cargo run --example streaming -- 5000`
//! for another item count).

use std::time::Instant;

use dynamo::config::{self, Config};
use dynamo::prelude::*;
use dynamo::table::stream;
use futures_util::{StreamExt, TryStreamExt};
use tokio::sync::mpsc;

dynamo_item! {
    /// One order of a large, flat table.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Order {
        table_name "stream_orders";
        field :order_id: String, partition_key;
        field :customer: String;
        field :amount: i64;
        field :active: bool;
        field :note: String;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The DynamoDB named by AWS_ENDPOINT_URL_DYNAMODB, or else a local engine
    // started here (and stopped when `_engine` is dropped).
    let _engine = dynamo::local::LocalDynamo::start_unless_configured().await?;
    let count: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 20_000,
    };
    let client = Client::default_client()?;
    println!(
        "DynamoDB at {}",
        client.endpoint().unwrap_or("the AWS regional endpoint")
    );
    config::set_global(Config::new().table_prefix(format!(
        "ex{}_{}_",
        std::process::id(),
        fastrand::u16(..)
    )));

    Order::create_table().await?;
    let table = Order::schema().effective_table_name();
    println!("created table `{table}`");
    let outcome = demo(count).await;
    Order::delete_table().await?;
    println!("deleted table `{table}`");
    outcome
}

fn order(i: usize) -> Order {
    item!(Order {
        order_id: format!("order-{i:06}"),
        customer: format!("customer-{:03}", i % 250),
        amount: (i % 100) as i64 + 1,
        active: !i.is_multiple_of(4),
        note: "x".repeat(40),
    })
}

async fn demo(count: usize) -> anyhow::Result<()> {
    // The expected results, computed from what is written.
    let expect_active = (0..count).filter(|i| !i.is_multiple_of(4)).count();
    let expect_sum: i64 = (0..count).map(|i| (i % 100) as i64 + 1).sum();

    // --- seed: batch writes, 25 items a request, 8 requests in flight --------
    let started = Instant::now();
    let chunk = 5_000;
    let mut written = 0;
    for start in (0..count).step_by(chunk) {
        let items: Vec<Order> = (start..(start + chunk).min(count)).map(order).collect();
        let out = dynamo::table::batch_write_item(items).await?;
        anyhow::ensure!(
            out.unprocessed_items.is_empty(),
            "{} items were not written",
            out.unprocessed_items.len()
        );
        written += out.processed_items;
        println!("  seeded {written:>6} / {count}");
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {written} items by batch write in {secs:.1} s ({:.0} items/s)",
        written as f64 / secs
    );

    // --- 1. lazy sequential stream ---------------------------------------------
    // Taking 3 items reads one page, not the table.
    let started = Instant::now();
    let first: Vec<Order> = stream::scan::<Order>(opts![page_size: 500])
        .take(3)
        .try_collect()
        .await?;
    println!(
        "\n1. stream::scan — first {} items in {:.1?} (one page of 500 read): {}",
        first.len(),
        started.elapsed(),
        first
            .iter()
            .map(|o| o.order_id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );

    let started = Instant::now();
    let (mut seen, mut active, mut sum) = (0usize, 0usize, 0i64);
    let mut items = stream::scan::<Order>(opts![page_size: 1000]);
    while let Some(o) = items.try_next().await? {
        seen += 1;
        if o.active {
            active += 1;
            sum += o.amount;
        }
    }
    println!(
        "   the whole table, page by page: {seen} items, {active} active, active amount {sum} ({:.1?})",
        started.elapsed()
    );
    assert_eq!(seen, count);
    assert_eq!(active, expect_active);

    // --- 2. parallel stream ---------------------------------------------------------
    let started = Instant::now();
    let (n, total) = stream::parallel_scan::<Order>(opts![segments: 8, page_size: 1000])
        .try_fold((0usize, 0i64), |(n, total), o| async move {
            Ok((n + 1, total + o.amount))
        })
        .await?;
    println!(
        "\n2. stream::parallel_scan, 8 segments at once: {n} items, amount {total} ({:.1?})",
        started.elapsed()
    );
    assert_eq!(n, count);
    assert_eq!(total, expect_sum);

    // A filter runs on the server: fewer items cross the wire, but every item
    // is still read.
    let started = Instant::now();
    let big: usize = stream::parallel_scan::<Order>(opts![
        segments: 4,
        filter_expression: "amount > :min",
        expression_attribute_values: {":min" => 90}
    ])
    .try_fold(0usize, |n, _| async move { Ok(n + 1) })
    .await?;
    println!(
        "   with filter `amount > 90`: {big} items ({:.1?})",
        started.elapsed()
    );
    assert_eq!(big, (0..count).filter(|i| i % 100 + 1 > 90).count());

    // --- 3. into a channel, consumed by another task ----------------------------------
    let started = Instant::now();
    let (tx, mut rx) = mpsc::channel::<ScanMessage<Order>>(8);
    let scan = stream::scan_to_channel::<Order>(tx, opts![segments: 4, batch_size: 500]);
    let consumer = tokio::spawn(async move {
        let (mut batches, mut items, mut customers) =
            (0usize, 0usize, std::collections::HashSet::new());
        while let Some(msg) = rx.recv().await {
            match msg {
                ScanMessage::Batch(orders) => {
                    batches += 1;
                    items += orders.len();
                    customers.extend(orders.into_iter().map(|o| o.customer));
                }
                ScanMessage::Item(o) => {
                    items += 1;
                    customers.insert(o.customer);
                }
                ScanMessage::Complete => break,
                ScanMessage::Error(e) => return Err(e),
            }
        }
        Ok((batches, items, customers.len()))
    });
    scan.await??;
    let (batches, received, customers) = consumer.await??;
    println!(
        "\n3. stream::scan_to_channel, 4 segments, batches of 500: {received} items in {batches} batches, \
         {customers} distinct customers ({:.1?})",
        started.elapsed()
    );
    assert_eq!(received, count);
    Ok(())
}
