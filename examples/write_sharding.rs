//! Write sharding (the guide's "Partition Key Strategies: Write Sharding" and
//! "Anti-Patterns: Hot Partitions"): a shard suffix on the partition key
//! spreads writes that would all hit one partition over `SHARDS` of them.
//!
//! Two shapes of it:
//!
//! * **Events of a day.** `partition_key [:day, :shard]` turns the hot
//!   `"2024-05-01"` into `"2024-05-01#0"` … `"2024-05-01#7"`. The shard is
//!   computed from the event id (a *calculated* suffix), so a writer or
//!   reader that knows the id knows the shard. Reading "the whole day" is one
//!   query per shard, run concurrently, merged.
//! * **A counter** (the guide's `MyApp.Counter`): each increment picks a
//!   *random* shard, `"page_views#0"` … `"page_views#7"`; the total is the
//!   sum of the shards, read with one batch get.
//!
//! Run it with `cargo run --example write_sharding`.

use std::collections::BTreeMap;
use std::time::Instant;

use dynamo::config::{self, Config};
use dynamo::prelude::*;
use futures_util::future::try_join_all;
use futures_util::{StreamExt, TryStreamExt, stream};

/// Partitions per sharded key.
const SHARDS: i64 = 8;
/// Events written for the day.
const EVENTS: usize = 2_000;
/// Counter increments.
const INCREMENTS: usize = 400;

dynamo_item! {
    /// One event of a day; `pk = <day>#<shard>`, `sk = <occurred_at>#<event_id>`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Event {
        table_name "events";
        field :day: String;
        field :shard: i64;
        field :occurred_at: String;
        field :event_id: String;
        field :kind: String;
        field :amount: i64;
        partition_key [:day, :shard];
        sort_key [:occurred_at, :event_id];
    }
}

dynamo_item! {
    /// The guide's sharded counter; `pk = <counter_name>#<shard>`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Counter {
        table_name "counters";
        field :counter_name: String;
        field :shard: i64;
        field :count: i64, default: 0;
        partition_key [:counter_name, :shard];
    }
}

/// The shard of an event: a hash of its id (FNV-1a), so it can be found
/// again from the id alone.
fn shard_of(event_id: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in event_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % SHARDS as u64) as i64
}

/// The guide's `sharded_key/1`: a random shard for each write.
fn random_shard() -> i64 {
    fastrand::i64(0..SHARDS)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The DynamoDB named by AWS_ENDPOINT_URL_DYNAMODB, or else a local engine
    // started here (and stopped when `_engine` is dropped).
    let _engine = dynamo::local::LocalDynamo::start_unless_configured().await?;
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

    Event::create_table().await?;
    Counter::create_table().await?;
    println!(
        "created tables `{}` and `{}`",
        Event::schema().effective_table_name(),
        Counter::schema().effective_table_name()
    );
    let outcome = async {
        events().await?;
        counter().await
    }
    .await;
    Event::delete_table().await?;
    Counter::delete_table().await?;
    println!("deleted both tables");
    outcome
}

async fn events() -> anyhow::Result<()> {
    let day = "2024-05-01";
    // --- writes: every event goes to the shard its id hashes to -------------
    let kinds = ["view", "click", "purchase"];
    let events: Vec<Event> = (0..EVENTS)
        .map(|i| {
            let id = format!("evt-{i:05}");
            let secs = i * 86_400 / EVENTS;
            item!(Event {
                day: day,
                shard: shard_of(&id),
                occurred_at: format!(
                    "{day}T{:02}:{:02}:{:02}Z",
                    secs / 3600,
                    secs % 3600 / 60,
                    secs % 60
                ),
                event_id: id,
                kind: kinds[i % 3],
                amount: (i % 50) as i64,
            })
        })
        .collect();
    let started = Instant::now();
    let out = dynamo::table::batch_write_item(events).await?;
    println!(
        "\nwrote {} events of {day} over {SHARDS} shards in {:.1?} (pk {day}#0 … {day}#{})",
        out.processed_items,
        started.elapsed(),
        SHARDS - 1
    );

    // --- the whole day: one query per shard, concurrently --------------------
    let started = Instant::now();
    let per_shard = try_join_all((0..SHARDS).map(|shard| async move {
        Event::count_items(
            &item!(Event {
                day: day,
                shard: shard
            }),
            opts![],
        )
        .await
    }))
    .await?;
    println!(
        "events per shard (8 count queries at once, {:.1?}): {per_shard:?}",
        started.elapsed()
    );
    assert_eq!(per_shard.iter().sum::<usize>(), EVENTS);
    assert!(
        per_shard.iter().all(|n| *n > EVENTS / SHARDS as usize / 2),
        "the hash spreads the writes"
    );

    // --- a time range across shards, merged --------------------------------
    // 18:00–18:59 on every shard; each shard's result is sorted, the merge
    // sorts the union.
    let started = Instant::now();
    let parts = try_join_all((0..SHARDS).map(|shard| async move {
        Event::list_items(
            &item!(Event {
                day: day,
                shard: shard,
                occurred_at: format!("{day}T18:00:00Z")
            }),
            opts![sk_operator: :between, sk_end: format!("{day}T18:59:59Z~")],
        )
        .await
    }))
    .await?;
    let mut hour: Vec<Event> = parts.into_iter().flatten().collect();
    hour.sort_by(|a, b| (&a.occurred_at, &a.event_id).cmp(&(&b.occurred_at, &b.event_id)));
    let mut by_kind: BTreeMap<&str, (usize, i64)> = BTreeMap::new();
    for e in &hour {
        let entry = by_kind.entry(e.kind.as_str()).or_default();
        entry.0 += 1;
        entry.1 += e.amount;
    }
    println!(
        "18:00–18:59 from all shards, merged ({:.1?}): {} events, first {} last {}; by kind {by_kind:?}",
        started.elapsed(),
        hour.len(),
        hour.first().map_or("-", |e| e.occurred_at.as_str()),
        hour.last().map_or("-", |e| e.occurred_at.as_str()),
    );
    let expected = (0..EVENTS)
        .filter(|i| i * 86_400 / EVENTS / 3600 == 18)
        .count();
    assert_eq!(hour.len(), expected);

    // --- the latest N: the top N of each shard, merged -------------------------
    // Each shard returns only its newest 5 (limit, newest first); the day's
    // newest 5 are among those 8 × 5.
    let latest = try_join_all((0..SHARDS).map(|shard| async move {
        Event::list_items(
            &item!(Event {
                day: day,
                shard: shard
            }),
            opts![scan_index_forward: false, limit: 5],
        )
        .await
    }))
    .await?;
    let mut latest: Vec<Event> = latest.into_iter().flatten().collect();
    latest.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at));
    latest.truncate(5);
    println!("the day's 5 latest events (top 5 per shard, merged):");
    for e in &latest {
        println!(
            "  {} {} shard {} {}",
            e.occurred_at, e.event_id, e.shard, e.kind
        );
    }
    assert_eq!(latest[0].event_id, format!("evt-{:05}", EVENTS - 1));

    // --- a point read: the id gives the shard ----------------------------------
    let id = "evt-01234";
    let one = Event::list_items(
        &item!(Event {
            day: day,
            shard: shard_of(id)
        }),
        opts![
            filter_expression: "event_id = :id",
            expression_attribute_values: {":id" => id}
        ],
    )
    .await?;
    println!(
        "{id} lives on shard {} (hash of the id): found {}",
        shard_of(id),
        one.len()
    );
    assert_eq!(one.len(), 1);
    Ok(())
}

async fn counter() -> anyhow::Result<()> {
    // --- increments on random shards, 32 in flight ---------------------------
    let started = Instant::now();
    let done: usize = stream::iter(0..INCREMENTS)
        .map(|_| async {
            Counter::update_item(
                &item!(Counter {
                    counter_name: "page_views",
                    shard: random_shard()
                }),
                updates! { count: {:increment, 1} },
            )
            .await
        })
        .buffer_unordered(32)
        .try_fold(0, |n, _| async move { Ok(n + 1) })
        .await?;
    println!(
        "
{done} increments of `page_views` on random shards in {:.1?}",
        started.elapsed()
    );

    // --- the total: every shard in one batch get, summed ------------------------
    let keys: Vec<Counter> = (0..SHARDS)
        .map(|shard| {
            item!(Counter {
                counter_name: "page_views",
                shard: shard
            })
        })
        .collect();
    let shards = dynamo::table::batch_get_item(&keys, opts![]).await?;
    let mut counts: Vec<(i64, i64)> = shards.items.iter().map(|c| (c.shard, c.count)).collect();
    counts.sort();
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    println!("per shard {counts:?}; total page_views = {total}");
    assert_eq!(total, INCREMENTS as i64);
    Ok(())
}
