//! Time series with TTL (the guide's "Time-Series Data" pattern and "TTL for
//! Data Lifecycle"): sensor readings keyed by device and timestamp, each with
//! an `expires_at` epoch-seconds attribute that DynamoDB's time to live uses
//! to delete the reading once it is old.
//!
//! ```text
//! pk          sk                     temperature  expires_at
//! sensor-1    2024-05-01T10:00:00Z   21.4         1714644000
//! ```
//!
//! ISO-8601 UTC timestamps sort as text in time order, so the sort key
//! answers "newest first" and "between two times" directly. TTL deletion is
//! lazy (DynamoDB deletes expired items within a few days, not at once), so
//! reads that must not see expired readings also filter on `expires_at`.
//!
//! Run it with `cargo run --example time_series`.

use std::time::{SystemTime, UNIX_EPOCH};

use dynamo::config::{self, Config};
use dynamo::prelude::*;

dynamo_item! {
    /// One reading of one device.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Reading {
        table_name "readings";
        field :device_id: String, partition_key;
        field :ts: String, sort_key;
        field :temperature: f64;
        field :humidity: f64;
        field :expires_at: i64;
    }
}

/// How long a reading is kept.
const RETENTION_SECS: i64 = 24 * 3600;
/// One reading every five minutes…
const STEP_SECS: i64 = 300;
/// …over the last six hours.
const HISTORY_SECS: i64 = 6 * 3600;

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

    Reading::create_table().await?;
    let table = Reading::schema().effective_table_name();
    println!("created table `{table}`");
    let outcome = demo(&client, &table).await;
    Reading::delete_table().await?;
    println!("deleted table `{table}`");
    outcome
}

async fn demo(client: &Client, table: &str) -> anyhow::Result<()> {
    // --- time to live on `expires_at` ---------------------------------------
    client.enable_ttl(table, "expires_at").await?;
    let ttl = client.describe_ttl(table).await?;
    println!(
        "time to live: {} on `{}`",
        ttl.status,
        ttl.attribute.as_deref().unwrap_or("?")
    );

    // --- readings every 5 minutes for 6 hours, 3 devices ---------------------
    let now = now_secs();
    let start = now - HISTORY_SECS;
    let devices = ["sensor-1", "sensor-2", "sensor-3"];
    let mut readings = Vec::new();
    for (d, device) in devices.iter().enumerate() {
        let mut t = start - start % STEP_SECS;
        while t <= now {
            let phase = (t % 86_400) as f64 / 86_400.0 * std::f64::consts::TAU;
            readings.push(item!(Reading {
                device_id: *device,
                ts: iso8601(t),
                temperature: round1(20.0 + d as f64 + 3.0 * phase.sin() + fastrand::f64()),
                humidity: round1(40.0 + 10.0 * phase.cos()),
                expires_at: t + RETENTION_SECS,
            }));
            t += STEP_SECS;
        }
    }
    // Three readings from three days ago: already past `expires_at`, but
    // DynamoDB may not have deleted them yet.
    for i in 0..3 {
        let t = now - 3 * 86_400 + i * STEP_SECS;
        readings.push(item!(Reading {
            device_id: "sensor-1",
            ts: iso8601(t),
            temperature: 15.0,
            humidity: 50.0,
            expires_at: t + RETENTION_SECS,
        }));
    }
    let total = readings.len();
    let out = dynamo::table::batch_write_item(readings).await?;
    println!(
        "wrote {} readings ({} devices, one every {} min for {} h, plus 3 expired ones)",
        out.processed_items,
        devices.len(),
        STEP_SECS / 60,
        HISTORY_SECS / 3600
    );
    assert_eq!(out.processed_items, total);

    // --- the last hour, newest first ------------------------------------------
    let hour_ago = iso8601(now - 3600);
    let last_hour = Reading::list_items(
        &item!(Reading {
            device_id: "sensor-1",
            ts: hour_ago.as_str()
        }),
        opts![sk_operator: :gte, scan_index_forward: false],
    )
    .await?;
    println!("\nsensor-1, last hour (ts >= {hour_ago}), newest first:");
    for r in last_hour.iter().take(4) {
        println!(
            "  {}  {:>5.1} °C  {:>4.1} %",
            r.ts, r.temperature, r.humidity
        );
    }
    println!("  … {} readings", last_hour.len());
    assert!(last_hour.windows(2).all(|w| w[0].ts > w[1].ts));
    let mean = last_hour.iter().map(|r| r.temperature).sum::<f64>() / last_hour.len() as f64;
    println!("  mean temperature {mean:.2} °C");

    // --- the latest reading of each device --------------------------------------
    println!("\nlatest reading per device (limit: 1, newest first):");
    for device in devices {
        let latest = Reading::list_items(
            &item!(Reading { device_id: device }),
            opts![scan_index_forward: false, limit: 1],
        )
        .await?;
        let r = &latest[0];
        println!("  {device}  {}  {:.1} °C", r.ts, r.temperature);
    }

    // --- a window: between 3 and 2 hours ago ---------------------------------
    let (from, to) = (iso8601(now - 3 * 3600), iso8601(now - 2 * 3600));
    let window = Reading::list_items(
        &item!(Reading {
            device_id: "sensor-2",
            ts: from.as_str()
        }),
        opts![sk_operator: :between, sk_end: to.as_str(), scan_index_forward: false],
    )
    .await?;
    println!(
        "\nsensor-2 between {from} and {to}: {} readings, newest {} oldest {}",
        window.len(),
        window.first().map_or("-", |r| r.ts.as_str()),
        window.last().map_or("-", |r| r.ts.as_str()),
    );
    assert!(window.iter().all(|r| r.ts >= from && r.ts <= to));

    // --- expired readings: hide what TTL has not deleted yet -----------------
    let everything = Reading::count_items(
        &item!(Reading {
            device_id: "sensor-1"
        }),
        opts![],
    )
    .await?;
    let live = Reading::count_items(
        &item!(Reading {
            device_id: "sensor-1"
        }),
        opts![
            filter_expression: "expires_at > :now",
            expression_attribute_values: {":now" => now_secs()}
        ],
    )
    .await?;
    println!(
        "\nsensor-1: {everything} readings stored, {live} not yet expired \
         (filter `expires_at > :now`; TTL deletes the rest in the background)"
    );
    assert!(
        everything - live <= 3,
        "only the three old readings are expired"
    );
    Ok(())
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// `2024-05-01T10:00:00Z` for epoch seconds.
fn iso8601(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Year, month, day of a day number since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
