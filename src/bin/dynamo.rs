//! `dynamo`: the Elixir library's mix tasks as one command.
//!
//! ```sh
//! dynamo create-table users --sort-key sk
//! dynamo list-tables --name-contains user --limit 10
//! dynamo generate-schema users > src/users.rs
//! dynamo enable-ttl sessions --attribute expires_at
//! dynamo enable-stream orders && dynamo read-stream orders --follow
//! dynamo delete-table users --force
//! ```
//!
//! See `docs/cli.md`.

/// `eprintln!` that cannot panic: a line that standard error cannot take
/// (closed, or full) is dropped — messages must not turn a command's exit
/// status into a panic's.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

#[path = "dynamo/generate.rs"]
mod generate;
#[path = "dynamo/progress.rs"]
mod progress;

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use clap::{Parser, Subcommand, ValueEnum};
use dynamo::changes::{ChangeRecord, StreamPosition, StreamView};
use dynamo::table::{BillingMode, TableInfo, TableSpec};
use dynamo::{Client, ClientBuilder, ErrorKind, ScalarType};
use serde_json::json;

use progress::Progress;

/// Manage DynamoDB tables for dynamo schemas: create, list, describe and
/// delete tables, turn on time to live, turn on and read a table's stream,
/// and generate a `dynamo_item!` block from an existing table.
///
/// The endpoint and region come from --endpoint / --region, else from
/// AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, AWS_DYNAMODB_ENDPOINT and
/// AWS_REGION / AWS_DEFAULT_REGION (read-stream: the Streams API's from
/// AWS_ENDPOINT_URL_DYNAMODB_STREAMS when set); credentials from the usual
/// AWS sources.
#[derive(Debug, Parser)]
#[command(name = "dynamo", version, max_term_width = 100)]
struct Cli {
    /// DynamoDB endpoint URL, e.g. http://127.0.0.1:8000 for DynamoDB Local.
    #[arg(long, global = true, value_name = "URL")]
    endpoint: Option<String>,

    /// AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1).
    #[arg(long, global = true, value_name = "REGION")]
    region: Option<String>,

    /// Output format: human-readable text or one JSON document on stdout
    /// (read-stream: one JSON object per record and line).
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    output: Output,

    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Output {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Billing {
    /// On-demand capacity.
    #[value(
        name = "PAY_PER_REQUEST",
        alias = "pay_per_request",
        alias = "pay-per-request",
        alias = "on-demand"
    )]
    PayPerRequest,
    /// Provisioned capacity (see --read-capacity / --write-capacity).
    #[value(name = "PROVISIONED", alias = "provisioned")]
    Provisioned,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a table with a string partition key and (unless --no-sort-key)
    /// a string sort key, and wait until it is ACTIVE. A schema's own table
    /// (with its indexes) is created from code: `User::create_table().await`.
    CreateTable {
        /// The table name.
        table: String,
        /// The partition-key attribute.
        #[arg(long, default_value = "pk", value_name = "NAME")]
        partition_key: String,
        /// The sort-key attribute.
        #[arg(long, default_value = "sk", value_name = "NAME")]
        sort_key: String,
        /// Create the table with a partition key only.
        #[arg(long, conflicts_with = "sort_key")]
        no_sort_key: bool,
        /// How the table is billed.
        #[arg(long, value_enum, ignore_case = true, default_value_t = Billing::PayPerRequest)]
        billing_mode: Billing,
        /// Read capacity units (PROVISIONED only; default 5).
        #[arg(long, value_name = "UNITS", value_parser = clap::value_parser!(i64).range(1..))]
        read_capacity: Option<i64>,
        /// Write capacity units (PROVISIONED only; default 5).
        #[arg(long, value_name = "UNITS", value_parser = clap::value_parser!(i64).range(1..))]
        write_capacity: Option<i64>,
        /// Create the table with its DynamoDB stream on, recording this of
        /// each change.
        #[arg(long, value_enum, value_name = "VIEW")]
        stream: Option<View>,
    },
    /// Delete a table. Shows its item count and asks for confirmation unless
    /// --force; without a terminal to ask on, refuses unless --force.
    DeleteTable {
        /// The table name.
        table: String,
        /// Delete without asking.
        #[arg(long, short = 'f')]
        force: bool,
    },
    /// List tables (all pages), sorted by name.
    ListTables {
        /// Only tables whose name contains this text.
        #[arg(long, value_name = "TEXT")]
        name_contains: Option<String>,
        /// At most this many tables.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        limit: Option<u64>,
        /// Table names per ListTables request (1-100).
        #[arg(long, value_name = "N", default_value_t = 100,
              value_parser = clap::value_parser!(u8).range(1..=100))]
        page_size: u8,
    },
    /// Show a table's status, keys, item count, billing mode, indexes, stream
    /// and time to live.
    DescribeTable {
        /// The table name.
        table: String,
    },
    /// Sample a table's items and print a `dynamo_item!` block for it.
    GenerateSchema {
        /// The table name.
        table: String,
        /// How many items to sample.
        #[arg(long, value_name = "N", default_value_t = 100)]
        sample: usize,
        /// The struct's name (default: from the table name, `user_events` →
        /// `UserEvents`).
        #[arg(long, value_name = "NAME")]
        struct_name: Option<String>,
    },
    /// Turn on time to live: items whose attribute (epoch seconds) is in the
    /// past expire.
    EnableTtl {
        /// The table name.
        table: String,
        /// The attribute holding the expiry time.
        #[arg(long, value_name = "NAME")]
        attribute: String,
    },
    /// Turn on the table's DynamoDB stream and print its ARN.
    EnableStream {
        /// The table name.
        table: String,
        /// What the stream records of each change.
        #[arg(long, value_enum, default_value_t = View::NewAndOldImages)]
        view: View,
    },
    /// Turn off the table's DynamoDB stream.
    DisableStream {
        /// The table name.
        table: String,
    },
    /// Print the changes the table's DynamoDB stream holds, one line per
    /// record (with --output json: one JSON object per line). Reads until
    /// two reads in a row find nothing new (one read stops at a shard's
    /// first empty page, which DynamoDB also gives part way through).
    ReadStream {
        /// The table name.
        table: String,
        /// Where to start without a checkpoint: everything the stream holds
        /// (up to 24 hours), or only changes from now on.
        #[arg(long, value_enum, default_value_t = Start::Oldest)]
        from: Start,
        /// A file keeping the position between runs: read from it when it
        /// exists and is not empty, written after every batch printed.
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<std::path::PathBuf>,
        /// Keep reading (once a second when there is nothing new) until
        /// interrupted.
        #[arg(long)]
        follow: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum View {
    KeysOnly,
    NewImage,
    OldImage,
    NewAndOldImages,
}

impl View {
    fn stream_view(self) -> StreamView {
        match self {
            View::KeysOnly => StreamView::KeysOnly,
            View::NewImage => StreamView::NewImage,
            View::OldImage => StreamView::OldImage,
            View::NewAndOldImages => StreamView::NewAndOldImages,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Start {
    Oldest,
    Latest,
}

/// How `main` ends besides success.
enum Failure {
    /// An error: one line on stderr, exit 1.
    Error(anyhow::Error),
    /// The user said no: a message, exit 1.
    Declined(String),
    /// Standard output was closed (`dynamo … | head`): exit 0, quietly.
    Closed,
}

/// `println!` for `run`: a failed write ends the command (`?` inside).
macro_rules! outln {
    ($($arg:tt)*) => {
        emit(format_args!("{}\n", format_args!($($arg)*)))?
    };
}

/// `print!` for `run`.
macro_rules! out {
    ($($arg:tt)*) => {
        emit(format_args!($($arg)*))?
    };
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Error(e)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&anyhow!(e).context("cannot start the async runtime")),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) | Err(Failure::Closed) => ExitCode::SUCCESS,
        Err(Failure::Error(e)) => fail(&e),
        Err(Failure::Declined(msg)) => {
            say!("{msg}");
            ExitCode::FAILURE
        }
    }
}

/// Prints `e` with its causes as one line.
fn fail(e: &anyhow::Error) -> ExitCode {
    let line = format!("{e:#}").replace(['\n', '\r'], " ");
    say!("dynamo: error: {line}");
    ExitCode::FAILURE
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let client = client(&cli)?;
    let json_out = cli.output == Output::Json;
    match cli.command {
        Command::CreateTable {
            table,
            partition_key,
            sort_key,
            no_sort_key,
            billing_mode,
            read_capacity,
            write_capacity,
            stream,
        } => {
            let billing = match billing_mode {
                Billing::PayPerRequest => {
                    if read_capacity.is_some() || write_capacity.is_some() {
                        return Err(anyhow!(
                            "--read-capacity and --write-capacity apply to --billing-mode PROVISIONED"
                        )
                        .into());
                    }
                    BillingMode::PayPerRequest
                }
                Billing::Provisioned => BillingMode::Provisioned {
                    read: read_capacity.unwrap_or(5),
                    write: write_capacity.unwrap_or(5),
                },
            };
            let spec = TableSpec {
                sort_key: (!no_sort_key).then_some((sort_key, ScalarType::String)),
                billing,
                stream: stream.map(View::stream_view),
                ..TableSpec::new(table.clone(), partition_key)
            };
            let info = create_table(&client, &spec)
                .await
                .with_context(|| format!("cannot create table `{table}`"))?;
            if json_out {
                print_json(&table_json(&info, None))?;
            } else {
                outln!(
                    "Table {} created ({}): {}",
                    info.name,
                    info.status,
                    key_text(&info)
                );
                if let Some(arn) = &info.stream_arn {
                    outln!("Stream: {arn}");
                }
            }
        }
        Command::DeleteTable { table, force } => {
            let info = describe(&client, &table).await?;
            let count = info
                .item_count
                .map_or_else(|| "an unknown number of".to_owned(), |n| n.to_string());
            if !force {
                if !std::io::stdin().is_terminal() {
                    return Err(anyhow!(
                        "refusing to delete table `{table}` (about {count} items) without confirmation: \
                         standard input is not a terminal; pass --force to delete it"
                    )
                    .into());
                }
                say!("WARNING: You are about to delete the DynamoDB table '{table}'.");
                say!("WARNING: It holds approximately {count} items.");
                say!("WARNING: This cannot be undone.");
                if !confirm("Delete it? [y/N] ")? {
                    return Err(Failure::Declined("Table deletion cancelled.".to_owned()));
                }
            }
            let mut progress = Progress::new(format!("Deleting table {table}"));
            client
                .delete_table_named(&table, |i| progress.update(&i.status))
                .await
                .with_context(|| format!("cannot delete table `{table}`"))?;
            progress.finish();
            drop(progress);
            if json_out {
                print_json(&json!({
                    "table": table,
                    "deleted": true,
                    "item_count": info.item_count,
                }))?;
            } else {
                outln!("Table {table} deleted ({count} items).");
            }
        }
        Command::ListTables {
            name_contains,
            limit,
            page_size,
        } => {
            let out = client
                .list_tables(
                    name_contains.as_deref(),
                    limit.map(|l| usize::try_from(l).unwrap_or(usize::MAX)),
                    Some(usize::from(page_size)),
                )
                .await
                .context("cannot list tables")?;
            if json_out {
                print_json(&json!({
                    "tables": out.table_names,
                    "count": out.table_names.len(),
                    "pages": out.pages,
                }))?;
            } else if out.table_names.is_empty() {
                say!("No tables found.");
            } else {
                let mut text = String::new();
                for name in &out.table_names {
                    text.push_str(name);
                    text.push('\n');
                }
                out!("{text}");
            }
        }
        Command::DescribeTable { table } => {
            let info = describe(&client, &table).await?;
            let ttl = client.describe_ttl(&table).await.ok();
            if json_out {
                print_json(&table_json(&info, ttl.as_ref()))?;
            } else {
                outln!("Table:         {}", info.name);
                outln!("Status:        {}", info.status);
                outln!("Keys:          {}", key_text(&info));
                if let Some(n) = info.item_count {
                    outln!("Items:         {n} (approximate)");
                }
                if let Some(b) = &info.billing_mode {
                    outln!("Billing:       {b}");
                }
                for i in &info.indexes {
                    let pk = if i.local {
                        info.partition_key.clone().unwrap_or_default()
                    } else {
                        i.partition_key.join(", ")
                    };
                    let keys = match i.sort_key.is_empty() {
                        true => pk,
                        false => format!("{pk} + {}", i.sort_key.join(", ")),
                    };
                    let kind = if i.local { " (local)" } else { "" };
                    outln!("Index:         {}{kind} ({keys}) {}", i.name, i.status);
                }
                if let Some(t) = ttl {
                    match t.attribute {
                        Some(a) => outln!("Time to live:  {} ({a})", t.status),
                        None => outln!("Time to live:  {}", t.status),
                    }
                }
                if let Some(arn) = &info.stream_arn {
                    outln!("Stream:        {arn}");
                }
            }
        }
        Command::GenerateSchema {
            table,
            sample,
            struct_name,
        } => {
            let struct_name = match struct_name {
                Some(n) if let Some(why) = generate::shadows(&n) => {
                    return Err(anyhow!("--struct-name: {why}; choose another name").into());
                }
                Some(n) if generate::is_identifier(&n) => n,
                Some(n) => {
                    return Err(
                        anyhow!("--struct-name `{n}` is not a valid Rust identifier").into(),
                    );
                }
                None => generate::struct_name_for(&table),
            };
            let info = describe(&client, &table).await?;
            let items = client
                .scan_table(&table, sample)
                .await
                .with_context(|| format!("cannot sample the items of table `{table}`"))?;
            // Time to live, when it is on (or being turned on). Not being
            // allowed to ask leaves it out of the block, with a warning.
            let ttl = match client.describe_ttl(&table).await {
                Ok(t) if matches!(t.status.as_str(), "ENABLED" | "ENABLING") => t.attribute,
                Ok(_) => None,
                Err(e) => {
                    say!("warning: cannot read the time to live of `{table}`: {e}");
                    None
                }
            };
            let generated = generate::infer(&info, &items, struct_name, ttl.as_deref());
            if json_out {
                print_json(&generated.to_json())?;
            } else {
                out!("{}", generated.render());
            }
        }
        Command::EnableStream { table, view } => {
            let view = view.stream_view();
            let arn = client
                .enable_stream(&table, view)
                .await
                .with_context(|| format!("cannot turn on the stream of table `{table}`"))?;
            if json_out {
                print_json(&json!({ "table": table, "stream_arn": arn, "view": view.as_str() }))?;
            } else {
                outln!("Stream on table {table} ({}): {arn}", view.as_str());
            }
        }
        Command::DisableStream { table } => {
            client
                .disable_stream(&table)
                .await
                .with_context(|| format!("cannot turn off the stream of table `{table}`"))?;
            if json_out {
                print_json(&json!({ "table": table, "stream_arn": null }))?;
            } else {
                outln!("Stream on table {table}: off");
            }
        }
        Command::ReadStream {
            table,
            from,
            checkpoint,
            follow,
        } => {
            // An empty file (as `mktemp` makes) is no checkpoint yet.
            let saved = match &checkpoint {
                Some(path) if path.exists() => {
                    Some(std::fs::read_to_string(path).with_context(|| {
                        format!("cannot read the checkpoint {}", path.display())
                    })?)
                    .filter(|text| !text.trim().is_empty())
                }
                _ => None,
            };
            let mut position = match (&checkpoint, saved) {
                (Some(path), Some(text)) => serde_json::from_str(&text).with_context(|| {
                    format!("the checkpoint {} is not a stream position", path.display())
                })?,
                _ => match from {
                    Start::Oldest => StreamPosition::oldest(),
                    Start::Latest => StreamPosition::latest(),
                },
            };
            // Records printed but never checkpointed would be printed again
            // by the next run: find out now that the file cannot be written.
            if let Some(path) = &checkpoint {
                check_checkpoint_writable(path)?;
            }
            // Without --follow: read until two reads in a row find nothing
            // (a read stops at an open shard's first empty page and at its
            // page limit, so one empty read alone does not mean the end).
            let mut empty_reads = 0;
            loop {
                let records = client
                    .read_changes(&table, &mut position)
                    .await
                    .with_context(|| format!("cannot read the stream of table `{table}`"))?;
                let mut stdout = std::io::stdout().lock();
                for r in &records {
                    let line = if json_out {
                        record_json(r).to_string()
                    } else {
                        record_text(r)
                    };
                    // A closed stdout (`| head`) ends the command quietly,
                    // before the checkpoint moves past what was not shown.
                    writeln!(stdout, "{line}").map_err(output_failure)?;
                }
                stdout.flush().map_err(output_failure)?;
                drop(stdout);
                if let Some(path) = &checkpoint {
                    save_checkpoint(path, &position)?;
                }
                empty_reads = if records.is_empty() {
                    empty_reads + 1
                } else {
                    0
                };
                if !follow && empty_reads >= 2 {
                    break;
                }
                if follow && records.is_empty() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        Command::EnableTtl { table, attribute } => {
            client
                .enable_ttl(&table, &attribute)
                .await
                .with_context(|| format!("cannot enable time to live on table `{table}`"))?;
            let ttl = client
                .describe_ttl(&table)
                .await
                .with_context(|| format!("cannot read the time-to-live setting of `{table}`"))?;
            if json_out {
                print_json(&json!({
                    "table": table,
                    "attribute": ttl.attribute.as_deref().unwrap_or(&attribute),
                    "status": ttl.status,
                }))?;
            } else {
                outln!(
                    "Time to live on table {table}: {} (attribute {})",
                    ttl.status,
                    ttl.attribute.as_deref().unwrap_or(&attribute)
                );
            }
        }
    }
    Ok(())
}

/// The client: flags first, then the same environment variables as
/// `Client::from_env`.
fn client(cli: &Cli) -> anyhow::Result<Client> {
    // The library's own reading of the environment (the endpoint and region
    // variables, DYNAMO_TIMEOUT_MS, DYNAMO_MAX_ATTEMPTS, DYNAMO_ALLOW_HTTP),
    // with the command line's --endpoint and --region on top.
    let mut b = ClientBuilder::from_env().context("cannot set up the DynamoDB client")?;
    if let Some(ep) = &cli.endpoint {
        b = b.endpoint(ep.clone());
    }
    if let Some(r) = &cli.region {
        b = b.region(r.clone());
    }
    b.build().context("cannot set up the DynamoDB client")
}

/// Describes a table, saying plainly when it does not exist.
async fn describe(client: &Client, table: &str) -> anyhow::Result<TableInfo> {
    match client.describe_table(table).await {
        Ok(info) => Ok(info),
        Err(e) if e.kind() == ErrorKind::ResourceNotFound => {
            bail!("table `{table}` does not exist")
        }
        Err(e) => Err(anyhow!(e).context(format!("cannot describe table `{table}`"))),
    }
}

/// Creates the table, showing its status until it is ACTIVE.
async fn create_table(client: &Client, spec: &TableSpec) -> anyhow::Result<TableInfo> {
    let mut progress = Progress::new(format!("Creating table {}", spec.name));
    let create = client.create_table_from_spec(spec);
    tokio::pin!(create);
    let period = Duration::from_millis(250);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    let mut ticks = 0u32;
    let info = loop {
        tokio::select! {
            r = &mut create => break r?,
            _ = tick.tick() => {
                ticks += 1;
                // The status once a second; the spinner turns every tick.
                if ticks.is_multiple_of(4)
                    && let Ok(i) = client.describe_table(&spec.name).await {
                        progress.update(&i.status);
                        continue;
                    }
                progress.tick();
            }
        }
    };
    progress.update(&info.status);
    progress.finish();
    Ok(info)
}

/// Asks a yes/no question on the terminal.
fn confirm(question: &str) -> anyhow::Result<bool> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{question}");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the answer")?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

fn key_text(info: &TableInfo) -> String {
    let attr = |name: &Option<String>| {
        name.as_ref().map(|n| {
            let t = info.attribute_types.get(n).map_or("?", String::as_str);
            format!("{n} ({t})")
        })
    };
    match (attr(&info.partition_key), attr(&info.sort_key)) {
        (Some(pk), Some(sk)) => format!("partition key {pk}, sort key {sk}"),
        (Some(pk), None) => format!("partition key {pk}"),
        _ => "no key schema reported".to_owned(),
    }
}

fn table_json(info: &TableInfo, ttl: Option<&dynamo::table::TtlInfo>) -> serde_json::Value {
    let key = |name: &Option<String>| match name {
        Some(n) => json!({ "attribute": n, "type": info.attribute_types.get(n) }),
        None => serde_json::Value::Null,
    };
    let mut v = json!({
        "table": info.name,
        "status": info.status,
        "partition_key": key(&info.partition_key),
        "sort_key": key(&info.sort_key),
        "item_count": info.item_count,
        "billing_mode": info.billing_mode,
        "stream_arn": info.stream_arn,
        "indexes": info.indexes.iter().map(|i| json!({
            "name": i.name, "status": i.status, "partition_key": i.partition_key,
            "sort_key": i.sort_key, "local": i.local,
        })).collect::<Vec<_>>(),
    });
    if let Some(t) = ttl {
        v["time_to_live"] = json!({ "status": t.status, "attribute": t.attribute });
    }
    v
}

/// An attribute map as plain JSON, names sorted.
fn plain(item: &dynamo::Item) -> serde_json::Value {
    let sorted: std::collections::BTreeMap<_, _> =
        item.iter().map(|(k, v)| (k, v.to_plain_json())).collect();
    json!(sorted)
}

/// One stream record as a JSON object.
fn record_json(r: &ChangeRecord) -> serde_json::Value {
    json!({
        "event_id": r.event_id(),
        "kind": r.kind().as_str(),
        "sequence_number": r.sequence_number(),
        "keys": plain(&r.keys()),
        "old": r.old_image().map(|i| plain(&i)),
        "new": r.new_image().map(|i| plain(&i)),
        "expired": r.is_expiry(),
    })
}

/// One stream record as a line: the kind, the keys, then the item after
/// the change (before it, for a removal).
fn record_text(r: &ChangeRecord) -> String {
    let mut line = format!("{} {}", r.kind(), plain(&r.keys()));
    if let Some(image) = r.new_image().or_else(|| r.old_image()) {
        line.push(' ');
        line.push_str(&plain(&image).to_string());
    }
    if r.is_expiry() {
        line.push_str(" (expired)");
    }
    line
}

/// Whether the checkpoint's temporary file can be made beside `path` (the
/// one [`save_checkpoint`] writes), before anything is read.
fn check_checkpoint_writable(path: &std::path::Path) -> anyhow::Result<()> {
    let tmp = checkpoint_tmp(path);
    std::fs::File::create(&tmp)
        .and_then(|_| std::fs::remove_file(&tmp))
        .with_context(|| format!("cannot write the checkpoint {}", path.display()))
}

fn checkpoint_tmp(path: &std::path::Path) -> std::path::PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::path::PathBuf::from(tmp)
}

/// Writes the position to `path` through a temporary file, so that an
/// interrupted run never leaves half a checkpoint.
fn save_checkpoint(path: &std::path::Path, position: &StreamPosition) -> anyhow::Result<()> {
    let text = serde_json::to_string(position).context("cannot serialize the position")?;
    let tmp = checkpoint_tmp(path);
    // Written in full and synced before it replaces the last one, so a
    // crash or power loss leaves one or the other, never half of one.
    std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("cannot write the checkpoint {}", path.display()))
}

fn print_json(v: &serde_json::Value) -> Result<(), Failure> {
    emit(format_args!(
        "{}\n",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
    ))
}

/// Writes to standard output (and flushes, so a failed write shows here).
fn emit(args: std::fmt::Arguments<'_>) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_fmt(args)
        .and_then(|()| stdout.flush())
        .map_err(output_failure)
}

/// A closed standard output (`dynamo … | head`) ends the command quietly
/// (exit 0): what follows is not wanted. Any other failed write (a full
/// disk) is an error.
fn output_failure(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::Closed
    } else {
        Failure::Error(anyhow!(e).context("cannot write to standard output"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;
    use dynamo::table::IndexInfo;
    use dynamo::{Number, Value};
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn create_table_flags() {
        let cli = Cli::try_parse_from([
            "dynamo",
            "--output",
            "json",
            "create-table",
            "t1",
            "--no-sort-key",
            "--billing-mode",
            "provisioned",
            "--read-capacity",
            "3",
        ])
        .unwrap();
        assert_eq!(cli.output, Output::Json);
        match cli.command {
            Command::CreateTable {
                table,
                partition_key,
                no_sort_key,
                billing_mode,
                read_capacity,
                write_capacity,
                ..
            } => {
                assert_eq!(table, "t1");
                assert_eq!(partition_key, "pk");
                assert!(no_sort_key);
                assert_eq!(billing_mode, Billing::Provisioned);
                assert_eq!(read_capacity, Some(3));
                assert_eq!(write_capacity, None);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            Cli::try_parse_from([
                "dynamo",
                "create-table",
                "t",
                "--sort-key",
                "x",
                "--no-sort-key"
            ])
            .is_err()
        );
        assert!(Cli::try_parse_from(["dynamo", "list-tables", "--page-size", "0"]).is_err());
        assert!(Cli::try_parse_from(["dynamo", "list-tables", "--page-size", "101"]).is_err());
        assert!(Cli::try_parse_from(["dynamo", "list-tables", "--limit", "0"]).is_err());
        assert!(Cli::try_parse_from(["dynamo", "list-tables", "--limit", "1"]).is_ok());
        // Global flags go before or after the subcommand.
        let cli =
            Cli::try_parse_from(["dynamo", "list-tables", "--endpoint", "http://127.0.0.1:1"])
                .unwrap();
        assert_eq!(cli.endpoint.as_deref(), Some("http://127.0.0.1:1"));
    }

    fn info(pk: &str, sk: Option<&str>) -> TableInfo {
        let mut i = TableInfo::default();
        i.name = "user_events-v2".into();
        i.status = "ACTIVE".into();
        i.partition_key = Some(pk.into());
        i.attribute_types.insert(pk.into(), "S".into());
        if let Some(sk) = sk {
            i.sort_key = Some(sk.into());
            i.attribute_types.insert(sk.into(), "S".into());
        }
        i
    }

    /// The type `g` declares for field `name`.
    fn declared(g: &generate::Generated, name: &str) -> String {
        g.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.declared_type())
            .unwrap_or_else(|| panic!("no field {name}: {g:#?}"))
    }

    fn item(pairs: &[(&str, Value)]) -> dynamo::Item {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn infers_types() {
        let n = |s: &str| Value::Number(s.parse::<Number>().unwrap());
        let items = vec![
            item(&[
                ("pk", "a".into()),
                ("sk", "1".into()),
                ("name", "x".into()),
                ("age", n("3")),
                ("score", n("1.5")),
                ("active", true.into()),
                ("tags", Value::StringSet(BTreeSet::from(["a".to_string()]))),
                ("mixed", "s".into()),
                ("maybe", "m".into()),
                ("list", Value::List(vec!["a".into(), "b".into()])),
                ("first-name", "z".into()),
                ("type", "t".into()),
                ("meta", Value::Map(BTreeMap::new())),
                ("camelCase", n("1")),
            ]),
            item(&[
                ("pk", "b".into()),
                ("sk", "2".into()),
                ("name", "y".into()),
                ("age", n("4")),
                ("score", n("2")),
                ("active", false.into()),
                ("tags", Value::StringSet(BTreeSet::from(["b".to_string()]))),
                ("mixed", n("1")),
                ("maybe", Value::Null),
                ("list", Value::List(vec![])),
                ("meta", Value::Map(BTreeMap::new())),
                ("camelCase", n("2")),
            ]),
        ];
        let g = generate::infer(&info("pk", Some("sk")), &items, "UserEvents".into(), None);
        let ty = |name: &str| declared(&g, name);
        assert_eq!(ty("pk"), "String");
        assert_eq!(ty("sk"), "String");
        assert_eq!(ty("name"), "String");
        assert_eq!(ty("age"), "i64");
        assert_eq!(ty("score"), "f64");
        assert_eq!(ty("active"), "bool");
        assert_eq!(ty("tags"), "std::collections::BTreeSet<String>");
        assert_eq!(ty("mixed"), "dynamo::Value");
        assert_eq!(ty("maybe"), "Option<String>");
        assert_eq!(ty("list"), "Vec<String>");
        assert_eq!(
            ty("meta"),
            "std::collections::BTreeMap<String, dynamo::Value>"
        );
        let skipped: Vec<&str> = g.skipped.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(skipped, ["first-name", "type"]);
        let code = g.render();
        assert!(code.contains("use Dynamo.Schema, partition_key_name: \"pk\", sort_key_name: \"sk\", prefix_sort_key: false;"), "{code}");
        assert!(code.contains("field :pk: String, partition_key;"), "{code}");
        assert!(code.contains("field :sk: String, sort_key;"), "{code}");
        assert!(
            code.contains("field :mixed; // mixed types: N, S"),
            "{code}"
        );
        assert!(code.contains("#[allow(non_snake_case)]"), "{code}");
        assert!(
            code.contains("`first-name` (not a Rust identifier)"),
            "{code}"
        );
        assert!(code.contains("`type` (a Rust keyword)"), "{code}");
        let j = g.to_json();
        assert_eq!(j["partition_key"]["attribute"], "pk");
        assert_eq!(j["struct_name"], "UserEvents");
    }

    /// A list holding a NULL has no common element type: `Vec<String>`
    /// could not read `["x", NULL]` back.
    #[test]
    fn a_list_with_a_null_element_is_a_list_of_values() {
        let items = vec![
            item(&[
                ("pk", "a".into()),
                ("tags", Value::List(vec!["x".into(), Value::Null])),
                ("plain", Value::List(vec!["x".into()])),
            ]),
            item(&[
                ("pk", "b".into()),
                ("tags", Value::List(vec!["y".into()])),
                ("plain", Value::List(vec![])),
            ]),
        ];
        let g = generate::infer(&info("pk", None), &items, "T".into(), None);
        let ty = |name: &str| declared(&g, name);
        assert_eq!(ty("tags"), "Vec<dynamo::Value>");
        assert_eq!(ty("plain"), "Vec<String>");
    }

    /// A number key takes the number type its sampled values need, as any
    /// other number field does (`i64` could not read 1.5 back).
    #[test]
    fn a_number_key_is_typed_from_its_values() {
        let n = |s: &str| Value::Number(s.parse::<Number>().unwrap());
        let mut i = info("pk", Some("sk"));
        i.attribute_types.insert("sk".into(), "N".into());
        let key_type = |sks: &[&str]| {
            let items: Vec<_> = sks
                .iter()
                .map(|sk| item(&[("pk", "a".into()), ("sk", n(sk))]))
                .collect();
            let g = generate::infer(&i, &items, "T".into(), None);
            g.fields
                .iter()
                .find(|f| f.attribute == "sk")
                .map(|f| f.declared_type())
                .unwrap()
        };
        assert_eq!(key_type(&["1", "2"]), "i64");
        assert_eq!(key_type(&["1", "1.5"]), "f64");
        assert_eq!(key_type(&["1e20"]), "f64");
        assert_eq!(key_type(&["12345678901234567.5"]), "dynamo::Number");
        assert_eq!(key_type(&[]), "i64");
    }

    /// A key attribute that is not a Rust identifier gets a field name no
    /// other attribute has: `user-id` became `user_id`, and the table's own
    /// `user_id` attribute was then skipped ("not a Rust identifier") and
    /// overwritten by the key field stored under that name.
    #[test]
    fn a_key_field_name_does_not_take_another_attributes_name() {
        let items = vec![item(&[
            ("user-id", "u1".into()),
            ("user_id", "legacy".into()),
        ])];
        let g = generate::infer(&info("user-id", None), &items, "T".into(), None);
        let key = g.fields.iter().find(|f| f.attribute == "user-id").unwrap();
        assert_eq!(key.name, "user_id_2");
        let other = g.fields.iter().find(|f| f.attribute == "user_id");
        assert_eq!(other.map(|f| f.name.as_str()), Some("user_id"), "{g:#?}");
        assert!(g.skipped.is_empty(), "{:?}", g.skipped);
    }

    /// A fraction beside an integer of more digits than an `f64` keeps
    /// needs exact numbers: `f64` would change the integer on the way back.
    #[test]
    fn long_integers_and_fractions_together_are_exact_numbers() {
        let n = |s: &str| Value::Number(s.parse::<Number>().unwrap());
        let items = vec![
            item(&[
                ("pk", "a".into()),
                ("amount", n("12345678901234567")),
                ("small", n("12")),
                ("long", n("12345678901234567")),
                ("list", Value::List(vec![n("12345678901234567"), n("0.5")])),
            ]),
            item(&[
                ("pk", "b".into()),
                ("amount", n("0.5")),
                ("small", n("0.5")),
                ("long", n("7")),
                ("list", Value::List(vec![])),
            ]),
        ];
        let g = generate::infer(&info("pk", None), &items, "T".into(), None);
        let ty = |name: &str| declared(&g, name);
        assert_eq!(ty("amount"), "dynamo::Number");
        assert_eq!(ty("small"), "f64");
        assert_eq!(ty("long"), "i64");
        assert_eq!(ty("list"), "Vec<dynamo::Number>");
    }

    #[test]
    fn the_time_to_live_attribute_is_marked_ttl() {
        let n = |s: &str| Value::Number(s.parse::<Number>().unwrap());
        let items = vec![
            item(&[
                ("pk", "a".into()),
                ("expires", n("1700000000")),
                ("score", n("1.5")),
                ("first-name", "Ada".into()),
            ]),
            item(&[("pk", "b".into()), ("expires", n("1700000100"))]),
        ];
        let infer = |ttl: &str| generate::infer(&info("pk", None), &items, "T".into(), Some(ttl));

        // Whole numbers in every item: that field.
        let g = infer("expires");
        let code = g.render();
        assert!(code.contains("field :expires: i64, ttl;"), "{code}");
        assert_eq!(code.matches(", ttl").count(), 1, "{code}");
        assert!(g.notes.is_empty(), "{:?}", g.notes);
        let ttl_fields: Vec<_> = g.to_json()["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["ttl"] == true)
            .map(|f| f["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ttl_fields, ["expires"]);

        // In no sampled item: an optional field, in name order.
        let g = infer("deleted_at");
        let names: Vec<&str> = g.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["pk", "deleted_at", "expires", "score"]);
        let code = g.render();
        assert!(
            code.contains(
                "field :deleted_at: Option<i64>, ttl; // time to live, not in the sampled items"
            ),
            "{code}"
        );

        // Not whole numbers, a key, a name no field can have: a note each,
        // and nothing marked.
        for (attr, says) in [
            ("score", "not whole numbers of seconds (N)"),
            ("pk", "it is a key attribute"),
            ("first-name", "its name cannot be a field"),
            ("type", "its name cannot be a field"),
        ] {
            let g = infer(attr);
            let code = g.render();
            assert!(!code.contains(", ttl"), "{attr}: {code}");
            assert!(
                g.notes.iter().any(|n| n.contains(attr) && n.contains(says)),
                "{attr}: {:?}",
                g.notes
            );
        }
    }

    #[test]
    fn odd_key_names_and_indexes() {
        let mut i = info("user-id", None);
        i.indexes.push(IndexInfo::new(
            "ByEmail",
            vec!["email".into()],
            Vec::new(),
            false,
        ));
        i.attribute_types.insert("email".into(), "S".into());
        let g = generate::infer(&i, &[], "T".into(), None);
        assert_eq!(g.fields[0].name, "user_id");
        assert_eq!(g.fields[0].attribute, "user-id");
        assert_eq!(g.fields[1].declared_type(), "Option<String>");
        assert_eq!(g.indexes.len(), 1);
        let code = g.render();
        assert!(code.contains("partition_key_name: \"user-id\""), "{code}");
        assert!(
            code.contains("global_secondary_index \"ByEmail\", partition_key: :email;"),
            "{code}"
        );
    }

    #[test]
    fn multi_attribute_and_local_indexes() {
        let mut i = info("pk", Some("sk"));
        i.indexes.push(IndexInfo::new(
            "ByRegion",
            vec!["tenant_id".into(), "region".into()],
            vec!["day".into(), "seq".into()],
            false,
        ));
        i.indexes.push(IndexInfo::new(
            "ByStatus",
            Vec::new(),
            vec!["status".into()],
            true,
        ));
        for (a, t) in [
            ("tenant_id", "S"),
            ("region", "S"),
            ("day", "S"),
            ("seq", "N"),
            ("status", "S"),
        ] {
            i.attribute_types.insert(a.into(), t.into());
        }
        let g = generate::infer(&i, &[], "T".into(), None);
        let code = g.render();
        assert!(
            code.contains(
                "global_secondary_index \"ByRegion\", partition_key: [:tenant_id, :region], sort_key: [:day, :seq];"
            ),
            "{code}"
        );
        assert!(
            code.contains("local_secondary_index \"ByStatus\", sort_key: :status;"),
            "{code}"
        );
        // Global lines come before local ones, as the grammar wants.
        assert!(code.find("global_secondary_index") < code.find("local_secondary_index"));
        assert!(code.contains("field :seq: Option<i64>;"), "{code}");
        let j = g.to_json();
        assert_eq!(j["indexes"][0]["partition_key"][1], "region");
        assert_eq!(j["indexes"][1]["local"], true);
    }

    #[test]
    fn struct_names() {
        assert_eq!(generate::struct_name_for("users_data-v2"), "UsersDataV2");
        assert_eq!(generate::struct_name_for("orders"), "Orders");
        assert_eq!(generate::struct_name_for("9lives"), "Table9lives");
        // A name the block's own types would be shadowed by gets a suffix.
        assert_eq!(generate::struct_name_for("option"), "OptionItem");
        assert_eq!(generate::struct_name_for("string"), "StringItem");
        assert_eq!(generate::struct_name_for("vec"), "VecItem");
        assert!(generate::shadows("dynamo").is_some());
        assert!(generate::shadows("Result").is_none());
        assert!(generate::is_identifier("user_id"));
        assert!(!generate::is_identifier("user-id"));
        assert!(!generate::is_identifier("type"));
        assert!(!generate::is_identifier("_"));
        assert!(!generate::is_identifier("1a"));
    }
}
